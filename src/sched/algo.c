/*
 * algo.c: the published placement algorithm: filter, score, tie-break, and kube-scheduler
 *         style failure reasons.
 *
 * Owns:   nothing persistent; uses the state's scratch score array and owner caches.
 * Not:    the cluster view (state.c), decisions (decision.c).
 * Invariants:
 *   - the result depends only on the state's content and the pod, never on the order of
 *     st->nodes (the score plus the hash tie-break is a total order);
 *   - integer arithmetic only, all bounded (sched_int.h): no overflow, no floating point;
 *   - no allocation per node per pod: one pass over the nodes with cheap checks first (flags,
 *     three integer compares), scores kept in st->scores, then a second pass hashing only
 *     the nodes tied at the best score; reasons are computed only when nothing fits.
 * Spec:   sched.h "Algorithm"; kube-scheduler 1.32 (TaintToleration, NodeAffinity,
 *         NodeResourcesFit, FitError) for the matching rules and the message wording.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

/* A pod's request of a resource other than cpu and memory, with a quantity > 0. */
typedef struct ext_req {
    uint32_t rid;     /* DAAS_SCHED__RID_NONE when no state ever saw the name */
    int64_t qty;
    const char *name; /* for "Insufficient <name>" */
} ext_req;

/* What the filter and the score need of the pod, computed once per call. */
typedef struct pod_ctx {
    const daas_sched_pod *pod;
    int64_t cpu, mem;       /* requests */
    int64_t nz_cpu, nz_mem; /* with kube's non-zero defaults */
    uint32_t n_ext;
    ext_req ext[DAAS_SCHED_MAX_RESOURCES];
    bool tol_not_ready;     /* tolerates {node.kubernetes.io/not-ready, NoSchedule} */
    bool tol_unschedulable; /* tolerates {node.kubernetes.io/unschedulable, NoSchedule} */
    bool selective;         /* has a nodeSelector or required affinity */
} pod_ctx;

enum { FIT = 0, NOT_READY, UNSCHEDULABLE, TAINTED, AFFINITY, RESOURCES };

/* ---- tolerations and taints ---- */

static bool tolerates(const daas_sched_toleration *t, const char *key, const char *value,
                      uint8_t effect)
{
    if (t->effect != DAAS_SCHED_EFFECT_ANY && t->effect != effect)
        return false;
    if (t->key[0] != '\0' && strcmp(t->key, key) != 0)
        return false;
    return t->op == DAAS_SCHED_TOL_EXISTS || strcmp(t->value, value) == 0;
}

static bool tolerated(const daas_sched_pod *p, const char *key, const char *value, uint8_t eff)
{
    for (size_t i = 0; i < p->n_tolerations; i++)
        if (tolerates(&p->tolerations[i], key, value, eff))
            return true;
    return false;
}

/* The node's first NoSchedule/NoExecute taint the pod does not tolerate, or NULL. */
static const daas_sched_taint *untolerated(const daas_sched_pod *p, const daas_sched__node *n)
{
    for (size_t i = 0; i < n->n_taints; i++) {
        const daas_sched_taint *t = &n->taints[i];
        if (t->effect != DAAS_SCHED_EFFECT_PREFER_NO_SCHEDULE &&
            !tolerated(p, t->key, t->value, t->effect))
            return t;
    }
    return NULL;
}

/* ---- node selector and required affinity ---- */

