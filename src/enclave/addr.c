/*
 * addr.c: `vsock:CID:PORT`, `unix:PATH` and `tcp:HOST:PORT`: parsing, formatting, and one
 * path (open_addr) that turns any of them into a listening or a connected socket.
 *
 * Owns:   the candidate socket addresses of an address (one for vsock and Unix, one per
 *         resolved address for tcp) and the socket calls made on them.
 * Not:    what travels over the sockets.
 * Invariants: see addr.h. Parsing never resolves names; only listen and connect do.
 * Spec:   specs/nautilus.md §6.1; vsock(7), unix(7).
 */
#include "enclave/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#define MAX_CANDIDATES 8

/* One address to try: what socket() and bind()/connect() need. */
typedef struct cand {
    int family;
    struct sockaddr_storage ss;
    socklen_t len;
} cand;

/* ---- parsing and formatting ---- */

/* Strict decimal: digits only, no sign, no leading blanks, value <= max. */
static bool parse_u32(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_vsock(const char *s, daas_enclave_addr *out, daas_err *err)
{
    const char *colon = strchr(s, ':');
    if (colon == NULL)
        return daas_fail(err, DAAS_EINVAL, "vsock address needs CID:PORT");
    size_t cl = (size_t)(colon - s);
    if (cl == 3 && strncasecmp(s, "any", 3) == 0)
        out->cid = DAAS_ENCLAVE_VSOCK_CID_ANY;
    else if (!parse_u32(s, cl, UINT32_MAX, &out->cid))
        return daas_fail(err, DAAS_EINVAL, "bad vsock CID \"%.*s\"", (int)cl, s);
    if (!parse_u32(colon + 1, strlen(colon + 1), UINT32_MAX, &out->port))
        return daas_fail(err, DAAS_EINVAL, "bad vsock port \"%s\"", colon + 1);
    out->kind = DAAS_ENCLAVE_ADDR_VSOCK;
    return DAAS_OK;
}

static int parse_unix(const char *s, daas_enclave_addr *out, daas_err *err)
{
    size_t n = strlen(s);
    if (n == 0)
        return daas_fail(err, DAAS_EINVAL, "empty Unix socket path");
    if (n >= sizeof out->path)
        return daas_fail(err, DAAS_EINVAL, "Unix socket path longer than %zu bytes",
                         sizeof out->path - 1);
    memcpy(out->path, s, n + 1);
    out->kind = DAAS_ENCLAVE_ADDR_UNIX;
    return DAAS_OK;
}

static int parse_tcp(const char *s, daas_enclave_addr *out, daas_err *err)
{
    const char *host = s, *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return daas_fail(err, DAAS_EINVAL, "bad bracketed host in \"%s\"", s);
        host = s + 1;
        hl = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return daas_fail(err, DAAS_EINVAL, "tcp address needs HOST:PORT");
        hl = (size_t)(colon - s);
        if (memchr(s, ':', hl) != NULL)
            return daas_fail(err, DAAS_EINVAL, "IPv6 host needs brackets: tcp:[%.*s]:PORT", (int)hl,
                             s);
    }
    if (hl == 0 || hl >= sizeof out->host)
        return daas_fail(err, DAAS_EINVAL, "bad tcp host length %zu", hl);
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)host[i] <= ' ' || host[i] == '/' || host[i] == 0x7f)
            return daas_fail(err, DAAS_EINVAL, "bad character in tcp host");
    if (!parse_u32(colon + 1, strlen(colon + 1), 65535, &out->port))
        return daas_fail(err, DAAS_EINVAL, "bad tcp port \"%s\"", colon + 1);
    memcpy(out->host, host, hl);
    out->host[hl] = '\0';
    out->kind = DAAS_ENCLAVE_ADDR_TCP;
    return DAAS_OK;
}

/* Contract in addr.h. */
int daas_enclave_addr_parse(const char *s, daas_enclave_addr *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (s == NULL)
        return daas_fail(err, DAAS_EINVAL, "no address");
    if (strncmp(s, "vsock:", 6) == 0)
        return parse_vsock(s + 6, out, err);
    if (strncmp(s, "unix:", 5) == 0)
        return parse_unix(s + 5, out, err);
    if (strncmp(s, "tcp:", 4) == 0)
        return parse_tcp(s + 4, out, err);
    return daas_fail(err, DAAS_EINVAL,
                     "address \"%.64s\" is not vsock:CID:PORT, unix:PATH or tcp:HOST:PORT", s);
}

