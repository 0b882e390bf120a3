/*
 * pkg_enclave.h: the client of the daas package's `enclave` and `scheduling` modules: the
 * cluster's EnclaveConfig (pinned PCRs), registering an attested scheduler enclave, committing
 * decision batches, and reading the registered enclaves (the keys agents trust).
 *
 * Owns:   daas_pkg_sched (where the Ledger and the EnclaveConfig are), reading Enclave and
 *         EnclaveConfig objects.
 * Not:    verifying attestation documents (enclave/attest.h; the chain does it again in
 *         load_nitro_attestation), decisions and Merkle roots (sched/sched.h), PTB building and
 *         gas (ptb.h).
 * Invariants:
 *   - as pkg.h: every transaction is dry-run first; an abort comes back as DAAS_EFAILED naming
 *     the module, the function, the code and its name (EInvalidPcrs, ESeqGap...), with nothing
 *     spent; nothing is cached: every read goes to the chain;
 *   - objects read from the chain are untrusted: wrong lengths or missing fields are
 *     DAAS_EREMOTE, never a crash or a silently zero field.
 * Thread: as the client it is given.
 * Spec:   move/README.md `enclave` and `scheduling` (objects, entry functions, abort codes,
 *         events); specs/nautilus.md (registration with load_nitro_attestation).
 */
#ifndef DAAS_SUI_PKG_ENCLAVE_H
#define DAAS_SUI_PKG_ENCLAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/gql.h"
#include "sui/pkg.h"
#include "sui/sui.h"

#define DAAS_PKG_PCR_LEN 48        /* SHA-384 PCRs 0, 1, 2 */
#define DAAS_PKG_ENCLAVE_PK_LEN 32 /* Ed25519 */
#define DAAS_PKG_CONFIG_NAME_MAX 128

/* Where the scheduling Ledger and the cluster's EnclaveConfig are (both shared). */
typedef struct daas_pkg_sched {
    uint8_t ledger[DAAS_SUI_ADDRESS_LEN];
    uint64_t ledger_isv; /* initial shared version */
    uint8_t config[DAAS_SUI_ADDRESS_LEN];
    uint64_t config_isv;
} daas_pkg_sched;

/* An EnclaveConfig as read from the chain. */
typedef struct daas_pkg_enclave_config {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    char name[DAAS_PKG_CONFIG_NAME_MAX + 1];
    uint8_t pcr[3][DAAS_PKG_PCR_LEN]; /* PCR0, PCR1, PCR2 */
    bool allow_debug;
    uint64_t version;
} daas_pkg_enclave_config;

/* An Enclave as read from the chain. */
typedef struct daas_pkg_enclave {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    uint64_t isv; /* initial shared version */
    uint8_t config[DAAS_SUI_ADDRESS_LEN];
    uint64_t config_version;
    uint8_t public_key[DAAS_PKG_ENCLAVE_PK_LEN];
    uint8_t owner[DAAS_SUI_ADDRESS_LEN];
    uint64_t registered_epoch;
    uint64_t next_seq; /* the first decision index its next batch must start at */
} daas_pkg_enclave;

/*
 * Finds the Ledger (the one <package>::scheduling::Ledger) and the EnclaveConfig: the one
 * with id config_id when it is not NULL, else the only <package>::enclave::EnclaveConfig.
 * Errors: DAAS_ENOTFOUND ("no EnclaveConfig: create one with `daas sui enclave-config
 * create`"), DAAS_EREMOTE (several configs and no config_id: "name one with ..."; not shared;
 * wrong type), the client's errors.
 */
DAAS_MUST_USE int daas_pkg_sched_discover(daas_sui_client *c, const daas_pkg *pkg,
                                          const uint8_t *config_id, daas_pkg_sched *out,
                                          daas_err *err);

/* Reads the EnclaveConfig with this id. DAAS_ENOTFOUND, DAAS_EREMOTE (not one / malformed). */
DAAS_MUST_USE int daas_pkg_enclave_config_get(daas_sui_client *c, const daas_pkg *pkg,
                                              const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                              daas_pkg_enclave_config *out, daas_err *err);

/* enclave::create_config(AdminCap of admin_key, name, pcr0, pcr1, pcr2, allow_debug); the
 * new config's id in *id_out. Transaction conventions: pkg.h. */
DAAS_MUST_USE int daas_pkg_enclave_config_create(daas_sui_client *c, const daas_sui_key *admin_key,
                                                 const daas_pkg *pkg, const char *name,
                                                 const uint8_t pcr[3][DAAS_PKG_PCR_LEN],
                                                 bool allow_debug, daas_sui_exec_result *result,
                                                 uint8_t id_out[DAAS_SUI_ADDRESS_LEN],
                                                 daas_err *err);

/* enclave::update_config(AdminCap of admin_key, sched->config, pcr0..2, allow_debug). */
DAAS_MUST_USE int daas_pkg_enclave_config_update(daas_sui_client *c, const daas_sui_key *admin_key,
                                                 const daas_pkg *pkg, const daas_pkg_sched *sched,
                                                 const uint8_t pcr[3][DAAS_PKG_PCR_LEN],
                                                 bool allow_debug, daas_sui_exec_result *result,
                                                 daas_err *err);

/*
 * Registers an enclave from its attestation document (the raw COSE_Sign1 bytes, borrowed) in
 * one PTB: 0x2::nitro_attestation::load_nitro_attestation(document, Clock 0x6), then
 * <package>::enclave::register(sched->config, that result). The new Enclave's id in *id_out.
 * Aborts come back as pkg.h says (EInvalidPcrs, EDebugNotAllowed, nitro_attestation's
 * EVerifyError...).
 */
DAAS_MUST_USE int daas_pkg_enclave_register(daas_sui_client *c, const daas_sui_key *key,
                                            const daas_pkg *pkg, const daas_pkg_sched *sched,
                                            daas_bytes document, daas_sui_exec_result *result,
                                            uint8_t id_out[DAAS_SUI_ADDRESS_LEN], daas_err *err);

/* Reads the Enclave with this id. DAAS_ENOTFOUND, DAAS_EREMOTE (not one / malformed). */
DAAS_MUST_USE int daas_pkg_enclave_get(daas_sui_client *c, const daas_pkg *pkg,
                                       const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                       daas_pkg_enclave *out, daas_err *err);

/* Every <package>::enclave::Enclave on the chain, in the order the chain lists them, into
 * *out (owned: daas_free; NULL when none) and *n. Callers pick the current ones
 * (config_version == the config's version). At most 10,000 (DAAS_EREMOTE beyond). */
DAAS_MUST_USE int daas_pkg_enclave_list(daas_sui_client *c, const daas_pkg *pkg,
                                        daas_pkg_enclave **out, size_t *n, daas_err *err);

/* scheduling::commit_batch(sched->ledger, sched->config, enclave (shared, mutable), root,
 * first_seq, count, timestamp_ms, signature). */
DAAS_MUST_USE int daas_pkg_commit_batch(daas_sui_client *c, const daas_sui_key *key,
                                        const daas_pkg *pkg, const daas_pkg_sched *sched,
                                        const daas_pkg_enclave *enclave, const uint8_t root[32],
                                        uint64_t first_seq, uint64_t count, uint64_t timestamp_ms,
                                        const uint8_t signature[64], daas_sui_exec_result *result,
                                        daas_err *err);

#endif
