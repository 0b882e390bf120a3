/*
 * tx_decode.c: decoding BCS TransactionData V1 (and TransactionKind, SenderSignedData) into
 * the daas_sui_tx model of tx.h.
 *
 * Owns:   the memory of decoded transactions (released by daas_sui_tx_fini in tx.c).
 * Not:    encoding (tx.c), BCS primitives (bcs.c).
 * Invariants:
 *   - accepts only canonical encodings that tx.c re-encodes byte for byte;
 *   - every array is allocated zeroed and its count set at allocation time, so a failure at
 *     any point is cleaned up by the *_fini functions;
 *   - allocation is bounded by the input size (daas_sui_bcs_get_len checks min element size)
 *     and by the protocol limits of tx.h; type nesting by DAAS_SUI_MAX_TYPE_DEPTH.
 * Spec:   specs/sui.md §4 "BCS of TransactionData", §3.4.
 */
#include <string.h>

#include "sui/sui_int.h"
#include "sui/tx.h"
#include "common/util.h"

#define TRY(x) DAAS_SUI__TRY(x)

typedef daas_sui_bcs_reader rd;

static int get_digest(rd *r, const char *what, uint8_t out[DAAS_SUI_DIGEST_LEN], daas_err *err)
{
    size_t start = r->pos;
    daas_bytes d = {0};
    int rc = daas_sui_bcs_get_bytes(r, what, DAAS_SUI_DIGEST_LEN, &d, err);
    if (rc != DAAS_OK)
        return rc;
    if (d.len != DAAS_SUI_DIGEST_LEN)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: digest of %zu bytes (want 32) at offset %zu",
                         what, d.len, start);
    memcpy(out, d.ptr, DAAS_SUI_DIGEST_LEN);
    return DAAS_OK;
}

static int get_objref(rd *r, const char *what, daas_sui_objref *o, daas_err *err)
{
    int rc;
    TRY(daas_sui_bcs_get_addr(r, what, o->id, err));
    TRY(daas_sui_bcs_get_u64(r, what, &o->version, err));
    TRY(get_digest(r, what, o->digest, err));
out:
    return rc;
}

static int get_string(rd *r, const char *what, char **out, daas_err *err)
{
    daas_bytes s = {0};
    int rc = daas_sui_bcs_get_str(r, what, DAAS_SUI_MAX_IDENT, &s, err);
    if (rc == DAAS_OK)
        *out = daas_xstrndup((const char *)s.ptr, s.len);
    return rc;
}

static int get_arg(rd *r, daas_sui_arg *a, daas_err *err)
{
    uint32_t v = 0;
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "Argument", 4, &v, err));
    a->kind = (daas_sui_arg_kind)v;
    if (a->kind != DAAS_SUI_ARG_GAS_COIN)
        TRY(daas_sui_bcs_get_u16(r, "Argument index", &a->index, err));
    if (a->kind == DAAS_SUI_ARG_NESTED_RESULT)
        TRY(daas_sui_bcs_get_u16(r, "NestedResult index", &a->sub, err));
out:
    return rc;
}

static int get_args(rd *r, size_t *n, daas_sui_arg **args, daas_err *err)
{
    size_t cnt = 0;
    int rc;
    TRY(daas_sui_bcs_get_len(r, "arguments", DAAS_SUI_MAX_ARGS, 1, &cnt, err));
    *args = daas_xcalloc(cnt ? cnt : 1, sizeof(**args));
    *n = cnt;
    for (size_t i = 0; i < cnt; i++)
        TRY(get_arg(r, &(*args)[i], err));
out:
    return rc;
}

static int get_typetag(rd *r, daas_sui_typetag *t, daas_err *err);

static int get_typetags(rd *r, const char *what, size_t *n, daas_sui_typetag **t, daas_err *err)
{
    size_t cnt = 0;
    int rc;
    TRY(daas_sui_bcs_get_len(r, what, DAAS_SUI_MAX_TYPE_ARGS, 1, &cnt, err));
    *t = daas_xcalloc(cnt ? cnt : 1, sizeof(**t));
    *n = cnt;
    for (size_t i = 0; i < cnt; i++)
        TRY(get_typetag(r, &(*t)[i], err));
out:
    return rc;
}

