/*
 * podres_env.c: a container's environment variables from the cluster: envFrom
 * (configMapRef/secretRef with prefix), env[].valueFrom (configMapKeyRef, secretKeyRef,
 * fieldRef, resourceFieldRef) and literal values with $(VAR) expansion, as the kubelet makes
 * them (kubelet_pods.go makeEnvironmentVariables).
 *
 * Owns:   the order (envFrom, then env; a later name replaces an earlier one), the downward
 *         API fields, the expansion rules (third_party/forked/golang/expansion).
 * Not:    the image's environment and PATH (pods.c merges this list over it).
 * Invariants: a value never appears in a message; a failure leaves the caller's list as it
 *         was.
 */
#include "agent/podres_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "sched/kube.h"

/* A list of "K=V" strings being built (NULL-terminated when n > 0). */
typedef struct envv {
    char **v;
    size_t n, cap;
} envv;

static void envv_free(envv *e)
{
    for (size_t i = 0; i < e->n; i++) {
        OPENSSL_cleanse(e->v[i], strlen(e->v[i]));
        daas_free(e->v[i]);
    }
    daas_free(e->v);
    memset(e, 0, sizeof *e);
}

/* Sets K=V (replacing an entry with the same K), taking ownership of kv. */
static void envv_put(envv *e, char *kv)
{
    size_t klen = strcspn(kv, "=");
    for (size_t i = 0; i < e->n; i++) {
        if (strncmp(e->v[i], kv, klen) == 0 && e->v[i][klen] == '=') {
            OPENSSL_cleanse(e->v[i], strlen(e->v[i]));
            daas_free(e->v[i]);
            e->v[i] = kv;
            return;
        }
    }
    if (e->n + 2 > e->cap) {
        e->cap = e->cap ? 2 * e->cap : 16;
        e->v = daas_xrealloc(e->v, e->cap * sizeof *e->v);
    }
    e->v[e->n++] = kv;
    e->v[e->n] = NULL;
}

/* The value of name (len bytes) in e, or NULL. */
static const char *envv_get(const envv *e, const char *name, size_t len)
{
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=')
            return e->v[i] + len + 1;
    return NULL;
}

/* A name the runtime can carry: printable ASCII without '=' (Kubernetes 1.30's rule). */
static bool env_name_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '=')
            return false;
    return true;
}

/* Kubernetes' $(VAR) expansion of a literal value over the variables defined so far: $$ is
 * a '$', $(NAME) its value or itself when undefined, any other '$' stays. */
static char *expand(const char *in, const envv *e)
{
    daas_buf b = {0};
    size_t i = 0;
    int rc = daas_buf_append(&b, "", 0);
    while (rc == DAAS_OK && in[i] != '\0') {
        const char *close = NULL, *v = NULL;
        if (in[i] != '$' || in[i + 1] == '\0') {
            rc = daas_buf_append(&b, in + i++, 1);
        } else if (in[i + 1] == '$') {
            rc = daas_buf_append(&b, "$", 1);
            i += 2;
        } else if (in[i + 1] == '(' && (close = strchr(in + i + 2, ')')) != NULL) {
            size_t len = (size_t)(close - (in + i + 2));
            v = envv_get(e, in + i + 2, len);
            rc = v != NULL ? daas_buf_puts(&b, v) : daas_buf_append(&b, in + i, len + 3);
            i += len + 3;
        } else {
            rc = daas_buf_append(&b, in + i, 2);
            i += 2;
        }
    }
    if (rc != DAAS_OK) { /* only past the buffer's cap, from a huge value: keep it as is */
        daas_buf_fini(&b);
        return daas_xstrdup(in);
    }
    return daas_buf_steal(&b, NULL);
}

/* ---- envFrom ---- */

static bool is_optional(const json_t *ref)
{
    return json_is_true(json_object_get(ref, "optional"));
}

/* Adds every key of one envFrom source (prefixed); keys that are no variable name are
 * skipped, as the kubelet does (it only records an event). */
