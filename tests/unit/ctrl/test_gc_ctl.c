/*
 * test_gc_ctl.c: the garbage collector controller (src/ctrl/gc_ctl.c) over a real API and
 * store: a Deployment deleted in the background takes its ReplicaSet, then the ReplicaSet's
 * Pods; an object whose owner uid exists nowhere is deleted; an object with two owners, one
 * gone, only loses that reference; an owner of a kind the collector does not list (a
 * ConfigMap) keeps its dependent; an owner created after its dependent is not mistaken for a
 * gone one; Orphan and Foreground deletions (the finalizers are src/api/nsctl.c's) end with
 * the dependents orphaned or collected. Waits are bounded polls (10 s in 10 ms steps); outcomes are
 * asserted exactly. JSON here uses ' for ".
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
#include "ctrl/controllers.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct fx {
    ctrl_tfx t; /* first: ctrl_t_fx_new, ctrl_t_teardown */
} fx;

static const daas_kube_kind *kind(const char *res)
{
    return daas_ctrl_kind(res);
}

/* Creates obj (stolen) of resource res in namespace "gc"; returns its uid (new string). */
static char *create(fx *f, const char *res, json_t *obj)
{
    json_t *out = ctrl_t_create(&f->t, kind(res), "gc", obj);
    char *uid = daas_xstrdup(daas_kube_str(out, "metadata.uid"));
    json_decref(out);
    return uid;
}

static const char *tmpl = "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':"
                          "[{'name':'c','image':'busybox'}]}}";

static char *deployment(fx *f, const char *name)
{
    return create(f, "deployments",
                  ctrl_t_js("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'%s'},"
                            "'spec':{'replicas':1,'selector':{'matchLabels':{'app':'web'}},%s}}",
                            name, tmpl));
}

/* An owner reference to kind/name/uid (controller when ctl). */
static char *ref(const char *api, const char *k, const char *name, const char *uid, bool ctl)
{
    return daas_xasprintf("{'apiVersion':'%s','kind':'%s','name':'%s','uid':'%s',"
                          "'controller':%s,'blockOwnerDeletion':true}",
                          api, k, name, uid, ctl ? "true" : "false");
}

static char *replicaset(fx *f, const char *name, const char *refs)
{
    return create(
        f, "replicasets",
        ctrl_t_js("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'%s',"
                  "'ownerReferences':[%s]},'spec':{'replicas':1,'selector':{'matchLabels':"
                  "{'app':'web'}},%s}}",
                  name, refs, tmpl));
}

static char *pod(fx *f, const char *name, const char *refs)
{
    return create(
        f, "pods",
        ctrl_t_js("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s','labels':"
                  "{'app':'web'},'ownerReferences':[%s]},'spec':{'containers':[{'name':'c',"
                  "'image':'busybox'}]}}",
                  name, refs));
}

static bool exists(fx *f, const char *res, const char *name)
{
    json_t *o = ctrl_t_get(&f->t, kind(res), "gc", name);
    json_decref(o);
    return o != NULL;
}

typedef struct presence {
    const char *res, *name;
    bool want;
} presence;

static bool presence_is(void *f, const void *arg)
{
    const presence *p = arg;
    return exists(f, p->res, p->name) == p->want;
}

/* Polls (10 s at most) until res/name exists (want) or not. */
static bool wait_exists(fx *f, const char *res, const char *name, bool want)
{
    return ctrl_t_eventually(presence_is, f, &(presence){res, name, want});
}

/* The owner uids of res/name joined with "," (new string). */
static char *owner_uids(fx *f, const char *res, const char *name)
{
    json_t *o = ctrl_t_get(&f->t, kind(res), "gc", name);
    assert_non_null(o);
    daas_buf b = {0};
    size_t i;
    json_t *r;
    json_array_foreach(daas_kube_path(o, "metadata.ownerReferences"), i, r) assert_int_equal(
        daas_buf_printf(&b, "%s%s", i ? "," : "", daas_kube_str(r, "uid")), DAAS_OK);
    json_decref(o);
    char *s = b.data ? daas_buf_steal(&b, NULL) : daas_xstrdup("");
    return s;
}

