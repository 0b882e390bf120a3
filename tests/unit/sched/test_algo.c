/*
 * test_algo.c: the placement algorithm of sched.h: every filter and its kube-scheduler
 *              message, resources including extended ones (nitro_enclaves, hugepages, pods),
 *              nodeSelector and each affinity operator, tolerations, the exact scores of
 *              least-allocated / balanced / fairness cases, the hash tie-break, and the
 *              integer percentage against plain division on random inputs.
 *
 * Owns:   nothing beyond each test's states (freed before the test returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "sched_test.h"

static daas_sched_result run(daas_sched_state *st, const tpod *p)
{
    daas_sched_result r;
    daas_err err = {0};
    assert_int_equal(daas_sched_schedule(st, &p->p, &r, &err), DAAS_OK);
    return r;
}

/* The failure message for p (asserts nothing fits). */
static void expect_reason(daas_sched_state *st, const tpod *p, const char *want)
{
    daas_sched_result r = run(st, p);
    assert_false(r.found);
    assert_non_null(r.reason);
    assert_string_equal(r.reason, want);
    daas_sched_result_fini(&r);
}

static void expect_node(daas_sched_state *st, const tpod *p, const char *node, uint64_t score)
{
    daas_sched_result r = run(st, p);
    assert_true(r.found);
    assert_null(r.reason);
    assert_string_equal(r.node, node);
    if (score != UINT64_MAX)
        assert_int_equal(r.score, score);
    daas_sched_result_fini(&r);
}

/* Whether p fits on a state holding only t. */
static bool fits_one(const tnode *t, const tpod *p)
{
    daas_sched_state *st = daas_sched_state_new();
    assert_int_equal(t_upsert(st, t), DAAS_OK);
    daas_sched_result r = run(st, p);
    bool found = r.found;
    daas_sched_result_fini(&r);
    daas_sched_state_free(&st);
    return found;
}

static void test_reasons_mixed(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode a, b, c;
    tpod p;
    tnode_init(&a, "a", 1000, 8 * GiB, 1, 1);
    tnode_init(&b, "b", 8000, 8 * GiB, 1, 1);
    tnode_taint(&b, "k", "v", DAAS_SCHED_EFFECT_NO_SCHEDULE);
    tnode_init(&c, "c", 8000, 8 * GiB, 1, 1);
    c.n.ready = false;
    tnode_taint(&c, "k", "v", DAAS_SCHED_EFFECT_NO_SCHEDULE); /* first failing filter only */
    assert_int_equal(t_upsert(st, &a), DAAS_OK);
    assert_int_equal(t_upsert(st, &b), DAAS_OK);
    assert_int_equal(t_upsert(st, &c), DAAS_OK);
    tpod_init(&p, "p1", 2000, GiB);
    expect_reason(st, &p,
                  "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated "
                  "taint {k: v}, 1 node(s) were not ready.");
    daas_sched_state_free(&st);
}

static void test_reasons_sorted_as_go_strings(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    char names[12][16];
    for (int i = 0; i < 12; i++) {
        tnode t;
        snprintf(names[i], sizeof(names[i]), "n%02d", i);
        tnode_init(&t, names[i], 8000, GiB, 1, 1);
        t.n.unschedulable = i >= 10;
        assert_int_equal(t_upsert(st, &t), DAAS_OK);
    }
    tpod p;
    tpod_init(&p, "p", 100, 2 * GiB);
    /* sort.Strings: "10 ..." sorts before "2 ..." (kube's FitError, not by count) */
    expect_reason(st, &p,
                  "0/12 nodes are available: 10 Insufficient memory, 2 node(s) were "
                  "unschedulable.");
    daas_sched_state_free(&st);
}

