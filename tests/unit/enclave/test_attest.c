/*
 * test_attest.c: the Nitro attestation verifier (enclave/attest_*.c) on the four real AWS
 * documents of vectors/nitro: valid at their upstream clocks, 1 ms outside each end of their
 * validity ranges refused, and every negative case of vectors/nitro/README.md (signature,
 * signed message, structure, tags, certificate chain, COSE vectors), plus the PCR policy.
 *
 * Owns:   nothing beyond each test's buffers, freed before it returns.
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

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/util.h"
#include "enclave/attest.h"
#include "enclave/attest_int.h"

#include "attest_test.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
