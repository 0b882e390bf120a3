/*
 * test_patch.c: JSON merge patch, JSON patch and strategic merge patch
 * (src/kube/patch_merge.c, patch_json.c, patch_strategic.c).
 *
 * Cases: the RFC 7386 and RFC 6902 appendix examples, what kubectl 1.32 sends (specs §3),
 * and upstream strategicpatch test vectors (k8s.io/apimachinery patch_test.go) with their
 * test fields mapped onto our merge-key paths (mergingList → spec.containers, mergingIntList
 * → metadata.finalizers). JSON in this file uses ' for " to stay readable.
 */
#include "kube/kube_testutil.h"

#include "kube/patch.h"

typedef int (*patch_fn)(const json_t *, const json_t *, json_t **, daas_err *);

/* Applies patch to doc with fn, checks the result and that neither input changed. */
static void run_ok(patch_fn fn, const char *doc, const char *patch, const char *want)
{
    json_t *d = ku_json(doc), *p = ku_json(patch), *out = NULL;
    json_t *d0 = json_deep_copy(d), *p0 = json_deep_copy(p);
    daas_err err = {0};
    int rc = fn(d, p, &out, &err);
    if (rc != DAAS_OK)
        print_error("unexpected failure %d: %s\n", rc, err.msg);
    assert_int_equal(rc, DAAS_OK);
    ku_assert_json(out, want);
    assert_true(json_equal(d, d0));
    assert_true(json_equal(p, p0));
    json_decref(out);
    json_decref(d);
    json_decref(p);
    json_decref(d0);
    json_decref(p0);
}

/* Expects fn to fail with code and a message containing part; *out must stay NULL. */
static void run_err(patch_fn fn, const char *doc, const char *patch, int code, const char *part)
{
    json_t *d = ku_json(doc), *p = ku_json(patch), *out = (json_t *)1;
    daas_err err = {0};
    int rc = fn(d, p, &out, &err);
    if (rc != code || strstr(err.msg, part) == NULL)
        print_error("rc %d (want %d), msg \"%s\" (want \"%s\")\n", rc, code, err.msg, part);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, part));
    assert_null(out);
    json_decref(d);
    json_decref(p);
}

/* Builds {'a':{'a':...{'a':1}}} nested n levels. */
static json_t *nested(int n)
{
    json_t *v = json_integer(1);
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "a", v);
        v = o;
    }
    return v;
}

/* ---- merge patch ------------------------------------------------------------------------ */

static void test_merge_rfc7386_examples(void **state)
{
    (void)state;
    patch_fn f = daas_kube_merge_patch;
    run_ok(f, "{'a':'b'}", "{'a':'c'}", "{'a':'c'}");
    run_ok(f, "{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}");
    run_ok(f, "{'a':'b'}", "{'a':null}", "{}");
    run_ok(f, "{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}");
    run_ok(f, "{'a':['b']}", "{'a':'c'}", "{'a':'c'}");
    run_ok(f, "{'a':'c'}", "{'a':['b']}", "{'a':['b']}");
    run_ok(f, "{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}");
    run_ok(f, "{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}");
    run_ok(f, "{'e':null}", "{'a':1}", "{'e':null,'a':1}");
    run_ok(f, "[1,2]", "{'a':'b','c':null}", "{'a':'b'}");
    run_ok(f, "{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}");
    /* a scalar target is replaced by an object before merging */
    run_ok(f, "{'a':5}", "{'a':{'x':1,'y':null}}", "{'a':{'x':1}}");
}

static void test_merge_kubectl(void **state)
{
    (void)state;
    patch_fn f = daas_kube_merge_patch;
    const char *pod = "{'metadata':{'name':'web','labels':{'app':'web','tier':'fe'}},"
                      "'spec':{'replicas':3}}";
    /* kubectl label pod web k=v / k- */
    run_ok(f, pod, "{'metadata':{'labels':{'k':'v'}}}",
           "{'metadata':{'name':'web','labels':{'app':'web','tier':'fe','k':'v'}},"
           "'spec':{'replicas':3}}");
    run_ok(f, pod, "{'metadata':{'labels':{'tier':null}}}",
           "{'metadata':{'name':'web','labels':{'app':'web'}},'spec':{'replicas':3}}");
    /* kubectl scale → merge patch on /scale */
    run_ok(f, pod, "{'spec':{'replicas':1}}",
           "{'metadata':{'name':'web','labels':{'app':'web','tier':'fe'}},'spec':{'replicas':1}}");
    /* {} is the identity */
    run_ok(f, pod, "{}", pod);
}

static void test_merge_errors(void **state)
{
    (void)state;
    run_err(daas_kube_merge_patch, "{'a':1}", "['c','d']", DAAS_EINVAL, "must be a JSON object");
    run_err(daas_kube_merge_patch, "{'a':1}", "null", DAAS_EINVAL, "must be a JSON object");
}

