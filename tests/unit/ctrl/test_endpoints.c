/*
 * test_endpoints.c: the Endpoints / EndpointSlice plans (src/ctrl/endpoints.c, epslice.c).
 *
 * Cases follow pkg/controller/endpoint (endpoints_controller_test.go: ready vs
 * notReadyAddresses, publishNotReadyAddresses, headless without ports, named ports, the
 * 1000-address truncation) and pkg/controller/endpointslice (reconciler_test.go: placeholder
 * slice, max endpoints per slice, in-place updates, fill order, labels).
 * JSON in this file uses ' for ".
 */
#include "kube/kube_testutil.h"

#include "ctrl/endpoints.h"
#include "kube/obj.h"

/* A pod of app=web in default with IP ip ("" for none), Ready ready, on node. */
static json_t *mkpod(const char *name, const char *ip, bool ready, const char *node,
                     const char *extra_meta)
{
    char *s = daas_xasprintf(
        "{'metadata':{'name':'%s','namespace':'default','uid':'uid-%s','labels':{'app':'web'}"
        "%s},'spec':{'nodeName':'%s','containers':[{'name':'c','ports':[{'name':'web',"
        "'containerPort':8080}]}]},'status':{'phase':'Running','podIP':'%s','podIPs':[{'ip':"
        "'%s'}],'conditions':[{'type':'Ready','status':'%s'}]}}",
        name, name, extra_meta ? extra_meta : "", node, ip, ip, ready ? "True" : "False");
    json_t *p = ku_json(s);
    daas_free(s);
    return p;
}

static json_t *svc_web(const char *extra_spec)
{
    char *s = daas_xasprintf("{'metadata':{'name':'web','namespace':'default','uid':'svc-uid',"
                             "'labels':{'team':'a'}},'spec':{'selector':{'app':'web'},"
                             "'clusterIP':'10.43.1.9','ports':[{'name':'http','port':80,"
                             "'targetPort':8080,'protocol':'TCP'}]%s}}",
                             extra_spec ? extra_spec : "");
    json_t *v = ku_json(s);
    daas_free(s);
    return v;
}

/* web-a ready 10.42.0.5 n1, web-b not ready 10.42.0.4 n2, web-c no IP, web-d Succeeded,
 * web-e terminating (ready) 10.42.0.6 n1, db-x another app. */
static json_t *pods_basic(void)
{
    json_t *a = json_array();
    json_array_append_new(a, mkpod("web-a", "10.42.0.5", true, "n1", NULL));
    json_array_append_new(a, mkpod("web-b", "10.42.0.4", false, "n2", NULL));
    json_array_append_new(a, mkpod("web-c", "", false, "n1", NULL));
    json_t *d = mkpod("web-d", "10.42.0.7", false, "n1", NULL);
    daas_kube_set_str(d, "status.phase", "Succeeded");
    json_array_append_new(a, d);
    json_array_append_new(
        a, mkpod("web-e", "10.42.0.6", true, "n1", ",'deletionTimestamp':'2026-11-21T10:00:00Z'"));
    json_t *x = mkpod("db-x", "10.42.0.9", true, "n1", NULL);
    daas_kube_set_str(x, "metadata.labels.app", "db");
    json_array_append_new(a, x);
    return a;
}

static void plan(const daas_ctrl_endpoints_in *in, daas_ctrl_endpoints_plan *p)
{
    daas_err err = {0};
    if (daas_ctrl_endpoints_plan_make(in, p, &err) != DAAS_OK)
        fail_msg("plan: %s", err.msg);
}

static const char *const addr_a =
    "{'ip':'10.42.0.5','nodeName':'n1','targetRef':{'kind':'Pod','namespace':'default',"
    "'name':'web-a','uid':'uid-web-a'}}";

