/*
 * subres.c: subresources: status, scale, binding, finalize, log; and kind-specific work on
 * create (Service ClusterIP allocation).
 *
 * Owns:   the autoscaling/v1 Scale view, the Binding semantics (a pod is bound once),
 *         namespace finalize; log and exec go to the pod's agent (podproxy.c).
 * Spec:   specs/kube-api.md §6.1.
 */
#include <stdio.h>
#include <string.h>

#include "api/podproxy.h"
#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"
#include "kube/selector.h"

json_t *daas_api__scale_of(const daas_kube_kind *k, const json_t *obj)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *sm = json_object();
    const char *keys[] = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"};
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_object_get(meta, keys[i]);
        if (v)
            json_object_set(sm, keys[i], v);
    }
    json_t *scale = json_pack("{s:s,s:s,s:o,s:{s:I},s:{s:I}}", "kind", "Scale", "apiVersion",
                              "autoscaling/v1", "metadata", sm, "spec", "replicas",
                              (json_int_t)daas_kube_int(obj, "spec.replicas", 0), "status",
                              "replicas", (json_int_t)daas_kube_int(obj, "status.replicas", 0));
    daas_kube_labelsel *sel = NULL;
    daas_err e = {0};
    if (daas_kube_labelsel_from_json(daas_kube_path(obj, "spec.selector"), &sel, &e) == DAAS_OK) {
        char *s = daas_kube_labelsel_string(sel);
        daas_kube_set_str(scale, "status.selector", s);
        daas_free(s);
        daas_kube_labelsel_free(&sel);
    }
    (void)k;
    return scale;
}

/* PUT of a subresource: the body is the new status (status), the Scale (scale), or the
 * namespace whose spec.finalizers replace the stored ones (finalize). */
static int put_sub(daas_api__req *r, const json_t *old, json_t **out, void *arg, daas_err *err)
{
    const json_t *body = arg;
    const char *sub = r->route.sub;
    json_t *res = json_deep_copy(old);
    const char *want = daas_kube_str(body, "metadata.resourceVersion");
    if (want)
        daas_kube_set_str(res, "metadata.resourceVersion", want);
    if (strcmp(sub, "status") == 0) {
        json_t *st = json_object_get(body, "status");
        if (st)
            json_object_set(res, "status", st);
        else
            json_object_del(res, "status");
    } else if (strcmp(sub, "scale") == 0) {
        json_t *rep = daas_kube_path(body, "spec.replicas");
        if (!json_is_integer(rep) || json_integer_value(rep) < 0) {
            json_decref(res);
            return daas_fail(err, DAAS_EINVAL,
                             "Scale.spec.replicas must be a non-negative "
                             "integer");
        }
        daas_kube_set(res, "spec.replicas", json_incref(rep));
    } else { /* finalize */
        json_t *f = daas_kube_path(body, "spec.finalizers");
        daas_kube_set(res, "spec.finalizers", f ? json_incref(f) : json_array());
    }
    *out = res;
    return DAAS_OK;
}

/* POST pods/{name}/binding: sets spec.nodeName once. */
static int bind(daas_api__req *r, const json_t *old, json_t **out, void *arg, daas_err *err)
{
    const char *node = arg;
    const char *cur = daas_kube_str(old, "spec.nodeName");
    if (cur && cur[0])
        return daas_fail(err, DAAS_ECONFLICT, "pod %s is already assigned to node \"%s\"",
                         r->route.name, cur);
    if (daas_kube_path(old, "metadata.deletionTimestamp"))
        return daas_fail(err, DAAS_ECONFLICT,
                         "pod %s is being deleted, cannot be assigned to "
                         "a host",
                         r->route.name);
    json_t *res = json_deep_copy(old);
    daas_kube_set_str(res, "spec.nodeName", node);
    *out = res;
    return DAAS_OK;
}

static void binding(daas_api__req *r)
{
    daas_err e = {0};
    json_t *body = NULL;
    r->verb = DAAS_API_VERB_CREATE;
    int rc = daas_api__decode_body(r, &body, &e);
    const char *node = rc == DAAS_OK ? daas_kube_str(body, "target.name") : NULL;
    if (rc == DAAS_OK && (node == NULL || node[0] == '\0'))
        rc = daas_fail(&e, DAAS_EINVALID,
                       "Binding \"%s\" is invalid: target.name: Required "
                       "value",
                       r->route.name);
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
    } else {
        /* Answer with a Status like upstream, not the pod. */
        r->route.sub = "binding";
        daas_api__modify(r, NULL, bind, (void *)node);
    }
    json_decref(body);
}