static void test_merge_depth_limit(void **state)
{
    (void)state;
    json_t *doc = json_object(), *out = NULL;
    daas_err err = {0};
    json_t *deep = nested(DAAS_KUBE_PATCH_MAX_DEPTH + 10);
    assert_int_equal(daas_kube_merge_patch(doc, deep, &out, &err), DAAS_EINVAL);
    assert_null(out);
    assert_non_null(strstr(err.msg, "nested"));
    json_decref(deep);
    json_t *ok = nested(DAAS_KUBE_PATCH_MAX_DEPTH - 4);
    assert_int_equal(daas_kube_merge_patch(doc, ok, &out, NULL), DAAS_OK);
    assert_true(json_equal(out, ok));
    json_decref(out);
    json_decref(ok);
    json_decref(doc);
}

/* ---- JSON patch ------------------------------------------------------------------------- */

static void test_json_rfc6902_examples(void **state)
{
    (void)state;
    patch_fn f = daas_kube_json_patch;
    run_ok(f, "{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux'}]",
           "{'baz':'qux','foo':'bar'}");
    run_ok(f, "{'foo':['bar','baz']}", "[{'op':'add','path':'/foo/1','value':'qux'}]",
           "{'foo':['bar','qux','baz']}");
    run_ok(f, "{'baz':'qux','foo':'bar'}", "[{'op':'remove','path':'/baz'}]", "{'foo':'bar'}");
    run_ok(f, "{'foo':['bar','qux','baz']}", "[{'op':'remove','path':'/foo/1'}]",
           "{'foo':['bar','baz']}");
    run_ok(f, "{'baz':'qux','foo':'bar'}", "[{'op':'replace','path':'/baz','value':'boo'}]",
           "{'baz':'boo','foo':'bar'}");
    run_ok(f, "{'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}}",
           "[{'op':'move','from':'/foo/waldo','path':'/qux/thud'}]",
           "{'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}");
    run_ok(f, "{'foo':['all','grass','cows','eat']}",
           "[{'op':'move','from':'/foo/1','path':'/foo/3'}]",
           "{'foo':['all','cows','eat','grass']}");
    run_ok(f, "{'baz':'qux','foo':['a',2,'c']}",
           "[{'op':'test','path':'/baz','value':'qux'},{'op':'test','path':'/foo/1','value':2}]",
           "{'baz':'qux','foo':['a',2,'c']}");
    run_ok(f, "{'foo':'bar'}", "[{'op':'add','path':'/child','value':{'grandchild':{}}}]",
           "{'foo':'bar','child':{'grandchild':{}}}");
    run_ok(f, "{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux','xyz':123}]",
           "{'foo':'bar','baz':'qux'}");
    run_ok(f, "{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':10}]", "{'/':9,'~1':10}");
    run_ok(f, "{'foo':['bar']}", "[{'op':'add','path':'/foo/-','value':['abc','def']}]",
           "{'foo':['bar',['abc','def']]}");
    run_ok(f, "{'a/b':1,'m~n':2}",
           "[{'op':'replace','path':'/a~1b','value':3},{'op':'remove','path':'/m~0n'}]",
           "{'a/b':3}");
}

static void test_json_errors_rfc(void **state)
{
    (void)state;
    patch_fn f = daas_kube_json_patch;
    run_err(f, "{'baz':'qux'}", "[{'op':'test','path':'/baz','value':'bar'}]", DAAS_EINVALID,
            "testing value /baz failed: test failed");
    run_err(f, "{'foo':'bar'}", "[{'op':'add','path':'/baz/bat','value':'qux'}]", DAAS_EINVALID,
            "add operation does not apply: doc is missing path: \"/baz/bat\"");
    run_err(f, "{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':'10'}]", DAAS_EINVALID,
            "test failed");
    run_err(f, "{'a':1}", "[{'op':'remove','path':'/b'}]", DAAS_EINVALID,
            "Unable to remove nonexistent key: b");
    run_err(f, "{'a':1}", "[{'op':'replace','path':'/b','value':2}]", DAAS_EINVALID,
            "replace operation does not apply: doc is missing key: /b");
    run_err(f, "{'a':1}", "[{'op':'move','from':'/x','path':'/b'}]", DAAS_EINVALID,
            "move operation does not apply: doc is missing from path: /x");
    run_err(f, "{'a':1}", "[{'op':'copy','from':'/x','path':'/b'}]", DAAS_EINVALID,
            "copy operation does not apply: doc is missing from path: /x");
    run_err(f, "{'a':{'b':1}}", "[{'op':'move','from':'/a','path':'/a/b/c'}]", DAAS_EINVALID,
            "prefix");
    run_err(f, "{'a':1}", "[{'op':'test','path':'/zz','value':1}]", DAAS_EINVALID,
            "missing path: /zz");
}

