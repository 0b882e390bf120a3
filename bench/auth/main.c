/*
 * bench/auth: wallet-token verifications per second and devnet transactions per second.
 *
 * Owns:   nothing beyond its run. It opens a development chain in a temporary directory,
 *         serves it on loopback (plain HTTP: a benchmark, not a listener anyone else uses),
 *         funds and stakes wallets through the real client, then measures:
 *   a. token checks through the Sui authenticator with its stake source on the chain:
 *      cold   (a new token each time and the stake cache emptied: signature + chain read),
 *      warm   (a new token each time, stake cached: the signature check dominates),
 *      cached (the same token again, as kubectl sends it for every request of a command);
 *   b. devnet transactions: SUI transfers through the client (coins read, dry run, sign,
 *      execute: what `daas sui` does), and executions in-process (checks + execution +
 *      SQLite commit, no HTTP).
 * Usage:  bench_auth [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/authn_sui.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "devnet/node.h"
#include "sui/chain.h"
#include "sui/pkg.h"
#include "sui/ptb.h"
#include "sui/token.h"
#include "sui/tx.h"

typedef struct bench {
    daas_devnet_node *node;
    daas_devnet *chain;
    daas_sui_client *client;
    daas_pkg pkg;
    daas_pkg_params params;
} bench;

static void die(const char *what, const daas_err *err)
{
    fprintf(stderr, "bench_auth: %s: %s\n", what, err->msg[0] ? err->msg : daas_err_text(err->code));
    exit(1);
}

static double now_s(void)
{
    return (double)daas_mono_ns() / 1e9;
}

static int stake_lookup(void *self, const uint8_t addr[32], daas_stake_info *out, daas_err *err)
{
    bench *b = self;
    daas_pkg_stake_info st = {0};
    int rc = daas_pkg_stake_of(b->client, &b->pkg, addr, &st, err);
    if (rc == DAAS_OK) {
        out->role = daas_pkg_role_of(&b->params, &st);
        out->amount = st.amount;
        out->slashed = st.slashed;
    }
    return rc;
}

/* A funded wallet staked at the user tier. */
static daas_sui_key *staked_wallet(bench *b)
{
    daas_sui_key *k = NULL;
    daas_err err = {0};
    uint8_t addr[32];
    daas_sui_coin coins[8];
    size_t n = 0;
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    daas_sui_exec_result r = {0};
    if (daas_sui_key_generate(DAAS_SUI_ED25519, &k, &err) != DAAS_OK)
        die("keygen", &err);
    daas_sui_key_address(k, addr);
    if (daas_devnet_faucet(b->chain, addr, coins, 8, &n, digest, &err) != DAAS_OK)
        die("faucet", &err);
    if (daas_pkg_stake(b->client, k, &b->pkg, b->params.thresholds[1], DAAS_PKG_ROLE_USER, &r,
                       &err) != DAAS_OK)
        die("stake", &err);
    daas_sui_exec_result_fini(&r);
    return k;
}

static char *make_token(const daas_sui_key *k)
{
    char *tok = NULL;
    int64_t exp = 0;
    daas_err err = {0};
    if (daas_sui_token_make(k, "bench", daas_now_ms(), 300000, &tok, &exp, &err) != DAAS_OK)
        die("token", &err);
    return tok;
}

static void check(daas_authn_sui *a, const char *tok)
{
    daas_user u;
    daas_err err = {0};
    if (daas_authn_sui_check(a, tok, strlen(tok), &u, &err) != DAAS_OK)
        die("token check", &err);
}

/* mode 0 cold, 1 warm, 2 cached: checks per second over n checks. */
static double token_rate(bench *b, daas_authn_sui *a, const daas_sui_key *k, int mode, int n)
{
    char **toks = daas_xcalloc((size_t)n, sizeof *toks);
    for (int i = 0; i < n; i++)
        toks[i] = mode == 2 && i > 0 ? NULL : make_token(k);
    check(a, toks[0]); /* the stake is cached now */
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (mode == 0)
            daas_authn_sui_invalidate_all(a);
        check(a, toks[mode == 2 ? 0 : i]);
    }
    double rate = n / (now_s() - t0);
    for (int i = 0; i < n; i++)
        daas_free(toks[i]);
    daas_free(toks);
    (void)b;
    return rate;
}

static double client_tx_rate(bench *b, const daas_sui_key *k, int n)
{
    uint8_t to[32] = {0x42};
    daas_err err = {0};
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        daas_sui_exec_result r = {0};
        if (daas_sui_transfer_sui(b->client, k, to, 1000, &r, &err) != DAAS_OK)
            die("transfer", &err);
        daas_sui_exec_result_fini(&r);
    }
    return n / (now_s() - t0);
}

