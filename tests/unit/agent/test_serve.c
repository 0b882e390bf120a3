/*
 * test_serve.c: the agent's HTTPS endpoint (serve*.c) against real runc containers: a
 * throwaway cluster CA, a client with a CA-signed "daas-apiserver" certificate, log GETs
 * (all, tail, follow to the container's end, previous), WebSocket exec (exit code Status,
 * stdin and its v5 close, a client that leaves kills the process) and refused clients (no
 * certificate, another CN, bad parameters).
 *
 * Owns:   one temp dir (CA files, rootfs, runtime state), the endpoint, the containers.
 * Invariants: runs as root with /usr/sbin/runc and /bin/busybox (static); the log shim is
 *             this test binary exec'd as "<exe> logshim" (as the agent does with daas);
 *             waits have generous upper bounds only.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/crilog.h"
#include "agent/runtime.h"
#include "agent/rt_testutil.h"
#include "agent/serve.h"
#include "agent/ws.h"
#include "common/alloc.h"
#include "common/util.h"

#define UID1 "11111111-aaaa-bbbb-cccc-000000000001"

typedef struct fx {
    rt_fx *r; /* dir, rootfs, runtime */
    char *ca, *cli_cert, *cli_key, *other_cert, *other_key;
    daas_agent_srv *srv;
    int port;
} fx;

static fx *F;

/* ---- a throwaway CA ---- */

static void add_ext(X509 *x, X509 *issuer, int nid, const char *v)
{
    X509V3_CTX c;
    X509V3_set_ctx_nodb(&c);
    X509V3_set_ctx(&c, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, bool ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    uint32_t serial;
    daas_random(&serial, sizeof serial);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(serial >> 1));
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer : x));
    X509_set_pubkey(x, key);
    add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
            ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (ca) {
        add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, issuer, NID_ext_key_usage, "clientAuth");
    }
    assert_true(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0);
    return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    assert_int_equal(x != NULL ? PEM_write_X509(f, x)
                               : PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(f);
}

static void issue(X509 *ca, EVP_PKEY *cakey, const char *cn, char **cert, char **key)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = make_cert(k, cn, ca, cakey, false);
    *cert = daas_xasprintf("%s/%s.crt", F->r->dir, cn);
    *key = daas_xasprintf("%s/%s.key", F->r->dir, cn);
    write_pem(*cert, x, NULL);
    write_pem(*key, NULL, k);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void make_ca(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *ca = make_cert(k, "test-cluster-ca", NULL, NULL, true);
    F->ca = daas_xasprintf("%s/ca.crt", F->r->dir);
    write_pem(F->ca, ca, NULL);
    issue(ca, k, "daas-apiserver", &F->cli_cert, &F->cli_key);
    issue(ca, k, "someone-else", &F->other_cert, &F->other_key);
    X509_free(ca);
    EVP_PKEY_free(k);
}

/* ---- rootfs, containers ---- */

