/*
 * enclave_test.h: helpers the enclave unit tests share: hex in and out, a private
 * temporary directory. Include after <cmocka.h>.
 *
 * Owns:   nothing (static inline helpers).
 */
#ifndef DAAS_TESTS_ENCLAVE_TEST_H
#define DAAS_TESTS_ENCLAVE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* Decodes hex into out (cap bytes); returns the byte count. */
static inline size_t enc_unhex(const char *h, uint8_t *out, size_t cap)
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

/* Lowercase hex of p[0..n) into s (cap >= 2n+1). */
static inline const char *enc_hex(const void *p, size_t n, char *s, size_t cap)
{
    const uint8_t *b = p;
    assert_true(cap >= 2 * n + 1);
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", b[i]);
    s[2 * n] = '\0';
    return s;
}

/* A fresh directory under $DAAS_TEST_TMP (or /tmp); the caller removes it with enc_rmrf. */
static inline char *enc_tmpdir(void)
{
    const char *base = getenv("DAAS_TEST_TMP");
    char *t = daas_xasprintf("%s/enclave-XXXXXX", base && base[0] ? base : "/tmp");
    if (base && base[0]) {
        char *cmd = daas_xasprintf("mkdir -p '%s'", base);
        assert_int_equal(system(cmd), 0);
        daas_free(cmd);
    }
    assert_non_null(mkdtemp(t));
    return t;
}

static inline void enc_rmrf(char *dir)
{
    char *cmd = daas_xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    daas_free(cmd);
    daas_free(dir);
}

#endif
