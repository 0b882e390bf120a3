/*
 * test_ds_ctl.c: the DaemonSet controller (src/ctrl/daemonset_ctl.c) running in a manager
 * over a real API and store, the test playing the kubelet (PUT pods/NAME/status Ready):
 * three nodes of which one is eligible (one tainted NoSchedule, one not matching the node
 * selector) get exactly one pod pinned by a matchFields node affinity; a new node gets its
 * pod; a template change under RollingUpdate maxUnavailable 1 replaces the old pods one at a
 * time as the new ones become ready; ControllerRevisions 1 and 2 (name, hash label shared
 * with the pods, owner, the getPatch data); a rollback to the first template moves its
 * revision to 3; spec.revisionHistoryLimit prunes revisions no pod uses.
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
#include "ctrl/daemonset.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct fx {
    ctrl_tfx t; /* first: ctrl_t_fx_new, ctrl_t_teardown */
    const daas_kube_kind *ds, *pods, *nodes;
} fx;

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-dsctl");
    f->ds = daas_ctrl_kind("daemonsets");
    f->pods = daas_ctrl_kind("pods");
    f->nodes = daas_ctrl_kind("nodes");
    CTRL_T_MGR(&f->t, NULL, true, daas_ctrl_daemonset_register);
    *state = f;
    return 0;
}

/* ---- helpers ---- */

static void create_node(fx *f, const char *name, const char *role, const char *taint)
{
    json_t *n = json_pack("{s:s,s:s,s:{s:s,s:{s:s}}}", "apiVersion", "v1", "kind", "Node",
                          "metadata", "name", name, "labels", "role", role);
    if (taint)
        daas_kube_set(
            n, "spec.taints",
            json_pack("[{s:s,s:s,s:s}]", "key", taint, "value", "x", "effect", "NoSchedule"));
    json_decref(ctrl_t_create(&f->t, f->nodes, NULL, n));
}

static void create_ds(fx *f, const char *extra_spec)
{
    json_t *extra = json_loads(extra_spec, 0, NULL);
    assert_non_null(extra);
    json_t *ds = json_pack("{s:s,s:s,s:{s:s},s:{s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:{s:s},"
                           "s:[{s:s,s:s}]}}}}",
                           "apiVersion", "apps/v1", "kind", "DaemonSet", "metadata", "name",
                           "agent", "spec", "selector", "matchLabels", "app", "agent", "template",
                           "metadata", "labels", "app", "agent", "spec", "nodeSelector", "role",
                           "worker", "containers", "name", "c", "image", "busybox:1");
    assert_non_null(ds);
    json_object_update(json_object_get(ds, "spec"), extra);
    json_decref(extra);
    json_decref(ctrl_t_create(&f->t, f->ds, "default", ds));
}

static json_t *get_ds(fx *f)
{
    json_t *ds = ctrl_t_get(&f->t, f->ds, "default", "agent");
    assert_non_null(ds);
    return ds;
}

/* The node a daemon pod is pinned to. */
static const char *pinned(const json_t *pod)
{
    json_t *t = json_array_get(daas_kube_path(pod, "spec.affinity.nodeAffinity."
                                                   "requiredDuringSchedulingIgnoredDuringExecution."
                                                   "nodeSelectorTerms"),
                               0);
    json_t *m = json_array_get(json_object_get(t, "matchFields"), 0);
    if (json_array_size(json_object_get(t, "matchFields")) != 1 ||
        strcmp(daas_kube_str(m, "key") ?: "", "metadata.name") != 0 ||
        strcmp(daas_kube_str(m, "operator") ?: "", "In") != 0)
        return NULL;
    return json_string_value(json_array_get(json_object_get(m, "values"), 0));
}

static const char *hash_of(const json_t *obj)
{
    return json_string_value(
        json_object_get(daas_kube_path(obj, "metadata.labels"), DAAS_CTRL_DS_HASH_LABEL));
}

/* The DaemonSet's pods not being deleted; hash NULL: any. */
static json_t *ds_pods(fx *f, const char *hash)
{
    json_t *all = ctrl_t_list(&f->t, "/api/v1/namespaces/default/pods?labelSelector=app%%3Dagent");
    json_t *res = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p)
    {
        if (daas_kube_path(p, "metadata.deletionTimestamp"))
            continue;
        if (hash == NULL || strcmp(hash_of(p) ?: "", hash) == 0)
            json_array_append(res, p);
    }
    json_decref(all);
    return res;
}

static size_t n_pods(fx *f, const char *hash)
{
    return ctrl_t_len(ds_pods(f, hash));
}

/* The revisions, ascending by revision number. */
static json_t *revisions(fx *f)
{
    json_t *all = ctrl_t_list(&f->t, "/apis/apps/v1/namespaces/default/controllerrevisions");
    json_t *v = json_array();
    for (int64_t r = 1; r < 100 && json_array_size(v) < json_array_size(all); r++) {
        size_t i;
        json_t *cr;
        json_array_foreach(all, i, cr) if (daas_kube_int(cr, "revision", 0) == r)
            json_array_append(v, cr);
    }
    json_decref(all);
    return v;
}

