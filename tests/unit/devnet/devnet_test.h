/*
 * devnet_test.h: helpers shared by the development chain's unit tests (test_chain.c,
 * test_staking.c, test_registry.c): a chain in a temporary directory, funded keys, and a
 * small builder of programmable transactions signed and executed through the public API.
 *
 * Owns:   nothing global; a dt_chain owns its directory, chain and keys (dt_chain_fini).
 * Include after cmocka.h. Every helper asserts instead of returning errors.
 */
#ifndef DAAS_TESTS_DEVNET_TEST_H
#define DAAS_TESTS_DEVNET_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/util.h"
#include "devnet/devnet.h"
#include "sui/bcs.h"
#include "sui/sui.h"
#include "sui/tx.h"

#define DT_SUI 1000000000ull
#define DT_BUDGET (50000000ull) /* 0.05 SUI: enough for every test transaction */
#define DT_COIN_TYPE                                                                               \
    "0x0000000000000000000000000000000000000000000000000000000000000002::coin::Coin<"              \
    "0x0000000000000000000000000000000000000000000000000000000000000002::sui::SUI>"

typedef struct dt_chain {
    char *dir;                         /* state directory (removed by fini) */
    daas_devnet *d;                    /* the chain */
    uint8_t pkg[DAAS_SUI_ADDRESS_LEN]; /* the daas package */
    char pkg_hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    uint8_t pool[DAAS_SUI_ADDRESS_LEN];      /* the shared Pool */
    uint8_t registry[DAAS_SUI_ADDRESS_LEN];  /* the shared Registry */
    uint8_t admin_cap[DAAS_SUI_ADDRESS_LEN]; /* the publisher's AdminCap */
    uint64_t epoch_ms;
    const uint8_t *seed; /* genesis seed (NULL: random) */
} dt_chain;

static inline int dt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

/* The id of the first live object of type (short or long form), owned by owner (or any). */
static inline void dt_find(daas_devnet *d, const uint8_t *owner, const char *type,
                           uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_page p;
    daas_err err = {0};
    assert_int_equal(daas_devnet_list_objects(d, owner, type, NULL, 50, &p, &err), DAAS_OK);
    assert_true(p.n >= 1);
    memcpy(id, p.items[0].ref.id, DAAS_SUI_ADDRESS_LEN);
    daas_sui_page_fini(&p);
}

static inline void dt_open(dt_chain *c)
{
    daas_devnet_opts o = {.dir = c->dir, .epoch_ms = c->epoch_ms, .genesis_seed = c->seed};
    daas_err err = {0};
    char *t;
    uint8_t pub[DAAS_SUI_ADDRESS_LEN];
    int rc = daas_devnet_open(&o, &c->d, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "devnet open: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    daas_devnet_package(c->d, c->pkg);
    daas_sui_address_hex(c->pkg, c->pkg_hex);
    t = daas_xasprintf("%s::staking::Pool", c->pkg_hex);
    dt_find(c->d, NULL, t, c->pool);
    daas_free(t);
    t = daas_xasprintf("%s::registry::Registry", c->pkg_hex);
    dt_find(c->d, NULL, t, c->registry);
    daas_free(t);
    t = daas_xasprintf("%s::staking::AdminCap", c->pkg_hex);
    daas_sui_key_address(daas_devnet_publisher(c->d), pub);
    dt_find(c->d, pub, t, c->admin_cap);
    daas_free(t);
}

/* A fresh chain in a new temporary directory (epoch_ms 0: a day). */
static inline void dt_chain_init(dt_chain *c, uint64_t epoch_ms)
{
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    memset(c, 0, sizeof(*c));
    c->dir = daas_xasprintf("%s/devnet-XXXXXX", base);
    assert_non_null(mkdtemp(c->dir));
    c->epoch_ms = epoch_ms;
    dt_open(c);
}

static inline void dt_chain_fini(dt_chain *c)
{
    daas_devnet_close(&c->d);
    nftw(c->dir, dt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(c->dir);
    memset(c, 0, sizeof(*c));
}

static inline daas_sui_key *dt_key(void)
{
    daas_sui_key *k = NULL;
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, NULL), DAAS_OK);
    return k;
}

