/*
 * test_podproxy.c: pods/{name}/log and pods/{name}/exec proxied to an agent.
 *
 * Owns:   captured pods and Nodes for the pure helpers; for the end-to-end cases a real API
 *         server (plain HTTP, anonymous admin, SQLite store in a temporary directory) and a
 *         stand-in agent: a TLS daas_http_server with a certificate from the test's cluster
 *         CA (its SHA-256 pinned in the Node), requiring a client certificate from that CA,
 *         that answers logs with what it received and exec with 101 and an echo.
 * Invariants: every test frees what it made (ASan); the stop order is the server's (HTTP
 *         stop, API stop, HTTP free, API free); waits are bounded by socket timeouts and
 *         polled counters with deadlines.
 * Spec:   src/api/podproxy.h; src/agent/serve.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/echo_testutil.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "api/api.h"
#include "api/api_int.h"
#include "api/podproxy.h"
#include "common/util.h"
#include "pki/pki.h"
#include "store/store.h"

/* ---- pure helpers ---- */

static json_t *pod_json(const char *extra_spec)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u-1\"},"
             "\"spec\":{%s}}",
             extra_spec);
    json_t *p = json_loads(buf, 0, NULL);
    assert_non_null(p);
    return p;
}

static void test_container_choice(void **state)
{
    (void)state;
    daas_err e = {0};
    const char *c = NULL;
    json_t *one = pod_json("\"containers\":[{\"name\":\"app\"}]");
    assert_int_equal(daas_api__proxy_container(one, NULL, &c, &e), DAAS_OK);
    assert_string_equal(c, "app");
    assert_int_equal(daas_api__proxy_container(one, "", &c, &e), DAAS_OK);
    assert_string_equal(c, "app");
    assert_int_equal(daas_api__proxy_container(one, "nope", &c, &e), DAAS_EINVAL);
    assert_string_equal(e.msg, "container nope is not valid for pod web");
    json_decref(one);

    json_t *two = pod_json("\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
                           "\"initContainers\":[{\"name\":\"init\"}]");
    daas_err_clear(&e);
    assert_int_equal(daas_api__proxy_container(two, NULL, &c, &e), DAAS_EINVAL);
    assert_string_equal(e.msg, "a container name must be specified for pod web, choose one of: "
                               "[a b] or one of the init containers: [init]");
    assert_int_equal(daas_api__proxy_container(two, "b", &c, NULL), DAAS_OK);
    assert_string_equal(c, "b");
    assert_int_equal(daas_api__proxy_container(two, "init", &c, NULL), DAAS_OK);
    assert_string_equal(c, "init");
    /* The default-container annotation picks one of several. */
    json_object_set_new(json_object_get(two, "metadata"), "annotations",
                        json_pack("{s:s}", "kubectl.kubernetes.io/default-container", "b"));
    assert_int_equal(daas_api__proxy_container(two, NULL, &c, NULL), DAAS_OK);
    assert_string_equal(c, "b");
    json_decref(two);

    json_t *plain2 = pod_json("\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]");
    daas_err_clear(&e);
    assert_int_equal(daas_api__proxy_container(plain2, NULL, &c, &e), DAAS_EINVAL);
    assert_string_equal(e.msg, "a container name must be specified for pod web, choose one of: "
                               "[a b]");
    json_decref(plain2);
}

#define FP_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static json_t *node_json(const char *name, const char *ip, int port, const char *fp)
{
    json_t *n = json_pack("{s:{s:s,s:{}},s:{s:[{s:s,s:s},{s:s,s:s}],s:{s:{s:i}}}}", "metadata",
                          "name", name, "annotations", "status", "addresses", "type", "Hostname",
                          "address", "h", "type", "InternalIP", "address", ip, "daemonEndpoints",
                          "kubeletEndpoint", "Port", port);
    assert_non_null(n);
    if (fp != NULL)
        json_object_set_new(json_object_get(json_object_get(n, "metadata"), "annotations"),
                            "daas.io/agent-cert-sha256", json_string(fp));
    return n;
}

