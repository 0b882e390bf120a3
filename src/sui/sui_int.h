/*
 * sui_int.h: declarations shared by the files of the sui key/signature layer.
 *
 * Owns:   the layout of daas_sui_key; bech32 (BIP-173) helpers; per-scheme primitives.
 * Invariants: secret bytes inside daas_sui_key are wiped by daas_sui_key_free.
 * Spec:   specs/sui.md §1 (bech32), §2.
 */
#ifndef DAAS_SUI_SUI_INT_H
#define DAAS_SUI_SUI_INT_H

#include "sui/sui.h"

struct daas_sui_key {
    int scheme;                          /* DAAS_SUI_* flag */
    uint8_t secret[DAAS_SUI_SECRET_LEN]; /* seed or scalar: SECRET */
    uint8_t ed_sk[64];                   /* Ed25519 only: libsodium seed||pk: SECRET */
    daas_sui_pubkey pub;                 /* public key derived from secret */
};

/* rc = x; on failure jump to the function's out label (needs `int rc` and `out:`). */
#define DAAS_SUI__TRY(x)                                                                   \
    do {                                                                                   \
        rc = (x);                                                                          \
        if (rc != DAAS_OK)                                                                 \
            goto out;                                                                      \
    } while (0)

#define DAAS_SUI__BECH32_MAX 90 /* BIP-173 length limit */

/* Bech32 (BIP-173, constant 1) of hrp and 8-bit data into out (NUL-terminated).
 * DAAS_ETOOBIG when the result would exceed outn-1 or 90 characters. */
DAAS_MUST_USE int daas_sui__bech32_encode(const char *hrp, const uint8_t *data, size_t n,
                                          char *out, size_t outn);
/* Decodes s; checks the checksum and that the HRP equals hrp; writes 8-bit data (no
 * leftover padding bits allowed) into data (capacity cap), length into *n. DAAS_EINVAL with
 * a message naming the problem (never the data). */
DAAS_MUST_USE int daas_sui__bech32_decode(const char *s, const char *hrp, uint8_t *data,
                                          size_t cap, size_t *n, daas_err *err);

/* Is scheme one of the three user key schemes? */
bool daas_sui__scheme_ok(int scheme);
/* Public key length for a scheme (32 or 33). */
size_t daas_sui__pubkey_len(int scheme);
/* Calls sodium_init once. */
void daas_sui__sodium_init(void);

/* secp256r1 (OpenSSL) primitives, in ecdsa_r1.c. h is SHA-256 of the intent digest. */
DAAS_MUST_USE int daas_sui__r1_pubkey(const uint8_t secret[32], uint8_t pub[33]);
DAAS_MUST_USE int daas_sui__r1_sign(const daas_sui_key *k, const uint8_t h[32], uint8_t sig[64]);
/* DAAS_OK when valid and low-S; DAAS_EUNAUTH otherwise. */
DAAS_MUST_USE int daas_sui__r1_verify(const uint8_t pub[33], const uint8_t h[32],
                                      const uint8_t sig[64]);

#endif