static inline void dt_addr(const daas_sui_key *k, uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_key_address(k, out);
}

/* The current ref of a live object; asserts it exists. */
static inline daas_sui_objref dt_ref(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_object o;
    daas_err err = {0};
    assert_int_equal(daas_devnet_get_object(d, id, &o, &err), DAAS_OK);
    daas_sui_objref r = o.ref;
    daas_sui_object_fini(&o);
    return r;
}

/* A coin's balance from its JSON ("balance" as a decimal string), checked against its BCS. */
static inline uint64_t dt_balance(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(d, id, &o, NULL), DAAS_OK);
    assert_string_equal(o.type, DT_COIN_TYPE);
    const char *s = json_string_value(json_object_get(o.json, "balance"));
    assert_non_null(s);
    uint64_t v = strtoull(s, NULL, 10);
    assert_int_equal(o.bcs_len, 40);
    uint64_t b = 0;
    for (int i = 7; i >= 0; i--)
        b = (b << 8) | o.bcs[32 + i];
    assert_true(b == v);
    daas_sui_object_fini(&o);
    return v;
}

static inline bool dt_exists(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_object o;
    daas_err err = {0};
    int rc = daas_devnet_get_object(d, id, &o, &err);
    assert_true(rc == DAAS_OK || rc == DAAS_ENOTFOUND);
    daas_sui_object_fini(&o);
    return rc == DAAS_OK;
}

/* Faucet coins for k (2 × 100 SUI by default); coins[0..1] filled. */
static inline void dt_fund(daas_devnet *d, const daas_sui_key *k, daas_sui_coin coins[2])
{
    uint8_t a[DAAS_SUI_ADDRESS_LEN];
    size_t n = 0;
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    daas_err err = {0};
    dt_addr(k, a);
    int rc = daas_devnet_faucet(d, a, coins, 2, &n, digest, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "faucet: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    assert_int_equal(n, 2);
}

/* ---- a PTB builder (fixed capacities; everything lives in the struct) ---- */

#define DT_MAX 16
typedef struct dt_ptb {
    daas_sui_input in[DT_MAX];
    uint8_t pure[DT_MAX][96];
    size_t n_in;
    daas_sui_command cmd[DT_MAX];
    daas_sui_arg args[DT_MAX][DT_MAX];
    char names[DT_MAX][2][32];
    size_t n_cmd;
    daas_sui_objref gas[4];
    size_t n_gas;
    uint64_t price, budget;
    daas_sui_expiration exp;
} dt_ptb;

static inline void dt_ptb_init(dt_ptb *p)
{
    memset(p, 0, sizeof(*p));
    p->price = 1000;
    p->budget = DT_BUDGET;
}

static inline daas_sui_arg dt_pure(dt_ptb *p, const void *bytes, size_t len)
{
    assert_true(p->n_in < DT_MAX && len <= sizeof(p->pure[0]));
    memcpy(p->pure[p->n_in], bytes, len);
    p->in[p->n_in] =
        (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = p->pure[p->n_in], .pure_len = len};
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p->n_in++};
}

static inline daas_sui_arg dt_u64(dt_ptb *p, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return dt_pure(p, b, 8);
}

static inline daas_sui_arg dt_u8(dt_ptb *p, uint8_t v)
{
    return dt_pure(p, &v, 1);
}

static inline daas_sui_arg dt_address(dt_ptb *p, const uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    return dt_pure(p, a, DAAS_SUI_ADDRESS_LEN);
}

/* vector<u8> / String: ULEB128 length (one byte here) and the bytes. */
static inline daas_sui_arg dt_vec(dt_ptb *p, const void *bytes, size_t len)
{
    uint8_t b[96];
    assert_true(len < 96 && len < 128);
    b[0] = (uint8_t)len;
    memcpy(b + 1, bytes, len);
    return dt_pure(p, b, len + 1);
}

static inline daas_sui_arg dt_str(dt_ptb *p, const char *s)
{
    return dt_vec(p, s, strlen(s));
}

