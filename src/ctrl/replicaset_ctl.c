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

/* Queues the ReplicaSet controlling obj (a pod), or, for an orphan, every ReplicaSet of its
 * namespace (one of them may adopt it). */
static void enqueue_owner(daas_ctrl_run *run, const json_t *pod)
{
    const char *ns = daas_kube_str(pod, "metadata.namespace");
    const json_t *ref = daas_ctrl_controller_ref(pod);
    if (ref) {
        const char *kind = daas_kube_str(ref, "kind"), *name = daas_kube_str(ref, "name");
        if (kind && name && strcmp(kind, "ReplicaSet") == 0) {
            char *key = daas_xasprintf("%s/%s", ns ? ns : "", name);
            daas_ctrl_run_enqueue(run, key);
            daas_free(key);
        }
        return;
    }
    if (!daas_ctrl_pod_active(pod))
        return;
    json_t *all = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "replicasets"), ns);
    size_t i;
    json_t *rs;
    json_array_foreach(all, i, rs) {
        char *key = daas_ctrl_key(rs);
        daas_ctrl_run_enqueue(run, key);
        daas_free(key);
    }
    json_decref(all);
}

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)arg, (void)ev;
    if (strcmp(res, "replicasets") == 0) {
        char *key = daas_ctrl_key(obj);
        daas_ctrl_run_enqueue(run, key);
        daas_free(key);
        return;
    }
    enqueue_owner(run, obj);
    if (old && !json_equal(json_object_get(daas_kube_path(old, "metadata"), "ownerReferences"),
                           json_object_get(daas_kube_path(obj, "metadata"), "ownerReferences")))
        enqueue_owner(run, old);
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

static int sync(void *arg, daas_ctrl_run *run, const char *key, daas_err *err)
{
    rsctl *s = arg;
    char *ns = NULL, *name = NULL;
    int rc = daas_ctrl_key_split(key, &ns, &name);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "bad key %s", key);
    json_t *rs = daas_ctrl_informer_get(daas_ctrl_run_informer(run, "replicasets"), ns, name);
    if (rs == NULL) { /* deleted: its pods are the garbage collector's */
        remember(s, key, NULL);
        goto out;
    }
    json_t *pods = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "pods"), ns);
    pthread_mutex_lock(&s->mu);
    char *failure = daas_ctrl__map_get(&s->failures, key);
    failure = failure ? daas_xstrdup(failure) : NULL;
    pthread_mutex_unlock(&s->mu);
    daas_ctrl_rs_in in = {.now = daas_ctrl_now_s(&s->o), .manage_error = failure};
    daas_ctrl_rs_plan p;
    rc = daas_ctrl_rs_plan_make(rs, pods, &in, &p, err);
    if (rc == DAAS_OK)
        rc = apply(s, run, key, rs, &p, err);
    if (rc == DAAS_OK && p.requeue_after > 0)
        daas_ctrl_run_enqueue_after(run, key, p.requeue_after * 1000);
    daas_ctrl_rs_plan_fini(&p);
    daas_free(failure);
    json_decref(pods);
    json_decref(rs);
out:
    daas_free(ns);
    daas_free(name);
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
                       .sync = sync,
                       .workers = 5,
                       .arg = s,
                       .fini = fini};
    int rc = daas_ctrl_mgr_register(m, &d, err);
    if (rc != DAAS_OK)
        fini(s);
    return rc;
}