static bool sub_allowed(const daas_kube_kind *k, const char *sub)
{
    static const struct {
        const char *name;
        unsigned bit;
    } subs[] = {{"status", DAAS_KUBE_SUB_STATUS},
                {"scale", DAAS_KUBE_SUB_SCALE},
                {"binding", DAAS_KUBE_SUB_BINDING},
                {"log", DAAS_KUBE_SUB_LOG},
                {"finalize", DAAS_KUBE_SUB_FINALIZE}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(sub, subs[i].name) == 0)
            return (k->subresources & subs[i].bit) != 0;
    return false;
}

/* pods/{name}/exec: not a stored view, so not in the kind table's subresources. */
static bool is_pod_exec(const daas_kube_kind *k, const char *sub)
{
    return strcmp(sub, "exec") == 0 && k->group[0] == '\0' && strcmp(k->resource, "pods") == 0;
}

static void get_sub(daas_api__req *r)
{
    daas_err e = {0};
    daas_kv kv = {0};
    json_t *obj = NULL;
    char *key = daas_api__key(r->route.kind, r->route.ns, r->route.name);
    r->verb = DAAS_API_VERB_GET;
    int rc = daas_api__load(r->api, key, &kv, &obj, &e);
    daas_free(key);
    if (rc == DAAS_ENOTFOUND)
        daas_api__fail_notfound(r, r->route.name, &e);
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    else
        daas_api__respond_result(r, 200, obj);
    json_decref(obj);
    daas_kv_fini(&kv);
}

void daas_api__subresource(daas_api__req *r)
{
    const char *m = r->http->method, *sub = r->route.sub;
    daas_err e = {0};
    if (is_pod_exec(r->route.kind, sub) && (strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0)) {
        daas_api__podproxy(r, true); /* GET: the WebSocket handshake; POST: SPDY */
        return;
    }
    /* pods/{name}/eviction (evict.c): like exec, not a stored view */
    bool evict = is_pod_exec(r->route.kind, "exec") && strcmp(sub, "eviction") == 0;
    if (evict && strcmp(m, "POST") == 0) {
        daas_api__evict(r);
        return;
    }
    if (is_pod_exec(r->route.kind, sub) || evict) {
        daas_fail(&e, DAAS_EMETHOD,
                  "the server does not allow this method on the requested "
                  "resource");
        daas_api__respond_err(r, &e);
        return;
    }
    if (!sub_allowed(r->route.kind, sub)) {
        daas_fail(&e, DAAS_ENOTFOUND, "the server could not find the requested resource");
        daas_api__respond_err(r, &e);
        return;
    }
    bool get = strcmp(m, "GET") == 0, put = strcmp(m, "PUT") == 0, patch = strcmp(m, "PATCH") == 0,
         post = strcmp(m, "POST") == 0;
    if (strcmp(sub, "log") == 0 && get) {
        daas_api__podproxy(r, false);
    } else if (strcmp(sub, "binding") == 0 && post) {
        binding(r);
    } else if (get && strcmp(sub, "finalize") != 0 && strcmp(sub, "binding") != 0) {
        get_sub(r);
    } else if (patch && strcmp(sub, "finalize") != 0 && strcmp(sub, "binding") != 0) {
        daas_api__patch(r);
    } else if (put && strcmp(sub, "binding") != 0) {
        json_t *body = NULL;
        r->verb = DAAS_API_VERB_UPDATE;
        int rc = daas_api__decode_body(r, &body, &e);
        if (rc != DAAS_OK)
            daas_api__respond_err(r, &e);
        else
            daas_api__modify(r, NULL, put_sub, body);
        json_decref(body);
    } else {
        daas_fail(&e, DAAS_EMETHOD,
                  "the server does not allow this method on the requested "
                  "resource");
        daas_api__respond_err(r, &e);
    }
}

/* ---- ClusterIP allocation: the ctrl/ipalloc.h allocator over the range, restored from
 * the Services in the store at each create (the store is the one truth; a deleted Service's
 * addresses are free again at once), plus the addresses handed out to creates still in
 * flight (ip_pending, until daas_api__ip_settled; at most IP_PENDING_MS when a create fails
 * before it reaches the store). Allocation is serialised by ip_mu within a server, and by
 * claims in the store (ipclaim.c) across the servers of a shared datastore. ---- */

#define IP_PENDING_MS 30000
#define CLAIM_TRIES 16

