/*
 * ctrl.h: the controller framework: work queue, shared informers, an in-process API client,
 *         leader election, and the manager running controllers of one shape.
 *
 * Owns:   daas_ctrl_queue (client-go's rate-limited work queue), daas_ctrl_informer (a cache
 *         of one resource fed by a store watch), daas_ctrl_client (requests to daas_api_handle
 *         as "system:kube-controller-manager" in "system:masters", so admission, defaulting and
 *         validation apply), daas_ctrl_leader (a coordination.k8s.io Lease), daas_ctrl_mgr.
 * Not:    the controllers' logic (their own files: pure plan functions + a sync); HTTP; the
 *         store's semantics (store/).
 * Invariants:
 *   - a queue never hands one key to two workers at once; a key added while it is processed
 *     is handed out again after daas_ctrl_queue_done; a key waits in the queue at most once;
 *   - an informer's cache holds, after sync, exactly the store's objects of its resource at
 *     its revision; handlers run on the informer's thread, in revision order, outside its
 *     lock; cached objects are shared and READ-ONLY (json_deep_copy before changing one);
 *   - every function here is thread-safe unless its comment says otherwise;
 *   - a manager's controllers run only while its elector leads; stop joins every thread.
 * Time:   durations are milliseconds; clocks are monotonic milliseconds unless named wall.
 * Spec:   client-go util/workqueue, tools/cache, tools/leaderelection; ISSUE 7.
 */
#ifndef DAAS_CTRL_CTRL_H
#define DAAS_CTRL_CTRL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "store/store.h"

typedef struct daas_api daas_api;
typedef struct daas_kube_kind daas_kube_kind;

/* A clock in milliseconds (tests pass a fake one). NULL in an options struct: the monotonic
 * clock (daas_mono_ns / 1e6) for queues, the wall clock (daas_now_ms) for leases. */
typedef int64_t (*daas_ctrl_clock_fn)(void *arg);

/* ------------------------------------------------------------------ queue.c */

typedef struct daas_ctrl_queue daas_ctrl_queue;

/* client-go's DefaultControllerRateLimiter: the larger of a per-key exponential back-off
 * (base doubling per failure, capped) and an overall token bucket. Zero fields take these
 * defaults. */
typedef struct daas_ctrl_queue_opts {
    int64_t base_delay_ms;    /* default 5 */
    int64_t max_delay_ms;     /* default 1000000 (1000 s) */
    double qps;               /* default 10 */
    int burst;                /* default 100 */
    daas_ctrl_clock_fn clock; /* NULL: monotonic */
    void *clock_arg;
} daas_ctrl_queue_opts;

/* A new queue (opts may be NULL). Free with daas_ctrl_queue_free. */
daas_ctrl_queue *daas_ctrl_queue_new(const daas_ctrl_queue_opts *opts);
/* Shuts down (if not yet) and frees every key. Accepts NULL; nulls *q. No thread may be
 * using the queue any more. */
void daas_ctrl_queue_free(daas_ctrl_queue **q);
/* Queues key (copied) unless it already waits; a key being processed is marked and handed
 * out again after its done. Ignored after shutdown. */
void daas_ctrl_queue_add(daas_ctrl_queue *q, const char *key);
/* Adds key once delay_ms has passed on the queue's clock (<= 0: now). A key already waiting
 * for a later time is moved to the earlier one. */
void daas_ctrl_queue_add_after(daas_ctrl_queue *q, const char *key, int64_t delay_ms);
/* add_after with the rate limiter's delay for key (counts one more failure of key). */
void daas_ctrl_queue_add_rate_limited(daas_ctrl_queue *q, const char *key);
/* The delay add_rate_limited would use now, counting the failure (for tests and logs). */
int64_t daas_ctrl_queue_when(daas_ctrl_queue *q, const char *key);
/* Clears key's failure count (its back-off restarts at base_delay_ms). */
void daas_ctrl_queue_forget(daas_ctrl_queue *q, const char *key);
/* Failures counted for key since its last forget. */
int daas_ctrl_queue_requeues(daas_ctrl_queue *q, const char *key);
/* Takes the next key (new string, daas_free; the caller then owns it as "processing" and
 * must call daas_ctrl_queue_done). timeout_ms < 0 waits forever, 0 does not wait. Delayed
 * keys that became due are moved in first. Errors: DAAS_ETIMEOUT (nothing came in time),
 * DAAS_ECLOSED (shut down: keys still queued are dropped). */
