/*
 * serve_exec.c: GET|POST /exec/{ns}/{pod}/{container}: kubectl exec over WebSocket with the
 * Kubernetes channel protocol (v5.channel.k8s.io, v4.channel.k8s.io), run by `runc exec`.
 *
 * Owns:   one session per upgraded connection: the hijacked bufferevent, the `runc exec`
 *         process and its pipes (daas_rt_proc), the pipe and reap events, the frame reader.
 * Does not own: the HTTP server (it hands the connection over; see daas_http_hijack).
 * Model:  channel protocol: every WebSocket message is binary, its first byte the channel:
 *         0 stdin, 1 stdout, 2 stderr, 3 error (a Status JSON, sent once at the end), 4 resize
 *         (a terminal's size, JSON {"Width","Height"}); v5 adds [255, channel]: the client closed
 * that channel (stdin → the process's stdin is closed). With tty=true the process gets a terminal
 * (runc exec --tty): one output stream on channel 1, resizes applied. Invariants:
 *   - a session lives on its loop thread; the server's stop posts a kill to every session
 *     and waits for them (daas_agent__exec_stop_all) before the loops end;
 *   - when the client goes, the exec'd process is SIGKILLed and reaped, and everything of
 *     the session is freed;
 *   - at most EXEC_MAX_PENDING bytes of output wait for a slow client (pipe reads pause),
 *     and at most EXEC_MAX_STDIN bytes of stdin wait for the process (then the session
 *     fails).
 * Spec:   k8s.io/apimachinery/pkg/util/remotecommand (protocols), kubelet's exec Status
 *         (NonZeroExitCode, ExitCode cause); RFC 6455.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/serve_int.h"
#include "agent/ws.h"
#include "common/log.h"
#include "common/util.h"

#define EXEC_MAX_MSG ((size_t)1 << 20)
#define EXEC_MAX_PENDING ((size_t)1 << 20)
#define EXEC_MAX_STDIN ((size_t)4 << 20)
#define EXEC_MAX_ARGS 256

struct daas_agent__exec {
    daas_agent_srv *s;
    daas_agent__exec *next, *prev; /* s->execs, guarded by s->mu */
    bool kill_posted;              /* guarded by s->mu: stop_all posted exec_killed */
    bool torn;                     /* guarded by s->mu: resources freed, struct kept */
    daas_http_loop *loop;          /* the loop the session lives on */
    struct event_base *base;       /* its libevent base */
    struct bufferevent *ws;        /* the client's connection */
    struct event *out_ev, *err_ev; /* stdout/stderr readable */
    struct event *in_ev;           /* stdin writable (while inbuf holds bytes) */
    struct event *tick;            /* reaps `runc exec` */
    struct evbuffer *inbuf;        /* stdin bytes waiting for the process */
    daas_ws_reader rd;
    daas_rt_proc proc;
    int version;             /* 4 or 5 */
    bool want_out, want_err; /* the client asked for stdout / stderr */
    bool out_eof, err_eof;
    bool stdin_close; /* close stdin once inbuf is written */
    bool exited;      /* runc exec reaped; exit_code set */
    int exit_code;
    char id[132];    /* the container's runc id (for the log) */
    int64_t exit_ms; /* when it was reaped (the pipes get 1 s more) */
    bool closing;    /* the close frame is queued: free once flushed */
};

static void exec_end(daas_agent__exec *x);

/* event_add / event_del that accept NULL (a tty session has no stderr event). */
static void ev_on(struct event *ev)
{
    if (ev != NULL) {
        event_add(ev, NULL);
    }
}

static void ev_off(struct event *ev)
{
    if (ev != NULL) {
        event_del(ev);
    }
}

/* ---- request checks (before the upgrade) ---- */

/* Contract in serve_int.h. */
int daas_agent__ws_version(const char *offer)
{
    int best = 0;
    for (const char *p = offer; p != NULL && *p != '\0';) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t,");
        if (n == 17 && strncmp(p, "v5.channel.k8s.io", n) == 0) {
            best = 5;
        } else if (n == 17 && strncmp(p, "v4.channel.k8s.io", n) == 0 && best < 4) {
            best = 4;
        }
        p += n;
    }
    return best;
}

