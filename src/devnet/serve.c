/*
 * serve.c: the development chain's GraphQL and faucet front — takes a POST /graphql body,
 * finds which of the operations of src/sui/gql_ops.h it is, reads its variables, asks the
 * devnet (devnet.h) and answers in the Sui GraphQL shape; likewise the Sui faucet's
 * POST /v2/gas; and the HTTP handler routing both (serve.h).
 *
 * Owns:   request parsing (JSON body, operation selection, variable checks), the operation
 *         table, the HTTP status of each reply.
 * Not:    JSON shapes of results (serve_render.c); chain state and rules (devnet core).
 * Model:  not a GraphQL engine. An operation is recognised by its name ("query DaasX",
 *         "mutation DaasX"); its selection set is not read, the answer carries exactly the
 *         fields the gql_ops.h text of that name selects.
 * Invariants:
 *   - never fails: a body that is not a GraphQL request gets 400, everything else a reply
 *     with `data` or `errors` (200; 500 only when the chain itself fails);
 *   - a variable that is missing or of the wrong type is named in the error, in the words
 *     GraphQL servers use;
 *   - page sizes are clamped to 1..50 (default 20).
 * Spec:   specs/sui.md §5.2; src/sui/gql_ops.h; the Sui faucet v2 API (FixedAmountRequest).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "devnet/serve.h"
#include "devnet/serve_int.h"
#include "sui/sui.h"
#include "sui/tx.h"

#define MAX_OPS 16          /* operations one document may define */
#define MAX_SIGS 16         /* signatures one execute may carry */
#define MAX_TX_BYTES 262144 /* decoded TransactionData (Sui's limit is 128 KiB) */
#define MAX_NAME_BCS 65536  /* decoded dynamic field name */
#define MAX_FAUCET_COINS 16

/* One call of an operation: input variables, output data or an error. */
typedef struct gql_call {
    daas_devnet *d; /* the chain (borrowed) */
    json_t *vars;   /* the request's variables: an object (borrowed) */
    json_t *data;   /* out: the reply's `data` (owned) */
    daas_err err;   /* out: why the operation failed */
} gql_call;

typedef int (*gql_op_fn)(gql_call *c);

/* An operation definition found in the query document. */
typedef struct gql_def {
    const char *name; /* points into the query; NULL when anonymous */
    size_t len;       /* name length */
    bool mutation;    /* "mutation" (else query or subscription) */
    bool query;       /* "query" or the `{ … }` shorthand */
} gql_def;

/* ---- variables ---- */

/* Whether v is given and not null. */
static bool var_present(const json_t *v)
{
    return v != NULL && !json_is_null(v);
}

/* The variable's value, or NULL when it is absent or null. */
static json_t *var_get(gql_call *c, const char *name)
{
    json_t *v = json_object_get(c->vars, name);
    return json_is_null(v) ? NULL : v;
}

static int var_missing(gql_call *c, const char *name, const char *type)
{
    return daas_fail(&c->err, DAAS_EINVAL,
                     "Variable \"$%s\" of required type \"%s!\" was not provided.", name, type);
}

static int var_invalid(gql_call *c, const char *name, const char *type, const json_t *v,
                       const char *why)
{
    char shown[64];
    char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(shown, sizeof shown, "%s", txt != NULL ? txt : "?");
    if (txt != NULL && strlen(txt) >= sizeof shown)
        memcpy(shown + sizeof shown - 4, "...", 4);
    free(txt); /* jansson's allocation */
    return daas_fail(&c->err, DAAS_EINVAL,
                     "Variable \"$%s\" got invalid value %s; Expected type \"%s\"%s.", name, shown,
                     type, why != NULL ? why : "");
}

/* A String-like variable; *out NULL when optional and absent. */
static int var_str(gql_call *c, const char *name, const char *type, bool required, const char **out)
{
    json_t *v = var_get(c, name);
    *out = NULL;
    if (v == NULL)
        return required ? var_missing(c, name, type) : DAAS_OK;
    if (!json_is_string(v))
        return var_invalid(c, name, type, v, NULL);
    *out = json_string_value(v);
    return DAAS_OK;
}

