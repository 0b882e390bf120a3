/*
 * endpoints.c: the Endpoints half of the Service plan, the Pod rules both halves share and
 *              the "kubernetes" Service (see endpoints.h for the rules and their sources).
 *
 * Owns:   nothing beyond one call.
 * Not:    EndpointSlices of ordinary Services (epslice.c).
 * Invariants: inputs are read only; subsets come out in one canonical order, so comparing
 *             them with what this code wrote before is a plain JSON equality.
 */
#include "ctrl/endpoints.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/endpoints_int.h"
#include "ctrl/ipalloc.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"

#define HEADLESS_LABEL "service.kubernetes.io/headless"
#define OVER_CAPACITY "endpoints.kubernetes.io/over-capacity"
#define TRIGGER_TIME "endpoints.kubernetes.io/last-change-trigger-time"
#define SKIP_MIRROR "endpointslice.kubernetes.io/skip-mirror"

/* ---- Pod rules shared with epslice.c ---- */

bool daas_ctrl__ep_selects(const json_t *sel, const json_t *pod)
{
    const json_t *labels = daas_kube_path(pod, "metadata.labels");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)sel, k, v)
    {
        if (!daas_ctrl__streq(json_string_value(v), daas_ctrl__jstr(labels, k)))
            return false;
    }
    return true;
}

/* The pod's first IPv4 address: status.podIPs, else status.podIP. */
static const char *pod_ipv4(const json_t *pod, uint32_t *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(daas_kube_path(pod, "status.podIPs"), i, e)
    {
        const char *ip = daas_ctrl__jstr(e, "ip");
        if (daas_ctrl_ipv4_parse(ip, v))
            return ip;
    }
    const char *ip = daas_kube_str(pod, "status.podIP");
    return daas_ctrl_ipv4_parse(ip, v) ? ip : NULL;
}

static int by_pod_name(const void *a, const void *b)
{
    const daas_ctrl__ep_pod *x = a, *y = b;
    return strcmp(daas_kube_str(x->pod, "metadata.name"), daas_kube_str(y->pod, "metadata.name"));
}

daas_ctrl__ep_pod *daas_ctrl__ep_pods(const json_t *svc, const json_t *pods, size_t *n)
{
    const json_t *sel = daas_kube_path(svc, "spec.selector");
    const char *svc_name = daas_kube_str(svc, "metadata.name");
    daas_ctrl__ep_pod *out = daas_xcalloc(json_array_size(pods) + 1, sizeof *out);
    size_t i, k = 0;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *phase = daas_kube_str(pod, "status.phase");
        daas_ctrl__ep_pod *p = &out[k];
        if (daas_kube_str(pod, "metadata.name") == NULL || !daas_ctrl__ep_selects(sel, pod) ||
            daas_ctrl__streq(phase, "Succeeded") || daas_ctrl__streq(phase, "Failed") ||
            (p->ip = pod_ipv4(pod, &p->ipv)) == NULL)
            continue;
        p->pod = pod;
        p->ready = daas_ctrl_pod_ready(pod, NULL);
        p->terminating = daas_kube_path(pod, "metadata.deletionTimestamp") != NULL;
        p->node = daas_kube_str(pod, "spec.nodeName");
        const char *h = daas_kube_str(pod, "spec.hostname");
        if (h != NULL && *h != '\0' &&
            daas_ctrl__streq(daas_kube_str(pod, "spec.subdomain"), svc_name))
            p->hostname = h;
        k++;
    }
    qsort(out, k, sizeof *out, by_pod_name);
    *n = k;
    return out;
}

const char *daas_ctrl__ep_proto(const json_t *svc_port)
{
    const char *p = daas_ctrl__jstr(svc_port, "protocol");
    return p != NULL && *p != '\0' ? p : "TCP";
}

/* Looks for a named port with the protocol among containers (and restartable init
 * containers, the sidecars upstream also searches). */
static bool named_port(const json_t *ctrs, bool sidecars_only, const char *name, const char *proto,
                       int64_t *port)
{
    size_t i, j;
    json_t *c, *p;
    json_array_foreach(ctrs, i, c)
    {
        if (sidecars_only && !daas_ctrl__streq(daas_ctrl__jstr(c, "restartPolicy"), "Always"))
            continue;
        json_array_foreach(json_object_get(c, "ports"), j, p)
        {
            const char *pp = daas_ctrl__jstr(p, "protocol");
            if (daas_ctrl__streq(daas_ctrl__jstr(p, "name"), name) &&
                strcmp(pp ? pp : "TCP", proto) == 0) {
                *port = json_integer_value(json_object_get(p, "containerPort"));
                return true;
            }
        }
    }
    return false;
}