/* Value of label key on n (binary search over the sorted labels), or NULL. */
static const char *label_of(const daas_sched__node *n, const char *key)
{
    size_t klen = strlen(key), lo = 0, hi = n->n_labels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const daas_sched__label *l = &n->labels[mid];
        int c = memcmp(l->key, key, l->klen < klen ? l->klen : klen);
        if (c == 0)
            c = (l->klen > klen) - (l->klen < klen);
        if (c == 0)
            return l->value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool in_values(const daas_sched_expr *e, const char *v)
{
    for (size_t i = 0; i < e->n_values; i++)
        if (strcmp(e->values[i], v) == 0)
            return true;
    return false;
}

/* One requirement against a value (NULL: the label is absent). */
static bool expr_match(const daas_sched_expr *e, const char *v)
{
    int64_t have, want;
    switch (e->op) {
    case DAAS_SCHED_OP_IN:
        return v != NULL && in_values(e, v);
    case DAAS_SCHED_OP_NOT_IN:
        return v == NULL || !in_values(e, v);
    case DAAS_SCHED_OP_EXISTS:
        return v != NULL;
    case DAAS_SCHED_OP_DOES_NOT_EXIST:
        return v == NULL;
    default: /* Gt, Lt: the label must parse as an integer (the operand was checked) */
        if (v == NULL || !daas_sched__parse_i64(v, &have) ||
            !daas_sched__parse_i64(e->values[0], &want))
            return false;
        return e->op == DAAS_SCHED_OP_GT ? have > want : have < want;
    }
}

static bool term_match(const daas_sched_term *t, const daas_sched__node *n)
{
    if (t->n_exprs == 0 && t->n_fields == 0)
        return false; /* an empty term matches no node (kube) */
    for (size_t i = 0; i < t->n_exprs; i++)
        if (!expr_match(&t->exprs[i], label_of(n, t->exprs[i].key)))
            return false;
    for (size_t i = 0; i < t->n_fields; i++) /* key is metadata.name (checked) */
        if (!expr_match(&t->fields[i], n->name))
            return false;
    return true;
}

static bool selector_match(const daas_sched_pod *p, const daas_sched__node *n)
{
    for (size_t i = 0; i < p->n_node_selector; i++) {
        const char *v = label_of(n, p->node_selector[i].key);
        if (v == NULL || strcmp(v, p->node_selector[i].value) != 0)
            return false;
    }
    if (!p->has_affinity)
        return true;
    for (size_t i = 0; i < p->n_terms; i++)
        if (term_match(&p->terms[i], n))
            return true;
    return false;
}

/* ---- resources ---- */

static int64_t ext_free(const daas_sched__node *n, uint32_t rid)
{
    for (uint32_t i = 0; i < n->n_ext; i++)
        if (n->ext[i].rid == rid)
            return n->ext[i].alloc - n->ext[i].used;
    return 0;
}

static bool too_many_pods(const daas_sched__node *n)
{
    return n->n_pods >= n->max_pods;
}

static bool cpu_short(const pod_ctx *c, const daas_sched__node *n)
{
    return c->cpu > 0 && c->cpu > n->alloc_cpu - n->used_cpu;
}

static bool mem_short(const pod_ctx *c, const daas_sched__node *n)
{
    return c->mem > 0 && c->mem > n->alloc_mem - n->used_mem;
}

static bool resources_fit(const pod_ctx *c, const daas_sched__node *n)
{
    if (too_many_pods(n) || cpu_short(c, n) || mem_short(c, n))
        return false;
    for (uint32_t i = 0; i < c->n_ext; i++)
        if (c->ext[i].qty > ext_free(n, c->ext[i].rid))
            return false;
    return true;
}

/* ---- filter ---- */

static int filter(const pod_ctx *c, const daas_sched__node *n)
{
    if (n->flags != DAAS_SCHED__READY) { /* rare: not ready, cordoned or hard taints */
        if (!(n->flags & DAAS_SCHED__READY) && !c->tol_not_ready)
            return NOT_READY;
        if ((n->flags & DAAS_SCHED__UNSCHEDULABLE) && !c->tol_unschedulable)
            return UNSCHEDULABLE;
        if ((n->flags & DAAS_SCHED__HARD_TAINTS) && untolerated(c->pod, n) != NULL)
            return TAINTED;
    }
    if (c->selective && !selector_match(c->pod, n))
        return AFFINITY;
    return resources_fit(c, n) ? FIT : RESOURCES;
}

/* ---- score ---- */

/* min(100, (used + req) * 100 / cap) with inv = (2^64-1)/cap: one multiply and at most one
 * correction give the exact floor (the estimate is never above it nor 2 below it). */
static uint32_t pct(int64_t used, int64_t req, int64_t cap, uint64_t inv)
{
    int64_t r = used + req;
    if (cap == 0 || r >= cap)
        return 100;
    uint64_t num = (uint64_t)r * 100; /* r < cap <= 2^50 */
    uint64_t q = (uint64_t)(((unsigned __int128)num * inv) >> 64);
    if ((q + 1) * (uint64_t)cap <= num)
        q++;
    return (uint32_t)q;
}

static uint32_t fairness(daas_sched_state *st, daas_sched__owner *o)
{
    if (o->stamp == st->stamp)
        return o->fair;
    uint64_t s = o->share_q;
    uint64_t p = st->placed == 0 ? 0 : (o->pods << 32) / st->placed;
    o->fair = s + p == 0 ? 0 : (uint32_t)(100 * s / (s + p));
    o->stamp = st->stamp;
    return o->fair;
}

static uint32_t score(daas_sched_state *st, const pod_ctx *c, daas_sched__node *n)
{
    uint32_t pc = pct(n->used_cpu_nz, c->nz_cpu, n->alloc_cpu, n->inv_cpu);
    uint32_t pm = pct(n->used_mem_nz, c->nz_mem, n->alloc_mem, n->inv_mem);
    uint32_t least = ((100 - pc) + (100 - pm)) / 2;
    uint32_t balanced = 100 - (pc > pm ? pc - pm : pm - pc);
    return DAAS_SCHED_W_LEAST * least + DAAS_SCHED_W_BALANCED * balanced +
           DAAS_SCHED_W_FAIRNESS * fairness(st, n->owner);
}

/* ---- tie-break ---- */

static void tie_key(const daas_sched_pod *p, const daas_sched__node *n, uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, (const unsigned char *)p->uid, strlen(p->uid));
    crypto_generichash_update(&h, (const unsigned char *)n->name, n->name_len);
    crypto_generichash_final(&h, out, DAAS_SCHED_DIGEST_LEN);
}

