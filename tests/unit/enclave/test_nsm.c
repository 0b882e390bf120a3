/*
 * test_nsm.c: the NSM codec without the device: the Attestation request's exact bytes
 * (specs/nautilus.md §5.2), responses in definite and indefinite form and any key order,
 * the Error answer, malformed answers; the device path failing cleanly where there is no
 * NSM (a missing node, /dev/null, a regular file).
 *
 * Owns:   each test's buffers and temporary files (removed before it returns).
 * Spec:   specs/nautilus.md §5.1, §5.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unistd.h>

#include "enclave/enclave.h"
#include "enclave_test.h"

/* SPEC: specs/nautilus.md §5.2: Nautilus' request is this 45-byte prefix, then the key. */
#define REQ_PREFIX                                                                                 \
    "a16b4174746573746174696f6ea369757365725f64617461f6656e6f6e6365f66a7075626c69635f6b6579"       \
    "5820"
#define REQ_ALL_NULL                                                                               \
    "a16b4174746573746174696f6ea369757365725f64617461f6656e6f6e6365f66a7075626c69635f6b6579"       \
    "f6"

static void test_request_nautilus(void **state)
{
    uint8_t pk[32];
    char hex[256];
    daas_buf b;
    for (int i = 0; i < 32; i++)
        pk[i] = (uint8_t)(0xa0 + i);
    daas_bytes k = DAAS_BYTES(pk, sizeof pk);
    daas_buf_init(&b, 4096);
    assert_int_equal(daas_enclave_nsm_request(NULL, NULL, &k, &b, NULL), DAAS_OK);
    assert_int_equal(b.len, 77);
    enc_hex(b.data, b.len, hex, sizeof hex);
    assert_memory_equal(hex, REQ_PREFIX, strlen(REQ_PREFIX));
    assert_memory_equal(b.data + 45, pk, 32);
    daas_buf_fini(&b);
}

static void test_request_fields(void **state)
{
    uint8_t big[600] = {0};
    char hex[256];
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 4096);
    assert_int_equal(daas_enclave_nsm_request(NULL, NULL, NULL, &b, NULL), DAAS_OK);
    assert_string_equal(enc_hex(b.data, b.len, hex, sizeof hex), REQ_ALL_NULL);
    daas_buf_reset(&b);
    /* 300 bytes of user_data: bstr head 59 01 2c; an empty nonce: 40. */
    daas_bytes ud = DAAS_BYTES(big, 300), nonce = DAAS_BYTES(big, 0);
    assert_int_equal(daas_enclave_nsm_request(&ud, &nonce, NULL, &b, NULL), DAAS_OK);
    assert_int_equal(b.len, 1 + 12 + 1 + 10 + 3 + 300 + 6 + 1 + 11 + 1);
    assert_memory_equal(b.data + 24, "\x59\x01\x2c", 3);
    assert_memory_equal(b.data + 24 + 3 + 300 + 6, "\x40", 1);
    daas_buf_reset(&b);
    daas_bytes over = DAAS_BYTES(big, 513);
    assert_int_equal(daas_enclave_nsm_request(&over, NULL, NULL, &b, &err), DAAS_EINVAL);
    assert_int_equal(daas_enclave_nsm_request(NULL, &over, NULL, &b, NULL), DAAS_EINVAL);
    assert_int_equal(b.len, 0);
    daas_buf_fini(&b);
    daas_buf_init(&b, 20); /* cap too small */
    assert_int_equal(daas_enclave_nsm_request(NULL, NULL, NULL, &b, NULL), DAAS_ETOOBIG);
    daas_buf_fini(&b);
}

/* Decodes hex as a response; returns the rc and leaves the document in doc. */
static int respond(const char *h, daas_buf *doc, daas_err *err)
{
    uint8_t r[1024];
    size_t n = enc_unhex(h, r, sizeof r);
    daas_buf_init(doc, DAAS_ENCLAVE_DOC_MAX);
    return daas_enclave_nsm_response(DAAS_BYTES(r, n), doc, err);
}

#define ATT "6b4174746573746174696f6e" /* "Attestation" */
#define DOC "68646f63756d656e74"       /* "document" */

