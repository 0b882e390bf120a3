/*
 * pull.c: image pulls over the OCI distribution API (image.h): reference parsing, manifest
 *         and index fetches, the registry bearer-token flow, verified blob downloads.
 *
 * Owns:   the libcurl handles of one pull (one per request), the bearer token of the pull.
 * Invariants:
 *   - https with peer and host verification unless opts->insecure_http, which is refused
 *     for any registry host but loopback (127.0.0.1, localhost, [::1]);
 *   - every manifest is checked against the digest it was asked by (when asked by digest)
 *     and stored under its own SHA-256; blobs are verified while they stream (store.c);
 *   - redirects are followed only for blobs (registries hand them to storage); libcurl does
 *     not send the Authorization header to another host.
 */
#include "image/image.h"

#include <pthread.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

#define ACCEPT                                                                                     \
    "Accept: " DAAS_IMAGE_MT_OCI_MANIFEST ", " DAAS_IMAGE_MT_OCI_INDEX                             \
    ", " DAAS_IMAGE_MT_DOCKER_MANIFEST ", " DAAS_IMAGE_MT_DOCKER_LIST

typedef struct pull {
    daas_image_store *s;
    const daas_image_pull_opts *o;
    daas_image_ref r;
    char *token; /* bearer token, once obtained */
    bool basic;  /* the registry asked for Basic credentials: send them on every request */
} pull;

/* One HTTP exchange. */
typedef struct xfer {
    daas_buf body;
    char *ctype, *challenge;
    daas_image_blob_writer *w; /* blob downloads stream here instead of body */
    const pull *p;
    const char *digest;
    uint64_t total;
    int wrc;
    daas_err werr;
    long status;
} xfer;

/* ---- references ---- */

int daas_image_ref_parse(const char *s, daas_image_ref *r, daas_err *err)
{
    memset(r, 0, sizeof *r);
    const char *slash = strchr(s, '/');
    const char *rest = s;
    if (!s[0] || strlen(s) > 1024 || strpbrk(s, " \t\r\n\"\\?#"))
        return daas_fail(err, DAAS_EINVAL, "invalid image reference \"%.200s\"", s);
    if (slash && (memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
                  (slash - s == 9 && strncmp(s, "localhost", 9) == 0))) {
        r->host = daas_xstrndup(s, (size_t)(slash - s));
        rest = slash + 1;
    } else {
        r->host = daas_xstrdup("registry-1.docker.io");
    }
    const char *at = strchr(rest, '@');
    const char *colon = strrchr(rest, ':');
    size_t nlen;
    if (at) {
        nlen = (size_t)(at - rest);
        r->reference = daas_xstrdup(at + 1);
        if (!daas_image_digest_valid(r->reference))
            return daas_fail(err, DAAS_EINVAL, "invalid digest in \"%.200s\"", s);
    } else if (colon && !strchr(colon, '/')) {
        nlen = (size_t)(colon - rest);
        r->reference = daas_xstrdup(colon + 1);
    } else {
        nlen = strlen(rest);
        r->reference = daas_xstrdup("latest");
    }
    bool hub = strcmp(r->host, "registry-1.docker.io") == 0;
    r->name = hub && !memchr(rest, '/', nlen) ? daas_xasprintf("library/%.*s", (int)nlen, rest)
                                              : daas_xstrndup(rest, nlen);
    if (!r->name[0] || !r->reference[0] || r->name[strlen(r->name) - 1] == '/' ||
        strstr(r->name, ".."))
        return daas_fail(err, DAAS_EINVAL, "invalid image reference \"%.200s\"", s);
    r->canonical = daas_xasprintf("%s/%s%s%s", hub ? "docker.io" : r->host, r->name, at ? "@" : ":",
                                  r->reference);
    return DAAS_OK;
}

void daas_image_ref_fini(daas_image_ref *r)
{
    daas_free(r->host);
    daas_free(r->name);
    daas_free(r->reference);
    daas_free(r->canonical);
    memset(r, 0, sizeof *r);
}

/* ---- the bearer challenge ---- */

/* The value of key="..." (or key=token) in a challenge's parameter list. */
static char *param(const char *h, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = h; (p = strcasestr(p, key)) != NULL; p += kl) {
        if ((p != h && p[-1] != ' ' && p[-1] != ',') || p[kl] != '=')
            continue;
        const char *v = p + kl + 1;
        if (*v == '"') {
            const char *e = strchr(v + 1, '"');
            return e ? daas_xstrndup(v + 1, (size_t)(e - v - 1)) : NULL;
        }
        return daas_xstrndup(v, strcspn(v, ", \r\n"));
    }
    return NULL;
}

