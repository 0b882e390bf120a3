/*
 * attest_test.h: helpers shared by the attestation unit tests (test_attest.c,
 * test_attest_doc.c): hex, a small CBOR encoder, payload maps changed one key at a time, and
 * the COSE_Sign1 wrapper. Include after <cmocka.h>.
 *
 * Owns:   nothing (static inline helpers; every buffer they fill belongs to the caller).
 */
#ifndef DAAS_TESTS_ATTEST_TEST_H
#define DAAS_TESTS_ATTEST_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "enclave/attest_int.h"

/* Appends the bytes of n hex digits to out. */
static inline void unhex(const char *h, size_t n, daas_buf *out)
{
    assert_int_equal(n % 2, 0);
    for (size_t i = 0; i < n; i += 2) {
        int hi = daas_hexval((unsigned char)h[i]), lo = daas_hexval((unsigned char)h[i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        uint8_t b = (uint8_t)(hi << 4 | lo);
        assert_int_equal(daas_buf_append(out, &b, 1), DAAS_OK);
    }
}

/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
static inline void tohex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* ---- a small CBOR encoder ---- */

static inline void e_head(daas_buf *b, int major, uint64_t v)
{
    uint8_t h[9];
    size_t n = 1;
    if (v < 24) {
        h[0] = (uint8_t)(major << 5 | (int)v);
    } else {
        int ai = v <= 0xff ? 24 : v <= 0xffff ? 25 : v <= 0xffffffffu ? 26 : 27;
        size_t k = (size_t)1 << (ai - 24);
        h[0] = (uint8_t)(major << 5 | ai);
        for (size_t i = 0; i < k; i++)
            h[1 + i] = (uint8_t)(v >> (8 * (k - 1 - i)));
        n += k;
    }
    assert_int_equal(daas_buf_append(b, h, n), DAAS_OK);
}

static inline void e_raw(daas_buf *b, const void *p, size_t n)
{
    assert_int_equal(daas_buf_append(b, p, n), DAAS_OK);
}

static inline void e_bstr(daas_buf *b, const void *p, size_t n)
{
    e_head(b, DAAS_CBOR_BSTR, n);
    e_raw(b, p, n);
}

static inline void e_fill(daas_buf *b, uint8_t v, size_t n)
{
    uint8_t x[1100];
    assert_true(n <= sizeof x);
    memset(x, v, n);
    e_bstr(b, x, n);
}

static inline void e_text(daas_buf *b, const char *s)
{
    e_head(b, DAAS_CBOR_TSTR, strlen(s));
    e_raw(b, s, strlen(s));
}

/* A payload map as (key, encoded value) pairs, changed one thing at a time. */
typedef struct pmap {
    const char *key[24];
    daas_buf val[24];
    size_t n;
    bool indef;
} pmap;

static inline daas_buf *pm_slot(pmap *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->key[i], key) == 0) {
            daas_buf_reset(&m->val[i]);
            return &m->val[i];
        }
    assert_true(m->n < 24);
    m->key[m->n] = key;
    daas_buf_init(&m->val[m->n], 0);
    return &m->val[m->n++];
}

static inline void pm_del(pmap *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->key[i], key) == 0) {
            daas_buf_fini(&m->val[i]);
            m->key[i] = m->key[m->n - 1];
            m->val[i] = m->val[m->n - 1];
            m->n--;
            return;
        }
}

static inline void pm_fini(pmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        daas_buf_fini(&m->val[i]);
    m->n = 0;
}

/* pcrs {0..n-1: len bytes of fill} */
static inline void v_pcrs(daas_buf *v, size_t n, size_t len, uint8_t fill)
{
    e_head(v, DAAS_CBOR_MAP, n);
    for (size_t i = 0; i < n; i++) {
        e_head(v, DAAS_CBOR_UINT, i);
        e_fill(v, fill, len);
    }
}

/* SPEC: vectors/nitro/README.md "Document-map validation": the base map. */
static inline void pm_base(pmap *m)
{
    *m = (pmap){.n = 0};
    e_text(pm_slot(m, "module_id"), "some");
    e_text(pm_slot(m, "digest"), "SHA384");
    e_fill(pm_slot(m, "certificate"), 1, 1);
    e_head(pm_slot(m, "timestamp"), DAAS_CBOR_UINT, 1731627987382ULL);
    v_pcrs(pm_slot(m, "pcrs"), 1, 32, 1);
    daas_buf *c = pm_slot(m, "cabundle");
    e_head(c, DAAS_CBOR_ARRAY, 1);
    e_fill(c, 1, 1);
}

static inline void pm_encode(const pmap *m, daas_buf *out)
{
    daas_buf_init(out, 0);
    if (m->indef)
        e_raw(out, "\xbf", 1);
    else
        e_head(out, DAAS_CBOR_MAP, m->n);
    for (size_t i = 0; i < m->n; i++) {
        e_text(out, m->key[i]);
        e_raw(out, m->val[i].data, m->val[i].len);
    }
    if (m->indef)
        e_raw(out, "\xff", 1);
}

/* COSE_Sign1 [h'a1013822', {}, payload, sig] */
static inline void cose_wrap(const daas_buf *payload, const uint8_t sig[96], daas_buf *out)
{
    uint8_t zero[96] = {0};
    daas_buf_init(out, 0);
    e_raw(out, "\x84\x44\xa1\x01\x38\x22\xa0", 7);
    e_bstr(out, payload->data, payload->len);
    e_bstr(out, sig ? sig : zero, 96);
}


#endif
