/*
 * api.c: the API's front door: authentication, dispatch by path and method, responses.
 *
 * Owns:   daas_api lifetime, daas_api_handle (the HTTP handler), Status responses, the render
 *         hook that puts resourceVersion into stored objects.
 * Not:    the verbs themselves (read.c, write.c, watch.c), discovery (discovery.c), the
 *         authorization policy (authz.c: called after routing, before dispatch).
 * Invariants:
 *   - every request gets exactly one response (or one stream) and one metrics record;
 *   - only /version, /healthz, /livez, /readyz are served without credentials.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/authn_sui.h"
#include "api/podproxy.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"

int daas_api_new(const daas_api_config *cfg, daas_api **out, daas_err *err)
{
    daas_api *api = daas_xcalloc(1, sizeof *api);
    int rc;

    api->store = cfg->store;
    api->authn = cfg->authn;
    api->allow_anonymous = cfg->allow_anonymous;
    api->tolerations[0] = cfg->tolerations_set ? cfg->not_ready_toleration_s
                                               : DAAS_KUBE_DEFAULT_TOLERATION;
    api->tolerations[1] = cfg->tolerations_set ? cfg->unreachable_toleration_s
                                               : DAAS_KUBE_DEFAULT_TOLERATION;
    api->seal = cfg->seal;
    api->unsealed_ok = cfg->unsealed_secrets;
    api->agent_tls = cfg->agent_tls;
    daas_api__proxy_init(api);
    snprintf(api->server_address, sizeof api->server_address, "%s",
             cfg->server_address ? cfg->server_address : "127.0.0.1:6443");
    daas_err ce = {0};
    if (daas_ctrl_ipalloc_new(cfg->service_cidr ? cfg->service_cidr : "10.43.0.0/16",
                              &api->svc_range, &ce) != DAAS_OK) {
        daas_api__proxy_fini(api);
        daas_free(api);
        return daas_fail(err, DAAS_EINVAL, "bad service CIDR \"%s\": %s", cfg->service_cidr,
                         ce.msg);
    }
    pthread_mutex_init(&api->nsctl_mu, NULL);
    pthread_cond_init(&api->nsctl_cv, NULL);
    pthread_mutex_init(&api->ip_mu, NULL);
    pthread_mutex_init(&api->reb_mu, NULL);
    api->reb = DAAS_API_REBALANCE_DEFAULTS;
    api->ip_pending = json_object();
    rc = daas_api__discovery_init(api, err);
    if (rc != DAAS_OK) {
        daas_api_free(&api);
        return rc;
    }
    *out = api;
    return DAAS_OK;
}

int daas_api_start(daas_api *api, daas_err *err)
{
    return daas_api__nsctl_start(api, err);
}

void daas_api_set_scheduler(daas_api *api, daas_schedctl *sc, const char *declog_path)
{
    api->sched = sc;
    api->declog_path = declog_path;
}

void daas_api_set_admit_forward(daas_api *api, daas_api_admit_fn fn, void *arg)
{
    api->admit_fwd = fn;
    api->admit_fwd_arg = arg;
}

void daas_api_set_rules_source(daas_api *api, daas_api_rules_fn fn, void *arg)
{
    api->rules_fn = fn;
    api->rules_arg = arg;
}

void daas_api_stop(daas_api *api)
{
    if (api) {
        daas_api__nsctl_stop(api);
        daas_api__proxy_stop(api);
    }
}

void daas_api_free(daas_api **pa)
{
    daas_api *api = *pa;
    if (api == NULL)
        return;
    *pa = NULL;
    daas_api__nsctl_stop(api);
    daas_api__discovery_fini(api);
    daas_api__proxy_fini(api);
    pthread_mutex_destroy(&api->nsctl_mu);
    pthread_cond_destroy(&api->nsctl_cv);
    daas_ctrl_ipalloc_free(&api->svc_range);
    pthread_mutex_destroy(&api->ip_mu);
    pthread_mutex_destroy(&api->reb_mu);
    json_decref(api->ip_pending);
    daas_free(api);
}

/* ---- responses ---- */

static void finish(daas_api__req *r, int status)
{
    r->responded = true;
    daas_api__metrics_record(r->api, r->route.kind ? r->route.kind_index : -1, r->verb, status,
                             daas_mono_ns() - r->start_ns);
}