static void test_basic(void **state)
{
    (void)state;
    json_t *svc = svc_web(NULL), *pods = pods_basic();
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_true(p.endpoints_create);
    assert_false(p.endpoints_delete);
    char *want = daas_xasprintf(
        "{'apiVersion':'v1','kind':'Endpoints','metadata':{'name':'web','namespace':'default',"
        "'labels':{'team':'a'}},'subsets':[{'addresses':[%s],'notReadyAddresses':[{'ip':"
        "'10.42.0.4','nodeName':'n2','targetRef':{'kind':'Pod','namespace':'default','name':"
        "'web-b','uid':'uid-web-b'}}],'ports':[{'name':'http','port':8080,'protocol':'TCP'}]}]}",
        addr_a);
    ku_assert_json(p.endpoints, want);
    daas_free(want);
    assert_int_equal(json_array_size(p.slices_create), 1);
    assert_int_equal(json_array_size(p.slices_update), 0);
    assert_int_equal(json_array_size(p.slices_delete), 0);
    ku_assert_json(
        json_array_get(p.slices_create, 0),
        "{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice','metadata':{"
        "'generateName':'web-','namespace':'default','labels':{'team':'a',"
        "'kubernetes.io/service-name':'web','endpointslice.kubernetes.io/managed-by':"
        "'endpointslice-controller.k8s.io'},'ownerReferences':[{'apiVersion':'v1','kind':"
        "'Service','name':'web','uid':'svc-uid','controller':true,'blockOwnerDeletion':true}]},"
        "'addressType':'IPv4','ports':[{'name':'http','port':8080,'protocol':'TCP'}],"
        "'endpoints':["
        "{'addresses':['10.42.0.4'],'conditions':{'ready':false,'serving':false,"
        "'terminating':false},'nodeName':'n2','targetRef':{'kind':'Pod','namespace':'default',"
        "'name':'web-b','uid':'uid-web-b'}},"
        "{'addresses':['10.42.0.5'],'conditions':{'ready':true,'serving':true,"
        "'terminating':false},'nodeName':'n1','targetRef':{'kind':'Pod','namespace':'default',"
        "'name':'web-a','uid':'uid-web-a'}},"
        "{'addresses':['10.42.0.6'],'conditions':{'ready':false,'serving':true,"
        "'terminating':true},'nodeName':'n1','targetRef':{'kind':'Pod','namespace':'default',"
        "'name':'web-e','uid':'uid-web-e'}}]}");
    assert_false(p.requeue);

    /* Feeding the result back (as the API would store it) gives no writes. */
    json_t *ep = json_deep_copy(p.endpoints);
    daas_kube_set_str(ep, "metadata.resourceVersion", "7");
    json_t *sl = json_deep_copy(json_array_get(p.slices_create, 0));
    daas_kube_set_str(sl, "metadata.name", "web-abcde");
    json_t *slices = json_pack("[o]", sl);
    daas_ctrl_endpoints_plan_fini(&p);
    in.endpoints = ep;
    in.slices = slices;
    plan(&in, &p);
    assert_null(p.endpoints);
    assert_int_equal(json_array_size(p.slices_create) + json_array_size(p.slices_update) +
                         json_array_size(p.slices_delete),
                     0);
    daas_ctrl_endpoints_plan_fini(&p);

    /* web-b turns ready: Endpoints updated in place, the slice updated, not recreated. */
    json_t *b = json_array_get(pods, 1);
    json_object_set_new(json_array_get(daas_kube_path(b, "status.conditions"), 0), "status",
                        json_string("True"));
    plan(&in, &p);
    assert_false(p.endpoints_create);
    assert_string_equal(daas_kube_str(p.endpoints, "metadata.resourceVersion"), "7");
    assert_int_equal(json_array_size(daas_kube_path(
                         json_array_get(daas_kube_path(p.endpoints, "subsets"), 0), "addresses")),
                     2);
    assert_null(json_object_get(json_array_get(daas_kube_path(p.endpoints, "subsets"), 0),
                                "notReadyAddresses"));
    assert_int_equal(json_array_size(p.slices_create), 0);
    assert_int_equal(json_array_size(p.slices_update), 1);
    json_t *u = json_array_get(p.slices_update, 0);
    assert_string_equal(daas_kube_str(u, "metadata.name"), "web-abcde");
    assert_true(json_is_true(
        daas_kube_path(json_array_get(json_object_get(u, "endpoints"), 0), "conditions.ready")));
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(ep);
    json_decref(slices);
    json_decref(svc);
    json_decref(pods);
}

