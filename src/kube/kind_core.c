/*
 * kind_core.c: hooks of the core/v1 kinds other than pods: namespaces, nodes, services,
 *              endpoints, configmaps, secrets, events, serviceaccounts.
 *
 * Owns:   their Table rows, defaults and validation.
 * Not:    clusterIP / nodePort allocation (api/), namespace finalization (controllers).
 * Invariants: hooks are pure and idempotent; messages follow upstream wording.
 * Spec:   specs/kube-api.md §4.1, §6.3, §6.4; upstream 1.32 printers.go,
 *         pkg/apis/core/v1/defaults.go, pkg/apis/core/validation/validation.go,
 *         pkg/registry/core/{namespace,service,secret}/strategy.go.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/kind_int.h"
#include "kube/obj.h"

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static json_t *name_cell(const json_t *obj)
{
    const char *n = daas_kube_str(obj, "metadata.name");
    return json_string(n != NULL ? n : "");
}

/* A string cell printed as upstream does: the raw value, "" when missing. */
static json_t *raw_cell(const char *s)
{
    return json_string(s != NULL ? s : "");
}

/* ------------------------------------------------------------- namespaces */

json_t *daas_kube__ns_row(const json_t *obj, int64_t now)
{
    return json_pack("[o, o, o]", name_cell(obj), raw_cell(daas_kube_str(obj, "status.phase")),
                     daas_kube_cell_age(obj, now));
}

/* SPEC: specs/kube-api.md §6.3; SetDefaults_Namespace + namespace PrepareForCreate. */
void daas_kube__ns_defaults(json_t *obj, const json_t *old)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    if (name != NULL && *name != '\0')
        json_object_set_new(daas_kube_mkpath(obj, "metadata.labels"), "kubernetes.io/metadata.name",
                            json_string(name));
    json_t *status = daas_kube_mkpath(obj, "status");
    if (old != NULL) {
        /* Upstream keeps spec.finalizers on main-resource updates (only /finalize changes
         * them); we keep them when the client omits them, so apply/replace of a manifest
         * without finalizers cannot skip namespace cleanup. */
        json_t *ofins = daas_kube_path(old, "spec.finalizers");
        if (json_is_array(ofins) && daas_kube_path(obj, "spec.finalizers") == NULL)
            json_object_set_new(daas_kube_mkpath(obj, "spec"), "finalizers", json_deep_copy(ofins));
        daas_kube__setdef(status, "phase", json_string("Active"));
        return;
    }
    json_object_set_new(status, "phase", json_string("Active"));
    json_t *fins = daas_kube__arr(daas_kube_mkpath(obj, "spec"), "finalizers");
    size_t i;
    json_t *f;
    json_array_foreach(fins, i, f)
    {
        if (streq(json_string_value(f), "kubernetes"))
            return;
    }
    json_array_append_new(fins, json_string("kubernetes"));
}

/* ------------------------------------------------------------------ nodes */

static json_t *node_status(const json_t *obj)
{
    char buf[64] = "Unknown";
    size_t i;
    json_t *c;
    json_array_foreach(daas_kube_path(obj, "status.conditions"), i, c)
    {
        if (streq(json_string_value(json_object_get(c, "type")), "Ready"))
            snprintf(buf, sizeof buf, "%s",
                     streq(json_string_value(json_object_get(c, "status")), "True") ? "Ready"
                                                                                    : "NotReady");
    }
    if (json_is_true(daas_kube_path(obj, "spec.unschedulable")))
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ",SchedulingDisabled");
    return json_string(buf);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted
 * and de-duplicated, joined by ","; "<none>" when there are none. */
static json_t *node_roles(const json_t *obj)
{
    json_t *labels = daas_kube_path(obj, "metadata.labels");
    size_t n = 0, cap = json_object_size(labels) + 1;
    const char **roles = daas_xcalloc(cap, sizeof *roles);
    const char *k;
    json_t *val;
    json_object_foreach(labels, k, val)
    {
        const char *s = json_string_value(val);
        if (strncmp(k, "node-role.kubernetes.io/", 24) == 0 && k[24] != '\0')
            roles[n++] = k + 24;
        else if (strcmp(k, "kubernetes.io/role") == 0 && s != NULL && *s != '\0')
            roles[n++] = s;
    }
    qsort(roles, n, sizeof *roles, cmp_str);
    daas_buf b;
    daas_buf_init(&b, 0);
    int rc = DAAS_OK;
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        if (i > 0 && strcmp(roles[i], roles[i - 1]) == 0)
            continue;
        rc = daas_buf_printf(&b, "%s%s", b.len ? "," : "", roles[i]);
    }
    json_t *cell = daas_kube_cell_str(b.data);
    daas_buf_fini(&b);
    daas_free(roles);
    return cell;
}

