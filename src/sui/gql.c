/*
 * gql.c: the Sui GraphQL client: one libcurl easy handle per call over a shared cache of
 * kept-alive connections, retries, and the typed calls of gql.h (variables in, the reply
 * parsers of gql_parse.c out).
 *
 * Owns:   daas_sui_client (its settings read-only after daas_sui_client_new; its libcurl
 *         share of connections, TLS sessions and DNS guarded by its own locks), the process-wide
 *         curl_global_init (once, via pthread_once), the HTTP exchange and its error lines.
 * Not:    the shape of replies (gql_parse.c), the operation texts (gql_ops.h).
 * Invariants:
 *   - TLS peer and host verification are always on; redirects are never followed; only
 *     http and https are spoken;
 *   - a reply body never grows past DAAS_SUI__GQL_MAX_REPLY (the write callback refuses);
 *   - retries: queries on transient failures (connect, DNS, timeout, transport drop, HTTP
 *     429/502/503/504); an execute only when the request never reached the server (connect
 *     or DNS failure); doubling backoff from opts.backoff_ms, capped at MAX_BACKOFF_MS;
 *   - the caller's daas_err gets the last attempt's line, never a mix of attempts.
 * Thread: every call builds its own handle and buffers; the client is shared (the
 *         connection cache takes its locks).
 * Spec:   specs/sui.md §5.2 (transport), gql.h (error contract).
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "sui/gql_int.h"
#include "sui/gql_ops.h"
#include "sui/sui.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define DEFAULT_RETRIES 3
#define DEFAULT_BACKOFF_MS 200L
#define MAX_BACKOFF_MS 5000L
#define MAX_PAGE 50 /* Sui GraphQL's default page-size limit */
#define SUI_COIN_TYPE "0x2::coin::Coin<0x2::sui::SUI>"

struct daas_sui_client {
    char *url;       /* endpoint (owned; read-only after new) */
    char *ca_file;   /* PEM bundle to trust, or NULL for the system's (owned; read-only) */
    long timeout_ms; /* per attempt, connect included */
    int retries;     /* extra attempts on a transient failure */
    long backoff_ms; /* delay before the first retry, doubled each time */
    CURLSH *share;   /* connections, TLS sessions and DNS shared by every call (keep-alive) */
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST]; /* the share's locks, one per data kind */
};

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
    (void)h, (void)a;
    pthread_mutex_lock(&((daas_sui_client *)u)->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
    (void)h;
    pthread_mutex_unlock(&((daas_sui_client *)u)->locks[d]);
}

/* The connection cache every exchange of c uses, so calls reuse a kept-alive connection
 * (and its TLS session) instead of a new handshake each. NULL when libcurl cannot share:
 * exchanges then connect each time, as before. */
