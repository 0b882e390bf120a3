/*
 * main.c: bench_api, the API server benchmark: flags, the order of the phases and passes.
 *
 * Owns:   the run: for each datastore asked for (--datastore), start a private `daas server`
 *         on it, run the phases (creates, gets, lists, watch fan-out, RSS; the etcd pass of a
 *         `both` run only the creates), stop it; on etcd also start the private etcd first
 *         and, after the server stopped, run the raw etcd puts on it; then the side-by-side
 *         table.
 * Not:    the phases' mechanics (load.c, watch.c), the processes (server.c, etcd.c), the
 *         lines printed (report.c).
 * Invariants: exits 0 when the run completed, whatever the figures; 1 when the server or etcd
 *             could not start or the server died during the run; 2 on bad flags.
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

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_api [options]\n\n"
               "Starts its own `daas server` (and etcd) and measures creates, gets, lists, watch\n"
               "fan-out and memory, and etcd-backed creates against raw etcd puts.\n"
               "See bench/README.md.\n\n"
               "  --daas PATH      server binary (default $DAAS_BIN, else daas next to bench_api,\n"
               "                   else ./build/daas)\n"
               "  --clients N      concurrent load connections (default 64)\n"
               "  --creates N      pods created in the create phase (default 20000)\n"
               "  --seconds N      duration of the get and list phases (default 10)\n"
               "  --watchers N     watchers in the fan-out phase (default 1000)\n"
               "  --events N       events written in the fan-out phase (default 10000)\n"
               "  --writers N      writer connections in the fan-out phase (default 4)\n"
               "  --workers N      pass --workers N to the server (default: its own)\n"
               "  --keep           keep the temporary data dirs, server and etcd logs\n"
               "  --quick          smoke run: 2000 creates, 3 s, 100 watchers, 1000 events\n"
               "  --datastore S    sqlite, etcd or both (default both: every phase on SQLite,\n"
               "                   then the creates on etcd next to raw etcd puts; etcd: every\n"
               "                   phase on etcd, then the raw puts)\n"
               "  --etcd PATH      etcd binary for the etcd runs (default /usr/bin/etcd)\n"
               "  --creates-only   run only the create phase on each store (and the raw puts)\n");
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

static bool parse_store(const char *s, int *out)
{
    if (strcmp(s, "sqlite") == 0)
        *out = DAAS_BENCH_SQLITE;
    else if (strcmp(s, "etcd") == 0)
        *out = DAAS_BENCH_ETCD;
    else if (strcmp(s, "both") == 0)
        *out = DAAS_BENCH_SQLITE | DAAS_BENCH_ETCD;
    else
        return false;
    return true;
}

/* The flags that take a string; false on a bad value. */
static bool string_flag(int ch, const char *arg, daas_bench_cfg *cfg, char *daas, size_t dlen)
{
    if (ch == 'd') {
        snprintf(daas, dlen, "%s", arg);
        return true;
    }
    if (ch == 'E') {
        cfg->etcd = arg;
        return true;
    }
    if (parse_store(arg, &cfg->datastore))
        return true;
    fprintf(stderr, "bench_api: --datastore takes sqlite, etcd or both, not '%s'\n", arg);
    return false;
}