/* A required SuiAddress variable. */
static int var_addr(gql_call *c, const char *name, uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    const char *s;
    int rc = var_str(c, name, "SuiAddress", true, &s);
    if (rc != DAAS_OK)
        return rc;
    if (strncmp(s, "0x", 2) != 0 || daas_sui_address_parse(s, out, NULL) != DAAS_OK)
        return var_invalid(c, name, "SuiAddress", var_get(c, name),
                           " (0x and up to 64 hex digits)");
    return DAAS_OK;
}

/* $first: Int, clamped to 1..DAAS_DEVNET__PAGE_MAX; DAAS_DEVNET__PAGE_DEFAULT when null. */
static int var_first(gql_call *c, int *out)
{
    json_t *v = var_get(c, "first");
    *out = DAAS_DEVNET__PAGE_DEFAULT;
    if (v == NULL)
        return DAAS_OK;
    if (!json_is_integer(v))
        return var_invalid(c, "first", "Int", v, NULL);
    json_int_t n = json_integer_value(v);
    *out = n < 1 ? 1 : n > DAAS_DEVNET__PAGE_MAX ? DAAS_DEVNET__PAGE_MAX : (int)n;
    return DAAS_OK;
}

/* A base64 string into b (cap fixed by the caller). */
static int decode_b64(gql_call *c, const char *name, const char *type, json_t *v, daas_buf *b)
{
    if (!json_is_string(v))
        return var_invalid(c, name, type, v, NULL);
    int rc = daas_base64_decode(json_string_value(v), json_string_length(v), b);
    if (rc == DAAS_ETOOBIG)
        return daas_fail(&c->err, DAAS_ETOOBIG, "Variable \"$%s\" is larger than %zu bytes", name,
                         b->max);
    if (rc != DAAS_OK)
        return var_invalid(c, name, type, v, " (not base64)");
    return DAAS_OK;
}

/* A Move type (or type prefix "0xpkg[::module[::Name]]") in the canonical text the devnet
 * stores: full-length addresses. Text that is neither is passed on unchanged. */
static char *canonical_type(const char *s)
{
    daas_sui_typetag t;
    if (daas_sui_typetag_parse(s, &t, NULL) == DAAS_OK) {
        daas_buf b;
        daas_buf_init(&b, 16384);
        int rc = daas_sui_typetag_format(&t, &b);
        daas_sui_typetag_fini(&t);
        if (rc == DAAS_OK)
            return daas_buf_steal(&b, NULL);
        daas_buf_fini(&b);
        return daas_xstrdup(s);
    }
    const char *sep = strstr(s, "::");
    size_t alen = sep != NULL ? (size_t)(sep - s) : strlen(s);
    char *addr_text = daas_xstrndup(s, alen);
    uint8_t a[DAAS_SUI_ADDRESS_LEN];
    int rc = daas_sui_address_parse(addr_text, a, NULL);
    daas_free(addr_text);
    if (rc != DAAS_OK)
        return daas_xstrdup(s);
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(a, hex);
    return daas_xasprintf("%s%s", hex, sep != NULL ? sep : "");
}

/* ---- operations ---- */

static int op_chain_id(gql_call *c)
{
    json_t *cp = json_object();
    (void)json_object_set_new(cp, "digest", daas_devnet__str(daas_devnet_chain_id(c->d)));
    c->data = json_pack("{s:o}", "checkpoint", cp);
    return DAAS_OK;
}

static int op_epoch(gql_call *c)
{
    char price[24];
    snprintf(price, sizeof price, "%llu", (unsigned long long)daas_devnet_ref_gas_price(c->d));
    /* startTimestamp is nullable in the schema; the devnet API does not expose it. */
    c->data =
        json_pack("{s:{s:I,s:s,s:n}}", "epoch", "epochId", (json_int_t)daas_devnet_epoch(c->d),
                  "referenceGasPrice", price, "startTimestamp");
    return DAAS_OK;
}

