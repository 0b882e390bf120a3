/*
 * test_replicaset.c: the ReplicaSet plan against upstream's rules: creates from the
 * template, burst limit, expectations, deletion ranking, adoption/release, status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util.h"
#include "ctrl/replicaset.h"
#include "kube/obj.h"

#define NOW ((int64_t)1795235293)

static json_t *js(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (j == NULL)
        fail_msg("bad JSON literal: %s (col %d)", e.text, e.column);
    return j;
}

static json_t *make_rs(int replicas)
{
    json_t *rs = js("{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{"
                    "\"name\":\"web-abc\",\"namespace\":\"default\",\"uid\":\"rs-uid\","
                    "\"generation\":4},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
                    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},"
                    "\"annotations\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                    "\"image\":\"nginx\"}]}}}}");
    daas_kube_set(rs, "spec.replicas", json_integer(replicas));
    return rs;
}

/* A pod owned by rs-uid (owner NULL: orphan), on node ("" none), in phase, ready since
 * ready_ago seconds (<0: not ready), created created_ago seconds ago. */
static json_t *make_pod(const char *name, const char *owner, const char *node, const char *phase,
                        int64_t ready_ago, int64_t created_ago, int restarts)
{
    char ts[32];
    json_t *p = json_pack("{s:{s:s,s:s,s:{s:s,s:s}},s:{},s:{s:s}}", "metadata", "name", name,
                          "uid", name, "labels", "app", "web", "tier", "fe", "spec", "status",
                          "phase", phase);

    daas_time_rfc3339(NOW - created_ago, ts, sizeof(ts));
    daas_kube_set_str(p, "metadata.creationTimestamp", ts);
    if (owner != NULL)
        daas_kube_set(p, "metadata.ownerReferences",
                      json_pack("[{s:s,s:s,s:s,s:b}]", "kind", "ReplicaSet", "name", "x", "uid",
                                owner, "controller", 1));
    if (node[0] != '\0')
        daas_kube_set_str(p, "spec.nodeName", node);
    daas_time_rfc3339(NOW - (ready_ago < 0 ? 0 : ready_ago), ts, sizeof(ts));
    daas_kube_set(p, "status.conditions",
                  json_pack("[{s:s,s:s,s:s}]", "type", "Ready", "status",
                            ready_ago < 0 ? "False" : "True", "lastTransitionTime", ts));
    daas_kube_set(p, "status.containerStatuses",
                  json_pack("[{s:s,s:i}]", "name", "c", "restartCount", restarts));
    return p;
}

static daas_ctrl_rs_in in_now(void)
{
    daas_ctrl_rs_in in = {.now = NOW};
    return in;
}

static const char *nth_name(const json_t *arr, size_t i)
{
    return json_string_value(json_object_get(json_array_get(arr, i), "name"));
}

