/*
 * test_apply.c: server-side apply and managedFields tracking (src/kube/apply.c).
 *
 * Scenarios follow what kubectl does: `apply --server-side` (manager "kubectl") after
 * `create`/client-side apply (Update entries), re-applies that drop fields, conflicts and
 * --force-conflicts, and ordinary writes moving ownership. JSON here uses ' for ".
 */
#include "kube/kube_testutil.h"

#include "kube/obj.h"
#include "kube/patch.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */
#define T1 1700000100 /* 2023-11-14T22:15:00Z */

/* The managedFields entry of manager/op in obj, or NULL. */
static json_t *entry(const json_t *obj, const char *manager, const char *op)
{
    json_t *mf = daas_kube_path(obj, "metadata.managedFields");
    size_t i;
    json_t *e;
    json_array_foreach(mf, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "manager")), manager) == 0 &&
            strcmp(json_string_value(json_object_get(e, "operation")), op) == 0)
            return e;
    }
    return NULL;
}

static json_t *fields(const json_t *obj, const char *manager, const char *op)
{
    json_t *e = entry(obj, manager, op);
    if (e == NULL)
        fail_msg("no managedFields entry for %s/%s", manager, op);
    return json_object_get(e, "fieldsV1");
}

/* Applies and expects success; checks that the inputs did not change. */
static json_t *apply_ok(const json_t *live, const char *applied_s, const char *manager, bool force,
                        int64_t now)
{
    json_t *applied = ku_json(applied_s), *out = NULL;
    json_t *live0 = live ? json_deep_copy(live) : NULL, *applied0 = json_deep_copy(applied);
    daas_err err = {0};
    int rc = daas_kube_apply(live, applied, manager, force, now, &out, &err);
    if (rc != DAAS_OK)
        fail_msg("apply failed (%d): %s", rc, err.msg);
    assert_true(json_equal(applied, applied0));
    if (live != NULL)
        assert_true(json_equal(live, live0));
    json_decref(applied);
    json_decref(applied0);
    json_decref(live0);
    return out;
}

static void apply_err(const json_t *live, const char *applied_s, const char *manager, int code,
                      const char *msg, bool exact)
{
    json_t *applied = ku_json(applied_s), *out = (json_t *)1;
    daas_err err = {0};
    int rc = daas_kube_apply(live, applied, manager, false, T1, &out, &err);
    bool ok = rc == code && (exact ? strcmp(err.msg, msg) == 0 : strstr(err.msg, msg) != NULL);
    if (!ok)
        print_error("rc %d (want %d), msg \"%s\" (want \"%s\")\n", rc, code, err.msg, msg);
    assert_true(ok);
    assert_null(out);
    json_decref(applied);
}

#define APPLIED_V1                                                                                 \
    "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default',"  \
    "'labels':{'app':'web','team':'a'}},'spec':{'replicas':2,'selector':{'matchLabels':"           \
    "{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["        \
    "{'name':'app','image':'nginx:1','ports':[{'containerPort':80}]},"                             \
    "{'name':'side','image':'envoy:1'}]}}}}"

#define FIELDS_V1                                                                                  \
    "{'f:metadata':{'f:labels':{'f:app':{},'f:team':{}}},'f:spec':{'f:replicas':{},"               \
    "'f:selector':{'f:matchLabels':{'f:app':{}}},'f:template':{'f:metadata':{'f:labels':"          \
    "{'f:app':{}}},'f:spec':{'f:containers':{'k:{\\'name\\':\\'app\\'}':{'.':{},'f:image':{},"     \
    "'f:name':{},'f:ports':{'k:{\\'containerPort\\':80}':{'.':{},'f:containerPort':{}}}},"         \
    "'k:{\\'name\\':\\'side\\'}':{'.':{},'f:image':{},'f:name':{}}}}}}}"

