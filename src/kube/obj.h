/*
 * obj.h: small accessors over Kubernetes objects held as jansson trees.
 *
 * Owns:   dotted-path lookups, typed getters/setters that create intermediate objects.
 * Invariants: getters never allocate and return NULL (or the default) for a missing or
 *             mistyped field; setters create missing parent objects.
 */
#ifndef DAAS_KUBE_OBJ_H
#define DAAS_KUBE_OBJ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/alloc.h"

/* The node at a dotted path ("metadata.name"; no array indexing), or NULL. */
json_t *daas_kube_path(const json_t *obj, const char *dotted);
/* The string at path, or NULL when missing or not a string. */
const char *daas_kube_str(const json_t *obj, const char *dotted);
/* The integer at path, or def. */
int64_t daas_kube_int(const json_t *obj, const char *dotted, int64_t def);
/* The object at path, creating empty objects along the way (replacing non-objects).
 * NULL when obj itself is not an object (jansson's setters accept NULL and do nothing). */
json_t *daas_kube_mkpath(json_t *obj, const char *dotted);
/* Sets obj[dotted] = val (steals the reference), creating parents. */
void daas_kube_set(json_t *obj, const char *dotted, json_t *val);
void daas_kube_set_str(json_t *obj, const char *dotted, const char *s);
/* Removes the field at path if present. */
void daas_kube_del(json_t *obj, const char *dotted);
/* True when the value is "empty" in the Go sense: null, "", 0, false, {} or []. */
bool daas_kube_is_empty(const json_t *v);

/* Appends the compact JSON of v to out, byte-identical to json_dumps(v, JSON_COMPACT)
 * (json_out.c). Errors: DAAS_ETOOBIG (the buffer's cap, or nesting deeper than
 * DAAS_KUBE_JSON_MAX_DEPTH), DAAS_EINVAL (v NULL); out is then as it was. */
#define DAAS_KUBE_JSON_MAX_DEPTH 256
DAAS_MUST_USE int daas_kube_json_dump(const json_t *v, daas_buf *out);

#endif
