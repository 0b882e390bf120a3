/*
 * test_ptbcheck.c: the key server's request gates that need no chain: the semver parser, the
 * SDK-version middleware (spec §6.2) and the PTB rules (spec §6.4): each rule refused with
 * its detail, a valid multi-command PTB accepted with its inner ids, the §6.4 example.
 *
 * Owns:   nothing beyond each test's buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "keyserver/ks_int.h"
#include "ks_test.h"

static const uint8_t PKG[32] = {[0] = 0xd9, [31] = 0x01};
static const uint8_t PKG2[32] = {[0] = 0xd9, [31] = 0x02};

static void test_semver(void **state)
{
    daas_ks__semver v;
    static const char *const good[] = {"0.4.5",         "1.4.4",        "10.20.30", "1.0.0-alpha.1",
                                       "1.0.0+build.5", "1.0.0-rc.1+b", "0.0.0"};
    static const char *const bad[] = {"",         "1",      "1.2",    "v1.2.3",
                                      "01.2.3",   "1.02.3", "1.2.03", "1.2.3-",
                                      "1.2.3-01", "1.2.3+", "1.2.3 ", " 1.2.3",
                                      "1.2.3.4",  "1.2.x",  "1..3",   "99999999999999999999.0.0"};

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (daas_ks__semver_parse(good[i], &v) != DAAS_OK)
            fail_msg("refused %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (daas_ks__semver_parse(bad[i], &v) != DAAS_EINVAL)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(daas_ks__semver_parse("1.4.4", &v), DAAS_OK);
    assert_int_equal(v.major, 1);
    assert_int_equal(v.minor, 4);
    assert_int_equal(v.patch, 4);
    assert_false(v.prerelease);
}

static daas_seal_errcode sdk(const char *type, const char *version)
{
    daas_http_header h[2];
    daas_http_req req = {.method = "GET", .path = "/v1/service", .query = "", .headers = h};

    if (version != NULL)
        h[req.nheaders++] = (daas_http_header){"client-sdk-version", version};
    if (type != NULL)
        h[req.nheaders++] = (daas_http_header){"Client-Sdk-Type", type};
    return daas_ks__check_sdk(&req);
}

static void test_sdk_headers(void **state)
{
    (void)state;
    assert_int_equal(sdk(NULL, NULL), DAAS_SEAL_E_MISSING_REQUIRED_HEADER);
    assert_int_equal(sdk("typescript", NULL), DAAS_SEAL_E_MISSING_REQUIRED_HEADER);
    assert_int_equal(sdk("typescript", "1.4"), DAAS_SEAL_E_INVALID_SDK_VERSION);
    assert_int_equal(sdk(NULL, "latest"), DAAS_SEAL_E_INVALID_SDK_VERSION);
    assert_int_equal(sdk("typescript", "0.4.4"), DAAS_SEAL_E_DEPRECATED_SDK_VERSION);
    assert_int_equal(sdk("typescript", "0.3.99"), DAAS_SEAL_E_DEPRECATED_SDK_VERSION);
    assert_int_equal(sdk("typescript", "1.0.0-beta"), DAAS_SEAL_E_DEPRECATED_SDK_VERSION);
    assert_int_equal(sdk("typescript", "0.4.5"), DAAS_SEAL_E_NONE);
    assert_int_equal(sdk("typescript", "1.4.4"), DAAS_SEAL_E_NONE);
    assert_int_equal(sdk("aggregator", "0.6.1"), DAAS_SEAL_E_DEPRECATED_SDK_VERSION);
    assert_int_equal(sdk("aggregator", "0.6.2"), DAAS_SEAL_E_NONE);
    assert_int_equal(sdk("rust", "0.0.0"), DAAS_SEAL_E_NONE);
    assert_int_equal(sdk("python", "0.0.1"), DAAS_SEAL_E_NONE);
    /* another type, or none, is not checked against a floor */
    assert_int_equal(sdk("go", "0.0.1"), DAAS_SEAL_E_NONE);
    assert_int_equal(sdk(NULL, "0.0.1"), DAAS_SEAL_E_NONE);
}

/* Validates ptb; returns the code and copies the detail. */
static int check(const daas_sui_ptb *ptb, char *detail, size_t n)
{
    daas_buf b;
    daas_ks__ptb p;
    daas_err err = {0};
    int rc;

    daas_buf_init(&b, 0);
    kst_encode(ptb, &b);
    rc = daas_ks__ptb_check(DAAS_BYTES(b.data, b.len), &p, &err);
    snprintf(detail, n, "%s", err.msg);
    if (rc == DAAS_OK)
        daas_ks__ptb_fini(&p);
    else
        assert_null(p.ids);
    daas_buf_fini(&b);
    return rc;
}

static void expect_refused(const daas_sui_ptb *ptb, const char *want)
{
    char d[256];
    int rc = check(ptb, d, sizeof d);

    if (rc != DAAS_EINVAL || strstr(d, want) == NULL)
        fail_msg("rc %d detail '%s', want '%s'", rc, d, want);
}

