/*
 * test_kind_core.c: namespaces, nodes, services, endpoints, configmaps, secrets, events and
 * serviceaccounts: defaults, validation messages and Table rows.
 */
#include "kind_test.h"

#include <stdio.h>

#include "common/alloc.h"

static json_t *row_of(const char *res, const char *lit)
{
    json_t *o = kt_json(lit);
    json_t *r = kt_kind(res)->row(o, KT_NOW);
    assert_int_equal(json_array_size(r), kt_kind(res)->ncolumns);
    json_decref(o);
    return r;
}

/* ------------------------------------------------------------- namespaces */

static void test_namespace(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("ns");
    json_t *o = kt_json_valid(k,
                              "{\"metadata\":{\"name\":\"team1\",\"labels\":{"
                              "\"kubernetes.io/metadata.name\":\"wrong\",\"a\":\"b\"}}}",
                              NULL);
    json_t *want = kt_json("{\"metadata\":{\"name\":\"team1\",\"labels\":{"
                           "\"kubernetes.io/metadata.name\":\"team1\",\"a\":\"b\"}},\"spec\":{"
                           "\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}");
    assert_true(json_equal(o, want));
    json_t *again = json_deep_copy(o);
    k->defaults(again, NULL);
    k->defaults(again, o);
    assert_true(json_equal(again, want));
    json_decref(again);
    json_decref(want);
    json_decref(o);
    /* An update that omits spec.finalizers keeps the stored ones; explicit ones win. */
    json_t *old =
        kt_json("{\"metadata\":{\"name\":\"t\"},\"spec\":{\"finalizers\":[\"kubernetes\"]},"
                "\"status\":{\"phase\":\"Active\"}}");
    o = kt_json("{\"metadata\":{\"name\":\"t\"}}");
    k->defaults(o, old);
    assert_string_equal(json_string_value(json_array_get(daas_kube_path(o, "spec.finalizers"), 0)),
                        "kubernetes");
    assert_string_equal(json_string_value(json_object_get(daas_kube_path(o, "metadata.labels"),
                                                          "kubernetes.io/metadata.name")),
                        "t");
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"t\"},\"spec\":{\"finalizers\":[]}}");
    k->defaults(o, old);
    assert_int_equal(json_array_size(daas_kube_path(o, "spec.finalizers")), 0);
    json_decref(o);
    json_decref(old);
    /* A user finalizer is kept and "kubernetes" appended. */
    o = kt_json("{\"metadata\":{\"name\":\"t\"},\"spec\":{\"finalizers\":[\"x.io/f\"]}}");
    k->defaults(o, NULL);
    want = kt_json("[\"x.io/f\",\"kubernetes\"]");
    assert_true(json_equal(daas_kube_path(o, "spec.finalizers"), want));
    json_decref(want);
    json_decref(o);
    KT_ROW(row_of("ns", "{\"metadata\":{\"name\":\"t\",\"creationTimestamp\":"
                        "\"2026-11-19T04:28:13Z\"},\"status\":{\"phase\":\"Terminating\"}}"),
           [0] = "t", [1] = "Terminating", [2] = "2d");
}

/* ------------------------------------------------------------------ nodes */

