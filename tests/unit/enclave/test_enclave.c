/*
 * test_enclave.c: the enclave service: picking the attestation source, the Nautilus
 * endpoints (through capture responses), the route table (extension, 404/405, duplicates,
 * frozen once serving), signing with the boot key, and the whole thing served over a Unix
 * socket through the HTTP server's adopted-listener mode.
 *
 * Owns:   a temporary directory (debug CA, socket) per test; every enclave, server, socket
 *         and buffer it makes (freed before it returns).
 * Spec:   specs/nautilus.md §1.2 (endpoints), §1.3 (signatures), §1.4 (key binding).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cbor.h>
#include <jansson.h>

#include "enclave/addr.h"
#include "enclave/enclave.h"
#include "enclave_test.h"

typedef struct fx {
    char *dir;
    daas_enclave *e;
} fx;

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    f->dir = enc_tmpdir();
    char *ca = daas_xasprintf("%s/ca", f->dir);
    daas_enclave_opts o = {.nsm_path = "/nonexistent/nsm", .debug_ca_dir = ca};
    assert_int_equal(daas_enclave_new(&o, &f->e, NULL), DAAS_OK);
    daas_free(ca);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    daas_enclave_free(&f->e);
    assert_null(f->e);
    enc_rmrf(f->dir);
    daas_free(f);
    return 0;
}

/* Runs one request through the route table; returns the status, body in *body (freed by
 * the caller with daas_free). */
static int call(daas_enclave *e, const char *method, const char *path, const char *body, char **out)
{
    daas_http_req req = {
        .method = method, .target = path, .path = path, .query = "", .remote = "test"};
    if (body != NULL)
        req.body = DAAS_BYTES(body, strlen(body));
    daas_http_resp *resp = daas_http_capture_new();
    daas_enclave_handle(e, &req, resp);
    size_t n = 0;
    const char *b = daas_http_capture_body(resp, &n);
    *out = daas_xstrndup(b, n);
    int st = daas_http_capture_status(resp);
    daas_http_capture_free(&resp);
    return st;
}

static void test_sources(void **state)
{
    fx *f = *state;
    daas_enclave *e = NULL;
    daas_err err = {0};
    assert_true(daas_enclave_is_debug(f->e));
    daas_enclave_opts none = {.nsm_path = "/nonexistent/nsm"};
    assert_int_equal(daas_enclave_new(&none, &e, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "no /nonexistent/nsm and no debug CA"));
    assert_null(e);
    /* A device that exists is used as the NSM, and one that is not an NSM fails the boot. */
    daas_err_clear(&err);
    daas_enclave_opts bad = {.nsm_path = "/dev/null", .debug_ca_dir = f->dir};
    assert_int_equal(daas_enclave_new(&bad, &e, &err), DAAS_EIO);
    assert_non_null(strstr(err.msg, "nsm: ioctl"));
    assert_null(e);
}

static void test_ping_and_health(void **state)
{
    fx *f = *state;
    char *body, hex[65];
    uint8_t pk[32];
    assert_int_equal(call(f->e, "GET", "/", NULL, &body), 200);
    assert_string_equal(body, "Pong!");
    daas_free(body);
    assert_int_equal(call(f->e, "GET", "/health_check", NULL, &body), 200);
    daas_enclave_public_key(f->e, pk);
    char *want =
        daas_xasprintf("{\"pk\":\"%s\",\"endpoints_status\":{}}", enc_hex(pk, 32, hex, sizeof hex));
    assert_string_equal(body, want);
    daas_free(want);
    daas_free(body);
}

/* The document's payload map (new reference). */
static cbor_item_t *doc_payload(const uint8_t *doc, size_t n)
{
    struct cbor_load_result r;
    cbor_item_t *top = cbor_load(doc, n, &r);
    assert_non_null(top);
    assert_int_equal(r.read, n);
    cbor_item_t *p = cbor_array_get(top, 2);
    cbor_item_t *m = cbor_load(cbor_bytestring_handle(p), cbor_bytestring_length(p), &r);
    assert_non_null(m);
    cbor_decref(&p);
    cbor_decref(&top);
    return m;
}

static cbor_item_t *get(cbor_item_t *m, const char *key)
{
    for (size_t i = 0; i < cbor_map_size(m); i++) {
        cbor_item_t *k = cbor_map_handle(m)[i].key;
        if (cbor_string_length(k) == strlen(key) &&
            memcmp(cbor_string_handle(k), key, strlen(key)) == 0)
            return cbor_map_handle(m)[i].value;
    }
    fail_msg("no %s", key);
    return NULL;
}

static void test_get_attestation(void **state)
{
    fx *f = *state;
    char *body;
    uint8_t pk[32];
    assert_int_equal(call(f->e, "GET", "/get_attestation", NULL, &body), 200);
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    const char *hex = json_string_value(json_object_get(j, "attestation"));
    assert_non_null(hex);
    size_t n = strlen(hex) / 2;
    assert_true(n > 500 && n <= DAAS_ENCLAVE_DOC_MAX);
    for (const char *p = hex; *p; p++)
        assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
    uint8_t *doc = daas_xmalloc(n);
    enc_unhex(hex, doc, n);
    cbor_item_t *m = doc_payload(doc, n);
    daas_enclave_public_key(f->e, pk);
    cbor_item_t *dpk = get(m, "public_key"), *mod = get(m, "module_id");
    assert_int_equal(cbor_bytestring_length(dpk), 32);
    assert_memory_equal(cbor_bytestring_handle(dpk), pk, 32); /* the key is bound */
    assert_memory_equal(cbor_string_handle(mod), DAAS_ENCLAVE_DEBUG_MODULE_PREFIX, 11);
    cbor_decref(&m);
    daas_free(doc);
    json_decref(j);
    daas_free(body);
}

