/*
 * ptb.c: the programmable-transaction interpreter of the development chain: arguments
 * (GasCoin, Input, Result, NestedResult), SplitCoins, MergeCoins, TransferObjects and
 * MoveCall into the native `daas` package and the framework natives the devnet runs
 * (0x2::nitro_attestation::load_nitro_attestation) and the Seal twin (pkg_seal.c).
 *
 * Owns:   the PTB values of a dn_exec (inputs, GasCoin, per-command results).
 * Model:  a value is pure bytes or an object of the working set; taking an object by value
 *         empties its slot (a second use is ArgumentWithoutValue); coins a command creates
 *         are values without an owner until transferred or consumed, and a value left over at
 *         the end is UnusedValueWithoutDrop, as in Sui; a value that has `drop` (the
 *         NitroAttestationDocument 0x2::nitro_attestation::load_nitro_attestation returns)
 *         may be left over.
 * Invariants:
 *   - failures are Sui's ExecutionFailureStatus words ("CommandArgumentError { arg_idx: 1,
 *     kind: TypeMismatch } in command 0", "InsufficientCoinBalance in command 0", ...);
 *   - arguments are checked against the function's parameters before the function runs, so a
 *     native function only sees values of the types it declares.
 * Spec:   specs/sui.md §4 (commands, arguments); move/README.md (the functions).
 */
#include "devnet/devnet_int.h"

#include <string.h>

#include "common/alloc.h"

static int arg_fail(dn_exec *ex, size_t arg_idx, const char *kind)
{
    return daas_devnet__fail(ex, "CommandArgumentError { arg_idx: %zu, kind: %s } in command %zu",
                             arg_idx, kind, ex->cmd);
}

/* The slot an argument names (still holding a value). */
static int slot(dn_exec *ex, const daas_sui_arg *a, size_t arg_idx, dn_val **v)
{
    char kind[96];
    *v = NULL;
    switch (a->kind) {
    case DAAS_SUI_ARG_GAS_COIN:
        *v = &ex->gas_val;
        break;
    case DAAS_SUI_ARG_INPUT:
        if (a->index >= ex->tx->kind.n_inputs) {
            snprintf(kind, sizeof(kind), "IndexOutOfBounds { idx: %u }", a->index);
            return arg_fail(ex, arg_idx, kind);
        }
        *v = &ex->inputs[a->index];
        break;
    case DAAS_SUI_ARG_RESULT:
    case DAAS_SUI_ARG_NESTED_RESULT:
        if (a->index >= ex->cmd) {
            snprintf(kind, sizeof(kind), "IndexOutOfBounds { idx: %u }", a->index);
            return arg_fail(ex, arg_idx, kind);
        }
        if (a->kind == DAAS_SUI_ARG_RESULT && ex->n_results[a->index] != 1) {
            snprintf(kind, sizeof(kind), "InvalidResultArity { result_idx: %u }", a->index);
            return arg_fail(ex, arg_idx, kind);
        }
        if (a->kind == DAAS_SUI_ARG_NESTED_RESULT && a->sub >= ex->n_results[a->index]) {
            snprintf(kind, sizeof(kind),
                     "SecondaryIndexOutOfBounds { result_idx: %u, secondary_idx: %u }", a->index,
                     a->sub);
            return arg_fail(ex, arg_idx, kind);
        }
        *v = &ex->results[a->index][a->kind == DAAS_SUI_ARG_RESULT ? 0 : a->sub];
        break;
    }
    if (*v == NULL || (*v)->kind == DN_V_NONE)
        return arg_fail(ex, arg_idx, "ArgumentWithoutValue");
    return DAAS_OK;
}

/* ---- pure values ---- */