static json_t *node_address(const json_t *obj, const char *type)
{
    size_t i;
    json_t *a;
    json_array_foreach(daas_kube_path(obj, "status.addresses"), i, a)
    {
        if (streq(json_string_value(json_object_get(a, "type")), type))
            return daas_kube_cell_str(json_string_value(json_object_get(a, "address")));
    }
    return json_string("<none>");
}

static json_t *unknown_cell(const char *s)
{
    return json_string(s != NULL && *s != '\0' ? s : "<unknown>");
}

json_t *daas_kube__node_row(const json_t *obj, int64_t now)
{
    return json_pack("[o, o, o, o, o, o, o, o, o, o]", name_cell(obj), node_status(obj),
                     node_roles(obj), daas_kube_cell_age(obj, now),
                     raw_cell(daas_kube_str(obj, "status.nodeInfo.kubeletVersion")),
                     node_address(obj, "InternalIP"), node_address(obj, "ExternalIP"),
                     unknown_cell(daas_kube_str(obj, "status.nodeInfo.osImage")),
                     unknown_cell(daas_kube_str(obj, "status.nodeInfo.kernelVersion")),
                     unknown_cell(daas_kube_str(obj, "status.nodeInfo.containerRuntimeVersion")));
}

/* -------------------------------------------------------------- endpoints */

/* formatEndpoints: up to 3 "ip:port" entries, then " + N more...". */
json_t *daas_kube__ep_row(const json_t *obj, int64_t now)
{
    json_t *subsets = json_object_get(obj, "subsets");
    daas_buf b;
    int shown = 0, count = 0, rc = DAAS_OK;
    size_t i, j, k;
    json_t *ss, *port, *addr;
    if (json_array_size(subsets) == 0)
        return json_pack("[o, s, o]", name_cell(obj), "<none>", daas_kube_cell_age(obj, now));
    daas_buf_init(&b, 0);
    json_array_foreach(subsets, i, ss)
    {
        json_t *ports = json_object_get(ss, "ports");
        json_t *addrs = json_object_get(ss, "addresses");
        size_t np = json_array_size(ports) ? json_array_size(ports) : 1;
        for (k = 0; k < np; k++) {
            port = json_array_get(ports, k);
            count += (int)json_array_size(addrs);
            json_array_foreach(addrs, j, addr)
            {
                const char *ip = json_string_value(json_object_get(addr, "ip"));
                if (shown == 3 || rc != DAAS_OK)
                    break;
                ip = ip ? ip : "";
                if (port == NULL)
                    rc = daas_buf_printf(&b, "%s%s", shown ? "," : "", ip);
                else
                    rc = daas_buf_printf(&b, strchr(ip, ':') ? "%s[%s]:%lld" : "%s%s:%lld",
                                         shown ? "," : "", ip,
                                         (long long)daas_kube_int(port, "port", 0));
                shown++;
            }
        }
    }
    if (count > 3 && rc == DAAS_OK)
        rc = daas_buf_printf(&b, " + %d more...", count - 3);
    json_t *row =
        json_pack("[o, s, o]", name_cell(obj), b.data ? b.data : "", daas_kube_cell_age(obj, now));
    daas_buf_fini(&b);
    return row;
}

/* --------------------------------------------------------- serviceaccounts */

json_t *daas_kube__sa_row(const json_t *obj, int64_t now)
{
    return json_pack("[o, I, o]", name_cell(obj), (json_int_t)daas_kube__count(obj, "secrets"),
                     daas_kube_cell_age(obj, now));
}

/* -------------------------------------------------------------- configmaps */

json_t *daas_kube__cm_row(const json_t *obj, int64_t now)
{
    int64_t n = daas_kube__count(obj, "data") + daas_kube__count(obj, "binaryData");
    return json_pack("[o, I, o]", name_cell(obj), (json_int_t)n, daas_kube_cell_age(obj, now));
}

