/*
 * test_http_server.c: the HTTP server end to end over real sockets, plain and TLS.
 *
 * Owns:   a throwaway CA, server and client certificates (EC P-256, made here with OpenSSL);
 *         a test handler with a few routes; blocking raw-socket / OpenSSL clients.
 * Invariants: every test stops and frees its server and closes its sockets (ASan checks);
 *         waits are bounded (socket receive timeouts, polled flags with deadlines), and no
 *         assertion depends on timing beyond "eventually, within seconds".
 * Spec:   src/api/http.h; RFC 9112 (chunked coding, persistence).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "api/http.h"
#include "common/util.h"

/* ---- what the handler saw and did ---- */

static struct {
    atomic_int closed;          /* on_close callbacks run */
    atomic_int write_rc;        /* last failing stream_write result (0: none yet) */
    atomic_int toobig_writes;   /* writes accepted before DAAS_ETOOBIG */
    atomic_size_t toobig_pending;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    daas_http_resp *deferred;   /* guarded by mu: a response waiting for a post */
    daas_http_loop *deferred_loop;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

typedef struct stream_ctx {
    daas_http_resp *resp;
    daas_http_timer *timer;
    int n, max, interval_ms;
} stream_ctx;

static void stream_tick(void *arg)
{
    stream_ctx *s = arg;
    char line[32];
    s->timer = NULL;
    int k = snprintf(line, sizeof line, "chunk-%d\n", ++s->n);
    int rc = daas_http_stream_write(s->resp, line, (size_t)k, 1 << 20);
    if (rc != DAAS_OK || (s->max > 0 && s->n >= s->max)) {
        if (rc != DAAS_OK)
            atomic_store(&g.write_rc, rc);
        daas_http_stream_end(s->resp);
        daas_free(s);
        return;
    }
    s->timer = daas_http_loop_timer(daas_http_resp_loop(s->resp), s->interval_ms, stream_tick, s);
}

static void stream_closed(void *arg)
{
    stream_ctx *s = arg;
    daas_http_timer_cancel(&s->timer);
    daas_free(s);
    atomic_fetch_add(&g.closed, 1);
}

/* /stream: 3 chunks from a timer; /hold: forever, with on_close; /hold_noclose: until a
 * write fails. */
static void start_stream(daas_http_resp *resp, int max, bool with_on_close)
{
    stream_ctx *s = daas_xcalloc(1, sizeof *s);
    s->resp = resp;
    s->max = max;
    s->interval_ms = 10;
    daas_http_stream_start(resp, 200, "application/json");
    if (with_on_close)
        daas_http_on_close(resp, stream_closed, s);
    s->timer = daas_http_loop_timer(daas_http_resp_loop(resp), 5, stream_tick, s);
}

static void stream_later(void *arg)
{
    start_stream(arg, 0, true);
}

static void respond_later(void *arg)
{
    daas_http_respond(arg, 200, "text/plain", NULL, "delayed", 7);
}

static void respond_deferred(void *arg)
{
    daas_http_respond(arg, 200, "text/plain", NULL, "deferred", 8);
}

static void fill_pipe(daas_http_resp *resp)
{
    static char block[64 << 10];
    int n = 0, rc;
    memset(block, 'x', sizeof block);
    daas_http_stream_start(resp, 200, "application/octet-stream");
    while ((rc = daas_http_stream_write(resp, block, sizeof block, 256 << 10)) == DAAS_OK)
        n++;
    atomic_store(&g.toobig_writes, n);
    atomic_store(&g.toobig_pending, daas_http_stream_pending(resp));
    atomic_store(&g.write_rc, rc);
    daas_http_stream_end(resp);
}

static void route(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    char out[1024];
    if (strcmp(req->path, "/stream") == 0) {
        start_stream(resp, 3, true);
    } else if (strcmp(req->path, "/hold") == 0) {
        start_stream(resp, 0, true);
    } else if (strcmp(req->path, "/hold_noclose") == 0) {
        start_stream(resp, 0, false);
    } else if (strcmp(req->path, "/fill") == 0) {
        fill_pipe(resp);
    } else if (strcmp(req->path, "/late_stream") == 0) {
        (void)daas_http_loop_timer(daas_http_resp_loop(resp), 50, stream_later, resp);
    } else if (strcmp(req->path, "/delay") == 0) {
        (void)daas_http_loop_timer(daas_http_resp_loop(resp), 50, respond_later, resp);
    } else if (strcmp(req->path, "/deferred") == 0) {
        pthread_mutex_lock(&g.mu);
        g.deferred = resp;
        g.deferred_loop = daas_http_resp_loop(resp);
        pthread_cond_broadcast(&g.cv);
        pthread_mutex_unlock(&g.mu);
    } else if (strcmp(req->path, "/peer") == 0) {
        int n = snprintf(out, sizeof out, "verified=%d cn=%s o=%s,%s n=%d", req->peer->verified,
                         req->peer->cn, req->peer->norgs > 0 ? req->peer->orgs[0] : "",
                         req->peer->norgs > 1 ? req->peer->orgs[1] : "", req->peer->norgs);
        daas_http_respond(resp, 200, "text/plain", NULL, out, (size_t)n);
    } else if (strcmp(req->path, "/missing") == 0) {
        daas_buf b;
        daas_buf_init(&b, 0);
        assert_int_equal(daas_http_status_json(&b, DAAS_ENOTFOUND, "pods \"x\" not found"),
                         DAAS_OK);
        const char *extra[] = {"X-Test: yes", "Bad: a\r\nInjected: 1", NULL};
        daas_http_respond(resp, 404, "application/json", extra, b.data, b.len);
        daas_buf_fini(&b);
    } else {
        int n = snprintf(out, sizeof out, "%s %s q=%s body=%.*s remote=%d", req->method,
                         req->path, req->query, (int)req->body.len, (const char *)req->body.ptr,
                         strncmp(req->remote, "127.0.0.1:", 10) == 0);
        daas_http_respond(resp, 200, "text/plain", NULL, out, (size_t)n);
    }
}

/* ---- certificates ---- */

static struct {
    EVP_PKEY *ca_key, *srv_key, *cli_key;
    X509 *ca, *srv, *cli;
} pki;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *o1, const char *o2,
                       X509 *issuer, EVP_PKEY *ikey, long serial)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    if (o1)
        X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o1, -1, -1, 0);
    if (o2)
        X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)o2, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    if (issuer == NULL) {
        add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer, NID_subject_alt_name, "IP:127.0.0.1");
    }
    assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
    return x;
}

