/*
 * serve_render.c: the JSON the devnet's GraphQL front answers, in the shapes of the Sui
 * GraphQL schema, for exactly the fields the operations of src/sui/gql_ops.h select.
 *
 * Owns:   turning devnet.h results (objects, pages, events, execution results) into jansson
 *         trees, and serialising replies.
 * Not:    parsing requests or choosing the operation (serve.c); chain state (devnet core).
 * Invariants: see serve_int.h (UInt53 as numbers, BigInt as strings, valid UTF-8 always).
 *         Known gaps of the devnet API, rendered schema-valid: Event.sequenceNumber is 0,
 *         Event.transactionModule is the module of the event's type, MoveValue.bcs of events
 *         and dynamic fields is null (the devnet keeps only their JSON).
 * Spec:   specs/sui.md §5.2; MystenLabs/ts-sdks packages/sui/src/graphql/generated/
 *         schema.graphql (GasCostSummary: UInt53; ExecutionError.abortCode: BigInt;
 *         Epoch.referenceGasPrice: BigInt; DateTime: YYYY-MM-DDTHH:MM:SS.mmmZ).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/util.h"
#include "devnet/serve_int.h"
#include "sui/bcs.h"
#include "sui/sui.h"

/* Adds key → value (stolen; NULL stands for JSON null). */
static void put(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL)
        value = json_null();
    (void)json_object_set_new(obj, key, value);
}

json_t *daas_devnet__str(const char *s)
{
    if (s == NULL)
        return json_null();
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    /* Not valid UTF-8 (a message quoting raw input, a truncated multi-byte character):
     * replace each bad byte so the reply still serialises. */
    size_t n = strlen(s);
    char *clean = daas_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = daas_utf8_seq((const unsigned char *)s + i);
        if (k == 0) {
            clean[o++] = '?';
            i++;
            continue;
        }
        memcpy(clean + o, s + i, k);
        o += k;
        i += k;
    }
    clean[o] = '\0';
    j = json_string(clean);
    daas_free(clean);
    return j != NULL ? j : json_string("?");
}

json_t *daas_devnet__addr(const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(a, hex);
    return json_string(hex);
}

json_t *daas_devnet__addr_obj(const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    json_t *o = json_object();
    put(o, "address", daas_devnet__addr(a));
    return o;
}

json_t *daas_devnet__digest(const uint8_t dg[DAAS_SUI_DIGEST_LEN])
{
    char b58[DAAS_SUI_DIGEST_B58_LEN];
    if (daas_sui_base58_encode(dg, DAAS_SUI_DIGEST_LEN, b58, sizeof b58, NULL) != DAAS_OK)
        return json_null(); /* DAAS_NEVER: 32 bytes always fit in 48 characters */
    return json_string(b58);
}

void daas_devnet__time_ms(uint64_t ms, char out[32])
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    char date[24];
    if (gmtime_r(&sec, &tm) == NULL || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(date, sizeof date, "1970-01-01T00:00:00");
    snprintf(out, 32, "%.23s.%03uZ", date, (unsigned)(ms % 1000));
}

/* {"repr": type} (MoveType). */
static json_t *move_type(const char *type)
{
    json_t *t = json_object();
    put(t, "repr", daas_devnet__str(type));
    return t;
}

/* The Owner union, with the fields DAAS_GQL_OWNER_FIELDS selects; null when unknown. */
static json_t *owner_json(const daas_sui_object *o)
{
    json_t *w = json_object();
    switch (o->owner_kind) {
    case DAAS_SUI_OWNER_ADDRESS:
        put(w, "__typename", json_string("AddressOwner"));
        put(w, "address", daas_devnet__addr_obj(o->owner));
        break;
    case DAAS_SUI_OWNER_OBJECT:
        put(w, "__typename", json_string("ObjectOwner"));
        put(w, "address", daas_devnet__addr_obj(o->owner));
        break;
    case DAAS_SUI_OWNER_SHARED:
        put(w, "__typename", json_string("Shared"));
        put(w, "initialSharedVersion", json_integer((json_int_t)o->initial_shared_version));
        break;
    case DAAS_SUI_OWNER_IMMUTABLE:
        put(w, "__typename", json_string("Immutable"));
        break;
    default:
        json_decref(w);
        return json_null();
    }
    return w;
}

/* MoveValue {type {repr} json [bcs]} of an object's contents. */
static json_t *contents_json(const daas_sui_object *o, bool with_bcs)
{
    json_t *c = json_object();
    put(c, "type", move_type(o->type));
    put(c, "json", o->json != NULL ? json_incref(o->json) : NULL);
    if (with_bcs) {
        if (o->bcs != NULL) {
            char *b64 = daas_base64_encode(o->bcs, o->bcs_len);
            put(c, "bcs", json_string(b64));
            daas_free(b64);
        } else {
            put(c, "bcs", NULL);
        }
    }
    return c;
}