/* Marks the pending addresses taken in a (dropping the expired ones); ip_mu held. */
static void take_pending(daas_api *api, daas_ctrl_ipalloc *a)
{
    int64_t now = daas_mono_ns() / 1000000;
    const char *ip;
    json_t *until;
    void *tmp;
    json_object_foreach_safe(api->ip_pending, tmp, ip, until)
    {
        daas_err e = {0};
        if (json_integer_value(until) < now)
            json_object_del(api->ip_pending, ip);
        else if (daas_ctrl_ipalloc_allocate(a, ip, &e) != DAAS_OK)
            DAAS_DEBUG("api", "pending ClusterIP %s is stored already", ip);
    }
}

static int alloc_cluster_ip_locked(daas_api__req *r, json_t *svc, const char *want, daas_err *err)
{
    daas_kv_list l = {0};
    daas_ctrl_ipalloc *a = NULL;
    json_t *items = json_array();
    int rc = daas_ctrl_ipalloc_new(daas_ctrl_ipalloc_range(r->api->svc_range), &a, err);
    if (rc == DAAS_OK)
        rc = daas_store_list(r->api->store, "/registry/services/", NULL, 0, &l, err);
    for (size_t i = 0; rc == DAAS_OK && i < l.n; i++) {
        json_t *o = daas_api__parse_kv(&l.items[i]);
        if (o != NULL)
            json_array_append_new(items, o);
    }
    if (rc == DAAS_OK) {
        daas_ctrl_ipalloc_restore_services(a, items, NULL);
        take_pending(r->api, a);
    }
    char ip[DAAS_CTRL_IP_STRLEN];
    daas_err e = {0};
    if (rc == DAAS_OK && want != NULL) {
        int arc = daas_ctrl_ipalloc_allocate(a, want, &e);
        if (arc == DAAS_OK && daas_api__ip_claim(r->api, want, &e) != DAAS_OK)
            arc = DAAS_EEXIST;
        if (arc != DAAS_OK)
            rc = daas_fail(err, DAAS_EINVALID,
                           "Service \"%s\" is invalid: spec.clusterIPs: Invalid value: "
                           "[]string{\"%s\"}: %s",
                           daas_kube_str(svc, "metadata.name"), want, e.msg);
    } else if (rc == DAAS_OK) {
        /* an address another server is handing out right now is skipped (claims) */
        rc = DAAS_EEXIST;
        for (int tries = 0; rc == DAAS_EEXIST && tries < CLAIM_TRIES; tries++) {
            memset(err, 0, sizeof *err);
            rc = daas_ctrl_ipalloc_allocate_next(a, ip, err);
            if (rc == DAAS_OK)
                rc = daas_api__ip_claim(r->api, ip, err);
        }
        if (rc == DAAS_OK) {
            daas_kube_set_str(svc, "spec.clusterIP", ip);
            daas_kube_set(svc, "spec.clusterIPs", json_pack("[s]", ip));
        }
    }
    json_decref(items);
    daas_kv_list_fini(&l);
    daas_ctrl_ipalloc_free(&a);
    return rc;
}

static int alloc_cluster_ip(daas_api__req *r, json_t *svc, const char *want, daas_err *err)
{
    pthread_mutex_lock(&r->api->ip_mu);
    int rc = alloc_cluster_ip_locked(r, svc, want, err);
    const char *ip = want ? want : daas_kube_str(svc, "spec.clusterIP");
    if (rc == DAAS_OK && ip)
        json_object_set_new(r->api->ip_pending, ip,
                            json_integer(daas_mono_ns() / 1000000 + IP_PENDING_MS));
    pthread_mutex_unlock(&r->api->ip_mu);
    return rc;
}

void daas_api__ip_settled(daas_api *api, const json_t *svc)
{
    const char *ip = daas_kube_str(svc, "spec.clusterIP");
    if (ip == NULL)
        return;
    pthread_mutex_lock(&api->ip_mu);
    json_object_del(api->ip_pending, ip);
    pthread_mutex_unlock(&api->ip_mu);
    daas_api__ip_unclaim(api, ip);
}

int daas_api__prepare_create(daas_api__req *r, json_t *obj, daas_err *err)
{
    if (strcmp(r->route.kind->resource, "services") != 0)
        return DAAS_OK;
    const char *type = daas_kube_str(obj, "spec.type");
    const char *ip = daas_kube_str(obj, "spec.clusterIP");
    if ((type && strcmp(type, "ExternalName") == 0) || (ip && strcmp(ip, "None") == 0))
        return DAAS_OK;
    return alloc_cluster_ip(r, obj, ip && ip[0] ? ip : NULL, err);
}
