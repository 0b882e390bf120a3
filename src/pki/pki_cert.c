/*
 * pki_cert.c: builds and checks the cluster's X.509 certificates (OpenSSL 3, no deprecated
 * calls).
 *
 * Owns:   key generation, the CA and leaf certificate templates, the checks that decide
 *         whether a certificate on disk is still good (issuer, expiry, SAN coverage).
 * Not:    files (pki_io.c), the policy of when to re-issue (pki.c), the kubeconfig.
 * Invariants:
 *   - keys are ECDSA P-256; signatures ECDSA with SHA-256;
 *   - serial numbers are 16 random bytes, positive;
 *   - notBefore is backdated 5 minutes so a peer with a slightly late clock accepts a
 *     certificate issued just now.
 * Spec:   RFC 5280 §4.2 (extensions); k3s pkg/util/cert (CN "k3s-server-ca@<time>").
 */
#include "pki/pki_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/util.h"

#define BACKDATE_SEC (5 * 60)

int daas_pki__new_key(EVP_PKEY **out, daas_err *err)
{
    *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (*out == NULL)
        return daas_from_ssl(err, "EC P-256 key generation");
    return DAAS_OK;
}

/* 16 random bytes, top bit clear (positive) and second bit set (always 16 bytes long). */
static int set_serial(X509 *x)
{
    uint8_t b[16];
    daas_random(b, sizeof b);
    b[0] = (uint8_t)((b[0] & 0x7f) | 0x40);
    BIGNUM *bn = BN_bin2bn(b, (int)sizeof b, NULL);
    if (bn == NULL)
        return -1;
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
    BN_free(bn);
    if (ai == NULL)
        return -1;
    int ok = X509_set_serialNumber(x, ai);
    ASN1_INTEGER_free(ai);
    return ok == 1 ? 0 : -1;
}

static int name_add(X509_NAME *n, const char *field, const char *value)
{
    return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value,
                                      -1, -1, 0) == 1
               ? 0
               : -1;
}

/* Version 3, serial, validity, subject public key. */
static int set_basics(X509 *x, EVP_PKEY *key, long days)
{
    if (X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) != 0)
        return -1;
    if (X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE_SEC) == NULL)
        return -1;
    if (X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) == NULL)
        return -1;
    return X509_set_pubkey(x, key) == 1 ? 0 : -1;
}

/* Adds one extension given in openssl.cnf syntax ("critical,CA:TRUE"). */
static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

static int ca_extensions(X509 *x)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") != 0 ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash") != 0)
        return -1;
    return 0;
}

int daas_pki__new_ca(EVP_PKEY *key, long days, X509 **out, daas_err *err)
{
    char cn[64];
    X509 *x = X509_new();
    int rc = DAAS_OK;

    *out = NULL;
    if (x == NULL)
        return daas_from_ssl(err, "X509_new");
    /* k3s names its CA "k3s-server-ca@<unix time>": a re-created CA gets a new name, so a
     * client holding the old CA fails with a clear "unknown authority" error. */
    snprintf(cn, sizeof cn, "daas-ca@%lld", (long long)time(NULL));
    X509_NAME *n = X509_get_subject_name(x);
    if (set_basics(x, key, days) != 0 || name_add(n, "CN", cn) != 0 ||
        X509_set_issuer_name(x, n) != 1 || ca_extensions(x) != 0 ||
        X509_sign(x, key, EVP_sha256()) <= 0) {
        rc = daas_from_ssl(err, "building the CA certificate");
        X509_free(x);
        return rc;
    }
    *out = x;
    return DAAS_OK;
}

static GENERAL_NAME *san_to_general_name(const daas_pki__san *s)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new(); /* IA5STRING is the same type */
    if (g == NULL || v == NULL)
        goto fail;
    if (s->iplen > 0) {
        if (ASN1_OCTET_STRING_set(v, s->ip, s->iplen) != 1)
            goto fail;
        GENERAL_NAME_set0_value(g, GEN_IPADD, v);
    } else {
        ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
        ASN1_OCTET_STRING_free(v);
        v = NULL;
        if (ia5 == NULL || ASN1_STRING_set(ia5, s->dns, (int)strlen(s->dns)) != 1) {
            ASN1_IA5STRING_free(ia5);
            goto fail;
        }
        GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
    }
    return g;
fail:
    ASN1_OCTET_STRING_free(v);
    GENERAL_NAME_free(g);
    return NULL;
}

static int add_sans(X509 *x, const daas_pki__san *sans, size_t n)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int rc = -1;

    if (gens == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        GENERAL_NAME *g = san_to_general_name(&sans[i]);
        if (g == NULL || sk_GENERAL_NAME_push(gens, g) <= 0) {
            GENERAL_NAME_free(g);
            goto out;
        }
    }
    rc = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1 ? 0 : -1;
out:
    GENERAL_NAMES_free(gens);
    return rc;
}

