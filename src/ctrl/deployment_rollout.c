/*
 * deployment_rollout.c: the Deployment plan's strategies: RollingUpdate, Recreate,
 * proportional scaling (also the only thing a paused Deployment does), revision-history
 * cleanup, progress and the plan entry (see deployment.h).
 *
 * Owns:   no state beyond the caller's plan.
 * Spec:   kubernetes pkg/controller/deployment/deployment_controller.go (syncDeployment),
 *         rolling.go, recreate.go, sync.go (scale, cleanupDeployment, isScalingEvent),
 *         progress.go (syncRolloutStatus), util/deployment_util.go (GetProportion).
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/deployment.h"
#include "ctrl/podutil.h"
#include "ctrl/deployment_int.h"
#include "ctrl/replicaset.h"
#include "kube/obj.h"

#define RS_NAME(r) daas_kube_str((r)->obj, "metadata.name")

static int64_t ann_int(const json_t *obj, const char *key, bool *ok)
{
    const json_t *ann = daas_kube_path(obj, "metadata.annotations");
    const char *s = json_string_value(json_object_get(ann, key));
    char *end = NULL;
    long long v;

    *ok = false;
    if (s == NULL || *s == '\0')
        return 0;
    v = strtoll(s, &end, 10);
    *ok = *end == '\0';
    return *ok ? v : 0;
}

bool daas_ctrl__scale(daas_ctrl__dp *dp, size_t i, int64_t replicas)
{
    daas_ctrl__dprs *r = &dp->rs[i];
    int64_t old = daas_ctrl__rs_replicas(r);
    bool size = old != replicas;
    bool ann = daas_ctrl__replicas_ann(dp, r->obj);

    if (size || ann) {
        daas_kube_set(r->obj, "spec.replicas", json_integer(replicas));
        r->dirty = true;
    }
    if (size)
        daas_ctrl__event(dp, "Normal", "ScalingReplicaSet",
                         "Scaled %s replica set %s to %lld from %lld",
                         replicas > old ? "up" : "down", RS_NAME(r), (long long)replicas,
                         (long long)old);
    return size;
}

static bool is_old_active(const daas_ctrl__dp *dp, size_t i)
{
    return (long)i != dp->new_idx && daas_ctrl__rs_replicas(&dp->rs[i]) > 0;
}

/* ---- progress (util: DeploymentComplete, DeploymentProgressing, DeploymentTimedOut) ---- */

static int64_t deadline(const daas_ctrl__dp *dp)
{
    /* absent: the API's default; MaxInt32 means "no deadline" upstream */
    int64_t pds = daas_kube_int(dp->d, "spec.progressDeadlineSeconds",
                                DAAS_CTRL_DEPLOY_DEFAULT_DEADLINE);
    return pds >= INT32_MAX ? 0 : pds;
}

static bool complete(const daas_ctrl__dp *dp, const json_t *st)
{
    return daas_kube_int(st, "updatedReplicas", 0) == dp->replicas &&
           daas_kube_int(st, "replicas", 0) == dp->replicas &&
           daas_kube_int(st, "availableReplicas", 0) == dp->replicas &&
           daas_kube_int(st, "observedGeneration", 0) >=
               daas_kube_int(dp->d, "metadata.generation", 0);
}

static bool progressing(const json_t *old, const json_t *cur)
{
    int64_t old_old = daas_kube_int(old, "replicas", 0) - daas_kube_int(old, "updatedReplicas", 0);
    int64_t cur_old = daas_kube_int(cur, "replicas", 0) - daas_kube_int(cur, "updatedReplicas", 0);

    return daas_kube_int(cur, "updatedReplicas", 0) > daas_kube_int(old, "updatedReplicas", 0) ||
           cur_old < old_old ||
           daas_kube_int(cur, "readyReplicas", 0) > daas_kube_int(old, "readyReplicas", 0) ||
           daas_kube_int(cur, "availableReplicas", 0) > daas_kube_int(old, "availableReplicas", 0);
}

static bool reason_is(const json_t *cond, const char *reason)
{
    const char *r = json_string_value(json_object_get(cond, "reason"));
    return r != NULL && strcmp(r, reason) == 0;
}

static bool timed_out(const daas_ctrl__dp *dp)
{
    const json_t *c = daas_ctrl__get_cond(dp->status, "Progressing");

    if (deadline(dp) == 0 || c == NULL || reason_is(c, "NewReplicaSetAvailable"))
        return false;
    if (reason_is(c, "ProgressDeadlineExceeded"))
        return true;
    return daas_ctrl_time(c, "lastUpdateTime") + deadline(dp) < dp->now;
}

