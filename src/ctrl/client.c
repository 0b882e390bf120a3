/*
 * client.c: the controllers' in-process API client: each call is one request handed to
 *           daas_api_handle with a capture response, so every rule of the API (authentication,
 *           authorization, admission, defaulting, validation, optimistic concurrency) applies
 *           to controllers exactly as to kubectl.
 *
 * Owns:   the synthesized peer identity (a verified client certificate CN
 *         "system:kube-controller-manager", O "system:masters"), request building, mapping a
 *         Status back to a DAAS_E* code, Events.
 * Not:    watches (informers read the store directly: a watch needs a loop); HTTP.
 * Invariants: a client is immutable after new: any number of threads may use it at once.
 *             Capture responses have no loop, so the API writes synchronously (creates do not
 *             go through daas_store_create_async; updates, patches, deletes and subresources
 *             always wait for the commit).
 * Spec:   kube-controller-manager's client identity; core/v1 Event (events.k8s.io recorder
 *         fields as client-go's record.EventRecorder fills them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/http.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/ctrl.h"
#include "kube/kind.h"
#include "kube/obj.h"

struct daas_ctrl_client {
    daas_api *api;       /* borrowed */
    daas_http_peer peer; /* the identity every request carries */
    char component[128]; /* Events' source.component */
};

daas_ctrl_client *daas_ctrl_client_new(daas_api *api, const char *component)
{
    daas_ctrl_client *c = daas_xcalloc(1, sizeof *c);
    c->api = api;
    c->peer.verified = true;
    snprintf(c->peer.cn, sizeof c->peer.cn, "system:kube-controller-manager");
    snprintf(c->peer.orgs[0], sizeof c->peer.orgs[0], "system:masters");
    c->peer.norgs = 1;
    snprintf(c->component, sizeof c->component, "%s",
             component ? component : "daas-controller-manager");
    return c;
}

void daas_ctrl_client_free(daas_ctrl_client **c)
{
    if (c && *c) {
        daas_free(*c);
        *c = NULL;
    }
}

/* Fails err from a non-2xx reply (a Status, or anything else). */
static int fail_from_reply(int status, const char *body, size_t len, const char *method,
                           const char *path, daas_err *err)
{
    json_t *st = json_loadb(body, len, 0, NULL);
    const char *reason = daas_kube_str(st, "reason");
    const char *msg = daas_kube_str(st, "message");
    int code = daas_err_from_http(status, reason);
    if (msg)
        daas_fail(err, code, "%s", msg);
    else
        daas_fail(err, code, "%s %s: HTTP %d", method, path, status);
    json_decref(st);
    return code;
}

int daas_ctrl_client_do(daas_ctrl_client *c, const char *method, const char *path,
                        const char *content_type, const json_t *body, json_t **out,
                        int *http_status, daas_err *err)
{
    int rc = DAAS_OK;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL; /* jansson's: free() */
    const char *q = strchr(path, '?');
    char *p = q ? daas_xstrndup(path, (size_t)(q - path)) : daas_xstrdup(path);
    daas_http_header hdrs[2] = {{"Accept", "application/json"},
                                {"Content-Type", content_type ? content_type : "application/json"}};
    daas_http_req req = {.method = method,
                         .target = path,
                         .path = p,
                         .query = q ? q + 1 : "",
                         .headers = hdrs,
                         .nheaders = text ? 2 : 1,
                         .body = text ? DAAS_BYTES(text, strlen(text)) : DAAS_BYTES("", 0),
                         .peer = &c->peer,
                         .remote = "in-process"};
    daas_http_resp *resp = daas_http_capture_new();
    if (out)
        *out = NULL;
    daas_api_handle(c->api, &req, resp);
    int status = daas_http_capture_status(resp);
    size_t len = 0;
    const char *reply = daas_http_capture_body(resp, &len);
    if (http_status)
        *http_status = status;
    if (status < 200 || status > 299) {
        rc = fail_from_reply(status, reply, len, method, p, err);
        goto out;
    }
    if (out)
        *out = json_loadb(reply, len, 0, NULL);
out:
    daas_http_capture_free(&resp);
    free(text);
    daas_free(p);
    return rc;
}

char *daas_ctrl_path(const daas_kube_kind *k, const char *ns, const char *name, const char *sub)
{
    daas_buf b;
    daas_buf_init(&b, 4096);
    int rc = k->group[0] ? daas_buf_printf(&b, "/apis/%s/%s", k->group, k->version)
                         : daas_buf_printf(&b, "/api/%s", k->version);
    if (rc == DAAS_OK && k->namespaced && ns && ns[0])
        rc = daas_buf_printf(&b, "/namespaces/%s", ns);
    if (rc == DAAS_OK)
        rc = daas_buf_printf(&b, "/%s", k->resource);
    if (rc == DAAS_OK && name)
        rc = daas_buf_printf(&b, "/%s", name);
    if (rc == DAAS_OK && name && sub)
        rc = daas_buf_printf(&b, "/%s", sub);
    if (rc != DAAS_OK) { /* 4 KiB of names: cannot happen with API-validated names */
        daas_buf_fini(&b);
        return daas_xstrdup("/");
    }
    return daas_buf_steal(&b, NULL);
}