static void test_node_target(void **state)
{
    (void)state;
    daas_api__proxy_target t;
    daas_err e = {0};
    json_t *n = node_json("n1", "10.0.0.5", 10250, FP_HEX);
    assert_int_equal(daas_api__proxy_node_target(n, &t, &e), DAAS_OK);
    assert_string_equal(t.node, "n1");
    assert_string_equal(t.hostport, "10.0.0.5:10250");
    assert_int_equal(t.fp[0], 0x00);
    assert_int_equal(t.fp[31], 0xff);
    json_decref(n);

    n = node_json("n6", "fd00::5", 4443, FP_HEX);
    assert_int_equal(daas_api__proxy_node_target(n, &t, NULL), DAAS_OK);
    assert_string_equal(t.hostport, "[fd00::5]:4443");
    json_decref(n);

    n = node_json("n2", "10.0.0.5", 10250, NULL);
    assert_int_equal(daas_api__proxy_node_target(n, &t, &e), DAAS_EUNAVAIL);
    assert_non_null(strstr(e.msg, "node n2 has no valid daas.io/agent-cert-sha256"));
    json_decref(n);

    n = node_json("n3", "10.0.0.5", 10250,
                  "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    assert_int_equal(daas_api__proxy_node_target(n, &t, NULL), DAAS_EUNAVAIL);
    json_decref(n);

    n = node_json("n4", "10.0.0.5", 0, FP_HEX);
    daas_err_clear(&e);
    assert_int_equal(daas_api__proxy_node_target(n, &t, &e), DAAS_EUNAVAIL);
    assert_non_null(strstr(e.msg, "node n4 has no agent endpoint"));
    json_decref(n);

    n = node_json("n5", "evil.example\r\nX: y", 10250, FP_HEX);
    daas_err_clear(&e);
    assert_int_equal(daas_api__proxy_node_target(n, &t, &e), DAAS_EUNAVAIL);
    assert_non_null(strstr(e.msg, "node n5 has no usable InternalIP"));
    json_decref(n);
}

static void test_agent_path(void **state)
{
    (void)state;
    char *p = daas_api__proxy_agent_path(
        false, "default", "web", "u-1", "app",
        "container=app&follow=true&tailLines=10&insecureSkipTLSVerifyBackend=true"
        "&sinceTime=2026-01-02T03%3A04%3A05Z&limitBytes=5&previous=false&timestamps=true");
    assert_string_equal(p, "/containerLogs/default/web/app?podUID=u-1&follow=true&tailLines=10"
                           "&sinceTime=2026-01-02T03%3A04%3A05Z&limitBytes=5&previous=false"
                           "&timestamps=true");
    daas_free(p);
    /* Repeated command values keep their order; '+' is a space; odd bytes are encoded. */
    p = daas_api__proxy_agent_path(true, "ns", "p", "u 2", "c",
                                   "command=sh&command=-c&command=echo+a%26b%2Fc&stdin=true"
                                   "&stdout=true&tty=false&sinceSeconds=3&podUID=forged");
    assert_string_equal(p, "/exec/ns/p/c?podUID=u%202&command=sh&command=-c"
                           "&command=echo%20a%26b%2Fc&stdin=true&stdout=true&tty=false");
    daas_free(p);
    /* A bad escape or an encoded NUL drops the parameter, not the request. */
    p = daas_api__proxy_agent_path(true, "ns", "p", "u", "c", "command=a%00b&command=%zz&stdin");
    assert_string_equal(p, "/exec/ns/p/c?podUID=u&stdin=");
    daas_free(p);
}

static daas_http_header hdrs[] = {
    {"Host", "api:6443"},
    {"Authorization", "Bearer secret-token"},
    {"Upgrade", "websocket"},
    {"Connection", "Upgrade"},
    {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
    {"Sec-WebSocket-Version", "13"},
    {"Sec-WebSocket-Protocol", "v5.channel.k8s.io, v4.channel.k8s.io"},
    {"User-Agent", "kubectl/v1.32.0"},
};

static void test_head(void **state)
{
    (void)state;
    daas_http_req req = {.method = "GET", .headers = hdrs, .nheaders = 8};
    daas_buf b;
    daas_buf_init(&b, 1 << 16);
    assert_int_equal(
        daas_api__proxy_head(&req, "GET", "/exec/a/b/c?podUID=u", "10.0.0.5:10250", true, &b, NULL),
        DAAS_OK);
    assert_string_equal(b.data, "GET /exec/a/b/c?podUID=u HTTP/1.1\r\n"
                                "Host: 10.0.0.5:10250\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n"
                                "Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n"
                                "\r\n");
    daas_buf_reset(&b);
    req.body = DAAS_BYTES("xyz", 3);
    assert_int_equal(
        daas_api__proxy_head(&req, "GET", "/containerLogs/a/b/c?podUID=u", "h:1", false, &b, NULL),
        DAAS_OK);
    assert_string_equal(b.data, "GET /containerLogs/a/b/c?podUID=u HTTP/1.1\r\nHost: h:1\r\n"
                                "Connection: close\r\nContent-Length: 3\r\n\r\nxyz");
    assert_null(strstr(b.data, "secret"));
    /* A token offered as a WebSocket subprotocol never reaches the agent. */
    daas_http_header tok[] = {
        {"Upgrade", "websocket"},
        {"Sec-WebSocket-Protocol",
         "base64url.bearer.authorization.k8s.io.c2VjcmV0, v5.channel.k8s.io ,v4.channel.k8s.io"},
    };
    daas_http_req treq = {.method = "GET", .headers = tok, .nheaders = 2};
    daas_buf_reset(&b);
    assert_int_equal(daas_api__proxy_head(&treq, "GET", "/e", "h:1", true, &b, NULL), DAAS_OK);
    assert_string_equal(b.data, "GET /e HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\n"
                                "Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n"
                                "\r\n");
    tok[1].value = "base64url.bearer.authorization.k8s.io.c2VjcmV0";
    daas_buf_reset(&b);
    assert_int_equal(daas_api__proxy_head(&treq, "GET", "/e", "h:1", true, &b, NULL), DAAS_OK);
    assert_string_equal(b.data, "GET /e HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\n\r\n");
    daas_buf_fini(&b);
    /* Over the cap: an error, not a truncated request. */
    daas_buf_init(&b, 16);
    assert_int_equal(daas_api__proxy_head(&req, "GET", "/x", "h:1", false, &b, NULL), DAAS_ETOOBIG);
    daas_buf_fini(&b);
}

static void test_upgrade_kind(void **state)
{
    (void)state;
    daas_http_header h[] = {{"Upgrade", "SPDY/3.1"}};
    daas_http_req req = {.headers = h, .nheaders = 1};
    assert_int_equal(daas_api__proxy_upgrade_kind(&req), DAAS_API_PROXY_SPDY);
    h[0].value = "WebSocket";
    assert_int_equal(daas_api__proxy_upgrade_kind(&req), DAAS_API_PROXY_WEBSOCKET);
    h[0].value = "h2c";
    assert_int_equal(daas_api__proxy_upgrade_kind(&req), DAAS_API_PROXY_OTHER_UPGRADE);
    req.nheaders = 0;
    assert_int_equal(daas_api__proxy_upgrade_kind(&req), DAAS_API_PROXY_NO_UPGRADE);
}

/* ---- end to end: the stand-in agent ---- */

#define BIG_LEN ((size_t)8 << 20) /* a log far larger than the proxy's per-side limit */

static void agent_exec(const daas_http_req *req, daas_http_resp *resp)
{
    struct bufferevent *bev = NULL;
    const char *proto = daas_http_req_header(req, "Sec-WebSocket-Protocol");
    if (daas_http_hijack(resp, &bev, NULL) != DAAS_OK)
        return;
    evbuffer_add_printf(bufferevent_get_output(bev),
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nX-Target: %s\r\nX-Proto: %s\r\nX-CN: %s\r\n"
                        "X-Auth: %s\r\n\r\n",
                        req->target, proto ? proto : "-", req->peer->verified ? req->peer->cn : "-",
                        daas_http_req_header(req, "Authorization") ? "yes" : "no");
    echo_hold(bev);
    if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
        echo_read(bev, NULL);
}

static void agent_handler(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    char body[2048];
    if (strncmp(req->path, "/exec/", 6) == 0) {
        agent_exec(req, resp);
        return;
    }
    if (strcmp(req->path, "/containerLogs/default/silent/app") == 0) {
        struct bufferevent *bev = NULL;
        if (daas_http_hijack(resp, &bev, NULL) == DAAS_OK)
            bufferevent_free(bev); /* closes without a byte */
        return;
    }
    if (strcmp(req->path, "/containerLogs/default/big/app") == 0) {
        uint8_t *big = daas_xmalloc(BIG_LEN);
        for (size_t i = 0; i < BIG_LEN; i++)
            big[i] = (uint8_t)(i * 7 % 251);
        daas_http_respond(resp, 200, "text/plain", NULL, big, BIG_LEN);
        daas_free(big);
        return;
    }
    int n = snprintf(body, sizeof body, "target=%s\nhost=%s\ncn=%s\nauth=%s\n", req->target,
                     daas_http_req_header(req, "Host"), req->peer->verified ? req->peer->cn : "-",
                     daas_http_req_header(req, "Authorization") ? "yes" : "no");
    daas_http_respond(resp, 200, "text/plain", NULL, body, (size_t)n);
}

/* ---- end to end: fixture ---- */

typedef struct fx {
    char dir[64];
    daas_pki *pki;
    SSL_CTX *agent_srv_ctx, *client_ctx;
    daas_http_server *agent;
    char agent_fp[65];
    daas_store *store;
    daas_api *api;
    daas_http_server *http;
} fx;

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

static void sha256_hex_of_file_cert(const char *path, char out[65])
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    unsigned char md[32];
    unsigned int n = 0;
    assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
    daas_hex_encode(md, 32, out);
    X509_free(x);
}

static void start_agent(fx *f)
{
    char crt[128], key[128];
    daas_err e = {0};
    const char *sans[] = {"127.0.0.1"};
    snprintf(crt, sizeof crt, "%s/agent.crt", f->dir);
    snprintf(key, sizeof key, "%s/agent.key", f->dir);
    assert_int_equal(daas_pki_issue_server(f->pki, "n1", sans, 1, crt, key, &e), DAAS_OK);
    assert_int_equal(daas_pki_file_ctx(crt, key, &f->agent_srv_ctx, &e), DAAS_OK);
    assert_int_equal(
        SSL_CTX_load_verify_locations(f->agent_srv_ctx, daas_pki_ca_path(f->pki), NULL), 1);
    SSL_CTX_set_verify(f->agent_srv_ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    sha256_hex_of_file_cert(crt, f->agent_fp);
    daas_http_config hc = {
        .bind_addr = "127.0.0.1", .threads = 1, .tls = f->agent_srv_ctx, .handler = agent_handler};
    assert_int_equal(daas_http_server_new(&hc, &f->agent, &e), DAAS_OK);
    assert_int_equal(daas_http_server_start(f->agent, &e), DAAS_OK);
}

static void put(fx *f, const char *key, json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT);
    daas_err e = {0};
    assert_int_equal(daas_store_create(f->store, key, DAAS_BYTES_STR(s), NULL, &e), DAAS_OK);
    free(s);
    json_decref(obj);
}

static void put_pod(fx *f, const char *name, const char *node, const char *phase)
{
    char spec[256], key[128];
    snprintf(spec, sizeof spec, "\"nodeName\":\"%s\",\"containers\":[{\"name\":\"app\"}]", node);
    json_t *p = pod_json(spec);
    json_object_set_new(json_object_get(p, "metadata"), "name", json_string(name));
    if (phase != NULL)
        json_object_set_new(p, "status", json_pack("{s:s}", "phase", phase));
    snprintf(key, sizeof key, "/registry/pods/default/%s", name);
    put(f, key, p);
}

static void put_node(fx *f, const char *name, int port, const char *fp)
{
    char key[128];
    snprintf(key, sizeof key, "/registry/nodes/%s", name);
    put(f, key, node_json(name, "127.0.0.1", port, fp));
}

/* A port nothing listens on: bound, then closed. */
static int dead_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof sa;
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    daas_err e = {0};
    char path[128];
    snprintf(f->dir, sizeof f->dir, "/tmp/daas-podproxy.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    daas_pki_opts po = {.data_dir = f->dir, .no_kubeconfig = true};
    assert_int_equal(daas_pki_ensure(&po, &f->pki, &e), DAAS_OK);
    assert_int_equal(daas_pki_client_ctx(f->pki, "daas-apiserver", &f->client_ctx, &e), DAAS_OK);
    start_agent(f);
    snprintf(path, sizeof path, "%s/state.db", f->dir);
    daas_store_opts so = {.compact_interval_s = 0};
    assert_int_equal(daas_store_open_sqlite(path, &so, &f->store, &e), DAAS_OK);
    daas_api_config ac = {.store = f->store, .allow_anonymous = true, .agent_tls = f->client_ctx};
    assert_int_equal(daas_api_new(&ac, &f->api, &e), DAAS_OK);
    daas_http_config hc = {
        .bind_addr = "127.0.0.1", .threads = 2, .handler = daas_api_handle, .arg = f->api};
    assert_int_equal(daas_http_server_new(&hc, &f->http, &e), DAAS_OK);
    assert_int_equal(daas_http_server_start(f->http, &e), DAAS_OK);
    put_pod(f, "web", "n1", "Running");
    put_pod(f, "done", "n1", "Succeeded");
    put_pod(f, "silent", "n1", NULL);
    put_pod(f, "big", "n1", NULL);
    put_pod(f, "forged", "n2", NULL);
    put_pod(f, "gone", "n3", NULL);
    put(f, "/registry/pods/default/pending", pod_json("\"containers\":[{\"name\":\"app\"}]"));
    put_node(f, "n1", daas_http_server_port(f->agent), f->agent_fp);
    put_node(f, "n2", daas_http_server_port(f->agent), FP_HEX);
    put_node(f, "n3", dead_port(), f->agent_fp);
    atomic_store(&echo_g.freed, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    /* The server's order: no new requests, proxies closed by posts that freeing the HTTP
     * server runs, then the API. */
    daas_http_server_stop(f->http);
    daas_api_stop(f->api);
    daas_http_server_free(&f->http);
    assert_int_equal(daas_api__proxy_count(f->api), 0);
    daas_api_free(&f->api);
    daas_store_close(&f->store);
    daas_http_server_stop(f->agent);
    echo_free_held();
    daas_http_server_free(&f->agent);
    SSL_CTX_free(f->agent_srv_ctx);
    SSL_CTX_free(f->client_ctx);
    daas_pki_free(&f->pki);
    nftw(f->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
    daas_free(f);
    return 0;
}

static int dial(const fx *f)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)daas_http_server_port(f->http))};
    struct timeval tv = {15, 0};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends req and reads one response: its head, then Content-Length bytes (or up to EOF). */