static void test_node_rows(void **state)
{
    (void)state;
    KT_ROW(
        row_of("nodes",
               "{\"metadata\":{\"name\":\"n1\",\"creationTimestamp\":\"2026-11-21T03:28:13Z\","
               "\"labels\":{\"node-role.kubernetes.io/master\":\"\",\"node-role.kubernetes.io/"
               "control-plane\":\"true\",\"kubernetes.io/role\":\"master\"}},\"status\":{"
               "\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},{\"type\":"
               "\"Ready\","
               "\"status\":\"True\"}],\"addresses\":[{\"type\":\"InternalIP\",\"address\":"
               "\"10.0.0.5\"},{\"type\":\"Hostname\",\"address\":\"n1\"}],\"nodeInfo\":{"
               "\"kubeletVersion\":\"v1.32.4+daas\",\"osImage\":\"Debian GNU/Linux 12\","
               "\"kernelVersion\":\"6.1.0\",\"containerRuntimeVersion\":\"containerd://1.7\"}}}"),
        [1] = "Ready", [2] = "control-plane,master", [3] = "60m", [4] = "v1.32.4+daas",
        [5] = "10.0.0.5", [6] = "<none>", [7] = "Debian GNU/Linux 12", [8] = "6.1.0",
        [9] = "containerd://1.7");
    KT_ROW(row_of("nodes", "{\"metadata\":{\"name\":\"n2\"},\"spec\":{\"unschedulable\":true},"
                           "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
                           "\"Unknown\"}]}}"),
           [1] = "NotReady,SchedulingDisabled", [2] = "<none>", [4] = "", [7] = "<unknown>");
    KT_ROW(row_of("nodes", "{\"metadata\":{\"name\":\"n3\"}}"), [1] = "Unknown");
}

/* --------------------------------------------------------------- services */

static void test_service_defaults(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("svc");
    json_t *o = kt_json_valid(k,
                              "{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{"
                              "\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80}]}}",
                              NULL);
    json_t *want = kt_json("{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,\"protocol\":"
                           "\"TCP\",\"targetPort\":80}],\"type\":\"ClusterIP\",\"sessionAffinity\":"
                           "\"None\",\"internalTrafficPolicy\":\"Cluster\",\"ipFamilies\":["
                           "\"IPv4\"],\"ipFamilyPolicy\":\"SingleStack\"}");
    kt_assert_json_equal(json_object_get(o, "spec"), want, "spec");
    kt_assert_redefault(k, o, false);
    json_decref(want);
    json_decref(o);
    /* type "" is unset (protobuf bodies may carry empty strings). */
    o = kt_json_valid(
        k,
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"type\":\"\","
        "\"sessionAffinity\":\"\",\"ports\":[{\"port\":80,\"targetPort\":0}]}}",
        NULL);
    assert_string_equal(daas_kube_str(o, "spec.type"), "ClusterIP");
    assert_string_equal(daas_kube_str(o, "spec.sessionAffinity"), "None");
    assert_int_equal(
        daas_kube_int(json_array_get(daas_kube_path(o, "spec.ports"), 0), "targetPort", 0), 80);
    json_decref(o);
    /* NodePort: external traffic policy; update keeps allocated clusterIP and nodePort. */
    json_t *old = kt_json("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{"
                          "\"type\":\"NodePort\",\"clusterIP\":\"10.43.0.9\",\"clusterIPs\":["
                          "\"10.43.0.9\"],\"ports\":[{\"port\":80,\"protocol\":\"TCP\","
                          "\"nodePort\":30080}]}}");
    o = kt_json_valid(k,
                      "{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"type\":"
                      "\"NodePort\",\"ports\":[{\"port\":80,\"targetPort\":\"http\"}]}}",
                      old);
    assert_string_equal(daas_kube_str(o, "spec.clusterIP"), "10.43.0.9");
    assert_string_equal(daas_kube_str(o, "spec.externalTrafficPolicy"), "Cluster");
    json_t *p = json_array_get(daas_kube_path(o, "spec.ports"), 0);
    assert_int_equal(daas_kube_int(p, "nodePort", 0), 30080);
    assert_string_equal(json_string_value(json_object_get(p, "targetPort")), "http");
    json_decref(o);
    json_decref(old);
}

