/*
 * test_rebalance.c: the rebalancing planner of rebalance.h: an overloaded node among three
 *                   (evictions from it only, of controller-owned pods with a target), PDB
 *                   caps, max_evictions, pods with nowhere to go (readiness, cordon,
 *                   taints, extended resources), orphans, the fairness pass, no
 *                   imbalance, determinism and independence from the state's build order,
 *                   BCS golden bytes, round trips and strict refusals, intent-5 signing
 *                   bytes against the decision's, Ed25519 over plans.
 *
 * Owns:   nothing beyond each test's states, buffers and plans (freed before it returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "sched/rebalance.h"
#include "sched_test.h"

#define MiB ((int64_t)1 << 20)
#define TS 1744683300000ULL

/* ---- builders ---- */

static void add_node(daas_sched_state *st, const char *name, uint8_t owner, uint64_t stake)
{
    tnode n;
    tnode_init(&n, name, 4000, 8 * GiB, owner, stake);
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
}

/*
 * n1 (owner 1): a 1200m, b 1000m, c 1000m (no controller), d 600m = 3800m of 4000m;
 * n2 (owner 2): e 1000m; n3 (owner 3): f 500m. Each pod asks 256 MiB of 8 GiB.
 */
static daas_sched_state *three_nodes(bool reverse)
{
    static const char *const nodes[] = {"n1", "n2", "n3"};
    static const struct {
        const char *uid, *node;
        int64_t cpu;
    } pods[] = {{"a", "n1", 1200}, {"b", "n1", 1000}, {"c", "n1", 1000},
                {"d", "n1", 600},  {"e", "n2", 1000}, {"f", "n3", 500}};
    daas_sched_state *st = daas_sched_state_new();
    for (int i = 0; i < 3; i++) {
        int k = reverse ? 2 - i : i;
        add_node(st, nodes[k], (uint8_t)(k + 1), 100);
    }
    for (int i = 0; i < 6; i++) {
        int k = reverse ? 5 - i : i;
        assert_int_equal(t_bind(st, pods[k].uid, pods[k].node, pods[k].cpu, 256 * MiB), DAAS_OK);
    }
    return st;
}

static daas_sched_rebalance_cand cand(const char *uid, const char *controller, const char *pdb)
{
    return (daas_sched_rebalance_cand){uid, "default", uid, controller, pdb};
}

/* Candidates a..f: all controller-owned (ReplicaSet) except c. */
static void six_cands(daas_sched_rebalance_cand c[6])
{
    c[0] = cand("a", "ReplicaSet/web", NULL);
    c[1] = cand("b", "ReplicaSet/web", NULL);
    c[2] = cand("c", "", NULL);
    c[3] = cand("d", "ReplicaSet/db", NULL);
    c[4] = cand("e", "ReplicaSet/web", NULL);
    c[5] = cand("f", "ReplicaSet/web", NULL);
}

static daas_sched_rebalance_req req_of(const daas_sched_rebalance_cand *c, size_t n,
                                       uint8_t threshold, uint16_t max, uint8_t fairness)
{
    return (daas_sched_rebalance_req){.round = 42,
                                      .threshold_pct = threshold,
                                      .max_evictions = max,
                                      .fairness_pct = fairness,
                                      .cands = c,
                                      .n_cands = n};
}

static void plan_ok(const daas_sched_state *st, const daas_sched_rebalance_req *q,
                    daas_sched_plan *p)
{
    daas_err err = {0};
    int rc = daas_sched_rebalance_plan(st, q, p, &err);
    if (rc != DAAS_OK)
        fail_msg("plan: %s", err.msg);
}

static void expect_eviction(const daas_sched_plan *p, size_t i, const char *uid, const char *node,
                            uint8_t reason)
{
    assert_true(i < p->n_evictions);
    assert_string_equal(p->evictions[i].uid, uid);
    assert_string_equal(p->evictions[i].name, uid);
    assert_string_equal(p->evictions[i].ns, "default");
    assert_string_equal(p->evictions[i].node, node);
    assert_int_equal(p->evictions[i].reason, reason);
}

