/*
 * trust.h: the enclave keys a proof check trusts, read from the chain: the registered
 *          Enclave objects of the cluster's EnclaveConfig at its current version.
 *
 * Owns:   the rule "trusted = registered against the config, at the config's version".
 * Not:    the proof check (proof.h), reading objects (sui/pkg_enclave.h).
 * Invariants: nothing cached: each call reads the chain; an enclave registered against an
 *         older config version (before update_config changed the PCRs) is not trusted.
 * Spec:   move/README.md `enclave` (EnclaveConfig.version, Enclave.config_version).
 */
#ifndef DAAS_SCHED_TRUST_H
#define DAAS_SCHED_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "sched/proof.h"
#include "sui/pkg_enclave.h"

/*
 * The trusted keys of the EnclaveConfig config_id (NULL: the package's only one) into *out
 * (owned: daas_free; NULL when none) and *n, each with its Enclave object id. Errors: as
 * daas_pkg_sched_discover, daas_pkg_enclave_list.
 */
DAAS_MUST_USE int daas_sched_chain_keys(daas_sui_client *c, const daas_pkg *pkg,
                                        const uint8_t *config_id, daas_sched_trusted_key **out,
                                        size_t *n, daas_err *err);

#endif
