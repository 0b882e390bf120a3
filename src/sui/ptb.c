/*
 * ptb.c: the PTB builder (inputs with de-duplication, validated commands), gas selection,
 * the budget from a dry run, signing + executing, and the plain SUI transfer.
 *
 * Owns:   daas_sui_ptbb: a daas_sui_ptb whose memory is all its own (released with
 *         daas_sui_ptb_fini) plus the result count of each command.
 * Not:    BCS (tx.c), RPC (gql.c), signatures (sign.c).
 * Invariants:
 *   - every add either appends one complete input/command or changes nothing;
 *   - an argument is checked against what exists when it is used (inputs, earlier commands,
 *     the result count of SplitCoins / MakeMoveVec / MergeCoins / TransferObjects);
 *   - prepare uses the coin set it dry-ran with for the final transaction (the storage
 *     rebate of smashed gas coins depends on it).
 * Spec:   specs/sui.md §4 (inputs, pure values, dedup), §9 (gas).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sui/ptb.h"
#include "sui/sui_int.h"

#define TRY(x) DAAS_SUI__TRY(x)

#define NRES_UNKNOWN (-1) /* MoveCall: any number of results */

struct daas_sui_ptbb {
    daas_sui_ptb ptb; /* inputs and commands, all owned */
    size_t in_cap;    /* allocated inputs */
    size_t cmd_cap;   /* allocated commands (and nres entries) */
    int *nres;        /* per command: number of results, or NRES_UNKNOWN */
};

daas_sui_ptbb *daas_sui_ptbb_new(void)
{
    return daas_xcalloc(1, sizeof(daas_sui_ptbb));
}

void daas_sui_ptbb_free(daas_sui_ptbb **b)
{
    if (b == NULL || *b == NULL)
        return;
    daas_sui_ptb_fini(&(*b)->ptb);
    daas_free((*b)->nres);
    daas_free(*b);
    *b = NULL;
}

const daas_sui_ptb *daas_sui_ptbb_ptb(const daas_sui_ptbb *b)
{
    return &b->ptb;
}

/* ---- inputs ---- */

static daas_sui_arg input_arg(size_t i)
{
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)i, .sub = 0};
}

static const uint8_t *input_id(const daas_sui_input *in)
{
    return in->kind == DAAS_SUI_INPUT_SHARED ? in->shared_id : in->ref.id;
}

/* An object input that has the same id as `in`: the TS SDK keeps one input per object. The
 * two must agree; a shared object wanted mutably once stays mutable. *found = index or -1. */
static int merge_object(daas_sui_ptbb *b, const daas_sui_input *in, long *found, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    *found = -1;
    for (size_t i = 0; i < b->ptb.n_inputs; i++) {
        daas_sui_input *old = &b->ptb.inputs[i];
        if (old->kind == DAAS_SUI_INPUT_PURE ||
            memcmp(input_id(old), input_id(in), DAAS_SUI_ADDRESS_LEN) != 0)
            continue;
        daas_sui_address_hex(input_id(in), hex);
        if (old->kind != in->kind)
            return daas_fail(err, DAAS_EINVAL, "sui ptb: object %s given as owned and as shared",
                             hex);
        if (in->kind == DAAS_SUI_INPUT_SHARED) {
            if (old->initial_shared_version != in->initial_shared_version)
                return daas_fail(err, DAAS_EINVAL,
                                 "sui ptb: shared object %s given with two initial versions", hex);
            if (in->mutability > old->mutability)
                old->mutability = in->mutability;
        } else if (old->ref.version != in->ref.version ||
                   memcmp(old->ref.digest, in->ref.digest, DAAS_SUI_DIGEST_LEN) != 0) {
            return daas_fail(err, DAAS_EINVAL,
                             "sui ptb: object %s given at two versions or digests", hex);
        }
        *found = (long)i;
        return DAAS_OK;
    }
    return DAAS_OK;
}

