/*
 * probe.h: container probes as the kubelet runs them: exec (a command in the container),
 *          httpGet (plain HTTP GET, 200-399 is success) and tcpSocket (a connection opens),
 *          with initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold and
 *          successThreshold.
 *
 * Owns:   a probe's parsed settings and its counters (daas_agent_probe); the short-lived
 *         socket of one network probe.
 * Not:    running exec probes (the pod loop calls daas_rt_exec), what a verdict does (the
 *         pod loop: readiness sets ready, liveness restarts, startup gates the others).
 * Invariants:
 *   - a network probe never blocks longer than its timeout (non-blocking connect, poll);
 *   - the HTTP answer read is capped (DAAS_AGENT_PROBE_MAX_REPLY); a malformed status line
 *     is a failed probe, never a crash;
 *   - the verdict flips only after failureThreshold failures / successThreshold successes
 *     in a row.
 * Thread: a daas_agent_probe belongs to one thread; the network functions are thread-safe.
 * Spec:   Kubernetes core/v1 Probe; kubelet pkg/probe/{http,tcp,exec}.
 */
#ifndef DAAS_AGENT_PROBE_H
#define DAAS_AGENT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"

#define DAAS_AGENT_PROBE_MAX_REPLY 4096

enum {
    DAAS_AGENT_PROBE_NONE = 0,
    DAAS_AGENT_PROBE_EXEC = 1,
    DAAS_AGENT_PROBE_HTTP = 2,
    DAAS_AGENT_PROBE_TCP = 3,
};

typedef struct daas_agent_probe {
    int kind;   /* DAAS_AGENT_PROBE_* */
    char **cmd; /* exec: argv, NULL-terminated (owned) */
    char *host; /* http/tcp: host ("" → the pod's IP, given at run time) */
    char *path; /* http: path with query, "/" by default */
    int port;   /* http/tcp: resolved port number */
    int initial_delay_s, period_s, timeout_s, failure_threshold, success_threshold;
    /* counters */
    int64_t next_ms;         /* next run (monotonic ms); 0: not scheduled yet */
    int successes, failures; /* in a row */
    bool ok;                 /* the current verdict */
} daas_agent_probe;

/* Parses probe (a core/v1 Probe, borrowed; NULL or JSON null: kind NONE) of container (for
 * named ports, its ports[].name). initial_ok is the verdict before any run (liveness: true;
 * readiness, startup: false). DAAS_EINVAL naming the problem (no handler, unknown port name,
 * port out of range). Call _fini even after a failure. */
DAAS_MUST_USE int daas_agent_probe_parse(const json_t *probe, const json_t *container,
                                         bool initial_ok, daas_agent_probe *out, daas_err *err);
void daas_agent_probe_fini(daas_agent_probe *p);

/* True when the probe should run at now_ms (monotonic) for a container started at
 * started_ms (monotonic); the first run is initialDelaySeconds after the start. */
bool daas_agent_probe_due(const daas_agent_probe *p, int64_t started_ms, int64_t now_ms);

/* Records one result at now_ms and schedules the next run; true when the verdict changed. */
bool daas_agent_probe_record(daas_agent_probe *p, bool ok, int64_t now_ms);

/* Resets the counters and the verdict to initial_ok (a new run of the container). */
void daas_agent_probe_reset(daas_agent_probe *p, bool initial_ok);

/* The status code of an HTTP/1.x status line at the start of buf[0..n) ("HTTP/1.1 200 OK"),
 * or -1 when it is not one. Never reads past n. */
int daas_agent_probe_http_status(const char *buf, size_t n);

/* Runs an httpGet probe against host:port (IPv4/IPv6 literal or name) path, bounded by
 * timeout_ms. True for a status in 200..399; else false with the kubelet's message in
 * msg[0..n) ("HTTP probe failed with statuscode: 500", "Get \"http://...\": ..."). */
bool daas_agent_probe_http(const char *host, int port, const char *path, int timeout_ms, char *msg,
                           size_t n);

/* Runs a tcpSocket probe: true when a connection to host:port opens within timeout_ms. */
bool daas_agent_probe_tcp(const char *host, int port, int timeout_ms, char *msg, size_t n);

#endif
