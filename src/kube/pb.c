/*
 * pb.c: Kubernetes protobuf request bodies -> the JSON object a client would have sent.
 *
 * Owns:   protobuf wire reading (varints, tags, length-delimited slices, skipping unknown
 *         fields of every wire type including groups), the "k8s\0" + runtime.Unknown envelope,
 *         and the generic decoder driven by the descriptors of pb_desc.c.
 * Not:    the descriptor tables (pb_desc.c); what the API does with the object (api/).
 * Model:  one pass over the bytes. Each message is decoded into a jansson object; a
 *         non-repeated field seen twice follows protobuf's rules (last scalar wins, messages
 *         merge). Go's gogo marshaller writes every non-pointer field even when empty, so an
 *         empty string, 0, false or empty message of a non-pointer field is left out of the
 *         JSON; a pointer field (PTR) keeps whatever was sent.
 * Invariants:
 *   - every read is bounds-checked against the slice it is in; a varint is at most 10 bytes;
 *   - message nesting (and unknown group nesting) is at most PB_MAX_DEPTH;
 *   - the JSON built is charged against a budget of PB_BUDGET_PER_BYTE units per input byte
 *     (plus a constant), a unit being roughly a byte of jansson memory, so no input makes the
 *     decoder allocate more than a small multiple of its size;
 *   - strings must be UTF-8 without NUL (as jansson's own JSON parser requires);
 *   - on error nothing is returned and nothing is left allocated.
 * Spec:   specs/kube-api.md §0 item 3 and §7.
 */
#include "kube/pb.h"

#include <string.h>

#include "common/util.h"
#include "kube/pb_int.h"

#define PB_MAX_DEPTH 32
#define PB_BUDGET_PER_BYTE 16
#define PB_BUDGET_BASE ((size_t)1 << 20)
/* Approximate jansson costs of the values we create. */
#define PB_COST_OBJECT 128
#define PB_COST_ARRAY 64
#define PB_COST_SCALAR 48

/* Protobuf wire types. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

/* Go's zero time.Time (0001-01-01T00:00:00Z) and the last second JSON can print (9999). */
#define PB_TIME_MIN INT64_C(-62135596800)
#define PB_TIME_MAX INT64_C(253402300799)

static const uint8_t pb_magic[4] = {0x6b, 0x38, 0x73, 0x00};

typedef struct pb_ctx {
    size_t budget; /* output units left */
    int depth;     /* current message nesting */
    daas_err *err; /* where the first failure goes */
} pb_ctx;

static int bad(pb_ctx *c, const char *what, const daas_kube_pb_msg *m)
{
    return daas_fail(c->err, DAAS_EINVAL, "protobuf body: %s%s%s", what, m ? " in " : "",
                     m ? m->name : "");
}

static int spend(pb_ctx *c, size_t units)
{
    if (units > c->budget)
        return daas_fail(c->err, DAAS_EINVAL, "protobuf body: decoded object too large");
    c->budget -= units;
    return DAAS_OK;
}

/* ---- wire reading ------------------------------------------------------------------------ */

static int rd_varint(pb_ctx *c, daas_bytes *in, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < 10; i++) {
        if (i >= in->len)
            return bad(c, "truncated varint", NULL);
        uint8_t b = in->ptr[i];
        if (i == 9 && b > 1)
            return bad(c, "varint overflows 64 bits", NULL);
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            in->ptr += i + 1;
            in->len -= i + 1;
            *v = x;
            return DAAS_OK;
        }
    }
    return bad(c, "varint longer than 10 bytes", NULL); /* not reached: byte 10 is 0 or 1 */
}

static int rd_tag(pb_ctx *c, daas_bytes *in, uint32_t *num, int *wt)
{
    uint64_t t;
    int rc = rd_varint(c, in, &t);
    if (rc != DAAS_OK)
        return rc;
    if (t > UINT32_MAX || (t >> 3) == 0 || (t & 7) > WT_I32)
        return bad(c, "invalid field tag", NULL);
    *num = (uint32_t)(t >> 3);
    *wt = (int)(t & 7);
    return DAAS_OK;
}

/* rd_tag in a message whose fields 1 and 2 are both length-delimited (a map entry,
 * TypeMeta): any other wire type for them fails with what (about m, which may be NULL). */
