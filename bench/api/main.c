/*
 * main.c: bench_api, the API server benchmark: flags, the order of the phases, the report.
 *
 * Owns:   the run: start a private `daas server`, creates, gets, lists, watch fan-out, RSS,
 *         stop; the table printed on stdout with the targets and PASS/FAIL.
 * Not:    the phases' mechanics (load.c, watch.c), the server process (server.c).
 * Invariants: exits 0 when the run completed, whatever the figures; 1 when the server could
 *             not start or died during the run; 2 on bad flags.
 * Spec:   bench/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "common/util.h"

enum { RSS_PODS = 10000, LIST_PODS = 500 };

static const char *pass(bool ok)
{
    return ok ? "PASS" : "FAIL";
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_api [options]\n\n"
               "Starts its own `daas server` and measures creates, gets, lists, watch fan-out and\n"
               "memory. See bench/README.md.\n\n"
               "  --daas PATH      server binary (default $DAAS_BIN, else daas next to bench_api,\n"
               "                   else ./build/daas)\n"
               "  --clients N      concurrent load connections (default 64)\n"
               "  --creates N      pods created in the create phase (default 20000)\n"
               "  --seconds N      duration of the get and list phases (default 10)\n"
               "  --watchers N     watchers in the fan-out phase (default 1000)\n"
               "  --events N       events written in the fan-out phase (default 10000)\n"
               "  --writers N      writer connections in the fan-out phase (default 4)\n"
               "  --workers N      pass --workers N to the server (default: its own)\n"
               "  --keep           keep the temporary data dir and server log\n"
               "  --quick          smoke run: 2000 creates, 3 s, 100 watchers, 1000 events\n");
}

static bool parse_num(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The default server binary: $DAAS_BIN, daas beside this program, ./build/daas. */
static void default_daas(char *buf, size_t n)
{
    char self[1024];
    const char *env = getenv("DAAS_BIN");
    if (env != NULL && env[0] != '\0') {
        snprintf(buf, n, "%s", env);
        return;
    }
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = '\0';
        snprintf(buf, n, "%s/daas", dirname(self));
        if (access(buf, X_OK) == 0)
            return;
    }
    snprintf(buf, n, "./build/daas");
}

