/*
 * client.h: the API server's client of the enclave: a small HTTP/1.1 client over the socket
 * daas_enclave_addr_connect gives (unix, tcp or vsock alike) speaking the Nautilus endpoints
 * and the scheduling protocol of schedsvc.h, verifying every signature it returns.
 *
 * Owns:   one connection (kept alive between calls, re-opened when the enclave closed it),
 *         the trusted enclave public key, the reply parsers (exposed below for the fuzzer).
 * Not:    verifying attestation documents (attest.h: the caller verifies the document
 *         _attestation returns, extracts the key and gives it to _set_key); the protocol's
 *         server side (schedsvc.h); what the server does with decisions.
 * Invariants:
 *   - the enclave and the channel are untrusted: replies are capped
 *     (DAAS_ENCLAVE_CLIENT_MAX_REPLY), parsed strictly (JSON objects with exactly the
 *     expected members, lowercase hex of the exact length), and no signature, decision or
 *     root is returned before it verified against the key given to _set_key;
 *   - every call finishes within the client's timeout (connect, send and receive together);
 *   - a connection that failed mid-reply is closed, never reused.
 * Thread: a client is used by one thread at a time.
 * Spec:   schedsvc.h (protocol); specs/nautilus.md §1.2 (health_check, get_attestation).
 */
#ifndef DAAS_ENCLAVE_CLIENT_H
#define DAAS_ENCLAVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "enclave/enclave.h"
#include "sched/sched.h"

#define DAAS_ENCLAVE_CLIENT_MAX_REPLY ((size_t)4 << 20) /* status line, headers and body */
#define DAAS_ENCLAVE_CLIENT_MAX_HEAD ((size_t)16 << 10) /* status line and headers */
#define DAAS_ENCLAVE_CLIENT_MAX_BODY ((size_t)1 << 20)  /* one /sched/deltas request */

typedef struct daas_enclave_client daas_enclave_client;

/* A client of the enclave at addr ("unix:PATH", "tcp:HOST:PORT", "vsock:CID:PORT"); each
 * call gives up after timeout_ms (> 0). Does not connect yet. Errors: DAAS_EINVAL (address,
 * timeout). */
DAAS_MUST_USE int daas_enclave_client_new(const char *addr, int timeout_ms,
                                          daas_enclave_client **out, daas_err *err);
/* Closes the connection, frees c, nulls *c. Accepts NULL and *c == NULL. */
void daas_enclave_client_free(daas_enclave_client **c);

/* Trusts pk (the Ed25519 key bound in an attestation document the caller verified) for
 * every signature from now on. Until it is called, _schedule, _admit and _batch fail
 * (DAAS_EINVAL). */
void daas_enclave_client_set_key(daas_enclave_client *c, const uint8_t pk[DAAS_ENCLAVE_PK_LEN]);

/*
 * Common errors of the calls below: DAAS_EUNAVAIL "enclave at <addr>: ..." (cannot connect,
 * connection lost), DAAS_ETIMEOUT (no complete reply in time), DAAS_EREMOTE (a malformed
 * reply, or an HTTP status the protocol does not define, with the enclave's error text),
 * DAAS_EINVAL (the enclave answered 400: the request was refused as malformed).
 */

/* GET /health_check: the key the enclave announces (not yet trusted: verify an attestation). */
DAAS_MUST_USE int daas_enclave_client_health(daas_enclave_client *c,
                                             uint8_t pk[DAAS_ENCLAVE_PK_LEN], daas_err *err);
/* GET /get_attestation: appends the raw document to doc (verify it with daas_attest_verify). */
DAAS_MUST_USE int daas_enclave_client_attestation(daas_enclave_client *c, daas_buf *doc,
                                                  daas_err *err);

/* POST /sched/deltas with d[0..n) (n >= 1; split into several requests of at most
 * DAAS_ENCLAVE_CLIENT_MAX_BODY bytes). On success *seq and digest are the enclave's after
 * the last delta. On DAAS_ECONFLICT (a seq gap: the enclave may have restarted) and on a
 * delta refused (DAAS_EINVAL) *seq is the enclave's current seq and digest is untouched. */
