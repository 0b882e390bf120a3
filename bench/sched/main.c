/*
 * bench/sched: pods scheduled per second by the enclave's scheduler core at 100, 1,000 and
 *              5,000 nodes, signature and server-side verification included.
 *
 * Owns:   the model below and the in-process rows (one thread, everything in memory); the
 *         attestation rows and the enclave of the row over HTTP are attest.c's and http.c's.
 * Model:  a mixed cluster built from a fixed seed: node sizes 4..64 cores (4 GiB per core),
 *         110 pods each, one owner per 10 nodes with stakes from 0 to 9,000 SUI, zones a/b/c,
 *         every 10th node a Nitro host (aws.ec2.nitro/nitro_enclaves: 2), every 20th tainted,
 *         2% not ready; 3 pods per node bound up front. Each measured pod (100m..2 cpu,
 *         128 MiB..4 GiB; 10% with a nodeSelector, 5% with required affinity, 5% with a
 *         toleration, 2% asking for a Nitro device) goes through what the two sides do:
 *           enclave: daas_sched_decide, the IntentMessage bytes, crypto_sign_detached;
 *           server:  decode the decision BCS, rebuild the IntentMessage, verify the signature;
 *           both:    the binding fed back as a PodBound delta (BCS encode, apply, digest),
 *                    and an old pod removed (PodRemoved) so utilisation stays steady.
 *         A last row runs the worst case for the tie-break: identical empty nodes of one
 *         owner, where every free node ties and each tied node costs one BLAKE2b.
 *         Then the attestation rows (attest.c) and the row over HTTP (http.c).
 * Usage:  bench_sched [--quick] [--vectors DIR]
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_sched.h"
#include "common/log.h"
#include "common/util.h"

typedef daas_bench_sched bench;

#define GiB ((int64_t)1 << 30)
#define TARGET_PODS_S 5000.0 /* at 5,000 nodes (issue 4) */

