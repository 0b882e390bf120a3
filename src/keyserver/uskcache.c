/*
 * uskcache.c: the key server's caches: derived keys (usk = msk·H(full id) is the same for
 * every request naming an identity, so it is computed once, hash to G1 and a scalar
 * multiplication, and kept as an uncompressed point that ElGamal uses without decompressing
 * it) and verified certificates (a session sends many requests under one wallet signature).
 *
 * Owns:   a direct-mapped table of DAAS_KS_USK_CACHE derived keys keyed by SHA-256(full id),
 *         and one of DAAS_KS_CERT_CACHE SHA-256 digests of (signed text, signature, user)
 *         whose signature verified (only successes are kept: a digest proves the exact bytes).
 * Invariants:
 *   - a key enters the table only after the policy dry run allowed the request (the caller
 *     looks up after every check passed), so the cache never answers a request by itself;
 *   - entries are derived keys: as secret as the master key they come from; the table is
 *     wiped when the key server is freed and an evicted entry is overwritten in place.
 * Thread: any; one mutex, never held across the scalar multiplication.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "common/alloc.h"
#include "keyserver/ks_int.h"

void daas_ks__usk_init(daas_ks *ks)
{
    pthread_mutex_init(&ks->usk_mu, NULL);
    ks->usks = daas_xcalloc(DAAS_KS_USK_CACHE, sizeof *ks->usks);
    ks->certs = daas_xcalloc(DAAS_KS_CERT_CACHE, sizeof *ks->certs);
}

static uint8_t (*cert_slot(daas_ks *ks, daas_bytes msg, const char *sig, const uint8_t user[32],
                           uint8_t h[SHA256_DIGEST_LENGTH]))[32]
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;
    if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c, msg.ptr, msg.len) != 1 || EVP_DigestUpdate(c, "", 1) != 1 ||
        EVP_DigestUpdate(c, sig, strlen(sig)) != 1 || EVP_DigestUpdate(c, user, 32) != 1 ||
        EVP_DigestFinal_ex(c, h, &n) != 1) {
        EVP_MD_CTX_free(c);
        return NULL;
    }
    EVP_MD_CTX_free(c);
    return &ks->certs[((size_t)h[0] << 8 | h[1]) % DAAS_KS_CERT_CACHE];
}

bool daas_ks__cert_seen(daas_ks *ks, daas_bytes msg, const char *sig, const uint8_t user[32])
{
    uint8_t h[SHA256_DIGEST_LENGTH];
    uint8_t (*slot)[32] = cert_slot(ks, msg, sig, user, h);
    if (slot == NULL)
        return false;
    pthread_mutex_lock(&ks->usk_mu);
    bool hit = memcmp(*slot, h, sizeof h) == 0;
    pthread_mutex_unlock(&ks->usk_mu);
    return hit;
}

void daas_ks__cert_ok(daas_ks *ks, daas_bytes msg, const char *sig, const uint8_t user[32])
{
    uint8_t h[SHA256_DIGEST_LENGTH];
    uint8_t (*slot)[32] = cert_slot(ks, msg, sig, user, h);
    if (slot == NULL)
        return;
    pthread_mutex_lock(&ks->usk_mu);
    memcpy(*slot, h, sizeof h);
    pthread_mutex_unlock(&ks->usk_mu);
}

void daas_ks__usk_fini(daas_ks *ks)
{
    if (!ks->usks)
        return;
    daas_seal_wipe(ks->usks, DAAS_KS_USK_CACHE * sizeof *ks->usks);
    daas_free(ks->usks);
    daas_free(ks->certs);
    ks->usks = NULL;
    ks->certs = NULL;
    pthread_mutex_destroy(&ks->usk_mu);
}

int daas_ks__usk(daas_ks *ks, const uint8_t first[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                 uint8_t usk[DAAS_SEAL_G1_RAW_LEN], daas_err *err)
{
    uint8_t h[SHA256_DIGEST_LENGTH], full[DAAS_SEAL_ADDR_LEN + DAAS_SEAL_MAX_ID];
    if (id.len > DAAS_SEAL_MAX_ID) /* not worth keeping */
        return daas_seal_extract_raw(ks->cfg.msk, first, id, usk, err);
    memcpy(full, first, DAAS_SEAL_ADDR_LEN);
    if (id.len > 0)
        memcpy(full + DAAS_SEAL_ADDR_LEN, id.ptr, id.len);
    SHA256(full, DAAS_SEAL_ADDR_LEN + id.len, h);
    daas_ks__usk_entry *e = &ks->usks[((size_t)h[0] << 8 | h[1]) % DAAS_KS_USK_CACHE];
    pthread_mutex_lock(&ks->usk_mu);
    bool hit = e->used && memcmp(e->hash, h, sizeof h) == 0;
    if (hit)
        memcpy(usk, e->usk, DAAS_SEAL_G1_RAW_LEN);
    pthread_mutex_unlock(&ks->usk_mu);
    if (hit)
        return DAAS_OK;
    int rc = daas_seal_extract_raw(ks->cfg.msk, first, id, usk, err);
    if (rc != DAAS_OK)
        return rc;
    pthread_mutex_lock(&ks->usk_mu);
    e->used = true;
    memcpy(e->hash, h, sizeof h);
    memcpy(e->usk, usk, DAAS_SEAL_G1_RAW_LEN);
    pthread_mutex_unlock(&ks->usk_mu);
    return DAAS_OK;
}