/* "Warning: 299 - \"<text>\"" (new string, daas_free): apimachinery's NewWarningHeader
 * (code 299, agent "-", the text quoted with '"' and '\\' escaped). daas_api__warn let in
 * no CR, LF or other control byte, so the header cannot be split. */
static char *warning_header(const char *text)
{
    static const char head[] = "Warning: 299 - \"";
    size_t n = strlen(text);
    char *h = daas_xmalloc(sizeof head + 2 * n + 2);
    size_t o = sizeof head - 1;
    memcpy(h, head, o);
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '"' || text[i] == '\\')
            h[o++] = '\\';
        h[o++] = text[i];
    }
    h[o++] = '"';
    h[o] = '\0';
    return h;
}

void daas_api__respond_json(daas_api__req *r, int status, const char *ctype, const char *body,
                            size_t len)
{
    char *hdr[DAAS_API_MAX_WARNINGS + 2] = {0}; /* NULL-terminated */
    size_t n = r->nwarnings < DAAS_API_MAX_WARNINGS ? r->nwarnings : DAAS_API_MAX_WARNINGS;
    for (size_t i = 0; i < n; i++)
        hdr[i] = warning_header(r->warnings[i]);
    if (r->retry_after > 0) /* as upstream's responsewriters, from the Status's details */
        hdr[n++] = daas_xasprintf("Retry-After: %d", r->retry_after);
    daas_http_respond(r->resp, status, ctype ? ctype : "application/json",
                      n > 0 ? (const char *const *)hdr : NULL, body, len);
    for (size_t i = 0; i < n; i++)
        daas_free(hdr[i]);
    finish(r, status);
}

void daas_api__respond_obj(daas_api__req *r, int status, const json_t *obj)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    const char *s = daas_kube_json_dump(obj, &b) == DAAS_OK ? b.data : NULL;
    if (s == NULL) {
        daas_buf_fini(&b);
        static const char fail[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                                   "\"status\":\"Failure\",\"message\":\"the response could "
                                   "not be encoded\",\"reason\":\"InternalError\",\"code\":500}";
        daas_api__respond_json(r, 500, "application/json", fail, sizeof fail - 1);
        return;
    }
    json_int_t ra = json_integer_value(
        json_object_get(json_object_get(obj, "details"), "retryAfterSeconds"));
    if (strcmp(json_string_value(json_object_get(obj, "kind")) ?: "", "Status") == 0 && ra > 0)
        r->retry_after = ra > 86400 ? 86400 : (int)ra;
    const char *ct = r->table && json_is_object(obj) &&
                             strcmp(json_string_value(json_object_get(obj, "kind")) ?: "",
                                    "Table") == 0
                         ? "application/json;as=Table;v=v1;g=meta.k8s.io"
                         : "application/json";
    daas_api__respond_json(r, status, ct, s, b.len);
    daas_buf_fini(&b);
}


/* Copies msg into out with every byte that is not valid UTF-8 replaced by '?': messages
 * echo client input (URLs, selectors), and a JSON string must be valid UTF-8. */
static void utf8_clean(const char *msg, char *out, size_t n)
{
    const unsigned char *s = (const unsigned char *)msg;
    size_t o = 0;
    while (*s && o + 4 < n) {
        size_t k = daas_utf8_seq(s);
        if (k == 0) {
            out[o++] = '?';
            s++;
            continue;
        }
        memcpy(out + o, s, k);
        o += k;
        s += k;
    }
    out[o] = '\0';
}

/* Whether s is valid UTF-8 without a control character (C0, DEL, C1: Go's unicode.IsControl),
 * as NewWarningHeader requires of a warning text. */
static bool warning_text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = daas_utf8_seq(p);
        if (k == 0 || p[0] < 0x20 || p[0] == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0))
            return false;
        p += k;
    }
    return true;
}

