/*
 * http.c: bench_sched's row over HTTP: pods scheduled per second through the protocol the
 * API server speaks to the scheduler enclave.
 *
 * Owns:   one in-process enclave (debug attestation from a dev CA, the /sched/ service, 2
 *         HTTP worker threads) on a Unix socket in a temporary directory under /tmp, and the
 *         client driving it; all removed before returning.
 * Not:    the enclave, the service, the client (src/enclave/); the cluster and pod model
 *         (main.c, the same mixed cluster as the in-process rows).
 * Invariants:
 *   - the client trusts the enclave's key only after verifying its attestation document as
 *     the server does (src/api/schedctl.c: allow_debug with the dev CA's certificate as the
 *     debug root, at the current time) and checking it is the key /health_check announces;
 *   - per pod: POST /sched/schedule (the client verifies the signed decision), then one POST
 *     /sched/deltas with the eviction of the oldest pod and the binding; every error ends
 *     the program, and at the end the enclave's seq and decision count must match.
 * Spec:   src/enclave/schedsvc.h (protocol), client.h; bench/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_sched.h"
#include "common/util.h"
#include "enclave/addr.h"
#include "enclave/attest.h"
#include "enclave/enclave.h"
#include "enclave/schedsvc.h"

#define HTTP_NODES 1000

typedef struct svc {
    char dir[64];  /* /tmp/bench_sched-XXXXXX */
    char *addr;    /* unix:<dir>/e.sock */
    daas_enclave *e;
    daas_enclave_schedsvc *s;
    daas_http_server *srv;
    daas_enclave_client *cli;
} svc;

static void svc_start(svc *v)
{
    daas_err err = {0};
    daas_enclave_addr a;
    int lfd = -1;
    snprintf(v->dir, sizeof(v->dir), "/tmp/bench_sched-XXXXXX");
    if (mkdtemp(v->dir) == NULL)
        daas_bench_sched_die("mkdtemp", NULL);
    char *ca = daas_xasprintf("%s/ca", v->dir);
    daas_enclave_opts o = {.nsm_path = "/nonexistent/nsm", .debug_ca_dir = ca};
    v->addr = daas_xasprintf("unix:%s/e.sock", v->dir);
    if (daas_enclave_new(&o, &v->e, &err) != DAAS_OK ||
        daas_enclave_schedsvc_new(v->e, NULL, &v->s, &err) != DAAS_OK ||
        daas_enclave_addr_parse(v->addr, &a, &err) != DAAS_OK ||
        daas_enclave_addr_listen(&a, &lfd, &err) != DAAS_OK ||
        daas_enclave_serve(v->e, lfd, 2, &v->srv, &err) != DAAS_OK ||
        daas_enclave_client_new(v->addr, 10000, &v->cli, &err) != DAAS_OK)
        daas_bench_sched_die("enclave", &err);
    close(lfd);
    daas_free(ca);
}

static void svc_stop(svc *v)
{
    static const char *const files[] = {"e.sock", "ca/ca.crt", "ca/ca.key", "ca"};
    daas_enclave_client_free(&v->cli);
    daas_http_server_free(&v->srv);
    daas_enclave_schedsvc_free(&v->s);
    daas_enclave_free(&v->e);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *p = daas_xasprintf("%s/%s", v->dir, files[i]);
        if (remove(p) != 0)
            fprintf(stderr, "bench_sched: cannot remove %s\n", p);
        daas_free(p);
    }
    if (rmdir(v->dir) != 0)
        fprintf(stderr, "bench_sched: cannot remove %s\n", v->dir);
    daas_free(v->addr);
}

/* dir/ca/ca.crt, the debug root the server is given (--enclave-debug-root). */
static void read_root(const svc *v, daas_buf *out)
{
    char *path = daas_xasprintf("%s/ca/ca.crt", v->dir);
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    if (f == NULL)
        daas_bench_sched_die(path, &(daas_err){.msg = "cannot open"});
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (daas_buf_append(out, chunk, n) != DAAS_OK)
            daas_bench_sched_die(path, &(daas_err){.msg = "too large"});
    fclose(f);
    daas_free(path);
}

