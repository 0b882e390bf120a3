/*
 * kubeclient.c: the agent's Kubernetes API client (see kubeclient.h).
 *
 * Owns:   one libcurl easy handle kept for the client's life (keep-alive to the server), the
 *         current wallet token and its expiry.
 * Invariants: see kubeclient.h; a token is renewed when less than a minute of it is left.
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
    char *server, *ca_file, *cluster_id;
    const daas_sui_key *key;
    long timeout_ms;
    CURL *h;
    char *token;
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
    if (!o->key || !daas_sui_token_cluster_id_ok(o->cluster_id ? o->cluster_id : ""))
        return daas_fail(err, DAAS_EINVAL, "a key and a valid cluster id are needed");
    pthread_once(&curl_once, curl_init);
    if (curl_rc != CURLE_OK)
        return daas_fail(err, DAAS_EINTERNAL, "libcurl did not initialise");
    daas_agent_kc *c = daas_xcalloc(1, sizeof *c);
    size_t n = strlen(o->server);
    while (n > 0 && o->server[n - 1] == '/')
        n--;
    c->server = daas_xstrndup(o->server, n);
    c->ca_file = o->ca_file ? daas_xstrdup(o->ca_file) : NULL;
    c->cluster_id = daas_xstrdup(o->cluster_id);
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

void daas_agent_kc_free(daas_agent_kc **c)
{
    if (!c || !*c)
        return;
    if ((*c)->h)
        curl_easy_cleanup((*c)->h);
    if ((*c)->token) {
        sodium_memzero((*c)->token, strlen((*c)->token));
        daas_free((*c)->token);
    }
    daas_free((*c)->server);
    daas_free((*c)->ca_file);
    daas_free((*c)->cluster_id);
    daas_free(*c);
    *c = NULL;
}

/* A token with at least TOKEN_MARGIN_MS left. */
static int token(daas_agent_kc *c, daas_err *err)
{
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

/* The daas code of a non-2xx HTTP status. */
static int code_of(long status, const char *reason)
{
    if (status == 409)
        return reason && strcmp(reason, "AlreadyExists") == 0 ? DAAS_EEXIST : DAAS_ECONFLICT;
    static const struct {
        long status;
        int code;
    } map[] = {{400, DAAS_EINVAL},   {401, DAAS_EUNAUTH},   {403, DAAS_EDENIED},
               {404, DAAS_ENOTFOUND}, {410, DAAS_EGONE},    {413, DAAS_ETOOBIG},
               {422, DAAS_EINVALID},  {503, DAAS_EUNAVAIL}, {504, DAAS_ETIMEOUT}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].status == status)
            return map[i].code;
    return DAAS_EREMOTE;
}

/* Turns a reply into *out or an error with the Status message. */
static int reply(const char *method, const char *path, long status, const daas_buf *b,
                 json_t **out, daas_err *err)
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
    int rc = daas_fail(err, code_of(status, reason), "%s %s: HTTP %ld: %.160s", method, path,
                       status, msg ? msg : "no Status message");
    json_decref(j);
    return rc;
}

int daas_agent_kc_call(daas_agent_kc *c, const char *method, const char *path,
                       const json_t *body, const char *content_type, json_t **out,
                       daas_err *err)
{
    if (out)
        *out = NULL;
    int rc = token(c, err);
    if (rc != DAAS_OK)
        return rc;
    char *url = daas_xasprintf("%s%s", c->server, path);
    char *auth = daas_xasprintf("Authorization: Bearer %s", c->token);
    char *ctype = daas_xasprintf("Content-Type: %s", content_type ? content_type
                                                                  : "application/json");
    char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct curl_slist *hdrs = curl_slist_append(NULL, auth);
    hdrs = curl_slist_append(hdrs, ctype);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    daas_buf b;
    daas_buf_init(&b, MAX_REPLY);
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = c->h;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (data) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(data));
    }
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    if (cc != CURLE_OK)
        rc = daas_fail(err, DAAS_EUNAVAIL, "%s %s: %s", method, path,
                       errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "%s %s: no HTTP status", method, path);
    else
        rc = reply(method, path, status, &b, out, err);
    curl_slist_free_all(hdrs);
    sodium_memzero(auth, strlen(auth));
    free(data); /* jansson's allocator */
    daas_free(url);
    daas_free(auth);
    daas_free(ctype);
    daas_buf_fini(&b);
    return rc;
}
