/*
 * admit.c: the admission row of bench_sched: what the enclave does per POST /sched/admit
 * (strict decode of the AdmissionRequest and the ClusterRules, daas_sched_policy_eval,
 * BCS(AccessDecision), Ed25519 over the intent-4 message, the Merkle leaf) for a typical pod
 * at restricted, on one thread and on every core.
 *
 * Owns:   the pod, its request and rules bytes, the key, the worker threads (joined).
 * Not:    anything measured (src/sched/policy*.c, src/sched/admission.c).
 * Invariants: every iteration must succeed and admit the pod (else the bench exits 1); the
 *         decision bytes are the same on every iteration and thread (deterministic policy).
 * Spec:   bench/README.md (bench_sched, admission); sched/admission.h; sched/policy.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "bench_sched.h"
#include "common/util.h"
#include "sched/admission.h"
#include "sched/policy.h"

#define TARGET_ADMIT_S 20000.0

/* A typical restricted pod: an init container and two containers, a few volumes. */
static const char POD[] =
    "{\"metadata\":{\"name\":\"web-7d9f\",\"namespace\":\"shop\",\"uid\":"
    "\"0b6c3a52-8f1e-4c1d-9a57-3f0e2b7c9d11\",\"labels\":{\"app\":\"web\"}},"
    "\"spec\":{\"securityContext\":{\"runAsNonRoot\":true,\"runAsUser\":1000,"
    "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},"
    "\"volumes\":[{\"name\":\"cfg\",\"configMap\":{\"name\":\"web\"}},{\"name\":\"tmp\","
    "\"emptyDir\":{}},{\"name\":\"tok\",\"projected\":{\"sources\":[]}}],"
    "\"initContainers\":[{\"name\":\"migrate\",\"image\":\"127.0.0.1:5000/shop/migrate:1.4\","
    "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
    "[\"ALL\"]}}}],"
    "\"containers\":[{\"name\":\"web\",\"image\":\"127.0.0.1:5000/shop/web:1.4\",\"ports\":"
    "[{\"containerPort\":8080}],\"securityContext\":{\"allowPrivilegeEscalation\":false,"
    "\"capabilities\":{\"drop\":[\"ALL\"],\"add\":[\"NET_BIND_SERVICE\"]}}},"
    "{\"name\":\"sidecar\",\"image\":\"docker.io/library/busybox:1.36\",\"securityContext\":"
    "{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}";

static const char *const REGS[] = {"127.0.0.1:5000/", "docker.io/library/", "ghcr.io/"};

typedef struct job {
    daas_bytes req, rules; /* the POST /sched/admit body's two parts (shared, read-only) */
    const uint8_t *sk;     /* the enclave key */
    double seconds;        /* how long to run */
    uint64_t done;         /* admissions completed */
    uint8_t leaf[32];      /* the last leaf (checked equal across threads) */
} job;

/* One admission as the enclave runs it; dies on any failure or a denial. */
static void admit_once(job *j, daas_buf *dec)
{
    daas_sched_policy_request q;
    daas_sched_policy_rules r;
    daas_sched_policy_result res;
    uint8_t sig[64];
    daas_err err = {0};
    daas_buf_reset(dec);
    if (daas_sched_policy_request_decode(j->req, &q, &err) != DAAS_OK ||
        daas_sched_policy_rules_decode(j->rules, &r, &err) != DAAS_OK ||
        daas_sched_policy_eval(&q, &r, &res, &err) != DAAS_OK)
        daas_bench_sched_die("admission: evaluate", &err);
    if (!res.allowed)
        daas_bench_sched_die("admission: the typical pod is denied", NULL);
    if (daas_sched_policy_decision_encode(&res, dec, &err) != DAAS_OK ||
        daas_sched_admission_sign(1, DAAS_BYTES(dec->data, dec->len), j->sk, sig, &err) != DAAS_OK)
        daas_bench_sched_die("admission: encode and sign", &err);
    daas_sched_admission_leaf(1, DAAS_BYTES(dec->data, dec->len), j->leaf);
    daas_sched_policy_result_fini(&res);
    daas_sched_policy_rules_fini(&r);
    daas_sched_policy_request_fini(&q);
}