static void test_publish_not_ready(void **state)
{
    (void)state;
    json_t *svc = svc_web(",'publishNotReadyAddresses':true"), *pods = pods_basic();
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    json_t *sub = json_array_get(daas_kube_path(p.endpoints, "subsets"), 0);
    assert_int_equal(json_array_size(json_object_get(sub, "addresses")), 3);
    assert_null(json_object_get(sub, "notReadyAddresses"));
    /* Sorted by IP: .4, .5, .6 (terminating web-e included). */
    assert_string_equal(
        daas_kube_str(json_array_get(json_object_get(sub, "addresses"), 2), "targetRef.name"),
        "web-e");
    json_t *eps = json_object_get(json_array_get(p.slices_create, 0), "endpoints");
    size_t i;
    json_t *e;
    json_array_foreach(eps, i, e) assert_true(json_is_true(daas_kube_path(e, "conditions.ready")));
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(svc);
    json_decref(pods);
}

/* A named targetPort resolving to different numbers splits pods into two subsets and two
 * slices; a pod without the named port is left out of the Endpoints. */
/* The first port of the first container of a pod made by mkpod. */
static json_t *cport(json_t *pod)
{
    json_t *c = json_array_get(daas_kube_path(pod, "spec.containers"), 0);
    return json_array_get(json_object_get(c, "ports"), 0);
}