int daas_image_parse_challenge(const char *h, char **realm, char **service, char **scope,
                               daas_err *err)
{
    *realm = *service = *scope = NULL;
    while (*h == ' ')
        h++;
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return daas_fail(err, DAAS_EINVAL, "not a Bearer challenge");
    *realm = param(h + 7, "realm");
    if (!*realm || (strncmp(*realm, "https://", 8) != 0 && strncmp(*realm, "http://", 7) != 0)) {
        daas_free(*realm);
        *realm = NULL;
        return daas_fail(err, DAAS_EINVAL, "Bearer challenge without an http(s) realm");
    }
    *service = param(h + 7, "service");
    *scope = param(h + 7, "scope");
    return DAAS_OK;
}

/* ---- HTTP ---- */

static size_t on_header(char *b, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    size_t k = len;
    while (k > 0 && (b[k - 1] == '\r' || b[k - 1] == '\n'))
        k--;
    if (k > 13 && strncasecmp(b, "Content-Type:", 13) == 0) {
        daas_free(x->ctype);
        x->ctype = daas_xstrndup(b + 13 + strspn(b + 13, " "), k - 13 - strspn(b + 13, " "));
    } else if (k > 17 && strncasecmp(b, "WWW-Authenticate:", 17) == 0) {
        daas_free(x->challenge);
        x->challenge = daas_xstrndup(b + 17, k - 17);
    } else if (k > 15 && strncasecmp(b, "Content-Length:", 15) == 0) {
        char tmp[32];
        size_t m = k - 15 < sizeof tmp - 1 ? k - 15 : sizeof tmp - 1;
        memcpy(tmp, b + 15, m);
        tmp[m] = '\0';
        x->total = strtoull(tmp, NULL, 10);
    }
    return len;
}

static size_t on_body(char *b, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    if (x->w && x->status < 300) {
        x->wrc = daas_image_blob_write(x->w, b, len, &x->werr);
        if (x->wrc != DAAS_OK)
            return 0;
        if (x->p->o->progress)
            x->p->o->progress(x->p->o->progress_ctx, x->digest, daas_image_blob_written(x->w),
                              x->total);
        return len;
    }
    if (daas_buf_append(&x->body, b, len) != DAAS_OK) {
        x->wrc = daas_fail(&x->werr, DAAS_ETOOBIG, "registry reply too large");
        return 0;
    }
    return len;
}

static void xfer_fini(xfer *x)
{
    daas_buf_fini(&x->body);
    daas_free(x->ctype);
    daas_free(x->challenge);
}

static void xfer_reset(xfer *x)
{
    daas_buf_reset(&x->body);
    daas_free(x->ctype);
    daas_free(x->challenge);
    x->ctype = x->challenge = NULL;
    x->total = 0;
    x->status = 0;
}

typedef struct hctx {
    CURL *c;
    xfer *x;
} hctx;

/* The body callback: learns the status first (blob writes skip error bodies). */
static size_t on_body_first(char *b, size_t sz, size_t n, void *ud)
{
    hctx *h = ud;
    curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &h->x->status);
    return on_body(b, sz, n, h->x);
}

/* GET url; basic: send the pull's Basic credentials (token endpoint, Basic registries). */
static int http_get(const pull *p, const char *url, const char *accept, bool basic, bool follow,
                    xfer *x, daas_err *err)
{
    CURL *c = curl_easy_init();
    if (!c)
        return daas_fail(err, DAAS_EINTERNAL, "curl init failed");
    struct curl_slist *hdr = NULL;
    char ebuf[CURL_ERROR_SIZE] = "";
    hctx h = {c, x};
    if (accept)
        hdr = curl_slist_append(hdr, accept);
    char *auth = p->token && !basic ? daas_xasprintf("Authorization: Bearer %s", p->token) : NULL;
    if (auth)
        hdr = curl_slist_append(hdr, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, p->o->insecure_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body_first);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h);
    if (basic && p->o->username) {
        curl_easy_setopt(c, CURLOPT_USERNAME, p->o->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, p->o->password ? p->o->password : "");
    }
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
    int rc = DAAS_OK;
    if (x->wrc != DAAS_OK)
        rc = daas_fail(err, x->wrc, "%s", x->werr.msg);
    else if (cc != CURLE_OK)
        rc = daas_fail(err, DAAS_EUNAVAIL, "registry %s unreachable: %s", p->r.host,
                       ebuf[0] ? ebuf : curl_easy_strerror(cc));
    curl_slist_free_all(hdr);
    daas_free(auth);
    curl_easy_cleanup(c);
    return rc;
}

