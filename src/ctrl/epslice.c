/*
 * epslice.c: the EndpointSlice half of the Service plan (see endpoints.h for the rules;
 *            upstream: pkg/controller/endpointslice reconciler.go and utils.go).
 *
 * Owns:   nothing beyond one call.
 * Not:    Endpoints, the "kubernetes" Service (endpoints.c).
 * Model:  desired endpoints are grouped by their port list ("port map key": the compact
 *         JSON of the sorted ports); each group is reconciled against this controller's
 *         existing slices with the same ports (reconcileByPortMapping); slices whose ports no
 *         group wants, or whose addressType is not IPv4, are deleted. Desired endpoints are
 *         taken in the order of their identity key (address|hostname|namespace|name), where
 *         upstream pops a set in random order, so the plan is deterministic.
 * Invariants: inputs are read only; every slice in the plan is a new or copied object.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/endpoints_int.h"
#include "kube/obj.h"

#define L_SERVICE "kubernetes.io/service-name"
#define L_MANAGED "endpointslice.kubernetes.io/managed-by"
#define L_HEADLESS "service.kubernetes.io/headless"
#define L_ZONE "topology.kubernetes.io/zone"

static const char *nz(const char *s)
{
    return s ? s : "";
}

json_t *daas_ctrl__ep_own_slices(const json_t *slices, const char *name)
{
    json_t *out = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(slices, i, s)
    {
        const json_t *l = daas_kube_path(s, "metadata.labels");
        if (daas_ctrl__streq(daas_ctrl__jstr(l, L_SERVICE), name) &&
            daas_ctrl__streq(daas_ctrl__jstr(l, L_MANAGED), DAAS_CTRL_EP_MANAGED_BY) &&
            daas_kube_str(s, "metadata.name") != NULL)
            json_array_append(out, s);
    }
    return out;
}

/* ---- desired endpoints ---- */

static int cmp_port(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(nz(daas_ctrl__jstr(x, "name")), nz(daas_ctrl__jstr(y, "name")));
    if (c != 0)
        return c;
    json_int_t px = json_integer_value(json_object_get(x, "port"));
    json_int_t py = json_integer_value(json_object_get(y, "port"));
    if (px != py)
        return px < py ? -1 : 1;
    return strcmp(nz(daas_ctrl__jstr(x, "protocol")), nz(daas_ctrl__jstr(y, "protocol")));
}

/* The ports array sorted into canonical order (new reference). */
static json_t *sorted_ports(const json_t *ports)
{
    size_t n = json_array_size(ports);
    json_t **arr = daas_xcalloc(n + 1, sizeof *arr);
    for (size_t i = 0; i < n; i++)
        arr[i] = json_array_get(ports, i);
    qsort(arr, n, sizeof *arr, cmp_port);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, arr[i]);
    daas_free(arr);
    return out;
}

/* Port map key of a ports array; new string (daas_free). */
static char *port_key(const json_t *ports)
{
    json_t *s = sorted_ports(ports);
    char *d = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
    char *k = daas_xstrdup(d ? d : "[]");
    free(d); /* jansson's allocator (HACKING.md "Memory") */
    json_decref(s);
    return k;
}

/* getEndpointPorts: every Service port resolvable on the pod, name always present. */
static json_t *pod_ports(const json_t *svc, const json_t *pod)
{
    json_t *out = json_array();
    size_t i;
    json_t *sp;
    json_array_foreach(daas_kube_path(svc, "spec.ports"), i, sp)
    {
        int64_t num;
        if (!daas_ctrl__ep_find_port(pod, sp, &num))
            continue;
        json_t *p = json_pack("{s:s, s:I, s:s}", "name", nz(daas_ctrl__jstr(sp, "name")), "port",
                              (json_int_t)num, "protocol", daas_ctrl__ep_proto(sp));
        json_t *app = json_object_get(sp, "appProtocol");
        if (json_is_string(app))
            json_object_set(p, "appProtocol", app);
        json_array_append_new(out, p);
    }
    json_t *s = sorted_ports(out);
    json_decref(out);
    return s;
}