static void test_named_ports(void **state)
{
    (void)state;
    json_t *svc = ku_json("{'metadata':{'name':'web','namespace':'default','uid':'s'},'spec':{"
                          "'selector':{'app':'web'},'ports':[{'name':'http','port':80,"
                          "'targetPort':'web'}]}}");
    json_t *pods = json_array();
    json_array_append_new(pods, mkpod("p1", "10.42.0.1", true, "n1", NULL));
    json_array_append_new(pods, mkpod("p2", "10.42.0.2", true, "n1", NULL));
    json_t *p3 = mkpod("p3", "10.42.0.3", true, "n1", NULL);
    json_object_set_new(cport(p3), "containerPort", json_integer(9090));
    json_array_append_new(pods, p3);
    json_t *p4 = mkpod("p4", "10.42.0.4", true, "n1", NULL);
    json_object_set_new(cport(p4), "name", json_string("other"));
    json_array_append_new(pods, p4);
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    ku_assert_json(
        daas_kube_path(p.endpoints, "subsets"),
        "[{'addresses':[{'ip':'10.42.0.1','nodeName':'n1','targetRef':{'kind':'Pod',"
        "'namespace':'default','name':'p1','uid':'uid-p1'}},{'ip':'10.42.0.2','nodeName':'n1',"
        "'targetRef':{'kind':'Pod','namespace':'default','name':'p2','uid':'uid-p2'}}],"
        "'ports':[{'name':'http','port':8080,'protocol':'TCP'}]},"
        "{'addresses':[{'ip':'10.42.0.3','nodeName':'n1','targetRef':{'kind':'Pod',"
        "'namespace':'default','name':'p3','uid':'uid-p3'}}],'ports':[{'name':'http','port':"
        "9090,'protocol':'TCP'}]}]");
    /* Slices: one per port list, plus p4 under an empty port list (upstream keeps it). */
    assert_int_equal(json_array_size(p.slices_create), 3);
    size_t i;
    json_t *s;
    int seen = 0;
    json_array_foreach(p.slices_create, i, s)
    {
        size_t n = json_array_size(json_object_get(s, "endpoints"));
        json_t *port = json_array_get(json_object_get(s, "ports"), 0);
        if (port == NULL) {
            assert_int_equal(n, 1);
            seen |= 1;
        } else if (json_integer_value(json_object_get(port, "port")) == 8080) {
            assert_int_equal(n, 2);
            seen |= 2;
        } else {
            assert_int_equal(json_integer_value(json_object_get(port, "port")), 9090);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(svc);
    json_decref(pods);
}

static void test_headless_hostname(void **state)
{
    (void)state;
    json_t *svc = ku_json("{'metadata':{'name':'db','namespace':'default'},'spec':{'selector':"
                          "{'app':'web'},'clusterIP':'None'}}");
    json_t *pods = json_array();
    json_t *p = mkpod("db-0", "10.42.0.8", true, "n1", NULL);
    daas_kube_set_str(p, "spec.hostname", "db-0");
    daas_kube_set_str(p, "spec.subdomain", "db");
    json_array_append_new(pods, p);
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
    daas_ctrl_endpoints_plan pl;
    plan(&in, &pl);
    ku_assert_json(pl.endpoints,
                   "{'apiVersion':'v1','kind':'Endpoints','metadata':{'name':'db','namespace':"
                   "'default','labels':{'service.kubernetes.io/headless':''}},'subsets':[{"
                   "'addresses':[{'ip':'10.42.0.8','hostname':'db-0','nodeName':'n1',"
                   "'targetRef':{'kind':'Pod','namespace':'default','name':'db-0','uid':"
                   "'uid-db-0'}}]}]}");
    json_t *sl = json_array_get(pl.slices_create, 0);
    assert_string_equal(
        daas_kube_str(json_array_get(json_object_get(sl, "endpoints"), 0), "hostname"), "db-0");
    assert_string_equal(json_string_value(json_object_get(daas_kube_path(sl, "metadata.labels"),
                                                          "service.kubernetes.io/headless")),
                        "");
    daas_ctrl_endpoints_plan_fini(&pl);
    json_decref(svc);
    json_decref(pods);
}

static void test_left_alone(void **state)
{
    (void)state;
    static const char *const svcs[] = {
        "{'metadata':{'name':'manual','namespace':'default'},'spec':{'ports':[{'port':80}]}}",
        "{'metadata':{'name':'empty','namespace':'default'},'spec':{'selector':{}}}",
        "{'metadata':{'name':'ext','namespace':'default'},'spec':{'type':'ExternalName',"
        "'externalName':'x.example.com','selector':{'app':'web'}}}",
        "{'metadata':{'name':'kubernetes','namespace':'default'},'spec':{'ports':[{'port':443}"
        "]}}",
    };
    json_t *pods = pods_basic();
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++) {
        json_t *svc = ku_json(svcs[i]);
        daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
        daas_ctrl_endpoints_plan p;
        plan(&in, &p);
        assert_null(p.endpoints);
        assert_false(p.endpoints_delete);
        assert_int_equal(json_array_size(p.slices_create) + json_array_size(p.slices_update) +
                             json_array_size(p.slices_delete),
                         0);
        daas_ctrl_endpoints_plan_fini(&p);
        json_decref(svc);
    }
    json_decref(pods);
}

static json_t *slice_of(const char *name, const char *svc, const char *managed, int neps)
{
    json_t *s = ku_json("{'metadata':{'labels':{}},'addressType':'IPv4','ports':[],"
                        "'endpoints':[]}");
    daas_kube_set_str(s, "metadata.name", name);
    json_t *l = daas_kube_path(s, "metadata.labels");
    json_object_set_new(l, "kubernetes.io/service-name", json_string(svc));
    json_object_set_new(l, "endpointslice.kubernetes.io/managed-by", json_string(managed));
    for (int i = 0; i < neps; i++)
        json_array_append_new(json_object_get(s, "endpoints"),
                              json_pack("{s:[s]}", "addresses", "10.1.1.1"));
    return s;
}

static void test_service_gone(void **state)
{
    (void)state;
    json_t *ep = ku_json("{'metadata':{'name':'web','namespace':'default'}}");
    json_t *slices = json_array();
    json_array_append_new(slices, slice_of("web-1", "web", "endpointslice-controller.k8s.io", 1));
    json_array_append_new(slices, slice_of("web-2", "web", "someone-else", 1));
    json_array_append_new(slices, slice_of("db-1", "db", "endpointslice-controller.k8s.io", 1));
    daas_ctrl_endpoints_in in = {.endpoints = ep, .slices = slices};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_true(p.endpoints_delete);
    ku_assert_json(p.slices_delete, "['web-1']");
    daas_ctrl_endpoints_plan_fini(&p);
    daas_ctrl_endpoints_in none = {0};
    plan(&none, &p);
    assert_false(p.endpoints_delete);
    daas_ctrl_endpoints_plan_fini(&p);
    json_t *bad = ku_json("{'metadata':{}}");
    daas_ctrl_endpoints_in b = {.service = bad};
    daas_err err = {0};
    assert_int_equal(daas_ctrl_endpoints_plan_make(&b, &p, &err), DAAS_EINVAL);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(bad);
    json_decref(ep);
    json_decref(slices);
}

/* No pods: no subsets, one placeholder slice; with the placeholder stored, nothing to do.
 * Stale slices of the Service are deleted while the placeholder stays. */
static void test_placeholder(void **state)
{
    (void)state;
    json_t *svc = svc_web(NULL), *pods = json_array();
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_null(json_object_get(p.endpoints, "subsets"));
    assert_int_equal(json_array_size(p.slices_create), 1);
    json_t *ph = json_deep_copy(json_array_get(p.slices_create, 0));
    assert_int_equal(json_array_size(json_object_get(ph, "endpoints")), 0);
    assert_int_equal(json_array_size(json_object_get(ph, "ports")), 0);
    daas_kube_set_str(ph, "metadata.name", "web-ph");
    daas_ctrl_endpoints_plan_fini(&p);
    json_t *slices = json_pack("[o]", ph);
    in.slices = slices;
    plan(&in, &p);
    assert_int_equal(json_array_size(p.slices_create) + json_array_size(p.slices_update) +
                         json_array_size(p.slices_delete),
                     0);
    daas_ctrl_endpoints_plan_fini(&p);
    /* A pod appears: the placeholder (other ports) goes, a real slice comes. */
    json_array_append_new(pods, mkpod("web-a", "10.42.0.5", true, "n1", NULL));
    plan(&in, &p);
    ku_assert_json(p.slices_delete, "['web-ph']");
    assert_int_equal(json_array_size(p.slices_create), 1);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(slices);
    json_decref(svc);
    json_decref(pods);
}

/* Names of a slice's endpoints' pods, joined. */
static void ep_names(const json_t *slice, char *buf, size_t n)
{
    size_t i, off = 0;
    json_t *e;
    buf[0] = '\0';
    json_array_foreach(json_object_get(slice, "endpoints"), i, e) off += (size_t)snprintf(
        buf + off, n - off, "%s%s", i ? "," : "", daas_kube_str(e, "targetRef.name"));
}

static void test_max_per_slice(void **state)
{
    (void)state;
    json_t *svc = svc_web(NULL), *pods = json_array();
    for (int i = 1; i <= 5; i++) {
        char name[16], ip[16];
        snprintf(name, sizeof name, "w%d", i);
        snprintf(ip, sizeof ip, "10.42.0.%d", i);
        json_array_append_new(pods, mkpod(name, ip, true, "n1", NULL));
    }
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods, .max_per_slice = 2};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_int_equal(json_array_size(p.slices_create), 3);
    char buf[128];
    ep_names(json_array_get(p.slices_create, 0), buf, sizeof buf);
    assert_string_equal(buf, "w1,w2");
    ep_names(json_array_get(p.slices_create, 2), buf, sizeof buf);
    assert_string_equal(buf, "w5");
    /* Store them as s0, s1, s2. */
    json_t *slices = json_array();
    for (size_t i = 0; i < 3; i++) {
        json_t *s = json_deep_copy(json_array_get(p.slices_create, i));
        char name[8];
        snprintf(name, sizeof name, "s%zu", i);
        daas_kube_set_str(s, "metadata.name", name);
        json_array_append_new(slices, s);
    }
    daas_ctrl_endpoints_plan_fini(&p);
    in.slices = slices;
    /* w3 (in s1) goes away and w6 comes: s1 is updated with w6 in w3's place. */
    json_array_remove(pods, 2);
    json_array_append_new(pods, mkpod("w6", "10.42.0.6", true, "n1", NULL));
    plan(&in, &p);
    assert_int_equal(json_array_size(p.slices_create), 0);
    assert_int_equal(json_array_size(p.slices_delete), 0);
    assert_int_equal(json_array_size(p.slices_update), 1);
    assert_string_equal(daas_kube_str(json_array_get(p.slices_update, 0), "metadata.name"), "s1");
    ep_names(json_array_get(p.slices_update, 0), buf, sizeof buf);
    assert_string_equal(buf, "w4,w6");
    daas_ctrl_endpoints_plan_fini(&p);
    /* w7 comes with nothing else changing: it fits the unchanged slice closest to full (s2
     * with one endpoint). */
    json_array_append_new(pods, mkpod("w7", "10.42.0.7", true, "n1", NULL));
    json_array_remove(pods, json_array_size(pods) - 2); /* drop w6 again */
    json_array_insert_new(pods, 2, mkpod("w3", "10.42.0.3", true, "n1", NULL));
    plan(&in, &p);
    assert_int_equal(json_array_size(p.slices_update), 1);
    assert_string_equal(daas_kube_str(json_array_get(p.slices_update, 0), "metadata.name"), "s2");
    ep_names(json_array_get(p.slices_update, 0), buf, sizeof buf);
    assert_string_equal(buf, "w5,w7");
    daas_ctrl_endpoints_plan_fini(&p);
    /* All pods gone: every slice deleted, a placeholder created. */
    json_array_clear(pods);
    plan(&in, &p);
    ku_assert_json(p.slices_delete, "['s0','s1','s2']");
    assert_int_equal(json_array_size(p.slices_create), 1);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(slices);
    json_decref(svc);
    json_decref(pods);
}

