/*
 * bench_controllers.h: what the parts of bench_controllers share: the stand-in worker Nodes
 * and their Lease renewer (nodes.c), the 1,000-replica Deployment measurement (deploy.c), the
 * work-queue throughput (queue.c).
 */
#ifndef DAAS_BENCH_CONTROLLERS_H
#define DAAS_BENCH_CONTROLLERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../lib/bench_lib.h"

/* Stand-in worker Nodes: Ready, schedulable, with a Lease renewed every 5 s so the node
 * lifecycle controller keeps them Ready and pod deletes know an "agent" is alive. */
typedef struct bc_nodes {
    const bench_server *s; /* borrowed */
    int n;                 /* bench-node-00 .. n-1 */
    pthread_t tid;         /* the Lease renewer */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;             /* guarded by mu */
    int renew_failures;    /* renewals that did not answer 200; guarded by mu */
} bc_nodes;

/* Creates n Nodes and their Leases, starts the renewer. Dies on any refused write. */
void bc_nodes_start(bc_nodes *ns, const bench_server *s, int n);
/* Stops the renewer (the Nodes stay). */
void bc_nodes_stop(bc_nodes *ns);

/* The figures of one Deployment run; times are ns since the POST, -1 when never reached. */
typedef struct bc_deploy_result {
    int replicas;
    int64_t first_pod;   /* the first pod's ADDED event */
    int64_t created;     /* N distinct pods seen */
    int64_t bound;       /* N pods seen with spec.nodeName */
    int64_t status;      /* the Deployment seen with status.replicas == N */
    int64_t gone;        /* after the DELETE: N pods seen DELETED (since the DELETE) */
    int seen_created, seen_bound, seen_gone; /* counts reached */
    double server_cpu_s, children_cpu_s, bench_cpu_s; /* during POST .. all bound */
} bc_deploy_result;

/* Creates and binds a single pod first (the scheduling path warmed: enclave registered,
 * informers synced); its milliseconds. */
double bc_warmup(const bench_server *s);
/* POSTs the Deployment "bench" (replicas, no resource requests), measures, then deletes it
 * (background propagation) and measures the garbage collection. timeout_s bounds each wait. */
void bc_deploy_run(const bench_server *s, int replicas, int timeout_s, bc_deploy_result *r);

/* The in-process daas_ctrl_queue figures, printed. */
void bc_queue_bench(void);

#endif
