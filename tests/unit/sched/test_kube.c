/*
 * test_kube.c: Pod and Node JSON to the scheduler core's structs: realistic kubelet nodes and
 *              pods (every field), kube's effective-request rule (containers, init
 *              containers, sidecars, overhead), the pending flag, the spec digest's coverage
 *              (labels do not move it, requests/selector/affinity/tolerations do), strict
 *              errors with JSON paths, and a converted pod scheduled on converted nodes.
 *
 * Owns:   nothing beyond each test's JSON values and conversions (freed before it returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "sched/kube.h"

static const char NODE_JSON[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"ip-10-0-1-17\","
    "\"uid\":\"5b1c\",\"labels\":{\"kubernetes.io/hostname\":\"ip-10-0-1-17\","
    "\"topology.kubernetes.io/zone\":\"us-east-1a\",\"kubernetes.io/arch\":\"amd64\","
    "\"node.kubernetes.io/instance-type\":\"m5.xlarge\",\"empty\":\"\"},"
    "\"annotations\":{\"daas.io/owner\":\"0xA1\",\"daas.io/stake\":\"2500000000\","
    "\"node.alpha.kubernetes.io/ttl\":\"0\"}},"
    "\"spec\":{\"podCIDR\":\"10.42.1.0/24\",\"unschedulable\":true,"
    "\"taints\":[{\"key\":\"dedicated\",\"value\":\"db\",\"effect\":\"NoSchedule\"},"
    "{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\","
    "\"timeAdded\":\"2025-04-15T02:15:00Z\"},{\"key\":\"soft\",\"effect\":\"PreferNoSchedule\"},"
    "{\"key\":\"evict\",\"value\":\"x\",\"effect\":\"NoExecute\"}]},"
    "\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"16069996Ki\"},"
    "\"allocatable\":{\"cpu\":\"3920m\",\"memory\":\"15153516Ki\",\"pods\":\"110\","
    "\"ephemeral-storage\":\"76224326324\",\"hugepages-2Mi\":\"0\",\"hugepages-1Gi\":\"0\","
    "\"aws.ec2.nitro/nitro_enclaves\":\"1\"},"
    "\"conditions\":[{\"type\":\"MemoryPressure\",\"status\":\"False\"},"
    "{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}],"
    "\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\"}}}";

static const char POD_JSON[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\","
    "\"namespace\":\"shop\",\"uid\":\"8f1e2d3c-0000-4000-8000-000000000001\","
    "\"labels\":{\"app\":\"web\"},\"annotations\":{\"note\":\"x\"},"
    "\"resourceVersion\":\"42\",\"creationTimestamp\":\"2025-04-15T02:15:00Z\"},"
    "\"spec\":{\"containers\":["
    "{\"name\":\"app\",\"image\":\"nginx\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
    "\"memory\":\"256Mi\",\"aws.ec2.nitro/nitro_enclaves\":\"1\"},\"limits\":{\"cpu\":\"1\"}}},"
    "{\"name\":\"log\",\"image\":\"fluent\",\"resources\":{\"requests\":{\"cpu\":\"0.1\","
    "\"memory\":\"64Mi\",\"ephemeral-storage\":\"1Gi\"}}},"
    "{\"name\":\"noreq\",\"image\":\"busybox\"}],"
    "\"initContainers\":[{\"name\":\"migrate\",\"image\":\"m\",\"resources\":{\"requests\":"
    "{\"cpu\":\"2\",\"memory\":\"100Mi\"}}}],"
    "\"overhead\":{\"cpu\":\"10m\",\"memory\":\"1Mi\"},"
    "\"nodeSelector\":{\"kubernetes.io/arch\":\"amd64\",\"disk\":\"ssd\"},"
    "\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":"
    "{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"topology.kubernetes.io/zone\","
    "\"operator\":\"In\",\"values\":[\"us-east-1a\",\"us-east-1b\"]},{\"key\":\"gen\","
    "\"operator\":\"Gt\",\"values\":[\"4\"]},{\"key\":\"spot\",\"operator\":\"DoesNotExist\"}]},"
    "{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"In\",\"values\":[\"n9\"]}]}]},"
    "\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":1,\"preference\":{}}]}},"
    "\"tolerations\":[{\"key\":\"dedicated\",\"operator\":\"Equal\",\"value\":\"db\","
    "\"effect\":\"NoSchedule\"},{\"operator\":\"Exists\"},{\"key\":\"node.kubernetes.io/"
    "not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},"
    "{\"key\":\"k\",\"value\":\"v\"}]},"
    "\"status\":{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}}";

static json_t *load(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    if (j == NULL)
        fail_msg("fixture: %s at %d", je.text, je.position);
    return j;
}

/* json_t at a dotted path of object keys (no arrays). */
static json_t *at(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        j = json_object_get(j, k);
    return j;
}

