/*
 * test_pods.c: the pure parts of the agent's pod loop: the process built from a Container
 * and an image config (Kubernetes' command/args rules, env order, workingDir, user) and the
 * PodStatus written for a pod.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/pods.h"

static char *ep[] = {"/bin/ep", "-x", NULL};
static char *cmd[] = {"default-cmd", NULL};
static char *env[] = {"PATH=/img/bin", "A=image", NULL};

static daas_image_cfg cfg(void)
{
    daas_image_cfg c = {.entrypoint = ep, .cmd = cmd, .env = env, .working_dir = "/img",
                        .user = "1000:2000"};
    return c;
}

static void argv_is(char **got, const char *const *want)
{
    size_t i = 0;
    for (; want[i] != NULL; i++) {
        assert_non_null(got[i]);
        assert_string_equal(got[i], want[i]);
    }
    assert_null(got[i]);
}

static void build(const char *cjson, const daas_image_cfg *c, daas_agent_pods_proc *p)
{
    json_t *j = json_loads(cjson, 0, NULL);
    assert_non_null(j);
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_proc_build(j, c, p, &e), DAAS_OK);
    json_decref(j);
}

static void test_command_args_rules(void **state)
{
    (void)state;
    daas_image_cfg c = cfg();
    daas_agent_pods_proc p;
    build("{\"name\":\"a\"}", &c, &p);
    argv_is(p.args, (const char *[]){"/bin/ep", "-x", "default-cmd", NULL});
    assert_string_equal(p.cwd, "/img");
    assert_int_equal(p.uid, 1000);
    assert_int_equal(p.gid, 2000);
    daas_agent_pods_proc_fini(&p);
    build("{\"command\":[\"sh\",\"-c\"]}", &c, &p); /* command drops Entrypoint and Cmd */
    argv_is(p.args, (const char *[]){"sh", "-c", NULL});
    daas_agent_pods_proc_fini(&p);
    build("{\"args\":[\"x\",\"y\"]}", &c, &p); /* args replace Cmd only */
    argv_is(p.args, (const char *[]){"/bin/ep", "-x", "x", "y", NULL});
    daas_agent_pods_proc_fini(&p);
    build("{\"command\":[\"sh\"],\"args\":[\"-c\",\"echo hi\"],\"workingDir\":\"/w\","
          "\"securityContext\":{\"runAsUser\":0,\"runAsGroup\":5}}", &c, &p);
    argv_is(p.args, (const char *[]){"sh", "-c", "echo hi", NULL});
    assert_string_equal(p.cwd, "/w");
    assert_int_equal(p.uid, 0);
    assert_int_equal(p.gid, 5);
    daas_agent_pods_proc_fini(&p);
}

static void test_env_and_errors(void **state)
{
    (void)state;
    daas_image_cfg c = cfg();
    daas_agent_pods_proc p;
    build("{\"env\":[{\"name\":\"B\",\"value\":\"pod\"},{\"name\":\"A\",\"value\":\"pod\"},"
          "{\"name\":\"S\",\"valueFrom\":{\"secretKeyRef\":{}}}]}", &c, &p);
    argv_is(p.env, (const char *[]){"PATH=/img/bin", "A=pod", "B=pod", NULL});
    daas_agent_pods_proc_fini(&p);
    daas_image_cfg empty = {0};
    build("{\"command\":[\"true\"]}", &empty, &p);
    assert_null(p.cwd);
    assert_non_null(p.env[0]);
    assert_true(strncmp(p.env[0], "PATH=", 5) == 0);
    daas_agent_pods_proc_fini(&p);
    json_t *j = json_loads("{\"name\":\"a\"}", 0, NULL);
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_proc_build(j, &empty, &p, &e), DAAS_EINVAL);
    assert_non_null(strstr(e.msg, "no command"));
    daas_agent_pods_proc_fini(&p);
    json_decref(j);
}

static const char *cond(const json_t *st, const char *type)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(st, "conditions"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
            return json_string_value(json_object_get(c, "status"));
    return NULL;
}

static void test_status(void **state)
{
    (void)state;
    json_t *pod = json_loads("{\"metadata\":{\"namespace\":\"default\",\"name\":\"hello\","
                             "\"uid\":\"0123456789abcdef\"},\"spec\":{\"containers\":[{\"name\":"
                             "\"c\",\"image\":\"r/busybox:1\"}],\"restartPolicy\":\"Never\","
                             "\"terminationGracePeriodSeconds\":60}}", 0, NULL);
    daas_agent_pods_pod p = {0};
    daas_err e = {0};
    assert_int_equal(daas_agent_pods_pod_init(&p, pod, 5, &e), DAAS_OK);
    json_decref(pod);
    assert_int_equal(p.grace_s, 5);
    assert_string_equal(daas_agent_pods_phase(&p), "Pending");
    json_t *st = daas_agent_pods_status_json(&p, "10.0.0.7");
    assert_string_equal(json_string_value(json_object_get(st, "phase")), "Pending");
    assert_string_equal(json_string_value(json_object_get(st, "podIP")), "10.0.0.7");
    assert_string_equal(cond(st, "PodScheduled"), "True");
    assert_string_equal(cond(st, "Ready"), "False");
    json_t *cs = json_array_get(json_object_get(st, "containerStatuses"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
                            cs, "state"), "waiting"), "reason")), "ContainerCreating");
    json_decref(st);

    p.ctrs[0].state = DAAS_AGENT_CTR_RUNNING;
    p.ctrs[0].ready = true;
    p.ctrs[0].started = true;
    p.ctrs[0].id = daas_xstrdup("01234567-c");
    st = daas_agent_pods_status_json(&p, "10.0.0.7");
    assert_string_equal(json_string_value(json_object_get(st, "phase")), "Running");
    assert_string_equal(cond(st, "Ready"), "True");
    cs = json_array_get(json_object_get(st, "containerStatuses"), 0);
    assert_string_equal(json_string_value(json_object_get(cs, "containerID")),
                        "runc://01234567-c");
    assert_true(json_is_true(json_object_get(cs, "ready")));
    json_decref(st);

    p.ctrs[0].state = DAAS_AGENT_CTR_TERMINATED;
    p.ctrs[0].term.set = true;
    p.ctrs[0].term.exit_code = 0;
    assert_string_equal(daas_agent_pods_phase(&p), "Succeeded");
    p.ctrs[0].term.exit_code = 3;
    st = daas_agent_pods_status_json(&p, "10.0.0.7");
    assert_string_equal(json_string_value(json_object_get(st, "phase")), "Failed");
    assert_string_equal(cond(st, "Ready"), "False");
    cs = json_array_get(json_object_get(st, "containerStatuses"), 0);
    const json_t *t = json_object_get(json_object_get(cs, "state"), "terminated");
    assert_int_equal(json_integer_value(json_object_get(t, "exitCode")), 3);
    assert_string_equal(json_string_value(json_object_get(t, "reason")), "Error");
    json_decref(st);
    daas_agent_pods_pod_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_args_rules),
        cmocka_unit_test(test_env_and_errors),
        cmocka_unit_test(test_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
