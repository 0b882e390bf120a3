/*
 * test_fieldset.c: the managedFields a create records, written in one walk (src/kube/fieldset.c),
 *                  against the general field-set algorithm of apply.c.
 *
 * Every case tracks the same object twice, once through daas_kube_track_update (which takes the
 * one-walk path on create) and once through daas_kube__track_update_general, and requires the
 * same bytes in key order (daas_kube_json_dump, what is stored). Hand-written objects cover
 * nested maps, keyed lists (containers[name], ports[containerPort], env, volumes, conditions),
 * sets of scalars (finalizers), atomic lists, ignored members, pruning, repeated keys and depth;
 * a seeded generator adds a few thousand random objects over the same vocabulary. JSON here uses
 * ' for ".
 */
#include "kube/kube_testutil.h"

#include <stdio.h>

#include "kube/fieldset_int.h"
#include "kube/obj.h"
#include "kube/patch.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

/* Compact JSON of v in stored key order. New allocation. */
static char *dump_ordered(const json_t *v)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_kube_json_dump(v, &b), DAAS_OK);
    char *s = daas_buf_steal(&b, NULL);
    daas_buf_fini(&b);
    return s;
}

/* Tracks a create of obj both ways; asserts identical bytes. Returns the tracked object. */
static json_t *same_both_ways(const json_t *obj)
{
    json_t *fast = json_deep_copy(obj), *slow = json_deep_copy(obj);
    daas_kube_track_update(NULL, fast, "creator", T0);
    daas_kube__track_update_general(NULL, slow, "creator", T0);
    char *a = dump_ordered(fast), *b = dump_ordered(slow);
    if (strcmp(a, b) != 0)
        print_error("fast:    %s\ngeneral: %s\n", a, b);
    assert_string_equal(a, b);
    daas_free(a);
    daas_free(b);
    json_decref(slow);
    return fast;
}

static void check_same(const char *obj_s)
{
    json_t *o = ku_json(obj_s);
    json_decref(same_both_ways(o));
    json_decref(o);
}

/* The one-walk FieldsV1 of obj_s must be want_s, in this key order, with rc DAAS_OK. */
static void check_v1(const char *obj_s, const char *want_s)
{
    json_t *o = ku_json(obj_s), *want = ku_json(want_s), *got = NULL;
    assert_int_equal(daas_kube__fields_v1_of(o, &got), DAAS_OK);
    char *g = dump_ordered(got), *w = dump_ordered(want);
    assert_string_equal(g, w);
    daas_free(g);
    daas_free(w);
    json_decref(got);
    json_decref(want);
    json_decref(o);
}

#define POD                                                                                        \
    "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default',"                \
    "'uid':'u-1','creationTimestamp':'2023-11-14T22:13:20Z','labels':{'app':'web','tier':'b'},"    \
    "'annotations':{'z':'1','a.b/c':'2'},'finalizers':['x/y','a/b','x/y']},"                     \
    "'spec':{'containers':[{'name':'web','image':'nginx:1','command':['nginx','-g'],"             \
    "'ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':443,'name':'tls'}],"        \
    "'env':[{'name':'B','value':'2'},{'name':'A','value':'1'}],"                                 \
    "'resources':{'limits':{'cpu':'1'},'requests':{}},"                                           \
    "'livenessProbe':{'httpGet':{'path':'/','port':80},'periodSeconds':10},"                     \
    "'volumeMounts':[{'mountPath':'/data','name':'d'}]},"                                        \
    "{'name':'side','image':'busybox','args':[]}],"                                               \
    "'initContainers':[],'volumes':[{'name':'d','emptyDir':{}}],'nodeSelector':null,"            \
    "'tolerations':[{'key':'k','operator':'Exists'}]},"                                           \
    "'status':{'phase':'Pending','conditions':[{'type':'Ready','status':'False'}]}}"