static long find_pure(const daas_sui_ptbb *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < b->ptb.n_inputs; i++) {
        const daas_sui_input *old = &b->ptb.inputs[i];
        if (old->kind == DAAS_SUI_INPUT_PURE && old->pure_len == n &&
            (n == 0 || memcmp(old->pure, p, n) == 0))
            return (long)i;
    }
    return -1;
}

/* Appends *in (its pure bytes are borrowed and copied) unless an identical input exists. */
static int add_input(daas_sui_ptbb *b, const daas_sui_input *in, daas_sui_arg *out, daas_err *err)
{
    long found = -1;
    int rc = DAAS_OK;
    if (in->kind == DAAS_SUI_INPUT_PURE) {
        if (in->pure_len > DAAS_SUI_MAX_PURE)
            return daas_fail(err, DAAS_EINVAL, "sui ptb: pure value of %zu bytes exceeds %u",
                             in->pure_len, DAAS_SUI_MAX_PURE);
        found = find_pure(b, in->pure, in->pure_len);
    } else {
        rc = merge_object(b, in, &found, err);
    }
    if (rc != DAAS_OK)
        return rc;
    if (found < 0) {
        if (b->ptb.n_inputs >= DAAS_SUI_MAX_INPUTS)
            return daas_fail(err, DAAS_EINVAL, "sui ptb: more than %u inputs", DAAS_SUI_MAX_INPUTS);
        if (b->ptb.n_inputs == b->in_cap) {
            b->in_cap = b->in_cap ? 2 * b->in_cap : 8;
            b->ptb.inputs = daas_xrealloc(b->ptb.inputs, b->in_cap * sizeof(daas_sui_input));
        }
        daas_sui_input *slot = &b->ptb.inputs[b->ptb.n_inputs];
        *slot = *in;
        if (in->kind == DAAS_SUI_INPUT_PURE) {
            slot->pure = daas_xmalloc(in->pure_len ? in->pure_len : 1);
            if (in->pure_len)
                memcpy(slot->pure, in->pure, in->pure_len);
        }
        found = (long)b->ptb.n_inputs++;
    }
    if (out != NULL)
        *out = input_arg((size_t)found);
    return DAAS_OK;
}

int daas_sui_ptbb_pure(daas_sui_ptbb *b, daas_bytes bcs, daas_sui_arg *out, daas_err *err)
{
    daas_sui_input in = {.kind = DAAS_SUI_INPUT_PURE};
    if (bcs.ptr == NULL && bcs.len != 0)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: pure value without bytes");
    in.pure = (uint8_t *)bcs.ptr; /* borrowed: add_input copies it */
    in.pure_len = bcs.len;
    return add_input(b, &in, out, err);
}

/* Encodes one value with a BCS writer into a small buffer, then adds it as a pure input. */
static int pure_from_buf(daas_sui_ptbb *b, daas_buf *v, int wrc, daas_sui_arg *out, daas_err *err)
{
    int rc = wrc;
    if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "sui ptb: pure value too large");
    else
        rc = daas_sui_ptbb_pure(b, DAAS_BYTES(v->data, v->len), out, err);
    daas_buf_fini(v);
    return rc;
}

int daas_sui_ptbb_pure_u8(daas_sui_ptbb *b, uint8_t v, daas_sui_arg *out, daas_err *err)
{
    return daas_sui_ptbb_pure(b, DAAS_BYTES(&v, 1), out, err);
}

int daas_sui_ptbb_pure_u64(daas_sui_ptbb *b, uint64_t v, daas_sui_arg *out, daas_err *err)
{
    daas_buf buf = {0};
    return pure_from_buf(b, &buf, daas_sui_bcs_put_u64(&buf, v), out, err);
}

int daas_sui_ptbb_pure_bool(daas_sui_ptbb *b, bool v, daas_sui_arg *out, daas_err *err)
{
    uint8_t x = v ? 1 : 0;
    return daas_sui_ptbb_pure(b, DAAS_BYTES(&x, 1), out, err);
}

