/*
 * rebalance.c: the rebalancing planner: RebalanceRequest and RebalancePlan BCS, the published
 *              eviction algorithm over the enclave's cluster view, intent-5 signing bytes.
 *
 * Owns:   the planner's working view (copies of node and owner counters, freed before
 *         returning) and the plan's memory (an arena in plan->_mem).
 * Not:    the cluster view itself (state.c; only read here through sched_int.h), executing
 *         or authorising evictions (the server), keys (the enclave).
 * Invariants:
 *   - the plan depends only on the state's content and the request: every choice is a
 *     total order (load or share, then a name, an address or a hash), never the order of
 *     st->nodes, st->owners or the hash maps;
 *   - integer arithmetic only; products that can pass 2^63 use 128-bit intermediates
 *     (quantities < 2^62 per node, stakes < 2^64, at most 2^16 owners and 2^20 pods);
 *   - each step either evicts a pod or gives up a node or owner, and a target never becomes
 *     over(), so the loops end after at most candidates + nodes + owners steps;
 *   - decoders are strict: a decoded value re-encodes to its input.
 * Spec:   rebalance.h; sched.h "Cluster view" and "Decisions".
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sched/rebalance.h"
#include "sched/sched_int.h"
#include "sui/bcs.h"

#define BP_MAX ((uint64_t)1 << 62)
#define NO_BUDGET SIZE_MAX
#define MAX_PLAN_EVICTIONS UINT16_MAX
#define HEAD_LEN 9 /* intent + timestamp */

typedef unsigned __int128 u128;

/* ---- format checks ---- */

/* Byte order of two strings (strcmp compares as unsigned char). */
static int str_cmp(const char *a, const char *b)
{
    return strcmp(a, b);
}

