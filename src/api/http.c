/*
 * http.c: the HTTP/1.1 server: listeners, worker loops, connections, responses, streams.
 *
 * Owns:   one libevent event_base per worker thread, each with its own SO_REUSEPORT
 *         listening socket (or its own duplicate of cfg.listen_fd); the connections
 *         accepted there (plain or TLS bufferevents); the per-loop queue of posted functions
 *         and the loop timers.
 * Not:    request syntax (http_parse.c); routing and Kubernetes semantics (api.c); the
 *         SSL_CTX (borrowed from pki/).
 * Model:  a connection is a small state machine driven by conn_run() at the end of every
 *         libevent callback: HEAD (reading a request head) → BODY (reading its body) →
 *         HANDLER (the handler owns the response; a stream stays here until it ends) → back
 *         to HEAD on keep-alive, or CLOSING (flush) → LINGER (write side shut, input
 *         discarded briefly so the peer reads our last answer instead of a reset) → DEAD.
 *         Requests on a connection are handled one at a time, so pipelined requests are
 *         answered in order and a stream holds back the next request until it ends.
 * Invariants:
 *   - a connection is touched only by its loop's thread; loop_post is the only entry that
 *     other threads use (a locked queue plus event_active on a locking base);
 *   - a connection is freed only by conn_run() called from a libevent callback, or by the
 *     loop's shutdown, never inside a call the handler made (respond, stream_end, ...);
 *   - on_close runs at most once per response, and the response is gone afterwards;
 *   - the input buffer is capped (read high-water mark) and bodies are moved out of it as
 *     they arrive, so a connection holds at most max_header + 64 KiB + max_body.
 * Spec:   RFC 9112 (HTTP/1.1 messages), RFC 9110 §15 (status codes);
 *         specs/kube-api.md §5.3 (watch streams), §5.4 (Status), §8.1 (client certificates).
 */
#include "api/http_srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/log.h"

static void conn_run(conn *c);

/* ---- global setup ---- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* libevent bases must be created after evthread_use_pthreads() for event_active() from
 * other threads to be safe; SIGPIPE would kill us on a write to a closed socket. */
static void global_init(void)
{
    if (evthread_use_pthreads() != 0)
        DAAS_ERROR(MOD, "evthread_use_pthreads failed");
    signal(SIGPIPE, SIG_IGN);
}

/* ---- responses ---- */

static bool header_ok(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") == NULL;
}

static bool status_has_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

/* Writes the status line and headers. len < 0: no Content-Length (stream or no body). */
static void write_head(conn *c, int status, const char *ctype, const char *const *extra,
                       long long len, bool chunked)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    char line[160];
    int n;

    if (status < 100 || status > 999)
        status = 500;
    n = snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, daas_http__reason(status));
    evbuffer_add(out, line, (size_t)n);
    if (header_ok(ctype) && ctype[0] != '\0')
        evbuffer_add_printf(out, "Content-Type: %s\r\n", ctype);
    if (chunked)
        evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
    else if (len >= 0) {
        n = snprintf(line, sizeof line, "Content-Length: %lld\r\n", len);
        evbuffer_add(out, line, (size_t)n);
    }
    if (!c->keep)
        evbuffer_add(out, "Connection: close\r\n", 19);
    else if (c->head.minor == 0)
        evbuffer_add(out, "Connection: keep-alive\r\n", 24);
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        if (!header_ok(extra[i])) {
            DAAS_WARN(MOD, "dropping a response header with a line break");
            continue;
        }
        evbuffer_add(out, extra[i], strlen(extra[i]));
        evbuffer_add(out, "\r\n", 2);
    }
    evbuffer_add(out, "\r\n", 2);
}

static void arm_idle(conn *c)
{
    event_add(&c->timer, &c->loop->idle_tv);
}

static void reset_request(conn *c)
{
    daas_http_parsed_fini(&c->req);
    daas_http__chunked_fini(&c->ch);
    daas_free(c->body);
    c->body = NULL;
    c->body_len = c->body_cap = 0;
    memset(&c->head, 0, sizeof c->head);
}