static int env_from_one(daas_agent_podres *r, const json_t *pod, const json_t *src, envv *out,
                        daas_err *err)
{
    const json_t *ref = json_object_get(src, "secretRef");
    bool secret = ref != NULL;
    if (!secret)
        ref = json_object_get(src, "configMapRef");
    const char *name = json_string_value(json_object_get(ref, "name"));
    const char *prefix = json_string_value(json_object_get(src, "prefix"));
    const char *uid = json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid"));
    const char *ns =
        json_string_value(json_object_get(json_object_get(pod, "metadata"), "namespace"));
    const json_t *obj = NULL;
    daas_err e = {0};
    if (name == NULL)
        return daas_fail(err, DAAS_EINVAL,
                         "envFrom: a configMapRef or secretRef with a name "
                         "is needed");
    int rc = daas_agent_podres__get(r, uid, secret, ns, name, &obj, NULL, &e);
    if (rc == DAAS_ENOTFOUND && is_optional(ref))
        return DAAS_OK;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s", e.msg);
    static const char *const fields[] = {"data", "binaryData"};
    for (size_t f = 0; rc == DAAS_OK && f < (secret ? 1u : 2u); f++) {
        const char *key;
        const json_t *v;
        json_object_foreach(json_object_get(obj, fields[f]), key, v)
        {
            char *kv = daas_xasprintf("%s%s=", prefix ? prefix : "", key);
            size_t klen = strlen(kv) - 1;
            daas_buf b = {0};
            rc = daas_buf_puts(&b, kv);
            if (rc == DAAS_OK)
                rc = daas_agent_podres__value(obj, secret, key, &b, err);
            if (rc == DAAS_OK && env_name_ok(kv, klen) && strlen(b.data) == b.len)
                envv_put(out, daas_buf_steal(&b, NULL));
            daas_agent_podres__buf_wipe(&b);
            daas_free(kv);
            if (rc != DAAS_OK)
                return daas_fail(err, rc, "%s %s/%s: key %s", secret ? "Secret" : "ConfigMap", ns,
                                 name, key);
        }
    }
    return rc;
}

/* ---- valueFrom ---- */

/* Key ref: *val set (owned), or NULL when an optional object or key is missing. */
static int key_ref(daas_agent_podres *r, const json_t *pod, const json_t *ref, bool secret,
                   char **val, daas_err *err)
{
    const char *kind = secret ? "Secret" : "ConfigMap";
    const json_t *meta = json_object_get(pod, "metadata");
    const char *uid = json_string_value(json_object_get(meta, "uid"));
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(ref, "name"));
    const char *key = json_string_value(json_object_get(ref, "key"));
    const json_t *obj = NULL;
    daas_err e = {0};
    daas_buf b = {0};
    if (name == NULL || key == NULL)
        return daas_fail(err, DAAS_EINVAL, "%sKeyRef needs a name and a key",
                         secret ? "secret" : "configMap");
    int rc = daas_agent_podres__get(r, uid, secret, ns, name, &obj, NULL, &e);
    if (rc == DAAS_ENOTFOUND && is_optional(ref))
        return DAAS_OK;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s", e.msg);
    rc = daas_agent_podres__value(obj, secret, key, &b, &e);
    if (rc == DAAS_ENOTFOUND && is_optional(ref))
        rc = DAAS_OK;
    else if (rc == DAAS_ENOTFOUND)
        rc = daas_fail(err, rc, "couldn't find key %s in %s %s/%s", key, kind, ns, name);
    else if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "%s %s/%s: %s", kind, ns, name, e.msg);
    else if (strlen(b.data) != b.len)
        rc = daas_fail(err, DAAS_EINVAL,
                       "key %s in %s %s/%s holds a NUL byte: not usable in "
                       "an environment variable",
                       key, kind, ns, name);
    else
        *val = daas_buf_steal(&b, NULL);
    daas_agent_podres__buf_wipe(&b);
    return rc;
}

/* The key of a "metadata.labels['k']" style path, or NULL. */
static const char *bracket_key(const char *path, const char *field, char *out, size_t n)
{
    size_t fl = strlen(field), pl = strlen(path);
    if (strncmp(path, field, fl) != 0 || strncmp(path + fl, "['", 2) != 0 || pl < fl + 5 ||
        strcmp(path + pl - 2, "']") != 0 || pl - fl - 4 >= n)
        return NULL;
    memcpy(out, path + fl + 2, pl - fl - 4);
    out[pl - fl - 4] = '\0';
    return out;
}