int daas_sui_ptbb_pure_address(daas_sui_ptbb *b, const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                               daas_sui_arg *out, daas_err *err)
{
    return daas_sui_ptbb_pure(b, DAAS_BYTES(addr, DAAS_SUI_ADDRESS_LEN), out, err);
}

int daas_sui_ptbb_pure_bytes(daas_sui_ptbb *b, daas_bytes v, daas_sui_arg *out, daas_err *err)
{
    daas_buf buf;
    if (v.len > DAAS_SUI_MAX_PURE)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: pure value of %zu bytes exceeds %u", v.len,
                         DAAS_SUI_MAX_PURE);
    daas_buf_init(&buf, DAAS_SUI_MAX_PURE + 8);
    return pure_from_buf(b, &buf, daas_sui_bcs_put_bytes(&buf, v.ptr, v.len), out, err);
}

int daas_sui_ptbb_pure_string(daas_sui_ptbb *b, const char *s, daas_sui_arg *out, daas_err *err)
{
    if (s == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: NULL string");
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        size_t n = daas_utf8_seq(p);
        if (n == 0)
            return daas_fail(err, DAAS_EINVAL, "sui ptb: string is not valid UTF-8 at byte %zu",
                             (size_t)(p - (const unsigned char *)s));
        p += n;
    }
    return daas_sui_ptbb_pure_bytes(b, DAAS_BYTES_STR(s), out, err);
}

int daas_sui_ptbb_object(daas_sui_ptbb *b, const daas_sui_objref *ref, daas_sui_arg *out,
                         daas_err *err)
{
    daas_sui_input in = {.kind = DAAS_SUI_INPUT_IMM_OR_OWNED};
    in.ref = *ref;
    return add_input(b, &in, out, err);
}

int daas_sui_ptbb_shared(daas_sui_ptbb *b, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                         uint64_t initial_shared_version, bool mutable, daas_sui_arg *out,
                         daas_err *err)
{
    daas_sui_input in = {.kind = DAAS_SUI_INPUT_SHARED};
    memcpy(in.shared_id, id, DAAS_SUI_ADDRESS_LEN);
    in.initial_shared_version = initial_shared_version;
    in.mutability = mutable ? DAAS_SUI_SHARED_MUTABLE : DAAS_SUI_SHARED_IMMUTABLE;
    return add_input(b, &in, out, err);
}

/* ---- commands ---- */

static int check_arg(const daas_sui_ptbb *b, daas_sui_arg a, const char *what, daas_err *err)
{
    size_t nc = b->ptb.n_commands;
    switch (a.kind) {
    case DAAS_SUI_ARG_GAS_COIN:
        return DAAS_OK;
    case DAAS_SUI_ARG_INPUT:
        if (a.index < b->ptb.n_inputs)
            return DAAS_OK;
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: Input(%u) does not exist (%zu inputs)",
                         what, a.index, b->ptb.n_inputs);
    case DAAS_SUI_ARG_RESULT:
        if (a.index >= nc)
            break;
        if (b->nres[a.index] == NRES_UNKNOWN || b->nres[a.index] == 1)
            return DAAS_OK;
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: command %u has %d results, not one", what,
                         a.index, b->nres[a.index]);
    case DAAS_SUI_ARG_NESTED_RESULT:
        if (a.index >= nc)
            break;
        if (b->nres[a.index] == NRES_UNKNOWN || a.sub < b->nres[a.index])
            return DAAS_OK;
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: command %u has no result %u", what,
                         a.index, a.sub);
    default:
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: unknown argument kind %d", what,
                         (int)a.kind);
    }
    return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: command %u does not exist yet (%zu commands)",
                     what, a.index, nc);
}

