/*
 * test_staking.c: the executable specification of move/README.md "staking" on the
 * development chain: stake (every check in order, its effects, the Staked event), the tier
 * computation role_of (off chain from the Pool and the table entry, and on chain through a
 * MoveCall result), unstake with the lock-up and the clock, slashing with the publisher's
 * AdminCap, set_params, and argument type errors.
 *
 * Owns:   one chain per test in a temporary directory (devnet_test.h), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devnet_test.h"

/* The abort codes as move/README.md "staking" numbers them (the spec, not the code's table). */
enum { EBadRole = 1, EZeroAmount = 2, EBelowThreshold = 3, ESlashed = 4, ENoStake = 5 };
enum { ELocked = 6, EInsufficient = 7, EBadEvidence = 8, EBadThresholds = 9 };

#define DAY 86400000ull

static void expect_stake_aborts(dt_chain *c, dt_user *s, uint64_t amount, uint8_t role,
                                uint64_t code)
{
    dt_ptb p;
    dt_stake_ptb(c, &p, dt_ref(c->d, s->gas), amount, role);
    dt_aborts(c->d, &p, s->k, c->pkg_hex, "staking", "stake", code);
}

static dt_ptb *unstake_ptb(dt_chain *c, dt_ptb *p, dt_user *s, uint64_t amount)
{
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, s->gas));
    daas_sui_arg args[2] = {dt_shared(p, c->pool, 1, true), dt_u64(p, amount)};
    dt_call(p, c->pkg, "staking", "unstake", args, 2);
    return p;
}

static void params_ptb(dt_chain *c, dt_ptb *p, const uint64_t v[5])
{
    dt_admin_ptb(c, p);
    daas_sui_arg args[7] = {dt_owned(p, dt_ref(c->d, c->admin_cap)),
                            dt_shared(p, c->pool, 1, true),
                            dt_u64(p, v[0]),
                            dt_u64(p, v[1]),
                            dt_u64(p, v[2]),
                            dt_u64(p, v[3]),
                            dt_u64(p, v[4])};
    dt_call(p, c->pkg, "staking", "set_params", args, 7);
}

static json_t *jhex(const uint8_t a[32])
{
    char h[67];
    daas_sui_address_hex(a, h);
    return json_string(h);
}

static json_t *ju64(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
    return json_string(s);
}

#define daas_devnet__json_u64_t ju64

/* The Pool's contents. */
static json_t *pool_json(dt_chain *c)
{
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c->d, c->pool, &o, NULL), DAAS_OK);
    json_t *j = json_incref(o.json);
    daas_sui_object_fini(&o);
    return j;
}

static void expect_pool(dt_chain *c, uint64_t vault, uint64_t slashed, uint64_t size)
{
    json_t *j = pool_json(c);
    assert_true(dt_ju64(j, "vault") == vault);
    assert_true(dt_ju64(j, "slashed") == slashed);
    assert_true(dt_ju64(json_object_get(j, "stakes"), "size") == size);
    json_decref(j);
}

static void expect_entry(dt_chain *c, const uint8_t a[32], uint64_t amount, int role,
                         uint64_t locked_until, bool slashed)
{
    json_t *e = dt_stake_entry(c, a);
    assert_non_null(e);
    json_t *want = json_pack("{s:o,s:i,s:o,s:b}", "amount", ju64(amount), "role", role,
                             "locked_until", ju64(locked_until), "slashed", slashed);
    if (!json_equal(e, want)) {
        char *s = json_dumps(e, 0);
        fprintf(stderr, "entry: %s\n", s);
        free(s);
    }
    assert_true(json_equal(e, want));
    json_decref(want);
    json_decref(e);
}

