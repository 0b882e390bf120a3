/*
 * test_kind_batch.c: batch/v1 jobs: defaults (generated selector and labels, parallelism and
 * completions, backoffLimit, podReplacementPolicy), validation wording, update immutability,
 * Table rows (STATUS from conditions, COMPLETIONS, DURATION), discovery names, and the
 * protobuf body `kubectl create job` sends (pb_vectors/job_j1.pb) decoded and defaulted.
 */
#include "kind_test.h"

#include <stdio.h>

#include "common/alloc.h"
#include "kube/pb.h"

#define UID "0f6e1c3a-7d1b-4d7e-9a55-3c1f0b1d2e3f"
#define JOB(spec)                                                                                  \
    "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"j\",\"namespace\":"    \
    "\"default\",\"uid\":\"" UID                                                                   \
    "\",\"creationTimestamp\":\"2026-11-21T04:18:13Z\"},\"spec\":" spec "}"
#define TMPL(rp)                                                                                   \
    "\"template\":{\"spec\":{\"containers\":[{\"name\":\"j\",\"image\":\"busybox\"}]" rp "}}"

static void test_job_names(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("jobs");
    assert_string_equal(k->group, "batch");
    assert_string_equal(k->kind, "Job");
    assert_true(k->namespaced);
    assert_true(k->subresources & DAAS_KUBE_SUB_STATUS);
    assert_false(k->subresources & DAAS_KUBE_SUB_SCALE);
    assert_ptr_equal(daas_kube_kind_by_name("jobs.batch"), k);
    assert_ptr_equal(daas_kube_kind_by_kind("batch", "v1", "Job"), k);
    assert_int_equal(k->ncolumns, 8);
    const char *want[] = {"Name", "Status", "Completions", "Duration", "Age"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(k->columns[i].name, want[i]);
    assert_int_equal(k->columns[5].priority, 1);
}

static void test_job_defaults(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("job");
    json_t *o = kt_json_valid(k, JOB("{" TMPL(",\"restartPolicy\":\"Never\"") "}"), NULL);
    json_t *want_sel =
        json_pack("{s:{s:s}}", "matchLabels", "batch.kubernetes.io/controller-uid", UID);
    kt_assert_json_equal(daas_kube_path(o, "spec.selector"), want_sel, "selector");
    json_t *want_labels =
        json_pack("{s:s, s:s, s:s, s:s}", "batch.kubernetes.io/controller-uid", UID,
                  "controller-uid", UID, "batch.kubernetes.io/job-name", "j", "job-name", "j");
    kt_assert_json_equal(daas_kube_path(o, "spec.template.metadata.labels"), want_labels,
                         "template labels");
    kt_assert_json_equal(daas_kube_path(o, "metadata.labels"), want_labels, "job labels");
    assert_int_equal(daas_kube_int(o, "spec.parallelism", 0), 1);
    assert_int_equal(daas_kube_int(o, "spec.completions", 0), 1);
    assert_int_equal(daas_kube_int(o, "spec.backoffLimit", 0), 6);
    assert_string_equal(daas_kube_str(o, "spec.completionMode"), "NonIndexed");
    assert_true(json_is_false(daas_kube_path(o, "spec.suspend")));
    assert_string_equal(daas_kube_str(o, "spec.podReplacementPolicy"), "TerminatingOrFailed");
    assert_null(daas_kube_path(o, "spec.manualSelector"));
    assert_string_equal(daas_kube_str(o, "spec.template.spec.dnsPolicy"), "ClusterFirst");
    kt_assert_redefault(k, o, true);
    json_decref(o);
    json_decref(want_sel);
    json_decref(want_labels);
    /* Only parallelism set: completions stays unset; user labels are kept on the job. */
    o = kt_json_valid(
        k,
        "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\",\"uid\":\"u1\","
        "\"labels\":{\"team\":\"a\"}},\"spec\":{\"parallelism\":3,"
        "\"backoffLimitPerIndex\":1,\"completionMode\":\"Indexed\",\"completions\":"
        "4,\"podFailurePolicy\":{\"rules\":[{\"action\":\"Ignore\",\"onPodConditions\""
        ":[{\"type\":\"DisruptionTarget\"}]}]}," TMPL(",\"restartPolicy\":\"Never\"") "}}",
        NULL);
    assert_int_equal(daas_kube_int(o, "spec.parallelism", 0), 3);
    assert_int_equal(daas_kube_int(o, "spec.backoffLimit", 0), 2147483647);
    assert_string_equal(daas_kube_str(o, "spec.podReplacementPolicy"), "Failed");
    json_t *rule = json_array_get(daas_kube_path(o, "spec.podFailurePolicy.rules"), 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(rule, "onPodConditions"), 0), "status")),
                        "True");
    assert_string_equal(daas_kube_str(o, "metadata.labels.team"), "a");
    assert_null(daas_kube_path(o, "metadata.labels.job-name"));
    json_decref(o);
    o = kt_json_valid(k, JOB("{\"parallelism\":2," TMPL(",\"restartPolicy\":\"OnFailure\"") "}"),
                      NULL);
    assert_null(daas_kube_path(o, "spec.completions"));
    json_decref(o);
    /* manualSelector: nothing generated; the user's selector must be given. */
    o = kt_json_valid(k,
                      JOB("{\"manualSelector\":true,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
                          "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
                          "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
                          "\"image\":\"x\"}]}}}"),
                      NULL);
    assert_int_equal(json_object_size(daas_kube_path(o, "spec.template.metadata.labels")), 1);
    assert_int_equal(json_object_size(daas_kube_path(o, "spec.selector.matchLabels")), 1);
    json_decref(o);
}

