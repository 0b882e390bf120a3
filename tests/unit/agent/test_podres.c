/*
 * test_podres.c: a container's environment from the cluster (agent/podres_env.c) and the
 * per-pod cache of fetched and opened objects (agent/podres.c), with a fake API (fetch seam)
 * and a fake Seal opener (open seam) that counts its uses.
 *
 * Owns:   nothing on disk (the environment needs none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/podres.h"
#include "common/alloc.h"
#include "common/util.h"

#include "agent/test_podres_fake.h"

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        daas_free(v[i]);
    daas_free(v);
}

/* Builds the env of the pod's first container into a fresh list. */
static int env_of(daas_agent_podres *r, const json_t *pod, char ***kv, size_t *n, daas_err *e)
{
    *kv = NULL;
    *n = 0;
    return daas_agent_podres_env(r, pod, ctr0(pod), kv, n, e);
}

static void has(char **kv, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i], want) == 0)
            return;
    fail_msg("no %s in the environment", want);
}

static void hasnt_key(char **kv, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < n; i++)
        if (strncmp(kv[i], key, kl) == 0 && kv[i][kl] == '=')
            fail_msg("%s is in the environment", key);
}

/* ---- tests ---- */

static void test_env_sources_and_order(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res(true);
    json_t *pod = pod_with(
        "u1",
        "[{\"name\":\"c\",\"resources\":{\"limits\":{\"memory\":\"64Mi\",\"cpu\":\"250m\"},"
        "\"requests\":{\"cpu\":\"250m\"}},"
        "\"envFrom\":[{\"configMapRef\":{\"name\":\"cfg\"}},"
        "{\"prefix\":\"S_\",\"secretRef\":{\"name\":\"sec\"}}],"
        "\"env\":[{\"name\":\"X\",\"value\":\"literal\"},"
        "{\"name\":\"PW\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\",\"key\":\"password\"}}}"
        ","
        "{\"name\":\"K\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cfg\",\"key\":\"k\"}}},"
        "{\"name\":\"E\",\"value\":\"$(K)-$(X) $$(K) $(NOPE) $(K $5 $\"},"
        "{\"name\":\"POD\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}},"
        "{\"name\":\"NS\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.namespace\"}}},"
        "{\"name\":\"UID\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.uid\"}}},"
        "{\"name\":\"APP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.labels['app']\"}}}"
        ","
        "{\"name\":\"NOTE\",\"valueFrom\":{\"fieldRef\":"
        "{\"fieldPath\":\"metadata.annotations['a.b/c']\"}}},"
        "{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}},"
        "{\"name\":\"SA\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.serviceAccountName\"}}}"
        ","
        "{\"name\":\"HIP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"status.hostIP\"}}},"
        "{\"name\":\"PIP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"status.podIP\"}}},"
        "{\"name\":\"MEM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.memory\","
        "\"divisor\":\"1Mi\"}}},"
        "{\"name\":\"CPU\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"limits.cpu\"}}},"
        "{\"name\":\"MCPU\",\"valueFrom\":{\"resourceFieldRef\":{\"containerName\":\"c\","
        "\"resource\":\"requests.cpu\",\"divisor\":\"1m\"}}},"
        "{\"name\":\"RMEM\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":\"requests.memory\"}}"
        "}"
        "]}]");
    char **kv;
    size_t n;
    daas_err e = {0};
    assert_int_equal(env_of(r, pod, &kv, &n, &e), DAAS_OK);
    has(kv, n, "k=from-cm");
    hasnt_key(kv, n, "bin"); /* binaryData 00 01 02: a NUL cannot be carried, skipped */
    has(kv, n, "S_password=hunter2");
    has(kv, n, "S_X=sec-x");
    has(kv, n, "X=literal");      /* env after envFrom: the literal replaces cfg's X */
    hasnt_key(kv, n, "bad=name"); /* not a variable name: skipped */
    hasnt_key(kv, n, "S_nul");    /* a NUL byte cannot be carried: skipped */
    has(kv, n, "PW=hunter2");
    has(kv, n, "K=from-cm");
    has(kv, n, "E=from-cm-literal $(K) $(NOPE) $(K $5 $");
    has(kv, n, "POD=web");
    has(kv, n, "NS=ns");
    has(kv, n, "UID=u1");
    has(kv, n, "APP=shop");
    has(kv, n, "NOTE=note");
    has(kv, n, "NODE=node-1");
    has(kv, n, "SA=default");
    has(kv, n, "HIP=10.0.0.7");
    has(kv, n, "PIP=10.0.0.7"); /* host network: the host's IP */
    has(kv, n, "MEM=64");
    has(kv, n, "CPU=1"); /* 250m rounded up to whole cores */
    has(kv, n, "MCPU=250");
    has(kv, n, "RMEM=0");
    /* each object fetched once for the pod, however often it is named */
    assert_int_equal(fetches, 2);
    strv_free(kv, n);
    /* binaryData of a ConfigMap is decoded */
    json_t *p2 = pod_with("u1", "[{\"name\":\"c\",\"env\":[{\"name\":\"B\",\"valueFrom\":"
                                "{\"configMapKeyRef\":{\"name\":\"cfg\",\"key\":\"bin\"}}}]}]");
    assert_int_equal(env_of(r, p2, &kv, &n, &e), DAAS_EINVAL); /* holds a NUL (0x00 0x01) */
    assert_non_null(strstr(e.msg, "key bin in ConfigMap ns/cfg holds a NUL byte"));
    json_decref(p2);
    json_decref(pod);
    daas_agent_podres_free(&r);
    assert_null(r);
}

