/*
 * test_gql.c: the Sui GraphQL client against a loopback HTTP/1.1 server answering recorded
 * Sui GraphQL replies (tests/unit/sui/gql_fixtures/): every typed call, what the client sends
 * (query text and variables), the retry policy (503 retried, 400 and execute-after-send not),
 * connection refused, timeouts, replies past the 16 MiB cap, non-JSON and GraphQL errors; and
 * the reply parsers directly (u64 forms, missing fields, DateTime, owner kinds).
 *
 * Owns:   one server thread per test (started in setup, joined in teardown), its canned
 *         replies and recorded request bodies; every client and result, freed in the test.
 * Fixtures: found next to this file (from __FILE__), or under $DAAS_GQL_FIXTURES.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/util.h"
#include "sui/gql.h"
#include "sui/gql_int.h"
#include "sui/gql_ops.h"
#include "sui/sui.h"

#define OWNER "0x160179a1565ea7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ac"
#define PKG "0x90d786779f6f47e2268c7ce898b0c65025f8de3fb49b091df634258ef7a5000d"
#define COIN1 "0x3be38ad1ac2f15f2bcb29af78bfa3ad36eb5f012333dd26e60cd74d2178412e9"
#define STAKE "0x10c469809fd982dfbb66a29134889444381ee9aadf4daaa8c2add10b56b6d223"
#define TWO "0x0000000000000000000000000000000000000000000000000000000000000002"
#define CAP ((size_t)16 << 20)

/* ---- the loopback server ---- */

typedef enum mode {
    NORMAL,     /* status + body with Content-Length */
    HANG,       /* read the request, never answer (until the client hangs up) */
    HUGE_CL,    /* announce a body one byte over the cap */
    HUGE_CLOSE, /* no Content-Length: stream past the cap until the client hangs up */
} mode;

typedef struct canned {
    mode mode;
    int status;
    char *body; /* owned */
    size_t len;
} canned;

#define MAX_REQ 8

typedef struct server {
    int lfd;               /* listening socket */
    int port;              /* its loopback port */
    pthread_t th;          /* the accept loop */
    pthread_mutex_t mu;    /* guards everything below */
    canned q[MAX_REQ];     /* replies, answered in order */
    size_t nq;             /* replies queued */
    size_t next;           /* next reply to give */
    char *bodies[MAX_REQ]; /* request bodies seen (owned) */
    size_t nbodies;        /* requests seen */
} server;

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

/* Reads one request; returns its body (malloc'd, NUL-terminated) or NULL. */
static char *read_request(int fd)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = daas_xmalloc(cap + 1);
    char *end = NULL;
    size_t clen = 0;
    for (;;) {
        ssize_t k = recv(fd, buf + len, cap - len, 0);
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = '\0';
        if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");
            clen = cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
        }
        if (end != NULL && len >= (size_t)(end + 4 - buf) + clen) {
            char *body = daas_xstrndup(end + 4, clen);
            daas_free(buf);
            return body;
        }
    }
    daas_free(buf);
    return NULL;
}

static void answer(int fd, const canned *c)
{
    char head[256];
    if (c->mode == HANG) {
        char tmp[256];
        while (recv(fd, tmp, sizeof tmp, 0) > 0)
            ;
        return;
    }
    if (c->mode == HUGE_CL) {
        snprintf(head, sizeof head,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n{\"data\":",
                 CAP + 1);
        send_all(fd, head, strlen(head));
        return;
    }
    if (c->mode == HUGE_CLOSE) {
        static char chunk[65536];
        memset(chunk, ' ', sizeof chunk);
        snprintf(head, sizeof head,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Connection: close\r\n\r\n");
        send_all(fd, head, strlen(head));
        for (size_t sent = 0; sent <= CAP + sizeof chunk; sent += sizeof chunk)
            send_all(fd, chunk, sizeof chunk);
        return;
    }
    snprintf(head, sizeof head,
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             c->status, c->len);
    send_all(fd, head, strlen(head));
    send_all(fd, c->body, c->len);
}

static void handle(server *s, int fd)
{
    canned c = {.mode = NORMAL, .status = 500, .body = "{}", .len = 2};
    struct timeval tv = {.tv_sec = 10}; /* a stuck client cannot hang the test forever */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char *body = read_request(fd);
    if (body == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->nbodies < MAX_REQ)
        s->bodies[s->nbodies++] = body;
    else
        daas_free(body);
    if (s->next < s->nq)
        c = s->q[s->next++];
    pthread_mutex_unlock(&s->mu);
    answer(fd, &c);
}

static void *serve(void *arg)
{
    server *s = arg;
    for (;;) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0 && errno == EINTR)
            continue;
        if (fd < 0)
            return NULL; /* shutdown() of the listening socket */
        handle(s, fd);
        close(fd);
    }
}