DAAS_MUST_USE int daas_ctrl_queue_get(daas_ctrl_queue *q, int64_t timeout_ms, char **key_out);
/* Ends the processing of key; re-queues it when it was added meanwhile. */
void daas_ctrl_queue_done(daas_ctrl_queue *q, const char *key);
/* Keys ready to be handed out (delayed keys not counted until due). */
size_t daas_ctrl_queue_len(daas_ctrl_queue *q);
/* Wakes every getter with DAAS_ECLOSED; later adds are ignored. Idempotent. */
void daas_ctrl_queue_shutdown(daas_ctrl_queue *q);

/* ------------------------------------------------------------------ informer.c */

typedef struct daas_ctrl_informer daas_ctrl_informer;

enum { DAAS_CTRL_ADD = 1, DAAS_CTRL_UPDATE = 2, DAAS_CTRL_DELETE = 3 };

/* An event handler: ev is DAAS_CTRL_ADD (old NULL), DAAS_CTRL_UPDATE (both set) or
 * DAAS_CTRL_DELETE (obj is the last state, old NULL). Objects are borrowed for the call and
 * read-only. A relist after a compaction (410) reports the differences as these events. */
typedef void (*daas_ctrl_handler_fn)(void *arg, int ev, const json_t *old, const json_t *obj);

/* A cache of every object of kind k in st (borrowed; both outlive the informer). */
DAAS_MUST_USE int daas_ctrl_informer_new(daas_store *st, const daas_kube_kind *k,
                                         daas_ctrl_informer **out, daas_err *err);
/* Adds a handler (before daas_ctrl_informer_start only; at most 16). */
void daas_ctrl_informer_add_handler(daas_ctrl_informer *inf, daas_ctrl_handler_fn fn, void *arg);
/* Starts a store watch from "now", lists, then starts its thread, which applies the list and
 * the watch's later events (nothing falls between the two). The listed objects are reported
 * as ADD events, in key order, on that thread. Errors: the store's. */
DAAS_MUST_USE int daas_ctrl_informer_start(daas_ctrl_informer *inf, daas_err *err);
/* Waits until the initial list has been delivered to the handlers (timeout_ms < 0: forever).
 * true when synced. */
bool daas_ctrl_informer_wait_synced(daas_ctrl_informer *inf, int64_t timeout_ms);
/* Waits until the cache has applied, and the handlers have been called for, every event up
 * to store revision rev (timeout_ms < 0: forever); true when so. For tests and
 * read-your-writes in syncs (the cache may show newer objects earlier). */
bool daas_ctrl_informer_wait_rev(daas_ctrl_informer *inf, int64_t rev, int64_t timeout_ms);
/* The revision the cache reflects. */
int64_t daas_ctrl_informer_rev(daas_ctrl_informer *inf);
/* Stops and joins the thread (handlers no longer run). Idempotent. */
void daas_ctrl_informer_stop(daas_ctrl_informer *inf);
/* Stops and frees. Accepts NULL; nulls *inf. */
void daas_ctrl_informer_free(daas_ctrl_informer **inf);
/* The kind it caches. */
const daas_kube_kind *daas_ctrl_informer_kind(const daas_ctrl_informer *inf);
/* The cached object ns/name (ns NULL or "" for cluster-scoped), a new reference (read-only,
 * json_decref), or NULL. */
json_t *daas_ctrl_informer_get(daas_ctrl_informer *inf, const char *ns, const char *name);
/* A new array of the cached objects in namespace ns (NULL: all), sorted by key. */
json_t *daas_ctrl_informer_list(daas_ctrl_informer *inf, const char *ns);
/* A new array of the cached objects whose controller ownerReference (controller: true) has
 * uid, sorted by key. */