static void del(fx *f, const char *res, const char *name, const char *policy)
{
    daas_err e = {0};
    json_t *opts =
        ctrl_t_js("{'apiVersion':'v1','kind':'DeleteOptions','propagationPolicy':'%s'}", policy);
    assert_int_equal(daas_ctrl_client_delete(f->t.c, kind(res), "gc", name, opts, NULL, &e),
                     DAAS_OK);
    json_decref(opts);
}

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-gcctl");
    json_decref(ctrl_t_create(
        &f->t, kind("namespaces"), NULL,
        ctrl_t_js("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'gc'}}")));
    CTRL_T_MGR(&f->t, NULL, false, daas_ctrl_gc_register); /* each test starts it */
    *state = f;
    return 0;
}

static void start(fx *f)
{
    ctrl_t_mgr_start(&f->t);
}

/* Deployment NAME → ReplicaSet NAME-1 → Pods NAME-1-a, NAME-1-b (controller references). */
typedef struct chain {
    char *du, *ru; /* the Deployment's and the ReplicaSet's uids */
} chain;

static chain chain_new(fx *f, const char *name)
{
    chain c = {.du = deployment(f, name)};
    char rs[64], p[80];
    snprintf(rs, sizeof rs, "%s-1", name);
    char *r = ref("apps/v1", "Deployment", name, c.du, true);
    c.ru = replicaset(f, rs, r);
    char *pr = ref("apps/v1", "ReplicaSet", rs, c.ru, true);
    for (const char *sfx = "ab"; *sfx; sfx++) {
        snprintf(p, sizeof p, "%s-%c", rs, *sfx);
        daas_free(pod(f, p, pr));
    }
    daas_free(pr);
    daas_free(r);
    return c;
}

static void chain_free(chain *c)
{
    daas_free(c->du);
    daas_free(c->ru);
}

/* Deployment → ReplicaSet → 2 Pods; deleting the Deployment (Background) takes all. An
 * unrelated Pod without owners stays. */
static void test_background_cascade(void **state)
{
    fx *f = *state;
    start(f);
    chain c = chain_new(f, "web");
    daas_free(pod(f, "lonely", ""));
    usleep(200000); /* the collector sees live owners: nothing goes */
    assert_true(exists(f, "replicasets", "web-1"));
    assert_true(exists(f, "pods", "web-1-a"));
    del(f, "deployments", "web", "Background");
    assert_true(wait_exists(f, "replicasets", "web-1", false));
    assert_true(wait_exists(f, "pods", "web-1-a", false));
    assert_true(wait_exists(f, "pods", "web-1-b", false));
    assert_true(exists(f, "pods", "lonely"));
    chain_free(&c);
}

/* Present before the controller starts: the initial list is collected too. */
static void test_dangling_owner(void **state)
{
    fx *f = *state;
    char *r = ref("apps/v1", "ReplicaSet", "ghost", "00000000-0000-0000-0000-00000000dead", true);
    daas_free(pod(f, "orphaned", r));
    /* an owner kind the collector does not list counts as present */
    char *cm = ref("v1", "ConfigMap", "cfg", "00000000-0000-0000-0000-00000000beef", false);
    daas_free(pod(f, "cm-owned", cm));
    start(f);
    assert_true(wait_exists(f, "pods", "orphaned", false));
    /* a newer dependent of the same ghost goes too (from a watch event this time) */
    daas_free(pod(f, "orphaned2", r));
    assert_true(wait_exists(f, "pods", "orphaned2", false));
    /* and one that gains the dangling reference by an update (once the passes the deletion
     * above queued are over, so only the update can bring the next one) */
    usleep(300000);
    daas_free(pod(f, "later", ""));
    ctrl_t_patch(&f->t, kind("pods"), "gc", "later", NULL, DAAS_CTRL_PATCH_MERGE,
                 ctrl_t_js("{'metadata':{'ownerReferences':[%s]}}", r));
    assert_true(wait_exists(f, "pods", "later", false));
    assert_true(exists(f, "pods", "cm-owned"));
    daas_free(cm);
    daas_free(r);
}