/* The response is complete: free the request, then go on to the next one or close. */
static void finish_response(conn *c)
{
    reset_request(c);
    c->resp.state = R_NONE;
    c->resp.on_close = NULL;
    c->resp.on_close_arg = NULL;
    if (c->keep) {
        c->phase = PH_HEAD;
        arm_idle(c);
    } else {
        c->phase = PH_CLOSING;
    }
    if (!c->in_run)
        event_active(&c->resume, EV_READ, 0);
}

static bool keep_open(conn *c)
{
    return c->req.keep_alive && !c->peer_gone && !atomic_load(&c->loop->srv->stopping);
}

static void send_response(conn *c, int status, const char *ctype, const char *const *extra,
                          const void *body, size_t len)
{
    if (!status_has_body(status))
        len = 0;
    if (!c->broken) {
        write_head(c, status, ctype, extra, status_has_body(status) ? (long long)len : -1,
                   false);
        if (len > 0 && !c->head.is_head)
            bufferevent_write(c->bev, body, len);
    }
}

/* Contract in http.h. Loop thread. Writes head and body at once; the connection goes on to
 * the next request (keep-alive) or closes after the flush. */
void daas_http_respond(daas_http_resp *resp, int status, const char *content_type,
                       const char *const *extra_headers, const void *body, size_t len)
{
    conn *c = resp->c;
    if (resp->state != R_NONE) {
        DAAS_WARN(MOD, "respond on a response already started");
        return;
    }
    resp->state = R_DONE;
    if (c == NULL) {
        daas_http__cap_respond(resp, status, extra_headers, body, len);
        return;
    }
    c->keep = keep_open(c);
    send_response(c, status, content_type, extra_headers, body, len);
    finish_response(c);
}

/* Answers a request the parser refused, and closes. */
static void fail_request(conn *c, int rc, const char *msg)
{
    daas_buf b;
    daas_buf_init(&b, 64 << 10);
    if (daas_http_status_json(&b, rc, msg) != DAAS_OK)
        daas_buf_reset(&b);
    c->keep = false;
    send_response(c, daas_err_http(rc), "application/json", NULL, b.data, b.len);
    daas_buf_fini(&b);
    reset_request(c);
    event_del(&c->timer);
    c->phase = PH_CLOSING;
}

/* Contract in http.h. Loop thread. HTTP/1.0 peers get a close-delimited body instead. */
void daas_http_stream_start(daas_http_resp *resp, int status, const char *content_type)
{
    conn *c = resp->c;
    if (resp->state != R_NONE) {
        DAAS_WARN(MOD, "stream_start on a response already started");
        return;
    }
    resp->state = R_STREAM;
    if (c == NULL) {
        daas_http__cap_stream_start(resp, status);
        return;
    }
    /* HTTP/1.0 has no chunked coding: the body then ends when the connection does. */
    c->chunked = c->head.minor == 1;
    c->keep = c->chunked && keep_open(c);
    if (!c->broken)
        write_head(c, status, content_type, NULL, -1, c->chunked);
}

/* Contract in http.h. Loop thread. Refused (DAAS_ETOOBIG) when bytes already wait and this
 * chunk would take the backlog past max_pending; a chunk into an empty pipe always goes. */
int daas_http_stream_write(daas_http_resp *resp, const void *p, size_t n, size_t max_pending)
{
    conn *c = resp->c;
    if (resp->state != R_STREAM)
        return DAAS_EINVAL;
    if (c == NULL)
        return daas_http__cap_write(resp, p, n);
    if (c->peer_gone)
        return DAAS_ECLOSED;
    if (n == 0 || c->head.is_head)
        return DAAS_OK; /* an empty chunk would end the stream */
    struct evbuffer *out = bufferevent_get_output(c->bev);
    size_t pending = evbuffer_get_length(out);
    if (pending > 0 && (n > max_pending || pending > max_pending - n))
        return DAAS_ETOOBIG;
    if (c->chunked) {
        char hx[24];
        int k = snprintf(hx, sizeof hx, "%zx\r\n", n);
        evbuffer_add(out, hx, (size_t)k);
        evbuffer_add(out, p, n);
        evbuffer_add(out, "\r\n", 2);
    } else {
        evbuffer_add(out, p, n);
    }
    return DAAS_OK;
}

