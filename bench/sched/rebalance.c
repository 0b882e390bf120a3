/*
 * rebalance.c: the rebalancing row of bench_sched: what the enclave does per
 *              POST /sched/rebalance on a large cluster: decode the request, plan, encode the
 *              plan, sign it and compute its Merkle leaf.
 *
 * Owns:   the cluster (the mixed model of main.c: 5,000 nodes, 3 running pods each) and a
 *         request naming every pod as a candidate owned by a controller, with a low threshold
 *         so that many nodes count as overloaded and a round is as long as it gets.
 * Not:    anything measured (src/sched/rebalance.c).
 * Spec:   bench/README.md (bench_sched, rebalancing); sched/rebalance.h.
 */
#include <stdio.h>
#include <string.h>

#include "bench_sched.h"
#include "common/util.h"
#include "sched/rebalance.h"

#define NODES 5000
#define TARGET_MS 250.0

/* One round as the enclave runs it; returns the evictions planned. */
static size_t round_once(daas_bench_sched *b, daas_bytes req, daas_buf *plan)
{
    daas_err err = {0};
    daas_sched_rebalance_req q = {0};
    daas_sched_plan p = {0};
    uint8_t sig[DAAS_SCHED_SIG_LEN], leaf[DAAS_SCHED_DIGEST_LEN];
    daas_buf_reset(plan);
    if (daas_sched_rebalance_req_decode(req, &q, &err) != DAAS_OK ||
        daas_sched_rebalance_plan(b->st, &q, &p, &err) != DAAS_OK ||
        daas_sched_rebalance_plan_encode(&p, plan, &err) != DAAS_OK ||
        daas_sched_rebalance_sign(1, DAAS_BYTES(plan->data, plan->len), b->sk, sig, &err) !=
            DAAS_OK)
        daas_bench_sched_die("rebalance", &err);
    daas_sched_rebalance_leaf(1, DAAS_BYTES(plan->data, plan->len), leaf);
    size_t n = p.n_evictions;
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_rebalance_req_fini(&q);
    return n;
}

void daas_bench_sched_rebalance(bool quick)
{
    daas_bench_sched b;
    daas_err err = {0};
    daas_bench_sched_init(&b, NODES, NODES * 3, NULL);
    daas_bench_sched_populate(&b, false);
    daas_sched_rebalance_cand *c = daas_xcalloc(b.live, sizeof *c);
    for (size_t i = 0; i < b.live; i++) { /* uids grow with binding order: already sorted */
        const char *uid = b.uids[(b.head + i) % b.ring];
        c[i] = (daas_sched_rebalance_cand){uid, "default", uid, "ReplicaSet/web", NULL};
    }
    daas_sched_rebalance_req q = {.round = 1, .threshold_pct = 10, .max_evictions = 100,
                                  .fairness_pct = 20, .cands = c, .n_cands = b.live};
    daas_buf req, plan;
    daas_buf_init(&req, DAAS_SCHED_REBALANCE_MAX_BYTES);
    daas_buf_init(&plan, DAAS_SCHED_REBALANCE_MAX_BYTES);
    if (daas_sched_rebalance_req_encode(&q, &req, &err) != DAAS_OK)
        daas_bench_sched_die("rebalance: encode the request", &err);
    int64_t budget = (quick ? 300 : 1500) * 1000000LL, t0 = daas_mono_ns(), t = t0;
    uint64_t rounds = 0;
    size_t ev = 0;
    while (rounds < 3 || t - t0 < budget) {
        ev = round_once(&b, DAAS_BYTES(req.data, req.len), &plan);
        rounds++;
        t = daas_mono_ns();
    }
    double ms = (double)(t - t0) / 1e6 / (double)rounds;
    printf("\nrebalancing: per round, as the enclave's POST /sched/rebalance: decode the request "
           "(%zu candidates, %zu bytes), plan (threshold 10%%, fairness 20 points, at most 100 "
           "evictions), encode, sign, leaf\n",
           b.live, req.len);
    printf("%-22s %7s %7s %9s %10s\n", "", "nodes", "rounds", "evictions", "ms/round");
    printf("%-22s %7d %7llu %9zu %10.1f   [< %.0f ms] %s\n", "rebalance round", NODES,
           (unsigned long long)rounds, ev, ms, TARGET_MS, ms < TARGET_MS ? "PASS" : "FAIL");
    daas_buf_fini(&req);
    daas_buf_fini(&plan);
    daas_free(c);
    daas_bench_sched_fini(&b);
}
