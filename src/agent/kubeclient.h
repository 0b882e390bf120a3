/*
 * kubeclient.h: the agent's client of the Kubernetes API of `daas server`: JSON requests over
 * HTTPS, authenticated with wallet tokens the agent signs itself with its Sui key (the node
 * tier), renewed before they expire.
 *
 * Owns:   daas_agent_kc (server URL, trusted CA, the key and cluster id tokens are made
 *         for, the current token).
 * Invariants:
 *   - TLS peer and host verification are always on (the cluster CA, or the system store);
 *   - a non-2xx answer is an error carrying the Status message and the daas code of its
 *     HTTP status (404 DAAS_ENOTFOUND, 409 DAAS_EEXIST/ECONFLICT, 403 DAAS_EDENIED, ...);
 *   - the token is never logged.
 * Thread: one thread at a time per client.
 */
#ifndef DAAS_AGENT_KUBECLIENT_H
#define DAAS_AGENT_KUBECLIENT_H

#include <jansson.h>

#include "common/err.h"
#include "sui/sui.h"

typedef struct daas_agent_kc daas_agent_kc;

typedef struct daas_agent_kc_opts {
    const char *server;       /* "https://host:port" */
    const char *ca_file;      /* PEM of the cluster CA (NULL: the system store) */
    const daas_sui_key *key;  /* signs the wallet tokens (borrowed) */
    const char *cluster_id;   /* the id tokens name */
    int timeout_ms;           /* per request (0: 10 000) */
} daas_agent_kc_opts;

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
                                     const json_t *body, const char *content_type,
                                     json_t **out, daas_err *err);

#endif
