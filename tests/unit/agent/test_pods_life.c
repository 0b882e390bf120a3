/*
 * test_pods_life.c: the pure parts of the pod lifecycle: phases under each restartPolicy
 * (the kubelet's getPhase), the crash-loop back-off, the status of a restarting container
 * (lastState, restartCount, containerID), readiness in conditions, Kubernetes quantities,
 * limits, the QoS class, the Nitro device resource, the runc id convention.
 *
 * Owns:   nothing beyond each test's objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent/pods.h"
#include "agent/pods_int.h"
#include "agent/serve.h"
#include "common/alloc.h"

static json_t *pod_json(const char *policy, int n_ctrs)
{
    json_t *ctrs = json_array();
    for (int i = 0; i < n_ctrs; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        json_array_append_new(ctrs, json_pack("{s:s,s:s}", "name", name, "image", "r/b:1"));
    }
    json_t *spec = json_pack("{s:o}", "containers", ctrs);
    if (policy != NULL)
        json_object_set_new(spec, "restartPolicy", json_string(policy));
    return json_pack("{s:{s:s,s:s,s:s},s:o}", "metadata", "namespace", "ns", "name", "p", "uid",
                     "0123456789abcdef", "spec", spec);
}

static void init_pod(daas_agent_pods_pod *p, const char *policy, int n)
{
    json_t *j = pod_json(policy, n);
    daas_err e = {0};
    memset(p, 0, sizeof *p);
    assert_int_equal(daas_agent_pods_pod_init(p, j, 0, &e), DAAS_OK);
    json_decref(j);
}

static void set_term(daas_agent_pods_ctr *c, int code)
{
    c->state = DAAS_AGENT_CTR_TERMINATED;
    c->term.set = true;
    c->term.exit_code = code;
}

/* A container waiting to restart after a run (back-off). */
static void set_backoff(daas_agent_pods_ctr *c, int code)
{
    set_term(c, code);
    daas_agent_pods_ctr_archive(c);
    daas_agent_pods_ctr_wait(c, "CrashLoopBackOff", "back-off 10s");
}

static void test_phase_policies(void **state)
{
    (void)state;
    daas_agent_pods_pod p;
    init_pod(&p, NULL, 2);
    assert_int_equal(p.restart_policy, DAAS_AGENT_RESTART_ALWAYS);
    assert_string_equal(daas_agent_pods_phase(&p), "Pending");
    p.ctrs[0].state = DAAS_AGENT_CTR_RUNNING;
    assert_string_equal(daas_agent_pods_phase(&p), "Pending"); /* c1 never ran yet */
    set_backoff(&p.ctrs[1], 1);
    assert_string_equal(daas_agent_pods_phase(&p), "Running");
    set_backoff(&p.ctrs[0], 0);
    assert_string_equal(daas_agent_pods_phase(&p), "Running"); /* Always: restarting */
    daas_agent_pods_pod_fini(&p);

    init_pod(&p, "OnFailure", 2);
    set_term(&p.ctrs[0], 0);
    set_backoff(&p.ctrs[1], 2);
    assert_string_equal(daas_agent_pods_phase(&p), "Running"); /* c1 will be restarted */
    set_term(&p.ctrs[1], 0);
    assert_string_equal(daas_agent_pods_phase(&p), "Succeeded");
    daas_agent_pods_pod_fini(&p);

    init_pod(&p, "Never", 2);
    set_term(&p.ctrs[0], 0);
    p.ctrs[1].state = DAAS_AGENT_CTR_RUNNING;
    assert_string_equal(daas_agent_pods_phase(&p), "Running");
    set_term(&p.ctrs[1], 137);
    assert_string_equal(daas_agent_pods_phase(&p), "Failed");
    daas_agent_pods_pod_fini(&p);
}

static void test_should_restart(void **state)
{
    (void)state;
    assert_true(daas_agent_pods_should_restart(DAAS_AGENT_RESTART_ALWAYS, 0));
    assert_true(daas_agent_pods_should_restart(DAAS_AGENT_RESTART_ALWAYS, 1));
    assert_false(daas_agent_pods_should_restart(DAAS_AGENT_RESTART_ONFAILURE, 0));
    assert_true(daas_agent_pods_should_restart(DAAS_AGENT_RESTART_ONFAILURE, 1));
    assert_false(daas_agent_pods_should_restart(DAAS_AGENT_RESTART_NEVER, 1));
}

