/*
 * test_admit.c: POST /sched/admit end to end in one process: a daas_enclave with the /sched/
 *               service serving on a Unix socket in a temporary directory, driven by the
 *               server-side client (daas_enclave_client_admit): allowed and denied pods are
 *               signed (intent 4) at the enclave's clock, logged in the same log as
 *               placements (indices interleave), and a batch root covers both kinds; a wrong
 *               key is refused, and so is a validly signed decision for another request or
 *               other rules (a lying enclave); malformed bodies and a full log through the
 *               route table.
 *
 * Owns:   a temporary directory per test and every enclave, server, client, JSON value and
 *         buffer it makes (freed before the test returns).
 * Spec:   src/enclave/schedsvc.h (protocol), client.h, sched/admission.h, sched/policy.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <unistd.h>

#include "api/http.h"
#include "enclave/addr.h"
#include "enclave/client.h"
#include "enclave/enclave.h"
#include "enclave/schedsvc.h"
#include "enclave_test.h"
#include "sched/admission.h"
#include "sched/rebalance.h"
#include "sched/policy.h"
#include "sched/sched_test.h"

#define CLOCK_MS 1700000000123LL

static const char GOOD[] =
    "{\"metadata\":{\"name\":\"web-0\",\"namespace\":\"shop\",\"uid\":\"uid-1\"},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"busybox\"}]}}";
static const char PRIV[] =
    "{\"metadata\":{\"name\":\"bad-0\",\"namespace\":\"shop\",\"uid\":\"uid-2\"},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"busybox\","
    "\"securityContext\":{\"privileged\":true}}]}}";

typedef struct fx {
    char *dir;
    char *addr;
    daas_enclave *e;
    daas_enclave_schedsvc *s;
    daas_http_server *srv;
    int64_t clock;
    daas_enclave_client *c;
    uint8_t pk[32];
} fx;

static int64_t fixed_clock(void *arg)
{
    return *(int64_t *)arg;
}

static void boot(fx *f, size_t max_log, bool serve)
{
    char *ca = daas_xasprintf("%s/ca", f->dir);
    daas_enclave_opts o = {.nsm_path = "/nonexistent/nsm", .debug_ca_dir = ca};
    daas_enclave_schedsvc_opts so = {
        .now_ms = fixed_clock, .clock_arg = &f->clock, .max_log = max_log};
    f->clock = CLOCK_MS;
    assert_int_equal(daas_enclave_new(&o, &f->e, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_schedsvc_new(f->e, &so, &f->s, NULL), DAAS_OK);
    daas_enclave_public_key(f->e, f->pk);
    daas_free(ca);
    if (!serve)
        return;
    daas_enclave_addr a;
    int lfd = -1;
    assert_int_equal(daas_enclave_addr_parse(f->addr, &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_listen(&a, &lfd, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_serve(f->e, lfd, 2, &f->srv, NULL), DAAS_OK);
    close(lfd);
    assert_int_equal(daas_enclave_client_new(f->addr, 5000, &f->c, NULL), DAAS_OK);
}

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    f->dir = enc_tmpdir();
    f->addr = daas_xasprintf("unix:%s/e.sock", f->dir);
    boot(f, 0, true);
    *state = f;
    return 0;
}

static int setup_small(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    f->dir = enc_tmpdir();
    f->addr = daas_xasprintf("unix:%s/e.sock", f->dir);
    boot(f, 1, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    daas_enclave_client_free(&f->c);
    daas_http_server_free(&f->srv);
    daas_enclave_schedsvc_free(&f->s);
    daas_enclave_free(&f->e);
    daas_free(f->addr);
    enc_rmrf(f->dir);
    daas_free(f);
    return 0;
}

/* BCS(AdmissionRequest) at restricted for pod JSON, and BCS of open rules (version 9). */
static void request_of(const char *text, daas_buf *req, daas_buf *rules)
{
    json_t *pod = json_loads(text, 0, NULL);
    daas_sched_policy_request q = {0};
    daas_sched_policy_rules r = {.version = 9};
    assert_non_null(pod);
    assert_int_equal(daas_sched_policy_view_from_json(pod, &q.pod, NULL), DAAS_OK);
    const json_t *m = json_object_get(pod, "metadata");
    q.uid = json_string_value(json_object_get(m, "uid"));
    q.ns = json_string_value(json_object_get(m, "namespace"));
    q.name = json_string_value(json_object_get(m, "name"));
    q.kind = "Pod";
    q.enforce = DAAS_SCHED_PSS_BASELINE;
    daas_buf_init(req, 0);
    daas_buf_init(rules, 0);
    assert_int_equal(daas_sched_policy_request_encode(&q, req, NULL), DAAS_OK);
    assert_int_equal(daas_sched_policy_rules_encode(&r, rules, NULL), DAAS_OK);
    daas_sched_policy_view_fini(&q.pod);
    json_decref(pod);
}