static char *roundtrip(const fx *f, const char *req)
{
    static char buf[16384];
    size_t got = 0, want = 0;
    int fd = dial(f);
    assert_int_equal(daas_write_all(fd, req, strlen(req)), 0);
    for (;;) {
        buf[got] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strcasestr(buf, "\r\nContent-Length: ");
        if (end != NULL && cl != NULL && cl < end && want == 0)
            want = (size_t)(end + 4 - buf) + strtoul(cl + 18, NULL, 10);
        if (want > 0 && got >= want)
            break;
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        assert_true(n >= 0);
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    close(fd);
    return buf;
}

/* Reads up to the end of a response head. */
static void read_head(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < 4 || memcmp(buf + got - 4, "\r\n\r\n", 4) != 0) {
        assert_true(got < cap - 1);
        ssize_t n = recv(fd, buf + got, 1, 0);
        assert_true(n == 1);
        got++;
    }
    buf[got] = '\0';
}

static void test_logs_proxied(void **state)
{
    fx *f = *state;
    const char *r = roundtrip(f, "GET /api/v1/namespaces/default/pods/web/log?container=app"
                                 "&follow=true&tailLines=5&evil=1 HTTP/1.1\r\nHost: x\r\n"
                                 "Authorization: Bearer secret\r\n\r\n");
    assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(
        strstr(r, "target=/containerLogs/default/web/app?podUID=u-1&follow=true&tailLines=5\n"));
    char host[64];
    snprintf(host, sizeof host, "host=127.0.0.1:%d\n", daas_http_server_port(f->agent));
    assert_non_null(strstr(r, host));
    assert_non_null(strstr(r, "cn=daas-apiserver\n"));
    assert_non_null(strstr(r, "auth=no\n"));
}

