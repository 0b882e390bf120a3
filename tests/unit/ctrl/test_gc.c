/*
 * test_gc.c: the garbage collector's plan (src/ctrl/gc.c) against Kubernetes' garbage
 * collector: background collection of dependents whose owners are gone, dangling references
 * beside live owners, namespaces of owners, partial snapshots, foreground deletion with
 * blockOwnerDeletion, orphaning. JSON here uses ' for ".
 */
#include "kube/kube_testutil.h"

#include <stdio.h>

#include "ctrl/gc.h"
#include "kube/obj.h"

/* An object; owners: "uid" or "uid!" (blockOwnerDeletion), comma-separated, may be "". */
static json_t *obj(const char *kind, const char *ns, const char *name, const char *uid,
                   const char *owners, const char *deleting_with)
{
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "v1", "kind", kind, "metadata",
                          "name", name, "uid", uid);
    if (ns)
        daas_kube_set_str(o, "metadata.namespace", ns);
    json_t *refs = json_array();
    for (const char *s = owners; *s;) {
        size_t n = strcspn(s, ",");
        char t[64];
        snprintf(t, sizeof t, "%.*s", (int)n, s);
        s += n + (s[n] == ',');
        bool block = t[n - 1] == '!';
        t[n - block] = '\0';
        json_array_append_new(refs, json_pack("{s:s,s:s,s:s,s:s,s:b}", "apiVersion", "v1", "kind",
                                              t[0] == 'd' ? "Deployment" : "ReplicaSet", "name", t,
                                              "uid", t, "blockOwnerDeletion", block));
    }
    if (json_array_size(refs))
        daas_kube_set(o, "metadata.ownerReferences", refs);
    else
        json_decref(refs);
    if (deleting_with) {
        daas_kube_set_str(o, "metadata.deletionTimestamp", "2023-11-14T22:13:20Z");
        if (*deleting_with)
            daas_kube_set(o, "metadata.finalizers", json_pack("[s]", deleting_with));
    }
    return o;
}

static daas_ctrl_gc_plan run(const json_t *objs, const char *const *kinds, unsigned flags)
{
    daas_ctrl_gc_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_gc_plan_make(objs, kinds, flags, &p, &e), DAAS_OK);
    return p;
}

/* "name:policy" / "name:uid1+uid2" / "name:finalizer" lists of a plan part. */
static void names(const json_t *part, const char *field, char *out, size_t n)
{
    size_t i, k, len = 0;
    json_t *e, *u;
    out[0] = '\0';
    json_array_foreach(part, i, e)
    {
        json_t *f = json_object_get(e, field);
        len +=
            (size_t)snprintf(out + len, n - len, "%s%s:", i ? " " : "", daas_kube_str(e, "name"));
        if (json_is_string(f))
            len += (size_t)snprintf(out + len, n - len, "%s", json_string_value(f));
        json_array_foreach(f, k, u) len +=
            (size_t)snprintf(out + len, n - len, "%s%s", k ? "+" : "", json_string_value(u));
    }
}

static void expect(const daas_ctrl_gc_plan *p, const char *del, const char *unref,
                   const char *unblock)
{
    char b[512];
    names(p->del, "propagationPolicy", b, sizeof b);
    assert_string_equal(b, del);
    names(p->unref, "ownerUIDs", b, sizeof b);
    assert_string_equal(b, unref);
    names(p->unblock, "finalizer", b, sizeof b);
    assert_string_equal(b, unblock);
}

