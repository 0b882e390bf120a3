/*
 * test_pkg.c: the daas package client. Offline: role_of (move/README.md's rule), role names,
 * abort names. Online: against a real development chain served over HTTP in-process (devnet
 * + its GraphQL front + the GraphQL client + the PTB layer): discovery, stake / stake_of /
 * role, an unstake refused in the lock-up (no gas spent), the lock-up passing, events with
 * their cursor, the dry-run budget against the gas charged, transfers (and a clear error when
 * SUI is short), registry rules, and the AdminCap calls (slash, set_params).
 *
 * Gas:    the budget of daas_sui_tx_prepare (specs/sui.md §9, the TS SDK's) relies on Sui's
 *         rule that a transaction runs out of gas only when computation + storage − rebate
 *         exceeds the budget (sui-types gas_v2 charge_storage_and_rebate); the devnet must
 *         follow it for the transactions here to succeed.
 *
 * Owns:   one devnet (under $DAAS_TEST_TMP or /tmp), its HTTP server and a client for the
 *         online group, removed by the group teardown; every test frees its keys and results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/http.h"
#include "common/util.h"
#include "devnet/devnet.h"
#include "devnet/serve.h"
#include "sui/pkg.h"
#include "sui/ptb.h"
#include "sui/sui.h"
#include "sui/tx.h"

#define SUI (1000000000ull)
#define EPOCH_MS 3600000ull /* an hour: no epoch change during a test unless advanced */

/* ---- offline ---- */