static void test_exec_websocket(void **state)
{
    fx *f = *state;
    char head[2048], echo[8];
    int fd = dial(f);
    const char *req = "GET /api/v1/namespaces/default/pods/web/exec?command=sh&command=-c"
                      "&stdin=true&stdout=true&container=app HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer secret\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: a2V5a2V5a2V5a2V5a2V5a2V5\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io\r\n\r\n"
                      "early";
    assert_int_equal(daas_write_all(fd, req, strlen(req)), 0);
    read_head(fd, head, sizeof head);
    assert_non_null(strstr(head, "HTTP/1.1 101 Switching Protocols\r\n"));
    assert_non_null(strstr(head, "X-Target: /exec/default/web/app?podUID=u-1&command=sh"
                                 "&command=-c&stdin=true&stdout=true\r\n"));
    assert_non_null(strstr(head, "X-Proto: v5.channel.k8s.io, v4.channel.k8s.io\r\n"));
    assert_non_null(strstr(head, "X-CN: daas-apiserver\r\n"));
    assert_non_null(strstr(head, "X-Auth: no\r\n"));
    /* Bytes sent with the request, then bytes sent later, come back through the agent. */
    assert_int_equal(recv(fd, echo, 5, MSG_WAITALL), 5);
    assert_memory_equal(echo, "early", 5);
    assert_int_equal(daas_write_all(fd, "ping", 4), 0);
    assert_int_equal(recv(fd, echo, 4, MSG_WAITALL), 4);
    assert_memory_equal(echo, "ping", 4);
    close(fd);
    /* The client's close reaches the agent, and the proxy lets go of everything. */
    for (int i = 0; i < 500 && (atomic_load(&echo_g.freed) < 1 || daas_api__proxy_count(f->api)); i++)
        usleep(10000);
    assert_int_equal(atomic_load(&echo_g.freed), 1);
    assert_int_equal(daas_api__proxy_count(f->api), 0);
}