/* Contract in http.h: bytes queued in user space, not yet handed to the kernel. */
size_t daas_http_stream_pending(daas_http_resp *resp)
{
    return resp->c ? evbuffer_get_length(bufferevent_get_output(resp->c->bev)) : 0;
}

/* Contract in http.h. Loop thread. Ignored unless a stream is open (e.g. after on_close). */
void daas_http_stream_end(daas_http_resp *resp)
{
    conn *c = resp->c;
    if (resp->state != R_STREAM)
        return;
    resp->state = R_DONE;
    if (c == NULL)
        return;
    if (c->chunked && !c->head.is_head && !c->broken)
        evbuffer_add(bufferevent_get_output(c->bev), "0\r\n\r\n", 5);
    finish_response(c);
}

/* Contract in http.h. Loop thread. Also honoured for a deferred (non-stream) response. */
void daas_http_on_close(daas_http_resp *resp, void (*cb)(void *arg), void *arg)
{
    resp->on_close = cb;
    resp->on_close_arg = arg;
    /* The peer may have left before the handler got here: tell it soon, from the loop. */
    if (resp->c && resp->c->peer_gone && !resp->c->in_run)
        event_active(&resp->c->resume, EV_READ, 0);
}

/* Contract in http.h. */
daas_http_loop *daas_http_resp_loop(daas_http_resp *resp)
{
    return resp->c ? resp->c->loop : NULL;
}

/* Runs the response's on_close (at most once): the handler lets go of it. */
static void run_on_close(conn *c)
{
    void (*cb)(void *) = c->resp.on_close;
    void *arg = c->resp.on_close_arg;
    c->resp.on_close = NULL;
    c->resp.state = R_DONE; /* a stray end or write after this is ignored */
    if (cb != NULL)
        cb(arg);
}

/* ---- reading requests ---- */

/* Copies entry idx of name as UTF-8 into dst. A value that does not fit, or hides a NUL, is
 * not one we can vouch for: false. */
static bool entry_utf8(X509_NAME *name, int idx, char *dst, size_t cap)
{
    unsigned char *u = NULL;
    int n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    bool ok = n >= 0 && (size_t)n < cap && (n == 0 || memchr(u, 0, (size_t)n) == NULL);
    if (ok && n > 0)
        memcpy(dst, u, (size_t)n);
    if (ok)
        dst[n] = '\0';
    OPENSSL_free(u);
    return ok;
}

/* The identity of a client certificate that chained to the CA of the SSL_CTX. */
static void fill_peer(conn *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
    int last = -1;

    c->peer_done = true;
    if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return;
    X509_NAME *name = X509_get_subject_name(cert);
    /* Like Go's pkix.Name (and so kube-apiserver), the last CN wins. */
    for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;)
        last = i;
    if (last >= 0 && !entry_utf8(name, last, c->peer.cn, sizeof c->peer.cn))
        return;
    for (int i = -1; c->peer.norgs < 8 &&
                     (i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) >= 0;)
        if (entry_utf8(name, i, c->peer.orgs[c->peer.norgs], sizeof c->peer.orgs[0]))
            c->peer.norgs++;
    c->peer.verified = true;
}

static void dispatch(conn *c)
{
    daas_http_server *srv = c->loop->srv;
    event_del(&c->timer);
    if (c->tls && !c->peer_done)
        fill_peer(c);
    c->req.req.peer = &c->peer;
    c->req.req.remote = c->remote;
    c->phase = PH_HANDLER;
    c->resp.state = R_NONE;
    srv->cfg.handler(srv->cfg.arg, &c->req.req, &c->resp);
}