static void test_role_of(void **state)
{
    (void)state;
    const daas_pkg_params p = {.thresholds = {1 * SUI, 10 * SUI, 100 * SUI, 1000 * SUI},
                               .lock_epochs = 1};
    const struct {
        bool present, slashed;
        uint64_t amount;
        uint8_t role;
        int want;
    } cases[] = {
        {false, false, 0, 0, DAAS_PKG_ROLE_NONE},
        {true, false, 10 * SUI, 2, DAAS_PKG_ROLE_USER},
        {true, false, 10 * SUI - 1, 2, DAAS_PKG_ROLE_VIEWER}, /* falls to a lower tier */
        {true, false, SUI - 1, 2, DAAS_PKG_ROLE_NONE},        /* below every threshold */
        {true, false, 5000 * SUI, 1, DAAS_PKG_ROLE_VIEWER},   /* never above the requested */
        {true, false, 5000 * SUI, 4, DAAS_PKG_ROLE_ADMIN},
        {true, false, 999 * SUI, 4, DAAS_PKG_ROLE_NODE},
        {true, true, 5000 * SUI, 4, DAAS_PKG_ROLE_NONE},   /* slashed */
        {true, false, 5000 * SUI, 0, DAAS_PKG_ROLE_NONE},  /* no tier requested */
        {true, false, 5000 * SUI, 9, DAAS_PKG_ROLE_ADMIN}, /* out of range: capped */
        {true, false, 0, 3, DAAS_PKG_ROLE_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        daas_pkg_stake_info s = {.present = cases[i].present,
                                 .amount = cases[i].amount,
                                 .role = cases[i].role,
                                 .slashed = cases[i].slashed};
        if (daas_pkg_role_of(&p, &s) != cases[i].want)
            fail_msg("case %zu: role %d, want %d", i, daas_pkg_role_of(&p, &s), cases[i].want);
    }
}

static void test_role_names(void **state)
{
    (void)state;
    const char *names[] = {"none", "viewer", "user", "node", "admin"};
    daas_err err = {0};
    int r = -1;
    for (int i = 0; i <= 4; i++) {
        char digit[2] = {(char)('0' + i), 0};
        assert_string_equal(daas_pkg_role_name(i), names[i]);
        assert_int_equal(daas_pkg_role_parse(names[i], &r, &err), DAAS_OK);
        assert_int_equal(r, i);
        assert_int_equal(daas_pkg_role_parse(digit, &r, &err), DAAS_OK);
        assert_int_equal(r, i);
    }
    assert_string_equal(daas_pkg_role_name(5), "invalid");
    assert_string_equal(daas_pkg_role_name(-1), "invalid");
    assert_int_equal(daas_pkg_role_parse("Admin", &r, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_pkg_role_parse("5", &r, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_pkg_role_parse("", &r, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_pkg_role_parse(NULL, &r, &err), DAAS_EINVAL);
}

static void test_abort_names(void **state)
{
    (void)state;
    assert_string_equal(daas_pkg_abort_name("0x42::staking", 6), "ELocked");
    assert_string_equal(daas_pkg_abort_name("staking", 1), "EBadRole");
    assert_string_equal(daas_pkg_abort_name("staking", 9), "EBadThresholds");
    assert_null(daas_pkg_abort_name("staking", 10));
    assert_null(daas_pkg_abort_name("staking", 0));
    assert_string_equal(daas_pkg_abort_name("0x42::registry", 1), "ENotNode");
    assert_string_equal(daas_pkg_abort_name("registry", 6), "ENoNode");
    assert_null(daas_pkg_abort_name("registry", 7));
    assert_null(daas_pkg_abort_name("0x1::enclave", 0));
    assert_string_equal(daas_pkg_abort_name("0x1::enclave", 4), "EDebugNotAllowed");
    assert_string_equal(daas_pkg_abort_name("scheduling", 4), "ESeqGap");
    assert_string_equal(daas_pkg_abort_name("0x2::nitro_attestation", 2), "EVerifyError");
    assert_null(daas_pkg_abort_name("secret_policy", 0));
    assert_string_equal(daas_pkg_abort_name("secret_policy", 6), "EUsageLimit");
    assert_string_equal(daas_pkg_abort_name("0x5ea1::time", 93492), "EStaleFullnode");
    assert_null(daas_pkg_abort_name("coin", 1));
    assert_null(daas_pkg_abort_name(NULL, 1));
}

/* ---- online: a devnet on loopback ---- */

typedef struct fixture {
    char *dir;             /* the devnet's state directory */
    daas_devnet *d;        /* the chain */
    daas_http_server *srv; /* its GraphQL front */
    daas_sui_client *c;    /* the client under test */
    daas_pkg pkg;          /* discovered in group setup */
    uint8_t package[DAAS_SUI_ADDRESS_LEN];
} fixture;

static fixture fx;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static int online_setup(void **state)
{
    (void)state;
    daas_err err = {0};
    char url[80];
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    fx.dir = daas_xasprintf("%s/suipkg-XXXXXX", base);
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    daas_devnet_opts o = {.dir = fx.dir, .epoch_ms = EPOCH_MS};
    daas_http_config cfg = {
        .bind_addr = "127.0.0.1", .threads = 2, .handler = daas_devnet_http_handler};
    int rc = daas_devnet_open(&o, &fx.d, &err);
    cfg.arg = fx.d;
    if (rc == DAAS_OK)
        rc = daas_http_server_new(&cfg, &fx.srv, &err);
    if (rc == DAAS_OK)
        rc = daas_http_server_start(fx.srv, &err);
    if (rc == DAAS_OK) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/graphql", daas_http_server_port(fx.srv));
        daas_sui_client_opts co = {.url = url, .retries = 0, .timeout_ms = 20000};
        rc = daas_sui_client_new(&co, &fx.c, &err);
    }
    if (rc == DAAS_OK) {
        daas_devnet_package(fx.d, fx.package);
        rc = daas_pkg_discover(fx.c, fx.package, &fx.pkg, &err);
    }
    if (rc != DAAS_OK)
        fprintf(stderr, "online setup: %s\n", err.msg);
    return rc == DAAS_OK ? 0 : -1;
}

static int online_teardown(void **state)
{
    (void)state;
    daas_sui_client_free(&fx.c);
    if (fx.srv != NULL)
        daas_http_server_stop(fx.srv);
    daas_http_server_free(&fx.srv);
    daas_devnet_close(&fx.d);
    nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(fx.dir);
    return 0;
}

/* A fresh Ed25519 key with the faucet's coins (2 × 100 SUI by default). */
static daas_sui_key *funded_key(void)
{
    daas_sui_key *k = NULL;
    daas_sui_coin coins[4];
    size_t n = 0;
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_err err = {0};
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, &err), DAAS_OK);
    daas_sui_key_address(k, addr);
    assert_int_equal(daas_devnet_faucet(fx.d, addr, coins, 4, &n, digest, &err), DAAS_OK);
    assert_true(n > 0);
    return k;
}

/* Total Coin<SUI> balance of addr, through the client. */
static uint64_t balance_of(const uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_coin *coins = NULL;
    size_t n = 0;
    uint64_t sum = 0;
    daas_err err = {0};
    assert_int_equal(daas_sui_get_coins(fx.c, addr, 1000, &coins, &n, &err), DAAS_OK);
    for (size_t i = 0; i < n; i++)
        sum += coins[i].balance;
    daas_free(coins);
    return sum;
}

static uint64_t key_balance(const daas_sui_key *k)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_key_address(k, addr);
    return balance_of(addr);
}

