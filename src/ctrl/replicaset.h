/*
 * replicaset.h: the ReplicaSet controller's decision, as a pure plan (no I/O, no threads).
 *
 * Owns:   daas_ctrl_rs_plan (what one sync of one ReplicaSet must do) and the pod helpers
 *         the Deployment plan shares (readiness, availability, controller owner).
 * Invariants:
 *   - deterministic: the same (rs, pods, input) always gives the same plan; time is the
 *     caller's `now` in unix seconds (Kubernetes timestamps have second precision);
 *   - the plan follows kubernetes/kubernetes pkg/controller/replicaset (syncReplicaSet,
 *     manageReplicas, claimPods, calculateStatus) and pkg/controller/controller_utils.go
 *     (ActivePodsWithRanks, with LogarithmicScaleDown and PodDeletionCost as upstream's
 *     defaults); differences are noted at the function;
 *   - expectations are the caller's: with creates or deletes still in flight the plan
 *     neither creates nor deletes (it still adopts, releases and computes status).
 */
#ifndef DAAS_CTRL_REPLICASET_H
#define DAAS_CTRL_REPLICASET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

/* Upstream's burstReplicas: at most this many creates or deletes per sync. */
#define DAAS_CTRL_RS_BURST 500

typedef struct daas_ctrl_rs_in {
    int64_t now;              /* unix seconds */
    int creates_inflight;     /* creates issued, not yet seen in pods (expectations) */
    int deletes_inflight;     /* deletes issued, not yet seen */
    const char *manage_error; /* the last sync's create/delete failure text, or NULL */
} daas_ctrl_rs_in;

/* One sync's actions. Every json_t is owned by the plan (daas_ctrl_rs_plan_fini). */
typedef struct daas_ctrl_rs_plan {
    int create_count;   /* how many copies of `pod` to POST (0..DAAS_CTRL_RS_BURST) */
    json_t *pod;        /* the Pod to create (generateName "<rs>-", controller ownerRef) or
                         * NULL when create_count is 0 */
    json_t *remove;     /* [{"name","uid"}] pods to DELETE, most deletable first */
    json_t *adopt;      /* [{"name","uid"}] pods to patch: append the RS's controller ref
                         * (daas_ctrl_owner_ref) to metadata.ownerReferences */
    json_t *release;    /* [{"name","uid"}] pods to patch: drop the ownerReference whose
                         * uid is the RS's */
    json_t *status;     /* the complete new status object */
    bool status_changed;   /* status differs from rs.status (PUT .../status) */
    int64_t requeue_after; /* seconds until a sync is due without any event (0: none);
                            * set while ready pods wait out minReadySeconds */
} daas_ctrl_rs_plan;

/* Plans one sync of rs (a ReplicaSet as the API serves it) against pods (a JSON array of
 * the Pods of rs's namespace; pods of other owners are ignored unless adoptable).
 * Pods being deleted and finished pods (Succeeded/Failed) are neither counted nor adopted.
 * A ReplicaSet being deleted gets only its status. *out is initialised here; on error it
 * is left empty. Errors: DAAS_EINVAL (rs without name/uid/selector, bad selector).
 * Differences from upstream: the "doubled up" rank counts the RS's own pods per node
 * (upstream also counts sibling ReplicaSets' pods of the same Deployment). */
DAAS_MUST_USE int daas_ctrl_rs_plan_make(const json_t *rs, const json_t *pods,
                                         const daas_ctrl_rs_in *in, daas_ctrl_rs_plan *out,
                                         daas_err *err);
void daas_ctrl_rs_plan_fini(daas_ctrl_rs_plan *p);

#endif
