/*
 * test_schedctl.c: the scheduler controller's pure pieces (schedctl.h): the delta plan from
 *                  Node/Pod JSON (applied to a real scheduler state), the mirror that keeps
 *                  unchanged objects quiet, the binding written on a pod (checked with the
 *                  agent's proof check), Events, the --enclave-pcr parser, and start/stop
 *                  against an enclave that is not there.
 *
 * Owns:   nothing beyond each test's JSON values, states and temporary store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/schedctl.h"
#include "kube/obj.h"
#include "sched/proof.h"

static json_t *node(const char *name, const char *cpu, const char *beat)
{
    return json_pack("{s:s,s:s,s:{s:s},s:{s:{s:s,s:s},s:[{s:s,s:s,s:s}]}}", "apiVersion", "v1",
                     "kind", "Node", "metadata", "name", name, "status", "allocatable", "cpu", cpu,
                     "memory", "8Gi", "conditions", "type", "Ready", "status", "True",
                     "lastHeartbeatTime", beat);
}

static json_t *pod(const char *name, const char *uid, const char *node_name, const char *cpu)
{
    json_t *p = json_pack("{s:s,s:s,s:{s:s,s:s,s:s},s:{s:[{s:s,s:{s:{s:s}}}]},s:{s:s}}",
                          "apiVersion", "v1", "kind", "Pod", "metadata", "name", name, "namespace",
                          "default", "uid", uid, "spec", "containers", "name", "c", "resources",
                          "requests", "cpu", cpu, "status", "phase", "Pending");
    if (node_name)
        daas_kube_set_str(p, "spec.nodeName", node_name);
    return p;
}

/* Plans mirror -> snapshot from seq *seq + 1, applies the deltas to st, commits the mirror. */
static size_t step(daas_schedctl_mirror *m, daas_sched_state *st, json_t *nodes, json_t *pods,
                   uint8_t *kinds)
{
    daas_schedctl_plan p;
    daas_err e = {0};
    assert_int_equal(daas_schedctl_plan_make(m, nodes, pods, daas_sched_state_seq(st) + 1, &p, &e),
                     DAAS_OK);
    for (size_t i = 0; i < p.n; i++) {
        kinds[i] = p.d[i].kind;
        assert_int_equal(daas_sched_state_apply(st, &p.d[i], &e), DAAS_OK);
    }
    daas_schedctl_mirror tmp = *m;
    *m = p.next;
    p.next = tmp;
    size_t n = p.n;
    daas_schedctl_plan_fini(&p);
    json_decref(nodes);
    json_decref(pods);
    return n;
}

