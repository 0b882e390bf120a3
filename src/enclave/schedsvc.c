/*
 * schedsvc.c: the enclave's /sched/ endpoints: deltas in, signed decisions and batch roots
 * out (protocol in schedsvc.h).
 *
 * Owns:   the daas_enclave_schedsvc: the scheduler state, the decision log (Merkle leaves),
 *         the lock over both, the clock.
 * Not:    the algorithm and the formats (sched/), the key (enclave.c signs), HTTP (api/).
 * Invariants:
 *   - every request body is untrusted: strict decoders, bounded counts, 400 with the reason;
 *   - lock held for every read or write of st and the log, never across anything that
 *     blocks on the network (handlers answer after unlocking);
 *   - a decision reaches the log only once signed; the log never shrinks.
 * Spec:   schedsvc.h; sched.h.
 */
#include "enclave/schedsvc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "sched/admission.h"
#include "sched/rebalance.h"
#include "sched/policy.h"
#include "sched/sched.h"
#include "sui/bcs.h"

#define MOD "enclave"
#define DIGEST_HEX (2 * DAAS_SCHED_DIGEST_LEN + 1)

struct daas_enclave_schedsvc {
    daas_enclave *e;           /* borrowed: signs with the boot key */
    daas_enclave_clock now_ms; /* the enclave clock */
    void *clock_arg;
    size_t max_log;                           /* log capacity */
    pthread_mutex_t lock;                     /* guards st, leaves, n_leaves, cap_leaves */
    daas_sched_state *st;                     /* the cluster view (lock) */
    uint8_t (*leaves)[DAAS_SCHED_DIGEST_LEN]; /* leaf of decision i (lock) */
    size_t n_leaves, cap_leaves;              /* (lock) */
};

static int64_t system_clock(void *arg)
{
    (void)arg;
    return daas_now_ms();
}

/* ---- replies ---- */

static void reply_error_seq(daas_http_resp *resp, int status, const char *msg, uint64_t seq)
{
    json_t *o = json_pack("{s:s,s:I}", "error", msg, "seq", (json_int_t)seq);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s != NULL)
        daas_enclave_reply(resp, status, s);
    else
        daas_enclave_reply_error(resp, status, "unprintable error");
    free(s); /* jansson's allocation */
    json_decref(o);
}

static void reply_state(daas_http_resp *resp, uint64_t seq, const uint8_t digest[32], size_t n,
                        bool with_log)
{
    char hex[DIGEST_HEX], body[256];
    sodium_bin2hex(hex, sizeof hex, digest, DAAS_SCHED_DIGEST_LEN);
    if (with_log)
        snprintf(body, sizeof body, "{\"seq\":%llu,\"digest\":\"%s\",\"decisions\":%zu}",
                 (unsigned long long)seq, hex, n);
    else
        snprintf(body, sizeof body, "{\"seq\":%llu,\"digest\":\"%s\"}", (unsigned long long)seq,
                 hex);
    daas_enclave_reply(resp, 200, body);
}

/* ---- POST /sched/deltas ---- */

static int skip_str(daas_sui_bcs_reader *r, const char *what, daas_err *err)
{
    daas_bytes s;
    return daas_sui_bcs_get_bytes(r, what, DAAS_SCHED_MAX_STR, &s, err);
}

/* Skips vector<T> where T is nstr strings then tail_bytes fixed bytes. */
static int skip_vec(daas_sui_bcs_reader *r, const char *what, size_t max, int nstr,
                    size_t tail_bytes, daas_err *err)
{
    size_t n = 0;
    const uint8_t *p;
    int rc = daas_sui_bcs_get_len(r, what, max, (size_t)nstr + tail_bytes, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        for (int k = 0; rc == DAAS_OK && k < nstr; k++)
            rc = skip_str(r, what, err);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_fixed(r, what, tail_bytes, &p, err);
    }
    return rc;
}

/* Finds where the delta starting at r's position ends, walking the layout of sched.h's
 * "Delta" without checking its rules: daas_sched_state_apply_bcs then decodes that slice
 * strictly. (A BCS value is not self-delimiting; sched.h has no prefix decoder.) */
