/*
 * test_registry.c: the executable specification of move/README.md "registry" on the
 * development chain: register_node (node role, name rules, taken names, re-registration),
 * set_status (every check in order), the table entries read back as dynamic fields (short and
 * long key type), the events (secret_policy, once a skeleton here: test_policy.c).
 *
 * Owns:   one chain per test in a temporary directory (devnet_test.h), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devnet_test.h"

enum { ENotNode = 1, EBadName = 2, ENameTaken = 3, ENotOwner = 4, EBadStatus = 5, ENoNode = 6 };

/* A funded key; with stake, it stakes its second coin (100 SUI) for role. */
static void node_init(dt_chain *c, dt_user *n, int role)
{
    dt_user_init(c, n);
    if (role > 0)
        dt_stake_coin(c, n->k, n->other, n->gas, (uint8_t)role);
}

static dt_ptb *register_ptb(dt_chain *c, dt_ptb *p, dt_user *n, const char *name,
                            const char *endpoint)
{
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, n->gas));
    daas_sui_arg args[4] = {dt_shared(p, c->registry, 1, true), dt_shared(p, c->pool, 1, false),
                            dt_str(p, name), dt_str(p, endpoint)};
    dt_call(p, c->pkg, "registry", "register_node", args, 4);
    return p;
}

static dt_ptb *status_ptb(dt_chain *c, dt_ptb *p, dt_user *n, const char *name, uint8_t status)
{
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, n->gas));
    daas_sui_arg args[3] = {dt_shared(p, c->registry, 1, true), dt_str(p, name), dt_u8(p, status)};
    dt_call(p, c->pkg, "registry", "set_status", args, 3);
    return p;
}

/* The nodes table's entry for name, read with the key type given (NULL when absent). */
static json_t *node_entry(dt_chain *c, const char *name, const char *key_type)
{
    uint8_t key[96];
    key[0] = (uint8_t)strlen(name);
    memcpy(key + 1, name, strlen(name));
    return dt_table_entry(c, c->registry, "nodes", key_type, DAAS_BYTES(key, strlen(name) + 1),
                          "registry::NodeInfo");
}

static void expect_node(dt_chain *c, const char *name, const uint8_t owner[32],
                        const char *endpoint, int status, uint64_t epoch)
{
    char hex[67], ep[24];
    daas_sui_address_hex(owner, hex);
    snprintf(ep, sizeof(ep), "%llu", (unsigned long long)epoch);
    json_t *want = json_pack("{s:s,s:s,s:i,s:s}", "owner", hex, "endpoint", endpoint, "status",
                             status, "registered_epoch", ep);
    const char *forms[2] = {"0x1::string::String",
                            "0x0000000000000000000000000000000000000000000000000000000000000001"
                            "::string::String"};
    for (int i = 0; i < 2; i++) {
        json_t *v = node_entry(c, name, forms[i]);
        assert_non_null(v);
        assert_true(json_equal(v, want));
        json_decref(v);
    }
    json_decref(want);
}

static uint64_t nodes_size(dt_chain *c)
{
    daas_sui_object reg;
    assert_int_equal(daas_devnet_get_object(c->d, c->registry, &reg, NULL), DAAS_OK);
    uint64_t n = dt_ju64(json_object_get(reg.json, "nodes"), "size");
    daas_sui_object_fini(&reg);
    return n;
}

static void expect_last_event(dt_chain *c, const char *name, json_t *want)
{
    daas_sui_events e;
    char *mod = daas_xasprintf("%s::registry", c->pkg_hex);
    char *type = daas_xasprintf("%s::%s", mod, name);
    assert_int_equal(daas_devnet_events(c->d, mod, NULL, 50, &e, NULL), DAAS_OK);
    assert_true(e.n > 0);
    assert_string_equal(e.items[e.n - 1].type, type);
    assert_true(json_equal(e.items[e.n - 1].json, want));
    daas_sui_events_fini(&e);
    json_decref(want);
    daas_free(mod);
    daas_free(type);
}

static void test_register(void **state)
{
    dt_chain c;
    dt_user n, user, none;
    dt_ptb p;
    char hex[67];
    (void)state;
    dt_chain_init(&c, 0);
    node_init(&c, &n, 3);
    node_init(&c, &user, 2);
    node_init(&c, &none, 0);
    /* only the node role (or above) registers */
    dt_aborts(c.d, register_ptb(&c, &p, &none, "n1", "e"), none.k, c.pkg_hex, "registry",
              "register_node", ENotNode);
    dt_aborts(c.d, register_ptb(&c, &p, &user, "n1", "e"), user.k, c.pkg_hex, "registry",
              "register_node", ENotNode);
    /* a bad name is checked after the role */
    dt_aborts(c.d, register_ptb(&c, &p, &user, "Bad", "e"), user.k, c.pkg_hex, "registry",
              "register_node", ENotNode);
    dt_ok(c.d, register_ptb(&c, &p, &n, "node-1.eu", "10.0.0.1:10250"), n.k);
    expect_node(&c, "node-1.eu", n.a, "10.0.0.1:10250", 1, 0);
    assert_int_equal(nodes_size(&c), 1);
    daas_sui_address_hex(n.a, hex);
    expect_last_event(&c, "NodeRegistered",
                      json_pack("{s:s,s:s,s:s}", "name", "node-1.eu", "owner", hex, "endpoint",
                                "10.0.0.1:10250"));
    assert_null(node_entry(&c, "node-2", "0x1::string::String"));
    dt_user_fini(&n);
    daas_sui_key_free(&user.k);
    daas_sui_key_free(&none.k);
    dt_chain_fini(&c);
}