/* share in basis points of a 4000m / 8 GiB node for cpu m and 256 MiB */
static uint64_t share(int64_t m)
{
    return (uint64_t)(m * 10000 / 4000) + (uint64_t)(256 * MiB * 10000 / (8 * GiB));
}

/* ---- planning ---- */

static void test_overloaded_node(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    /* threshold 50%: n1 (95%) is over; the largest pods with a controller leave until
     * n1 <= 2000m: a (1200m, to n3: 1700m) then b (1000m, to n2: 2000m = 50%, not over) */
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 0);
    daas_sched_plan p;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 2);
    expect_eviction(&p, 0, "a", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    expect_eviction(&p, 1, "b", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    assert_int_equal(p.evictions[0].score, share(1200));
    assert_int_equal(p.evictions[1].score, share(1000));
    assert_int_equal(p.round, 42);
    assert_int_equal(p.state_seq, daas_sched_state_seq(st));
    uint8_t d[32];
    daas_sched_state_digest(st, d);
    assert_memory_equal(p.state_digest, d, 32);
    daas_sched_rebalance_plan_fini(&p);
    assert_null(p.evictions);

    /* without controllers on a and b, c (no controller either) is never chosen: d goes */
    c[0].controller = "";
    c[1].controller = "";
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 1);
    expect_eviction(&p, 0, "d", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

static void test_request_digest(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 0);
    daas_sched_plan p;
    daas_buf b;
    daas_err err = {0};
    uint8_t h[32];
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_OK);
    crypto_generichash(h, 32, (const uint8_t *)b.data, b.len, NULL, 0);
    plan_ok(st, &q, &p);
    assert_memory_equal(p.request_digest, h, 32);
    daas_sched_rebalance_plan_fini(&p);
    daas_buf_fini(&b);
    /* an invalid request is refused with nothing allocated */
    q.threshold_pct = 0;
    assert_int_equal(daas_sched_rebalance_plan(st, &q, &p, &err), DAAS_EINVAL);
    assert_null(p._mem);
    daas_sched_state_free(&st);
}

static void test_budget_caps(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    daas_sched_rebalance_budget pdb[] = {{"default/web", 1}};
    six_cands(c);
    c[0].budget = "default/web";
    c[1].budget = "default/web";
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 0);
    q.budgets = pdb;
    q.n_budgets = 1;
    /* a takes the budget's one disruption; b is then not evictable, c has no controller:
     * d (600m) leaves: 3800 - 1200 - 600 = 2000m, no longer over */
    daas_sched_plan p;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 2);
    expect_eviction(&p, 0, "a", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    expect_eviction(&p, 1, "d", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    daas_sched_rebalance_plan_fini(&p);
    /* a budget at 0 protects its pods entirely */
    pdb[0].disruptions_allowed = 0;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 1);
    expect_eviction(&p, 0, "d", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

static void test_max_evictions(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    daas_sched_rebalance_req q = req_of(c, 6, 50, 1, 0);
    daas_sched_plan p;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 1);
    expect_eviction(&p, 0, "a", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    daas_sched_rebalance_plan_fini(&p);
    /* threshold 10%: every node is over and nothing could take a pod: an empty plan */
    q = req_of(c, 6, 10, 100, 0);
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 0);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

static void test_nowhere_to_go(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    tnode n;
    tnode_init(&n, "n2", 4000, 8 * GiB, 2, 100);
    n.n.unschedulable = true;
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    tnode_init(&n, "n3", 4000, 8 * GiB, 3, 100);
    n.n.ready = false;
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 0);
    daas_sched_plan p;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 0);
    daas_sched_rebalance_plan_fini(&p);
    /* a tainted n3 takes nothing either; an untainted ready one does */
    tnode_init(&n, "n3", 4000, 8 * GiB, 3, 100);
    tnode_taint(&n, "dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE);
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 0);
    daas_sched_rebalance_plan_fini(&p);
    tnode_init(&n, "n3", 4000, 8 * GiB, 3, 100);
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    plan_ok(st, &q, &p);
    /* n3 (500m) takes a (-> 1700m); b or d would then put it over 50%: n1 is given up */
    assert_int_equal(p.n_evictions, 1);
    expect_eviction(&p, 0, "a", "n1", DAAS_SCHED_EVICT_OVERLOAD);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

static void test_no_imbalance(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    /* 95% < 96%; pods 4/1/1 for equal stakes drift 33 points, under 50 */
    daas_sched_rebalance_req q = req_of(c, 6, 96, 10, 50);
    daas_sched_plan p;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 0);
    assert_null(p.evictions);
    daas_sched_rebalance_plan_fini(&p);
    /* unknown candidates are ignored */
    daas_sched_rebalance_cand ghost[] = {cand("zz", "ReplicaSet/x", NULL)};
    q = req_of(ghost, 1, 50, 10, 0);
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 0);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

