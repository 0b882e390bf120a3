/*
 * pb.h: decoding Kubernetes protobuf request bodies (what `kubectl create <generator>` sends).
 *
 * Owns:   the "k8s\0" + runtime.Unknown envelope, a table-driven protobuf decoder, and the
 *         message descriptors of the kinds it knows, turning bytes into the same JSON a client
 *         would have sent; and the unknown-field walk of JSON objects over the same
 *         descriptors (pb_fields.c: refused under fieldValidation=Strict, dropped under Warn
 *         and Ignore).
 * Invariants:
 *   - every length and varint is bounds-checked; nesting depth is bounded; no input can
 *     crash it or make it allocate more than a small multiple of its size;
 *   - empty strings, zero numbers and empty messages of non-pointer fields are left out of
 *     the JSON (Go's marshaller always emits them); pointer fields keep explicit zeros.
 * Spec:   specs/kube-api.md §7.
 */
#ifndef DAAS_KUBE_PB_H
#define DAAS_KUBE_PB_H

#include <jansson.h>
#include <stdbool.h>

#include "common/alloc.h"
#include "common/err.h"

/* Decodes a body of Content-Type application/vnd.kubernetes.protobuf into a new JSON object
 * with apiVersion and kind set from the envelope's TypeMeta. Errors: DAAS_EINVAL (malformed:
 * bad magic, truncated, wrong wire type), DAAS_EMEDIA (a kind with no descriptor: the API
 * answers 415). */
DAAS_MUST_USE int daas_kube_pb_decode(daas_bytes body, json_t **out, daas_err *err);

/* ---- unknown fields (fieldValidation=Strict), pb_fields.c --------------------------------- */

/* Room for one reported path, NUL included. A longer path is cut at a UTF-8 character
 * boundary and ends in "...". */
#define DAAS_KUBE_PB_PATH_MAX 256

/* Options of daas_kube_pb_unknown_fields. */
enum {
    DAAS_KUBE_PB_UF_PATCH = 1, /* obj is a merge patch: null for an unknown field is accepted
                                * (deleting a field that cannot exist changes nothing) */
    DAAS_KUBE_PB_UF_SMP = 2,   /* obj is a strategic-merge patch: keys starting with '$'
                                * ($patch, $setElementOrder/..., $retainKeys, ...) are accepted */
};

/* Walks obj (a JSON object of kind api_version/kind, or a merge patch of one, see opts) with
 * the descriptor tables and reports the fields Go's strict decoder would call unknown, in
 * document order, as upstream writes them ("spec.template.spec.containers[0].imagee",
 * "metadata.labelz"). apiVersion, kind and metadata are always known at the top; map fields
 * (labels, data, resources.limits, ...) take any key; Quantity, IntOrString, Time, MicroTime
 * and bytes values are leaves; managedFields[].fieldsV1 is free-form; a null value is accepted
 * for any known field; a value of the wrong JSON type is not looked into (that is a decoding
 * error, not an unknown field); the deprecated in-tree volume sources the tables leave out
 * (awsElasticBlockStore, gcePersistentDisk, ...) are known and free-form.
 * Fills paths[0..min(*found, max)-1]; *found is the number of unknown fields in all (it may
 * exceed max). *known_kind is false, and nothing is reported, when no descriptor exists for
 * the kind. Borrows everything; allocates nothing. Errors: DAAS_EINVAL when obj is not an
 * object or an argument is NULL (paths may be NULL when max is 0). Thread: any. */
DAAS_MUST_USE int daas_kube_pb_unknown_fields(const char *api_version, const char *kind,
                                              const json_t *obj, unsigned opts,
                                              char (*paths)[DAAS_KUBE_PB_PATH_MAX], size_t max,
                                              size_t *found, bool *known_kind);

/* Like daas_kube_pb_unknown_fields, and removes every unknown member it reports from obj, in
 * place, as upstream's non-strict decoding drops what the Go struct has no field for
 * (fieldValidation=Warn or Ignore). What the options tolerate (merge-patch nulls,
 * strategic-merge $-directives) and what is known without a descriptor stay. paths and *found
 * are as for daas_kube_pb_unknown_fields: max bounds what is reported, never what is removed.
 * Nothing is removed when the kind has no descriptor (*known_kind false). Errors: DAAS_EINVAL
 * as for daas_kube_pb_unknown_fields (obj is then unchanged). Thread: any (obj is the
 * caller's alone). */
DAAS_MUST_USE int daas_kube_pb_prune_unknown(const char *api_version, const char *kind, json_t *obj,
                                             unsigned opts, char (*paths)[DAAS_KUBE_PB_PATH_MAX],
                                             size_t max, size_t *found, bool *known_kind);

/* The first unknown field of obj (see daas_kube_pb_unknown_fields, no options): DAAS_OK with
 * path[0] == '\0' when every field is known or the kind has no descriptor (*known_kind false),
 * else DAAS_OK with the path (cut to pathlen at a character boundary; an unknown top-level
 * key "" is written as the two characters "", so that it cannot read as "all known").
 * Errors: DAAS_EINVAL (obj not an object, pathlen 0, a NULL argument). Thread: any. */
DAAS_MUST_USE int daas_kube_pb_unknown_field(const char *api_version, const char *kind,
                                             const json_t *obj, char *path, size_t pathlen,
                                             bool *known_kind);

#endif
