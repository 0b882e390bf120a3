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
    ctrl_tfx t;
    daas_ctrl_mgr *m;
    const daas_kube_kind *deps, *rss, *pods, *events;
} fx;

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    daas_err e = {0};
    ctrl_t_open(&f->t, "daas-deployctl", 0, false, NULL);
    f->deps = daas_ctrl_kind("deployments");
    f->rss = daas_ctrl_kind("replicasets");
    f->pods = daas_ctrl_kind("pods");
    f->events = daas_ctrl_kind("events");
    f->m = daas_ctrl_mgr_new(&(daas_ctrl_mgr_config){.api = f->t.api, .store = f->t.store});
    daas_ctrl_opts o = {0};
    assert_int_equal(daas_ctrl_replicaset_register(f->m, &o, &e), DAAS_OK);
    assert_int_equal(daas_ctrl_deployment_register(f->m, &o, &e), DAAS_OK);
    assert_int_equal(daas_ctrl_mgr_start(f->m, &e), DAAS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    daas_ctrl_mgr_free(&f->m);
    ctrl_t_close(&f->t);
    daas_free(f);
    return 0;
}

/* ---- helpers ---- */

static json_t *list(fx *f, const daas_kube_kind *k, const char *query)
{
    daas_err e = {0};
    char *path = daas_ctrl_path(k, "default", NULL, NULL);
    char *full = daas_xasprintf("%s%s%s", path, query ? "?" : "", query ? query : "");
    json_t *out = NULL;
    assert_int_equal(daas_ctrl_client_do(f->t.c, "GET", full, NULL, NULL, &out, NULL, &e),
                     DAAS_OK);
    daas_free(full);
    daas_free(path);
    json_t *items = json_incref(json_object_get(out, "items"));
    json_decref(out);
    return items;
}

static size_t count(fx *f, const daas_kube_kind *k, const char *query)
{
    json_t *items = list(f, k, query);
    size_t n = json_array_size(items);
    json_decref(items);
    return n;
}

/* Waits (at most 10 s) until cond(f, arg) holds. */
static bool eventually(bool (*cond)(fx *, const void *), fx *f, const void *arg)
{
    for (int i = 0; i < 1000; i++) {
        if (cond(f, arg))
            return true;
        usleep(10000);
    }
    return false;
}

typedef struct want {
    const daas_kube_kind *k;
    const char *query;
    size_t n;
} want;

static bool has_count(fx *f, const void *arg)
{
    const want *w = arg;
    return count(f, w->k, w->query) == w->n;
}

static const char *annotation(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(daas_kube_path(obj, "metadata.annotations"), key));
    return v ? v : "";
}

static json_t *get(fx *f, const daas_kube_kind *k, const char *name)
{
    daas_err e = {0};
    json_t *out = NULL;
    assert_int_equal(daas_ctrl_client_get(f->t.c, k, "default", name, &out, &e), DAAS_OK);
    return out;
}

/* The kubelet's part: every pending pod of app becomes Running and Ready; returns how many. */
static int run_pods(fx *f, const char *app)
{
    char q[64];
    snprintf(q, sizeof q, "labelSelector=app%%3D%s", app);
    json_t *items = list(f, f->pods, q);
    size_t i;
    json_t *pod;
    int n = 0;
    char ts[32];
    daas_time_rfc3339(daas_now_ms() / 1000 - 5, ts, sizeof ts);
    json_array_foreach(items, i, pod) {
        if (daas_ctrl_pod_ready(pod, NULL) || daas_kube_str(pod, "metadata.deletionTimestamp"))
            continue;
        json_object_set_new(pod, "status",
                            json_pack("{s:s,s:s,s:[{s:s,s:s,s:s}]}", "phase", "Running", "podIP",
                                      "10.0.0.1", "conditions", "type", "Ready", "status", "True",
                                      "lastTransitionTime", ts));
        daas_err e = {0};
        if (daas_ctrl_client_update(f->t.c, f->pods, pod, "status", NULL, &e) == DAAS_OK)
            n++;
    }
    json_decref(items);
    return n;
}

