/*
 * endpoints_ctl.c: the Endpoints / EndpointSlice controller: applies
 *                  daas_ctrl_endpoints_plan (endpoints.h) for each Service whose Pods,
 *                  Endpoints, EndpointSlices or Nodes' zones changed.
 *
 * Owns:   the set of Services already told (one Event) that there is no service data plane
 *         yet, by uid, guarded by mu; a copy of the API server address for
 *         default/kubernetes.
 * Not:    what to write (endpoints.c, epslice.c); traffic to ClusterIPs (no data plane yet:
 *         that is what the NoDataPlane Event says); garbage collection by ownerReference
 *         (the plan deletes a gone Service's slices itself).
 * Model:  upstream's endpoint and endpointslice controllers as one: a Service key is queued
 *         when the Service changes, when a Pod its selector matches (before or after the
 *         change) changes, when its Endpoints change or are deleted, when one of its
 *         slices made by this controller changes, and for every Service when a Node comes,
 *         goes, or changes its topology zone.
 * Invariants:
 *   - a sync returns only after the Endpoints and EndpointSlice caches reflect its own
 *     writes (deletes included), so the next plan never creates a slice twice;
 *   - every write to an existing object carries the cached resourceVersion: a stale cache
 *     makes it fail with a conflict and the key is retried with back-off;
 *   - slices are written in upstream's order: creates, then updates, then deletes (a
 *     Service never goes through a moment without endpoints); a failure stops the rest;
 *     a Service being deleted gets no new slice (the garbage collector's race);
 *   - Endpoints nobody's Service names are left alone unless that Service was just
 *     deleted (upstream deletes them on the Service's delete only).
 * Spec:   ISSUE 7 "Services"; kubernetes pkg/controller/endpoint (syncService, handlers),
 *         pkg/controller/endpointslice (reconciler.finalize, handlers).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl_int.h"
#include "ctrl/endpoints.h"
#include "ctrl/endpoints_int.h"
#include "ctrl/ipalloc.h"
#include "kube/kind.h"
#include "kube/obj.h"

#define L_SERVICE "kubernetes.io/service-name"
#define L_MANAGED "endpointslice.kubernetes.io/managed-by"
#define L_ZONE "topology.kubernetes.io/zone"
#define REQUEUE_MS 1000    /* a Pod names a Node the cache does not know yet */
#define GONE_WAIT_MS 10000 /* how long a sync waits for its deletes to reach the cache */
#define NO_DATA_PLANE "NoDataPlane"
#define NO_DATA_PLANE_MSG                                                                          \
    "Endpoints and EndpointSlices are kept in step with ready pods, but this cluster has no "      \
    "service data plane yet: traffic to the ClusterIP (or node ports) is not forwarded"

typedef struct epctl {
    daas_ctrl_opts o;
    char *apiserver_ip; /* o.apiserver_ip copied when IPv4 (o's pointer is not kept), or NULL */
    pthread_mutex_t mu;
    daas_ctrl__map noted; /* Service uid -> NULL: its NoDataPlane Event exists (mu) */
} epctl;

/* What one sync reads from the caches (new references; NULL when absent). */
typedef struct inputs {
    json_t *svc, *pods, *nodes, *ep, *slices;
} inputs;

/* ---- handlers ---- */

static void enqueue_obj(daas_ctrl_run *run, const json_t *obj)
{
    char *key = daas_ctrl_key(obj);
    daas_ctrl_run_enqueue(run, key);
    daas_free(key);
}

static void enqueue_name(daas_ctrl_run *run, const char *ns, const char *name)
{
    if (ns == NULL || name == NULL)
        return;
    char *key = daas_xasprintf("%s/%s", ns, name);
    daas_ctrl_run_enqueue(run, key);
    daas_free(key);
}

/* Queues every Service of ns (NULL: all) whose selector matches pod (every Service when pod
 * is NULL). Services without a selector have their endpoints managed by someone else. */
static void enqueue_services(daas_ctrl_run *run, const char *ns, const json_t *pod)
{
    json_t *svcs = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "services"), ns);
    size_t i;
    json_t *svc;
    json_array_foreach(svcs, i, svc)
    {
        const json_t *sel = daas_kube_path(svc, "spec.selector");
        if (pod == NULL || (json_object_size(sel) > 0 && daas_ctrl__ep_selects(sel, pod)))
            enqueue_obj(run, svc);
    }
    json_decref(svcs);
}