static void test_plan(void **state)
{
    (void)state;
    daas_schedctl_mirror m;
    daas_sched_state *st = daas_sched_state_new();
    uint8_t k[8];
    daas_schedctl_mirror_init(&m);

    /* two nodes, a bound pod, a pending pod (not part of the state), a broken node */
    json_t *bad = json_pack("{s:{s:s},s:{s:{s:s}}}", "metadata", "name", "bad", "status",
                            "allocatable", "cpu", "lots");
    assert_int_equal(
        step(&m, st, json_pack("[o,o,o]", node("n1", "4", "t1"), bad, node("n2", "8", "t1")),
             json_pack("[o,o]", pod("a", "u-a", "n1", "500m"), pod("p", "u-p", NULL, "1")), k),
        3);
    assert_int_equal(k[0], DAAS_SCHED_NODE_UPSERT);
    assert_int_equal(k[1], DAAS_SCHED_NODE_UPSERT);
    assert_int_equal(k[2], DAAS_SCHED_POD_BOUND);
    assert_int_equal(daas_sched_state_nodes(st), 2);
    assert_int_equal(daas_sched_state_pods(st), 1);

    /* a heartbeat and a pod label change nothing the enclave sees */
    json_t *a = pod("a", "u-a", "n1", "500m");
    daas_kube_set_str(a, "metadata.labels.x", "y");
    assert_int_equal(step(&m, st, json_pack("[o,o]", node("n1", "4", "t2"), node("n2", "8", "t2")),
                          json_pack("[o]", a), k),
                     0);

    /* a resized node; a pod resized in place; a terminated pod releases its node */
    json_t *done = pod("b", "u-b", "n2", "1");
    assert_int_equal(step(&m, st, json_pack("[o,o]", node("n1", "6", "t3"), node("n2", "8", "t3")),
                          json_pack("[o,o]", pod("a", "u-a", "n1", "700m"), done), k),
                     3);
    assert_int_equal(k[0], DAAS_SCHED_NODE_UPSERT);
    assert_int_equal(k[1], DAAS_SCHED_POD_BOUND);
    assert_int_equal(k[2], DAAS_SCHED_POD_BOUND);
    assert_int_equal(daas_sched_state_pods(st), 2);
    json_t *gone = pod("b", "u-b", "n2", "1");
    daas_kube_set_str(gone, "status.phase", "Succeeded");
    assert_int_equal(step(&m, st, json_pack("[o,o]", node("n1", "6", "t3"), node("n2", "8", "t3")),
                          json_pack("[o,o]", pod("a", "u-a", "n1", "700m"), gone), k),
                     1);
    assert_int_equal(k[0], DAAS_SCHED_POD_REMOVED);
    assert_int_equal(daas_sched_state_pods(st), 1);

    /* pod and node deleted: PodRemoved before NodeRemove */
    assert_int_equal(step(&m, st, json_pack("[o]", node("n1", "6", "t4")), json_array(), k), 2);
    assert_int_equal(k[0], DAAS_SCHED_POD_REMOVED);
    assert_int_equal(k[1], DAAS_SCHED_NODE_REMOVE);
    assert_int_equal(daas_sched_state_nodes(st), 1);
    assert_int_equal(daas_sched_state_pods(st), 0);
    assert_int_equal(daas_sched_state_seq(st), 9);

    daas_schedctl_plan p;
    daas_err e = {0};
    json_t *notarr = json_object();
    assert_int_equal(daas_schedctl_plan_make(&m, notarr, NULL, 1, &p, &e), DAAS_EINVAL);
    daas_schedctl_plan_fini(&p);
    json_decref(notarr);
    daas_schedctl_mirror_fini(&m);
    daas_sched_state_free(&st);
}

/* The bound delta the controller sends right after a binding matches the plan's hash, so
 * the next pass sends nothing for that pod. */
static void test_bound_delta_matches_plan(void **state)
{
    (void)state;
    daas_sched_kpod kp = {0};
    daas_err e = {0};
    json_t *p = pod("a", "u-a", NULL, "250m");
    assert_int_equal(daas_sched_kube_pod(p, &kp, &e), DAAS_OK);
    daas_sched_delta d;
    char h[65];
    assert_int_equal(daas_schedctl_bound_delta(&kp, "n1", 9, &d, h, &e), DAAS_OK);
    assert_int_equal(d.seq, 9);
    assert_string_equal(d.bound.node, "n1");
    assert_int_equal(strlen(h), 64);

    daas_schedctl_mirror m;
    daas_schedctl_mirror_init(&m);
    json_object_set_new(m.nodes, "n1", json_string("x"));
    json_object_set_new(m.pods, "u-a", json_string(h));
    daas_schedctl_plan pl;
    json_t *nodes = json_array(), *pods = json_pack("[o]", pod("a", "u-a", "n1", "250m"));
    assert_int_equal(daas_schedctl_plan_make(&m, nodes, pods, 1, &pl, &e), DAAS_OK);
    assert_int_equal(pl.n, 1); /* only the NodeRemove of the unknown n1 */
    assert_int_equal(pl.d[0].kind, DAAS_SCHED_NODE_REMOVE);
    daas_schedctl_plan_fini(&pl);
    json_decref(nodes);
    json_decref(pods);
    daas_schedctl_mirror_fini(&m);
    daas_sched_kpod_fini(&kp);
    json_decref(p);
}

