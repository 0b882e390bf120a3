/*
 * gc.h: the garbage collector's decision over ownerReferences, as a pure plan.
 *
 * Owns:   daas_ctrl_gc_plan (objects to delete, owner references to remove, finalizers to
 *         drop) and the function computing it from a snapshot of the cluster's objects.
 * Does not own: the snapshot (the caller lists every kind it names in listed_kinds), the
 *         writes, the retry of failed writes (plan again after any change).
 * Invariants:
 *   - deterministic: output follows the input order; no clock, no I/O; inputs borrowed;
 *   - an owner counts as gone only when its kind was listed (listed_kinds) and no object
 *     with its uid exists, or the object with that uid is in another namespace than the
 *     dependent (or namespaced while the dependent is cluster-scoped): a partial snapshot
 *     never deletes what it cannot see;
 *   - an object already being deleted is never deleted again; each object appears at most
 *     once in del and at most once in unref.
 * Split with src/api/nsctl.c: nsctl today handles the "orphan" and "foregroundDeletion"
 *   finalizers (it deletes or orphans every same-namespace dependent of an owner being
 *   deleted with them, then drops the finalizer). Without DAAS_CTRL_GC_FINALIZERS the plan
 *   leaves owners with those finalizers to nsctl (their references count as solid) and only
 *   adds what nsctl does not do: background collection of dependents whose owners are all
 *   gone, and removal of dangling references beside live owners. With the flag the plan does
 *   the finalizer work too, as Kubernetes does (blockOwnerDeletion decides what the owner
 *   waits for; a dependent with another live owner only loses the reference; cluster-scoped
 *   owners reach dependents in every namespace), so nsctl's part can be retired.
 * Spec:   kubernetes pkg/controller/garbagecollector/garbagecollector.go (1.32):
 *         attemptToDeleteItem, classifyReferences, processDeletingDependentsItem,
 *         orphanDependents.
 */
#ifndef DAAS_CTRL_GC_H
#define DAAS_CTRL_GC_H

#include <jansson.h>
#include <stdint.h>

#include "common/err.h"

/* Also handle the orphan and foregroundDeletion finalizers (see above). */
#define DAAS_CTRL_GC_FINALIZERS 1u

typedef struct daas_ctrl_gc_plan {
    /* Each entry names one object: {"apiVersion","kind","namespace"(when namespaced),"name",
     * "uid"}; write with the uid as a precondition. */
    json_t *del;     /* entries + "propagationPolicy": "Background"|"Foreground"|"Orphan" */
    json_t *unref;   /* entries + "ownerUIDs": [uid...] to remove from ownerReferences */
    json_t *unblock; /* entries + "finalizer": "foregroundDeletion"|"orphan" to remove from
                      * metadata.finalizers (only with DAAS_CTRL_GC_FINALIZERS) */
} daas_ctrl_gc_plan;

/* Plans one collection pass over objects (an array of objects of any kinds as the API serves
 * them; those without metadata.uid are ignored). listed_kinds: NULL-terminated Kind names
 * ("ReplicaSet") whose objects are all in the array; NULL means every kind is. flags: 0 or
 * DAAS_CTRL_GC_FINALIZERS. On success *plan is filled (daas_ctrl_gc_plan_fini); on failure
 * empty. Errors: DAAS_EINVAL (objects not an array). */
DAAS_MUST_USE int daas_ctrl_gc_plan_make(const json_t *objects, const char *const *listed_kinds,
                                         unsigned flags, daas_ctrl_gc_plan *plan, daas_err *err);

/* Releases what the plan holds and zeroes it. Accepts a zeroed plan. */
void daas_ctrl_gc_plan_fini(daas_ctrl_gc_plan *plan);

#endif
