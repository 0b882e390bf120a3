/*
 * exec.c: executing a transaction on the development chain: the working set, gas, the
 * commit, and the result (kept for idempotent re-execution).
 *
 * Owns:   daas_devnet_execute and the dn_exec lifecycle.
 * Not:    the checks before execution (check.c), the commands (ptb.c), the package (pkg_*.c).
 * Model:  a transaction runs on copies of its objects in dn_exec; nothing reaches SQLite
 *         until the commit, which writes every changed object at the Lamport version, the
 *         events and the transaction record in one SQLite transaction. A failed execution
 *         drops the copies, reloads the inputs and commits only what Sui keeps: the gas coins
 *         smashed into the first and charged, and every mutable input at the new version.
 * Gas:    computation = price × 1000 × (1 + commands); storage = 7600 MIST per byte of
 *         (BCS + 100) of every object written; rebate = 99% of the storage paid for the
 *         objects written or deleted (the other 1% is non-refundable). The budget is reserved
 *         out of the gas coin while the commands run (as Sui does), so a PTB cannot split it
 *         away. computation + storage − rebate > budget → failure InsufficientGas.
 * Invariants:
 *   - DAAS_OK means the transaction ran (out->success says how it ended) and, unless
 *     simulating, is durable; DAAS_EINVAL means it was refused and nothing changed;
 *   - the same signed bytes executed again return the stored result, not a second run.
 * Spec:   devnet.h; specs/sui.md §9; move/README.md.
 */
#include "devnet/devnet_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"

/* ---- the working set ---- */

int daas_devnet__obj_add(dn_exec *ex)
{
    if (ex->n_objs == ex->cap_objs) {
        ex->cap_objs = ex->cap_objs ? 2 * ex->cap_objs : 16;
        ex->objs = daas_xrealloc(ex->objs, ex->cap_objs * sizeof(*ex->objs));
    }
    memset(&ex->objs[ex->n_objs], 0, sizeof(ex->objs[0]));
    return (int)ex->n_objs++;
}

int daas_devnet__obj_find(dn_exec *ex, const uint8_t id[DAAS_SUI_ADDRESS_LEN], int *idx,
                          daas_err *err)
{
    *idx = -1;
    /* Newest first: an id deleted and then re-created by this transaction has two slots. */
    for (size_t i = ex->n_objs; i-- > 0;)
        if (memcmp(ex->objs[i].id, id, DAAS_SUI_ADDRESS_LEN) == 0) {
            if (!ex->objs[i].deleted)
                *idx = (int)i;
            return DAAS_OK;
        }
    dn_obj o;
    int rc = daas_devnet__obj_load(ex->d, id, &o, err);
    if (rc == DAAS_ENOTFOUND)
        return DAAS_OK;
    if (rc != DAAS_OK)
        return rc;
    if (o.deleted) {
        daas_devnet__obj_fini(&o);
        return DAAS_OK;
    }
    int k = daas_devnet__obj_add(ex);
    ex->objs[k] = o;
    ex->objs[k].existed = true;
    *idx = k;
    return DAAS_OK;
}

int daas_devnet__obj_new(dn_exec *ex, dn_kind kind, const uint8_t *id, const uint8_t *bcs,
                         size_t len, int owner_kind, const uint8_t *owner)
{
    int k = daas_devnet__obj_add(ex);
    dn_obj *o = &ex->objs[k];
    if (id != NULL)
        memcpy(o->id, id, DAAS_SUI_ADDRESS_LEN);
    else
        daas_devnet__derive_id(ex->digest, ex->n_new_ids++, o->id);
    o->kind = kind;
    o->type = daas_xstrdup(ex->d->types[kind]);
    o->bcs = daas_xmalloc(len > DAAS_SUI_ADDRESS_LEN ? len : DAAS_SUI_ADDRESS_LEN);
    memcpy(o->bcs, bcs, len);
    memcpy(o->bcs, o->id, DAAS_SUI_ADDRESS_LEN); /* every Move object starts with its UID */
    o->bcs_len = len;
    o->owner_kind = owner_kind;
    if (owner != NULL)
        memcpy(o->owner, owner, DAAS_SUI_ADDRESS_LEN);
    if (owner_kind == DAAS_SUI_OWNER_SHARED)
        o->isv = ex->lamport;
    o->written = true;
    return k;
}

