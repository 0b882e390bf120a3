/*
 * kubeclient.h: the agent's client of the Kubernetes API of `daas server`: JSON requests over
 * HTTPS, authenticated with wallet tokens the agent signs itself with its Sui key (the node
 * tier), renewed before they expire; or, for daas's CLI clients (`daas rebalance`), with a
 * kubeconfig's client certificate and/or bearer token.
 *
 * Owns:   daas_agent_kc (server URL, trusted CA, the key and cluster id tokens are made
 *         for, the current token, or the client certificate, its key and a static token).
 * Invariants:
 *   - TLS peer and host verification are always on (the cluster CA, or the system store);
 *   - a non-2xx answer is an error carrying the Status message and the daas code of its
 *     HTTP status (404 DAAS_ENOTFOUND, 409 DAAS_EEXIST/ECONFLICT, 403 DAAS_EDENIED, ...);
 *   - the token, the client key and a static token are never logged; the key and tokens
 *     are wiped when the client is freed.
 * Thread: one thread at a time per client; a watch runs on a client of its own
 *         (daas_agent_kc_clone) and is stopped from any thread through its stop flag.
 */
#ifndef DAAS_AGENT_KUBECLIENT_H
#define DAAS_AGENT_KUBECLIENT_H

#include <stdatomic.h>

#include <jansson.h>

#include "common/err.h"
#include "sui/sui.h"

typedef struct daas_agent_kc daas_agent_kc;

typedef struct daas_agent_kc_opts {
    const char *server;      /* "https://host:port" */
    const char *ca_file;     /* PEM of the cluster CA (NULL: the system store) */
    const daas_sui_key *key; /* signs the wallet tokens (borrowed); NULL: no wallet token, the
                                client authenticates with cert_pem/key_pem and/or token */
    const char *cluster_id;  /* the id tokens name (may be NULL when key is NULL) */
    int timeout_ms;          /* per request (0: 10 000) */
    /* The rest are optional, borrowed for the call to _new (copied inside). */
    const char *ca_pem;   /* the cluster CA as PEM text (used instead of ca_file) */
    const char *cert_pem; /* a client certificate (PEM), with key_pem */
    const char *key_pem;  /* its private key (PEM; secret: kept in memory only, never written
                             to disk, wiped at _free) */
    const char *token;    /* a static bearer token (secret, wiped at _free); only when key is
                             NULL */
} daas_agent_kc_opts;

/* A client of o->server. TLS verification is always on. Errors: DAAS_EINVAL (not https://,
 * a key without a valid cluster id, a client certificate without its key or the reverse),
 * DAAS_EINTERNAL (libcurl). */
DAAS_MUST_USE int daas_agent_kc_new(const daas_agent_kc_opts *o, daas_agent_kc **out,
                                    daas_err *err);
void daas_agent_kc_free(daas_agent_kc **c);

/*
 * One request: method ("GET", "POST", "PUT", "PATCH", "DELETE"), path ("/api/v1/nodes"),
 * body (NULL: none), content type for PATCH ("application/merge-patch+json"; NULL:
 * application/json). On success *out (may be NULL) is the decoded reply (json_decref).
 * Errors: the code of the HTTP status with the Status message, DAAS_EUNAVAIL when the
 * server cannot be reached, DAAS_EREMOTE for a reply that is not JSON.
 */
DAAS_MUST_USE int daas_agent_kc_call(daas_agent_kc *c, const char *method, const char *path,
                                     const json_t *body, const char *content_type, json_t **out,
                                     daas_err *err);

/*
 * One request like daas_agent_kc_call whose non-2xx answers are not errors: *status is the
 * HTTP status and *out the decoded body (NULL when it is empty or not JSON; json_decref).
 * For callers that report the server's Status themselves (`daas rebalance`). Errors: only
 * when no answer came (DAAS_EUNAVAIL, the wallet token's errors).
 */
DAAS_MUST_USE int daas_agent_kc_request(daas_agent_kc *c, const char *method, const char *path,
                                        const json_t *body, const char *content_type,
                                        long *status, json_t **out, daas_err *err);

/* A second client to the same server with the same key (its own connection and token),
 * e.g. for a watch running in another thread. *out is owned by the caller. */
DAAS_MUST_USE int daas_agent_kc_clone(const daas_agent_kc *c, daas_agent_kc **out, daas_err *err);

/* Called with each watch event ({"type":..., "object":...}, borrowed for the call). A
 * non-zero return ends the watch (daas_agent_kc_watch returns it). */
typedef int (*daas_agent_kc_event_fn)(void *ctx, json_t *event);

#define DAAS_AGENT_KC_MAX_EVENT ((size_t)16 << 20)

/*
 * Streams a watch: GET path (which carries watch=true&resourceVersion=...), the reply read
 * as newline-separated JSON events as they arrive, each handed to fn at once. Returns when
 * the server ends the stream (DAAS_OK), when fn returns non-zero (that value), when *stop
 * becomes true (DAAS_ECLOSED, noticed within about a second), on an ERROR event (its Status
 * code: 410 Expired → DAAS_EGONE) or a non-2xx answer (as daas_agent_kc_call). A line longer
 * than DAAS_AGENT_KC_MAX_EVENT or not JSON: DAAS_EREMOTE. max_ms > 0 bounds the whole watch
 * (then DAAS_OK when it ran out).
 */
DAAS_MUST_USE int daas_agent_kc_watch(daas_agent_kc *c, const char *path, daas_agent_kc_event_fn fn,
                                      void *ctx, const atomic_bool *stop, int max_ms,
                                      daas_err *err);

#endif
