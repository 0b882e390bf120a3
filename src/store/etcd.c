/*
 * etcd.c: the etcd v3 JSON-gateway client: endpoints and failover, the pool of curl handles,
 *         unary calls (range, put, txn, compaction, leases, status).
 *
 * Owns:   daas_store_etcd; the request builders (jansson).
 * Not:    the reply parsers (etcd_parse.c), the watch stream (etcd_watch.c).
 * Invariants:
 *   - after daas_store_etcd_new, only cur (atomic) and the pool (pool_mu) change;
 *   - a curl handle is used by one call at a time: it is off the pool while in use.
 * Spec:   etcd API v3 rpc.proto rendered by grpc-gateway (int64 as strings, bytes as base64,
 *         default values omitted: a missing field is 0 / false / empty).
 */
#include "store/etcd.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define REPLY_MAX DAAS_STORE_ETCD_REPLY_MAX
#define POOL_MAX 64 /* idle curl handles kept per client (each keeps its connections open) */

struct daas_store_etcd {
    char **eps;              /* endpoint base URLs without a trailing '/' */
    size_t neps;             /* number of endpoints (>= 1) */
    atomic_size_t cur;       /* index of the endpoint in use */
    char *ca, *cert, *key;   /* TLS files or NULL */
    long timeout_ms;         /* per unary call */
    struct curl_slist *hdrs; /* "Content-Type: application/json"; read-only, shared by calls */
    pthread_mutex_t pool_mu; /* guards idle and nidle */
    CURL *idle[POOL_MAX];    /* pool_mu: handles between calls, their connections alive */
    size_t nidle;            /* pool_mu: number of idle handles */
};

/* ---- the client ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    (void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int add_endpoint(daas_store_etcd *c, const char *s, size_t n, daas_err *err)
{
    while (n > 0 && s[n - 1] == '/')
        n--;
    bool http = n > 7 && strncmp(s, "http://", 7) == 0;
    bool https = n > 8 && strncmp(s, "https://", 8) == 0;
    if (!http && !https)
        return daas_fail(err, DAAS_EINVAL, "etcd: endpoint '%.*s' is not http(s)://HOST:PORT",
                         (int)(n > 100 ? 100 : n), s);
    c->eps = daas_xrealloc(c->eps, (c->neps + 1) * sizeof *c->eps);
    c->eps[c->neps++] = daas_xstrndup(s, n);
    return DAAS_OK;
}

static char *dup_opt(const char *s)
{
    return s != NULL && s[0] != '\0' ? daas_xstrdup(s) : NULL;
}

int daas_store_etcd_new(const daas_store_etcd_opts *o, daas_store_etcd **out, daas_err *err)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init_once);
    daas_store_etcd *c = daas_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->pool_mu, NULL);
    c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    int rc = c->hdrs != NULL ? DAAS_OK : daas_fail(err, DAAS_EINTERNAL, "etcd: out of memory");
    const char *s = o->endpoints != NULL ? o->endpoints : "";
    while (rc == DAAS_OK && *s != '\0') {
        s += strspn(s, " \t");
        size_t n = strcspn(s, ", \t");
        if (n > 0)
            rc = add_endpoint(c, s, n, err);
        s += n;
        s += strspn(s, " \t");
        s += *s == ',';
    }
    if (rc == DAAS_OK && c->neps == 0)
        rc = daas_fail(err, DAAS_EINVAL, "etcd: no endpoint given");
    c->ca = dup_opt(o->ca_file);
    c->cert = dup_opt(o->cert_file);
    c->key = dup_opt(o->key_file);
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
    if (rc != DAAS_OK)
        daas_store_etcd_free(&c);
    *out = c;
    return rc;
}

void daas_store_etcd_free(daas_store_etcd **cp)
{
    daas_store_etcd *c = *cp;
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->pool_mu);
    curl_slist_free_all(c->hdrs);
    for (size_t i = 0; i < c->neps; i++)
        daas_free(c->eps[i]);
    daas_free(c->eps);
    daas_free(c->ca);
    daas_free(c->cert);
    daas_free(c->key);
    daas_free(c);
    *cp = NULL;
}

size_t daas_store_etcd__nendpoints(const daas_store_etcd *c)
{
    return c->neps;
}

size_t daas_store_etcd__current(const daas_store_etcd *c)
{
    return atomic_load(&c->cur) % c->neps;
}

const char *daas_store_etcd__endpoint(const daas_store_etcd *c, size_t idx)
{
    return c->eps[idx % c->neps];
}

void daas_store_etcd__advance(daas_store_etcd *c, size_t from)
{
    size_t expect = from;
    /* Only the first of several threads failing on the same endpoint moves on. */
    (void)atomic_compare_exchange_strong(&c->cur, &expect, (from + 1) % c->neps);
}