static void test_apply_create(void **state)
{
    (void)state;
    json_t *out = apply_ok(NULL, APPLIED_V1, "kubectl", false, T0);
    json_t *mf = daas_kube_path(out, "metadata.managedFields");
    assert_int_equal(json_array_size(mf), 1);
    json_t *e = json_array_get(mf, 0);
    assert_string_equal(json_string_value(json_object_get(e, "manager")), "kubectl");
    assert_string_equal(json_string_value(json_object_get(e, "operation")), "Apply");
    assert_string_equal(json_string_value(json_object_get(e, "apiVersion")), "apps/v1");
    assert_string_equal(json_string_value(json_object_get(e, "time")), "2023-11-14T22:13:20Z");
    assert_string_equal(json_string_value(json_object_get(e, "fieldsType")), "FieldsV1");
    /* the keys are exactly as upstream spells them: k:{"name":"app"} */
    ku_assert_json(json_object_get(e, "fieldsV1"), FIELDS_V1);
    assert_non_null(json_object_get(json_object_get(e, "fieldsV1"), "f:spec"));
    /* the object is the applied config plus managedFields */
    daas_kube_del(out, "metadata.managedFields");
    ku_assert_json(out, APPLIED_V1);
    json_decref(out);
}

/* Re-applying with fewer fields removes what only this manager owned. */
static void test_apply_removes_dropped_fields(void **state)
{
    (void)state;
    json_t *live = apply_ok(NULL, APPLIED_V1, "kubectl", false, T0);
    /* the server adds status and defaults nobody applied */
    daas_kube_set_str(live, "status.phase", "x");
    daas_kube_set(
        live, "spec.template.spec.containers",
        ku_json("[{'name':'app','image':'nginx:1','ports':[{'containerPort':80,'protocol':'TCP'}],"
                "'imagePullPolicy':'IfNotPresent'},{'name':'side','image':'envoy:1'}]"));
    json_t *out =
        apply_ok(live,
                 "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':"
                 "{'app':'web'}},'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},"
                 "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["
                 "{'name':'app','image':'nginx:2'}]}}}}",
                 "kubectl", false, T1);
    /* label team, container side and port 80 are gone; defaults and status stay */
    assert_null(daas_kube_path(out, "metadata.labels.team"));
    assert_string_equal(daas_kube_str(out, "metadata.labels.app"), "web");
    assert_string_equal(daas_kube_str(out, "status.phase"), "x");
    json_t *cs = daas_kube_path(out, "spec.template.spec.containers");
    assert_int_equal(json_array_size(cs), 1);
    ku_assert_json(json_array_get(cs, 0),
                   "{'name':'app','image':'nginx:2','imagePullPolicy':'IfNotPresent'}");
    ku_assert_json(
        fields(out, "kubectl", "Apply"),
        "{'f:metadata':{'f:labels':{'f:app':{}}},'f:spec':{'f:replicas':{},'f:selector':"
        "{'f:matchLabels':{'f:app':{}}},'f:template':{'f:metadata':{'f:labels':{'f:app':{}}},"
        "'f:spec':{'f:containers':{'k:{\\\"name\\\":\\\"app\\\"}':{'.':{},'f:image':{},"
        "'f:name':{}}}}}}}");
    assert_string_equal(json_string_value(json_object_get(entry(out, "kubectl", "Apply"), "time")),
                        "2023-11-14T22:15:00Z");
    json_decref(out);
    json_decref(live);
}

/* A map emptied by removal goes too (Go omits empty maps when it prints the object). */
static void test_apply_prunes_emptied_maps(void **state)
{
    (void)state;
    json_t *live = apply_ok(NULL,
                            "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':"
                            "'c','annotations':{'a':'1'}},'data':{'k':'v'}}",
                            "kubectl", false, T0);
    json_t *out = apply_ok(live,
                           "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},"
                           "'data':{'k':'v'}}",
                           "kubectl", false, T1);
    assert_null(daas_kube_path(out, "metadata.annotations"));
    assert_string_equal(daas_kube_str(out, "metadata.name"), "c");
    json_decref(out);
    json_decref(live);
}

#define CSA_LIVE                                                                                   \
    "{'apiVersion':'apps/"                                                                         \
    "v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web'}},"                    \
    "'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'app','image':'nginx:1'}]}}}}"
#define SSA_SAME                                                                                   \
    "{'apiVersion':'apps/"                                                                         \
    "v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web'}},"                    \
    "'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'app','image':'nginx:1'}]}}}}"
#define SSA_REPLICAS3                                                                              \
    "{'apiVersion':'apps/"                                                                         \
    "v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web'}},"                    \
    "'spec':{'replicas':3,'template':{'spec':{'containers':[{'name':'app','image':'nginx:1'}]}}}}"