static int get_structtag(rd *r, daas_sui_structtag *st, daas_err *err)
{
    int rc;
    TRY(daas_sui_bcs_get_addr(r, "StructTag address", st->address, err));
    TRY(get_string(r, "StructTag module", &st->module, err));
    TRY(get_string(r, "StructTag name", &st->name, err));
    TRY(get_typetags(r, "StructTag type_params", &st->n_params, &st->params, err));
out:
    return rc;
}

/* SPEC: specs/sui.md §4 "TypeTag = enum { 0 bool ... 10 u256 }". */
static int get_typetag(rd *r, daas_sui_typetag *t, daas_err *err)
{
    uint32_t v = 0;
    int rc = daas_sui_bcs_enter(r, "TypeTag", err);
    if (rc != DAAS_OK)
        return rc;
    TRY(daas_sui_bcs_get_variant(r, "TypeTag", 11, &v, err));
    t->kind = (daas_sui_typetag_kind)v;
    if (t->kind == DAAS_SUI_TYPE_VECTOR) {
        t->elem = daas_xcalloc(1, sizeof(*t->elem));
        TRY(get_typetag(r, t->elem, err));
    } else if (t->kind == DAAS_SUI_TYPE_STRUCT) {
        t->st = daas_xcalloc(1, sizeof(*t->st));
        TRY(get_structtag(r, t->st, err));
    }
out:
    daas_sui_bcs_leave(r);
    return rc;
}

static int get_object_arg(rd *r, daas_sui_input *in, daas_err *err)
{
    uint32_t v = 0;
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "ObjectArg", 3, &v, err));
    if (v == 1) {
        uint32_t m = 0;
        in->kind = DAAS_SUI_INPUT_SHARED;
        TRY(daas_sui_bcs_get_addr(r, "SharedObject id", in->shared_id, err));
        TRY(daas_sui_bcs_get_u64(r, "SharedObject initial_shared_version",
                                 &in->initial_shared_version, err));
        TRY(daas_sui_bcs_get_variant(r, "SharedObject mutability", 3, &m, err));
        in->mutability = (uint8_t)m;
    } else {
        in->kind = v == 0 ? DAAS_SUI_INPUT_IMM_OR_OWNED : DAAS_SUI_INPUT_RECEIVING;
        TRY(get_objref(r, "ObjectRef", &in->ref, err));
    }
out:
    return rc;
}

/* SPEC: specs/sui.md §4 "CallArg = enum { 0 Pure, 1 Object, 2 FundsWithdrawal }". */
static int get_input(rd *r, daas_sui_input *in, daas_err *err)
{
    size_t start = r->pos;
    uint32_t v = 0;
    daas_bytes pure = {0};
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "CallArg", 3, &v, err));
    if (v == 2) {
        rc = daas_fail(err, DAAS_EINVAL,
                       "bcs: CallArg: FundsWithdrawal (variant 2) at offset %zu is not supported",
                       start);
        goto out;
    }
    if (v == 1) {
        TRY(get_object_arg(r, in, err));
        goto out;
    }
    in->kind = DAAS_SUI_INPUT_PURE;
    TRY(daas_sui_bcs_get_bytes(r, "Pure", DAAS_SUI_MAX_PURE, &pure, err));
    in->pure = daas_xmalloc(pure.len ? pure.len : 1);
    if (pure.len)
        memcpy(in->pure, pure.ptr, pure.len);
    in->pure_len = pure.len;
out:
    return rc;
}

static int get_modules(rd *r, daas_sui_command *c, daas_err *err)
{
    size_t n = 0;
    int rc;
    TRY(daas_sui_bcs_get_len(r, "modules", DAAS_SUI_MAX_MODULES, 1, &n, err));
    c->modules = daas_xcalloc(n ? n : 1, sizeof(*c->modules));
    c->n_modules = n;
    for (size_t i = 0; i < n; i++) {
        daas_bytes m = {0};
        TRY(daas_sui_bcs_get_bytes(r, "module", DAAS_SUI_TX_MAX_BYTES, &m, err));
        c->modules[i].bytes = daas_xmalloc(m.len ? m.len : 1);
        if (m.len)
            memcpy(c->modules[i].bytes, m.ptr, m.len);
        c->modules[i].len = m.len;
    }
    TRY(daas_sui_bcs_get_len(r, "dependencies", DAAS_SUI_MAX_MODULES, DAAS_SUI_ADDRESS_LEN, &n, err));
    c->deps = daas_xcalloc(n ? n : 1, sizeof(*c->deps));
    c->n_deps = n;
    for (size_t i = 0; i < n; i++)
        TRY(daas_sui_bcs_get_addr(r, "dependency", c->deps[i], err));
out:
    return rc;
}