bool daas_ctrl__ep_find_port(const json_t *pod, const json_t *svc_port, int64_t *port)
{
    json_t *tp = json_object_get(svc_port, "targetPort");
    if (tp == NULL || json_is_null(tp))
        tp = json_object_get(svc_port, "port");
    if (json_is_integer(tp)) {
        *port = json_integer_value(tp);
        return true;
    }
    const char *name = json_string_value(tp);
    if (name == NULL)
        return false;
    const char *proto = daas_ctrl__ep_proto(svc_port);
    return named_port(daas_kube_path(pod, "spec.containers"), false, name, proto, port) ||
           named_port(daas_kube_path(pod, "spec.initContainers"), true, name, proto, port);
}

json_t *daas_ctrl__ep_target_ref(const json_t *pod)
{
    json_t *r = json_pack(
        "{s:s, s:s, s:s}", "kind", "Pod", "namespace",
        daas_kube_str(pod, "metadata.namespace") ? daas_kube_str(pod, "metadata.namespace") : "",
        "name", daas_kube_str(pod, "metadata.name"));
    const char *uid = daas_kube_str(pod, "metadata.uid");
    if (uid != NULL)
        json_object_set_new(r, "uid", json_string(uid));
    return r;
}

bool daas_ctrl__ep_headless(const json_t *svc)
{
    return daas_ctrl__streq(daas_kube_str(svc, "spec.clusterIP"), "None");
}

/* ---- Endpoints: repacking ---- */

typedef struct epset {
    const daas_ctrl__ep_pod *pods; /* eligible pods */
    size_t n;                      /* their number */
    json_t *ports;                 /* array of distinct EndpointPorts (port -1: no port) */
    uint8_t **state;               /* per port, per pod: 0 absent, 1 not ready, 2 ready */
} epset;

/* Index of port in s->ports, adding it (and its state row) when new. */
static size_t port_index(epset *s, json_t *port)
{
    size_t i;
    json_t *p;
    json_array_foreach(s->ports, i, p) if (json_equal(p, port))
    {
        json_decref(port);
        return i;
    }
    i = json_array_size(s->ports);
    json_array_append_new(s->ports, port);
    s->state = daas_xrealloc(s->state, (i + 1) * sizeof *s->state);
    s->state[i] = daas_xcalloc(s->n + 1, 1);
    return i;
}

static json_t *endpoint_port(const json_t *sp, int64_t num)
{
    json_t *p = json_object();
    const char *name = daas_ctrl__jstr(sp, "name");
    if (name != NULL && *name != '\0')
        json_object_set_new(p, "name", json_string(name));
    json_object_set_new(p, "port", json_integer(num));
    json_object_set_new(p, "protocol", json_string(daas_ctrl__ep_proto(sp)));
    json_t *app = json_object_get(sp, "appProtocol");
    if (json_is_string(app))
        json_object_set(p, "appProtocol", app);
    return p;
}

/* addEndpointSubset for every eligible pod and Service port (RepackSubsets' first map). */
static void collect(epset *s, const json_t *svc, bool publish)
{
    const json_t *sports = daas_kube_path(svc, "spec.ports");
    for (size_t i = 0; i < s->n; i++) {
        const daas_ctrl__ep_pod *p = &s->pods[i];
        uint8_t st = publish || p->ready ? 2 : 1;
        if (p->terminating && !publish)
            continue;
        if (json_array_size(sports) == 0) {
            if (daas_ctrl__ep_headless(svc)) {
                size_t k = port_index(s, json_pack("{s:i}", "port", -1));
                s->state[k][i] = s->state[k][i] > st ? s->state[k][i] : st;
            }
            continue;
        }
        size_t j;
        json_t *sp;
        json_array_foreach(sports, j, sp)
        {
            int64_t num;
            if (!daas_ctrl__ep_find_port(p->pod, sp, &num))
                continue;
            size_t k = port_index(s, endpoint_port(sp, num));
            s->state[k][i] = s->state[k][i] > st ? s->state[k][i] : st;
        }
    }
}