/* True when header name's comma-separated value list holds token (case-insensitive). */
static bool header_has(const daas_http_req *req, const char *name, const char *token)
{
    const char *v = daas_http_req_header(req, name);
    size_t tl = strlen(token);
    for (const char *p = v; p != NULL && *p != '\0';) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t,");
        if (n == tl && strncasecmp(p, token, n) == 0) {
            return true;
        }
        p += n;
    }
    return false;
}

static int check_upgrade(const daas_http_req *req, int *version, char accept[29], daas_err *err)
{
    if (!header_has(req, "Upgrade", "websocket") || !header_has(req, "Connection", "upgrade")) {
        return daas_fail(err, DAAS_EINVAL, "exec needs a WebSocket upgrade (Upgrade: websocket)");
    }
    const char *ver = daas_http_req_header(req, "Sec-WebSocket-Version");
    if (ver == NULL || strcmp(ver, "13") != 0) {
        return daas_fail(err, DAAS_EINVAL, "Sec-WebSocket-Version: 13 required");
    }
    *version = daas_agent__ws_version(daas_http_req_header(req, "Sec-WebSocket-Protocol"));
    if (*version == 0) {
        return daas_fail(err, DAAS_EINVAL,
                         "exec needs the WebSocket protocol "
                         "v5.channel.k8s.io or v4.channel.k8s.io");
    }
    return daas_ws_accept(daas_http_req_header(req, "Sec-WebSocket-Key"), accept, err);
}

/* Percent-decodes s[0..n) ('+' is a space) into a new string; NULL when malformed or
 * holding a NUL. */
static char *pct_decode(const char *s, size_t n)
{
    char *o = daas_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? daas_hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? daas_hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                daas_free(o);
                return NULL;
            }
            o[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            o[k++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    o[k] = '\0';
    return o;
}

/* Contract in serve_int.h. */
int daas_agent__exec_command(const char *q, char ***out, daas_err *err)
{
    char **v = daas_xcalloc(EXEC_MAX_ARGS + 1, sizeof *v);
    size_t n = 0;
    int rc = DAAS_OK;
    for (const char *p = q; rc == DAAS_OK && p != NULL && *p != '\0';) {
        size_t len = strcspn(p, "&");
        if (len > 8 && strncmp(p, "command=", 8) == 0) {
            char *arg = pct_decode(p + 8, len - 8);
            if (arg == NULL || n == EXEC_MAX_ARGS) {
                daas_free(arg);
                rc = daas_fail(err, DAAS_EINVAL, "command: malformed or over %d arguments",
                               EXEC_MAX_ARGS);
            } else {
                v[n++] = arg;
            }
        }
        p += len + (p[len] == '&');
    }
    if (rc == DAAS_OK && n == 0) {
        rc = daas_fail(err, DAAS_EINVAL, "you must specify at least 1 command");
    }
    if (rc != DAAS_OK) {
        daas_rt_strv_free(&v);
        return rc;
    }
    *out = v;
    return DAAS_OK;
}

/* ---- the session ---- */

/* Queues one channel message: [channel] + p[0..n). */
static int send_chan(daas_agent__exec *x, uint8_t ch, const void *p, size_t n)
{
    daas_buf b, tmp;
    daas_buf_init(&b, n + 16);
    daas_buf_init(&tmp, n + 1);
    int rc = daas_buf_append(&tmp, &ch, 1);
    if (rc == DAAS_OK && n > 0) {
        rc = daas_buf_append(&tmp, p, n);
    }
    if (rc == DAAS_OK) {
        rc = daas_ws_encode(&b, DAAS_WS_BINARY, true, tmp.data, tmp.len, NULL);
    }
    if (rc == DAAS_OK && bufferevent_write(x->ws, b.data, b.len) != 0) {
        rc = DAAS_EIO;
    }
    daas_buf_fini(&tmp);
    daas_buf_fini(&b);
    return rc;
}

/* The Status sent on channel 3 at the end: Success, NonZeroExitCode with the code as the
 * cause (the kubelet's shape), or InternalError when runc failed to start the process. */
static char *status_json(daas_agent__exec *x)
{
    json_t *j;
    char rmsg[200];
    int code = x->exit_code;
    if (code == 0) {
        j = json_pack("{s:{},s:s}", "metadata", "status", "Success");
    } else if (daas_rt_exec_runc_error(&x->proc, rmsg, sizeof rmsg)) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "error executing command in container: OCI runtime exec "
                 "failed: %s",
                 rmsg);
        j = json_pack("{s:{},s:s,s:s,s:s,s:i}", "metadata", "status", "Failure", "message", msg,
                      "reason", "InternalError", "code", 500);
    } else {
        char msg[96], num[16];
        snprintf(msg, sizeof msg, "command terminated with non-zero exit code: exit status %d",
                 code);
        snprintf(num, sizeof num, "%d", code);
        j = json_pack("{s:{},s:s,s:s,s:s,s:{s:[{s:s,s:s}]}}", "metadata", "status", "Failure",
                      "message", msg, "reason", "NonZeroExitCode", "details", "causes", "reason",
                      "ExitCode", "message", num);
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *out = daas_xstrdup(s != NULL ? s : "{}");
    free(s); /* jansson's allocation */
    return out;
}

