/*
 * kubeclient.c: the agent's Kubernetes API client (see kubeclient.h).
 *
 * Owns:   one libcurl easy handle kept for the client's life (keep-alive to the server), the
 *         current wallet token and its expiry, or the copies of a client certificate, its key
 *         and a static token (handed to curl as NOCOPY blobs: no copy of the key is made that
 *         is not wiped).
 * Invariants: see kubeclient.h; a token is renewed when less than a minute of it is left;
 *         a watch holds at most one event (DAAS_AGENT_KC_MAX_EVENT) in memory at a time.
 */
#include <pthread.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "agent/kubeclient.h"
#include "common/alloc.h"
#include "common/util.h"
#include "sui/token.h"

#define TOKEN_TTL_MS (5 * 60 * 1000)
#define TOKEN_MARGIN_MS (60 * 1000)
#define MAX_REPLY ((size_t)64 << 20)

struct daas_agent_kc {
    char *server, *ca_file, *cluster_id; /* cluster_id NULL without a Sui key */
    char *ca_pem, *cert_pem;             /* NULL: none */
    char *key_pem;                       /* the client key (secret, wiped at free), or NULL */
    const daas_sui_key *key;             /* NULL: token is static (or NULL: no header) */
    long timeout_ms;
    CURL *h;
    char *token; /* the wallet token (renewed) or the static one; secret */
    int64_t token_expiry_ms;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int daas_agent_kc_new(const daas_agent_kc_opts *o, daas_agent_kc **out, daas_err *err)
{
    *out = NULL;
    if (!o->server || strncmp(o->server, "https://", 8) != 0)
        return daas_fail(err, DAAS_EINVAL, "the server URL must start with https://");
    if (o->key && !daas_sui_token_cluster_id_ok(o->cluster_id ? o->cluster_id : ""))
        return daas_fail(err, DAAS_EINVAL, "a key and a valid cluster id are needed");
    if ((o->cert_pem == NULL) != (o->key_pem == NULL))
        return daas_fail(err, DAAS_EINVAL, "a client certificate needs its key");
    for (const char *t = o->key ? "" : (o->token ? o->token : ""); *t != '\0'; t++)
        if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
            return daas_fail(err, DAAS_EINVAL, "the token holds a byte not allowed in a header");
    pthread_once(&curl_once, curl_init);
    if (curl_rc != CURLE_OK)
        return daas_fail(err, DAAS_EINTERNAL, "libcurl did not initialise");
    daas_agent_kc *c = daas_xcalloc(1, sizeof *c);
    size_t n = strlen(o->server);
    while (n > 0 && o->server[n - 1] == '/')
        n--;
    c->server = daas_xstrndup(o->server, n);
    c->ca_file = o->ca_file ? daas_xstrdup(o->ca_file) : NULL;
    c->cluster_id = o->key ? daas_xstrdup(o->cluster_id) : NULL;
    c->ca_pem = o->ca_pem ? daas_xstrdup(o->ca_pem) : NULL;
    c->cert_pem = o->cert_pem ? daas_xstrdup(o->cert_pem) : NULL;
    c->key_pem = o->key_pem ? daas_xstrdup(o->key_pem) : NULL;
    c->token = !o->key && o->token ? daas_xstrdup(o->token) : NULL;
    c->key = o->key;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
    c->h = curl_easy_init();
    if (!c->h) {
        daas_agent_kc_free(&c);
        return daas_fail(err, DAAS_EINTERNAL, "libcurl: no handle");
    }
    *out = c;
    return DAAS_OK;
}

static void wipe_free(char *s)
{
    if (s)
        sodium_memzero(s, strlen(s));
    daas_free(s);
}

void daas_agent_kc_free(daas_agent_kc **c)
{
    if (!c || !*c)
        return;
    if ((*c)->h)
        curl_easy_cleanup((*c)->h);
    wipe_free((*c)->token);
    wipe_free((*c)->key_pem);
    daas_free((*c)->ca_pem);
    daas_free((*c)->cert_pem);
    daas_free((*c)->server);
    daas_free((*c)->ca_file);
    daas_free((*c)->cluster_id);
    daas_free(*c);
    *c = NULL;
}

/* A token with at least TOKEN_MARGIN_MS left. */
static int token(daas_agent_kc *c, daas_err *err)
{
    if (!c->key)
        return DAAS_OK; /* a static token, or none */
    int64_t now = daas_now_ms();
    if (c->token && now + TOKEN_MARGIN_MS < c->token_expiry_ms)
        return DAAS_OK;
    if (c->token) {
        sodium_memzero(c->token, strlen(c->token));
        daas_free(c->token);
        c->token = NULL;
    }
    return daas_sui_token_make(c->key, c->cluster_id, now, TOKEN_TTL_MS, &c->token,
                               &c->token_expiry_ms, err);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    return daas_buf_append(arg, p, size * n) == DAAS_OK ? size * n : 0;
}

/* Turns a reply into *out or an error with the Status message. */
static int reply(const char *method, const char *path, long status, const daas_buf *b, json_t **out,
                 daas_err *err)
{
    json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
    if (status >= 200 && status < 300) {
        if (!j && b->len > 0)
            return daas_fail(err, DAAS_EREMOTE, "%s %s: the reply is not JSON", method, path);
        if (out)
            *out = j;
        else
            json_decref(j);
        return DAAS_OK;
    }
    const char *msg = json_string_value(json_object_get(j, "message"));
    const char *reason = json_string_value(json_object_get(j, "reason"));
    int rc = daas_fail(err, daas_err_from_http(status, reason), "%s %s: HTTP %ld: %.160s", method,
                       path, status, msg ? msg : "no Status message");
    json_decref(j);
    return rc;
}

/* The options every request shares: URL, method, headers, TLS verification. */
static void setup(daas_agent_kc *c, CURL *h, const char *url, const char *method,
                  struct curl_slist *hdrs, char *errbuf)
{
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_pem) {
        /* NOCOPY: curl reads our copies (alive as long as the client), so no unwiped copy of
         * the key is left in curl's memory */
        struct curl_blob ca = {c->ca_pem, strlen(c->ca_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    } else if (c->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    }
    if (c->cert_pem) {
        struct curl_blob crt = {c->cert_pem, strlen(c->cert_pem), CURL_BLOB_NOCOPY};
        struct curl_blob key = {c->key_pem, strlen(c->key_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &crt);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
}

/* The headers of a request: Authorization when there is a token, then extra (may be NULL).
 * *auth is the Authorization line (secret: the caller wipes and frees it). */
static struct curl_slist *headers(const daas_agent_kc *c, const char *extra, char **auth)
{
    struct curl_slist *hdrs = NULL;
    *auth = c->token ? daas_xasprintf("Authorization: Bearer %s", c->token) : NULL;
    if (*auth)
        hdrs = curl_slist_append(hdrs, *auth);
    if (extra)
        hdrs = curl_slist_append(hdrs, extra);
    return curl_slist_append(hdrs, "Accept: application/json");
}

/* Sends one request and reads the answer into b; *status is its HTTP status. Errors: the
 * token's, DAAS_EUNAVAIL (no answer), DAAS_EREMOTE (no status). */
static int perform(daas_agent_kc *c, const char *method, const char *path, const json_t *body,
                   const char *content_type, long *status, daas_buf *b, daas_err *err)
{
    *status = 0;
    int rc = token(c, err);
    if (rc != DAAS_OK)
        return rc;
    char *url = daas_xasprintf("%s%s", c->server, path);
    char *auth;
    char *ctype =
        daas_xasprintf("Content-Type: %s", content_type ? content_type : "application/json");
    char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct curl_slist *hdrs = headers(c, ctype, &auth);
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = c->h;
    setup(c, h, url, method, hdrs, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    if (data) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(data));
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK)
        rc = daas_fail(err, DAAS_EUNAVAIL, "%s %s: %s", method, path,
                       errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "%s %s: no HTTP status", method, path);
    curl_slist_free_all(hdrs);
    wipe_free(auth);
    free(data); /* jansson's allocator */
    daas_free(url);
    daas_free(ctype);
    return rc;
}

int daas_agent_kc_call(daas_agent_kc *c, const char *method, const char *path, const json_t *body,
                       const char *content_type, json_t **out, daas_err *err)
{
    if (out)
        *out = NULL;
    daas_buf b;
    daas_buf_init(&b, MAX_REPLY);
    long status;
    int rc = perform(c, method, path, body, content_type, &status, &b, err);
    if (rc == DAAS_OK)
        rc = reply(method, path, status, &b, out, err);
    daas_buf_fini(&b);
    return rc;
}

int daas_agent_kc_request(daas_agent_kc *c, const char *method, const char *path,
                          const json_t *body, const char *content_type, long *status, json_t **out,
                          daas_err *err)
{
    *out = NULL;
    daas_buf b;
    daas_buf_init(&b, MAX_REPLY);
    int rc = perform(c, method, path, body, content_type, status, &b, err);
    if (rc == DAAS_OK && b.len > 0)
        *out = json_loadb(b.data, b.len, 0, NULL);
    daas_buf_fini(&b);
    return rc;
}

int daas_agent_kc_clone(const daas_agent_kc *c, daas_agent_kc **out, daas_err *err)
{
    daas_agent_kc_opts o = {.server = c->server,
                            .ca_file = c->ca_file,
                            .key = c->key,
                            .cluster_id = c->cluster_id,
                            .timeout_ms = (int)c->timeout_ms,
                            .ca_pem = c->ca_pem,
                            .cert_pem = c->cert_pem,
                            .key_pem = c->key_pem,
                            .token = c->key ? NULL : c->token};
    return daas_agent_kc_new(&o, out, err);
}

/* ---- watch ---- */

typedef struct watch_ctx {
    CURL *h;
    daas_buf line;    /* the event being read (capped) */
    daas_buf errbody; /* the body of a non-2xx answer */
    long status;      /* HTTP status, read at the first bytes */
    daas_agent_kc_event_fn fn;
    void *ctx;
    const atomic_bool *stop;
    const char *path;
    int rc; /* why the stream was cut (DAAS_OK: not cut) */
    daas_err *err;
} watch_ctx;

/* An ERROR event: its Status becomes the watch's error. */
static int watch_error(watch_ctx *w, const json_t *st)
{
    json_int_t code = json_integer_value(json_object_get(st, "code"));
    const char *msg = json_string_value(json_object_get(st, "message"));
    const char *reason = json_string_value(json_object_get(st, "reason"));
    return daas_fail(w->err, daas_err_from_http(code > 0 ? (long)code : 500, reason),
                     "watch %s: %.160s", w->path, msg ? msg : "ERROR event");
}

/* One line of the stream: an event, or an empty keep-alive line. */
static int deliver(watch_ctx *w)
{
    const char *p = w->line.data ? w->line.data : "";
    size_t n = w->line.len;
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    if (n == 0)
        return DAAS_OK;
    json_t *ev = json_loadb(p, n, 0, NULL);
    int rc;
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!json_is_object(ev) || !type)
        rc = daas_fail(w->err, DAAS_EREMOTE, "watch %s: an event is not JSON", w->path);
    else if (strcmp(type, "ERROR") == 0)
        rc = watch_error(w, json_object_get(ev, "object"));
    else
        rc = w->fn(w->ctx, ev);
    json_decref(ev);
    return rc;
}

static size_t on_watch(char *p, size_t size, size_t n, void *arg)
{
    watch_ctx *w = arg;
    size_t len = size * n;
    if (w->status == 0 && curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->status) != CURLE_OK)
        w->status = 500;
    if (w->status < 200 || w->status >= 300)
        return daas_buf_append(&w->errbody, p, len) == DAAS_OK ? len : 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t take = nl ? (size_t)(nl - (p + i)) : len - i;
        if (daas_buf_append(&w->line, p + i, take) != DAAS_OK) {
            w->rc = daas_fail(w->err, DAAS_EREMOTE, "watch %s: an event over %zu bytes", w->path,
                              DAAS_AGENT_KC_MAX_EVENT);
            return 0;
        }
        i += take;
        if (!nl)
            break;
        i++; /* the newline */
        w->rc = deliver(w);
        daas_buf_reset(&w->line);
        if (w->rc != DAAS_OK)
            return 0;
    }
    return len;
}

