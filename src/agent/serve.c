/*
 * serve.c: the agent's HTTPS endpoint: its in-memory TLS identity, the listener, who may
 * call it, routing, and finding the container a request names.
 *
 * Owns:   daas_agent_srv (serve_int.h): the SSL_CTX with a fresh P-256 key and a
 *         self-signed certificate (never written to disk), the HTTP server.
 * Does not own: log streaming (serve_logs.c), exec sessions (serve_exec.c), the runtime.
 * Invariants:
 *   - the TLS handshake demands a client certificate chained to the cluster CA
 *     (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) and every request is refused (403)
 *     unless that certificate's CN is DAAS_AGENT_SERVER_CN;
 *   - every error is a Kubernetes Status JSON.
 * Spec:   serve.h; kubelet server (pkg/kubelet/server) URLs and errors.
 */
#include "agent/serve_int.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "pki/pki.h"

/* The SSL_CTX: our key and certificate; clients must chain to ca_file. */
static int make_ctx(daas_agent_srv *s, const daas_agent_srv_opts *o, daas_err *err)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509_NAME) *names = NULL;
    const char *sans[] = {o->node_name, o->address};
    size_t nsans = o->address != NULL && o->address[0] != '\0' ? 2 : 1;
    int rc = daas_pki_self_signed(o->node_name, sans, nsans, &key, &cert, err);
    if (rc != DAAS_OK)
        goto out;
    s->tls = SSL_CTX_new(TLS_server_method());
    if (s->tls == NULL || SSL_CTX_set_min_proto_version(s->tls, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate(s->tls, cert) != 1 || SSL_CTX_use_PrivateKey(s->tls, key) != 1) {
        rc = daas_from_ssl(err, "agent endpoint: TLS context");
        goto out;
    }
    if (SSL_CTX_load_verify_locations(s->tls, o->ca_file, NULL) != 1 ||
        (names = SSL_load_client_CA_file(o->ca_file)) == NULL) {
        rc = daas_from_ssl(err, "agent endpoint: cluster CA");
        goto out;
    }
    SSL_CTX_set_client_CA_list(s->tls, names);
    SSL_CTX_set_verify(s->tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
        rc = daas_from_ssl(err, "agent endpoint: certificate digest");
        goto out;
    }
    daas_hex_encode(md, 32, s->sha256);
out:
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- requests ---- */

void daas_agent__fail(daas_http_resp *resp, int code, const char *msg)
{
    daas_buf b;
    daas_buf_init(&b, 4096);
    if (daas_http_status_json(&b, code, msg) != DAAS_OK) {
        daas_buf_reset(&b);
    }
    daas_http_respond(resp, daas_err_http(code), "application/json", NULL,
                      b.data != NULL ? b.data : "", b.len);
    daas_buf_fini(&b);
}

int daas_agent__query_bool(const char *query, const char *name, bool *out, daas_err *err)
{
    char *v = daas_http_query_get(query, name);
    int rc = DAAS_OK;
    *out = false;
    if (v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "") == 0)) {
        *out = true;
    } else if (v != NULL && strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
        rc = daas_fail(err, DAAS_EINVAL, "%s: not a boolean", name);
    }
    daas_free(v);
    return rc;
}

/* A DNS-1123 subdomain (pods, namespaces) or label (containers): [a-z0-9.-], <= 253. */
static bool dns_name(const char *s, bool label)
{
    size_t n = strlen(s);
    if (n == 0 || n > (label ? 63u : 253u) || s[0] == '-' || s[0] == '.' || s[n - 1] == '-') {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                  (*p == '.' && !label);
        if (!ok) {
            return false;
        }
    }
    return true;
}

int daas_agent__target_parse(const char *rest, const char *query, daas_agent__target *t,
                             daas_err *err)
{
    memset(t, 0, sizeof *t);
    const char *a = strchr(rest, '/');
    const char *b = a != NULL ? strchr(a + 1, '/') : NULL;
    if (a == NULL || b == NULL || strchr(b + 1, '/') != NULL) {
        return daas_fail(err, DAAS_ENOTFOUND, "expected /{namespace}/{pod}/{container}");
    }
    t->ns = daas_xstrndup(rest, (size_t)(a - rest));
    t->pod = daas_xstrndup(a + 1, (size_t)(b - a - 1));
    t->ctr = daas_xstrdup(b + 1);
    t->uid = daas_http_query_get(query, "podUID");
    int rc = DAAS_OK;
    if (!dns_name(t->ns, true) || !dns_name(t->pod, false) || !dns_name(t->ctr, true)) {
        rc = daas_fail(err, DAAS_EINVAL, "invalid namespace, pod or container name");
    } else if (t->uid == NULL || strlen(t->uid) < 8 ||
               strspn(t->uid, "0123456789abcdef-") != strlen(t->uid)) {
        rc = daas_fail(err, DAAS_EINVAL, "podUID: missing or not a pod uid");
    }
    if (rc != DAAS_OK) {
        daas_agent__target_fini(t);
    }
    return rc;
}

void daas_agent__target_fini(daas_agent__target *t)
{
    daas_free(t->ns);
    daas_free(t->pod);
    daas_free(t->ctr);
    daas_free(t->uid);
    daas_free(t->id);
    memset(t, 0, sizeof *t);
}