static int check_args(const daas_sui_ptbb *b, const daas_sui_arg *args, size_t n, bool nonempty,
                      const char *what, daas_err *err)
{
    int rc = DAAS_OK;
    if (nonempty && n == 0)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: needs at least one argument", what);
    if (n > DAAS_SUI_MAX_ARGS)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: %zu arguments exceed %u", what, n,
                         DAAS_SUI_MAX_ARGS);
    if (n > 0 && args == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %s: NULL argument list", what);
    for (size_t i = 0; i < n && rc == DAAS_OK; i++)
        rc = check_arg(b, args[i], what, err);
    return rc;
}

static daas_sui_arg *copy_args(const daas_sui_arg *args, size_t n)
{
    daas_sui_arg *a = daas_xmalloc(n ? n * sizeof(*a) : 1);
    if (n)
        memcpy(a, args, n * sizeof(*a));
    return a;
}

/* Appends c (takes ownership of what it points to) with nres results. */
static int add_command(daas_sui_ptbb *b, daas_sui_command *c, int nres, daas_sui_arg *result,
                       daas_err *err)
{
    daas_sui_ptb tmp = {0};
    if (b->ptb.n_commands >= DAAS_SUI_MAX_COMMANDS) {
        tmp.commands = daas_xmalloc(sizeof(*c)); /* a one-command PTB releases what c owns */
        tmp.commands[0] = *c;
        tmp.n_commands = 1;
        daas_sui_ptb_fini(&tmp);
        return daas_fail(err, DAAS_EINVAL, "sui ptb: more than %u commands", DAAS_SUI_MAX_COMMANDS);
    }
    if (b->ptb.n_commands == b->cmd_cap) {
        b->cmd_cap = b->cmd_cap ? 2 * b->cmd_cap : 8;
        b->ptb.commands = daas_xrealloc(b->ptb.commands, b->cmd_cap * sizeof(daas_sui_command));
        b->nres = daas_xrealloc(b->nres, b->cmd_cap * sizeof(int));
    }
    size_t i = b->ptb.n_commands++;
    b->ptb.commands[i] = *c;
    b->nres[i] = nres;
    if (result != NULL)
        *result = (daas_sui_arg){.kind = DAAS_SUI_ARG_RESULT, .index = (uint16_t)i, .sub = 0};
    return DAAS_OK;
}

/* A Move identifier: [A-Za-z][A-Za-z0-9_]* or _[A-Za-z0-9_]+, at most DAAS_SUI_MAX_IDENT. */
static bool is_ident(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > DAAS_SUI_MAX_IDENT || (s[0] == '_' && n == 1))
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        if (!alpha && (i == 0 || ch < '0' || ch > '9'))
            return false;
    }
    return true;
}

static int parse_type_args(const char *const *texts, size_t n, daas_sui_typetag **out,
                           daas_err *err)
{
    int rc = DAAS_OK;
    size_t i;
    if (n > DAAS_SUI_MAX_TYPE_ARGS)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: %zu type arguments exceed %u", n,
                         DAAS_SUI_MAX_TYPE_ARGS);
    if (n > 0 && texts == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: NULL type argument list");
    *out = daas_xcalloc(n ? n : 1, sizeof(daas_sui_typetag));
    for (i = 0; i < n && rc == DAAS_OK; i++)
        rc = texts[i] ? daas_sui_typetag_parse(texts[i], &(*out)[i], err)
                      : daas_fail(err, DAAS_EINVAL, "sui ptb: NULL type argument");
    if (rc != DAAS_OK) {
        for (size_t j = 0; j < i; j++)
            daas_sui_typetag_fini(&(*out)[j]);
        daas_free(*out);
        *out = NULL;
    }
    return rc;
}

