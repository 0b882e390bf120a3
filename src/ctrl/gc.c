/*
 * gc.c: the garbage collector's plan (gc.h): dangling owners, foreground and orphan
 *       deletion over one snapshot.
 *
 * Owns:   nothing beyond the plan it returns.
 * Invariants: see gc.h. One pass decides what Kubernetes' attemptToDeleteItem and
 *             processDeletingDependentsItem would decide for every object of the snapshot;
 *             a finalizer is dropped only on a pass that sees no dependent left for it.
 * Spec:   kubernetes pkg/controller/garbagecollector/garbagecollector.go (1.32).
 */
#include "ctrl/gc.h"

#include <string.h>

#include "common/alloc.h"
#include "kube/obj.h"

typedef struct gc_ctx {
    const json_t *objects;
    const char *const *kinds; /* listed kinds, or NULL: all */
    bool finalizers;          /* DAAS_CTRL_GC_FINALIZERS */
    json_t *by_uid;           /* uid -> object (borrowed) */
    json_t *deps;             /* owner uid -> array of dependents (borrowed) */
    daas_ctrl_gc_plan *p;
} gc_ctx;

/* How one reference stands (classifyReferences). */
enum {
    REF_SOLID,    /* the owner is there */
    REF_DANGLING, /* the owner is gone */
    REF_WAITING,  /* the owner is being deleted in the foreground */
    REF_ORPHAN,   /* the owner is being deleted with the orphan finalizer: the ref goes */
};

static const char *ns_of(const json_t *o)
{
    const char *ns = daas_kube_str(o, "metadata.namespace");
    return ns && *ns ? ns : NULL;
}

static bool has_finalizer(const json_t *o, const char *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(daas_kube_path(o, "metadata.finalizers"), i, v)
    {
        if (strcmp(json_string_value(v) ?: "", f) == 0)
            return true;
    }
    return false;
}

static bool deleting(const json_t *o)
{
    return daas_kube_path(o, "metadata.deletionTimestamp") != NULL;
}

/* isDeletingDependents: being deleted in the foreground. */
static bool foreground(const json_t *o)
{
    return deleting(o) && has_finalizer(o, "foregroundDeletion");
}

static bool kind_listed(const gc_ctx *c, const char *kind)
{
    if (c->kinds == NULL)
        return true;
    for (const char *const *k = c->kinds; *k; k++)
        if (strcmp(*k, kind ?: "") == 0)
            return true;
    return false;
}

/* isDangling + classifyReferences for one reference of dep. */
static int classify(const gc_ctx *c, const json_t *dep, const json_t *ref)
{
    const char *uid = daas_kube_str(ref, "uid") ?: "";
    const json_t *owner = json_object_get(c->by_uid, uid);
    if (owner == NULL)
        return kind_listed(c, daas_kube_str(ref, "kind")) ? REF_DANGLING : REF_SOLID;
    const char *ons = ns_of(owner), *dns = ns_of(dep);
    if (ons && (dns == NULL || strcmp(ons, dns) != 0))
        return REF_DANGLING; /* an owner must be cluster-scoped or in the dependent's namespace */
    if (c->finalizers && foreground(owner))
        return REF_WAITING;
    if (c->finalizers && deleting(owner) && has_finalizer(owner, "orphan"))
        return REF_ORPHAN; /* orphanDependents */
    return REF_SOLID;
}

/* {"apiVersion","kind","namespace","name","uid"} of o. New reference. */
static json_t *ident(const json_t *o)
{
    json_t *e = json_object();
    static const char *const keys[] = {"apiVersion", "kind"};
    for (size_t i = 0; i < 2; i++)
        json_object_set_new(e, keys[i], json_string(daas_kube_str(o, keys[i]) ?: ""));
    if (ns_of(o))
        json_object_set_new(e, "namespace", json_string(ns_of(o)));
    json_object_set_new(e, "name", json_string(daas_kube_str(o, "metadata.name") ?: ""));
    json_object_set_new(e, "uid", json_string(daas_kube_str(o, "metadata.uid") ?: ""));
    return e;
}

static void plan_delete(gc_ctx *c, const json_t *o, const char *policy)
{
    json_t *e = ident(o);
    json_object_set_new(e, "propagationPolicy", json_string(policy));
    json_array_append_new(c->p->del, e);
}

/* The object's own policy when nothing waits on it (attemptToDeleteItem's default case). */
static const char *own_policy(const json_t *o)
{
    if (has_finalizer(o, "orphan"))
        return "Orphan";
    if (has_finalizer(o, "foregroundDeletion"))
        return "Foreground";
    return "Background";
}