/* The Progressing condition with reason ReplicaSetUpdated: lastUpdateTime moves with each
 * sign of progress, lastTransitionTime stays while the status stays True. */
static void mark_progress(daas_ctrl__dp *dp, const json_t *cur, const char *msg)
{
    char ts[32];
    json_t *c, *conds;

    daas_time_rfc3339(dp->now, ts, sizeof(ts));
    c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", "Progressing", "status", "True",
                  "lastUpdateTime", ts, "lastTransitionTime", ts, "reason", "ReplicaSetUpdated",
                  "message", msg);
    if (cur != NULL && strcmp(json_string_value(json_object_get(cur, "status")) ?: "", "True") == 0)
        json_object_set(c, "lastTransitionTime", json_object_get(cur, "lastTransitionTime"));
    daas_ctrl__del_cond(dp->status, "Progressing");
    conds = json_object_get(dp->status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(dp->status, "conditions", conds);
    }
    json_array_append_new(conds, c);
}

static void replica_failure(daas_ctrl__dp *dp)
{
    for (size_t k = 0; k <= dp->n; k++) {
        /* the new ReplicaSet first, then the others */
        long i = k == 0 ? dp->new_idx : (long)k - 1;
        const json_t *c;
        if (i < 0 || (k > 0 && i == dp->new_idx))
            continue;
        c = daas_ctrl__get_cond(json_object_get(dp->rs[i].obj, "status"), "ReplicaFailure");
        if (c == NULL)
            continue;
        daas_ctrl__set_cond(dp, "ReplicaFailure",
                            json_string_value(json_object_get(c, "status")) ?: "True",
                            json_string_value(json_object_get(c, "reason")) ?: "",
                            json_string_value(json_object_get(c, "message")) ?: "");
        return;
    }
    daas_ctrl__del_cond(dp->status, "ReplicaFailure");
}

static void requeue(daas_ctrl__dp *dp)
{
    const json_t *c = daas_ctrl__get_cond(dp->status, "Progressing");
    int64_t after;

    if (deadline(dp) == 0 || c == NULL || complete(dp, dp->status) ||
        reason_is(c, "ProgressDeadlineExceeded"))
        return;
    after = daas_ctrl_time(c, "lastUpdateTime") + deadline(dp) - dp->now;
    dp->plan->requeue_after = after < 1 ? 1 : after + 1;
}

/* syncRolloutStatus. */
static void rollout_status(daas_ctrl__dp *dp)
{
    const json_t *old = daas_kube_path(dp->d, "status");
    json_t *cur = json_deep_copy(daas_ctrl__get_cond(dp->status, "Progressing"));
    const char *nm = dp->new_idx >= 0 ? RS_NAME(&dp->rs[dp->new_idx]) : NULL;
    char msg[400];
    bool done;

    daas_ctrl__calc_status(dp);
    if (deadline(dp) == 0)
        daas_ctrl__del_cond(dp->status, "Progressing");
    done = daas_kube_int(dp->status, "replicas", 0) ==
               daas_kube_int(dp->status, "updatedReplicas", 0) &&
           cur != NULL && reason_is(cur, "NewReplicaSetAvailable");
    if (deadline(dp) != 0 && !done) {
        if (complete(dp, dp->status)) {
            snprintf(msg, sizeof(msg), nm ? "ReplicaSet \"%s\" has successfully progressed."
                                          : "Deployment \"%s\" has successfully progressed.",
                     nm ? nm : dp->name);
            daas_ctrl__set_cond(dp, "Progressing", "True", "NewReplicaSetAvailable", msg);
        } else if (progressing(old, dp->status)) {
            snprintf(msg, sizeof(msg), nm ? "ReplicaSet \"%s\" is progressing."
                                          : "Deployment \"%s\" is progressing.",
                     nm ? nm : dp->name);
            mark_progress(dp, cur, msg);
        } else if (timed_out(dp)) {
            snprintf(msg, sizeof(msg), nm ? "ReplicaSet \"%s\" has timed out progressing."
                                          : "Deployment \"%s\" has timed out progressing.",
                     nm ? nm : dp->name);
            daas_ctrl__set_cond(dp, "Progressing", "False", "ProgressDeadlineExceeded", msg);
        }
    }
    replica_failure(dp);
    requeue(dp);
    json_decref(cur);
}