/* The run number of name when it is "<prefix><digits><suffix>", else -1. */
static long run_of(const char *name, const char *prefix, const char *suffix)
{
    size_t pl = strlen(prefix), sl = strlen(suffix), n = strlen(name);
    if (n <= pl + sl || strncmp(name, prefix, pl) != 0 || strcmp(name + n - sl, suffix) != 0) {
        return -1;
    }
    long v = 0;
    for (size_t i = pl; i < n - sl; i++) {
        if (name[i] < '0' || name[i] > '9' || v > 100000000) {
            return -1;
        }
        v = v * 10 + (name[i] - '0');
    }
    return v;
}

/* Keeps the two largest run numbers seen. */
static void note_run(long n, long top[2])
{
    if (n < 0 || n == top[0] || n == top[1]) {
        return;
    }
    if (n > top[0]) {
        top[1] = top[0];
        top[0] = n;
    } else if (n > top[1]) {
        top[1] = n;
    }
}

/* Runs with a log file: STATE/logs/<prefix><n>.log. */
static void scan_logs(daas_agent_srv *s, const char *prefix, long top[2])
{
    char *probe = daas_rt_log_path(s->rt, "x");
    probe[strlen(probe) - strlen("/x.log")] = '\0';
    DIR *d = opendir(probe);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        note_run(run_of(de->d_name, prefix, ".log"), top);
    }
    if (d != NULL) {
        closedir(d);
    }
    daas_free(probe);
}

int daas_agent__find_run(daas_agent_srv *s, daas_agent__target *t, bool previous, daas_err *err)
{
    char *first = daas_agent_ctr_id(t->uid, t->ctr, 0);
    char *prefix = daas_xstrndup(first, strlen(first) - 1); /* "<uid8>-<C>-" */
    daas_free(first);
    long top[2] = {-1, -1};
    scan_logs(s, prefix, top);
    char **ids = NULL;
    size_t n = 0;
    if (daas_rt_list(s->rt, &ids, &n, NULL) == DAAS_OK) {
        for (size_t i = 0; i < n; i++) {
            note_run(run_of(ids[i], prefix, ""), top);
        }
    }
    daas_rt_strv_free(&ids);
    daas_free(prefix);
    long want = previous ? top[1] : top[0];
    if (top[0] < 0) {
        return daas_fail(err, DAAS_ENOTFOUND, "container \"%s\" in pod \"%s\" not found", t->ctr,
                         t->pod);
    }
    if (want < 0) {
        return daas_fail(err, DAAS_EINVAL,
                         "previous terminated container \"%s\" in pod \"%s\" not found", t->ctr,
                         t->pod);
    }
    t->id = daas_agent_ctr_id(t->uid, t->ctr, (unsigned)want);
    return DAAS_OK;
}

static bool authorised(const daas_http_req *req)
{
    return req->peer != NULL && req->peer->verified &&
           strcmp(req->peer->cn, DAAS_AGENT_SERVER_CN) == 0;
}

static void handle(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    daas_agent_srv *s = arg;
    if (!authorised(req)) {
        daas_agent__fail(resp, DAAS_EDENIED, "only the API server may call the agent");
        return;
    }
    if (strncmp(req->path, "/containerLogs/", 15) == 0) {
        if (strcmp(req->method, "GET") != 0) {
            daas_agent__fail(resp, DAAS_EMETHOD, "containerLogs: GET only");
            return;
        }
        daas_agent__logs(s, req, resp, req->path + 15);
    } else if (strncmp(req->path, "/exec/", 6) == 0) {
        daas_agent__exec_handle(s, req, resp, req->path + 6);
    } else {
        daas_agent__fail(resp, DAAS_ENOTFOUND, "no such endpoint");
    }
}

int daas_agent_srv_new(const daas_agent_srv_opts *o, daas_agent_srv **out, daas_err *err)
{
    *out = NULL;
    if (o->ca_file == NULL || o->node_name == NULL || o->rt == NULL) {
        return daas_fail(err, DAAS_EINVAL, "agent endpoint: CA file, node name, runtime needed");
    }
    daas_agent_srv *s = daas_xcalloc(1, sizeof *s);
    s->rt = o->rt;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    int rc = make_ctx(s, o, err);
    if (rc == DAAS_OK) {
        daas_http_config cfg = {0};
        cfg.bind_addr = o->bind_addr != NULL ? o->bind_addr : "0.0.0.0";
        cfg.port = o->port;
        cfg.tls = s->tls;
        cfg.threads = 2;
        cfg.handler = handle;
        cfg.arg = s;
        cfg.idle_timeout_s = 120;
        rc = daas_http_server_new(&cfg, &s->http, err);
    }
    if (rc == DAAS_OK) {
        rc = daas_http_server_start(s->http, err);
    }
    if (rc != DAAS_OK) {
        daas_agent_srv_free(&s);
        return rc;
    }
    DAAS_DEBUG("agent", "endpoint on port %d, certificate sha256 %s", daas_http_server_port(s->http),
              s->sha256);
    *out = s;
    return DAAS_OK;
}

int daas_agent_srv_port(const daas_agent_srv *s)
{
    return daas_http_server_port(s->http);
}

const char *daas_agent_srv_cert_sha256(const daas_agent_srv *s)
{
    return s->sha256;
}

void daas_agent_srv_free(daas_agent_srv **sp)
{
    if (sp == NULL || *sp == NULL) {
        return;
    }
    daas_agent_srv *s = *sp;
    if (s->http != NULL) {
        daas_agent__exec_stop_all(s); /* hijacked sessions first: they live on the loops */
        daas_http_server_stop(s->http);
        daas_http_server_free(&s->http);
    }
    SSL_CTX_free(s->tls);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    daas_free(s);
    *sp = NULL;
}
