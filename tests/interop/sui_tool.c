/*
 * sui_tool.c: the C side of the libsui <-> @mysten/sui interoperability test (sui_interop.mjs).
 *
 * Owns:   nothing persistent. Reads one JSON request per line on stdin and writes one JSON
 *         answer per line on stdout until EOF, then exits 0 (non-zero only when stdout fails).
 * Not:    deciding what is correct; the Node side compares the answers with the reference SDK.
 * Model:  requests {"op": ..., ...}; answers {"ok": true, ...} or {"ok": false, "code":
 *         "EINVAL", "error": "..."}. Transactions travel as JSON shaped exactly like the SDK's
 *         bcs.TransactionData.parse() output (u64 as decimal strings, digests Base58, bytes
 *         base64, Move types as text), so the Node side can compare structures directly.
 * Ops:    keygen {scheme}; import {privkey}; sign_personal / sign_tx {privkey, msg_b64 | tx_b64};
 *         verify_personal / verify_tx {sig, msg_b64 | tx_b64}; tx_roundtrip {tx_b64};
 *         tx_build {tx}; sender_signed {tx_b64, sigs[]}.
 * Invariants: uses only the public headers sui/sui.h, sui/tx.h, sui/bcs.h and src/common;
 *         everything a request allocates is released before its answer is written (ASan).
 * Spec:   specs/sui.md §2-§4; tests/interop/README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "sui/bcs.h"
#include "sui/sui.h"
#include "sui/tx.h"

#define LINE_MAX_BYTES ((size_t)4 << 20)

#define TRY(x)                                                                                     \
    do {                                                                                           \
        rc = (x);                                                                                  \
        if (rc != DAAS_OK)                                                                         \
            goto out;                                                                              \
    } while (0)

/* Aborts on NULL: jansson constructors fail only on out-of-memory or a bug in this file. */
static json_t *must(json_t *j)
{
    if (j == NULL) {
        fputs("sui_tool: jansson failed to build a value\n", stderr);
        abort();
    }
    return j;
}

static void set(json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, must(v)) != 0)
        abort();
}

static void push(json_t *a, json_t *v)
{
    if (json_array_append_new(a, must(v)) != 0)
        abort();
}

/* ---- reading request fields ---- */

static int field(const json_t *o, const char *key, json_t **out, daas_err *err)
{
    *out = json_is_object(o) ? json_object_get(o, key) : NULL;
    if (*out == NULL)
        return daas_fail(err, DAAS_EINVAL, "missing field \"%s\"", key);
    return DAAS_OK;
}

/* A JSON string without embedded NUL bytes. */
static int as_str(const json_t *j, const char *what, const char **out, daas_err *err)
{
    if (!json_is_string(j) || strlen(json_string_value(j)) != json_string_length(j))
        return daas_fail(err, DAAS_EINVAL, "%s: expected a string", what);
    *out = json_string_value(j);
    return DAAS_OK;
}

static int get_str(const json_t *o, const char *key, const char **out, daas_err *err)
{
    json_t *j;
    int rc = field(o, key, &j, err);
    return rc != DAAS_OK ? rc : as_str(j, key, out, err);
}

/* A u64 given as a decimal string (the SDK's form) or a non-negative JSON integer. */
static int as_u64(const json_t *j, const char *what, uint64_t *out, daas_err *err)
{
    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        *out = (uint64_t)json_integer_value(j);
        return DAAS_OK;
    }
    const char *s = json_is_string(j) ? json_string_value(j) : "";
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || (s[0] == '0' && s[1] != '\0'))
        return daas_fail(err, DAAS_EINVAL, "%s: expected a u64", what);
    *out = (uint64_t)v;
    return DAAS_OK;
}

static int get_u64(const json_t *o, const char *key, uint64_t *out, daas_err *err)
{
    json_t *j;
    int rc = field(o, key, &j, err);
    return rc != DAAS_OK ? rc : as_u64(j, key, out, err);
}

static int as_u16(const json_t *j, const char *what, uint16_t *out, daas_err *err)
{
    uint64_t v = 0;
    int rc = as_u64(j, what, &v, err);
    if (rc == DAAS_OK && v > UINT16_MAX)
        rc = daas_fail(err, DAAS_EINVAL, "%s: %" PRIu64 " is not a u16", what, v);
    *out = (uint16_t)v;
    return rc;
}

static int get_array(const json_t *o, const char *key, json_t **out, daas_err *err)
{
    int rc = field(o, key, out, err);
    if (rc == DAAS_OK && !json_is_array(*out))
        rc = daas_fail(err, DAAS_EINVAL, "%s: expected an array", key);
    return rc;
}