static inline daas_sui_arg dt_owned(dt_ptb *p, daas_sui_objref ref)
{
    assert_true(p->n_in < DT_MAX);
    p->in[p->n_in] = (daas_sui_input){.kind = DAAS_SUI_INPUT_IMM_OR_OWNED, .ref = ref};
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p->n_in++};
}

static inline daas_sui_arg dt_shared(dt_ptb *p, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                     uint64_t isv, bool mut)
{
    assert_true(p->n_in < DT_MAX);
    p->in[p->n_in] =
        (daas_sui_input){.kind = DAAS_SUI_INPUT_SHARED,
                         .initial_shared_version = isv,
                         .mutability = mut ? DAAS_SUI_SHARED_MUTABLE : DAAS_SUI_SHARED_IMMUTABLE};
    memcpy(p->in[p->n_in].shared_id, id, DAAS_SUI_ADDRESS_LEN);
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p->n_in++};
}

static inline daas_sui_arg dt_gas(void)
{
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_GAS_COIN};
}

static inline daas_sui_arg dt_result(size_t cmd)
{
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_RESULT, .index = (uint16_t)cmd};
}

static inline daas_sui_arg dt_nested(size_t cmd, size_t sub)
{
    return (daas_sui_arg){
        .kind = DAAS_SUI_ARG_NESTED_RESULT, .index = (uint16_t)cmd, .sub = (uint16_t)sub};
}

/* Adds a command of kind with one leading argument and n more; returns its index. */
static inline size_t dt_cmd(dt_ptb *p, daas_sui_cmd_kind kind, daas_sui_arg arg,
                            const daas_sui_arg *args, size_t n)
{
    assert_true(p->n_cmd < DT_MAX && n <= DT_MAX);
    size_t i = p->n_cmd++;
    if (n > 0)
        memcpy(p->args[i], args, n * sizeof(*args));
    p->cmd[i] = (daas_sui_command){.kind = kind, .arg = arg, .n_args = n, .args = p->args[i]};
    return i;
}

static inline size_t dt_split(dt_ptb *p, daas_sui_arg coin, const daas_sui_arg *amounts, size_t n)
{
    return dt_cmd(p, DAAS_SUI_CMD_SPLIT_COINS, coin, amounts, n);
}

static inline size_t dt_merge(dt_ptb *p, daas_sui_arg dst, const daas_sui_arg *srcs, size_t n)
{
    return dt_cmd(p, DAAS_SUI_CMD_MERGE_COINS, dst, srcs, n);
}

static inline size_t dt_transfer(dt_ptb *p, const daas_sui_arg *objs, size_t n, daas_sui_arg to)
{
    return dt_cmd(p, DAAS_SUI_CMD_TRANSFER_OBJECTS, to, objs, n);
}

/* A MoveCall into package pkg. */
static inline size_t dt_call(dt_ptb *p, const uint8_t pkg[DAAS_SUI_ADDRESS_LEN], const char *module,
                             const char *function, const daas_sui_arg *args, size_t n)
{
    size_t i = dt_cmd(p, DAAS_SUI_CMD_MOVE_CALL, (daas_sui_arg){0}, args, n);
    snprintf(p->names[i][0], sizeof(p->names[i][0]), "%s", module);
    snprintf(p->names[i][1], sizeof(p->names[i][1]), "%s", function);
    memcpy(p->cmd[i].package, pkg, DAAS_SUI_ADDRESS_LEN);
    p->cmd[i].module = p->names[i][0];
    p->cmd[i].function = p->names[i][1];
    return i;
}

static inline void dt_pay(dt_ptb *p, daas_sui_objref gas)
{
    assert_true(p->n_gas < 4);
    p->gas[p->n_gas++] = gas;
}

