/*
 * client.h: the Seal client: session keys certified by the caller's Sui key, fetching derived
 * keys from t of n key servers concurrently, verifying and caching them, and opening
 * EncryptedObjects with them.
 *
 * Owns:   daas_seal_session (an Ed25519 session key and its signed certificate),
 *         daas_seal_client (the key servers, an HTTP client, the per-identity key cache).
 * Not:    the wire format (seal/proto.h), the cryptography (seal/seal.h), building the
 *         seal_approve PTB (sui/pkg_seal.h).
 * Invariants:
 *   - a derived key enters the cache only after it verified against its server's public key
 *     and the identity (pairing check); a key server that answers with a key that does not
 *     verify is counted as failed, never used;
 *   - the servers of one fetch are asked concurrently; the fetch stops as soon as the keys
 *     held cover the threshold (weights counted as share entries) for every identity;
 *   - session secrets and derived keys never appear in messages or logs, and are wiped when
 *     freed.
 * Thread: a client may be shared between threads (the cache has a lock); a session may be
 *         used by several threads once created.
 * Spec:   specs/seal.md §6.3-§6.9 (request, certificate, signatures, response), §4.
 */
#ifndef DAAS_SEAL_CLIENT_H
#define DAAS_SEAL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "seal/seal.h"
#include "sui/sui.h"

#define DAAS_SEAL_CLIENT_MAX_SERVERS 32
#define DAAS_SEAL_URL_MAX 512

/* A key server as a client knows it: its object, public key and URL. */
typedef struct daas_seal_ks {
    uint8_t object_id[DAAS_SEAL_ADDR_LEN];
    uint8_t pk[DAAS_SEAL_G2_LEN];
    char url[DAAS_SEAL_URL_MAX]; /* "https://host:port" (no trailing slash needed) */
} daas_seal_ks;

typedef struct daas_seal_session daas_seal_session;

/* A session key for package_id (the first package version), valid ttl_min minutes (1..30),
 * certified by user (its personal-message signature). Errors: DAAS_EINVAL, DAAS_ECRYPTO. */
DAAS_MUST_USE int daas_seal_session_new(const daas_sui_key *user,
                                        const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                                        uint16_t ttl_min, daas_seal_session **out,
                                        daas_err *err);
/* True when fewer than margin_ms remain of the session's life at now_ms. */
bool daas_seal_session_expiring(const daas_seal_session *s, int64_t now_ms, int64_t margin_ms);
void daas_seal_session_free(daas_seal_session **s);

/* Appends the JSON body of one POST /v1/fetch_key for ptb under session s: a fresh ElGamal
 * key (its secret into sk, to open the reply), the session's signature over RequestFormat,
 * the certificate. */
DAAS_MUST_USE int daas_seal_session_request(const daas_seal_session *s, daas_bytes ptb,
                                            uint8_t sk[DAAS_SEAL_SCALAR_LEN], daas_buf *out,
                                            daas_err *err);

typedef struct daas_seal_client_opts {
    const daas_seal_ks *servers; /* every key server the client may ask */
    size_t nservers;             /* 1..DAAS_SEAL_CLIENT_MAX_SERVERS */
    const char *ca_file;         /* PEM trusted for https key servers; NULL: system store */
    int timeout_ms;              /* per request; 0: 10 000 (the TS SDK's) */
} daas_seal_client_opts;

typedef struct daas_seal_client daas_seal_client;

/* Copies the options. DAAS_EINVAL on a bad list (duplicate object ids, bad pk, bad URL). */
DAAS_MUST_USE int daas_seal_client_new(const daas_seal_client_opts *o, daas_seal_client **out,
                                       daas_err *err);
void daas_seal_client_free(daas_seal_client **c);

/*
 * Makes sure the cache holds, for identity (package_id || id), derived keys from servers
 * covering threshold entries of services (an object's service list). Missing keys are
 * fetched with one POST /v1/fetch_key per server, all at once, carrying ptb (the
 * seal_approve PTB for this id, BCS without the kind tag).
 * Errors: DAAS_EDENIED when key servers refused ("key servers refused: NoAccess: Access
 * denied: … (2 of 3)"), DAAS_EUNAVAIL when too few answered ("1 of 3 key servers answered,
 * need 2: 0x…: connection refused"), DAAS_EINVAL (a service not in the client's list).
 */
DAAS_MUST_USE int daas_seal_client_fetch(daas_seal_client *c, daas_seal_session *s,
                                         daas_bytes ptb,
                                         const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                                         daas_bytes id, const daas_seal_service *services,
                                         size_t nservices, uint8_t threshold, daas_err *err);

/* Opens o with the cached keys for its identity (daas_seal_client_fetch first), running the
 * consistency check with the client's public keys. Errors as daas_seal_decrypt. */
DAAS_MUST_USE int daas_seal_client_decrypt(daas_seal_client *c, const daas_seal_object *o,
                                           daas_buf *out, daas_err *err);

/* The cached verified keys for an identity, at most max (for daas_seal_kube_unseal). Returns
 * how many were written. */
size_t daas_seal_client_keys(daas_seal_client *c, const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                             daas_bytes id, daas_seal_derived *out, size_t max);

/* The client's servers as daas_seal_server (object id, pk), for consistency checks. */
size_t daas_seal_client_servers(const daas_seal_client *c, daas_seal_server *out, size_t max);

/* Forgets every cached key (wiped). */
void daas_seal_client_forget(daas_seal_client *c);

#endif