/* vector<String>: a canonical count, then that many Strings (UTF-8), nothing after. */
static bool vec_string_ok(daas_sui_bcs_reader *r, dn_arg *out)
{
    size_t n;
    daas_bytes s;
    if (daas_sui_bcs_get_len(r, "arg", r->len, 1, &n, NULL) != DAAS_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        if (daas_sui_bcs_get_str(r, "arg", r->len, &s, NULL) != DAAS_OK)
            return false;
    out->u = n;
    out->bytes = DAAS_BYTES(r->p, r->len);
    return daas_sui_bcs_get_end(r, "arg", NULL) == DAAS_OK;
}

/* Decodes a pure value of type t (exact length; vectors and strings canonical). */
static bool pure_ok(dn_ptype t, const uint8_t *p, size_t len, dn_arg *out)
{
    daas_sui_bcs_reader r;
    size_t n;
    daas_sui_bcs_reader_init(&r, DAAS_BYTES(p, len));
    switch (t) {
    case DN_P_U8:
        out->u = len == 1 ? p[0] : 0;
        return len == 1;
    case DN_P_BOOL:
        out->u = len == 1 ? p[0] : 0;
        return len == 1 && p[0] <= 1;
    case DN_P_U64:
        if (len != 8)
            return false;
        out->u = daas_devnet__le64(p);
        return true;
    case DN_P_ADDRESS:
        if (len != DAAS_SUI_ADDRESS_LEN)
            return false;
        memcpy(out->addr, p, DAAS_SUI_ADDRESS_LEN);
        return true;
    case DN_P_BYTES:
        return daas_sui_bcs_get_bytes(&r, "arg", len, &out->bytes, NULL) == DAAS_OK &&
               daas_sui_bcs_get_end(&r, "arg", NULL) == DAAS_OK;
    case DN_P_STRING:
        return daas_sui_bcs_get_str(&r, "arg", len, &out->bytes, NULL) == DAAS_OK &&
               daas_sui_bcs_get_end(&r, "arg", NULL) == DAAS_OK;
    case DN_P_VEC_ADDRESS:
        if (daas_sui_bcs_get_len(&r, "arg", len, DAAS_SUI_ADDRESS_LEN, &n, NULL) != DAAS_OK ||
            len - r.pos != n * DAAS_SUI_ADDRESS_LEN)
            return false;
        out->bytes = DAAS_BYTES(p + r.pos, n * DAAS_SUI_ADDRESS_LEN);
        return true;
    case DN_P_VEC_STRING:
        return vec_string_ok(&r, out);
    default:
        return false;
    }
}

static int pure_arg(dn_exec *ex, const daas_sui_arg *a, size_t arg_idx, dn_ptype t, dn_arg *out)
{
    dn_val *v;
    int rc = slot(ex, a, arg_idx, &v);
    if (rc != DAAS_OK)
        return rc;
    if (v->kind != DN_V_PURE)
        return arg_fail(ex, arg_idx, "TypeMismatch");
    if (!pure_ok(t, v->pure, v->pure_len, out))
        return arg_fail(ex, arg_idx, "InvalidBCSBytes");
    return DAAS_OK;
}

/* ---- objects ---- */

/* An object argument used as t (REF, MUT or VAL) of kind want. VAL empties the slot. */
static int obj_arg(dn_exec *ex, const daas_sui_arg *a, size_t arg_idx, dn_ptype t, dn_kind want,
                   int *obj)
{
    dn_val *v;
    int rc = slot(ex, a, arg_idx, &v);
    if (rc != DAAS_OK)
        return rc;
    if (v->kind != DN_V_OBJ || ex->objs[v->obj].kind != want)
        return arg_fail(ex, arg_idx, "TypeMismatch");
    const dn_obj *o = &ex->objs[v->obj];
    if (t == DN_P_VAL && v->is_gas)
        return arg_fail(ex, arg_idx, "InvalidGasCoinUsage");
    if (t == DN_P_VAL &&
        (o->owner_kind == DAAS_SUI_OWNER_SHARED || o->owner_kind == DAAS_SUI_OWNER_IMMUTABLE))
        return arg_fail(ex, arg_idx, "InvalidObjectByValue");
    if (t == DN_P_MUT && (o->shared_imm || o->owner_kind == DAAS_SUI_OWNER_IMMUTABLE))
        return arg_fail(ex, arg_idx, "InvalidObjectByMutRef");
    *obj = v->obj;
    if (t == DN_P_VAL)
        v->kind = DN_V_NONE;
    return DAAS_OK;
}

static void set_results(dn_exec *ex, size_t n)
{
    ex->n_results[ex->cmd] = n;
    ex->results[ex->cmd] = daas_xcalloc(n ? n : 1, sizeof(dn_val));
}

/* ---- commands ---- */

static int split_coins(dn_exec *ex, const daas_sui_command *c)
{
    int coin;
    int rc = obj_arg(ex, &c->arg, 0, DN_P_MUT, DN_K_COIN, &coin);
    set_results(ex, c->n_args);
    for (size_t i = 0; i < c->n_args && rc == DAAS_OK; i++) {
        dn_arg amt;
        uint8_t bcs[DAAS_SUI_ADDRESS_LEN + 8] = {0};
        rc = pure_arg(ex, &c->args[i], i + 1, DN_P_U64, &amt);
        if (rc != DAAS_OK)
            break;
        uint64_t have = daas_devnet__coin_value(&ex->objs[coin]);
        if (amt.u > have)
            return daas_devnet__fail(ex, "InsufficientCoinBalance in command %zu", ex->cmd);
        daas_devnet__coin_set(&ex->objs[coin], have - amt.u);
        daas_devnet__put_le64(bcs + DAAS_SUI_ADDRESS_LEN, amt.u);
        int k = daas_devnet__obj_new(ex, DN_K_COIN, NULL, bcs, sizeof(bcs), 0, NULL);
        ex->results[ex->cmd][i] = (dn_val){.kind = DN_V_OBJ, .obj = k, .needs_use = true};
    }
    return rc;
}

static int merge_coins(dn_exec *ex, const daas_sui_command *c)
{
    int dst, src;
    int rc = obj_arg(ex, &c->arg, 0, DN_P_MUT, DN_K_COIN, &dst);
    set_results(ex, 0);
    for (size_t i = 0; i < c->n_args && rc == DAAS_OK; i++) {
        rc = obj_arg(ex, &c->args[i], i + 1, DN_P_VAL, DN_K_COIN, &src);
        if (rc != DAAS_OK)
            break;
        if (src == dst)
            return arg_fail(ex, i + 1, "InvalidValueUsage");
        uint64_t a = daas_devnet__coin_value(&ex->objs[dst]);
        uint64_t b = daas_devnet__coin_value(&ex->objs[src]);
        if (a + b < a)
            return daas_devnet__fail(ex, "CoinBalanceOverflow in command %zu", ex->cmd);
        daas_devnet__coin_set(&ex->objs[dst], a + b);
        ex->objs[src].deleted = true;
    }
    return rc;
}

/* Objects with `store` may move with TransferObjects (public_transfer). */
static bool has_store(dn_kind k)
{
    return k == DN_K_COIN || k == DN_K_ADMINCAP;
}

static int transfer_objects(dn_exec *ex, const daas_sui_command *c)
{
    dn_arg to;
    dn_val *v;
    int rc = pure_arg(ex, &c->arg, c->n_args, DN_P_ADDRESS, &to);
    set_results(ex, 0);
    for (size_t i = 0; i < c->n_args && rc == DAAS_OK; i++) {
        rc = slot(ex, &c->args[i], i, &v);
        if (rc != DAAS_OK)
            break;
        if (v->kind != DN_V_OBJ)
            return arg_fail(ex, i, "TypeMismatch");
        dn_obj *o = &ex->objs[v->obj];
        if (!has_store(o->kind) || o->owner_kind == DAAS_SUI_OWNER_SHARED)
            return arg_fail(ex, i, "InvalidTransferObject");
        if (o->owner_kind == DAAS_SUI_OWNER_IMMUTABLE)
            return arg_fail(ex, i, "InvalidObjectByValue");
        o->owner_kind = DAAS_SUI_OWNER_ADDRESS;
        memcpy(o->owner, to.addr, DAAS_SUI_ADDRESS_LEN);
        o->written = true;
        v->kind = DN_V_NONE;
    }
    return rc;
}

/* 0x000…02: the framework package (only the natives the devnet runs). */
static bool is_sui_framework(const uint8_t p[DAAS_SUI_ADDRESS_LEN])
{
    for (size_t i = 0; i + 1 < DAAS_SUI_ADDRESS_LEN; i++)
        if (p[i] != 0)
            return false;
    return p[DAAS_SUI_ADDRESS_LEN - 1] == 2;
}

static const dn_fn *find_in(const dn_fn *fns, size_t n, const daas_sui_command *c)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fns[i].module, c->module) == 0 && strcmp(fns[i].name, c->function) == 0)
            return &fns[i];
    return NULL;
}

