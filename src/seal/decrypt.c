/*
 * decrypt.c: Seal threshold decryption (spec §4): shares from derived keys, Lagrange
 * reconstruction of the base key, the randomness and nonce checks, the share-consistency
 * check against the public keys, and the DEMs.
 *
 * Owns:   nothing stateful.
 * Invariants:
 *   - one hash of the identity, one pairing per distinct held key (the nonce's Miller-loop
 *     lines are computed once), one pairing per distinct public key of a share not held;
 *   - nothing is appended to out unless every check passed; secrets are wiped.
 * Spec:   ../shared/specs/seal.md §4, §8.3-8.7.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "seal/seal_int.h"

/* One decryption's state. Secrets are wiped by dec_fini. */
typedef struct dec {
    const daas_seal_object *o;
    size_t n, nsel;                    /* services; selected (key-holding) entries */
    int *key_of;                       /* per service: index into keys, or -1 */
    uint8_t *xs;                       /* nsel share indices, service order */
    uint8_t (*ys)[DAAS_SEAL_KEY_LEN];  /* nsel decrypted shares */
    uint8_t gid[DAAS_SEAL_G1_LEN];
    blst_p1_affine gid_aff;
    blst_p2_affine nonce;
    uint8_t base_key[32];
    blst_scalar r;
    uint8_t dem_key[32];
} dec;

static void dec_fini(dec *d)
{
    daas_free(d->key_of);
    daas_free(d->xs);
    if (d->ys != NULL)
        daas_seal_wipe(d->ys, d->nsel * DAAS_SEAL_KEY_LEN);
    daas_free(d->ys);
    daas_seal_wipe(d, sizeof *d);
}

/* Maps services to keys (rejecting two keys for one server) and counts the held entries. */
static int match_keys(dec *d, const daas_seal_derived *keys, size_t nkeys, daas_err *err)
{
    for (size_t k = 0; k < nkeys; k++)
        for (size_t m = 0; m < k; m++)
            if (memcmp(keys[k].object_id, keys[m].object_id, DAAS_SEAL_ADDR_LEN) == 0)
                return daas_fail(err, DAAS_EINVAL, "seal decrypt: keys %zu and %zu are for the "
                                 "same key server", m, k);
    d->key_of = daas_xcalloc(d->n, sizeof *d->key_of);
    for (size_t i = 0; i < d->n; i++) {
        d->key_of[i] = -1;
        for (size_t k = 0; k < nkeys && d->key_of[i] < 0; k++)
            if (memcmp(keys[k].object_id, d->o->services[i].object_id, DAAS_SEAL_ADDR_LEN) == 0)
                d->key_of[i] = (int)k;
        d->nsel += d->key_of[i] >= 0;
    }
    if (d->nsel < d->o->threshold)
        return daas_fail(err, DAAS_EINVAL, "not enough keys: shares for %zu of threshold %u",
                         d->nsel, (unsigned)d->o->threshold);
    return DAAS_OK;
}

/* share_i = enc_share_i XOR KDF(e(usk, nonce), ...) for every held entry. */
static int held_shares(dec *d, const daas_seal_derived *keys, daas_err *err)
{
    blst_fp6 *lines = daas_xmalloc(68 * sizeof *lines);
    uint8_t gt[DAAS_SEAL__GT_LEN], k[32];
    int last = -1, rc = DAAS_OK;
    blst_precompute_lines(lines, &d->nonce);
    d->xs = daas_xcalloc(d->nsel, 1);
    d->ys = daas_xcalloc(d->nsel, DAAS_SEAL_KEY_LEN);
    for (size_t i = 0, s = 0; rc == DAAS_OK && i < d->n; i++) {
        int ki = d->key_of[i];
        if (ki < 0)
            continue;
        if (ki != last) { /* a weighted server's entries are adjacent: one pairing */
            blst_p1_affine usk;
            /* Keys come verified (daas_seal_verify_usk checked the subgroup): decode only.
             * A bad point just yields a wrong share, which the nonce check refuses. */
            if (blst_p1_uncompress(&usk, keys[ki].usk) != BLST_SUCCESS) {
                rc = daas_fail(err, DAAS_EINVAL, "derived key %d: not a compressed G1 point", ki);
                break;
            }
            daas_seal__pairing_lines_bytes(lines, &usk, gt);
            daas_seal_wipe(&usk, sizeof usk);
            last = ki;
        }
        rc = daas_seal__kdf(gt, d->o->nonce, d->gid, d->o->services[i].object_id,
                            d->o->services[i].index, k, err);
        d->xs[s] = d->o->services[i].index;
        for (size_t b = 0; b < 32; b++)
            d->ys[s][b] = (uint8_t)(d->o->shares[i][b] ^ k[b]);
        s++;
    }
    daas_free(lines);
    daas_seal_wipe(gt, sizeof gt);
    daas_seal_wipe(k, sizeof k);
    return rc;
}

