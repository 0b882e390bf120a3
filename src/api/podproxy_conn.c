/*
 * podproxy_conn.c: proxied connections between a kubectl client (hijacked from the HTTP
 * server) and an agent (TLS, pinned by its certificate's SHA-256).
 *
 * Owns:   each proxied connection: the client's bufferevent, the agent's TLS bufferevent,
 *         the dial deadline, the request waiting for the agent; the API's registry of them.
 * Not:    deciding what to proxy (podproxy.c); the HTTP server (http*.c).
 * Model:  DIALING (TCP connect + TLS handshake, at most DAAS_API_PROXY_DIAL_MS; the client is
 *         not read) → the agent's certificate is checked against the pin → PIPING (the request
 *         head, then the client's bytes, to the agent; the agent's bytes to the client,
 *         verbatim) → CLOSING (one side ended: the other gets what is left, then both are
 *         freed). A failure while dialing, or an agent that closes before sending a byte, is
 *         answered on the client connection with a raw HTTP/1.1 response carrying a Kubernetes
 *         Status (502: TLS or pin failure, agent closed; 503: unreachable, timed out).
 * Invariants:
 *   - a connection is touched only on its loop's thread; the registry (api->proxy_mu) is the
 *     only shared state, and the stop path closes connections by posting to their loops;
 *   - at most PIPE_MAX bytes wait for a slow side: its partner's reading pauses until they
 *     drain (backpressure), so memory per connection is bounded;
 *   - nothing is sent to the agent before its certificate matched the pin; the client's
 *     Authorization never reaches it (podproxy.c builds the head).
 * Spec:   src/agent/serve.h; RFC 6455 §4 (the handshake passes through untouched).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "api/api_int.h"
#include "api/podproxy.h"
#include "common/log.h"
#include "pki/pki.h"

#define MOD "podproxy"
#define PIPE_MAX ((size_t)256 << 10)
#define FLUSH_S 10 /* how long a closing side may take to accept what is left */

struct daas_api__proxy_conn {
    daas_api *api;                 /* borrowed; outlives the connection (see stop) */
    daas_http_loop *loop;          /* the client connection's loop */
    struct bufferevent *cli;       /* the client (owned) */
    struct bufferevent *up;        /* the agent (owned); NULL once gone */
    struct event *deadline;        /* dial deadline (owned); NULL after the dial */
    int fd;                        /* the agent socket while TCP connects, else -1 */
    struct event *tcp_ev;          /* its writability while TCP connects (owned) */
    daas_buf head;                 /* the request for the agent, sent after the pin check */
    daas_api__proxy_target target; /* node name, address, pin */
    bool probe;                    /* SPDY: verify the agent, then answer probe_msg (400) */
    char probe_msg[240];
    bool piping;                       /* the agent matched the pin and has the request */
    bool answered;                     /* the agent sent at least one byte */
    bool closing;                      /* one side ended: flush the other, then free */
    daas_api__proxy_conn *prev, *next; /* api->proxies, guarded by api->proxy_mu */
};

typedef daas_api__proxy_conn pconn;

/* ---- registry ---- */

void daas_api__proxy_init(daas_api *api)
{
    pthread_mutex_init(&api->proxy_mu, NULL);
}

void daas_api__proxy_fini(daas_api *api)
{
    if (api->proxies != NULL)
        DAAS_WARN(MOD, "proxied connections still open when the API is freed");
    pthread_mutex_destroy(&api->proxy_mu);
}

/* Adds p unless the API is stopping. */
static bool reg_add(pconn *p)
{
    daas_api *api = p->api;
    pthread_mutex_lock(&api->proxy_mu);
    bool ok = !api->proxy_stopping;
    if (ok) {
        p->next = api->proxies;
        if (api->proxies)
            api->proxies->prev = p;
        api->proxies = p;
    }
    pthread_mutex_unlock(&api->proxy_mu);
    return ok;
}

static void reg_del_locked(pconn *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        p->api->proxies = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->prev = p->next = NULL;
}

int daas_api__proxy_count(daas_api *api)
{
    int n = 0;
    pthread_mutex_lock(&api->proxy_mu);
    for (pconn *p = api->proxies; p != NULL; p = p->next)
        n++;
    pthread_mutex_unlock(&api->proxy_mu);
    return n;
}

/* ---- life and death ---- */

static void pconn_free_unlinked(pconn *p)
{
    if (p->deadline != NULL)
        event_free(p->deadline);
    if (p->tcp_ev != NULL)
        event_free(p->tcp_ev);
    if (p->fd >= 0)
        evutil_closesocket(p->fd);
    if (p->up != NULL)
        bufferevent_free(p->up);
    if (p->cli != NULL)
        bufferevent_free(p->cli);
    daas_buf_fini(&p->head);
    daas_free(p);
}

