/*
 * test_kube.c: sealing Secrets and sensitive ConfigMaps (seal/kube.h): no plaintext left,
 * names and sizes readable, unsealing with derived keys from 2 of 3 master keys, values that
 * cannot move between keys or objects, foreign sealed values refused, re-sealing keeps
 * sealed values as they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "seal/kube.h"

typedef struct fx {
    daas_seal_cluster c;
    uint8_t msk[3][DAAS_SEAL_SCALAR_LEN];
} fx;

static fx F;

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    for (size_t i = 0; i < 32; i++) {
        F.c.package_id[i] = (uint8_t)(0xa0 + i);
        F.c.policy_id[i] = (uint8_t)(0x10 + i);
    }
    F.c.nservers = 3;
    F.c.threshold = 2;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(daas_seal_msk_generate(F.msk[i], NULL), DAAS_OK);
        assert_int_equal(daas_seal_public_key(F.msk[i], F.c.servers[i].pk, NULL), DAAS_OK);
        memset(F.c.servers[i].object_id, 0, 32);
        F.c.servers[i].object_id[31] = (uint8_t)(i + 1);
    }
    return 0;
}

static json_t *secret(void)
{
    json_t *o = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s}}", "apiVersion", "v1",
                          "kind", "Secret", "metadata", "name", "db", "namespace", "team1", "uid",
                          "0f8fad5b-d9cb-469f-a165-70867728950e", "data", "password",
                          "aHVudGVyMg==", "user", "YWRtaW4=");
    assert_non_null(o);
    return o;
}

/* Derived keys for obj's identity from the master keys in which (bit i = server i). */
static size_t keys_for(const json_t *obj, unsigned which, daas_seal_derived *out)
{
    uint8_t pkg[32], id[DAAS_SEAL_KUBE_ID_LEN];
    assert_int_equal(daas_seal_kube_identity(obj, pkg, id, NULL), DAAS_OK);
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        if (!(which & (1u << i)))
            continue;
        memcpy(out[n].object_id, F.c.servers[i].object_id, 32);
        assert_int_equal(daas_seal_extract(F.msk[i], pkg, DAAS_BYTES(id, sizeof id), out[n].usk,
                                           NULL),
                         DAAS_OK);
        n++;
    }
    return n;
}

static const char *val(const json_t *o, const char *field, const char *key)
{
    return json_string_value(json_object_get(json_object_get(o, field), key));
}

static const char *ann(const json_t *o, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(o, "metadata"), "annotations"), key));
}

static void seal_hides_and_unseal_restores(void **state)
{
    (void)state;
    json_t *o = secret();
    assert_true(daas_seal_kube_applies(o));
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    char *dump = json_dumps(o, JSON_COMPACT);
    assert_null(strstr(dump, "aHVudGVyMg==")); /* base64 plaintext gone */
    assert_null(strstr(dump, "hunter2"));
    free(dump);
    assert_string_equal(ann(o, DAAS_SEAL_KUBE_ANN_SEALED), "v1");
    assert_string_equal(ann(o, DAAS_SEAL_KUBE_ANN_SIZES), "{\"password\":7,\"user\":5}");
    assert_non_null(strstr(ann(o, DAAS_SEAL_KUBE_ANN_POLICY), "0x101112"));
    assert_true(daas_seal_kube_is_sealed(o));

    /* the identity is policy id || the uid's 16 bytes */
    uint8_t pkg[32], id[DAAS_SEAL_KUBE_ID_LEN];
    assert_int_equal(daas_seal_kube_identity(o, pkg, id, NULL), DAAS_OK);
    assert_memory_equal(pkg, F.c.package_id, 32);
    assert_memory_equal(id, F.c.policy_id, 32);
    assert_int_equal(id[32], 0x0f);
    assert_int_equal(id[47], 0x0e);

    /* one key is not enough; any two are */
    daas_seal_derived k[3];
    json_t *copy = json_deep_copy(o);
    daas_err e = {0};
    assert_int_equal(daas_seal_kube_unseal(copy, k, keys_for(o, 1, k), NULL, 0, &e),
                     DAAS_EINVAL);
    assert_true(json_equal(copy, o)); /* unchanged on error */
    json_decref(copy);
    unsigned pairs[] = {3, 5, 6};
    for (size_t p = 0; p < 3; p++) {
        copy = json_deep_copy(o);
        size_t n = keys_for(o, pairs[p], k);
        assert_int_equal(daas_seal_kube_unseal(copy, k, n, F.c.servers, 3, NULL), DAAS_OK);
        assert_string_equal(val(copy, "data", "password"), "aHVudGVyMg==");
        assert_string_equal(val(copy, "data", "user"), "YWRtaW4=");
        assert_null(ann(copy, DAAS_SEAL_KUBE_ANN_SEALED));
        json_decref(copy);
    }
    json_decref(o);
}

static void resealing_keeps_sealed_values(void **state)
{
    (void)state;
    json_t *o = secret();
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    json_t *before = json_deep_copy(o);
    /* a write that adds one plaintext key keeps the sealed ones byte for byte */
    json_object_set_new(json_object_get(o, "data"), "extra", json_string("eA=="));
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    assert_string_equal(val(o, "data", "password"), val(before, "data", "password"));
    assert_string_equal(val(o, "data", "user"), val(before, "data", "user"));
    assert_string_not_equal(val(o, "data", "extra"), "eA==");
    assert_string_equal(ann(o, DAAS_SEAL_KUBE_ANN_SIZES), "{\"extra\":1,\"password\":7,\"user\":5}");
    daas_seal_derived k[3];
    assert_int_equal(daas_seal_kube_unseal(o, k, keys_for(o, 6, k), NULL, 0, NULL), DAAS_OK);
    assert_string_equal(val(o, "data", "extra"), "eA==");
    json_decref(before);
    json_decref(o);
}