typedef struct want {
    const char *hash; /* NULL: any */
    size_t n;
} want;

static bool pods_are(void *f, const void *arg)
{
    const want *w = arg;
    return n_pods(f, w->hash) == w->n;
}

/* "node1,node4": the nodes the pods (hash: NULL any) are pinned to, sorted. */
static void nodes_of(fx *f, const char *hash, char *out, size_t n)
{
    json_t *pods = ds_pods(f, hash);
    const char *names[8] = {0};
    size_t k = 0, i;
    json_t *p;
    json_array_foreach(pods, i, p) if (k < 8) names[k++] = pinned(p);
    for (size_t a = 0; a < k; a++)
        for (size_t b = a + 1; b < k; b++)
            if (strcmp(names[b] ?: "", names[a] ?: "") < 0) {
                const char *t = names[a];
                names[a] = names[b];
                names[b] = t;
            }
    out[0] = '\0';
    for (size_t a = 0; a < k; a++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", a ? "," : "", names[a] ?: "?");
    json_decref(pods);
}

static bool status_is(void *f, const void *arg)
{
    const int64_t *w = arg; /* desired, updated, available */
    json_t *ds = get_ds(f);
    bool ok = daas_kube_int(ds, "status.desiredNumberScheduled", -1) == w[0] &&
              daas_kube_int(ds, "status.updatedNumberScheduled", 0) == w[1] &&
              daas_kube_int(ds, "status.numberAvailable", 0) == w[2];
    json_decref(ds);
    return ok;
}

/* Plays the kubelet: every pod of hash (not ready yet) runs and is Ready. Returns how many. */
static int make_ready(fx *f, const char *hash)
{
    json_t *pods = ds_pods(f, hash);
    int n = ctrl_t_make_ready(&f->t, pods, NULL);
    json_decref(pods);
    return n;
}

static void set_image(fx *f, const char *image)
{
    ctrl_t_patch(&f->t, f->ds, "default", "agent", NULL, DAAS_CTRL_PATCH_STRATEGIC,
                 json_pack("{s:{s:{s:{s:[{s:s,s:s}]}}}}", "spec", "template", "spec", "containers",
                           "name", "c", "image", image));
}

typedef struct want_revs {
    int64_t revs[4]; /* ascending, 0-terminated */
} want_revs;

static bool revs_are(void *f, const void *arg)
{
    const want_revs *w = arg;
    json_t *v = revisions(f);
    bool ok = true;
    size_t k = 0;
    while (k < 4 && w->revs[k])
        k++;
    ok = json_array_size(v) == k;
    for (size_t i = 0; ok && i < k; i++)
        ok = daas_kube_int(json_array_get(v, i), "revision", 0) == w->revs[i];
    json_decref(v);
    return ok;
}

/* ---- tests ---- */

static void check_revision(const json_t *cr, const json_t *ds, const char *hash, int64_t rev)
{
    char name[64];
    snprintf(name, sizeof name, "agent-%s", hash);
    assert_string_equal(daas_kube_str(cr, "metadata.name"), name);
    assert_string_equal(hash_of(cr), hash);
    assert_string_equal(daas_kube_str(cr, "metadata.labels.app"), "agent");
    assert_int_equal(daas_kube_int(cr, "revision", 0), rev);
    json_t *ref = json_array_get(daas_kube_path(cr, "metadata.ownerReferences"), 0);
    assert_string_equal(daas_kube_str(ref, "kind"), "DaemonSet");
    assert_string_equal(daas_kube_str(ref, "uid"), daas_kube_str(ds, "metadata.uid"));
    assert_true(json_is_true(json_object_get(ref, "controller")));
    assert_string_equal(daas_kube_str(cr, "data.spec.template.$patch"), "replace");
    assert_non_null(daas_kube_path(cr, "data.spec.template.spec.containers"));
}

/* The first template's pods on node1 only, then node4 joins. Returns hash 1 (new). */
static char *place(fx *f)
{
    create_node(f, "node1", "worker", NULL);
    create_node(f, "node2", "worker", "dedicated");
    create_node(f, "node3", "db", NULL);
    create_ds(f, "{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":"
                 "{\"maxUnavailable\":1}}}");
    assert_true(ctrl_t_eventually(pods_are, f, &(want){NULL, 1}));
    char nodes[128];
    nodes_of(f, NULL, nodes, sizeof nodes);
    assert_string_equal(nodes, "node1");
    json_t *pods = ds_pods(f, NULL);
    json_t *pod = json_array_get(pods, 0);
    char *h1 = daas_xstrdup(hash_of(pod));
    assert_null(daas_kube_str(pod, "spec.nodeName"));
    assert_string_equal(
        daas_kube_str(json_array_get(daas_kube_path(pod, "metadata.ownerReferences"), 0), "kind"),
        "DaemonSet");
    json_decref(pods);
    assert_true(ctrl_t_eventually(status_is, f, (int64_t[]){1, 1, 0}));
    /* a new eligible node gets its pod */
    create_node(f, "node4", "worker", NULL);
    assert_true(ctrl_t_eventually(pods_are, f, &(want){NULL, 2}));
    nodes_of(f, NULL, nodes, sizeof nodes);
    assert_string_equal(nodes, "node1,node4");
    assert_int_equal(make_ready(f, NULL), 2);
    assert_true(ctrl_t_eventually(status_is, f, (int64_t[]){2, 2, 2}));
    return h1;
}

/* Waits until the rollout has deleted one old pod and created its replacement, then checks
 * that it goes no further while the new pod is not ready. Returns the new hash (new). */
static char *one_step(fx *f, const char *h_old, size_t old_left)
{
    assert_true(ctrl_t_eventually(pods_are, f, &(want){h_old, old_left}));
    assert_true(ctrl_t_eventually(pods_are, f, &(want){NULL, 2}));
    json_t *all = ds_pods(f, NULL);
    char *h_new = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p) if (strcmp(hash_of(p), h_old) != 0 && h_new == NULL) h_new =
        daas_xstrdup(hash_of(p));
    json_decref(all);
    assert_non_null(h_new);
    usleep(200000); /* never below availability: the other old pod stays while this is unready */
    assert_int_equal(n_pods(f, h_old), old_left);
    assert_int_equal(make_ready(f, h_new), 1);
    return h_new;
}