/* r from the encrypted randomness, then r·G2 == nonce (spec §4 steps 6-7). */
static int check_randomness(dec *d, daas_err *err)
{
    uint8_t rkey[32], rbe[32];
    const daas_seal_object *o = d->o;
    int rc = daas_seal__derive_key(0x00, d->base_key, (const uint8_t(*)[32])o->shares,
                                   o->services, d->n, o->threshold, rkey, err);
    for (size_t b = 0; b < 32; b++)
        rbe[b] = (uint8_t)(o->encrypted_randomness[b] ^ rkey[b]);
    if (rc == DAAS_OK && daas_seal__scalar_parse(rbe, &d->r, "randomness", NULL) != DAAS_OK)
        rc = daas_fail(err, DAAS_EUNAUTH, "invalid randomness");
    if (rc == DAAS_OK) {
        blst_p2 q, nq;
        blst_sk_to_pk_in_g2(&q, &d->r);
        blst_p2_from_affine(&nq, &d->nonce);
        if (!blst_p2_is_equal(&q, &nq))
            rc = daas_fail(err, DAAS_EUNAUTH, "invalid nonce");
    }
    daas_seal_wipe(rkey, sizeof rkey);
    daas_seal_wipe(rbe, sizeof rbe);
    return rc;
}

/* The public key of service i from pks (by object id), decoded. */
static int find_pk(const dec *d, size_t i, const daas_seal_server *pks, size_t npks,
                   blst_p2_affine *pk, daas_err *err)
{
    const uint8_t *id = d->o->services[i].object_id;
    for (size_t k = 0; k < npks; k++) {
        if (memcmp(pks[k].object_id, id, DAAS_SEAL_ADDR_LEN) != 0)
            continue;
        char what[48];
        snprintf(what, sizeof what, "public key %zu", k);
        int rc = daas_seal__g2_decode(pks[k].pk, pk, what, err);
        if (rc == DAAS_OK && blst_p2_affine_is_inf(pk))
            rc = daas_fail(err, DAAS_EINVAL, "%s: the identity", what);
        return rc;
    }
    return daas_fail(err, DAAS_EINVAL, "seal decrypt: no public key for service %zu", i);
}

/*
 * Every share entry must lie on the polynomial through the first t held shares (spec §4
 * step 8, with Move's degree bound): entries not held are recomputed with r and the public
 * keys (one pairing per distinct key), held ones beyond the first t compared directly. So
 * every t-subset of the shares yields this base key.
 */
static int check_consistency(dec *d, const daas_seal_server *pks, size_t npks, daas_err *err)
{
    const daas_seal_object *o = d->o;
    uint8_t t = o->threshold, gt[DAAS_SEAL__GT_LEN], k[32], want[32], got[32];
    blst_p1 p;
    blst_p1_affine gid_r;
    int rc = DAAS_OK;
    const uint8_t *last_pk = NULL;
    daas_seal__p1_mult(&p, &d->gid_aff, &d->r);
    blst_p1_to_affine(&gid_r, &p);
    for (size_t i = 0, s = 0; rc == DAAS_OK && i < d->n; i++) {
        if (d->key_of[i] >= 0 && s++ < t)
            continue; /* on the polynomial by construction */
        rc = daas_seal__shamir_eval(d->xs, d->ys[0], t, 32, o->services[i].index, want, err);
        if (rc == DAAS_OK && d->key_of[i] >= 0) {
            memcpy(got, d->ys[s - 1], 32);
        } else if (rc == DAAS_OK) {
            blst_p2_affine pk;
            rc = find_pk(d, i, pks, npks, &pk, err);
            if (rc == DAAS_OK && (last_pk == NULL ||
                                  memcmp(last_pk, o->services[i].object_id, 32) != 0))
                daas_seal__pairing_bytes(&gid_r, &pk, gt);
            last_pk = o->services[i].object_id;
            rc = rc ? rc : daas_seal__kdf(gt, o->nonce, d->gid, o->services[i].object_id,
                                          o->services[i].index, k, err);
            for (size_t b = 0; b < 32; b++)
                got[b] = (uint8_t)(o->shares[i][b] ^ k[b]);
        }
        if (rc == DAAS_OK && !daas_ct_equal(got, want, 32))
            rc = daas_fail(err, DAAS_EUNAUTH, "inconsistent shares");
    }
    daas_seal_wipe(&gid_r, sizeof gid_r);
    daas_seal_wipe(&p, sizeof p);
    daas_seal_wipe(gt, sizeof gt);
    daas_seal_wipe(k, sizeof k);
    daas_seal_wipe(want, sizeof want);
    daas_seal_wipe(got, sizeof got);
    return rc;
}