static void test_reasons_resources(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode a, b;
    tnode_init(&a, "a", 1000, 2 * GiB, 1, 1);
    tnode_res(&a, "aws.ec2.nitro/nitro_enclaves", 1);
    tnode_init(&b, "b", 1000, 8 * GiB, 1, 1);
    assert_int_equal(t_upsert(st, &a), DAAS_OK);
    assert_int_equal(t_upsert(st, &b), DAAS_OK);
    tpod p;
    tpod_init(&p, "p", 2000, 4 * GiB);
    tpod_req(&p, "aws.ec2.nitro/nitro_enclaves", 1);
    expect_reason(st, &p,
                  "0/2 nodes are available: 1 Insufficient aws.ec2.nitro/nitro_enclaves, "
                  "1 Insufficient memory, 2 Insufficient cpu.");
    daas_sched_state_free(&st);
}

static void test_reasons_each(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tpod p;
    tpod_init(&p, "p", 100, GiB);
    expect_reason(st, &p, "no nodes available to schedule pods");

    tnode t;
    tnode_init(&t, "a", 8000, 8 * GiB, 1, 1);
    tnode_res(&t, "pods", 1);
    tnode_label(&t, "zone", "a");
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    assert_int_equal(t_bind(st, "u1", "a", 0, 0), DAAS_OK);
    expect_reason(st, &p, "0/1 nodes are available: 1 Too many pods.");

    tpod_sel(&p, "zone", "b");
    expect_reason(st, &p,
                  "0/1 nodes are available: 1 node(s) didn't match Pod's node "
                  "affinity/selector.");

    tnode t2;
    tnode_init(&t2, "b", 8000, 8 * GiB, 1, 1);
    tnode_taint(&t2, "dedicated", "gpu", DAAS_SCHED_EFFECT_NO_EXECUTE);
    tnode t3 = t2;
    t3.n.name = "c";
    t3.n.taints = t3.taints;
    tnode t4 = t2;
    t4.n.name = "d";
    t4.taints[0].value = "";
    t4.n.taints = t4.taints;
    assert_int_equal(t_upsert(st, &t2), DAAS_OK);
    assert_int_equal(t_upsert(st, &t3), DAAS_OK);
    assert_int_equal(t_upsert(st, &t4), DAAS_OK);
    expect_reason(st, &p,
                  "0/4 nodes are available: 1 node(s) didn't match Pod's node "
                  "affinity/selector, 1 node(s) had untolerated taint {dedicated: }, "
                  "2 node(s) had untolerated taint {dedicated: gpu}.");
    daas_sched_state_free(&st);
}

static void test_resources_fit(void **state)
{
    (void)state;
    tnode t;
    tpod p;
    tnode_init(&t, "a", 4000, 8 * GiB, 1, 1);
    tnode_res(&t, "hugepages-2Mi", 64 << 20);
    tpod_init(&p, "p", 4000, 8 * GiB);
    assert_true(fits_one(&t, &p)); /* exactly allocatable */
    tpod_init(&p, "p", 4001, GiB);
    assert_false(fits_one(&t, &p));
    tpod_init(&p, "p", 100, GiB);
    tpod_req(&p, "hugepages-2Mi", 64 << 20);
    assert_true(fits_one(&t, &p));
    tpod_req(&p, "hugepages-2Mi", (64 << 20) + 1);
    assert_false(fits_one(&t, &p));
    tpod_init(&p, "p", 100, GiB);
    tpod_req(&p, "example.com/never-seen", 1);
    assert_false(fits_one(&t, &p));
    tpod_req(&p, "example.com/never-seen", 0); /* a request of 0 is not checked (kube) */
    assert_true(fits_one(&t, &p));

    /* overcommitted node: a pod requesting nothing still fits, any cpu does not */
    daas_sched_state *st = daas_sched_state_new();
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    assert_int_equal(t_bind(st, "big", "a", 5000, 0), DAAS_OK);
    tpod_init(&p, "zero", 0, 0);
    expect_node(st, &p, "a", UINT64_MAX);
    tpod_init(&p, "one", 1, 0);
    expect_reason(st, &p, "0/1 nodes are available: 1 Insufficient cpu.");
    daas_sched_state_free(&st);
}

