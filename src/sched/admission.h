/*
 * admission.h: admission decisions signed by the enclave: their signing bytes, the proof the
 *              server writes on an admitted pod, and the check an agent runs before it starts
 *              anything: an AccessDecision signed by a registered enclave key that allowed
 *              exactly this pod with exactly this security-relevant spec.
 *
 * Owns:   the intent-4 signing bytes, the daas.io/admission-proof annotation's text format,
 *         its strict parser, the agent-side check, the split of the enclave's /sched/admit
 *         body into its request and rules.
 * Not:    evaluating the policy and the BCS of requests, rules and decisions (policy.h),
 *         signing (the enclave: schedsvc.h), trust in keys (the caller passes the registered
 *         ones, as for proof.h), I/O.
 * Invariants:
 *   - pure: no clock, no I/O; the check only reads the pod JSON it is given;
 *   - the parser is strict and bounded: at most DAAS_SCHED_ADMISSION_PROOF_MAX_LEN bytes,
 *     exactly the eight keys below (no duplicates), lowercase hex of the exact lengths, a
 *     canonical BCS request and decision, and "rules" equal to the decision's rules_digest;
 *   - the check answers DAAS_OK only when every condition holds, else DAAS_EDENIED with one
 *     precise reason (below) in err; nothing from an unverified proof is reported before the
 *     key and signature checks, except that it failed to parse.
 * Spec:   policy.h (AdmissionRequest, ClusterRules, AccessDecision); sched.h "Decisions"
 *         (IntentMessage, Merkle leaves); proof.h (the schedule proof this mirrors).
 *
 * ---- Signing bytes ----
 *
 *   Nautilus IntentMessage exactly as placement decisions use it (sched.h): intent u8
 *   (DAAS_SCHED_INTENT_ADMISSION = 4) || timestamp_ms u64 LE || BCS(AccessDecision); the
 *   signature is pure Ed25519 over exactly these bytes. The Merkle leaf is
 *   BLAKE2b-256(0x00 || signing bytes) (daas_sched_merkle_leaf), appended to the same enclave
 *   log as placements, so one batch root commits to both kinds.
 *
 * ---- Annotation daas.io/admission-proof ----
 *
 *   Compact JSON in this key order (every byte string lowercase hex):
 *     {"v":1,"request":"<hex BCS(AdmissionRequest)>","rules":"<hex 32: BLAKE2b-256 of
 *      BCS(ClusterRules), = decision.rules_digest>","decision":"<hex BCS(AccessDecision)>",
 *      "timestamp_ms":N,"signature":"<hex 64>","enclave":"0x<64 hex: Enclave object id>",
 *      "pk":"<hex 32 Ed25519>"}
 *   N is the enclave's signing time (decimal, 0 ..= 2^63-1).
 *
 * ---- Check, in this order (first failure wins; the reason is the err message) ----
 *
 *   annotation absent (or no metadata)         "no admission decision"
 *   not a string / does not parse              "admission decision is malformed: ..."
 *   pk not among the trusted keys              "enclave key not registered"
 *   trusted for another enclave id             "enclave key not registered for enclave 0x..."
 *   Ed25519 over the intent-4 signing bytes    "admission signature does not verify"
 *   decision.request_digest != BLAKE2b-256(request bytes)
 *                                              "admission decision is for another request"
 *   !decision.allowed                          "admission decision denies the pod"
 *   decision.uid != metadata.uid               "admission decision is for another pod (uid U)"
 *   request.kind != "Pod"                      "admission request is for a K, not a Pod"
 *   request namespace/name/uid != the pod's    "admission request is for pod NS/NAME (uid U)"
 *   the pod's view does not build (policy.h)   "pod cannot be checked: ..."
 *   BCS(request with the view built from THIS pod) != request bytes
 *                                              "pod security context changed since it was
 *                                               admitted"
 */
#ifndef DAAS_SCHED_ADMISSION_H
#define DAAS_SCHED_ADMISSION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sched/policy.h"
#include "sched/proof.h"

/* Nautilus intent scope of admission decisions (sched.h holds 2 and 3). */
#define DAAS_SCHED_INTENT_ADMISSION 4

#define DAAS_SCHED_ADMISSION_ANNOTATION "daas.io/admission-proof"
/* Bytes of the annotation value: Kubernetes caps all annotations of an object together at
 * 256 KiB, so a longer proof could never be stored anyway. */