static int op_object(gql_call *c)
{
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    daas_sui_object o = {0};
    int rc = var_addr(c, "id", id);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_devnet_get_object(c->d, id, &o, &c->err);
    if (rc == DAAS_ENOTFOUND) {
        c->data = json_pack("{s:n}", "object");
        rc = DAAS_OK;
    } else if (rc == DAAS_OK) {
        unsigned f = DAAS_DEVNET__OBJ_OWNER | DAAS_DEVNET__OBJ_AS_MOVE | DAAS_DEVNET__OBJ_BCS;
        c->data = json_pack("{s:o}", "object", daas_devnet__object(&o, f));
    }
    daas_sui_object_fini(&o);
    return rc;
}

/* One page of objects (owner NULL: any) as a connection. */
static int list_page(gql_call *c, const uint8_t *owner, const char *type, unsigned flags,
                     json_t **conn)
{
    const char *cursor;
    int first;
    int rc = var_str(c, "cursor", "String", false, &cursor);
    if (rc == DAAS_OK)
        rc = var_first(c, &first);
    if (rc != DAAS_OK)
        return rc;
    char *canon = type != NULL ? canonical_type(type) : NULL;
    daas_sui_page p = {0};
    rc = daas_devnet_list_objects(c->d, owner, canon, cursor, first, &p, &c->err);
    if (rc == DAAS_OK)
        *conn = daas_devnet__page(&p, flags);
    daas_sui_page_fini(&p);
    daas_free(canon);
    return rc;
}

static int op_objects_by_type(gql_call *c)
{
    const char *type;
    json_t *conn = NULL;
    int rc = var_str(c, "type", "String", true, &type);
    if (rc == DAAS_OK)
        rc = list_page(c, NULL, type, DAAS_DEVNET__OBJ_OWNER | DAAS_DEVNET__OBJ_AS_MOVE, &conn);
    if (rc == DAAS_OK)
        c->data = json_pack("{s:o}", "objects", conn);
    return rc;
}

static int op_owned(gql_call *c)
{
    uint8_t owner[DAAS_SUI_ADDRESS_LEN];
    const char *type = NULL;
    json_t *conn = NULL;
    int rc = var_addr(c, "owner", owner);
    if (rc == DAAS_OK)
        rc = var_str(c, "type", "String", false, &type);
    if (rc == DAAS_OK)
        rc = list_page(c, owner, type, 0, &conn);
    if (rc == DAAS_OK)
        c->data = json_pack("{s:{s:o}}", "address", "objects", conn);
    return rc;
}

/* $name: DynamicFieldName! = {type, bcs} (the `literal` form is not supported). */
static int dyn_name(gql_call *c, char **type, daas_buf *bcs)
{
    json_t *nm = var_get(c, "name");
    if (nm == NULL)
        return var_missing(c, "name", "DynamicFieldName");
    if (!json_is_object(nm))
        return var_invalid(c, "name", "DynamicFieldName", nm, NULL);
    if (var_present(json_object_get(nm, "literal")))
        return daas_fail(&c->err, DAAS_EINVAL,
                         "devnet: DynamicFieldName.literal is not supported; give type and bcs");
    json_t *t = json_object_get(nm, "type");
    json_t *b = json_object_get(nm, "bcs");
    if (!json_is_string(t) || !json_is_string(b))
        return var_invalid(c, "name", "DynamicFieldName", nm, " (type and bcs must be strings)");
    int rc = decode_b64(c, "name", "DynamicFieldName", b, bcs);
    if (rc != DAAS_OK)
        return rc;
    *type = canonical_type(json_string_value(t));
    return DAAS_OK;
}

/* DynamicField {value {__typename ... on MoveValue {type {repr} json bcs}}}. */
static json_t *dyn_field_json(json_t *value_json, const char *value_type)
{
    json_t *v = json_object();
    (void)json_object_set_new(v, "__typename", json_string("MoveValue"));
    (void)json_object_set_new(v, "type", json_pack("{s:o}", "repr", daas_devnet__str(value_type)));
    (void)json_object_set_new(v, "json",
                              value_json != NULL ? json_incref(value_json) : json_null());
    (void)json_object_set_new(v, "bcs", json_null()); /* the devnet keeps only the JSON */
    return json_pack("{s:o}", "value", v);
}