/* ca NULL: self-signed (no authority key identifier: the certificate is its own issuer). */
static int leaf_extensions(X509 *x, X509 *ca, const daas_pki__leaf *lf)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca != NULL ? ca : x, x, NULL, NULL, 0);
    const char *ku = lf->server ? "critical,digitalSignature,keyEncipherment"
                                : "critical,digitalSignature";
    if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(x, &ctx, NID_key_usage, ku) != 0 ||
        add_ext(x, &ctx, NID_ext_key_usage, lf->server ? "serverAuth" : "clientAuth") != 0 ||
        (ca != NULL && add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") != 0))
        return -1;
    if (lf->nsans > 0 && add_sans(x, lf->sans, lf->nsans) != 0)
        return -1;
    return 0;
}

static int leaf_subject(X509 *x, const daas_pki__leaf *lf)
{
    X509_NAME *n = X509_get_subject_name(x);
    for (size_t i = 0; i < lf->norgs; i++)
        if (name_add(n, "O", lf->orgs[i]) != 0)
            return -1;
    return name_add(n, "CN", lf->cn);
}

int daas_pki__new_leaf(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const daas_pki__leaf *lf,
                       X509 **out, daas_err *err)
{
    X509 *x = X509_new();
    int rc;

    *out = NULL;
    if (x == NULL)
        return daas_from_ssl(err, "X509_new");
    if (set_basics(x, key, lf->days) != 0 || leaf_subject(x, lf) != 0 ||
        X509_set_issuer_name(x, X509_get_subject_name(ca != NULL ? ca : x)) != 1 ||
        leaf_extensions(x, ca, lf) != 0 ||
        X509_sign(x, ca != NULL ? ca_key : key, EVP_sha256()) <= 0) {
        rc = daas_from_ssl(err, lf->server ? "building the server certificate"
                                          : "building a client certificate");
        X509_free(x);
        return rc;
    }
    *out = x;
    return DAAS_OK;
}

bool daas_pki__signed_by(X509 *crt, X509 *ca)
{
    if (X509_NAME_cmp(X509_get_issuer_name(crt), X509_get_subject_name(ca)) != 0)
        return false;
    EVP_PKEY *pub = X509_get0_pubkey(ca);
    bool ok = pub != NULL && X509_verify(crt, pub) == 1;
    ERR_clear_error();
    return ok;
}

bool daas_pki__valid_for(X509 *crt, long days)
{
    time_t now = time(NULL);
    time_t later = now + (time_t)days * 86400;
    if (X509_cmp_time(X509_get0_notBefore(crt), &now) > 0)
        return false;
    /* X509_cmp_time: -1 when the certificate time is before the given time (or on error 0). */
    return X509_cmp_time(X509_get0_notAfter(crt), &later) > 0;
}

static bool general_name_matches(const GENERAL_NAME *g, const daas_pki__san *s)
{
    int type;
    const ASN1_STRING *v = GENERAL_NAME_get0_value(g, &type);
    if (v == NULL)
        return false;
    if (s->iplen > 0)
        return type == GEN_IPADD && ASN1_STRING_length(v) == s->iplen &&
               memcmp(ASN1_STRING_get0_data(v), s->ip, (size_t)s->iplen) == 0;
    size_t n = strlen(s->dns);
    return type == GEN_DNS && (size_t)ASN1_STRING_length(v) == n &&
           strncasecmp((const char *)ASN1_STRING_get0_data(v), s->dns, n) == 0;
}

bool daas_pki__covers_sans(X509 *crt, const daas_pki__san *sans, size_t n)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(crt, NID_subject_alt_name, NULL, NULL);
    bool all = true;

    for (size_t i = 0; i < n && all; i++) {
        bool found = false;
        for (int j = 0; gens != NULL && j < sk_GENERAL_NAME_num(gens) && !found; j++)
            found = general_name_matches(sk_GENERAL_NAME_value(gens, j), &sans[i]);
        all = found;
    }
    GENERAL_NAMES_free(gens);
    return all;
}

/* RFC 1123 host name, optionally with a leading "*." wildcard label; also '_' (seen in
 * internal names). */
static bool dns_name_ok(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253)
        return false;
    if (strncmp(s, "*.", 2) == 0)
        s += 2;
    for (const char *p = s; *p != '\0'; p++) {
        char c = *p;
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || ++label > 63)
            return false;
    }
    return label > 0;
}

int daas_pki__san_parse(const char *s, daas_pki__san *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, out->ip) == 1) {
        out->iplen = 4;
        return DAAS_OK;
    }
    if (inet_pton(AF_INET6, s, out->ip) == 1) {
        out->iplen = 16;
        return DAAS_OK;
    }
    if (!dns_name_ok(s))
        return daas_fail(err, DAAS_EINVAL, "TLS SAN \"%.80s\" is neither an IP address nor a "
                                           "DNS name", s);
    snprintf(out->dns, sizeof out->dns, "%s", s);
    return DAAS_OK;
}
