/*
 * test_admission.c: signed admission decisions (src/sched/admission.c): the intent-4 signing
 *                   bytes (cross-checked against the placement decisions' layout), the split
 *                   of the enclave's /sched/admit body, the daas.io/admission-proof text, its
 *                   round trip and strict parser, and the agent's check: an admitted pod
 *                   passes, and every failure gives its own reason (no proof, malformed,
 *                   unregistered key, wrong enclave, bad signature, another request, a denial,
 *                   another pod, a workload kind, a tampered security context).
 *
 * Owns:   nothing beyond each test's JSON values, buffers and proofs (freed before return).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/admission.h"
#include "sched/declog.h"
#include "sched/policy.h"
#include "sched/sched.h"

#define TS 1700000000123ULL

static const char POD_JSON[] =
    "{\"metadata\":{\"name\":\"web-0\",\"namespace\":\"shop\",\"uid\":\"uid-1\","
    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"securityContext\":{\"runAsNonRoot\":true,"
    "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"app\","
    "\"image\":\"127.0.0.1:5000/web:1\",\"securityContext\":{\"allowPrivilegeEscalation\":"
    "false,\"capabilities\":{\"drop\":[\"ALL\"]}}}]}}";

typedef struct fx {
    uint8_t pk[32], sk[64];
    uint8_t enclave[32];
    daas_sched_trusted_key keys[2];
} fx;

static int setup(void **state)
{
    static fx f;
    assert_true(sodium_init() >= 0);
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
    json_t *j = json_loads(s, 0, NULL);
    assert_non_null(j);
    return j;
}

/* BCS(AdmissionRequest) of pod at restricted, with kind, and BCS of permissive rules. */
static void request_for(const json_t *pod, const char *kind, daas_buf *req, daas_buf *rules)
{
    daas_sched_policy_request q = {0};
    daas_sched_policy_rules r = {.version = 3, .nitro_min_tier = 1};
    daas_err err = {0};
    assert_int_equal(daas_sched_policy_view_from_json(pod, &q.pod, &err), DAAS_OK);
    const json_t *m = json_object_get(pod, "metadata");
    q.uid = json_string_value(json_object_get(m, "uid"));
    q.ns = json_string_value(json_object_get(m, "namespace"));
    q.name = json_string_value(json_object_get(m, "name"));
    q.kind = kind;
    q.enforce = q.warn = q.audit = DAAS_SCHED_PSS_RESTRICTED;
    daas_buf_init(req, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(rules, DAAS_SCHED_POLICY_MAX_BYTES);
    assert_int_equal(daas_sched_policy_request_encode(&q, req, &err), DAAS_OK);
    assert_int_equal(daas_sched_policy_rules_encode(&r, rules, &err), DAAS_OK);
    daas_sched_policy_view_fini(&q.pod);
}

/* What the enclave does: decode, evaluate, encode the AccessDecision. */
static void decide(daas_bytes req, daas_bytes rules, daas_buf *dec, bool *allowed)
{
    daas_sched_policy_request q;
    daas_sched_policy_rules r;
    daas_sched_policy_result res;
    daas_err err = {0};
    assert_int_equal(daas_sched_policy_request_decode(req, &q, &err), DAAS_OK);
    assert_int_equal(daas_sched_policy_rules_decode(rules, &r, &err), DAAS_OK);
    assert_int_equal(daas_sched_policy_eval(&q, &r, &res, &err), DAAS_OK);
    daas_buf_init(dec, DAAS_SCHED_POLICY_MAX_BYTES);
    assert_int_equal(daas_sched_policy_decision_encode(&res, dec, &err), DAAS_OK);
    *allowed = res.allowed;
    daas_sched_policy_result_fini(&res);
    daas_sched_policy_rules_fini(&r);
    daas_sched_policy_request_fini(&q);
}

/* Signs, formats and stores the proof of (req, dec) on pod. */
static void annotate(const fx *f, json_t *pod, daas_bytes req, daas_bytes dec)
{
    uint8_t sig[64];
    daas_buf txt;
    daas_err err = {0};
    assert_int_equal(daas_sched_admission_sign(TS, dec, f->sk, sig, &err), DAAS_OK);
    daas_buf_init(&txt, 0);
    assert_int_equal(
        daas_sched_admission_proof_format(req, dec, TS, sig, f->enclave, f->pk, &txt, &err),
        DAAS_OK);
    json_t *m = json_object_get(pod, "metadata");
    if (json_object_get(m, "annotations") == NULL)
        json_object_set_new(m, "annotations", json_object());
    json_object_set_new(json_object_get(m, "annotations"), DAAS_SCHED_ADMISSION_ANNOTATION,
                        json_string(txt.data));
    daas_buf_fini(&txt);
}

/* A pod admitted from its own JSON (kind Pod). */
static json_t *admitted_pod(const fx *f, const char *text)
{
    json_t *pod = load(text);
    daas_buf req, rules, dec;
    bool allowed = false;
    request_for(pod, "Pod", &req, &rules);
    decide(DAAS_BYTES(req.data, req.len), DAAS_BYTES(rules.data, rules.len), &dec, &allowed);
    annotate(f, pod, DAAS_BYTES(req.data, req.len), DAAS_BYTES(dec.data, dec.len));
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&dec);
    return pod;
}

