/*
 * podres.c: the pod-resources handle, its per-pod cache of fetched and opened Secrets and
 * ConfigMaps, and the values they give.
 *
 * Owns:   the cache (podres_int.h), the GET of an object and its opening through Seal.
 * Not:    environment variables (podres_env.c), volumes and mounts (podres_vol.c), the API
 *         client (kubeclient.c), Seal itself (seal/open.c).
 * Invariants:
 *   - an object is fetched and opened at most once per pod: each opening of a sealed object
 *     uses the DecryptionPolicy once (a ticket), so the cache is also what keeps a pod from
 *     spending its policy's uses;
 *   - cached plaintext is wiped (OPENSSL_cleanse) before jansson frees it;
 *   - no value, plaintext or not, reaches a log line or an error message; messages name
 *     objects and keys only.
 * Spec:   Kubernetes kubelet (CreateContainerConfigError messages), seal/kube.h.
 */
#include "agent/podres_int.h"

#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "seal/kube.h"

#define MAX_NAME 253

bool daas_agent_podres__name_ok(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '/' || c == '\\' || c < 0x21 || c > 0x7e || c == '?' || c == '#' || c == '%')
            return false;
    }
    return true;
}

int daas_agent_podres_new(const daas_agent_podres_opts *o, daas_agent_podres **out, daas_err *err)
{
    *out = NULL;
    if (o == NULL || o->data_dir == NULL || o->data_dir[0] != '/')
        return daas_fail(err, DAAS_EINVAL, "pod resources: an absolute data directory is needed");
    if (o->kc == NULL && o->fetch == NULL)
        return daas_fail(err, DAAS_EINVAL, "pod resources: no API client");
    daas_agent_podres *r = daas_xcalloc(1, sizeof *r);
    r->kc = o->kc;
    r->opener = o->opener;
    r->data_dir = daas_xstrdup(o->data_dir);
    r->node_name = daas_xstrdup(o->node_name ? o->node_name : "");
    r->host_ip = daas_xstrdup(o->host_ip ? o->host_ip : "");
    r->fetch = o->fetch;
    r->open = o->open;
    r->ctx = o->ctx;
    *out = r;
    return DAAS_OK;
}

/* Overwrites every string value of obj's data and binaryData before it is freed. */
static void wipe_obj(json_t *obj)
{
    static const char *const fields[] = {"data", "binaryData", "stringData"};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(obj, fields[f]), k, v) if (json_is_string(v))
            OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
    }
}

static void obj_fini(daas_agent_podres__obj *e)
{
    wipe_obj(e->obj);
    json_decref(e->obj);
    daas_free(e->uid);
    daas_free(e->name);
    memset(e, 0, sizeof *e);
}

void daas_agent_podres__forget(daas_agent_podres *r, const char *uid)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nobjs; i++) {
        if (strcmp(r->objs[i].uid, uid) == 0)
            obj_fini(&r->objs[i]);
        else
            r->objs[k++] = r->objs[i];
    }
    r->nobjs = k;
}

void daas_agent_podres_free(daas_agent_podres **rp)
{
    daas_agent_podres *r = rp ? *rp : NULL;
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nobjs; i++)
        obj_fini(&r->objs[i]);
    daas_free(r->objs);
    daas_free(r->data_dir);
    daas_free(r->node_name);
    daas_free(r->host_ip);
    daas_free(r);
    *rp = NULL;
}

/* GET of the object, through the seam or the API client. */
static int fetch(daas_agent_podres *r, bool secret, const char *ns, const char *name, json_t **out,
                 daas_err *err)
{
    const char *res = secret ? "secrets" : "configmaps";
    if (r->fetch != NULL)
        return r->fetch(r->ctx, res, ns, name, out, err);
    char *path = daas_xasprintf("/api/v1/namespaces/%s/%s/%s", ns, res, name);
    int rc = daas_agent_kc_call(r->kc, "GET", path, NULL, NULL, out, err);
    daas_free(path);
    return rc;
}

