/*
 * test_attest_doc.c: the attestation parser on synthetic payload maps (every validation rule of
 * vectors/nitro/README.md "Document-map validation", each size bound on both sides, definite and
 * indefinite maps, duplicate keys, trailing bytes, nesting) and the verifier on documents signed
 * by a dev CA made here (debug documents chaining to a debug root, PEM or DER; the debug rule;
 * validity edges; the certificate profile rules: keyUsage, basicConstraints, pathLen, P-384).
 *
 * Owns:   nothing beyond each test's buffers, keys and certificates, freed before it returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/util.h"
#include "enclave/attest.h"
#include "enclave/attest_int.h"

#include "attest_test.h"

/* ---- synthetic payload maps ---- */

static void expect_map(const pmap *m, const char *want)
{
    daas_buf p, doc;
    daas_attest_doc d = {0};
    daas_err err = {0};
    pm_encode(m, &p);
    cose_wrap(&p, NULL, &doc);
    int rc = daas_attest_parse((uint8_t *)doc.data, doc.len, &d, &err);
    if (want == NULL && rc != DAAS_OK)
        fail_msg("map refused: %s", err.msg);
    if (want != NULL && (rc != DAAS_EINVAL || strstr(err.msg, want) == NULL))
        fail_msg("map: rc %d \"%s\", want \"%s\"", rc, err.msg, want);
    daas_attest_doc_fini(&d);
    daas_buf_fini(&p);
    daas_buf_fini(&doc);
}

#define P32 "0101010101010101010101010101010101010101010101010101010101010101" /* 32 bytes */

