/*
 * test_daemonset.c: the DaemonSet controller's plan (src/ctrl/daemonset.c, daemonset_fit.c)
 * against Kubernetes' daemon controller: eligible nodes (selector, affinity, taints and the
 * default tolerations), one pod per node pinned by node affinity, failed and extra pods,
 * rolling updates with maxUnavailable and maxSurge walked step by step, OnDelete, status.
 * JSON here uses ' for ".
 */
#include "kube/kube_testutil.h"

#include <stdio.h>

#include "common/util.h"
#include "ctrl/daemonset.h"
#include "kube/obj.h"

#define NOW 1700000000

static json_t *mkds(const char *strategy)
{
    char b[2048];
    snprintf(b, sizeof b,
             "{'metadata':{'name':'agent','namespace':'kube-system','uid':'u-ds',"
             "'generation':2},'spec':{'selector':{'matchLabels':{'app':'agent'}},%s"
             "'template':{'metadata':{'labels':{'app':'agent'}},'spec':{'nodeSelector':"
             "{'os':'linux'},'containers':[{'name':'c','image':'agent:1'}]}}}}",
             strategy);
    return ku_json(b);
}

static json_t *mknode(const char *name, const char *os, const char *taint_key, const char *effect)
{
    json_t *n = json_pack("{s:{s:s,s:{s:s}}}", "metadata", "name", name, "labels", "os", os);
    if (taint_key)
        daas_kube_set(n, "spec.taints",
                      json_pack("[{s:s,s:s}]", "key", taint_key, "effect", effect));
    return n;
}

/* A pod of the DaemonSet on node; hash "" for an old template; ready_at < 0: not ready. */
static json_t *mkpod(const char *name, const char *node, const char *hash, int64_t ready_at,
                     int64_t created)
{
    char t[32], c[32];
    daas_time_rfc3339(ready_at < 0 ? 0 : ready_at, t, sizeof t);
    daas_time_rfc3339(created, c, sizeof c);
    return json_pack("{s:{s:s,s:s,s:{s:s},s:[{s:s,s:b}]},s:{s:s},s:{s:s,s:[{s:s,s:s,s:s}]}}",
                     "metadata", "name", name, "creationTimestamp", c, "labels",
                     DAAS_CTRL_DS_HASH_LABEL, hash, "ownerReferences", "uid", "u-ds", "controller",
                     1, "spec", "nodeName", node, "status", "phase", "Running", "conditions",
                     "type", "Ready", "status", ready_at < 0 ? "False" : "True",
                     "lastTransitionTime", t);
}

static daas_ctrl_ds_plan run(const json_t *ds, const json_t *nodes, const json_t *pods, int64_t now)
{
    daas_ctrl_ds_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_ds_plan_make(ds, nodes, pods, now, &p, &e), DAAS_OK);
    return p;
}

/* The node a created pod is pinned to. */
static const char *pinned(const json_t *pod)
{
    json_t *t = json_array_get(daas_kube_path(pod, "spec.affinity.nodeAffinity."
                                                   "requiredDuringSchedulingIgnoredDuringExecution."
                                                   "nodeSelectorTerms"),
                               0);
    json_t *f = json_array_get(json_object_get(t, "matchFields"), 0);
    return json_string_value(json_array_get(json_object_get(f, "values"), 0));
}