static int parse_args(int argc, char **argv, daas_bench_cfg *cfg, char *daas, size_t dlen)
{
    static const struct option opts[] = {
        {"daas", required_argument, 0, 'd'},
        {"clients", required_argument, 0, 'c'},
        {"creates", required_argument, 0, 'n'},
        {"seconds", required_argument, 0, 's'},
        {"watchers", required_argument, 0, 'w'},
        {"events", required_argument, 0, 'e'},
        {"writers", required_argument, 0, 'W'},
        {"workers", required_argument, 0, 'k'},
        {"datastore", required_argument, 0, 'D'},
        {"etcd", required_argument, 0, 'E'},
        {"keep", no_argument, 0, 'K'},
        {"quick", no_argument, 0, 'q'},
        {"creates-only", no_argument, 0, 'O'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int64_t v[128];
    bool set[128] = {false};
    int ch;
    bool quick = false;
    daas[0] = '\0';
    cfg->datastore = DAAS_BENCH_SQLITE | DAAS_BENCH_ETCD;
    cfg->etcd = "/usr/bin/etcd";
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
        } else if (ch == 'O') {
            cfg->creates_only = true;
        } else if (ch == 'd' || ch == 'D' || ch == 'E') {
            if (!string_flag(ch, optarg, cfg, daas, dlen))
                return -1;
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

/* One pass: a server on one datastore and what is measured against it. */
typedef struct pass {
    const daas_bench_cfg *cfg; /* the flags */
    daas_bench_server srv;     /* the server under test */
    daas_bench_tls tls;        /* its client context */
    pid_t etcd;                /* the etcd process of an etcd pass, else 0 */
    bool all;                  /* every phase, else only the creates */
    daas_bench_result creates; /* phase a's figures (the side-by-side table's) */
} pass;

static daas_bench_cpu cpu_mark(const pass *p)
{
    return daas_bench_cpu_now(p->srv.pid, p->etcd);
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
static void phase_rss(pass *p, rss_sample *at, int64_t stored)
{
    daas_bench_result r;
    rss_sample end = {.s = &p->srv};
    int64_t at_pods = RSS_PODS;
    if (!at->taken) {
        if (stored < RSS_PODS) {
            daas_bench_creates(&p->tls, p->cfg, "default", p->cfg->creates,
                               p->cfg->creates + RSS_PODS - stored, NULL, &r);
            stored += r.ok;
            daas_bench_print_errors(r.errors, r.first_status, r.first_err);
        }
        take_rss(at);
        at_pods = stored;
    }
    take_rss(&end);
    printf("rss      %" PRId64 " pods stored: VmRSS %.1f MB   [< 100 MB] %s\n", at_pods,
           at->rss_kb / 1024.0, daas_bench_pass(at->rss_kb > 0 && at->rss_kb < 100 * 1024));
    printf("         at the end (%" PRId64 " pods, after the watch phase): VmRSS %.1f MB,"
           " peak VmHWM %.1f MB\n",
           stored, end.rss_kb / 1024.0, end.hwm_kb / 1024.0);
    fflush(stdout);
}

/* Phase a (with the RSS pause when at is not NULL); false when the server died. */
static bool phase_creates(pass *p, rss_sample *at)
{
    daas_bench_pause pause = {RSS_PODS, take_rss, at};
    daas_bench_cpu m = cpu_mark(p);
    daas_bench_creates(&p->tls, p->cfg, "default", 0, p->cfg->creates, at ? &pause : NULL,
                       &p->creates);
    if (p->etcd > 0)
        daas_bench_print_load("creates", &p->creates, 0, 0, "etcd: see the ratio below");
    else
        daas_bench_print_load("creates", &p->creates, 5000, 20, NULL);
    p->creates.cpu_s = daas_bench_print_cpu(&m);
    return server_alive(&p->srv, "creates");
}

/* Phase a': the target's "p99 < 20 ms at those rates": creates offered at exactly 5,000/s. */
static bool phase_rated(pass *p)
{
    daas_bench_result r;
    daas_err err = {0};
    if (daas_bench_make_ns(&p->tls, "rated", &err) != DAAS_OK) {
        printf("creates@ skipped: %s\n", err.msg);
        return server_alive(&p->srv, "creating a namespace");
    }
    daas_bench_cpu m = cpu_mark(p);
    daas_bench_creates_rated(&p->tls, p->cfg, "rated", p->cfg->creates / 2, 5000, &r);
    /* "kept up": achieved within 5% of offered (a short run loses a little to the last
     * answer's latency, which the wall time includes) */
    daas_bench_print_load("creates@5000/s", &r, 4750, 20, NULL);
    daas_bench_print_cpu(&m);
    return server_alive(&p->srv, "creates at 5000/s");
}

/* Phase c; *listed gets the pods created for it. */
static bool phase_lists(pass *p, int64_t *listed)
{
    daas_bench_result r;
    daas_err err = {0};
    if (daas_bench_make_ns(&p->tls, "list500", &err) != DAAS_OK) {
        printf("lists    skipped: %s\n", err.msg);
        return server_alive(&p->srv, "creating a namespace");
    }
    daas_bench_creates(&p->tls, p->cfg, "list500", 0, LIST_PODS, NULL, &r);
    *listed = r.ok;
    if (r.ok != LIST_PODS)
        daas_bench_print_errors(r.errors, r.first_status, r.first_err);
    daas_bench_cpu m = cpu_mark(p);
    daas_bench_lists(&p->tls, p->cfg, "list500", &r);
    daas_bench_print_load("lists", &r, 0, 0, NULL);
    daas_bench_print_cpu(&m);
    return server_alive(&p->srv, "lists");
}

/* Phases a-e (only a when !p->all) against the running server; false when it died. */
static bool run_phases(pass *p)
{
    daas_bench_result r;
    daas_bench_watch_result w;
    rss_sample at = {.s = &p->srv};
    int64_t listed = 0;

    if (!phase_creates(p, p->all ? &at : NULL))
        return false;
    if (!p->all)
        return true;
    if (!phase_rated(p))
        return false;
    daas_bench_cpu m = cpu_mark(p);
    daas_bench_gets(&p->tls, p->cfg, p->cfg->creates, &r);
    daas_bench_print_load("gets", &r, 20000, 20, NULL);
    daas_bench_print_cpu(&m);
    if (!server_alive(&p->srv, "gets") || !phase_lists(p, &listed))
        return false;
    m = cpu_mark(p);
    daas_bench_watch(&p->tls, p->cfg, &w);
    daas_bench_print_watch(p->cfg, &w);
    daas_bench_print_cpu(&m);
    if (!server_alive(&p->srv, "watch fan-out"))
        return false;
    phase_rss(p, &at, p->creates.ok + listed);
    return server_alive(&p->srv, "the RSS top-up");
}

/* Starts the server on SQLite (etcd NULL) or on etcd, runs the phases, stops it. False when
 * the server could not start or died. */
static bool run_pass(pass *p, const daas_bench_etcd *etcd)
{
    daas_err err = {0};
    const daas_bench_cfg *cfg = p->cfg;
    int64_t t0 = daas_mono_ns();
    p->etcd = etcd != NULL ? etcd->pid : 0;
    if (daas_bench_server_start(&p->srv, cfg->daas, cfg->workers, etcd ? etcd->url : NULL, &p->tls,
                                &err) != DAAS_OK) {
        fprintf(stderr, "bench_api: %s: %s\n", cfg->daas, err.msg);
        daas_bench_server_log_tail(&p->srv, 30);
        daas_bench_server_stop(&p->srv, cfg->keep);
        return false;
    }
    printf("bench_api: %s on 127.0.0.1:%d (pid %d, ready in %.2f s), datastore %s%s; %d clients,"
           " %d cores\n",
           cfg->daas, p->srv.port, (int)p->srv.pid, daas_bench_secs(daas_mono_ns() - t0),
           etcd ? "etcd " : "sqlite", etcd ? etcd->url : "", cfg->clients,
           (int)sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    bool ok = run_phases(p);
    printf("tls      %ld handshakes, %ld resumed\n", atomic_load(&p->tls.handshakes),
           atomic_load(&p->tls.resumed));
    int st = daas_bench_server_stop(&p->srv, cfg->keep);
    if (ok && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fprintf(stderr, "bench_api: the server did not exit cleanly on SIGTERM (status %d)\n", st);
    daas_bench_tls_fini(&p->tls);
    return ok;
}

/* Raw etcd writes on the etcd of the pass, as many as the creates, of value_len bytes each:
 * puts, or (txn) the create txns daas sends. */
static void raw_phase(const daas_bench_cfg *cfg, const daas_bench_etcd *etcd, size_t value_len,
                      bool txn, daas_bench_result *r)
{
    daas_bench_cpu m = daas_bench_cpu_now(0, etcd->pid);
    daas_bench_etcd_puts(etcd->url, cfg, "default", cfg->creates, value_len, txn, r);
    daas_bench_print_load(txn ? "raw txns" : "raw puts", r, 0, 0,
                          txn ? "etcd /v3/kv/txn as daas creates, daas stopped"
                              : "etcd /v3/kv/put, same etcd, daas stopped");
    r->cpu_s = daas_bench_print_cpu(&m);
}

/* The etcd pass: a private etcd, the server on it, then (server stopped, so its watch does not
 * load the machine) as many raw puts, then raw create txns, of the stored pod's size. */
static bool run_etcd(pass *p, daas_bench_result raw[2], daas_bench_side *side)
{
    daas_bench_etcd etcd;
    daas_err err = {0};
    int64_t t0 = daas_mono_ns();
    if (daas_bench_etcd_start(&etcd, p->cfg->etcd, &err) != DAAS_OK) {
        fprintf(stderr, "bench_api: %s\n", err.msg);
        daas_bench_etcd_stop(&etcd, p->cfg->keep);
        return false;
    }
    printf("bench_api: etcd %s on %s (pid %d, ready in %.2f s)\n", p->cfg->etcd, etcd.url,
           (int)etcd.pid, daas_bench_secs(daas_mono_ns() - t0));
    bool ok = run_pass(p, &etcd);
    side->etcd = ok ? &p->creates : NULL;
    if (ok && daas_bench_etcd_value_len(&etcd, "/registry/pods/default/p-000000", &side->stored,
                                        &err) != DAAS_OK) {
        printf("raw puts: the stored pod's size is unknown (%s): using the posted JSON's\n",
               err.msg);
        side->stored = side->posted;
    }
    if (ok) {
        raw_phase(p->cfg, &etcd, side->stored, false, &raw[0]);
        raw_phase(p->cfg, &etcd, side->stored, true, &raw[1]);
        side->raw = &raw[0];
        side->txn = &raw[1];
    }
    daas_bench_etcd_stop(&etcd, p->cfg->keep);
    return ok;
}

int main(int argc, char **argv)
{
    daas_bench_cfg cfg = {0};
    daas_bench_result raw[2];
    char daas[1024];

    if (parse_args(argc, argv, &cfg, daas, sizeof daas) != 0)
        return 2;
    cfg.daas = daas;
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    if ((cfg.datastore & DAAS_BENCH_ETCD) && access(cfg.etcd, X_OK) != 0) {
        fprintf(stderr,
                "bench_api: etcd binary %s: %s (install Debian's etcd-server, pass --etcd"
                " PATH, or run --datastore sqlite)\n",
                cfg.etcd, strerror(errno));
        return 1;
    }
    pass sq = {.cfg = &cfg, .all = !cfg.creates_only};
    pass et = {.cfg = &cfg, .all = !cfg.creates_only && cfg.datastore == DAAS_BENCH_ETCD};
    daas_bench_side side = {.clients = cfg.clients, .posted = daas_bench_pod_json_len()};
    bool ok = true;
    if (cfg.datastore & DAAS_BENCH_SQLITE) {
        ok = run_pass(&sq, NULL);
        side.sqlite = ok ? &sq.creates : NULL;
    }
    if (ok && (cfg.datastore & DAAS_BENCH_ETCD)) {
        if (cfg.datastore & DAAS_BENCH_SQLITE)
            printf("\n");
        ok = run_etcd(&et, raw, &side);
    }
    if (ok && (cfg.datastore & DAAS_BENCH_ETCD))
        daas_bench_print_side(&side);
    return ok ? 0 : 1;
}
