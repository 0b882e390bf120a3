/*
 * chain.c: what the key server asks the chain: a package's first version (cached), the
 * reference gas price (refreshed every minute), and the dry run of seal_approve* with the
 * staleness check prepended.
 *
 * Owns:   the caches in daas_ks (under ks->mu).
 * Invariants:
 *   - the dry run sends TransactionData {sender = certificate user, no gas coins, budget
 *     500_000_000 MIST, reference gas price}; the policy cannot spend anything;
 *   - an unreachable chain or a stale one is 503 Failure (retryable), never NoAccess.
 * Spec:   specs/seal.md §6.7 step 3, §6.8, §7.3.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <blst.h>

#include "common/log.h"
#include "common/util.h"
#include "keyserver/ks_int.h"
#include "sui/pkg.h"

#define MOD "keyserver"
#define EStaleFullnode 93492u /* SPEC: specs/seal.md §7.3 */

static const uint8_t clock_id[DAAS_SUI_ADDRESS_LEN] = {[31] = 6};

static bool cache_get(daas_ks *ks, const uint8_t pkg[32], uint8_t first[32])
{
    bool hit = false;

    pthread_mutex_lock(&ks->mu);
    for (size_t i = 0; i < ks->npkgs && !hit; i++) {
        if (memcmp(ks->pkgs[i].id, pkg, 32) == 0) {
            memcpy(first, ks->pkgs[i].first, 32);
            hit = true;
        }
    }
    pthread_mutex_unlock(&ks->mu);
    return hit;
}

static void cache_put(daas_ks *ks, const uint8_t pkg[32], const uint8_t first[32])
{
    daas_ks__pkg_entry *e;

    pthread_mutex_lock(&ks->mu);
    if (ks->npkgs < DAAS_KS_PKG_CACHE) {
        e = &ks->pkgs[ks->npkgs++];
    } else {
        e = &ks->pkgs[ks->pkg_next];
        ks->pkg_next = (ks->pkg_next + 1) % DAAS_KS_PKG_CACHE;
    }
    memcpy(e->id, pkg, 32);
    memcpy(e->first, first, 32);
    pthread_mutex_unlock(&ks->mu);
}

int daas_ks__first_pkg(daas_ks *ks, const uint8_t pkg[DAAS_SEAL_ADDR_LEN],
                       uint8_t first[DAAS_SEAL_ADDR_LEN], daas_err *err)
{
    daas_sui_object o = {0};
    int rc;

    for (size_t i = 0; i < ks->nknown; i++) {
        if (memcmp(ks->known[i], pkg, DAAS_SEAL_ADDR_LEN) == 0) {
            memcpy(first, pkg, DAAS_SEAL_ADDR_LEN);
            return DAAS_OK;
        }
    }
    if (cache_get(ks, pkg, first))
        return DAAS_OK;
    rc = daas_sui_get_object(ks->cfg.client, pkg, &o, err);
    if (rc == DAAS_ENOTFOUND)
        return rc;
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EUNAVAIL, "chain: %s", daas_err_text(rc));
    /* A package has no Move contents (Object.asMoveObject is null). */
    if (o.type != NULL || o.json != NULL) {
        daas_sui_object_fini(&o);
        return daas_fail(err, DAAS_ENOTFOUND, "not a package");
    }
    daas_sui_object_fini(&o);
    /* The devnet has no upgrades: every package is its own first version. On Sui the
     * original id of an upgraded package differs; daas only serves packages published once
     * (docs/seal.md "Key server"). */
    memcpy(first, pkg, DAAS_SEAL_ADDR_LEN);
    cache_put(ks, pkg, first);
    return DAAS_OK;
}