/* The pod's IP: pods run in the host network, so the host's unless the status says. */
static const char *pod_ip(const daas_agent_podres *r, const json_t *pod)
{
    const char *ip = json_string_value(json_object_get(json_object_get(pod, "status"), "podIP"));
    return ip != NULL && ip[0] != '\0' ? ip : r->host_ip;
}

static int field_ref(const daas_agent_podres *r, const json_t *pod, const json_t *ref, char **val,
                     daas_err *err)
{
    const char *p = json_string_value(json_object_get(ref, "fieldPath"));
    const json_t *meta = json_object_get(pod, "metadata"), *spec = json_object_get(pod, "spec");
    char key[320];
    const char *v = NULL;
    if (p == NULL)
        return daas_fail(err, DAAS_EINVAL, "fieldRef needs a fieldPath");
    if (strcmp(p, "metadata.name") == 0 || strcmp(p, "metadata.namespace") == 0 ||
        strcmp(p, "metadata.uid") == 0)
        v = json_string_value(json_object_get(meta, p + 9));
    else if (bracket_key(p, "metadata.labels", key, sizeof key) != NULL)
        v = json_string_value(json_object_get(json_object_get(meta, "labels"), key));
    else if (bracket_key(p, "metadata.annotations", key, sizeof key) != NULL)
        v = json_string_value(json_object_get(json_object_get(meta, "annotations"), key));
    else if (strcmp(p, "spec.nodeName") == 0)
        v = json_string_value(json_object_get(spec, "nodeName"));
    else if (strcmp(p, "spec.serviceAccountName") == 0)
        v = json_string_value(json_object_get(spec, "serviceAccountName"));
    else if (strcmp(p, "status.hostIP") == 0 || strcmp(p, "status.hostIPs") == 0)
        v = r->host_ip;
    else if (strcmp(p, "status.podIP") == 0 || strcmp(p, "status.podIPs") == 0)
        v = pod_ip(r, pod);
    else
        return daas_fail(err, DAAS_EINVAL, "unsupported fieldRef fieldPath \"%.100s\"", p);
    if (v == NULL && strcmp(p, "spec.nodeName") == 0)
        v = r->node_name;
    *val = daas_xstrdup(v ? v : "");
    return DAAS_OK;
}

/* The container named name among the pod's containers and initContainers. */
static const json_t *find_container(const json_t *pod, const char *name)
{
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(json_object_get(pod, "spec"), lists[l]), i, c)
        {
            const char *cn = json_string_value(json_object_get(c, "name"));
            if (name != NULL && cn != NULL && strcmp(cn, name) == 0)
                return c;
        }
    }
    return NULL;
}

/* A limit that is not set is the node's allocatable (the host's capacity here). */
static int64_t host_capacity(bool cpu)
{
    long n = sysconf(cpu ? _SC_NPROCESSORS_ONLN : _SC_PHYS_PAGES);
    long ps = cpu ? 1000 : sysconf(_SC_PAGESIZE);
    return n > 0 && ps > 0 ? (int64_t)n * ps : 0;
}

static int resource_ref(const json_t *pod, const json_t *ctr, const json_t *ref, char **val,
                        daas_err *err)
{
    const char *res = json_string_value(json_object_get(ref, "resource"));
    const char *cname = json_string_value(json_object_get(ref, "containerName"));
    const json_t *c = cname != NULL && cname[0] != '\0' ? find_container(pod, cname) : ctr;
    bool limits = res != NULL && strncmp(res, "limits.", 7) == 0;
    const char *what = res != NULL ? res + (limits ? 7 : 9) : NULL;
    if (res == NULL || (!limits && strncmp(res, "requests.", 9) != 0) ||
        (strcmp(what, "cpu") != 0 && strcmp(what, "memory") != 0))
        return daas_fail(err, DAAS_EINVAL, "unsupported resourceFieldRef resource \"%.60s\"",
                         res ? res : "");
    if (c == NULL)
        return daas_fail(err, DAAS_EINVAL, "resourceFieldRef: no container \"%.60s\"", cname);
    bool cpu = strcmp(what, "cpu") == 0;
    const json_t *q = json_object_get(
        json_object_get(json_object_get(c, "resources"), limits ? "limits" : "requests"), what);
    const json_t *d = json_object_get(ref, "divisor");
    daas_sched_qty qv = {0}, dv = {1, 0};
    int rc = q != NULL ? daas_sched_qty_parse_json(q, &qv, err) : DAAS_OK;
    if (rc == DAAS_OK && d != NULL)
        rc = daas_sched_qty_parse_json(d, &dv, err);
    if (rc != DAAS_OK)
        return rc;
    int64_t v = q != NULL ? daas_sched_qty_round(qv, cpu) : limits ? host_capacity(cpu) : 0;
    int64_t dn = daas_sched_qty_round(dv, cpu);
    if (dn <= 0)
        return daas_fail(err, DAAS_EINVAL, "resourceFieldRef: divisor must be positive");
    /* EVIDENCE: resource.ExtractContainerResourceValue rounds up (math.Ceil). */
    *val = daas_xasprintf("%" PRId64, v / dn + (v % dn != 0));
    return DAAS_OK;
}