DAAS_MUST_USE int daas_enclave_client_deltas(daas_enclave_client *c, const daas_sched_delta *d,
                                             size_t n, uint64_t *seq,
                                             uint8_t digest[DAAS_SCHED_DIGEST_LEN], daas_err *err);

/* GET /sched/state: seq, digest and the length of the enclave's decision log. */
DAAS_MUST_USE int daas_enclave_client_state(daas_enclave_client *c, uint64_t *seq,
                                            uint8_t digest[DAAS_SCHED_DIGEST_LEN],
                                            uint64_t *decisions, daas_err *err);

/*
 * POST /sched/schedule with pod. DAAS_OK: *dec is the decision (for pod's uid and spec
 * digest, checked), sig its signature, verified against the trusted key, *index its place in
 * the enclave's log. DAAS_ECONFLICT: no node fits; reason (reason_len > 0) holds the
 * kube-style message, truncated to reason_len - 1 bytes, and err the same. DAAS_EUNAUTH
 * "enclave signature does not verify" (or a decision for another pod). DAAS_EINVAL: no key
 * set, a pod breaking sched.h's rules, or a 400.
 */
DAAS_MUST_USE int daas_enclave_client_schedule(daas_enclave_client *c, const daas_sched_pod *pod,
                                               daas_sched_decision *dec,
                                               uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index,
                                               char *reason, size_t reason_len, daas_err *err);

/* POST /sched/batch {first, count}: the Merkle root of decisions first..first+count-1 of the
 * enclave's log, signed (intent 3) at the enclave's time *ts; verified against the trusted
 * key (DAAS_EUNAUTH otherwise). DAAS_EINVAL: no key, count 0, or a range outside the log. */
DAAS_MUST_USE int daas_enclave_client_batch(daas_enclave_client *c, uint64_t first, uint64_t count,
                                            uint8_t root[DAAS_SCHED_DIGEST_LEN],
                                            uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *ts,
                                            daas_err *err);

/*
 * POST /sched/admit with request_bcs (BCS(AdmissionRequest)) and rules_bcs (BCS(ClusterRules))
 * (sched/policy.h; borrowed, sent back to back). DAAS_OK: BCS(AccessDecision) appended to
 * *decision_bcs (allowed or not: read decision.allowed), *timestamp_ms the enclave's signing
 * time, sig its intent-4 signature (sched/admission.h) verified against the trusted key,
 * *index its place in the enclave's log (shared with placements). DAAS_EUNAUTH "enclave
 * signature does not verify", or a decision whose request_digest / rules_digest are not the
 * BLAKE2b-256 of the bytes sent. DAAS_EINVAL: no key set, or the enclave refused the body
 * (400). DAAS_ETOOBIG: the two together over DAAS_ENCLAVE_CLIENT_MAX_BODY, or decision_bcs's
 * cap. DAAS_EREMOTE: 503 (log full) and malformed replies.
 */
DAAS_MUST_USE int daas_enclave_client_admit(daas_enclave_client *c, daas_bytes request_bcs,
                                            daas_bytes rules_bcs, daas_buf *decision_bcs,
                                            uint64_t *timestamp_ms, uint8_t sig[DAAS_SCHED_SIG_LEN],
                                            uint64_t *index, daas_err *err);

/* ---- reply parsers (pure; the input is untrusted; exposed for tests and the fuzzer) ---- */

/* One HTTP/1.1 response in[0..len): DAAS_OK with *status, *body (pointing into in) and
 * *consumed (bytes of this response); *keep_alive when the connection may be reused.
 * DAAS_EAGAIN: incomplete (more bytes needed; a close-delimited body needs eof = true).
 * DAAS_EREMOTE: malformed, or over the caps above. */