/* Opens the DEM into out (appended; truncated back on failure). */
static int open_dem(dec *d, daas_buf *out, daas_err *err)
{
    const daas_seal_object *o = d->o;
    daas_bytes aad = DAAS_BYTES(o->aad, o->has_aad ? o->aad_len : 0);
    size_t old = out->len;
    uint8_t mac[32];
    int rc;
    if (o->dem == DAAS_SEAL_DEM_PLAIN)
        return daas_buf_append(out, d->dem_key, 32) == DAAS_OK
                   ? DAAS_OK
                   : daas_fail(err, DAAS_ETOOBIG, "seal decrypt: output buffer full");
    if (o->dem == DAAS_SEAL_DEM_HMAC) {
        rc = daas_seal__hmac_ctr_mac(d->dem_key, aad, o->blob, o->blob_len, mac, err);
        if (rc == DAAS_OK && !daas_ct_equal(mac, o->mac, 32))
            rc = daas_fail(err, DAAS_EUNAUTH, "HMAC-CTR MAC mismatch");
        if (rc != DAAS_OK)
            return rc;
    } else if (o->blob_len < DAAS_SEAL__TAG_LEN) {
        return daas_fail(err, DAAS_EUNAUTH, "AES-GCM authentication failed: blob of %zu bytes",
                         o->blob_len);
    }
    size_t n = o->dem == DAAS_SEAL_DEM_AES ? o->blob_len - DAAS_SEAL__TAG_LEN : o->blob_len;
    /* Decrypt in place in out: append the ciphertext, then overwrite it. */
    if (daas_buf_append(out, o->blob, n) != DAAS_OK)
        return daas_fail(err, DAAS_ETOOBIG, "seal decrypt: output buffer full");
    uint8_t *dst = (uint8_t *)out->data + old;
    if (o->dem == DAAS_SEAL_DEM_AES)
        rc = daas_seal__aes_decrypt(d->dem_key, o->blob, o->blob_len, aad, dst, err);
    else
        rc = daas_seal__hmac_ctr_xor(d->dem_key, dst, n, dst, err);
    if (rc != DAAS_OK) {
        daas_seal_wipe(dst, n);
        out->len = old;
        out->data[old] = '\0';
    }
    return rc;
}

static int dec_setup(dec *d, const daas_seal_object *o, daas_err *err)
{
    memset(d, 0, sizeof *d);
    d->o = o;
    d->n = o->nservices;
    int rc = daas_seal__object_check(o, err);
    if (rc != DAAS_OK)
        return rc;
    /* Parse checked the subgroup; here the curve suffices: a point outside the subgroup
     * cannot equal r·G2 and is refused by the nonce check before anything is released. */
    if (blst_p2_uncompress(&d->nonce, o->nonce) != BLST_SUCCESS)
        return daas_fail(err, DAAS_EINVAL, "seal decrypt: nonce is not a G2 point");
    daas_seal__hash_id(o->package_id, DAAS_BYTES(o->id, o->id_len), &d->gid_aff);
    blst_p1_affine_compress(d->gid, &d->gid_aff);
    return DAAS_OK;
}

int daas_seal_decrypt(const daas_seal_object *o, const daas_seal_derived *keys, size_t nkeys,
                      const daas_seal_server *pks, size_t npks, daas_buf *out, daas_err *err)
{
    dec d;
    bool check = pks != NULL && npks > 0;
    int rc = dec_setup(&d, o, err);
    if (rc == DAAS_OK && nkeys > 0 && keys == NULL)
        rc = daas_fail(err, DAAS_EINVAL, "seal decrypt: no keys");
    if (rc == DAAS_OK)
        rc = match_keys(&d, keys, nkeys, err);
    if (rc == DAAS_OK)
        rc = held_shares(&d, keys, err);
    /* With public keys the base key comes from the first t shares and the rest are checked
     * against them; without, from all held shares (as Rust and TS do). */
    if (rc == DAAS_OK)
        rc = daas_seal__shamir_eval(d.xs, d.ys[0], check ? o->threshold : d.nsel, 32, 0,
                                    d.base_key, err);
    if (rc == DAAS_OK)
        rc = check_randomness(&d, err);
    if (rc == DAAS_OK && check)
        rc = check_consistency(&d, pks, npks, err);
    if (rc == DAAS_OK)
        rc = daas_seal__derive_key(0x01, d.base_key, (const uint8_t(*)[32])o->shares,
                                   o->services, d.n, o->threshold, d.dem_key, err);
    if (rc == DAAS_OK)
        rc = open_dem(&d, out, err);
    dec_fini(&d);
    return rc;
}
