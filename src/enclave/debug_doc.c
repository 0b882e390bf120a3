/*
 * debug_doc.c: attestation documents for development, outside a Nitro Enclave: the real
 * COSE_Sign1 format, signed by a dev CA instead of the AWS Nitro chain, all PCRs zero.
 *
 * Owns:   the dev CA (P-384 key and self-signed certificate in a directory), the per-document
 *         leaf certificate and key, the CBOR of the payload and of the COSE envelope.
 * Not:    verification (attest*.c); choosing debug vs NSM (enclave.c).
 * Model:  what an NSM does per request: a fresh leaf key certified for ~3 h by the CA above
 *         it, the payload map in the NSM's key order, ES384 over the Sig_structure with the
 *         leaf key, the signature as raw r‖s.
 * Invariants:
 *   - the CA key file is created 0600 with O_EXCL (never chmod'ed, never overwritten) and
 *     never logged; a directory holding only one of the two files is refused;
 *   - certificates carry what verifiers check: CA basicConstraints critical cA=TRUE and
 *     keyCertSign; leaf basicConstraints critical cA=FALSE and digitalSignature;
 *   - every document says it is a debug one: module_id "daas-debug-…", PCRs 0..15 zero, a
 *     CA named "DEBUG" that is not the AWS root.
 * Spec:   specs/nautilus.md §3.1 (COSE_Sign1), §3.2 (payload), §3.3 (Sig_structure), §3.4
 *         (certificate profile), §3.7 (debug mode).
 */
#include "enclave/enclave_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/util.h"

#define CA_DAYS 3650
/* The dev CA's notBefore: a fixed past date (2024-01-01T00:00:00Z), so documents made
 * with any clock after it chain, whenever the CA itself was created. */
#define CA_NOT_BEFORE 1704067200
#define BACKDATE_SEC (5 * 60)
#define LEAF_LIFETIME_SEC (3 * 3600)
#define ES384_LEN 48
#define NPCRS 16
#define PCR_LEN 48
#define PAYLOAD_MAX 16383 /* verifiers take payloads of 1..16383 bytes */

/* The protected header {1: -35} (alg ES384), as a bstr's content. */
static const uint8_t PROTECTED[] = {0xa1, 0x01, 0x38, 0x22};

struct daas_enclave_debug_ca {
    X509 *cert;    /* self-signed CA certificate */
    EVP_PKEY *key; /* its P-384 key */
    uint8_t *der;  /* cert in DER (the document's cabundle[0]) */
    size_t der_len;
};

/* ---- certificates ---- */

static EVP_PKEY *new_p384(void)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
}

static bool is_p384(EVP_PKEY *k)
{
    char group[32];
    return EVP_PKEY_is_a(k, "EC") &&
           EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, NULL) == 1 &&
           strcmp(group, "secp384r1") == 0;
}

/* 16 random bytes, positive, always 16 bytes long. */
static bool set_serial(X509 *x)
{
    uint8_t b[16];
    daas_random(b, sizeof b);
    b[0] = (uint8_t)((b[0] & 0x7f) | 0x40);
    BIGNUM *bn = BN_bin2bn(b, (int)sizeof b, NULL);
    ASN1_INTEGER *ai = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    bool ok = ai != NULL && X509_set_serialNumber(x, ai) == 1;
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return ok;
}

static bool set_name(X509_NAME *n, const char *cn)
{
    return X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const uint8_t *)"daas", -1, -1, 0) ==
               1 &&
           X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
                                      (const uint8_t *)"DEBUG enclave, not AWS Nitro", -1, -1,
                                      0) == 1 &&
           X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const uint8_t *)cn, -1, -1, 0) == 1;
}

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    bool ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static bool add_extensions(X509 *x, X509 *issuer, bool ca)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if (ca)
        return add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
               add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") &&
               add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    return add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation") &&
           add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
           add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
}

/* A certificate for key named cn, valid [not_before, not_after] (unix seconds), issued by
 * issuer/issuer_key, or self-signed (issuer NULL, issuer_key = key). ECDSA with SHA-384. */