static void pconn_free(pconn *p)
{
    pthread_mutex_lock(&p->api->proxy_mu);
    reg_del_locked(p);
    pthread_mutex_unlock(&p->api->proxy_mu);
    pconn_free_unlinked(p);
}

typedef struct close_job {
    daas_api *api;
    daas_http_loop *loop;
} close_job;

/* Posted by stop: closes the connections of one loop (on that loop, or after it stopped). */
static void close_loop_conns(void *arg)
{
    close_job *j = arg;
    pconn *mine = NULL;
    pthread_mutex_lock(&j->api->proxy_mu);
    for (pconn *p = j->api->proxies, *next; p != NULL; p = next) {
        next = p->next;
        if (p->loop == j->loop) {
            reg_del_locked(p);
            p->next = mine;
            mine = p;
        }
    }
    pthread_mutex_unlock(&j->api->proxy_mu);
    while (mine != NULL) {
        pconn *p = mine;
        mine = p->next;
        pconn_free_unlinked(p);
    }
    daas_free(j);
}

/* Contract in podproxy.h. One job per loop that has connections. */
void daas_api__proxy_stop(daas_api *api)
{
    daas_http_loop **loops = NULL;
    size_t n = 0, cap = 0;
    pthread_mutex_lock(&api->proxy_mu);
    api->proxy_stopping = true;
    for (pconn *p = api->proxies; p != NULL; p = p->next)
        cap++;
    loops = daas_xcalloc(cap ? cap : 1, sizeof *loops);
    for (pconn *p = api->proxies; p != NULL; p = p->next) {
        size_t i = 0;
        while (i < n && loops[i] != p->loop)
            i++;
        if (i == n)
            loops[n++] = p->loop;
    }
    pthread_mutex_unlock(&api->proxy_mu);
    for (size_t i = 0; i < n; i++) {
        close_job *j = daas_xmalloc(sizeof *j);
        j->api = api;
        j->loop = loops[i];
        daas_http_loop_post(loops[i], close_loop_conns, j);
    }
    daas_free(loops);
}

/* ---- closing ---- */

static void on_flushed(struct bufferevent *bev, void *arg);
static void on_flush_event(struct bufferevent *bev, short what, void *arg);

/* gone has ended (or must end now): the other side gets what is left, then both go. */
static void start_closing(pconn *p, struct bufferevent *gone)
{
    struct bufferevent *other = gone == p->cli ? p->up : p->cli;
    if (other != NULL && p->piping && gone != NULL)
        evbuffer_add_buffer(bufferevent_get_output(other), bufferevent_get_input(gone));
    p->closing = true;
    if (gone == p->up && p->up != NULL) {
        bufferevent_free(p->up);
        p->up = NULL;
    } else if (gone == p->cli && p->cli != NULL) {
        bufferevent_free(p->cli);
        p->cli = NULL;
    }
    if (other == NULL || evbuffer_get_length(bufferevent_get_output(other)) == 0) {
        pconn_free(p);
        return;
    }
    struct timeval tv = {FLUSH_S, 0};
    bufferevent_disable(other, EV_READ);
    bufferevent_setwatermark(other, EV_WRITE, 0, 0);
    bufferevent_setcb(other, NULL, on_flushed, on_flush_event, p);
    bufferevent_set_timeouts(other, NULL, &tv);
    bufferevent_enable(other, EV_WRITE);
}

static void on_flushed(struct bufferevent *bev, void *arg)
{
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        pconn_free(arg);
}

static void on_flush_event(struct bufferevent *bev, short what, void *arg)
{
    pconn_free(arg);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Internal Server Error";
    }
}

/* Answers the client with a Status (the agent never answered) and closes. */
static void fail(pconn *p, int code, const char *fmt, ...) DAAS_PRINTF(3, 4);
static void fail(pconn *p, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    daas_buf b;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    DAAS_INFO(MOD, "%s", msg);
    if (p->deadline != NULL) {
        event_free(p->deadline);
        p->deadline = NULL;
    }
    if (p->tcp_ev != NULL) {
        event_free(p->tcp_ev);
        p->tcp_ev = NULL;
    }
    if (p->fd >= 0) {
        evutil_closesocket(p->fd);
        p->fd = -1;
    }
    daas_buf_init(&b, 64 << 10);
    if (daas_http_status_json(&b, code, msg) == DAAS_OK)
        evbuffer_add_printf(bufferevent_get_output(p->cli),
                            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                            daas_err_http(code), reason_phrase(daas_err_http(code)), b.len, b.data);
    daas_buf_fini(&b);
    p->piping = false;
    start_closing(p, p->up);
}

