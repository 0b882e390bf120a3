/*
 * authz.c: authorization by stake role (the policy is listed once, in authz.h), the
 * create-time ownership admission, the store-backed facts, and the API hooks
 * (daas_api__authorize*, daas_api__admit_create).
 *
 * Owns:   one predicate per role; the Forbidden message; reading owners and pod bindings.
 * Not:    roles (authn_sui.c), the verbs (read.c, write.c, watch.c).
 * Invariants:
 *   - fail closed: an unknown role, verb or resource is denied for a wallet user; a fact that
 *     cannot be read is an error, never an allow;
 *   - owners are compared as canonical "0x" + 64 lowercase hex strings (the facts
 *     normalise the annotation; the user's uid is canonical from authn_sui.c);
 *   - users without a role group are never restricted here.
 * Spec:   ARCHITECTURE.md §3.1-3.2; kube-apiserver endpoints/handlers/responsewriters
 *         (forbiddenMessage), apimachinery errors.NewForbidden.
 */
#include "api/authz.h"

#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/authn_sui.h"
#include "common/alloc.h"
#include "kube/obj.h"
#include "sui/pkg.h"
#include "sui/sui.h"

#define OWNER_LEN (DAAS_SUI_ADDRESS_HEX_LEN + 1)
#define NODE_NAME_MAX 254

int daas_authz_role(const daas_user *u)
{
    static const size_t plen = sizeof DAAS_ROLE_GROUP_PREFIX - 1;
    for (int i = 0; i < u->ngroups && i < 8; i++) {
        if (strncmp(u->groups[i], DAAS_ROLE_GROUP_PREFIX, plen) != 0)
            continue;
        for (int r = DAAS_PKG_ROLE_NONE; r <= DAAS_PKG_ROLE_ADMIN; r++)
            if (strcmp(u->groups[i] + plen, daas_pkg_role_name(r)) == 0)
                return r;
        return DAAS_PKG_ROLE_NONE; /* a role group we do not know: no rights */
    }
    return -1;
}

/* ---- the Forbidden message ---- */

/* Where a denial's message goes: the caller's buffer (may be NULL) and err. */
typedef struct deny_to {
    char *buf;
    size_t n;
    daas_err *err;
} deny_to;

/* EVIDENCE: responsewriters.forbiddenMessage + errors.NewForbidden. */
static int deny(const daas_user *u, const daas_authz_attrs *a, const char *reason,
                const deny_to *d)
{
    const char *why = reason != NULL && reason[0] ? ": " : "", *rs = reason ? reason : "";
    const char *g = a->group ? a->group : "";
    char *msg;
    if (a->resource == NULL)
        msg = daas_xasprintf("forbidden: User \"%s\" cannot %s path \"%s\"%s%s", u->name,
                             a->verb, a->path ? a->path : "", why, rs);
    else
        msg = daas_xasprintf(
            "%s%s%s%s%s%s is forbidden: User \"%s\" cannot %s resource \"%s%s%s\" in API "
            "group \"%s\" %s%s%s%s%s",
            a->resource, g[0] ? "." : "", g, a->name ? " \"" : "", a->name ? a->name : "",
            a->name ? "\"" : "", u->name, a->verb, a->resource, a->sub ? "/" : "",
            a->sub ? a->sub : "", g, a->ns ? "in the namespace \"" : "at the cluster scope",
            a->ns ? a->ns : "", a->ns ? "\"" : "", why, rs);
    if (d->buf != NULL && d->n > 0)
        snprintf(d->buf, d->n, "%s", msg);
    int rc = daas_fail(d->err, DAAS_EDENIED, "%s", msg);
    daas_free(msg);
    return rc;
}

/* ---- small predicates ---- */

static bool is(const char *s, const char *want)
{
    return s != NULL && strcmp(s, want) == 0;
}

static bool is_read(const daas_authz_attrs *a)
{
    return is(a->verb, "get") || is(a->verb, "list") || is(a->verb, "watch");
}

static bool core(const daas_authz_attrs *a, const char *resource)
{
    return a->group != NULL && a->group[0] == '\0' && is(a->resource, resource);
}

