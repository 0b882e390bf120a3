/*
 * proto.h: the Seal key-server HTTP protocol as data: the fetch_key request and response,
 * the certificate, the personal-message text the user signs, the bytes the session key
 * signs, /v1/service replies, the error table and the header names. Shared by the key
 * server (keyserver/) and the client (seal/client.h).
 *
 * Owns:   daas_seal_fetch_req, daas_seal_fetch_resp (parsed values own their memory; release
 *         with their _fini), the JSON renderers and parsers of spec §6.3/§6.9/§6.10/§6.11.
 * Not:    cryptography (seal/seal.h), HTTP transport, PTB validation or the policy dry run
 *         (keyserver/), Sui signatures (sui/sui.h).
 * Invariants:
 *   - parsers are strict: every field present with its JSON type, exact byte lengths, base64
 *     standard with padding and canonical (re-encoding gives the input back), addresses
 *     "0x" + 64 hex; a failure is DAAS_EINVAL naming the field (never echoing secrets);
 *     unknown fields are ignored (serde's default), duplicate fields are refused;
 *   - on error an out-struct is left zeroed with nothing allocated;
 *   - rendering what a parser accepted and parsing it again gives the same value.
 * Spec:   ../shared/specs/seal.md §6.2 (headers), §6.3 (request), §6.5 (personal message),
 *         §6.6 (RequestFormat), §6.9 (response), §6.10 (/v1/service), §6.11 (errors),
 *         §8.6 (vectors).
 */
#ifndef DAAS_SEAL_PROTO_H
#define DAAS_SEAL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "seal/seal.h"

/* SPEC: specs/seal.md §6.2 headers. */
#define DAAS_SEAL_HDR_SDK_VERSION "Client-Sdk-Version"
#define DAAS_SEAL_HDR_SDK_TYPE "Client-Sdk-Type"
#define DAAS_SEAL_HDR_REQUEST_ID "Request-Id"
#define DAAS_SEAL_HDR_KS_VERSION "X-KeyServer-Version"
#define DAAS_SEAL_HDR_KS_GIT_VERSION "X-KeyServer-GitVersion"
/* The key-server version we claim to be compatible with (the Rust crate's). */
#define DAAS_SEAL_KS_VERSION "0.6.10"

/* SPEC: specs/seal.md §6.13 limits. */
#define DAAS_SEAL_MAX_BODY (180u * 1024u) /* request body bytes */
#define DAAS_SEAL_MAX_COMMANDS 100u       /* commands of a fetch_key PTB */
#define DAAS_SEAL_TTL_MAX_MIN 30u         /* session_key_ttl_max */
#define DAAS_SEAL_MAX_PTB (128u * 1024u)  /* decoded PTB bytes (Sui's tx limit) */
#define DAAS_SEAL_MAX_SIG_B64 16384u      /* Sui signature text (zkLogin is ~1-2 KiB) */
#define DAAS_SEAL_MAX_MVR 256u            /* mvr_name bytes */

#define DAAS_SEAL_SESSION_VK_LEN 32  /* Ed25519 public key */
#define DAAS_SEAL_SESSION_SIG_LEN 64 /* Ed25519 signature */

/* The certificate a wallet signs for a session key (spec §6.3). */
typedef struct daas_seal_certificate {
    uint8_t user[DAAS_SEAL_ADDR_LEN];             /* the user's Sui address */
    uint8_t session_vk[DAAS_SEAL_SESSION_VK_LEN]; /* Ed25519 session public key */
    uint64_t creation_time;                       /* milliseconds since the epoch */
    uint16_t ttl_min;                             /* minutes */
    char *signature; /* base64 Sui serialized signature over the personal message (owned) */
    char *mvr_name;  /* owned; NULL when absent or null */
} daas_seal_certificate;

/* POST /v1/fetch_key body (spec §6.3). */
typedef struct daas_seal_fetch_req {
    uint8_t *ptb; /* BCS(ProgrammableTransaction), no TransactionKind tag (owned) */
    size_t ptb_len;
    uint8_t enc_key[DAAS_SEAL_G1_LEN];                    /* ElGamal pk, sk·G1 */
    uint8_t enc_vk[DAAS_SEAL_G2_LEN];                     /* enc_verification_key, sk·G2 */
    uint8_t request_signature[DAAS_SEAL_SESSION_SIG_LEN]; /* Ed25519 over RequestFormat */
    daas_seal_certificate cert;
} daas_seal_fetch_req;

/* Parses a fetch_key body. Errors: DAAS_EINVAL "<field>: <what is wrong>" (e.g.
 * "certificate.ttl_min: not an integer in 0..65535", "enc_key: want 48 bytes, got 47"),
 * DAAS_ETOOBIG when the body is over DAAS_SEAL_MAX_BODY. */
DAAS_MUST_USE int daas_seal_fetch_req_parse(daas_bytes json, daas_seal_fetch_req *out,
                                            daas_err *err);
/* Appends the JSON of r to out (mvr_name omitted when NULL, as the TS SDK does).
 * DAAS_EINVAL when a string field is NULL; DAAS_ETOOBIG on out's cap. */
DAAS_MUST_USE int daas_seal_fetch_req_render(const daas_seal_fetch_req *r, daas_buf *out,
                                             daas_err *err);
/* Frees what r owns and zeroes it. Accepts a zeroed struct. */
void daas_seal_fetch_req_fini(daas_seal_fetch_req *r);

/* One derived key as it travels: the full id and the ElGamal encryption (c1, c2) of usk. */
typedef struct daas_seal_key_reply {
    uint8_t *id; /* full id: first package id || inner id (owned when parsed) */
    size_t id_len;
    uint8_t c1[DAAS_SEAL_G1_LEN];
    uint8_t c2[DAAS_SEAL_G1_LEN];
} daas_seal_key_reply;