static void test_names(void **state)
{
    dt_chain c;
    dt_user n;
    dt_ptb p;
    char long_name[70], long_ep[300];
    (void)state;
    dt_chain_init(&c, 0);
    node_init(&c, &n, 3);
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    static const char *const bad[] = {"", "Node1", "-a", "a-", ".a", "a.", "a_b", "a b", "ä"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        dt_aborts(c.d, register_ptb(&c, &p, &n, bad[i], "e"), n.k, c.pkg_hex, "registry",
                  "register_node", EBadName);
    dt_aborts(c.d, register_ptb(&c, &p, &n, long_name, "e"), n.k, c.pkg_hex, "registry",
              "register_node", EBadName);
    long_name[63] = '\0'; /* 63 bytes is the limit */
    dt_ok(c.d, register_ptb(&c, &p, &n, long_name, ""), n.k);
    static const char *const good[] = {"a", "0", "a-b.c-9", "1.2.3.4"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        dt_ok(c.d, register_ptb(&c, &p, &n, good[i], "e"), n.k);
    assert_int_equal(nodes_size(&c), 5);
    /* the endpoint: up to 255 bytes (the builder's strings stop at 95: build one by hand) */
    memset(long_ep, 'e', 256);
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, n.gas));
    uint8_t ep[260];
    ep[0] = 0x80 | (256 & 0x7f);
    ep[1] = 256 >> 7;
    memcpy(ep + 2, long_ep, 256);
    daas_sui_arg args[4] = {
        dt_shared(&p, c.registry, 1, true), dt_shared(&p, c.pool, 1, false), dt_str(&p, "x1"), {0}};
    p.in[p.n_in] = (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = ep, .pure_len = 258};
    args[3] = (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p.n_in++};
    dt_call(&p, c.pkg, "registry", "register_node", args, 4);
    dt_aborts(c.d, &p, n.k, c.pkg_hex, "registry", "register_node", EBadName);
    ep[0] = 0x80 | (255 & 0x7f);
    ep[1] = 255 >> 7;
    p.in[3].pure_len = 257;
    p.gas[0] = dt_ref(c.d, n.gas); /* the failed run bumped the gas coin */
    dt_ok(c.d, &p, n.k);
    dt_user_fini(&n);
    dt_chain_fini(&c);
}

static void test_taken_and_reregister(void **state)
{
    dt_chain c;
    dt_user a, b;
    dt_ptb p;
    (void)state;
    dt_chain_init(&c, 60000);
    node_init(&c, &a, 3);
    node_init(&c, &b, 3);
    dt_ok(c.d, register_ptb(&c, &p, &a, "worker", "a:1"), a.k);
    dt_aborts(c.d, register_ptb(&c, &p, &b, "worker", "b:1"), b.k, c.pkg_hex, "registry",
              "register_node", ENameTaken);
    dt_ok(c.d, status_ptb(&c, &p, &a, "worker", 2), a.k);
    expect_node(&c, "worker", a.a, "a:1", 2, 0);
    /* re-registering one's own name updates the endpoint and reactivates it */
    daas_devnet_advance_clock(c.d, 60000);
    dt_ok(c.d, register_ptb(&c, &p, &a, "worker", "a:2"), a.k);
    expect_node(&c, "worker", a.a, "a:2", 1, 1);
    assert_int_equal(nodes_size(&c), 1);
    dt_user_fini(&a);
    dt_user_fini(&b);
    dt_chain_fini(&c);
}

static void test_set_status(void **state)
{
    dt_chain c;
    dt_user a, b;
    dt_ptb p;
    (void)state;
    dt_chain_init(&c, 0);
    node_init(&c, &a, 3);
    node_init(&c, &b, 0);
    dt_ok(c.d, register_ptb(&c, &p, &a, "n1", "e1"), a.k);
    dt_aborts(c.d, status_ptb(&c, &p, &a, "n2", 9), a.k, c.pkg_hex, "registry", "set_status",
              ENoNode);
    dt_aborts(c.d, status_ptb(&c, &p, &b, "n1", 9), b.k, c.pkg_hex, "registry", "set_status",
              ENotOwner);
    dt_aborts(c.d, status_ptb(&c, &p, &a, "n1", 0), a.k, c.pkg_hex, "registry", "set_status",
              EBadStatus);
    dt_aborts(c.d, status_ptb(&c, &p, &a, "n1", 4), a.k, c.pkg_hex, "registry", "set_status",
              EBadStatus);
    for (uint8_t s = 3; s >= 1; s--) {
        dt_ok(c.d, status_ptb(&c, &p, &a, "n1", s), a.k);
        expect_node(&c, "n1", a.a, "e1", s, 0);
        expect_last_event(&c, "NodeStatusChanged",
                          json_pack("{s:s,s:i}", "name", "n1", "status", (int)s));
    }
    dt_user_fini(&a);
    dt_user_fini(&b);
    dt_chain_fini(&c);
}

/* A slashed node loses its role and cannot register any more. */
static void test_slashed_node(void **state)
{
    dt_chain c;
    dt_user a;
    dt_ptb p;
    (void)state;
    dt_chain_init(&c, 0);
    node_init(&c, &a, 3);
    dt_ok(c.d, register_ptb(&c, &p, &a, "n1", "e1"), a.k);
    dt_slash_ptb(&c, &p, a.a, 0, 32);
    dt_ok(c.d, &p, daas_devnet_publisher(c.d));
    dt_aborts(c.d, register_ptb(&c, &p, &a, "n1", "e2"), a.k, c.pkg_hex, "registry",
              "register_node", ENotNode);
    dt_user_fini(&a);
    dt_chain_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_taken_and_reregister),
        cmocka_unit_test(test_set_status),
        cmocka_unit_test(test_slashed_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
