/*
 * test_debug_doc.c: the debug attestation document, parsed back with libcbor field by field
 * (specs/nautilus.md §3.1-3.3), its ES384 signature checked with OpenSSL against the leaf
 * key over an independently built Sig_structure, the leaf chained to the dev CA; the dev
 * CA's files (created 0600, reused, refused when half there or mismatched).
 *
 * Owns:   a temporary directory per test (removed before it returns), every buffer and
 *         OpenSSL object it makes.
 * Spec:   specs/nautilus.md §3 (document), §2.3 (what verifiers check), §3.7 (debug mode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cbor.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "enclave/enclave.h"
#include "enclave_test.h"

#define NOW_MS 1744683923696ll
#define MODULE "daas-debug-enc0123456789abcdef"

typedef struct fx {
    char *dir;
    char *cadir;
    daas_enclave_debug_ca *ca;
    uint8_t pk[32];
    daas_buf doc;
} fx;

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    f->dir = enc_tmpdir();
    f->cadir = daas_xasprintf("%s/ca", f->dir);
    for (int i = 0; i < 32; i++)
        f->pk[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(daas_enclave_debug_ca_open(f->cadir, &f->ca, NULL), DAAS_OK);
    daas_buf_init(&f->doc, DAAS_ENCLAVE_DOC_MAX);
    assert_int_equal(
        daas_enclave_debug_doc(f->ca, MODULE, NOW_MS, DAAS_BYTES(f->pk, 32), &f->doc, NULL),
        DAAS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    daas_buf_fini(&f->doc);
    daas_enclave_debug_ca_free(&f->ca);
    daas_free(f->cadir);
    enc_rmrf(f->dir);
    daas_free(f);
    return 0;
}

/* ---- CBOR helpers ---- */

static cbor_item_t *load_all(const void *p, size_t n)
{
    struct cbor_load_result r;
    cbor_item_t *it = cbor_load(p, n, &r);
    assert_non_null(it);
    assert_int_equal(r.error.code, CBOR_ERR_NONE);
    assert_int_equal(r.read, n); /* nothing after the item */
    return it;
}

static bool text_eq(cbor_item_t *it, const char *s)
{
    return cbor_isa_string(it) && cbor_string_length(it) == strlen(s) &&
           memcmp(cbor_string_handle(it), s, strlen(s)) == 0;
}

static cbor_item_t *get(cbor_item_t *m, const char *key)
{
    struct cbor_pair *p = cbor_map_handle(m);
    for (size_t i = 0; i < cbor_map_size(m); i++)
        if (text_eq(p[i].key, key))
            return p[i].value;
    fail_msg("key %s missing", key);
    return NULL;
}

/* ---- the envelope and the payload ---- */

static void test_envelope(void **state)
{
    fx *f = *state;
    const uint8_t *d = (const uint8_t *)f->doc.data;
    /* SPEC: §3.1: untagged array(4), bstr(4) {1:-35}, empty unprotected map. */
    assert_memory_equal(d, "\x84\x44\xa1\x01\x38\x22\xa0", 7);
    cbor_item_t *top = load_all(d, f->doc.len);
    assert_true(cbor_isa_array(top));
    assert_int_equal(cbor_array_size(top), 4);
    cbor_item_t *prot = cbor_array_get(top, 0), *unprot = cbor_array_get(top, 1);
    cbor_item_t *payload = cbor_array_get(top, 2), *sig = cbor_array_get(top, 3);
    assert_true(cbor_isa_bytestring(prot));
    cbor_item_t *hdr = load_all(cbor_bytestring_handle(prot), cbor_bytestring_length(prot));
    assert_int_equal(cbor_map_size(hdr), 1);
    struct cbor_pair *hp = cbor_map_handle(hdr);
    assert_true(cbor_isa_uint(hp[0].key));
    assert_int_equal(cbor_get_int(hp[0].key), 1);
    assert_true(cbor_isa_negint(hp[0].value));
    assert_int_equal(cbor_get_int(hp[0].value), 34); /* -1 - 34 = -35: ES384 */
    assert_true(cbor_isa_map(unprot));
    assert_int_equal(cbor_map_size(unprot), 0);
    assert_true(cbor_isa_bytestring(payload));
    assert_true(cbor_bytestring_length(payload) > 0 && cbor_bytestring_length(payload) < 16384);
    assert_true(cbor_isa_bytestring(sig));
    assert_int_equal(cbor_bytestring_length(sig), 96);
    cbor_decref(&hdr);
    cbor_decref(&prot);
    cbor_decref(&unprot);
    cbor_decref(&payload);
    cbor_decref(&sig);
    cbor_decref(&top);
}

