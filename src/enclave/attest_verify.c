/*
 * attest_verify.c: the checks of a parsed attestation document: the COSE ES384 signature, the
 * X.509 chain to the trusted root at a given time, the debug rule, the PCR policy; and the
 * accessors the callers need (public key, Sui's PCR list, certificate subjects).
 *
 * Owns:   the OpenSSL objects of one verification (freed before returning).
 * Not:    CBOR (attest_cbor.c), the embedded root's bytes and one-time check (aws_root.c).
 * Invariants:
 *   - the chain is [certificate] + reverse(cabundle), anchored at the trusted root; every
 *     certificate, the root copy included, is checked for validity at floor(now_ms / 1000)
 *     (both ends inclusive), keyUsage, basicConstraints/pathLen, issuer == next subject, and
 *     its signature under the next certificate's key (the root copy under the trusted root);
 *     then cabundle[0] must be byte-identical to the trusted root;
 *   - no CRL or OCSP, and no OpenSSL X509_verify_cert: real leaves have no Authority Key
 *     Identifier, which OpenSSL's strict mode refuses (vectors/nitro/README.md, last section);
 *   - the document's own timestamp is never compared with now (as fastcrypto / Sui);
 *   - the debug root is trusted only for debug documents and only when the policy allows them.
 * Spec:   specs/nautilus.md §2.3 steps 5-6, §3.3, §3.4, §3.7; vectors/nitro/README.md.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/util.h"
#include "enclave/attest_int.h"

/* chain[0] = leaf, chain[i] = cabundle[ncabundle - i] for i >= 1. */
typedef struct chain {
    X509 *c[1 + DAAS_ATTEST_MAX_CABUNDLE];
    size_t n;
} chain;

/* The root the chain must end at. */
typedef struct anchor {
    X509 *x;           /* borrowed (AWS) or == owned (debug root) */
    X509 *owned;       /* the parsed debug root, freed by anchor_fini */
    uint8_t *der_owned; /* its DER (OpenSSL allocation) */
    daas_bytes der;    /* the anchor's DER */
    bool aws;          /* the embedded AWS root */
} anchor;

/* ---- small helpers ---- */

static X509 *parse_der(daas_bytes der)
{
    const unsigned char *p = der.ptr;
    X509 *x = d2i_X509(NULL, &p, (long)der.len);
    if (x != NULL && p != der.ptr + der.len) { /* trailing bytes inside the bstr */
        X509_free(x);
        x = NULL;
    }
    ERR_clear_error();
    return x;
}

static void label(const daas_attest_doc *d, size_t i, char *buf, size_t n)
{
    if (i == 0)
        snprintf(buf, n, "leaf");
    else
        snprintf(buf, n, "cabundle[%zu]", d->ncabundle - i);
}

static bool bytes_eq(daas_bytes a, daas_bytes b)
{
    return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0;
}

static void hex_prefix(const uint8_t *p, size_t len, char *out, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    size_t j = 0;
    for (size_t i = 0; i < len && j + 3 <= n; i++) {
        out[j++] = hx[p[i] >> 4];
        out[j++] = hx[p[i] & 15];
    }
    out[j] = '\0';
}

static void chain_free(chain *ch)
{
    for (size_t i = 0; i < ch->n; i++)
        X509_free(ch->c[i]);
    ch->n = 0;
}

static int chain_load(const daas_attest_doc *d, chain *ch, daas_err *err)
{
    char lb[32];
    ch->n = 0;
    for (size_t i = 0; i <= d->ncabundle; i++) {
        daas_bytes der = i == 0 ? d->certificate : d->cabundle[d->ncabundle - i];
        X509 *x = parse_der(der);
        if (x == NULL) {
            label(d, i, lb, sizeof lb);
            chain_free(ch);
            return daas_fail(err, DAAS_EINVAL, "%s is not a DER X.509 certificate", lb);
        }
        ch->c[ch->n++] = x;
    }
    return DAAS_OK;
}

/* ---- the COSE signature ---- */