static int get_move_call(rd *r, daas_sui_command *c, daas_err *err)
{
    int rc;
    TRY(daas_sui_bcs_get_addr(r, "MoveCall package", c->package, err));
    TRY(get_string(r, "MoveCall module", &c->module, err));
    TRY(get_string(r, "MoveCall function", &c->function, err));
    TRY(get_typetags(r, "MoveCall type_arguments", &c->n_type_args, &c->type_args, err));
    TRY(get_args(r, &c->n_args, &c->args, err));
out:
    return rc;
}

/* SPEC: specs/sui.md §4 "Command = enum { 0 MoveCall ... 6 Upgrade }". */
static int get_command(rd *r, daas_sui_command *c, daas_err *err)
{
    uint32_t v = 0;
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "Command", 7, &v, err));
    c->kind = (daas_sui_cmd_kind)v;
    switch (c->kind) {
    case DAAS_SUI_CMD_MOVE_CALL:
        TRY(get_move_call(r, c, err));
        break;
    case DAAS_SUI_CMD_TRANSFER_OBJECTS:
        TRY(get_args(r, &c->n_args, &c->args, err));
        TRY(get_arg(r, &c->arg, err));
        break;
    case DAAS_SUI_CMD_SPLIT_COINS:
    case DAAS_SUI_CMD_MERGE_COINS:
        TRY(get_arg(r, &c->arg, err));
        TRY(get_args(r, &c->n_args, &c->args, err));
        break;
    case DAAS_SUI_CMD_PUBLISH:
        TRY(get_modules(r, c, err));
        break;
    case DAAS_SUI_CMD_MAKE_MOVE_VEC:
        TRY(daas_sui_bcs_get_option(r, "MakeMoveVec type", &c->has_type, err));
        if (c->has_type)
            TRY(get_typetag(r, &c->vec_type, err));
        TRY(get_args(r, &c->n_args, &c->args, err));
        break;
    case DAAS_SUI_CMD_UPGRADE:
        TRY(get_modules(r, c, err));
        TRY(daas_sui_bcs_get_addr(r, "Upgrade package", c->package, err));
        TRY(get_arg(r, &c->arg, err));
        break;
    }
out:
    return rc;
}

static int get_ptb(rd *r, daas_sui_ptb *p, daas_err *err)
{
    size_t start = r->pos, n = 0;
    uint32_t v = 0;
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "TransactionKind", 11, &v, err));
    if (v != 0) {
        rc = daas_fail(err, DAAS_EINVAL,
                       "bcs: TransactionKind: system kind %u at offset %zu is not supported", v,
                       start);
        goto out;
    }
    TRY(daas_sui_bcs_get_len(r, "inputs", DAAS_SUI_MAX_INPUTS, 1, &n, err));
    p->inputs = daas_xcalloc(n ? n : 1, sizeof(*p->inputs));
    p->n_inputs = n;
    for (size_t i = 0; i < n; i++)
        TRY(get_input(r, &p->inputs[i], err));
    TRY(daas_sui_bcs_get_len(r, "commands", DAAS_SUI_MAX_COMMANDS, 1, &n, err));
    p->commands = daas_xcalloc(n ? n : 1, sizeof(*p->commands));
    p->n_commands = n;
    for (size_t i = 0; i < n; i++)
        TRY(get_command(r, &p->commands[i], err));
out:
    return rc;
}

static int get_gas(rd *r, daas_sui_gas *g, daas_err *err)
{
    size_t n = 0;
    int rc;
    TRY(daas_sui_bcs_get_len(r, "gas payment", DAAS_SUI_MAX_GAS_OBJECTS, 73, &n, err));
    g->payment = daas_xcalloc(n ? n : 1, sizeof(*g->payment));
    g->n_payment = n;
    for (size_t i = 0; i < n; i++)
        TRY(get_objref(r, "gas payment ObjectRef", &g->payment[i], err));
    TRY(daas_sui_bcs_get_addr(r, "gas owner", g->owner, err));
    TRY(daas_sui_bcs_get_u64(r, "gas price", &g->price, err));
    TRY(daas_sui_bcs_get_u64(r, "gas budget", &g->budget, err));
out:
    return rc;
}

