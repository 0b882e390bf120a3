/*
 * fuzz_seal_kube.c: the API's sealing step (seal/kube.c) on arbitrary Secrets and sensitive
 * ConfigMaps: whatever a client sends as data/binaryData values (plaintext, base64 garbage,
 * real or forged EncryptedObjects) is either sealed or refused.
 *
 * Owns:   one fixed cluster (3 key servers from fixed master keys, threshold 2), built once.
 * Input:  a JSON object; its "data" and "binaryData" are kept, kind/name/namespace are set,
 *         and the first byte chooses Secret or sensitive ConfigMap.
 * Checks: no crash, leak or UB; a refusal is DAAS_EINVAL/DAAS_EINVALID with a message and
 *         leaves the object unchanged; an accepted object is sealed (daas_seal_kube_is_sealed)
 *         and sealing it again changes nothing (sealed values are kept as they are).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "seal/kube.h"

static daas_seal_cluster C;

static void init(void)
{
    static int done;
    if (done++)
        return;
    uint8_t msk[32] = {0};
    for (size_t i = 0; i < 3; i++) {
        msk[31] = (uint8_t)(i + 7);
        if (daas_seal_public_key(msk, C.servers[i].pk, NULL) != DAAS_OK)
            abort();
        C.servers[i].object_id[31] = (uint8_t)(i + 1);
    }
    memset(C.package_id, 0xa1, 32);
    memset(C.policy_id, 0xb2, 32);
    C.nservers = 3;
    C.threshold = 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 1)
        return 0;
    json_t *in = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    if (!json_is_object(in)) {
        json_decref(in);
        return 0;
    }
    bool cm = data[0] & 1;
    json_t *o = json_pack("{s:s, s:{s:s, s:s, s:{s:s}}}", "kind", cm ? "ConfigMap" : "Secret",
                          "metadata", "name", "x", "namespace", "ns", "annotations",
                          "daas.io/sensitive", "true");
    if (json_object_get(in, "data"))
        json_object_set(o, "data", json_object_get(in, "data"));
    if (json_object_get(in, "binaryData"))
        json_object_set(o, "binaryData", json_object_get(in, "binaryData"));
    json_decref(in);
    json_t *before = json_deep_copy(o);
    daas_err err = {0};
    int rc = daas_seal_kube_seal(&C, o, &err);
    if (rc != DAAS_OK) {
        if ((rc != DAAS_EINVAL && rc != DAAS_EINVALID && rc != DAAS_ETOOBIG) ||
            err.code != rc || err.msg[0] == '\0')
            abort();
        if (!json_equal(before, o))
            abort();
    } else {
        if (!daas_seal_kube_is_sealed(o))
            abort();
        json_t *again = json_deep_copy(o);
        if (daas_seal_kube_seal(&C, again, NULL) != DAAS_OK || !json_equal(again, o))
            abort();
        json_decref(again);
    }
    json_decref(before);
    json_decref(o);
    return 0;
}