#define DAAS_SCHED_ADMISSION_PROOF_MAX_LEN ((size_t)256 << 10)

/* A parsed proof: the raw bytes (what was signed and digested) and their decoded forms. */
typedef struct daas_sched_admission_proof {
    daas_bytes request;  /* BCS(AdmissionRequest) (in _mem) */
    daas_bytes decision; /* BCS(AccessDecision) (in _mem) */
    uint8_t rules_digest[DAAS_SCHED_POLICY_DIGEST_LEN];
    uint64_t timestamp_ms;
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN];
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN];
    daas_sched_policy_request req; /* request decoded (strings in its own memory) */
    daas_sched_policy_result dec;  /* decision decoded */
    uint8_t *_mem;                 /* request and decision bytes */
} daas_sched_admission_proof;

/*
 * Appends the IntentMessage bytes (intent 4, timestamp_ms u64 LE, decision_bcs verbatim) to
 * out. decision_bcs is not checked here. DAAS_ETOOBIG (out's cap).
 */
DAAS_MUST_USE int daas_sched_admission_signing_bytes(uint64_t timestamp_ms, daas_bytes decision_bcs,
                                                     daas_buf *out, daas_err *err);
/* Pure Ed25519 over the signing bytes with a libsodium secret key (seed || pk).
 * DAAS_ECRYPTO, DAAS_ETOOBIG (decision over DAAS_SCHED_POLICY_MAX_BYTES). */
DAAS_MUST_USE int daas_sched_admission_sign(uint64_t timestamp_ms, daas_bytes decision_bcs,
                                            const uint8_t sk[DAAS_SCHED_SECKEY_LEN],
                                            uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err);
/* True when sig is pk's signature of the signing bytes. */
bool daas_sched_admission_verify(uint64_t timestamp_ms, daas_bytes decision_bcs,
                                 const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                                 const uint8_t sig[DAAS_SCHED_SIG_LEN]);
/* The Merkle leaf of a signed admission: BLAKE2b-256(0x00 || signing bytes). */
void daas_sched_admission_leaf(uint64_t timestamp_ms, daas_bytes decision_bcs,
                               uint8_t leaf[DAAS_SCHED_DIGEST_LEN]);

/*
 * Splits the body of POST /sched/admit (BCS(AdmissionRequest) immediately followed by
 * BCS(ClusterRules); untrusted, borrowed) by walking the request's layout (policy.h) without
 * checking its rules: *request and *rules point into body. The caller still decodes both
 * strictly. DAAS_EINVAL when the request is cut short or nothing follows it.
 */
DAAS_MUST_USE int daas_sched_admission_split(daas_bytes body, daas_bytes *request,
                                             daas_bytes *rules, daas_err *err);

/*
 * Renders the annotation value into *out (appended; NUL-terminated). request_bcs and
 * decision_bcs must decode (policy.h); "rules" is the decision's rules_digest. DAAS_EINVAL
 * (does not decode), DAAS_ETOOBIG (over DAAS_SCHED_ADMISSION_PROOF_MAX_LEN or out's cap).
 */
DAAS_MUST_USE int daas_sched_admission_proof_format(
    daas_bytes request_bcs, daas_bytes decision_bcs, uint64_t timestamp_ms,
    const uint8_t sig[DAAS_SCHED_SIG_LEN], const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN],
    const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], daas_buf *out, daas_err *err);

/*
 * Parses an annotation value (untrusted, NUL-terminated, borrowed) into *out (release with
 * daas_sched_admission_proof_fini; on failure *out holds nothing). Does not verify the
 * signature. DAAS_EINVAL with the reason.
 */
DAAS_MUST_USE int daas_sched_admission_proof_parse(const char *text,
                                                   daas_sched_admission_proof *out, daas_err *err);
/* Frees what a parse put in p and zeroes it. Accepts a zeroed proof. */
void daas_sched_admission_proof_fini(daas_sched_admission_proof *p);

/*
 * The agent's check of pod (a Pod object, borrowed) against the nkeys trusted keys
 * (borrowed; public; same rules as daas_sched_proof_check). DAAS_OK or DAAS_EDENIED with
 * the reason above. Thread: any.
 */
DAAS_MUST_USE int daas_sched_admission_check(const json_t *pod, const daas_sched_trusted_key *keys,
                                             size_t nkeys, daas_err *err);

#endif