void daas_devnet__obj_set(dn_exec *ex, int i, const uint8_t *bcs, size_t len)
{
    dn_obj *o = &ex->objs[i];
    daas_free(o->bcs);
    o->bcs = daas_xmalloc(len ? len : 1);
    memcpy(o->bcs, bcs, len);
    o->bcs_len = len;
    o->written = true;
}

static void set_fail(dn_exec *ex, char *text)
{
    if (ex->fail != NULL) {
        daas_free(text); /* the first failure wins */
        return;
    }
    ex->fail = text;
}

int daas_devnet__fail(dn_exec *ex, const char *fmt, ...)
{
    va_list ap;
    char line[512];
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    set_fail(ex, daas_xstrdup(line));
    return DAAS_EFAILED;
}

/* SPEC: Sui's ExecutionFailureStatus::MoveAbort Debug text, as effects show it. */
int daas_devnet__abort_at(dn_exec *ex, const uint8_t pkg_id[DAAS_SUI_ADDRESS_LEN],
                          const char *module, const char *function, unsigned index, uint64_t code)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_devnet__hex(pkg_id, pkg);
    if (ex->fail != NULL)
        return DAAS_EFAILED;
    set_fail(ex,
             daas_xasprintf("MoveAbort(MoveLocation { module: ModuleId { address: %s, name: "
                            "Identifier(\"%s\") }, function: %u, instruction: 0, "
                            "function_name: Some(\"%s\") }, %llu) in command %zu",
                            pkg + 2, module, index, function, (unsigned long long)code, ex->cmd));
    ex->abort_module = daas_xasprintf("%s::%s", pkg, module);
    ex->abort_function = daas_xstrdup(function);
    ex->has_abort = true;
    ex->abort_code = code;
    return DAAS_EFAILED;
}

int daas_devnet__abort(dn_exec *ex, const char *module, const char *function, unsigned index,
                       uint64_t code)
{
    return daas_devnet__abort_at(ex, ex->d->pkg, module, function, index, code);
}

void daas_devnet__emit(dn_exec *ex, const char *module, const char *name, const daas_buf *bcs,
                       json_t *json)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_devnet__hex(ex->d->pkg, pkg);
    ex->events = daas_xrealloc(ex->events, (ex->n_events + 1) * sizeof(*ex->events));
    dn_event *e = &ex->events[ex->n_events++];
    e->type = daas_xasprintf("%s::%s::%s", pkg, module, name);
    e->module = daas_xstrdup(module);
    e->bcs_len = bcs->len;
    e->bcs = daas_xmalloc(bcs->len ? bcs->len : 1);
    if (bcs->len)
        memcpy(e->bcs, bcs->data, bcs->len);
    e->json = json;
}

/* Drops the working set and the PTB state (keeps the transaction facts). */
static void reset(dn_exec *ex)
{
    daas_devnet__ptb_fini(ex);
    for (size_t i = 0; i < ex->n_objs; i++)
        daas_devnet__obj_fini(&ex->objs[i]);
    ex->n_objs = 0;
    daas_free(ex->input_obj);
    ex->input_obj = NULL;
    for (size_t i = 0; i < ex->n_events; i++) {
        daas_free(ex->events[i].type);
        daas_free(ex->events[i].module);
        daas_free(ex->events[i].bcs);
        json_decref(ex->events[i].json);
    }
    daas_free(ex->events);
    ex->events = NULL;
    ex->n_events = 0;
    ex->n_new_ids = 0;
}

void daas_devnet__exec_fini(dn_exec *ex)
{
    reset(ex);
    daas_free(ex->objs);
    daas_free(ex->fail);
    daas_free(ex->abort_module);
    daas_free(ex->abort_function);
    memset(ex, 0, sizeof(*ex));
}

/* ---- gas ---- */

/* Merges the other gas coins into the first (they are deleted), as Sui's gas smashing. */
static void smash_gas(dn_exec *ex)
{
    dn_obj *g = &ex->objs[ex->gas];
    uint64_t total = daas_devnet__coin_value(g);
    for (size_t i = 1; i < ex->tx->gas.n_payment; i++) {
        total += daas_devnet__coin_value(&ex->objs[i]); /* ≤ total supply: no overflow */
        ex->objs[i].deleted = true;
    }
    daas_devnet__coin_set(g, total);
}

static uint64_t storage_of(const dn_obj *o)
{
    return DN_STORAGE_PER_BYTE * ((uint64_t)o->bcs_len + DN_OBJ_OVERHEAD);
}