/* Nodes: zones come from the Node's label; a pod on an unknown node is skipped (requeue). */
static void test_nodes_and_zone(void **state)
{
    (void)state;
    json_t *svc = svc_web(NULL), *pods = pods_basic();
    json_t *nodes = ku_json("[{'metadata':{'name':'n1','labels':{'topology.kubernetes.io/zone':"
                            "'z1'}}}]");
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods, .nodes = nodes};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_true(p.requeue);
    char buf[128];
    ep_names(json_array_get(p.slices_create, 0), buf, sizeof buf);
    assert_string_equal(buf, "web-a,web-e");
    assert_string_equal(
        daas_kube_str(
            json_array_get(json_object_get(json_array_get(p.slices_create, 0), "endpoints"), 0),
            "zone"),
        "z1");
    /* The Endpoints object does not look at nodes. */
    assert_non_null(json_object_get(json_array_get(daas_kube_path(p.endpoints, "subsets"), 0),
                                    "notReadyAddresses"));
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(nodes);
    json_decref(svc);
    json_decref(pods);
}

static void test_apiserver(void **state)
{
    (void)state;
    json_t *svc = ku_json("{'metadata':{'name':'kubernetes','namespace':'default'},'spec':{"
                          "'clusterIP':'10.43.0.1','ports':[{'name':'https','port':443,"
                          "'targetPort':6443}]}}");
    const char *ips[] = {"10.0.0.12", "10.0.0.2"};
    daas_ctrl_endpoints_in in = {.service = svc, .apiserver_ips = ips, .n_apiserver_ips = 2};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_true(p.endpoints_create);
    ku_assert_json(p.endpoints,
                   "{'apiVersion':'v1','kind':'Endpoints','metadata':{'name':'kubernetes',"
                   "'namespace':'default','labels':{'endpointslice.kubernetes.io/skip-mirror':"
                   "'true'}},'subsets':[{'addresses':[{'ip':'10.0.0.2'},{'ip':'10.0.0.12'}],"
                   "'ports':[{'name':'https','port':6443,'protocol':'TCP'}]}]}");
    ku_assert_json(p.slices_create,
                   "[{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice','metadata':{"
                   "'name':'kubernetes','namespace':'default','labels':{"
                   "'kubernetes.io/service-name':'kubernetes'}},'addressType':'IPv4',"
                   "'endpoints':[{'addresses':['10.0.0.2'],'conditions':{'ready':true}},"
                   "{'addresses':['10.0.0.12'],'conditions':{'ready':true}}],'ports':[{'name':"
                   "'https','port':6443,'protocol':'TCP'}]}]");
    json_t *ep = json_deep_copy(p.endpoints);
    json_t *slices = json_deep_copy(p.slices_create);
    daas_ctrl_endpoints_plan_fini(&p);
    in.endpoints = ep;
    in.slices = slices;
    plan(&in, &p);
    assert_null(p.endpoints);
    assert_int_equal(json_array_size(p.slices_create) + json_array_size(p.slices_update), 0);
    daas_ctrl_endpoints_plan_fini(&p);
    in.n_apiserver_ips = 1;
    plan(&in, &p);
    assert_false(p.endpoints_create);
    assert_int_equal(json_array_size(daas_kube_path(
                         json_array_get(daas_kube_path(p.endpoints, "subsets"), 0), "addresses")),
                     1);
    assert_int_equal(json_array_size(p.slices_update), 1);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(ep);
    json_decref(slices);
    json_decref(svc);
}