static void test_backoff(void **state)
{
    (void)state;
    daas_agent_pods_ctr c = {0};
    static const int want[] = {0, 10, 20, 40, 80, 160, 300, 300};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(daas_agent_pods_backoff_next(&c, 1), want[i]);
    /* ten minutes of running reset it */
    assert_int_equal(daas_agent_pods_backoff_next(&c, 600), 0);
    assert_int_equal(daas_agent_pods_backoff_next(&c, 599), 10);
}

static const json_t *cstatus(const json_t *st, size_t i)
{
    return json_array_get(json_object_get(st, "containerStatuses"), i);
}

static void test_status_crashloop(void **state)
{
    (void)state;
    daas_agent_pods_pod p;
    init_pod(&p, "OnFailure", 1);
    daas_agent_pods_ctr *c = &p.ctrs[0];
    set_term(c, 1);
    c->term.reason = daas_xstrdup("Error");
    c->term.id = daas_xstrdup("01234567-c0-2");
    c->restarts = 2;
    daas_agent_pods_ctr_archive(c);
    daas_agent_pods_ctr_wait(c, "CrashLoopBackOff",
                             "back-off 20s restarting failed container=c0 pod=p_ns(0123)");
    json_t *st = daas_agent_pods_status_json(&p, "10.0.0.1");
    assert_string_equal(json_string_value(json_object_get(st, "phase")), "Running");
    const json_t *cs = cstatus(st, 0);
    assert_int_equal(json_integer_value(json_object_get(cs, "restartCount")), 2);
    assert_false(json_is_true(json_object_get(cs, "ready")));
    assert_false(json_is_true(json_object_get(cs, "started")));
    const json_t *w = json_object_get(json_object_get(cs, "state"), "waiting");
    assert_string_equal(json_string_value(json_object_get(w, "reason")), "CrashLoopBackOff");
    assert_non_null(strstr(json_string_value(json_object_get(w, "message")), "back-off 20s"));
    const json_t *lt = json_object_get(json_object_get(cs, "lastState"), "terminated");
    assert_int_equal(json_integer_value(json_object_get(lt, "exitCode")), 1);
    assert_string_equal(json_string_value(json_object_get(lt, "reason")), "Error");
    assert_string_equal(json_string_value(json_object_get(lt, "containerID")),
                        "runc://01234567-c0-2");
    assert_string_equal(json_string_value(json_object_get(cs, "containerID")),
                        "runc://01234567-c0-2");
    assert_string_equal(json_string_value(json_object_get(st, "qosClass")), "BestEffort");
    json_decref(st);
    daas_agent_pods_pod_fini(&p);
}

static const json_t *cond(const json_t *st, const char *type)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(st, "conditions"), i,
                       c) if (strcmp(json_string_value(json_object_get(c, "type")), type) ==
                              0) return c;
    return NULL;
}

static void test_status_readiness(void **state)
{
    (void)state;
    daas_agent_pods_pod p;
    init_pod(&p, NULL, 2);
    for (size_t i = 0; i < 2; i++) {
        p.ctrs[i].state = DAAS_AGENT_CTR_RUNNING;
        p.ctrs[i].started = true;
        p.ctrs[i].id = daas_agent_ctr_id(p.uid, p.ctrs[i].name, 0);
    }
    p.ctrs[0].ready = true;
    json_t *st = daas_agent_pods_status_json(&p, "10.0.0.1");
    const json_t *r = cond(st, "Ready");
    assert_string_equal(json_string_value(json_object_get(r, "status")), "False");
    assert_string_equal(json_string_value(json_object_get(r, "reason")), "ContainersNotReady");
    assert_string_equal(json_string_value(json_object_get(r, "message")),
                        "containers with unready status: [c1]");
    assert_true(json_is_true(json_object_get(cstatus(st, 0), "ready")));
    assert_false(json_is_true(json_object_get(cstatus(st, 1), "ready")));
    assert_string_equal(json_string_value(json_object_get(cstatus(st, 1), "containerID")),
                        "runc://01234567-c1-0");
    json_decref(st);
    p.ctrs[1].ready = true;
    st = daas_agent_pods_status_json(&p, "10.0.0.1");
    assert_string_equal(json_string_value(json_object_get(cond(st, "Ready"), "status")), "True");
    assert_string_equal(json_string_value(json_object_get(cond(st, "ContainersReady"), "status")),
                        "True");
    json_decref(st);
    daas_agent_pods_pod_fini(&p);
}

