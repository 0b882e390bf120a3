/*
 * schedsvc.h: the enclave's scheduling endpoints: one scheduler state fed by the API server,
 * signed placement decisions, an in-memory decision log and signed batch roots over it.
 *
 * Owns:   one daas_sched_state, the decision log (one Merkle leaf per signed decision,
 *         placement or admission), the handlers of the /sched/ routes (registered on a
 *         daas_enclave), the enclave clock.
 * Not:    the scheduling algorithm and the wire formats (sched/sched.h), the key and the
 *         HTTP service (enclave.h), the client side (client.h).
 * Invariants:
 *   - the state and the log are changed under one mutex (the HTTP server runs handlers on
 *     several worker threads);
 *   - a decision is signed and appended to the log in the same critical section, so its
 *     "index" is exactly its position in the log and the log order is the signing order;
 *   - nothing survives a restart: a new enclave has a new key (a new attestation to verify
 *     and register), seq 0, an empty log.
 * Spec:   ARCHITECTURE.md §3.3; sched.h (formats, algorithm, signing bytes, Merkle tree);
 *         move/README.md scheduling::commit_batch (the batch a server submits).
 *
 * ---- Protocol (server → enclave; plain HTTP/1.1, see enclave.c for why no TLS) ----
 *
 * Request bodies are BCS, Content-Type application/octet-stream (except /sched/batch: JSON);
 * replies are JSON; bytes are lowercase hex. Errors are {"error": "..."} (Nautilus' shape)
 * with 400 for a malformed request.
 *
 *   POST /sched/deltas   body = ULEB128 count, then that many BCS deltas
 *                        (daas_sched_delta_encode; i.e. BCS(vector<Delta>)), count >= 1.
 *                        Applied in order, each atomically (a failing delta leaves the state
 *                        as it was; the ones before it stay applied).
 *                        200 {"seq": N, "digest": hex(32)}                  after the last
 *                        409 {"error": ..., "seq": current}                 seq gap
 *                        400 {"error": ..., "seq": current}                 malformed, invalid
 *                             delta, removal of an unknown node/pod, a state limit
 *   GET  /sched/state    200 {"seq": N, "digest": hex(32), "decisions": D (log length)}
 *   POST /sched/schedule body = BCS(Pod) (daas_sched_pod_encode).
 *                        200 {"decision": hex(BCS(Decision)), "signature": hex(64),
 *                             "index": i}
 *                        signature = Ed25519 by the boot key over the IntentMessage
 *                        (intent 2, timestamp_ms, BCS(Decision)); timestamp_ms = the
 *                        enclave's clock; i = the decision's 0-based index in the log.
 *                        409 {"error": "0/3 nodes are available: ..."}      unschedulable
 *                        503 {"error": ...}                                 log full
 *                        The state is not changed: the server binds the pod, then feeds a
 *                        PodBound delta like any other change.
 *   POST /sched/batch    body = JSON {"first": i, "count": n} (log indices, n >= 1,
 *                        n <= DAAS_ENCLAVE_SCHED_MAX_BATCH)
 *                        200 {"root": hex(32), "first": i, "count": n, "timestamp_ms": t,
 *                             "signature": hex(64)}
 *                        root = daas_sched_merkle_root over the leaves of decisions
 *                        first..first+n-1; signature over daas_sched_batch_signing_bytes(root,
 *                        first, n, t) (intent 3; first is BatchRoot.first_seq on chain).
 *                        400 a range outside the log, a malformed body
 *   POST /sched/admit    body = BCS(AdmissionRequest) immediately followed by
 *                        BCS(ClusterRules) (sched/policy.h; the request is decoded strictly,
 *                        the rest must be exactly one ClusterRules).
 *                        200 {"decision": hex(BCS(AccessDecision)), "signature": hex(64),
 *                             "timestamp_ms": t, "index": i}
 *                        decision = daas_sched_policy_eval of the two (allowed or not: a
 *                        denial is signed and logged too); signature = Ed25519 by the boot
 *                        key over the IntentMessage (intent 4 = DAAS_SCHED_INTENT_ADMISSION,
 *                        t, BCS(AccessDecision)) (sched/admission.h); t = the enclave's
 *                        clock; i = its index in the same log as placements, whose leaf is
 *                        BLAKE2b-256(0x00 || signing bytes), so /sched/batch roots cover
 *                        placements and admissions alike.
 *                        400 {"error": ...}                                 malformed body
 *                        503 {"error": ...}                                 log full
 *   POST /sched/rebalance body = BCS(RebalanceRequest) (sched/rebalance.h).
 *                        200 {"plan": hex(BCS(RebalancePlan)), "signature": hex(64),
 *                             "timestamp_ms": t, "index": i}
 *                        plan = daas_sched_rebalance_plan of the request against this
 *                        enclave's own state (the load it plans from is what it was fed, not
 *                        what the server claims), carrying the state's seq and digest;
 *                        signed with intent 5 (DAAS_SCHED_INTENT_REBALANCE) and logged like
 *                        an admission (same log, same batches). An empty plan is signed too.
 *                        400 malformed request; 503 log full
 *
 * Restarts: the enclave keeps nothing. After a restart the server sees a 409 with "seq": 0
 * (or a signature that no longer verifies: DAAS_EUNAUTH in the client); it must fetch and
 * verify the new attestation, register the new key, set it in the client, and re-feed the
 * whole cluster view from seq 1. Decisions signed by the old key stay valid proofs; batches
 * of the new enclave start at index 0 of its own log.
 */
#ifndef DAAS_ENCLAVE_SCHEDSVC_H
#define DAAS_ENCLAVE_SCHEDSVC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "enclave/enclave.h"

#define DAAS_ENCLAVE_SCHED_MAX_LOG ((size_t)1 << 22)   /* decisions kept (32 bytes each) */
#define DAAS_ENCLAVE_SCHED_MAX_BATCH ((size_t)1 << 16) /* decisions in one batch */

/* The enclave clock: milliseconds since the epoch. Tests inject a fixed one. */
typedef int64_t (*daas_enclave_clock)(void *arg);

typedef struct daas_enclave_schedsvc_opts {
    daas_enclave_clock now_ms; /* NULL: daas_now_ms */
    void *clock_arg;           /* passed to now_ms */
    size_t max_log;            /* 0: DAAS_ENCLAVE_SCHED_MAX_LOG */
} daas_enclave_schedsvc_opts;

typedef struct daas_enclave_schedsvc daas_enclave_schedsvc;

/* Makes an empty service (seq 0, empty log) signing with e's key and registers the five
 * routes above on e (before daas_enclave_serve). opts may be NULL. The service borrows e:
 * free it after the HTTP server is stopped and before e. Errors: the route table's. */
DAAS_MUST_USE int daas_enclave_schedsvc_new(daas_enclave *e, const daas_enclave_schedsvc_opts *opts,
                                            daas_enclave_schedsvc **out, daas_err *err);
/* Frees the state and the log; nulls *s. Accepts NULL and *s == NULL. */
void daas_enclave_schedsvc_free(daas_enclave_schedsvc **s);

#endif