json_t *daas_ctrl_informer_by_owner(daas_ctrl_informer *inf, const char *uid);
/* Objects in the cache. */
size_t daas_ctrl_informer_count(daas_ctrl_informer *inf);

/* "ns/name" (or "name" for a cluster-scoped object) of obj: the work queue key, as client-go's
 * MetaNamespaceKeyFunc. New string, or NULL without metadata.name. */
char *daas_ctrl_key(const json_t *obj);
/* Splits a key into new strings *ns (NULL for "name") and *name. DAAS_EINVAL when empty. */
DAAS_MUST_USE int daas_ctrl_key_split(const char *key, char **ns, char **name);

/* ------------------------------------------------------------------ client.c */

typedef struct daas_ctrl_client daas_ctrl_client;

/* A client calling api (borrowed) in-process as CN "system:kube-controller-manager",
 * O "system:masters" (a verified peer certificate identity). component names the Events'
 * source ("deployment-controller"); NULL: "daas-controller-manager". */
daas_ctrl_client *daas_ctrl_client_new(daas_api *api, const char *component);
void daas_ctrl_client_free(daas_ctrl_client **c);

/* Patch types for daas_ctrl_client_patch. */
enum { DAAS_CTRL_PATCH_MERGE = 1, DAAS_CTRL_PATCH_STRATEGIC = 2, DAAS_CTRL_PATCH_JSON = 3 };

/* One request: method, path with optional "?query", a JSON body (NULL: none) sent as
 * content_type (NULL: application/json). On 2xx, *out (may be NULL) gets the decoded reply
 * (NULL when not JSON). Otherwise the Status's code maps back to a DAAS_E* code (404
 * ENOTFOUND, 409 AlreadyExists EEXIST, other 409 ECONFLICT, 410 EGONE, 422 EINVALID, ...)
 * with its message in err. *http_status (may be NULL) gets the HTTP status. */
DAAS_MUST_USE int daas_ctrl_client_do(daas_ctrl_client *c, const char *method, const char *path,
                                      const char *content_type, const json_t *body, json_t **out,
                                      int *http_status, daas_err *err);

/* The URL path of kind k's object ns/name and subresource sub ("status", "scale"); name NULL:
 * the collection; ns NULL: cluster-wide. New string. */
char *daas_ctrl_path(const daas_kube_kind *k, const char *ns, const char *name, const char *sub);

/* GET, POST (create in ns), PUT (obj's own name; sub may be NULL), PATCH, DELETE of kind k.
 * *out may be NULL. delete's opts is a DeleteOptions body or NULL (propagationPolicy,
 * preconditions). */
DAAS_MUST_USE int daas_ctrl_client_get(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                                       const char *name, json_t **out, daas_err *err);
DAAS_MUST_USE int daas_ctrl_client_create(daas_ctrl_client *c, const daas_kube_kind *k,
                                          const char *ns, const json_t *obj, json_t **out,
                                          daas_err *err);
DAAS_MUST_USE int daas_ctrl_client_update(daas_ctrl_client *c, const daas_kube_kind *k,
                                          const json_t *obj, const char *sub, json_t **out,
                                          daas_err *err);
DAAS_MUST_USE int daas_ctrl_client_patch(daas_ctrl_client *c, const daas_kube_kind *k,
                                         const char *ns, const char *name, const char *sub,
                                         int type, const json_t *patch, json_t **out,
                                         daas_err *err);
DAAS_MUST_USE int daas_ctrl_client_delete(daas_ctrl_client *c, const daas_kube_kind *k,
                                          const char *ns, const char *name, const json_t *opts,
                                          json_t **out, daas_err *err);

/* The Event daas_ctrl_client_event would create (not created; NULL when a string is not
 * UTF-8), for a caller that adds to it (annotations). New reference. */
json_t *daas_ctrl_client_event_obj(const daas_ctrl_client *c, const json_t *obj, const char *type,
                                   const char *reason, const char *msg);
