/*
 * schedctl_link.c: the scheduler controller's link to the enclave and the chain: the
 * attestation handshake and on-chain registration, the delta feed, the decision log, and
 * signed decision batches committed on chain.
 *
 * Owns:   the rules of schedctl.h about keys and seqs across reconnections, and about batches.
 * Invariants:
 *   - a decision is logged before it is counted for a batch, and a batch is logged only after
 *     its root and signature verified (the client) and, with a chain, after commit_batch
 *     succeeded, with the transaction digest;
 *   - batches cover decision indices committed, committed + 1, ... with no gap or overlap:
 *     the chain's Enclave.next_seq rule, checked here before the chain checks it again.
 * Spec:   schedctl.h; enclave/schedsvc.h (restarts); sched/declog.h; move/README.md
 *         scheduling::commit_batch.
 */
#include <inttypes.h>
#include <string.h>

#include "api/schedctl_int.h"
#include "common/log.h"
#include "common/util.h"
#include "sui/sui.h"

/* ---- the decision log ---- */

int daas_schedctl__log_rec(daas_schedctl *sc, const daas_declog_rec *rec, daas_err *err)
{
    int rc = sc->log ? daas_declog_append(sc->log, rec, err) : DAAS_OK;
    if (rc != DAAS_OK)
        DAAS_ERROR("schedctl", "decision log: %s", err->msg);
    return rc;
}

void daas_schedctl__log_deltas(daas_schedctl *sc, const daas_sched_delta *d, size_t n)
{
    for (size_t i = 0; i < n && sc->log; i++) {
        daas_buf b = {0};
        daas_err e = {0};
        if (daas_sched_delta_encode(&d[i], &b, &e) == DAAS_OK) {
            daas_declog_rec r = {.kind = DAAS_DECLOG_DELTA, .delta = DAAS_BYTES(b.data, b.len)};
            (void)daas_schedctl__log_rec(sc, &r, &e);
        }
        daas_buf_fini(&b);
    }
}

int daas_schedctl__log_decision(daas_schedctl *sc, const daas_sched_pod *pod,
                                const daas_sched_decision *dec,
                                const uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t index,
                                daas_err *err)
{
    daas_buf db = {0}, pb = {0};
    int rc = sc->log ? daas_sched_decision_encode(dec, &db, err) : DAAS_OK;
    if (rc == DAAS_OK)
        rc = daas_sched_pod_encode(pod, &pb, err);
    if (rc == DAAS_OK) {
        daas_declog_rec r = {.kind = DAAS_DECLOG_DECISION,
                             .index = index,
                             .decision = DAAS_BYTES(db.data, db.len),
                             .pod = DAAS_BYTES(pb.data, pb.len)};
        memcpy(r.sig, sig, DAAS_SCHED_SIG_LEN);
        memcpy(r.pk, sc->pk, DAAS_SCHED_PUBKEY_LEN);
        rc = daas_schedctl__log_rec(sc, &r, err);
    }
    if (rc == DAAS_OK)
        daas_schedctl__note_index(sc, index);
    daas_buf_fini(&db);
    daas_buf_fini(&pb);
    return rc;
}

/* ---- the enclave ---- */

void daas_schedctl__lost(daas_schedctl *sc, const daas_err *e)
{
    if (sc->ready)
        DAAS_WARN("schedctl", "scheduler enclave: %s; re-verifying and re-feeding", e->msg);
    sc->ready = false;
    sc->next_try_ms = 0;
    daas_schedctl__publish_key(sc, false);
}

/* Decides whether the attested key pk, at seq with ndec decisions, can be used (schedctl.h):
 * the key this controller fed, at the seq it left it, resumes; a new key must be fresh. */
