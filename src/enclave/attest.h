/*
 * attest.h: the AWS Nitro Enclaves attestation verifier (COSE_Sign1 / ES384 / X.509 chain to the
 * embedded AWS Nitro root), shared by the server, the agent, the devnet and the CLI.
 *
 * Owns:   daas_attest_doc (a parsed document; it owns one copy of the input bytes and two
 *         strings), the verification policy type, the embedded AWS root (aws_root.c).
 * Not:    producing documents (the enclave's NSM and debug back ends), the on-chain PCR config.
 * Invariants:
 *   - the input is untrusted: parsing is strict and bounded (payload < 16384 bytes, signature
 *     96 bytes, certificates 1..1024 bytes, cabundle 1..10 entries, pcrs 1..32 entries);
 *   - the verification time is always a parameter (policy.now_ms), never the system clock;
 *   - a certificate is valid at floor(now_ms / 1000) when notBefore <= t <= notAfter (both
 *     inclusive), exactly as fastcrypto / Sui compute it;
 *   - a debug document (PCR0, PCR1 and PCR2 all zero or absent) is refused unless the policy
 *     allows debug documents; only then may it chain to the policy's debug root instead of AWS;
 *   - no function reads or writes global mutable state (the embedded root is verified once
 *     and then read-only).
 * Debug documents (the enclave's dev CA) must look like real ones: COSE_Sign1 with protected
 * header {1: -35}, the payload map of specs/nautilus.md §3.2, a 96-byte raw r||s ES384
 * signature by the leaf's P-384 key, cabundle = [dev root DER] (or [root, intermediates...]),
 * the leaf with keyUsage digitalSignature (and basicConstraints, if any, cA=FALSE), every CA with
 * keyUsage keyCertSign and a critical basicConstraints cA=TRUE, the root self-signed.
 * Spec:   specs/nautilus.md §2.3 and §3; vectors/nitro/README.md.
 */
#ifndef DAAS_ENCLAVE_ATTEST_H
#define DAAS_ENCLAVE_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_ATTEST_MAX_PCRS 32        /* PCR indices 0..31 are kept; 32..255 are skipped */
#define DAAS_ATTEST_MAX_PCR_LEN 64     /* PCR values are 32, 48 or 64 bytes */
#define DAAS_ATTEST_MAX_CABUNDLE 10    /* cabundle entries */
#define DAAS_ATTEST_MAX_CERT 1024      /* bytes of one certificate */
#define DAAS_ATTEST_MAX_PAYLOAD 16383  /* bytes of the COSE payload */
#define DAAS_ATTEST_MAX_DOC 20000      /* bytes of a whole document (tag + COSE array) */
#define DAAS_ATTEST_SIG_LEN 96         /* raw r||s, P-384 */

/* One PCR of the document. */
typedef struct daas_attest_pcr {
    bool present;                           /* the document lists this index */
    uint8_t len;                            /* 32, 48 or 64 when present */
    uint8_t value[DAAS_ATTEST_MAX_PCR_LEN]; /* len bytes */
} daas_attest_pcr;

/* A parsed attestation document. Every daas_bytes points into _raw (owned). Zero it before
 * daas_attest_parse; release with daas_attest_doc_fini. */
typedef struct daas_attest_doc {
    char *module_id;                     /* non-empty text, no NUL bytes (owned) */
    char *digest;                        /* always "SHA384" (owned) */
    uint64_t timestamp_ms;               /* the NSM's clock; never compared with now */
    daas_attest_pcr pcrs[DAAS_ATTEST_MAX_PCRS];
    daas_bytes certificate;              /* leaf DER, 1..1024 bytes */
    daas_bytes cabundle[DAAS_ATTEST_MAX_CABUNDLE]; /* [root, intermediate 1, ..., N] DER */
    size_t ncabundle;                    /* 1..10 */
    bool has_public_key;                 /* false when absent or null */
    daas_bytes public_key;               /* 0..1024 bytes (raw Ed25519 key in our documents) */
    bool has_user_data;                  /* false when absent or null; true for an empty bstr */
    daas_bytes user_data;                /* 0..512 bytes */
    bool has_nonce;                      /* false when absent or null */
    daas_bytes nonce;                    /* 0..512 bytes */
    bool is_debug;                       /* PCR0, PCR1, PCR2 all zero (or absent) */
    daas_bytes protected_hdr;            /* the protected header bstr's content (a1 01 38 22) */
    daas_bytes payload;                  /* the exact signed payload bytes */
    daas_bytes signature;                /* 96 bytes r||s */
    uint8_t *_raw;                       /* owned copy of the input */
    size_t _raw_len;
} daas_attest_doc;

/* One PCR the policy requires. */
typedef struct daas_attest_pcr_want {
    unsigned index;   /* 0..31 */
    daas_bytes value; /* must equal the document's value (same length) */
} daas_attest_pcr_want;

