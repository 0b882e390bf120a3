/*
 * test_json_out.c: daas_kube_json_dump must write exactly what json_dumps(JSON_COMPACT)
 * writes, for hand-picked documents and for generated trees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/obj.h"

static void same_as_jansson(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_kube_json_dump(v, &b), DAAS_OK);
    assert_non_null(want);
    assert_string_equal(b.data, want);
    free(want);
    daas_buf_fini(&b);
}

static void test_documents(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{}", "[]", "{\"a\":[]}", "[{},[],null,true,false,0,-1,9223372036854775807]",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"labels\":"
        "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"busybox\","
        "\"command\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\\n\"]}]}}",
        "{\"s\":\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"}",
        "{\"ctl\":\"\\u0001\\u001f\\u007f\",\"utf8\":\"h\\u00e9llo \\u2603 \\ud83d\\ude00\"}",
        "{\"k\\\"ey\":1,\"nul\":\"a\\u0000b\"}",
        "[1.5,-0.25,1e300,3.0,100.0,0.1,1e-5,2.5e-300,1e21,-3e-7]",
        "{\"nested\":{\"a\":{\"b\":{\"c\":[[[[\"deep\"]]]]}}}}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t e;
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        assert_non_null(v);
        same_as_jansson(v);
        json_decref(v);
    }
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static json_t *gen(uint64_t *s, int depth)
{
    static const char *const words[] = {"a", "metadata", "q\"uote", "back\\slash", "tab\t",
                                        "\xc3\xa9t\xc3\xa9", "", "ctl\x01", "line\nbreak"};
    switch (depth > 4 ? lcg(s) % 4 : lcg(s) % 7) {
    case 0:
        return json_string(words[lcg(s) % 9]);
    case 1:
        return json_integer((json_int_t)lcg(s) - (json_int_t)(1ull << 30));
    case 2:
        return lcg(s) % 2 ? json_true() : json_null();
    case 3:
        return json_real((double)lcg(s) / 7.0);
    case 4:
    case 5: {
        json_t *o = json_object();
        for (uint64_t n = lcg(s) % 6; n > 0; n--)
            json_object_set_new(o, words[lcg(s) % 9], gen(s, depth + 1));
        return o;
    }
    default: {
        json_t *a = json_array();
        for (uint64_t n = lcg(s) % 6; n > 0; n--)
            json_array_append_new(a, gen(s, depth + 1));
        return a;
    }
    }
}

static void test_generated(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int i = 0; i < 2000; i++) {
        json_t *v = gen(&seed, 0);
        same_as_jansson(v);
        json_decref(v);
    }
}

static void test_cap_leaves_buffer_unchanged(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s}", "k", "a fairly long value that will not fit");
    daas_buf b;
    daas_buf_init(&b, 16);
    assert_int_equal(daas_buf_puts(&b, "prefix"), DAAS_OK);
    assert_int_equal(daas_kube_json_dump(v, &b), DAAS_ETOOBIG);
    assert_string_equal(b.data, "prefix");
    assert_int_equal(daas_kube_json_dump(NULL, &b), DAAS_EINVAL);
    daas_buf_fini(&b);
    json_decref(v);
}

static void test_depth_limit(void **state)
{
    (void)state;
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < DAAS_KUBE_JSON_MAX_DEPTH + 5; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_kube_json_dump(root, &b), DAAS_ETOOBIG);
    assert_int_equal(b.len, 0);
    daas_buf_fini(&b);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_cap_leaves_buffer_unchanged),
        cmocka_unit_test(test_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
