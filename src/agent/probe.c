/*
 * probe.c: container probes (see probe.h): parsing a core/v1 Probe, scheduling and
 *          thresholds, and the two network probes (httpGet over plain HTTP, tcpSocket).
 *
 * Owns:   the socket of one network probe for the probe's duration.
 * Invariants: every wait is bounded by the probe's timeout; at most
 *         DAAS_AGENT_PROBE_MAX_REPLY bytes of an HTTP answer are read.
 * Spec:   Kubernetes core/v1 Probe; kubelet pkg/probe/http (2xx and 3xx succeed,
 *         "HTTP probe failed with statuscode: N"), pkg/probe/tcp.
 */
#include "agent/probe.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"

static int int_field(const json_t *o, const char *k, int dflt, int min)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        return dflt;
    json_int_t x = json_integer_value(v);
    if (x < min)
        return min;
    return x > 86400 ? 86400 : (int)x;
}

/* A port given as a number or as the name of one of the container's ports. */
static int resolve_port(const json_t *port, const json_t *container, int *out, daas_err *err)
{
    if (json_is_integer(port)) {
        json_int_t v = json_integer_value(port);
        if (v < 1 || v > 65535)
            return daas_fail(err, DAAS_EINVAL, "probe port %lld out of range", (long long)v);
        *out = (int)v;
        return DAAS_OK;
    }
    const char *name = json_string_value(port);
    if (name == NULL)
        return daas_fail(err, DAAS_EINVAL, "probe without a port");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(container, "ports"), i, p)
    {
        const char *pn = json_string_value(json_object_get(p, "name"));
        json_int_t cp = json_integer_value(json_object_get(p, "containerPort"));
        if (pn != NULL && strcmp(pn, name) == 0 && cp >= 1 && cp <= 65535) {
            *out = (int)cp;
            return DAAS_OK;
        }
    }
    return daas_fail(err, DAAS_EINVAL, "probe port %.64s: no container port of that name", name);
}

static int parse_exec(const json_t *ex, daas_agent_probe *out, daas_err *err)
{
    const json_t *cmd = json_object_get(ex, "command");
    size_t n = json_array_size(cmd);
    if (n == 0)
        return daas_fail(err, DAAS_EINVAL, "exec probe without a command");
    out->cmd = daas_xcalloc(n + 1, sizeof *out->cmd);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(cmd, i));
        if (s == NULL)
            return daas_fail(err, DAAS_EINVAL, "exec probe: command must be strings");
        out->cmd[i] = daas_xstrdup(s);
    }
    out->kind = DAAS_AGENT_PROBE_EXEC;
    return DAAS_OK;
}

static int parse_net(const json_t *h, const json_t *container, int kind, daas_agent_probe *out,
                     daas_err *err)
{
    const char *scheme = json_string_value(json_object_get(h, "scheme"));
    if (scheme != NULL && strcmp(scheme, "HTTP") != 0)
        return daas_fail(err, DAAS_EINVAL, "probe scheme %.16s is not supported", scheme);
    int rc = resolve_port(json_object_get(h, "port"), container, &out->port, err);
    if (rc != DAAS_OK)
        return rc;
    const char *host = json_string_value(json_object_get(h, "host"));
    const char *path = json_string_value(json_object_get(h, "path"));
    out->host = daas_xstrdup(host != NULL ? host : "");
    if (kind == DAAS_AGENT_PROBE_HTTP)
        out->path = daas_xasprintf("%s%s", path != NULL && path[0] == '/' ? "" : "/",
                                   path != NULL ? path : "");
    out->kind = kind;
    return DAAS_OK;
}

int daas_agent_probe_parse(const json_t *probe, const json_t *container, bool initial_ok,
                           daas_agent_probe *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    out->ok = initial_ok;
    if (probe == NULL || json_is_null(probe))
        return DAAS_OK;
    if (!json_is_object(probe))
        return daas_fail(err, DAAS_EINVAL, "probe is not an object");
    out->initial_delay_s = int_field(probe, "initialDelaySeconds", 0, 0);
    out->period_s = int_field(probe, "periodSeconds", 10, 1);
    out->timeout_s = int_field(probe, "timeoutSeconds", 1, 1);
    out->failure_threshold = int_field(probe, "failureThreshold", 3, 1);
    out->success_threshold = int_field(probe, "successThreshold", 1, 1);
    const json_t *h;
    if ((h = json_object_get(probe, "exec")) != NULL)
        return parse_exec(h, out, err);
    if ((h = json_object_get(probe, "httpGet")) != NULL)
        return parse_net(h, container, DAAS_AGENT_PROBE_HTTP, out, err);
    if ((h = json_object_get(probe, "tcpSocket")) != NULL)
        return parse_net(h, container, DAAS_AGENT_PROBE_TCP, out, err);
    return daas_fail(err, DAAS_EINVAL, "probe without exec, httpGet or tcpSocket");
}

void daas_agent_probe_fini(daas_agent_probe *p)
{
    for (size_t i = 0; p->cmd != NULL && p->cmd[i] != NULL; i++)
        daas_free(p->cmd[i]);
    daas_free(p->cmd);
    daas_free(p->host);
    daas_free(p->path);
    memset(p, 0, sizeof *p);
}

bool daas_agent_probe_due(const daas_agent_probe *p, int64_t started_ms, int64_t now_ms)
{
    if (p->kind == DAAS_AGENT_PROBE_NONE)
        return false;
    if (p->next_ms == 0)
        return now_ms >= started_ms + (int64_t)p->initial_delay_s * 1000;
    return now_ms >= p->next_ms;
}