/* Records a core/v1 Event about obj (involvedObject from its apiVersion, kind, namespace,
 * name, uid, resourceVersion): type "Normal" or "Warning", reason ("SuccessfulCreate"),
 * message (printf), source.component = the client's component, count 1, first and last
 * timestamps now. Events go to obj's namespace ("default" for cluster-scoped objects). */
DAAS_MUST_USE int daas_ctrl_client_event(daas_ctrl_client *c, const json_t *obj, const char *type,
                                         const char *reason, daas_err *err, const char *fmt, ...)
    DAAS_PRINTF(6, 7);

/* ------------------------------------------------------------------ leader.c */

typedef struct daas_ctrl_leader daas_ctrl_leader;

#define DAAS_CTRL_LEADER_URL_ANNOTATION "daas.io/holder-url"

typedef struct daas_ctrl_leader_config {
    daas_ctrl_client *client;    /* borrowed */
    const char *ns;              /* default "kube-system" */
    const char *name;            /* default "daas-controllers" */
    const char *identity;        /* default "<hostname>_<uuid>": unique per process */
    const char *holder_url;      /* when set, the Lease this elector writes carries it in
                                    the annotation DAAS_CTRL_LEADER_URL_ANNOTATION (how the
                                    other servers reach the leader); NULL: none */
    int64_t lease_ms;            /* leaseDurationSeconds * 1000; default 15000 */
    int64_t retry_ms;            /* acquire/renew period; default 2000 */
    int64_t renew_deadline_ms;   /* a leader that could not renew this long steps down;
                                    default 10000 (must be < lease_ms) */
    void (*on_start)(void *arg); /* became leader (on the elector's thread) */
    void (*on_stop)(void *arg);  /* stopped leading (elector's thread, or daas_ctrl_leader_stop) */
    void *arg;
    daas_ctrl_clock_fn clock; /* NULL: daas_now_ms */
    void *clock_arg;
} daas_ctrl_leader_config;

/* A new elector (copies cfg's strings). It does nothing until started or stepped. */
daas_ctrl_leader *daas_ctrl_leader_new(const daas_ctrl_leader_config *cfg);
/* Starts the thread: try_once every retry_ms. */
DAAS_MUST_USE int daas_ctrl_leader_start(daas_ctrl_leader *l, daas_err *err);
/* One round, as the thread does it: acquire or renew the Lease; runs on_start / on_stop on
 * transitions. Returns true while leading. For tests with a fake clock (no thread). */
bool daas_ctrl_leader_try_once(daas_ctrl_leader *l);
/* Whether this elector leads now. */
bool daas_ctrl_leader_is_leader(daas_ctrl_leader *l);
/* The identity written into holderIdentity. */
const char *daas_ctrl_leader_identity(const daas_ctrl_leader *l);
/* Stops the thread (on_stop runs if leading). The Lease is left to expire, as client-go does
 * without ReleaseOnCancel, unless release: then holderIdentity is cleared so another server
 * takes over at once. Idempotent. */
void daas_ctrl_leader_stop(daas_ctrl_leader *l, bool release);
void daas_ctrl_leader_free(daas_ctrl_leader **l);

/* ------------------------------------------------------------------ ctrl.c */

typedef struct daas_ctrl_mgr daas_ctrl_mgr;
typedef struct daas_ctrl_run daas_ctrl_run;

/* One controller. All callbacks get arg. */
typedef struct daas_ctrl_def {
    const char *name;         /* "replicaset": logs, Events' component "<name>-controller" */
    const char *resources[8]; /* resources of the informers it needs ("pods",
                                 "replicasets"; apps and batch resolved by name),
                                 NULL-terminated; resources[0] is its primary kind */
    /* Maps an informer event of resource res to keys (daas_ctrl_run_enqueue). */
    void (*handle)(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj);
    /* Brings key to its desired state. DAAS_OK: the key's back-off is forgotten; an error:
     * re-queued with back-off (logged). Set this or sync_obj. */
    int (*sync)(void *arg, daas_ctrl_run *run, const char *key, daas_err *err);
    /* Instead of sync, for keys of the primary kind (resources[0]): the manager splits key
     * and passes the cached object ns/name (NULL when it is gone; read-only) with the key's
     * namespace ("" when cluster-scoped) and name. */
    int (*sync_obj)(void *arg, daas_ctrl_run *run, const char *key, const char *ns,
                    const char *name, const json_t *obj, daas_err *err);
    int workers; /* default 1 */
    void *arg;
    void (*fini)(void *arg); /* frees arg at daas_ctrl_mgr_free (may be NULL) */
} daas_ctrl_def;