int daas_store_etcd__tls(const daas_store_etcd *c, void *curl)
{
    CURLcode cc = CURLE_OK;
    if (c->ca != NULL)
        cc = curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca);
    if (cc == CURLE_OK && c->cert != NULL)
        cc = curl_easy_setopt(curl, CURLOPT_SSLCERT, c->cert);
    if (cc == CURLE_OK && c->key != NULL)
        cc = curl_easy_setopt(curl, CURLOPT_SSLKEY, c->key);
    return cc == CURLE_OK ? DAAS_OK : DAAS_EINTERNAL;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    daas_buf *b = ud;
    return daas_buf_append(b, p, size * nmemb) == DAAS_OK ? size * nmemb : 0;
}

/* Failures where the request cannot have reached etcd: any call may be retried elsewhere. */
static bool not_sent(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_SSL_CONNECT_ERROR;
}

/* Failures after the request may have reached etcd (cut, timed out, or 503: no leader, request
 * timed out). A read is retried elsewhere; a write is not (it may have been applied: the caller
 * gets the error and re-reads), but the client still moves on to the next endpoint. */
static bool maybe_sent(CURLcode cc, long status)
{
    return cc == CURLE_GOT_NOTHING || cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
           cc == CURLE_OPERATION_TIMEDOUT || (cc == CURLE_OK && status == 503);
}

/* Takes an idle handle of c's pool, or makes one; NULL when curl cannot. The calling thread
 * alone uses it until give_handle. */
static CURL *take_handle(daas_store_etcd *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->pool_mu);
    if (c->nidle > 0)
        h = c->idle[--c->nidle];
    pthread_mutex_unlock(&c->pool_mu);
    return h != NULL ? h : curl_easy_init();
}

/* Gives h (NULL accepted) back after a call whose transfer ended with cc. curl_easy_reset
 * forgets the call's options (pointers to its body, reply buffer and error buffer) but keeps
 * the handle's open connections and TLS sessions, so the next call skips the TCP and TLS
 * handshakes. After a transport error the handle and its connections are dropped: a
 * half-read or cut connection must not serve another call. */
static void give_handle(daas_store_etcd *c, CURL *h, CURLcode cc)
{
    if (h != NULL && cc == CURLE_OK) {
        curl_easy_reset(h);
        pthread_mutex_lock(&c->pool_mu);
        if (c->nidle < POOL_MAX) {
            c->idle[c->nidle++] = h;
            h = NULL;
        }
        pthread_mutex_unlock(&c->pool_mu);
    }
    curl_easy_cleanup(h); /* NULL is fine */
}