static void test_env_appends_over_callers_list(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res(true);
    json_t *pod = pod_with("u1", "[{\"name\":\"c\",\"env\":[{\"name\":\"A\",\"value\":\"pod\"},"
                                 "{\"name\":\"C\",\"value\":\"$(B)\"}]}]");
    char **kv = daas_xcalloc(3, sizeof *kv);
    kv[0] = daas_xstrdup("A=image");
    kv[1] = daas_xstrdup("B=image");
    size_t n = 2;
    daas_err e = {0};
    assert_int_equal(daas_agent_podres_env(r, pod, ctr0(pod), &kv, &n, &e), DAAS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(kv[0], "A=pod");
    assert_string_equal(kv[1], "B=image");
    assert_string_equal(kv[2], "C=$(B)"); /* the image's variables are not expanded */
    assert_null(kv[3]);
    strv_free(kv, n);
    json_decref(pod);
    daas_agent_podres_free(&r);
}

/* One failing env of the pod's first container: code and message. */
static void env_fails(daas_agent_podres *r, const char *env, int code, const char *msg)
{
    char *c = daas_xasprintf("[{\"name\":\"c\",%s}]", env);
    json_t *pod = pod_with("u2", c);
    char **kv = daas_xcalloc(2, sizeof *kv);
    kv[0] = daas_xstrdup("KEEP=1");
    size_t n = 1;
    daas_err e = {0};
    int rc = daas_agent_podres_env(r, pod, ctr0(pod), &kv, &n, &e);
    if (rc != code || strstr(e.msg, msg) == NULL)
        fail_msg("%s: rc %d (want %d), message \"%s\" (want \"%s\")", env, rc, code, e.msg, msg);
    assert_int_equal(n, 1); /* the caller's list is untouched */
    assert_string_equal(kv[0], "KEEP=1");
    assert_null(kv[1]);
    strv_free(kv, n);
    json_decref(pod);
    daas_free(c);
}

static void test_env_errors_and_optional(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res(true);
    env_fails(r, "\"envFrom\":[{\"configMapRef\":{\"name\":\"nope\"}}]", DAAS_ENOTFOUND,
              "configmap \"nope\" not found");
    env_fails(r,
              "\"env\":[{\"name\":\"A\",\"value\":\"x\"},{\"name\":\"B\",\"valueFrom\":"
              "{\"secretKeyRef\":{\"name\":\"nope\",\"key\":\"k\"}}}]",
              DAAS_ENOTFOUND, "secret \"nope\" not found");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\","
              "\"key\":\"missing\"}}}]",
              DAAS_ENOTFOUND, "couldn't find key missing in Secret ns/sec");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cfg\","
              "\"key\":\"missing\"}}}]",
              DAAS_ENOTFOUND, "couldn't find key missing in ConfigMap ns/cfg");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
              "\"broken\",\"key\":\"k\"}}}]",
              DAAS_EINVAL, "value of key k is not a string");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
              "\"metadata.labels\"}}}]",
              DAAS_EINVAL, "unsupported fieldRef fieldPath \"metadata.labels\"");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":"
              "\"limits.gpu\"}}}]",
              DAAS_EINVAL, "unsupported resourceFieldRef resource");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"resourceFieldRef\":{\"resource\":"
              "\"limits.cpu\",\"containerName\":\"ghost\"}}}]",
              DAAS_EINVAL, "no container \"ghost\"");
    env_fails(r,
              "\"env\":[{\"name\":\"B\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"../x\","
              "\"key\":\"k\"}}}]",
              DAAS_EINVAL, "invalid secret name");
    env_fails(r, "\"env\":[{\"name\":\"B=C\",\"value\":\"x\"}]", DAAS_EINVAL, "invalid name");
    env_fails(r, "\"env\":[{\"name\":\"B\",\"valueFrom\":{}}]", DAAS_EINVAL,
              "unsupported valueFrom");
    /* optional objects and keys that are missing are skipped */
    json_t *pod = pod_with(
        "u3",
        "[{\"name\":\"c\",\"envFrom\":[{\"secretRef\":{\"name\":\"nope\",\"optional\":true}}],"
        "\"env\":[{\"name\":\"A\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"nope\","
        "\"key\":\"k\",\"optional\":true}}},"
        "{\"name\":\"B\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"sec\","
        "\"key\":\"missing\",\"optional\":true}}},{\"name\":\"C\",\"value\":\"c\"}]}]");
    char **kv;
    size_t n;
    daas_err e = {0};
    assert_int_equal(env_of(r, pod, &kv, &n, &e), DAAS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(kv[0], "C=c");
    strv_free(kv, n);
    json_decref(pod);
    daas_agent_podres_free(&r);
}

