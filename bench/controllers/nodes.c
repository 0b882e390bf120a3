/*
 * nodes.c: stand-in worker Nodes for bench_controllers, created through the API as admin the
 * way the e2e tests make them (tests/e2e/lib/common.sh ready_node): a Node, then its status
 * (capacity and allocatable: 200 pods, 64 cpu, 256Gi; Ready=True) through the status
 * subresource, the daas.io/stake annotation the scheduler weighs (sched/kube.c), and a
 * coordination.k8s.io Lease in kube-node-lease that a thread renews every 5 s, as a kubelet.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_controllers.h"
#include "common/util.h"

#define RENEW_MS 5000

static void node_name(int i, char *out, size_t n)
{
    snprintf(out, n, "bench-node-%02d", i);
}

/* "now" as a Kubernetes MicroTime. */
static void micro_now(char *out, size_t n)
{
    daas_time_rfc3339_micro(daas_now_ms() * 1000, out, n);
}

static json_t *node_status(void)
{
    char now[40];
    daas_time_rfc3339(daas_now_ms() / 1000, now, sizeof now);
    json_t *res = json_pack("{s:s,s:s,s:s}", "pods", "200", "cpu", "64", "memory", "256Gi");
    return json_pack("{s:O,s:o,s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "capacity", res, "allocatable",
                     res, "conditions", "type", "Ready", "status", "True", "reason",
                     "KubeletReady", "message", "bench stand-in", "lastHeartbeatTime", now,
                     "lastTransitionTime", now);
}

static void create_node(const bench_server *s, const char *name)
{
    json_t *node = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s},s:{s:s}}}", "apiVersion", "v1",
                             "kind", "Node", "metadata", "name", name, "labels",
                             "kubernetes.io/hostname", name, "kubernetes.io/os", "linux",
                             "annotations", "daas.io/stake", "1000000000");
    json_t *got = NULL;
    long code = bench_request(s, "POST", "/api/v1/nodes", node, &got);
    json_decref(node);
    if (code != 201)
        bench_die("creating Node %s: HTTP %ld (log: %s)", name, code, s->log);
    char path[128];
    snprintf(path, sizeof path, "/api/v1/nodes/%s/status", name);
    json_object_set_new(got, "status", node_status());
    code = bench_request(s, "PUT", path, got, NULL);
    json_decref(got);
    if (code != 200)
        bench_die("writing Node %s's status: HTTP %ld (log: %s)", name, code, s->log);
}

static void create_lease(const bench_server *s, const char *name)
{
    char now[40];
    micro_now(now, sizeof now);
    json_t *l = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s,s:i,s:s}}", "apiVersion",
                          "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", name,
                          "namespace", "kube-node-lease", "spec", "holderIdentity", name,
                          "leaseDurationSeconds", 40, "renewTime", now);
    long code = bench_request(s, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                              l, NULL);
    json_decref(l);
    if (code != 201)
        bench_die("creating Lease %s: HTTP %ld (log: %s)", name, code, s->log);
}

/* One renewal of every Lease (merge patches of spec.renewTime). */
static void renew_all(bc_nodes *ns)
{
    for (int i = 0; i < ns->n; i++) {
        char name[32], path[160], now[40];
        node_name(i, name, sizeof name);
        micro_now(now, sizeof now);
        snprintf(path, sizeof path,
                 "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/%s", name);
        json_t *p = json_pack("{s:{s:s}}", "spec", "renewTime", now);
        long code = bench_request(ns->s, "PATCH", path, p, NULL);
        json_decref(p);
        if (code != 200) {
            pthread_mutex_lock(&ns->mu);
            ns->renew_failures++;
            pthread_mutex_unlock(&ns->mu);
        }
    }
}

static void *renewer(void *arg)
{
    bc_nodes *ns = arg;
    pthread_mutex_lock(&ns->mu);
    while (!ns->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += RENEW_MS / 1000;
        while (!ns->stop && pthread_cond_timedwait(&ns->cv, &ns->mu, &dl) == 0)
            ;
        if (ns->stop)
            break;
        pthread_mutex_unlock(&ns->mu);
        renew_all(ns);
        pthread_mutex_lock(&ns->mu);
    }
    pthread_mutex_unlock(&ns->mu);
    return NULL;
}

void bc_nodes_start(bc_nodes *ns, const bench_server *s, int n)
{
    memset(ns, 0, sizeof *ns);
    ns->s = s;
    ns->n = n;
    pthread_mutex_init(&ns->mu, NULL);
    pthread_cond_init(&ns->cv, NULL);
    for (int i = 0; i < n; i++) {
        char name[32];
        node_name(i, name, sizeof name);
        create_node(s, name);
        create_lease(s, name);
    }
    if (pthread_create(&ns->tid, NULL, renewer, ns) != 0)
        bench_die("cannot start the Lease renewer");
}

void bc_nodes_stop(bc_nodes *ns)
{
    pthread_mutex_lock(&ns->mu);
    ns->stop = true;
    pthread_cond_broadcast(&ns->cv);
    pthread_mutex_unlock(&ns->mu);
    pthread_join(ns->tid, NULL);
    if (ns->renew_failures > 0)
        printf("  note: %d Lease renewals failed\n", ns->renew_failures);
    pthread_mutex_destroy(&ns->mu);
    pthread_cond_destroy(&ns->cv);
}
