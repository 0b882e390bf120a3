/*
 * test_policy.c: the executable specification of move/README.md "secret_policy" and of the
 * devnet's twin of Mysten's Seal package: create_policy / update_policy (parameters, admin),
 * request_access (stake, allow-list, window, usage counting, the ticket and its event),
 * seal_approve (every rule and abort code, dry-run with an empty gas payment as Seal key
 * servers do), ticket expiry with the devnet clock, key_server create / update (owner only),
 * time::check_staleness, and what a simulation reports for an abort and for FunctionNotFound.
 *
 * Owns:   one chain per test in a temporary directory (devnet_test.h), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <blst.h>

#include "devnet_test.h"

enum {
    ENotAdmin = 1,
    EBadParams = 2,
    EInsufficientStake = 3,
    ENotAllowed = 4,
    EOutsideWindow = 5,
    EUsageLimit = 6,
    EWrongId = 7,
    EBadTicket = 8,
    ETicketExpired = 9
};

#define CLOCK_ISV 1
#define HOUR_MS 3600000ull
#define MOD "secret_policy"

static const uint8_t CLOCK[32] = {[31] = 6};

typedef struct pol_params {
    uint64_t stake;
    const uint8_t (*nodes)[32];
    size_t n_nodes;
    uint64_t not_before, not_after, max_uses, ttl;
} pol_params;

/* A pure vector<address> of n addresses (n < 128) in buf, added as an input of p. */
static daas_sui_arg addr_vec(dt_ptb *p, uint8_t *buf, const uint8_t (*a)[32], size_t n)
{
    assert_true(n < 128 && p->n_in < DT_MAX);
    buf[0] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + 1 + 32 * i, a[i], 32);
    p->in[p->n_in] =
        (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = buf, .pure_len = 1 + 32 * n};
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p->n_in++};
}

/* The six parameters of create_policy / update_policy into a[0..5]. */
static void param_args(dt_ptb *p, uint8_t *buf, const pol_params *pp, daas_sui_arg a[6])
{
    a[0] = dt_u64(p, pp->stake);
    a[1] = addr_vec(p, buf, pp->nodes, pp->n_nodes);
    a[2] = dt_u64(p, pp->not_before);
    a[3] = dt_u64(p, pp->not_after);
    a[4] = dt_u64(p, pp->max_uses);
    a[5] = dt_u64(p, pp->ttl);
}

static uint8_t g_vec[1 + 127 * 32]; /* the vector<address> of the PTB being built */

static void create_ptb(dt_chain *c, dt_ptb *p, const dt_user *u, const pol_params *pp)
{
    daas_sui_arg a[6];
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, u->gas));
    param_args(p, g_vec, pp, a);
    dt_call(p, c->pkg, MOD, "create_policy", a, 6);
}

/* Creates a policy as u; returns its id. */
static void create(dt_chain *c, const dt_user *u, const pol_params *pp, uint8_t id[32])
{
    dt_ptb p;
    daas_sui_exec_result r;
    create_ptb(c, &p, u, pp);
    dt_exec(c->d, &p, u->k, &r);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    char *t = daas_xasprintf("%s::secret_policy::DecryptionPolicy", c->pkg_hex);
    assert_string_equal(r.created[0].type, t);
    daas_free(t);
    memcpy(id, r.created[0].id, 32);
    assert_int_equal(r.n_events, 1);
    char *ev = daas_xasprintf("%s::secret_policy::PolicyCreated", c->pkg_hex);
    assert_string_equal(r.events[0].type, ev);
    daas_free(ev);
    char hex[67];
    daas_sui_address_hex(id, hex);
    assert_string_equal(json_string_value(json_object_get(r.events[0].json, "policy")), hex);
    daas_sui_exec_result_fini(&r);
}

static void update_ptb(dt_chain *c, dt_ptb *p, const dt_user *u, const uint8_t id[32],
                       const pol_params *pp)
{
    daas_sui_arg a[7];
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, u->gas));
    a[0] = dt_shared(p, id, dt_isv(c->d, id), true);
    param_args(p, g_vec, pp, a + 1);
    dt_call(p, c->pkg, MOD, "update_policy", a, 7);
}