int daas_sui_ptbb_move_call(daas_sui_ptbb *b, const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                            const char *module, const char *function, const char *const *type_args,
                            size_t n_type_args, const daas_sui_arg *args, size_t n_args,
                            daas_sui_arg *result, daas_err *err)
{
    daas_sui_command c = {.kind = DAAS_SUI_CMD_MOVE_CALL};
    int rc;
    if (!is_ident(module) || !is_ident(function))
        return daas_fail(err, DAAS_EINVAL,
                         "sui ptb: move call: bad module or function name "
                         "\"%.64s::%.64s\"",
                         module ? module : "", function ? function : "");
    rc = check_args(b, args, n_args, false, "move call", err);
    if (rc != DAAS_OK)
        return rc;
    rc = parse_type_args(type_args, n_type_args, &c.type_args, err);
    if (rc != DAAS_OK)
        return rc;
    memcpy(c.package, package, DAAS_SUI_ADDRESS_LEN);
    c.n_type_args = n_type_args;
    c.module = daas_xstrdup(module);
    c.function = daas_xstrdup(function);
    c.n_args = n_args;
    c.args = copy_args(args, n_args);
    return add_command(b, &c, NRES_UNKNOWN, result, err);
}

/* Adds the command kind(coin, args[0..n)) (split or merge coins) with nres results, after
 * checking coin and args (what_coin, what_args name them in messages). */
static int coin_command(daas_sui_ptbb *b, daas_sui_cmd_kind kind, daas_sui_arg coin,
                        const daas_sui_arg *args, size_t n, int nres, const char *what_coin,
                        const char *what_args, daas_err *err)
{
    daas_sui_command c = {.kind = kind, .arg = coin};
    int rc = check_arg(b, coin, what_coin, err);
    if (rc == DAAS_OK)
        rc = check_args(b, args, n, true, what_args, err);
    if (rc != DAAS_OK)
        return rc;
    c.n_args = n;
    c.args = copy_args(args, n);
    return add_command(b, &c, nres, NULL, err);
}

int daas_sui_ptbb_split_coins(daas_sui_ptbb *b, daas_sui_arg coin, const daas_sui_arg *amounts,
                              size_t n, daas_sui_arg *results, daas_err *err)
{
    size_t idx = b->ptb.n_commands;
    int rc = coin_command(b, DAAS_SUI_CMD_SPLIT_COINS, coin, amounts, n, (int)n,
                          "split coins: coin", "split coins: amounts", err);
    for (size_t i = 0; rc == DAAS_OK && results != NULL && i < n; i++)
        results[i] = (daas_sui_arg){
            .kind = DAAS_SUI_ARG_NESTED_RESULT, .index = (uint16_t)idx, .sub = (uint16_t)i};
    return rc;
}

int daas_sui_ptbb_merge_coins(daas_sui_ptbb *b, daas_sui_arg dest, const daas_sui_arg *sources,
                              size_t n, daas_err *err)
{
    return coin_command(b, DAAS_SUI_CMD_MERGE_COINS, dest, sources, n, 0,
                        "merge coins: destination", "merge coins: sources", err);
}

int daas_sui_ptbb_transfer_objects(daas_sui_ptbb *b, const daas_sui_arg *objects, size_t n,
                                   daas_sui_arg address, daas_err *err)
{
    daas_sui_command c = {.kind = DAAS_SUI_CMD_TRANSFER_OBJECTS, .arg = address};
    int rc = check_args(b, objects, n, true, "transfer objects", err);
    if (rc == DAAS_OK)
        rc = check_arg(b, address, "transfer objects: address", err);
    if (rc != DAAS_OK)
        return rc;
    c.n_args = n;
    c.args = copy_args(objects, n);
    return add_command(b, &c, 0, NULL, err);
}

