/*
 * test_deploy_ctl.c: the ReplicaSet and Deployment controllers (replicaset_ctl.c,
 * deployment_ctl.c) in a manager over a real API and store, the test playing the kubelet
 * (PUT pods/NAME/status): a Deployment gets a ReplicaSet named with its pod-template-hash
 * and its pods (owner references, labels, SuccessfulCreate events); ready pods make the
 * Deployment Available with the counts `kubectl rollout status` reads; a template change
 * makes a second ReplicaSet and revision 2 and keeps the available pods within
 * maxUnavailable; scaling a ReplicaSet down deletes the surplus; an orphan pod is adopted;
 * a pod whose labels stop matching is released.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl.h"
#include "ctrl/podutil.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct fx {
    ctrl_tfx t; /* first: ctrl_t_fx_new, ctrl_t_teardown */
    const daas_kube_kind *deps, *rss, *pods, *events;
} fx;

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-deployctl");
    f->deps = daas_ctrl_kind("deployments");
    f->rss = daas_ctrl_kind("replicasets");
    f->pods = daas_ctrl_kind("pods");
    f->events = daas_ctrl_kind("events");
    CTRL_T_MGR(&f->t, NULL, true, daas_ctrl_replicaset_register, daas_ctrl_deployment_register);
    *state = f;
    return 0;
}

/* ---- helpers ---- */

static json_t *list(fx *f, const daas_kube_kind *k, const char *query)
{
    return ctrl_t_list_of(&f->t, k, "default", query);
}

typedef struct want {
    const daas_kube_kind *k;
    const char *query;
    size_t n;
} want;

static bool has_count(void *fv, const void *arg)
{
    fx *f = fv;
    const want *w = arg;
    return ctrl_t_len(list(f, w->k, w->query)) == w->n;
}

static const char *annotation(const json_t *obj, const char *key)
{
    const char *v =
        json_string_value(json_object_get(daas_kube_path(obj, "metadata.annotations"), key));
    return v ? v : "";
}

/* default/name of kind k, which must exist (new). */
static json_t *get(fx *f, const daas_kube_kind *k, const char *name)
{
    json_t *o = ctrl_t_get(&f->t, k, "default", name);
    assert_non_null(o);
    return o;
}

/* The kubelet's part: every pending pod of app becomes Running and Ready; returns how many. */
static int run_pods(fx *f, const char *app)
{
    char q[64];
    snprintf(q, sizeof q, "labelSelector=app%%3D%s", app);
    json_t *items = list(f, f->pods, q);
    int n = ctrl_t_make_ready(&f->t, items, "10.0.0.1");
    json_decref(items);
    return n;
}

static bool deploy_available(void *fv, const void *arg)
{
    fx *f = fv;
    json_t *d = get(f, f->deps, arg);
    int64_t n = json_integer_value(daas_kube_path(d, "spec.replicas"));
    bool ok = json_integer_value(daas_kube_path(d, "status.availableReplicas")) == n &&
              json_integer_value(daas_kube_path(d, "status.updatedReplicas")) == n &&
              json_integer_value(daas_kube_path(d, "status.replicas")) == n &&
              json_integer_value(daas_kube_path(d, "status.observedGeneration")) ==
                  json_integer_value(daas_kube_path(d, "metadata.generation"));
    json_decref(d);
    if (!ok)
        run_pods(f, arg);
    return ok;
}

/* Pod arg has no controller reference. */
static bool released(void *fv, const void *arg)
{
    json_t *pod = get(fv, ((fx *)fv)->pods, arg);
    bool ok = daas_ctrl_controller_ref(pod) == NULL;
    json_decref(pod);
    return ok;
}

static void create_deployment(fx *f, const char *name, int replicas)
{
    json_t *d = json_pack("{s:s,s:s,s:{s:s},s:{s:i,s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}}}}",
                          "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", name,
                          "spec", "replicas", replicas, "selector", "matchLabels", "app", name,
                          "template", "metadata", "labels", "app", name, "spec", "containers",
                          "name", "c", "image", "busybox:1");
    json_decref(ctrl_t_create(&f->t, f->deps, "default", d));
}

/* ---- tests ---- */

static void test_create_and_available(void **state)
{
    fx *f = *state;
    create_deployment(f, "web", 3);
    want w = {f->pods, "labelSelector=app%3Dweb", 3};
    assert_true(ctrl_t_eventually(has_count, f, &w));
    json_t *rss = list(f, f->rss, NULL);
    assert_int_equal(json_array_size(rss), 1);
    json_t *rs = json_array_get(rss, 0);
    const char *hash = daas_kube_str(rs, "metadata.labels.pod-template-hash");
    assert_non_null(hash);
    char want_name[64];
    snprintf(want_name, sizeof want_name, "web-%s", hash);
    assert_string_equal(daas_kube_str(rs, "metadata.name"), want_name);
    assert_string_equal(daas_kube_str(daas_ctrl_controller_ref(rs), "kind"), "Deployment");
    assert_string_equal(annotation(rs, "deployment.kubernetes.io/revision"), "1");
    json_t *pods = list(f, f->pods, NULL);
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        assert_true(daas_ctrl_owned_by(pod, daas_kube_str(rs, "metadata.uid")));
        assert_string_equal(daas_kube_str(pod, "metadata.labels.pod-template-hash"), hash);
        assert_null(daas_kube_str(pod, "spec.nodeName"));
    }
    json_decref(pods);
    json_decref(rss);
    assert_true(ctrl_t_eventually(deploy_available, f, "web"));
    json_t *d = get(f, f->deps, "web");
    json_t *conds = daas_kube_path(d, "status.conditions");
    bool available = false, progressed = false;
    json_array_foreach(conds, i, pod)
    {
        const char *t = daas_kube_str(pod, "type"), *r = daas_kube_str(pod, "reason");
        available |=
            strcmp(t, "Available") == 0 && strcmp(daas_kube_str(pod, "status"), "True") == 0;
        progressed |= strcmp(t, "Progressing") == 0 && strcmp(r, "NewReplicaSetAvailable") == 0;
    }
    assert_true(available);
    assert_true(progressed);
    json_decref(d);
    want ev = {f->events, "fieldSelector=reason%3DSuccessfulCreate", 3};
    assert_true(ctrl_t_eventually(has_count, f, &ev));
}

