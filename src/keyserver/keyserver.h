/*
 * keyserver.h: a Seal key server (`daas keyserver`): one master key, one KeyServer object on
 * chain, Mysten's key-server HTTP protocol (POST /v1/fetch_key, GET /v1/service) so the
 * @mysten/seal SDK and Seal's Rust client can fetch derived keys from it.
 *
 * Owns:   daas_ks (the master key, its HTTP server, the caches of first package ids and the
 *         reference gas price, request counters), the master-key file, the registration of
 *         the KeyServer object.
 * Not:    Seal cryptography (seal/seal.h), the wire format (seal/proto.h), the chain client
 *         (sui/gql.h), KeyServer transactions (sui/pkg_seal.h).
 * Invariants:
 *   - the master key lives only in the daas_ks (wiped on free) and in the 0600 key file; it,
 *     derived keys and signatures never reach a log line or an error message;
 *   - a key is released only after every check of specs/seal.md §6.7 passed, in that order,
 *     and the policy's seal_approve* dry run succeeded with the certificate's user as sender;
 *   - every /v1 reply carries X-KeyServer-Version and X-KeyServer-GitVersion.
 * Thread: the server answers on its own worker threads; the handlers may block on the chain
 *         (one simulate per fetch_key). daas_ks_stop/free from the owning thread.
 * Spec:   specs/seal.md §5 (keys, PoP), §6 (HTTP API); docs/seal.md "Key server".
 */
#ifndef DAAS_KEYSERVER_KEYSERVER_H
#define DAAS_KEYSERVER_KEYSERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "seal/seal.h"
#include "sui/gql.h"
#include "sui/sui.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct daas_ks daas_ks;

#define DAAS_KS_DEFAULT_PORT 2024
#define DAAS_KS_STALENESS_MS 120000u  /* allowed full-node staleness (spec §6.8) */
#define DAAS_KS_GAS_BUDGET 500000000u /* dry-run budget (spec §6.8) */
#define DAAS_KS_RGP_REFRESH_MS 60000  /* reference gas price refresh */
#define DAAS_KS_KNOWN_PKGS 8

typedef struct daas_ks_config {
    const char *bind;                  /* listen address (default 127.0.0.1) */
    int port;                          /* 0: ephemeral (see daas_ks_port) */
    SSL_CTX *tls;                      /* borrowed, outlives the server; NULL: plain HTTP (tests) */
    int threads;                       /* HTTP workers (default 4) */
    uint8_t msk[DAAS_SEAL_SCALAR_LEN]; /* master key (copied; the caller wipes its own) */
    uint8_t object_id[DAAS_SEAL_ADDR_LEN]; /* the KeyServer object served by /v1/service */
    daas_sui_client *client;               /* borrowed chain client, outlives the server */
    bool has_seal_pkg; /* the chain has a Seal package: run the staleness check */
    uint8_t seal_pkg[DAAS_SEAL_ADDR_LEN];
    uint16_t ttl_max_min; /* longest certificate TTL accepted (0: 30) */
    /* Packages known to be published once (their own first version) without asking the
     * chain: the chain file's daas and Seal packages. The devnet runs them natively and has
     * no package objects to look up; at most DAAS_KS_KNOWN_PKGS, the rest ignored. */
    const uint8_t (*known_pkgs)[DAAS_SEAL_ADDR_LEN];
    size_t n_known_pkgs;
    int64_t (*now_ms)(void); /* clock seam for tests (NULL: daas_now_ms) */
} daas_ks_config;

/* Makes a key server (checks the master key, computes pk and the PoP; no socket yet).
 * Errors: DAAS_EINVAL (bad master key, missing client), the HTTP server's bind errors. */
DAAS_MUST_USE int daas_ks_new(const daas_ks_config *cfg, daas_ks **out, daas_err *err);
/* Starts answering (returns at once). */
DAAS_MUST_USE int daas_ks_start(daas_ks *ks, daas_err *err);
/* The bound port. */
int daas_ks_port(const daas_ks *ks);
/* The master public key (96 bytes, compressed G2). */
void daas_ks_public_key(const daas_ks *ks, uint8_t pk[DAAS_SEAL_G2_LEN]);
/* Stops answering, closes connections, joins threads. Idempotent. */
void daas_ks_stop(daas_ks *ks);
/* Stops, wipes the master key, frees; sets *ks NULL. Accepts NULL. */
void daas_ks_free(daas_ks **ks);

/*
 * Loads the master key from path, or creates it when path does not exist. An existing file
 * must have no group/other permission bits (mode 0600 or 0400) and hold 64 hex digits and an
 * optional newline, a non-zero scalar < r. A new file gets a fresh key, O_CREAT|O_EXCL, mode
 * 0600, fsync. *created (may be NULL) says which. Errors: DAAS_EDENIED (mode), DAAS_EINVAL
 * (content; the message never holds key bytes), DAAS_EIO / DAAS_EEXIST (file system).
 */
DAAS_MUST_USE int daas_ks_master_key(const char *path, uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                                     bool *created, daas_err *err);

/*
 * Makes sure key's address owns a KeyServer for pk named name at url: finds it
 * (daas_pkg_key_server_find) or creates it, and updates its URL when it changed. Writes its
 * object id; *action (may be NULL) is "created", "updated" or "found".
 */
DAAS_MUST_USE int daas_ks_register(daas_sui_client *c, const daas_sui_key *key,
                                   const uint8_t seal_pkg[DAAS_SEAL_ADDR_LEN], const char *name,
                                   const char *url, const uint8_t pk[DAAS_SEAL_G2_LEN],
                                   uint8_t id_out[DAAS_SEAL_ADDR_LEN], const char **action,
                                   daas_err *err);
/* Checks the KeyServer object id exists and its pk is pk. DAAS_EDENIED when it differs. */
DAAS_MUST_USE int daas_ks_verify_object(daas_sui_client *c, const uint8_t id[DAAS_SEAL_ADDR_LEN],
                                        const uint8_t pk[DAAS_SEAL_G2_LEN], daas_err *err);

#endif