static const char *zone_of(const json_t *node)
{
    return daas_ctrl__jstr(daas_kube_path(node, "metadata.labels"), L_ZONE);
}

static bool same_zone(const json_t *a, const json_t *b)
{
    const char *za = zone_of(a), *zb = zone_of(b);
    return za == zb || daas_ctrl__streq(za, zb);
}

static void forget_service(epctl *s, const json_t *svc)
{
    const char *uid = daas_kube_str(svc, "metadata.uid");
    if (uid == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    (void)daas_ctrl__map_del(&s->noted, uid);
    pthread_mutex_unlock(&s->mu);
}

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    if (strcmp(res, "services") == 0) {
        if (ev == DAAS_CTRL_DELETE)
            forget_service(arg, obj);
        enqueue_obj(run, obj);
    } else if (strcmp(res, "pods") == 0) {
        enqueue_services(run, ns, obj);
        if (old != NULL && !json_equal(daas_kube_path(old, "metadata.labels"),
                                       daas_kube_path(obj, "metadata.labels")))
            enqueue_services(run, ns, old);
    } else if (strcmp(res, "endpoints") == 0) {
        /* Only Endpoints a Service of that name stands behind are this controller's; a
         * deleted one is put back if its Service still wants it. */
        json_t *svc = daas_ctrl_informer_get(daas_ctrl_run_informer(run, "services"), ns,
                                             daas_kube_str(obj, "metadata.name"));
        if (svc != NULL)
            enqueue_obj(run, svc);
        json_decref(svc);
    } else if (strcmp(res, "endpointslices") == 0) {
        const json_t *l = daas_kube_path(obj, "metadata.labels");
        if (daas_ctrl__streq(daas_ctrl__jstr(l, L_MANAGED), DAAS_CTRL_EP_MANAGED_BY))
            enqueue_name(run, ns, daas_ctrl__jstr(l, L_SERVICE));
    } else if (ev != DAAS_CTRL_UPDATE || !same_zone(old, obj)) {
        /* nodes: Pods on a Node the cache did not know wait for it (requeue); slices' endpoints
         * carry their Node's zone */
        enqueue_services(run, NULL, NULL);
    }
}

/* ---- sync ---- */

static void gather(daas_ctrl_run *run, const char *ns, const char *name, inputs *x)
{
    x->svc = daas_ctrl_informer_get(daas_ctrl_run_informer(run, "services"), ns, name);
    x->ep = daas_ctrl_informer_get(daas_ctrl_run_informer(run, "endpoints"), ns, name);
    x->slices = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "endpointslices"), ns);
    if (x->svc != NULL) {
        x->pods = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "pods"), ns);
        x->nodes = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "nodes"), NULL);
    }
}

static void inputs_fini(inputs *x)
{
    json_decref(x->svc);
    json_decref(x->pods);
    json_decref(x->nodes);
    json_decref(x->ep);
    json_decref(x->slices);
}

/* Waits (bounded) until none of the objects named in names (strings, or objects with
 * "name") is in inf any more: a delete's reply carries no revision to wait for. */
static void wait_gone(daas_ctrl_informer *inf, const char *ns, const json_t *names)
{
    const struct timespec step = {0, 2 * 1000 * 1000};
    for (int64_t waited = 0; waited < GONE_WAIT_MS; waited += 2) {
        bool left = false;
        size_t i;
        json_t *it;
        json_array_foreach(names, i, it)
        {
            const char *n =
                json_is_string(it) ? json_string_value(it) : daas_ctrl__jstr(it, "name");
            json_t *o = daas_ctrl_informer_get(inf, ns, n);
            left = left || o != NULL;
            json_decref(o);
        }
        if (!left)
            return;
        nanosleep(&step, NULL);
    }
    DAAS_WARN("ctrl", "endpoints: deleted %s still in the cache after %d ms",
              daas_ctrl_informer_kind(inf)->resource, GONE_WAIT_MS);
}

/* Failure of a parallel create/delete as the sync's error. */
static int res_rc(const daas_ctrl_apply_res *r, daas_err *err)
{
    if (r->failed == 0)
        return DAAS_OK;
    return daas_fail(err, r->first.code, "%s", r->first.msg);
}

