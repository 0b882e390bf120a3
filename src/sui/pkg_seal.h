/*
 * pkg_seal.h: the chain side of Seal: KeyServer objects of the Seal package (key_server
 * module; on the devnet a native twin at the chain's seal_package address) and the daas
 * package's `secret_policy` module (DecryptionPolicy, access tickets, the seal_approve PTB).
 *
 * Owns:   daas_pkg_key_server and daas_pkg_policy (values read from the chain), the
 *         transactions that create and use them, and the BCS of the seal_approve PTB a Seal
 *         client sends to key servers.
 * Not:    the Seal cryptography (seal/seal.h), the key-server HTTP protocol (seal/proto.h).
 * Invariants:
 *   - as pkg.h: every transaction is dry-run first; an abort is DAAS_EFAILED naming module,
 *     function, code and its name (EUsageLimit, ...), nothing spent;
 *   - objects read from the chain are untrusted: wrong lengths, a pk that is not 96 bytes or
 *     a missing field are DAAS_EREMOTE, never a crash or a silently zero field.
 * Spec:   move/README.md `secret_policy`; specs/seal.md §7.1 (KeyServer, KeyServerV2), §6.4
 *         (the PTB rules), §6.8 (staleness check).
 */
#ifndef DAAS_SUI_PKG_SEAL_H
#define DAAS_SUI_PKG_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/gql.h"
#include "sui/pkg.h"
#include "sui/sui.h"

#define DAAS_PKG_SEAL_PK_LEN 96
#define DAAS_PKG_KS_NAME_MAX 128
#define DAAS_PKG_KS_URL_MAX 512
#define DAAS_PKG_POLICY_MAX_NODES 64

/* A KeyServer (Independent, key type 0) as read from the chain (its newest supported
 * version: V2, else V1). */
typedef struct daas_pkg_key_server {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    char name[DAAS_PKG_KS_NAME_MAX + 1];
    char url[DAAS_PKG_KS_URL_MAX + 1];
    uint8_t pk[DAAS_PKG_SEAL_PK_LEN];
} daas_pkg_key_server;

/* Creates a KeyServer owned by key's address with
 * SEAL::key_server::create_and_transfer_v2_independent_server(name, url, 0, pk); writes its
 * object id. */
DAAS_MUST_USE int daas_pkg_key_server_create(daas_sui_client *c, const daas_sui_key *key,
                                             const uint8_t seal_pkg[DAAS_SUI_ADDRESS_LEN],
                                             const char *name, const char *url,
                                             const uint8_t pk[DAAS_PKG_SEAL_PK_LEN],
                                             uint8_t id_out[DAAS_SUI_ADDRESS_LEN],
                                             daas_err *err);

/* Sets the URL of a KeyServer owned by key's address (SEAL::key_server::update). */
DAAS_MUST_USE int daas_pkg_key_server_set_url(daas_sui_client *c, const daas_sui_key *key,
                                              const uint8_t seal_pkg[DAAS_SUI_ADDRESS_LEN],
                                              const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                              const char *url, daas_err *err);

/* Reads a KeyServer. DAAS_ENOTFOUND, DAAS_EREMOTE (not a KeyServer / malformed). */
DAAS_MUST_USE int daas_pkg_key_server_get(daas_sui_client *c,
                                          const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                          daas_pkg_key_server *out, daas_err *err);

/* Finds the KeyServer owned by owner whose pk is pk (a restarted key server reuses its
 * object). DAAS_ENOTFOUND when there is none. */
DAAS_MUST_USE int daas_pkg_key_server_find(daas_sui_client *c,
                                           const uint8_t seal_pkg[DAAS_SUI_ADDRESS_LEN],
                                           const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                                           const uint8_t pk[DAAS_PKG_SEAL_PK_LEN],
                                           uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err);

/* What create_policy takes (move/README.md `secret_policy::create_policy`). */
typedef struct daas_pkg_policy_params {
    uint64_t required_stake;                 /* MIST the caller must have staked */
    size_t nallowed;                         /* 0: any staked node */
    uint8_t allowed[DAAS_PKG_POLICY_MAX_NODES][DAAS_SUI_ADDRESS_LEN];
    uint64_t not_before_ms, not_after_ms;    /* clock window; not_after 0: open-ended */
    uint64_t max_uses;                       /* 0: unlimited */
    uint64_t ticket_ttl_ms;                  /* lifetime of an access ticket */
} daas_pkg_policy_params;

/* A DecryptionPolicy as read from the chain. */
typedef struct daas_pkg_policy {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    uint64_t isv;                 /* initial shared version */
    uint8_t admin[DAAS_SUI_ADDRESS_LEN];
    daas_pkg_policy_params params;
    uint64_t uses;
} daas_pkg_policy;

/* Creates a shared DecryptionPolicy administered by key's address; writes its id. */
DAAS_MUST_USE int daas_pkg_policy_create(daas_sui_client *c, const daas_sui_key *key,
                                         const daas_pkg *pkg, const daas_pkg_policy_params *p,
                                         uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err);

/* Reads a DecryptionPolicy. DAAS_ENOTFOUND, DAAS_EREMOTE. */
DAAS_MUST_USE int daas_pkg_policy_get(daas_sui_client *c, const daas_pkg *pkg,
                                      const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                      daas_pkg_policy *out, daas_err *err);

/* request_access(policy, pool, clock): counts one use and sends the caller an AccessTicket
 * numbered with it; writes the ticket's object id. It checks no rule of the policy: stake,
 * allow-list, window and usage limit are seal_approve's (EInsufficientStake, ENotAllowed,
 * EOutsideWindow, EUsageLimit from the key servers' dry run). */
DAAS_MUST_USE int daas_pkg_policy_request_access(daas_sui_client *c, const daas_sui_key *key,
                                                 const daas_pkg *pkg,
                                                 const uint8_t policy[DAAS_SUI_ADDRESS_LEN],
                                                 uint8_t ticket_out[DAAS_SUI_ADDRESS_LEN],
                                                 daas_err *err);

/*
 * Appends BCS(ProgrammableTransaction) (no TransactionKind tag: what fetch_key's "ptb"
 * carries) with one `PKG::secret_policy::seal_approve(id, policy, ticket, pool, clock)` call
 * per inner id, every argument an Input (spec §6.4). The policy's isv comes from pol; the
 * ticket is an owned object whose version and digest are read from the chain.
 */
DAAS_MUST_USE int daas_pkg_policy_approve_ptb(daas_sui_client *c, const daas_pkg *pkg,
                                              const daas_pkg_policy *pol,
                                              const uint8_t ticket[DAAS_SUI_ADDRESS_LEN],
                                              const daas_bytes *ids, size_t nids,
                                              daas_buf *out, daas_err *err);

#endif
