/*
 * test_bcs.c: the BCS writer and reader against the exact encodings of specs/sui.md §1.1,
 * ULEB128 edge cases (canonical form, overflow, truncation), bool/Option/variant checks,
 * string validation, and Base58 against the digests of §8.3.
 *
 * Owns:   nothing beyond each test's buffers (freed before the test returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sui/bcs.h"

/* Hex of b's contents into a static buffer (tests only). */
static const char *hex(const daas_buf *b)
{
    static char s[4096];
    size_t o = 0;
    for (size_t i = 0; i < b->len && o + 3 < sizeof(s); i++)
        o += (size_t)snprintf(s + o, sizeof(s) - o, "%02x", (uint8_t)b->data[i]);
    s[o] = '\0';
    return s;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void test_put_primitives(void **state)
{
    (void)state;
    daas_buf b;
    uint8_t one16[16] = {1}, one32[32] = {1}, addr[32] = {0};
    addr[31] = 2;
    daas_buf_init(&b, 1024);
#define CHECK(call, want)                                                                          \
    do {                                                                                           \
        daas_buf_reset(&b);                                                                        \
        assert_int_equal((call), DAAS_OK);                                                         \
        assert_string_equal(hex(&b), (want));                                                      \
    } while (0)
    CHECK(daas_sui_bcs_put_u8(&b, 255), "ff");
    CHECK(daas_sui_bcs_put_u16(&b, 4660), "3412");
    CHECK(daas_sui_bcs_put_u32(&b, 305419896), "78563412");
    CHECK(daas_sui_bcs_put_u64(&b, 1000000), "40420f0000000000");
    CHECK(daas_sui_bcs_put_u128(&b, one16), "01000000000000000000000000000000");
    CHECK(daas_sui_bcs_put_u256(&b, one32),
          "0100000000000000000000000000000000000000000000000000000000000000");
    CHECK(daas_sui_bcs_put_bool(&b, true), "01");
    CHECK(daas_sui_bcs_put_str(&b, "hi"), "026869");
    CHECK(daas_sui_bcs_put_bytes(&b, (const uint8_t *)"\x01\x02\x03", 3), "03010203");
    CHECK(daas_sui_bcs_put_addr(&b, addr),
          "0000000000000000000000000000000000000000000000000000000000000002");
    CHECK(daas_sui_bcs_put_uleb(&b, 127), "7f");
    CHECK(daas_sui_bcs_put_uleb(&b, 128), "8001");
    CHECK(daas_sui_bcs_put_uleb(&b, 300), "ac02");
    CHECK(daas_sui_bcs_put_uleb(&b, 16384), "808001");
    CHECK(daas_sui_bcs_put_uleb(&b, 0), "00");
    CHECK(daas_sui_bcs_put_uleb(&b, UINT32_MAX), "ffffffff0f");
    CHECK(daas_sui_bcs_put_option(&b, false), "00");
    /* vector<u64> [1,2] and Option<u64> Some(5) */
    daas_buf_reset(&b);
    assert_int_equal(daas_sui_bcs_put_len(&b, 2), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(&b, 1), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(&b, 2), DAAS_OK);
    assert_string_equal(hex(&b), "0201000000000000000200000000000000");
    daas_buf_reset(&b);
    assert_int_equal(daas_sui_bcs_put_option(&b, true), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(&b, 5), DAAS_OK);
    assert_string_equal(hex(&b), "010500000000000000");
#undef CHECK
    daas_buf_fini(&b);
}

static void test_put_respects_cap(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 4);
    assert_int_equal(daas_sui_bcs_put_u32(&b, 1), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u8(&b, 1), DAAS_ETOOBIG);
    daas_buf_fini(&b);
}