/* Parses the head from the input, pulling up only what the parse needs. */
static int read_head(conn *c, daas_err *err)
{
    const daas_http_limits *lim = &c->loop->srv->lim;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t len = evbuffer_get_length(in);
    size_t n = evbuffer_get_contiguous_space(in);

    if (len == 0)
        return DAAS_EAGAIN;
    if (n == 0)
        n = len < lim->max_header ? len : lim->max_header;
    int rc = daas_http__parse_head(evbuffer_pullup(in, (ev_ssize_t)n), n, lim, &c->head,
                                   &c->req, err);
    if (rc == DAAS_EAGAIN && n < len && n < lim->max_header) {
        n = len < lim->max_header ? len : lim->max_header;
        rc = daas_http__parse_head(evbuffer_pullup(in, (ev_ssize_t)n), n, lim, &c->head,
                                   &c->req, err);
    }
    if (rc == DAAS_OK)
        evbuffer_drain(in, c->head.head_len);
    return rc;
}

/* Moves Content-Length body bytes out of the input as they arrive. */
static int read_body_length(conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t want = (size_t)c->head.content_length;
    size_t take = evbuffer_get_length(in);

    if (take > want - c->body_len)
        take = want - c->body_len;
    if (take == 0)
        return c->body_len == want ? DAAS_OK : DAAS_EAGAIN;
    if (c->body_len + take > c->body_cap) {
        /* Grow with the data, not with the peer's claim. */
        size_t cap = c->body_cap ? c->body_cap * 2 : 64 << 10;
        if (cap < c->body_len + take)
            cap = c->body_len + take;
        c->body_cap = cap < want ? cap : want;
        c->body = daas_xrealloc(c->body, c->body_cap);
    }
    evbuffer_remove(in, c->body + c->body_len, take);
    c->body_len += take;
    if (c->body_len < want)
        return DAAS_EAGAIN;
    daas_http__set_body(&c->req, c->body, c->body_len);
    c->body = NULL;
    c->body_len = c->body_cap = 0;
    return DAAS_OK;
}

/* Feeds the chunked decoder from the input, chain by chain. */
static int read_body_chunked(conn *c, daas_err *err)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    for (;;) {
        size_t len = evbuffer_get_length(in), n = evbuffer_get_contiguous_space(in), used = 0;
        if (len == 0)
            return DAAS_EAGAIN;
        int rc = daas_http__chunked_feed(&c->ch, evbuffer_pullup(in, (ev_ssize_t)n), n, &used,
                                         err);
        if (rc == DAAS_EAGAIN && used == 0 && n < len) {
            /* A line is split across chains: offer it whole. */
            n = len - n > DAAS_HTTP__CHUNK_LINE_MAX + 2 ? n + DAAS_HTTP__CHUNK_LINE_MAX + 2 : len;
            rc = daas_http__chunked_feed(&c->ch, evbuffer_pullup(in, (ev_ssize_t)n), n, &used,
                                         err);
        }
        evbuffer_drain(in, used);
        if (rc == DAAS_OK) {
            size_t blen;
            uint8_t *b = daas_http__chunked_take(&c->ch, &blen);
            daas_http__set_body(&c->req, b, blen);
            return DAAS_OK;
        }
        if (rc != DAAS_EAGAIN || used == 0)
            return rc;
    }
}

/* curl sends "Expect: 100-continue" before bodies over 1 KiB and waits a second for it. */
static void expect_continue(conn *c)
{
    const char *ex = daas_http_req_header(&c->req.req, "Expect");
    if (c->head.minor == 1 && ex != NULL && strcasecmp(ex, "100-continue") == 0 &&
        evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)
        evbuffer_add(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

static bool step_head(conn *c)
{
    daas_err err = {0};
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) > OUT_HIGH)
        return false; /* the peer is not reading our answers: wait for the write callback */
    int rc = read_head(c, &err);
    if (rc == DAAS_EAGAIN)
        return false;
    if (rc != DAAS_OK) {
        fail_request(c, rc, err.msg);
        return true;
    }
    if (c->head.framing == DAAS_HTTP__BODY_NONE)
        dispatch(c);
    else {
        expect_continue(c);
        if (c->head.framing == DAAS_HTTP__BODY_CHUNKED)
            daas_http__chunked_init(&c->ch, &c->loop->srv->lim);
        c->phase = PH_BODY;
    }
    return true;
}

