/*
 * replicaset_ctl.c: the ReplicaSet controller: applies daas_ctrl_rs_plan (replicaset.h) for
 *                   each ReplicaSet whose pods or spec changed.
 *
 * Owns:   the last create/delete failure per ReplicaSet (the ReplicaFailure condition's
 *         message on the next sync), guarded by mu.
 * Invariants:
 *   - a sync returns only after the pod and ReplicaSet caches reflect its own writes, so
 *     the next plan never counts a create twice (this replaces upstream's expectations:
 *     the plan always runs with nothing in flight);
 *   - every write to an existing object carries the cached resourceVersion: a stale cache
 *     makes it fail with a conflict and the key is retried with back-off;
 *   - events: SuccessfulCreate / SuccessfulDelete per pod, FailedCreate / FailedDelete on
 *     errors (daas_ctrl_apply_pods).
 * Spec:   kubernetes pkg/controller/replicaset (syncReplicaSet, manageReplicas,
 *         addPod/updatePod/deletePod handlers).
 */
#include <pthread.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl_int.h"
#include "ctrl/podutil.h"
#include "ctrl/replicaset.h"
#include "kube/obj.h"

typedef struct rsctl {
    daas_ctrl_opts o;
    pthread_mutex_t mu;
    daas_ctrl__map failures; /* key -> daas_xstrdup'ed message */
} rsctl;

/* Whether a pod update changed what the plan reads of it (labels, owners, deletion, phase,
 * readiness and its time, restarts): a binding or a heartbeat of other fields does not. */
static bool pod_changed(const json_t *old, const json_t *obj)
{
    static const char *const paths[] = {"metadata.labels", "metadata.ownerReferences",
                                        "metadata.deletionTimestamp", "status.phase",
                                        "status.containerStatuses"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const json_t *a = daas_kube_path(old, paths[i]), *b = daas_kube_path(obj, paths[i]);
        if ((a == NULL) != (b == NULL) || (a && !json_equal(a, b)))
            return true;
    }
    int64_t sa = 0, sb = 0;
    return daas_ctrl_pod_ready(old, &sa) != daas_ctrl_pod_ready(obj, &sb) || sa != sb;
}

/* A Pod's ReplicaSet (the old one too when its owner changed); for an active orphan every
 * ReplicaSet of its namespace, one of which may adopt it. */
static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)arg;
    if (strcmp(res, "replicasets") == 0)
        daas_ctrl_run_enqueue_obj(run, obj);
    else if (ev == DAAS_CTRL_UPDATE && !pod_changed(old, obj))
        return;
    else if (!daas_ctrl_run_enqueue_controllers(run, old, obj, "ReplicaSet") &&
             daas_ctrl_pod_active(obj))
        daas_ctrl_run_enqueue_all(run, "replicasets", daas_kube_str(obj, "metadata.namespace"));
}

/* Adopts and releases pods (each a patch of the cached pod). */
static int claim(daas_ctrl_run *run, const json_t *rs, const daas_ctrl_rs_plan *p,
                 daas_ctrl_apply_res *res, daas_err *err)
{
    daas_ctrl_informer *pods = daas_ctrl_run_informer(run, "pods");
    const daas_kube_kind *k = daas_ctrl_kind("pods");
    const char *ns = daas_kube_str(rs, "metadata.namespace");
    json_t *ref = daas_ctrl_owner_ref(rs, "apps/v1", "ReplicaSet");
    int rc = DAAS_OK;
    for (int pass = 0; pass < 2 && rc == DAAS_OK; pass++) {
        const json_t *list = pass == 0 ? p->adopt : p->release;
        size_t i;
        const json_t *it;
        json_array_foreach(list, i, it) {
            json_t *pod = daas_ctrl_informer_get(pods, ns, daas_kube_str(it, "name"));
            if (pod)
                rc = daas_ctrl_apply_ownerref(daas_ctrl_run_client(run), k, pod,
                                              pass == 0 ? ref : NULL,
                                              daas_kube_str(rs, "metadata.uid"), res, err);
            json_decref(pod);
            if (rc == DAAS_ENOTFOUND)
                rc = DAAS_OK;
            if (rc != DAAS_OK)
                break;
        }
    }
    json_decref(ref);
    return rc;
}