static bool is_discovery(const char *path)
{
    static const char *const open[] = {"/api", "/apis", "/openapi", "/version"};
    for (size_t i = 0; path != NULL && i < sizeof open / sizeof open[0]; i++) {
        size_t n = strlen(open[i]);
        if (strncmp(path, open[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
}

/* DAAS_OK when the owner fact says u owns the object, DAAS_EDENIED when someone else (or
 * nobody) does or it does not exist, else the fact's error. */
typedef int (*owner_fact)(void *self, const char *name, char *out, size_t n, daas_err *err);

static int owns(const daas_user *u, owner_fact fn, void *self, const char *name,
                daas_err *err)
{
    char owner[OWNER_LEN] = "";
    daas_err e = {0};
    if (name == NULL || fn == NULL)
        return DAAS_EDENIED;
    int rc = fn(self, name, owner, sizeof owner, &e);
    if (rc == DAAS_ENOTFOUND)
        return DAAS_EDENIED;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "authorization: %s", e.msg);
    return owner[0] != '\0' && strcmp(owner, u->uid) == 0 ? DAAS_OK : DAAS_EDENIED;
}

/* Whether pod ns/name is bound to a Node u owns. */
static int pod_on_my_node(const daas_user *u, const daas_authz_attrs *a,
                          const daas_authz_facts *f, daas_err *err)
{
    char node[NODE_NAME_MAX + 1] = "";
    daas_err e = {0};
    if (a->ns == NULL || a->name == NULL || f->pod_node == NULL)
        return DAAS_EDENIED;
    int rc = f->pod_node(f->self, a->ns, a->name, node, sizeof node, &e);
    if (rc == DAAS_ENOTFOUND)
        return DAAS_EDENIED;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "authorization: %s", e.msg);
    if (node[0] == '\0')
        return DAAS_EDENIED;
    return owns(u, f->node_owner, f->self, node, err);
}

/* The node a field selector pins spec.nodeName to ("spec.nodeName=X" or "==X" among its
 * comma-separated terms), copied into out; false when there is none. Selectors with escapes
 * are not looked into: they are denied, never misread. */
static bool selector_node(const char *sel, char *out, size_t n)
{
    static const char key[] = "spec.nodeName";
    if (sel == NULL || strchr(sel, '\\') != NULL)
        return false;
    for (const char *p = sel; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len > sizeof key - 1 && strncmp(p, key, sizeof key - 1) == 0) {
            const char *v = p + sizeof key - 1;
            if (*v == '=' && v[1] == '=')
                v += 2;
            else if (*v == '=')
                v += 1;
            else
                v = NULL;
            size_t vlen = v ? len - (size_t)(v - p) : 0;
            if (v != NULL && vlen > 0 && vlen < n) {
                memcpy(out, v, vlen);
                out[vlen] = '\0';
                return true;
            }
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

/* ---- one predicate per role: DAAS_OK, or DAAS_EDENIED with *why set ---- */

static int viewer_may(const daas_authz_attrs *a, const char **why)
{
    *why = "role viewer may only read, and not secrets";
    if (!is_read(a) || core(a, "secrets"))
        return DAAS_EDENIED;
    if (a->sub != NULL && !is(a->sub, "status") && !is(a->sub, "scale") && !is(a->sub, "log"))
        return DAAS_EDENIED;
    return DAAS_OK;
}

static int user_may(const daas_user *u, const daas_authz_attrs *a, const daas_authz_facts *f,
                    const char **why, daas_err *err)
{
    if (core(a, "namespaces")) {
        *why = "role user may change only namespaces it owns";
        if (a->name == NULL)
            return is(a->verb, "create") || is(a->verb, "list") || is(a->verb, "watch")
                       ? DAAS_OK
                       : DAAS_EDENIED;
        if (is(a->verb, "get"))
            return DAAS_OK;
        return owns(u, f->ns_owner, f->self, a->name, err);
    }
    if (core(a, "nodes")) {
        *why = "role user may only read nodes";
        return is_read(a) ? DAAS_OK : DAAS_EDENIED;
    }
    if (core(a, "pods") && is(a->sub, "binding")) {
        *why = "only the scheduler binds pods to nodes";
        return DAAS_EDENIED;
    }
    *why = "role user works only in namespaces it owns";
    if (!a->namespaced || a->ns == NULL)
        return DAAS_EDENIED;
    return owns(u, f->ns_owner, f->self, a->ns, err);
}

static int node_nodes(const daas_user *u, const daas_authz_attrs *a, const daas_authz_facts *f,
                      const char **why, daas_err *err)
{
    *why = "role node may change only Nodes it owns";
    if (a->name == NULL)
        return is(a->verb, "create") || is(a->verb, "list") || is(a->verb, "watch")
                   ? DAAS_OK
                   : DAAS_EDENIED;
    if (is(a->verb, "get") && (a->sub == NULL || is(a->sub, "status")))
        return DAAS_OK;
    if (!is(a->verb, "update") && !is(a->verb, "patch") && !is(a->verb, "delete") &&
        !is(a->verb, "get"))
        return DAAS_EDENIED;
    if (a->sub != NULL && !is(a->sub, "status"))
        return DAAS_EDENIED;
    return owns(u, f->node_owner, f->self, a->name, err);
}

static int node_pods(const daas_user *u, const daas_authz_attrs *a, const daas_authz_facts *f,
                     const char **why, daas_err *err)
{
    char node[NODE_NAME_MAX + 1];
    if (a->name == NULL) {
        *why = "role node may list pods only with fieldSelector spec.nodeName=<a Node it owns>";
        if (!is(a->verb, "list") && !is(a->verb, "watch"))
            return DAAS_EDENIED;
        if (!selector_node(a->field_selector, node, sizeof node))
            return DAAS_EDENIED;
        return owns(u, f->node_owner, f->self, node, err);
    }
    *why = "role node may only read and delete pods bound to its Nodes and update their status";
    /* delete: the agent ends a graceful deletion (gracePeriodSeconds=0) once its containers
     * have stopped, as the kubelet does. */
    bool allowed = (a->sub == NULL && (is(a->verb, "get") || is(a->verb, "delete"))) ||
                   (is(a->sub, "status") &&
                    (is(a->verb, "get") || is(a->verb, "update") || is(a->verb, "patch")));
    return allowed ? pod_on_my_node(u, a, f, err) : DAAS_EDENIED;
}

/* ---- what pods reference (upstream's VisitPodSecretNames / VisitPodConfigmapNames) ---- */

/* The object a node asks for, and what the search found. */
typedef struct ref_search {
    const daas_user *u;
    const daas_authz_facts *f;
    bool secret;      /* a Secret, else a ConfigMap */
    const char *name; /* its name */
    daas_err *err;    /* a fact's error */
} ref_search;

enum { REF_FOUND = 1 }; /* visit's "stop: allowed" */

static bool named(const json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL && strcmp(v, want) == 0;
}

static bool container_refs(const json_t *c, const ref_search *s)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(c, "envFrom"), i, e)
        if (named(json_object_get(e, s->secret ? "secretRef" : "configMapRef"), "name", s->name))
            return true;
    json_array_foreach(json_object_get(c, "env"), i, e) {
        const json_t *from = json_object_get(e, "valueFrom");
        if (named(json_object_get(from, s->secret ? "secretKeyRef" : "configMapKeyRef"), "name",
                  s->name))
            return true;
    }
    return false;
}

static bool volume_refs(const json_t *v, const ref_search *s)
{
    size_t i;
    const json_t *src;
    if (s->secret ? named(json_object_get(v, "secret"), "secretName", s->name)
                  : named(json_object_get(v, "configMap"), "name", s->name))
        return true;
    json_array_foreach(json_object_get(json_object_get(v, "projected"), "sources"), i, src)
        if (named(json_object_get(src, s->secret ? "secret" : "configMap"), "name", s->name))
            return true;
    return false;
}

/* Whether pod's spec names the object of s anywhere a kubelet would read it. */
static bool pod_refs(const json_t *pod, const ref_search *s)
{
    static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};
    const json_t *spec = json_object_get(pod, "spec");
    size_t i;
    const json_t *e;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        json_array_foreach(json_object_get(spec, lists[l]), i, e)
            if (container_refs(e, s))
                return true;
    json_array_foreach(json_object_get(spec, "volumes"), i, e)
        if (volume_refs(e, s))
            return true;
    if (s->secret)
        json_array_foreach(json_object_get(spec, "imagePullSecrets"), i, e)
            if (named(e, "name", s->name))
                return true;
    return false;
}

/* ns_pods visitor: REF_FOUND at the first pod that references the object and is bound to a
 * Node the user owns. */
static int visit_ref(void *ctx, const json_t *pod)
{
    const ref_search *s = ctx;
    const char *node = json_string_value(json_object_get(json_object_get(pod, "spec"),
                                                         "nodeName"));
    if (node == NULL || node[0] == '\0' || !pod_refs(pod, s))
        return DAAS_OK;
    int rc = owns(s->u, s->f->node_owner, s->f->self, node, s->err);
    if (rc == DAAS_EDENIED)
        return DAAS_OK;
    return rc == DAAS_OK ? REF_FOUND : rc;
}

/* get of a Secret or ConfigMap a pod bound to one of u's Nodes references. */
static int node_refs(const daas_user *u, const daas_authz_attrs *a, const daas_authz_facts *f,
                     bool secret, const char **why, daas_err *err)
{
    *why = secret ? "role node may get only Secrets that pods bound to its Nodes reference"
                  : "role node may get only ConfigMaps that pods bound to its Nodes reference";
    if (!is(a->verb, "get") || a->sub != NULL || a->ns == NULL || a->name == NULL ||
        f == NULL || f->ns_pods == NULL)
        return DAAS_EDENIED;
    daas_err e = {0}, fe = {0}; /* the listing's error; a node owner fact's (prefixed) */
    ref_search s = {u, f, secret, a->name, &fe};
    int rc = f->ns_pods(f->self, a->ns, visit_ref, &s, &e);
    if (rc == REF_FOUND)
        return DAAS_OK;
    if (rc == DAAS_OK || rc == DAAS_ENOTFOUND || rc == DAAS_EDENIED)
        return DAAS_EDENIED;
    if (fe.code != DAAS_OK)
        return daas_fail(err, rc, "%s", fe.msg);
    return daas_fail(err, rc, "authorization: %s", e.msg);
}

static int node_may(const daas_user *u, const daas_authz_attrs *a, const daas_authz_facts *f,
                    const char **why, daas_err *err)
{
    if (core(a, "nodes"))
        return node_nodes(u, a, f, why, err);
    if (core(a, "pods"))
        return node_pods(u, a, f, why, err);
    if (is(a->group, "coordination.k8s.io") && is(a->resource, "leases")) {
        *why = "role node may use only the Lease in kube-node-lease of a Node it owns";
        if (!is(a->ns, DAAS_NODE_LEASE_NAMESPACE) || a->sub != NULL)
            return DAAS_EDENIED;
        if (a->name == NULL) /* the name is in the body: admission checks it */
            return is(a->verb, "create") ? DAAS_OK : DAAS_EDENIED;
        if (!is(a->verb, "get") && !is(a->verb, "update") && !is(a->verb, "patch") &&
            !is(a->verb, "delete"))
            return DAAS_EDENIED;
        return owns(u, f->node_owner, f->self, a->name, err);
    }
    if (core(a, "secrets") || core(a, "configmaps"))
        return node_refs(u, a, f, core(a, "secrets"), why, err);
    *why = "role node may not do this";
    if ((core(a, "events") || (is(a->group, "events.k8s.io") && is(a->resource, "events"))) &&
        a->ns != NULL && a->name == NULL && is(a->verb, "create"))
        return DAAS_OK;
    return DAAS_EDENIED;
}

int daas_authz_check(const daas_user *u, const daas_authz_attrs *a, const daas_authz_facts *f,
                     char *denial_buf, size_t n, daas_err *err)
{
    const deny_to d = {denial_buf, n, err};
    int role = daas_authz_role(u);
    const char *why = NULL;
    daas_err e = {0};
    int rc = DAAS_EDENIED;

    if (role < 0 || role == DAAS_PKG_ROLE_ADMIN)
        return DAAS_OK;
    if (a->verb == NULL) {
        daas_authz_attrs c = *a;
        c.verb = "(no verb)";
        return deny(u, &c, NULL, &d);
    }
    if (a->resource == NULL)
        return is_discovery(a->path) ? DAAS_OK : deny(u, a, "stake role too low", &d);
    switch (role) {
    case DAAS_PKG_ROLE_VIEWER:
        rc = viewer_may(a, &why);
        break;
    case DAAS_PKG_ROLE_USER:
        rc = user_may(u, a, f, &why, &e);
        break;
    case DAAS_PKG_ROLE_NODE:
        rc = node_may(u, a, f, &why, &e);
        break;
    default:
        why = "stake role none";
        break;
    }
    if (rc == DAAS_OK)
        return DAAS_OK;
    if (rc == DAAS_EDENIED)
        return deny(u, a, why, &d);
    return daas_fail(err, rc, "%s", e.msg);
}

/* ---- admission on create ---- */

static void stamp_owner(json_t *obj, const char *addr)
{
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(obj, "metadata", meta);
    }
    json_t *ann = json_object_get(meta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    json_object_set_new(ann, DAAS_OWNER_ANNOTATION, json_string(addr));
}

int daas_authz_admit_create(const daas_user *u, const char *group, const char *resource,
                            const char *ns, json_t *obj, const daas_authz_facts *f,
                            char *denial_buf, size_t n, daas_err *err)
{
    const deny_to d = {denial_buf, n, err};
    int role = daas_authz_role(u);
    bool core_group = group != NULL && group[0] == '\0';
    if (role < 0)
        return DAAS_OK;
    if (core_group && is(resource, "namespaces")) {
        stamp_owner(obj, u->uid);
        return DAAS_OK;
    }
    /* Placement is the scheduler's (the enclave's, issue 4): a wallet user below admin may
     * not name the node of a pod it creates. */
    const char *node = json_string_value(json_object_get(json_object_get(obj, "spec"),
                                                         "nodeName"));
    if (core_group && is(resource, "pods") && role != DAAS_PKG_ROLE_ADMIN && node != NULL &&
        node[0] != '\0') {
        daas_authz_attrs a = {.verb = "create", .group = group, .resource = resource,
                              .namespaced = true, .ns = ns};
        return deny(u, &a, "only the scheduler places pods (spec.nodeName must be empty)", &d);
    }
    if (role != DAAS_PKG_ROLE_NODE)
        return DAAS_OK;
    if (core_group && is(resource, "nodes")) {
        stamp_owner(obj, u->uid);
        return DAAS_OK;
    }
    if (is(group, "coordination.k8s.io") && is(resource, "leases")) {
        const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"),
                                                             "name"));
        daas_err e = {0};
        int rc = owns(u, f->node_owner, f->self, name, &e);
        if (rc == DAAS_EDENIED) {
            daas_authz_attrs a = {.verb = "create", .group = group, .resource = resource,
                                  .namespaced = true, .ns = ns, .name = name};
            return deny(u, &a, "role node may create only the Lease of a Node it owns", &d);
        }
        if (rc != DAAS_OK)
            return daas_fail(err, rc, "%s", e.msg);
    }
    return DAAS_OK;
}

