/*
 * metrics.c: /metrics in the Prometheus text format.
 *
 * Owns:   counters and latency histograms by resource and verb (lock-free relaxed atomics),
 *         the watch gauge, the store revision gauge, the scheduler's counters; and
 *         GET /daas/v1/decisions, the scheduler's decision log as it is on disk (for
 *         `kubectl get --raw /daas/v1/decisions | daas verify decisions -`).
 * Invariants: recording never allocates or locks (it sits on every request's path).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/schedctl.h"
#include "sched/declog.h"

/* Upper bounds of the latency buckets, in microseconds. */
static const int64_t bucket_us[DAAS_API_NBUCKETS] = {100,    250,    500,     1000,
                                                     2500,   5000,   10000,   25000,
                                                     50000,  100000, 1000000, 10000000};
static const char *const verb_names[DAAS_API_NVERBS] = {
    "GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "OTHER"};

void daas_api__metrics_record(daas_api *api, int kind_index, int verb, int status,
                              int64_t dur_ns)
{
    daas_api_metrics *m = &api->metrics;
    int row = kind_index + 1;
    if (row < 0 || row > DAAS_API_MAX_KINDS)
        row = 0;
    int64_t us = dur_ns / 1000;
    atomic_fetch_add_explicit(&m->count[row][verb], 1, memory_order_relaxed);
    if (status >= 400)
        atomic_fetch_add_explicit(&m->errors[row][verb], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us[row][verb], us, memory_order_relaxed);
    for (int b = 0; b < DAAS_API_NBUCKETS; b++)
        if (us <= bucket_us[b]) {
            atomic_fetch_add_explicit(&m->bucket[row][verb][b], 1, memory_order_relaxed);
            break;
        }
}

static int emit_row(daas_buf *b, daas_api_metrics *m, int row, const char *resource)
{
    int rc = DAAS_OK;
    for (int v = 0; v < DAAS_API_NVERBS && rc == DAAS_OK; v++) {
        long long n = atomic_load_explicit(&m->count[row][v], memory_order_relaxed);
        if (n == 0)
            continue;
        long long errs = atomic_load_explicit(&m->errors[row][v], memory_order_relaxed);
        const char *vb = verb_names[v];
        rc = daas_buf_printf(b,
                             "daas_apiserver_request_total{verb=\"%s\",resource=\"%s\"} %lld\n"
                             "daas_apiserver_request_errors_total{verb=\"%s\",resource=\"%s\"} "
                             "%lld\n",
                             vb, resource, n, vb, resource, errs);
        long long cum = 0;
        for (int k = 0; k < DAAS_API_NBUCKETS && rc == DAAS_OK; k++) {
            cum += atomic_load_explicit(&m->bucket[row][v][k], memory_order_relaxed);
            rc = daas_buf_printf(b,
                                 "daas_apiserver_request_duration_seconds_bucket{verb=\"%s\","
                                 "resource=\"%s\",le=\"%g\"} %lld\n",
                                 vb, resource, (double)bucket_us[k] / 1e6, cum);
        }
        if (rc == DAAS_OK)
            rc = daas_buf_printf(
                b,
                "daas_apiserver_request_duration_seconds_bucket{verb=\"%s\",resource=\"%s\","
                "le=\"+Inf\"} %lld\n"
                "daas_apiserver_request_duration_seconds_sum{verb=\"%s\",resource=\"%s\"} %.6f\n"
                "daas_apiserver_request_duration_seconds_count{verb=\"%s\",resource=\"%s\"} "
                "%lld\n",
                vb, resource, n, vb, resource,
                (double)atomic_load_explicit(&m->sum_us[row][v], memory_order_relaxed) / 1e6, vb,
                resource, n);
    }
    return rc;
}

void daas_api__serve_metrics(daas_api__req *r)
{
    daas_api_metrics *m = &r->api->metrics;
    daas_buf b;
    int n;
    const daas_kube_kind *const *kinds = daas_kube_kinds(&n);
    daas_buf_init(&b, 0);
    int rc = daas_buf_puts(&b, "# HELP daas_apiserver_request_total Requests by verb and "
                               "resource.\n# TYPE daas_apiserver_request_total counter\n"
                               "# HELP daas_apiserver_request_duration_seconds Request "
                               "latency.\n# TYPE daas_apiserver_request_duration_seconds "
                               "histogram\n");
    if (rc == DAAS_OK)
        rc = emit_row(&b, m, 0, "");
    for (int i = 0; i < n && i < DAAS_API_MAX_KINDS && rc == DAAS_OK; i++)
        rc = emit_row(&b, m, i + 1, kinds[i]->resource);
    if (rc == DAAS_OK)
        rc = daas_buf_printf(&b,
                             "# HELP daas_apiserver_watches Open watch streams.\n"
                             "# TYPE daas_apiserver_watches gauge\ndaas_apiserver_watches %lld\n"
                             "# HELP daas_apiserver_watch_events_total Events sent to "
                             "watchers.\n# TYPE daas_apiserver_watch_events_total counter\n"
                             "daas_apiserver_watch_events_total %lld\n"
                             "# HELP daas_store_revision Current store revision.\n"
                             "# TYPE daas_store_revision gauge\ndaas_store_revision %lld\n"
                             "# HELP daas_store_compacted_revision Compacted revision.\n"
                             "# TYPE daas_store_compacted_revision gauge\n"
                             "daas_store_compacted_revision %lld\n",
                             (long long)atomic_load(&m->watches),
                             (long long)atomic_load(&m->watch_events),
                             (long long)daas_store_revision(r->api->store),
                             (long long)daas_store_compacted(r->api->store));
    if (rc == DAAS_OK && r->api->sched)
        rc = daas_buf_printf(&b,
                             "# HELP daas_scheduler_decisions_total Signed placements bound.\n"
                             "# TYPE daas_scheduler_decisions_total counter\n"
                             "daas_scheduler_decisions_total %llu\n"
                             "# HELP daas_scheduler_batched_decisions_total Decisions in signed "
                             "batches (committed on chain when there is one).\n"
                             "# TYPE daas_scheduler_batched_decisions_total counter\n"
                             "daas_scheduler_batched_decisions_total %llu\n",
                             (unsigned long long)daas_schedctl_decisions(r->api->sched),
                             (unsigned long long)daas_schedctl_committed(r->api->sched));
    daas_api__respond_json(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                           b.data ? b.data : "", b.len);
    daas_buf_fini(&b);
}

void daas_api__serve_decisions(daas_api__req *r)
{
    daas_buf b;
    daas_err e = {0};
    if (r->api->declog_path == NULL) {
        daas_fail(&e, DAAS_ENOTFOUND, "this server runs no scheduler controller");
        daas_api__respond_err(r, &e);
        return;
    }
    daas_buf_init(&b, DAAS_DECLOG_MAX_FILE);
    if (daas_declog_load(r->api->declog_path, &b, &e) == DAAS_OK)
        daas_api__respond_json(r, 200, "application/octet-stream", b.data ? b.data : "", b.len);
    else
        daas_api__respond_err(r, &e);
    daas_buf_fini(&b);
}