static const dn_fn *find_fn(const dn_exec *ex, const daas_sui_command *c)
{
    static const struct {
        const dn_fn *fns;
        const size_t *n;
    } TABLES[] = {{daas_devnet__staking_fns, &daas_devnet__staking_n},
                  {daas_devnet__registry_fns, &daas_devnet__registry_n},
                  {daas_devnet__enclave_fns, &daas_devnet__enclave_n},
                  {daas_devnet__policy_fns, &daas_devnet__policy_n},
                  {daas_devnet__rules_fns, &daas_devnet__rules_n}};
    const dn_fn *f = NULL;
    if (is_sui_framework(c->package))
        return find_in(daas_devnet__nitro_fns, daas_devnet__nitro_n, c);
    if (daas_devnet__is_seal_pkg(c->package))
        return find_in(daas_devnet__seal_fns, daas_devnet__seal_n, c);
    if (memcmp(c->package, ex->d->pkg, DAAS_SUI_ADDRESS_LEN) != 0)
        return NULL; /* 0x1: the devnet runs none of MoveStdlib's functions */
    for (size_t t = 0; t < sizeof(TABLES) / sizeof(TABLES[0]) && f == NULL; t++)
        f = find_in(TABLES[t].fns, *TABLES[t].n, c);
    return f;
}