/* The Endpoints half: create, update (cached resourceVersion) or delete (uid precondition). */
static int apply_endpoints(daas_ctrl_run *run, const char *ns, const inputs *x,
                           const daas_ctrl_endpoints_plan *p, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    const daas_kube_kind *k = daas_ctrl_kind("endpoints");
    daas_ctrl_informer *inf = daas_ctrl_run_informer(run, "endpoints");
    json_t *out = NULL;
    int rc = DAAS_OK;
    if (p->endpoints != NULL && p->endpoints_create)
        rc = daas_ctrl_client_create(c, k, ns, p->endpoints, &out, err);
    else if (p->endpoints != NULL)
        rc = daas_ctrl_client_update(c, k, p->endpoints, NULL, &out, err);
    if (rc == DAAS_OK && out != NULL)
        daas_ctrl_apply_wait(inf, daas_ctrl_rv(out));
    json_decref(out);
    if (rc != DAAS_OK || !p->endpoints_delete || x->ep == NULL)
        return rc;
    daas_ctrl_apply_res dr;
    json_t *items = json_pack("[{s:s?, s:s?}]", "name", daas_kube_str(x->ep, "metadata.name"),
                              "uid", daas_kube_str(x->ep, "metadata.uid"));
    daas_ctrl_apply_delete(c, k, ns, items, NULL, &dr);
    rc = res_rc(&dr, err);
    if (rc == DAAS_OK)
        wait_gone(inf, ns, items);
    daas_ctrl_apply_res_fini(&dr);
    json_decref(items);
    return rc;
}

/* The EndpointSlice half: creates, then updates, then deletes (reconciler.finalize). A
 * Service being deleted gets no new slice: the garbage collector deletes its slices
 * (foreground deletion waits for them), and replacing them would race it forever. */
static int apply_slices(daas_ctrl_run *run, const char *ns, const json_t *svc,
                        const daas_ctrl_endpoints_plan *p, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    const daas_kube_kind *k = daas_ctrl_kind("endpointslices");
    daas_ctrl_informer *inf = daas_ctrl_run_informer(run, "endpointslices");
    daas_ctrl_apply_res cr, dr = {0};
    json_t *none = json_array();
    bool deleting = daas_kube_path(svc, "metadata.deletionTimestamp") != NULL;
    daas_ctrl_apply_create(c, k, ns, deleting ? none : p->slices_create, &cr);
    json_decref(none);
    int rc = res_rc(&cr, err);
    size_t i;
    json_t *u;
    json_array_foreach(p->slices_update, i, u)
    {
        json_t *out = NULL;
        if (rc == DAAS_OK)
            rc = daas_ctrl_client_update(c, k, u, NULL, &out, err);
        daas_ctrl_apply_note_rv(&cr, out);
        json_decref(out);
    }
    daas_ctrl_apply_wait(inf, cr.max_rv);
    if (rc == DAAS_OK && json_array_size(p->slices_delete) > 0) {
        daas_ctrl_apply_delete(c, k, ns, p->slices_delete, NULL, &dr);
        rc = res_rc(&dr, err);
        wait_gone(inf, ns, p->slices_delete);
    }
    daas_ctrl_apply_res_fini(&cr);
    daas_ctrl_apply_res_fini(&dr);
    return rc;
}

/* True when the Service has a virtual IP whose traffic nothing forwards yet. */
static bool wants_note(const json_t *svc)
{
    return !daas_ctrl__streq(daas_kube_str(svc, "spec.type"), "ExternalName") &&
           !daas_ctrl__ep_headless(svc);
}

/* Whether the Service already has its NoDataPlane Event in the API (from an earlier run of
 * this or another server). An error counts as "no": at worst the Event is repeated. */
static bool note_exists(daas_ctrl_client *c, const char *ns, const char *uid)
{
    char *base = daas_ctrl_path(daas_ctrl_kind("events"), ns, NULL, NULL);
    char *path = daas_xasprintf("%s?fieldSelector=involvedObject.uid%%3D%s%%2Creason%%3D%s", base,
                                uid, NO_DATA_PLANE);
    json_t *list = NULL;
    bool found = daas_ctrl_client_do(c, "GET", path, NULL, NULL, &list, NULL, NULL) == DAAS_OK &&
                 json_array_size(json_object_get(list, "items")) > 0;
    json_decref(list);
    daas_free(path);
    daas_free(base);
    return found;
}

