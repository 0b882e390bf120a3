/*
 * bench_http.c: the benchmarks' HTTPS client (libcurl, the admin certificate): one-shot
 * requests and streaming watches.
 *
 * Owns:   one curl handle per request or watch connection (none shared between threads).
 * Not:    the server process (bench_lib.c).
 * Invariants: a watch's events are handed over in the order their lines arrived, each with
 *             the time its bytes were read (so figures include the API's delivery, as a
 *             user's would).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_lib.h"
#include "common/alloc.h"

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    return daas_buf_append(ud, p, size * n) == DAAS_OK ? size * n : 0;
}

/* The handle's URL, TLS credentials and timeout for s. */
static CURL *handle(const bench_server *s, const char *path, long timeout_s)
{
    char url[768];
    snprintf(url, sizeof url, "%s%s", s->url, path);
    CURL *h = curl_easy_init();
    if (h == NULL)
        bench_die("curl_easy_init failed");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CAINFO, s->ca);
    curl_easy_setopt(h, CURLOPT_SSLCERT, s->crt);
    curl_easy_setopt(h, CURLOPT_SSLKEY, s->key);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (timeout_s > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
    return h;
}

long bench_request(const bench_server *s, const char *method, const char *path,
                   const json_t *body, json_t **out)
{
    char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
    bool patch = strcmp(method, "PATCH") == 0;
    daas_buf reply = {0};
    CURL *h = handle(s, path, 30);
    struct curl_slist *hd = curl_slist_append(
        NULL, patch ? "Content-Type: application/merge-patch+json" : "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    if (txt != NULL)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, txt);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (out != NULL)
        *out = reply.data ? json_loadb(reply.data, reply.len, 0, NULL) : NULL;
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    daas_buf_fini(&reply);
    free(txt); /* jansson's allocator */
    return code;
}

typedef struct line_buf {
    bench_watch *w;
    daas_buf b; /* bytes after the last newline */
} line_buf;

static void deliver(bench_watch *w, const char *line, size_t n, int64_t at)
{
    json_t *ev = json_loadb(line, n, 0, NULL);
    if (ev != NULL)
        w->on_event(w->arg, ev, at);
    json_decref(ev);
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    line_buf *lb = ud;
    int64_t at = bench_now_ns();
    size_t len = size * n;
    if (daas_buf_append(&lb->b, p, len) != DAAS_OK)
        bench_die("a watch line over %zu bytes", lb->b.max);
    char *nl;
    while ((nl = memchr(lb->b.data, '\n', lb->b.len)) != NULL) {
        size_t l = (size_t)(nl - lb->b.data);
        deliver(lb->w, lb->b.data, l, at);
        memmove(lb->b.data, nl + 1, lb->b.len - l - 1);
        lb->b.len -= l + 1;
        lb->b.data[lb->b.len] = '\0';
    }
    return lb->w->stop ? 0 : len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return ((bench_watch *)ud)->stop ? 1 : 0;
}

static void *watch_main(void *arg)
{
    bench_watch *w = arg;
    while (!w->stop) {
        line_buf lb = {.w = w};
        CURL *h = handle(w->s, w->path, 0);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &lb);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
        curl_easy_perform(h);
        curl_easy_cleanup(h);
        daas_buf_fini(&lb.b);
        if (!w->stop)
            bench_sleep_ms(100); /* the server closed it: reconnect, not in a hot loop */
    }
    return NULL;
}

void bench_watch_start(bench_watch *w, const bench_server *s, const char *path,
                       bench_watch_fn on_event, void *arg, int settle_ms)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->on_event = on_event;
    w->arg = arg;
    snprintf(w->path, sizeof w->path, "%s", path);
    if (pthread_create(&w->tid, NULL, watch_main, w) != 0)
        bench_die("cannot start a watch thread");
    bench_sleep_ms(settle_ms);
}

void bench_watch_stop(bench_watch *w)
{
    w->stop = true;
    pthread_join(w->tid, NULL);
}