/* An object written by client-side apply: everything owned by one Update manager. */
static json_t *csa_object(void)
{
    json_t *o = ku_json(CSA_LIVE);
    daas_kube_track_update(NULL, o, "kubectl-client-side-apply", T0);
    return o;
}

static void test_apply_conflict(void **state)
{
    (void)state;
    json_t *live = csa_object();
    apply_err(live, SSA_REPLICAS3, "kubectl", DAAS_ECONFLICT,
              "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
              "apps/v1: .spec.replicas",
              true);
    /* identical values are shared, not conflicts */
    json_t *out = apply_ok(live, SSA_SAME, "kubectl", false, T1);
    assert_non_null(
        json_object_get(json_object_get(fields(out, "kubectl", "Apply"), "f:spec"), "f:replicas"));
    assert_non_null(json_object_get(
        json_object_get(fields(out, "kubectl-client-side-apply", "Update"), "f:spec"),
        "f:replicas"));
    /* Apply entries sort before Update entries */
    json_t *mf = daas_kube_path(out, "metadata.managedFields");
    assert_string_equal(json_string_value(json_object_get(json_array_get(mf, 0), "operation")),
                        "Apply");
    json_decref(out);
    json_decref(live);
}

static void test_apply_force(void **state)
{
    (void)state;
    json_t *live = csa_object();
    json_t *out = apply_ok(live, SSA_REPLICAS3, "kubectl", true, T1);
    assert_int_equal(daas_kube_int(out, "spec.replicas", 0), 3);
    json_t *csa = fields(out, "kubectl-client-side-apply", "Update");
    /* the forced field moved; the shared ones stayed shared */
    assert_null(json_object_get(json_object_get(csa, "f:spec"), "f:replicas"));
    assert_non_null(json_object_get(json_object_get(csa, "f:spec"), "f:template"));
    assert_non_null(
        json_object_get(json_object_get(fields(out, "kubectl", "Apply"), "f:spec"), "f:replicas"));
    json_decref(out);
    json_decref(live);
}

static void test_apply_conflict_in_list_item(void **state)
{
    (void)state;
    json_t *live = apply_ok(NULL, SSA_SAME, "kubectl", false, T0);
    /* kubectl set image changes the image: kubectl-set now owns it */
    json_t *next = json_deep_copy(live);
    json_string_set(
        daas_kube_path(json_array_get(daas_kube_path(next, "spec.template.spec.containers"), 0),
                       "image"),
        "nginx:9");
    daas_kube_track_update(live, next, "kubectl-set", T1);
    json_t *cf = fields(next, "kubectl", "Apply");
    assert_null(json_object_get(
        json_object_get(
            json_object_get(
                json_object_get(json_object_get(json_object_get(cf, "f:spec"), "f:template"),
                                "f:spec"),
                "f:containers"),
            "k:{\"name\":\"app\"}"),
        "f:image"));
    apply_err(next, SSA_SAME, "kubectl", DAAS_ECONFLICT,
              "Apply failed with 1 conflict: conflict with \"kubectl-set\" using apps/v1: "
              ".spec.template.spec.containers[name=\"app\"].image",
              true);
    json_decref(next);
    json_decref(live);
}

static void test_apply_many_conflicts(void **state)
{
    (void)state;
    json_t *live = ku_json(
        "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c',"
        "'managedFields':["
        "{'manager':'zeta','operation':'Apply','apiVersion':'v1','time':'2023-01-01T00:00:00Z',"
        "'fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:z':{}}}},"
        "{'manager':'alpha','operation':'Update','apiVersion':'v1','time':'2023-01-01T00:00:00Z',"
        "'fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{},'f:b':{},'f:same':{}}}}]},"
        "'data':{'a':'1','b':'2','z':'3','same':'s'}}");
    apply_err(live,
              "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},"
              "'data':{'a':'x','b':'y','z':'w','same':'s'}}",
              "kubectl", DAAS_ECONFLICT,
              "Apply failed with 3 conflicts: conflicts with \"alpha\" using v1:\n- .data.a\n"
              "- .data.b\nconflicts with \"zeta\":\n- .data.z",
              true);
    json_decref(live);
}

/* The canonical SSA hand-over: another writer takes replicas; re-applying without replicas
 * leaves it alone, re-applying with it conflicts. */
