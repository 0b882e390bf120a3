/*
 * check.c: what the development chain checks before it executes a transaction, in Sui's
 * words: signatures, expiration, commands it can run, gas price and budget, gas coins, and
 * the input objects (owned at the given version and digest, shared at their initial shared
 * version).
 *
 * Owns:   nothing; loads the inputs and gas coins into the dn_exec working set.
 * Invariants:
 *   - every refusal is DAAS_EINVAL with the text Sui's validators give (sui-types error.rs
 *     UserInputError / SuiError), so clients that match on Sui's words work here too;
 *   - nothing is written: a refused transaction leaves the chain as it was.
 * Spec:   devnet.h (the list of checks); specs/sui.md §5.1 (error table), §9 (gas notes).
 */
#include "devnet/devnet_int.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"

/* ---- signatures ---- */

int daas_devnet__check_sigs(daas_devnet *d, daas_bytes tx_bytes, const daas_sui_tx *tx,
                            const char *const *sigs_b64, size_t n_sigs, daas_err *err)
{
    char want[DAAS_SUI_ADDRESS_HEX_LEN + 1], got[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    uint8_t signer[DAAS_SUI_ADDRESS_LEN];
    daas_err verr = {0};
    (void)d;
    if (memcmp(tx->gas.owner, tx->sender, DAAS_SUI_ADDRESS_LEN) != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "Transaction kind does not support Sponsored Transaction "
                         "(the devnet runs only self-paid transactions)");
    if (n_sigs != 1 || sigs_b64 == NULL || sigs_b64[0] == NULL)
        return daas_fail(err, DAAS_EINVAL, "Expect 1 signer signatures but got %zu", n_sigs);
    int rc = daas_sui_verify_transaction(sigs_b64[0], tx_bytes, signer, &verr);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "Invalid user signature: Signature is not valid: %s",
                         verr.msg);
    if (memcmp(signer, tx->sender, DAAS_SUI_ADDRESS_LEN) != 0) {
        daas_devnet__hex(tx->sender, want);
        daas_devnet__hex(signer, got);
        return daas_fail(err, DAAS_EINVAL,
                         "Invalid user signature: Required Signature from %s is absent [\"%s\"]",
                         want, got);
    }
    return DAAS_OK;
}

/* ---- the transaction as a whole ---- */

static int check_expiration(dn_exec *ex, daas_err *err)
{
    const daas_sui_expiration *e = &ex->tx->expiration;
    char chain[DAAS_SUI_DIGEST_B58_LEN];
    if (e->kind == DAAS_SUI_EXPIRE_EPOCH && ex->epoch > e->epoch)
        return daas_fail(err, DAAS_EINVAL, "Transaction Expired");
    if (e->kind != DAAS_SUI_EXPIRE_VALID_DURING)
        return DAAS_OK;
    if (memcmp(e->chain, ex->d->genesis, DAAS_SUI_DIGEST_LEN) != 0) {
        if (daas_sui_base58_encode(e->chain, DAAS_SUI_DIGEST_LEN, chain, sizeof(chain), NULL) !=
            DAAS_OK)
            chain[0] = '\0';
        return daas_fail(err, DAAS_EINVAL,
                         "Transaction chain ID %s does not match network chain ID %s.", chain,
                         ex->d->chain_id);
    }
    if ((e->min_epoch.some && ex->epoch < e->min_epoch.value) ||
        (e->max_epoch.some && ex->epoch > e->max_epoch.value) ||
        (e->min_timestamp.some && (uint64_t)ex->ts_ms < e->min_timestamp.value) ||
        (e->max_timestamp.some && (uint64_t)ex->ts_ms > e->max_timestamp.value))
        return daas_fail(err, DAAS_EINVAL, "Transaction Expired");
    return DAAS_OK;
}

static bool is_framework(const uint8_t p[DAAS_SUI_ADDRESS_LEN])
{
    for (size_t i = 0; i + 1 < DAAS_SUI_ADDRESS_LEN; i++)
        if (p[i] != 0)
            return false;
    return p[DAAS_SUI_ADDRESS_LEN - 1] == 1 || p[DAAS_SUI_ADDRESS_LEN - 1] == 2;
}

