/*
 * trust.c: the enclave keys agents and verifiers trust, from the chain (trust.h).
 *
 * Owns:   nothing beyond one call.
 * Invariants: see trust.h.
 */
#include <string.h>

#include "common/alloc.h"
#include "sched/trust.h"

int daas_sched_chain_keys(daas_sui_client *c, const daas_pkg *pkg, const uint8_t *config_id,
                          daas_sched_trusted_key **out, size_t *n, daas_err *err)
{
    daas_pkg_sched where;
    daas_pkg_enclave_config cfg;
    daas_pkg_enclave *list = NULL;
    size_t nl = 0;
    *out = NULL;
    *n = 0;
    int rc = daas_pkg_sched_discover(c, pkg, config_id, &where, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_config_get(c, pkg, where.config, &cfg, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_enclave_list(c, pkg, &list, &nl, err);
    if (rc == DAAS_OK && nl > 0) {
        *out = daas_xcalloc(nl, sizeof **out);
        for (size_t i = 0; i < nl; i++) {
            if (memcmp(list[i].config, cfg.id, sizeof cfg.id) != 0 ||
                list[i].config_version != cfg.version)
                continue;
            memcpy((*out)[*n].pk, list[i].public_key, DAAS_SCHED_PUBKEY_LEN);
            memcpy((*out)[*n].enclave, list[i].id, DAAS_SCHED_ENCLAVE_ID_LEN);
            (*n)++;
        }
    }
    daas_free(list);
    return rc;
}
