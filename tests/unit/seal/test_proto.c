/*
 * test_proto.c: the Seal key-server wire layer (seal/proto*.c): the personal-message and
 * RequestFormat regression vectors of specs/seal.md §6.5 and §8.6, fetch_key request
 * parse/render round trips and every rejection (types, lengths, base64 strictness,
 * addresses, ranges, duplicates, size), the response and /v1/service JSON, and the error
 * table (names, statuses, texts, render and parse).
 *
 * Owns:   nothing beyond each test's buffers and parsed structs, released before it returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "seal/proto.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(s), 2 * n);
    assert_true(daas_hex_decode(s, n, out));
}

/* SPEC: specs/seal.md §6.5 regression vector (test_signed_message_regression). */
static void test_personal_message_vector(void **state)
{
    uint8_t pkg[32] = {0}, vk[32];
    daas_buf b;
    daas_err err = {0};

    (void)state;
    /* 0xc457…f6d5 is 30 bytes: left-padded with two zero bytes */
    unhex("c457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d5", pkg + 2, 30);
    unhex("0d7dab358c8dadaa4efa0049a75b07436555b10a368219bb680f70571349d775", vk, 32);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_seal_personal_message(pkg, NULL, 30, 1622548800, vk, &b, &err), DAAS_OK);
    assert_string_equal(b.data, "Accessing keys of package "
                                "0x0000c457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d5"
                                " for 30 mins from 1970-01-19 18:42:28 UTC, session key "
                                "DX2rNYyNrapO+gBJp1sHQ2VVsQo2ghm7aA9wVxNJ13U=");
    daas_buf_reset(&b);
    assert_int_equal(daas_seal_personal_message(pkg, "@my/package", 30, 1622548800, vk, &b, &err),
                     DAAS_OK);
    assert_string_equal(b.data, "Accessing keys of package @my/package for 30 mins from "
                                "1970-01-19 18:42:28 UTC, session key "
                                "DX2rNYyNrapO+gBJp1sHQ2VVsQo2ghm7aA9wVxNJ13U=");
    /* milliseconds are dropped, not rounded */
    daas_buf_reset(&b);
    assert_int_equal(daas_seal_personal_message(pkg, "x", 1, 1700000000999ull, vk, &b, &err),
                     DAAS_OK);
    assert_non_null(strstr(b.data, "for 1 mins from 2023-11-14 22:13:20 UTC,"));
    /* past year 9999 */
    daas_buf_reset(&b);
    assert_int_equal(daas_seal_personal_message(pkg, NULL, 1, 253402300800000ull, vk, &b, &err),
                     DAAS_EINVAL);
    daas_buf_fini(&b);
}

static const char req_fmt_hex[] =
    "38000100d92bc457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d503626c610e7365616c"
    "5f617070726f76655f7800003085946cd4134ecb8f7739bbd3522d1c8fab793c6c431a8b0b77b4f1885d4c096a"
    "afab755e7b8bce8688410cee9908fb29608faaf686c0dcbe3f65f1130e8be538d7ea009347d397f517188dfa14"
    "417618887a0412e404fff56efbafb63d1fc4970a1187b4ccb6e767a91822312e533fa53dee69f77ef5130be095"
    "e147ff3d40e96e8ddc4bf554dae3bcc34048fe9330cccf";

/* SPEC: specs/seal.md §8.6 (test_signed_request_regression) and the §6.4 PTB bytes. */
static void test_request_format_vector(void **state)
{
    uint8_t all[203], ptb[56], ek[48], evk[96];
    daas_buf b;
    daas_err err = {0};

    (void)state;
    assert_int_equal(strlen(req_fmt_hex), 2 * sizeof all);
    unhex(req_fmt_hex, all, sizeof all);
    memcpy(ptb, all + 1, 56);
    memcpy(ek, all + 58, 48);
    memcpy(evk, all + 107, 96);
    /* the §6.4 example PTB is what the vector embeds */
    uint8_t ptb64[56];
    unhex("000100d92bc457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d503626c610e7365"
          "616c5f617070726f76655f780000",
          ptb64, 56);
    assert_memory_equal(ptb, ptb64, 56);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_seal_request_format(DAAS_BYTES(ptb, 56), ek, evk, &b, &err), DAAS_OK);
    assert_int_equal(b.len, sizeof all);
    assert_memory_equal(b.data, all, sizeof all);
    daas_buf_fini(&b);
}

