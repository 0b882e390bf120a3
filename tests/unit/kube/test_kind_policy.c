/*
 * test_kind_policy.c: policy/v1 PodDisruptionBudget: registry names, validation with
 * upstream's wording (both minAvailable and maxUnavailable, negative values, bad and > 100%
 * percentages, unhealthyPodEvictionPolicy), the status counters, the Table row (MIN
 * AVAILABLE / MAX UNAVAILABLE as IntOrString.String() or N/A), and protobuf bodies of a
 * PodDisruptionBudget (`kubectl create pdb`) and an Eviction (`kubectl drain`) encoded here
 * field by field from policy/v1 generated.proto.
 */
#include "kind_test.h"

#include <stdio.h>

#include "common/alloc.h"
#include "kube/pb.h"

#define PDB(spec)                                                                                  \
    "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":"       \
    "\"web\",\"namespace\":\"default\",\"creationTimestamp\":\"2026-11-21T04:18:13Z\"},"           \
    "\"spec\":" spec "}"
#define SEL "\"selector\":{\"matchLabels\":{\"app\":\"web\"}}"

static void test_pdb_names(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("pdb");
    assert_string_equal(k->group, "policy");
    assert_string_equal(k->version, "v1");
    assert_string_equal(k->kind, "PodDisruptionBudget");
    assert_string_equal(k->resource, "poddisruptionbudgets");
    assert_true(k->namespaced);
    assert_true(k->has_status);
    assert_true(k->generation);
    assert_true(k->subresources & DAAS_KUBE_SUB_STATUS);
    assert_ptr_equal(daas_kube_kind_by_name("poddisruptionbudgets.policy"), k);
    assert_int_equal(k->ncolumns, 5);
    const char *want[] = {"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(k->columns[i].name, want[i]);
    assert_string_equal(k->columns[3].type, "integer");
}

/* PrepareForCreate empties the status; an update keeps what it is given (the API keeps the
 * stored status for main-resource writes). */
static void test_pdb_defaults(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("pdb");
    json_t *o = kt_json(PDB("{\"minAvailable\":1}"));
    json_object_set_new(o, "status",
                        json_pack("{s:i,s:i}", "disruptionsAllowed", 9, "observedGeneration", 1));
    k->defaults(o, NULL);
    json_t *want = json_pack("{s:i,s:i,s:i,s:i}", "disruptionsAllowed", 0, "currentHealthy", 0,
                             "desiredHealthy", 0, "expectedPods", 0);
    kt_assert_json_equal(json_object_get(o, "status"), want, "status after create");
    json_object_set_new(o, "status", json_pack("{s:i}", "disruptionsAllowed", 1));
    k->defaults(o, o);
    assert_int_equal(daas_kube_int(o, "status.disruptionsAllowed", -1), 1);
    json_decref(want);
    json_decref(o);
}

static void test_pdb_validation(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("poddisruptionbudgets");
    daas_kube_verr v = {0};
    json_decref(kt_json_valid(k, PDB("{\"minAvailable\":2," SEL "}"), NULL));
    json_decref(kt_json_valid(k, PDB("{\"maxUnavailable\":\"100%\"," SEL "}"), NULL));
    json_decref(kt_json_valid(k,
                              PDB("{\"minAvailable\":0,\"unhealthyPodEvictionPolicy\":"
                                  "\"AlwaysAllow\"," SEL "}"),
                              NULL));
    json_t *o = kt_json(PDB("{\"minAvailable\":1,\"maxUnavailable\":1," SEL "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec", "FieldValueInvalid",
                        "Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:"
                        "(*intstr.IntOrString)(0xc000100000), MaxUnavailable:"
                        "(*intstr.IntOrString)(0xc000100020), Selector:(*v1.LabelSelector)"
                        "(0xc000100040), UnhealthyPodEvictionPolicy:"
                        "(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and "
                        "maxUnavailable cannot be both set");
    json_decref(o);
    o = kt_json(PDB("{\"minAvailable\":-1}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.minAvailable", "FieldValueInvalid",
                        "Invalid value: -1: must be greater than or equal to 0");
    json_decref(o);
    o = kt_json(PDB("{\"maxUnavailable\":\"120%\"}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.maxUnavailable", "FieldValueInvalid",
                        "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"120%\"}: "
                        "must not be greater than 100%");
    json_decref(o);
    o = kt_json(PDB("{\"minAvailable\":\"half\",\"unhealthyPodEvictionPolicy\":\"Never\"}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.minAvailable", "FieldValueInvalid",
                    "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"half\"}: a "
                    "valid percent string must be a numeric string followed by an ending '%' "
                    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    kt_assert_cause(&v, "spec.unhealthyPodEvictionPolicy", "FieldValueNotSupported",
                    "Unsupported value: \"Never\": supported values: \"AlwaysAllow\", "
                    "\"IfHealthyBudget\"");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(PDB("{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"a b\":\"x\"}}}"));
    kt_check(k, o, NULL, &v);
    assert_non_null(kt_cause(&v, "spec.selector.matchLabels"));
    daas_kube_verr_fini(&v);
    json_decref(o);
}

static void test_pdb_status(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("pdb");
    daas_kube_verr v = {0};
    json_t *o = kt_json(PDB("{\"minAvailable\":1}"));
    json_object_set_new(o, "status",
                        json_pack("{s:i,s:i}", "disruptionsAllowed", -1, "currentHealthy", 2));
    k->validate_status(o, o, &v);
    kt_assert_one_cause(&v, "status.disruptionsAllowed", "FieldValueInvalid",
                        "Invalid value: -1: must be greater than or equal to 0");
    json_decref(o);
}

static void test_pdb_rows(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("pdb");
    json_t *o = kt_json(PDB("{\"minAvailable\":2}"));
    json_object_set_new(o, "status", json_pack("{s:i}", "disruptionsAllowed", 1));
    json_t *r = k->row(o, KT_NOW);
    assert_int_equal(json_array_size(r), 5);
    assert_string_equal(json_string_value(json_array_get(r, 0)), "web");
    assert_string_equal(json_string_value(json_array_get(r, 1)), "2");
    assert_string_equal(json_string_value(json_array_get(r, 2)), "N/A");
    assert_int_equal(json_integer_value(json_array_get(r, 3)), 1);
    assert_string_equal(json_string_value(json_array_get(r, 4)), "10m");
    json_decref(r);
    json_decref(o);
    o = kt_json(PDB("{\"maxUnavailable\":\"25%\"}"));
    r = k->row(o, KT_NOW);
    assert_string_equal(json_string_value(json_array_get(r, 1)), "N/A");
    assert_string_equal(json_string_value(json_array_get(r, 2)), "25%");
    assert_int_equal(json_integer_value(json_array_get(r, 3)), 0);
    json_decref(r);
    json_decref(o);
}

/* ---- protobuf, encoded by hand ---- */

static void put_varint(daas_buf *b, uint64_t v)
{
    uint8_t c;
    do {
        c = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            c |= 0x80;
        assert_int_equal(daas_buf_append(b, &c, 1), DAAS_OK);
    } while (v);
}

/* Field num as varint v. */
static void put_int(daas_buf *b, int num, uint64_t v)
{
    put_varint(b, (uint64_t)num << 3);
    put_varint(b, v);
}

/* Field num as length-delimited bytes (a string or a message in m). */
static void put_len(daas_buf *b, int num, const void *p, size_t n)
{
    put_varint(b, ((uint64_t)num << 3) | 2);
    put_varint(b, n);
    assert_int_equal(daas_buf_append(b, p, n), DAAS_OK);
}

static void put_msg(daas_buf *b, int num, daas_buf *m)
{
    put_len(b, num, m->data ? m->data : "", m->len);
    daas_buf_fini(m);
}

/* The "k8s\0" envelope around raw (consumed) of apiVersion/kind; decoded into *out. */
static void decode_enveloped(const char *av, const char *kind, daas_buf *raw, json_t **out)
{
    daas_buf tm = {0}, env = {0};
    put_len(&tm, 1, av, strlen(av));
    put_len(&tm, 2, kind, strlen(kind));
    assert_int_equal(daas_buf_append(&env, "k8s\0", 4), DAAS_OK);
    daas_buf u = {0};
    put_msg(&u, 1, &tm);
    put_msg(&u, 2, raw);
    put_len(&u, 4, "application/vnd.kubernetes.protobuf", 35);
    assert_int_equal(daas_buf_append(&env, u.data, u.len), DAAS_OK);
    daas_buf_fini(&u);
    daas_err e = {0};
    int rc = daas_kube_pb_decode(DAAS_BYTES(env.data, env.len), out, &e);
    if (rc != DAAS_OK)
        fail_msg("decode: %s", e.msg);
    daas_buf_fini(&env);
}

static void assert_decoded(const json_t *got, const char *want_s)
{
    json_t *want = kt_json(want_s);
    if (!json_equal(got, want)) {
        char *d = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("decoded: %s", d ? d : "(null)");
    }
    json_decref(want);
}

/* kubectl drain: Eviction{metadata{name, namespace}, deleteOptions{gracePeriodSeconds,
 * preconditions{resourceVersion}}}, in policy/v1 and policy/v1beta1. */
static void test_eviction_protobuf(void **state)
{
    (void)state;
    const char *avs[] = {"policy/v1", "policy/v1beta1"};
    for (int i = 0; i < 2; i++) {
        daas_buf meta = {0}, pre = {0}, del = {0}, ev = {0};
        put_len(&meta, 1, "p1", 2);
        put_len(&meta, 3, "default", 7);
        put_len(&pre, 2, "42", 2);
        put_int(&del, 1, 5);
        put_msg(&del, 2, &pre);
        put_msg(&ev, 1, &meta);
        put_msg(&ev, 2, &del);
        json_t *o = NULL;
        decode_enveloped(avs[i], "Eviction", &ev, &o);
        char want[512];
        snprintf(want, sizeof want,
                 "{\"apiVersion\":\"%s\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p1\","
                 "\"namespace\":\"default\"},\"deleteOptions\":{\"gracePeriodSeconds\":5,"
                 "\"preconditions\":{\"resourceVersion\":\"42\"}}}",
                 avs[i]);
        assert_decoded(o, want);
        json_decref(o);
    }
}

/* kubectl create pdb web --selector=app=web --min-available=50%. */
static void test_pdb_protobuf(void **state)
{
    (void)state;
    daas_buf meta = {0}, ios = {0}, entry = {0}, sel = {0}, spec = {0}, pdb = {0};
    put_len(&meta, 1, "web", 3);
    put_int(&ios, 1, 1);
    put_int(&ios, 2, 0);
    put_len(&ios, 3, "50%", 3);
    put_len(&entry, 1, "app", 3);
    put_len(&entry, 2, "web", 3);
    put_msg(&sel, 1, &entry);
    put_msg(&spec, 1, &ios);
    put_msg(&spec, 2, &sel);
    put_msg(&pdb, 1, &meta);
    put_msg(&pdb, 2, &spec);
    json_t *o = NULL;
    decode_enveloped("policy/v1", "PodDisruptionBudget", &pdb, &o);
    assert_decoded(o, "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":"
                      "{\"name\":\"web\"},\"spec\":{\"minAvailable\":\"50%\",\"selector\":{"
                      "\"matchLabels\":{\"app\":\"web\"}}}}");
    daas_kube_set_str(o, "metadata.namespace", "default");
    daas_kube_verr v = {0};
    kt_check(kt_kind("pdb"), o, NULL, &v);
    kt_assert_ncauses(&v, 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdb_names),      cmocka_unit_test(test_pdb_defaults),
        cmocka_unit_test(test_pdb_validation), cmocka_unit_test(test_pdb_status),
        cmocka_unit_test(test_pdb_rows),       cmocka_unit_test(test_eviction_protobuf),
        cmocka_unit_test(test_pdb_protobuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