static bool deploy_available(fx *f, const void *arg)
{
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

static void create_deployment(fx *f, const char *name, int replicas)
{
    daas_err e = {0};
    json_t *d = json_pack("{s:s,s:s,s:{s:s},s:{s:i,s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}}}}",
                          "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", name,
                          "spec", "replicas", replicas, "selector", "matchLabels", "app", name,
                          "template", "metadata", "labels", "app", name, "spec", "containers",
                          "name", "c", "image", "busybox:1");
    assert_int_equal(daas_ctrl_client_create(f->t.c, f->deps, "default", d, NULL, &e), DAAS_OK);
    json_decref(d);
}

/* ---- tests ---- */

static void test_create_and_available(void **state)
{
    fx *f = *state;
    create_deployment(f, "web", 3);
    want w = {f->pods, "labelSelector=app%3Dweb", 3};
    assert_true(eventually(has_count, f, &w));
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
    json_array_foreach(pods, i, pod) {
        assert_true(daas_ctrl_owned_by(pod, daas_kube_str(rs, "metadata.uid")));
        assert_string_equal(daas_kube_str(pod, "metadata.labels.pod-template-hash"), hash);
        assert_null(daas_kube_str(pod, "spec.nodeName"));
    }
    json_decref(pods);
    json_decref(rss);
    assert_true(eventually(deploy_available, f, "web"));
    json_t *d = get(f, f->deps, "web");
    json_t *conds = daas_kube_path(d, "status.conditions");
    bool available = false, progressed = false;
    json_array_foreach(conds, i, pod) {
        const char *t = daas_kube_str(pod, "type"), *r = daas_kube_str(pod, "reason");
        available |= strcmp(t, "Available") == 0 && strcmp(daas_kube_str(pod, "status"), "True") == 0;
        progressed |= strcmp(t, "Progressing") == 0 && strcmp(r, "NewReplicaSetAvailable") == 0;
    }
    assert_true(available);
    assert_true(progressed);
    json_decref(d);
    want ev = {f->events, "fieldSelector=reason%3DSuccessfulCreate", 3};
    assert_true(eventually(has_count, f, &ev));
}

typedef struct rolled {
    const char *name;
    int64_t min_available; /* lowest ready count seen among pods not being deleted */
} rolled;

/* The template changed: two ReplicaSets until the new one holds every replica. */
static bool rolled_out(fx *f, const void *arg)
{
    rolled *r = (rolled *)arg; /* the min is the test's own bookkeeping */
    json_t *pods = list(f, f->pods, "labelSelector=app%3Dweb");
    int64_t ready = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
        ready += daas_ctrl_pod_ready(pod, NULL) && !daas_kube_str(pod, "metadata.deletionTimestamp");
    json_decref(pods);
    if (ready < r->min_available)
        r->min_available = ready;
    return deploy_available(f, r->name) && count(f, f->pods, "labelSelector=app%3Dweb") == 4;
}

static void test_rolling_update(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    create_deployment(f, "web", 4);
    assert_true(eventually(deploy_available, f, "web"));
    json_t *patch = json_pack("{s:{s:{s:{s:[{s:s,s:s}]}}}}", "spec", "template", "spec",
                              "containers", "name", "c", "image", "busybox:2");
    assert_int_equal(daas_ctrl_client_patch(f->t.c, f->deps, "default", "web", NULL,
                                            DAAS_CTRL_PATCH_STRATEGIC, patch, NULL, &e),
                     DAAS_OK);
    json_decref(patch);
    want two = {f->rss, NULL, 2};
    assert_true(eventually(has_count, f, &two));
    rolled r = {"web", 4};
    /* Pods deleted by the ReplicaSet controller go at once (no node: no grace). */
    assert_true(eventually(rolled_out, f, &r));
    assert_true(r.min_available >= 3); /* maxUnavailable 25% of 4 */
    json_t *d = get(f, f->deps, "web");
    assert_string_equal(annotation(d, "deployment.kubernetes.io/revision"), "2");
    json_decref(d);
    json_t *pods = list(f, f->pods, "labelSelector=app%3Dweb");
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(daas_kube_path(pod, "spec.containers"), 0), "image")),
                            "busybox:2");
    json_decref(pods);
}

static void test_adopt_and_release(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    create_deployment(f, "web", 2);
    assert_true(eventually(deploy_available, f, "web"));
    json_t *rss = list(f, f->rss, NULL);
    json_t *rs = json_incref(json_array_get(rss, 0));
    json_decref(rss);
    const char *hash = daas_kube_str(rs, "metadata.labels.pod-template-hash");
    /* An orphan with the ReplicaSet's labels is adopted, then one pod too many is deleted. */
    json_t *orphan = json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s}},s:{s:[{s:s,s:s}]}}", "apiVersion",
                               "v1", "kind", "Pod", "metadata", "name", "orphan", "labels", "app",
                               "web", "pod-template-hash", hash, "spec", "containers", "name", "c",
                               "image", "busybox:1");
    assert_int_equal(daas_ctrl_client_create(f->t.c, f->pods, "default", orphan, NULL, &e), DAAS_OK);
    json_decref(orphan);
    want two = {f->pods, "labelSelector=app%3Dweb", 2};
    for (int i = 0; i < 1000 && !has_count(f, &two); i++)
        usleep(10000);
    assert_true(has_count(f, &two));
    json_t *pods = list(f, f->pods, "labelSelector=app%3Dweb");
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
        assert_true(daas_ctrl_owned_by(pod, daas_kube_str(rs, "metadata.uid")));
    /* A pod relabelled out of the selector is released and replaced. */
    const char *name = daas_kube_str(json_array_get(pods, 0), "metadata.name");
    json_t *relabel = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "app", "other");
    assert_int_equal(daas_ctrl_client_patch(f->t.c, f->pods, "default", name, NULL,
                                            DAAS_CTRL_PATCH_MERGE, relabel, NULL, &e),
                     DAAS_OK);
    json_decref(relabel);
    assert_true(eventually(has_count, f, &two));
    json_t *released = NULL;
    for (int j = 0; j < 1000; j++) {
        json_decref(released);
        released = get(f, f->pods, name);
        if (daas_ctrl_controller_ref(released) == NULL)
            break;
        usleep(10000);
    }
    assert_null(daas_ctrl_controller_ref(released));
    json_decref(released);
    json_decref(pods);
    json_decref(rs);
}

static void test_scale_down(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    create_deployment(f, "web", 5);
    assert_true(eventually(deploy_available, f, "web"));
    json_t *patch = json_pack("{s:{s:i}}", "spec", "replicas", 1);
    assert_int_equal(daas_ctrl_client_patch(f->t.c, f->deps, "default", "web", "scale",
                                            DAAS_CTRL_PATCH_MERGE, patch, NULL, &e),
                     DAAS_OK);
    json_decref(patch);
    want one = {f->pods, "labelSelector=app%3Dweb", 1};
    assert_true(eventually(has_count, f, &one));
    assert_true(eventually(deploy_available, f, "web"));
    want ev = {f->events, "fieldSelector=reason%3DSuccessfulDelete", 4};
    assert_true(eventually(has_count, f, &ev));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_available, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolling_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adopt_and_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scale_down, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
