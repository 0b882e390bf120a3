/*
 * test_delta.c: the wire format from the server to the enclave: pod spec golden bytes (from
 *               an independent encoder), round trips, and the decoder's strictness: trailing
 *               bytes, every truncation, bad tags and enums, non-canonical lists, limits,
 *               strings, and the same refusals on the encoding side.
 *
 * Owns:   nothing beyond each test's buffers (freed before the test returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sched_test.h"

static const char POD_HEX[] =
    "057569642d310764656661756c740377656220ababababababababababababababababababababababab"
    "ababababababababab0103637075640000000000000001046469736b03737364010101047a6f6e650002"
    "01610162010d6d657461646174612e6e616d650001026e310100010000";

static const char NODE_HEX[] =
    "010000000000000000066e6f64652d6101000000000000000000000000000000000000000000000000"
    "00000000000000e8030000000000000100031c6177732e6563322e6e6974726f2f6e6974726f5f656e"
    "636c61766573010000000000000003637075a00f000000000000066d656d6f72790000000002000000"
    "01047a6f6e650565752d3161010964656469636174656402646201";

static void golden_pod(tpod *p)
{
    static const char *const ab[] = {"a", "b"}, *const n1[] = {"n1"};
    tpod_init(p, "uid-1", 100, 0);
    p->p.name = "web";
    tpod_sel(p, "disk", "ssd");
    tpod_expr(p, 0, false, "zone", DAAS_SCHED_OP_IN, ab, 2);
    tpod_expr(p, 0, true, "metadata.name", DAAS_SCHED_OP_IN, n1, 1);
    tpod_tol(p, "", DAAS_SCHED_TOL_EXISTS, "", DAAS_SCHED_EFFECT_ANY);
}

static size_t bytes_of(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = t_unhex(hex, out, cap);
    assert_int_equal(n, strlen(hex) / 2);
    return n;
}

static void test_pod_golden_round_trip(void **state)
{
    (void)state;
    tpod p;
    golden_pod(&p);
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, &err), DAAS_OK);
    assert_string_equal(t_hex(b.data, b.len), POD_HEX);
    daas_sched_pod_msg m;
    assert_int_equal(daas_sched_pod_decode(DAAS_BYTES(b.data, b.len), &m, &err), DAAS_OK);
    assert_string_equal(m.pod.uid, "uid-1");
    assert_string_equal(m.pod.name, "web");
    assert_int_equal(m.pod.n_terms, 1);
    assert_int_equal(m.pod.terms[0].n_exprs, 1);
    assert_int_equal(m.pod.terms[0].exprs[0].n_values, 2);
    assert_string_equal(m.pod.terms[0].exprs[0].values[1], "b");
    assert_string_equal(m.pod.terms[0].fields[0].values[0], "n1");
    assert_int_equal(m.pod.tolerations[0].op, DAAS_SCHED_TOL_EXISTS);
    daas_buf again;
    daas_buf_init(&again, 0);
    assert_int_equal(daas_sched_pod_encode(&m.pod, &again, &err), DAAS_OK);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    daas_buf_fini(&again);
    daas_sched_pod_msg_fini(&m);
    daas_buf_fini(&b);
}

static void test_delta_round_trip(void **state)
{
    (void)state;
    uint8_t in[512];
    size_t n = bytes_of(NODE_HEX, in, sizeof(in));
    daas_sched_delta d;
    daas_err err = {0};
    assert_int_equal(daas_sched_delta_decode(DAAS_BYTES(in, n), &d, &err), DAAS_OK);
    assert_int_equal(d.seq, 1);
    assert_int_equal(d.kind, DAAS_SCHED_NODE_UPSERT);
    assert_string_equal(d.node.name, "node-a");
    assert_int_equal(d.node.owner[0], 1);
    assert_int_equal(d.node.stake, 1000);
    assert_true(d.node.ready);
    assert_int_equal(d.node.n_alloc, 3);
    assert_string_equal(d.node.alloc[0].name, "aws.ec2.nitro/nitro_enclaves");
    assert_int_equal(d.node.alloc[2].qty, 8 * GiB);
    assert_string_equal(d.node.taints[0].value, "db");
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_delta_encode(&d, &b, &err), DAAS_OK);
    assert_string_equal(t_hex(b.data, b.len), NODE_HEX);
    daas_buf_fini(&b);
    daas_sched_delta_fini(&d);
    assert_null(d._mem);
}

/* in must be refused with code (and leave *d empty). */
static void refuse(const uint8_t *in, size_t n, int code, const char *what)
{
    daas_sched_delta d;
    daas_err err = {0};
    int rc = daas_sched_delta_decode(DAAS_BYTES(in, n), &d, &err);
    if (rc != code)
        fail_msg("%s: got %d (%s), want %d", what, rc, err.msg, code);
    assert_int_equal(err.code, code);
    assert_true(err.msg[0] != '\0');
    assert_null(d._mem);
}

