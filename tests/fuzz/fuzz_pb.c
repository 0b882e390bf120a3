/*
 * fuzz_pb.c: libFuzzer target for the Kubernetes protobuf body decoder (src/kube/pb.c).
 *
 * Owns:   nothing. Checks that any input either decodes to a JSON object carrying apiVersion
 *         and kind, or fails with DAAS_EINVAL / DAAS_EMEDIA and no object; ASan/UBSan catch
 *         the rest (out-of-bounds reads, leaks, overflow).
 */
#include <stdint.h>
#include <stdlib.h>

#include "kube/pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *out = NULL;
    daas_err err = {0};
    int rc = daas_kube_pb_decode(DAAS_BYTES(data, size), &out, &err);
    if (rc == DAAS_OK) {
        if (!json_is_object(out) || !json_is_string(json_object_get(out, "apiVersion")) ||
            !json_is_string(json_object_get(out, "kind")))
            abort();
        /* Rendering must work too: every string is valid UTF-8. */
        char *s = json_dumps(out, JSON_COMPACT);
        if (s == NULL)
            abort();
        free(s);
        json_decref(out);
    } else if ((rc != DAAS_EINVAL && rc != DAAS_EMEDIA) || out != NULL || err.code != rc) {
        abort();
    }
    return 0;
}
