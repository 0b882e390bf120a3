/*
 * bench/controllers: how long a Deployment of N replicas (default 1,000) takes to have all
 *                    its pods created (ReplicaSet controller) and bound (scheduler
 *                    controller with the debug enclave), and the controllers' work-queue
 *                    throughput. Target: 1,000 pods created and bound in under 5 s.
 *
 * Owns:   its temporary directory (server data and log; removed unless --keep) and the
 *         `daas server --dev --disable-agent` it starts (devnet, key servers, debug scheduler
 *         enclave and every controller, all real; no agent: the Nodes are stand-ins made
 *         through the API, their Leases renewed by this program), stopped with SIGTERM.
 * Model:  stand-in Nodes (nodes.c), one warm-up pod bound (the enclave registered, informers
 *         synced), then watches opened from a list's resourceVersion, the Deployment POSTed
 *         and every stage timestamped as its watch event arrives (deploy.c); then the
 *         Deployment is deleted (background propagation) and the garbage collection timed.
 *         The queue figures are in process (queue.c), after the server is stopped.
 * Usage:  bench_controllers [--replicas N] [--nodes N] [--keep] [--daas PATH]
 */
#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bench_controllers.h"

#define TARGET_S 5.0
#define WAIT_S 300

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_controllers [--replicas N] [--nodes N] [--keep] [--daas PATH]\n");
    exit(2);
}

typedef struct opts {
    int replicas, nodes;
    bool keep;
    const char *daas;
} opts;

static void parse(int argc, char **argv, opts *o)
{
    *o = (opts){.replicas = 1000, .nodes = 10};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--replicas") == 0 && i + 1 < argc)
            o->replicas = bench_int_flag("--replicas", argv[++i], 100000);
        else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc)
            o->nodes = bench_int_flag("--nodes", argv[++i], 100);
        else if (strcmp(argv[i], "--daas") == 0 && i + 1 < argc)
            o->daas = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            o->keep = true;
        else
            usage();
    }
}

/* "  <what>  1.234 s  (810 pods/s)" or "not reached" */
static void stage(const char *what, int64_t ns, int pods)
{
    if (ns < 0) {
        printf("  %-34s not reached in %d s\n", what, WAIT_S);
        return;
    }
    printf("  %-34s %8.3f s", what, ns / 1e9);
    if (pods > 0)
        printf("   (%.0f pods/s)", pods / (ns / 1e9));
    printf("\n");
}

static void report(const bc_deploy_result *r, int nodes)
{
    int n = r->replicas;
    printf("deployment: %d replicas on %d stand-in nodes (POST -> watch event)\n", n, nodes);
    stage("first pod created", r->first_pod, 0);
    stage("all pods created", r->created, n);
    stage("all pods bound (spec.nodeName)", r->bound, n);
    stage("deployment status.replicas == N", r->status, 0);
    if (r->created < 0 || r->bound < 0)
        printf("  reached: %d created, %d bound\n", r->seen_created, r->seen_bound);
    printf("  cpu: server %.1f s, its children %.1f s, bench %.1f s (POST -> last stage)\n",
           r->server_cpu_s, r->children_cpu_s, r->bench_cpu_s);
    stage("delete (background) -> pods gone", r->gone, n);
    if (r->gone < 0)
        printf("  reached: %d gone\n", r->seen_gone);
    bool ok = r->created >= 0 && r->bound >= 0 && r->bound / 1e9 < TARGET_S;
    printf("%s: %d pods created and bound in %.3f s (target < %.0f s)\n", ok ? "PASS" : "FAIL",
           n, r->bound < 0 ? -1.0 : r->bound / 1e9, TARGET_S);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    opts o;
    char bin[PATH_MAX];
    bench_set_name("bench_controllers");
    parse(argc, argv, &o);
    if (o.daas != NULL)
        snprintf(bin, sizeof bin, "%s", o.daas);
    else
        bench_sibling(argv[0], "daas", bin, sizeof bin);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    bench_server s;
    bench_server_init(&s, "bench_controllers");
    static const char *const extra[] = {"--dev", "--disable-agent", NULL};
    bench_server_start(&s, bin, extra);
    bc_nodes ns;
    bc_nodes_start(&ns, &s, o.nodes);
    printf("warm-up: one pod bound in %.0f ms\n", bc_warmup(&s));
    fflush(stdout);
    bc_deploy_result r;
    bc_deploy_run(&s, o.replicas, WAIT_S, &r);
    report(&r, o.nodes);
    bc_nodes_stop(&ns);
    bench_server_stop(&s);
    bench_server_cleanup(&s, o.keep);
    curl_global_cleanup();
    bc_queue_bench();
    return r.bound >= 0 && r.bound / 1e9 < TARGET_S ? 0 : 1;
}