/* One call on kind k's object (or collection when name is NULL). */
static int call(daas_ctrl_client *c, const char *method, const daas_kube_kind *k, const char *ns,
                const char *name, const char *sub, const char *ctype, const json_t *body,
                json_t **out, daas_err *err)
{
    char *path = daas_ctrl_path(k, ns, name, sub);
    int rc = daas_ctrl_client_do(c, method, path, ctype, body, out, NULL, err);
    daas_free(path);
    return rc;
}

int daas_ctrl_client_get(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                         const char *name, json_t **out, daas_err *err)
{
    return call(c, "GET", k, ns, name, NULL, NULL, NULL, out, err);
}

int daas_ctrl_client_create(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                            const json_t *obj, json_t **out, daas_err *err)
{
    return call(c, "POST", k, ns, NULL, NULL, NULL, obj, out, err);
}

int daas_ctrl_client_update(daas_ctrl_client *c, const daas_kube_kind *k, const json_t *obj,
                            const char *sub, json_t **out, daas_err *err)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    if (name == NULL)
        return daas_fail(err, DAAS_EINVAL, "update of a %s without metadata.name", k->kind);
    return call(c, "PUT", k, daas_kube_str(obj, "metadata.namespace"), name, sub, NULL, obj, out,
                err);
}

int daas_ctrl_client_patch(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                           const char *name, const char *sub, int type, const json_t *patch,
                           json_t **out, daas_err *err)
{
    static const char *const ctypes[] = {NULL, "application/merge-patch+json",
                                         "application/strategic-merge-patch+json",
                                         "application/json-patch+json"};
    if (type < DAAS_CTRL_PATCH_MERGE || type > DAAS_CTRL_PATCH_JSON)
        return daas_fail(err, DAAS_EINVAL, "unknown patch type %d", type);
    return call(c, "PATCH", k, ns, name, sub, ctypes[type], patch, out, err);
}

int daas_ctrl_client_delete(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                            const char *name, const json_t *opts, json_t **out, daas_err *err)
{
    return call(c, "DELETE", k, ns, name, NULL, NULL, opts, out, err);
}

/* The Event object (new reference) about obj. */
json_t *daas_ctrl_client_event_obj(const daas_ctrl_client *c, const json_t *obj, const char *type,
                                   const char *reason, const char *msg)
{
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    const char *name = daas_kube_str(obj, "metadata.name");
    char ts[32], ename[300];
    daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
    /* client-go's recorder names events "<object>.<unix nanoseconds in hex>". */
    uint64_t nonce;
    daas_random(&nonce, sizeof nonce);
    snprintf(ename, sizeof ename, "%.200s.%llx%04x", name ? name : "object",
             (unsigned long long)(daas_now_ms() * 1000000LL), (unsigned)(nonce & 0xffff));
    json_t *inv = json_object();
    static const char *const fields[][2] = {{"apiVersion", "apiVersion"},
                                            {"kind", "kind"},
                                            {"namespace", "metadata.namespace"},
                                            {"name", "metadata.name"},
                                            {"uid", "metadata.uid"},
                                            {"resourceVersion", "metadata.resourceVersion"}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = daas_kube_str(obj, fields[i][1]);
        if (v)
            json_object_set_new(inv, fields[i][0], json_string(v));
    }
    json_t *ev = json_pack(
        "{s:s,s:s,s:{s:s,s:s},s:o,s:s,s:s,s:s,s:{s:s},s:i,s:s,s:s,s:s}", "apiVersion", "v1", "kind",
        "Event", "metadata", "name", ename, "namespace", ns ? ns : "default", "involvedObject", inv,
        "reason", reason, "message", msg, "type", type, "source", "component", c->component,
        "count", 1, "firstTimestamp", ts, "lastTimestamp", ts, "reportingComponent", c->component);
    return ev;
}

int daas_ctrl_client_event(daas_ctrl_client *c, const json_t *obj, const char *type,
                           const char *reason, daas_err *err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *ev = daas_ctrl_client_event_obj(c, obj, type, reason, msg);
    if (ev == NULL)
        return daas_fail(err, DAAS_EINVAL, "event %s: not UTF-8", reason);
    const daas_kube_kind *k = daas_kube_kind_by_resource("", "v1", "events");
    int rc = daas_ctrl_client_create(c, k, daas_kube_str(ev, "metadata.namespace"), ev, NULL, err);
    json_decref(ev);
    return rc;
}