/* A valid request built field by field (values are arbitrary bytes of the right sizes). */
static void sample_req(daas_seal_fetch_req *r)
{
    memset(r, 0, sizeof *r);
    r->ptb_len = 56;
    r->ptb = daas_xmalloc(56);
    unhex("000100d92bc457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3282f6d503626c610e7365"
          "616c5f617070726f76655f780000",
          r->ptb, 56);
    memset(r->enc_key, 0x11, sizeof r->enc_key);
    memset(r->enc_vk, 0x22, sizeof r->enc_vk);
    memset(r->request_signature, 0x33, sizeof r->request_signature);
    memset(r->cert.user, 0xab, 32);
    memset(r->cert.session_vk, 0x44, 32);
    r->cert.creation_time = 1790000000123ull;
    r->cert.ttl_min = 10;
    r->cert.signature = daas_xstrdup("AAECAw==");
}

static void test_req_round_trip(void **state)
{
    daas_seal_fetch_req r, p;
    daas_buf b, b2;
    daas_err err = {0};

    (void)state;
    sample_req(&r);
    daas_buf_init(&b, 0);
    daas_buf_init(&b2, 0);
    assert_int_equal(daas_seal_fetch_req_render(&r, &b, &err), DAAS_OK);
    assert_null(strstr(b.data, "mvr_name"));
    assert_non_null(strstr(b.data, "\"creation_time\":1790000000123"));
    assert_non_null(strstr(b.data, "\"user\":\"0xabab"));
    assert_int_equal(daas_seal_fetch_req_parse(DAAS_BYTES(b.data, b.len), &p, &err), DAAS_OK);
    assert_int_equal(p.ptb_len, 56);
    assert_memory_equal(p.ptb, r.ptb, 56);
    assert_memory_equal(p.enc_key, r.enc_key, 48);
    assert_memory_equal(p.enc_vk, r.enc_vk, 96);
    assert_memory_equal(p.request_signature, r.request_signature, 64);
    assert_memory_equal(p.cert.user, r.cert.user, 32);
    assert_memory_equal(p.cert.session_vk, r.cert.session_vk, 32);
    assert_int_equal(p.cert.creation_time, r.cert.creation_time);
    assert_int_equal(p.cert.ttl_min, 10);
    assert_string_equal(p.cert.signature, "AAECAw==");
    assert_null(p.cert.mvr_name);
    /* render(parse(render(r))) == render(r) */
    assert_int_equal(daas_seal_fetch_req_render(&p, &b2, &err), DAAS_OK);
    assert_string_equal(b.data, b2.data);
    daas_seal_fetch_req_fini(&p);
    /* with an mvr name */
    r.cert.mvr_name = daas_xstrdup("@org/app");
    daas_buf_reset(&b);
    assert_int_equal(daas_seal_fetch_req_render(&r, &b, &err), DAAS_OK);
    assert_int_equal(daas_seal_fetch_req_parse(DAAS_BYTES(b.data, b.len), &p, &err), DAAS_OK);
    assert_string_equal(p.cert.mvr_name, "@org/app");
    daas_seal_fetch_req_fini(&p);
    daas_seal_fetch_req_fini(&r);
    assert_null(r.ptb);
    daas_buf_fini(&b);
    daas_buf_fini(&b2);
}