/* Sends the final Status (when status), a close frame, and frees the session once the
 * client has them. */
static void exec_finish(daas_agent__exec *x, const char *status, uint16_t code, const char *reason)
{
    if (x->closing) {
        return;
    }
    x->closing = true;
    ev_off(x->out_ev);
    ev_off(x->err_ev);
    bufferevent_disable(x->ws, EV_READ);
    struct timeval wt = {10, 0}; /* a client that stops reading does not keep us */
    bufferevent_set_timeouts(x->ws, NULL, &wt);
    daas_buf b;
    daas_buf_init(&b, 256);
    if ((status == NULL || send_chan(x, 3, status, strlen(status)) == DAAS_OK) &&
        daas_ws_encode_close(&b, code, reason, NULL) == DAAS_OK) {
        (void)bufferevent_write(x->ws, b.data, b.len);
    }
    daas_buf_fini(&b);
    if (evbuffer_get_length(bufferevent_get_output(x->ws)) == 0) {
        exec_end(x);
    }
}

/* The exit status is known and the pipes are drained (or had their second): finish. */
static void maybe_done(daas_agent__exec *x)
{
    bool drained = x->out_eof && x->err_eof;
    if (x->closing || !x->exited || (!drained && daas_now_ms() - x->exit_ms < 1000)) {
        return;
    }
    DAAS_INFO("agent", "exec in %s ended: exit %d", x->id, x->exit_code);
    char *st = status_json(x);
    exec_finish(x, st, DAAS_WS_CLOSE_NORMAL, "");
    daas_free(st);
}

/* stdout or stderr is readable. */
static void on_pipe(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    daas_agent__exec *x = arg;
    bool is_out = fd == x->proc.out_fd;
    char buf[32768];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) { /* EOF; EIO on a pty master once the terminal's last user is gone */
        ev_off(is_out ? x->out_ev : x->err_ev);
        *(is_out ? &x->out_eof : &x->err_eof) = true;
        maybe_done(x);
        return;
    }
    if ((is_out ? x->want_out : x->want_err) &&
        send_chan(x, is_out ? 1 : 2, buf, (size_t)n) != DAAS_OK) {
        exec_finish(x, NULL, DAAS_WS_CLOSE_INTERNAL, "write failed");
        return;
    }
    if (evbuffer_get_length(bufferevent_get_output(x->ws)) > EXEC_MAX_PENDING) {
        ev_off(x->out_ev); /* a slow client: resume from on_ws_write */
        ev_off(x->err_ev);
    }
}

static void close_stdin(daas_agent__exec *x)
{
    if (x->proc.in_fd >= 0) {
        ev_off(x->in_ev);
        close(x->proc.in_fd);
        x->proc.in_fd = -1;
    }
}

/* stdin is writable: hand the process what the client sent. */
static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    daas_agent__exec *x = arg;
    int n = evbuffer_write(x->inbuf, fd);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        evbuffer_drain(x->inbuf, evbuffer_get_length(x->inbuf)); /* the process closed it */
        x->stdin_close = true;
    }
    if (evbuffer_get_length(x->inbuf) == 0) {
        ev_off(x->in_ev);
        if (x->stdin_close) {
            close_stdin(x);
        }
    }
}

