/*
 * kube.c: sealing and unsealing the values of Secrets and sensitive ConfigMaps.
 *
 * Owns:   the sealed form described in kube.h: which fields hold values (a Secret's data, a
 *         ConfigMap's data and binaryData), how each is turned into bytes and back, the AAD,
 *         the identity, the annotations.
 * Invariants: see kube.h; every function builds its result in fresh JSON and swaps it into
 *         the object only when all values succeeded, so a failure leaves obj as it was.
 */
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "seal/kube.h"

#define MAX_VALUE ((size_t)4 << 20) /* a value's decoded bytes (Secrets are ≤ 1 MiB) */

/* How the values of one field are written: Secret data and binaryData are base64 of the
 * bytes; a ConfigMap's data values are the text itself. */
typedef struct field {
    const char *name;
    bool text;
} field;

static const field secret_fields[] = {{"data", false}, {NULL, false}};
static const field cm_fields[] = {{"data", true}, {"binaryData", false}, {NULL, false}};

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(json_object_get(obj, a), b);
    return json_string_value(v);
}

static bool is_kind(const json_t *obj, const char *kind)
{
    const char *k = json_string_value(json_object_get(obj, "kind"));
    return k && strcmp(k, kind) == 0;
}

bool daas_seal_kube_applies(const json_t *obj)
{
    if (is_kind(obj, "Secret"))
        return true;
    if (!is_kind(obj, "ConfigMap"))
        return false;
    json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    const char *s = json_string_value(json_object_get(ann, DAAS_SEAL_KUBE_ANN_SENSITIVE));
    return s && strcmp(s, "true") == 0;
}

static const field *fields_of(const json_t *obj)
{
    return is_kind(obj, "ConfigMap") ? cm_fields : secret_fields;
}

/* "<namespace>/<name>/<key>" into b. */
static int aad_of(const json_t *obj, const char *key, daas_buf *b)
{
    const char *ns = str_at(obj, "metadata", "namespace");
    const char *name = str_at(obj, "metadata", "name");
    return daas_buf_printf(b, "%s/%s/%s", ns ? ns : "", name ? name : "", key);
}

/* The bytes a value stands for: base64-decoded, or the text itself. */
static int value_bytes(const field *f, const char *key, json_t *v, daas_buf *out, daas_err *err)
{
    const char *s = json_string_value(v);
    if (!s)
        return daas_fail(err, DAAS_EINVALID, "%s[%s]: not a string", f->name, key);
    size_t n = json_string_length(v);
    if (f->text)
        return daas_buf_append(out, s, n) == DAAS_OK
                   ? DAAS_OK
                   : daas_fail(err, DAAS_ETOOBIG, "%s[%s]: too large", f->name, key);
    if (daas_base64_decode(s, n, out) != DAAS_OK)
        return daas_fail(err, DAAS_EINVALID, "%s[%s]: not valid base64", f->name, key);
    return DAAS_OK;
}

/* Parses v as a sealed value (base64 of an EncryptedObject). False when it is not one. */
static bool parse_sealed(const char *s, size_t n, daas_seal_object *o)
{
    daas_buf raw;
    daas_buf_init(&raw, MAX_VALUE);
    bool ok = daas_base64_decode(s, n, &raw) == DAAS_OK &&
              daas_seal_object_parse(DAAS_BYTES(raw.data, raw.len), o, NULL) == DAAS_OK;
    daas_buf_fini(&raw);
    return ok;
}

/* Plaintext size an object carries. */
static size_t plain_size(const daas_seal_object *o)
{
    if (o->dem == DAAS_SEAL_DEM_AES)
        return o->blob_len >= 16 ? o->blob_len - 16 : 0;
    return o->dem == DAAS_SEAL_DEM_HMAC ? o->blob_len : DAAS_SEAL_KEY_LEN;
}

/* An existing sealed value is accepted when it is sealed for this cluster, this object and
 * this key, under identity *id (set by the first value). */
static int check_sealed(const daas_seal_cluster *c, const daas_seal_object *o, daas_bytes aad,
                        const char *fname, const char *key, uint8_t *id, bool *have_id,
                        daas_err *err)
{
    const char *why = NULL;
    if (memcmp(o->package_id, c->package_id, DAAS_SEAL_ADDR_LEN) != 0)
        why = "another package";
    else if (o->id_len != DAAS_SEAL_KUBE_ID_LEN ||
             memcmp(o->id, c->policy_id, DAAS_SEAL_ADDR_LEN) != 0)
        why = "another policy";
    else if (!o->has_aad || o->aad_len != aad.len || memcmp(o->aad, aad.ptr, aad.len) != 0)
        why = "another object or key (AAD)";
    else if (o->threshold != c->threshold || o->nservices != c->nservers)
        why = "another key-server set";
    for (size_t i = 0; !why && i < o->nservices; i++)
        if (memcmp(o->services[i].object_id, c->servers[i].object_id, DAAS_SEAL_ADDR_LEN) != 0)
            why = "another key-server set";
    if (!why && *have_id && memcmp(id, o->id, DAAS_SEAL_KUBE_ID_LEN) != 0)
        why = "an identity other than the object's other values";
    if (why)
        return daas_fail(err, DAAS_EINVALID, "%s[%s]: value is sealed for %s", fname, key, why);
    memcpy(id, o->id, DAAS_SEAL_KUBE_ID_LEN);
    *have_id = true;
    return DAAS_OK;
}