/* The sample request's JSON with `from` replaced by `to` (both must occur / be new text). */
static char *mutate(const char *from, const char *to)
{
    daas_seal_fetch_req r;
    daas_buf b, o;
    daas_err err = {0};
    char *at;

    sample_req(&r);
    daas_buf_init(&b, 0);
    daas_buf_init(&o, 0);
    assert_int_equal(daas_seal_fetch_req_render(&r, &b, &err), DAAS_OK);
    daas_seal_fetch_req_fini(&r);
    at = strstr(b.data, from);
    assert_non_null(at);
    assert_int_equal(daas_buf_append(&o, b.data, (size_t)(at - b.data)), DAAS_OK);
    assert_int_equal(daas_buf_puts(&o, to), DAAS_OK);
    assert_int_equal(daas_buf_puts(&o, at + strlen(from)), DAAS_OK);
    daas_buf_fini(&b);
    return daas_buf_steal(&o, NULL);
}

/* Parsing the mutated request fails with code, and the message names field. */
static void expect_reject(const char *from, const char *to, int code, const char *field)
{
    char *s = mutate(from, to);
    daas_seal_fetch_req p;
    daas_err err = {0};
    int rc = daas_seal_fetch_req_parse(DAAS_BYTES_STR(s), &p, &err);

    if (rc != code || strstr(err.msg, field) == NULL)
        fail_msg("%s -> %s: rc %d msg '%s' (want %d naming %s)", from, to, rc, err.msg, code,
                 field);
    assert_null(p.ptb);
    assert_null(p.cert.signature);
    daas_free(s);
}

static void test_req_rejects(void **state)
{
    (void)state;
    /* missing fields and wrong types */
    expect_reject("\"ptb\":", "\"ptbx\":", DAAS_EINVAL, "ptb: missing");
    expect_reject("\"enc_key\":", "\"enc_keyx\":", DAAS_EINVAL, "enc_key: missing");
    expect_reject("\"certificate\":", "\"certificatex\":", DAAS_EINVAL, "certificate: missing");
    expect_reject("\"ttl_min\":10", "\"ttl_min\":\"10\"", DAAS_EINVAL, "certificate.ttl_min");
    expect_reject("\"ttl_min\":10", "\"ttl_min\":65536", DAAS_EINVAL, "certificate.ttl_min");
    expect_reject("\"ttl_min\":10", "\"ttl_min\":-1", DAAS_EINVAL, "certificate.ttl_min");
    expect_reject("\"ttl_min\":10", "\"ttl_min\":10.5", DAAS_EINVAL, "certificate.ttl_min");
    expect_reject("\"creation_time\":1790000000123", "\"creation_time\":-5", DAAS_EINVAL,
                  "certificate.creation_time");
    expect_reject("\"creation_time\":1790000000123", "\"creation_time\":null", DAAS_EINVAL,
                  "certificate.creation_time: missing");
    expect_reject("\"signature\":\"AAECAw==\"", "\"signature\":5", DAAS_EINVAL,
                  "certificate.signature");
    expect_reject("\"ttl_min\":10", "\"ttl_min\":10,\"mvr_name\":7", DAAS_EINVAL,
                  "certificate.mvr_name");
    expect_reject("\"ttl_min\":10", "\"ttl_min\":10,\"mvr_name\":\"\"", DAAS_EINVAL,
                  "certificate.mvr_name");
    /* base64: unpadded, non-canonical trailing bits, bad alphabet, wrong length */
    expect_reject("\"signature\":\"AAECAw==\"", "\"signature\":\"AAECAw\"", DAAS_EINVAL,
                  "certificate.signature");
    expect_reject("\"signature\":\"AAECAw==\"", "\"signature\":\"AAECAx==\"", DAAS_EINVAL,
                  "certificate.signature");
    expect_reject("\"ptb\":\"", "\"ptb\":\"-_", DAAS_EINVAL, "ptb");
    expect_reject("\"ptb\":\"", "\"ptb\":\"A", DAAS_EINVAL, "ptb");
    expect_reject("\"ptb\":\"AAEA", "\"ptb\":\"\",\"x\":\"AAEA", DAAS_EINVAL, "ptb: empty");
    expect_reject("\"session_vk\":\"", "\"session_vk\":\"AAAA", DAAS_EINVAL,
                  "certificate.session_vk");
    expect_reject("\"enc_key\":\"", "\"enc_key\":\"AAAA", DAAS_EINVAL, "enc_key: want 48 bytes");
    expect_reject("\"enc_verification_key\":\"", "\"enc_verification_key\":\"AAAA", DAAS_EINVAL,
                  "enc_verification_key: want 96");
    expect_reject("\"request_signature\":\"", "\"request_signature\":\"AAAA", DAAS_EINVAL,
                  "request_signature: want 64");
    /* addresses: short, no prefix, not hex */
    expect_reject("\"user\":\"0xab", "\"user\":\"0x", DAAS_EINVAL, "certificate.user");
    expect_reject("\"user\":\"0xab", "\"user\":\"ab", DAAS_EINVAL, "certificate.user");
    expect_reject("\"user\":\"0xab", "\"user\":\"0xzz", DAAS_EINVAL, "certificate.user");
    /* structure: duplicate keys, trailing garbage, not an object */
    expect_reject("\"ptb\":", "\"ptb\":\"AAAA\",\"ptb\":", DAAS_EINVAL, "fetch_key request");
    expect_reject("\"ptb\":", "\"certificate\":{},\"ptb\":", DAAS_EINVAL, "fetch_key request");
}