/* Starts run n of container c of pod uid with sh -c script. */
static void run_ctr(const char *uid, const char *c, unsigned n, const char *script)
{
    char *id = daas_agent_ctr_id(uid, c, n);
    const char *args[] = {"sh", "-c", script, NULL};
    daas_rt_spec s = {0};
    s.id = id;
    s.rootfs = F->r->rootfs;
    s.args = args;
    s.host_network = true;
    daas_err err = {0};
    int rc = daas_rt_create(F->r->rt, &s, &err);
    if (rc != DAAS_OK) {
        fail_msg("create %s: %s", id, err.msg);
    }
    daas_free(id);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- a TLS client ---- */

static SSL *dial(const char *cert, const char *key, SSL_CTX **ctx_out)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    if (cert != NULL) {
        assert_int_equal(SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)F->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    *ctx_out = ctx;
    return ssl;
}

static void hangup(SSL *ssl, SSL_CTX *ctx)
{
    int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    ERR_clear_error();
}

static void ssl_send(SSL *ssl, const void *p, size_t n)
{
    assert_int_equal(SSL_write(ssl, p, (int)n), (int)n);
}

/* SSL_read, retrying reads a signal interrupted (children of this process end often). */
static int ssl_read(SSL *ssl, void *p, int n)
{
    for (int i = 0; i < 1000; i++) {
        int r = SSL_read(ssl, p, n);
        if (r > 0 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ || errno != EINTR) {
            return r;
        }
    }
    return -1;
}

/* Reads until the peer closes (or fails); returns what came. */
static char *read_all(SSL *ssl, size_t *len)
{
    daas_buf b;
    daas_buf_init(&b, 1 << 24);
    char chunk[16384];
    int n;
    while ((n = ssl_read(ssl, chunk, sizeof chunk)) > 0) {
        assert_int_equal(daas_buf_append(&b, chunk, (size_t)n), DAAS_OK);
    }
    char *s = daas_buf_steal(&b, len);
    if (s == NULL) {
        s = daas_xstrdup("");
        *len = 0;
    }
    return s;
}

/* A GET with Connection: close; *status and the de-chunked body. */
static char *get(const char *target, int *status)
{
    SSL_CTX *ctx;
    SSL *ssl = dial(F->cli_cert, F->cli_key, &ctx);
    assert_int_equal(SSL_connect(ssl), 1);
    char *req =
        daas_xasprintf("GET %s HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n", target);
    ssl_send(ssl, req, strlen(req));
    daas_free(req);
    size_t n;
    char *raw = read_all(ssl, &n);
    hangup(ssl, ctx);
    assert_true(sscanf(raw, "HTTP/1.1 %d", status) == 1);
    char *body = strstr(raw, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    daas_buf out;
    daas_buf_init(&out, 1 << 24);
    if (strstr(raw, "chunked") != NULL) {
        for (char *p = body;;) {
            unsigned long sz = strtoul(p, &p, 16);
            p = strstr(p, "\r\n") + 2;
            if (sz == 0) {
                break;
            }
            assert_int_equal(daas_buf_append(&out, p, sz), DAAS_OK);
            p += sz + 2;
        }
    } else {
        assert_int_equal(daas_buf_puts(&out, body), DAAS_OK);
    }
    daas_free(raw);
    char *s = daas_buf_steal(&out, NULL);
    return s != NULL ? s : daas_xstrdup("");
}

static char *logs_url(const char *uid, const char *c, const char *extra)
{
    return daas_xasprintf("/containerLogs/default/pod-%s/%s?podUID=%s%s", uid, c, uid, extra);
}

/* ---- fixture ---- */

static int setup(void **state)
{
    (void)state;
    rt_fx *r = rt_fx_new("test_serve", "daas-serve");
    if (r == NULL)
        return -1;
    F = daas_xcalloc(1, sizeof *F);
    F->r = r;
    make_ca();
    daas_err err = {0};
    daas_rt_set_logshim(F->r->rt, "/proc/self/exe");
    daas_agent_srv_opts o = {"127.0.0.1", 0, F->ca, "node-1", "127.0.0.1", F->r->rt};
    int rc = daas_agent_srv_new(&o, &F->srv, &err);
    if (rc != DAAS_OK) {
        fail_msg("srv: %s", err.msg);
    }
    F->port = daas_agent_srv_port(F->srv);
    assert_true(F->port > 0);
    assert_int_equal(strlen(daas_agent_srv_cert_sha256(F->srv)), 64);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    daas_agent_srv_free(&F->srv);
    rt_fx_free(F->r);
    char *ps[] = {F->ca, F->cli_cert, F->cli_key, F->other_cert, F->other_key};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        daas_free(ps[i]);
    }
    daas_free(F);
    return 0;
}

/* Polls the log of (uid, c) until it holds want (at most 20 s). */
static void wait_log_has(const char *uid, const char *c, const char *want)
{
    char *url = logs_url(uid, c, "");
    for (int i = 0; i < 200; i++) {
        int st = 0;
        char *b = get(url, &st);
        bool ok = st == 200 && strstr(b, want) != NULL;
        daas_free(b);
        if (ok) {
            daas_free(url);
            return;
        }
        sleep_ms(100);
    }
    daas_free(url);
    fail_msg("log of %s never held %s", c, want);
}

static void expect_get(const char *url, int want_status, const char *want_body)
{
    int st = 0;
    char *b = get(url, &st);
    if (st != want_status || (want_body != NULL && strstr(b, want_body) == NULL)) {
        fail_msg("GET %s: %d %s (want %d with %s)", url, st, b, want_status,
                 want_body != NULL ? want_body : "");
    }
    daas_free(b);
}

static void test_logs(void **state)
{
    (void)state;
    run_ctr(UID1, "c", 0, "echo one; echo two >&2; sleep 100");
    wait_log_has(UID1, "c", "two\n");
    int st;
    char *url = logs_url(UID1, "c", "");
    char *b = get(url, &st);
    assert_int_equal(st, 200);
    assert_true(strcmp(b, "one\ntwo\n") == 0 || strcmp(b, "two\none\n") == 0);
    daas_free(b);
    daas_free(url);
    url = logs_url(UID1, "c", "&tailLines=1&timestamps=true");
    b = get(url, &st);
    assert_int_equal(st, 200);
    assert_int_equal(strlen(b), 31 + 4); /* "<30-char ts> one\n" */
    assert_true(b[30] == ' ' && b[29] == 'Z' && b[34] == '\n');
    daas_free(b);
    daas_free(url);
    url = logs_url(UID1, "c", "&limitBytes=2");
    b = get(url, &st);
    assert_int_equal(strlen(b), 2);
    daas_free(b);
    daas_free(url);
    url = logs_url(UID1, "c", "&sinceSeconds=3600");
    expect_get(url, 200, "one\n");
    daas_free(url);
    url = logs_url(UID1, "c", "&sinceTime=2100-01-01T00:00:00Z");
    b = get(url, &st);
    assert_string_equal(b, "");
    daas_free(b);
    daas_free(url);
    url = logs_url(UID1, "c", "&previous=true");
    expect_get(url, 400,
               "previous terminated container \\\"c\\\" in pod \\\"pod-" UID1 "\\\" not found");
    daas_free(url);
    url = logs_url(UID1, "nope", "");
    expect_get(url, 404, "\"reason\":\"NotFound\"");
    daas_free(url);
    url = logs_url(UID1, "c", "&tailLines=-1");
    expect_get(url, 400, "tailLines");
    daas_free(url);
    url = logs_url(UID1, "c", "&sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z");
    expect_get(url, 400, "sinceTime");
    daas_free(url);
    expect_get("/containerLogs/default/p/c", 400, "podUID");
    expect_get("/containerLogs/default/P_Q/c?podUID=" UID1, 400, "invalid");
    expect_get("/metrics", 404, "NotFound");
}

#define UID2 "22222222-aaaa-bbbb-cccc-000000000002"

static void test_follow_and_previous(void **state)
{
    (void)state;
    run_ctr(UID2, "f", 0, "echo a; sleep 1; echo b");
    /* follow returns once the container has ended and its log is drained */
    char *url = logs_url(UID2, "f", "&follow=true");
    int st;
    char *b = get(url, &st);
    assert_int_equal(st, 200);
    assert_string_equal(b, "a\nb\n");
    daas_free(b);
    /* run 1 (a restart): current and previous; its create reaps run 0's ended shim */
    char *pidf = daas_xasprintf("%s/bundles/22222222-f-0/shim.pid", F->r->state);
    FILE *pf = fopen(pidf, "re");
    long shim = 0;
    assert_non_null(pf);
    assert_int_equal(fscanf(pf, "%ld", &shim), 1);
    fclose(pf);
    daas_free(pidf);
    run_ctr(UID2, "f", 1, "echo second");
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/%ld", shim);
    assert_int_equal(access(proc, F_OK), -1); /* reaped: no zombie left */
    b = get(url, &st);                        /* follow again: ends with run 1 */
    assert_string_equal(b, "second\n");
    daas_free(b);
    daas_free(url);
    url = logs_url(UID2, "f", "&previous=true");
    b = get(url, &st);
    assert_int_equal(st, 200);
    assert_string_equal(b, "a\nb\n");
    daas_free(b);
    daas_free(url);
}

/* ---- WebSocket exec client ---- */

typedef struct wsc {
    SSL_CTX *ctx;
    SSL *ssl;
    daas_buf in;       /* received, not yet parsed */
    daas_ws_reader rd; /* server frames: unmasked */
} wsc;

static const uint8_t MASK[4] = {9, 8, 7, 6};

#define OUT_ERR "&stdout=true&stderr=true"

/* /exec/... for cmd with the stream parameters params ("&stdout=true..."). */
static char *exec_url(const char *uid, const char *c, const char *const *cmd, const char *params)
{
    daas_buf b;
    daas_buf_init(&b, 4096);
    assert_int_equal(
        daas_buf_printf(&b, "/exec/default/pod-%s/%s?podUID=%s%s", uid, c, uid, params), DAAS_OK);
    for (size_t i = 0; cmd[i] != NULL; i++) {
        assert_int_equal(daas_buf_puts(&b, "&command="), DAAS_OK);
        for (const char *p = cmd[i]; *p != '\0'; p++) {
            int rc = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'
                         ? daas_buf_append(&b, p, 1)
                         : daas_buf_printf(&b, "%%%02X", (unsigned char)*p);
            assert_int_equal(rc, DAAS_OK);
        }
    }
    return daas_buf_steal(&b, NULL);
}

/* Sends the upgrade; returns the status line's code (101 leaves the socket open). */
static int ws_open(wsc *w, const char *target)
{
    memset(w, 0, sizeof *w);
    daas_buf_init(&w->in, 1 << 22);
    daas_ws_reader_init(&w->rd, 1 << 20, false);
    w->ssl = dial(F->cli_cert, F->cli_key, &w->ctx);
    assert_int_equal(SSL_connect(w->ssl), 1);
    char *req = daas_xasprintf("GET %s HTTP/1.1\r\nHost: node\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n"
                               "\r\n",
                               target);
    ssl_send(w->ssl, req, strlen(req));
    daas_free(req);
    char *end = NULL;
    while ((end = w->in.data != NULL ? strstr(w->in.data, "\r\n\r\n") : NULL) == NULL) {
        char chunk[4096];
        int n = ssl_read(w->ssl, chunk, sizeof chunk);
        assert_true(n > 0);
        assert_int_equal(daas_buf_append(&w->in, chunk, (size_t)n), DAAS_OK);
    }
    int st = 0;
    assert_true(sscanf(w->in.data, "HTTP/1.1 %d", &st) == 1);
    if (st == 101) {
        assert_non_null(strstr(w->in.data, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        assert_non_null(strstr(w->in.data, "Sec-WebSocket-Protocol: v5.channel.k8s.io"));
        size_t head = (size_t)(end + 4 - w->in.data);
        memmove(w->in.data, w->in.data + head, w->in.len - head);
        w->in.len -= head;
    }
    return st;
}

static void ws_close(wsc *w)
{
    hangup(w->ssl, w->ctx);
    daas_buf_fini(&w->in);
    daas_ws_reader_fini(&w->rd);
}

static void ws_send(wsc *w, const void *p, size_t n)
{
    daas_buf b;
    daas_buf_init(&b, n + 64);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, true, p, n, MASK), DAAS_OK);
    ssl_send(w->ssl, b.data, b.len);
    daas_buf_fini(&b);
}

/* Reads frames until the server's close: stdout and stderr text, the Status on channel 3. */
static void ws_collect(wsc *w, daas_buf *out, char **status)
{
    *status = NULL;
    for (;;) {
        size_t used = 0;
        daas_ws_msg m;
        int rc = daas_ws_reader_next(&w->rd, (uint8_t *)w->in.data, w->in.len, &used, &m, NULL);
        if (rc == DAAS_EAGAIN) {
            char chunk[16384];
            int n = ssl_read(w->ssl, chunk, sizeof chunk);
            if (n <= 0) {
                fail_msg("the connection ended before the close frame");
            }
            assert_int_equal(daas_buf_append(&w->in, chunk, (size_t)n), DAAS_OK);
            continue;
        }
        assert_int_equal(rc, DAAS_OK);
        if (m.opcode == DAAS_WS_CLOSE) {
            assert_int_equal(m.close_code, 1000);
            return;
        }
        if (m.opcode == DAAS_WS_BINARY && m.len > 0 && (m.data[0] == 1 || m.data[0] == 2)) {
            assert_int_equal(daas_buf_append(out, m.data + 1, m.len - 1), DAAS_OK);
        } else if (m.opcode == DAAS_WS_BINARY && m.len > 0 && m.data[0] == 3) {
            *status = daas_xstrndup((const char *)m.data + 1, m.len - 1);
        }
        memmove(w->in.data, w->in.data + used, w->in.len - used);
        w->in.len -= used;
    }
}

#define UID3 "33333333-aaaa-bbbb-cccc-000000000003"

static void test_exec_exit_code(void **state)
{
    (void)state;
    run_ctr(UID3, "e", 0, "sleep 100");
    const char *cmd[] = {"sh", "-c", "echo hi; exit 3", NULL};
    char *url = exec_url(UID3, "e", cmd, OUT_ERR);
    wsc w;
    assert_int_equal(ws_open(&w, url), 101);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    char *status = NULL;
    ws_collect(&w, &out, &status);
    assert_string_equal(out.data, "hi\n");
    assert_non_null(status);
    json_t *j = json_loads(status, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "Failure");
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "NonZeroExitCode");
    json_t *cause = json_array_get(json_object_get(json_object_get(j, "details"), "causes"), 0);
    assert_string_equal(json_string_value(json_object_get(cause, "reason")), "ExitCode");
    assert_string_equal(json_string_value(json_object_get(cause, "message")), "3");
    assert_non_null(strstr(json_string_value(json_object_get(j, "message")),
                           "command terminated with non-zero exit code"));
    json_decref(j);
    daas_free(status);
    daas_buf_fini(&out);
    ws_close(&w);
    daas_free(url);
}