static int rd_tag_len12(pb_ctx *c, daas_bytes *in, uint32_t *num, int *wt, const char *what,
                        const daas_kube_pb_msg *m)
{
    int rc = rd_tag(c, in, num, wt);
    if (rc == DAAS_OK && *num <= 2 && *wt != WT_LEN)
        rc = bad(c, what, m);
    return rc;
}

/* Reads a length-delimited payload into *out (borrowing from in). */
static int rd_len(pb_ctx *c, daas_bytes *in, daas_bytes *out)
{
    uint64_t n;
    int rc = rd_varint(c, in, &n);
    if (rc != DAAS_OK)
        return rc;
    if (n > in->len)
        return bad(c, "truncated length-delimited field", NULL);
    *out = DAAS_BYTES(in->ptr, (size_t)n);
    in->ptr += n;
    in->len -= (size_t)n;
    return DAAS_OK;
}

static int skip_bytes(pb_ctx *c, daas_bytes *in, size_t n)
{
    if (n > in->len)
        return bad(c, "truncated fixed-width field", NULL);
    in->ptr += n;
    in->len -= n;
    return DAAS_OK;
}

static int skip_field(pb_ctx *c, daas_bytes *in, uint32_t num, int wt);

/* Skips the body of group num up to its end-group tag. Groups nest, so this is bounded. */
static int skip_group(pb_ctx *c, daas_bytes *in, uint32_t num)
{
    int rc = DAAS_OK;
    if (++c->depth > PB_MAX_DEPTH)
        return bad(c, "nesting too deep", NULL);
    for (;;) {
        uint32_t n;
        int wt;
        rc = rd_tag(c, in, &n, &wt);
        if (rc != DAAS_OK)
            break;
        if (wt == WT_EGROUP) {
            if (n != num)
                rc = bad(c, "mismatched end of group", NULL);
            break;
        }
        rc = skip_field(c, in, n, wt);
        if (rc != DAAS_OK)
            break;
    }
    c->depth--;
    return rc;
}

/* Skips one field whose tag was just read (an unknown field number). */
static int skip_field(pb_ctx *c, daas_bytes *in, uint32_t num, int wt)
{
    uint64_t v;
    daas_bytes sub;
    switch (wt) {
    case WT_VARINT:
        return rd_varint(c, in, &v);
    case WT_I64:
        return skip_bytes(c, in, 8);
    case WT_LEN:
        return rd_len(c, in, &sub);
    case WT_SGROUP:
        return skip_group(c, in, num);
    case WT_I32:
        return skip_bytes(c, in, 4);
    default:
        return bad(c, "unexpected end of group", NULL);
    }
}

/* ---- scalar values ----------------------------------------------------------------------- */

/* A new JSON string from wire bytes: UTF-8, no NUL (jansson's parser refuses \u0000 too). */
static int mk_string(pb_ctx *c, daas_bytes s, json_t **out)
{
    int rc = spend(c, PB_COST_SCALAR + s.len);
    if (rc != DAAS_OK)
        return rc;
    if (memchr(s.ptr, 0, s.len) != NULL)
        return bad(c, "string contains NUL", NULL);
    *out = json_stringn((const char *)s.ptr, s.len);
    if (*out == NULL)
        return bad(c, "string is not UTF-8", NULL);
    return DAAS_OK;
}

static int mk_base64(pb_ctx *c, daas_bytes s, json_t **out)
{
    int rc = spend(c, PB_COST_SCALAR + s.len / 3 * 4 + 4);
    if (rc != DAAS_OK)
        return rc;
    char *b64 = daas_base64_encode(s.ptr, s.len);
    *out = json_string(b64);
    daas_free(b64);
    return DAAS_OK;
}

static int mk_integer(pb_ctx *c, json_int_t v, json_t **out)
{
    int rc = spend(c, PB_COST_SCALAR);
    if (rc == DAAS_OK)
        *out = json_integer(v);
    return rc;
}

