/*
 * seal_test.h: helpers shared by the seal unit tests: hex decoding into fixed arrays and
 * buffers, object ids, and one-call decrypt wrappers. Include after <cmocka.h>.
 *
 * Owns:   nothing (static inline helpers).
 */
#ifndef DAAS_TESTS_SEAL_TEST_H
#define DAAS_TESTS_SEAL_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "seal/seal.h"

/* Decodes exactly n bytes of hex (the string must be 2n digits). */
static inline void seal_unhex(const char *h, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(h), 2 * n);
    assert_true(daas_hex_decode(h, n, out));
}

/* Decodes hex into a new buffer (the caller frees with daas_buf_fini). */
static inline void seal_unhex_buf(const char *h, daas_buf *out)
{
    size_t n = strlen(h) / 2;
    uint8_t *tmp = daas_xmalloc(n + 1);
    assert_int_equal(strlen(h), 2 * n);
    assert_true(daas_hex_decode(h, n, tmp));
    daas_buf_init(out, 0);
    assert_int_equal(daas_buf_append(out, tmp, n), DAAS_OK);
    daas_free(tmp);
}

/* Lower-case hex of p[0..n) into a static buffer (tests only; n <= 1024). */
static inline const char *seal_hex(const uint8_t *p, size_t n)
{
    static char s[2049];
    assert_true(n <= 1024);
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", p[i]);
    s[2 * n] = '\0';
    return s;
}

/* An object id 0x00..00<last>. */
static inline void seal_addr_small(uint8_t out[32], uint8_t last)
{
    memset(out, 0, 32);
    out[31] = last;
}

/* Parses the hex object into *o (asserting success). */
static inline void seal_parse_hex(const char *h, daas_seal_object *o)
{
    daas_buf b;
    daas_err err = {0};
    seal_unhex_buf(h, &b);
    int rc = daas_seal_object_parse(DAAS_BYTES(b.data, b.len), o, &err);
    if (rc != DAAS_OK)
        print_error("parse: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    daas_buf_fini(&b);
}

/* Decrypts o and returns the code; on success the plaintext must equal want (want_len
 * bytes); on failure err holds the message and out stays empty. */
static inline int seal_try_decrypt(const daas_seal_object *o, const daas_seal_derived *keys,
                                   size_t nkeys, const daas_seal_server *pks, size_t npks,
                                   const void *want, size_t want_len, daas_err *err)
{
    daas_buf out;
    daas_buf_init(&out, 0);
    daas_err_clear(err);
    int rc = daas_seal_decrypt(o, keys, nkeys, pks, npks, &out, err);
    if (rc == DAAS_OK) {
        assert_int_equal(out.len, want_len);
        assert_memory_equal(out.data, want, want_len);
    } else {
        assert_int_equal(out.len, 0);
        assert_int_equal(err->code, rc);
    }
    daas_buf_fini(&out);
    return rc;
}

#endif