/* A pod like the bench's: labels, annotations, finalizers, two containers with ports and env. */
static void test_pod(void **state)
{
    (void)state;
    check_same(POD);
    check_v1(POD,
             "{'f:metadata':{'f:annotations':{'f:a.b/c':{},'f:z':{}},"
             "'f:finalizers':{'v:\\'a/b\\'':{},'v:\\'x/y\\'':{}},"
             "'f:labels':{'f:app':{},'f:tier':{}}},"
             "'f:spec':{'f:containers':{"
             "'k:{\\'name\\':\\'side\\'}':{'.':{},'f:args':{},'f:image':{},'f:name':{}},"
             "'k:{\\'name\\':\\'web\\'}':{'.':{},'f:command':{},"
             "'f:env':{'k:{\\'name\\':\\'A\\'}':{'.':{},'f:name':{},'f:value':{}},"
             "'k:{\\'name\\':\\'B\\'}':{'.':{},'f:name':{},'f:value':{}}},"
             "'f:image':{},"
             "'f:livenessProbe':{'f:httpGet':{'f:path':{},'f:port':{}},'f:periodSeconds':{}},"
             "'f:name':{},"
             "'f:ports':{'k:{\\'containerPort\\':443}':{'.':{},'f:containerPort':{},'f:name':{}},"
             "'k:{\\'containerPort\\':80}':{'.':{},'f:containerPort':{},'f:protocol':{}}},"
             "'f:resources':{'f:limits':{'f:cpu':{}},'f:requests':{}},"
             "'f:volumeMounts':{'k:{\\'mountPath\\':\\'/data\\'}':{'.':{},'f:mountPath':{},"
             "'f:name':{}}}}},"
             "'f:nodeSelector':{},'f:tolerations':{},"
             "'f:volumes':{'k:{\\'name\\':\\'d\\'}':{'.':{},'f:emptyDir':{},'f:name':{}}}}}");
}

/* The entry itself: manager, operation, apiVersion, time, fieldsType, fieldsV1, in that order. */
static void test_entry(void **state)
{
    (void)state;
    json_t *o = ku_json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},"
                        "'spec':{'replicas':2}}");
    json_t *t = same_both_ways(o);
    char *s = dump_ordered(daas_kube_path(t, "metadata.managedFields"));
    assert_string_equal(s, "[{\"manager\":\"creator\",\"operation\":\"Update\","
                           "\"apiVersion\":\"apps/v1\",\"time\":\"2023-11-14T22:13:20Z\","
                           "\"fieldsType\":\"FieldsV1\","
                           "\"fieldsV1\":{\"f:spec\":{\"f:replicas\":{}}}}]");
    daas_free(s);
    json_decref(t);
    json_decref(o);
}

/* Objects that own nothing, or whose only members are pruned, get no managedFields. */
static void test_nothing_owned(void **state)
{
    (void)state;
    static const char *const objs[] = {
        "{}",
        "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'n'}}",
        "{'kind':'X','metadata':{'name':'c','managedFields':[]}}",
        "{'kind':'X','metadata':{'name':'c','managedFields':null}}",
        "{'spec':{'containers':[]},'metadata':{'finalizers':[]},'status':{'a':1}}",
        "{'spec':{'template':{'spec':{'initContainers':[],'volumes':[]}}}}",
    };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        json_t *o = ku_json(objs[i]);
        json_t *t = same_both_ways(o);
        assert_null(daas_kube_path(t, "metadata.managedFields"));
        json_decref(t);
        json_decref(o);
    }
}

/* Shapes: atomic lists of maps, mixed lists, lists of lists, scalars of every type, maps deep
 * inside keyed items, a non-object metadata, keys needing JSON escapes, long and odd keys. */
static void test_shapes(void **state)
{
    (void)state;
    static const char *const objs[] = {
        "{'metadata':'str','spec':1}",
        "{'metadata':{'labels':{},'annotations':{'a':null}},'data':{'k':'v','e':''}}",
        "{'spec':{'tolerations':[{'a':1},{'b':[1,2]}],'x':[[1],[2]],'y':[1,'a',null,true,1.5]}}",
        "{'metadata':{'finalizers':['b','a',1,null,false,2.5,'a']}}",
        "{'metadata':{'finalizers':['a',{'b':1}]}}",
        "{'metadata':{'ownerReferences':[{'uid':'2','kind':'A'},{'uid':'1','name':'n'}]}}",
        "{'metadata':{'ownerReferences':[{'uid':'2'},{'kind':'no uid'}]}}",
        "{'spec':{'containers':[{'name':'a'},{'image':'no name'}]}}",
        "{'spec':{'containers':[{'name':'q\\'\\\\\\u0001\\u00e9','ports':[{'containerPort':1.5}]}]}}",
        "{'spec':{'containers':[{'name':{'x':1}},{'name':[1,2]},{'name':null}]}}",
        "{'spec':{'template':{'spec':{'containers':[{'name':'c','env':[{'name':'E',"
        "'valueFrom':{'secretKeyRef':{'name':'s','key':'k'}}}],'volumeMounts':[]}]}}}}",
        "{'status':{'conditions':[{'type':'A'}]},'spec':{'conditions':[{'type':'B','x':{}}]}}",
        "{'a.b':{'c.d':[{'name':'x'}]},'z':{'containers':[{'name':'n','ports':[{'containerPort':1}]}]}}",
        "{'spec':{'volumes':[{'name':'v','secret':{'items':[{'key':'a','path':'b'}]}}],"
        "'hostAliases':[{'ip':'1.2.3.4','hostnames':['a']}],'imagePullSecrets':[{'name':'r'}]}}",
        "{'\\u00e9t\\u00e9':{'\\u0001':1},'B':1,'a':1,'A':1,'_':1,'.':1,'~':1}",
    };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++)
        check_same(objs[i]);
}

