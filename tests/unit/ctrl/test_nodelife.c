/*
 * test_nodelife.c: the node lifecycle plan (src/ctrl/nodelife.c).
 *
 * Cases follow pkg/controller/nodelifecycle (node_lifecycle_controller_test.go:
 * TestMonitorNodeHealthUpdateStatus, TestSwapUnreachableNotReadyTaints,
 * TestTaintsNodeByCondition) and pkg/controller/tainteviction (TestCreatePod, TestUpdatePod
 * tolerations): condition texts and reasons, taint swaps, eviction deadlines.
 * JSON in this file uses ' for ". T0 = 2026-11-21T10:00:00Z.
 */
#include "kube/kube_testutil.h"

#include "common/util.h"
#include "ctrl/nodelife.h"
#include "kube/obj.h"

#define T0 1795255200LL /* 2026-11-21T10:00:00Z */

static const char *const ts_t0 = "2026-11-21T10:00:00Z";

/* A node with the four health conditions True/False as a kubelet posts them, heartbeat hb. */
static json_t *node_at(const char *hb, const char *ready, const char *extra_spec)
{
    char *s = daas_xasprintf(
        "{'metadata':{'name':'n1','creationTimestamp':'2026-11-20T00:00:00Z'},'spec':{%s},"
        "'status':{'conditions':["
        "{'type':'MemoryPressure','status':'False','reason':'KubeletHasSufficientMemory',"
        "'lastHeartbeatTime':'%s','lastTransitionTime':'2026-11-20T00:00:05Z'},"
        "{'type':'DiskPressure','status':'False','lastHeartbeatTime':'%s',"
        "'lastTransitionTime':'2026-11-20T00:00:05Z'},"
        "{'type':'PIDPressure','status':'False','lastHeartbeatTime':'%s',"
        "'lastTransitionTime':'2026-11-20T00:00:05Z'},"
        "{'type':'Ready','status':'%s','reason':'KubeletReady','message':'kubelet is posting "
        "ready status','lastHeartbeatTime':'%s','lastTransitionTime':'2026-11-20T00:00:05Z'},"
        "{'type':'NetworkUnavailable','status':'False','lastHeartbeatTime':'%s',"
        "'lastTransitionTime':'2026-11-20T00:00:05Z'}]}}",
        extra_spec ? extra_spec : "", hb, hb, hb, ready, hb, hb);
    json_t *n = ku_json(s);
    daas_free(s);
    return n;
}

static json_t *lease_at(const char *renew)
{
    char *s = daas_xasprintf("{'metadata':{'name':'n1','namespace':'kube-node-lease'},"
                             "'spec':{'holderIdentity':'n1','renewTime':'%s'}}",
                             renew);
    json_t *l = ku_json(s);
    daas_free(s);
    return l;
}

/* Pods: web-1 with admission's default tolerations, ready; raw without tolerations; ds with
 * an Exists toleration (DaemonSet); quick tolerating 0 s; odd with an Equal toleration of a
 * different value (admission skipped it); gone being deleted; other on another node. */
static json_t *pods(void)
{
    return ku_json(
        "[{'metadata':{'name':'web-1','namespace':'default','uid':'u1'},'spec':{'nodeName':"
        "'n1','tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists',"
        "'effect':'NoExecute','tolerationSeconds':300},{'key':'node.kubernetes.io/"
        "unreachable','operator':'Exists','effect':'NoExecute','tolerationSeconds':300}]},"
        "'status':{'conditions':[{'type':'Initialized','status':'True'},{'type':'Ready',"
        "'status':'True','lastTransitionTime':'2026-11-20T01:00:00Z'}]}},"
        "{'metadata':{'name':'raw','namespace':'default','uid':'u2'},'spec':{'nodeName':'n1'}},"
        "{'metadata':{'name':'ds','namespace':'kube-system','uid':'u3'},'spec':{'nodeName':"
        "'n1','tolerations':[{'operator':'Exists'}]}},"
        "{'metadata':{'name':'quick','namespace':'default','uid':'u4'},'spec':{'nodeName':'n1',"
        "'tolerations':[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
        "'effect':'NoExecute','tolerationSeconds':0},{'key':'node.kubernetes.io/not-ready',"
        "'operator':'Exists','effect':'NoExecute','tolerationSeconds':0}]}},"
        "{'metadata':{'name':'odd','namespace':'default','uid':'u5'},'spec':{'nodeName':'n1',"
        "'tolerations':[{'key':'node.kubernetes.io/unreachable','operator':'Equal','value':'x',"
        "'effect':'NoExecute'},{'key':'node.kubernetes.io/not-ready','operator':'Equal',"
        "'value':'x','effect':'NoExecute'}]}},"
        "{'metadata':{'name':'gone','namespace':'default','uid':'u6','deletionTimestamp':"
        "'2026-11-21T09:00:00Z'},'spec':{'nodeName':'n1'}},"
        "{'metadata':{'name':'other','namespace':'default','uid':'u7'},'spec':{'nodeName':"
        "'n2'}}]");
}