#define MSG_CM_KEY                                                                                 \
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "           \
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "                    \
    "'[-._a-zA-Z0-9]+')"

/* IsConfigMapKey, reported at <bag>[<key>]. */
static void check_cm_key(daas_kube_verr *v, const char *bag, const char *key)
{
    char f[DAAS_KUBE__PATH_MAX + 64];
    bool ok = *key != '\0';
    for (const char *p = key; *p; p++)
        ok = ok && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.');
    snprintf(f, sizeof f, "%s[%.*s]", bag, DAAS_KUBE__PATH_MAX, key);
    if (strlen(key) > 253)
        daas_kube__inv_str(v, f, key, "must be no more than 253 characters");
    if (!ok)
        daas_kube__inv_str(v, f, key, MSG_CM_KEY);
    if (strcmp(key, ".") == 0)
        daas_kube__inv_str(v, f, key, "must not be '.'");
    else if (strcmp(key, "..") == 0)
        daas_kube__inv_str(v, f, key, "must not be '..'");
    else if (strncmp(key, "..", 2) == 0)
        daas_kube__inv_str(v, f, key, "must not start with '..'");
}

/* Decoded size of a base64 value (what upstream counts against the 1 MiB limit). */
static size_t b64_size(const char *s)
{
    size_t n = strlen(s), pad = 0;
    while (n > pad && s[n - 1 - pad] == '=')
        pad++;
    return (n / 4) * 3 + ((n % 4) ? (n % 4) - 1 : 0) - (pad > 2 ? 2 : pad);
}

static bool b64_valid(const char *s)
{
    daas_buf out;
    daas_buf_init(&out, 0);
    int rc = daas_base64_decode(s, strlen(s), &out);
    daas_buf_fini(&out);
    return rc == DAAS_OK;
}

/* Keys of bag, duplicates against other, total size added to *total. b64: values base64. */
static void check_bag(daas_kube_verr *v, const json_t *obj, const char *bag, const char *other,
                      bool b64, size_t *total)
{
    const char *k;
    json_t *val;
    char f[DAAS_KUBE__PATH_MAX + 64], dupmsg[96];
    json_object_foreach(json_object_get(obj, bag), k, val)
    {
        const char *s = json_string_value(val);
        check_cm_key(v, bag, k);
        snprintf(f, sizeof f, "%s[%.*s]", bag, DAAS_KUBE__PATH_MAX, k);
        /* Never echo the value: it may be secret material. */
        if (b64 && (s == NULL || !b64_valid(s)))
            daas_kube__inv_str(v, f, "<value omitted>", "illegal base64 data");
        if (other != NULL && json_object_get(json_object_get(obj, other), k) != NULL) {
            snprintf(dupmsg, sizeof dupmsg, "duplicate of key present in %s", other);
            daas_kube__inv_str(v, f, k, dupmsg);
        }
        if (s == NULL)
            continue;
        *total += b64 ? b64_size(s) : strlen(s);
    }
}

/* immutable: true forbids changing data/binaryData (and unsetting immutable). */
static void check_immutable(daas_kube_verr *v, const json_t *obj, const json_t *old,
                            const char *bag2)
{
    static const char *const msg = "field is immutable when `immutable` is set";
    if (old == NULL || !json_is_true(json_object_get(old, "immutable")))
        return;
    if (!json_is_true(json_object_get(obj, "immutable")))
        daas_kube__forbid(v, "immutable", msg);
    if (!daas_kube__equal_or_empty(json_object_get(obj, "data"), json_object_get(old, "data")))
        daas_kube__forbid(v, "data", msg);
    if (bag2 != NULL &&
        !daas_kube__equal_or_empty(json_object_get(obj, bag2), json_object_get(old, bag2)))
        daas_kube__forbid(v, bag2, msg);
}

/* SPEC: core.MaxSecretSize = 1 MiB, shared by configmaps. */
#define MAX_DATA_SIZE (1024 * 1024)

void daas_kube__cm_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    size_t total = 0;
    check_bag(v, obj, "data", "binaryData", false, &total);
    check_bag(v, obj, "binaryData", "data", true, &total);
    if (total > MAX_DATA_SIZE)
        daas_kube__toolong(v, "", MAX_DATA_SIZE);
    check_immutable(v, obj, old, "binaryData");
}

