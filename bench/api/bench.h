/*
 * bench.h: the pieces of bench_api (the API benchmark) shared between its files.
 *
 * Owns:   the TLS client context (credentials from the server's kubeconfig, session reuse),
 *         the blocking keep-alive client connection, the incremental HTTP/1.1 response parser,
 *         the spawned server process, the private etcd of the etcd-backed runs, latency
 *         statistics, the phases' result records, the report's lines.
 * Not:    the server (src/); this program only talks to it over HTTPS like any client.
 * Invariants:
 *   - responses are parsed only as far as needed: status line, Content-Length / chunked
 *     framing; bodies are discarded unless a caller asks for them;
 *   - every client verifies the server against the cluster CA and authenticates with the
 *     admin client certificate.
 * Spec:   bench/README.md; shared/specs/kube-api.md §5 (list/watch).
 */
#ifndef DAAS_BENCH_API_BENCH_H
#define DAAS_BENCH_API_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "common/alloc.h"
#include "common/err.h"

/* ---- TLS client context (tls.c) ---- */

typedef struct daas_bench_tls {
    SSL_CTX *ctx;           /* client context: CA, admin cert/key, AES-128-GCM first */
    int port;               /* server port on 127.0.0.1 */
    pthread_mutex_t mu;     /* guards sess */
    SSL_SESSION *sess;      /* newest session ticket, offered by new connections */
    atomic_long handshakes; /* completed handshakes */
    atomic_long resumed;    /* of which resumed a session */
} daas_bench_tls;

/* Builds the client context from the kubeconfig at path (base64 PEM CA, client certificate
 * and key). Errors: DAAS_ENOTFOUND (file), DAAS_EINVAL (missing field), DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_bench_tls_init(daas_bench_tls *t, const char *kubeconfig, int port,
                                      daas_err *err);
void daas_bench_tls_fini(daas_bench_tls *t);
/* A new SSL for fd (blocking or not) offering the newest session. Thread: any. */
SSL *daas_bench_tls_ssl(daas_bench_tls *t, int fd);
/* Counts a finished handshake (resumed or full). */
void daas_bench_tls_done(daas_bench_tls *t, SSL *ssl);
/* A TCP socket connected (or connecting, when nonblock) to 127.0.0.1:port; -1 on failure. */
int daas_bench_tcp_connect(int port, bool nonblock);

/* ---- incremental HTTP/1.1 response parser (resp.c) ---- */

typedef void (*daas_bench_body_fn)(void *ud, const char *p, size_t n);

enum { DAAS_BENCH_HEAD_MAX = 8192 };

typedef struct daas_bench_resp {
    int state;                      /* private parser state */
    int status;                     /* HTTP status, once the head is parsed */
    bool chunked;                   /* Transfer-Encoding: chunked */
    bool close;                     /* Connection: close (reconnect after this response) */
    int64_t remain;                 /* body bytes left (length framing) or in the current chunk */
    int64_t body_len;               /* decoded body bytes seen */
    size_t headlen;                 /* bytes in head */
    size_t linelen;                 /* bytes in line */
    char line[256];                 /* chunk-size / chunk-end / trailer line being read */
    char head[DAAS_BENCH_HEAD_MAX]; /* status line and header fields */
    daas_bench_body_fn on_body;     /* receives decoded body bytes (may be NULL) */
    void *ud;                       /* for on_body */
} daas_bench_resp;

/* Prepares r for one response. */
void daas_bench_resp_init(daas_bench_resp *r, daas_bench_body_fn on_body, void *ud);
/* Feeds received bytes; *used says how many were consumed (all, unless the response ended).
 * Returns DAAS_OK while more is expected or when done (see daas_bench_resp_done),
 * DAAS_EINVAL on a malformed response, DAAS_EHEADERS when the head is too large. */
DAAS_MUST_USE int daas_bench_resp_feed(daas_bench_resp *r, const char *p, size_t n, size_t *used);
bool daas_bench_resp_done(const daas_bench_resp *r);
bool daas_bench_resp_head_done(const daas_bench_resp *r);

/* ---- blocking keep-alive client connection (conn.c) ---- */

typedef struct daas_bench_conn {
    daas_bench_tls *tls;        /* borrowed */
    int fd;                     /* -1 when closed */
    SSL *ssl;                   /* NULL when closed */
    daas_buf req;               /* request being sent (reused) */
    daas_buf *capture;          /* body sink of the current request, or NULL */
    const daas_bench_resp *cur; /* response being read */
    int status;                 /* status of the current request */
    char errbody[240];          /* start of the last request's error body, or TLS error */
    char rbuf[16384];           /* one TLS record's worth */
} daas_bench_conn;