static const json_t *find_node(const json_t *nodes, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i,
                       n) if (daas_ctrl__streq(daas_kube_str(n, "metadata.name"), name)) return n;
    return NULL;
}

/* podToEndpoint. */
static json_t *pod_endpoint(const daas_ctrl__ep_pod *p, const json_t *node, bool publish)
{
    json_t *ep =
        json_pack("{s:[s], s:{s:b, s:b, s:b}, s:o}", "addresses", p->ip, "conditions", "ready",
                  publish || (p->ready && !p->terminating), "serving", p->ready, "terminating",
                  p->terminating, "targetRef", daas_ctrl__ep_target_ref(p->pod));
    if (p->node != NULL && *p->node != '\0')
        json_object_set_new(ep, "nodeName", json_string(p->node));
    json_t *zv = json_object_get(daas_kube_path(node, "metadata.labels"), L_ZONE);
    if (json_is_string(zv) && *json_string_value(zv) != '\0')
        json_object_set(ep, "zone", zv);
    if (p->hostname != NULL)
        json_object_set_new(ep, "hostname", json_string(p->hostname));
    return ep;
}

/* hashEndpoint's identity: addresses, hostname, target namespace/name. New string. */
static char *endpoint_key(const json_t *ep)
{
    return daas_xasprintf(
        "%s|%s|%s|%s", nz(json_string_value(json_array_get(json_object_get(ep, "addresses"), 0))),
        nz(daas_ctrl__jstr(ep, "hostname")), nz(daas_kube_str(ep, "targetRef.namespace")),
        nz(daas_kube_str(ep, "targetRef.name")));
}

/* desired: {port key: {"ports": [...], "eps": {endpoint key: endpoint}}}. */
static json_t *desired_groups(const daas_ctrl_endpoints_in *in, const daas_ctrl__ep_pod *pods,
                              size_t n, bool *requeue)
{
    bool publish = json_is_true(daas_kube_path(in->service, "spec.publishNotReadyAddresses"));
    json_t *groups = json_object();
    for (size_t i = 0; i < n; i++) {
        const json_t *node = NULL;
        if (in->nodes != NULL) {
            node = find_node(in->nodes, pods[i].node);
            if (node == NULL && !publish) {
                *requeue = true;
                continue;
            }
        }
        json_t *ports = pod_ports(in->service, pods[i].pod);
        char *pk = port_key(ports);
        json_t *g = json_object_get(groups, pk);
        if (g == NULL) {
            g = json_pack("{s:O, s:{}}", "ports", ports, "eps");
            json_object_set_new(groups, pk, g);
        }
        json_t *ep = pod_endpoint(&pods[i], node, publish);
        char *ek = endpoint_key(ep);
        json_object_set_new(json_object_get(g, "eps"), ek, ep);
        daas_free(ek);
        daas_free(pk);
        json_decref(ports);
    }
    return groups;
}

/* ---- slices ---- */

/* setEndpointSliceLabels: the labels the slice should carry; *changed when the Service's
 * own labels differ from the slice's non-reserved ones. */
static json_t *slice_labels(const json_t *slice, const json_t *svc, bool *changed)
{
    static const char *const reserved[] = {L_SERVICE, L_MANAGED, L_HEADLESS};
    json_t *cur = json_deep_copy(daas_kube_path(slice, "metadata.labels"));
    json_t *want = json_deep_copy(daas_kube_path(svc, "metadata.labels"));
    if (!json_is_object(cur)) {
        json_decref(cur);
        cur = json_object();
    }
    if (!json_is_object(want)) {
        json_decref(want);
        want = json_object();
    }
    for (size_t i = 0; i < 3; i++) {
        json_object_del(cur, reserved[i]);
        json_object_del(want, reserved[i]);
    }
    *changed = !json_equal(cur, want);
    json_decref(cur);
    if (daas_ctrl__ep_headless(svc))
        json_object_set_new(want, L_HEADLESS, json_string(""));
    json_object_set_new(want, L_SERVICE, json_string(daas_kube_str(svc, "metadata.name")));
    json_object_set_new(want, L_MANAGED, json_string(DAAS_CTRL_EP_MANAGED_BY));
    return want;
}