/* Fetches and verifies the attestation, trusts its key; returns the ms it took. */
static double handshake(svc *v)
{
    daas_buf doc, root;
    daas_attest_doc ad = {0};
    daas_err err = {0};
    uint8_t pk[DAAS_ENCLAVE_PK_LEN], announced[DAAS_ENCLAVE_PK_LEN];
    daas_buf_init(&doc, 0);
    daas_buf_init(&root, 1 << 20);
    read_root(v, &root);
    int64_t t0 = daas_mono_ns();
    daas_attest_policy pol = {.now_ms = daas_now_ms(),
                              .allow_debug = true,
                              .debug_root = DAAS_BYTES(root.data, root.len)};
    if (daas_enclave_client_attestation(v->cli, &doc, &err) != DAAS_OK ||
        daas_attest_verify((const uint8_t *)doc.data, doc.len, &pol, &ad, &err) != DAAS_OK ||
        daas_attest_ed25519_key(&ad, pk, &err) != DAAS_OK)
        daas_bench_sched_die("attestation", &err);
    double ms = (double)(daas_mono_ns() - t0) / 1e6;
    if (daas_enclave_client_health(v->cli, announced, &err) != DAAS_OK)
        daas_bench_sched_die("health_check", &err);
    if (memcmp(pk, announced, sizeof(pk)) != 0)
        daas_bench_sched_die("attestation", &(daas_err){.msg = "not the announced key"});
    daas_enclave_client_set_key(v->cli, pk);
    daas_attest_doc_fini(&ad);
    daas_buf_fini(&doc);
    daas_buf_fini(&root);
    return ms;
}

/* One pod: scheduled by the enclave (signature verified by the client), then bound. */
static void one_pod(daas_bench_sched *b)
{
    daas_sched_pod p;
    daas_sched_res req[3];
    char uid[32], reason[256];
    daas_sched_decision dec;
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    uint64_t index = 0;
    daas_err err = {0};
    daas_bench_sched_make_pod(b, &p, req, uid, false);
    int64_t t0 = daas_mono_ns();
    int rc = daas_enclave_client_schedule(b->cli, &p, &dec, sig, &index, reason, sizeof reason,
                                          &err);
    int64_t t1 = daas_mono_ns();
    b->t_decide += t1 - t0;
    if (rc == DAAS_ECONFLICT) {
        b->failed++;
        return;
    }
    if (rc != DAAS_OK)
        daas_bench_sched_die("schedule", &err);
    if (index != b->placed || dec.state_seq != b->seq)
        daas_bench_sched_die("schedule", &(daas_err){.msg = "decision index or seq differs"});
    daas_bench_sched_bind(b, dec.node, req, p.n_requests);
    b->t_apply += daas_mono_ns() - t1;
    b->placed++;
}

void daas_bench_sched_http(bool quick)
{
    uint64_t pods = quick ? 300 : 2000, seq = 0, ndec = 0;
    uint8_t digest[DAAS_SCHED_DIGEST_LEN];
    daas_err err = {0};
    daas_bench_sched b;
    svc v = {0};
    svc_start(&v);
    double att_ms = handshake(&v);
    daas_bench_sched_init(&b, HTTP_NODES, HTTP_NODES * 3, v.cli);
    int64_t t0 = daas_mono_ns();
    daas_bench_sched_populate(&b, false);
    double fill = (double)(daas_mono_ns() - t0) / 1e9;
    t0 = daas_mono_ns();
    for (uint64_t i = 0; i < pods; i++)
        one_pod(&b);
    double sec = (double)(daas_mono_ns() - t0) / 1e9, n = (double)pods;
    if (daas_enclave_client_state(v.cli, &seq, digest, &ndec, &err) != DAAS_OK)
        daas_bench_sched_die("state", &err);
    if (seq != b.seq || ndec != b.placed)
        daas_bench_sched_die("state", &(daas_err){.msg = "seq or decision count differs"});
    printf("\nover HTTP: an in-process enclave on a Unix socket (2 HTTP workers), the server's "
           "client; per pod: POST /sched/schedule (signature verified), POST /sched/deltas "
           "(evict + bind)\n");
    printf("  attestation fetched and verified (debug document, dev CA): %.2f ms; %d nodes and "
           "%d running pods fed one delta request each in %.2f s\n",
           att_ms, HTTP_NODES, HTTP_NODES * 3, fill);
    printf("%-12s %6d %7llu %9.0f/s   schedule %6.1f us/pod, deltas %6.1f us/pod, unfit %llu"
           "   [no target: HTTP/1.1 round trips]\n",
           "over HTTP", HTTP_NODES, (unsigned long long)pods, n / sec,
           (double)b.t_decide / n / 1e3, (double)b.t_apply / n / 1e3,
           (unsigned long long)b.failed);
    fflush(stdout);
    daas_bench_sched_fini(&b);
    svc_stop(&v);
}