void daas_api__warn(daas_api__req *r, const char *text)
{
    char t[DAAS_API_WARNING_MAX];
    size_t n = strlen(text);
    if (n == 0 || r->nwarnings >= DAAS_API_MAX_WARNINGS || !warning_text_ok(text))
        return;
    if (n >= sizeof t) { /* cut before the character that does not fit */
        n = sizeof t - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(t, text, n);
    t[n] = '\0';
    for (size_t i = 0; i < r->nwarnings; i++)
        if (strcmp(r->warnings[i], t) == 0)
            return; /* upstream's recorder sends each text once */
    memcpy(r->warnings[r->nwarnings++], t, n + 1);
}

static json_t *status_obj(const daas_api__req *r, int code, const char *raw)
{
    char msg[1024];
    utf8_clean(raw, msg, sizeof msg);
    json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:i}", "kind", "Status", "apiVersion",
                           "v1", "metadata", "status", "Failure", "message", msg, "reason",
                           daas_err_reason(code), "code", daas_err_http(code));
    const daas_kube_kind *k = r->route.kind;
    if (k && (r->route.name || code == DAAS_EINVALID)) {
        json_t *d = json_object();
        if (r->route.name) {
            char name[512];
            utf8_clean(r->route.name, name, sizeof name);
            json_object_set_new(d, "name", json_string(name));
        }
        if (k->group[0])
            json_object_set_new(d, "group", json_string(k->group));
        json_object_set_new(d, "kind", json_string(code == DAAS_EINVALID ? k->kind : k->resource));
        json_object_set_new(st, "details", d);
    }
    return st;
}

void daas_api__respond_err(daas_api__req *r, const daas_err *err)
{
    int code = err->code != DAAS_OK ? err->code : DAAS_EINTERNAL;
    daas_api__respond_msg(r, code, err->msg[0] ? err->msg : daas_err_text(code));
}

void daas_api__respond_msg(daas_api__req *r, int code, const char *msg)
{
    json_t *st = status_obj(r, code, msg);
    if (code == DAAS_EINVALID) {
        /* kubectl prints `The Kind "name" is invalid: <causes>`; without a cause the reason
         * would be lost. */
        json_t *d = json_object_get(st, "details");
        if (d)
            json_object_set_new(d, "causes", json_pack("[{s:s,s:s}]", "reason",
                                                       "FieldValueInvalid", "message", msg));
    }
    bool saved = r->table;
    r->table = false;
    daas_api__respond_obj(r, daas_err_http(code), st);
    r->table = saved;
    json_decref(st);
}

void daas_api__respond_invalid(daas_api__req *r, const char *kind, const char *name,
                               daas_kube_verr *v)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s \"%s\" is invalid", kind, name ? name : "");
    /* Upstream joins the causes into the message: `Kind "name" is invalid: field: detail`. */
    daas_buf b;
    daas_buf_init(&b, 64 << 10);
    int rc = daas_buf_puts(&b, msg);
    size_t i;
    json_t *c;
    json_array_foreach(v->causes, i, c)
    {
        if (rc == DAAS_OK)
            rc = daas_buf_printf(&b, "%s%s: %s", i == 0 ? ": " : ", ",
                                 json_string_value(json_object_get(c, "field")) ?: "",
                                 json_string_value(json_object_get(c, "message")) ?: "");
    }
    json_t *st = status_obj(r, DAAS_EINVALID, b.data ? b.data : msg);
    json_t *d = json_object_get(st, "details");
    if (d == NULL) {
        d = json_object();
        json_object_set_new(st, "details", d);
    }
    char cname[512];
    utf8_clean(name ? name : "", cname, sizeof cname);
    json_object_set_new(d, "name", json_string(cname));
    json_object_set_new(d, "kind", json_string(kind));
    json_object_set(d, "causes", v->causes ? v->causes : json_array());
    daas_buf_fini(&b);
    bool saved = r->table;
    r->table = false;
    daas_api__respond_obj(r, 422, st);
    r->table = saved;
    json_decref(st);
}

char *daas_api__query(const daas_api__req *r, const char *name)
{
    return daas_http_query_get(r->http->query, name);
}

bool daas_api__query_bool(const daas_api__req *r, const char *name)
{
    char *v = daas_api__query(r, name);
    bool b = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || v[0] == '\0');
    daas_free(v);
    return b;
}

/* ---- dispatch ---- */

