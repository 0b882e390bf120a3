/*
 * intent.c: Nautilus IntentMessage: its BCS bytes, pure Ed25519 signatures over them, and
 * their verification.
 *
 * Owns:   nothing stateful.
 * Not:    the key's storage (enclave.c); the payload's own BCS (its producer's).
 * Model:  IntentMessage<T> { intent: u8, timestamp_ms: u64, payload: T } is positional BCS,
 *         so the message is intent ‖ u64 LE ‖ BCS(T) and no length prefixes the payload.
 * Invariants: the signed bytes are exactly the BCS bytes (no hashing, no domain prefix
 *             other than the intent byte), as Move's enclave::verify_signature rebuilds them.
 * Spec:   specs/nautilus.md §1.3 (layout, vectors), §1.4 (key).
 */
#include "enclave/enclave_int.h"

#include <stdlib.h>

#include <sodium.h>

#include "sui/bcs.h"

#define HEAD_LEN 9 /* intent (1) + timestamp_ms (8) */

/* Contract in enclave.h. */
int daas_enclave_intent_bcs(uint8_t intent, uint64_t timestamp_ms, daas_bytes payload,
                            daas_buf *out, daas_err *err)
{
    int rc = daas_sui_bcs_put_u8(out, intent);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, timestamp_ms);
    if (rc == DAAS_OK && payload.len > 0)
        rc = daas_sui_bcs_put_fixed(out, payload.ptr, payload.len);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "intent message: %zu-byte payload over the buffer's cap",
                         payload.len);
    return DAAS_OK;
}

/* Contract in enclave.h. */
int daas_enclave_intent_parse(daas_bytes msg, uint8_t *intent, uint64_t *timestamp_ms,
                              daas_bytes *payload, daas_err *err)
{
    daas_sui_bcs_reader r;
    daas_sui_bcs_reader_init(&r, msg);
    int rc = daas_sui_bcs_get_u8(&r, "intent", intent, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&r, "timestamp_ms", timestamp_ms, err);
    if (rc != DAAS_OK)
        return rc;
    *payload = DAAS_BYTES(msg.ptr + HEAD_LEN, msg.len - HEAD_LEN);
    return DAAS_OK;
}

/* The BCS bytes of an IntentMessage in a fresh buffer (the caller finis it). */
static int build(uint8_t intent, uint64_t timestamp_ms, daas_bytes payload, daas_buf *b,
                 daas_err *err)
{
    daas_buf_init(b, 0);
    return daas_enclave_intent_bcs(intent, timestamp_ms, payload, b, err);
}

/* Contract in enclave.h. */
bool daas_enclave_intent_verify(const uint8_t pk[DAAS_ENCLAVE_PK_LEN], uint8_t intent,
                                uint64_t timestamp_ms, daas_bytes payload,
                                const uint8_t sig[DAAS_ENCLAVE_SIG_LEN])
{
    daas_buf b;
    bool ok = false;
    if (sodium_init() >= 0 && build(intent, timestamp_ms, payload, &b, NULL) == DAAS_OK)
        ok = crypto_sign_verify_detached(sig, (const uint8_t *)b.data, b.len, pk) == 0;
    daas_buf_fini(&b);
    return ok;
}

/* Contract in enclave_int.h. */
void daas_enclave__key_from_seed(const uint8_t seed[32], daas_enclave__key *k)
{
    if (sodium_init() < 0)
        abort(); /* libsodium cannot run here at all: nothing sensible to continue with */
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
}

/* Contract in enclave_int.h. */
void daas_enclave__key_wipe(daas_enclave__key *k)
{
    sodium_memzero(k, sizeof *k);
}

/* Contract in enclave_int.h. */
int daas_enclave__intent_sign(const daas_enclave__key *k, uint8_t intent, uint64_t timestamp_ms,
                              daas_bytes payload, uint8_t sig[DAAS_ENCLAVE_SIG_LEN], daas_err *err)
{
    daas_buf b;
    int rc = build(intent, timestamp_ms, payload, &b, err);
    if (rc == DAAS_OK &&
        crypto_sign_detached(sig, NULL, (const uint8_t *)b.data, b.len, k->sk) != 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "intent message: Ed25519 signing failed");
    daas_buf_fini(&b);
    return rc;
}