static int adopt(daas_schedctl *sc, const uint8_t pk[DAAS_ENCLAVE_PK_LEN], uint64_t seq,
                 uint64_t ndec, daas_err *err)
{
    if (sc->have_key && memcmp(pk, sc->pk, DAAS_ENCLAVE_PK_LEN) == 0) {
        if (seq == sc->seq)
            return DAAS_OK;
        return daas_fail(err, DAAS_ECONFLICT,
                         "enclave at seq %" PRIu64 " but this server fed it up to seq %" PRIu64
                         ": its state is unknown; restart the enclave",
                         seq, sc->seq);
    }
    if (seq != 0 || ndec != 0)
        return daas_fail(err, DAAS_ECONFLICT,
                         "enclave already at seq %" PRIu64 " with %" PRIu64
                         " decisions, fed by another server: restart it so it starts fresh",
                         seq, ndec);
    if (sc->have_key && sc->ndec > sc->committed)
        DAAS_WARN("schedctl",
                  "the previous enclave's decisions %" PRIu64 "..%" PRIu64
                  " were never batched (it is gone)",
                  sc->committed, sc->ndec - 1);
    memcpy(sc->pk, pk, DAAS_ENCLAVE_PK_LEN);
    sc->have_key = true;
    sc->registered = sc->cfg.chain.enclave == NULL;
    memset(sc->enclave_id, 0, sizeof sc->enclave_id);
    sc->seq = sc->ndec = sc->committed = 0;
    daas_schedctl_mirror_fini(&sc->mirror);
    daas_schedctl_mirror_init(&sc->mirror);
    daas_declog_rec r = {.kind = DAAS_DECLOG_EPOCH};
    memcpy(r.pk, pk, DAAS_SCHED_PUBKEY_LEN);
    daas_err le = {0};
    return daas_schedctl__log_rec(sc, &r, &le) == DAAS_OK ? DAAS_OK
                                                          : daas_fail(err, le.code, "%s", le.msg);
}

/* Registers sc->pk on chain (an existing Enclave with this key is reused). */
static int register_key(daas_schedctl *sc, daas_bytes doc, daas_err *err)
{
    uint64_t next = 0;
    int rc = sc->cfg.chain.enclave(sc->cfg.chain.arg, doc, sc->pk, sc->enclave_id, &next, err);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "registering the enclave on chain: %s", err->msg);
    if (next > sc->ndec)
        return daas_fail(err, DAAS_ECONFLICT,
                         "the chain's Enclave has %" PRIu64 " decisions committed, the enclave "
                         "made %" PRIu64,
                         next, sc->ndec);
    sc->committed = next;
    sc->registered = true;
    char id[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(sc->enclave_id, id);
    DAAS_INFO("schedctl", "scheduler enclave registered on chain: Enclave %s", id);
    return DAAS_OK;
}

int daas_schedctl__handshake(daas_schedctl *sc, daas_err *err)
{
    daas_buf doc = {0};
    daas_attest_doc ad = {0};
    daas_attest_pcr_want want[DAAS_SCHEDCTL_MAX_PCRS];
    for (size_t i = 0; i < sc->cfg.npcrs; i++)
        want[i] = (daas_attest_pcr_want){sc->cfg.pcrs[i].index,
                                         DAAS_BYTES(sc->cfg.pcrs[i].value, sc->cfg.pcrs[i].len)};
    daas_attest_policy pol = {.now_ms = daas_now_ms(),
                              .pcrs = want,
                              .npcrs = sc->cfg.npcrs,
                              .allow_debug = sc->debug_root.len > 0,
                              .debug_root = DAAS_BYTES(sc->debug_root.data, sc->debug_root.len)};
    uint8_t digest[DAAS_SCHED_DIGEST_LEN], pk[DAAS_ENCLAVE_PK_LEN];
    uint64_t seq = 0, ndec = 0;
    int rc = daas_enclave_client_attestation(sc->client, &doc, err);
    if (rc == DAAS_OK)
        rc = daas_attest_verify((const uint8_t *)doc.data, doc.len, &pol, &ad, err);
    if (rc == DAAS_OK)
        rc = daas_attest_ed25519_key(&ad, pk, err);
    if (rc == DAAS_OK) {
        daas_enclave_client_set_key(sc->client, pk);
        rc = daas_enclave_client_state(sc->client, &seq, digest, &ndec, err);
    }
    if (rc == DAAS_OK)
        rc = adopt(sc, pk, seq, ndec, err);
    if (rc == DAAS_OK && !sc->registered)
        rc = register_key(sc, DAAS_BYTES(doc.data, doc.len), err);
    if (rc == DAAS_OK) {
        sc->ready = true;
        sc->backoff_ms = 0;
        daas_schedctl__publish_key(sc, true);
        DAAS_INFO("schedctl",
                  "scheduler enclave at %s attested%s (key %02x%02x%02x%02x...), seq %" PRIu64,
                  sc->addr, ad.is_debug ? " (DEBUG document)" : "", sc->pk[0], sc->pk[1], sc->pk[2],
                  sc->pk[3], sc->seq);
    }
    daas_attest_doc_fini(&ad);
    daas_buf_fini(&doc);
    return rc;
}