static void test_response_definite(void **state)
{
    daas_buf doc;
    assert_int_equal(respond("a1" ATT "a1" DOC "4401020304", &doc, NULL), DAAS_OK);
    assert_int_equal(doc.len, 4);
    assert_memory_equal(doc.data, "\x01\x02\x03\x04", 4);
    daas_buf_fini(&doc);
    /* A 2-byte length, as real ~4.5 KB documents have. */
    char h[700] = "a1" ATT "a1" DOC "590100";
    for (int i = 0; i < 256; i++)
        snprintf(h + strlen(h), 3, "%02x", i);
    assert_int_equal(respond(h, &doc, NULL), DAAS_OK);
    assert_int_equal(doc.len, 256);
    assert_int_equal((uint8_t)doc.data[255], 255);
    daas_buf_fini(&doc);
}

static void test_response_indefinite_and_order(void **state)
{
    daas_buf doc;
    /* Indefinite maps at both levels, and another key before "document". */
    assert_int_equal(respond("bf" ATT "bf"
                             "6474797065"
                             "6161" DOC "43aabbcc"
                             "ff"
                             "ff",
                             &doc, NULL),
                     DAAS_OK);
    assert_int_equal(doc.len, 3);
    assert_memory_equal(doc.data, "\xaa\xbb\xcc", 3);
    daas_buf_fini(&doc);
}

static void test_response_error(void **state)
{
    daas_buf doc;
    daas_err err = {0};
    /* {"Error": "InternalError"} */
    assert_int_equal(respond("a1654572726f726d496e7465726e616c4572726f72", &doc, &err),
                     DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "InternalError"));
    assert_int_equal(doc.len, 0);
    daas_buf_fini(&doc);
}

static void expect_bad(const char *h, const char *why)
{
    daas_buf doc;
    daas_err err = {0};
    assert_int_equal(respond(h, &doc, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, why));
    assert_int_equal(doc.len, 0);
    daas_buf_fini(&doc);
}

static void test_response_malformed(void **state)
{
    expect_bad("ff", "not CBOR");
    expect_bad("a1" ATT "a1" DOC "4401", "not CBOR"); /* truncated */
    expect_bad("a1" ATT "a1" DOC "4101"
               "00",
               "after the response");             /* trailing byte */
    expect_bad("674c6f636b504352", "unexpected"); /* text "LockPCR" */
    expect_bad("a1"
               "6947657452616e646f6d"
               "a1"
               "6672616e646f6d"
               "4101",
               "unexpected");
    expect_bad("a1" ATT "a1" DOC "6161", "without a document"); /* text, not bstr */
    expect_bad("a1" ATT "a0", "without a document");
    expect_bad("a1" ATT "a1" DOC "40", "0 bytes"); /* empty document */
    expect_bad("a2" ATT "a0"
               "654572726f72"
               "6161",
               "unexpected"); /* two keys */
    expect_bad("a1654572726f72"
               "01",
               "malformed Error");
    /* a map claiming 1.9 billion pairs in 8 bytes: refused before anything is allocated
     * (found by fuzz_enclave_msgs) */
    expect_bad("ba756d652874", "not CBOR");
}

static void test_device_absent(void **state)
{
    daas_buf doc;
    daas_err err = {0};
    uint8_t pk[32] = {1};
    daas_buf_init(&doc, DAAS_ENCLAVE_DOC_MAX);
    assert_int_equal(daas_enclave_nsm_attest("/nonexistent/nsm", DAAS_BYTES(pk, 32), &doc, &err),
                     DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "/nonexistent/nsm"));
    /* Not an NSM: the ioctl is refused (ENOTTY) and reported, nothing is appended. */
    daas_err_clear(&err);
    assert_int_equal(daas_enclave_nsm_attest("/dev/null", DAAS_BYTES(pk, 32), &doc, &err),
                     DAAS_EIO);
    assert_non_null(strstr(err.msg, "ioctl"));
    char *dir = enc_tmpdir();
    char *f = daas_xasprintf("%s/nsm", dir);
    FILE *fp = fopen(f, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(daas_enclave_nsm_attest(f, DAAS_BYTES(pk, 32), &doc, NULL), DAAS_EIO);
    assert_int_equal(doc.len, 0);
    daas_free(f);
    enc_rmrf(dir);
    daas_buf_fini(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_nautilus),
        cmocka_unit_test(test_request_fields),
        cmocka_unit_test(test_response_definite),
        cmocka_unit_test(test_response_indefinite_and_order),
        cmocka_unit_test(test_response_error),
        cmocka_unit_test(test_response_malformed),
        cmocka_unit_test(test_device_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