static void plan(daas_ctrl_nodelife_in *in, daas_ctrl_nodelife_plan *p)
{
    daas_err err = {0};
    if (daas_ctrl_nodelife_plan_make(in, p, &err) != DAAS_OK)
        fail_msg("plan: %s", err.msg);
}

/* Names of the pods in an array of {namespace,name,...}, joined by ','. */
static void names(const json_t *arr, char *buf, size_t n)
{
    size_t i, off = 0;
    json_t *e;
    buf[0] = '\0';
    json_array_foreach(arr, i, e) off += (size_t)snprintf(
        buf + off, n - off, "%s%s", i ? "," : "", json_string_value(json_object_get(e, "name")));
}

static void test_healthy(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:50:00Z", "True", NULL);
    json_t *lease = lease_at("2026-11-21T09:59:50.123456Z"), *ps = pods();
    daas_ctrl_nodelife_in in = {
        .node = node, .lease = lease, .pods = ps, .now = T0, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    assert_null(p.conditions);
    assert_null(p.taints);
    assert_true(p.ready);
    assert_int_equal(json_array_size(p.pod_status), 0);
    assert_int_equal(json_array_size(p.evict), 0);
    assert_int_equal(json_array_size(p.events), 0);
    /* Renewed at T0 - 10 (fraction dropped): stale once now > T0 - 10 + 40. */
    assert_int_equal(p.next_at, T0 - 10 + 40 + 1);
    daas_ctrl_nodelife_plan_fini(&p);
    /* At the grace's last second the node is still healthy; one second later it is not. */
    in.now = T0 + 30;
    plan(&in, &p);
    assert_null(p.conditions);
    daas_ctrl_nodelife_plan_fini(&p);
    in.now = T0 + 31;
    plan(&in, &p);
    assert_non_null(p.conditions);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
    json_decref(lease);
    json_decref(ps);
}

static void test_lease_expired(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:50:00Z", "True",
                           "'taints':[{'key':'dedicated',"
                           "'value':'db','effect':'NoSchedule'}]");
    json_t *lease = lease_at("2026-11-21T09:59:00.000000Z"), *ps = pods();
    daas_ctrl_nodelife_in in = {
        .node = node, .lease = lease, .pods = ps, .now = T0, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    assert_false(p.ready);
    json_t *ready = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(p.conditions, i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        if (strcmp(type, "NetworkUnavailable") == 0) {
            assert_string_equal(json_string_value(json_object_get(c, "status")), "False");
            continue;
        }
        assert_string_equal(json_string_value(json_object_get(c, "status")), "Unknown");
        assert_string_equal(json_string_value(json_object_get(c, "reason")), "NodeStatusUnknown");
        assert_string_equal(json_string_value(json_object_get(c, "message")),
                            "Kubelet stopped posting node status.");
        assert_string_equal(json_string_value(json_object_get(c, "lastTransitionTime")), ts_t0);
        assert_string_equal(json_string_value(json_object_get(c, "lastHeartbeatTime")),
                            "2026-11-21T09:50:00Z");
        if (strcmp(type, "Ready") == 0)
            ready = c;
    }
    assert_non_null(ready);
    assert_int_equal(json_array_size(p.conditions), 5);
    ku_assert_json(p.taints, "[{'key':'dedicated','value':'db','effect':'NoSchedule'},"
                             "{'key':'node.kubernetes.io/unreachable','effect':'NoSchedule',"
                             "'timeAdded':'2026-11-21T10:00:00Z'},"
                             "{'key':'node.kubernetes.io/unreachable','effect':'NoExecute',"
                             "'timeAdded':'2026-11-21T10:00:00Z'}]");
    char buf[256];
    names(p.evict, buf, sizeof buf);
    assert_string_equal(buf, "quick,odd");
    ku_assert_json(json_object_get(json_array_get(p.evict, 0), "condition"),
                   "{'type':'DisruptionTarget','status':'True','reason':"
                   "'DeletionByTaintManager','message':'Taint manager: deleting due to "
                   "NoExecute taint','lastTransitionTime':'2026-11-21T10:00:00Z'}");
    /* web-1 (300 s) and raw (default 300 s) wait; ds tolerates forever. */
    assert_int_equal(p.next_at, T0 + 300);
    names(p.pod_status, buf, sizeof buf);
    assert_string_equal(buf, "web-1");
    ku_assert_json(json_object_get(json_array_get(p.pod_status, 0), "conditions"),
                   "[{'type':'Initialized','status':'True'},{'type':'Ready','status':'False',"
                   "'lastTransitionTime':'2026-11-21T10:00:00Z'}]");
    ku_assert_json(p.events,
                   "[{'involvedObject':{'apiVersion':'v1','kind':'Node','name':'n1','uid':'n1'},"
                   "'type':'Normal','reason':'NodeNotReady','message':'Node n1 status is now: "
                   "NodeNotReady','source':{'component':'node-controller'}},"
                   "{'involvedObject':{'apiVersion':'v1','kind':'Pod','namespace':'default',"
                   "'name':'web-1','uid':'u1'},'type':'Warning','reason':'NodeNotReady',"
                   "'message':'Node is not ready','source':{'component':'node-controller'}},"
                   "{'involvedObject':{'apiVersion':'v1','kind':'Pod','namespace':'default',"
                   "'name':'quick','uid':'u4'},'type':'Normal','reason':'TaintManagerEviction',"
                   "'message':'Marking for deletion Pod default/quick','source':{'component':"
                   "'taint-eviction-controller'}},"
                   "{'involvedObject':{'apiVersion':'v1','kind':'Pod','namespace':'default',"
                   "'name':'odd','uid':'u5'},'type':'Normal','reason':'TaintManagerEviction',"
                   "'message':'Marking for deletion Pod default/odd','source':{'component':"
                   "'taint-eviction-controller'}}]");
    /* Inputs untouched. */
    assert_string_equal(
        daas_kube_str(json_array_get(daas_kube_path(node, "status.conditions"), 3), "status"),
        "True");
    daas_ctrl_nodelife_plan_fini(&p);
    assert_null(p.events);
    json_decref(node);
    json_decref(lease);
    json_decref(ps);
}

/* The second pass, 300 s after the taint: the tolerating pods go; nothing else changes. */
static void test_toleration_expiry(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:50:00Z", "True", NULL);
    json_t *lease = lease_at("2026-11-21T09:59:00Z"), *ps = pods();
    daas_ctrl_nodelife_in in = {
        .node = node, .lease = lease, .pods = ps, .now = T0, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    /* Apply the plan to the node as the caller would. */
    json_object_set(json_object_get(node, "status"), "conditions", p.conditions);
    daas_kube_set(node, "spec.taints", json_incref(p.taints));
    daas_ctrl_nodelife_plan_fini(&p);

    in.now = T0 + 299;
    plan(&in, &p);
    assert_null(p.conditions);
    assert_null(p.taints);
    assert_int_equal(json_array_size(p.events), 3); /* web-1 NotReady, quick, odd again */
    assert_int_equal(p.next_at, T0 + 300);
    daas_ctrl_nodelife_plan_fini(&p);

    in.now = T0 + 300;
    in.default_toleration = 600; /* raw now waits for the configured default */
    plan(&in, &p);
    char buf[256];
    names(p.evict, buf, sizeof buf);
    assert_string_equal(buf, "web-1,quick,odd");
    assert_int_equal(p.next_at, T0 + 600);
    daas_ctrl_nodelife_plan_fini(&p);

    in.default_toleration = 0;
    plan(&in, &p);
    names(p.evict, buf, sizeof buf);
    assert_string_equal(buf, "web-1,raw,quick,odd");
    assert_int_equal(p.next_at, 0);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
    json_decref(lease);
    json_decref(ps);
}

/* The node is back: Ready True with a fresh lease removes the controller's taints only. */
static void test_node_back(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:59:58Z", "True",
                           "'unschedulable':true,'taints':[{'key':'node.kubernetes.io/"
                           "unreachable','effect':'NoSchedule','timeAdded':'2026-11-21T09:00:00Z'"
                           "},{'key':'dedicated','effect':'NoExecute'},{'key':'node.kubernetes."
                           "io/unreachable','effect':'NoExecute','timeAdded':"
                           "'2026-11-21T09:00:00Z'}]");
    json_t *lease = lease_at("2026-11-21T09:59:59Z");
    daas_ctrl_nodelife_in in = {.node = node, .lease = lease, .now = T0, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    assert_true(p.ready);
    assert_null(p.conditions);
    ku_assert_json(p.taints, "[{'key':'dedicated','effect':'NoExecute'},"
                             "{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule',"
                             "'timeAdded':'2026-11-21T10:00:00Z'}]");
    assert_int_equal(json_array_size(p.events), 0);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
    json_decref(lease);
}

/* Kubelet posts Ready False: not-ready taints replace unreachable ones (the swap). */
static void test_not_ready_swap(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:59:58Z", "False",
                           "'taints':[{'key':'node.kubernetes.io/unreachable','effect':"
                           "'NoExecute','timeAdded':'2026-11-21T09:00:00Z'}]");
    json_t *ps = pods();
    daas_ctrl_nodelife_in in = {.node = node, .pods = ps, .now = T0, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    assert_false(p.ready);
    assert_null(p.conditions);
    ku_assert_json(p.taints, "[{'key':'node.kubernetes.io/not-ready','effect':'NoSchedule',"
                             "'timeAdded':'2026-11-21T10:00:00Z'},"
                             "{'key':'node.kubernetes.io/not-ready','effect':'NoExecute',"
                             "'timeAdded':'2026-11-21T10:00:00Z'}]");
    /* No lease: the node's own heartbeat (09:59:58) decides staleness. */
    assert_int_equal(p.next_at, T0 - 2 + 40 + 1);
    /* No NodeNotReady node event: Ready was already False. Ready pods still get marked. */
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "NodeNotReady");
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "involvedObject.kind"), "Pod");
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
    json_decref(ps);
}

