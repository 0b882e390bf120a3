/*
 * test_kind_apps.c: deployments and replicasets (defaults, selector/template validation,
 * Table rows with selector strings), daemonsets, controllerrevisions and leases.
 */
#include "kind_test.h"

#define DEPLOY(spec)                                                                               \
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"hello\","        \
    "\"namespace\":\"default\",\"creationTimestamp\":\"2026-11-21T02:28:13Z\"},\"spec\":" spec "}"
#define TEMPLATE                                                                                   \
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"hello\"}},\"spec\":{\"containers\":[{"      \
    "\"name\":\"web\",\"image\":\"nginx:1.27\"}]}}"

static void test_deployment_defaults(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("deploy");
    daas_kube_verr v = {0};
    json_t *o =
        kt_json(DEPLOY("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"}}," TEMPLATE "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 0);
    json_t *want = kt_json(
        "{\"replicas\":1,\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600,"
        "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\","
        "\"maxSurge\":\"25%\"}},\"selector\":{\"matchLabels\":{\"app\":\"hello\"}},\"template\":{"
        "\"metadata\":{\"labels\":{\"app\":\"hello\"}},\"spec\":{\"containers\":[{\"name\":"
        "\"web\",\"image\":\"nginx:1.27\",\"imagePullPolicy\":\"IfNotPresent\","
        "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":"
        "\"File\",\"resources\":{}}],\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\","
        "\"securityContext\":{},\"terminationGracePeriodSeconds\":30,\"schedulerName\":"
        "\"default-scheduler\"}}}");
    kt_assert_json_equal(json_object_get(o, "spec"), want, "spec");
    kt_assert_redefault(k, o, false);
    json_decref(want);
    json_decref(o);
    /* Recreate gets no rollingUpdate; given values are kept. */
    o = kt_json_valid(k,
                      DEPLOY("{\"replicas\":3,\"strategy\":{\"type\":\"Recreate\"},\"selector\":{"
                             "\"matchLabels\":{\"app\":\"hello\"}}," TEMPLATE "}"),
                      NULL);
    assert_int_equal(daas_kube_int(o, "spec.replicas", 0), 3);
    assert_null(daas_kube_path(o, "spec.strategy.rollingUpdate"));
    json_decref(o);
}

static void test_deployment_validation(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("deploy");
    daas_kube_verr v = {0};
    json_t *o = kt_json(DEPLOY("{" TEMPLATE "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.selector", "FieldValueRequired", "Required value");
    kt_assert_cause(&v, "spec.template.metadata.labels", "FieldValueInvalid",
                    "Invalid value: map[string]string{\"app\":\"hello\"}: `selector` does not "
                    "match template `labels`");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(DEPLOY(
        "{\"replicas\":-1,\"selector\":{\"matchLabels\":{\"app\":\"other\"}}," TEMPLATE "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.replicas", "FieldValueInvalid",
                    "Invalid value: -1: must be greater than or equal to 0");
    kt_assert_cause(&v, "spec.template.metadata.labels", "FieldValueInvalid",
                    "Invalid value: map[string]string{\"app\":\"hello\"}: `selector` does not "
                    "match template `labels`");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(DEPLOY("{\"selector\":{},\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":{"
                       "}}," TEMPLATE "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.selector", "FieldValueInvalid",
                    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is "
                    "invalid for deployment");
    kt_assert_cause(&v, "spec.strategy.rollingUpdate", "FieldValueForbidden",
                    "Forbidden: may not be specified when strategy `type` is 'Recreate'");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(DEPLOY("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"}},\"strategy\":{"
                       "\"rollingUpdate\":{\"maxUnavailable\":0,\"maxSurge\":\"0%\"}},"
                       "\"template\":{\"metadata\":{\"labels\":{\"app\":\"hello\"}},\"spec\":{"
                       "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"w\",\"image\":"
                       "\"x\"}]}}}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid",
                    "Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not "
                    "be 0 when `maxSurge` is 0");
    kt_assert_cause(&v, "spec.template.spec.restartPolicy", "FieldValueNotSupported",
                    "Unsupported value: \"Never\": supported values: \"Always\"");
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* Template containers are validated with their full path. */
    o = kt_json(DEPLOY("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"}},\"template\":{"
                       "\"metadata\":{\"labels\":{\"app\":\"hello\"}},\"spec\":{\"containers\":"
                       "[{\"name\":\"w\"}]}}}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.template.spec.containers[0].image", "FieldValueRequired",
                        "Required value");
    json_decref(o);
}

static void test_selector_immutable(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("deploy");
    daas_kube_verr v = {0};
    json_t *old =
        kt_json(DEPLOY("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"}}," TEMPLATE "}"));
    kt_check(k, old, NULL, &v);
    json_t *o = kt_json(
        DEPLOY("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"},\"matchExpressions\":[{\"key\":"
               "\"tier\",\"operator\":\"NotIn\",\"values\":[\"db\"]}]}," TEMPLATE "}"));
    kt_check(k, o, old, &v);
    kt_assert_one_cause(&v, "spec.selector", "FieldValueInvalid",
                        "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":"
                        "\"hello\"}, MatchExpressions:[]v1.LabelSelectorRequirement{"
                        "v1.LabelSelectorRequirement{Key:\"tier\", Operator:\"NotIn\", "
                        "Values:[]string{\"db\"}}}}: field is immutable");
    /* Same selector, new image: fine (replicasets too). */
    json_decref(o);
    o = json_deep_copy(old);
    json_object_set_new(json_array_get(daas_kube_path(o, "spec.template.spec.containers"), 0),
                        "image", json_string("nginx:2"));
    kt_check(k, o, old, &v);
    kt_assert_ncauses(&v, 0);
    json_decref(o);
    json_decref(old);
}