/* ---- piping ---- */

/* Moves src's input to dst's output; pauses src while dst has too much waiting. */
static void pipe_bytes(struct bufferevent *src, struct bufferevent *dst)
{
    struct evbuffer *out = bufferevent_get_output(dst);
    evbuffer_add_buffer(out, bufferevent_get_input(src));
    if (evbuffer_get_length(out) >= PIPE_MAX)
        bufferevent_disable(src, EV_READ);
}

static void on_cli_read(struct bufferevent *bev, void *arg)
{
    pconn *p = arg;
    if (p->piping)
        pipe_bytes(bev, p->up);
}

static void on_up_read(struct bufferevent *bev, void *arg)
{
    pconn *p = arg;
    p->answered = true;
    pipe_bytes(bev, p->cli);
}

/* dst drained (write low-water mark 0): its partner may read again. */
static void on_cli_write(struct bufferevent *bev, void *arg)
{
    pconn *p = arg;
    if (p->piping && p->up != NULL)
        bufferevent_enable(p->up, EV_READ);
}

static void on_up_write(struct bufferevent *bev, void *arg)
{
    pconn *p = arg;
    if (p->piping)
        bufferevent_enable(p->cli, EV_READ);
}

static void on_cli_event(struct bufferevent *bev, short what, void *arg)
{
    pconn *p = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        start_closing(p, p->cli);
}

/* The agent is who the Node says: send the request and start piping. */
static void start_piping(pconn *p)
{
    struct evbuffer *out = bufferevent_get_output(p->up);
    if (p->probe) {
        fail(p, DAAS_EINVAL, "%s", p->probe_msg);
        return;
    }
    evbuffer_add(out, p->head.data, p->head.len);
    daas_buf_fini(&p->head);
    p->piping = true;
    evbuffer_add_buffer(out, bufferevent_get_input(p->cli)); /* bytes sent early */
    bufferevent_setcb(p->cli, on_cli_read, on_cli_write, on_cli_event, p);
    bufferevent_enable(p->cli, EV_READ | EV_WRITE);
    bufferevent_enable(p->up, EV_READ | EV_WRITE);
}

/* Why the TLS handshake failed, for the message. */
static void tls_error(pconn *p, char *buf, size_t n)
{
    unsigned long e = bufferevent_get_openssl_error(p->up);
    if (e != 0 && ERR_GET_LIB(e) != 0) {
        char s[200];
        ERR_error_string_n(e, s, sizeof s);
        /* (the hostport is short; truncating a long OpenSSL reason is fine) */
        int w = snprintf(buf, n, "TLS handshake with %.80s failed: ", p->target.hostport);
        if (w > 0 && (size_t)w < n)
            snprintf(buf + w, n - (size_t)w, "%.150s", s);
    } else {
        /* libevent reports a socket error as the bare SSL_ERROR_SYSCALL code (lib 0). */
        snprintf(buf, n, "TLS handshake with %s failed: the connection was closed or reset",
                 p->target.hostport);
    }
    ERR_clear_error();
}

