/*
 * sched.h: the deterministic scheduler core that runs inside the enclave: the cluster view fed
 *          by a stream of deltas with a running digest, the filter/score/tie-break algorithm,
 *          signed decisions (Nautilus intent messages) and batch Merkle roots.
 *
 * Owns:   daas_sched_state (nodes, bound pods, owners; seq and digest), the BCS wire formats
 *         of deltas, pod specs and decisions, the published algorithm below.
 * Not:    HTTP, the enclave key and attestation (src/enclave), talking to the API server or
 *         the chain, computing pod spec digests or effective requests (the caller does).
 * Invariants:
 *   - pure and deterministic: no clock, no randomness, no floating point, no dependence on
 *     hash-table or memory layout; the same deltas and pods give the same bytes everywhere;
 *   - the digest chain: d_0 = 32 zero bytes, d_n = BLAKE2b-256(d_{n-1} || BCS(delta_n)); a
 *     delta is accepted only with seq = last seq + 1 (else DAAS_ECONFLICT);
 *   - a delta that fails (any error) leaves the state exactly as it was (seq, digest, content);
 *   - every decoder is strict: canonical BCS only (re-encoding gives the input back), no
 *     trailing bytes, every limit below enforced. Wire input is untrusted.
 * Thread: a state is used by one thread at a time (scheduling updates internal caches); the
 *         encoders, decoders and decision functions are safe from any thread.
 * Spec:   ARCHITECTURE.md §3.3; specs/nautilus.md §1.3 (IntentMessage, Ed25519).
 *
 * ---- Wire format (BCS; String = ULEB128 length + UTF-8 bytes without NUL) ----
 *
 *   Delta      = seq: u64, kind: ULEB128 variant, body
 *     0 NodeUpsert  = Node
 *     1 NodeRemove  = name: String
 *     2 PodBound    = uid: String, node: String, requests: vector<Resource>
 *     3 PodRemoved  = uid: String
 *   Node       = name: String, owner: address (32 raw bytes), stake: u64 (MIST), ready: bool,
 *                unschedulable: bool, allocatable: vector<Resource>, labels: vector<Label>,
 *                taints: vector<Taint>
 *   Resource   = name: String, quantity: u64 (0 ..= DAAS_SCHED_QTY_MAX; cpu in milli-units,
 *                memory and storage in bytes, extended resources and "pods" as counts)
 *   Label      = key: String, value: String
 *   Taint      = key: String, value: String, effect: u8 (1 NoSchedule, 2 PreferNoSchedule,
 *                3 NoExecute)
 *   Pod        = uid: String, namespace: String, name: String, spec_digest: vector<u8> (32),
 *                requests: vector<Resource>, node_selector: vector<Label>,
 *                affinity: Option<vector<Term>>, tolerations: vector<Toleration>
 *   Term       = match_expressions: vector<Expr>, match_fields: vector<Expr>
 *   Expr       = key: String, operator: u8 (0 In, 1 NotIn, 2 Exists, 3 DoesNotExist, 4 Gt,
 *                5 Lt), values: vector<String>
 *   Toleration = key: String, operator: u8 (0 Equal, 1 Exists), value: String,
 *                effect: u8 (0 any effect, 1..3 as Taint)
 *   Decision   = pod_uid: String, spec_digest: vector<u8> (32), node: String, state_seq: u64,
 *                state_digest: vector<u8> (32), score: u64, timestamp_ms: u64
 *
 *   Canonical lists: Resource lists strictly increasing by name, Label lists (labels,
 *   node_selector) strictly increasing by key (byte order). Names (node, uid, namespace, pod
 *   name, resource, label and expression keys) are non-empty; values may be empty. Pod
 *   requests may not name "pods". match_fields keys must be "metadata.name". In/NotIn take
 *   >= 1 value, Exists/DoesNotExist none, Gt/Lt exactly one base-10 int64.
 *
 * ---- Cluster view ----
 *
 *   allocated(node, r) = sum of requests r of the pods bound to that node name (a pod may be
 *   bound to a name no node has yet, or any more: it is kept and counts once the node
 *   exists). NodeUpsert replaces a node's spec and keeps its pods; NodeRemove of an unknown
 *   node and PodRemoved of an unknown uid are DAAS_ENOTFOUND; PodBound of a known uid
 *   replaces its node and requests (in-place resize). An owner's stake is the largest stake
 *   of its nodes (not the sum: a second node does not double the stake); owners are those of
 *   the nodes present; pods(o) counts pods bound to o's present nodes.
 *
 * ---- Algorithm (integers only; a/b is floor division) ----
 *
 *   Filter, per node, first failing step only (kube-scheduler's plugin order):
 *     1. ready, unless the pod tolerates {node.kubernetes.io/not-ready, NoSchedule}
 *                                                   -> "node(s) were not ready"
 *     2. not unschedulable, unless the pod tolerates {node.kubernetes.io/unschedulable,
 *        NoSchedule}                                -> "node(s) were unschedulable"
 *     3. every NoSchedule/NoExecute taint tolerated (first untolerated taint, node order)
 *                                                   -> "node(s) had untolerated taint {k: v}"
 *     4. nodeSelector: every pair equal to a node label; required affinity: some term whose
 *        expressions all match the labels and whose fields all match {metadata.name: node}
 *        (a term with no requirement matches nothing)
 *                                                   -> "node(s) didn't match Pod's node
 *                                                       affinity/selector"
 *     5. resources, every failure reported: pods bound + 1 <= allocatable "pods" (no cap when
 *        the node lists none) -> "Too many pods"; for each request q > 0 of resource r:
 *        q <= allocatable(r) - allocated(r), an absent allocatable being 0
 *                                                   -> "Insufficient <r>"
 *   Toleration matches taint (kube): effect 0 or equal, key empty or equal, and Exists or
 *   value equal. Gt/Lt: the label value parses as base-10 int64 and is > / < the operand.
 *
 *   Score of a feasible node (0..300), with the pod placed:
 *     nz(r)       = pod request r, or 100 (cpu, milli) / 209715200 (memory) when it is 0
 *                   (kube's non-zero defaults); used_nz(r) sums nz over the bound pods
 *     pct(r)      = 100 if cap(r) == 0 or req(r) >= cap(r), else req(r) * 100 / cap(r)
 *                   where req(r) = used_nz(r) + nz(r), cap(r) = allocatable(r), r in {cpu, mem}
 *     least       = ((100 - pct(cpu)) + (100 - pct(mem))) / 2
 *     balanced    = 100 - |pct(cpu) - pct(mem)|
 *     fairness    = with S = sum of owners' stakes, P = pods bound to present nodes,
 *                   s = S == 0 ? 0 : stake(o) * 2^32 / S       (128-bit intermediate)
 *                   p = P == 0 ? 0 : pods(o) * 2^32 / P
 *                   s + p == 0 ? 0 : 100 * s / (s + p)
 *                   i.e. 100 when the owner runs nothing yet, 50 at exactly its stake share,
 *                   less above it, 0 without stake (everyone 0 when nobody stakes)
 *     score       = W_LEAST * least + W_BALANCED * balanced + W_FAIRNESS * fairness
 *   Highest score wins; ties go to the node with the lowest BLAKE2b-256(pod uid || node name)
 *   (bytes compared as unsigned, no separators: uid is fixed within one decision).
 *   PreferNoSchedule taints and preferred affinity do not score.
 *
 *   No feasible node: "0/N nodes are available: C1 R1, C2 R2." where each distinct reason R
 *   counted C times is rendered "C R" and the list is sorted bytewise as Go's sort.Strings
 *   does (kube-scheduler's FitError); "no nodes available to schedule pods" when N = 0.
 *
 * ---- Decisions ----
 *
 *   Signing bytes = Nautilus IntentMessage: intent u8 (DAAS_SCHED_INTENT_DECISION = 2),
 *   timestamp_ms u64 LE, BCS(Decision); signature = pure Ed25519 over exactly these bytes.
 *   Batch: leaf_i = BLAKE2b-256(0x00 || signing_bytes_i); a level is reduced pairwise with
 *   inner = BLAKE2b-256(0x01 || left || right), an odd last node promoted unchanged, until one
 *   remains (the root; one leaf: the root is that leaf). The batch is signed as an
 *   IntentMessage with intent DAAS_SCHED_INTENT_BATCH = 3 and payload
 *   { root: vector<u8> (32), first_seq: u64, count: u64 }.
 */