/* A varint field's JSON value: int32 keeps the low 32 bits, as Go's decoder does. */
static int mk_varint(pb_ctx *c, int type, uint64_t v, json_t **out)
{
    if (type == DAAS_KUBE_PB_T_BOOL) {
        int rc = spend(c, PB_COST_SCALAR);
        if (rc == DAAS_OK)
            *out = json_boolean(v != 0);
        return rc;
    }
    if (type == DAAS_KUBE_PB_T_I32)
        return mk_integer(c, (json_int_t)(int32_t)(uint32_t)v, out);
    return mk_integer(c, (json_int_t)(int64_t)v, out);
}

/* ---- well-known apimachinery messages ---------------------------------------------------- */

/* Reads {1: seconds int64, 2: nanos int32}; *present is false for an empty message. */
static int rd_timestamp(pb_ctx *c, daas_bytes in, int64_t *sec, int64_t *nsec, bool *present)
{
    *sec = 0;
    *nsec = 0;
    *present = in.len > 0;
    while (in.len > 0) {
        uint32_t num;
        int wt, rc;
        uint64_t v;
        rc = rd_tag(c, &in, &num, &wt);
        if (rc == DAAS_OK && num <= 2 && wt != WT_VARINT)
            rc = bad(c, "wrong wire type", NULL);
        if (rc == DAAS_OK)
            rc = num <= 2 ? rd_varint(c, &in, &v) : skip_field(c, &in, num, wt);
        if (rc != DAAS_OK)
            return rc;
        if (num == 1)
            *sec = (int64_t)v;
        else if (num == 2)
            *nsec = (int32_t)(uint32_t)v;
    }
    return DAAS_OK;
}

/* meta/v1 Time (seconds; Go drops the nanos) or MicroTime (microseconds). The zero time and an
 * empty message give *out = NULL: Go prints them as null, so the field is left out. */
static int mk_time(pb_ctx *c, daas_bytes in, bool micro, json_t **out)
{
    int64_t sec, nsec;
    bool present;
    char buf[48];
    int rc = rd_timestamp(c, in, &sec, &nsec, &present);
    if (rc != DAAS_OK)
        return rc;
    if (!micro)
        nsec = 0;
    /* time.Unix(sec, nsec) normalises nanos outside [0, 1e9). */
    sec += nsec / 1000000000;
    nsec %= 1000000000;
    if (nsec < 0) {
        nsec += 1000000000;
        sec--;
    }
    if (!present || (sec == PB_TIME_MIN && nsec == 0))
        return DAAS_OK;
    if (sec < PB_TIME_MIN || sec > PB_TIME_MAX)
        return bad(c, "time out of range", NULL);
    daas_time_rfc3339(sec, buf, sizeof buf);
    if (micro) {
        size_t n = strlen(buf); /* replace the final 'Z' by ".uuuuuuZ" */
        snprintf(buf + n - 1, sizeof buf - (n - 1), ".%06dZ", (int)(nsec / 1000));
    }
    return mk_string(c, DAAS_BYTES(buf, strlen(buf)), out);
}

