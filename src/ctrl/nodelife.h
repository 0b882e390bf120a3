/*
 * nodelife.h: the node lifecycle plan (node health, condition taints, NoExecute evictions).
 *
 * Owns:   one pure function from (Node, its Lease, the Pods bound to it, now) to the writes
 *         upstream's node lifecycle controller and taint eviction controller would make.
 * Not:    I/O, watches, queues, rate limits (callers apply the plan and re-run it at next_at
 *         or on any change of the node, its Lease or its pods), zone states (the caller sets
 *         full_disruption when every node is not Ready), pod garbage collection.
 * Model:  pkg/controller/nodelifecycle (tryUpdateNodeHealth, doNoScheduleTaintingPass,
 *         doNoExecuteTaintingPass, markNodeAsReachable, MarkPodsNotReady) and
 *         pkg/controller/tainteviction (processPodOnNode):
 *   - the node was last seen at max(Lease spec.renewTime, Ready lastHeartbeatTime); a node
 *     without a Ready condition (never posted) counts from creationTimestamp with the startup
 *     grace. When now > seen + grace: Ready, MemoryPressure, DiskPressure and PIDPressure
 *     become Unknown, reason NodeStatusUnknown, message "Kubelet stopped posting node status."
 *     (lastTransitionTime now, lastHeartbeatTime kept; already-Unknown conditions untouched;
 *     a missing one is added with NodeStatusNeverUpdated / "Kubelet never posted node
 *     status.", heartbeat = creationTimestamp);
 *   - NoSchedule taints follow the conditions (Ready False → not-ready, Unknown →
 *     unreachable, Memory/Disk/PID pressure and NetworkUnavailable True, spec.unschedulable);
 *     exactly one of not-ready:NoExecute (Ready False) / unreachable:NoExecute (Ready Unknown)
 *     is present while the node is not Ready, none when it is Ready (or full_disruption);
 *     taints are compared by key + effect; added ones get timeAdded = now; taints of other
 *     keys are kept as they are;
 *   - while Ready is not True, pods whose Ready condition is True get it False (event
 *     Warning NodeNotReady "Node is not ready"); the node gets event Normal NodeNotReady
 *     "Node <name> status is now: NodeNotReady" when this plan turns Ready from True;
 *   - for each NoExecute taint (any key) a pod that does not tolerate every one is evicted
 *     now; otherwise at min over the matching tolerations' tolerationSeconds counted from
 *     the earliest timeAdded among the NoExecute taints (upstream keeps the first scheduled
 *     start; a taint without timeAdded counts from now, so only taints this plan adds, which
 *     always carry it, give a fixed deadline); nil seconds: never; <= 0: now. A pod
 *     with no toleration at all for not-ready/unreachable gets default_toleration seconds,
 *     as the DefaultTolerationSeconds admission would have given it. Pods already being
 *     deleted are skipped. Each eviction: event Normal TaintManagerEviction "Marking for
 *     deletion Pod <ns>/<name>" and a DisruptionTarget condition for the pod's status.
 * Invariants: the plan never modifies its inputs; output JSON is new (plan_fini frees it);
 *             the same inputs give the same plan (arrays keep the input order of pods).
 * Times:  unix seconds; written as RFC 3339 ("2026-11-21T04:28:13Z").
 * Spec:   issue 7 "Node lifecycle".
 */
#ifndef DAAS_CTRL_NODELIFE_H
#define DAAS_CTRL_NODELIFE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define DAAS_CTRL_NODELIFE_GRACE 40         /* node-monitor-grace-period */
#define DAAS_CTRL_NODELIFE_STARTUP_GRACE 60 /* node-startup-grace-period */
#define DAAS_CTRL_NODELIFE_TOLERATION 300   /* default-not-ready/unreachable-toleration */

typedef struct daas_ctrl_nodelife_in {
    const json_t *node;         /* the Node (required) */
    const json_t *lease;        /* its Lease in kube-node-lease, or NULL */
    const json_t *pods;         /* array of Pods; those whose spec.nodeName is not the node's
                                   name are ignored. NULL: none */
    int64_t now;                /* unix seconds */
    int64_t grace;              /* seconds; <= 0: DAAS_CTRL_NODELIFE_GRACE */
    int64_t startup_grace;      /* seconds; <= 0: DAAS_CTRL_NODELIFE_STARTUP_GRACE */
    int64_t default_toleration; /* seconds; < 0: DAAS_CTRL_NODELIFE_TOLERATION (0 is 0) */
    bool full_disruption;       /* every node of the cluster is not Ready: no NoExecute
                                   taints and no evictions (upstream's FullDisruption) */
} daas_ctrl_nodelife_in;

typedef struct daas_ctrl_nodelife_plan {
    json_t *conditions; /* new status.conditions of the node (PUT/patch nodes/<n>/status),
                           or NULL when unchanged */
    json_t *taints;     /* new spec.taints (update of the node), or NULL when unchanged */
    json_t *pod_status; /* array of {"namespace","name","uid","conditions"}: pods whose
                           status.conditions must be written (Ready → False) */
    json_t *evict;      /* array of {"namespace","name","uid","condition"}: pods to delete
                           now; "condition" is the DisruptionTarget condition to add to the
                           pod's status first (best effort, as upstream) */
    json_t *events;     /* array of partial core/v1 Events: type, reason, message,
                           involvedObject, source; the caller names and stamps them */
    int64_t next_at;    /* unix seconds at which to run the plan again even if nothing
                           changes (a grace or toleration running out); 0: not needed */
    bool ready;         /* the node's Ready condition is True after the plan */
} daas_ctrl_nodelife_plan;

/* Computes the plan for one node. *out is overwritten (call plan_fini on it after use, also
 * after an error). Errors: DAAS_EINVAL when in->node is not an object with metadata.name.
 * Thread: any; touches only its arguments. */
DAAS_MUST_USE int daas_ctrl_nodelife_plan_make(const daas_ctrl_nodelife_in *in,
                                               daas_ctrl_nodelife_plan *out, daas_err *err);
/* Releases the plan's JSON and zeroes it. Accepts a zeroed plan. */
void daas_ctrl_nodelife_plan_fini(daas_ctrl_nodelife_plan *p);

/* True when the toleration object tol tolerates the taint object taint (v1 Toleration
 * ToleratesTaint: effect and key empty-or-equal; operator Exists, or Equal/"" with equal
 * values). Exposed for the scheduler and the DaemonSet controller. */
bool daas_ctrl_tolerates(const json_t *tol, const json_t *taint);

#endif
