/*
 * discovery.c: /version, API discovery (aggregated and legacy) and the minimal OpenAPI v3
 * documents kubectl needs for server-side field validation.
 *
 * Owns:   documents built once from the kind table at startup (immutable afterwards, so any
 *         thread may serve them).
 * Spec:   specs/kube-api.md §0 items 1, 4, 5; §2.
 */
#include <string.h>

#include "api/api_int.h"
#include "common/util.h"

#define DISCOVERY_CT "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

static json_t *verbs_for(const daas_kube_kind *k)
{
    return json_pack("[s,s,s,s,s,s,s,s]", "create", "delete", "deletecollection", "get", "list",
                     "patch", "update", "watch");
}

static json_t *gvk(const char *g, const char *v, const char *kind)
{
    return json_pack("{s:s,s:s,s:s}", "group", g, "version", v, "kind", kind);
}

static json_t *subresources_agg(const daas_kube_kind *k)
{
    json_t *a = json_array();
    const char *rw[] = {"get", "patch", "update"};
    json_t *rwv = json_pack("[s,s,s]", rw[0], rw[1], rw[2]);
    if (k->subresources & DAAS_KUBE_SUB_STATUS)
        json_array_append_new(a, json_pack("{s:s,s:o,s:O}", "subresource", "status",
                                           "responseKind", gvk(k->group, k->version, k->kind),
                                           "verbs", rwv));
    if (k->subresources & DAAS_KUBE_SUB_SCALE)
        json_array_append_new(a, json_pack("{s:s,s:o,s:O}", "subresource", "scale",
                                           "responseKind", gvk("autoscaling", "v1", "Scale"),
                                           "verbs", rwv));
    if (k->subresources & DAAS_KUBE_SUB_BINDING)
        json_array_append_new(a, json_pack("{s:s,s:o,s:[s]}", "subresource", "binding",
                                           "responseKind", gvk("", "v1", "Binding"), "verbs",
                                           "create"));
    if (k->subresources & DAAS_KUBE_SUB_LOG)
        json_array_append_new(a, json_pack("{s:s,s:o,s:[s]}", "subresource", "log",
                                           "responseKind", gvk("", "v1", "Pod"), "verbs", "get"));
    if (k->group[0] == '\0' && strcmp(k->resource, "pods") == 0) /* evict.c */
        json_array_append_new(a, json_pack("{s:s,s:o,s:[s]}", "subresource", "eviction",
                                           "responseKind", gvk("policy", "v1", "Eviction"),
                                           "verbs", "create"));
    if (k->subresources & DAAS_KUBE_SUB_FINALIZE)
        json_array_append_new(a, json_pack("{s:s,s:o,s:[s]}", "subresource", "finalize",
                                           "responseKind", gvk("", "v1", "Namespace"), "verbs",
                                           "update"));
    json_decref(rwv);
    return a;
}

static json_t *short_names(const daas_kube_kind *k)
{
    json_t *a = json_array();
    for (int i = 0; i < 4 && k->short_names[i]; i++)
        json_array_append_new(a, json_string(k->short_names[i]));
    return a;
}

static json_t *agg_resource(const daas_kube_kind *k)
{
    json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:o}", "resource", k->resource, "singularResource",
                          k->singular, "scope", k->namespaced ? "Namespaced" : "Cluster",
                          "responseKind", gvk(k->group, k->version, k->kind), "verbs",
                          verbs_for(k));
    if (k->short_names[0])
        json_object_set_new(o, "shortNames", short_names(k));
    if (k->category_all)
        json_object_set_new(o, "categories", json_pack("[s]", "all"));
    json_t *subs = subresources_agg(k);
    if (json_array_size(subs))
        json_object_set_new(o, "subresources", subs);
    else
        json_decref(subs);
    return o;
}

