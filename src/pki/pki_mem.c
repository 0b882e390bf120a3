/*
 * pki_mem.c: in-memory client identities: a key and a certificate issued by the cluster CA
 * that exist only inside an SSL_CTX (the API server's identity towards the agents), and the
 * pinned-fingerprint check of a peer's leaf certificate.
 *
 *         Also fresh self-signed server identities held only in memory (the agent's endpoint).
 * Owns:   nothing after the call: the SSL_CTX holds the only copies of the key and the
 *         certificate.
 * Not:    files (pki.c, pki_io.c); building certificates (pki_cert.c).
 * Invariants:
 *   - the private key is never written anywhere nor logged;
 *   - fingerprints are compared in constant time (CRYPTO_memcmp).
 * Spec:   src/agent/serve.h (the agent's endpoint: CN daas-apiserver, pinned certificate).
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pki/pki_int.h"

/* Contract in pki.h. */
int daas_pki_self_signed(const char *cn, const char *const *sans, size_t nsans,
                         EVP_PKEY **key_out, X509 **cert_out, daas_err *err)
{
    daas_pki__san v[16];
    *key_out = NULL;
    *cert_out = NULL;
    if (cn == NULL || cn[0] == '\0' || nsans == 0 || nsans > 16)
        return daas_fail(err, DAAS_EINVAL, "self-signed certificate: a name and 1 to 16 SANs");
    for (size_t i = 0; i < nsans; i++) {
        int rc = daas_pki__san_parse(sans[i], &v[i], err);
        if (rc != DAAS_OK)
            return rc;
    }
    daas_pki__leaf lf = {.cn = cn, .sans = v, .nsans = nsans, .server = true,
                         .days = DAAS_PKI_LEAF_DAYS};
    EVP_PKEY *key = NULL;
    int rc = daas_pki__new_key(&key, err);
    if (rc == DAAS_OK)
        rc = daas_pki__new_leaf(NULL, NULL, key, &lf, cert_out, err);
    if (rc != DAAS_OK) {
        EVP_PKEY_free(key);
        return rc;
    }
    *key_out = key;
    return DAAS_OK;
}

/* Contract in pki.h. */
int daas_pki_client_ctx(daas_pki *p, const char *cn, SSL_CTX **out, daas_err *err)
{
    daas_pki__leaf lf = {.cn = cn, .days = DAAS_PKI_LEAF_DAYS};
    EVP_PKEY *key = NULL;
    X509 *crt = NULL;
    SSL_CTX *ctx = NULL;
    int rc;

    *out = NULL;
    if (cn == NULL || cn[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "client certificate needs a common name");
    if (p->ca_key == NULL)
        return daas_fail(err, DAAS_EINVAL, "the cluster CA key is not available");
    rc = daas_pki__new_key(&key, err);
    if (rc == DAAS_OK)
        rc = daas_pki__new_leaf(p->ca, p->ca_key, key, &lf, &crt, err);
    if (rc != DAAS_OK)
        goto out;
    ctx = SSL_CTX_new(TLS_client_method());
    /* No chain verification: the peer is pinned by its certificate's hash after the
     * handshake (daas_pki_peer_sha256_is), the Node annotation being the trust anchor. */
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate(ctx, crt) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        rc = daas_from_ssl(err, "building the agent client TLS context");
        goto out;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    *out = ctx;
    ctx = NULL;
out:
    SSL_CTX_free(ctx);
    X509_free(crt);
    EVP_PKEY_free(key);
    return rc;
}

/* Contract in pki.h. */
bool daas_pki_peer_sha256_is(SSL *ssl, const uint8_t want[32])
{
    X509 *cert = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (cert == NULL || X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
        return false;
    return CRYPTO_memcmp(md, want, 32) == 0;
}

/* Contract in pki.h. */
int daas_pki_client_pem(daas_pki *p, const char *cn, const char *const *orgs, size_t norgs,
                        char **cert_pem, char **key_pem, daas_err *err)
{
    daas_pki__leaf lf = {.cn = cn, .orgs = orgs, .norgs = orgs ? norgs : 0,
                         .days = DAAS_PKI_LEAF_DAYS};
    EVP_PKEY *key = NULL;
    X509 *crt = NULL;
    size_t n = 0;
    *cert_pem = *key_pem = NULL;
    if (cn == NULL || cn[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "client certificate needs a common name");
    if (p->ca_key == NULL)
        return daas_fail(err, DAAS_EINVAL, "the cluster CA key is not available");
    int rc = daas_pki__new_key(&key, err);
    if (rc == DAAS_OK)
        rc = daas_pki__new_leaf(p->ca, p->ca_key, key, &lf, &crt, err);
    if (rc == DAAS_OK)
        rc = daas_pki__cert_pem(crt, cert_pem, &n, err);
    if (rc == DAAS_OK)
        rc = daas_pki__key_pem(key, key_pem, &n, err);
    if (rc != DAAS_OK) {
        daas_free(*cert_pem);
        *cert_pem = NULL;
    }
    X509_free(crt);
    EVP_PKEY_free(key);
    return rc;
}

void daas_pki_free_pem(char *pem)
{
    if (pem)
        daas_pki__free_secret(pem, strlen(pem));
}