/* An extension route: signs the request body as an intent message with timestamp 7. */
static void on_sign(daas_enclave *e, void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    uint8_t sig[64];
    char hex[129], out[200];
    (*(int *)arg)++;
    if (daas_enclave_sign(e, 0, 7, req->body, sig, NULL) != DAAS_OK) {
        daas_enclave_reply_error(resp, 400, "sign");
        return;
    }
    snprintf(out, sizeof out, "{\"signature\":\"%s\"}", enc_hex(sig, 64, hex, sizeof hex));
    daas_enclave_reply(resp, 200, out);
}

static void test_routes(void **state)
{
    fx *f = *state;
    char *body;
    int calls = 0;
    daas_err err = {0};
    uint8_t pk[32], sig[64];
    assert_int_equal(daas_enclave_route_add(f->e, "POST", "/sign", on_sign, &calls, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_route_add(f->e, "POST", "/sign", on_sign, &calls, &err),
                     DAAS_EEXIST);
    assert_int_equal(daas_enclave_route_add(f->e, "GET", "nope", on_sign, NULL, NULL), DAAS_EINVAL);
    assert_int_equal(call(f->e, "POST", "/sign", "hello", &body), 200);
    assert_int_equal(calls, 1);
    json_t *j = json_loads(body, 0, NULL);
    enc_unhex(json_string_value(json_object_get(j, "signature")), sig, sizeof sig);
    daas_enclave_public_key(f->e, pk);
    assert_true(daas_enclave_intent_verify(pk, 0, 7, DAAS_BYTES("hello", 5), sig));
    assert_false(daas_enclave_intent_verify(pk, 0, 7, DAAS_BYTES("hellp", 5), sig));
    json_decref(j);
    daas_free(body);
    assert_int_equal(call(f->e, "GET", "/sign", NULL, &body), 405);
    assert_string_equal(body, "{\"error\":\"method not allowed\"}");
    daas_free(body);
    assert_int_equal(call(f->e, "GET", "/process_data", NULL, &body), 404);
    assert_string_equal(body, "{\"error\":\"not found\"}");
    daas_free(body);
    assert_int_equal(calls, 1);
}

static void test_keys_differ_per_boot(void **state)
{
    fx *f = *state;
    daas_enclave *e2 = NULL;
    uint8_t a[32], b[32], sig[64];
    char *ca = daas_xasprintf("%s/ca", f->dir);
    daas_enclave_opts o = {.nsm_path = "/nonexistent/nsm", .debug_ca_dir = ca};
    assert_int_equal(daas_enclave_new(&o, &e2, NULL), DAAS_OK);
    daas_enclave_public_key(f->e, a);
    daas_enclave_public_key(e2, b);
    assert_memory_not_equal(a, b, 32);
    assert_int_equal(daas_enclave_sign(e2, 3, 99, DAAS_BYTES("x", 1), sig, NULL), DAAS_OK);
    assert_true(daas_enclave_intent_verify(b, 3, 99, DAAS_BYTES("x", 1), sig));
    assert_false(daas_enclave_intent_verify(a, 3, 99, DAAS_BYTES("x", 1), sig));
    daas_enclave_free(&e2);
    daas_free(ca);
}

/* Reads the whole answer of a Connection: close request. */
static char *roundtrip(int fd, const char *req)
{
    struct timeval tv = {10, 0};
    daas_buf b;
    char chunk[4096];
    ssize_t n;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    daas_buf_init(&b, 0);
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        assert_int_equal(daas_buf_append(&b, chunk, (size_t)n), DAAS_OK);
    assert_int_equal(n, 0);
    return daas_buf_steal(&b, NULL);
}

static void test_serve_unix(void **state)
{
    fx *f = *state;
    char *spec = daas_xasprintf("unix:%s/e.sock", f->dir), hex[65];
    daas_enclave_addr a;
    daas_http_server *srv = NULL;
    daas_err err = {0};
    int lfd = -1, c = -1;
    uint8_t pk[32];
    assert_int_equal(daas_enclave_addr_parse(spec, &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_listen(&a, &lfd, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_serve(f->e, lfd, 2, &srv, NULL), DAAS_OK);
    close(lfd); /* borrowed: the server listens on its own duplicates */
    assert_int_equal(daas_http_server_port(srv), 0);
    assert_int_equal(daas_enclave_route_add(f->e, "GET", "/late", on_sign, NULL, &err),
                     DAAS_EINVAL);
    for (int i = 0; i < 3; i++) { /* several connections, spread over the workers */
        assert_int_equal(daas_enclave_addr_connect(&a, 2000, &c, NULL), DAAS_OK);
        char *resp = roundtrip(c, "GET /health_check HTTP/1.1\r\nHost: e\r\n"
                                  "Connection: close\r\n\r\n");
        close(c);
        assert_non_null(strstr(resp, "HTTP/1.1 200"));
        daas_enclave_public_key(f->e, pk);
        assert_non_null(strstr(resp, enc_hex(pk, 32, hex, sizeof hex)));
        daas_free(resp);
    }
    daas_http_server_free(&srv);
    daas_free(spec);
}

static void test_serve_needs_socket(void **state)
{
    fx *f = *state;
    daas_http_server *srv = NULL;
    daas_err err = {0};
    assert_int_equal(daas_enclave_serve(f->e, -1, 0, &srv, NULL), DAAS_EINVAL);
    /* A descriptor that is not a listening socket is refused by the HTTP server. */
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(daas_enclave_serve(f->e, sv[0], 0, &srv, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "not a listening socket"));
    assert_null(srv);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ping_and_health, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_attestation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_differ_per_boot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serve_unix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serve_needs_socket, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