#ifndef DAAS_SCHED_SCHED_H
#define DAAS_SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

/* ---- limits (a delta or pod beyond them is DAAS_EINVAL / DAAS_ETOOBIG) ---- */
#define DAAS_SCHED_MAX_STR 512              /* bytes of any string */
#define DAAS_SCHED_MAX_RESOURCES 64         /* per allocatable / request list */
#define DAAS_SCHED_MAX_LABELS 256           /* per node; also node_selector */
#define DAAS_SCHED_MAX_TAINTS 64            /* per node */
#define DAAS_SCHED_MAX_TOLERATIONS 64       /* per pod */
#define DAAS_SCHED_MAX_TERMS 32             /* nodeSelectorTerms */
#define DAAS_SCHED_MAX_EXPRS 32             /* per term, each of expressions and fields */
#define DAAS_SCHED_MAX_VALUES 64            /* per expression */
#define DAAS_SCHED_MAX_DELTA_BYTES (1u << 20) /* one encoded delta, pod or decision */
#define DAAS_SCHED_MAX_NODES 65536          /* nodes in a state */
#define DAAS_SCHED_MAX_PODS (1u << 20)      /* bound pods in a state */
#define DAAS_SCHED_MAX_RESOURCE_NAMES 1024  /* distinct resource names ever seen by a state */
#define DAAS_SCHED_QTY_MAX ((int64_t)1 << 50) /* largest quantity */
#define DAAS_SCHED_MAX_NODE_PODS 4096       /* pods bound to one node name (so sums < 2^62) */

