/*
 * test_evict.c: POST pods/{name}/eviction (src/api/evict.c) in process, around a
 *               PodDisruptionBudget whose status the test writes itself (no disruption
 *               controller): a budget not yet processed (observedGeneration behind) answers
 *               429 with upstream's cause, details.retryAfterSeconds 10 and a Retry-After
 *               header; a budget that allows nothing answers 429 without Retry-After; one
 *               that allows a disruption evicts (201) and is decremented with the pod in
 *               disruptedPods; a pod under two budgets is a 500.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_testutil.h"
#include "kube/obj.h"

#define PODS "/api/v1/namespaces/default/pods"
#define PDBS "/apis/policy/v1/namespaces/default/poddisruptionbudgets"
#define EVICT "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"web\"}}"

static int setup(void **state)
{
    apit *t = daas_xcalloc(1, sizeof *t);
    apit_open(t, "evict");
    const char *pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
                      "\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                      "\"image\":\"busybox\"}]}}";
    assert_int_equal(apit_call(t, "POST", PODS, NULL, NULL, pod, NULL), 201);
    assert_int_equal(apit_call(t, "PATCH", PODS "/web/status", NULL,
                               "application/merge-patch+json",
                               "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":"
                               "\"Ready\",\"status\":\"True\"}]}}",
                               NULL),
                     200);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    apit *t = *state;
    apit_close(t);
    daas_free(t);
    return 0;
}

static void mkpdb(apit *t, const char *name)
{
    char b[512];
    snprintf(b, sizeof b,
             "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{"
             "\"name\":\"%s\"},\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{"
             "\"app\":\"web\"}}}}",
             name);
    assert_int_equal(apit_call(t, "POST", PDBS, NULL, NULL, b, NULL), 201);
}

/* The budget's status as the disruption controller would write it. */
static void set_status(apit *t, int observed, int allowed)
{
    char b[256];
    snprintf(b, sizeof b,
             "{\"status\":{\"observedGeneration\":%d,\"disruptionsAllowed\":%d,"
             "\"currentHealthy\":1,\"desiredHealthy\":1,\"expectedPods\":1}}",
             observed, allowed);
    assert_int_equal(apit_call(t, "PATCH", PDBS "/web/status", NULL,
                               "application/merge-patch+json", b, NULL),
                     200);
}

static void test_budget(void **state)
{
    apit *t = *state;
    json_t *o = NULL;
    mkpdb(t, "web");
    /* not processed yet: generation 1, observedGeneration 0 */
    assert_int_equal(apit_call(t, "POST", PODS "/web/eviction", NULL, NULL, EVICT, &o), 429);
    assert_string_equal(daas_kube_str(o, "reason"), "TooManyRequests");
    assert_string_equal(daas_kube_str(o, "message"),
                        "Cannot evict pod as it would violate the pod's disruption budget.");
    json_t *cause = json_array_get(daas_kube_path(o, "details.causes"), 0);
    assert_string_equal(daas_kube_str(cause, "reason"), "DisruptionBudget");
    assert_string_equal(daas_kube_str(cause, "message"),
                        "The disruption budget web is still being processed by the server.");
    assert_int_equal(daas_kube_int(o, "details.retryAfterSeconds", 0), 10);
    assert_non_null(strstr(t->headers, "Retry-After: 10\r\n"));
    json_decref(o);

    /* processed, nothing allowed: 429, no Retry-After */
    set_status(t, 1, 0);
    assert_int_equal(apit_call(t, "POST", PODS "/web/eviction", NULL, NULL, EVICT, &o), 429);
    cause = json_array_get(daas_kube_path(o, "details.causes"), 0);
    assert_string_equal(daas_kube_str(cause, "message"),
                        "The disruption budget web needs 1 healthy pods and has 1 currently");
    assert_null(strstr(t->headers, "Retry-After"));
    json_decref(o);

    /* one allowed: evicted, the budget spent and the pod recorded */
    set_status(t, 1, 1);
    assert_int_equal(apit_call(t, "POST", PODS "/web/eviction", NULL, NULL, EVICT, &o), 201);
    assert_string_equal(daas_kube_str(o, "status"), "Success");
    json_decref(o);
    assert_int_equal(apit_call(t, "GET", PDBS "/web", NULL, NULL, NULL, &o), 200);
    assert_int_equal(daas_kube_int(o, "status.disruptionsAllowed", -1), 0);
    assert_non_null(daas_kube_path(o, "status.disruptedPods.web"));
    json_decref(o);
}

static void test_two_budgets(void **state)
{
    apit *t = *state;
    json_t *o = NULL;
    mkpdb(t, "web");
    mkpdb(t, "web2");
    assert_int_equal(apit_call(t, "POST", PODS "/web/eviction", NULL, NULL, EVICT, &o), 500);
    assert_string_equal(daas_kube_str(o, "message"),
                        "This pod has more than one PodDisruptionBudget, which the eviction "
                        "subresource does not support.");
    json_decref(o);
    assert_int_equal(apit_call(t, "GET", PODS "/web", NULL, NULL, NULL, NULL), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_budgets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
