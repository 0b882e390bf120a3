/*
 * deploy.c: the Deployment measurement of bench_controllers. A watch on the bench's pods
 * (from a list's resourceVersion, opened before the POST) and one on Deployments timestamp,
 * as the events arrive: the first pod, N distinct pods (created by the ReplicaSet
 * controller), N pods with spec.nodeName (bound by the scheduler), the Deployment's
 * status.replicas == N; after the DELETE, N pods DELETED (the garbage collector's cascade).
 *
 * Owns:   the pod table (names seen, what was seen of each), guarded by its mutex.
 * Invariants: a pod is counted once per stage, whatever the number of events about it
 *             (a reconnected watch may replay some).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_controllers.h"
#include "common/alloc.h"

#define APP "bench-ctl"
#define DEPLOY_PATH "/apis/apps/v1/namespaces/default/deployments"
#define PODS_PATH "/api/v1/namespaces/default/pods"

typedef struct pod_slot {
    char *name; /* NULL: empty slot */
    bool bound, gone;
} pod_slot;

typedef struct tracker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pod_slot *slots; /* open addressing, cap a power of two >= 4 N */
    size_t cap;
    int want;        /* N */
    int64_t t0;      /* the POST; guarded by mu, like everything below */
    int64_t t_delete;
    bc_deploy_result *r;
} tracker;

static pod_slot *slot_of(tracker *t, const char *name)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = name; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
        if (t->slots[i].name == NULL || strcmp(t->slots[i].name, name) == 0)
            return &t->slots[i];
}

static bool ours(const json_t *obj)
{
    const char *app = json_string_value(
        json_object_get(json_object_get(json_object_get(obj, "metadata"), "labels"), "app"));
    return app != NULL && strcmp(app, APP) == 0;
}

/* Counts a stage reached at `at` (ns since t0); records the time when count reaches want. */
static void reach(tracker *t, int *count, int64_t *when, int64_t at)
{
    if (++*count == t->want && *when < 0)
        *when = at;
}