static void test_json_array_bounds(void **state)
{
    (void)state;
    patch_fn f = daas_kube_json_patch;
    run_ok(f, "{'l':[1,2]}", "[{'op':'add','path':'/l/2','value':3}]", "{'l':[1,2,3]}");
    run_ok(f, "{'l':[1,2]}", "[{'op':'add','path':'/l/0','value':0}]", "{'l':[0,1,2]}");
    run_ok(f, "{'l':[1,2]}", "[{'op':'replace','path':'/l/1','value':9}]", "{'l':[1,9]}");
    run_ok(f, "{'l':[]}", "[{'op':'add','path':'/l/-','value':{'a':1}}]", "{'l':[{'a':1}]}");
    run_err(f, "{'l':[1,2]}", "[{'op':'add','path':'/l/3','value':3}]", DAAS_EINVALID,
            "invalid index");
    run_err(f, "{'l':[1,2]}", "[{'op':'remove','path':'/l/2'}]", DAAS_EINVALID, "invalid index");
    run_err(f, "{'l':[1,2]}", "[{'op':'remove','path':'/l/-'}]", DAAS_EINVALID, "invalid index");
    run_err(f, "{'l':[1,2]}", "[{'op':'add','path':'/l/x','value':1}]", DAAS_EINVALID,
            "invalid index");
    run_err(f, "{'l':[1,2]}", "[{'op':'replace','path':'/l/5','value':1}]", DAAS_EINVALID,
            "missing key");
    run_err(f, "{'l':[1,2]}", "[{'op':'add','path':'/l/-1','value':1}]", DAAS_EINVALID,
            "invalid index");
}

static void test_json_move_copy_test(void **state)
{
    (void)state;
    patch_fn f = daas_kube_json_patch;
    /* copy is deep: changing the copy leaves the source alone */
    run_ok(f, "{'a':{'x':[1]}}",
           "[{'op':'copy','from':'/a','path':'/b'},{'op':'add','path':'/b/x/-','value':2}]",
           "{'a':{'x':[1]},'b':{'x':[1,2]}}");
    run_ok(f, "{'a':1}", "[{'op':'move','from':'/a','path':'/a'}]", "{'a':1}");
    /* test compares deeply and ignores member order */
    run_ok(f, "{'o':{'x':1,'y':[1,{'z':null}]}}",
           "[{'op':'test','path':'/o','value':{'y':[1,{'z':null}],'x':1}}]",
           "{'o':{'x':1,'y':[1,{'z':null}]}}");
    run_err(f, "{'o':{'x':1,'y':[1,2]}}", "[{'op':'test','path':'/o','value':{'x':1,'y':[2,1]}}]",
            DAAS_EINVALID, "test failed");
    /* replacing and testing the whole document */
    run_ok(f, "{'a':1}",
           "[{'op':'test','path':'','value':{'a':1}},"
           "{'op':'replace','path':'','value':{'b':2}}]",
           "{'b':2}");
    /* kubectl patch --type json: add a label, remove an annotation */
    run_ok(f, "{'metadata':{'labels':{'a':'1'},'annotations':{'x':'y'}}}",
           "[{'op':'add','path':'/metadata/labels/b','value':'2'},"
           "{'op':'remove','path':'/metadata/annotations/x'}]",
           "{'metadata':{'labels':{'a':'1','b':'2'},'annotations':{}}}");
}

static void test_json_malformed(void **state)
{
    (void)state;
    patch_fn f = daas_kube_json_patch;
    run_err(f, "{}", "{'op':'add'}", DAAS_EINVAL, "array");
    run_err(f, "{}", "[{'op':'frobnicate','path':'/a'}]", DAAS_EINVAL,
            "Unexpected kind: frobnicate");
    run_err(f, "{}", "[{'path':'/a','value':1}]", DAAS_EINVAL, "Unexpected kind");
    run_err(f, "{}", "[{'op':'add','value':1}]", DAAS_EINVAL, "\"path\"");
    run_err(f, "{}", "[{'op':'add','path':'a','value':1}]", DAAS_EINVAL, "must start with '/'");
    run_err(f, "{}", "[{'op':'add','path':'/a'}]", DAAS_EINVAL, "missing value");
    run_err(f, "{}", "[{'op':'replace','path':'/a'}]", DAAS_EINVAL, "missing value");
    run_err(f, "{}", "[{'op':'test','path':'/a'}]", DAAS_EINVAL, "missing value");
    run_err(f, "{'a':1}", "[{'op':'copy','path':'/b'}]", DAAS_EINVAL, "\"from\"");
    run_err(f, "{}", "[1]", DAAS_EINVAL, "must be an object");
}

/* All or nothing: a failing later op leaves no partial result behind. */
static void test_json_atomic(void **state)
{
    (void)state;
    run_err(daas_kube_json_patch, "{'a':1}",
            "[{'op':'replace','path':'/a','value':2},{'op':'test','path':'/a','value':3}]",
            DAAS_EINVALID, "testing value /a failed");
}

/* Doubling the document by copying it into itself must stop at the cap, quickly. */
static void test_json_copy_bomb(void **state)
{
    (void)state;
    json_t *ops = json_array();
    for (int i = 0; i < 40; i++)
        json_array_append_new(ops,
                              json_pack("{s:s,s:s,s:s}", "op", "copy", "from", "", "path", "/x/-"));
    json_t *doc = ku_json("{'x':[1,2,3,4,5,6,7,8]}"), *out = NULL;
    daas_err err = {0};
    assert_int_equal(daas_kube_json_patch(doc, ops, &out, &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "copy"));
    assert_null(out);
    json_decref(ops);
    json_decref(doc);
}

