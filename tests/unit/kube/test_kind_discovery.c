/*
 * test_kind_discovery.c: discovery.k8s.io/v1 EndpointSlices: discovery names and columns,
 * Table rows as upstream's printEndpointSlice (at most 3 ports and addresses, then
 * " + N more...", "<unset>" when empty, "*" for a port without number or name), port
 * defaults, and validation wording (addressType required / unsupported / immutable,
 * addresses required and checked against the type, limits, port names and protocols).
 */
#include "kind_test.h"

#include <stdio.h>

#include "common/alloc.h"

#define SLICE(body)                                                                                \
    "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":"   \
    "\"web-abc\",\"namespace\":\"default\",\"creationTimestamp\":\"2026-11-21T04:18:13Z\"}," body  \
    "}"

static void test_names(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("endpointslices");
    assert_string_equal(k->group, "discovery.k8s.io");
    assert_string_equal(k->kind, "EndpointSlice");
    assert_true(k->namespaced);
    assert_false(k->category_all);
    assert_int_equal(k->subresources, 0);
    assert_ptr_equal(daas_kube_kind_by_name("endpointslices.discovery.k8s.io"), k);
    assert_ptr_equal(daas_kube_kind_by_name("endpointslice"), k);
    assert_ptr_equal(daas_kube_kind_by_kind("discovery.k8s.io", "v1", "EndpointSlice"), k);
    const char *want[] = {"Name", "AddressType", "Ports", "Endpoints", "Age"};
    assert_int_equal(k->ncolumns, 5);
    for (int i = 0; i < 5; i++)
        assert_string_equal(k->columns[i].name, want[i]);
}

static void test_rows(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("endpointslices");
    json_t *o = kt_json(
        SLICE("\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"http\",\"port\":8080}],"
              "\"endpoints\":[{\"addresses\":[\"10.0.0.1\"]},{\"addresses\":[\"10.0.0.2\"]}]"));
    KT_ROW(k->row(o, KT_NOW), "web-abc", "IPv4", "8080", "10.0.0.1,10.0.0.2", "10m");
    json_decref(o);
    /* more than 3: the first 3, then how many more; a port without number shows its name or * */
    o = kt_json(SLICE("\"addressType\":\"IPv4\",\"ports\":[{\"port\":1},{\"name\":\"a\"},{},"
                      "{\"port\":4},{\"port\":5}],\"endpoints\":[{\"addresses\":[\"10.0.0.1\","
                      "\"10.0.0.2\"]},{\"addresses\":[\"10.0.0.3\",\"10.0.0.4\"]}]"));
    KT_ROW(k->row(o, KT_NOW), [2] = "1,a,* + 2 more...",
           [3] = "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...");
    json_decref(o);
    /* the placeholder slice of a Service without endpoints */
    o = kt_json(SLICE("\"addressType\":\"IPv4\",\"ports\":null,\"endpoints\":[]"));
    KT_ROW(k->row(o, KT_NOW), [2] = "<unset>", [3] = "<unset>");
    json_decref(o);
}

static void test_defaults(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("endpointslices");
    json_t *o = kt_json_valid(k, SLICE("\"addressType\":\"IPv4\",\"ports\":[{\"port\":80}]"), NULL);
    json_t *want = json_pack("[{s:s,s:i,s:s}]", "name", "", "port", 80, "protocol", "TCP");
    kt_assert_json_equal(json_object_get(o, "ports"), want, "ports");
    kt_assert_redefault(k, o, true);
    json_decref(want);
    json_decref(o);
}

static void test_validation(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("endpointslices");
    daas_kube_verr v = {0};
    json_t *o = kt_json(SLICE("\"endpoints\":[]"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "addressType", "FieldValueRequired", "Required value");
    json_decref(o);
    o = kt_json(SLICE("\"addressType\":\"IPv5\""));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "addressType", "FieldValueNotSupported",
                        "Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\", "
                        "\"FQDN\"");
    json_decref(o);
    o = kt_json(SLICE("\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[]},"
                      "{\"addresses\":[\"10.0.0.300\"],\"hostname\":\"Bad_Host\"}]"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 3);
    kt_assert_cause(&v, "endpoints[0].addresses", "FieldValueRequired",
                    "Required value: must contain at least 1 address");
    kt_assert_cause(&v, "endpoints[1].addresses[0]", "FieldValueInvalid",
                    "Invalid value: \"10.0.0.300\": must be a valid IPv4 address");
    assert_non_null(kt_cause(&v, "endpoints[1].hostname"));
    daas_kube_verr_fini(&v);
    json_decref(o);
    o = kt_json(SLICE("\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"http\",\"port\":80},"
                      "{\"name\":\"http\",\"port\":81,\"protocol\":\"ICMP\"}]"));
    kt_check(k, o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "ports[1].name", "FieldValueDuplicate", "Duplicate value: \"http\"");
    assert_non_null(kt_cause(&v, "ports[1].protocol"));
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* addressType is immutable */
    json_t *old = kt_json_valid(k, SLICE("\"addressType\":\"IPv4\""), NULL);
    o = kt_json(SLICE("\"addressType\":\"IPv6\",\"endpoints\":[{\"addresses\":[\"fd00::1\"]}]"));
    kt_check(k, o, old, &v);
    kt_assert_one_cause(&v, "addressType", "FieldValueInvalid",
                        "Invalid value: \"IPv6\": field is immutable");
    json_decref(o);
    json_decref(old);
}

static void test_limits(void **state)
{
    (void)state;
    const daas_kube_kind *k = kt_kind("endpointslices");
    daas_kube_verr v = {0};
    json_t *o = kt_json(SLICE("\"addressType\":\"IPv4\",\"endpoints\":[]"));
    json_t *eps = json_object_get(o, "endpoints");
    for (int i = 0; i < 1001; i++)
        json_array_append_new(eps, json_pack("{s:[s]}", "addresses", "10.0.0.1"));
    kt_check(k, o, NULL, &v);
    kt_assert_one_cause(&v, "endpoints", "FieldValueTooMany",
                        "Too many: 1001: must have at most 1000 items");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),    cmocka_unit_test(test_rows),
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_validation),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