static void test_service_validation(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("svc");
    daas_kube_verr v = {0};
    json_t *o = kt_json("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{}}");
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.ports", "FieldValueRequired", "Required value");
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"type\":"
                "\"Magic\",\"ports\":[{\"name\":\"a\",\"port\":0},{\"port\":81,\"nodePort\":"
                "30001},{\"name\":\"a\",\"port\":82}]}}");
    kt_check(k, o, NULL, &v);
    kt_assert_cause(&v, "spec.type", "FieldValueNotSupported",
                    "Unsupported value: \"Magic\": supported values: \"ClusterIP\", "
                    "\"ExternalName\", \"LoadBalancer\", \"NodePort\"");
    kt_assert_cause(&v, "spec.ports[0].port", "FieldValueInvalid",
                    "Invalid value: 0: must be between 1 and 65535, inclusive");
    kt_assert_cause(&v, "spec.ports[1].name", "FieldValueRequired", "Required value");
    kt_assert_cause(&v, "spec.ports[2].name", "FieldValueDuplicate", "Duplicate value: \"a\"");
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* nodePort on ClusterIP; headless without ports; ExternalName needs externalName. */
    o = kt_json("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"ports\":[{"
                "\"port\":80,\"nodePort\":30001}]}}");
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "spec.ports[0].nodePort", "FieldValueForbidden",
                        "Forbidden: may not be used when `type` is 'ClusterIP'");
    json_decref(o);
    o = kt_json_valid(k,
                      "{\"metadata\":{\"name\":\"h\",\"namespace\":\"d\"},\"spec\":{\"clusterIP\":"
                      "\"None\"}}",
                      NULL);
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"e\",\"namespace\":\"d\"},\"spec\":{\"type\":"
                "\"ExternalName\"}}");
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 1);
    kt_assert_cause(&v, "spec.externalName", "FieldValueRequired", "Required value");
    assert_null(daas_kube_path(o, "spec.ipFamilies"));
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* The primary cluster IP may not change. */
    json_t *old = kt_json("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{"
                          "\"clusterIP\":\"10.43.0.9\",\"clusterIPs\":[\"10.43.0.9\"],\"ports\":"
                          "[{\"port\":80}]}}");
    o = kt_json("{\"metadata\":{\"name\":\"web\",\"namespace\":\"d\"},\"spec\":{\"clusterIP\":"
                "\"10.43.0.10\",\"ports\":[{\"port\":80}]}}");
    kt_check(k, o, old, &v);
    kt_assert_one_cause(&v, "spec.clusterIPs[0]", "FieldValueInvalid",
                        "Invalid value: []string{\"10.43.0.10\"}: may not change once set");
    json_decref(o);
    json_decref(old);
}

static void test_service_rows(void **state)
{
    (void)state;
    KT_ROW(
        row_of(
            "svc",
            "{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":\"2026-11-21T04:28:10Z\"},"
            "\"spec\":{\"type\":\"NodePort\",\"clusterIP\":\"10.43.0.9\",\"clusterIPs\":["
            "\"10.43.0.9\"],\"selector\":{\"tier\":\"f\",\"app\":\"web\"},\"ports\":[{\"port\":"
            "80,\"protocol\":\"TCP\"},{\"port\":443,\"nodePort\":30001,\"protocol\":\"TCP\"}]}}"),
        [1] = "NodePort", [2] = "10.43.0.9", [3] = "<none>", [4] = "80/TCP,443:30001/TCP",
        [5] = "3s", [6] = "app=web,tier=f");
    KT_ROW(row_of("svc", "{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
                         "\"ports\":[{\"port\":53,\"protocol\":\"UDP\"}]}}"),
           [2] = "<none>", [3] = "<pending>", [4] = "53/UDP", [6] = "<none>");
    KT_ROW(row_of("svc", "{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
                         "\"externalIPs\":[\"1.2.3.4\"]},\"status\":{\"loadBalancer\":{\"ingress\":"
                         "[{\"ip\":\"5.6.7.8\"},{\"hostname\":\"a.example\"}]}}}"),
           [3] = "5.6.7.8,a.example,1.2.3.4", [4] = "<none>");
    KT_ROW(row_of("svc", "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"type\":\"ExternalName\","
                         "\"externalName\":\"db.example.com\"}}"),
           [3] = "db.example.com");
}

/* ------------------------------------------------------- endpoints & sa */

