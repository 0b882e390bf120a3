/*
 * bench_agent.h: what the parts of bench_agent share: the dev cluster it runs (cluster.c),
 * the pods watch that timestamps Running (watch.c).
 */
#ifndef DAAS_BENCH_AGENT_H
#define DAAS_BENCH_AGENT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct ba_cluster {
    char dir[256];       /* the temporary directory */
    char url[64];        /* https://127.0.0.1:PORT */
    char ca[300], crt[300], key[300]; /* admin credentials (files in dir) */
    pid_t server;
} ba_cluster;

/* Prints "bench_agent: ..." and exits 1 (the cluster's processes are killed). */
_Noreturn void ba_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t ba_now_ns(void);

/* Builds and imports the image, starts `daas server --dev` and waits for the host's Node to
 * be Ready. argv0 finds the daas binary and scripts/ when daas/image are NULL. */
void ba_cluster_start(ba_cluster *c, const char *argv0, const char *daas, const char *image);
/* Deletes the pods, waits for them to go, stops the server, removes dir unless keep. */
void ba_cluster_stop(ba_cluster *c, bool keep);
/* One API call with the admin credentials; the HTTP status (0: no answer). *out (may be NULL)
 * gets the decoded reply. */
long ba_request(ba_cluster *c, const char *method, const char *path, const json_t *body,
                json_t **out);
/* VmRSS and VmHWM (KiB) of the agent process. */
void ba_agent_rss(const ba_cluster *c, long *rss_kb, long *hwm_kb);

typedef struct ba_seen ba_seen;
typedef struct ba_watch {
    ba_cluster *c;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ba_seen *seen;        /* pods seen Running, with the time */
    volatile bool stop;
} ba_watch;

/* A thread watching the default namespace's pods from now on. */
void ba_watch_start(ba_watch *w, ba_cluster *c);
/* The time (ba_now_ns) the watch first saw name Running; -1 after timeout_s. */
int64_t ba_watch_wait_running(ba_watch *w, const char *name, int timeout_s);
void ba_watch_stop(ba_watch *w);

/* Creates pod name (busybox:dev, `sleep 3600`) and waits for the watch to see it Running:
 * the milliseconds between the POST and that event. */
double ba_run_pod(ba_cluster *c, ba_watch *w, const char *name);

#endif
