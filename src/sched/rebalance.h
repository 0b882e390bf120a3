/*
 * rebalance.h: the rebalancing planner of the enclave: from the cluster view it holds and a
 *              request of the server, a deterministic plan of pod evictions that reduces
 *              node overload and owners' drift above their stake share; its BCS formats and
 *              the Nautilus intent message it is signed as.
 *
 * Owns:   RebalanceRequest and RebalancePlan (BCS, strict decoders), the published planning
 *         algorithm below, the intent-5 signing bytes.
 * Not:    the cluster view (sched.h: daas_sched_state, read only here), executing evictions
 *         (the server, through the eviction API), signing keys (the enclave), the clock.
 * Invariants:
 *   - pure and deterministic: no clock, no randomness, no floating point, no dependence on
 *     the order of the state's arrays or hash tables; the same state and request give the
 *     same plan bytes everywhere (verifiers replay it);
 *   - every decoder is strict: canonical BCS only (re-encoding gives the input back), no
 *     trailing bytes, every limit below enforced. Wire input is untrusted;
 *   - a plan never evicts a pod twice, never a pod without a controller, never more than
 *     max_evictions pods, never more than a budget's disruptions_allowed pods of a budget.
 * Thread: the planner reads the state (the caller keeps it from changing meanwhile); the
 *         rest is safe from any thread.
 * Spec:   issue 9 "Rebalancing"; sched.h (cluster view, IntentMessage, Merkle leaves).
 *
 * ---- Wire format (BCS; String = ULEB128 length + UTF-8 bytes without NUL) ----
 *
 *   RebalanceRequest = round: u64 (the server's round counter), threshold_pct: u8 (1..=100),
 *                      max_evictions: u16 (>= 1), fairness_pct: u8 (0..=100; 0 = off),
 *                      candidates: vector<Candidate> (strictly increasing by uid),
 *                      budgets: vector<Budget> (strictly increasing by name)
 *   Candidate        = uid: String, namespace: String, name: String,
 *                      controller: String ("Kind/name" of the controlling owner; empty = not
 *                      evictable), budget: Option<String> (the PodDisruptionBudget
 *                      "namespace/name" covering the pod; must name a listed Budget)
 *   Budget           = name: String ("namespace/name"), disruptions_allowed: u32
 *   RebalancePlan    = round: u64, state_seq: u64, state_digest: vector<u8> (32),
 *                      request_digest: vector<u8> (32) = BLAKE2b-256(BCS(RebalanceRequest)),
 *                      evictions: vector<Eviction> (in the order chosen; uids distinct)
 *   Eviction         = uid: String, namespace: String, name: String, node: String (where the
 *                      pod runs), reason: u8 (1 overloaded node, 2 owner over stake share),
 *                      score: u64 (load removed, below)
 *
 *   Strings are at most DAAS_SCHED_MAX_STR bytes; uid, namespace, name, node and budget names
 *   are non-empty; controller may be empty. Byte order compares strings (memcmp, then the
 *   shorter first).
 *
 * ---- Algorithm (integers only; a/b is floor division; 128-bit intermediates) ----
 *
 *   Working view: a copy of each node's allocated cpu, memory and pod count and of each
 *   owner's pod count (sched.h "Cluster view"). Evicting a pod subtracts its cpu and memory
 *   requests and one pod from its node (and owner) and adds them to the target it is
 *   assumed to land on (below), so later steps see both moves. Extended resources are read
 *   from the state unchanged.
 *
 *   bp(x, a)      = 0 if x == 0; else BP_MAX if a == 0; else min(x * 10000 / a, BP_MAX)
 *                   (basis points; BP_MAX = 2^62)
 *   load(n)       = max(bp(cpu(n), alloc_cpu(n)), bp(mem(n), alloc_mem(n)))
 *   over(n)       = cpu(n) * 100 > alloc_cpu(n) * threshold_pct
 *                   or mem(n) * 100 > alloc_mem(n) * threshold_pct
 *   share(p, n)   = bp(req_cpu(p), alloc_cpu(n)) + bp(req_mem(p), alloc_mem(n)): the
 *                   eviction's score (load removed from n, in basis points of n)
 *   hash(p)       = BLAKE2b-256(uid || round as u64 LE), compared as unsigned bytes
 *   Owners (present nodes only): stake(o) = largest stake of o's nodes, S = sum of stakes,
 *   P = pods bound to present nodes (constant: an evicted pod is counted on its target).
 *   drifts(o, k)  = S > 0 and P > 0 and k * S * 100 > (stake(o) * 100 + fairness_pct * S) * P
 *                   (o's running share exceeds its stake share by more than fairness_pct
 *                   points when it runs k pods)
 *   excess(o)     = pods(o) * S - stake(o) * P
 *
 *   A candidate is eligible while: it is bound, per the state, to a present node; its
 *   controller is non-empty; it is not in the plan yet; its budget, if any, has
 *   disruptions_allowed greater than the plan's evictions of that budget. Request
 *   candidates the state does not know are ignored.
 *
 *   A target for pod p leaving node s (reason 1 or 2) is a node t != s with: ready, not
 *   unschedulable, no NoSchedule/NoExecute taint (the planner does not know the pod's
 *   tolerations); pods(t) + 1 <= allocatable "pods" (when listed); each of cpu and memory
 *   requests q > 0 <= allocatable - allocated (working view); each other request q > 0 <=
 *   allocatable - allocated (state); not over(t) with p added. For reason 2 also: owner(t)
 *   != owner(s) and not drifts(owner(t), pods(owner(t)) + 1). The target is the qualifying
 *   node of least load with p added, ties by name; none: p is skipped for this step.
 *
 *   (a) overload, while fewer than max_evictions evictions: take the over() node not yet
 *       given up with the highest load (ties: lower name); order its eligible candidates
 *       with share > 0 by share descending, then hash ascending; evict the first that has a
 *       target (reason 1). If none has, give the node up.
 *   (b) fairness, if fairness_pct > 0, while fewer than max_evictions evictions: take the
 *       owner with drifts(o, pods(o)) not yet given up with the largest excess (ties: lower
 *       address bytes); order the eligible candidates bound to its nodes by share on their
 *       node descending, then hash ascending; evict the first that has a target (reason 2).
 *       If none has, give the owner up.
 *   The plan carries the round, the state's seq and digest and the request's digest.
 *
 * ---- Signing ----
 *
 *   Signing bytes = Nautilus IntentMessage exactly as decisions and admissions:
 *   intent u8 (DAAS_SCHED_INTENT_REBALANCE = 5) || timestamp_ms u64 LE || BCS(RebalancePlan);
 *   signature = pure Ed25519 over exactly these bytes; Merkle leaf = BLAKE2b-256(0x00 ||
 *   signing bytes) (daas_sched_merkle_leaf).
 */
