/*
 * podproxy.h: the API server side of `kubectl logs` and `kubectl exec`: pods/{name}/log and
 * pods/{name}/exec are proxied to the agent's HTTPS endpoint on the pod's Node (private to
 * src/api/ and its tests).
 *
 * Owns:   the pure pieces (container choice, the Node's agent endpoint, the agent URL, the
 *         rewritten request head) and the proxied connections (podproxy_conn.c).
 * Not:    the agent's side (agent/serve.h); authorization (authz.c, before dispatch); the
 *         client TLS identity (pki_mem.c, given in daas_api_config.agent_tls).
 * Invariants:
 *   - only whitelisted query parameters reach the agent, percent-encoded again;
 *   - the client's Authorization (and every other header but the WebSocket handshake's) is
 *     never forwarded;
 *   - the agent is pinned: the SHA-256 of its leaf certificate must equal the Node's
 *     daas.io/agent-cert-sha256 annotation (constant-time comparison); no CA chain check.
 * Spec:   src/agent/serve.h (URLs); Kubernetes pods/log and pods/exec (kubectl 1.32: exec over
 *         WebSocket, v5.channel.k8s.io).
 */
#ifndef DAAS_API_PODPROXY_H
#define DAAS_API_PODPROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api/http.h"
#include "common/alloc.h"
#include "common/err.h"

typedef struct daas_api daas_api;
typedef struct daas_api__req daas_api__req;

/* Connect plus TLS handshake with the agent must finish within this many milliseconds. */
#define DAAS_API_PROXY_DIAL_MS 10000

/* Where a Node's agent listens and which certificate it must present. */
typedef struct daas_api__proxy_target {
    char node[254];    /* the Node's name (for messages) */
    char hostport[80]; /* "10.0.0.5:10250" or "[fd00::5]:10250": connect address and Host */
    uint8_t fp[32];    /* SHA-256 of the agent's DER certificate */
} daas_api__proxy_target;

/* The container of pod a request is for: want (the ?container= value) when given and one of
 * the pod's containers, init containers or ephemeral containers; else the annotation
 * kubectl.kubernetes.io/default-container; else the only container. *out points into pod.
 * Errors (DAAS_EINVAL, upstream's texts): "container c is not valid for pod X"; "a container
 * name must be specified for pod X, choose one of: [a b]". Pure. */
DAAS_MUST_USE int daas_api__proxy_container(const json_t *pod, const char *want, const char **out,
                                            daas_err *err);

/* The agent endpoint of node (a Node object): address = status.addresses InternalIP, port =
 * status.daemonEndpoints.kubeletEndpoint.Port, fingerprint = the daas.io/agent-cert-sha256
 * annotation (64 hex digits). DAAS_EUNAVAIL naming the node and what is missing. Pure. */
DAAS_MUST_USE int daas_api__proxy_node_target(const json_t *node, daas_api__proxy_target *out,
                                              daas_err *err);

/* The path and query on the agent (new string, daas_free):
 *   exec false: /containerLogs/{ns}/{pod}/{container}?podUID=<uid>[&follow=..&tailLines=..
 *               &sinceSeconds=..&sinceTime=..&previous=..&timestamps=..&limitBytes=..]
 *   exec true:  /exec/{ns}/{pod}/{container}?podUID=<uid>[&command=..(repeated)&stdin=..
 *               &stdout=..&stderr=..&tty=..]
 * Segments and values are percent-encoded; client parameters outside the list are dropped,
 * the others kept in their order (query is the client's raw query string). Pure. */
char *daas_api__proxy_agent_path(bool exec, const char *ns, const char *pod, const char *uid,
                                 const char *container, const char *query);

/* Appends to out the request the agent gets: "<method> <path> HTTP/1.1", Host: hostport, for
 * an upgrade (upgrade true) the client's Upgrade, Connection and Sec-WebSocket-* headers
 * (Sec-WebSocket-Protocol without "base64url.bearer.authorization.k8s.io." offers, which
 * carry a token), else "Connection: close"; Content-Length and the body when the client sent one.
 * Nothing else of the client's headers (never Authorization). DAAS_ETOOBIG past out's cap. Pure. */
DAAS_MUST_USE int daas_api__proxy_head(const daas_http_req *req, const char *method,
                                       const char *path, const char *hostport, bool upgrade,
                                       daas_buf *out, daas_err *err);

/* What kind of upgrade the client asks for. */
enum {
    DAAS_API_PROXY_NO_UPGRADE,
    DAAS_API_PROXY_WEBSOCKET,
    DAAS_API_PROXY_SPDY,
    DAAS_API_PROXY_OTHER_UPGRADE
};
int daas_api__proxy_upgrade_kind(const daas_http_req *req);

/* Serves GET pods/{name}/log (exec false) and GET|POST pods/{name}/exec (exec true) for the
 * routed, authorized request r: answers a Status itself, or hands the connection over to a
 * proxied connection to the agent. Loop thread. */
void daas_api__podproxy(daas_api__req *r, bool exec);

/* --- podproxy_conn.c: proxied connections --- */

/* What a proxied connection needs; every field is copied or owned by the callee. */
typedef struct daas_api__proxy_dial {
    daas_api__proxy_target target;
    daas_buf head; /* the request for the agent (on success its data is taken over and head
                      left empty; the caller finalizes head in every case) */
    bool probe;    /* dial and verify only, then answer probe_msg with 400 (SPDY) */
    const char *probe_msg;
} daas_api__proxy_dial;

/* Hijacks resp's connection and proxies it to the agent (see podproxy.c's opening comment
 * for the life of a proxied connection). DAAS_OK: the connection is no longer resp's.
 * Errors (resp still the caller's to answer): DAAS_EUNAVAIL (no agent TLS context, the API
 * is stopping, an unusable address), errors of daas_http_hijack. Loop thread. */
DAAS_MUST_USE int daas_api__proxy_start(daas_api *api, daas_http_resp *resp,
                                        daas_api__proxy_dial *d, daas_err *err);

/* Init/fini of the API's registry of proxied connections (api.c). */
void daas_api__proxy_init(daas_api *api);
void daas_api__proxy_fini(daas_api *api);
/* Refuses new proxied connections and closes the open ones on their loops (posted: run by
 * the loop, or by daas_http_server_free once the loops stopped; the API must outlive that).
 * Any thread; idempotent. */
void daas_api__proxy_stop(daas_api *api);
/* Proxied connections open now (tests). */
int daas_api__proxy_count(daas_api *api);

#endif