/* ---- cleanup (cleanupDeployment) ---- */

static int by_revision(const void *pa, const void *pb)
{
    const daas_ctrl__dprs *a = *(daas_ctrl__dprs *const *)pa, *b = *(daas_ctrl__dprs *const *)pb;
    int64_t ra = daas_ctrl__revision(a->obj), rb = daas_ctrl__revision(b->obj);

    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->created != b->created)
        return a->created < b->created ? -1 : 1;
    return strcmp(RS_NAME(a) ?: "", RS_NAME(b) ?: "");
}

static void cleanup(daas_ctrl__dp *dp)
{
    /* absent: the apps/v1 default of 10 */
    int64_t limit = daas_kube_int(dp->d, "spec.revisionHistoryLimit", 10);
    daas_ctrl__dprs **c = daas_xcalloc(dp->n + 1, sizeof(*c));
    size_t m = 0;

    for (size_t i = 0; i < dp->n; i++) {
        if ((long)i != dp->new_idx &&
            daas_kube_path(dp->rs[i].obj, "metadata.deletionTimestamp") == NULL)
            c[m++] = &dp->rs[i];
    }
    qsort(c, m, sizeof(*c), by_revision);
    for (int64_t k = 0; k < (int64_t)m - limit; k++) {
        const daas_ctrl__dprs *r = c[k];
        if (daas_ctrl__rs_stat(r, "replicas") != 0 || daas_ctrl__rs_replicas(r) != 0 || r->dirty ||
            daas_kube_int(r->obj, "metadata.generation", 0) >
                daas_ctrl__rs_stat(r, "observedGeneration"))
            continue;
        json_array_append_new(dp->plan->delete_rs,
                              json_pack("{s:s,s:s}", "name", RS_NAME(r) ?: "", "uid",
                                        daas_kube_str(r->obj, "metadata.uid") ?: ""));
    }
    daas_free(c);
}

/* ---- RollingUpdate (rolling.go) ---- */

static bool reconcile_new(daas_ctrl__dp *dp)
{
    int64_t cur;

    if (dp->new_idx < 0)
        return false;
    cur = daas_ctrl__rs_replicas(&dp->rs[dp->new_idx]);
    if (cur == dp->replicas)
        return false;
    if (cur > dp->replicas)
        return daas_ctrl__scale(dp, (size_t)dp->new_idx, dp->replicas);
    return daas_ctrl__scale(dp, (size_t)dp->new_idx, daas_ctrl__new_rs_replicas(dp));
}

/* Old ReplicaSets with unavailable pods shrink first, up to max_down in total. */
static int64_t cleanup_unhealthy(daas_ctrl__dp *dp, const bool *set, int64_t max_down)
{
    int64_t total = 0;

    for (size_t i = 0; i < dp->n && total < max_down; i++) {
        int64_t spec, avail, n;
        if (!set[i] || (long)i == dp->new_idx)
            continue;
        spec = daas_ctrl__rs_replicas(&dp->rs[i]);
        avail = daas_ctrl__rs_stat(&dp->rs[i], "availableReplicas");
        if (spec == 0 || spec == avail)
            continue;
        n = max_down - total < spec - avail ? max_down - total : spec - avail;
        if (n <= 0)
            continue;
        (void)daas_ctrl__scale(dp, i, spec - n);
        total += n;
    }
    return total;
}

/* scaleDownOldReplicaSetsForRollingUpdate: only what stays above minAvailable. */
static int64_t scale_down_old(daas_ctrl__dp *dp, const bool *set)
{
    int64_t min_avail = dp->replicas - dp->max_unavail;
    int64_t avail = 0, total, done = 0;

    for (size_t i = 0; i < dp->n; i++) {
        if (set[i])
            avail += daas_ctrl__rs_stat(&dp->rs[i], "availableReplicas");
    }
    if (avail <= min_avail)
        return 0;
    total = avail - min_avail;
    for (size_t i = 0; i < dp->n && done < total; i++) {
        int64_t spec, n;
        if (!set[i] || (long)i == dp->new_idx)
            continue;
        spec = daas_ctrl__rs_replicas(&dp->rs[i]);
        if (spec == 0)
            continue;
        n = spec < total - done ? spec : total - done;
        (void)daas_ctrl__scale(dp, i, spec - n);
        done += n;
    }
    return done;
}

