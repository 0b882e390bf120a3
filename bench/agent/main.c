/*
 * bench/agent: pod start latency of the worker agent — from the POST of a pod to the first
 *              watch event showing it Running, with its image already in the agent's store —
 *              p50 and p99 over N pods (default 50), and the agent's resident memory.
 *
 * Owns:   its temporary directory (server data, image tarball, logs; removed unless --keep)
 *         and the processes it starts: `daas server --dev` (devnet, key servers, debug
 *         scheduler enclave, and the host's agent, all real), stopped with SIGTERM after the
 *         pods are deleted so no container outlives the run.
 * Model:  the image (scripts/busybox-image.sh) is imported into the dev agent's store before
 *         the server starts; pods are created one at a time (each waits for the previous one
 *         to run), so the figure is latency, not throughput: API write, enclave decision and
 *         proof, binding, the agent's watch, proof check, unpack, runc create+start, status.
 * Needs:  root, runc, umoci, busybox-static (as the e2e tests).
 * Usage:  bench_agent [--pods N] [--daas PATH] [--image OCI.tar] [--keep]
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_agent.h"
#include "common/alloc.h"

#define TARGET_P50_MS 300.0
#define TARGET_RSS_MIB 20.0

static void usage(void)
{
    fprintf(stderr, "usage: bench_agent [--pods N] [--daas PATH] [--image OCI.tar] [--keep]\n");
    exit(2);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, int n, double q)
{
    int i = (int)(q * (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    int npods = 50;
    bool keep = false;
    bench_set_name("bench_agent");
    const char *daas = NULL, *image = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            npods = bench_int_flag("--pods", argv[++i], 1000);
        else if (strcmp(argv[i], "--daas") == 0 && i + 1 < argc)
            daas = argv[++i];
        else if (strcmp(argv[i], "--image") == 0 && i + 1 < argc)
            image = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else
            usage();
    }
    if (npods < 1 || npods > 1000)
        usage();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ba_cluster c;
    ba_cluster_start(&c, argv[0], daas, image);
    ba_watch w;
    ba_watch_start(&w, &c);
    double *lat = daas_xcalloc((size_t)npods, sizeof *lat);
    ba_run_pod(&c, &w, "warmup"); /* first-use costs: page cache, runc's first start */
    for (int i = 0; i < npods; i++) {
        char name[32];
        snprintf(name, sizeof name, "bench-%03d", i);
        lat[i] = ba_run_pod(&c, &w, name);
    }
    long rss = 0, hwm = 0;
    ba_agent_rss(&c, &rss, &hwm);
    qsort(lat, (size_t)npods, sizeof *lat, cmp_dbl);
    double p50 = quantile(lat, npods, 0.50), p99 = quantile(lat, npods, 0.99);
    printf("bench_agent: pod start latency (create -> Running, image present), %d pods one at a "
           "time\n", npods);
    printf("  p50 %8.1f ms   (target < %.0f ms: %s)\n", p50, TARGET_P50_MS,
           p50 < TARGET_P50_MS ? "ok" : "FAIL");
    printf("  p99 %8.1f ms\n  min %8.1f ms   max %8.1f ms\n", p99, lat[0], lat[npods - 1]);
    printf("  agent RSS %6.1f MiB with %d pods running, peak %.1f MiB   (target < %.0f MiB: "
           "%s)\n", rss / 1024.0, npods, hwm / 1024.0, TARGET_RSS_MIB,
           rss / 1024.0 < TARGET_RSS_MIB ? "ok" : "FAIL");
    fflush(stdout);
    daas_free(lat);
    ba_watch_stop(&w);
    ba_cluster_stop(&c, keep);
    curl_global_cleanup();
    return 0;
}