static int listen_loopback(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static int setup(void **state)
{
    server *s = daas_xcalloc(1, sizeof *s);
    s->lfd = listen_loopback(&s->port);
    assert_int_equal(listen(s->lfd, 8), 0);
    pthread_mutex_init(&s->mu, NULL);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    server *s = *state;
    shutdown(s->lfd, SHUT_RDWR);
    pthread_join(s->th, NULL);
    close(s->lfd);
    for (size_t i = 0; i < s->nq; i++)
        daas_free(s->q[i].body);
    for (size_t i = 0; i < s->nbodies; i++)
        daas_free(s->bodies[i]);
    pthread_mutex_destroy(&s->mu);
    daas_free(s);
    return 0;
}

static void enqueue(server *s, mode m, int status, const char *body, size_t len)
{
    pthread_mutex_lock(&s->mu);
    assert_true(s->nq < MAX_REQ);
    s->q[s->nq++] = (canned){m, status, daas_xstrndup(body, len), len};
    pthread_mutex_unlock(&s->mu);
}

static char *load_fixture(const char *name, size_t *len)
{
    char path[1024];
    const char *dir = getenv("DAAS_GQL_FIXTURES");
    if (dir != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
    } else {
        const char *slash = strrchr(__FILE__, '/');
        int n = slash != NULL ? (int)(slash - __FILE__) : 1;
        snprintf(path, sizeof path, "%.*s/gql_fixtures/%s", n, slash ? __FILE__ : ".", name);
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open fixture %s", path);
    daas_buf b;
    char chunk[4096];
    size_t k;
    daas_buf_init(&b, 0);
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(daas_buf_append(&b, chunk, k), DAAS_OK);
    fclose(f);
    return daas_buf_steal(&b, len);
}

static void enqueue_fixture(server *s, const char *name)
{
    size_t len;
    char *body = load_fixture(name, &len);
    enqueue(s, NORMAL, 200, body, len);
    daas_free(body);
}

static size_t requests_seen(server *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nbodies;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* The i-th request body, parsed; checks its query text is op. */
static json_t *request(server *s, size_t i, const char *op)
{
    pthread_mutex_lock(&s->mu);
    assert_true(i < s->nbodies);
    json_t *j = json_loads(s->bodies[i], 0, NULL);
    pthread_mutex_unlock(&s->mu);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "query")), op);
    assert_true(json_is_object(json_object_get(j, "variables")));
    return j;
}

static const char *var_str(json_t *req, const char *path)
{
    json_t *v = json_object_get(req, "variables");
    char key[64];
    while (strchr(path, '.') != NULL) {
        size_t n = (size_t)(strchr(path, '.') - path);
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        v = json_object_get(v, key);
        path += n + 1;
    }
    return json_string_value(json_object_get(v, path));
}

static daas_sui_client *client_for(server *s, long timeout_ms, int retries)
{
    char url[64];
    daas_sui_client *c = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", s != NULL ? s->port : 1);
    daas_sui_client_opts o = {
        .url = url, .timeout_ms = timeout_ms, .retries = retries, .backoff_ms = 1};
    assert_int_equal(daas_sui_client_new(&o, &c, NULL), DAAS_OK);
    return c;
}

static void addr(const char *hex, uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    assert_int_equal(daas_sui_address_parse(hex, out, NULL), DAAS_OK);
}