static void make_pki(void)
{
    pki.ca_key = EVP_EC_gen("P-256");
    pki.srv_key = EVP_EC_gen("P-256");
    pki.cli_key = EVP_EC_gen("P-256");
    assert_non_null(pki.cli_key);
    pki.ca = make_cert(pki.ca_key, "test-ca", NULL, NULL, NULL, NULL, 1);
    pki.srv = make_cert(pki.srv_key, "server", NULL, NULL, pki.ca, pki.ca_key, 2);
    pki.cli = make_cert(pki.cli_key, "alice", "system:masters", "dev", pki.ca, pki.ca_key, 3);
}

static void free_pki(void)
{
    EVP_PKEY_free(pki.ca_key);
    EVP_PKEY_free(pki.srv_key);
    EVP_PKEY_free(pki.cli_key);
    X509_free(pki.ca);
    X509_free(pki.srv);
    X509_free(pki.cli);
}

static SSL_CTX *server_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_int_equal(SSL_CTX_use_certificate(ctx, pki.srv), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, pki.srv_key), 1);
    assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki.ca), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL); /* optional client certificate */
    return ctx;
}

static SSL_CTX *client_ctx(bool with_cert)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki.ca), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL); /* the server must chain to our CA */
    if (with_cert) {
        assert_int_equal(SSL_CTX_use_certificate(ctx, pki.cli), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey(ctx, pki.cli_key), 1);
    }
    return ctx;
}

/* ---- a server per test ---- */