static void *worker(void *arg)
{
    job *j = arg;
    daas_buf dec;
    daas_buf_init(&dec, DAAS_SCHED_POLICY_MAX_BYTES);
    int64_t end = daas_mono_ns() + (int64_t)(j->seconds * 1e9);
    do {
        for (int i = 0; i < 64; i++)
            admit_once(j, &dec);
        j->done += 64;
    } while (daas_mono_ns() < end);
    daas_buf_fini(&dec);
    return NULL;
}

/* Runs n threads for seconds; returns admissions per second over all of them. */
static double run_threads(const job *proto, size_t n)
{
    job *jobs = daas_xcalloc(n, sizeof *jobs);
    pthread_t *tids = daas_xcalloc(n, sizeof *tids);
    int64_t t0 = daas_mono_ns();
    for (size_t i = 0; i < n; i++) {
        jobs[i] = *proto;
        if (pthread_create(&tids[i], NULL, worker, &jobs[i]) != 0)
            daas_bench_sched_die("admission: pthread_create", NULL);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(tids[i], NULL);
        total += jobs[i].done;
        if (memcmp(jobs[i].leaf, jobs[0].leaf, 32) != 0)
            daas_bench_sched_die("admission: threads disagree on the decision", NULL);
    }
    double sec = (double)(daas_mono_ns() - t0) / 1e9;
    daas_free(jobs);
    daas_free(tids);
    return (double)total / sec;
}

/* The request (restricted everywhere, owner tier 2) and rules bytes of the typical pod. */
static void make_body(json_t *pod, daas_buf *req, daas_buf *rules)
{
    daas_sched_policy_request q = {0};
    daas_sched_policy_rules r = {.version = 12,
                                 .registries = REGS,
                                 .n_registries = 3,
                                 .nitro_min_tier = 2,
                                 .host_path_min_tier = 3,
                                 .host_network_min_tier = 255};
    daas_err err = {0};
    if (daas_sched_policy_view_from_json(pod, &q.pod, &err) != DAAS_OK)
        daas_bench_sched_die("admission: the pod's view", &err);
    q.uid = "0b6c3a52-8f1e-4c1d-9a57-3f0e2b7c9d11";
    q.ns = "shop";
    q.name = "web-7d9f";
    q.kind = "Pod";
    q.enforce = q.warn = q.audit = DAAS_SCHED_PSS_RESTRICTED;
    q.owner_tier = 2;
    if (daas_sched_policy_request_encode(&q, req, &err) != DAAS_OK ||
        daas_sched_policy_rules_encode(&r, rules, &err) != DAAS_OK)
        daas_bench_sched_die("admission: encode the request", &err);
    daas_sched_policy_view_fini(&q.pod);
}

static void row(const char *label, size_t threads, double rate)
{
    printf("%-22s %7zu %11.0f/s %9.1f   [>= %.0f/s] %s\n", label, threads, rate,
           1e6 * (double)threads / rate, TARGET_ADMIT_S, rate >= TARGET_ADMIT_S ? "PASS" : "FAIL");
}

/* Contract in bench_sched.h. */
void daas_bench_sched_admit(bool quick)
{
    uint8_t pk[32], sk[64];
    daas_buf req, rules;
    json_t *pod = json_loads(POD, 0, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t cores = ncpu > 0 ? (size_t)ncpu : 1;
    if (pod == NULL)
        daas_bench_sched_die("admission: the pod JSON", NULL);
    crypto_sign_keypair(pk, sk);
    daas_buf_init(&req, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&rules, DAAS_SCHED_POLICY_MAX_BYTES);
    make_body(pod, &req, &rules);
    job proto = {.req = DAAS_BYTES(req.data, req.len),
                 .rules = DAAS_BYTES(rules.data, rules.len),
                 .sk = sk,
                 .seconds = quick ? 0.3 : 1.5};
    printf("\nadmission: per pod, as the enclave's POST /sched/admit: decode request (%zu bytes) "
           "and rules, evaluate at restricted, encode, sign (intent 4), leaf\n",
           req.len);
    printf("%-22s %7s %13s %9s\n", "", "threads", "rate", "us/admit");
    row("admission 1 thread", 1, run_threads(&proto, 1));
    row("admission all cores", cores, run_threads(&proto, cores));
    sodium_memzero(sk, sizeof sk);
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    json_decref(pod);
}