static int op_dynamic_field(gql_call *c)
{
    uint8_t parent[DAAS_SUI_ADDRESS_LEN];
    char *type = NULL;
    daas_buf bcs;
    json_t *value = NULL;
    char *value_type = NULL;
    daas_buf_init(&bcs, MAX_NAME_BCS);
    int rc = var_addr(c, "parent", parent);
    if (rc == DAAS_OK)
        rc = dyn_name(c, &type, &bcs);
    if (rc != DAAS_OK)
        goto out;
    rc = daas_devnet_dynamic_field(c->d, parent, type, DAAS_BYTES(bcs.data, bcs.len), &value,
                                   &value_type, &c->err);
    if (rc == DAAS_ENOTFOUND) {
        c->data = json_pack("{s:{s:n}}", "address", "dynamicField");
        rc = DAAS_OK;
    } else if (rc == DAAS_OK) {
        c->data =
            json_pack("{s:{s:o}}", "address", "dynamicField", dyn_field_json(value, value_type));
    }
out:
    json_decref(value);
    daas_free(value_type);
    daas_free(type);
    daas_buf_fini(&bcs);
    return rc;
}

/* $filter: EventFilter → a type prefix (NULL: all). Only `type` and `module` are known to
 * the devnet; both name a prefix of the event type. */
static int event_filter(gql_call *c, char **prefix)
{
    json_t *f = var_get(c, "filter");
    const char *key;
    json_t *v;
    const char *chosen = NULL;
    *prefix = NULL;
    if (f == NULL)
        return DAAS_OK;
    if (!json_is_object(f))
        return var_invalid(c, "filter", "EventFilter", f, NULL);
    json_object_foreach(f, key, v)
    {
        if (json_is_null(v))
            continue;
        if (strcmp(key, "type") != 0 && strcmp(key, "module") != 0)
            return daas_fail(&c->err, DAAS_EINVAL,
                             "devnet: EventFilter field '%.64s' is not supported", key);
        if (!json_is_string(v))
            return var_invalid(c, "filter", "EventFilter", f, " (type and module are strings)");
        if (chosen != NULL)
            return daas_fail(&c->err, DAAS_EINVAL,
                             "devnet: EventFilter takes one of type and module, not both");
        chosen = json_string_value(v);
    }
    if (chosen != NULL)
        *prefix = canonical_type(chosen);
    return DAAS_OK;
}

static int op_events(gql_call *c)
{
    char *prefix = NULL;
    const char *cursor = NULL;
    int first = 0;
    daas_sui_events e = {0};
    int rc = event_filter(c, &prefix);
    if (rc == DAAS_OK)
        rc = var_str(c, "cursor", "String", false, &cursor);
    if (rc == DAAS_OK)
        rc = var_first(c, &first);
    if (rc == DAAS_OK)
        rc = daas_devnet_events(c->d, prefix, cursor, first, &e, &c->err);
    if (rc == DAAS_OK)
        c->data = json_pack("{s:o}", "events", daas_devnet__events(&e));
    daas_sui_events_fini(&e);
    daas_free(prefix);
    return rc;
}

/* Runs the transaction; a pre-execution rejection (DAAS_EINVAL) becomes *rejected (owned)
 * instead of an error, as simulateTransaction.error / executeTransaction.errors carry it. */
static int run_tx(gql_call *c, const daas_buf *tx, const char *const *sigs, size_t n_sigs,
                  bool simulate, daas_sui_exec_result *r, char **rejected)
{
    daas_err e = {0};
    int rc =
        daas_devnet_execute(c->d, DAAS_BYTES(tx->data, tx->len), sigs, n_sigs, simulate, r, &e);
    if (rc == DAAS_EINVAL) {
        *rejected = daas_xstrdup(e.msg[0] != '\0' ? e.msg : "transaction rejected");
        return DAAS_OK;
    }
    if (rc != DAAS_OK)
        return daas_fail(&c->err, rc, "%s", e.msg);
    return DAAS_OK;
}

