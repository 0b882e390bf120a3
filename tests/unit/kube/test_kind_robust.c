/*
 * test_kind_robust.c: every hook of every kind survives type-confused input. Each node of a
 * realistic object is replaced in turn by a string, a number, a boolean, null, [] and {},
 * and defaults, validation (create and update) and row() run on the result under ASan/UBSan.
 * Also checks that defaults never make a valid object invalid and stay idempotent.
 */
#include "kind_test.h"

static const struct {
    const char *resource, *json;
} samples[] = {
    {"namespaces", "{\"metadata\":{\"name\":\"t\",\"labels\":{\"a\":\"b\"}},\"spec\":{"
                   "\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}"},
    {"nodes",
     "{\"metadata\":{\"name\":\"n\",\"labels\":{\"node-role.kubernetes.io/x\":\"\"}},"
     "\"spec\":{\"unschedulable\":true},\"status\":{\"conditions\":[{\"type\":\"Ready\","
     "\"status\":\"True\"}],\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"1.2.3.4\""
     "}],\"nodeInfo\":{\"kubeletVersion\":\"v1\",\"osImage\":\"o\"}}}"},
    {"pods",
     "{\"metadata\":{\"name\":\"p\",\"namespace\":\"d\",\"deletionTimestamp\":"
     "\"2026-11-21T04:28:00Z\",\"creationTimestamp\":\"2026-11-21T04:00:00Z\"},\"spec\":{"
     "\"nodeName\":\"n\",\"hostNetwork\":true,\"tolerations\":[{\"key\":\"k\",\"operator\":"
     "\"Exists\",\"effect\":\"NoExecute\"}],\"readinessGates\":[{\"conditionType\":\"g\"}],"
     "\"volumes\":[{\"name\":\"v\"},{\"name\":\"s\",\"secret\":{\"secretName\":\"x\"}}],"
     "\"initContainers\":[{\"name\":\"i\",\"image\":\"x\",\"restartPolicy\":\"Always\"}],"
     "\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\",\"ports\":[{\"name\":\"http\","
     "\"containerPort\":80}],\"env\":[{\"name\":\"E\",\"valueFrom\":{\"fieldRef\":{"
     "\"fieldPath\":\"x\"}}}],\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},"
     "\"requests\":{\"cpu\":\"500m\"}},\"readinessProbe\":{\"httpGet\":{\"port\":80}},"
     "\"volumeMounts\":[{\"name\":\"v\",\"mountPath\":\"/v\"}]}]},\"status\":{\"phase\":"
     "\"Running\",\"podIPs\":[{\"ip\":\"10.0.0.1\"}],\"conditions\":[{\"type\":\"Ready\","
     "\"status\":\"True\"}],\"initContainerStatuses\":[{\"name\":\"i\",\"started\":true,"
     "\"ready\":true,\"restartCount\":1,\"state\":{\"running\":{}}}],\"containerStatuses\":[{"
     "\"name\":\"c\",\"ready\":true,\"restartCount\":2,\"state\":{\"waiting\":{\"reason\":"
     "\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":{\"exitCode\":1,\"finishedAt\":"
     "\"2026-11-21T04:27:00Z\"}}}]}}"},
    {"services", "{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\"},\"spec\":{\"type\":"
                 "\"LoadBalancer\",\"clusterIP\":\"10.0.0.1\",\"clusterIPs\":[\"10.0.0.1\"],"
                 "\"externalIPs\":[\"1.1.1.1\"],\"selector\":{\"a\":\"b\"},\"sessionAffinity\":"
                 "\"ClientIP\",\"ports\":[{\"name\":\"a\",\"port\":80,\"targetPort\":\"http\","
                 "\"nodePort\":30000}]},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":"
                 "\"2.2.2.2\"}]}}}"},
    {"endpoints", "{\"metadata\":{\"name\":\"e\",\"namespace\":\"d\"},\"subsets\":[{"
                  "\"addresses\":[{\"ip\":\"1.2.3.4\"}],\"ports\":[{\"port\":80}]}]}"},
    {"configmaps", "{\"metadata\":{\"name\":\"c\",\"namespace\":\"d\"},\"immutable\":true,"
                   "\"data\":{\"a\":\"b\"},\"binaryData\":{\"c\":\"AA==\"}}"},
    {"secrets",
     "{\"metadata\":{\"name\":\"s\",\"namespace\":\"d\",\"annotations\":{"
     "\"kubernetes.io/service-account.name\":\"x\"}},\"type\":\"kubernetes.io/tls\","
     "\"data\":{\"tls.crt\":\"AA==\",\"tls.key\":\"AA==\"},\"stringData\":{\"x\":\"y\"}}"},
    {"events", "{\"metadata\":{\"name\":\"e\",\"namespace\":\"d\"},\"involvedObject\":{\"kind\":"
               "\"Pod\",\"name\":\"p\",\"namespace\":\"d\"},\"series\":{\"count\":3,"
               "\"lastObservedTime\":\"2026-11-21T04:00:00.000000Z\"},\"source\":{\"component\":"
               "\"c\",\"host\":\"h\"},\"count\":2,\"message\":\" m \"}"},
    {"serviceaccounts", "{\"metadata\":{\"name\":\"default\",\"namespace\":\"d\"},\"secrets\":"
                        "[{\"name\":\"t\"}]}"},
    {"deployments",
     "{\"metadata\":{\"name\":\"d\",\"namespace\":\"d\"},\"spec\":{\"replicas\":2,\"selector\":{"
     "\"matchLabels\":{\"app\":\"a\"},\"matchExpressions\":[{\"key\":\"t\",\"operator\":\"In\","
     "\"values\":[\"x\"]}]},\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
     "\"maxUnavailable\":1,\"maxSurge\":\"50%\"}},\"template\":{\"metadata\":{\"labels\":{"
     "\"app\":\"a\",\"t\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}},"
     "\"status\":{\"readyReplicas\":1}}"},
    {"replicasets", "{\"metadata\":{\"name\":\"r\",\"namespace\":\"d\"},\"spec\":{\"selector\":{"
                    "\"matchLabels\":{\"app\":\"a\"}},\"template\":{\"metadata\":{\"labels\":{"
                    "\"app\":\"a\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}"
                    ",\"status\":{\"replicas\":1}}"},
    {"daemonsets",
     "{\"metadata\":{\"name\":\"ds\",\"namespace\":\"d\"},\"spec\":{\"selector\":{"
     "\"matchLabels\":{\"a\":\"b\"}},\"updateStrategy\":{\"type\":\"RollingUpdate\","
     "\"rollingUpdate\":{\"maxUnavailable\":\"10%\",\"maxSurge\":0}},\"template\":{"
     "\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"nodeSelector\":{\"d\":\"s\"},"
     "\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}},\"status\":{"
     "\"desiredNumberScheduled\":2,\"numberReady\":1}}"},
    {"controllerrevisions",
     "{\"metadata\":{\"name\":\"cr\",\"namespace\":\"d\",\"ownerReferences\":[{"
     "\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"name\":\"ds\",\"uid\":\"u\","
     "\"controller\":true}]},\"data\":{\"spec\":{}},\"revision\":3}"},
    {"jobs", "{\"metadata\":{\"name\":\"j\",\"namespace\":\"d\",\"uid\":\"u\"},\"spec\":{"
             "\"parallelism\":2,\"completions\":3,\"podFailurePolicy\":{\"rules\":[{\"action\":"
             "\"Ignore\",\"onPodConditions\":[{\"type\":\"DisruptionTarget\"}]}]},\"template\":{"
             "\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":"
             "\"x\"}]}}},\"status\":{\"startTime\":\"2026-11-21T04:00:00Z\",\"completionTime\":"
             "\"2026-11-21T04:01:00Z\",\"succeeded\":3,\"conditions\":[{\"type\":\"Complete\","
             "\"status\":\"True\"}]}}"},
    {"leases", "{\"metadata\":{\"name\":\"l\",\"namespace\":\"d\"},\"spec\":{\"holderIdentity\":"
               "\"h\",\"leaseDurationSeconds\":40,\"leaseTransitions\":1}}"},
};

/* Runs every hook on a copy of root; only crashes, leaks and UB can fail here. */
static void exercise(const daas_kube_kind *k, const json_t *root, const json_t *orig)
{
    daas_kube_verr v = {0};
    json_t *a = json_deep_copy(root), *b = json_deep_copy(root);
    json_t *row = k->row(a, KT_NOW);
    assert_int_equal(json_array_size(row), k->ncolumns);
    json_decref(row);
    if (k->defaults != NULL) {
        k->defaults(a, NULL);
        k->defaults(b, orig);
    }
    daas_kube_validate_meta(k, a, NULL, &v);
    daas_kube_validate_meta(k, b, orig, &v);
    if (k->validate != NULL) {
        k->validate(a, NULL, &v);
        k->validate(b, orig, &v);
        k->validate(orig, b, &v);
    }
    row = k->row(b, KT_NOW);
    json_decref(row);
    daas_kube_verr_fini(&v);
    json_decref(a);
    json_decref(b);
}

static json_t *replacement(int i)
{
    switch (i) {
    case 0:
        return json_string("x");
    case 1:
        return json_integer(-7);
    case 2:
        return json_true();
    case 3:
        return json_null();
    case 4:
        return json_array();
    case 5:
        return json_real(1.5);
    default:
        return json_object();
    }
}

static void mutate(const daas_kube_kind *k, json_t *root, json_t *node, const json_t *orig,
                   int *count);

/* Stores v (stolen) as node[key] (an object's member) or node[idx] (key NULL: an array's). */
static void set_child(json_t *node, const char *key, size_t idx, json_t *v)
{
    if (key != NULL)
        json_object_set_new(node, key, v);
    else
        json_array_set_new(node, idx, v);
}

/* Replaces the child node[key] / node[idx] by each replacement in turn, exercising the kind
 * on each, restores it and recurses into it. */
static void mutate_child(const daas_kube_kind *k, json_t *root, json_t *node, const char *key,
                         size_t idx, const json_t *orig, int *count)
{
    json_t *child =
        json_incref(key != NULL ? json_object_get(node, key) : json_array_get(node, idx));
    for (int i = 0; i < 7; i++) {
        set_child(node, key, idx, replacement(i));
        exercise(k, root, orig);
        (*count)++;
    }
    set_child(node, key, idx, json_incref(child));
    mutate(k, root, child, orig, count);
    json_decref(child);
}

/* Replaces each child of node (in place, restoring it after) and recurses. */
static void mutate(const daas_kube_kind *k, json_t *root, json_t *node, const json_t *orig,
                   int *count)
{
    if (json_is_object(node)) {
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe(node, tmp, key, child)
        {
            mutate_child(k, root, node, key, 0, orig, count);
        }
    } else if (json_is_array(node)) {
        for (size_t idx = 0; idx < json_array_size(node); idx++)
            mutate_child(k, root, node, NULL, idx, orig, count);
    }
}

static void test_type_confusion(void **state)
{
    (void)state;
    int count = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const daas_kube_kind *k = kt_kind(samples[i].resource);
        json_t *root = kt_json(samples[i].json), *orig = kt_json(samples[i].json);
        exercise(k, root, orig);
        mutate(k, root, root, orig, &count);
        /* The walk restored everything. */
        assert_true(json_equal(root, orig));
        json_decref(root);
        json_decref(orig);
    }
    assert_true(count > 1000);
}

/* Every sample is valid after defaults, and defaults are idempotent on create and update. */
static void test_samples_valid_and_idempotent(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const daas_kube_kind *k = kt_kind(samples[i].resource);
        daas_kube_verr v = {0};
        json_t *o = kt_json(samples[i].json);
        kt_check(k, o, NULL, &v);
        if (kt_ncauses(&v) != 0)
            fail_msg("%s: %s", samples[i].resource, json_dumps(v.causes, 0));
        if (k->defaults != NULL)
            kt_assert_redefault(k, o, true);
        json_t *again = json_deep_copy(o);
        /* An unchanged update is valid. */
        kt_check(k, again, o, &v);
        if (kt_ncauses(&v) != 0)
            fail_msg("%s update: %s", samples[i].resource, json_dumps(v.causes, 0));
        json_decref(again);
        json_decref(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_confusion),
        cmocka_unit_test(test_samples_valid_and_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
