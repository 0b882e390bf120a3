/*
 * api.h: the Kubernetes API: routes HTTP requests to resources and verbs over the store.
 *
 * Owns:   request dispatch, discovery and OpenAPI documents, the verbs (get, list, watch,
 *         create, update, patch, delete, deletecollection) and subresources, Tables, metrics,
 *         the namespace lifecycle controller.
 * Not:    HTTP transport (http.c), authentication mechanisms (authn.c), kinds' specifics
 *         (kube/kind*.c), patch algorithms (kube/patch*.c), durable storage (store/).
 * Invariants:
 *   - every failure is answered with a Kubernetes Status (right code and reason); a failed
 *     request changes nothing in the store;
 *   - objects are stored as JSON without metadata.resourceVersion; it is set on read from the
 *     store revision (render.c), so each object is held once in memory.
 * Spec:   specs/kube-api.md.
 */
#ifndef DAAS_API_API_H
#define DAAS_API_API_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api/authn.h"
#include "api/http.h"
#include "common/err.h"
#include "seal/kube.h"
#include "store/store.h"

typedef struct daas_api daas_api;

typedef struct daas_api_config {
    daas_store *store;   /* borrowed */
    daas_authn *authn;   /* borrowed; NULL = every request anonymous (tests only) */
    bool allow_anonymous;/* tests that say so: anonymous requests act as admin */
    const char *server_address; /* "host:port" for discovery's serverAddressByClientCIDRs */
    const char *service_cidr;   /* ClusterIP range, default "10.43.0.0/16" */
    const daas_seal_cluster *seal; /* borrowed: Secrets and sensitive ConfigMaps are sealed
                                      for it on write; NULL: they are refused (503) */
    bool unsealed_secrets;      /* without seal: store them in plaintext (tests that say so) */
    SSL_CTX *agent_tls;         /* borrowed: the client TLS context for agents' endpoints
                                   (daas_pki_client_ctx, CN DAAS_AGENT_SERVER_CN); it must
                                   outlive the API. NULL: kubectl logs/exec answer 503 */
    bool tolerations_set;       /* use the two below (else DAAS_KUBE_DEFAULT_TOLERATION) */
    int64_t not_ready_toleration_s;   /* --default-not-ready-toleration-seconds */
    int64_t unreachable_toleration_s; /* --default-unreachable-toleration-seconds */
} daas_api_config;

DAAS_MUST_USE int daas_api_new(const daas_api_config *cfg, daas_api **out, daas_err *err);
/* Starts background work (the namespace controller) and creates the system namespaces. */
DAAS_MUST_USE int daas_api_start(daas_api *api, daas_err *err);
/* The HTTP handler (daas_http_config.handler) with api as its arg. */
void daas_api_handle(void *api, const daas_http_req *req, daas_http_resp *resp);
/* The scheduler controller whose counters /metrics reports and whose decision log
 * GET /daas/v1/decisions serves (both borrowed; they outlive the API). Call before serving. */
typedef struct daas_schedctl daas_schedctl;
void daas_api_set_scheduler(daas_api *api, daas_schedctl *sc, const char *declog_path);
/* Where admission reads the cluster rules: fn appends their BCS (sched/policy.h ClusterRules)
 * to out, or fails (the write is then refused with that error). Any thread. Without it the
 * rules a freshly published package holds apply. Call before serving. */
typedef int (*daas_api_rules_fn)(void *arg, daas_buf *out, daas_err *err);
void daas_api_set_rules_source(daas_api *api, daas_api_rules_fn fn, void *arg);
/* Where a server that does not lead the scheduler sends admissions (several servers): fn has
 * the leading server's scheduler admit request_bcs under rules_bcs and appends the
 * AccessDecision and the proof annotation, as daas_schedctl_admit does. Any thread. Without
 * it such a server answers 503. Call before serving. */
typedef int (*daas_api_admit_fn)(void *arg, daas_bytes request_bcs, daas_bytes rules_bcs,
                                 daas_buf *decision_bcs, daas_buf *proof, daas_err *err);
void daas_api_set_admit_forward(daas_api *api, daas_api_admit_fn fn, void *arg);

/* Rebalancing (POST /daas/v1/rebalance and the periodic round): its limits. */
typedef struct daas_api_rebalance_opts {
    uint8_t threshold_pct;  /* a node over this share of cpu or memory is overloaded (1..100) */
    uint16_t max_evictions; /* per round (1..1000) */
    uint8_t fairness_pct;   /* an owner's pod share may exceed its stake share by this many
                               points (0: fairness off) */
} daas_api_rebalance_opts;
#define DAAS_API_REBALANCE_DEFAULTS ((daas_api_rebalance_opts){80, 10, 20})
/* Replaces the defaults above (a request may override them). Call before serving. */
void daas_api_set_rebalance(daas_api *api, const daas_api_rebalance_opts *o);
/*
 * One rebalancing round (rebalance.c): with plan NULL, the scheduler enclave plans from the
 * store's Pods and PodDisruptionBudgets with o's limits (NULL: the defaults); with plan (a
 * signed plan as an earlier result's "plan" member, borrowed) that plan is checked instead:
 * signed by the enclave this server uses, canonical, at most 10 minutes old. With apply,
 * each eviction goes through the eviction API (PodDisruptionBudgets honoured), preceded by a
 * Rebalance Event on the pod carrying the plan's proof. *result: the RebalanceResult
 * (json_decref). DAAS_EUNAVAIL (no scheduler enclave, or another server leads it),
 * DAAS_EDENIED (a plan that does not verify), DAAS_EINVAL (a malformed plan or limits).
 * Any thread; rounds run one at a time.
 */
DAAS_MUST_USE int daas_api_rebalance(daas_api *api, const daas_api_rebalance_opts *o, bool apply,
                                     const json_t *plan, json_t **result, daas_err *err);
/* Stops background work. Call before the store closes, after the HTTP server stopped, and
 * before it is freed: proxied logs/exec connections are closed by posts that freeing the
 * HTTP server runs. */
void daas_api_stop(daas_api *api);
void daas_api_free(daas_api **api);

#endif
