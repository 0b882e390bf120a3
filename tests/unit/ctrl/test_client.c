/*
 * test_client.c: the in-process API client against a real API over SQLite with x509
 * authentication: the controller identity, create (durable when it returns), get, update with
 * a stale resourceVersion (Conflict), the three patch types, the status and scale
 * subresources, delete with options, Status codes mapped back (NotFound, AlreadyExists,
 * Invalid), and Events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/alloc.h"
#include "ctrl/ctrl.h"
#include "kube/kind.h"
#include "kube/obj.h"
#include "store/store.h"

typedef struct fx {
    ctrl_tfx t;
} fx;

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    ctrl_t_open(&f->t, "daas-ctrlclient", 0, true, "test-controller");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ctrl_t_close(&f->t);
    daas_free(f);
    return 0;
}

static const daas_kube_kind *kind(const char *group, const char *res)
{
    const daas_kube_kind *k = daas_kube_kind_by_resource(group, "v1", res);
    assert_non_null(k);
    return k;
}

static json_t *deployment(const char *name, int replicas)
{
    json_t *d = json_pack("{s:s,s:s,s:{s:s},s:{s:i,s:{s:{s:s}},s:{s:{s:{s:s}},s:{s:[{s:s,s:s}]}}}}",
                          "apiVersion", "apps/v1", "kind", "Deployment", "metadata", "name", name,
                          "spec", "replicas", replicas, "selector", "matchLabels", "app", name,
                          "template", "metadata", "labels", "app", name, "spec", "containers",
                          "name", "c", "image", "busybox");
    assert_non_null(d);
    return d;
}

static void test_identity(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    json_t *ssr = json_pack("{s:s,s:s}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "SelfSubjectReview"),
           *out = NULL;
    assert_int_equal(daas_ctrl_client_do(f->t.c, "POST",
                                         "/apis/authentication.k8s.io/v1/selfsubjectreviews", NULL,
                                         ssr, &out, NULL, &e),
                     DAAS_OK);
    assert_string_equal(daas_kube_str(out, "status.userInfo.username"),
                        "system:kube-controller-manager");
    json_t *groups = daas_kube_path(out, "status.userInfo.groups");
    bool masters = false;
    for (size_t i = 0; i < json_array_size(groups); i++)
        masters |= strcmp(json_string_value(json_array_get(groups, i)), "system:masters") == 0;
    assert_true(masters);
    json_decref(out);
    json_decref(ssr);
}

static void test_create_get_update_conflict(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    const daas_kube_kind *dk = kind("apps", "deployments");
    json_t *d = deployment("web", 2), *out = NULL, *got = NULL;
    assert_int_equal(daas_ctrl_client_create(f->t.c, dk, "default", d, &out, &e), DAAS_OK);
    /* defaulting ran: strategy and a uid */
    assert_string_equal(daas_kube_str(out, "spec.strategy.type"), "RollingUpdate");
    assert_non_null(daas_kube_str(out, "metadata.uid"));
    /* durable and visible in the store when create returned (no loop: synchronous write) */
    daas_kv kv = {0};
    assert_int_equal(daas_store_get(f->t.store, "/registry/deployments/default/web", &kv, &e),
                     DAAS_OK);
    daas_kv_fini(&kv);
    /* a second create: AlreadyExists */
    daas_err e2 = {0};
    assert_int_equal(daas_ctrl_client_create(f->t.c, dk, "default", d, NULL, &e2), DAAS_EEXIST);
    assert_non_null(strstr(e2.msg, "already exists"));
    assert_int_equal(daas_ctrl_client_get(f->t.c, dk, "default", "web", &got, &e), DAAS_OK);
    assert_string_equal(daas_kube_str(got, "metadata.uid"), daas_kube_str(out, "metadata.uid"));
    /* update with the current resourceVersion works; the same body again is stale */
    json_t *upd = json_deep_copy(got);
    daas_kube_set(upd, "spec.replicas", json_integer(3));
    json_t *after = NULL;
    assert_int_equal(daas_ctrl_client_update(f->t.c, dk, upd, NULL, &after, &e), DAAS_OK);
    assert_int_equal(daas_kube_int(after, "spec.replicas", 0), 3);
    assert_int_equal(daas_kube_int(after, "metadata.generation", 0), 2);
    daas_kube_set(upd, "spec.replicas", json_integer(4));
    daas_err e3 = {0};
    assert_int_equal(daas_ctrl_client_update(f->t.c, dk, upd, NULL, NULL, &e3), DAAS_ECONFLICT);
    /* not found */
    daas_err e4 = {0};
    assert_int_equal(daas_ctrl_client_get(f->t.c, dk, "default", "nope", NULL, &e4), DAAS_ENOTFOUND);
    assert_string_equal(e4.msg, "deployments.apps \"nope\" not found");
    json_decref(after);
    json_decref(upd);
    json_decref(got);
    json_decref(out);
    json_decref(d);
}