/* ---- strategic merge patch: what kubectl sends --------------------------------------------- */

#define DEPLOY_META                                                                                \
    "'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default',"   \
    "'uid':'u1','resourceVersion':'5','generation':1,'labels':{'app':'web'},"                      \
    "'annotations':{'deployment.kubernetes.io/revision':'1',"                                      \
    "'kubectl.kubernetes.io/last-applied-configuration':'OLD'}}"
#define DEPLOY_STATUS                                                                              \
    "'status':{'replicas':1,'conditions':[{'type':'Available','status':'True'},"                   \
    "{'type':'Progressing','status':'True'}]}"
#define CONTAINER(image)                                                                           \
    "{'name':'app','image':'" image "','command':['sleep','3600'],'resources':{},"                 \
    "'imagePullPolicy':'IfNotPresent','ports':[{'containerPort':80,'protocol':'TCP'}],"            \
    "'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}"
#define DEPLOY(replicas, image, meta_extra)                                                        \
    "{" DEPLOY_META ",'spec':{'replicas':" replicas ",'selector':{'matchLabels':{'app':'web'}},"   \
    "'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%','maxUnavailable':'25%'}" \
    "},"                                                                                           \
    "'template':{'metadata':{'labels':{'app':'web'}" meta_extra                                    \
    "},'spec':{'containers':[" CONTAINER(                                                          \
        image) "],'restartPolicy':'Always','dnsPolicy':'ClusterFirst'}}}," DEPLOY_STATUS "}"

static void test_sm_kubectl_apply(void **state)
{
    (void)state;
    const char *live = DEPLOY("1", "busybox:1.36", "");
    const char *patch =
        "{'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'NEW'}},"
        "'spec':{'replicas':3,'template':{'spec':{'$setElementOrder/containers':[{'name':'app'}],"
        "'containers':[{'image':'busybox:1.37','name':'app'}]}}}}";
    char *want = daas_xstrdup(DEPLOY("3", "busybox:1.37", ""));
    char *at = strstr(want, "OLD");
    memcpy(at, "NEW", 3);
    run_ok(daas_kube_strategic_patch, live, patch, want);
    daas_free(want);
}

static void test_sm_kubectl_set_image_and_restart(void **state)
{
    (void)state;
    run_ok(daas_kube_strategic_patch, DEPLOY("1", "busybox:1.36", ""),
           "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'app'}],"
           "'containers':[{'image':'nginx:1.27','name':'app'}]}}}}",
           DEPLOY("1", "nginx:1.27", ""));
    run_ok(daas_kube_strategic_patch, DEPLOY("1", "busybox:1.36", ""),
           "{'spec':{'template':{'metadata':{'annotations':"
           "{'kubectl.kubernetes.io/restartedAt':'2025-06-01T10:00:00Z'}}}}}",
           DEPLOY("1", "busybox:1.36",
                  ",'annotations':{'kubectl.kubernetes.io/restartedAt':'2025-06-01T10:00:00Z'}"));
}

/* kubectl apply after an env var and a port were removed from the manifest, and a field
 * dropped: the three-way patch kubectl computes. */
static void test_sm_kubectl_apply_deletions(void **state)
{
    (void)state;
    const char *live = "{'spec':{'containers':[" CONTAINER("i") "]}}";
    run_ok(daas_kube_strategic_patch, live,
           "{'spec':{'$setElementOrder/containers':[{'name':'app'}],'containers':[{"
           "'$setElementOrder/env':[{'name':'A'}],'env':[{'$patch':'delete','name':'B'}],"
           "'$setElementOrder/ports':[],'ports':[{'$patch':'delete','containerPort':80}],"
           "'command':null,'name':'app'}]}}",
           "{'spec':{'containers':[{'name':'app','image':'i','resources':{},"
           "'imagePullPolicy':'IfNotPresent','ports':[],'env':[{'name':'A','value':'1'}]}]}}");
}

/* kubectl edit that adds a sidecar in front and changes status. */
static void test_sm_kubectl_edit(void **state)
{
    (void)state;
    run_ok(daas_kube_strategic_patch,
           "{'spec':{'containers':[{'name':'app','image':'a'}]},'status':{'phase':'Pending'}}",
           "{'spec':{'$setElementOrder/containers':[{'name':'side'},{'name':'app'}],"
           "'containers':[{'image':'nginx','name':'side'}]},'status':{'phase':'Running'}}",
           "{'spec':{'containers':[{'name':'side','image':'nginx'},{'name':'app','image':'a'}]},"
           "'status':{'phase':'Running'}}");
    /* without $setElementOrder, upstream puts the new item before the live ones */
    run_ok(daas_kube_strategic_patch, "{'spec':{'containers':[{'name':'app','image':'a'}]}}",
           "{'spec':{'containers':[{'name':'side','image':'s'}]}}",
           "{'spec':{'containers':[{'name':'side','image':'s'},{'name':'app','image':'a'}]}}");
}