/* A lease renewed recently keeps a node whose status heartbeat is old (kubelet posts status
 * only every 5 minutes when it holds a lease). */
static void test_lease_wins(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:40:00Z", "True", NULL);
    json_t *lease = lease_at("2026-11-21T09:59:59.900000Z");
    daas_ctrl_nodelife_in in = {.node = node, .lease = lease, .now = T0};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    assert_null(p.conditions);
    assert_null(p.taints);
    daas_ctrl_nodelife_plan_fini(&p);
    in.lease = NULL;
    plan(&in, &p);
    assert_non_null(p.conditions);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
    json_decref(lease);
}

/* A node that never posted status: startup grace from creation, NeverUpdated conditions. */
static void test_never_posted(void **state)
{
    (void)state;
    json_t *node = ku_json("{'metadata':{'name':'n9','creationTimestamp':"
                           "'2026-11-21T09:59:30Z'},'status':{}}");
    daas_ctrl_nodelife_in in = {.node = node, .now = T0, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    assert_null(p.conditions);
    assert_null(p.taints);
    assert_int_equal(p.next_at, T0 - 30 + 60 + 1);
    daas_ctrl_nodelife_plan_fini(&p);
    in.now = T0 + 31;
    plan(&in, &p);
    assert_int_equal(json_array_size(p.conditions), 4);
    ku_assert_json(json_array_get(p.conditions, 0),
                   "{'type':'Ready','status':'Unknown','reason':'NodeStatusNeverUpdated',"
                   "'message':'Kubelet never posted node status.','lastHeartbeatTime':"
                   "'2026-11-21T09:59:30Z','lastTransitionTime':'2026-11-21T10:00:31Z'}");
    assert_int_equal(json_array_size(p.taints), 2);
    /* Ready was never True: no NodeNotReady node event. */
    assert_int_equal(json_array_size(p.events), 0);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
}

static void test_full_disruption(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:00:00Z", "True",
                           "'taints':[{'key':'node.kubernetes.io/unreachable','effect':"
                           "'NoExecute','timeAdded':'2026-11-21T09:00:00Z'}]");
    json_t *ps = pods();
    daas_ctrl_nodelife_in in = {
        .node = node, .pods = ps, .now = T0, .full_disruption = true, .default_toleration = -1};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    ku_assert_json(p.taints, "[{'key':'node.kubernetes.io/unreachable','effect':'NoSchedule',"
                             "'timeAdded':'2026-11-21T10:00:00Z'}]");
    assert_int_equal(json_array_size(p.evict), 0);
    assert_int_equal(json_array_size(p.pod_status), 1);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
    json_decref(ps);
}