static void test_node_fit(void **state)
{
    (void)state;
    json_t *ds = mkds("");
    struct {
        json_t *node;
        bool run, cont;
    } cases[] = {
        {mknode("plain", "linux", NULL, NULL), true, true},
        {mknode("win", "windows", NULL, NULL), false, false},
        {mknode("dedicated", "linux", "dedicated", "NoSchedule"), false, true},
        {mknode("evict", "linux", "dedicated", "NoExecute"), false, false},
        {mknode("soft", "linux", "dedicated", "PreferNoSchedule"), true, true},
        {mknode("cordoned", "linux", "node.kubernetes.io/unschedulable", "NoSchedule"), true, true},
        {mknode("down", "linux", "node.kubernetes.io/unreachable", "NoExecute"), true, true},
        {mknode("notready", "linux", "node.kubernetes.io/not-ready", "NoExecute"), true, true},
        {mknode("disk", "linux", "node.kubernetes.io/disk-pressure", "NoSchedule"), true, true},
        {mknode("net", "linux", "node.kubernetes.io/network-unavailable", "NoSchedule"), false,
         true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bool run, cont;
        daas_ctrl_ds_node_fit(ds, cases[i].node, &run, &cont);
        if (run != cases[i].run || cont != cases[i].cont)
            fail_msg("node %s: run %d cont %d", daas_kube_str(cases[i].node, "metadata.name"), run,
                     cont);
        json_decref(cases[i].node);
    }
    /* A toleration in the template, and required node affinity with Gt and matchFields. */
    daas_kube_set(ds, "spec.template.spec.tolerations",
                  ku_json("[{'key':'dedicated','operator':'Equal','value':'','effect':"
                          "'NoExecute'}]"));
    daas_kube_set(ds, "spec.template.spec.affinity",
                  ku_json("{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
                          "{'nodeSelectorTerms':[{'matchFields':[{'key':'metadata.name',"
                          "'operator':'NotIn','values':['evict2']}]}]}}}"));
    json_t *n = mknode("evict", "linux", "dedicated", "NoExecute");
    bool run, cont;
    daas_ctrl_ds_node_fit(ds, n, &run, &cont);
    assert_true(run && cont);
    json_object_set_new(daas_kube_path(n, "metadata"), "name", json_string("evict2"));
    daas_ctrl_ds_node_fit(ds, n, &run, &cont);
    assert_false(run || cont);
    json_decref(n);
    json_decref(ds);
}

static void test_creates_one_pinned_pod_per_eligible_node(void **state)
{
    (void)state;
    json_t *ds = mkds("");
    json_t *nodes =
        json_pack("[o,o,o,o]", mknode("a", "linux", NULL, NULL), mknode("b", "windows", NULL, NULL),
                  mknode("c", "linux", "node.kubernetes.io/unschedulable", "NoSchedule"),
                  mknode("d", "linux", "dedicated", "NoSchedule"));
    json_t *pods = json_array();
    daas_ctrl_ds_plan p = run(ds, nodes, pods, NOW);
    assert_int_equal(json_array_size(p.create), 2);
    assert_string_equal(pinned(json_array_get(p.create, 0)), "a");
    assert_string_equal(pinned(json_array_get(p.create, 1)), "c");
    json_t *pod = json_array_get(p.create, 0);
    assert_null(daas_kube_str(pod, "spec.nodeName"));
    assert_string_equal(daas_kube_str(pod, "metadata.generateName"), "agent-");
    assert_string_equal(json_string_value(json_object_get(daas_kube_path(pod, "metadata.labels"),
                                                          DAAS_CTRL_DS_HASH_LABEL)),
                        p.hash);
    assert_string_equal(daas_kube_str(json_array_get(daas_kube_path(pod, "metadata."
                                                                         "ownerReferences"),
                                                     0),
                                      "kind"),
                        "DaemonSet");
    assert_int_equal(json_array_size(daas_kube_path(pod, "spec.tolerations")), 6);
    ku_assert_json(p.status, "{'currentNumberScheduled':0,'numberMisscheduled':0,"
                             "'desiredNumberScheduled':2,'numberReady':0,'observedGeneration':2,"
                             "'numberUnavailable':2}");
    assert_true(p.status_changed);
    daas_ctrl_ds_plan_fini(&p);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

static void test_misscheduled_failed_and_extra_pods(void **state)
{
    (void)state;
    json_t *ds = mkds("");
    char h[16];
    daas_ctrl_ds_hash(daas_kube_path(ds, "spec.template"), 0, h);
    json_t *nodes = json_pack(
        "[o,o,o,o]", mknode("a", "linux", NULL, NULL), mknode("b", "linux", "x", "NoExecute"),
        mknode("c", "linux", "x", "NoSchedule"), mknode("d", "linux", NULL, NULL));
    json_t *failed = mkpod("fail-a", "a", h, -1, NOW - 10);
    json_object_set_new(json_object_get(failed, "status"), "phase", json_string("Failed"));
    json_t *pods = json_pack(
        "[o,o,o,o,o,o]", failed, mkpod("on-b", "b", h, NOW - 100, NOW - 200),
        mkpod("on-c", "c", h, NOW - 100, NOW - 200), mkpod("d-old", "d", h, NOW - 100, NOW - 200),
        mkpod("d-new", "d", h, NOW - 100, NOW - 100), mkpod("gone", "zz", h, NOW - 100, NOW - 200));
    daas_ctrl_ds_plan p = run(ds, nodes, pods, NOW);
    ku_assert_json(p.del, "['fail-a','on-b','d-new','gone']");
    assert_int_equal(json_array_size(p.create), 0); /* a's replacement comes next time */
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "FailedDaemonPod");
    assert_int_equal(daas_kube_int(p.status, "numberMisscheduled", -1), 2);
    assert_int_equal(daas_kube_int(p.status, "desiredNumberScheduled", -1), 2);
    assert_int_equal(daas_kube_int(p.status, "currentNumberScheduled", -1), 2);
    assert_int_equal(daas_kube_int(p.status, "numberReady", -1), 1);
    assert_int_equal(daas_kube_int(p.status, "numberAvailable", -1), 1);
    daas_ctrl_ds_plan_fini(&p);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

/* Applies a plan as the cluster would: deletes go, creates appear (not ready) on their node;
 * pods not ready become ready when ready is true. */
static void apply(json_t *pods, const daas_ctrl_ds_plan *p, int64_t now, int *seq, bool ready)
{
    for (size_t i = json_array_size(pods); i-- > 0;) {
        json_t *pod = json_array_get(pods, i);
        size_t k;
        json_t *d;
        json_array_foreach(p->del, k, d)
        {
            if (strcmp(json_string_value(d), daas_kube_str(pod, "metadata.name")) == 0) {
                json_array_remove(pods, i);
                break;
            }
        }
    }
    size_t i;
    json_t *c;
    json_array_foreach(p->create, i, c)
    {
        char name[32];
        snprintf(name, sizeof name, "new%d", (*seq)++);
        json_array_append_new(pods, mkpod(name, pinned(c), p->hash, -1, now));
    }
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        json_t *cond = json_array_get(daas_kube_path(pod, "status.conditions"), 0);
        if (ready && strcmp(daas_kube_str(cond, "status"), "False") == 0) {
            char t[32];
            daas_time_rfc3339(now, t, sizeof t);
            json_object_set_new(cond, "status", json_string("True"));
            json_object_set_new(cond, "lastTransitionTime", json_string(t));
        }
    }
}

static int64_t count_available_old(const json_t *pods, const char *hash, bool want_new)
{
    int64_t n = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        bool is_new = strcmp(json_string_value(json_object_get(
                                 daas_kube_path(pod, "metadata.labels"), DAAS_CTRL_DS_HASH_LABEL)),
                             hash) == 0;
        json_t *cond = json_array_get(daas_kube_path(pod, "status.conditions"), 0);
        n += is_new == want_new && strcmp(daas_kube_str(cond, "status"), "True") == 0;
    }
    return n;
}