/* Channel 4: {"Width":w,"Height":h} (a malformed one is ignored, as the kubelet does). */
static void resize(daas_agent__exec *x, const uint8_t *p, size_t n)
{
    json_t *j = json_loadb((const char *)p, n, 0, NULL);
    json_int_t w = json_integer_value(json_object_get(j, "Width"));
    json_int_t h = json_integer_value(json_object_get(j, "Height"));
    if (w > 0 && h > 0 && daas_rt_exec_resize(&x->proc, (unsigned)w, (unsigned)h) != DAAS_OK) {
        DAAS_DEBUG("agent", "exec: resize failed");
    }
    json_decref(j);
}

/* One channel message from the client. */
static int on_message(daas_agent__exec *x, const uint8_t *p, size_t n)
{
    if (n == 0) {
        return DAAS_OK;
    }
    if (p[0] == 0 && x->proc.in_fd >= 0 && !x->stdin_close) {
        if (evbuffer_get_length(x->inbuf) + n > EXEC_MAX_STDIN) {
            return DAAS_ETOOBIG;
        }
        evbuffer_add(x->inbuf, p + 1, n - 1);
        ev_on(x->in_ev);
    } else if (p[0] == 255 && x->version >= 5 && n == 2 && p[1] == 0) {
        x->stdin_close = true;
        if (evbuffer_get_length(x->inbuf) == 0) {
            close_stdin(x);
        }
    } else if (p[0] == 4 && x->proc.tty) {
        resize(x, p + 1, n - 1);
    }
    /* input on channels the process does not read is dropped */
    return DAAS_OK;
}

/* Handles what the client sent; false when the session ended. */
static bool pump_ws(daas_agent__exec *x)
{
    struct evbuffer *in = bufferevent_get_input(x->ws);
    for (;;) {
        size_t len = evbuffer_get_length(in), used = 0;
        if (len == 0) {
            return true;
        }
        const uint8_t *d = evbuffer_pullup(in, (ev_ssize_t)len);
        daas_ws_msg m;
        daas_err err = {0};
        int rc = daas_ws_reader_next(&x->rd, d, len, &used, &m, &err);
        if (rc == DAAS_EAGAIN) {
            return true;
        }
        if (rc == DAAS_OK && m.opcode == DAAS_WS_BINARY) {
            rc = on_message(x, m.data, m.len);
        } else if (rc == DAAS_OK && m.opcode == DAAS_WS_PING) {
            daas_buf b;
            daas_buf_init(&b, 256);
            if (daas_ws_encode(&b, DAAS_WS_PONG, true, m.data, m.len, NULL) == DAAS_OK) {
                (void)bufferevent_write(x->ws, b.data, b.len);
            }
            daas_buf_fini(&b);
        } else if (rc == DAAS_OK && m.opcode == DAAS_WS_CLOSE) {
            exec_finish(x, NULL, DAAS_WS_CLOSE_NORMAL, ""); /* the client is done */
            return false;
        }
        if (rc != DAAS_OK) {
            exec_finish(x, NULL, rc == DAAS_ETOOBIG ? DAAS_WS_CLOSE_TOOBIG : DAAS_WS_CLOSE_PROTOCOL,
                        rc == DAAS_ETOOBIG ? "too big" : "protocol error");
            return false;
        }
        evbuffer_drain(in, used);
    }
}

static void on_ws_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    (void)pump_ws(arg);
}

static void on_ws_write(struct bufferevent *bev, void *arg)
{
    daas_agent__exec *x = arg;
    size_t left = evbuffer_get_length(bufferevent_get_output(bev));
    if (x->closing) {
        if (left == 0) {
            exec_end(x);
        }
        return;
    }
    if (left <= EXEC_MAX_PENDING / 2) {
        if (!x->out_eof) {
            ev_on(x->out_ev);
        }
        if (!x->err_eof) {
            ev_on(x->err_ev);
        }
    }
}

/* The client went away (or the TLS stream failed): kill the process, free the session. */
static void on_ws_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        exec_end(arg);
    }
}