/* The secret id from a UUID ("xxxxxxxx-xxxx-…", 32 hex digits); false when it is not one. */
static bool uuid_bytes(const char *uid, uint8_t out[DAAS_SEAL_KUBE_SECRET_ID_LEN])
{
    char hex[33];
    size_t n = 0;
    for (const char *p = uid; p && *p; p++) {
        if (*p == '-')
            continue;
        if (n == 32)
            return false;
        hex[n++] = *p;
    }
    return n == 32 && daas_hex_decode(hex, 16, out);
}

/* Calls fn for every sealed value of obj with its parsed object; stops at the first error. A
 * value that is not sealed is skipped when skip_plain, else an error. */
typedef int (*value_fn)(const json_t *obj, const field *f, const char *key,
                        const daas_seal_object *o, void *arg, daas_err *err);

static int each_sealed(const json_t *obj, bool skip_plain, value_fn fn, void *arg,
                       daas_err *err)
{
    for (const field *f = fields_of(obj); f->name; f++) {
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(obj, f->name), key, v) {
            daas_seal_object o = {0};
            const char *s = json_string_value(v);
            if (!s || !parse_sealed(s, json_string_length(v), &o)) {
                if (skip_plain)
                    continue;
                return daas_fail(err, DAAS_EINVAL, "%s[%s]: not a sealed value", f->name, key);
            }
            int rc = fn(obj, f, key, &o, arg, err);
            daas_seal_object_fini(&o);
            if (rc != DAAS_OK)
                return rc;
        }
    }
    return DAAS_OK;
}

/* The sealed values found so far must be for this cluster and share one identity. */
typedef struct scanning {
    const daas_seal_cluster *c;
    uint8_t *id;
    bool *have_id;
} scanning;

static int scan_one(const json_t *obj, const field *f, const char *key,
                    const daas_seal_object *o, void *arg, daas_err *err)
{
    scanning *x = arg;
    daas_buf aad = {0};
    int rc = aad_of(obj, key, &aad);
    if (rc == DAAS_OK)
        rc = check_sealed(x->c, o, DAAS_BYTES(aad.data, aad.len), f->name, key, x->id,
                          x->have_id, err);
    daas_buf_fini(&aad);
    return rc;
}

/* One pass over every value: keeps the sealed ones (checked), collects the identity. */
static int scan(const daas_seal_cluster *c, const json_t *obj, uint8_t *id, bool *have_id,
                daas_err *err)
{
    scanning x = {.c = c, .id = id, .have_id = have_id};
    return each_sealed(obj, true, scan_one, &x, err);
}

/* Seals one plaintext value into *out (a JSON string of base64(EncryptedObject)). */
static int seal_value(const daas_seal_cluster *c, const uint8_t *id, daas_bytes plain,
                      daas_bytes aad, json_t **out, daas_err *err)
{
    daas_seal_encrypt_opts o = {
        .package_id = c->package_id,
        .id = DAAS_BYTES(id, DAAS_SEAL_KUBE_ID_LEN),
        .servers = c->servers,
        .nservers = c->nservers,
        .threshold = c->threshold,
        .dem = DAAS_SEAL_DEM_AES,
        .has_aad = true,
        .aad = aad,
    };
    daas_buf ct;
    daas_buf_init(&ct, 2 * MAX_VALUE);
    int rc = daas_seal_encrypt(&o, plain, &ct, NULL, err);
    if (rc == DAAS_OK) {
        char *b64 = daas_base64_encode(ct.data, ct.len);
        *out = json_string(b64);
        daas_free(b64);
    }
    daas_buf_fini(&ct);
    return rc;
}