#define B(b) DAAS_BYTES((b).data, (b).len)

/* Admits pod text through the client; checks the reply; returns allowed, *leaf its leaf. */
static bool admit(fx *f, const char *text, uint64_t want_index, uint8_t leaf[32])
{
    daas_buf req, rules, dec;
    uint8_t sig[64], h[32];
    uint64_t ts = 0, index = 99;
    daas_sched_policy_result d;
    daas_err err = {0};
    request_of(text, &req, &rules);
    daas_buf_init(&dec, 0);
    int rc = daas_enclave_client_admit(f->c, B(req), B(rules), &dec, &ts, sig, &index, &err);
    if (rc != DAAS_OK)
        fail_msg("admit: %s", err.msg);
    assert_int_equal(index, want_index);
    assert_int_equal(ts, (uint64_t)f->clock);
    assert_true(daas_sched_admission_verify(ts, B(dec), f->pk, sig));
    assert_int_equal(daas_sched_policy_decision_decode(B(dec), &d, NULL), DAAS_OK);
    crypto_generichash(h, 32, (const uint8_t *)req.data, req.len, NULL, 0);
    assert_memory_equal(d.request_digest, h, 32);
    crypto_generichash(h, 32, (const uint8_t *)rules.data, rules.len, NULL, 0);
    assert_memory_equal(d.rules_digest, h, 32);
    bool allowed = d.allowed;
    daas_sched_admission_leaf(ts, B(dec), leaf);
    daas_sched_policy_result_fini(&d);
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&dec);
    return allowed;
}

static void feed_cluster(daas_enclave_client *c)
{
    tnode n;
    uint64_t seq = 0;
    uint8_t digest[32];
    tnode_init(&n, "n1", 4000, 8 * GiB, 1, 100);
    daas_sched_delta d = {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = n.n};
    assert_int_equal(daas_enclave_client_deltas(c, &d, 1, &seq, digest, NULL), DAAS_OK);
}

static void test_admit_and_batch(void **state)
{
    fx *f = *state;
    uint8_t leaves[4][32], root[32], want[32], sig[64];
    uint64_t index = 0, ts = 0, seq = 0, ndec = 0;
    daas_sched_decision dec;
    daas_buf sb;
    tpod p;
    daas_enclave_client_set_key(f->c, f->pk);
    feed_cluster(f->c);
    /* A placement, then admissions, then a placement: one log, one index sequence. */
    tpod_init(&p, "pod-a", 100, 0);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                     DAAS_OK);
    assert_int_equal(index, 0);
    daas_buf_init(&sb, 0);
    assert_int_equal(daas_sched_decision_signing_bytes(&dec, &sb, NULL), DAAS_OK);
    daas_sched_merkle_leaf(B(sb), leaves[0]);
    f->clock = CLOCK_MS + 5;
    assert_true(admit(f, GOOD, 1, leaves[1]));
    f->clock = CLOCK_MS + 6;
    assert_false(admit(f, PRIV, 2, leaves[2])); /* a denial is signed and logged too */
    tpod_init(&p, "pod-b", 100, 0);
    assert_int_equal(daas_enclave_client_schedule(f->c, &p.p, &dec, sig, &index, NULL, 0, NULL),
                     DAAS_OK);
    assert_int_equal(index, 3);
    daas_buf_reset(&sb);
    assert_int_equal(daas_sched_decision_signing_bytes(&dec, &sb, NULL), DAAS_OK);
    daas_sched_merkle_leaf(B(sb), leaves[3]);
    assert_int_equal(daas_enclave_client_state(f->c, &seq, want, &ndec, NULL), DAAS_OK);
    assert_int_equal(ndec, 4);
    /* The batch root covers placements and admissions alike. */
    assert_int_equal(daas_enclave_client_batch(f->c, 0, 4, root, sig, &ts, NULL), DAAS_OK);
    assert_int_equal(daas_sched_merkle_root((const uint8_t(*)[32])leaves, 4, want, NULL), DAAS_OK);
    assert_memory_equal(root, want, 32);
    assert_true(daas_enclave_client_batch_verify(f->pk, root, 0, 4, ts, sig));
    assert_int_equal(daas_enclave_client_batch(f->c, 1, 2, root, sig, &ts, NULL), DAAS_OK);
    assert_int_equal(daas_sched_merkle_root((const uint8_t(*)[32])leaves + 1, 2, want, NULL),
                     DAAS_OK);
    assert_memory_equal(root, want, 32);
    daas_buf_fini(&sb);
}