/* Encodes the PTB as TransactionData from sender. */
static inline void dt_encode(dt_ptb *p, const uint8_t sender[DAAS_SUI_ADDRESS_LEN], daas_buf *out)
{
    daas_sui_tx tx;
    memset(&tx, 0, sizeof(tx));
    tx.kind = (daas_sui_ptb){
        .n_inputs = p->n_in, .inputs = p->in, .n_commands = p->n_cmd, .commands = p->cmd};
    memcpy(tx.sender, sender, DAAS_SUI_ADDRESS_LEN);
    memcpy(tx.gas.owner, sender, DAAS_SUI_ADDRESS_LEN);
    tx.gas.n_payment = p->n_gas;
    tx.gas.payment = p->gas;
    tx.gas.price = p->price;
    tx.gas.budget = p->budget;
    tx.expiration = p->exp;
    daas_buf_init(out, DAAS_SUI_TX_MAX_BYTES);
    assert_int_equal(daas_sui_tx_encode(&tx, out, NULL), DAAS_OK);
}

/* Signs bytes with signer and executes them. Returns execute's rc; err gets the message. */
static inline int dt_submit(daas_devnet *d, const daas_buf *bytes, const daas_sui_key *signer,
                            daas_sui_exec_result *r, daas_err *err)
{
    char *sig = NULL;
    assert_int_equal(
        daas_sui_sign_transaction(signer, DAAS_BYTES(bytes->data, bytes->len), &sig, NULL),
        DAAS_OK);
    const char *sigs[1] = {sig};
    int rc = daas_devnet_execute(d, DAAS_BYTES(bytes->data, bytes->len), sigs, 1, false, r, err);
    daas_free(sig);
    return rc;
}

/* Builds from k's address, signs with k, executes. */
static inline int dt_run(daas_devnet *d, dt_ptb *p, const daas_sui_key *k, daas_sui_exec_result *r,
                         daas_err *err)
{
    uint8_t a[DAAS_SUI_ADDRESS_LEN];
    daas_buf b;
    dt_addr(k, a);
    dt_encode(p, a, &b);
    int rc = dt_submit(d, &b, k, r, err);
    daas_buf_fini(&b);
    return rc;
}

/* Runs and asserts it executed (successfully or not); the caller finis *r. */
static inline void dt_exec(daas_devnet *d, dt_ptb *p, const daas_sui_key *k,
                           daas_sui_exec_result *r)
{
    daas_err err = {0};
    int rc = dt_run(d, p, k, r, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "rejected: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
}

/* Runs and asserts it executed successfully; frees the result. */
static inline void dt_ok(daas_devnet *d, dt_ptb *p, const daas_sui_key *k)
{
    daas_sui_exec_result r;
    dt_exec(d, p, k, &r);
    if (!r.success)
        fprintf(stderr, "failed: %s\n", r.error);
    assert_true(r.success);
    daas_sui_exec_result_fini(&r);
}

/* Runs and asserts a MoveAbort in module with code (the transaction executed and failed). */
static inline void dt_aborts(daas_devnet *d, dt_ptb *p, const daas_sui_key *k, const char *pkg_hex,
                             const char *module, const char *function, uint64_t code)
{
    daas_sui_exec_result r;
    dt_exec(d, p, k, &r);
    assert_false(r.success);
    if (!r.has_abort_code || r.abort_code != code)
        fprintf(stderr, "error: %s\n", r.error ? r.error : "(none)");
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, code);
    char *m = daas_xasprintf("%s::%s", pkg_hex, module);
    assert_string_equal(r.abort_module, m);
    assert_string_equal(r.abort_function, function);
    assert_non_null(strstr(r.error, "MoveAbort(MoveLocation"));
    daas_free(m);
    assert_int_equal(r.n_events, 0);
    daas_sui_exec_result_fini(&r);
}

/* Runs and asserts the execution failed with error text containing want. */
static inline void dt_fails(daas_devnet *d, dt_ptb *p, const daas_sui_key *k, const char *want)
{
    daas_sui_exec_result r;
    dt_exec(d, p, k, &r);
    assert_false(r.success);
    if (r.error == NULL || strstr(r.error, want) == NULL)
        fprintf(stderr, "error: %s (want %s)\n", r.error ? r.error : "(none)", want);
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, want));
    daas_sui_exec_result_fini(&r);
}