int daas_sui_ptbb_make_move_vec(daas_sui_ptbb *b, const char *type, const daas_sui_arg *elements,
                                size_t n, daas_sui_arg *result, daas_err *err)
{
    daas_sui_command c = {.kind = DAAS_SUI_CMD_MAKE_MOVE_VEC};
    int rc;
    if (type == NULL && n == 0)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: make move vec: an empty vector needs a type");
    rc = check_args(b, elements, n, false, "make move vec", err);
    if (rc == DAAS_OK && type != NULL)
        rc = daas_sui_typetag_parse(type, &c.vec_type, err);
    if (rc != DAAS_OK)
        return rc;
    c.has_type = type != NULL;
    c.n_args = n;
    c.args = copy_args(elements, n);
    return add_command(b, &c, 1, result, err);
}

/* ---- gas and prepare ---- */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static bool taken_as_input(const daas_sui_ptb *ptb, const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    for (size_t i = 0; i < ptb->n_inputs; i++) {
        const daas_sui_input *in = &ptb->inputs[i];
        if ((in->kind == DAAS_SUI_INPUT_IMM_OR_OWNED || in->kind == DAAS_SUI_INPUT_RECEIVING) &&
            memcmp(in->ref.id, id, DAAS_SUI_ADDRESS_LEN) == 0)
            return true;
    }
    return false;
}

static int by_balance_desc(const void *pa, const void *pb)
{
    const daas_sui_coin *a = pa, *b = pb;
    if (a->balance != b->balance)
        return a->balance < b->balance ? 1 : -1;
    return memcmp(a->ref.id, b->ref.id, DAAS_SUI_ADDRESS_LEN); /* deterministic order */
}

/* State of one prepare call. */
typedef struct prep {
    daas_sui_tx_opts o;   /* options with defaults filled */
    daas_sui_coin *coins; /* sender's usable coins, largest first (owned) */
    size_t n_coins;
    size_t n_gas;     /* coins[0..n_gas) are the gas payment */
    uint64_t gas_sum; /* their total balance */
    daas_sui_tx tx;   /* kind borrowed from the builder, payment owned */
} prep;

static int insufficient(daas_err *err, uint64_t have, uint64_t need)
{
    return daas_fail(err, DAAS_EINVAL, "insufficient SUI for gas: have %llu MIST, need %llu MIST",
                     (unsigned long long)have, (unsigned long long)need);
}

/* Reads the sender's coins, drops PTB inputs, picks the largest until target is covered. */
static int choose_gas(daas_sui_client *c, prep *p, uint64_t target, daas_err *err)
{
    size_t k = 0;
    int rc =
        daas_sui_get_coins(c, p->tx.sender, DAAS_SUI_MAX_COINS_READ, &p->coins, &p->n_coins, err);
    if (rc != DAAS_OK)
        return rc;
    for (size_t i = 0; i < p->n_coins; i++)
        if (!taken_as_input(&p->tx.kind, p->coins[i].ref.id))
            p->coins[k++] = p->coins[i];
    p->n_coins = k;
    if (p->n_coins > 1)
        qsort(p->coins, p->n_coins, sizeof(daas_sui_coin), by_balance_desc);
    p->n_gas = 0;
    p->gas_sum = 0;
    while (p->n_gas < p->n_coins && p->n_gas < p->o.max_gas_coins && p->gas_sum < target)
        p->gas_sum = sat_add(p->gas_sum, p->coins[p->n_gas++].balance);
    p->tx.gas.payment = daas_xcalloc(p->n_gas ? p->n_gas : 1, sizeof(daas_sui_objref));
    for (size_t i = 0; i < p->n_gas; i++)
        p->tx.gas.payment[i] = p->coins[i].ref;
    p->tx.gas.n_payment = p->n_gas;
    return DAAS_OK;
}

