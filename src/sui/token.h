/*
 * token.h: the wallet-signed bearer token `daas auth token` prints and the API server checks.
 *
 * Owns:   the token format: making (signing) a token, parsing one strictly, verifying its
 *         signature and signer.
 * Not:    policy (which cluster, how long, replay, stake: api/authn_sui.c); where keys come
 *         from (keyspec.h).
 * Format: the signed Sui personal message is the ASCII text
 *             daas-auth:v1:<cluster-id>:<address>:<expiry-ms>:<nonce>
 *         cluster-id [A-Za-z0-9._-]{1,64}; address "0x" + 64 lowercase hex; expiry-ms the
 *         expiry in Unix milliseconds, decimal without leading zeros (at most 15 digits);
 *         nonce 32 lowercase hex (16 random bytes). The token is
 *             "daas-sui.v1." base64url(message) "." base64url(flag || sig || pubkey)
 *         with the unpadded URL-safe alphabet, each part in its one canonical encoding.
 * Invariants:
 *   - a token is at most DAAS_SUI_TOKEN_MAX bytes; nothing longer is decoded;
 *   - error messages never contain token text (only field names and public values that
 *     passed their charset check, like a cluster id or an address);
 *   - a parsed token's message is exactly the bytes the signature is checked over.
 * Spec:   ARCHITECTURE.md §3.1; specs/sui.md §3 (personal-message intent, scope 3).
 */
#ifndef DAAS_SUI_TOKEN_H
#define DAAS_SUI_TOKEN_H

#include <stdint.h>

#include "sui/sui.h"

#define DAAS_SUI_TOKEN_PREFIX "daas-sui.v1."
#define DAAS_SUI_TOKEN_MAX 1024        /* bytes of a whole token string */
#define DAAS_SUI_TOKEN_MSG_MAX 256     /* bytes of a decoded message (the longest is 197) */
#define DAAS_SUI_CLUSTER_ID_MAX 64     /* characters of a cluster id */
#define DAAS_SUI_NONCE_LEN 16          /* random bytes in a nonce (32 hex digits) */

/* A parsed (not yet verified) token. Plain value; public data only. */
typedef struct daas_sui_token {
    char cluster_id[DAAS_SUI_CLUSTER_ID_MAX + 1]; /* checked charset, NUL-terminated */
    uint8_t address[DAAS_SUI_ADDRESS_LEN];        /* the address the message claims */
    int64_t expiry_ms;                            /* Unix milliseconds, > 0 */
    uint8_t nonce[DAAS_SUI_NONCE_LEN];
    char msg[DAAS_SUI_TOKEN_MSG_MAX + 1]; /* the signed message text, NUL-terminated */
    size_t msg_len;
    daas_sui_sig sig; /* the serialized signature, parsed (flag and length checked) */
} daas_sui_token;

/* True when s is a valid cluster id ([A-Za-z0-9._-]{1,64}). */
bool daas_sui_token_cluster_id_ok(const char *s);

/* Signs a token for cluster_id, valid from now_ms for ttl_ms (> 0), with a fresh random
 * nonce. *token_out is a new string (daas_free) and *expiry_ms_out its expiry (now + ttl).
 * No network, no file. Errors: DAAS_EINVAL (bad cluster id, ttl <= 0 or expiry out of
 * range), DAAS_ECRYPTO (signing failed). */
DAAS_MUST_USE int daas_sui_token_make(const daas_sui_key *k, const char *cluster_id,
                                      int64_t now_ms, int64_t ttl_ms, char **token_out,
                                      int64_t *expiry_ms_out, daas_err *err);

/* Parses tok[0..len) strictly: the prefix, sizes, both base64url parts (canonical, no
 * padding), the message's six fields and their charsets, the signature's flag and length.
 * Errors: DAAS_EINVAL "token ...: <what is wrong>" (never the token's bytes). */
DAAS_MUST_USE int daas_sui_token_parse(const char *tok, size_t len, daas_sui_token *out,
                                       daas_err *err);

/* Verifies the signature over the message (personal-message intent) and that the signer's
 * address is the message's address. Errors: DAAS_EUNAUTH ("token signature does not
 * verify", "token is signed by 0x…, not by 0x…"). */
DAAS_MUST_USE int daas_sui_token_verify(const daas_sui_token *t, daas_err *err);

#endif
