/*
 * server.c: the key server's lifecycle and HTTP routes: /v1/fetch_key, /v1/service, /health,
 * /metrics, CORS preflight; the version headers on every /v1 reply; one log line per
 * request.
 *
 * Owns:   daas_ks (keyserver.h), its HTTP server and counters.
 * Invariants:
 *   - a /v1 request passes the SDK-version middleware before its handler runs;
 *   - bodies over 180 KiB never reach a handler (the HTTP layer answers 413);
 *   - the master key is copied in once, wiped in daas_ks_free, and never logged.
 * Spec:   specs/seal.md §6.1, §6.2, §6.10, §6.11.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "keyserver/ks_int.h"

#define MOD "keyserver"

#ifndef DAAS_VERSION
#define DAAS_VERSION "0.0.0"
#endif

/* CORS: any origin, method and header; every header exposed (SPEC: specs/seal.md §6.1). */
#define CORS_HEADERS "Access-Control-Allow-Origin: *", "Access-Control-Expose-Headers: *"

static const char *const v1_headers[] = {DAAS_SEAL_HDR_KS_VERSION ": " DAAS_SEAL_KS_VERSION,
                                         DAAS_SEAL_HDR_KS_GIT_VERSION ": daas-" DAAS_VERSION,
                                         CORS_HEADERS, NULL};
static const char *const plain_headers[] = {CORS_HEADERS, NULL};
static const char *const preflight_headers[] = {CORS_HEADERS, "Access-Control-Allow-Methods: *",
                                                "Access-Control-Allow-Headers: *",
                                                "Access-Control-Max-Age: 86400", NULL};

int64_t daas_ks__now(const daas_ks *ks)
{
    return ks->cfg.now_ms != NULL ? ks->cfg.now_ms() : daas_now_ms();
}

static void reply_json(daas_http_resp *resp, int status, const daas_buf *b)
{
    daas_http_respond(resp, status, "application/json", v1_headers, b->data ? b->data : "", b->len);
}

/* Answers a Seal error {"error", "message"} with its status. */
static void reply_error(daas_ks *ks, daas_http_resp *resp, daas_seal_errcode e, const char *detail)
{
    daas_buf b;

    atomic_fetch_add_explicit(&ks->stats.errors[e <= DAAS_SEAL_E_UNKNOWN ? e : 0], 1,
                              memory_order_relaxed);
    daas_buf_init(&b, 0);
    if (daas_seal_error_render(e, detail, &b, NULL) != DAAS_OK)
        daas_buf_reset(&b);
    reply_json(resp, daas_seal_error_http(e), &b);
    daas_buf_fini(&b);
}

/* Plain-text answers for bodies the JSON extractor refuses (as axum does). */
static void reply_text(daas_ks *ks, daas_http_resp *resp, int status, const char *text)
{
    atomic_fetch_add_explicit(&ks->stats.bad_body, 1, memory_order_relaxed);
    daas_http_respond(resp, status, "text/plain; charset=utf-8", v1_headers, text, strlen(text));
}

/* GET /v1/service?service_id=0x… (SPEC: specs/seal.md §6.10). */
static void handle_service(daas_ks *ks, const daas_http_req *req, daas_http_resp *resp)
{
    char *sid = daas_http_query_get(req->query, "service_id");
    uint8_t id[DAAS_SEAL_ADDR_LEN];
    daas_buf b;

    if (sid == NULL || strncmp(sid, "0x", 2) != 0 ||
        daas_sui_address_parse(sid, id, NULL) != DAAS_OK ||
        memcmp(id, ks->cfg.object_id, DAAS_SEAL_ADDR_LEN) != 0) {
        daas_free(sid);
        reply_error(ks, resp, DAAS_SEAL_E_INVALID_SERVICE_ID, NULL);
        return;
    }
    daas_free(sid);
    daas_buf_init(&b, 0);
    if (daas_seal_service_render(ks->cfg.object_id, ks->pop, &b, NULL) == DAAS_OK) {
        atomic_fetch_add_explicit(&ks->stats.service, 1, memory_order_relaxed);
        reply_json(resp, 200, &b);
    } else {
        reply_error(ks, resp, DAAS_SEAL_E_FAILURE, NULL);
    }
    daas_buf_fini(&b);
}

