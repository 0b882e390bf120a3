/*
 * uskcache.c: the key server's cache of derived keys: usk = msk·H(full id) is the same for
 * every request naming an identity, so it is computed once (hash to G1 and a scalar
 * multiplication) and kept as an uncompressed point (daas_seal_extract_raw), which ElGamal
 * then uses without decompressing it.
 *
 * Owns:   a direct-mapped table of DAAS_KS_USK_CACHE entries keyed by SHA-256(full id).
 * Invariants:
 *   - a key enters the table only after the policy dry run allowed the request (the caller
 *     looks up after every check passed), so the cache never answers a request by itself;
 *   - entries are derived keys: as secret as the master key they come from; the table is
 *     wiped when the key server is freed and an evicted entry is overwritten in place.
 * Thread: any; one mutex, never held across the scalar multiplication.
 */
#include <string.h>

#include <openssl/sha.h>

#include "common/alloc.h"
#include "keyserver/ks_int.h"

void daas_ks__usk_init(daas_ks *ks)
{
    pthread_mutex_init(&ks->usk_mu, NULL);
    ks->usks = daas_xcalloc(DAAS_KS_USK_CACHE, sizeof *ks->usks);
}

void daas_ks__usk_fini(daas_ks *ks)
{
    if (!ks->usks)
        return;
    daas_seal_wipe(ks->usks, DAAS_KS_USK_CACHE * sizeof *ks->usks);
    daas_free(ks->usks);
    ks->usks = NULL;
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