static void test_map_rules(void **state)
{
    (void)state;
    pmap m;
    struct {
        const char *key;
        const char *hexval; /* NULL: remove the key */
        const char *want;   /* NULL: accepted */
    } cases[] = {
        {"timestamp", NULL, "timestamp not found"},
        {"timestamp", "646e6f7065", "timestamp is not an unsigned integer"},
        {"timestamp", "20", "timestamp is not an unsigned integer"},
        {"certificate", "40", "invalid certificate"},
        {"pcrs", NULL, "pcrs not found"},
        {"pcrs", "80", "pcrs is not a CBOR map"},
        {"pcrs", "a161305820" P32,
         "invalid PCR key format"},
        {"pcrs", "a1205820" P32,
         "invalid PCR index"},
        {"pcrs", "a2005820" P32 "005820" P32,
         "duplicate PCR index 0"},
        {"pcrs", "a1182058" "20" P32,
         NULL}, /* only PCR 32: accepted, skipped */
        {"pcrs", "a0", "invalid PCRs length"},
        {"cabundle", "80", "invalid ca chain length"},
        {"cabundle", "a0", "cabundle is not a CBOR array"},
        {"module_id", "60", "invalid module_id"},
        {"module_id", NULL, "module_id not found"},
        {"module_id", "4473736f6d", "module_id is not a text string"},
        {"digest", "60", "invalid digest"},
        {"digest", "66534841323536", "invalid digest"},
        {"public_key", "40", NULL},
        {"public_key", "f6", NULL},
        {"public_key", "01", "public_key is not a byte string"},
        {"user_data", "f6", NULL},
        {"nonce", "40", NULL},
        {"extra", "bf6178a0ff", NULL}, /* unknown keys are skipped */
        {"extra", "c11a00000000", NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pm_base(&m);
        if (cases[k].hexval == NULL) {
            pm_del(&m, cases[k].key);
        } else {
            daas_buf *v = pm_slot(&m, cases[k].key);
            unhex(cases[k].hexval, strlen(cases[k].hexval), v);
        }
        expect_map(&m, cases[k].want);
        pm_fini(&m);
    }
    pm_base(&m); /* empty map */
    pm_fini(&m);
    expect_map(&m, "module_id not found");
}

/* The size bounds, each on both sides. */
static void test_map_bounds(void **state)
{
    (void)state;
    pmap m;
    struct {
        const char *key;
        size_t len;
        const char *want;
    } cases[] = {
        {"certificate", 1024, NULL}, {"certificate", 1025, "invalid certificate"},
        {"nonce", 512, NULL},        {"nonce", 513, "invalid nonce"},
        {"user_data", 512, NULL},    {"user_data", 513, "invalid user_data"},
        {"public_key", 1024, NULL},  {"public_key", 1025, "invalid public_key"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pm_base(&m);
        e_fill(pm_slot(&m, cases[k].key), 7, cases[k].len);
        expect_map(&m, cases[k].want);
        pm_fini(&m);
    }
    for (size_t n = 31; n <= 33; n++) { /* PCR entries: at most 32 */
        pm_base(&m);
        v_pcrs(pm_slot(&m, "pcrs"), n, 48, 1);
        expect_map(&m, n <= 32 ? NULL : "invalid PCRs length");
        pm_fini(&m);
    }
    for (size_t len = 31; len <= 65; len++) { /* PCR values: 32, 48 or 64 bytes */
        pm_base(&m);
        v_pcrs(pm_slot(&m, "pcrs"), 1, len, 1);
        bool ok = len == 32 || len == 48 || len == 64;
        expect_map(&m, ok ? NULL : "invalid PCR value length");
        pm_fini(&m);
    }
    for (size_t n = 10; n <= 11; n++) { /* cabundle: 1..10 entries of 1..1024 bytes */
        pm_base(&m);
        daas_buf *c = pm_slot(&m, "cabundle");
        e_head(c, DAAS_CBOR_ARRAY, n);
        for (size_t i = 0; i < n; i++)
            e_fill(c, 1, 1);
        expect_map(&m, n == 10 ? NULL : "invalid ca chain length");
        pm_fini(&m);
    }
    pm_base(&m);
    daas_buf *c = pm_slot(&m, "cabundle");
    e_head(c, DAAS_CBOR_ARRAY, 1);
    e_fill(c, 1, 1025);
    expect_map(&m, "invalid ca length");
    pm_fini(&m);
}

static void test_map_encodings(void **state)
{
    (void)state;
    pmap m;
    pm_base(&m);
    m.indef = true; /* indefinite top-level map */
    expect_map(&m, NULL);
    unhex("bf0058200101010101010101010101010101010101010101010101010101010101010101ff", 74,
          pm_slot(&m, "pcrs"));
    unhex("9f4101ff", 8, pm_slot(&m, "cabundle")); /* indefinite inner map and array */
    expect_map(&m, NULL);
    unhex("5f41014101ff", 12, pm_slot(&m, "certificate")); /* indefinite bstr */
    expect_map(&m, "indefinite-length string not supported");
    pm_fini(&m);

    pm_base(&m);
    e_text(pm_slot(&m, "module_id"), "some");
    m.key[m.n] = "module_id"; /* the same key twice */
    daas_buf_init(&m.val[m.n], 0);
    e_text(&m.val[m.n++], "other");
    expect_map(&m, "duplicate payload key \"module_id\"");
    pm_fini(&m);

    daas_buf p, doc; /* the map's break missing; bytes after the map */
    pm_base(&m);
    m.indef = true;
    pm_encode(&m, &p);
    p.len--;
    cose_wrap(&p, NULL, &doc);
    daas_err err = {0};
    daas_attest_doc d = {0};
    assert_int_equal(daas_attest_parse((uint8_t *)doc.data, doc.len, &d, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "truncated"));
    daas_buf_fini(&doc);
    e_raw(&p, "\xff\x00", 2);
    cose_wrap(&p, NULL, &doc);
    daas_err_clear(&err);
    assert_int_equal(daas_attest_parse((uint8_t *)doc.data, doc.len, &d, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "trailing bytes after the payload map"));
    daas_buf_fini(&doc);
    daas_buf_fini(&p);
    pm_fini(&m);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    pmap m;
    pm_base(&m);
    daas_buf *v = pm_slot(&m, "extra");
    for (int i = 0; i < 40; i++)
        e_raw(v, "\x81", 1);
    e_raw(v, "\x00", 1);
    expect_map(&m, "nested deeper");
    pm_fini(&m);
}

/* ---- documents signed by a dev CA made here ---- */

#define T0 1893456000LL /* 2030-01-01T00:00:00Z: dev certificates are valid from here */
#define NOW_MS ((T0 + 3600) * 1000)

/* What a certificate should say. */
typedef struct certspec {
    const char *cn;
    const char *bc; /* basicConstraints value or NULL */
    const char *ku; /* keyUsage value or NULL */
    long life;      /* seconds from T0 */
} certspec;

static EVP_PKEY *new_key(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);
    assert_non_null(k);
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/* A certificate for key, signed by issuer/ikey (NULL: self-signed). */
static X509 *make_cert(const certspec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                                                (const unsigned char *)s->cn, -1, -1, 0), 1);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
    assert_int_equal(X509_set_subject_name(x, n), 1);
    assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)T0));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(T0 + s->life)));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    if (s->bc)
        add_ext(x, issuer ? issuer : x, NID_basic_constraints, s->bc);
    if (s->ku)
        add_ext(x, issuer ? issuer : x, NID_key_usage, s->ku);
    assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha384()) > 0);
    X509_NAME_free(n);
    return x;
}