static int op_simulate(gql_call *c)
{
    daas_buf tx;
    daas_sui_exec_result r = {0};
    char *rejected = NULL;
    daas_buf_init(&tx, MAX_TX_BYTES);
    json_t *v = var_get(c, "tx");
    int rc;
    if (v == NULL) {
        rc = var_missing(c, "tx", "JSON");
        goto out;
    }
    json_t *value = json_object_get(json_object_get(v, "bcs"), "value");
    if (!json_is_object(v) || value == NULL) {
        rc = var_invalid(c, "tx", "JSON", v, " ({\"bcs\": {\"value\": base64}})");
        goto out;
    }
    rc = decode_b64(c, "tx", "JSON", value, &tx);
    if (rc == DAAS_OK)
        rc = run_tx(c, &tx, NULL, 0, true, &r, &rejected);
    if (rc != DAAS_OK)
        goto out;
    json_t *sim = json_object();
    (void)json_object_set_new(sim, "error", daas_devnet__str(rejected));
    (void)json_object_set_new(sim, "effects",
                              rejected != NULL ? json_null() : daas_devnet__exec(c->d, &r, false));
    c->data = json_pack("{s:o}", "simulateTransaction", sim);
out:
    daas_free(rejected);
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&tx);
    return rc;
}

/* $sigs: [Base64!]! → up to MAX_SIGS borrowed strings. */
static int var_sigs(gql_call *c, const char **sigs, size_t *n)
{
    json_t *v = var_get(c, "sigs");
    *n = 0;
    if (v == NULL)
        return var_missing(c, "sigs", "[Base64!]");
    if (!json_is_array(v))
        return var_invalid(c, "sigs", "[Base64!]", v, NULL);
    if (json_array_size(v) > MAX_SIGS)
        return daas_fail(&c->err, DAAS_EINVAL, "Variable \"$sigs\" has more than %d signatures",
                         MAX_SIGS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return var_invalid(c, "sigs", "[Base64!]", v, NULL);
        sigs[i] = json_string_value(s);
    }
    *n = json_array_size(v);
    return DAAS_OK;
}

static int op_execute(gql_call *c)
{
    daas_buf tx;
    daas_sui_exec_result r = {0};
    char *rejected = NULL;
    const char *sigs[MAX_SIGS];
    size_t n_sigs = 0;
    daas_buf_init(&tx, MAX_TX_BYTES);
    json_t *v = var_get(c, "tx");
    int rc = v == NULL ? var_missing(c, "tx", "Base64") : decode_b64(c, "tx", "Base64", v, &tx);
    if (rc == DAAS_OK)
        rc = var_sigs(c, sigs, &n_sigs);
    if (rc == DAAS_OK)
        rc = run_tx(c, &tx, sigs, n_sigs, false, &r, &rejected);
    if (rc != DAAS_OK)
        goto out;
    json_t *ex = json_object();
    if (rejected != NULL) {
        (void)json_object_set_new(ex, "errors", json_pack("[o]", daas_devnet__str(rejected)));
        (void)json_object_set_new(ex, "effects", json_null());
    } else {
        (void)json_object_set_new(ex, "errors", json_null());
        (void)json_object_set_new(ex, "effects", daas_devnet__exec(c->d, &r, true));
    }
    c->data = json_pack("{s:o}", "executeTransaction", ex);
out:
    daas_free(rejected);
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&tx);
    return rc;
}

/* The operations the devnet answers, by name (gql_ops.h). */
static const struct {
    const char *name; /* operation name */
    bool mutation;    /* defined with "mutation" */
    gql_op_fn fn;     /* handler */
} ops[] = {
    /* clang-format off */
    {"DaasChainId", false, op_chain_id},
    {"DaasEpoch", false, op_epoch},
    {"DaasObject", false, op_object},
    {"DaasObjectsByType", false, op_objects_by_type},
    {"DaasOwned", false, op_owned},
    {"DaasDynamicField", false, op_dynamic_field},
    {"DaasEvents", false, op_events},
    {"DaasSimulate", false, op_simulate},
    {"DaasExecute", true, op_execute},
    /* clang-format on */
};