static void test_ptb_valid(void **state)
{
    uint8_t s0[8], s1[8];
    daas_sui_input in[3];
    daas_sui_arg a0[2] = {{DAAS_SUI_ARG_INPUT, 0, 0}, {DAAS_SUI_ARG_INPUT, 2, 0}};
    daas_sui_arg a1[1] = {{DAAS_SUI_ARG_INPUT, 1, 0}};
    daas_sui_command c[2];
    daas_sui_ptb ptb = {3, in, 2, c};
    daas_buf b;
    daas_ks__ptb p;
    daas_err err = {0};

    (void)state;
    in[0] = kst_pure_id(s0, "\x01\x02\x03\x04", 4);
    in[1] = kst_pure_id(s1, "", 0);
    in[2] = (daas_sui_input){.kind = DAAS_SUI_INPUT_SHARED, .initial_shared_version = 1};
    in[2].shared_id[31] = 6;
    c[0] = kst_call(PKG, "m", "seal_approve", a0, 2);
    c[1] = kst_call(PKG, "other", "seal_approve_x", a1, 1);
    daas_buf_init(&b, 0);
    kst_encode(&ptb, &b);
    assert_int_equal(daas_ks__ptb_check(DAAS_BYTES(b.data, b.len), &p, &err), DAAS_OK);
    assert_int_equal(p.nids, 2);
    assert_memory_equal(p.pkg, PKG, 32);
    assert_int_equal(p.ids[0].len, 4);
    assert_memory_equal(p.ids[0].ptr, "\x01\x02\x03\x04", 4);
    assert_int_equal(p.ids[1].len, 0);
    daas_ks__ptb_fini(&p);
    /* garbage and a truncated PTB are "Invalid BCS" */
    assert_int_equal(daas_ks__ptb_check(DAAS_BYTES(b.data, b.len - 1), &p, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "Invalid BCS");
    daas_buf_fini(&b);
}

/* SPEC: specs/seal.md §6.4: the example (no inputs, no args) is refused: no input. */
static void test_ptb_spec_example(void **state)
{
    uint8_t ptb[56];
    daas_ks__ptb p;
    daas_err err = {0};

    (void)state;
    assert_true(daas_hex_decode("000100d92bc457b42d48924087ea3f22d35fd2fe9afdf5bdfe38cc51c0f14f3"
                                "282f6d503626c610e7365616c5f617070726f76655f780000",
                                56, ptb));
    assert_int_equal(daas_ks__ptb_check(DAAS_BYTES(ptb, 56), &p, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "Empty PTB input or command");
}

static void test_ptb_rules(void **state)
{
    uint8_t s0[8];
    uint8_t not_vec[2] = {5, 1}; /* claims 5 bytes, holds 1 */
    daas_sui_input in[3];
    daas_sui_arg ok[1] = {{DAAS_SUI_ARG_INPUT, 0, 0}};
    daas_sui_arg gas[2] = {{DAAS_SUI_ARG_INPUT, 0, 0}, {DAAS_SUI_ARG_GAS_COIN, 0, 0}};
    daas_sui_arg res[2] = {{DAAS_SUI_ARG_INPUT, 0, 0}, {DAAS_SUI_ARG_RESULT, 0, 0}};
    daas_sui_arg obj_first[1] = {{DAAS_SUI_ARG_INPUT, 1, 0}};
    daas_sui_arg bad_pure[1] = {{DAAS_SUI_ARG_INPUT, 2, 0}};
    daas_sui_command c[101];
    daas_sui_ptb ptb = {2, in, 1, c};

    (void)state;
    in[0] = kst_pure_id(s0, "id", 2);
    in[1] = (daas_sui_input){.kind = DAAS_SUI_INPUT_IMM_OR_OWNED};
    in[2] = (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = not_vec, .pure_len = 2};
    /* no commands */
    ptb.n_commands = 0;
    expect_refused(&ptb, "Empty PTB input or command");
    ptb.n_commands = 1;
    c[0] = kst_call(PKG, "m", "approve", ok, 1);
    expect_refused(&ptb, "Invalid function name approve");
    c[0] = kst_call(PKG, "m", "seal_approv", ok, 1);
    expect_refused(&ptb, "must start with seal_approve");
    c[0] = kst_call(PKG, "m", "seal_approve", gas, 2);
    expect_refused(&ptb, "Only inputs are allowed as arguments (command 0, argument 1)");
    c[0] = kst_call(PKG, "m", "seal_approve", res, 2);
    expect_refused(&ptb, "Only inputs are allowed");
    c[0] = kst_call(PKG, "m", "seal_approve", obj_first, 1);
    expect_refused(&ptb, "Invalid first parameter for seal_approve");
    c[0] = kst_call(PKG, "m", "seal_approve", NULL, 0);
    expect_refused(&ptb, "Invalid first parameter for seal_approve");
    ptb.n_inputs = 3;
    c[0] = kst_call(PKG, "m", "seal_approve", bad_pure, 1);
    expect_refused(&ptb, "Invalid first parameter");
    /* two packages */
    c[0] = kst_call(PKG, "m", "seal_approve", ok, 1);
    c[1] = kst_call(PKG2, "m", "seal_approve", ok, 1);
    ptb.n_commands = 2;
    expect_refused(&ptb, "All commands must call the same package");
    /* not a MoveCall */
    c[1] = (daas_sui_command){.kind = DAAS_SUI_CMD_MERGE_COINS,
                              .arg = {DAAS_SUI_ARG_INPUT, 1, 0},
                              .args = ok,
                              .n_args = 1};
    expect_refused(&ptb, "Only MoveCall commands are allowed (command 1)");
    /* 100 commands pass, 101 do not */
    for (int i = 0; i < 101; i++)
        c[i] = kst_call(PKG, "m", "seal_approve", ok, 1);
    ptb.n_commands = 100;
    char d[256];
    assert_int_equal(check(&ptb, d, sizeof d), DAAS_OK);
    ptb.n_commands = 101;
    expect_refused(&ptb, "Too many commands in PTB (more than 100)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semver),    cmocka_unit_test(test_sdk_headers),
        cmocka_unit_test(test_ptb_valid), cmocka_unit_test(test_ptb_spec_example),
        cmocka_unit_test(test_ptb_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