static void test_apply_after_update_takes_field(void **state)
{
    (void)state;
    json_t *live = apply_ok(NULL, SSA_SAME, "kubectl", false, T0);
    json_t *scaled = json_deep_copy(live);
    daas_kube_set(scaled, "spec.replicas", json_integer(5));
    daas_kube_track_update(live, scaled, "scaler", T1);
    assert_non_null(json_object_get(json_object_get(fields(scaled, "scaler", "Update"), "f:spec"),
                                    "f:replicas"));
    assert_null(json_object_get(json_object_get(fields(scaled, "kubectl", "Apply"), "f:spec"),
                                "f:replicas"));
    json_t *out =
        apply_ok(scaled,
                 "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':"
                 "{'app':'web'}},'spec':{'template':{'spec':{'containers':[{'name':'app','image':"
                 "'nginx:1'}]}}}}",
                 "kubectl", false, T1);
    assert_int_equal(daas_kube_int(out, "spec.replicas", 0), 5);
    apply_err(scaled, SSA_SAME, "kubectl", DAAS_ECONFLICT,
              "conflict with \"scaler\" using "
              "apps/v1: .spec.replicas",
              false);
    json_decref(out);
    json_decref(scaled);
    json_decref(live);
}

/* A field this manager drops but another manager also owns survives. */
static void test_apply_shared_field_kept(void **state)
{
    (void)state;
    json_t *live = csa_object();
    json_t *a1 = apply_ok(live, SSA_SAME, "kubectl", false, T1);
    json_t *out = apply_ok(a1,
                           "{'apiVersion':'apps/v1','kind':'Deployment','metadata':"
                           "{'name':'web'},'spec':{'replicas':1}}",
                           "kubectl", false, T1);
    assert_string_equal(daas_kube_str(out, "metadata.labels.app"), "web");
    assert_int_equal(json_array_size(daas_kube_path(out, "spec.template.spec.containers")), 1);
    json_decref(out);
    json_decref(a1);
    json_decref(live);
}

/* A list item another manager owns part of stays when the applier drops it. */
static void test_apply_list_item_co_owned(void **state)
{
    (void)state;
    json_t *live = apply_ok(NULL, APPLIED_V1, "kubectl", false, T0);
    json_t *next = json_deep_copy(live);
    json_t *side = json_array_get(daas_kube_path(next, "spec.template.spec.containers"), 1);
    json_object_set_new(side, "image", json_string("envoy:2"));
    daas_kube_track_update(live, next, "kubectl-set", T1);
    json_t *out = apply_ok(
        next,
        "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':"
        "{'app':'web','team':'a'}},'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},"
        "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'app',"
        "'image':'nginx:1','ports':[{'containerPort':80}]}]}}}}",
        "kubectl", false, T1);
    json_t *cs = daas_kube_path(out, "spec.template.spec.containers");
    assert_int_equal(json_array_size(cs), 2);
    ku_assert_json(json_array_get(cs, 1), "{'name':'side','image':'envoy:2'}");
    json_decref(out);
    json_decref(next);
    json_decref(live);
}

static void test_apply_errors(void **state)
{
    (void)state;
    apply_err(NULL, "{'a':1}", "", DAAS_EINVAL, "fieldManager: Required value", false);
    apply_err(NULL, "{'a':1}", NULL, DAAS_EINVAL, "fieldManager", false);
    apply_err(NULL, "[1]", "kubectl", DAAS_EINVAL, "must be a JSON object", false);
    apply_err(NULL, "{'metadata':{'managedFields':[{'manager':'x'}]}}", "kubectl", DAAS_EINVAL,
              "metadata.managedFields must be nil", true);
    /* an empty managedFields list is accepted and dropped */
    json_t *out = apply_ok(NULL, "{'metadata':{'name':'x','managedFields':[]},'data':{'a':'1'}}",
                           "kubectl", false, T0);
    assert_int_equal(json_array_size(daas_kube_path(out, "metadata.managedFields")), 1);
    json_decref(out);
    /* an applied list item without its merge key cannot be merged */
    json_t *live = ku_json("{'spec':{'containers':[{'name':'a'}]}}");
    apply_err(live, "{'spec':{'containers':[{'image':'x'}]}}", "kubectl", DAAS_EINVAL,
              "does not contain declared merge key: name", false);
    json_decref(live);
}

