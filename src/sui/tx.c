/*
 * tx.c: BCS encoding of Sui TransactionData V1, the transaction digest, SenderSignedData
 * encoding, and releasing decoded transactions.
 *
 * Owns:   nothing stateful; see tx.h.
 * Not:    decoding (tx_decode.c), BCS primitives (bcs.c), signing (sign.c).
 * Invariants: every writer here emits exactly what tx_decode.c accepts (same field order,
 *         same variant numbers), so the two stay inverse of each other.
 * Spec:   specs/sui.md §4 "BCS of TransactionData", §3.3, §3.4.
 */
#include <string.h>

#include <sodium.h>

#include "sui/sui_int.h"
#include "common/util.h"
#include "sui/tx.h"

#define TRY(x) DAAS_SUI__TRY(x)

static int too_many(daas_err *err, const char *what, size_t n, size_t max)
{
    return daas_fail(err, DAAS_EINVAL, "sui tx encode: %zu %s exceed the limit %zu", n, what, max);
}

static int put_objref(daas_buf *b, const daas_sui_objref *r)
{
    int rc;
    TRY(daas_sui_bcs_put_addr(b, r->id));
    TRY(daas_sui_bcs_put_u64(b, r->version));
    TRY(daas_sui_bcs_put_bytes(b, r->digest, DAAS_SUI_DIGEST_LEN));
out:
    return rc;
}

static int put_arg(daas_buf *b, const daas_sui_arg *a, daas_err *err)
{
    int rc;
    if (a->kind > DAAS_SUI_ARG_NESTED_RESULT)
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: unknown Argument kind %d", (int)a->kind);
    TRY(daas_sui_bcs_put_variant(b, (uint32_t)a->kind));
    if (a->kind != DAAS_SUI_ARG_GAS_COIN)
        TRY(daas_sui_bcs_put_u16(b, a->index));
    if (a->kind == DAAS_SUI_ARG_NESTED_RESULT)
        TRY(daas_sui_bcs_put_u16(b, a->sub));
out:
    return rc;
}

static int put_args(daas_buf *b, size_t n, const daas_sui_arg *args, daas_err *err)
{
    int rc;
    if (n > DAAS_SUI_MAX_ARGS)
        return too_many(err, "arguments", n, DAAS_SUI_MAX_ARGS);
    TRY(daas_sui_bcs_put_len(b, n));
    for (size_t i = 0; i < n; i++)
        TRY(put_arg(b, &args[i], err));
out:
    return rc;
}

static int put_name(daas_buf *b, const char *s, const char *what, daas_err *err)
{
    if (s == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: %s is NULL", what);
    return daas_sui_bcs_put_str(b, s);
}

static int put_typetag(daas_buf *b, const daas_sui_typetag *t, unsigned depth, daas_err *err);

static int put_typetags(daas_buf *b, size_t n, const daas_sui_typetag *t, unsigned depth,
                        daas_err *err)
{
    int rc;
    if (n > DAAS_SUI_MAX_TYPE_ARGS)
        return too_many(err, "type arguments", n, DAAS_SUI_MAX_TYPE_ARGS);
    TRY(daas_sui_bcs_put_len(b, n));
    for (size_t i = 0; i < n; i++)
        TRY(put_typetag(b, &t[i], depth, err));
out:
    return rc;
}

static int put_typetag(daas_buf *b, const daas_sui_typetag *t, unsigned depth, daas_err *err)
{
    int rc;
    if (depth >= DAAS_SUI_MAX_TYPE_DEPTH)
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: type nested deeper than %u",
                         DAAS_SUI_MAX_TYPE_DEPTH);
    if (t->kind > DAAS_SUI_TYPE_U256 || (t->kind == DAAS_SUI_TYPE_VECTOR && t->elem == NULL) ||
        (t->kind == DAAS_SUI_TYPE_STRUCT && t->st == NULL))
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: malformed TypeTag (kind %d)",
                         (int)t->kind);
    TRY(daas_sui_bcs_put_variant(b, (uint32_t)t->kind));
    if (t->kind == DAAS_SUI_TYPE_VECTOR)
        TRY(put_typetag(b, t->elem, depth + 1, err));
    if (t->kind == DAAS_SUI_TYPE_STRUCT) {
        TRY(daas_sui_bcs_put_addr(b, t->st->address));
        TRY(put_name(b, t->st->module, "struct module", err));
        TRY(put_name(b, t->st->name, "struct name", err));
        TRY(put_typetags(b, t->st->n_params, t->st->params, depth + 1, err));
    }