static void der_of(X509 *x, daas_buf *out)
{
    unsigned char *d = NULL;
    int n = i2d_X509(x, &d);
    assert_true(n > 0);
    daas_buf_init(out, 0);
    e_raw(out, d, (size_t)n);
    OPENSSL_free(d);
}

/* A dev PKI: root -> [intermediates] -> leaf. */
typedef struct devpki {
    EVP_PKEY *keys[4];
    X509 *certs[4]; /* [0] root, ..., [n-1] leaf */
    size_t n;
} devpki;

static const certspec root_spec = {"daas dev root", "critical,CA:TRUE",
                                   "critical,keyCertSign,cRLSign", 10 * 365 * 86400L};
static const certspec leaf_spec = {"daas-enclave-dev.local", "critical,CA:FALSE",
                                   "critical,digitalSignature", 3 * 3600};

/* specs[0] is the root's, specs[n-1] the leaf's. */
static void pki_make(devpki *p, const certspec *specs, size_t n, const char *leaf_curve)
{
    *p = (devpki){.n = n};
    for (size_t i = 0; i < n; i++) {
        p->keys[i] = new_key(i + 1 == n && leaf_curve ? leaf_curve : "P-384");
        p->certs[i] = make_cert(&specs[i], p->keys[i], i ? p->certs[i - 1] : NULL,
                                i ? p->keys[i - 1] : NULL);
    }
}

static void pki_free(devpki *p)
{
    for (size_t i = 0; i < p->n; i++) {
        X509_free(p->certs[i]);
        EVP_PKEY_free(p->keys[i]);
    }
}

/* ES384 r||s of the Sig_structure over payload, with key. */
static void es384(EVP_PKEY *key, const daas_buf *payload, uint8_t sig[96])
{
    daas_buf tbs;
    unsigned char der[128];
    size_t dl = sizeof der;
    daas_buf_init(&tbs, 0);
    assert_int_equal(daas_attest_sig_structure(DAAS_BYTES("\xa1\x01\x38\x22", 4),
                                               DAAS_BYTES(payload->data, payload->len), &tbs),
                     DAAS_OK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &dl, (uint8_t *)tbs.data, tbs.len), 1);
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)dl);
    assert_non_null(s);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 48), 48);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 48, 48), 48);
    ECDSA_SIG_free(s);
    EVP_MD_CTX_free(ctx);
    daas_buf_fini(&tbs);
}

/* A document from the dev PKI: pcrs 0..15 (all zero when debug), certificate = leaf,
 * cabundle = [root, intermediates...], public_key 32 bytes, user_data and nonce null. */