static void test_req_rejects_shape(void **state)
{
    daas_seal_fetch_req p;
    daas_err err = {0};
    char *big;

    (void)state;
    assert_int_equal(daas_seal_fetch_req_parse(DAAS_BYTES_STR("[]"), &p, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    daas_err_clear(&err);
    assert_int_equal(daas_seal_fetch_req_parse(DAAS_BYTES_STR("{\"ptb\":"), &p, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    big = daas_xcalloc(DAAS_SEAL_MAX_BODY + 2, 1);
    memset(big, ' ', DAAS_SEAL_MAX_BODY + 1);
    assert_int_equal(daas_seal_fetch_req_parse(DAAS_BYTES(big, DAAS_SEAL_MAX_BODY + 1), &p, &err),
                     DAAS_ETOOBIG);
    daas_free(big);
    /* null mvr_name is None, unknown fields are ignored (serde's default) */
    char *s = mutate("\"ttl_min\":10", "\"ttl_min\":10,\"mvr_name\":null,\"extra\":[1]");
    daas_err_clear(&err);
    assert_int_equal(daas_seal_fetch_req_parse(DAAS_BYTES_STR(s), &p, &err), DAAS_OK);
    assert_null(p.cert.mvr_name);
    daas_seal_fetch_req_fini(&p);
    daas_free(s);
}

static void test_resp_round_trip(void **state)
{
    daas_seal_key_reply k[2];
    uint8_t id0[36], id1[32];
    daas_seal_fetch_resp r;
    daas_buf b;
    daas_err err = {0};

    (void)state;
    memset(id0, 0, sizeof id0);
    id0[32] = 1, id0[33] = 2, id0[34] = 3, id0[35] = 4;
    memset(id1, 0xff, sizeof id1);
    k[0] = (daas_seal_key_reply){.id = id0, .id_len = 36};
    k[1] = (daas_seal_key_reply){.id = id1, .id_len = 32};
    memset(k[0].c1, 1, 48), memset(k[0].c2, 2, 48), memset(k[1].c1, 3, 48), memset(k[1].c2, 4, 48);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_seal_fetch_resp_render(k, 2, &b, &err), DAAS_OK);
    assert_true(strncmp(b.data, "{\"decryption_keys\":[{\"id\":[0,0,", 31) == 0);
    assert_non_null(strstr(b.data, ",0,1,2,3,4],\"encrypted_key\":[\"AQEB"));
    assert_int_equal(daas_seal_fetch_resp_parse(DAAS_BYTES(b.data, b.len), &r, &err), DAAS_OK);
    assert_int_equal(r.nkeys, 2);
    assert_int_equal(r.keys[0].id_len, 36);
    assert_memory_equal(r.keys[0].id, id0, 36);
    assert_memory_equal(r.keys[1].id, id1, 32);
    assert_memory_equal(r.keys[0].c2, k[0].c2, 48);
    assert_memory_equal(r.keys[1].c1, k[1].c1, 48);
    daas_seal_fetch_resp_fini(&r);
    /* rejections */
    static const char *const bad[] = {
        "{}",
        "{\"decryption_keys\":{}}",
        "{\"decryption_keys\":[1]}",
        "{\"decryption_keys\":[{\"id\":[1,2],\"encrypted_key\":[\"\",\"\"]}]}",
        "{\"decryption_keys\":[{\"id\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
        "0,0,0,256],\"encrypted_key\":[]}]}",
        "{\"decryption_keys\":[{\"id\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
        "0,0,0,0],\"encrypted_key\":[\"AAAA\"]}]}",
        "{\"decryption_keys\":[{\"id\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
        "0,0,0,0],\"encrypted_key\":[\"AAAA\",\"AAAA\"]}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        daas_err_clear(&err);
        assert_int_equal(daas_seal_fetch_resp_parse(DAAS_BYTES_STR(bad[i]), &r, &err), DAAS_EINVAL);
        assert_null(r.keys);
        assert_true(err.msg[0] != '\0');
    }
    daas_buf_fini(&b);
}

static void test_service(void **state)
{
    uint8_t id[32], pop[48], id2[32], pop2[48];
    daas_buf b;
    daas_err err = {0};

    (void)state;
    for (int i = 0; i < 32; i++)
        id[i] = (uint8_t)i;
    memset(pop, 0x5a, sizeof pop);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_seal_service_render(id, pop, &b, &err), DAAS_OK);
    assert_true(strncmp(b.data,
                        "{\"service_id\":\"0x000102030405060708090a0b0c0d0e0f101112131415161718"
                        "191a1b1c1d1e1f\",\"pop\":\"",
                        89) == 0);
    assert_int_equal(daas_seal_service_parse(DAAS_BYTES(b.data, b.len), id2, pop2, &err), DAAS_OK);
    assert_memory_equal(id, id2, 32);
    assert_memory_equal(pop, pop2, 48);
    assert_int_equal(
        daas_seal_service_parse(DAAS_BYTES_STR("{\"service_id\":\"0x01\"}"), id2, pop2, &err),
        DAAS_EINVAL);
    daas_buf_fini(&b);
}

static void test_errors(void **state)
{
    daas_buf b;
    daas_err err = {0};
    daas_seal_errcode code;
    char msg[128];

    (void)state;
    assert_string_equal(daas_seal_error_name(DAAS_SEAL_E_INVALID_PTB), "InvalidPTB");
    assert_string_equal(daas_seal_error_name(DAAS_SEAL_E_INVALID_SDK_VERSION), "InvalidSDKVersion");
    assert_string_equal(daas_seal_error_name(DAAS_SEAL_E_INVALID_MVR_NAME), "InvalidMVRName");
    assert_string_equal(daas_seal_error_name((daas_seal_errcode)999), "Unknown");
    assert_int_equal(daas_seal_error_http(DAAS_SEAL_E_NO_ACCESS), 403);
    assert_int_equal(daas_seal_error_http(DAAS_SEAL_E_INVALID_PARAMETER), 403);
    assert_int_equal(daas_seal_error_http(DAAS_SEAL_E_MISSING_REQUIRED_HEADER), 400);
    assert_int_equal(daas_seal_error_http(DAAS_SEAL_E_INVALID_SERVICE_ID), 400);
    assert_int_equal(daas_seal_error_http(DAAS_SEAL_E_DEPRECATED_SDK_VERSION), 426);
    assert_int_equal(daas_seal_error_http(DAAS_SEAL_E_FAILURE), 503);
    assert_int_equal(daas_seal_error_daas_code(DAAS_SEAL_E_FAILURE), DAAS_EUNAVAIL);
    assert_int_equal(daas_seal_error_daas_code(DAAS_SEAL_E_INVALID_CERTIFICATE), DAAS_EDENIED);

    daas_buf_init(&b, 0);
    assert_int_equal(daas_seal_error_render(DAAS_SEAL_E_NO_ACCESS, "m::f abort 3 (ENo)", &b, &err),
                     DAAS_OK);
    assert_string_equal(
        b.data, "{\"error\":\"NoAccess\",\"message\":\"Access denied: m::f abort 3 (ENo)\"}");
    daas_buf_reset(&b);
    assert_int_equal(
        daas_seal_error_render(DAAS_SEAL_E_MISSING_REQUIRED_HEADER, "ignored", &b, &err), DAAS_OK);
    assert_string_equal(b.data, "{\"error\":\"MissingRequiredHeader\",\"message\":\"Missing "
                                "required header: Client-Sdk-Version\"}");
    daas_buf_reset(&b);
    assert_int_equal(daas_seal_error_render(DAAS_SEAL_E_FAILURE, NULL, &b, &err), DAAS_OK);
    assert_string_equal(b.data, "{\"error\":\"Failure\",\"message\":\"Internal server error, "
                                "please try again later\"}");
    daas_buf_reset(&b);
    /* a detail with quotes is escaped; invalid UTF-8 falls back to the name */
    assert_int_equal(daas_seal_error_render(DAAS_SEAL_E_INVALID_PTB, "a\"b", &b, &err), DAAS_OK);
    assert_string_equal(b.data, "{\"error\":\"InvalidPTB\",\"message\":\"Invalid PTB: a\\\"b\"}");
    assert_int_equal(daas_seal_error_parse(DAAS_BYTES(b.data, b.len), &code, msg, sizeof msg, &err),
                     DAAS_OK);
    assert_int_equal(code, DAAS_SEAL_E_INVALID_PTB);
    assert_string_equal(msg, "Invalid PTB: a\"b");
    daas_buf_reset(&b);
    assert_int_equal(daas_seal_error_render(DAAS_SEAL_E_INVALID_PTB, "\xff", &b, &err), DAAS_OK);
    assert_string_equal(b.data, "{\"error\":\"InvalidPTB\",\"message\":\"InvalidPTB\"}");
    /* every name parses back to its code */
    for (int e = DAAS_SEAL_E_INVALID_PTB; e < DAAS_SEAL_E_UNKNOWN; e++) {
        daas_buf_reset(&b);
        assert_int_equal(daas_seal_error_render((daas_seal_errcode)e, "d", &b, &err), DAAS_OK);
        assert_int_equal(
            daas_seal_error_parse(DAAS_BYTES(b.data, b.len), &code, msg, sizeof msg, &err),
            DAAS_OK);
        assert_int_equal(code, e);
    }
    assert_int_equal(daas_seal_error_parse(DAAS_BYTES_STR("{\"error\":\"Nope\",\"message\":\"x\"}"),
                                           &code, msg, sizeof msg, &err),
                     DAAS_OK);
    assert_int_equal(code, DAAS_SEAL_E_UNKNOWN);
    assert_int_equal(
        daas_seal_error_parse(DAAS_BYTES_STR("Unsupported"), &code, msg, sizeof msg, &err),
        DAAS_EINVAL);
    daas_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_personal_message_vector),
        cmocka_unit_test(test_request_format_vector),
        cmocka_unit_test(test_req_round_trip),
        cmocka_unit_test(test_req_rejects),
        cmocka_unit_test(test_req_rejects_shape),
        cmocka_unit_test(test_resp_round_trip),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