/* Repeated keyed items are merged by the general path; the one walk hands them over. */
static void test_repeated_items(void **state)
{
    (void)state;
    const char *dup = "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'a','args':[]}]}}";
    json_t *o = ku_json(dup), *v1 = (json_t *)1;
    assert_int_equal(daas_kube__fields_v1_of(o, &v1), DAAS_ECONFLICT);
    assert_null(v1);
    json_t *t = same_both_ways(o);
    ku_assert_json(json_object_get(json_array_get(daas_kube_path(t, "metadata.managedFields"), 0),
                                   "fieldsV1"),
                   "{'f:spec':{'f:containers':{'k:{\\'name\\':\\'a\\'}':{'.':{},'f:args':{},"
                   "'f:image':{},'f:name':{}}}}}");
    json_decref(t);
    json_decref(o);
    check_same("{'spec':{'containers':[{'name':'a','ports':[{'containerPort':1},"
               "{'containerPort':1,'protocol':'UDP'}]}]}}");
    /* keys with a NUL byte (not from JSON text) read as C strings: "a\0x" and "a\0y" are one */
    json_t *nul = ku_json("{'data':{}}");
    json_object_setn_new(json_object_get(nul, "data"), "a\0x", 3, json_integer(1));
    json_object_setn_new(json_object_get(nul, "data"), "a\0y", 3, json_integer(2));
    v1 = NULL;
    assert_int_equal(daas_kube__fields_v1_of(nul, &v1), DAAS_ECONFLICT);
    json_decref(same_both_ways(nul));
    json_decref(nul);
}

/* Builds {'a':{'a':...{'a':1}}} with n maps below the root. */
static json_t *nested(int n)
{
    json_t *v = json_integer(1);
    for (int i = 0; i < n; i++) {
        json_t *m = json_object();
        json_object_set_new(m, "a", v);
        v = m;
    }
    return v;
}

/* Too deep: both paths leave the object untouched; at the limit both track it. */
static void test_depth(void **state)
{
    (void)state;
    for (int n = DAAS_KUBE_PATCH_MAX_DEPTH - 1; n <= DAAS_KUBE_PATCH_MAX_DEPTH + 2; n++) {
        json_t *o = nested(n), *v1 = NULL;
        int rc = daas_kube__fields_v1_of(o, &v1);
        json_t *t = same_both_ways(o);
        bool tracked = daas_kube_path(t, "metadata.managedFields") != NULL;
        assert_int_equal(rc == DAAS_OK, tracked);
        assert_int_equal(tracked, n <= DAAS_KUBE_PATCH_MAX_DEPTH + 1);
        if (!tracked)
            assert_true(json_equal(t, o));
        json_decref(v1);
        json_decref(t);
        json_decref(o);
    }
    /* depth through keyed list items counts each item */
    json_t *deep = ku_json("{'spec':{'containers':[]}}");
    json_t *items = daas_kube_path(deep, "spec.containers");
    json_t *c = ku_json("{'name':'c'}");
    json_object_set_new(c, "x", nested(DAAS_KUBE_PATCH_MAX_DEPTH - 2));
    json_array_append_new(items, c);
    json_decref(same_both_ways(deep));
    json_decref(deep);
}

/* A create that already carries managedFields takes the general path (entries kept). */
static void test_existing_entries(void **state)
{
    (void)state;
    check_same("{'metadata':{'managedFields':[{'manager':'other','operation':'Update',"
               "'fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}}]},'data':{'a':'1','b':'2'}}");
}

/* More members and items than fit the walk's stack arrays; paths too long for the merge-key
 * lookup (lists below them are atomic, in both paths alike). */