static int make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                     int64_t not_before, int64_t not_after, X509 **out, daas_err *err)
{
    X509 *x = X509_new();
    bool ok = x != NULL && X509_set_version(x, X509_VERSION_3) == 1 && set_serial(x) &&
              ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) != NULL &&
              ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after) != NULL &&
              X509_set_pubkey(x, key) == 1 && set_name(X509_get_subject_name(x), cn) &&
              X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
                                                     : X509_get_subject_name(x)) == 1 &&
              add_extensions(x, issuer, issuer == NULL) &&
              X509_sign(x, issuer_key, EVP_sha384()) > 0;
    if (!ok) {
        X509_free(x);
        return daas_from_ssl(err, "debug attestation: building a certificate");
    }
    *out = x;
    return DAAS_OK;
}

/* ---- the CA's files ---- */

/* Writes the PEM in bio to path: a temporary file created 0600 with O_EXCL, fsync'ed, then
 * hard-linked to path, which fails rather than replace a file another process made. */
static int write_new_file(const char *path, BIO *bio, daas_err *err)
{
    char *tmp = daas_xasprintf("%s.tmp-%d", path, (int)getpid());
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    int rc = DAAS_OK;
    int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = daas_fail(err, daas_from_errno(errno), "create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (n <= 0 || write(fd, data, (size_t)n) != (ssize_t)n || fsync(fd) != 0)
        rc = daas_fail(err, DAAS_EIO, "write %s: %s", tmp, strerror(errno));
    close(fd);
    if (rc == DAAS_OK && link(tmp, path) != 0)
        rc = daas_fail(err, daas_from_errno(errno), "create %s: %s", path, strerror(errno));
    unlink(tmp);
out:
    daas_free(tmp);
    return rc;
}

static int ca_create(const char *crt_path, const char *key_path, daas_err *err)
{
    EVP_PKEY *key = new_p384();
    X509 *x = NULL;
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    int64_t now = daas_now_ms() / 1000;
    int rc = DAAS_OK;

    if (key == NULL || kb == NULL || cb == NULL) {
        rc = daas_from_ssl(err, "debug CA: key generation");
        goto out;
    }
    rc = make_cert(key, "daas-debug-enclave-ca", NULL, key, CA_NOT_BEFORE,
                   now + (int64_t)CA_DAYS * 86400, &x, err);
    if (rc != DAAS_OK)
        goto out;
    if (PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        PEM_write_bio_X509(cb, x) != 1) {
        rc = daas_from_ssl(err, "debug CA: PEM encoding");
        goto out;
    }
    /* Key first: a crash in between leaves a key without a certificate, which open refuses
     * loudly instead of pairing a certificate with a key it does not match. */
    rc = write_new_file(key_path, kb, err);
    if (rc == DAAS_OK)
        rc = write_new_file(crt_path, cb, err);
out:
    BIO_free(kb);
    BIO_free(cb);
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

static int ca_load(daas_enclave_debug_ca *ca, const char *crt_path, const char *key_path,
                   daas_err *err)
{
    BIO *cb = BIO_new_file(crt_path, "r"), *kb = BIO_new_file(key_path, "r");
    int rc = DAAS_OK;
    if (cb != NULL)
        ca->cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    if (kb != NULL)
        ca->key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    BIO_free(cb);
    BIO_free(kb);
    if (ca->cert == NULL || ca->key == NULL)
        rc =
            daas_fail(err, DAAS_EINVAL, "debug CA: cannot read %s", ca->cert ? key_path : crt_path);
    else if (!is_p384(ca->key))
        rc = daas_fail(err, DAAS_EINVAL, "debug CA: %s is not an EC P-384 key", key_path);
    else if (X509_check_private_key(ca->cert, ca->key) != 1)
        rc = daas_fail(err, DAAS_EINVAL, "debug CA: %s does not match %s", key_path, crt_path);
    ERR_clear_error();
    if (rc != DAAS_OK)
        return rc;
    int n = i2d_X509(ca->cert, &ca->der);
    if (n <= 0)
        return daas_from_ssl(err, "debug CA: DER encoding");
    ca->der_len = (size_t)n;
    return DAAS_OK;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Contract in enclave.h. */
int daas_enclave_debug_ca_open(const char *dir, daas_enclave_debug_ca **out, daas_err *err)
{
    char *crt = daas_xasprintf("%s/ca.crt", dir), *key = daas_xasprintf("%s/ca.key", dir);
    daas_enclave_debug_ca *ca = daas_xcalloc(1, sizeof *ca);
    int rc = daas_mkdir_p(dir, err);
    if (rc == DAAS_OK && !exists(crt) && !exists(key))
        rc = ca_create(crt, key, err);
    else if (rc == DAAS_OK && exists(crt) != exists(key))
        rc = daas_fail(err, DAAS_EINVAL, "debug CA: %s exists without %s", exists(crt) ? crt : key,
                       exists(crt) ? key : crt);
    if (rc == DAAS_OK)
        rc = ca_load(ca, crt, key, err);
    if (rc == DAAS_OK)
        *out = ca;
    else
        daas_enclave_debug_ca_free(&ca);
    daas_free(crt);
    daas_free(key);
    return rc;
}

/* Contract in enclave.h. */
void daas_enclave_debug_ca_free(daas_enclave_debug_ca **pca)
{
    if (pca == NULL || *pca == NULL)
        return;
    daas_enclave_debug_ca *ca = *pca;
    X509_free(ca->cert);
    EVP_PKEY_free(ca->key);
    OPENSSL_free(ca->der);
    daas_free(ca);
    *pca = NULL;
}

/* Contract in enclave.h. */
daas_bytes daas_enclave_debug_ca_der(const daas_enclave_debug_ca *ca)
{
    return DAAS_BYTES(ca->der, ca->der_len);
}

/* ---- the document ---- */

typedef struct doc_parts {
    const char *module_id;
    int64_t now_ms;
    daas_bytes leaf_der;
    daas_bytes ca_der;
    daas_bytes public_key; /* len 0: null */
} doc_parts;

static int put_pcrs(daas_buf *b)
{
    static const uint8_t zero[PCR_LEN];
    const daas_bytes z = DAAS_BYTES(zero, sizeof zero);
    int rc = daas_enclave__cbor_head(b, 5, NPCRS);
    for (unsigned i = 0; i < NPCRS && rc == DAAS_OK; i++) {
        rc = daas_enclave__cbor_head(b, 0, i);
        if (rc == DAAS_OK)
            rc = daas_enclave__cbor_bytes(b, &z);
    }
    return rc;
}

/* SPEC: specs/nautilus.md §3.2: the nine keys in the order real NSMs emit them. */
static int put_payload(daas_buf *b, const doc_parts *d)
{
    int rc = daas_enclave__cbor_head(b, 5, 9);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "module_id")) == DAAS_OK)
        rc = daas_enclave__cbor_text(b, d->module_id);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "digest")) == DAAS_OK)
        rc = daas_enclave__cbor_text(b, "SHA384");
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "timestamp")) == DAAS_OK)
        rc = daas_enclave__cbor_head(b, 0, (uint64_t)d->now_ms);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "pcrs")) == DAAS_OK)
        rc = put_pcrs(b);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "certificate")) == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, &d->leaf_der);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "cabundle")) == DAAS_OK &&
        (rc = daas_enclave__cbor_head(b, 4, 1)) == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, &d->ca_der);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "public_key")) == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, d->public_key.len > 0 ? &d->public_key : NULL);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "user_data")) == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, NULL);
    if (rc == DAAS_OK && (rc = daas_enclave__cbor_text(b, "nonce")) == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, NULL);
    return rc;
}

