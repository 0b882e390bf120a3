/*
 * podproxy.c: pods/{name}/log and pods/{name}/exec: from the routed request to a proxied
 * connection to the agent of the pod's Node.
 *
 * Owns:   the checks before the proxy (pod, container, binding, Node endpoint, upgrade kind),
 *         the agent URL and the request head the agent gets.
 * Not:    the bytes after the hand-over (podproxy_conn.c); authorization (done before
 *         dispatch: get pods/log, create pods/exec).
 * Model:  GET log → the agent's /containerLogs/..., its answer streamed back verbatim;
 *         exec with "Upgrade: websocket" (kubectl 1.30+, v5.channel.k8s.io) → the agent's
 *         /exec/..., the 101 and the channel frames flow through untouched. kubectl falls back
 *         to SPDY when the WebSocket upgrade is not answered with 101: a SPDY request is
 *         checked and dialled the same way, so it fails with the same message, and otherwise
 *         gets a 400 saying exec needs WebSocket.
 * Invariants: see podproxy.h (whitelisted parameters, no Authorization, pinned agent).
 * Spec:   src/agent/serve.h; upstream pkg/registry/core/pod/strategy.go (LogLocation,
 *         streamLocation: container choice and its messages).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/podproxy.h"
#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"

#define MOD "podproxy"
#define DEFAULT_CONTAINER_ANN "kubectl.kubernetes.io/default-container"
#define AGENT_CERT_ANN "daas.io/agent-cert-sha256"
#define HEAD_MAX ((size_t)64 << 10)

/* ---- container choice ---- */

static bool has_container(const json_t *list, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

/* "a b c" from the containers' names. */
static void names_of(const json_t *list, char *out, size_t cap)
{
    size_t i, o = 0;
    json_t *c;
    out[0] = '\0';
    json_array_foreach(list, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        int k = snprintf(out + o, cap - o, "%s%s", i ? " " : "", n ? n : "");
        if (k < 0 || (size_t)k >= cap - o)
            break;
        o += (size_t)k;
    }
}

static bool is_known(const json_t *pod, const char *name)
{
    return has_container(daas_kube_path(pod, "spec.containers"), name) ||
           has_container(daas_kube_path(pod, "spec.initContainers"), name) ||
           has_container(daas_kube_path(pod, "spec.ephemeralContainers"), name);
}

/* Contract in podproxy.h. */
int daas_api__proxy_container(const json_t *pod, const char *want, const char **out, daas_err *err)
{
    const char *pname = daas_kube_str(pod, "metadata.name");
    json_t *ctrs = daas_kube_path(pod, "spec.containers");
    json_t *ann = daas_kube_path(pod, "metadata.annotations");
    const char *def = json_string_value(json_object_get(ann, DEFAULT_CONTAINER_ANN));
    char names[512], inits[512];

    pname = pname ? pname : "";
    if (want != NULL && want[0] != '\0') {
        json_t *c = NULL;
        size_t i;
        /* Return a pointer into pod, not into the caller's query string. */
        static const char *const lists[] = {"spec.containers", "spec.initContainers",
                                            "spec.ephemeralContainers"};
        for (size_t l = 0; l < 3; l++)
            json_array_foreach(daas_kube_path(pod, lists[l]), i, c)
            {
                const char *n = json_string_value(json_object_get(c, "name"));
                if (n != NULL && strcmp(n, want) == 0) {
                    *out = n;
                    return DAAS_OK;
                }
            }
        return daas_fail(err, DAAS_EINVAL, "container %s is not valid for pod %s", want, pname);
    }
    if (def != NULL && def[0] != '\0' && is_known(pod, def)) {
        *out = def;
        return DAAS_OK;
    }
    if (json_array_size(ctrs) == 1 &&
        json_string_value(json_object_get(json_array_get(ctrs, 0), "name")) != NULL) {
        *out = json_string_value(json_object_get(json_array_get(ctrs, 0), "name"));
        return DAAS_OK;
    }
    names_of(ctrs, names, sizeof names);
    names_of(daas_kube_path(pod, "spec.initContainers"), inits, sizeof inits);
    if (inits[0] != '\0')
        return daas_fail(err, DAAS_EINVAL,
                         "a container name must be specified for pod %s, choose one of: [%s] "
                         "or one of the init containers: [%s]",
                         pname, names, inits);
    return daas_fail(err, DAAS_EINVAL,
                     "a container name must be specified for pod %s, choose one of: [%s]", pname,
                     names);
}

/* ---- the Node's agent endpoint ---- */

static const char *internal_ip(const json_t *node)
{
    size_t i;
    json_t *a;
    json_array_foreach(daas_kube_path(node, "status.addresses"), i, a)
    {
        const char *t = json_string_value(json_object_get(a, "type"));
        const char *v = json_string_value(json_object_get(a, "address"));
        if (t != NULL && v != NULL && strcmp(t, "InternalIP") == 0 && v[0] != '\0')
            return v;
    }
    return NULL;
}

/* Only address characters: the value becomes a Host header and a connect address. */
static bool ip_chars_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 46 && strspn(s, "0123456789abcdefABCDEF.:") == n;
}