json_t *daas_devnet__object(const daas_sui_object *o, unsigned flags)
{
    json_t *n = json_object();
    put(n, "address", daas_devnet__addr(o->ref.id));
    put(n, "version", json_integer((json_int_t)o->ref.version));
    put(n, "digest", daas_devnet__digest(o->ref.digest));
    if (flags & DAAS_DEVNET__OBJ_OWNER)
        put(n, "owner", owner_json(o));
    /* A package has no Move contents: Object.asMoveObject is null. */
    json_t *contents = o->type != NULL ? contents_json(o, flags & DAAS_DEVNET__OBJ_BCS) : NULL;
    if (flags & DAAS_DEVNET__OBJ_AS_MOVE) {
        json_t *mo = NULL;
        if (contents != NULL) {
            mo = json_object();
            put(mo, "contents", contents);
        }
        put(n, "asMoveObject", mo);
    } else {
        put(n, "contents", contents);
    }
    return n;
}

/* PageInfo {hasNextPage endCursor}. */
static json_t *page_info(bool has_next, const char *cursor)
{
    json_t *pi = json_object();
    put(pi, "hasNextPage", json_boolean(has_next));
    put(pi, "endCursor", daas_devnet__str(cursor));
    return pi;
}

json_t *daas_devnet__page(const daas_sui_page *p, unsigned flags)
{
    json_t *conn = json_object();
    json_t *nodes = json_array();
    for (size_t i = 0; i < p->n; i++)
        (void)json_array_append_new(nodes, daas_devnet__object(&p->items[i], flags));
    put(conn, "pageInfo", page_info(p->has_next, p->cursor));
    put(conn, "nodes", nodes);
    return conn;
}

/* MoveModule {name package {address}} from "0x…::module[::…]"; null when s is not one. */
static json_t *module_json(const char *s)
{
    if (s == NULL)
        return json_null();
    const char *sep = strstr(s, "::");
    if (sep == NULL || sep == s)
        return json_null();
    char *addr_text = daas_xstrndup(s, (size_t)(sep - s));
    uint8_t pkg[DAAS_SUI_ADDRESS_LEN];
    int rc = daas_sui_address_parse(addr_text, pkg, NULL);
    daas_free(addr_text);
    if (rc != DAAS_OK)
        return json_null();
    const char *name = sep + 2;
    size_t len = strcspn(name, ":<");
    if (len == 0)
        return json_null();
    char *mod = daas_xstrndup(name, len);
    json_t *m = json_object();
    put(m, "name", daas_devnet__str(mod));
    daas_free(mod);
    json_t *pkg_obj = json_object();
    put(pkg_obj, "address", daas_devnet__addr(pkg));
    put(m, "package", pkg_obj);
    return m;
}

/* One node of Query.events. */
static json_t *event_node(const daas_sui_event *ev)
{
    char ts[32];
    json_t *n = json_object();
    /* The devnet API does not give the index within the transaction. */
    put(n, "sequenceNumber", json_integer(0));
    daas_devnet__time_ms(ev->timestamp_ms, ts);
    put(n, "timestamp", json_string(ts));
    put(n, "sender", daas_devnet__addr_obj(ev->sender));
    /* The daas package emits each event from the module that declares its type. */
    put(n, "transactionModule", module_json(ev->type));
    json_t *c = json_object();
    put(c, "type", move_type(ev->type));
    put(c, "json", ev->json != NULL ? json_incref(ev->json) : NULL);
    put(c, "bcs", NULL);
    put(n, "contents", c);
    return n;
}

json_t *daas_devnet__events(const daas_sui_events *e)
{
    json_t *conn = json_object();
    json_t *nodes = json_array();
    for (size_t i = 0; i < e->n; i++)
        (void)json_array_append_new(nodes, event_node(&e->items[i]));
    put(conn, "pageInfo", page_info(e->has_next, e->cursor));
    put(conn, "nodes", nodes);
    return conn;
}

/* ExecutionError {message abortCode module {name package {address}} function {name}}. */
static json_t *exec_error(const daas_sui_exec_result *r)
{
    if (r->success)
        return json_null();
    json_t *e = json_object();
    put(e, "message", daas_devnet__str(r->error != NULL ? r->error : "execution failed"));
    if (r->has_abort_code) {
        char code[24];
        snprintf(code, sizeof code, "%llu", (unsigned long long)r->abort_code);
        put(e, "abortCode", json_string(code));
    } else {
        put(e, "abortCode", NULL);
    }
    put(e, "module", module_json(r->abort_module));
    json_t *fn = NULL;
    if (r->abort_function != NULL) {
        fn = json_object();
        put(fn, "name", daas_devnet__str(r->abort_function));
    }
    put(e, "function", fn);
    return e;
}

