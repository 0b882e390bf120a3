/*
 * verify.c: the replay of a decision log (`daas verify decisions`): re-runs the published
 *           algorithm on the logged deltas and checks every decision, signature and batch
 *           root; then, optionally, the batches against the chain's BatchCommitted events.
 *
 * Owns:   the replay state (one daas_sched_state per enclave epoch, the Merkle leaves of the
 *         epoch's decisions, admissions and rebalance plans by index), the report.
 * Not:    the file format (declog.c), the algorithms (algo.c, policy.c, rebalance.c), the
 *         GraphQL client (sui/gql.c).
 * Invariants: the first broken rule stops the replay and is the one reported; nothing in the
 *         file is trusted (a hostile log can only make the replay fail, with a reason).
 * Spec:   declog.h "Replay rules"; move/README.md BatchCommitted.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "common/util.h"
#include "sched/admission.h"
#include "sched/declog.h"
#include "sched/policy.h"
#include "sched/rebalance.h"

typedef struct leaf {
    uint64_t index;                      /* the entry's index in the enclave's log */
    uint8_t hash[DAAS_SCHED_DIGEST_LEN]; /* its Merkle leaf */
} leaf;

typedef struct replay {
    const uint8_t (*trusted)[DAAS_SCHED_PUBKEY_LEN]; /* caller's keys (borrowed) */
    size_t n_trusted;
    daas_sched_state *st;               /* the epoch's cluster view */
    bool has_key;                       /* the epoch's key is known */
    uint8_t key[DAAS_SCHED_PUBKEY_LEN]; /* the epoch's key */
    leaf *leaves;                       /* the epoch's signed entries, strictly increasing index */
    size_t n_leaves, cap_leaves;
    daas_declog_report *rep;
} replay;

static int bad(replay *rp, int code, const char *fmt, ...) DAAS_PRINTF(3, 4);
static int bad(replay *rp, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rp->rep->reason, sizeof rp->rep->reason, fmt, ap);
    va_end(ap);
    return code;
}

static const char *hex8(const uint8_t *p, char out[17])
{
    return daas_hex_encode(p, 8, out);
}

/* ---- keys and epochs ---- */

static bool trusted(const replay *rp, const uint8_t pk[DAAS_SCHED_PUBKEY_LEN])
{
    if (rp->n_trusted == 0)
        return true;
    for (size_t i = 0; i < rp->n_trusted; i++)
        if (memcmp(rp->trusted[i], pk, DAAS_SCHED_PUBKEY_LEN) == 0)
            return true;
    return false;
}

static int take_key(replay *rp, const uint8_t pk[DAAS_SCHED_PUBKEY_LEN])
{
    char h[17];
    if (rp->has_key && memcmp(rp->key, pk, DAAS_SCHED_PUBKEY_LEN) != 0)
        return bad(rp, DAAS_EINVALID, "signed by enclave key %s..., not the epoch's key %s...",
                   hex8(pk, h), hex8(rp->key, (char[17]){0}));
    if (!trusted(rp, pk))
        return bad(rp, DAAS_EDENIED, "enclave key %s... is not a trusted key", hex8(pk, h));
    rp->has_key = true;
    memcpy(rp->key, pk, DAAS_SCHED_PUBKEY_LEN);
    return DAAS_OK;
}

static int on_epoch(replay *rp, const daas_declog_rec *rec)
{
    daas_sched_state_free(&rp->st);
    rp->st = daas_sched_state_new();
    rp->n_leaves = 0;
    rp->has_key = false;
    rp->rep->epochs++;
    return take_key(rp, rec->pk);
}

/* ---- deltas ---- */

static int on_delta(replay *rp, const daas_declog_rec *rec)
{
    daas_err e = {0};
    if (daas_sched_state_apply_bcs(rp->st, rec->delta, &e) != DAAS_OK)
        return bad(rp, DAAS_EINVALID, "delta does not apply at seq %" PRIu64 ": %s",
                   daas_sched_state_seq(rp->st), e.msg);
    rp->rep->deltas++;
    return DAAS_OK;
}

/* ---- decisions ---- */