static int leaf_p384(X509 *leaf, EVP_PKEY **out, daas_err *err)
{
    EVP_PKEY *k = X509_get0_pubkey(leaf);
    char grp[32];
    size_t gl = 0;
    if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
        EVP_PKEY_get_group_name(k, grp, sizeof grp, &gl) != 1 || strcmp(grp, "secp384r1") != 0) {
        ERR_clear_error();
        return daas_fail(err, DAAS_EDENIED, "leaf certificate key is not EC P-384 (ES384)");
    }
    *out = k;
    return DAAS_OK;
}

/* Raw r||s (48 + 48 bytes, big-endian) as the DER ECDSA-Sig-Value OpenSSL verifies. */
static int raw_to_der(const uint8_t *rs, unsigned char **der, int *derlen, daas_err *err)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, 48, NULL), *sv = BN_bin2bn(rs + 48, 48, NULL);
    if (s == NULL || r == NULL || sv == NULL || ECDSA_SIG_set0(s, r, sv) != 1) {
        BN_free(r);
        BN_free(sv);
        ECDSA_SIG_free(s);
        return daas_from_ssl(err, "ECDSA signature conversion");
    }
    *der = NULL;
    *derlen = i2d_ECDSA_SIG(s, der);
    ECDSA_SIG_free(s);
    return *derlen > 0 ? DAAS_OK : daas_from_ssl(err, "ECDSA signature encoding");
}

/* ES384 over the Sig_structure with the leaf's key. */
static int sig_check(const daas_attest_doc *d, X509 *leaf, daas_err *err)
{
    EVP_PKEY *k = NULL;
    unsigned char *der = NULL;
    int derlen = 0;
    daas_buf tbs;
    EVP_MD_CTX *ctx = NULL;
    daas_buf_init(&tbs, DAAS_ATTEST_MAX_DOC + 64);
    int rc = leaf_p384(leaf, &k, err);
    if (rc == DAAS_OK)
        rc = daas_attest_sig_structure(d->protected_hdr, d->payload, &tbs);
    if (rc == DAAS_OK)
        rc = raw_to_der(d->signature.ptr, &der, &derlen, err);
    if (rc != DAAS_OK)
        goto out;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, k) != 1) {
        rc = daas_from_ssl(err, "ES384 verify init");
        goto out;
    }
    if (EVP_DigestVerify(ctx, der, (size_t)derlen, (const unsigned char *)tbs.data, tbs.len) !=
        1) {
        ERR_clear_error();
        rc = daas_fail(err, DAAS_EDENIED, "signature fails to verify (ES384 over the COSE "
                                          "Sig_structure with the leaf key)");
    }
out:
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    daas_buf_fini(&tbs);
    return rc;
}

int daas_attest_check_signature(const daas_attest_doc *doc, daas_err *err)
{
    X509 *leaf = parse_der(doc->certificate);
    if (leaf == NULL)
        return daas_fail(err, DAAS_EINVAL, "leaf is not a DER X.509 certificate");
    int rc = sig_check(doc, leaf, err);
    X509_free(leaf);
    return rc;
}

/* ---- the trusted root and the debug rule ---- */

static void anchor_fini(anchor *a)
{
    X509_free(a->owned);
    OPENSSL_free(a->der_owned);
    *a = (anchor){0};
}

/* The policy's debug root, PEM or DER, with its DER. */
static int load_debug_root(daas_bytes in, anchor *a, daas_err *err)
{
    static const char pem[] = "-----BEGIN";
    X509 *x = NULL;
    if (in.len >= sizeof pem - 1 && memcmp(in.ptr, pem, sizeof pem - 1) == 0) {
        BIO *b = BIO_new_mem_buf(in.ptr, (int)in.len);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        x = parse_der(in);
    }
    int n = x ? i2d_X509(x, &a->der_owned) : -1;
    ERR_clear_error();
    if (n <= 0) {
        X509_free(x);
        return daas_fail(err, DAAS_EINVAL, "debug root is not a PEM or DER certificate");
    }
    a->x = a->owned = x;
    a->der = DAAS_BYTES(a->der_owned, (size_t)n);
    return DAAS_OK;
}

/* Picks the root: the debug root when the document is a debug document, debug is allowed and
 * cabundle[0] is the debug root; else AWS. Refuses a debug document when debug is not allowed,
 * and any non-debug use of the debug root. */
