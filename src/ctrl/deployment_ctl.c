/*
 * deployment_ctl.c: the Deployment controller: applies daas_ctrl_deploy_plan
 *                   (deployment.h) for each Deployment whose spec, ReplicaSets or (for
 *                   Recreate) pods changed.
 *
 * Owns:   nothing between syncs.
 * Invariants:
 *   - the plan's steps are applied in its order (claim, create, scale, cleanup, revision,
 *     status, events); the first failing write stops the sync and the key is retried with
 *     back-off, so a later step never runs on a state an earlier one failed to reach;
 *   - every write to an existing object carries the cached resourceVersion;
 *   - a sync returns after the caches reflect its writes (no expectations needed).
 * Spec:   kubernetes pkg/controller/deployment (deployment_controller.go handlers,
 *         syncDeployment).
 */
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/deployment.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"

typedef struct dctl {
    daas_ctrl_opts o;
} dctl;

/* The Deployment controlling rs, or for an orphan every Deployment of its namespace. */
static void enqueue_rs_owner(daas_ctrl_run *run, const json_t *rs)
{
    if (!daas_ctrl_run_enqueue_controller(run, rs, "Deployment"))
        daas_ctrl_run_enqueue_all(run, "deployments", daas_kube_str(rs, "metadata.namespace"));
}

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)arg;
    if (strcmp(res, "deployments") == 0) {
        daas_ctrl_run_enqueue_obj(run, obj);
    } else if (strcmp(res, "replicasets") == 0) {
        enqueue_rs_owner(run, obj);
        if (old && daas_ctrl_controller_ref(old) != NULL &&
            !json_equal(daas_ctrl_controller_ref(old), daas_ctrl_controller_ref(obj)))
            enqueue_rs_owner(run, old);
    } else if (ev == DAAS_CTRL_DELETE) { /* a pod gone: Recreate waits for that */
        const json_t *ref = daas_ctrl_controller_ref(obj);
        const char *kind = daas_kube_str(ref, "kind");
        if (kind == NULL || strcmp(kind, "ReplicaSet") != 0)
            return;
        json_t *rs = daas_ctrl_informer_get(daas_ctrl_run_informer(run, "replicasets"),
                                            daas_kube_str(obj, "metadata.namespace"),
                                            daas_kube_str(ref, "name"));
        if (rs && daas_ctrl_controller_ref(rs))
            enqueue_rs_owner(run, rs);
        json_decref(rs);
    }
}

/* Adopts or releases ReplicaSets (patches of the cached objects). */
static int claim(daas_ctrl_run *run, const json_t *d, const daas_ctrl_deploy_plan *p,
                 daas_ctrl_apply_res *w, daas_err *err)
{
    daas_ctrl_informer *inf = daas_ctrl_run_informer(run, "replicasets");
    const char *ns = daas_kube_str(d, "metadata.namespace");
    json_t *ref = daas_ctrl_owner_ref(d, "apps/v1", "Deployment");
    int rc = DAAS_OK;
    for (int pass = 0; pass < 2 && rc == DAAS_OK; pass++) {
        size_t i;
        const json_t *it;
        json_array_foreach(pass == 0 ? p->adopt_rs : p->release_rs, i, it) {
            json_t *rs = daas_ctrl_informer_get(inf, ns, daas_kube_str(it, "name"));
            if (rs)
                rc = daas_ctrl_apply_ownerref(daas_ctrl_run_client(run),
                                              daas_ctrl_kind("replicasets"), rs,
                                              pass == 0 ? ref : NULL,
                                              daas_kube_str(d, "metadata.uid"), w, err);
            json_decref(rs);
            if (rc != DAAS_OK)
                break;
        }
    }
    json_decref(ref);
    return rc;
}

