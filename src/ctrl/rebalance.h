/*
 * rebalance.h: the rebalancing round's request, built from the cluster's Pods and
 *              PodDisruptionBudgets: which pods the enclave may plan to evict, and how many
 *              disruptions each budget allows.
 *
 * Owns:   the choice of candidates and budgets (pure); the periodic round's controller.
 * Not:    planning (sched/rebalance.h, in the enclave), executing a plan (api/rebalance.c).
 * Rules:
 *   - a candidate is a Pod bound to a node (spec.nodeName), not being deleted, not
 *     Succeeded or Failed, whose controller ownerReference (controller: true) is not a
 *     DaemonSet or a Node (their pods come back where they were); controller = "Kind/name";
 *   - its budget is the one PodDisruptionBudget the eviction subresource would consult
 *     (daas_ctrl_disruption_guards); a pod two budgets guard is left out (its eviction
 *     would fail), as is anything whose strings exceed the request's limits;
 *   - a budget's disruptions_allowed is status.disruptionsAllowed (0 when negative, absent,
 *     or when status.observedGeneration lags metadata.generation: the eviction would
 *     answer 429); only budgets some candidate names are listed;
 *   - candidates sorted by uid, budgets by "namespace/name" (duplicate uids: the first
 *     kept); at most DAAS_SCHED_REBALANCE_MAX_CANDIDATES candidates (the lowest uids).
 * Invariants: inputs are never modified; the same inputs give the same bytes.
 */
#ifndef DAAS_CTRL_REBALANCE_H
#define DAAS_CTRL_REBALANCE_H

#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "common/alloc.h"
#include "common/err.h"
#include "ctrl/ctrl.h"

typedef struct daas_ctrl_rebalance_params {
    uint64_t round;
    uint8_t threshold_pct;  /* 1..=100 */
    uint16_t max_evictions; /* >= 1 */
    uint8_t fairness_pct;   /* 0..=100; 0 = off */
} daas_ctrl_rebalance_params;

/* Appends BCS(RebalanceRequest) for pods and pdbs (JSON arrays of Pod and
 * PodDisruptionBudget objects, borrowed) to out; *n_cands is the number of candidates.
 * DAAS_EINVAL (params out of range), DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_ctrl_rebalance_request(const json_t *pods, const json_t *pdbs,
                                              const daas_ctrl_rebalance_params *p, daas_buf *out,
                                              size_t *n_cands, daas_err *err);

/* The periodic round (rebalance_ctl.c): while this server leads, every interval_ms (the
 * first interval after the Node informer's first event) a round daas_api_rebalance(api,
 * NULL, apply) with the API's limits; failures are logged and the next round comes an
 * interval later. */
DAAS_MUST_USE int daas_ctrl_rebalance_register(daas_ctrl_mgr *m, daas_api *api,
                                               int64_t interval_ms, daas_err *err);

#endif
