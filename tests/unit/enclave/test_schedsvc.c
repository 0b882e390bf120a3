/*
 * test_schedsvc.c: the scheduling protocol end to end in one process: a daas_enclave with
 * the /sched/ service serving on a Unix socket in a temporary directory, driven by the
 * server-side client (client.h); malformed bodies through the route table directly.
 *
 * Owns:   a temporary directory per test and every enclave, server, client and buffer it
 *         makes (freed before the test returns).
 * Spec:   src/enclave/schedsvc.h (protocol), client.h, sched.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unistd.h>

#include "enclave/addr.h"
#include "enclave/client.h"
#include "enclave/enclave.h"
#include "enclave/schedsvc.h"
#include "enclave_test.h"
#include "sched/sched_test.h"

#define CLOCK_MS 1700000000123LL

typedef struct svc {
    daas_enclave *e;
    daas_enclave_schedsvc *s;
    daas_http_server *srv;
    int64_t clock; /* the injected enclave clock */
} svc;

typedef struct fx {
    char *dir;
    char *addr; /* "unix:<dir>/e.sock" */
    svc a;
    daas_enclave_client *c;
    uint8_t pk[32];
} fx;

static int64_t fixed_clock(void *arg)
{
    return *(int64_t *)arg;
}

/* Boots an enclave with the service and serves it on addr (NULL: not served). */
static void svc_start(svc *v, const char *dir, const char *addr)
{
    char *ca = daas_xasprintf("%s/ca", dir);
    daas_enclave_opts o = {.nsm_path = "/nonexistent/nsm", .debug_ca_dir = ca};
    v->clock = CLOCK_MS;
    daas_enclave_schedsvc_opts so = {.now_ms = fixed_clock, .clock_arg = &v->clock};
    assert_int_equal(daas_enclave_new(&o, &v->e, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_schedsvc_new(v->e, &so, &v->s, NULL), DAAS_OK);
    daas_free(ca);
    if (addr == NULL)
        return;
    daas_enclave_addr a;
    int lfd = -1;
    assert_int_equal(daas_enclave_addr_parse(addr, &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_listen(&a, &lfd, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_serve(v->e, lfd, 2, &v->srv, NULL), DAAS_OK);
    close(lfd);
}

static void svc_stop(svc *v)
{
    daas_http_server_free(&v->srv); /* stops the handlers before the service goes */
    daas_enclave_schedsvc_free(&v->s);
    assert_null(v->s);
    daas_enclave_free(&v->e);
}

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    f->dir = enc_tmpdir();
    f->addr = daas_xasprintf("unix:%s/e.sock", f->dir);
    svc_start(&f->a, f->dir, f->addr);
    assert_int_equal(daas_enclave_client_new(f->addr, 5000, &f->c, NULL), DAAS_OK);
    daas_enclave_public_key(f->a.e, f->pk);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    daas_enclave_client_free(&f->c);
    assert_null(f->c);
    svc_stop(&f->a);
    daas_free(f->addr);
    enc_rmrf(f->dir);
    daas_free(f);
    return 0;
}

/* Three nodes: n1 (4 cpu), n2 (8 cpu), n3 (2 cpu, tainted gpu=true:NoSchedule); seq 1..3. */
static void cluster_deltas(tnode nodes[3], daas_sched_delta d[3])
{
    tnode_init(&nodes[0], "n1", 4000, 8 * GiB, 1, 100);
    tnode_init(&nodes[1], "n2", 8000, 16 * GiB, 2, 100);
    tnode_init(&nodes[2], "n3", 2000, 4 * GiB, 3, 100);
    tnode_taint(&nodes[2], "gpu", "true", DAAS_SCHED_EFFECT_NO_SCHEDULE);
    for (int i = 0; i < 3; i++)
        d[i] = (daas_sched_delta){
            .seq = (uint64_t)i + 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = nodes[i].n};
}

static void feed_cluster(daas_enclave_client *c)
{
    tnode nodes[3];
    daas_sched_delta d[3];
    uint64_t seq = 0;
    uint8_t digest[32], zero[32] = {0};
    cluster_deltas(nodes, d);
    assert_int_equal(daas_enclave_client_deltas(c, d, 3, &seq, digest, NULL), DAAS_OK);
    assert_int_equal(seq, 3);
    assert_memory_not_equal(digest, zero, 32);
}

static void test_deltas_then_schedule(void **state)
{
    fx *f = *state;
    tpod p;
    daas_sched_decision dec;
    uint8_t sig[64], digest[32];
    uint64_t index = 99, seq = 0, ndec = 9;
    char reason[256] = "";
    daas_err err = {0};
    daas_enclave_client_set_key(f->c, f->pk);
    assert_int_equal(daas_enclave_client_state(f->c, &seq, digest, &ndec, NULL), DAAS_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(ndec, 0);
    feed_cluster(f->c);
    tpod_init(&p, "pod-a", 1000, GiB);
    assert_int_equal(
        daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, reason, sizeof reason, &err),
        DAAS_OK);
    assert_int_equal(index, 0);
    assert_string_equal(dec.pod_uid, "pod-a");
    assert_string_equal(dec.node, "n2"); /* most room; n3 is tainted */
    assert_int_equal(dec.timestamp_ms, CLOCK_MS);
    assert_int_equal(daas_sched_decision_verify(&dec, f->pk, sig, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_client_state(f->c, &seq, digest, &ndec, NULL), DAAS_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(dec.state_seq, 3);
    assert_memory_equal(dec.state_digest, digest, 32);
    assert_int_equal(ndec, 1);
    tpod_init(&p, "pod-b", 100, 0);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                     DAAS_OK);
    assert_int_equal(index, 1);
}

/* Decision BCS of a pod against a fresh service fed the cluster. */
static void decide_on(svc *v, const char *addr, const char *pod_uid, daas_buf *out)
{
    daas_enclave_client *c = NULL;
    uint8_t pk[32], sig[64];
    uint64_t index = 0;
    daas_sched_decision dec;
    tpod p;
    assert_int_equal(daas_enclave_client_new(addr, 5000, &c, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_client_health(c, pk, NULL), DAAS_OK);
    daas_enclave_client_set_key(c, pk);
    feed_cluster(c);
    tpod_init(&p, pod_uid, 500, GiB);
    assert_int_equal(daas_enclave_client_schedule(c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                     DAAS_OK);
    assert_int_equal(daas_sched_decision_encode(&dec, out, NULL), DAAS_OK);
    (void)v;
    daas_enclave_client_free(&c);
}

static void test_determinism(void **state)
{
    fx *f = *state;
    svc b = {0};
    daas_buf da, db;
    char *addr_b = daas_xasprintf("unix:%s/b.sock", f->dir);
    uint8_t pk_b[32];
    svc_start(&b, f->dir, addr_b);
    daas_enclave_public_key(b.e, pk_b);
    assert_memory_not_equal(f->pk, pk_b, 32); /* two boots, two keys */
    daas_buf_init(&da, 0);
    daas_buf_init(&db, 0);
    decide_on(&f->a, f->addr, "pod-det", &da);
    decide_on(&b, addr_b, "pod-det", &db);
    assert_int_equal(da.len, db.len);
    assert_memory_equal(da.data, db.data, da.len);
    daas_buf_fini(&da);
    daas_buf_fini(&db);
    svc_stop(&b);
    daas_free(addr_b);
}

static void test_unschedulable(void **state)
{
    fx *f = *state;
    tpod p;
    daas_sched_decision dec;
    uint8_t sig[64];
    uint64_t index = 0;
    char reason[256] = "";
    daas_err err = {0};
    daas_enclave_client_set_key(f->c, f->pk);
    tpod_init(&p, "x", 1, 0);
    assert_int_equal(
        daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, reason, sizeof reason, &err),
        DAAS_ECONFLICT);
    assert_string_equal(reason, "no nodes available to schedule pods");
    feed_cluster(f->c);
    tpod_init(&p, "pod-big", 9000, 0);
    daas_err_clear(&err);
    assert_int_equal(
        daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, reason, sizeof reason, &err),
        DAAS_ECONFLICT);
    assert_string_equal(reason, "0/3 nodes are available: 1 node(s) had untolerated taint "
                                "{gpu: true}, 2 Insufficient cpu.");
    assert_string_equal(err.msg, reason);
}

static void test_seq_gap(void **state)
{
    fx *f = *state;
    tnode n;
    uint64_t seq = 0;
    uint8_t digest[32];
    daas_err err = {0};
    feed_cluster(f->c);
    tnode_init(&n, "n9", 1000, GiB, 9, 1);
    daas_sched_delta d = {.seq = 5, .kind = DAAS_SCHED_NODE_UPSERT, .node = n.n};
    assert_int_equal(daas_enclave_client_deltas(f->c, &d, 1, &seq, digest, &err), DAAS_ECONFLICT);
    assert_int_equal(seq, 3);
    /* A removal of an unknown node is refused (400) and reports the seq too. */
    daas_sched_delta r = {.seq = 4, .kind = DAAS_SCHED_NODE_REMOVE, .name = "ghost"};
    seq = 0;
    assert_int_equal(daas_enclave_client_deltas(f->c, &r, 1, &seq, digest, NULL), DAAS_EINVAL);
    assert_int_equal(seq, 3);
    d.seq = 4;
    assert_int_equal(daas_enclave_client_deltas(f->c, &d, 1, &seq, digest, NULL), DAAS_OK);
    assert_int_equal(seq, 4);
}

/* Leaf of a decision the client returned, computed here from its signing bytes. */
static void leaf_of(const daas_sched_decision *dec, uint8_t leaf[32])
{
    daas_buf sb;
    daas_buf_init(&sb, 0);
    assert_int_equal(daas_sched_decision_signing_bytes(dec, &sb, NULL), DAAS_OK);
    daas_sched_merkle_leaf(DAAS_BYTES(sb.data, sb.len), leaf);
    daas_buf_fini(&sb);
}

static void test_batch(void **state)
{
    fx *f = *state;
    uint8_t leaves[3][32], root[32], want[32], sig[64];
    uint64_t ts = 0, index = 0;
    const char *uids[3] = {"p0", "p1", "p2"};
    daas_err err = {0};
    daas_enclave_client_set_key(f->c, f->pk);
    feed_cluster(f->c);
    for (int i = 0; i < 3; i++) {
        tpod p;
        daas_sched_decision dec;
        f->a.clock = CLOCK_MS + i;
        tpod_init(&p, uids[i], 100, 0);
        assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                         DAAS_OK);
        assert_int_equal(index, (uint64_t)i);
        leaf_of(&dec, leaves[i]);
    }
    f->a.clock = CLOCK_MS + 1000;
    assert_int_equal(daas_enclave_client_batch(f->c, 0, 3, root, sig, &ts, &err), DAAS_OK);
    assert_int_equal(daas_sched_merkle_root((const uint8_t(*)[32])leaves, 3, want, NULL), DAAS_OK);
    assert_memory_equal(root, want, 32);
    assert_int_equal(ts, CLOCK_MS + 1000);
    assert_true(daas_enclave_client_batch_verify(f->pk, root, 0, 3, ts, sig));
    assert_false(daas_enclave_client_batch_verify(f->pk, root, 1, 3, ts, sig));
    /* A sub-range: decisions 1..2. */
    assert_int_equal(daas_enclave_client_batch(f->c, 1, 2, root, sig, &ts, NULL), DAAS_OK);
    assert_int_equal(daas_sched_merkle_root((const uint8_t(*)[32])leaves + 1, 2, want, NULL),
                     DAAS_OK);
    assert_memory_equal(root, want, 32);
    /* Outside the log: 400 → DAAS_EINVAL with the reason. */
    daas_err_clear(&err);
    assert_int_equal(daas_enclave_client_batch(f->c, 2, 2, root, sig, &ts, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "not in the log"));
    assert_int_equal(daas_enclave_client_batch(f->c, 0, 0, root, sig, &ts, NULL), DAAS_EINVAL);
}

static void test_wrong_key_refused(void **state)
{
    fx *f = *state;
    uint8_t other[32], sig[64], root[32];
    uint64_t index = 0, ts = 0;
    daas_sched_decision dec;
    tpod p;
    daas_err err = {0};
    tpod_init(&p, "pod-k", 100, 0);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, &err),
                     DAAS_EINVAL); /* no key trusted yet */
    feed_cluster(f->c);
    memcpy(other, f->pk, 32);
    other[0] ^= 1;
    daas_enclave_client_set_key(f->c, other);
    daas_err_clear(&err);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, &err),
                     DAAS_EUNAUTH);
    assert_string_equal(err.msg, "enclave signature does not verify");
    daas_err_clear(&err);
    assert_int_equal(daas_enclave_client_batch(f->c, 0, 1, root, sig, &ts, &err), DAAS_EUNAUTH);
    assert_string_equal(err.msg, "enclave signature does not verify");
}

