/*
 * pb_int.h: private to pb.c and pb_desc.c: the shape of a protobuf message descriptor.
 *
 * Owns:   the descriptor types (field, message, kind) and the kind table lookup.
 * Not:    decoding (pb.c); the tables themselves (pb_desc.c).
 * Invariants:
 *   - a message's fields are sorted by strictly increasing field number (pb.c binary-searches);
 *   - a MSG or MAP field has a non-NULL msg; a MAP field's msg is an entry descriptor whose
 *     fields are exactly {1: key (STR), 2: value};
 *   - an INL field has json == NULL (Go's `json:",inline"`: its fields land in the parent
 *     object); every other field has its Go json tag name in json;
 *   - descriptors are const tables: no global mutable state, usable from any thread.
 * Spec:   specs/kube-api.md §7; field numbers from k8s.io/api and apimachinery v0.32.4
 *         generated.proto, pointer-ness and json names from their types.go.
 */
#ifndef DAAS_KUBE_PB_INT_H
#define DAAS_KUBE_PB_INT_H

#include <stddef.h>
#include <stdint.h>

/* What a field holds and how it becomes JSON. */
enum {
    DAAS_KUBE_PB_T_STR = 0, /* string (wire 2) -> JSON string */
    DAAS_KUBE_PB_T_BYTES,   /* bytes (wire 2) -> base64 string */
    DAAS_KUBE_PB_T_I32,     /* int32 (varint) -> integer */
    DAAS_KUBE_PB_T_I64,     /* int64 (varint) -> integer (a number, not a string, in k8s JSON) */
    DAAS_KUBE_PB_T_BOOL,    /* bool (varint) -> true/false */
    DAAS_KUBE_PB_T_MSG,     /* embedded message (wire 2) -> object */
    DAAS_KUBE_PB_T_MAP,     /* repeated {1 key, 2 value} entries (wire 2) -> object */
    DAAS_KUBE_PB_T_TIME,    /* meta/v1 Time {1 seconds, 2 nanos} -> RFC 3339, seconds */
    DAAS_KUBE_PB_T_MTIME,   /* meta/v1 MicroTime -> RFC 3339 with 6 fraction digits */
    DAAS_KUBE_PB_T_QTY,     /* api/resource Quantity {1 string} -> string */
    DAAS_KUBE_PB_T_IOS,     /* util/intstr IntOrString {1 type, 2 intVal, 3 strVal} */
    DAAS_KUBE_PB_T_FIELDS,  /* meta/v1 FieldsV1 {1 Raw: JSON bytes} -> that JSON */
};

/* Field flags. */
enum {
    DAAS_KUBE_PB_F_REP = 1, /* repeated: JSON array (a MAP is implicitly repeated) */
    DAAS_KUBE_PB_F_PTR = 2, /* Go pointer field: keep explicit zero values and empty objects */
    DAAS_KUBE_PB_F_INL = 4, /* Go embedded struct with json:",inline" */
};

typedef struct daas_kube_pb_msg daas_kube_pb_msg;

typedef struct daas_kube_pb_field {
    uint32_t num;                /* protobuf field number */
    uint8_t type;                /* DAAS_KUBE_PB_T_* */
    uint8_t flags;               /* DAAS_KUBE_PB_F_* */
    const char *json;            /* JSON member name; NULL for an inline field */
    const daas_kube_pb_msg *msg; /* MSG: its descriptor; MAP: the entry descriptor */
} daas_kube_pb_field;

struct daas_kube_pb_msg {
    const char *name;                 /* Go type name, for error messages */
    const daas_kube_pb_field *fields; /* sorted by num */
    size_t nfields;                   /* entries in fields */
};

typedef struct daas_kube_pb_kind {
    const char *api_version;     /* envelope TypeMeta.apiVersion, e.g. "apps/v1" */
    const char *kind;            /* envelope TypeMeta.kind, e.g. "Deployment" */
    const daas_kube_pb_msg *msg; /* top-level message descriptor */
} daas_kube_pb_kind;

/* Every kind the decoder knows, and how many. Static const storage. */
extern const daas_kube_pb_kind daas_kube__pb_kinds[];
extern const size_t daas_kube__pb_nkinds;

/* The descriptor for apiVersion+kind, or NULL when there is none. Pure, any thread. */
const daas_kube_pb_msg *daas_kube__pb_lookup(const char *api_version, const char *kind);

#endif
