/*
 * sui.h: Sui keys, addresses, suiprivkey strings, the Sui CLI keystore, and intent signing.
 *
 * Owns:   daas_sui_key (a secret key of one scheme with its public key), the encodings of
 *         §2 (address, suiprivkey bech32, serialized signature) and the intent digests of §3.
 * Does not own: BCS and TransactionData (bcs.h, tx.h); RPC transports.
 * Invariants:
 *   - secret key bytes live only inside a daas_sui_key (wiped on free) or in caller buffers
 *     the caller wipes; they never appear in a daas_err message or a log line;
 *   - every signature this module produces is canonical (ECDSA low-S, compact r||s), and
 *     verification rejects anything else (wrong flag, wrong length, high S);
 *   - Ed25519 and secp256k1 signatures are deterministic; secp256r1 (OpenSSL 3.0) is not.
 * Thread: all functions are safe to call from any thread on distinct objects; a key may be
 *         used to sign from several threads at once (signing does not mutate it).
 * Spec:   specs/sui.md §2 (keys, addresses, suiprivkey, serialized signature), §3 (intent).
 */
#ifndef DAAS_SUI_SUI_H
#define DAAS_SUI_SUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/bcs.h" /* DAAS_SUI_ADDRESS_LEN, DAAS_SUI_DIGEST_LEN */

/* SPEC: specs/sui.md §2.1 signature-scheme flags (user key schemes only). */
enum {
    DAAS_SUI_ED25519 = 0x00,
    DAAS_SUI_SECP256K1 = 0x01,
    DAAS_SUI_SECP256R1 = 0x02,
};

#define DAAS_SUI_SECRET_LEN 32     /* Ed25519 seed or ECDSA big-endian scalar */
#define DAAS_SUI_ADDRESS_HEX_LEN 66 /* "0x" + 64 lowercase hex, without the NUL */
#define DAAS_SUI_PUBKEY_MAX 33     /* 32 for Ed25519, 33 (SEC1 compressed) for ECDSA */
#define DAAS_SUI_SIG_LEN 64        /* Ed25519 signature or compact ECDSA r||s */
#define DAAS_SUI_SERSIG_MAX 98     /* flag || sig || pubkey */
#define DAAS_SUI_PRIVKEY_STR_LEN 70 /* "suiprivkey1" + 59 bech32 characters, without NUL */

/* SPEC: specs/sui.md §3.1 intent scopes a user client uses. */
enum {
    DAAS_SUI_INTENT_TRANSACTION = 0,
    DAAS_SUI_INTENT_PERSONAL_MESSAGE = 3,
};

/* A public key with its scheme. Plain value; copy freely. */
typedef struct daas_sui_pubkey {
    uint8_t scheme;                     /* DAAS_SUI_ED25519 / SECP256K1 / SECP256R1 */
    uint8_t len;                        /* 32 (Ed25519) or 33 */
    uint8_t bytes[DAAS_SUI_PUBKEY_MAX]; /* raw public key (SEC1 compressed for ECDSA) */
} daas_sui_pubkey;

/* A parsed serialized signature (flag || sig || pubkey). Plain value. */
typedef struct daas_sui_sig {
    daas_sui_pubkey pub;               /* signer's public key; pub.scheme is the flag */
    uint8_t sig[DAAS_SUI_SIG_LEN];     /* Ed25519 signature or ECDSA r||s */
} daas_sui_sig;

/* An opaque secret key; wiped on free. */
typedef struct daas_sui_key daas_sui_key;

/* ---- keys (keys.c) ---- */

/* Makes a key of scheme from a 32-byte secret (Ed25519 seed or ECDSA scalar) into *out.
 * Errors: DAAS_EINVAL for an unknown scheme or an ECDSA scalar outside [1, n-1];
 * DAAS_ECRYPTO when the crypto library fails. The secret is copied; the caller wipes its own. */
DAAS_MUST_USE int daas_sui_key_from_secret(int scheme, const uint8_t secret[DAAS_SUI_SECRET_LEN],
                                           daas_sui_key **out, daas_err *err);
