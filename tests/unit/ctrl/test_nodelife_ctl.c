/*
 * test_nodelife_ctl.c: the node lifecycle controller (src/ctrl/nodelife_ctl.c) over a real
 * API and store, on a fake wall clock. Two nodes (n2 keeps renewing): n1 with a fresh Lease
 * stays Ready; once its Lease is older than the grace period its conditions go Unknown, it
 * gets the unreachable NoSchedule and NoExecute taints, the node and its Ready pods get
 * NodeNotReady Events and the pods Ready=False; a pod tolerating unreachable for 5 s is
 * evicted at +5 s (TaintManagerEviction Event, deleted) while pods with
 * the default 300 s or an unbounded toleration stay, a pod bound to the tainted node later
 * and tolerating it 0 s is evicted at once; when the Lease is renewed and the agent
 * posts Ready, the taints go. spec.unschedulable gives the unschedulable taint. One node alone
 * (full disruption): NotReady and NoSchedule, but no NoExecute taint and no eviction. The
 * controller is woken after each clock step by a write to the node (an annotation); waits are
 * bounded polls (10 s in 10 ms steps). JSON here uses ' for ".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/controllers.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct fx {
    ctrl_tfx t; /* first: ctrl_t_fx_new, ctrl_t_teardown */
    int64_t t0; /* unix seconds at the start */
    int pokes;
} fx;

static atomic_llong fake_ms;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return atomic_load(&fake_ms);
}

static void at(fx *f, int64_t rel_s)
{
    atomic_store(&fake_ms, (f->t0 + rel_s) * 1000);
}

static const daas_kube_kind *kind(const char *res)
{
    return daas_ctrl_kind(res);
}

static void ts(fx *f, int64_t rel_s, char *buf, size_t n)
{
    daas_time_rfc3339(f->t0 + rel_s, buf, n);
}

static void create(fx *f, const char *res, const char *ns, json_t *obj)
{
    json_decref(ctrl_t_create(&f->t, kind(res), ns, obj));
}

/* The agent: Node ready with a heartbeat at rel_s. */
static void post_ready(fx *f, const char *node, int64_t rel_s)
{
    char t[32];
    ts(f, rel_s, t, sizeof t);
    json_t *st = ctrl_t_js("{'conditions':[{'type':'MemoryPressure','status':'False','reason':'R',"
                           "'lastHeartbeatTime':'%s','lastTransitionTime':'%s'},{'type':'Ready',"
                           "'status':'True','reason':'KubeletReady','lastHeartbeatTime':'%s',"
                           "'lastTransitionTime':'%s'}]}",
                           t, t, t, t);
    ctrl_t_put_status_of(&f->t, kind("nodes"), NULL, node, st);
}

/* The agent: the Lease renewed at rel_s (created the first time). */
static void renew(fx *f, const char *node, int64_t rel_s)
{
    char t[40];
    daas_time_rfc3339_micro((f->t0 + rel_s) * 1000000, t, sizeof t);
    json_t *p = ctrl_t_js("{'spec':{'renewTime':'%s'}}", t);
    int rc = daas_ctrl_client_patch(f->t.c, kind("leases"), "kube-node-lease", node, NULL,
                                    DAAS_CTRL_PATCH_MERGE, p, NULL, NULL);
    json_decref(p);
    if (rc == DAAS_ENOTFOUND)
        create(f, "leases", "kube-node-lease",
               ctrl_t_js("{'apiVersion':'coordination.k8s.io/v1','kind':'Lease','metadata':{'name':"
                         "'%s'},'spec':{'holderIdentity':'%s','leaseDurationSeconds':40,"
                         "'renewTime':'%s'}}",
                         node, node, t));
    else
        assert_int_equal(rc, DAAS_OK);
}

/* A Node whose agent last posted and renewed at rel_s. */
static void node_at(fx *f, const char *name, int64_t rel_s)
{
    create(f, "nodes", NULL,
           ctrl_t_js("{'apiVersion':'v1','kind':'Node','metadata':{'name':'%s'}}", name));
    post_ready(f, name, rel_s);
    renew(f, name, rel_s);
}

static void node(fx *f, const char *name)
{
    node_at(f, name, 0);
}

/* A pod bound to n1 with the given tolerations (a JSON array text), no status yet. */
static void pod_bound(fx *f, const char *name, const char *tolerations)
{
    create(f, "pods", "nl",
           ctrl_t_js(
               "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s'},'spec':{'nodeName':'n1',"
               "'terminationGracePeriodSeconds':0,'tolerations':%s,'containers':[{'name':'c',"
               "'image':'busybox'}]}}",
               name, tolerations));
}

/* The same, Running and Ready. */
static void pod(fx *f, const char *name, const char *tolerations)
{
    pod_bound(f, name, tolerations);
    ctrl_t_put_status_of(&f->t, kind("pods"), "nl", name, ctrl_t_pod_running(NULL, true, f->t0));
}

/* Wakes the controller for node (a write to it). */
static void poke(fx *f, const char *node)
{
    ctrl_t_patch(&f->t, kind("nodes"), NULL, node, NULL, DAAS_CTRL_PATCH_MERGE,
                 ctrl_t_js("{'metadata':{'annotations':{'test/poke':'%d'}}}", ++f->pokes));
}