static void on_up_event(struct bufferevent *bev, short what, void *arg)
{
    pconn *p = arg;
    char why[300];
    if (what & BEV_EVENT_CONNECTED) {
        event_free(p->deadline);
        p->deadline = NULL;
        if (!daas_pki_peer_sha256_is(bufferevent_openssl_get_ssl(bev), p->target.fp))
            fail(p, DAAS_EREMOTE,
                 "error dialing backend: node %s: agent certificate does not match the "
                 "Node's daas.io/agent-cert-sha256",
                 p->target.node);
        else
            start_piping(p);
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
        return;
    if (p->deadline != NULL) {
        tls_error(p, why, sizeof why);
        fail(p, DAAS_EREMOTE, "error dialing backend: node %s: %s", p->target.node, why);
    } else if (!p->answered) {
        fail(p, DAAS_EREMOTE, "node %s: the agent closed the connection without answering",
             p->target.node);
    } else {
        start_closing(p, p->up);
    }
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    pconn *p = arg;
    fail(p, DAAS_EUNAVAIL, "error dialing backend: node %s: no answer from %s within %d s",
         p->target.node, p->target.hostport, DAAS_API_PROXY_DIAL_MS / 1000);
}

/* ---- start ---- */

/* TCP is up (or failed): on to the TLS handshake, which libevent starts at once. */
static void on_tcp(evutil_socket_t fd, short what, void *arg)
{
    pconn *p = arg;
    int e = 0;
    socklen_t el = sizeof e;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
        e = errno;
    event_free(p->tcp_ev);
    p->tcp_ev = NULL;
    if (e != 0) {
        fail(p, DAAS_EUNAVAIL, "error dialing backend: node %s: cannot connect to %s: %s",
             p->target.node, p->target.hostport, strerror(e));
        return;
    }
    SSL *ssl = SSL_new(p->api->agent_tls);
    /* On failure libevent frees ssl (CLOSE_ON_FREE) but leaves fd to us. */
    p->up = ssl == NULL
                ? NULL
                : bufferevent_openssl_socket_new(event_get_base(p->deadline), fd, ssl,
                                                 BUFFEREVENT_SSL_CONNECTING,
                                                 BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (p->up == NULL) {
        ERR_clear_error();
        fail(p, DAAS_EINTERNAL, "node %s: cannot set up a TLS connection", p->target.node);
        return;
    }
    p->fd = -1; /* the bufferevent's now */
    bufferevent_openssl_set_allow_dirty_shutdown(p->up, 1);
    bufferevent_setcb(p->up, on_up_read, on_up_write, on_up_event, p);
    bufferevent_setwatermark(p->up, EV_READ, 0, PIPE_MAX);
    bufferevent_enable(p->up, EV_READ | EV_WRITE);
}

/* Starts the TCP connect; a failure known at once is an error for the caller to answer. */
static int dial(pconn *p, struct event_base *base, daas_err *err)
{
    struct sockaddr_storage ss;
    int sl = sizeof ss, one = 1;
    if (evutil_parse_sockaddr_port(p->target.hostport, (struct sockaddr *)&ss, &sl) != 0)
        return daas_fail(err, DAAS_EUNAVAIL, "node %s: bad agent address %s", p->target.node,
                         p->target.hostport);
    p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0)
        return daas_fail(err, DAAS_EUNAVAIL, "error dialing backend: node %s: socket: %s",
                         p->target.node, strerror(errno));
    setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(p->fd, (struct sockaddr *)&ss, (socklen_t)sl) != 0 && errno != EINPROGRESS)
        return daas_fail(err, DAAS_EUNAVAIL,
                         "error dialing backend: node %s: cannot connect to %s: %s", p->target.node,
                         p->target.hostport, strerror(errno));
    p->tcp_ev = event_new(base, p->fd, EV_WRITE, on_tcp, p);
    if (p->tcp_ev == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "event_new failed");
    return DAAS_OK;
}

/* Contract in podproxy.h. */
int daas_api__proxy_start(daas_api *api, daas_http_resp *resp, daas_api__proxy_dial *d,
                          daas_err *err)
{
    daas_http_loop *loop = daas_http_resp_loop(resp);
    if (api->agent_tls == NULL || loop == NULL)
        return daas_fail(err, DAAS_EUNAVAIL,
                         "this server has no client identity for agents: "
                         "logs and exec are not available");
    pconn *p = daas_xcalloc(1, sizeof *p);
    struct event_base *base = daas_http_loop_base(loop);
    p->api = api;
    p->loop = loop;
    p->target = d->target;
    p->probe = d->probe;
    p->fd = -1;
    snprintf(p->probe_msg, sizeof p->probe_msg, "%s", d->probe_msg ? d->probe_msg : "");
    int rc = dial(p, base, err);
    if (rc == DAAS_OK && !reg_add(p))
        rc = daas_fail(err, DAAS_EUNAVAIL, "the server is shutting down");
    if (rc != DAAS_OK) {
        pconn_free_unlinked(p);
        return rc;
    }
    rc = daas_http_hijack(resp, &p->cli, err);
    if (rc != DAAS_OK) {
        pconn_free(p);
        return rc;
    }
    p->head = d->head;
    memset(&d->head, 0, sizeof d->head);
    struct timeval tv = {DAAS_API_PROXY_DIAL_MS / 1000, (DAAS_API_PROXY_DIAL_MS % 1000) * 1000};
    p->deadline = evtimer_new(base, on_deadline, p);
    evtimer_add(p->deadline, &tv);
    event_add(p->tcp_ev, NULL);
    /* Until the agent is verified the client is not read; its events still matter. */
    bufferevent_setcb(p->cli, NULL, on_cli_write, on_cli_event, p);
    bufferevent_setwatermark(p->cli, EV_READ, 0, PIPE_MAX);
    bufferevent_enable(p->cli, EV_WRITE);
    return DAAS_OK;
}