static void test_nitro_enclaves(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode plain, nitro;
    tnode_init(&plain, "plain", 64000, 256 * GiB, 1, 1);
    tnode_init(&nitro, "nitro", 4000, 16 * GiB, 1, 1);
    tnode_res(&nitro, "aws.ec2.nitro/nitro_enclaves", 1);
    assert_int_equal(t_upsert(st, &plain), DAAS_OK);
    assert_int_equal(t_upsert(st, &nitro), DAAS_OK);
    tpod p;
    tpod_init(&p, "enc-1", 1000, GiB);
    tpod_req(&p, "aws.ec2.nitro/nitro_enclaves", 1);
    expect_node(st, &p, "nitro", UINT64_MAX);
    daas_sched_res r[3] = {{"aws.ec2.nitro/nitro_enclaves", 1}, {"cpu", 1000}, {"memory", GiB}};
    assert_int_equal(t_bind_req(st, "enc-1", "nitro", r, 3), DAAS_OK);
    p.p.uid = "enc-2";
    expect_reason(st, &p,
                  "0/2 nodes are available: 2 Insufficient aws.ec2.nitro/nitro_enclaves.");
    /* the device comes back when the pod goes, and with a node update keeping the pod */
    assert_int_equal(t_upsert(st, &nitro), DAAS_OK);
    expect_reason(st, &p,
                  "0/2 nodes are available: 2 Insufficient aws.ec2.nitro/nitro_enclaves.");
    assert_int_equal(t_unbind(st, "enc-1"), DAAS_OK);
    expect_node(st, &p, "nitro", UINT64_MAX);
    daas_sched_state_free(&st);
}