static void expect_denied(const fx *f, const json_t *pod, const char *reason)
{
    daas_err err = {0};
    assert_int_equal(daas_sched_admission_check(pod, f->keys, 2, &err), DAAS_EDENIED);
    assert_int_equal(err.code, DAAS_EDENIED);
    if (strncmp(err.msg, reason, strlen(reason)) != 0)
        fail_msg("want \"%s\", got \"%s\"", reason, err.msg);
}

/* ---- signing bytes ---- */

static void test_signing_bytes(void **state)
{
    fx *f = *state;
    daas_sched_decision d = {.pod_uid = "p", .node = "n", .timestamp_ms = TS};
    daas_buf a, b, bcs;
    uint8_t sig[64], leaf_a[32], leaf_b[32];
    daas_buf_init(&a, 0);
    daas_buf_init(&b, 0);
    daas_buf_init(&bcs, 0);
    /* The placement layout with the intent byte swapped: same head, same payload. */
    assert_int_equal(daas_sched_decision_signing_bytes(&d, &a, NULL), DAAS_OK);
    assert_int_equal(daas_sched_decision_encode(&d, &bcs, NULL), DAAS_OK);
    assert_int_equal(
        daas_sched_admission_signing_bytes(TS, DAAS_BYTES(bcs.data, bcs.len), &b, NULL), DAAS_OK);
    assert_int_equal(a.len, b.len);
    assert_int_equal((uint8_t)a.data[0], 2);
    assert_int_equal((uint8_t)b.data[0], DAAS_SCHED_INTENT_ADMISSION);
    assert_int_equal(DAAS_SCHED_INTENT_ADMISSION, 4);
    assert_memory_equal(a.data + 1, b.data + 1, a.len - 1);
    assert_int_equal((uint8_t)b.data[1], (uint8_t)(TS & 0xff)); /* u64 little-endian */
    assert_int_equal((uint8_t)b.data[8], (uint8_t)(TS >> 56));
    /* The signature is plain Ed25519 over exactly these bytes. */
    daas_bytes dec = DAAS_BYTES(bcs.data, bcs.len);
    assert_int_equal(daas_sched_admission_sign(TS, dec, f->sk, sig, NULL), DAAS_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)b.data, b.len, f->pk), 0);
    assert_true(daas_sched_admission_verify(TS, dec, f->pk, sig));
    assert_false(daas_sched_admission_verify(TS + 1, dec, f->pk, sig));
    /* The leaf is the generic Merkle leaf of the signing bytes. */
    daas_sched_admission_leaf(TS, dec, leaf_a);
    daas_sched_merkle_leaf(DAAS_BYTES(b.data, b.len), leaf_b);
    assert_memory_equal(leaf_a, leaf_b, 32);
    daas_buf_fini(&a);
    daas_buf_fini(&b);
    daas_buf_fini(&bcs);
}