/* A decision by a real key, bound with _bind_obj, passes the agent's proof check. */
static void test_bind_obj(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], sig[64];
    daas_err e = {0};
    assert_true(sodium_init() >= 0);
    crypto_sign_keypair(pk, sk);
    daas_sched_state *st = daas_sched_state_new();
    daas_sched_knode kn = {0};
    json_t *n = node("n1", "4", "t");
    assert_int_equal(daas_sched_kube_node(n, &kn, &e), DAAS_OK);
    daas_sched_delta d = {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = kn.node};
    assert_int_equal(daas_sched_state_apply(st, &d, &e), DAAS_OK);

    json_t *p = pod("web", "u-web", NULL, "500m");
    daas_kube_set_str(p, "metadata.annotations.keep", "me");
    daas_sched_kpod kp = {0};
    assert_int_equal(daas_sched_kube_pod(p, &kp, &e), DAAS_OK);
    assert_true(kp.pending);
    daas_sched_result res = {0};
    daas_sched_decision dec;
    assert_int_equal(daas_sched_decide(st, &kp.pod, 1700000000000, &res, &dec, &e), DAAS_OK);
    assert_true(res.found);
    assert_int_equal(daas_sched_decision_sign(&dec, sk, sig, &e), DAAS_OK);

    uint8_t enc[DAAS_SCHED_ENCLAVE_ID_LEN];
    memset(enc, 0xab, sizeof enc);
    assert_int_equal(daas_schedctl_bind_obj(p, &dec, sig, pk, enc, 1700000000000, &e), DAAS_OK);
    assert_string_equal(daas_kube_str(p, "spec.nodeName"), "n1");
    json_t *ann = daas_kube_path(p, "metadata.annotations");
    assert_string_equal(json_string_value(json_object_get(ann, "keep")), "me");
    assert_non_null(json_object_get(ann, DAAS_SCHED_PROOF_ANNOTATION));
    json_t *c = json_array_get(daas_kube_path(p, "status.conditions"), 0);
    assert_string_equal(daas_kube_str(c, "type"), "PodScheduled");
    assert_string_equal(daas_kube_str(c, "status"), "True");

    daas_sched_trusted_key key = {0};
    memcpy(key.pk, pk, 32);
    memset(key.enclave, 0xcd, sizeof key.enclave); /* the key registered for another object */
    assert_int_equal(daas_sched_proof_check(p, "n1", &key, 1, &e), DAAS_EDENIED);
    daas_err_clear(&e);
    memcpy(key.enclave, enc, sizeof enc);
    assert_int_equal(daas_sched_proof_check(p, "n1", &key, 1, &e), DAAS_OK);
    assert_int_equal(daas_sched_proof_check(p, "n2", &key, 1, &e), DAAS_EDENIED);
    daas_err_clear(&e);
    sig[0] ^= 1; /* a binding with a bad signature is refused by the agent */
    assert_int_equal(daas_schedctl_bind_obj(p, &dec, sig, pk, enc, 1700000000000, &e), DAAS_OK);
    assert_int_equal(daas_sched_proof_check(p, "n1", &key, 1, &e), DAAS_EDENIED);
    assert_string_equal(e.msg, "signature does not verify");
    assert_int_equal(json_array_size(daas_kube_path(p, "status.conditions")), 1);

    daas_sched_result_fini(&res);
    daas_sched_kpod_fini(&kp);
    daas_sched_knode_fini(&kn);
    daas_sched_state_free(&st);
    json_decref(p);
    json_decref(n);
}