static void values_cannot_move(void **state)
{
    (void)state;
    json_t *o = secret();
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    /* swap the two ciphertexts: the AAD names the key, so the server refuses the write */
    json_t *data = json_object_get(o, "data");
    json_t *pw = json_deep_copy(json_object_get(data, "password"));
    json_object_set(data, "password", json_object_get(data, "user"));
    json_object_set_new(data, "user", pw);
    json_t *copy = json_deep_copy(o);
    daas_err e = {0};
    assert_int_equal(daas_seal_kube_seal(&F.c, o, &e), DAAS_EINVALID);
    assert_non_null(strstr(e.msg, "another object or key"));
    assert_true(json_equal(copy, o));
    /* and unsealing refuses it too */
    daas_seal_derived k[3];
    daas_err_clear(&e);
    assert_int_equal(daas_seal_kube_unseal(o, k, keys_for(o, 3, k), NULL, 0, &e), DAAS_EUNAUTH);
    /* the same values under another name are refused as well */
    json_decref(copy);
    json_decref(o);
    o = secret();
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    json_object_set_new(json_object_get(o, "metadata"), "name", json_string("other"));
    daas_err_clear(&e);
    assert_int_equal(daas_seal_kube_seal(&F.c, o, &e), DAAS_EINVALID);
    json_decref(o);
}

static void foreign_values_refused(void **state)
{
    (void)state;
    json_t *o = secret();
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    daas_seal_cluster other = F.c;
    other.policy_id[0] ^= 1;
    daas_err e = {0};
    assert_int_equal(daas_seal_kube_seal(&other, o, &e), DAAS_EINVALID);
    assert_non_null(strstr(e.msg, "another policy"));
    other = F.c;
    other.servers[2].object_id[0] = 9;
    daas_err_clear(&e);
    assert_int_equal(daas_seal_kube_seal(&other, o, &e), DAAS_EINVALID);
    assert_non_null(strstr(e.msg, "key-server set"));
    other = F.c;
    other.package_id[5] ^= 1;
    daas_err_clear(&e);
    assert_int_equal(daas_seal_kube_seal(&other, o, &e), DAAS_EINVALID);
    json_decref(o);
    /* bad base64 in a Secret is a clear error, nothing changes */
    o = secret();
    json_object_set_new(json_object_get(o, "data"), "bad", json_string("!!"));
    json_t *copy = json_deep_copy(o);
    daas_err_clear(&e);
    assert_int_equal(daas_seal_kube_seal(&F.c, o, &e), DAAS_EINVALID);
    assert_string_equal(e.msg, "data[bad]: not valid base64");
    assert_true(json_equal(copy, o));
    json_decref(copy);
    json_decref(o);
}

static void sensitive_configmap(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:s, s:{s:s, s:s, s:{s:s}}, s:{s:s}, s:{s:s}}", "kind", "ConfigMap",
                          "metadata", "name", "cfg", "namespace", "default", "annotations",
                          "daas.io/sensitive", "true", "data", "dsn", "postgres://u:p@db/x",
                          "binaryData", "blob", "AAEC");
    json_t *plain = json_pack("{s:s, s:{s:s}}", "kind", "ConfigMap", "metadata", "name", "x");
    assert_false(daas_seal_kube_applies(plain));
    json_decref(plain);
    assert_true(daas_seal_kube_applies(o));
    assert_int_equal(daas_seal_kube_seal(&F.c, o, NULL), DAAS_OK);
    char *dump = json_dumps(o, JSON_COMPACT);
    assert_null(strstr(dump, "postgres://"));
    free(dump);
    assert_string_equal(ann(o, DAAS_SEAL_KUBE_ANN_SIZES), "{\"blob\":3,\"dsn\":19}");
    daas_seal_derived k[3];
    assert_int_equal(daas_seal_kube_unseal(o, k, keys_for(o, 5, k), F.c.servers, 3, NULL),
                     DAAS_OK);
    assert_string_equal(val(o, "data", "dsn"), "postgres://u:p@db/x");
    assert_string_equal(val(o, "binaryData", "blob"), "AAEC");
    json_decref(o);
}

static void no_uid_gives_random_identity(void **state)
{
    (void)state;
    json_t *a = secret(), *b = secret();
    json_object_del(json_object_get(a, "metadata"), "uid");
    json_object_del(json_object_get(b, "metadata"), "uid");
    assert_int_equal(daas_seal_kube_seal(&F.c, a, NULL), DAAS_OK);
    assert_int_equal(daas_seal_kube_seal(&F.c, b, NULL), DAAS_OK);
    uint8_t pa[32], pb[32], ia[DAAS_SEAL_KUBE_ID_LEN], ib[DAAS_SEAL_KUBE_ID_LEN];
    assert_int_equal(daas_seal_kube_identity(a, pa, ia, NULL), DAAS_OK);
    assert_int_equal(daas_seal_kube_identity(b, pb, ib, NULL), DAAS_OK);
    assert_memory_equal(ia, ib, 32);
    assert_memory_not_equal(ia + 32, ib + 32, 16);
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(seal_hides_and_unseal_restores, setup),
        cmocka_unit_test_setup(resealing_keeps_sealed_values, setup),
        cmocka_unit_test_setup(values_cannot_move, setup),
        cmocka_unit_test_setup(foreign_values_refused, setup),
        cmocka_unit_test_setup(sensitive_configmap, setup),
        cmocka_unit_test_setup(no_uid_gives_random_identity, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