static int skip_delta(daas_sui_bcs_reader *r, daas_err *err)
{
    const uint8_t *p;
    uint32_t kind = 0;
    int rc = daas_sui_bcs_get_fixed(r, "delta seq", 8, &p, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_variant(r, "delta kind", 4, &kind, err);
    if (rc != DAAS_OK)
        return rc;
    rc = skip_str(r, "delta name", err);
    if (rc == DAAS_OK && kind == DAAS_SCHED_NODE_UPSERT) {
        rc = daas_sui_bcs_get_fixed(r, "node owner, stake, ready, unschedulable", 32 + 8 + 2, &p,
                                    err);
        if (rc == DAAS_OK)
            rc = skip_vec(r, "allocatable", DAAS_SCHED_MAX_RESOURCES, 1, 8, err);
        if (rc == DAAS_OK)
            rc = skip_vec(r, "labels", DAAS_SCHED_MAX_LABELS, 2, 0, err);
        if (rc == DAAS_OK)
            rc = skip_vec(r, "taints", DAAS_SCHED_MAX_TAINTS, 2, 1, err);
    } else if (rc == DAAS_OK && kind == DAAS_SCHED_POD_BOUND) {
        rc = skip_str(r, "pod node", err);
        if (rc == DAAS_OK)
            rc = skip_vec(r, "pod requests", DAAS_SCHED_MAX_RESOURCES, 1, 8, err);
    }
    return rc;
}

/* Applies the deltas of body in order (caller holds the lock); stops at the first failure. */
static int apply_deltas(daas_enclave_schedsvc *s, daas_bytes body, daas_err *err)
{
    daas_sui_bcs_reader r;
    size_t n = 0;
    daas_sui_bcs_reader_init(&r, body);
    /* Each delta is at least seq (8) + kind (1) + a string length (1). */
    int rc = daas_sui_bcs_get_len(&r, "delta count", DAAS_SCHED_MAX_PODS, 10, &n, err);
    if (rc == DAAS_OK && n == 0)
        rc = daas_fail(err, DAAS_EINVAL, "no deltas");
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        size_t start = r.pos;
        rc = skip_delta(&r, err);
        if (rc == DAAS_OK)
            rc = daas_sched_state_apply_bcs(s->st, DAAS_BYTES(r.p + start, r.pos - start), err);
    }
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&r, "deltas", err);
    return rc;
}

static void on_deltas(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)e;
    daas_enclave_schedsvc *s = arg;
    daas_err err = {0};
    uint8_t digest[DAAS_SCHED_DIGEST_LEN];
    pthread_mutex_lock(&s->lock);
    int rc = apply_deltas(s, req->body, &err);
    uint64_t seq = daas_sched_state_seq(s->st);
    daas_sched_state_digest(s->st, digest);
    pthread_mutex_unlock(&s->lock);
    if (rc == DAAS_OK)
        reply_state(resp, seq, digest, 0, false);
    else
        reply_error_seq(resp, rc == DAAS_ECONFLICT ? 409 : 400, err.msg, seq);
}

/* ---- GET /sched/state ---- */

static void on_state(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)e;
    (void)req;
    daas_enclave_schedsvc *s = arg;
    uint8_t digest[DAAS_SCHED_DIGEST_LEN];
    pthread_mutex_lock(&s->lock);
    uint64_t seq = daas_sched_state_seq(s->st);
    daas_sched_state_digest(s->st, digest);
    size_t n = s->n_leaves;
    pthread_mutex_unlock(&s->lock);
    reply_state(resp, seq, digest, n, true);
}

/* ---- POST /sched/schedule ---- */

