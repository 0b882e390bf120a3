/*
 * kube.h: the bridge from Kubernetes objects (Pod and Node JSON, as the API server stores
 *         them) to the scheduler core's structs (sched.h), resource.Quantity parsing, and the
 *         pod spec digest that ties a signed decision to the pod it placed.
 *
 * Owns:   daas_sched_knode / daas_sched_kpod (a converted object and the arena its strings
 *         and arrays live in), daas_sched_qty (an exact non-negative quantity).
 * Not:    I/O of any kind, API defaulting (the API server already copied limits into
 *         requests, SetDefaults_Pod), scoring defaults for zero requests (the core's).
 * Invariants:
 *   - pure: the same JSON gives the same structs and digest everywhere;
 *   - strict: a wrong JSON type, a malformed or negative quantity, a bad operator or effect,
 *     or more entries than a DAAS_SCHED_MAX_* limit is DAAS_EINVALID with the JSON path of
 *     the offending value in the message ("spec.containers[1].resources.requests.cpu: ...");
 *   - a converted node or pod passes the core's checks (daas_sched_pod_check): lists sorted,
 *     strings non-empty where required, at most DAAS_SCHED_MAX_STR bytes, no NUL.
 * Spec:   ARCHITECTURE.md §3.3; kube-scheduler's computePodResourceRequest and
 *         k8s.io/component-helpers resource.PodRequests (1.32); resource.Quantity.
 *
 * ---- Quantities ----
 *
 *   <quantity> ::= [+-] <digits>[.<digits>] <suffix>  (".5" and "5." too; >= 1 digit)
 *   <suffix>   ::= "" | n | u | m | k | M | G | T | P | E | Ki | Mi | Gi | Ti | Pi | Ei
 *                | (e|E) [+-] <digits>               (|exponent| <= 1000)
 *   At most DAAS_SCHED_QTY_MAX_LEN bytes. A JSON integer or real is read as its text
 *   (reals as "%.15g"). Values are kept exactly to the nano-unit (a finer fraction rounds up)
 *   and must be >= 0 ("-0" is 0) and < 2^62 units. kube-scheduler's rounding follows: "cpu"
 *   in milli-units rounded up (MilliValue), every other resource (memory, ephemeral-storage,
 *   hugepages-*, extended resources, pods) in units rounded up (Value).
 *
 * ---- Node ----
 *
 *   name = metadata.name; owner = metadata.annotations["daas.io/owner"] ("0x" + 1..64 hex,
 *   absent: zero address); stake = metadata.annotations["daas.io/stake"] (MIST, decimal
 *   digits, absent: 0); ready = status.conditions has {type: Ready, status: "True"};
 *   unschedulable = spec.unschedulable; allocatable = status.allocatable (every resource,
 *   values above DAAS_SCHED_QTY_MAX clamped to it: capacity beyond that never limits);
 *   labels = metadata.labels; taints = spec.taints (key, value, effect), in order.
 *
 * ---- Pod ----
 *
 *   uid, ns, name from metadata. Effective requests (PodRequests, 1.32): reqs = sum over
 *   spec.containers; for each init container in order: a restartable one (restartPolicy
 *   Always, a sidecar) adds to reqs and to the running sidecar sum S and counts as S,
 *   another counts as its requests + S; init = the per-resource max of those; reqs =
 *   max(reqs, init) per resource, plus spec.overhead. Sums are exact (nano-units), rounded
 *   once at the end; resources whose total is 0 are left out; a total above
 *   DAAS_SCHED_QTY_MAX or a request of "pods" is DAAS_EINVALID. node_selector =
 *   spec.nodeSelector; affinity = spec.affinity.nodeAffinity
 *   .requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms (matchExpressions and
 *   matchFields; operators In NotIn Exists DoesNotExist Gt Lt, values in given order);
 *   tolerations = spec.tolerations (operator "" / Equal / Exists, effect "" = any;
 *   tolerationSeconds does not schedule and is ignored).
 *
 *   Spec digest = BLAKE2b-256(BCS(Pod)) where BCS(Pod) is daas_sched_pod_encode of the
 *   converted pod with spec_digest set to 32 zero bytes. It covers exactly uid, namespace,
 *   name, effective requests, nodeSelector, required node affinity and tolerations: editing
 *   labels, annotations (the schedule proof itself), nodeName, status or any other field
 *   leaves it unchanged; changing requests, selector, affinity or tolerations changes it.
 *
 *   node_name = spec.nodeName ("" when unset); pending = no nodeName, no
 *   metadata.deletionTimestamp, status.phase absent or "Pending", and no
 *   spec.schedulingGates (kube-scheduler leaves gated pods alone).
 */
