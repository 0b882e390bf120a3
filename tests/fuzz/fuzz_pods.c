/*
 * fuzz_pods.c: libFuzzer target for what the agent's pod lifecycle parses from outside: a
 * Pod from the API (daas_agent_pods_pod_init with its probes, the status built from it, the
 * QoS class, each container's limits and process), Kubernetes quantities, and the status
 * line of an HTTP probe's answer (a container's bytes).
 *
 * Owns:   nothing. Input: the whole input is tried as a Pod (JSON), as a quantity and as an
 * HTTP answer. Besides "no crash, no leak, no UB", it checks properties:
 *   - an accepted quantity is >= 0; milli of an accepted quantity is >= the plain one;
 *   - a parsed HTTP status is -1 or in 100..999;
 *   - an accepted Pod has containers, each with a name, and a phase from the four.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pods.h"
#include "agent/probe.h"
#include "common/alloc.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_quantity(const char *s)
{
    int64_t v = -1, m = -1;
    if (daas_agent_pods_quantity(s, false, &v, NULL) == DAAS_OK) {
        CHECK(v >= 0);
        if (daas_agent_pods_quantity(s, true, &m, NULL) == DAAS_OK)
            CHECK(m >= v);
    }
}

static void check_ctr(const json_t *c)
{
    uint64_t mem;
    uint32_t cpu;
    daas_agent_pods_proc proc;
    if (daas_agent_pods_limits(c, &mem, &cpu, NULL) != DAAS_OK) {
        /* malformed quantities are refused */
    }
    daas_image_cfg cfg = {0};
    if (daas_agent_pods_proc_build(c, &cfg, &proc, NULL) == DAAS_OK)
        CHECK(proc.args != NULL && proc.args[0] != NULL);
    daas_agent_pods_proc_fini(&proc);
    (void)daas_agent_pods_wants_nitro(c);
}

static void check_pod(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (j == NULL)
        return;
    daas_agent_pods_pod p = {0};
    daas_err e = {0};
    if (daas_agent_pods_pod_init(&p, j, 30, &e) == DAAS_OK) {
        CHECK(p.n_ctrs > 0);
        for (size_t i = 0; i < p.n_ctrs; i++) {
            CHECK(p.ctrs[i].name != NULL);
            check_ctr(json_array_get(json_object_get(json_object_get(j, "spec"), "containers"), i));
        }
        const char *ph = daas_agent_pods_phase(&p);
        CHECK(strcmp(ph, "Pending") == 0 || strcmp(ph, "Running") == 0);
        json_t *st = daas_agent_pods_status_json(&p, "10.0.0.1");
        CHECK(st != NULL);
        json_decref(st);
    } else {
        CHECK(e.msg[0] != '\0');
    }
    daas_agent_pods_pod_fini(&p);
    (void)daas_agent_pods_qos(j);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = daas_xstrndup((const char *)data, size);
    check_quantity(s);
    daas_free(s);
    int code = daas_agent_probe_http_status((const char *)data, size);
    CHECK(code == -1 || (code >= 100 && code <= 999));
    check_pod(data, size);
    return 0;
}