static void test_apply_depth_limit(void **state)
{
    (void)state;
    json_t *v = json_integer(1);
    for (int i = 0; i < DAAS_KUBE_PATCH_MAX_DEPTH + 4; i++)
        v = json_pack("{s:o}", "a", v);
    json_t *out = NULL;
    daas_err err = {0};
    assert_int_equal(daas_kube_apply(NULL, v, "m", false, T0, &out, &err), DAAS_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err.msg, "nested"));
    json_decref(v);
}

/* Server-owned fields are never owned by anybody. */
static void test_ownership_ignores_server_fields(void **state)
{
    (void)state;
    json_t *o =
        ku_json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'d',"
                "'uid':'u','resourceVersion':'9','generation':2,'creationTimestamp':'t',"
                "'labels':{'a':'b'}},'spec':{'nodeName':'n'},'status':{'phase':'Running'}}");
    daas_kube_track_update(NULL, o, "kubectl-run", T0);
    ku_assert_json(fields(o, "kubectl-run", "Update"),
                   "{'f:metadata':{'f:labels':{'f:a':{}}},'f:spec':{'f:nodeName':{}}}");
    json_decref(o);
}

static void test_track_update(void **state)
{
    (void)state;
    json_t *v1 = ku_json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','labels':"
                         "{'a':'1','b':'2'}},'data':{'k':'v','e':''},'list':['x']}");
    daas_kube_track_update(NULL, v1, "kubectl-create", T0);
    json_t *e = entry(v1, "kubectl-create", "Update");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "apiVersion")), "v1");
    assert_string_equal(json_string_value(json_object_get(e, "time")), "2023-11-14T22:13:20Z");
    ku_assert_json(json_object_get(e, "fieldsV1"), "{'f:metadata':{'f:labels':{'f:a':{},'f:b':{}}},"
                                                   "'f:data':{'f:k':{},'f:e':{}},'f:list':{}}");

    /* kubectl label: changes b, adds c; removes nothing */
    json_t *v2 = json_deep_copy(v1);
    daas_kube_del(v2, "metadata.managedFields");
    daas_kube_set_str(v2, "metadata.labels.b", "3");
    daas_kube_set_str(v2, "metadata.labels.c", "4");
    daas_kube_track_update(v1, v2, "kubectl-label", T1);
    ku_assert_json(fields(v2, "kubectl-label", "Update"),
                   "{'f:metadata':{'f:labels':{'f:b':{},'f:c':{}}}}");
    ku_assert_json(
        fields(v2, "kubectl-create", "Update"),
        "{'f:metadata':{'f:labels':{'f:a':{}}},'f:data':{'f:k':{},'f:e':{}},'f:list':{}}");
    /* the older entry keeps its time; entries sort by time */
    json_t *mf = daas_kube_path(v2, "metadata.managedFields");
    assert_string_equal(json_string_value(json_object_get(json_array_get(mf, 0), "manager")),
                        "kubectl-create");

    /* removing a label drops it from every set; an emptied entry disappears */
    json_t *v3 = json_deep_copy(v2);
    daas_kube_del(v3, "metadata.labels.b");
    daas_kube_del(v3, "metadata.labels.c");
    daas_kube_track_update(v2, v3, "kubectl-label", T1 + 5);
    assert_null(entry(v3, "kubectl-label", "Update"));
    assert_non_null(entry(v3, "kubectl-create", "Update"));

    /* a write by the same manager merges into its entry and refreshes the time */
    json_t *v4 = json_deep_copy(v3);
    daas_kube_set_str(v4, "data.n", "new");
    daas_kube_track_update(v3, v4, "kubectl-create", T1 + 9);
    e = entry(v4, "kubectl-create", "Update");
    ku_assert_json(json_object_get(e, "fieldsV1"),
                   "{'f:metadata':{'f:labels':{'f:a':{}}},"
                   "'f:data':{'f:k':{},'f:e':{},'f:n':{}},'f:list':{}}");
    assert_string_equal(json_string_value(json_object_get(e, "time")), "2023-11-14T22:15:09Z");
    assert_int_equal(json_array_size(daas_kube_path(v4, "metadata.managedFields")), 1);

    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
    json_decref(v4);
}