static void test_split(void **state)
{
    (void)state;
    json_t *pod = load(POD_JSON);
    daas_buf req, rules, body;
    daas_bytes r1, r2;
    daas_err err = {0};
    request_for(pod, "Pod", &req, &rules);
    daas_buf_init(&body, 0);
    assert_int_equal(daas_buf_append(&body, req.data, req.len), DAAS_OK);
    assert_int_equal(daas_buf_append(&body, rules.data, rules.len), DAAS_OK);
    assert_int_equal(daas_sched_admission_split(DAAS_BYTES(body.data, body.len), &r1, &r2, &err),
                     DAAS_OK);
    assert_int_equal(r1.len, req.len);
    assert_ptr_equal(r1.ptr, (const uint8_t *)body.data);
    assert_int_equal(r2.len, rules.len);
    assert_memory_equal(r2.ptr, rules.data, rules.len);
    /* The request alone, or cut short: refused. */
    assert_int_equal(daas_sched_admission_split(DAAS_BYTES(req.data, req.len), &r1, &r2, &err),
                     DAAS_EINVAL);
    for (size_t n = 0; n < req.len; n++)
        assert_int_equal(daas_sched_admission_split(DAAS_BYTES(req.data, n), &r1, &r2, NULL),
                         DAAS_EINVAL);
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&body);
    json_decref(pod);
}

/* ---- the annotation ---- */

static void test_format_parse(void **state)
{
    fx *f = *state;
    json_t *pod = admitted_pod(f, POD_JSON);
    const char *txt = json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        DAAS_SCHED_ADMISSION_ANNOTATION));
    daas_sched_admission_proof p;
    daas_err err = {0};
    char want_head[64];
    assert_non_null(txt);
    assert_int_equal(strncmp(txt, "{\"v\":1,\"request\":\"", 18), 0);
    snprintf(want_head, sizeof want_head, "\"timestamp_ms\":%llu,\"signature\":\"",
             (unsigned long long)TS);
    assert_non_null(strstr(txt, want_head));
    assert_non_null(strstr(txt, "\",\"enclave\":\"0x"));
    assert_int_equal(daas_sched_admission_proof_parse(txt, &p, &err), DAAS_OK);
    assert_int_equal(p.timestamp_ms, TS);
    assert_memory_equal(p.pk, f->pk, 32);
    assert_memory_equal(p.enclave, f->enclave, 32);
    assert_memory_equal(p.rules_digest, p.dec.rules_digest, 32);
    assert_string_equal(p.req.name, "web-0");
    assert_string_equal(p.dec.uid, "uid-1");
    assert_true(p.dec.allowed);
    /* Re-rendering the parsed parts gives the same text. */
    daas_buf again;
    daas_buf_init(&again, 0);
    assert_int_equal(daas_sched_admission_proof_format(p.request, p.decision, p.timestamp_ms, p.sig,
                                                       p.enclave, p.pk, &again, &err),
                     DAAS_OK);
    assert_string_equal(again.data, txt);
    daas_buf_fini(&again);
    daas_sched_admission_proof_fini(&p);
    json_decref(pod);
}

/* txt with the first occurrence of from replaced by to, parsed: must fail. */
static void parse_bad(const char *txt, const char *from, const char *to)
{
    daas_sched_admission_proof p;
    daas_err err = {0};
    const char *at = strstr(txt, from);
    assert_non_null(at);
    char *bad = daas_xasprintf("%.*s%s%s", (int)(at - txt), txt, to, at + strlen(from));
    assert_int_equal(daas_sched_admission_proof_parse(bad, &p, &err), DAAS_EINVAL);
    assert_true(err.msg[0] != '\0');
    assert_null(p._mem);
    daas_free(bad);
}

