/*
 * gc_ctl.c: the garbage collector controller: one work-queue key ("gc") for the whole
 *           cluster; each sync plans one collection pass (gc.c) over a snapshot of the
 *           informers and applies it.
 *
 * Owns:   the controller's state (a copy of the options) and one pass at a time (one worker,
 *         one key).
 * Not:    the decision (gc.c); the orphan and foregroundDeletion finalizers (src/api/nsctl.c
 *         keeps them for now: the plan is made without DAAS_CTRL_GC_FINALIZERS, see gc.h).
 * Model:  the kinds that carry ownerReferences here are the informers of gc_wanted;
 *         an owner of another kind counts as present (gc.h's listed_kinds). Before deleting an
 *         object or dropping a reference because its owner is absent from the snapshot, the
 *         owner is looked up through the API, as upstream's attemptToDeleteItem does
 *         (isDangling): informers of different kinds lag each other, and a dependent seen
 *         before its owner must not be collected. A live owner skips the entry and the pass
 *         is run again shortly.
 * Invariants:
 *   - deletes carry the object's uid as a precondition and the plan's propagationPolicy; a
 *     dropped reference is a strategic merge patch ($patch: delete by uid) carrying the
 *     cached resourceVersion, so a concurrent change is a 409 and the pass is retried;
 *   - a failed write fails the sync (the key is retried with back-off); the other writes of
 *     the pass still go out (each is idempotent against a fresher snapshot).
 * Spec:   kubernetes pkg/controller/garbagecollector (attemptToDeleteItem, isDangling);
 *         ISSUE 7 "Garbage collection through ownerReferences".
 */
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/gc.h"
#include "kube/kind.h"
#include "kube/obj.h"

#define GC_KEY "gc"
#define GC_COALESCE_MS 50 /* a burst of events becomes one pass */
#define GC_STALE_MS 500   /* a pass that met a live owner missing from its snapshot re-runs */
#define GC_NRES 8

/* The kinds that carry ownerReferences here; one missing from the kind table (a build
 * without it) is left out, so it counts as "not listed" (its owners are never gone). */
static const char *const gc_wanted[GC_NRES] = {
    "pods", "replicasets",         "deployments",    "daemonsets",
    "jobs", "controllerrevisions", "endpointslices", "services",
};

static const char *const policies[] = {"Background", "Foreground", "Orphan"};

typedef struct gc_state {
    daas_ctrl_opts o;               /* copy of the registration's options (read-only) */
    const char *res[GC_NRES];       /* the resources of gc_wanted that exist, in order */
    const char *kinds[GC_NRES + 1]; /* their Kind names, NULL-terminated */
    int nres;
} gc_state;

/* One pass: the snapshot, its uid index and what the live lookups found. */
typedef struct gc_pass {
    const gc_state *st;
    daas_ctrl_run *run;
    json_t *snap;        /* array of every cached object of st->res */
    json_t *uids;        /* uid -> object of snap (borrowed) */
    json_t *live;        /* owner uid -> true/false: found through the API in this pass */
    bool stale;          /* an entry was skipped: a live owner the snapshot lacked */
    int64_t rv[GC_NRES]; /* highest resourceVersion written per resource */
    daas_err first;      /* the first failed write */
} gc_pass;

/* An object a pass may act on: it has owners, or it is being deleted. */
static bool gc_relevant(const json_t *obj)
{
    return json_array_size(daas_kube_path(obj, "metadata.ownerReferences")) > 0 ||
           daas_kube_path(obj, "metadata.deletionTimestamp") != NULL;
}

/* Whether an update can change a plan: the plan reads only owner references, uids and
 * deletion marks (a pod's status churn is not worth a pass; upstream's graph builder also
 * skips updates whose references and deletion state are unchanged). */
static bool gc_changed(const json_t *old, const json_t *obj)
{
    static const char *const fields[] = {"metadata.ownerReferences", "metadata.deletionTimestamp",
                                         "metadata.finalizers"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const json_t *a = daas_kube_path(old, fields[i]), *b = daas_kube_path(obj, fields[i]);
        if ((a == NULL) != (b == NULL) || (a && !json_equal(a, b)))
            return true;
    }
    return false;
}

static void gc_handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                      const json_t *obj)
{
    (void)arg, (void)res;
    if (ev == DAAS_CTRL_DELETE || (ev == DAAS_CTRL_ADD && gc_relevant(obj)) ||
        (ev == DAAS_CTRL_UPDATE && gc_changed(old, obj)))
        daas_ctrl_run_enqueue_after(run, GC_KEY, GC_COALESCE_MS);
}