typedef struct rolled {
    const char *name;
    int64_t min_available; /* lowest ready count seen among pods not being deleted */
} rolled;

/* The template changed: two ReplicaSets until the new one holds every replica. */
static bool rolled_out(void *fv, const void *arg)
{
    fx *f = fv;
    rolled *r = (rolled *)arg; /* the min is the test's own bookkeeping */
    json_t *pods = list(f, f->pods, "labelSelector=app%3Dweb");
    int64_t ready = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod) ready +=
        daas_ctrl_pod_ready(pod, NULL) && !daas_kube_str(pod, "metadata.deletionTimestamp");
    json_decref(pods);
    if (ready < r->min_available)
        r->min_available = ready;
    return deploy_available(f, r->name) &&
           ctrl_t_len(list(f, f->pods, "labelSelector=app%3Dweb")) == 4;
}

static void test_rolling_update(void **state)
{
    fx *f = *state;
    create_deployment(f, "web", 4);
    assert_true(ctrl_t_eventually(deploy_available, f, "web"));
    ctrl_t_patch(&f->t, f->deps, "default", "web", NULL, DAAS_CTRL_PATCH_STRATEGIC,
                 json_pack("{s:{s:{s:{s:[{s:s,s:s}]}}}}", "spec", "template", "spec", "containers",
                           "name", "c", "image", "busybox:2"));
    want two = {f->rss, NULL, 2};
    assert_true(ctrl_t_eventually(has_count, f, &two));
    rolled r = {"web", 4};
    /* Pods deleted by the ReplicaSet controller go at once (no node: no grace). */
    assert_true(ctrl_t_eventually(rolled_out, f, &r));
    assert_true(r.min_available >= 3); /* maxUnavailable 25% of 4 */
    json_t *d = get(f, f->deps, "web");
    assert_string_equal(annotation(d, "deployment.kubernetes.io/revision"), "2");
    json_decref(d);
    json_t *pods = list(f, f->pods, "labelSelector=app%3Dweb");
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod) assert_string_equal(
        json_string_value(
            json_object_get(json_array_get(daas_kube_path(pod, "spec.containers"), 0), "image")),
        "busybox:2");
    json_decref(pods);
}

static void test_adopt_and_release(void **state)
{
    fx *f = *state;
    create_deployment(f, "web", 2);
    assert_true(ctrl_t_eventually(deploy_available, f, "web"));
    json_t *rss = list(f, f->rss, NULL);
    json_t *rs = json_incref(json_array_get(rss, 0));
    json_decref(rss);
    const char *hash = daas_kube_str(rs, "metadata.labels.pod-template-hash");
    /* An orphan with the ReplicaSet's labels is adopted, then one pod too many is deleted. */
    json_t *orphan =
        json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s}},s:{s:[{s:s,s:s}]}}", "apiVersion", "v1", "kind",
                  "Pod", "metadata", "name", "orphan", "labels", "app", "web", "pod-template-hash",
                  hash, "spec", "containers", "name", "c", "image", "busybox:1");
    json_decref(ctrl_t_create(&f->t, f->pods, "default", orphan));
    want two = {f->pods, "labelSelector=app%3Dweb", 2};
    assert_true(ctrl_t_eventually(has_count, f, &two));
    json_t *pods = list(f, f->pods, "labelSelector=app%3Dweb");
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
        assert_true(daas_ctrl_owned_by(pod, daas_kube_str(rs, "metadata.uid")));
    /* A pod relabelled out of the selector is released and replaced. */
    const char *name = daas_kube_str(json_array_get(pods, 0), "metadata.name");
    ctrl_t_patch(&f->t, f->pods, "default", name, NULL, DAAS_CTRL_PATCH_MERGE,
                 json_pack("{s:{s:{s:s}}}", "metadata", "labels", "app", "other"));
    assert_true(ctrl_t_eventually(has_count, f, &two));
    assert_true(ctrl_t_eventually(released, f, name));
    json_decref(pods);
    json_decref(rs);
}

static void test_scale_down(void **state)
{
    fx *f = *state;
    create_deployment(f, "web", 5);
    assert_true(ctrl_t_eventually(deploy_available, f, "web"));
    ctrl_t_patch(&f->t, f->deps, "default", "web", "scale", DAAS_CTRL_PATCH_MERGE,
                 json_pack("{s:{s:i}}", "spec", "replicas", 1));
    want one = {f->pods, "labelSelector=app%3Dweb", 1};
    assert_true(ctrl_t_eventually(has_count, f, &one));
    assert_true(ctrl_t_eventually(deploy_available, f, "web"));
    want ev = {f->events, "fieldSelector=reason%3DSuccessfulDelete", 4};
    assert_true(ctrl_t_eventually(has_count, f, &ev));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_available, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_rolling_update, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_adopt_and_release, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_scale_down, setup, ctrl_t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