static void test_parse_strict(void **state)
{
    fx *f = *state;
    json_t *pod = admitted_pod(f, POD_JSON);
    const char *txt = json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        DAAS_SCHED_ADMISSION_ANNOTATION));
    daas_sched_admission_proof p;
    parse_bad(txt, "{\"v\":1", "{\"v\":2");
    parse_bad(txt, "{\"v\":1", "{\"v\":1,\"x\":0");
    parse_bad(txt, "{\"v\":1", "{\"v\":1,\"v\":1");
    parse_bad(txt, "\"timestamp_ms\":", "\"timestamp_ms\":-");
    parse_bad(txt, "\"enclave\":\"0x", "\"enclave\":\"0X");
    parse_bad(txt, "\"enclave\":\"0x", "\"enclave\":\"0xAA");
    parse_bad(txt, "\"request\":\"", "\"request\":\"0");  /* odd length */
    parse_bad(txt, "\"request\":\"", "\"request\":\"00"); /* not canonical BCS any more */
    parse_bad(txt, "\"decision\":\"", "\"decision\":\"\",\"y\":\"");
    parse_bad(txt, "\"rules\":\"", "\"rules\":\"00"); /* 33 bytes */
    /* rules must be the decision's rules digest. */
    const char *r = strstr(txt, "\"rules\":\"") + 9;
    char *swapped = daas_xstrdup(txt);
    swapped[r - txt] = r[0] == '0' ? '1' : '0';
    assert_int_equal(daas_sched_admission_proof_parse(swapped, &p, NULL), DAAS_EINVAL);
    daas_free(swapped);
    assert_int_equal(daas_sched_admission_proof_parse("[]", &p, NULL), DAAS_EINVAL);
    assert_int_equal(daas_sched_admission_proof_parse("", &p, NULL), DAAS_EINVAL);
    char *huge = daas_xmalloc(DAAS_SCHED_ADMISSION_PROOF_MAX_LEN + 2);
    memset(huge, ' ', DAAS_SCHED_ADMISSION_PROOF_MAX_LEN + 1);
    huge[DAAS_SCHED_ADMISSION_PROOF_MAX_LEN + 1] = '\0';
    assert_int_equal(daas_sched_admission_proof_parse(huge, &p, NULL), DAAS_EINVAL);
    daas_free(huge);
    json_decref(pod);
}

/* ---- the check ---- */

static void test_check_ok(void **state)
{
    fx *f = *state;
    json_t *pod = admitted_pod(f, POD_JSON);
    daas_err err = {0};
    assert_int_equal(daas_sched_admission_check(pod, f->keys, 2, &err), DAAS_OK);
    /* Labels, other annotations, the binding and the status are not security context. */
    json_t *m = json_object_get(pod, "metadata");
    json_object_set_new(json_object_get(m, "labels"), "tier", json_string("x"));
    json_object_set_new(json_object_get(m, "annotations"), "note", json_string("y"));
    json_object_set_new(json_object_get(pod, "spec"), "nodeName", json_string("n1"));
    assert_int_equal(daas_sched_admission_check(pod, f->keys, 2, &err), DAAS_OK);
    /* Trusted for any enclave id (all-zero id). */
    daas_sched_trusted_key any = {0};
    memcpy(any.pk, f->pk, 32);
    assert_int_equal(daas_sched_admission_check(pod, &any, 1, &err), DAAS_OK);
    json_decref(pod);
}

static void set_ann(json_t *pod, json_t *v)
{
    json_object_set_new(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        DAAS_SCHED_ADMISSION_ANNOTATION, v);
}