/* Remembers (or forgets) the failure that the next plan reports as ReplicaFailure. */
static void remember(rsctl *s, const char *key, const daas_err *failure)
{
    pthread_mutex_lock(&s->mu);
    char *old = failure ? daas_ctrl__map_put(&s->failures, key, daas_xstrdup(failure->msg))
                        : daas_ctrl__map_del(&s->failures, key);
    pthread_mutex_unlock(&s->mu);
    daas_free(old);
}

static int apply(rsctl *s, daas_ctrl_run *run, const char *key, const json_t *rs,
                 daas_ctrl_rs_plan *p, daas_err *err)
{
    daas_ctrl_apply_res w = {0};
    int rc = claim(run, rs, p, &w, err);
    daas_ctrl_apply_wait(daas_ctrl_run_informer(run, "pods"), w.max_rv);
    json_t *copies = json_array();
    for (int i = 0; i < p->create_count; i++)
        json_array_append(copies, p->pod);
    daas_err pe = {0};
    int prc = rc == DAAS_OK ? daas_ctrl_apply_pods(run, rs, copies, p->remove, &pe) : DAAS_OK;
    if (rc == DAAS_OK)
        remember(s, key, prc != DAAS_OK ? &pe : NULL);
    json_decref(copies);
    daas_ctrl_apply_res st = {0};
    if (rc == DAAS_OK && p->status_changed)
        rc = daas_ctrl_apply_status(daas_ctrl_run_client(run), daas_ctrl_kind("replicasets"), rs,
                                    p->status, &st, err);
    daas_ctrl_apply_wait(daas_ctrl_run_informer(run, "replicasets"), st.max_rv);
    if (rc == DAAS_OK && prc != DAAS_OK) {
        *err = pe;
        rc = prc;
    }
    daas_ctrl_apply_res_fini(&w);
    daas_ctrl_apply_res_fini(&st);
    return rc;
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, const char *ns,
                const char *name, const json_t *rs, daas_err *err)
{
    rsctl *s = arg;
    (void)name;
    if (rs == NULL) { /* deleted: its pods are the garbage collector's */
        remember(s, key, NULL);
        return DAAS_OK;
    }
    json_t *pods = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "pods"), ns);
    pthread_mutex_lock(&s->mu);
    char *failure = daas_ctrl__map_get(&s->failures, key);
    failure = failure ? daas_xstrdup(failure) : NULL;
    pthread_mutex_unlock(&s->mu);
    daas_ctrl_rs_in in = {.now = daas_ctrl_now_s(&s->o), .manage_error = failure};
    daas_ctrl_rs_plan p;
    int rc = daas_ctrl_rs_plan_make(rs, pods, &in, &p, err);
    if (rc == DAAS_OK)
        rc = apply(s, run, key, rs, &p, err);
    if (rc == DAAS_OK && p.requeue_after > 0)
        daas_ctrl_run_enqueue_after(run, key, p.requeue_after * 1000);
    daas_ctrl_rs_plan_fini(&p);
    daas_free(failure);
    json_decref(pods);
    return rc;
}

static void fini(void *arg)
{
    rsctl *s = arg;
    daas_ctrl__map_fini(&s->failures, daas_free);
    pthread_mutex_destroy(&s->mu);
    daas_free(s);
}

int daas_ctrl_replicaset_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    rsctl *s = daas_xcalloc(1, sizeof *s);
    if (o)
        s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    daas_ctrl_def d = {.name = "replicaset",
                       .resources = {"replicasets", "pods"},
                       .handle = handle,
                       .sync_obj = sync,
                       .workers = 5,
                       .arg = s,
                       .fini = fini};
    return daas_ctrl_mgr_register(m, &d, err);
}
