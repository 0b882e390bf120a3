/*
 * serve.h: the agent's HTTPS endpoint (the kubelet's port): container logs and exec, for the
 * API server only. The server proxies `kubectl logs` and `kubectl exec` here (api/podproxy.c).
 *
 * Owns:   the listener, its in-memory TLS identity (a fresh self-signed P-256 key and
 *         certificate made at start, never written to disk; the Node publishes its SHA-256
 *         fingerprint in the annotation DAAS_AGENT_CERT_ANNOTATION and the server pins it),
 *         the log readers and the exec sessions.
 * URLs (kubelet style; ns, pod, container are DNS labels/subdomains, podUID the pod's uid):
 *   GET /containerLogs/{ns}/{pod}/{container}?podUID=&follow=&tailLines=&sinceSeconds=
 *       &sinceTime=&previous=&timestamps=&limitBytes=          → text/plain, chunked
 *   GET|POST /exec/{ns}/{pod}/{container}?podUID=&command=…&command=…&stdin=&stdout=&stderr=
 *       &tty=   with Upgrade: websocket, Sec-WebSocket-Protocol v5.channel.k8s.io (also
 *       v4.channel.k8s.io) → 101, then the Kubernetes channel protocol.
 * Containers are found by naming convention, not by asking the pod loop: the runc id of
 * the n-th run (restart count n, from 0) of container C of the pod with uid U is
 * daas_agent_ctr_id(U, C, n) = "<first 8 chars of U>-<C>-<n>"; the current run is the
 * largest n whose log file or runc container exists, `previous` the one before it.
 * Invariants:
 *   - only a client certificate chained to the cluster CA with CN DAAS_AGENT_SERVER_CN is
 *     served (TLS handshake refuses the rest; no CA given: the endpoint is not started);
 *   - every error before the upgrade is a Kubernetes Status JSON (404 unknown container,
 *     400 bad parameters); exec ends with a Status on channel 3 (Success, or Failure with
 *     reason NonZeroExitCode and the exit code as cause, as the kubelet sends).
 * Thread: its own HTTP loop threads; it reads the runtime (runc is safe to call at once).
 */
#ifndef DAAS_AGENT_SERVE_H
#define DAAS_AGENT_SERVE_H

#include <stddef.h>

#include "agent/runtime.h"
#include "common/err.h"

#define DAAS_AGENT_CERT_ANNOTATION "daas.io/agent-cert-sha256"
#define DAAS_AGENT_SERVER_CN "daas-apiserver"
#define DAAS_AGENT_PORT_DEFAULT 10250

typedef struct daas_agent_srv daas_agent_srv;

typedef struct daas_agent_srv_opts {
    const char *bind_addr; /* default "0.0.0.0" */
    int port;              /* 0: any free port (see daas_agent_srv_port) */
    const char *ca_file;   /* the cluster CA clients must chain to (required) */
    const char *node_name; /* the certificate's CN and SAN (with the address) */
    const char *address;   /* the node's InternalIP, a SAN */
    daas_rt *rt;           /* borrowed: logs, exec */
} daas_agent_srv_opts;

DAAS_MUST_USE int daas_agent_srv_new(const daas_agent_srv_opts *o, daas_agent_srv **out,
                                     daas_err *err);
int daas_agent_srv_port(const daas_agent_srv *s);
/* Lower-case hex SHA-256 of the DER certificate (64 chars + NUL). */
const char *daas_agent_srv_cert_sha256(const daas_agent_srv *s);
/* Stops (ends open exec sessions and log streams) and frees. Accepts NULL. */
void daas_agent_srv_free(daas_agent_srv **s);

/* The runc id of run n of container name of the pod with this uid (daas_free). */
char *daas_agent_ctr_id(const char *pod_uid, const char *name, unsigned n);

#endif