static void test_selector_expressions(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("rs");
    daas_kube_verr v = {0};
    json_t *o = kt_json_valid(
        k,
        "{\"metadata\":{\"name\":\"r\",\"namespace\":\"d\"},\"spec\":{\"selector\":{"
        "\"matchLabels\":{\"app\":\"hello\"},\"matchExpressions\":[{\"key\":\"tier\",\"operator\":"
        "\"In\",\"values\":[\"web\",\"api\"]},{\"key\":\"canary\",\"operator\":\"DoesNotExist\"}]},"
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"hello\",\"tier\":\"api\"}},\"spec\":{"
        "\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\",\"image\":\"y\"}]}}},"
        "\"status\":{\"replicas\":2,\"readyReplicas\":1}}",
        NULL);
    json_t *r = k->row(o, KT_NOW);
    assert_int_equal(kt_icell(r, 1), 1);
    assert_int_equal(kt_icell(r, 2), 2);
    assert_int_equal(kt_icell(r, 3), 1);
    KT_CELLS(r, [4] = "<unknown>", [5] = "a,b", [6] = "x,y");
    /* Sorted by key (labels.ByKey), not by the printed form. */
    assert_string_equal(kt_cell(r, 7), "app=hello,!canary,tier in (api,web)");
    json_decref(r);
    /* The template's tier no longer matches "in (api,web)". */
    json_object_set_new(daas_kube_path(o, "spec.template.metadata.labels"), "tier",
                        json_string("db"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.template.metadata.labels", "FieldValueInvalid",
                        "Invalid value: map[string]string{\"app\":\"hello\", \"tier\":\"db\"}: "
                        "`selector` does not match template `labels`");
    json_decref(o);
    /* Bad operators and value lists. */
    o = kt_json("{\"metadata\":{\"name\":\"r\",\"namespace\":\"d\"},\"spec\":{\"selector\":{"
                "\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"},{\"key\":\"b\","
                "\"operator\":\"Exists\",\"values\":[\"x\"]}]},\"template\":{\"spec\":{"
                "\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}");
    kt_check(k, o, NULL, &v);
    kt_assert_cause(&v, "spec.selector.matchExpressions[0].values", "FieldValueRequired",
                    "Required value: must be specified when `operator` is 'In' or 'NotIn'");
    kt_assert_cause(&v, "spec.selector.matchExpressions[1].values", "FieldValueForbidden",
                    "Forbidden: may not be specified when `operator` is 'Exists' or "
                    "'DoesNotExist'");
    kt_assert_cause(&v, "spec.selector", "FieldValueInvalid",
                    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                    "MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{"
                    "Key:\"a\", Operator:\"In\", Values:[]string(nil)}, "
                    "v1.LabelSelectorRequirement{Key:\"b\", Operator:\"Exists\", "
                    "Values:[]string{\"x\"}}}}: invalid label selector");
    kt_assert_ncauses(&v, 3);
    daas_kube_verr_fini(&v);
    json_decref(o);
}

static void test_rows(void **state)
{
    (void)state;
    json_t *o = kt_json(DEPLOY("{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":"
                               "\"hello\"}}," TEMPLATE "}"));
    json_object_set_new(o, "status",
                        json_pack("{s:i, s:i, s:i}", "readyReplicas", 2, "updatedReplicas", 3,
                                  "availableReplicas", 2));
    json_t *r = kt_kind("deploy")->row(o, KT_NOW);
    assert_int_equal(json_array_size(r), 8);
    assert_string_equal(kt_cell(r, 0), "hello");
    assert_string_equal(kt_cell(r, 1), "2/3");
    assert_int_equal(kt_icell(r, 2), 3);
    assert_int_equal(kt_icell(r, 3), 2);
    KT_CELLS(r, [4] = "120m", [5] = "web", [6] = "nginx:1.27", [7] = "app=hello");
    json_decref(r);
    json_object_del(o, "status");
    KT_ROW(kt_kind("deploy")->row(o, KT_NOW), [1] = "0/3");
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"r\"},\"spec\":{\"replicas\":0}}");
    r = kt_kind("rs")->row(o, KT_NOW);
    assert_int_equal(kt_icell(r, 1), 0);
    assert_string_equal(kt_cell(r, 5), "");
    assert_string_equal(kt_cell(r, 7), "<none>");
    json_decref(r);
    json_decref(o);
}