static void test_create_from_template(void **state)
{
    (void)state;
    json_t *rs = make_rs(3), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;

    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(p.create_count, 3);
    assert_string_equal(daas_kube_str(p.pod, "metadata.generateName"), "web-abc-");
    assert_string_equal(daas_kube_str(p.pod, "metadata.namespace"), "default");
    assert_string_equal(daas_kube_str(p.pod, "metadata.labels.tier"), "fe");
    assert_string_equal(daas_kube_str(p.pod, "metadata.annotations.a"), "b");
    assert_string_equal(daas_kube_str(p.pod, "kind"), "Pod");
    json_t *ref = json_array_get(daas_kube_path(p.pod, "metadata.ownerReferences"), 0);
    assert_string_equal(json_string_value(json_object_get(ref, "uid")), "rs-uid");
    assert_string_equal(json_string_value(json_object_get(ref, "kind")), "ReplicaSet");
    assert_true(json_is_true(json_object_get(ref, "controller")));
    assert_true(json_is_true(json_object_get(ref, "blockOwnerDeletion")));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(daas_kube_path(p.pod, "spec.containers"), 0), "image")),
                        "nginx");
    assert_int_equal(json_array_size(p.remove), 0);
    assert_true(p.status_changed);
    assert_int_equal(daas_kube_int(p.status, "replicas", -1), 0);
    assert_int_equal(daas_kube_int(p.status, "observedGeneration", -1), 4);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_burst_and_expectations(void **state)
{
    (void)state;
    json_t *rs = make_rs(600), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;

    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(p.create_count, DAAS_CTRL_RS_BURST);
    daas_ctrl_rs_plan_fini(&p);
    in.creates_inflight = 2;
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(p.create_count, 0);
    assert_null(p.pod);
    daas_ctrl_rs_plan_fini(&p);
    /* a ReplicaSet being deleted only gets its status */
    in.creates_inflight = 0;
    daas_kube_set_str(rs, "metadata.deletionTimestamp", "2026-11-21T00:00:00Z");
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(p.create_count, 0);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_delete_ranking(void **state)
{
    (void)state;
    json_t *rs = make_rs(2), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;

    /* kept: ready long ago (g, h); deletion order must follow upstream's Less */
    json_array_append_new(pods, make_pod("h", "rs-uid", "n2", "Running", 100000, 200000, 0));
    json_array_append_new(pods, make_pod("e", "rs-uid", "n1", "Running", 10, 300000, 0));
    json_array_append_new(pods, make_pod("c", "rs-uid", "n1", "Running", -1, 50, 0));
    json_array_append_new(pods, make_pod("a", "rs-uid", "", "Pending", -1, 10, 0));
    json_array_append_new(pods, make_pod("g", "rs-uid", "n3", "Running", 100000, 200000, 0));
    json_array_append_new(pods, make_pod("b", "rs-uid", "n1", "Pending", -1, 10, 0));
    json_array_append_new(pods, make_pod("d", "rs-uid", "n1", "Unknown", -1, 10, 0));
    json_array_append_new(pods, make_pod("f", "rs-uid", "n4", "Running", 100000, 200000, 7));
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(p.create_count, 0);
    assert_int_equal(json_array_size(p.remove), 6);
    /* unassigned < Pending < Unknown < not ready < ready recently < more restarts */
    const char *want[] = {"a", "b", "d", "c", "e", "f"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(nth_name(p.remove, i), want[i]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p.remove, 0), "uid")),
                        "a");
    assert_int_equal(daas_kube_int(p.status, "replicas", -1), 8);
    assert_int_equal(daas_kube_int(p.status, "readyReplicas", -1), 4);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_delete_newer_and_doubled_up(void **state)
{
    (void)state;
    json_t *rs = make_rs(2), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;

    /* all ready in the same log2 bucket of ready time: the node with two pods goes first,
     * then the newer pod */
    json_array_append_new(pods, make_pod("old", "rs-uid", "n1", "Running", 100000, 900000, 0));
    json_array_append_new(pods, make_pod("new", "rs-uid", "n2", "Running", 100000, 1000, 0));
    json_array_append_new(pods, make_pod("dup1", "rs-uid", "n3", "Running", 100000, 900000, 0));
    json_array_append_new(pods, make_pod("dup2", "rs-uid", "n3", "Running", 100000, 900000, 0));
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(json_array_size(p.remove), 2);
    assert_string_equal(nth_name(p.remove, 0), "dup1"); /* same bucket: uid order */
    assert_string_equal(nth_name(p.remove, 1), "dup2");
    daas_ctrl_rs_plan_fini(&p);
    daas_kube_set_str(json_array_get(pods, 3), "spec.nodeName", "n5");
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_string_equal(nth_name(p.remove, 0), "new");
    daas_ctrl_rs_plan_fini(&p);
    /* pod-deletion-cost beats everything after readiness */
    json_object_set_new(daas_kube_mkpath(json_array_get(pods, 1), "metadata.annotations"),
                        "controller.kubernetes.io/pod-deletion-cost", json_string("100"));
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_string_not_equal(nth_name(p.remove, 0), "new");
    assert_string_not_equal(nth_name(p.remove, 1), "new");
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_adopt_release_ignore(void **state)
{
    (void)state;
    json_t *rs = make_rs(2), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;
    json_t *x;

    json_array_append_new(pods, make_pod("orphan", NULL, "n1", "Running", 100, 100, 0));
    x = make_pod("relabeled", "rs-uid", "n1", "Running", 100, 100, 0);
    daas_kube_set_str(x, "metadata.labels.app", "debug");
    json_array_append_new(pods, x);
    x = make_pod("dying", "rs-uid", "n1", "Running", 100, 100, 0);
    daas_kube_set_str(x, "metadata.deletionTimestamp", "2026-11-21T00:00:00Z");
    json_array_append_new(pods, x);
    json_array_append_new(pods, make_pod("failed", "rs-uid", "n1", "Failed", -1, 100, 0));
    json_array_append_new(pods, make_pod("foreign", "other", "n1", "Running", 100, 100, 0));
    json_array_append_new(pods, make_pod("doneorphan", NULL, "n1", "Succeeded", -1, 100, 0));
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(json_array_size(p.adopt), 1);
    assert_string_equal(nth_name(p.adopt, 0), "orphan");
    assert_int_equal(json_array_size(p.release), 1);
    assert_string_equal(nth_name(p.release, 0), "relabeled");
    assert_int_equal(p.create_count, 1); /* only the adopted pod counts */
    assert_int_equal(daas_kube_int(p.status, "replicas", -1), 1);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_status_min_ready(void **state)
{
    (void)state;
    json_t *rs = make_rs(3), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;
    json_t *x;

    daas_kube_set(rs, "spec.minReadySeconds", json_integer(10));
    json_array_append_new(pods, make_pod("p1", "rs-uid", "n1", "Running", 20, 30, 0));
    json_array_append_new(pods, make_pod("p2", "rs-uid", "n1", "Running", 5, 30, 0));
    x = make_pod("p3", "rs-uid", "n1", "Running", 10, 30, 0); /* exactly 10 s: not yet */
    daas_kube_del(x, "metadata.labels.tier");
    json_array_append_new(pods, x);
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(daas_kube_int(p.status, "replicas", -1), 3);
    assert_int_equal(daas_kube_int(p.status, "readyReplicas", -1), 3);
    assert_int_equal(daas_kube_int(p.status, "availableReplicas", -1), 1);
    assert_int_equal(daas_kube_int(p.status, "fullyLabeledReplicas", -1), 2);
    assert_int_equal(p.requeue_after, 1); /* p3 becomes available at NOW + 1 */
    daas_ctrl_rs_plan_fini(&p);
    in.now = NOW + 6;
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_int_equal(daas_kube_int(p.status, "availableReplicas", -1), 3);
    assert_int_equal(p.requeue_after, 0);
    /* feeding the status back makes the next plan a no-op */
    daas_kube_set(rs, "status", json_deep_copy(p.status));
    daas_ctrl_rs_plan_fini(&p);
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_false(p.status_changed);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_replica_failure(void **state)
{
    (void)state;
    json_t *rs = make_rs(2), *pods = json_array();
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;

    in.manage_error = "pods \"web-abc-x\" is forbidden: exceeded quota";
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    json_t *c = json_array_get(daas_kube_path(p.status, "conditions"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "type")), "ReplicaFailure");
    assert_string_equal(json_string_value(json_object_get(c, "reason")), "FailedCreate");
    assert_string_equal(json_string_value(json_object_get(c, "message")), in.manage_error);
    daas_kube_set(rs, "status", json_deep_copy(p.status));
    daas_ctrl_rs_plan_fini(&p);
    in.manage_error = NULL;
    assert_int_equal(daas_ctrl_rs_plan_make(rs, pods, &in, &p, NULL), DAAS_OK);
    assert_null(daas_kube_path(p.status, "conditions"));
    assert_true(p.status_changed);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
    json_decref(pods);
}

static void test_invalid(void **state)
{
    (void)state;
    json_t *rs = make_rs(1);
    daas_ctrl_rs_in in = in_now();
    daas_ctrl_rs_plan p;
    daas_err err = {0};

    daas_kube_del(rs, "spec.selector");
    assert_int_equal(daas_ctrl_rs_plan_make(rs, NULL, &in, &p, &err), DAAS_EINVAL);
    assert_null(p.status);
    daas_ctrl_rs_plan_fini(&p);
    json_decref(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_from_template),
        cmocka_unit_test(test_burst_and_expectations),
        cmocka_unit_test(test_delete_ranking),
        cmocka_unit_test(test_delete_newer_and_doubled_up),
        cmocka_unit_test(test_adopt_release_ignore),
        cmocka_unit_test(test_status_min_ready),
        cmocka_unit_test(test_replica_failure),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
