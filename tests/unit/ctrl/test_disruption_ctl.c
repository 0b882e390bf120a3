/*
 * test_disruption_ctl.c: the pods/eviction subresource (src/api/evict.c) and the disruption
 * controller (src/ctrl/disruption_ctl.c) through the in-process API: eviction without a
 * budget, a used-up budget (429, nothing deleted), dry-run (nothing written), the budget
 * spent before the pod goes (disruptionsAllowed - 1, disruptedPods, the condition, the pod's
 * DisruptionTarget condition), a budget the controller has not observed yet (429), an unready
 * pod deleted without spending the budget, two budgets (500), and the controller's status as
 * pods become ready and unready.
 *
 * Owns:   each test's API over a fresh store (ctrl_testutil.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl/disruption.h"
#include "ctrl_testutil.h"

typedef struct fx {
    ctrl_tfx t;
    const daas_kube_kind *pods, *pdbs;
} fx;

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-disruption");
    f->pods = daas_ctrl_kind("pods");
    f->pdbs = daas_ctrl_kind("poddisruptionbudgets");
    *state = f;
    return 0;
}

/* A Running pod of app=web, Ready or not. */
static void mkpod(fx *f, const char *name, bool ready)
{
    json_decref(ctrl_t_create(&f->t, f->pods, "default",
                              ctrl_t_js("{'metadata':{'name':'%s','labels':{'app':'web'}},'spec':"
                                        "{'containers':[{'name':'c','image':'busybox'}]}}",
                                        name)));
    ctrl_t_put_status_of(&f->t, f->pods, "default", name, ctrl_t_pod_running(NULL, ready, 0));
}

static void mkpdb(fx *f, const char *name, const char *spec)
{
    json_decref(ctrl_t_create(&f->t, f->pdbs, "default",
                              ctrl_t_js("{'metadata':{'name':'%s'},'spec':%s}", name, spec)));
}

/* Sets the PDB's status by hand (the controller's role). */
static void pdb_status(fx *f, const char *name, int gen, int allowed, int cur, int want)
{
    ctrl_t_put_status_of(&f->t, f->pdbs, "default", name,
                         ctrl_t_js("{'observedGeneration':%d,'disruptionsAllowed':%d,"
                                   "'currentHealthy':%d,'desiredHealthy':%d,'expectedPods':3}",
                                   gen, allowed, cur, want));
}

/* POSTs an Eviction of pod (query may be NULL); returns the HTTP status, the message in msg. */
static int evict(fx *f, const char *pod, const char *query, char *msg, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "/api/v1/namespaces/default/pods/%s/eviction%s%s", pod,
             query ? "?" : "", query ? query : "");
    json_t *body = ctrl_t_js("{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':"
                             "'%s'}}",
                             pod);
    json_t *out = NULL;
    int http = 0;
    daas_err e = {0};
    int rc = daas_ctrl_client_do(f->t.c, "POST", path, NULL, body, &out, &http, &e);
    if (rc == DAAS_OK)
        assert_string_equal(daas_kube_str(out, "status"), "Success");
    snprintf(msg, n, "%s", e.msg);
    json_decref(out);
    json_decref(body);
    return http;
}

static bool exists(fx *f, const char *pod)
{
    json_t *o = ctrl_t_get(&f->t, f->pods, "default", pod);
    json_decref(o);
    return o != NULL;
}