/* Commands the devnet cannot run are refused before execution; empty argument lists too. */
static int check_commands(dn_exec *ex, daas_err *err)
{
    static const char *const NAMES[] = {"MoveCall", "TransferObjects", "SplitCoins", "MergeCoins",
                                        "Publish",  "MakeMoveVec",     "Upgrade"};
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    const daas_sui_ptb *p = &ex->tx->kind;
    for (size_t i = 0; i < p->n_commands; i++) {
        const daas_sui_command *c = &p->commands[i];
        if (c->kind == DAAS_SUI_CMD_PUBLISH || c->kind == DAAS_SUI_CMD_UPGRADE ||
            c->kind == DAAS_SUI_CMD_MAKE_MOVE_VEC)
            return daas_fail(err, DAAS_EINVAL, "Feature is not supported: %s (devnet)",
                             NAMES[c->kind]);
        if ((c->kind == DAAS_SUI_CMD_TRANSFER_OBJECTS || c->kind == DAAS_SUI_CMD_MERGE_COINS) &&
            c->n_args == 0)
            return daas_fail(err, DAAS_EINVAL,
                             "TransferObjects, MergeCoin, and Publish cannot have empty "
                             "arguments. If MakeMoveVec has empty arguments, it must have a "
                             "type specified");
        if (c->kind == DAAS_SUI_CMD_MOVE_CALL &&
            memcmp(c->package, ex->d->pkg, DAAS_SUI_ADDRESS_LEN) != 0 &&
            !is_framework(c->package) && !daas_devnet__is_seal_pkg(c->package)) {
            daas_devnet__hex(c->package, hex);
            return daas_fail(err, DAAS_EINVAL, "Dependent package not found on-chain: %s", hex);
        }
    }
    return DAAS_OK;
}

static int check_gas_params(dn_exec *ex, daas_err *err)
{
    const daas_sui_gas *g = &ex->tx->gas;
    uint64_t min_budget = DN_MIN_BUDGET_UNITS * g->price;
    /* A simulation may leave the payment empty: Sui's full nodes then simulate with a mock
     * gas coin holding the budget (what Seal key servers rely on, specs/seal.md §6.8). */
    if (g->n_payment == 0 && !ex->simulate)
        return daas_fail(err, DAAS_EINVAL, "Transaction gas payment missing");
    if (g->n_payment > DAAS_SUI_MAX_GAS_OBJECTS)
        return daas_fail(err, DAAS_EINVAL,
                         "Size limit exceeded: maximum number of gas payment objects is %u",
                         DAAS_SUI_MAX_GAS_OBJECTS);
    if (g->price < ex->d->ref_gas_price)
        return daas_fail(err, DAAS_EINVAL, "Gas price %llu under reference gas price (RGP) %llu",
                         (unsigned long long)g->price, (unsigned long long)ex->d->ref_gas_price);
    if (g->price > DN_MAX_GAS_PRICE)
        return daas_fail(err, DAAS_EINVAL, "Gas price cannot exceed %llu mist",
                         (unsigned long long)DN_MAX_GAS_PRICE);
    if (g->budget > DN_MAX_BUDGET)
        return daas_fail(err, DAAS_EINVAL, "Gas budget: %llu is higher than max: %llu",
                         (unsigned long long)g->budget, (unsigned long long)DN_MAX_BUDGET);
    if (g->budget < min_budget)
        return daas_fail(err, DAAS_EINVAL, "Gas budget: %llu is lower than min: %llu",
                         (unsigned long long)g->budget, (unsigned long long)min_budget);
    return DAAS_OK;
}

/* ---- objects ---- */

static const char *owner_words(int kind)
{
    switch (kind) {
    case DAAS_SUI_OWNER_SHARED:
        return "Shared";
    case DAAS_SUI_OWNER_IMMUTABLE:
        return "Immutable";
    case DAAS_SUI_OWNER_OBJECT:
        return "ObjectOwner";
    default:
        return "AddressOwner";
    }
}

/* Loads a referenced object; checks it is live at exactly ref's version and digest. */
static int load_ref(dn_exec *ex, const daas_sui_objref *ref, dn_obj *o, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], dg[DAAS_SUI_DIGEST_B58_LEN];
    daas_devnet__hex(ref->id, hex);
    if (daas_sui_base58_encode(ref->digest, DAAS_SUI_DIGEST_LEN, dg, sizeof(dg), NULL) != DAAS_OK)
        dg[0] = '\0';
    int rc = daas_devnet__obj_load(ex->d, ref->id, o, err);
    if (rc == DAAS_ENOTFOUND)
        return daas_fail(err, DAAS_EINVAL,
                         "Could not find the referenced object %s at version "
                         "Some(SequenceNumber(%llu))",
                         hex, (unsigned long long)ref->version);
    if (rc != DAAS_OK)
        return rc;
    if (o->deleted && o->version == ref->version)
        return daas_fail(err, DAAS_EINVAL,
                         "Object deleted at reference (%s, SequenceNumber(%llu), %s)", hex,
                         (unsigned long long)ref->version, dg);
    if (o->version != ref->version || o->deleted)
        return daas_fail(err, DAAS_EINVAL,
                         "Object ID %s Version 0x%llx Digest %s is not available for "
                         "consumption, current version: 0x%llx",
                         hex, (unsigned long long)ref->version, dg, (unsigned long long)o->version);
    if (memcmp(o->digest, ref->digest, DAAS_SUI_DIGEST_LEN) != 0) {
        if (daas_sui_base58_encode(o->digest, DAAS_SUI_DIGEST_LEN, dg, sizeof(dg), NULL) != DAAS_OK)
            dg[0] = '\0';
        return daas_fail(err, DAAS_EINVAL,
                         "Invalid Object digest for object %s. Expected digest : %s", hex, dg);
    }
    return DAAS_OK;
}

