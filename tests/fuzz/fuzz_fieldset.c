/*
 * fuzz_fieldset.c: libFuzzer target for the managedFields a create records
 *                  (src/kube/fieldset.c against apply.c's general algorithm).
 *
 * Input: one JSON text. When it is an object, it is tracked as a create twice: through
 * daas_kube_track_update (the one-walk path, or the general one when the walk declines) and
 * through daas_kube__track_update_general.
 * Invariants checked (abort on violation):
 *   - both give the same bytes, in stored key order (daas_kube_json_dump);
 *   - when daas_kube__fields_v1_of succeeds, the entry's fieldsV1 is exactly its result, and
 *     when it fails it returns no tree; everything is freed (ASan checks the rest).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/fieldset_int.h"
#include "kube/obj.h"
#include "kube/patch.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

/* Compact JSON of v in key order; NULL when it does not serialize. */
static char *dump(const json_t *v)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    char *s = daas_kube_json_dump(v, &b) == DAAS_OK ? daas_buf_steal(&b, NULL) : NULL;
    daas_buf_fini(&b);
    return s;
}

/* The one-walk result must be what the general path stores (or there must be no entry). */
static void check_v1(const json_t *obj, const json_t *general)
{
    json_t *v1 = (json_t *)1;
    int rc = daas_kube__fields_v1_of(obj, &v1);
    if (rc != DAAS_OK) {
        check(v1 == NULL);
        return;
    }
    json_t *mf = daas_kube_path(general, "metadata.managedFields");
    json_t *want = json_object_get(json_array_get(mf, 0), "fieldsV1");
    check(json_object_size(v1) == 0 ? want == NULL : json_equal(v1, want));
    json_decref(v1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return 0;
    }
    json_t *fast = json_deep_copy(obj), *slow = json_deep_copy(obj);
    daas_kube_track_update(NULL, fast, "fuzz-create", 1700000000);
    daas_kube__track_update_general(NULL, slow, "fuzz-create", 1700000000);
    char *a = dump(fast), *b = dump(slow);
    check((a == NULL) == (b == NULL));
    check(a == NULL || strcmp(a, b) == 0);
    if (json_object_get(json_object_get(obj, "metadata"), "managedFields") == NULL)
        check_v1(obj, slow);
    daas_free(a);
    daas_free(b);
    json_decref(fast);
    json_decref(slow);
    json_decref(obj);
    return 0;
}
