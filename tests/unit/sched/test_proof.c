/*
 * test_proof.c: the daas.io/schedule-proof annotation: its exact text, round trip, strict
 *               parsing (every malformed form), and the agent's check: a properly signed and
 *               bound pod passes, label edits do not matter, and every failure gives its own
 *               reason (no proof, malformed, unregistered key, wrong enclave, bad signature,
 *               not bound / bound elsewhere, proof for another node or pod, spec changed,
 *               unconvertible pod), including a binding forged by writing spec.nodeName.
 *
 * Owns:   nothing beyond each test's JSON values and strings (freed before it returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "sched/kube.h"
#include "sched/proof.h"

static const char POD_JSON[] =
    "{\"metadata\":{\"name\":\"web-0\",\"namespace\":\"shop\",\"uid\":\"uid-1\","
    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"app\","
    "\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"256Mi\"}}}],"
    "\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Exists\"}]},"
    "\"status\":{\"phase\":\"Pending\"}}";

/* A signing enclave and the registered keys an agent knows. */
typedef struct fx {
    uint8_t pk[32], sk[64];
    uint8_t enclave[32];
    daas_sched_trusted_key keys[2];
} fx;

static int setup(void **state)
{
    static fx f;
    assert_int_equal(sodium_init() >= 0, 1);
    crypto_sign_keypair(f.pk, f.sk);
    memset(f.enclave, 0, 32);
    f.enclave[31] = 0x42;
    memset(&f.keys, 0, sizeof(f.keys));
    crypto_sign_keypair(f.keys[0].pk, (uint8_t[64]){0}); /* another registered enclave */
    memcpy(f.keys[1].pk, f.pk, 32);
    memcpy(f.keys[1].enclave, f.enclave, 32);
    *state = &f;
    return 0;
}

static json_t *load(const char *s)
{
    json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    return j;
}

/* The decision the enclave would sign for pod on node. */
static void decision_for(const json_t *pod, const char *node, daas_sched_decision *d)
{
    daas_sched_kpod k;
    daas_err err = {0};
    if (daas_sched_kube_pod(pod, &k, &err) != DAAS_OK)
        fail_msg("%s", err.msg);
    memset(d, 0, sizeof(*d));
    snprintf(d->pod_uid, sizeof(d->pod_uid), "%s", k.pod.uid);
    memcpy(d->spec_digest, k.pod.spec_digest, 32);
    snprintf(d->node, sizeof(d->node), "%s", node);
    d->state_seq = 9;
    memset(d->state_digest, 0xab, 32);
    d->score = 250;
    d->timestamp_ms = 1744683300000ULL;
    daas_sched_kpod_fini(&k);
}

static void annotate(json_t *pod, const char *text)
{
    json_t *meta = json_object_get(pod, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (ann == NULL) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    json_object_set_new(ann, DAAS_SCHED_PROOF_ANNOTATION, json_string(text));
}

/* What the server does: schedule for node (signed by sk), annotate, bind. */
static json_t *bound_pod(const fx *f, const char *node, const uint8_t *sk)
{
    json_t *pod = load(POD_JSON);
    daas_sched_decision d;
    uint8_t sig[64];
    char *text = NULL;
    decision_for(pod, node, &d);
    assert_int_equal(daas_sched_decision_sign(&d, sk, sig, NULL), DAAS_OK);
    assert_int_equal(daas_sched_proof_format(&d, sig, f->enclave, f->pk, &text, NULL), DAAS_OK);
    annotate(pod, text);
    daas_free(text);
    json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string(node));
    return pod;
}

/* Expects the check of pod on node to fail with exactly reason (prefix when it ends in ...). */
static void denied(const fx *f, const json_t *pod, const char *node, const char *reason)
{
    daas_err err = {0};
    int rc = daas_sched_proof_check(pod, node, f->keys, 2, &err);
    size_t n = strlen(reason);
    bool prefix = n > 3 && strcmp(reason + n - 3, "...") == 0;
    if (rc != DAAS_EDENIED || err.code != DAAS_EDENIED ||
        (prefix ? strncmp(err.msg, reason, n - 3) : strcmp(err.msg, reason)) != 0)
        fail_msg("rc %d, \"%s\" (want \"%s\")", rc, err.msg, reason);
}