typedef struct fixture {
    daas_http_server *srv;
    SSL_CTX *sctx;   /* NULL: plain */
    SSL_CTX *cctx;   /* client side, no certificate */
    int port;
} fixture;

static void fx_start(fixture *fx, bool tls, size_t max_body, int idle_s)
{
    daas_err err = {0};
    memset(fx, 0, sizeof *fx);
    if (tls) {
        fx->sctx = server_ctx();
        fx->cctx = client_ctx(false);
    }
    daas_http_config cfg = {
        .bind_addr = "127.0.0.1",
        .port = 0,
        .tls = fx->sctx,
        .threads = 2,
        .limits = {.max_body = max_body},
        .handler = route,
        .idle_timeout_s = idle_s,
    };
    assert_int_equal(daas_http_server_new(&cfg, &fx->srv, &err), DAAS_OK);
    fx->port = daas_http_server_port(fx->srv);
    assert_true(fx->port > 0);
    assert_int_equal(daas_http_server_start(fx->srv, &err), DAAS_OK);
    atomic_store(&g.closed, 0);
    atomic_store(&g.write_rc, 0);
}

static void fx_stop(fixture *fx)
{
    daas_http_server_free(&fx->srv);
    assert_null(fx->srv);
    SSL_CTX_free(fx->sctx);
    SSL_CTX_free(fx->cctx);
}

/* ---- a blocking client ---- */

typedef struct cli {
    int fd;
    SSL *ssl;
    char buf[1 << 20];
    size_t len; /* buffered, not yet returned */
} cli;

static cli *cli_open(const fixture *fx, SSL_CTX *ctx)
{
    cli *c = daas_xcalloc(1, sizeof *c);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx->port)};
    struct timeval tv = {10, 0};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    if (ctx == NULL)
        ctx = fx->cctx;
    if (ctx != NULL) {
        c->ssl = SSL_new(ctx);
        SSL_set_fd(c->ssl, c->fd);
        assert_int_equal(SSL_connect(c->ssl), 1);
    }
    return c;
}

static void cli_close(cli *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    close(c->fd);
    daas_free(c);
}

static void cli_send(cli *c, const char *s, size_t n)
{
    if (c->ssl)
        assert_int_equal(SSL_write(c->ssl, s, (int)n), (int)n);
    else
        assert_int_equal(send(c->fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void cli_sends(cli *c, const char *s)
{
    cli_send(c, s, strlen(s));
}

/* Reads more into the buffer; returns bytes read, 0 on EOF or error. */
static size_t cli_fill(cli *c)
{
    assert_true(c->len < sizeof c->buf - 1);
    ssize_t n = c->ssl ? SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - 1 - c->len))
                       : recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    if (n <= 0)
        return 0;
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    return (size_t)n;
}

/* True once the peer has closed (EOF) with nothing more to read. */
static bool cli_eof(cli *c)
{
    return c->len == 0 && cli_fill(c) == 0;
}

/* The length of a complete response at the start of buf, 0 if incomplete. */
static size_t response_len(const char *b, size_t n, bool eof)
{
    const char *e = memmem(b, n, "\r\n\r\n", 4);
    if (e == NULL)
        return 0;
    size_t head = (size_t)(e - b) + 4;
    const char *cl = strcasestr(b, "\r\nContent-Length: ");
    if (cl != NULL && cl < e) {
        size_t len = strtoul(cl + 18, NULL, 10);
        return n >= head + len ? head + len : 0;
    }
    if (strcasestr(b, "\r\nTransfer-Encoding: chunked") == NULL)
        return eof ? n : 0;
    size_t pos = head;
    for (;;) {
        const char *le = memmem(b + pos, n - pos, "\r\n", 2);
        if (le == NULL)
            return 0;
        size_t sz = strtoul(b + pos, NULL, 16);
        pos = (size_t)(le - b) + 2;
        if (sz == 0)
            return n >= pos + 2 ? pos + 2 : 0;
        if (n < pos + sz + 2)
            return 0;
        pos += sz + 2;
    }
}

/* Returns the next whole response (caller frees). */
static char *cli_response(cli *c)
{
    bool eof = false;
    size_t n;
    while ((n = response_len(c->buf, c->len, eof)) == 0) {
        assert_false(eof);
        eof = cli_fill(c) == 0;
    }
    char *r = daas_xstrndup(c->buf, n);
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    c->buf[c->len] = '\0';
    return r;
}

static const char *body_of(const char *r)
{
    return strstr(r, "\r\n\r\n") + 4;
}

static void expect_body(cli *c, const char *status_line, const char *body)
{
    char *r = cli_response(c);
    assert_true(strncmp(r, status_line, strlen(status_line)) == 0);
    assert_string_equal(body_of(r), body);
    daas_free(r);
}

static void wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < 1000 && atomic_load(v) < want; i++)
        usleep(10 * 1000);
    assert_int_equal(atomic_load(v), want);
}