/* Runs and asserts it was refused before execution with a message containing want. */
static inline void dt_rejects(daas_devnet *d, dt_ptb *p, const daas_sui_key *k, const char *want)
{
    daas_sui_exec_result r;
    daas_err err = {0};
    int rc = dt_run(d, p, k, &r, &err);
    if (rc != DAAS_EINVAL || strstr(err.msg, want) == NULL)
        fprintf(stderr, "rc %d: %s (want %s)\n", rc, err.msg, want);
    assert_int_equal(rc, DAAS_EINVAL);
    assert_non_null(strstr(err.msg, want));
    daas_sui_exec_result_fini(&r);
}

/* ---- the daas package ---- */

static inline uint64_t dt_isv(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(d, id, &o, NULL), DAAS_OK);
    uint64_t v = o.initial_shared_version;
    daas_sui_object_fini(&o);
    return v;
}

/* PTB: split amount off the gas coin and stake it for role. */
static inline void dt_stake_ptb(dt_chain *c, dt_ptb *p, daas_sui_objref gas, uint64_t amount,
                                uint8_t role)
{
    dt_ptb_init(p);
    dt_pay(p, gas);
    daas_sui_arg amt = dt_u64(p, amount);
    size_t s = dt_split(p, dt_gas(), &amt, 1);
    daas_sui_arg args[3] = {dt_shared(p, c->pool, dt_isv(c->d, c->pool), true), dt_result(s),
                            dt_u8(p, role)};
    dt_call(p, c->pkg, "staking", "stake", args, 3);
}

/* Stakes the whole coin coin_id for role from k, paying with gas_id; asserts success. */
static inline void dt_stake_coin(dt_chain *c, const daas_sui_key *k, const uint8_t coin_id[32],
                                 const uint8_t gas_id[32], uint8_t role)
{
    dt_ptb p;
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c->d, gas_id));
    daas_sui_arg args[3] = {dt_shared(&p, c->pool, dt_isv(c->d, c->pool), true),
                            dt_owned(&p, dt_ref(c->d, coin_id)), dt_u8(&p, role)};
    dt_call(&p, c->pkg, "staking", "stake", args, 3);
    dt_ok(c->d, &p, k);
}

/* A key funded by the faucet (2 × 100 SUI): the first coin's id in gas_id (used as the gas
 * coin), the second's in other (may be NULL). */
static inline daas_sui_key *dt_funded(dt_chain *c, uint8_t gas_id[DAAS_SUI_ADDRESS_LEN],
                                      uint8_t *other)
{
    daas_sui_coin coins[2];
    daas_sui_key *k = dt_key();
    dt_fund(c->d, k, coins);
    memcpy(gas_id, coins[0].ref.id, DAAS_SUI_ADDRESS_LEN);
    if (other != NULL)
        memcpy(other, coins[1].ref.id, DAAS_SUI_ADDRESS_LEN);
    return k;
}

/* A funded key (dt_funded) and its address: the usual party of a test. */
typedef struct dt_user {
    daas_sui_key *k;
    uint8_t a[DAAS_SUI_ADDRESS_LEN], gas[DAAS_SUI_ADDRESS_LEN], other[DAAS_SUI_ADDRESS_LEN];
} dt_user;

static inline void dt_user_init(dt_chain *c, dt_user *u)
{
    u->k = dt_funded(c, u->gas, u->other);
    dt_addr(u->k, u->a);
}

static inline void dt_user_fini(dt_user *u)
{
    daas_sui_key_free(&u->k);
}

/* Stakes amount for role from k, paying with gas_id; asserts success. */
static inline void dt_stake(dt_chain *c, const daas_sui_key *k, const uint8_t gas_id[32],
                            uint64_t amount, uint8_t role)
{
    dt_ptb p;
    dt_stake_ptb(c, &p, dt_ref(c->d, gas_id), amount, role);
    dt_ok(c->d, &p, k);
}

/* A PTB from the publisher (holder of the AdminCap) paying with its first coin. */
static inline void dt_admin_ptb(dt_chain *c, dt_ptb *p)
{
    uint8_t pub[32], coin[32];
    dt_addr(daas_devnet_publisher(c->d), pub);
    dt_find(c->d, pub, DT_COIN_TYPE, coin);
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, coin));
}