/* Reads field 1 of a one-string message (Quantity {1 string}, FieldsV1 {1 Raw}). */
static int rd_field1(pb_ctx *c, daas_bytes in, daas_bytes *s)
{
    *s = DAAS_BYTES("", 0);
    while (in.len > 0) {
        uint32_t num;
        int wt;
        int rc = rd_tag(c, &in, &num, &wt);
        if (rc == DAAS_OK && num == 1 && wt != WT_LEN)
            rc = bad(c, "wrong wire type", NULL);
        if (rc == DAAS_OK)
            rc = num == 1 ? rd_len(c, &in, s) : skip_field(c, &in, num, wt);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* api/resource Quantity: Go refuses an empty one (ParseQuantity("")), so do we. */
static int mk_quantity(pb_ctx *c, daas_bytes in, json_t **out)
{
    daas_bytes s;
    int rc = rd_field1(c, in, &s);
    if (rc != DAAS_OK)
        return rc;
    if (s.len == 0)
        return bad(c, "empty quantity", NULL);
    return mk_string(c, s, out);
}

/* meta/v1 FieldsV1: its Raw bytes are JSON (managedFields). Empty gives *out = NULL. */
static int mk_fields(pb_ctx *c, daas_bytes in, json_t **out)
{
    daas_bytes raw;
    json_error_t jerr;
    int rc = rd_field1(c, in, &raw);
    if (rc == DAAS_OK && raw.len > 0)
        rc = spend(c, PB_COST_OBJECT + 8 * raw.len);
    if (rc != DAAS_OK || raw.len == 0)
        return rc;
    *out = json_loadb((const char *)raw.ptr, raw.len, 0, &jerr);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return bad(c, "fieldsV1 is not a JSON object", NULL);
    }
    return DAAS_OK;
}

/* util/intstr IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}. */
static int mk_intorstr(pb_ctx *c, daas_bytes in, json_t **out)
{
    uint64_t type = 0, ival = 0;
    daas_bytes sval = DAAS_BYTES("", 0);
    while (in.len > 0) {
        uint32_t num;
        int wt;
        int rc = rd_tag(c, &in, &num, &wt);
        if (rc == DAAS_OK && num >= 1 && num <= 3 && wt != (num == 3 ? WT_LEN : WT_VARINT))
            rc = bad(c, "wrong wire type", NULL);
        if (rc == DAAS_OK) {
            if (num == 1 || num == 2)
                rc = rd_varint(c, &in, num == 1 ? &type : &ival);
            else if (num == 3)
                rc = rd_len(c, &in, &sval);
            else
                rc = skip_field(c, &in, num, wt);
        }
        if (rc != DAAS_OK)
            return rc;
    }
    if (type == 0)
        return mk_integer(c, (json_int_t)(int32_t)(uint32_t)ival, out);
    if (type == 1)
        return mk_string(c, sval, out);
    return bad(c, "IntOrString of unknown type", NULL);
}

/* ---- fields ------------------------------------------------------------------------------ */

static int expect_wt(int type)
{
    switch (type) {
    case DAAS_KUBE_PB_T_I32:
    case DAAS_KUBE_PB_T_I64:
    case DAAS_KUBE_PB_T_BOOL:
        return WT_VARINT;
    default:
        return WT_LEN;
    }
}

/* The JSON value of one non-message field whose tag was read; *out = NULL means "absent". */
static int decode_value(pb_ctx *c, const daas_kube_pb_field *f, daas_bytes *in, json_t **out)
{
    daas_bytes s;
    uint64_t v;
    int rc;
    *out = NULL;
    if (f->type == DAAS_KUBE_PB_T_I32 || f->type == DAAS_KUBE_PB_T_I64 ||
        f->type == DAAS_KUBE_PB_T_BOOL) {
        rc = rd_varint(c, in, &v);
        return rc != DAAS_OK ? rc : mk_varint(c, f->type, v, out);
    }
    rc = rd_len(c, in, &s);
    if (rc != DAAS_OK)
        return rc;
    switch (f->type) {
    case DAAS_KUBE_PB_T_STR:
        return mk_string(c, s, out);
    case DAAS_KUBE_PB_T_BYTES:
        return mk_base64(c, s, out);
    case DAAS_KUBE_PB_T_TIME:
    case DAAS_KUBE_PB_T_MTIME:
        return mk_time(c, s, f->type == DAAS_KUBE_PB_T_MTIME, out);
    case DAAS_KUBE_PB_T_QTY:
        return mk_quantity(c, s, out);
    case DAAS_KUBE_PB_T_IOS:
        return mk_intorstr(c, s, out);
    case DAAS_KUBE_PB_T_FIELDS:
        return mk_fields(c, s, out);
    default:
        return bad(c, "bad descriptor", NULL); /* DAAS_NEVER: MSG and MAP go elsewhere */
    }
}

/* Go's zero value of a scalar: what a non-pointer field with it would print as omitted. */
static bool is_zero(const json_t *v)
{
    if (json_is_string(v))
        return json_string_length(v) == 0;
    if (json_is_integer(v))
        return json_integer_value(v) == 0;
    return json_is_false(v);
}

/* The array (array) or object obj[name], created when missing (replacing a value of another
 * type), which is charged to the budget. Borrowed. */
static int get_member(pb_ctx *c, json_t *obj, const char *name, bool array, json_t **out)
{
    *out = json_object_get(obj, name);
    if (array ? json_is_array(*out) : json_is_object(*out))
        return DAAS_OK;
    int rc = spend(c, array ? PB_COST_ARRAY : PB_COST_OBJECT);
    if (rc != DAAS_OK)
        return rc;
    *out = array ? json_array() : json_object();
    json_object_set_new(obj, name, *out);
    return DAAS_OK;
}

/* Stores a decoded value (takes v): appended when repeated; else last one wins, and a
 * non-pointer field's zero value (or an absent one) removes the member. */
static int place(pb_ctx *c, const daas_kube_pb_field *f, json_t *obj, json_t *v)
{
    if (f->flags & DAAS_KUBE_PB_F_REP) {
        json_t *arr;
        int rc = get_member(c, obj, f->json, true, &arr);
        if (rc != DAAS_OK || v == NULL) {
            json_decref(v);
            return rc;
        }
        json_array_append_new(arr, v);
        return DAAS_OK;
    }
    if (v == NULL || (!(f->flags & DAAS_KUBE_PB_F_PTR) && is_zero(v))) {
        json_decref(v);
        json_object_del(obj, f->json);
        return DAAS_OK;
    }
    json_object_set_new(obj, f->json, v);
    return DAAS_OK;
}

/* Repeated varint fields may also come packed (one length-delimited run of varints). */
static int decode_packed(pb_ctx *c, const daas_kube_pb_field *f, daas_bytes *in, json_t *obj)
{
    daas_bytes run;
    int rc = rd_len(c, in, &run);
    while (rc == DAAS_OK && run.len > 0) {
        uint64_t v;
        json_t *j = NULL;
        rc = rd_varint(c, &run, &v);
        if (rc == DAAS_OK)
            rc = mk_varint(c, f->type, v, &j);
        if (rc == DAAS_OK)
            rc = place(c, f, obj, j);
    }
    return rc;
}

/* A map entry {1 key, 2 value} into obj[f->json][key]. A missing key or value is Go's zero:
 * "" (or "0" for a Quantity), as gogo's generated unmarshaller does. */
static int decode_map_entry(pb_ctx *c, const daas_kube_pb_field *f, daas_bytes in, json_t *obj)
{
    const daas_kube_pb_field *vf = &f->msg->fields[1];
    daas_bytes key = DAAS_BYTES("", 0);
    json_t *val = NULL, *map, *k = NULL;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && in.len > 0) {
        uint32_t num;
        int wt;
        rc = rd_tag_len12(c, &in, &num, &wt, "wrong wire type for map entry", f->msg);
        if (rc != DAAS_OK)
            break;
        if (num == 1) {
            rc = rd_len(c, &in, &key);
        } else if (num == 2) {
            json_decref(val);
            rc = decode_value(c, vf, &in, &val);
        } else {
            rc = skip_field(c, &in, num, wt);
        }
    }
    if (rc == DAAS_OK)
        rc = mk_string(c, key, &k); /* validates the key */
    if (rc == DAAS_OK && val == NULL) {
        bool qty = vf->type == DAAS_KUBE_PB_T_QTY;
        rc = mk_string(c, qty ? DAAS_BYTES("0", 1) : DAAS_BYTES("", 0), &val);
    }
    if (rc == DAAS_OK)
        rc = get_member(c, obj, f->json, false, &map);
    if (rc == DAAS_OK)
        json_object_set(map, json_string_value(k), val);
    json_decref(k);
    json_decref(val);
    return rc;
}