static void test_fairness(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    add_node(st, "m1", 1, 100);
    add_node(st, "m2", 2, 100);
    static const char *const uids[] = {"p1", "p2", "p3", "p4"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(t_bind(st, uids[i], "m1", 100 * (i + 1), 64 * MiB), DAAS_OK);
    daas_sched_rebalance_cand c[4];
    for (int i = 0; i < 4; i++)
        c[i] = cand(uids[i], "Deployment/api", NULL);
    /* owner 1 runs 4/4 pods for 1/2 of the stake: 50 points over; after two moves it is
     * at its share. The largest pods move first. */
    daas_sched_rebalance_req q = req_of(c, 4, 100, 10, 10);
    daas_sched_plan p;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 2);
    expect_eviction(&p, 0, "p4", "m1", DAAS_SCHED_EVICT_OVER_SHARE);
    expect_eviction(&p, 1, "p3", "m1", DAAS_SCHED_EVICT_OVER_SHARE);
    daas_sched_rebalance_plan_fini(&p);
    /* fairness off: nothing */
    q.fairness_pct = 0;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 0);
    daas_sched_rebalance_plan_fini(&p);
    /* owner 1 holds 3/4 of the stake: 4/4 pods is 25 points over: one move (to 3/4) */
    tnode n;
    tnode_init(&n, "m1", 4000, 8 * GiB, 1, 300);
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    q.fairness_pct = 10;
    plan_ok(st, &q, &p);
    assert_int_equal(p.n_evictions, 1);
    expect_eviction(&p, 0, "p4", "m1", DAAS_SCHED_EVICT_OVER_SHARE);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

static void plan_bytes(const daas_sched_state *st, const daas_sched_rebalance_req *q, daas_buf *b,
                       bool zero_state)
{
    daas_sched_plan p;
    daas_err err = {0};
    plan_ok(st, q, &p);
    if (zero_state) {
        p.state_seq = 0;
        memset(p.state_digest, 0, 32);
    }
    daas_buf_init(b, 0);
    assert_int_equal(daas_sched_rebalance_plan_encode(&p, b, &err), DAAS_OK);
    daas_sched_rebalance_plan_fini(&p);
}

static void test_determinism(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false), *rev = three_nodes(true);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 20);
    daas_buf b1, b2, b3;
    plan_bytes(st, &q, &b1, false);
    plan_bytes(st, &q, &b2, false);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    daas_buf_fini(&b2);
    /* the same cluster built in the opposite order: the same evictions (only the state's
     * digest chain differs) */
    plan_bytes(st, &q, &b2, true);
    plan_bytes(rev, &q, &b3, true);
    assert_int_equal(b2.len, b3.len);
    assert_memory_equal(b2.data, b3.data, b2.len);
    daas_buf_fini(&b1);
    daas_buf_fini(&b2);
    daas_buf_fini(&b3);
    /* unsorted candidates are refused, not reordered */
    daas_sched_rebalance_cand swap = c[0];
    c[0] = c[1];
    c[1] = swap;
    daas_sched_plan p;
    daas_err err = {0};
    assert_int_equal(daas_sched_rebalance_plan(st, &q, &p, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "sorted"));
    daas_sched_state_free(&st);
    daas_sched_state_free(&rev);
}