bool daas_agent_probe_record(daas_agent_probe *p, bool ok, int64_t now_ms)
{
    bool was = p->ok;
    p->next_ms = now_ms + (int64_t)p->period_s * 1000;
    if (ok) {
        p->failures = 0;
        if (++p->successes >= p->success_threshold)
            p->ok = true;
    } else {
        p->successes = 0;
        if (++p->failures >= p->failure_threshold)
            p->ok = false;
    }
    return was != p->ok;
}

void daas_agent_probe_reset(daas_agent_probe *p, bool initial_ok)
{
    p->next_ms = 0;
    p->successes = 0;
    p->failures = 0;
    p->ok = initial_ok;
}

int daas_agent_probe_http_status(const char *buf, size_t n)
{
    /* "HTTP/1.x NNN" then a space, CR or the end */
    if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[7] < '0' || buf[7] > '9' || buf[8] != ' ')
        return -1;
    int code = 0;
    for (size_t i = 9; i < 12; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return -1;
        code = code * 10 + (buf[i] - '0');
    }
    if (code < 100 || (n > 12 && buf[12] != ' ' && buf[12] != '\r' && buf[12] != '\n'))
        return -1;
    return code;
}

/* Waits for events on fd until the absolute monotonic deadline; true when they came. */
static bool wait_fd(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - daas_mono_ns() / 1000000;
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = events};
        int r = poll(&pfd, 1, (int)left);
        if (r > 0)
            return true;
        if (r == 0 || errno != EINTR)
            return false;
    }
}

/* Opens a connection to host:port before the deadline; the socket, or -1 with msg set. */
static int dial(const char *host, int port, int64_t deadline_ms, char *msg, size_t n)
{
    char ps[8];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int g = getaddrinfo(host, ps, &hints, &ai);
    if (g != 0) {
        snprintf(msg, n, "dial tcp %s:%d: lookup: %s", host, port, gai_strerror(g));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int e = 0;
    if (fd < 0) {
        e = errno;
    } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
        e = errno;
    } else if (!wait_fd(fd, POLLOUT, deadline_ms)) {
        e = ETIMEDOUT;
    } else {
        socklen_t el = sizeof e;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
            e = errno;
    }
    freeaddrinfo(ai);
    if (e != 0) {
        char why[128];
        snprintf(why, sizeof why, "%s", e == ETIMEDOUT ? "i/o timeout" : strerror(e));
        if (why[0] >= 'A' && why[0] <= 'Z') /* as Go prints it: "connection refused" */
            why[0] = (char)(why[0] - 'A' + 'a');
        snprintf(msg, n, "dial tcp %s:%d: connect: %s", host, port, why);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

bool daas_agent_probe_tcp(const char *host, int port, int timeout_ms, char *msg, size_t n)
{
    int fd = dial(host, port, daas_mono_ns() / 1000000 + timeout_ms, msg, n);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Sends the request and reads up to the end of the status line. */
static int http_exchange(int fd, const char *host, int port, const char *path, int64_t dl,
                         char *buf, size_t cap, size_t *got)
{
    char *req = daas_xasprintf("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: kube-probe/1.32\r\n"
                               "Accept: */*\r\nConnection: close\r\n\r\n",
                               path, host, port);
    size_t len = strlen(req), off = 0;
    int rc = DAAS_OK;
    while (off < len && rc == DAAS_OK) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w > 0)
            off += (size_t)w;
        else if (w < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, dl))
            continue;
        else
            rc = errno == EAGAIN ? DAAS_ETIMEOUT : DAAS_EIO;
    }
    daas_free(req);
    *got = 0;
    while (rc == DAAS_OK && *got < cap && memchr(buf, '\n', *got) == NULL) {
        ssize_t r = recv(fd, buf + *got, cap - *got, 0);
        if (r > 0)
            *got += (size_t)r;
        else if (r == 0)
            break;
        else if (errno != EAGAIN && errno != EINTR)
            rc = DAAS_EIO;
        else if (errno == EAGAIN && !wait_fd(fd, POLLIN, dl))
            rc = DAAS_ETIMEOUT;
    }
    return rc;
}

bool daas_agent_probe_http(const char *host, int port, const char *path, int timeout_ms, char *msg,
                           size_t n)
{
    int64_t dl = daas_mono_ns() / 1000000 + timeout_ms;
    char dmsg[200];
    int fd = dial(host, port, dl, dmsg, sizeof dmsg);
    if (fd < 0) {
        snprintf(msg, n, "Get \"http://%s:%d%s\": %s", host, port, path, dmsg);
        return false;
    }
    char buf[DAAS_AGENT_PROBE_MAX_REPLY];
    size_t got = 0;
    int rc = http_exchange(fd, host, port, path, dl, buf, sizeof buf, &got);
    close(fd);
    if (rc != DAAS_OK) {
        snprintf(msg, n, "Get \"http://%s:%d%s\": %s", host, port, path,
                 rc == DAAS_ETIMEOUT ? "context deadline exceeded (Client.Timeout exceeded "
                                       "while awaiting headers)"
                                     : "connection reset");
        return false;
    }
    int code = daas_agent_probe_http_status(buf, got);
    if (code < 0) {
        snprintf(msg, n, "Get \"http://%s:%d%s\": malformed HTTP response", host, port, path);
        return false;
    }
    if (code < 200 || code >= 400) {
        snprintf(msg, n, "HTTP probe failed with statuscode: %d", code);
        return false;
    }
    return true;
}