static bool has_dependents(const gc_ctx *c, const json_t *o)
{
    return json_array_size(json_object_get(c->deps, daas_kube_str(o, "metadata.uid") ?: "")) > 0;
}

/* attemptToDeleteItem for one object that is not being deleted. */
static void attempt(gc_ctx *c, const json_t *o)
{
    size_t n[4] = {0, 0, 0, 0};
    json_t *drop = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(daas_kube_path(o, "metadata.ownerReferences"), i, r)
    {
        int k = classify(c, o, r);
        n[k]++;
        if (k != REF_SOLID)
            json_array_append_new(drop, json_string(daas_kube_str(r, "uid") ?: ""));
    }
    if (n[REF_SOLID] == 0 && n[REF_WAITING] > 0 && has_dependents(c, o)) {
        plan_delete(c, o, "Foreground");
    } else if (n[REF_SOLID] == 0 && (n[REF_DANGLING] > 0 || n[REF_WAITING] > 0)) {
        plan_delete(c, o, own_policy(o));
    } else if (json_array_size(drop) > 0) { /* live owners stay; the others' refs go */
        json_t *e = ident(o);
        json_object_set_new(e, "ownerUIDs", json_incref(drop));
        json_array_append_new(c->p->unref, e);
    }
    json_decref(drop);
}

static void unblock(gc_ctx *c, const json_t *o, const char *finalizer)
{
    json_t *e = ident(o);
    json_object_set_new(e, "finalizer", json_string(finalizer));
    json_array_append_new(c->p->unblock, e);
}

/* processDeletingDependentsItem / orphanDependents' last step: the owner's finalizer goes
 * once no (blocking) dependent is left. */
static void owner_finalizers(gc_ctx *c, const json_t *o)
{
    const char *uid = daas_kube_str(o, "metadata.uid") ?: "";
    const json_t *deps = json_object_get(c->deps, uid);
    bool blocked = false, referenced = json_array_size(deps) > 0;
    size_t i, k;
    json_t *d, *r;
    json_array_foreach(deps, i, d)
    {
        json_array_foreach(daas_kube_path(d, "metadata.ownerReferences"), k, r) blocked |=
            strcmp(daas_kube_str(r, "uid") ?: "", uid) == 0 &&
            json_is_true(json_object_get(r, "blockOwnerDeletion"));
    }
    if (foreground(o) && !blocked)
        unblock(c, o, "foregroundDeletion");
    else if (deleting(o) && has_finalizer(o, "orphan") && !foreground(o) && !referenced)
        unblock(c, o, "orphan");
}

/* Indexes the snapshot by uid and by owner uid. */
static void index_objects(gc_ctx *c)
{
    size_t i, k;
    json_t *o, *r;
    json_array_foreach(c->objects, i, o)
    {
        const char *uid = daas_kube_str(o, "metadata.uid");
        if (uid == NULL)
            continue;
        json_object_set(c->by_uid, uid, o);
        json_array_foreach(daas_kube_path(o, "metadata.ownerReferences"), k, r)
        {
            const char *ou = daas_kube_str(r, "uid") ?: "";
            json_t *list = json_object_get(c->deps, ou);
            if (list == NULL) {
                list = json_array();
                json_object_set_new(c->deps, ou, list);
            }
            json_array_append(list, o);
        }
    }
}

int daas_ctrl_gc_plan_make(const json_t *objects, const char *const *listed_kinds, unsigned flags,
                           daas_ctrl_gc_plan *plan, daas_err *err)
{
    memset(plan, 0, sizeof *plan);
    if (!json_is_array(objects))
        return daas_fail(err, DAAS_EINVAL, "gc: objects must be an array");
    plan->del = json_array();
    plan->unref = json_array();
    plan->unblock = json_array();
    gc_ctx c = {objects,       listed_kinds,  (flags & DAAS_CTRL_GC_FINALIZERS) != 0,
                json_object(), json_object(), plan};
    index_objects(&c);
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        if (daas_kube_str(o, "metadata.uid") == NULL)
            continue;
        if (c.finalizers && deleting(o))
            owner_finalizers(&c, o);
        if (!deleting(o) && json_array_size(daas_kube_path(o, "metadata.ownerReferences")) > 0)
            attempt(&c, o);
    }
    json_decref(c.by_uid);
    json_decref(c.deps);
    return DAAS_OK;
}

void daas_ctrl_gc_plan_fini(daas_ctrl_gc_plan *plan)
{
    json_decref(plan->del);
    json_decref(plan->unref);
    json_decref(plan->unblock);
    memset(plan, 0, sizeof *plan);
}