static int64_t req_of(const daas_sched_pod *p, const char *name)
{
    for (size_t i = 0; i < p->n_requests; i++)
        if (strcmp(p->requests[i].name, name) == 0)
            return p->requests[i].qty;
    return -1;
}

/* Converts a pod and returns its digest (fails the test on error). */
static void digest_of(json_t *pod, uint8_t out[32])
{
    daas_sched_kpod k;
    daas_err err = {0};
    if (daas_sched_kube_pod(pod, &k, &err) != DAAS_OK)
        fail_msg("%s", err.msg);
    memcpy(out, k.pod.spec_digest, 32);
    daas_sched_kpod_fini(&k);
}

static void test_node(void **state)
{
    (void)state;
    json_t *j = load(NODE_JSON);
    daas_sched_knode k;
    daas_err err = {0};
    assert_int_equal(daas_sched_kube_node(j, &k, &err), DAAS_OK);
    json_decref(j); /* the conversion owns copies */
    const daas_sched_node *n = &k.node;
    assert_string_equal(n->name, "ip-10-0-1-17");
    uint8_t owner[32] = {0};
    owner[31] = 0xa1;
    assert_memory_equal(n->owner, owner, 32);
    assert_int_equal(n->stake, 2500000000ULL);
    assert_true(n->ready);
    assert_true(n->unschedulable);
    /* allocatable sorted by name; zero hugepages dropped */
    static const char *const names[] = {"aws.ec2.nitro/nitro_enclaves", "cpu", "ephemeral-storage",
                                        "memory", "pods"};
    static const int64_t qty[] = {1, 3920, 76224326324LL, 15153516LL * 1024, 110};
    assert_int_equal(n->n_alloc, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(n->alloc[i].name, names[i]);
        assert_int_equal(n->alloc[i].qty, qty[i]);
    }
    assert_int_equal(n->n_labels, 5);
    assert_string_equal(n->labels[0].key, "empty");
    assert_string_equal(n->labels[0].value, "");
    assert_string_equal(n->labels[4].key, "topology.kubernetes.io/zone");
    assert_string_equal(n->labels[4].value, "us-east-1a");
    assert_int_equal(n->n_taints, 4); /* in the node's order */
    assert_string_equal(n->taints[0].key, "dedicated");
    assert_string_equal(n->taints[0].value, "db");
    assert_int_equal(n->taints[0].effect, DAAS_SCHED_EFFECT_NO_SCHEDULE);
    assert_string_equal(n->taints[1].value, "");
    assert_int_equal(n->taints[2].effect, DAAS_SCHED_EFFECT_PREFER_NO_SCHEDULE);
    assert_int_equal(n->taints[3].effect, DAAS_SCHED_EFFECT_NO_EXECUTE);
    daas_sched_knode_fini(&k);
    daas_sched_knode_fini(&k); /* twice is fine */
}