static int move_call(dn_exec *ex, const daas_sui_command *c, daas_err *err)
{
    const dn_fn *f = find_fn(ex, c);
    dn_arg args[DN_MAX_PARAMS];
    dn_ret ret = {0};
    set_results(ex, 0);
    if (f == NULL)
        return daas_devnet__fail(ex, "FunctionNotFound in command %zu", ex->cmd);
    if (c->n_type_args != 0)
        return daas_devnet__fail(ex, "TypeArityMismatch in command %zu", ex->cmd);
    if (c->n_args != f->n_params)
        return daas_devnet__fail(ex, "ArityMismatch in command %zu", ex->cmd);
    memset(args, 0, sizeof(args));
    for (size_t i = 0; i < f->n_params; i++) {
        dn_ptype t = f->params[i].type;
        int rc = t >= DN_P_REF ? obj_arg(ex, &c->args[i], i, t, f->params[i].obj, &args[i].obj)
                               : pure_arg(ex, &c->args[i], i, t, &args[i]);
        if (rc != DAAS_OK)
            return rc;
    }
    int rc = f->run(ex, args, &ret, err);
    if (rc != DAAS_OK)
        return rc;
    daas_free(ex->results[ex->cmd]);
    set_results(ex, ret.n);
    if (ret.has_obj) { /* a value without an owner that has `drop` (no needs_use) */
        ex->results[ex->cmd][0] = (dn_val){.kind = DN_V_OBJ, .obj = ret.obj};
        return DAAS_OK;
    }
    for (size_t i = 0; i < ret.n; i++) {
        dn_val *v = &ex->results[ex->cmd][i];
        v->kind = DN_V_PURE;
        memcpy(v->own, ret.bytes, ret.len);
        v->pure = v->own;
        v->pure_len = ret.len;
    }
    return DAAS_OK;
}

static int run_command(dn_exec *ex, const daas_sui_command *c, daas_err *err)
{
    switch (c->kind) {
    case DAAS_SUI_CMD_SPLIT_COINS:
        return split_coins(ex, c);
    case DAAS_SUI_CMD_MERGE_COINS:
        return merge_coins(ex, c);
    case DAAS_SUI_CMD_TRANSFER_OBJECTS:
        return transfer_objects(ex, c);
    case DAAS_SUI_CMD_MOVE_CALL:
        return move_call(ex, c, err);
    default:
        return daas_devnet__fail(ex, "FeatureNotYetSupported in command %zu", ex->cmd);
    }
}

/* Coins a command created must end up owned or consumed. */
static int check_unused(dn_exec *ex)
{
    for (size_t i = 0; i < ex->tx->kind.n_commands; i++)
        for (size_t j = 0; j < ex->n_results[i]; j++)
            if (ex->results[i][j].kind == DN_V_OBJ && ex->results[i][j].needs_use)
                return daas_devnet__fail(ex,
                                         "UnusedValueWithoutDrop { result_idx: %zu, "
                                         "secondary_idx: %zu }",
                                         i, j);
    return DAAS_OK;
}

static void init_values(dn_exec *ex)
{
    const daas_sui_ptb *p = &ex->tx->kind;
    ex->inputs = daas_xcalloc(p->n_inputs ? p->n_inputs : 1, sizeof(dn_val));
    for (size_t i = 0; i < p->n_inputs; i++) {
        if (ex->input_obj[i] >= 0)
            ex->inputs[i] = (dn_val){.kind = DN_V_OBJ, .obj = ex->input_obj[i]};
        else
            ex->inputs[i] = (dn_val){
                .kind = DN_V_PURE, .pure = p->inputs[i].pure, .pure_len = p->inputs[i].pure_len};
    }
    ex->gas_val = (dn_val){.kind = DN_V_OBJ, .obj = ex->gas, .is_gas = true};
    ex->results = daas_xcalloc(p->n_commands ? p->n_commands : 1, sizeof(dn_val *));
    ex->n_results = daas_xcalloc(p->n_commands ? p->n_commands : 1, sizeof(size_t));
}

int daas_devnet__ptb_run(dn_exec *ex, daas_err *err)
{
    const daas_sui_ptb *p = &ex->tx->kind;
    int rc = DAAS_OK;
    init_values(ex);
    for (ex->cmd = 0; ex->cmd < p->n_commands && rc == DAAS_OK; ex->cmd++)
        rc = run_command(ex, &p->commands[ex->cmd], err);
    if (rc == DAAS_OK)
        rc = check_unused(ex);
    return rc;
}

void daas_devnet__ptb_fini(dn_exec *ex)
{
    for (size_t i = 0; ex->results != NULL && i < ex->tx->kind.n_commands; i++)
        daas_free(ex->results[i]);
    daas_free(ex->results);
    daas_free(ex->n_results);
    daas_free(ex->inputs);
    ex->results = NULL;
    ex->n_results = NULL;
    ex->inputs = NULL;
}
