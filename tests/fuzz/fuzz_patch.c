/*
 * fuzz_patch.c: libFuzzer target for the four patch functions (src/kube/patch_*.c, apply.c).
 *
 * Input: a document and a patch, as two JSON texts separated by the first NUL byte (without
 * one, the whole input is the patch for a fixed Deployment). Both go to every patch type,
 * to server-side apply and to managedFields tracking.
 * Invariants checked (abort on violation):
 *   - merge patch is idempotent, and {} leaves an object unchanged;
 *   - an empty JSON patch and an empty strategic patch leave an object unchanged;
 *   - no strategic-merge directive survives in a strategic or apply result;
 *   - a failure never returns a tree; everything is freed (ASan checks the rest).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/patch.h"

static const char base_doc[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
    "\"labels\":{\"app\":\"web\"},\"finalizers\":[\"a\"]},\"spec\":{\"replicas\":1,"
    "\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx\","
    "\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"ports\":[{\"containerPort\":80}]}]}}}}";

static void check(int cond)
{
    if (!cond)
        abort();
}

/* Whether any object key in v is a strategic-merge directive. */
static int has_directive(const json_t *v, int depth)
{
    const char *k;
    json_t *c;
    size_t i;
    if (depth > 4096)
        return 0;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, c)
        {
            if (strcmp(k, "$patch") == 0 || strcmp(k, "$retainKeys") == 0 ||
                strncmp(k, "$setElementOrder/", 17) == 0 ||
                strncmp(k, "$deleteFromPrimitiveList/", 25) == 0 || has_directive(c, depth + 1))
                return 1;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c) if (has_directive(c, depth + 1)) return 1;
    }
    return 0;
}

typedef int (*patch_fn)(const json_t *doc, const json_t *patch, json_t **out, daas_err *err);

/* fn(doc, patch) succeeds and gives doc back. */
static void check_unchanged(patch_fn fn, const json_t *doc, const json_t *patch)
{
    json_t *out = NULL;
    check(fn(doc, patch, &out, NULL) == DAAS_OK);
    check(json_equal(out, doc));
    json_decref(out);
}

static void run_merge(const json_t *doc, const json_t *patch)
{
    json_t *out = NULL, *empty = json_object();
    daas_err err = {0};
    if (daas_kube_merge_patch(doc, patch, &out, &err) == DAAS_OK) {
        check_unchanged(daas_kube_merge_patch, out, patch);
        check_unchanged(daas_kube_merge_patch, out, empty);
    } else {
        check(out == NULL && err.code != DAAS_OK);
    }
    json_decref(out);
    json_decref(empty);
}

static void run_json(const json_t *doc, const json_t *patch)
{
    json_t *out = NULL, *none = json_array();
    daas_err err = {0};
    if (daas_kube_json_patch(doc, patch, &out, &err) != DAAS_OK)
        check(out == NULL && err.code != DAAS_OK);
    json_decref(out);
    if (json_is_object(doc))
        check_unchanged(daas_kube_json_patch, doc, none);
    json_decref(none);
}

static void run_strategic(const json_t *doc, const json_t *patch)
{
    json_t *out = NULL, *empty = json_object();
    daas_err err = {0};
    if (daas_kube_strategic_patch(doc, patch, &out, &err) == DAAS_OK)
        check(!has_directive(out, 0) || has_directive(doc, 0));
    else
        check(out == NULL && err.code != DAAS_OK);
    json_decref(out);
    if (json_is_object(doc))
        check_unchanged(daas_kube_strategic_patch, doc, empty);
    json_decref(empty);
}

static void run_apply(const json_t *doc, const json_t *patch)
{
    for (int i = 0; i < 3; i++) {
        json_t *out = NULL;
        daas_err err = {0};
        const json_t *live = i == 0 ? NULL : doc;
        if (daas_kube_apply(live, patch, "fuzz", i == 2, 1700000000, &out, &err) == DAAS_OK) {
            check(json_is_object(out));
            daas_kube_track_update(live, out, "fuzz-update", 1700000001);
        } else {
            check(out == NULL && err.code != DAAS_OK);
        }
        json_decref(out);
    }
    json_t *copy = json_deep_copy(patch);
    daas_kube_track_update(doc, copy, "fuzz-update", 1700000002);
    json_decref(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    json_error_t e;
    json_t *doc, *patch;
    if (nul != NULL) {
        doc = json_loadb((const char *)data, (size_t)(nul - data), 0, &e);
        patch = json_loadb((const char *)nul + 1, size - (size_t)(nul - data) - 1, 0, &e);
    } else {
        doc = json_loads(base_doc, 0, &e);
        patch = json_loadb((const char *)data, size, 0, &e);
    }
    if (doc != NULL && patch != NULL) {
        run_merge(doc, patch);
        run_json(doc, patch);
        run_strategic(doc, patch);
        run_apply(doc, patch);
    }
    json_decref(doc);
    json_decref(patch);
    return 0;
}