/* ---- facts from the store ---- */

/* The stored object at the key of (group/resource, ns, name), parsed. */
static int load(daas_store *st, const char *group, const char *resource, const char *ns,
                const char *name, json_t **out, daas_err *err)
{
    const daas_kube_kind *k = daas_kube_kind_by_resource(group, "v1", resource);
    daas_kv kv = {0};
    json_error_t jerr;
    *out = NULL;
    if (k == NULL || strchr(name, '/') != NULL)
        return DAAS_ENOTFOUND;
    char *key = daas_api__key(k, ns, name);
    int rc = daas_store_get(st, key, &kv, err);
    if (rc == DAAS_OK) {
        *out = kv.val ? json_loadb(kv.val->data, kv.val->len, 0, &jerr) : NULL;
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = daas_fail(err, DAAS_EIO, "corrupt stored object at %s", key);
        }
    }
    daas_kv_fini(&kv);
    daas_free(key);
    return rc;
}

/* The canonical daas.io/owner of obj into out ("" when absent or not an address). */
static void owner_of(const json_t *obj, char *out, size_t n)
{
    json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    const char *v = json_string_value(json_object_get(ann, DAAS_OWNER_ANNOTATION));
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1] = "";
    if (v != NULL && daas_sui_address_parse(v, addr, NULL) == DAAS_OK)
        daas_sui_address_hex(addr, hex);
    snprintf(out, n, "%s", hex);
}

