/*
 * test_chain.c: the development chain's core (state.c, check.c, exec.c, ptb.c, genesis.c,
 * faucet.c): genesis facts and objects, the faucet, SplitCoins / MergeCoins /
 * TransferObjects with balances, versions (Lamport) and gas, every refusal before execution
 * in Sui's words (signatures, stale versions, ownership, gas price, budget, balance, shared
 * initial versions, digests, expiration), execution failures (argument errors, unused values,
 * insufficient gas) that keep only the gas charge, simulation, idempotent re-execution,
 * listing and paging, events filters and persistence across a restart.
 *
 * Owns:   one chain per test in a temporary directory (devnet_test.h), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devnet_test.h"

#define GAS_COIN_STORAGE (7600ull * 140) /* a Coin: 40 bytes of BCS + 100 */
#define REBATE(x) ((x) / 100 * 99 + (x) % 100 * 99 / 100)

static void test_genesis(void **state)
{
    dt_chain c;
    daas_sui_object o;
    uint8_t raw[64], pub[32];
    size_t n = 0;
    (void)state;
    dt_chain_init(&c, 0);
    /* the chain id is the Base58 of a 32-byte digest */
    const char *cid = daas_devnet_chain_id(c.d);
    assert_int_equal(daas_sui_base58_decode(cid, strlen(cid), raw, sizeof(raw), &n, NULL), DAAS_OK);
    assert_int_equal(n, 32);
    assert_int_equal(daas_devnet_epoch(c.d), 0);
    assert_int_equal(daas_devnet_ref_gas_price(c.d), 1000);
    /* the Pool: shared at version 1, README's initial contents */
    assert_int_equal(daas_devnet_get_object(c.d, c.pool, &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_SHARED);
    assert_int_equal(o.initial_shared_version, 1);
    assert_int_equal(o.ref.version, 1);
    assert_int_equal(o.bcs_len, 129);
    assert_int_equal(dt_ju64(o.json, "vault"), 0);
    assert_int_equal(dt_ju64(o.json, "slashed"), 0);
    assert_int_equal(dt_ju64(o.json, "lock_epochs"), 1);
    assert_int_equal(dt_ju64(json_object_get(o.json, "stakes"), "size"), 0);
    json_t *thr = json_object_get(o.json, "thresholds");
    assert_int_equal(json_array_size(thr), 4);
    assert_string_equal(json_string_value(json_array_get(thr, 0)), "1000000000");
    assert_string_equal(json_string_value(json_array_get(thr, 3)), "1000000000000");
    char *t = daas_xasprintf("%s::staking::Pool", c.pkg_hex);
    assert_string_equal(o.type, t);
    daas_free(t);
    daas_sui_object_fini(&o);
    /* the Registry and the AdminCap */
    assert_int_equal(daas_devnet_get_object(c.d, c.registry, &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_SHARED);
    assert_int_equal(dt_ju64(json_object_get(o.json, "nodes"), "size"), 0);
    daas_sui_object_fini(&o);
    daas_sui_key_address(daas_devnet_publisher(c.d), pub);
    assert_int_equal(daas_devnet_get_object(c.d, c.admin_cap, &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_ADDRESS);
    assert_memory_equal(o.owner, pub, 32);
    daas_sui_object_fini(&o);
    /* the publisher's SUI (1e6) and its keystore file (0600, the same key) */
    uint8_t coin[32];
    dt_find(c.d, pub, "0x2::coin::Coin<0x2::sui::SUI>", coin);
    assert_true(dt_balance(c.d, coin) == 1000000ull * DT_SUI);
    char *path = daas_xasprintf("%s/publisher.keystore", c.dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    daas_sui_keystore *ks = NULL;
    assert_int_equal(daas_sui_keystore_load(path, &ks, NULL), DAAS_OK);
    assert_non_null(daas_sui_keystore_find_address(ks, pub));
    daas_sui_keystore_free(&ks);
    daas_free(path);
    dt_chain_fini(&c);
}

static void test_faucet(void **state)
{
    dt_chain c;
    daas_sui_coin coins[2], more[2];
    uint8_t a[32];
    daas_sui_page p;
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_key();
    dt_addr(k, a);
    dt_fund(c.d, k, coins);
    dt_fund(c.d, k, more);
    assert_memory_not_equal(coins[0].ref.id, more[0].ref.id, 32);
    for (int i = 0; i < 2; i++) {
        assert_true(coins[i].balance == 100 * DT_SUI);
        assert_true(dt_balance(c.d, coins[i].ref.id) == 100 * DT_SUI);
        daas_sui_objref r = dt_ref(c.d, coins[i].ref.id);
        assert_int_equal(r.version, coins[i].ref.version);
        assert_memory_equal(r.digest, coins[i].ref.digest, 32);
    }
    /* the type filter takes the short and the long form alike */
    assert_int_equal(
        daas_devnet_list_objects(c.d, a, "0x2::coin::Coin<0x2::sui::SUI>", NULL, 10, &p, NULL),
        DAAS_OK);
    assert_int_equal(p.n, 4);
    assert_string_equal(p.items[0].type, DT_COIN_TYPE);
    assert_int_equal(p.items[0].owner_kind, DAAS_SUI_OWNER_ADDRESS);
    assert_memory_equal(p.items[0].owner, a, 32);
    daas_sui_page_fini(&p);
    assert_int_equal(daas_devnet_list_objects(c.d, a, DT_COIN_TYPE, NULL, 10, &p, NULL), DAAS_OK);
    assert_int_equal(p.n, 4);
    daas_sui_page_fini(&p);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

/* Split two coins off the gas coin and send them; then merge a coin into the gas coin. */
static void test_split_transfer_merge(void **state)
{
    dt_chain c;
    dt_ptb p;
    daas_sui_exec_result r;
    uint8_t gas[32], other[32], bob_a[32];
    daas_sui_page page;
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *alice = dt_funded(&c, gas, other);
    daas_sui_key *bob = dt_key();
    dt_addr(bob, bob_a);
    daas_sui_objref before = dt_ref(c.d, gas);
    uint64_t bal = dt_balance(c.d, gas);

    dt_ptb_init(&p);
    dt_pay(&p, before);
    daas_sui_arg amts[2] = {dt_u64(&p, 1 * DT_SUI), dt_u64(&p, 2 * DT_SUI)};
    size_t s = dt_split(&p, dt_gas(), amts, 2);
    daas_sui_arg objs[2] = {dt_nested(s, 0), dt_nested(s, 1)};
    dt_transfer(&p, objs, 2, dt_address(&p, bob_a));
    assert_int_equal(dt_run(c.d, &p, alice, &r, NULL), DAAS_OK);
    assert_true(r.success);
    assert_null(r.error);
    assert_int_equal(r.n_created, 2);
    /* gas: 3 commands' computation... 1 + 2 commands, three coins written, one rebated */
    assert_int_equal(r.gas.computation, 1000ull * 1000 * 3);
    assert_int_equal(r.gas.storage, 3 * GAS_COIN_STORAGE);
    assert_int_equal(r.gas.rebate, REBATE(GAS_COIN_STORAGE));
    assert_int_equal(r.gas.non_refundable, GAS_COIN_STORAGE - REBATE(GAS_COIN_STORAGE));
    uint64_t net = r.gas.computation + r.gas.storage - r.gas.rebate;
    assert_true(dt_balance(c.d, gas) == bal - 3 * DT_SUI - net);
    /* Lamport: everything written is at one past the largest input version */
    daas_sui_objref after = dt_ref(c.d, gas);
    assert_int_equal(after.version, before.version + 1);
    assert_memory_not_equal(after.digest, before.digest, 32);
    assert_int_equal(daas_devnet_list_objects(c.d, bob_a, DT_COIN_TYPE, NULL, 10, &page, NULL),
                     DAAS_OK);
    assert_int_equal(page.n, 2);
    uint64_t sum = 0;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(page.items[i].ref.version, after.version);
        sum += dt_ju64(page.items[i].json, "balance");
        assert_true(memcmp(page.items[i].ref.id, r.created[0].id, 32) == 0 ||
                    memcmp(page.items[i].ref.id, r.created[1].id, 32) == 0);
    }
    assert_true(sum == 3 * DT_SUI);
    daas_sui_page_fini(&page);
    daas_sui_exec_result_fini(&r);

    /* merge `other` (an older version) into the gas coin: other is deleted, versions Lamport */
    daas_sui_objref o_ref = dt_ref(c.d, other);
    assert_true(o_ref.version < after.version);
    uint64_t gb = dt_balance(c.d, gas), ob = dt_balance(c.d, other);
    dt_ptb_init(&p);
    dt_pay(&p, after);
    daas_sui_arg src = dt_owned(&p, o_ref);
    dt_merge(&p, dt_gas(), &src, 1);
    assert_int_equal(dt_run(c.d, &p, alice, &r, NULL), DAAS_OK);
    assert_true(r.success);
    assert_int_equal(r.gas.storage, GAS_COIN_STORAGE);
    assert_int_equal(r.gas.rebate, REBATE(2 * GAS_COIN_STORAGE));
    net = r.gas.computation + r.gas.storage - r.gas.rebate;
    assert_false(dt_exists(c.d, other));
    assert_true(dt_balance(c.d, gas) == gb + ob - net);
    assert_int_equal(dt_ref(c.d, gas).version, after.version + 1);
    daas_sui_exec_result_fini(&r);
    daas_sui_key_free(&alice);
    daas_sui_key_free(&bob);
    dt_chain_fini(&c);
}

/* Several gas coins are smashed into the first; the others are deleted. */
static void test_gas_smashing(void **state)
{
    dt_chain c;
    dt_ptb p;
    uint8_t gas[32], other[32], me[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, other);
    dt_addr(k, me);
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    dt_pay(&p, dt_ref(c.d, other));
    daas_sui_arg amt = dt_u64(&p, 150 * DT_SUI); /* more than one coin holds */
    size_t s = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg o = dt_result(s);
    dt_transfer(&p, &o, 1, dt_address(&p, me));
    dt_ok(c.d, &p, k);
    assert_false(dt_exists(c.d, other));
    assert_true(dt_balance(c.d, gas) < 50 * DT_SUI);
    assert_true(dt_balance(c.d, gas) > 49 * DT_SUI);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

/* Every refusal leaves the gas coin exactly as it was. */
static void expect_rejected(dt_chain *c, dt_ptb *p, const daas_sui_key *k, const uint8_t gas[32],
                            const char *want)
{
    daas_sui_objref before = dt_ref(c->d, gas);
    dt_rejects(c->d, p, k, want);
    daas_sui_objref after = dt_ref(c->d, gas);
    assert_int_equal(after.version, before.version);
    assert_memory_equal(after.digest, before.digest, 32);
}

/* A trivial PTB: send 1 MIST split off the gas coin to self. */
static void simple_ptb(dt_ptb *p, daas_sui_objref gas, const uint8_t to[32])
{
    dt_ptb_init(p);
    dt_pay(p, gas);
    daas_sui_arg amt = dt_u64(p, 1);
    size_t s = dt_split(p, dt_gas(), &amt, 1);
    daas_sui_arg o = dt_result(s);
    dt_transfer(p, &o, 1, dt_address(p, to));
}

static void test_signature_rejections(void **state)
{
    dt_chain c;
    dt_ptb p;
    daas_buf b;
    daas_sui_exec_result r;
    daas_err err = {0};
    uint8_t gas[32], me[32];
    char hex[67];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *alice = dt_funded(&c, gas, NULL);
    daas_sui_key *mallory = dt_key();
    dt_addr(alice, me);
    daas_sui_address_hex(me, hex);
    simple_ptb(&p, dt_ref(c.d, gas), me);
    dt_encode(&p, me, &b);
    /* signed by someone else: verifies, but not the sender's */
    assert_int_equal(dt_submit(c.d, &b, mallory, &r, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "Invalid user signature: Required Signature from"));
    assert_non_null(strstr(err.msg, hex));
    daas_sui_exec_result_fini(&r);
    /* a corrupted signature */
    char *sig = NULL;
    assert_int_equal(daas_sui_sign_transaction(alice, DAAS_BYTES(b.data, b.len), &sig, NULL),
                     DAAS_OK);
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    const char *sigs[1] = {sig};
    daas_err_clear(&err);
    assert_int_equal(daas_devnet_execute(c.d, DAAS_BYTES(b.data, b.len), sigs, 1, false, &r, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "Invalid user signature"));
    daas_sui_exec_result_fini(&r);
    /* no signature at all */
    daas_err_clear(&err);
    assert_int_equal(daas_devnet_execute(c.d, DAAS_BYTES(b.data, b.len), NULL, 0, false, &r, &err),
                     DAAS_EINVAL);
    assert_string_equal(err.msg, "Expect 1 signer signatures but got 0");
    daas_sui_exec_result_fini(&r);
    /* garbage bytes */
    daas_err_clear(&err);
    assert_int_equal(daas_devnet_execute(c.d, DAAS_BYTES("\x01\x02", 2), sigs, 1, false, &r, &err),
                     DAAS_EINVAL);
    daas_sui_exec_result_fini(&r);
    daas_free(sig);
    daas_buf_fini(&b);
    assert_int_equal(dt_ref(c.d, gas).version, p.gas[0].version); /* nothing ran */
    dt_ok(c.d, &p, alice); /* the same transaction, properly signed, runs */
    daas_sui_key_free(&alice);
    daas_sui_key_free(&mallory);
    dt_chain_fini(&c);
}

/* Two funded wallets on a fresh chain: alice (coins gas and other) and bob (coin bob_gas). */
typedef struct pair_fx {
    dt_chain c;
    daas_sui_key *alice, *bob;
    uint8_t gas[32], other[32], bob_gas[32], me[32];
} pair_fx;

static int pair_setup(void **state)
{
    pair_fx *f = daas_xcalloc(1, sizeof *f);
    dt_chain_init(&f->c, 0);
    f->alice = dt_funded(&f->c, f->gas, f->other);
    f->bob = dt_funded(&f->c, f->bob_gas, NULL);
    dt_addr(f->alice, f->me);
    *state = f;
    return 0;
}

static int pair_teardown(void **state)
{
    pair_fx *f = *state;
    daas_sui_key_free(&f->alice);
    daas_sui_key_free(&f->bob);
    dt_chain_fini(&f->c);
    daas_free(f);
    return 0;
}

static void test_gas_rejections(void **state)
{
    pair_fx *f = *state;
    dt_chain c = f->c;
    dt_ptb p;
    uint8_t *gas = f->gas, *me = f->me, *bob_gas = f->bob_gas;
    daas_sui_key *alice = f->alice;
    daas_sui_objref ref = dt_ref(c.d, gas);

    simple_ptb(&p, ref, me);
    p.price = 999;
    expect_rejected(&c, &p, alice, gas, "Gas price 999 under reference gas price (RGP) 1000");
    simple_ptb(&p, ref, me);
    p.budget = 999999;
    expect_rejected(&c, &p, alice, gas, "Gas budget: 999999 is lower than min: 1000000");
    simple_ptb(&p, ref, me);
    p.budget = 50 * DT_SUI + 1;
    expect_rejected(&c, &p, alice, gas, "Gas budget: 50000000001 is higher than max: 50000000000");
    simple_ptb(&p, ref, me);
    p.n_gas = 0;
    expect_rejected(&c, &p, alice, gas, "Transaction gas payment missing");
    /* paying with bob's coin */
    simple_ptb(&p, dt_ref(c.d, bob_gas), me);
    expect_rejected(&c, &p, alice, gas, "Transaction was not signed by the correct sender");
    /* a stale version and a wrong digest */
    daas_sui_objref stale = ref;
    stale.version = ref.version - 1;
    simple_ptb(&p, stale, me);
    expect_rejected(&c, &p, alice, gas, "is not available for consumption, current version: 0x");
    daas_sui_objref bad = ref;
    bad.digest[0] ^= 1;
    simple_ptb(&p, bad, me);
    expect_rejected(&c, &p, alice, gas, "Invalid Object digest for object");
    /* the gas coin also as an input */
    simple_ptb(&p, ref, me);
    dt_owned(&p, ref);
    expect_rejected(&c, &p, alice, gas, "cannot appear more than one in one transaction");
    /* not a coin: the Pool is shared, the AdminCap not a gas object */
    simple_ptb(&p, ref, me);
    p.gas[0] = dt_ref(c.d, c.pool);
    expect_rejected(&c, &p, alice, gas, "Gas object is not an owned object");
    /* a balance below the budget: 0.01 SUI coin, budget 0.02 SUI */
    dt_ptb_init(&p);
    dt_pay(&p, ref);
    daas_sui_arg amt = dt_u64(&p, 10000000);
    size_t s = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg o = dt_result(s);
    dt_transfer(&p, &o, 1, dt_address(&p, me));
    daas_sui_exec_result r;
    assert_int_equal(dt_run(c.d, &p, alice, &r, NULL), DAAS_OK);
    uint8_t small[32];
    memcpy(small, r.created[0].id, 32);
    daas_sui_exec_result_fini(&r);
    simple_ptb(&p, dt_ref(c.d, small), me);
    p.budget = 20000000;
    expect_rejected(&c, &p, alice, small,
                    "Balance of gas object 10000000 is lower than the needed amount: 20000000");
}

static void test_input_rejections(void **state)
{
    pair_fx *f = *state;
    dt_chain c = f->c;
    dt_ptb p;
    uint8_t *gas = f->gas, *other = f->other, *me = f->me, *bob_gas = f->bob_gas;
    daas_sui_key *alice = f->alice, *bob = f->bob;
    daas_sui_objref ref = dt_ref(c.d, gas);
    /* a shared object named with the wrong initial version */
    simple_ptb(&p, ref, me);
    dt_shared(&p, c.pool, 2, true);
    expect_rejected(&c, &p, alice, gas, "Wrong initial version given for shared object");
    /* an owned object as shared, and the shared Pool as owned */
    simple_ptb(&p, ref, me);
    dt_shared(&p, other, 1, true);
    expect_rejected(&c, &p, alice, gas, "Object used as shared is not shared");
    simple_ptb(&p, ref, me);
    dt_owned(&p, dt_ref(c.d, c.pool));
    expect_rejected(&c, &p, alice, gas, "Object used as owned is not owned");
    /* someone else's object, the same object twice, an object that does not exist */
    simple_ptb(&p, ref, me);
    dt_owned(&p, dt_ref(c.d, bob_gas));
    expect_rejected(&c, &p, alice, gas, "is owned by account address");
    simple_ptb(&p, ref, me);
    dt_owned(&p, dt_ref(c.d, other));
    dt_owned(&p, dt_ref(c.d, other));
    expect_rejected(&c, &p, alice, gas, "duplicated ObjectRef");
    simple_ptb(&p, ref, me);
    daas_sui_objref ghost = ref;
    ghost.id[0] ^= 0xff;
    dt_owned(&p, ghost);
    expect_rejected(&c, &p, alice, gas, "Could not find the referenced object");
    /* a MoveCall into a package that does not exist; Publish is not supported */
    simple_ptb(&p, ref, me);
    uint8_t nopkg[32] = {9};
    dt_call(&p, nopkg, "m", "f", NULL, 0);
    expect_rejected(&c, &p, alice, gas, "Dependent package not found on-chain: 0x09");
    simple_ptb(&p, ref, me);
    dt_cmd(&p, DAAS_SUI_CMD_PUBLISH, (daas_sui_arg){0}, NULL, 0);
    expect_rejected(&c, &p, alice, gas, "Feature is not supported");
    /* expiration: epoch 0 is over once the clock passes a day */
    daas_devnet_advance_clock(c.d, 86400000);
    simple_ptb(&p, ref, me);
    p.exp = (daas_sui_expiration){.kind = DAAS_SUI_EXPIRE_EPOCH, .epoch = 0};
    expect_rejected(&c, &p, alice, gas, "Transaction Expired");
    p.exp.epoch = 1;
    dt_ok(c.d, &p, alice);
    /* ValidDuring names the chain and an epoch window */
    uint8_t genesis[64];
    size_t glen = 0;
    const char *cid = daas_devnet_chain_id(c.d);
    assert_int_equal(daas_sui_base58_decode(cid, strlen(cid), genesis, 64, &glen, NULL), DAAS_OK);
    simple_ptb(&p, dt_ref(c.d, gas), me);
    p.exp = (daas_sui_expiration){
        .kind = DAAS_SUI_EXPIRE_VALID_DURING, .max_epoch = {true, 1}, .min_epoch = {true, 1}};
    expect_rejected(&c, &p, alice, gas, "does not match network chain ID");
    memcpy(p.exp.chain, genesis, 32);
    p.exp.min_epoch.value = 2;
    expect_rejected(&c, &p, alice, gas, "Transaction Expired");
    p.exp.min_epoch.value = 1;
    dt_ok(c.d, &p, alice);
    /* a deleted object's old ref; paying with the AdminCap; gas owned by someone else */
    daas_sui_objref old = dt_ref(c.d, other);
    simple_ptb(&p, dt_ref(c.d, gas), me);
    daas_sui_arg src = dt_owned(&p, old);
    dt_merge(&p, dt_gas(), &src, 1);
    dt_ok(c.d, &p, alice);
    simple_ptb(&p, dt_ref(c.d, gas), me);
    dt_owned(&p, old);
    expect_rejected(&c, &p, alice, gas, "is not available for consumption");
    simple_ptb(&p, dt_ref(c.d, c.admin_cap), me);
    expect_rejected(&c, &p, daas_devnet_publisher(c.d), c.admin_cap, "is not a gas object");
    simple_ptb(&p, dt_ref(c.d, gas), me);
    p.price = 100000000001ull;
    expect_rejected(&c, &p, alice, gas, "Gas price cannot exceed 100000000000 mist");
    simple_ptb(&p, dt_ref(c.d, gas), me);
    daas_buf b;
    uint8_t bob_a[32];
    dt_addr(bob, bob_a);
    dt_encode(&p, me, &b);
    /* a sponsored transaction: gas owner is not the sender */
    daas_sui_tx tx;
    assert_int_equal(daas_sui_tx_decode(DAAS_BYTES(b.data, b.len), &tx, NULL), DAAS_OK);
    memcpy(tx.gas.owner, bob_a, 32);
    daas_buf_reset(&b);
    assert_int_equal(daas_sui_tx_encode(&tx, &b, NULL), DAAS_OK);
    daas_sui_tx_fini(&tx);
    daas_sui_exec_result r;
    daas_err err = {0};
    assert_int_equal(dt_submit(c.d, &b, alice, &r, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "does not support Sponsored Transaction"));
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&b);
}

/* A transaction that fails keeps only the gas charge and the new versions of its inputs. */
static void test_failure_charges_gas(void **state)
{
    dt_chain c;
    dt_ptb p;
    daas_sui_exec_result r;
    uint8_t gas[32], other[32], me[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, other);
    dt_addr(k, me);
    daas_sui_objref g0 = dt_ref(c.d, gas), o0 = dt_ref(c.d, other);
    uint64_t gb = dt_balance(c.d, gas), ob = dt_balance(c.d, other);
    dt_ptb_init(&p);
    dt_pay(&p, g0);
    daas_sui_arg amts[2] = {dt_u64(&p, 1 * DT_SUI), dt_u64(&p, 1000 * DT_SUI)};
    size_t s = dt_split(&p, dt_owned(&p, o0), amts, 2);
    daas_sui_arg objs[2] = {dt_nested(s, 0), dt_nested(s, 1)};
    dt_transfer(&p, objs, 2, dt_address(&p, me));
    assert_int_equal(dt_run(c.d, &p, k, &r, NULL), DAAS_OK);
    assert_false(r.success);
    assert_string_equal(r.error, "InsufficientCoinBalance in command 0");
    assert_false(r.has_abort_code);
    assert_null(r.abort_module);
    assert_int_equal(r.n_created, 0);
    assert_int_equal(r.n_events, 0);
    assert_int_equal(r.gas.computation, 1000ull * 1000 * 3);
    assert_int_equal(r.gas.storage, 2 * GAS_COIN_STORAGE);
    assert_int_equal(r.gas.rebate, REBATE(2 * GAS_COIN_STORAGE));
    uint64_t net = r.gas.computation + r.gas.storage - r.gas.rebate;
    assert_true(dt_balance(c.d, gas) == gb - net);
    assert_true(dt_balance(c.d, other) == ob); /* the split that happened was dropped */
    daas_sui_objref o1 = dt_ref(c.d, other), g1 = dt_ref(c.d, gas);
    assert_int_equal(g1.version, g0.version + 1);
    assert_int_equal(o1.version, g1.version); /* mutable inputs get the new version, as in Sui */
    daas_sui_exec_result_fini(&r);
    /* out of gas: the budget is the minimum, 2 commands cost more; the whole budget goes */
    gb = dt_balance(c.d, gas);
    dt_ptb_init(&p);
    dt_pay(&p, g1);
    p.budget = 1000000;
    daas_sui_arg amt = dt_u64(&p, 5);
    s = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg o = dt_result(s);
    dt_transfer(&p, &o, 1, dt_address(&p, me));
    assert_int_equal(dt_run(c.d, &p, k, &r, NULL), DAAS_OK);
    assert_false(r.success);
    assert_string_equal(r.error, "InsufficientGas");
    assert_true(dt_balance(c.d, gas) == gb - 1000000);
    daas_sui_exec_result_fini(&r);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

static daas_sui_arg dt_input_index(dt_ptb *p, uint16_t i)
{
    (void)p;
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = i};
}

static void test_argument_failures(void **state)
{
    dt_chain c;
    dt_ptb p;
    uint8_t gas[32], other[32], me[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, other);
    dt_addr(k, me);
    daas_sui_arg a, objs[2];
    size_t s;
    /* a coin left over */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_u64(&p, 5);
    dt_split(&p, dt_gas(), &a, 1);
    dt_fails(c.d, &p, k, "UnusedValueWithoutDrop { result_idx: 0, secondary_idx: 0 }");
    /* an amount that is not a u64 */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_pure(&p, "\x05\0\0\0", 4);
    dt_split(&p, dt_gas(), &a, 1);
    dt_fails(c.d, &p, k, "CommandArgumentError { arg_idx: 1, kind: InvalidBCSBytes } in command 0");
    /* a result that does not exist yet, and one used twice */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    objs[0] = dt_result(3);
    dt_transfer(&p, objs, 1, dt_address(&p, me));
    dt_fails(c.d, &p, k, "CommandArgumentError { arg_idx: 0, kind: IndexOutOfBounds { idx: 3 } }");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_u64(&p, 5);
    s = dt_split(&p, dt_gas(), &a, 1);
    objs[0] = objs[1] = dt_result(s);
    dt_transfer(&p, objs, 2, dt_address(&p, me));
    dt_fails(c.d, &p, k, "CommandArgumentError { arg_idx: 1, kind: ArgumentWithoutValue }");
    /* Result on a command with two results */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    objs[0] = dt_u64(&p, 5);
    objs[1] = dt_u64(&p, 6);
    s = dt_split(&p, dt_gas(), objs, 2);
    objs[0] = dt_result(s);
    dt_transfer(&p, objs, 1, dt_address(&p, me));
    dt_fails(c.d, &p, k, "InvalidResultArity { result_idx: 0 }");
    /* not a coin; the gas coin merged away; the shared Pool transferred */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_u64(&p, 5);
    dt_split(&p, dt_shared(&p, c.pool, 1, true), &a, 1);
    dt_fails(c.d, &p, k, "CommandArgumentError { arg_idx: 0, kind: TypeMismatch } in command 0");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_gas();
    dt_merge(&p, dt_owned(&p, dt_ref(c.d, other)), &a, 1);
    dt_fails(c.d, &p, k, "kind: InvalidGasCoinUsage");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    objs[0] = dt_shared(&p, c.pool, 1, true);
    dt_transfer(&p, objs, 1, dt_address(&p, me));
    dt_fails(c.d, &p, k, "kind: InvalidTransferObject");
    /* functions the devnet does not have */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    dt_call(&p, c.pkg, "staking", "no_such_function", NULL, 0);
    dt_fails(c.d, &p, k, "FunctionNotFound in command 0");
    uint8_t two[32] = {0};
    two[31] = 2;
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    dt_call(&p, two, "coin", "split", NULL, 0);
    dt_fails(c.d, &p, k, "FunctionNotFound");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_shared(&p, c.pool, 1, true);
    dt_call(&p, c.pkg, "staking", "unstake", &a, 1);
    dt_fails(c.d, &p, k, "ArityMismatch in command 0");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_u64(&p, 1);
    dt_call(&p, c.pkg, "staking", "unstake", &a, 1);
    p.cmd[0].n_type_args = 1;
    daas_sui_typetag u8 = {.kind = DAAS_SUI_TYPE_U8};
    p.cmd[0].type_args = &u8;
    dt_fails(c.d, &p, k, "TypeArityMismatch in command 0");
    /* a nested result past the end, a pure value as an object, a coin merged into itself */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    a = dt_u64(&p, 5);
    s = dt_split(&p, dt_gas(), &a, 1);
    objs[0] = dt_nested(s, 1);
    dt_transfer(&p, objs, 1, dt_address(&p, me));
    dt_fails(c.d, &p, k, "SecondaryIndexOutOfBounds { result_idx: 0, secondary_idx: 1 }");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    objs[0] = dt_u64(&p, 5);
    dt_transfer(&p, objs, 1, dt_address(&p, me));
    dt_fails(c.d, &p, k, "CommandArgumentError { arg_idx: 0, kind: TypeMismatch }");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    objs[0] = dt_owned(&p, dt_ref(c.d, other));
    dt_merge(&p, objs[0], objs, 1);
    dt_fails(c.d, &p, k, "CommandArgumentError { arg_idx: 1, kind: InvalidValueUsage }");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    objs[0] = dt_input_index(&p, 9);
    dt_transfer(&p, objs, 1, dt_address(&p, me));
    dt_fails(c.d, &p, k, "IndexOutOfBounds { idx: 9 }");
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

/* The same signed bytes twice: one execution, the same result. */
static void test_idempotent(void **state)
{
    dt_chain c;
    dt_ptb p;
    daas_buf b;
    daas_sui_exec_result r1, r2;
    uint8_t gas[32], me[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, NULL);
    dt_addr(k, me);
    dt_stake_ptb(&c, &p, dt_ref(c.d, gas), 5 * DT_SUI, 1);
    dt_encode(&p, me, &b);
    assert_int_equal(dt_submit(c.d, &b, k, &r1, NULL), DAAS_OK);
    assert_true(r1.success);
    daas_sui_objref after = dt_ref(c.d, gas);
    uint64_t bal = dt_balance(c.d, gas);
    assert_int_equal(dt_submit(c.d, &b, k, &r2, NULL), DAAS_OK);
    assert_string_equal(r1.digest, r2.digest);
    assert_true(r2.success);
    assert_int_equal(r2.n_events, 1);
    assert_string_equal(r2.events[0].type, r1.events[0].type);
    assert_true(json_equal(r2.events[0].json, r1.events[0].json));
    assert_int_equal(r2.n_created, r1.n_created);
    assert_int_equal(r2.gas.computation, r1.gas.computation);
    assert_int_equal(r2.gas.rebate, r1.gas.rebate);
    assert_int_equal(dt_ref(c.d, gas).version, after.version);
    assert_true(dt_balance(c.d, gas) == bal);
    json_t *e = dt_stake_entry(&c, me);
    assert_int_equal(dt_ju64(e, "amount"), 5 * DT_SUI); /* staked once */
    json_decref(e);
    daas_sui_exec_result_fini(&r1);
    daas_sui_exec_result_fini(&r2);
    daas_buf_fini(&b);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

/* Simulation needs no signature and changes nothing. */
static void test_simulate(void **state)
{
    dt_chain c;
    dt_ptb p;
    daas_buf b;
    daas_sui_exec_result r;
    daas_err err = {0};
    uint8_t gas[32], me[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, NULL);
    dt_addr(k, me);
    daas_sui_objref before = dt_ref(c.d, gas);
    dt_stake_ptb(&c, &p, before, 5 * DT_SUI, 1);
    dt_encode(&p, me, &b);
    assert_int_equal(daas_devnet_execute(c.d, DAAS_BYTES(b.data, b.len), NULL, 0, true, &r, &err),
                     DAAS_OK);
    assert_true(r.success);
    assert_true(r.gas.computation > 0);
    assert_int_equal(r.n_events, 1);
    daas_sui_exec_result_fini(&r);
    assert_int_equal(dt_ref(c.d, gas).version, before.version);
    json_t *e = dt_stake_entry(&c, me);
    assert_null(e);
    daas_sui_events ev;
    assert_int_equal(daas_devnet_events(c.d, NULL, NULL, 10, &ev, NULL), DAAS_OK);
    assert_int_equal(ev.n, 0);
    daas_sui_events_fini(&ev);
    /* a simulated abort is reported, not refused */
    daas_buf_fini(&b);
    dt_stake_ptb(&c, &p, before, 5 * DT_SUI, 9);
    dt_encode(&p, me, &b);
    assert_int_equal(daas_devnet_execute(c.d, DAAS_BYTES(b.data, b.len), NULL, 0, true, &r, &err),
                     DAAS_OK);
    assert_false(r.success);
    assert_int_equal(r.abort_code, 1);
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&b);
    /* a refused simulation */
    p.price = 1;
    dt_encode(&p, me, &b);
    assert_int_equal(daas_devnet_execute(c.d, DAAS_BYTES(b.data, b.len), NULL, 0, true, &r, &err),
                     DAAS_EINVAL);
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&b);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

static void test_list_paging(void **state)
{
    dt_chain c;
    daas_sui_coin coins[2];
    daas_sui_page p1, p2;
    daas_err err = {0};
    uint8_t a[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_key();
    dt_addr(k, a);
    for (int i = 0; i < 3; i++)
        dt_fund(c.d, k, coins);
    assert_int_equal(daas_devnet_list_objects(c.d, a, NULL, NULL, 4, &p1, NULL), DAAS_OK);
    assert_int_equal(p1.n, 4);
    assert_true(p1.has_next);
    assert_non_null(p1.cursor);
    assert_int_equal(daas_devnet_list_objects(c.d, a, NULL, p1.cursor, 4, &p2, NULL), DAAS_OK);
    assert_int_equal(p2.n, 2);
    assert_false(p2.has_next);
    for (size_t i = 0; i < p1.n; i++)
        for (size_t j = 0; j < p2.n; j++)
            assert_memory_not_equal(p1.items[i].ref.id, p2.items[j].ref.id, 32);
    assert_memory_equal(p2.items[1].ref.id, coins[1].ref.id, 32); /* oldest first */
    daas_sui_page_fini(&p1);
    daas_sui_page_fini(&p2);
    assert_int_equal(daas_devnet_list_objects(c.d, a, NULL, "x1", 4, &p1, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_devnet_list_objects(c.d, a, NULL, NULL, 51, &p1, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "Connection's page size of 51 exceeds max of 50");
    assert_int_equal(daas_devnet_list_objects(c.d, a, "0x2::coin::<", NULL, 4, &p1, NULL),
                     DAAS_EINVAL);
    /* no owner: all objects of a type (the shared Pool) */
    char *t = daas_xasprintf("%s::staking::Pool", c.pkg_hex);
    assert_int_equal(daas_devnet_list_objects(c.d, NULL, t, NULL, 0, &p1, NULL), DAAS_OK);
    assert_int_equal(p1.n, 1);
    assert_memory_equal(p1.items[0].ref.id, c.pool, 32);
    daas_sui_page_fini(&p1);
    daas_free(t);
    /* absent objects */
    daas_sui_object o;
    uint8_t ghost[32] = {1, 2, 3};
    assert_int_equal(daas_devnet_get_object(c.d, ghost, &o, NULL), DAAS_ENOTFOUND);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

static void test_events_filters(void **state)
{
    dt_chain c;
    daas_sui_events e;
    uint8_t gas[32], me[32];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, NULL);
    dt_addr(k, me);
    dt_stake(&c, k, gas, 2 * DT_SUI, 1);
    dt_stake(&c, k, gas, 3 * DT_SUI, 1);
    char *full = daas_xasprintf("%s::staking::Staked", c.pkg_hex);
    char *mod = daas_xasprintf("%s::staking", c.pkg_hex);
    /* the short form of the package address names the same events */
    char *shortmod = daas_xasprintf("0x%s::staking", c.pkg_hex + 2 + (c.pkg_hex[2] == '0'));
    const char *filters[] = {NULL, c.pkg_hex, mod, full, shortmod};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(daas_devnet_events(c.d, filters[i], NULL, 1, &e, NULL), DAAS_OK);
        assert_int_equal(e.n, 1);
        assert_true(e.has_next);
        assert_string_equal(e.items[0].type, full);
        assert_memory_equal(e.items[0].sender, me, 32);
        assert_true(e.items[0].timestamp_ms > 0);
        assert_int_equal(dt_ju64(e.items[0].json, "added"), 2 * DT_SUI);
        char *cur = daas_xstrdup(e.cursor);
        daas_sui_events_fini(&e);
        assert_int_equal(daas_devnet_events(c.d, filters[i], cur, 5, &e, NULL), DAAS_OK);
        assert_int_equal(e.n, 1);
        assert_false(e.has_next);
        assert_int_equal(dt_ju64(e.items[0].json, "amount"), 5 * DT_SUI);
        daas_sui_events_fini(&e);
        daas_free(cur);
    }
    const char *none[] = {"0x2", "0x2::coin", "0x2::coin::Coin"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(daas_devnet_events(c.d, none[i], NULL, 5, &e, NULL), DAAS_OK);
        assert_int_equal(e.n, 0);
        assert_null(e.cursor);
        daas_sui_events_fini(&e);
    }
    assert_int_equal(daas_devnet_events(c.d, "nonsense", NULL, 5, &e, NULL), DAAS_EINVAL);
    assert_int_equal(daas_devnet_events(c.d, NULL, "-1", 5, &e, NULL), DAAS_EINVAL);
    daas_free(full);
    daas_free(mod);
    daas_free(shortmod);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

/* Close and reopen: the same chain, objects, versions, keys and clock. */
static void test_restart(void **state)
{
    dt_chain c;
    uint8_t gas[32], me[32], pkg[32];
    char cid[64];
    (void)state;
    dt_chain_init(&c, 0);
    daas_sui_key *k = dt_funded(&c, gas, NULL);
    dt_addr(k, me);
    dt_stake(&c, k, gas, 4 * DT_SUI, 1);
    daas_devnet_advance_clock(c.d, 2 * 86400000ull + 5);
    daas_sui_objref g = dt_ref(c.d, gas), pool = dt_ref(c.d, c.pool);
    snprintf(cid, sizeof(cid), "%s", daas_devnet_chain_id(c.d));
    memcpy(pkg, c.pkg, 32);
    uint8_t pub[32], pub2[32];
    daas_sui_key_address(daas_devnet_publisher(c.d), pub);
    daas_devnet_close(&c.d);
    assert_null(c.d);
    dt_open(&c);
    assert_string_equal(daas_devnet_chain_id(c.d), cid);
    assert_memory_equal(c.pkg, pkg, 32);
    daas_sui_key_address(daas_devnet_publisher(c.d), pub2);
    assert_memory_equal(pub, pub2, 32);
    assert_int_equal(daas_devnet_epoch(c.d), 2);
    daas_sui_objref g2 = dt_ref(c.d, gas), pool2 = dt_ref(c.d, c.pool);
    assert_int_equal(g2.version, g.version);
    assert_memory_equal(g2.digest, g.digest, 32);
    assert_int_equal(pool2.version, pool.version);
    assert_memory_equal(pool2.digest, pool.digest, 32);
    json_t *e = dt_stake_entry(&c, me);
    assert_int_equal(dt_ju64(e, "amount"), 4 * DT_SUI);
    json_decref(e);
    /* and it keeps working: the faucet and a stake after the restart */
    dt_stake(&c, k, gas, 1 * DT_SUI, 1);
    e = dt_stake_entry(&c, me);
    assert_int_equal(dt_ju64(e, "amount"), 5 * DT_SUI);
    assert_int_equal(dt_ju64(e, "locked_until"), 3);
    json_decref(e);
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

static void test_open_errors(void **state)
{
    daas_devnet *d = NULL;
    daas_err err = {0};
    daas_devnet_opts o = {0};
    (void)state;
    assert_int_equal(daas_devnet_open(&o, &d, &err), DAAS_EINVAL);
    o.dir = "/proc/no/such/dir";
    daas_err_clear(&err);
    assert_int_not_equal(daas_devnet_open(&o, &d, &err), DAAS_OK);
    assert_null(d);
    daas_devnet_close(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),
        cmocka_unit_test(test_faucet),
        cmocka_unit_test(test_split_transfer_merge),
        cmocka_unit_test(test_gas_smashing),
        cmocka_unit_test(test_signature_rejections),
        cmocka_unit_test_setup_teardown(test_gas_rejections, pair_setup, pair_teardown),
        cmocka_unit_test_setup_teardown(test_input_rejections, pair_setup, pair_teardown),
        cmocka_unit_test(test_failure_charges_gas),
        cmocka_unit_test(test_argument_failures),
        cmocka_unit_test(test_idempotent),
        cmocka_unit_test(test_simulate),
        cmocka_unit_test(test_list_paging),
        cmocka_unit_test(test_events_filters),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