static void test_check_key_and_form(void **state)
{
    fx *f = *state;
    json_t *pod = admitted_pod(f, POD_JSON);
    json_t *bare = load(POD_JSON);
    daas_err err = {0};
    expect_denied(f, bare, "no admission decision");
    assert_int_equal(daas_sched_admission_check(pod, f->keys, 1, &err), DAAS_EDENIED);
    assert_string_equal(err.msg, "enclave key not registered");
    daas_sched_trusted_key other = f->keys[1];
    other.enclave[0] = 9;
    daas_err_clear(&err);
    assert_int_equal(daas_sched_admission_check(pod, &other, 1, &err), DAAS_EDENIED);
    assert_int_equal(strncmp(err.msg, "enclave key not registered for enclave 0x", 41), 0);
    char *txt = daas_xstrdup(json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        DAAS_SCHED_ADMISSION_ANNOTATION)));
    char *sig = strstr(txt, "\"signature\":\"") + 13;
    sig[0] = sig[0] == 'a' ? 'b' : 'a';
    set_ann(pod, json_string(txt));
    expect_denied(f, pod, "admission signature does not verify");
    set_ann(pod, json_integer(1));
    expect_denied(f, pod, "admission decision is malformed: not a string");
    set_ann(pod, json_string("{}"));
    expect_denied(f, pod, "admission decision is malformed: want exactly");
    daas_free(txt);
    json_decref(bare);
    json_decref(pod);
}

/* A proof whose request and decision are built by the caller (for forged combinations). */
static json_t *pod_with(const fx *f, const char *text, daas_bytes req, daas_bytes dec)
{
    json_t *pod = load(text);
    annotate(f, pod, req, dec);
    return pod;
}

static void test_check_decision(void **state)
{
    fx *f = *state;
    json_t *pod = load(POD_JSON), *other = NULL;
    daas_buf req, rules, dec, req2, rules2, dec2;
    bool allowed = false;
    request_for(pod, "Pod", &req, &rules);
    decide(DAAS_BYTES(req.data, req.len), DAAS_BYTES(rules.data, rules.len), &dec, &allowed);
    assert_true(allowed);
    /* A decision signed for one request, shipped with another (same pod, warn level 0). */
    request_for(pod, "Deployment", &req2, &rules2);
    other = pod_with(f, POD_JSON, DAAS_BYTES(req2.data, req2.len), DAAS_BYTES(dec.data, dec.len));
    expect_denied(f, other, "admission decision is for another request");
    json_decref(other);
    /* A well-formed proof for a workload template, not a pod. */
    decide(DAAS_BYTES(req2.data, req2.len), DAAS_BYTES(rules2.data, rules2.len), &dec2, &allowed);
    other = pod_with(f, POD_JSON, DAAS_BYTES(req2.data, req2.len), DAAS_BYTES(dec2.data, dec2.len));
    expect_denied(f, other, "admission request is for a Deployment, not a Pod");
    json_decref(other);
    /* The same proof on another pod object (uid differs; then only the name differs). */
    json_t *copy =
        pod_with(f, POD_JSON, DAAS_BYTES(req.data, req.len), DAAS_BYTES(dec.data, dec.len));
    json_object_set_new(json_object_get(copy, "metadata"), "uid", json_string("uid-2"));
    expect_denied(f, copy, "admission decision is for another pod (uid uid-1)");
    json_object_set_new(json_object_get(copy, "metadata"), "uid", json_string("uid-1"));
    json_object_set_new(json_object_get(copy, "metadata"), "name", json_string("web-1"));
    expect_denied(f, copy, "admission request is for pod shop/web-0 (uid uid-1)");
    json_decref(copy);
    daas_buf_fini(&dec2);
    daas_buf_fini(&req2);
    daas_buf_fini(&rules2);
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&dec);
    json_decref(pod);
}

static void test_check_denial(void **state)
{
    fx *f = *state;
    /* privileged at restricted: the enclave denies; a signed denial is no admission. */
    static const char PRIV[] =
        "{\"metadata\":{\"name\":\"web-0\",\"namespace\":\"shop\",\"uid\":\"uid-1\"},"
        "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\","
        "\"securityContext\":{\"privileged\":true}}]}}";
    json_t *pod = load(PRIV);
    daas_buf req, rules, dec;
    bool allowed = true;
    request_for(pod, "Pod", &req, &rules);
    decide(DAAS_BYTES(req.data, req.len), DAAS_BYTES(rules.data, rules.len), &dec, &allowed);
    assert_false(allowed);
    annotate(f, pod, DAAS_BYTES(req.data, req.len), DAAS_BYTES(dec.data, dec.len));
    expect_denied(f, pod, "admission decision denies the pod");
    daas_buf_fini(&req);
    daas_buf_fini(&rules);
    daas_buf_fini(&dec);
    json_decref(pod);
}