static void request_ptb(dt_chain *c, dt_ptb *p, const dt_user *u, const uint8_t id[32])
{
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, u->gas));
    daas_sui_arg a[3] = {dt_shared(p, id, dt_isv(c->d, id), true),
                         dt_shared(p, c->pool, dt_isv(c->d, c->pool), false),
                         dt_shared(p, CLOCK, CLOCK_ISV, false)};
    dt_call(p, c->pkg, MOD, "request_access", a, 3);
}

/* request_access as u succeeds; returns the ticket id and checks the event. */
static void request(dt_chain *c, const dt_user *u, const uint8_t id[32], uint8_t ticket[32])
{
    dt_ptb p;
    daas_sui_exec_result r;
    request_ptb(c, &p, u, id);
    int64_t before = daas_devnet_now_ms(c->d);
    dt_exec(c->d, &p, u->k, &r);
    if (!r.success)
        fprintf(stderr, "request_access: %s\n", r.error);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    memcpy(ticket, r.created[0].id, 32);
    assert_int_equal(r.n_events, 1);
    json_t *ev = r.events[0].json;
    char hex[67];
    daas_sui_address_hex(ticket, hex);
    assert_string_equal(json_string_value(json_object_get(ev, "ticket")), hex);
    daas_sui_address_hex(u->a, hex);
    assert_string_equal(json_string_value(json_object_get(ev, "holder")), hex);
    /* expires_ms = now + ttl: now is within [before, after] */
    daas_sui_object t;
    assert_int_equal(daas_devnet_get_object(c->d, ticket, &t, NULL), DAAS_OK);
    assert_int_equal(t.owner_kind, DAAS_SUI_OWNER_ADDRESS);
    assert_memory_equal(t.owner, u->a, 32);
    assert_true(dt_ju64(t.json, "expires_ms") >= (uint64_t)before);
    assert_true(dt_ju64(t.json, "expires_ms") == dt_ju64(ev, "expires_ms"));
    daas_sui_object_fini(&t);
    daas_sui_exec_result_fini(&r);
}

/* PTB of seal_approve(id, policy, ticket, pool, clock) from sender, no gas payment. */
static void approve_ptb(dt_chain *c, dt_ptb *p, const uint8_t *id, size_t id_len,
                        const uint8_t policy[32], const uint8_t ticket[32])
{
    dt_ptb_init(p);
    p->budget = 500000000ull; /* what Seal key servers use (specs/seal.md §6.8) */
    daas_sui_arg a[5] = {dt_vec(p, id, id_len), dt_shared(p, policy, dt_isv(c->d, policy), false),
                         dt_owned(p, dt_ref(c->d, ticket)),
                         dt_shared(p, c->pool, dt_isv(c->d, c->pool), false),
                         dt_shared(p, CLOCK, CLOCK_ISV, false)};
    dt_call(p, c->pkg, MOD, "seal_approve", a, 5);
}