_Noreturn void daas_bench_sched_die(const char *what, const daas_err *err)
{
    fprintf(stderr, "bench_sched: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

static uint64_t rnd(bench *b)
{
    b->seed = b->seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return b->seed >> 17;
}

/* Sends d[0..n) (seqs filled in here): to the enclave in one request, or BCS-encoded and
 * applied to the local state one by one. */
static void submit(bench *b, daas_sched_delta *d, size_t n)
{
    daas_err err = {0};
    for (size_t i = 0; i < n; i++)
        d[i].seq = ++b->seq;
    if (b->cli != NULL) {
        uint64_t seq = 0;
        uint8_t digest[DAAS_SCHED_DIGEST_LEN];
        if (daas_enclave_client_deltas(b->cli, d, n, &seq, digest, &err) != DAAS_OK)
            daas_bench_sched_die("deltas", &err);
        if (seq != b->seq)
            daas_bench_sched_die("deltas: the enclave's seq differs", NULL);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        daas_buf_reset(&b->enc);
        if (daas_sched_delta_encode(&d[i], &b->enc, &err) != DAAS_OK ||
            daas_sched_state_apply_bcs(b->st, DAAS_BYTES(b->enc.data, b->enc.len), &err) !=
                DAAS_OK)
            daas_bench_sched_die("apply", &err);
    }
}

static void add_node(bench *b, size_t i, bool uniform)
{
    static const char *const zones[] = {"a", "b", "c"};
    static const int64_t cores[] = {4, 8, 16, 32, 64};
    int64_t c = uniform ? 16 : cores[rnd(b) % 5];
    daas_sched_res res[4];
    size_t nr = 0;
    if (!uniform && i % 10 == 0)
        res[nr++] = (daas_sched_res){"aws.ec2.nitro/nitro_enclaves", 2};
    res[nr++] = (daas_sched_res){"cpu", c * 1000};
    res[nr++] = (daas_sched_res){"memory", c * 4 * GiB};
    res[nr++] = (daas_sched_res){"pods", 110};
    daas_sched_label lab[2] = {{"kind", "general"}, {"zone", zones[i % 3]}};
    daas_sched_taint taint = {"dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE};
    snprintf(b->names[i], sizeof(b->names[i]), "node-%05zu", i);
    daas_sched_node n = {
        .name = b->names[i],
        .stake = uniform ? 1 : (rnd(b) % 10) * 1000000000000ULL,
        .ready = uniform || rnd(b) % 50 != 0,
        .alloc = res,
        .n_alloc = nr,
        .labels = lab,
        .n_labels = 2,
        .taints = &taint,
        .n_taints = !uniform && i % 20 == 7,
    };
    size_t owner = uniform ? 0 : i / 10;
    memcpy(n.owner, &owner, sizeof(owner));
    daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = n};
    submit(b, &d, 1);
}

void daas_bench_sched_bind(bench *b, const char *node, const daas_sched_res *req, size_t n)
{
    daas_sched_delta d[2];
    size_t nd = 0;
    char gone[32]; /* the new uid takes the removed one's slot */
    if (b->live == b->ring) { /* steady state: the oldest pod goes */
        memcpy(gone, b->uids[b->head], sizeof(gone));
        d[nd++] = (daas_sched_delta){.kind = DAAS_SCHED_POD_REMOVED, .name = gone};
        b->head = (b->head + 1) % b->ring;
        b->live--;
    }
    char *uid = b->uids[(b->head + b->live) % b->ring];
    snprintf(uid, sizeof(b->uids[0]), "pod-%012llu", (unsigned long long)b->next_uid++);
    d[nd++] = (daas_sched_delta){.kind = DAAS_SCHED_POD_BOUND, .bound = {uid, node, req, n}};
    submit(b, d, nd);
    b->live++;
}

void daas_bench_sched_make_pod(bench *b, daas_sched_pod *p, daas_sched_res *req, char *uid,
                               bool plain)
{
    static const char *const zone_b[] = {"b"};
    static const daas_sched_label sel[] = {{"zone", "a"}};
    static const daas_sched_expr expr[] = {{"zone", DAAS_SCHED_OP_IN, zone_b, 1}};
    static const daas_sched_term term[] = {{expr, 1, NULL, 0}};
    static const daas_sched_toleration tol[] = {
        {"dedicated", DAAS_SCHED_TOL_EQUAL, "db", DAAS_SCHED_EFFECT_NO_SCHEDULE}};
    uint64_t r = plain ? 99 : rnd(b) % 100;
    size_t n = 0;
    if (r < 2)
        req[n++] = (daas_sched_res){"aws.ec2.nitro/nitro_enclaves", 1};
    req[n++] = (daas_sched_res){"cpu", 100 * (int64_t)(1 + rnd(b) % 20)};
    req[n++] = (daas_sched_res){"memory", (int64_t)(128 << 20) * (int64_t)(1 + rnd(b) % 32)};
    snprintf(uid, 32, "pend-%012llu", (unsigned long long)b->next_uid);
    memset(p, 0, sizeof(*p));
    p->uid = uid;
    p->ns = "default";
    p->name = uid;
    memset(p->spec_digest, 0x5a, sizeof(p->spec_digest));
    p->requests = req;
    p->n_requests = n;
    if (r >= 2 && r < 12) {
        p->node_selector = sel;
        p->n_node_selector = 1;
    } else if (r >= 12 && r < 17) {
        p->has_affinity = true;
        p->terms = term;
        p->n_terms = 1;
    } else if (r >= 17 && r < 22) {
        p->tolerations = tol;
        p->n_tolerations = 1;
    }
}

/* One pod through the enclave, the server and back into the state. */
static void one_pod(bench *b, bool plain)
{
    daas_sched_pod p;
    daas_sched_res req[3];
    char uid[32];
    daas_sched_result res;
    daas_sched_decision dec, got;
    daas_err err = {0};
    uint8_t sig[64];
    daas_bench_sched_make_pod(b, &p, req, uid, plain);
    int64_t t0 = daas_mono_ns();
    if (daas_sched_decide(b->st, &p, 1744683300000ULL + b->next_uid, &res, &dec, &err) != DAAS_OK)
        daas_bench_sched_die("decide", &err);
    int64_t t1 = daas_mono_ns();
    b->t_decide += t1 - t0;
    if (!res.found) {
        b->failed++;
        daas_sched_result_fini(&res);
        return;
    }
    b->tied += res.tied;
    daas_buf_reset(&b->msg);
    if (daas_sched_decision_signing_bytes(&dec, &b->msg, &err) != DAAS_OK)
        daas_bench_sched_die("signing bytes", &err);
    crypto_sign_detached(sig, NULL, (const uint8_t *)b->msg.data, b->msg.len, b->sk);
    int64_t t2 = daas_mono_ns();
    b->t_sign += t2 - t1;
    /* server: the decision's BCS follows the 9-byte intent header */
    if (daas_sched_decision_decode(DAAS_BYTES(b->msg.data + 9, b->msg.len - 9), &got, &err) !=
            DAAS_OK ||
        daas_sched_decision_verify(&got, b->pk, sig, &err) != DAAS_OK)
        daas_bench_sched_die("verify", &err);
    int64_t t3 = daas_mono_ns();
    b->t_verify += t3 - t2;
    daas_bench_sched_bind(b, got.node, req, p.n_requests);
    b->t_apply += daas_mono_ns() - t3;
    b->placed++;
    daas_sched_result_fini(&res);
}

void daas_bench_sched_init(bench *b, size_t nodes, size_t ring, daas_enclave_client *cli)
{
    memset(b, 0, sizeof(*b));
    b->cli = cli;
    if (cli == NULL) {
        b->st = daas_sched_state_new();
        crypto_sign_keypair(b->pk, b->sk);
    }
    b->seed = 2026;
    b->names = daas_xcalloc(nodes, sizeof(*b->names));
    b->n_nodes = nodes;
    b->ring = ring;
    b->uids = daas_xcalloc(ring, sizeof(*b->uids));
    daas_buf_init(&b->msg, 0);
    daas_buf_init(&b->enc, 0);
}

void daas_bench_sched_fini(bench *b)
{
    daas_sched_state_free(&b->st);
    daas_free(b->names);
    daas_free(b->uids);
    daas_buf_fini(&b->msg);
    daas_buf_fini(&b->enc);
    sodium_memzero(b->sk, sizeof(b->sk));
}

void daas_bench_sched_populate(bench *b, bool uniform)
{
    size_t nodes = b->n_nodes;
    for (size_t i = 0; i < nodes; i++)
        add_node(b, i, uniform);
    for (size_t i = 0; !uniform && i < nodes * 3; i++) { /* the cluster's running pods */
        daas_sched_res req[2] = {{"cpu", 100 * (int64_t)(1 + rnd(b) % 30)},
                                 {"memory", (int64_t)(256 << 20) * (int64_t)(1 + rnd(b) % 24)}};
        daas_bench_sched_bind(b, b->names[rnd(b) % nodes], req, 2);
    }
}

static void report(const char *label, size_t nodes, const bench *b, uint64_t pods, double sec,
                   bool target)
{
    double rate = (double)pods / sec, n = (double)pods;
    printf("%-12s %6zu %7llu %9.0f/s %8.1f %7.1f %7.1f %7.1f %8.1f %6llu",
           label, nodes, (unsigned long long)pods, rate, (double)b->t_decide / n / 1e3,
           (double)b->t_sign / n / 1e3, (double)b->t_verify / n / 1e3,
           (double)b->t_apply / n / 1e3, b->placed ? (double)b->tied / (double)b->placed : 0.0,
           (unsigned long long)b->failed);
    if (target)
        printf("   [>= %.0f/s] %s", TARGET_PODS_S, rate >= TARGET_PODS_S ? "PASS" : "FAIL");
    printf("\n");
    fflush(stdout);
}

static void run(const char *label, size_t nodes, uint64_t pods, bool uniform)
{
    bench b;
    daas_bench_sched_init(&b, nodes, uniform ? pods + 1 : nodes * 3, NULL);
    daas_bench_sched_populate(&b, uniform);
    int64_t t0 = daas_mono_ns();
    for (uint64_t i = 0; i < pods; i++)
        one_pod(&b, uniform);
    double sec = (double)(daas_mono_ns() - t0) / 1e9;
    report(label, nodes, &b, pods, sec, !uniform && nodes == 5000);
    daas_bench_sched_fini(&b);
}

/* The vectors next to the unit tests, found from this file's path (absolute in CMake builds). */
static char *default_vectors(void)
{
    const char *f = __FILE__, *slash = strrchr(f, '/');
    int n = slash ? (int)(slash - f) : 1;
    return daas_xasprintf("%.*s/../../tests/unit/enclave/vectors", n, slash ? f : ".");
}

int main(int argc, char **argv)
{
    bool quick = false;
    const char *vectors = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc) {
            vectors = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_sched [--quick] [--vectors DIR]\n");
            return 2;
        }
    }
    if (sodium_init() < 0)
        daas_bench_sched_die("libsodium", NULL);
    daas_log_set_level(DAAS_LOG_WARN); /* the enclave's start-up lines would cut the table */
    char *vdir = vectors ? NULL : default_vectors();
    daas_bench_sched_attest_check(vectors ? vectors : vdir);
    uint64_t k = quick ? 1 : 4;
    printf("bench_sched: one thread; per pod: decide, sign (enclave), decode + verify "
           "(server), bind + evict deltas (both)\n");
    printf("%-12s %6s %7s %11s %8s %7s %7s %7s %8s %6s\n", "cluster", "nodes", "pods",
           "rate", "decide", "sign", "verify", "deltas", "tied", "unfit");
    printf("%-12s %6s %7s %11s %8s %7s %7s %7s %8s %6s\n", "", "", "", "", "us/pod", "us",
           "us", "us", "avg", "");
    run("mixed", 100, 5000 * k, false);
    run("mixed", 1000, 5000 * k, false);
    run("mixed", 5000, 5000 * k, false);
    run("identical", 5000, 1000 * k, true);
    daas_bench_sched_attest(vectors ? vectors : vdir, quick);
    daas_bench_sched_http(quick);
    daas_bench_sched_admit(quick);
    daas_bench_sched_rebalance(quick);
    daas_free(vdir);
    return 0;
}