/* Aggregated discovery: core=true gives /api (the "" group), else /apis (named groups). */
static json_t *aggregated(bool core)
{
    int n;
    const daas_kube_kind *const *k = daas_kube_kinds(&n);
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        if ((k[i]->group[0] == '\0') != core)
            continue;
        json_t *group = NULL;
        size_t j;
        json_t *it;
        json_array_foreach(items, j, it)
        {
            if (strcmp(json_string_value(json_object_get(json_object_get(it, "metadata"), "name")),
                       k[i]->group) == 0)
                group = it;
        }
        if (group == NULL) {
            group = json_pack("{s:{s:s},s:[{s:s,s:s,s:[]}]}", "metadata", "name", k[i]->group,
                              "versions", "version", k[i]->version, "freshness", "Current",
                              "resources");
            json_array_append_new(items, group);
        }
        json_t *ver = json_array_get(json_object_get(group, "versions"), 0);
        json_array_append_new(json_object_get(ver, "resources"), agg_resource(k[i]));
    }
    return json_pack("{s:s,s:s,s:{},s:o}", "kind", "APIGroupDiscoveryList", "apiVersion",
                     "apidiscovery.k8s.io/v2", "metadata", "items", items);
}

/* Legacy APIResourceList for one group-version. */
static json_t *resource_list(const char *group, const char *version)
{
    int n;
    const daas_kube_kind *const *k = daas_kube_kinds(&n);
    json_t *res = json_array();
    bool any = false;
    for (int i = 0; i < n; i++) {
        if (strcmp(k[i]->group, group) != 0 || strcmp(k[i]->version, version) != 0)
            continue;
        any = true;
        json_t *o = json_pack("{s:s,s:s,s:b,s:s,s:o}", "name", k[i]->resource, "singularName",
                              k[i]->singular, "namespaced", k[i]->namespaced, "kind",
                              k[i]->kind, "verbs", verbs_for(k[i]));
        if (k[i]->short_names[0])
            json_object_set_new(o, "shortNames", short_names(k[i]));
        if (k[i]->category_all)
            json_object_set_new(o, "categories", json_pack("[s]", "all"));
        json_array_append_new(res, o);
        json_t *subs = subresources_agg(k[i]);
        size_t j;
        json_t *s;
        json_array_foreach(subs, j, s)
        {
            const char *sub = json_string_value(json_object_get(s, "subresource"));
            json_t *rk = json_object_get(s, "responseKind");
            char name[128];
            snprintf(name, sizeof name, "%s/%s", k[i]->resource, sub);
            json_t *so = json_pack("{s:s,s:s,s:b,s:O,s:O}", "name", name, "singularName", "",
                                   "namespaced", k[i]->namespaced, "kind",
                                   json_object_get(rk, "kind"), "verbs",
                                   json_object_get(s, "verbs"));
            const char *rg = json_string_value(json_object_get(rk, "group"));
            if (strcmp(rg, group) != 0) {
                json_object_set_new(so, "group", json_string(rg));
                json_object_set(so, "version", json_object_get(rk, "version"));
            }
            json_array_append_new(res, so);
        }
        json_decref(subs);
    }
    if (!any) {
        json_decref(res);
        return NULL;
    }
    char gv[128];
    snprintf(gv, sizeof gv, "%s%s%s", group, group[0] ? "/" : "", version);
    return json_pack("{s:s,s:s,s:s,s:o}", "kind", "APIResourceList", "apiVersion", "v1",
                     "groupVersion", gv, "resources", res);
}

static json_t *group_list(void)
{
    int n;
    const daas_kube_kind *const *k = daas_kube_kinds(&n);
    json_t *groups = json_array();
    for (int i = 0; i < n; i++) {
        if (k[i]->group[0] == '\0')
            continue;
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= strcmp(k[j]->group, k[i]->group) == 0;
        if (seen)
            continue;
        char gv[128];
        snprintf(gv, sizeof gv, "%s/%s", k[i]->group, k[i]->version);
        json_t *v = json_pack("{s:s,s:s}", "groupVersion", gv, "version", k[i]->version);
        json_array_append_new(groups, json_pack("{s:s,s:s,s:[O],s:O}", "kind", "APIGroup",
                                                "name", k[i]->group, "versions", v,
                                                "preferredVersion", v));
        json_decref(v);
    }
    return json_pack("{s:s,s:s,s:o}", "kind", "APIGroupList", "apiVersion", "v1", "groups",
                     groups);
}