/* Simulates p from sender with an empty gas payment; asserts it ran. */
static void simulate(dt_chain *c, dt_ptb *p, const uint8_t sender[32], daas_sui_exec_result *r)
{
    daas_buf b;
    daas_err err = {0};
    dt_encode(p, sender, &b);
    int rc = daas_devnet_execute(c->d, DAAS_BYTES(b.data, b.len), NULL, 0, true, r, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "simulate: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    daas_buf_fini(&b);
}

/* seal_approve for identity policy || suffix: passes (code 0) or aborts with code. */
static void approve(dt_chain *c, const uint8_t sender[32], const uint8_t policy[32],
                    const uint8_t ticket[32], uint64_t code)
{
    uint8_t id[40];
    dt_ptb p;
    daas_sui_exec_result r;
    memcpy(id, policy, 32);
    memcpy(id + 32, "secret-1", 8);
    approve_ptb(c, &p, id, sizeof(id), policy, ticket);
    simulate(c, &p, sender, &r);
    if (code == 0) {
        if (!r.success)
            fprintf(stderr, "seal_approve: %s\n", r.error);
        assert_true(r.success);
        assert_int_equal(r.n_created, 0);
        assert_int_equal(r.n_events, 0);
    } else {
        assert_false(r.success);
        assert_true(r.has_abort_code);
        assert_int_equal(r.abort_code, code);
        char *m = daas_xasprintf("%s::secret_policy", c->pkg_hex);
        assert_string_equal(r.abort_module, m);
        daas_free(m);
        assert_string_equal(r.abort_function, "seal_approve");
    }
    daas_sui_exec_result_fini(&r);
}

static pol_params open_params(void)
{
    return (pol_params){.ttl = HOUR_MS};
}

/* ---- create / update ---- */

static void test_create(void **state)
{
    dt_chain c;
    dt_user u;
    uint8_t id[32], nodes[2][32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    memset(nodes[0], 0xa1, 32);
    memset(nodes[1], 0xb2, 32);
    pol_params pp = {.stake = 7 * DT_SUI,
                     .nodes = nodes,
                     .n_nodes = 2,
                     .not_before = 1000,
                     .not_after = 2000,
                     .max_uses = 3,
                     .ttl = 60000};
    create(&c, &u, &pp, id);
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c.d, id, &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_SHARED);
    char admin[67], n0[67], n1[67];
    daas_sui_address_hex(u.a, admin);
    daas_sui_address_hex(nodes[0], n0);
    daas_sui_address_hex(nodes[1], n1);
    json_t *want = json_pack(
        "{s:s,s:s,s:[s,s],s:s,s:s,s:s,s:s,s:s}", "admin", admin, "required_stake", "7000000000",
        "allowed_nodes", n0, n1, "not_before_ms", "1000", "not_after_ms", "2000", "max_uses", "3",
        "uses", "0", "ticket_ttl_ms", "60000");
    json_object_del(o.json, "id");
    assert_true(json_equal(o.json, want));
    json_decref(want);
    daas_sui_object_fini(&o);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

/* EBadParams: an empty or reversed window, a ttl of 0 or past 365 days, > 64 nodes. */
static void test_bad_params(void **state)
{
    dt_chain c;
    dt_user u;
    dt_ptb p;
    static uint8_t many[65][32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    pol_params bad[] = {
        {.not_before = 5, .not_after = 5, .ttl = 1},
        {.not_before = 9, .not_after = 5, .ttl = 1},
        {.ttl = 0},
        {.ttl = 31536000001ull},
        {.nodes = many, .n_nodes = 65, .ttl = 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        create_ptb(&c, &p, &u, &bad[i]);
        dt_aborts(c.d, &p, u.k, c.pkg_hex, MOD, "create_policy", EBadParams);
    }
    /* the limits themselves are fine */
    uint8_t id[32];
    pol_params ok = {.nodes = many, .n_nodes = 64, .not_after = 1, .ttl = 31536000000ull};
    create(&c, &u, &ok, id);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

static void test_update(void **state)
{
    dt_chain c;
    dt_user u, other;
    dt_ptb p;
    uint8_t id[32], ticket[32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    dt_user_init(&c, &other);
    pol_params pp = open_params();
    create(&c, &u, &pp, id);
    request(&c, &u, id, ticket);
    pol_params np = {.stake = 5, .max_uses = 9, .not_before = 10, .not_after = 20, .ttl = 77};
    update_ptb(&c, &p, &other, id, &np);
    dt_aborts(c.d, &p, other.k, c.pkg_hex, MOD, "update_policy", ENotAdmin);
    pol_params bad = {.ttl = 0};
    update_ptb(&c, &p, &u, id, &bad);
    dt_aborts(c.d, &p, u.k, c.pkg_hex, MOD, "update_policy", EBadParams);
    update_ptb(&c, &p, &u, id, &np);
    dt_ok(c.d, &p, u.k);
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c.d, id, &o, NULL), DAAS_OK);
    assert_int_equal(dt_ju64(o.json, "required_stake"), 5);
    assert_int_equal(dt_ju64(o.json, "max_uses"), 9);
    assert_int_equal(dt_ju64(o.json, "not_before_ms"), 10);
    assert_int_equal(dt_ju64(o.json, "not_after_ms"), 20);
    assert_int_equal(dt_ju64(o.json, "ticket_ttl_ms"), 77);
    assert_int_equal(dt_ju64(o.json, "uses"), 1); /* kept */
    daas_sui_object_fini(&o);
    dt_user_fini(&other);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

/* ---- request_access ---- */

/* request_access checks no rule: an unstaked, unlisted, early, late or over-limit caller gets
 * a ticket; every request counts. */
static void test_request_refuses_no_one(void **state)
{
    dt_chain c;
    dt_user admin, node;
    dt_ptb p;
    uint8_t id[32], ticket[32], nodes[1][32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &admin);
    dt_user_init(&c, &node);
    uint64_t now = (uint64_t)daas_devnet_now_ms(c.d);
    memset(nodes[0], 0x77, 32);
    /* nobody is listed, nobody has 100 SUI staked, the window opens in an hour, one use */
    pol_params pp = {.stake = 100 * DT_SUI,
                     .nodes = nodes,
                     .n_nodes = 1,
                     .not_before = now + HOUR_MS,
                     .max_uses = 1,
                     .ttl = HOUR_MS};
    create(&c, &admin, &pp, id);
    request(&c, &admin, id, ticket); /* use 1 */
    request(&c, &node, id, ticket);  /* use 2: past the limit */
    request(&c, &node, id, ticket);  /* use 3 */
    /* a closed window */
    pp.not_before = 0;
    pp.not_after = now - 1;
    update_ptb(&c, &p, &admin, id, &pp);
    dt_ok(c.d, &p, admin.k);
    request(&c, &admin, id, ticket); /* use 4 */
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c.d, id, &o, NULL), DAAS_OK);
    assert_int_equal(dt_ju64(o.json, "uses"), 4);
    daas_sui_object_fini(&o);
    dt_user_fini(&node);
    dt_user_fini(&admin);
    dt_chain_fini(&c);
}

/* ---- seal_approve ---- */

static void test_seal_approve(void **state)
{
    dt_chain c;
    dt_user admin, node, other;
    dt_ptb p;
    uint8_t id[32], id2[32], ticket[32], t_other[32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &admin);
    dt_user_init(&c, &node);
    dt_user_init(&c, &other);
    dt_stake(&c, node.k, node.gas, 5 * DT_SUI, 1);
    pol_params pp = {.stake = DT_SUI, .ttl = HOUR_MS};
    create(&c, &admin, &pp, id);
    create(&c, &admin, &pp, id2);
    request(&c, &node, id, ticket);
    request(&c, &node, id2, t_other);
    approve(&c, node.a, id, ticket, 0);
    /* a simulation changes nothing: the ticket keeps its version */
    daas_sui_objref before = dt_ref(c.d, ticket);
    approve(&c, node.a, id, ticket, 0);
    daas_sui_objref after = dt_ref(c.d, ticket);
    assert_int_equal(before.version, after.version);
    /* the identity must start with the policy's id */
    uint8_t wrong[40];
    memcpy(wrong, id2, 32);
    memcpy(wrong + 32, "secret-1", 8);
    approve_ptb(&c, &p, wrong, sizeof(wrong), id, ticket);
    daas_sui_exec_result r;
    simulate(&c, &p, node.a, &r);
    assert_true(r.has_abort_code && r.abort_code == EWrongId);
    daas_sui_exec_result_fini(&r);
    approve_ptb(&c, &p, id, 31, id, ticket);
    simulate(&c, &p, node.a, &r);
    assert_true(r.has_abort_code && r.abort_code == EWrongId);
    daas_sui_exec_result_fini(&r);
    /* a ticket of another policy */
    approve(&c, node.a, id, t_other, EBadTicket);
    /* the allow-list and the window, changed after the ticket was issued */
    uint8_t nodes[1][32];
    memcpy(nodes[0], other.a, 32);
    pol_params listed = {.stake = DT_SUI, .nodes = nodes, .n_nodes = 1, .ttl = HOUR_MS};
    update_ptb(&c, &p, &admin, id, &listed);
    dt_ok(c.d, &p, admin.k);
    approve(&c, node.a, id, ticket, ENotAllowed);
    pol_params later = {.stake = DT_SUI,
                        .not_before = (uint64_t)daas_devnet_now_ms(c.d) + HOUR_MS,
                        .ttl = HOUR_MS};
    update_ptb(&c, &p, &admin, id, &later);
    dt_ok(c.d, &p, admin.k);
    approve(&c, node.a, id, ticket, EOutsideWindow);
    update_ptb(&c, &p, &admin, id, &pp);
    dt_ok(c.d, &p, admin.k);
    approve(&c, node.a, id, ticket, 0);
    /* the stake is gone once slashed */
    dt_slash_ptb(&c, &p, node.a, DT_SUI, 32);
    dt_ok(c.d, &p, daas_devnet_publisher(c.d));
    approve(&c, node.a, id, ticket, EInsufficientStake);
    dt_user_fini(&other);
    dt_user_fini(&node);
    dt_user_fini(&admin);
    dt_chain_fini(&c);
}

/* max_uses 1: the first ticket passes, the second aborts EUsageLimit; raising or lifting the
 * limit lets it through; the stake is checked before the limit. */
static void test_approve_usage_limit(void **state)
{
    dt_chain c;
    dt_user admin, node, poor;
    dt_ptb p;
    uint8_t id[32], t1[32], t2[32], t3[32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &admin);
    dt_user_init(&c, &node);
    dt_user_init(&c, &poor);
    dt_stake(&c, node.k, node.gas, 5 * DT_SUI, 1);
    pol_params pp = {.stake = DT_SUI, .max_uses = 1, .ttl = HOUR_MS};
    create(&c, &admin, &pp, id);
    request(&c, &node, id, t1);
    request(&c, &node, id, t2);
    request(&c, &poor, id, t3); /* use 3, and no stake */
    assert_memory_not_equal(t1, t2, 32);
    approve(&c, node.a, id, t1, 0);
    approve(&c, node.a, id, t2, EUsageLimit);
    approve(&c, poor.a, id, t3, EInsufficientStake);
    approve(&c, node.a, id, t1, 0); /* a dry run uses nothing up */
    pp.max_uses = 2;
    update_ptb(&c, &p, &admin, id, &pp);
    dt_ok(c.d, &p, admin.k);
    approve(&c, node.a, id, t2, 0);
    pp.max_uses = 0; /* unlimited */
    update_ptb(&c, &p, &admin, id, &pp);
    dt_ok(c.d, &p, admin.k);
    approve(&c, node.a, id, t2, 0);
    dt_user_fini(&poor);
    dt_user_fini(&node);
    dt_user_fini(&admin);
    dt_chain_fini(&c);
}

/* seal_approve's order: one sender whose every rule fails; fixing them one at a time shows
 * EWrongId, EInsufficientStake, ENotAllowed, EOutsideWindow, EBadTicket, ETicketExpired,
 * EUsageLimit in turn, then success. */
static void test_approve_order(void **state)
{
    dt_chain c;
    dt_user admin, x;
    dt_ptb p;
    daas_sui_exec_result r;
    uint8_t id[32], id2[32], t_other[32], t1[32], t2[32], t3[32], nodes[1][32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &admin);
    dt_user_init(&c, &x);
    uint64_t now = (uint64_t)daas_devnet_now_ms(c.d);
    memset(nodes[0], 0x77, 32);
    pol_params pp = {.stake = DT_SUI,
                     .nodes = nodes,
                     .n_nodes = 1,
                     .not_before = now + 3 * HOUR_MS,
                     .max_uses = 1,
                     .ttl = HOUR_MS};
    create(&c, &admin, &pp, id);
    pol_params open = open_params();
    create(&c, &admin, &open, id2);
    request(&c, &x, id, t1);       /* use 1 */
    request(&c, &x, id, t2);       /* use 2 */
    request(&c, &x, id2, t_other); /* another policy's */
    uint8_t wrong[40];
    memcpy(wrong, id2, 32);
    memcpy(wrong + 32, "secret-1", 8);
    approve_ptb(&c, &p, wrong, sizeof(wrong), id, t_other);
    simulate(&c, &p, x.a, &r);
    assert_true(r.has_abort_code && r.abort_code == EWrongId);
    daas_sui_exec_result_fini(&r);
    approve(&c, x.a, id, t_other, EInsufficientStake);
    dt_stake(&c, x.k, x.gas, 2 * DT_SUI, 1);
    approve(&c, x.a, id, t_other, ENotAllowed);
    memcpy(nodes[0], x.a, 32);
    update_ptb(&c, &p, &admin, id, &pp);
    dt_ok(c.d, &p, admin.k);
    approve(&c, x.a, id, t_other, EOutsideWindow);
    daas_devnet_advance_clock(c.d, 3 * HOUR_MS + 60000); /* the window opens; t1, t2 expire */
    approve(&c, x.a, id, t_other, EBadTicket);
    approve(&c, x.a, id, t2, ETicketExpired); /* expired and over the limit */
    request(&c, &x, id, t3);                  /* use 3: fresh, over the limit */
    approve(&c, x.a, id, t3, EUsageLimit);
    pp.max_uses = 3;
    update_ptb(&c, &p, &admin, id, &pp);
    dt_ok(c.d, &p, admin.k);
    approve(&c, x.a, id, t3, 0);
    approve(&c, x.a, id, t1, ETicketExpired);
    dt_user_fini(&x);
    dt_user_fini(&admin);
    dt_chain_fini(&c);
}

/* A ticket is good until now >= expires_ms on the devnet clock. */
static void test_ticket_expiry(void **state)
{
    dt_chain c;
    dt_user u;
    uint8_t id[32], ticket[32];
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    pol_params pp = open_params();
    create(&c, &u, &pp, id);
    request(&c, &u, id, ticket);
    approve(&c, u.a, id, ticket, 0);
    daas_devnet_advance_clock(c.d, HOUR_MS - 60000);
    approve(&c, u.a, id, ticket, 0);
    daas_devnet_advance_clock(c.d, 60000);
    approve(&c, u.a, id, ticket, ETicketExpired);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

/* What a simulation without gas payment reports: success, an abort (module, function, code),
 * or FunctionNotFound (no abort code); executing without payment is refused. */
static void test_simulation(void **state)
{
    dt_chain c;
    dt_user u;
    dt_ptb p;
    uint8_t id[32], ticket[32];
    daas_sui_exec_result r;
    daas_err err = {0};
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    pol_params pp = open_params();
    create(&c, &u, &pp, id);
    request(&c, &u, id, ticket);
    uint8_t ident[33];
    memcpy(ident, id, 32);
    ident[32] = 1;
    /* seal_approve_x does not exist */
    approve_ptb(&c, &p, ident, sizeof(ident), id, ticket);
    snprintf(p.names[0][1], sizeof(p.names[0][1]), "seal_approve_x");
    simulate(&c, &p, u.a, &r);
    assert_false(r.success);
    assert_false(r.has_abort_code);
    assert_null(r.abort_module);
    assert_non_null(r.error);
    assert_true(strncmp(r.error, "FunctionNotFound", 16) == 0);
    assert_true(r.function_not_found);
    daas_sui_exec_result_fini(&r);
    /* nor does a module */
    approve_ptb(&c, &p, ident, sizeof(ident), id, ticket);
    snprintf(p.names[0][0], sizeof(p.names[0][0]), "no_such_module");
    simulate(&c, &p, u.a, &r);
    assert_true(!r.success && !r.has_abort_code && strncmp(r.error, "FunctionNotFound", 16) == 0);
    daas_sui_exec_result_fini(&r);
    /* an abort */
    approve_ptb(&c, &p, ident, 20, id, ticket);
    simulate(&c, &p, u.a, &r);
    assert_false(r.success);
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, EWrongId);
    assert_string_equal(r.abort_function, "seal_approve");
    assert_false(r.function_not_found);
    daas_sui_exec_result_fini(&r);
    /* executing without gas payment is refused before execution */
    approve_ptb(&c, &p, ident, sizeof(ident), id, ticket);
    assert_int_equal(dt_run(c.d, &p, u.k, &r, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "Transaction gas payment missing"));
    daas_sui_exec_result_fini(&r);
    /* the mock gas coin holds the budget: too small a budget fails as Sui does */
    approve_ptb(&c, &p, ident, sizeof(ident), id, ticket);
    p.budget = 1000 * 1000;
    simulate(&c, &p, u.a, &r);
    assert_false(r.success);
    assert_string_equal(r.error, "InsufficientGas");
    daas_sui_exec_result_fini(&r);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

/* ---- the Seal twin ---- */

/* A valid 96-byte compressed G2 public key (sk = seed's scalar · G2). */
static void make_pk(uint8_t seed_byte, uint8_t pk[96])
{
    uint8_t ikm[32];
    blst_scalar sk;
    blst_p2 pt;
    memset(ikm, seed_byte, sizeof(ikm));
    blst_keygen(&sk, ikm, sizeof(ikm), NULL, 0);
    blst_sk_to_pk_in_g2(&pt, &sk);
    blst_p2_compress(pk, &pt);
}

static void ks_create_ptb(dt_chain *c, dt_ptb *p, const dt_user *u, const char *url,
                          uint8_t key_type, const uint8_t *pk, size_t pk_len)
{
    static uint8_t pk_vec[1 + 96]; /* longer than dt_vec takes */
    uint8_t seal[32];
    assert_true(pk_len <= 96);
    daas_devnet_seal_package(c->d, seal);
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, u->gas));
    daas_sui_arg a[4] = {dt_str(p, "ks-1"), dt_str(p, url), dt_u8(p, key_type),
                         dt_pure(p, pk_vec, 0)};
    pk_vec[0] = (uint8_t)pk_len;
    memcpy(pk_vec + 1, pk, pk_len);
    p->in[a[3].index].pure = pk_vec;
    p->in[a[3].index].pure_len = 1 + pk_len;
    /* the name is longer than dt_ptb's name buffers */
    static char create_fn[] = "create_and_transfer_v2_independent_server";
    size_t k = dt_call(p, seal, "key_server", "create", a, 4);
    p->cmd[k].function = create_fn;
}

/* The V2 field of key server id, as a client reads it. */
static json_t *ks_v2(dt_chain *c, const uint8_t id[32])
{
    uint8_t two[8] = {2};
    json_t *v = NULL;
    char *vt = NULL;
    assert_int_equal(daas_devnet_dynamic_field(c->d, id, "u64", DAAS_BYTES(two, 8), &v, &vt, NULL),
                     DAAS_OK);
    assert_string_equal(vt, "0x0000000000000000000000000000000000000000000000000000000000005ea1"
                            "::key_server::KeyServerV2");
    daas_free(vt);
    return v;
}

static void test_key_server(void **state)
{
    dt_chain c;
    dt_user u, other;
    dt_ptb p;
    uint8_t pk[96], seal[32], ks[32];
    char seal_hex[67];
    daas_sui_exec_result r;
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    dt_user_init(&c, &other);
    daas_devnet_seal_package(c.d, seal);
    daas_sui_address_hex(seal, seal_hex);
    assert_string_equal(seal_hex,
                        "0x0000000000000000000000000000000000000000000000000000000000005ea1");
    make_pk(7, pk);
    ks_create_ptb(&c, &p, &u, "http://a", 1, pk, 96);
    dt_aborts(c.d, &p, u.k, seal_hex, "key_server", "create_and_transfer_v2_independent_server",
              1);
    uint8_t bad[96];
    memcpy(bad, pk, 96);
    bad[95] ^= 1; /* most such changes leave the curve or the subgroup */
    ks_create_ptb(&c, &p, &u, "http://a", 0, bad, 96);
    dt_aborts(c.d, &p, u.k, "0x0000000000000000000000000000000000000000000000000000000000000002",
              "group_ops", "from_bytes", 1);
    ks_create_ptb(&c, &p, &u, "http://a", 0, pk, 48);
    dt_aborts(c.d, &p, u.k, "0x0000000000000000000000000000000000000000000000000000000000000002",
              "group_ops", "from_bytes", 1);
    ks_create_ptb(&c, &p, &u, "http://a", 0, pk, 96);
    dt_exec(c.d, &p, u.k, &r);
    assert_true(r.success);
    assert_int_equal(r.n_created, 2);
    char *t = daas_xasprintf("%s::key_server::KeyServer", seal_hex);
    dt_find(c.d, u.a, t, ks);
    daas_free(t);
    daas_sui_exec_result_fini(&r);
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c.d, ks, &o, NULL), DAAS_OK);
    assert_int_equal(dt_ju64(o.json, "first_version"), 2);
    assert_int_equal(dt_ju64(o.json, "last_version"), 2);
    daas_sui_object_fini(&o);
    json_t *v = ks_v2(&c, ks);
    char *pk64 = daas_base64_encode(pk, 96);
    json_t *want = json_pack("{s:s,s:i,s:s,s:{s:s,s:s}}", "name", "ks-1", "key_type", 0, "pk", pk64,
                             "server_type", "@variant", "Independent", "url", "http://a");
    assert_true(json_equal(v, want));
    json_decref(want);
    json_decref(v);
    daas_free(pk64);
    /* update: the owner changes the url; another sender cannot even pass the object */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, u.gas));
    daas_sui_arg a[2] = {dt_owned(&p, dt_ref(c.d, ks)), dt_str(&p, "https://b:9")};
    dt_call(&p, seal, "key_server", "update", a, 2);
    dt_ok(c.d, &p, u.k);
    v = ks_v2(&c, ks);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(v, "server_type"), "url")),
                        "https://b:9");
    json_decref(v);
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, other.gas));
    a[0] = dt_owned(&p, dt_ref(c.d, ks));
    a[1] = dt_str(&p, "https://evil");
    dt_call(&p, seal, "key_server", "update", a, 2);
    dt_rejects(c.d, &p, other.k, "Transaction was not signed by the correct sender");
    dt_user_fini(&other);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