/* runc's own failure (no such command) is an InternalError Status naming the cause, not a
 * NonZeroExitCode of a process that never ran */
static void test_exec_no_such_command(void **state)
{
    (void)state;
    const char *cmd[] = {"nope-not-here", NULL};
    char *url = exec_url(UID3, "e", cmd, OUT_ERR);
    wsc w;
    assert_int_equal(ws_open(&w, url), 101);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    char *status = NULL;
    ws_collect(&w, &out, &status); /* (runc also prints its error on stderr) */
    assert_non_null(status);
    assert_non_null(strstr(status, "\"reason\":\"InternalError\""));
    assert_non_null(strstr(status, "executable file not found"));
    daas_free(status);
    daas_buf_fini(&out);
    ws_close(&w);
    daas_free(url);
}

static void test_exec_stdin(void **state)
{
    (void)state;
    const char *cmd[] = {"cat", NULL};
    char *url = exec_url(UID3, "e", cmd, OUT_ERR "&stdin=true");
    wsc w;
    assert_int_equal(ws_open(&w, url), 101);
    ws_send(&w, "\0hello ", 7);
    ws_send(&w, "\0world\n", 7);
    ws_send(&w, "\xff\0", 2); /* v5: stdin closed */
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    char *status = NULL;
    ws_collect(&w, &out, &status);
    assert_string_equal(out.data, "hello world\n");
    assert_string_equal(status, "{\"metadata\":{},\"status\":\"Success\"}");
    daas_free(status);
    daas_buf_fini(&out);
    ws_close(&w);
    daas_free(url);
}