static void test_eviction_and_budget(void **state)
{
    fx *f = *state;
    char msg[256];
    mkpod(f, "p1", true);
    mkpod(f, "p2", true);
    mkpod(f, "p3", true);
    /* no budget: deleted at once */
    assert_int_equal(evict(f, "p1", NULL, msg, sizeof msg), 201);
    assert_false(exists(f, "p1"));
    assert_int_equal(evict(f, "p1", NULL, msg, sizeof msg), 404);
    assert_string_equal(msg, "pods \"p1\" not found");

    mkpdb(f, "web", "{'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}}");
    pdb_status(f, "web", 1, 0, 2, 2);
    assert_int_equal(evict(f, "p2", NULL, msg, sizeof msg), 429);
    assert_string_equal(msg, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert_true(exists(f, "p2"));

    /* dry-run: allowed, nothing written */
    pdb_status(f, "web", 1, 1, 2, 1);
    assert_int_equal(evict(f, "p2", "dryRun=All", msg, sizeof msg), 201);
    assert_true(exists(f, "p2"));
    json_t *pdb = ctrl_t_get(&f->t, f->pdbs, "default", "web");
    assert_int_equal(daas_kube_int(pdb, "status.disruptionsAllowed", -1), 1);
    assert_null(daas_kube_path(pdb, "status.disruptedPods"));
    json_decref(pdb);

    /* the budget is spent, then the pod goes */
    assert_int_equal(evict(f, "p2", NULL, msg, sizeof msg), 201);
    assert_false(exists(f, "p2"));
    pdb = ctrl_t_get(&f->t, f->pdbs, "default", "web");
    assert_int_equal(daas_kube_int(pdb, "status.disruptionsAllowed", -1), 0);
    assert_non_null(daas_kube_path(pdb, "status.disruptedPods.p2"));
    const json_t *c = json_array_get(daas_kube_path(pdb, "status.conditions"), 0);
    assert_string_equal(daas_kube_str(c, "type"), "DisruptionAllowed");
    assert_string_equal(daas_kube_str(c, "reason"), "InsufficientPods");
    json_decref(pdb);
    assert_int_equal(evict(f, "p3", NULL, msg, sizeof msg), 429);

    /* a changed spec the controller has not observed: 429 even with room */
    ctrl_t_patch(&f->t, f->pdbs, "default", "web", NULL, DAAS_CTRL_PATCH_MERGE,
                 ctrl_t_js("{'spec':{'minAvailable':1}}"));
    pdb_status(f, "web", 1, 1, 2, 1);
    assert_int_equal(evict(f, "p3", NULL, msg, sizeof msg), 429);
    assert_true(exists(f, "p3"));
}

/* A pod kept by a finalizer shows what the eviction wrote before deleting it. */
static void test_disruption_target(void **state)
{
    fx *f = *state;
    char msg[256];
    json_decref(
        ctrl_t_create(&f->t, f->pods, "default",
                      ctrl_t_js("{'metadata':{'name':'pf','finalizers':['test/keep']},"
                                "'spec':{'containers':[{'name':'c','image':'busybox'}]}}")));
    ctrl_t_put_status_of(&f->t, f->pods, "default", "pf", ctrl_t_pod_running(NULL, true, 0));
    assert_int_equal(evict(f, "pf", NULL, msg, sizeof msg), 201);
    json_t *pod = ctrl_t_get(&f->t, f->pods, "default", "pf");
    assert_non_null(daas_kube_path(pod, "metadata.deletionTimestamp"));
    const json_t *c = json_array_get(daas_kube_path(pod, "status.conditions"), 1);
    assert_string_equal(daas_kube_str(c, "type"), "DisruptionTarget");
    assert_string_equal(daas_kube_str(c, "status"), "True");
    assert_string_equal(daas_kube_str(c, "reason"), "EvictionByEvictionAPI");
    assert_string_equal(daas_kube_str(c, "message"), "Eviction API: evicting");
    json_decref(pod);
}

static void test_unready_pod_and_two_budgets(void **state)
{
    fx *f = *state;
    char msg[256];
    mkpod(f, "p1", true);
    mkpod(f, "p2", false);
    mkpdb(f, "web", "{'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}}");
    pdb_status(f, "web", 1, 0, 1, 1);
    /* not Ready and the budget is met: deleted, the budget untouched */
    assert_int_equal(evict(f, "p2", NULL, msg, sizeof msg), 201);
    assert_false(exists(f, "p2"));
    json_t *pdb = ctrl_t_get(&f->t, f->pdbs, "default", "web");
    assert_int_equal(daas_kube_int(pdb, "status.disruptionsAllowed", -1), 0);
    assert_null(daas_kube_path(pdb, "status.disruptedPods"));
    json_decref(pdb);
    /* an empty selector selects nothing for evictions */
    mkpdb(f, "all", "{'maxUnavailable':0,'selector':{}}");
    assert_int_equal(evict(f, "p1", "dryRun=All", msg, sizeof msg), 429);
    mkpdb(f, "web2", "{'maxUnavailable':0,'selector':{'matchLabels':{'app':'web'}}}");
    assert_int_equal(evict(f, "p1", NULL, msg, sizeof msg), 500);
    assert_string_equal(msg, "This pod has more than one PodDisruptionBudget, which the eviction "
                             "subresource does not support.");
    assert_true(exists(f, "p1"));
}

/* "allowed/current/desired/expected/observedGeneration" of PDB web. */
static void status_of(fx *f, char *buf, size_t n)
{
    json_t *p = ctrl_t_get(&f->t, f->pdbs, "default", "web");
    snprintf(buf, n, "%lld/%lld/%lld/%lld/%lld",
             (long long)daas_kube_int(p, "status.disruptionsAllowed", -1),
             (long long)daas_kube_int(p, "status.currentHealthy", -1),
             (long long)daas_kube_int(p, "status.desiredHealthy", -1),
             (long long)daas_kube_int(p, "status.expectedPods", -1),
             (long long)daas_kube_int(p, "status.observedGeneration", -1));
    json_decref(p);
}

static void test_controller(void **state)
{
    fx *f = *state;
    char buf[96];
    mkpod(f, "p1", true);
    mkpod(f, "p2", true);
    mkpod(f, "p3", false);
    mkpdb(f, "web", "{'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}}");
    status_of(f, buf, sizeof buf);
    assert_string_equal(buf, "0/0/0/0/-1"); /* PrepareForCreate */
    CTRL_T_MGR(&f->t, NULL, true, daas_ctrl_disruption_register);
    CTRL_T_WAIT_EQ(status_of(f, buf, sizeof buf), buf, "0/2/2/3/1");
    ctrl_t_put_status_of(&f->t, f->pods, "default", "p3", ctrl_t_pod_running(NULL, true, 0));
    CTRL_T_WAIT_EQ(status_of(f, buf, sizeof buf), buf, "1/3/2/3/1");
    ctrl_t_patch(&f->t, f->pdbs, "default", "web", NULL, DAAS_CTRL_PATCH_MERGE,
                 ctrl_t_js("{'spec':{'minAvailable':null,'maxUnavailable':'50%%'}}"));
    /* unmanaged pods have no scale: expected 0, nothing allowed */
    CTRL_T_WAIT_EQ(status_of(f, buf, sizeof buf), buf, "0/3/0/0/2");
    /* the event is written after the status: wait for it too */
    CTRL_T_WAIT_EQ(snprintf(buf, sizeof buf, "%s",
                            ctrl_t_count_events(&f->t, "default", "PodDisruptionBudget", "web",
                                                "UnmanagedPods", "Warning") >= 1
                                ? "event"
                                : "none"),
                   buf, "event");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eviction_and_budget, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_disruption_target, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_unready_pod_and_two_budgets, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_controller, setup, ctrl_t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
