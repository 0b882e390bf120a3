/*
 * patch.h: the four ways kubectl changes an object: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902), strategic merge patch, and server-side apply.
 *
 * Owns:   patch application on jansson trees, the strategic-merge metadata (merge keys by
 *         field path), managedFields bookkeeping for server-side apply.
 * Invariants:
 *   - functions never modify their inputs: they return a new tree (or fail with nothing
 *     changed);
 *   - every failure is a clear daas_err: DAAS_EINVAL for a malformed patch (400),
 *     DAAS_EINVALID for a patch that cannot apply (422, e.g. a JSON-patch path that does not
 *     exist or a failed "test"), DAAS_ECONFLICT for an apply conflict without force (409);
 *   - recursion depth is bounded (DAAS_KUBE_PATCH_MAX_DEPTH) so hostile input cannot
 *     exhaust the stack.
 * Spec:   specs/kube-api.md §3.1.
 */
#ifndef DAAS_KUBE_PATCH_H
#define DAAS_KUBE_PATCH_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"

#define DAAS_KUBE_PATCH_MAX_DEPTH 64

/* RFC 7386. patch must be an object (else DAAS_EINVAL). *out is a new reference. */
DAAS_MUST_USE int daas_kube_merge_patch(const json_t *doc, const json_t *patch, json_t **out,
                                        daas_err *err);

/* RFC 6902: patch is an array of operations (add, remove, replace, move, copy, test). */
DAAS_MUST_USE int daas_kube_json_patch(const json_t *doc, const json_t *patch, json_t **out,
                                       daas_err *err);

/* Strategic merge patch with the merge keys of specs/kube-api.md §3.1 and the directives
 * $patch (replace|delete|merge), $setElementOrder/<f>, $deleteFromPrimitiveList/<f>,
 * $retainKeys. Lists without a merge key are replaced whole. */
DAAS_MUST_USE int daas_kube_strategic_patch(const json_t *doc, const json_t *patch,
                                            json_t **out, daas_err *err);

/* The merge key of the list at a field path ("spec.template.spec.containers" → "name"),
 * "" for a merged primitive list (set union, e.g. metadata.finalizers), NULL when the list
 * is atomic. path is dotted field names from the object root, array levels omitted. */
const char *daas_kube_merge_key(const char *path);

/* Server-side apply (application/apply-patch+yaml with a JSON body). live is the stored
 * object or NULL (then the applied object is created). manager is the fieldManager (required,
 * else DAAS_EINVAL); force takes ownership from other managers instead of DAAS_ECONFLICT.
 * Maintains metadata.managedFields (operation Apply/Update, fieldsType FieldsV1) so that a
 * field the manager applied before and omits now is removed, as upstream does. now is unix
 * seconds for the entry's time. */
DAAS_MUST_USE int daas_kube_apply(const json_t *live, const json_t *applied, const char *manager,
                                  bool force, int64_t now, json_t **out, daas_err *err);

/* Records an Update-operation by manager in managedFields: the fields that differ between
 * old (NULL on create) and new become owned by manager. Modifies obj (the new object). */
void daas_kube_track_update(const json_t *old, json_t *obj, const char *manager, int64_t now);

#endif