#define DAAS_SCHED_DIGEST_LEN 32
#define DAAS_SCHED_SIG_LEN 64
#define DAAS_SCHED_PUBKEY_LEN 32
#define DAAS_SCHED_SECKEY_LEN 64 /* libsodium's Ed25519 secret key (seed || public key) */

/* Score weights (see the algorithm above). */
#define DAAS_SCHED_W_LEAST 1
#define DAAS_SCHED_W_BALANCED 1
#define DAAS_SCHED_W_FAIRNESS 1
/* kube-scheduler's defaults for a request of 0 when scoring. */
#define DAAS_SCHED_DEFAULT_MILLI_CPU 100
#define DAAS_SCHED_DEFAULT_MEMORY ((int64_t)200 * 1024 * 1024)

/* Nautilus intent scopes of this module (specs/nautilus.md §1.3 uses 0 and 1). */
enum { DAAS_SCHED_INTENT_DECISION = 2, DAAS_SCHED_INTENT_BATCH = 3 };

enum { /* Taint and toleration effects (a toleration may also use ANY) */
    DAAS_SCHED_EFFECT_ANY = 0,
    DAAS_SCHED_EFFECT_NO_SCHEDULE = 1,
    DAAS_SCHED_EFFECT_PREFER_NO_SCHEDULE = 2,
    DAAS_SCHED_EFFECT_NO_EXECUTE = 3,
};

enum { DAAS_SCHED_TOL_EQUAL = 0, DAAS_SCHED_TOL_EXISTS = 1 };

enum { /* node selector requirement operators */
    DAAS_SCHED_OP_IN = 0,
    DAAS_SCHED_OP_NOT_IN = 1,
    DAAS_SCHED_OP_EXISTS = 2,
    DAAS_SCHED_OP_DOES_NOT_EXIST = 3,
    DAAS_SCHED_OP_GT = 4,
    DAAS_SCHED_OP_LT = 5,
};

enum { /* delta kinds (BCS variant index) */
    DAAS_SCHED_NODE_UPSERT = 0,
    DAAS_SCHED_NODE_REMOVE = 1,
    DAAS_SCHED_POD_BOUND = 2,
    DAAS_SCHED_POD_REMOVED = 3,
};

/* ---- model: plain structs; strings are NUL-terminated UTF-8 and borrowed ---- */

typedef struct daas_sched_res {
    const char *name; /* "cpu", "memory", "pods", "aws.ec2.nitro/nitro_enclaves", ... */
    int64_t qty;      /* milli-cpu, bytes, or count; 0 ..= DAAS_SCHED_QTY_MAX */
} daas_sched_res;

typedef struct daas_sched_label {
    const char *key;   /* non-empty */
    const char *value; /* may be empty */
} daas_sched_label;

typedef struct daas_sched_taint {
    const char *key;   /* non-empty */
    const char *value; /* may be empty */
    uint8_t effect;    /* DAAS_SCHED_EFFECT_NO_SCHEDULE .. NO_EXECUTE */
} daas_sched_taint;

typedef struct daas_sched_node {
    const char *name;              /* non-empty */
    uint8_t owner[32];             /* Sui address of the node's owner */
    uint64_t stake;                /* owner's stake in MIST */
    bool ready;                    /* Ready condition True */
    bool unschedulable;            /* spec.unschedulable (cordoned) */
    const daas_sched_res *alloc;   /* allocatable, strictly sorted by name */
    size_t n_alloc;
    const daas_sched_label *labels; /* strictly sorted by key */
    size_t n_labels;
    const daas_sched_taint *taints; /* in the node's order */
    size_t n_taints;
} daas_sched_node;

typedef struct daas_sched_expr {
    const char *key;           /* label key; "metadata.name" in match_fields */
    uint8_t op;                /* DAAS_SCHED_OP_* */
    const char *const *values; /* n_values strings */
    size_t n_values;
} daas_sched_expr;