/* Extended requests must fit on the target (read from the state); orphans never move. */
static void test_extended_and_orphans(void **state)
{
    (void)state;
    static const daas_sched_res req[] = {{"aws.ec2.nitro/nitro_enclaves", 1}, {"cpu", 1500}};
    daas_sched_state *st = daas_sched_state_new();
    tnode n;
    tnode_init(&n, "k1", 4000, 8 * GiB, 1, 100);
    tnode_res(&n, "aws.ec2.nitro/nitro_enclaves", 1);
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    add_node(st, "k2", 2, 100);
    assert_int_equal(t_bind_req(st, "enc", "k1", req, 2), DAAS_OK);
    assert_int_equal(t_bind(st, "pad", "k1", 1000, 0), DAAS_OK); /* k1: 2500m > 50% */
    assert_int_equal(t_bind(st, "lost", "gone", 3000, 0), DAAS_OK);
    daas_sched_rebalance_cand c[] = {cand("enc", "ReplicaSet/e", NULL),
                                     cand("lost", "ReplicaSet/e", NULL)};
    daas_sched_rebalance_req q = req_of(c, 2, 50, 5, 0);
    daas_sched_plan p;
    plan_ok(st, &q, &p); /* k2 has no Nitro device */
    assert_int_equal(p.n_evictions, 0);
    daas_sched_rebalance_plan_fini(&p);
    tnode_init(&n, "k2", 4000, 8 * GiB, 2, 100);
    tnode_res(&n, "aws.ec2.nitro/nitro_enclaves", 2);
    assert_int_equal(t_upsert(st, &n), DAAS_OK);
    plan_ok(st, &q, &p); /* now it has; "lost" (node "gone" absent) stays out */
    assert_int_equal(p.n_evictions, 1);
    expect_eviction(&p, 0, "enc", "k1", DAAS_SCHED_EVICT_OVERLOAD);
    assert_int_equal(p.evictions[0].score, 3750);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

/* Equal share: the lower BLAKE2b(uid || round) goes first, so the round changes the pick. */
static void test_hash_tie_break(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    add_node(st, "x1", 1, 100);
    add_node(st, "x2", 2, 100);
    assert_int_equal(t_bind(st, "u1", "x1", 1500, 0), DAAS_OK);
    assert_int_equal(t_bind(st, "u2", "x1", 1500, 0), DAAS_OK);
    daas_sched_rebalance_cand c[] = {cand("u1", "Job/j", NULL), cand("u2", "Job/j", NULL)};
    daas_sched_rebalance_req q = req_of(c, 2, 50, 1, 0);
    for (uint64_t round = 0; round < 8; round++) {
        uint8_t h1[32], h2[32], in[10];
        q.round = round;
        for (int k = 0; k < 2; k++) {
            in[0] = 'u';
            in[1] = (uint8_t)('1' + k);
            for (int i = 0; i < 8; i++)
                in[2 + i] = (uint8_t)(round >> (8 * i));
            crypto_generichash(k == 0 ? h1 : h2, 32, in, sizeof in, NULL, 0);
        }
        daas_sched_plan p;
        plan_ok(st, &q, &p);
        assert_int_equal(p.n_evictions, 1);
        assert_string_equal(p.evictions[0].uid, memcmp(h1, h2, 32) < 0 ? "u1" : "u2");
        daas_sched_rebalance_plan_fini(&p);
    }
    daas_sched_state_free(&st);
}

/* ---- wire ---- */

static const char REQ_HEX[] = "070000000000000050030000"
                              "01"
                              "0175016401"
                              "6e03522f780103642f70"
                              "01"
                              "03642f7001000000";

static void test_req_bcs(void **state)
{
    (void)state;
    daas_sched_rebalance_cand c[] = {{"u", "d", "n", "R/x", "d/p"}};
    daas_sched_rebalance_budget bd[] = {{"d/p", 1}};
    daas_sched_rebalance_req q = req_of(c, 1, 80, 3, 0), back;
    q.round = 7;
    q.budgets = bd;
    q.n_budgets = 1;
    daas_buf b, b2;
    daas_err err = {0};
    daas_buf_init(&b, 0);
    daas_buf_init(&b2, 0);
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_OK);
    assert_string_equal(t_hex(b.data, b.len), REQ_HEX);
    assert_int_equal(daas_sched_rebalance_req_decode(DAAS_BYTES(b.data, b.len), &back, &err),
                     DAAS_OK);
    assert_int_equal(back.round, 7);
    assert_int_equal(back.threshold_pct, 80);
    assert_int_equal(back.max_evictions, 3);
    assert_string_equal(back.cands[0].controller, "R/x");
    assert_string_equal(back.cands[0].budget, "d/p");
    assert_int_equal(back.budgets[0].disruptions_allowed, 1);
    assert_int_equal(daas_sched_rebalance_req_encode(&back, &b2, &err), DAAS_OK);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.data, b.data, b.len);
    daas_sched_rebalance_req_fini(&back);
    assert_null(back._mem);
    daas_buf_fini(&b);
    daas_buf_fini(&b2);
}