/* One request through the route table; returns the status, the body in *out. */
static int call(daas_enclave *e, const char *method, const char *path, const void *body, size_t len,
                char **out)
{
    daas_http_req req = {
        .method = method, .target = path, .path = path, .query = "", .remote = "test"};
    req.body = DAAS_BYTES(body, len);
    daas_http_resp *resp = daas_http_capture_new();
    daas_enclave_handle(e, &req, resp);
    size_t n = 0;
    const char *b = daas_http_capture_body(resp, &n);
    *out = daas_xstrndup(b, n);
    int st = daas_http_capture_status(resp);
    daas_http_capture_free(&resp);
    return st;
}

static void expect(daas_enclave *e, const char *path, const void *body, size_t len, int status,
                   const char *needle)
{
    char *out = NULL;
    assert_int_equal(call(e, "POST", path, body, len, &out), status);
    if (strstr(out, needle) == NULL)
        fail_msg("%s: %s lacks \"%s\"", path, out, needle);
    daas_free(out);
}

static void test_malformed_bodies(void **state)
{
    fx *f = *state;
    daas_enclave *e = f->a.e;
    tnode n;
    daas_buf b;
    daas_buf_init(&b, 0);
    expect(e, "/sched/deltas", "", 0, 400, "\"error\":\"bcs: delta count");
    expect(e, "/sched/deltas", "\x00", 1, 400, "no deltas");
    expect(e, "/sched/deltas", "\x01\x01", 2, 400, "\"seq\":0");
    /* One valid delta followed by a byte the count does not announce. */
    tnode_init(&n, "n1", 1000, GiB, 1, 1);
    daas_sched_delta d = {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = n.n};
    assert_int_equal(daas_buf_append(&b, "\x01", 1), DAAS_OK);
    assert_int_equal(daas_sched_delta_encode(&d, &b, NULL), DAAS_OK);
    assert_int_equal(daas_buf_append(&b, "\x07", 1), DAAS_OK);
    expect(e, "/sched/deltas", b.data, b.len, 400, "trailing");
    /* The delta before the junk was applied (atomic per delta, not per request). */
    expect(e, "/sched/deltas", b.data, b.len, 409, "\"seq\":1");
    /* A delta with an invalid content: non-canonical label order. */
    daas_buf_reset(&b);
    expect(e, "/sched/schedule", "junk", 4, 400, "\"error\"");
    expect(e, "/sched/schedule", "", 0, 400, "\"error\"");
    expect(e, "/sched/batch", "nope", 4, 400, "not JSON");
    expect(e, "/sched/batch", "{\"first\":0}", 11, 400, "want {");
    expect(e, "/sched/batch", "{\"first\":0,\"count\":0}", 21, 400, "count in 1..");
    expect(e, "/sched/batch", "{\"first\":-1,\"count\":1}", 22, 400, "first must be");
    expect(e, "/sched/batch", "{\"first\":0,\"count\":1}", 21, 400, "not in the log");
    char *out = NULL;
    assert_int_equal(call(e, "GET", "/sched/schedule", NULL, 0, &out), 405);
    daas_free(out);
    daas_buf_fini(&b);
}