/* Every option of one unary call (the handle comes reset from the pool or new). */
static CURLcode setup_call(daas_store_etcd *c, CURL *h, const char *url, const char *body,
                           daas_buf *out, char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    return daas_store_etcd__tls(c, h) == DAAS_OK ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

/* One POST of body to endpoint idx on a pooled handle; the reply lands in out, its HTTP
 * status in *status. */
static CURLcode post_once(daas_store_etcd *c, size_t idx, const char *path, const char *body,
                          daas_buf *out, long *status, char *errbuf)
{
    char *url = daas_xasprintf("%s%s", c->eps[idx], path);
    CURL *h = take_handle(c);
    CURLcode cc = h != NULL ? CURLE_OK : CURLE_OUT_OF_MEMORY;
    daas_buf_reset(out);
    *status = 0;
    if (cc == CURLE_OK)
        cc = setup_call(c, h, url, body, out, errbuf);
    if (cc == CURLE_OK)
        cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    give_handle(c, h, cc);
    daas_free(url);
    return cc;
}

enum { CALL_READ, CALL_WRITE };

/* POSTs body to path, failing over as not_sent / maybe_sent allow for kind. A 503 reply on
 * the last endpoint tried is returned as the reply (it parses to DAAS_EUNAVAIL). */
static int post(daas_store_etcd *c, int kind, const char *path, const char *body, daas_buf *out,
                daas_err *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    CURLcode cc = CURLE_OK;
    long status = 0;
    size_t idx = daas_store_etcd__current(c);
    for (size_t i = 0; i < c->neps; i++) {
        errbuf[0] = '\0';
        cc = post_once(c, idx, path, body, out, &status, errbuf);
        bool retry = not_sent(cc) || (kind == CALL_READ && maybe_sent(cc, status));
        if (retry || maybe_sent(cc, status))
            daas_store_etcd__advance(c, idx);
        if (!retry || i + 1 == c->neps)
            break;
        idx = (idx + 1) % c->neps;
    }
    if (cc == CURLE_OK)
        return DAAS_OK;
    int rc = cc == CURLE_OPERATION_TIMEDOUT ? DAAS_ETIMEOUT : DAAS_EUNAVAIL;
    return daas_fail(err, rc, "etcd: %s%s: %s", c->eps[idx], path,
                     errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
}

/* post() of req (taken) rendered as JSON. */
static int call(daas_store_etcd *c, int kind, const char *path, json_t *req, daas_buf *out,
                daas_err *err)
{
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (body == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "etcd: cannot render request");
    int rc = post(c, kind, path, body, out, err);
    free(body); /* jansson's allocator */
    return rc;
}

/* A reply that does not parse is etcd's (or a proxy's) fault, not the caller's: DAAS_EINVAL
 * from a parser becomes DAAS_EREMOTE (the message is kept). */
static int remote(int rc, daas_err *err)
{
    if (rc != DAAS_EINVAL)
        return rc;
    if (err != NULL && err->code == DAAS_EINVAL)
        err->code = DAAS_EREMOTE;
    return DAAS_EREMOTE;
}

static json_t *b64(daas_bytes b)
{
    char *s = daas_base64_encode(b.ptr, b.len);
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

static json_t *i64s(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

static json_t *range_req(daas_bytes key, daas_bytes end, int64_t limit, int64_t revision,
                         bool keys_only)
{
    json_t *r = json_object();
    json_object_set_new(r, "key", b64(key));
    if (end.ptr != NULL)
        json_object_set_new(r, "range_end", b64(end));
    if (limit > 0)
        json_object_set_new(r, "limit", i64s(limit));
    if (revision > 0)
        json_object_set_new(r, "revision", i64s(revision));
    if (keys_only)
        json_object_set_new(r, "keys_only", json_true());
    return r;
}

int daas_store_etcd_range(daas_store_etcd *c, daas_bytes key, daas_bytes end, int64_t limit,
                          int64_t revision, bool keys_only, daas_store_etcd_range_res *res,
                          daas_err *err)
{
    daas_buf out;
    daas_buf_init(&out, REPLY_MAX);
    json_t *req = range_req(key, end, limit, revision, keys_only);
    int rc = call(c, CALL_READ, "/v3/kv/range", req, &out, err);
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_range(out.data, out.len, res, err), err);
    daas_buf_fini(&out);
    return rc;
}

int daas_store_etcd_prefix_end(const void *prefix, size_t len, daas_buf *out)
{
    const uint8_t *p = prefix;
    daas_buf_reset(out);
    while (len > 0 && p[len - 1] == 0xff)
        len--;
    if (len == 0)
        return daas_buf_append(out, "", 1);
    int rc = daas_buf_append(out, p, len);
    if (rc == DAAS_OK)
        out->data[len - 1] = (char)(p[len - 1] + 1);
    return rc;
}

/* Moves the kvs of page onto the end of all (page is left empty). */
static void take_page(daas_store_etcd_range_res *all, daas_store_etcd_range_res *page)
{
    all->kvs = daas_xrealloc(all->kvs, (all->nkvs + page->nkvs + 1) * sizeof *all->kvs);
    memcpy(all->kvs + all->nkvs, page->kvs, page->nkvs * sizeof *page->kvs);
    all->nkvs += page->nkvs;
    page->nkvs = 0;
    daas_store_etcd_range_fini(page);
}

int daas_store_etcd_list_prefix(daas_store_etcd *c, daas_bytes prefix, int64_t page,
                                int64_t revision, bool keys_only, daas_store_etcd_range_res *res,
                                daas_err *err)
{
    daas_store_etcd_range_res all = {0}, pg;
    daas_buf end, from;
    daas_buf_init(&end, 0);
    daas_buf_init(&from, 0);
    int rc = daas_store_etcd_prefix_end(prefix.ptr, prefix.len, &end);
    if (rc == DAAS_OK)
        rc = daas_buf_append(&from, prefix.ptr, prefix.len);
    bool more = true;
    while (rc == DAAS_OK && more) {
        rc =
            daas_store_etcd_range(c, DAAS_BYTES(from.data, from.len), DAAS_BYTES(end.data, end.len),
                                  page, revision, keys_only, &pg, err);
        if (rc != DAAS_OK)
            break;
        if (all.revision == 0) {
            all.revision = pg.revision;
            all.count = pg.count;
            revision = pg.revision; /* later pages: the same snapshot */
        }
        more = pg.more && pg.nkvs > 0;
        if (more) {
            const daas_store_etcd_kv *last = &pg.kvs[pg.nkvs - 1];
            daas_buf_reset(&from);
            rc = daas_buf_append(&from, last->key, last->key_len + 1); /* key + "\0" */
        }
        take_page(&all, &pg);
    }
    daas_buf_fini(&end);
    daas_buf_fini(&from);
    if (rc == DAAS_OK)
        *res = all;
    else
        daas_store_etcd_range_fini(&all);
    return rc;
}

static json_t *put_op(daas_bytes key, daas_bytes value, int64_t lease)
{
    json_t *p = json_object();
    json_object_set_new(p, "key", b64(key));
    json_object_set_new(p, "value", b64(value));
    if (lease != 0)
        json_object_set_new(p, "lease", i64s(lease));
    return p;
}

int daas_store_etcd_put(daas_store_etcd *c, daas_bytes key, daas_bytes value, int64_t lease,
                        int64_t *rev, daas_err *err)
{
    daas_buf out;
    daas_buf_init(&out, REPLY_MAX);
    int rc = call(c, CALL_WRITE, "/v3/kv/put", put_op(key, value, lease), &out, err);
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_header(out.data, out.len, rev, err), err);
    daas_buf_fini(&out);
    return rc;
}

/* The Compare field holding target's value. SPEC: rpc.proto Compare (target_union). */
static const char *compare_field(const char *target)
{
    if (strcmp(target, "CREATE") == 0)
        return "create_revision";
    if (strcmp(target, "VERSION") == 0)
        return "version";
    return "mod_revision";
}

/* POSTs a txn request (taking it; NULL: it could not be built) and parses the reply. */
static int post_txn(daas_store_etcd *c, json_t *req, daas_store_etcd_txn_res *res, daas_err *err)
{
    if (req == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "etcd: cannot build txn");
    daas_buf out;
    daas_buf_init(&out, REPLY_MAX);
    int rc = call(c, CALL_WRITE, "/v3/kv/txn", req, &out, err);
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_txn(out.data, out.len, res, err), err);
    daas_buf_fini(&out);
    return rc;
}

/* A txn: if key's target (CREATE/MOD/VERSION) == val then `op` (named success operation) else
 * a range of key, so a failure reports the current kv. */
static int txn(daas_store_etcd *c, daas_bytes key, const char *target, int64_t val,
               const char *opname, json_t *op, daas_store_etcd_txn_res *res, daas_err *err)
{
    const char *field = compare_field(target);
    json_t *cmp = json_pack("{s:o,s:s,s:s,s:o}", "key", b64(key), "target", target, "result",
                            "EQUAL", field, i64s(val));
    json_t *req =
        json_pack("{s:[o],s:[{s:o}],s:[{s:o}]}", "compare", cmp, "success", opname, op, "failure",
                  "request_range", range_req(key, DAAS_BYTES(NULL, 0), 0, 0, false));
    return post_txn(c, req, res, err);
}

int daas_store_etcd_create(daas_store_etcd *c, daas_bytes key, daas_bytes value, int64_t lease,
                           daas_store_etcd_txn_res *res, daas_err *err)
{
    return txn(c, key, "CREATE", 0, "request_put", put_op(key, value, lease), res, err);
}

/* Appends "name":"<base64 of b>" to out (base64 needs no JSON escaping). */
static int b64_member(daas_buf *out, const char *name, daas_bytes b)
{
    char *s = daas_base64_encode(b.ptr, b.len);
    int rc = daas_buf_printf(out, "\"%s\":\"", name);
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, s, strlen(s));
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, "\"", 1);
    daas_free(s);
    return rc;
}