static void test_check_tampered_view(void **state)
{
    fx *f = *state;
    json_t *pod = admitted_pod(f, POD_JSON);
    json_t *ctr = json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
    json_t *sc = json_object_get(ctr, "securityContext");
    daas_err err = {0};
    /* privileged added after admission */
    json_object_set_new(sc, "privileged", json_true());
    expect_denied(f, pod, "pod security context changed since it was admitted");
    json_object_del(sc, "privileged");
    assert_int_equal(daas_sched_admission_check(pod, f->keys, 2, &err), DAAS_OK);
    /* hostNetwork, a hostPath volume, another image: each changes the view */
    json_object_set_new(json_object_get(pod, "spec"), "hostNetwork", json_true());
    expect_denied(f, pod, "pod security context changed since it was admitted");
    json_object_del(json_object_get(pod, "spec"), "hostNetwork");
    json_object_set_new(ctr, "image", json_string("evil.io/x"));
    expect_denied(f, pod, "pod security context changed since it was admitted");
    json_object_set_new(ctr, "image", json_string("127.0.0.1:5000/web:1"));
    assert_int_equal(daas_sched_admission_check(pod, f->keys, 2, &err), DAAS_OK);
    /* a spec the view builder refuses */
    json_object_set_new(json_object_get(pod, "spec"), "hostPID", json_string("yes"));
    expect_denied(f, pod, "pod cannot be checked: ");
    json_decref(pod);
}

/* ---- the decision log ---- */

/* One admission as the server logs it: request, rules, the enclave's signed decision. */
typedef struct adm {
    daas_buf req, rules, dec;
    uint8_t sig[64];
    uint64_t ts;
} adm;

static void adm_make(const fx *f, adm *a, const char *text, uint64_t ts)
{
    json_t *pod = load(text);
    bool allowed;
    request_for(pod, "Pod", &a->req, &a->rules);
    decide(DAAS_BYTES(a->req.data, a->req.len), DAAS_BYTES(a->rules.data, a->rules.len), &a->dec,
           &allowed);
    a->ts = ts;
    assert_int_equal(
        daas_sched_admission_sign(ts, DAAS_BYTES(a->dec.data, a->dec.len), f->sk, a->sig, NULL),
        DAAS_OK);
    json_decref(pod);
}

static void adm_fini(adm *a)
{
    daas_buf_fini(&a->req);
    daas_buf_fini(&a->rules);
    daas_buf_fini(&a->dec);
}

static daas_declog_rec adm_rec(const fx *f, const adm *a, uint64_t index)
{
    daas_declog_rec r = {.kind = DAAS_DECLOG_ADMISSION,
                         .index = index,
                         .decision = DAAS_BYTES(a->dec.data, a->dec.len),
                         .request = DAAS_BYTES(a->req.data, a->req.len),
                         .rules = DAAS_BYTES(a->rules.data, a->rules.len),
                         .timestamp_ms = a->ts};
    memcpy(r.sig, a->sig, 64);
    memcpy(r.pk, f->pk, 32);
    return r;
}

static const char PRIV_JSON[] =
    "{\"metadata\":{\"name\":\"bad-0\",\"namespace\":\"shop\",\"uid\":\"uid-2\"},"
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\","
    "\"securityContext\":{\"privileged\":true}}]}}";

