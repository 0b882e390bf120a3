/*
 * test_boot.c: the bootstrap record (pki/boot.h): round trip, the datastore key, and every
 * way a record must fail to open (wrong token, another key, tampering, malformed fields).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "pki/boot.h"

static const char *KEY = "/bootstrap/0123456789abcdef";

static char *sealed(const char *token)
{
    daas_pki_boot b = {.ca_cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                       .ca_key = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"};
    snprintf(b.cluster_id, sizeof b.cluster_id, "daas-0011223344556677");
    char *rec = NULL;
    assert_int_equal(daas_pki_boot_seal(token, KEY, &b, &rec, NULL), DAAS_OK);
    return rec;
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *rec = sealed("s3cr3t-1");
    assert_null(strstr(rec, "MIGH")); /* the key is not in the clear */
    assert_null(strstr(rec, "daas-0011"));
    daas_pki_boot b;
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", KEY, rec, strlen(rec), &b, NULL), DAAS_OK);
    assert_string_equal(b.cluster_id, "daas-0011223344556677");
    assert_non_null(strstr(b.ca_key, "MIGH"));
    assert_non_null(strstr(b.ca_cert, "MIIB"));
    daas_pki_boot_fini(&b);
    daas_free(rec);
}

static void test_key_name(void **state)
{
    (void)state;
    char *a = daas_pki_boot_key("s3cr3t-1"), *b = daas_pki_boot_key("s3cr3t-2");
    assert_int_equal(strlen(a), strlen("/bootstrap/") + 16);
    assert_int_equal(strncmp(a, "/bootstrap/", 11), 0);
    assert_string_not_equal(a, b);
    assert_null(strstr(a, "s3cr3t"));
    daas_free(a);
    daas_free(b);
}

static void test_refusals(void **state)
{
    (void)state;
    char *rec = sealed("s3cr3t-1");
    daas_pki_boot b;
    daas_err err = {0};
    assert_int_equal(daas_pki_boot_open("s3cr3t-2", KEY, rec, strlen(rec), &b, &err), DAAS_EDENIED);
    assert_null(strstr(err.msg, "s3cr3t"));
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", "/bootstrap/other", rec, strlen(rec), &b, NULL),
                     DAAS_EDENIED);
    /* flip one byte of the ciphertext */
    json_t *j = json_loads(rec, 0, NULL);
    char *data = daas_xstrdup(json_string_value(json_object_get(j, "data")));
    data[10] = data[10] == 'A' ? 'B' : 'A';
    json_object_set_new(j, "data", json_string(data));
    char *bad = json_dumps(j, JSON_COMPACT);
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", KEY, bad, strlen(bad), &b, NULL), DAAS_EDENIED);
    free(bad);
    /* malformed fields */
    json_object_set_new(j, "iterations", json_integer(1));
    bad = json_dumps(j, JSON_COMPACT);
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", KEY, bad, strlen(bad), &b, NULL), DAAS_EINVAL);
    free(bad);
    json_object_set_new(j, "iterations", json_integer(100000));
    json_object_set_new(j, "salt", json_string("AAAA"));
    bad = json_dumps(j, JSON_COMPACT);
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", KEY, bad, strlen(bad), &b, NULL), DAAS_EINVAL);
    free(bad);
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", KEY, "{}", 2, &b, NULL), DAAS_EINVAL);
    assert_int_equal(daas_pki_boot_open("s3cr3t-1", KEY, "nope", 4, &b, NULL), DAAS_EINVAL);
    json_decref(j);
    daas_free(data);
    daas_free(rec);
}

int main(void)
{
    daas_pki_boot__set_iterations(1000); /* fast; the count is in the record */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_key_name),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