static void test_exec_tty(void **state)
{
    (void)state;
    /* the size reaches the container's terminal asynchronously (runc relays SIGWINCH): wait
     * for it, up to 5 s, before printing it */
    const char *cmd[] = {"sh", "-c",
                         "read x; [ -t 1 ] && echo isatty; i=0; while [ \"$(stty size)\" != "
                         "\"40 100\" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; "
                         "stty size; exit 2",
                         NULL};
    char *url = exec_url(UID3, "e", cmd, "&stdin=true&stdout=true&tty=true");
    wsc w;
    if (ws_open(&w, url) != 101) {
        fail_msg("exec -t: %s", strstr(w.in.data, "\r\n\r\n"));
    }
    const char rs[] = "\x04{\"Width\":100,\"Height\":40}";
    ws_send(&w, rs, sizeof rs - 1);
    ws_send(&w, "\0go\n", 4);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    char *status = NULL;
    ws_collect(&w, &out, &status);
    assert_non_null(strstr(out.data, "isatty\r\n")); /* a terminal: CRLF */
    assert_non_null(strstr(out.data, "40 100"));
    assert_non_null(strstr(status, "\"NonZeroExitCode\""));
    assert_non_null(strstr(status, "\"message\":\"2\""));
    daas_free(status);
    daas_buf_fini(&out);
    ws_close(&w);
    daas_free(url);
    /* a terminal has one output stream: stderr with tty is refused before the upgrade */
    url = exec_url(UID3, "e", cmd, OUT_ERR "&tty=true");
    assert_int_equal(ws_open(&w, url), 400);
    ws_close(&w);
    daas_free(url);
}

