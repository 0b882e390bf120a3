/*
 * ecdsa_r1.c: secp256r1 (P-256) through OpenSSL 3: public key, sign (low-S), verify.
 *
 * Owns:   nothing stateful; every call builds and frees its own OpenSSL objects.
 * Invariants: signatures leave as compact r||s with s <= n/2; verify rejects s > n/2,
 *             r or s outside [1, n-1], and public keys that are not valid compressed points.
 *             Private scalars go through BN_clear_free / OPENSSL_cleanse.
 * Spec:   specs/sui.md §2.4 (ECDSA over SHA-256 of the intent digest, low-S), §9.
 *         OpenSSL 3.0 uses a random nonce, so signatures are valid but not RFC 6979 ones.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "sui/sui_int.h"

/* The curve order n (borrowed from group). */
static const BIGNUM *order_of(const EC_GROUP *g)
{
    return EC_GROUP_get0_order(g);
}

int daas_sui__r1_pubkey(const uint8_t secret[32], uint8_t pub[33])
{
    int rc = DAAS_ECRYPTO;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BN_CTX *bctx = BN_CTX_new();
    BIGNUM *d = BN_secure_new();
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    if (g == NULL || bctx == NULL || d == NULL || pt == NULL)
        goto out;
    if (BN_bin2bn(secret, 32, d) == NULL)
        goto out;
    if (BN_is_zero(d) || BN_cmp(d, order_of(g)) >= 0) {
        rc = DAAS_EINVAL;
        goto out;
    }
    if (!EC_POINT_mul(g, pt, d, NULL, NULL, bctx) ||
        EC_POINT_point2oct(g, pt, POINT_CONVERSION_COMPRESSED, pub, 33, bctx) != 33)
        goto out;
    rc = DAAS_OK;
out:
    EC_POINT_free(pt);
    BN_clear_free(d);
    BN_CTX_free(bctx);
    EC_GROUP_free(g);
    return rc;
}

/* An EVP_PKEY for P-256 from a compressed public key and (when secret != NULL) the scalar. */
static EVP_PKEY *make_pkey(const uint8_t pub[33], const uint8_t *secret)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    BIGNUM *d = secret ? BN_secure_new() : NULL;
    if (bld == NULL || ctx == NULL || (secret != NULL && d == NULL))
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 33))
        goto out;
    if (secret != NULL && (BN_bin2bn(secret, 32, d) == NULL ||
                           !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, secret ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params) <= 0)
        pkey = NULL;
out:
    if (params != NULL)
        OSSL_PARAM_free(params); /* secure-heap backed when d is a secure BN */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* s := n - s when s > n/2. */
static int normalise_s(BIGNUM *s, const BIGNUM *n)
{
    BIGNUM *half = BN_new();
    int ok = half != NULL && BN_rshift1(half, n);
    if (ok && BN_cmp(s, half) > 0)
        ok = BN_sub(s, n, s);
    BN_free(half);
    return ok;
}

/* DER signature -> compact low-S r||s. */
static int der_to_compact(const uint8_t *der, size_t derlen, uint8_t sig[64])
{
    int rc = DAAS_ECRYPTO;
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *s = NULL;
    if (es == NULL || g == NULL)
        goto out;
    s = BN_dup(ECDSA_SIG_get0_s(es));
    if (s == NULL || !normalise_s(s, order_of(g)))
        goto out;
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
        goto out;
    rc = DAAS_OK;
out:
    BN_free(s);
    EC_GROUP_free(g);
    ECDSA_SIG_free(es);
    return rc;
}

int daas_sui__r1_sign(const daas_sui_key *k, const uint8_t h[32], uint8_t sig[64])
{
    int rc = DAAS_ECRYPTO;
    uint8_t der[80];
    size_t derlen = sizeof(der);
    EVP_PKEY *pkey = make_pkey(k->pub.bytes, k->secret);
    EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
    if (ctx == NULL || EVP_PKEY_sign_init(ctx) <= 0 ||
        EVP_PKEY_sign(ctx, der, &derlen, h, 32) <= 0)
        goto out;
    rc = der_to_compact(der, derlen, sig);
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

/* Builds an ECDSA_SIG from compact r||s; NULL unless 1 <= r,s < n and s <= n/2. */
static ECDSA_SIG *compact_to_sig(const uint8_t sig[64])
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *r = BN_bin2bn(sig, 32, NULL);
    BIGNUM *s = BN_bin2bn(sig + 32, 32, NULL);
    BIGNUM *half = BN_new();
    ECDSA_SIG *es = NULL;
    if (g == NULL || r == NULL || s == NULL || half == NULL || !BN_rshift1(half, order_of(g)))
        goto out;
    if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, order_of(g)) >= 0 || BN_cmp(s, half) > 0)
        goto out;
    es = ECDSA_SIG_new();
    if (es != NULL && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
    } else {
        ECDSA_SIG_free(es);
        es = NULL;
    }
out:
    BN_free(half);
    BN_free(r);
    BN_free(s);
    EC_GROUP_free(g);
    return es;
}

int daas_sui__r1_verify(const uint8_t pub[33], const uint8_t h[32], const uint8_t sig[64])
{
    int rc = DAAS_EUNAUTH;
    unsigned char *der = NULL;
    int derlen = 0;
    ECDSA_SIG *es = compact_to_sig(sig);
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (es == NULL || (pub[0] != 0x02 && pub[0] != 0x03))
        goto out;
    pkey = make_pkey(pub, NULL);
    ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
    derlen = i2d_ECDSA_SIG(es, &der);
    if (ctx == NULL || derlen <= 0 || EVP_PKEY_verify_init(ctx) <= 0)
        goto out;
    if (EVP_PKEY_verify(ctx, der, (size_t)derlen, h, 32) == 1)
        rc = DAAS_OK;
out:
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    ECDSA_SIG_free(es);
    return rc;
}
