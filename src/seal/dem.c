/*
 * dem.c: the symmetric primitives of Seal on OpenSSL 3: SHA3-256, HMAC-SHA3-256,
 * HKDF-SHA3-256, AES-256-GCM with Seal's fixed 16-byte IV, and the HMAC-SHA3-256-CTR DEM.
 *
 * Owns:   nothing stateful (OpenSSL contexts live for one call).
 * Invariants: key-derived scratch (HMAC pads, keystream blocks) is wiped before return; a
 *             failed authentication wipes the would-be plaintext.
 * Spec:   ../shared/specs/seal.md §1.2, §3.7, §5.2.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "seal/seal_int.h"

#define SHA3_RATE 136 /* SHA3-256 block size, the HMAC block size */

static const uint8_t AES_IV[16] = {138, 55,  153, 253, 198, 46, 121, 219,
                                   160, 128, 89,  7,   214, 156, 148, 220};

int daas_seal__sha3(const daas_bytes *parts, size_t nparts, uint8_t out[32], daas_err *err)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha3_256(), NULL) == 1;
    for (size_t i = 0; ok && i < nparts; i++)
        ok = EVP_DigestUpdate(c, parts[i].ptr, parts[i].len) == 1;
    ok = ok && EVP_DigestFinal_ex(c, out, NULL) == 1;
    EVP_MD_CTX_free(c);
    return ok ? DAAS_OK : daas_from_ssl(err, "SHA3-256");
}

/* HMAC as two SHA3 contexts that have absorbed key^ipad / key^opad, so many messages under
 * one key (the CTR keystream) cost two context copies each instead of a key schedule. */
typedef struct hmac {
    EVP_MD_CTX *in, *out, *work;
} hmac;

static void hmac_fini(hmac *h)
{
    EVP_MD_CTX_free(h->in);
    EVP_MD_CTX_free(h->out);
    EVP_MD_CTX_free(h->work);
    memset(h, 0, sizeof *h);
}

static int hmac_init(hmac *h, const uint8_t *key, size_t key_len, daas_err *err)
{
    uint8_t k[SHA3_RATE] = {0}, pad[SHA3_RATE];
    int ok = 1;
    if (key_len > SHA3_RATE) {
        daas_bytes kp = DAAS_BYTES(key, key_len);
        if (daas_seal__sha3(&kp, 1, k, err) != DAAS_OK)
            return DAAS_ECRYPTO;
    } else {
        memcpy(k, key, key_len);
    }
    h->in = EVP_MD_CTX_new();
    h->out = EVP_MD_CTX_new();
    h->work = EVP_MD_CTX_new();
    ok = h->in && h->out && h->work;
    for (size_t i = 0; i < SHA3_RATE; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x36);
    ok = ok && EVP_DigestInit_ex(h->in, EVP_sha3_256(), NULL) == 1 &&
         EVP_DigestUpdate(h->in, pad, sizeof pad) == 1;
    for (size_t i = 0; i < SHA3_RATE; i++)
        pad[i] = (uint8_t)(k[i] ^ 0x5c);
    ok = ok && EVP_DigestInit_ex(h->out, EVP_sha3_256(), NULL) == 1 &&
         EVP_DigestUpdate(h->out, pad, sizeof pad) == 1;
    daas_seal_wipe(k, sizeof k);
    daas_seal_wipe(pad, sizeof pad);
    if (!ok) {
        hmac_fini(h);
        return daas_from_ssl(err, "HMAC-SHA3-256 init");
    }
    return DAAS_OK;
}

static int hmac_mac(hmac *h, const daas_bytes *parts, size_t nparts, uint8_t out[32],
                    daas_err *err)
{
    uint8_t inner[32];
    int ok = EVP_MD_CTX_copy_ex(h->work, h->in) == 1;
    for (size_t i = 0; ok && i < nparts; i++)
        ok = EVP_DigestUpdate(h->work, parts[i].ptr, parts[i].len) == 1;
    ok = ok && EVP_DigestFinal_ex(h->work, inner, NULL) == 1 &&
         EVP_MD_CTX_copy_ex(h->work, h->out) == 1 &&
         EVP_DigestUpdate(h->work, inner, sizeof inner) == 1 &&
         EVP_DigestFinal_ex(h->work, out, NULL) == 1;
    daas_seal_wipe(inner, sizeof inner);
    return ok ? DAAS_OK : daas_from_ssl(err, "HMAC-SHA3-256");
}

int daas_seal__hmac_sha3(const uint8_t *key, size_t key_len, const daas_bytes *parts,
                         size_t nparts, uint8_t out[32], daas_err *err)
{
    hmac h;
    int rc = hmac_init(&h, key, key_len, err);
    if (rc != DAAS_OK)
        return rc;
    rc = hmac_mac(&h, parts, nparts, out, err);
    hmac_fini(&h);
    return rc;
}