static void assert_addr(const uint8_t a[DAAS_SUI_ADDRESS_LEN], const char *hex)
{
    char got[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(a, got);
    assert_string_equal(got, hex);
}

/* ---- chain facts ---- */

static void test_client_new_rejects(void **state)
{
    daas_sui_client *c = (daas_sui_client *)1;
    daas_err err = {0};
    daas_sui_client_opts o = {.url = "ftp://example.com/graphql"};
    assert_int_equal(daas_sui_client_new(&o, &c, &err), DAAS_EINVAL);
    assert_null(c);
    assert_non_null(strstr(err.msg, "http(s)://"));
    o.url = "https://";
    assert_int_equal(daas_sui_client_new(&o, &c, NULL), DAAS_EINVAL);
    o.url = "HTTPS://graphql.testnet.sui.io/graphql";
    assert_int_equal(daas_sui_client_new(&o, &c, NULL), DAAS_OK);
    assert_string_equal(daas_sui_client_url(c), o.url);
    daas_sui_client_free(&c);
    assert_null(c);
    daas_sui_client_free(&c);
}

static void test_chain_id_and_epoch(void **state)
{
    server *s = *state;
    char id[64];
    daas_sui_epoch ep;
    enqueue_fixture(s, "chain_id.json");
    enqueue_fixture(s, "epoch.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_chain_id(c, id, sizeof id, NULL), DAAS_OK);
    assert_string_equal(id, "4btiuiMPvEENsttpZC7CZ53DruC3MAgfznDbASZ7DR6S");
    assert_int_equal(daas_sui_get_epoch(c, &ep, NULL), DAAS_OK);
    assert_int_equal(ep.epoch, 742);
    assert_int_equal(ep.ref_gas_price, 750);
    json_t *r = request(s, 0, DAAS_GQL_CHAIN_ID);
    assert_int_equal(json_object_size(json_object_get(r, "variables")), 0);
    json_decref(r);
    json_decref(request(s, 1, DAAS_GQL_EPOCH));
    daas_sui_client_free(&c);
}

/* ---- objects ---- */

static void test_object_address_owned(void **state)
{
    server *s = *state;
    uint8_t id[32];
    daas_sui_object o;
    enqueue_fixture(s, "object_owned.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    addr(COIN1, id);
    assert_int_equal(daas_sui_get_object(c, id, &o, NULL), DAAS_OK);
    assert_memory_equal(o.ref.id, id, 32);
    assert_int_equal(o.ref.version, 17);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_ADDRESS);
    assert_addr(o.owner, OWNER);
    assert_string_equal(o.type, TWO "::coin::Coin<" TWO "::sui::SUI>");
    assert_string_equal(json_string_value(json_object_get(o.json, "balance")), "5000000000");
    assert_int_equal(o.bcs_len, 40); /* id || u64 balance */
    assert_memory_equal(o.bcs, id, 32);
    assert_int_equal(o.bcs[32], 0x00); /* 5000000000 = 0x12a05f200 little-endian */
    assert_int_equal(o.bcs[33], 0xf2);
    json_t *r = request(s, 0, DAAS_GQL_OBJECT);
    assert_string_equal(var_str(r, "id"), COIN1);
    json_decref(r);
    daas_sui_object_fini(&o);
    assert_null(o.type);
    daas_sui_client_free(&c);
}

static void test_object_shared_and_missing(void **state)
{
    server *s = *state;
    uint8_t id[32] = {0};
    daas_sui_object o;
    daas_err err = {0};
    enqueue_fixture(s, "object_shared.json");
    enqueue_fixture(s, "object_null.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_get_object(c, id, &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_SHARED);
    assert_int_equal(o.initial_shared_version, 3);
    assert_int_equal(o.ref.version, 42); /* given as a string */
    assert_string_equal(o.type, PKG "::registry::Registry");
    assert_null(o.bcs);
    daas_sui_object_fini(&o);
    id[31] = 9;
    assert_int_equal(daas_sui_get_object(c, id, &o, &err), DAAS_ENOTFOUND);
    assert_string_equal(err.msg, "sui: object 0x0000000000000000000000000000000000000000000000"
                                 "000000000000000009 not found");
    assert_null(o.type);
    daas_sui_client_free(&c);
}

static void test_coins_two_pages(void **state)
{
    server *s = *state;
    uint8_t owner[32];
    daas_sui_coin *coins;
    size_t n;
    enqueue_fixture(s, "coins_page1.json");
    enqueue_fixture(s, "coins_page2.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    addr(OWNER, owner);
    assert_int_equal(daas_sui_get_coins(c, owner, 10, &coins, &n, NULL), DAAS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(coins[0].balance, 1000000000);
    assert_int_equal(coins[0].ref.version, 5);
    assert_int_equal(coins[1].balance, 250);
    assert_int_equal(coins[2].balance, UINT64_MAX);
    assert_int_equal(coins[2].ref.version, 12);
    daas_free(coins);
    assert_int_equal(requests_seen(s), 2);
    json_t *r0 = request(s, 0, DAAS_GQL_OWNED), *r1 = request(s, 1, DAAS_GQL_OWNED);
    assert_string_equal(var_str(r0, "owner"), OWNER);
    assert_string_equal(var_str(r0, "type"), "0x2::coin::Coin<0x2::sui::SUI>");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r0, "variables"), "first")),
                     50);
    assert_true(json_is_null(json_object_get(json_object_get(r0, "variables"), "cursor")));
    assert_string_equal(var_str(r1, "cursor"),
                        "IGnq0iUiVPT7cxL1Rk3o8dZ7kL2CUdXSrcSoxCwQ5RLnAQAAAAAAAAA=");
    json_decref(r0);
    json_decref(r1);
    daas_sui_client_free(&c);
}

static void test_coins_over_max(void **state)
{
    server *s = *state;
    uint8_t owner[32] = {1};
    daas_sui_coin *coins = (daas_sui_coin *)1;
    size_t n = 7;
    daas_err err = {0};
    enqueue_fixture(s, "coins_page1.json");
    enqueue_fixture(s, "coins_page2.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_get_coins(c, owner, 2, &coins, &n, &err), DAAS_ETOOBIG);
    assert_null(coins);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "more than 2 SUI coins"));
    daas_sui_client_free(&c);
}