static void test_sealed_opened_once_per_pod(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res(true);
    const char *c = "[{\"name\":\"c\",\"env\":[{\"name\":\"T\",\"valueFrom\":{\"secretKeyRef\":"
                    "{\"name\":\"sealed-sec\",\"key\":\"token\"}}}]}]";
    json_t *pod = pod_with("u4", c), *other = pod_with("u5", c);
    char **kv;
    size_t n;
    daas_err e = {0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(env_of(r, pod, &kv, &n, &e), DAAS_OK);
        has(kv, n, "T=opened");
        strv_free(kv, n);
    }
    assert_int_equal(opens, 1); /* one Seal ticket for the pod */
    assert_int_equal(env_of(r, other, &kv, &n, &e), DAAS_OK);
    strv_free(kv, n);
    assert_int_equal(opens, 2);          /* another pod opens for itself */
    daas_agent_podres_teardown(r, "u4"); /* forgets the pod's objects */
    assert_int_equal(env_of(r, pod, &kv, &n, &e), DAAS_OK);
    strv_free(kv, n);
    assert_int_equal(opens, 3);
    /* a refusal of the key servers names the object, and nothing is cached */
    open_fail = 1;
    json_t *p6 = pod_with("u6", c);
    kv = NULL, n = 0;
    assert_int_equal(daas_agent_podres_env(r, p6, ctr0(p6), &kv, &n, &e), DAAS_EDENIED);
    assert_string_equal(e.msg, "secret ns/sealed-sec: cannot open it: key servers refused: "
                               "NoAccess");
    assert_null(kv);
    open_fail = 0;
    daas_err_clear(&e);
    assert_int_equal(env_of(r, p6, &kv, &n, &e), DAAS_OK);
    has(kv, n, "T=opened");
    strv_free(kv, n);
    json_decref(p6);
    daas_agent_podres_free(&r);
    /* without a Seal configuration a sealed object fails clearly */
    r = new_res(false);
    assert_int_equal(env_of(r, pod, &kv, &n, &e), DAAS_EUNAVAIL);
    assert_non_null(strstr(e.msg, "secret ns/sealed-sec is sealed and this agent has no Seal "
                                  "configuration"));
    daas_agent_podres_free(&r);
    json_decref(pod);
    json_decref(other);
}

static void test_expand_for_command_and_args(void **state)
{
    (void)state;
    char *env[] = {"A=1", "PATH=/bin", "EMPTY=", NULL};
    static const char *const cases[][2] = {
        {"$(A)", "1"},
        {"x$(A)y$(EMPTY)z", "x1yz"},
        {"$$(A)", "$(A)"},
        {"$(B)", "$(B)"},
        {"$(A", "$(A"},
        {"$", "$"},
        {"a$b", "a$b"},
        {"$()", "$()"},
        {"$(PATH):$(A)", "/bin:1"},
        {"$$$(A)", "$1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = daas_agent_podres_expand(cases[i][0], env, 3);
        if (strcmp(got, cases[i][1]) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i][0], got, cases[i][1]);
        daas_free(got);
    }
}

static void test_new_checks(void **state)
{
    (void)state;
    daas_agent_podres *r = NULL;
    daas_agent_podres_opts o = {.data_dir = "relative", .fetch = fake_fetch};
    assert_int_equal(daas_agent_podres_new(&o, &r, NULL), DAAS_EINVAL);
    o.data_dir = "/x";
    o.fetch = NULL;
    assert_int_equal(daas_agent_podres_new(&o, &r, NULL), DAAS_EINVAL);
    assert_null(r);
    daas_agent_podres_free(&r); /* NULL is fine */
    daas_agent_podres_teardown(NULL, "u");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_sources_and_order),
        cmocka_unit_test(test_env_appends_over_callers_list),
        cmocka_unit_test(test_env_errors_and_optional),
        cmocka_unit_test(test_sealed_opened_once_per_pod),
        cmocka_unit_test(test_expand_for_command_and_args),
        cmocka_unit_test(test_new_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