static bool reconcile_old(daas_ctrl__dp *dp)
{
    const daas_ctrl__dprs *nr = &dp->rs[dp->new_idx];
    int64_t min_avail, new_unavail, max_down, done;
    bool *set;

    if (daas_ctrl__sum_spec(dp, true, false) == 0)
        return false;
    min_avail = dp->replicas - dp->max_unavail;
    new_unavail = daas_ctrl__rs_replicas(nr) - daas_ctrl__rs_stat(nr, "availableReplicas");
    max_down = daas_ctrl__sum_spec(dp, false, false) - min_avail - new_unavail;
    if (max_down <= 0)
        return false;
    set = daas_xcalloc(dp->n + 1, sizeof(*set));
    for (size_t i = 0; i < dp->n; i++)
        set[i] = (long)i == dp->new_idx || is_old_active(dp, i);
    done = cleanup_unhealthy(dp, set, max_down);
    done += scale_down_old(dp, set);
    daas_free(set);
    return done > 0;
}

static void rolling(daas_ctrl__dp *dp, const json_t *rss)
{
    if (!daas_ctrl__sync_revision(dp, rss, true))
        return; /* a hash collision: collisionCount bumped, the next sync retries */
    if (!reconcile_new(dp) && !reconcile_old(dp) && complete(dp, daas_kube_path(dp->d, "status")))
        cleanup(dp);
    rollout_status(dp);
}

/* ---- Recreate (recreate.go) ---- */

