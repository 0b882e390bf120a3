/*
 * etcd_watch.c: streaming watches over the etcd JSON gateway (POST /v3/watch), one thread each.
 *
 * Owns:   daas_store_etcd_watch: its thread, its curl multi handle, the partial-line buffer and
 *         next_rev (the revision the stream resumes from).
 * Not:    the client (etcd.c) nor the parsing of a message (daas_store_etcd__parse_watch).
 * Model:  the thread opens the stream on the client's current endpoint, splits the reply into
 *         newline-separated JSON messages, hands each event to the callback, and sets next_rev
 *         to the last delivered revision + 1. A cut stream, a connection failure or an etcd
 *         error other than compaction reopens the stream (next endpoint on a connection
 *         failure) after a short pause. A canceled watch with compact_revision > 0 ends it with
 *         DAAS_EGONE. Stop sets a flag and wakes curl_multi_poll; the thread exits promptly.
 * Invariants:
 *   - events reach the callback in revision order, each once: events older than next_rev (as
 *     it stood when their message arrived) are dropped, since a reopened stream may repeat;
 *   - the callback runs only on the watch thread, never after daas_store_etcd_watch_stop.
 * Spec:   etcd rpc.proto WatchCreateRequest / WatchResponse; grpc-gateway streams one JSON
 *         object {"result": WatchResponse} per line.
 */
#include "store/etcd.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

#define LINE_MAX_BYTES ((size_t)64 << 20)
#define RETRY_PAUSE_MS 200      /* first pause before reopening a stream */
#define RETRY_PAUSE_MAX_MS 1600 /* pauses double up to this while etcd stays unreachable */

struct daas_store_etcd_watch {
    daas_store_etcd *c;          /* borrowed; outlives the watch */
    char *body_key, *body_end;   /* base64 key and range end (end NULL: single key) */
    bool prev_kv;                /* ask for prev_kv */
    daas_store_etcd_watch_cb cb; /* the consumer */
    void *ud;                    /* its argument */
    int64_t next_rev;            /* watch thread only: resume from here (0: now) */
    bool done;                   /* watch thread only: terminal (EGONE reported) */
    bool abort_stream;           /* watch thread only: close this stream and reopen */
    bool opened;                 /* watch thread only: this stream got its "created" message */
    daas_buf line;               /* watch thread only: bytes of the message being received */
    CURLM *multi;                /* the thread's multi handle (wakeup target for stop) */
    atomic_bool stop;            /* set by stop */
    pthread_t th;                /* the watch thread */
};

static char *request_body(const daas_store_etcd_watch *w)
{
    json_t *cr = json_object();
    json_object_set_new(cr, "key", json_string(w->body_key));
    if (w->body_end != NULL)
        json_object_set_new(cr, "range_end", json_string(w->body_end));
    if (w->next_rev > 0) {
        char s[24];
        snprintf(s, sizeof s, "%" PRId64, w->next_rev);
        json_object_set_new(cr, "start_revision", json_string(s));
    }
    if (w->prev_kv)
        json_object_set_new(cr, "prev_kv", json_true());
    json_t *req = json_pack("{s:o}", "create_request", cr);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    return body;
}

/* Delivers the events of one message and advances next_rev past them. A message carries
 * whole revisions (etcd's watcher batches never split one), so the last event of each
 * revision in it completes that revision. */
static void deliver(daas_store_etcd_watch *w, daas_store_etcd__watch_msg *m)
{
    int64_t floor = w->next_rev, last = 0;
    for (size_t i = 0; i < m->nevs; i++) {
        daas_store_etcd_event *ev = &m->evs[i];
        if (ev->kv.mod_revision < floor)
            continue; /* already delivered before a reconnection */
        ev->last_in_rev = i + 1 == m->nevs || m->evs[i + 1].kv.mod_revision != ev->kv.mod_revision;
        w->cb(w->ud, ev, DAAS_OK);
        if (ev->kv.mod_revision > last)
            last = ev->kv.mod_revision;
    }
    if (last > 0)
        w->next_rev = last + 1;
}

/* One message of the stream (a daas_store_etcd__line_fn): DAAS_OK to read on, DAAS_ECLOSED
 * when this stream is over (done, or to be reopened). */
static int handle_message(void *ud, const char *p, size_t n)
{
    daas_store_etcd_watch *w = ud;
    daas_store_etcd__watch_msg m;
    daas_err err = {0};
    int rc = daas_store_etcd__scan_watch(p, n, &m) ? DAAS_OK
                                                   : daas_store_etcd__parse_watch(p, n, &m, &err);
    if (rc == DAAS_EGONE) {
        w->done = true;
    } else if (rc != DAAS_OK) {
        DAAS_WARN("etcd", "watch: %s; reopening", err.msg);
        w->abort_stream = true;
    } else {
        if (m.created)
            w->opened = true;
        if (m.created && w->next_rev == 0)
            w->next_rev = m.revision + 1; /* "now": resume after the creation revision */
        if (m.canceled && m.compact_revision > 0)
            w->done = true;
        else if (m.canceled)
            w->abort_stream = true;
        else
            deliver(w, &m);
        daas_store_etcd__watch_msg_fini(&m);
    }
    return w->done || w->abort_stream ? DAAS_ECLOSED : DAAS_OK;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    daas_store_etcd_watch *w = ud;
    size_t n = size * nmemb;
    if (atomic_load(&w->stop) || w->done || w->abort_stream)
        return 0;
    if (daas_buf_append(&w->line, p, n) != DAAS_OK) {
        DAAS_WARN("etcd", "watch: message over %zu bytes; reopening", LINE_MAX_BYTES);
        return 0;
    }
    return daas_store_etcd__lines(&w->line, false, handle_message, w) == DAAS_OK ? n : 0;
}

