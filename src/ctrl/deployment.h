/*
 * deployment.h: the Deployment controller's decision, as a pure plan (no I/O, no threads).
 *
 * Owns:   daas_ctrl_deploy_plan (what one sync of one Deployment must do), the
 *         pod-template-hash, and intstr scaling (maxSurge/maxUnavailable).
 * Invariants:
 *   - deterministic: the same (deployment, replicasets, pods, now) gives the same plan;
 *     times are unix seconds;
 *   - follows kubernetes pkg/controller/deployment (sync.go, rolling.go, recreate.go,
 *     progress.go, util/deployment_util.go): one call = one syncDeployment. The caller
 *     applies the plan, the ReplicaSet controller and the pods move, the watch brings the
 *     changed objects back and the caller plans again;
 *   - kubectl rollout status reads only status.observedGeneration, updatedReplicas,
 *     replicas, availableReplicas and the Progressing condition's reason; the plan keeps
 *     them as upstream does, so kubectl prints and exits the same way.
 * Spec:   kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go (what is read).
 */
#ifndef DAAS_CTRL_DEPLOYMENT_H
#define DAAS_CTRL_DEPLOYMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define DAAS_CTRL_DEPLOY_HASH_LABEL "pod-template-hash"
#define DAAS_CTRL_DEPLOY_REVISION "deployment.kubernetes.io/revision"
#define DAAS_CTRL_DEPLOY_REVISION_HISTORY "deployment.kubernetes.io/revision-history"
#define DAAS_CTRL_DEPLOY_DESIRED "deployment.kubernetes.io/desired-replicas"
#define DAAS_CTRL_DEPLOY_MAX "deployment.kubernetes.io/max-replicas"
/* Upstream's default when spec.progressDeadlineSeconds is absent (API defaulting). */
#define DAAS_CTRL_DEPLOY_DEFAULT_DEADLINE 600

/* One sync's actions. Every json_t is owned by the plan (daas_ctrl_deploy_plan_fini).
 * Apply in this order: adopt_rs/release_rs, create_rs, scale, delete_rs, revision, status. */
typedef struct daas_ctrl_deploy_plan {
    json_t *create_rs;  /* the ReplicaSet to POST (name "<deployment>-<hash>", controller
                         * ownerRef, annotations, spec.replicas), or NULL */
    json_t *scale;      /* [{"name","uid","replicas","minReadySeconds","annotations"}]:
                         * existing ReplicaSets to change; applying means the merge patch
                         * {"metadata":{"annotations":A},"spec":{"replicas":R,
                         * "minReadySeconds":M}} (annotations only ever gain/replace keys) */
    json_t *delete_rs;  /* [{"name","uid"}] old ReplicaSets past revisionHistoryLimit */
    json_t *adopt_rs;   /* [{"name","uid"}] orphans matching the selector: add the
                         * Deployment's controller ownerReference */
    json_t *release_rs; /* [{"name","uid"}] owned but no longer matching: drop the ref */
    json_t *events;     /* [{"type","reason","message"}] events on the Deployment */
    json_t *revision;     /* a JSON string: set the Deployment's metadata.annotations
                           * [DAAS_CTRL_DEPLOY_REVISION] to it; NULL when unchanged */
    json_t *status;       /* the complete new status */
    bool status_changed;  /* differs from the Deployment's status (PUT .../status) */
    int64_t requeue_after; /* seconds until a sync is due without events (progress
                            * deadline); 0 none */
} daas_ctrl_deploy_plan;

/* Plans one sync of deployment d against rss (a JSON array of the ReplicaSets of its
 * namespace) and pods (the Pods of its namespace; only read by the Recreate strategy to
 * wait until old pods are gone). now: unix seconds. *out is initialised here; on error it
 * is left empty. Errors: DAAS_EINVAL (no name/uid, bad selector, bad maxSurge or
 * maxUnavailable: "invalid value for IntOrString: invalid type: string is not a
 * percentage"). */
DAAS_MUST_USE int daas_ctrl_deploy_plan_make(const json_t *d, const json_t *rss,
                                             const json_t *pods, int64_t now,
                                             daas_ctrl_deploy_plan *out, daas_err *err);
void daas_ctrl_deploy_plan_fini(daas_ctrl_deploy_plan *p);

/* Upstream's GetScaledValueFromIntOrPercent: v is a JSON integer (>= 0) or a string "N%"
 * (digits only); a percentage of total rounds up when round_up, else down.
 * Errors: DAAS_EINVAL (NULL, negative, not a percentage, more than 9 digits). */
DAAS_MUST_USE int daas_ctrl_deploy_intstr(const json_t *v, int64_t total, bool round_up,
                                          int64_t *out, daas_err *err);

/* The pod-template-hash of template with collision_count (< 0: none): FNV-32a over the
 * template's canonical JSON (sorted keys) and, when present, the count as 8 little-endian
 * bytes, printed in decimal and mapped through upstream's SafeEncodeString alphabet.
 * out needs 16 bytes. Differences from upstream: upstream hashes Go's spew dump of the
 * struct, so the values differ; they are stable and of the same shape. */
void daas_ctrl_deploy_hash(const json_t *tmpl, int64_t collision_count, char out[16]);

#endif
