/*
 * decision.c: scheduling decisions: the struct, its BCS, the Nautilus IntentMessage it is
 *             signed as, Ed25519 signing and verification, batch Merkle roots.
 *
 * Owns:   nothing stateful.
 * Not:    the enclave key's storage (src/enclave); choosing the node (algo.c).
 * Invariants:
 *   - signing bytes = intent (DAAS_SCHED_INTENT_DECISION) || timestamp_ms u64 LE ||
 *     BCS(Decision), signed with pure Ed25519 and nothing else: Move's
 *     enclave::verify_signature rebuilds exactly these bytes (and so does
 *     daas_enclave_intent_bcs with the decision's BCS as payload);
 *   - the decoder is strict (digests exactly 32 bytes, no trailing bytes), so a decoded
 *     decision re-encodes to its input;
 *   - Merkle: leaf = H(0x00 || signing bytes), inner = H(0x01 || left || right), an odd last
 *     node is promoted unchanged; H = BLAKE2b-256. The prefixes keep a leaf from ever being
 *     read as an inner node (second-preimage across levels).
 * Spec:   sched.h "Decisions"; specs/nautilus.md §1.3.
 */
#include <sodium.h>
#include <string.h>

#include "sched/sched_int.h"
#include "sui/bcs.h"

#define DECISION_WIRE_MAX (2 * (DAAS_SCHED_MAX_STR + 3) + 2 * 33 + 3 * 8)

static void copy_name(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Contract in sched.h. */
int daas_sched_decide(daas_sched_state *st, const daas_sched_pod *pod, uint64_t timestamp_ms,
                      daas_sched_result *res, daas_sched_decision *dec, daas_err *err)
{
    memset(dec, 0, sizeof(*dec));
    int rc = daas_sched_schedule(st, pod, res, err);
    if (rc != DAAS_OK || !res->found)
        return rc;
    copy_name(dec->pod_uid, pod->uid, strlen(pod->uid)); /* <= MAX_STR: checked */
    memcpy(dec->spec_digest, pod->spec_digest, DAAS_SCHED_DIGEST_LEN);
    copy_name(dec->node, res->node, strlen(res->node));
    dec->state_seq = daas_sched_state_seq(st);
    daas_sched_state_digest(st, dec->state_digest);
    dec->score = res->score;
    dec->timestamp_ms = timestamp_ms;
    return DAAS_OK;
}

static int decision_check(const daas_sched_decision *d, daas_err *err)
{
    int rc = daas_sched__name_check(d->pod_uid, "decision pod uid", err);
    if (rc == DAAS_OK)
        rc = daas_sched__name_check(d->node, "decision node", err);
    return rc;
}

/* Contract in sched.h. */
int daas_sched_decision_encode(const daas_sched_decision *d, daas_buf *out, daas_err *err)
{
    int rc = decision_check(d, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_str(out, d->pod_uid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, d->spec_digest, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(out, d->node);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, d->state_seq);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, d->state_digest, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, d->score);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, d->timestamp_ms);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "sched: decision exceeds its buffer");
    return DAAS_OK;
}

static int get_name(daas_sui_bcs_reader *r, const char *what, char *out, daas_err *err)
{
    daas_bytes s;
    int rc = daas_sui_bcs_get_str(r, what, DAAS_SCHED_MAX_STR, &s, err);
    if (rc == DAAS_OK)
        copy_name(out, (const char *)s.ptr, s.len);
    return rc;
}

static int get_digest(daas_sui_bcs_reader *r, const char *what, uint8_t out[32], daas_err *err)
{
    daas_bytes b;
    int rc = daas_sui_bcs_get_bytes(r, what, DAAS_SCHED_DIGEST_LEN, &b, err);
    if (rc == DAAS_OK && b.len != DAAS_SCHED_DIGEST_LEN)
        rc = daas_fail(err, DAAS_EINVAL, "sched: %s of %zu bytes", what, b.len);
    if (rc == DAAS_OK)
        memcpy(out, b.ptr, DAAS_SCHED_DIGEST_LEN);
    return rc;
}