/* Walks a rolling update to the end; availability never below 4 - maxUnavailable, never more
 * than one pod per node beyond maxSurge. */
static void walk_update(const char *strategy, int64_t min_avail, int64_t max_pods)
{
    json_t *ds = mkds(strategy);
    json_t *nodes =
        json_pack("[o,o,o,o]", mknode("a", "linux", NULL, NULL), mknode("b", "linux", NULL, NULL),
                  mknode("c", "linux", NULL, NULL), mknode("d", "linux", NULL, NULL));
    json_t *pods = json_pack("[o,o,o,o]", mkpod("o1", "a", "old", NOW - 100, NOW - 200),
                             mkpod("o2", "b", "old", NOW - 100, NOW - 200),
                             mkpod("o3", "c", "old", NOW - 100, NOW - 200),
                             mkpod("o4", "d", "old", NOW - 100, NOW - 200));
    int seq = 0, steps = 0;
    int64_t now = NOW;
    for (;; steps++) {
        assert_true(steps < 40);
        daas_ctrl_ds_plan p = run(ds, nodes, pods, now);
        bool idle = json_array_size(p.create) + json_array_size(p.del) == 0;
        char hash[16];
        memcpy(hash, p.hash, sizeof hash);
        /* a step: the plan's writes land, the next step its pods became ready */
        apply(pods, &p, now, &seq, false);
        int64_t avail =
            count_available_old(pods, hash, true) + count_available_old(pods, hash, false);
        assert_true(avail >= min_avail);
        assert_true((int64_t)json_array_size(pods) <= max_pods);
        daas_ctrl_ds_plan_fini(&p);
        if (idle && count_available_old(pods, hash, true) == 4)
            break;
        now += 10;
        daas_ctrl_ds_plan q = {0};
        apply(pods, &q, now, &seq, true);
    }
    assert_int_equal(json_array_size(pods), 4);
    assert_true(steps >= 4);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

static void test_rolling_update_max_unavailable(void **state)
{
    (void)state;
    walk_update("", 3, 4);
    walk_update("'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':"
                "'50%'}},",
                2, 4);
}

static void test_rolling_update_max_surge(void **state)
{
    (void)state;
    walk_update("'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':0,"
                "'maxSurge':1}},",
                4, 5);
}

static void test_unavailable_nodes_limit_the_update(void **state)
{
    (void)state;
    json_t *ds = mkds("");
    json_t *nodes = json_pack("[o,o,o]", mknode("a", "linux", NULL, NULL),
                              mknode("b", "linux", NULL, NULL), mknode("c", "linux", NULL, NULL));
    json_t *going = mkpod("o1", "a", "old", NOW - 100, NOW - 200);
    daas_kube_set_str(going, "metadata.deletionTimestamp", "2023-11-14T22:13:00Z");
    json_t *pods = json_pack("[o,o,o]", going, mkpod("o2", "b", "old", NOW - 100, NOW - 200),
                             mkpod("o3", "c", "old", NOW - 100, NOW - 200));
    /* a's pod is going away (its replacement comes once it is gone): a is the one
     * unavailable node maxUnavailable 1 allows, so b and c keep their old pods. */
    daas_ctrl_ds_plan p = run(ds, nodes, pods, NOW);
    assert_int_equal(json_array_size(p.create) + json_array_size(p.del), 0);
    daas_ctrl_ds_plan_fini(&p);
    json_array_remove(pods, 0);
    p = run(ds, nodes, pods, NOW);
    assert_int_equal(json_array_size(p.create), 1);
    assert_string_equal(pinned(json_array_get(p.create, 0)), "a");
    assert_int_equal(json_array_size(p.del), 0);
    daas_ctrl_ds_plan_fini(&p);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

static void test_surge_pair_on_a_node(void **state)
{
    (void)state;
    json_t *ds = mkds("'updateStrategy':{'rollingUpdate':{'maxSurge':1,'maxUnavailable':0}},");
    char h[16];
    daas_ctrl_ds_hash(daas_kube_path(ds, "spec.template"), 0, h);
    json_t *nodes = json_pack("[o]", mknode("a", "linux", NULL, NULL));
    /* both not ready: the old one goes, the new one stays */
    json_t *pods =
        json_pack("[o,o,o]", mkpod("old", "a", "x", -1, NOW - 200),
                  mkpod("new", "a", h, -1, NOW - 100), mkpod("new2", "a", h, -1, NOW - 50));
    daas_ctrl_ds_plan p = run(ds, nodes, pods, NOW);
    ku_assert_json(p.del, "['new2','old']");
    daas_ctrl_ds_plan_fini(&p);
    /* all running pods failed: surge mode still keeps one pod on the node */
    json_t *only = json_pack("[o]", mkpod("f", "a", h, -1, NOW - 100));
    json_object_set_new(json_object_get(json_array_get(only, 0), "status"), "phase",
                        json_string("Failed"));
    p = run(ds, nodes, only, NOW);
    ku_assert_json(p.del, "['f']");
    assert_int_equal(json_array_size(p.create), 1);
    daas_ctrl_ds_plan_fini(&p);
    json_decref(only);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

static void test_on_delete_keeps_old_pods(void **state)
{
    (void)state;
    json_t *ds = mkds("'updateStrategy':{'type':'OnDelete'},");
    json_t *nodes = json_pack("[o]", mknode("a", "linux", NULL, NULL));
    json_t *pods = json_pack("[o]", mkpod("o1", "a", "old", NOW - 100, NOW - 200));
    daas_ctrl_ds_plan p = run(ds, nodes, pods, NOW);
    assert_int_equal(json_array_size(p.create) + json_array_size(p.del), 0);
    assert_int_equal(daas_kube_int(p.status, "updatedNumberScheduled", 0), 0);
    assert_int_equal(daas_kube_int(p.status, "numberAvailable", 0), 1);
    daas_ctrl_ds_plan_fini(&p);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

static void test_min_ready_requeue(void **state)
{
    (void)state;
    json_t *ds = mkds("'minReadySeconds':30,");
    char h[16];
    daas_ctrl_ds_hash(daas_kube_path(ds, "spec.template"), 0, h);
    json_t *nodes = json_pack("[o]", mknode("a", "linux", NULL, NULL));
    json_t *pods = json_pack("[o]", mkpod("p", "a", h, NOW - 10, NOW - 20));
    daas_ctrl_ds_plan p = run(ds, nodes, pods, NOW);
    assert_int_equal(p.requeue_at, NOW + 20);
    assert_int_equal(daas_kube_int(p.status, "numberReady", 0), 1);
    assert_int_equal(daas_kube_int(p.status, "numberAvailable", 0), 0);
    assert_int_equal(daas_kube_int(p.status, "numberUnavailable", 0), 1);
    assert_int_equal(daas_kube_int(p.status, "updatedNumberScheduled", 0), 1);
    daas_ctrl_ds_plan_fini(&p);
    json_decref(ds);
    json_decref(nodes);
    json_decref(pods);
}

static void test_hash_and_scaled(void **state)
{
    (void)state;
    json_t *a = ku_json("{'metadata':{'labels':{'x':'1','y':'2'}},'spec':{'c':[1]}}");
    json_t *b = ku_json("{'spec':{'c':[1]},'metadata':{'labels':{'y':'2','x':'1'}}}");
    char ha[16], hb[16], hc[16];
    daas_ctrl_ds_hash(a, 0, ha);
    daas_ctrl_ds_hash(b, 0, hb);
    assert_string_equal(ha, hb);
    daas_ctrl_ds_hash(a, 1, hc);
    assert_string_not_equal(ha, hc);
    assert_true(strlen(ha) > 0 && strspn(ha, "bcdfghjklmnpqrstvwxz2456789") == strlen(ha));
    json_decref(a);
    json_decref(b);

    int64_t v;
    json_t *x = json_string("25%");
    assert_int_equal(daas_ctrl_ds_scaled(x, 1, 10, true, &v, NULL), DAAS_OK);
    assert_int_equal(v, 3);
    assert_int_equal(daas_ctrl_ds_scaled(x, 1, 10, false, &v, NULL), DAAS_OK);
    assert_int_equal(v, 2);
    json_decref(x);
    assert_int_equal(daas_ctrl_ds_scaled(NULL, 1, 10, true, &v, NULL), DAAS_OK);
    assert_int_equal(v, 1);
    x = json_integer(4);
    assert_int_equal(daas_ctrl_ds_scaled(x, 1, 10, true, &v, NULL), DAAS_OK);
    assert_int_equal(v, 4);
    json_decref(x);
    const char *bad[] = {"25", "%", "-5%", "1.5%", "a%", "999999999%"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        x = json_string(bad[i]);
        assert_int_equal(daas_ctrl_ds_scaled(x, 1, 10, true, &v, NULL), DAAS_EINVAL);
        json_decref(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_fit),
        cmocka_unit_test(test_creates_one_pinned_pod_per_eligible_node),
        cmocka_unit_test(test_misscheduled_failed_and_extra_pods),
        cmocka_unit_test(test_rolling_update_max_unavailable),
        cmocka_unit_test(test_rolling_update_max_surge),
        cmocka_unit_test(test_unavailable_nodes_limit_the_update),
        cmocka_unit_test(test_surge_pair_on_a_node),
        cmocka_unit_test(test_on_delete_keeps_old_pods),
        cmocka_unit_test(test_min_ready_requeue),
        cmocka_unit_test(test_hash_and_scaled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
