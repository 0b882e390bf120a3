/*
 * test_kind_pod.c: pod defaults (complete, idempotent), QoS, Table rows (READY, STATUS,
 * RESTARTS as upstream printPod), validation on create and update.
 */
#include "kind_test.h"

#include <stdio.h>

#include "common/alloc.h"

#define POD(spec)                                                                                  \
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"namespace\":"        \
    "\"default\",\"creationTimestamp\":\"2026-11-21T04:23:13Z\"},\"spec\":" spec "}"

static json_t *defaulted(const char *lit)
{
    json_t *o = kt_json(lit);
    kt_kind("pods")->defaults(o, NULL);
    return o;
}

static void test_defaults_complete(void **state)
{
    (void)state;
    json_t *o = defaulted(POD(
        "{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\",\"ports\":[{\"containerPort\":"
        "80}],\"env\":[{\"name\":\"N\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
        "\"metadata.name\"}}}],\"livenessProbe\":{\"httpGet\":{\"port\":80}}}]}"));
    json_t *want = kt_json(
        "{\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\",\"schedulerName\":"
        "\"default-scheduler\",\"terminationGracePeriodSeconds\":30,\"enableServiceLinks\":true,"
        "\"securityContext\":{},\"serviceAccountName\":\"default\",\"serviceAccount\":"
        "\"default\",\"priority\":0,\"preemptionPolicy\":\"PreemptLowerPriority\","
        "\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
        "\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":"
        "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
        "\"tolerationSeconds\":300}],\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\","
        "\"imagePullPolicy\":\"IfNotPresent\",\"terminationMessagePath\":"
        "\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\",\"resources\":{},"
        "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"N\","
        "\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\",\"apiVersion\":\"v1\"}}}],"
        "\"livenessProbe\":{\"httpGet\":{\"port\":80,\"path\":\"/\",\"scheme\":\"HTTP\"},"
        "\"timeoutSeconds\":1,\"periodSeconds\":10,\"successThreshold\":1,"
        "\"failureThreshold\":3}}]}");
    kt_assert_json_equal(json_object_get(o, "spec"), want, "defaulted spec differs");
    assert_string_equal(daas_kube_str(o, "status.phase"), "Pending");
    assert_string_equal(daas_kube_str(o, "status.qosClass"), "BestEffort");
    /* Idempotent on create and on update. */
    kt_assert_redefault(kt_kind("pods"), o, true);
    json_decref(want);
    json_decref(o);
}

static const char *pull_policy(const char *image)
{
    static char out[32];
    char lit[256];
    snprintf(lit, sizeof lit, POD("{\"containers\":[{\"name\":\"c\",\"image\":\"%s\"}]}"), image);
    json_t *o = defaulted(lit);
    snprintf(out, sizeof out, "%s",
             json_string_value(json_object_get(
                 json_array_get(daas_kube_path(o, "spec.containers"), 0), "imagePullPolicy")));
    json_decref(o);
    return out;
}

static void test_pull_policy(void **state)
{
    (void)state;
    assert_string_equal(pull_policy("nginx"), "Always");
    assert_string_equal(pull_policy("nginx:latest"), "Always");
    assert_string_equal(pull_policy("nginx:1.27"), "IfNotPresent");
    assert_string_equal(pull_policy("localhost:5000/nginx"), "Always");
    assert_string_equal(pull_policy("localhost:5000/nginx:v2"), "IfNotPresent");
    assert_string_equal(pull_policy("nginx@sha256:abcd"), "IfNotPresent");
    assert_string_equal(pull_policy("nginx:latest@sha256:abcd"), "Always");
}