static void test_sm_merge_keys_in_action(void **state)
{
    (void)state;
    patch_fn f = daas_kube_strategic_patch;
    /* Service ports merge on port */
    run_ok(f,
           "{'spec':{'ports':[{'name':'http','port':80,'targetPort':8080,'protocol':'TCP'},"
           "{'name':'https','port':443}]}}",
           "{'spec':{'ports':[{'port':80,'targetPort':9090}]}}",
           "{'spec':{'ports':[{'name':'http','port':80,'targetPort':9090,'protocol':'TCP'},"
           "{'name':'https','port':443}]}}");
    /* node addresses merge on type */
    run_ok(f,
           "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.1'},"
           "{'type':'Hostname','address':'n1'}]}}",
           "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}",
           "{'status':{'addresses':[{'type':'InternalIP','address':'10.0.0.2'},"
           "{'type':'Hostname','address':'n1'}]}}");
    /* conditions merge on type (kubelet status patches) */
    run_ok(f,
           "{'status':{'conditions':[{'type':'Ready','status':'False','reason':'x'},"
           "{'type':'PodScheduled','status':'True'}]}}",
           "{'status':{'$setElementOrder/conditions':[{'type':'Ready'},{'type':'PodScheduled'}],"
           "'conditions':[{'type':'Ready','status':'True','reason':null}]}}",
           "{'status':{'conditions':[{'type':'Ready','status':'True'},"
           "{'type':'PodScheduled','status':'True'}]}}");
    /* ownerReferences merge on uid */
    run_ok(f, "{'metadata':{'ownerReferences':[{'uid':'1','name':'rs1'}]}}",
           "{'metadata':{'ownerReferences':[{'uid':'1','controller':true}]}}",
           "{'metadata':{'ownerReferences':[{'uid':'1','name':'rs1','controller':true}]}}");
    /* lists without a merge key are atomic */
    run_ok(f,
           "{'spec':{'tolerations':[{'key':'a'},{'key':'b'}],'containers':"
           "[{'name':'c','args':['1','2']}]}}",
           "{'spec':{'tolerations':[{'key':'c'}],'containers':[{'name':'c','args':['3']}]}}",
           "{'spec':{'tolerations':[{'key':'c'}],'containers':[{'name':'c','args':['3']}]}}");
}

static void test_sm_finalizers(void **state)
{
    (void)state;
    patch_fn f = daas_kube_strategic_patch;
    /* union; the patch's item goes first when the live order does not place it */
    run_ok(f, "{'metadata':{'finalizers':['a']}}", "{'metadata':{'finalizers':['b','a']}}",
           "{'metadata':{'finalizers':['b','a']}}");
    run_ok(f, "{'metadata':{'finalizers':['a','b']}}", "{'metadata':{'finalizers':['c']}}",
           "{'metadata':{'finalizers':['c','a','b']}}");
    run_ok(f, "{'metadata':{'finalizers':['a','b','c']}}",
           "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','zz']}}",
           "{'metadata':{'finalizers':['a','c']}}");
    /* deleting from a missing list does not create it */
    run_ok(f, "{'metadata':{'name':'x'}}",
           "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}}",
           "{'metadata':{'name':'x'}}");
    /* null still deletes the whole list */
    run_ok(f, "{'metadata':{'finalizers':['a']}}", "{'metadata':{'finalizers':null}}",
           "{'metadata':{}}");
    /* namespace spec.finalizers is atomic */
    run_ok(f, "{'spec':{'finalizers':['kubernetes']}}", "{'spec':{'finalizers':[]}}",
           "{'spec':{'finalizers':[]}}");
}

static void test_sm_retain_keys(void **state)
{
    (void)state;
    patch_fn f = daas_kube_strategic_patch;
    /* kubectl apply switching a Deployment to Recreate */
    run_ok(f, "{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}",
           "{'spec':{'strategy':{'$retainKeys':['type'],'rollingUpdate':null,'type':'Recreate'}}}",
           "{'spec':{'strategy':{'type':'Recreate'}}}");
    /* a volume changing source */
    run_ok(f,
           "{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/x'}},{'name':'o',"
           "'emptyDir':{}}]}}",
           "{'spec':{'$setElementOrder/volumes':[{'name':'data'},{'name':'o'}],'volumes':"
           "[{'$retainKeys':['emptyDir','name'],'emptyDir':{},'name':'data'}]}}",
           "{'spec':{'volumes':[{'name':'data','emptyDir':{}},{'name':'o','emptyDir':{}}]}}");
    run_err(f, "{'spec':{'strategy':{'type':'a'}}}",
            "{'spec':{'strategy':{'$retainKeys':['type'],'other':1}}}", DAAS_EINVAL,
            "invalid patch format of retainKeys");
    run_err(f, "{}", "{'spec':{'$retainKeys':'type'}}", DAAS_EINVAL, "retainKeys");
}