/* 1005 ready and 3 not-ready pods: 1000 ready addresses kept, the annotation set. */
static void test_truncation(void **state)
{
    (void)state;
    json_t *svc = svc_web(NULL), *pods = json_array();
    for (int i = 0; i < 1008; i++) {
        char name[16], ip[16];
        snprintf(name, sizeof name, "p%04d", i);
        snprintf(ip, sizeof ip, "10.42.%d.%d", i / 250, i % 250 + 1);
        json_array_append_new(pods, mkpod(name, ip, i < 1005, "n1", NULL));
    }
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    json_t *sub = json_array_get(daas_kube_path(p.endpoints, "subsets"), 0);
    assert_int_equal(json_array_size(json_object_get(sub, "addresses")), 1000);
    assert_null(json_object_get(sub, "notReadyAddresses"));
    assert_string_equal(
        json_string_value(json_object_get(daas_kube_path(p.endpoints, "metadata.annotations"),
                                          "endpoints.kubernetes.io/"
                                          "over-capacity")),
        "truncated");
    /* Slices are not truncated: 1008 endpoints in 11 slices of at most 100. */
    assert_int_equal(json_array_size(p.slices_create), 11);
    json_t *ep = json_deep_copy(p.endpoints);
    daas_ctrl_endpoints_plan_fini(&p);
    in.endpoints = ep;
    plan(&in, &p);
    assert_null(p.endpoints);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(ep);
    json_decref(svc);
    json_decref(pods);
}