/* "transaction would fail: staking::unstake aborted with code 6 (ELocked)". */
static int dry_run_failed(const prep *p, const daas_sui_exec_result *r, daas_err *err)
{
    const char *mod = r->abort_module, *shortmod = NULL, *name = NULL;
    if (!r->has_abort_code)
        return daas_fail(err, DAAS_EFAILED, "transaction would fail: %s",
                         r->error ? r->error : "execution failed (no error given)");
    if (mod != NULL) {
        shortmod = strrchr(mod, ':');
        shortmod = shortmod ? shortmod + 1 : mod;
        if (p->o.abort_name != NULL)
            name = p->o.abort_name(mod, r->abort_code);
    }
    return daas_fail(err, DAAS_EFAILED,
                     "transaction would fail: %s%s%s aborted with code %llu%s%s%s",
                     shortmod ? shortmod : "Move", r->abort_function ? "::" : "",
                     r->abort_function ? r->abort_function : "", (unsigned long long)r->abort_code,
                     name ? " (" : "", name ? name : "", name ? ")" : "");
}

/* Dry-runs p->tx as it stands; on success sets the budget (§9) unless the caller fixed it. */
static int dry_run(daas_sui_client *c, prep *p, daas_err *err)
{
    daas_sui_exec_result r = {0};
    daas_buf bytes;
    int rc;
    daas_buf_init(&bytes, DAAS_SUI_TX_MAX_BYTES);
    TRY(daas_sui_tx_encode(&p->tx, &bytes, err));
    TRY(daas_sui_simulate(c, DAAS_BYTES(bytes.data, bytes.len), &r, err));
    if (!r.success) {
        rc = dry_run_failed(p, &r, err);
        goto out;
    }
    if (p->o.budget == 0) {
        /* SPEC: specs/sui.md §9: base = computation + 1000 × price (the TS SDK's margin);
         * budget = max(base, base + storage − rebate). */
        uint64_t base =
            sat_add(r.gas.computation,
                    p->tx.gas.price > UINT64_MAX / 1000 ? UINT64_MAX : 1000 * p->tx.gas.price);
        uint64_t with_storage = sat_add(base, r.gas.storage);
        with_storage = with_storage > r.gas.rebate ? with_storage - r.gas.rebate : 0;
        p->tx.gas.budget = with_storage > base ? with_storage : base;
    }
out:
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&bytes);
    return rc;
}

static int fill_price(daas_sui_client *c, prep *p, daas_err *err)
{
    daas_sui_epoch ep = {0};
    int rc;
    if (p->o.gas_price != 0) {
        p->tx.gas.price = p->o.gas_price;
        return DAAS_OK;
    }
    rc = daas_sui_get_epoch(c, &ep, err);
    if (rc == DAAS_OK && ep.ref_gas_price == 0)
        rc = daas_fail(err, DAAS_EREMOTE, "sui: reference gas price is 0");
    p->tx.gas.price = ep.ref_gas_price;
    return rc;
}

/* Chooses the gas coins and the dry-run budget. */
static int plan_gas(daas_sui_client *c, prep *p, daas_err *err)
{
    uint64_t budget = p->o.budget ? p->o.budget : DAAS_SUI_PLACEHOLDER_BUDGET;
    /* Every transaction costs at least 1000 gas units (the base of §9). */
    uint64_t floor = p->tx.gas.price > UINT64_MAX / 1000 ? UINT64_MAX : 1000 * p->tx.gas.price;
    uint64_t need = sat_add(p->o.spend, p->o.budget ? p->o.budget : floor);
    int rc = choose_gas(c, p, sat_add(p->o.spend, budget), err);
    if (rc != DAAS_OK)
        return rc;
    if (p->gas_sum < need)
        return insufficient(err, p->gas_sum, need);
    if (p->o.budget == 0 && p->gas_sum - p->o.spend < budget)
        budget = p->gas_sum - p->o.spend;
    p->tx.gas.budget = budget;
    return DAAS_OK;
}