/* Contract in addr.h. */
void daas_enclave_addr_format(const daas_enclave_addr *a, char *buf, size_t n)
{
    if (a->kind == DAAS_ENCLAVE_ADDR_VSOCK && a->cid == DAAS_ENCLAVE_VSOCK_CID_ANY)
        snprintf(buf, n, "vsock:any:%u", (unsigned)a->port);
    else if (a->kind == DAAS_ENCLAVE_ADDR_VSOCK)
        snprintf(buf, n, "vsock:%u:%u", (unsigned)a->cid, (unsigned)a->port);
    else if (a->kind == DAAS_ENCLAVE_ADDR_UNIX)
        snprintf(buf, n, "unix:%s", a->path);
    else if (a->kind == DAAS_ENCLAVE_ADDR_TCP && strchr(a->host, ':') != NULL)
        snprintf(buf, n, "tcp:[%s]:%u", a->host, (unsigned)a->port);
    else if (a->kind == DAAS_ENCLAVE_ADDR_TCP)
        snprintf(buf, n, "tcp:%s:%u", a->host, (unsigned)a->port);
    else
        snprintf(buf, n, "?");
}

/* Contract in addr.h. */
bool daas_enclave_addr_equal(const daas_enclave_addr *a, const daas_enclave_addr *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == DAAS_ENCLAVE_ADDR_VSOCK)
        return a->cid == b->cid && a->port == b->port;
    if (a->kind == DAAS_ENCLAVE_ADDR_UNIX)
        return strcmp(a->path, b->path) == 0;
    return a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

/* ---- candidates ---- */

static int tcp_candidates(const daas_enclave_addr *a, bool passive, cand *c, size_t *n,
                          daas_err *err)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char ps[16];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    snprintf(ps, sizeof ps, "%u", (unsigned)a->port);
    int e = getaddrinfo(a->host, ps, &hints, &ai);
    if (e != 0 || ai == NULL)
        return daas_fail(err, DAAS_EINVAL, "cannot resolve %s: %s", a->host,
                         e != 0 ? gai_strerror(e) : "no address");
    *n = 0;
    for (struct addrinfo *p = ai; p != NULL && *n < MAX_CANDIDATES; p = p->ai_next) {
        if (p->ai_addrlen > sizeof c[*n].ss)
            continue;
        c[*n].family = p->ai_family;
        memcpy(&c[*n].ss, p->ai_addr, p->ai_addrlen);
        c[*n].len = p->ai_addrlen;
        (*n)++;
    }
    freeaddrinfo(ai);
    return *n > 0 ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "no usable address for %s", a->host);
}

/* The addresses to try for a, most preferred first. */
static int candidates(const daas_enclave_addr *a, bool passive, cand *c, size_t *n, daas_err *err)
{
    memset(c, 0, sizeof *c);
    *n = 1;
    if (a->kind == DAAS_ENCLAVE_ADDR_VSOCK) {
        struct sockaddr_vm *vm = (struct sockaddr_vm *)&c->ss;
        vm->svm_family = AF_VSOCK;
        vm->svm_cid = a->cid;
        vm->svm_port = a->port;
        c->family = AF_VSOCK;
        c->len = sizeof *vm;
        return DAAS_OK;
    }
    if (a->kind == DAAS_ENCLAVE_ADDR_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)&c->ss;
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, a->path, strlen(a->path) + 1);
        c->family = AF_UNIX;
        c->len = sizeof *un;
        return DAAS_OK;
    }
    if (a->kind == DAAS_ENCLAVE_ADDR_TCP)
        return tcp_candidates(a, passive, c, n, err);
    return daas_fail(err, DAAS_EINVAL, "address kind %d unknown", a->kind);
}

/* ---- socket calls ---- */

static int map_errno(int e)
{
    switch (e) {
    case ECONNREFUSED:
    case ENOENT:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EAFNOSUPPORT:
    case ENODEV:
    case EINPROGRESS:
    case EAGAIN:
    case EADDRNOTAVAIL:
    case ECONNRESET:
        return DAAS_EUNAVAIL;
    case EADDRINUSE:
        return DAAS_EEXIST;
    default:
        return daas_from_errno(e);
    }
}

/* A Unix socket file nobody accepts on is left over from a dead process: remove it. A live
 * one, or a path that is not a socket, is refused (EADDRINUSE). Returns 0 or an errno. */