/* GasEffects {gasSummary {computationCost storageCost storageRebate nonRefundableStorageFee}}. */
static json_t *gas_effects(const daas_sui_gas_summary *g)
{
    json_t *s = json_object();
    put(s, "computationCost", json_integer((json_int_t)g->computation));
    put(s, "storageCost", json_integer((json_int_t)g->storage));
    put(s, "storageRebate", json_integer((json_int_t)g->rebate));
    put(s, "nonRefundableStorageFee", json_integer((json_int_t)g->non_refundable));
    json_t *ge = json_object();
    put(ge, "gasSummary", s);
    return ge;
}

/* ObjectChange of a created object; outputState read back from the chain (null when it is
 * already gone, e.g. wrapped or deleted by a later transaction). */
static json_t *created_change(daas_devnet *d, const daas_sui_created *c)
{
    json_t *ch = json_object();
    put(ch, "address", daas_devnet__addr(c->id));
    put(ch, "idCreated", json_true());
    put(ch, "idDeleted", json_false());
    daas_sui_object o = {0};
    json_t *out = NULL;
    if (daas_devnet_get_object(d, c->id, &o, NULL) == DAAS_OK) {
        out = json_object();
        put(out, "version", json_integer((json_int_t)o.ref.version));
        put(out, "digest", daas_devnet__digest(o.ref.digest));
        json_t *mo = NULL;
        const char *type = c->type != NULL ? c->type : o.type;
        if (type != NULL) {
            json_t *contents = json_object();
            put(contents, "type", move_type(type));
            mo = json_object();
            put(mo, "contents", contents);
        }
        put(out, "asMoveObject", mo);
    }
    daas_sui_object_fini(&o);
    put(ch, "outputState", out);
    return ch;
}

/* objectChanges {nodes} and events(first: 50) {nodes} of an executed transaction. */
static void exec_changes(json_t *fx, daas_devnet *d, const daas_sui_exec_result *r)
{
    json_t *nodes = json_array();
    for (size_t i = 0; i < r->n_created; i++)
        (void)json_array_append_new(nodes, created_change(d, &r->created[i]));
    json_t *oc = json_object();
    put(oc, "nodes", nodes);
    put(fx, "objectChanges", oc);

    json_t *evs = json_array();
    for (size_t i = 0; i < r->n_events && i < DAAS_DEVNET__PAGE_MAX; i++) {
        json_t *c = json_object();
        put(c, "type", move_type(r->events[i].type));
        put(c, "json", r->events[i].json != NULL ? json_incref(r->events[i].json) : NULL);
        json_t *n = json_object();
        put(n, "contents", c);
        (void)json_array_append_new(evs, n);
    }
    json_t *ec = json_object();
    put(ec, "nodes", evs);
    put(fx, "events", ec);
}

json_t *daas_devnet__exec(daas_devnet *d, const daas_sui_exec_result *r, bool execute)
{
    json_t *fx = json_object();
    put(fx, "status", json_string(r->success ? "SUCCESS" : "FAILURE"));
    put(fx, "executionError", exec_error(r));
    put(fx, "gasEffects", gas_effects(&r->gas));
    if (execute)
        exec_changes(fx, d, r);
    json_t *tx = json_object();
    put(tx, "digest", daas_devnet__str(r->digest));
    put(tx, "effects", fx);
    json_t *eff = json_object();
    put(eff, "transaction", tx);
    return eff;
}

char *daas_devnet__dump(json_t *root)
{
    char *s = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (s != NULL)
        return s;
    /* Only when jansson runs out of memory; daas_xstrdup's memory is free()-able too. */
    return daas_xstrdup("{\"data\":null,\"errors\":[{\"message\":\"devnet: cannot render the "
                        "reply\"}]}");
}

char *daas_devnet__reply_data(json_t *data)
{
    json_t *root = json_object();
    put(root, "data", data);
    return daas_devnet__dump(root);
}

char *daas_devnet__reply_error(const char *msg)
{
    json_t *e = json_object();
    put(e, "message", daas_devnet__str(msg));
    json_t *errs = json_array();
    (void)json_array_append_new(errs, e);
    json_t *root = json_object();
    put(root, "data", NULL);
    put(root, "errors", errs);
    return daas_devnet__dump(root);
}