static int decode_msg(pb_ctx *c, const daas_kube_pb_msg *m, daas_bytes in, json_t *obj);

/* An embedded message field: inline into obj, appended to an array, or merged into obj[name]
 * (protobuf merges a non-repeated message sent twice). An empty non-pointer one is left out. */
static int decode_submsg(pb_ctx *c, const daas_kube_pb_field *f, daas_bytes in, json_t *obj)
{
    json_t *child, *arr;
    int rc;
    if (f->flags & DAAS_KUBE_PB_F_INL)
        return decode_msg(c, f->msg, in, obj);
    if (f->flags & DAAS_KUBE_PB_F_REP) {
        rc = get_member(c, obj, f->json, true, &arr);
        if (rc == DAAS_OK)
            rc = spend(c, PB_COST_OBJECT);
        if (rc != DAAS_OK)
            return rc;
        child = json_object();
        json_array_append_new(arr, child);
        return decode_msg(c, f->msg, in, child);
    }
    rc = get_member(c, obj, f->json, false, &child);
    if (rc == DAAS_OK)
        rc = decode_msg(c, f->msg, in, child);
    if (rc == DAAS_OK && !(f->flags & DAAS_KUBE_PB_F_PTR) && json_object_size(child) == 0)
        json_object_del(obj, f->json);
    return rc;
}