/* A fetch_key response (spec §6.9). */
typedef struct daas_seal_fetch_resp {
    daas_seal_key_reply *keys; /* owned */
    size_t nkeys;
} daas_seal_fetch_resp;

/* Appends {"decryption_keys":[{"id":[...],"encrypted_key":["c1","c2"]},...]} to out. */
DAAS_MUST_USE int daas_seal_fetch_resp_render(const daas_seal_key_reply *keys, size_t n,
                                              daas_buf *out, daas_err *err);
/* Parses a response (at most DAAS_SEAL_MAX_COMMANDS keys, ids of 32..32+DAAS_SEAL_MAX_ID
 * bytes). DAAS_EINVAL naming the field. */
DAAS_MUST_USE int daas_seal_fetch_resp_parse(daas_bytes json, daas_seal_fetch_resp *out,
                                             daas_err *err);
void daas_seal_fetch_resp_fini(daas_seal_fetch_resp *r);

/* GET /v1/service reply {"service_id":"0x…","pop":"<base64 G1>"} (spec §6.10). */
DAAS_MUST_USE int daas_seal_service_render(const uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                                           const uint8_t pop[DAAS_SEAL_G1_LEN], daas_buf *out,
                                           daas_err *err);
DAAS_MUST_USE int daas_seal_service_parse(daas_bytes json, uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                                          uint8_t pop[DAAS_SEAL_G1_LEN], daas_err *err);

/*
 * Appends the text the wallet signs (spec §6.5):
 *   "Accessing keys of package {PKG} for {TTL} mins from {TIME}, session key {VK}"
 * PKG = mvr_name when not NULL, else first_pkg as 0x + 64 lowercase hex; TIME =
 * creation_time/1000 as "YYYY-MM-DD HH:MM:SS UTC"; VK = base64 of the session key.
 * DAAS_EINVAL when the time is past year 9999.
 */
DAAS_MUST_USE int daas_seal_personal_message(const uint8_t first_pkg[DAAS_SEAL_ADDR_LEN],
                                             const char *mvr_name, uint16_t ttl_min,
                                             uint64_t creation_time_ms,
                                             const uint8_t vk[DAAS_SEAL_SESSION_VK_LEN],
                                             daas_buf *out, daas_err *err);

/* Appends RequestFormat = uleb(len ptb) || ptb || 0x30 || enc_key || 0x60 || enc_vk, the
 * bytes the session key signs (spec §6.6). */
DAAS_MUST_USE int daas_seal_request_format(daas_bytes ptb, const uint8_t enc_key[DAAS_SEAL_G1_LEN],
                                           const uint8_t enc_vk[DAAS_SEAL_G2_LEN], daas_buf *out,
                                           daas_err *err);

/* SPEC: specs/seal.md §6.11 the key server's error names. */
typedef enum daas_seal_errcode {
    DAAS_SEAL_E_NONE = 0,
    DAAS_SEAL_E_INVALID_PTB,
    DAAS_SEAL_E_INVALID_PACKAGE,
    DAAS_SEAL_E_NO_ACCESS,
    DAAS_SEAL_E_INVALID_CERTIFICATE,
    DAAS_SEAL_E_INVALID_SIGNATURE,
    DAAS_SEAL_E_INVALID_SESSION_SIGNATURE,
    DAAS_SEAL_E_INVALID_PARAMETER,
    DAAS_SEAL_E_INVALID_MVR_NAME,
    DAAS_SEAL_E_INVALID_SDK_TYPE,
    DAAS_SEAL_E_INVALID_SDK_VERSION,
    DAAS_SEAL_E_MISSING_REQUIRED_HEADER,
    DAAS_SEAL_E_INVALID_SERVICE_ID,
    DAAS_SEAL_E_UNSUPPORTED_PACKAGE_ID,
    DAAS_SEAL_E_DEPRECATED_SDK_VERSION,
    DAAS_SEAL_E_FAILURE,
    DAAS_SEAL_E_UNKNOWN, /* a name this table does not know (client side) */
} daas_seal_errcode;

/* "InvalidPTB", ...; "Unknown" for DAAS_SEAL_E_UNKNOWN and out-of-range values. */
const char *daas_seal_error_name(daas_seal_errcode e);
/* 403, 400, 426 or 503; 500 for NONE/UNKNOWN. */
int daas_seal_error_http(daas_seal_errcode e);
/* The daas code a client reports for e: EDENIED (403 family), EINVAL (400/426),
 * EUNAVAIL (Failure), EREMOTE (unknown). */
int daas_seal_error_daas_code(daas_seal_errcode e);
/* Appends {"error":"<name>","message":"<text>"}; detail fills the {detail} of InvalidPTB,
 * NoAccess and InvalidParameter (NULL: empty) and is ignored by the others. */
DAAS_MUST_USE int daas_seal_error_render(daas_seal_errcode e, const char *detail, daas_buf *out,
                                         daas_err *err);
/* Parses an error body: *code (DAAS_SEAL_E_UNKNOWN for an unknown name) and the message,
 * truncated to msgsz - 1 bytes, into msg. DAAS_EINVAL when the body is not such an object. */
DAAS_MUST_USE int daas_seal_error_parse(daas_bytes json, daas_seal_errcode *code, char *msg,
                                        size_t msgsz, daas_err *err);

/* Strict base64 (standard alphabet, padded, canonical) of exactly want bytes into out.
 * DAAS_EINVAL "<what>: ..." otherwise. */
DAAS_MUST_USE int daas_seal_b64_exact(const char *s, const char *what, uint8_t *out, size_t want,
                                      daas_err *err);

#endif
