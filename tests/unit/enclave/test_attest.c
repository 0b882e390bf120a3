/*
 * test_attest.c: the Nitro attestation verifier (enclave/attest_*.c) on the four real AWS
 * documents of vectors/nitro (at their upstream clocks, 1 ms outside each end of their
 * validity ranges, every negative case of vectors/nitro/README.md), on synthetic payload maps
 * (every validation rule, definite and indefinite maps), and on documents signed by a dev CA
 * made here (debug documents chaining to a debug root, certificate profile rules).
 *
 * Owns:   nothing beyond each test's buffers, keys and certificates, freed before it returns.
 * Vectors: tests/unit/enclave/vectors/ (copies of /work/shared/vectors/nitro), found next to
 *          this file through __FILE__; their SHA-256 is checked on load.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
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

/* ---- the real documents ---- */

typedef struct vec {
    const char *name;
    const char *sha256;    /* of the raw bytes */
    int64_t clock;         /* upstream verification time (ms) */
    int64_t first, last;   /* accepted clock range, inclusive (ms) */
    size_t leaf_off;       /* offset of the leaf DER in the document */
    size_t cab0_off, cab3_off; /* offsets of cabundle[0] and cabundle[3] */
    bool debug;
} vec;

/* SPEC: vectors/nitro/README.md (quick reference and per-file layouts) */
static const vec vecs[4] = {
    {"nautilus-weather", "7e91645364199fec8fa8324b613e5a98cdf48c8df9fb659b9a2ccb10438fba3c",
     1744684007462LL, 1744683467000LL, 1744694270999LL, 932, 1584, 3625, false},
    {"nautilus-twitter", "f8fab7facee6315134d2d798dc81c81ae9397ce994a153eaf352760f86b9d525",
     1744731549746LL, 1744729233000LL, 1744740036999LL, 932, 1584, 3624, false},
    {"fastcrypto-fixed-valid", "7d81da0d55c3a1f3380ed130ddc2fdf06c4e1e41bb51d066fa35f4ed754c32d1",
     1731627987382LL, 1731619466000LL, 1731630269999LL, 932, 1583, 3625, true},
    {"fastcrypto-pcr16", "8e5652f3b009e62057c9ebe6237b804dc566708f8931f67d9fc2ccadaa293a9e",
     1762795380000LL, 1762795207000LL, 1762806010999LL, 983, 1638, 3684, false},
};

