/*
 * daemonset.h: the apps/v1 DaemonSet controller's decision, as a pure plan.
 *
 * Owns:   daas_ctrl_ds_plan (pods to create and delete, the new status) and the helpers it is
 *         made of that others may reuse: node eligibility, the template hash, int-or-percent
 *         scaling.
 * Does not own: I/O, ControllerRevision objects (the caller may record one per hash), the
 *         slow-start batching of creates and the per-node back-off after failed pods (the
 *         caller's work queue rate-limits), expectations (do not plan while writes of the
 *         previous plan are in flight).
 * Invariants:
 *   - deterministic: the same (ds, nodes, pods, now) gives the same plan; no clock, no I/O;
 *   - inputs are borrowed and never modified; the plan owns its json_t values;
 *   - a pod is never created with spec.nodeName: it carries a required node affinity
 *     matchFields metadata.name In [node] and the scheduler binds it (with its proof);
 *   - a pod name appears at most once in plan->del.
 * Spec:   kubernetes pkg/controller/daemon (1.32): daemon_controller.go (manage,
 *         podsShouldBeOnNode, NodeShouldRunDaemonPod, updateDaemonSetStatus), update.go
 *         (rollingUpdate with maxSurge / maxUnavailable, rounded up), util/daemonset_util.go
 *         (default tolerations, ReplaceDaemonSetPodNodeNameNodeAffinity, IsPodUpdated).
 *         Times are unix seconds.
 */
#ifndef DAAS_CTRL_DAEMONSET_H
#define DAAS_CTRL_DAEMONSET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define DAAS_CTRL_DS_HASH_LABEL "controller-revision-hash"
#define DAAS_CTRL_DS_GEN_LABEL "pod-template-generation"
#define DAAS_CTRL_DS_GEN_ANNOTATION "deprecated.daemonset.template.generation"

typedef struct daas_ctrl_ds_plan {
    json_t *create;      /* array of Pod objects to POST in the DaemonSet's namespace */
    json_t *del;         /* array of pod names (strings) to DELETE */
    json_t *status;      /* the DaemonSet's new .status, for PUT .../status */
    bool status_changed; /* status differs from the current one */
    json_t *events;      /* array of {"type","reason","message"} for the DaemonSet */
    int64_t requeue_at;  /* unix s when a ready pod becomes available (minReadySeconds), or 0 */
    char hash[16];       /* controller-revision-hash of the current template */
} daas_ctrl_ds_plan;

/* Computes the plan for ds given nodes (array of all Node objects) and pods (array of the
 * namespace's pods: those whose controller ownerReference has the DaemonSet's uid count) at
 * time now. On failure *plan is left empty.
 * Errors: DAAS_EINVAL (ds lacks metadata.name/namespace/uid or spec.template, or a bad
 * maxSurge/maxUnavailable). */
DAAS_MUST_USE int daas_ctrl_ds_plan_make(const json_t *ds, const json_t *nodes, const json_t *pods,
                                         int64_t now, daas_ctrl_ds_plan *plan, daas_err *err);

/* Releases what the plan holds and zeroes it. Accepts a zeroed plan. */
void daas_ctrl_ds_plan_fini(daas_ctrl_ds_plan *plan);

/* NodeShouldRunDaemonPod: *should_run when a new daemon pod belongs on node (name, node
 * selector, required node affinity, NoSchedule and NoExecute taints against the template's
 * tolerations plus the DaemonSet defaults); *should_continue when an existing one may stay
 * (only NoExecute taints count). */
void daas_ctrl_ds_node_fit(const json_t *ds, const json_t *node, bool *should_run,
                           bool *should_continue);

/* The template's tolerations plus the DaemonSet defaults (not-ready and unreachable
 * NoExecute; disk-, memory-, pid-pressure and unschedulable NoSchedule; network-unavailable
 * NoSchedule for hostNetwork pods), as the pods it creates carry them. New reference. */
json_t *daas_ctrl_ds_tolerations(const json_t *ds);

/* The hash of a pod template and the collision count, as Kubernetes' ComputeHash renders it
 * (FNV-1a 32 over a canonical form, the decimal digits mapped to "bcdfghjklmnpqrstvwxz2456789").
 * Stable across processes and key order. out: at least 11 bytes. */
void daas_ctrl_ds_hash(const json_t *template, int64_t collision_count, char out[16]);

/* intstr.GetScaledValueFromIntOrPercent: v is a JSON integer (taken as is) or a string
 * "<digits>%" scaled against total, rounded up or down. NULL gives def.
 * Errors: DAAS_EINVAL (negative, not a percentage, too large). */
DAAS_MUST_USE int daas_ctrl_ds_scaled(const json_t *v, int64_t def, int64_t total, bool round_up,
                                      int64_t *out, daas_err *err);

#endif
