/*
 * watch.c: watch streams: newline-delimited JSON events over a chunked response.
 *
 * Owns:   one watchctx per open watch: its store watch cursor, selectors, timers, and the
 *         posting of store notifications onto the connection's loop thread.
 * Invariants:
 *   - all stream writes happen on the connection's loop thread (pump runs there);
 *   - the watchctx lives until the stream is finished AND no posted pump is pending
 *     (refcount); the store watch is cancelled before the ctx can go away;
 *   - with a selector, an object that starts matching is ADDED and one that stops matching is
 *     DELETED, as upstream does;
 *   - a too-old resourceVersion gives one ERROR event with a 410 Expired Status, then the end.
 * Spec:   specs/kube-api.md §5.3, §4.1 (Table watch events).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"
#include "kube/selector.h"

#define WATCH_MAX_PENDING ((size_t)32 << 20)
#define WATCH_BATCH 128

typedef struct watchctx {
    atomic_int refs;
    atomic_bool pump_pending;  /* a pump is posted and not yet run */
    daas_api *api;
    daas_http_resp *resp;      /* NULL once the stream is finished */
    daas_http_loop *loop;
    const daas_kube_kind *kind;
    daas_store_watcher *sw;
    daas_kube_labelsel *ls;
    daas_kube_fieldsel *fs;
    char *include;             /* includeObject for Table events */
    bool table, headers_sent, bookmarks;
    daas_http_timer *timeout, *bookmark;
} watchctx;

static void unref(watchctx *w)
{
    if (atomic_fetch_sub(&w->refs, 1) != 1)
        return;
    daas_kube_labelsel_free(&w->ls);
    daas_kube_fieldsel_free(&w->fs);
    daas_free(w->include);
    daas_free(w);
}

/* Ends the watch: cancels the store cursor and timers; ends the stream unless the peer is
 * already gone. Loop thread only. */
static void finish(watchctx *w, bool end_stream)
{
    if (w->resp == NULL)
        return;
    daas_store_watch_cancel(&w->sw);
    daas_http_timer_cancel(&w->timeout);
    daas_http_timer_cancel(&w->bookmark);
    if (end_stream)
        daas_http_stream_end(w->resp);
    w->resp = NULL;
    atomic_fetch_sub(&w->api->metrics.watches, 1);
    unref(w);
}

static bool matches(const watchctx *w, const json_t *o)
{
    if (o == NULL)
        return false;
    if (w->ls && !daas_kube_labelsel_match(w->ls, daas_kube_path(o, "metadata.labels")))
        return false;
    return w->fs == NULL || daas_kube_fieldsel_match(w->fs, o);
}

/* Writes one event; false when the stream had to stop. */
static bool send_event(watchctx *w, const char *type, const daas_blob *raw, json_t *parsed)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    int rc = daas_buf_printf(&b, "{\"type\":\"%s\",\"object\":", type);
    if (rc == DAAS_OK && w->table && parsed) {
        json_t *one = json_array();
        json_array_append(one, parsed);
        json_t *t = daas_api__table(w->kind, one, w->include, !w->headers_sent, NULL, NULL);
        w->headers_sent = true;
        char *s = json_dumps(t, JSON_COMPACT);
        rc = daas_buf_puts(&b, s);
        free(s);
        json_decref(t);
        json_decref(one);
    } else if (rc == DAAS_OK && parsed) {
        char *s = json_dumps(parsed, JSON_COMPACT);
        rc = daas_buf_puts(&b, s);
        free(s);
    } else if (rc == DAAS_OK) {
        rc = daas_buf_append(&b, raw->data, raw->len);
    }
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&b, "}\n");
    if (rc == DAAS_OK)
        rc = daas_http_stream_write(w->resp, b.data, b.len, WATCH_MAX_PENDING);
    daas_buf_fini(&b);
    if (rc != DAAS_OK) {
        if (rc == DAAS_ETOOBIG)
            DAAS_WARN("api", "closing a watch on %s: the client does not keep up",
                      w->kind->resource);
        finish(w, rc != DAAS_ECLOSED);
        return false;
    }
    atomic_fetch_add(&w->api->metrics.watch_events, 1);
    return true;
}

static json_t *parse_blob(const daas_kv *kv)
{
    return kv->key ? daas_api__parse_kv(kv) : NULL;
}

