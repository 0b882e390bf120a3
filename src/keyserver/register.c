/*
 * register.c: the key server's KeyServer object on chain: find or create it for the master
 * public key, keep its URL current, or check a given object's pk.
 *
 * Owns:   nothing; transactions go through sui/pkg_seal.h.
 * Invariants: an existing object is served only when its on-chain pk is the master key's.
 * Spec:   specs/seal.md §7.1; docs/seal.md "Key server".
 */
#include <string.h>

#include "keyserver/keyserver.h"
#include "sui/pkg_seal.h"

int daas_ks_register(daas_sui_client *c, const daas_sui_key *key,
                     const uint8_t seal_pkg[DAAS_SEAL_ADDR_LEN], const char *name, const char *url,
                     const uint8_t pk[DAAS_SEAL_G2_LEN], uint8_t id_out[DAAS_SEAL_ADDR_LEN],
                     const char **action, daas_err *err)
{
    uint8_t owner[DAAS_SUI_ADDRESS_LEN];
    daas_pkg_key_server ksv;
    int rc;

    if (action != NULL)
        *action = "found";
    daas_sui_key_address(key, owner);
    rc = daas_pkg_key_server_find(c, seal_pkg, owner, pk, id_out, err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        if (action != NULL)
            *action = "created";
        return daas_pkg_key_server_create(c, key, seal_pkg, name, url, pk, id_out, err);
    }
    if (rc != DAAS_OK)
        return rc;
    rc = daas_pkg_key_server_get(c, id_out, &ksv, err);
    if (rc != DAAS_OK || strcmp(ksv.url, url) == 0)
        return rc;
    if (action != NULL)
        *action = "updated";
    return daas_pkg_key_server_set_url(c, key, seal_pkg, id_out, url, err);
}

int daas_ks_verify_object(daas_sui_client *c, const uint8_t id[DAAS_SEAL_ADDR_LEN],
                          const uint8_t pk[DAAS_SEAL_G2_LEN], daas_err *err)
{
    daas_pkg_key_server ksv;
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc = daas_pkg_key_server_get(c, id, &ksv, err);

    if (rc != DAAS_OK)
        return rc;
    if (memcmp(ksv.pk, pk, DAAS_SEAL_G2_LEN) != 0) {
        daas_sui_address_hex(id, hex);
        return daas_fail(err, DAAS_EDENIED,
                         "KeyServer %s holds another public key than this master key", hex);
    }
    return DAAS_OK;
}