int daas_seal__hkdf_sha3(const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
                         size_t info_len, uint8_t *out, size_t out_len, daas_err *err)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[4];
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA3-256", 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    p[3] = OSSL_PARAM_construct_end();
    /* No salt parameter: HKDF then uses HashLen zero bytes, which RFC 5869 defines as the
     * same key as an empty salt (HMAC zero-pads its key). */
    int ok = c != NULL && EVP_KDF_derive(c, out, out_len, p) == 1;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
    return ok ? DAAS_OK : daas_from_ssl(err, "HKDF-SHA3-256");
}

static EVP_CIPHER_CTX *aes_start(const uint8_t key[32], bool enc, daas_bytes aad)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int outl = 0;
    if (c != NULL && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)sizeof AES_IV, NULL) == 1 &&
        EVP_CipherInit_ex(c, NULL, NULL, key, AES_IV, enc) == 1 &&
        (aad.len == 0 || (aad.len <= INT32_MAX &&
                          EVP_CipherUpdate(c, NULL, &outl, aad.ptr, (int)aad.len) == 1)))
        return c;
    EVP_CIPHER_CTX_free(c);
    return NULL;
}

/* Runs the cipher over in[0..n) into out in INT_MAX-sized steps. */
static bool aes_run(EVP_CIPHER_CTX *c, const uint8_t *in, size_t n, uint8_t *out)
{
    while (n > 0) {
        int step = n > (1u << 30) ? (1 << 30) : (int)n, outl = 0;
        if (EVP_CipherUpdate(c, out, &outl, in, step) != 1 || outl != step)
            return false;
        in += step;
        out += step;
        n -= (size_t)step;
    }
    return true;
}

int daas_seal__aes_encrypt(const uint8_t key[32], const uint8_t *in, size_t n, daas_bytes aad,
                           uint8_t *out, daas_err *err)
{
    EVP_CIPHER_CTX *c = aes_start(key, true, aad);
    int outl = 0;
    bool ok = c != NULL && aes_run(c, in, n, out) && EVP_CipherFinal_ex(c, out + n, &outl) == 1 &&
              outl == 0 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, DAAS_SEAL__TAG_LEN, out + n) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? DAAS_OK : daas_from_ssl(err, "AES-256-GCM encrypt");
}

int daas_seal__aes_decrypt(const uint8_t key[32], const uint8_t *blob, size_t blob_len,
                           daas_bytes aad, uint8_t *out, daas_err *err)
{
    uint8_t tag[DAAS_SEAL__TAG_LEN];
    if (blob_len < DAAS_SEAL__TAG_LEN)
        return daas_fail(err, DAAS_EUNAUTH, "AES-GCM authentication failed: blob of %zu bytes",
                         blob_len);
    size_t n = blob_len - DAAS_SEAL__TAG_LEN;
    memcpy(tag, blob + n, sizeof tag); /* out may overwrite blob in place */
    EVP_CIPHER_CTX *c = aes_start(key, false, aad);
    if (c == NULL)
        return daas_from_ssl(err, "AES-256-GCM decrypt");
    int outl = 0;
    bool ok = aes_run(c, blob, n, out) &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, (int)sizeof tag, tag) == 1;
    if (!ok) {
        EVP_CIPHER_CTX_free(c);
        daas_seal_wipe(out, n);
        return daas_from_ssl(err, "AES-256-GCM decrypt");
    }
    ok = EVP_CipherFinal_ex(c, out + n, &outl) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) {
        ERR_clear_error();
        daas_seal_wipe(out, n);
        return daas_fail(err, DAAS_EUNAUTH, "AES-GCM authentication failed");
    }
    return DAAS_OK;
}

int daas_seal__hmac_ctr_xor(const uint8_t key[32], const uint8_t *in, size_t n, uint8_t *out,
                            daas_err *err)
{
    static const char TAG[] = "HMAC-CTR-ENC";
    hmac h;
    uint8_t ks[32], ctr[8];
    int rc = hmac_init(&h, key, 32, err);
    if (rc != DAAS_OK)
        return rc;
    for (uint64_t blk = 0; rc == DAAS_OK && (size_t)blk * 32 < n; blk++) {
        for (int i = 0; i < 8; i++)
            ctr[i] = (uint8_t)(blk >> (8 * i));
        daas_bytes parts[2] = {DAAS_BYTES(TAG, sizeof TAG - 1), DAAS_BYTES(ctr, 8)};
        rc = hmac_mac(&h, parts, 2, ks, err);
        size_t off = (size_t)blk * 32, m = n - off < 32 ? n - off : 32;
        for (size_t i = 0; rc == DAAS_OK && i < m; i++)
            out[off + i] = (uint8_t)(in[off + i] ^ ks[i]);
    }
    daas_seal_wipe(ks, sizeof ks);
    hmac_fini(&h);
    return rc;
}

int daas_seal__hmac_ctr_mac(const uint8_t key[32], daas_bytes aad, const uint8_t *c, size_t n,
                            uint8_t mac[32], daas_err *err)
{
    static const char TAG[] = "HMAC-CTR-MAC";
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)((uint64_t)aad.len >> (8 * i));
    daas_bytes parts[4] = {DAAS_BYTES(TAG, sizeof TAG - 1), DAAS_BYTES(len, 8), aad,
                           DAAS_BYTES(c, n)};
    return daas_seal__hmac_sha3(key, 32, parts, 4, mac, err);
}