static void test_sm_patch_directive(void **state)
{
    (void)state;
    patch_fn f = daas_kube_strategic_patch;
    run_ok(f, "{'spec':{'selector':{'matchLabels':{'a':'1'},'x':1}}}",
           "{'spec':{'selector':{'$patch':'replace','matchLabels':{'b':'2'}}}}",
           "{'spec':{'selector':{'matchLabels':{'b':'2'}}}}");
    run_ok(f, "{'spec':{'strategy':{'type':'a'}},'k':1}",
           "{'spec':{'strategy':{'$patch':'delete'}}}", "{'spec':{'strategy':{}},'k':1}");
    run_ok(f, "{'spec':{'s':{'a':1}}}", "{'spec':{'s':{'$patch':'merge','b':2}}}",
           "{'spec':{'s':{'a':1,'b':2}}}");
    /* $patch: replace inside a list replaces the list with the other items */
    run_ok(f, "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
           "{'spec':{'containers':[{'$patch':'replace'},{'name':'only','image':'i','x':null}]}}",
           "{'spec':{'containers':[{'name':'only','image':'i'}]}}");
    /* replacing the whole document */
    run_ok(f, "{'a':1,'b':2}", "{'$patch':'replace','c':3}", "{'c':3}");
    run_err(f, "{}", "{'spec':{'$patch':'frobnicate'}}", DAAS_EINVAL, "unknown patch type");
    run_err(f, "{'spec':{'containers':[{'name':'a'}]}}",
            "{'spec':{'containers':[{'$patch':'zap','name':'a'}]}}", DAAS_EINVAL,
            "unknown patch type");
    run_err(f, "{'spec':{'containers':[{'name':'a'}]}}",
            "{'spec':{'containers':[{'$patch':'delete'}]}}", DAAS_EINVAL,
            "does not contain declared merge key: name");
}

/* New subtrees come from the patch: no directive and no null may survive in them. */
static void test_sm_directives_stripped(void **state)
{
    (void)state;
    run_ok(daas_kube_strategic_patch, "{'spec':{}}",
           "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'}],"
           "'containers':[{'name':'a','env':[{'name':'E','value':null}]}],'x':null,"
           "'gone':{'$patch':'delete'},'tolerations':[{'key':'k','value':null},"
           "{'$patch':'delete','key':'z'}]}}}}",
           "{'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'E'}]}],"
           "'tolerations':[{'key':'k'}]}}}}");
    /* type change: a scalar replaced by a map that carries directives */
    run_ok(daas_kube_strategic_patch, "{'a':1}", "{'a':{'$retainKeys':['b'],'b':{'c':null}}}",
           "{'a':{'b':{}}}");
}

static void test_sm_errors(void **state)
{
    (void)state;
    patch_fn f = daas_kube_strategic_patch;
    run_err(f, "{}", "[1]", DAAS_EINVAL, "must be a JSON object");
    run_err(f, "{'spec':{'containers':[{'name':'1','value':'a'}]}}",
            "{'spec':{'containers':[{'value':'b'}]}}", DAAS_EINVAL,
            "does not contain declared merge key: name");
    run_err(f, "{'spec':{'containers':['a']}}", "{'spec':{'containers':[{'name':'b'}]}}",
            DAAS_EINVALID, "list element types are not identical");
    run_err(f, "{'spec':{'containers':[['a']]}}", "{'spec':{'containers':[['b']]}}", DAAS_EINVALID,
            "lists of lists");
    run_err(f, "{'metadata':{'finalizers':[{'a':1}]}}", "{'metadata':{'finalizers':[{'b':1}]}}",
            DAAS_EINVALID, "without merge key");
    run_err(f, "{}", "{'$setElementOrder/x':{}}", DAAS_EINVAL, "setElementOrder");
    run_err(f, "{}", "{'$setElementOrderx':[]}", DAAS_EINVAL, "setElementOrder");
    run_err(f, "{}", "{'$deleteFromPrimitiveList/x':'a'}", DAAS_EINVAL, "primitive list");
}

static void test_sm_depth_limit(void **state)
{
    (void)state;
    json_t *doc = json_object(), *out = NULL;
    daas_err err = {0};
    json_t *deep = nested(DAAS_KUBE_PATCH_MAX_DEPTH + 5);
    assert_int_equal(daas_kube_strategic_patch(doc, deep, &out, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "nested"));
    assert_null(out);
    json_decref(deep);
    /* a deep live document is fine when the patch is shallow */
    json_t *deepdoc = nested(500);
    json_t *p = ku_json("{'b':1}");
    assert_int_equal(daas_kube_strategic_patch(deepdoc, p, &out, NULL), DAAS_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "b")), 1);
    json_decref(out);
    json_decref(p);
    json_decref(deepdoc);
    json_decref(doc);
}

