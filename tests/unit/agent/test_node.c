/*
 * test_node.c: the Node the agent writes: capacity (with hugepages and the Nitro Enclaves
 * resource only when the host has the device), the annotations the server relies on (stake,
 * the endpoint certificate's fingerprint) and the endpoint port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/node.h"
#include "agent/serve.h"
#include "kube/obj.h"

static daas_agent_host host(void)
{
    daas_agent_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "n1");
    snprintf(h.hostname, sizeof h.hostname, "box");
    snprintf(h.address, sizeof h.address, "10.0.0.7");
    h.cpus = 2;
    h.memory = (uint64_t)4 << 30;
    h.storage = (uint64_t)10 << 30;
    h.hugepages_2m = 512;
    h.stake = 7000000000ULL;
    h.port = 10250;
    memset(h.cert_sha256, 'a', 64);
    return h;
}

static void node_json(void **state)
{
    (void)state;
    daas_agent_host h = host();
    json_t *n = daas_agent_node_json(&h, 0);
    assert_string_equal(daas_kube_str(n, "status.capacity.hugepages-2Mi"), "1024Mi");
    assert_string_equal(daas_kube_str(n, "status.capacity.hugepages-1Gi"), "0Gi");
    assert_string_equal(daas_kube_str(n, "status.capacity.memory"), "4194304Ki");
    assert_null(json_object_get(daas_kube_path(n, "status.capacity"), DAAS_AGENT_NITRO_RESOURCE));
    assert_int_equal(json_integer_value(daas_kube_path(n, "status.daemonEndpoints.kubeletEndpoint.Port")),
                     10250);
    json_t *ann = daas_kube_path(n, "metadata.annotations");
    assert_string_equal(json_string_value(json_object_get(ann, "daas.io/stake")), "7000000000");
    assert_int_equal(strlen(json_string_value(json_object_get(ann, DAAS_AGENT_CERT_ANNOTATION))),
                     64);
    json_decref(n);

    h.nitro_enclaves = 4;
    h.cert_sha256[0] = '\0';
    n = daas_agent_node_json(&h, 0);
    json_t *cap = daas_kube_path(n, "status.capacity");
    assert_string_equal(json_string_value(json_object_get(cap, DAAS_AGENT_NITRO_RESOURCE)), "4");
    assert_string_equal(json_string_value(json_object_get(
                            daas_kube_path(n, "status.allocatable"), DAAS_AGENT_NITRO_RESOURCE)),
                        "4");
    assert_null(json_object_get(daas_kube_path(n, "metadata.annotations"),
                                DAAS_AGENT_CERT_ANNOTATION));
    json_decref(n);
}

static void host_read_keeps_callers_fields(void **state)
{
    (void)state;
    daas_agent_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.owner, sizeof h.owner, "0xabc");
    h.port = 4242;
    h.nitro_enclaves = 2;
    snprintf(h.cert_sha256, sizeof h.cert_sha256, "ff");
    daas_err e = {0};
    assert_int_equal(daas_agent_host_read("node-x", "/", &h, &e), DAAS_OK);
    assert_string_equal(h.name, "node-x");
    assert_string_equal(h.owner, "0xabc");
    assert_string_equal(h.cert_sha256, "ff");
    assert_int_equal(h.port, 4242);
    assert_int_equal(h.nitro_enclaves, 2);
    assert_true(h.cpus >= 1);
    assert_int_equal(daas_agent_host_read("Bad_Name", "/", &h, &e), DAAS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(node_json),
        cmocka_unit_test(host_read_keeps_callers_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