/* The payload map of the document (new reference) and its raw bytes. */
static cbor_item_t *payload_of(fx *f, daas_bytes *raw, daas_bytes *sig)
{
    cbor_item_t *top = load_all(f->doc.data, f->doc.len);
    cbor_item_t *p = cbor_array_get(top, 2), *s = cbor_array_get(top, 3);
    /* The raw bytes live in f->doc: find them by offset (libcbor copies them out). */
    const uint8_t *d = (const uint8_t *)f->doc.data;
    size_t plen = cbor_bytestring_length(p);
    assert_memory_equal(d + 7, "\x59", 1); /* 2-byte length: 256 <= len < 65536 */
    assert_int_equal(((size_t)d[8] << 8) | d[9], plen);
    *raw = DAAS_BYTES(d + 10, plen);
    assert_memory_equal(raw->ptr, cbor_bytestring_handle(p), plen);
    assert_memory_equal(d + 10 + plen, "\x58\x60", 2);
    *sig = DAAS_BYTES(d + 12 + plen, 96);
    assert_int_equal(12 + plen + 96, f->doc.len);
    cbor_item_t *m = load_all(raw->ptr, raw->len);
    cbor_decref(&p);
    cbor_decref(&s);
    cbor_decref(&top);
    return m;
}

static void test_payload_fields(void **state)
{
    fx *f = *state;
    daas_bytes raw, sig;
    cbor_item_t *m = payload_of(f, &raw, &sig);
    static const char *const order[] = {"module_id",  "digest",      "timestamp",
                                        "pcrs",       "certificate", "cabundle",
                                        "public_key", "user_data",   "nonce"};
    assert_true(cbor_isa_map(m));
    assert_int_equal(cbor_map_size(m), 9);
    for (int i = 0; i < 9; i++)
        assert_true(text_eq(cbor_map_handle(m)[i].key, order[i]));
    assert_true(text_eq(get(m, "module_id"), MODULE));
    assert_true(text_eq(get(m, "digest"), "SHA384"));
    cbor_item_t *ts = get(m, "timestamp");
    assert_true(cbor_isa_uint(ts));
    assert_int_equal(cbor_get_int(ts), (uint64_t)NOW_MS);
    cbor_item_t *pcrs = get(m, "pcrs");
    static const uint8_t zero[48];
    assert_int_equal(cbor_map_size(pcrs), 16);
    for (size_t i = 0; i < 16; i++) {
        struct cbor_pair pr = cbor_map_handle(pcrs)[i];
        assert_true(cbor_isa_uint(pr.key));
        assert_int_equal(cbor_get_int(pr.key), i);
        assert_int_equal(cbor_bytestring_length(pr.value), 48);
        assert_memory_equal(cbor_bytestring_handle(pr.value), zero, 48);
    }
    cbor_item_t *cert = get(m, "certificate"), *bundle = get(m, "cabundle");
    assert_true(cbor_isa_bytestring(cert));
    assert_true(cbor_bytestring_length(cert) > 0 && cbor_bytestring_length(cert) <= 1024);
    assert_true(cbor_isa_array(bundle));
    assert_int_equal(cbor_array_size(bundle), 1);
    daas_bytes ca = daas_enclave_debug_ca_der(f->ca);
    cbor_item_t *b0 = cbor_array_get(bundle, 0);
    assert_int_equal(cbor_bytestring_length(b0), ca.len);
    assert_memory_equal(cbor_bytestring_handle(b0), ca.ptr, ca.len);
    cbor_decref(&b0);
    cbor_item_t *pk = get(m, "public_key");
    assert_int_equal(cbor_bytestring_length(pk), 32);
    assert_memory_equal(cbor_bytestring_handle(pk), f->pk, 32);
    assert_true(cbor_is_null(get(m, "user_data")));
    assert_true(cbor_is_null(get(m, "nonce")));
    cbor_decref(&m);
}

/* ---- signature and chain ---- */