static void test_leases(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("leases");
    daas_kube_verr v = {0};
    json_t *o = kt_json_valid(k,
                              "{\"metadata\":{\"name\":\"node1\",\"namespace\":\"kube-node-lease\","
                              "\"creationTimestamp\":\"2026-11-21T04:28:12Z\"},\"spec\":{"
                              "\"holderIdentity\":\"node1\",\"leaseDurationSeconds\":40,"
                              "\"renewTime\":\"2026-11-21T04:28:12.000000Z\"}}",
                              NULL);
    KT_ROW(k->row(o, KT_NOW), [0] = "node1", [1] = "node1", [2] = "1s");
    json_object_set_new(json_object_get(o, "spec"), "leaseDurationSeconds", json_integer(0));
    json_object_set_new(json_object_get(o, "spec"), "leaseTransitions", json_integer(-2));
    json_object_del(json_object_get(o, "spec"), "holderIdentity");
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.leaseDurationSeconds", "FieldValueInvalid",
                    "Invalid value: 0: must be greater than 0");
    kt_assert_cause(&v, "spec.leaseTransitions", "FieldValueInvalid",
                    "Invalid value: -2: must be greater than or equal to 0");
    daas_kube_verr_fini(&v);
    KT_ROW(k->row(o, KT_NOW), [1] = "");
    json_decref(o);
}

#define DS(spec)                                                                                   \
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"agent\","         \
    "\"namespace\":\"default\",\"creationTimestamp\":\"2026-11-21T02:28:13Z\"},\"spec\":" spec "}"