static int get_opt_u64(rd *r, const char *what, daas_sui_opt_u64 *o, daas_err *err)
{
    int rc = daas_sui_bcs_get_option(r, what, &o->some, err);
    if (rc == DAAS_OK && o->some)
        rc = daas_sui_bcs_get_u64(r, what, &o->value, err);
    return rc;
}

/* SPEC: specs/sui.md §4 "TransactionExpiration = enum { 0 None, 1 Epoch, 2 ValidDuring }". */
static int get_expiration(rd *r, daas_sui_expiration *e, daas_err *err)
{
    uint32_t v = 0;
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "TransactionExpiration", 3, &v, err));
    e->kind = (daas_sui_expiration_kind)v;
    if (e->kind == DAAS_SUI_EXPIRE_EPOCH)
        TRY(daas_sui_bcs_get_u64(r, "expiration epoch", &e->epoch, err));
    if (e->kind == DAAS_SUI_EXPIRE_VALID_DURING) {
        TRY(get_opt_u64(r, "ValidDuring min_epoch", &e->min_epoch, err));
        TRY(get_opt_u64(r, "ValidDuring max_epoch", &e->max_epoch, err));
        TRY(get_opt_u64(r, "ValidDuring min_timestamp", &e->min_timestamp, err));
        TRY(get_opt_u64(r, "ValidDuring max_timestamp", &e->max_timestamp, err));
        TRY(get_digest(r, "ValidDuring chain", e->chain, err));
        TRY(daas_sui_bcs_get_u32(r, "ValidDuring nonce", &e->nonce, err));
    }
out:
    return rc;
}

static int read_tx(rd *r, daas_sui_tx *tx, daas_err *err)
{
    uint32_t v = 0;
    int rc;
    TRY(daas_sui_bcs_get_variant(r, "TransactionData", 1, &v, err));
    TRY(get_ptb(r, &tx->kind, err));
    TRY(daas_sui_bcs_get_addr(r, "sender", tx->sender, err));
    TRY(get_gas(r, &tx->gas, err));
    TRY(get_expiration(r, &tx->expiration, err));
out:
    return rc;
}

static int check_size(daas_bytes in, daas_err *err)
{
    if (in.len > DAAS_SUI_TX_MAX_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "sui tx decode: %zu bytes exceed max_tx_size_bytes %u",
                         in.len, DAAS_SUI_TX_MAX_BYTES);
    return DAAS_OK;
}

static void reader_for(rd *r, daas_bytes in)
{
    daas_sui_bcs_reader_init(r, in);
    r->max_depth = DAAS_SUI_MAX_TYPE_DEPTH;
}

int daas_sui_tx_decode(daas_bytes in, daas_sui_tx *tx, daas_err *err)
{
    rd r;
    int rc;
    memset(tx, 0, sizeof(*tx));
    TRY(check_size(in, err));
    reader_for(&r, in);
    TRY(read_tx(&r, tx, err));
    TRY(daas_sui_bcs_get_end(&r, "TransactionData", err));
out:
    if (rc != DAAS_OK)
        daas_sui_tx_fini(tx);
    return rc;
}

int daas_sui_tx_kind_decode(daas_bytes in, daas_sui_ptb *ptb, daas_err *err)
{
    rd r;
    int rc;
    memset(ptb, 0, sizeof(*ptb));
    TRY(check_size(in, err));
    reader_for(&r, in);
    TRY(get_ptb(&r, ptb, err));
    TRY(daas_sui_bcs_get_end(&r, "TransactionKind", err));
out:
    if (rc != DAAS_OK)
        daas_sui_ptb_fini(ptb);
    return rc;
}

static int get_intent(rd *r, daas_err *err)
{
    const uint8_t *p = NULL;
    int rc = daas_sui_bcs_get_fixed(r, "intent", 3, &p, err);
    if (rc == DAAS_OK && (p[0] != 0 || p[1] != 0 || p[2] != 0))
        rc = daas_fail(err, DAAS_EINVAL, "bcs: intent: %02x%02x%02x is not a transaction intent",
                       p[0], p[1], p[2]);
    return rc;
}