/* ----------------------------------------------------------------- secrets */

json_t *daas_kube__secret_row(const json_t *obj, int64_t now)
{
    return json_pack("[o, o, I, o]", name_cell(obj), raw_cell(daas_kube_str(obj, "type")),
                     (json_int_t)daas_kube__count(obj, "data"), daas_kube_cell_age(obj, now));
}

/* Type Opaque; stringData merged into data (base64, stringData wins) and removed, as the
 * v1 → internal conversion does. */
void daas_kube__secret_defaults(json_t *obj, const json_t *old)
{
    (void)old;
    const char *t = json_string_value(json_object_get(obj, "type"));
    if (t == NULL || *t == '\0')
        json_object_set_new(obj, "type", json_string("Opaque"));
    json_t *sd = json_object_get(obj, "stringData");
    const char *k;
    json_t *val;
    if (json_is_object(sd) && json_object_size(sd) > 0) {
        json_t *data = json_object_get(obj, "data");
        if (!json_is_object(data)) {
            data = json_object();
            json_object_set_new(obj, "data", data);
        }
        json_object_foreach(sd, k, val)
        {
            const char *s = json_string_value(val);
            char *enc = daas_base64_encode(s ? s : "", s ? strlen(s) : 0);
            json_object_set_new(data, k, json_string(enc));
            daas_free(enc);
        }
    }
    json_object_del(obj, "stringData");
}

/* Keys a typed secret must carry (ValidateSecret's per-type rules). */
static void check_secret_type(daas_kube_verr *v, const json_t *obj, const char *type)
{
    static const struct {
        const char *type, *key;
    } need[] = {{"kubernetes.io/tls", "tls.crt"},
                {"kubernetes.io/tls", "tls.key"},
                {"kubernetes.io/dockerconfigjson", ".dockerconfigjson"},
                {"kubernetes.io/dockercfg", ".dockercfg"},
                {"kubernetes.io/ssh-auth", "ssh-privatekey"}};
    json_t *data = json_object_get(obj, "data");
    char f[128];
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        if (strcmp(type, need[i].type) != 0 || json_object_get(data, need[i].key) != NULL)
            continue;
        snprintf(f, sizeof f, "data[%s]", need[i].key);
        daas_kube__req(v, f, NULL);
    }
    if (strcmp(type, "kubernetes.io/service-account-token") == 0 &&
        json_object_get(daas_kube_path(obj, "metadata.annotations"),
                        "kubernetes.io/service-account.name") == NULL)
        daas_kube__req(v, "metadata.annotations[kubernetes.io/service-account.name]", NULL);
}

void daas_kube__secret_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    size_t total = 0;
    const char *type = json_string_value(json_object_get(obj, "type"));
    check_bag(v, obj, "data", NULL, true, &total);
    if (total > MAX_DATA_SIZE)
        daas_kube__toolong(v, "data", MAX_DATA_SIZE);
    check_secret_type(v, obj, type ? type : "");
    if (old == NULL)
        return;
    const char *otype = json_string_value(json_object_get(old, "type"));
    if (otype != NULL && type != NULL && strcmp(otype, type) != 0)
        daas_kube__inv_str(v, "type", type, "field is immutable");
    check_immutable(v, obj, old, NULL);
}

/* ---------------------------------------------------------------- services */

