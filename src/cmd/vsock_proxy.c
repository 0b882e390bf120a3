/*
 * vsock_proxy.c: `daas vsock-proxy`: relays byte streams between a listening address and
 * one destination (like AWS's vsock-proxy), for the parent instance of a Nitro Enclave:
 * tcp:HOST:PORT in, vsock:CID:PORT (or unix:/tcp:) out.
 *
 * Owns:   the listening socket, one detached thread per connection (at most --max-conns),
 *         the list of live relays (under proxy.mu) so that SIGTERM can end them all.
 * Not:    addresses (enclave/addr.h); what flows through (opaque bytes, HTTP in practice).
 * Model:  a relay connects to the destination, then copies both directions with poll();
 *         EOF on one side becomes shutdown(SHUT_WR) on the other (half-close), and the relay
 *         ends when both directions have ended or a write fails.
 * Invariants:
 *   - the destination must match an --allow entry, checked before anything listens: an
 *     empty allow-list allows nothing, as in AWS's proxy;
 *   - on SIGTERM/SIGINT: stop accepting, shut every relay's sockets, wait for every relay
 *     thread to finish, exit 0.
 * Spec:   specs/nautilus.md §1.5 (vsock-proxy, allowlist), §6.1 (vsock addressing).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "common/util.h"
#include "enclave/addr.h"

#define MOD "vsock-proxy"
#define MAX_ALLOW 64
#define CONNECT_TIMEOUT_MS 10000
#define RELAY_BUF 16384
#define RELAY_STACK (256 << 10)

typedef struct relay relay;

typedef struct proxy {
    daas_enclave_addr to; /* the one destination (allow-listed) */
    int lfd;              /* listening socket */
    int wake[2];          /* self-pipe: the accept thread's stop signal */
    int max;              /* relays allowed at once */
    pthread_mutex_t mu;   /* guards relays, nrelays, stopping */
    pthread_cond_t idle;  /* signalled when a relay ends */
    relay *relays;
    int nrelays;
    bool stopping;
} proxy;

struct relay {
    proxy *p;
    int in;             /* the accepted connection */
    int out;            /* the destination (-1 until connected; set under p->mu) */
    relay *prev, *next; /* p->relays, under p->mu */
};

typedef struct proxy_opts {
    const char *listen;
    const char *to;
    const char *allow[MAX_ALLOW];
    int nallow;
    int max;
} proxy_opts;

/* ---- relaying ---- */

/* Copies both ways until both directions reached EOF or something failed. */
static void pump(int a, int b)
{
    char *buf = daas_xmalloc(RELAY_BUF);
    bool open_a = true, open_b = true; /* still reading from a / from b */
    while (open_a || open_b) {
        struct pollfd pf[2] = {{open_a ? a : -1, POLLIN, 0}, {open_b ? b : -1, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].revents == 0)
                continue;
            int from = i == 0 ? a : b, to = i == 0 ? b : a;
            ssize_t n = read(from, buf, RELAY_BUF);
            if (n < 0 && errno == EINTR)
                continue;
            if (n > 0 && daas_write_all(to, buf, (size_t)n) == 0)
                continue;
            if (n > 0 || n < 0) { /* write or read failed: the relay is over */
                open_a = open_b = false;
                break;
            }
            shutdown(to, SHUT_WR); /* EOF: pass the half-close on */
            if (i == 0)
                open_a = false;
            else
                open_b = false;
        }
    }
    daas_free(buf);
}

static void relay_end(relay *r)
{
    proxy *p = r->p;
    pthread_mutex_lock(&p->mu);
    if (r->prev)
        r->prev->next = r->next;
    else
        p->relays = r->next;
    if (r->next)
        r->next->prev = r->prev;
    p->nrelays--;
    close(r->in);
    if (r->out >= 0)
        close(r->out);
    daas_free(r);
    pthread_cond_signal(&p->idle);
    pthread_mutex_unlock(&p->mu);
}

static void *relay_main(void *arg)
{
    relay *r = arg;
    proxy *p = r->p;
    daas_err err = {0};
    int fd = -1;
    if (daas_enclave_addr_connect(&p->to, CONNECT_TIMEOUT_MS, &fd, &err) != DAAS_OK) {
        DAAS_WARN(MOD, "%s", err.msg);
        relay_end(r);
        return NULL;
    }
    pthread_mutex_lock(&p->mu);
    r->out = fd;
    bool stop = p->stopping; /* stopped while connecting: the stopper did not see out */
    pthread_mutex_unlock(&p->mu);
    if (!stop)
        pump(r->in, r->out);
    relay_end(r);
    return NULL;
}