/* ---- the query document: which operations it defines ---- */

static bool name_start(char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool name_char(char ch)
{
    return name_start(ch) || (ch >= '0' && ch <= '9');
}

/* Index just past the string literal starting at q[i] == '"' (block strings too). */
static size_t skip_string(const char *q, size_t i, size_t n)
{
    bool block = n - i >= 3 && strncmp(q + i, "\"\"\"", 3) == 0;
    i += block ? 3 : 1;
    while (i < n) {
        if (block && n - i >= 4 && strncmp(q + i, "\\\"\"\"", 4) == 0)
            i += 4;
        else if (block && n - i >= 3 && strncmp(q + i, "\"\"\"", 3) == 0)
            return i + 3;
        else if (!block && q[i] == '\\' && i + 1 < n)
            i += 2;
        else if (!block && (q[i] == '"' || q[i] == '\n'))
            return i + 1;
        else
            i++;
    }
    return n;
}

/* Index of the next token at or after i (skips blanks, commas and comments). */
static size_t skip_ignored(const char *q, size_t i, size_t n)
{
    while (i < n) {
        if (q[i] == '#') {
            while (i < n && q[i] != '\n')
                i++;
        } else if (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r' || q[i] == ',') {
            i++;
        } else {
            break;
        }
    }
    return i;
}

/* Document-level scan state. */
typedef struct doc_scan {
    const char *q; /* the document */
    size_t n;      /* its length */
    gql_def *defs; /* operations found (up to MAX_OPS) */
    size_t n_defs; /* operations found, including those past MAX_OPS */
    bool pending;  /* a definition header was read; its selection set comes next */
} doc_scan;

static void add_def(doc_scan *s, const char *name, size_t len, bool mutation, bool query)
{
    if (s->n_defs < MAX_OPS)
        s->defs[s->n_defs] = (gql_def){name, len, mutation, query};
    s->n_defs++;
}

/* A word at document level: an operation keyword and its name, or "fragment". Returns the
 * index after what it consumed. */
static size_t doc_word(doc_scan *s, size_t i, size_t end)
{
    const char *w = s->q + i;
    size_t len = end - i;
    bool is_q = len == 5 && strncmp(w, "query", 5) == 0;
    bool is_m = len == 8 && strncmp(w, "mutation", 8) == 0;
    bool is_s = len == 12 && strncmp(w, "subscription", 12) == 0;
    if (len == 8 && strncmp(w, "fragment", 8) == 0) {
        s->pending = true;
        return end;
    }
    if (!is_q && !is_m && !is_s)
        return end;
    s->pending = true;
    size_t j = skip_ignored(s->q, end, s->n);
    if (j < s->n && name_start(s->q[j])) {
        size_t k = j;
        while (k < s->n && name_char(s->q[k]))
            k++;
        add_def(s, s->q + j, k - j, is_m, is_q);
        return k;
    }
    add_def(s, NULL, 0, is_m, is_q);
    return end;
}

/* Collects the operation definitions of q[0..n) (brace depth 0, outside parentheses). */
static size_t scan_document(const char *q, size_t n, gql_def *defs)
{
    doc_scan s = {q, n, defs, 0, false};
    size_t depth = 0, paren = 0, i = 0;
    while (i < n) {
        char ch = q[i];
        if (ch == '#' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == ',') {
            i = skip_ignored(q, i, n);
        } else if (ch == '"') {
            i = skip_string(q, i, n);
        } else if (ch == '(' || ch == ')') {
            paren = ch == '(' ? paren + 1 : paren > 0 ? paren - 1 : 0;
            i++;
        } else if (ch == '{' || ch == '}') {
            if (ch == '{' && depth == 0 && paren == 0) {
                if (!s.pending)
                    add_def(&s, NULL, 0, false, true); /* the `{ … }` shorthand */
                s.pending = false;
            }
            depth = ch == '{' ? depth + 1 : depth > 0 ? depth - 1 : 0;
            i++;
        } else if (name_start(ch)) {
            size_t end = i;
            while (end < n && name_char(q[end]))
                end++;
            i = depth == 0 && paren == 0 && !s.pending ? doc_word(&s, i, end) : end;
        } else {
            i++;
        }
    }
    return s.n_defs;
}

/* Picks the operation to run: operationName's, else the only one. */
static int pick_def(const char *q, size_t n, const char *op_name, gql_def *out, daas_err *err)
{
    gql_def defs[MAX_OPS];
    size_t count = scan_document(q, n, defs);
    if (count > MAX_OPS)
        return daas_fail(err, DAAS_EINVAL, "devnet: more than %d operations in one document",
                         MAX_OPS);
    if (op_name != NULL) {
        for (size_t i = 0; i < count; i++)
            if (defs[i].name != NULL && strlen(op_name) == defs[i].len &&
                strncmp(op_name, defs[i].name, defs[i].len) == 0) {
                *out = defs[i];
                return DAAS_OK;
            }
        return daas_fail(err, DAAS_EINVAL, "Unknown operation named \"%.64s\".", op_name);
    }
    if (count == 0)
        return daas_fail(err, DAAS_EINVAL, "devnet: the document defines no operation");
    if (count > 1)
        return daas_fail(err, DAAS_EINVAL,
                         "Must provide operation name if query contains multiple operations.");
    *out = defs[0];
    return DAAS_OK;
}

/* Runs the operation def names with vars; *status and the reply. */
static char *dispatch(daas_devnet *d, const gql_def *def, json_t *vars, int *status)
{
    char msg[160];
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (def->name == NULL || strlen(ops[i].name) != def->len ||
            strncmp(ops[i].name, def->name, def->len) != 0)
            continue;
        if (ops[i].mutation != def->mutation || (!def->mutation && !def->query))
            break; /* right name, wrong kind: not an operation the devnet knows */
        gql_call c = {d, vars, NULL, {0}};
        int rc = ops[i].fn(&c);
        if (rc != DAAS_OK) {
            json_decref(c.data);
            /* Bad input is a GraphQL error; a failing chain is the server's fault. */
            if (rc != DAAS_EINVAL && rc != DAAS_ENOTFOUND && rc != DAAS_ETOOBIG)
                *status = 500;
            return daas_devnet__reply_error(c.err.msg[0] != '\0' ? c.err.msg : daas_err_text(rc));
        }
        return daas_devnet__reply_data(c.data);
    }
    snprintf(msg, sizeof msg, "devnet: unsupported operation '%.*s'",
             def->name != NULL ? (int)(def->len > 64 ? 64 : def->len) : 11,
             def->name != NULL ? def->name : "(anonymous)");
    return daas_devnet__reply_error(msg);
}