/* newEndpointSlice: generateName "<service>-", owner reference to the Service. */
static json_t *new_slice(const json_t *svc, const json_t *ports)
{
    const char *name = daas_kube_str(svc, "metadata.name");
    bool changed;
    /* A generated name must stay a DNS subdomain: upstream falls back to "slice-". */
    char *gen = strlen(name) + 1 + 5 <= 253 ? daas_xasprintf("%s-", name) : daas_xstrdup("slice-");
    json_t *owner = json_pack("{s:s, s:s, s:s, s:b, s:b}", "apiVersion", "v1", "kind", "Service",
                              "name", name, "controller", 1, "blockOwnerDeletion", 1);
    const char *uid = daas_kube_str(svc, "metadata.uid");
    if (uid != NULL)
        json_object_set_new(owner, "uid", json_string(uid));
    json_t *s = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:o, s:[o]}, s:s, s:[], s:O}", "apiVersion", "discovery.k8s.io/v1",
        "kind", "EndpointSlice", "metadata", "generateName", gen, "namespace",
        nz(daas_kube_str(svc, "metadata.namespace")), "labels", slice_labels(NULL, svc, &changed),
        "ownerReferences", owner, "addressType", "IPv4", "endpoints", "ports", ports);
    daas_free(gen);
    return s;
}

typedef struct recon {
    const daas_ctrl_endpoints_in *in;
    size_t max;        /* endpoints per slice */
    json_t *create;    /* array: slices to create */
    json_t *update;    /* object: name → slice to update (per port map in recon_group) */
    json_t *unchanged; /* object: name → existing slice left as it is (per port map) */
    json_t *del;       /* object: name → existing slice to delete */
} recon;

static size_t n_eps(const json_t *slice)
{
    return json_array_size(json_object_get(slice, "endpoints"));
}

/* Step 1 for one existing slice: keep, change or drop its endpoints. */
static void recon_existing(recon *r, const json_t *es, json_t *desired)
{
    const char *name = daas_kube_str(es, "metadata.name");
    json_t *keep = json_array();
    bool updated = false, labels_changed;
    size_t i;
    json_t *ep;
    json_array_foreach(json_object_get(es, "endpoints"), i, ep)
    {
        char *k = endpoint_key(ep);
        json_t *got = json_object_get(desired, k);
        if (got != NULL) {
            json_array_append(keep, got);
            updated = updated || !json_equal(got, ep);
            json_object_del(desired, k);
        }
        daas_free(k);
    }
    json_t *labels = slice_labels(es, r->in->service, &labels_changed);
    if (updated || json_array_size(keep) != n_eps(es) || labels_changed) {
        if (json_array_size(keep) == 0 && n_eps(es) > 0) {
            json_object_set(r->del, name, (json_t *)es);
        } else {
            json_t *copy = json_deep_copy(es);
            json_object_set(copy, "endpoints", keep);
            daas_kube_set(copy, "metadata.labels", json_incref(labels));
            json_object_set_new(r->update, name, copy);
        }
    } else {
        json_object_set(r->unchanged, name, (json_t *)es);
    }
    json_decref(labels);
    json_decref(keep);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj in strcmp order; new array of borrowed strings (daas_free). */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
    const char **keys = daas_xcalloc(json_object_size(obj) + 1, sizeof *keys);
    const char *key;
    json_t *v;
    size_t k = 0;
    json_object_foreach((json_t *)obj, key, v) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_str);
    *n = k;
    return keys;
}