/* A log larger than the proxy buffers, read by a client that starts late: every byte
 * arrives in order (the agent side pauses while the client side is full). */
static void test_logs_backpressure(void **state)
{
    fx *f = *state;
    char head[2048];
    static uint8_t buf[64 << 10];
    size_t total = 0;
    bool same = true;
    int fd = dial(f);
    const char *req = "GET /api/v1/namespaces/default/pods/big/log HTTP/1.1\r\n\r\n";
    assert_int_equal(daas_write_all(fd, req, strlen(req)), 0);
    usleep(300 * 1000); /* let the pipes fill; correctness does not depend on it */
    read_head(fd, head, sizeof head);
    assert_non_null(strstr(head, "HTTP/1.1 200 OK\r\n"));
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        assert_true(n >= 0);
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            same = same && buf[i] == (uint8_t)((total + (size_t)i) * 7 % 251);
        total += (size_t)n;
    }
    close(fd);
    assert_true(same);
    assert_int_equal(total, BIG_LEN);
}

/* The server stops while an exec session is open: no leak, the client sees the close. */
static void test_stop_with_session_open(void **state)
{
    fx *f = *state;
    char head[2048], b[4];
    int fd = dial(f);
    const char *req = "GET /api/v1/namespaces/default/pods/web/exec?command=sh HTTP/1.1\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    assert_int_equal(daas_write_all(fd, req, strlen(req)), 0);
    read_head(fd, head, sizeof head);
    assert_non_null(strstr(head, "101 Switching Protocols"));
    assert_int_equal(daas_api__proxy_count(f->api), 1);
    daas_http_server_stop(f->http);
    daas_api_stop(f->api);
    daas_http_server_free(&f->http); /* runs the posted closes */
    assert_int_equal(daas_api__proxy_count(f->api), 0);
    assert_int_equal(recv(fd, b, sizeof b, 0), 0);
    close(fd);
}

