/*
 * watch.c: a thread holding a watch on the default namespace's pods that records, per pod,
 * the first time an event shows it Running (status.phase). The time is taken when the event
 * line arrives, so the figure includes the API's watch delivery, as a user's would.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_agent.h"

struct ba_seen {
    char name[64];
    int64_t at;
    ba_seen *next;
};

typedef struct line_buf {
    ba_watch *w;
    char *p;
    size_t n, cap;
} line_buf;

static void on_event(ba_watch *w, const char *line, size_t n, int64_t at)
{
    json_t *ev = json_loadb(line, n, 0, NULL);
    json_t *obj = json_object_get(ev, "object");
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    const char *phase = json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
    if (name != NULL && phase != NULL && strcmp(phase, "Running") == 0) {
        pthread_mutex_lock(&w->mu);
        bool known = false;
        for (ba_seen *s = w->seen; s != NULL && !known; s = s->next)
            known = strcmp(s->name, name) == 0;
        if (!known) {
            ba_seen *s = calloc(1, sizeof *s);
            if (s == NULL)
                ba_die("out of memory");
            snprintf(s->name, sizeof s->name, "%s", name);
            s->at = at;
            s->next = w->seen;
            w->seen = s;
            pthread_cond_broadcast(&w->cv);
        }
        pthread_mutex_unlock(&w->mu);
    }
    json_decref(ev);
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    line_buf *b = ud;
    int64_t at = ba_now_ns();
    size_t len = size * n;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            ba_die("out of memory");
    }
    memcpy(b->p + b->n, p, len);
    b->n += len;
    char *nl;
    while ((nl = memchr(b->p, '\n', b->n)) != NULL) {
        size_t l = (size_t)(nl - b->p);
        on_event(b->w, b->p, l, at);
        memmove(b->p, nl + 1, b->n - l - 1);
        b->n -= l + 1;
    }
    return b->w->stop ? 0 : len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return ((ba_watch *)ud)->stop ? 1 : 0;
}

static void *watch_main(void *arg)
{
    ba_watch *w = arg;
    ba_cluster *c = w->c;
    char url[300];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/pods?watch=1", c->url);
    while (!w->stop) {
        line_buf b = {.w = w};
        CURL *h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->crt);
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
        curl_easy_perform(h);
        curl_easy_cleanup(h);
        free(b.p);
    }
    return NULL;
}

void ba_watch_start(ba_watch *w, ba_cluster *c)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->tid, NULL, watch_main, w) != 0)
        ba_die("cannot start the watch thread");
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 300000000L}; /* let the watch open */
    nanosleep(&ts, NULL);
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
    w->stop = true;
    pthread_join(w->tid, NULL);
    while (w->seen != NULL) {
        ba_seen *s = w->seen;
        w->seen = s->next;
        free(s);
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
    int64_t t0 = ba_now_ns();
    if (ba_request(c, "POST", "/api/v1/namespaces/default/pods", pod, NULL) != 201)
        ba_die("creating %s failed (server log: %s/server.log)", name, c->dir);
    json_decref(pod);
    int64_t t1 = ba_watch_wait_running(w, name, 120);
    if (t1 < 0)
        ba_die("%s did not reach Running within 120 s (agent log: %s/data/agent.log)", name,
               c->dir);
    return (double)(t1 - t0) / 1e6;
}