/* Decodes hex (with byte at offset pos set to v when pos >= 0); returns the code. */
static int decode_patched(const char *hex, long pos, uint8_t v, const char *extra)
{
    uint8_t in[256];
    char h[600];
    snprintf(h, sizeof h, "%s%s", hex, extra);
    size_t n = t_unhex(h, in, sizeof in);
    if (pos >= 0)
        in[pos] = v;
    daas_sched_rebalance_req q;
    daas_err err = {0};
    int rc = daas_sched_rebalance_req_decode(DAAS_BYTES(in, n), &q, &err);
    if (rc == DAAS_OK)
        daas_sched_rebalance_req_fini(&q);
    else
        assert_true(err.msg[0] != '\0');
    assert_null(q._mem);
    return rc;
}

static void test_req_strict(void **state)
{
    (void)state;
    assert_int_equal(decode_patched(REQ_HEX, -1, 0, ""), DAAS_OK);
    assert_int_equal(decode_patched(REQ_HEX, -1, 0, "00"), DAAS_EINVAL); /* trailing */
    assert_int_equal(decode_patched(REQ_HEX, 8, 0, ""), DAAS_EINVAL);    /* threshold 0 */
    assert_int_equal(decode_patched(REQ_HEX, 8, 101, ""), DAAS_EINVAL);  /* threshold 101 */
    assert_int_equal(decode_patched(REQ_HEX, 8, 100, ""), DAAS_OK);
    assert_int_equal(decode_patched(REQ_HEX, 9, 0, ""), DAAS_EINVAL);     /* max 0 */
    assert_int_equal(decode_patched(REQ_HEX, 10, 1, ""), DAAS_OK);        /* max 0x0103 */
    assert_int_equal(decode_patched(REQ_HEX, 11, 101, ""), DAAS_EINVAL);  /* fairness */
    assert_int_equal(decode_patched(REQ_HEX, 23, 2, ""), DAAS_EINVAL);    /* option tag */
    assert_int_equal(decode_patched(REQ_HEX, 27, 'q', ""), DAAS_EINVAL);  /* unknown budget */
    assert_int_equal(decode_patched(REQ_HEX, 14, 0xff, ""), DAAS_EINVAL); /* not UTF-8 */
    assert_int_equal(decode_patched(REQ_HEX, 12, 2, ""), DAAS_EINVAL);    /* 2 cands, cut */
    /* max_evictions 0 */
    daas_sched_rebalance_req q = req_of(NULL, 0, 50, 0, 0);
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_EINVAL);
    assert_int_equal(b.len, 0);
    /* empty uid, unsorted and duplicate budgets */
    daas_sched_rebalance_cand c[] = {cand("", "ReplicaSet/x", NULL)};
    q = req_of(c, 1, 50, 1, 0);
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_EINVAL);
    daas_sched_rebalance_budget bd[] = {{"ns/b", 1}, {"ns/a", 1}};
    q = req_of(NULL, 0, 50, 1, 0);
    q.budgets = bd;
    q.n_budgets = 2;
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_EINVAL);
    bd[1].name = "ns/b";
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_EINVAL);
    bd[0].name = "ns/a";
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_OK);
    daas_buf_fini(&b);
    /* unsorted candidates on the wire: two sorted ones, then the first uid made larger */
    daas_sched_rebalance_cand two[] = {cand("p1", "R/x", NULL), cand("p2", "R/x", NULL)};
    q = req_of(two, 2, 50, 1, 0);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &b, &err), DAAS_OK);
    char hex[8192];
    snprintf(hex, sizeof hex, "%s", t_hex(b.data, b.len));
    assert_int_equal(decode_patched(hex, -1, 0, ""), DAAS_OK);
    assert_int_equal(decode_patched(hex, 15, '3', ""), DAAS_EINVAL);
    assert_int_equal(decode_patched(hex, 15, '2', ""), DAAS_EINVAL); /* duplicate */
    daas_buf_fini(&b);
}