/* Maps a store event to zero or one watch event through the selectors. */
static bool deliver(watchctx *w, const daas_store_event *ev)
{
    bool sel = w->ls || w->fs;
    if (!sel && !w->table) {
        const char *type = ev->type == DAAS_STORE_DELETE ? "DELETED"
                           : ev->prev.key                ? "MODIFIED"
                                                         : "ADDED";
        daas_blob *raw = daas_api__rendered(&ev->kv);
        bool ok = send_event(w, type, raw, NULL);
        daas_blob_unref(&raw);
        return ok;
    }
    json_t *cur = parse_blob(&ev->kv);
    bool ok = true;
    if (cur == NULL)
        return true;
    if (ev->type == DAAS_STORE_DELETE) {
        if (matches(w, cur))
            ok = send_event(w, "DELETED", NULL, cur);
    } else {
        json_t *prev = sel && ev->prev.key ? parse_blob(&ev->prev) : NULL;
        bool now = matches(w, cur), before = ev->prev.key && (!sel || matches(w, prev));
        if (now)
            ok = send_event(w, before ? "MODIFIED" : "ADDED", NULL, cur);
        else if (before)
            ok = send_event(w, "DELETED", NULL, cur);
        json_decref(prev);
    }
    json_decref(cur);
    return ok;
}

static void send_expired(watchctx *w, const char *msg)
{
    json_t *st = json_pack("{s:s,s:{s:s,s:s,s:{},s:s,s:s,s:s,s:i}}", "type", "ERROR", "object",
                           "kind", "Status", "apiVersion", "v1", "metadata", "status", "Failure",
                           "message", msg, "reason", "Expired", "code", 410);
    char *s = json_dumps(st, JSON_COMPACT);
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_buf_printf(&b, "%s\n", s) == DAAS_OK &&
        daas_http_stream_write(w->resp, b.data, b.len, WATCH_MAX_PENDING) == DAAS_OK)
        finish(w, true);
    else
        finish(w, false);
    daas_buf_fini(&b);
    free(s);
    json_decref(st);
}

static void pump(watchctx *w)
{
    daas_store_event evs[WATCH_BATCH];
    for (;;) {
        size_t n = 0;
        daas_err e = {0};
        if (w->resp == NULL)
            return;
        int rc = daas_store_watch_next(w->sw, evs, WATCH_BATCH, &n, &e);
        if (rc == DAAS_EGONE) {
            send_expired(w, "too old resource version: the watch fell behind; re-list");
            return;
        }
        if (rc != DAAS_OK) {
            finish(w, true);
            return;
        }
        size_t i = 0;
        for (; i < n; i++)
            if (!deliver(w, &evs[i]))
                break;
        for (size_t j = 0; j < n; j++)
            daas_store_event_fini(&evs[j]);
        if (i < n || n < WATCH_BATCH)
            return;
    }
}

static void pump_cb(void *arg)
{
    watchctx *w = arg;
    atomic_store(&w->pump_pending, false);
    pump(w);
    unref(w);
}

/* Store thread: schedule a pump on the loop unless one is already pending. */
static void notify_cb(void *arg)
{
    watchctx *w = arg;
    if (atomic_exchange(&w->pump_pending, true))
        return;
    atomic_fetch_add(&w->refs, 1);
    daas_http_loop_post(w->loop, pump_cb, w);
}

static void on_close(void *arg)
{
    finish(arg, false);
}

static void timeout_cb(void *arg)
{
    watchctx *w = arg;
    w->timeout = NULL;
    finish(w, true);
}

static void bookmark_cb(void *arg)
{
    watchctx *w = arg;
    char av[96];
    w->bookmark = NULL;
    daas_kube_kind_api_version(w->kind, av, sizeof av);
    json_t *o = json_pack("{s:s,s:s,s:{s:s}}", "kind", w->kind->kind, "apiVersion", av,
                          "metadata", "resourceVersion", "0");
    daas_api__set_rv(o, daas_store_watch_rev(w->sw));
    bool ok = send_event(w, "BOOKMARK", NULL, o);
    json_decref(o);
    if (ok)
        w->bookmark = daas_http_loop_timer(w->loop, 60000, bookmark_cb, w);
}