#ifndef DAAS_SCHED_REBALANCE_H
#define DAAS_SCHED_REBALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sched/sched.h"

/* Nautilus intent scope of rebalance plans (sched.h: 2, 3; admission.h: 4). */
#define DAAS_SCHED_INTENT_REBALANCE 5

#define DAAS_SCHED_REBALANCE_MAX_CANDIDATES 16384         /* per request */
#define DAAS_SCHED_REBALANCE_MAX_BUDGETS 4096             /* per request */
#define DAAS_SCHED_REBALANCE_MAX_BYTES ((size_t)16 << 20) /* encoded request or plan */

/* Eviction.reason */
enum {
    DAAS_SCHED_EVICT_OVERLOAD = 1,   /* the node was over threshold_pct */
    DAAS_SCHED_EVICT_OVER_SHARE = 2, /* the owner ran more than its stake share */
};

/* Strings are NUL-terminated UTF-8, borrowed (or in the decoder's _mem). */
typedef struct daas_sched_rebalance_cand {
    const char *uid;
    const char *ns;
    const char *name;
    const char *controller; /* "Kind/name"; "" = not evictable */
    const char *budget;     /* PDB "namespace/name", or NULL */
} daas_sched_rebalance_cand;

typedef struct daas_sched_rebalance_budget {
    const char *name; /* "namespace/name" */
    uint32_t disruptions_allowed;
} daas_sched_rebalance_budget;

typedef struct daas_sched_rebalance_req {
    uint64_t round;
    uint8_t threshold_pct;                  /* 1..=100 */
    uint16_t max_evictions;                 /* >= 1 */
    uint8_t fairness_pct;                   /* 0..=100, 0 = off */
    const daas_sched_rebalance_cand *cands; /* strictly sorted by uid */
    size_t n_cands;
    const daas_sched_rebalance_budget *budgets; /* strictly sorted by name */
    size_t n_budgets;
    void *_mem; /* decoder's memory (NULL when built by hand) */
} daas_sched_rebalance_req;