static void test_affinity_operators(void **state)
{
    (void)state;
    tnode t;
    tnode_init(&t, "node-7", 8000, 8 * GiB, 1, 1);
    tnode_label(&t, "zone", "eu-1a");
    tnode_label(&t, "cores", "16");
    tnode_label(&t, "kind", "x86");
    static const char *const in_eu[] = {"us-1a", "eu-1a"}, *const us[] = {"us-1a"};
    static const char *const ten[] = {"10"}, *const twenty[] = {"20"}, *const neg[] = {"-5"};
    static const char *const me[] = {"node-7"}, *const other[] = {"node-8"};
    struct {
        const char *key;
        uint8_t op;
        const char *const *v;
        size_t n;
        bool want;
    } cases[] = {
        {"zone", DAAS_SCHED_OP_IN, in_eu, 2, true},
        {"zone", DAAS_SCHED_OP_IN, us, 1, false},
        {"absent", DAAS_SCHED_OP_IN, in_eu, 2, false},
        {"zone", DAAS_SCHED_OP_NOT_IN, us, 1, true},
        {"zone", DAAS_SCHED_OP_NOT_IN, in_eu, 2, false},
        {"absent", DAAS_SCHED_OP_NOT_IN, us, 1, true},
        {"zone", DAAS_SCHED_OP_EXISTS, NULL, 0, true},
        {"absent", DAAS_SCHED_OP_EXISTS, NULL, 0, false},
        {"absent", DAAS_SCHED_OP_DOES_NOT_EXIST, NULL, 0, true},
        {"zone", DAAS_SCHED_OP_DOES_NOT_EXIST, NULL, 0, false},
        {"cores", DAAS_SCHED_OP_GT, ten, 1, true},
        {"cores", DAAS_SCHED_OP_GT, twenty, 1, false},
        {"cores", DAAS_SCHED_OP_LT, twenty, 1, true},
        {"cores", DAAS_SCHED_OP_LT, ten, 1, false},
        {"cores", DAAS_SCHED_OP_GT, neg, 1, true},
        {"kind", DAAS_SCHED_OP_GT, neg, 1, false}, /* label is not an integer */
        {"absent", DAAS_SCHED_OP_LT, ten, 1, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tpod p;
        tpod_init(&p, "p", 100, GiB);
        tpod_expr(&p, 0, false, cases[i].key, cases[i].op, cases[i].v, cases[i].n);
        if (fits_one(&t, &p) != cases[i].want)
            fail_msg("case %zu (%s op %u)", i, cases[i].key, cases[i].op);
    }
    tpod p; /* matchFields on metadata.name */
    tpod_init(&p, "p", 100, GiB);
    tpod_expr(&p, 0, true, "metadata.name", DAAS_SCHED_OP_IN, me, 1);
    assert_true(fits_one(&t, &p));
    tpod_init(&p, "p", 100, GiB);
    tpod_expr(&p, 0, true, "metadata.name", DAAS_SCHED_OP_IN, other, 1);
    assert_false(fits_one(&t, &p));
    /* expressions AND within a term, terms OR */
    tpod_init(&p, "p", 100, GiB);
    tpod_expr(&p, 0, false, "zone", DAAS_SCHED_OP_IN, in_eu, 2);
    tpod_expr(&p, 0, false, "cores", DAAS_SCHED_OP_GT, twenty, 1);
    assert_false(fits_one(&t, &p));
    tpod_expr(&p, 1, false, "kind", DAAS_SCHED_OP_EXISTS, NULL, 0);
    assert_true(fits_one(&t, &p));
    /* affinity present with no terms, or an empty term: matches nothing */
    tpod_init(&p, "p", 100, GiB);
    p.p.has_affinity = true;
    assert_false(fits_one(&t, &p));
    p.p.n_terms = 1;
    assert_false(fits_one(&t, &p));
    /* nodeSelector: every pair must match */
    tpod_init(&p, "p", 100, GiB);
    tpod_sel(&p, "kind", "x86");
    tpod_sel(&p, "zone", "eu-1a");
    assert_true(fits_one(&t, &p));
    p.sel[1].value = "eu-1b";
    assert_false(fits_one(&t, &p));
}

static void test_tolerations(void **state)
{
    (void)state;
    tnode t;
    tpod p;
    tnode_init(&t, "a", 8000, 8 * GiB, 1, 1);
    tnode_taint(&t, "soft", "x", DAAS_SCHED_EFFECT_PREFER_NO_SCHEDULE);
    tpod_init(&p, "p", 100, GiB);
    assert_true(fits_one(&t, &p)); /* PreferNoSchedule does not filter */
    tnode_taint(&t, "dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE);
    tnode_taint(&t, "evict", "", DAAS_SCHED_EFFECT_NO_EXECUTE);
    assert_false(fits_one(&t, &p));
    tpod_tol(&p, "", DAAS_SCHED_TOL_EXISTS, "", DAAS_SCHED_EFFECT_ANY); /* tolerates all */
    assert_true(fits_one(&t, &p));

    tpod_init(&p, "p", 100, GiB);
    tpod_tol(&p, "dedicated", DAAS_SCHED_TOL_EQUAL, "db", DAAS_SCHED_EFFECT_NO_SCHEDULE);
    assert_false(fits_one(&t, &p)); /* evict still untolerated */
    tpod_tol(&p, "evict", DAAS_SCHED_TOL_EXISTS, "", DAAS_SCHED_EFFECT_NO_EXECUTE);
    assert_true(fits_one(&t, &p));
    p.tol[0].value = "web"; /* Equal with another value */
    assert_false(fits_one(&t, &p));
    p.tol[0] = (daas_sched_toleration){"dedicated", DAAS_SCHED_TOL_EXISTS, "", 0};
    assert_true(fits_one(&t, &p));
    p.tol[0].effect = DAAS_SCHED_EFFECT_NO_EXECUTE; /* wrong effect */
    assert_false(fits_one(&t, &p));
    /* empty key with Equal: only taints whose value equals (here ""), any key */
    tpod_init(&p, "p", 100, GiB);
    tpod_tol(&p, "", DAAS_SCHED_TOL_EQUAL, "", DAAS_SCHED_EFFECT_ANY);
    tpod_tol(&p, "dedicated", DAAS_SCHED_TOL_EQUAL, "db", DAAS_SCHED_EFFECT_ANY);
    assert_true(fits_one(&t, &p));
    p.p.n_tolerations = 1;
    assert_false(fits_one(&t, &p));
}

static void test_not_ready_unschedulable_tolerated(void **state)
{
    (void)state;
    tnode t;
    tpod p;
    tnode_init(&t, "a", 8000, 8 * GiB, 1, 1);
    t.n.ready = false;
    t.n.unschedulable = true;
    tpod_init(&p, "ds", 100, GiB);
    assert_false(fits_one(&t, &p));
    tpod_tol(&p, "node.kubernetes.io/not-ready", DAAS_SCHED_TOL_EXISTS, "",
             DAAS_SCHED_EFFECT_NO_SCHEDULE);
    assert_false(fits_one(&t, &p));
    tpod_tol(&p, "node.kubernetes.io/unschedulable", DAAS_SCHED_TOL_EXISTS, "",
             DAAS_SCHED_EFFECT_NO_SCHEDULE);
    assert_true(fits_one(&t, &p));
    p.tol[0].effect = DAAS_SCHED_EFFECT_NO_EXECUTE; /* DaemonSet's NoExecute one: not enough */
    assert_false(fits_one(&t, &p));
}

static void test_score_least_allocated(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode a, b;
    tnode_init(&a, "a", 4000, 8 * GiB, 1, 10);
    tnode_init(&b, "b", 4000, 8 * GiB, 1, 10);
    assert_int_equal(t_upsert(st, &a), DAAS_OK);
    assert_int_equal(t_upsert(st, &b), DAAS_OK);
    assert_int_equal(t_bind(st, "x", "b", 2000, 4 * GiB), DAAS_OK);
    tpod p;
    tpod_init(&p, "p", 1000, GiB);
    /* a: cpu 25%, mem 12% -> least (75+88)/2 = 81, balanced 87; one owner with all the
     * stake and all the pods -> fairness 50 */
    expect_node(st, &p, "a", 81 + 87 + 50);
    daas_sched_state_free(&st);
}

static void test_score_balanced(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode a, b;
    tnode_init(&a, "a", 10000, 10 * GiB, 1, 10);
    tnode_init(&b, "b", 10000, 10 * GiB, 1, 10);
    assert_int_equal(t_upsert(st, &a), DAAS_OK);
    assert_int_equal(t_upsert(st, &b), DAAS_OK);
    assert_int_equal(t_bind(st, "x", "a", 4000, 4 * GiB), DAAS_OK);
    assert_int_equal(t_bind(st, "y", "b", 7000, GiB), DAAS_OK);
    tpod p;
    tpod_init(&p, "p", 1000, GiB);
    /* a: 50%/50% -> least 50, balanced 100; b: 80%/20% -> least 50, balanced 40 */
    expect_node(st, &p, "a", 50 + 100 + 50);
    daas_sched_state_free(&st);
}

/* Owner X (node x1: three tiny pods) and owner Y (node y1: one big pod). */
static void fairness_cluster(daas_sched_state *st, uint64_t stake_x, uint64_t stake_y)
{
    tnode x, y;
    tnode_init(&x, "x1", 4000, 8 * GiB, 0x0a, stake_x);
    tnode_init(&y, "y1", 4000, 8 * GiB, 0x0b, stake_y);
    assert_int_equal(t_upsert(st, &x), DAAS_OK);
    assert_int_equal(t_upsert(st, &y), DAAS_OK);
    assert_int_equal(t_bind(st, "x-1", "x1", 10, 16 << 20), DAAS_OK);
    assert_int_equal(t_bind(st, "x-2", "x1", 10, 16 << 20), DAAS_OK);
    assert_int_equal(t_bind(st, "x-3", "x1", 10, 16 << 20), DAAS_OK);
    assert_int_equal(t_bind(st, "y-1", "y1", 2000, 4 * GiB), DAAS_OK);
}

static void test_score_fairness(void **state)
{
    (void)state;
    tpod p;
    tpod_init(&p, "p", 500, 512 << 20);
    /* x1: cpu 530/4000 = 13%, mem 560Mi/8Gi = 6% -> least 90, balanced 93;
     * y1: cpu 62%, mem 56% -> least 41, balanced 94.
     * Stakes 100/300: X has 3/4 of the pods for 1/4 of the stake -> 100*.25/(.25+.75) = 25;
     * Y 1/4 of the pods for 3/4 of the stake -> 75. Fairness outweighs load. */
    daas_sched_state *st = daas_sched_state_new();
    fairness_cluster(st, 100, 300);
    expect_node(st, &p, "y1", 41 + 94 + 75);
    daas_sched_state_free(&st);
    /* equal stakes: X 100*.5/1.25 = 40, Y 100*.5/.75 = 66: load wins (90+93+40) */
    st = daas_sched_state_new();
    fairness_cluster(st, 100, 100);
    expect_node(st, &p, "x1", 90 + 93 + 40);
    daas_sched_state_free(&st);
    /* nobody stakes: fairness 0 everywhere */
    st = daas_sched_state_new();
    fairness_cluster(st, 0, 0);
    expect_node(st, &p, "x1", 90 + 93);
    daas_sched_state_free(&st);
}

static void test_owner_stake_is_max_of_nodes(void **state)
{
    (void)state;
    /* owner 1 has two nodes claiming stakes 100 and 300: its stake is 300, not 400; owner 2
     * has 300. Both own one pod, so shares are equal and fairness is 50 for both. */
    daas_sched_state *st = daas_sched_state_new();
    tnode a, b, c;
    tnode_init(&a, "a", 4000, 8 * GiB, 1, 100);
    tnode_init(&b, "b", 4000, 8 * GiB, 1, 300);
    tnode_init(&c, "c", 4000, 8 * GiB, 2, 300);
    assert_int_equal(t_upsert(st, &a), DAAS_OK);
    assert_int_equal(t_upsert(st, &b), DAAS_OK);
    assert_int_equal(t_upsert(st, &c), DAAS_OK);
    assert_int_equal(t_bind(st, "o1", "b", 1000, 2 * GiB), DAAS_OK);
    assert_int_equal(t_bind(st, "o2", "c", 1000, 2 * GiB), DAAS_OK);
    tpod p;
    tpod_init(&p, "p", 1000, 2 * GiB);
    /* a: 25%/25% -> 75 + 100 + 50 */
    expect_node(st, &p, "a", 75 + 100 + 50);
    daas_sched_state_free(&st);
}

static void tie_winner(const char *uid, const char *const *names, size_t n, char *out)
{
    uint8_t best[32], k[32];
    for (size_t i = 0; i < n; i++) {
        crypto_generichash_state h;
        crypto_generichash_init(&h, NULL, 0, 32);
        crypto_generichash_update(&h, (const uint8_t *)uid, strlen(uid));
        crypto_generichash_update(&h, (const uint8_t *)names[i], strlen(names[i]));
        crypto_generichash_final(&h, k, 32);
        if (i == 0 || memcmp(k, best, 32) < 0) {
            memcpy(best, k, 32);
            snprintf(out, 8, "%s", names[i]);
        }
    }
}

static void test_tie_break(void **state)
{
    (void)state;
    static const char *const names[] = {"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"};
    daas_sched_state *fwd = daas_sched_state_new(), *rev = daas_sched_state_new();
    for (size_t i = 0; i < 8; i++) {
        tnode t;
        tnode_init(&t, names[i], 4000, 8 * GiB, 1, 1);
        assert_int_equal(t_upsert(fwd, &t), DAAS_OK);
        tnode_init(&t, names[7 - i], 4000, 8 * GiB, 1, 1);
        assert_int_equal(t_upsert(rev, &t), DAAS_OK);
    }
    bool differ = false;
    char first[8] = "";
    for (int i = 0; i < 16; i++) {
        char uid[16], want[8];
        snprintf(uid, sizeof(uid), "pod-%d", i);
        tie_winner(uid, names, 8, want);
        tpod p;
        tpod_init(&p, uid, 100, GiB);
        daas_sched_result r = run(fwd, &p);
        assert_int_equal(r.tied, 8);
        assert_string_equal(r.node, want);
        daas_sched_result_fini(&r);
        expect_node(rev, &p, want, UINT64_MAX);
        if (i == 0)
            memcpy(first, want, sizeof(first));
        differ |= strcmp(first, want) != 0;
    }
    assert_true(differ); /* different pods spread over the tied nodes */
    daas_sched_state_free(&fwd);
    daas_sched_state_free(&rev);
}

/* A deterministic generator for the random cases (no libc rand). */
static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static uint32_t want_pct(int64_t used, int64_t req, int64_t cap)
{
    if (cap == 0 || used + req >= cap)
        return 100;
    return (uint32_t)((unsigned __int128)(used + req) * 100 / (unsigned __int128)cap);
}

static void test_score_integer_math(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    uint64_t seed = 42;
    for (int i = 0; i < 3000; i++) {
        int shift = (int)(lcg(&seed) % 51);
        int64_t cap_c = (int64_t)(lcg(&seed) % ((uint64_t)1 << shift)) + 1;
        int64_t cap_m = (int64_t)(lcg(&seed) % ((uint64_t)1 << (50 - shift / 2))) + 1;
        int64_t used_c = (int64_t)(lcg(&seed) % (uint64_t)cap_c);
        int64_t used_m = (int64_t)(lcg(&seed) % (uint64_t)cap_m);
        int64_t req_c = (int64_t)(lcg(&seed) % (uint64_t)(cap_c - used_c + 1));
        int64_t req_m = (int64_t)(lcg(&seed) % (uint64_t)(cap_m - used_m + 1));
        tnode t;
        tnode_init(&t, "n", cap_c, cap_m, 1, 0);
        assert_int_equal(t_upsert(st, &t), DAAS_OK);
        assert_int_equal(t_bind(st, "u", "n", used_c, used_m), DAAS_OK);
        tpod p;
        tpod_init(&p, "p", req_c, req_m);
        int64_t nzu_c = used_c ? used_c : DAAS_SCHED_DEFAULT_MILLI_CPU;
        int64_t nzu_m = used_m ? used_m : DAAS_SCHED_DEFAULT_MEMORY;
        int64_t nzr_c = req_c ? req_c : DAAS_SCHED_DEFAULT_MILLI_CPU;
        int64_t nzr_m = req_m ? req_m : DAAS_SCHED_DEFAULT_MEMORY;
        uint32_t pc = want_pct(nzu_c, nzr_c, cap_c), pm = want_pct(nzu_m, nzr_m, cap_m);
        uint64_t want = ((100 - pc) + (100 - pm)) / 2 + 100 - (pc > pm ? pc - pm : pm - pc);
        expect_node(st, &p, "n", want);
    }
    daas_sched_state_free(&st);
}

static void test_bad_pod(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tpod p;
    daas_sched_result r;
    daas_err err = {0};
    tpod_init(&p, "p", 100, GiB);
    tpod_req(&p, "pods", 1);
    assert_int_equal(daas_sched_schedule(st, &p.p, &r, &err), DAAS_EINVAL);
    assert_false(r.found);
    assert_null(r.reason);
    daas_sched_state_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons_mixed),
        cmocka_unit_test(test_reasons_sorted_as_go_strings),
        cmocka_unit_test(test_reasons_resources),
        cmocka_unit_test(test_reasons_each),
        cmocka_unit_test(test_resources_fit),
        cmocka_unit_test(test_nitro_enclaves),
        cmocka_unit_test(test_affinity_operators),
        cmocka_unit_test(test_tolerations),
        cmocka_unit_test(test_not_ready_unschedulable_tolerated),
        cmocka_unit_test(test_score_least_allocated),
        cmocka_unit_test(test_score_balanced),
        cmocka_unit_test(test_score_fairness),
        cmocka_unit_test(test_owner_stake_is_max_of_nodes),
        cmocka_unit_test(test_tie_break),
        cmocka_unit_test(test_score_integer_math),
        cmocka_unit_test(test_bad_pod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
