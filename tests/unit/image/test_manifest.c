/*
 * test_manifest.c: manifest, index and config parsing; platform choice from an index;
 * image references; the Bearer challenge parser.
 */
#include "image_testutil.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void test_manifest(void **state)
{
    (void)state;
    const char *j = "{\"schemaVersion\":2,\"mediaType\":\"" DAAS_IMAGE_MT_DOCKER_MANIFEST "\","
                    "\"config\":{\"digest\":\"" D1 "\",\"size\":10},"
                    "\"layers\":[{\"digest\":\"" D2 "\",\"size\":20},"
                    "{\"digest\":\"" D3 "\",\"size\":30}]}";
    daas_image_manifest m;
    daas_err err = {0};
    assert_int_equal(daas_image_manifest_parse(j, strlen(j), NULL, &m, &err), DAAS_OK);
    assert_int_equal(m.kind, DAAS_IMAGE_KIND_MANIFEST);
    assert_string_equal(m.config.digest, D1);
    assert_int_equal(m.n_layers, 2);
    assert_string_equal(m.layers[1].digest, D3);
    assert_int_equal(m.layers[1].size, 30);
    daas_image_manifest_fini(&m);
    /* a digest that could name another path is refused */
    const char *bad = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../x\",\"size\":1},"
                      "\"layers\":[]}";
    assert_int_equal(daas_image_manifest_parse(bad, strlen(bad), NULL, &m, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "digest"));
    daas_image_manifest_fini(&m);
    daas_err_clear(&err);
    const char *v1 = "{\"schemaVersion\":1,\"layers\":[]}";
    assert_int_equal(daas_image_manifest_parse(v1, strlen(v1), NULL, &m, &err), DAAS_EINVAL);
    daas_image_manifest_fini(&m);
    assert_int_equal(daas_image_manifest_parse("[", 1, NULL, &m, &err), DAAS_EINVAL);
    daas_image_manifest_fini(&m);
}

static void test_index_pick(void **state)
{
    (void)state;
    const char *j = "{\"schemaVersion\":2,\"manifests\":["
                    "{\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\","
                    "\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
                    "{\"digest\":\"" D2 "\",\"size\":1,\"platform\":{\"os\":\"linux\","
                    "\"architecture\":\"amd64\"}},"
                    "{\"digest\":\"" D3 "\",\"size\":1,\"platform\":{\"os\":\"unknown\","
                    "\"architecture\":\"unknown\"}}]}";
    daas_image_manifest m;
    daas_err err = {0};
    const daas_image_desc *d = NULL;
    assert_int_equal(daas_image_manifest_parse(j, strlen(j), DAAS_IMAGE_MT_OCI_INDEX, &m, &err),
                     DAAS_OK);
    assert_int_equal(m.kind, DAAS_IMAGE_KIND_INDEX);
    assert_int_equal(daas_image_index_pick(&m, "linux", "amd64", &d, &err), DAAS_OK);
    assert_string_equal(d->digest, D2);
    assert_int_equal(daas_image_index_pick(&m, "linux", "s390x", &d, &err), DAAS_ENOTFOUND);
    assert_string_equal(err.msg, "no linux/s390x image; the index has: linux/arm64, linux/amd64");
    daas_image_manifest_fini(&m);
}

static void test_config(void **state)
{
    (void)state;
    const char *j =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
        "\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\",\"echo hi\"],"
        "\"Env\":[\"PATH=/bin\",\"A=b\"],\"WorkingDir\":\"/tmp\",\"User\":\"1000:1000\"}}";
    daas_image_cfg c;
    daas_err err = {0};
    assert_int_equal(daas_image_config_parse(j, strlen(j), &c, &err), DAAS_OK);
    assert_string_equal(c.entrypoint[0], "/bin/sh");
    assert_null(c.entrypoint[1]);
    assert_string_equal(c.cmd[1], "echo hi");
    assert_string_equal(c.env[1], "A=b");
    assert_string_equal(c.working_dir, "/tmp");
    assert_string_equal(c.user, "1000:1000");
    assert_string_equal(c.arch, "amd64");
    daas_image_config_fini(&c);
    const char *bad = "{\"config\":{\"Cmd\":[1]}}";
    assert_int_equal(daas_image_config_parse(bad, strlen(bad), &c, &err), DAAS_EINVAL);
    daas_image_config_fini(&c);
    const char *empty = "{\"config\":{\"Cmd\":null}}";
    assert_int_equal(daas_image_config_parse(empty, strlen(empty), &c, &err), DAAS_OK);
    assert_null(c.cmd);
    daas_image_config_fini(&c);
}

static void test_refs(void **state)
{
    (void)state;
    daas_image_ref r;
    daas_err err = {0};
    assert_int_equal(daas_image_ref_parse("busybox", &r, &err), DAAS_OK);
    assert_string_equal(r.host, "registry-1.docker.io");
    assert_string_equal(r.name, "library/busybox");
    assert_string_equal(r.reference, "latest");
    assert_string_equal(r.canonical, "docker.io/library/busybox:latest");
    daas_image_ref_fini(&r);
    assert_int_equal(daas_image_ref_parse("127.0.0.1:5000/a/b:v1", &r, &err), DAAS_OK);
    assert_string_equal(r.host, "127.0.0.1:5000");
    assert_string_equal(r.name, "a/b");
    assert_string_equal(r.reference, "v1");
    daas_image_ref_fini(&r);
    assert_int_equal(daas_image_ref_parse("localhost/x@" D1, &r, &err), DAAS_OK);
    assert_string_equal(r.reference, D1);
    assert_string_equal(r.canonical, "localhost/x@" D1);
    daas_image_ref_fini(&r);
    assert_int_equal(daas_image_ref_parse("x@sha256:abc", &r, &err), DAAS_EINVAL);
    daas_image_ref_fini(&r);
    assert_int_equal(daas_image_ref_parse("a b", &r, &err), DAAS_EINVAL);
    daas_image_ref_fini(&r);
}

static void test_challenge(void **state)
{
    (void)state;
    char *realm, *service, *scope;
    daas_err err = {0};
    assert_int_equal(daas_image_parse_challenge(
                         " Bearer realm=\"https://auth.example/token\",service=\"reg.example\","
                         "scope=\"repository:a/b:pull\"",
                         &realm, &service, &scope, &err),
                     DAAS_OK);
    assert_string_equal(realm, "https://auth.example/token");
    assert_string_equal(service, "reg.example");
    assert_string_equal(scope, "repository:a/b:pull");
    daas_free(realm);
    daas_free(service);
    daas_free(scope);
    assert_int_equal(
        daas_image_parse_challenge("Basic realm=\"x\"", &realm, &service, &scope, &err),
        DAAS_EINVAL);
    assert_int_equal(
        daas_image_parse_challenge("Bearer service=\"x\"", &realm, &service, &scope, &err),
        DAAS_EINVAL);
    assert_int_equal(daas_image_parse_challenge("Bearer realm=\"file:///etc/x\"", &realm, &service,
                                                &scope, &err),
                     DAAS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest),  cmocka_unit_test(test_index_pick),
        cmocka_unit_test(test_config),    cmocka_unit_test(test_refs),
        cmocka_unit_test(test_challenge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
