/*
 * fieldset_int.h: private to src/kube: which fields of an object a manager owns, in FieldsV1
 *                 form, shared by apply.c's field-set model and the one-walk create path.
 *
 * Owns:   the ownership rules every field set follows (ignored members, keyed and set lists,
 *         list item keys, the dotted path used for merge-key lookups) and
 *         daas_kube__fields_v1_of (the FieldsV1 of a whole object, built directly).
 * Not:    the set algebra, managedFields entries, apply (apply.c).
 * Invariants:
 *   - a path that does not fit is marked over, and lists below it are atomic (both builders
 *     see the same path, so they agree);
 *   - daas_kube__fields_v1_of gives exactly fs_to_v1(fs_of(obj)) of apply.c (tests/unit/kube/
 *     test_fieldset.c compares them), or fails so the caller can take the general path.
 * Spec:   specs/kube-api.md §3.1 "Server-side apply"; sigs.k8s.io/structured-merge-diff.
 */
#ifndef DAAS_KUBE_FIELDSET_INT_H
#define DAAS_KUBE_FIELDSET_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The dotted field path of the member being visited (array levels omitted). */
typedef struct daas_kube__fs_path {
    char path[1024];
    size_t len;
    bool over; /* the path did not fit; lists below are treated as atomic */
} daas_kube__fs_path;

/* What daas_kube__fs_enter saved, for daas_kube__fs_leave. */
typedef struct daas_kube__fs_saved {
    size_t len;
    bool over;
} daas_kube__fs_saved;

/* An empty path (the object root). */
void daas_kube__fs_path_init(daas_kube__fs_path *p);
/* Appends member key k to the path; returns what to restore on leaving. */
daas_kube__fs_saved daas_kube__fs_enter(daas_kube__fs_path *p, const char *k, size_t klen);
void daas_kube__fs_leave(daas_kube__fs_path *p, daas_kube__fs_saved s);
/* The merge key of the list at the path ("" for a set of scalars), NULL when it is atomic. */
const char *daas_kube__fs_merge_key(const daas_kube__fs_path *p);

/* Whether member key is never owned at level (0 root, 1 root metadata, 2 elsewhere). */
bool daas_kube__fs_ignored(const char *key, int level);
/* Whether every element is a map holding mk (keyed list) or, mk "", a scalar (set). */
bool daas_kube__fs_list_is(const json_t *arr, const char *mk);
/* The set key of a list item: k:{"<mk>":<value>} or, mk "", v:<value>. New allocation. */
char *daas_kube__fs_item_key(const json_t *item, const char *mk);

/* The FieldsV1 object (as managedFields stores it: "." first, then members in byte order)
 * of every field obj owns, built in one walk. *out is a new object, {} when obj owns nothing;
 * its owned leaves {} are one shared object, so *out is read-only (json_deep_copy to edit).
 * DAAS_EINVAL when obj nests deeper than DAAS_KUBE_PATCH_MAX_DEPTH; DAAS_ECONFLICT when two
 * members or keyed list items share a key (the general model merges them; the caller takes
 * it). *out is NULL on error. */
DAAS_MUST_USE int daas_kube__fields_v1_of(const json_t *obj, json_t **out);

/* daas_kube_track_update without the create shortcut: the general algorithm, for tests that
 * prove the shortcut gives the same managedFields. */
void daas_kube__track_update_general(const json_t *old, json_t *obj, const char *manager,
                                     int64_t now);

#endif
