/*
 * etcd.c: the private etcd of bench_api's etcd-backed run: one member on free loopback ports,
 *         data in a temporary directory, as a child process of the benchmark.
 *
 * Owns:   the etcd process, its directory (data/, etcd.log), its readiness check, reading the
 *         size of one stored value (what the raw puts write).
 * Not:    the raw put phase (load.c, shared with the creates), the etcd client (src/store/).
 * Invariants: the child is always reaped; the directory is removed unless the user keeps it;
 *             etcd listens on 127.0.0.1 only.
 * Spec:   bench/README.md (bench_api, --datastore); etcd 3.4's flags (etcd --help).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "common/util.h"
#include "store/etcd.h"

enum { READY_TIMEOUT_MS = 30000, STOP_TIMEOUT_MS = 10000, PROBE_TIMEOUT_MS = 1000 };

/* Starts etcd, its output to the log. */
static int spawn_etcd(daas_bench_etcd *e, const char *bin, daas_err *err)
{
    char data[300], purl[64], cluster[96];
    snprintf(data, sizeof data, "%s/data", e->dir);
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", e->peer_port);
    snprintf(cluster, sizeof cluster, "bench=%s", purl);
    const char *argv[] = {bin,     "--name",
                          "bench", "--data-dir",
                          data,    "--listen-client-urls",
                          e->url,  "--advertise-client-urls",
                          e->url,  "--listen-peer-urls",
                          purl,    "--initial-advertise-peer-urls",
                          purl,    "--initial-cluster",
                          cluster, "--initial-cluster-state",
                          "new",   "--log-level",
                          "warn",  NULL};
    return daas_bench_spawn(e->log, (char *const *)argv, &e->pid, err);
}

/* One probe: the gateway answers a status call naming a leader. */
static bool has_leader(daas_store_etcd *c)
{
    daas_store_etcd_status st;
    return daas_store_etcd_status_of(c, 0, &st, NULL) == DAAS_OK && st.leader != 0;
}

/* Waits for a leader or the child's exit. */
static int wait_leader(daas_bench_etcd *e, daas_err *err)
{
    daas_store_etcd_opts o = {.endpoints = e->url, .timeout_ms = PROBE_TIMEOUT_MS};
    daas_store_etcd *c = NULL;
    int rc = daas_store_etcd_new(&o, &c, err);
    if (rc != DAAS_OK)
        return rc;
    int64_t deadline = daas_mono_ns() + (int64_t)READY_TIMEOUT_MS * 1000000;
    rc = daas_fail(err, DAAS_EIO, "etcd had no leader within %d s", READY_TIMEOUT_MS / 1000);
    for (;;) {
        int st = 0;
        if (waitpid(e->pid, &st, WNOHANG) == e->pid) {
            e->pid = 0;
            daas_err_clear(err);
            rc = daas_fail(err, DAAS_EIO, "etcd exited during startup (status %d)",
                           WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            break;
        }
        if (has_leader(c)) {
            daas_err_clear(err);
            rc = DAAS_OK;
            break;
        }
        if (daas_mono_ns() > deadline)
            break;
        daas_bench_sleep_ms(50);
    }
    daas_store_etcd_free(&c);
    return rc;
}

int daas_bench_etcd_start(daas_bench_etcd *e, const char *bin, daas_err *err)
{
    memset(e, 0, sizeof *e);
    if (access(bin, X_OK) != 0)
        return daas_fail(err, DAAS_ENOTFOUND,
                         "etcd binary %s: %s (install Debian's etcd-server, pass --etcd PATH, or "
                         "run --datastore sqlite)",
                         bin, strerror(errno));
    snprintf(e->dir, sizeof e->dir, "/tmp/daas-bench-etcd-XXXXXX");
    if (mkdtemp(e->dir) == NULL) {
        e->dir[0] = '\0';
        return daas_fail(err, DAAS_EIO, "mkdtemp: %s", strerror(errno));
    }
    snprintf(e->log, sizeof e->log, "%s/etcd.log", e->dir);
    e->port = daas_bench_free_port();
    do
        e->peer_port = daas_bench_free_port();
    while (e->peer_port == e->port && e->port > 0);
    if (e->port <= 0 || e->peer_port <= 0)
        return daas_fail(err, DAAS_EIO, "no free port for etcd");
    snprintf(e->url, sizeof e->url, "http://127.0.0.1:%d", e->port);
    int rc = spawn_etcd(e, bin, err);
    if (rc == DAAS_OK)
        rc = wait_leader(e, err);
    if (rc != DAAS_OK)
        daas_bench_log_tail(e->log, 20);
    return rc;
}

void daas_bench_etcd_stop(daas_bench_etcd *e, bool keep)
{
    (void)daas_bench_child_stop(&e->pid, "etcd", STOP_TIMEOUT_MS);
    daas_bench_dir_done(e->dir, keep, "etcd.log, data/");
    e->dir[0] = '\0';
}

int daas_bench_etcd_value_len(const daas_bench_etcd *e, const char *key, size_t *len, daas_err *err)
{
    daas_store_etcd_opts o = {.endpoints = e->url};
    daas_store_etcd *c = NULL;
    daas_store_etcd_range_res r = {0};
    int rc = daas_store_etcd_new(&o, &c, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_store_etcd_range(c, DAAS_BYTES_STR(key), DAAS_BYTES(NULL, 0), 0, 0, false, &r, err);
    if (rc == DAAS_OK) {
        if (r.nkvs == 1)
            *len = r.kvs[0].value_len;
        else
            rc = daas_fail(err, DAAS_ENOTFOUND, "etcd has no key %s", key);
        daas_store_etcd_range_fini(&r);
    }
    daas_store_etcd_free(&c);
    return rc;
}
