/*
 * disruption.h: the disruption controller's decision (a PodDisruptionBudget's status) as a
 *               pure plan, the DisruptionAllowed condition helper the eviction subresource
 *               shares, and the controller's register function.
 *
 * Owns:   daas_ctrl_disruption_plan (one sync of one PDB); nothing stateful.
 * Not:    I/O, informers, queues (disruption_ctl.c); the eviction itself (api/evict.c).
 * Model:  kubernetes pkg/controller/disruption (1.32) trySync, getExpectedPodCount,
 *         getExpectedScale and its finders (ReplicaSet, Deployment through its ReplicaSet,
 *         the scale subresource of Deployments and ReplicaSets), buildDisruptedPodMap,
 *         countHealthyPods, updatePdbStatus, failSafe; k8s.io/component-helpers
 *         apps/poddisruptionbudget (UpdateDisruptionAllowedCondition):
 *   - pods: those of the PDB's namespace matching spec.selector (a missing selector matches
 *     nothing, {} matches every pod), terminating and finished pods included;
 *   - maxUnavailable set: expectedPods = the sum of the owning controllers' spec.replicas,
 *     desiredHealthy = max(0, expected - maxUnavailable scaled, rounding up);
 *     minAvailable a percentage: expectedPods the same, desiredHealthy = minAvailable scaled
 *     (rounding up); minAvailable an integer: expectedPods = the matching pods,
 *     desiredHealthy = minAvailable; neither: both 0;
 *   - currentHealthy = matching pods that are Ready, not being deleted, and not in
 *     status.disruptedPods within DAAS_CTRL_DISRUPTION_TIMEOUT of their eviction;
 *     disruptedPods keeps the entries of pods that still exist, are not being deleted and
 *     whose timeout has not passed (an expired one gets a Warning NotDeleted event);
 *   - disruptionsAllowed = currentHealthy - desiredHealthy, 0 when negative or when
 *     expectedPods is 0; observedGeneration = metadata.generation; condition DisruptionAllowed
 *     True/SufficientPods or False/InsufficientPods;
 *   - a pod whose controller cannot be found or has no scale (DaemonSet, Job) while its
 *     count is needed fails the sync: disruptionsAllowed 0, DisruptionAllowed False reason
 *     SyncFailed with the error as message (failSafe), Warning
 *     CalculateExpectedPodCountFailed.
 * Invariants: inputs are never modified; the same inputs give the same plan.
 * Times:  unix seconds; written RFC 3339.
 */
#ifndef DAAS_CTRL_DISRUPTION_H
#define DAAS_CTRL_DISRUPTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "ctrl/controllers.h"

/* Upstream's DeletionTimeout: an evicted pod not deleted within this stops being discounted. */
#define DAAS_CTRL_DISRUPTION_TIMEOUT 120

typedef struct daas_ctrl_disruption_in {
    const json_t *pdb;    /* the PodDisruptionBudget (required) */
    const json_t *pods;   /* array of the Pods of its namespace (others are skipped) */
    const json_t *rs;     /* array of the ReplicaSets of its namespace (NULL: none) */
    const json_t *deploy; /* array of the Deployments of its namespace (NULL: none) */
    int64_t now;          /* unix seconds */
} daas_ctrl_disruption_in;

/* One sync's outcome; every json_t is owned (daas_ctrl_disruption_plan_fini). */
typedef struct daas_ctrl_disruption_plan {
    json_t *status;     /* the complete new status */
    bool changed;       /* status differs from the PDB's: PUT .../status */
    bool failed;        /* the failSafe status (the sync should be retried with back-off) */
    int64_t recheck_at; /* unix second of the next disruptedPods expiry (0: none) */
    json_t *events;     /* [{"type","reason","message"}] to record on the PDB */
} daas_ctrl_disruption_plan;

/* Plans one sync. *out is initialised here. DAAS_EINVAL when in->pdb has no metadata. */
DAAS_MUST_USE int daas_ctrl_disruption_plan_make(const daas_ctrl_disruption_in *in,
                                                 daas_ctrl_disruption_plan *out, daas_err *err);
void daas_ctrl_disruption_plan_fini(daas_ctrl_disruption_plan *p);

/* UpdateDisruptionAllowedCondition on a PDB status object: DisruptionAllowed True /
 * SufficientPods when status.disruptionsAllowed > 0, else False / InsufficientPods, with
 * observedGeneration = status.observedGeneration; lastTransitionTime becomes now (unix
 * seconds) only when the condition is new or its status changed. */
void daas_ctrl_disruption_set_condition(json_t *status, int64_t now);

/* Whether the eviction subresource consults pdb for pod: same namespace, and a selector that
 * is not empty (no matchLabels, no matchExpressions) and matches the pod's labels (upstream's
 * getPodDisruptionBudgets; an invalid selector matches nothing). */
bool daas_ctrl_disruption_guards(const json_t *pdb, const json_t *pod);

/* The disruption controller: watches PDBs, Pods, ReplicaSets and Deployments, writes PDB
 * status through the status subresource. */
DAAS_MUST_USE int daas_ctrl_disruption_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                                daas_err *err);

#endif