/* Quadratic list work is capped. */
static void test_sm_list_cap(void **state)
{
    (void)state;
    json_t *doc = json_object(), *patch = json_object(), *out = NULL;
    json_t *fin = json_array();
    for (int i = 0; i < 5000; i++)
        json_array_append_new(fin, json_integer(i));
    json_object_set_new(patch, "metadata", json_pack("{s:o}", "finalizers", fin));
    json_object_set_new(doc, "metadata", json_pack("{s:[s]}", "finalizers", "x"));
    daas_err err = {0};
    assert_int_equal(daas_kube_strategic_patch(doc, patch, &out, &err), DAAS_EINVALID);
    assert_null(out);
    json_decref(doc);
    json_decref(patch);
}

/* ---- strategic merge patch: upstream test vectors ------------------------------------------ */

static void test_sm_upstream_vectors(void **state)
{
    (void)state;
    patch_fn f = daas_kube_strategic_patch;
    /* "merge lists of maps" */
    run_ok(f, "{'spec':{'containers':[{'name':1,'other':'a'},{'name':2,'value':2,'other':'b'}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':4},{'name':1},{'name':2},{'name':3}],"
           "'containers':[{'name':4,'value':4},{'name':3,'value':3}]}}",
           "{'spec':{'containers':[{'name':4,'value':4},{'name':1,'other':'a'},"
           "{'name':2,'value':2,'other':'b'},{'name':3,'value':3}]}}");
    /* "set elements order in a list with server-only items" */
    run_ok(f,
           "{'spec':{'containers':[{'name':1,'other':'a'},{'name':3,'value':3},"
           "{'name':4,'value':4},{'name':2,'value':2},{'name':9}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':4},{'name':2},{'name':3},{'name':1}]}}",
           "{'spec':{'containers':[{'name':4,'value':4},{'name':2,'value':2},{'name':3,'value':3},"
           "{'name':1,'other':'a'},{'name':9}]}}");
    /* "... server-only items 2" */
    run_ok(f,
           "{'spec':{'containers':[{'name':1,'other':'a'},{'name':2,'value':2},{'name':9},"
           "{'name':3,'value':3},{'name':4,'value':4}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':2},{'name':1},{'name':4},{'name':3}]}}",
           "{'spec':{'containers':[{'name':2,'value':2},{'name':1,'other':'a'},{'name':9},"
           "{'name':4,'value':4},{'name':3,'value':3}]}}");
    /* "... server-only items 3" */
    run_ok(f,
           "{'spec':{'containers':[{'name':1,'other':'a'},{'name':2,'value':2},{'name':7},"
           "{'name':9},{'name':8},{'name':3,'value':3},{'name':4,'value':4}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':2},{'name':1},{'name':4},{'name':3}]}}",
           "{'spec':{'containers':[{'name':2,'value':2},{'name':1,'other':'a'},{'name':7},"
           "{'name':9},{'name':8},{'name':4,'value':4},{'name':3,'value':3}]}}");
    /* "merge lists of scalars" */
    run_ok(f, "{'metadata':{'finalizers':[1,2,4]}}",
           "{'metadata':{'$setElementOrder/finalizers':[1,2,3],'finalizers':[3]}}",
           "{'metadata':{'finalizers':[1,2,3,4]}}");
    /* "$setElementOrder contains item that is not present in the list to be merged" */
    run_ok(f, "{'spec':{'containers':[{'name':1},{'name':3}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':3},{'name':2},{'name':1}],"
           "'containers':[{'name':3,'value':3},{'name':1,'value':1}]}}",
           "{'spec':{'containers':[{'name':3,'value':3},{'name':1,'value':1}]}}");
    /* "delete and reorder in one list, reorder in another" */
    run_ok(f,
           "{'spec':{'containers':[{'name':'a','value':'a'},{'name':'b','value':'b'}],"
           "'initContainers':[{'name':'c','value':'c'},{'name':'d','value':'d'}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':'b'}],'$setElementOrder/"
           "initContainers':[{'name':'d'},{'name':'c'}],'containers':[{'$patch':'delete',"
           "'name':'a'}]}}",
           "{'spec':{'containers':[{'name':'b','value':'b'}],'initContainers':"
           "[{'name':'d','value':'d'},{'name':'c','value':'c'}]}}");
    /* "retainKeys list of maps clears a field" */
    run_ok(f, "{'spec':{'containers':[{'name':'bar'},{'name':'foo','value':'a','other':'x'}]}}",
           "{'spec':{'$setElementOrder/containers':[{'name':'bar'},{'name':'foo'}],"
           "'containers':[{'$retainKeys':['name','value'],'name':'foo'}]}}",
           "{'spec':{'containers':[{'name':'bar'},{'name':'foo','value':'a'}]}}");
    /* "should check if order in $setElementOrder and patch list match" */
    run_err(f, "{'spec':{'containers':[{'name':1},{'name':3},{'name':2}]}}",
            "{'spec':{'$setElementOrder/containers':[{'name':1},{'name':2},{'name':3}],"
            "'containers':[{'name':3,'value':3},{'name':1,'value':1}]}}",
            DAAS_EINVAL, "doesn't match");
    run_err(f, "{'metadata':{'finalizers':[1,3,2]}}",
            "{'metadata':{'$setElementOrder/finalizers':[1,2,3],'finalizers':[3,1]}}", DAAS_EINVAL,
            "doesn't match");
    /* "add an item in a list of primitives and preserve order" (three-way) */
    run_ok(f, "{'metadata':{'finalizers':[1,2]}}",
           "{'metadata':{'$setElementOrder/finalizers':[3,1,2],'finalizers':[3]}}",
           "{'metadata':{'finalizers':[3,1,2]}}");
}