static void test_restart_is_a_new_enclave(void **state)
{
    fx *f = *state;
    uint8_t pk2[32], sig[64], digest[32];
    uint64_t seq = 7, index = 0, ndec = 0;
    daas_sched_decision dec;
    tpod p;
    tnode n;
    daas_err err = {0};
    daas_enclave_client_set_key(f->c, f->pk);
    feed_cluster(f->c);
    tpod_init(&p, "pod-r", 100, 0);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                     DAAS_OK);
    /* Restart: the client's kept-alive connection dies with the old server. */
    svc_stop(&f->a);
    svc_start(&f->a, f->dir, f->addr);
    assert_int_equal(daas_enclave_client_health(f->c, pk2, NULL), DAAS_OK);
    assert_memory_not_equal(pk2, f->pk, 32);
    assert_int_equal(daas_enclave_client_state(f->c, &seq, digest, &ndec, NULL), DAAS_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(ndec, 0);
    /* The server's next delta (seq 4) shows the gap: the enclave is at 0. */
    tnode_init(&n, "n4", 1000, GiB, 4, 1);
    daas_sched_delta d = {.seq = 4, .kind = DAAS_SCHED_NODE_UPSERT, .node = n.n};
    assert_int_equal(daas_enclave_client_deltas(f->c, &d, 1, &seq, digest, NULL), DAAS_ECONFLICT);
    assert_int_equal(seq, 0);
    /* Re-fed but still trusting the old key: refused. */
    feed_cluster(f->c);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, &err),
                     DAAS_EUNAUTH);
    daas_enclave_client_set_key(f->c, pk2);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                     DAAS_OK);
    assert_int_equal(index, 1); /* the enclave logged the decision the client refused */
}