static void unhex(const char *h, size_t n, daas_buf *out)
{
    assert_int_equal(n % 2, 0);
    for (size_t i = 0; i < n; i += 2) {
        int hi = daas_hexval((unsigned char)h[i]), lo = daas_hexval((unsigned char)h[i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        uint8_t b = (uint8_t)(hi << 4 | lo);
        assert_int_equal(daas_buf_append(out, &b, 1), DAAS_OK);
    }
}

static void tohex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* Reads tests/unit/enclave/vectors/<file> into out (raw). */
static void read_vector_file(const char *file, daas_buf *out)
{
    char here[4096], path[4200];
    snprintf(here, sizeof here, "%s", __FILE__);
    snprintf(path, sizeof path, "%s/vectors/%s", dirname(here), file);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char chunk[4096];
    size_t n;
    daas_buf_init(out, 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(daas_buf_append(out, chunk, n), DAAS_OK);
    fclose(f);
}

/* The raw document i, its SHA-256 checked. */
static void load_vec(int i, daas_buf *out)
{
    daas_buf h;
    char name[128], got[65];
    uint8_t md[32];
    snprintf(name, sizeof name, "%s.cbor.hex", vecs[i].name);
    read_vector_file(name, &h);
    assert_true(h.len > 1 && h.data[h.len - 1] == '\n');
    daas_buf_init(out, 0);
    unhex(h.data, h.len - 1, out);
    daas_buf_fini(&h);
    assert_int_equal(EVP_Digest(out->data, out->len, md, NULL, EVP_sha256(), NULL), 1);
    tohex(md, 32, got);
    assert_string_equal(got, vecs[i].sha256);
}

/* Verifies bytes at now_ms (debug allowed when allow); requires rc and, on failure, want in
 * the message. */
static void expect_verify(const void *p, size_t n, int64_t now_ms, bool allow, int want_rc,
                          const char *want)
{
    daas_attest_policy pol = {.now_ms = now_ms, .allow_debug = allow};
    daas_attest_doc d = {0};
    daas_err err = {0};
    int rc = daas_attest_verify(p, n, &pol, &d, &err);
    if (rc != want_rc || (want != NULL && strstr(err.msg, want) == NULL))
        fail_msg("verify at %lld: rc %d \"%s\", want %d \"%s\"", (long long)now_ms, rc, err.msg,
                 want_rc, want ? want : "");
    if (rc == DAAS_OK)
        assert_non_null(d.module_id);
    else
        assert_null(d._raw); /* a failure leaves nothing to free */
    daas_attest_doc_fini(&d);
}

static void test_root_embedded(void **state)
{
    (void)state;
    daas_buf pem;
    uint8_t md[32];
    char got[65];
    read_vector_file("aws-nitro-root.pem", &pem);
    BIO *b = BIO_new_mem_buf(pem.data, (int)pem.len);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    assert_non_null(x);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    daas_bytes root = daas_attest_aws_root();
    assert_int_equal(n, 533);
    assert_int_equal(root.len, 533);
    assert_memory_equal(der, root.ptr, 533);
    assert_int_equal(EVP_Digest(root.ptr, root.len, md, NULL, EVP_sha256(), NULL), 1);
    tohex(md, 32, got);
    assert_string_equal(got, "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b");
    assert_non_null(daas_attest__aws_root_x509(NULL));
    char subj[200];
    daas_attest_cert_subject(root, subj, sizeof subj);
    assert_string_equal(subj, "CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US");
    OPENSSL_free(der);
    X509_free(x);
    BIO_free(b);
    daas_buf_fini(&pem);
}

/* All four verify at their upstream clocks, and say what the README says. */
static void test_vectors_valid(void **state)
{
    (void)state;
    static const char *pcr0[4] = {"cbe1afb6ed0ff89f", "8912462a02fd4f82", "0000000000000000",
                                  "3aa0e6e6ed7d8301"};
    static const uint64_t ts[4] = {1744683923696ULL, 1744731537935ULL, 1731627989450ULL,
                                   1762795210812ULL};
    for (int i = 0; i < 4; i++) {
        daas_buf b;
        daas_attest_doc d = {0};
        daas_err err = {0};
        char h[130];
        load_vec(i, &b);
        daas_attest_policy pol = {.now_ms = vecs[i].clock, .allow_debug = true};
        if (daas_attest_verify((uint8_t *)b.data, b.len, &pol, &d, &err) != DAAS_OK)
            fail_msg("%s: %s", vecs[i].name, err.msg);
        assert_string_equal(d.digest, "SHA384");
        assert_int_equal(d.timestamp_ms, ts[i]);
        assert_int_equal(d.is_debug, vecs[i].debug);
        assert_int_equal(d.ncabundle, 4);
        assert_true(d.pcrs[0].present && d.pcrs[0].len == 48);
        tohex(d.pcrs[0].value, 8, h);
        assert_string_equal(h, pcr0[i]);
        assert_false(d.has_nonce);
        assert_memory_equal(d.cabundle[0].ptr, daas_attest_aws_root().ptr, 533);
        assert_int_equal(d.certificate.ptr - (const uint8_t *)d._raw, vecs[i].leaf_off);
        uint8_t idx[32];
        size_t n = daas_attest_sui_pcrs(&d, idx);
        assert_int_equal(n, i == 3 ? 7 : 6);
        assert_int_equal(idx[5], 8);
        if (i == 3)
            assert_int_equal(idx[6], 16);
        daas_attest_doc_fini(&d);
        daas_buf_fini(&b);
    }
}

static void test_vector_fields(void **state)
{
    (void)state;
    daas_buf b;
    daas_attest_doc d = {0};
    char h[130];
    uint8_t key[32];
    load_vec(0, &b);
    assert_int_equal(daas_attest_parse((uint8_t *)b.data, b.len, &d, NULL), DAAS_OK);
    assert_string_equal(d.module_id, "i-06e4b98c6549ff803-enc0196373b195fb723");
    assert_int_equal(daas_attest_ed25519_key(&d, key, NULL), DAAS_OK);
    tohex(key, 32, h);
    assert_string_equal(h, "e8e62201dbe293b703c759f653107acbc2c911fa1d2e66f2c747bec95971a2af");
    tohex(d.pcrs[2].value, 48, h);
    assert_string_equal(h, "21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c"
                           "10edb30948c90ba67310f7b964fc500a");
    assert_false(d.has_user_data);
    assert_false(d.pcrs[16].present);
    daas_attest_doc_fini(&d);
    daas_buf_fini(&b);

    /* V3: no public key (the helper says so), 32 bytes of user_data */
    daas_err err = {0};
    daas_bytes pk;
    load_vec(2, &b);
    assert_int_equal(daas_attest_parse((uint8_t *)b.data, b.len, &d, NULL), DAAS_OK);
    assert_int_equal(daas_attest_public_key(&d, &pk, &err), DAAS_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no public_key"));
    assert_true(d.has_user_data && d.user_data.len == 32);
    daas_attest_doc_fini(&d);
    daas_buf_fini(&b);

    /* V4: indefinite payload map, PCR16, user_data present but empty */
    load_vec(3, &b);
    assert_int_equal((uint8_t)b.data[10], 0xbf);
    assert_int_equal(daas_attest_parse((uint8_t *)b.data, b.len, &d, NULL), DAAS_OK);
    tohex(d.pcrs[16].value, 48, h);
    assert_string_equal(h, "28827566f8b004a75ccd77ffab1813059cfc384b3b23f926728263fecb03e97d"
                           "4928fbef613791fcb233d7b16ad74b94");
    assert_true(d.has_user_data && d.user_data.len == 0);
    daas_attest_doc_fini(&d);
    daas_buf_fini(&b);
}

/* Both ends of each accepted range, and 1 ms outside; the README's ±10 min / ±3 h table. */
static void test_vectors_window(void **state)
{
    (void)state;
    static const int minus10_ok[4] = {0, 1, 1, 0};
    const char *why = "certificate timestamp not valid";
    for (int i = 0; i < 4; i++) {
        daas_buf b;
        load_vec(i, &b);
        expect_verify(b.data, b.len, vecs[i].first, true, DAAS_OK, NULL);
        expect_verify(b.data, b.len, vecs[i].last, true, DAAS_OK, NULL);
        expect_verify(b.data, b.len, vecs[i].first - 1, true, DAAS_EDENIED, why);
        expect_verify(b.data, b.len, vecs[i].last + 1, true, DAAS_EDENIED, why);
        expect_verify(b.data, b.len, vecs[i].clock + 600000, true, DAAS_OK, NULL);
        expect_verify(b.data, b.len, vecs[i].clock - 600000, true,
                      minus10_ok[i] ? DAAS_OK : DAAS_EDENIED, minus10_ok[i] ? NULL : why);
        expect_verify(b.data, b.len, vecs[i].clock + 3 * 3600000LL, true, DAAS_EDENIED, why);
        expect_verify(b.data, b.len, vecs[i].clock - 3 * 3600000LL, true, DAAS_EDENIED, why);
        expect_verify(b.data, b.len, -1, true, DAAS_EINVAL, "before 1970");
        daas_buf_fini(&b);
    }
}

static void test_debug_vector_refused(void **state)
{
    (void)state;
    daas_buf b;
    load_vec(2, &b);
    expect_verify(b.data, b.len, vecs[2].clock, false, DAAS_EDENIED,
                  "debug enclave document (PCRs zero) not allowed");
    daas_buf_fini(&b);
}

static void test_pcr_policy(void **state)
{
    (void)state;
    daas_buf b, want;
    daas_err err = {0};
    daas_attest_doc d = {0};
    daas_buf_init(&want, 0);
    load_vec(0, &b);
    unhex("cbe1afb6ed0ff89f10295af0b802247ec5670da8f886e71a4226373b032c322f4e42c9c98288e7211682b2"
          "58684505a2", 96, &want);
    const uint8_t *w = (const uint8_t *)want.data;
    daas_attest_pcr_want ok[3] = {{0, DAAS_BYTES(w, 48)}, {1, DAAS_BYTES(w, 48)}, {4, {0}}};
    daas_attest_policy pol = {.now_ms = vecs[0].clock, .pcrs = ok, .npcrs = 2};
    assert_int_equal(daas_attest_verify((uint8_t *)b.data, b.len, &pol, &d, &err), DAAS_OK);
    daas_attest_doc_fini(&d);

    ok[1].index = 2; /* PCR2 is not PCR0's value */
    assert_int_equal(daas_attest_verify((uint8_t *)b.data, b.len, &pol, NULL, &err),
                     DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "PCR2 does not match the policy"));
    daas_err_clear(&err);
    ok[1] = (daas_attest_pcr_want){0, DAAS_BYTES(w, 32)}; /* right prefix, wrong length */
    assert_int_equal(daas_attest_verify((uint8_t *)b.data, b.len, &pol, NULL, &err),
                     DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "PCR0 does not match"));
    daas_err_clear(&err);
    ok[1] = (daas_attest_pcr_want){16, DAAS_BYTES(w, 48)};
    assert_int_equal(daas_attest_verify((uint8_t *)b.data, b.len, &pol, NULL, &err),
                     DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "PCR16 is not in the document"));
    daas_err_clear(&err);
    ok[1].index = 40;
    assert_int_equal(daas_attest_verify((uint8_t *)b.data, b.len, &pol, NULL, &err),
                     DAAS_EINVAL);
    daas_buf_fini(&b);
    daas_buf_fini(&want);
}

/* ---- byte edits to whole documents ---- */

/* A copy of vector i with one byte XORed (off < 0: none). */
static void edited(int i, long off, uint8_t x, daas_buf *out)
{
    load_vec(i, out);
    if (off >= 0)
        out->data[off] = (char)(out->data[off] ^ x);
}

static void test_flipped_bytes(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        daas_buf b;
        const char *sigfail = "signature fails to verify";
        edited(i, -1, 0, &b);
        long sig0 = (long)b.len - 96;
        daas_buf_fini(&b);
        edited(i, sig0, 1, &b); /* bad_signature_cose: signature byte 0 */
        expect_verify(b.data, b.len, vecs[i].clock, true, DAAS_EDENIED, sigfail);
        daas_buf_fini(&b);
        edited(i, 94, 1, &b); /* last byte of the timestamp: signed message changed */
        expect_verify(b.data, b.len, vecs[i].clock, true, DAAS_EDENIED, sigfail);
        daas_buf_fini(&b);
        edited(i, (long)vecs[i].cab3_off + 20, 0xff, &b); /* whole-document chain edits */
        expect_verify(b.data, b.len, vecs[i].clock, true, DAAS_EDENIED, sigfail);
        daas_buf_fini(&b);
        edited(i, (long)vecs[i].cab0_off + 20, 0xff, &b);
        expect_verify(b.data, b.len, vecs[i].clock, true, DAAS_EDENIED, sigfail);
        daas_buf_fini(&b);
        edited(i, 3, 0x01, &b); /* protected header {1: -35} -> {0: -35} */
        expect_verify(b.data, b.len, vecs[i].clock, true, DAAS_EINVAL, "protected header");
        daas_buf_fini(&b);
    }
}