/* Marks the mutable inputs written and sums the storage charge and rebate. */
static void storage_sums(dn_exec *ex, uint64_t *storage, uint64_t *rebate)
{
    *storage = *rebate = 0;
    for (size_t i = 0; i < ex->n_objs; i++) {
        dn_obj *o = &ex->objs[i];
        if (o->input_mut && !o->deleted)
            o->written = true;
        if (o->existed && (o->written || o->deleted))
            *rebate += o->storage_rebate;
        if (o->written && !o->deleted && o->owner_kind != 0)
            *storage += storage_of(o);
    }
}

/* Charges the gas coin. On the success path the reserved budget comes back first; the charge
 * is capped at the budget on the failure path (Sui charges at most the budget). */
static int charge(dn_exec *ex, bool failed, daas_sui_gas_summary *gs)
{
    const daas_sui_gas *g = &ex->tx->gas;
    dn_obj *coin = &ex->objs[ex->gas];
    uint64_t storage, rebate;
    uint64_t comp = g->price * DN_MIN_BUDGET_UNITS * (1 + (uint64_t)ex->tx->kind.n_commands);
    storage_sums(ex, &storage, &rebate);
    uint64_t refund = rebate / 100 * DN_REBATE_PCT + rebate % 100 * DN_REBATE_PCT / 100;
    /* The budget covers the net charge (computation + storage − rebate), as Sui's does; the
     * SDKs budget from a dry run that way (specs/sui.md §9). */
    if (!failed && comp + storage > g->budget + refund)
        return daas_devnet__fail(ex, "InsufficientGas");
    if (failed && comp + storage > g->budget + refund) {
        /* Out of budget even for the gas coin: the whole budget is taken and nothing comes
         * back (a failed transaction never earns MIST). */
        comp = comp < g->budget ? comp : g->budget;
        storage = g->budget - comp;
        refund = refund < storage ? refund : storage;
        rebate = refund;
    }
    uint64_t bal = daas_devnet__coin_value(coin) + (failed ? 0 : g->budget) + refund;
    daas_devnet__coin_set(coin, bal - comp - storage);
    gs->computation = comp;
    gs->storage = storage;
    gs->rebate = refund;
    gs->non_refundable = rebate - refund;
    return DAAS_OK;
}

/* Runs the commands with the budget reserved out of the gas coin, then charges. */
static int run_success(dn_exec *ex, daas_sui_gas_summary *gs, daas_err *err)
{
    const daas_sui_gas *g = &ex->tx->gas;
    dn_obj *coin = &ex->objs[ex->gas];
    uint64_t comp = g->price * DN_MIN_BUDGET_UNITS * (1 + (uint64_t)ex->tx->kind.n_commands);
    if (comp > g->budget)
        return daas_devnet__fail(ex, "InsufficientGas");
    daas_devnet__coin_set(coin, daas_devnet__coin_value(coin) - g->budget);
    int rc = daas_devnet__ptb_run(ex, err);
    if (rc != DAAS_OK)
        return rc;
    return charge(ex, false, gs);
}

/* Everything but the gas charge and the version bumps is dropped. */
static int run_failure(dn_exec *ex, daas_sui_gas_summary *gs, daas_err *err)
{
    reset(ex);
    int rc = daas_devnet__check_load(ex, err);
    if (rc != DAAS_OK)
        return rc;
    smash_gas(ex);
    return charge(ex, true, gs);
}

static int run(dn_exec *ex, daas_sui_exec_result *out, daas_err *err)
{
    smash_gas(ex);
    int rc = run_success(ex, &out->gas, err);
    if (rc == DAAS_EFAILED)
        rc = run_failure(ex, &out->gas, err);
    if (rc != DAAS_OK)
        return rc;
    out->success = ex->fail == NULL;
    return DAAS_OK;
}

/* ---- results ---- */