int daas_ks__gas_price(daas_ks *ks, uint64_t *price, daas_err *err)
{
    daas_sui_epoch ep;
    int64_t now = daas_ks__now(ks);
    bool fresh;
    int rc;

    pthread_mutex_lock(&ks->mu);
    fresh =
        ks->rgp_at_ms != 0 && now - ks->rgp_at_ms < DAAS_KS_RGP_REFRESH_MS && now >= ks->rgp_at_ms;
    *price = ks->rgp;
    pthread_mutex_unlock(&ks->mu);
    if (fresh)
        return DAAS_OK;
    rc = daas_sui_get_epoch(ks->cfg.client, &ep, err);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EUNAVAIL, "reference gas price: %s", daas_err_text(rc));
    pthread_mutex_lock(&ks->mu);
    ks->rgp = ep.ref_gas_price;
    ks->rgp_at_ms = now;
    pthread_mutex_unlock(&ks->mu);
    *price = ep.ref_gas_price;
    return DAAS_OK;
}

/* The index of an existing Clock input (shared 0x6), or n_inputs when there is none. */
static size_t find_clock(const daas_sui_ptb *p)
{
    for (size_t i = 0; i < p->n_inputs; i++)
        if (p->inputs[i].kind == DAAS_SUI_INPUT_SHARED &&
            memcmp(p->inputs[i].shared_id, clock_id, DAAS_SUI_ADDRESS_LEN) == 0)
            return i;
    return p->n_inputs;
}

/*
 * Appends the TransactionData bytes of the dry run to out. The staleness call
 * SEAL::time::check_staleness(now, allowed, clock) goes first; its inputs are appended after
 * the client's, so the client's Input indices stay valid.
 */
static int build_tx(daas_ks *ks, const daas_ks__ptb *p, const uint8_t user[32], uint64_t price,
                    daas_buf *out, daas_err *err)
{
    const daas_sui_ptb *src = &p->ptb;
    size_t ni = src->n_inputs, nc = src->n_commands, clock = find_clock(src);
    daas_sui_input *in = daas_xcalloc(ni + 3, sizeof *in);
    daas_sui_command *cmd = daas_xcalloc(nc + 1, sizeof *cmd);
    uint8_t now_le[8], allowed_le[8];
    daas_sui_arg args[3];
    daas_sui_tx tx = {0};
    size_t k = 0;
    int rc;

    memcpy(in, src->inputs, ni * sizeof *in);
    if (ks->cfg.has_seal_pkg) {
        uint64_t now = (uint64_t)daas_ks__now(ks), allowed = DAAS_KS_STALENESS_MS;
        for (int b = 0; b < 8; b++) {
            now_le[b] = (uint8_t)(now >> (8 * b));
            allowed_le[b] = (uint8_t)(allowed >> (8 * b));
        }
        in[ni] = (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = now_le, .pure_len = 8};
        in[ni + 1] =
            (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = allowed_le, .pure_len = 8};
        args[0] = (daas_sui_arg){DAAS_SUI_ARG_INPUT, (uint16_t)ni, 0};
        args[1] = (daas_sui_arg){DAAS_SUI_ARG_INPUT, (uint16_t)(ni + 1), 0};
        if (clock == ni) {
            in[ni + 2] = (daas_sui_input){.kind = DAAS_SUI_INPUT_SHARED,
                                          .initial_shared_version = 1,
                                          .mutability = DAAS_SUI_SHARED_IMMUTABLE};
            memcpy(in[ni + 2].shared_id, clock_id, 32);
            clock = ni + 2;
        }
        args[2] = (daas_sui_arg){DAAS_SUI_ARG_INPUT, (uint16_t)clock, 0};
        cmd[0] = (daas_sui_command){.kind = DAAS_SUI_CMD_MOVE_CALL,
                                    .module = "time",
                                    .function = "check_staleness",
                                    .n_args = 3,
                                    .args = args};
        memcpy(cmd[0].package, ks->cfg.seal_pkg, 32);
        k = 1;
        ni += clock >= src->n_inputs + 2 ? 3 : 2;
    }
    memcpy(cmd + k, src->commands, nc * sizeof *cmd);
    tx.kind = (daas_sui_ptb){ni, in, nc + k, cmd};
    memcpy(tx.sender, user, 32);
    memcpy(tx.gas.owner, user, 32);
    tx.gas.price = price;
    tx.gas.budget = DAAS_KS_GAS_BUDGET;
    rc = daas_sui_tx_encode(&tx, out, err);
    daas_free(in);
    daas_free(cmd);
    return rc;
}