static void expect_status(const char *r, const char *status_line, const char *msg_part)
{
    if (strncmp(r, status_line, strlen(status_line)) != 0 || strstr(r, msg_part) == NULL)
        fail_msg("want %s with \"%s\", got:\n%s", status_line, msg_part, r);
    const char *body = strstr(r, "\r\n\r\n");
    assert_non_null(body);
    json_t *st = json_loads(body + 4, 0, NULL);
    assert_non_null(st);
    assert_string_equal(json_string_value(json_object_get(st, "kind")), "Status");
    assert_int_equal(json_integer_value(json_object_get(st, "code")),
                     strtol(status_line + 9, NULL, 10));
    json_decref(st);
}

static void test_errors(void **state)
{
    fx *f = *state;
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/nope/log HTTP/1.1\r\n"
                               "Connection: close\r\n\r\n"),
                  "HTTP/1.1 404", "pods \\\"nope\\\" not found");
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/pending/log HTTP/1.1\r\n"
                               "Connection: close\r\n\r\n"),
                  "HTTP/1.1 400", "pod pending does not have a host assigned");
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/web/log?container=x "
                               "HTTP/1.1\r\nConnection: close\r\n\r\n"),
                  "HTTP/1.1 400", "container x is not valid for pod web");
    expect_status(roundtrip(f, "POST /api/v1/namespaces/default/pods/web/exec?command=ls "
                               "HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
                  "HTTP/1.1 400", "Upgrade request required");
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/done/exec?command=ls "
                               "HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
                  "HTTP/1.1 400", "cannot exec into a container in a completed pod");
    expect_status(roundtrip(f, "PUT /api/v1/namespaces/default/pods/web/exec HTTP/1.1\r\n"
                               "Connection: close\r\nContent-Length: 0\r\n\r\n"),
                  "HTTP/1.1 405", "does not allow this method");
}