static void test_signature_length(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        daas_buf b;
        load_vec(i, &b);
        size_t h = b.len - 98;
        assert_int_equal((uint8_t)b.data[h], 0x58);
        b.data[h + 1] = 0x5f; /* 585f + the first 95 signature bytes */
        b.len--;
        expect_verify(b.data, b.len, vecs[i].clock, true, DAAS_EINVAL, "signature is 95 bytes");
        daas_buf_fini(&b);
    }
}

static void test_truncated_and_trailing(void **state)
{
    (void)state;
    daas_buf b;
    daas_err err = {0};
    daas_attest_doc d = {0};
    load_vec(3, &b);
    for (size_t n = 0; n < b.len; n++) {
        daas_err_clear(&err);
        if (daas_attest_parse((uint8_t *)b.data, n, &d, &err) != DAAS_EINVAL ||
            err.msg[0] == '\0')
            fail_msg("truncated to %zu bytes: not refused (%s)", n, err.msg);
        assert_null(d._raw);
    }
    uint8_t zz[2] = {0, 0};
    expect_verify(zz, 2, vecs[3].clock, true, DAAS_EINVAL, "COSE_Sign1 is not a CBOR array");
    assert_int_equal(daas_buf_append(&b, "\0", 1), DAAS_OK);
    expect_verify(b.data, b.len, vecs[3].clock, true, DAAS_EINVAL, "1 trailing bytes after");
    daas_buf_fini(&b);
}