/* The lowest tie key among the nodes scored best. */
static const daas_sched__node *break_tie(const daas_sched_state *st, const pod_ctx *c,
                                         int32_t best, uint32_t *tied)
{
    const daas_sched__node *win = NULL;
    uint8_t win_key[32], key[32];
    *tied = 0;
    for (size_t i = 0; i < st->n_nodes; i++) {
        if (st->scores[i] != best)
            continue;
        tie_key(c->pod, st->nodes[i], key);
        (*tied)++;
        if (win == NULL || memcmp(key, win_key, sizeof(key)) < 0) {
            win = st->nodes[i];
            memcpy(win_key, key, sizeof(key));
        }
    }
    return win;
}

/* ---- failure reasons (only when nothing fits) ---- */

/* A taint reported for a node, to count distinct "{key: value}" pairs. */
typedef struct taint_ref {
    const char *key;
    const char *value;
} taint_ref;

static int taint_ref_cmp(const void *a, const void *b)
{
    const taint_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reason counters of one call. */
typedef struct diag {
    uint32_t not_ready, unschedulable, affinity, too_many, cpu, mem;
    uint32_t ext[DAAS_SCHED_MAX_RESOURCES];
    taint_ref *taints; /* one per tainted node */
    size_t n_taints;
    char **lines; /* "C R" strings */
    size_t n_lines;
} diag;

static void diag_node(diag *g, const pod_ctx *c, const daas_sched__node *n, int why)
{
    const daas_sched_taint *t;
    switch (why) {
    case NOT_READY:
        g->not_ready++;
        break;
    case UNSCHEDULABLE:
        g->unschedulable++;
        break;
    case TAINTED:
        t = untolerated(c->pod, n);
        g->taints[g->n_taints++] = (taint_ref){t->key, t->value};
        break;
    case AFFINITY:
        g->affinity++;
        break;
    default: /* every shortage is a reason of its own, as NodeResourcesFit reports them */
        g->too_many += too_many_pods(n);
        g->cpu += cpu_short(c, n);
        g->mem += mem_short(c, n);
        for (uint32_t i = 0; i < c->n_ext; i++)
            g->ext[i] += c->ext[i].qty > ext_free(n, c->ext[i].rid);
    }
}

/* Adds the line "count what" (takes what; nothing when count is 0). */
static void diag_add(diag *g, uint32_t count, char *what)
{
    if (count > 0)
        g->lines[g->n_lines++] = daas_xasprintf("%u %s", count, what);
    daas_free(what);
}

static char *diag_message(diag *g, size_t n_nodes, const pod_ctx *c)
{
    g->lines = daas_xcalloc(6 + c->n_ext + g->n_taints, sizeof(char *));
    diag_add(g, g->not_ready, daas_xstrdup("node(s) were not ready"));
    diag_add(g, g->unschedulable, daas_xstrdup("node(s) were unschedulable"));
    diag_add(g, g->affinity, daas_xstrdup("node(s) didn't match Pod's node affinity/selector"));
    diag_add(g, g->too_many, daas_xstrdup("Too many pods"));
    diag_add(g, g->cpu, daas_xstrdup("Insufficient cpu"));
    diag_add(g, g->mem, daas_xstrdup("Insufficient memory"));
    for (uint32_t i = 0; i < c->n_ext; i++)
        diag_add(g, g->ext[i], daas_xasprintf("Insufficient %s", c->ext[i].name));
    qsort(g->taints, g->n_taints, sizeof(*g->taints), taint_ref_cmp);
    for (size_t i = 0, j; i < g->n_taints; i = j) {
        for (j = i + 1; j < g->n_taints && taint_ref_cmp(&g->taints[i], &g->taints[j]) == 0;)
            j++;
        diag_add(g, (uint32_t)(j - i),
                 daas_xasprintf("node(s) had untolerated taint {%s: %s}", g->taints[i].key,
                                g->taints[i].value));
    }
    qsort(g->lines, g->n_lines, sizeof(char *), str_cmp); /* Go's sort.Strings */
    daas_buf b;
    daas_buf_init(&b, 0);
    int rc = daas_buf_printf(&b, "0/%zu nodes are available:", n_nodes);
    for (size_t i = 0; rc == DAAS_OK && i < g->n_lines; i++)
        rc = daas_buf_printf(&b, "%s%s", i ? ", " : " ", g->lines[i]);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&b, ".");
    for (size_t i = 0; i < g->n_lines; i++)
        daas_free(g->lines[i]);
    daas_free(g->lines);
    if (DAAS_NEVER(rc != DAAS_OK)) /* bounded: a few KB per distinct reason */
        daas_buf_reset(&b);
    return daas_buf_steal(&b, NULL);
}

