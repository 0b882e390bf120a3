/*
 * gql_parse.c: Sui GraphQL replies into the result structs of gql.h.
 *
 * Owns:   the shape of each reply (which path holds which field), the typed field getters
 *         (u64 as string or number, addresses, Base58 digests, base64 BCS, DateTime), and the
 *         _fini functions of the result structs.
 * Not:    HTTP, retries, building variables (gql.c).
 * Invariants:
 *   - nothing read here is trusted: every field is type-checked and a failure names its JSON
 *     path from "data" ("data.epoch.referenceGasPrice missing");
 *   - strings copied out are made one line (control characters become spaces) before they go
 *     into a daas_err;
 *   - a parser that fails leaves its result empty (see gql_int.h; DAAS_EFAILED excepted).
 * Spec:   specs/sui.md §5.2; shapes of the operations in gql_ops.h (Sui GraphQL schema:
 *         BigInt is a decimal string, UInt53 a number, DateTime RFC 3339 in UTC).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "sui/gql_int.h"
#include "sui/sui.h"

#define SHAPE "sui: reply is not shaped as expected: "
#define PATH_MAX_LEN 160 /* JSON paths in messages; longer ones are cut */
#define SKIP 1           /* a node callback's "no item from this node" */

/* ---- paths and typed getters ---- */

/* The value at a dotted path below j, or NULL when a step is missing or a step before the
 * last is not an object. A JSON null is returned as is. */
static json_t *walk(json_t *j, const char *path)
{
    while (j != NULL && *path != '\0') {
        const char *dot = strchr(path, '.');
        size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);
        if (!json_is_object(j))
            return NULL;
        j = json_object_getn(j, path, n);
        path += n + (dot != NULL);
    }
    return j;
}

/* Is the value at path missing or JSON null? */
static bool is_absent(json_t *j, const char *path)
{
    json_t *v = walk(j, path);
    return v == NULL || json_is_null(v);
}