/* Two owners, one gone: only the gone one's reference is removed. */
static void test_two_owners(void **state)
{
    fx *f = *state;
    start(f);
    char *du = deployment(f, "keep");
    char *live = ref("apps/v1", "Deployment", "keep", du, false);
    const char *ghost = "00000000-0000-0000-0000-0000000000aa";
    char *gone = ref("apps/v1", "ReplicaSet", "gone", ghost, true);
    char *refs = daas_xasprintf("%s,%s", live, gone);
    daas_free(pod(f, "shared", refs));
    char *want = daas_xstrdup(du), *got = NULL;
    CTRL_T_WAIT_EQ((daas_free(got), got = owner_uids(f, "pods", "shared")), got, want);
    usleep(200000); /* and nothing more happens to it */
    assert_true(exists(f, "pods", "shared"));
    daas_free(got);
    got = owner_uids(f, "pods", "shared");
    assert_string_equal(got, want);
    daas_free(got);
    daas_free(want);
    daas_free(refs);
    daas_free(gone);
    daas_free(live);
    daas_free(du);
}

/* A dependent created with the uid of an owner that exists is never collected, even when
 * the owner's informer lags: here the owner is created first, the dependent right after,
 * many times over. */
static void test_owner_then_dependent(void **state)
{
    fx *f = *state;
    start(f);
    for (int i = 0; i < 20; i++) {
        char name[32], pname[32];
        snprintf(name, sizeof name, "rs-%d", i);
        snprintf(pname, sizeof pname, "rs-%d-p", i);
        char *ru = replicaset(f, name, "");
        char *r = ref("apps/v1", "ReplicaSet", name, ru, true);
        daas_free(pod(f, pname, r));
        daas_free(r);
        daas_free(ru);
    }
    usleep(500000);
    for (int i = 0; i < 20; i++) {
        char pname[32];
        snprintf(pname, sizeof pname, "rs-%d-p", i);
        assert_true(exists(f, "pods", pname));
    }
    /* then each owner goes, and its dependent with it */
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "rs-%d", i);
        del(f, "replicasets", name, "Background");
    }
    for (int i = 0; i < 20; i++) {
        char pname[32];
        snprintf(pname, sizeof pname, "rs-%d-p", i);
        assert_true(wait_exists(f, "pods", pname, false));
    }
}

/* Orphan: the ReplicaSet and its Pods stay, without the reference to the Deployment.
 * Foreground: the Deployment waits for its ReplicaSet (deleted by src/api/nsctl.c), whose Pods
 * the collector then takes; the Deployment goes once nothing blocks it. */
static void test_orphan_and_foreground(void **state)
{
    fx *f = *state;
    start(f);
    chain o = chain_new(f, "orph");
    del(f, "deployments", "orph", "Orphan");
    assert_true(wait_exists(f, "deployments", "orph", false));
    char *got = owner_uids(f, "replicasets", "orph-1");
    assert_string_equal(got, "");
    daas_free(got);
    usleep(200000);
    assert_true(exists(f, "replicasets", "orph-1"));
    got = owner_uids(f, "pods", "orph-1-a");
    assert_string_equal(got, o.ru);
    daas_free(got);

    chain g = chain_new(f, "fg");
    del(f, "deployments", "fg", "Foreground");
    assert_true(wait_exists(f, "deployments", "fg", false));
    assert_false(exists(f, "replicasets", "fg-1"));
    assert_true(wait_exists(f, "pods", "fg-1-a", false));
    assert_true(wait_exists(f, "pods", "fg-1-b", false));
    assert_true(exists(f, "pods", "orph-1-a"));
    assert_true(exists(f, "pods", "orph-1-b"));
    chain_free(&g);
    chain_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_background_cascade, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_dangling_owner, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_two_owners, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_owner_then_dependent, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_orphan_and_foreground, setup, ctrl_t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