static int pick_anchor(const daas_attest_doc *d, const daas_attest_policy *pol, anchor *a,
                       daas_err *err)
{
    int rc = DAAS_OK;
    *a = (anchor){0};
    if (pol->debug_root.ptr != NULL)
        rc = load_debug_root(pol->debug_root, a, err);
    bool to_debug = rc == DAAS_OK && a->owned != NULL && bytes_eq(d->cabundle[0], a->der);
    if (rc == DAAS_OK && d->is_debug && !pol->allow_debug)
        rc = daas_fail(err, DAAS_EDENIED, "debug enclave document (PCRs zero) not allowed");
    if (rc == DAAS_OK && to_debug && !d->is_debug)
        rc = daas_fail(err, DAAS_EDENIED, "document chains to the debug root but is not a debug "
                                          "document (PCR0..2 are not zero)");
    if (rc == DAAS_OK && !to_debug) {
        anchor_fini(a);
        a->x = daas_attest__aws_root_x509(err);
        a->der = daas_attest_aws_root();
        a->aws = true;
        rc = a->x != NULL ? DAAS_OK : DAAS_ECRYPTO;
    }
    if (rc != DAAS_OK)
        anchor_fini(a);
    return rc;
}

/* ---- one certificate ---- */

static void asn1_time_str(const ASN1_TIME *t, char *buf, size_t n)
{
    struct tm tm;
    if (ASN1_TIME_to_tm(t, &tm) != 1) {
        snprintf(buf, n, "?");
        return;
    }
    daas_time_rfc3339((int64_t)timegm(&tm), buf, n);
}

/* notBefore <= now <= notAfter, both inclusive, in whole seconds. */
static int cert_time(X509 *x, const char *lb, time_t now, daas_err *err)
{
    const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
    int a = ASN1_TIME_cmp_time_t(nb, now), b = ASN1_TIME_cmp_time_t(na, now);
    if (a != -2 && a <= 0 && b != -2 && b >= 0)
        return DAAS_OK;
    char s1[32], s2[32], s3[32];
    asn1_time_str(nb, s1, sizeof s1);
    asn1_time_str(na, s2, sizeof s2);
    daas_time_rfc3339((int64_t)now, s3, sizeof s3);
    return daas_fail(err, DAAS_EDENIED, "certificate timestamp not valid: %s is valid %s .. %s, "
                     "not at %s", lb, s1, s2, s3);
}

static bool bcons_critical(X509 *x)
{
    int loc = X509_get_ext_by_NID(x, NID_basic_constraints, -1);
    return loc >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, loc)) == 1;
}

/* keyUsage and basicConstraints. i is the position in the chain (0 = leaf): a CA at i may
 * have at most i - 1 CAs below it, so its pathLen (when present) must be >= i - 1. */
static int cert_profile(X509 *x, size_t i, const char *lb, daas_err *err)
{
    uint32_t fl = X509_get_extension_flags(x);
    if (fl & EXFLAG_INVALID)
        return daas_fail(err, DAAS_EDENIED, "%s has malformed or duplicate extensions", lb);
    if (!(fl & EXFLAG_KUSAGE))
        return daas_fail(err, DAAS_EDENIED, "%s has no keyUsage extension", lb);
    uint32_t ku = X509_get_key_usage(x);
    if (i == 0) {
        if (!(ku & KU_DIGITAL_SIGNATURE))
            return daas_fail(err, DAAS_EDENIED, "leaf keyUsage lacks digitalSignature");
        if ((fl & EXFLAG_BCONS) && ((fl & EXFLAG_CA) || X509_get_pathlen(x) >= 0))
            return daas_fail(err, DAAS_EDENIED, "leaf basicConstraints say it is a CA");
        return DAAS_OK;
    }
    if (!(ku & KU_KEY_CERT_SIGN))
        return daas_fail(err, DAAS_EDENIED, "%s keyUsage lacks keyCertSign", lb);
    if (!(fl & EXFLAG_BCONS) || !(fl & EXFLAG_CA) || !bcons_critical(x))
        return daas_fail(err, DAAS_EDENIED, "%s lacks a critical basicConstraints cA=TRUE", lb);
    long pl = X509_get_pathlen(x);
    if (pl >= 0 && (long)(i - 1) > pl)
        return daas_fail(err, DAAS_EDENIED, "%s pathLen %ld exceeded (%zu CAs below it)", lb, pl,
                         i - 1);
    return DAAS_OK;
}

