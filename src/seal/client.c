/*
 * client.c: the Seal client: session keys and certificates, concurrent fetch_key requests
 * to the key servers of an object, verification of the derived keys, the key cache.
 *
 * Owns:   the session (Ed25519 key pair from libsodium, the wallet's certificate), the
 *         client (its key servers, the cache of verified derived keys), one libcurl multi
 *         handle per fetch.
 * Invariants: see client.h. The cache holds only keys that passed daas_seal_verify_usk; its
 *         lock is never held across network I/O.
 */
#include <pthread.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/util.h"
#include "seal/client.h"
#include "seal/proto.h"

#define DEFAULT_TIMEOUT_MS 10000
#define MAX_REPLY ((size_t)1 << 20)
#define BACKDATE_MS 10000 /* a certificate a little older than now survives clock skew */
#define SDK_TYPE "rust"   /* specs/seal.md §6.2: accepted by key servers and aggregators */

struct daas_seal_session {
    uint8_t package[DAAS_SEAL_ADDR_LEN];
    uint8_t user[DAAS_SEAL_ADDR_LEN];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    uint8_t vk[crypto_sign_PUBLICKEYBYTES];
    uint64_t creation_ms;
    uint16_t ttl_min;
    char *signature; /* the wallet's, base64 */
};

typedef struct cached {
    uint8_t package[DAAS_SEAL_ADDR_LEN];
    uint8_t *id;
    size_t id_len;
    daas_seal_derived key;
} cached;

struct daas_seal_client {
    daas_seal_ks *servers;
    size_t nservers;
    char *ca_file;
    long timeout_ms;
    pthread_mutex_t mu; /* guards cache */
    cached *cache;
    size_t ncache, capcache;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- sessions ---- */

int daas_seal_session_new(const daas_sui_key *user, const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                          uint16_t ttl_min, daas_seal_session **out, daas_err *err)
{
    *out = NULL;
    if (ttl_min < 1 || ttl_min > DAAS_SEAL_TTL_MAX_MIN)
        return daas_fail(err, DAAS_EINVAL, "seal: session TTL of %u minutes (want 1..%u)",
                         ttl_min, DAAS_SEAL_TTL_MAX_MIN);
    if (sodium_init() < 0)
        return daas_fail(err, DAAS_ECRYPTO, "seal: libsodium did not initialise");
    daas_seal_session *s = daas_xcalloc(1, sizeof *s);
    memcpy(s->package, package_id, DAAS_SEAL_ADDR_LEN);
    daas_sui_key_address(user, s->user);
    crypto_sign_keypair(s->vk, s->sk);
    s->ttl_min = ttl_min;
    int64_t now = daas_now_ms();
    s->creation_ms = (uint64_t)(now > BACKDATE_MS ? now - BACKDATE_MS : 0);
    daas_buf msg = {0};
    int rc = daas_seal_personal_message(s->package, NULL, ttl_min, s->creation_ms, s->vk, &msg,
                                        err);
    if (rc == DAAS_OK)
        rc = daas_sui_sign_personal_message(user, DAAS_BYTES(msg.data, msg.len), &s->signature,
                                            err);
    daas_buf_fini(&msg);
    if (rc != DAAS_OK) {
        daas_seal_session_free(&s);
        return rc;
    }
    *out = s;
    return DAAS_OK;
}

bool daas_seal_session_expiring(const daas_seal_session *s, int64_t now_ms, int64_t margin_ms)
{
    int64_t end = (int64_t)s->creation_ms + (int64_t)s->ttl_min * 60000;
    return now_ms + margin_ms >= end;
}

void daas_seal_session_free(daas_seal_session **s)
{
    if (!s || !*s)
        return;
    daas_seal_wipe((*s)->sk, sizeof (*s)->sk);
    daas_free((*s)->signature);
    daas_free(*s);
    *s = NULL;
}

/* ---- client ---- */

static bool http_url(const char *u)
{
    return strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0;
}

int daas_seal_client_new(const daas_seal_client_opts *o, daas_seal_client **out, daas_err *err)
{
    *out = NULL;
    if (o->nservers == 0 || o->nservers > DAAS_SEAL_CLIENT_MAX_SERVERS)
        return daas_fail(err, DAAS_EINVAL, "seal: %zu key servers (want 1..%d)", o->nservers,
                         DAAS_SEAL_CLIENT_MAX_SERVERS);
    for (size_t i = 0; i < o->nservers; i++) {
        const daas_seal_ks *k = &o->servers[i];
        int rc = daas_seal_pk_check(k->pk, err);
        if (rc != DAAS_OK)
            return rc;
        if (!http_url(k->url) || strnlen(k->url, DAAS_SEAL_URL_MAX) == DAAS_SEAL_URL_MAX)
            return daas_fail(err, DAAS_EINVAL, "seal: key server %zu: URL must be http(s)://",
                             i);
        for (size_t j = 0; j < i; j++)
            if (memcmp(o->servers[j].object_id, k->object_id, DAAS_SEAL_ADDR_LEN) == 0)
                return daas_fail(err, DAAS_EINVAL, "seal: key server %zu listed twice", i);
    }
    pthread_once(&curl_once, curl_init);
    if (curl_rc != CURLE_OK)
        return daas_fail(err, DAAS_EINTERNAL, "seal: libcurl did not initialise");
    daas_seal_client *c = daas_xcalloc(1, sizeof *c);
    c->servers = daas_xcalloc(o->nservers, sizeof *c->servers);
    memcpy(c->servers, o->servers, o->nservers * sizeof *c->servers);
    c->nservers = o->nservers;
    c->ca_file = o->ca_file ? daas_xstrdup(o->ca_file) : NULL;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return DAAS_OK;
}

void daas_seal_client_forget(daas_seal_client *c)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ncache; i++) {
        daas_seal_wipe(&c->cache[i].key, sizeof c->cache[i].key);
        daas_free(c->cache[i].id);
    }
    c->ncache = 0;
    pthread_mutex_unlock(&c->mu);
}