static void test_defaults_keep_given_and_update(void **state)
{
    (void)state;
    json_t *o = kt_json(POD("{\"restartPolicy\":\"Never\",\"serviceAccountName\":\"bot\","
                            "\"tolerations\":[{\"operator\":\"Exists\"}],\"containers\":[{"
                            "\"name\":\"c\",\"image\":\"x\",\"imagePullPolicy\":\"Never\"}]}"));
    kt_kind("pods")->defaults(o, NULL);
    assert_string_equal(daas_kube_str(o, "spec.restartPolicy"), "Never");
    assert_string_equal(daas_kube_str(o, "spec.serviceAccountName"), "bot");
    assert_string_equal(daas_kube_str(o, "spec.serviceAccount"), "bot");
    /* A catch-all toleration already covers not-ready and unreachable. */
    assert_int_equal(json_array_size(daas_kube_path(o, "spec.tolerations")), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(daas_kube_path(o, "spec.containers"), 0),
                                          "imagePullPolicy")),
        "Never");
    json_decref(o);
    /* An empty string is unset, as in Go. */
    o = kt_json(POD("{\"restartPolicy\":\"\",\"dnsPolicy\":\"\",\"containers\":[{\"name\":\"c\","
                    "\"image\":\"x:1\",\"imagePullPolicy\":\"\",\"ports\":[{\"containerPort\":1,"
                    "\"protocol\":\"\"}]}]}"));
    kt_kind("pods")->defaults(o, NULL);
    assert_string_equal(daas_kube_str(o, "spec.restartPolicy"), "Always");
    assert_string_equal(daas_kube_str(o, "spec.dnsPolicy"), "ClusterFirst");
    json_t *c0 = json_array_get(daas_kube_path(o, "spec.containers"), 0);
    assert_string_equal(daas_kube_str(c0, "imagePullPolicy"), "IfNotPresent");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(c0, "ports"), 0), "protocol")),
                        "TCP");
    json_decref(o);
    /* On update, no tolerations and no status are added. */
    json_t *old = defaulted(POD("{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}"));
    o = kt_json(POD("{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}"));
    kt_kind("pods")->defaults(o, old);
    assert_null(daas_kube_path(o, "spec.tolerations"));
    assert_null(daas_kube_path(o, "status"));
    json_decref(o);
    json_decref(old);
}

static const char *qos(const char *containers)
{
    static char out[32];
    char lit[1024];
    snprintf(lit, sizeof lit, POD("{\"containers\":%s}"), containers);
    json_t *o = defaulted(lit);
    snprintf(out, sizeof out, "%s", daas_kube_str(o, "status.qosClass"));
    json_decref(o);
    return out;
}

static void test_qos(void **state)
{
    (void)state;
    assert_string_equal(qos("[{\"name\":\"a\",\"image\":\"x\"}]"), "BestEffort");
    assert_string_equal(
        qos("[{\"name\":\"a\",\"image\":\"x\",\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]"),
        "Burstable");
    /* Limits only: requests default to limits → Guaranteed. */
    assert_string_equal(qos("[{\"name\":\"a\",\"image\":\"x\",\"resources\":{\"limits\":{"
                            "\"cpu\":\"0.5\",\"memory\":\"128Mi\"}}}]"),
                        "Guaranteed");
    /* Equal quantities written differently still match. */
    assert_string_equal(qos("[{\"name\":\"a\",\"image\":\"x\",\"resources\":{\"limits\":{"
                            "\"cpu\":\"500m\",\"memory\":\"134217728\"},\"requests\":{\"cpu\":"
                            "\"0.5\",\"memory\":\"128Mi\"}}}]"),
                        "Guaranteed");
    assert_string_equal(qos("[{\"name\":\"a\",\"image\":\"x\",\"resources\":{\"limits\":{"
                            "\"cpu\":1,\"memory\":\"1Gi\"},\"requests\":{\"cpu\":\"500m\"}}}]"),
                        "Burstable");
    /* One container without limits makes the pod Burstable. */
    assert_string_equal(qos("[{\"name\":\"a\",\"image\":\"x\",\"resources\":{\"limits\":{"
                            "\"cpu\":1,\"memory\":\"1Gi\"}}},{\"name\":\"b\",\"image\":\"x\"}]"),
                        "Burstable");
    /* Only cpu/memory count. */
    assert_string_equal(qos("[{\"name\":\"a\",\"image\":\"x\",\"resources\":{\"requests\":{"
                            "\"ephemeral-storage\":\"1Gi\"}}}]"),
                        "BestEffort");
}

/* ------------------------------------------------------------------ rows */

static json_t *pod_row(const char *status, const char *extra_meta)
{
    char *lit =
        daas_xasprintf("{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":"
                       "\"2026-11-21T04:23:13Z\"%s},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{"
                       "\"name\":\"a\"},{\"name\":\"b\"}]},\"status\":%s}",
                       extra_meta, status);
    json_t *o = kt_json(lit);
    daas_free(lit);
    json_t *row = kt_kind("pods")->row(o, KT_NOW);
    json_decref(o);
    return row;
}

