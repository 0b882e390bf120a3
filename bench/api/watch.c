/*
 * watch.c: phase d, watch fan-out: many watchers on one epoll thread, a few writers.
 *
 * Owns:   the watchers (non-blocking TLS connections driven by one epoll loop, each decoding
 *         its chunked stream incrementally into newline-delimited events), the writer threads
 *         (blocking connections creating then updating small configmaps), the per-event
 *         acknowledgement and last-delivery times.
 * Not:    framing (resp.c), credentials (tls.c), printing (main.c).
 * Model:  write number `seq` (0..E-1) carries data.seq; its writer records the time the
 *         server acknowledged it. Each watcher keeps a bitmap of the seqs it saw and the last
 *         resourceVersion; the loop records, per seq, when the last watcher got it. Lag of an
 *         event = last delivery - acknowledgement (0 when a watcher saw it before the ack).
 * Invariants:
 *   - watcher state is touched only by the epoll thread; writers only write their own
 *     ack_ns/send_ns slots; the main thread reads both after joining;
 *   - at most HANDSHAKES_IN_FLIGHT connections handshake at once (the listen backlog and two
 *     cores would otherwise turn a burst of 1,000 connects into SYN retries).
 * Spec:   shared/specs/kube-api.md §5.3 (watch events).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>

#include "bench.h"
#include "common/util.h"

enum { W_CONNECT, W_HANDSHAKE, W_SEND, W_STREAM, W_DEAD };
enum {
    HANDSHAKES_IN_FLIGHT = 64,
    LINE_MAX_BYTES = 1 << 20,
    SETUP_TIMEOUT_S = 120,
    STALL_TIMEOUT_S = 15,
    CM_PER_WRITER = 64,
};

typedef struct wctx wctx;

typedef struct watcher {
    wctx *wc;             /* the phase */
    int fd;               /* -1 before start and after close */
    SSL *ssl;             /* NULL likewise */
    int state;            /* W_* */
    uint32_t mask;        /* epoll events registered */
    bool head_seen;       /* response head handled */
    daas_bench_resp resp; /* stream framing */
    char *line;           /* partial event line */
    size_t linelen, linecap;
    int64_t last_rv; /* last resourceVersion seen */
    int64_t count;   /* distinct seqs seen */
    uint8_t *seen;   /* bitmap over seq */
} watcher;

struct wctx {
    daas_bench_tls *tls; /* borrowed */
    int64_t events;      /* E */
    int nw;              /* watchers */
    watcher *w;          /* nw watchers */
    int ep;              /* epoll fd */
    char req[512];       /* the watch request */
    size_t reqlen;
    int next_start, inflight;                 /* connection pacing (epoll thread) */
    atomic_int established, failed, complete; /* read by the main thread */
    atomic_llong deliveries;                  /* events delivered, all watchers */
    atomic_bool stop;                         /* set by the main thread */
    int64_t now;                              /* time of the current read (epoll thread) */
    int64_t *recv_max;                        /* per seq: time the last watcher got it */
    int64_t last_delivery;                    /* epoll thread */
    int64_t reordered, error_events;          /* epoll thread */
    char first_err[240];                      /* epoll thread */
    char rbuf[65536];                         /* shared read buffer (epoll thread) */
    /* writers */
    int writers;
    atomic_llong writes_ok, write_errors;
    int64_t *send_ns, *ack_ns; /* per seq, by its writer */
    char werr[240];            /* first writer error, under wmu */
    pthread_mutex_t wmu;
};

typedef struct writer_arg {
    wctx *wc;
    int id;
} writer_arg;