/* An owned input (or gas coin) must belong to the sender. */
static int check_owned(dn_exec *ex, const dn_obj *o, bool gas, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], own[DAAS_SUI_ADDRESS_HEX_LEN + 1],
        snd[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_devnet__hex(o->id, hex);
    daas_devnet__hex(o->owner, own);
    daas_devnet__hex(ex->tx->sender, snd);
    if (gas && o->owner_kind != DAAS_SUI_OWNER_ADDRESS)
        return daas_fail(err, DAAS_EINVAL, "Gas object is not an owned object with owner: %s",
                         owner_words(o->owner_kind));
    if (o->owner_kind == DAAS_SUI_OWNER_OBJECT)
        return daas_fail(err, DAAS_EINVAL,
                         "Object %s is owned by object %s. Objects owned by other objects "
                         "cannot be used as input arguments",
                         hex, own);
    if (o->owner_kind == DAAS_SUI_OWNER_SHARED)
        return daas_fail(err, DAAS_EINVAL, "Object used as owned is not owned");
    if (o->owner_kind == DAAS_SUI_OWNER_ADDRESS &&
        memcmp(o->owner, ex->tx->sender, DAAS_SUI_ADDRESS_LEN) != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "Transaction was not signed by the correct sender: Object %s is owned "
                         "by account address %s, but given owner/signer address is %s",
                         hex, own, snd);
    if (gas && o->kind != DN_K_COIN)
        return daas_fail(err, DAAS_EINVAL, "Object %s is not a gas object", hex);
    return DAAS_OK;
}

/* Is id already in the working set (a second use of one object)? */
static bool seen(const dn_exec *ex, const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    for (size_t i = 0; i < ex->n_objs; i++)
        if (memcmp(ex->objs[i].id, id, DAAS_SUI_ADDRESS_LEN) == 0)
            return true;
    return false;
}