/* Issuer name and signature under the next certificate. known_good skips the signature of
 * the byte-identical AWS root copy, whose self-signature aws_root.c verified once. */
static int cert_link(X509 *x, X509 *next, const char *lb, const char *nlb, bool known_good,
                     daas_err *err)
{
    if (X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(next)) != 0)
        return daas_fail(err, DAAS_EDENIED, "certificate chain issuer mismatch: the issuer of "
                         "%s is not the subject of %s", lb, nlb);
    if (known_good)
        return DAAS_OK;
    EVP_PKEY *k = X509_get0_pubkey(next);
    int ok = k != NULL && X509_verify(x, k) == 1;
    ERR_clear_error();
    return ok ? DAAS_OK
              : daas_fail(err, DAAS_EDENIED, "certificate fails to verify: %s is not signed by %s",
                          lb, nlb);
}

/* ---- the chain ---- */

static int chain_check(const daas_attest_doc *d, const chain *ch, const anchor *a, time_t now,
                       daas_err *err)
{
    char lb[32], nlb[32];
    const char *root = a->aws ? "the AWS Nitro root" : "the debug root";
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < ch->n; i++) {
        bool last = i + 1 == ch->n;
        X509 *next = last ? a->x : ch->c[i + 1];
        label(d, i, lb, sizeof lb);
        if (last)
            snprintf(nlb, sizeof nlb, "%s", root);
        else
            label(d, i + 1, nlb, sizeof nlb);
        bool known = last && a->aws && bytes_eq(d->cabundle[0], a->der);
        rc = cert_time(ch->c[i], lb, now, err);
        if (rc == DAAS_OK)
            rc = cert_profile(ch->c[i], i, lb, err);
        if (rc == DAAS_OK)
            rc = cert_link(ch->c[i], next, lb, nlb, known, err);
    }
    if (rc == DAAS_OK && !bytes_eq(d->cabundle[0], a->der))
        rc = daas_fail(err, DAAS_EDENIED, "cabundle[0] is not %s", root);
    return rc;
}

static int check_policy(const daas_attest_policy *pol, daas_err *err)
{
    if (pol == NULL)
        return daas_fail(err, DAAS_EINVAL, "no verification policy");
    if (pol->now_ms < 0)
        return daas_fail(err, DAAS_EINVAL, "verification time %" PRId64 " is before 1970",
                         pol->now_ms);
    return DAAS_OK;
}

/* Debug rule, root, chain; with the leaf already parsed in ch. */
static int chain_with(const daas_attest_doc *doc, const daas_attest_policy *pol,
                      const chain *ch, daas_err *err)
{
    anchor a;
    int rc = pick_anchor(doc, pol, &a, err);
    if (rc != DAAS_OK)
        return rc;
    rc = chain_check(doc, ch, &a, (time_t)(pol->now_ms / 1000), err);
    anchor_fini(&a);
    return rc;
}

int daas_attest_check_chain(const daas_attest_doc *doc, const daas_attest_policy *pol,
                            daas_err *err)
{
    chain ch = {.n = 0};
    int rc = check_policy(pol, err);
    if (rc == DAAS_OK)
        rc = chain_load(doc, &ch, err);
    if (rc == DAAS_OK)
        rc = chain_with(doc, pol, &ch, err);
    chain_free(&ch);
    return rc;
}

/* ---- policy, verify ---- */