/* Keeps the first failure's text. */
static void note(char *dst, size_t n, const char *fmt, ...) DAAS_PRINTF(3, 4);
static void note(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    if (dst[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

/* Digits after the first occurrence of key in [p, p+n); -1 when absent. */
static int64_t num_after(const char *p, size_t n, const char *key)
{
    size_t kl = strlen(key);
    const char *k = memmem(p, n, key, kl);
    if (k == NULL)
        return -1;
    const char *e = p + n;
    int64_t v = 0;
    for (k += kl; k < e && *k >= '0' && *k <= '9'; k++)
        v = v * 10 + (*k - '0');
    return v;
}

/* Whether [t, end) starts with lit. */
static bool starts(const char *t, const char *end, const char *lit)
{
    size_t l = strlen(lit);
    return (size_t)(end - t) >= l && memcmp(t, lit, l) == 0;
}

static void on_event(watcher *w, const char *p, size_t n)
{
    wctx *wc = w->wc;
    /* upstream writes "type" first; an event without it is still counted by its seq */
    const char *t = memmem(p, n < 32 ? n : 32, "\"type\":\"", 8);
    if (t != NULL && starts(t + 8, p + n, "BOOKMARK"))
        return;
    if (t != NULL && starts(t + 8, p + n, "ERROR")) {
        wc->error_events++;
        note(wc->first_err, sizeof wc->first_err, "ERROR event: %.*s", (int)(n < 200 ? n : 200), p);
        return;
    }
    int64_t rv = num_after(p, n, "\"resourceVersion\":\"");
    if (rv <= w->last_rv)
        wc->reordered++;
    else
        w->last_rv = rv;
    int64_t seq = num_after(p, n, "\"seq\":\"");
    if (seq < 0 || seq >= wc->events)
        return;
    atomic_fetch_add_explicit(&wc->deliveries, 1, memory_order_relaxed);
    wc->last_delivery = wc->now;
    if (wc->recv_max[seq] < wc->now)
        wc->recv_max[seq] = wc->now;
    uint8_t bit = (uint8_t)(1u << (seq & 7));
    if (w->seen[seq >> 3] & bit)
        return;
    w->seen[seq >> 3] |= bit;
    if (++w->count == wc->events)
        atomic_fetch_add(&wc->complete, 1);
}

/* Decoded stream bytes: split into lines, one event each. */
static void on_body(void *ud, const char *p, size_t n)
{
    watcher *w = ud;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (nl != NULL && w->linelen == 0) {
            on_event(w, p, take); /* the usual case: a whole line in one read */
        } else if (w->linelen + take <= LINE_MAX_BYTES) {
            if (w->linelen + take > w->linecap) {
                w->linecap = (w->linelen + take) * 2;
                w->line = daas_xrealloc(w->line, w->linecap);
            }
            memcpy(w->line + w->linelen, p, take);
            w->linelen += take;
            if (nl != NULL) {
                on_event(w, w->line, w->linelen);
                w->linelen = 0;
            }
        }
        take += nl ? 1 : 0;
        p += take;
        n -= take;
    }
}

static void set_mask(watcher *w, uint32_t mask)
{
    if (w->mask == mask)
        return;
    struct epoll_event ev = {.events = mask, .data.ptr = w};
    (void)epoll_ctl(w->wc->ep, w->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, w->fd, &ev);
    w->mask = mask;
}

static void w_close(watcher *w)
{
    if (w->ssl != NULL)
        SSL_free(w->ssl);
    if (w->fd >= 0)
        close(w->fd); /* also leaves the epoll set */
    w->ssl = NULL;
    w->fd = -1;
}

static void w_fail(watcher *w, const char *why, int code)
{
    wctx *wc = w->wc;
    if (w->state == W_CONNECT || w->state == W_HANDSHAKE)
        wc->inflight--;
    if (!atomic_load(&wc->stop)) {
        atomic_fetch_add(&wc->failed, 1);
        note(wc->first_err, sizeof wc->first_err, "watcher: %s (%d)", why, code);
    }
    w->state = W_DEAD;
    w_close(w);
}

static void w_start(watcher *w)
{
    wctx *wc = w->wc;
    w->fd = daas_bench_tcp_connect(wc->tls->port, true);
    wc->inflight++;
    w->state = W_CONNECT;
    if (w->fd < 0) {
        w_fail(w, strerror(errno), errno);
        return;
    }
    w->ssl = daas_bench_tls_ssl(wc->tls, w->fd);
    if (w->ssl == NULL) {
        w_fail(w, "SSL_new", 0);
        return;
    }
    set_mask(w, EPOLLOUT);
}

/* WANT_READ/WANT_WRITE: wait for that; anything else ends the watcher. */
static bool ssl_wait(watcher *w, int r, const char *what)
{
    int e = SSL_get_error(w->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        set_mask(w, EPOLLIN);
        return true;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        set_mask(w, EPOLLOUT);
        return true;
    }
    char buf[160] = "";
    unsigned long ec = ERR_get_error();
    if (ec != 0)
        ERR_error_string_n(ec, buf, sizeof buf);
    ERR_clear_error();
    if (w->state == W_STREAM && !atomic_load(&w->wc->stop))
        note(w->wc->first_err, sizeof w->wc->first_err, "stream ended: %s (%d)",
             buf[0] ? buf : "closed by the server", e);
    w_fail(w, buf[0] ? buf : what, e);
    return false;
}

/* Head of the watch response: 200 means the stream is on. */
static bool on_head(watcher *w)
{
    w->head_seen = true;
    if (w->resp.status != 200) {
        char why[64];
        snprintf(why, sizeof why, "watch answered HTTP %d", w->resp.status);
        w_fail(w, why, w->resp.status);
        return false;
    }
    atomic_fetch_add(&w->wc->established, 1);
    return true;
}

static void w_read(watcher *w)
{
    wctx *wc = w->wc;
    for (;;) {
        int r = SSL_read(w->ssl, wc->rbuf, (int)sizeof wc->rbuf);
        if (r <= 0) {
            (void)ssl_wait(w, r, "read");
            return;
        }
        size_t used = 0;
        wc->now = daas_mono_ns();
        if (daas_bench_resp_feed(&w->resp, wc->rbuf, (size_t)r, &used) != DAAS_OK) {
            w_fail(w, "malformed watch response", 0);
            return;
        }
        if (!w->head_seen && daas_bench_resp_head_done(&w->resp) && !on_head(w))
            return;
        if (daas_bench_resp_done(&w->resp)) {
            w_fail(w, "watch stream ended", 0);
            return;
        }
    }
}

static void w_connected(watcher *w)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
        w_fail(w, strerror(soerr), soerr);
        return;
    }
    w->state = W_HANDSHAKE;
}