static void test_tags(void **state)
{
    (void)state;
    daas_buf b, t;
    load_vec(0, &b);
    for (int k = 0; k < 3; k++) {
        static const uint8_t pre[3][2] = {{0xd2, 0}, {0xd8, 0x12}, {0xd3, 0}};
        size_t pn = k == 1 ? 2 : 1;
        daas_buf_init(&t, 0);
        assert_int_equal(daas_buf_append(&t, pre[k], pn), DAAS_OK);
        assert_int_equal(daas_buf_append(&t, b.data, b.len), DAAS_OK);
        expect_verify(t.data, t.len, vecs[0].clock, false, k < 2 ? DAAS_OK : DAAS_EINVAL,
                      k < 2 ? NULL : "invalid tag 19");
        daas_buf_fini(&t);
    }
    daas_buf_fini(&b);
}

/* The structure-level chain cases: the parsed document is edited, the signature kept. */
static void test_chain_cases(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        daas_buf b, other;
        daas_attest_doc d = {0}, o = {0};
        daas_err err = {0};
        daas_attest_policy pol = {.now_ms = vecs[i].clock, .allow_debug = true};
        uint8_t copy[1024];
        load_vec(i, &b);
        assert_int_equal(daas_attest_parse((uint8_t *)b.data, b.len, &d, NULL), DAAS_OK);
        assert_int_equal(daas_attest_check_signature(&d, NULL), DAAS_OK);
        assert_int_equal(daas_attest_check_chain(&d, &pol, NULL), DAAS_OK);

        d.ncabundle = 3; /* drop the last cabundle element */
        assert_int_equal(daas_attest_check_chain(&d, &pol, &err), DAAS_EDENIED);
        assert_non_null(strstr(err.msg, "certificate chain issuer mismatch"));
        d.ncabundle = 4;

        daas_bytes keep = d.cabundle[3]; /* byte 20 of cabundle[3] = 0 */
        memcpy(copy, keep.ptr, keep.len);
        assert_int_equal(d.cabundle[3].ptr - (const uint8_t *)d._raw, vecs[i].cab3_off);
        copy[20] = 0;
        d.cabundle[3] = DAAS_BYTES(copy, keep.len);
        daas_err_clear(&err);
        assert_int_equal(daas_attest_check_chain(&d, &pol, &err), DAAS_EDENIED);
        assert_non_null(strstr(err.msg, "certificate fails to verify: cabundle[3]"));
        d.cabundle[3] = keep;

        keep = d.cabundle[0]; /* byte 20 of the root copy = 0 */
        memcpy(copy, keep.ptr, keep.len);
        assert_int_equal(copy[20], 0x1b);
        copy[20] = 0;
        d.cabundle[0] = DAAS_BYTES(copy, keep.len);
        daas_err_clear(&err);
        assert_int_equal(daas_attest_check_chain(&d, &pol, &err), DAAS_EDENIED);
        assert_non_null(strstr(err.msg, "cabundle[0] is not signed by the AWS Nitro root"));
        d.cabundle[0] = keep;

        /* swapped certificate: another document's leaf; its key did not sign this payload
         * and its issuer is not this cabundle's */
        load_vec(i == 0 ? 1 : 0, &other);
        assert_int_equal(daas_attest_parse((uint8_t *)other.data, other.len, &o, NULL), DAAS_OK);
        keep = d.certificate;
        d.certificate = o.certificate;
        daas_err_clear(&err);
        assert_int_equal(daas_attest_check_signature(&d, &err), DAAS_EDENIED);
        assert_non_null(strstr(err.msg, "signature fails to verify"));
        daas_err_clear(&err);
        daas_attest_policy at_other = {.now_ms = vecs[i == 0 ? 1 : 0].clock, .allow_debug = true};
        assert_int_equal(daas_attest_check_chain(&d, &at_other, &err), DAAS_EDENIED);
        assert_non_null(strstr(err.msg, "issuer mismatch: the issuer of leaf"));
        d.certificate = keep;

        /* the root copy dropped: the chain ends at an intermediate, not at the root */
        d.cabundle[0] = d.cabundle[1];
        daas_err_clear(&err);
        assert_int_equal(daas_attest_check_chain(&d, &pol, &err), DAAS_EDENIED);

        daas_attest_doc_fini(&o);
        daas_attest_doc_fini(&d);
        daas_buf_fini(&other);
        daas_buf_fini(&b);
    }
}