static X509 *x509_of(cbor_item_t *bstr)
{
    const uint8_t *p = cbor_bytestring_handle(bstr);
    X509 *x = d2i_X509(NULL, &p, (long)cbor_bytestring_length(bstr));
    assert_non_null(x);
    return x;
}

/* SPEC: §3.3, built here independently: 84 6a "Signature1" 44 a1013822 40 59 LLLL payload. */
static bool sig_ok(X509 *leaf, daas_bytes payload, daas_bytes sig)
{
    daas_buf tbs;
    daas_buf_init(&tbs, 0);
    assert_int_equal(daas_buf_append(&tbs, "\x84\x6aSignature1\x44\xa1\x01\x38\x22\x40\x59", 19),
                     DAAS_OK);
    uint8_t len[2] = {(uint8_t)(payload.len >> 8), (uint8_t)payload.len};
    assert_int_equal(daas_buf_append(&tbs, len, 2), DAAS_OK);
    assert_int_equal(daas_buf_append(&tbs, payload.ptr, payload.len), DAAS_OK);
    ECDSA_SIG *es = ECDSA_SIG_new();
    assert_int_equal(
        ECDSA_SIG_set0(es, BN_bin2bn(sig.ptr, 48, NULL), BN_bin2bn(sig.ptr + 48, 48, NULL)), 1);
    uint8_t *der = NULL;
    int dlen = i2d_ECDSA_SIG(es, &der);
    assert_true(dlen > 0);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, X509_get0_pubkey(leaf)), 1);
    bool ok = EVP_DigestVerify(md, der, (size_t)dlen, (const uint8_t *)tbs.data, tbs.len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    daas_buf_fini(&tbs);
    return ok;
}

static void test_signature(void **state)
{
    fx *f = *state;
    daas_bytes raw, sig;
    cbor_item_t *m = payload_of(f, &raw, &sig);
    X509 *leaf = x509_of(get(m, "certificate"));
    assert_true(EVP_PKEY_is_a(X509_get0_pubkey(leaf), "EC"));
    assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(leaf)), 384);
    assert_true(sig_ok(leaf, raw, sig));
    /* Any change to the signed bytes or the signature breaks it. */
    f->doc.data[raw.ptr - (const uint8_t *)f->doc.data + 20] ^= 1;
    assert_false(sig_ok(leaf, raw, sig));
    f->doc.data[raw.ptr - (const uint8_t *)f->doc.data + 20] ^= 1;
    f->doc.data[f->doc.len - 1] ^= 1;
    assert_false(sig_ok(leaf, raw, sig));
    f->doc.data[f->doc.len - 1] ^= 1;
    X509_free(leaf);
    cbor_decref(&m);
}

static bool critical_bc(X509 *x)
{
    int i = X509_get_ext_by_NID(x, NID_basic_constraints, -1);
    return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

static int verify_at(X509 *leaf, X509 *ca, int64_t sec)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_int_equal(X509_STORE_add_cert(st, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, st, leaf, NULL), 1);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)sec);
    int ok = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return ok;
}

static void test_chain(void **state)
{
    fx *f = *state;
    daas_bytes raw, sig;
    cbor_item_t *m = payload_of(f, &raw, &sig);
    cbor_item_t *b0 = cbor_array_get(get(m, "cabundle"), 0);
    X509 *leaf = x509_of(get(m, "certificate")), *ca = x509_of(b0);
    /* The same CA as the file on disk. */
    char *crt = daas_xasprintf("%s/ca.crt", f->cadir);
    FILE *fp = fopen(crt, "r");
    X509 *disk = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_int_equal(X509_cmp(disk, ca), 0);
    /* Issued by the CA, signature valid, whole chain valid at the document's time. */
    assert_int_equal(X509_check_issued(ca, leaf), X509_V_OK);
    assert_int_equal(X509_verify(leaf, X509_get0_pubkey(ca)), 1);
    assert_int_equal(verify_at(leaf, ca, NOW_MS / 1000), 1);
    assert_int_equal(verify_at(leaf, ca, NOW_MS / 1000 + 4 * 3600), 0); /* leaf expired */
    assert_int_equal(verify_at(leaf, ca, NOW_MS / 1000 - 3600), 0);     /* not yet valid */
    /* The profile verifiers check (specs §2.3). */
    assert_true(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE);
    assert_int_equal(X509_check_ca(leaf), 0);
    assert_true(critical_bc(leaf));
    assert_true(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
    assert_true(X509_check_ca(ca) >= 1);
    assert_true(critical_bc(ca));
    assert_int_equal(X509_check_issued(ca, ca), X509_V_OK); /* self-signed root */
    assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(ca)), 384);
    X509_free(disk);
    daas_free(crt);
    X509_free(leaf);
    X509_free(ca);
    cbor_decref(&b0);
    cbor_decref(&m);
}