static void staleness_ptb(dt_chain *c, dt_ptb *p, uint64_t now, uint64_t allowed)
{
    uint8_t seal[32];
    daas_devnet_seal_package(c->d, seal);
    dt_ptb_init(p);
    p->budget = 500000000ull;
    daas_sui_arg a[3] = {dt_u64(p, now), dt_u64(p, allowed), dt_shared(p, CLOCK, CLOCK_ISV, false)};
    dt_call(p, seal, "time", "check_staleness", a, 3);
}

static void test_check_staleness(void **state)
{
    dt_chain c;
    dt_ptb p;
    uint8_t sender[32] = {9};
    daas_sui_exec_result r;
    (void)state;
    dt_chain_init(&c, 0);
    /* now before the clock, or now - clock <= allowed: pass */
    uint64_t clock = (uint64_t)daas_devnet_now_ms(c.d);
    staleness_ptb(&c, &p, clock - 5000, 0);
    simulate(&c, &p, sender, &r);
    assert_true(r.success);
    daas_sui_exec_result_fini(&r);
    staleness_ptb(&c, &p, clock + 120000, 120000 + 60000); /* the clock moves during the test */
    simulate(&c, &p, sender, &r);
    assert_true(r.success);
    daas_sui_exec_result_fini(&r);
    staleness_ptb(&c, &p, clock + 10 * 120000, 120000);
    simulate(&c, &p, sender, &r);
    assert_false(r.success);
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, 93492);
    assert_string_equal(r.abort_module,
                        "0x0000000000000000000000000000000000000000000000000000000000005ea1::time");
    assert_string_equal(r.abort_function, "check_staleness");
    daas_sui_exec_result_fini(&r);
    dt_chain_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),          cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_update),          cmocka_unit_test(test_request_refuses_no_one),
        cmocka_unit_test(test_seal_approve),    cmocka_unit_test(test_approve_usage_limit),
        cmocka_unit_test(test_approve_order),
        cmocka_unit_test(test_ticket_expiry),   cmocka_unit_test(test_simulation),
        cmocka_unit_test(test_key_server),      cmocka_unit_test(test_check_staleness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