/* Asserts DAAS_OK, showing the error's text otherwise. */
#define OK(call)                                                                                   \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != DAAS_OK)                                                                        \
            fail_msg("%s: %s (%s)", #call, daas_err_name(rc_), err.msg);                           \
    } while (0)

/* What a transaction was charged: computation + storage − rebate. */
static uint64_t charged(const daas_sui_exec_result *r)
{
    return r->gas.computation + r->gas.storage - r->gas.rebate;
}

static void must_contain(const daas_err *err, const char *needle)
{
    if (strstr(err->msg, needle) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", err->msg, needle);
}

static void test_discover(void **state)
{
    (void)state;
    daas_pkg_params p;
    daas_pkg again;
    daas_err err = {0};
    uint8_t other[DAAS_SUI_ADDRESS_LEN];
    assert_memory_equal(fx.pkg.package, fx.package, DAAS_SUI_ADDRESS_LEN);
    assert_true(fx.pkg.pool_isv > 0);
    assert_true(fx.pkg.registry_isv > 0);
    assert_memory_not_equal(fx.pkg.pool, fx.pkg.registry, DAAS_SUI_ADDRESS_LEN);
    assert_memory_not_equal(fx.pkg.stakes, fx.pkg.pool, DAAS_SUI_ADDRESS_LEN);
    /* the Pool really is at that id, and shared */
    daas_sui_object pool = {0};
    OK(daas_sui_get_object(fx.c, fx.pkg.pool, &pool, &err));
    assert_non_null(strstr(pool.type, "::staking::Pool"));
    assert_int_equal(pool.owner_kind, DAAS_SUI_OWNER_SHARED);
    assert_int_equal(pool.initial_shared_version, fx.pkg.pool_isv);
    daas_sui_object_fini(&pool);
    /* genesis parameters of move/README.md */
    OK(daas_pkg_get_params(fx.c, &fx.pkg, &p, &err));
    assert_int_equal(p.thresholds[0], 1 * SUI);
    assert_int_equal(p.thresholds[1], 10 * SUI);
    assert_int_equal(p.thresholds[2], 100 * SUI);
    assert_int_equal(p.thresholds[3], 1000 * SUI);
    assert_int_equal(p.lock_epochs, 1);
    /* another address is not the package */
    memset(other, 0x5e, sizeof(other));
    assert_int_equal(daas_pkg_discover(fx.c, other, &again, &err), DAAS_ENOTFOUND);
    must_contain(&err, "::staking::Pool");
}

/* Collects the events of one staker. */
typedef struct seen {
    uint8_t staker[DAAS_SUI_ADDRESS_LEN];
    char names[8][24];
    uint64_t amounts[8]; /* Staked.amount / Unstaked.remaining */
    size_t n, all;
} seen;

static int on_event(void *arg, const daas_pkg_event *ev, daas_err *err)
{
    seen *s = arg;
    (void)err;
    s->all++;
    assert_non_null(strstr(ev->type, "::staking::"));
    if (!ev->has_staker || memcmp(ev->staker, s->staker, DAAS_SUI_ADDRESS_LEN) != 0)
        return DAAS_OK;
    assert_memory_equal(ev->sender, s->staker, DAAS_SUI_ADDRESS_LEN);
    assert_true(s->n < 8);
    snprintf(s->names[s->n], sizeof(s->names[0]), "%s", ev->name);
    const char *f = strcmp(ev->name, "Staked") == 0 ? "amount" : "remaining";
    const char *v = json_string_value(json_object_get(ev->json, f));
    s->amounts[s->n] =
        v ? strtoull(v, NULL, 10) : (uint64_t)json_integer_value(json_object_get(ev->json, f));
    s->n++;
    return DAAS_OK;
}

static void poll(char **cursor, seen *s)
{
    daas_err err = {0};
    s->n = s->all = 0;
    OK(daas_pkg_poll_events(fx.c, &fx.pkg, cursor, on_event, s, &err));
}

static void check_stake(const daas_sui_key *k, uint64_t amount, int role, int want_role)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_pkg_stake_info s;
    daas_pkg_params p;
    daas_err err = {0};
    daas_sui_key_address(k, addr);
    OK(daas_pkg_stake_of(fx.c, &fx.pkg, addr, &s, &err));
    assert_int_equal(s.present, amount > 0);
    assert_int_equal(s.amount, amount);
    if (amount > 0)
        assert_int_equal(s.role, role);
    assert_false(s.slashed);
    OK(daas_pkg_get_params(fx.c, &fx.pkg, &p, &err));
    assert_int_equal(daas_pkg_role_of(&p, &s), want_role);
}