static void test_unavailable(void **state)
{
    fx *f = *state;
    daas_enclave_client *c = NULL;
    uint8_t pk[32];
    daas_err err = {0};
    char *addr = daas_xasprintf("unix:%s/nobody.sock", f->dir);
    assert_int_equal(daas_enclave_client_new(addr, 1000, &c, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_client_health(c, pk, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, addr));
    daas_enclave_client_free(&c);
    assert_int_equal(daas_enclave_client_new("bogus:1", 1000, &c, NULL), DAAS_EINVAL);
    assert_int_equal(daas_enclave_client_new(addr, 0, &c, NULL), DAAS_EINVAL);
    assert_null(c);
    daas_free(addr);
}

static void test_attestation_binds_key(void **state)
{
    fx *f = *state;
    daas_buf doc;
    uint8_t pk[32];
    daas_buf_init(&doc, 0);
    assert_int_equal(daas_enclave_client_health(f->c, pk, NULL), DAAS_OK);
    assert_memory_equal(pk, f->pk, 32);
    assert_int_equal(daas_enclave_client_attestation(f->c, &doc, NULL), DAAS_OK);
    assert_true(doc.len > 1000);
    assert_non_null(memmem(doc.data, doc.len, f->pk, 32));
    daas_buf_fini(&doc);
}

static void test_parse_http(void **state)
{
    (void)state;
    int st = 0;
    daas_bytes body;
    size_t used = 0;
    bool ka = false;
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    assert_int_equal(
        daas_enclave_client_parse_http(DAAS_BYTES_STR(ok), false, &st, &body, &used, &ka, NULL),
        DAAS_OK);
    assert_int_equal(st, 200);
    assert_int_equal(body.len, 2);
    assert_int_equal(used, strlen(ok));
    assert_true(ka);
    const char *part = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}";
    assert_int_equal(
        daas_enclave_client_parse_http(DAAS_BYTES_STR(part), false, &st, &body, &used, &ka, NULL),
        DAAS_EAGAIN);
    assert_int_equal(
        daas_enclave_client_parse_http(DAAS_BYTES_STR(part), true, &st, &body, &used, &ka, NULL),
        DAAS_EREMOTE);
    const char *eof = "HTTP/1.0 409 Conflict\r\n\r\n{\"error\":\"x\"}";
    assert_int_equal(
        daas_enclave_client_parse_http(DAAS_BYTES_STR(eof), true, &st, &body, &used, &ka, NULL),
        DAAS_OK);
    assert_int_equal(st, 409);
    assert_false(ka);
    const char *bad[] = {"HTTP/2 200 OK\r\n\r\n",
                         "HTTP/1.1 2x0 OK\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
                         "HTTP/1.1 100 Continue\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(daas_enclave_client_parse_http(DAAS_BYTES_STR(bad[i]), true, &st, &body,
                                                        &used, &ka, NULL),
                         DAAS_EREMOTE);
}