static void test_row_running(void **state)
{
    (void)state;
    json_t *r = pod_row(
        "{\"phase\":\"Running\",\"podIP\":\"10.42.0.7\",\"podIPs\":[{\"ip\":\"10.42.0.7\"}],"
        "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"restartCount\":0,\"state\":{"
        "\"running\":{}}},{\"name\":\"b\",\"ready\":false,\"restartCount\":0,\"state\":{"
        "\"running\":{}}}]}",
        "");
    assert_int_equal(json_array_size(r), 9);
    KT_CELLS(r, [0] = "web", [1] = "1/2", [2] = "Running", [3] = "0", [4] = "5m", [5] = "10.42.0.7",
             [6] = "n1", [7] = "<none>", [8] = "<none>");
    json_decref(r);
}

static void test_row_crashloop(void **state)
{
    (void)state;
    /* Restarts show "N (age ago)" from the latest lastState.terminated.finishedAt. */
    KT_ROW(
        pod_row(
            "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,"
            "\"restartCount\":1,\"state\":{\"running\":{}},\"lastState\":{\"terminated\":{"
            "\"exitCode\":1,\"finishedAt\":\"2026-11-21T04:20:13Z\"}}},{\"name\":\"b\",\"ready\":"
            "false,\"restartCount\":3,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},"
            "\"lastState\":{\"terminated\":{\"exitCode\":1,\"finishedAt\":"
            "\"2026-11-21T04:26:13Z\"}}}]}",
            ""),
        [1] = "1/2", [2] = "CrashLoopBackOff", [3] = "4 (2m ago)", [5] = "<none>");
    /* Restarts without a termination time print as a bare number. */
    KT_ROW(pod_row("{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"a\",\"restartCount\":"
                   "2,\"state\":{\"terminated\":{\"exitCode\":137,\"signal\":9}}}]}",
                   ""),
           [2] = "Signal:9", [3] = "2");
    KT_ROW(pod_row("{\"phase\":\"Failed\",\"containerStatuses\":[{\"name\":\"a\",\"state\":{"
                   "\"terminated\":{\"exitCode\":2}}}]}",
                   ""),
           [2] = "ExitCode:2");
}

static void test_row_terminating_pending_completed(void **state)
{
    (void)state;
    KT_ROW(pod_row("{\"phase\":\"Running\"}", ",\"deletionTimestamp\":\"2026-11-21T04:28:00Z\""),
           [2] = "Terminating");
    KT_ROW(pod_row("{\"phase\":\"Succeeded\"}", ",\"deletionTimestamp\":\"2026-11-21T04:28:00Z\""),
           [2] = "Succeeded");
    KT_ROW(pod_row("{\"phase\":\"Running\",\"reason\":\"NodeLost\"}",
                   ",\"deletionTimestamp\":\"2026-11-21T04:28:00Z\""),
           [2] = "Unknown");
    KT_ROW(pod_row("{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"a\",\"state\":{"
                   "\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}",
                   ""),
           [1] = "0/2", [2] = "ContainerCreating");
    KT_ROW(pod_row("{\"phase\":\"Pending\"}", ""), [2] = "Pending");
    /* A completed container next to a running one: Running when the pod is Ready. */
    KT_ROW(
        pod_row("{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],"
                "\"containerStatuses\":[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}},"
                "{\"name\":\"b\",\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":"
                "\"Completed\"}}}]}",
                ""),
        [2] = "Running");
    KT_ROW(pod_row("{\"phase\":\"Running\",\"reason\":\"Evicted\"}", ""), [2] = "Evicted");
    KT_ROW(pod_row("{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":"
                   "\"False\",\"reason\":\"SchedulingGated\"}]}",
                   ""),
           [2] = "SchedulingGated");
}