static void relay_start(proxy *p, int cfd)
{
    pthread_attr_t attr;
    pthread_t t;
    relay *r = daas_xcalloc(1, sizeof *r);
    r->p = p;
    r->in = cfd;
    r->out = -1;
    pthread_mutex_lock(&p->mu);
    r->next = p->relays;
    if (p->relays)
        p->relays->prev = r;
    p->relays = r;
    p->nrelays++;
    pthread_mutex_unlock(&p->mu);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, RELAY_STACK);
    int e = pthread_create(&t, &attr, relay_main, r);
    pthread_attr_destroy(&attr);
    if (e != 0) {
        DAAS_WARN(MOD, "cannot start a relay: %s", strerror(e));
        relay_end(r);
    }
}

/* ---- accepting ---- */

static bool full(proxy *p)
{
    pthread_mutex_lock(&p->mu);
    bool f = p->nrelays >= p->max;
    pthread_mutex_unlock(&p->mu);
    return f;
}

static void *accept_main(void *arg)
{
    proxy *p = arg;
    for (;;) {
        struct pollfd pf[2] = {{p->lfd, POLLIN, 0}, {p->wake[0], POLLIN, 0}};
        if (poll(pf, 2, -1) < 0 && errno != EINTR)
            break;
        if (pf[1].revents != 0)
            break;
        if (pf[0].revents == 0)
            continue;
        int cfd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EMFILE || errno == ENFILE)
                poll(NULL, 0, 100); /* out of descriptors: do not spin */
            continue;
        }
        if (full(p)) {
            DAAS_WARN(MOD, "%d relays open: connection refused", p->max);
            close(cfd);
            continue;
        }
        relay_start(p, cfd);
    }
    return NULL;
}

/* Stops accepting, shuts every relay's sockets, waits until every relay thread is done. */
static void proxy_stop(proxy *p, pthread_t acceptor)
{
    if (write(p->wake[1], "x", 1) != 1)
        DAAS_WARN(MOD, "cannot wake the acceptor: %s", strerror(errno));
    pthread_join(acceptor, NULL);
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    for (relay *r = p->relays; r != NULL; r = r->next) {
        shutdown(r->in, SHUT_RDWR);
        if (r->out >= 0)
            shutdown(r->out, SHUT_RDWR);
    }
    while (p->nrelays > 0)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ---- the command ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: daas vsock-proxy --listen ADDR --to ADDR --allow DEST [--allow DEST...]\n\n"
               "Relays every connection accepted on --listen to --to, both ways. The\n"
               "destination must be on the allow-list. Addresses: vsock:CID:PORT, unix:PATH,\n"
               "tcp:HOST:PORT; an --allow entry may also be written HOST:PORT (tcp).\n\n"
               "  --listen ADDR        where to accept (e.g. tcp:0.0.0.0:3000)\n"
               "  --to ADDR            the destination (e.g. vsock:16:3000)\n"
               "  --allow DEST         an allowed destination (repeatable)\n"
               "  --max-conns N        relays open at once (default 256)\n"
               "  --log-level L        debug, info, warn or error (default info)\n");
}

