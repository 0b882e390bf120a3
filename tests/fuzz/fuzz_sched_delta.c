/*
 * fuzz_sched_delta.c: libFuzzer target for the scheduler's wire decoders (src/sched/delta.c,
 *                     decision.c): deltas, pod specs and decisions from the untrusted side.
 *
 * Owns:   nothing. The first byte picks the decoder (0, 1: delta; 2: pod; 3: decision), the
 *         rest is its input. Any input either fails with DAAS_EINVAL / DAAS_ETOOBIG, a
 *         message and nothing allocated, or decodes to a value whose encoding is the input
 *         byte for byte (the formats are canonical). A decoded delta is then applied to a
 *         small cluster (seq renumbered) and a decoded pod scheduled on it: neither may
 *         crash, leak or trip UBSan, and a failed delta must leave seq and digest unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Three nodes (one tainted, one with a Nitro device) and two bound pods. */
static daas_sched_state *small_cluster(void)
{
    static const daas_sched_res big[] = {{"cpu", 8000}, {"memory", 16LL << 30}, {"pods", 110}};
    static const daas_sched_res nitro[] = {
        {"aws.ec2.nitro/nitro_enclaves", 1}, {"cpu", 4000}, {"memory", 8LL << 30}};
    static const daas_sched_label zone[] = {{"zone", "a"}};
    static const daas_sched_taint taint[] = {{"dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE}};
    static const daas_sched_res req[] = {{"cpu", 500}, {"memory", 1LL << 30}};
    daas_sched_node n[3] = {
        {.name = "n1", .stake = 100, .ready = true, .alloc = big, .n_alloc = 3},
        {.name = "n2", .stake = 300, .ready = true, .alloc = nitro, .n_alloc = 3,
         .labels = zone, .n_labels = 1},
        {.name = "n3", .stake = 0, .ready = true, .alloc = big, .n_alloc = 3, .taints = taint,
         .n_taints = 1},
    };
    daas_sched_state *st = daas_sched_state_new();
    for (int i = 0; i < 3; i++) {
        n[i].owner[0] = (uint8_t)i;
        daas_sched_delta d = {.seq = (uint64_t)i + 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = n[i]};
        if (daas_sched_state_apply(st, &d, NULL) != DAAS_OK)
            abort();
    }
    daas_sched_delta b1 = {.seq = 4, .kind = DAAS_SCHED_POD_BOUND, .bound = {"p1", "n1", req, 2}};
    daas_sched_delta b2 = {.seq = 5, .kind = DAAS_SCHED_POD_BOUND, .bound = {"p2", "gone", req, 2}};
    if (daas_sched_state_apply(st, &b1, NULL) != DAAS_OK ||
        daas_sched_state_apply(st, &b2, NULL) != DAAS_OK)
        abort();
    return st;
}

static void schedule(daas_sched_state *st, const daas_sched_pod *p)
{
    daas_sched_result r;
    daas_err err = {0};
    if (daas_sched_schedule(st, p, &r, &err) != DAAS_OK)
        abort(); /* a decoded pod passed the same checks */
    if (r.found == (r.reason != NULL))
        abort();
    daas_sched_result_fini(&r);
}

static void fuzz_delta(const uint8_t *data, size_t size)
{
    daas_sched_delta d;
    daas_err err = {0};
    int rc = daas_sched_delta_decode(DAAS_BYTES(data, size), &d, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_delta_encode(&d, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);

    daas_sched_state *st = small_cluster();
    uint8_t before[DAAS_SCHED_DIGEST_LEN], after[DAAS_SCHED_DIGEST_LEN];
    daas_sched_state_digest(st, before);
    d.seq = daas_sched_state_seq(st) + 1;
    daas_err aerr = {0};
    rc = daas_sched_state_apply(st, &d, &aerr);
    daas_sched_state_digest(st, after);
    if (rc != DAAS_OK && (daas_sched_state_seq(st) != d.seq - 1 ||
                          memcmp(before, after, sizeof(before)) != 0))
        abort();
    static const daas_sched_res req[] = {{"cpu", 100}};
    daas_sched_pod p = {.uid = "fuzz", .ns = "default", .name = "fuzz", .requests = req,
                        .n_requests = 1};
    schedule(st, &p);
    daas_sched_state_free(&st);
    daas_sched_delta_fini(&d);
}

static void fuzz_pod(const uint8_t *data, size_t size)
{
    daas_sched_pod_msg m;
    daas_err err = {0};
    int rc = daas_sched_pod_decode(DAAS_BYTES(data, size), &m, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_pod_encode(&m.pod, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
    daas_sched_state *st = small_cluster();
    schedule(st, &m.pod);
    daas_sched_state_free(&st);
    daas_sched_pod_msg_fini(&m);
}

static void fuzz_decision(const uint8_t *data, size_t size)
{
    daas_sched_decision d;
    daas_err err = {0};
    int rc = daas_sched_decision_decode(DAAS_BYTES(data, size), &d, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_decision_encode(&d, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 2:
        fuzz_pod(data + 1, size - 1);
        break;
    case 3:
        fuzz_decision(data + 1, size - 1);
        break;
    default:
        fuzz_delta(data + 1, size - 1);
    }
    return 0;
}