/* The swapped leaf in the whole document (V1 and V2 leaves are both 639 bytes). */
static void test_swapped_leaf_document(void **state)
{
    (void)state;
    daas_buf a, b;
    load_vec(0, &a);
    load_vec(1, &b);
    memcpy(a.data + 932, b.data + 932, 639);
    expect_verify(a.data, a.len, vecs[0].clock, false, DAAS_EDENIED, "signature fails");
    daas_buf_fini(&a);
    daas_buf_fini(&b);
}

/* fastcrypto invalid_cose (from aws-nitro-enclaves-cose): COSE-level verdicts. */
static void test_cose_vectors(void **state)
{
    (void)state;
    static const char body[] =
        "a10442313158754974206973206120747275746820756e6976657273616c6c792061636b6e6f776c65646765"
        "642c207468617420612073696e676c65206d616e20696e20706f7373657373696f6e206f66206120676f6f"
        "6420666f7274756e652c206d75737420626520696e2077616e74206f66206120776966652e";
    static const char sig96[] =
        "5860cd42d27632d5414e4b545c95fde6e3505b93580f4b7731d14a86523175266cdeb24aff2de3364e9cee"
        "e9f9f795a015155bc712aa2863e2aaf6078a819093fdfc7059a3f1467f64ec7e221fd163d80b3b552625cf"
        "379d1cbb9e5138ccd07a1931";
    static const char sig64[] =
        "58406e6df65489ea3b018833f5fc4f84f81b4d5efd5a09d5c62f2e92385dce31e2d15a53a9f075e8fb3966"
        "9fcd4eb522c85c9277452fa857f5fe379eddef0fab3cdd";
    struct {
        const char *pre, *sig, *want;
    } cases[] = {
        {"8444a1013822", sig96, "payload is not a CBOR map"}, /* COSE-valid, not a document */
        {"8443a10126", sig64, "protected header is not {1: -35}"}, /* ES256 */
        {"d38443a10126", sig64, "invalid tag 19"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        daas_buf b;
        daas_err err = {0};
        daas_attest_doc d = {0};
        daas_buf_init(&b, 0);
        unhex(cases[k].pre, strlen(cases[k].pre), &b);
        unhex(body, strlen(body), &b);
        unhex(cases[k].sig, strlen(cases[k].sig), &b);
        assert_int_equal(daas_attest_parse((uint8_t *)b.data, b.len, &d, &err), DAAS_EINVAL);
        if (strstr(err.msg, cases[k].want) == NULL)
            fail_msg("case %zu: \"%s\", want \"%s\"", k, err.msg, cases[k].want);
        daas_buf_fini(&b);
    }
}

/* ---- synthetic payload maps ---- */

static void e_head(daas_buf *b, int major, uint64_t v)
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

static void e_raw(daas_buf *b, const void *p, size_t n)
{
    assert_int_equal(daas_buf_append(b, p, n), DAAS_OK);
}

static void e_bstr(daas_buf *b, const void *p, size_t n)
{
    e_head(b, DAAS_CBOR_BSTR, n);
    e_raw(b, p, n);
}

static void e_fill(daas_buf *b, uint8_t v, size_t n)
{
    uint8_t x[1100];
    assert_true(n <= sizeof x);
    memset(x, v, n);
    e_bstr(b, x, n);
}

static void e_text(daas_buf *b, const char *s)
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

static daas_buf *pm_slot(pmap *m, const char *key)
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

static void pm_del(pmap *m, const char *key)
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

static void pm_fini(pmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        daas_buf_fini(&m->val[i]);
    m->n = 0;
}

/* pcrs {0..n-1: len bytes of fill} */
static void v_pcrs(daas_buf *v, size_t n, size_t len, uint8_t fill)
{
    e_head(v, DAAS_CBOR_MAP, n);
    for (size_t i = 0; i < n; i++) {
        e_head(v, DAAS_CBOR_UINT, i);
        e_fill(v, fill, len);
    }
}

/* SPEC: vectors/nitro/README.md "Document-map validation": the base map. */
static void pm_base(pmap *m)
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

static void pm_encode(const pmap *m, daas_buf *out)
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
static void cose_wrap(const daas_buf *payload, const uint8_t sig[96], daas_buf *out)
{
    uint8_t zero[96] = {0};
    daas_buf_init(out, 0);
    e_raw(out, "\x84\x44\xa1\x01\x38\x22\xa0", 7);
    e_bstr(out, payload->data, payload->len);
    e_bstr(out, sig ? sig : zero, 96);
}

/* Parses the map as a document; want NULL: must parse, else EINVAL with want. */
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
        cmocka_unit_test(test_root_embedded),
        cmocka_unit_test(test_vectors_valid),
        cmocka_unit_test(test_vector_fields),
        cmocka_unit_test(test_vectors_window),
        cmocka_unit_test(test_debug_vector_refused),
        cmocka_unit_test(test_pcr_policy),
        cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_signature_length),
        cmocka_unit_test(test_truncated_and_trailing),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_chain_cases),
        cmocka_unit_test(test_swapped_leaf_document),
        cmocka_unit_test(test_cose_vectors),
        cmocka_unit_test(test_map_rules),
        cmocka_unit_test(test_map_bounds),
        cmocka_unit_test(test_map_encodings),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_dev_debug_documents),
        cmocka_unit_test(test_dev_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