static void test_admit_wrong_key(void **state)
{
    fx *f = *state;
    daas_buf req, rules, dec;
    uint8_t sig[64], other[32];
    uint64_t ts = 0, index = 0;
    daas_err err = {0};
    request_of(GOOD, &req, &rules);
    daas_buf_init(&dec, 0);
    assert_int_equal(
        daas_enclave_client_admit(f->c, B(req), B(rules), &dec, &ts, sig, &index, &err),
        DAAS_EINVAL); /* no key yet */
    memcpy(other, f->pk, 32);
    other[0] ^= 1;
    daas_enclave_client_set_key(f->c, other);
    daas_err_clear(&err);
    assert_int_equal(
        daas_enclave_client_admit(f->c, B(req), B(rules), &dec, &ts, sig, &index, &err),
        DAAS_EUNAUTH);
    assert_string_equal(err.msg, "enclave signature does not verify");
    assert_int_equal(dec.len, 0);
    /* A 400 comes back as DAAS_EINVAL with the enclave's reason. */
    daas_enclave_client_set_key(f->c, f->pk);
    daas_err_clear(&err);
    assert_int_equal(
        daas_enclave_client_admit(f->c, B(req), DAAS_BYTES(NULL, 0), &dec, &ts, sig, &index, &err),
        DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "no cluster rules"));
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&dec);
}

/* One POST through the route table; the status, the body in *out. */
static int post(daas_enclave *e, const void *body, size_t len, char **out)
{
    daas_http_req req = {.method = "POST",
                         .target = "/sched/admit",
                         .path = "/sched/admit",
                         .query = "",
                         .remote = "test"};
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

static void expect(daas_enclave *e, const daas_buf *b, int status, const char *needle)
{
    char *out = NULL;
    assert_int_equal(post(e, b->data, b->len, &out), status);
    if (strstr(out, needle) == NULL)
        fail_msg("%s lacks \"%s\"", out, needle);
    daas_free(out);
}

static void test_malformed_and_full(void **state)
{
    fx *f = *state;
    daas_buf req, rules, body;
    request_of(GOOD, &req, &rules);
    daas_buf_init(&body, 0);
    expect(f->e, &body, 400, "\"error\"");
    assert_int_equal(daas_buf_puts(&body, "junk"), DAAS_OK);
    expect(f->e, &body, 400, "\"error\"");
    daas_buf_reset(&body);
    assert_int_equal(daas_buf_append(&body, req.data, req.len), DAAS_OK);
    expect(f->e, &body, 400, "no cluster rules");
    assert_int_equal(daas_buf_append(&body, rules.data, rules.len), DAAS_OK);
    assert_int_equal(daas_buf_append(&body, "\x00", 1), DAAS_OK);
    expect(f->e, &body, 400, "trailing");
    body.len--;
    /* The request's strict decoder runs too: uid empty is not canonical. */
    daas_buf bad;
    daas_buf_init(&bad, 0);
    assert_int_equal(daas_buf_append(&bad, "\x00", 1), DAAS_OK);
    assert_int_equal(daas_buf_append(&bad, req.data + 1 + (uint8_t)req.data[0],
                                     req.len - 1 - (uint8_t)req.data[0]),
                     DAAS_OK);
    assert_int_equal(daas_buf_append(&bad, rules.data, rules.len), DAAS_OK);
    expect(f->e, &bad, 400, "\"error\"");
    /* A log of one: the first admission fits, the second is 503. */
    expect(f->e, &body, 200, "\"index\":0}");
    expect(f->e, &body, 503, "decision log full");
    daas_buf_fini(&bad);
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&body);
}