static json_t *get(fx *f, const char *res, const char *ns, const char *name)
{
    return ctrl_t_get(&f->t, kind(res), ns, name);
}

/* The status of condition type of res ns/name ("" when absent, "gone" without the object). */
static void cond(fx *f, const char *res, const char *ns, const char *name, const char *type,
                 char *out, size_t n)
{
    json_t *o = get(f, res, ns, name);
    size_t i;
    json_t *c;
    snprintf(out, n, "%s", o ? "" : "gone");
    json_array_foreach(daas_kube_path(o, "status.conditions"), i, c)
    {
        if (strcmp(daas_kube_str(c, "type"), type) == 0)
            snprintf(out, n, "%s", daas_kube_str(c, "status"));
    }
    json_decref(o);
}

/* "key:effect" of the node's taints, sorted as stored, joined with " ". */
static void taints(fx *f, const char *name, char *out, size_t n)
{
    json_t *o = get(f, "nodes", NULL, name);
    size_t i, len = 0;
    json_t *t;
    out[0] = '\0';
    json_array_foreach(daas_kube_path(o, "spec.taints"), i, t)
    {
        len += (size_t)snprintf(out + len, n - len, "%s%s:%s", i ? " " : "",
                                daas_kube_str(t, "key"), daas_kube_str(t, "effect"));
        assert_non_null(daas_kube_str(t, "timeAdded"));
    }
    json_decref(o);
}

/* Reasons of the Events in ns about name, in order of creation, "reason/type" joined. */
static void events(fx *f, const char *ns, const char *name, char *out, size_t n)
{
    json_t *list = ctrl_t_list(&f->t, "/api/v1/namespaces/%s/events", ns);
    size_t i, len = 0;
    json_t *e;
    out[0] = '\0';
    json_array_foreach(list, i, e)
    {
        if (strcmp(daas_kube_str(e, "involvedObject.name") ?: "", name) != 0)
            continue;
        len += (size_t)snprintf(out + len, n - len, "%s%s/%s", len ? " " : "",
                                daas_kube_str(e, "reason"), daas_kube_str(e, "type"));
    }
    json_decref(list);
}

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-nlctl");
    f->t0 = daas_now_ms() / 1000;
    at(f, 0);
    create(f, "namespaces", NULL,
           ctrl_t_js("{'apiVersion':'v1','kind':'Namespace','metadata':"
                     "{'name':'nl'}}"));
    json_t *lns = get(f, "namespaces", NULL, "kube-node-lease");
    if (lns == NULL)
        create(f, "namespaces", NULL,
               ctrl_t_js(
                   "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'kube-node-lease'}}"));
    json_decref(lns);
    daas_ctrl_opts o = {.default_toleration_s = 300, .now_ms = fake_clock};
    CTRL_T_MGR(&f->t, &o, false, daas_ctrl_nodelife_register); /* start() starts it */
    *state = f;
    return 0;
}

static void set_unschedulable(fx *f, const char *node, bool on)
{
    ctrl_t_patch(&f->t, kind("nodes"), NULL, node, NULL, DAAS_CTRL_PATCH_MERGE,
                 ctrl_t_js("{'spec':{'unschedulable':%s}}", on ? "true" : "null"));
}

/* Starts the controller and waits until it has synced n1 at fake time 0 (the moment it first
 * sees a node counts as a sign of life): n1 is cordoned, and its unschedulable taint shows
 * the sync happened; then uncordoned again. */
static void start(fx *f)
{
    char b[256];
    set_unschedulable(f, "n1", true);
    ctrl_t_mgr_start(&f->t);
    CTRL_T_WAIT_EQ(taints(f, "n1", b, sizeof b), b, "node.kubernetes.io/unschedulable:NoSchedule");
    set_unschedulable(f, "n1", false);
    CTRL_T_WAIT_EQ(taints(f, "n1", b, sizeof b), b, "");
}