static void test_pressure_taints(void **state)
{
    (void)state;
    json_t *node = node_at("2026-11-21T09:59:59Z", "True", NULL);
    json_t *conds = daas_kube_path(node, "status.conditions");
    json_object_set_new(json_array_get(conds, 0), "status", json_string("True"));
    json_object_set_new(json_array_get(conds, 4), "status", json_string("True"));
    daas_ctrl_nodelife_in in = {.node = node, .now = T0};
    daas_ctrl_nodelife_plan p;
    plan(&in, &p);
    ku_assert_json(p.taints, "[{'key':'node.kubernetes.io/memory-pressure','effect':'NoSchedule',"
                             "'timeAdded':'2026-11-21T10:00:00Z'},{'key':'node.kubernetes.io/"
                             "network-unavailable','effect':'NoSchedule','timeAdded':"
                             "'2026-11-21T10:00:00Z'}]");
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
}

static void test_tolerates(void **state)
{
    (void)state;
    json_t *taint = ku_json("{'key':'k','value':'v','effect':'NoExecute'}");
    static const struct {
        const char *tol;
        bool ok;
    } cases[] = {
        {"{'operator':'Exists'}", true},
        {"{'key':'k','operator':'Exists'}", true},
        {"{'key':'k','value':'v'}", true},
        {"{'key':'k','operator':'Equal','value':'v','effect':'NoExecute'}", true},
        {"{'key':'k','operator':'Equal','value':'w'}", false},
        {"{'key':'k','effect':'NoSchedule','operator':'Exists'}", false},
        {"{'key':'j','operator':'Exists'}", false},
        {"{'key':'k','operator':'Gt','value':'v'}", false},
        {"{'value':'v'}", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *t = ku_json(cases[i].tol);
        if (daas_ctrl_tolerates(t, taint) != cases[i].ok)
            fail_msg("toleration %s", cases[i].tol);
        json_decref(t);
    }
    json_decref(taint);
}

static void test_bad_input(void **state)
{
    (void)state;
    json_t *node = ku_json("{'metadata':{}}");
    daas_ctrl_nodelife_in in = {.node = node, .now = T0};
    daas_ctrl_nodelife_plan p;
    daas_err err = {0};
    assert_int_equal(daas_ctrl_nodelife_plan_make(&in, &p, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "metadata.name"));
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy),           cmocka_unit_test(test_lease_expired),
        cmocka_unit_test(test_toleration_expiry), cmocka_unit_test(test_node_back),
        cmocka_unit_test(test_not_ready_swap),    cmocka_unit_test(test_lease_wins),
        cmocka_unit_test(test_never_posted),      cmocka_unit_test(test_full_disruption),
        cmocka_unit_test(test_pressure_taints),   cmocka_unit_test(test_tolerates),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