/* Advances one watcher as far as it can go without blocking. */
static void w_drive(watcher *w)
{
    int r;
    if (w->state == W_CONNECT)
        w_connected(w);
    if (w->state == W_HANDSHAKE) {
        r = SSL_connect(w->ssl);
        if (r != 1) {
            (void)ssl_wait(w, r, "handshake");
            return;
        }
        daas_bench_tls_done(w->wc->tls, w->ssl);
        w->wc->inflight--;
        w->state = W_SEND;
    }
    if (w->state == W_SEND) {
        r = SSL_write(w->ssl, w->wc->req, (int)w->wc->reqlen);
        if (r <= 0) {
            (void)ssl_wait(w, r, "write");
            return;
        }
        w->state = W_STREAM;
        set_mask(w, EPOLLIN);
    }
    if (w->state == W_STREAM)
        w_read(w);
}

static void *loop_main(void *arg)
{
    wctx *wc = arg;
    struct epoll_event evs[256];
    while (!atomic_load(&wc->stop)) {
        while (wc->inflight < HANDSHAKES_IN_FLIGHT && wc->next_start < wc->nw)
            w_start(&wc->w[wc->next_start++]);
        int n = epoll_wait(wc->ep, evs, 256, 50);
        for (int i = 0; i < n; i++) {
            watcher *w = evs[i].data.ptr;
            if (w->state != W_DEAD)
                w_drive(w);
        }
    }
    return NULL;
}

/* ---- writers ---- */

static void *writer_main(void *arg)
{
    writer_arg *wa = arg;
    wctx *wc = wa->wc;
    daas_bench_conn c;
    daas_buf body;
    char path[160];
    int status = 0;
    daas_buf_init(&body, 4096);
    daas_bench_conn_init(&c, wc->tls);
    for (int64_t k = 0;; k++) {
        int64_t seq = k * wc->writers + wa->id;
        if (seq >= wc->events)
            break;
        int j = (int)(k % CM_PER_WRITER);
        bool create = k < CM_PER_WRITER;
        daas_buf_reset(&body);
        int rc = daas_buf_printf(&body,
                                 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
                                 "{\"name\":\"cm-%d-%d\",\"namespace\":\"fanout\"},"
                                 "\"data\":{\"seq\":\"%" PRId64 "\",\"writer\":\"%d\"}}",
                                 wa->id, j, seq, wa->id);
        if (create)
            snprintf(path, sizeof path, "/api/v1/namespaces/fanout/configmaps");
        else
            snprintf(path, sizeof path, "/api/v1/namespaces/fanout/configmaps/cm-%d-%d", wa->id, j);
        wc->send_ns[seq] = daas_mono_ns();
        if (rc == DAAS_OK)
            rc = daas_bench_conn_do(&c, create ? "POST" : "PUT", path, body.data, body.len, NULL,
                                    &status);
        if (rc == DAAS_OK && status == (create ? 201 : 200)) {
            wc->ack_ns[seq] = daas_mono_ns();
            atomic_fetch_add(&wc->writes_ok, 1);
            continue;
        }
        atomic_fetch_add(&wc->write_errors, 1);
        pthread_mutex_lock(&wc->wmu);
        if (wc->werr[0] == '\0')
            snprintf(wc->werr, sizeof wc->werr, "write %.60s: HTTP %d %s %.120s", path, status,
                     rc == DAAS_OK ? "" : daas_err_name(rc), c.errbody);
        pthread_mutex_unlock(&wc->wmu);
    }
    daas_bench_conn_fini(&c);
    daas_buf_fini(&body);
    return NULL;
}

