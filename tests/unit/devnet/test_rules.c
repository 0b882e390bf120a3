/*
 * test_rules.c: the executable specification of move/README.md "cluster_rules" on the
 * development chain: the shared ClusterRules at genesis (permissive defaults, version 1), its
 * BCS layout, set_rules with the publisher's AdminCap (every rule replaced, version bumped,
 * RulesUpdated), the limits that still pass, every abort code and the order of the checks,
 * and the refusals before Move runs (no AdminCap, the rules declared immutable, bad BCS).
 *
 * Owns:   one chain per test in a temporary directory (devnet_test.h), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "devnet_test.h"

/* The abort codes as move/README.md "cluster_rules" numbers them (the spec). */
enum { EBadRegistry = 1, EBadDigest = 2, ETooMany = 3, EBadTier = 4 };

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MAX_LIST 70

/* A vector<String> argument of up to MAX_LIST entries, built outside dt_ptb's small slots. */
typedef struct vstr {
    const char *s[MAX_LIST];
    size_t n;
    daas_buf bcs;
} vstr;

static void vstr_add(vstr *v, const char *s)
{
    assert_true(v->n < MAX_LIST);
    v->s[v->n++] = s;
}

static void vstr_fill(vstr *v, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vstr_add(v, s);
}

static void vstr_fini(vstr *v)
{
    daas_buf_fini(&v->bcs);
    memset(v, 0, sizeof(*v));
}

/* The BCS of v as a pure input of p (v->bcs must outlive the transaction). */
static daas_sui_arg vstr_arg(dt_ptb *p, vstr *v)
{
    daas_buf_init(&v->bcs, 0);
    assert_int_equal(daas_sui_bcs_put_len(&v->bcs, v->n), DAAS_OK);
    for (size_t i = 0; i < v->n; i++)
        assert_int_equal(daas_sui_bcs_put_str(&v->bcs, v->s[i]), DAAS_OK);
    assert_true(p->n_in < DT_MAX);
    p->in[p->n_in] = (daas_sui_input){
        .kind = DAAS_SUI_INPUT_PURE, .pure = (uint8_t *)v->bcs.data, .pure_len = v->bcs.len};
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p->n_in++};
}

typedef struct rules_t {
    dt_chain c;
    uint8_t rules[DAAS_SUI_ADDRESS_LEN]; /* the shared ClusterRules */
    uint64_t isv;
} rules_t;

static void rt_init(rules_t *t)
{
    char *type;
    dt_chain_init(&t->c, 0);
    type = daas_xasprintf("%s::cluster_rules::ClusterRules", t->c.pkg_hex);
    dt_find(t->c.d, NULL, type, t->rules);
    daas_free(type);
    t->isv = dt_isv(t->c.d, t->rules);
}

/* A set_rules PTB from the publisher (its AdminCap, its first coin as gas); the rules as a
 * mutable (mut) or immutable shared input. */
static void set_ptb(rules_t *t, dt_ptb *p, vstr *regs, vstr *digs, const uint8_t tiers[3], bool mut)
{
    dt_admin_ptb(&t->c, p);
    daas_sui_arg a[7] = {dt_owned(p, dt_ref(t->c.d, t->c.admin_cap)),
                         dt_shared(p, t->rules, t->isv, mut),
                         vstr_arg(p, regs),
                         vstr_arg(p, digs),
                         dt_u8(p, tiers[0]),
                         dt_u8(p, tiers[1]),
                         dt_u8(p, tiers[2])};
    dt_call(p, t->c.pkg, "cluster_rules", "set_rules", a, 7);
}

/* set_rules by the publisher aborts with code. */
static void expect_abort(rules_t *t, vstr *regs, vstr *digs, const uint8_t tiers[3], uint64_t code)
{
    dt_ptb p;
    set_ptb(t, &p, regs, digs, tiers, true);
    dt_aborts(t->c.d, &p, daas_devnet_publisher(t->c.d), t->c.pkg_hex, "cluster_rules", "set_rules",
              code);
    vstr_fini(regs);
    vstr_fini(digs);
}

static json_t *strs(const vstr *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append_new(a, json_string(v->s[i]));
    return a;
}

/* The fields of the rules (and of RulesUpdated) as JSON. */
static json_t *want_json(uint64_t version, const vstr *regs, const vstr *digs,
                         const uint8_t tiers[3])
{
    char v[24];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)version);
    return json_pack("{s:s,s:o,s:o,s:i,s:i,s:i}", "version", v, "allowed_registries", strs(regs),
                     "allowed_digests", strs(digs), "nitro_min_tier", tiers[0],
                     "host_path_min_tier", tiers[1], "host_network_min_tier", tiers[2]);
}

