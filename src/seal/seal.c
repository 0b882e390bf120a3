/*
 * seal.c: Seal encryption (spec §3): the KDFs H2 and H3, the batched Boneh-Franklin KEM with
 * one nonce, Shamir sharing of the base key, the encrypted randomness, and the DEMs.
 * Decryption lives in decrypt.c.
 *
 * Owns:   nothing stateful.
 * Invariants:
 *   - the identity is hashed once per object and each distinct public key is paired once
 *     (a weighted server's entries share one pairing; their KDF inputs differ by index);
 *   - the base key, the shares, r, the KEM keys and the DEM key are wiped before return;
 *   - encryption writes version 0, indices 1..n in service order, r big-endian.
 * Spec:   ../shared/specs/seal.md §3.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "seal/seal_int.h"

int daas_seal__kdf(const uint8_t gt[DAAS_SEAL__GT_LEN], const uint8_t nonce[DAAS_SEAL_G2_LEN],
                   const uint8_t gid[DAAS_SEAL_G1_LEN],
                   const uint8_t object_id[DAAS_SEAL_ADDR_LEN], uint8_t index, uint8_t out[32],
                   daas_err *err)
{
    daas_bytes parts[6] = {
        DAAS_BYTES(DAAS_SEAL__DST_KDF, sizeof DAAS_SEAL__DST_KDF - 1),
        DAAS_BYTES(gt, DAAS_SEAL__GT_LEN),
        DAAS_BYTES(nonce, DAAS_SEAL_G2_LEN),
        DAAS_BYTES(gid, DAAS_SEAL_G1_LEN),
        DAAS_BYTES(object_id, DAAS_SEAL_ADDR_LEN),
        DAAS_BYTES(&index, 1),
    };
    return daas_seal__sha3(parts, 6, out, err);
}

int daas_seal__derive_key(uint8_t purpose, const uint8_t base_key[32],
                          const uint8_t (*shares)[DAAS_SEAL_KEY_LEN],
                          const daas_seal_service *services, size_t n, uint8_t threshold,
                          uint8_t out[32], daas_err *err)
{
    /* The object ids are not contiguous in services[]: gather them (n <= 255). */
    uint8_t ids[DAAS_SEAL_MAX_SERVICES * DAAS_SEAL_ADDR_LEN];
    for (size_t i = 0; i < n; i++)
        memcpy(ids + i * DAAS_SEAL_ADDR_LEN, services[i].object_id, DAAS_SEAL_ADDR_LEN);
    daas_bytes parts[6] = {
        DAAS_BYTES(DAAS_SEAL__DST_DERIVE, sizeof DAAS_SEAL__DST_DERIVE - 1),
        DAAS_BYTES(base_key, 32),
        DAAS_BYTES(&purpose, 1),
        DAAS_BYTES(&threshold, 1),
        DAAS_BYTES(shares, n * DAAS_SEAL_KEY_LEN),
        DAAS_BYTES(ids, n * DAAS_SEAL_ADDR_LEN),
    };
    return daas_seal__sha3(parts, 6, out, err);
}

/* Everything one encryption computes; secrets are wiped by enc_fini. */
typedef struct enc {
    size_t n;
    blst_p2_affine *pks;               /* n decoded public keys */
    daas_seal_object obj;              /* borrows o->id; owns services, shares, blob */
    uint8_t gid[DAAS_SEAL_G1_LEN];
    blst_p1_affine gid_r;              /* r·gid (secret) */
    blst_scalar r;
    uint8_t base_key[32];
    uint8_t (*plain_shares)[DAAS_SEAL_KEY_LEN];
    uint8_t dem_key[32];
} enc;

static void enc_fini(enc *e)
{
    daas_free(e->pks);
    daas_free(e->obj.services);
    daas_free(e->obj.shares);
    daas_free(e->obj.blob);
    if (e->plain_shares != NULL)
        daas_seal_wipe(e->plain_shares, e->n * DAAS_SEAL_KEY_LEN);
    daas_free(e->plain_shares);
    daas_seal_wipe(e, sizeof *e);
}