/* What a verification requires besides a valid signature and chain. */
typedef struct daas_attest_policy {
    int64_t now_ms;                   /* the verification time (ms since the epoch, >= 0) */
    const daas_attest_pcr_want *pcrs; /* required PCR values; may be NULL */
    size_t npcrs;
    bool allow_debug;                 /* accept debug documents (all-zero PCR0..2) */
    daas_bytes debug_root;            /* PEM or DER of a dev root trusted for debug documents
                                       * only (when allow_debug); ptr NULL for none */
} daas_attest_policy;

/* Parses a COSE_Sign1 attestation document (untagged or tag 18; payload map definite or
 * indefinite). Copies bytes; *doc must be zeroed and is filled only on success (release with
 * daas_attest_doc_fini). Checks structure, types and bounds only, no signature.
 * Errors: DAAS_EINVAL with the reason. Thread: any. */
DAAS_MUST_USE int daas_attest_parse(const uint8_t *bytes, size_t len, daas_attest_doc *doc,
                                    daas_err *err);

/* Releases what doc owns and zeroes it. Accepts a zeroed doc. */
void daas_attest_doc_fini(daas_attest_doc *doc);

/* The full check, in order: parse; COSE signature (ES384 over ["Signature1", protected, h'',
 * payload] with the leaf's P-384 key); debug documents refused unless pol->allow_debug; chain
 * leaf -> reverse(cabundle) -> trusted root at pol->now_ms (validity of every certificate,
 * issuer/subject links, signatures, basicConstraints/pathLen, keyUsage, cabundle[0] equal to
 * the trusted root); the policy's PCRs. On success fills *out (zeroed by the caller) when out
 * is not NULL. Errors: DAAS_EINVAL (malformed document or policy), DAAS_EDENIED (the document
 * is not acceptable: signature, chain, debug, PCRs), DAAS_ECRYPTO (OpenSSL failed, or the
 * embedded root does not match its pinned hash). Thread: any. */
DAAS_MUST_USE int daas_attest_verify(const uint8_t *bytes, size_t len,
                                     const daas_attest_policy *pol, daas_attest_doc *out,
                                     daas_err *err);

/* The COSE signature check alone, on a parsed document. Errors: DAAS_EDENIED, DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_attest_check_signature(const daas_attest_doc *doc, daas_err *err);

/* The certificate chain check alone (plus the debug rule, which picks the trusted root), on a
 * parsed document whose fields the caller may have altered. Errors: as daas_attest_verify. */
DAAS_MUST_USE int daas_attest_check_chain(const daas_attest_doc *doc,
                                          const daas_attest_policy *pol, daas_err *err);

/* The policy's PCRs against the document; the message names the first PCR that differs.
 * Errors: DAAS_EDENIED (mismatch or missing), DAAS_EINVAL (index > 31). */
DAAS_MUST_USE int daas_attest_check_pcrs(const daas_attest_doc *doc,
                                         const daas_attest_policy *pol, daas_err *err);

/* The document's public_key (borrowed from doc). Errors: DAAS_ENOTFOUND when it is absent,
 * null or empty. */
DAAS_MUST_USE int daas_attest_public_key(const daas_attest_doc *doc, daas_bytes *out,
                                         daas_err *err);

/* The document's public_key as a raw 32-byte Ed25519 key (Nautilus binding). Errors:
 * DAAS_ENOTFOUND (absent), DAAS_EINVAL (not 32 bytes). */
DAAS_MUST_USE int daas_attest_ed25519_key(const daas_attest_doc *doc, uint8_t out[32],
                                          daas_err *err);

/* The PCR indices Sui's pcrs() returns today (protocol >= 110): 0, 1, 2, 3, 4, 8 always (when
 * present) plus every other present non-zero PCR, ascending. Returns the count (<= 32). */
size_t daas_attest_sui_pcrs(const daas_attest_doc *doc, uint8_t idx[DAAS_ATTEST_MAX_PCRS]);

/* Appends the COSE Sig_structure ["Signature1", protected, h'', payload] to out (the bytes
 * an ES384 signer hashes). Errors: DAAS_ETOOBIG from out's cap. */
DAAS_MUST_USE int daas_attest_sig_structure(daas_bytes protected_hdr, daas_bytes payload,
                                            daas_buf *out);

/* The DER of the embedded AWS Nitro Enclaves root (G1), 533 bytes, static storage. */
daas_bytes daas_attest_aws_root(void);

/* A certificate's subject as one line ("CN=aws.nitro-enclaves, OU=AWS, ..."), truncated to n;
 * "?" when der does not parse. */
void daas_attest_cert_subject(daas_bytes der, char *buf, size_t n);

#endif
