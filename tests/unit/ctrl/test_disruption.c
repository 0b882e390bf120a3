/*
 * test_disruption.c: the disruption controller's plan (src/ctrl/disruption.c) against
 * kubernetes pkg/controller/disruption: expectedPods and desiredHealthy for integer and
 * percentage minAvailable and maxUnavailable (scale of the Deployment behind a ReplicaSet,
 * rounding up), currentHealthy (Ready, not being deleted, not recently evicted),
 * disruptedPods expiry, the DisruptionAllowed condition, the failSafe status, and no write
 * when nothing changed. JSON here uses ' for ".
 */
#include "kube/kube_testutil.h"

#include <stdio.h>

#include "common/util.h"
#include "ctrl/disruption.h"
#include "kube/obj.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

static json_t *mkpdb(const char *spec, const char *status)
{
    char b[2048];
    snprintf(b, sizeof b,
             "{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'web',"
             "'namespace':'ns','generation':2},'spec':{%s},'status':%s}",
             spec, status ? status : "{}");
    return ku_json(b);
}

/* A pod of app=web owned by ReplicaSet rs-1 (owner "" : none). */
static json_t *mkpod(const char *name, bool ready, bool deleting, const char *owner)
{
    char b[1024], ref[256] = "";
    if (owner[0])
        snprintf(ref, sizeof ref,
                 ",'ownerReferences':[{'apiVersion':'apps/v1','kind':'%s','name':'%s','uid':"
                 "'u-%s','controller':true}]",
                 strncmp(owner, "ds", 2) == 0 ? "DaemonSet" : "ReplicaSet", owner, owner);
    snprintf(b, sizeof b,
             "{'metadata':{'name':'%s','namespace':'ns','labels':{'app':'web'}%s%s},"
             "'status':{'phase':'Running','conditions':[{'type':'Ready','status':'%s'}]}}",
             name, ref, deleting ? ",'deletionTimestamp':'2023-11-14T22:13:00Z'" : "",
             ready ? "True" : "False");
    return ku_json(b);
}

static json_t *pods3(bool third_ready)
{
    json_t *a = json_array();
    json_array_append_new(a, mkpod("p1", true, false, "rs-1"));
    json_array_append_new(a, mkpod("p2", true, false, "rs-1"));
    json_array_append_new(a, mkpod("p3", third_ready, false, "rs-1"));
    /* another namespace and another app do not count */
    json_t *o = mkpod("other", true, false, "rs-1");
    daas_kube_set_str(o, "metadata.namespace", "elsewhere");
    json_array_append_new(a, o);
    o = mkpod("db", true, false, "rs-1");
    daas_kube_set_str(o, "metadata.labels.app", "db");
    json_array_append_new(a, o);
    return a;
}

/* ReplicaSet rs-1 (replicas 3) owned by Deployment web (replicas `dep`). */
static void controllers(int dep, json_t **rs, json_t **deploy)
{
    *rs = ku_json("[{'metadata':{'name':'rs-1','namespace':'ns','uid':'u-rs-1','ownerReferences':"
                  "[{'apiVersion':'apps/v1','kind':'Deployment','name':'web','uid':'u-web',"
                  "'controller':true}]},'spec':{'replicas':3}}]");
    char b[256];
    snprintf(b, sizeof b,
             "[{'metadata':{'name':'web','namespace':'ns','uid':'u-web'},'spec':{'replicas':%d}}]",
             dep);
    *deploy = ku_json(b);
}

static daas_ctrl_disruption_plan plan(const json_t *pdb, const json_t *pods, int dep, int64_t now)
{
    json_t *rs, *deploy;
    controllers(dep, &rs, &deploy);
    daas_ctrl_disruption_in in = {.pdb = pdb, .pods = pods, .rs = rs, .deploy = deploy, .now = now};
    daas_ctrl_disruption_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_disruption_plan_make(&in, &p, &e), DAAS_OK);
    json_decref(rs);
    json_decref(deploy);
    return p;
}

/* "allowed/current/desired/expected" of a status. */
static void assert_counts(const json_t *st, const char *want)
{
    char got[64];
    snprintf(got, sizeof got, "%lld/%lld/%lld/%lld",
             (long long)daas_kube_int(st, "disruptionsAllowed", -1),
             (long long)daas_kube_int(st, "currentHealthy", -1),
             (long long)daas_kube_int(st, "desiredHealthy", -1),
             (long long)daas_kube_int(st, "expectedPods", -1));
    assert_string_equal(got, want);
}

static void assert_cond(const json_t *st, const char *status, const char *reason)
{
    const json_t *c = json_array_get(json_object_get(st, "conditions"), 0);
    assert_string_equal(daas_kube_str(c, "type"), "DisruptionAllowed");
    assert_string_equal(daas_kube_str(c, "status"), status);
    assert_string_equal(daas_kube_str(c, "reason"), reason);
    assert_int_equal(daas_kube_int(c, "observedGeneration", -1), 2);
}