DAAS_MUST_USE int daas_enclave_client_parse_http(daas_bytes in, bool eof, int *status,
                                                 daas_bytes *body, size_t *consumed,
                                                 bool *keep_alive, daas_err *err);

/* The JSON bodies of the protocol; each DAAS_EREMOTE when not exactly the expected shape. */
DAAS_MUST_USE int daas_enclave_client_parse_health(daas_bytes body, uint8_t pk[DAAS_ENCLAVE_PK_LEN],
                                                   daas_err *err);
DAAS_MUST_USE int daas_enclave_client_parse_attestation(daas_bytes body, daas_buf *doc,
                                                        daas_err *err);
/* {"seq", "digest"} (decisions NULL) or {"seq", "digest", "decisions"}. */
DAAS_MUST_USE int daas_enclave_client_parse_state(daas_bytes body, uint64_t *seq,
                                                  uint8_t digest[DAAS_SCHED_DIGEST_LEN],
                                                  uint64_t *decisions, daas_err *err);
/* {"error": text} with an optional "seq" (*has_seq); text truncated to msg_len - 1. */
DAAS_MUST_USE int daas_enclave_client_parse_error(daas_bytes body, char *msg, size_t msg_len,
                                                  bool *has_seq, uint64_t *seq, daas_err *err);
/* {"decision", "signature", "index"}: the decision strictly decoded (not yet verified). */
DAAS_MUST_USE int daas_enclave_client_parse_decision(daas_bytes body, daas_sched_decision *dec,
                                                     uint8_t sig[DAAS_SCHED_SIG_LEN],
                                                     uint64_t *index, daas_err *err);
/*
 * POST /sched/rebalance with request_bcs = BCS(RebalanceRequest) (sched/rebalance.h). DAAS_OK:
 * BCS(RebalancePlan) appended to *plan_bcs (it may evict nothing), *timestamp_ms the signing
 * time, sig its intent-5 signature verified against the trusted key, *index its place in the
 * enclave's log (shared with placements and admissions). DAAS_EUNAUTH when the signature does
 * not verify or the plan's request_digest is not BLAKE2b-256(request_bcs). Else as _admit.
 */
DAAS_MUST_USE int daas_enclave_client_rebalance(daas_enclave_client *c, daas_bytes request_bcs,
                                                daas_buf *plan_bcs, uint64_t *timestamp_ms,
                                                uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index,
                                                daas_err *err);
/* {"plan", "signature", "timestamp_ms", "index"}: the plan strictly decoded, its bytes
 * appended to plan_bcs (not yet verified). */
DAAS_MUST_USE int daas_enclave_client_parse_rebalance(daas_bytes body, daas_buf *plan_bcs,
                                                      uint64_t *timestamp_ms,
                                                      uint8_t sig[DAAS_SCHED_SIG_LEN],
                                                      uint64_t *index, daas_err *err);

/* {"decision", "signature", "timestamp_ms", "index"}: the AccessDecision strictly decoded
 * (policy.h) and its bytes appended to decision_bcs (not yet verified). */
DAAS_MUST_USE int daas_enclave_client_parse_admit(daas_bytes body, daas_buf *decision_bcs,
                                                  uint64_t *timestamp_ms,
                                                  uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index,
                                                  daas_err *err);
/* {"root", "first", "count", "timestamp_ms", "signature"} (not yet verified). */
DAAS_MUST_USE int daas_enclave_client_parse_batch(daas_bytes body,
                                                  uint8_t root[DAAS_SCHED_DIGEST_LEN],
                                                  uint64_t *first, uint64_t *count, uint64_t *ts,
                                                  uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err);

/* True when sig is pk's intent-3 signature of the batch (root, first, count, ts). */
bool daas_enclave_client_batch_verify(const uint8_t pk[DAAS_ENCLAVE_PK_LEN],
                                      const uint8_t root[DAAS_SCHED_DIGEST_LEN], uint64_t first,
                                      uint64_t count, uint64_t ts,
                                      const uint8_t sig[DAAS_SCHED_SIG_LEN]);

#endif