/* The owner of the cluster-scoped object resource/name into out. */
static int store_owner(void *self, const char *resource, const char *name, char *out, size_t n,
                       daas_err *err)
{
    json_t *obj = NULL;
    int rc = load(self, "", resource, NULL, name, &obj, err);
    if (rc == DAAS_OK)
        owner_of(obj, out, n);
    json_decref(obj);
    return rc;
}

static int store_ns_owner(void *self, const char *ns, char *out, size_t n, daas_err *err)
{
    return store_owner(self, "namespaces", ns, out, n, err);
}

static int store_node_owner(void *self, const char *node, char *out, size_t n, daas_err *err)
{
    return store_owner(self, "nodes", node, out, n, err);
}

static int store_pod_node(void *self, const char *ns, const char *pod, char *out, size_t n,
                          daas_err *err)
{
    json_t *obj = NULL;
    int rc = load(self, "", "pods", ns, pod, &obj, err);
    if (rc == DAAS_OK) {
        const char *node = json_string_value(json_object_get(json_object_get(obj, "spec"),
                                                             "nodeName"));
        snprintf(out, n, "%s", node ? node : "");
    }
    json_decref(obj);
    return rc;
}

/* Every pod stored in ns, parsed, to visit. A pod that does not parse is skipped: it can
 * only fail to grant. */