static CURLSH *new_share(daas_sui_client *c)
{
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    CURLSH *sh = curl_share_init();
    if (sh == NULL)
        return NULL;
    if (curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK ||
        curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
        curl_share_cleanup(sh);
        return NULL;
    }
    return sh;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT; /* written once under curl_once */

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- client ---- */

static bool is_http_url(const char *url)
{
    return url != NULL && ((strncasecmp(url, "http://", 7) == 0 && url[7] != '\0') ||
                           (strncasecmp(url, "https://", 8) == 0 && url[8] != '\0'));
}

int daas_sui_client_new(const daas_sui_client_opts *opts, daas_sui_client **out, daas_err *err)
{
    *out = NULL;
    if (opts == NULL || !is_http_url(opts->url))
        return daas_fail(err, DAAS_EINVAL, "sui: the GraphQL URL must start with http(s)://");
    if (opts->timeout_ms < 0 || opts->backoff_ms < 0)
        return daas_fail(err, DAAS_EINVAL, "sui: negative timeout or backoff");
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return daas_fail(err, DAAS_EINTERNAL, "sui: libcurl initialisation failed: %s",
                         curl_easy_strerror(curl_init_rc));
    daas_sui_client *c = daas_xcalloc(1, sizeof *c);
    c->url = daas_xstrdup(opts->url);
    c->ca_file = opts->ca_file != NULL ? daas_xstrdup(opts->ca_file) : NULL;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->retries = opts->retries >= 0 ? opts->retries : DEFAULT_RETRIES;
    c->backoff_ms = opts->backoff_ms > 0 ? opts->backoff_ms : DEFAULT_BACKOFF_MS;
    c->share = new_share(c);
    *out = c;
    return DAAS_OK;
}

void daas_sui_client_free(daas_sui_client **c)
{
    if (c == NULL || *c == NULL)
        return;
    if ((*c)->share != NULL)
        curl_share_cleanup((*c)->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&(*c)->locks[i]);
    daas_free((*c)->url);
    daas_free((*c)->ca_file);
    daas_free(*c);
    *c = NULL;
}

const char *daas_sui_client_url(const daas_sui_client *c)
{
    return c->url;
}

/* ---- one HTTP exchange ---- */

/* What one attempt tells the retry loop. */
typedef struct attempt {
    int rc;         /* DAAS_OK or this attempt's failure */
    bool transient; /* worth another attempt for a query */
    bool unsent;    /* the request never reached the server: safe to resend an execute */
    daas_err err;   /* this attempt's line */
} attempt;

typedef struct reply {
    daas_buf *body; /* capped at DAAS_SUI__GQL_MAX_REPLY */
    bool too_big;   /* the write callback refused bytes past the cap */
} reply;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    reply *r = ud;
    if (daas_buf_append(r->body, p, size * nmemb) != DAAS_OK) {
        r->too_big = true;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    return size * nmemb;
}

#define SETOPT(h, o, v)                                                                            \
    do {                                                                                           \
        if (cc == CURLE_OK)                                                                        \
            cc = curl_easy_setopt((h), (o), (v));                                                  \
    } while (0)

static CURLcode set_options(CURL *h, const daas_sui_client *c, const char *req, size_t len,
                            struct curl_slist *hdrs, reply *r, char *errbuf)
{
    CURLcode cc = CURLE_OK;
    SETOPT(h, CURLOPT_URL, c->url);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_POST, 1L);
    SETOPT(h, CURLOPT_POSTFIELDS, req);
    SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
    SETOPT(h, CURLOPT_USERAGENT, "daas");
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(h, CURLOPT_WRITEDATA, r);
    SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts: threads */
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)DAAS_SUI__GQL_MAX_REPLY);
    if (c->ca_file != NULL)
        SETOPT(h, CURLOPT_CAINFO, c->ca_file);
    if (c->share != NULL)
        SETOPT(h, CURLOPT_SHARE, c->share);
    return cc;
}

static const char *detail(CURLcode cc, const char *errbuf)
{
    return errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc);
}

/* The OS's reason for a failed connect ("Connection refused"), else libcurl's. */
static const char *connect_detail(CURL *h, CURLcode cc, const char *errbuf, char *buf, size_t n)
{
    long os_errno = 0;
    if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0)
        return strerror_r((int)os_errno, buf, n);
    return detail(cc, errbuf);
}

static void fail_transport(const daas_sui_client *c, CURL *h, CURLcode cc, const reply *r,
                           const char *errbuf, attempt *a)
{
    char os[128];
    const char *url = c->url;
    if (cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
        cc == CURLE_COULDNT_CONNECT) {
        a->transient = a->unsent = true;
        a->rc = daas_fail(&a->err, DAAS_EUNAVAIL, "sui: cannot connect to %s: %s", url,
                          connect_detail(h, cc, errbuf, os, sizeof os));
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        a->transient = true;
        a->rc = daas_fail(&a->err, DAAS_ETIMEOUT, "sui: no reply from %s within %ld ms", url,
                          c->timeout_ms);
    } else if (r->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        a->rc = daas_fail(&a->err, DAAS_ETOOBIG, "sui: reply from %s is larger than %zu MiB", url,
                          DAAS_SUI__GQL_MAX_REPLY >> 20);
    } else if (cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
               cc == CURLE_PARTIAL_FILE) {
        a->transient = true;
        a->rc = daas_fail(&a->err, DAAS_EUNAVAIL, "sui: connection to %s dropped: %s", url,
                          detail(cc, errbuf));
    } else {
        a->rc = daas_fail(&a->err, DAAS_EUNAVAIL, "sui: request to %s failed: %s", url,
                          detail(cc, errbuf));
    }
}

static bool is_transient_status(long s)
{
    return s == 429 || s == 502 || s == 503 || s == 504;
}

/* A non-2xx answer: 5xx (and 429) are the service being unavailable; other codes are the
 * service refusing the request, quoting its GraphQL error when the body has one. */
static void fail_status(const daas_sui_client *c, long status, const daas_buf *body, attempt *a)
{
    a->transient = is_transient_status(status);
    if (a->transient || status >= 500) {
        a->rc = daas_fail(&a->err, DAAS_EUNAVAIL, "sui: %s answered HTTP %ld", c->url, status);
        return;
    }
    json_t *root = body->len > 0 ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    a->rc = json_is_object(root) ? daas_sui__gql_errors(root, &a->err) : DAAS_OK;
    json_decref(root);
    if (a->rc == DAAS_OK)
        a->rc = daas_fail(&a->err, DAAS_EREMOTE, "sui: %s answered HTTP %ld", c->url, status);
}