/* The last event of the chain (type and json). */
static void expect_last_event(dt_chain *c, const char *name, json_t *want)
{
    daas_sui_events e;
    char *cur = NULL;
    char *type = daas_xasprintf("%s::staking::%s", c->pkg_hex, name);
    json_t *last = NULL;
    char *last_type = NULL;
    for (;;) {
        assert_int_equal(daas_devnet_events(c->d, NULL, cur, 50, &e, NULL), DAAS_OK);
        if (e.n > 0) {
            json_decref(last);
            daas_free(last_type);
            last = json_incref(e.items[e.n - 1].json);
            last_type = daas_xstrdup(e.items[e.n - 1].type);
            daas_free(cur);
            cur = daas_xstrdup(e.cursor);
        }
        bool more = e.has_next;
        daas_sui_events_fini(&e);
        if (!more)
            break;
    }
    assert_non_null(last);
    assert_string_equal(last_type, type);
    if (!json_equal(last, want)) {
        char *s = json_dumps(last, 0);
        fprintf(stderr, "event: %s\n", s);
        free(s);
    }
    assert_true(json_equal(last, want));
    json_decref(want);
    json_decref(last);
    daas_free(last_type);
    daas_free(cur);
    daas_free(type);
}

static void test_stake(void **state)
{
    dt_chain c;
    dt_user s;
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &s);
    assert_int_equal(dt_role(&c, s.a), 0);
    dt_stake(&c, s.k, s.gas, 10 * DT_SUI, 2);
    expect_entry(&c, s.a, 10 * DT_SUI, 2, 1, false);
    expect_pool(&c, 10 * DT_SUI, 0, 1);
    assert_int_equal(dt_role(&c, s.a), 2);
    expect_last_event(&c, "Staked",
                      json_pack("{s:o,s:o,s:o,s:i,s:o}", "staker", jhex(s.a), "added",
                                ju64(10 * DT_SUI), "amount", ju64(10 * DT_SUI), "role", 2,
                                "locked_until", ju64(1)));
    /* a later stake adds up and may lower the requested role */
    dt_stake(&c, s.k, s.gas, 5 * DT_SUI, 1);
    expect_entry(&c, s.a, 15 * DT_SUI, 1, 1, false);
    assert_int_equal(dt_role(&c, s.a), 1);
    expect_pool(&c, 15 * DT_SUI, 0, 1);
    /* the staked coin came out of the gas coin: 15 SUI plus gas */
    assert_true(dt_balance(c.d, s.gas) < 85 * DT_SUI);
    assert_true(dt_balance(c.d, s.gas) > 84 * DT_SUI);
    /* an owned coin staked whole is deleted */
    dt_stake_coin(&c, s.k, s.other, s.gas, 3);
    assert_false(dt_exists(c.d, s.other));
    expect_entry(&c, s.a, 115 * DT_SUI, 3, 1, false);
    assert_int_equal(dt_role(&c, s.a), 3);
    expect_pool(&c, 115 * DT_SUI, 0, 1);
    /* admin needs 1000 SUI: what is held decides, not what is asked */
    expect_stake_aborts(&c, &s, 1 * DT_SUI, 4, EBelowThreshold);
    dt_user_fini(&s);
    dt_chain_fini(&c);
}

