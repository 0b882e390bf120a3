/*
 * test_base64.c: base64 and base64url (common/util.h) against a reference decoder written
 * the plain way: every length up to 300 with random bytes round-trips; decoding agrees with
 * the reference on arbitrary strings (accepting and refusing the same ones); padding rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

static const char STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The reference: unpadded characters of alpha, one strchr per digit. -1 on a bad input. */
static int ref_decode(const char *alpha, const char *s, size_t n, uint8_t *out, size_t *olen)
{
    uint32_t acc = 0;
    int bits = 0;
    *olen = 0;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *q = s[i] ? strchr(alpha, s[i]) : NULL;
        if (!q)
            return -1;
        acc = (acc << 6) | (uint32_t)(q - alpha);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[(*olen)++] = (uint8_t)(acc >> bits);
        }
    }
    return 0;
}

static void test_roundtrip(void **state)
{
    (void)state;
    uint8_t in[300];
    for (size_t n = 0; n <= sizeof in; n++) {
        daas_random(in, n);
        char *e = daas_base64_encode(in, n), *u = daas_base64url_encode(in, n);
        daas_buf b, c;
        daas_buf_init(&b, 0);
        daas_buf_init(&c, 0);
        assert_int_equal(daas_base64_decode(e, strlen(e), &b), DAAS_OK);
        assert_int_equal(daas_base64url_decode(u, strlen(u), &c), DAAS_OK);
        assert_int_equal(b.len, n);
        assert_int_equal(c.len, n);
        if (n) {
            assert_memory_equal(b.data, in, n);
            assert_memory_equal(c.data, in, n);
        }
        daas_buf_fini(&b);
        daas_buf_fini(&c);
        daas_free(e);
        daas_free(u);
    }
}

/* Random strings over the alphabet plus a few foreign characters: same verdict, same bytes. */
static void test_against_reference(void **state)
{
    (void)state;
    const char extra[] = "-_+/=. \n\x80";
    for (int round = 0; round < 20000; round++) {
        uint8_t r[64];
        daas_random(r, sizeof r);
        size_t n = r[0] % 40;
        char s[64];
        for (size_t i = 0; i < n; i++)
            s[i] = r[i + 1] % 16 == 0 ? extra[r[i + 1] % (sizeof extra - 1)] : STD[r[i + 1] % 62];
        for (int url = 0; url < 2; url++) {
            uint8_t want[64];
            size_t wl = 0;
            int ref = ref_decode(url ? URL : STD, s, n, want, &wl);
            daas_buf b;
            daas_buf_init(&b, 0);
            /* no '=' in s means no padding rules apply: both decoders see the same digits */
            if (memchr(s, '=', n) == NULL) {
                int rc = url ? daas_base64url_decode(s, n, &b) : daas_base64_decode(s, n, &b);
                assert_int_equal(rc == DAAS_OK, ref == 0);
                if (rc == DAAS_OK) {
                    assert_int_equal(b.len, wl);
                    if (wl)
                        assert_memory_equal(b.data, want, wl);
                }
            }
            daas_buf_fini(&b);
        }
    }
}

static void test_padding(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_base64_decode("QUJD", 4, &b), DAAS_OK);
    assert_int_equal(daas_base64_decode("QQ==", 4, &b), DAAS_OK);
    assert_int_equal(daas_base64_decode("QUI=", 4, &b), DAAS_OK);
    assert_string_equal(b.data, "ABCAAB");
    assert_int_equal(daas_base64_decode("QQ=", 3, &b), DAAS_EINVAL);  /* pads need 4n */
    assert_int_equal(daas_base64_decode("Q===", 4, &b), DAAS_EINVAL); /* three pads */
    assert_int_equal(daas_base64_decode("QQ=A", 4, &b), DAAS_EINVAL); /* pad inside */
    assert_int_equal(daas_base64_decode("Q", 1, &b), DAAS_EINVAL);    /* 4n + 1 */
    assert_int_equal(daas_base64_decode("QU-_", 4, &b), DAAS_EINVAL); /* url digits */
    assert_int_equal(daas_base64url_decode("QU+/", 4, &b), DAAS_EINVAL);
    daas_buf_fini(&b);
    /* a large value crosses the block size of the decoder */
    size_t n = 100000;
    uint8_t *big = daas_xmalloc(n);
    daas_random(big, n);
    char *e = daas_base64_encode(big, n);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_base64_decode(e, strlen(e), &b), DAAS_OK);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, big, n);
    daas_buf_fini(&b);
    daas_free(e);
    daas_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_padding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