static int check_opts(const daas_seal_encrypt_opts *o, daas_bytes plaintext, daas_err *err)
{
    if (o->package_id == NULL || o->servers == NULL || o->nservers == 0 ||
        o->nservers > DAAS_SEAL_MAX_SERVICES)
        return daas_fail(err, DAAS_EINVAL, "seal encrypt: %zu key servers (1..%d)", o->nservers,
                         DAAS_SEAL_MAX_SERVICES);
    if (o->threshold == 0 || o->threshold > o->nservers)
        return daas_fail(err, DAAS_EINVAL, "seal encrypt: threshold %u of %zu key servers",
                         (unsigned)o->threshold, o->nservers);
    if (o->id.len > DAAS_SEAL_MAX_ID || (o->id.len > 0 && o->id.ptr == NULL))
        return daas_fail(err, DAAS_EINVAL, "seal encrypt: id of %zu bytes (at most %d)",
                         o->id.len, DAAS_SEAL_MAX_ID);
    if (o->dem != DAAS_SEAL_DEM_AES && o->dem != DAAS_SEAL_DEM_HMAC &&
        o->dem != DAAS_SEAL_DEM_PLAIN)
        return daas_fail(err, DAAS_EINVAL, "seal encrypt: unknown DEM %d", (int)o->dem);
    if (o->dem == DAAS_SEAL_DEM_PLAIN && (plaintext.len > 0 || o->has_aad))
        return daas_fail(err, DAAS_EINVAL, "seal encrypt: Plain takes no plaintext and no aad");
    if (plaintext.len > UINT32_MAX - DAAS_SEAL__TAG_LEN || o->aad.len > UINT32_MAX ||
        (plaintext.len && !plaintext.ptr) || (o->has_aad && o->aad.len && !o->aad.ptr))
        return daas_fail(err, DAAS_EINVAL, "seal encrypt: plaintext of %zu or aad of %zu bytes",
                         plaintext.len, o->aad.len);
    return DAAS_OK;
}