static int parse_args(int argc, char **argv, proxy_opts *o)
{
    static const struct option longopts[] = {{"listen", required_argument, 0, 'l'},
                                             {"to", required_argument, 0, 't'},
                                             {"allow", required_argument, 0, 'a'},
                                             {"max-conns", required_argument, 0, 'm'},
                                             {"log-level", required_argument, 0, 'v'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'l') {
            o->listen = optarg;
        } else if (c == 't') {
            o->to = optarg;
        } else if (c == 'a' && o->nallow < MAX_ALLOW) {
            o->allow[o->nallow++] = optarg;
        } else if (c == 'm') {
            long v = strtol(optarg, &end, 10);
            if (*end != '\0' || v < 1 || v > 100000) {
                fprintf(stderr, "daas vsock-proxy: bad --max-conns \"%s\"\n", optarg);
                return 2;
            }
            o->max = (int)v;
        } else if (c == 'v') {
            int i = daas_cmd_log_level(optarg);
            if (i < 0) {
                fprintf(stderr, "daas vsock-proxy: bad --log-level \"%s\"\n", optarg);
                return 2;
            }
            daas_log_set_level(i);
        } else if (c == 'h') {
            usage(stdout);
            return 1;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || o->listen == NULL || o->to == NULL) {
        fprintf(stderr, "daas vsock-proxy: %s\n",
                optind < argc ? "unexpected argument" : "--listen and --to are required");
        return 2;
    }
    return 0;
}

/* DAAS_OK when to matches an allow entry ("HOST:PORT" is read as tcp:HOST:PORT). */
static int check_allowed(const proxy_opts *o, const daas_enclave_addr *to, daas_err *err)
{
    char text[DAAS_ENCLAVE_ADDR_TEXT_MAX];
    for (int i = 0; i < o->nallow; i++) {
        daas_enclave_addr a;
        const char *s = o->allow[i];
        char *tcp = NULL;
        if (strncmp(s, "vsock:", 6) != 0 && strncmp(s, "unix:", 5) != 0 &&
            strncmp(s, "tcp:", 4) != 0)
            s = tcp = daas_xasprintf("tcp:%s", s);
        int rc = daas_enclave_addr_parse(s, &a, err);
        daas_free(tcp);
        if (rc != DAAS_OK)
            return daas_fail(err, rc, "bad --allow \"%s\"", o->allow[i]);
        if (daas_enclave_addr_equal(&a, to))
            return DAAS_OK;
    }
    daas_enclave_addr_format(to, text, sizeof text);
    return daas_fail(err, DAAS_EDENIED, "destination %s is not on the allow-list%s", text,
                     o->nallow == 0 ? " (no --allow given)" : "");
}

static int serve(proxy *p, const proxy_opts *o, const sigset_t *set, daas_err *err)
{
    pthread_t acceptor;
    char from[DAAS_ENCLAVE_ADDR_TEXT_MAX], to[DAAS_ENCLAVE_ADDR_TEXT_MAX];
    daas_enclave_addr la;
    int sig = 0;
    int rc = daas_enclave_addr_parse(o->listen, &la, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_addr_listen(&la, &p->lfd, err);
    if (rc != DAAS_OK)
        return rc;
    if (la.kind == DAAS_ENCLAVE_ADDR_TCP && la.port == 0)
        la.port = (uint32_t)daas_enclave_addr_local_port(p->lfd);
    if (pipe2(p->wake, O_CLOEXEC) != 0)
        return daas_fail(err, DAAS_EIO, "pipe: %s", strerror(errno));
    int e = pthread_create(&acceptor, NULL, accept_main, p);
    if (e != 0)
        return daas_fail(err, DAAS_EINTERNAL, "pthread_create: %s", strerror(e));
    daas_enclave_addr_format(&la, from, sizeof from);
    daas_enclave_addr_format(&p->to, to, sizeof to);
    DAAS_INFO(MOD, "relaying %s -> %s (at most %d connections)", from, to, p->max);
    sigwait(set, &sig);
    DAAS_INFO(MOD, "signal %d: shutting down", sig);
    proxy_stop(p, acceptor);
    if (la.kind == DAAS_ENCLAVE_ADDR_UNIX)
        unlink(la.path);
    return DAAS_OK;
}

int daas_cmd_vsock_proxy(int argc, char **argv)
{
    proxy_opts o = {.max = 256};
    proxy p = {.lfd = -1, .wake = {-1, -1}};
    daas_err err = {0};
    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc == 1 ? 0 : prc;
    sigset_t set;
    daas_cmd_block_stop_signals(&set);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.idle, NULL);
    p.max = o.max;
    int rc = daas_enclave_addr_parse(o.to, &p.to, &err);
    if (rc == DAAS_OK)
        rc = check_allowed(&o, &p.to, &err);
    if (rc == DAAS_OK)
        rc = serve(&p, &o, &set, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "daas vsock-proxy: %s\n", err.msg[0] ? err.msg : daas_err_text(rc));
    for (int i = 0; i < 2; i++)
        if (p.wake[i] >= 0)
            close(p.wake[i]);
    if (p.lfd >= 0)
        close(p.lfd);
    pthread_cond_destroy(&p.idle);
    pthread_mutex_destroy(&p.mu);
    return rc == DAAS_OK ? 0 : 1;
}
