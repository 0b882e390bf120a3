/*
 * test_endpoints_ctl.c: the Endpoints / EndpointSlice controller (src/ctrl/endpoints_ctl.c)
 * running in a manager over a real API and store, the test playing the kubelet (PUT
 * pods/NAME/status): a Service selecting app=web with a named targetPort gets Endpoints and
 * one EndpointSlice (ready conditions, zone, owner reference) once its pods have IPs and are
 * Ready; a pod turning unready moves to notReadyAddresses / ready:false; a deleted pod
 * leaves; a pod of another app never appears; one NoDataPlane Event per Service, not
 * repeated by a second manager, whose resync writes nothing at all; the deleted Service
 * takes its Endpoints and slices along. A pod on a Node not yet known joins its slice when
 * the Node comes, with its zone, and follows a zone change. default/kubernetes gets the API
 * server's address. A Service being deleted gets no new slice. The plan deletes a gone Service's
 * slices when its Endpoints are already gone (found here: service_name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl.h"
#include "ctrl/endpoints.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct fx {
    ctrl_tfx t; /* first: ctrl_t_fx_new, ctrl_t_teardown */
    const daas_kube_kind *svcs, *pods, *eps, *slices, *nodes;
} fx;

static void create_node(fx *f, const char *name, const char *zone)
{
    json_t *node =
        json_pack("{s:s,s:s,s:{s:s,s:{s:s}}}", "apiVersion", "v1", "kind", "Node", "metadata",
                  "name", name, "labels", "topology.kubernetes.io/zone", zone);
    json_decref(ctrl_t_create(&f->t, f->nodes, NULL, node));
}

/* The manager with the Endpoints controller, started (f->t.m). */
static void start_mgr(fx *f)
{
    daas_ctrl_opts o = {.apiserver_ip = "10.0.0.5", .apiserver_port = 6443};
    CTRL_T_MGR(&f->t, &o, true, daas_ctrl_endpoints_register);
}

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-epctl");
    f->svcs = daas_ctrl_kind("services");
    f->pods = daas_ctrl_kind("pods");
    f->eps = daas_ctrl_kind("endpoints");
    f->slices = daas_ctrl_kind("endpointslices");
    f->nodes = daas_ctrl_kind("nodes");
    assert_non_null(f->slices);
    create_node(f, "n1", "z1");
    start_mgr(f);
    *state = f;
    return 0;
}

/* ---- helpers ---- */

/* Creates Service name selecting app=web, port http 80 → "web-port"; with a finalizer that
 * keeps it while being deleted when hold. Returns it (new). */
static json_t *create_service_held(fx *f, const char *name, bool hold)
{
    json_t *svc = json_pack("{s:s,s:s,s:{s:s},s:{s:{s:s},s:[{s:s,s:i,s:s}]}}", "apiVersion", "v1",
                            "kind", "Service", "metadata", "name", name, "spec", "selector", "app",
                            "web", "ports", "name", "http", "port", 80, "targetPort", "web-port");
    if (hold)
        daas_kube_set(svc, "metadata.finalizers", json_pack("[s]", "example.com/hold"));
    return ctrl_t_create(&f->t, f->svcs, "default", svc);
}

static json_t *create_service(fx *f, const char *name)
{
    return create_service_held(f, name, false);
}

/* Creates pod name (label app) on node with a container port "web-port" 8080. */
static void create_pod_on(fx *f, const char *name, const char *app, const char *node)
{
    json_t *pod = json_pack("{s:s,s:s,s:{s:s,s:{s:s}},s:{s:s,s:[{s:s,s:s,s:[{s:s,s:i}]}]}}",
                            "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "labels",
                            "app", app, "spec", "nodeName", node, "containers", "name", "c",
                            "image", "busybox", "ports", "name", "web-port", "containerPort", 8080);
    json_decref(ctrl_t_create(&f->t, f->pods, "default", pod));
}

static void create_pod(fx *f, const char *name, const char *app)
{
    create_pod_on(f, name, app, "n1");
}