/* Contract in podproxy.h. */
int daas_api__proxy_node_target(const json_t *node, daas_api__proxy_target *out, daas_err *err)
{
    const char *name = daas_kube_str(node, "metadata.name");
    const char *ip = internal_ip(node);
    int64_t port = daas_kube_int(node, "status.daemonEndpoints.kubeletEndpoint.Port", 0);
    json_t *ann = daas_kube_path(node, "metadata.annotations");
    const char *fp = json_string_value(json_object_get(ann, AGENT_CERT_ANN));

    memset(out, 0, sizeof *out);
    snprintf(out->node, sizeof out->node, "%s", name ? name : "");
    if (ip == NULL || !ip_chars_ok(ip))
        return daas_fail(err, DAAS_EUNAVAIL, "node %s has no usable InternalIP address", out->node);
    if (port <= 0 || port > 65535)
        return daas_fail(err, DAAS_EUNAVAIL,
                         "node %s has no agent endpoint (status.daemonEndpoints.kubeletEndpoint"
                         ".Port)",
                         out->node);
    if (fp == NULL || strlen(fp) != 64 || !daas_hex_decode(fp, 32, out->fp))
        return daas_fail(err, DAAS_EUNAVAIL,
                         "node %s has no valid %s annotation: its agent cannot be verified",
                         out->node, AGENT_CERT_ANN);
    snprintf(out->hostport, sizeof out->hostport, strchr(ip, ':') ? "[%s]:%d" : "%s:%d", ip,
             (int)port);
    return DAAS_OK;
}

/* ---- the agent URL ---- */

static int append_enc(daas_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = DAAS_OK;
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = daas_buf_append(b, &s[i], 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = daas_buf_append(b, e, 3);
        }
    }
    return rc;
}

/* Percent-decodes s[0..n) ('+' as space) into a new string; NULL on a bad escape or NUL. */
static char *decode(const char *s, size_t n)
{
    char *o = daas_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int h = i + 2 < n ? daas_hexval(s[i + 1]) : -1;
            int l = h >= 0 ? daas_hexval(s[i + 2]) : -1;
            if (l < 0 || (h == 0 && l == 0)) {
                daas_free(o);
                return NULL;
            }
            c = h * 16 + l;
            i += 2;
        }
        o[k++] = (char)c;
    }
    o[k] = '\0';
    return o;
}

static bool allowed_param(bool exec, const char *name)
{
    static const char *const logp[] = {"follow",   "tailLines",  "sinceSeconds", "sinceTime",
                                       "previous", "timestamps", "limitBytes",   NULL};
    static const char *const execp[] = {"command", "stdin", "stdout", "stderr", "tty", NULL};
    for (const char *const *p = exec ? execp : logp; *p != NULL; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

/* Appends "&name=value" for each whitelisted parameter of the client's query. */
static int append_params(daas_buf *b, bool exec, const char *query)
{
    int rc = DAAS_OK;
    const char *p = query ? query : "";
    while (*p != '\0' && rc == DAAS_OK) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = decode(p, nlen);
        char *val = eq ? decode(eq + 1, len - nlen - 1) : daas_xstrdup("");
        if (name != NULL && val != NULL && allowed_param(exec, name)) {
            rc = daas_buf_puts(b, "&");
            if (rc == DAAS_OK)
                rc = append_enc(b, name, strlen(name));
            if (rc == DAAS_OK)
                rc = daas_buf_puts(b, "=");
            if (rc == DAAS_OK)
                rc = append_enc(b, val, strlen(val));
        }
        daas_free(name);
        daas_free(val);
        p += len;
        if (*p == '&')
            p++;
    }
    return rc;
}

/* Contract in podproxy.h. NULL only when the query is absurdly long (over 64 KiB encoded). */
char *daas_api__proxy_agent_path(bool exec, const char *ns, const char *pod, const char *uid,
                                 const char *container, const char *query)
{
    const char *segs[] = {ns, pod, container};
    daas_buf b;
    daas_buf_init(&b, HEAD_MAX);
    int rc = daas_buf_puts(&b, exec ? "/exec" : "/containerLogs");
    for (size_t i = 0; i < 3 && rc == DAAS_OK; i++) {
        rc = daas_buf_puts(&b, "/");
        if (rc == DAAS_OK)
            rc = append_enc(&b, segs[i], strlen(segs[i]));
    }
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&b, "?podUID=");
    if (rc == DAAS_OK)
        rc = append_enc(&b, uid, strlen(uid));
    if (rc == DAAS_OK)
        rc = append_params(&b, exec, query);
    if (rc != DAAS_OK) {
        daas_buf_fini(&b);
        return NULL;
    }
    return daas_buf_steal(&b, NULL);
}