/* Opens (lazily: the first request connects). Never fails. */
void daas_bench_conn_init(daas_bench_conn *c, daas_bench_tls *t);
void daas_bench_conn_fini(daas_bench_conn *c);
/* Sends one request and reads the whole response; *status gets the HTTP status. The body goes
 * to capture when not NULL (capped by its max), else it is discarded. A connection the server
 * closed before answering is reopened and the request resent once.
 * Errors: DAAS_EIO (connection or TLS failure), DAAS_EINVAL (malformed response). */
DAAS_MUST_USE int daas_bench_conn_do(daas_bench_conn *c, const char *method, const char *path,
                                     const char *body, size_t body_len, daas_buf *capture,
                                     int *status);

/* ---- latency statistics (stats.c) ---- */

typedef struct daas_bench_lat {
    uint32_t *us; /* latencies in microseconds */
    size_t n, cap;
} daas_bench_lat;

void daas_bench_lat_add(daas_bench_lat *l, int64_t ns);
/* Moves src's samples into dst and frees src's. */
void daas_bench_lat_merge(daas_bench_lat *dst, daas_bench_lat *src);
/* Sorts in place; q in [0,1]; returns milliseconds (0 when empty). */
double daas_bench_lat_ms(daas_bench_lat *l, double q);
void daas_bench_lat_fini(daas_bench_lat *l);

/* ---- the spawned server (server.c) ---- */

typedef struct daas_bench_server {
    pid_t pid;     /* the daas server process, 0 when not running */
    int port;      /* its HTTPS port */
    char dir[256]; /* temporary data directory */
    char log[300]; /* dir/server.log: the server's stderr */
    char kubeconfig[300];
} daas_bench_server;

/* Makes a fresh data dir, picks a free port, starts `daas server` (on SQLite, or on etcd with
 * `--datastore-endpoint endpoint` when endpoint is not NULL) and waits up to 60 s for the
 * kubeconfig and a 200 from /readyz; t is initialised from the kubeconfig on success.
 * Errors: DAAS_EIO (spawn, early exit or timeout; the log's tail is printed). */
DAAS_MUST_USE int daas_bench_server_start(daas_bench_server *s, const char *daas, int workers,
                                          const char *endpoint, daas_bench_tls *t, daas_err *err);
/* SIGTERM (SIGKILL after 15 s), then removes the data dir unless keep. Returns the exit
 * status as waitpid reports it, or -1. */
int daas_bench_server_stop(daas_bench_server *s, bool keep);
/* The server's VmRSS and VmHWM in kB (0 when unreadable). */
void daas_bench_server_rss(const daas_bench_server *s, long *rss_kb, long *hwm_kb);
/* CPU seconds (user + system) the server has used so far (0 when unreadable). */
double daas_bench_server_cpu(const daas_bench_server *s);
/* Prints the last lines of the server log to stderr. */
void daas_bench_server_log_tail(const daas_bench_server *s, int lines);
/* Prints the last lines of the file log to stderr, framed. */
void daas_bench_log_tail(const char *log, int lines);
/* A TCP port on 127.0.0.1 that the kernel just considered free (tiny race); -1 on failure. */
int daas_bench_free_port(void);
/* Sleeps ms milliseconds (EINTR resumed). */
void daas_bench_sleep_ms(int ms);
/* Removes dir and everything below it, as far as it can (no error). */
void daas_bench_rmdir(const char *dir);
/* Removes dir ("" accepted) unless keep; then says on stderr that it was kept with contents. */
void daas_bench_dir_done(const char *dir, bool keep, const char *contents);
/* Forks a child that runs execv(argv[0], argv) with stdout and stderr on log (created 0600;
 * an exec failure is a line there and exit status 127); *pid gets it.
 * Errors: DAAS_EIO (fork). */
DAAS_MUST_USE int daas_bench_spawn(const char *log, char *const argv[], pid_t *pid, daas_err *err);
/* SIGTERM to child *pid (SIGKILL after timeout_ms, naming what), reaps it, zeroes *pid.
 * Returns the status waitpid reported, or -1 when *pid was not running. */
int daas_bench_child_stop(pid_t *pid, const char *what, int timeout_ms);
/* CPU seconds (user + system) process pid has used so far (0 when unreadable or pid <= 0). */
double daas_bench_pid_cpu(pid_t pid);