static int on_watch_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    watch_ctx *w = arg;
    return w->stop && atomic_load(w->stop) ? 1 : 0;
}

/* The watch's result from curl's and the callbacks'. */
static int watch_result(watch_ctx *w, CURLcode cc, const char *errbuf, int max_ms)
{
    if (w->rc != DAAS_OK)
        return w->rc;
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return daas_fail(w->err, DAAS_ECLOSED, "watch %s: stopped", w->path);
    if (cc == CURLE_OPERATION_TIMEDOUT && max_ms > 0 && w->status >= 200 && w->status < 300)
        return DAAS_OK;
    if (cc != CURLE_OK)
        return daas_fail(w->err, DAAS_EUNAVAIL, "watch %s: %s", w->path,
                         errbuf[0] ? errbuf : curl_easy_strerror(cc));
    if (w->status < 200 || w->status >= 300)
        return reply("GET", w->path, w->status, &w->errbody, NULL, w->err);
    if (w->line.len > 0)
        return deliver(w); /* a last event without its newline */
    return DAAS_OK;
}

int daas_agent_kc_watch(daas_agent_kc *c, const char *path, daas_agent_kc_event_fn fn, void *ctx,
                        const atomic_bool *stop, int max_ms, daas_err *err)
{
    int rc = token(c, err);
    if (rc != DAAS_OK)
        return rc;
    char *url = daas_xasprintf("%s%s", c->server, path);
    char *auth;
    struct curl_slist *hdrs = headers(c, NULL, &auth);
    watch_ctx w = {.h = c->h, .fn = fn, .ctx = ctx, .stop = stop, .path = path, .err = err};
    daas_buf_init(&w.line, DAAS_AGENT_KC_MAX_EVENT);
    daas_buf_init(&w.errbody, 1 << 20);
    char errbuf[CURL_ERROR_SIZE] = "";
    setup(c, c->h, url, "GET", hdrs, errbuf);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_watch);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &w);
    curl_easy_setopt(c->h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c->h, CURLOPT_XFERINFOFUNCTION, on_watch_progress);
    curl_easy_setopt(c->h, CURLOPT_XFERINFODATA, &w);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)(max_ms > 0 ? max_ms : 0));
    curl_easy_setopt(c->h, CURLOPT_TCP_KEEPALIVE, 1L);
    CURLcode cc = curl_easy_perform(c->h);
    rc = watch_result(&w, cc, errbuf, max_ms);
    curl_slist_free_all(hdrs);
    wipe_free(auth);
    daas_free(url);
    daas_buf_fini(&w.line);
    daas_buf_fini(&w.errbody);
    return rc;
}