static void test_min_available_int(void **state)
{
    (void)state;
    json_t *pdb = mkpdb("'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}", NULL);
    json_t *pods = pods3(true);
    /* expectedPods is the number of matching pods; the Deployment's scale is not needed */
    daas_ctrl_disruption_plan p = plan(pdb, pods, 10, NOW);
    assert_counts(p.status, "1/3/2/3");
    assert_int_equal(daas_kube_int(p.status, "observedGeneration", -1), 2);
    assert_cond(p.status, "True", "SufficientPods");
    assert_true(p.changed);
    assert_false(p.failed);
    assert_int_equal(p.recheck_at, 0);
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);

    /* minAvailable 3 with one pod not Ready: nothing allowed */
    pdb = mkpdb("'minAvailable':3,'selector':{'matchLabels':{'app':'web'}}", NULL);
    json_decref(pods);
    pods = pods3(false);
    p = plan(pdb, pods, 3, NOW);
    assert_counts(p.status, "0/2/3/3");
    assert_cond(p.status, "False", "InsufficientPods");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    json_decref(pods);
}

static void test_percent_and_max_unavailable_use_the_scale(void **state)
{
    (void)state;
    json_t *pods = pods3(true);
    /* 50% of the Deployment's 3 replicas, rounded up: 2 */
    json_t *pdb = mkpdb("'minAvailable':'50%','selector':{'matchLabels':{'app':'web'}}", NULL);
    daas_ctrl_disruption_plan p = plan(pdb, pods, 3, NOW);
    assert_counts(p.status, "1/3/2/3");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    /* the Deployment (not the ReplicaSet) gives the scale: 5 wanted, 3 running */
    pdb = mkpdb("'maxUnavailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    p = plan(pdb, pods, 5, NOW);
    assert_counts(p.status, "0/3/4/5");
    daas_ctrl_disruption_plan_fini(&p);
    p = plan(pdb, pods, 3, NOW);
    assert_counts(p.status, "1/3/2/3");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    /* maxUnavailable 34% of 3 rounds up to 2 */
    pdb = mkpdb("'maxUnavailable':'34%','selector':{'matchLabels':{'app':'web'}}", NULL);
    p = plan(pdb, pods, 3, NOW);
    assert_counts(p.status, "2/3/1/3");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    json_decref(pods);
}

static void test_deleting_and_disrupted_pods_are_not_healthy(void **state)
{
    (void)state;
    char ts_recent[32], ts_old[32], st[256];
    daas_time_rfc3339(NOW - 10, ts_recent, sizeof ts_recent);
    daas_time_rfc3339(NOW - DAAS_CTRL_DISRUPTION_TIMEOUT - 1, ts_old, sizeof ts_old);
    snprintf(st, sizeof st, "{'disruptedPods':{'p1':'%s','p2':'%s','gone':'%s'}}", ts_recent,
             ts_old, ts_recent);
    json_t *pdb = mkpdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}", st);
    json_t *pods = pods3(true);
    json_array_append_new(pods, mkpod("p4", true, true, "rs-1")); /* being deleted */
    daas_ctrl_disruption_plan p = plan(pdb, pods, 3, NOW);
    /* p1 evicted 10 s ago: not healthy, kept; p2's eviction timed out: healthy again, dropped
     * with a NotDeleted event; "gone" no longer exists: dropped; p4 is being deleted */
    assert_counts(p.status, "1/2/1/4");
    json_t *dp = json_object_get(p.status, "disruptedPods");
    assert_int_equal(json_object_size(dp), 1);
    assert_string_equal(json_string_value(json_object_get(dp, "p1")), ts_recent);
    assert_int_equal(p.recheck_at, NOW - 10 + DAAS_CTRL_DISRUPTION_TIMEOUT);
    assert_int_equal(json_array_size(p.events), 1);
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "NotDeleted");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    json_decref(pods);
}

static void test_unchanged_status_is_not_written(void **state)
{
    (void)state;
    json_t *pods = pods3(true);
    json_t *pdb = mkpdb("'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}", NULL);
    daas_ctrl_disruption_plan p = plan(pdb, pods, 3, NOW);
    json_object_set(pdb, "status", p.status);
    daas_ctrl_disruption_plan_fini(&p);
    p = plan(pdb, pods, 3, NOW + 60);
    assert_false(p.changed);
    daas_ctrl_disruption_plan_fini(&p);
    /* a new generation is observed: written, the condition's transition time kept */
    const char *t0 = daas_kube_str(json_array_get(daas_kube_path(pdb, "status.conditions"), 0),
                                   "lastTransitionTime");
    daas_kube_set(pdb, "metadata.generation", json_integer(3));
    p = plan(pdb, pods, 3, NOW + 60);
    assert_true(p.changed);
    const json_t *c = json_array_get(json_object_get(p.status, "conditions"), 0);
    assert_string_equal(daas_kube_str(c, "lastTransitionTime"), t0);
    assert_int_equal(daas_kube_int(c, "observedGeneration", -1), 3);
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    json_decref(pods);
}