static void test_decoder_trailing_and_truncated(void **state)
{
    (void)state;
    uint8_t in[512];
    size_t n = bytes_of(NODE_HEX, in, sizeof(in));
    in[n] = 0;
    refuse(in, n + 1, DAAS_EINVAL, "trailing byte");
    for (size_t k = 0; k < n; k++)
        refuse(in, k, DAAS_EINVAL, "truncated");
}

/* A copy of the node delta with byte at off replaced. */
static void refuse_patched(size_t off, uint8_t v, const char *what)
{
    uint8_t in[512];
    size_t n = bytes_of(NODE_HEX, in, sizeof(in));
    in[off] = v;
    refuse(in, n, DAAS_EINVAL, what);
}

static void test_decoder_bad_tags(void **state)
{
    (void)state;
    /* offsets in NODE_HEX: 8 kind, 9 name len, 16.. owner, 48.. stake, 56 ready,
     * 57 unschedulable, 58 alloc count, last byte the taint effect */
    refuse_patched(8, 4, "unknown delta kind");
    refuse_patched(8, 0x80, "non-canonical ULEB kind");
    refuse_patched(56, 2, "bool 2");
    refuse_patched(57, 0xff, "bool 255");
    refuse_patched(58, 2, "alloc count that misreads the rest");
    size_t last = strlen(NODE_HEX) / 2 - 1;
    refuse_patched(last, 0, "taint effect 0");
    refuse_patched(last, 4, "taint effect 4");
    refuse_patched(10, 0xff, "not UTF-8 in the name");
    refuse_patched(10, 0, "NUL in the name");
    /* alloc[0] name "aws..." -> "zws...": sorts after "cpu" */
    refuse_patched(60, 'z', "unsorted resources");
    /* cpu's quantity high byte: more than 2^50 */
    refuse_patched(60 + 28 + 8 + 4 + 7, 0x40, "quantity over 2^50");

    uint8_t rm[] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0}; /* NodeRemove("") */
    refuse(rm, sizeof(rm), DAAS_EINVAL, "empty node name");
    uint8_t opt[] = {1, 0, 0, 0, 0, 0, 0, 0, 3, 1, 'u', 1}; /* PodRemoved("u") + 1 */
    refuse(opt, sizeof(opt), DAAS_EINVAL, "trailing byte after PodRemoved");
}