static int clear_stale_unix(const cand *c)
{
    const struct sockaddr_un *un = (const struct sockaddr_un *)&c->ss;
    struct stat st;
    if (lstat(un->sun_path, &st) != 0)
        return errno == ENOENT ? 0 : errno;
    if (!S_ISSOCK(st.st_mode))
        return EADDRINUSE;
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return errno;
    int live = connect(probe, (const struct sockaddr *)&c->ss, c->len) == 0;
    int e = errno;
    close(probe);
    if (live)
        return EADDRINUSE;
    if (e != ECONNREFUSED)
        return e;
    return unlink(un->sun_path) == 0 || errno == ENOENT ? 0 : errno;
}

static int do_listen(int fd, const cand *c)
{
    int one = 1;
    if (c->family == AF_UNIX) {
        int e = clear_stale_unix(c);
        if (e != 0)
            return e;
    }
    if ((c->family == AF_INET || c->family == AF_INET6) &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        return errno;
    if (bind(fd, (const struct sockaddr *)&c->ss, c->len) != 0 || listen(fd, SOMAXCONN) != 0)
        return errno;
    return 0;
}

static void set_timeouts(int fd, int family, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    /* Blocking connect honours SO_SNDTIMEO (EINPROGRESS when it expires); vsock has its
     * own connect timeout option. Best effort: a refusal only means the kernel default. */
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (family == AF_VSOCK)
        (void)setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv, sizeof tv);
}

static int do_connect(int fd, const cand *c, int timeout_ms)
{
    if (timeout_ms > 0)
        set_timeouts(fd, c->family, timeout_ms);
    int rc = connect(fd, (const struct sockaddr *)&c->ss, c->len);
    int e = rc == 0 ? 0 : errno == EINPROGRESS ? ETIMEDOUT : errno;
    if (e == 0 && timeout_ms > 0)
        set_timeouts(fd, AF_UNSPEC, 0);
    return e;
}

/* The one path: candidates, then socket + (bind, listen) or connect on each in turn until
 * one works. The error reported is the last attempt's. */
static int open_addr(const daas_enclave_addr *a, bool listening, int timeout_ms, int *fd_out,
                     daas_err *err)
{
    cand c[MAX_CANDIDATES];
    size_t n = 0;
    int e = 0;
    int rc = candidates(a, listening, c, &n, err);
    if (rc != DAAS_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int fd = socket(c[i].family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        e = listening ? do_listen(fd, &c[i]) : do_connect(fd, &c[i], timeout_ms);
        if (e == 0) {
            *fd_out = fd;
            return DAAS_OK;
        }
        close(fd);
    }
    char text[DAAS_ENCLAVE_ADDR_TEXT_MAX];
    daas_enclave_addr_format(a, text, sizeof text);
    return daas_fail(err, map_errno(e), "%s %s: %s", listening ? "listen on" : "connect to", text,
                     e == EADDRINUSE && a->kind == DAAS_ENCLAVE_ADDR_UNIX
                         ? "in use (served by a live process, or not a socket)"
                         : strerror(e));
}

/* Contract in addr.h. */
int daas_enclave_addr_socket(const daas_enclave_addr *a, int *fd_out, daas_err *err)
{
    cand c;
    int family;
    if (a->kind == DAAS_ENCLAVE_ADDR_TCP) {
        struct in6_addr a6;
        family = inet_pton(AF_INET6, a->host, &a6) == 1 ? AF_INET6 : AF_INET;
    } else {
        size_t n = 0;
        int rc = candidates(a, false, &c, &n, err);
        if (rc != DAAS_OK)
            return rc;
        family = c.family;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return daas_fail(err, map_errno(errno), "socket(%s): %s",
                         family == AF_VSOCK  ? "AF_VSOCK"
                         : family == AF_UNIX ? "AF_UNIX"
                                             : "AF_INET",
                         strerror(errno));
    *fd_out = fd;
    return DAAS_OK;
}

/* Contract in addr.h. */
int daas_enclave_addr_listen(const daas_enclave_addr *a, int *fd_out, daas_err *err)
{
    return open_addr(a, true, 0, fd_out, err);
}

/* Contract in addr.h. */
int daas_enclave_addr_connect(const daas_enclave_addr *a, int timeout_ms, int *fd_out,
                              daas_err *err)
{
    return open_addr(a, false, timeout_ms, fd_out, err);
}

/* Contract in addr.h. */
int daas_enclave_addr_local_port(int fd)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}
