/*
 * schedctl.h: the API server's scheduler controller: feeds the attested scheduler enclave
 *             the cluster's Nodes and bound Pods as deltas, asks it to place every pending
 *             Pod, and writes each binding with its signed schedule proof.
 *
 * Owns:   one background thread, the enclave client (enclave/client.h), the mirror of what
 *         the enclave was told (node names and bound pod uids with a hash of each delta).
 * Not:    the scheduling algorithm (sched/, inside the enclave), attestation parsing
 *         (enclave/attest.h), the chain (the caller's daas_schedctl_chain: registering the
 *         enclave, committing batches).
 * Invariants:
 *   - nothing is bound without a decision whose signature verified against the key of an
 *     attestation document verified with the configured policy;
 *   - with a chain, nothing is bound before the attested key is registered on chain, and
 *     every proof names that Enclave object;
 *   - deltas go out in order with consecutive seqs. A lost connection re-verifies the
 *     attestation: the same key at the same seq resumes; a new key (an enclave restart) must
 *     be at seq 0 and is re-fed from a fresh store snapshot; anything else (an enclave fed by
 *     someone else) is refused, and pods stay Pending with an event;
 *   - every decision received is in a signed batch: batches of at most batch_max decisions,
 *     requested when batch_max are waiting, batch_ms after the oldest waiting one, and at
 *     stop; each is verified, committed through the chain (when there is one), then logged
 *     with its transaction digest; a failed commit is retried on a later pass;
 *   - the controller writes through the store with compare-and-swap on the object's
 *     revision: a conflict is retried on a later pass, never overwritten.
 * Spec:   ARCHITECTURE.md §3.3 steps 2-4; sched/proof.h (the annotation); kube-scheduler's
 *         events (Scheduled, FailedScheduling).
 */
#ifndef DAAS_API_SCHEDCTL_H
#define DAAS_API_SCHEDCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/err.h"
#include "enclave/attest.h"
#include "sched/declog.h"
#include "sched/kube.h"
#include "sched/proof.h"
#include "sched/sched.h"
#include "store/store.h"

#define DAAS_SCHEDCTL_MAX_PCRS 8
#define DAAS_SCHEDCTL_COMPONENT "daas-scheduler"

/* One PCR value the enclave's attestation must carry (--enclave-pcr N=HEX). */
typedef struct daas_schedctl_pcr {
    unsigned index; /* 0..31 */
    size_t len;     /* 32, 48 or 64 */
    uint8_t value[DAAS_ATTEST_MAX_PCR_LEN];
} daas_schedctl_pcr;

/*
 * The chain side (the server implements it over sui/pkg_enclave.h). Called on the
 * controller's thread only.
 *   enclave: the Enclave object for the attested key pk whose document (verified, borrowed)
 *            is doc: an existing current one with this key, else a new registration. Its id,
 *            and its next_seq (the first decision index not yet committed).
 *   commit:  scheduling::commit_batch of a verified batch; the transaction digest (Base58,
 *            NUL-terminated) in digest.
 */
typedef struct daas_schedctl_chain {
    void *arg;
    int (*enclave)(void *arg, daas_bytes doc, const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                   uint8_t id[DAAS_SCHED_ENCLAVE_ID_LEN], uint64_t *next_seq, daas_err *err);
    int (*commit)(void *arg, const uint8_t id[DAAS_SCHED_ENCLAVE_ID_LEN],
                  const uint8_t root[DAAS_SCHED_DIGEST_LEN], uint64_t first, uint64_t count,
                  uint64_t ts, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                  char digest[DAAS_DECLOG_MAX_TX_DIGEST + 1], daas_err *err);
} daas_schedctl_chain;

typedef struct daas_schedctl_config {
    daas_store *store;           /* borrowed; outlives the controller */
    const char *enclave;         /* "unix:PATH", "tcp:HOST:PORT", "vsock:CID:PORT" */
    const char *debug_root_path; /* PEM/DER dev root: debug documents allowed; NULL: strict */
    daas_schedctl_pcr pcrs[DAAS_SCHEDCTL_MAX_PCRS];
    size_t npcrs;
    const char *declog_path; /* the decision log (sched/declog.h) to append to; NULL: none */
    int timeout_ms;          /* per enclave call; 0 = 5000 */
    int retry_ms;            /* unschedulable pods are retried at least this often;
                                0 = 10000 */
    daas_schedctl_chain chain; /* .enclave NULL: no chain (proofs name no enclave object;
                                  batches are signed and logged, not committed) */
    int batch_ms;              /* 0 = 2000 */
    uint64_t batch_max;        /* 0 = 1024 (at most DAAS_ENCLAVE_SCHED_MAX_BATCH) */
    bool start_inactive;       /* schedule nothing until daas_schedctl_set_active(true) */
} daas_schedctl_config;

typedef struct daas_schedctl daas_schedctl;

/* Parses "N=HEX" (N 0..31; 32, 48 or 64 bytes) into *out. Errors: DAAS_EINVAL. */
DAAS_MUST_USE int daas_schedctl_parse_pcr(const char *arg, daas_schedctl_pcr *out, daas_err *err);

/* Copies cfg, reads the debug root, starts the thread (which connects, verifies the
 * attestation and retries with backoff while the enclave is unreachable). Errors:
 * DAAS_EINVAL (address), DAAS_EIO (debug root unreadable), DAAS_EINTERNAL (thread). */
DAAS_MUST_USE int daas_schedctl_start(const daas_schedctl_config *cfg, daas_schedctl **out,
                                      daas_err *err);
/* Whether the controller schedules (the server's leader) or idles (a follower: no enclave
 * calls, no bindings; decisions already received are still batched at stop). */