static void test_stake_lifecycle(void **state)
{
    (void)state;
    daas_sui_key *k = funded_key();
    daas_sui_exec_result r;
    daas_err err = {0};
    seen s = {0};
    char *cursor = NULL;
    daas_sui_key_address(k, s.staker);
    uint64_t b0 = key_balance(k);
    assert_int_equal(b0, 200 * SUI);
    check_stake(k, 0, 0, DAAS_PKG_ROLE_NONE);

    /* stake 10 SUI as user: the balance drops by exactly amount + gas */
    OK(daas_pkg_stake(fx.c, k, &fx.pkg, 10 * SUI, DAAS_PKG_ROLE_USER, &r, &err));
    assert_true(r.success);
    uint64_t b1 = key_balance(k);
    assert_int_equal(b1, b0 - 10 * SUI - charged(&r));
    assert_true(charged(&r) > 0);
    daas_sui_exec_result_fini(&r);
    check_stake(k, 10 * SUI, DAAS_PKG_ROLE_USER, DAAS_PKG_ROLE_USER);
    daas_pkg_stake_info st;
    OK(daas_pkg_stake_of(fx.c, &fx.pkg, s.staker, &st, &err));
    assert_int_equal(st.locked_until, daas_devnet_epoch(fx.d) + 1);

    /* unstake in the lock-up: refused by the dry run, no gas spent */
    assert_int_equal(daas_pkg_unstake(fx.c, k, &fx.pkg, 5 * SUI, &r, &err), DAAS_EFAILED);
    must_contain(&err, "staking");
    must_contain(&err, "code 6");
    must_contain(&err, "ELocked");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    assert_int_equal(key_balance(k), b1);

    /* after the lock-up: unstake 5 SUI, the role drops to viewer */
    daas_devnet_advance_clock(fx.d, EPOCH_MS);
    assert_true(daas_devnet_epoch(fx.d) >= st.locked_until);
    OK(daas_pkg_unstake(fx.c, k, &fx.pkg, 5 * SUI, &r, &err));
    assert_int_equal(key_balance(k), b1 + 5 * SUI - charged(&r));
    daas_sui_exec_result_fini(&r);
    check_stake(k, 5 * SUI, DAAS_PKG_ROLE_USER, DAAS_PKG_ROLE_VIEWER);

    /* events from the beginning: Staked then Unstaked, in order */
    poll(&cursor, &s);
    assert_non_null(cursor);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.names[0], "Staked");
    assert_int_equal(s.amounts[0], 10 * SUI);
    assert_string_equal(s.names[1], "Unstaked");
    assert_int_equal(s.amounts[1], 5 * SUI);
    /* nothing new: the cursor stays put */
    char *before = daas_xstrdup(cursor);
    poll(&cursor, &s);
    assert_int_equal(s.all, 0);
    assert_string_equal(cursor, before);
    daas_free(before);
    /* the rest: one Unstaked with nothing remaining, and the entry is gone */
    OK(daas_pkg_unstake(fx.c, k, &fx.pkg, 5 * SUI, &r, &err));
    daas_sui_exec_result_fini(&r);
    poll(&cursor, &s);
    assert_int_equal(s.all, 1);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.names[0], "Unstaked");
    assert_int_equal(s.amounts[0], 0);
    check_stake(k, 0, 0, DAAS_PKG_ROLE_NONE);
    daas_free(cursor);
    daas_sui_key_free(&k);
}