static bool step_body(conn *c)
{
    daas_err err = {0};
    int rc = c->head.framing == DAAS_HTTP__BODY_LENGTH ? read_body_length(c)
                                                       : read_body_chunked(c, &err);
    if (rc == DAAS_EAGAIN)
        return false;
    if (rc != DAAS_OK)
        fail_request(c, rc, err.msg);
    else
        dispatch(c);
    return true;
}

/* The peer left while the handler had the response and on_close was registered late. */
static bool step_gone(conn *c)
{
    if (!c->peer_gone || c->resp.on_close == NULL)
        return false;
    run_on_close(c);
    c->phase = PH_DEAD;
    return true;
}

static bool step_closing(conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (c->broken ||
        (c->phase == PH_CLOSING && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
         c->peer_gone)) {
        c->phase = PH_DEAD;
        return true;
    }
    if (c->phase == PH_LINGER || evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
        return false;
    /* Everything is sent: shut our side and read until the peer closes, briefly. */
    if (c->tls)
        (void)SSL_shutdown(bufferevent_openssl_get_ssl(c->bev));
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
    c->phase = PH_LINGER;
    event_add(&c->timer, &c->loop->linger_tv);
    return true;
}

static void conn_free(conn *c)
{
    daas_http_loop *loop = c->loop;
    event_del(&c->timer);
    event_del(&c->resume);
    if (c->bev != NULL)
        bufferevent_free(c->bev);
    reset_request(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        loop->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    daas_free(c);
}

/* Advances the connection as far as its input allows; frees it when it is dead. Called only
 * from libevent callbacks. */
static void conn_run(conn *c)
{
    bool progress = true;
    c->in_run = true;
    while (progress) {
        switch (c->phase) {
        case PH_HEAD: progress = step_head(c); break;
        case PH_BODY: progress = step_body(c); break;
        case PH_HANDLER: progress = step_gone(c); break;
        case PH_CLOSING:
        case PH_LINGER: progress = step_closing(c); break;
        default: progress = false; break;
        }
    }
    c->in_run = false;
    if (c->phase == PH_DEAD)
        conn_free(c);
}

/* Input arrived, or the output drained (write low-water mark 0). */
static void on_io(struct bufferevent *bev, void *arg)
{
    conn_run(arg);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    conn_run(arg);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    conn *c = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
        return;
    c->peer_gone = true;
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        c->broken = true;
    switch (c->phase) {
    case PH_HANDLER:
        /* A handler that registered on_close lets go now; one that did not still owns the
         * response and will finish it (then the connection closes). */
        if (c->resp.on_close != NULL) {
            run_on_close(c);
            c->phase = PH_DEAD;
        }
        break;
    case PH_HEAD:
        /* A half-close after pipelined requests: flush the answers first. */
        if (c->broken || evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            c->phase = PH_DEAD;
        else
            c->phase = PH_CLOSING;
        break;
    case PH_CLOSING:
        break; /* step_closing() ends it once flushed (or at once when broken) */
    default:
        c->phase = PH_DEAD;
        break;
    }
    conn_run(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    conn *c = arg;
    if (c->phase == PH_HEAD || c->phase == PH_BODY || c->phase == PH_LINGER)
        c->phase = PH_DEAD;
    conn_run(c);
}

/* ---- accepting ---- */

static void format_remote(const struct sockaddr *sa, char *buf, size_t n)
{
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET && inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host))
        snprintf(buf, n, "%s:%u", host, ntohs(s4->sin_port));
    else if (sa->sa_family == AF_INET6 && inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host))
        snprintf(buf, n, "[%s]:%u", host, ntohs(s6->sin6_port));
    else
        snprintf(buf, n, "unknown");
}

static struct bufferevent *new_bev(daas_http_loop *loop, evutil_socket_t fd)
{
    const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    SSL_CTX *ctx = loop->srv->cfg.tls;
    if (ctx == NULL)
        return bufferevent_socket_new(loop->base, fd, opts);
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL)
        return NULL;
    /* On failure libevent frees ssl (CLOSE_ON_FREE) but leaves fd to us. */
    struct bufferevent *bev =
        bufferevent_openssl_socket_new(loop->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, opts);
    if (bev != NULL)
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    daas_http_loop *loop = arg;
    daas_http_server *srv = loop->srv;
    int one = 1;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct bufferevent *bev = new_bev(loop, fd);
    if (bev == NULL) {
        DAAS_WARN(MOD, "cannot set up a connection");
        close(fd);
        return;
    }
    conn *c = daas_xcalloc(1, sizeof *c);
    c->loop = loop;
    c->bev = bev;
    c->tls = srv->cfg.tls != NULL;
    c->resp.c = c;
    format_remote(sa, c->remote, sizeof c->remote);
    event_assign(&c->timer, loop->base, -1, 0, on_timer, c);
    event_assign(&c->resume, loop->base, -1, 0, on_resume, c);
    c->next = loop->conns;
    if (loop->conns)
        loop->conns->prev = c;
    loop->conns = c;

    bufferevent_setcb(bev, on_io, on_io, on_event, c);
    bufferevent_setwatermark(bev, EV_READ, 0, srv->lim.max_header + (64 << 10));
    bufferevent_set_timeouts(bev, NULL, &loop->idle_tv);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    arm_idle(c);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    daas_http_loop *loop = arg;
    if (loop->lis != NULL)
        evconnlistener_enable(loop->lis);
}