/* Scales existing ReplicaSets: one merge patch each, carrying the cached resourceVersion. */
static int scale(daas_ctrl_run *run, const json_t *d, const json_t *list, daas_ctrl_apply_res *w,
                 daas_err *err)
{
    daas_ctrl_informer *inf = daas_ctrl_run_informer(run, "replicasets");
    const char *ns = daas_kube_str(d, "metadata.namespace");
    size_t i;
    const json_t *it;
    json_array_foreach(list, i, it) {
        const char *name = daas_kube_str(it, "name");
        json_t *rs = daas_ctrl_informer_get(inf, ns, name);
        if (rs == NULL)
            return daas_fail(err, DAAS_ECONFLICT, "replicaset %s is gone", name);
        json_t *patch = json_pack("{s:{s:O,s:s},s:{s:O,s:O}}", "metadata", "annotations",
                                  json_object_get(it, "annotations"), "resourceVersion",
                                  daas_kube_str(rs, "metadata.resourceVersion"), "spec",
                                  "replicas", json_object_get(it, "replicas"), "minReadySeconds",
                                  json_object_get(it, "minReadySeconds"));
        json_t *out = NULL;
        int rc = patch ? daas_ctrl_client_patch(daas_ctrl_run_client(run),
                                                daas_ctrl_kind("replicasets"), ns, name, NULL,
                                                DAAS_CTRL_PATCH_MERGE, patch, &out, err)
                       : daas_fail(err, DAAS_EINVAL, "scale of %s: bad plan entry", name);
        if (rc == DAAS_OK)
            daas_ctrl_apply_note_rv(w, out);
        json_decref(out);
        json_decref(patch);
        json_decref(rs);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* The ReplicaSet half of the plan: claim, create, scale, clean up. */
static int apply_rs(daas_ctrl_run *run, const json_t *d, const daas_ctrl_deploy_plan *p,
                    daas_ctrl_apply_res *w, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    const char *ns = daas_kube_str(d, "metadata.namespace");
    int rc = claim(run, d, p, w, err);
    if (rc == DAAS_OK && p->create_rs) {
        json_t *out = NULL;
        rc = daas_ctrl_client_create(c, daas_ctrl_kind("replicasets"), ns, p->create_rs, &out, err);
        daas_ctrl_apply_note_rv(w, out);
        json_decref(out);
    }
    if (rc == DAAS_OK)
        rc = scale(run, d, p->scale, w, err);
    if (rc == DAAS_OK && json_array_size(p->delete_rs)) {
        daas_ctrl_apply_res dr;
        daas_ctrl_apply_delete(c, daas_ctrl_kind("replicasets"), ns, p->delete_rs, NULL, &dr);
        if (dr.failed)
            rc = daas_fail(err, dr.first.code, "%s", dr.first.msg);
        daas_ctrl_apply_res_fini(&dr);
    }
    return rc;
}

/* The Deployment half: the revision annotation, then the status on the object it gave. */
static int apply_deploy(daas_ctrl_run *run, const json_t *d, const daas_ctrl_deploy_plan *p,
                        daas_ctrl_apply_res *w, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    const daas_kube_kind *k = daas_ctrl_kind("deployments");
    json_t *cur = json_incref((json_t *)d);
    int rc = DAAS_OK;
    if (p->revision) {
        json_t *patch = json_pack("{s:{s:{s:O},s:s}}", "metadata", "annotations",
                                  DAAS_CTRL_DEPLOY_REVISION, p->revision, "resourceVersion",
                                  daas_kube_str(d, "metadata.resourceVersion"));
        json_t *out = NULL;
        rc = daas_ctrl_client_patch(c, k, daas_kube_str(d, "metadata.namespace"),
                                    daas_kube_str(d, "metadata.name"), NULL,
                                    DAAS_CTRL_PATCH_MERGE, patch, &out, err);
        json_decref(patch);
        if (rc == DAAS_OK) {
            daas_ctrl_apply_note_rv(w, out);
            json_decref(cur);
            cur = out;
        } else {
            json_decref(out);
        }
    }
    if (rc == DAAS_OK && (p->status_changed || p->revision))
        rc = daas_ctrl_apply_status(c, k, cur, p->status, w, err);
    json_decref(cur);
    return rc;
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, const char *ns,
                const char *name, const json_t *d, daas_err *err)
{
    dctl *s = arg;
    (void)name;
    if (d == NULL) /* deleted: its ReplicaSets are the garbage collector's */
        return DAAS_OK;
    daas_ctrl_informer *rsi = daas_ctrl_run_informer(run, "replicasets");
    json_t *rss = daas_ctrl_informer_list(rsi, ns);
    json_t *pods = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "pods"), ns);
    daas_ctrl_deploy_plan p;
    daas_ctrl_apply_res rw = {0}, dw = {0};
    int rc = daas_ctrl_deploy_plan_make(d, rss, pods, daas_ctrl_now_s(&s->o), &p, err);
    if (rc == DAAS_OK) {
        rc = apply_rs(run, d, &p, &rw, err);
        daas_ctrl_apply_wait(rsi, rw.max_rv);
        if (rc == DAAS_OK)
            rc = apply_deploy(run, d, &p, &dw, err);
        daas_ctrl_apply_wait(daas_ctrl_run_informer(run, "deployments"), dw.max_rv);
        daas_ctrl_apply_events(daas_ctrl_run_client(run), d, p.events);
        if (rc == DAAS_OK && p.requeue_after > 0)
            daas_ctrl_run_enqueue_after(run, key, p.requeue_after * 1000);
        daas_ctrl_deploy_plan_fini(&p);
    }
    daas_ctrl_apply_res_fini(&rw);
    daas_ctrl_apply_res_fini(&dw);
    json_decref(pods);
    json_decref(rss);
    return rc;
}

int daas_ctrl_deployment_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    dctl *s = daas_xcalloc(1, sizeof *s);
    if (o)
        s->o = *o;
    daas_ctrl_def d = {.name = "deployment",
                       .resources = {"deployments", "replicasets", "pods"},
                       .handle = handle,
                       .sync_obj = sync,
                       .workers = 5,
                       .arg = s,
                       .fini = daas_free};
    return daas_ctrl_mgr_register(m, &d, err);
}