static void test_transfer_and_budget(void **state)
{
    (void)state;
    daas_sui_key *a = funded_key(), *b = NULL;
    uint8_t addr_a[DAAS_SUI_ADDRESS_LEN], addr_b[DAAS_SUI_ADDRESS_LEN];
    daas_sui_exec_result r;
    daas_err err = {0};
    daas_sui_tx tx;
    daas_buf bytes;
    OK(daas_sui_key_generate(DAAS_SUI_ED25519, &b, &err));
    daas_sui_key_address(a, addr_a);
    daas_sui_key_address(b, addr_b);

    /* prepare by hand: the budget from the dry run covers what execution charges */
    daas_sui_ptbb *pb = daas_sui_ptbb_new();
    daas_sui_arg amt, coin, to;
    OK(daas_sui_ptbb_pure_u64(pb, 3 * SUI, &amt, &err));
    OK(daas_sui_ptbb_split_coins(pb, DAAS_SUI_GAS_COIN, &amt, 1, &coin, &err));
    OK(daas_sui_ptbb_pure_address(pb, addr_b, &to, &err));
    OK(daas_sui_ptbb_transfer_objects(pb, &coin, 1, to, &err));
    daas_sui_tx_opts o = {.spend = 3 * SUI};
    daas_buf_init(&bytes, 0);
    OK(daas_sui_tx_prepare(fx.c, addr_a, pb, &o, &bytes, &err));
    OK(daas_sui_tx_decode(DAAS_BYTES(bytes.data, bytes.len), &tx, &err));
    assert_int_equal(tx.gas.price, daas_devnet_ref_gas_price(fx.d));
    OK(daas_sui_tx_sign_execute(fx.c, a, DAAS_BYTES(bytes.data, bytes.len), &r, &err));
    assert_true(charged(&r) > 0);
    assert_true(tx.gas.budget >= charged(&r));
    assert_true(tx.gas.budget >= r.gas.computation);
    assert_int_equal(balance_of(addr_b), 3 * SUI);
    assert_int_equal(balance_of(addr_a), 200 * SUI - 3 * SUI - charged(&r));
    daas_sui_exec_result_fini(&r);
    daas_sui_tx_fini(&tx);
    daas_buf_fini(&bytes);
    daas_sui_ptbb_free(&pb);

    /* the convenience call */
    OK(daas_sui_transfer_sui(fx.c, a, addr_b, SUI, &r, &err));
    daas_sui_exec_result_fini(&r);
    assert_int_equal(balance_of(addr_b), 4 * SUI);
    /* more than there is: a clear error, nothing submitted */
    uint64_t have = balance_of(addr_a);
    assert_int_equal(daas_sui_transfer_sui(fx.c, a, addr_b, 1000 * SUI, &r, &err), DAAS_EINVAL);
    must_contain(&err, "insufficient SUI");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    assert_int_equal(balance_of(addr_a), have);
    /* b has 4 SUI: sending all of it leaves nothing for gas */
    assert_int_equal(daas_sui_transfer_sui(fx.c, b, addr_a, 4 * SUI, &r, &err), DAAS_EINVAL);
    must_contain(&err, "insufficient SUI for gas: have 4000000000 MIST");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_transfer_sui(fx.c, a, addr_b, 0, &r, &err), DAAS_EINVAL);
    daas_sui_key_free(&a);
    daas_sui_key_free(&b);
}

static void test_registry(void **state)
{
    (void)state;
    daas_sui_key *k = funded_key();
    daas_sui_exec_result r;
    daas_err err = {0};
    /* no node stake: registry aborts ENotNode (1) in the dry run */
    assert_int_equal(daas_pkg_register_node(fx.c, k, &fx.pkg, "node-1", "10.0.0.1:10250", &r, &err),
                     DAAS_EFAILED);
    must_contain(&err, "registry::register_node");
    must_contain(&err, "code 1");
    must_contain(&err, "ENotNode");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    /* with 100 SUI staked as node it registers, then drains */
    OK(daas_pkg_stake(fx.c, k, &fx.pkg, 100 * SUI, DAAS_PKG_ROLE_NODE, &r, &err));
    daas_sui_exec_result_fini(&r);
    check_stake(k, 100 * SUI, DAAS_PKG_ROLE_NODE, DAAS_PKG_ROLE_NODE);
    OK(daas_pkg_register_node(fx.c, k, &fx.pkg, "node-1", "10.0.0.1:10250", &r, &err));
    assert_true(r.success);
    assert_true(r.n_events >= 1);
    assert_non_null(strstr(r.events[0].type, "::registry::NodeRegistered"));
    daas_sui_exec_result_fini(&r);
    OK(daas_pkg_set_node_status(fx.c, k, &fx.pkg, "node-1", 2, &r, &err));
    daas_sui_exec_result_fini(&r);
    /* a bad name is the chain's EBadName (2) */
    assert_int_equal(daas_pkg_register_node(fx.c, k, &fx.pkg, "Node_1", "x", &r, &err),
                     DAAS_EFAILED);
    must_contain(&err, "EBadName");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    /* staking with a bad role is EBadRole (1) */
    assert_int_equal(daas_pkg_stake(fx.c, k, &fx.pkg, SUI, 5, &r, &err), DAAS_EFAILED);
    must_contain(&err, "EBadRole");
    daas_sui_exec_result_fini(&r);
    daas_sui_key_free(&k);
}