/* A lying enclave: answers every /sched/admit with its own signed decision for GOOD, whatever
 * was asked (arg: the decision bytes). */
static void on_lying_admit(daas_enclave *e, void *arg, const daas_http_req *req,
                           daas_http_resp *resp)
{
    const daas_buf *dec = arg;
    uint8_t sig[64];
    char sighex[129], body[4096];
    (void)req;
    assert_int_equal(
        daas_enclave_sign(e, DAAS_SCHED_INTENT_ADMISSION, CLOCK_MS, B(*dec), sig, NULL), DAAS_OK);
    char *hex = daas_xmalloc(2 * dec->len + 1);
    sodium_bin2hex(hex, 2 * dec->len + 1, (const uint8_t *)dec->data, dec->len);
    sodium_bin2hex(sighex, sizeof sighex, sig, 64);
    snprintf(body, sizeof body,
             "{\"decision\":\"%s\",\"signature\":\"%s\",\"timestamp_ms\":%lld,\"index\":0}", hex,
             sighex, CLOCK_MS);
    daas_enclave_reply(resp, 200, body);
    daas_free(hex);
}

static void test_admit_decision_for_another_request(void **state)
{
    fx *f = *state;
    daas_buf good_req, good_rules, priv_req, priv_rules, dec, got;
    daas_sched_policy_request q;
    daas_sched_policy_rules r;
    daas_sched_policy_result res;
    uint8_t sig[64];
    uint64_t ts = 0, index = 0;
    daas_err err = {0};
    request_of(GOOD, &good_req, &good_rules);
    request_of(PRIV, &priv_req, &priv_rules);
    assert_int_equal(daas_sched_policy_request_decode(B(good_req), &q, NULL), DAAS_OK);
    assert_int_equal(daas_sched_policy_rules_decode(B(good_rules), &r, NULL), DAAS_OK);
    assert_int_equal(daas_sched_policy_eval(&q, &r, &res, NULL), DAAS_OK);
    daas_buf_init(&dec, 0);
    assert_int_equal(daas_sched_policy_decision_encode(&res, &dec, NULL), DAAS_OK);
    /* A fresh, unserved enclave takes the route; serve it in place of the fixture's. */
    daas_http_server_free(&f->srv);
    daas_enclave_client_free(&f->c);
    daas_enclave_schedsvc_free(&f->s);
    daas_enclave_free(&f->e);
    char *ca = daas_xasprintf("%s/ca2", f->dir);
    daas_enclave_opts o = {.nsm_path = "/nonexistent/nsm", .debug_ca_dir = ca};
    assert_int_equal(daas_enclave_new(&o, &f->e, NULL), DAAS_OK);
    daas_free(ca);
    assert_int_equal(
        daas_enclave_route_add(f->e, "POST", "/sched/admit", on_lying_admit, &dec, NULL), DAAS_OK);
    daas_enclave_public_key(f->e, f->pk);
    char *addr = daas_xasprintf("unix:%s/lie.sock", f->dir);
    daas_enclave_addr a;
    int lfd = -1;
    assert_int_equal(daas_enclave_addr_parse(addr, &a, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_addr_listen(&a, &lfd, NULL), DAAS_OK);
    assert_int_equal(daas_enclave_serve(f->e, lfd, 1, &f->srv, NULL), DAAS_OK);
    close(lfd);
    assert_int_equal(daas_enclave_client_new(addr, 5000, &f->c, NULL), DAAS_OK);
    daas_enclave_client_set_key(f->c, f->pk);
    daas_buf_init(&got, 0);
    /* The honest question gets the (validly signed) answer... */
    assert_int_equal(
        daas_enclave_client_admit(f->c, B(good_req), B(good_rules), &got, &ts, sig, &index, &err),
        DAAS_OK);
    assert_int_equal(got.len, dec.len);
    /* ...another request, or other rules, get it too: refused though the signature holds. */
    daas_buf_reset(&got);
    assert_int_equal(
        daas_enclave_client_admit(f->c, B(priv_req), B(good_rules), &got, &ts, sig, &index, &err),
        DAAS_EUNAUTH);
    assert_non_null(strstr(err.msg, "another request or rules"));
    assert_int_equal(got.len, 0);
    daas_sched_policy_rules other = {.version = 10};
    daas_buf_reset(&priv_rules);
    assert_int_equal(daas_sched_policy_rules_encode(&other, &priv_rules, NULL), DAAS_OK);
    daas_err_clear(&err);
    assert_int_equal(
        daas_enclave_client_admit(f->c, B(good_req), B(priv_rules), &got, &ts, sig, &index, &err),
        DAAS_EUNAUTH);
    /* the server is stopped before the decision it answers with goes */
    daas_http_server_free(&f->srv);
    daas_free(addr);
    daas_sched_policy_result_fini(&res);
    daas_sched_policy_rules_fini(&r);
    daas_sched_policy_request_fini(&q);
    daas_buf_fini(&got);
    daas_buf_fini(&dec);
    daas_buf_fini(&good_req);
    daas_buf_fini(&good_rules);
    daas_buf_fini(&priv_req);
    daas_buf_fini(&priv_rules);
}

/* POST /sched/rebalance: the enclave plans from the state it was fed (n1 overloaded: three
 * 300m pods on 1000m), signs the plan with intent 5 into the same log, and the client checks
 * the signature and that the plan answers this request; an altered plan does not verify. */
static void test_rebalance(void **state)
{
    fx *f = *state;
    daas_enclave_client_set_key(f->c, f->pk);
    tnode n1, n2;
    tnode_init(&n1, "n1", 1000, 8 * GiB, 1, 100);
    tnode_init(&n2, "n2", 4000, 8 * GiB, 2, 100);
    daas_sched_res cpu[1] = {{.name = "cpu", .qty = 300}};
    const char *uids[3] = {"u1", "u2", "u3"};
    daas_sched_delta d[5] = {{.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = n1.n},
                             {.seq = 2, .kind = DAAS_SCHED_NODE_UPSERT, .node = n2.n}};
    for (int i = 0; i < 3; i++)
        d[2 + i] = (daas_sched_delta){
            .seq = 3 + (uint64_t)i,
            .kind = DAAS_SCHED_POD_BOUND,
            .bound = {.uid = uids[i], .node = "n1", .requests = cpu, .n_requests = 1}};
    uint64_t seq = 0;
    uint8_t digest[32], sig[64];
    assert_int_equal(daas_enclave_client_deltas(f->c, d, 5, &seq, digest, NULL), DAAS_OK);
    daas_sched_rebalance_cand cands[3];
    for (int i = 0; i < 3; i++)
        cands[i] = (daas_sched_rebalance_cand){
            .uid = uids[i], .ns = "default", .name = uids[i], .controller = "ReplicaSet/web"};
    daas_sched_rebalance_req q = {
        .round = 7, .threshold_pct = 80, .max_evictions = 5, .cands = cands, .n_cands = 3};
    daas_buf req, plan;
    daas_buf_init(&req, 0);
    daas_buf_init(&plan, 0);
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &req, NULL), DAAS_OK);
    uint64_t ts = 0, index = 99;
    daas_err err = {0};
    if (daas_enclave_client_rebalance(f->c, B(req), &plan, &ts, sig, &index, &err) != DAAS_OK)
        fail_msg("rebalance: %s", err.msg);
    assert_int_equal(index, 0);
    daas_sched_plan p;
    assert_int_equal(daas_sched_rebalance_plan_decode(B(plan), &p, NULL), DAAS_OK);
    assert_int_equal(p.round, 7);
    assert_int_equal(p.state_seq, 5);
    assert_memory_equal(p.state_digest, digest, 32);
    assert_true(p.n_evictions >= 1);
    for (size_t i = 0; i < p.n_evictions; i++)
        assert_string_equal(p.evictions[i].node, "n1");
    daas_sched_rebalance_plan_fini(&p);
    assert_int_equal(daas_sched_rebalance_verify(B(plan), ts, sig, f->pk, NULL), DAAS_OK);
    plan.data[plan.len - 1] ^= 1; /* the last eviction's score */
    assert_int_not_equal(daas_sched_rebalance_verify(B(plan), ts, sig, f->pk, NULL), DAAS_OK);
    /* a malformed request: 400, refused as such */
    assert_int_equal(
        daas_enclave_client_rebalance(f->c, DAAS_BYTES("\x01", 1), &plan, &ts, sig, &index, NULL),
        DAAS_EINVAL);
    daas_buf_fini(&req);
    daas_buf_fini(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_admit_and_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admit_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admit_decision_for_another_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_and_full, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_rebalance, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