static char *diagnose(const daas_sched_state *st, const pod_ctx *c)
{
    if (st->n_nodes == 0)
        return daas_xstrdup("no nodes available to schedule pods");
    diag g;
    memset(&g, 0, sizeof(g));
    g.taints = daas_xcalloc(st->n_nodes, sizeof(*g.taints));
    for (size_t i = 0; i < st->n_nodes; i++)
        diag_node(&g, c, st->nodes[i], filter(c, st->nodes[i]));
    char *msg = diag_message(&g, st->n_nodes, c);
    daas_free(g.taints);
    return msg;
}

/* ---- entry ---- */

static void ctx_init(const daas_sched_state *st, const daas_sched_pod *p, pod_ctx *c)
{
    memset(c, 0, offsetof(pod_ctx, ext));
    c->pod = p;
    for (size_t i = 0; i < p->n_requests; i++) {
        uint32_t rid = daas_sched__rid(st, p->requests[i].name);
        int64_t q = p->requests[i].qty;
        if (rid == DAAS_SCHED__RID_CPU)
            c->cpu = q;
        else if (rid == DAAS_SCHED__RID_MEM)
            c->mem = q;
        else if (q > 0) /* kube skips requests of 0 */
            c->ext[c->n_ext++] = (ext_req){rid, q, p->requests[i].name};
    }
    c->nz_cpu = daas_sched__nz(c->cpu, DAAS_SCHED_DEFAULT_MILLI_CPU);
    c->nz_mem = daas_sched__nz(c->mem, DAAS_SCHED_DEFAULT_MEMORY);
    c->tol_not_ready = tolerated(p, "node.kubernetes.io/not-ready", "",
                                 DAAS_SCHED_EFFECT_NO_SCHEDULE);
    c->tol_unschedulable = tolerated(p, "node.kubernetes.io/unschedulable", "",
                                     DAAS_SCHED_EFFECT_NO_SCHEDULE);
    c->selective = p->n_node_selector > 0 || p->has_affinity;
}

/* First pass: the score of every feasible node into st->scores (-1 otherwise). */
static int32_t score_all(daas_sched_state *st, const pod_ctx *c, uint32_t *feasible)
{
    int32_t best = -1;
    *feasible = 0;
    for (size_t i = 0; i < st->n_nodes; i++) {
        daas_sched__node *n = st->nodes[i];
        int32_t s = -1;
        if (filter(c, n) == FIT) {
            s = (int32_t)score(st, c, n);
            (*feasible)++;
        }
        st->scores[i] = s;
        if (s > best)
            best = s;
    }
    return best;
}

/* Contract in sched.h. */
int daas_sched_schedule(daas_sched_state *st, const daas_sched_pod *pod, daas_sched_result *out,
                        daas_err *err)
{
    pod_ctx c;
    memset(out, 0, sizeof(*out));
    int rc = daas_sched_pod_check(pod, err);
    if (rc != DAAS_OK)
        return rc;
    ctx_init(st, pod, &c);
    daas_sched__refresh_stakes(st);
    st->stamp++;
    if (st->cap_scores < st->n_nodes) {
        st->cap_scores = st->n_nodes;
        st->scores = daas_xrealloc(st->scores, st->cap_scores * sizeof(*st->scores));
    }
    out->nodes = (uint32_t)st->n_nodes;
    int32_t best = score_all(st, &c, &out->feasible);
    if (out->feasible == 0) {
        out->reason = diagnose(st, &c);
        return DAAS_OK;
    }
    const daas_sched__node *win = break_tie(st, &c, best, &out->tied);
    out->found = true;
    out->score = (uint64_t)best;
    memcpy(out->node, win->name, win->name_len + 1);
    return DAAS_OK;
}

/* Contract in sched.h. */
void daas_sched_result_fini(daas_sched_result *r)
{
    daas_free(r->reason);
    r->reason = NULL;
}