static void test_job_validation(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("job");
    daas_kube_verr v = {0};
    json_t *o = kt_json(JOB("{" TMPL("") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.template.spec.restartPolicy", "FieldValueRequired",
                        "Required value: valid values: \"OnFailure\", \"Never\"");
    json_decref(o);
    o = kt_json(JOB("{\"parallelism\":-1,\"backoffLimit\":-2,\"completionMode\":\"X\"," TMPL(
        ",\"restartPolicy\":\"Never\"") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 3);
    kt_assert_cause(&v, "spec.parallelism", "FieldValueInvalid",
                    "Invalid value: -1: must be greater than or equal to 0");
    kt_assert_cause(&v, "spec.backoffLimit", "FieldValueInvalid",
                    "Invalid value: -2: must be greater than or equal to 0");
    kt_assert_cause(&v, "spec.completionMode", "FieldValueNotSupported",
                    "Unsupported value: \"X\": supported values: \"NonIndexed\", \"Indexed\"");
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* manualSelector without a selector; then one that misses the template labels. */
    o = kt_json(JOB("{\"manualSelector\":true," TMPL(",\"restartPolicy\":\"Never\"") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.selector", "FieldValueRequired", "Required value");
    json_decref(o);
    o = kt_json(JOB("{\"selector\":{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":"
                    "\"other\"}}," TMPL(",\"restartPolicy\":\"Never\"") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    json_t *c = kt_cause(&v, "spec.template.metadata.labels");
    assert_non_null(c);
    assert_non_null(strstr(json_string_value(json_object_get(c, "message")),
                           "`selector` does not match template `labels`"));
    kt_assert_cause(&v, "spec.selector", "FieldValueInvalid",
                    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"
                    "\"batch.kubernetes.io/controller-uid\":\"other\"}, "
                    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not "
                    "auto-generated");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(JOB("{\"completionMode\":\"Indexed\",\"parallelism\":2," TMPL(
        ",\"restartPolicy\":\"Always\"") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.completions", "FieldValueRequired",
                    "Required value: when completion mode is Indexed");
    daas_kube_verr_fini(&v);
    json_decref(o);
}

/* The status counters are >= 0 (upstream's validateJobStatus). */
static void test_job_status_counters(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("job");
    daas_kube_verr v = {0};
    json_t *o = kt_json(JOB("{" TMPL(",\"restartPolicy\":\"Never\"") "}"));
    json_object_set_new(o, "status", json_pack("{s:i,s:i}", "succeeded", -1, "active", 2));
    assert_int_equal(kt_check(k, o, NULL, &v), 0); /* the main resource's rules */
    assert_non_null(k->validate_status);
    k->validate_status(o, o, &v);
    kt_assert_one_cause(&v, "status.succeeded", "FieldValueInvalid",
                        "Invalid value: -1: must be greater than or equal to 0");
    daas_kube_verr_fini(&v);
    json_decref(o);
}

static void test_job_validation_more(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("job");
    daas_kube_verr v = {0};
    /* A user label job-name that is not the job's name. */
    json_t *o = kt_json(JOB("{\"template\":{\"metadata\":{\"labels\":{\"job-name\":\"x\"}},"
                            "\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":"
                            "\"c\",\"image\":\"x\"}]}}}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 1);
    json_t *c = kt_cause(&v, "spec.template.metadata.labels[job-name]");
    assert_non_null(c);
    assert_non_null(strstr(json_string_value(json_object_get(c, "message")), ": must be 'j'"));
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* podFailurePolicy: Never only, replacement policy Failed only. */
    o = kt_json(JOB("{\"podReplacementPolicy\":\"TerminatingOrFailed\",\"podFailurePolicy\":{"
                    "\"rules\":[]}," TMPL(",\"restartPolicy\":\"OnFailure\"") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "spec.podReplacementPolicy", "FieldValueNotSupported",
                    "Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\"");
    kt_assert_cause(&v, "spec.template.spec.restartPolicy", "FieldValueInvalid",
                    "Invalid value: \"OnFailure\": only \"Never\" is supported when "
                    "podFailurePolicy is specified");
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(JOB("{\"backoffLimitPerIndex\":2," TMPL(",\"restartPolicy\":\"Never\"") "}"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.backoffLimitPerIndex", "FieldValueInvalid",
                        "Invalid value: 2: requires indexed completion mode");
    json_decref(o);
}

static void test_job_update(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("job");
    daas_kube_verr v = {0};
    json_t *old = kt_json_valid(k, JOB("{" TMPL(",\"restartPolicy\":\"Never\"") "}"), NULL);
    json_object_set_new(old, "status", json_pack("{s:s}", "startTime", "2026-11-21T04:18:14Z"));
    /* Same spec (defaults re-run as an update): fine; parallelism and ttl may change. */
    json_t *o = json_deep_copy(old);
    daas_kube_set(o, "spec.parallelism", json_integer(3));
    daas_kube_set(o, "spec.ttlSecondsAfterFinished", json_integer(60));
    kt_check(k, o, old, &v);
    kt_assert_ncauses(&v, 0);
    json_decref(o);
    o = json_deep_copy(old);
    daas_kube_set(o, "spec.completions", json_integer(5));
    json_object_set_new(json_array_get(daas_kube_path(o, "spec.template.spec.containers"), 0),
                        "image", json_string("busybox:2"));
    daas_kube_set(o, "spec.selector", json_pack("{s:{s:s}}", "matchLabels", "a", "b"));
    kt_check(k, o, old, &v);
    kt_assert_ncauses(&v, 4);
    kt_assert_cause(&v, "spec.completions", "FieldValueInvalid",
                    "Invalid value: 5: field is immutable");
    assert_non_null(kt_cause(&v, "spec.template"));
    kt_assert_cause(&v, "spec.selector", "FieldValueInvalid",
                    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"a\":\"b\"}, "
                    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
    assert_non_null(kt_cause(&v, "spec.template.metadata.labels"));
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* A suspended job that never started may change its template. */
    daas_kube_set(old, "spec.suspend", json_true());
    json_object_del(old, "status");
    o = json_deep_copy(old);
    daas_kube_set_str(o, "spec.template.spec.nodeName", "n1");
    kt_check(k, o, old, &v);
    kt_assert_ncauses(&v, 0);
    json_decref(o);
    json_decref(old);
}

static void test_job_rows(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("job");
    json_t *o = kt_json_valid(k, JOB("{" TMPL(",\"restartPolicy\":\"Never\"") "}"), NULL);
    json_t *r = k->row(o, KT_NOW);
    assert_int_equal(json_array_size(r), 8);
    KT_CELLS(r, "j", "Running", "0/1", "", "10m", "j", "busybox",
             "batch.kubernetes.io/controller-uid=" UID);
    json_decref(r);
    json_object_set_new(o, "status",
                        kt_json("{\"succeeded\":1,\"startTime\":\"2026-11-21T04:18:13Z\","
                                "\"completionTime\":\"2026-11-21T04:18:20Z\",\"conditions\":[{"
                                "\"type\":\"SuccessCriteriaMet\",\"status\":\"True\"},{"
                                "\"type\":\"Complete\",\"status\":\"True\"}]}"));
    KT_ROW(k->row(o, KT_NOW), "j", "Complete", "1/1", "7s");
    json_object_set_new(o, "status",
                        kt_json("{\"failed\":7,\"startTime\":\"2026-11-21T04:18:13Z\","
                                "\"conditions\":[{\"type\":\"Failed\",\"status\":\"True\"}]}"));
    KT_ROW(k->row(o, KT_NOW), [1] = "Failed", [3] = "10m");
    json_object_set_new(o, "status",
                        kt_json("{\"conditions\":[{\"type\":\"Suspended\",\"status\":"
                                "\"True\"},{\"type\":\"Complete\",\"status\":\"False\"}]}"));
    KT_ROW(k->row(o, KT_NOW), [1] = "Suspended", [3] = "");
    daas_kube_set_str(o, "metadata.deletionTimestamp", "2026-11-21T04:20:00Z");
    KT_ROW(k->row(o, KT_NOW), [1] = "Terminating");
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"parallelism\":4},\"status\":{"
                "\"succeeded\":2}}");
    KT_ROW(k->row(o, KT_NOW), [2] = "2/1 of 4", [4] = "<unknown>", [7] = "<none>");
    json_decref(o);
}

/* pb_vectors/job_j1.pb: kubectl 1.32 `create job j1 --image=busybox -- echo hi`, recorded. */
static void test_job_protobuf(void **state)
{
    (void)state;
    const char *slash = strrchr(__FILE__, '/');
    char path[4096];
    uint8_t data[4096];
    snprintf(path, sizeof path, "%.*s/pb_vectors/job_j1.pb", slash ? (int)(slash - __FILE__) : 1,
             slash ? __FILE__ : ".");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    json_t *o = NULL;
    daas_err err = {0};
    assert_int_equal(daas_kube_pb_decode(DAAS_BYTES(data, n), &o, &err), DAAS_OK);
    /* Empty messages of non-pointer fields are left out (pb.h). */
    json_t *want = kt_json("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":"
                           "\"j1\"},\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":"
                           "\"j1\",\"image\":\"busybox\",\"command\":[\"echo\",\"hi\"]}],"
                           "\"restartPolicy\":\"Never\"}}}}");
    if (!json_equal(o, want)) {
        char got[1024];
        size_t w = json_dumpb(o, got, sizeof got - 1, JSON_SORT_KEYS);
        got[w < sizeof got ? w : sizeof got - 1] = '\0';
        fail_msg("decoded: %s", got);
    }
    json_decref(want);
    /* Create it as the API would: uid first, then defaults and validation. */
    daas_kube_set_str(o, "metadata.uid", UID);
    daas_kube_set_str(o, "metadata.namespace", "default");
    daas_kube_verr v = {0};
    kt_check(kt_kind("jobs"), o, NULL, &v);
    kt_assert_ncauses(&v, 0);
    assert_string_equal(daas_kube_str(o, "spec.template.metadata.labels.job-name"), "j1");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_names),      cmocka_unit_test(test_job_defaults),
        cmocka_unit_test(test_job_validation), cmocka_unit_test(test_job_validation_more),
        cmocka_unit_test(test_job_status_counters),
        cmocka_unit_test(test_job_update),     cmocka_unit_test(test_job_rows),
        cmocka_unit_test(test_job_protobuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