static void test_no_selector_and_no_pods(void **state)
{
    (void)state;
    json_t *pods = pods3(true);
    /* no selector matches nothing; expectedPods 0 allows nothing */
    json_t *pdb = mkpdb("'minAvailable':0", NULL);
    daas_ctrl_disruption_plan p = plan(pdb, pods, 3, NOW);
    assert_counts(p.status, "0/0/0/0");
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "NoPods");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    /* an empty selector matches every pod of the namespace (policy/v1) */
    pdb = mkpdb("'minAvailable':0,'selector':{}", NULL);
    p = plan(pdb, pods, 3, NOW);
    assert_counts(p.status, "4/4/0/4");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    json_decref(pods);
}

static void test_fail_safe(void **state)
{
    (void)state;
    json_t *pods = json_array();
    json_array_append_new(pods, mkpod("d1", true, false, "ds-1"));
    json_t *pdb = mkpdb("'maxUnavailable':1,'selector':{'matchLabels':{'app':'web'}}",
                        "{'disruptionsAllowed':3,'currentHealthy':4}");
    daas_ctrl_disruption_plan p = plan(pdb, pods, 3, NOW);
    assert_true(p.failed);
    assert_true(p.changed);
    assert_int_equal(daas_kube_int(p.status, "disruptionsAllowed", -1), 0);
    assert_int_equal(daas_kube_int(p.status, "currentHealthy", -1), 4);
    const json_t *c = json_array_get(json_object_get(p.status, "conditions"), 0);
    assert_string_equal(daas_kube_str(c, "status"), "False");
    assert_string_equal(daas_kube_str(c, "reason"), "SyncFailed");
    assert_string_equal(daas_kube_str(c, "message"),
                        "daemonsets.apps does not implement the scale subresource");
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"),
                        "CalculateExpectedPodCountFailed");
    daas_ctrl_disruption_plan_fini(&p);
    /* an unmanaged pod with a percentage: expected from the managed ones, a warning */
    json_array_clear(pods);
    json_array_append_new(pods, mkpod("u1", true, false, ""));
    json_array_append_new(pods, mkpod("p1", true, false, "rs-1"));
    json_decref(pdb);
    pdb = mkpdb("'minAvailable':'100%','selector':{'matchLabels':{'app':'web'}}", NULL);
    p = plan(pdb, pods, 1, NOW);
    assert_false(p.failed);
    assert_counts(p.status, "1/2/1/1");
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "UnmanagedPods");
    daas_ctrl_disruption_plan_fini(&p);
    /* a pod whose ReplicaSet is gone */
    json_t *orphan = mkpod("p9", true, false, "rs-9");
    json_array_append_new(pods, orphan);
    p = plan(pdb, pods, 1, NOW);
    assert_true(p.failed);
    c = json_array_get(json_object_get(p.status, "conditions"), 0);
    assert_string_equal(daas_kube_str(c, "message"), "found no controllers for pod \"p9\"");
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pdb);
    json_decref(pods);
}

static void test_set_condition(void **state)
{
    (void)state;
    json_t *st = ku_json("{'observedGeneration':4,'disruptionsAllowed':1}");
    daas_ctrl_disruption_set_condition(st, NOW);
    ku_assert_json(json_object_get(st, "conditions"),
                   "[{'type':'DisruptionAllowed','status':'True','reason':'SufficientPods',"
                   "'message':'','observedGeneration':4,'lastTransitionTime':"
                   "'2023-11-14T22:13:20Z'}]");
    json_object_set_new(st, "disruptionsAllowed", json_integer(0));
    daas_ctrl_disruption_set_condition(st, NOW + 5);
    ku_assert_json(json_object_get(st, "conditions"),
                   "[{'type':'DisruptionAllowed','status':'False','reason':'InsufficientPods',"
                   "'message':'','observedGeneration':4,'lastTransitionTime':"
                   "'2023-11-14T22:13:25Z'}]");
    json_decref(st);
}

static void test_bad_pdb(void **state)
{
    (void)state;
    json_t *pdb = ku_json("{'spec':{}}");
    daas_ctrl_disruption_in in = {.pdb = pdb, .now = NOW};
    daas_ctrl_disruption_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_disruption_plan_make(&in, &p, &e), DAAS_EINVAL);
    assert_null(p.status);
    json_decref(pdb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_available_int),
        cmocka_unit_test(test_percent_and_max_unavailable_use_the_scale),
        cmocka_unit_test(test_deleting_and_disrupted_pods_are_not_healthy),
        cmocka_unit_test(test_unchanged_status_is_not_written),
        cmocka_unit_test(test_no_selector_and_no_pods),
        cmocka_unit_test(test_fail_safe),
        cmocka_unit_test(test_set_condition),
        cmocka_unit_test(test_bad_pdb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