static void test_event(void **state)
{
    (void)state;
    json_t *p = pod("web", "u-web", NULL, "1");
    json_t *ev = daas_schedctl_event(p, "Warning", "FailedScheduling",
                                     "0/2 nodes are available: 2 Insufficient cpu.", 1700000000000);
    json_t *ev2 = daas_schedctl_event(p, "Normal", "Scheduled", "ok", 1700000000000);
    assert_string_equal(daas_kube_str(ev, "kind"), "Event");
    assert_string_equal(daas_kube_str(ev, "metadata.namespace"), "default");
    assert_int_equal(strncmp(daas_kube_str(ev, "metadata.name"), "web.", 4), 0);
    assert_string_not_equal(daas_kube_str(ev, "metadata.name"),
                            daas_kube_str(ev2, "metadata.name"));
    assert_string_equal(daas_kube_str(ev, "involvedObject.kind"), "Pod");
    assert_string_equal(daas_kube_str(ev, "involvedObject.name"), "web");
    assert_string_equal(daas_kube_str(ev, "involvedObject.uid"), "u-web");
    assert_string_equal(daas_kube_str(ev, "type"), "Warning");
    assert_string_equal(daas_kube_str(ev, "reason"), "FailedScheduling");
    assert_string_equal(daas_kube_str(ev, "message"),
                        "0/2 nodes are available: 2 Insufficient cpu.");
    assert_string_equal(daas_kube_str(ev, "source.component"), "daas-scheduler");
    assert_string_equal(daas_kube_str(ev, "firstTimestamp"), "2023-11-14T22:13:20Z");
    assert_string_equal(daas_kube_str(ev2, "action"), "Binding");
    json_decref(ev);
    json_decref(ev2);
    json_decref(p);
}

static void test_parse_pcr(void **state)
{
    (void)state;
    daas_schedctl_pcr p;
    daas_err e = {0};
    char arg[200];
    snprintf(arg, sizeof arg, "3=%s",
             "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
             "00112233445566778899aabbccddeeff");
    assert_int_equal(daas_schedctl_parse_pcr(arg, &p, &e), DAAS_OK);
    assert_int_equal(p.index, 3);
    assert_int_equal(p.len, 48);
    assert_int_equal(p.value[1], 0x11);
    assert_int_equal(p.value[47], 0xff);
    static const char *const bad[] = {"",
                                      "3",
                                      "3=",
                                      "x=00",
                                      "32=" /* index */,
                                      "-1=00",
                                      "0=0011",
                                      ("0=zz112233445566778899aabbccddeeff0011223344"
                                       "5566778899aabbccddeeff")};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(daas_schedctl_parse_pcr(bad[i], &p, &e), DAAS_EINVAL);
}

/* Start and stop against an enclave that is not there: the thread backs off and stops. */
static void test_start_stop(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_schedctl.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.db", dir);
    daas_store *store = NULL;
    daas_err e = {0};
    assert_int_equal(daas_store_open_sqlite(path, NULL, &store, &e), DAAS_OK);
    daas_schedctl *sc = NULL;
    daas_schedctl_config cfg = {.store = store, .enclave = "bogus:1"};
    assert_int_equal(daas_schedctl_start(&cfg, &sc, &e), DAAS_EINVAL);
    cfg.enclave = "unix:/nonexistent/e.sock";
    cfg.debug_root_path = "/nonexistent/ca.crt";
    assert_int_equal(daas_schedctl_start(&cfg, &sc, &e), DAAS_EIO);
    assert_null(sc);
    cfg.debug_root_path = NULL;
    assert_int_equal(daas_schedctl_start(&cfg, &sc, &e), DAAS_OK);
    usleep(50 * 1000);
    assert_int_equal(daas_schedctl_decisions(sc), 0);
    daas_schedctl_stop(&sc);
    assert_null(sc);
    daas_schedctl_stop(&sc);
    daas_store_close(&store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),      cmocka_unit_test(test_bound_delta_matches_plan),
        cmocka_unit_test(test_bind_obj),  cmocka_unit_test(test_event),
        cmocka_unit_test(test_parse_pcr), cmocka_unit_test(test_start_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
