/*
 * enclave.c: the enclave service: its boot key, its attestation source, its route table
 * and the Nautilus endpoints (GET /, /health_check, /get_attestation).
 *
 * Owns:   the daas_enclave: the Ed25519 key in sodium_malloc'd memory (locked, guarded,
 *         read-only after boot, wiped on free), the NSM path or the debug CA, the routes.
 * Not:    the socket (addr.c), the HTTP machinery (api/http.c), the scheduler's endpoints
 *         (sched/, added through daas_enclave_route_add), verifying documents (attest*.c).
 * Model:  Nautilus' server: plain HTTP, JSON answers, lowercase hex, errors as
 *         400 {"error": "..."}. No TLS inside the enclave: the enclave has no network, its
 *         only channel is vsock to the parent (relayed by the parent's vsock-proxy), and
 *         Nautilus serves plain HTTP there too. Clients do not trust the channel; they
 *         trust signatures: the attestation binds the public key, the key signs every
 *         answer that matters (intent messages), so a relay that alters bytes is detected.
 * Invariants:
 *   - the secret key never leaves the process: no getter, never logged, never in an error;
 *   - routes are added before serve and only read afterwards (no lock needed);
 *   - attestation requests are serialised by attest_lock (the CA's key and the NSM device
 *     see one request at a time).
 * Spec:   specs/nautilus.md §1.2, §1.4, §5; ARCHITECTURE.md §3.3.
 */
#include "enclave/enclave_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"

#define MOD "enclave"
#define MAX_ROUTES 32

typedef struct route {
    char *method; /* "GET", ... (compared exactly) */
    char *path;   /* exact decoded path */
    daas_enclave_handler fn;
    void *arg;
} route;

struct daas_enclave {
    daas_enclave__key *key;      /* sodium_malloc'd, read-only after boot */
    bool debug;                  /* no NSM: debug documents signed by ca */
    char *nsm_path;              /* the NSM device (when !debug) */
    daas_enclave_debug_ca *ca;   /* the dev CA (when debug) */
    char module_id[64];          /* debug documents' module_id, fixed at boot */
    pthread_mutex_t attest_lock; /* serialises daas_enclave_attest */
    route routes[MAX_ROUTES];    /* written before serve only */
    size_t nroutes;
    bool serving; /* routes frozen */
};

/* ---- replies ---- */

/* Contract in enclave.h. */
void daas_enclave_reply(daas_http_resp *resp, int status, const char *json)
{
    daas_http_respond(resp, status, "application/json", NULL, json, strlen(json));
}

/* Contract in enclave.h. */
void daas_enclave_reply_error(daas_http_resp *resp, int status, const char *msg)
{
    json_t *o = json_pack("{s:s}", "error", msg);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    daas_enclave_reply(resp, status, s != NULL ? s : "{\"error\":\"unprintable error\"}");
    free(s);
    json_decref(o);
}

/* ---- the Nautilus endpoints ---- */

static void on_ping(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    daas_http_respond(resp, 200, "text/plain; charset=utf-8", NULL, "Pong!", 5);
}

/* SPEC: specs/nautilus.md §1.2: {"pk": hex, "endpoints_status": {}}. The enclave reaches
 * no outside endpoints, so the map is empty, as in a Nautilus HEAD build. */
static void on_health(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    char hex[2 * DAAS_ENCLAVE_PK_LEN + 1], body[256];
    sodium_bin2hex(hex, sizeof hex, e->key->pk, DAAS_ENCLAVE_PK_LEN);
    snprintf(body, sizeof body, "{\"pk\":\"%s\",\"endpoints_status\":{}}", hex);
    daas_enclave_reply(resp, 200, body);
}

/* SPEC: specs/nautilus.md §1.2: {"attestation": hex}, a fresh document per call. */
static void on_attestation(daas_enclave *e, void *arg, const daas_http_req *req,
                           daas_http_resp *resp)
{
    daas_buf doc;
    daas_err err = {0};
    daas_buf_init(&doc, DAAS_ENCLAVE_DOC_MAX);
    int rc = daas_enclave_attest(e, &doc, &err);
    if (rc != DAAS_OK) {
        DAAS_WARN(MOD, "attestation failed: %s", err.msg);
        daas_enclave_reply_error(resp, 400, err.msg);
        daas_buf_fini(&doc);
        return;
    }
    static const char head[] = "{\"attestation\":\"", tail[] = "\"}";
    size_t n = sizeof head - 1 + 2 * doc.len + sizeof tail;
    char *body = daas_xmalloc(n);
    memcpy(body, head, sizeof head - 1);
    sodium_bin2hex(body + sizeof head - 1, 2 * doc.len + 1, (const uint8_t *)doc.data, doc.len);
    memcpy(body + n - sizeof tail, tail, sizeof tail);
    daas_http_respond(resp, 200, "application/json", NULL, body, n - 1);
    daas_free(body);
    daas_buf_fini(&doc);
}