static int parse_args(int argc, char **argv, daas_bench_cfg *cfg, char *daas, size_t dlen)
{
    static const struct option opts[] = {
        {"daas", required_argument, 0, 'd'},     {"clients", required_argument, 0, 'c'},
        {"creates", required_argument, 0, 'n'},  {"seconds", required_argument, 0, 's'},
        {"watchers", required_argument, 0, 'w'}, {"events", required_argument, 0, 'e'},
        {"writers", required_argument, 0, 'W'},  {"workers", required_argument, 0, 'k'},
        {"keep", no_argument, 0, 'K'},           {"quick", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    int64_t v[128];
    bool set[128] = {false};
    int ch;
    bool quick = false;
    daas[0] = '\0';
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == '?') {
            usage(stderr);
            return -1;
        } else if (ch == 'h') {
            usage(stdout);
            exit(0);
        } else if (ch == 'q') {
            quick = true;
        } else if (ch == 'K') {
            cfg->keep = true;
        } else if (ch == 'd') {
            snprintf(daas, dlen, "%s", optarg);
        } else if (ch > 0 && ch < 128 && parse_num(optarg, 1, 100000000, &v[ch])) {
            set[ch] = true;
        } else {
            fprintf(stderr, "bench_api: bad number '%s'\n", optarg);
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return -1;
    }
    cfg->clients = set['c'] ? (int)v['c'] : 64;
    cfg->creates = set['n'] ? v['n'] : quick ? 2000 : 20000;
    cfg->seconds = set['s'] ? (int)v['s'] : quick ? 3 : 10;
    cfg->watchers = set['w'] ? (int)v['w'] : quick ? 100 : 1000;
    cfg->events = set['e'] ? v['e'] : quick ? 1000 : 10000;
    cfg->writers = set['W'] ? (int)v['W'] : 4;
    cfg->workers = set['k'] ? (int)v['k'] : 0;
    if (daas[0] == '\0')
        default_daas(daas, dlen);
    return 0;
}

/* Enough descriptors for the watchers (the server inherits the limit too). */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void print_errors(int64_t errors, int status, const char *first)
{
    if (errors == 0 && first[0] == '\0')
        return;
    if (status != 0)
        printf("         errors %" PRId64 " (first: HTTP %d %s)\n", errors, status, first);
    else
        printf("         errors %" PRId64 " (first: %s)\n", errors, first);
}

static void print_load(const char *name, const daas_bench_result *r, double min_rate,
                       double max_p99)
{
    double rate = r->seconds > 0 ? (double)r->ok / r->seconds : 0;
    printf("%-8s %7" PRId64 " in %6.2f s  %7.0f/s  p50 %6.1f ms  p99 %6.1f ms", name, r->ok,
           r->seconds, rate, r->p50_ms, r->p99_ms);
    if (min_rate > 0)
        printf("   [>= %.0f/s, p99 < %.0f ms] %s\n", min_rate, max_p99,
               pass(rate >= min_rate && r->p99_ms < max_p99 && r->ok > 0));
    else
        printf("   [no target]\n");
    print_errors(r->errors, r->first_status, r->first_err);
    fflush(stdout);
}

static void print_watch(const daas_bench_cfg *cfg, const daas_bench_watch_result *w)
{
    double rate = w->seconds > 0 ? (double)w->deliveries / w->seconds : 0;
    bool ok = w->missed == 0 && w->reordered == 0 && w->established == cfg->watchers &&
              w->writes_ok == cfg->events;
    printf("watch    %d watchers x %" PRId64 " events: %" PRId64 " delivered in %.2f s  %.0f/s"
           "  max lag %.1f ms (p99 %.1f ms)\n",
           w->established, w->writes_ok, w->deliveries, w->seconds, rate, w->lag_max_ms,
           w->lag_p99_ms);
    printf("         missed %" PRId64 "  reordered %" PRId64 "   [missed = 0, reordered = 0] %s\n",
           w->missed, w->reordered, pass(ok));
    printf("         (watches opened in %.2f s; %" PRId64 " writes in %.2f s = %.0f/s;"
           " failed watchers %d, ERROR events %" PRId64 ", write errors %" PRId64 ")\n",
           w->setup_seconds, w->writes_ok, w->write_seconds,
           w->write_seconds > 0 ? (double)w->writes_ok / w->write_seconds : 0, w->failed,
           w->error_events, w->write_errors);
    if (w->first_err[0] != '\0')
        printf("         first error: %s\n", w->first_err);
    fflush(stdout);
}

typedef struct cpu_mark {
    double server, bench; /* CPU seconds used so far */
} cpu_mark;

static cpu_mark cpu_now(const daas_bench_server *s)
{
    struct rusage ru;
    cpu_mark m = {daas_bench_server_cpu(s), 0};
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        m.bench = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    return m;
}

/* CPU used since m by each side: shows whether the client starved the server. */
static void print_cpu(const daas_bench_server *s, const cpu_mark *m)
{
    cpu_mark now = cpu_now(s);
    printf("         cpu: server %.1f s, bench %.1f s\n", now.server - m->server,
           now.bench - m->bench);
    fflush(stdout);
}

/* True while the server process lives; else prints what happened and its log. */
static bool server_alive(daas_bench_server *s, const char *after)
{
    int st = 0;
    if (s->pid <= 0 || waitpid(s->pid, &st, WNOHANG) == 0)
        return s->pid > 0;
    fprintf(stderr, "bench_api: the server died during %s (%s %d)\n", after,
            WIFSIGNALED(st) ? "signal" : "exit status",
            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    s->pid = 0;
    daas_bench_server_log_tail(s, 30);
    return false;
}

/* A VmRSS reading, taken during a pause of the creates or at the end. */
typedef struct rss_sample {
    const daas_bench_server *s; /* the server */
    long rss_kb, hwm_kb;        /* the figures */
    bool taken;                 /* whether they were read */
} rss_sample;

static void take_rss(void *arg)
{
    rss_sample *r = arg;
    daas_bench_server_rss(r->s, &r->rss_kb, &r->hwm_kb);
    r->taken = true;
}

/* Phase e: the reading at RSS_PODS pods (topping up first when the creates stored fewer and
 * no reading was taken during them), then the reading at the end of the run. */
static void phase_rss(daas_bench_tls *t, const daas_bench_cfg *cfg, daas_bench_server *s,
                      rss_sample *at, int64_t stored)
{
    daas_bench_result r;
    rss_sample end = {.s = s};
    int64_t at_pods = RSS_PODS;
    if (!at->taken) {
        if (stored < RSS_PODS) {
            daas_bench_creates(t, cfg, "default", cfg->creates, cfg->creates + RSS_PODS - stored,
                               NULL, &r);
            stored += r.ok;
            print_errors(r.errors, r.first_status, r.first_err);
        }
        take_rss(at);
        at_pods = stored;
    }
    take_rss(&end);
    printf("rss      %" PRId64 " pods stored: VmRSS %.1f MB   [< 100 MB] %s\n", at_pods,
           at->rss_kb / 1024.0, pass(at->rss_kb > 0 && at->rss_kb < 100 * 1024));
    printf("         at the end (%" PRId64 " pods, after the watch phase): VmRSS %.1f MB,"
           " peak VmHWM %.1f MB\n",
           stored, end.rss_kb / 1024.0, end.hwm_kb / 1024.0);
    fflush(stdout);
}

/* Phases a-e against a running server; false when the server died. */
static bool run_phases(daas_bench_tls *t, const daas_bench_cfg *cfg, daas_bench_server *s)
{
    daas_bench_result cr, r;
    daas_bench_watch_result w;
    daas_err err = {0};

    rss_sample at = {.s = s};
    daas_bench_pause pause = {RSS_PODS, take_rss, &at};
    cpu_mark m = cpu_now(s);
    daas_bench_creates(t, cfg, "default", 0, cfg->creates, &pause, &cr);
    print_load("creates", &cr, 5000, 20);
    print_cpu(s, &m);
    if (!server_alive(s, "creates"))
        return false;
    /* The target's "p99 < 20 ms at those rates": creates offered at exactly 5,000/s. */
    if (daas_bench_make_ns(t, "rated", &err) != DAAS_OK) {
        printf("creates@ skipped: %s\n", err.msg);
    } else {
        m = cpu_now(s);
        daas_bench_creates_rated(t, cfg, "rated", cfg->creates / 2, 5000, &r);
        /* "kept up": achieved within 5% of offered (a short run loses a little to the last
         * answer's latency, which the wall time includes) */
        print_load("creates@5000/s", &r, 4750, 20);
        print_cpu(s, &m);
        if (!server_alive(s, "creates at 5000/s"))
            return false;
    }
    m = cpu_now(s);
    daas_bench_gets(t, cfg, cfg->creates, &r);
    print_load("gets", &r, 20000, 20);
    print_cpu(s, &m);
    if (!server_alive(s, "gets"))
        return false;
    int64_t listed = 0;
    if (daas_bench_make_ns(t, "list500", &err) != DAAS_OK) {
        printf("lists    skipped: %s\n", err.msg);
    } else {
        daas_bench_creates(t, cfg, "list500", 0, LIST_PODS, NULL, &r);
        listed = r.ok;
        if (r.ok != LIST_PODS)
            print_errors(r.errors, r.first_status, r.first_err);
        m = cpu_now(s);
        daas_bench_lists(t, cfg, "list500", &r);
        print_load("lists", &r, 0, 0);
        print_cpu(s, &m);
    }
    if (!server_alive(s, "lists"))
        return false;
    m = cpu_now(s);
    daas_bench_watch(t, cfg, &w);
    print_watch(cfg, &w);
    print_cpu(s, &m);
    if (!server_alive(s, "watch fan-out"))
        return false;
    phase_rss(t, cfg, s, &at, cr.ok + listed);
    return server_alive(s, "the RSS top-up");
}

int main(int argc, char **argv)
{
    daas_bench_cfg cfg = {0};
    daas_bench_server srv;
    daas_bench_tls tls;
    daas_err err = {0};
    char daas[1024];

    if (parse_args(argc, argv, &cfg, daas, sizeof daas) != 0)
        return 2;
    cfg.daas = daas;
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    int64_t t0 = daas_mono_ns();
    if (daas_bench_server_start(&srv, daas, cfg.workers, &tls, &err) != DAAS_OK) {
        fprintf(stderr, "bench_api: %s: %s\n", daas, err.msg);
        daas_bench_server_log_tail(&srv, 30);
        daas_bench_server_stop(&srv, cfg.keep);
        return 1;
    }
    printf("bench_api: %s on 127.0.0.1:%d (pid %d, ready in %.2f s); %d clients, %d cores\n", daas,
           srv.port, (int)srv.pid, daas_bench_secs(daas_mono_ns() - t0), cfg.clients,
           (int)sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    bool ok = run_phases(&tls, &cfg, &srv);
    printf("tls      %ld handshakes, %ld resumed\n", atomic_load(&tls.handshakes),
           atomic_load(&tls.resumed));
    int st = daas_bench_server_stop(&srv, cfg.keep);
    if (ok && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        fprintf(stderr, "bench_api: the server did not exit cleanly on SIGTERM (status %d)\n", st);
    }
    daas_bench_tls_fini(&tls);
    return ok ? 0 : 1;
}