/* Content-Type, Accept, and no "Expect: 100-continue" round trip for large bodies. */
static struct curl_slist *request_headers(void)
{
    static const char *const lines[] = {"Content-Type: application/json",
                                        "Accept: application/json", "Expect:"};
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        struct curl_slist *t = curl_slist_append(l, lines[i]);
        if (t == NULL) {
            curl_slist_free_all(l);
            return NULL;
        }
        l = t;
    }
    return l;
}

/* One POST of req: the body lands in out (emptied first) and the HTTP status in *status;
 * a transport failure is recorded in a (*status stays 0). */
static void exchange(const daas_sui_client *c, const char *req, size_t len, daas_buf *out,
                     long *status, attempt *a)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    reply r = {.body = out, .too_big = false};
    struct curl_slist *hdrs = request_headers();
    CURL *h = curl_easy_init();
    *status = 0;
    daas_buf_reset(out);
    CURLcode cc = h != NULL && hdrs != NULL ? CURLE_OK : CURLE_OUT_OF_MEMORY;
    if (cc == CURLE_OK)
        cc = set_options(h, c, req, len, hdrs, &r, errbuf);
    if (cc == CURLE_OK)
        cc = curl_easy_perform(h);
    if (cc != CURLE_OK)
        fail_transport(c, h, cc, &r, errbuf, a);
    else if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
        a->rc = daas_fail(&a->err, DAAS_EUNAVAIL, "sui: no HTTP status from %s", c->url);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

/* One POST of req as a GraphQL exchange: a non-2xx status is a failure. */
static void attempt_once(const daas_sui_client *c, const char *req, size_t len, daas_buf *out,
                         attempt *a)
{
    long status = 0;
    exchange(c, req, len, out, &status, a);
    if (a->rc == DAAS_OK && (status < 200 || status > 299))
        fail_status(c, status, out, a);
}