/* ---- the request head for the agent ---- */

static bool forwarded_header(const char *name)
{
    return strcasecmp(name, "Upgrade") == 0 || strcasecmp(name, "Connection") == 0 ||
           strncasecmp(name, "Sec-WebSocket-", 14) == 0;
}

static bool line_safe(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

/* Appends the Sec-WebSocket-Protocol offers minus bearer-token ones: a browser may carry
 * its token as "base64url.bearer.authorization.k8s.io.<token>", which the agent (a staker's
 * machine) must never see. Nothing when no offer is left. */
static int append_protocols(daas_buf *out, const daas_http_header *h)
{
    static const char bearer[] = "base64url.bearer.authorization.k8s.io.";
    const char *p = h->value;
    bool first = true;
    int rc = DAAS_OK;
    while (*p != '\0' && rc == DAAS_OK) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0 && strncmp(p, bearer, sizeof bearer - 1) != 0) {
            rc = daas_buf_printf(out, "%s%.*s", first ? "Sec-WebSocket-Protocol: " : ", ", (int)n,
                                 p);
            first = false;
        }
        p += n;
        p += strcspn(p, ",");
    }
    if (rc == DAAS_OK && !first)
        rc = daas_buf_puts(out, "\r\n");
    return rc;
}

/* Contract in podproxy.h. */
int daas_api__proxy_head(const daas_http_req *req, const char *method, const char *path,
                         const char *hostport, bool upgrade, daas_buf *out, daas_err *err)
{
    int rc = daas_buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, hostport);
    for (size_t i = 0; upgrade && i < req->nheaders && rc == DAAS_OK; i++) {
        const daas_http_header *h = &req->headers[i];
        if (!forwarded_header(h->name) || !line_safe(h->name) || !line_safe(h->value))
            continue;
        if (strcasecmp(h->name, "Sec-WebSocket-Protocol") == 0)
            rc = append_protocols(out, h);
        else
            rc = daas_buf_printf(out, "%s: %s\r\n", h->name, h->value);
    }
    if (rc == DAAS_OK && !upgrade)
        rc = daas_buf_puts(out, "Connection: close\r\n");
    if (rc == DAAS_OK && req->body.len > 0)
        rc = daas_buf_printf(out, "Content-Length: %zu\r\n", req->body.len);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(out, "\r\n");
    if (rc == DAAS_OK && req->body.len > 0)
        rc = daas_buf_append(out, req->body.ptr, req->body.len);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "the request for the agent is too large");
    return DAAS_OK;
}

/* Contract in podproxy.h. */
int daas_api__proxy_upgrade_kind(const daas_http_req *req)
{
    const char *up = daas_http_req_header(req, "Upgrade");
    if (up == NULL || up[0] == '\0')
        return DAAS_API_PROXY_NO_UPGRADE;
    if (strcasecmp(up, "websocket") == 0)
        return DAAS_API_PROXY_WEBSOCKET;
    if (strncasecmp(up, "SPDY/", 5) == 0)
        return DAAS_API_PROXY_SPDY;
    return DAAS_API_PROXY_OTHER_UPGRADE;
}

/* ---- the handler ---- */

#define SPDY_MSG                                                                                   \
    "exec over SPDY is not supported by this server: use kubectl 1.30 or newer (WebSocket, "       \
    "v5.channel.k8s.io), without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"

/* Exec needs an upgrade; the rest is refused as upstream does. */
static int check_upgrade(daas_api__req *r, bool exec, int *kind, daas_err *err)
{
    *kind = exec ? daas_api__proxy_upgrade_kind(r->http) : DAAS_API_PROXY_NO_UPGRADE;
    if (!exec)
        return DAAS_OK;
    if (*kind == DAAS_API_PROXY_NO_UPGRADE)
        return daas_fail(err, DAAS_EINVAL, "Upgrade request required");
    if (*kind == DAAS_API_PROXY_OTHER_UPGRADE)
        return daas_fail(err, DAAS_EINVAL, "unsupported upgrade \"%s\": exec speaks WebSocket",
                         daas_http_req_header(r->http, "Upgrade"));
    return DAAS_OK;
}