/* getServiceExternalIP (wide: the apiserver always renders wide Tables). */
static json_t *svc_external_ip(const json_t *obj)
{
    const char *type = daas_kube_str(obj, "spec.type");
    json_t *ext = daas_kube_path(obj, "spec.externalIPs");
    daas_buf b;
    size_t i;
    json_t *x;
    int rc = DAAS_OK;
    if (streq(type, "ExternalName"))
        return raw_cell(daas_kube_str(obj, "spec.externalName"));
    if (!streq(type, "ClusterIP") && !streq(type, "NodePort") && !streq(type, "LoadBalancer"))
        return json_string("<unknown>");
    daas_buf_init(&b, 0);
    if (streq(type, "LoadBalancer")) {
        /* Ingress IPs/hostnames as a sorted set, then the external IPs. */
        json_t *ing = daas_kube_path(obj, "status.loadBalancer.ingress");
        size_t n = 0;
        const char **set = daas_xcalloc(json_array_size(ing) + 1, sizeof *set);
        json_array_foreach(ing, i, x)
        {
            const char *ip = json_string_value(json_object_get(x, "ip"));
            const char *host = json_string_value(json_object_get(x, "hostname"));
            if ((ip && *ip) || (host && *host))
                set[n++] = (ip && *ip) ? ip : host;
        }
        qsort(set, n, sizeof *set, cmp_str);
        for (i = 0; i < n && rc == DAAS_OK; i++)
            if (i == 0 || strcmp(set[i], set[i - 1]) != 0)
                rc = daas_buf_printf(&b, "%s%s", b.len ? "," : "", set[i]);
        daas_free(set);
    }
    json_array_foreach(ext, i, x)
    {
        if (rc == DAAS_OK && json_is_string(x))
            rc = daas_buf_printf(&b, "%s%s", b.len ? "," : "", json_string_value(x));
    }
    json_t *cell = json_string(b.len                         ? b.data
                               : streq(type, "LoadBalancer") ? "<pending>"
                                                             : "<none>");
    daas_buf_fini(&b);
    return cell;
}

/* makePortString: "80/TCP,443:30001/TCP"; "<none>" when empty. */
static json_t *svc_ports(const json_t *obj)
{
    daas_buf b;
    size_t i;
    json_t *p;
    int rc = DAAS_OK;
    daas_buf_init(&b, 0);
    json_array_foreach(daas_kube_path(obj, "spec.ports"), i, p)
    {
        const char *proto = json_string_value(json_object_get(p, "protocol"));
        int64_t port = daas_kube_int(p, "port", 0), np = daas_kube_int(p, "nodePort", 0);
        if (rc != DAAS_OK)
            break;
        if (np > 0)
            rc = daas_buf_printf(&b, "%s%lld:%lld/%s", i ? "," : "", (long long)port, (long long)np,
                                 proto ? proto : "");
        else
            rc =
                daas_buf_printf(&b, "%s%lld/%s", i ? "," : "", (long long)port, proto ? proto : "");
    }
    json_t *cell = daas_kube_cell_str(b.data);
    daas_buf_fini(&b);
    return cell;
}

static const char *spec_cluster_ip(const json_t *spec)
{
    const char *ip = json_string_value(json_array_get(json_object_get(spec, "clusterIPs"), 0));
    return ip != NULL ? ip : json_string_value(json_object_get(spec, "clusterIP"));
}

static const char *svc_cluster_ip(const json_t *obj)
{
    return spec_cluster_ip(json_object_get(obj, "spec"));
}

json_t *daas_kube__svc_row(const json_t *obj, int64_t now)
{
    char *sel = daas_kube__format_labels(daas_kube_path(obj, "spec.selector"));
    json_t *row = json_pack("[o, o, o, o, o, o, s]", name_cell(obj),
                            raw_cell(daas_kube_str(obj, "spec.type")),
                            daas_kube_cell_str(svc_cluster_ip(obj)), svc_external_ip(obj),
                            svc_ports(obj), daas_kube_cell_age(obj, now), sel);
    daas_free(sel);
    return row;
}

static bool needs_cluster_ip(const char *type)
{
    return !streq(type, "ExternalName");
}

/* On update, keep what the API allocated when the new object omits it (patchAllocatedValues):
 * clusterIP(s) and, for NodePort/LoadBalancer, node ports matched by port + protocol. */
static void svc_keep_allocated(json_t *spec, const json_t *ospec)
{
    const char *type = json_string_value(json_object_get(spec, "type"));
    const char *otype = json_string_value(json_object_get(ospec, "type"));
    size_t i, j;
    json_t *p, *op;
    if (!needs_cluster_ip(type) || !needs_cluster_ip(otype))
        return;
    const char *ip = json_string_value(json_object_get(spec, "clusterIP"));
    if ((ip == NULL || *ip == '\0') && json_object_get(ospec, "clusterIP") != NULL)
        json_object_set(spec, "clusterIP", json_object_get(ospec, "clusterIP"));
    /* The old list is kept only when the primary IP did not change. */
    if (json_array_size(json_object_get(spec, "clusterIPs")) == 0 &&
        json_array_size(json_object_get(ospec, "clusterIPs")) > 0 &&
        streq(json_string_value(json_object_get(spec, "clusterIP")),
              json_string_value(json_array_get(json_object_get(ospec, "clusterIPs"), 0))))
        json_object_set_new(spec, "clusterIPs",
                            json_deep_copy(json_object_get(ospec, "clusterIPs")));
    if (!(streq(type, "NodePort") || streq(type, "LoadBalancer")))
        return;
    json_array_foreach(json_object_get(spec, "ports"), i, p)
    {
        if (daas_kube_int(p, "nodePort", 0) != 0)
            continue;
        json_array_foreach(json_object_get(ospec, "ports"), j, op)
        {
            if (daas_kube_int(p, "port", 0) == daas_kube_int(op, "port", -1) &&
                streq(json_string_value(json_object_get(p, "protocol")),
                      json_string_value(json_object_get(op, "protocol"))) &&
                daas_kube_int(op, "nodePort", 0) != 0) {
                json_object_set(p, "nodePort", json_object_get(op, "nodePort"));
                break;
            }
        }
    }
}