static void test_endpoints_and_sa_rows(void **state)
{
    (void)state;
    KT_ROW(row_of("ep", "{\"metadata\":{\"name\":\"web\"},\"subsets\":[{\"addresses\":[{"
                        "\"ip\":\"10.42.0.1\"},{\"ip\":\"10.42.0.2\"}],\"ports\":[{\"port\":"
                        "80},{\"port\":443}]}]}"),
           [1] = "10.42.0.1:80,10.42.0.2:80,10.42.0.1:443 + 1 more...");
    KT_ROW(row_of("ep", "{\"metadata\":{\"name\":\"web\"},\"subsets\":[{\"addresses\":[{"
                        "\"ip\":\"fd00::1\"}],\"ports\":[{\"port\":80}]}]}"),
           [1] = "[fd00::1]:80");
    KT_ROW(row_of("ep", "{\"metadata\":{\"name\":\"web\"}}"), [1] = "<none>");
    json_t *r =
        row_of("sa", "{\"metadata\":{\"name\":\"default\"},\"secrets\":[{\"name\":\"t\"}]}");
    assert_int_equal(kt_icell(r, 1), 1);
    json_decref(r);
}

/* ------------------------------------------------------- configmaps */

static void test_configmaps(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("cm");
    daas_kube_verr v = {0};
    json_t *o = kt_json_valid(k,
                              "{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"data\":{"
                              "\"a.txt\":\"1\",\"B_2\":\"2\"},\"binaryData\":{\"bin\":\"AAE=\"}}",
                              NULL);
    json_t *r = k->row(o, KT_NOW);
    assert_int_equal(kt_icell(r, 1), 3);
    json_decref(r);
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"data\":{\"a b\":\"1\","
                "\"..x\":\"2\",\"dup\":\"\"},\"binaryData\":{\"dup\":\"AA==\"}}");
    kt_check(k, o, NULL, &v);
    kt_assert_cause(&v, "data[a b]", "FieldValueInvalid",
                    "Invalid value: \"a b\": a valid config key must consist of alphanumeric "
                    "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                    "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    kt_assert_cause(&v, "data[..x]", "FieldValueInvalid",
                    "Invalid value: \"..x\": must not start with '..'");
    kt_assert_cause(&v, "data[dup]", "FieldValueInvalid",
                    "Invalid value: \"dup\": duplicate of key present in binaryData");
    kt_assert_cause(&v, "binaryData[dup]", "FieldValueInvalid",
                    "Invalid value: \"dup\": duplicate of key present in data");
    kt_assert_ncauses(&v, 4);
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* Over 1 MiB in total. */
    char *big = daas_xmalloc(1024 * 1024 + 2);
    memset(big, 'x', 1024 * 1024 + 1);
    big[1024 * 1024 + 1] = '\0';
    o = json_pack("{s:{s:s, s:s}, s:{s:s}}", "metadata", "name", "c", "namespace", "d", "data", "k",
                  big);
    daas_free(big);
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "", "FieldValueTooLong",
                        "Too long: may not be more than 1048576 bytes");
    json_decref(o);
    /* immutable: true freezes data. */
    json_t *old = kt_json("{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"immutable\":"
                          "true,\"data\":{\"a\":\"1\"}}");
    o = kt_json_valid(
        k,
        "{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"immutable\":true,\"data\":{"
        "\"a\":\"1\"},\"binaryData\":{}}",
        old);
    json_object_set_new(json_object_get(o, "data"), "a", json_string("2"));
    json_object_set_new(o, "immutable", json_false());
    kt_check(k, o, old, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "data", "FieldValueForbidden",
                    "Forbidden: field is immutable when `immutable` is set");
    kt_assert_cause(&v, "immutable", "FieldValueForbidden",
                    "Forbidden: field is immutable when `immutable` is set");
    daas_kube_verr_fini(&v);
    json_decref(o);
    json_decref(old);
}

/* ----------------------------------------------------------------- secrets */