/* The kubelet's status write: Running with ip, Ready condition ready. */
static void pod_status(fx *f, const char *name, const char *ip, bool ready)
{
    ctrl_t_put_status_of(&f->t, f->pods, "default", name, ctrl_t_pod_running(ip, ready, 0));
}

static json_t *get_obj(fx *f, const daas_kube_kind *k, const char *name)
{
    return ctrl_t_get(&f->t, k, "default", name);
}

static json_t *slices_of(fx *f, const char *svc)
{
    return ctrl_t_list(&f->t,
                       "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
                       "?labelSelector=kubernetes.io%%2Fservice-name%%3D%s",
                       svc);
}

/* The compact JSON of the value at dotted path of obj ("null" when missing); new string. */
static char *dump_at(const json_t *obj, const char *dotted)
{
    const json_t *v = dotted ? daas_kube_path(obj, dotted) : obj;
    char *d = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    char *s = daas_xstrdup(d ? d : "null");
    free(d);
    return s;
}

static int by_ip(const void *a, const void *b)
{
    return strcmp(daas_kube_str(*(json_t *const *)a, "ip"),
                  daas_kube_str(*(json_t *const *)b, "ip"));
}

/* arr's elements sorted by "ip" (a slice keeps its endpoints in the order they came). */
static json_t *sorted_by_ip(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **v = daas_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(arr, i);
    qsort(v, n, sizeof *v, by_ip);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, v[i]);
    daas_free(v);
    json_decref(arr);
    return out;
}

/* The Service's slices in brief (new string): with one slice, its endpoints reduced to
 * address and ready, sorted by address; else "N slices". *slice (replaced) gets the first. */
static char *slice_brief(fx *f, const char *svc, json_t **slice)
{
    json_t *all = slices_of(f, svc);
    json_t *brief = json_array();
    size_t j;
    json_t *ep;
    json_decref(*slice);
    *slice = json_incref(json_array_get(all, 0));
    json_array_foreach(json_object_get(*slice, "endpoints"), j, ep) json_array_append_new(
        brief, json_pack("{s:O,s:O}", "ip", json_array_get(json_object_get(ep, "addresses"), 0),
                         "ready", daas_kube_path(ep, "conditions.ready")));
    brief = sorted_by_ip(brief);
    char *got = json_array_size(all) == 1 ? dump_at(brief, NULL)
                                          : daas_xasprintf("%zu slices", json_array_size(all));
    json_decref(brief);
    json_decref(all);
    return got;
}

/* Polls until the Service's slices in brief (one slice expected) equal want. Returns the
 * slice (new). */
static json_t *wait_slice(fx *f, const char *svc, const char *want)
{
    char *got = NULL;
    json_t *slice = NULL;
    CTRL_T_WAIT_EQ((daas_free(got), got = slice_brief(f, svc, &slice)), got, want);
    daas_free(got);
    return slice;
}

static size_t count_events(fx *f, const char *uid, const char *reason)
{
    return ctrl_t_len(ctrl_t_list(&f->t,
                                  "/api/v1/namespaces/default/events?fieldSelector="
                                  "involvedObject.uid%%3D%s%%2Creason%%3D%s",
                                  uid, reason));
}

#define ADDR(ip, pod)                                                                              \
    "{\"ip\":\"" ip "\",\"nodeName\":\"n1\",\"targetRef\":{\"kind\":\"Pod\",\"name\":\"" pod       \
    "\",\"namespace\":\"default\",\"uid\":\"UID\"}}"

/* subsets with the pods' uids blanked to "UID" (they are random) */
static void blank_uids(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (strcmp(k, "uid") == 0 && json_is_string(x))
                json_string_set(x, "UID");
            else
                blank_uids(x);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) blank_uids(x);
    }
}

/* The Endpoints' subsets (compact, sorted keys, pod uids blanked), "<no endpoints>" without
 * them; new string. */
static char *subsets_of(fx *f, const char *name)
{
    json_t *ep = get_obj(f, f->eps, name);
    json_t *ss = json_deep_copy(json_object_get(ep, "subsets"));
    blank_uids(ss);
    char *got = ep ? dump_at(ss, NULL) : daas_xstrdup("<no endpoints>");
    json_decref(ss);
    json_decref(ep);
    return got;
}