/* clusterIP and clusterIPs[0] agree (whichever is set fills the other). */
static void svc_sync_cluster_ips(json_t *spec)
{
    const char *ip = json_string_value(json_object_get(spec, "clusterIP"));
    json_t *ips = json_object_get(spec, "clusterIPs");
    if (ip != NULL && *ip != '\0' && json_array_size(ips) == 0)
        json_object_set_new(spec, "clusterIPs", json_pack("[s]", ip));
    else if ((ip == NULL || *ip == '\0') && json_is_string(json_array_get(ips, 0)))
        json_object_set(spec, "clusterIP", json_array_get(ips, 0));
}

static void svc_port_defaults(json_t *spec)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(spec, "ports"), i, p)
    {
        if (!json_is_object(p))
            continue;
        daas_kube__setdef(p, "protocol", json_string("TCP"));
        json_t *tp = json_object_get(p, "targetPort");
        if (tp == NULL || json_is_null(tp) || (json_is_integer(tp) && !json_integer_value(tp)) ||
            (json_is_string(tp) && json_string_length(tp) == 0))
            json_object_set_new(p, "targetPort", json_integer(daas_kube_int(p, "port", 0)));
    }
}

/* SPEC: SetDefaults_Service (1.32) plus the registry's IP family fields. */
void daas_kube__svc_defaults(json_t *obj, const json_t *old)
{
    json_t *spec = daas_kube_mkpath(obj, "spec");
    daas_kube__setdef(spec, "type", json_string("ClusterIP"));
    daas_kube__setdef(spec, "sessionAffinity", json_string("None"));
    const char *type = json_string_value(json_object_get(spec, "type"));
    const char *aff = json_string_value(json_object_get(spec, "sessionAffinity"));
    if (streq(aff, "None"))
        json_object_del(spec, "sessionAffinityConfig");
    else if (streq(aff, "ClientIP") && !json_is_integer(daas_kube_path(
                                           spec, "sessionAffinityConfig.clientIP.timeoutSeconds")))
        daas_kube_set(spec, "sessionAffinityConfig.clientIP.timeoutSeconds", json_integer(10800));
    svc_port_defaults(spec);
    bool external = streq(type, "NodePort") || streq(type, "LoadBalancer");
    if (external)
        daas_kube__setdef(spec, "externalTrafficPolicy", json_string("Cluster"));
    if (external || streq(type, "ClusterIP"))
        daas_kube__setdef(spec, "internalTrafficPolicy", json_string("Cluster"));
    if (streq(type, "LoadBalancer"))
        daas_kube__setdef(spec, "allocateLoadBalancerNodePorts", json_true());
    if (old != NULL)
        svc_keep_allocated(spec, json_object_get(old, "spec"));
    if (needs_cluster_ip(type)) {
        svc_sync_cluster_ips(spec);
        daas_kube__setdef(spec, "ipFamilies", json_pack("[s]", "IPv4"));
        daas_kube__setdef(spec, "ipFamilyPolicy", json_string("SingleStack"));
    }
    if (old == NULL)
        daas_kube__setdef(daas_kube_mkpath(obj, "status"), "loadBalancer", json_object());
}

static const char *const svc_types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
                                        NULL};
static const char *const svc_affinities[] = {"ClientIP", "None", NULL};