static bool is_json(const daas_http_req *req)
{
    const char *ct = daas_http_req_header(req, "Content-Type");
    size_t n = strlen("application/json");

    return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void log_fetch(const daas_seal_fetch_req *r, const uint8_t pkg[32], int status,
                      daas_seal_errcode e, int64_t t0)
{
    char user[DAAS_SUI_ADDRESS_HEX_LEN + 1], p[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    double ms = (double)(daas_mono_ns() - t0) / 1e6;

    daas_sui_address_hex(r->cert.user, user);
    daas_sui_address_hex(pkg, p);
    DAAS_INFO(MOD, "fetch_key %d %s user %s package %s %.1fms", status,
              e == DAAS_SEAL_E_NONE ? "ok" : daas_seal_error_name(e), user, p, ms);
}

/* POST /v1/fetch_key (SPEC: specs/seal.md §6.3, §6.7). */
static void handle_fetch(daas_ks *ks, const daas_http_req *req, daas_http_resp *resp)
{
    int64_t t0 = daas_mono_ns();
    char detail[DAAS_KS_DETAIL] = "";
    uint8_t pkg[DAAS_SEAL_ADDR_LEN] = {0};
    daas_seal_fetch_req r;
    daas_seal_errcode e;
    daas_err err = {0};
    daas_buf out;

    if (!is_json(req)) {
        reply_text(ks, resp, 415, "Expected request with `Content-Type: application/json`");
        return;
    }
    if (daas_seal_fetch_req_parse(req->body, &r, &err) != DAAS_OK) {
        char text[320];
        bool syntax = strstr(err.msg, "invalid JSON") != NULL;
        snprintf(text, sizeof text, "Failed to %s: %s",
                 syntax ? "parse the request body as JSON"
                        : "deserialize the JSON body into the target type",
                 err.msg);
        DAAS_INFO(MOD, "fetch_key %d from %s: %s", syntax ? 400 : 422, req->remote, err.msg);
        reply_text(ks, resp, syntax ? 400 : 422, text);
        return;
    }
    uint8_t ek[DAAS_SEAL_G1_RAW_LEN]; /* checked once here, used by every key's ElGamal */
    if (daas_seal_enc_key_decode(r.enc_key, ek, NULL) != DAAS_OK ||
        daas_seal_pk_check(r.enc_vk, NULL) != DAAS_OK) {
        reply_text(ks, resp, 422,
                   "Failed to deserialize the JSON body into the target type: "
                   "enc_key or enc_verification_key: invalid group element");
        daas_seal_fetch_req_fini(&r);
        return;
    }
    daas_buf_init(&out, 0);
    e = daas_ks__fetch(ks, &r, ek, &out, pkg, detail, sizeof detail);
    if (e == DAAS_SEAL_E_NONE) {
        atomic_fetch_add_explicit(&ks->stats.fetch_ok, 1, memory_order_relaxed);
        reply_json(resp, 200, &out);
    } else {
        reply_error(ks, resp, e, detail);
    }
    atomic_fetch_add_explicit(&ks->stats.fetch_us, (uint64_t)(daas_mono_ns() - t0) / 1000,
                              memory_order_relaxed);
    log_fetch(&r, pkg, e == DAAS_SEAL_E_NONE ? 200 : daas_seal_error_http(e), e, t0);
    daas_buf_fini(&out);
    daas_seal_fetch_req_fini(&r);
}

static void handle_metrics(daas_ks *ks, daas_http_resp *resp)
{
    daas_buf b;
    int rc;
    const daas_ks__stats *s = &ks->stats;

    daas_buf_init(&b, 0);
    rc = daas_buf_printf(
        &b,
        "# TYPE daas_keyserver_requests_total counter\n"
        "daas_keyserver_requests_total %llu\n"
        "# TYPE daas_keyserver_service_requests_total counter\n"
        "daas_keyserver_service_requests_total %llu\n"
        "# TYPE daas_keyserver_fetch_key_ok_total counter\n"
        "daas_keyserver_fetch_key_ok_total %llu\n"
        "# TYPE daas_keyserver_keys_total counter\n"
        "daas_keyserver_keys_total %llu\n"
        "# TYPE daas_keyserver_bad_body_total counter\n"
        "daas_keyserver_bad_body_total %llu\n"
        "# TYPE daas_keyserver_fetch_key_seconds_total counter\n"
        "daas_keyserver_fetch_key_seconds_total %.6f\n"
        "# TYPE daas_keyserver_errors_total counter\n",
        (unsigned long long)atomic_load(&s->requests), (unsigned long long)atomic_load(&s->service),
        (unsigned long long)atomic_load(&s->fetch_ok), (unsigned long long)atomic_load(&s->keys),
        (unsigned long long)atomic_load(&s->bad_body), (double)atomic_load(&s->fetch_us) / 1e6);
    for (int e = DAAS_SEAL_E_INVALID_PTB; e < DAAS_SEAL_E_UNKNOWN && rc == DAAS_OK; e++)
        rc = daas_buf_printf(&b, "daas_keyserver_errors_total{error=\"%s\"} %llu\n",
                             daas_seal_error_name((daas_seal_errcode)e),
                             (unsigned long long)atomic_load(&s->errors[e]));
    daas_http_respond(resp, rc == DAAS_OK ? 200 : 500, "text/plain; version=0.0.4", plain_headers,
                      b.data ? b.data : "", b.len);
    daas_buf_fini(&b);
}

static void handle(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    daas_ks *ks = arg;
    bool get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    daas_seal_errcode e;

    atomic_fetch_add_explicit(&ks->stats.requests, 1, memory_order_relaxed);
    if (strcmp(req->method, "OPTIONS") == 0) {
        daas_http_respond(resp, 200, "text/plain", preflight_headers, "", 0);
    } else if (get && strcmp(req->path, "/health") == 0) {
        daas_http_respond(resp, 200, "text/plain", plain_headers, "OK", 2);
    } else if (get && strcmp(req->path, "/metrics") == 0) {
        handle_metrics(ks, resp);
    } else if ((get && strcmp(req->path, "/v1/service") == 0) ||
               (post && strcmp(req->path, "/v1/fetch_key") == 0)) {
        e = daas_ks__check_sdk(req);
        if (e != DAAS_SEAL_E_NONE) {
            /* req's strings live until the response is sent: log first */
            DAAS_INFO(MOD, "%s %d %s from %s", req->path, daas_seal_error_http(e),
                      daas_seal_error_name(e), req->remote);
            reply_error(ks, resp, e, NULL);
        } else if (get) {
            handle_service(ks, req, resp);
        } else {
            handle_fetch(ks, req, resp);
        }
    } else if (strcmp(req->path, "/v1/service") == 0 || strcmp(req->path, "/v1/fetch_key") == 0) {
        daas_http_respond(resp, 405, "text/plain", v1_headers, "", 0);
    } else {
        daas_http_respond(resp, 404, "text/plain", plain_headers, "", 0);
    }
}

int daas_ks_new(const daas_ks_config *cfg, daas_ks **out, daas_err *err)
{
    daas_ks *ks;
    int rc;

    *out = NULL;
    if (cfg->client == NULL)
        return daas_fail(err, DAAS_EINVAL, "key server: no chain client");
    if (sodium_init() < 0)
        return daas_fail(err, DAAS_ECRYPTO, "libsodium initialisation failed");
    ks = daas_xcalloc(1, sizeof *ks);
    ks->cfg = *cfg;
    for (size_t i = 0; i < cfg->n_known_pkgs && i < DAAS_KS_KNOWN_PKGS; i++)
        memcpy(ks->known[ks->nknown++], cfg->known_pkgs[i], DAAS_SEAL_ADDR_LEN);
    ks->cfg.known_pkgs = NULL; /* borrowed: not kept */
    ks->cfg.n_known_pkgs = 0;
    pthread_mutex_init(&ks->mu, NULL);
    daas_ks__usk_init(ks);
    rc = daas_seal_msk_check(ks->cfg.msk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_public_key(ks->cfg.msk, ks->pk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_pop(ks->cfg.msk, ks->cfg.object_id, ks->pop, err);
    if (rc == DAAS_OK) {
        daas_http_config hc = {
            .bind_addr = cfg->bind != NULL ? cfg->bind : "127.0.0.1",
            .port = cfg->port,
            .tls = cfg->tls,
            .threads = cfg->threads > 0 ? cfg->threads : 4,
            .limits = {.max_body = DAAS_SEAL_MAX_BODY},
            .handler = handle,
            .arg = ks,
        };
        rc = daas_http_server_new(&hc, &ks->http, err);
    }
    if (rc != DAAS_OK) {
        daas_ks_free(&ks);
        return rc;
    }
    *out = ks;
    return DAAS_OK;
}

int daas_ks_start(daas_ks *ks, daas_err *err)
{
    return daas_http_server_start(ks->http, err);
}

int daas_ks_port(const daas_ks *ks)
{
    return daas_http_server_port(ks->http);
}

void daas_ks_public_key(const daas_ks *ks, uint8_t pk[DAAS_SEAL_G2_LEN])
{
    memcpy(pk, ks->pk, DAAS_SEAL_G2_LEN);
}

void daas_ks_stop(daas_ks *ks)
{
    if (ks != NULL && ks->http != NULL)
        daas_http_server_stop(ks->http);
}

void daas_ks_free(daas_ks **pks)
{
    daas_ks *ks = pks != NULL ? *pks : NULL;

    if (ks == NULL)
        return;
    daas_ks_stop(ks);
    daas_http_server_free(&ks->http);
    pthread_mutex_destroy(&ks->mu);
    daas_ks__usk_fini(ks);
    daas_seal_wipe(ks->cfg.msk, sizeof ks->cfg.msk);
    daas_free(ks);
    *pks = NULL;
}
