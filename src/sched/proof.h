/*
 * proof.h: the schedule proof a server writes on a bound pod and the check an agent runs
 *          before it starts anything: a decision signed by a registered enclave key, for this
 *          node, this pod and this pod spec.
 *
 * Owns:   the annotation's text format, its strict parser, the agent-side check.
 * Not:    where trusted keys come from (the chain: registered Enclave objects), signing (the
 *         enclave), I/O.
 * Invariants:
 *   - pure: no clock, no I/O; the check only reads the pod JSON it is given;
 *   - the parser is strict and bounded: at most DAAS_SCHED_PROOF_MAX_LEN bytes, exactly the
 *     five keys below (no duplicates), lowercase hex of the exact lengths, a canonical BCS
 *     decision;
 *   - the check answers DAAS_OK only when every condition holds, else DAAS_EDENIED with one
 *     precise reason (below) in err.
 * Spec:   ARCHITECTURE.md §3.3 steps 4-5; sched.h "Decisions"; kube.h (spec digest).
 *
 * Annotation daas.io/schedule-proof, compact JSON in this key order:
 *   {"v":1,"decision":"<hex BCS(Decision)>","signature":"<hex 64 bytes>",
 *    "enclave":"0x<64 hex: Enclave object id>","pk":"<hex 32 bytes Ed25519>"}
 *
 * Check, in this order (first failure wins; the reason is the err message):
 *   annotation absent (or no metadata)        "no schedule proof"
 *   not a string / does not parse             "schedule proof is malformed: ..."
 *   pk not among the trusted keys             "enclave key not registered"
 *   trusted for another enclave id            "enclave key not registered for enclave 0x..."
 *   Ed25519 over the intent-2 signing bytes   "signature does not verify"
 *   spec.nodeName empty / another node        "pod is not bound" / "pod is bound to node Y,
 *                                              not X"
 *   decision.node != node_name                "proof is for node Y"
 *   decision.pod_uid != metadata.uid          "proof is for another pod (uid U)"
 *   pod does not convert (kube.h)             "pod cannot be checked: ..."
 *   decision.spec_digest != recomputed        "pod spec changed since it was scheduled"
 */
#ifndef DAAS_SCHED_PROOF_H
#define DAAS_SCHED_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sched/sched.h"

#define DAAS_SCHED_PROOF_ANNOTATION "daas.io/schedule-proof"
#define DAAS_SCHED_PROOF_MAX_LEN 8192 /* bytes of the annotation value */
#define DAAS_SCHED_ENCLAVE_ID_LEN 32

/* One registered enclave key, as read from the chain. */
typedef struct daas_sched_trusted_key {
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN];          /* Ed25519 public key */
    uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN]; /* its Enclave object id; all zero: any id */
} daas_sched_trusted_key;

/* The trust rule of every proof: pk is listed for this enclave id, or for any id (all zero).
 * DAAS_EDENIED "enclave key not registered" / "... not registered for enclave 0x<id>". */
DAAS_MUST_USE int daas_sched_trusted_check(const daas_sched_trusted_key *keys, size_t n,
                                           const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                                           const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN],
                                           daas_err *err);

/* A parsed proof. */
typedef struct daas_sched_proof {
    daas_sched_decision decision;
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN];
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN];
} daas_sched_proof;

/*
 * Renders the annotation value for decision d (borrowed) into *out (NUL-terminated; the
 * caller frees it with daas_free). Errors: DAAS_EINVAL (d does not encode), with *out NULL.
 */
DAAS_MUST_USE int daas_sched_proof_format(const daas_sched_decision *d,
                                          const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                          const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN],
                                          const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], char **out,
                                          daas_err *err);

/*
 * Parses an annotation value (untrusted, NUL-terminated, borrowed) into *out. Does not verify
 * the signature. Errors: DAAS_EINVAL with the reason.
 */
DAAS_MUST_USE int daas_sched_proof_parse(const char *text, daas_sched_proof *out, daas_err *err);

/*
 * The agent's check of pod (a Pod object, borrowed) for this node_name against the n
 * trusted keys (borrowed; public, compared plainly). DAAS_OK or DAAS_EDENIED with the reason
 * above. Thread: any.
 */
DAAS_MUST_USE int daas_sched_proof_check(const json_t *pod, const char *node_name,
                                         const daas_sched_trusted_key *keys, size_t n,
                                         daas_err *err);

#endif