/* A 400 reply for a body that is not a GraphQL request. */
static char *bad_request(int *status, const char *msg)
{
    *status = 400;
    return daas_devnet__reply_error(msg);
}

char *daas_devnet_graphql(daas_devnet *d, const char *body, size_t len, int *status)
{
    json_error_t jerr;
    char msg[200];
    char *reply;
    *status = 200;
    json_t *req = body != NULL && len > 0 ? json_loadb(body, len, 0, &jerr) : NULL;
    if (req == NULL || !json_is_object(req)) {
        snprintf(msg, sizeof msg, "devnet: the body is not a JSON object%s%s",
                 req == NULL && body != NULL && len > 0 ? ": " : "",
                 req == NULL && body != NULL && len > 0 ? jerr.text : "");
        json_decref(req);
        return bad_request(status, msg);
    }
    json_t *query = json_object_get(req, "query");
    json_t *vars = json_object_get(req, "variables");
    json_t *op_name = json_object_get(req, "operationName");
    if (!json_is_string(query))
        reply = bad_request(status, "devnet: the request has no query string");
    else if (vars != NULL && !json_is_null(vars) && !json_is_object(vars))
        reply = bad_request(status, "devnet: variables must be a JSON object");
    else if (op_name != NULL && !json_is_null(op_name) && !json_is_string(op_name))
        reply = bad_request(status, "devnet: operationName must be a string");
    else {
        daas_err err = {0};
        gql_def def = {0};
        json_t *v = json_is_object(vars) ? json_incref(vars) : json_object();
        if (pick_def(json_string_value(query), json_string_length(query),
                     json_is_string(op_name) ? json_string_value(op_name) : NULL, &def,
                     &err) != DAAS_OK)
            reply = daas_devnet__reply_error(err.msg);
        else
            reply = dispatch(d, &def, v, status);
        json_decref(v);
    }
    json_decref(req);
    return reply;
}