/* Builds the sealed copy of one field into *out and records sizes. */
static int seal_field(const daas_seal_cluster *c, const json_t *obj, const field *f,
                      const uint8_t *id, json_t *sizes, json_t **out, daas_err *err)
{
    int rc = DAAS_OK;
    const char *key;
    json_t *v;
    daas_buf aad = {0}, plain;
    daas_buf_init(&plain, MAX_VALUE);
    *out = json_object();
    json_object_foreach(json_object_get(obj, f->name), key, v) {
        daas_seal_object o = {0};
        const char *s = json_string_value(v);
        json_t *nv = NULL;
        if (s && parse_sealed(s, json_string_length(v), &o)) { /* checked by scan() */
            json_object_set_new(sizes, key, json_integer((json_int_t)plain_size(&o)));
            daas_seal_object_fini(&o);
            json_object_set(*out, key, v);
            continue;
        }
        daas_buf_reset(&aad);
        daas_buf_reset(&plain);
        rc = value_bytes(f, key, v, &plain, err);
        if (rc == DAAS_OK)
            rc = aad_of(obj, key, &aad);
        if (rc == DAAS_OK)
            rc = seal_value(c, id, DAAS_BYTES(plain.data, plain.len),
                            DAAS_BYTES(aad.data, aad.len), &nv, err);
        if (rc != DAAS_OK)
            break;
        json_object_set_new(sizes, key, json_integer((json_int_t)plain.len));
        json_object_set_new(*out, key, nv);
    }
    daas_seal_wipe(plain.data, plain.cap);
    daas_buf_fini(&plain);
    daas_buf_fini(&aad);
    if (rc != DAAS_OK)
        json_decref(*out), *out = NULL;
    return rc;
}

static json_t *annotations(json_t *obj)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    return ann;
}

static void set_annotations(json_t *obj, const daas_seal_cluster *c, json_t *sizes)
{
    json_t *ann = annotations(obj);
    char hex[2 + 2 * DAAS_SEAL_ADDR_LEN + 1] = "0x";
    daas_hex_encode(c->policy_id, DAAS_SEAL_ADDR_LEN, hex + 2);
    char *s = json_dumps(sizes, JSON_COMPACT | JSON_SORT_KEYS);
    json_object_set_new(ann, DAAS_SEAL_KUBE_ANN_SEALED, json_string("v1"));
    json_object_set_new(ann, DAAS_SEAL_KUBE_ANN_POLICY, json_string(hex));
    json_object_set_new(ann, DAAS_SEAL_KUBE_ANN_SIZES, json_string(s ? s : "{}"));
    free(s); /* jansson's allocator (docs/HACKING.md "Memory") */
}

int daas_seal_kube_seal(const daas_seal_cluster *c, json_t *obj, daas_err *err)
{
    if (!str_at(obj, "metadata", "name"))
        return daas_fail(err, DAAS_EINVAL, "seal: the object has no name");
    if (c->nservers == 0 || c->nservers > DAAS_SEAL_KUBE_MAX_SERVERS || c->threshold == 0 ||
        c->threshold > c->nservers)
        return daas_fail(err, DAAS_EINVAL, "seal: %zu key servers with threshold %u",
                         c->nservers, c->threshold);
    uint8_t id[DAAS_SEAL_KUBE_ID_LEN];
    bool have_id = false;
    int rc = scan(c, obj, id, &have_id, err);
    if (rc != DAAS_OK)
        return rc;
    if (!have_id) {
        memcpy(id, c->policy_id, DAAS_SEAL_ADDR_LEN);
        if (!uuid_bytes(str_at(obj, "metadata", "uid"), id + DAAS_SEAL_ADDR_LEN))
            daas_random(id + DAAS_SEAL_ADDR_LEN, DAAS_SEAL_KUBE_SECRET_ID_LEN);
    }
    const field *fs = fields_of(obj);
    json_t *sealed[3] = {NULL, NULL, NULL};
    json_t *sizes = json_object();
    size_t i = 0;
    for (; fs[i].name && rc == DAAS_OK; i++)
        if (json_object_get(obj, fs[i].name))
            rc = seal_field(c, obj, &fs[i], id, sizes, &sealed[i], err);
    if (rc == DAAS_OK) {
        for (size_t j = 0; fs[j].name; j++)
            if (sealed[j])
                json_object_set(obj, fs[j].name, sealed[j]);
        set_annotations(obj, c, sizes);
    }
    for (size_t j = 0; j < 3; j++)
        json_decref(sealed[j]);
    json_decref(sizes);
    return rc;
}

bool daas_seal_kube_is_sealed(const json_t *obj)
{
    json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    const char *s = json_string_value(json_object_get(ann, DAAS_SEAL_KUBE_ANN_SEALED));
    if (!s || strcmp(s, "v1") != 0)
        return false;
    uint8_t pkg[DAAS_SEAL_ADDR_LEN], id[DAAS_SEAL_KUBE_ID_LEN];
    int rc = daas_seal_kube_identity(obj, pkg, id, NULL);
    return rc == DAAS_OK || rc == DAAS_ENOTFOUND;
}

