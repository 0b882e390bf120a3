/*
 * test_kind.c: the kinds table (lookups, discovery fields, columns), generic metadata
 * validation with upstream messages, DNS-1123 checks and cell helpers.
 */
#include "kind_test.h"

#include <stdlib.h>

#include "common/alloc.h"

static const char *const order[] = {
    "namespaces",          "nodes",       "pods",        "services",
    "endpoints",           "configmaps",  "secrets",     "events",
    "serviceaccounts",     "deployments", "replicasets", "daemonsets",
    "controllerrevisions", "jobs",        "leases",   "endpointslices",
    "poddisruptionbudgets"};

static void test_discovery_order(void **state)
{
    (void)state;
    int n = 0;
    const daas_kube_kind *const *all = daas_kube_kinds(&n);
    assert_int_equal(n, 17);
    for (int i = 0; i < n; i++) {
        assert_string_equal(all[i]->resource, order[i]);
        assert_string_equal(all[i]->storage, all[i]->resource);
        assert_string_equal(all[i]->version, "v1");
        assert_non_null(all[i]->row);
        assert_true(all[i]->ncolumns >= 2);
        /* Every kind but events starts with the Name column. */
        if (strcmp(all[i]->resource, "events") != 0) {
            assert_string_equal(all[i]->columns[0].name, "Name");
            assert_string_equal(all[i]->columns[0].format, "name");
        }
    }
}

static void test_lookup_by_resource_and_kind(void **state)
{
    (void)state;
    const daas_kube_kind *k = daas_kube_kind_by_resource("", "v1", "pods");
    assert_non_null(k);
    assert_string_equal(k->kind, "Pod");
    assert_string_equal(k->list_kind, "PodList");
    assert_ptr_equal(daas_kube_kind_by_kind("", "v1", "Pod"), k);
    assert_ptr_equal(daas_kube_kind_by_resource(NULL, "v1", "pods"), k);
    assert_null(daas_kube_kind_by_resource("", "v2", "pods"));
    assert_null(daas_kube_kind_by_resource("apps", "v1", "pods"));
    k = daas_kube_kind_by_resource("apps", "v1", "deployments");
    assert_non_null(k);
    assert_ptr_equal(daas_kube_kind_by_kind("apps", "v1", "Deployment"), k);
    assert_null(daas_kube_kind_by_kind("", "v1", "Deployment"));
    k = daas_kube_kind_by_resource("coordination.k8s.io", "v1", "leases");
    assert_non_null(k);
    assert_string_equal(k->kind, "Lease");
    assert_null(daas_kube_kind_by_resource("", "v1", "foos"));
}