static int store_ns_pods(void *self, const char *ns, int (*visit)(void *ctx, const json_t *pod),
                         void *ctx, daas_err *err)
{
    const daas_kube_kind *k = daas_kube_kind_by_resource("", "v1", "pods");
    daas_kv_list l = {0};
    if (k == NULL || ns == NULL || ns[0] == '\0' || strchr(ns, '/') != NULL)
        return DAAS_ENOTFOUND;
    char *prefix = daas_api__prefix(k, ns);
    int rc = daas_store_list(self, prefix, NULL, 0, &l, err);
    for (size_t i = 0; rc == DAAS_OK && i < l.n; i++) {
        const daas_blob *v = l.items[i].val;
        json_t *pod = v ? json_loadb(v->data, v->len, 0, NULL) : NULL;
        if (json_is_object(pod))
            rc = visit(ctx, pod);
        json_decref(pod);
    }
    daas_kv_list_fini(&l);
    daas_free(prefix);
    return rc;
}

void daas_authz_store_facts(daas_store *st, daas_authz_facts *out)
{
    *out = (daas_authz_facts){store_ns_owner, store_node_owner, store_pod_node, st,
                              store_ns_pods};
}

/* ---- the API hooks ---- */

/* The verb dispatch_resource (api.c) will serve, by upstream's names. */
static const char *request_verb(daas_api__req *r)
{
    const char *m = r->http->method;
    const daas_api_route *rt = &r->route;
    /* Streams into a pod are "create" whatever the method (the WebSocket dial is a GET), as
     * Kubernetes authorizes them. */
    if (rt->sub && (strcmp(rt->sub, "exec") == 0 || strcmp(rt->sub, "attach") == 0 ||
                    strcmp(rt->sub, "portforward") == 0))
        return "create";
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
        if (rt->sub || rt->name)
            return "get";
        return daas_api__query_bool(r, "watch") ? "watch" : "list";
    }
    if (strcmp(m, "POST") == 0)
        return "create";
    if (strcmp(m, "PUT") == 0)
        return "update";
    if (strcmp(m, "PATCH") == 0)
        return "patch";
    if (strcmp(m, "DELETE") == 0)
        return rt->name ? "delete" : "deletecollection";
    return NULL;
}