/* SPEC: specs/sui.md §3.4 "SenderSignedData = vector<SenderSignedTransaction>". */
int daas_sui_sender_signed_decode(daas_bytes in, daas_bytes *tx_bytes, daas_bytes *sigs,
                                  size_t max_sigs, size_t *n_sigs, daas_err *err)
{
    rd r;
    daas_sui_tx tx = {0};
    size_t n = 0, start;
    int rc;
    reader_for(&r, in);
    TRY(daas_sui_bcs_get_len(&r, "SenderSignedData", 1, 1, &n, err));
    if (n != 1) {
        rc =
            daas_fail(err, DAAS_EINVAL, "bcs: SenderSignedData: holds %zu transactions, want 1", n);
        goto out;
    }
    TRY(get_intent(&r, err));
    start = r.pos;
    TRY(read_tx(&r, &tx, err));
    *tx_bytes = DAAS_BYTES(in.ptr + start, r.pos - start);
    TRY(check_size(*tx_bytes, err));
    TRY(daas_sui_bcs_get_len(&r, "tx_signatures", max_sigs, 1, &n, err));
    if (n == 0) {
        rc = daas_fail(err, DAAS_EINVAL, "bcs: tx_signatures: no signatures at offset %zu",
                       r.pos - 1);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        TRY(daas_sui_bcs_get_bytes(&r, "signature", 1024, &sigs[i], err));
    *n_sigs = n;
    TRY(daas_sui_bcs_get_end(&r, "SenderSignedData", err));
out:
    daas_sui_tx_fini(&tx);
    return rc;
}

/* ---- text form of types: "0x2::coin::Coin<0x2::sui::SUI>" ---- */

typedef struct tparse {
    const char *s;  /* the whole text (for error positions) */
    const char *p;  /* next character */
    unsigned depth; /* current nesting */
} tparse;

static void skip_ws(tparse *t)
{
    while (*t->p == ' ' || *t->p == '\t' || *t->p == '\n')
        t->p++;
}

static int tfail(tparse *t, const char *why, daas_err *err)
{
    return daas_fail(err, DAAS_EINVAL, "sui type: %s at position %zu", why, (size_t)(t->p - t->s));
}

static bool is_ident_char(char c, bool first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (!first && c >= '0' && c <= '9');
}

/* An identifier into a new string (*out). */
static int parse_ident(tparse *t, char **out, daas_err *err)
{
    const char *start = t->p;
    if (!is_ident_char(*t->p, true))
        return tfail(t, "expected an identifier", err);
    while (is_ident_char(*t->p, false))
        t->p++;
    if ((size_t)(t->p - start) > DAAS_SUI_MAX_IDENT)
        return tfail(t, "identifier too long", err);
    *out = daas_xstrndup(start, (size_t)(t->p - start));
    return DAAS_OK;
}

/* "0x" + 1..64 hex digits, left-padded with zeros to 32 bytes (TS normalizeSuiAddress). */
static int parse_addr(tparse *t, uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    size_t n = 0;
    if (t->p[0] != '0' || (t->p[1] != 'x' && t->p[1] != 'X'))
        return tfail(t, "expected a primitive type or an 0x address", err);
    while (daas_hexval(t->p[2 + n]) >= 0)
        n++;
    if (n == 0 || n > 2 * DAAS_SUI_ADDRESS_LEN)
        return tfail(t, "address needs 1 to 64 hex digits", err);
    /* the address ends where the hex digits do ("0x2::coin"): parse a copy of just it */
    char text[2 + 2 * DAAS_SUI_ADDRESS_LEN + 1];
    memcpy(text, t->p, 2 + n);
    text[2 + n] = '\0';
    if (daas_sui_address_parse(text, out, NULL) != DAAS_OK)
        return tfail(t, "address needs 1 to 64 hex digits", err);
    t->p += 2 + n;
    return DAAS_OK;
}

static int parse_type(tparse *t, daas_sui_typetag *out, daas_err *err);

static int expect(tparse *t, const char *tok, daas_err *err)
{
    skip_ws(t);
    size_t n = strlen(tok);
    if (strncmp(t->p, tok, n) != 0)
        return daas_fail(err, DAAS_EINVAL, "sui type: expected \"%s\" at position %zu", tok,
                         (size_t)(t->p - t->s));
    t->p += n;
    skip_ws(t);
    return DAAS_OK;
}

static int parse_params(tparse *t, daas_sui_structtag *st, daas_err *err)
{
    daas_sui_typetag tmp[DAAS_SUI_MAX_TYPE_ARGS];
    size_t n = 0;
    int rc = DAAS_OK;
    memset(tmp, 0, sizeof(tmp));
    do {
        if (n == DAAS_SUI_MAX_TYPE_ARGS) {
            rc = tfail(t, "too many type parameters", err);
            goto out;
        }
        t->p++; /* '<' or ',' */
        skip_ws(t);
        TRY(parse_type(t, &tmp[n++], err));
        skip_ws(t);
    } while (*t->p == ',');
    TRY(expect(t, ">", err));
out:
    st->params = daas_xcalloc(n ? n : 1, sizeof(*st->params));
    memcpy(st->params, tmp, n * sizeof(*tmp));
    st->n_params = n;
    return rc;
}

static int parse_struct(tparse *t, daas_sui_typetag *out, daas_err *err)
{
    int rc;
    out->kind = DAAS_SUI_TYPE_STRUCT;
    out->st = daas_xcalloc(1, sizeof(*out->st));
    TRY(parse_addr(t, out->st->address, err));
    TRY(expect(t, "::", err));
    TRY(parse_ident(t, &out->st->module, err));
    TRY(expect(t, "::", err));
    TRY(parse_ident(t, &out->st->name, err));
    skip_ws(t);
    if (*t->p == '<')
        TRY(parse_params(t, out->st, err));
out:
    return rc;
}

/* Primitive names, longest first where one is a prefix of another ("u256" before "u2..."). */
static const struct {
    const char *name;
    daas_sui_typetag_kind kind;
} PRIMS[] = {
    {"bool", DAAS_SUI_TYPE_BOOL},     {"u8", DAAS_SUI_TYPE_U8},
    {"u16", DAAS_SUI_TYPE_U16},       {"u32", DAAS_SUI_TYPE_U32},
    {"u64", DAAS_SUI_TYPE_U64},       {"u128", DAAS_SUI_TYPE_U128},
    {"u256", DAAS_SUI_TYPE_U256},     {"address", DAAS_SUI_TYPE_ADDRESS},
    {"signer", DAAS_SUI_TYPE_SIGNER},
};

static int parse_type(tparse *t, daas_sui_typetag *out, daas_err *err)
{
    int rc = DAAS_OK;
    if (t->depth >= DAAS_SUI_MAX_TYPE_DEPTH)
        return tfail(t, "type nested too deeply", err);
    t->depth++;
    if (strncmp(t->p, "vector", 6) == 0 && !is_ident_char(t->p[6], false)) {
        t->p += 6;
        out->kind = DAAS_SUI_TYPE_VECTOR;
        out->elem = daas_xcalloc(1, sizeof(*out->elem));
        TRY(expect(t, "<", err));
        TRY(parse_type(t, out->elem, err));
        TRY(expect(t, ">", err));
        goto out;
    }
    for (size_t i = 0; i < sizeof(PRIMS) / sizeof(PRIMS[0]); i++) {
        size_t n = strlen(PRIMS[i].name);
        if (strncmp(t->p, PRIMS[i].name, n) == 0 && !is_ident_char(t->p[n], false)) {
            t->p += n;
            out->kind = PRIMS[i].kind;
            goto out;
        }
    }
    TRY(parse_struct(t, out, err));
out:
    t->depth--;
    return rc;
}

int daas_sui_typetag_parse(const char *s, daas_sui_typetag *out, daas_err *err)
{
    tparse t = {s, s, 0};
    int rc;
    memset(out, 0, sizeof(*out));
    skip_ws(&t);
    TRY(parse_type(&t, out, err));
    skip_ws(&t);
    if (*t.p != '\0')
        rc = tfail(&t, "unexpected text after the type", err);
out:
    if (rc != DAAS_OK)
        daas_sui_typetag_fini(out);
    return rc;
}