/* Names the first field in which the logged decision differs from the recomputed one. */
static int mismatch(replay *rp, const daas_sched_decision *got, const daas_sched_decision *want)
{
    if (strcmp(got->pod_uid, want->pod_uid) != 0 ||
        memcmp(got->spec_digest, want->spec_digest, DAAS_SCHED_DIGEST_LEN) != 0)
        return bad(rp, DAAS_EINVALID, "decision is for pod %s, the logged pod is %s", got->pod_uid,
                   want->pod_uid);
    if (got->state_seq != want->state_seq)
        return bad(rp, DAAS_EINVALID, "decision state seq %" PRIu64 ", the replay is at %" PRIu64,
                   got->state_seq, want->state_seq);
    if (memcmp(got->state_digest, want->state_digest, DAAS_SCHED_DIGEST_LEN) != 0)
        return bad(rp, DAAS_EINVALID,
                   "decision state digest differs from the replay's at seq %" PRIu64,
                   want->state_seq);
    if (strcmp(got->node, want->node) != 0)
        return bad(rp, DAAS_EINVALID, "decision places pod %s on node %s, the algorithm chooses %s",
                   got->pod_uid, got->node, want->node);
    if (got->score != want->score)
        return bad(rp, DAAS_EINVALID, "decision score %" PRIu64 ", the algorithm computes %" PRIu64,
                   got->score, want->score);
    return bad(rp, DAAS_EINVALID, "decision bytes differ from the algorithm's");
}