/* Tells the Service, once, that its ClusterIP is not served (kubectl describe shows it under
 * Events: the object itself is not changed). Best effort, as every Event. */
static void note_data_plane(epctl *s, daas_ctrl_run *run, const json_t *svc)
{
    const char *uid = daas_kube_str(svc, "metadata.uid");
    if (uid == NULL || !wants_note(svc))
        return;
    pthread_mutex_lock(&s->mu);
    bool done = daas_ctrl__map_has(&s->noted, uid);
    pthread_mutex_unlock(&s->mu);
    if (done)
        return;
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    daas_err e = {0};
    if (!note_exists(c, daas_kube_str(svc, "metadata.namespace"), uid) &&
        daas_ctrl_client_event(c, svc, "Normal", NO_DATA_PLANE, &e, "%s", NO_DATA_PLANE_MSG) !=
            DAAS_OK) {
        DAAS_WARN("ctrl", "endpoints: event on service %s: %s", daas_kube_str(svc, "metadata.name"),
                  e.msg);
        return;
    }
    pthread_mutex_lock(&s->mu);
    (void)daas_ctrl__map_put(&s->noted, uid, NULL);
    pthread_mutex_unlock(&s->mu);
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, daas_err *err)
{
    epctl *s = arg;
    char *ns = NULL, *name = NULL;
    int rc = daas_ctrl_key_split(key, &ns, &name);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "bad key %s", key);
    inputs x = {0};
    daas_ctrl_endpoints_plan p = {0};
    if (ns == NULL) /* Services are namespaced: not a key of ours */
        goto out;
    gather(run, ns, name, &x);
    const char *ips[1] = {s->apiserver_ip};
    daas_ctrl_endpoints_in in = {.service = x.svc,
                                 .service_name = name,
                                 .pods = x.pods,
                                 .nodes = x.nodes,
                                 .endpoints = x.ep,
                                 .slices = x.slices,
                                 .apiserver_ips = ips,
                                 .n_apiserver_ips = s->apiserver_ip ? 1 : 0,
                                 .apiserver_port = s->o.apiserver_port};
    rc = daas_ctrl_endpoints_plan_make(&in, &p, err);
    if (rc == DAAS_OK)
        rc = apply_slices(run, ns, x.svc, &p, err);
    if (rc == DAAS_OK)
        rc = apply_endpoints(run, ns, &x, &p, err);
    if (rc == DAAS_OK && x.svc != NULL)
        note_data_plane(s, run, x.svc);
    if (rc == DAAS_OK && p.requeue)
        daas_ctrl_run_enqueue_after(run, key, REQUEUE_MS);
out:
    daas_ctrl_endpoints_plan_fini(&p);
    inputs_fini(&x);
    daas_free(ns);
    daas_free(name);
    return rc;
}

/* ---- registration ---- */

static void fini(void *arg)
{
    epctl *s = arg;
    daas_ctrl__map_fini(&s->noted, NULL);
    pthread_mutex_destroy(&s->mu);
    daas_free(s->apiserver_ip);
    daas_free(s);
}

/* Registers the controller (controllers.h). o->apiserver_ip and o->apiserver_port give
 * default/kubernetes its endpoints (without an IPv4 address that Service is left alone). */
int daas_ctrl_endpoints_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    epctl *s = daas_xcalloc(1, sizeof *s);
    if (o != NULL)
        s->o = *o;
    uint32_t v4;
    if (s->o.apiserver_ip != NULL && daas_ctrl_ipv4_parse(s->o.apiserver_ip, &v4))
        s->apiserver_ip = daas_xstrdup(s->o.apiserver_ip);
    else if (s->o.apiserver_ip != NULL) /* the Endpoints would not validate: left alone */
        DAAS_WARN("ctrl",
                  "endpoints: the API server address %s is not IPv4: the kubernetes "
                  "Service gets no endpoints",
                  s->o.apiserver_ip);
    s->o.apiserver_ip = s->apiserver_ip;
    pthread_mutex_init(&s->mu, NULL);
    daas_ctrl_def d = {.name = "endpoints",
                       .resources = {"services", "pods", "nodes", "endpoints", "endpointslices"},
                       .handle = handle,
                       .sync = sync,
                       .workers = 4,
                       .arg = s,
                       .fini = fini};
    return daas_ctrl_mgr_register(m, &d, err);
}