static int decode_pks(enc *e, const daas_seal_encrypt_opts *o, daas_err *err)
{
    e->pks = daas_xcalloc(e->n, sizeof *e->pks);
    for (size_t i = 0; i < e->n; i++) {
        char what[48];
        if (i > 0 && memcmp(o->servers[i - 1].pk, o->servers[i].pk, DAAS_SEAL_G2_LEN) == 0) {
            e->pks[i] = e->pks[i - 1]; /* a weighted server: decoded already */
            continue;
        }
        snprintf(what, sizeof what, "key server %zu: public key", i);
        int rc = daas_seal__g2_decode(o->servers[i].pk, &e->pks[i], what, err);
        if (rc == DAAS_OK && blst_p2_affine_is_inf(&e->pks[i]))
            rc = daas_fail(err, DAAS_EINVAL, "%s: the identity", what);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* KEM (spec §3.3-3.5): nonce, shares of the base key, encrypted shares and randomness. */
static int kem(enc *e, const daas_seal_encrypt_opts *o, daas_err *err)
{
    blst_p1_affine gid;
    blst_p1 p;
    blst_p2 q;
    uint8_t gt[DAAS_SEAL__GT_LEN], k[32], rbe[32], rkey[32];
    int rc = DAAS_OK;
    daas_seal__hash_id(o->package_id, o->id, &gid);
    blst_p1_affine_compress(e->gid, &gid);
    daas_seal__scalar_random(&e->r);
    blst_sk_to_pk_in_g2(&q, &e->r);
    blst_p2_compress(e->obj.nonce, &q);
    daas_seal__p1_mult(&p, &gid, &e->r);
    blst_p1_to_affine(&e->gid_r, &p);
    daas_random(e->base_key, sizeof e->base_key);
    e->plain_shares = daas_xcalloc(e->n, DAAS_SEAL_KEY_LEN);
    daas_seal__shamir_split(e->base_key, 32, (uint8_t)e->n, o->threshold, e->plain_shares[0]);
    for (size_t i = 0; rc == DAAS_OK && i < e->n; i++) {
        /* A weighted server is listed w times in a row: its entries share one pairing (the
         * previous gt); a non-adjacent repeat is simply paired again. */
        if (i == 0 || memcmp(o->servers[i - 1].pk, o->servers[i].pk, DAAS_SEAL_G2_LEN) != 0)
            daas_seal__pairing_bytes(&e->gid_r, &e->pks[i], gt);
        rc = daas_seal__kdf(gt, e->obj.nonce, e->gid, o->servers[i].object_id,
                            e->obj.services[i].index, k, err);
        for (size_t b = 0; b < 32; b++)
            e->obj.shares[i][b] = (uint8_t)(e->plain_shares[i][b] ^ k[b]);
    }
    if (rc == DAAS_OK)
        rc = daas_seal__derive_key(0x00, e->base_key, (const uint8_t(*)[32])e->obj.shares,
                                   e->obj.services, e->n, o->threshold, rkey, err);
    blst_bendian_from_scalar(rbe, &e->r);
    for (size_t b = 0; b < 32; b++)
        e->obj.encrypted_randomness[b] = (uint8_t)(rkey[b] ^ rbe[b]);
    if (rc == DAAS_OK)
        rc = daas_seal__derive_key(0x01, e->base_key, (const uint8_t(*)[32])e->obj.shares,
                                   e->obj.services, e->n, o->threshold, e->dem_key, err);
    daas_seal_wipe(gt, sizeof gt);
    daas_seal_wipe(k, sizeof k);
    daas_seal_wipe(rbe, sizeof rbe);
    daas_seal_wipe(rkey, sizeof rkey);
    return rc;
}

/* DEM (spec §3.7) into e->obj.blob / mac. */
static int dem(enc *e, const daas_seal_encrypt_opts *o, daas_bytes pt, daas_err *err)
{
    daas_bytes aad = o->has_aad ? o->aad : DAAS_BYTES(NULL, 0);
    e->obj.has_aad = o->has_aad;
    e->obj.aad = (uint8_t *)aad.ptr;
    e->obj.aad_len = aad.len;
    if (o->dem == DAAS_SEAL_DEM_PLAIN)
        return DAAS_OK;
    if (o->dem == DAAS_SEAL_DEM_AES) {
        e->obj.blob_len = pt.len + DAAS_SEAL__TAG_LEN;
        e->obj.blob = daas_xmalloc(e->obj.blob_len);
        return daas_seal__aes_encrypt(e->dem_key, pt.ptr, pt.len, aad, e->obj.blob, err);
    }
    e->obj.blob_len = pt.len;
    e->obj.blob = daas_xmalloc(pt.len);
    int rc = daas_seal__hmac_ctr_xor(e->dem_key, pt.ptr, pt.len, e->obj.blob, err);
    if (rc == DAAS_OK)
        rc = daas_seal__hmac_ctr_mac(e->dem_key, aad, e->obj.blob, pt.len, e->obj.mac, err);
    return rc;
}

int daas_seal_encrypt(const daas_seal_encrypt_opts *o, daas_bytes plaintext, daas_buf *out,
                      uint8_t dem_key[DAAS_SEAL_KEY_LEN], daas_err *err)
{
    enc e;
    memset(&e, 0, sizeof e);
    int rc = check_opts(o, plaintext, err);
    if (rc != DAAS_OK)
        return rc;
    e.n = o->nservers;
    rc = decode_pks(&e, o, err);
    if (rc != DAAS_OK)
        goto out;
    e.obj.version = 0;
    memcpy(e.obj.package_id, o->package_id, DAAS_SEAL_ADDR_LEN);
    e.obj.id = (uint8_t *)o->id.ptr;
    e.obj.id_len = o->id.len;
    e.obj.nservices = e.n;
    e.obj.threshold = o->threshold;
    e.obj.dem = o->dem;
    e.obj.services = daas_xcalloc(e.n, sizeof *e.obj.services);
    e.obj.shares = daas_xcalloc(e.n, DAAS_SEAL_KEY_LEN);
    for (size_t i = 0; i < e.n; i++) {
        memcpy(e.obj.services[i].object_id, o->servers[i].object_id, DAAS_SEAL_ADDR_LEN);
        e.obj.services[i].index = (uint8_t)(i + 1);
    }
    rc = kem(&e, o, err);
    if (rc == DAAS_OK)
        rc = dem(&e, o, plaintext, err);
    if (rc == DAAS_OK) /* the nonce was just computed: no need to re-check the point */
        rc = daas_seal__object_encode(&e.obj, false, out, err);
    if (rc == DAAS_OK && dem_key != NULL)
        memcpy(dem_key, e.dem_key, DAAS_SEAL_KEY_LEN);
out:
    enc_fini(&e);
    return rc;
}