/* The publisher's slash of amount from who, with evidence_len bytes of evidence. */
static inline void dt_slash_ptb(dt_chain *c, dt_ptb *p, const uint8_t who[32], uint64_t amount,
                                size_t evidence_len)
{
    uint8_t ev[40];
    for (size_t i = 0; i < sizeof(ev); i++)
        ev[i] = (uint8_t)(i * 7 + 1);
    dt_admin_ptb(c, p);
    daas_sui_arg args[5] = {dt_owned(p, dt_ref(c->d, c->admin_cap)), dt_shared(p, c->pool, 1, true),
                            dt_address(p, who), dt_u64(p, amount), dt_vec(p, ev, evidence_len)};
    dt_call(p, c->pkg, "staking", "slash", args, 5);
}

/* The publisher sends a new coin of amount to `to`; returns its id in out. */
static inline void dt_give(dt_chain *c, const uint8_t to[32], uint64_t amount, uint8_t out[32])
{
    dt_ptb p;
    daas_sui_exec_result r;
    dt_admin_ptb(c, &p);
    daas_sui_arg amt = dt_u64(&p, amount);
    size_t s = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg o = dt_result(s);
    dt_transfer(&p, &o, 1, dt_address(&p, to));
    assert_int_equal(dt_run(c->d, &p, daas_devnet_publisher(c->d), &r, NULL), DAAS_OK);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    memcpy(out, r.created[0].id, 32);
    daas_sui_exec_result_fini(&r);
}

/* The value of key (key_type, BCS key) in the table member `table` of the shared object
 * parent, asserting its type is the package's value_type ("module::Struct"); NULL when absent
 * (json_decref). */
static inline json_t *dt_table_entry(dt_chain *c, const uint8_t parent[DAAS_SUI_ADDRESS_LEN],
                                     const char *table, const char *key_type, daas_bytes key,
                                     const char *value_type)
{
    daas_sui_object o;
    uint8_t tid[DAAS_SUI_ADDRESS_LEN];
    json_t *v = NULL;
    char *vt = NULL;
    assert_int_equal(daas_devnet_get_object(c->d, parent, &o, NULL), DAAS_OK);
    const char *hex = json_string_value(json_object_get(json_object_get(o.json, table), "id"));
    assert_non_null(hex);
    assert_int_equal(daas_sui_address_parse(hex, tid, NULL), DAAS_OK);
    daas_sui_object_fini(&o);
    int rc = daas_devnet_dynamic_field(c->d, tid, key_type, key, &v, &vt, NULL);
    assert_true(rc == DAAS_OK || rc == DAAS_ENOTFOUND);
    if (rc == DAAS_OK) {
        char *want = daas_xasprintf("%s::%s", c->pkg_hex, value_type);
        assert_string_equal(vt, want);
        daas_free(want);
    }
    daas_free(vt);
    return v;
}

/* The table entry value of addr in the Pool's stakes table (NULL when absent; json_decref). */
static inline json_t *dt_stake_entry(dt_chain *c, const uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    return dt_table_entry(c, c->pool, "stakes", "address", DAAS_BYTES(addr, 32), "staking::Stake");
}

/* A JSON member that is a decimal u64 string. */
static inline uint64_t dt_ju64(json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    assert_non_null(s);
    return strtoull(s, NULL, 10);
}

/* role_of as every client computes it off chain, from the Pool's thresholds and the entry. */
static inline int dt_role(dt_chain *c, const uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_object pool;
    json_t *e = dt_stake_entry(c, addr);
    int role = 0;
    if (e == NULL)
        return 0;
    assert_int_equal(daas_devnet_get_object(c->d, c->pool, &pool, NULL), DAAS_OK);
    json_t *thr = json_object_get(pool.json, "thresholds");
    assert_int_equal(json_array_size(thr), 4);
    uint64_t amount = dt_ju64(e, "amount");
    int want = (int)json_integer_value(json_object_get(e, "role"));
    if (!json_is_true(json_object_get(e, "slashed")))
        for (int r = want; r >= 1 && role == 0; r--)
            if (amount >= strtoull(json_string_value(json_array_get(thr, (size_t)r - 1)), NULL, 10))
                role = r;
    daas_sui_object_fini(&pool);
    json_decref(e);
    return role;
}

#endif