/* Accept failed (EMFILE and the like): pause accepting for a moment instead of spinning. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
    daas_http_loop *loop = arg;
    struct timeval tv = {1, 0};
    DAAS_WARN(MOD, "accept: %s", strerror(errno));
    evconnlistener_disable(lis);
    event_add(&loop->retry_ev, &tv);
}

/* ---- loops: posts, timers, threads ---- */

/* Runs on the loop (or on the stopping thread when the loop never ran): runs what was
 * posted, lets every open response go (on_close), closes everything, ends the loop. */
static void loop_shutdown(void *arg)
{
    daas_http_loop *loop = arg;
    pthread_mutex_lock(&loop->qlock);
    loop->qstopped = true;
    pthread_mutex_unlock(&loop->qlock);
    daas_http__run_posts(loop);
    if (loop->lis != NULL) {
        evconnlistener_free(loop->lis);
        loop->lis = NULL;
    }
    if (loop->base == NULL)
        return;
    event_del(&loop->retry_ev);
    while (loop->conns != NULL) {
        conn *c = loop->conns;
        c->peer_gone = c->broken = true;
        if (c->phase == PH_HANDLER)
            run_on_close(c);
        conn_free(c);
    }
    while (loop->timers != NULL) {
        daas_http_timer *t = loop->timers;
        daas_http_timer_cancel(&t);
    }
    /* Not loopbreak: the bufferevents just freed are finalized (sockets closed) by callbacks
     * that must still run in this iteration. */
    event_base_loopexit(loop->base, NULL);
}

static void *loop_main(void *arg)
{
    daas_http_loop *loop = arg;
    event_base_loop(loop->base, EVLOOP_NO_EXIT_ON_EMPTY);
    event_base_loop(loop->base, EVLOOP_NONBLOCK); /* finalizers still queued, if any */
    return NULL;
}

/* ---- listening sockets ---- */

static int open_listener(const char *addr, int port, evutil_socket_t *fd_out, int *port_out,
                         daas_err *err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char ps[16];
    int one = 1, rc = DAAS_OK, fd = -1;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(addr, ps, &hints, &ai) != 0 || ai == NULL)
        return daas_fail(err, DAAS_EINVAL, "bad bind address %s", addr);
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        rc = daas_fail(err, daas_from_errno(errno), "listen on %s port %d: %s", addr, port,
                       strerror(errno));
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        rc = daas_fail(err, DAAS_EIO, "getsockname: %s", strerror(errno));
        goto out;
    }
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return rc;
}