static void test_get_primitives(void **state)
{
    (void)state;
    uint8_t in[128];
    size_t n = unhex("ff"
                     "3412"
                     "78563412"
                     "40420f0000000000"
                     "01"
                     "00"
                     "ac02"
                     "026869"
                     "010500000000000000"
                     "0000000000000000000000000000000000000000000000000000000000000002",
                     in, sizeof(in));
    daas_sui_bcs_reader r;
    daas_err err = {0};
    uint8_t u8 = 0, addr[32];
    uint16_t u16 = 0;
    uint32_t u32 = 0, uleb = 0;
    uint64_t u64 = 0;
    bool t = false, f = true, some = false;
    daas_bytes s = {0};
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(in, n));
    assert_int_equal(daas_sui_bcs_get_u8(&r, "a", &u8, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_u16(&r, "b", &u16, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_u32(&r, "c", &u32, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_u64(&r, "d", &u64, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_bool(&r, "e", &t, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_bool(&r, "f", &f, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_uleb(&r, "g", &uleb, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_str(&r, "h", 16, &s, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_option(&r, "i", &some, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_u64(&r, "j", &u64, &err), DAAS_OK);
    assert_int_equal(u64, 5);
    assert_int_equal(daas_sui_bcs_get_addr(&r, "k", addr, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_end(&r, "end", &err), DAAS_OK);
    assert_int_equal(u8, 255);
    assert_int_equal(u16, 4660);
    assert_int_equal(u32, 305419896);
    assert_true(t);
    assert_false(f);
    assert_int_equal(uleb, 300);
    assert_int_equal(s.len, 2);
    assert_memory_equal(s.ptr, "hi", 2);
    assert_true(some);
    assert_int_equal(addr[31], 2);
    assert_int_equal(addr[0], 0);
}

/* Decodes hex h as one ULEB128 followed by nothing; returns rc, value in *v. */
static int uleb_of(const char *h, uint32_t *v, daas_err *err)
{
    uint8_t in[16];
    size_t n = unhex(h, in, sizeof(in));
    daas_sui_bcs_reader r;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(in, n));
    daas_err_clear(err);
    int rc = daas_sui_bcs_get_uleb(&r, "len", v, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&r, "len", err);
    return rc;
}

static void test_uleb_edges(void **state)
{
    (void)state;
    daas_err err;
    uint32_t v = 0;
    assert_int_equal(uleb_of("00", &v, &err), DAAS_OK);
    assert_int_equal(v, 0);
    assert_int_equal(uleb_of("7f", &v, &err), DAAS_OK);
    assert_int_equal(v, 127);
    assert_int_equal(uleb_of("8001", &v, &err), DAAS_OK);
    assert_int_equal(v, 128);
    assert_int_equal(uleb_of("808001", &v, &err), DAAS_OK);
    assert_int_equal(v, 16384);
    assert_int_equal(uleb_of("ffffffff0f", &v, &err), DAAS_OK);
    assert_int_equal(v, UINT32_MAX);
    /* non-canonical: a trailing zero group */
    assert_int_equal(uleb_of("8000", &v, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "non-canonical"));
    assert_int_equal(uleb_of("ff00", &v, &err), DAAS_EINVAL);
    assert_int_equal(uleb_of("8080808000", &v, &err), DAAS_EINVAL);
    /* past u32 */
    assert_int_equal(uleb_of("ffffffff10", &v, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "exceeds u32"));
    /* longer than 5 bytes */
    assert_int_equal(uleb_of("808080808001", &v, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "longer than 5"));
    /* truncated */
    assert_int_equal(uleb_of("80", &v, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_int_equal(uleb_of("", &v, &err), DAAS_EINVAL);
}

static void test_reader_rejects(void **state)
{
    (void)state;
    daas_sui_bcs_reader r;
    daas_err err = {0};
    bool b = false;
    uint32_t v = 0;
    size_t n = 0;
    daas_bytes s = {0};
    uint64_t u64 = 0;

    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x02", 1));
    assert_int_equal(daas_sui_bcs_get_bool(&r, "flag", &b, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "bcs: flag: invalid bool 0x02 at offset 0");

    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x02", 1));
    assert_int_equal(daas_sui_bcs_get_option(&r, "opt", &b, &err), DAAS_EINVAL);

    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x03", 1));
    assert_int_equal(daas_sui_bcs_get_variant(&r, "Argument", 3, &v, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "bcs: Argument: unknown variant 3 at offset 0");

    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x03\x01\x02", 3));
    assert_int_equal(daas_sui_bcs_get_len(&r, "vec", 100, 1, &n, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "runs past the input"));

    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x05\x01\x02\x03\x04\x05", 6));
    assert_int_equal(daas_sui_bcs_get_len(&r, "vec", 4, 1, &n, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "exceeds limit 4"));

    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x01\x02\x03", 3));
    assert_int_equal(daas_sui_bcs_get_u64(&r, "gas price", &u64, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "bcs: gas price: truncated at offset 0 (need 8 bytes, have 3)");

    /* strings: invalid UTF-8, overlong form, NUL, surrogate */
    static const char *bad[] = {"\x02\xc3\x28", "\x02\xc0\x80", "\x01\x00", "\x03\xed\xa0\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        daas_err_clear(&err);
        daas_sui_bcs_reader_init(&r, DAAS_BYTES(bad[i], (size_t)bad[i][0] + 1));
        assert_int_equal(daas_sui_bcs_get_str(&r, "name", 16, &s, &err), DAAS_EINVAL);
        assert_non_null(strstr(err.msg, "not UTF-8"));
    }
    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x04\xf0\x9f\x98\x80", 5));
    assert_int_equal(daas_sui_bcs_get_str(&r, "name", 16, &s, &err), DAAS_OK);
    assert_int_equal(s.len, 4);

    daas_err_clear(&err);
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("\x00\x00", 2));
    assert_int_equal(daas_sui_bcs_get_bool(&r, "a", &b, &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_get_end(&r, "TransactionData", &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "bcs: TransactionData: 1 trailing bytes at offset 1");
}

static void test_depth_guard(void **state)
{
    (void)state;
    daas_sui_bcs_reader r;
    daas_err err = {0};
    daas_sui_bcs_reader_init(&r, DAAS_BYTES("", 0));
    r.max_depth = 2;
    assert_int_equal(daas_sui_bcs_enter(&r, "t", &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_enter(&r, "t", &err), DAAS_OK);
    assert_int_equal(daas_sui_bcs_enter(&r, "t", &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "deeper than 2"));
    daas_sui_bcs_leave(&r);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_bcs_enter(&r, "t", &err), DAAS_OK);
}

static void test_base58(void **state)
{
    (void)state;
    uint8_t d[32], back[64];
    char s[64];
    size_t n = 0;
    daas_err err = {0};
    memset(d, 0x33, sizeof(d));
    assert_int_equal(daas_sui_base58_encode(d, 32, s, sizeof(s), &err), DAAS_OK);
    assert_string_equal(s, "4Ss5JMkXAD9Z7cktFEdrqeMuT6jGMF1pVozTyPHZ6zT4");
    memset(d, 0x44, sizeof(d));
    assert_int_equal(daas_sui_base58_encode(d, 32, s, sizeof(s), &err), DAAS_OK);
    assert_string_equal(s, "5bV6jUfhDHCQVA1WfKBUnXUsboJgoKgkzkKcxr3joew5");
    assert_int_equal(daas_sui_base58_decode(s, strlen(s), back, sizeof(back), &n, &err), DAAS_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(back, d, 32);
    /* Leading zeros become '1's and come back. */
    static const uint8_t z[4] = {0, 0, 1, 0};
    assert_int_equal(daas_sui_base58_encode(z, 4, s, sizeof(s), &err), DAAS_OK);
    assert_string_equal(s, "115R");
    assert_int_equal(daas_sui_base58_decode(s, strlen(s), back, sizeof(back), &n, &err), DAAS_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(back, z, 4);
    assert_int_equal(daas_sui_base58_encode(z, 0, s, sizeof(s), &err), DAAS_OK);
    assert_string_equal(s, "");
    /* Errors: bad character (0, O, I, l are not in the alphabet), small output. */
    assert_int_equal(daas_sui_base58_decode("12O4", 4, back, sizeof(back), &n, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_base58_decode("4Ss5JMkXAD9Z7cktFEdrqeMuT6jGMF1pVozTyPHZ6zT4", 44,
                                            back, 31, &n, &err),
                     DAAS_ETOOBIG);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_base58_encode(d, 32, s, 20, &err), DAAS_ETOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_primitives), cmocka_unit_test(test_put_respects_cap),
        cmocka_unit_test(test_get_primitives), cmocka_unit_test(test_uleb_edges),
        cmocka_unit_test(test_reader_rejects), cmocka_unit_test(test_depth_guard),
        cmocka_unit_test(test_base58),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