/* ---- the phase ---- */

/* resourceVersion of an initial list of fanout's configmaps. */
static int list_rv(daas_bench_tls *t, int64_t *rv, char *errbuf, size_t errlen)
{
    daas_bench_conn c;
    daas_buf body;
    int status = 0;
    json_error_t jerr;
    daas_buf_init(&body, 64 << 20);
    daas_bench_conn_init(&c, t);
    int rc = daas_bench_conn_do(&c, "GET", "/api/v1/namespaces/fanout/configmaps", NULL, 0, &body,
                                &status);
    json_t *j = rc == DAAS_OK && status == 200 && body.data != NULL
                    ? json_loadb(body.data, body.len, 0, &jerr)
                    : NULL;
    const char *s =
        json_string_value(json_object_get(json_object_get(j, "metadata"), "resourceVersion"));
    *rv = s != NULL ? strtoll(s, NULL, 10) : -1;
    if (*rv < 0) {
        snprintf(errbuf, errlen, "initial list: HTTP %d %s %.160s", status,
                 rc == DAAS_OK ? "" : daas_err_name(rc), body.data ? body.data : c.errbody);
        rc = DAAS_EIO;
    }
    json_decref(j);
    daas_bench_conn_fini(&c);
    daas_buf_fini(&body);
    return rc;
}

static void wctx_init(wctx *wc, daas_bench_tls *t, const daas_bench_cfg *cfg, int64_t rv)
{
    memset(wc, 0, sizeof *wc);
    wc->tls = t;
    wc->events = cfg->events;
    wc->nw = cfg->watchers;
    wc->writers = cfg->writers;
    wc->ep = epoll_create1(EPOLL_CLOEXEC);
    wc->reqlen = (size_t)snprintf(wc->req, sizeof wc->req,
                                  "GET /api/v1/namespaces/fanout/configmaps?watch=true"
                                  "&resourceVersion=%" PRId64 " HTTP/1.1\r\n"
                                  "Host: 127.0.0.1:%d\r\nUser-Agent: bench_api/1.0\r\n"
                                  "Accept: application/json\r\n\r\n",
                                  rv, t->port);
    wc->recv_max = daas_xcalloc((size_t)wc->events, sizeof *wc->recv_max);
    wc->send_ns = daas_xcalloc((size_t)wc->events, sizeof *wc->send_ns);
    wc->ack_ns = daas_xcalloc((size_t)wc->events, sizeof *wc->ack_ns);
    wc->w = daas_xcalloc((size_t)wc->nw, sizeof *wc->w);
    for (int i = 0; i < wc->nw; i++) {
        watcher *w = &wc->w[i];
        w->wc = wc;
        w->fd = -1;
        w->seen = daas_xcalloc((size_t)(wc->events + 7) / 8, 1);
        daas_bench_resp_init(&w->resp, on_body, w);
    }
    pthread_mutex_init(&wc->wmu, NULL);
}

static void wctx_fini(wctx *wc)
{
    for (int i = 0; i < wc->nw; i++) {
        w_close(&wc->w[i]);
        daas_free(wc->w[i].seen);
        daas_free(wc->w[i].line);
    }
    daas_free(wc->w);
    daas_free(wc->recv_max);
    daas_free(wc->send_ns);
    daas_free(wc->ack_ns);
    if (wc->ep >= 0)
        close(wc->ep);
    pthread_mutex_destroy(&wc->wmu);
}

static void sleep_10ms(void)
{
    struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
    (void)nanosleep(&ts, NULL);
}