/* Generates a fresh key of scheme from the OS CSPRNG into *out. */
DAAS_MUST_USE int daas_sui_key_generate(int scheme, daas_sui_key **out, daas_err *err);
/* Wipes and frees *k, sets *k to NULL. Accepts NULL and *k == NULL. */
void daas_sui_key_free(daas_sui_key **k);
/* The key's scheme flag. */
int daas_sui_key_scheme(const daas_sui_key *k);
/* The key's public key; lives as long as k. */
const daas_sui_pubkey *daas_sui_key_public(const daas_sui_key *k);
/* The key's Sui address (32 bytes). */
void daas_sui_key_address(const daas_sui_key *k, uint8_t addr[DAAS_SUI_ADDRESS_LEN]);
/* Copies the 32 secret bytes into out (caller wipes them after use). */
void daas_sui_key_secret(const daas_sui_key *k, uint8_t out[DAAS_SUI_SECRET_LEN]);
/* A copy of k into *out (daas_sui_key_free). Errors: as daas_sui_key_from_secret. */
DAAS_MUST_USE int daas_sui_key_dup(const daas_sui_key *k, daas_sui_key **out, daas_err *err);
/* Constant-time: do a and b hold the same scheme and secret? */
bool daas_sui_key_equal(const daas_sui_key *a, const daas_sui_key *b);

/* Writes "suiprivkey1…" (70 chars + NUL) for k into out. Secret: the caller wipes out. */
void daas_sui_key_to_privkey(const daas_sui_key *k, char out[DAAS_SUI_PRIVKEY_STR_LEN + 1]);
/* Parses a "suiprivkey1…" string (checksum, HRP, flag and key checked) into *out.
 * Errors: DAAS_EINVAL with a message that never contains key bytes. */
DAAS_MUST_USE int daas_sui_key_from_privkey(const char *s, daas_sui_key **out, daas_err *err);

/* ---- addresses and public keys (keys.c) ---- */

/* address = BLAKE2b-256(flag || pubkey). SPEC: specs/sui.md §2.2 */
void daas_sui_pubkey_address(const daas_sui_pubkey *pk, uint8_t addr[DAAS_SUI_ADDRESS_LEN]);
/* "0x" + 64 lowercase hex into out (67 bytes with the NUL). */
void daas_sui_address_hex(const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                          char out[DAAS_SUI_ADDRESS_HEX_LEN + 1]);
/* Parses "0x…" (1..64 hex digits, either case, left-padded with zeros) into addr. */
DAAS_MUST_USE int daas_sui_address_parse(const char *s, uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                                         daas_err *err);
/* Base64 of flag || pubkey (the CLI's "public_key_base64"); caller frees with daas_free. */
char *daas_sui_pubkey_base64(const daas_sui_pubkey *pk);
/* Parses base64 of flag || pubkey (flag and length checked; the point is not validated). */
DAAS_MUST_USE int daas_sui_pubkey_from_base64(const char *s, daas_sui_pubkey *out,
                                              daas_err *err);

/* ---- intent messages and signatures (sign.c) ---- */

/* digest = BLAKE2b-256([scope, 0, 0] || value). value is the BCS value (tx bytes as-is).
 * SPEC: specs/sui.md §3.2 */
void daas_sui_intent_digest(uint8_t scope, daas_bytes value, uint8_t digest[DAAS_SUI_DIGEST_LEN]);
/* Digest of a personal message: scope 3 over BCS vector<u8>(msg). */
void daas_sui_personal_message_digest(daas_bytes msg, uint8_t digest[DAAS_SUI_DIGEST_LEN]);
/* The digest a transaction signature signs: intent scope 0 over the raw TransactionData
 * bytes. Not the transaction ID: that is daas_sui_tx_digest (tx.h). */
void daas_sui_transaction_signing_digest(daas_bytes tx_bytes, uint8_t digest[DAAS_SUI_DIGEST_LEN]);

/* Signs a 32-byte intent digest; writes flag || sig || pubkey into out and its length into
 * *out_len (97 or 98). Errors: DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_sui_sign_digest(const daas_sui_key *k,
                                       const uint8_t digest[DAAS_SUI_DIGEST_LEN],
                                       uint8_t out[DAAS_SUI_SERSIG_MAX], size_t *out_len,
                                       daas_err *err);
/* Signs a personal message / transaction bytes; *b64_out is the base64 serialized signature
 * (caller frees with daas_free). */
DAAS_MUST_USE int daas_sui_sign_personal_message(const daas_sui_key *k, daas_bytes msg,
                                                 char **b64_out, daas_err *err);
DAAS_MUST_USE int daas_sui_sign_transaction(const daas_sui_key *k, daas_bytes tx_bytes,
                                            char **b64_out, daas_err *err);

/* Parses raw flag || sig || pubkey bytes (flag and exact length checked). DAAS_EINVAL. */
DAAS_MUST_USE int daas_sui_sig_parse(daas_bytes raw, daas_sui_sig *out, daas_err *err);
/* Parses the base64 form. DAAS_EINVAL. */
DAAS_MUST_USE int daas_sui_sig_parse_base64(const char *b64, daas_sui_sig *out, daas_err *err);