/* Contract in sched.h. */
int daas_sched_decision_decode(daas_bytes in, daas_sched_decision *d, daas_err *err)
{
    daas_sui_bcs_reader r;
    memset(d, 0, sizeof(*d));
    if (in.len > DECISION_WIRE_MAX)
        return daas_fail(err, DAAS_EINVAL, "sched: decision of %zu bytes", in.len);
    daas_sui_bcs_reader_init(&r, in);
    int rc = get_name(&r, "decision pod uid", d->pod_uid, err);
    if (rc == DAAS_OK)
        rc = get_digest(&r, "decision spec digest", d->spec_digest, err);
    if (rc == DAAS_OK)
        rc = get_name(&r, "decision node", d->node, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&r, "decision state seq", &d->state_seq, err);
    if (rc == DAAS_OK)
        rc = get_digest(&r, "decision state digest", d->state_digest, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&r, "decision score", &d->score, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&r, "decision timestamp", &d->timestamp_ms, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&r, "decision", err);
    if (rc == DAAS_OK)
        rc = decision_check(d, err);
    if (rc != DAAS_OK)
        memset(d, 0, sizeof(*d));
    return rc;
}

/* Contract in sched.h. */
int daas_sched_decision_signing_bytes(const daas_sched_decision *d, daas_buf *out,
                                      daas_err *err)
{
    int rc = daas_sui_bcs_put_u8(out, DAAS_SCHED_INTENT_DECISION);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, d->timestamp_ms);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "sched: decision exceeds its buffer");
    return daas_sched_decision_encode(d, out, err);
}

/* Contract in sched.h. */
int daas_sched_decision_sign(const daas_sched_decision *d, const uint8_t sk[DAAS_SCHED_SECKEY_LEN],
                             uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, DECISION_WIRE_MAX + 16);
    int rc = daas_sched_decision_signing_bytes(d, &b, err);
    if (rc == DAAS_OK && sodium_init() < 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "sched: libsodium cannot start");
    if (rc == DAAS_OK &&
        crypto_sign_detached(sig, NULL, (const uint8_t *)b.data, b.len, sk) != 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "sched: Ed25519 signing failed");
    daas_buf_fini(&b);
    return rc;
}

/* Contract in sched.h. */
int daas_sched_decision_verify(const daas_sched_decision *d,
                               const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                               const uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, DECISION_WIRE_MAX + 16);
    int rc = daas_sched_decision_signing_bytes(d, &b, err);
    if (rc == DAAS_OK && sodium_init() < 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "sched: libsodium cannot start");
    if (rc == DAAS_OK &&
        crypto_sign_verify_detached(sig, (const uint8_t *)b.data, b.len, pk) != 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "sched: decision signature does not verify");
    daas_buf_fini(&b);
    return rc;
}

/* ---- Merkle ---- */

/* Contract in sched.h. */
void daas_sched_merkle_leaf(daas_bytes signing_bytes, uint8_t out[DAAS_SCHED_DIGEST_LEN])
{
    static const uint8_t tag = 0x00;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, &tag, 1);
    crypto_generichash_update(&h, signing_bytes.ptr, signing_bytes.len);
    crypto_generichash_final(&h, out, DAAS_SCHED_DIGEST_LEN);
}

static void inner(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t in[65];
    in[0] = 0x01;
    memcpy(in + 1, l, 32);
    memcpy(in + 33, r, 32);
    crypto_generichash(out, 32, in, sizeof(in), NULL, 0);
}

/* Contract in sched.h. */
int daas_sched_merkle_root(const uint8_t (*leaves)[DAAS_SCHED_DIGEST_LEN], size_t n,
                           uint8_t root[DAAS_SCHED_DIGEST_LEN], daas_err *err)
{
    if (n == 0 || leaves == NULL)
        return daas_fail(err, DAAS_EINVAL, "sched: Merkle root of an empty batch");
    uint8_t (*lv)[32] = daas_xmalloc(n * 32);
    memcpy(lv, leaves, n * 32);
    while (n > 1) { /* level by level, in place: node i of the next level from 2i, 2i+1 */
        size_t k = 0;
        for (size_t i = 0; i + 1 < n; i += 2)
            inner(lv[i], lv[i + 1], lv[k++]);
        if (n % 2 == 1)
            memmove(lv[k++], lv[n - 1], 32); /* odd node promoted */
        n = k;
    }
    memcpy(root, lv[0], 32);
    daas_free(lv);
    return DAAS_OK;
}

/* Contract in sched.h. */
int daas_sched_batch_signing_bytes(const uint8_t root[DAAS_SCHED_DIGEST_LEN], uint64_t first_seq,
                                   uint64_t count, uint64_t timestamp_ms, daas_buf *out,
                                   daas_err *err)
{
    int rc = daas_sui_bcs_put_u8(out, DAAS_SCHED_INTENT_BATCH);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, timestamp_ms);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, root, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, first_seq);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, count);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "sched: batch message exceeds its buffer");
    return DAAS_OK;
}