static void test_parse_bodies(void **state)
{
    (void)state;
    uint64_t seq = 0, n = 0, first = 0, count = 0, ts = 0;
    uint8_t digest[32], sig[64], root[32];
    char msg[16];
    bool hs = false;
    const char *z64 = "0000000000000000000000000000000000000000000000000000000000000000";
    char *good = daas_xasprintf("{\"seq\":3,\"digest\":\"%s\"}", z64);
    assert_int_equal(
        daas_enclave_client_parse_state(DAAS_BYTES_STR(good), &seq, digest, NULL, NULL), DAAS_OK);
    assert_int_equal(seq, 3);
    /* "decisions" wanted but absent; uppercase hex; wrong length; duplicate keys. */
    assert_int_equal(daas_enclave_client_parse_state(DAAS_BYTES_STR(good), &seq, digest, &n, NULL),
                     DAAS_EREMOTE);
    daas_free(good);
    const char *bads[] = {("{\"seq\":3,\"digest\":"
                           "\"AB00000000000000000000000000000000000000000000000000000000000000\"}"),
                          "{\"seq\":3,\"digest\":\"00\"}",
                          "{\"seq\":-3,\"digest\":\"00\"}",
                          "[1,2]",
                          "{\"seq\":1,\"seq\":2}",
                          "{\"seq\":3.5,\"digest\":\"00\"}"};
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
        assert_int_equal(
            daas_enclave_client_parse_state(DAAS_BYTES_STR(bads[i]), &seq, digest, NULL, NULL),
            DAAS_EREMOTE);
    const char *e = "{\"error\":\"0/3 nodes are available\",\"seq\":4}";
    assert_int_equal(
        daas_enclave_client_parse_error(DAAS_BYTES_STR(e), msg, sizeof msg, &hs, &seq, NULL),
        DAAS_OK);
    assert_string_equal(msg, "0/3 nodes are a"); /* truncated */
    assert_true(hs);
    assert_int_equal(seq, 4);
    assert_int_equal(
        daas_enclave_client_parse_batch(DAAS_BYTES_STR("{}"), root, &first, &count, &ts, sig, NULL),
        DAAS_EREMOTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deltas_then_schedule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unschedulable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_is_a_new_enclave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attestation_binds_key, setup, teardown),
        cmocka_unit_test(test_parse_http),
        cmocka_unit_test(test_parse_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