/* The many-key create txn, written straight (a batch carries megabytes of base64: rendering
 * it through a JSON tree costs the server more than the rest of the txn). */
static int many_body(const daas_bytes *keys, const daas_bytes *values, size_t n, daas_buf *out)
{
    int rc = daas_buf_append(out, "{\"compare\":[", 12);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = daas_buf_append(out, i ? ",{" : "{", i ? 2 : 1);
        if (rc == DAAS_OK)
            rc = b64_member(out, "key", keys[i]);
        if (rc == DAAS_OK)
            rc = daas_buf_printf(out, ",\"target\":\"CREATE\",\"result\":\"EQUAL\","
                                      "\"create_revision\":\"0\"}");
    }
    if (rc == DAAS_OK)
        rc = daas_buf_printf(out, "],\"success\":[");
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = daas_buf_printf(out, "%s{\"request_put\":{", i ? "," : "");
        if (rc == DAAS_OK)
            rc = b64_member(out, "key", keys[i]);
        if (rc == DAAS_OK)
            rc = daas_buf_append(out, ",", 1);
        if (rc == DAAS_OK)
            rc = b64_member(out, "value", values[i]);
        if (rc == DAAS_OK)
            rc = daas_buf_append(out, "}}", 2);
    }
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, "]}", 3); /* with the NUL */
    return rc;
}