typedef struct daas_sched_eviction {
    const char *uid;
    const char *ns;
    const char *name;
    const char *node; /* the node it is evicted from */
    uint8_t reason;   /* DAAS_SCHED_EVICT_* */
    uint64_t score;   /* share(p, node) in basis points */
} daas_sched_eviction;

/* A plan (daas_sched_rebalance_plan or _plan_decode); strings and array live in _mem. */
typedef struct daas_sched_plan {
    uint64_t round;
    uint64_t state_seq;
    uint8_t state_digest[DAAS_SCHED_DIGEST_LEN];
    uint8_t request_digest[DAAS_SCHED_DIGEST_LEN];
    daas_sched_eviction *evictions;
    size_t n_evictions;
    void *_mem;
} daas_sched_plan;

/* ---- request ---- */

/* Checks req against the format rules above. DAAS_EINVAL, DAAS_ETOOBIG (list limits). */
DAAS_MUST_USE int daas_sched_rebalance_req_check(const daas_sched_rebalance_req *req,
                                                 daas_err *err);
/* Appends BCS(req) to out after the check. DAAS_EINVAL, DAAS_ETOOBIG (limits, out's cap). */
DAAS_MUST_USE int daas_sched_rebalance_req_encode(const daas_sched_rebalance_req *req,
                                                  daas_buf *out, daas_err *err);
/* Strict decode (in borrowed, untrusted). On success release with _req_fini; on failure
 * *req holds nothing. DAAS_EINVAL, DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_rebalance_req_decode(daas_bytes in, daas_sched_rebalance_req *req,
                                                  daas_err *err);
/* Frees what a decode put in req and zeroes it. Accepts a zeroed request. */
void daas_sched_rebalance_req_fini(daas_sched_rebalance_req *req);

/* ---- planning ---- */

/*
 * Runs the algorithm above for req (checked first) against st (read only). *out is
 * overwritten and owns its memory (release with daas_sched_rebalance_plan_fini; on failure
 * it holds nothing). An empty plan is a success. DAAS_EINVAL / DAAS_ETOOBIG as _req_check.
 */
DAAS_MUST_USE int daas_sched_rebalance_plan(const daas_sched_state *st,
                                            const daas_sched_rebalance_req *req,
                                            daas_sched_plan *out, daas_err *err);

/* Appends BCS(plan) to out. DAAS_EINVAL (format rules), DAAS_ETOOBIG (limits, out's cap). */
DAAS_MUST_USE int daas_sched_rebalance_plan_encode(const daas_sched_plan *plan, daas_buf *out,
                                                   daas_err *err);
/* Strict decode (in borrowed, untrusted); release with _plan_fini; on failure *out holds
 * nothing. DAAS_EINVAL, DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_sched_rebalance_plan_decode(daas_bytes in, daas_sched_plan *out,
                                                   daas_err *err);
/* Frees a plan's memory and zeroes it. Accepts a zeroed plan. */
void daas_sched_rebalance_plan_fini(daas_sched_plan *plan);

/* ---- signing ---- */

/* Appends the IntentMessage bytes (intent 5, timestamp_ms u64 LE, plan_bcs verbatim) to out.
 * plan_bcs is not checked here. DAAS_ETOOBIG (out's cap). */
DAAS_MUST_USE int daas_sched_rebalance_signing_bytes(uint64_t timestamp_ms, daas_bytes plan_bcs,
                                                     daas_buf *out, daas_err *err);
/* Pure Ed25519 over the signing bytes with a libsodium secret key (seed || pk).
 * DAAS_ETOOBIG (plan over DAAS_SCHED_REBALANCE_MAX_BYTES), DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_sched_rebalance_sign(uint64_t timestamp_ms, daas_bytes plan_bcs,
                                            const uint8_t sk[DAAS_SCHED_SECKEY_LEN],
                                            uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err);
/*
 * DAAS_OK when plan_bcs is a canonical plan (strict decode) and sig is pk's signature of
 * its signing bytes; DAAS_EINVAL / DAAS_ETOOBIG when it does not decode, DAAS_ECRYPTO when
 * the signature does not verify.
 */
DAAS_MUST_USE int daas_sched_rebalance_verify(daas_bytes plan_bcs, uint64_t timestamp_ms,
                                              const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                              const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                                              daas_err *err);
/* Merkle leaf of a signed plan: BLAKE2b-256(0x00 || signing bytes). */
void daas_sched_rebalance_leaf(uint64_t timestamp_ms, daas_bytes plan_bcs,
                               uint8_t leaf[DAAS_SCHED_DIGEST_LEN]);

#endif