/* The index in st->res of the resource whose Kind is kind, or -1. */
static int res_of_kind(const gc_state *st, const char *kind)
{
    for (int i = 0; i < st->nres; i++)
        if (kind && strcmp(st->kinds[i], kind) == 0)
            return i;
    return -1;
}

/* Fills p->snap with every informer's objects and p->uids with their index. */
static void snapshot(gc_pass *p)
{
    for (int i = 0; i < p->st->nres; i++) {
        json_t *l = daas_ctrl_informer_list(daas_ctrl_run_informer(p->run, p->st->res[i]), NULL);
        json_array_extend(p->snap, l);
        json_decref(l);
    }
    size_t i;
    json_t *o;
    json_array_foreach(p->snap, i, o)
    {
        const char *uid = daas_kube_str(o, "metadata.uid");
        if (uid)
            json_object_set(p->uids, uid, o);
    }
}

/* Whether the owner ref of dep exists now (same uid, in dep's namespace or cluster-scoped),
 * asked of the API once per pass. */
static int owner_live(gc_pass *p, const json_t *dep, const json_t *ref, bool *live, daas_err *err)
{
    const char *uid = daas_kube_str(ref, "uid"), *name = daas_kube_str(ref, "name");
    json_t *known = json_object_get(p->live, uid ? uid : "");
    int r = res_of_kind(p->st, daas_kube_str(ref, "kind"));
    *live = false;
    if (known != NULL || uid == NULL || name == NULL || r < 0) {
        *live = json_is_true(known);
        return DAAS_OK;
    }
    const daas_kube_kind *k = daas_ctrl_kind(p->st->res[r]);
    json_t *cur = NULL;
    int rc = daas_ctrl_client_get(daas_ctrl_run_client(p->run), k,
                                  k->namespaced ? daas_kube_str(dep, "metadata.namespace") : NULL,
                                  name, &cur, err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        rc = DAAS_OK;
    }
    const char *cuid = daas_kube_str(cur, "metadata.uid");
    *live = rc == DAAS_OK && cuid != NULL && strcmp(cuid, uid) == 0;
    if (rc == DAAS_OK)
        json_object_set_new(p->live, uid, json_boolean(*live));
    json_decref(cur);
    return rc;
}

/* True when every owner of the entry's object that the snapshot lacks is really gone. */
static int confirmed(gc_pass *p, const json_t *entry, bool *ok, daas_err *err)
{
    const json_t *obj = json_object_get(p->uids, daas_kube_str(entry, "uid") ?: "");
    size_t i;
    json_t *ref;
    *ok = obj != NULL;
    json_array_foreach(daas_kube_path(obj, "metadata.ownerReferences"), i, ref)
    {
        bool live = false;
        if (json_object_get(p->uids, daas_kube_str(ref, "uid") ?: "") != NULL)
            continue; /* classified from the snapshot itself */
        int rc = owner_live(p, obj, ref, &live, err);
        if (rc != DAAS_OK)
            return rc;
        if (live) {
            *ok = false;
            p->stale = true;
            break;
        }
    }
    return DAAS_OK;
}

static void note_failure(gc_pass *p, const daas_err *e)
{
    if (p->first.code == 0)
        p->first = *e;
}

/* Deletes the confirmed entries of del whose resource is r and policy is policy. */
static void delete_group(gc_pass *p, const json_t *del, int r, const char *policy)
{
    json_t *items = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(del, i, e)
    {
        if (res_of_kind(p->st, daas_kube_str(e, "kind")) == r &&
            strcmp(daas_kube_str(e, "propagationPolicy") ?: "", policy) == 0)
            json_array_append(items, e);
    }
    if (json_array_size(items) > 0) {
        daas_ctrl_apply_res res;
        daas_ctrl_apply_delete(daas_ctrl_run_client(p->run), daas_ctrl_kind(p->st->res[r]), NULL,
                               items, policy, &res);
        if (res.failed)
            note_failure(p, &res.first);
        if (res.max_rv > p->rv[r])
            p->rv[r] = res.max_rv;
        DAAS_DEBUG("gc", "deleted %d %s (%s)", res.done, p->st->res[r], policy);
        daas_ctrl_apply_res_fini(&res);
    }
    json_decref(items);
}

