/*
 * bench_agent.h: what the parts of bench_agent share: the dev cluster it runs (cluster.c),
 * the pods watch that timestamps Running (watch.c). The generic parts (server, requests,
 * watch thread, /proc figures) are bench/lib's.
 */
#ifndef DAAS_BENCH_AGENT_H
#define DAAS_BENCH_AGENT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/bench_lib.h"

typedef struct ba_cluster {
    bench_server s; /* `daas server --dev` with the host's agent */
} ba_cluster;

/* Builds and imports the image, starts `daas server --dev` and waits for the host's Node to
 * be Ready. argv0 finds the daas binary and scripts/ when daas/image are NULL. */
void ba_cluster_start(ba_cluster *c, const char *argv0, const char *daas, const char *image);
/* Deletes the pods, waits for them to go, stops the server, removes dir unless keep. */
void ba_cluster_stop(ba_cluster *c, bool keep);
/* VmRSS and VmHWM (KiB) of the agent process. */
void ba_agent_rss(const ba_cluster *c, long *rss_kb, long *hwm_kb);

typedef struct ba_seen ba_seen;
typedef struct ba_watch {
    bench_watch w;        /* the watch thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ba_seen *seen;        /* pods seen Running, with the time; guarded by mu */
} ba_watch;

/* A thread watching the default namespace's pods from now on. */
void ba_watch_start(ba_watch *w, ba_cluster *c);
/* The time (bench_now_ns) the watch first saw name Running; -1 after timeout_s. */
int64_t ba_watch_wait_running(ba_watch *w, const char *name, int timeout_s);
void ba_watch_stop(ba_watch *w);

/* Creates pod name (busybox:dev, `sleep 3600`) and waits for the watch to see it Running:
 * the milliseconds between the POST and that event. */
double ba_run_pod(ba_cluster *c, ba_watch *w, const char *name);

#endif