static json_t *address_of(const daas_ctrl__ep_pod *p)
{
    json_t *a = json_pack("{s:s}", "ip", p->ip);
    if (p->hostname != NULL)
        json_object_set_new(a, "hostname", json_string(p->hostname));
    if (p->node != NULL && *p->node != '\0')
        json_object_set_new(a, "nodeName", json_string(p->node));
    json_object_set_new(a, "targetRef", daas_ctrl__ep_target_ref(p->pod));
    return a;
}

static int cmp_addr(const void *a, const void *b)
{
    const daas_ctrl__ep_pod *x = *(const daas_ctrl__ep_pod *const *)a;
    const daas_ctrl__ep_pod *y = *(const daas_ctrl__ep_pod *const *)b;
    if (x->ipv != y->ipv)
        return x->ipv < y->ipv ? -1 : 1;
    const char *ux = daas_kube_str(x->pod, "metadata.uid"),
               *uy = daas_kube_str(y->pod, "metadata.uid");
    return strcmp(ux ? ux : "", uy ? uy : "");
}

static int cmp_port(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *nx = daas_ctrl__jstr(x, "name"), *ny = daas_ctrl__jstr(y, "name");
    int c = strcmp(nx ? nx : "", ny ? ny : "");
    if (c != 0)
        return c;
    json_int_t px = json_integer_value(json_object_get(x, "port"));
    json_int_t py = json_integer_value(json_object_get(y, "port"));
    if (px != py)
        return px < py ? -1 : 1;
    return strcmp(daas_ctrl__jstr(x, "protocol"), daas_ctrl__jstr(y, "protocol"));
}

/* One subset from the pods whose state row is row and the ports of the group. */
static json_t *make_subset(const epset *s, const uint8_t *row, json_t **ports, size_t np)
{
    const daas_ctrl__ep_pod **sorted = daas_xcalloc(s->n + 1, sizeof *sorted);
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (row[i] != 0)
            sorted[m++] = &s->pods[i];
    qsort(sorted, m, sizeof *sorted, cmp_addr);
    json_t *sub = json_object(), *ready = json_array(), *notready = json_array();
    for (size_t i = 0; i < m; i++)
        json_array_append_new(row[sorted[i] - s->pods] == 2 ? ready : notready,
                              address_of(sorted[i]));
    daas_free(sorted);
    json_object_set_new(sub, "addresses", ready);
    json_object_set_new(sub, "notReadyAddresses", notready);
    qsort(ports, np, sizeof *ports, cmp_port);
    json_t *pa = json_array();
    for (size_t i = 0; i < np; i++)
        if (json_integer_value(json_object_get(ports[i], "port")) > 0)
            json_array_append(pa, ports[i]);
    json_object_set_new(sub, "ports", pa);
    return sub;
}

/* The IP of a subset's first address (ready ones first) as a number, 0 when none. */
static uint32_t first_ip(const json_t *sub)
{
    const json_t *a = json_array_get(json_object_get(sub, "addresses"), 0);
    if (a == NULL)
        a = json_array_get(json_object_get(sub, "notReadyAddresses"), 0);
    uint32_t v = 0;
    if (!daas_ctrl_ipv4_parse(daas_ctrl__jstr(a, "ip"), &v))
        v = 0;
    return v;
}

/* Sort key of a subset: its first address's IP, then its first port. */
static int cmp_subset(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    uint32_t ix = first_ip(x), iy = first_ip(y);
    if (ix != iy)
        return ix < iy ? -1 : 1;
    json_t *px = json_array_get(json_object_get(x, "ports"), 0);
    json_t *py = json_array_get(json_object_get(y, "ports"), 0);
    if (px == NULL || py == NULL)
        return px == NULL ? (py == NULL ? 0 : -1) : 1;
    return cmp_port(&px, &py);
}

/* Drops empty address lists (omitempty in the API types). */
static void tidy_subset(json_t *sub)
{
    static const char *const keys[] = {"addresses", "notReadyAddresses", "ports"};
    for (size_t i = 0; i < 3; i++)
        if (json_array_size(json_object_get(sub, keys[i])) == 0)
            json_object_del(sub, keys[i]);
}