static void test_decoder_limits(void **state)
{
    (void)state;
    /* a resource vector of 65 elements (over DAAS_SCHED_MAX_RESOURCES) */
    uint8_t pb[2048];
    size_t n = 0;
    memcpy(pb, "\x01\0\0\0\0\0\0\0\x02\x01u\x01n\x41", 14);
    n = 14;
    for (int i = 0; i < 65; i++) {
        pb[n++] = 2;
        pb[n++] = (uint8_t)('A' + i / 26);
        pb[n++] = (uint8_t)('a' + i % 26);
        memset(pb + n, 0, 8);
        n += 8;
    }
    refuse(pb, n, DAAS_EINVAL, "65 requests");
    pb[13] = 64; /* 64 elements plus 11 trailing bytes */
    refuse(pb, n, DAAS_EINVAL, "trailing element");
    daas_sched_delta d;
    assert_int_equal(daas_sched_delta_decode(DAAS_BYTES(pb, n - 11), &d, NULL), DAAS_OK);
    assert_int_equal(d.bound.n_requests, 64);
    daas_sched_delta_fini(&d);
    /* a length claiming more elements than bytes left */
    uint8_t huge[] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 'u', 1, 'n', 0x3f};
    refuse(huge, sizeof(huge), DAAS_EINVAL, "count past the input");
    /* a string of 513 bytes */
    uint8_t *big = daas_xmalloc(1024);
    memcpy(big, "\x01\0\0\0\0\0\0\0\x03\x81\x04", 11);
    memset(big + 11, 'a', 513);
    refuse(big, 11 + 513, DAAS_EINVAL, "string of 513 bytes");
    big[9] = 0x80; /* 512: fine */
    assert_int_equal(daas_sched_delta_decode(DAAS_BYTES(big, 11 + 512), &d, NULL), DAAS_OK);
    daas_sched_delta_fini(&d);
    daas_free(big);
    /* the whole input over 1 MiB */
    uint8_t *mb = daas_xcalloc(1, DAAS_SCHED_MAX_DELTA_BYTES + 1);
    refuse(mb, DAAS_SCHED_MAX_DELTA_BYTES + 1, DAAS_ETOOBIG, "over 1 MiB");
    daas_free(mb);
}

static void test_pod_decoder_strict(void **state)
{
    (void)state;
    uint8_t in[512], bad[512];
    size_t n = bytes_of(POD_HEX, in, sizeof(in));
    daas_sched_pod_msg m;
    daas_err err = {0};
    struct {
        size_t off;
        uint8_t v;
        const char *what;
    } cases[] = {
        {18, 31, "spec digest of 31 bytes"},
        {18, 33, "spec digest of 33 bytes"},
        {74, 2, "option tag 2"},
        {82, 6, "operator 6"},
        {83, 0, "In without values"},
        {90, 'x', "matchFields key not metadata.name"},
        {110, 2, "toleration operator 2"},
        {112, 4, "toleration effect 4"},
        {66, 0xc0, "overlong UTF-8 in a selector key"},
    };
    assert_int_equal(n, 113);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(bad, in, n);
        bad[cases[i].off] = cases[i].v;
        if (daas_sched_pod_decode(DAAS_BYTES(bad, n), &m, &err) != DAAS_EINVAL)
            fail_msg("%s accepted", cases[i].what);
        assert_null(m._mem);
    }
    in[n] = 0;
    assert_int_equal(daas_sched_pod_decode(DAAS_BYTES(in, n + 1), &m, &err), DAAS_EINVAL);
    for (size_t k = 0; k < n; k++)
        assert_int_not_equal(daas_sched_pod_decode(DAAS_BYTES(in, k), &m, NULL), DAAS_OK);
}

static void test_encoder_refuses(void **state)
{
    (void)state;
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 0);
    tpod p;
    static const char *const none[] = {NULL}, *const word[] = {"ten"}, *const two[] = {"1", "2"};
    golden_pod(&p);
    tpod_req(&p, "pods", 1);
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, &err), DAAS_EINVAL);
    golden_pod(&p);
    p.req[0].qty = -1;
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    tpod_expr(&p, 1, false, "k", DAAS_SCHED_OP_GT, word, 1);
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    tpod_expr(&p, 1, false, "k", DAAS_SCHED_OP_LT, two, 2);
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    tpod_expr(&p, 1, false, "k", DAAS_SCHED_OP_EXISTS, two, 1);
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    tpod_expr(&p, 1, false, "k", DAAS_SCHED_OP_IN, none, 0);
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    p.p.has_affinity = false; /* terms without the flag */
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    tpod_sel(&p, "aaa", "x"); /* after "disk": unsorted */
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    golden_pod(&p);
    p.p.ns = "";
    assert_int_equal(daas_sched_pod_encode(&p.p, &b, NULL), DAAS_EINVAL);
    assert_int_equal(b.len, 0); /* nothing written by any refusal */
    daas_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pod_golden_round_trip),
        cmocka_unit_test(test_delta_round_trip),
        cmocka_unit_test(test_decoder_trailing_and_truncated),
        cmocka_unit_test(test_decoder_bad_tags),
        cmocka_unit_test(test_decoder_limits),
        cmocka_unit_test(test_pod_decoder_strict),
        cmocka_unit_test(test_encoder_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