/* Every 50 ms: has `runc exec` ended? */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    daas_agent__exec *x = arg;
    if (!x->exited && daas_rt_exec_poll(&x->proc, &x->exit_code) == DAAS_OK) {
        x->exited = true;
        x->exit_ms = daas_now_ms();
    }
    maybe_done(x);
}

/* Frees everything but the struct (loop thread). */
static void exec_teardown(daas_agent__exec *x)
{
    struct event *evs[] = {x->out_ev, x->err_ev, x->in_ev, x->tick};
    for (size_t i = 0; i < 4; i++) {
        if (evs[i] != NULL) {
            event_free(evs[i]);
        }
    }
    x->out_ev = x->err_ev = x->in_ev = x->tick = NULL;
    if (x->ws != NULL) {
        bufferevent_free(x->ws);
        x->ws = NULL;
    }
    if (x->inbuf != NULL) {
        evbuffer_free(x->inbuf);
        x->inbuf = NULL;
    }
    daas_rt_exec_fini(&x->proc); /* kills and reaps a process still running */
    daas_ws_reader_fini(&x->rd);
}

/* Unlinks and frees the struct. */
static void exec_release(daas_agent__exec *x)
{
    daas_agent_srv *s = x->s;
    pthread_mutex_lock(&s->mu);
    if (x->prev != NULL) {
        x->prev->next = x->next;
    } else {
        s->execs = x->next;
    }
    if (x->next != NULL) {
        x->next->prev = x->prev;
    }
    s->nexecs--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    daas_free(x);
}

static void exec_end(daas_agent__exec *x)
{
    exec_teardown(x);
    pthread_mutex_lock(&x->s->mu);
    bool posted = x->kill_posted;
    x->torn = true;
    pthread_mutex_unlock(&x->s->mu);
    if (!posted) {
        exec_release(x); /* else the posted exec_killed releases it */
    }
}

/* Posted by stop_all onto the session's loop. */
static void exec_killed(void *arg)
{
    daas_agent__exec *x = arg;
    pthread_mutex_lock(&x->s->mu);
    bool torn = x->torn;
    pthread_mutex_unlock(&x->s->mu);
    if (!torn) {
        exec_teardown(x);
    }
    exec_release(x);
}

typedef struct exec_req {
    int version;
    char accept[29];
    char **argv;
    bool in, out, err, tty;
    daas_agent__target t;
} exec_req;