/* ---- the private etcd of the etcd-backed runs (etcd.c) ---- */

typedef struct daas_bench_etcd {
    pid_t pid;     /* the etcd process, 0 when not running */
    int port;      /* client port on 127.0.0.1 */
    int peer_port; /* peer port on 127.0.0.1 (a single member: unused but required) */
    char dir[256]; /* temporary directory: data/ and etcd.log */
    char log[300]; /* dir/etcd.log: etcd's stdout and stderr */
    char url[64];  /* http://127.0.0.1:<port> */
} daas_bench_etcd;

/* Starts a single-member etcd from binary bin in a fresh temporary directory on free
 * loopback ports and waits up to 30 s until its JSON gateway reports a leader.
 * Errors: DAAS_ENOTFOUND (bin missing or not executable), DAAS_EIO (spawn, early exit,
 * timeout; the log's tail is printed). e is stoppable in every case. */
DAAS_MUST_USE int daas_bench_etcd_start(daas_bench_etcd *e, const char *bin, daas_err *err);
/* SIGTERM (SIGKILL after 10 s), reaps, then removes the directory unless keep. Accepts a
 * stopped or never-started e. */
void daas_bench_etcd_stop(daas_bench_etcd *e, bool keep);
/* *len = the length of key's value in etcd. Errors: DAAS_ENOTFOUND (no such key), the etcd
 * client's. */
DAAS_MUST_USE int daas_bench_etcd_value_len(const daas_bench_etcd *e, const char *key, size_t *len,
                                            daas_err *err);

/* ---- load phases (load.c) ---- */

typedef struct daas_bench_result {
    int64_t ok;            /* operations answered with the expected status */
    int64_t errors;        /* other statuses and transport failures */
    double seconds;        /* wall time of the phase */
    double p50_ms, p99_ms; /* latency of successful operations */
    int first_status;      /* first unexpected status (0: transport error or none) */
    char first_err[240];   /* its body's start, or the transport error */
    double cpu_s;          /* CPU seconds of every measured process (set by the caller), or 0 */
} daas_bench_result;

typedef struct daas_bench_cfg {
    const char *daas;  /* server binary */
    int clients;       /* concurrent load connections */
    int64_t creates;   /* pods created in phase a */
    int seconds;       /* duration of phases b and c */
    int watchers;      /* phase d watchers */
    int64_t events;    /* phase d events */
    int writers;       /* phase d writer connections */
    int workers;       /* --workers for the server, 0: its default */
    bool keep;         /* keep the data dir */
    int datastore;     /* DAAS_BENCH_SQLITE, DAAS_BENCH_ETCD or both (or'ed) */
    const char *etcd;  /* etcd binary of the etcd-backed run */
    bool creates_only; /* only phase a on each store (and the raw puts) */
} daas_bench_cfg;

enum { DAAS_BENCH_SQLITE = 1, DAAS_BENCH_ETCD = 2 };

/* POSTs a Namespace named ns; 201 or 409 (exists) are success. */
DAAS_MUST_USE int daas_bench_make_ns(daas_bench_tls *t, const char *ns, daas_err *err);
/* A pause inside the create phase: once every index below at is done (and before any index
 * at or above it is sent), fn(arg) runs with the server quiet; the pause is not timed. */
typedef struct daas_bench_pause {
    int64_t at;            /* first index held back */
    void (*fn)(void *arg); /* runs on the calling thread during the pause */
    void *arg;
} daas_bench_pause;

/* Creates pods ns/p-<i> for i in [from, to) with cfg->clients connections; pause may be NULL
 * or lie outside (from, to), in which case it is ignored. */
void daas_bench_creates(daas_bench_tls *t, const daas_bench_cfg *cfg, const char *ns, int64_t from,
                        int64_t to, const daas_bench_pause *pause, daas_bench_result *res);
/* Creates pods ns/p-<i>, i in [0, n), offered at a fixed rate (requests/s) over cfg->clients
 * connections, open loop: latency counts from each request's scheduled time. */
void daas_bench_creates_rated(daas_bench_tls *t, const daas_bench_cfg *cfg, const char *ns,
                              int64_t n, double rate, daas_bench_result *res);
/* Random GETs of default/p-<i>, i in [0, n), for cfg->seconds. */
void daas_bench_gets(daas_bench_tls *t, const daas_bench_cfg *cfg, int64_t n,
                     daas_bench_result *res);