/* Moves desired endpoints (in key order) into slice until it holds r->max. */
static void fill(recon *r, json_t *slice, json_t *desired)
{
    json_t *eps = json_object_get(slice, "endpoints");
    if (!json_is_array(eps)) { /* a stored slice may carry "endpoints": null */
        eps = json_array();
        json_object_set_new(slice, "endpoints", eps);
    }
    size_t n, i = 0;
    const char **keys = sorted_keys(desired, &n);
    json_t *taken = json_array();
    for (; i < n && json_array_size(eps) < r->max; i++) {
        json_array_append(eps, json_object_get(desired, keys[i]));
        json_array_append_new(taken, json_string(keys[i]));
    }
    daas_free(keys);
    json_t *k;
    json_array_foreach(taken, i, k) json_object_del(desired, json_string_value(k));
    json_decref(taken);
}

static int by_len_desc(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    if (n_eps(x) != n_eps(y))
        return n_eps(x) > n_eps(y) ? -1 : 1;
    return strcmp(daas_kube_str(x, "metadata.name"), daas_kube_str(y, "metadata.name"));
}

/* Step 2: fill the slices already being updated, fullest first. */
static void fill_updated(recon *r, json_t *desired)
{
    size_t n = json_object_size(r->update), k = 0;
    if (n == 0 || json_object_size(desired) == 0)
        return;
    json_t **arr = daas_xcalloc(n, sizeof *arr);
    const char *key;
    json_t *v;
    json_object_foreach(r->update, key, v) arr[k++] = v;
    qsort(arr, n, sizeof *arr, by_len_desc);
    for (size_t i = 0; i < n; i++)
        fill(r, arr[i], desired);
    daas_free(arr);
}

/* getSliceToFill among the unchanged slices of this port map (name order on ties). */
static const char *slice_to_fill(recon *r, const json_t *names, size_t need)
{
    const char *best = NULL;
    size_t best_diff = r->max;
    size_t i;
    json_t *nv;
    json_array_foreach(names, i, nv)
    {
        const json_t *s = json_object_get(r->unchanged, json_string_value(nv));
        if (s == NULL || need + n_eps(s) > r->max)
            continue;
        size_t diff = r->max - (need + n_eps(s));
        if (diff < best_diff) {
            best_diff = diff;
            best = json_string_value(nv);
        }
    }
    return best;
}

/* Step 3: the rest goes into one unchanged slice if it fits, else into new slices. */
static void fill_rest(recon *r, json_t *desired, const json_t *names, const json_t *ports)
{
    while (json_object_size(desired) > 0) {
        const char *pick = NULL;
        if (json_object_size(desired) < r->max)
            pick = slice_to_fill(r, names, json_object_size(desired));
        if (pick == NULL) {
            json_t *s = new_slice(r->in->service, ports);
            fill(r, s, desired);
            json_array_append_new(r->create, s);
            continue;
        }
        json_t *copy = json_deep_copy(json_object_get(r->unchanged, pick));
        fill(r, copy, desired);
        json_object_set_new(r->update, pick, copy);
        json_object_del(r->unchanged, pick);
    }
}

static int by_name(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(daas_kube_str(x, "metadata.name"), daas_kube_str(y, "metadata.name"));
}