static void test_node_defaults(void **state)
{
    (void)state;
    daas_sched_knode k;
    daas_err err = {0};
    json_t *j = load("{\"metadata\":{\"name\":\"bare\"},\"spec\":{},"
                     "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\"}],"
                     "\"allocatable\":{\"memory\":\"2Pi\",\"cpu\":4}}}");
    assert_int_equal(daas_sched_kube_node(j, &k, &err), DAAS_OK);
    static const uint8_t zero[32];
    assert_memory_equal(k.node.owner, zero, 32);
    assert_int_equal(k.node.stake, 0);
    assert_false(k.node.ready);
    assert_false(k.node.unschedulable);
    assert_int_equal(k.node.n_labels + k.node.n_taints, 0);
    assert_int_equal(k.node.n_alloc, 2);
    assert_int_equal(k.node.alloc[0].qty, 4000);               /* JSON number */
    assert_int_equal(k.node.alloc[1].qty, DAAS_SCHED_QTY_MAX); /* 2Pi clamped */
    daas_sched_knode_fini(&k);
    json_decref(j);
    /* no conditions at all: not ready */
    j = load("{\"metadata\":{\"name\":\"n\"}}");
    assert_int_equal(daas_sched_kube_node(j, &k, &err), DAAS_OK);
    assert_false(k.node.ready);
    assert_int_equal(k.node.n_alloc, 0);
    daas_sched_knode_fini(&k);
    json_decref(j);
}

/* Applies patch (a JSON object merged into a copy of base at path) and expects failure
 * whose message contains want. */
static void node_bad(const char *json, const char *want)
{
    daas_sched_knode k;
    daas_err err = {0};
    json_t *j = load(json);
    int rc = daas_sched_kube_node(j, &k, &err);
    json_decref(j);
    if (rc != DAAS_EINVALID || strstr(err.msg, want) == NULL)
        fail_msg("%s: rc %d, \"%s\" (want \"%s\")", json, rc, err.msg, want);
    assert_null(k._mem);
}

