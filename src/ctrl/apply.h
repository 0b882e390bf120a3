/*
 * apply.h: how a controller's sync applies a plan: many creates or deletes at once (so the
 *          store's group commit batches them), events, and waiting until its own informer
 *          has seen its writes.
 *
 * Owns:   daas_ctrl_apply_res and the parallel write helpers.
 * Not:    any plan; the decision what to write.
 * Invariants:
 *   - creates go out in upstream's slow-start batches (1, 2, 4, ... objects, each batch in
 *     parallel on at most DAAS_CTRL_APPLY_THREADS threads); after a batch with a failure
 *     nothing more is attempted (the rest is counted in skipped), as slowStartBatch does;
 *   - deletes carry the object's uid as a precondition when known; NotFound is success;
 *   - every helper returns only after every write it started has been answered.
 * Spec:   kubernetes pkg/controller/replicaset (slowStartBatch, SlowStartInitialBatchSize 1).
 */
#ifndef DAAS_CTRL_APPLY_H
#define DAAS_CTRL_APPLY_H

#include <jansson.h>
#include <stdint.h>

#include "common/err.h"
#include "ctrl/ctrl.h"

#define DAAS_CTRL_APPLY_THREADS 16

typedef struct daas_ctrl_apply_res {
    int done;       /* writes that succeeded (a delete that found nothing included) */
    int failed;     /* writes answered with an error */
    int skipped;    /* creates not attempted after a failed batch */
    int64_t max_rv; /* highest resourceVersion among the replies (0: none) */
    daas_err first; /* the first failure (code 0 when none) */
    json_t *names;  /* array of the created objects' names (creates only), new */
} daas_ctrl_apply_res;

/* POSTs every object of objs (a JSON array; an element may repeat) to kind k in namespace
 * ns. *res is overwritten; release it with daas_ctrl_apply_res_fini. */
void daas_ctrl_apply_create(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                            const json_t *objs, daas_ctrl_apply_res *res);
/* DELETEs every element of items (a name string, or an object with "name" and optionally
 * "uid" and "namespace") of kind k in ns, in parallel. propagation: NULL or
 * "Background"/"Foreground"/"Orphan". */
void daas_ctrl_apply_delete(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                            const json_t *items, const char *propagation,
                            daas_ctrl_apply_res *res);
void daas_ctrl_apply_res_fini(daas_ctrl_apply_res *res);
/* Notes a reply's metadata.resourceVersion in res->max_rv. */
void daas_ctrl_apply_note_rv(daas_ctrl_apply_res *res, const json_t *reply);

/* PUTs obj (a cached object: its resourceVersion makes the write a compare-and-swap, so a
 * stale cache gives DAAS_ECONFLICT) with .status replaced by status, through kind k's status
 * subresource. The reply's revision goes into res->max_rv (res may be NULL). */
DAAS_MUST_USE int daas_ctrl_apply_status(daas_ctrl_client *c, const daas_kube_kind *k,
                                         const json_t *obj, const json_t *status,
                                         daas_ctrl_apply_res *res, daas_err *err);
/* Adds ref (not NULL) to obj's metadata.ownerReferences, or removes the reference whose uid
 * is drop_uid: a strategic merge patch carrying obj's resourceVersion (compare-and-swap). */
DAAS_MUST_USE int daas_ctrl_apply_ownerref(daas_ctrl_client *c, const daas_kube_kind *k,
                                           const json_t *obj, const json_t *ref,
                                           const char *drop_uid, daas_ctrl_apply_res *res,
                                           daas_err *err);

/* At most this many SuccessfulCreate and SuccessfulDelete events per owner and sync (the
 * burst of client-go's event spam filter). */
#define DAAS_CTRL_APPLY_EVENT_CAP 25

/* A controller's pod writes (the run's client, in owner's namespace): deletes del (names or
 * {"name","uid"} objects), then, when every delete succeeded, creates every Pod of create;
 * records SuccessfulDelete "Deleted pod: N" / SuccessfulCreate "Created pod: N" (capped),
 * FailedDelete "Error deleting: M" / FailedCreate "Error creating: M" on owner; waits until
 * the run's "pods" informer saw the writes. Either array may be NULL. Errors: the first
 * failed write's (its message in err). */
DAAS_MUST_USE int daas_ctrl_apply_pods(daas_ctrl_run *run, const json_t *owner,
                                       const json_t *create, const json_t *del, daas_err *err);

/* Records every {"type","reason","message"} of events (an array, may be NULL) on obj;
 * failures are logged, never fatal (events are best effort, as client-go's recorder). */
void daas_ctrl_apply_events(daas_ctrl_client *c, const json_t *obj, const json_t *events);

/* After writes answered with resourceVersions up to rv: waits (at most 10 s) until inf
 * has applied them, so the next plan sees them (the role of upstream's expectations). */
void daas_ctrl_apply_wait(daas_ctrl_informer *inf, int64_t rv);

/* The integer value of obj's metadata.resourceVersion (0 when missing). */
int64_t daas_ctrl_rv(const json_t *obj);

#endif