static void test_dial_failures(void **state)
{
    fx *f = *state;
    /* The agent is not the one the Node pins. */
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/forged/log HTTP/1.1\r\n\r\n"),
                  "HTTP/1.1 502",
                  "error dialing backend: node n2: agent certificate does not "
                  "match the Node's daas.io/agent-cert-sha256");
    /* Nobody listens. */
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/gone/log HTTP/1.1\r\n\r\n"),
                  "HTTP/1.1 503", "error dialing backend: node n3: cannot connect to 127.0.0.1:");
    /* The agent closes without a byte. */
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/silent/log HTTP/1.1\r\n\r\n"),
                  "HTTP/1.1 502", "node n1: the agent closed the connection without answering");
    /* SPDY (kubectl's fallback): the same checks and dial, then a clear refusal. */
    expect_status(roundtrip(f, "POST /api/v1/namespaces/default/pods/web/exec?command=ls "
                               "HTTP/1.1\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n"
                               "Content-Length: 0\r\n\r\n"),
                  "HTTP/1.1 400", "exec over SPDY is not supported");
    expect_status(roundtrip(f, "POST /api/v1/namespaces/default/pods/forged/exec?command=ls "
                               "HTTP/1.1\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n"
                               "Content-Length: 0\r\n\r\n"),
                  "HTTP/1.1 502", "agent certificate does not match");
    for (int i = 0; i < 500 && daas_api__proxy_count(f->api) > 0; i++)
        usleep(10000);
    assert_int_equal(daas_api__proxy_count(f->api), 0);
}

/* Without a client identity for agents, logs answer 503 before any hijack. */
static void test_no_agent_tls(void **state)
{
    fx *f = *state;
    f->api->agent_tls = NULL;
    expect_status(roundtrip(f, "GET /api/v1/namespaces/default/pods/web/log HTTP/1.1\r\n"
                               "Connection: close\r\n\r\n"),
                  "HTTP/1.1 503", "no client identity for agents");
    f->api->agent_tls = f->client_ctx;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container_choice),
        cmocka_unit_test(test_node_target),
        cmocka_unit_test(test_agent_path),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_upgrade_kind),
        cmocka_unit_test_setup_teardown(test_logs_proxied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_websocket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logs_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_with_session_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dial_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_agent_tls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