static void test_node_errors(void **state)
{
    (void)state;
    node_bad("[]", "$: a Node must be an object");
    node_bad("{\"metadata\":{}}", "metadata.name: is required");
    node_bad("{\"metadata\":{\"name\":\"\"}}", "metadata.name: must not be empty");
    node_bad("{\"metadata\":{\"name\":7}}", "metadata.name: must be a string");
    node_bad("{\"metadata\":{\"name\":\"n\",\"annotations\":{\"daas.io/owner\":\"a1\"}}}",
             "metadata.annotations[daas.io/owner]: sui address");
    node_bad("{\"metadata\":{\"name\":\"n\",\"annotations\":{\"daas.io/stake\":\"-1\"}}}",
             "metadata.annotations[daas.io/stake]: must be decimal digits");
    node_bad("{\"metadata\":{\"name\":\"n\",\"annotations\":{\"daas.io/stake\":"
             "\"18446744073709551616\"}}}",
             "daas.io/stake]: does not fit in u64");
    node_bad("{\"metadata\":{\"name\":\"n\",\"labels\":{\"a\":1}}}",
             "metadata.labels[a]: must be a string");
    node_bad("{\"metadata\":{\"name\":\"n\",\"labels\":[]}}", "metadata.labels: must be an object");
    node_bad("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"unschedulable\":\"yes\"}}",
             "spec.unschedulable: must be a boolean");
    node_bad("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":[{\"key\":\"k\","
             "\"effect\":\"NoWay\"}]}}",
             "spec.taints[0]: unknown effect \"NoWay\"");
    node_bad("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":[{\"effect\":\"NoSchedule\"}]}}",
             "spec.taints[0]: is required");
    node_bad("{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":{\"cpu\":\"4x\"}}}",
             "status.allocatable.cpu: quantity \"4x\" has an unknown suffix");
    node_bad("{\"metadata\":{\"name\":\"n\"},\"status\":{\"allocatable\":{\"cpu\":\"-4\"}}}",
             "status.allocatable.cpu: quantity \"-4\" is negative");
    node_bad("{\"metadata\":{\"name\":\"n\"},\"status\":{\"conditions\":[1]}}",
             "status.conditions[0]: must be an object");
    /* too many taints */
    json_t *j = load("{\"metadata\":{\"name\":\"n\"},\"spec\":{\"taints\":[]}}");
    for (int i = 0; i <= DAAS_SCHED_MAX_TAINTS; i++)
        json_array_append_new(at(j, "spec.taints"),
                              json_pack("{s:s, s:s}", "key", "k", "effect", "NoSchedule"));
    char *s = json_dumps(j, 0);
    node_bad(s, "spec.taints: has 65 entries (at most 64)");
    free(s);
    json_decref(j);
    /* a name longer than the core allows */
    char big[700];
    memset(big, 'a', 600);
    big[600] = '\0';
    char doc[800];
    snprintf(doc, sizeof(doc), "{\"metadata\":{\"name\":\"%s\"}}", big);
    node_bad(doc, "metadata.name: is longer than 512 bytes");
}

static void test_pod(void **state)
{
    (void)state;
    json_t *j = load(POD_JSON);
    daas_sched_kpod k;
    daas_err err = {0};
    assert_int_equal(daas_sched_kube_pod(j, &k, &err), DAAS_OK);
    json_decref(j);
    const daas_sched_pod *p = &k.pod;
    assert_string_equal(p->uid, "8f1e2d3c-0000-4000-8000-000000000001");
    assert_string_equal(p->ns, "shop");
    assert_string_equal(p->name, "web-0");
    /* cpu: sum 250m + 100m = 350m < init 2000m -> 2000m, + overhead 10m */
    assert_int_equal(req_of(p, "cpu"), 2010);
    /* memory: sum 320Mi > init 100Mi, + 1Mi */
    assert_int_equal(req_of(p, "memory"), (int64_t)321 << 20);
    assert_int_equal(req_of(p, "ephemeral-storage"), (int64_t)1 << 30);
    assert_int_equal(req_of(p, "aws.ec2.nitro/nitro_enclaves"), 1);
    assert_int_equal(p->n_requests, 4);
    assert_string_equal(p->requests[0].name, "aws.ec2.nitro/nitro_enclaves"); /* sorted */
    assert_int_equal(p->n_node_selector, 2);
    assert_string_equal(p->node_selector[0].key, "disk");
    assert_string_equal(p->node_selector[1].key, "kubernetes.io/arch");
    assert_true(p->has_affinity);
    assert_int_equal(p->n_terms, 2);
    assert_int_equal(p->terms[0].n_exprs, 3);
    assert_int_equal(p->terms[0].n_fields, 0);
    assert_string_equal(p->terms[0].exprs[0].key, "topology.kubernetes.io/zone");
    assert_int_equal(p->terms[0].exprs[0].op, DAAS_SCHED_OP_IN);
    assert_int_equal(p->terms[0].exprs[0].n_values, 2);
    assert_string_equal(p->terms[0].exprs[0].values[1], "us-east-1b");
    assert_int_equal(p->terms[0].exprs[1].op, DAAS_SCHED_OP_GT);
    assert_int_equal(p->terms[0].exprs[2].op, DAAS_SCHED_OP_DOES_NOT_EXIST);
    assert_int_equal(p->terms[0].exprs[2].n_values, 0);
    assert_int_equal(p->terms[1].n_exprs, 0);
    assert_int_equal(p->terms[1].n_fields, 1);
    assert_string_equal(p->terms[1].fields[0].values[0], "n9");
    assert_int_equal(p->n_tolerations, 4);
    assert_int_equal(p->tolerations[0].op, DAAS_SCHED_TOL_EQUAL);
    assert_int_equal(p->tolerations[0].effect, DAAS_SCHED_EFFECT_NO_SCHEDULE);
    assert_string_equal(p->tolerations[1].key, "");
    assert_int_equal(p->tolerations[1].op, DAAS_SCHED_TOL_EXISTS);
    assert_int_equal(p->tolerations[1].effect, DAAS_SCHED_EFFECT_ANY);
    assert_int_equal(p->tolerations[2].effect, DAAS_SCHED_EFFECT_NO_EXECUTE);
    assert_int_equal(p->tolerations[3].op, DAAS_SCHED_TOL_EQUAL); /* operator omitted */
    assert_string_equal(k.node_name, "");
    assert_true(k.pending);
    /* the digest is BLAKE2b-256 of the BCS with the digest field zeroed */
    daas_sched_pod z = *p;
    memset(z.spec_digest, 0, 32);
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_pod_encode(&z, &b, &err), DAAS_OK);
    uint8_t want[32], again[32];
    crypto_generichash(want, 32, (const unsigned char *)b.data, b.len, NULL, 0);
    daas_buf_fini(&b);
    assert_memory_equal(p->spec_digest, want, 32);
    assert_int_equal(daas_sched_pod_digest(p, again, &err), DAAS_OK); /* ignores its own */
    assert_memory_equal(again, want, 32);
    daas_sched_kpod_fini(&k);
}

/* Effective cpu (milli) of a pod with these containers / initContainers / overhead. */
static int64_t eff_cpu(const char *containers, const char *inits, const char *overhead)
{
    char doc[2048];
    snprintf(doc, sizeof(doc),
             "{\"metadata\":{\"uid\":\"u\",\"namespace\":\"d\",\"name\":\"p\"},"
             "\"spec\":{\"containers\":%s,\"initContainers\":%s,\"overhead\":%s}}",
             containers, inits, overhead);
    json_t *j = load(doc);
    daas_sched_kpod k;
    daas_err err = {0};
    if (daas_sched_kube_pod(j, &k, &err) != DAAS_OK)
        fail_msg("%s", err.msg);
    int64_t v = req_of(&k.pod, "cpu");
    daas_sched_kpod_fini(&k);
    json_decref(j);
    return v;
}

#define C(cpu) "{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" cpu "\"}}}"
#define SIDE(cpu)                                                                                  \
    "{\"name\":\"s\",\"restartPolicy\":\"Always\",\"resources\":{\"requests\":{\"cpu\":\"" cpu     \
    "\"}}}"

static void test_effective_requests(void **state)
{
    (void)state;
    /* max(sum containers, max init) */
    assert_int_equal(eff_cpu("[" C("1") "," C("1") "]", "[" C("1500m") "]", "null"), 2000);
    assert_int_equal(eff_cpu("[" C("1") "," C("1") "]", "[" C("3") "," C("500m") "]", "null"),
                     3000);
    assert_int_equal(eff_cpu("[" C("100m") "]", "[]", "{\"cpu\":\"50m\"}"), 150);
    /* no requests at all: absent (zero totals are left out), not 0 */
    assert_int_equal(eff_cpu("[{\"name\":\"c\"}]", "null", "null"), -1);
    assert_int_equal(eff_cpu("[" C("0") "]", "null", "null"), -1);
    /* exact sums: two 0.5m requests make 1m (per-container rounding would give 2m) */
    assert_int_equal(eff_cpu("[" C("0.5m") "," C("0.5m") "]", "null", "null"), 1);
    /* sidecar (restartable init container) adds to the containers' sum, and the init
     * containers after it run beside it: max(1 + 0.5, 0.5 + 2) = 2.5 */
    assert_int_equal(eff_cpu("[" C("1") "]", "[" SIDE("500m") "," C("2") "]", "null"), 2500);
    /* an init container before the sidecar does not carry it: max(1 + 0.5, 2) = 2 */
    assert_int_equal(eff_cpu("[" C("1") "]", "[" C("2") "," SIDE("500m") "]", "null"), 2000);
    /* two sidecars accumulate: containers 1 + 0.5 + 0.25 = 1.75 */
    assert_int_equal(eff_cpu("[" C("1") "]", "[" SIDE("500m") "," SIDE("250m") "]", "null"), 1750);
}

static void test_pending(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *meta, *status;
        bool pending;
        const char *node;
    } cases[] = {
        {"{}", "", "{\"phase\":\"Pending\"}", true, ""},
        {"{}", "", "{}", true, ""},
        {"{\"nodeName\":\"n1\"}", "", "{\"phase\":\"Pending\"}", false, "n1"},
        {"{}", ",\"deletionTimestamp\":\"2025-04-15T02:15:00Z\"", "{\"phase\":\"Pending\"}", false,
         ""},
        {"{}", "", "{\"phase\":\"Failed\"}", false, ""},
        {"{\"schedulingGates\":[{\"name\":\"g\"}]}", "", "{\"phase\":\"Pending\"}", false, ""},
        {"{\"schedulingGates\":[]}", "", "{\"phase\":\"Pending\"}", true, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[512];
        snprintf(doc, sizeof(doc),
                 "{\"metadata\":{\"uid\":\"u\",\"namespace\":\"d\",\"name\":\"p\"%s},"
                 "\"spec\":%s,\"status\":%s}",
                 cases[i].meta, cases[i].spec, cases[i].status);
        json_t *j = load(doc);
        daas_sched_kpod k;
        assert_int_equal(daas_sched_kube_pod(j, &k, NULL), DAAS_OK);
        if (k.pending != cases[i].pending)
            fail_msg("case %zu: pending %d", i, k.pending);
        assert_string_equal(k.node_name, cases[i].node);
        daas_sched_kpod_fini(&k);
        json_decref(j);
    }
}

/* Edits j at path (an object) setting key to the JSON text val. */
static void set(json_t *j, const char *path, const char *key, const char *val)
{
    json_object_set_new(path[0] ? at(j, path) : j, key, load(val));
}

static void test_digest(void **state)
{
    (void)state;
    uint8_t base[32], d[32];
    json_t *j = load(POD_JSON);
    digest_of(j, base);
    /* not covered: labels, annotations (the proof itself), nodeName, status, limits, images */
    set(j, "metadata", "labels", "{\"app\":\"web\",\"tier\":\"front\"}");
    set(j, "metadata", "annotations", "{\"daas.io/schedule-proof\":\"{}\"}");
    set(j, "metadata", "resourceVersion", "\"43\"");
    set(j, "spec", "nodeName", "\"ip-10-0-1-17\"");
    set(j, "", "status", "{\"phase\":\"Running\"}");
    set(json_array_get(at(j, "spec.containers"), 0), "resources", "limits", "{\"cpu\":\"4\"}");
    set(json_array_get(at(j, "spec.containers"), 0), "", "image", "\"nginx:1.27\"");
    /* the same quantity spelt differently is the same request */
    set(json_array_get(at(j, "spec.containers"), 0), "resources.requests", "cpu", "\"0.25\"");
    digest_of(j, d);
    assert_memory_equal(d, base, 32);

    static const struct {
        const char *path, *key, *val;
    } edits[] = {
        {"spec", "overhead", "{\"cpu\":\"20m\"}"},
        {"spec", "nodeSelector", "{\"kubernetes.io/arch\":\"arm64\",\"disk\":\"ssd\"}"},
        {"spec", "nodeSelector", "{\"kubernetes.io/arch\":\"amd64\"}"},
        {"spec.affinity.nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
         "{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":"
         "\"Exists\"}]}]}"},
        {"spec", "affinity", "{}"},
        {"spec", "tolerations", "[{\"operator\":\"Exists\"}]"},
        {"spec", "tolerations", "[]"},
        {"metadata", "uid", "\"other\""},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        json_t *c = json_deep_copy(j);
        set(c, edits[i].path, edits[i].key, edits[i].val);
        digest_of(c, d);
        if (memcmp(d, base, 32) == 0)
            fail_msg("edit %zu (%s.%s) kept the digest", i, edits[i].path, edits[i].key);
        json_decref(c);
    }
    /* requests: a container's memory */
    json_t *c = json_deep_copy(j);
    set(json_array_get(at(c, "spec.containers"), 1), "resources", "requests",
        "{\"cpu\":\"0.1\",\"memory\":\"65Mi\",\"ephemeral-storage\":\"1Gi\"}");
    digest_of(c, d);
    assert_memory_not_equal(d, base, 32);
    json_decref(c);
    json_decref(j);
}

static void pod_bad(const char *spec, const char *want)
{
    char doc[4096];
    snprintf(doc, sizeof(doc),
             "{\"metadata\":{\"uid\":\"u\",\"namespace\":\"d\",\"name\":\"p\"},\"spec\":%s}", spec);
    daas_sched_kpod k;
    daas_err err = {0};
    json_t *j = load(doc);
    int rc = daas_sched_kube_pod(j, &k, &err);
    json_decref(j);
    if (rc != DAAS_EINVALID || strstr(err.msg, want) == NULL)
        fail_msg("%s: rc %d, \"%s\" (want \"%s\")", spec, rc, err.msg, want);
    assert_null(k._mem);
}

static void app(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst);
    snprintf(dst + n, cap - n, "%s", s);
}

#define AFF(terms)                                                                                 \
    "{\"affinity\":{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{"        \
    "\"nodeSelectorTerms\":" terms "}}}}"

static void test_pod_errors(void **state)
{
    (void)state;
    pod_bad("{\"containers\":[" C("1") "," C("lots") "]}",
            "spec.containers[1].resources.requests.cpu: quantity \"lots\" has no digits");
    pod_bad("{\"initContainers\":[{\"resources\":{\"requests\":{\"memory\":\"-1Gi\"}}}]}",
            "spec.initContainers[0].resources.requests.memory: quantity \"-1Gi\" is negative");
    pod_bad("{\"containers\":[{\"resources\":{\"requests\":{\"memory\":true}}}]}",
            "spec.containers[0].resources.requests.memory: quantity must be a string or a number");
    pod_bad("{\"containers\":{}}", "spec.containers: must be an array");
    pod_bad("{\"containers\":[7]}", "spec.containers[0]: must be an object");
    pod_bad("{\"containers\":[{\"resources\":[]}]}",
            "spec.containers[0].resources: must be an object");
    pod_bad("{\"containers\":[{\"resources\":{\"requests\":{\"pods\":\"1\"}}}]}",
            "spec.containers[0].resources.requests.pods: a pod may not request \"pods\"");
    pod_bad("{\"containers\":[{\"resources\":{\"requests\":{\"memory\":\"2Pi\"}}}]}",
            "memory of 2251799813685248 is above 1125899906842624");
    pod_bad("{\"overhead\":{\"cpu\":\"1q\"}}", "spec.overhead.cpu: quantity \"1q\"");
    pod_bad("{\"nodeSelector\":{\"a\":[]}}", "spec.nodeSelector[a]: must be a string");
    pod_bad("{\"tolerations\":[{\"operator\":\"Maybe\"}]}",
            "spec.tolerations[0]: unknown operator \"Maybe\"");
    pod_bad("{\"tolerations\":[{\"effect\":\"NoRun\"}]}", "spec.tolerations[0]: unknown effect");
    pod_bad("{\"tolerations\":[{\"key\":5}]}", "spec.tolerations[0]: must be a string");
    pod_bad(AFF("[{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"Near\"}]}]"),
            "nodeSelectorTerms[0].matchExpressions[0]: unknown operator \"Near\"");
    pod_bad(AFF("[{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"values\":[1]}]}]"),
            "nodeSelectorTerms[0].matchExpressions[0].values[0]: must be a string");
    pod_bad(AFF("[{\"matchExpressions\":[{\"operator\":\"Exists\"}]}]"),
            "nodeSelectorTerms[0].matchExpressions[0]: is required");
    pod_bad(AFF("{}"), "nodeSelectorTerms: must be an array");
    /* rules the core checks come back as EINVALID too */
    pod_bad(
        AFF("[{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"Gt\",\"values\":[\"x\"]}]}]"),
        "Gt/Lt needs one integer");
    pod_bad(AFF("[{\"matchFields\":[{\"key\":\"metadata.uid\",\"operator\":\"In\","
                "\"values\":[\"x\"]}]}]"),
            "matchFields key metadata.uid is not metadata.name");
    /* too many tolerations */
    char spec[4096] = "{\"tolerations\":[";
    for (int i = 0; i <= DAAS_SCHED_MAX_TOLERATIONS; i++)
        app(spec, sizeof(spec), i ? ",{}" : "{}");
    app(spec, sizeof(spec), "]}");
    pod_bad(spec, "spec.tolerations: has 65 entries (at most 64)");
    /* more distinct resources than the core takes */
    char many[4096] = "{\"containers\":[{\"resources\":{\"requests\":{";
    for (int i = 0; i <= DAAS_SCHED_MAX_RESOURCES; i++) {
        char one[32];
        snprintf(one, sizeof(one), "%s\"r%d\":\"1\"", i ? "," : "", i);
        app(many, sizeof(many), one);
    }
    app(many, sizeof(many), "}}}]}");
    pod_bad(many, "spec.containers[0].resources.requests: has 65 resources (at most 64)");

    daas_sched_kpod k;
    daas_err err = {0};
    json_t *j = load("{\"metadata\":{\"namespace\":\"d\",\"name\":\"p\"}}");
    assert_int_equal(daas_sched_kube_pod(j, &k, &err), DAAS_EINVALID);
    assert_string_equal(err.msg, "metadata.uid: is required");
    json_decref(j);
}

/* Converted nodes and a converted pod go through the core as they are. */
static void test_schedule(void **state)
{
    (void)state;
    json_t *nj = load(NODE_JSON), *pj = load(POD_JSON);
    daas_sched_knode kn;
    daas_sched_kpod kp;
    assert_int_equal(daas_sched_kube_node(nj, &kn, NULL), DAAS_OK);
    assert_int_equal(daas_sched_kube_pod(pj, &kp, NULL), DAAS_OK);
    daas_sched_state *st = daas_sched_state_new();
    daas_sched_delta d = {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = kn.node};
    assert_int_equal(daas_sched_state_apply(st, &d, NULL), DAAS_OK);
    daas_sched_result r;
    daas_err err = {0};
    /* cordoned, but the pod tolerates everything; its selector wants disk=ssd */
    assert_int_equal(daas_sched_schedule(st, &kp.pod, &r, &err), DAAS_OK);
    assert_false(r.found);
    assert_string_equal(r.reason, "0/1 nodes are available: 1 node(s) didn't match Pod's node "
                                  "affinity/selector.");
    daas_sched_result_fini(&r);
    daas_sched_kpod_fini(&kp);
    /* without selector and affinity it fits (cpu 2010m of 3920m, the Nitro device, ...) */
    json_object_del(json_object_get(pj, "spec"), "nodeSelector");
    json_object_del(json_object_get(pj, "spec"), "affinity");
    assert_int_equal(daas_sched_kube_pod(pj, &kp, NULL), DAAS_OK);
    assert_int_equal(daas_sched_schedule(st, &kp.pod, &r, &err), DAAS_OK);
    assert_true(r.found);
    assert_string_equal(r.node, "ip-10-0-1-17");
    daas_sched_result_fini(&r);
    /* a second Nitro pod does not: the node has one device */
    daas_sched_delta b = {.seq = 2,
                          .kind = DAAS_SCHED_POD_BOUND,
                          .bound = {"x", "ip-10-0-1-17", kp.pod.requests, kp.pod.n_requests}};
    assert_int_equal(daas_sched_state_apply(st, &b, NULL), DAAS_OK);
    assert_int_equal(daas_sched_schedule(st, &kp.pod, &r, &err), DAAS_OK);
    assert_false(r.found);
    assert_non_null(strstr(r.reason, "Insufficient aws.ec2.nitro/nitro_enclaves"));
    daas_sched_result_fini(&r);
    daas_sched_state_free(&st);
    daas_sched_kpod_fini(&kp);
    daas_sched_knode_fini(&kn);
    json_decref(nj);
    json_decref(pj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node),
        cmocka_unit_test(test_node_defaults),
        cmocka_unit_test(test_node_errors),
        cmocka_unit_test(test_pod),
        cmocka_unit_test(test_effective_requests),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_pod_errors),
        cmocka_unit_test(test_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