static void test_large_and_long(void **state)
{
    (void)state;
    json_t *o = ku_json("{'metadata':{'finalizers':[]},'spec':{'containers':[]},'data':{}}");
    json_t *fin = daas_kube_path(o, "metadata.finalizers");
    json_t *cs = daas_kube_path(o, "spec.containers");
    json_t *data = daas_kube_path(o, "data");
    char key[64];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", (i * 7) % 40);
        json_object_set_new(data, key, json_integer(i));
        json_array_append_new(fin, json_string(key + (i % 3)));
        json_t *c = json_object();
        json_object_set_new(c, "name", json_string(key));
        json_object_set_new(c, "ports", ku_json("[{'containerPort':2},{'containerPort':1}]"));
        json_array_append_new(cs, c);
    }
    json_decref(same_both_ways(o));
    json_decref(o);

    char lng[700];
    memset(lng, 'x', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    for (size_t cut = 300; cut < sizeof lng; cut += 200) {
        lng[cut] = '\0';
        json_t *inner = ku_json("{'containers':[{'name':'a'}],'b':{'containers':[{'name':'b'}]}}");
        json_t *mid = json_object(), *root = json_object();
        json_object_set_new(mid, lng, inner);
        json_object_set_new(root, lng, mid);
        json_object_set_new(root, "containers", ku_json("[{'name':'top'}]"));
        json_decref(same_both_ways(root));
        json_decref(root);
        lng[cut] = 'x';
    }
}

/* ---- random objects ------------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const char *const vocab[] = {
    "spec",   "template",      "containers", "initContainers", "name",  "ports", "containerPort",
    "env",    "volumeMounts",  "mountPath",  "volumes",        "conditions", "type", "metadata",
    "labels", "finalizers",    "ownerReferences", "uid", "status", "image", "command", "a", "b",
    "value",  "kind",          "apiVersion", "namespace", "resourceVersion", "tolerations", "x.y",
};

static json_t *rnd_value(int depth);

static json_t *rnd_scalar(void)
{
    static const char *const strs[] = {"a", "b", "web", "80", "", "é"};
    switch (rnd(6)) {
    case 0: return json_integer(rnd(4));
    case 1: return json_string(strs[rnd(6)]);
    case 2: return json_null();
    case 3: return json_boolean(rnd(2));
    case 4: return json_real(rnd(3) + 0.5);
    default: return json_string(vocab[rnd(sizeof vocab / sizeof vocab[0])]);
    }
}

static json_t *rnd_object(int depth)
{
    json_t *o = json_object();
    uint32_t n = rnd(depth > 4 ? 2 : 6);
    for (uint32_t i = 0; i < n; i++)
        json_object_set_new(o, vocab[rnd(sizeof vocab / sizeof vocab[0])], rnd_value(depth + 1));
    return o;
}

/* A list of maps that mostly carry the merge keys in use, or of scalars. */
static json_t *rnd_list(int depth)
{
    static const char *const keys[] = {"name", "containerPort", "mountPath", "type", "uid"};
    json_t *a = json_array();
    uint32_t n = rnd(4), kind = rnd(3);
    for (uint32_t i = 0; i < n; i++) {
        if (kind == 0) {
            json_array_append_new(a, rnd_scalar());
            continue;
        }
        json_t *o = depth > 4 ? json_object() : rnd_object(depth + 1);
        if (kind == 1 || rnd(4) != 0)
            json_object_set_new(o, keys[rnd(5)], rnd(3) ? json_integer(rnd(3)) : json_string("n"));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *rnd_value(int depth)
{
    uint32_t r = rnd(10);
    if (depth > 6 || r < 4)
        return rnd_scalar();
    return r < 7 ? rnd_object(depth) : rnd_list(depth);
}

/* Random objects over the vocabulary above; most must take the one-walk path. */
static void test_random(void **state)
{
    (void)state;
    rng_state = 0x9e3779b97f4a7c15u;
    int fast = 0, total = 3000;
    for (int i = 0; i < total; i++) {
        json_t *o = rnd_object(0), *v1 = NULL;
        if (daas_kube__fields_v1_of(o, &v1) == DAAS_OK)
            fast++;
        json_decref(v1);
        json_decref(same_both_ways(o));
        json_decref(o);
    }
    assert_true(fast > total / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_nothing_owned),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_repeated_items),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_existing_entries),
        cmocka_unit_test(test_large_and_long),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