/* ---- OpenAPI v3: one PATCH operation per kind, tagged with its GVK and listing the
 * fieldValidation parameter, which is what kubectl looks for (specs §2.4). ---- */

static json_t *openapi_patch_op(const daas_kube_kind *k)
{
    char op[160];
    snprintf(op, sizeof op, "patch%s%s", k->namespaced ? "Namespaced" : "", k->kind);
    json_t *params = json_array();
    const char *names[] = {"dryRun", "fieldManager", "fieldValidation", "force"};
    for (int i = 0; i < 4; i++)
        json_array_append_new(params, json_pack("{s:s,s:s,s:{s:s}}", "name", names[i], "in",
                                                "query", "schema", "type", "string"));
    return json_pack("{s:{s:s,s:s,s:o,s:o,s:{s:{s:s}}}}", "patch", "operationId", op,
                     "x-kubernetes-action", "patch", "x-kubernetes-group-version-kind",
                     gvk(k->group, k->version, k->kind), "parameters", params, "responses",
                     "200", "description", "OK");
}

static void openapi_build(daas_api *api)
{
    int n;
    const daas_kube_kind *const *k = daas_kube_kinds(&n);
    api->openapi_gv = json_object();
    for (int i = 0; i < n; i++) {
        char gvpath[128], path[256];
        if (k[i]->group[0])
            snprintf(gvpath, sizeof gvpath, "apis/%s/%s", k[i]->group, k[i]->version);
        else
            snprintf(gvpath, sizeof gvpath, "api/%s", k[i]->version);
        json_t *doc = json_object_get(api->openapi_gv, gvpath);
        if (doc == NULL) {
            doc = json_pack("{s:s,s:{s:s,s:s},s:{},s:{s:{}}}", "openapi", "3.0.0", "info",
                            "title", "Kubernetes", "version", "v1.32.4", "paths",
                            "components", "schemas");
            json_object_set_new(api->openapi_gv, gvpath, doc);
        }
        snprintf(path, sizeof path, "/%s/%s%s/{name}", gvpath,
                 k[i]->namespaced ? "namespaces/{namespace}/" : "", k[i]->resource);
        json_object_set_new(json_object_get(doc, "paths"), path, openapi_patch_op(k[i]));
    }
    json_t *paths = json_object();
    const char *gv;
    json_t *doc;
    json_object_foreach(api->openapi_gv, gv, doc)
    {
        /* The hash names the document's content, so kubectl's HTTP cache refreshes when it
         * changes. */
        char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        uint64_t h = 1469598103934665603ull;
        for (const char *p = s; *p; p++)
            h = (h ^ (uint8_t)*p) * 1099511628211ull;
        free(s);
        char url[256];
        snprintf(url, sizeof url, "/openapi/v3/%s?hash=%016llX", gv, (unsigned long long)h);
        json_object_set_new(paths, gv, json_pack("{s:s}", "serverRelativeURL", url));
    }
    json_t *root = json_pack("{s:o}", "paths", paths);
    char *s = json_dumps(root, JSON_COMPACT);
    api->openapi_root = daas_blob_from_str(s);
    free(s);
    json_decref(root);
}

static daas_blob *dump_blob(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    daas_blob *b = daas_blob_from_str(s);
    free(s);
    json_decref(o);
    return b;
}

int daas_api__discovery_init(daas_api *api, daas_err *err)
{
    int n;
    daas_kube_kinds(&n);
    if (n > DAAS_API_MAX_KINDS)
        return daas_fail(err, DAAS_EINTERNAL, "%d kinds exceed DAAS_API_MAX_KINDS", n);
    api->disc_api = dump_blob(aggregated(true));
    api->disc_apis = dump_blob(aggregated(false));
    openapi_build(api);
    return DAAS_OK;
}

void daas_api__discovery_fini(daas_api *api)
{
    daas_blob_unref(&api->disc_api);
    daas_blob_unref(&api->disc_apis);
    daas_blob_unref(&api->openapi_root);
    json_decref(api->openapi_gv);
    api->openapi_gv = NULL;
}

static bool accepts_aggregated(const daas_http_req *req)
{
    const char *a = daas_http_req_header(req, "Accept");
    return a && strstr(a, "as=APIGroupDiscoveryList") && strstr(a, "g=apidiscovery.k8s.io") &&
           strstr(a, "v=v2");
}