static void fill_result(dn_exec *ex, daas_sui_exec_result *out)
{
    if (ex->fail != NULL) {
        out->error = daas_xstrdup(ex->fail);
        out->abort_module = ex->abort_module ? daas_xstrdup(ex->abort_module) : NULL;
        out->abort_function = ex->abort_function ? daas_xstrdup(ex->abort_function) : NULL;
        out->has_abort_code = ex->has_abort;
        out->abort_code = ex->abort_code;
        out->function_not_found =
            !ex->has_abort && strncmp(ex->fail, "FunctionNotFound", 16) == 0;
    }
    out->created = daas_xcalloc(ex->n_objs ? ex->n_objs : 1, sizeof(*out->created));
    for (size_t i = 0; i < ex->n_objs; i++) {
        const dn_obj *o = &ex->objs[i];
        if (o->existed || o->deleted || !o->written)
            continue;
        memcpy(out->created[out->n_created].id, o->id, DAAS_SUI_ADDRESS_LEN);
        out->created[out->n_created++].type = daas_xstrdup(o->type);
    }
    out->events = daas_xcalloc(ex->n_events ? ex->n_events : 1, sizeof(*out->events));
    for (size_t i = 0; i < ex->n_events; i++) {
        daas_sui_event *e = &out->events[out->n_events++];
        e->type = daas_xstrdup(ex->events[i].type);
        e->json = json_incref(ex->events[i].json);
        memcpy(e->sender, ex->tx->sender, DAAS_SUI_ADDRESS_LEN);
        e->timestamp_ms = (uint64_t)ex->ts_ms;
    }
}

static json_t *json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The stored form of a result (events live in the events table). */
static char *result_json(const daas_sui_exec_result *r)
{
    json_t *created = json_array();
    for (size_t i = 0; i < r->n_created; i++)
        json_array_append_new(created,
                              json_pack("{s:o,s:s}", "id", daas_devnet__json_addr(r->created[i].id),
                                        "type", r->created[i].type));
    json_t *j = json_pack(
        "{s:b,s:o,s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o},s:o}", "success", r->success, "error",
        json_str_or_null(r->error), "abort_module", json_str_or_null(r->abort_module),
        "abort_function", json_str_or_null(r->abort_function), "abort_code",
        r->has_abort_code ? daas_devnet__json_u64(r->abort_code) : json_null(), "gas",
        "computation", daas_devnet__json_u64(r->gas.computation), "storage",
        daas_devnet__json_u64(r->gas.storage), "rebate", daas_devnet__json_u64(r->gas.rebate),
        "non_refundable", daas_devnet__json_u64(r->gas.non_refundable), "created", created);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *own = daas_xstrdup(text ? text : "{}");
    free(text);
    return own;
}

static char *dup_or_null(json_t *j)
{
    return json_is_string(j) ? daas_xstrdup(json_string_value(j)) : NULL;
}

static uint64_t u64_of(json_t *j)
{
    const char *s = json_string_value(j);
    return s ? strtoull(s, NULL, 10) : 0;
}

/* Rebuilds a stored result (idempotent re-execution). */
static int result_load(daas_devnet *d, const char *text, daas_sui_exec_result *out, daas_err *err)
{
    json_t *j = json_loads(text, 0, NULL), *created = json_object_get(j, "created"), *v;
    json_t *gas = json_object_get(j, "gas");
    size_t i;
    if (!json_is_object(j) || !json_is_array(created) || !json_is_object(gas)) {
        json_decref(j);
        return daas_fail(err, DAAS_EIO, "devnet: corrupt transaction record %s", out->digest);
    }
    out->success = json_is_true(json_object_get(j, "success"));
    out->error = dup_or_null(json_object_get(j, "error"));
    out->abort_module = dup_or_null(json_object_get(j, "abort_module"));
    out->abort_function = dup_or_null(json_object_get(j, "abort_function"));
    out->has_abort_code = json_is_string(json_object_get(j, "abort_code"));
    out->abort_code = u64_of(json_object_get(j, "abort_code"));
    out->gas.computation = u64_of(json_object_get(gas, "computation"));
    out->gas.storage = u64_of(json_object_get(gas, "storage"));
    out->gas.rebate = u64_of(json_object_get(gas, "rebate"));
    out->gas.non_refundable = u64_of(json_object_get(gas, "non_refundable"));
    out->created = daas_xcalloc(json_array_size(created) + 1, sizeof(*out->created));
    json_array_foreach(created, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (id == NULL ||
            daas_sui_address_parse(id, out->created[out->n_created].id, NULL) != DAAS_OK)
            continue;
        out->created[out->n_created++].type = dup_or_null(json_object_get(v, "type"));
    }
    json_decref(j);
    return daas_devnet__tx_events(d, out->digest, &out->events, &out->n_events, err);
}

/* ---- commit ---- */