static CURL *stream_handle(daas_store_etcd_watch *w, const char *url, const char *body,
                           struct curl_slist *hdrs)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (daas_store_etcd__tls(w->c, h) != DAAS_OK) {
        curl_easy_cleanup(h);
        return NULL;
    }
    return h;
}

/* Runs the transfer on the multi handle until it ends or stop is set; its result. */
static CURLcode run_transfer(daas_store_etcd_watch *w, CURL *h)
{
    CURLcode res = CURLE_OK;
    int running = 1;
    curl_multi_add_handle(w->multi, h);
    while (running && !atomic_load(&w->stop)) {
        if (curl_multi_perform(w->multi, &running) != CURLM_OK)
            break;
        if (running)
            (void)curl_multi_poll(w->multi, NULL, 0, 1000, NULL);
    }
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(w->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE)
            res = msg->data.result;
    curl_multi_remove_handle(w->multi, h);
    return res;
}

/* Opens one stream on endpoint idx and follows it until it ends; the curl result. */
static CURLcode stream_once(daas_store_etcd_watch *w, size_t idx)
{
    char *body = request_body(w);
    char *url = daas_xasprintf("%s/v3/watch", daas_store_etcd__endpoint(w->c, idx));
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *h = body != NULL && hdrs != NULL ? stream_handle(w, url, body, hdrs) : NULL;
    CURLcode cc = CURLE_OUT_OF_MEMORY;
    daas_buf_reset(&w->line);
    w->abort_stream = false;
    w->opened = false;
    if (h != NULL)
        cc = run_transfer(w, h);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    daas_free(url);
    free(body); /* jansson's allocator */
    return cc;
}

/* Sleeps ms unless stop is set meanwhile (checked every 20 ms). */
static void pause_ms(daas_store_etcd_watch *w, long ms)
{
    for (long t = 0; t < ms && !atomic_load(&w->stop); t += 20) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void *watch_main(void *arg)
{
    daas_store_etcd_watch *w = arg;
    long pause = RETRY_PAUSE_MS;
    while (!atomic_load(&w->stop) && !w->done) {
        size_t idx = daas_store_etcd__current(w->c);
        CURLcode cc = stream_once(w, idx);
        if (w->done || atomic_load(&w->stop))
            break;
        if (!w->opened) /* never got through to etcd here: try the next endpoint */
            daas_store_etcd__advance(w->c, idx);
        pause = w->opened ? RETRY_PAUSE_MS : pause;
        DAAS_DEBUG("etcd", "watch stream ended (%s); resuming from %" PRId64 " in %ld ms",
                   curl_easy_strerror(cc), w->next_rev, pause);
        pause_ms(w, pause);
        if (!w->opened && pause < RETRY_PAUSE_MAX_MS)
            pause *= 2;
    }
    if (w->done && !atomic_load(&w->stop))
        w->cb(w->ud, NULL, DAAS_EGONE);
    return NULL;
}

static void watch_free(daas_store_etcd_watch *w)
{
    if (w->multi != NULL)
        curl_multi_cleanup(w->multi);
    daas_buf_fini(&w->line);
    daas_free(w->body_key);
    daas_free(w->body_end);
    daas_free(w);
}

int daas_store_etcd_watch_start(daas_store_etcd *c, daas_bytes key, daas_bytes end,
                                int64_t start_rev, bool prev_kv, daas_store_etcd_watch_cb cb,
                                void *ud, daas_store_etcd_watch **out, daas_err *err)
{
    *out = NULL;
    daas_store_etcd_watch *w = daas_xcalloc(1, sizeof *w);
    w->c = c;
    w->body_key = daas_base64_encode(key.ptr, key.len);
    w->body_end = end.ptr != NULL ? daas_base64_encode(end.ptr, end.len) : NULL;
    w->prev_kv = prev_kv;
    w->cb = cb;
    w->ud = ud;
    w->next_rev = start_rev > 0 ? start_rev : 0;
    daas_buf_init(&w->line, LINE_MAX_BYTES);
    atomic_init(&w->stop, false);
    w->multi = curl_multi_init();
    if (w->multi == NULL) {
        watch_free(w);
        return daas_fail(err, DAAS_EINTERNAL, "etcd: curl_multi_init failed");
    }
    int e = pthread_create(&w->th, NULL, watch_main, w);
    if (e != 0) {
        watch_free(w);
        return daas_fail(err, daas_from_errno(e), "etcd: cannot start the watch thread");
    }
    *out = w;
    return DAAS_OK;
}

void daas_store_etcd_watch_stop(daas_store_etcd_watch **wp)
{
    daas_store_etcd_watch *w = *wp;
    if (w == NULL)
        return;
    atomic_store(&w->stop, true);
    (void)curl_multi_wakeup(w->multi);
    pthread_join(w->th, NULL);
    watch_free(w);
    *wp = NULL;
}