static void test_invalid(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    json_t *d = deployment("bad", -1);
    assert_int_equal(
        daas_ctrl_client_create(f->t.c, kind("apps", "deployments"), "default", d, NULL, &e),
        DAAS_EINVALID);
    assert_non_null(strstr(e.msg, "spec.replicas"));
    json_decref(d);
}

static void test_patches_and_subresources(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    const daas_kube_kind *dk = kind("apps", "deployments");
    json_t *d = deployment("p", 1), *out = NULL;
    assert_int_equal(daas_ctrl_client_create(f->t.c, dk, "default", d, NULL, &e), DAAS_OK);
    json_t *mp = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "tier", "web");
    assert_int_equal(
        daas_ctrl_client_patch(f->t.c, dk, "default", "p", NULL, DAAS_CTRL_PATCH_MERGE, mp, &out, &e),
        DAAS_OK);
    assert_string_equal(daas_kube_str(out, "metadata.labels.tier"), "web");
    json_decref(out);
    /* strategic: containers merge by name (the image changes, the container stays one) */
    json_t *sp = json_pack("{s:{s:{s:{s:[{s:s,s:s}]}}}}", "spec", "template", "spec", "containers",
                           "name", "c", "image", "nginx");
    assert_int_equal(daas_ctrl_client_patch(f->t.c, dk, "default", "p", NULL,
                                            DAAS_CTRL_PATCH_STRATEGIC, sp, &out, &e),
                     DAAS_OK);
    json_t *cs = daas_kube_path(out, "spec.template.spec.containers");
    assert_int_equal(json_array_size(cs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cs, 0), "image")),
                        "nginx");
    json_decref(out);
    json_t *jp =
        json_pack("[{s:s,s:s,s:i}]", "op", "replace", "path", "/spec/replicas", "value", 5);
    assert_int_equal(
        daas_ctrl_client_patch(f->t.c, dk, "default", "p", NULL, DAAS_CTRL_PATCH_JSON, jp, &out, &e),
        DAAS_OK);
    assert_int_equal(daas_kube_int(out, "spec.replicas", 0), 5);
    json_decref(out);
    /* status subresource: a merge patch of .status lands; a main-resource write keeps it */
    json_t *stp = json_pack("{s:{s:i,s:i}}", "status", "replicas", 5, "observedGeneration", 4);
    assert_int_equal(daas_ctrl_client_patch(f->t.c, dk, "default", "p", "status",
                                            DAAS_CTRL_PATCH_MERGE, stp, &out, &e),
                     DAAS_OK);
    assert_int_equal(daas_kube_int(out, "status.replicas", 0), 5);
    json_t *upd = json_deep_copy(out);
    json_decref(out);
    daas_kube_set(upd, "status.replicas", json_integer(99));
    assert_int_equal(daas_ctrl_client_update(f->t.c, dk, upd, NULL, &out, &e), DAAS_OK);
    assert_int_equal(daas_kube_int(out, "status.replicas", 0), 5);
    json_decref(out);
    /* scale subresource */
    assert_int_equal(daas_ctrl_client_do(f->t.c, "GET",
                                         "/apis/apps/v1/namespaces/default/deployments/p/scale",
                                         NULL, NULL, &out, NULL, &e),
                     DAAS_OK);
    assert_string_equal(daas_kube_str(out, "kind"), "Scale");
    assert_int_equal(daas_kube_int(out, "spec.replicas", 0), 5);
    json_decref(out);
    /* delete with options (orphan), then NotFound */
    json_t *opts = json_pack("{s:s,s:s,s:s}", "apiVersion", "v1", "kind", "DeleteOptions",
                             "propagationPolicy", "Orphan");
    /* Orphan: the answer is the object marked, with the "orphan" finalizer (which the API's
     * own finalizer worker may already be removing: a GET here would race it) */
    assert_int_equal(daas_ctrl_client_delete(f->t.c, dk, "default", "p", opts, &out, &e), DAAS_OK);
    assert_non_null(daas_kube_str(out, "metadata.deletionTimestamp"));
    assert_string_equal(
        json_string_value(json_array_get(daas_kube_path(out, "metadata.finalizers"), 0)), "orphan");
    json_decref(out);
    out = NULL;
    int rc = DAAS_OK; /* then the finalizer worker orphans the dependents and it goes */
    for (int i = 0; i < 500 && rc == DAAS_OK; i++) {
        json_decref(out);
        out = NULL;
        rc = daas_ctrl_client_get(f->t.c, dk, "default", "p", &out, &e);
        if (rc == DAAS_OK)
            usleep(10000);
    }
    assert_int_equal(rc, DAAS_ENOTFOUND);
    json_decref(opts);
    json_decref(upd);
    json_decref(stp);
    json_decref(jp);
    json_decref(sp);
    json_decref(mp);
    json_decref(d);
}