static void test_owned_page(void **state)
{
    server *s = *state;
    uint8_t owner[32];
    daas_sui_page p;
    enqueue_fixture(s, "coins_page1.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    addr(OWNER, owner);
    assert_int_equal(daas_sui_owned_objects(c, owner, NULL, "abc", 2, &p, NULL), DAAS_OK);
    assert_int_equal(p.n, 2);
    assert_true(p.has_next);
    assert_string_equal(p.cursor, "IGnq0iUiVPT7cxL1Rk3o8dZ7kL2CUdXSrcSoxCwQ5RLnAQAAAAAAAAA=");
    assert_int_equal(p.items[0].owner_kind, 0); /* not asked by DaasOwned */
    assert_string_equal(json_string_value(json_object_get(p.items[1].json, "balance")), "250");
    daas_sui_page_fini(&p);
    json_t *r = request(s, 0, DAAS_GQL_OWNED);
    assert_true(json_is_null(json_object_get(json_object_get(r, "variables"), "type")));
    assert_string_equal(var_str(r, "cursor"), "abc");
    json_decref(r);
    assert_int_equal(daas_sui_owned_objects(c, owner, NULL, NULL, 51, &p, NULL), DAAS_EINVAL);
    daas_sui_client_free(&c);
}

static void test_dynamic_field(void **state)
{
    server *s = *state;
    uint8_t parent[32];
    const uint8_t key[3] = {1, 2, 3};
    json_t *v = NULL;
    daas_err err = {0};
    enqueue_fixture(s, "dynamic_field.json");
    enqueue_fixture(s, "dynamic_field_null.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    addr(PKG, parent);
    assert_int_equal(daas_sui_dynamic_field(c, parent, "address", DAAS_BYTES(key, 3), &v, NULL),
                     DAAS_OK);
    assert_int_equal(json_integer_value(json_object_get(v, "tier")), 2);
    json_decref(v);
    assert_int_equal(daas_sui_dynamic_field(c, parent, "u64", DAAS_BYTES(key, 3), &v, &err),
                     DAAS_ENOTFOUND);
    assert_null(v);
    assert_string_equal(err.msg, "sui: dynamic field u64 of " PKG " not found");
    json_t *r = request(s, 0, DAAS_GQL_DYNAMIC_FIELD);
    assert_string_equal(var_str(r, "parent"), PKG);
    assert_string_equal(var_str(r, "name.type"), "address");
    assert_string_equal(var_str(r, "name.bcs"), "AQID");
    json_decref(r);
    daas_sui_client_free(&c);
}

static void test_events(void **state)
{
    server *s = *state;
    daas_sui_events e;
    enqueue_fixture(s, "events.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_query_events(c, PKG "::staking", "prev", 10, &e, NULL), DAAS_OK);
    assert_int_equal(e.n, 2);
    assert_true(e.has_next);
    assert_string_equal(e.cursor, "eyJjIjo0MjEsInQiOjE3LCJlIjowfQ");
    assert_string_equal(e.items[0].type, PKG "::staking::Staked");
    assert_int_equal(e.items[0].timestamp_ms, 1714564800123ULL);
    assert_int_equal(e.items[1].timestamp_ms, 1714564805000ULL);
    assert_addr(e.items[0].sender, OWNER);
    assert_string_equal(json_string_value(json_object_get(e.items[1].json, "amount")), "400");
    daas_sui_events_fini(&e);
    assert_null(e.items);
    json_t *r = request(s, 0, DAAS_GQL_EVENTS);
    assert_string_equal(var_str(r, "filter.type"), PKG "::staking");
    assert_string_equal(var_str(r, "cursor"), "prev");
    json_decref(r);
    daas_sui_client_free(&c);
}

/* ---- simulate and execute ---- */

static const uint8_t tx_bytes[5] = {0, 0, 2, 0, 8};

static void test_simulate(void **state)
{
    server *s = *state;
    daas_sui_exec_result r;
    daas_err err = {0};
    enqueue_fixture(s, "simulate_ok.json");
    enqueue_fixture(s, "simulate_refused.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_simulate(c, DAAS_BYTES(tx_bytes, 5), &r, NULL), DAAS_OK);
    assert_true(r.success);
    assert_string_equal(r.digest, "9Ad9Tb9s5RfPNGGXL7dSiWckXEp6ef4if5HogdMrA69b");
    assert_int_equal(r.gas.computation, 750000);
    assert_int_equal(r.gas.storage, 2356000);
    assert_int_equal(r.gas.rebate, 978120);
    assert_int_equal(r.gas.non_refundable, 9880);
    assert_null(r.error);
    assert_int_equal(r.n_created, 0);
    daas_sui_exec_result_fini(&r);
    assert_int_equal(daas_sui_simulate(c, DAAS_BYTES(tx_bytes, 5), &r, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "sui: simulation refused: Error checking transaction"));
    json_t *q = request(s, 0, DAAS_GQL_SIMULATE);
    assert_string_equal(var_str(q, "tx.bcs.value"), "AAACAAg=");
    json_decref(q);
    daas_sui_client_free(&c);
}

static const char *const sigs[1] = {"AD3EJIpU997Bx4PxHuVid7YhYvkukASpKe1RVij9"};

static void test_execute_success(void **state)
{
    server *s = *state;
    daas_sui_exec_result r;
    enqueue_fixture(s, "execute_ok.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_execute(c, DAAS_BYTES(tx_bytes, 5), sigs, 1, &r, NULL), DAAS_OK);
    assert_true(r.success);
    assert_string_equal(r.digest, "YEis9KwrPjX6oHvKggZJVwLdWP4R6TFdYpxkZvGFtKU");
    assert_int_equal(r.n_created, 1); /* of three changes, one created */
    assert_addr(r.created[0].id, STAKE);
    assert_string_equal(r.created[0].type, PKG "::staking::StakeReceipt");
    assert_int_equal(r.n_events, 1);
    assert_string_equal(r.events[0].type, PKG "::staking::Staked");
    assert_int_equal(r.gas.storage, 2356000);
    daas_sui_exec_result_fini(&r);
    json_t *q = request(s, 0, DAAS_GQL_EXECUTE);
    assert_string_equal(var_str(q, "tx"), "AAACAAg=");
    json_t *sv = json_object_get(json_object_get(q, "variables"), "sigs");
    assert_int_equal(json_array_size(sv), 1);
    assert_string_equal(json_string_value(json_array_get(sv, 0)), sigs[0]);
    json_decref(q);
    daas_sui_client_free(&c);
}

static void test_execute_move_abort(void **state)
{
    server *s = *state;
    daas_sui_exec_result r;
    daas_err err = {0};
    enqueue_fixture(s, "execute_abort.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_execute(c, DAAS_BYTES(tx_bytes, 5), sigs, 1, &r, &err), DAAS_EFAILED);
    assert_false(r.success);
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, 3);
    assert_string_equal(r.abort_module, PKG "::staking");
    assert_string_equal(r.abort_function, "stake");
    assert_non_null(strstr(r.error, "abort code: 3"));
    assert_int_equal(r.gas.computation, 750000);
    assert_int_equal(err.code, DAAS_EFAILED);
    assert_non_null(strstr(err.msg, "transaction J5peqNc5xvpuFvUfSBHj64h3xtR3RP7VUXGdX44sJa2L "
                                    "failed: MoveAbort in " PKG "::staking::stake, abort code 3"));
    daas_sui_exec_result_fini(&r);
    daas_sui_client_free(&c);
}

static void test_execute_rejected(void **state)
{
    server *s = *state;
    daas_sui_exec_result r;
    daas_err err = {0};
    enqueue_fixture(s, "execute_rejected.json");
    daas_sui_client *c = client_for(s, 2000, 0);
    assert_int_equal(daas_sui_execute(c, DAAS_BYTES(tx_bytes, 5), sigs, 1, &r, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "sui: transaction rejected: Transaction validator signing "
                                    "failed"));
    assert_null(strchr(err.msg, '\n'));
    assert_null(r.created);
    daas_sui_client_free(&c);
}

/* ---- errors and the retry policy ---- */

static void test_graphql_errors(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    daas_err err = {0};
    enqueue_fixture(s, "graphql_error.json");
    daas_sui_client *c = client_for(s, 2000, 3);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: GraphQL error: Invalid value for argument \"address\", "
                                 "expected type \"SuiAddress\"");
    assert_int_equal(requests_seen(s), 1); /* not retried */
    daas_sui_client_free(&c);
}

static void test_retry_503_then_success(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    enqueue(s, NORMAL, 503, "busy", 4);
    enqueue(s, NORMAL, 503, "busy", 4);
    enqueue_fixture(s, "epoch.json");
    daas_sui_client *c = client_for(s, 2000, 3);
    assert_int_equal(daas_sui_get_epoch(c, &ep, NULL), DAAS_OK);
    assert_int_equal(ep.ref_gas_price, 750);
    assert_int_equal(requests_seen(s), 3);
    daas_sui_client_free(&c);
}

static void test_503_exhausts_retries(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    daas_err err = {0};
    for (int i = 0; i < 3; i++)
        enqueue(s, NORMAL, 503, "busy", 4);
    daas_sui_client *c = client_for(s, 2000, 2);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "answered HTTP 503"));
    assert_int_equal(requests_seen(s), 3);
    daas_sui_client_free(&c);
}

static void test_400_not_retried(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    daas_err err = {0};
    const char *gql = "{\"errors\":[{\"message\":\"Unknown field \\\"epochz\\\"\"}]}";
    enqueue(s, NORMAL, 400, "bad request", 11);
    enqueue(s, NORMAL, 400, gql, strlen(gql));
    daas_sui_client *c = client_for(s, 2000, 3);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "answered HTTP 400"));
    assert_int_equal(requests_seen(s), 1);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: GraphQL error: Unknown field \"epochz\"");
    assert_int_equal(requests_seen(s), 2);
    daas_sui_client_free(&c);
}