/* A log: Epoch, admissions a (index 0) and b (index 1), a batch over both. */
static void build_log(const fx *f, const daas_declog_rec *r0, const daas_declog_rec *r1,
                      daas_buf *file)
{
    daas_declog_rec ep = {.kind = DAAS_DECLOG_EPOCH}, batch = {.kind = DAAS_DECLOG_BATCH};
    uint8_t leaves[2][32];
    daas_buf sb;
    memcpy(ep.pk, f->pk, 32);
    daas_buf_init(file, 0);
    assert_int_equal(daas_buf_append(file, DAAS_DECLOG_MAGIC, DAAS_DECLOG_MAGIC_LEN), DAAS_OK);
    assert_int_equal(daas_declog_frame(&ep, file, NULL), DAAS_OK);
    assert_int_equal(daas_declog_frame(r0, file, NULL), DAAS_OK);
    assert_int_equal(daas_declog_frame(r1, file, NULL), DAAS_OK);
    daas_sched_admission_leaf(r0->timestamp_ms, r0->decision, leaves[0]);
    daas_sched_admission_leaf(r1->timestamp_ms, r1->decision, leaves[1]);
    batch.first = 0;
    batch.count = 2;
    batch.timestamp_ms = TS + 100;
    assert_int_equal(daas_sched_merkle_root((const uint8_t(*)[32])leaves, 2, batch.root, NULL),
                     DAAS_OK);
    daas_buf_init(&sb, 0);
    assert_int_equal(
        daas_sched_batch_signing_bytes(batch.root, 0, 2, batch.timestamp_ms, &sb, NULL), DAAS_OK);
    crypto_sign_detached(batch.sig, NULL, (const uint8_t *)sb.data, sb.len, f->sk);
    memcpy(batch.pk, f->pk, 32);
    assert_int_equal(daas_declog_frame(&batch, file, NULL), DAAS_OK);
    daas_buf_fini(&sb);
}

static void expect_replay(const fx *f, const daas_declog_rec *r0, const daas_declog_rec *r1,
                          int code, const char *reason)
{
    daas_buf file;
    daas_declog_report rep;
    daas_err err = {0};
    build_log(f, r0, r1, &file);
    assert_int_equal(daas_declog_verify(DAAS_BYTES(file.data, file.len), NULL, 0, &rep, &err),
                     code);
    if (code == DAAS_OK) {
        assert_true(rep.ok);
        assert_int_equal(rep.admissions, 2);
        assert_int_equal(rep.decisions, 0);
        assert_int_equal(rep.batches, 1);
    } else if (strstr(rep.reason, reason) == NULL) {
        fail_msg("want \"%s\", got \"%s\"", reason, rep.reason);
    }
    daas_declog_report_fini(&rep);
    daas_buf_fini(&file);
}

static void test_declog_replay(void **state)
{
    fx *f = *state;
    adm a, b;
    adm_make(f, &a, POD_JSON, TS);
    adm_make(f, &b, PRIV_JSON, TS + 1);
    daas_declog_rec ra = adm_rec(f, &a, 0), rb = adm_rec(f, &b, 1), x;
    /* Round trip of the record. */
    daas_buf body;
    daas_declog_rec back;
    daas_buf_init(&body, 0);
    assert_int_equal(daas_declog_rec_encode(&ra, &body, NULL), DAAS_OK);
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(body.data, body.len), &back, NULL), DAAS_OK);
    assert_int_equal(back.kind, DAAS_DECLOG_ADMISSION);
    assert_int_equal(back.timestamp_ms, TS);
    assert_int_equal(back.rules.len, a.rules.len);
    assert_memory_equal(back.request.ptr, a.req.data, a.req.len);
    assert_memory_equal(back.sig, a.sig, 64);
    daas_buf_fini(&body);
    expect_replay(f, &ra, &rb, DAAS_OK, NULL);
    /* A denied pod logged with the allowed pod's decision. */
    x = rb;
    x.decision = ra.decision;
    expect_replay(f, &ra, &x, DAAS_EINVALID, "admission decision allows pod uid-2, the policy");
    /* Other rules than the ones the decision was computed on. */
    daas_sched_policy_rules other = {.version = 4, .nitro_min_tier = 1};
    daas_buf rules;
    daas_buf_init(&rules, 0);
    assert_int_equal(daas_sched_policy_rules_encode(&other, &rules, NULL), DAAS_OK);
    x = ra;
    x.rules = DAAS_BYTES(rules.data, rules.len);
    expect_replay(f, &x, &rb, DAAS_EINVALID, "differs from the policy's");
    daas_buf_fini(&rules);
    /* A signature over another time. */
    x = ra;
    x.timestamp_ms++;
    expect_replay(f, &x, &rb, DAAS_ECRYPTO, "admission signature does not verify");
    /* Indices must increase; rules must decode. */
    x = rb;
    x.index = 0;
    expect_replay(f, &ra, &x, DAAS_EINVALID, "admission index 0 does not follow 0");
    x = ra;
    x.rules = DAAS_BYTES("\x01", 1);
    expect_replay(f, &x, &rb, DAAS_EINVALID, "admission rules: ");
    adm_fini(&a);
    adm_fini(&b);
}