/* base.path into out; a path too long for out is cut (it only names a field in a message). */
static void join(char out[PATH_MAX_LEN], const char *base, const char *path)
{
    if (snprintf(out, PATH_MAX_LEN, "%s.%s", base, path) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

/* Copies s into out (size n), control characters turned into spaces: one line for a log. */
static void one_line(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    out[i] = '\0';
}

static int shape(daas_err *err, const char *base, const char *path, const char *problem)
{
    return daas_fail(err, DAAS_EREMOTE, SHAPE "%s%s%s %s", base, *path != '\0' ? "." : "", path,
                     problem);
}

/* The value at base.path into *out; absent or null gives NULL, an error only when required. */
static int field(json_t *j, const char *base, const char *path, bool required, json_t **out,
                 daas_err *err)
{
    json_t *v = walk(j, path);
    *out = json_is_null(v) ? NULL : v;
    if (*out == NULL && required)
        return shape(err, base, path, "missing");
    return DAAS_OK;
}

/* field() that also checks the JSON type (JSON_TRUE stands for either boolean). */
static int typed(json_t *j, const char *base, const char *path, bool required, json_type t,
                 json_t **out, daas_err *err)
{
    static const char *const names[] = {
        [JSON_OBJECT] = "is not an object",
        [JSON_ARRAY] = "is not a list",
        [JSON_STRING] = "is not a string",
        [JSON_TRUE] = "is not a boolean",
    };
    int rc = field(j, base, path, required, out, err);
    if (rc != DAAS_OK || *out == NULL)
        return rc;
    bool ok = t == JSON_TRUE ? json_is_boolean(*out) : json_typeof(*out) == t;
    if (ok)
        return DAAS_OK;
    *out = NULL;
    return shape(err, base, path, names[t]);
}

static int get_obj(json_t *j, const char *base, const char *path, bool required, json_t **out,
                   daas_err *err)
{
    return typed(j, base, path, required, JSON_OBJECT, out, err);
}

/* *out borrowed from j; NULL when absent and not required. */
static int get_str(json_t *j, const char *base, const char *path, bool required, const char **out,
                   daas_err *err)
{
    json_t *v;
    int rc = typed(j, base, path, required, JSON_STRING, &v, err);
    *out = v != NULL ? json_string_value(v) : NULL;
    return rc;
}

/* Absent or null is false. */
static int get_bool(json_t *j, const char *base, const char *path, bool required, bool *out,
                    daas_err *err)
{
    json_t *v;
    int rc = typed(j, base, path, required, JSON_TRUE, &v, err);
    *out = json_is_true(v);
    return rc;
}

/* A u64 from a JSON integer >= 0 or a decimal string (BigInt): no sign, no overflow. */
static bool to_u64(json_t *v, uint64_t *out)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        *out = (uint64_t)i;
        return i >= 0;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    uint64_t x = 0;
    if (s == NULL || n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

/* has NULL: the field is required; otherwise *has says whether it was there. */
static int get_u64(json_t *j, const char *base, const char *path, bool *has, uint64_t *out,
                   daas_err *err)
{
    json_t *v;
    int rc = field(j, base, path, has == NULL, &v, err);
    if (has != NULL)
        *has = v != NULL;
    if (rc != DAAS_OK || v == NULL)
        return rc;
    if (!to_u64(v, out))
        return shape(err, base, path, "is not a u64");
    return DAAS_OK;
}

/* Fails when present and not an address; *has (may be NULL: required) as in get_u64. */
static int get_addr(json_t *j, const char *base, const char *path, bool *has,
                    uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    const char *s;
    int rc = get_str(j, base, path, has == NULL, &s, err);
    if (has != NULL)
        *has = s != NULL;
    if (rc != DAAS_OK || s == NULL)
        return rc;
    if (daas_sui_address_parse(s, out, NULL) != DAAS_OK)
        return shape(err, base, path, "is not a Sui address");
    return DAAS_OK;
}

static bool is_digest(const char *s, uint8_t out[DAAS_SUI_DIGEST_LEN])
{
    size_t n = 0;
    return strlen(s) < DAAS_SUI_DIGEST_B58_LEN &&
           daas_sui_base58_decode(s, strlen(s), out, DAAS_SUI_DIGEST_LEN, &n, NULL) == DAAS_OK &&
           n == DAAS_SUI_DIGEST_LEN;
}

/* A Base58 32-byte digest (required); *text borrows its text when not NULL. */
static int get_digest(json_t *j, const char *base, const char *path,
                      uint8_t out[DAAS_SUI_DIGEST_LEN], const char **text, daas_err *err)
{
    const char *s;
    int rc = get_str(j, base, path, true, &s, err);
    if (rc != DAAS_OK)
        return rc;
    if (!is_digest(s, out))
        return shape(err, base, path, "is not a Base58 digest");
    if (text != NULL)
        *text = s;
    return DAAS_OK;
}

/* Optional base64 at base.path into a new buffer (*p NULL when absent). */
static int get_b64(json_t *j, const char *base, const char *path, uint8_t **p, size_t *n,
                   daas_err *err)
{
    const char *s;
    daas_buf b;
    int rc = get_str(j, base, path, false, &s, err);
    if (rc != DAAS_OK || s == NULL)
        return rc;
    daas_buf_init(&b, DAAS_SUI__GQL_MAX_REPLY);
    if (daas_base64_decode(s, strlen(s), &b) != DAAS_OK) {
        daas_buf_fini(&b);
        return shape(err, base, path, "is not base64");
    }
    *p = (uint8_t *)daas_buf_steal(&b, n);
    return DAAS_OK;
}

/* ---- lists and pages ---- */

/* Parses one node (an object) into item; returns DAAS_OK, SKIP (item left zeroed) or an
 * error (item may be partly filled: the caller finalises it). */
typedef int (*node_fn)(json_t *node, const char *base, void *item, daas_err *err);
typedef void (*fini_fn)(void *item);

/* The list at base.path into a new array (*items, *n; NULL and 0 when empty or absent and not
 * required) of items of size sz. On failure nothing is left allocated. */
static int parse_list(json_t *j, const char *base, const char *path, bool required, size_t sz,
                      node_fn fn, fini_fn fini, void **items, size_t *n, daas_err *err)
{
    json_t *arr;
    char nb[PATH_MAX_LEN];
    size_t k = 0;
    *items = NULL;
    *n = 0;
    int rc = typed(j, base, path, required, JSON_ARRAY, &arr, err);
    if (rc != DAAS_OK || arr == NULL || json_array_size(arr) == 0)
        return rc;
    uint8_t *a = daas_xcalloc(json_array_size(arr), sz);
    for (size_t i = 0; i < json_array_size(arr) && rc == DAAS_OK; i++) {
        json_t *node = json_array_get(arr, i);
        if (snprintf(nb, sizeof nb, "%s.%s[%zu]", base, path, i) >= (int)sizeof nb)
            nb[sizeof nb - 1] = '\0';
        rc = json_is_object(node) ? fn(node, nb, a + k * sz, err)
                                  : shape(err, nb, "", "is not an object");
        k += rc == DAAS_OK;
        rc = rc == SKIP ? DAAS_OK : rc;
    }
    if (rc != DAAS_OK) {
        for (size_t i = 0; fini != NULL && i <= k; i++)
            fini(a + i * sz); /* item k is the one that failed, maybe partly filled */
        daas_free(a);
        return rc;
    }
    *items = a;
    *n = k;
    return DAAS_OK;
}

static int parse_page_info(json_t *conn, const char *base, bool *has_next, char **cursor,
                           daas_err *err)
{
    const char *cur;
    int rc = get_bool(conn, base, "pageInfo.hasNextPage", true, has_next, err);
    if (rc == DAAS_OK)
        rc = get_str(conn, base, "pageInfo.endCursor", false, &cur, err);
    if (rc == DAAS_OK && cur != NULL)
        *cursor = daas_xstrdup(cur);
    return rc;
}

/* ---- objects ---- */

static int parse_ref(json_t *node, const char *base, daas_sui_objref *ref, daas_err *err)
{
    int rc = get_addr(node, base, "address", NULL, ref->id, err);
    if (rc == DAAS_OK)
        rc = get_u64(node, base, "version", NULL, &ref->version, err);
    if (rc == DAAS_OK)
        rc = get_digest(node, base, "digest", ref->digest, NULL, err);
    return rc;
}

/* owner { __typename … }; absent leaves owner_kind 0, as does a kind this client does not
 * model (e.g. ConsensusAddressOwner of newer servers). */
static int parse_owner(json_t *node, const char *base, daas_sui_object *o, daas_err *err)
{
    const char *tn;
    if (is_absent(node, "owner"))
        return DAAS_OK;
    int rc = get_str(node, base, "owner.__typename", true, &tn, err);
    if (rc != DAAS_OK)
        return rc;
    if (strcmp(tn, "AddressOwner") == 0 || strcmp(tn, "ObjectOwner") == 0) {
        o->owner_kind = tn[0] == 'A' ? DAAS_SUI_OWNER_ADDRESS : DAAS_SUI_OWNER_OBJECT;
        return get_addr(node, base, "owner.address.address", NULL, o->owner, err);
    }
    if (strcmp(tn, "Shared") == 0) {
        o->owner_kind = DAAS_SUI_OWNER_SHARED;
        return get_u64(node, base, "owner.initialSharedVersion", NULL, &o->initial_shared_version,
                       err);
    }
    if (strcmp(tn, "Immutable") == 0)
        o->owner_kind = DAAS_SUI_OWNER_IMMUTABLE;
    return DAAS_OK;
}

/* contents { type { repr } json bcs }, directly on the node (a MoveObject) or under
 * asMoveObject (an Object); absent for packages. */
static int parse_contents(json_t *node, const char *base, daas_sui_object *o, daas_err *err)
{
    const char *cpath = walk(node, "contents") != NULL ? "contents" : "asMoveObject.contents";
    char cb[PATH_MAX_LEN];
    const char *type;
    json_t *c;
    int rc = get_obj(node, base, cpath, false, &c, err);
    if (rc != DAAS_OK || c == NULL)
        return rc;
    join(cb, base, cpath);
    rc = get_str(c, cb, "type.repr", true, &type, err);
    if (rc == DAAS_OK)
        rc = get_b64(c, cb, "bcs", &o->bcs, &o->bcs_len, err);
    if (rc != DAAS_OK)
        return rc;
    o->type = daas_xstrdup(type);
    o->json = json_incref(json_object_get(c, "json"));
    return DAAS_OK;
}

static int object_node(json_t *node, const char *base, void *item, daas_err *err)
{
    daas_sui_object *o = item;
    int rc = parse_ref(node, base, &o->ref, err);
    if (rc == DAAS_OK)
        rc = parse_owner(node, base, o, err);
    if (rc == DAAS_OK)
        rc = parse_contents(node, base, o, err);
    return rc;
}

static void object_fini_v(void *item)
{
    daas_sui_object_fini(item);
}

void daas_sui_object_fini(daas_sui_object *o)
{
    if (o == NULL)
        return;
    daas_free(o->type);
    json_decref(o->json);
    daas_free(o->bcs);
    memset(o, 0, sizeof *o);
}

/* Finalizes items[0..n) (each size bytes) with fini, then frees items and cursor. */
static void list_fini(void *items, size_t n, size_t size, void (*fini)(void *), char *cursor)
{
    for (size_t i = 0; i < n; i++)
        fini((char *)items + i * size);
    daas_free(items);
    daas_free(cursor);
}

void daas_sui_page_fini(daas_sui_page *p)
{
    if (p == NULL)
        return;
    list_fini(p->items, p->n, sizeof p->items[0], object_fini_v, p->cursor);
    memset(p, 0, sizeof *p);
}

/* A connection (pageInfo + nodes) of objects at data.<path>; a null connection is an empty
 * page when allow_null. */
static int parse_page(json_t *data, const char *path, bool allow_null, daas_sui_page *out,
                      daas_err *err)
{
    char cb[PATH_MAX_LEN];
    void *items = NULL;
    json_t *conn;
    memset(out, 0, sizeof *out);
    int rc = get_obj(data, "data", path, !allow_null, &conn, err);
    if (rc != DAAS_OK || conn == NULL)
        return rc;
    join(cb, "data", path);
    rc = parse_page_info(conn, cb, &out->has_next, &out->cursor, err);
    if (rc == DAAS_OK)
        rc = parse_list(conn, cb, "nodes", true, sizeof(daas_sui_object), object_node,
                        object_fini_v, &items, &out->n, err);
    out->items = items;
    if (rc != DAAS_OK)
        daas_sui_page_fini(out);
    return rc;
}

int daas_sui__parse_object(json_t *data, const char *name, daas_sui_object *out, daas_err *err)
{
    json_t *node;
    memset(out, 0, sizeof *out);
    int rc = get_obj(data, "data", "object", false, &node, err);
    if (rc != DAAS_OK)
        return rc;
    if (node == NULL)
        return daas_fail(err, DAAS_ENOTFOUND, "sui: object %s not found", name);
    rc = object_node(node, "data.object", out, err);
    if (rc != DAAS_OK)
        daas_sui_object_fini(out);
    return rc;
}

int daas_sui__parse_owned(json_t *data, daas_sui_page *out, daas_err *err)
{
    /* address(address:) is null only on servers that resolve nothing for the address */
    if (json_is_null(walk(data, "address"))) {
        memset(out, 0, sizeof *out);
        return DAAS_OK;
    }
    return parse_page(data, "address.objects", false, out, err);
}

int daas_sui__parse_objects(json_t *data, daas_sui_page *out, daas_err *err)
{
    return parse_page(data, "objects", false, out, err);
}

/* ---- coins ---- */

static int coin_node(json_t *node, const char *base, void *item, daas_err *err)
{
    daas_sui_coin *c = item;
    int rc = parse_ref(node, base, &c->ref, err);
    if (rc == DAAS_OK)
        rc = get_u64(node, base, "contents.json.balance", NULL, &c->balance, err);
    return rc;
}

int daas_sui__parse_coins(json_t *data, daas_sui_coin **coins, size_t *n, bool *has_next,
                          char **cursor, daas_err *err)
{
    const char *base = "data.address.objects";
    void *items = NULL;
    json_t *conn;
    *coins = NULL;
    *n = 0;
    *has_next = false;
    *cursor = NULL;
    if (json_is_null(walk(data, "address")))
        return DAAS_OK;
    int rc = get_obj(data, "data", "address.objects", true, &conn, err);
    if (rc == DAAS_OK)
        rc = parse_page_info(conn, base, has_next, cursor, err);
    if (rc == DAAS_OK)
        rc = parse_list(conn, base, "nodes", true, sizeof(daas_sui_coin), coin_node, NULL, &items,
                        n, err);
    *coins = items;
    if (rc != DAAS_OK) {
        daas_free(*cursor);
        *cursor = NULL;
        *has_next = false;
    }
    return rc;
}

/* ---- dynamic fields ---- */

int daas_sui__parse_dynamic_field(json_t *data, const char *name, json_t **json, daas_err *err)
{
    const char *base = "data.address.dynamicField";
    const char *tn;
    json_t *df;
    *json = NULL;
    int rc = get_obj(data, "data", "address.dynamicField", false, &df, err);
    if (rc != DAAS_OK)
        return rc;
    if (df == NULL)
        return daas_fail(err, DAAS_ENOTFOUND, "sui: dynamic field %s not found", name);
    rc = get_str(df, base, "value.__typename", true, &tn, err);
    if (rc != DAAS_OK)
        return rc;
    if (strcmp(tn, "MoveValue") != 0)
        return shape(err, base, "value", "is not a MoveValue (a dynamic object field?)");
    json_t *v = walk(df, "value.json");
    if (v == NULL)
        return shape(err, base, "value.json", "missing");
    *json = json_incref(v); /* JSON null is a valid value (an Option::none) */
    return DAAS_OK;
}

/* ---- events ---- */

int daas_sui__datetime_ms(const char *s, uint64_t *ms)
{
    int64_t sec;
    uint64_t frac = 0;
    if (daas_time_parse(s, &sec) != DAAS_OK || sec < 0)
        return DAAS_EINVAL;
    /* daas_time_parse accepted "YYYY-MM-DDTHH:MM:SS" and more, so s[19] exists */
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        for (int k = 0; k < 3; k++) {
            frac *= 10;
            if (*p >= '0' && *p <= '9')
                frac += (uint64_t)(*p++ - '0');
        }
    }
    *ms = (uint64_t)sec * 1000 + frac;
    return DAAS_OK;
}

/* {timestamp sender { address } contents { type { repr } json }}; timestamp and sender are
 * not asked by every operation. */
static int event_node(json_t *node, const char *base, void *item, daas_err *err)
{
    daas_sui_event *e = item;
    const char *type, *ts;
    bool has;
    int rc = get_str(node, base, "contents.type.repr", true, &type, err);
    if (rc == DAAS_OK)
        rc = get_addr(node, base, "sender.address", &has, e->sender, err);
    if (rc == DAAS_OK)
        rc = get_str(node, base, "timestamp", false, &ts, err);
    if (rc == DAAS_OK && ts != NULL && daas_sui__datetime_ms(ts, &e->timestamp_ms) != DAAS_OK)
        rc = shape(err, base, "timestamp", "is not an RFC 3339 DateTime");
    if (rc != DAAS_OK)
        return rc;
    e->type = daas_xstrdup(type);
    e->json = json_incref(walk(node, "contents.json"));
    return DAAS_OK;
}

static void event_fini(void *item)
{
    daas_sui_event *e = item;
    daas_free(e->type);
    json_decref(e->json);
    memset(e, 0, sizeof *e);
}

void daas_sui_events_fini(daas_sui_events *e)
{
    if (e == NULL)
        return;
    list_fini(e->items, e->n, sizeof e->items[0], event_fini, e->cursor);
    memset(e, 0, sizeof *e);
}

int daas_sui__parse_events(json_t *data, daas_sui_events *out, daas_err *err)
{
    const char *base = "data.events";
    void *items = NULL;
    json_t *conn;
    memset(out, 0, sizeof *out);
    int rc = get_obj(data, "data", "events", true, &conn, err);
    if (rc == DAAS_OK)
        rc = parse_page_info(conn, base, &out->has_next, &out->cursor, err);
    if (rc == DAAS_OK)
        rc = parse_list(conn, base, "nodes", true, sizeof(daas_sui_event), event_node, event_fini,
                        &items, &out->n, err);
    out->items = items;
    if (rc != DAAS_OK)
        daas_sui_events_fini(out);
    return rc;
}

/* ---- simulate and execute ---- */

static void created_fini(void *item)
{
    daas_sui_created *c = item;
    daas_free(c->type);
    memset(c, 0, sizeof *c);
}

void daas_sui_exec_result_fini(daas_sui_exec_result *r)
{
    if (r == NULL)
        return;
    daas_free(r->error);
    daas_free(r->abort_module);
    daas_free(r->abort_function);
    list_fini(r->created, r->n_created, sizeof r->created[0], created_fini, NULL);
    list_fini(r->events, r->n_events, sizeof r->events[0], event_fini, NULL);
    memset(r, 0, sizeof *r);
}

/* objectChanges node: kept only when idCreated. */
static int created_node(json_t *node, const char *base, void *item, daas_err *err)
{
    daas_sui_created *c = item;
    const char *type;
    bool created;
    int rc = get_bool(node, base, "idCreated", false, &created, err);
    if (rc != DAAS_OK || !created)
        return rc != DAAS_OK ? rc : SKIP;
    rc = get_addr(node, base, "address", NULL, c->id, err);
    if (rc == DAAS_OK)
        rc = get_str(node, base, "outputState.asMoveObject.contents.type.repr", false, &type, err);
    if (rc == DAAS_OK && type != NULL)
        c->type = daas_xstrdup(type);
    return rc;
}

/* A Move identifier: [A-Za-z_][A-Za-z0-9_]*, at most 128 bytes (they go into one-line
 * messages: nothing else may pass). NULL (absent) is fine. */
static bool move_ident(const char *s)
{
    if (s == NULL)
        return true;
    size_t n = strlen(s);
    if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* executionError { message abortCode module { name package { address } } function { name } } */
static int parse_exec_error(json_t *fx, const char *base, daas_sui_exec_result *r, daas_err *err)
{
    char eb[PATH_MAX_LEN], pkg_hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    const char *msg = NULL, *mod = NULL, *fn = NULL;
    uint8_t pkg[DAAS_SUI_ADDRESS_LEN];
    json_t *ee;
    int rc = get_obj(fx, base, "executionError", false, &ee, err);
    if (rc != DAAS_OK || ee == NULL)
        return rc;
    join(eb, base, "executionError");
    rc = get_str(ee, eb, "message", false, &msg, err);
    if (rc == DAAS_OK)
        rc = get_u64(ee, eb, "abortCode", &r->has_abort_code, &r->abort_code, err);
    if (rc == DAAS_OK)
        rc = get_str(ee, eb, "module.name", false, &mod, err);
    if (rc == DAAS_OK && mod != NULL)
        rc = get_addr(ee, eb, "module.package.address", NULL, pkg, err);
    if (rc == DAAS_OK)
        rc = get_str(ee, eb, "function.name", false, &fn, err);
    if (rc == DAAS_OK && !move_ident(mod))
        rc = shape(err, eb, "module.name", "is not a Move identifier");
    if (rc == DAAS_OK && !move_ident(fn))
        rc = shape(err, eb, "function.name", "is not a Move identifier");
    if (rc != DAAS_OK)
        return rc;
    if (mod != NULL) {
        daas_sui_address_hex(pkg, pkg_hex);
        r->abort_module = daas_xasprintf("%s::%s", pkg_hex, mod);
    }
    r->error = msg != NULL ? daas_xstrdup(msg) : NULL;
    r->abort_function = fn != NULL ? daas_xstrdup(fn) : NULL;
    /* ExecutionFailureStatus::FunctionNotFound, as its Debug ("FunctionNotFound in command
     * 0") or Display ("Function Not Found.") text */
    r->function_not_found = !r->has_abort_code && msg != NULL &&
                            (strncmp(msg, "FunctionNotFound", 16) == 0 ||
                             strncmp(msg, "Function Not Found", 18) == 0);
    return DAAS_OK;
}

static int parse_gas(json_t *fx, const char *base, daas_sui_gas_summary *g, daas_err *err)
{
    const struct {
        const char *name;
        uint64_t *dst;
    } f[] = {{"computationCost", &g->computation},
             {"storageCost", &g->storage},
             {"storageRebate", &g->rebate},
             {"nonRefundableStorageFee", &g->non_refundable}};
    char gb[PATH_MAX_LEN];
    json_t *gs;
    int rc = get_obj(fx, base, "gasEffects.gasSummary", true, &gs, err);
    join(gb, base, "gasEffects.gasSummary");
    for (size_t i = 0; i < sizeof f / sizeof f[0] && rc == DAAS_OK; i++)
        rc = get_u64(gs, gb, f[i].name, NULL, f[i].dst, err);
    return rc;
}

static int parse_status(json_t *fx, const char *base, bool *success, daas_err *err)
{
    const char *st;
    int rc = get_str(fx, base, "status", true, &st, err);
    if (rc != DAAS_OK)
        return rc;
    *success = strcmp(st, "SUCCESS") == 0;
    if (!*success && strcmp(st, "FAILURE") != 0)
        return shape(err, base, "status", "is neither SUCCESS nor FAILURE");
    return DAAS_OK;
}

/* <op>.effects.transaction { digest effects { status executionError gasEffects
 * objectChanges? events? } } at data.<op> into r (left for the caller to finalise). */
static int parse_tx(json_t *root, const char *base, daas_sui_exec_result *r, daas_err *err)
{
    char tb[PATH_MAX_LEN], fb[PATH_MAX_LEN];
    uint8_t digest[DAAS_SUI_DIGEST_LEN];
    void *created = NULL, *events = NULL;
    const char *d;
    json_t *tx, *fx = NULL;
    int rc = get_obj(root, base, "effects.transaction", true, &tx, err);
    join(tb, base, "effects.transaction");
    join(fb, tb, "effects");
    if (rc == DAAS_OK)
        rc = get_digest(tx, tb, "digest", digest, &d, err);
    if (rc == DAAS_OK)
        rc = get_obj(tx, tb, "effects", true, &fx, err);
    if (rc != DAAS_OK)
        return rc;
    memcpy(r->digest, d, strlen(d) + 1); /* is_digest checked the length */
    rc = parse_status(fx, fb, &r->success, err);
    if (rc == DAAS_OK)
        rc = parse_exec_error(fx, fb, r, err);
    if (rc == DAAS_OK)
        rc = parse_gas(fx, fb, &r->gas, err);
    if (rc == DAAS_OK)
        rc = parse_list(fx, fb, "objectChanges.nodes", false, sizeof(daas_sui_created),
                        created_node, created_fini, &created, &r->n_created, err);
    r->created = created;
    if (rc == DAAS_OK)
        rc = parse_list(fx, fb, "events.nodes", false, sizeof(daas_sui_event), event_node,
                        event_fini, &events, &r->n_events, err);
    r->events = events;
    return rc;
}

int daas_sui__parse_simulate(json_t *data, daas_sui_exec_result *out, daas_err *err)
{
    const char *base = "data.simulateTransaction";
    const char *refused;
    char line[200];
    json_t *root;
    memset(out, 0, sizeof *out);
    int rc = get_obj(data, "data", "simulateTransaction", true, &root, err);
    if (rc == DAAS_OK)
        rc = get_str(root, base, "error", false, &refused, err);
    if (rc == DAAS_OK && refused != NULL) {
        one_line(refused, line, sizeof line);
        return daas_fail(err, DAAS_EREMOTE, "sui: simulation refused: %s", line);
    }
    if (rc == DAAS_OK)
        rc = parse_tx(root, base, out, err);
    if (rc != DAAS_OK)
        daas_sui_exec_result_fini(out);
    return rc;
}

/* The one line of a failed execution: abort location and code when a MoveAbort, then the
 * service's message. */
static int failed(const daas_sui_exec_result *r, daas_err *err)
{
    char msg[200] = "";
    if (r->error != NULL)
        one_line(r->error, msg, sizeof msg);
    if (r->has_abort_code && r->abort_module != NULL)
        return daas_fail(err, DAAS_EFAILED,
                         "transaction %s failed: MoveAbort in %s%s%s, abort code %" PRIu64 "%s%s",
                         r->digest, r->abort_module, r->abort_function != NULL ? "::" : "",
                         r->abort_function != NULL ? r->abort_function : "", r->abort_code,
                         msg[0] != '\0' ? ": " : "", msg);
    return daas_fail(err, DAAS_EFAILED, "transaction %s failed: %s", r->digest,
                     msg[0] != '\0' ? msg : "execution error (no message)");
}

/* executeTransaction.errors: a non-empty list rejects the transaction. */
static int rejected(json_t *root, const char *base, daas_err *err)
{
    json_t *errs;
    char line[200];
    int rc = typed(root, base, "errors", false, JSON_ARRAY, &errs, err);
    if (rc != DAAS_OK || json_array_size(errs) == 0)
        return rc;
    const char *first = json_string_value(json_array_get(errs, 0));
    if (first == NULL)
        return shape(err, base, "errors[0]", "is not a string");
    one_line(first, line, sizeof line);
    return daas_fail(err, DAAS_EREMOTE, "sui: transaction rejected: %s", line);
}

int daas_sui__parse_execute(json_t *data, daas_sui_exec_result *out, daas_err *err)
{
    const char *base = "data.executeTransaction";
    json_t *root;
    memset(out, 0, sizeof *out);
    int rc = get_obj(data, "data", "executeTransaction", true, &root, err);
    if (rc == DAAS_OK)
        rc = rejected(root, base, err);
    if (rc == DAAS_OK)
        rc = parse_tx(root, base, out, err);
    if (rc != DAAS_OK) {
        daas_sui_exec_result_fini(out);
        return rc;
    }
    return out->success ? DAAS_OK : failed(out, err);
}

/* ---- replies and chain facts ---- */

int daas_sui__gql_errors(json_t *root, daas_err *err)
{
    json_t *errs = json_object_get(root, "errors");
    char line[200];
    if (!json_is_array(errs) || json_array_size(errs) == 0)
        return DAAS_OK;
    const char *m = json_string_value(json_object_get(json_array_get(errs, 0), "message"));
    one_line(m != NULL ? m : "(no message)", line, sizeof line);
    return daas_fail(err, DAAS_EREMOTE, "sui: GraphQL error: %s", line);
}

int daas_sui__gql_parse_reply(const char *body, size_t len, json_t **data, daas_err *err)
{
    json_error_t jerr;
    char line[120];
    int rc = DAAS_OK;
    *data = NULL;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (root == NULL) {
        one_line(jerr.text, line, sizeof line);
        return daas_fail(err, DAAS_EREMOTE, "sui: reply is not JSON: %s", line);
    }
    if (!json_is_object(root))
        rc = daas_fail(err, DAAS_EREMOTE, "sui: reply is not a JSON object");
    if (rc == DAAS_OK)
        rc = daas_sui__gql_errors(root, err);
    if (rc == DAAS_OK && !json_is_object(json_object_get(root, "data")))
        rc = daas_fail(err, DAAS_EREMOTE, SHAPE "data missing");
    if (rc == DAAS_OK)
        *data = json_incref(json_object_get(root, "data"));
    json_decref(root);
    return rc;
}

static bool is_hex8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (daas_hexval((unsigned char)s[i]) < 0)
            return false;
    return n == 8;
}

int daas_sui__parse_chain_id(json_t *data, char *out, size_t outsz, daas_err *err)
{
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    const char *s;
    int rc = get_str(data, "data", "checkpoint.digest", true, &s, err);
    if (rc != DAAS_OK)
        return rc;
    if (!is_digest(s, d) && !is_hex8(s))
        return shape(err, "data", "checkpoint.digest", "is not a chain identifier");
    if (strlen(s) >= outsz)
        return daas_fail(err, DAAS_ETOOBIG, "sui: chain id needs %zu bytes", strlen(s) + 1);
    memcpy(out, s, strlen(s) + 1);
    return DAAS_OK;
}

int daas_sui__parse_epoch(json_t *data, daas_sui_epoch *out, daas_err *err)
{
    int rc = get_u64(data, "data", "epoch.epochId", NULL, &out->epoch, err);
    if (rc == DAAS_OK)
        rc = get_u64(data, "data", "epoch.referenceGasPrice", NULL, &out->ref_gas_price, err);
    return rc;
}
