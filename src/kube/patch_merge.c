/*
 * patch_merge.c: JSON merge patch (RFC 7386), what `kubectl patch --type merge`, `kubectl label`,
 * `kubectl annotate` and `kubectl scale` send (application/merge-patch+json).
 *
 * Owns:   daas_kube_merge_patch().
 * Not:    JSON patch (patch_json.c), strategic merge (patch_strategic.c), apply (apply.c).
 * Model:  the result is a deep copy of doc with the patch applied in place: objects merge
 *         recursively, null removes a member, anything else (arrays included) replaces.
 * Invariants:
 *   - doc and patch are never modified and the result shares no node with either;
 *   - recursion follows the patch and stops at DAAS_KUBE_PATCH_MAX_DEPTH (DAAS_EINVAL).
 * Spec:   specs/kube-api.md §3.1 "JSON merge patch"; RFC 7386 §2.
 */
#include "kube/patch.h"

/* Applies the object patch to target (an object we own) in place. */
static int merge_into(json_t *target, const json_t *patch, int depth, daas_err *err)
{
    const char *key;
    json_t *pv;

    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return daas_fail(err, DAAS_EINVAL, "merge patch is nested more than %d levels",
                         DAAS_KUBE_PATCH_MAX_DEPTH);
    json_object_foreach((json_t *)patch, key, pv)
    {
        if (json_is_null(pv)) {
            json_object_del(target, key);
            continue;
        }
        if (!json_is_object(pv)) {
            json_object_set_new(target, key, json_deep_copy(pv));
            continue;
        }
        /* RFC 7386: a non-object target is replaced by {} before merging, so nulls in the
         * patch value disappear instead of being stored. */
        json_t *child = json_object_get(target, key);
        if (!json_is_object(child)) {
            child = json_object();
            json_object_set_new(target, key, child);
        }
        int rc = merge_into(child, pv, depth + 1, err);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* RFC 7386 on a copy of doc (a non-object doc counts as {}); patch must be an object.
 * Returns a new tree in *out, or an error with *out NULL. Thread: any. */
int daas_kube_merge_patch(const json_t *doc, const json_t *patch, json_t **out, daas_err *err)
{
    *out = NULL;
    if (!json_is_object(patch))
        return daas_fail(err, DAAS_EINVAL, "merge patch must be a JSON object");
    json_t *res = json_is_object(doc) ? json_deep_copy(doc) : json_object();
    int rc = merge_into(res, patch, 1, err);
    if (rc != DAAS_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return DAAS_OK;
}