/* reconcileByPortMapping for one port map key. existing: this key's slices. */
static void recon_group(recon *all, json_t *existing, json_t *group)
{
    /* Updated and unchanged slices are per port map: endpoints of one port list must never
     * be filled into a slice of another. */
    recon local = *all, *r = &local;
    local.update = json_object();
    local.unchanged = json_object();
    json_t *desired = json_object_get(group, "eps");
    json_t *names = json_array();
    size_t n = json_array_size(existing);
    json_t **arr = daas_xcalloc(n + 1, sizeof *arr);
    for (size_t i = 0; i < n; i++)
        arr[i] = json_array_get(existing, i);
    qsort(arr, n, sizeof *arr, by_name);
    for (size_t i = 0; i < n; i++) {
        recon_existing(r, arr[i], desired);
        json_array_append_new(names, json_string(daas_kube_str(arr[i], "metadata.name")));
    }
    daas_free(arr);
    fill_updated(r, desired);
    fill_rest(r, desired, names, json_object_get(group, "ports"));
    json_object_update(all->update, local.update);
    json_decref(local.update);
    json_decref(local.unchanged);
    json_decref(names);
}

/* The slice is the placeholder a Service without endpoints keeps. */
static bool is_placeholder(const json_t *s, const json_t *svc)
{
    bool changed;
    json_t *labels = slice_labels(s, svc, &changed);
    bool same = n_eps(s) == 0 && json_array_size(json_object_get(s, "ports")) == 0 &&
                json_equal(labels, daas_kube_path(s, "metadata.labels"));
    json_decref(labels);
    return same;
}

/* Groups own slices by port map key; slices of other address types are deleted. */
static json_t *existing_by_key(recon *r, const json_t *own, const json_t *groups)
{
    json_t *by_key = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(own, i, s)
    {
        char *k = port_key(json_object_get(s, "ports"));
        if (!daas_ctrl__streq(daas_ctrl__jstr(s, "addressType"), "IPv4") ||
            json_object_get(groups, k) == NULL) {
            json_object_set(r->del, daas_kube_str(s, "metadata.name"), s);
        } else {
            if (json_object_get(by_key, k) == NULL)
                json_object_set_new(by_key, k, json_array());
            json_array_append(json_object_get(by_key, k), s);
        }
        daas_free(k);
    }
    return by_key;
}

/* Appends the values of obj (in key order) to arr, or their names when names_only. */
static void flush(json_t *arr, const json_t *obj, bool names_only)
{
    size_t n;
    const char **keys = sorted_keys(obj, &n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, names_only ? json_string(keys[i])
                                              : json_incref(json_object_get(obj, keys[i])));
    daas_free(keys);
}

void daas_ctrl__ep_slices(const daas_ctrl_endpoints_in *in, const daas_ctrl__ep_pod *pods, size_t n,
                          daas_ctrl_endpoints_plan *out)
{
    recon r = {.in = in,
               .max = in->max_per_slice ? in->max_per_slice : DAAS_CTRL_EP_MAX_PER_SLICE,
               .create = out->slices_create,
               .update = json_object(),
               .unchanged = NULL,
               .del = json_object()};
    json_t *groups = desired_groups(in, pods, n, &out->requeue);
    json_t *own = daas_ctrl__ep_own_slices(in->slices, daas_kube_str(in->service, "metadata.name"));
    json_t *by_key = existing_by_key(&r, own, groups);
    const char *k;
    json_t *g;
    json_t *none = json_array();
    json_object_foreach(groups, k, g)
    {
        json_t *ex = json_object_get(by_key, k);
        recon_group(&r, ex ? ex : none, g);
    }
    /* A Service without endpoints keeps exactly one placeholder slice. */
    if (json_array_size(own) == json_object_size(r.del) && json_array_size(r.create) == 0) {
        const char *only = NULL;
        json_t *v;
        json_object_foreach(r.del, k, v) only = k;
        if (json_object_size(r.del) == 1 &&
            is_placeholder(json_object_get(r.del, only), in->service)) {
            json_object_del(r.del, only);
        } else {
            json_t *ports = json_array();
            json_array_append_new(r.create, new_slice(in->service, ports));
            json_decref(ports);
        }
    }
    flush(out->slices_update, r.update, false);
    flush(out->slices_delete, r.del, true);
    json_decref(none);
    json_decref(by_key);
    json_decref(own);
    json_decref(groups);
    json_decref(r.update);
    json_decref(r.del);
}