static void test_stake_aborts(void **state)
{
    dt_chain c;
    dt_user s;
    dt_ptb p;
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &s);
    expect_stake_aborts(&c, &s, 5 * DT_SUI, 0, EBadRole);
    expect_stake_aborts(&c, &s, 5 * DT_SUI, 5, EBadRole);
    expect_stake_aborts(&c, &s, 0, 0, EBadRole); /* the role is checked first */
    expect_stake_aborts(&c, &s, 0, 1, EZeroAmount);
    expect_stake_aborts(&c, &s, DT_SUI - 1, 1, EBelowThreshold);
    expect_stake_aborts(&c, &s, 5 * DT_SUI, 2, EBelowThreshold);
    expect_stake_aborts(&c, &s, 99 * DT_SUI, 3, EBelowThreshold);
    assert_null(dt_stake_entry(&c, s.a));
    expect_pool(&c, 0, 0, 0);
    /* the threshold counts what is already staked */
    dt_stake(&c, s.k, s.gas, 5 * DT_SUI, 1);
    dt_stake(&c, s.k, s.gas, 5 * DT_SUI, 2);
    expect_entry(&c, s.a, 10 * DT_SUI, 2, 1, false);
    /* nothing of an aborted stake is kept, not even the split coin */
    daas_sui_page pg;
    assert_int_equal(daas_devnet_list_objects(c.d, s.a, DT_COIN_TYPE, NULL, 10, &pg, NULL),
                     DAAS_OK);
    assert_int_equal(pg.n, 2);
    daas_sui_page_fini(&pg);
    /* the wrong arguments: Registry for Pool, a u64 role, an immutable Pool, the gas coin */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, s.gas));
    daas_sui_arg amt = dt_u64(&p, DT_SUI);
    size_t sp = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg args[3] = {dt_shared(&p, c.registry, 1, true), dt_result(sp), dt_u8(&p, 1)};
    dt_call(&p, c.pkg, "staking", "stake", args, 3);
    dt_fails(c.d, &p, s.k, "CommandArgumentError { arg_idx: 0, kind: TypeMismatch } in command 1");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, s.gas));
    amt = dt_u64(&p, DT_SUI);
    sp = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg args2[3] = {dt_shared(&p, c.pool, 1, true), dt_result(sp), dt_u64(&p, 1)};
    dt_call(&p, c.pkg, "staking", "stake", args2, 3);
    dt_fails(c.d, &p, s.k, "CommandArgumentError { arg_idx: 2, kind: InvalidBCSBytes }");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, s.gas));
    amt = dt_u64(&p, DT_SUI);
    sp = dt_split(&p, dt_gas(), &amt, 1);
    daas_sui_arg args3[3] = {dt_shared(&p, c.pool, 1, false), dt_result(sp), dt_u8(&p, 1)};
    dt_call(&p, c.pkg, "staking", "stake", args3, 3);
    dt_fails(c.d, &p, s.k, "CommandArgumentError { arg_idx: 0, kind: InvalidObjectByMutRef }");
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, s.gas));
    daas_sui_arg args4[3] = {dt_shared(&p, c.pool, 1, true), dt_gas(), dt_u8(&p, 1)};
    dt_call(&p, c.pkg, "staking", "stake", args4, 3);
    dt_fails(c.d, &p, s.k, "CommandArgumentError { arg_idx: 1, kind: InvalidGasCoinUsage }");
    dt_user_fini(&s);
    dt_chain_fini(&c);
}

/* role_of on chain: its u8 result feeds stake's role argument. */
static void test_role_of_call(void **state)
{
    dt_chain c;
    dt_user s, t;
    dt_ptb p;
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &s);
    dt_user_init(&c, &t);
    dt_stake(&c, s.k, s.gas, 12 * DT_SUI, 2);
    for (int who = 0; who < 2; who++) {
        dt_user *x = who == 0 ? &s : &t;
        dt_ptb_init(&p);
        dt_pay(&p, dt_ref(c.d, x->gas));
        daas_sui_arg pool = dt_shared(&p, c.pool, 1, true);
        daas_sui_arg ra[2] = {pool, dt_address(&p, x->a)};
        size_t r = dt_call(&p, c.pkg, "staking", "role_of", ra, 2);
        daas_sui_arg amt = dt_u64(&p, DT_SUI);
        size_t sp = dt_split(&p, dt_gas(), &amt, 1);
        daas_sui_arg args[3] = {pool, dt_result(sp), dt_result(r)};
        dt_call(&p, c.pkg, "staking", "stake", args, 3);
        if (who == 0)
            dt_ok(c.d, &p, x->k);
        else /* no stake: role_of is 0, and 0 is not a role */
            dt_aborts(c.d, &p, x->k, c.pkg_hex, "staking", "stake", EBadRole);
    }
    expect_entry(&c, s.a, 13 * DT_SUI, 2, 1, false);
    dt_user_fini(&s);
    dt_user_fini(&t);
    dt_chain_fini(&c);
}