static void test_declog_writer(void **state)
{
    fx *f = *state;
    adm a, b;
    char dir[] = "/tmp/admission-XXXXXX";
    daas_declog_writer *w = NULL;
    daas_declog_rec ep = {.kind = DAAS_DECLOG_EPOCH};
    daas_buf file;
    daas_declog_report rep;
    daas_err err = {0};
    const uint8_t(*keys)[32] = (const uint8_t(*)[32])f->pk;
    assert_non_null(mkdtemp(dir));
    char *path = daas_xasprintf("%s/log", dir);
    adm_make(f, &a, POD_JSON, TS);
    adm_make(f, &b, PRIV_JSON, TS + 1);
    memcpy(ep.pk, f->pk, 32);
    assert_int_equal(daas_declog_writer_open(path, DAAS_DECLOG_SYNC_NONE, &w, &err), DAAS_OK);
    assert_int_equal(daas_declog_append(w, &ep, &err), DAAS_OK);
    assert_int_equal(daas_declog_add_admission(w, 3, DAAS_BYTES(a.req.data, a.req.len),
                                               DAAS_BYTES(a.rules.data, a.rules.len),
                                               DAAS_BYTES(a.dec.data, a.dec.len), a.ts, a.sig,
                                               f->pk, &err),
                     DAAS_OK);
    assert_int_equal(daas_declog_add_admission(w, 4, DAAS_BYTES(b.req.data, b.req.len),
                                               DAAS_BYTES(b.rules.data, b.rules.len),
                                               DAAS_BYTES(b.dec.data, b.dec.len), b.ts, b.sig,
                                               f->pk, &err),
                     DAAS_OK);
    daas_declog_writer_close(&w);
    daas_buf_init(&file, 0);
    assert_int_equal(daas_declog_load(path, &file, &err), DAAS_OK);
    assert_int_equal(daas_declog_verify(DAAS_BYTES(file.data, file.len), keys, 1, &rep, &err),
                     DAAS_OK);
    assert_int_equal(rep.admissions, 2);
    assert_int_equal(rep.records, 3);
    daas_declog_report_fini(&rep);
    daas_buf_fini(&file);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    daas_free(path);
    adm_fini(&a);
    adm_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_signing_bytes, setup),
        cmocka_unit_test_setup(test_split, setup),
        cmocka_unit_test_setup(test_format_parse, setup),
        cmocka_unit_test_setup(test_parse_strict, setup),
        cmocka_unit_test_setup(test_check_ok, setup),
        cmocka_unit_test_setup(test_check_key_and_form, setup),
        cmocka_unit_test_setup(test_check_decision, setup),
        cmocka_unit_test_setup(test_check_denial, setup),
        cmocka_unit_test_setup(test_check_tampered_view, setup),
        cmocka_unit_test_setup(test_declog_replay, setup),
        cmocka_unit_test_setup(test_declog_writer, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