static void test_plan_bcs(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 0);
    daas_sched_plan p, back;
    daas_buf b, b2;
    daas_err err = {0};
    plan_ok(st, &q, &p);
    daas_buf_init(&b, 0);
    daas_buf_init(&b2, 0);
    assert_int_equal(daas_sched_rebalance_plan_encode(&p, &b, &err), DAAS_OK);
    /* round, seq, 32-byte digests, then 2 evictions; the first is "a" */
    assert_int_equal((uint8_t)b.data[0], 42);
    assert_int_equal((uint8_t)b.data[16], 32);
    assert_int_equal((uint8_t)b.data[49], 32);
    assert_int_equal((uint8_t)b.data[82], 2);
    assert_memory_equal(b.data + 83,
                        "\x01"
                        "a"
                        "\x07"
                        "default"
                        "\x01"
                        "a"
                        "\x02"
                        "n1"
                        "\x01",
                        1 + 1 + 1 + 7 + 1 + 1 + 1 + 2 + 1);
    assert_int_equal(daas_sched_rebalance_plan_decode(DAAS_BYTES(b.data, b.len), &back, &err),
                     DAAS_OK);
    assert_int_equal(daas_sched_rebalance_plan_encode(&back, &b2, &err), DAAS_OK);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.data, b.data, b.len);
    daas_sched_rebalance_plan_fini(&back);
    /* refusals: trailing byte, reason 3, digest of 31 bytes, a pod evicted twice */
    uint8_t in[1024];
    memcpy(in, b.data, b.len);
    in[b.len] = 0;
    assert_int_equal(daas_sched_rebalance_plan_decode(DAAS_BYTES(in, b.len + 1), &back, &err),
                     DAAS_EINVAL);
    in[83 + 15] = 3;
    daas_err_clear(&err); /* daas_fail keeps the first message */
    assert_int_equal(daas_sched_rebalance_plan_decode(DAAS_BYTES(in, b.len), &back, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "reason"));
    memcpy(in, b.data, b.len);
    in[16] = 31;
    assert_int_equal(daas_sched_rebalance_plan_decode(DAAS_BYTES(in, b.len), &back, &err),
                     DAAS_EINVAL);
    p.evictions[1].uid = "a";
    daas_err_clear(&err);
    assert_int_equal(daas_sched_rebalance_plan_encode(&p, &b2, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "twice"));
    daas_sched_rebalance_plan_fini(&p);
    daas_buf_fini(&b);
    daas_buf_fini(&b2);
    daas_sched_state_free(&st);
}

/* ---- signing ---- */