/* Groups ports with identical address sets into subsets (RepackSubsets). */
static json_t *repack(epset *s)
{
    size_t np = json_array_size(s->ports);
    bool *done = daas_xcalloc(np + 1, sizeof *done);
    json_t **group = daas_xcalloc(np + 1, sizeof *group);
    json_t *subsets = json_array();
    for (size_t i = 0; i < np; i++) {
        if (done[i])
            continue;
        size_t g = 0;
        for (size_t j = i; j < np; j++) {
            if (!done[j] && (s->n == 0 || memcmp(s->state[i], s->state[j], s->n) == 0)) {
                done[j] = true;
                group[g++] = json_array_get(s->ports, j);
            }
        }
        json_array_append_new(subsets, make_subset(s, s->state[i], group, g));
    }
    daas_free(group);
    daas_free(done);
    size_t n = json_array_size(subsets);
    json_t **arr = daas_xcalloc(n + 1, sizeof *arr);
    for (size_t i = 0; i < n; i++)
        arr[i] = json_incref(json_array_get(subsets, i));
    qsort(arr, n, sizeof *arr, cmp_subset);
    json_array_clear(subsets);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(subsets, arr[i]);
    daas_free(arr);
    return subsets;
}

/* Keeps the first k elements of the array at sub[key]. */
static void keep_first(json_t *sub, const char *key, size_t k)
{
    json_t *a = json_object_get(sub, key);
    while (json_array_size(a) > k)
        json_array_remove(a, json_array_size(a) - 1);
}

static size_t count(const json_t *subsets, const char *key)
{
    size_t i, n = 0;
    json_t *s;
    json_array_foreach(subsets, i, s) n += json_array_size(json_object_get(s, key));
    return n;
}

/* truncateEndpoints: true when the addresses had to be cut to DAAS_CTRL_EP_MAX_CAPACITY. */
static bool truncate_subsets(json_t *subsets)
{
    size_t ready = count(subsets, "addresses"), notready = count(subsets, "notReadyAddresses");
    if (ready + notready <= DAAS_CTRL_EP_MAX_CAPACITY)
        return false;
    bool cut_ready = ready > DAAS_CTRL_EP_MAX_CAPACITY;
    size_t max = cut_ready ? DAAS_CTRL_EP_MAX_CAPACITY : DAAS_CTRL_EP_MAX_CAPACITY - ready;
    size_t total = cut_ready ? ready : notready, left = max, i;
    const char *key = cut_ready ? "addresses" : "notReadyAddresses";
    json_t *s;
    json_array_foreach(subsets, i, s)
    {
        size_t in = json_array_size(json_object_get(s, key));
        size_t add = (in * max + total - 1) / total; /* ceil(in / total * max) */
        if (add > left)
            add = left;
        keep_first(s, key, add);
        if (cut_ready)
            keep_first(s, "notReadyAddresses", 0);
        left -= json_array_size(json_object_get(s, key));
    }
    return true;
}

/* The Endpoints' subsets for the Service (empty array for no addresses). */
static json_t *desired_subsets(const json_t *svc, const daas_ctrl__ep_pod *pods, size_t n,
                               bool *truncated)
{
    epset s = {.pods = pods, .n = n, .ports = json_array()};
    collect(&s, svc, json_is_true(daas_kube_path(svc, "spec.publishNotReadyAddresses")));
    json_t *subsets = repack(&s);
    for (size_t i = 0; i < json_array_size(s.ports); i++)
        daas_free(s.state[i]);
    daas_free(s.state);
    json_decref(s.ports);
    *truncated = truncate_subsets(subsets);
    size_t i;
    json_t *sub;
    json_array_foreach(subsets, i, sub) tidy_subset(sub);
    return subsets;
}

/* ---- Endpoints: the object ---- */

static json_t *labels_without(const json_t *labels, const char *key)
{
    json_t *l = json_is_object(labels) ? json_deep_copy(labels) : json_object();
    json_object_del(l, key);
    return l;
}

/* True when cur already says what the plan would write (syncService's skip test). */
static bool endpoints_current(const json_t *cur, const json_t *subsets, const json_t *svc,
                              bool truncated)
{
    const json_t *cs = json_object_get(cur, "subsets");
    json_t *empty = json_array();
    bool same_subsets = json_equal(cs ? cs : empty, subsets);
    json_decref(empty);
    json_t *cl = labels_without(daas_kube_path(cur, "metadata.labels"), HEADLESS_LABEL);
    /* Upstream compares with the Service's labels as they are; dropping a (reserved)
     * headless label the Service itself carries keeps the plan a fixpoint. */
    json_t *sl = labels_without(daas_kube_path(svc, "metadata.labels"), HEADLESS_LABEL);
    bool same_labels = json_equal(cl, sl);
    json_decref(cl);
    json_decref(sl);
    /* Annotation keys hold dots: look them up directly, never through a dotted path. */
    bool marked =
        json_object_get(daas_kube_path(cur, "metadata.annotations"), OVER_CAPACITY) != NULL;
    return same_subsets && same_labels && marked == truncated;
}