/* Waits until every watcher's stream started (or failed). */
static void wait_setup(wctx *wc)
{
    int64_t deadline = daas_mono_ns() + (int64_t)SETUP_TIMEOUT_S * 1000000000;
    while (atomic_load(&wc->established) + atomic_load(&wc->failed) < wc->nw &&
           daas_mono_ns() < deadline)
        sleep_10ms();
}

/* Runs the writers; returns the time the first write was sent. */
static int64_t run_writers(wctx *wc)
{
    pthread_t th[64];
    writer_arg wa[64];
    int n = wc->writers < 64 ? wc->writers : 64;
    wc->writers = n;
    int64_t t0 = daas_mono_ns();
    for (int i = 0; i < n; i++) {
        wa[i] = (writer_arg){wc, i};
        if (pthread_create(&th[i], NULL, writer_main, &wa[i]) != 0)
            abort();
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    return t0;
}

/* Waits until every live watcher has every event, or deliveries stall. */
static void wait_deliveries(wctx *wc)
{
    int64_t last = -1, since = daas_mono_ns();
    while (atomic_load(&wc->complete) + atomic_load(&wc->failed) < wc->nw) {
        int64_t d = atomic_load(&wc->deliveries);
        if (d != last) {
            last = d;
            since = daas_mono_ns();
        } else if (daas_mono_ns() - since > (int64_t)STALL_TIMEOUT_S * 1000000000) {
            break;
        }
        sleep_10ms();
    }
}

/* Lag, missed and timing figures, once every thread has stopped. */
static void summarize(wctx *wc, int64_t t0, daas_bench_watch_result *res)
{
    daas_bench_lat lags = {0};
    int64_t last_ack = t0;
    for (int64_t s = 0; s < wc->events; s++) {
        if (wc->ack_ns[s] == 0)
            continue;
        if (wc->ack_ns[s] > last_ack)
            last_ack = wc->ack_ns[s];
        if (wc->recv_max[s] > 0)
            daas_bench_lat_add(
                &lags, wc->recv_max[s] > wc->ack_ns[s] ? wc->recv_max[s] - wc->ack_ns[s] : 0);
        for (int i = 0; i < wc->nw; i++)
            if (!(wc->w[i].seen[s >> 3] & (1u << (s & 7))))
                res->missed++;
    }
    res->lag_max_ms = daas_bench_lat_ms(&lags, 1.0);
    res->lag_p99_ms = daas_bench_lat_ms(&lags, 0.99);
    daas_bench_lat_fini(&lags);
    res->established = atomic_load(&wc->established);
    res->failed = atomic_load(&wc->failed);
    res->deliveries = atomic_load(&wc->deliveries);
    res->reordered = wc->reordered;
    res->error_events = wc->error_events;
    res->writes_ok = atomic_load(&wc->writes_ok);
    res->write_errors = atomic_load(&wc->write_errors);
    res->write_seconds = daas_bench_secs(last_ack - t0);
    res->seconds = daas_bench_secs((wc->last_delivery > t0 ? wc->last_delivery : last_ack) - t0);
    snprintf(res->first_err, sizeof res->first_err, "%s",
             wc->first_err[0] ? wc->first_err : wc->werr);
}

void daas_bench_watch(daas_bench_tls *t, const daas_bench_cfg *cfg, daas_bench_watch_result *res)
{
    daas_err err = {0};
    int64_t rv = -1;
    pthread_t loop;
    wctx *wc;

    memset(res, 0, sizeof *res);
    if (daas_bench_make_ns(t, "fanout", &err) != DAAS_OK) {
        snprintf(res->first_err, sizeof res->first_err, "%s", err.msg);
        return;
    }
    if (list_rv(t, &rv, res->first_err, sizeof res->first_err) != DAAS_OK)
        return;
    wc = daas_xmalloc(sizeof *wc);
    wctx_init(wc, t, cfg, rv);
    int64_t s0 = daas_mono_ns();
    if (pthread_create(&loop, NULL, loop_main, wc) != 0)
        abort();
    wait_setup(wc);
    res->setup_seconds = daas_bench_secs(daas_mono_ns() - s0);
    int64_t t0 = run_writers(wc);
    wait_deliveries(wc);
    atomic_store(&wc->stop, true);
    pthread_join(loop, NULL);
    summarize(wc, t0, res);
    wctx_fini(wc);
    daas_free(wc);
}