static void dev_doc(const devpki *p, bool debug, bool indef, daas_buf *out)
{
    pmap m = {.n = 0, .indef = indef};
    daas_buf leaf, payload;
    uint8_t sig[96], pk[32];
    memset(pk, 0x42, sizeof pk);
    e_text(pm_slot(&m, "module_id"), "daas-debug-0123456789abcdef");
    e_text(pm_slot(&m, "digest"), "SHA384");
    e_head(pm_slot(&m, "timestamp"), DAAS_CBOR_UINT, (uint64_t)NOW_MS - 1000);
    v_pcrs(pm_slot(&m, "pcrs"), 16, 48, debug ? 0 : 0x11);
    der_of(p->certs[p->n - 1], &leaf);
    e_bstr(pm_slot(&m, "certificate"), leaf.data, leaf.len);
    daas_buf_fini(&leaf);
    daas_buf *c = pm_slot(&m, "cabundle");
    e_head(c, DAAS_CBOR_ARRAY, p->n - 1);
    for (size_t i = 0; i + 1 < p->n; i++) {
        daas_buf d;
        der_of(p->certs[i], &d);
        e_bstr(c, d.data, d.len);
        daas_buf_fini(&d);
    }
    e_bstr(pm_slot(&m, "public_key"), pk, sizeof pk);
    e_raw(pm_slot(&m, "user_data"), "\xf6", 1);
    e_raw(pm_slot(&m, "nonce"), "\xf6", 1);
    pm_encode(&m, &payload);
    es384(p->keys[p->n - 1], &payload, sig);
    cose_wrap(&payload, sig, out);
    daas_buf_fini(&payload);
    pm_fini(&m);
}

/* Verifies a dev document at NOW_MS with the dev root (DER, or PEM when pem) trusted. */
static int dev_verify(const devpki *p, const daas_buf *doc, bool allow, bool pem, int64_t now,
                      daas_err *err)
{
    daas_buf root = {0};
    if (pem) {
        BIO *b = BIO_new(BIO_s_mem());
        char *data = NULL;
        assert_int_equal(PEM_write_bio_X509(b, p->certs[0]), 1);
        long n = BIO_get_mem_data(b, &data);
        daas_buf_init(&root, 0);
        e_raw(&root, data, (size_t)n);
        BIO_free(b);
    } else {
        der_of(p->certs[0], &root);
    }
    daas_attest_policy pol = {.now_ms = now, .allow_debug = allow,
                              .debug_root = DAAS_BYTES(root.data, root.len)};
    daas_attest_doc d = {0};
    int rc = daas_attest_verify((uint8_t *)doc->data, doc->len, &pol, &d, err);
    if (rc == DAAS_OK) {
        uint8_t k[32];
        assert_true(d.is_debug);
        assert_int_equal(daas_attest_ed25519_key(&d, k, NULL), DAAS_OK);
        assert_int_equal(k[0], 0x42);
    }
    daas_attest_doc_fini(&d);
    daas_buf_fini(&root);
    return rc;
}

static void expect_dev(const devpki *p, bool debug, bool allow, int64_t now, int want_rc,
                       const char *want)
{
    for (int indef = 0; indef < 2; indef++) {
        for (int pem = 0; pem < 2; pem++) {
            daas_buf doc;
            daas_err err = {0};
            dev_doc(p, debug, indef, &doc);
            int rc = dev_verify(p, &doc, allow, pem, now, &err);
            if (rc != want_rc || (want && strstr(err.msg, want) == NULL))
                fail_msg("dev doc (indef %d pem %d): rc %d \"%s\", want %d \"%s\"", indef, pem,
                         rc, err.msg, want_rc, want ? want : "");
            daas_buf_fini(&doc);
        }
    }
}