static json_t *endpoints_object(const json_t *cur, const json_t *svc, json_t *subsets,
                                bool truncated)
{
    json_t *ep =
        cur ? json_deep_copy(cur)
            : json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Endpoints",
                        "metadata", "name", daas_kube_str(svc, "metadata.name"), "namespace",
                        daas_kube_str(svc, "metadata.namespace")
                            ? daas_kube_str(svc, "metadata.namespace")
                            : "default");
    json_t *labels = labels_without(daas_kube_path(svc, "metadata.labels"), HEADLESS_LABEL);
    if (daas_ctrl__ep_headless(svc))
        json_object_set_new(labels, HEADLESS_LABEL, json_string(""));
    json_t *meta = json_object_get(ep, "metadata");
    json_object_set_new(meta, "labels", labels);
    json_t *ann = json_object_get(meta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    json_object_del(ann, TRIGGER_TIME); /* no trigger time is tracked (see endpoints.h) */
    if (truncated)
        json_object_set_new(ann, OVER_CAPACITY, json_string("truncated"));
    else
        json_object_del(ann, OVER_CAPACITY);
    if (json_object_size(ann) == 0)
        json_object_del(meta, "annotations");
    if (json_array_size(subsets) > 0)
        json_object_set(ep, "subsets", subsets);
    else
        json_object_del(ep, "subsets");
    return ep;
}

static void plan_endpoints(const daas_ctrl_endpoints_in *in, const daas_ctrl__ep_pod *pods,
                           size_t n, daas_ctrl_endpoints_plan *out)
{
    bool truncated;
    json_t *subsets = desired_subsets(in->service, pods, n, &truncated);
    if (in->endpoints == NULL ||
        !endpoints_current(in->endpoints, subsets, in->service, truncated)) {
        out->endpoints = endpoints_object(in->endpoints, in->service, subsets, truncated);
        out->endpoints_create = in->endpoints == NULL;
    }
    json_decref(subsets);
}

/* ---- the "kubernetes" Service: its endpoints are the API servers ---- */

static int cmp_ip_str(const void *a, const void *b)
{
    uint32_t x = 0, y = 0;
    (void)daas_ctrl_ipv4_parse(*(const char *const *)a, &x);
    (void)daas_ctrl_ipv4_parse(*(const char *const *)b, &y);
    return x < y ? -1 : x > y;
}

static void plan_apiserver(const daas_ctrl_endpoints_in *in, daas_ctrl_endpoints_plan *out)
{
    int port = in->apiserver_port > 0 ? in->apiserver_port : 6443;
    const char **ips = daas_xcalloc(in->n_apiserver_ips, sizeof *ips);
    memcpy(ips, in->apiserver_ips, in->n_apiserver_ips * sizeof *ips);
    qsort(ips, in->n_apiserver_ips, sizeof *ips, cmp_ip_str);
    json_t *addrs = json_array(), *eps = json_array();
    for (size_t i = 0; i < in->n_apiserver_ips; i++) {
        json_array_append_new(addrs, json_pack("{s:s}", "ip", ips[i]));
        json_array_append_new(
            eps, json_pack("{s:[s], s:{s:b}}", "addresses", ips[i], "conditions", "ready", 1));
    }
    daas_free(ips);
    json_t *ports =
        json_pack("[{s:s, s:i, s:s}]", "name", "https", "port", port, "protocol", "TCP");
    json_t *subsets = json_pack("[{s:o, s:O}]", "addresses", addrs, "ports", ports);
    json_t *labels = json_pack("{s:s}", SKIP_MIRROR, "true");
    const json_t *cur = in->endpoints;
    if (cur == NULL || !json_equal(json_object_get(cur, "subsets"), subsets) ||
        !json_equal(daas_kube_path(cur, "metadata.labels"), labels)) {
        out->endpoints =
            cur ? json_deep_copy(cur)
                : json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Endpoints",
                            "metadata", "name", "kubernetes", "namespace", "default");
        daas_kube_set(out->endpoints, "metadata.labels", json_incref(labels));
        json_object_set(out->endpoints, "subsets", subsets);
        out->endpoints_create = cur == NULL;
    }
    json_t *cs = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(in->slices, i, s) if (daas_ctrl__streq(daas_kube_str(s, "metadata.name"),
                                                              "kubernetes")) cs = s;
    json_t *want =
        json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:s, s:o, s:O}", "apiVersion",
                  "discovery.k8s.io/v1", "kind", "EndpointSlice", "metadata", "name", "kubernetes",
                  "namespace", "default", "labels", "kubernetes.io/service-name", "kubernetes",
                  "addressType", "IPv4", "endpoints", eps, "ports", ports);
    if (cs == NULL) {
        json_array_append(out->slices_create, want);
    } else if (!json_equal(json_object_get(cs, "endpoints"), eps) ||
               !json_equal(json_object_get(cs, "ports"), ports) ||
               !daas_ctrl__streq(daas_ctrl__jstr(cs, "addressType"), "IPv4") ||
               !json_equal(daas_kube_path(cs, "metadata.labels"),
                           daas_kube_path(want, "metadata.labels"))) {
        json_t *u = json_deep_copy(cs);
        json_object_set(u, "endpoints", eps);
        json_object_set(u, "ports", ports);
        json_object_set_new(u, "addressType", json_string("IPv4"));
        daas_kube_set(u, "metadata.labels",
                      json_deep_copy(daas_kube_path(want, "metadata.labels")));
        json_array_append_new(out->slices_update, u);
    }
    json_decref(want);
    json_decref(ports);
    json_decref(subsets);
    json_decref(labels);
}