static void test_execute_not_resent_after_503(void **state)
{
    server *s = *state;
    daas_sui_exec_result r;
    daas_err err = {0};
    enqueue(s, NORMAL, 503, "busy", 4);
    enqueue_fixture(s, "execute_ok.json");
    daas_sui_client *c = client_for(s, 2000, 3);
    assert_int_equal(daas_sui_execute(c, DAAS_BYTES(tx_bytes, 5), sigs, 1, &r, &err),
                     DAAS_EUNAVAIL);
    assert_int_equal(requests_seen(s), 1);
    daas_sui_client_free(&c);
}

static void test_connection_refused(void **state)
{
    int port;
    int fd = listen_loopback(&port); /* bound, never listening: connects are refused */
    char url[64], want[160];
    daas_sui_client *c = NULL;
    daas_sui_epoch ep;
    daas_sui_exec_result r;
    daas_err err = {0};
    snprintf(url, sizeof url, "http://127.0.0.1:%d/graphql", port);
    daas_sui_client_opts o = {.url = url, .timeout_ms = 2000, .retries = 2, .backoff_ms = 1};
    assert_int_equal(daas_sui_client_new(&o, &c, NULL), DAAS_OK);
    int64_t t0 = daas_mono_ns();
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EUNAVAIL);
    assert_true(daas_mono_ns() - t0 < 1500000000LL); /* no waiting for the timeout */
    snprintf(want, sizeof want, "sui: cannot connect to %s: Connection refused", url);
    assert_string_equal(err.msg, want);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_execute(c, DAAS_BYTES(tx_bytes, 5), sigs, 1, &r, &err),
                     DAAS_EUNAVAIL);
    assert_string_equal(err.msg, want);
    daas_sui_client_free(&c);
    close(fd);
}