static void test_no_public_key_and_bad_args(void **state)
{
    fx *f = *state;
    daas_buf doc;
    daas_err err = {0};
    daas_buf_init(&doc, DAAS_ENCLAVE_DOC_MAX);
    assert_int_equal(daas_enclave_debug_doc(f->ca, MODULE, NOW_MS, DAAS_BYTES(NULL, 0), &doc, NULL),
                     DAAS_OK);
    cbor_item_t *top = load_all(doc.data, doc.len), *p = cbor_array_get(top, 2);
    cbor_item_t *m = load_all(cbor_bytestring_handle(p), cbor_bytestring_length(p));
    assert_true(cbor_is_null(get(m, "public_key")));
    cbor_decref(&m);
    cbor_decref(&p);
    cbor_decref(&top);
    daas_buf_reset(&doc);
    assert_int_equal(
        daas_enclave_debug_doc(f->ca, "i-0123-enc0", NOW_MS, DAAS_BYTES(f->pk, 32), &doc, &err),
        DAAS_EINVAL);
    assert_int_equal(doc.len, 0);
    daas_buf_fini(&doc);
    daas_buf_init(&doc, 100); /* too small for any document */
    assert_int_equal(
        daas_enclave_debug_doc(f->ca, MODULE, NOW_MS, DAAS_BYTES(f->pk, 32), &doc, NULL),
        DAAS_ETOOBIG);
    daas_buf_fini(&doc);
}

/* ---- the CA's files ---- */

static void test_ca_files(void **state)
{
    fx *f = *state;
    struct stat st;
    char *crt = daas_xasprintf("%s/ca.crt", f->cadir), *key = daas_xasprintf("%s/ca.key", f->cadir);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(crt, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* Reopening reuses the same CA. */
    daas_enclave_debug_ca *again = NULL;
    assert_int_equal(daas_enclave_debug_ca_open(f->cadir, &again, NULL), DAAS_OK);
    daas_bytes a = daas_enclave_debug_ca_der(f->ca), b = daas_enclave_debug_ca_der(again);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.ptr, b.ptr, a.len);
    daas_enclave_debug_ca_free(&again);
    assert_null(again);
    daas_free(crt);
    daas_free(key);
}

static void expect_open_fails(const char *dir, const char *why)
{
    daas_enclave_debug_ca *ca = NULL;
    daas_err err = {0};
    assert_int_equal(daas_enclave_debug_ca_open(dir, &ca, &err), DAAS_EINVAL);
    assert_null(ca);
    if (strstr(err.msg, why) == NULL)
        fail_msg("error \"%s\" does not say \"%s\"", err.msg, why);
}

static void test_ca_refused(void **state)
{
    fx *f = *state;
    char *other = daas_xasprintf("%s/other", f->dir);
    daas_enclave_debug_ca *ca = NULL;
    assert_int_equal(daas_enclave_debug_ca_open(other, &ca, NULL), DAAS_OK);
    daas_enclave_debug_ca_free(&ca);
    /* A key from another CA. */
    char *cmd = daas_xasprintf("cp %s/ca.key %s/ca.key", f->cadir, other);
    assert_int_equal(system(cmd), 0);
    expect_open_fails(other, "does not match");
    daas_free(cmd);
    /* Not PEM. */
    cmd = daas_xasprintf("echo garbage > %s/ca.key", other);
    assert_int_equal(system(cmd), 0);
    expect_open_fails(other, "cannot read");
    daas_free(cmd);
    /* A certificate without its key. */
    cmd = daas_xasprintf("rm %s/ca.key", other);
    assert_int_equal(system(cmd), 0);
    expect_open_fails(other, "exists without");
    daas_free(cmd);
    daas_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_envelope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_public_key_and_bad_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ca_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