/* SPEC: specs/nautilus.md §3.3: ["Signature1", protected, h'', payload]. */
static int put_sig_structure(daas_buf *b, daas_bytes payload)
{
    const daas_bytes prot = DAAS_BYTES(PROTECTED, sizeof PROTECTED), empty = {NULL, 0};
    int rc = daas_enclave__cbor_head(b, 4, 4);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_text(b, "Signature1");
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, &prot);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, &empty);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(b, &payload);
    return rc;
}

/* ES384 over msg with key, as COSE wants it: r ‖ s, 48 bytes each, big-endian. */
static int es384_sign(EVP_PKEY *key, daas_bytes msg, uint8_t out[2 * ES384_LEN], daas_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[2 * ES384_LEN + 16];
    size_t dlen = sizeof der;
    ECDSA_SIG *sig = NULL;
    int rc = DAAS_OK;
    if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) != 1 ||
        EVP_DigestSign(md, der, &dlen, msg.ptr, msg.len) != 1) {
        rc = daas_from_ssl(err, "debug attestation: ES384 signing");
        goto out;
    }
    const uint8_t *p = der;
    sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
    const BIGNUM *r = NULL, *s = NULL;
    if (sig != NULL)
        ECDSA_SIG_get0(sig, &r, &s);
    if (sig == NULL || BN_bn2binpad(r, out, ES384_LEN) != ES384_LEN ||
        BN_bn2binpad(s, out + ES384_LEN, ES384_LEN) != ES384_LEN)
        rc = daas_from_ssl(err, "debug attestation: ES384 signature form");
out:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}

/* SPEC: specs/nautilus.md §3.1: untagged array(4) [bstr protected, {}, bstr payload,
 * bstr(96) signature]. */
static int put_cose(daas_buf *out, daas_bytes payload, const uint8_t sig[2 * ES384_LEN])
{
    const daas_bytes prot = DAAS_BYTES(PROTECTED, sizeof PROTECTED);
    const daas_bytes s = DAAS_BYTES(sig, 2 * ES384_LEN);
    int rc = daas_enclave__cbor_head(out, 4, 4);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(out, &prot);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_head(out, 5, 0);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(out, &payload);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(out, &s);
    return rc;
}

/* Payload, Sig_structure, signature, envelope: everything after the leaf exists. */
static int assemble(EVP_PKEY *leaf_key, const doc_parts *d, daas_buf *out, daas_err *err)
{
    daas_buf payload, tbs;
    uint8_t sig[2 * ES384_LEN];
    daas_buf_init(&payload, PAYLOAD_MAX);
    daas_buf_init(&tbs, 0);
    int rc = put_payload(&payload, d);
    if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "debug attestation: payload over %d bytes", PAYLOAD_MAX);
    if (rc == DAAS_OK)
        rc = put_sig_structure(&tbs, DAAS_BYTES(payload.data, payload.len));
    if (rc == DAAS_OK)
        rc = es384_sign(leaf_key, DAAS_BYTES(tbs.data, tbs.len), sig, err);
    if (rc == DAAS_OK && put_cose(out, DAAS_BYTES(payload.data, payload.len), sig) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "debug attestation: document over the buffer's cap");
    daas_buf_fini(&payload);
    daas_buf_fini(&tbs);
    return rc;
}

/* Contract in enclave.h. */
int daas_enclave_debug_doc(const daas_enclave_debug_ca *ca, const char *module_id, int64_t now_ms,
                           daas_bytes public_key, daas_buf *out, daas_err *err)
{
    const size_t plen = strlen(DAAS_ENCLAVE_DEBUG_MODULE_PREFIX);
    if (module_id == NULL || strncmp(module_id, DAAS_ENCLAVE_DEBUG_MODULE_PREFIX, plen) != 0 ||
        strlen(module_id) > 128 || now_ms <= 0 || public_key.len > 1024)
        return daas_fail(err, DAAS_EINVAL, "debug attestation: bad module_id, time or key");
    EVP_PKEY *leaf_key = new_p384();
    X509 *leaf = NULL;
    uint8_t *der = NULL;
    int rc = leaf_key != NULL ? DAAS_OK : daas_from_ssl(err, "debug attestation: leaf key");
    int64_t now = now_ms / 1000;
    char *cn = daas_xasprintf("%s.debug.daas", module_id);
    if (rc == DAAS_OK)
        rc = make_cert(leaf_key, cn, ca->cert, ca->key, now - BACKDATE_SEC, now + LEAF_LIFETIME_SEC,
                       &leaf, err);
    int n = rc == DAAS_OK ? i2d_X509(leaf, &der) : 0;
    if (rc == DAAS_OK && n <= 0)
        rc = daas_from_ssl(err, "debug attestation: leaf DER");
    if (rc == DAAS_OK) {
        doc_parts d = {module_id, now_ms, DAAS_BYTES(der, (size_t)n),
                       DAAS_BYTES(ca->der, ca->der_len), public_key};
        rc = assemble(leaf_key, &d, out, err);
    }
    OPENSSL_free(der);
    X509_free(leaf);
    EVP_PKEY_free(leaf_key);
    daas_free(cn);
    return rc;
}