/* ---- routes ---- */

/* Contract in enclave.h. */
int daas_enclave_route_add(daas_enclave *e, const char *method, const char *path,
                           daas_enclave_handler handler, void *arg, daas_err *err)
{
    if (e->serving)
        return daas_fail(err, DAAS_EINVAL, "enclave: routes are fixed once serving");
    if (method == NULL || path == NULL || path[0] != '/' || handler == NULL)
        return daas_fail(err, DAAS_EINVAL, "enclave: bad route");
    if (e->nroutes == MAX_ROUTES)
        return daas_fail(err, DAAS_EINVAL, "enclave: more than %d routes", MAX_ROUTES);
    for (size_t i = 0; i < e->nroutes; i++)
        if (strcmp(e->routes[i].method, method) == 0 && strcmp(e->routes[i].path, path) == 0)
            return daas_fail(err, DAAS_EEXIST, "enclave: route %s %s exists", method, path);
    route *r = &e->routes[e->nroutes++];
    r->method = daas_xstrdup(method);
    r->path = daas_xstrdup(path);
    r->fn = handler;
    r->arg = arg;
    return DAAS_OK;
}

/* Contract in enclave.h. */
void daas_enclave_handle(daas_enclave *e, const daas_http_req *req, daas_http_resp *resp)
{
    bool path_known = false;
    for (size_t i = 0; i < e->nroutes; i++) {
        const route *r = &e->routes[i];
        if (strcmp(r->path, req->path) != 0)
            continue;
        if (strcmp(r->method, req->method) == 0) {
            r->fn(e, r->arg, req, resp);
            return;
        }
        path_known = true;
    }
    if (path_known)
        daas_enclave_reply_error(resp, 405, "method not allowed");
    else
        daas_enclave_reply_error(resp, 404, "not found");
}

static void on_request(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    daas_enclave_handle(arg, req, resp);
}

/* ---- the key and the attestation ---- */

static int make_key(daas_enclave *e, daas_err *err)
{
    uint8_t seed[32];
    if (sodium_init() < 0)
        return daas_fail(err, DAAS_ECRYPTO, "enclave: libsodium cannot start");
    /* Guard pages around it, mlock'ed (never swapped), read-only once written. */
    e->key = sodium_malloc(sizeof *e->key);
    if (e->key == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "enclave: no locked memory for the key");
    daas_random(seed, sizeof seed);
    daas_enclave__key_from_seed(seed, e->key);
    sodium_memzero(seed, sizeof seed);
    if (sodium_mprotect_readonly(e->key) != 0)
        return daas_fail(err, DAAS_EINTERNAL, "enclave: cannot protect the key's memory");
    return DAAS_OK;
}

static int pick_source(daas_enclave *e, const daas_enclave_opts *o, daas_err *err)
{
    const char *nsm = o->nsm_path != NULL ? o->nsm_path : DAAS_ENCLAVE_NSM_DEV;
    uint8_t rnd[8];
    if (access(nsm, F_OK) == 0) {
        e->nsm_path = daas_xstrdup(nsm);
        return DAAS_OK;
    }
    if (o->debug_ca_dir == NULL)
        return daas_fail(err, DAAS_EINVAL, "enclave: no %s and no debug CA directory", nsm);
    e->debug = true;
    daas_random(rnd, sizeof rnd);
    char hex[2 * sizeof rnd + 1];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(e->module_id, sizeof e->module_id, "%senc%s", DAAS_ENCLAVE_DEBUG_MODULE_PREFIX, hex);
    return daas_enclave_debug_ca_open(o->debug_ca_dir, &e->ca, err);
}