/* ---- the faucet ---- */

static char *faucet_failure(int *status, int http, const char *msg)
{
    *status = http;
    return daas_devnet__dump(
        json_pack("{s:{s:{s:o}}}", "status", "Failure", "internal", daas_devnet__str(msg)));
}

/* {"FixedAmountRequest": {"recipient": "0x…"}} → the recipient. */
static int faucet_recipient(const char *body, size_t len, uint8_t out[DAAS_SUI_ADDRESS_LEN],
                            daas_err *err)
{
    json_error_t jerr;
    json_t *req = body != NULL && len > 0 ? json_loadb(body, len, 0, &jerr) : NULL;
    if (req == NULL)
        return daas_fail(err, DAAS_EINVAL, "the body is not JSON");
    json_t *r = json_object_get(json_object_get(req, "FixedAmountRequest"), "recipient");
    int rc = DAAS_OK;
    if (!json_is_string(r))
        rc = daas_fail(err, DAAS_EINVAL,
                       "expected {\"FixedAmountRequest\":{\"recipient\":\"0x…\"}}");
    else if (strncmp(json_string_value(r), "0x", 2) != 0 ||
             daas_sui_address_parse(json_string_value(r), out, NULL) != DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL, "invalid recipient address '%.80s'", json_string_value(r));
    json_decref(req);
    return rc;
}

char *daas_devnet_faucet_http(daas_devnet *d, const char *body, size_t len, int *status)
{
    uint8_t to[DAAS_SUI_ADDRESS_LEN];
    daas_sui_coin coins[MAX_FAUCET_COINS];
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    size_t n = 0;
    daas_err err = {0};
    *status = 200;
    if (faucet_recipient(body, len, to, &err) != DAAS_OK)
        return faucet_failure(status, 400, err.msg);
    int rc = daas_devnet_faucet(d, to, coins, MAX_FAUCET_COINS, &n, digest, &err);
    if (rc != DAAS_OK)
        return faucet_failure(status, rc == DAAS_EINVAL ? 400 : 500, err.msg);
    json_t *sent = json_array();
    for (size_t i = 0; i < n && i < MAX_FAUCET_COINS; i++)
        (void)json_array_append_new(
            sent, json_pack("{s:I,s:o,s:s}", "amount", (json_int_t)coins[i].balance, "id",
                            daas_devnet__addr(coins[i].ref.id), "transferTxDigest", digest));
    return daas_devnet__dump(json_pack("{s:s,s:o}", "status", "Success", "coins_sent", sent));
}

/* ---- HTTP ---- */

void daas_devnet_http_handler(void *devnet, const daas_http_req *req, daas_http_resp *resp)
{
    static const char *const allow[] = {"Allow: POST", NULL};
    bool gql = strcmp(req->path, "/graphql") == 0 || strcmp(req->path, "/") == 0;
    bool gas = strcmp(req->path, "/v2/gas") == 0;
    int status = 200;
    char *out;
    char msg[160];
    if (!gql && !gas) {
        snprintf(msg, sizeof msg, "devnet: no such path '%.100s'", req->path);
        status = 404;
        out = daas_devnet__reply_error(msg);
    } else if (strcmp(req->method, "POST") != 0) {
        status = 405;
        out = daas_devnet__reply_error("devnet: use POST");
    } else if (gql) {
        out = daas_devnet_graphql(devnet, (const char *)req->body.ptr, req->body.len, &status);
    } else {
        out = daas_devnet_faucet_http(devnet, (const char *)req->body.ptr, req->body.len, &status);
    }
    daas_http_respond(resp, status, "application/json", status == 405 ? allow : NULL, out,
                      strlen(out));
    free(out); /* jansson's allocation */
}
