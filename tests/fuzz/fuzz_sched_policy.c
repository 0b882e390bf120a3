/*
 * fuzz_sched_policy.c: libFuzzer target for the admission policy's wire decoders
 *                      (src/sched/policy.c) and the evaluator on what they accept.
 *
 * Owns:   nothing. The first byte picks the decoder (0: AdmissionRequest; 1: AccessDecision;
 *         2: ClusterRules), the rest is its input. Any input either fails with DAAS_EINVAL /
 *         DAAS_ETOOBIG, a message and nothing allocated, or decodes to a value whose encoding
 *         is the input byte for byte (the formats are canonical). A decoded request is then
 *         evaluated against fixed strict rules and a decoded rule set against a fixed pod:
 *         evaluation must succeed, be deterministic (the same decision bytes twice), its
 *         decision must round-trip, and nothing may leak or trip UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched/policy.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const REGS[] = {"127.0.0.1:5000/", "docker.io/library/", "ghcr.io"};
static const char *const DIGESTS[] = {
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};

static const daas_sched_policy_rules RULES = {.version = 3,
                                              .registries = REGS,
                                              .n_registries = 3,
                                              .digests = DIGESTS,
                                              .n_digests = 1,
                                              .nitro_min_tier = 2,
                                              .host_path_min_tier = 3,
                                              .host_network_min_tier = 255};

/* Encodes the decision of one evaluation into b (which the caller inits and fins). */
static void eval_into(const daas_sched_policy_request *q, const daas_sched_policy_rules *r,
                      daas_buf *b)
{
    daas_sched_policy_result res, back;
    daas_err err = {0};
    daas_buf msg, again;
    if (daas_sched_policy_eval(q, r, &res, &err) != DAAS_OK)
        abort(); /* both passed the decoders' checks */
    if (daas_sched_policy_decision_encode(&res, b, &err) != DAAS_OK)
        abort();
    daas_buf_init(&msg, 0);
    if (daas_sched_policy_message(&res, &msg) != DAAS_OK ||
        daas_sched_policy_warning(&res, &msg) != DAAS_OK ||
        daas_sched_policy_audit(&res, &msg) != DAAS_OK)
        abort();
    if (res.allowed != (res.n_violations == 0))
        abort();
    daas_buf_fini(&msg);
    if (daas_sched_policy_decision_decode(DAAS_BYTES(b->data, b->len), &back, &err) != DAAS_OK)
        abort();
    daas_buf_init(&again, 0);
    if (daas_sched_policy_decision_encode(&back, &again, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&again, (const uint8_t *)b->data, b->len);
    daas_buf_fini(&again);
    daas_sched_policy_result_fini(&back);
    daas_sched_policy_result_fini(&res);
}

static void eval_twice(const daas_sched_policy_request *q, const daas_sched_policy_rules *r)
{
    daas_buf a, b;
    daas_buf_init(&a, 0);
    daas_buf_init(&b, 0);
    eval_into(q, r, &a);
    eval_into(q, r, &b);
    fuzz_check_same(&a, (const uint8_t *)b.data, b.len);
    daas_buf_fini(&a);
    daas_buf_fini(&b);
}

static void fuzz_request(const uint8_t *data, size_t size)
{
    daas_sched_policy_request q;
    daas_err err = {0};
    int rc = daas_sched_policy_request_decode(DAAS_BYTES(data, size), &q, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_policy_request_encode(&q, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
    eval_twice(&q, &RULES);
    daas_sched_policy_request_fini(&q);
}

static void fuzz_decision(const uint8_t *data, size_t size)
{
    daas_sched_policy_result d;
    daas_err err = {0};
    int rc = daas_sched_policy_decision_decode(DAAS_BYTES(data, size), &d, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_policy_decision_encode(&d, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
    daas_sched_policy_result_fini(&d);
}

static void fuzz_rules(const uint8_t *data, size_t size)
{
    daas_sched_policy_rules r;
    daas_err err = {0};
    int rc = daas_sched_policy_rules_decode(DAAS_BYTES(data, size), &r, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sched_policy_rules_encode(&r, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);

    static const uint32_t ports[] = {8080};
    static const char *const drop[] = {"ALL"};
    const daas_sched_pcontainer c[] = {
        {.kind = DAAS_SCHED_CTR_INIT, .name = "i", .image = "busybox",
         .sec = {.run_as_non_root = DAAS_SCHED_UNSET, .host_process = DAAS_SCHED_UNSET},
         .privileged = DAAS_SCHED_UNSET, .allow_priv_esc = DAAS_SCHED_UNSET},
        {.kind = DAAS_SCHED_CTR_REGULAR, .name = "a", .image = "ghcr.io/x/y@" "sha256:"
                                                                "0123456789abcdef0123456789abcdef"
                                                                "0123456789abcdef0123456789abcdef",
         .sec = {.run_as_non_root = DAAS_SCHED_TRUE, .host_process = DAAS_SCHED_UNSET},
         .privileged = DAAS_SCHED_FALSE, .allow_priv_esc = DAAS_SCHED_FALSE, .has_caps = true,
         .cap_drop = drop, .n_cap_drop = 1, .host_ports = ports, .n_host_ports = 1,
         .nitro = true},
    };
    const daas_sched_pvolume v[] = {{"h", DAAS_SCHED_VOL_HOST_PATH, "/var"}};
    daas_sched_policy_request q = {
        .uid = "u", .ns = "n", .name = "p", .kind = "Pod", .enforce = 1, .warn = 2,
        .audit = 2, .owner_tier = 2,
        .pod = {.sec = {.run_as_non_root = DAAS_SCHED_UNSET, .host_process = DAAS_SCHED_UNSET},
                .host_network = true, .volumes = v, .n_volumes = 1, .containers = c,
                .n_containers = 2}};
    eval_twice(&q, &r);
    daas_sched_policy_rules_fini(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 1:
        fuzz_decision(data + 1, size - 1);
        break;
    case 2:
        fuzz_rules(data + 1, size - 1);
        break;
    default:
        fuzz_request(data + 1, size - 1);
    }
    return 0;
}