out:
    return rc;
}

int daas_sui_typetag_encode(const daas_sui_typetag *t, daas_buf *out, daas_err *err)
{
    int rc = put_typetag(out, t, 0, err);
    if (rc == DAAS_ETOOBIG)
        daas_fail(err, rc, "sui tx encode: output buffer limit reached");
    return rc;
}

static int put_input(daas_buf *b, const daas_sui_input *in, daas_err *err)
{
    int rc;
    switch (in->kind) {
    case DAAS_SUI_INPUT_PURE:
        if (in->pure_len > DAAS_SUI_MAX_PURE)
            return too_many(err, "pure bytes", in->pure_len, DAAS_SUI_MAX_PURE);
        TRY(daas_sui_bcs_put_variant(b, 0));
        TRY(daas_sui_bcs_put_bytes(b, in->pure, in->pure_len));
        break;
    case DAAS_SUI_INPUT_IMM_OR_OWNED:
    case DAAS_SUI_INPUT_RECEIVING:
        TRY(daas_sui_bcs_put_variant(b, 1));
        TRY(daas_sui_bcs_put_variant(b, in->kind == DAAS_SUI_INPUT_RECEIVING ? 2 : 0));
        TRY(put_objref(b, &in->ref));
        break;
    case DAAS_SUI_INPUT_SHARED:
        if (in->mutability > DAAS_SUI_SHARED_NONEXCL)
            return daas_fail(err, DAAS_EINVAL, "sui tx encode: bad shared mutability %u",
                             in->mutability);
        TRY(daas_sui_bcs_put_variant(b, 1));
        TRY(daas_sui_bcs_put_variant(b, 1));
        TRY(daas_sui_bcs_put_addr(b, in->shared_id));
        TRY(daas_sui_bcs_put_u64(b, in->initial_shared_version));
        TRY(daas_sui_bcs_put_variant(b, in->mutability));
        break;
    default:
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: unknown input kind %d", (int)in->kind);
    }
out:
    return rc;
}

static int put_modules(daas_buf *b, const daas_sui_command *c, daas_err *err)
{
    int rc;
    if (c->n_modules > DAAS_SUI_MAX_MODULES || c->n_deps > DAAS_SUI_MAX_MODULES)
        return too_many(err, "modules or dependencies", c->n_modules + c->n_deps,
                        DAAS_SUI_MAX_MODULES);
    TRY(daas_sui_bcs_put_len(b, c->n_modules));
    for (size_t i = 0; i < c->n_modules; i++)
        TRY(daas_sui_bcs_put_bytes(b, c->modules[i].bytes, c->modules[i].len));
    TRY(daas_sui_bcs_put_len(b, c->n_deps));
    for (size_t i = 0; i < c->n_deps; i++)
        TRY(daas_sui_bcs_put_addr(b, c->deps[i]));
out:
    return rc;
}

static int put_move_call(daas_buf *b, const daas_sui_command *c, daas_err *err)
{
    int rc;
    TRY(daas_sui_bcs_put_addr(b, c->package));
    TRY(put_name(b, c->module, "MoveCall module", err));
    TRY(put_name(b, c->function, "MoveCall function", err));
    TRY(put_typetags(b, c->n_type_args, c->type_args, 0, err));
    TRY(put_args(b, c->n_args, c->args, err));
out:
    return rc;
}