/* An atomic list ignores $setElementOrder (the list is replaced as it is). */
static void test_sm_order_on_atomic_list(void **state)
{
    (void)state;
    run_ok(daas_kube_strategic_patch, "{'spec':{'tolerations':[{'key':'a'}]}}",
           "{'spec':{'$setElementOrder/tolerations':[{'key':'b'}],'tolerations':[{'key':'b'}]}}",
           "{'spec':{'tolerations':[{'key':'b'}]}}");
}

static void test_merge_key_table(void **state)
{
    (void)state;
    static const struct {
        const char *path, *key;
    } cases[] = {
        {"spec.containers", "name"},
        {"spec.template.spec.containers", "name"},
        {"spec.jobTemplate.spec.template.spec.initContainers", "name"},
        {"spec.ephemeralContainers", "name"},
        {"spec.template.spec.containers.ports", "containerPort"},
        {"spec.initContainers.ports", "containerPort"},
        {"spec.containers.env", "name"},
        {"spec.template.spec.containers.volumeMounts", "mountPath"},
        {"spec.containers.volumeDevices", "devicePath"},
        {"spec.volumes", "name"},
        {"spec.template.spec.volumes", "name"},
        {"spec.imagePullSecrets", "name"},
        {"spec.hostAliases", "ip"},
        {"spec.topologySpreadConstraints", "topologyKey"},
        {"spec.schedulingGates", "name"},
        {"spec.resourceClaims", "name"},
        {"status.conditions", "type"},
        {"conditions", "type"},
        {"status.podIPs", "ip"},
        {"status.hostIPs", "ip"},
        {"spec.ports", "port"},
        {"status.addresses", "type"},
        {"metadata.ownerReferences", "uid"},
        {"spec.template.metadata.finalizers", ""},
        {"metadata.finalizers", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *k = daas_kube_merge_key(cases[i].path);
        if (k == NULL || strcmp(k, cases[i].key) != 0)
            print_error("%s: got %s want %s\n", cases[i].path, k ? k : "(atomic)", cases[i].key);
        assert_non_null(k);
        assert_string_equal(k, cases[i].key);
    }
    static const char *const atomic[] = {"spec.template.spec.tolerations",
                                         "spec.containers.args",
                                         "spec.containers.command",
                                         "spec.selector.matchExpressions",
                                         "spec.finalizers",
                                         "subsets.addresses",
                                         "endpoints.addresses",
                                         "spec.template.spec.ports",
                                         "spec.containers.envFrom",
                                         "spec.foo.ports",
                                         "status.containerStatuses",
                                         "items",
                                         "",
                                         "ports",
                                         "env"};
    for (size_t i = 0; i < sizeof atomic / sizeof atomic[0]; i++) {
        if (daas_kube_merge_key(atomic[i]) != NULL)
            print_error("%s should be atomic\n", atomic[i]);
        assert_null(daas_kube_merge_key(atomic[i]));
    }
    assert_null(daas_kube_merge_key(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_rfc7386_examples),
        cmocka_unit_test(test_merge_kubectl),
        cmocka_unit_test(test_merge_errors),
        cmocka_unit_test(test_merge_depth_limit),
        cmocka_unit_test(test_json_rfc6902_examples),
        cmocka_unit_test(test_json_errors_rfc),
        cmocka_unit_test(test_json_array_bounds),
        cmocka_unit_test(test_json_move_copy_test),
        cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_atomic),
        cmocka_unit_test(test_json_copy_bomb),
        cmocka_unit_test(test_sm_kubectl_apply),
        cmocka_unit_test(test_sm_kubectl_set_image_and_restart),
        cmocka_unit_test(test_sm_kubectl_apply_deletions),
        cmocka_unit_test(test_sm_kubectl_edit),
        cmocka_unit_test(test_sm_merge_keys_in_action),
        cmocka_unit_test(test_sm_finalizers),
        cmocka_unit_test(test_sm_retain_keys),
        cmocka_unit_test(test_sm_patch_directive),
        cmocka_unit_test(test_sm_directives_stripped),
        cmocka_unit_test(test_sm_errors),
        cmocka_unit_test(test_sm_depth_limit),
        cmocka_unit_test(test_sm_list_cap),
        cmocka_unit_test(test_sm_upstream_vectors),
        cmocka_unit_test(test_sm_order_on_atomic_list),
        cmocka_unit_test(test_merge_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