/* One known field whose tag (wire type wt) was just read from in. */
static int decode_field(pb_ctx *c, const daas_kube_pb_msg *m, const daas_kube_pb_field *f,
                        int wt, daas_bytes *in, json_t *obj)
{
    daas_bytes sub;
    json_t *v = NULL;
    int want = expect_wt(f->type);
    int rc;
    if (wt == WT_LEN && want == WT_VARINT && (f->flags & DAAS_KUBE_PB_F_REP))
        return decode_packed(c, f, in, obj);
    if (wt != want) {
        char what[96];
        snprintf(what, sizeof what, "wrong wire type %d for field %s", wt, f->json ? f->json
                                                                              : "(inline)");
        return bad(c, what, m);
    }
    if (f->type == DAAS_KUBE_PB_T_MSG || f->type == DAAS_KUBE_PB_T_MAP) {
        rc = rd_len(c, in, &sub);
        if (rc != DAAS_OK)
            return rc;
        return f->type == DAAS_KUBE_PB_T_MSG ? decode_submsg(c, f, sub, obj)
                                             : decode_map_entry(c, f, sub, obj);
    }
    rc = decode_value(c, f, in, &v);
    if (rc != DAAS_OK)
        return rc;
    return place(c, f, obj, v);
}

static const daas_kube_pb_field *find_field(const daas_kube_pb_msg *m, uint32_t num)
{
    size_t lo = 0, hi = m->nfields;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->fields[mid].num == num)
            return &m->fields[mid];
        if (m->fields[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Decodes the fields of message m from in into the (borrowed) object obj. */
static int decode_msg(pb_ctx *c, const daas_kube_pb_msg *m, daas_bytes in, json_t *obj)
{
    int rc = DAAS_OK;
    if (++c->depth > PB_MAX_DEPTH) {
        c->depth--;
        return bad(c, "nesting too deep", m);
    }
    while (rc == DAAS_OK && in.len > 0) {
        uint32_t num;
        int wt;
        rc = rd_tag(c, &in, &num, &wt);
        if (rc != DAAS_OK)
            break;
        const daas_kube_pb_field *f = find_field(m, num);
        rc = f ? decode_field(c, m, f, wt, &in, obj) : skip_field(c, &in, num, wt);
    }
    c->depth--;
    return rc;
}

/* ---- envelope ---------------------------------------------------------------------------- */

/* What runtime.Unknown carries. Strings are NUL-terminated copies; raw is borrowed. */
typedef struct pb_env {
    char *api_version; /* TypeMeta.apiVersion */
    char *kind;        /* TypeMeta.kind */
    char *encoding;    /* contentEncoding */
    char *ctype;       /* contentType */
    daas_bytes raw;    /* the object's own message */
} pb_env;

static void env_fini(pb_env *e)
{
    daas_free(e->api_version);
    daas_free(e->kind);
    daas_free(e->encoding);
    daas_free(e->ctype);
}

/* A short envelope string (names, media types): UTF-8, no NUL, at most 256 bytes. */
static int env_str(pb_ctx *c, daas_bytes *in, char **out)
{
    daas_bytes s;
    json_t *j = NULL;
    int rc = rd_len(c, in, &s);
    if (rc == DAAS_OK && s.len > 256)
        rc = bad(c, "envelope string too long", NULL);
    if (rc == DAAS_OK)
        rc = mk_string(c, s, &j);
    if (rc != DAAS_OK)
        return rc;
    json_decref(j);
    daas_free(*out); /* a repeated field: the last one wins */
    *out = daas_xstrndup((const char *)s.ptr, s.len);
    return DAAS_OK;
}

/* SPEC: apimachinery runtime/generated.proto: TypeMeta {1 apiVersion, 2 kind}. */
static int env_typemeta(pb_ctx *c, daas_bytes in, pb_env *e)
{
    int rc = DAAS_OK;
    while (rc == DAAS_OK && in.len > 0) {
        uint32_t num;
        int wt;
        rc = rd_tag_len12(c, &in, &num, &wt, "wrong wire type in TypeMeta", NULL);
        if (rc == DAAS_OK)
            rc = num <= 2 ? env_str(c, &in, num == 1 ? &e->api_version : &e->kind)
                          : skip_field(c, &in, num, wt);
    }
    return rc;
}

/* SPEC: specs/kube-api.md §7: "k8s\0", then runtime.Unknown {1 typeMeta, 2 raw,
 * 3 contentEncoding, 4 contentType}. */
static int env_parse(pb_ctx *c, daas_bytes in, pb_env *e)
{
    int rc = DAAS_OK;
    if (in.len < sizeof pb_magic || memcmp(in.ptr, pb_magic, sizeof pb_magic) != 0)
        return bad(c, "missing \"k8s\\0\" prefix", NULL);
    in.ptr += sizeof pb_magic;
    in.len -= sizeof pb_magic;
    while (rc == DAAS_OK && in.len > 0) {
        uint32_t num;
        int wt;
        daas_bytes sub;
        rc = rd_tag(c, &in, &num, &wt);
        if (rc == DAAS_OK && num <= 4 && wt != WT_LEN)
            rc = bad(c, "wrong wire type in runtime.Unknown", NULL);
        if (rc != DAAS_OK)
            break;
        if (num == 1) {
            rc = rd_len(c, &in, &sub);
            if (rc == DAAS_OK)
                rc = env_typemeta(c, sub, e);
        } else if (num == 2) {
            rc = rd_len(c, &in, &e->raw);
        } else if (num == 3 || num == 4) {
            rc = env_str(c, &in, num == 3 ? &e->encoding : &e->ctype);
        } else {
            rc = skip_field(c, &in, num, wt);
        }
    }
    return rc;
}

/* The envelope's media parameters: only the plain protobuf encoding of the object. */
static int env_check(pb_ctx *c, const pb_env *e)
{
    if (e->api_version == NULL || e->kind == NULL || e->api_version[0] == '\0' ||
        e->kind[0] == '\0')
        return bad(c, "apiVersion or kind missing from the envelope", NULL);
    if (e->encoding != NULL && e->encoding[0] != '\0')
        return daas_fail(c->err, DAAS_EMEDIA, "protobuf body: content encoding %.64s is not "
                         "supported", e->encoding);
    if (e->ctype != NULL && e->ctype[0] != '\0' &&
        strcmp(e->ctype, "application/vnd.kubernetes.protobuf") != 0)
        return daas_fail(c->err, DAAS_EMEDIA, "protobuf body: content type %.64s is not "
                         "supported", e->ctype);
    return DAAS_OK;
}

int daas_kube_pb_decode(daas_bytes body, json_t **out, daas_err *err)
{
    pb_ctx c = {.err = err};
    pb_env e = {0};
    const daas_kube_pb_msg *m;
    json_t *obj = NULL;
    int rc;

    *out = NULL;
    c.budget = body.len > (SIZE_MAX - PB_BUDGET_BASE) / PB_BUDGET_PER_BYTE
                   ? SIZE_MAX
                   : PB_BUDGET_BASE + body.len * PB_BUDGET_PER_BYTE;
    rc = env_parse(&c, body, &e);
    if (rc == DAAS_OK)
        rc = env_check(&c, &e);
    if (rc != DAAS_OK)
        goto out;
    m = daas_kube__pb_lookup(e.api_version, e.kind);
    if (m == NULL) {
        rc = daas_fail(err, DAAS_EMEDIA,
                       "the body of the request was in an unknown format - accepted media types "
                       "include: application/json, application/yaml (no protobuf decoder for "
                       "%.48s %.64s)", e.api_version, e.kind);
        goto out;
    }
    obj = json_object();
    json_object_set_new(obj, "apiVersion", json_string(e.api_version));
    json_object_set_new(obj, "kind", json_string(e.kind));
    rc = decode_msg(&c, m, e.raw, obj);
    if (rc == DAAS_OK) {
        *out = obj;
        obj = NULL;
    }
out:
    json_decref(obj);
    env_fini(&e);
    return rc;
}