bool daas_api__authorize(daas_api__req *r)
{
    if (daas_authz_role(&r->user) < 0)
        return true; /* the common case costs one scan of the groups */
    const daas_kube_kind *k = r->route.kind;
    daas_authz_facts f;
    daas_authz_store_facts(r->api->store, &f);
    char *fs = daas_api__query(r, "fieldSelector");
    daas_authz_attrs a = {.verb = request_verb(r), .group = k->group, .resource = k->resource,
                          .namespaced = k->namespaced, .sub = r->route.sub, .ns = r->route.ns,
                          .name = r->route.name, .field_selector = fs};
    if (a.verb == NULL)
        a.verb = "unknown";
    daas_err e = {0};
    char msg[DAAS_AUTHZ_MSG_MAX];
    int rc = daas_authz_check(&r->user, &a, &f, msg, sizeof msg, &e);
    daas_free(fs);
    if (rc == DAAS_EDENIED)
        daas_api__respond_msg(r, rc, msg);
    else if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    return rc == DAAS_OK;
}

bool daas_api__authorize_path(daas_api__req *r, const char *path)
{
    if (daas_authz_role(&r->user) < 0)
        return true;
    daas_authz_attrs a = {.verb = "get", .path = path};
    char msg[DAAS_AUTHZ_MSG_MAX];
    if (daas_authz_check(&r->user, &a, NULL, msg, sizeof msg, NULL) == DAAS_OK)
        return true;
    daas_api__respond_msg(r, DAAS_EDENIED, msg);
    return false;
}

int daas_api__admit_create(daas_api__req *r, json_t *obj, char *denial, size_t n, daas_err *err)
{
    if (daas_authz_role(&r->user) < 0)
        return DAAS_OK;
    const daas_kube_kind *k = r->route.kind;
    daas_authz_facts f;
    daas_authz_store_facts(r->api->store, &f);
    return daas_authz_admit_create(&r->user, k->group, k->resource, r->route.ns, obj, &f,
                                   denial, n, err);
}