/* Loads the object of kind resource ns/name; a missing one answers NotFound for the route. */
static int load_obj(daas_api__req *r, const char *resource, const char *ns, const char *name,
                    json_t **out, daas_err *err)
{
    const daas_kube_kind *k = daas_kube_kind_by_resource("", "v1", resource);
    daas_kv kv = {0};
    if (k == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "no kind for %s", resource);
    char *key = daas_api__key(k, ns, name);
    int rc = daas_api__load(r->api, key, &kv, out, err);
    daas_free(key);
    daas_kv_fini(&kv);
    return rc;
}

/* The pod's container and node, and the checks upstream makes before streaming. */
static int check_pod(daas_api__req *r, bool exec, const json_t *pod, const char **ctr,
                     const char **node, daas_err *err)
{
    char *want = daas_api__query(r, "container");
    int rc = daas_api__proxy_container(pod, want, ctr, err);
    daas_free(want);
    if (rc != DAAS_OK)
        return rc;
    *node = daas_kube_str(pod, "spec.nodeName");
    if (*node == NULL || (*node)[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "pod %s does not have a host assigned", r->route.name);
    const char *phase = daas_kube_str(pod, "status.phase");
    if (exec && phase != NULL && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0))
        return daas_fail(err, DAAS_EINVAL,
                         "cannot exec into a container in a completed pod; current phase is %s",
                         phase);
    return DAAS_OK;
}

/* Everything up to the dial: the request for the agent in d. */
static int prepare(daas_api__req *r, bool exec, daas_api__proxy_dial *d, daas_err *err)
{
    json_t *pod = NULL, *node = NULL;
    const char *ctr = NULL, *nname = NULL;
    char *path = NULL;
    int kind;
    int rc = check_upgrade(r, exec, &kind, err);
    if (rc == DAAS_OK) {
        rc = load_obj(r, "pods", r->route.ns, r->route.name, &pod, err);
        if (rc == DAAS_ENOTFOUND)
            daas_api__fail_notfound(r, r->route.name, err);
    }
    if (rc == DAAS_OK)
        rc = check_pod(r, exec, pod, &ctr, &nname, err);
    if (rc == DAAS_OK) {
        rc = load_obj(r, "nodes", NULL, nname, &node, err);
        if (rc == DAAS_ENOTFOUND) {
            daas_err_clear(err);
            rc = daas_fail(err, DAAS_EUNAVAIL, "node %s of pod %s does not exist", nname,
                           r->route.name);
        }
    }
    if (rc == DAAS_OK)
        rc = daas_api__proxy_node_target(node, &d->target, err);
    if (rc == DAAS_OK) {
        const char *uid = daas_kube_str(pod, "metadata.uid");
        path = daas_api__proxy_agent_path(exec, r->route.ns, r->route.name, uid ? uid : "", ctr,
                                          r->http->query);
        if (path == NULL)
            rc = daas_fail(err, DAAS_ETOOBIG, "the query is too long");
    }
    if (rc == DAAS_OK)
        rc = daas_api__proxy_head(r->http, exec ? r->http->method : "GET", path, d->target.hostport,
                                  exec, &d->head, err);
    d->probe = kind == DAAS_API_PROXY_SPDY;
    d->probe_msg = SPDY_MSG;
    daas_free(path);
    json_decref(pod);
    json_decref(node);
    return rc;
}

/* Contract in podproxy.h. */
void daas_api__podproxy(daas_api__req *r, bool exec)
{
    daas_err e = {0};
    daas_api__proxy_dial d = {0};
    r->verb = exec ? DAAS_API_VERB_CREATE : DAAS_API_VERB_GET;
    daas_buf_init(&d.head, HEAD_MAX + r->http->body.len);
    int rc = prepare(r, exec, &d, &e);
    if (rc == DAAS_OK)
        rc = daas_api__proxy_start(r->api, r->resp, &d, &e);
    daas_buf_fini(&d.head);
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
        return;
    }
    /* The connection is the proxy's now: nothing more may be written through resp. */
    r->responded = true;
    daas_api__metrics_record(r->api, r->route.kind_index, r->verb, exec ? 101 : 200,
                             daas_mono_ns() - r->start_ns);
}