void daas_seal_client_free(daas_seal_client **c)
{
    if (!c || !*c)
        return;
    daas_seal_client_forget(*c);
    pthread_mutex_destroy(&(*c)->mu);
    daas_free((*c)->cache);
    daas_free((*c)->servers);
    daas_free((*c)->ca_file);
    daas_free(*c);
    *c = NULL;
}

size_t daas_seal_client_servers(const daas_seal_client *c, daas_seal_server *out, size_t max)
{
    size_t n = 0;
    for (; n < c->nservers && n < max; n++) {
        memcpy(out[n].object_id, c->servers[n].object_id, DAAS_SEAL_ADDR_LEN);
        memcpy(out[n].pk, c->servers[n].pk, DAAS_SEAL_G2_LEN);
    }
    return n;
}

static const daas_seal_ks *find_server(const daas_seal_client *c, const uint8_t *object_id)
{
    for (size_t i = 0; i < c->nservers; i++)
        if (memcmp(c->servers[i].object_id, object_id, DAAS_SEAL_ADDR_LEN) == 0)
            return &c->servers[i];
    return NULL;
}

static bool same_identity(const cached *e, const uint8_t *pkg, daas_bytes id)
{
    return memcmp(e->package, pkg, DAAS_SEAL_ADDR_LEN) == 0 && e->id_len == id.len &&
           memcmp(e->id, id.ptr, id.len) == 0;
}

size_t daas_seal_client_keys(daas_seal_client *c, const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                             daas_bytes id, daas_seal_derived *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ncache && n < max; i++)
        if (same_identity(&c->cache[i], package_id, id))
            out[n++] = c->cache[i].key;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static bool cached_has(daas_seal_client *c, const uint8_t *pkg, daas_bytes id,
                       const uint8_t *object_id)
{
    bool found = false;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ncache && !found; i++)
        found = same_identity(&c->cache[i], pkg, id) &&
                memcmp(c->cache[i].key.object_id, object_id, DAAS_SEAL_ADDR_LEN) == 0;
    pthread_mutex_unlock(&c->mu);
    return found;
}

static void cache_put(daas_seal_client *c, const uint8_t *pkg, daas_bytes id,
                      const daas_seal_derived *k)
{
    if (cached_has(c, pkg, id, k->object_id))
        return;
    pthread_mutex_lock(&c->mu);
    if (c->ncache == c->capcache) {
        c->capcache = c->capcache ? 2 * c->capcache : 16;
        c->cache = daas_xrealloc(c->cache, c->capcache * sizeof *c->cache);
    }
    cached *e = &c->cache[c->ncache++];
    memcpy(e->package, pkg, DAAS_SEAL_ADDR_LEN);
    e->id = daas_xmalloc(id.len ? id.len : 1);
    memcpy(e->id, id.ptr, id.len);
    e->id_len = id.len;
    e->key = *k;
    pthread_mutex_unlock(&c->mu);
}