static int parse_exec(daas_agent_srv *s, const daas_http_req *req, const char *rest, exec_req *e,
                      daas_err *err)
{
    int rc = daas_agent__target_parse(rest, req->query, &e->t, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    const char *q = req->query;
    rc = daas_agent__query_bool(q, "stdin", &e->in, err);
    rc = rc == DAAS_OK ? daas_agent__query_bool(q, "stdout", &e->out, err) : rc;
    rc = rc == DAAS_OK ? daas_agent__query_bool(q, "stderr", &e->err, err) : rc;
    rc = rc == DAAS_OK ? daas_agent__query_bool(q, "tty", &e->tty, err) : rc;
    if (rc == DAAS_OK && e->tty && e->err) {
        rc = daas_fail(err, DAAS_EINVAL, "stdout and stderr cannot both be set with tty");
    }
    rc = rc == DAAS_OK ? daas_agent__exec_command(q, &e->argv, err) : rc;
    rc = rc == DAAS_OK ? check_upgrade(req, &e->version, e->accept, err) : rc;
    rc = rc == DAAS_OK ? daas_agent__find_run(s, &e->t, false, err) : rc;
    if (rc == DAAS_OK && !daas_rt_running(s->rt, e->t.id)) {
        rc = daas_fail(err, DAAS_EINVAL, "container \"%s\" in pod \"%s\" is not running", e->t.ctr,
                       e->t.pod);
    }
    return rc;
}

/* Registers x unless the server is stopping. */
static bool exec_register(daas_agent_srv *s, daas_agent__exec *x)
{
    pthread_mutex_lock(&s->mu);
    bool ok = !s->stopping;
    if (ok) {
        x->next = s->execs;
        if (s->execs != NULL) {
            s->execs->prev = x;
        }
        s->execs = x;
        s->nexecs++;
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* Wires the events of an upgraded session and sends the 101. */
static void exec_wire(daas_agent__exec *x, const exec_req *e)
{
    x->out_ev = event_new(x->base, x->proc.out_fd, EV_READ | EV_PERSIST, on_pipe, x);
    if (x->proc.err_fd >= 0) {
        x->err_ev = event_new(x->base, x->proc.err_fd, EV_READ | EV_PERSIST, on_pipe, x);
    } else {
        x->err_eof = true; /* a terminal: one stream */
    }
    if (x->proc.in_fd >= 0) {
        x->in_ev = event_new(x->base, x->proc.in_fd, EV_WRITE | EV_PERSIST, on_stdin, x);
    }
    x->tick = event_new(x->base, -1, EV_PERSIST, on_tick, x);
    x->inbuf = evbuffer_new();
    struct timeval tv = {0, 50 * 1000};
    ev_on(x->out_ev);
    ev_on(x->err_ev);
    event_add(x->tick, &tv);
    char head[320];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                     "Sec-WebSocket-Protocol: v%d.channel.k8s.io\r\n\r\n",
                     e->accept, x->version);
    (void)bufferevent_write(x->ws, head, (size_t)n);
    bufferevent_setcb(x->ws, on_ws_read, on_ws_write, on_ws_event, x);
    bufferevent_enable(x->ws, EV_READ | EV_WRITE);
    if (evbuffer_get_length(bufferevent_get_input(x->ws)) > 0) {
        (void)pump_ws(x); /* frames that came with the request */
    }
}

void daas_agent__exec_handle(daas_agent_srv *s, const daas_http_req *req, daas_http_resp *resp,
                             const char *rest)
{
    exec_req e = {0};
    daas_err err = {0};
    daas_agent__exec *x = NULL;
    int rc = strcmp(req->method, "GET") == 0 || strcmp(req->method, "POST") == 0
                 ? parse_exec(s, req, rest, &e, &err)
                 : daas_fail(&err, DAAS_EMETHOD, "exec: GET or POST");
    daas_http_loop *loop = daas_http_resp_loop(resp);
    if (rc == DAAS_OK && loop == NULL) {
        rc = daas_fail(&err, DAAS_EINVAL, "exec: not on a connection");
    }
    if (rc == DAAS_OK) {
        x = daas_xcalloc(1, sizeof *x);
        x->s = s;
        x->version = e.version;
        x->want_out = e.out;
        x->want_err = e.err;
        x->loop = loop;
        x->base = daas_http_loop_base(loop);
        daas_ws_reader_init(&x->rd, EXEC_MAX_MSG, true);
        const char *const *argv = (const char *const *)e.argv;
        rc = e.tty ? daas_rt_exec_start_tty(s->rt, e.t.id, argv, &x->proc, &err)
                   : daas_rt_exec_start(s->rt, e.t.id, argv, e.in, &x->proc, &err);
    }
    if (rc == DAAS_OK && !exec_register(s, x)) {
        rc = daas_fail(&err, DAAS_EUNAVAIL, "the agent is stopping");
    }
    if (rc == DAAS_OK && daas_http_hijack(resp, &x->ws, &err) != DAAS_OK) {
        DAAS_WARN("agent", "exec: %s", err.msg);
        exec_end(x); /* the response is no longer ours to answer */
    } else if (rc == DAAS_OK) {
        /* the command is not logged: it may carry what the user keeps secret */
        snprintf(x->id, sizeof x->id, "%s", e.t.id);
        DAAS_INFO("agent", "exec in %s (pid %d%s)", x->id, x->proc.pid, e.tty ? ", tty" : "");
        exec_wire(x, &e);
    } else {
        if (x != NULL) {
            daas_rt_exec_fini(&x->proc);
            daas_ws_reader_fini(&x->rd);
            daas_free(x);
        }
        daas_agent__fail(resp, rc, err.msg);
    }
    daas_rt_strv_free(&e.argv);
    daas_agent__target_fini(&e.t);
}

void daas_agent__exec_stop_all(daas_agent_srv *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    for (daas_agent__exec *x = s->execs; x != NULL; x = x->next) {
        if (!x->kill_posted) {
            x->kill_posted = true;
            daas_http_loop_post(x->loop, exec_killed, x);
        }
    }
    while (s->nexecs > 0) {
        pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
}