static void test_format_parse(void **state)
{
    const fx *f = *state;
    json_t *pod = load(POD_JSON);
    daas_sched_decision d;
    uint8_t sig[64];
    char *text = NULL;
    daas_err err = {0};
    decision_for(pod, "n1", &d);
    for (int i = 0; i < 64; i++)
        sig[i] = (uint8_t)i;
    assert_int_equal(daas_sched_proof_format(&d, sig, f->enclave, f->pk, &text, &err), DAAS_OK);
    /* compact, in key order, lowercase hex; the decision is its BCS */
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_decision_encode(&d, &b, &err), DAAS_OK);
    char want[4096], hex[2400];
    sodium_bin2hex(hex, sizeof(hex), (const unsigned char *)b.data, b.len);
    daas_buf_fini(&b);
    char pkhex[65];
    sodium_bin2hex(pkhex, sizeof(pkhex), f->pk, 32);
    snprintf(want, sizeof(want),
             "{\"v\":1,\"decision\":\"%s\",\"signature\":\"000102030405060708090a0b0c0d0e0f1011"
             "12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839"
             "3a3b3c3d3e3f\",\"enclave\":\"0x000000000000000000000000000000000000000000000000"
             "0000000000000042\",\"pk\":\"%s\"}",
             hex, pkhex);
    assert_string_equal(text, want);
    daas_sched_proof p;
    assert_int_equal(daas_sched_proof_parse(text, &p, &err), DAAS_OK);
    assert_memory_equal(&p.decision, &d, sizeof(d));
    assert_memory_equal(p.sig, sig, 64);
    assert_memory_equal(p.enclave, f->enclave, 32);
    assert_memory_equal(p.pk, f->pk, 32);
    /* whitespace and key order do not matter to the parser (JSON is JSON) */
    json_t *o = load(text);
    char *pretty = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    assert_int_equal(daas_sched_proof_parse(pretty, &p, &err), DAAS_OK);
    free(pretty);
    json_decref(o);
    daas_free(text);
    /* a decision that does not encode is refused */
    d.node[0] = '\0';
    assert_int_equal(daas_sched_proof_format(&d, sig, f->enclave, f->pk, &text, &err), DAAS_EINVAL);
    assert_null(text);
    json_decref(pod);
}

/* Replaces the first occurrence of from in s by to (result in out). */
static void subst(const char *s, const char *from, const char *to, char *out, size_t cap)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void test_parse_strict(void **state)
{
    const fx *f = *state;
    json_t *pod = bound_pod(f, "n1", f->sk);
    const char *good = json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        DAAS_SCHED_PROOF_ANNOTATION));
    char sig[140], bad[8192 + 100];
    const char *s = strstr(good, "\"signature\":\"") + 13;
    snprintf(sig, sizeof(sig), "%.128s", s);
    char upper[140];
    snprintf(upper, sizeof(upper), "%s", sig);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 32);
    bool has_letter = strcmp(upper, sig) != 0;
    struct {
        const char *from, *to, *want;
    } cases[] = {
        {"\"v\":1", "\"v\":2", "want exactly"},
        {"\"v\":1", "\"v\":\"1\"", "want exactly"},
        {"\"v\":1,", "", "want exactly"},
        {"\"v\":1", "\"v\":1,\"x\":0", "want exactly"},
        {"\"v\":1", "\"v\":1,\"v\":1", "not a JSON object"}, /* duplicate key */
        {"\"enclave\":\"0x", "\"enclave\":\"", "enclave must be"},
        {"\"enclave\":\"0x", "\"enclave\":\"0x0", "enclave must be"},
        {"\"pk\":\"", "\"pk\":\"00", "pk must be"},
        {"\"signature\":\"", "\"signature\":\"0", "signature must be"},
        {"\"signature\":\"", "\"signature\":5,\"s\":\"", "want exactly"},
        {"\"decision\":\"", "\"decision\":\"0", "decision must be hex"},
        {"\"decision\":\"", "\"decision\":\"zz", "decision must be lowercase hex"},
        {"\"decision\":\"", "\"decision\":\"00", "decision"}, /* not a canonical decision */
        {"\",\"signature\"", "00\",\"signature\"", "trailing"},
        {"{", "[{", "not a JSON object"},
    };
    daas_sched_proof p;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        daas_err err = {0};
        subst(good, cases[i].from, cases[i].to, bad, sizeof(bad));
        if (daas_sched_proof_parse(bad, &p, &err) != DAAS_EINVAL ||
            strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: \"%s\" (want \"%s\")", i, err.msg, cases[i].want);
        static const uint8_t zero[sizeof(p)];
        assert_memory_equal(&p, zero, sizeof(p)); /* nothing half-parsed */
    }
    if (has_letter) {
        daas_err err = {0};
        subst(good, sig, upper, bad, sizeof(bad));
        assert_int_equal(daas_sched_proof_parse(bad, &p, &err), DAAS_EINVAL);
    }
    /* bounded */
    memset(bad, ' ', sizeof(bad) - 1);
    bad[sizeof(bad) - 1] = '\0';
    daas_err err = {0};
    assert_int_equal(daas_sched_proof_parse(bad, &p, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "longer than 8192"));
    json_decref(pod);
}

static void test_check_ok(void **state)
{
    const fx *f = *state;
    json_t *pod = bound_pod(f, "n1", f->sk);
    daas_err err = {0};
    assert_int_equal(daas_sched_proof_check(pod, "n1", f->keys, 2, &err), DAAS_OK);
    /* metadata edits, status and limits do not touch the proof */
    json_object_set_new(json_object_get(pod, "metadata"), "labels",
                        load("{\"app\":\"web\",\"rollout\":\"7\"}"));
    json_object_set_new(pod, "status", load("{\"phase\":\"Running\",\"podIP\":\"10.42.1.5\"}"));
    json_t *ctr = json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
    json_object_set_new(json_object_get(ctr, "resources"), "limits", load("{\"cpu\":\"1\"}"));
    assert_int_equal(daas_sched_proof_check(pod, "n1", f->keys, 2, &err), DAAS_OK);
    /* a key registered for any enclave id (all zero) is accepted too */
    daas_sched_trusted_key any;
    memcpy(any.pk, f->pk, 32);
    memset(any.enclave, 0, 32);
    assert_int_equal(daas_sched_proof_check(pod, "n1", &any, 1, &err), DAAS_OK);
    json_decref(pod);
}