static void test_place_roll_and_history(void **state)
{
    fx *f = *state;
    char *h1 = place(f);
    json_t *ds = get_ds(f);
    json_t *v = revisions(f);
    assert_int_equal(json_array_size(v), 1);
    check_revision(json_array_get(v, 0), ds, h1, 1);
    json_decref(v);
    /* rolling update, maxUnavailable 1: one old pod at a time */
    set_image(f, "busybox:2");
    char *h2 = one_step(f, h1, 1);
    char *h2b = one_step(f, h1, 0);
    assert_string_equal(h2, h2b);
    assert_true(ctrl_t_eventually(status_is, f, (int64_t[]){2, 2, 2}));
    char nodes[128];
    nodes_of(f, h2, nodes, sizeof nodes);
    assert_string_equal(nodes, "node1,node4");
    assert_true(ctrl_t_eventually(revs_are, f, &(want_revs){{1, 2}}));
    v = revisions(f);
    check_revision(json_array_get(v, 0), ds, h1, 1);
    check_revision(json_array_get(v, 1), ds, h2, 2);
    /* kubectl rollout undo: revision 1's data as a strategic merge patch */
    ctrl_t_patch(&f->t, f->ds, "default", "agent", NULL, DAAS_CTRL_PATCH_STRATEGIC,
                 json_incref(json_object_get(json_array_get(v, 0), "data")));
    json_decref(v);
    assert_true(ctrl_t_eventually(revs_are, f, &(want_revs){{2, 3}}));
    v = revisions(f);
    check_revision(json_array_get(v, 0), ds, h2, 2);
    check_revision(json_array_get(v, 1), ds, h1, 3);
    json_decref(v);
    daas_free(one_step(f, h2, 1));
    daas_free(one_step(f, h2, 0));
    assert_true(ctrl_t_eventually(pods_are, f, &(want){h1, 2}));
    json_decref(ds);
    daas_free(h2b);
    daas_free(h2);
    daas_free(h1);
}

/* revisionHistoryLimit 0: once no pod carries the old hash, its revision goes. */
static void test_history_limit(void **state)
{
    fx *f = *state;
    create_node(f, "node1", "worker", NULL);
    create_ds(f, "{\"revisionHistoryLimit\":0}");
    assert_true(ctrl_t_eventually(pods_are, f, &(want){NULL, 1}));
    assert_int_equal(make_ready(f, NULL), 1);
    assert_true(ctrl_t_eventually(revs_are, f, &(want_revs){{1}}));
    set_image(f, "busybox:2");
    /* the old pod goes (it was available, maxUnavailable defaults to 1), a new one comes */
    assert_true(ctrl_t_eventually(revs_are, f, &(want_revs){{2}}));
    json_t *pods = ds_pods(f, NULL);
    json_t *v = revisions(f);
    assert_int_equal(json_array_size(pods), 1);
    assert_string_equal(hash_of(json_array_get(pods, 0)), hash_of(json_array_get(v, 0)));
    json_decref(v);
    json_decref(pods);
    /* events: the creates are recorded on the DaemonSet */
    assert_int_equal(
        ctrl_t_count_events(&f->t, "default", "DaemonSet", NULL, "SuccessfulCreate", NULL), 2);
    assert_int_equal(
        ctrl_t_count_events(&f->t, "default", "DaemonSet", NULL, "SuccessfulDelete", NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_place_roll_and_history, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_history_limit, setup, ctrl_t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
