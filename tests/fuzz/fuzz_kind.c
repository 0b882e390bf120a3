/*
 * fuzz_kind.c: libFuzzer target for the kind hooks (src/kube/kind*.c) on untrusted objects.
 *
 * Owns:   nothing. Input: byte 0 picks the kind, the rest is a JSON document (the object; when
 *         it is an array [new, old], an update). Besides "no crash, no leak, no UB" it checks:
 *   - row() returns exactly one cell per column, before and after defaults;
 *   - defaults are idempotent (applying them twice changes nothing);
 *   - every validation cause has string reason, message and field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "kube/kind.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_kind: check failed: %s (line %d)\n", #x, __LINE__);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_row(const daas_kube_kind *k, const json_t *obj)
{
    json_t *row = k->row(obj, 1795235293);
    CHECK(json_is_array(row) && json_array_size(row) == (size_t)k->ncolumns);
    json_decref(row);
}

static void check_causes(const daas_kube_verr *v)
{
    size_t i;
    json_t *c;
    json_array_foreach(v->causes, i, c)
    {
        CHECK(json_is_string(json_object_get(c, "reason")));
        CHECK(json_is_string(json_object_get(c, "message")));
        CHECK(json_is_string(json_object_get(c, "field")));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n;
    const daas_kube_kind *const *kinds = daas_kube_kinds(&n);
    if (size < 1)
        return 0;
    const daas_kube_kind *k = kinds[data[0] % n];
    json_t *doc = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    if (doc == NULL)
        return 0;
    json_t *obj = json_is_array(doc) ? json_array_get(doc, 0) : doc;
    json_t *old = json_is_array(doc) ? json_array_get(doc, 1) : NULL;
    if (obj != NULL) {
        daas_kube_verr v = {0};
        json_t *o = json_deep_copy(obj);
        check_row(k, o);
        if (k->defaults != NULL) {
            k->defaults(o, old);
            json_t *again = json_deep_copy(o);
            k->defaults(again, old);
            CHECK(json_equal(again, o));
            json_decref(again);
        }
        check_row(k, o);
        daas_kube_validate_meta(k, o, old, &v);
        if (k->validate != NULL)
            k->validate(o, old, &v);
        check_causes(&v);
        daas_kube_verr_fini(&v);
        json_decref(o);
    }
    json_decref(doc);
    return 0;
}