static void on_pod(void *arg, const json_t *ev, int64_t at)
{
    tracker *t = arg;
    const json_t *obj = json_object_get(ev, "object");
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    const char *node = json_string_value(json_object_get(json_object_get(obj, "spec"), "nodeName"));
    if (type == NULL || name == NULL || !ours(obj))
        return;
    pthread_mutex_lock(&t->mu);
    bc_deploy_result *r = t->r;
    pod_slot *s = slot_of(t, name);
    if (s->name == NULL && r->seen_created < (int)(t->cap / 2)) {
        s->name = daas_xstrdup(name);
        if (r->first_pod < 0)
            r->first_pod = at - t->t0;
        reach(t, &r->seen_created, &r->created, at - t->t0);
    }
    if (s->name != NULL && node != NULL && node[0] != '\0' && !s->bound) {
        s->bound = true;
        reach(t, &r->seen_bound, &r->bound, at - t->t0);
    }
    if (s->name != NULL && strcmp(type, "DELETED") == 0 && !s->gone && t->t_delete > 0) {
        s->gone = true;
        reach(t, &r->seen_gone, &r->gone, at - t->t_delete);
    }
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static void on_deploy(void *arg, const json_t *ev, int64_t at)
{
    tracker *t = arg;
    const json_t *obj = json_object_get(ev, "object");
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    json_int_t rep =
        json_integer_value(json_object_get(json_object_get(obj, "status"), "replicas"));
    if (name == NULL || strcmp(name, "bench") != 0)
        return;
    pthread_mutex_lock(&t->mu);
    if (rep == t->want && t->r->status < 0) {
        t->r->status = at - t->t0;
        pthread_cond_broadcast(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
}

/* Waits until *when is set, or timeout_s; under t->mu. */
static void wait_for(tracker *t, const int64_t *when, int timeout_s)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_s;
    while (*when < 0 && pthread_cond_timedwait(&t->cv, &t->mu, &dl) == 0)
        ;
}

/* The list's resourceVersion of path (to watch from it). */
static void list_rv(const bench_server *s, const char *path, char *rv, size_t n)
{
    json_t *l = NULL;
    if (bench_request(s, "GET", path, NULL, &l) != 200)
        bench_die("listing %s failed (log: %s)", path, s->log);
    const char *v = json_string_value(
        json_object_get(json_object_get(l, "metadata"), "resourceVersion"));
    snprintf(rv, n, "%s", v ? v : "");
    json_decref(l);
}

static json_t *pod_spec(void)
{
    return json_pack("{s:i,s:[{s:s,s:s,s:s,s:[s,s]}]}", "terminationGracePeriodSeconds", 0,
                     "containers", "name", "c", "image", "busybox:dev", "imagePullPolicy",
                     "IfNotPresent", "command", "sleep", "3600");
}

static json_t *deployment(int replicas)
{
    return json_pack("{s:s,s:s,s:{s:s},s:{s:i,s:{s:{s:s}},s:{s:{s:{s:s}},s:o}}}", "apiVersion",
                     "apps/v1", "kind", "Deployment", "metadata", "name", "bench", "spec",
                     "replicas", replicas, "selector", "matchLabels", "app", APP, "template",
                     "metadata", "labels", "app", APP, "spec", pod_spec());
}

double bc_warmup(const bench_server *s)
{
    json_t *pod = json_pack("{s:s,s:s,s:{s:s},s:o}", "apiVersion", "v1", "kind", "Pod",
                            "metadata", "name", "warmup", "spec", pod_spec());
    int64_t t0 = bench_now_ns();
    long code = bench_request(s, "POST", PODS_PATH, pod, NULL);
    json_decref(pod);
    if (code != 201)
        bench_die("creating the warm-up pod: HTTP %ld (log: %s)", code, s->log);
    for (int i = 0; i < 1200; i++) {
        json_t *got = NULL;
        bench_request(s, "GET", PODS_PATH "/warmup", NULL, &got);
        const char *node =
            json_string_value(json_object_get(json_object_get(got, "spec"), "nodeName"));
        bool bound = node != NULL && node[0] != '\0';
        json_decref(got);
        if (bound) {
            double ms = (double)(bench_now_ns() - t0) / 1e6;
            bench_request(s, "DELETE", PODS_PATH "/warmup", NULL, NULL);
            return ms;
        }
        bench_sleep_ms(50);
    }
    bench_die("the warm-up pod was not bound in 60 s (log: %s)", s->log);
}

static void tracker_init(tracker *t, int replicas, bc_deploy_result *r)
{
    memset(t, 0, sizeof *t);
    memset(r, 0, sizeof *r);
    r->replicas = t->want = replicas;
    r->first_pod = r->created = r->bound = r->status = r->gone = -1;
    t->r = r;
    for (t->cap = 16; t->cap < (size_t)replicas * 4; t->cap *= 2)
        ;
    t->slots = daas_xcalloc(t->cap, sizeof *t->slots);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
}

static void tracker_fini(tracker *t)
{
    for (size_t i = 0; i < t->cap; i++)
        daas_free(t->slots[i].name);
    daas_free(t->slots);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
}

/* POST .. all created, bound and counted in status; the CPU used meanwhile. */
static void measure_create(const bench_server *s, tracker *t, int timeout_s)
{
    bc_deploy_result *r = t->r;
    json_t *d = deployment(t->want);
    double cpu0_kids = 0, cpu0 = bench_proc_cpu(s->pid, &cpu0_kids), self0 = bench_self_cpu();
    pthread_mutex_lock(&t->mu);
    t->t0 = bench_now_ns();
    pthread_mutex_unlock(&t->mu);
    long code = bench_request(s, "POST", DEPLOY_PATH, d, NULL);
    json_decref(d);
    if (code != 201)
        bench_die("creating the Deployment: HTTP %ld (log: %s)", code, s->log);
    pthread_mutex_lock(&t->mu);
    wait_for(t, &r->created, timeout_s);
    wait_for(t, &r->bound, timeout_s);
    wait_for(t, &r->status, timeout_s);
    pthread_mutex_unlock(&t->mu);
    double kids = 0;
    r->server_cpu_s = bench_proc_cpu(s->pid, &kids) - cpu0;
    r->children_cpu_s = kids - cpu0_kids;
    r->bench_cpu_s = bench_self_cpu() - self0;
}

static void measure_delete(const bench_server *s, tracker *t, int timeout_s)
{
    json_t *opts = json_pack("{s:s,s:s,s:s}", "kind", "DeleteOptions", "apiVersion", "v1",
                             "propagationPolicy", "Background");
    pthread_mutex_lock(&t->mu);
    t->t_delete = bench_now_ns();
    pthread_mutex_unlock(&t->mu);
    long code = bench_request(s, "DELETE", DEPLOY_PATH "/bench", opts, NULL);
    json_decref(opts);
    if (code != 200 && code != 202)
        bench_die("deleting the Deployment: HTTP %ld (log: %s)", code, s->log);
    pthread_mutex_lock(&t->mu);
    wait_for(t, &t->r->gone, timeout_s);
    pthread_mutex_unlock(&t->mu);
}

void bc_deploy_run(const bench_server *s, int replicas, int timeout_s, bc_deploy_result *r)
{
    tracker t;
    char rv[64], path[256];
    bench_watch pods, deps;
    tracker_init(&t, replicas, r);
    list_rv(s, PODS_PATH, rv, sizeof rv);
    snprintf(path, sizeof path, PODS_PATH "?watch=1&resourceVersion=%s", rv);
    bench_watch_start(&pods, s, path, on_pod, &t, 0);
    list_rv(s, DEPLOY_PATH, rv, sizeof rv);
    snprintf(path, sizeof path, DEPLOY_PATH "?watch=1&resourceVersion=%s", rv);
    bench_watch_start(&deps, s, path, on_deploy, &t, 300); /* both connected */
    measure_create(s, &t, timeout_s);
    measure_delete(s, &t, timeout_s);
    bench_watch_stop(&deps);
    bench_watch_stop(&pods);
    tracker_fini(&t);
}