static char *url_of(const pull *p, const char *kind, const char *ref)
{
    return daas_xasprintf("%s://%s/v2/%s/%s/%s", p->o->insecure_http ? "http" : "https", p->r.host,
                          p->r.name, kind, ref);
}

/* Answers a 401 Bearer challenge: fetches a token from its realm. */
static int get_token(pull *p, const char *challenge, daas_err *err)
{
    char *realm = NULL, *service = NULL, *scope = NULL;
    int rc = daas_image_parse_challenge(challenge, &realm, &service, &scope, err);
    if (rc != DAAS_OK) {
        daas_err_clear(err);
        return daas_fail(err, DAAS_EUNAUTH, "registry %s refused access (%s)", p->r.host,
                         challenge);
    }
    CURL *c = curl_easy_init();
    char *es = service ? curl_easy_escape(c, service, 0) : NULL;
    char *sc = curl_easy_escape(c, scope ? scope : "", 0);
    char *def = daas_xasprintf("repository:%s:pull", p->r.name);
    char *dsc = curl_easy_escape(c, def, 0);
    char *url = daas_xasprintf("%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
                               es ? es : "", scope ? sc : dsc);
    curl_free(es);
    curl_free(sc);
    curl_free(dsc);
    curl_easy_cleanup(c);
    xfer x = {.p = p};
    daas_buf_init(&x.body, 1 << 20);
    rc = http_get(p, url, NULL, true, false, &x, err);
    json_t *j =
        rc == DAAS_OK && x.status == 200 ? json_loadb(x.body.data, x.body.len, 0, NULL) : NULL;
    const char *tok = json_string_value(json_object_get(j, "token"));
    if (!tok)
        tok = json_string_value(json_object_get(j, "access_token"));
    if (rc == DAAS_OK && !tok)
        rc = daas_fail(err, DAAS_EUNAUTH, "registry %s: token request refused (HTTP %ld)",
                       p->r.host, x.status);
    if (rc == DAAS_OK) {
        daas_free(p->token);
        p->token = daas_xstrdup(tok);
    }
    json_decref(j);
    xfer_fini(&x);
    daas_free(url);
    daas_free(def);
    daas_free(realm);
    daas_free(service);
    daas_free(scope);
    return rc;
}

/* Whether a challenge asks for Basic credentials (a registry behind htpasswd). */
static bool basic_challenge(const char *ch)
{
    while (*ch == ' ' || *ch == '\t')
        ch++;
    return strncasecmp(ch, "Basic", 5) == 0 &&
           (ch[5] == '\0' || ch[5] == ' ' || ch[5] == '\r' || ch[5] == '\n');
}

/* GET with one retry after a Basic (when the pull has credentials) or Bearer challenge.
 * Basic credentials are not sent where a redirect leads (curl keeps them to the host). */
static int get_authed(pull *p, const char *url, const char *accept, bool follow, xfer *x,
                      daas_err *err)
{
    int rc = http_get(p, url, accept, p->basic, follow, x, err);
    if (rc == DAAS_OK && x->status == 401 && x->challenge && !p->basic && !p->token &&
        p->o->username != NULL && basic_challenge(x->challenge)) {
        p->basic = true;
        xfer_reset(x);
        rc = http_get(p, url, accept, true, follow, x, err);
    } else if (rc == DAAS_OK && x->status == 401 && x->challenge && !p->token) {
        if ((rc = get_token(p, x->challenge, err)) != DAAS_OK)
            return rc;
        xfer_reset(x);
        rc = http_get(p, url, accept, false, follow, x, err);
    }
    if (rc == DAAS_OK && (x->status == 401 || x->status == 403))
        rc = daas_fail(err, DAAS_EUNAUTH, "registry %s refused access to %s (HTTP %ld)", p->r.host,
                       p->r.name, x->status);
    return rc;
}

/* ---- the pull ---- */