/* Standard base64 text into a heap copy (never NULL, even when empty). */
static int as_b64(const json_t *j, const char *what, uint8_t **p, size_t *len, daas_err *err)
{
    const char *s;
    daas_buf b;
    int rc = as_str(j, what, &s, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&b, LINE_MAX_BYTES);
    rc = daas_base64_decode(s, strlen(s), &b);
    if (rc != DAAS_OK) {
        daas_buf_fini(&b);
        return daas_fail(err, rc, "%s: bad base64", what);
    }
    *p = (uint8_t *)daas_buf_steal(&b, len);
    return DAAS_OK;
}

static int get_b64(const json_t *o, const char *key, uint8_t **p, size_t *len, daas_err *err)
{
    json_t *j;
    int rc = field(o, key, &j, err);
    return rc != DAAS_OK ? rc : as_b64(j, key, p, len, err);
}

static int as_addr(const json_t *j, const char *what, uint8_t a[DAAS_SUI_ADDRESS_LEN],
                   daas_err *err)
{
    const char *s;
    int rc = as_str(j, what, &s, err);
    return rc != DAAS_OK ? rc : daas_sui_address_parse(s, a, err);
}

static int get_addr(const json_t *o, const char *key, uint8_t a[DAAS_SUI_ADDRESS_LEN],
                    daas_err *err)
{
    json_t *j;
    int rc = field(o, key, &j, err);
    return rc != DAAS_OK ? rc : as_addr(j, key, a, err);
}

/* The single key of a one-key object (an enum variant in the SDK's JSON), or NULL. */
static const char *variant(const json_t *j, json_t **value)
{
    if (!json_is_object(j) || json_object_size(j) != 1)
        return NULL;
    const char *k = json_object_iter_key(json_object_iter((json_t *)j));
    *value = json_object_get(j, k);
    return k;
}

/* ---- writing answer fields ---- */

static json_t *u64_json(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof(s), "%" PRIu64, v);
    return json_string(s);
}