static int put_command(daas_buf *b, const daas_sui_command *c, daas_err *err)
{
    int rc;
    if (c->kind > DAAS_SUI_CMD_UPGRADE)
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: unknown command kind %d", (int)c->kind);
    TRY(daas_sui_bcs_put_variant(b, (uint32_t)c->kind));
    switch (c->kind) {
    case DAAS_SUI_CMD_MOVE_CALL:
        TRY(put_move_call(b, c, err));
        break;
    case DAAS_SUI_CMD_TRANSFER_OBJECTS:
        TRY(put_args(b, c->n_args, c->args, err));
        TRY(put_arg(b, &c->arg, err));
        break;
    case DAAS_SUI_CMD_SPLIT_COINS:
    case DAAS_SUI_CMD_MERGE_COINS:
        TRY(put_arg(b, &c->arg, err));
        TRY(put_args(b, c->n_args, c->args, err));
        break;
    case DAAS_SUI_CMD_PUBLISH:
        TRY(put_modules(b, c, err));
        break;
    case DAAS_SUI_CMD_MAKE_MOVE_VEC:
        TRY(daas_sui_bcs_put_option(b, c->has_type));
        if (c->has_type)
            TRY(put_typetag(b, &c->vec_type, 0, err));
        TRY(put_args(b, c->n_args, c->args, err));
        break;
    case DAAS_SUI_CMD_UPGRADE:
        TRY(put_modules(b, c, err));
        TRY(daas_sui_bcs_put_addr(b, c->package));
        TRY(put_arg(b, &c->arg, err));
        break;
    }
out:
    return rc;
}

/* SPEC: specs/sui.md §4 "TransactionKind ... ProgrammableTransaction = { inputs, commands }". */
int daas_sui_tx_kind_encode(const daas_sui_ptb *ptb, daas_buf *out, daas_err *err)
{
    int rc;
    if (ptb->n_inputs > DAAS_SUI_MAX_INPUTS)
        return too_many(err, "inputs", ptb->n_inputs, DAAS_SUI_MAX_INPUTS);
    if (ptb->n_commands > DAAS_SUI_MAX_COMMANDS)
        return too_many(err, "commands", ptb->n_commands, DAAS_SUI_MAX_COMMANDS);
    TRY(daas_sui_bcs_put_variant(out, 0)); /* ProgrammableTransaction */
    TRY(daas_sui_bcs_put_len(out, ptb->n_inputs));
    for (size_t i = 0; i < ptb->n_inputs; i++)
        TRY(put_input(out, &ptb->inputs[i], err));
    TRY(daas_sui_bcs_put_len(out, ptb->n_commands));
    for (size_t i = 0; i < ptb->n_commands; i++)
        TRY(put_command(out, &ptb->commands[i], err));
out:
    if (rc == DAAS_ETOOBIG)
        daas_fail(err, rc, "sui tx encode: output buffer limit reached");
    return rc;
}

static int put_opt_u64(daas_buf *b, const daas_sui_opt_u64 *o)
{
    int rc;
    TRY(daas_sui_bcs_put_option(b, o->some));
    if (o->some)
        TRY(daas_sui_bcs_put_u64(b, o->value));
out:
    return rc;
}

/* SPEC: specs/sui.md §4 "TransactionExpiration". */
static int put_expiration(daas_buf *b, const daas_sui_expiration *e, daas_err *err)
{
    int rc;
    if (e->kind > DAAS_SUI_EXPIRE_VALID_DURING)
        return daas_fail(err, DAAS_EINVAL, "sui tx encode: unknown expiration kind %d",
                         (int)e->kind);
    TRY(daas_sui_bcs_put_variant(b, (uint32_t)e->kind));
    if (e->kind == DAAS_SUI_EXPIRE_EPOCH)
        TRY(daas_sui_bcs_put_u64(b, e->epoch));
    if (e->kind == DAAS_SUI_EXPIRE_VALID_DURING) {
        TRY(put_opt_u64(b, &e->min_epoch));
        TRY(put_opt_u64(b, &e->max_epoch));
        TRY(put_opt_u64(b, &e->min_timestamp));
        TRY(put_opt_u64(b, &e->max_timestamp));
        TRY(daas_sui_bcs_put_bytes(b, e->chain, DAAS_SUI_DIGEST_LEN));
        TRY(daas_sui_bcs_put_u32(b, e->nonce));
    }
out:
    return rc;
}

