/*
 * bench_lib.h: what every benchmark that drives a real `daas server` needs: dying cleanly,
 * a monotonic clock, child processes, a free port, the admin credentials from the server's
 * kubeconfig, API calls over HTTPS (libcurl), streaming watches, and the memory and CPU of
 * a process.
 *
 * Owns:   bench_server (a temporary directory and the `daas server` process started in it);
 *         bench_watch (one thread holding one watch).
 * Not:    what a benchmark measures (bench/<name>/), the server itself.
 * Invariants:
 *   - a benchmark is a program, not a library: failures to set up print one line and exit 1
 *     (bench_die), killing the server started by bench_server_start first;
 *   - times are bench_now_ns (CLOCK_MONOTONIC nanoseconds);
 *   - bench_request may be called from any thread (one curl handle per call).
 * Usage:  curl_global_init before the first request; bench/README.md.
 */
#ifndef DAAS_BENCH_LIB_H
#define DAAS_BENCH_LIB_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A `daas server` in a temporary directory, with the admin credentials it wrote. */
typedef struct bench_server {
    char dir[256];                    /* the temporary directory (data in dir/data) */
    char url[64];                     /* https://127.0.0.1:PORT */
    char log[320];                    /* dir/server.log: the server's stdout and stderr */
    char ca[300], crt[300], key[300]; /* admin credentials (files in dir) */
    pid_t pid;                        /* the server process; 0 when not running */
} bench_server;

/* Sets the program name bench_die prints ("bench_agent"); call first. */
void bench_set_name(const char *name);
/* Prints "<name>: <message>" and exits 1, after stopping the server of bench_server_start. */
_Noreturn void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bench_now_ns(void);
void bench_sleep_ms(int ms);
/* Runs argv (argv[0] a path) with stdout and stderr appended to log; its exit status, 128
 * when killed, -1 when it could not be started. */
int bench_run(char *const argv[], const char *log);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
int bench_free_port(void);
/* out = "<directory of argv0>/<name>". */
void bench_sibling(const char *argv0, const char *name, char *out, size_t n);
/* A positive integer flag value in [1, max]; dies naming flag otherwise. */
int bench_int_flag(const char *flag, const char *value, int max);

/* Creates s->dir as /tmp/<prefix>.XXXXXX (s zeroed first). */
void bench_server_init(bench_server *s, const char *prefix);
/* Starts `bin server --data-dir DIR/data --https-listen-port P --bind-address 127.0.0.1
 * extra...` (extra NULL-terminated, may be NULL), logging to s->log, then waits (up to
 * 60 s) for its kubeconfig, extracts the admin credentials and waits for /readyz to answer
 * 200. Dies when the server exits or does not come up. */
void bench_server_start(bench_server *s, const char *bin, const char *const extra[]);
/* Stops the server (SIGTERM, then waits). Accepts a stopped server. */
void bench_server_stop(bench_server *s);
/* Detaches the mounts under s->dir and removes it, unless keep (then prints its path). */
void bench_server_cleanup(bench_server *s, bool keep);
/* One API call as admin; the HTTP status (0: no answer). body (may be NULL) is sent as JSON
 * (PATCH: as a JSON merge patch). *out (may be NULL) gets the decoded reply (NULL when it is
 * not JSON; json_decref it). */
long bench_request(const bench_server *s, const char *method, const char *path,
                   const json_t *body, json_t **out);

/* A streaming watch: one thread, reconnecting until stopped. on_event runs on that thread
 * with each decoded event ({type, object}) and the bench_now_ns at which its line arrived. */
typedef void (*bench_watch_fn)(void *arg, const json_t *event, int64_t at_ns);
typedef struct bench_watch {
    const bench_server *s; /* borrowed */
    char path[512];        /* e.g. /api/v1/namespaces/default/pods?watch=1 */
    bench_watch_fn on_event;
    void *arg;
    pthread_t tid;
    volatile bool stop; /* set by bench_watch_stop */
} bench_watch;

/* Starts a thread watching path (which must ask for watch=1) and gives it settle_ms to
 * connect before returning. */
void bench_watch_start(bench_watch *w, const bench_server *s, const char *path,
                       bench_watch_fn on_event, void *arg, int settle_ms);
/* Stops and joins the thread (within about a second). */
void bench_watch_stop(bench_watch *w);

/* VmRSS and VmHWM (KiB) of pid; 0 when it is gone. */
void bench_proc_rss(pid_t pid, long *rss_kb, long *hwm_kb);
/* User + system CPU seconds of pid (0 when gone), and *children_s (may be NULL) those of
 * its living descendants (the dev server's enclave, key servers, devnet). */
double bench_proc_cpu(pid_t pid, double *children_s);
/* This process's user + system CPU seconds. */
double bench_self_cpu(void);

#endif