/* Transfers executed in-process: PTB and gas built by hand from the current gas coin. */
static double inproc_tx_rate(bench *b, const daas_sui_key *k, int n)
{
    uint8_t from[32], to[32] = {0x43};
    daas_err err = {0};
    daas_sui_key_address(k, from);
    daas_sui_coin *coins = NULL;
    size_t nc = 0;
    if (daas_sui_get_coins(b->client, from, 64, &coins, &nc, &err) != DAAS_OK || nc == 0)
        die("coins", &err);
    daas_sui_objref gas = coins[0].ref;
    daas_free(coins);
    daas_sui_ptbb *p = daas_sui_ptbb_new();
    daas_sui_arg amt, addr, coin;
    if (daas_sui_ptbb_pure_u64(p, 1000, &amt, &err) != DAAS_OK ||
        daas_sui_ptbb_pure_address(p, to, &addr, &err) != DAAS_OK ||
        daas_sui_ptbb_split_coins(p, DAAS_SUI_GAS_COIN, &amt, 1, &coin, &err) != DAAS_OK ||
        daas_sui_ptbb_transfer_objects(p, &coin, 1, addr, &err) != DAAS_OK)
        die("ptb", &err);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        daas_sui_tx tx = {.kind = *daas_sui_ptbb_ptb(p)};
        memcpy(tx.sender, from, 32);
        tx.gas = (daas_sui_gas){.n_payment = 1, .payment = &gas, .price = 1000,
                                .budget = 50000000};
        memcpy(tx.gas.owner, from, 32);
        daas_buf bytes = {0};
        char *sig = NULL;
        daas_sui_exec_result r = {0};
        daas_sui_object o = {0};
        if (daas_sui_tx_encode(&tx, &bytes, &err) != DAAS_OK ||
            daas_sui_sign_transaction(k, DAAS_BYTES(bytes.data, bytes.len), &sig, &err) != DAAS_OK ||
            daas_devnet_execute(b->chain, DAAS_BYTES(bytes.data, bytes.len),
                                (const char *const *)&sig, 1, false, &r, &err) != DAAS_OK ||
            !r.success || daas_devnet_get_object(b->chain, gas.id, &o, &err) != DAAS_OK)
            die("in-process execute", &err);
        gas = o.ref;
        daas_sui_object_fini(&o);
        daas_sui_exec_result_fini(&r);
        daas_free(sig);
        daas_buf_fini(&bytes);
    }
    double rate = n / (now_s() - t0);
    daas_sui_ptbb_free(&p);
    return rate;
}

static void setup(bench *b, const char *dir)
{
    daas_err err = {0};
    daas_devnet_node_opts no = {.dir = dir, .threads = 2};
    daas_sui_chain ch;
    if (daas_devnet_node_start(&no, &b->node, &err) != DAAS_OK)
        die("devnet", &err);
    b->chain = daas_devnet_node_chain(b->node);
    if (daas_sui_chain_resolve(daas_devnet_node_chain_file(b->node), NULL, &ch, &err) != DAAS_OK ||
        daas_sui_chain_client(&ch, &b->client, &err) != DAAS_OK ||
        daas_pkg_discover(b->client, ch.package, &b->pkg, &err) != DAAS_OK ||
        daas_pkg_get_params(b->client, &b->pkg, &b->params, &err) != DAAS_OK)
        die("client", &err);
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    int n_cold = quick ? 100 : 500, n_warm = quick ? 500 : 5000, n_cached = quick ? 5000 : 200000;
    int n_client = quick ? 20 : 200, n_inproc = quick ? 100 : 1000;
    daas_log_set_level(DAAS_LOG_WARN);
    char dir[] = "/tmp/bench-auth-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    bench b = {0};
    setup(&b, dir);
    daas_sui_key *k = staked_wallet(&b);
    daas_authn_sui *a = NULL;
    daas_err err = {0};
    /* The new-wallet rate limit (50/s by default) is lifted: this measures what one core can
     * verify, not the limit. */
    daas_authn_sui_opts ao = {.cluster_id = "bench", .source = {stake_lookup, &b},
                              .lookups_per_s = 1000000};
    if (daas_authn_sui_new(&ao, &a, &err) != DAAS_OK)
        die("authenticator", &err);

    printf("bench_auth: tokens (Ed25519) through the Sui authenticator, stake on the devnet\n");
    printf("  cold   (new token, stake read from the chain): %9.0f checks/s\n",
           token_rate(&b, a, k, 0, n_cold));
    printf("  warm   (new token, stake cached):             %9.0f checks/s\n",
           token_rate(&b, a, k, 1, n_warm));
    printf("  cached (same token again):                    %9.0f checks/s\n",
           token_rate(&b, a, k, 2, n_cached));
    printf("bench_auth: devnet transactions (SUI transfers, one sender)\n");
    printf("  through the client (coins, dry run, sign, execute over HTTP): %7.1f tx/s\n",
           client_tx_rate(&b, k, n_client));
    printf("  in-process (checks, execution, SQLite commit):                %7.1f tx/s\n",
           inproc_tx_rate(&b, k, n_inproc));

    daas_authn_sui_free(&a);
    daas_sui_key_free(&k);
    daas_sui_client_free(&b.client);
    daas_devnet_node_stop(&b.node);
    char *cmd = daas_xasprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    daas_free(cmd);
    return rc == 0 ? 0 : 1;
}