static void test_unstake(void **state)
{
    dt_chain c;
    dt_user s, t;
    dt_ptb p;
    daas_sui_exec_result r;
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &s);
    dt_user_init(&c, &t);
    dt_aborts(c.d, unstake_ptb(&c, &p, &t, 0), t.k, c.pkg_hex, "staking", "unstake", ENoStake);
    dt_stake(&c, s.k, s.gas, 10 * DT_SUI, 1);
    dt_aborts(c.d, unstake_ptb(&c, &p, &s, 0), s.k, c.pkg_hex, "staking", "unstake", EZeroAmount);
    dt_aborts(c.d, unstake_ptb(&c, &p, &s, 100 * DT_SUI), s.k, c.pkg_hex, "staking", "unstake",
              ELocked);
    daas_devnet_advance_clock(c.d, DAY);
    assert_int_equal(daas_devnet_epoch(c.d), 1);
    dt_aborts(c.d, unstake_ptb(&c, &p, &s, 10 * DT_SUI + 1), s.k, c.pkg_hex, "staking", "unstake",
              EInsufficient);
    /* 3 SUI come back as a new coin owned by the staker */
    assert_int_equal(dt_run(c.d, unstake_ptb(&c, &p, &s, 3 * DT_SUI), s.k, &r, NULL), DAAS_OK);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    assert_string_equal(r.created[0].type, DT_COIN_TYPE);
    assert_true(dt_balance(c.d, r.created[0].id) == 3 * DT_SUI);
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c.d, r.created[0].id, &o, NULL), DAAS_OK);
    assert_memory_equal(o.owner, s.a, 32);
    daas_sui_object_fini(&o);
    daas_sui_exec_result_fini(&r);
    expect_entry(&c, s.a, 7 * DT_SUI, 1, 1, false);
    expect_pool(&c, 7 * DT_SUI, 0, 1);
    expect_last_event(&c, "Unstaked",
                      json_pack("{s:o,s:o,s:o}", "staker", jhex(s.a), "amount", ju64(3 * DT_SUI),
                                "remaining", ju64(7 * DT_SUI)));
    /* the rest: the entry goes away */
    dt_ok(c.d, unstake_ptb(&c, &p, &s, 7 * DT_SUI), s.k);
    assert_null(dt_stake_entry(&c, s.a));
    assert_int_equal(dt_role(&c, s.a), 0);
    expect_pool(&c, 0, 0, 0);
    dt_aborts(c.d, unstake_ptb(&c, &p, &s, 1), s.k, c.pkg_hex, "staking", "unstake", ENoStake);
    /* and comes back with a new stake (same dynamic field id, a new version) */
    dt_stake(&c, s.k, s.gas, 2 * DT_SUI, 1);
    expect_entry(&c, s.a, 2 * DT_SUI, 1, 2, false);
    expect_pool(&c, 2 * DT_SUI, 0, 1);
    dt_user_fini(&s);
    dt_user_fini(&t);
    dt_chain_fini(&c);
}

/* Every stake restarts the lock-up: unstake waits for epoch + lock_epochs. */
static void test_lockup(void **state)
{
    dt_chain c;
    dt_user s;
    dt_ptb p;
    (void)state;
    dt_chain_init(&c, 60000); /* one-minute epochs */
    dt_user_init(&c, &s);
    dt_stake(&c, s.k, s.gas, 2 * DT_SUI, 1);
    expect_entry(&c, s.a, 2 * DT_SUI, 1, 1, false);
    daas_devnet_advance_clock(c.d, 60000);
    dt_stake(&c, s.k, s.gas, 1 * DT_SUI, 1);
    expect_entry(&c, s.a, 3 * DT_SUI, 1, 2, false);
    dt_aborts(c.d, unstake_ptb(&c, &p, &s, DT_SUI), s.k, c.pkg_hex, "staking", "unstake", ELocked);
    daas_devnet_advance_clock(c.d, 60000);
    dt_ok(c.d, unstake_ptb(&c, &p, &s, DT_SUI), s.k);
    expect_entry(&c, s.a, 2 * DT_SUI, 1, 2, false); /* unstake keeps the lock-up */
    dt_user_fini(&s);
    dt_chain_fini(&c);
}