static int parse_params(daas_api__req *r, watchctx *w, int64_t *from, int64_t *timeout_s,
                        daas_err *err)
{
    char *l = daas_api__query(r, "labelSelector"), *f = daas_api__query(r, "fieldSelector");
    char *rv = daas_api__query(r, "resourceVersion"), *ts = daas_api__query(r, "timeoutSeconds");
    int rc = DAAS_OK;
    if (l && l[0])
        rc = daas_kube_labelsel_parse(l, &w->ls, err);
    if (rc == DAAS_OK && f && f[0])
        rc = daas_kube_fieldsel_parse(f, w->kind->field_selectors, &w->fs, err);
    *from = 0;
    if (rc == DAAS_OK && rv && rv[0]) {
        char *end;
        long long v = strtoll(rv, &end, 10);
        if (*end != '\0' || v < 0)
            rc = daas_fail(err, DAAS_EINVAL, "resourceVersion: Invalid value: \"%s\"", rv);
        *from = v;
    }
    *timeout_s = 0;
    if (rc == DAAS_OK && ts && ts[0]) {
        char *end;
        long long v = strtoll(ts, &end, 10);
        if (*end != '\0' || v < 0)
            rc = daas_fail(err, DAAS_EINVAL, "timeoutSeconds: Invalid value: \"%s\"", ts);
        *timeout_s = v;
    }
    daas_free(l);
    daas_free(f);
    daas_free(rv);
    daas_free(ts);
    return rc;
}

/* Sends ADDED for the current state (resourceVersion unset or "0"); *rev gets the list's
 * revision, from which the watch continues. */
static bool send_initial(watchctx *w, const char *prefix, int64_t *rev)
{
    daas_kv_list l = {0};
    daas_err e = {0};
    if (daas_store_list(w->api->store, prefix, NULL, 0, &l, &e) != DAAS_OK) {
        DAAS_WARN("api", "watch on %s: initial list failed: %s", prefix, e.msg);
        finish(w, true);
        return false;
    }
    *rev = l.rev;
    bool ok = true;
    for (size_t i = 0; ok && i < l.n; i++) {
        daas_store_event ev = {.type = DAAS_STORE_PUT, .kv = l.items[i]};
        ok = deliver(w, &ev);
    }
    daas_kv_list_fini(&l);
    return ok;
}

void daas_api__watch(daas_api__req *r)
{
    daas_err e = {0};
    watchctx *w = daas_xcalloc(1, sizeof *w);
    int64_t from = 0, timeout_s = 0;
    char *prefix = daas_api__prefix(r->route.kind, r->route.ns);

    r->verb = DAAS_API_VERB_WATCH;
    atomic_init(&w->refs, 1);
    w->api = r->api;
    w->kind = r->route.kind;
    w->table = r->table;
    w->include = daas_api__query(r, "includeObject");
    w->bookmarks = daas_api__query_bool(r, "allowWatchBookmarks");
    w->loop = daas_http_resp_loop(r->resp);
    int rc = parse_params(r, w, &from, &timeout_s, &e);
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
        unref(w);
        daas_free(prefix);
        return;
    }
    daas_http_stream_start(r->resp, 200,
                           w->table ? "application/json;as=Table;v=v1;g=meta.k8s.io"
                                    : "application/json");
    daas_api__metrics_record(r->api, r->route.kind_index, r->verb, 200,
                             daas_mono_ns() - r->start_ns);
    r->responded = true;
    w->resp = r->resp;
    atomic_fetch_add(&r->api->metrics.watches, 1);
    daas_http_on_close(r->resp, on_close, w);
    bool initial = from == 0;
    if (initial && !send_initial(w, prefix, &from)) {
        daas_free(prefix);
        return; /* the stream already ended */
    }
    rc = daas_store_watch(r->api->store, prefix, from, notify_cb, w, &w->sw, &e);
    daas_free(prefix);
    if (rc == DAAS_EGONE) {
        char msg[160];
        snprintf(msg, sizeof msg, "too old resource version: %lld (%lld)", (long long)from,
                 (long long)daas_store_compacted(r->api->store));
        send_expired(w, msg);
        return;
    }
    if (rc != DAAS_OK) {
        finish(w, true);
        return;
    }
    /* Without timeoutSeconds upstream keeps a watch 30-60 minutes; kubectl get -w exits
     * when the stream ends, so keep it long. */
    if (timeout_s == 0) {
        uint32_t jitter;
        daas_random(&jitter, sizeof jitter);
        timeout_s = 1800 + jitter % 1800;
    }
    w->timeout = daas_http_loop_timer(w->loop, timeout_s * 1000, timeout_cb, w);
    if (w->bookmarks)
        w->bookmark = daas_http_loop_timer(w->loop, 60000, bookmark_cb, w);
    notify_cb(w); /* deliver whatever arrived between the list and the watch */
}