/* Recomputes the decision on the current state and compares byte for byte. */
static int recompute(replay *rp, const daas_declog_rec *rec, const daas_sched_decision *dec)
{
    daas_sched_pod_msg pm = {0};
    daas_sched_result res = {0};
    daas_sched_decision mine;
    daas_buf b;
    daas_err e = {0};
    daas_buf_init(&b, DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = daas_sched_pod_decode(rec->pod, &pm, &e);
    if (rc != DAAS_OK) {
        rc = bad(rp, DAAS_EINVALID, "pod: %s", e.msg);
        goto out;
    }
    rc = daas_sched_decide(rp->st, &pm.pod, dec->timestamp_ms, &res, &mine, &e);
    if (rc == DAAS_OK && !res.found)
        rc = bad(rp, DAAS_EINVALID, "the algorithm finds no node for pod %s: %s", dec->pod_uid,
                 res.reason ? res.reason : "");
    else if (rc != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "pod: %s", e.msg);
    else if (daas_sched_decision_encode(&mine, &b, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "recomputed decision: %s", e.msg);
    else if (b.len != rec->decision.len || memcmp(b.data, rec->decision.ptr, b.len) != 0)
        rc = mismatch(rp, dec, &mine);
out:
    daas_sched_result_fini(&res);
    daas_sched_pod_msg_fini(&pm);
    daas_buf_fini(&b);
    return rc;
}

static void push_leaf(replay *rp, uint64_t index, const uint8_t hash[DAAS_SCHED_DIGEST_LEN])
{
    if (rp->n_leaves == rp->cap_leaves) {
        rp->cap_leaves = rp->cap_leaves ? 2 * rp->cap_leaves : 64;
        rp->leaves = daas_xrealloc(rp->leaves, rp->cap_leaves * sizeof *rp->leaves);
    }
    leaf *l = &rp->leaves[rp->n_leaves++];
    l->index = index;
    memcpy(l->hash, hash, DAAS_SCHED_DIGEST_LEN);
}

static int keep_leaf(replay *rp, uint64_t index, const daas_sched_decision *dec)
{
    daas_buf sb;
    uint8_t h[DAAS_SCHED_DIGEST_LEN];
    daas_buf_init(&sb, 2 * DAAS_SCHED_MAX_DELTA_BYTES);
    if (daas_sched_decision_signing_bytes(dec, &sb, NULL) != DAAS_OK) {
        daas_buf_fini(&sb);
        return bad(rp, DAAS_EINVALID, "decision cannot be re-encoded");
    }
    daas_sched_merkle_leaf(DAAS_BYTES(sb.data, sb.len), h);
    push_leaf(rp, index, h);
    daas_buf_fini(&sb);
    return DAAS_OK;
}

static int on_decision(replay *rp, const daas_declog_rec *rec)
{
    daas_sched_decision dec;
    daas_err e = {0};
    int rc = take_key(rp, rec->pk);
    if (rc != DAAS_OK)
        return rc;
    if (rp->n_leaves > 0 && rec->index <= rp->leaves[rp->n_leaves - 1].index)
        return bad(rp, DAAS_EINVALID, "decision index %" PRIu64 " does not follow %" PRIu64,
                   rec->index, rp->leaves[rp->n_leaves - 1].index);
    if (daas_sched_decision_decode(rec->decision, &dec, &e) != DAAS_OK)
        return bad(rp, DAAS_EINVALID, "decision: %s", e.msg);
    rc = recompute(rp, rec, &dec);
    if (rc != DAAS_OK)
        return rc;
    if (daas_sched_decision_verify(&dec, rec->pk, rec->sig, NULL) != DAAS_OK)
        return bad(rp, DAAS_ECRYPTO, "decision signature does not verify");
    rc = keep_leaf(rp, rec->index, &dec);
    if (rc == DAAS_OK)
        rp->rep->decisions++;
    return rc;
}

/* ---- admissions ---- */

/* Re-evaluates the logged request and rules; the record's decision must be the bytes. */
static int reevaluate(replay *rp, const daas_declog_rec *rec)
{
    daas_sched_policy_request q = {0};
    daas_sched_policy_rules r = {0};
    daas_sched_policy_result res = {0}, got = {0};
    daas_buf b;
    daas_err e = {0};
    int rc = DAAS_OK;
    daas_buf_init(&b, DAAS_SCHED_POLICY_MAX_BYTES);
    if (daas_sched_policy_decision_decode(rec->decision, &got, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "admission decision: %s", e.msg);
    else if (daas_sched_policy_request_decode(rec->request, &q, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "admission request: %s", e.msg);
    else if (daas_sched_policy_rules_decode(rec->rules, &r, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "admission rules: %s", e.msg);
    else if (daas_sched_policy_eval(&q, &r, &res, &e) != DAAS_OK ||
             daas_sched_policy_decision_encode(&res, &b, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "admission of %s cannot be evaluated: %s", q.uid, e.msg);
    else if (got.allowed != res.allowed)
        rc = bad(rp, DAAS_EINVALID, "admission decision %s pod %s, the policy %s it",
                 got.allowed ? "allows" : "denies", q.uid, res.allowed ? "allows" : "denies");
    else if (b.len != rec->decision.len || memcmp(b.data, rec->decision.ptr, b.len) != 0)
        rc = bad(rp, DAAS_EINVALID,
                 "admission decision for pod %s differs from the policy's (digests or messages)",
                 q.uid);
    daas_sched_policy_result_fini(&got);
    daas_sched_policy_result_fini(&res);
    daas_sched_policy_rules_fini(&r);
    daas_sched_policy_request_fini(&q);
    daas_buf_fini(&b);
    return rc;
}

static int on_admission(replay *rp, const daas_declog_rec *rec)
{
    uint8_t h[DAAS_SCHED_DIGEST_LEN];
    int rc = take_key(rp, rec->pk);
    if (rc != DAAS_OK)
        return rc;
    if (rp->n_leaves > 0 && rec->index <= rp->leaves[rp->n_leaves - 1].index)
        return bad(rp, DAAS_EINVALID, "admission index %" PRIu64 " does not follow %" PRIu64,
                   rec->index, rp->leaves[rp->n_leaves - 1].index);
    rc = reevaluate(rp, rec);
    if (rc != DAAS_OK)
        return rc;
    if (!daas_sched_admission_verify(rec->timestamp_ms, rec->decision, rec->pk, rec->sig))
        return bad(rp, DAAS_ECRYPTO, "admission signature does not verify");
    daas_sched_admission_leaf(rec->timestamp_ms, rec->decision, h);
    push_leaf(rp, rec->index, h);
    rp->rep->admissions++;
    return DAAS_OK;
}

/* ---- rebalance plans ---- */

/* Names the first eviction in which the logged plan differs from the planner's (head first). */
static int eviction_mismatch(replay *rp, const char *head, const daas_sched_plan *got,
                             const daas_sched_plan *want)
{
    size_t n = got->n_evictions < want->n_evictions ? got->n_evictions : want->n_evictions;
    for (size_t i = 0; i < n; i++) {
        const daas_sched_eviction *g = &got->evictions[i], *w = &want->evictions[i];
        if (strcmp(g->uid, w->uid) != 0 || strcmp(g->ns, w->ns) != 0 ||
            strcmp(g->name, w->name) != 0)
            return bad(rp, DAAS_EINVALID,
                       "%s: eviction %zu evicts %s/%s (uid %s), the planner %s/%s", head, i, g->ns,
                       g->name, g->uid, w->ns, w->name);
        if (strcmp(g->node, w->node) != 0)
            return bad(rp, DAAS_EINVALID,
                       "%s: eviction %zu takes %s from node %s, the planner from %s", head, i,
                       g->uid, g->node, w->node);
        if (g->reason != w->reason || g->score != w->score)
            return bad(rp, DAAS_EINVALID,
                       "%s: eviction %zu of %s has reason %u score %" PRIu64
                       ", the planner reason %u score %" PRIu64,
                       head, i, g->uid, g->reason, g->score, w->reason, w->score);
    }
    if (got->n_evictions != want->n_evictions)
        return bad(rp, DAAS_EINVALID, "%s: %zu evictions, the planner plans %zu", head,
                   got->n_evictions, want->n_evictions);
    return bad(rp, DAAS_EINVALID, "%s: the bytes differ", head);
}

/* Names the first field in which the logged plan differs from the planner's. */
static int plan_mismatch(replay *rp, const daas_sched_plan *got, const daas_sched_plan *want)
{
    char head[80];
    snprintf(head, sizeof head, "rebalance plan differs from the planner's (round %" PRIu64 ")",
             want->round);
    if (got->round != want->round)
        return bad(rp, DAAS_EINVALID, "%s: it is for round %" PRIu64, head, got->round);
    if (got->state_seq != want->state_seq)
        return bad(rp, DAAS_EINVALID, "%s: state seq %" PRIu64 ", the replay is at %" PRIu64, head,
                   got->state_seq, want->state_seq);
    if (memcmp(got->state_digest, want->state_digest, DAAS_SCHED_DIGEST_LEN) != 0)
        return bad(rp, DAAS_EINVALID, "%s: state digest differs from the replay's at seq %" PRIu64,
                   head, want->state_seq);
    if (memcmp(got->request_digest, want->request_digest, DAAS_SCHED_DIGEST_LEN) != 0)
        return bad(rp, DAAS_EINVALID, "%s: request digest is not the logged request's", head);
    return eviction_mismatch(rp, head, got, want);
}

/* Re-plans the logged request on the current state; the record's plan must be the bytes. */
static int replan(replay *rp, const daas_declog_rec *rec)
{
    daas_sched_rebalance_req q = {0};
    daas_sched_plan got = {0}, mine = {0};
    daas_buf b;
    daas_err e = {0};
    int rc = DAAS_OK;
    daas_buf_init(&b, DAAS_SCHED_REBALANCE_MAX_BYTES);
    if (daas_sched_rebalance_plan_decode(rec->plan, &got, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "rebalance plan: %s", e.msg);
    else if (daas_sched_rebalance_req_decode(rec->request, &q, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "rebalance request: %s", e.msg);
    else if (daas_sched_rebalance_plan(rp->st, &q, &mine, &e) != DAAS_OK ||
             daas_sched_rebalance_plan_encode(&mine, &b, &e) != DAAS_OK)
        rc = bad(rp, DAAS_EINVALID, "rebalance round %" PRIu64 " cannot be planned: %s", q.round,
                 e.msg);
    else if (b.len != rec->plan.len || memcmp(b.data, rec->plan.ptr, b.len) != 0)
        rc = plan_mismatch(rp, &got, &mine);
    daas_sched_rebalance_plan_fini(&mine);
    daas_sched_rebalance_plan_fini(&got);
    daas_sched_rebalance_req_fini(&q);
    daas_buf_fini(&b);
    return rc;
}

static int on_rebalance(replay *rp, const daas_declog_rec *rec)
{
    uint8_t h[DAAS_SCHED_DIGEST_LEN];
    daas_err e = {0};
    int rc = take_key(rp, rec->pk);
    if (rc != DAAS_OK)
        return rc;
    if (rp->n_leaves > 0 && rec->index <= rp->leaves[rp->n_leaves - 1].index)
        return bad(rp, DAAS_EINVALID, "rebalance index %" PRIu64 " does not follow %" PRIu64,
                   rec->index, rp->leaves[rp->n_leaves - 1].index);
    rc = replan(rp, rec);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sched_rebalance_verify(rec->plan, rec->timestamp_ms, rec->sig, rec->pk, &e);
    if (rc == DAAS_ECRYPTO)
        return bad(rp, DAAS_ECRYPTO, "rebalance signature does not verify");
    if (rc != DAAS_OK) /* the plan decoded in replan: not expected */
        return bad(rp, DAAS_EINVALID, "rebalance plan: %s", e.msg);
    daas_sched_rebalance_leaf(rec->timestamp_ms, rec->plan, h);
    push_leaf(rp, rec->index, h);
    rp->rep->plans++;
    return DAAS_OK;
}

/* ---- batches ---- */

/* Position of the leaf with index i, or n_leaves. */
static size_t find_leaf(const replay *rp, uint64_t i)
{
    size_t lo = 0, hi = rp->n_leaves;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rp->leaves[mid].index < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rp->n_leaves && rp->leaves[lo].index == i ? lo : rp->n_leaves;
}

static int batch_root(replay *rp, const daas_declog_rec *rec, uint8_t root[DAAS_SCHED_DIGEST_LEN])
{
    uint64_t last = rec->first + rec->count - 1;
    size_t p = find_leaf(rp, rec->first);
    /* Indices strictly increase, so first..last are all present iff the leaf count-1 places
     * after first's has index last. */
    if (p == rp->n_leaves || rp->n_leaves - p < rec->count ||
        rp->leaves[p + rec->count - 1].index != last)
        return bad(rp, DAAS_EINVALID,
                   "batch %" PRIu64 "..%" PRIu64 " names decisions the log does not hold",
                   rec->first, last);
    uint8_t(*hs)[DAAS_SCHED_DIGEST_LEN] = daas_xmalloc(rec->count * DAAS_SCHED_DIGEST_LEN);
    for (uint64_t i = 0; i < rec->count; i++)
        memcpy(hs[i], rp->leaves[p + i].hash, DAAS_SCHED_DIGEST_LEN);
    int rc =
        daas_sched_merkle_root((const uint8_t(*)[DAAS_SCHED_DIGEST_LEN])hs, rec->count, root, NULL);
    daas_free(hs);
    return rc == DAAS_OK ? DAAS_OK : bad(rp, DAAS_EINVALID, "batch root cannot be computed");
}

static bool batch_sig_ok(const daas_declog_rec *rec)
{
    daas_buf sb;
    daas_buf_init(&sb, 256);
    bool ok =
        daas_sched_batch_signing_bytes(rec->root, rec->first, rec->count, rec->timestamp_ms, &sb,
                                       NULL) == DAAS_OK &&
        crypto_sign_verify_detached(rec->sig, (const unsigned char *)sb.data, sb.len, rec->pk) == 0;
    daas_buf_fini(&sb);
    return ok;
}

static int on_batch(replay *rp, const daas_declog_rec *rec, uint64_t record)
{
    uint8_t root[DAAS_SCHED_DIGEST_LEN];
    int rc = take_key(rp, rec->pk);
    if (rc != DAAS_OK)
        return rc;
    if (rec->count == 0 || rec->count > rp->n_leaves || rec->first > UINT64_MAX - rec->count)
        return bad(rp, DAAS_EINVALID,
                   "batch of %" PRIu64 " decisions from %" PRIu64
                   " names decisions the log does not hold",
                   rec->count, rec->first);
    rc = batch_root(rp, rec, root);
    if (rc != DAAS_OK)
        return rc;
    if (memcmp(root, rec->root, sizeof root) != 0)
        return bad(rp, DAAS_EINVALID,
                   "batch root is not the Merkle root of decisions %" PRIu64 "..%" PRIu64,
                   rec->first, rec->first + rec->count - 1);
    if (!batch_sig_ok(rec))
        return bad(rp, DAAS_ECRYPTO, "batch signature does not verify");
    daas_declog_report *rep = rp->rep;
    rep->batch_list =
        daas_xrealloc(rep->batch_list, (rep->n_batch_list + 1) * sizeof *rep->batch_list);
    daas_declog_batch *b = &rep->batch_list[rep->n_batch_list++];
    *b = (daas_declog_batch){record, rec->first, rec->count, rec->timestamp_ms, {0}, {0}};
    memcpy(b->root, rec->root, sizeof b->root);
    memcpy(b->pk, rec->pk, sizeof b->pk);
    rep->batches++;
    return DAAS_OK;
}

/* ---- the replay ---- */

static int one(replay *rp, const daas_declog_rec *rec, uint64_t record)
{
    switch (rec->kind) {
    case DAAS_DECLOG_DELTA:
        return on_delta(rp, rec);
    case DAAS_DECLOG_DECISION:
        return on_decision(rp, rec);
    case DAAS_DECLOG_BATCH:
        return on_batch(rp, rec, record);
    case DAAS_DECLOG_ADMISSION:
        return on_admission(rp, rec);
    case DAAS_DECLOG_REBALANCE:
        return on_rebalance(rp, rec);
    default:
        return on_epoch(rp, rec);
    }
}

int daas_declog_verify(daas_bytes file, const uint8_t (*trusted_keys)[DAAS_SCHED_PUBKEY_LEN],
                       size_t n_trusted, daas_declog_report *rep, daas_err *err)
{
    replay rp = {trusted_keys, n_trusted, daas_sched_state_new(), false, {0}, NULL, 0, 0, rep};
    daas_declog_iter it;
    daas_declog_rec rec;
    daas_err e = {0};
    size_t off = DAAS_DECLOG_MAGIC_LEN;
    bool more = true;
    memset(rep, 0, sizeof *rep);
    rep->any_key = n_trusted == 0;
    int rc = daas_declog_iter_init(&it, file, &e);
    if (rc != DAAS_OK)
        rc = bad(&rp, DAAS_EINVALID, "%s", e.msg);
    while (rc == DAAS_OK && more) {
        off = it.pos;
        rc = daas_declog_next(&it, &rec, &off, &more, &e);
        if (rc != DAAS_OK)
            rc = bad(&rp, DAAS_EINVALID, "%s", e.msg);
        else if (more && (rc = one(&rp, &rec, it.n - 1)) == DAAS_OK)
            rep->records++;
    }
    rep->torn_tail = it.torn;
    if (rc != DAAS_OK) {
        rep->has_failure = true;
        rep->fail_record = it.n > 0 && more ? it.n - 1 : it.n;
        rep->fail_offset = off;
        daas_fail(err, rc, "record %" PRIu64 " (offset %zu): %s", rep->fail_record, off,
                  rep->reason);
    }
    rep->ok = rc == DAAS_OK;
    daas_sched_state_free(&rp.st);
    daas_free(rp.leaves);
    return rc;
}

void daas_declog_report_fini(daas_declog_report *rep)
{
    daas_free(rep->batch_list);
    rep->batch_list = NULL;
    rep->n_batch_list = 0;
}

/* ---- chain ---- */

typedef struct committed {
    uint64_t first, count;
    uint8_t root[DAAS_SCHED_DIGEST_LEN];
} committed;

/* A vector<u8> as GraphQL renders it: base64, "0x" hex, or an array of numbers. */
static bool json_root(const json_t *v, uint8_t out[DAAS_SCHED_DIGEST_LEN])
{
    const char *s = json_string_value(v);
    bool ok = false;
    if (json_is_array(v) && json_array_size(v) == DAAS_SCHED_DIGEST_LEN) {
        ok = true;
        for (size_t i = 0; i < DAAS_SCHED_DIGEST_LEN && ok; i++) {
            json_int_t x = json_integer_value(json_array_get(v, i));
            ok = json_is_integer(json_array_get(v, i)) && x >= 0 && x <= 255;
            out[i] = (uint8_t)x;
        }
    } else if (s != NULL && strncmp(s, "0x", 2) == 0 &&
               strlen(s) == 2 + 2 * DAAS_SCHED_DIGEST_LEN) {
        ok = true;
        for (size_t i = 0; i < DAAS_SCHED_DIGEST_LEN && ok; i++) {
            int hi = daas_hexval(s[2 + 2 * i]), lo = daas_hexval(s[3 + 2 * i]);
            ok = hi >= 0 && lo >= 0;
            out[i] = (uint8_t)(hi << 4 | lo);
        }
    } else if (s != NULL) {
        daas_buf b;
        daas_buf_init(&b, 64);
        ok = daas_base64_decode(s, strlen(s), &b) == DAAS_OK && b.len == DAAS_SCHED_DIGEST_LEN;
        if (ok)
            memcpy(out, b.data, DAAS_SCHED_DIGEST_LEN);
        daas_buf_fini(&b);
    }
    return ok;
}

static int parse_event(const daas_sui_event *ev, committed *c, daas_err *err)
{
    const json_t *j = ev->json;
    if (!json_is_object(j) || !daas_json_u64(json_object_get(j, "first_seq"), &c->first) ||
        !daas_json_u64(json_object_get(j, "count"), &c->count) ||
        !json_root(json_object_get(j, "root"), c->root))
        return daas_fail(err, DAAS_EREMOTE, "malformed BatchCommitted event");
    return DAAS_OK;
}

static int by_first(const void *a, const void *b)
{
    uint64_t x = ((const committed *)a)->first, y = ((const committed *)b)->first;
    return x < y ? -1 : x > y;
}

static bool has_commit(const committed *cs, size_t n, const daas_declog_batch *b)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cs[mid].first < b->first)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && cs[lo].first == b->first; lo++)
        if (cs[lo].count == b->count && memcmp(cs[lo].root, b->root, sizeof b->root) == 0)
            return true;
    return false;
}

static int match(committed *cs, size_t n, daas_declog_report *rep, daas_err *err)
{
    qsort(cs, n, sizeof *cs, by_first);
    rep->chain_checked = 0;
    for (size_t i = 0; i < rep->n_batch_list; i++) {
        const daas_declog_batch *b = &rep->batch_list[i];
        if (!has_commit(cs, n, b)) {
            rep->ok = false;
            rep->has_failure = true;
            rep->fail_record = b->record;
            rep->fail_offset = 0;
            snprintf(rep->reason, sizeof rep->reason,
                     "no BatchCommitted event on chain with this root, first_seq %" PRIu64
                     " and count %" PRIu64,
                     b->first, b->count);
            return daas_fail(err, DAAS_ENOTFOUND, "record %" PRIu64 ": %s", b->record, rep->reason);
        }
        rep->chain_checked++;
    }
    return DAAS_OK;
}

int daas_declog_match_events(const daas_sui_event *ev, size_t n, daas_declog_report *rep,
                             daas_err *err)
{
    committed *cs = daas_xcalloc(n ? n : 1, sizeof *cs);
    int rc = DAAS_OK;
    for (size_t i = 0; i < n && rc == DAAS_OK; i++)
        rc = parse_event(&ev[i], &cs[i], err);
    if (rc == DAAS_OK)
        rc = match(cs, n, rep, err);
    daas_free(cs);
    return rc;
}

int daas_declog_verify_chain(daas_sui_client *c, const char *package, daas_declog_report *rep,
                             daas_err *err)
{
    char *filter = daas_xasprintf("%s::scheduling::BatchCommitted", package);
    char *cursor = NULL;
    committed *cs = NULL;
    size_t n = 0;
    bool next = true;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && next) {
        daas_sui_events page = {0};
        rc = daas_sui_query_events(c, filter, cursor, 50, &page, err);
        if (rc == DAAS_OK && n + page.n > DAAS_DECLOG_MAX_EVENTS)
            rc = daas_fail(err, DAAS_ETOOBIG, "more than %d BatchCommitted events",
                           DAAS_DECLOG_MAX_EVENTS);
        if (rc == DAAS_OK) {
            cs = daas_xrealloc(cs, (n + page.n + 1) * sizeof *cs);
            for (size_t i = 0; i < page.n && rc == DAAS_OK; i++)
                rc = parse_event(&page.items[i], &cs[n++], err);
            next = page.has_next && page.cursor != NULL && page.n > 0;
            daas_free(cursor);
            cursor = page.cursor ? daas_xstrdup(page.cursor) : NULL;
        }
        daas_sui_events_fini(&page);
    }
    if (rc == DAAS_OK)
        rc = match(cs, n, rep, err);
    daas_free(cs);
    daas_free(cursor);
    daas_free(filter);
    return rc;
}