/* ---- one fetch: a request per server, all in flight together ---- */

typedef struct ask {
    const daas_seal_ks *ks;
    unsigned weight; /* share entries this server holds in the object */
    CURL *h;
    daas_buf body;
    char errbuf[CURL_ERROR_SIZE];
    bool done;
} ask;

typedef struct fetch {
    daas_seal_client *c;
    const uint8_t *pkg;
    daas_bytes id;
    uint8_t sk[DAAS_SEAL_SCALAR_LEN]; /* the ElGamal request key */
    unsigned have, need;
    ask asks[DAAS_SEAL_CLIENT_MAX_SERVERS];
    size_t nasks;
    /* the failures, for the final message */
    unsigned refused, unreachable;
    daas_seal_errcode first_code;
    char first_msg[160];
    char first_unreach[160];
} fetch;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    daas_buf *b = arg;
    return daas_buf_append(b, p, size * n) == DAAS_OK ? size * n : 0;
}

static void hex_id(const uint8_t *id, char out[2 * DAAS_SEAL_ADDR_LEN + 3])
{
    out[0] = '0', out[1] = 'x';
    daas_hex_encode(id, DAAS_SEAL_ADDR_LEN, out + 2);
}

/* Opens and verifies the key for our identity in reply k, and caches it. */
static int take_one(fetch *f, const ask *a, const daas_seal_key_reply *k, daas_err *err)
{
    daas_seal_derived d;
    memcpy(d.object_id, a->ks->object_id, DAAS_SEAL_ADDR_LEN);
    int rc = daas_seal_elgamal_decrypt(f->sk, k->c1, k->c2, d.usk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_verify_usk(a->ks->pk, f->pkg, f->id, d.usk, err);
    if (rc == DAAS_OK)
        cache_put(f->c, f->pkg, f->id, &d);
    daas_seal_wipe(&d, sizeof d);
    return rc;
}

/* Takes a 200 reply: finds our identity's key, opens and verifies it, caches it. */
static int take_key(fetch *f, const ask *a, daas_err *err)
{
    daas_seal_fetch_resp resp = {0};
    int rc = daas_seal_fetch_resp_parse(DAAS_BYTES(a->body.data, a->body.len), &resp, err);
    if (rc != DAAS_OK)
        return rc;
    const daas_seal_key_reply *k = NULL;
    for (size_t i = 0; i < resp.nkeys && !k; i++)
        if (resp.keys[i].id_len == DAAS_SEAL_ADDR_LEN + f->id.len &&
            memcmp(resp.keys[i].id, f->pkg, DAAS_SEAL_ADDR_LEN) == 0 &&
            memcmp(resp.keys[i].id + DAAS_SEAL_ADDR_LEN, f->id.ptr, f->id.len) == 0)
            k = &resp.keys[i];
    rc = k ? take_one(f, a, k, err)
           : daas_fail(err, DAAS_EREMOTE, "the reply has no key for the identity");
    daas_seal_fetch_resp_fini(&resp);
    return rc;
}

/* Accounts for one finished request. */
static void finish(fetch *f, ask *a, CURLcode cc)
{
    char oid[2 * DAAS_SEAL_ADDR_LEN + 3];
    hex_id(a->ks->object_id, oid);
    long status = 0;
    curl_easy_getinfo(a->h, CURLINFO_RESPONSE_CODE, &status);
    a->done = true;
    if (cc != CURLE_OK) {
        if (f->unreachable++ == 0)
            snprintf(f->first_unreach, sizeof f->first_unreach, "%.18s…: %.120s", oid,
                     a->errbuf[0] ? a->errbuf : curl_easy_strerror(cc));
        return;
    }
    daas_err e = {0};
    if (status == 200 && take_key(f, a, &e) == DAAS_OK) {
        f->have += a->weight;
        return;
    }
    daas_seal_errcode code = DAAS_SEAL_E_UNKNOWN;
    char msg[160] = "";
    if (status != 200 &&
        daas_seal_error_parse(DAAS_BYTES(a->body.data, a->body.len), &code, msg, sizeof msg,
                              NULL) != DAAS_OK)
        snprintf(msg, sizeof msg, "HTTP %ld", status);
    else if (status == 200)
        snprintf(msg, sizeof msg, "%.150s", e.msg);
    if (f->refused++ == 0) {
        f->first_code = code;
        snprintf(f->first_msg, sizeof f->first_msg, "%.18s…: %.120s", oid, msg);
    }
}

static int start_asks(fetch *f, CURLM *m, const daas_buf *req, struct curl_slist *hdrs)
{
    for (size_t i = 0; i < f->nasks; i++) {
        ask *a = &f->asks[i];
        size_t ul = strlen(a->ks->url);
        while (ul > 0 && a->ks->url[ul - 1] == '/')
            ul--;
        char *url = daas_xasprintf("%.*s/v1/fetch_key", (int)ul, a->ks->url);
        daas_buf_init(&a->body, MAX_REPLY);
        a->h = curl_easy_init();
        if (!a->h) {
            daas_free(url);
            return DAAS_EINTERNAL;
        }
        curl_easy_setopt(a->h, CURLOPT_URL, url);
        curl_easy_setopt(a->h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(a->h, CURLOPT_POSTFIELDS, req->data);
        curl_easy_setopt(a->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
        curl_easy_setopt(a->h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(a->h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(a->h, CURLOPT_WRITEDATA, &a->body);
        curl_easy_setopt(a->h, CURLOPT_ERRORBUFFER, a->errbuf);
        curl_easy_setopt(a->h, CURLOPT_TIMEOUT_MS, f->c->timeout_ms);
        curl_easy_setopt(a->h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(a->h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(a->h, CURLOPT_SSL_VERIFYHOST, 2L);
        if (f->c->ca_file)
            curl_easy_setopt(a->h, CURLOPT_CAINFO, f->c->ca_file);
        curl_easy_setopt(a->h, CURLOPT_PRIVATE, a);
        daas_free(url); /* libcurl copies string options */
        curl_multi_add_handle(m, a->h);
    }
    return DAAS_OK;
}

/* Runs the requests until the threshold is covered or every request finished. */
static void run(fetch *f, CURLM *m)
{
    int running = 1;
    while (running > 0 && f->have < f->need) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            ask *a = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&a);
            finish(f, a, msg->data.result);
        }
        if (running > 0 && f->have < f->need)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
}

static int outcome(const fetch *f, daas_err *err)
{
    if (f->have >= f->need)
        return DAAS_OK;
    if (f->refused > 0 && f->refused >= f->unreachable)
        return daas_fail(err, daas_seal_error_daas_code(f->first_code),
                         "key servers refused (%u of %zu): %s: %s", f->refused, f->nasks,
                         daas_seal_error_name(f->first_code), f->first_msg);
    if (f->nasks == 0)
        return daas_fail(err, DAAS_EINVAL, "seal: the configured key servers hold %u of the "
                         "%u shares needed", f->have, f->need);
    return daas_fail(err, DAAS_EUNAVAIL,
                     "%u of %zu key servers unreachable, shares %u of threshold %u: %s",
                     f->unreachable, f->nasks, f->have, f->need, f->first_unreach);
}

/* Plans the asks: every distinct server of services without a cached key. */
static int plan(fetch *f, const daas_seal_service *services, size_t n, daas_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const daas_seal_ks *ks = find_server(f->c, services[i].object_id);
        if (!ks) {
            char oid[2 * DAAS_SEAL_ADDR_LEN + 3];
            hex_id(services[i].object_id, oid);
            return daas_fail(err, DAAS_EINVAL, "seal: key server %s is not configured", oid);
        }
        if (cached_has(f->c, f->pkg, f->id, ks->object_id)) {
            f->have++;
            continue;
        }
        size_t j = 0;
        while (j < f->nasks && f->asks[j].ks != ks)
            j++;
        if (j == f->nasks)
            f->asks[f->nasks++].ks = ks;
        f->asks[j].weight++;
    }
    return DAAS_OK;
}

int daas_seal_session_request(const daas_seal_session *s, daas_bytes ptb,
                              uint8_t sk[DAAS_SEAL_SCALAR_LEN], daas_buf *out, daas_err *err)
{
    daas_seal_fetch_req r = {0};
    daas_buf rf = {0};
    int rc = daas_seal_elgamal_keygen(sk, r.enc_key, r.enc_vk, err);
    if (rc == DAAS_OK)
        rc = daas_seal_request_format(ptb, r.enc_key, r.enc_vk, &rf, err);
    if (rc == DAAS_OK)
        crypto_sign_detached(r.request_signature, NULL, (const uint8_t *)rf.data, rf.len,
                             s->sk);
    r.ptb = (uint8_t *)ptb.ptr; /* borrowed for rendering only: no fini below */
    r.ptb_len = ptb.len;
    memcpy(r.cert.user, s->user, DAAS_SEAL_ADDR_LEN);
    memcpy(r.cert.session_vk, s->vk, DAAS_SEAL_SESSION_VK_LEN);
    r.cert.creation_time = s->creation_ms;
    r.cert.ttl_min = s->ttl_min;
    r.cert.signature = s->signature;
    if (rc == DAAS_OK)
        rc = daas_seal_fetch_req_render(&r, out, err);
    daas_buf_fini(&rf);
    return rc;
}

int daas_seal_client_fetch(daas_seal_client *c, daas_seal_session *s, daas_bytes ptb,
                           const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                           const daas_seal_service *services, size_t nservices,
                           uint8_t threshold, daas_err *err)
{
    if (memcmp(s->package, package_id, DAAS_SEAL_ADDR_LEN) != 0)
        return daas_fail(err, DAAS_EINVAL, "seal: the session is for another package");
    if (threshold == 0 || threshold > nservices)
        return daas_fail(err, DAAS_EINVAL, "seal: threshold %u of %zu services", threshold,
                         nservices);
    fetch *f = daas_xcalloc(1, sizeof *f);
    f->c = c, f->pkg = package_id, f->id = id, f->need = threshold;
    int rc = plan(f, services, nservices, err);
    if (rc != DAAS_OK || f->have >= f->need || f->nasks == 0) {
        if (rc == DAAS_OK)
            rc = outcome(f, err);
        daas_free(f);
        return rc;
    }
    daas_buf req = {0};
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, DAAS_SEAL_HDR_SDK_TYPE ": " SDK_TYPE);
    hdrs = curl_slist_append(hdrs, DAAS_SEAL_HDR_SDK_VERSION ": " DAAS_VERSION);
    CURLM *m = curl_multi_init();
    rc = daas_seal_session_request(s, ptb, f->sk, &req, err);
    if (rc == DAAS_OK && (!m || start_asks(f, m, &req, hdrs) != DAAS_OK))
        rc = daas_fail(err, DAAS_EINTERNAL, "seal: libcurl could not start the requests");
    if (rc == DAAS_OK) {
        run(f, m);
        rc = outcome(f, err);
    }
    for (size_t i = 0; i < f->nasks; i++) {
        if (f->asks[i].h) {
            curl_multi_remove_handle(m, f->asks[i].h);
            curl_easy_cleanup(f->asks[i].h);
        }
        daas_buf_fini(&f->asks[i].body);
    }
    curl_multi_cleanup(m);
    curl_slist_free_all(hdrs);
    daas_buf_fini(&req);
    daas_seal_wipe(f->sk, sizeof f->sk);
    daas_free(f);
    return rc;
}

int daas_seal_client_decrypt(daas_seal_client *c, const daas_seal_object *o, daas_buf *out,
                             daas_err *err)
{
    daas_seal_derived keys[DAAS_SEAL_CLIENT_MAX_SERVERS];
    daas_seal_server pks[DAAS_SEAL_CLIENT_MAX_SERVERS];
    size_t nkeys = daas_seal_client_keys(c, o->package_id, DAAS_BYTES(o->id, o->id_len), keys,
                                         DAAS_SEAL_CLIENT_MAX_SERVERS);
    size_t npks = 0;
    for (size_t i = 0; i < c->nservers; i++) {
        bool used = false;
        for (size_t j = 0; j < o->nservices && !used; j++)
            used = memcmp(o->services[j].object_id, c->servers[i].object_id,
                          DAAS_SEAL_ADDR_LEN) == 0;
        if (!used)
            continue;
        memcpy(pks[npks].object_id, c->servers[i].object_id, DAAS_SEAL_ADDR_LEN);
        memcpy(pks[npks].pk, c->servers[i].pk, DAAS_SEAL_G2_LEN);
        npks++;
    }
    int rc = daas_seal_decrypt(o, keys, nkeys, pks, npks, out, err);
    daas_seal_wipe(keys, sizeof keys);
    return rc;
}