/* Opens obj in place when it is sealed (*sealed set). */
static int open_sealed(daas_agent_podres *r, bool secret, const char *ns, const char *name,
                       json_t *obj, bool *sealed, daas_err *err)
{
    const json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
    const char *kind = secret ? "secret" : "configmap";
    daas_err e = {0};
    *sealed = json_object_get(ann, DAAS_SEAL_KUBE_ANN_SEALED) != NULL;
    if (!*sealed)
        return DAAS_OK;
    if (r->open == NULL && r->opener == NULL)
        return daas_fail(err, DAAS_EUNAVAIL,
                         "%s %s/%s is sealed and this agent has no Seal configuration "
                         "(--seal-config)",
                         kind, ns, name);
    int rc = r->open != NULL ? r->open(r->ctx, obj, &e) : daas_seal_open_kube(r->opener, obj, &e);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s %s/%s: cannot open it: %s", kind, ns, name, e.msg);
    return DAAS_OK;
}

int daas_agent_podres__get(daas_agent_podres *r, const char *uid, bool secret, const char *ns,
                           const char *name, const json_t **out, bool *sealed, daas_err *err)
{
    const char *kind = secret ? "secret" : "configmap";
    json_t *obj = NULL;
    daas_err e = {0};
    bool was_sealed = false;
    *out = NULL;
    for (size_t i = 0; i < r->nobjs; i++) {
        const daas_agent_podres__obj *c = &r->objs[i];
        if (c->secret == secret && strcmp(c->uid, uid) == 0 && strcmp(c->name, name) == 0) {
            *out = c->obj;
            if (sealed != NULL)
                *sealed = c->sealed;
            return DAAS_OK;
        }
    }
    if (!daas_agent_podres__name_ok(ns, MAX_NAME) || !daas_agent_podres__name_ok(name, MAX_NAME))
        return daas_fail(err, DAAS_EINVAL, "invalid %s name \"%.64s\"", kind, name ? name : "");
    int rc = fetch(r, secret, ns, name, &obj, &e);
    if (rc == DAAS_ENOTFOUND)
        rc = daas_fail(err, rc, "%s \"%s\" not found", kind, name);
    else if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "%s %s/%s: %s", kind, ns, name, e.msg);
    else if (!json_is_object(obj))
        rc = daas_fail(err, DAAS_EREMOTE, "%s %s/%s: not an object", kind, ns, name);
    if (rc == DAAS_OK)
        rc = open_sealed(r, secret, ns, name, obj, &was_sealed, err);
    if (rc != DAAS_OK) {
        wipe_obj(obj); /* a partly opened object never stays in memory */
        json_decref(obj);
        return rc;
    }
    if (r->nobjs == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->objs = daas_xrealloc(r->objs, r->cap * sizeof *r->objs);
    }
    r->objs[r->nobjs++] =
        (daas_agent_podres__obj){daas_xstrdup(uid), secret, daas_xstrdup(name), obj, was_sealed};
    *out = obj;
    if (sealed != NULL)
        *sealed = was_sealed;
    return DAAS_OK;
}

int daas_agent_podres__value(const json_t *obj, bool secret, const char *key, daas_buf *out,
                             daas_err *err)
{
    const json_t *v = json_object_get(json_object_get(obj, "data"), key);
    bool b64 = secret;
    if (v == NULL && !secret) {
        v = json_object_get(json_object_get(obj, "binaryData"), key);
        b64 = true;
    }
    if (v == NULL)
        return DAAS_ENOTFOUND;
    if (!json_is_string(v))
        return daas_fail(err, DAAS_EINVAL, "value of key %s is not a string", key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    int rc = b64 ? daas_base64_decode(s, n, out) : daas_buf_append(out, s, n);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "value of key %s is not valid%s", key, b64 ? " base64" : "");
    if (out->data == NULL) /* an empty value: still a NUL-terminated buffer */
        rc = daas_buf_append(out, "", 0);
    return rc;
}

void daas_agent_podres__buf_wipe(daas_buf *b)
{
    if (b->data != NULL)
        OPENSSL_cleanse(b->data, b->cap);
    daas_buf_fini(b);
}
