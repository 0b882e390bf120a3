/*
 * vault.h: private keys at rest as Seal EncryptedObjects: the cluster CA key and the API
 * server's TLS key never rest in plaintext once a cluster has key servers; they are sealed
 * under the control-plane DecryptionPolicy (whose allow-list names the server's Sui address)
 * and opened at start with keys from t of n key servers (ARCHITECTURE.md §3.4 step 4).
 *
 * Owns:   the sealed key file: "<path>.sealed", mode 0600, one EncryptedObject (AES-256-GCM)
 *         with identity = control-plane policy id || the first 16 bytes of
 *         SHA-256("daas-key:" || basename(path)), AAD "daas-key:" || basename(path).
 * Invariants: plaintext keys exist in memory only (wiped buffers); a sealed file is written
 *         atomically; the AAD binds a sealed key to its file name, so ca.key.sealed cannot
 *         be swapped in for server.key.sealed.
 * Thread: one thread at a time (server start).
 */
#ifndef DAAS_SEAL_VAULT_H
#define DAAS_SEAL_VAULT_H

#include "common/alloc.h"
#include "common/err.h"
#include "seal/config.h"
#include "seal/open.h"

typedef struct daas_seal_vault daas_seal_vault;

/* key, chain, pkg and cfg as daas_seal_opener_new (borrowed); policy: the control-plane
 * DecryptionPolicy. */
DAAS_MUST_USE int daas_seal_vault_new(const daas_sui_key *key, daas_sui_client *chain,
                                      const daas_pkg *pkg, const daas_seal_config *cfg,
                                      const uint8_t policy[DAAS_SEAL_ADDR_LEN],
                                      daas_seal_vault **out, daas_err *err);
void daas_seal_vault_free(daas_seal_vault **v);

/* Seals pem for the key file path into "<path>.sealed". */
DAAS_MUST_USE int daas_seal_vault_seal(daas_seal_vault *v, const char *path, daas_bytes pem,
                                       daas_err *err);

/* Opens "<path>.sealed" into pem. DAAS_ENOTFOUND when it does not exist; else the errors of
 * daas_seal_open_object (key servers refusing, unreachable, a tampered file). */
DAAS_MUST_USE int daas_seal_vault_open(daas_seal_vault *v, const char *path, daas_buf *pem,
                                       daas_err *err);

#endif