static int dup_fail(const uint8_t id[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_devnet__hex(id, hex);
    return daas_fail(err, DAAS_EINVAL,
                     "Mutable object %s cannot appear more than one in one transaction", hex);
}

/* The mock gas coin of a simulation without gas payment: id 0xff…ff, the budget as balance,
 * owned by the sender; never stored (simulations are not committed). */
static void mock_gas(dn_exec *ex)
{
    uint8_t bcs[DAAS_SUI_ADDRESS_LEN + 8], id[DAAS_SUI_ADDRESS_LEN];
    memset(id, 0xff, sizeof(id));
    memset(bcs, 0, sizeof(bcs));
    daas_devnet__put_le64(bcs + DAAS_SUI_ADDRESS_LEN, ex->tx->gas.budget);
    int k = daas_devnet__obj_add(ex);
    dn_obj *o = &ex->objs[k];
    memcpy(o->id, id, DAAS_SUI_ADDRESS_LEN);
    memcpy(bcs, id, DAAS_SUI_ADDRESS_LEN);
    o->kind = DN_K_COIN;
    o->type = daas_xstrdup(ex->d->types[DN_K_COIN]);
    o->bcs = daas_xmalloc(sizeof(bcs));
    memcpy(o->bcs, bcs, sizeof(bcs));
    o->bcs_len = sizeof(bcs);
    o->owner_kind = DAAS_SUI_OWNER_ADDRESS;
    memcpy(o->owner, ex->tx->sender, DAAS_SUI_ADDRESS_LEN);
    o->existed = o->input_mut = true;
    ex->gas = k;
}

static int load_gas(dn_exec *ex, daas_err *err)
{
    const daas_sui_gas *g = &ex->tx->gas;
    unsigned __int128 total = 0;
    if (g->n_payment == 0) { /* only a simulation gets here (check_gas_params) */
        mock_gas(ex);
        return DAAS_OK;
    }
    for (size_t i = 0; i < g->n_payment; i++) {
        if (seen(ex, g->payment[i].id))
            return dup_fail(g->payment[i].id, err);
        int k = daas_devnet__obj_add(ex);
        dn_obj *o = &ex->objs[k];
        int rc = load_ref(ex, &g->payment[i], o, err);
        if (rc == DAAS_OK)
            rc = check_owned(ex, o, true, err);
        if (rc != DAAS_OK)
            return rc;
        o->existed = o->input_mut = true;
        total += daas_devnet__coin_value(o);
    }
    ex->gas = 0;
    if (total < g->budget)
        return daas_fail(err, DAAS_EINVAL,
                         "Balance of gas object %llu is lower than the needed amount: %llu",
                         (unsigned long long)(total > UINT64_MAX ? UINT64_MAX : (uint64_t)total),
                         (unsigned long long)g->budget);
    return DAAS_OK;
}

static int load_shared(dn_exec *ex, const daas_sui_input *in, dn_obj *o, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    int rc = daas_devnet__obj_load(ex->d, in->shared_id, o, err);
    if (rc == DAAS_ENOTFOUND || (rc == DAAS_OK && o->deleted)) {
        daas_devnet__hex(in->shared_id, hex);
        return daas_fail(err, DAAS_EINVAL,
                         "Could not find the referenced object %s at version None", hex);
    }
    if (rc != DAAS_OK)
        return rc;
    if (o->owner_kind != DAAS_SUI_OWNER_SHARED)
        return daas_fail(err, DAAS_EINVAL, "Object used as shared is not shared");
    if (o->isv != in->initial_shared_version)
        return daas_fail(err, DAAS_EINVAL, "Wrong initial version given for shared object");
    /* The Clock (0x6) is read-only: Sui refuses it as a mutable input before execution. */
    static const uint8_t clock_id[DAAS_SUI_ADDRESS_LEN] = {[DAAS_SUI_ADDRESS_LEN - 1] = 6};
    if (in->mutability != DAAS_SUI_SHARED_IMMUTABLE && memcmp(in->shared_id, clock_id, 32) == 0)
        return daas_fail(err, DAAS_EINVAL,
                         "Argument ImmutableParameterExpectedError: the Clock object 0x6 can "
                         "only be passed as an immutable shared input");
    o->input_mut = in->mutability != DAAS_SUI_SHARED_IMMUTABLE;
    o->shared_imm = !o->input_mut;
    return DAAS_OK;
}

static int load_input(dn_exec *ex, size_t i, daas_err *err)
{
    const daas_sui_input *in = &ex->tx->kind.inputs[i];
    ex->input_obj[i] = -1;
    if (in->kind == DAAS_SUI_INPUT_PURE)
        return DAAS_OK;
    if (in->kind == DAAS_SUI_INPUT_RECEIVING)
        return daas_fail(err, DAAS_EINVAL, "Feature is not supported: Receiving (devnet)");
    const uint8_t *id = in->kind == DAAS_SUI_INPUT_SHARED ? in->shared_id : in->ref.id;
    for (size_t g = 0; g < ex->tx->gas.n_payment; g++)
        if (memcmp(ex->tx->gas.payment[g].id, id, DAAS_SUI_ADDRESS_LEN) == 0)
            return dup_fail(id, err);
    if (seen(ex, id))
        return daas_fail(err, DAAS_EINVAL, "The transaction inputs contain duplicated ObjectRef's");
    int k = daas_devnet__obj_add(ex);
    dn_obj *o = &ex->objs[k];
    int rc = in->kind == DAAS_SUI_INPUT_SHARED ? load_shared(ex, in, o, err)
                                               : load_ref(ex, &in->ref, o, err);
    if (rc == DAAS_OK && in->kind == DAAS_SUI_INPUT_IMM_OR_OWNED) {
        rc = check_owned(ex, o, false, err);
        o->input_mut = o->owner_kind == DAAS_SUI_OWNER_ADDRESS;
    }
    o->existed = true;
    ex->input_obj[i] = k;
    return rc;
}

/* Lamport version: one past the largest version of any input (gas coins included). */
static void lamport(dn_exec *ex)
{
    uint64_t max = 0;
    for (size_t i = 0; i < ex->n_objs; i++)
        if (ex->objs[i].version > max)
            max = ex->objs[i].version;
    ex->lamport = max + 1;
}

int daas_devnet__check_load(dn_exec *ex, daas_err *err)
{
    const daas_sui_ptb *p = &ex->tx->kind;
    int rc = check_expiration(ex, err);
    if (rc == DAAS_OK)
        rc = check_commands(ex, err);
    if (rc == DAAS_OK)
        rc = check_gas_params(ex, err);
    if (rc == DAAS_OK)
        rc = load_gas(ex, err);
    if (rc != DAAS_OK)
        return rc;
    ex->input_obj = daas_xcalloc(p->n_inputs ? p->n_inputs : 1, sizeof(int));
    for (size_t i = 0; i < p->n_inputs && rc == DAAS_OK; i++)
        rc = load_input(ex, i, err);
    if (rc == DAAS_OK)
        lamport(ex);
    return rc;
}