static void serve_json(daas_api__req *r, json_t *o)
{
    daas_api__respond_obj(r, 200, o);
    json_decref(o);
}

static void serve_version(daas_api__req *r)
{
    char date[32];
    daas_time_rfc3339(1763683200, date, sizeof date);
    json_t *v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "major", "1", "minor", "32",
                          "gitVersion", "v1.32.4+daas" DAAS_VERSION, "gitCommit", "daas",
                          "gitTreeState", "clean", "buildDate", date, "goVersion", "go1.23.6",
                          "compiler", "gc", "platform", "linux/amd64");
    serve_json(r, v);
}

static void serve_legacy_root(daas_api__req *r, bool core)
{
    if (core) {
        serve_json(r, json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "kind", "APIVersions", "versions",
                                "v1", "serverAddressByClientCIDRs", "clientCIDR", "0.0.0.0/0",
                                "serverAddress", r->api->server_address));
    } else {
        serve_json(r, group_list());
    }
}

static bool serve_openapi(daas_api__req *r, const char *path)
{
    if (strcmp(path, "/openapi/v3") == 0 || strcmp(path, "/openapi/v3/") == 0) {
        daas_blob *b = r->api->openapi_root;
        daas_api__respond_json(r, 200, "application/json", b->data, b->len);
        return true;
    }
    if (strncmp(path, "/openapi/v3/", 12) == 0) {
        json_t *doc = json_object_get(r->api->openapi_gv, path + 12);
        if (doc == NULL)
            return false;
        daas_api__respond_obj(r, 200, doc);
        return true;
    }
    return false;
}

bool daas_api__serve_discovery(daas_api__req *r, const char *path)
{
    if (strcmp(path, "/version") == 0 || strcmp(path, "/version/") == 0) {
        serve_version(r);
        return true;
    }
    if (strcmp(path, "/api") == 0 || strcmp(path, "/apis") == 0 || strcmp(path, "/api/") == 0 ||
        strcmp(path, "/apis/") == 0) {
        bool core = path[4] != 's';
        if (accepts_aggregated(r->http)) {
            daas_blob *b = core ? r->api->disc_api : r->api->disc_apis;
            daas_api__respond_json(r, 200, DISCOVERY_CT, b->data, b->len);
        } else {
            serve_legacy_root(r, core);
        }
        return true;
    }
    if (strncmp(path, "/openapi/", 9) == 0) {
        if (!serve_openapi(r, path))
            return false;
        return true;
    }
    /* /api/v1, /apis/{g}, /apis/{g}/{v} */
    char g[128], v[64];
    if (strcmp(path, "/api/v1") == 0 || strcmp(path, "/api/v1/") == 0) {
        serve_json(r, resource_list("", "v1"));
        return true;
    }
    if (strncmp(path, "/apis/", 6) == 0) {
        const char *p = path + 6;
        const char *slash = strchr(p, '/');
        size_t gl = slash ? (size_t)(slash - p) : strlen(p);
        if (gl == 0 || gl >= sizeof g)
            return false;
        memcpy(g, p, gl);
        g[gl] = '\0';
        if (slash == NULL || slash[1] == '\0') {
            json_t *gl_all = group_list(), *grp;
            size_t i;
            json_array_foreach(json_object_get(gl_all, "groups"), i, grp)
            {
                if (strcmp(json_string_value(json_object_get(grp, "name")), g) == 0) {
                    json_object_set_new(grp, "apiVersion", json_string("v1"));
                    daas_api__respond_obj(r, 200, grp);
                    json_decref(gl_all);
                    return true;
                }
            }
            json_decref(gl_all);
            return false;
        }
        const char *vs = slash + 1;
        size_t vl = strcspn(vs, "/");
        if (vl == 0 || vl >= sizeof v || (vs[vl] == '/' && vs[vl + 1] != '\0'))
            return false;
        memcpy(v, vs, vl);
        v[vl] = '\0';
        json_t *l = resource_list(g, v);
        if (l == NULL)
            return false;
        serve_json(r, l);
        return true;
    }
    return false;
}