static void test_row_init_and_gates(void **state)
{
    (void)state;
    json_t *o = kt_json(
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"readinessGates\":[{\"conditionType\":\"g1\"},"
        "{\"conditionType\":\"g2\"}],\"initContainers\":[{\"name\":\"i1\"},{\"name\":\"i2\"}],"
        "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\",\"conditions\":["
        "{\"type\":\"g1\",\"status\":\"True\"}],\"initContainerStatuses\":[{\"name\":\"i1\","
        "\"state\":{\"terminated\":{\"exitCode\":0}}},{\"name\":\"i2\",\"state\":{\"running\":"
        "{}}}]}}");
    KT_ROW(kt_kind("pods")->row(o, KT_NOW), [2] = "Init:1/2", [4] = "<unknown>", [8] = "1/2");
    json_t *st = json_array_get(daas_kube_path(o, "status.initContainerStatuses"), 1);
    json_object_set_new(st, "state",
                        json_pack("{s:{s:s}}", "waiting", "reason", "ImagePullBackOff"));
    KT_ROW(kt_kind("pods")->row(o, KT_NOW), [2] = "Init:ImagePullBackOff");
    json_object_set_new(st, "state", json_pack("{s:{s:i}}", "terminated", "exitCode", 3));
    KT_ROW(kt_kind("pods")->row(o, KT_NOW), [2] = "Init:ExitCode:3");
    /* A started sidecar (restartable init container) counts in READY. */
    json_object_set_new(json_array_get(daas_kube_path(o, "spec.initContainers"), 1),
                        "restartPolicy", json_string("Always"));
    json_object_set_new(st, "state", json_pack("{s:{}}", "running"));
    json_object_set_new(st, "started", json_true());
    json_object_set_new(st, "ready", json_true());
    KT_ROW(kt_kind("pods")->row(o, KT_NOW), [1] = "1/2", [2] = "Pending");
    json_decref(o);
}

/* ------------------------------------------------------------ validation */

static void test_validate_ok(void **state)
{
    (void)state;
    json_t *o =
        kt_json_valid(kt_kind("pods"),
                      POD("{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\",\"ports\":["
                          "{\"name\":\"http\",\"containerPort\":80}],\"env\":[{\"name\":"
                          "\"MY_VAR\",\"value\":\"1\"}],\"volumeMounts\":[{\"name\":\"data\","
                          "\"mountPath\":\"/data\"}]}],\"volumes\":[{\"name\":\"data\"}]}"),
                      NULL);
    /* The bare volume got an emptyDir. */
    assert_true(json_is_object(
        json_object_get(json_array_get(daas_kube_path(o, "spec.volumes"), 0), "emptyDir")));
    json_decref(o);
}