/* Polls until the Endpoints' subsets equal want. */
static void wait_subsets(fx *f, const char *name, const char *want)
{
    char *got = NULL;
    CTRL_T_WAIT_EQ((daas_free(got), got = subsets_of(f, name)), got, want);
    daas_free(got);
}

/* The zone of the second endpoint of the Service's first slice ("" when none); new string. */
static char *second_zone(fx *f, const char *svc)
{
    json_t *all = slices_of(f, svc);
    json_t *eps = json_object_get(json_array_get(all, 0), "endpoints");
    char *zone = daas_xstrdup(daas_kube_str(json_array_get(eps, 1), "zone") ?: "");
    json_decref(all);
    return zone;
}

/* ---- tests ---- */

static void test_service_follows_pods(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    json_t *svc = create_service(f, "web");
    const char *uid = daas_kube_str(svc, "metadata.uid");
    create_pod(f, "web-1", "web");
    create_pod(f, "web-2", "web");
    create_pod(f, "db-1", "db");
    /* no IPs yet: no addresses, one placeholder slice */
    wait_subsets(f, "web", "null");
    json_decref(wait_slice(f, "web", "[]"));
    pod_status(f, "web-2", "10.1.0.2", true);
    pod_status(f, "web-1", "10.1.0.1", true);
    pod_status(f, "db-1", "10.1.0.9", true);
    /* the named targetPort resolves to the container port 8080 */
    wait_subsets(
        f, "web",
        "[{\"addresses\":[" ADDR("10.1.0.1", "web-1") "," ADDR(
            "10.1.0.2",
            "web-2") "],\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}]");
    json_t *slice = wait_slice(f, "web",
                               "[{\"ip\":\"10.1.0.1\",\"ready\":true},"
                               "{\"ip\":\"10.1.0.2\",\"ready\":true}]");
    char *ports = dump_at(slice, "ports");
    assert_string_equal(ports, "[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]");
    daas_free(ports);
    assert_string_equal(daas_kube_str(slice, "addressType"), "IPv4");
    json_t *ep0 = json_array_get(json_object_get(slice, "endpoints"), 0);
    assert_string_equal(daas_kube_str(ep0, "zone"), "z1");
    assert_string_equal(daas_kube_str(ep0, "nodeName"), "n1");
    bool first = strcmp(json_string_value(json_array_get(json_object_get(ep0, "addresses"), 0)),
                        "10.1.0.1") == 0;
    assert_string_equal(daas_kube_str(ep0, "targetRef.name"), first ? "web-1" : "web-2");
    json_t *owner = json_array_get(daas_kube_path(slice, "metadata.ownerReferences"), 0);
    assert_string_equal(daas_kube_str(owner, "kind"), "Service");
    assert_string_equal(daas_kube_str(owner, "uid"), uid);
    const json_t *labels = daas_kube_path(slice, "metadata.labels");
    assert_string_equal(
        json_string_value(json_object_get(labels, "endpointslice.kubernetes.io/managed-by")),
        "endpointslice-controller.k8s.io");
    json_decref(slice);
    /* web-2 turns unready */
    pod_status(f, "web-2", "10.1.0.2", false);
    wait_subsets(
        f, "web",
        "[{\"addresses\":[" ADDR("10.1.0.1", "web-1") "],\"notReadyAddresses\":[" ADDR(
            "10.1.0.2",
            "web-2") "],\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}]");
    json_decref(wait_slice(f, "web",
                           "[{\"ip\":\"10.1.0.1\",\"ready\":true},"
                           "{\"ip\":\"10.1.0.2\",\"ready\":false}]"));
    /* web-1 deleted (its node has no agent: removed at once) */
    assert_int_equal(daas_ctrl_client_delete(f->t.c, f->pods, "default", "web-1", NULL, NULL, &e),
                     DAAS_OK);
    wait_subsets(
        f, "web",
        "[{\"notReadyAddresses\":[" ADDR(
            "10.1.0.2",
            "web-2") "],\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}]");
    json_decref(wait_slice(f, "web", "[{\"ip\":\"10.1.0.2\",\"ready\":false}]"));
    /* kubectl describe svc shows the note once */
    assert_int_equal(count_events(f, uid, "NoDataPlane"), 1);
    /* the Service goes: so do its Endpoints and slices */
    assert_int_equal(daas_ctrl_client_delete(f->t.c, f->svcs, "default", "web", NULL, NULL, &e),
                     DAAS_OK);
    wait_subsets(f, "web", "<no endpoints>");
    json_decref(wait_slice(f, "web", "0 slices"));
    json_decref(svc);
}