/* Is the failure the staleness command's EStaleFullnode? */
static bool stale(const daas_ks *ks, const daas_sui_exec_result *r)
{
    char mod[DAAS_SUI_ADDRESS_HEX_LEN + 8];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];

    if (!ks->cfg.has_seal_pkg || !r->has_abort_code || r->abort_code != EStaleFullnode ||
        r->abort_module == NULL)
        return false;
    daas_sui_address_hex(ks->cfg.seal_pkg, hex);
    snprintf(mod, sizeof mod, "%s::time", hex);
    return strcmp(r->abort_module, mod) == 0;
}

/* "<module>::<function> abort <code> (<name>)" for a Move abort, else the error text. */
static void describe_abort(const daas_sui_exec_result *r, char *detail, size_t sz)
{
    const char *m = r->abort_module, *shortm, *name;

    if (!r->has_abort_code || m == NULL) {
        snprintf(detail, sz, "%s", r->error != NULL ? r->error : "execution failed");
        return;
    }
    shortm = strrchr(m, ':') != NULL ? strrchr(m, ':') + 1 : m;
    name = daas_pkg_abort_name(m, r->abort_code);
    snprintf(detail, sz, "%s::%s abort %" PRIu64 " (%s)", shortm,
             r->abort_function != NULL ? r->abort_function : "?", r->abort_code,
             name != NULL ? name : "unknown");
}

static daas_seal_errcode classify(daas_ks *ks, const daas_sui_exec_result *r, char *detail,
                                  size_t sz)
{
    if (r->success)
        return DAAS_SEAL_E_NONE;
    if (stale(ks, r)) {
        DAAS_WARN(MOD, "the full node is stale (check_staleness aborted): answering Failure");
        return DAAS_SEAL_E_FAILURE;
    }
    if (r->function_not_found) {
        snprintf(detail, sz, "The seal_approve function was not found on the module");
        return DAAS_SEAL_E_INVALID_PTB;
    }
    describe_abort(r, detail, sz);
    return DAAS_SEAL_E_NO_ACCESS;
}

daas_seal_errcode daas_ks__dry_run(daas_ks *ks, const daas_ks__ptb *p,
                                   const uint8_t user[DAAS_SEAL_ADDR_LEN], char *detail,
                                   size_t detail_sz)
{
    daas_sui_exec_result r = {0};
    daas_seal_errcode e;
    daas_err err = {0};
    uint64_t price;
    daas_buf tx;
    int rc;

    if (daas_ks__gas_price(ks, &price, &err) != DAAS_OK) {
        DAAS_WARN(MOD, "dry run: %s", err.msg);
        return DAAS_SEAL_E_FAILURE;
    }
    daas_buf_init(&tx, (size_t)DAAS_SUI_TX_MAX_BYTES);
    rc = build_tx(ks, p, user, price, &tx, &err);
    if (rc != DAAS_OK) {
        daas_buf_fini(&tx);
        snprintf(detail, detail_sz, "%s", err.msg);
        return DAAS_SEAL_E_INVALID_PTB;
    }
    rc = daas_sui_simulate(ks->cfg.client, DAAS_BYTES(tx.data, tx.len), &r, &err);
    daas_buf_fini(&tx);
    if (rc == DAAS_EREMOTE) {
        /* the node refused the transaction before running it: an object that does not
         * exist (yet), a bad argument (SPEC: specs/seal.md §6.8 InvalidArgument/NotFound) */
        snprintf(detail, detail_sz, "%s", err.msg);
        e = DAAS_SEAL_E_INVALID_PARAMETER;
    } else if (rc != DAAS_OK) {
        DAAS_WARN(MOD, "dry run: chain unreachable: %s", err.msg);
        e = DAAS_SEAL_E_FAILURE;
    } else {
        e = classify(ks, &r, detail, detail_sz);
    }
    daas_sui_exec_result_fini(&r);
    return e;
}