/* A PUT without managedFields keeps the stored ones; a no-op write changes nothing else. */
static void test_track_update_keeps_entries(void **state)
{
    (void)state;
    json_t *old =
        ku_json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'k':'v'}}");
    daas_kube_track_update(NULL, old, "creator", T0);
    json_t *put =
        ku_json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'k':'v'}}");
    daas_kube_track_update(old, put, "kubectl-replace", T1);
    ku_assert_json(
        daas_kube_path(put, "metadata.managedFields"),
        "[{'manager':'creator','operation':'Update','apiVersion':'v1','time':"
        "'2023-11-14T22:13:20Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:k':{}}}}]");
    /* no-op tracking of an object without fields to own leaves no managedFields */
    json_t *bare = ku_json("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'n'}}");
    daas_kube_track_update(NULL, bare, "m", T0);
    assert_null(daas_kube_path(bare, "metadata.managedFields"));
    /* bad arguments are ignored */
    daas_kube_track_update(NULL, bare, NULL, T0);
    daas_kube_track_update(NULL, NULL, "m", T0);
    json_decref(old);
    json_decref(put);
    json_decref(bare);
}

/* Keyed lists, sets and atomic lists in field sets; managedFields from a live object in the
 * upstream form ({} leaves, "." first) are read back. */
static void test_fieldsets_lists(void **state)
{
    (void)state;
    json_t *o = ku_json("{'metadata':{'finalizers':['a','b'],'ownerReferences':[{'uid':'u1',"
                        "'name':'rs'}]},'spec':{'ports':[{'port':80,'name':'http'}],'tolerations':"
                        "[{'key':'k'}],'containers':[{'name':'c','env':[{'name':'E','value':'1'}],"
                        "'args':['x']}]}}");
    daas_kube_track_update(NULL, o, "m", T0);
    ku_assert_json(
        fields(o, "m", "Update"),
        "{'f:metadata':{'f:finalizers':{'v:\\\"a\\\"':{},'v:\\\"b\\\"':{}},'f:ownerReferences':"
        "{'k:{\\\"uid\\\":\\\"u1\\\"}':{'.':{},'f:uid':{},'f:name':{}}}},'f:spec':{'f:ports':"
        "{'k:{\\\"port\\\":80}':{'.':{},'f:port':{},'f:name':{}}},'f:tolerations':{},"
        "'f:containers':{'k:{\\\"name\\\":\\\"c\\\"}':{'.':{},'f:name':{},'f:args':{},'f:env':"
        "{'k:{\\\"name\\\":\\\"E\\\"}':{'.':{},'f:name':{},'f:value':{}}}}}}}");
    /* removing one finalizer releases only that set item */
    json_t *o2 = json_deep_copy(o);
    json_array_remove(daas_kube_path(o2, "metadata.finalizers"), 0);
    daas_kube_track_update(o, o2, "other", T1);
    assert_null(json_object_get(
        json_object_get(json_object_get(fields(o2, "m", "Update"), "f:metadata"), "f:finalizers"),
        "v:\"a\""));
    assert_non_null(json_object_get(
        json_object_get(json_object_get(fields(o2, "m", "Update"), "f:metadata"), "f:finalizers"),
        "v:\"b\""));
    assert_null(entry(o2, "other", "Update"));
    json_decref(o);
    json_decref(o2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_create),
        cmocka_unit_test(test_apply_removes_dropped_fields),
        cmocka_unit_test(test_apply_prunes_emptied_maps),
        cmocka_unit_test(test_apply_conflict),
        cmocka_unit_test(test_apply_force),
        cmocka_unit_test(test_apply_conflict_in_list_item),
        cmocka_unit_test(test_apply_many_conflicts),
        cmocka_unit_test(test_apply_after_update_takes_field),
        cmocka_unit_test(test_apply_shared_field_kept),
        cmocka_unit_test(test_apply_list_item_co_owned),
        cmocka_unit_test(test_apply_errors),
        cmocka_unit_test(test_apply_depth_limit),
        cmocka_unit_test(test_ownership_ignores_server_fields),
        cmocka_unit_test(test_track_update),
        cmocka_unit_test(test_track_update_keeps_entries),
        cmocka_unit_test(test_fieldsets_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