typedef struct ident {
    bool have;
    uint8_t pkg[DAAS_SEAL_ADDR_LEN];
    uint8_t id[DAAS_SEAL_KUBE_ID_LEN];
} ident;

static int ident_one(const json_t *obj, const field *f, const char *key,
                     const daas_seal_object *o, void *arg, daas_err *err)
{
    (void)obj;
    ident *x = arg;
    if (o->id_len != DAAS_SEAL_KUBE_ID_LEN)
        return daas_fail(err, DAAS_EINVAL, "%s[%s]: identity of %zu bytes (want %d)", f->name,
                         key, o->id_len, DAAS_SEAL_KUBE_ID_LEN);
    if (x->have && (memcmp(x->pkg, o->package_id, DAAS_SEAL_ADDR_LEN) != 0 ||
                    memcmp(x->id, o->id, DAAS_SEAL_KUBE_ID_LEN) != 0))
        return daas_fail(err, DAAS_EINVAL, "%s[%s]: sealed under another identity", f->name,
                         key);
    memcpy(x->pkg, o->package_id, DAAS_SEAL_ADDR_LEN);
    memcpy(x->id, o->id, DAAS_SEAL_KUBE_ID_LEN);
    x->have = true;
    return DAAS_OK;
}

int daas_seal_kube_identity(const json_t *obj, uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                            uint8_t id[DAAS_SEAL_KUBE_ID_LEN], daas_err *err)
{
    ident x = {0};
    int rc = each_sealed(obj, false, ident_one, &x, err);
    if (rc != DAAS_OK)
        return rc;
    if (!x.have)
        return daas_fail(err, DAAS_ENOTFOUND, "the object has no sealed values");
    memcpy(package_id, x.pkg, DAAS_SEAL_ADDR_LEN);
    memcpy(id, x.id, DAAS_SEAL_KUBE_ID_LEN);
    return DAAS_OK;
}

typedef struct opening {
    const daas_seal_derived *keys;
    size_t nkeys;
    const daas_seal_server *pks;
    size_t npks;
    json_t *out[3]; /* per field, the opened values */
} opening;

static int open_one(const json_t *obj, const field *f, const char *key,
                    const daas_seal_object *o, void *arg, daas_err *err)
{
    opening *x = arg;
    daas_buf aad = {0}, plain;
    daas_buf_init(&plain, MAX_VALUE);
    int rc = aad_of(obj, key, &aad);
    if (rc == DAAS_OK && (!o->has_aad || o->aad_len != aad.len ||
                          memcmp(o->aad, aad.data, aad.len) != 0))
        rc = daas_fail(err, DAAS_EUNAUTH, "%s[%s]: sealed for another object or key", f->name,
                       key);
    if (rc == DAAS_OK)
        rc = daas_seal_decrypt(o, x->keys, x->nkeys, x->pks, x->npks, &plain, err);
    json_t *v = NULL;
    if (rc == DAAS_OK && f->text) {
        v = json_stringn(plain.data ? plain.data : "", plain.len);
        if (!v)
            rc = daas_fail(err, DAAS_EINVALID, "%s[%s]: the value is not UTF-8", f->name, key);
    } else if (rc == DAAS_OK) {
        char *b64 = daas_base64_encode(plain.data, plain.len);
        v = json_string(b64);
        daas_seal_wipe(b64, strlen(b64));
        daas_free(b64);
    }
    if (rc == DAAS_OK) {
        size_t slot = (size_t)(f - fields_of(obj));
        if (!x->out[slot])
            x->out[slot] = json_object();
        json_object_set_new(x->out[slot], key, v);
    }
    daas_seal_wipe(plain.data, plain.cap);
    daas_buf_fini(&plain);
    daas_buf_fini(&aad);
    return rc;
}

int daas_seal_kube_unseal(json_t *obj, const daas_seal_derived *keys, size_t nkeys,
                          const daas_seal_server *pks, size_t npks, daas_err *err)
{
    opening x = {.keys = keys, .nkeys = nkeys, .pks = pks, .npks = npks};
    int rc = each_sealed(obj, false, open_one, &x, err);
    const field *fs = fields_of(obj);
    if (rc == DAAS_OK) {
        for (size_t i = 0; fs[i].name; i++)
            if (x.out[i])
                json_object_set(obj, fs[i].name, x.out[i]);
        json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
        json_object_del(ann, DAAS_SEAL_KUBE_ANN_SEALED);
        json_object_del(ann, DAAS_SEAL_KUBE_ANN_POLICY);
        json_object_del(ann, DAAS_SEAL_KUBE_ANN_SIZES);
        if (json_object_size(ann) == 0)
            json_object_del(json_object_get(obj, "metadata"), "annotations");
    }
    for (size_t i = 0; i < 3; i++)
        json_decref(x.out[i]);
    return rc;
}