/* The value of one env entry into *val (owned); NULL when an optional ref is missing. */
static int env_value(daas_agent_podres *r, const json_t *pod, const json_t *ctr,
                     const json_t *entry, const envv *sofar, char **val, daas_err *err)
{
    const json_t *from = json_object_get(entry, "valueFrom"), *ref;
    *val = NULL;
    if (from == NULL) {
        const char *v = json_string_value(json_object_get(entry, "value"));
        *val = expand(v ? v : "", sofar);
        return DAAS_OK;
    }
    if ((ref = json_object_get(from, "secretKeyRef")) != NULL)
        return key_ref(r, pod, ref, true, val, err);
    if ((ref = json_object_get(from, "configMapKeyRef")) != NULL)
        return key_ref(r, pod, ref, false, val, err);
    if ((ref = json_object_get(from, "fieldRef")) != NULL)
        return field_ref(r, pod, ref, val, err);
    if ((ref = json_object_get(from, "resourceFieldRef")) != NULL)
        return resource_ref(pod, ctr, ref, val, err);
    return daas_fail(err, DAAS_EINVAL, "unsupported valueFrom");
}

static int build(daas_agent_podres *r, const json_t *pod, const json_t *ctr, envv *out,
                 daas_err *err)
{
    size_t i;
    const json_t *e;
    int rc = DAAS_OK;
    json_array_foreach(json_object_get(ctr, "envFrom"), i, e)
    {
        rc = env_from_one(r, pod, e, out, err);
        if (rc != DAAS_OK)
            return rc;
    }
    json_array_foreach(json_object_get(ctr, "env"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        char *v = NULL;
        if (name == NULL || !env_name_ok(name, strlen(name)))
            return daas_fail(err, DAAS_EINVAL, "env[%zu]: invalid name", i);
        rc = env_value(r, pod, ctr, e, out, &v, err);
        if (rc != DAAS_OK)
            return rc;
        if (v != NULL) {
            envv_put(out, daas_xasprintf("%s=%s", name, v));
            OPENSSL_cleanse(v, strlen(v));
            daas_free(v);
        }
    }
    return DAAS_OK;
}

char *daas_agent_podres_expand(const char *s, char *const *kv, size_t n)
{
    const envv e = {(char **)kv, n, n};
    return expand(s, &e);
}

int daas_agent_podres_env(daas_agent_podres *r, const json_t *pod, const json_t *container,
                          char ***kv, size_t *n, daas_err *err)
{
    const json_t *meta = json_object_get(pod, "metadata");
    envv local = {0}, all = {*kv, *n, *n + 1};
    if (json_string_value(json_object_get(meta, "uid")) == NULL ||
        json_string_value(json_object_get(meta, "namespace")) == NULL)
        return daas_fail(err, DAAS_EINVAL, "pod without a uid or namespace");
    int rc = build(r, pod, container, &local, err);
    if (rc != DAAS_OK) {
        envv_free(&local);
        return rc;
    }
    for (size_t i = 0; i < local.n; i++)
        envv_put(&all, local.v[i]);
    daas_free(local.v);
    *kv = all.v;
    *n = all.n;
    return DAAS_OK;
}