#ifndef DAAS_SCHED_KUBE_H
#define DAAS_SCHED_KUBE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "sched/sched.h"

#define DAAS_SCHED_QTY_MAX_LEN 64          /* bytes of a quantity string */
#define DAAS_SCHED_KUBE_MAX_CONTAINERS 128 /* per containers / initContainers list */

/* A non-negative quantity: units + nano / 10^9 exactly (nano < 10^9, units < 2^62). */
typedef struct daas_sched_qty {
    int64_t units; /* whole units */
    int32_t nano;  /* 0 ..= 999,999,999 billionths */
} daas_sched_qty;

/* A converted Node. node borrows from _mem; release with daas_sched_knode_fini. */
typedef struct daas_sched_knode {
    daas_sched_node node;
    void *_mem; /* arena owning every string and array of node */
} daas_sched_knode;

/* A converted Pod. pod borrows from _mem; release with daas_sched_kpod_fini. */
typedef struct daas_sched_kpod {
    daas_sched_pod pod;    /* spec_digest already computed (see above) */
    const char *node_name; /* spec.nodeName, "" when unset */
    bool pending;          /* waiting to be scheduled (see above) */
    void *_mem;            /* arena owning every string and array of pod */
} daas_sched_kpod;

/* ---- quantities (quantity.c) ---- */

/*
 * Parses a resource.Quantity string (borrowed) exactly. Errors: DAAS_EINVALID (malformed,
 * negative, too long, out of range) with a message quoting the text (at most 64 bytes).
 */
DAAS_MUST_USE int daas_sched_qty_parse(const char *s, daas_sched_qty *out, daas_err *err);
/* Same for a JSON value: a string, an integer or a real. DAAS_EINVALID for other types. */
DAAS_MUST_USE int daas_sched_qty_parse_json(const json_t *v, daas_sched_qty *out, daas_err *err);
/* a + b, saturating at units = 2^62. */
daas_sched_qty daas_sched_qty_add(daas_sched_qty a, daas_sched_qty b);
/* The larger of a and b. */
daas_sched_qty daas_sched_qty_max(daas_sched_qty a, daas_sched_qty b);
/* Rounded up to milli-units (milli) or units; saturates at INT64_MAX. */
int64_t daas_sched_qty_round(daas_sched_qty q, bool milli);
/* True when kube-scheduler counts resource in milli-units (only "cpu"). */
bool daas_sched_res_is_milli(const char *resource);
/*
 * Parses s and rounds it as kube-scheduler does for resource (milli for cpu, else units).
 * Errors as daas_sched_qty_parse.
 */
DAAS_MUST_USE int daas_sched_quantity(const char *resource, const char *s, int64_t *out,
                                      daas_err *err);

/* ---- conversion (kube.c) ---- */

/*
 * Converts a Node object (borrowed; not kept) into *out. On success release with
 * daas_sched_knode_fini; on failure *out holds nothing. Errors: DAAS_EINVALID.
 */
DAAS_MUST_USE int daas_sched_kube_node(const json_t *obj, daas_sched_knode *out, daas_err *err);
/* Frees what *k owns and zeroes it. Accepts a zeroed or already finished k. */
void daas_sched_knode_fini(daas_sched_knode *k);

/*
 * Converts a Pod object (borrowed; not kept) into *out, spec digest included. On success
 * release with daas_sched_kpod_fini; on failure *out holds nothing. Errors: DAAS_EINVALID.
 */
DAAS_MUST_USE int daas_sched_kube_pod(const json_t *obj, daas_sched_kpod *out, daas_err *err);
/* Frees what *k owns and zeroes it. Accepts a zeroed or already finished k. */
void daas_sched_kpod_fini(daas_sched_kpod *k);

/*
 * The spec digest of p (see above): BLAKE2b-256 of daas_sched_pod_encode(p) with p's own
 * spec_digest replaced by zeros. p is not modified. Errors: DAAS_EINVAL (p breaks the core's
 * format rules), DAAS_ETOOBIG.
 */
DAAS_MUST_USE int daas_sched_pod_digest(const daas_sched_pod *p, uint8_t out[DAAS_SCHED_DIGEST_LEN],
                                        daas_err *err);

#endif