static void test_lookup_by_name(void **state)
{
    (void)state;
    static const struct {
        const char *name, *resource;
    } cases[] = {{"ns", "namespaces"},
                 {"no", "nodes"},
                 {"po", "pods"},
                 {"pod", "pods"},
                 {"Pod", "pods"},
                 {"svc", "services"},
                 {"ep", "endpoints"},
                 {"endpoints", "endpoints"},
                 {"cm", "configmaps"},
                 {"configmap", "configmaps"},
                 {"secret", "secrets"},
                 {"ev", "events"},
                 {"sa", "serviceaccounts"},
                 {"deploy", "deployments"},
                 {"rs", "replicasets"},
                 {"lease", "leases"},
                 {"deployments.apps", "deployments"},
                 {"leases.coordination.k8s.io", "leases"},
                 {"ReplicaSet", "replicasets"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const daas_kube_kind *k = daas_kube_kind_by_name(cases[i].name);
        if (k == NULL)
            fail_msg("%s not found", cases[i].name);
        assert_string_equal(k->resource, cases[i].resource);
    }
    assert_null(daas_kube_kind_by_name("foo"));
    assert_null(daas_kube_kind_by_name(""));
    assert_null(daas_kube_kind_by_name("pods.apps"));
    assert_null(daas_kube_kind_by_name("deploy.coordination.k8s.io"));
}

static void test_discovery_fields(void **state)
{
    (void)state;
    const daas_kube_kind *ns = kt_kind("ns"), *pod = kt_kind("po"), *dep = kt_kind("deploy");
    assert_false(ns->namespaced);
    assert_false(kt_kind("nodes")->namespaced);
    assert_true(pod->namespaced);
    assert_int_equal(ns->subresources, DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_FINALIZE);
    assert_int_equal(pod->subresources,
                     DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_BINDING | DAAS_KUBE_SUB_LOG);
    assert_int_equal(dep->subresources, DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_SCALE);
    assert_int_equal(kt_kind("rs")->subresources, DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_SCALE);
    assert_int_equal(kt_kind("svc")->subresources, DAAS_KUBE_SUB_STATUS);
    assert_int_equal(kt_kind("cm")->subresources, 0);
    /* kubectl get all: exactly pods, services, deployments, replicasets, daemonsets, jobs. */
    int n;
    const daas_kube_kind *const *all = daas_kube_kinds(&n);
    int in_all = 0;
    for (int i = 0; i < n; i++)
        in_all += all[i]->category_all;
    assert_int_equal(in_all, 6);
    assert_true(pod->category_all && dep->category_all && kt_kind("svc")->category_all &&
                kt_kind("rs")->category_all && kt_kind("ds")->category_all &&
                kt_kind("jobs")->category_all);
    assert_false(kt_kind("controllerrevisions")->category_all);
    assert_true(dep->generation && kt_kind("rs")->generation);
    assert_false(pod->generation);
    assert_true(ns->name_is_label && kt_kind("svc")->name_is_label);
    assert_false(pod->name_is_label);
    assert_null(kt_kind("secrets")->short_names[0]);
    assert_null(kt_kind("leases")->short_names[0]);
    assert_string_equal(kt_kind("sa")->short_names[0], "sa");
    assert_true(pod->has_status && dep->has_status && ns->has_status);
    assert_false(kt_kind("cm")->has_status);
}

static void test_api_version_and_qualified(void **state)
{
    (void)state;
    char buf[64];
    daas_kube_kind_api_version(kt_kind("pods"), buf, sizeof buf);
    assert_string_equal(buf, "v1");
    daas_kube_kind_api_version(kt_kind("deploy"), buf, sizeof buf);
    assert_string_equal(buf, "apps/v1");
    daas_kube_kind_qualified(kt_kind("pods"), buf, sizeof buf);
    assert_string_equal(buf, "pods");
    daas_kube_kind_qualified(kt_kind("rs"), buf, sizeof buf);
    assert_string_equal(buf, "replicasets.apps");
    daas_kube_kind_qualified(kt_kind("leases"), buf, sizeof buf);
    assert_string_equal(buf, "leases.coordination.k8s.io");
}

/* Column names per resource as upstream; '*' marks priority 1. */
static void assert_columns(const char *res, const char *const *names)
{
    const daas_kube_kind *k = kt_kind(res);
    int i = 0;
    for (; names[i] != NULL; i++) {
        const char *want = names[i];
        int prio = want[0] == '*';
        if (i >= k->ncolumns)
            fail_msg("%s: missing column %s", res, want);
        assert_string_equal(k->columns[i].name, want + prio);
        assert_int_equal(k->columns[i].priority, prio);
        assert_non_null(k->columns[i].description);
    }
    assert_int_equal(k->ncolumns, i);
}

static void test_columns(void **state)
{
    (void)state;
    assert_columns("pods",
                   (const char *const[]){"Name", "Ready", "Status", "Restarts", "Age", "*IP",
                                         "*Node", "*Nominated Node", "*Readiness Gates", NULL});
    assert_columns("nodes", (const char *const[]){"Name", "Status", "Roles", "Age", "Version",
                                                  "*Internal-IP", "*External-IP", "*OS-Image",
                                                  "*Kernel-Version", "*Container-Runtime", NULL});
    assert_columns("services", (const char *const[]){"Name", "Type", "Cluster-IP", "External-IP",
                                                     "Port(s)", "Age", "*Selector", NULL});
    assert_columns("events", (const char *const[]){"Last Seen", "Type", "Reason", "Object",
                                                   "*Subobject", "*Source", "Message",
                                                   "*First Seen", "*Count", "*Name", NULL});
    assert_columns("deployments",
                   (const char *const[]){"Name", "Ready", "Up-to-date", "Available", "Age",
                                         "*Containers", "*Images", "*Selector", NULL});
    assert_columns("replicasets",
                   (const char *const[]){"Name", "Desired", "Current", "Ready", "Age",
                                         "*Containers", "*Images", "*Selector", NULL});
    assert_columns("namespaces", (const char *const[]){"Name", "Status", "Age", NULL});
    assert_columns("configmaps", (const char *const[]){"Name", "Data", "Age", NULL});
    assert_columns("secrets", (const char *const[]){"Name", "Type", "Data", "Age", NULL});
    assert_columns("endpoints", (const char *const[]){"Name", "Endpoints", "Age", NULL});
    assert_columns("serviceaccounts", (const char *const[]){"Name", "Secrets", "Age", NULL});
    assert_columns("leases", (const char *const[]){"Name", "Holder", "Age", NULL});
    assert_string_equal(kt_kind("events")->columns[9].format, "name");
    assert_string_equal(kt_kind("rs")->columns[1].type, "integer");
}

static bool has_selector(const char *res, const char *field)
{
    const char *const *f = kt_kind(res)->field_selectors;
    for (; f != NULL && *f != NULL; f++)
        if (strcmp(*f, field) == 0)
            return true;
    return false;
}

static void test_field_selectors(void **state)
{
    (void)state;
    static const char *const pod[] = {
        "spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName"};
    for (size_t i = 0; i < sizeof pod / sizeof pod[0]; i++)
        assert_true(has_selector("pods", pod[i]));
    assert_true(has_selector("events", "involvedObject.uid"));
    assert_true(has_selector("events", "involvedObject.fieldPath"));
    assert_true(has_selector("events", "reportingComponent"));
    assert_true(has_selector("events", "source"));
    assert_true(has_selector("nodes", "spec.unschedulable"));
    assert_true(has_selector("secrets", "type"));
    assert_true(has_selector("namespaces", "status.phase"));
    assert_true(has_selector("replicasets", "status.replicas"));
    assert_true(has_selector("jobs", "status.successful"));
    assert_false(has_selector("pods", "spec.foo"));
    assert_null(kt_kind("configmaps")->field_selectors);
}

/* ---------------------------------------------------------------- names */

#define SUBDOMAIN_MSG                                                                              \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "      \
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "          \
    "regex used for validation is "                                                                \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_MSG                                                                                  \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "       \
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "       \
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

static void test_dns1123(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_true(daas_kube_is_dns1123_label("web-1", &why));
    assert_true(daas_kube_is_dns1123_label("1abc", &why));
    assert_false(daas_kube_is_dns1123_label("a.b", &why));
    assert_string_equal(why, LABEL_MSG);
    assert_false(daas_kube_is_dns1123_label("-a", &why));
    assert_false(daas_kube_is_dns1123_label("", &why));
    char long_label[70];
    memset(long_label, 'a', 64);
    long_label[64] = '\0';
    assert_false(daas_kube_is_dns1123_label(long_label, &why));
    assert_string_equal(why, "must be no more than 63 characters");
    assert_true(daas_kube_is_dns1123_subdomain("example.com", &why));
    assert_true(daas_kube_is_dns1123_subdomain("a-b.c-d.e", &why));
    assert_false(daas_kube_is_dns1123_subdomain("a..b", &why));
    assert_false(daas_kube_is_dns1123_subdomain("a.", &why));
    assert_false(daas_kube_is_dns1123_subdomain("Bad_Name", &why));
    assert_string_equal(why, SUBDOMAIN_MSG);
    char big[300];
    memset(big, 'a', 254);
    big[254] = '\0';
    assert_false(daas_kube_is_dns1123_subdomain(big, &why));
    assert_string_equal(why, "must be no more than 253 characters");
    assert_false(daas_kube_is_dns1123_subdomain("x", NULL) == false);
}

/* One metadata case: the literal validated as resource res has no cause (field NULL) or
 * exactly one, at field with reason and message. */
typedef struct meta_case {
    const char *res, *lit, *field, *reason, *message;
} meta_case;

static void run_meta_cases(const meta_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        daas_kube_verr v = {0};
        json_t *o = kt_json(cases[i].lit);
        daas_kube_validate_meta(kt_kind(cases[i].res), o, NULL, &v);
        if (cases[i].field == NULL)
            kt_assert_ncauses(&v, 0);
        else
            kt_assert_one_cause(&v, cases[i].field, cases[i].reason, cases[i].message);
        assert_null(v.causes);
        json_decref(o);
    }
}

