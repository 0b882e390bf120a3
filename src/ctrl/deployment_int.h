/*
 * deployment_int.h: the working state shared by deployment.c (ReplicaSets, revisions,
 * status) and deployment_rollout.c (strategies, scaling, cleanup, the plan entry).
 *
 * Owns:   daas_ctrl__dp, one sync's scratch: working copies of the owned ReplicaSets
 *         (changes land there first and become plan entries at the end) and the status
 *         being built.
 * Invariants: rs[] holds only ReplicaSets controlled by the Deployment (after adoption and
 *             release), sorted by creation time then name; new_idx is the one whose template
 *             equals the Deployment's ignoring the hash label (the oldest such), or -1.
 */
#ifndef DAAS_CTRL_DEPLOYMENT_INT_H
#define DAAS_CTRL_DEPLOYMENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrl/deployment.h"

typedef struct daas_ctrl__dprs {
    json_t *obj;     /* working copy, owned */
    int64_t created; /* creationTimestamp, unix seconds */
    bool dirty;      /* replicas, annotations or minReadySeconds changed */
    bool created_here; /* this plan creates it */
} daas_ctrl__dprs;

typedef struct daas_ctrl__dp {
    const json_t *d;      /* the Deployment, borrowed */
    const char *name;
    int64_t now;
    int64_t replicas;     /* spec.replicas (default 1) */
    int64_t max_surge;    /* resolved fenceposts; 0 for Recreate */
    int64_t max_unavail;  /* capped at replicas; 0 for Recreate or replicas 0 */
    bool rolling;
    daas_ctrl__dprs *rs;
    size_t n;
    long new_idx;         /* -1: no new ReplicaSet */
    json_t *status;       /* working status (starts as a copy of d.status) */
    daas_ctrl_deploy_plan *plan;
} daas_ctrl__dp;

/* deployment.c */
int64_t daas_ctrl__rs_replicas(const daas_ctrl__dprs *r);
int64_t daas_ctrl__rs_stat(const daas_ctrl__dprs *r, const char *field);
int64_t daas_ctrl__sum_spec(const daas_ctrl__dp *dp, bool old_only, bool active_only);
int64_t daas_ctrl__sum_stat(const daas_ctrl__dp *dp, const char *field);
int64_t daas_ctrl__revision(const json_t *obj);
DAAS_MUST_USE int daas_ctrl__dp_init(daas_ctrl__dp *dp, const json_t *d, const json_t *rss,
                                     int64_t now, daas_ctrl_deploy_plan *plan, daas_err *err);
void daas_ctrl__dp_fini(daas_ctrl__dp *dp);
/* getAllReplicaSetsAndSyncRevision: syncs the new RS's revision; with create, creates it
 * when missing. False when creating hit a name collision (collisionCount bumped). */
bool daas_ctrl__sync_revision(daas_ctrl__dp *dp, const json_t *rss, bool create);
/* SetReplicasAnnotations (desired, max = replicas + maxSurge) on rs; true when changed. */
bool daas_ctrl__replicas_ann(const daas_ctrl__dp *dp, json_t *rs);
/* NewRSNewReplicas for the current state. */
int64_t daas_ctrl__new_rs_replicas(const daas_ctrl__dp *dp);
/* Sets a Deployment condition on the working status (SetDeploymentCondition). */
void daas_ctrl__set_cond(daas_ctrl__dp *dp, const char *type, const char *status,
                         const char *reason, const char *msg);
const json_t *daas_ctrl__get_cond(const json_t *status, const char *type);
void daas_ctrl__del_cond(json_t *status, const char *type);
/* calculateStatus: counts, observedGeneration and the Available condition. */
void daas_ctrl__calc_status(daas_ctrl__dp *dp);
void daas_ctrl__event(daas_ctrl__dp *dp, const char *type, const char *reason,
                      const char *fmt, ...) DAAS_PRINTF(4, 5);

/* deployment_rollout.c */
/* scaleReplicaSetAndRecordEvent: true when the size changed. */
bool daas_ctrl__scale(daas_ctrl__dp *dp, size_t i, int64_t replicas);

#endif