int daas_attest_check_pcrs(const daas_attest_doc *doc, const daas_attest_policy *pol,
                           daas_err *err)
{
    for (size_t i = 0; pol->pcrs != NULL && i < pol->npcrs; i++) {
        const daas_attest_pcr_want *w = &pol->pcrs[i];
        if (w->index >= DAAS_ATTEST_MAX_PCRS)
            return daas_fail(err, DAAS_EINVAL, "policy PCR index %u is not 0..31", w->index);
        const daas_attest_pcr *p = &doc->pcrs[w->index];
        if (!p->present)
            return daas_fail(err, DAAS_EDENIED, "PCR%u is not in the document", w->index);
        if (p->len != w->value.len || memcmp(p->value, w->value.ptr, p->len) != 0) {
            char have[20], want[20];
            hex_prefix(p->value, 8, have, sizeof have);
            hex_prefix(w->value.ptr, w->value.len < 8 ? w->value.len : 8, want, sizeof want);
            return daas_fail(err, DAAS_EDENIED, "PCR%u does not match the policy (document "
                             "%s..., policy %s..., %u vs %zu bytes)", w->index, have, want,
                             (unsigned)p->len, w->value.len);
        }
    }
    return DAAS_OK;
}

int daas_attest_verify(const uint8_t *bytes, size_t len, const daas_attest_policy *pol,
                       daas_attest_doc *out, daas_err *err)
{
    daas_attest_doc d = {0};
    chain ch = {.n = 0};
    int rc = check_policy(pol, err);
    if (rc == DAAS_OK)
        rc = daas_attest_parse(bytes, len, &d, err);
    if (rc == DAAS_OK)
        rc = chain_load(&d, &ch, err);
    if (rc == DAAS_OK)
        rc = sig_check(&d, ch.c[0], err);
    /* the debug rule before the chain: a dev-CA document refused for being a debug document
     * says so, rather than that its root is not AWS's */
    if (rc == DAAS_OK && d.is_debug && !pol->allow_debug)
        rc = daas_fail(err, DAAS_EDENIED, "debug enclave document (PCRs zero) not allowed");
    if (rc == DAAS_OK)
        rc = chain_with(&d, pol, &ch, err);
    if (rc == DAAS_OK)
        rc = daas_attest_check_pcrs(&d, pol, err);
    chain_free(&ch);
    if (rc == DAAS_OK && out != NULL)
        *out = d;
    else
        daas_attest_doc_fini(&d);
    return rc;
}

/* ---- accessors ---- */

int daas_attest_public_key(const daas_attest_doc *doc, daas_bytes *out, daas_err *err)
{
    if (!doc->has_public_key || doc->public_key.len == 0)
        return daas_fail(err, DAAS_ENOTFOUND, "attestation document has no public_key");
    *out = doc->public_key;
    return DAAS_OK;
}

int daas_attest_ed25519_key(const daas_attest_doc *doc, uint8_t out[32], daas_err *err)
{
    daas_bytes k = {0};
    int rc = daas_attest_public_key(doc, &k, err);
    if (rc != DAAS_OK)
        return rc;
    if (k.len != 32)
        return daas_fail(err, DAAS_EINVAL, "public_key is %zu bytes (want a raw 32-byte "
                         "Ed25519 key)", k.len);
    memcpy(out, k.ptr, 32);
    return DAAS_OK;
}

static bool all_zero(const daas_attest_pcr *p)
{
    for (size_t i = 0; i < p->len; i++)
        if (p->value[i] != 0)
            return false;
    return true;
}

size_t daas_attest_sui_pcrs(const daas_attest_doc *doc, uint8_t idx[DAAS_ATTEST_MAX_PCRS])
{
    /* SPEC: specs/nautilus.md §2.3 step 4 (all three parsing flags on, protocol >= 110) */
    size_t n = 0;
    for (unsigned i = 0; i < DAAS_ATTEST_MAX_PCRS; i++) {
        bool required = i <= 4 || i == 8;
        if (doc->pcrs[i].present && (required || !all_zero(&doc->pcrs[i])))
            idx[n++] = (uint8_t)i;
    }
    return n;
}

void daas_attest_cert_subject(daas_bytes der, char *buf, size_t n)
{
    X509 *x = parse_der(der);
    BIO *b = x ? BIO_new(BIO_s_mem()) : NULL;
    char *p = NULL;
    long len = 0;
    if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0)
        len = BIO_get_mem_data(b, &p);
    if (n > 0)
        snprintf(buf, n, "%.*s", len > 0 ? (int)len : 1, len > 0 ? p : "?");
    BIO_free(b);
    X509_free(x);
    ERR_clear_error();
}