static void svc_check_port(daas_kube_verr *v, const json_t *p, size_t i, bool need_name,
                           const char *type, json_t *seen)
{
    char f[DAAS_KUBE__PATH_MAX];
    const char *name = json_string_value(json_object_get(p, "name"));
    json_t *tp = json_object_get(p, "targetPort");
    int64_t np = daas_kube_int(p, "nodePort", 0);
    snprintf(f, sizeof f, "spec.ports[%zu].name", i);
    if (name == NULL || *name == '\0') {
        if (need_name)
            daas_kube__req(v, f, NULL);
    } else {
        daas_kube__check_dns_label(v, f, name);
        daas_kube__check_unique(v, f, name, seen);
    }
    snprintf(f, sizeof f, "spec.ports[%zu].port", i);
    daas_kube__check_port(v, f, daas_kube_int(p, "port", 0));
    snprintf(f, sizeof f, "spec.ports[%zu].protocol", i);
    daas_kube__check_enum(v, p, "protocol", f, daas_kube__protocols);
    snprintf(f, sizeof f, "spec.ports[%zu].targetPort", i);
    if (json_is_integer(tp))
        daas_kube__check_port(v, f, json_integer_value(tp));
    else if (json_is_string(tp))
        daas_kube__check_port_name(v, f, json_string_value(tp));
    snprintf(f, sizeof f, "spec.ports[%zu].nodePort", i);
    if (np != 0 && streq(type, "ClusterIP"))
        daas_kube__forbid(v, f, "may not be used when `type` is 'ClusterIP'");
    else if (np != 0)
        daas_kube__check_port(v, f, np);
}

static void svc_check_ports(daas_kube_verr *v, const json_t *spec, const char *type)
{
    json_t *ports = json_object_get(spec, "ports");
    json_t *seen = json_object();
    size_t i;
    json_t *p;
    bool headless = streq(json_string_value(json_object_get(spec, "clusterIP")), "None");
    if (json_array_size(ports) == 0 && !headless && !streq(type, "ExternalName"))
        daas_kube__req(v, "spec.ports", NULL);
    json_array_foreach(ports, i, p)
    {
        svc_check_port(v, p, i, json_array_size(ports) > 1, type, seen);
    }
    json_decref(seen);
}

static bool is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* The primary cluster IP may not change once set (unless to/from ExternalName).
 * SPEC: validateUpgradeDowngradeClusterIPs (1.32). */
static void svc_check_update(daas_kube_verr *v, const json_t *spec, const json_t *ospec)
{
    const char *a = spec_cluster_ip(spec), *b = spec_cluster_ip(ospec);
    if (!needs_cluster_ip(json_string_value(json_object_get(spec, "type"))) ||
        !needs_cluster_ip(json_string_value(json_object_get(ospec, "type"))))
        return;
    if (a == NULL || b == NULL || *a == '\0' || *b == '\0' || strcmp(a, b) == 0)
        return;
    /* The bad value is the whole new clusterIPs list, printed as Go's %#v. */
    daas_buf raw;
    size_t i;
    json_t *x;
    int rc = DAAS_OK;
    json_t *ips = json_object_get(spec, "clusterIPs");
    daas_buf_init(&raw, 0);
    rc = daas_buf_puts(&raw, "[]string{");
    if (json_array_size(ips) == 0 && rc == DAAS_OK)
        rc = daas_buf_printf(&raw, "\"%s\"", a);
    json_array_foreach(ips, i, x)
    {
        const char *s = json_string_value(x);
        if (rc == DAAS_OK)
            rc = daas_buf_printf(&raw, "%s\"%s\"", i ? ", " : "", s ? s : "");
    }
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&raw, "}");
    daas_kube__inv_raw(v, "spec.clusterIPs[0]", raw.data ? raw.data : "",
                       "may not change once set");
    daas_buf_fini(&raw);
}