static bool is_health(const char *path)
{
    static const char *const p[] = {"/healthz", "/livez", "/readyz"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(p[i]);
        if (strncmp(path, p[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
}

static void not_found(daas_api__req *r)
{
    daas_err e = {0};
    daas_fail(&e, DAAS_ENOTFOUND, "the server could not find the requested resource");
    daas_api__respond_err(r, &e);
}

static void method_not_allowed(daas_api__req *r)
{
    daas_err e = {0};
    daas_fail(&e, DAAS_EMETHOD, "the server does not allow this method on the requested resource");
    daas_api__respond_err(r, &e);
}

static void dispatch_resource(daas_api__req *r)
{
    const char *m = r->http->method;
    const daas_api_route *rt = &r->route;
    if (strcmp(m, "GET") == 0) {
        if (rt->sub)
            daas_api__subresource(r);
        else if (rt->name)
            daas_api__get(r);
        else if (daas_api__query_bool(r, "watch"))
            daas_api__watch(r);
        else
            daas_api__list(r);
    } else if (strcmp(m, "POST") == 0) {
        if (rt->sub && rt->name)
            daas_api__subresource(r);
        else if (rt->name == NULL)
            daas_api__create(r);
        else
            method_not_allowed(r);
    } else if (strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0) {
        if (rt->name == NULL)
            method_not_allowed(r);
        else if (rt->sub)
            daas_api__subresource(r);
        else if (m[1] == 'U')
            daas_api__update(r);
        else
            daas_api__patch(r);
    } else if (strcmp(m, "DELETE") == 0) {
        if (rt->sub)
            method_not_allowed(r);
        else if (rt->name)
            daas_api__delete(r);
        else
            daas_api__deletecollection(r);
    } else {
        method_not_allowed(r);
    }
}

static bool authenticate(daas_api__req *r, bool public_path)
{
    daas_err e = {0};
    if (r->api->authn == NULL) {
        if (r->api->allow_anonymous || public_path) {
            snprintf(r->user.name, sizeof r->user.name, "system:anonymous");
            return true;
        }
        daas_fail(&e, DAAS_EUNAUTH, "Unauthorized");
        daas_api__respond_err(r, &e);
        return false;
    }
    int rc = daas_authn_run(r->api->authn, r->http, &r->user, &e);
    if (rc == DAAS_OK || public_path || r->api->allow_anonymous)
        return true;
    /* e says "Unauthorized", or "Unauthorized: token expired" from a wallet token (kubectl
     * prints it, and runs the credential plugin again on any 401). */
    daas_api__respond_err(r, &e);
    return false;
}

void daas_api_handle(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    daas_api__req r = {.api = arg, .http = req, .resp = resp, .verb = DAAS_API_VERB_OTHER};
    const char *path = req->path;

    r.start_ns = daas_mono_ns();
    r.table = daas_api__wants_table(req);
    if (is_health(path)) {
        daas_api__respond_json(&r, 200, "text/plain; charset=utf-8", "ok", 2);
        return;
    }
    bool public_path = strcmp(path, "/version") == 0;
    if (!authenticate(&r, public_path))
        return;
    if (strcmp(path, "/metrics") == 0 || strcmp(path, DAAS_API_DECISIONS_PATH) == 0) {
        bool metrics = strcmp(path, "/metrics") == 0;
        if (daas_api__authorize_path(&r, path) && metrics)
            daas_api__serve_metrics(&r);
        else if (!r.responded)
            daas_api__serve_decisions(&r);
        return;
    }
    if (daas_api__serve_discovery(&r, path) || daas_api__serve_whoami(&r, path))
        return;
    bool reb = strcmp(path, DAAS_API_REBALANCE_PATH) == 0;
    if (reb || strcmp(path, DAAS_API_ADMIT_PATH) == 0) {
        if (daas_api__authorize_path(&r, path)) {
            if (reb)
                daas_api__serve_rebalance(&r);
            else
                daas_api__serve_admit(&r);
        }
        return;
    }
    if (daas_api__route(&r, path) != DAAS_OK) {
        not_found(&r);
    } else if (daas_api__authorize(&r)) {
        dispatch_resource(&r);
    }
    if (!r.responded) {
        daas_err e = {0};
        daas_fail(&e, DAAS_EINTERNAL, "no response produced");
        daas_api__respond_err(&r, &e);
    }
    daas_free(r.pathbuf);
}