/* The listen_fd mode: each loop accepts on its own duplicate of the caller's socket (one
 * open file, so the kernel hands each connection to one accept), which leaves the caller's
 * descriptor untouched and lets every listener close what it owns. */
static int adopt_listener(int lfd, evutil_socket_t *fd_out, int *port_out, daas_err *err)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof ss;
    int fd = fcntl(lfd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "dup listening socket: %s",
                         strerror(errno));
    /* libevent's listener accepts until EAGAIN: a blocking socket would stall the loop. */
    if (evutil_make_socket_nonblocking(fd) != 0) {
        close(fd);
        return daas_fail(err, DAAS_EIO, "listening socket: cannot make it non-blocking");
    }
    *port_out = 0;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        ss.ss_family = AF_UNSPEC;
    if (ss.ss_family == AF_INET)
        *port_out = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
        *port_out = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    *fd_out = fd;
    return DAAS_OK;
}

static struct timeval common_timeout(struct event_base *base, int seconds)
{
    struct timeval tv = {seconds, 0};
    const struct timeval *common = event_base_init_common_timeout(base, &tv);
    return common != NULL ? *common : tv;
}

static int loop_init(daas_http_server *srv, daas_http_loop *loop, daas_err *err)
{
    evutil_socket_t fd = -1;
    loop->srv = srv;
    pthread_mutex_init(&loop->qlock, NULL);
    loop->base = event_base_new();
    if (loop->base == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "event_base_new failed");
    event_assign(&loop->post_ev, loop->base, -1, 0, daas_http__on_post, loop);
    /* Every connection of a loop shares these durations: common timeouts keep the timer
     * work per request O(1) instead of a heap operation. */
    loop->idle_tv = common_timeout(loop->base, srv->cfg.idle_timeout_s);
    loop->linger_tv = common_timeout(loop->base, LINGER_MS / 1000);
    evtimer_assign(&loop->retry_ev, loop->base, on_retry, loop);
    int rc = srv->cfg.listen_fd > 0
                 ? adopt_listener(srv->cfg.listen_fd, &fd, &srv->port, err)
                 : open_listener(srv->bind_addr, srv->port, &fd, &srv->port, err);
    if (rc != DAAS_OK)
        return rc;
    loop->lis = evconnlistener_new(loop->base, on_accept, loop,
                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
    if (loop->lis == NULL) {
        close(fd);
        return daas_fail(err, DAAS_EINTERNAL, "evconnlistener_new failed");
    }
    evconnlistener_set_error_cb(loop->lis, on_accept_error);
    return DAAS_OK;
}

/* ---- the server ---- */

static int check_config(const daas_http_config *cfg, daas_err *err)
{
    if (cfg == NULL || cfg->handler == NULL)
        return daas_fail(err, DAAS_EINVAL, "http: no handler");
    if (cfg->port < 0 || cfg->port > 65535)
        return daas_fail(err, DAAS_EINVAL, "http: bad port %d", cfg->port);
    if (cfg->threads < 0 || cfg->threads > MAX_THREADS)
        return daas_fail(err, DAAS_EINVAL, "http: bad thread count %d", cfg->threads);
    if (cfg->idle_timeout_s < 0)
        return daas_fail(err, DAAS_EINVAL, "http: bad idle timeout");
    if (cfg->listen_fd > 0) {
        int on = 0;
        socklen_t ol = sizeof on;
        if (getsockopt(cfg->listen_fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 || !on)
            return daas_fail(err, DAAS_EINVAL, "http: fd %d is not a listening socket",
                             cfg->listen_fd);
    }
    return DAAS_OK;
}

/* Contract in http.h. Binds every listener now, so the port is known before start. */
int daas_http_server_new(const daas_http_config *cfg, daas_http_server **out, daas_err *err)
{
    int rc = check_config(cfg, err);
    if (rc != DAAS_OK)
        return rc;
    pthread_once(&global_once, global_init);
    daas_http_server *srv = daas_xcalloc(1, sizeof *srv);
    srv->cfg = *cfg;
    srv->bind_addr = daas_xstrdup(cfg->bind_addr ? cfg->bind_addr : "0.0.0.0");
    srv->cfg.bind_addr = srv->bind_addr;
    if (srv->cfg.threads == 0)
        srv->cfg.threads = 8;
    if (srv->cfg.idle_timeout_s == 0)
        srv->cfg.idle_timeout_s = 120;
    daas_http__limits_norm(&cfg->limits, &srv->lim);
    srv->cfg.limits = srv->lim;
    srv->port = cfg->port;
    pthread_mutex_init(&srv->lock, NULL);
    srv->loops = daas_xcalloc((size_t)srv->cfg.threads, sizeof *srv->loops);
    /* The first listener may pick the port; the others then share it (SO_REUSEPORT). */
    for (; srv->nloops < srv->cfg.threads && rc == DAAS_OK; srv->nloops++)
        rc = loop_init(srv, &srv->loops[srv->nloops], err);
    if (rc != DAAS_OK) {
        daas_http_server_free(&srv);
        return rc;
    }
    *out = srv;
    return DAAS_OK;
}

/* Contract in http.h. Once only; a failure stops what was started. */
int daas_http_server_start(daas_http_server *srv, daas_err *err)
{
    sigset_t all, old;
    int rc = DAAS_OK;

    pthread_mutex_lock(&srv->lock);
    if (srv->started || srv->stopped) {
        pthread_mutex_unlock(&srv->lock);
        return daas_fail(err, DAAS_EINVAL, "http: server already started");
    }
    srv->started = true;
    /* Workers leave signals to the main thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < srv->nloops; i++) {
        int e = pthread_create(&srv->loops[i].thread, NULL, loop_main, &srv->loops[i]);
        if (e != 0) {
            rc = daas_fail(err, DAAS_EINTERNAL, "http: pthread_create: %s", strerror(e));
            break;
        }
        srv->loops[i].running = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_mutex_unlock(&srv->lock);
    if (rc != DAAS_OK)
        daas_http_server_stop(srv);
    return rc;
}

/* Contract in http.h. Any thread. */
int daas_http_server_port(const daas_http_server *srv)
{
    return srv->port;
}

/* Thread: any but a loop thread of srv (it joins them). */
void daas_http_server_stop(daas_http_server *srv)
{
    if (srv == NULL)
        return;
    pthread_mutex_lock(&srv->lock);
    bool first = !srv->stopped;
    srv->stopped = true;
    pthread_mutex_unlock(&srv->lock);
    if (!first)
        return;
    atomic_store(&srv->stopping, true);
    for (int i = 0; i < srv->nloops; i++) {
        if (srv->loops[i].running)
            daas_http_loop_post(&srv->loops[i], loop_shutdown, &srv->loops[i]);
        else
            loop_shutdown(&srv->loops[i]);
    }
    for (int i = 0; i < srv->nloops; i++) {
        if (srv->loops[i].running)
            pthread_join(srv->loops[i].thread, NULL);
        srv->loops[i].running = false;
        daas_http__run_posts(&srv->loops[i]);
    }
}

/* Contract in http.h. Stops first; then runs posts that arrived late; accepts NULL. */
void daas_http_server_free(daas_http_server **psrv)
{
    if (psrv == NULL || *psrv == NULL)
        return;
    daas_http_server *srv = *psrv;
    daas_http_server_stop(srv);
    for (int i = 0; i < srv->nloops; i++) {
        daas_http_loop *loop = &srv->loops[i];
        daas_http__run_posts(loop);
        if (loop->base != NULL) {
            event_del(&loop->post_ev);
            event_base_free(loop->base);
        }
        pthread_mutex_destroy(&loop->qlock);
    }
    pthread_mutex_destroy(&srv->lock);
    daas_free(srv->loops);
    daas_free(srv->bind_addr);
    daas_free(srv);
    *psrv = NULL;
}
