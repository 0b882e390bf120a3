/*
 * report.c: bench_api's lines on stdout: one per load phase, the watch fan-out's, the CPU
 *           each process used, and the side-by-side table of the stores.
 *
 * Owns:   the format of the report (bench/README.md shows it) and the PASS/FAIL verdicts.
 * Not:    the figures themselves (load.c, watch.c, main.c).
 * Invariants: every line is flushed as soon as it is complete, so a run cut short still shows
 *             what it measured.
 * Spec:   bench/README.md (bench_api).
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>

#include "bench.h"

/* The target for the etcd store: creates at >= 50% of raw etcd puts. */
#define ETCD_RATIO_TARGET 0.5

const char *daas_bench_pass(bool ok)
{
    return ok ? "PASS" : "FAIL";
}

void daas_bench_print_errors(int64_t errors, int status, const char *first)
{
    if (errors == 0 && first[0] == '\0')
        return;
    if (status != 0)
        printf("         errors %" PRId64 " (first: HTTP %d %s)\n", errors, status, first);
    else
        printf("         errors %" PRId64 " (first: %s)\n", errors, first);
}

static double rate_of(const daas_bench_result *r)
{
    return r->seconds > 0 ? (double)r->ok / r->seconds : 0;
}

void daas_bench_print_load(const char *name, const daas_bench_result *r, double min_rate,
                           double max_p99, const char *note)
{
    double rate = rate_of(r);
    printf("%-8s %7" PRId64 " in %6.2f s  %7.0f/s  p50 %6.1f ms  p99 %6.1f ms", name, r->ok,
           r->seconds, rate, r->p50_ms, r->p99_ms);
    if (min_rate > 0)
        printf("   [>= %.0f/s, p99 < %.0f ms] %s\n", min_rate, max_p99,
               daas_bench_pass(rate >= min_rate && r->p99_ms < max_p99 && r->ok > 0));
    else
        printf("   [%s]\n", note != NULL ? note : "no target");
    daas_bench_print_errors(r->errors, r->first_status, r->first_err);
    fflush(stdout);
}

void daas_bench_print_watch(const daas_bench_cfg *cfg, const daas_bench_watch_result *w)
{
    double rate = w->seconds > 0 ? (double)w->deliveries / w->seconds : 0;
    bool ok = w->missed == 0 && w->reordered == 0 && w->established == cfg->watchers &&
              w->writes_ok == cfg->events;
    printf("watch    %d watchers x %" PRId64 " events: %" PRId64 " delivered in %.2f s  %.0f/s"
           "  max lag %.1f ms (p99 %.1f ms)\n",
           w->established, w->writes_ok, w->deliveries, w->seconds, rate, w->lag_max_ms,
           w->lag_p99_ms);
    printf("         missed %" PRId64 "  reordered %" PRId64 "   [missed = 0, reordered = 0] %s\n",
           w->missed, w->reordered, daas_bench_pass(ok));
    printf("         (watches opened in %.2f s; %" PRId64 " writes in %.2f s = %.0f/s;"
           " failed watchers %d, ERROR events %" PRId64 ", write errors %" PRId64 ")\n",
           w->setup_seconds, w->writes_ok, w->write_seconds,
           w->write_seconds > 0 ? (double)w->writes_ok / w->write_seconds : 0, w->failed,
           w->error_events, w->write_errors);
    if (w->first_err[0] != '\0')
        printf("         first error: %s\n", w->first_err);
    fflush(stdout);
}

daas_bench_cpu daas_bench_cpu_now(pid_t server, pid_t etcd)
{
    struct rusage ru;
    daas_bench_cpu m = {.server = server, .etcd = etcd};
    m.server_s = daas_bench_pid_cpu(server);
    m.etcd_s = daas_bench_pid_cpu(etcd);
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        m.bench_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    return m;
}

double daas_bench_print_cpu(const daas_bench_cpu *m)
{
    daas_bench_cpu now = daas_bench_cpu_now(m->server, m->etcd);
    double server = now.server_s - m->server_s, etcd = now.etcd_s - m->etcd_s;
    double bench = now.bench_s - m->bench_s;
    printf("         cpu:");
    if (m->server > 0)
        printf(" server %.1f s,", server);
    if (m->etcd > 0)
        printf(" etcd %.1f s,", etcd);
    printf(" bench %.1f s\n", bench);
    fflush(stdout);
    return server + etcd + bench;
}

/* CPU milliseconds per successful write of a phase; 0 when unknown. */
static double cpu_ms(const daas_bench_result *r)
{
    return r != NULL && r->ok > 0 ? r->cpu_s * 1000 / (double)r->ok : 0;
}

/* A rate column: "-" when the part did not run. */
static void rate_cell(const daas_bench_result *r, int width)
{
    if (r == NULL)
        printf("%*s", width, "-");
    else
        printf("%*.0f", width, rate_of(r));
}

void daas_bench_print_side(const daas_bench_side *s)
{
    printf("\nside by side: %d clients each; a create posts %zu B of pod JSON, etcd stores %zu B "
           "of it; a raw txn or put writes %zu B\n",
           s->clients, s->posted, s->stored, s->stored);
    printf("  sqlite creates/s  etcd-backed creates/s  raw etcd txns/s  raw etcd puts/s"
           "  etcd-backed / raw puts\n");
    rate_cell(s->sqlite, 18);
    rate_cell(s->etcd, 23);
    rate_cell(s->txn, 17);
    rate_cell(s->raw, 17);
    if (s->etcd != NULL && s->raw != NULL && rate_of(s->raw) > 0) {
        double ratio = rate_of(s->etcd) / rate_of(s->raw);
        printf("  %21.1f%%   [>= %.0f%%] %s\n", ratio * 100, ETCD_RATIO_TARGET * 100,
               daas_bench_pass(ratio >= ETCD_RATIO_TARGET && s->etcd->errors == 0 &&
                               s->raw->errors == 0));
    } else {
        printf("  %22s\n", "-");
    }
    if (s->etcd != NULL && s->txn != NULL && s->raw != NULL && rate_of(s->txn) > 0 &&
        rate_of(s->raw) > 0)
        printf("  (etcd-backed / raw txns %.1f%%: daas's own share; raw txns / raw puts %.1f%%: "
               "etcd's price of the create compare)\n",
               100 * rate_of(s->etcd) / rate_of(s->txn), 100 * rate_of(s->txn) / rate_of(s->raw));
    /* Every process shares the same cores, so when they are busy the rates follow the CPU
     * each write costs: this ratio is steadier than the rates on a shared machine. */
    if (cpu_ms(s->etcd) > 0 && cpu_ms(s->txn) > 0 && cpu_ms(s->raw) > 0)
        printf("  cpu per write (all processes): etcd-backed create %.2f ms, raw txn %.2f ms, raw "
               "put %.2f ms: as a ratio of costs, raw put / etcd-backed = %.1f%%\n",
               cpu_ms(s->etcd), cpu_ms(s->txn), cpu_ms(s->raw),
               100 * cpu_ms(s->raw) / cpu_ms(s->etcd));
    fflush(stdout);
}