static bool old_pods_running(const daas_ctrl__dp *dp, const json_t *pods)
{
    size_t k;
    const json_t *pod;

    for (size_t i = 0; i < dp->n; i++) {
        if ((long)i != dp->new_idx && daas_ctrl__rs_stat(&dp->rs[i], "replicas") > 0)
            return true;
    }
    json_array_foreach(pods, k, pod) {
        const char *uid = json_string_value(json_object_get(daas_ctrl_controller_ref(pod), "uid"));
        const char *phase = daas_kube_str(pod, "status.phase");
        if (uid == NULL || (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
            continue;
        for (size_t i = 0; i < dp->n; i++) {
            const char *ru = daas_kube_str(dp->rs[i].obj, "metadata.uid");
            if ((long)i != dp->new_idx && ru != NULL && strcmp(ru, uid) == 0)
                return true; /* Pending, Running or Unknown: it may still run */
        }
    }
    return false;
}

static void recreate(daas_ctrl__dp *dp, const json_t *rss, const json_t *pods)
{
    bool scaled = false;

    (void)daas_ctrl__sync_revision(dp, rss, false);
    for (size_t i = 0; i < dp->n; i++) {
        if (is_old_active(dp, i))
            scaled = daas_ctrl__scale(dp, i, 0) || scaled;
    }
    if (scaled || old_pods_running(dp, pods)) {
        rollout_status(dp);
        return;
    }
    if (dp->new_idx < 0 && !daas_ctrl__sync_revision(dp, rss, true))
        return;
    (void)daas_ctrl__scale(dp, (size_t)dp->new_idx, dp->replicas);
    if (complete(dp, daas_kube_path(dp->d, "status")))
        cleanup(dp);
    rollout_status(dp);
}

/* ---- scaling (sync.go scale, util GetProportion) ---- */

static long active_or_latest(const daas_ctrl__dp *dp)
{
    long only = -1, newest_old = -1;
    size_t active = 0;

    for (size_t i = 0; i < dp->n; i++) {
        if (daas_ctrl__rs_replicas(&dp->rs[i]) > 0) {
            active++;
            only = (long)i;
        }
        if ((long)i != dp->new_idx)
            newest_old = (long)i; /* rs[] is oldest first */
    }
    if (active == 1)
        return only;
    if (active == 0)
        return dp->new_idx >= 0 ? dp->new_idx : newest_old;
    return -1;
}

static bool saturated(const daas_ctrl__dp *dp)
{
    const daas_ctrl__dprs *r;
    bool ok;
    int64_t desired;

    if (dp->new_idx < 0)
        return false;
    r = &dp->rs[dp->new_idx];
    desired = ann_int(r->obj, DAAS_CTRL_DEPLOY_DESIRED, &ok);
    return ok && desired == dp->replicas && daas_ctrl__rs_replicas(r) == dp->replicas &&
           daas_ctrl__rs_stat(r, "availableReplicas") == dp->replicas;
}

static int64_t fraction(const daas_ctrl__dp *dp, const daas_ctrl__dprs *r)
{
    int64_t spec = daas_ctrl__rs_replicas(r), annotated, num;
    bool ok;

    if (dp->replicas == 0)
        return -spec;
    annotated = ann_int(r->obj, DAAS_CTRL_DEPLOY_MAX, &ok);
    if (!ok)
        annotated = daas_kube_int(dp->d, "status.replicas", 0);
    if (annotated <= 0)
        return 0;
    num = spec * (dp->replicas + dp->max_surge);
    return (2 * num + annotated) / (2 * annotated) - spec; /* math.Round, num >= 0 */
}

static int64_t proportion(const daas_ctrl__dp *dp, const daas_ctrl__dprs *r, int64_t to_add,
                          int64_t added)
{
    int64_t f, allowed;

    if (daas_ctrl__rs_replicas(r) == 0 || to_add == 0 || to_add == added)
        return 0;
    f = fraction(dp, r);
    allowed = to_add - added;
    if (to_add > 0)
        return f < allowed ? f : allowed;
    return f > allowed ? f : allowed;
}

typedef struct size_ord {
    const daas_ctrl__dp *dp;
    int dir; /* +1: ReplicaSetsBySizeNewer, -1: BySizeOlder */
} size_ord;

static int by_size(const void *pa, const void *pb, void *ctx)
{
    const size_ord *o = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int64_t sa = daas_ctrl__rs_replicas(&o->dp->rs[a]), sb = daas_ctrl__rs_replicas(&o->dp->rs[b]);

    if (sa != sb)
        return sa > sb ? -1 : 1;
    /* rs[] index order is creation order */
    return o->dir > 0 ? (a > b ? -1 : 1) : (a < b ? -1 : 1);
}

static void proportional(daas_ctrl__dp *dp)
{
    size_t *idx = daas_xcalloc(dp->n + 1, sizeof(*idx)), m = 0;
    int64_t *size = daas_xcalloc(dp->n + 1, sizeof(*size));
    int64_t allowed = dp->replicas > 0 ? dp->replicas + dp->max_surge : 0;
    int64_t to_add, added = 0;
    size_ord ord = {dp, 0};

    for (size_t i = 0; i < dp->n; i++) {
        if (daas_ctrl__rs_replicas(&dp->rs[i]) > 0)
            idx[m++] = i;
    }
    to_add = allowed - daas_ctrl__sum_spec(dp, false, true);
    ord.dir = to_add > 0 ? 1 : -1;
    if (to_add != 0)
        qsort_r(idx, m, sizeof(*idx), by_size, &ord);
    for (size_t k = 0; k < m; k++) {
        int64_t p = proportion(dp, &dp->rs[idx[k]], to_add, added);
        size[k] = daas_ctrl__rs_replicas(&dp->rs[idx[k]]) + p;
        added += p;
    }
    if (m > 0 && to_add != 0) {
        size[0] += to_add - added; /* leftovers go to the largest */
        if (size[0] < 0)
            size[0] = 0;
    }
    for (size_t k = 0; k < m; k++)
        (void)daas_ctrl__scale(dp, idx[k], size[k]);
    daas_free(size);
    daas_free(idx);
}

static void scale_all(daas_ctrl__dp *dp)
{
    long one = active_or_latest(dp);

    if (one >= 0) {
        if (daas_ctrl__rs_replicas(&dp->rs[one]) != dp->replicas)
            (void)daas_ctrl__scale(dp, (size_t)one, dp->replicas);
        return;
    }
    if (saturated(dp)) {
        for (size_t i = 0; i < dp->n; i++) {
            if (is_old_active(dp, i))
                (void)daas_ctrl__scale(dp, i, 0);
        }
        return;
    }
    if (dp->rolling && dp->n > 0)
        proportional(dp);
}

static bool scaling_event(daas_ctrl__dp *dp)
{
    for (size_t i = 0; i < dp->n; i++) {
        bool ok;
        int64_t desired = ann_int(dp->rs[i].obj, DAAS_CTRL_DEPLOY_DESIRED, &ok);
        if (daas_ctrl__rs_replicas(&dp->rs[i]) > 0 && ok && desired != dp->replicas)
            return true;
    }
    return false;
}

/* ---- the entry ---- */

static void paused_conditions(daas_ctrl__dp *dp)
{
    bool paused = json_is_true(daas_kube_path(dp->d, "spec.paused"));
    const json_t *c = daas_ctrl__get_cond(dp->status, "Progressing");
    bool has = c != NULL && reason_is(c, "DeploymentPaused");

    if (deadline(dp) == 0 || (c != NULL && reason_is(c, "ProgressDeadlineExceeded")))
        return;
    if (paused && !has)
        daas_ctrl__set_cond(dp, "Progressing", "Unknown", "DeploymentPaused",
                            "Deployment is paused");
    else if (!paused && has)
        daas_ctrl__set_cond(dp, "Progressing", "Unknown", "DeploymentResumed",
                            "Deployment is resumed");
}

static void emit(daas_ctrl__dp *dp)
{
    daas_ctrl_deploy_plan *p = dp->plan;
    const json_t *old = daas_kube_path(dp->d, "status");

    for (size_t i = 0; i < dp->n; i++) {
        daas_ctrl__dprs *r = &dp->rs[i];
        if (r->created_here) {
            p->create_rs = json_incref(r->obj);
        } else if (r->dirty) {
            json_t *ann = daas_kube_path(r->obj, "metadata.annotations");
            json_array_append_new(
                p->scale,
                json_pack("{s:s,s:s,s:I,s:I,s:o}", "name", RS_NAME(r) ?: "", "uid",
                          daas_kube_str(r->obj, "metadata.uid") ?: "", "replicas",
                          (json_int_t)daas_ctrl__rs_replicas(r), "minReadySeconds",
                          (json_int_t)daas_kube_int(r->obj, "spec.minReadySeconds", 0),
                          "annotations", ann ? json_deep_copy(ann) : json_object()));
        }
    }
    p->status = json_incref(dp->status);
    p->status_changed = old == NULL ? json_object_size(dp->status) > 0
                                    : !json_equal(dp->status, (json_t *)old);
}

static void run(daas_ctrl__dp *dp, const json_t *rss, const json_t *pods)
{
    if (daas_kube_path(dp->d, "metadata.deletionTimestamp") != NULL) {
        (void)daas_ctrl__sync_revision(dp, rss, false);
        daas_ctrl__calc_status(dp);
        return;
    }
    paused_conditions(dp);
    if (json_is_true(daas_kube_path(dp->d, "spec.paused")) || scaling_event(dp)) {
        (void)daas_ctrl__sync_revision(dp, rss, false);
        scale_all(dp);
        if (json_is_true(daas_kube_path(dp->d, "spec.paused")))
            cleanup(dp);
        daas_ctrl__calc_status(dp);
        return;
    }
    if (dp->rolling)
        rolling(dp, rss);
    else
        recreate(dp, rss, pods);
}

/* A Deployment selecting everything is refused upstream (SelectorOverride). */
static void select_all(const json_t *d, daas_ctrl_deploy_plan *p)
{
    const json_t *st = daas_kube_path(d, "status");
    int64_t gen = daas_kube_int(d, "metadata.generation", 0);

    json_array_append_new(p->events,
                          json_pack("{s:s,s:s,s:s}", "type", "Warning", "reason",
                                    "SelectorOverride", "message",
                                    "This deployment is selecting all pods. A non-empty "
                                    "selector is required."));
    p->status = json_is_object(st) ? json_deep_copy(st) : json_object();
    if (daas_kube_int(p->status, "observedGeneration", 0) < gen) {
        json_object_set_new(p->status, "observedGeneration", json_integer(gen));
        p->status_changed = true;
    }
}

int daas_ctrl_deploy_plan_make(const json_t *d, const json_t *rss, const json_t *pods,
                               int64_t now, daas_ctrl_deploy_plan *out, daas_err *err)
{
    const json_t *sel = daas_kube_path(d, "spec.selector");
    daas_ctrl__dp dp;
    int rc;

    memset(out, 0, sizeof(*out));
    out->scale = json_array();
    out->delete_rs = json_array();
    out->adopt_rs = json_array();
    out->release_rs = json_array();
    out->events = json_array();
    if (!json_is_object(sel) || json_object_size(sel) == 0 ||
        (json_object_size(json_object_get(sel, "matchLabels")) == 0 &&
         json_array_size(json_object_get(sel, "matchExpressions")) == 0)) {
        select_all(d, out);
        return DAAS_OK;
    }
    rc = daas_ctrl__dp_init(&dp, d, rss, now, out, err);
    if (rc != DAAS_OK) {
        daas_ctrl__dp_fini(&dp);
        daas_ctrl_deploy_plan_fini(out);
        return rc;
    }
    run(&dp, rss, pods);
    emit(&dp);
    daas_ctrl__dp_fini(&dp);
    return DAAS_OK;
}