/* https with an unreadable CA bundle: a TLS set-up failure, EUNAVAIL at once, no retry. */
static void test_tls_bad_ca_file(void **state)
{
    server *s = *state;
    char url[64];
    daas_sui_client *c = NULL;
    daas_sui_epoch ep;
    daas_err err = {0};
    snprintf(url, sizeof url, "https://127.0.0.1:%d/graphql", s->port);
    daas_sui_client_opts o = {.url = url,
                              .ca_file = "/nonexistent/ca.pem",
                              .timeout_ms = 2000,
                              .retries = 3,
                              .backoff_ms = 1};
    assert_int_equal(daas_sui_client_new(&o, &c, NULL), DAAS_OK);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "/nonexistent/ca.pem"));
    assert_int_equal(requests_seen(s), 0);
    daas_sui_client_free(&c);
}

static void test_timeout(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    daas_err err = {0};
    enqueue(s, HANG, 0, "", 0);
    enqueue(s, HANG, 0, "", 0);
    daas_sui_client *c = client_for(s, 300, 1);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_ETIMEOUT);
    assert_non_null(strstr(err.msg, "within 300 ms"));
    assert_int_equal(requests_seen(s), 2);
    daas_sui_client_free(&c);
}

static void test_reply_over_cap(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    daas_err err = {0};
    enqueue(s, HUGE_CL, 200, "", 0);
    enqueue(s, HUGE_CLOSE, 200, "", 0);
    daas_sui_client *c = client_for(s, 10000, 2);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_ETOOBIG);
    assert_non_null(strstr(err.msg, "larger than 16 MiB"));
    daas_err_clear(&err);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_ETOOBIG);
    assert_int_equal(requests_seen(s), 2); /* neither retried */
    daas_sui_client_free(&c);
}