static void test_event(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    const daas_kube_kind *dk = kind("apps", "deployments");
    json_t *d = deployment("ev", 1), *out = NULL, *list = NULL;
    assert_int_equal(daas_ctrl_client_create(f->t.c, dk, "default", d, &out, &e), DAAS_OK);
    assert_int_equal(daas_ctrl_client_event(f->t.c, out, "Normal", "ScalingReplicaSet", &e,
                                            "Scaled up replica set %s-%s to %d", "ev", "abc", 1),
                     DAAS_OK);
    assert_int_equal(daas_ctrl_client_do(f->t.c, "GET", "/api/v1/namespaces/default/events", NULL,
                                         NULL, &list, NULL, &e),
                     DAAS_OK);
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *ev = json_array_get(items, 0);
    assert_string_equal(daas_kube_str(ev, "reason"), "ScalingReplicaSet");
    assert_string_equal(daas_kube_str(ev, "message"), "Scaled up replica set ev-abc to 1");
    assert_string_equal(daas_kube_str(ev, "type"), "Normal");
    assert_string_equal(daas_kube_str(ev, "source.component"), "test-controller");
    assert_string_equal(daas_kube_str(ev, "involvedObject.kind"), "Deployment");
    assert_string_equal(daas_kube_str(ev, "involvedObject.name"), "ev");
    assert_string_equal(daas_kube_str(ev, "involvedObject.uid"),
                        daas_kube_str(out, "metadata.uid"));
    assert_int_equal(daas_kube_int(ev, "count", 0), 1);
    json_decref(list);
    json_decref(out);
    json_decref(d);
}

static void test_path(void **state)
{
    (void)state;
    char *p = daas_ctrl_path(kind("apps", "deployments"), "ns1", "web", "scale");
    assert_string_equal(p, "/apis/apps/v1/namespaces/ns1/deployments/web/scale");
    daas_free(p);
    p = daas_ctrl_path(kind("", "nodes"), "ignored", "n1", NULL);
    assert_string_equal(p, "/api/v1/nodes/n1");
    daas_free(p);
    p = daas_ctrl_path(kind("", "pods"), NULL, NULL, NULL);
    assert_string_equal(p, "/api/v1/pods");
    daas_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_get_update_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patches_and_subresources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event, setup, teardown),
        cmocka_unit_test(test_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