static void test_meta_bad_name(void **state)
{
    (void)state;
    static const meta_case cases[] = {
        {"cm", "{\"metadata\":{\"name\":\"Bad_Name\",\"namespace\":\"default\"}}", "metadata.name",
         "FieldValueInvalid", "Invalid value: \"Bad_Name\": " SUBDOMAIN_MSG},
        /* Namespaces use DNS labels: a dot is not allowed. */
        {"ns", "{\"metadata\":{\"name\":\"a.b\"}}", "metadata.name", "FieldValueInvalid",
         "Invalid value: \"a.b\": " LABEL_MSG},
        /* Services use DNS-1035 labels: no leading digit. */
        {"svc", "{\"metadata\":{\"name\":\"1web\",\"namespace\":\"default\"}}", "metadata.name",
         "FieldValueInvalid",
         "Invalid value: \"1web\": a DNS-1035 label must consist of lower case "
         "alphanumeric characters or '-', start with an alphabetic character, and end "
         "with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used "
         "for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"},
    };
    run_meta_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_meta_name_required(void **state)
{
    (void)state;
    static const meta_case cases[] = {
        {"pods", "{\"metadata\":{\"namespace\":\"default\"}}", "metadata.name",
         "FieldValueRequired", "Required value: name or generateName is required"},
        /* generateName alone is fine on create; a bad prefix is reported; a trailing '-' is
         * ok. */
        {"pods", "{\"metadata\":{\"generateName\":\"web-\",\"namespace\":\"default\"}}", NULL, NULL,
         NULL},
        {"pods", "{\"metadata\":{\"generateName\":\"Web-\",\"namespace\":\"default\"}}",
         "metadata.generateName", "FieldValueInvalid", "Invalid value: \"Web-\": " SUBDOMAIN_MSG},
        /* Namespaced kinds need a namespace; cluster-scoped ones do not. */
        {"pods", "{\"metadata\":{\"name\":\"x\"}}", "metadata.namespace", "FieldValueRequired",
         "Required value"},
        {"nodes", "{\"metadata\":{\"name\":\"x\"}}", NULL, NULL, NULL},
    };
    run_meta_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_meta_labels_annotations(void **state)
{
    (void)state;
    static const meta_case cases[] = {
        {"cm",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"labels\":{"
         "\"app\":\"web\",\"example.com/tier\":\"front_end.1\",\"ok\":\"\"}}}",
         NULL, NULL, NULL},
        {"cm",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"labels\":{"
         "\"bad key\":\"v\"}}}",
         "metadata.labels", "FieldValueInvalid",
         "Invalid value: \"bad key\": name part must consist of alphanumeric "
         "characters, '-', '_' or '.', and must start and end with an alphanumeric "
         "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
         "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
        {"cm",
         "{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"labels\":{"
         "\"app\":\"-bad\"}}}",
         "metadata.labels", "FieldValueInvalid",
         "Invalid value: \"-bad\": a valid label must be an empty string or consist "
         "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
         "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
         "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"},
    };
    run_meta_cases(cases, sizeof cases / sizeof cases[0]);
    /* A 64-character label value is too long; a prefix must be a subdomain. */
    daas_kube_verr v = {0};
    char big[128];
    memset(big, 'a', 64);
    big[64] = '\0';
    json_t *o = json_pack("{s:{s:s, s:s, s:{s:s, s:s}}}", "metadata", "name", "x", "namespace", "d",
                          "labels", "a", big, "Ex_ample/k", "v");
    daas_kube_validate_meta(kt_kind("cm"), o, NULL, &v);
    kt_assert_ncauses(&v, 2);
    json_t *c0 = json_array_get(v.causes, 0), *c1 = json_array_get(v.causes, 1);
    const char *m0 = json_string_value(json_object_get(c0, "message"));
    const char *m1 = json_string_value(json_object_get(c1, "message"));
    assert_true(strstr(m0, "must be no more than 63 characters") != NULL ||
                strstr(m1, "must be no more than 63 characters") != NULL);
    assert_true(strstr(m0, "\"Ex_ample/k\": prefix part a lowercase RFC 1123 subdomain") ||
                strstr(m1, "\"Ex_ample/k\": prefix part a lowercase RFC 1123 subdomain"));
    daas_kube_verr_fini(&v);
    json_decref(o);
    /* Annotations: 256 KiB in total. */
    char *huge = daas_xmalloc(256 * 1024 + 1);
    memset(huge, 'x', 256 * 1024);
    huge[256 * 1024] = '\0';
    o = json_pack("{s:{s:s, s:s, s:{s:s}}}", "metadata", "name", "x", "namespace", "d",
                  "annotations", "k", huge);
    daas_free(huge);
    daas_kube_validate_meta(kt_kind("cm"), o, NULL, &v);
    kt_assert_one_cause(&v, "metadata.annotations", "FieldValueTooLong",
                        "Too long: may not be more than 262144 bytes");
    json_decref(o);
}

static void test_meta_update_immutable(void **state)
{
    (void)state;
    daas_kube_verr v = {0};
    json_t *old = kt_json("{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"uid\":\"u1\","
                          "\"creationTimestamp\":\"2026-11-21T04:28:13Z\"}}");
    json_t *same = kt_json("{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"uid\":\"u1\","
                           "\"creationTimestamp\":\"2026-11-21T04:28:13.000Z\"}}");
    json_t *bare = kt_json("{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\"}}");
    json_t *moved = kt_json("{\"metadata\":{\"name\":\"x\",\"namespace\":\"d\",\"uid\":\"u2\","
                            "\"creationTimestamp\":\"2020-01-01T00:00:00Z\"}}");
    daas_kube_validate_meta(kt_kind("cm"), same, old, &v);
    daas_kube_validate_meta(kt_kind("cm"), bare, old, &v);
    kt_assert_ncauses(&v, 0);
    daas_kube_validate_meta(kt_kind("cm"), moved, old, &v);
    kt_assert_ncauses(&v, 2);
    kt_assert_cause(&v, "metadata.uid", "FieldValueInvalid",
                    "Invalid value: \"u2\": field is immutable");
    kt_assert_cause(&v, "metadata.creationTimestamp", "FieldValueInvalid",
                    "Invalid value: \"2020-01-01T00:00:00Z\": field is immutable");
    daas_kube_verr_fini(&v);
    json_decref(old);
    json_decref(same);
    json_decref(bare);
    json_decref(moved);
}

static void test_verr_add(void **state)
{
    (void)state;
    daas_kube_verr v = {0};
    daas_kube_verr_add(&v, "FieldValueInvalid", "spec.x", "Invalid value: %d: %s", 7, "bad");
    assert_int_equal(kt_ncauses(&v), 1);
    kt_assert_cause(&v, "spec.x", "FieldValueInvalid", "Invalid value: 7: bad");
    daas_kube_verr_fini(&v);
    daas_kube_verr_fini(&v); /* idempotent */
    assert_null(v.causes);
}

static void test_cells(void **state)
{
    (void)state;
    json_t *o = kt_json("{\"metadata\":{\"creationTimestamp\":\"2026-11-21T04:23:13Z\"}}");
    json_t *c = daas_kube_cell_age(o, KT_NOW);
    assert_string_equal(json_string_value(c), "5m");
    json_decref(c);
    json_object_set_new(json_object_get(o, "metadata"), "creationTimestamp",
                        json_string("2026-11-18T02:28:13Z"));
    c = daas_kube_cell_age(o, KT_NOW);
    assert_string_equal(json_string_value(c), "3d2h");
    json_decref(c);
    json_decref(o);
    o = kt_json("{}");
    c = daas_kube_cell_age(o, KT_NOW);
    assert_string_equal(json_string_value(c), "<unknown>");
    json_decref(c);
    json_decref(o);
    c = daas_kube_cell_str("");
    assert_string_equal(json_string_value(c), "<none>");
    json_decref(c);
    c = daas_kube_cell_str(NULL);
    assert_string_equal(json_string_value(c), "<none>");
    json_decref(c);
    c = daas_kube_cell_str("x");
    assert_string_equal(json_string_value(c), "x");
    json_decref(c);
}

/* Every kind's row has one cell per column, even for an empty object. */
static void test_rows_match_columns(void **state)
{
    (void)state;
    int n;
    const daas_kube_kind *const *all = daas_kube_kinds(&n);
    json_t *empty = kt_json("{}");
    json_t *meta = kt_json("{\"metadata\":{\"name\":\"x\",\"creationTimestamp\":"
                           "\"2026-11-21T04:28:03Z\"},\"spec\":{},\"status\":{}}");
    for (int i = 0; i < n; i++) {
        json_t *r1 = all[i]->row(empty, KT_NOW), *r2 = all[i]->row(meta, KT_NOW);
        assert_int_equal(json_array_size(r1), all[i]->ncolumns);
        assert_int_equal(json_array_size(r2), all[i]->ncolumns);
        json_decref(r1);
        json_decref(r2);
    }
    json_decref(empty);
    json_decref(meta);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery_order),
        cmocka_unit_test(test_lookup_by_resource_and_kind),
        cmocka_unit_test(test_lookup_by_name),
        cmocka_unit_test(test_discovery_fields),
        cmocka_unit_test(test_api_version_and_qualified),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_field_selectors),
        cmocka_unit_test(test_dns1123),
        cmocka_unit_test(test_meta_bad_name),
        cmocka_unit_test(test_meta_name_required),
        cmocka_unit_test(test_meta_labels_annotations),
        cmocka_unit_test(test_meta_update_immutable),
        cmocka_unit_test(test_verr_add),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_rows_match_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