/* The object's JSON equals want plus its id; its BCS is UID || want's fields. */
static void expect_rules(rules_t *t, json_t *want, const uint8_t *fields_bcs, size_t n)
{
    daas_sui_object o;
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    assert_int_equal(daas_devnet_get_object(t->c.d, t->rules, &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_SHARED);
    daas_sui_address_hex(t->rules, hex);
    json_object_set_new(want, "id", json_string(hex));
    if (!json_equal(o.json, want)) {
        char *s = json_dumps(o.json, 0);
        fprintf(stderr, "rules: %s\n", s);
        free(s);
    }
    assert_true(json_equal(o.json, want));
    assert_int_equal(o.bcs_len, 32 + n);
    assert_memory_equal(o.bcs, t->rules, 32);
    assert_memory_equal(o.bcs + 32, fields_bcs, n);
    json_decref(want);
    daas_sui_object_fini(&o);
}

static void fields_bcs(daas_buf *b, uint64_t version, const vstr *regs, const vstr *digs,
                       const uint8_t tiers[3])
{
    daas_buf_init(b, 0);
    assert_int_equal(daas_sui_bcs_put_u64(b, version), DAAS_OK);
    const vstr *lists[2] = {regs, digs};
    for (size_t k = 0; k < 2; k++) {
        const vstr *v = lists[k];
        assert_int_equal(daas_sui_bcs_put_len(b, v->n), DAAS_OK);
        for (size_t i = 0; i < v->n; i++)
            assert_int_equal(daas_sui_bcs_put_str(b, v->s[i]), DAAS_OK);
    }
    assert_int_equal(daas_buf_append(b, tiers, 3), DAAS_OK);
}

static void test_genesis_defaults(void **state)
{
    rules_t t;
    vstr none = {0};
    const uint8_t tiers[3] = {3, 4, 4};
    daas_buf b;
    (void)state;
    rt_init(&t);
    assert_int_equal(t.isv, 1);
    fields_bcs(&b, 1, &none, &none, tiers);
    /* exactly: version 1, two empty vectors, 3 4 4 */
    assert_int_equal(b.len, 8 + 1 + 1 + 3);
    expect_rules(&t, want_json(1, &none, &none, tiers), (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    dt_chain_fini(&t.c);
}

static void test_set_rules(void **state)
{
    rules_t t;
    dt_ptb p;
    daas_sui_exec_result r;
    vstr regs = {0}, digs = {0};
    const uint8_t tiers[3] = {255, 2, 1};
    daas_buf b;
    (void)state;
    rt_init(&t);
    vstr_add(&regs, "registry.example.com/");
    vstr_add(&regs, "docker.io/library/");
    vstr_add(&digs, DIGEST);
    set_ptb(&t, &p, &regs, &digs, tiers, true);
    dt_exec(t.c.d, &p, daas_devnet_publisher(t.c.d), &r);
    assert_true(r.success);
    assert_int_equal(r.n_events, 1);
    char *type = daas_xasprintf("%s::cluster_rules::RulesUpdated", t.c.pkg_hex);
    assert_string_equal(r.events[0].type, type);
    daas_free(type);
    json_t *want = want_json(2, &regs, &digs, tiers);
    assert_true(json_equal(r.events[0].json, want));
    json_decref(want);
    daas_sui_exec_result_fini(&r);
    fields_bcs(&b, 2, &regs, &digs, tiers);
    expect_rules(&t, want_json(2, &regs, &digs, tiers), (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    vstr_fini(&regs);
    vstr_fini(&digs);

    /* again: empty lists (any registry), version 3 */
    const uint8_t admin[3] = {4, 4, 4};
    set_ptb(&t, &p, &regs, &digs, admin, true);
    dt_ok(t.c.d, &p, daas_devnet_publisher(t.c.d));
    fields_bcs(&b, 3, &regs, &digs, admin);
    expect_rules(&t, want_json(3, &regs, &digs, admin), (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    vstr_fini(&regs);
    vstr_fini(&digs);
    dt_chain_fini(&t.c);
}

/* 64 entries each, a 255-byte registry, every tier value allowed. */
static void test_limits_pass(void **state)
{
    rules_t t;
    dt_ptb p;
    vstr regs = {0}, digs = {0};
    char longest[256];
    const uint8_t tiers[3] = {1, 3, 255};
    daas_buf b;
    (void)state;
    rt_init(&t);
    memset(longest, 'a', 254);
    longest[254] = '/';
    longest[255] = '\0';
    vstr_fill(&regs, "r/", 63);
    vstr_add(&regs, longest);
    vstr_fill(&digs, DIGEST, 64);
    set_ptb(&t, &p, &regs, &digs, tiers, true);
    dt_ok(t.c.d, &p, daas_devnet_publisher(t.c.d));
    fields_bcs(&b, 2, &regs, &digs, tiers);
    expect_rules(&t, want_json(2, &regs, &digs, tiers), (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    vstr_fini(&regs);
    vstr_fini(&digs);
    dt_chain_fini(&t.c);
}

/* Every abort code, and which check comes first when several fail. */
static void test_aborts_in_order(void **state)
{
    rules_t t;
    vstr regs = {0}, digs = {0};
    char toolong[257];
    const uint8_t ok[3] = {3, 4, 4}, zero[3] = {0, 4, 4}, five[3] = {3, 5, 4},
                  t254[3] = {3, 4, 254};
    (void)state;
    rt_init(&t);
    memset(toolong, 'a', 255);
    toolong[255] = '/';
    toolong[256] = '\0';
    /* ETooMany: before the registries' and the digests' contents */
    vstr_fill(&regs, "r/", 65);
    expect_abort(&t, &regs, &digs, ok, ETooMany);
    vstr_add(&regs, "no-slash");
    vstr_fill(&digs, DIGEST, 65);
    expect_abort(&t, &regs, &digs, zero, ETooMany);
    /* EBadRegistry: empty, no final slash, 256 bytes; before digests and tiers */
    vstr_add(&regs, "");
    expect_abort(&t, &regs, &digs, ok, EBadRegistry);
    vstr_add(&regs, "ok/");
    vstr_add(&regs, "docker.io");
    expect_abort(&t, &regs, &digs, ok, EBadRegistry);
    vstr_add(&regs, toolong);
    expect_abort(&t, &regs, &digs, ok, EBadRegistry);
    vstr_add(&regs, "x");
    vstr_add(&digs, "md5:00");
    expect_abort(&t, &regs, &digs, zero, EBadRegistry);
    /* EBadDigest: upper case, short, another algorithm, no hex; before tiers */
    vstr_add(&digs, "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
    expect_abort(&t, &regs, &digs, ok, EBadDigest);
    vstr_add(&digs, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde");
    expect_abort(&t, &regs, &digs, ok, EBadDigest);
    vstr_add(&digs, "sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    expect_abort(&t, &regs, &digs, ok, EBadDigest);
    vstr_add(&digs, DIGEST);
    vstr_add(&digs, "sha256:");
    expect_abort(&t, &regs, &digs, zero, EBadDigest);
    /* EBadTier: 0, 5, 254 in each position */
    expect_abort(&t, &regs, &digs, zero, EBadTier);
    expect_abort(&t, &regs, &digs, five, EBadTier);
    expect_abort(&t, &regs, &digs, t254, EBadTier);
    /* nothing changed */
    const uint8_t def[3] = {3, 4, 4};
    daas_buf b;
    fields_bcs(&b, 1, &regs, &digs, def);
    expect_rules(&t, want_json(1, &regs, &digs, def), (const uint8_t *)b.data, b.len);
    daas_buf_fini(&b);
    dt_chain_fini(&t.c);
}

/* Refused before Move runs: another sender cannot use the publisher's AdminCap; the rules
 * declared immutable; a Pool where the rules go; a String that is not UTF-8. */
static void test_refusals(void **state)
{
    rules_t t;
    dt_user u;
    dt_ptb p;
    vstr regs = {0}, digs = {0};
    const uint8_t ok[3] = {3, 4, 4};
    (void)state;
    rt_init(&t);
    dt_user_init(&t.c, &u);
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(t.c.d, u.gas));
    daas_sui_arg a[7] = {dt_owned(&p, dt_ref(t.c.d, t.c.admin_cap)),
                         dt_shared(&p, t.rules, t.isv, true),
                         vstr_arg(&p, &regs),
                         vstr_arg(&p, &digs),
                         dt_u8(&p, 3),
                         dt_u8(&p, 4),
                         dt_u8(&p, 4)};
    dt_call(&p, t.c.pkg, "cluster_rules", "set_rules", a, 7);
    dt_rejects(t.c.d, &p, u.k, "Transaction was not signed by the correct sender");
    vstr_fini(&regs);
    vstr_fini(&digs);

    set_ptb(&t, &p, &regs, &digs, ok, false);
    dt_fails(t.c.d, &p, daas_devnet_publisher(t.c.d), "InvalidObjectByMutRef");
    vstr_fini(&regs);
    vstr_fini(&digs);

    set_ptb(&t, &p, &regs, &digs, ok, true);
    p.in[1].initial_shared_version = 1;
    memcpy(p.in[1].shared_id, t.c.pool, DAAS_SUI_ADDRESS_LEN);
    dt_fails(t.c.d, &p, daas_devnet_publisher(t.c.d), "TypeMismatch");
    vstr_fini(&regs);
    vstr_fini(&digs);

    vstr_add(&regs, "bad\xff/");
    set_ptb(&t, &p, &regs, &digs, ok, true);
    dt_fails(t.c.d, &p, daas_devnet_publisher(t.c.d), "InvalidBCSBytes");
    vstr_fini(&regs);
    vstr_fini(&digs);
    dt_user_fini(&u);
    dt_chain_fini(&t.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis_defaults), cmocka_unit_test(test_set_rules),
        cmocka_unit_test(test_limits_pass),      cmocka_unit_test(test_aborts_in_order),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
