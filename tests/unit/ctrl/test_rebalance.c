/*
 * test_rebalance.c: the rebalancing round's request (src/ctrl/rebalance.c): which pods are
 * candidates (bound, running, owned by a controller that is not a DaemonSet or Node), the one
 * budget the eviction subresource would consult, budgets' disruptionsAllowed (0 while the
 * PDB's status lags its generation), sorting, and the BCS decoding back to the same request.
 * JSON here uses ' for ".
 */
#include "kube/kube_testutil.h"

#include <stdio.h>

#include "ctrl/rebalance.h"
#include "sched/rebalance.h"

/* A pod ns/name (uid u-name) on node (NULL: unbound), owner "Kind/name" (NULL: none). */
static json_t *pod(const char *ns, const char *name, const char *node, const char *owner,
                   const char *app, const char *extra)
{
    char b[2048], ref[300] = "", nn[100] = "";
    if (owner) {
        char kind[64];
        const char *slash = strchr(owner, '/');
        snprintf(kind, sizeof kind, "%.*s", (int)(slash - owner), owner);
        snprintf(ref, sizeof ref,
                 ",'ownerReferences':[{'apiVersion':'apps/v1','kind':'%s','name':'%s','uid':'x',"
                 "'controller':true}]",
                 kind, slash + 1);
    }
    if (node)
        snprintf(nn, sizeof nn, "'nodeName':'%s'", node);
    snprintf(b, sizeof b,
             "{'metadata':{'name':'%s','namespace':'%s','uid':'u-%s','labels':{'app':'%s'}%s%s},"
             "'spec':{%s},'status':{'phase':'Running'}}",
             name, ns, name, app, ref, extra ? extra : "", nn);
    return ku_json(b);
}

static json_t *pdb(const char *ns, const char *name, const char *app, int allowed, int gen,
                   int observed)
{
    char b[1024];
    snprintf(b, sizeof b,
             "{'metadata':{'name':'%s','namespace':'%s','generation':%d},'spec':{'selector':{"
             "'matchLabels':{'app':'%s'}}},'status':{'disruptionsAllowed':%d,"
             "'observedGeneration':%d}}",
             name, ns, gen, app, allowed, observed);
    return ku_json(b);
}

static void decode(const json_t *pods, const json_t *pdbs, daas_sched_rebalance_req *q,
                   size_t *n)
{
    daas_ctrl_rebalance_params p = {.round = 7, .threshold_pct = 80, .max_evictions = 3,
                                    .fairness_pct = 20};
    daas_buf out;
    daas_err e = {0};
    daas_buf_init(&out, 1 << 20);
    assert_int_equal(daas_ctrl_rebalance_request(pods, pdbs, &p, &out, n, &e), DAAS_OK);
    assert_int_equal(daas_sched_rebalance_req_decode(DAAS_BYTES(out.data, out.len), q, &e),
                     DAAS_OK);
    assert_int_equal(q->round, 7);
    assert_int_equal(q->threshold_pct, 80);
    assert_int_equal(q->max_evictions, 3);
    assert_int_equal(q->fairness_pct, 20);
    daas_buf_fini(&out);
}

static void test_candidates(void **state)
{
    (void)state;
    json_t *pods = json_array(), *pdbs = json_array();
    json_array_append_new(pods, pod("a", "web-2", "n1", "ReplicaSet/web-1", "web", NULL));
    json_array_append_new(pods, pod("a", "web-1", "n1", "ReplicaSet/web-1", "web", NULL));
    json_array_append_new(pods, pod("a", "pending", NULL, "ReplicaSet/web-1", "web", NULL));
    json_array_append_new(pods, pod("a", "bare", "n1", NULL, "web", NULL));
    json_array_append_new(pods, pod("a", "ds", "n1", "DaemonSet/agent", "x", NULL));
    json_array_append_new(pods, pod("a", "mirror", "n1", "Node/n1", "x", NULL));
    json_array_append_new(pods, pod("a", "gone", "n1", "ReplicaSet/web-1", "web",
                                    ",'deletionTimestamp':'2026-01-01T00:00:00Z'"));
    json_t *done = pod("a", "done", "n1", "Job/j", "j", NULL);
    json_object_set_new(json_object_get(done, "status"), "phase", json_string("Succeeded"));
    json_array_append_new(pods, done);
    json_array_append_new(pods, pod("b", "db-0", "n2", "StatefulSet/db", "db", NULL));
    json_array_append_new(pods, pod("b", "two", "n2", "ReplicaSet/t", "two", NULL));
    json_array_append_new(pdbs, pdb("a", "web", "web", 1, 2, 2));
    json_array_append_new(pdbs, pdb("b", "db", "db", 5, 3, 2)); /* status lags: 0 */
    json_array_append_new(pdbs, pdb("b", "two-a", "two", 1, 1, 1));
    json_array_append_new(pdbs, pdb("b", "two-b", "two", 1, 1, 1));
    json_array_append_new(pdbs, pdb("c", "web", "web", 9, 1, 1)); /* another namespace */

    daas_sched_rebalance_req q = {0};
    size_t n = 0;
    decode(pods, pdbs, &q, &n);
    assert_int_equal(n, 3);
    assert_int_equal(q.n_cands, 3);
    assert_string_equal(q.cands[0].uid, "u-db-0");
    assert_string_equal(q.cands[0].controller, "StatefulSet/db");
    assert_string_equal(q.cands[0].budget, "b/db");
    assert_string_equal(q.cands[1].uid, "u-web-1");
    assert_string_equal(q.cands[1].ns, "a");
    assert_string_equal(q.cands[1].name, "web-1");
    assert_string_equal(q.cands[1].controller, "ReplicaSet/web-1");
    assert_string_equal(q.cands[1].budget, "a/web");
    assert_string_equal(q.cands[2].uid, "u-web-2");
    assert_int_equal(q.n_budgets, 2);
    assert_string_equal(q.budgets[0].name, "a/web");
    assert_int_equal(q.budgets[0].disruptions_allowed, 1);
    assert_string_equal(q.budgets[1].name, "b/db");
    assert_int_equal(q.budgets[1].disruptions_allowed, 0);
    daas_sched_rebalance_req_fini(&q);
    json_decref(pods);
    json_decref(pdbs);
}

static void test_empty_and_limits(void **state)
{
    (void)state;
    json_t *pods = json_array(), *pdbs = json_array();
    daas_sched_rebalance_req q = {0};
    size_t n = 9;
    decode(pods, pdbs, &q, &n);
    assert_int_equal(n, 0);
    assert_int_equal(q.n_cands, 0);
    assert_int_equal(q.n_budgets, 0);
    daas_sched_rebalance_req_fini(&q);

    daas_ctrl_rebalance_params bad = {.round = 1, .threshold_pct = 0, .max_evictions = 1};
    daas_buf out;
    daas_err e = {0};
    daas_buf_init(&out, 1 << 20);
    assert_int_equal(daas_ctrl_rebalance_request(pods, pdbs, &bad, &out, &n, &e), DAAS_EINVAL);
    daas_buf_fini(&out);
    json_decref(pods);
    json_decref(pdbs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_empty_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
