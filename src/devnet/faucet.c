/*
 * faucet.c: the development chain's faucet: SUI for anyone who asks.
 *
 * Owns:   nothing; the faucet account's key and coin are genesis facts (genesis.c).
 * Model:  one request is one ordinary transaction signed by the faucet key:
 *         SplitCoins(GasCoin, [amount × n]) then TransferObjects([the n coins], recipient),
 *         paid from the same coin. It goes through every check and is recorded like any other.
 * Invariants: a request either gives all n coins or none (DAAS_EINVAL when the faucet is dry).
 * Spec:   devnet.h daas_devnet_faucet; Sui's faucet v2 API shape is serve.c's business.
 */
#include "devnet/devnet_int.h"

#include <string.h>

#include "common/alloc.h"

/* Builds and encodes the faucet's transaction paying n coins of amount to recipient. */
static int build(daas_devnet *d, const daas_sui_objref *gas, const uint8_t recipient[32],
                 daas_buf *out, daas_err *err)
{
    size_t n = (size_t)d->faucet_coins;
    uint8_t amount[8], addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_input inputs[2];
    daas_sui_command cmds[2];
    daas_sui_arg *amounts = daas_xcalloc(n, sizeof(*amounts));
    daas_sui_arg *coins = daas_xcalloc(n, sizeof(*coins));
    daas_sui_tx tx;
    memset(inputs, 0, sizeof(inputs));
    memset(cmds, 0, sizeof(cmds));
    memset(&tx, 0, sizeof(tx));
    daas_devnet__put_le64(amount, d->faucet_coin);
    memcpy(addr, recipient, sizeof(addr));
    inputs[0] = (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = amount, .pure_len = 8};
    inputs[1] = (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = addr, .pure_len = 32};
    for (size_t i = 0; i < n; i++) {
        amounts[i] = (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = 0};
        coins[i] =
            (daas_sui_arg){.kind = DAAS_SUI_ARG_NESTED_RESULT, .index = 0, .sub = (uint16_t)i};
    }
    cmds[0] = (daas_sui_command){.kind = DAAS_SUI_CMD_SPLIT_COINS,
                                 .arg = {.kind = DAAS_SUI_ARG_GAS_COIN},
                                 .n_args = n,
                                 .args = amounts};
    cmds[1] = (daas_sui_command){.kind = DAAS_SUI_CMD_TRANSFER_OBJECTS,
                                 .arg = {.kind = DAAS_SUI_ARG_INPUT, .index = 1},
                                 .n_args = n,
                                 .args = coins};
    tx.kind = (daas_sui_ptb){.n_inputs = 2, .inputs = inputs, .n_commands = 2, .commands = cmds};
    daas_sui_key_address(d->faucet, tx.sender);
    memcpy(tx.gas.owner, tx.sender, DAAS_SUI_ADDRESS_LEN);
    tx.gas.n_payment = 1;
    tx.gas.payment = (daas_sui_objref *)gas;
    tx.gas.price = d->ref_gas_price;
    /* computation of 2 commands plus storage of n + 1 coins, with one command to spare */
    uint64_t budget = d->ref_gas_price * DN_MIN_BUDGET_UNITS * 4 +
                      (n + 1) * DN_STORAGE_PER_BYTE * (DAAS_SUI_ADDRESS_LEN + 8 + DN_OBJ_OVERHEAD);
    tx.gas.budget = budget < DN_MAX_BUDGET ? budget : DN_MAX_BUDGET;
    int rc = daas_sui_tx_encode(&tx, out, err);
    daas_free(amounts);
    daas_free(coins);
    return rc;
}

/* The faucet's gas coin as it is now. */
static int faucet_coin(daas_devnet *d, daas_sui_objref *ref, daas_err *err)
{
    bool found = false;
    dn_obj o;
    int rc = daas_devnet__meta_get(d, "faucet_coin", ref->id, DAAS_SUI_ADDRESS_LEN, &found, err);
    if (rc == DAAS_OK && !found)
        rc = daas_fail(err, DAAS_EIO, "devnet: faucet coin unknown");
    if (rc == DAAS_OK)
        rc = daas_devnet__obj_load(d, ref->id, &o, err);
    if (rc == DAAS_ENOTFOUND)
        rc = daas_fail(err, DAAS_EIO, "devnet: faucet coin missing");
    if (rc != DAAS_OK)
        return rc;
    ref->version = o.version;
    memcpy(ref->digest, o.digest, DAAS_SUI_DIGEST_LEN);
    daas_devnet__obj_fini(&o);
    return DAAS_OK;
}

/* Copies the refs and balances of the coins a faucet transaction created. */
static int collect(daas_devnet *d, const daas_sui_exec_result *r, daas_sui_coin *coins, size_t max,
                   size_t *n, daas_err *err)
{
    for (size_t i = 0; i < r->n_created && *n < max; i++) {
        dn_obj o;
        int rc = daas_devnet__obj_load(d, r->created[i].id, &o, err);
        if (rc != DAAS_OK)
            return rc == DAAS_ENOTFOUND ? daas_fail(err, DAAS_EIO, "devnet: faucet coin lost") : rc;
        coins[*n].ref = (daas_sui_objref){.version = o.version};
        memcpy(coins[*n].ref.id, o.id, DAAS_SUI_ADDRESS_LEN);
        memcpy(coins[*n].ref.digest, o.digest, DAAS_SUI_DIGEST_LEN);
        coins[(*n)++].balance = daas_devnet__coin_value(&o);
        daas_devnet__obj_fini(&o);
    }
    return DAAS_OK;
}

int daas_devnet_faucet(daas_devnet *d, const uint8_t recipient[DAAS_SUI_ADDRESS_LEN],
                       daas_sui_coin *coins, size_t max, size_t *n,
                       char digest[DAAS_SUI_DIGEST_B58_LEN], daas_err *err)
{
    daas_sui_objref gas;
    daas_sui_exec_result r;
    daas_buf bytes;
    char *sig = NULL;
    memset(&r, 0, sizeof(r));
    daas_buf_init(&bytes, DAAS_SUI_TX_MAX_BYTES);
    *n = 0;
    pthread_mutex_lock(&d->mu);
    int rc = faucet_coin(d, &gas, err);
    if (rc == DAAS_OK)
        rc = build(d, &gas, recipient, &bytes, err);
    if (rc == DAAS_OK)
        rc = daas_sui_sign_transaction(d->faucet, DAAS_BYTES(bytes.data, bytes.len), &sig, err);
    if (rc == DAAS_OK) {
        const char *sigs[1] = {sig};
        rc = daas_devnet__execute(d, DAAS_BYTES(bytes.data, bytes.len), sigs, 1, false, &r, err);
    }
    if (rc == DAAS_OK && !r.success)
        rc = daas_fail(err, DAAS_EINTERNAL, "devnet: faucet transaction failed: %s",
                       r.error ? r.error : "?");
    if (rc == DAAS_OK)
        rc = collect(d, &r, coins, max, n, err);
    if (rc == DAAS_OK && digest != NULL)
        memcpy(digest, r.digest, DAAS_SUI_DIGEST_B58_LEN);
    pthread_mutex_unlock(&d->mu);
    daas_sui_exec_result_fini(&r);
    daas_free(sig);
    daas_buf_fini(&bytes);
    return rc;
}
