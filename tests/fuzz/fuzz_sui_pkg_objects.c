/*
 * fuzz_sui_pkg_objects.c: the readers of the daas package's EnclaveConfig and Enclave objects
 * (sui/pkg_enclave.c) from arbitrary contents.json, as a chain (untrusted) would return it.
 *
 * Owns:   nothing beyond one input.
 * Input:  byte 0: owner kind (even: shared, odd: address-owned); bytes 1..32: the object id;
 *         the rest: contents.json text (jansson, at most 64 KiB).
 * Checks: no crash, leak or UB; a failure is DAAS_EREMOTE with a non-empty message; an
 *         accepted object is shared (Enclave), carries the input's id and its json "id"
 *         equals it; an accepted EnclaveConfig's name is NUL-terminated within its cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sui/pkg_int.h"

#define MAX_JSON (64 * 1024)

static void check_failure(int rc, const daas_err *e)
{
    if (rc != DAAS_OK && (rc != DAAS_EREMOTE || e->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 33 || size - 33 > MAX_JSON)
        return 0;
    daas_sui_object o = {0};
    o.owner_kind = data[0] % 2 == 0 ? DAAS_SUI_OWNER_SHARED : DAAS_SUI_OWNER_ADDRESS;
    o.initial_shared_version = data[0];
    memcpy(o.ref.id, data + 1, DAAS_SUI_ADDRESS_LEN);
    o.json = json_loadb((const char *)data + 33, size - 33, JSON_DECODE_ANY, NULL);
    if (o.json == NULL)
        return 0;
    daas_pkg_enclave_config cfg;
    daas_pkg_enclave enc;
    daas_err e1 = {0}, e2 = {0};
    int rc = daas_pkg__parse_config(&o, &cfg, &e1);
    check_failure(rc, &e1);
    if (rc == DAAS_OK && (memcmp(cfg.id, o.ref.id, DAAS_SUI_ADDRESS_LEN) != 0 ||
                          memchr(cfg.name, '\0', sizeof cfg.name) == NULL))
        abort();
    rc = daas_pkg__parse_enclave(&o, &enc, &e2);
    check_failure(rc, &e2);
    if (rc == DAAS_OK && (memcmp(enc.id, o.ref.id, DAAS_SUI_ADDRESS_LEN) != 0 ||
                          o.owner_kind != DAAS_SUI_OWNER_SHARED))
        abort();
    json_decref(o.json);
    return 0;
}