static int64_t qty(const char *s, bool milli)
{
    int64_t v = -1;
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_quantity(s, milli, &v, &e), DAAS_OK);
    return v;
}

static void test_quantity(void **state)
{
    (void)state;
    assert_int_equal(qty("128Mi", false), 128LL << 20);
    assert_int_equal(qty("1G", false), 1000000000LL);
    assert_int_equal(qty("1Gi", false), 1LL << 30);
    assert_int_equal(qty("500m", true), 500);
    assert_int_equal(qty("2", true), 2000);
    assert_int_equal(qty("0.5", true), 500);
    assert_int_equal(qty("1.5Gi", false), 3LL << 29);
    assert_int_equal(qty("1e3", false), 1000);
    assert_int_equal(qty("100k", false), 100000);
    assert_int_equal(qty("1m", false), 1); /* rounded up to a whole unit */
    assert_int_equal(qty("250u", true), 1);
    assert_int_equal(qty("7Ei", false), 7LL << 60);
}

static void test_quantity_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {"",    "-1", "Mi",   "1.2.3", "1Xi", "1 Mi",
                                      "abc", "1e", "1e99", "0x10",  NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        int64_t v = 0;
        daas_err e = {0};
        int rc = daas_agent_pods_quantity(bad[i], false, &v, &e);
        assert_true(rc == DAAS_EINVAL || rc == DAAS_ETOOBIG);
    }
    int64_t v;
    assert_int_equal(daas_agent_pods_quantity("8Ei", false, &v, NULL), DAAS_ETOOBIG);
    assert_int_equal(daas_agent_pods_quantity("9223372036854775808", false, &v, NULL),
                     DAAS_ETOOBIG);
    assert_int_equal(daas_agent_pods_quantity("9223372036854775807", false, &v, NULL), DAAS_OK);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(daas_agent_pods_quantity("99999999999999999999999", false, &v, NULL),
                     DAAS_ETOOBIG);
}

static void test_limits_qos(void **state)
{
    (void)state;
    json_t *c = json_loads("{\"name\":\"a\",\"resources\":{\"limits\":{\"memory\":\"64Mi\","
                           "\"cpu\":\"250m\"}}}",
                           0, NULL);
    uint64_t mem = 0;
    uint32_t cpu = 0;
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_limits(c, &mem, &cpu, &e), DAAS_OK);
    assert_int_equal(mem, 64 << 20);
    assert_int_equal(cpu, 250);
    json_t *pod = json_pack("{s:{s:[O]}}", "spec", "containers", c);
    assert_string_equal(daas_agent_pods_qos(pod), "Guaranteed");
    json_object_set_new(json_object_get(c, "resources"), "requests",
                        json_pack("{s:s}", "cpu", "100m"));
    assert_string_equal(daas_agent_pods_qos(pod), "Burstable");
    json_decref(pod);
    json_decref(c);
    pod = json_loads("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\","
                     "\"resources\":{\"requests\":{\"memory\":\"1Gi\"}}}]}}",
                     0, NULL);
    assert_string_equal(daas_agent_pods_qos(pod), "Burstable");
    json_object_del(json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 1),
                    "resources");
    assert_string_equal(daas_agent_pods_qos(pod), "BestEffort");
    json_decref(pod);
    c = json_loads("{\"resources\":{\"limits\":{\"memory\":\"lots\"}}}", 0, NULL);
    assert_int_equal(daas_agent_pods_limits(c, &mem, &cpu, &e), DAAS_EINVAL);
    json_decref(c);
}