typedef struct daas_ctrl_mgr_config {
    daas_api *api;                  /* borrowed */
    daas_store *store;              /* borrowed: the API's store */
    bool leader_elect;              /* run only while holding the Lease (else from start to stop) */
    daas_ctrl_leader_config leader; /* the client is the manager's; on_start(arg) runs after
                                       the controllers started, on_stop(arg) before they stop
                                       (e.g. the scheduler, which runs only on the leader);
                                       without leader_elect they run at start and stop */
    daas_ctrl_queue_opts queue;     /* for every controller's queue */
} daas_ctrl_mgr_config;

daas_ctrl_mgr *daas_ctrl_mgr_new(const daas_ctrl_mgr_config *cfg);
/* Registers a controller (copied; before start; at most 32). DAAS_EINVAL for an unknown
 * resource or a missing callback; on any failure def->fini(def->arg) has run (when set), so
 * a register function can end with `return daas_ctrl_mgr_register(...)`. */
DAAS_MUST_USE int daas_ctrl_mgr_register(daas_ctrl_mgr *m, const daas_ctrl_def *def, daas_err *err);
/* Starts the elector (or the controllers at once without leader_elect). */
DAAS_MUST_USE int daas_ctrl_mgr_start(daas_ctrl_mgr *m, daas_err *err);
/* Whether the controllers run now. */
bool daas_ctrl_mgr_running(daas_ctrl_mgr *m);
/* Stops controllers and elector, joins every thread. Idempotent. */
void daas_ctrl_mgr_stop(daas_ctrl_mgr *m);
void daas_ctrl_mgr_free(daas_ctrl_mgr **m);
/* The manager's client (valid until free). */
daas_ctrl_client *daas_ctrl_mgr_client(daas_ctrl_mgr *m);

/* A kind by plural resource name: "pods", "deployments" (any group) or "resource.group"
 * ("replicasets.apps"); NULL when unknown. */
const daas_kube_kind *daas_ctrl_kind(const char *res);

/* Inside handle and sync: queue key for this controller (now, or after delay_ms). */
void daas_ctrl_run_enqueue(daas_ctrl_run *run, const char *key);
void daas_ctrl_run_enqueue_after(daas_ctrl_run *run, const char *key, int64_t delay_ms);
/* Queues obj's own key (daas_ctrl_key). */
void daas_ctrl_run_enqueue_obj(daas_ctrl_run *run, const json_t *obj);
/* Queues "ns/name" of obj's controller ownerReference when its kind is kind. Returns true
 * when obj has a controller reference at all (of any kind), false for an orphan. */
bool daas_ctrl_run_enqueue_controller(daas_ctrl_run *run, const json_t *obj, const char *kind);
/* Queues obj's controller of kind kind and, when old (may be NULL) had other
 * ownerReferences, old's. Returns true when obj has a controller reference at all. */
bool daas_ctrl_run_enqueue_controllers(daas_ctrl_run *run, const json_t *old, const json_t *obj,
                                       const char *kind);
/* Queues every cached object of resource res (one of the def's) in namespace ns (NULL: all). */
void daas_ctrl_run_enqueue_all(daas_ctrl_run *run, const char *res, const char *ns);
/* The shared informer of resource res (one of the def's resources), or NULL. */
daas_ctrl_informer *daas_ctrl_run_informer(daas_ctrl_run *run, const char *res);
/* A client whose Events name this controller ("<name>-controller"). */
daas_ctrl_client *daas_ctrl_run_client(daas_ctrl_run *run);

#endif