int daas_store_etcd_create_many(daas_store_etcd *c, const daas_bytes *keys,
                                const daas_bytes *values, size_t n, daas_store_etcd_txn_res *res,
                                daas_err *err)
{
    if (n == 0)
        return daas_fail(err, DAAS_EINVAL, "etcd: no keys to create");
    daas_buf body, out;
    daas_buf_init(&body, 0);
    daas_buf_init(&out, REPLY_MAX);
    int rc = many_body(keys, values, n, &body);
    if (rc != DAAS_OK)
        rc = daas_fail(err, DAAS_EINTERNAL, "etcd: cannot build txn");
    if (rc == DAAS_OK)
        rc = post(c, CALL_WRITE, "/v3/kv/txn", body.data, &out, err);
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_txn(out.data, out.len, res, err), err);
    daas_buf_fini(&body);
    daas_buf_fini(&out);
    return rc;
}

int daas_store_etcd_update_if(daas_store_etcd *c, daas_bytes key, daas_bytes value, int64_t mod_rev,
                              int64_t lease, daas_store_etcd_txn_res *res, daas_err *err)
{
    return txn(c, key, "MOD", mod_rev, "request_put", put_op(key, value, lease), res, err);
}

int daas_store_etcd_put_if_version(daas_store_etcd *c, daas_bytes key, daas_bytes value,
                                   int64_t version, daas_store_etcd_txn_res *res, daas_err *err)
{
    return txn(c, key, "VERSION", version, "request_put", put_op(key, value, 0), res, err);
}