static void test_dev_debug_documents(void **state)
{
    (void)state;
    devpki p;
    certspec specs[2] = {root_spec, leaf_spec};
    pki_make(&p, specs, 2, NULL);
    expect_dev(&p, true, true, NOW_MS, DAAS_OK, NULL);
    expect_dev(&p, true, false, NOW_MS, DAAS_EDENIED,
               "debug enclave document (PCRs zero) not allowed");
    expect_dev(&p, false, true, NOW_MS, DAAS_EDENIED, "chains to the debug root but is not a "
                                                       "debug document");
    expect_dev(&p, true, true, (T0 + 3 * 3600) * 1000 + 999, DAAS_OK, NULL);
    expect_dev(&p, true, true, (T0 + 3 * 3600 + 1) * 1000, DAAS_EDENIED,
               "certificate timestamp not valid: leaf");
    expect_dev(&p, true, true, T0 * 1000 - 1, DAAS_EDENIED, "certificate timestamp not valid");

    /* without the debug root the chain ends at AWS, which did not issue it */
    daas_buf doc;
    daas_err err = {0};
    dev_doc(&p, true, false, &doc);
    daas_attest_policy pol = {.now_ms = NOW_MS, .allow_debug = true};
    assert_int_equal(daas_attest_verify((uint8_t *)doc.data, doc.len, &pol, NULL, &err),
                     DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "issuer mismatch"));
    /* a debug root that is not a certificate */
    pol.debug_root = DAAS_BYTES("-----BEGIN nothing", 18);
    daas_err_clear(&err);
    assert_int_equal(daas_attest_verify((uint8_t *)doc.data, doc.len, &pol, NULL, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "debug root is not a PEM or DER certificate"));
    daas_buf_fini(&doc);
    pki_free(&p);
}

/* The certificate profile: each rule broken once. */
static void test_dev_profiles(void **state)
{
    (void)state;
    static const certspec mid0 = {"mid pathlen 0", "critical,CA:TRUE,pathlen:0",
                                  "critical,keyCertSign", 86400};
    static const certspec mid = {"mid", "critical,CA:TRUE", "critical,keyCertSign", 86400};
    struct {
        certspec specs[4];
        size_t n;
        const char *curve;
        const char *want;
    } cases[] = {
        {{root_spec, mid, leaf_spec}, 3, NULL, NULL},
        {{root_spec, mid0, leaf_spec}, 3, NULL, NULL},
        {{root_spec, mid0, mid, leaf_spec}, 4, NULL, "cabundle[1] pathLen 0 exceeded"},
        {{root_spec, {"leaf", NULL, "critical,digitalSignature", 3600}}, 2, NULL, NULL},
        {{root_spec, {"leaf", "critical,CA:FALSE", NULL, 3600}}, 2, NULL,
         "leaf has no keyUsage"},
        {{root_spec, {"leaf", "critical,CA:FALSE", "critical,keyCertSign", 3600}}, 2, NULL,
         "leaf keyUsage lacks digitalSignature"},
        {{root_spec, {"leaf", "critical,CA:TRUE", "critical,digitalSignature", 3600}}, 2, NULL,
         "leaf basicConstraints say it is a CA"},
        {{{"root", "CA:TRUE", "critical,keyCertSign", 86400}, leaf_spec}, 2, NULL,
         "cabundle[0] lacks a critical basicConstraints"},
        {{{"root", "critical,CA:FALSE", "critical,keyCertSign", 86400}, leaf_spec}, 2, NULL,
         "cabundle[0] lacks a critical basicConstraints"},
        {{{"root", "critical,CA:TRUE", "critical,digitalSignature", 86400}, leaf_spec}, 2, NULL,
         "cabundle[0] keyUsage lacks keyCertSign"},
        {{root_spec, leaf_spec}, 2, "P-256", "leaf certificate key is not EC P-384"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        devpki p;
        daas_buf doc;
        daas_err err = {0};
        pki_make(&p, cases[k].specs, cases[k].n, cases[k].curve);
        dev_doc(&p, true, false, &doc);
        int rc = dev_verify(&p, &doc, true, false, NOW_MS, &err);
        if ((cases[k].want == NULL && rc != DAAS_OK) ||
            (cases[k].want != NULL && (rc != DAAS_EDENIED || !strstr(err.msg, cases[k].want))))
            fail_msg("profile case %zu: rc %d \"%s\", want \"%s\"", k, rc, err.msg,
                     cases[k].want ? cases[k].want : "ok");
        daas_buf_fini(&doc);
        pki_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_rules),
        cmocka_unit_test(test_map_bounds),
        cmocka_unit_test(test_map_encodings),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_dev_debug_documents),
        cmocka_unit_test(test_dev_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