/* Removes the entry's ownerUIDs from its object's ownerReferences. */
static void unref_one(gc_pass *p, const json_t *entry)
{
    const json_t *obj = json_object_get(p->uids, daas_kube_str(entry, "uid") ?: "");
    int r = res_of_kind(p->st, daas_kube_str(entry, "kind"));
    const char *rv = daas_kube_str(obj, "metadata.resourceVersion");
    if (obj == NULL || r < 0)
        return;
    json_t *dels = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(entry, "ownerUIDs"), i, u)
        json_array_append_new(dels, json_pack("{s:s,s:O}", "$patch", "delete", "uid", u));
    json_t *patch = json_pack("{s:{s:o}}", "metadata", "ownerReferences", dels), *out = NULL;
    if (rv)
        daas_kube_set_str(patch, "metadata.resourceVersion", rv);
    daas_err e = {0};
    if (daas_ctrl_client_patch(daas_ctrl_run_client(p->run), daas_ctrl_kind(p->st->res[r]),
                               daas_kube_str(entry, "namespace"), daas_kube_str(entry, "name"),
                               NULL, DAAS_CTRL_PATCH_STRATEGIC, patch, &out, &e) != DAAS_OK &&
        e.code != DAAS_ENOTFOUND)
        note_failure(p, &e);
    if (daas_ctrl_rv(out) > p->rv[r])
        p->rv[r] = daas_ctrl_rv(out);
    json_decref(out);
    json_decref(patch);
}

/* Keeps the confirmed entries of part (a new array). */
static int confirm_all(gc_pass *p, const json_t *part, json_t **out, daas_err *err)
{
    *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(part, i, e)
    {
        bool ok = false;
        int rc = confirmed(p, e, &ok, err);
        if (rc != DAAS_OK)
            return rc;
        if (ok)
            json_array_append(*out, e);
    }
    return DAAS_OK;
}

static int apply_plan(gc_pass *p, const daas_ctrl_gc_plan *plan, daas_err *err)
{
    json_t *del = NULL, *unref = NULL;
    int rc = confirm_all(p, plan->del, &del, err);
    if (rc == DAAS_OK)
        rc = confirm_all(p, plan->unref, &unref, err);
    for (int r = 0; rc == DAAS_OK && r < p->st->nres; r++)
        for (size_t k = 0; k < sizeof policies / sizeof policies[0]; k++)
            delete_group(p, del, r, policies[k]);
    size_t i;
    json_t *e;
    if (rc == DAAS_OK)
        json_array_foreach(unref, i, e) unref_one(p, e);
    for (int r = 0; r < p->st->nres; r++)
        daas_ctrl_apply_wait(daas_ctrl_run_informer(p->run, p->st->res[r]), p->rv[r]);
    json_decref(del);
    json_decref(unref);
    if (rc == DAAS_OK && p->first.code != 0)
        rc = daas_fail(err, p->first.code, "%s", p->first.msg);
    return rc;
}

static int gc_sync(void *arg, daas_ctrl_run *run, const char *key, daas_err *err)
{
    (void)key;
    const gc_state *st = arg;
    gc_pass p = {
        .st = st, .run = run, .snap = json_array(), .uids = json_object(), .live = json_object()};
    snapshot(&p);
    daas_ctrl_gc_plan plan;
    int rc = daas_ctrl_gc_plan_make(p.snap, st->kinds, 0, &plan, err);
    if (rc == DAAS_OK)
        rc = apply_plan(&p, &plan, err);
    if (p.stale)
        daas_ctrl_run_enqueue_after(run, GC_KEY, GC_STALE_MS);
    daas_ctrl_gc_plan_fini(&plan);
    json_decref(p.live);
    json_decref(p.uids);
    json_decref(p.snap);
    return rc;
}

/* Registers the garbage collector on m: informers over gc_wanted (those the kind table has), one
 * worker. Errors: the manager's (DAAS_EINVAL). */
int daas_ctrl_gc_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    gc_state *st = daas_xcalloc(1, sizeof *st);
    if (o)
        st->o = *o;
    daas_ctrl_def def = {
        .name = "garbage-collector",
        .handle = gc_handle,
        .sync = gc_sync,
        .workers = 1,
        .arg = st,
        .fini = daas_free,
    };
    for (int i = 0; i < GC_NRES; i++) {
        const daas_kube_kind *k = daas_ctrl_kind(gc_wanted[i]);
        if (k == NULL)
            continue;
        st->res[st->nres] = gc_wanted[i];
        st->kinds[st->nres] = k->kind;
        def.resources[st->nres++] = gc_wanted[i];
    }
    return daas_ctrl_mgr_register(m, &def, err);
}
