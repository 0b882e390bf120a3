/*
 * fuzz_sched_rebalance.c: libFuzzer target for the rebalancing planner (src/sched/rebalance.c):
 *                         RebalanceRequest and RebalancePlan decoders, and planning on a small
 *                         fixed cluster.
 *
 * Owns:   nothing. The first byte picks the decoder (even: request, odd: plan), the rest is
 *         its input. Any input either fails with DAAS_EINVAL / DAAS_ETOOBIG, a message and
 *         nothing allocated, or decodes to a value whose encoding is the input byte for byte.
 *         A decoded request is planned twice on a three-node cluster whose uids are p1..p6:
 *         the plans must be byte-identical, keep every limit (max_evictions, budgets, only
 *         controller-owned candidates, no pod twice) and decode back to themselves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched/rebalance.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void apply(daas_sched_state *st, daas_sched_delta *d)
{
    d->seq = daas_sched_state_seq(st) + 1;
    if (daas_sched_state_apply(st, d, NULL) != DAAS_OK)
        abort();
}

/* n1 (owner 1, 4000m) runs p1..p4 (3600m), n2 (owner 2) p5, n3 (owner 3, cordoned) p6;
 * n4 (owner 2, 2000m) is empty. */
static daas_sched_state *small_cluster(void)
{
    static const daas_sched_res big[] = {{"cpu", 4000}, {"memory", 8LL << 30}, {"pods", 110}};
    static const daas_sched_res small[] = {{"cpu", 2000}, {"memory", 4LL << 30}};
    static const char *const uids[] = {"p1", "p2", "p3", "p4", "p5", "p6"};
    static const char *const on[] = {"n1", "n1", "n1", "n1", "n2", "n3"};
    static const int64_t cpu[] = {1500, 1000, 600, 500, 800, 300};
    daas_sched_node n[4] = {
        {.name = "n1", .stake = 100, .ready = true, .alloc = big, .n_alloc = 3},
        {.name = "n2", .stake = 300, .ready = true, .alloc = big, .n_alloc = 3},
        {.name = "n3",
         .stake = 50,
         .ready = true,
         .unschedulable = true,
         .alloc = big,
         .n_alloc = 3},
        {.name = "n4", .stake = 10, .ready = true, .alloc = small, .n_alloc = 2},
    };
    daas_sched_state *st = daas_sched_state_new();
    for (int i = 0; i < 4; i++) {
        n[i].owner[0] = (uint8_t)(i == 3 ? 2 : i + 1);
        daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = n[i]};
        apply(st, &d);
    }
    for (int i = 0; i < 6; i++) {
        daas_sched_res r[2] = {{"cpu", cpu[i]}, {"memory", (int64_t)(i + 1) << 28}};
        daas_sched_delta d = {.kind = DAAS_SCHED_POD_BOUND, .bound = {uids[i], on[i], r, 2}};
        apply(st, &d);
    }
    return st;
}

static const daas_sched_rebalance_cand *find(const daas_sched_rebalance_req *q, const char *uid)
{
    for (size_t i = 0; i < q->n_cands; i++)
        if (strcmp(q->cands[i].uid, uid) == 0)
            return &q->cands[i];
    return NULL;
}

/* The plan keeps the request's limits. */
static void check_limits(const daas_sched_rebalance_req *q, const daas_sched_plan *p)
{
    if (p->n_evictions > q->max_evictions || p->round != q->round)
        abort();
    for (size_t i = 0; i < p->n_evictions; i++) {
        const daas_sched_rebalance_cand *c = find(q, p->evictions[i].uid);
        if (c == NULL || c->controller[0] == '\0')
            abort();
    }
    for (size_t b = 0; b < q->n_budgets; b++) {
        uint64_t used = 0;
        for (size_t i = 0; i < p->n_evictions; i++) {
            const char *pdb = find(q, p->evictions[i].uid)->budget;
            used += pdb != NULL && strcmp(pdb, q->budgets[b].name) == 0;
        }
        if (used > q->budgets[b].disruptions_allowed)
            abort();
    }
}

static void plan_bytes(const daas_sched_state *st, const daas_sched_rebalance_req *q, daas_buf *b)
{
    daas_sched_plan p, back;
    daas_err err = {0};
    if (daas_sched_rebalance_plan(st, q, &p, &err) != DAAS_OK)
        abort(); /* a decoded request passed the same checks */
    check_limits(q, &p);
    daas_buf_init(b, 0);
    if (daas_sched_rebalance_plan_encode(&p, b, &err) != DAAS_OK)
        abort();
    daas_sched_rebalance_plan_fini(&p);
    if (daas_sched_rebalance_plan_decode(DAAS_BYTES(b->data, b->len), &back, &err) != DAAS_OK)
        abort();
    daas_sched_rebalance_plan_fini(&back);
}

static void fuzz_request(const uint8_t *data, size_t size)
{
    daas_sched_rebalance_req q;
    daas_err err = {0};
    int rc = daas_sched_rebalance_req_decode(DAAS_BYTES(data, size), &q, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b, b2;
    daas_buf_init(&b, 0);
    if (daas_sched_rebalance_req_encode(&q, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
    daas_sched_state *st = small_cluster();
    plan_bytes(st, &q, &b);
    plan_bytes(st, &q, &b2);
    fuzz_check_same(&b2, (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    daas_buf_fini(&b2);
    daas_sched_state_free(&st);
    daas_sched_rebalance_req_fini(&q);
}

static void fuzz_plan(const uint8_t *data, size_t size)
{
    daas_sched_plan p;
    daas_err err = {0};
    int rc = daas_sched_rebalance_plan_decode(DAAS_BYTES(data, size), &p, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_rebalance_plan_encode(&p, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
    daas_sched_rebalance_plan_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_request(data + 1, size - 1);
    else
        fuzz_plan(data + 1, size - 1);
    return 0;
}