static int put_gas(daas_buf *b, const daas_sui_gas *g, daas_err *err)
{
    int rc;
    if (g->n_payment > DAAS_SUI_MAX_GAS_OBJECTS)
        return too_many(err, "gas objects", g->n_payment, DAAS_SUI_MAX_GAS_OBJECTS);
    TRY(daas_sui_bcs_put_len(b, g->n_payment));
    for (size_t i = 0; i < g->n_payment; i++)
        TRY(put_objref(b, &g->payment[i]));
    TRY(daas_sui_bcs_put_addr(b, g->owner));
    TRY(daas_sui_bcs_put_u64(b, g->price));
    TRY(daas_sui_bcs_put_u64(b, g->budget));
out:
    return rc;
}

/* SPEC: specs/sui.md §4 "TransactionData = enum { 0 V1(TransactionDataV1) }", §4.1. */
int daas_sui_tx_encode(const daas_sui_tx *tx, daas_buf *out, daas_err *err)
{
    size_t start = out->len;
    int rc;
    TRY(daas_sui_bcs_put_variant(out, 0)); /* V1 */
    TRY(daas_sui_tx_kind_encode(&tx->kind, out, err));
    TRY(daas_sui_bcs_put_addr(out, tx->sender));
    TRY(put_gas(out, &tx->gas, err));
    TRY(put_expiration(out, &tx->expiration, err));
    if (out->len - start > DAAS_SUI_TX_MAX_BYTES)
        rc = daas_fail(err, DAAS_ETOOBIG, "sui tx encode: %zu bytes exceed max_tx_size_bytes %u",
                       out->len - start, DAAS_SUI_TX_MAX_BYTES);
out:
    if (rc == DAAS_ETOOBIG)
        daas_fail(err, rc, "sui tx encode: output buffer limit reached");
    return rc;
}

/* SPEC: specs/sui.md §3.3 "tx_digest = BLAKE2b-256("TransactionData::" || tx_bytes)". */
void daas_sui_tx_digest(daas_bytes tx_bytes, uint8_t out[DAAS_SUI_DIGEST_LEN])
{
    static const char prefix[] = "TransactionData::";
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, DAAS_SUI_DIGEST_LEN);
    crypto_generichash_update(&st, (const uint8_t *)prefix, sizeof(prefix) - 1);
    if (tx_bytes.len)
        crypto_generichash_update(&st, tx_bytes.ptr, tx_bytes.len);
    crypto_generichash_final(&st, out, DAAS_SUI_DIGEST_LEN);
}

int daas_sui_tx_digest_b58(daas_bytes tx_bytes, char *out, size_t outsz, daas_err *err)
{
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    daas_sui_tx_digest(tx_bytes, d);
    return daas_sui_base58_encode(d, sizeof(d), out, outsz, err);
}

/* SPEC: specs/sui.md §3.4 "bytes = 01 || 00 00 00 || tx_bytes || ULEB(n_sigs) || ...". */
int daas_sui_sender_signed_encode(daas_bytes tx_bytes, const daas_bytes *sigs, size_t n_sigs,
                                  daas_buf *out, daas_err *err)
{
    static const uint8_t head[4] = {0x01, 0x00, 0x00, 0x00}; /* 1 element, intent 00 00 00 */
    int rc;
    if (n_sigs == 0)
        return daas_fail(err, DAAS_EINVAL, "sui sender-signed: no signatures");
    TRY(daas_buf_append(out, head, sizeof(head)));
    TRY(daas_buf_append(out, tx_bytes.ptr, tx_bytes.len));
    TRY(daas_sui_bcs_put_len(out, n_sigs));
    for (size_t i = 0; i < n_sigs; i++)
        TRY(daas_sui_bcs_put_bytes(out, sigs[i].ptr, sigs[i].len));
out:
    if (rc != DAAS_OK)
        daas_fail(err, rc, "sui sender-signed: output buffer limit reached");
    return rc;
}