typedef struct daas_sched_term {
    const daas_sched_expr *exprs; /* matchExpressions (ANDed) */
    size_t n_exprs;
    const daas_sched_expr *fields; /* matchFields (ANDed) */
    size_t n_fields;
} daas_sched_term;

typedef struct daas_sched_toleration {
    const char *key;   /* empty: every key (with Exists) */
    uint8_t op;        /* DAAS_SCHED_TOL_EQUAL / EXISTS */
    const char *value; /* compared with Equal */
    uint8_t effect;    /* DAAS_SCHED_EFFECT_ANY or one effect */
} daas_sched_toleration;

/* The scheduling-relevant part of a pod; the caller computes requests and spec_digest. */
typedef struct daas_sched_pod {
    const char *uid;
    const char *ns;
    const char *name;
    uint8_t spec_digest[DAAS_SCHED_DIGEST_LEN];
    const daas_sched_res *requests; /* effective requests, strictly sorted by name */
    size_t n_requests;
    const daas_sched_label *node_selector; /* strictly sorted by key */
    size_t n_node_selector;
    bool has_affinity; /* required node affinity present (terms ORed) */
    const daas_sched_term *terms;
    size_t n_terms;
    const daas_sched_toleration *tolerations;
    size_t n_tolerations;
} daas_sched_pod;

typedef struct daas_sched_binding {
    const char *uid;  /* pod uid */
    const char *node; /* node name */
    const daas_sched_res *requests;
    size_t n_requests;
} daas_sched_binding;

typedef struct daas_sched_delta {
    uint64_t seq;             /* last seq + 1 */
    uint8_t kind;             /* DAAS_SCHED_NODE_UPSERT .. POD_REMOVED */
    daas_sched_node node;     /* NODE_UPSERT */
    const char *name;         /* NODE_REMOVE: node name; POD_REMOVED: pod uid */
    daas_sched_binding bound; /* POD_BOUND */
    void *_mem;               /* decoder's memory (NULL when built by hand) */
} daas_sched_delta;

/* A decoded pod (daas_sched_pod_decode); pod borrows from _mem. */
typedef struct daas_sched_pod_msg {
    daas_sched_pod pod;
    void *_mem;
} daas_sched_pod_msg;

typedef struct daas_sched_decision {
    char pod_uid[DAAS_SCHED_MAX_STR + 1];
    uint8_t spec_digest[DAAS_SCHED_DIGEST_LEN];
    char node[DAAS_SCHED_MAX_STR + 1];
    uint64_t state_seq;                          /* seq of the state it was computed on */
    uint8_t state_digest[DAAS_SCHED_DIGEST_LEN]; /* digest at that seq */
    uint64_t score;
    uint64_t timestamp_ms;
} daas_sched_decision;

typedef struct daas_sched_result {
    bool found;                        /* a node fits */
    char node[DAAS_SCHED_MAX_STR + 1]; /* the chosen node when found */
    uint64_t score;                    /* its score when found */
    uint32_t nodes;                    /* nodes in the state */
    uint32_t feasible;                 /* nodes that passed the filter */
    uint32_t tied;                     /* feasible nodes at the best score */
    char *reason; /* when !found: the kube-style message (owned; daas_sched_result_fini) */
} daas_sched_result;

typedef struct daas_sched_state daas_sched_state;

/* ---- state ---- */

/* A new empty state: seq 0, digest 32 zero bytes. Never fails. */
daas_sched_state *daas_sched_state_new(void);
/* Frees a state and nulls *st. Accepts NULL and *st == NULL. */
void daas_sched_state_free(daas_sched_state **st);

/* Last applied seq (0 when none) and the running digest d_seq. */
uint64_t daas_sched_state_seq(const daas_sched_state *st);
void daas_sched_state_digest(const daas_sched_state *st, uint8_t out[DAAS_SCHED_DIGEST_LEN]);
/* Nodes and bound pods currently held (pods include those bound to absent nodes). */
size_t daas_sched_state_nodes(const daas_sched_state *st);
size_t daas_sched_state_pods(const daas_sched_state *st);

/*
 * Applies one delta (borrowed). Errors, with the state unchanged: DAAS_ECONFLICT (seq is not
 * last + 1), DAAS_EINVAL (content breaks the format rules above), DAAS_ENOTFOUND (removal of
 * an unknown node / pod uid), DAAS_ETOOBIG (a state limit would be passed: nodes, pods,
 * pods of one node name, distinct resource names).
 */