/* Contract in enclave.h. */
int daas_enclave_attest(daas_enclave *e, daas_buf *doc, daas_err *err)
{
    const daas_bytes pk = DAAS_BYTES(e->key->pk, DAAS_ENCLAVE_PK_LEN);
    int rc;
    pthread_mutex_lock(&e->attest_lock);
    if (e->debug)
        rc = daas_enclave_debug_doc(e->ca, e->module_id, daas_now_ms(), pk, doc, err);
    else
        rc = daas_enclave_nsm_attest(e->nsm_path, pk, doc, err);
    pthread_mutex_unlock(&e->attest_lock);
    return rc;
}

static int add_builtin_routes(daas_enclave *e, daas_err *err)
{
    int rc = daas_enclave_route_add(e, "GET", "/", on_ping, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "GET", "/health_check", on_health, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_route_add(e, "GET", "/get_attestation", on_attestation, NULL, err);
    return rc;
}

/* A first document at boot: a broken NSM or CA fails the start, not the first client. */
static int probe(daas_enclave *e, daas_err *err)
{
    daas_buf doc;
    daas_buf_init(&doc, DAAS_ENCLAVE_DOC_MAX);
    int rc = daas_enclave_attest(e, &doc, err);
    if (rc == DAAS_OK)
        DAAS_INFO(MOD, "attestation source: %s (%zu-byte document)",
                  e->debug ? "DEBUG document signed by the dev CA" : e->nsm_path, doc.len);
    daas_buf_fini(&doc);
    return rc;
}

/* Contract in enclave.h. */
int daas_enclave_new(const daas_enclave_opts *opts, daas_enclave **out, daas_err *err)
{
    daas_enclave *e = daas_xcalloc(1, sizeof *e);
    pthread_mutex_init(&e->attest_lock, NULL);
    int rc = make_key(e, err);
    if (rc == DAAS_OK)
        rc = pick_source(e, opts, err);
    if (rc == DAAS_OK)
        rc = add_builtin_routes(e, err);
    if (rc == DAAS_OK)
        rc = probe(e, err);
    if (rc != DAAS_OK) {
        daas_enclave_free(&e);
        return rc;
    }
    *out = e;
    return DAAS_OK;
}

/* Contract in enclave.h. */
void daas_enclave_free(daas_enclave **pe)
{
    if (pe == NULL || *pe == NULL)
        return;
    daas_enclave *e = *pe;
    if (e->key != NULL)
        sodium_free(e->key); /* makes it writable, wipes it, unmaps it */
    for (size_t i = 0; i < e->nroutes; i++) {
        daas_free(e->routes[i].method);
        daas_free(e->routes[i].path);
    }
    daas_enclave_debug_ca_free(&e->ca);
    daas_free(e->nsm_path);
    pthread_mutex_destroy(&e->attest_lock);
    daas_free(e);
    *pe = NULL;
}

/* Contract in enclave.h. */
bool daas_enclave_is_debug(const daas_enclave *e)
{
    return e->debug;
}

/* Contract in enclave.h. */
void daas_enclave_public_key(const daas_enclave *e, uint8_t pk[DAAS_ENCLAVE_PK_LEN])
{
    memcpy(pk, e->key->pk, DAAS_ENCLAVE_PK_LEN);
}

/* Contract in enclave.h. */
int daas_enclave_sign(const daas_enclave *e, uint8_t intent, uint64_t timestamp_ms,
                      daas_bytes payload, uint8_t sig[DAAS_ENCLAVE_SIG_LEN], daas_err *err)
{
    return daas_enclave__intent_sign(e->key, intent, timestamp_ms, payload, sig, err);
}

/* Contract in enclave.h. */
int daas_enclave_serve(daas_enclave *e, int listen_fd, int threads, daas_http_server **out,
                       daas_err *err)
{
    daas_http_config cfg = {.listen_fd = listen_fd,
                            .threads = threads > 0 ? threads : 2,
                            .handler = on_request,
                            .arg = e};
    daas_http_server *srv = NULL;
    if (listen_fd <= 0)
        return daas_fail(err, DAAS_EINVAL, "enclave: no listening socket");
    e->serving = true;
    int rc = daas_http_server_new(&cfg, &srv, err);
    if (rc == DAAS_OK)
        rc = daas_http_server_start(srv, err);
    if (rc != DAAS_OK) {
        daas_http_server_free(&srv);
        return rc;
    }
    DAAS_INFO(MOD, "serving plain HTTP, no TLS: inside a Nitro Enclave the only channel is "
                   "vsock to the parent; clients check the attestation and the signatures, "
                   "not the channel");
    *out = srv;
    return DAAS_OK;
}