/* ---- text form of types ---- */

/* Indexed by daas_sui_typetag_kind; NULL for the composite kinds. */
static const char *const PRIM_NAMES[] = {"bool", "u8", "u64", "u128", "address", "signer",
                                         NULL,   NULL, "u16", "u32",  "u256"};

static int format_addr(daas_buf *b, const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    char s[2 + 2 * DAAS_SUI_ADDRESS_LEN + 1] = "0x";
    daas_hex_encode(a, DAAS_SUI_ADDRESS_LEN, s + 2);
    return daas_buf_append(b, s, sizeof s - 1);
}

int daas_sui_typetag_format(const daas_sui_typetag *t, daas_buf *out)
{
    int rc;
    if (t->kind == DAAS_SUI_TYPE_VECTOR && t->elem != NULL) {
        TRY(daas_buf_puts(out, "vector<"));
        TRY(daas_sui_typetag_format(t->elem, out));
        return daas_buf_puts(out, ">");
    }
    if (t->kind == DAAS_SUI_TYPE_STRUCT && t->st != NULL) {
        TRY(format_addr(out, t->st->address));
        TRY(daas_buf_printf(out, "::%s::%s", t->st->module ? t->st->module : "",
                            t->st->name ? t->st->name : ""));
        for (size_t i = 0; i < t->st->n_params; i++) {
            TRY(daas_buf_puts(out, i == 0 ? "<" : ", "));
            TRY(daas_sui_typetag_format(&t->st->params[i], out));
        }
        if (t->st->n_params > 0)
            TRY(daas_buf_puts(out, ">"));
        return DAAS_OK;
    }
    if ((unsigned)t->kind < sizeof(PRIM_NAMES) / sizeof(PRIM_NAMES[0]) &&
        PRIM_NAMES[t->kind] != NULL)
        return daas_buf_puts(out, PRIM_NAMES[t->kind]);
    return daas_buf_puts(out, "?");
out:
    return rc;
}

/* ---- release ---- */

static void typetags_free(daas_sui_typetag *t, size_t n)
{
    for (size_t i = 0; t != NULL && i < n; i++)
        daas_sui_typetag_fini(&t[i]);
    daas_free(t);
}

void daas_sui_typetag_fini(daas_sui_typetag *t)
{
    if (t->elem != NULL) {
        daas_sui_typetag_fini(t->elem);
        daas_free(t->elem);
    }
    if (t->st != NULL) {
        daas_free(t->st->module);
        daas_free(t->st->name);
        typetags_free(t->st->params, t->st->n_params);
        daas_free(t->st);
    }
    memset(t, 0, sizeof(*t));
}

static void command_fini(daas_sui_command *c)
{
    daas_free(c->module);
    daas_free(c->function);
    typetags_free(c->type_args, c->n_type_args);
    daas_sui_typetag_fini(&c->vec_type);
    daas_free(c->args);
    for (size_t i = 0; c->modules != NULL && i < c->n_modules; i++)
        daas_free(c->modules[i].bytes);
    daas_free(c->modules);
    daas_free(c->deps);
    memset(c, 0, sizeof(*c));
}

void daas_sui_ptb_fini(daas_sui_ptb *ptb)
{
    for (size_t i = 0; ptb->inputs != NULL && i < ptb->n_inputs; i++)
        daas_free(ptb->inputs[i].pure);
    daas_free(ptb->inputs);
    for (size_t i = 0; ptb->commands != NULL && i < ptb->n_commands; i++)
        command_fini(&ptb->commands[i]);
    daas_free(ptb->commands);
    memset(ptb, 0, sizeof(*ptb));
}

void daas_sui_tx_fini(daas_sui_tx *tx)
{
    daas_sui_ptb_fini(&tx->kind);
    daas_free(tx->gas.payment);
    memset(tx, 0, sizeof(*tx));
}