DAAS_MUST_USE int daas_sched_state_apply(daas_sched_state *st, const daas_sched_delta *d,
                                         daas_err *err);
/* Decodes one BCS delta (untrusted) and applies it. Same errors as decode and apply. */
DAAS_MUST_USE int daas_sched_state_apply_bcs(daas_sched_state *st, daas_bytes in, daas_err *err);

/* ---- wire format (delta.c) ---- */

/* Appends BCS(d) to out after checking every rule; DAAS_EINVAL, DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_sched_delta_encode(const daas_sched_delta *d, daas_buf *out,
                                          daas_err *err);
/* Strict decode of one delta (in is borrowed; *d owns copies). On success release with
 * daas_sched_delta_fini; on failure *d holds nothing. DAAS_EINVAL or DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_delta_decode(daas_bytes in, daas_sched_delta *d, daas_err *err);
void daas_sched_delta_fini(daas_sched_delta *d);

/* Pod spec: the same as for deltas. */
DAAS_MUST_USE int daas_sched_pod_encode(const daas_sched_pod *p, daas_buf *out, daas_err *err);
DAAS_MUST_USE int daas_sched_pod_decode(daas_bytes in, daas_sched_pod_msg *m, daas_err *err);
void daas_sched_pod_msg_fini(daas_sched_pod_msg *m);
/* Checks a pod against the format rules (what schedule and encode require). */
DAAS_MUST_USE int daas_sched_pod_check(const daas_sched_pod *p, daas_err *err);

/* ---- algorithm (algo.c) ---- */

/*
 * Runs filter, score and tie-break for pod against st. Returns DAAS_OK whether or not a node
 * fits (out->found); DAAS_EINVAL when the pod breaks the format rules. out is overwritten
 * (call daas_sched_result_fini after each use). Does not change the cluster view.
 */
DAAS_MUST_USE int daas_sched_schedule(daas_sched_state *st, const daas_sched_pod *pod,
                                      daas_sched_result *out, daas_err *err);
void daas_sched_result_fini(daas_sched_result *r);

/* ---- decisions (decision.c) ---- */

/*
 * Schedules pod and, when a node fits, fills *dec from the result, the state's seq and
 * digest and timestamp_ms. *res as daas_sched_schedule (fini it). DAAS_EINVAL as schedule.
 */
DAAS_MUST_USE int daas_sched_decide(daas_sched_state *st, const daas_sched_pod *pod,
                                    uint64_t timestamp_ms, daas_sched_result *res,
                                    daas_sched_decision *dec, daas_err *err);

/* BCS(Decision) appended to out. DAAS_EINVAL (empty / non-UTF-8 strings), DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_decision_encode(const daas_sched_decision *d, daas_buf *out,
                                             daas_err *err);
/* Strict decode of BCS(Decision). DAAS_EINVAL. */
DAAS_MUST_USE int daas_sched_decision_decode(daas_bytes in, daas_sched_decision *d,
                                             daas_err *err);
/* IntentMessage bytes (intent 2, timestamp_ms, BCS(Decision)) appended to out. */
DAAS_MUST_USE int daas_sched_decision_signing_bytes(const daas_sched_decision *d, daas_buf *out,
                                                    daas_err *err);
/* Pure Ed25519 over the signing bytes with a libsodium secret key (seed || pk). */
DAAS_MUST_USE int daas_sched_decision_sign(const daas_sched_decision *d,
                                           const uint8_t sk[DAAS_SCHED_SECKEY_LEN],
                                           uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err);
/* DAAS_OK when sig is pk's signature of d's signing bytes, else DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_sched_decision_verify(const daas_sched_decision *d,
                                             const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                                             const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                             daas_err *err);

/* Merkle leaf of one decision: BLAKE2b-256(0x00 || signing bytes). */
void daas_sched_merkle_leaf(daas_bytes signing_bytes, uint8_t out[DAAS_SCHED_DIGEST_LEN]);
/* Root over n >= 1 leaves (borrowed; not modified). DAAS_EINVAL when n == 0. */
DAAS_MUST_USE int daas_sched_merkle_root(const uint8_t (*leaves)[DAAS_SCHED_DIGEST_LEN], size_t n,
                                         uint8_t root[DAAS_SCHED_DIGEST_LEN], daas_err *err);
/* IntentMessage bytes of a batch commitment (intent 3) appended to out. */
DAAS_MUST_USE int daas_sched_batch_signing_bytes(const uint8_t root[DAAS_SCHED_DIGEST_LEN],
                                                 uint64_t first_seq, uint64_t count,
                                                 uint64_t timestamp_ms, daas_buf *out,
                                                 daas_err *err);

#endif