static void test_slash(void **state)
{
    dt_chain c;
    dt_user s, t, u;
    dt_ptb p;
    uint8_t pub[32], ev[32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &s);
    dt_user_init(&c, &t);
    dt_user_init(&c, &u);
    dt_addr(daas_devnet_publisher(c.d), pub);
    const daas_sui_key *admin = daas_devnet_publisher(c.d);
    dt_stake(&c, s.k, s.gas, 10 * DT_SUI, 2);
    dt_stake(&c, t.k, t.gas, 1 * DT_SUI, 1);
    /* checks in order */
    dt_slash_ptb(&c, &p, u.a, 1, 31);
    dt_aborts(c.d, &p, admin, c.pkg_hex, "staking", "slash", ENoStake);
    dt_slash_ptb(&c, &p, s.a, 100 * DT_SUI, 31);
    dt_aborts(c.d, &p, admin, c.pkg_hex, "staking", "slash", EBadEvidence);
    dt_slash_ptb(&c, &p, s.a, 1, 33);
    dt_aborts(c.d, &p, admin, c.pkg_hex, "staking", "slash", EBadEvidence);
    dt_slash_ptb(&c, &p, s.a, 10 * DT_SUI + 1, 32);
    dt_aborts(c.d, &p, admin, c.pkg_hex, "staking", "slash", EInsufficient);
    /* only the AdminCap's owner can use it */
    dt_slash_ptb(&c, &p, s.a, 1, 32);
    dt_rejects(c.d, &p, s.k, "Transaction was not signed by the correct sender");
    /* 4 SUI move from vault to slashed; the stake no longer grants a role */
    dt_slash_ptb(&c, &p, s.a, 4 * DT_SUI, 32);
    dt_ok(c.d, &p, admin);
    expect_entry(&c, s.a, 6 * DT_SUI, 2, 1, true);
    expect_pool(&c, 7 * DT_SUI, 4 * DT_SUI, 2);
    assert_int_equal(dt_role(&c, s.a), 0);
    for (size_t i = 0; i < 32; i++)
        ev[i] = (uint8_t)(i * 7 + 1);
    char *ev64 = daas_base64_encode(ev, 32);
    expect_last_event(&c, "Slashed",
                      json_pack("{s:o,s:o,s:o,s:s,s:o}", "staker", jhex(s.a), "amount",
                                ju64(4 * DT_SUI), "remaining", ju64(6 * DT_SUI), "evidence", ev64,
                                "by", jhex(pub)));
    daas_free(ev64);
    expect_stake_aborts(&c, &s, 5 * DT_SUI, 2, ESlashed);
    /* amount 0 marks only; slashing everything keeps the entry at 0 */
    dt_slash_ptb(&c, &p, t.a, 0, 32);
    dt_ok(c.d, &p, admin);
    expect_entry(&c, t.a, 1 * DT_SUI, 1, 1, true);
    assert_int_equal(dt_role(&c, t.a), 0);
    dt_slash_ptb(&c, &p, s.a, 6 * DT_SUI, 32);
    dt_ok(c.d, &p, admin);
    expect_entry(&c, s.a, 0, 2, 1, true);
    expect_pool(&c, 1 * DT_SUI, 10 * DT_SUI, 2);
    expect_stake_aborts(&c, &s, 5 * DT_SUI, 1, ESlashed);
    /* unstaking a slashed entry down to 0 keeps it too: the address can never stake again */
    daas_devnet_advance_clock(c.d, DAY);
    dt_ok(c.d, unstake_ptb(&c, &p, &t, 1 * DT_SUI), t.k);
    expect_entry(&c, t.a, 0, 1, 1, true);
    expect_pool(&c, 0, 10 * DT_SUI, 2);
    assert_int_equal(dt_role(&c, t.a), 0);
    expect_stake_aborts(&c, &t, 5 * DT_SUI, 1, ESlashed);
    dt_aborts(c.d, unstake_ptb(&c, &p, &t, 1), t.k, c.pkg_hex, "staking", "unstake", EInsufficient);
    dt_user_fini(&s);
    dt_user_fini(&t);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

static void test_set_params(void **state)
{
    dt_chain c;
    dt_user s;
    dt_ptb p;
    uint8_t big[32];
    const daas_sui_key *admin;
    (void)state;
    dt_chain_init(&c, 0);
    admin = daas_devnet_publisher(c.d);
    dt_user_init(&c, &s);
    dt_give(&c, s.a, 150 * DT_SUI, big);
    dt_stake_coin(&c, s.k, big, s.gas, 3);
    assert_int_equal(dt_role(&c, s.a), 3);
    /* thresholds out of order, or a lock-up over 1000 epochs */
    static const uint64_t bad[][5] = {
        {0, 1, 2, 3, 1}, {2, 1, 3, 4, 1}, {1, 3, 2, 4, 1}, {1, 2, 4, 3, 1}, {1, 2, 3, 4, 1001}};
    for (size_t i = 0; i < 5; i++) {
        params_ptb(&c, &p, bad[i]);
        dt_aborts(c.d, &p, admin, c.pkg_hex, "staking", "set_params", EBadThresholds);
    }
    const uint64_t v[5] = {2 * DT_SUI, 20 * DT_SUI, 200 * DT_SUI, 2000 * DT_SUI, 3};
    params_ptb(&c, &p, v);
    dt_rejects(c.d, &p, s.k, "Transaction was not signed by the correct sender");
    params_ptb(&c, &p, v);
    dt_ok(c.d, &p, admin);
    json_t *j = pool_json(&c);
    json_t *thr = json_object_get(j, "thresholds");
    for (size_t i = 0; i < 4; i++)
        assert_true(strtoull(json_string_value(json_array_get(thr, i)), NULL, 10) == v[i]);
    assert_int_equal(dt_ju64(j, "lock_epochs"), 3);
    json_decref(j);
    expect_last_event(&c, "ParamsChanged",
                      json_pack("{s:[o,o,o,o],s:o}", "thresholds", ju64(v[0]), ju64(v[1]),
                                ju64(v[2]), ju64(v[3]), "lock_epochs", ju64(3)));
    /* existing stakes are untouched; their role follows the new thresholds */
    expect_entry(&c, s.a, 150 * DT_SUI, 3, 1, false);
    assert_int_equal(dt_role(&c, s.a), 2);
    /* node now needs 200 SUI: asking for it again with 152 aborts */
    expect_stake_aborts(&c, &s, 2 * DT_SUI, 3, EBelowThreshold);
    /* the new lock-up applies to the next stake; equal thresholds are allowed */
    dt_stake(&c, s.k, s.gas, 2 * DT_SUI, 2);
    expect_entry(&c, s.a, 152 * DT_SUI, 2, 3, false);
    const uint64_t flat[5] = {5, 5, 5, 5, 0};
    params_ptb(&c, &p, flat);
    dt_ok(c.d, &p, admin);
    assert_int_equal(dt_role(&c, s.a), 2);
    dt_stake(&c, s.k, s.gas, 1, 4);
    assert_int_equal(dt_role(&c, s.a), 4);
    expect_entry(&c, s.a, 152 * DT_SUI + 1, 4, 0, false); /* lock_epochs 0 */
    const uint64_t longest[5] = {5, 5, 5, 5, 1000};
    params_ptb(&c, &p, longest);
    dt_ok(c.d, &p, admin);
    j = pool_json(&c);
    assert_int_equal(dt_ju64(j, "lock_epochs"), 1000);
    json_decref(j);
    dt_user_fini(&s);
    dt_chain_fini(&c);
}

/* The events of the staking module come back in order, one page at a time. */
static void test_event_stream(void **state)
{
    dt_chain c;
    dt_user s;
    dt_ptb p;
    static const char *const names[] = {"Staked", "Slashed", "ParamsChanged"};
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &s);
    dt_stake(&c, s.k, s.gas, 3 * DT_SUI, 1);
    dt_slash_ptb(&c, &p, s.a, 1, 32);
    dt_ok(c.d, &p, daas_devnet_publisher(c.d));
    const uint64_t v[5] = {1, 2, 3, 4, 5};
    params_ptb(&c, &p, v);
    dt_ok(c.d, &p, daas_devnet_publisher(c.d));
    char *mod = daas_xasprintf("%s::staking", c.pkg_hex);
    char *cur = NULL;
    for (size_t i = 0; i < 3; i++) {
        daas_sui_events e;
        assert_int_equal(daas_devnet_events(c.d, mod, cur, 1, &e, NULL), DAAS_OK);
        assert_int_equal(e.n, 1);
        assert_int_equal(e.has_next, i < 2);
        char *t = daas_xasprintf("%s::%s", mod, names[i]);
        assert_string_equal(e.items[0].type, t);
        daas_free(t);
        daas_free(cur);
        cur = daas_xstrdup(e.cursor);
        daas_sui_events_fini(&e);
    }
    daas_free(cur);
    daas_free(mod);
    dt_user_fini(&s);
    dt_chain_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stake),        cmocka_unit_test(test_stake_aborts),
        cmocka_unit_test(test_role_of_call), cmocka_unit_test(test_unstake),
        cmocka_unit_test(test_lockup),       cmocka_unit_test(test_slash),
        cmocka_unit_test(test_set_params),   cmocka_unit_test(test_event_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