static void test_daemonsets(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("ds");
    daas_kube_verr v = {0};
    assert_string_equal(k->kind, "DaemonSet");
    assert_ptr_equal(daas_kube_kind_by_name("daemonsets.apps"), k);
    json_t *o = kt_json_valid(
        k, DS("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"}}," TEMPLATE "}"), NULL);
    json_t *want = kt_json("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,"
                           "\"maxSurge\":0}}");
    kt_assert_json_equal(daas_kube_path(o, "spec.updateStrategy"), want, "updateStrategy");
    json_decref(want);
    assert_int_equal(daas_kube_int(o, "spec.revisionHistoryLimit", 0), 10);
    assert_string_equal(daas_kube_str(o, "spec.template.spec.restartPolicy"), "Always");
    kt_assert_redefault(k, o, true);
    json_object_set_new(o, "status",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "desiredNumberScheduled", 3,
                                  "currentNumberScheduled", 3, "numberReady", 2,
                                  "updatedNumberScheduled", 1, "numberAvailable", 2));
    daas_kube_set(o, "spec.template.spec.nodeSelector",
                  json_pack("{s:s, s:s}", "zone", "b", "disk", "ssd"));
    json_t *r = k->row(o, KT_NOW);
    assert_int_equal(json_array_size(r), 11);
    assert_int_equal(kt_icell(r, 1), 3);
    assert_int_equal(kt_icell(r, 2), 3);
    assert_int_equal(kt_icell(r, 3), 2);
    assert_int_equal(kt_icell(r, 4), 1);
    assert_int_equal(kt_icell(r, 5), 2);
    KT_CELLS(r, [0] = "agent", [6] = "disk=ssd,zone=b", [7] = "120m", [8] = "web",
             [9] = "nginx:1.27", [10] = "app=hello");
    json_decref(r);
    /* Updates: selector immutable. */
    json_t *o2 = json_deep_copy(o);
    daas_kube_set(o2, "spec.selector", json_pack("{s:{s:s}}", "matchLabels", "app", "x"));
    kt_check(k, o2, o, &v);
    assert_non_null(kt_cause(&v, "spec.selector"));
    daas_kube_verr_fini(&v);
    json_decref(o2);
    json_decref(o);
    json_object_del(o = kt_json("{\"metadata\":{\"name\":\"e\"}}"), "spec");
    KT_ROW(k->row(o, KT_NOW), [6] = "<none>", [10] = "<none>");
    json_decref(o);
    /* Validation wording. */
    o = kt_json(DS("{\"selector\":{\"matchLabels\":{\"app\":\"other\"}},\"updateStrategy\":{"
                   "\"rollingUpdate\":{\"maxUnavailable\":0}},\"template\":{\"metadata\":{"
                   "\"labels\":{\"app\":\"hello\"}},\"spec\":{\"restartPolicy\":\"Never\","
                   "\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 3);
    kt_assert_cause(&v, "spec.template.metadata.labels", "FieldValueInvalid",
                    "Invalid value: map[string]string{\"app\":\"hello\"}: `selector` does not "
                    "match template `labels`");
    kt_assert_cause(&v, "spec.template.spec.restartPolicy", "FieldValueNotSupported",
                    "Unsupported value: \"Never\": supported values: \"Always\"");
    kt_assert_cause(&v, "spec.updateStrategy.rollingUpdate.maxUnavailable", "FieldValueRequired",
                    "Required value: cannot be 0 when maxSurge is 0");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(DS("{\"selector\":{},\"updateStrategy\":{\"type\":\"Sometimes\"}," TEMPLATE "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.selector", "FieldValueInvalid",
                    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is "
                    "invalid for daemonset");
    kt_assert_cause(&v, "spec.updateStrategy", "FieldValueNotSupported",
                    "Unsupported value: \"Sometimes\": supported values: \"RollingUpdate\", "
                    "\"OnDelete\"");
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* No selector: nothing matches (no Required cause); both surge and unavailable set;
     * activeDeadlineSeconds. */
    o = kt_json(DS("{\"updateStrategy\":{\"rollingUpdate\":{\"maxUnavailable\":\"20%\","
                   "\"maxSurge\":1}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"a\"}},"
                   "\"spec\":{\"activeDeadlineSeconds\":5,\"containers\":[{\"name\":\"c\","
                   "\"image\":\"x\"}]}}}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 3);
    kt_assert_cause(&v, "spec.template.metadata.labels", "FieldValueInvalid",
                    "Invalid value: map[string]string{\"app\":\"a\"}: `selector` does not match "
                    "template `labels`");
    kt_assert_cause(&v, "spec.updateStrategy.rollingUpdate.maxSurge", "FieldValueInvalid",
                    "Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:\"\"}: may not be "
                    "set when maxUnavailable is non-zero");
    kt_assert_cause(&v, "spec.template.spec.activeDeadlineSeconds", "FieldValueForbidden",
                    "Forbidden: activeDeadlineSeconds in DaemonSet is not Supported");
    daas_kube_verr_fini(&v);
    json_decref(o);
}

static void test_controllerrevisions(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("controllerrevisions");
    daas_kube_verr v = {0};
    assert_string_equal(k->group, "apps");
    assert_null(k->short_names[0]);
    json_t *o =
        kt_json_valid(k,
                      "{\"metadata\":{\"name\":\"agent-5d8f\",\"namespace\":\"default\","
                      "\"creationTimestamp\":\"2026-11-21T04:27:13Z\",\"ownerReferences\":[{"
                      "\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"agent\","
                      "\"uid\":\"u\",\"controller\":true}]},\"data\":{\"spec\":{}},"
                      "\"revision\":2}",
                      NULL);
    KT_ROW(k->row(o, KT_NOW), [0] = "agent-5d8f", [1] = "daemonset.apps/agent", [3] = "60s");
    json_t *r = k->row(o, KT_NOW);
    assert_int_equal(kt_icell(r, 2), 2);
    json_decref(r);
    json_t *o2 = json_deep_copy(o);
    json_object_set_new(o2, "data", json_pack("{s:i}", "x", 1));
    daas_kube_set(o2, "revision", json_integer(-1));
    kt_check(k, o2, o, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "revision", "FieldValueInvalid",
                    "Invalid value: -1: must be greater than or equal to 0");
    assert_non_null(kt_cause(&v, "data"));
    daas_kube_verr_fini(&v);
    json_decref(o2);
    json_object_del(o, "data");
    json_array_clear(daas_kube_path(o, "metadata.ownerReferences"));
    KT_ROW(k->row(o, KT_NOW), [1] = "<none>");
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "data", "FieldValueRequired", "Required value: data is mandatory");
    json_decref(o);
}

/* Status writes: the counters are >= 0 (upstream's Validate*Status), for every workload kind. */
static void test_status_counters(void **state)
{
    (void)state;
    static const char *const cases[][2] = {{"deploy", "availableReplicas"},
                                           {"deploy", "collisionCount"},
                                           {"rs", "readyReplicas"},
                                           {"ds", "numberReady"},
                                           {"ds", "desiredNumberScheduled"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const daas_kube_kind *k = kt_kind(cases[i][0]);
        daas_kube_verr v = {0};
        json_t *o = kt_json(DEPLOY("{\"selector\":{\"matchLabels\":{\"app\":\"hello\"}}," TEMPLATE "}"));
        kt_check(k, o, NULL, &v);
        kt_assert_ncauses(&v, 0);
        daas_kube_verr_fini(&v);
        json_object_set_new(o, "status", json_pack("{s:i}", cases[i][1], -3));
        kt_check(k, o, NULL, &v); /* the main resource's rules do not judge status */
        kt_assert_ncauses(&v, 0);
        assert_non_null(k->validate_status);
        k->validate_status(o, o, &v);
        char field[64];
        snprintf(field, sizeof field, "status.%s", cases[i][1]);
        kt_assert_one_cause(&v, field, "FieldValueInvalid",
                            "Invalid value: -3: must be greater than or equal to 0");
        daas_kube_verr_fini(&v);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployment_defaults),
        cmocka_unit_test(test_deployment_validation),
        cmocka_unit_test(test_selector_immutable),
        cmocka_unit_test(test_selector_expressions),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_leases),
        cmocka_unit_test(test_daemonsets),
        cmocka_unit_test(test_controllerrevisions),
        cmocka_unit_test(test_status_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