/* Signs dec's IntentMessage with the boot key; *leaf is its Merkle leaf. */
static int sign_decision(daas_enclave_schedsvc *s, const daas_sched_decision *dec,
                         uint8_t sig[DAAS_ENCLAVE_SIG_LEN], uint8_t leaf[DAAS_SCHED_DIGEST_LEN],
                         daas_err *err)
{
    daas_buf sb;
    daas_bytes payload;
    uint8_t intent;
    uint64_t ts;
    daas_buf_init(&sb, 2 * DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = daas_sched_decision_signing_bytes(dec, &sb, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_intent_parse(DAAS_BYTES(sb.data, sb.len), &intent, &ts, &payload, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_sign(s->e, intent, ts, payload, sig, err);
    if (rc == DAAS_OK)
        daas_sched_merkle_leaf(DAAS_BYTES(sb.data, sb.len), leaf);
    daas_buf_fini(&sb);
    return rc;
}

static void log_append(daas_enclave_schedsvc *s, const uint8_t leaf[DAAS_SCHED_DIGEST_LEN])
{
    if (s->n_leaves == s->cap_leaves) {
        s->cap_leaves = s->cap_leaves ? 2 * s->cap_leaves : 256;
        s->leaves = daas_xrealloc(s->leaves, s->cap_leaves * sizeof *s->leaves);
    }
    memcpy(s->leaves[s->n_leaves++], leaf, DAAS_SCHED_DIGEST_LEN);
}

/* Decides pod; on a placement signs it and logs it (*index). *status: 200, 409 (res->reason)
 * or 503; other failures return the code (400). */
static int decide_locked(daas_enclave_schedsvc *s, const daas_sched_pod *pod,
                         daas_sched_result *res, daas_sched_decision *dec,
                         uint8_t sig[DAAS_ENCLAVE_SIG_LEN], size_t *index, int *status,
                         daas_err *err)
{
    uint8_t leaf[DAAS_SCHED_DIGEST_LEN];
    int64_t now = s->now_ms(s->clock_arg);
    if (s->n_leaves >= s->max_log) {
        *status = 503;
        return daas_fail(err, DAAS_EUNAVAIL, "decision log full (%zu decisions)", s->n_leaves);
    }
    int rc = daas_sched_decide(s->st, pod, now > 0 ? (uint64_t)now : 0, res, dec, err);
    if (rc != DAAS_OK || !res->found) {
        *status = rc == DAAS_OK ? 409 : 400;
        return rc;
    }
    rc = sign_decision(s, dec, sig, leaf, err);
    if (rc != DAAS_OK) {
        *status = 500;
        return rc;
    }
    *index = s->n_leaves;
    log_append(s, leaf);
    *status = 200;
    return DAAS_OK;
}

static void reply_decision(daas_http_resp *resp, const daas_sched_decision *dec,
                           const uint8_t sig[DAAS_ENCLAVE_SIG_LEN], size_t index)
{
    daas_buf b, bcs;
    daas_err err = {0};
    char sighex[2 * DAAS_ENCLAVE_SIG_LEN + 1];
    daas_buf_init(&bcs, DAAS_SCHED_MAX_DELTA_BYTES);
    daas_buf_init(&b, 4 * DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = daas_sched_decision_encode(dec, &bcs, &err);
    char *hex = daas_xmalloc(2 * bcs.len + 1);
    sodium_bin2hex(hex, 2 * bcs.len + 1, (const uint8_t *)bcs.data, bcs.len);
    sodium_bin2hex(sighex, sizeof sighex, sig, DAAS_ENCLAVE_SIG_LEN);
    if (rc == DAAS_OK)
        rc = daas_buf_printf(&b, "{\"decision\":\"%s\",\"signature\":\"%s\",\"index\":%zu}", hex,
                             sighex, index);
    if (rc == DAAS_OK)
        daas_enclave_reply(resp, 200, b.data);
    else
        daas_enclave_reply_error(resp, 500, err.msg[0] ? err.msg : "cannot encode the decision");
    daas_free(hex);
    daas_buf_fini(&bcs);
    daas_buf_fini(&b);
}

static void on_schedule(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)e;
    daas_enclave_schedsvc *s = arg;
    daas_sched_pod_msg m = {0};
    daas_sched_result res = {0};
    daas_sched_decision dec;
    uint8_t sig[DAAS_ENCLAVE_SIG_LEN];
    size_t index = 0;
    int status = 400;
    daas_err err = {0};
    int rc = daas_sched_pod_decode(req->body, &m, &err);
    if (rc == DAAS_OK) {
        pthread_mutex_lock(&s->lock);
        rc = decide_locked(s, &m.pod, &res, &dec, sig, &index, &status, &err);
        pthread_mutex_unlock(&s->lock);
    }
    if (status == 200)
        reply_decision(resp, &dec, sig, index);
    else if (status == 409)
        daas_enclave_reply_error(resp, 409, res.reason != NULL ? res.reason : "unschedulable");
    else
        daas_enclave_reply_error(resp, status, err.msg);
    (void)rc; /* status carries the outcome */
    daas_sched_result_fini(&res);
    daas_sched_pod_msg_fini(&m);
}

/* ---- POST /sched/admit ---- */

/* Decodes the body strictly (request, then exactly one ClusterRules), evaluates and appends
 * BCS(AccessDecision) to dec. Pure: no lock needed. */
static int admit_eval(daas_bytes body, daas_buf *dec, daas_err *err)
{
    daas_bytes qb, rb;
    daas_sched_policy_request q = {0};
    daas_sched_policy_rules r = {0};
    daas_sched_policy_result res = {0};
    int rc = daas_sched_admission_split(body, &qb, &rb, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_request_decode(qb, &q, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_rules_decode(rb, &r, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_eval(&q, &r, &res, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_decision_encode(&res, dec, err);
    daas_sched_policy_result_fini(&res);
    daas_sched_policy_rules_fini(&r);
    daas_sched_policy_request_fini(&q);
    return rc;
}

typedef void (*leaf_fn)(uint64_t ts, daas_bytes bcs, uint8_t leaf[DAAS_SCHED_DIGEST_LEN]);

/* Signs bcs with intent at the enclave's time and logs its leaf (caller holds the lock, so
 * the index is its position and the log order the signing order). */
static int sign_locked(daas_enclave_schedsvc *s, uint8_t intent, leaf_fn leaf_of, daas_bytes bcs,
                       uint8_t sig[DAAS_ENCLAVE_SIG_LEN], uint64_t *ts, size_t *index, int *status,
                       daas_err *err)
{
    uint8_t leaf[DAAS_SCHED_DIGEST_LEN];
    int64_t now = s->now_ms(s->clock_arg);
    if (s->n_leaves >= s->max_log) {
        *status = 503;
        return daas_fail(err, DAAS_EUNAVAIL, "decision log full (%zu decisions)", s->n_leaves);
    }
    *ts = now > 0 ? (uint64_t)now : 0;
    int rc = daas_enclave_sign(s->e, intent, *ts, bcs, sig, err);
    if (rc != DAAS_OK) {
        *status = 500;
        return rc;
    }
    leaf_of(*ts, bcs, leaf);
    *index = s->n_leaves;
    log_append(s, leaf);
    *status = 200;
    return DAAS_OK;
}

/* {"<field>": hex, "signature", "timestamp_ms", "index"}: a signed admission or plan. */
static void reply_signed(daas_http_resp *resp, const char *field, daas_bytes bcs,
                         const uint8_t sig[64], uint64_t ts, size_t index)
{
    daas_buf b;
    char sighex[2 * DAAS_ENCLAVE_SIG_LEN + 1];
    char *hex = daas_xmalloc(2 * bcs.len + 1);
    sodium_bin2hex(hex, 2 * bcs.len + 1, bcs.ptr, bcs.len);
    sodium_bin2hex(sighex, sizeof sighex, sig, DAAS_ENCLAVE_SIG_LEN);
    daas_buf_init(&b, 2 * bcs.len + 512);
    if (daas_buf_printf(&b,
                        "{\"%s\":\"%s\",\"signature\":\"%s\",\"timestamp_ms\":%llu,"
                        "\"index\":%zu}",
                        field, hex, sighex, (unsigned long long)ts, index) == DAAS_OK)
        daas_enclave_reply(resp, 200, b.data);
    else
        daas_enclave_reply_error(resp, 500, "cannot render the reply");
    daas_free(hex);
    daas_buf_fini(&b);
}

static void on_admit(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)e;
    daas_enclave_schedsvc *s = arg;
    daas_buf dec;
    uint8_t sig[DAAS_ENCLAVE_SIG_LEN];
    uint64_t ts = 0;
    size_t index = 0;
    int status = 400;
    daas_err err = {0};
    daas_buf_init(&dec, DAAS_SCHED_POLICY_MAX_BYTES);
    int rc = admit_eval(req->body, &dec, &err);
    if (rc == DAAS_OK) {
        pthread_mutex_lock(&s->lock);
        rc = sign_locked(s, DAAS_SCHED_INTENT_ADMISSION, daas_sched_admission_leaf,
                         DAAS_BYTES(dec.data, dec.len), sig, &ts, &index, &status, &err);
        pthread_mutex_unlock(&s->lock);
    } else if (rc != DAAS_EINVAL && rc != DAAS_ETOOBIG) {
        status = 500;
    }
    if (status == 200)
        reply_signed(resp, "decision", DAAS_BYTES(dec.data, dec.len), sig, ts, index);
    else
        daas_enclave_reply_error(resp, status, err.msg);
    daas_buf_fini(&dec);
}

/* ---- POST /sched/rebalance ---- */

/* The plan for the request in body against the current state, BCS appended to plan (lock
 * held: the plan reads the state it signs with). */
static int plan_locked(daas_enclave_schedsvc *s, daas_bytes body, daas_buf *plan, daas_err *err)
{
    daas_sched_rebalance_req q = {0};
    daas_sched_plan p = {0};
    int rc = daas_sched_rebalance_req_decode(body, &q, err);
    if (rc == DAAS_OK)
        rc = daas_sched_rebalance_plan(s->st, &q, &p, err);
    if (rc == DAAS_OK)
        rc = daas_sched_rebalance_plan_encode(&p, plan, err);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_rebalance_req_fini(&q);
    return rc;
}

static void on_rebalance(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)e;
    daas_enclave_schedsvc *s = arg;
    daas_buf plan;
    uint8_t sig[DAAS_ENCLAVE_SIG_LEN];
    uint64_t ts = 0;
    size_t index = 0;
    int status = 400;
    daas_err err = {0};
    daas_buf_init(&plan, DAAS_SCHED_REBALANCE_MAX_BYTES);
    pthread_mutex_lock(&s->lock);
    int rc = plan_locked(s, req->body, &plan, &err);
    if (rc == DAAS_OK)
        rc = sign_locked(s, DAAS_SCHED_INTENT_REBALANCE, daas_sched_rebalance_leaf,
                         DAAS_BYTES(plan.data, plan.len), sig, &ts, &index, &status, &err);
    else if (rc != DAAS_EINVAL && rc != DAAS_ETOOBIG)
        status = 500;
    pthread_mutex_unlock(&s->lock);
    if (status == 200)
        reply_signed(resp, "plan", DAAS_BYTES(plan.data, plan.len), sig, ts, index);
    else
        daas_enclave_reply_error(resp, status, err.msg);
    daas_buf_fini(&plan);
}

/* ---- POST /sched/batch ---- */

static int parse_range(daas_bytes body, uint64_t *first, uint64_t *count, daas_err *err)
{
    json_error_t jerr;
    json_int_t f = -1, c = -1;
    json_t *o = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = DAAS_OK;
    if (o == NULL)
        return daas_fail(err, DAAS_EINVAL, "batch: body is not JSON: %s", jerr.text);
    if (json_unpack_ex(o, &jerr, JSON_STRICT, "{s:I,s:I}", "first", &f, "count", &c) != 0)
        rc = daas_fail(err, DAAS_EINVAL, "batch: want {\"first\": i, \"count\": n}: %s", jerr.text);
    else if (f < 0 || c < 1 || (uint64_t)c > DAAS_ENCLAVE_SCHED_MAX_BATCH)
        rc = daas_fail(err, DAAS_EINVAL, "batch: first must be >= 0 and count in 1..%zu",
                       DAAS_ENCLAVE_SCHED_MAX_BATCH);
    json_decref(o);
    *first = (uint64_t)f;
    *count = (uint64_t)c;
    return rc;
}

/* Root over log[first, first+count) and its signature at the enclave's time *ts. */
static int sign_batch(daas_enclave_schedsvc *s, uint64_t first, uint64_t count,
                      uint8_t root[DAAS_SCHED_DIGEST_LEN], uint8_t sig[DAAS_ENCLAVE_SIG_LEN],
                      uint64_t *ts, daas_err *err)
{
    daas_buf sb;
    daas_bytes payload;
    uint8_t intent;
    int64_t now = s->now_ms(s->clock_arg);
    *ts = now > 0 ? (uint64_t)now : 0;
    pthread_mutex_lock(&s->lock);
    int rc =
        first <= s->n_leaves && count <= s->n_leaves - first
            ? daas_sched_merkle_root((const uint8_t(*)[DAAS_SCHED_DIGEST_LEN])s->leaves + first,
                                     (size_t)count, root, err)
            : daas_fail(err, DAAS_EINVAL,
                        "batch: decisions %llu..%llu are not in the log "
                        "(%zu decisions)",
                        (unsigned long long)first, (unsigned long long)(first + count - 1),
                        s->n_leaves);
    pthread_mutex_unlock(&s->lock);
    daas_buf_init(&sb, 256);
    if (rc == DAAS_OK)
        rc = daas_sched_batch_signing_bytes(root, first, count, *ts, &sb, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_intent_parse(DAAS_BYTES(sb.data, sb.len), &intent, ts, &payload, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_sign(s->e, intent, *ts, payload, sig, err);
    daas_buf_fini(&sb);
    return rc;
}

static void on_batch(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)e;
    daas_enclave_schedsvc *s = arg;
    uint64_t first = 0, count = 0, ts = 0;
    uint8_t root[DAAS_SCHED_DIGEST_LEN], sig[DAAS_ENCLAVE_SIG_LEN];
    char roothex[DIGEST_HEX], sighex[2 * DAAS_ENCLAVE_SIG_LEN + 1], body[512];
    daas_err err = {0};
    int rc = parse_range(req->body, &first, &count, &err);
    if (rc == DAAS_OK)
        rc = sign_batch(s, first, count, root, sig, &ts, &err);
    if (rc != DAAS_OK) {
        daas_enclave_reply_error(resp, rc == DAAS_EINVAL ? 400 : 500, err.msg);
        return;
    }
    sodium_bin2hex(roothex, sizeof roothex, root, sizeof root);
    sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
    snprintf(body, sizeof body,
             "{\"root\":\"%s\",\"first\":%llu,\"count\":%llu,\"timestamp_ms\":%llu,"
             "\"signature\":\"%s\"}",
             roothex, (unsigned long long)first, (unsigned long long)count, (unsigned long long)ts,
             sighex);
    daas_enclave_reply(resp, 200, body);
}

/* ---- lifecycle ---- */

/* Contract in schedsvc.h. */
int daas_enclave_schedsvc_new(daas_enclave *e, const daas_enclave_schedsvc_opts *opts,
                              daas_enclave_schedsvc **out, daas_err *err)
{
    daas_enclave_schedsvc *s = daas_xcalloc(1, sizeof *s);
    s->e = e;
    s->now_ms = opts != NULL && opts->now_ms != NULL ? opts->now_ms : system_clock;
    s->clock_arg = opts != NULL ? opts->clock_arg : NULL;
    s->max_log = opts != NULL && opts->max_log > 0 ? opts->max_log : DAAS_ENCLAVE_SCHED_MAX_LOG;
    pthread_mutex_init(&s->lock, NULL);
    s->st = daas_sched_state_new();
    int rc = daas_enclave_route_add(e, "POST", "/sched/deltas", on_deltas, s, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "GET", "/sched/state", on_state, s, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "POST", "/sched/schedule", on_schedule, s, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "POST", "/sched/batch", on_batch, s, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "POST", "/sched/admit", on_admit, s, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "POST", "/sched/rebalance", on_rebalance, s, err);
    if (rc != DAAS_OK) {
        /* Routes already added keep pointing at s: the caller must not serve e. */
        daas_enclave_schedsvc_free(&s);
        return rc;
    }
    *out = s;
    return DAAS_OK;
}

/* Contract in schedsvc.h. */
void daas_enclave_schedsvc_free(daas_enclave_schedsvc **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    daas_enclave_schedsvc *s = *ps;
    daas_sched_state_free(&s->st);
    daas_free(s->leaves);
    pthread_mutex_destroy(&s->lock);
    daas_free(s);
    *ps = NULL;
}