static void test_validate_errors(void **state)
{
    (void)state;
    daas_kube_verr v = {0};
    json_t *o = kt_json(POD("{\"containers\":[]}"));
    kt_check(kt_kind("pods"), o, NULL, &v);
    kt_assert_one_cause(&v, "spec.containers", "FieldValueRequired", "Required value");
    json_decref(o);

    o = kt_json(POD("{\"restartPolicy\":\"Sometimes\",\"containers\":[{\"name\":\"web\"},{"
                    "\"name\":\"web\",\"image\":\"x\",\"ports\":[{\"containerPort\":70000,"
                    "\"protocol\":\"XTP\"}]},{\"image\":\"y\"},{\"name\":\"Bad_c\","
                    "\"image\":\"z\"}]}"));
    kt_check(kt_kind("pods"), o, NULL, &v);
    kt_assert_cause(&v, "spec.containers[0].image", "FieldValueRequired", "Required value");
    kt_assert_cause(&v, "spec.containers[1].name", "FieldValueDuplicate",
                    "Duplicate value: \"web\"");
    kt_assert_cause(&v, "spec.containers[1].ports[0].containerPort", "FieldValueInvalid",
                    "Invalid value: 70000: must be between 1 and 65535, inclusive");
    kt_assert_cause(&v, "spec.containers[1].ports[0].protocol", "FieldValueNotSupported",
                    "Unsupported value: \"XTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
    kt_assert_cause(&v, "spec.containers[2].name", "FieldValueRequired", "Required value");
    kt_assert_cause(&v, "spec.containers[3].name", "FieldValueInvalid",
                    "Invalid value: \"Bad_c\": a lowercase RFC 1123 label must consist of lower "
                    "case alphanumeric characters or '-', and must start and end with an "
                    "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    kt_assert_cause(&v, "spec.restartPolicy", "FieldValueNotSupported",
                    "Unsupported value: \"Sometimes\": supported values: \"Always\", "
                    "\"OnFailure\", \"Never\"");
    kt_assert_ncauses(&v, 7);
    daas_kube_verr_fini(&v);
    json_decref(o);

    o = kt_json(POD("{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"env\":[{\"name\":"
                    "\"1X\"}],\"volumeMounts\":[{\"name\":\"nope\",\"mountPath\":\"/m\"}],"
                    "\"ports\":[{\"name\":\"http\",\"containerPort\":1},{\"name\":\"http\","
                    "\"containerPort\":2}]}]}"));
    kt_check(kt_kind("pods"), o, NULL, &v);
    kt_assert_cause(&v, "spec.containers[0].volumeMounts[0].name", "FieldValueNotFound",
                    "Not found: \"nope\"");
    kt_assert_cause(&v, "spec.containers[0].ports[1].name", "FieldValueDuplicate",
                    "Duplicate value: \"http\"");
    assert_non_null(kt_cause(&v, "spec.containers[0].env[0].name"));
    kt_assert_ncauses(&v, 3);
    daas_kube_verr_fini(&v);
    json_decref(o);
}

static void test_validate_update(void **state)
{
    (void)state;
    daas_kube_verr v = {0};
    const char *base = POD("{\"containers\":[{\"name\":\"a\",\"image\":\"nginx:1\"}]}");
    json_t *old = kt_json_valid(kt_kind("pods"), base, NULL);
    /* kubectl set image: allowed, also with an added toleration and a client that omits the
     * defaulted fields (defaults fill them back). */
    json_t *o = json_deep_copy(old);
    json_object_set_new(json_array_get(daas_kube_path(o, "spec.containers"), 0), "image",
                        json_string("nginx:2"));
    json_array_append_new(daas_kube_path(o, "spec.tolerations"),
                          json_pack("{s:s, s:s}", "key", "k", "operator", "Exists"));
    json_object_del(json_object_get(o, "spec"), "dnsPolicy");
    kt_check(kt_kind("pods"), o, old, &v);
    kt_assert_ncauses(&v, 0);
    json_decref(o);
    /* Changing restartPolicy is forbidden with upstream's message. */
    o = json_deep_copy(old);
    json_object_set_new(json_object_get(o, "spec"), "restartPolicy", json_string("Never"));
    kt_check(kt_kind("pods"), o, old, &v);
    kt_assert_one_cause(
        &v, "spec", "FieldValueForbidden",
        "Forbidden: pod updates may not change fields other than "
        "`spec.containers[*].image`,`spec.initContainers[*].image`,"
        "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
        "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 "
        "if it was previously negative)");
    json_decref(o);
    /* Removing a toleration is forbidden. */
    o = json_deep_copy(old);
    json_array_remove(daas_kube_path(o, "spec.tolerations"), 0);
    kt_check(kt_kind("pods"), o, old, &v);
    kt_assert_one_cause(&v, "spec.tolerations", "FieldValueForbidden",
                        "Forbidden: existing toleration can not be modified except its "
                        "tolerationSeconds");
    json_decref(o);
    /* activeDeadlineSeconds may be set, then only lowered. */
    o = json_deep_copy(old);
    json_object_set_new(json_object_get(o, "spec"), "activeDeadlineSeconds", json_integer(60));
    kt_check(kt_kind("pods"), o, old, &v);
    kt_assert_ncauses(&v, 0);
    json_t *o2 = json_deep_copy(o);
    json_object_set_new(json_object_get(o2, "spec"), "activeDeadlineSeconds", json_integer(90));
    kt_check(kt_kind("pods"), o2, o, &v);
    kt_assert_one_cause(&v, "spec.activeDeadlineSeconds", "FieldValueInvalid",
                        "Invalid value: 90: must be less than or equal to previous value");
    json_decref(o2);
    json_decref(o);
    json_decref(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_complete),
        cmocka_unit_test(test_pull_policy),
        cmocka_unit_test(test_defaults_keep_given_and_update),
        cmocka_unit_test(test_qos),
        cmocka_unit_test(test_row_running),
        cmocka_unit_test(test_row_crashloop),
        cmocka_unit_test(test_row_terminating_pending_completed),
        cmocka_unit_test(test_row_init_and_gates),
        cmocka_unit_test(test_validate_ok),
        cmocka_unit_test(test_validate_errors),
        cmocka_unit_test(test_validate_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