/* ---- the plan ---- */

/* The Service is gone: delete its Endpoints and this controller's slices of it. */
static void plan_gone(const daas_ctrl_endpoints_in *in, const char *name,
                      daas_ctrl_endpoints_plan *out)
{
    out->endpoints_delete = in->endpoints != NULL;
    json_t *own = daas_ctrl__ep_own_slices(in->slices, name);
    size_t i;
    json_t *s;
    json_array_foreach(own, i, s)
        json_array_append_new(out->slices_delete, json_string(daas_kube_str(s, "metadata.name")));
    json_decref(own);
}

static bool left_alone(const json_t *svc)
{
    const json_t *sel = daas_kube_path(svc, "spec.selector");
    return !json_is_object(sel) || json_object_size(sel) == 0 ||
           daas_ctrl__streq(daas_kube_str(svc, "spec.type"), "ExternalName");
}

int daas_ctrl_endpoints_plan_make(const daas_ctrl_endpoints_in *in_arg,
                                  daas_ctrl_endpoints_plan *out, daas_err *err)
{
    /* A current Endpoints without a metadata object cannot be updated in place: ignore it. */
    daas_ctrl_endpoints_in copy = *in_arg;
    const daas_ctrl_endpoints_in *in = &copy;
    if (!json_is_object(daas_kube_path(copy.endpoints, "metadata")))
        copy.endpoints = NULL;
    memset(out, 0, sizeof *out);
    out->slices_create = json_array();
    out->slices_update = json_array();
    out->slices_delete = json_array();
    const json_t *named = in->service ? in->service : in->endpoints;
    const char *name = daas_kube_str(named, "metadata.name");
    if (in->service == NULL && in->service_name != NULL)
        name = in->service_name;
    else if (named != NULL && name == NULL)
        return daas_fail(err, DAAS_EINVAL, "endpoints: the Service has no metadata.name");
    if (in->service == NULL) {
        if (name != NULL)
            plan_gone(in, name, out);
        return DAAS_OK;
    }
    if (daas_ctrl__streq(name, "kubernetes") &&
        daas_ctrl__streq(daas_kube_str(in->service, "metadata.namespace"), "default")) {
        if (in->n_apiserver_ips > 0)
            plan_apiserver(in, out);
        return DAAS_OK;
    }
    if (left_alone(in->service))
        return DAAS_OK;
    size_t n;
    daas_ctrl__ep_pod *pods = daas_ctrl__ep_pods(in->service, in->pods, &n);
    plan_endpoints(in, pods, n, out);
    daas_ctrl__ep_slices(in, pods, n, out);
    daas_free(pods);
    return DAAS_OK;
}

void daas_ctrl_endpoints_plan_fini(daas_ctrl_endpoints_plan *p)
{
    json_decref(p->endpoints);
    json_decref(p->slices_create);
    json_decref(p->slices_update);
    json_decref(p->slices_delete);
    memset(p, 0, sizeof *p);
}