void daas_kube__svc_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *empty = json_object();
    const json_t *spec = json_object_get(obj, "spec");
    spec = json_is_object(spec) ? spec : empty;
    const char *type = json_string_value(json_object_get(spec, "type"));
    const char *ip = json_string_value(json_object_get(spec, "clusterIP"));
    daas_kube__check_enum(v, spec, "type", "spec.type", svc_types);
    svc_check_ports(v, spec, type);
    if (streq(type, "ExternalName")) {
        const char *en = json_string_value(json_object_get(spec, "externalName"));
        if (en == NULL || *en == '\0')
            daas_kube__req(v, "spec.externalName", NULL);
        else
            daas_kube__check_dns_subdomain(v, "spec.externalName", en);
    }
    if (ip != NULL && *ip != '\0' && strcmp(ip, "None") != 0 && !is_ip(ip))
        daas_kube__inv_str(v, "spec.clusterIP", ip,
                           "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    daas_kube__check_enum(v, spec, "sessionAffinity", "spec.sessionAffinity", svc_affinities);
    daas_kube__check_labels(v, json_object_get(spec, "selector"), "spec.selector");
    if (old != NULL)
        svc_check_update(v, spec, json_object_get(old, "spec"));
    json_decref(empty);
}

/* ------------------------------------------------------------------ events */

/* formatEventSource: component (or reportingComponent), ", host" when a host is known. */
static json_t *event_source(const json_t *obj)
{
    const char *c = daas_kube_str(obj, "source.component");
    const char *h = daas_kube_str(obj, "source.host");
    if (c == NULL || *c == '\0')
        c = daas_kube_str(obj, "reportingComponent");
    if (h == NULL || *h == '\0')
        h = daas_kube_str(obj, "reportingInstance");
    if (h == NULL || *h == '\0')
        return raw_cell(c);
    char *s = daas_xasprintf("%s, %s", c ? c : "", h);
    json_t *cell = json_string(s);
    daas_free(s);
    return cell;
}

/* "pod/web": the lower-cased involved kind, "/name" when there is a name. */
static json_t *event_object(const json_t *obj)
{
    const char *kind = daas_kube_str(obj, "involvedObject.kind");
    const char *name = daas_kube_str(obj, "involvedObject.name");
    char *s = daas_xasprintf("%s%s%s", kind ? kind : "", name && *name ? "/" : "",
                             name && *name ? name : "");
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    json_t *cell = json_string(s);
    daas_free(s);
    return cell;
}

/* The message without surrounding white space (strings.TrimSpace). */
static json_t *trimmed(const char *s)
{
    size_t n;
    if (s == NULL)
        return json_string("");
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
        s++;
    n = strlen(s);
    while (n > 0 && strchr(" \t\n\r\v\f", s[n - 1]) != NULL)
        n--;
    return json_stringn(s, n);
}

json_t *daas_kube__event_row(const json_t *obj, int64_t now)
{
    const char *first = daas_kube_str(obj, "firstTimestamp");
    const char *last = daas_kube_str(obj, "lastTimestamp");
    int64_t count = daas_kube_int(obj, "count", 0);
    if (first == NULL || *first == '\0')
        first = daas_kube_str(obj, "eventTime");
    if (last == NULL || *last == '\0')
        last = first;
    if (json_is_object(json_object_get(obj, "series"))) {
        last = daas_kube_str(obj, "series.lastObservedTime");
        count = daas_kube_int(obj, "series.count", 0);
    } else if (count == 0) {
        count = 1; /* singleton events of the events.k8s.io API carry no count */
    }
    return json_pack("[o, o, o, o, o, o, o, o, I, o]", daas_kube__cell_since(last, now),
                     raw_cell(daas_kube_str(obj, "type")), raw_cell(daas_kube_str(obj, "reason")),
                     event_object(obj), raw_cell(daas_kube_str(obj, "involvedObject.fieldPath")),
                     event_source(obj), trimmed(daas_kube_str(obj, "message")),
                     daas_kube__cell_since(first, now), (json_int_t)count, name_cell(obj));
}

void daas_kube__event_defaults(json_t *obj, const json_t *old)
{
    (void)old;
    json_t *count = json_object_get(obj, "count");
    const char *type = json_string_value(json_object_get(obj, "type"));
    if (!json_is_integer(count) || json_integer_value(count) == 0)
        json_object_set_new(obj, "count", json_integer(1));
    if (type == NULL || *type == '\0')
        json_object_set_new(obj, "type", json_string("Normal"));
}

void daas_kube__event_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    (void)old;
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    const char *ins = daas_kube_str(obj, "involvedObject.namespace");
    if (ins != NULL && *ins != '\0' && ns != NULL && strcmp(ins, ns) != 0)
        daas_kube__inv_str(v, "involvedObject.namespace", ins, "does not match event.namespace");
    daas_kube__check_nonneg(v, obj, "count", "count");
}
