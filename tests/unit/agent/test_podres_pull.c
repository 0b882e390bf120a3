/*
 * test_podres_pull.c: registry credentials from a pod's imagePullSecrets
 * (agent/podres_pull.c): dockerconfigjson and dockercfg Secrets, key matching (host:port,
 * scheme and /v1/ /v2/ prefixes, Docker Hub aliases, "*." wildcards, path prefixes), order,
 * missing and foreign-typed Secrets, sealed ones opened through the (fake) opener, errors.
 */
#include "agent/test_podres_fake.h"

/* A pod whose imagePullSecrets are names (a JSON array of strings). */
static json_t *pod_pulling(const char *names_json)
{
    json_t *pod = pod_with("p1", "[{\"name\":\"c\"}]"), *names = json_loads(names_json, 0, NULL);
    json_t *ps = json_array();
    size_t i;
    json_t *n;
    assert_non_null(names);
    json_array_foreach(names, i, n) json_array_append_new(ps, json_pack("{s:O}", "name", n));
    json_object_set_new(json_object_get(pod, "spec"), "imagePullSecrets", ps);
    json_decref(names);
    return pod;
}

/* The credentials for image: "user:password", or "" for none. */
static void creds_are(daas_agent_podres *r, const char *secrets, const char *image,
                      const char *want)
{
    json_t *pod = pod_pulling(secrets);
    char *u = (char *)1, *p = (char *)1, got[128];
    daas_err e = {0};
    assert_int_equal(daas_agent_podres_pull_creds(r, pod, image, &u, &p, &e), DAAS_OK);
    snprintf(got, sizeof got, "%s%s%s", u ? u : "", u ? ":" : "", p ? p : "");
    if (strcmp(got, want) != 0)
        fail_msg("%s with %s: got \"%s\", want \"%s\"", image, secrets, got, want);
    assert_true((u == NULL) == (p == NULL));
    daas_agent_podres_creds_free(&u, &p);
    assert_null(u);
    assert_null(p);
    json_decref(pod);
}

static void test_matching(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res(true);
    const char *pull = "[\"pull\"]";
    creds_are(r, pull, "127.0.0.1:5000/tools/busybox:1", "u:p");
    creds_are(r, pull, "127.0.0.1:5001/tools/busybox:1", ""); /* another port */
    creds_are(r, pull, "busybox", "hub:hubpw");               /* docker.io/library/busybox */
    creds_are(r, pull, "docker.io/me/app:2", "hub:hubpw");
    creds_are(r, pull, "index.docker.io/me/app", "hub:hubpw");
    creds_are(r, pull, "reg.corp.example/x:1", "w:wp"); /* *.corp.example */
    creds_are(r, pull, "a.b.corp.example/x:1", "");     /* one label only */
    creds_are(r, pull, "corp.example/x:1", "");
    creds_are(r, pull, "reg.example/team/app:1", "team:tp"); /* path prefix */
    creds_are(r, pull, "reg.example/team:1", "team:tp");
    creds_are(r, pull, "reg.example/teamx/app:1", "");
    creds_are(r, pull, "reg.example/other/app:1", "");
    creds_are(r, pull, "bad.example/x:1", "");              /* an unusable auth is no credential */
    creds_are(r, "[\"old\"]", "old.example/x:1", "o:op");   /* legacy dockercfg */
    creds_are(r, "[\"opaque\"]", "127.0.0.1:5000/x:1", ""); /* not a pull Secret type */
    /* order: the first Secret with an entry wins; missing Secrets are skipped */
    creds_are(r, "[\"ghost\",\"old\",\"pull\"]", "old.example/x", "o:op");
    creds_are(r, "[\"ghost\",\"opaque\",\"pull\"]", "127.0.0.1:5000/x", "u:p");
    creds_are(r, "[]", "127.0.0.1:5000/x", "");
    assert_int_equal(opens, 0);
    daas_agent_podres_free(&r);
}

static void test_sealed_and_errors(void **state)
{
    (void)state;
    daas_agent_podres *r = new_res(true);
    creds_are(r, "[\"sealed-pull\"]", "sealed.example/app:1", "s:sp");
    creds_are(r, "[\"sealed-pull\"]", "sealed.example/app:2", "s:sp");
    assert_int_equal(opens, 1); /* opened once for the pod */
    json_t *pod = pod_pulling("[\"sealed-pull\"]");
    char *u = NULL, *p = NULL;
    daas_err e = {0};
    json_object_set_new(json_object_get(pod, "metadata"), "uid", json_string("p2"));
    open_fail = 1;
    assert_int_equal(daas_agent_podres_pull_creds(r, pod, "sealed.example/app:1", &u, &p, &e),
                     DAAS_EDENIED);
    assert_string_equal(e.msg, "imagePullSecrets: secret ns/sealed-pull: cannot open it: key "
                               "servers refused: NoAccess");
    assert_null(u);
    assert_null(p);
    open_fail = 0;
    daas_err_clear(&e);
    assert_int_equal(daas_agent_podres_pull_creds(r, pod, "Not A Ref", &u, &p, &e), DAAS_EINVAL);
    assert_null(u);
    json_decref(pod);
    daas_agent_podres_creds_free(NULL, NULL);
    daas_agent_podres_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching),
        cmocka_unit_test(test_sealed_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