/* Fetches the manifest ref, verifies it against want (a digest, or NULL) and stores it. */
static int fetch_manifest(pull *p, const char *ref, const char *want, daas_image_manifest *m,
                          char *digest, daas_err *err)
{
    xfer x = {.p = p};
    memset(m, 0, sizeof *m);
    daas_buf_init(&x.body, DAAS_IMAGE_MAX_JSON);
    char *url = url_of(p, "manifests", ref);
    int rc = get_authed(p, url, ACCEPT, false, &x, err);
    if (rc == DAAS_OK && x.status == 404)
        rc = daas_fail(err, DAAS_ENOTFOUND, "manifest unknown: %s", p->r.canonical);
    else if (rc == DAAS_OK && x.status != 200)
        rc = daas_fail(err, DAAS_EREMOTE, "registry %s: HTTP %ld for manifest %s", p->r.host,
                       x.status, p->r.canonical);
    if (rc == DAAS_OK)
        rc = daas_image_blob_put(p->s, want, x.body.data ? x.body.data : "", x.body.len, digest,
                                 err);
    if (rc == DAAS_OK)
        rc = daas_image_manifest_parse(x.body.data ? x.body.data : "", x.body.len, x.ctype, m, err);
    daas_free(url);
    xfer_fini(&x);
    return rc;
}

static int fetch_blob(pull *p, const daas_image_desc *d, daas_err *err)
{
    if (daas_image_blob_has(p->s, d->digest))
        return DAAS_OK;
    xfer x = {.p = p, .digest = d->digest};
    daas_buf_init(&x.body, 1 << 16);
    int rc = daas_image_blob_begin(p->s, d->digest, &x.w, err);
    char *url = url_of(p, "blobs", d->digest);
    if (rc == DAAS_OK)
        rc = get_authed(p, url, NULL, true, &x, err);
    if (rc == DAAS_OK && x.status == 404)
        rc = daas_fail(err, DAAS_ENOTFOUND, "blob unknown: %s of %s", d->digest, p->r.canonical);
    else if (rc == DAAS_OK && x.status != 200)
        rc = daas_fail(err, DAAS_EREMOTE, "registry %s: HTTP %ld for blob %s", p->r.host, x.status,
                       d->digest);
    if (rc == DAAS_OK)
        rc = daas_image_blob_commit(&x.w, NULL, err);
    daas_image_blob_abort(&x.w);
    daas_free(url);
    xfer_fini(&x);
    return rc;
}

static bool loopback(const char *host)
{
    size_t n = strcspn(host, host[0] == '[' ? "]" : ":");
    return (n == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
           (n == 9 && strncmp(host, "localhost", 9) == 0) || strncmp(host, "[::1]", 5) == 0;
}

static int do_pull(pull *p, char *digest, daas_err *err)
{
    daas_image_manifest m;
    const char *want = daas_image_digest_valid(p->r.reference) ? p->r.reference : NULL;
    int rc = fetch_manifest(p, p->r.reference, want, &m, digest, err);
    if (rc == DAAS_OK && m.kind == DAAS_IMAGE_KIND_INDEX) {
        const daas_image_desc *d = NULL;
        rc = daas_image_index_pick(&m, p->o->os ? p->o->os : "linux",
                                   p->o->arch ? p->o->arch : "amd64", &d, err);
        char *inner = rc == DAAS_OK ? daas_xstrdup(d->digest) : NULL;
        daas_image_manifest_fini(&m);
        if (rc == DAAS_OK)
            rc = fetch_manifest(p, inner, inner, &m, digest, err);
        daas_free(inner);
        if (rc == DAAS_OK && m.kind != DAAS_IMAGE_KIND_MANIFEST)
            rc = daas_fail(err, DAAS_EINVAL, "%s: nested index", p->r.canonical);
    }
    if (rc == DAAS_OK)
        rc = fetch_blob(p, &m.config, err);
    for (size_t i = 0; rc == DAAS_OK && i < m.n_layers; i++)
        rc = fetch_blob(p, &m.layers[i], err);
    if (rc == DAAS_OK)
        rc = daas_image_ref_set(p->s, p->r.canonical, digest, err);
    daas_image_manifest_fini(&m);
    return rc;
}

int daas_image_pull(daas_image_store *s, const char *ref, const daas_image_pull_opts *opts,
                    char *digest_out, daas_err *err)
{
    daas_image_pull_opts none = {0};
    pull p = {.s = s, .o = opts ? opts : &none};
    char digest[DAAS_IMAGE_DIGEST_LEN + 1];
    pthread_once(&curl_once, curl_init);
    int rc = daas_image_ref_parse(ref, &p.r, err);
    if (rc == DAAS_OK && p.o->insecure_http && !loopback(p.r.host))
        rc = daas_fail(err, DAAS_EINVAL, "--insecure-http is only for loopback registries, not %s",
                       p.r.host);
    if (rc == DAAS_OK)
        rc = do_pull(&p, digest, err);
    if (rc == DAAS_OK && digest_out)
        memcpy(digest_out, digest, sizeof digest);
    daas_image_ref_fini(&p.r);
    daas_free(p.token);
    return rc;
}