int daas_schedctl__feed(daas_schedctl *sc, const json_t *nodes, const json_t *pods, daas_err *err)
{
    daas_schedctl_plan p;
    uint8_t digest[DAAS_SCHED_DIGEST_LEN];
    int rc = daas_schedctl_plan_make(&sc->mirror, nodes, pods, sc->seq + 1, &p, err);
    if (rc == DAAS_OK && p.n > 0) {
        uint64_t seq = 0;
        rc = daas_enclave_client_deltas(sc->client, p.d, p.n, &seq, digest, err);
        if (rc == DAAS_OK) {
            DAAS_DEBUG("schedctl", "%zu deltas sent, enclave at seq %llu", p.n,
                       (unsigned long long)seq);
            sc->seq = seq;
            daas_schedctl__log_deltas(sc, p.d, p.n);
        }
    } else if (rc == DAAS_OK) {
        /* Nothing to send: make sure the enclave is still the one we fed. */
        uint64_t seq = 0, ndec = 0;
        rc = daas_enclave_client_state(sc->client, &seq, digest, &ndec, err);
        if (rc == DAAS_OK && seq != sc->seq)
            rc = daas_fail(err, DAAS_ECONFLICT, "enclave at seq %llu, expected %llu",
                           (unsigned long long)seq, (unsigned long long)sc->seq);
    }
    if (rc == DAAS_OK) {
        daas_schedctl_mirror tmp = sc->mirror;
        sc->mirror = p.next;
        p.next = tmp;
    }
    daas_schedctl_plan_fini(&p);
    return rc;
}

/* ---- batches ---- */

/* Asks the enclave for the batch committed..committed+count-1, commits and logs it. */
static int one_batch(daas_schedctl *sc, uint64_t count, daas_err *err)
{
    daas_declog_rec r = {.kind = DAAS_DECLOG_BATCH, .first = sc->committed, .count = count};
    int rc =
        daas_enclave_client_batch(sc->client, r.first, count, r.root, r.sig, &r.timestamp_ms, err);
    if (rc != DAAS_OK) {
        daas_schedctl__lost(sc, err);
        return rc;
    }
    memcpy(r.pk, sc->pk, DAAS_SCHED_PUBKEY_LEN);
    if (sc->cfg.chain.commit) {
        rc = sc->cfg.chain.commit(sc->cfg.chain.arg, sc->enclave_id, r.root, r.first, count,
                                  r.timestamp_ms, r.sig, r.tx_digest, err);
        if (rc != DAAS_OK)
            return rc;
        r.has_tx = true;
    }
    daas_err le = {0};
    (void)daas_schedctl__log_rec(sc, &r, &le);
    sc->committed += count;
    atomic_fetch_add(&sc->committed_total, count);
    sc->oldest_ms = daas_now_ms();
    DAAS_INFO("schedctl", "batch of decisions %" PRIu64 "..%" PRIu64 " %s%s", r.first,
              r.first + count - 1, r.has_tx ? "committed on chain in " : "signed and logged",
              r.has_tx ? r.tx_digest : "");
    return DAAS_OK;
}

int64_t daas_schedctl__batches(daas_schedctl *sc, bool force)
{
    uint64_t max = sc->cfg.batch_max;
    while (sc->ready && sc->ndec > sc->committed) {
        uint64_t waiting = sc->ndec - sc->committed;
        int64_t due = waiting >= max ? 0 : sc->oldest_ms + sc->cfg.batch_ms;
        if (!force && daas_now_ms() < due)
            return due;
        daas_err e = {0};
        if (one_batch(sc, waiting < max ? waiting : max, &e) != DAAS_OK) {
            DAAS_WARN("schedctl", "batch of decisions from %" PRIu64 ": %s (retried)",
                      sc->committed, e.msg);
            return daas_now_ms() + sc->cfg.batch_ms;
        }
    }
    return INT64_MAX;
}