/* LISTs of namespace ns for cfg->seconds. */
void daas_bench_lists(daas_bench_tls *t, const daas_bench_cfg *cfg, const char *ns,
                      daas_bench_result *res);
/* Raw etcd: n puts of fresh keys /bench-raw/<ns>/p-<i> with values of value_len bytes, through
 * etcd's JSON gateway at url (/v3/kv/put), from cfg->clients threads with one keep-alive
 * etcd client each, timed like the creates. With txn, each is instead the create txn daas's
 * etcd store sends (/v3/kv/txn: compare create_revision == 0, put; keys /bench-raw-txn/...). */
void daas_bench_etcd_puts(const char *url, const daas_bench_cfg *cfg, const char *ns, int64_t n,
                          size_t value_len, bool txn, daas_bench_result *res);
/* Bytes of the pod JSON the create phase posts (index 0 in "default"). */
size_t daas_bench_pod_json_len(void);

/* ---- watch fan-out (watch.c) ---- */

typedef struct daas_bench_watch_result {
    int established;      /* watchers whose stream started (status 200) */
    int failed;           /* watchers that could not connect or ended early */
    int64_t deliveries;   /* events received, all watchers */
    int64_t missed;       /* (watcher, event) pairs never received */
    int64_t reordered;    /* events whose resourceVersion did not increase */
    int64_t error_events; /* ERROR events */
    int64_t writes_ok;    /* acknowledged writes */
    int64_t write_errors; /* failed writes */
    double write_seconds; /* first write sent to last acknowledged */
    double seconds;       /* first write sent to last delivery */
    double setup_seconds; /* time to open all watches */
    double lag_max_ms;    /* max over events of (last delivery - acknowledgement) */
    double lag_p99_ms;    /* p99 of the same */
    char first_err[240];  /* first failure seen */
} daas_bench_watch_result;

/* Runs phase d: namespace fanout, cfg->watchers watches from the list's resourceVersion,
 * cfg->events configmap writes from cfg->writers connections. */
void daas_bench_watch(daas_bench_tls *t, const daas_bench_cfg *cfg, daas_bench_watch_result *res);

/* Monotonic seconds as a double, for reports. */
double daas_bench_secs(int64_t ns);

/* ---- the report on stdout (report.c) ---- */

/* CPU seconds used so far by the server, its etcd (0 when none) and this program. */
typedef struct daas_bench_cpu {
    pid_t server, etcd;      /* the processes measured (0: none) */
    double server_s, etcd_s; /* their CPU seconds at the mark */
    double bench_s;          /* this program's */
} daas_bench_cpu;

/* Marks the CPU seconds used so far by server, etcd (either may be 0) and this program. */
daas_bench_cpu daas_bench_cpu_now(pid_t server, pid_t etcd);
/* Prints "cpu: server X s, etcd Y s, bench Z s" for the time since m (absent processes are
 * left out): shows whether the client starved the server. Returns X + Y + Z. */
double daas_bench_print_cpu(const daas_bench_cpu *m);
const char *daas_bench_pass(bool ok);
/* "errors N (first: ...)" when there were errors or a first error. */
void daas_bench_print_errors(int64_t errors, int status, const char *first);
/* One load phase's line: count, time, rate, p50, p99, then the target (min_rate > 0: rate and
 * p99 against it, with PASS/FAIL) or note (in brackets; NULL: "no target"), then its errors. */
void daas_bench_print_load(const char *name, const daas_bench_result *r, double min_rate,
                           double max_p99, const char *note);
/* Phase d's lines against cfg's watcher and event counts. */
void daas_bench_print_watch(const daas_bench_cfg *cfg, const daas_bench_watch_result *w);

/* The side-by-side figures of one run: each is NULL when its part did not run. */
typedef struct daas_bench_side {
    const daas_bench_result *sqlite; /* creates on the SQLite store */
    const daas_bench_result *etcd;   /* creates on the etcd store */
    const daas_bench_result *raw;    /* raw etcd puts */
    const daas_bench_result *txn;    /* raw etcd create txns (as daas sends them) */
    int clients;                     /* concurrency of each */
    size_t posted, stored;           /* pod JSON posted, bytes etcd stored (= raw value) */
} daas_bench_side;

/* The table: sqlite creates/s | etcd-backed creates/s | raw etcd txns/s | raw etcd puts/s |
 * ratio etcd-backed / raw puts against the target (>= 50%). */
void daas_bench_print_side(const daas_bench_side *s);

#endif