static void test_not_json(void **state)
{
    server *s = *state;
    daas_sui_epoch ep;
    daas_err err = {0};
    enqueue(s, NORMAL, 200, "<html>oops</html>", 17);
    enqueue(s, NORMAL, 200, "[1]", 3);
    daas_sui_client *c = client_for(s, 2000, 3);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "sui: reply is not JSON"));
    daas_err_clear(&err);
    assert_int_equal(daas_sui_get_epoch(c, &ep, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: reply is not a JSON object");
    assert_int_equal(requests_seen(s), 2);
    daas_sui_client_free(&c);
}

/* ---- the parsers directly ---- */

static json_t *data_of(const char *reply)
{
    json_t *d = NULL;
    assert_int_equal(daas_sui__gql_parse_reply(reply, strlen(reply), &d, NULL), DAAS_OK);
    return d;
}

static int epoch_of(const char *reply, daas_sui_epoch *ep, daas_err *err)
{
    json_t *d = data_of(reply);
    int rc = daas_sui__parse_epoch(d, ep, err);
    json_decref(d);
    return rc;
}

static void test_parse_u64_forms(void **state)
{
    daas_sui_epoch ep;
    daas_err err = {0};
    assert_int_equal(epoch_of("{\"data\":{\"epoch\":{\"epochId\":\"7\",\"referenceGasPrice\":"
                              "\"18446744073709551615\"}}}",
                              &ep, NULL),
                     DAAS_OK);
    assert_int_equal(ep.epoch, 7);
    assert_int_equal(ep.ref_gas_price, UINT64_MAX);
    assert_int_equal(
        epoch_of("{\"data\":{\"epoch\":{\"epochId\":7,\"referenceGasPrice\":1000}}}", &ep, NULL),
        DAAS_OK);
    assert_int_equal(ep.ref_gas_price, 1000);
    const char *bad[] = {
        "\"18446744073709551616\"", "-1", "\"-1\"", "\"\"", "\"12a\"", "1.5", "true", "\" 1\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char reply[160];
        snprintf(reply, sizeof reply,
                 "{\"data\":{\"epoch\":{\"epochId\":1,\"referenceGasPrice\":%s}}}", bad[i]);
        daas_err_clear(&err);
        assert_int_equal(epoch_of(reply, &ep, &err), DAAS_EREMOTE);
        assert_string_equal(err.msg, "sui: reply is not shaped as expected: "
                                     "data.epoch.referenceGasPrice is not a u64");
    }
    daas_err_clear(&err);
    assert_int_equal(epoch_of("{\"data\":{\"epoch\":{\"epochId\":1}}}", &ep, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: reply is not shaped as expected: "
                                 "data.epoch.referenceGasPrice missing");
    daas_err_clear(&err);
    assert_int_equal(epoch_of("{\"data\":{\"epoch\":null}}", &ep, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: reply is not shaped as expected: data.epoch.epochId "
                                 "missing");
}

static void test_parse_reply_envelope(void **state)
{
    json_t *d = (json_t *)1;
    daas_err err = {0};
    const char *r1 = "{\"data\":null,\"errors\":[{\"message\":\"line one\\nline two\"}]}";
    assert_int_equal(daas_sui__gql_parse_reply(r1, strlen(r1), &d, &err), DAAS_EREMOTE);
    assert_null(d);
    assert_string_equal(err.msg, "sui: GraphQL error: line one line two");
    daas_err_clear(&err);
    assert_int_equal(daas_sui__gql_parse_reply("{}", 2, &d, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: reply is not shaped as expected: data missing");
    const char *r2 = "{\"data\":{\"x\":1},\"errors\":[]}";
    assert_int_equal(daas_sui__gql_parse_reply(r2, strlen(r2), &d, NULL), DAAS_OK);
    json_decref(d);
}

static void test_parse_datetime(void **state)
{
    uint64_t ms = 0;
    assert_int_equal(daas_sui__datetime_ms("2024-05-01T12:00:00.123Z", &ms), DAAS_OK);
    assert_int_equal(ms, 1714564800123ULL);
    assert_int_equal(daas_sui__datetime_ms("2024-05-01T12:00:00.5Z", &ms), DAAS_OK);
    assert_int_equal(ms, 1714564800500ULL);
    assert_int_equal(daas_sui__datetime_ms("2024-05-01T12:00:00.123456Z", &ms), DAAS_OK);
    assert_int_equal(ms, 1714564800123ULL);
    assert_int_equal(daas_sui__datetime_ms("2024-05-01T14:00:00+02:00", &ms), DAAS_OK);
    assert_int_equal(ms, 1714564800000ULL);
    assert_int_equal(daas_sui__datetime_ms("1969-12-31T23:59:59Z", &ms), DAAS_EINVAL);
    assert_int_equal(daas_sui__datetime_ms("2024-05-01", &ms), DAAS_EINVAL);
    assert_int_equal(daas_sui__datetime_ms("2024-05-01T12:00:00.Z", &ms), DAAS_EINVAL);
}

static void test_parse_owner_kinds_and_chain_hex(void **state)
{
    daas_sui_object o;
    daas_err err = {0};
    char id[16];
    const char *fmt = "{\"data\":{\"object\":{\"address\":\"0x5\",\"version\":1,\"digest\":"
                      "\"4btiuiMPvEENsttpZC7CZ53DruC3MAgfznDbASZ7DR6S\",\"owner\":%s}}}";
    char reply[512];
    snprintf(reply, sizeof reply, fmt, "{\"__typename\":\"Immutable\"}");
    json_t *d = data_of(reply);
    assert_int_equal(daas_sui__parse_object(d, "x", &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_IMMUTABLE);
    assert_null(o.type); /* a package: no asMoveObject */
    daas_sui_object_fini(&o);
    json_decref(d);
    snprintf(reply, sizeof reply, fmt,
             "{\"__typename\":\"ObjectOwner\",\"address\":{\"address\":\"0xab\"}}");
    d = data_of(reply);
    assert_int_equal(daas_sui__parse_object(d, "x", &o, NULL), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_OBJECT);
    assert_int_equal(o.owner[31], 0xab);
    daas_sui_object_fini(&o);
    json_decref(d);
    snprintf(reply, sizeof reply, fmt, "{\"__typename\":\"AddressOwner\",\"address\":null}");
    d = data_of(reply);
    assert_int_equal(daas_sui__parse_object(d, "x", &o, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: reply is not shaped as expected: "
                                 "data.object.owner.address.address missing");
    json_decref(d);
    d = data_of("{\"data\":{\"checkpoint\":{\"digest\":\"a6a639f2\"}}}");
    assert_int_equal(daas_sui__parse_chain_id(d, id, sizeof id, NULL), DAAS_OK);
    assert_string_equal(id, "a6a639f2");
    assert_int_equal(daas_sui__parse_chain_id(d, id, 8, NULL), DAAS_ETOOBIG);
    json_decref(d);
    d = data_of("{\"data\":{\"checkpoint\":{\"digest\":\"0OIl\"}}}");
    assert_int_equal(daas_sui__parse_chain_id(d, id, sizeof id, NULL), DAAS_EREMOTE);
    json_decref(d);
}

static void test_parse_node_errors_name_the_path(void **state)
{
    daas_sui_events e;
    daas_err err = {0};
    json_t *d = data_of("{\"data\":{\"events\":{\"pageInfo\":{\"hasNextPage\":false},\"nodes\":"
                        "[{\"contents\":{\"type\":{\"repr\":\"0x2::a::B\"}}},"
                        "{\"contents\":{\"type\":{\"repr\":\"0x2::a::B\"}},"
                        "\"timestamp\":\"yesterday\"}]}}}");
    assert_int_equal(daas_sui__parse_events(d, &e, &err), DAAS_EREMOTE);
    assert_string_equal(err.msg, "sui: reply is not shaped as expected: "
                                 "data.events.nodes[1].timestamp is not an RFC 3339 DateTime");
    assert_null(e.items);
    assert_int_equal(e.n, 0);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_new_rejects),
        cmocka_unit_test_setup_teardown(test_chain_id_and_epoch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_address_owned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_object_shared_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coins_two_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coins_over_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owned_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simulate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_move_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graphql_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_503_then_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_503_exhausts_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_400_not_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_not_resent_after_503, setup, teardown),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test_setup_teardown(test_tls_bad_ca_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_over_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_json, setup, teardown),
        cmocka_unit_test(test_parse_u64_forms),
        cmocka_unit_test(test_parse_reply_envelope),
        cmocka_unit_test(test_parse_datetime),
        cmocka_unit_test(test_parse_owner_kinds_and_chain_hex),
        cmocka_unit_test(test_parse_node_errors_name_the_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