int daas_sui_tx_prepare(daas_sui_client *c, const uint8_t sender[DAAS_SUI_ADDRESS_LEN],
                        const daas_sui_ptbb *b, const daas_sui_tx_opts *opts, daas_buf *tx_bytes,
                        daas_err *err)
{
    prep p = {0};
    size_t len0 = tx_bytes->len;
    int rc;
    if (opts != NULL)
        p.o = *opts;
    if (p.o.max_gas_coins == 0 || p.o.max_gas_coins > DAAS_SUI_MAX_GAS_OBJECTS)
        p.o.max_gas_coins = DAAS_SUI_MAX_GAS_OBJECTS;
    if (b->ptb.n_commands == 0)
        return daas_fail(err, DAAS_EINVAL, "sui ptb: the transaction has no commands");
    p.tx.kind = b->ptb; /* shallow: the builder keeps ownership */
    memcpy(p.tx.sender, sender, DAAS_SUI_ADDRESS_LEN);
    memcpy(p.tx.gas.owner, sender, DAAS_SUI_ADDRESS_LEN);
    p.tx.expiration.kind = DAAS_SUI_EXPIRE_NONE;
    TRY(fill_price(c, &p, err));
    TRY(plan_gas(c, &p, err));
    TRY(dry_run(c, &p, err));
    if (p.gas_sum < sat_add(p.o.spend, p.tx.gas.budget)) {
        rc = insufficient(err, p.gas_sum, sat_add(p.o.spend, p.tx.gas.budget));
        goto out;
    }
    rc = daas_sui_tx_encode(&p.tx, tx_bytes, err);
out:
    if (rc != DAAS_OK)
        tx_bytes->len = len0;
    daas_free(p.tx.gas.payment);
    daas_free(p.coins);
    return rc;
}

/* ---- sign and execute ---- */

int daas_sui_tx_sign_execute(daas_sui_client *c, const daas_sui_key *key, daas_bytes tx_bytes,
                             daas_sui_exec_result *result, daas_err *err)
{
    char *sig = NULL;
    int rc;
    memset(result, 0, sizeof(*result));
    rc = daas_sui_sign_transaction(key, tx_bytes, &sig, err);
    if (rc == DAAS_OK) {
        const char *sigs[1] = {sig};
        rc = daas_sui_execute(c, tx_bytes, sigs, 1, result, err);
    }
    daas_free(sig);
    return rc;
}

int daas_sui_tx_run(daas_sui_client *c, const daas_sui_key *key, const daas_sui_ptbb *b,
                    const daas_sui_tx_opts *opts, daas_sui_exec_result *result, daas_err *err)
{
    uint8_t sender[DAAS_SUI_ADDRESS_LEN];
    daas_buf bytes;
    int rc;
    memset(result, 0, sizeof(*result));
    daas_sui_key_address(key, sender);
    daas_buf_init(&bytes, DAAS_SUI_TX_MAX_BYTES);
    rc = daas_sui_tx_prepare(c, sender, b, opts, &bytes, err);
    if (rc == DAAS_OK)
        rc = daas_sui_tx_sign_execute(c, key, DAAS_BYTES(bytes.data, bytes.len), result, err);
    daas_buf_fini(&bytes);
    return rc;
}

int daas_sui_transfer_sui(daas_sui_client *c, const daas_sui_key *key,
                          const uint8_t recipient[DAAS_SUI_ADDRESS_LEN], uint64_t amount,
                          daas_sui_exec_result *result, daas_err *err)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_tx_opts o = {.spend = amount};
    daas_sui_arg amt, coin, to;
    int rc;
    memset(result, 0, sizeof(*result));
    if (amount == 0) {
        rc = daas_fail(err, DAAS_EINVAL, "sui transfer: the amount must be > 0");
        goto out;
    }
    TRY(daas_sui_ptbb_pure_u64(b, amount, &amt, err));
    TRY(daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, &amt, 1, &coin, err));
    TRY(daas_sui_ptbb_pure_address(b, recipient, &to, err));
    TRY(daas_sui_ptbb_transfer_objects(b, &coin, 1, to, err));
    rc = daas_sui_tx_run(c, key, b, &o, result, err);
out:
    daas_sui_ptbb_free(&b);
    return rc;
}
