/*
 * test_hex.c: hex helpers of common/util.h: daas_hex_new round-trips through daas_hex_append;
 * daas_hex_append refuses odd lengths, non-digits and NULL (appending nothing) and inputs over
 * its limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

static void test_round_trip(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0x00, 0x7f, 0x80, 0xff, 0x5a};
    char *h = daas_hex_new(bytes, sizeof bytes);
    assert_string_equal(h, "007f80ff5a");
    daas_buf b;
    daas_buf_init(&b, 64);
    assert_int_equal(daas_hex_append(&b, h, sizeof bytes), DAAS_OK);
    assert_int_equal(b.len, sizeof bytes);
    assert_memory_equal(b.data, bytes, sizeof bytes);
    assert_int_equal(daas_hex_append(&b, "ABcd", 2), DAAS_OK); /* either case */
    assert_int_equal(b.len, sizeof bytes + 2);
    daas_free(h);
    daas_buf_fini(&b);
}

static void test_refusals(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 64);
    assert_int_equal(daas_hex_append(&b, "abc", 10), DAAS_EINVAL);
    assert_int_equal(daas_hex_append(&b, "zz", 10), DAAS_EINVAL);
    assert_int_equal(daas_hex_append(&b, "00zz", 10), DAAS_EINVAL);
    assert_int_equal(daas_hex_append(&b, NULL, 10), DAAS_EINVAL);
    assert_int_equal(daas_hex_append(&b, "000000", 2), DAAS_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(daas_hex_append(&b, "", 2), DAAS_OK);
    assert_int_equal(b.len, 0);
    daas_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