void daas_schedctl_set_active(daas_schedctl *sc, bool active);
/* Whether this controller runs the scheduler now (this server leads). Any thread. */
bool daas_schedctl_active(daas_schedctl *sc);
/* Has the enclave evaluate and sign an admission: request_bcs = BCS(AdmissionRequest),
 * rules_bcs = BCS(ClusterRules) (sched/policy.h). Queued for the controller's thread, which
 * logs the decision and counts it for the next batch. DAAS_OK: BCS(AccessDecision) appended
 * to *decision_bcs (allowed or not) and, to *proof, the daas.io/admission-proof annotation
 * (sched/admission.h). DAAS_EUNAVAIL when this server does not lead the scheduler or the
 * enclave is not ready within twice the call timeout; DAAS_EINVAL when the enclave refused
 * the request; DAAS_ECLOSED at stop. Any thread. */
DAAS_MUST_USE int daas_schedctl_admit(daas_schedctl *sc, daas_bytes request_bcs,
                                      daas_bytes rules_bcs, daas_buf *decision_bcs,
                                      daas_buf *proof, daas_err *err);
/* A rebalance plan as the enclave signed it. */
typedef struct daas_schedctl_plan_signed {
    daas_buf plan;         /* BCS(RebalancePlan) (sched/rebalance.h); init'd by the caller */
    uint64_t timestamp_ms; /* the enclave's signing time */
    uint64_t index;        /* its place in the enclave's log */
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN];            /* the attested key that signed it */
    uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN];   /* its Enclave object (zero: no chain) */
} daas_schedctl_plan_signed;

/* Has the enclave plan and sign a rebalance round: request_bcs = BCS(RebalanceRequest)
 * (sched/rebalance.h). Queued for the controller's thread, which first feeds the enclave the
 * store's state as of now, then asks, verifies (signature, request digest), logs the plan
 * (decision log kind Rebalance) and counts it for the next batch. DAAS_OK: out filled (the
 * plan appended to out->plan). Errors as daas_schedctl_admit. Any thread. */
DAAS_MUST_USE int daas_schedctl_rebalance(daas_schedctl *sc, daas_bytes request_bcs,
                                          daas_schedctl_plan_signed *out, daas_err *err);
/* The key and Enclave object of the enclave this controller uses, when it is ready (attested,
 * registered, fed); false otherwise. Any thread. */
bool daas_schedctl_key(daas_schedctl *sc, uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                       uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN]);
/* Stops the thread (waits for the enclave call in flight), frees, nulls *sc. Accepts NULL. */
void daas_schedctl_stop(daas_schedctl **sc);
/* Signed decisions received and bound so far (the decision count metric). */
uint64_t daas_schedctl_decisions(const daas_schedctl *sc);
/* Decisions in batches committed (or, without a chain, signed and logged) so far. */
uint64_t daas_schedctl_committed(const daas_schedctl *sc);

/* ---- pure pieces (exposed for tests) ---- */

/* What the enclave was told: node name -> hash of its NodeUpsert, pod uid -> hash of its
 * PodBound (both hex of BLAKE2b-256 of the delta encoded with seq 0). */
typedef struct daas_schedctl_mirror {
    json_t *nodes;
    json_t *pods;
} daas_schedctl_mirror;

/* The deltas that bring the enclave from a mirror to a snapshot, and the mirror after. */
typedef struct daas_schedctl_plan {
    daas_sched_delta *d; /* n deltas, seqs first_seq, first_seq + 1, ... */
    size_t n, cap;
    daas_sched_knode *kn; /* conversions the deltas borrow from */
    size_t nkn, capkn;
    daas_sched_kpod *kp;
    size_t nkp, capkp;
    daas_schedctl_mirror next;
} daas_schedctl_plan;

void daas_schedctl_mirror_init(daas_schedctl_mirror *m);
void daas_schedctl_mirror_fini(daas_schedctl_mirror *m);

/* The deltas from m to the snapshot (nodes and pods: JSON arrays of Node and Pod objects,
 * borrowed), in this order: NodeUpsert for new or changed nodes, PodBound for newly bound or
 * resized pods (nodeName set, phase not Succeeded/Failed), PodRemoved, NodeRemove; seqs from
 * first_seq. Objects that do not convert are left out (logged). Release with _plan_fini. */
DAAS_MUST_USE int daas_schedctl_plan_make(const daas_schedctl_mirror *m, const json_t *nodes,
                                          const json_t *pods, uint64_t first_seq,
                                          daas_schedctl_plan *out, daas_err *err);
void daas_schedctl_plan_fini(daas_schedctl_plan *p);

/* The PodBound delta for a converted pod placed on node (borrowed pointers), and its hash
 * as the mirror records it (65 bytes: hex and NUL). */
DAAS_MUST_USE int daas_schedctl_bound_delta(const daas_sched_kpod *kp, const char *node,
                                            uint64_t seq, daas_sched_delta *out, char hash[65],
                                            daas_err *err);

/* Writes the binding into pod (a Pod object): spec.nodeName = d->node, the
 * daas.io/schedule-proof annotation naming the Enclave object enclave (all zero without a
 * chain), the PodScheduled condition at now_ms. Errors: DAAS_EINVAL (d does not encode). */
DAAS_MUST_USE int daas_schedctl_bind_obj(json_t *pod, const daas_sched_decision *d,
                                         const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                         const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                                         const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN],
                                         int64_t now_ms, daas_err *err);

/* A core/v1 Event about pod (borrowed) from daas-scheduler: type "Normal" or "Warning",
 * reason, message, timestamps at now_ms, a unique name "<pod>.<hex>". New reference. */
json_t *daas_schedctl_event(const json_t *pod, const char *type, const char *reason,
                            const char *message, int64_t now_ms);

#endif