int daas_store_etcd_delete_if(daas_store_etcd *c, daas_bytes key, int64_t mod_rev,
                              daas_store_etcd_txn_res *res, daas_err *err)
{
    json_t *del = json_object();
    json_object_set_new(del, "key", b64(key));
    return txn(c, key, "MOD", mod_rev, "request_delete_range", del, res, err);
}

/* A unary call whose reply only carries a header. */
static int simple(daas_store_etcd *c, int kind, const char *path, json_t *req, int64_t *rev,
                  daas_err *err)
{
    daas_buf out;
    daas_buf_init(&out, REPLY_MAX);
    int rc = call(c, kind, path, req, &out, err);
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_header(out.data, out.len, rev, err), err);
    daas_buf_fini(&out);
    return rc;
}

int daas_store_etcd_compact(daas_store_etcd *c, int64_t revision, daas_err *err)
{
    json_t *req = json_pack("{s:o,s:b}", "revision", i64s(revision), "physical", 1);
    return simple(c, CALL_READ, "/v3/kv/compaction", req, NULL, err);
}

static int lease_call(daas_store_etcd *c, int kind, const char *path, json_t *req, int64_t *id,
                      int64_t *ttl, daas_err *err)
{
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    int rc = call(c, kind, path, req, &out, err);
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_lease(out.data, out.len, id, ttl, err), err);
    daas_buf_fini(&out);
    return rc;
}

int daas_store_etcd_lease_grant(daas_store_etcd *c, int64_t ttl_sec, int64_t *id, daas_err *err)
{
    int64_t ttl = 0;
    return lease_call(c, CALL_WRITE, "/v3/lease/grant", json_pack("{s:o}", "TTL", i64s(ttl_sec)),
                      id, &ttl, err);
}

int daas_store_etcd_lease_keepalive(daas_store_etcd *c, int64_t id, int64_t *ttl, daas_err *err)
{
    int64_t got = 0, t = 0;
    int rc = lease_call(c, CALL_READ, "/v3/lease/keepalive", json_pack("{s:o}", "ID", i64s(id)),
                        &got, &t, err);
    /* SPEC: rpc.proto LeaseKeepAliveResponse: "TTL is the new time-to-live" (<= 0: gone). */
    if (rc == DAAS_OK && t <= 0)
        rc = daas_fail(err, DAAS_ENOTFOUND, "etcd: lease %" PRId64 " expired", id);
    if (rc == DAAS_OK && ttl != NULL)
        *ttl = t;
    return rc;
}

int daas_store_etcd_lease_revoke(daas_store_etcd *c, int64_t id, daas_err *err)
{
    return simple(c, CALL_WRITE, "/v3/lease/revoke", json_pack("{s:o}", "ID", i64s(id)), NULL, err);
}

int daas_store_etcd_status_of(daas_store_etcd *c, size_t idx, daas_store_etcd_status *st,
                              daas_err *err)
{
    if (idx >= c->neps)
        return daas_fail(err, DAAS_EINVAL, "etcd: no endpoint %zu", idx);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode cc = post_once(c, idx, "/v3/maintenance/status", "{}", &out, &status, errbuf);
    int rc = DAAS_OK;
    if (cc != CURLE_OK)
        rc = daas_fail(err, DAAS_EUNAVAIL, "etcd: %s: %s", c->eps[idx],
                       errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
    if (rc == DAAS_OK)
        rc = remote(daas_store_etcd__parse_status(out.data, out.len, st, err), err);
    daas_buf_fini(&out);
    return rc;
}