static void test_nitro(void **state)
{
    (void)state;
    json_t *c = json_loads("{\"resources\":{\"limits\":{\"aws.ec2.nitro/nitro_enclaves\":\"1\","
                           "\"hugepages-2Mi\":\"512Mi\"}}}",
                           0, NULL);
    assert_true(daas_agent_pods_wants_nitro(c));
    json_decref(c);
    c = json_loads("{\"resources\":{\"limits\":{\"cpu\":\"1\"}}}", 0, NULL);
    assert_false(daas_agent_pods_wants_nitro(c));
    json_decref(c);
}

static void test_node_config(void **state)
{
    (void)state;
    json_t *c = json_loads("{\"resources\":{\"limits\":{\"aws.ec2.nitro/nitro_enclaves\":\"1\"}}}",
                           0, NULL);
    const char *dev = "x";
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_node_config(c, NULL, true, &dev, &e), DAAS_EINVAL);
    assert_non_null(strstr(e.msg, "no Nitro Enclaves device"));
    daas_err_clear(&e);
    assert_int_equal(daas_agent_pods_node_config(c, "/nonexistent/nitro", true, &dev, &e),
                     DAAS_EINVAL);
    assert_int_equal(daas_agent_pods_node_config(c, "/dev/null", true, &dev, &e), DAAS_OK);
    assert_string_equal(dev, "/dev/null");
    json_decref(c);
    c = json_loads("{\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}", 0, NULL);
    assert_int_equal(daas_agent_pods_node_config(c, NULL, false, &dev, &e), DAAS_OK);
    assert_null(dev);
    json_decref(c);
    c = json_loads("{\"env\":[{\"name\":\"A\",\"valueFrom\":{\"secretKeyRef\":{}}}]}", 0, NULL);
    daas_err_clear(&e);
    assert_int_equal(daas_agent_pods_node_config(c, NULL, false, &dev, &e), DAAS_EINVAL);
    assert_non_null(strstr(e.msg, "no access to the cluster's ConfigMaps/Secrets"));
    assert_int_equal(daas_agent_pods_node_config(c, NULL, true, &dev, NULL), DAAS_OK);
    json_decref(c);
}

static void test_run_of(void **state)
{
    (void)state;
    unsigned n = 99;
    char *id = daas_agent_ctr_id("0123456789abcdef", "web", 7);
    assert_string_equal(id, "01234567-web-7");
    assert_true(daas_agent_pods__run_of(id, "0123456789abcdef", "web", &n));
    assert_int_equal(n, 7);
    daas_free(id);
    /* a container named "web-1" is not a run of "web" */
    assert_false(daas_agent_pods__run_of("01234567-web-1-0", "0123456789abcdef", "web", &n));
    assert_true(daas_agent_pods__run_of("01234567-web-1-0", "0123456789abcdef", "web-1", &n));
    assert_int_equal(n, 0);
    assert_false(daas_agent_pods__run_of("01234567-web", "0123456789abcdef", "web", &n));
    assert_false(daas_agent_pods__run_of("01234567-web-", "0123456789abcdef", "web", &n));
    assert_false(daas_agent_pods__run_of("01234568-web-1", "0123456789abcdef", "web", &n));
    assert_false(
        daas_agent_pods__run_of("01234567-web-99999999999", "0123456789abcdef", "web", &n));
}

static void test_init_rejects_bad_probe(void **state)
{
    (void)state;
    json_t *j = json_loads("{\"metadata\":{\"namespace\":\"n\",\"name\":\"p\",\"uid\":"
                           "\"0123456789\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                           "\"livenessProbe\":{\"httpGet\":{\"port\":\"http\"}}}]}}",
                           0, NULL);
    daas_agent_pods_pod p = {0};
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_pod_init(&p, j, 0, &e), DAAS_EINVAL);
    assert_non_null(strstr(e.msg, "http"));
    daas_agent_pods_pod_fini(&p);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase_policies),
        cmocka_unit_test(test_should_restart),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_status_crashloop),
        cmocka_unit_test(test_status_readiness),
        cmocka_unit_test(test_quantity),
        cmocka_unit_test(test_quantity_bad),
        cmocka_unit_test(test_limits_qos),
        cmocka_unit_test(test_nitro),
        cmocka_unit_test(test_run_of),
        cmocka_unit_test(test_node_config),
        cmocka_unit_test(test_init_rejects_bad_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
