/*
 * enclave_int.h: what enclave.c and intent.c share inside src/enclave/ (and the unit tests):
 * the Ed25519 key pair and signing with it.
 *
 * Owns:   the daas_enclave__key layout.
 * Invariants: a key is made from a seed the caller then wipes, lives where its owner put
 *             it (enclave.c: locked memory in the daas_enclave) and is wiped with
 *             daas_enclave__key_wipe; nothing here copies the secret anywhere else.
 * Spec:   specs/nautilus.md §1.3, §1.4.
 */
#ifndef DAAS_ENCLAVE_ENCLAVE_INT_H
#define DAAS_ENCLAVE_ENCLAVE_INT_H

#include "enclave/enclave.h"

typedef struct daas_enclave__key {
    uint8_t pk[DAAS_ENCLAVE_PK_LEN]; /* public key */
    uint8_t sk[64];                  /* libsodium secret key: seed ‖ public key */
} daas_enclave__key;

/* Derives the key pair of a 32-byte seed (RFC 8032) into *k. Never fails. */
void daas_enclave__key_from_seed(const uint8_t seed[32], daas_enclave__key *k);
/* Zeroes *k so the compiler cannot elide it. */
void daas_enclave__key_wipe(daas_enclave__key *k);
/* sig = Ed25519(k, BCS(IntentMessage{intent, timestamp_ms, payload})). Errors: DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_enclave__intent_sign(const daas_enclave__key *k, uint8_t intent,
                                            uint64_t timestamp_ms, daas_bytes payload,
                                            uint8_t sig[DAAS_ENCLAVE_SIG_LEN], daas_err *err);

/* Appends a CBOR head (major type 0..7, argument v) minimally encoded (RFC 8949 §3): the
 * one CBOR writer of the module (nsm.c), used by debug_doc.c. Errors: b's cap. */
DAAS_MUST_USE int daas_enclave__cbor_head(daas_buf *b, unsigned major, uint64_t v);
/* A definite text string from a NUL-terminated string. */
DAAS_MUST_USE int daas_enclave__cbor_text(daas_buf *b, const char *s);
/* A definite byte string, or null (0xf6) when v is NULL. */
DAAS_MUST_USE int daas_enclave__cbor_bytes(daas_buf *b, const daas_bytes *v);

#endif
