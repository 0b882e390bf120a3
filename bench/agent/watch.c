/*
 * watch.c: a watch on the default namespace's pods (bench/lib's watch thread) that records,
 * per pod, the first time an event shows it Running (status.phase). The time is taken when
 * the event line arrives, so the figure includes the API's watch delivery, as a user's would.
 */
#include <string.h>
#include <time.h>

#include "bench_agent.h"
#include "common/alloc.h"

struct ba_seen {
    char name[64];
    int64_t at;
    ba_seen *next;
};

static void on_event(void *arg, const json_t *ev, int64_t at)
{
    ba_watch *w = arg;
    json_t *obj = json_object_get(ev, "object");
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    const char *phase = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
    if (name == NULL || phase == NULL || strcmp(phase, "Running") != 0)
        return;
    pthread_mutex_lock(&w->mu);
    bool known = false;
    for (ba_seen *s = w->seen; s != NULL && !known; s = s->next)
        known = strcmp(s->name, name) == 0;
    if (!known) {
        ba_seen *s = daas_xcalloc(1, sizeof *s);
        snprintf(s->name, sizeof s->name, "%s", name);
        s->at = at;
        s->next = w->seen;
        w->seen = s;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

void ba_watch_start(ba_watch *w, ba_cluster *c)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    bench_watch_start(&w->w, &c->s, "/api/v1/namespaces/default/pods?watch=1", on_event, w,
                      300 /* let the watch open */);
}

int64_t ba_watch_wait_running(ba_watch *w, const char *name, int timeout_s)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_s;
    int64_t at = -1;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        for (ba_seen *s = w->seen; s != NULL && at < 0; s = s->next)
            if (strcmp(s->name, name) == 0)
                at = s->at;
        if (at >= 0 || pthread_cond_timedwait(&w->cv, &w->mu, &dl) != 0)
            break;
    }
    pthread_mutex_unlock(&w->mu);
    return at;
}

void ba_watch_stop(ba_watch *w)
{
    bench_watch_stop(&w->w);
    while (w->seen != NULL) {
        ba_seen *s = w->seen;
        w->seen = s->next;
        daas_free(s);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

double ba_run_pod(ba_cluster *c, ba_watch *w, const char *name)
{
    json_t *pod = json_pack("{s:s,s:s,s:{s:s},s:{s:i,s:[{s:s,s:s,s:s,s:[s,s]}]}}", "apiVersion",
                            "v1", "kind", "Pod", "metadata", "name", name, "spec",
                            "terminationGracePeriodSeconds", 1, "containers", "name", "c",
                            "image", "busybox:dev", "imagePullPolicy", "IfNotPresent",
                            "command", "sleep", "3600");
    int64_t t0 = bench_now_ns();
    if (bench_request(&c->s, "POST", "/api/v1/namespaces/default/pods", pod, NULL) != 201)
        bench_die("creating %s failed (server log: %s)", name, c->s.log);
    json_decref(pod);
    int64_t t1 = ba_watch_wait_running(w, name, 120);
    if (t1 < 0)
        bench_die("%s did not reach Running within 120 s (agent log: %s/data/agent.log)", name,
                  c->s.dir);
    return (double)(t1 - t0) / 1e6;
}