static json_t *addr_json(const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    char s[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(a, s);
    return json_string(s);
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
    char *s = daas_base64_encode(p, n);
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

static json_t *b58_json(const uint8_t d[DAAS_SUI_DIGEST_LEN])
{
    char s[64];
    daas_err err = {0};
    if (daas_sui_base58_encode(d, DAAS_SUI_DIGEST_LEN, s, sizeof(s), &err) != DAAS_OK)
        abort(); /* 64 bytes always hold a 32-byte value */
    return json_string(s);
}

/* ---- transactions from JSON (the SDK's parse() shape) ---- */

static int objref_from_json(const json_t *j, daas_sui_objref *r, daas_err *err)
{
    const char *d;
    size_t n = 0;
    int rc;
    TRY(get_addr(j, "objectId", r->id, err));
    TRY(get_u64(j, "version", &r->version, err));
    TRY(get_str(j, "digest", &d, err));
    TRY(daas_sui_base58_decode(d, strlen(d), r->digest, DAAS_SUI_DIGEST_LEN, &n, err));
    if (n != DAAS_SUI_DIGEST_LEN)
        rc = daas_fail(err, DAAS_EINVAL, "object digest of %zu bytes", n);
out:
    return rc;
}

static int arg_from_json(const json_t *j, daas_sui_arg *a, daas_err *err)
{
    json_t *v = NULL;
    const char *k = variant(j, &v);
    int rc = DAAS_OK;
    if ((json_is_string(j) && strcmp(json_string_value(j), "GasCoin") == 0) ||
        (k != NULL && strcmp(k, "GasCoin") == 0)) {
        a->kind = DAAS_SUI_ARG_GAS_COIN;
    } else if (k != NULL && strcmp(k, "Input") == 0) {
        a->kind = DAAS_SUI_ARG_INPUT;
        rc = as_u16(v, "Input", &a->index, err);
    } else if (k != NULL && strcmp(k, "Result") == 0) {
        a->kind = DAAS_SUI_ARG_RESULT;
        rc = as_u16(v, "Result", &a->index, err);
    } else if (k != NULL && strcmp(k, "NestedResult") == 0 && json_array_size(v) == 2) {
        a->kind = DAAS_SUI_ARG_NESTED_RESULT;
        rc = as_u16(json_array_get(v, 0), "NestedResult", &a->index, err);
        if (rc == DAAS_OK)
            rc = as_u16(json_array_get(v, 1), "NestedResult", &a->sub, err);
    } else {
        rc = daas_fail(err, DAAS_EINVAL, "unknown Argument");
    }
    return rc;
}

static int args_from_json(const json_t *o, const char *key, size_t *n, daas_sui_arg **args,
                          daas_err *err)
{
    json_t *arr;
    int rc = get_array(o, key, &arr, err);
    if (rc != DAAS_OK)
        return rc;
    *n = json_array_size(arr);
    *args = daas_xcalloc(*n ? *n : 1, sizeof(**args));
    for (size_t i = 0; rc == DAAS_OK && i < *n; i++)
        rc = arg_from_json(json_array_get(arr, i), &(*args)[i], err);
    return rc;
}

static int shared_from_json(const json_t *j, daas_sui_input *in, daas_err *err)
{
    json_t *m;
    int rc;
    in->kind = DAAS_SUI_INPUT_SHARED;
    TRY(get_addr(j, "objectId", in->shared_id, err));
    TRY(get_u64(j, "initialSharedVersion", &in->initial_shared_version, err));
    TRY(field(j, "mutable", &m, err));
    if (!json_is_boolean(m))
        rc = daas_fail(err, DAAS_EINVAL, "mutable: expected a bool");
    in->mutability = json_is_true(m) ? DAAS_SUI_SHARED_MUTABLE : DAAS_SUI_SHARED_IMMUTABLE;
out:
    return rc;
}

static int input_from_json(const json_t *j, daas_sui_input *in, daas_err *err)
{
    json_t *v = NULL, *ov = NULL;
    const char *k = variant(j, &v), *ok = NULL;
    if (k != NULL && strcmp(k, "Pure") == 0) {
        in->kind = DAAS_SUI_INPUT_PURE;
        return get_b64(v, "bytes", &in->pure, &in->pure_len, err);
    }
    if (k == NULL || strcmp(k, "Object") != 0 || (ok = variant(v, &ov)) == NULL)
        return daas_fail(err, DAAS_EINVAL, "unknown CallArg");
    if (strcmp(ok, "ImmOrOwnedObject") == 0) {
        in->kind = DAAS_SUI_INPUT_IMM_OR_OWNED;
        return objref_from_json(ov, &in->ref, err);
    }
    if (strcmp(ok, "Receiving") == 0) {
        in->kind = DAAS_SUI_INPUT_RECEIVING;
        return objref_from_json(ov, &in->ref, err);
    }
    if (strcmp(ok, "SharedObject") == 0)
        return shared_from_json(ov, in, err);
    return daas_fail(err, DAAS_EINVAL, "unknown ObjectArg %s", ok);
}

static int types_from_json(const json_t *arr, size_t *n, daas_sui_typetag **out, daas_err *err)
{
    const char *s;
    int rc = DAAS_OK;
    if (!json_is_array(arr))
        return daas_fail(err, DAAS_EINVAL, "typeArguments: expected an array");
    *n = json_array_size(arr);
    *out = daas_xcalloc(*n ? *n : 1, sizeof(**out));
    for (size_t i = 0; rc == DAAS_OK && i < *n; i++) {
        rc = as_str(json_array_get(arr, i), "type argument", &s, err);
        if (rc == DAAS_OK)
            rc = daas_sui_typetag_parse(s, &(*out)[i], err);
    }
    return rc;
}

static int move_call_from_json(const json_t *j, daas_sui_command *c, daas_err *err)
{
    const char *mod, *fn;
    json_t *ta;
    int rc;
    TRY(get_addr(j, "package", c->package, err));
    TRY(get_str(j, "module", &mod, err));
    TRY(get_str(j, "function", &fn, err));
    c->module = daas_xstrdup(mod);
    c->function = daas_xstrdup(fn);
    TRY(field(j, "typeArguments", &ta, err));
    TRY(types_from_json(ta, &c->n_type_args, &c->type_args, err));
    TRY(args_from_json(j, "arguments", &c->n_args, &c->args, err));
out:
    return rc;
}

static int make_vec_from_json(const json_t *j, daas_sui_command *c, daas_err *err)
{
    json_t *t;
    const char *s;
    int rc;
    TRY(field(j, "type", &t, err));
    c->has_type = !json_is_null(t);
    if (c->has_type) {
        TRY(as_str(t, "type", &s, err));
        TRY(daas_sui_typetag_parse(s, &c->vec_type, err));
    }
    TRY(args_from_json(j, "elements", &c->n_args, &c->args, err));
out:
    return rc;
}

/* Publish and Upgrade: modules (base64 each) and dependencies (addresses). */
static int modules_from_json(const json_t *j, daas_sui_command *c, daas_err *err)
{
    json_t *mods, *deps;
    int rc;
    TRY(get_array(j, "modules", &mods, err));
    TRY(get_array(j, "dependencies", &deps, err));
    c->n_modules = json_array_size(mods);
    c->modules = daas_xcalloc(c->n_modules ? c->n_modules : 1, sizeof(*c->modules));
    for (size_t i = 0; i < c->n_modules; i++)
        TRY(as_b64(json_array_get(mods, i), "module", &c->modules[i].bytes, &c->modules[i].len,
                   err));
    c->n_deps = json_array_size(deps);
    c->deps = daas_xcalloc(c->n_deps ? c->n_deps : 1, sizeof(*c->deps));
    for (size_t i = 0; i < c->n_deps; i++)
        TRY(as_addr(json_array_get(deps, i), "dependency", c->deps[i], err));
out:
    return rc;
}

static int upgrade_from_json(const json_t *j, daas_sui_command *c, daas_err *err)
{
    json_t *t;
    int rc;
    TRY(modules_from_json(j, c, err));
    TRY(get_addr(j, "package", c->package, err));
    TRY(field(j, "ticket", &t, err));
    TRY(arg_from_json(t, &c->arg, err));
out:
    return rc;
}

/* Commands whose JSON is {<one>: Argument, <many>: [Argument]}. */
static int pair_from_json(const json_t *j, const char *one, const char *many, daas_sui_command *c,
                          daas_err *err)
{
    json_t *a;
    int rc;
    TRY(field(j, one, &a, err));
    TRY(arg_from_json(a, &c->arg, err));
    TRY(args_from_json(j, many, &c->n_args, &c->args, err));
out:
    return rc;
}

static int command_from_json(const json_t *j, daas_sui_command *c, daas_err *err)
{
    json_t *v = NULL;
    const char *k = variant(j, &v);
    if (k == NULL)
        return daas_fail(err, DAAS_EINVAL, "a command is a one-key object");
    if (strcmp(k, "MoveCall") == 0) {
        c->kind = DAAS_SUI_CMD_MOVE_CALL;
        return move_call_from_json(v, c, err);
    }
    if (strcmp(k, "TransferObjects") == 0) {
        c->kind = DAAS_SUI_CMD_TRANSFER_OBJECTS;
        return pair_from_json(v, "address", "objects", c, err);
    }
    if (strcmp(k, "SplitCoins") == 0) {
        c->kind = DAAS_SUI_CMD_SPLIT_COINS;
        return pair_from_json(v, "coin", "amounts", c, err);
    }
    if (strcmp(k, "MergeCoins") == 0) {
        c->kind = DAAS_SUI_CMD_MERGE_COINS;
        return pair_from_json(v, "destination", "sources", c, err);
    }
    if (strcmp(k, "MakeMoveVec") == 0) {
        c->kind = DAAS_SUI_CMD_MAKE_MOVE_VEC;
        return make_vec_from_json(v, c, err);
    }
    if (strcmp(k, "Publish") == 0) {
        c->kind = DAAS_SUI_CMD_PUBLISH;
        return modules_from_json(v, c, err);
    }
    if (strcmp(k, "Upgrade") == 0) {
        c->kind = DAAS_SUI_CMD_UPGRADE;
        return upgrade_from_json(v, c, err);
    }
    return daas_fail(err, DAAS_EINVAL, "unknown command %s", k);
}

static int ptb_from_json(const json_t *j, daas_sui_ptb *p, daas_err *err)
{
    json_t *ins, *cmds;
    int rc;
    TRY(get_array(j, "inputs", &ins, err));
    TRY(get_array(j, "commands", &cmds, err));
    p->n_inputs = json_array_size(ins);
    p->inputs = daas_xcalloc(p->n_inputs ? p->n_inputs : 1, sizeof(*p->inputs));
    for (size_t i = 0; i < p->n_inputs; i++)
        TRY(input_from_json(json_array_get(ins, i), &p->inputs[i], err));
    p->n_commands = json_array_size(cmds);
    p->commands = daas_xcalloc(p->n_commands ? p->n_commands : 1, sizeof(*p->commands));
    for (size_t i = 0; i < p->n_commands; i++)
        TRY(command_from_json(json_array_get(cmds, i), &p->commands[i], err));
out:
    return rc;
}

static int gas_from_json(const json_t *j, daas_sui_gas *g, daas_err *err)
{
    json_t *pay;
    int rc;
    TRY(get_array(j, "payment", &pay, err));
    g->n_payment = json_array_size(pay);
    g->payment = daas_xcalloc(g->n_payment ? g->n_payment : 1, sizeof(*g->payment));
    for (size_t i = 0; i < g->n_payment; i++)
        TRY(objref_from_json(json_array_get(pay, i), &g->payment[i], err));
    TRY(get_addr(j, "owner", g->owner, err));
    TRY(get_u64(j, "price", &g->price, err));
    TRY(get_u64(j, "budget", &g->budget, err));
out:
    return rc;
}

static int expiration_from_json(const json_t *j, daas_sui_expiration *e, daas_err *err)
{
    json_t *v = NULL;
    const char *k = variant(j, &v);
    if (k != NULL && strcmp(k, "None") == 0) {
        e->kind = DAAS_SUI_EXPIRE_NONE;
        return DAAS_OK;
    }
    if (k != NULL && strcmp(k, "Epoch") == 0) {
        e->kind = DAAS_SUI_EXPIRE_EPOCH;
        return as_u64(v, "Epoch", &e->epoch, err);
    }
    return daas_fail(err, DAAS_EINVAL, "expiration: expected None or Epoch");
}

/*
 * Fills *tx (zeroed by the caller) from {"V1": {kind, sender, gasData, expiration}}. Every
 * pointer in *tx is a daas_x* allocation of the same shape daas_sui_tx_decode produces, so
 * daas_sui_tx_fini releases it, also after a failure half way.
 */
static int tx_from_json(const json_t *j, daas_sui_tx *tx, daas_err *err)
{
    json_t *v1, *kind, *ptb, *gas, *exp;
    int rc;
    TRY(field(j, "V1", &v1, err));
    TRY(field(v1, "kind", &kind, err));
    TRY(field(kind, "ProgrammableTransaction", &ptb, err));
    TRY(ptb_from_json(ptb, &tx->kind, err));
    TRY(get_addr(v1, "sender", tx->sender, err));
    TRY(field(v1, "gasData", &gas, err));
    TRY(gas_from_json(gas, &tx->gas, err));
    TRY(field(v1, "expiration", &exp, err));
    TRY(expiration_from_json(exp, &tx->expiration, err));
out:
    return rc;
}

/* ---- transactions to JSON ---- */

static json_t *objref_json(const daas_sui_objref *r)
{
    return json_pack("{s:o,s:o,s:o}", "objectId", must(addr_json(r->id)), "version",
                     must(u64_json(r->version)), "digest", must(b58_json(r->digest)));
}

static json_t *arg_json(const daas_sui_arg *a)
{
    switch (a->kind) {
    case DAAS_SUI_ARG_GAS_COIN:
        return json_pack("{s:b}", "GasCoin", 1);
    case DAAS_SUI_ARG_INPUT:
        return json_pack("{s:i}", "Input", (int)a->index);
    case DAAS_SUI_ARG_RESULT:
        return json_pack("{s:i}", "Result", (int)a->index);
    default:
        return json_pack("{s:[i,i]}", "NestedResult", (int)a->index, (int)a->sub);
    }
}

static json_t *args_json(size_t n, const daas_sui_arg *args)
{
    json_t *a = must(json_array());
    for (size_t i = 0; i < n; i++)
        push(a, arg_json(&args[i]));
    return a;
}

static json_t *input_json(const daas_sui_input *in)
{
    json_t *obj;
    switch (in->kind) {
    case DAAS_SUI_INPUT_PURE:
        return json_pack("{s:{s:o}}", "Pure", "bytes", must(b64_json(in->pure, in->pure_len)));
    case DAAS_SUI_INPUT_IMM_OR_OWNED:
        obj = json_pack("{s:o}", "ImmOrOwnedObject", must(objref_json(&in->ref)));
        break;
    case DAAS_SUI_INPUT_RECEIVING:
        obj = json_pack("{s:o}", "Receiving", must(objref_json(&in->ref)));
        break;
    default:
        /* NonExclusiveWrite (2) has no bool form; answer it as a number the Node side rejects */
        obj = json_pack("{s:{s:o,s:o,s:o}}", "SharedObject", "objectId",
                        must(addr_json(in->shared_id)), "initialSharedVersion",
                        must(u64_json(in->initial_shared_version)), "mutable",
                        in->mutability <= 1 ? json_boolean(in->mutability)
                                            : json_integer(in->mutability));
        break;
    }
    return json_pack("{s:o}", "Object", must(obj));
}

static json_t *type_json(const daas_sui_typetag *t)
{
    daas_buf b;
    json_t *j = NULL;
    daas_buf_init(&b, 0);
    if (daas_sui_typetag_format(t, &b) == DAAS_OK)
        j = json_string(b.data);
    daas_buf_fini(&b);
    return j;
}

static json_t *move_call_json(const daas_sui_command *c)
{
    json_t *ta = must(json_array());
    for (size_t i = 0; i < c->n_type_args; i++)
        push(ta, type_json(&c->type_args[i]));
    return json_pack("{s:o,s:s,s:s,s:o,s:o}", "package", must(addr_json(c->package)), "module",
                     c->module, "function", c->function, "typeArguments", ta, "arguments",
                     must(args_json(c->n_args, c->args)));
}

static json_t *modules_json(const daas_sui_command *c)
{
    json_t *mods = must(json_array()), *deps = must(json_array());
    for (size_t i = 0; i < c->n_modules; i++)
        push(mods, b64_json(c->modules[i].bytes, c->modules[i].len));
    for (size_t i = 0; i < c->n_deps; i++)
        push(deps, addr_json(c->deps[i]));
    json_t *o = json_pack("{s:o,s:o}", "modules", mods, "dependencies", deps);
    if (c->kind == DAAS_SUI_CMD_UPGRADE && o != NULL) {
        set(o, "package", addr_json(c->package));
        set(o, "ticket", arg_json(&c->arg));
    }
    return o;
}

static json_t *command_json(const daas_sui_command *c)
{
    json_t *a = NULL;
    switch (c->kind) {
    case DAAS_SUI_CMD_MOVE_CALL:
        return json_pack("{s:o}", "MoveCall", must(move_call_json(c)));
    case DAAS_SUI_CMD_TRANSFER_OBJECTS:
        return json_pack("{s:{s:o,s:o}}", "TransferObjects", "objects",
                         must(args_json(c->n_args, c->args)), "address", must(arg_json(&c->arg)));
    case DAAS_SUI_CMD_SPLIT_COINS:
        return json_pack("{s:{s:o,s:o}}", "SplitCoins", "coin", must(arg_json(&c->arg)),
                         "amounts", must(args_json(c->n_args, c->args)));
    case DAAS_SUI_CMD_MERGE_COINS:
        return json_pack("{s:{s:o,s:o}}", "MergeCoins", "destination", must(arg_json(&c->arg)),
                         "sources", must(args_json(c->n_args, c->args)));
    case DAAS_SUI_CMD_MAKE_MOVE_VEC:
        a = c->has_type ? must(type_json(&c->vec_type)) : json_null();
        return json_pack("{s:{s:o,s:o}}", "MakeMoveVec", "type", a, "elements",
                         must(args_json(c->n_args, c->args)));
    case DAAS_SUI_CMD_PUBLISH:
        return json_pack("{s:o}", "Publish", must(modules_json(c)));
    default:
        return json_pack("{s:o}", "Upgrade", must(modules_json(c)));
    }
}

static json_t *expiration_json(const daas_sui_expiration *e, daas_err *err)
{
    if (e->kind == DAAS_SUI_EXPIRE_NONE)
        return json_pack("{s:b}", "None", 1);
    if (e->kind == DAAS_SUI_EXPIRE_EPOCH)
        return json_pack("{s:o}", "Epoch", must(u64_json(e->epoch)));
    daas_fail(err, DAAS_EINVAL, "ValidDuring expiration: @mysten/sui 1.45.2 has no form for it");
    return NULL;
}

/* The SDK-shaped JSON of a decoded tx, or NULL with err set. */
static json_t *tx_json(const daas_sui_tx *tx, daas_err *err)
{
    json_t *exp = expiration_json(&tx->expiration, err);
    if (exp == NULL)
        return NULL;
    json_t *ins = must(json_array()), *cmds = must(json_array()), *pay = must(json_array());
    for (size_t i = 0; i < tx->kind.n_inputs; i++)
        push(ins, input_json(&tx->kind.inputs[i]));
    for (size_t i = 0; i < tx->kind.n_commands; i++)
        push(cmds, command_json(&tx->kind.commands[i]));
    for (size_t i = 0; i < tx->gas.n_payment; i++)
        push(pay, objref_json(&tx->gas.payment[i]));
    json_t *gas = must(json_pack("{s:o,s:o,s:o,s:o}", "payment", pay, "owner",
                                 must(addr_json(tx->gas.owner)), "price",
                                 must(u64_json(tx->gas.price)), "budget",
                                 must(u64_json(tx->gas.budget))));
    return must(json_pack("{s:{s:{s:{s:o,s:o}},s:o,s:o,s:o}}", "V1", "kind",
                          "ProgrammableTransaction", "inputs", ins, "commands", cmds, "sender",
                          must(addr_json(tx->sender)), "gasData", gas, "expiration", exp));
}

/* Adds tx_b64 and digest (Base58 transaction digest) of bytes to ans. */
static int add_tx_bytes(json_t *ans, daas_bytes bytes, daas_err *err)
{
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    int rc = daas_sui_tx_digest_b58(bytes, digest, sizeof(digest), err);
    if (rc != DAAS_OK)
        return rc;
    set(ans, "tx_b64", b64_json(bytes.ptr, bytes.len));
    set(ans, "digest", json_string(digest));
    return DAAS_OK;
}

/* ---- ops ---- */

static int scheme_from_name(const char *s, int *scheme, daas_err *err)
{
    static const char *const names[] = {"ed25519", "secp256k1", "secp256r1"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            *scheme = i; /* DAAS_SUI_ED25519, SECP256K1, SECP256R1 are 0, 1, 2 */
            return DAAS_OK;
        }
    }
    return daas_fail(err, DAAS_EINVAL, "unknown scheme %s", s);
}

/* privkey, pubkey (base64 flag || pk), address and scheme flag of k into ans. */
static void describe_key(json_t *ans, const daas_sui_key *k)
{
    char priv[DAAS_SUI_PRIVKEY_STR_LEN + 1];
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char *pub = daas_sui_pubkey_base64(daas_sui_key_public(k));
    daas_sui_key_to_privkey(k, priv);
    daas_sui_key_address(k, addr);
    set(ans, "privkey", json_string(priv));
    set(ans, "pubkey", json_string(pub));
    set(ans, "address", addr_json(addr));
    set(ans, "scheme", json_integer(daas_sui_key_scheme(k)));
    daas_free(pub);
    memset(priv, 0, sizeof(priv));
}

static int op_keygen(const json_t *req, json_t *ans, daas_err *err)
{
    const char *name;
    int scheme = 0;
    daas_sui_key *k = NULL;
    int rc;
    TRY(get_str(req, "scheme", &name, err));
    TRY(scheme_from_name(name, &scheme, err));
    TRY(daas_sui_key_generate(scheme, &k, err));
    describe_key(ans, k);
out:
    daas_sui_key_free(&k);
    return rc;
}

static int op_import(const json_t *req, json_t *ans, daas_err *err)
{
    const char *priv;
    daas_sui_key *k = NULL;
    int rc;
    TRY(get_str(req, "privkey", &priv, err));
    TRY(daas_sui_key_from_privkey(priv, &k, err));
    describe_key(ans, k);
out:
    daas_sui_key_free(&k);
    return rc;
}

/* sign_personal (data_key "msg_b64") and sign_tx ("tx_b64"). */
static int sign_op(const json_t *req, json_t *ans, bool tx, daas_err *err)
{
    const char *priv;
    daas_sui_key *k = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    char *sig = NULL;
    int rc;
    TRY(get_str(req, "privkey", &priv, err));
    TRY(daas_sui_key_from_privkey(priv, &k, err));
    TRY(get_b64(req, tx ? "tx_b64" : "msg_b64", &data, &len, err));
    if (tx)
        TRY(daas_sui_sign_transaction(k, DAAS_BYTES(data, len), &sig, err));
    else
        TRY(daas_sui_sign_personal_message(k, DAAS_BYTES(data, len), &sig, err));
    set(ans, "signature", json_string(sig));
out:
    daas_free(sig);
    daas_free(data);
    daas_sui_key_free(&k);
    return rc;
}

static int verify_op(const json_t *req, json_t *ans, bool tx, daas_err *err)
{
    const char *sig;
    uint8_t *data = NULL, addr[DAAS_SUI_ADDRESS_LEN];
    size_t len = 0;
    int rc;
    TRY(get_str(req, "sig", &sig, err));
    TRY(get_b64(req, tx ? "tx_b64" : "msg_b64", &data, &len, err));
    if (tx)
        TRY(daas_sui_verify_transaction(sig, DAAS_BYTES(data, len), addr, err));
    else
        TRY(daas_sui_verify_personal_message(sig, DAAS_BYTES(data, len), addr, err));
    set(ans, "address", addr_json(addr));
out:
    daas_free(data);
    return rc;
}

static int op_sign_personal(const json_t *req, json_t *ans, daas_err *err)
{
    return sign_op(req, ans, false, err);
}

static int op_sign_tx(const json_t *req, json_t *ans, daas_err *err)
{
    return sign_op(req, ans, true, err);
}

static int op_verify_personal(const json_t *req, json_t *ans, daas_err *err)
{
    return verify_op(req, ans, false, err);
}

static int op_verify_tx(const json_t *req, json_t *ans, daas_err *err)
{
    return verify_op(req, ans, true, err);
}

/* Decode, describe, re-encode: answers the re-encoded bytes, their digest and the decoded tx. */
static int op_tx_roundtrip(const json_t *req, json_t *ans, daas_err *err)
{
    uint8_t *in = NULL;
    size_t len = 0;
    daas_sui_tx tx = {0};
    daas_buf b;
    json_t *j;
    int rc;
    daas_buf_init(&b, DAAS_SUI_TX_MAX_BYTES);
    TRY(get_b64(req, "tx_b64", &in, &len, err));
    TRY(daas_sui_tx_decode(DAAS_BYTES(in, len), &tx, err));
    TRY(daas_sui_tx_encode(&tx, &b, err));
    TRY(add_tx_bytes(ans, DAAS_BYTES(b.data, b.len), err));
    j = tx_json(&tx, err);
    rc = j != NULL ? DAAS_OK : err->code;
    if (j != NULL)
        set(ans, "tx", j);
out:
    daas_sui_tx_fini(&tx);
    daas_buf_fini(&b);
    daas_free(in);
    return rc;
}

static int op_tx_build(const json_t *req, json_t *ans, daas_err *err)
{
    daas_sui_tx tx = {0};
    daas_buf b;
    json_t *spec;
    int rc;
    daas_buf_init(&b, DAAS_SUI_TX_MAX_BYTES);
    TRY(field(req, "tx", &spec, err));
    TRY(tx_from_json(spec, &tx, err));
    TRY(daas_sui_tx_encode(&tx, &b, err));
    TRY(add_tx_bytes(ans, DAAS_BYTES(b.data, b.len), err));
out:
    daas_sui_tx_fini(&tx);
    daas_buf_fini(&b);
    return rc;
}

#define MAX_SIGS 8

/* SenderSignedData of tx_b64 with sigs[] (base64 serialized signatures), then split again. */
static int op_sender_signed(const json_t *req, json_t *ans, daas_err *err)
{
    uint8_t *tx = NULL, *sig[MAX_SIGS] = {0};
    daas_bytes sigs[MAX_SIGS], back_tx, back[MAX_SIGS];
    size_t txlen = 0, n = 0, n_back = 0;
    json_t *arr;
    daas_buf b;
    int rc;
    daas_buf_init(&b, 0);
    TRY(get_b64(req, "tx_b64", &tx, &txlen, err));
    TRY(get_array(req, "sigs", &arr, err));
    for (n = 0; n < json_array_size(arr) && n < MAX_SIGS; n++) {
        size_t l = 0;
        TRY(as_b64(json_array_get(arr, n), "sigs", &sig[n], &l, err));
        sigs[n] = DAAS_BYTES(sig[n], l);
    }
    TRY(daas_sui_sender_signed_encode(DAAS_BYTES(tx, txlen), sigs, n, &b, err));
    set(ans, "bytes_b64", b64_json((const uint8_t *)b.data, b.len));
    TRY(daas_sui_sender_signed_decode(DAAS_BYTES(b.data, b.len), &back_tx, back, MAX_SIGS,
                                      &n_back, err));
    if (n_back != n || back_tx.len != txlen || memcmp(back_tx.ptr, tx, txlen) != 0)
        rc = daas_fail(err, DAAS_EINTERNAL, "SenderSignedData did not split back");
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        if (back[i].len != sigs[i].len || memcmp(back[i].ptr, sigs[i].ptr, sigs[i].len) != 0)
            rc = daas_fail(err, DAAS_EINTERNAL, "signature %zu did not split back", i);
out:
    for (size_t i = 0; i < MAX_SIGS; i++)
        daas_free(sig[i]);
    daas_free(tx);
    daas_buf_fini(&b);
    return rc;
}

typedef int (*op_fn)(const json_t *req, json_t *ans, daas_err *err);

static const struct {
    const char *name; /* the "op" value */
    op_fn fn;         /* its handler */
} OPS[] = {
    {"keygen", op_keygen},
    {"import", op_import},
    {"sign_personal", op_sign_personal},
    {"verify_personal", op_verify_personal},
    {"sign_tx", op_sign_tx},
    {"verify_tx", op_verify_tx},
    {"tx_roundtrip", op_tx_roundtrip},
    {"tx_build", op_tx_build},
    {"sender_signed", op_sender_signed},
};

/* ---- the loop ---- */

/* One request line to one answer object (never NULL). */
static json_t *handle(const char *line, size_t len)
{
    json_error_t jerr;
    daas_err err = {0};
    const char *op = NULL;
    json_t *ans = must(json_object());
    json_t *req = json_loadb(line, len, 0, &jerr);
    int rc = req != NULL ? DAAS_OK : daas_fail(&err, DAAS_EINVAL, "bad JSON: %s", jerr.text);
    if (rc == DAAS_OK)
        rc = get_str(req, "op", &op, &err);
    if (rc == DAAS_OK) {
        size_t i = 0;
        while (i < sizeof(OPS) / sizeof(OPS[0]) && strcmp(OPS[i].name, op) != 0)
            i++;
        rc = i < sizeof(OPS) / sizeof(OPS[0]) ? OPS[i].fn(req, ans, &err)
                                               : daas_fail(&err, DAAS_EINVAL, "unknown op %s", op);
    }
    if (rc != DAAS_OK) {
        json_object_clear(ans);
        set(ans, "code", json_string(daas_err_name(rc)));
        set(ans, "error", json_string(err.msg));
    }
    set(ans, "ok", json_boolean(rc == DAAS_OK));
    json_decref(req);
    return ans;
}

/* Reads one line (without its newline) into b. DAAS_ECLOSED at EOF, DAAS_ETOOBIG when long. */
static int read_line(FILE *f, daas_buf *b)
{
    char chunk[65536];
    daas_buf_reset(b);
    while (fgets(chunk, sizeof(chunk), f) != NULL) {
        size_t n = strlen(chunk);
        bool eol = n > 0 && chunk[n - 1] == '\n';
        if (daas_buf_append(b, chunk, eol ? n - 1 : n) != DAAS_OK)
            return DAAS_ETOOBIG;
        if (eol)
            return DAAS_OK;
    }
    return b->len > 0 ? DAAS_OK : DAAS_ECLOSED;
}

int main(void)
{
    daas_buf line;
    int rc;
    daas_buf_init(&line, LINE_MAX_BYTES);
    while ((rc = read_line(stdin, &line)) != DAAS_ECLOSED) {
        if (rc != DAAS_OK) {
            fputs("sui_tool: request line too long\n", stderr);
            break;
        }
        json_t *ans = handle(line.data, line.len);
        int wr = json_dumpf(ans, stdout, JSON_COMPACT);
        json_decref(ans);
        if (wr != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
            rc = DAAS_EIO;
            break;
        }
    }
    daas_buf_fini(&line);
    return rc == DAAS_ECLOSED ? 0 : 1;
}