static size_t budget_find(const daas_sched_rebalance_req *req, const char *name)
{
    size_t lo = 0, hi = req->n_budgets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = str_cmp(req->budgets[mid].name, name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NO_BUDGET;
}

static int list_check(const void *p, size_t n, size_t max, const char *what, daas_err *err)
{
    if (n > max)
        return daas_fail(err, DAAS_ETOOBIG, "rebalance: %zu %s (at most %zu)", n, what, max);
    if (n > 0 && p == NULL)
        return daas_fail(err, DAAS_EINVAL, "rebalance: %s missing", what);
    return DAAS_OK;
}

static int budgets_check(const daas_sched_rebalance_req *req, daas_err *err)
{
    int rc =
        list_check(req->budgets, req->n_budgets, DAAS_SCHED_REBALANCE_MAX_BUDGETS, "budgets", err);
    for (size_t i = 0; rc == DAAS_OK && i < req->n_budgets; i++) {
        rc = daas_sched__name_check(req->budgets[i].name, "budget name", err);
        if (rc == DAAS_OK && i > 0 && str_cmp(req->budgets[i - 1].name, req->budgets[i].name) >= 0)
            rc = daas_fail(err, DAAS_EINVAL, "rebalance: budgets not strictly sorted at %s",
                           req->budgets[i].name);
    }
    return rc;
}

static int cand_check(const daas_sched_rebalance_req *req, const daas_sched_rebalance_cand *c,
                      daas_err *err)
{
    int rc = daas_sched__name_check(c->uid, "candidate uid", err);
    if (rc == DAAS_OK)
        rc = daas_sched__name_check(c->ns, "candidate namespace", err);
    if (rc == DAAS_OK)
        rc = daas_sched__name_check(c->name, "candidate name", err);
    if (rc == DAAS_OK && (c->controller == NULL || c->controller[0] != '\0'))
        rc = daas_sched__name_check(c->controller, "candidate controller", err);
    if (rc == DAAS_OK && c->budget != NULL) {
        rc = daas_sched__name_check(c->budget, "candidate budget", err);
        if (rc == DAAS_OK && budget_find(req, c->budget) == NO_BUDGET)
            rc = daas_fail(err, DAAS_EINVAL, "rebalance: candidate %s names unknown budget %s",
                           c->uid, c->budget);
    }
    return rc;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_req_check(const daas_sched_rebalance_req *req, daas_err *err)
{
    if (req->threshold_pct < 1 || req->threshold_pct > 100)
        return daas_fail(err, DAAS_EINVAL, "rebalance: threshold_pct %u not in 1..100",
                         req->threshold_pct);
    if (req->max_evictions < 1)
        return daas_fail(err, DAAS_EINVAL, "rebalance: max_evictions is 0");
    if (req->fairness_pct > 100)
        return daas_fail(err, DAAS_EINVAL, "rebalance: fairness_pct %u over 100",
                         req->fairness_pct);
    int rc = budgets_check(req, err);
    if (rc == DAAS_OK)
        rc = list_check(req->cands, req->n_cands, DAAS_SCHED_REBALANCE_MAX_CANDIDATES, "candidates",
                        err);
    for (size_t i = 0; rc == DAAS_OK && i < req->n_cands; i++) {
        rc = cand_check(req, &req->cands[i], err);
        if (rc == DAAS_OK && i > 0 && str_cmp(req->cands[i - 1].uid, req->cands[i].uid) >= 0)
            rc = daas_fail(err, DAAS_EINVAL, "rebalance: candidates not strictly sorted at %s",
                           req->cands[i].uid);
    }
    return rc;
}

/* ---- request BCS ---- */

/* Fails when what was appended since start passes the wire limit (and takes it back). */
static int wire_limit(daas_buf *out, size_t start, int rc, const char *what, daas_err *err)
{
    if (rc == DAAS_OK && out->len - start <= DAAS_SCHED_REBALANCE_MAX_BYTES)
        return DAAS_OK;
    if (out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    return daas_fail(err, DAAS_ETOOBIG, "rebalance: %s exceeds its buffer or %zu bytes", what,
                     DAAS_SCHED_REBALANCE_MAX_BYTES);
}

static int put_cand(daas_buf *b, const daas_sched_rebalance_cand *c)
{
    int rc = daas_sui_bcs_put_str(b, c->uid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, c->ns);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, c->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, c->controller);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_option(b, c->budget != NULL);
    if (rc == DAAS_OK && c->budget != NULL)
        rc = daas_sui_bcs_put_str(b, c->budget);
    return rc;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_req_encode(const daas_sched_rebalance_req *req, daas_buf *out,
                                    daas_err *err)
{
    size_t start = out->len;
    int rc = daas_sched_rebalance_req_check(req, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_u64(out, req->round);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, req->threshold_pct);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u16(out, req->max_evictions);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(out, req->fairness_pct);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(out, req->n_cands);
    for (size_t i = 0; rc == DAAS_OK && i < req->n_cands; i++)
        rc = put_cand(out, &req->cands[i]);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(out, req->n_budgets);
    for (size_t i = 0; rc == DAAS_OK && i < req->n_budgets; i++) {
        rc = daas_sui_bcs_put_str(out, req->budgets[i].name);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u32(out, req->budgets[i].disruptions_allowed);
    }
    return wire_limit(out, start, rc, "request", err);
}

/* A decoder's cursor and the arena its values go to. */
typedef struct dec {
    daas_sui_bcs_reader r;
    daas_sched__chunk *mem;
    daas_err *err;
} dec;

static int get_str(dec *d, const char *what, const char **out)
{
    daas_bytes s;
    int rc = daas_sui_bcs_get_str(&d->r, what, DAAS_SCHED_MAX_STR, &s, d->err);
    if (rc == DAAS_OK)
        *out = daas_sched__arena_str(&d->mem, (const char *)s.ptr, s.len);
    return rc;
}

/* A vector length and zeroed room for its elements. */
static int get_vec(dec *d, const char *what, size_t max, size_t min_wire, size_t elem, void **out,
                   size_t *n)
{
    int rc = daas_sui_bcs_get_len(&d->r, what, max, min_wire, n, d->err);
    if (rc == DAAS_OK)
        *out = *n ? daas_sched__arena_alloc(&d->mem, *n * elem) : NULL;
    return rc;
}

static int get_cand(dec *d, daas_sched_rebalance_cand *c)
{
    bool some = false;
    int rc = get_str(d, "candidate uid", &c->uid);
    if (rc == DAAS_OK)
        rc = get_str(d, "candidate namespace", &c->ns);
    if (rc == DAAS_OK)
        rc = get_str(d, "candidate name", &c->name);
    if (rc == DAAS_OK)
        rc = get_str(d, "candidate controller", &c->controller);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_option(&d->r, "candidate budget", &some, d->err);
    if (rc == DAAS_OK && some)
        rc = get_str(d, "candidate budget", &c->budget);
    return rc;
}

static int get_req(dec *d, daas_sched_rebalance_req *q)
{
    daas_sched_rebalance_cand *c = NULL;
    daas_sched_rebalance_budget *b = NULL;
    int rc = daas_sui_bcs_get_u64(&d->r, "round", &q->round, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "threshold_pct", &q->threshold_pct, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u16(&d->r, "max_evictions", &q->max_evictions, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "fairness_pct", &q->fairness_pct, d->err);
    if (rc == DAAS_OK)
        rc = get_vec(d, "candidates", DAAS_SCHED_REBALANCE_MAX_CANDIDATES, 8, sizeof(*c),
                     (void **)&c, &q->n_cands);
    for (size_t i = 0; rc == DAAS_OK && i < q->n_cands; i++)
        rc = get_cand(d, &c[i]);
    q->cands = c;
    if (rc == DAAS_OK)
        rc = get_vec(d, "budgets", DAAS_SCHED_REBALANCE_MAX_BUDGETS, 5, sizeof(*b), (void **)&b,
                     &q->n_budgets);
    for (size_t i = 0; rc == DAAS_OK && i < q->n_budgets; i++) {
        rc = get_str(d, "budget name", &b[i].name);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u32(&d->r, "disruptions_allowed", &b[i].disruptions_allowed,
                                      d->err);
    }
    q->budgets = b;
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d->r, "request", d->err);
    return rc;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_req_decode(daas_bytes in, daas_sched_rebalance_req *req, daas_err *err)
{
    dec d = {.err = err};
    memset(req, 0, sizeof(*req));
    if (in.len > DAAS_SCHED_REBALANCE_MAX_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "rebalance: request of %zu bytes", in.len);
    daas_sui_bcs_reader_init(&d.r, in);
    int rc = get_req(&d, req);
    if (rc == DAAS_OK)
        rc = daas_sched_rebalance_req_check(req, err);
    return daas_sched__arena_finish(rc, d.mem, req, sizeof(*req), &req->_mem);
}

/* Contract in rebalance.h. */
void daas_sched_rebalance_req_fini(daas_sched_rebalance_req *req)
{
    daas_sched__arena_release(&req->_mem, req, sizeof(*req));
}

/* ---- plan BCS ---- */

static int cmp_evict_uid(const void *a, const void *b)
{
    return str_cmp((*(const daas_sched_eviction *const *)a)->uid,
                   (*(const daas_sched_eviction *const *)b)->uid);
}

static int evictions_distinct(const daas_sched_plan *p, daas_err *err)
{
    int rc = DAAS_OK;
    if (p->n_evictions < 2)
        return DAAS_OK;
    const daas_sched_eviction **v = daas_xmalloc(p->n_evictions * sizeof(*v));
    for (size_t i = 0; i < p->n_evictions; i++)
        v[i] = &p->evictions[i];
    qsort(v, p->n_evictions, sizeof(*v), cmp_evict_uid);
    for (size_t i = 1; rc == DAAS_OK && i < p->n_evictions; i++)
        if (str_cmp(v[i - 1]->uid, v[i]->uid) == 0)
            rc = daas_fail(err, DAAS_EINVAL, "rebalance: pod %s evicted twice", v[i]->uid);
    daas_free(v);
    return rc;
}

static int plan_check(const daas_sched_plan *p, daas_err *err)
{
    int rc = list_check(p->evictions, p->n_evictions, MAX_PLAN_EVICTIONS, "evictions", err);
    for (size_t i = 0; rc == DAAS_OK && i < p->n_evictions; i++) {
        const daas_sched_eviction *e = &p->evictions[i];
        rc = daas_sched__name_check(e->uid, "eviction uid", err);
        if (rc == DAAS_OK)
            rc = daas_sched__name_check(e->ns, "eviction namespace", err);
        if (rc == DAAS_OK)
            rc = daas_sched__name_check(e->name, "eviction name", err);
        if (rc == DAAS_OK)
            rc = daas_sched__name_check(e->node, "eviction node", err);
        if (rc == DAAS_OK && e->reason != DAAS_SCHED_EVICT_OVERLOAD &&
            e->reason != DAAS_SCHED_EVICT_OVER_SHARE)
            rc = daas_fail(err, DAAS_EINVAL, "rebalance: eviction reason %u", e->reason);
    }
    if (rc == DAAS_OK)
        rc = evictions_distinct(p, err);
    return rc;
}

static int put_eviction(daas_buf *b, const daas_sched_eviction *e)
{
    int rc = daas_sui_bcs_put_str(b, e->uid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, e->ns);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, e->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(b, e->node);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(b, e->reason);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(b, e->score);
    return rc;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_plan_encode(const daas_sched_plan *plan, daas_buf *out, daas_err *err)
{
    size_t start = out->len;
    int rc = plan_check(plan, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_u64(out, plan->round);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, plan->state_seq);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, plan->state_digest, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, plan->request_digest, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(out, plan->n_evictions);
    for (size_t i = 0; rc == DAAS_OK && i < plan->n_evictions; i++)
        rc = put_eviction(out, &plan->evictions[i]);
    return wire_limit(out, start, rc, "plan", err);
}

static int get_digest(dec *d, const char *what, uint8_t out[DAAS_SCHED_DIGEST_LEN])
{
    daas_bytes b;
    int rc = daas_sui_bcs_get_bytes(&d->r, what, DAAS_SCHED_DIGEST_LEN, &b, d->err);
    if (rc == DAAS_OK && b.len != DAAS_SCHED_DIGEST_LEN)
        rc = daas_fail(d->err, DAAS_EINVAL, "rebalance: %s of %zu bytes", what, b.len);
    if (rc == DAAS_OK)
        memcpy(out, b.ptr, DAAS_SCHED_DIGEST_LEN);
    return rc;
}

static int get_eviction(dec *d, daas_sched_eviction *e)
{
    int rc = get_str(d, "eviction uid", &e->uid);
    if (rc == DAAS_OK)
        rc = get_str(d, "eviction namespace", &e->ns);
    if (rc == DAAS_OK)
        rc = get_str(d, "eviction name", &e->name);
    if (rc == DAAS_OK)
        rc = get_str(d, "eviction node", &e->node);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "eviction reason", &e->reason, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&d->r, "eviction score", &e->score, d->err);
    return rc;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_plan_decode(daas_bytes in, daas_sched_plan *out, daas_err *err)
{
    dec d = {.err = err};
    memset(out, 0, sizeof(*out));
    if (in.len > DAAS_SCHED_REBALANCE_MAX_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "rebalance: plan of %zu bytes", in.len);
    daas_sui_bcs_reader_init(&d.r, in);
    int rc = daas_sui_bcs_get_u64(&d.r, "plan round", &out->round, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&d.r, "plan state seq", &out->state_seq, err);
    if (rc == DAAS_OK)
        rc = get_digest(&d, "plan state digest", out->state_digest);
    if (rc == DAAS_OK)
        rc = get_digest(&d, "plan request digest", out->request_digest);
    if (rc == DAAS_OK)
        rc = get_vec(&d, "evictions", MAX_PLAN_EVICTIONS, 13, sizeof(daas_sched_eviction),
                     (void **)&out->evictions, &out->n_evictions);
    for (size_t i = 0; rc == DAAS_OK && i < out->n_evictions; i++)
        rc = get_eviction(&d, &out->evictions[i]);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d.r, "plan", err);
    if (rc == DAAS_OK)
        rc = plan_check(out, err);
    return daas_sched__arena_finish(rc, d.mem, out, sizeof(*out), &out->_mem);
}

/* Contract in rebalance.h. */
void daas_sched_rebalance_plan_fini(daas_sched_plan *plan)
{
    daas_sched__arena_release(&plan->_mem, plan, sizeof(*plan));
}

/* ---- signing ---- */

/* Contract in rebalance.h. */
int daas_sched_rebalance_signing_bytes(uint64_t timestamp_ms, daas_bytes plan_bcs, daas_buf *out,
                                       daas_err *err)
{
    /* SPEC: sched.h "Decisions": intent u8, timestamp_ms u64 LE, then the payload's BCS. */
    int rc = daas_sui_bcs_put_u8(out, DAAS_SCHED_INTENT_REBALANCE);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, timestamp_ms);
    if (rc == DAAS_OK && plan_bcs.len > 0)
        rc = daas_sui_bcs_put_fixed(out, plan_bcs.ptr, plan_bcs.len);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_ETOOBIG, "rebalance: plan of %zu bytes exceeds its buffer",
                         plan_bcs.len);
    return DAAS_OK;
}

static int signing_bytes(uint64_t ts, daas_bytes plan, daas_buf *b, daas_err *err)
{
    daas_buf_init(b, DAAS_SCHED_REBALANCE_MAX_BYTES + HEAD_LEN);
    return daas_sched_rebalance_signing_bytes(ts, plan, b, err);
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_sign(uint64_t timestamp_ms, daas_bytes plan_bcs,
                              const uint8_t sk[DAAS_SCHED_SECKEY_LEN],
                              uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err)
{
    daas_buf b;
    int rc = signing_bytes(timestamp_ms, plan_bcs, &b, err);
    if (rc == DAAS_OK && sodium_init() < 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "rebalance: libsodium cannot start");
    if (rc == DAAS_OK && crypto_sign_detached(sig, NULL, (const uint8_t *)b.data, b.len, sk) != 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "rebalance: Ed25519 signing failed");
    daas_buf_fini(&b);
    return rc;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_verify(daas_bytes plan_bcs, uint64_t timestamp_ms,
                                const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], daas_err *err)
{
    daas_sched_plan p;
    daas_buf b;
    int rc = daas_sched_rebalance_plan_decode(plan_bcs, &p, err);
    if (rc != DAAS_OK)
        return rc;
    daas_sched_rebalance_plan_fini(&p);
    rc = signing_bytes(timestamp_ms, plan_bcs, &b, err);
    if (rc == DAAS_OK && sodium_init() < 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "rebalance: libsodium cannot start");
    if (rc == DAAS_OK && crypto_sign_verify_detached(sig, (const uint8_t *)b.data, b.len, pk) != 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "rebalance: plan signature does not verify");
    daas_buf_fini(&b);
    return rc;
}

/* Contract in rebalance.h. */
void daas_sched_rebalance_leaf(uint64_t timestamp_ms, daas_bytes plan_bcs,
                               uint8_t leaf[DAAS_SCHED_DIGEST_LEN])
{
    uint8_t head[1 + HEAD_LEN] = {0x00, DAAS_SCHED_INTENT_REBALANCE};
    crypto_generichash_state h;
    for (int i = 0; i < 8; i++)
        head[2 + i] = (uint8_t)(timestamp_ms >> (8 * i));
    /* The same bytes as daas_sched_merkle_leaf over the signing bytes, without a copy. */
    crypto_generichash_init(&h, NULL, 0, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, head, sizeof head);
    crypto_generichash_update(&h, plan_bcs.ptr, plan_bcs.len);
    crypto_generichash_final(&h, leaf, DAAS_SCHED_DIGEST_LEN);
}

/* ---- the planner ---- */

/* A request candidate joined with the state's pod record. */
typedef struct cand {
    const daas_sched_rebalance_cand *c;
    const daas_sched__pod *pod; /* NULL: unknown to the state or its node is absent */
    size_t budget;              /* index in req->budgets or NO_BUDGET */
    uint64_t share;             /* share(p, its node) */
    uint8_t hash[DAAS_SCHED_DIGEST_LEN];
    bool done; /* in the plan */
} cand;

typedef struct wnode { /* working view of a node, by node->idx */
    int64_t cpu, mem;
    uint32_t pods;
    bool given_up;
} wnode;

typedef struct wowner { /* working view of an owner, by owner->idx */
    uint64_t stake;
    uint64_t pods;
    bool present, given_up;
} wowner;

typedef struct evict_rec {
    const cand *c;
    const daas_sched__node *from;
    uint8_t reason;
} evict_rec;

typedef struct planner {
    const daas_sched_state *st;
    const daas_sched_rebalance_req *req;
    cand *cands;
    cand **order; /* scratch: the candidates of one step, sorted */
    wnode *nodes;
    wowner *owners;
    uint32_t *left;  /* disruptions still allowed, per budget */
    u128 stake_sum;  /* S */
    uint64_t placed; /* P */
    evict_rec *evs;
    size_t n_evs, max_evs;
    /* indexes (they only narrow each step's scan; its sort decides): */
    cand **by_node;               /* candidates with a pod, grouped by their node's idx */
    size_t *node_at;              /* node idx i's candidates: by_node[node_at[i]..node_at[i+1]) */
    const daas_sched__node **own; /* nodes grouped by their owner's idx */
    size_t *owner_at;             /* owner idx j's nodes: own[owner_at[j]..owner_at[j+1]) */
} planner;

static uint64_t bp(int64_t x, int64_t a)
{
    if (x <= 0)
        return 0;
    if (a <= 0)
        return BP_MAX;
    u128 v = (u128)x * 10000u / (u128)a;
    return v > BP_MAX ? BP_MAX : (uint64_t)v;
}

static uint64_t load_of(const daas_sched__node *n, int64_t cpu, int64_t mem)
{
    uint64_t c = bp(cpu, n->alloc_cpu), m = bp(mem, n->alloc_mem);
    return c > m ? c : m;
}

static bool over(const planner *pl, const daas_sched__node *n, int64_t cpu, int64_t mem)
{
    __int128 t = pl->req->threshold_pct;
    return (__int128)cpu * 100 > (__int128)n->alloc_cpu * t ||
           (__int128)mem * 100 > (__int128)n->alloc_mem * t;
}

static bool drifts(const planner *pl, const wowner *o, uint64_t k)
{
    u128 s = pl->stake_sum, p = pl->placed;
    if (s == 0 || p == 0)
        return false;
    return (u128)k * s * 100u > ((u128)o->stake * 100u + (u128)pl->req->fairness_pct * s) * p;
}

static int name_cmp(const daas_sched__node *a, const daas_sched__node *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    return c != 0 ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static bool ext_fit(const daas_sched__pod *p, const daas_sched__node *n)
{
    for (uint32_t i = 0; i < p->n_ext; i++) {
        int64_t avail = 0;
        for (uint32_t k = 0; k < n->n_ext; k++)
            if (n->ext[k].rid == p->ext[i].rid)
                avail = n->ext[k].alloc - n->ext[k].used;
        if (p->ext[i].qty > 0 && p->ext[i].qty > avail)
            return false;
    }
    return true;
}

/* Whether t can take pod p (moving off s for reason) per the working view. */
static bool can_take(const planner *pl, const daas_sched__node *t, const daas_sched__pod *p,
                     uint8_t reason)
{
    const daas_sched__node *s = p->node;
    const wnode *w = &pl->nodes[t->idx];
    if (t == s || t->flags != DAAS_SCHED__READY || w->pods >= t->max_pods)
        return false;
    if ((p->q_cpu > 0 && p->q_cpu > t->alloc_cpu - w->cpu) ||
        (p->q_mem > 0 && p->q_mem > t->alloc_mem - w->mem) || !ext_fit(p, t))
        return false;
    if (over(pl, t, w->cpu + p->q_cpu, w->mem + p->q_mem))
        return false;
    if (reason != DAAS_SCHED_EVICT_OVER_SHARE)
        return true;
    const wowner *o = &pl->owners[t->owner->idx];
    return t->owner != s->owner && !drifts(pl, o, o->pods + 1);
}

/* The target of p: the qualifying node of least load with p added, ties by name. */
static const daas_sched__node *target(const planner *pl, const daas_sched__pod *p, uint8_t reason)
{
    const daas_sched__node *best = NULL;
    uint64_t best_load = 0;
    for (size_t i = 0; i < pl->st->n_nodes; i++) {
        const daas_sched__node *t = pl->st->nodes[i];
        if (!can_take(pl, t, p, reason))
            continue;
        const wnode *w = &pl->nodes[t->idx];
        uint64_t l = load_of(t, w->cpu + p->q_cpu, w->mem + p->q_mem);
        if (best == NULL || l < best_load || (l == best_load && name_cmp(t, best) < 0)) {
            best = t;
            best_load = l;
        }
    }
    return best;
}

static bool eligible(const planner *pl, const cand *c)
{
    return c->pod != NULL && !c->done && c->c->controller[0] != '\0' &&
           (c->budget == NO_BUDGET || pl->left[c->budget] > 0);
}

static void evict(planner *pl, cand *c, const daas_sched__node *t, uint8_t reason)
{
    const daas_sched__pod *p = c->pod;
    wnode *ws = &pl->nodes[p->node->idx], *wt = &pl->nodes[t->idx];
    ws->cpu -= p->q_cpu;
    ws->mem -= p->q_mem;
    ws->pods--;
    wt->cpu += p->q_cpu;
    wt->mem += p->q_mem;
    wt->pods++;
    pl->owners[p->node->owner->idx].pods--;
    pl->owners[t->owner->idx].pods++;
    if (c->budget != NO_BUDGET)
        pl->left[c->budget]--;
    c->done = true;
    pl->evs[pl->n_evs++] = (evict_rec){c, p->node, reason};
}

/* Share descending, then hash ascending (then uid: hashes of distinct uids differ anyway). */
static int cmp_cand(const void *a, const void *b)
{
    const cand *x = *(const cand *const *)a, *y = *(const cand *const *)b;
    if (x->share != y->share)
        return x->share > y->share ? -1 : 1;
    int c = memcmp(x->hash, y->hash, DAAS_SCHED_DIGEST_LEN);
    return c != 0 ? c : str_cmp(x->c->uid, y->c->uid);
}

/* One step: the best eligible candidate on node s (reason 1) or on owner o's nodes (reason
 * 2) that has a target is evicted. False when none has. */
static bool step(planner *pl, const daas_sched__node *s, const daas_sched__owner *o, uint8_t reason)
{
    size_t n = 0;
    size_t first = s ? 0 : pl->owner_at[o->idx], last = s ? 1 : pl->owner_at[o->idx + 1];
    for (size_t j = first; j < last; j++) {
        size_t ni = s ? s->idx : pl->own[j]->idx;
        for (size_t i = pl->node_at[ni]; i < pl->node_at[ni + 1]; i++) {
            cand *c = pl->by_node[i];
            if (eligible(pl, c) && (s == NULL || c->share > 0))
                pl->order[n++] = c;
        }
    }
    if (n > 1)
        qsort(pl->order, n, sizeof(pl->order[0]), cmp_cand);
    for (size_t k = 0; k < n; k++) {
        const daas_sched__node *t = target(pl, pl->order[k]->pod, reason);
        if (t != NULL) {
            evict(pl, pl->order[k], t, reason);
            return true;
        }
    }
    return false;
}

/* The over() node not given up with the highest load, ties by name; NULL when none. */
static const daas_sched__node *most_loaded(const planner *pl)
{
    const daas_sched__node *best = NULL;
    uint64_t best_load = 0;
    for (size_t i = 0; i < pl->st->n_nodes; i++) {
        const daas_sched__node *n = pl->st->nodes[i];
        const wnode *w = &pl->nodes[n->idx];
        if (w->given_up || !over(pl, n, w->cpu, w->mem))
            continue;
        uint64_t l = load_of(n, w->cpu, w->mem);
        if (best == NULL || l > best_load || (l == best_load && name_cmp(n, best) < 0)) {
            best = n;
            best_load = l;
        }
    }
    return best;
}

/* The drifting owner not given up with the largest excess, ties by address; NULL: none. */
static const daas_sched__owner *most_drifting(const planner *pl)
{
    const daas_sched__owner *best = NULL;
    u128 best_x = 0;
    for (size_t i = 0; i < pl->st->n_owners; i++) {
        const daas_sched__owner *o = pl->st->owners[i];
        const wowner *w = &pl->owners[o->idx];
        if (!w->present || w->given_up || !drifts(pl, w, w->pods))
            continue;
        /* drifts implies pods * S > stake * P, so this does not wrap */
        u128 x = (u128)w->pods * pl->stake_sum - (u128)w->stake * pl->placed;
        if (best == NULL || x > best_x || (x == best_x && memcmp(o->addr, best->addr, 32) < 0)) {
            best = o;
            best_x = x;
        }
    }
    return best;
}

static void run(planner *pl)
{
    while (pl->n_evs < pl->max_evs) {
        const daas_sched__node *n = most_loaded(pl);
        if (n == NULL)
            break;
        if (!step(pl, n, NULL, DAAS_SCHED_EVICT_OVERLOAD))
            pl->nodes[n->idx].given_up = true;
    }
    while (pl->req->fairness_pct > 0 && pl->n_evs < pl->max_evs) {
        const daas_sched__owner *o = most_drifting(pl);
        if (o == NULL)
            break;
        if (!step(pl, NULL, o, DAAS_SCHED_EVICT_OVER_SHARE))
            pl->owners[o->idx].given_up = true;
    }
}

static void cand_setup(planner *pl, cand *c, const daas_sched_rebalance_cand *rc)
{
    const daas_sched_state *st = pl->st;
    uint8_t round[8];
    crypto_generichash_state h;
    size_t len = strlen(rc->uid);
    const daas_sched__pod *p =
        (const daas_sched__pod *)daas_sched__map_get(&st->pod_map, rc->uid, len);
    c->c = rc;
    c->pod = p != NULL && p->node != NULL ? p : NULL;
    c->budget = rc->budget != NULL ? budget_find(pl->req, rc->budget) : NO_BUDGET;
    if (c->pod != NULL)
        c->share = bp(p->q_cpu, p->node->alloc_cpu) + bp(p->q_mem, p->node->alloc_mem);
    for (int i = 0; i < 8; i++)
        round[i] = (uint8_t)(pl->req->round >> (8 * i));
    crypto_generichash_init(&h, NULL, 0, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, (const uint8_t *)rc->uid, len);
    crypto_generichash_update(&h, round, sizeof round);
    crypto_generichash_final(&h, c->hash, DAAS_SCHED_DIGEST_LEN);
}

/* by_node/node_at and own/owner_at (counting sorts by idx). */
static void index_build(planner *pl)
{
    const daas_sched_state *st = pl->st;
    size_t nn = st->n_nodes, no = st->n_owners, nc = pl->req->n_cands;
    pl->node_at = daas_xcalloc(nn + 2, sizeof(size_t));
    pl->by_node = daas_xcalloc(nc + 1, sizeof(cand *));
    pl->owner_at = daas_xcalloc(no + 2, sizeof(size_t));
    pl->own = daas_xcalloc(nn + 1, sizeof(*pl->own));
    for (size_t i = 0; i < nc; i++)
        if (pl->cands[i].pod)
            pl->node_at[pl->cands[i].pod->node->idx + 1]++;
    for (size_t i = 0; i < nn; i++) {
        pl->node_at[i + 1] += pl->node_at[i];
        pl->owner_at[st->nodes[i]->owner->idx + 1]++;
    }
    for (size_t i = 0; i < no; i++)
        pl->owner_at[i + 1] += pl->owner_at[i];
    size_t *fill = daas_xcalloc(nn + no + 1, sizeof(size_t));
    for (size_t i = 0; i < nc; i++) {
        cand *c = &pl->cands[i];
        if (c->pod)
            pl->by_node[pl->node_at[c->pod->node->idx] + fill[c->pod->node->idx]++] = c;
    }
    for (size_t i = 0; i < nn; i++) {
        size_t o = st->nodes[i]->owner->idx;
        pl->own[pl->owner_at[o] + fill[nn + o]++] = st->nodes[i];
    }
    daas_free(fill);
}

static void planner_init(planner *pl, const daas_sched_state *st,
                         const daas_sched_rebalance_req *req)
{
    memset(pl, 0, sizeof(*pl));
    pl->st = st;
    pl->req = req;
    pl->cands = daas_xcalloc(req->n_cands + 1, sizeof(cand));
    pl->order = daas_xcalloc(req->n_cands + 1, sizeof(cand *));
    pl->nodes = daas_xcalloc(st->n_nodes + 1, sizeof(wnode));
    pl->owners = daas_xcalloc(st->n_owners + 1, sizeof(wowner));
    pl->left = daas_xcalloc(req->n_budgets + 1, sizeof(uint32_t));
    pl->max_evs = req->max_evictions < req->n_cands ? req->max_evictions : req->n_cands;
    pl->evs = daas_xcalloc(pl->max_evs + 1, sizeof(evict_rec));
    for (size_t i = 0; i < req->n_budgets; i++)
        pl->left[i] = req->budgets[i].disruptions_allowed;
    for (size_t i = 0; i < req->n_cands; i++)
        cand_setup(pl, &pl->cands[i], &req->cands[i]);
    for (size_t i = 0; i < st->n_nodes; i++) {
        const daas_sched__node *n = st->nodes[i];
        wowner *o = &pl->owners[n->owner->idx];
        pl->nodes[n->idx] = (wnode){n->used_cpu, n->used_mem, n->n_pods, false};
        o->present = true;
        o->stake = n->stake > o->stake ? n->stake : o->stake;
        o->pods += n->n_pods;
        pl->placed += n->n_pods;
    }
    for (size_t i = 0; i < st->n_owners; i++)
        pl->stake_sum += pl->owners[i].stake;
    index_build(pl);
}

static void planner_fini(planner *pl)
{
    daas_free(pl->by_node);
    daas_free(pl->node_at);
    daas_free(pl->own);
    daas_free(pl->owner_at);
    daas_free(pl->cands);
    daas_free(pl->order);
    daas_free(pl->nodes);
    daas_free(pl->owners);
    daas_free(pl->left);
    daas_free(pl->evs);
}

/* Copies the chosen evictions into out's arena. */
static void plan_fill(const planner *pl, daas_sched_plan *out)
{
    daas_sched__chunk *mem = NULL;
    out->n_evictions = pl->n_evs;
    if (pl->n_evs > 0)
        out->evictions = daas_sched__arena_alloc(&mem, pl->n_evs * sizeof(daas_sched_eviction));
    for (size_t i = 0; i < pl->n_evs; i++) {
        const evict_rec *r = &pl->evs[i];
        const daas_sched_rebalance_cand *c = r->c->c;
        out->evictions[i] = (daas_sched_eviction){
            .uid = daas_sched__arena_str(&mem, c->uid, strlen(c->uid)),
            .ns = daas_sched__arena_str(&mem, c->ns, strlen(c->ns)),
            .name = daas_sched__arena_str(&mem, c->name, strlen(c->name)),
            .node = daas_sched__arena_str(&mem, r->from->name, r->from->name_len),
            .reason = r->reason,
            .score = r->c->share,
        };
    }
    out->_mem = mem;
}

/* Contract in rebalance.h. */
int daas_sched_rebalance_plan(const daas_sched_state *st, const daas_sched_rebalance_req *req,
                              daas_sched_plan *out, daas_err *err)
{
    daas_buf b;
    planner pl;
    memset(out, 0, sizeof(*out));
    daas_buf_init(&b, DAAS_SCHED_REBALANCE_MAX_BYTES);
    int rc = daas_sched_rebalance_req_encode(req, &b, err); /* checks req */
    if (rc != DAAS_OK)
        goto out;
    out->round = req->round;
    out->state_seq = daas_sched_state_seq(st);
    daas_sched_state_digest(st, out->state_digest);
    crypto_generichash(out->request_digest, DAAS_SCHED_DIGEST_LEN, (const uint8_t *)b.data, b.len,
                       NULL, 0);
    planner_init(&pl, st, req);
    run(&pl);
    plan_fill(&pl, out);
    planner_fini(&pl);
out:
    daas_buf_fini(&b);
    return rc;
}