static void test_signing_bytes_layout(void **state)
{
    (void)state;
    daas_sched_decision d = {.state_seq = 7, .score = 218, .timestamp_ms = TS};
    snprintf(d.pod_uid, sizeof d.pod_uid, "uid-1");
    snprintf(d.node, sizeof d.node, "node-a");
    daas_buf dec, bcs, reb;
    daas_err err = {0};
    daas_buf_init(&dec, 0);
    daas_buf_init(&bcs, 0);
    daas_buf_init(&reb, 0);
    assert_int_equal(daas_sched_decision_signing_bytes(&d, &dec, &err), DAAS_OK);
    assert_int_equal(daas_sched_decision_encode(&d, &bcs, &err), DAAS_OK);
    /* the same IntentMessage layout over any payload, with intent 5 */
    assert_int_equal(
        daas_sched_rebalance_signing_bytes(TS, DAAS_BYTES(bcs.data, bcs.len), &reb, &err), DAAS_OK);
    assert_int_equal(reb.len, dec.len);
    assert_int_equal((uint8_t)dec.data[0], DAAS_SCHED_INTENT_DECISION);
    assert_int_equal((uint8_t)reb.data[0], DAAS_SCHED_INTENT_REBALANCE);
    assert_int_equal(DAAS_SCHED_INTENT_REBALANCE, 5);
    assert_memory_equal(reb.data + 1, dec.data + 1, dec.len - 1);
    assert_string_equal(t_hex(reb.data, 9), "05a0743a3796010000");
    /* the leaf is the Merkle leaf of those bytes */
    uint8_t l1[32], l2[32];
    daas_sched_rebalance_leaf(TS, DAAS_BYTES(bcs.data, bcs.len), l1);
    daas_sched_merkle_leaf(DAAS_BYTES(reb.data, reb.len), l2);
    assert_memory_equal(l1, l2, 32);
    daas_buf_fini(&dec);
    daas_buf_fini(&bcs);
    daas_buf_fini(&reb);
}

static void test_sign_verify(void **state)
{
    (void)state;
    daas_sched_state *st = three_nodes(false);
    daas_sched_rebalance_cand c[6];
    six_cands(c);
    daas_sched_rebalance_req q = req_of(c, 6, 50, 10, 0);
    daas_sched_plan p;
    daas_buf b;
    daas_err err = {0};
    uint8_t seed[32], pk[32], sk[64], sig[64];
    memset(seed, 7, sizeof seed);
    assert_int_equal(sodium_init() >= 0, 1);
    crypto_sign_seed_keypair(pk, sk, seed);
    plan_ok(st, &q, &p);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_rebalance_plan_encode(&p, &b, &err), DAAS_OK);
    daas_bytes bytes = DAAS_BYTES(b.data, b.len);
    assert_int_equal(daas_sched_rebalance_sign(TS, bytes, sk, sig, &err), DAAS_OK);
    assert_int_equal(daas_sched_rebalance_verify(bytes, TS, sig, pk, &err), DAAS_OK);
    assert_int_equal(daas_sched_rebalance_verify(bytes, TS + 1, sig, pk, &err), DAAS_ECRYPTO);
    /* an altered plan (the last score byte) still decodes but does not verify */
    b.data[b.len - 1] ^= 1;
    assert_int_equal(daas_sched_rebalance_verify(bytes, TS, sig, pk, &err), DAAS_ECRYPTO);
    b.data[b.len - 1] ^= 1;
    /* an extra eviction cut off: does not decode */
    assert_int_equal(daas_sched_rebalance_verify(DAAS_BYTES(b.data, b.len - 1), TS, sig, pk, &err),
                     DAAS_EINVAL);
    sig[0] ^= 1;
    assert_int_equal(daas_sched_rebalance_verify(bytes, TS, sig, pk, &err), DAAS_ECRYPTO);
    daas_buf_fini(&b);
    daas_sched_rebalance_plan_fini(&p);
    daas_sched_state_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overloaded_node), cmocka_unit_test(test_request_digest),
        cmocka_unit_test(test_budget_caps),     cmocka_unit_test(test_max_evictions),
        cmocka_unit_test(test_nowhere_to_go),   cmocka_unit_test(test_no_imbalance),
        cmocka_unit_test(test_fairness),        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_hash_tie_break),  cmocka_unit_test(test_extended_and_orphans),
        cmocka_unit_test(test_req_bcs),         cmocka_unit_test(test_req_strict),
        cmocka_unit_test(test_plan_bcs),        cmocka_unit_test(test_signing_bytes_layout),
        cmocka_unit_test(test_sign_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