static void test_unreachable_evicts_and_recovers(void **state)
{
    fx *f = *state;
    char b[512];
    node(f, "n1");
    node(f, "n2");
    pod(f, "tol5",
        "[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
        "'effect':'NoExecute','tolerationSeconds':5}]");
    pod(f, "dflt", "[]"); /* the API's default tolerations: 300 s */
    pod(f, "forever",
        "[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
        "'effect':'NoExecute'}]");
    start(f);

    /* within the grace period (40 s): nothing happens */
    at(f, 30);
    renew(f, "n2", 30);
    poke(f, "n1");
    usleep(300000);
    cond(f, "nodes", NULL, "n1", "Ready", b, sizeof b);
    assert_string_equal(b, "True");
    taints(f, "n1", b, sizeof b);
    assert_string_equal(b, "");

    /* past it: Unknown, tainted, pods not ready, events */
    at(f, 41);
    renew(f, "n2", 41);
    poke(f, "n1");
    CTRL_T_WAIT_EQ(cond(f, "nodes", NULL, "n1", "Ready", b, sizeof b), b, "Unknown");
    cond(f, "nodes", NULL, "n1", "MemoryPressure", b, sizeof b);
    assert_string_equal(b, "Unknown");
    CTRL_T_WAIT_EQ(
        taints(f, "n1", b, sizeof b), b,
        "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute");
    CTRL_T_WAIT_EQ(cond(f, "pods", "nl", "dflt", "Ready", b, sizeof b), b, "False");
    CTRL_T_WAIT_EQ(events(f, "default", "n1", b, sizeof b), b, "NodeNotReady/Normal");
    CTRL_T_WAIT_EQ(events(f, "nl", "tol5", b, sizeof b), b, "NodeNotReady/Warning");
    cond(f, "nodes", NULL, "n2", "Ready", b, sizeof b);
    assert_string_equal(b, "True");
    taints(f, "n2", b, sizeof b);
    assert_string_equal(b, "");
    cond(f, "pods", "nl", "tol5", "Ready", b, sizeof b);
    assert_string_equal(b, "False"); /* not evicted before its 5 s */
    /* a pod bound to the tainted node later, tolerating it 0 s: its own event evicts it */
    pod_bound(f, "late",
              "[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
              "'effect':'NoExecute','tolerationSeconds':0}]");
    CTRL_T_WAIT_EQ(cond(f, "pods", "nl", "late", "Ready", b, sizeof b), b, "gone");
    CTRL_T_WAIT_EQ(events(f, "nl", "late", b, sizeof b), b, "TaintManagerEviction/Normal");

    /* 5 s after the taint: tol5 goes, the others stay */
    at(f, 46);
    renew(f, "n2", 46);
    poke(f, "n1");
    CTRL_T_WAIT_EQ(cond(f, "pods", "nl", "tol5", "Ready", b, sizeof b), b, "gone");
    CTRL_T_WAIT_EQ(events(f, "nl", "tol5", b, sizeof b), b,
                   "NodeNotReady/Warning TaintManagerEviction/Normal");
    usleep(200000);
    cond(f, "pods", "nl", "dflt", "Ready", b, sizeof b);
    assert_string_equal(b, "False");
    cond(f, "pods", "nl", "forever", "Ready", b, sizeof b);
    assert_string_equal(b, "False");

    /* the agent is back: Lease renewed, Ready posted → taints removed */
    at(f, 50);
    renew(f, "n2", 50);
    renew(f, "n1", 50);
    post_ready(f, "n1", 50);
    CTRL_T_WAIT_EQ(taints(f, "n1", b, sizeof b), b, "");
    cond(f, "nodes", NULL, "n1", "Ready", b, sizeof b);
    assert_string_equal(b, "True");
    /* the default toleration would have run out here; the pod is still there */
    at(f, 400);
    renew(f, "n1", 400);
    renew(f, "n2", 400);
    post_ready(f, "n1", 400);
    post_ready(f, "n2", 400);
    usleep(300000);
    cond(f, "pods", "nl", "dflt", "Ready", b, sizeof b);
    assert_string_equal(b, "False"); /* the agent, not the controller, makes it Ready again */
    events(f, "nl", "dflt", b, sizeof b);
    assert_string_equal(b, "NodeNotReady/Warning");
}

/* One node only: every node is not Ready (full disruption). */
static void test_single_node_no_evictions(void **state)
{
    fx *f = *state;
    char b[512];
    node(f, "n1");
    pod(f, "tol0",
        "[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
        "'effect':'NoExecute','tolerationSeconds':0}]");
    start(f);
    at(f, 100);
    poke(f, "n1");
    CTRL_T_WAIT_EQ(cond(f, "nodes", NULL, "n1", "Ready", b, sizeof b), b, "Unknown");
    CTRL_T_WAIT_EQ(taints(f, "n1", b, sizeof b), b, "node.kubernetes.io/unreachable:NoSchedule");
    CTRL_T_WAIT_EQ(cond(f, "pods", "nl", "tol0", "Ready", b, sizeof b), b, "False");
    at(f, 200);
    poke(f, "n1");
    usleep(300000);
    cond(f, "pods", "nl", "tol0", "Ready", b, sizeof b);
    assert_string_equal(b, "False");
    taints(f, "n1", b, sizeof b);
    assert_string_equal(b, "node.kubernetes.io/unreachable:NoSchedule");
}

/* A controller starting (a server restarted) while the Lease is long expired gives the node
 * a full grace period from the moment it first sees it (upstream's probeTimestamp). */
static void test_grace_from_first_sight(void **state)
{
    fx *f = *state;
    char b[512];
    node_at(f, "n1", -1000);
    start(f); /* synced at 0 with n1 Ready and untainted: the lease's age did not count */
    cond(f, "nodes", NULL, "n1", "Ready", b, sizeof b);
    assert_string_equal(b, "True");
    at(f, 41);
    poke(f, "n1");
    CTRL_T_WAIT_EQ(cond(f, "nodes", NULL, "n1", "Ready", b, sizeof b), b, "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unreachable_evicts_and_recovers, setup,
                                        ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_single_node_no_evictions, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_grace_from_first_sight, setup, ctrl_t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