int daas_sui__post_raw(const daas_sui_client *c, const char *req, size_t len, daas_buf *out,
                       long *status, daas_err *err)
{
    attempt a = {0};
    exchange(c, req, len, out, status, &a);
    return a.rc == DAAS_OK ? DAAS_OK : daas_fail(err, a.rc, "%s", a.err.msg);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* POSTs req with the retry policy; on success the reply body is in out. */
static int post(const daas_sui_client *c, const char *req, size_t len, bool idempotent,
                daas_buf *out, daas_err *err)
{
    long delay = c->backoff_ms;
    for (int i = 0;; i++) {
        attempt a = {0};
        attempt_once(c, req, len, out, &a);
        if (a.rc == DAAS_OK)
            return DAAS_OK;
        if (i >= c->retries || !(idempotent ? a.transient : a.unsent))
            return daas_fail(err, a.rc, "%s", a.err.msg);
        DAAS_DEBUG("sui", "attempt %d failed, retrying in %ld ms: %s", i + 1, delay, a.err.msg);
        sleep_ms(delay);
        delay = delay * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : delay * 2;
    }
}

static int dump_cb(const char *p, size_t n, void *ud)
{
    return daas_buf_append(ud, p, n) == DAAS_OK ? 0 : -1;
}

/* {query, variables} as JSON, sent with the retry policy, reply parsed into *data. */
static int call(daas_sui_client *c, const char *query, json_t *vars, bool idempotent, json_t **data,
                daas_err *err)
{
    daas_buf req, body;
    int rc = DAAS_OK;
    *data = NULL;
    json_t *doc = json_pack("{s:s, s:o}", "query", query != NULL ? query : "", "variables",
                            vars != NULL ? vars : json_object());
    if (doc == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui: the query is not UTF-8 text");
    daas_buf_init(&req, 0);
    daas_buf_init(&body, DAAS_SUI__GQL_MAX_REPLY);
    if (json_dump_callback(doc, dump_cb, &req, JSON_COMPACT) != 0)
        rc = daas_fail(err, DAAS_ETOOBIG, "sui: the request does not fit in memory limits");
    if (rc == DAAS_OK)
        rc = post(c, req.data, req.len, idempotent, &body, err);
    if (rc == DAAS_OK)
        rc = daas_sui__gql_parse_reply(body.data, body.len, data, err);
    json_decref(doc);
    daas_buf_fini(&req);
    daas_buf_fini(&body);
    return rc;
}

/* call() with variables built by the caller: NULL here means json_pack refused them. */
static int call_vars(daas_sui_client *c, const char *query, json_t *vars, bool idempotent,
                     json_t **data, daas_err *err)
{
    *data = NULL;
    if (vars == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui: an argument is not UTF-8 text");
    return call(c, query, vars, idempotent, data, err);
}

int daas_sui_gql(daas_sui_client *c, const char *query, json_t *vars, json_t **data, daas_err *err)
{
    return call(c, query, vars, true, data, err);
}

/* ---- typed calls ---- */

int daas_sui_chain_id(daas_sui_client *c, char *out, size_t outsz, daas_err *err)
{
    json_t *data;
    int rc = call(c, DAAS_GQL_CHAIN_ID, NULL, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_chain_id(data, out, outsz, err);
    json_decref(data);
    return rc;
}

int daas_sui_get_epoch(daas_sui_client *c, daas_sui_epoch *out, daas_err *err)
{
    json_t *data;
    memset(out, 0, sizeof *out);
    int rc = call(c, DAAS_GQL_EPOCH, NULL, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_epoch(data, out, err);
    json_decref(data);
    return rc;
}

int daas_sui_get_object(daas_sui_client *c, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                        daas_sui_object *out, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    json_t *data;
    memset(out, 0, sizeof *out);
    daas_sui_address_hex(id, hex);
    int rc = call_vars(c, DAAS_GQL_OBJECT, json_pack("{s:s}", "id", hex), true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_object(data, hex, out, err);
    json_decref(data);
    return rc;
}

static int check_first(int first, daas_err *err)
{
    if (first < 1 || first > MAX_PAGE)
        return daas_fail(err, DAAS_EINVAL, "sui: page size %d is not within 1..%d", first,
                         MAX_PAGE);
    return DAAS_OK;
}

int daas_sui_owned_objects(daas_sui_client *c, const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                           const char *type, const char *cursor, int first, daas_sui_page *out,
                           daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    json_t *data;
    memset(out, 0, sizeof *out);
    int rc = check_first(first, err);
    if (rc != DAAS_OK)
        return rc;
    daas_sui_address_hex(owner, hex);
    json_t *vars = json_pack("{s:s, s:s?, s:i, s:s?}", "owner", hex, "type", type, "first", first,
                             "cursor", cursor);
    rc = call_vars(c, DAAS_GQL_OWNED, vars, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_owned(data, out, err);
    json_decref(data);
    return rc;
}

int daas_sui_objects_by_type(daas_sui_client *c, const char *type, const char *cursor, int first,
                             daas_sui_page *out, daas_err *err)
{
    json_t *data;
    memset(out, 0, sizeof *out);
    int rc = check_first(first, err);
    if (rc == DAAS_OK && type == NULL)
        rc = daas_fail(err, DAAS_EINVAL, "sui: objects by type needs a type");
    if (rc != DAAS_OK)
        return rc;
    json_t *vars = json_pack("{s:s, s:i, s:s?}", "type", type, "first", first, "cursor", cursor);
    rc = call_vars(c, DAAS_GQL_OBJECTS_BY_TYPE, vars, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_objects(data, out, err);
    json_decref(data);
    return rc;
}

/* Appends one page of owner's coins to all (at most max in total); *cursor continues. */
static int coins_page(daas_sui_client *c, const char *owner_hex, size_t max, char **cursor,
                      bool *more, daas_sui_coin **all, size_t *total, daas_err *err)
{
    daas_sui_coin *page = NULL;
    char *next = NULL;
    size_t n = 0;
    json_t *data;
    json_t *vars = json_pack("{s:s, s:s, s:i, s:s?}", "owner", owner_hex, "type", SUI_COIN_TYPE,
                             "first", MAX_PAGE, "cursor", *cursor);
    int rc = call_vars(c, DAAS_GQL_OWNED, vars, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_coins(data, &page, &n, more, &next, err);
    json_decref(data);
    if (rc == DAAS_OK && *more && (next == NULL || n == 0))
        rc = daas_fail(err, DAAS_EREMOTE, "sui: a coin page of %s claims more but has no %s",
                       owner_hex, n == 0 ? "coins" : "cursor");
    if (rc == DAAS_OK && n > max - *total)
        rc = daas_fail(err, DAAS_ETOOBIG, "sui: %s owns more than %zu SUI coins", owner_hex, max);
    if (rc == DAAS_OK && n > 0) {
        *all = daas_xrealloc(*all, (*total + n) * sizeof **all);
        memcpy(*all + *total, page, n * sizeof *page);
        *total += n;
    }
    daas_free(page);
    daas_free(*cursor);
    *cursor = next;
    return rc;
}

int daas_sui_get_coins(daas_sui_client *c, const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                       size_t max_coins, daas_sui_coin **coins, size_t *n, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_coin *all = NULL;
    char *cursor = NULL;
    size_t total = 0;
    bool more = true;
    int rc = DAAS_OK;
    *coins = NULL;
    *n = 0;
    daas_sui_address_hex(owner, hex);
    while (rc == DAAS_OK && more)
        rc = coins_page(c, hex, max_coins, &cursor, &more, &all, &total, err);
    daas_free(cursor);
    if (rc != DAAS_OK) {
        daas_free(all);
        return rc;
    }
    *coins = all;
    *n = total;
    return DAAS_OK;
}

int daas_sui_dynamic_field(daas_sui_client *c, const uint8_t parent[DAAS_SUI_ADDRESS_LEN],
                           const char *name_type, daas_bytes name_bcs, json_t **json, daas_err *err)
{
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], name[200];
    json_t *data;
    *json = NULL;
    if (name_type == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui: a dynamic field name needs its type");
    daas_sui_address_hex(parent, hex);
    snprintf(name, sizeof name, "%s of %s", name_type, hex);
    char *b64 = daas_base64_encode(name_bcs.ptr, name_bcs.len);
    json_t *vars =
        json_pack("{s:s, s:{s:s, s:s}}", "parent", hex, "name", "type", name_type, "bcs", b64);
    daas_free(b64);
    int rc = call_vars(c, DAAS_GQL_DYNAMIC_FIELD, vars, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_dynamic_field(data, name, json, err);
    json_decref(data);
    return rc;
}

int daas_sui_query_events(daas_sui_client *c, const char *type_filter, const char *cursor,
                          int first, daas_sui_events *out, daas_err *err)
{
    json_t *data;
    memset(out, 0, sizeof *out);
    int rc = check_first(first, err);
    if (rc != DAAS_OK)
        return rc;
    json_t *filter = type_filter != NULL ? json_pack("{s:s}", "type", type_filter) : NULL;
    json_t *vars = NULL;
    if (filter != NULL || type_filter == NULL)
        vars = json_pack("{s:o?, s:i, s:s?}", "filter", filter, "first", first, "cursor", cursor);
    rc = call_vars(c, DAAS_GQL_EVENTS, vars, true, &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_events(data, out, err);
    json_decref(data);
    return rc;
}

/* Runs query with vars (call_vars) and parses its data into *out with parse. */
static int call_exec(daas_sui_client *c, const char *query, json_t *vars, bool idempotent,
                     int (*parse)(json_t *, daas_sui_exec_result *, daas_err *),
                     daas_sui_exec_result *out, daas_err *err)
{
    json_t *data;
    int rc = call_vars(c, query, vars, idempotent, &data, err);
    if (rc == DAAS_OK)
        rc = parse(data, out, err);
    json_decref(data);
    return rc;
}

int daas_sui_simulate(daas_sui_client *c, daas_bytes tx_bytes, daas_sui_exec_result *out,
                      daas_err *err)
{
    memset(out, 0, sizeof *out);
    char *b64 = daas_base64_encode(tx_bytes.ptr, tx_bytes.len);
    json_t *vars = json_pack("{s:{s:{s:s}}}", "tx", "bcs", "value", b64);
    daas_free(b64);
    return call_exec(c, DAAS_GQL_SIMULATE, vars, true, daas_sui__parse_simulate, out, err);
}

int daas_sui_execute(daas_sui_client *c, daas_bytes tx_bytes, const char *const *sigs_b64,
                     size_t n_sigs, daas_sui_exec_result *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (n_sigs == 0)
        return daas_fail(err, DAAS_EINVAL, "sui: execute needs at least one signature");
    json_t *sigs = json_array(), *vars = NULL;
    bool ok = true;
    for (size_t i = 0; i < n_sigs && ok; i++)
        ok = json_array_append_new(sigs, json_string(sigs_b64[i])) == 0;
    char *b64 = daas_base64_encode(tx_bytes.ptr, tx_bytes.len);
    if (ok)
        vars = json_pack("{s:s, s:O}", "tx", b64, "sigs", sigs);
    json_decref(sigs);
    daas_free(b64);
    /* not idempotent for the retry policy: resent only when it never reached the server */
    return call_exec(c, DAAS_GQL_EXECUTE, vars, false, daas_sui__parse_execute, out, err);
}