/* True when a process runs whose argv is exactly a, b. */
static bool proc_running(const char *a, const char *b)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    bool found = false;
    char want[64];
    size_t wl = (size_t)snprintf(want, sizeof want, "%s%c%s%c", a, 0, b, 0);
    while (!found && (de = readdir(d)) != NULL) {
        char path[300], buf[64];
        snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        found = n == (ssize_t)wl && memcmp(buf, want, wl) == 0;
    }
    closedir(d);
    return found;
}

static void test_exec_client_leaves(void **state)
{
    (void)state;
    const char *cmd[] = {"sleep", "4321", NULL};
    char *url = exec_url(UID3, "e", cmd, OUT_ERR);
    wsc w;
    assert_int_equal(ws_open(&w, url), 101);
    int i = 0;
    for (; i < 200 && !proc_running("sleep", "4321"); i++) {
        sleep_ms(50);
    }
    assert_true(i < 200);
    ws_close(&w);
    for (i = 0; i < 200 && proc_running("sleep", "4321"); i++) {
        sleep_ms(50);
    }
    assert_true(i < 200); /* killed */
    daas_free(url);
}

static void test_refused(void **state)
{
    (void)state;
    /* no client certificate: the handshake fails, no HTTP answer */
    SSL_CTX *ctx;
    SSL *ssl = dial(NULL, NULL, &ctx);
    int rc = SSL_connect(ssl);
    if (rc == 1) { /* TLS 1.3: the server's refusal arrives with the first read */
        const char *req = "GET /containerLogs/default/p/c?podUID=" UID1 " HTTP/1.1\r\n\r\n";
        (void)SSL_write(ssl, req, (int)strlen(req));
        char buf[256];
        assert_true(ssl_read(ssl, buf, sizeof buf) <= 0);
    }
    hangup(ssl, ctx);
    /* a certificate of the CA with another CN: 403 */
    ssl = dial(F->other_cert, F->other_key, &ctx);
    assert_int_equal(SSL_connect(ssl), 1);
    char *req = logs_url(UID1, "c", "");
    char *line = daas_xasprintf("GET %s HTTP/1.1\r\nConnection: close\r\n\r\n", req);
    ssl_send(ssl, line, strlen(line));
    size_t n;
    char *raw = read_all(ssl, &n);
    assert_true(strncmp(raw, "HTTP/1.1 403", 12) == 0);
    assert_non_null(strstr(raw, "\"reason\":\"Forbidden\""));
    daas_free(raw);
    daas_free(line);
    daas_free(req);
    hangup(ssl, ctx);
    /* exec errors before the upgrade: no command, stopped container, no WebSocket */
    const char *none[] = {NULL};
    char *url = exec_url(UID3, "e", none, OUT_ERR);
    wsc w;
    assert_int_equal(ws_open(&w, url), 400);
    assert_non_null(strstr(w.in.data, "at least 1 command"));
    ws_close(&w);
    daas_free(url);
    const char *cmd[] = {"true", NULL};
    url = exec_url(UID2, "f", cmd, OUT_ERR); /* run 1 of f has ended */
    assert_int_equal(ws_open(&w, url), 400);
    assert_non_null(strstr(w.in.data, "is not running"));
    ws_close(&w);
    daas_free(url);
    url = exec_url(UID3, "e", cmd, OUT_ERR);
    int st;
    char *b = get(url, &st); /* no Upgrade */
    assert_int_equal(st, 400);
    assert_non_null(strstr(b, "WebSocket"));
    daas_free(b);
    daas_free(url);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "logshim") == 0) { /* the runtime's log shim */
        prctl(PR_SET_NAME, "daas-logshim", 0, 0, 0);
        return daas_crilog_shim(3, 4, 5) == 0 ? 0 : 1;
    }
    signal(SIGPIPE, SIG_IGN); /* as the agent does (daas_cmd_block_stop_signals) */
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_follow_and_previous),
        cmocka_unit_test(test_exec_exit_code),
        cmocka_unit_test(test_exec_no_such_command),
        cmocka_unit_test(test_exec_stdin),
        cmocka_unit_test(test_exec_tty),
        cmocka_unit_test(test_exec_client_leaves),
        cmocka_unit_test(test_refused),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, setup, teardown);
}