int daas_devnet__commit(dn_exec *ex, daas_bytes tx_bytes, const char *rjson, daas_err *err)
{
    int rc = DAAS_OK;
    for (size_t i = 0; i < ex->n_objs && rc == DAAS_OK; i++) {
        dn_obj *o = &ex->objs[i];
        if (o->existed ? !(o->written || o->deleted) : (o->deleted || !o->written))
            continue;
        o->version = ex->lamport;
        o->storage_rebate = o->deleted ? 0 : storage_of(o);
        daas_devnet__obj_digest(o->type, o->bcs, o->bcs_len, o->version, o->digest);
        rc = daas_devnet__obj_store(ex->d, o, ex->digest_b58, err);
    }
    for (size_t i = 0; i < ex->n_events && rc == DAAS_OK; i++)
        rc = daas_devnet__event_store(ex->d, ex->digest_b58, ex->tx->sender, ex->ts_ms,
                                      &ex->events[i], err);
    if (rc == DAAS_OK && rjson != NULL)
        rc = daas_devnet__tx_store(ex->d, ex->digest_b58, tx_bytes, rjson, err);
    return rc;
}

static int commit_tx(dn_exec *ex, daas_bytes tx_bytes, const daas_sui_exec_result *out,
                     daas_err *err)
{
    char *rjson = result_json(out);
    int rc = daas_devnet__db_exec(ex->d, "BEGIN IMMEDIATE", err);
    if (rc == DAAS_OK) {
        rc = daas_devnet__commit(ex, tx_bytes, rjson, err);
        if (rc == DAAS_OK)
            rc = daas_devnet__db_exec(ex->d, "COMMIT", err);
        if (rc != DAAS_OK && daas_devnet__db_exec(ex->d, "ROLLBACK", NULL) != DAAS_OK)
            rc = daas_fail(err, DAAS_EIO, "devnet: rollback failed");
    }
    daas_free(rjson);
    return rc;
}

int daas_devnet__execute(daas_devnet *d, daas_bytes tx_bytes, const char *const *sigs_b64,
                         size_t n_sigs, bool simulate, daas_sui_exec_result *out, daas_err *err)
{
    daas_sui_tx tx;
    dn_exec ex;
    char *stored = NULL;
    memset(out, 0, sizeof(*out));
    memset(&ex, 0, sizeof(ex));
    int rc = daas_sui_tx_decode(tx_bytes, &tx, err);
    if (rc != DAAS_OK)
        return rc == DAAS_ETOOBIG ? rc : DAAS_EINVAL;
    daas_sui_tx_digest(tx_bytes, ex.digest);
    DN_TRY(daas_sui_base58_encode(ex.digest, DAAS_SUI_DIGEST_LEN, ex.digest_b58,
                                  sizeof(ex.digest_b58), err));
    memcpy(out->digest, ex.digest_b58, sizeof(out->digest));
    if (!simulate) {
        DN_TRY(daas_devnet__check_sigs(d, tx_bytes, &tx, sigs_b64, n_sigs, err));
        DN_TRY(daas_devnet__tx_lookup(d, ex.digest_b58, &stored, err));
        if (stored != NULL) {
            rc = result_load(d, stored, out, err);
            goto out;
        }
    }
    ex.d = d;
    ex.tx = &tx;
    ex.simulate = simulate;
    ex.epoch = daas_devnet__epoch(d);
    ex.ts_ms = daas_devnet__now_ms(d);
    DN_TRY(daas_devnet__check_load(&ex, err));
    DN_TRY(run(&ex, out, err));
    fill_result(&ex, out);
    if (!simulate)
        rc = commit_tx(&ex, tx_bytes, out, err);
out:
    if (rc != DAAS_OK) {
        daas_sui_exec_result_fini(out);
        memset(out, 0, sizeof(*out));
        memcpy(out->digest, ex.digest_b58, sizeof(out->digest));
    }
    daas_free(stored);
    daas_devnet__exec_fini(&ex);
    daas_sui_tx_fini(&tx);
    return rc;
}

int daas_devnet_execute(daas_devnet *d, daas_bytes tx_bytes, const char *const *sigs_b64,
                        size_t n_sigs, bool simulate, daas_sui_exec_result *out, daas_err *err)
{
    pthread_mutex_lock(&d->mu);
    int rc = daas_devnet__execute(d, tx_bytes, sigs_b64, n_sigs, simulate, out, err);
    pthread_mutex_unlock(&d->mu);
    return rc;
}