static void test_note_not_repeated(void **state)
{
    fx *f = *state;
    json_t *svc = create_service(f, "api");
    const char *uid = daas_kube_str(svc, "metadata.uid");
    create_pod(f, "api-1", "web");
    pod_status(f, "api-1", "10.1.0.3", true);
    json_decref(wait_slice(f, "api", "[{\"ip\":\"10.1.0.3\",\"ready\":true}]"));
    daas_ctrl_mgr_free(&f->t.m); /* joins the workers: every sync (and its note) is over */
    assert_int_equal(count_events(f, uid, "NoDataPlane"), 1);
    /* a new manager (another leader, a restart) resyncs every Service and writes nothing: the
     * plans are fixpoints of what they wrote (defaults included), the notes exist */
    int64_t rev = daas_store_revision(f->t.store);
    start_mgr(f);
    usleep(500000);
    daas_ctrl_mgr_free(&f->t.m);
    assert_int_equal(daas_store_revision(f->t.store), rev);
    /* and it still follows the pods */
    start_mgr(f);
    pod_status(f, "api-1", "10.1.0.4", true);
    json_decref(wait_slice(f, "api", "[{\"ip\":\"10.1.0.4\",\"ready\":true}]"));
    daas_ctrl_mgr_stop(f->t.m);
    assert_int_equal(count_events(f, uid, "NoDataPlane"), 1);
    json_decref(svc);
}

/* A pod on a Node the cache does not know is in the Endpoints but not yet in a slice (no
 * zone to give it); the Node's arrival brings it in, with the zone; a zone change follows. */
static void test_pod_on_unknown_node(void **state)
{
    fx *f = *state;
    json_decref(create_service(f, "web"));
    create_pod(f, "web-1", "web");
    create_pod_on(f, "web-2", "web", "n2");
    pod_status(f, "web-1", "10.1.0.1", true);
    pod_status(f, "web-2", "10.1.0.2", true);
    wait_subsets(
        f, "web",
        "[{\"addresses\":[" ADDR(
            "10.1.0.1",
            "web-1") ",{\"ip\":\"10.1.0.2\",\"nodeName\":"
                     "\"n2\",\"targetRef\":{\"kind\":\"Pod\",\"name\":\"web-2\",\"namespace\":"
                     "\"default\",\"uid\":\"UID\"}}],\"ports\":[{\"name\":\"http\",\"port\":8080,"
                     "\"protocol\":\"TCP\"}]}]");
    json_decref(wait_slice(f, "web", "[{\"ip\":\"10.1.0.1\",\"ready\":true}]"));
    create_node(f, "n2", "z2");
    json_t *slice = wait_slice(f, "web",
                               "[{\"ip\":\"10.1.0.1\",\"ready\":true},"
                               "{\"ip\":\"10.1.0.2\",\"ready\":true}]");
    json_t *ep1 = json_array_get(json_object_get(slice, "endpoints"), 1);
    assert_string_equal(daas_kube_str(ep1, "nodeName"), "n2");
    assert_string_equal(daas_kube_str(ep1, "zone"), "z2");
    json_decref(slice);
    /* the zone changes: the endpoint follows */
    ctrl_t_patch(
        &f->t, f->nodes, NULL, "n2", NULL, DAAS_CTRL_PATCH_MERGE,
        json_pack("{s:{s:{s:s}}}", "metadata", "labels", "topology.kubernetes.io/zone", "z3"));
    char *zone = NULL;
    CTRL_T_WAIT_EQ((daas_free(zone), zone = second_zone(f, "web")), zone, "z3");
    daas_free(zone);
}