static void test_admin(void **state)
{
    (void)state;
    const daas_sui_key *admin = daas_devnet_publisher(fx.d);
    daas_sui_key *k = funded_key();
    uint8_t admin_addr[DAAS_SUI_ADDRESS_LEN], addr[DAAS_SUI_ADDRESS_LEN], evidence[32];
    daas_sui_objref cap;
    daas_sui_exec_result r;
    daas_pkg_stake_info st;
    daas_pkg_params p;
    daas_err err = {0};
    daas_sui_key_address(admin, admin_addr);
    daas_sui_key_address(k, addr);
    OK(daas_pkg_find_admin_cap(fx.c, &fx.pkg, admin_addr, &cap, &err));
    assert_int_equal(daas_pkg_find_admin_cap(fx.c, &fx.pkg, addr, &cap, &err), DAAS_ENOTFOUND);
    daas_err_clear(&err);
    /* a staker without the AdminCap cannot slash */
    assert_int_equal(daas_pkg_slash(fx.c, k, &fx.pkg, addr, 0, DAAS_BYTES(evidence, 32), &r, &err),
                     DAAS_ENOTFOUND);
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);

    OK(daas_pkg_stake(fx.c, k, &fx.pkg, 20 * SUI, DAAS_PKG_ROLE_USER, &r, &err));
    daas_sui_exec_result_fini(&r);
    /* evidence must be 32 bytes: EBadEvidence (8) */
    memset(evidence, 0xee, sizeof(evidence));
    assert_int_equal(
        daas_pkg_slash(fx.c, admin, &fx.pkg, addr, SUI, DAAS_BYTES(evidence, 31), &r, &err),
        DAAS_EFAILED);
    must_contain(&err, "EBadEvidence");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    OK(daas_pkg_slash(fx.c, admin, &fx.pkg, addr, 5 * SUI, DAAS_BYTES(evidence, 32), &r, &err));
    daas_sui_exec_result_fini(&r);
    OK(daas_pkg_stake_of(fx.c, &fx.pkg, addr, &st, &err));
    assert_true(st.slashed);
    assert_int_equal(st.amount, 15 * SUI);
    OK(daas_pkg_get_params(fx.c, &fx.pkg, &p, &err));
    assert_int_equal(daas_pkg_role_of(&p, &st), DAAS_PKG_ROLE_NONE);

    /* set_params (two equal thresholds share one pure input) and back */
    daas_pkg_params np = {.thresholds = {2 * SUI, 2 * SUI, 200 * SUI, 2000 * SUI},
                          .lock_epochs = 2};
    OK(daas_pkg_set_params(fx.c, admin, &fx.pkg, &np, &r, &err));
    daas_sui_exec_result_fini(&r);
    OK(daas_pkg_get_params(fx.c, &fx.pkg, &p, &err));
    assert_memory_equal(&p, &np, sizeof(p));
    daas_pkg_params bad = {.thresholds = {5, 4, 3, 2}, .lock_epochs = 1};
    assert_int_equal(daas_pkg_set_params(fx.c, admin, &fx.pkg, &bad, &r, &err), DAAS_EFAILED);
    must_contain(&err, "EBadThresholds");
    daas_sui_exec_result_fini(&r);
    daas_err_clear(&err);
    daas_pkg_params orig = {.thresholds = {1 * SUI, 10 * SUI, 100 * SUI, 1000 * SUI},
                            .lock_epochs = 1};
    OK(daas_pkg_set_params(fx.c, admin, &fx.pkg, &orig, &r, &err));
    daas_sui_exec_result_fini(&r);
    daas_sui_key_free(&k);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_role_of),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_abort_names),
    };
    const struct CMUnitTest online[] = {
        cmocka_unit_test(test_discover),
        cmocka_unit_test(test_stake_lifecycle),
        cmocka_unit_test(test_transfer_and_budget),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_admin),
    };
    int failed = cmocka_run_group_tests_name("offline", offline, NULL, NULL);
    failed += cmocka_run_group_tests_name("devnet", online, online_setup, online_teardown);
    return failed;
}