static void test_secrets(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("secret");
    daas_kube_verr v = {0};
    json_t *o =
        kt_json_valid(k,
                      "{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\"},\"data\":{\"a\":"
                      "\"eA==\",\"b\":\"eA==\"},\"stringData\":{\"b\":\"hello\",\"c\":\"\"}}",
                      NULL);
    json_t *want = kt_json("{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\"},\"type\":"
                           "\"Opaque\",\"data\":{\"a\":\"eA==\",\"b\":\"aGVsbG8=\",\"c\":\"\"}}");
    kt_assert_json_equal(o, want, "secret");
    json_t *r = k->row(o, KT_NOW);
    assert_string_equal(kt_cell(r, 1), "Opaque");
    assert_int_equal(kt_icell(r, 2), 3);
    json_decref(r);
    json_decref(want);
    /* The type may not change. */
    json_t *o2 = json_deep_copy(o);
    json_object_set_new(o2, "type", json_string("x.io/custom"));
    kt_check(k, o2, o, &v);
    kt_assert_one_cause(&v, "type", "FieldValueInvalid",
                        "Invalid value: \"x.io/custom\": field is immutable");
    json_decref(o2);
    json_decref(o);
    /* Invalid base64 is reported without echoing the value. */
    o = kt_json("{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\"},\"data\":{\"pw\":"
                "\"hunter2!\"}}");
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "data[pw]", "FieldValueInvalid",
                        "Invalid value: \"<value omitted>\": illegal base64 data");
    json_decref(o);
    o = kt_json("{\"metadata\":{\"name\":\"t\",\"namespace\":\"d\"},\"type\":"
                "\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"eA==\"}}");
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "data[tls.key]", "FieldValueRequired", "Required value");
    json_decref(o);
}

/* ------------------------------------------------------------------ events */

static void test_events(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("ev");
    daas_kube_verr v = {0};
    json_t *o =
        kt_json("{\"metadata\":{\"name\":\"web.1\",\"namespace\":\"default\"},\"involvedObject\":{"
                "\"kind\":\"Pod\",\"name\":\"web\",\"namespace\":\"default\",\"fieldPath\":"
                "\"spec.containers{c}\"},\"reason\":\"Pulled\",\"message\":\"  Image pulled\\n\","
                "\"source\":{\"component\":\"kubelet\",\"host\":\"n1\"},\"firstTimestamp\":"
                "\"2026-11-21T04:18:13Z\",\"lastTimestamp\":\"2026-11-21T04:27:13Z\"}");
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 0);
    assert_int_equal(daas_kube_int(o, "count", 0), 1);
    assert_string_equal(daas_kube_str(o, "type"), "Normal");
    json_t *r = k->row(o, KT_NOW);
    KT_CELLS(r, [0] = "60s", [1] = "Normal", [2] = "Pulled", [3] = "pod/web",
             [4] = "spec.containers{c}", [5] = "kubelet, n1", [6] = "Image pulled", [7] = "10m");
    assert_int_equal(kt_icell(r, 8), 1);
    assert_string_equal(kt_cell(r, 9), "web.1");
    json_decref(r);
    json_object_set_new(json_object_get(o, "involvedObject"), "namespace", json_string("other"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "involvedObject.namespace", "FieldValueInvalid",
                        "Invalid value: \"other\": does not match event.namespace");
    json_decref(o);
    /* A node event: no name → just the kind; eventTime when there are no timestamps. */
    r = row_of("ev", "{\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"kind\":\"Node\"},"
                     "\"reportingComponent\":\"daas\",\"eventTime\":"
                     "\"2026-11-21T04:28:03.123456Z\",\"type\":\"Warning\"}");
    KT_CELLS(r, [0] = "10s", [3] = "node", [5] = "daas", [7] = "10s");
    assert_int_equal(kt_icell(r, 8), 1);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespace),        cmocka_unit_test(test_node_rows),
        cmocka_unit_test(test_service_defaults), cmocka_unit_test(test_service_validation),
        cmocka_unit_test(test_service_rows),     cmocka_unit_test(test_endpoints_and_sa_rows),
        cmocka_unit_test(test_configmaps),       cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