static void test_check_denied(void **state)
{
    const fx *f = *state;
    json_t *pod = load(POD_JSON);
    json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string("n1"));
    /* a binding forged by writing spec.nodeName directly */
    denied(f, pod, "n1", "no schedule proof");
    annotate(pod, "{\"v\":1}");
    denied(f, pod, "n1", "schedule proof is malformed: want exactly...");
    json_object_set_new(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        DAAS_SCHED_PROOF_ANNOTATION, json_integer(1));
    denied(f, pod, "n1", "schedule proof is malformed: not a string");
    denied(f, json_object_get(pod, "spec"), "n1", "no schedule proof"); /* not a pod */
    json_decref(pod);

    /* signed by a key no registered enclave holds */
    uint8_t pk2[32], sk2[64];
    crypto_sign_keypair(pk2, sk2);
    fx rogue = *f;
    memcpy(rogue.pk, pk2, 32);
    pod = bound_pod(&rogue, "n1", sk2);
    denied(f, pod, "n1", "enclave key not registered");
    daas_err err = {0};
    assert_int_equal(daas_sched_proof_check(pod, "n1", NULL, 0, &err), DAAS_EDENIED);
    json_decref(pod);

    /* a registered key claiming another enclave object */
    fx other = *f;
    other.enclave[0] = 1;
    pod = bound_pod(&other, "n1", f->sk);
    denied(f, pod, "n1", "enclave key not registered for enclave 0x0100...");
    json_decref(pod);

    /* the registered pk but the signature of another key */
    pod = bound_pod(f, "n1", sk2);
    denied(f, pod, "n1", "signature does not verify");
    json_decref(pod);

    pod = bound_pod(f, "n1", f->sk);
    json_t *spec = json_object_get(pod, "spec");
    /* bound elsewhere, or not bound */
    denied(f, pod, "n2", "pod is bound to node n1, not n2");
    json_object_set_new(spec, "nodeName", json_string("n2"));
    denied(f, pod, "n2", "proof is for node n1"); /* nodeName rewritten to n2 */
    json_object_del(spec, "nodeName");
    denied(f, pod, "n1", "pod is not bound");
    json_object_set_new(spec, "nodeName", json_string("n1"));
    /* the proof copied onto another pod */
    json_object_set_new(json_object_get(pod, "metadata"), "uid", json_string("uid-2"));
    denied(f, pod, "n1", "proof is for another pod (uid uid-1)");
    json_object_set_new(json_object_get(pod, "metadata"), "uid", json_string("uid-1"));
    assert_int_equal(daas_sched_proof_check(pod, "n1", f->keys, 2, NULL), DAAS_OK);
    /* the spec edited after scheduling */
    json_t *req = json_object_get(
        json_object_get(json_array_get(json_object_get(spec, "containers"), 0), "resources"),
        "requests");
    json_object_set_new(req, "cpu", json_string("4"));
    denied(f, pod, "n1", "pod spec changed since it was scheduled");
    json_object_set_new(req, "cpu", json_string("0.25")); /* the same quantity again */
    assert_int_equal(daas_sched_proof_check(pod, "n1", f->keys, 2, NULL), DAAS_OK);
    json_object_set_new(spec, "tolerations", json_array());
    denied(f, pod, "n1", "pod spec changed since it was scheduled");
    json_object_set_new(spec, "nodeSelector", load("{\"gpu\":\"yes\"}"));
    denied(f, pod, "n1", "pod spec changed since it was scheduled");
    json_object_set_new(req, "cpu", json_string("lots"));
    denied(f, pod, "n1", "pod cannot be checked: spec.containers[0].resources.requests.cpu...");
    json_decref(pod);

    /* the decision altered after signing (another node written into the BCS) */
    pod = load(POD_JSON);
    daas_sched_decision d;
    uint8_t sig[64];
    char *text = NULL;
    decision_for(pod, "n1", &d);
    assert_int_equal(daas_sched_decision_sign(&d, f->sk, sig, NULL), DAAS_OK);
    snprintf(d.node, sizeof(d.node), "n2");
    assert_int_equal(daas_sched_proof_format(&d, sig, f->enclave, f->pk, &text, NULL), DAAS_OK);
    annotate(pod, text);
    daas_free(text);
    json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string("n2"));
    denied(f, pod, "n2", "signature does not verify");
    json_decref(pod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_parse_strict),
        cmocka_unit_test(test_check_ok),
        cmocka_unit_test(test_check_denied),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