/* A stored slice with "endpoints": null (how an empty list may come back) is filled. */
static void test_null_endpoints_slice(void **state)
{
    (void)state;
    json_t *svc = svc_web(NULL), *pods = json_array();
    json_array_append_new(pods, mkpod("web-a", "10.42.0.5", true, "n1", NULL));
    json_t *slices = ku_json("[{'metadata':{'name':'web-x','labels':{'team':'a',"
                             "'kubernetes.io/service-name':'web','endpointslice.kubernetes.io/"
                             "managed-by':'endpointslice-controller.k8s.io'}},'addressType':"
                             "'IPv4','ports':[{'name':'http','port':8080,'protocol':'TCP'}],"
                             "'endpoints':null}]");
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods, .slices = slices};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    assert_int_equal(json_array_size(p.slices_create), 0);
    assert_int_equal(json_array_size(p.slices_update), 1);
    char buf[64];
    ep_names(json_array_get(p.slices_update, 0), buf, sizeof buf);
    assert_string_equal(buf, "web-a");
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(slices);
    json_decref(svc);
    json_decref(pods);
}

/* Endpoints of one port list never go into a slice of another, even one being updated. */
static void test_port_maps_apart(void **state)
{
    (void)state;
    json_t *svc = ku_json("{'metadata':{'name':'web','namespace':'default','uid':'s'},'spec':{"
                          "'selector':{'app':'web'},'ports':[{'name':'http','port':80,"
                          "'targetPort':'web'}]}}");
    json_t *pods = json_array();
    json_array_append_new(pods, mkpod("p2", "10.42.0.2", true, "n1", NULL));
    json_t *p3 = mkpod("p3", "10.42.0.3", true, "n1", NULL);
    json_object_set_new(cport(p3), "containerPort", json_integer(9090));
    json_array_append_new(pods, p3);
    /* Slice "a" (port 8080) still holds p1, which is gone, and p2. */
    json_t *slices =
        ku_json("[{'metadata':{'name':'a','labels':{'kubernetes.io/service-name':'web',"
                "'endpointslice.kubernetes.io/managed-by':'endpointslice-controller.k8s.io'}},"
                "'addressType':'IPv4','ports':[{'name':'http','port':8080,'protocol':'TCP'}],"
                "'endpoints':[{'addresses':['10.42.0.1'],'targetRef':{'kind':'Pod','namespace':"
                "'default','name':'p1'}},{'addresses':['10.42.0.2'],'conditions':{'ready':true,"
                "'serving':true,'terminating':false},'nodeName':'n1','targetRef':{'kind':'Pod',"
                "'namespace':'default','name':'p2','uid':'uid-p2'}}]}]");
    daas_ctrl_endpoints_in in = {.service = svc, .pods = pods, .slices = slices};
    daas_ctrl_endpoints_plan p;
    plan(&in, &p);
    char buf[64];
    assert_int_equal(json_array_size(p.slices_update), 1);
    ep_names(json_array_get(p.slices_update, 0), buf, sizeof buf);
    assert_string_equal(buf, "p2");
    assert_int_equal(json_array_size(p.slices_create), 1);
    json_t *c = json_array_get(p.slices_create, 0);
    ep_names(c, buf, sizeof buf);
    assert_string_equal(buf, "p3");
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(json_object_get(c, "ports"), 0), "port")),
        9090);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(slices);
    json_decref(svc);
    json_decref(pods);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),           cmocka_unit_test(test_publish_not_ready),
        cmocka_unit_test(test_named_ports),     cmocka_unit_test(test_headless_hostname),
        cmocka_unit_test(test_left_alone),      cmocka_unit_test(test_service_gone),
        cmocka_unit_test(test_placeholder),     cmocka_unit_test(test_max_per_slice),
        cmocka_unit_test(test_nodes_and_zone),  cmocka_unit_test(test_apiserver),
        cmocka_unit_test(test_truncation),      cmocka_unit_test(test_null_endpoints_slice),
        cmocka_unit_test(test_port_maps_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