static void test_background_dangling(void **state)
{
    (void)state;
    json_t *objs = json_pack("[o,o,o,o,o,o]", obj("ReplicaSet", "ns", "rs-live", "r1", "", NULL),
                             obj("ReplicaSet", "ns", "rs-orphaned", "r2", "d-gone!", NULL),
                             obj("Pod", "ns", "p-live", "p1", "r1!", NULL),
                             obj("Pod", "ns", "p-two", "p2", "r1,r-gone", NULL),
                             obj("Pod", "ns", "p-gone-owner", "p3", "r-gone!", NULL),
                             obj("Pod", "ns", "p-deleting", "p4", "r-gone", ""));
    daas_ctrl_gc_plan p = run(objs, NULL, 0);
    expect(&p, "rs-orphaned:Background p-gone-owner:Background", "p-two:r-gone", "");
    json_t *e = json_array_get(p.del, 0);
    ku_assert_json(e, "{'apiVersion':'v1','kind':'ReplicaSet','namespace':'ns','name':"
                      "'rs-orphaned','uid':'r2','propagationPolicy':'Background'}");
    daas_ctrl_gc_plan_fini(&p);

    /* Deployments were not listed: their absence proves nothing. */
    const char *const kinds[] = {"ReplicaSet", "Pod", NULL};
    p = run(objs, kinds, 0);
    expect(&p, "p-gone-owner:Background", "p-two:r-gone", "");
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

static void test_owner_namespaces(void **state)
{
    (void)state;
    json_t *objs = json_pack("[o,o,o,o,o]", obj("ReplicaSet", "other", "rs", "r1", "", NULL),
                             obj("Node", NULL, "node", "r2", "", NULL),
                             obj("Pod", "ns", "p-cross", "p1", "r1", NULL),
                             obj("Pod", "ns", "p-cluster-owner", "p2", "r2", NULL),
                             obj("Namespace", NULL, "cluster-dep", "p3", "r1", NULL));
    daas_ctrl_gc_plan p = run(objs, NULL, 0);
    expect(&p, "p-cross:Background cluster-dep:Background", "", "");
    assert_null(json_object_get(json_array_get(p.del, 1), "namespace"));
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

static void test_dependent_policy_from_its_finalizers(void **state)
{
    (void)state;
    json_t *rs = obj("ReplicaSet", "ns", "rs", "r1", "d-gone", NULL);
    daas_kube_set(rs, "metadata.finalizers", json_pack("[s]", "orphan"));
    json_t *objs = json_pack("[o]", rs);
    daas_ctrl_gc_plan p = run(objs, NULL, 0);
    expect(&p, "rs:Orphan", "", "");
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

static void test_finalizers_left_to_nsctl_without_flag(void **state)
{
    (void)state;
    json_t *objs =
        json_pack("[o,o,o,o]", obj("Deployment", "ns", "d", "d1", "", "foregroundDeletion"),
                  obj("ReplicaSet", "ns", "rs", "r1", "d1!", NULL),
                  obj("Deployment", "ns", "d2", "d2", "", "orphan"),
                  obj("ReplicaSet", "ns", "rs2", "r2", "d2!", NULL));
    daas_ctrl_gc_plan p = run(objs, NULL, 0);
    expect(&p, "", "", "");
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

static void test_foreground(void **state)
{
    (void)state;
    /* d is deleted in the foreground: rs (blocking, with pods) goes in the foreground too;
     * rs-shared has another live owner and only loses the reference; rs-free (not blocking)
     * is deleted but not waited for. */
    json_t *objs =
        json_pack("[o,o,o,o,o,o]", obj("Deployment", "ns", "d", "d1", "", "foregroundDeletion"),
                  obj("Deployment", "ns", "d-live", "d2", "", NULL),
                  obj("ReplicaSet", "ns", "rs", "r1", "d1!", NULL),
                  obj("Pod", "ns", "pod", "p1", "r1!", NULL),
                  obj("ReplicaSet", "ns", "rs-shared", "r2", "d1!,d2", NULL),
                  obj("ReplicaSet", "ns", "rs-free", "r3", "d1", NULL));
    daas_ctrl_gc_plan p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    expect(&p, "rs:Foreground rs-free:Background", "rs-shared:d1", "");
    daas_ctrl_gc_plan_fini(&p);

    /* Next: rs is deleting in the foreground, waiting for its pod; d still waits for rs. */
    json_array_set_new(objs, 2, obj("ReplicaSet", "ns", "rs", "r1", "d1!", "foregroundDeletion"));
    json_array_remove(objs, 4);
    json_array_remove(objs, 4);
    p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    expect(&p, "pod:Background", "", "");
    daas_ctrl_gc_plan_fini(&p);

    /* The pod is gone: rs may go; then d may. */
    json_array_remove(objs, 3);
    p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    expect(&p, "", "", "rs:foregroundDeletion");
    daas_ctrl_gc_plan_fini(&p);
    json_array_remove(objs, 2);
    p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    expect(&p, "", "", "d:foregroundDeletion");
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

static void test_orphan(void **state)
{
    (void)state;
    json_t *objs = json_pack("[o,o,o,o]", obj("Deployment", "ns", "d", "d1", "", "orphan"),
                             obj("ReplicaSet", "ns", "rs", "r1", "d1!", NULL),
                             obj("ReplicaSet", "ns", "rs-gone-too", "r2", "d1,d-gone", NULL),
                             obj("Pod", "ns", "pod", "p1", "r1!", NULL));
    daas_ctrl_gc_plan p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    expect(&p, "rs-gone-too:Background", "rs:d1", "");
    daas_ctrl_gc_plan_fini(&p);
    json_array_set_new(objs, 1, obj("ReplicaSet", "ns", "rs", "r1", "", NULL));
    json_array_remove(objs, 2);
    p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    expect(&p, "", "", "d:orphan");
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

static void test_bad_input(void **state)
{
    (void)state;
    daas_ctrl_gc_plan p;
    daas_err e = {0};
    json_t *o = json_object();
    assert_int_equal(daas_ctrl_gc_plan_make(o, NULL, 0, &p, &e), DAAS_EINVAL);
    assert_null(p.del);
    json_decref(o);
    /* objects without uid or with malformed references are skipped, not fatal */
    json_t *objs = ku_json("[{'metadata':{'name':'x'}},{'metadata':{'uid':'a',"
                           "'ownerReferences':[{'kind':'Pod'}]}},3]");
    p = run(objs, NULL, DAAS_CTRL_GC_FINALIZERS);
    assert_int_equal(json_array_size(p.del), 1);
    daas_ctrl_gc_plan_fini(&p);
    json_decref(objs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_background_dangling),
        cmocka_unit_test(test_owner_namespaces),
        cmocka_unit_test(test_dependent_policy_from_its_finalizers),
        cmocka_unit_test(test_finalizers_left_to_nsctl_without_flag),
        cmocka_unit_test(test_foreground),
        cmocka_unit_test(test_orphan),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