/* ---- tests ---- */

static void basic_exchange(bool tls)
{
    fixture fx;
    fx_start(&fx, tls, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /a%20b?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    char *r = cli_response(c);
    assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(r, "\r\nContent-Type: text/plain\r\n"));
    assert_null(strstr(r, "Connection: close"));
    assert_string_equal(body_of(r), "GET /a b q=x=1 body= remote=1");
    daas_free(r);
    /* Keep-alive: a second request on the same connection, with a body. */
    cli_sends(c, "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    expect_body(c, "HTTP/1.1 200 OK", "POST /p q= body=hello remote=1");
    /* Chunked request body. */
    cli_sends(c, "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n2\r\nde\r\n"
                 "0\r\nT: 1\r\n\r\n");
    expect_body(c, "HTTP/1.1 200 OK", "PUT /c q= body=abcde remote=1");
    /* Connection: close is honoured. */
    cli_sends(c, "GET /last HTTP/1.1\r\nConnection: close\r\n\r\n");
    r = cli_response(c);
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    daas_free(r);
    assert_true(cli_eof(c));
    cli_close(c);
    fx_stop(&fx);
}

static void test_plain_basic(void **state)
{
    basic_exchange(false);
}

static void test_tls_basic(void **state)
{
    basic_exchange(true);
}

static void test_pipelining_order(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    /* The first answer comes from a timer; the next two must still come after it. */
    cli_sends(c, "GET /delay HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n"
                 "POST /three HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
    expect_body(c, "HTTP/1.1 200 OK", "delayed");
    expect_body(c, "HTTP/1.1 200 OK", "GET /two q= body= remote=1");
    expect_body(c, "HTTP/1.1 200 OK", "POST /three q= body=x remote=1");
    cli_close(c);
    fx_stop(&fx);
}

static void test_byte_by_byte(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    const char *s = "POST /slow HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n";
    for (size_t i = 0; s[i]; i++)
        cli_send(c, s + i, 1);
    expect_body(c, "HTTP/1.1 200 OK", "POST /slow q= body=abcd remote=1");
    cli_close(c);
    fx_stop(&fx);
}

static void test_expect_continue(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    while (strstr(c->buf, "\r\n\r\n") == NULL)
        assert_true(cli_fill(c) > 0);
    assert_string_equal(c->buf, "HTTP/1.1 100 Continue\r\n\r\n");
    c->len = 0;
    cli_sends(c, "data");
    expect_body(c, "HTTP/1.1 200 OK", "POST /e q= body=data remote=1");
    cli_close(c);
    fx_stop(&fx);
}

static void test_http10(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    char *r = cli_response(c);
    assert_non_null(strstr(r, "\r\nConnection: keep-alive\r\n"));
    daas_free(r);
    cli_sends(c, "HEAD /h HTTP/1.0\r\n\r\n");
    while (cli_fill(c) > 0) /* no body follows a HEAD answer; then the server closes */
        ;
    assert_non_null(strstr(c->buf, "\r\nContent-Length: 25\r\n"));
    assert_non_null(strstr(c->buf, "\r\nConnection: close\r\n"));
    assert_string_equal(body_of(c->buf), "");
    cli_close(c);
    fx_stop(&fx);
}

static void check_status(cli *c, const char *status_line, const char *reason, int code)
{
    char want[128];
    char *r = cli_response(c);
    assert_true(strncmp(r, status_line, strlen(status_line)) == 0);
    assert_non_null(strstr(r, "\r\nContent-Type: application/json\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    const char *prefix = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                         "\"status\":\"Failure\",\"message\":";
    assert_true(strncmp(body_of(r), prefix, strlen(prefix)) == 0);
    snprintf(want, sizeof want, "\"reason\":\"%s\",\"code\":%d}", reason, code);
    assert_non_null(strstr(body_of(r), want));
    daas_free(r);
    assert_true(cli_eof(c));
}

static void test_malformed_400(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n");
    expect_body(c, "HTTP/1.1 200 OK", "GET / q= body= remote=1");
    check_status(c, "HTTP/1.1 400 Bad Request\r\n", "BadRequest", 400);
    cli_close(c);
    c = cli_open(&fx, NULL);
    cli_sends(c, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
    check_status(c, "HTTP/1.1 501 Not Implemented\r\n", "NotImplemented", 501);
    cli_close(c);
    fx_stop(&fx);
}

static void test_limits_413_431(void **state)
{
    fixture fx;
    fx_start(&fx, false, 1024, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "POST /big HTTP/1.1\r\nContent-Length: 5000\r\n\r\n0123456789");
    check_status(c, "HTTP/1.1 413 Content Too Large\r\n", "RequestEntityTooLarge", 413);
    cli_close(c);
    c = cli_open(&fx, NULL);
    cli_sends(c, "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 5; i++)
        cli_sends(c, "100\r\n" /* 256 bytes */
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n");
    check_status(c, "HTTP/1.1 413 Content Too Large\r\n", "RequestEntityTooLarge", 413);
    cli_close(c);
    c = cli_open(&fx, NULL);
    char *big = daas_xmalloc(70 << 10);
    memset(big, 'a', 70 << 10);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    cli_send(c, big, 70 << 10);
    daas_free(big);
    check_status(c, "HTTP/1.1 431 Request Header Fields Too Large\r\n",
                 "RequestHeaderFieldsTooLarge", 431);
    cli_close(c);
    fx_stop(&fx);
}

static void test_extra_headers_and_status(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /missing HTTP/1.1\r\n\r\n");
    char *r = cli_response(c);
    assert_true(strncmp(r, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    assert_non_null(strstr(r, "\r\nX-Test: yes\r\n"));
    assert_null(strstr(r, "Injected"));
    assert_non_null(strstr(body_of(r), "\"reason\":\"NotFound\",\"code\":404}"));
    daas_free(r);
    cli_close(c);
    fx_stop(&fx);
}

static void stream_exchange(bool tls)
{
    fixture fx;
    fx_start(&fx, tls, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /stream HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
    char *r = cli_response(c);
    assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(r, "\r\nTransfer-Encoding: chunked\r\n"));
    assert_null(strstr(r, "Content-Length"));
    assert_string_equal(body_of(r), "8\r\nchunk-1\n\r\n8\r\nchunk-2\n\r\n8\r\nchunk-3\n\r\n0\r\n\r\n");
    daas_free(r);
    /* The pipelined request waited for the stream to end. */
    expect_body(c, "HTTP/1.1 200 OK", "GET /after q= body= remote=1");
    cli_close(c);
    assert_int_equal(atomic_load(&g.closed), 0); /* ended normally: no on_close */
    fx_stop(&fx);
}

static void test_plain_stream(void **state)
{
    stream_exchange(false);
}

static void test_tls_stream(void **state)
{
    stream_exchange(true);
}

static void test_peer_close_during_stream(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /hold HTTP/1.1\r\n\r\n");
    while (strstr(c->buf, "chunk-2") == NULL)
        assert_true(cli_fill(c) > 0);
    cli_close(c);
    wait_for(&g.closed, 1);
    /* Without on_close, the next write reports the close. */
    c = cli_open(&fx, NULL);
    cli_sends(c, "GET /hold_noclose HTTP/1.1\r\n\r\n");
    while (strstr(c->buf, "chunk-1") == NULL)
        assert_true(cli_fill(c) > 0);
    cli_close(c);
    for (int i = 0; i < 1000 && atomic_load(&g.write_rc) == 0; i++)
        usleep(10 * 1000);
    assert_int_equal(atomic_load(&g.write_rc), DAAS_ECLOSED);
    assert_int_equal(atomic_load(&g.closed), 1);
    /* The peer leaves before the handler even starts its stream and registers on_close. */
    c = cli_open(&fx, NULL);
    cli_sends(c, "GET /late_stream HTTP/1.1\r\n\r\n");
    cli_close(c);
    wait_for(&g.closed, 2);
    fx_stop(&fx);
}

static void test_stream_backpressure(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 0);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /fill HTTP/1.1\r\n\r\n");
    for (int i = 0; i < 1000 && atomic_load(&g.write_rc) == 0; i++)
        usleep(10 * 1000);
    assert_int_equal(atomic_load(&g.write_rc), DAAS_ETOOBIG);
    /* 64 KiB chunks under a 256 KiB cap, after the head: three fit, all still pending (no
     * byte leaves before the callback returns). */
    assert_int_equal(atomic_load(&g.toobig_writes), 3);
    assert_true(atomic_load(&g.toobig_pending) > 3 * (64 << 10));
    char *r = cli_response(c);
    assert_true(strlen(body_of(r)) > 3 * (64 << 10));
    daas_free(r);
    cli_close(c);
    fx_stop(&fx);
}

static void *poster(void *arg)
{
    pthread_mutex_lock(&g.mu);
    while (g.deferred == NULL)
        pthread_cond_wait(&g.cv, &g.mu);
    daas_http_resp *resp = g.deferred;
    daas_http_loop *loop = g.deferred_loop;
    g.deferred = NULL;
    pthread_mutex_unlock(&g.mu);
    daas_http_loop_post(loop, respond_deferred, resp);
    return NULL;
}

static void test_loop_post_from_thread(void **state)
{
    fixture fx;
    pthread_t t;
    fx_start(&fx, false, 0, 0);
    pthread_create(&t, NULL, poster, NULL);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /deferred HTTP/1.1\r\n\r\n");
    expect_body(c, "HTTP/1.1 200 OK", "deferred");
    pthread_join(t, NULL);
    cli_close(c);
    fx_stop(&fx);
}

static void test_idle_timeout(void **state)
{
    fixture fx;
    fx_start(&fx, false, 0, 1);
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET /x HTTP/1.1\r\n\r\n");
    char *r = cli_response(c);
    daas_free(r);
    int64_t t0 = daas_mono_ns();
    assert_true(cli_eof(c)); /* closed by the server, before our 10 s receive timeout */
    assert_true(daas_mono_ns() - t0 < (int64_t)8 * 1000000000);
    cli_close(c);
    fx_stop(&fx);
}

static void stop_with_open_connections(bool tls)
{
    fixture fx;
    fx_start(&fx, tls, 0, 0);
    cli *idle = cli_open(&fx, NULL);
    cli_sends(idle, "GET /x HTTP/1.1\r\n\r\n");
    daas_free(cli_response(idle));
    cli *partial = cli_open(&fx, NULL);
    cli_sends(partial, "POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc");
    cli *streams[2];
    for (int i = 0; i < 2; i++) {
        streams[i] = cli_open(&fx, NULL);
        cli_sends(streams[i], "GET /hold HTTP/1.1\r\n\r\n");
        while (strstr(streams[i]->buf, "chunk-1") == NULL)
            assert_true(cli_fill(streams[i]) > 0);
    }
    cli *fresh = cli_open(&fx, NULL); /* accepted or still in the backlog: both must be fine */
    daas_http_server_stop(fx.srv);
    assert_int_equal(atomic_load(&g.closed), 2);
    daas_http_server_stop(fx.srv); /* idempotent */
    assert_true(cli_eof(idle));
    assert_true(cli_eof(partial));
    cli_close(idle);
    cli_close(partial);
    cli_close(streams[0]);
    cli_close(streams[1]);
    cli_close(fresh);
    fx_stop(&fx);
}

static void test_plain_stop_with_open_connections(void **state)
{
    stop_with_open_connections(false);
}

static void test_tls_stop_with_open_connections(void **state)
{
    stop_with_open_connections(true);
}

static void check_peer(fixture *fx, SSL_CTX *ctx, const char *want)
{
    cli *c = cli_open(fx, ctx);
    cli_sends(c, "GET /peer HTTP/1.1\r\n\r\n");
    expect_body(c, "HTTP/1.1 200 OK", want);
    /* Still the same identity on the next request of the connection. */
    cli_sends(c, "GET /peer HTTP/1.1\r\n\r\n");
    expect_body(c, "HTTP/1.1 200 OK", want);
    cli_close(c);
}

static void test_tls_client_certificates(void **state)
{
    fixture fx;
    fx_start(&fx, true, 0, 0);
    SSL_CTX *with = client_ctx(true);
    check_peer(&fx, with, "verified=1 cn=alice o=system:masters,dev n=2");
    check_peer(&fx, NULL, "verified=0 cn= o=, n=0");
    /* TLS 1.2 too (the verification result comes back from the session). */
    SSL_CTX_set_max_proto_version(with, TLS1_2_VERSION);
    check_peer(&fx, with, "verified=1 cn=alice o=system:masters,dev n=2");
    SSL_CTX_free(with);
    fx_stop(&fx);
}

static void test_plain_client_on_tls_port(void **state)
{
    fixture fx;
    fx_start(&fx, true, 0, 0);
    SSL_CTX *keep = fx.cctx;
    fx.cctx = NULL;
    cli *c = cli_open(&fx, NULL);
    cli_sends(c, "GET / HTTP/1.1\r\n\r\n");
    while (cli_fill(c) > 0) /* a TLS alert at most, then the close */
        c->len = 0;
    cli_close(c);
    fx.cctx = keep;
    check_peer(&fx, NULL, "verified=0 cn= o=, n=0"); /* the server is still fine */
    fx_stop(&fx);
}

static void test_config_errors(void **state)
{
    daas_http_server *srv = NULL;
    daas_err err = {0};
    daas_http_config cfg = {.bind_addr = "127.0.0.1", .threads = 1};
    assert_int_equal(daas_http_server_new(&cfg, &srv, &err), DAAS_EINVAL); /* no handler */
    cfg.handler = route;
    cfg.bind_addr = "not-an-address";
    daas_err_clear(&err);
    assert_int_equal(daas_http_server_new(&cfg, &srv, &err), DAAS_EINVAL);
    assert_null(srv);
    /* New then free without start. */
    cfg.bind_addr = "127.0.0.1";
    assert_int_equal(daas_http_server_new(&cfg, &srv, &err), DAAS_OK);
    daas_http_server_free(&srv);
    daas_http_server_free(&srv);
}

static int group_setup(void **state)
{
    make_pki();
    return 0;
}

static int group_teardown(void **state)
{
    free_pki();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_basic),
        cmocka_unit_test(test_tls_basic),
        cmocka_unit_test(test_pipelining_order),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_http10),
        cmocka_unit_test(test_malformed_400),
        cmocka_unit_test(test_limits_413_431),
        cmocka_unit_test(test_extra_headers_and_status),
        cmocka_unit_test(test_plain_stream),
        cmocka_unit_test(test_tls_stream),
        cmocka_unit_test(test_peer_close_during_stream),
        cmocka_unit_test(test_stream_backpressure),
        cmocka_unit_test(test_loop_post_from_thread),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_plain_stop_with_open_connections),
        cmocka_unit_test(test_tls_stop_with_open_connections),
        cmocka_unit_test(test_tls_client_certificates),
        cmocka_unit_test(test_plain_client_on_tls_port),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
