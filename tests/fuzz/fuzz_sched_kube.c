/*
 * fuzz_sched_kube.c: libFuzzer target for the Kubernetes bridge of the scheduler
 *                    (src/sched/kube.c, quantity.c, proof.c): untrusted Node and Pod JSON,
 *                    quantity strings and schedule-proof annotations.
 *
 * Owns:   nothing. The first byte picks the input kind (0 node, 1 pod, 2 quantity, 3 proof),
 *         the rest (at most 64 KiB) is its text. Properties checked:
 *           - a conversion either fails with DAAS_EINVALID, a message and nothing held, or
 *             gives a node / pod the core accepts (encodes, applies, schedules) whose spec
 *             digest is the one daas_sched_pod_digest recomputes;
 *           - the proof check of any fuzzed pod is DAAS_EDENIED (nobody can sign here);
 *           - a parsed quantity is in range and its milli and unit roundings agree;
 *           - a parsed proof re-formats and re-parses to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched/kube.h"
#include "sched/proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (64u << 10)

static void check_failure(int rc, int want, const daas_err *err, const void *mem)
{
    if (rc != want || err->code != rc || err->msg[0] == '\0' || mem != NULL)
        abort();
}

static json_t *parse(const uint8_t *data, size_t size)
{
    json_error_t je;
    return json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
}

static void fuzz_node(const uint8_t *data, size_t size)
{
    json_t *j = parse(data, size);
    daas_sched_knode k;
    daas_err err = {0};
    if (j == NULL)
        return;
    int rc = daas_sched_kube_node(j, &k, &err);
    json_decref(j);
    if (rc != DAAS_OK) {
        check_failure(rc, DAAS_EINVALID, &err, k._mem);
        return;
    }
    daas_sched_state *st = daas_sched_state_new();
    daas_sched_delta d = {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = k.node};
    if (daas_sched_state_apply(st, &d, &err) != DAAS_OK)
        abort();
    static const daas_sched_res req[] = {{"cpu", 100}, {"memory", 1 << 20}};
    daas_sched_pod p = {.uid = "u", .ns = "d", .name = "p", .requests = req, .n_requests = 2};
    daas_sched_result r;
    if (daas_sched_schedule(st, &p, &r, &err) != DAAS_OK || r.found == (r.reason != NULL))
        abort();
    daas_sched_result_fini(&r);
    daas_sched_state_free(&st);
    daas_sched_knode_fini(&k);
}

static void fuzz_pod(const uint8_t *data, size_t size)
{
    json_t *j = parse(data, size);
    daas_sched_kpod k;
    daas_err err = {0};
    uint8_t dg[DAAS_SCHED_DIGEST_LEN];
    if (j == NULL)
        return;
    static const daas_sched_trusted_key key = {{1}, {0}};
    if (daas_sched_proof_check(j, "n1", &key, 1, &err) != DAAS_EDENIED || err.msg[0] == '\0')
        abort();
    daas_err_clear(&err);
    int rc = daas_sched_kube_pod(j, &k, &err);
    json_decref(j);
    if (rc != DAAS_OK) {
        check_failure(rc, DAAS_EINVALID, &err, k._mem);
        return;
    }
    if (daas_sched_pod_digest(&k.pod, dg, &err) != DAAS_OK ||
        memcmp(dg, k.pod.spec_digest, sizeof(dg)) != 0)
        abort();
    static const daas_sched_res big[] = {{"cpu", 8000}, {"memory", 16LL << 30}, {"pods", 110}};
    daas_sched_node n = {.name = "n1", .ready = true, .alloc = big, .n_alloc = 3};
    daas_sched_state *st = daas_sched_state_new();
    daas_sched_delta d = {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = n};
    daas_sched_result r;
    if (daas_sched_state_apply(st, &d, &err) != DAAS_OK ||
        daas_sched_schedule(st, &k.pod, &r, &err) != DAAS_OK || r.found == (r.reason != NULL))
        abort();
    daas_sched_result_fini(&r);
    daas_sched_state_free(&st);
    daas_sched_kpod_fini(&k);
}

static void fuzz_quantity(const char *s)
{
    daas_sched_qty q;
    daas_err err = {0};
    int rc = daas_sched_qty_parse(s, &q, &err);
    if (rc != DAAS_OK) {
        check_failure(rc, DAAS_EINVALID, &err, NULL);
        return;
    }
    if (q.units < 0 || q.units >= ((int64_t)1 << 62) || q.nano < 0 || q.nano >= 1000000000)
        abort();
    int64_t milli = daas_sched_qty_round(q, true), units = daas_sched_qty_round(q, false);
    if (units < ((int64_t)1 << 52) &&
        (milli > units * 1000 || (units > 0 && milli <= (units - 1) * 1000)))
        abort();
}

static void fuzz_proof(const char *s)
{
    daas_sched_proof p, back;
    daas_err err = {0};
    char *text = NULL;
    int rc = daas_sched_proof_parse(s, &p, &err);
    if (rc != DAAS_OK) {
        check_failure(rc, DAAS_EINVAL, &err, NULL);
        return;
    }
    if (daas_sched_proof_format(&p.decision, p.sig, p.enclave, p.pk, &text, &err) != DAAS_OK ||
        daas_sched_proof_parse(text, &back, &err) != DAAS_OK || memcmp(&p, &back, sizeof(p)) != 0)
        abort();
    daas_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size - 1 > MAX_INPUT)
        return 0;
    char *s = daas_xstrndup((const char *)data + 1, size - 1); /* stops at a NUL */
    switch (data[0] % 4) {
    case 0:
        fuzz_node(data + 1, size - 1);
        break;
    case 1:
        fuzz_pod(data + 1, size - 1);
        break;
    case 2:
        fuzz_quantity(s);
        break;
    default:
        fuzz_proof(s);
    }
    daas_free(s);
    return 0;
}