/* Verifies a parsed signature over a digest: flag, key, signature, low-S for ECDSA.
 * On success writes the signer's address into addr (may be NULL).
 * Errors: DAAS_EUNAUTH (bad signature / high S / bad key), DAAS_EINVAL (malformed). */
DAAS_MUST_USE int daas_sui_verify_digest(const daas_sui_sig *sig,
                                         const uint8_t digest[DAAS_SUI_DIGEST_LEN],
                                         uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err);
/* Verifies a base64 serialized signature over a personal message / transaction bytes. */
DAAS_MUST_USE int daas_sui_verify_personal_message(const char *b64sig, daas_bytes msg,
                                                   uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                                                   daas_err *err);
DAAS_MUST_USE int daas_sui_verify_transaction(const char *b64sig, daas_bytes tx_bytes,
                                              uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err);

/* ---- the Sui CLI keystore (keystore.c) ----
 * sui.keystore: JSON array of base64(flag || 32-byte secret).
 * sui.aliases:  JSON array of {"alias": "...", "public_key_base64": base64(flag || pubkey)}. */

typedef struct daas_sui_keystore daas_sui_keystore;

/* An empty keystore. */
daas_sui_keystore *daas_sui_keystore_new(void);
/* Wipes and frees *ks (and its keys), sets *ks to NULL. Accepts NULL. */
void daas_sui_keystore_free(daas_sui_keystore **ks);
/* Parses sui.keystore JSON text (len bytes) into *out. Errors: DAAS_EINVAL naming the bad
 * entry's index ("keystore entry 3: ..."), never its bytes. */
DAAS_MUST_USE int daas_sui_keystore_parse(const char *json, size_t len, daas_sui_keystore **out,
                                          daas_err *err);
/* Reads and parses the file at path (DAAS_ENOTFOUND / DAAS_EIO / DAAS_EINVAL). */
DAAS_MUST_USE int daas_sui_keystore_load(const char *path, daas_sui_keystore **out,
                                         daas_err *err);
/* Applies sui.aliases JSON text: sets the alias of each key whose public key matches.
 * Entries for keys not in the store are ignored. Errors: DAAS_EINVAL naming the entry. */
DAAS_MUST_USE int daas_sui_keystore_parse_aliases(daas_sui_keystore *ks, const char *json,
                                                  size_t len, daas_err *err);
/* Adds a copy of k with alias (may be NULL; else a letter, then letters, digits, '-', '_':
 * DAAS_EINVAL otherwise). DAAS_EEXIST if the key or alias is present. */
DAAS_MUST_USE int daas_sui_keystore_add(daas_sui_keystore *ks, const daas_sui_key *k,
                                        const char *alias, daas_err *err);
/* Number of keys; the i-th key (borrowed) and its alias (NULL when none). */
size_t daas_sui_keystore_count(const daas_sui_keystore *ks);
const daas_sui_key *daas_sui_keystore_key(const daas_sui_keystore *ks, size_t i);
const char *daas_sui_keystore_alias(const daas_sui_keystore *ks, size_t i);
/* The key with this address or alias, or NULL. Borrowed. */
const daas_sui_key *daas_sui_keystore_find_address(const daas_sui_keystore *ks,
                                                   const uint8_t addr[DAAS_SUI_ADDRESS_LEN]);
const daas_sui_key *daas_sui_keystore_find_alias(const daas_sui_keystore *ks, const char *alias);
/* Renders sui.keystore JSON (secret; caller wipes and frees) and sui.aliases JSON. */
char *daas_sui_keystore_render(const daas_sui_keystore *ks, size_t *len_out);
char *daas_sui_keystore_render_aliases(const daas_sui_keystore *ks, size_t *len_out);
/* Writes the keystore to path atomically with mode 0600 (temp file + rename). */
DAAS_MUST_USE int daas_sui_keystore_save(const daas_sui_keystore *ks, const char *path,
                                         daas_err *err);
/* $DAAS_KEYSTORE, else $HOME/.sui/sui_config/sui.keystore (the Sui CLI's). Caller frees. */
char *daas_sui_keystore_default_path(void);
/* Loads the keystore at path and, when present, sui.aliases in the same directory. */
DAAS_MUST_USE int daas_sui_keystore_load_with_aliases(const char *path, daas_sui_keystore **out,
                                                      daas_err *err);
/* Adds k (alias may be NULL) to the keystore file at path (NULL: the default path), creating
 * the file and its directory when missing, and rewrites sui.aliases next to it. DAAS_EEXIST
 * when the key or alias is already there. */
DAAS_MUST_USE int daas_sui_keystore_store_key(const char *path, const daas_sui_key *k,
                                              const char *alias, daas_err *err);

#endif