/* A Service being deleted (here held by a finalizer; in foreground deletion by the garbage
 * collector deleting its slices) gets no new slice, but its Endpoints still follow. */
static void test_deleting_service_gets_no_new_slice(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    json_decref(create_service_held(f, "web", true));
    create_pod(f, "web-1", "web");
    pod_status(f, "web-1", "10.1.0.1", true);
    json_t *slice = wait_slice(f, "web", "[{\"ip\":\"10.1.0.1\",\"ready\":true}]");
    assert_int_equal(daas_ctrl_client_delete(f->t.c, f->svcs, "default", "web", NULL, NULL, &e),
                     DAAS_OK);
    assert_int_equal(daas_ctrl_client_delete(f->t.c, f->slices, "default",
                                             daas_kube_str(slice, "metadata.name"), NULL, NULL, &e),
                     DAAS_OK);
    json_decref(slice);
    /* once the Endpoints show the new IP, a sync has run after the slice's delete (slices are
     * written first, and a failed slice write stops the sync) */
    pod_status(f, "web-1", "10.1.0.7", true);
    wait_subsets(
        f, "web",
        "[{\"addresses\":[" ADDR(
            "10.1.0.7",
            "web-1") "],\"ports\":[{\"name\":\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}]");
    json_t *all = slices_of(f, "web");
    assert_int_equal(json_array_size(all), 0);
    json_decref(all);
    /* the finalizer goes: the Service, then its Endpoints */
    json_t *svc = get_obj(f, f->svcs, "web");
    assert_non_null(daas_kube_path(svc, "metadata.deletionTimestamp"));
    daas_kube_set(svc, "metadata.finalizers", json_array());
    assert_int_equal(daas_ctrl_client_update(f->t.c, f->svcs, svc, NULL, NULL, &e), DAAS_OK);
    json_decref(svc);
    wait_subsets(f, "web", "<no endpoints>");
}

static void test_kubernetes_service(void **state)
{
    fx *f = *state;
    wait_subsets(f, "kubernetes",
                 "[{\"addresses\":[{\"ip\":\"10.0.0.5\"}],\"ports\":[{\"name\":\"https\","
                 "\"port\":6443,\"protocol\":\"TCP\"}]}]");
    json_t *s = get_obj(f, f->slices, "kubernetes");
    assert_non_null(s);
    char *eps = dump_at(s, "endpoints");
    assert_string_equal(eps, "[{\"addresses\":[\"10.0.0.5\"],\"conditions\":{\"ready\":true}}]");
    daas_free(eps);
    json_decref(s);
}

/* The plan alone: a gone Service whose Endpoints are gone too still loses its slices. */
static void test_plan_gone_without_endpoints(void **state)
{
    (void)state;
    json_t *slices =
        json_pack("[{s:{s:s,s:{s:s,s:s}}},{s:{s:s,s:{s:s,s:s}}}]", "metadata", "name", "web-abc",
                  "labels", "kubernetes.io/service-name", "web",
                  "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io",
                  "metadata", "name", "other-abc", "labels", "kubernetes.io/service-name", "other",
                  "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
    daas_ctrl_endpoints_in in = {.service_name = "web", .slices = slices};
    daas_ctrl_endpoints_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_endpoints_plan_make(&in, &p, &e), DAAS_OK);
    char *del = dump_at(p.slices_delete, NULL);
    assert_string_equal(del, "[\"web-abc\"]");
    assert_false(p.endpoints_delete);
    assert_null(p.endpoints);
    daas_free(del);
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(slices);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_service_follows_pods, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_note_not_repeated, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_pod_on_unknown_node, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_deleting_service_gets_no_new_slice, setup,
                                        ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_kubernetes_service, setup, ctrl_t_teardown),
        cmocka_unit_test(test_plan_gone_without_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
