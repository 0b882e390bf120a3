/*
 * test_rebalance.c: the pure parts of `daas rebalance` (cmd/rebalance_fmt.c, included to
 * reach its statics): flag parsing and every usage error, the request body built from the
 * flags, the --plan file check (a whole answer or the plan alone; each wrong member named),
 * and the text form of an answer (the plan line, the aligned table, the MESSAGE column only
 * when a row has a message, control bytes from the server, the dry-run line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmd/rebalance_fmt.c"

#define PK "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define SIG PK PK
#define ENC "0x" PK
#define PLAN                                                                                       \
    "{\"round\":3,\"stateSeq\":17,\"index\":12,\"timestampMs\":1763700000000,"                     \
    "\"plan\":\"0a0b\",\"signature\":\"" SIG "\",\"pk\":\"" PK "\",\"enclave\":\"" ENC "\"}"

/* Parses a NULL-terminated argument list. */
static int parse_v(daas_rebalance_args *a, daas_err *err, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, err);
    argv[argc++] = "rebalance";
    for (char *s; (s = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = s;
    va_end(ap);
    argv[argc] = NULL;
    daas_err_clear(err);
    return daas_cmd__rebalance_parse(argc, argv, a, err);
}

static void expect_usage(const char *want, int rc, const daas_err *err)
{
    if (rc != 2 || strcmp(err->msg, want) != 0)
        fail_msg("rc %d, \"%s\" (want 2, \"%s\")", rc, err->msg, want);
}

static void test_parse_ok(void **state)
{
    (void)state;
    daas_rebalance_args a;
    daas_err err;
    assert_int_equal(parse_v(&a, &err, "--dry-run", NULL), 0);
    assert_true(a.dry_run);
    assert_false(a.apply);
    assert_false(a.json);
    assert_int_equal(a.threshold, -1);
    assert_int_equal(a.max_evictions, -1);
    assert_int_equal(a.fairness, -1);
    assert_null(a.plan_file);
    assert_null(a.kubeconfig);

    assert_int_equal(parse_v(&a, &err, "--threshold", "80", "--apply", "--max-evictions=1000",
                             "--fairness", "0", "-o", "json", "--kubeconfig", "/k", "--context",
                             "c", NULL),
                     0);
    assert_true(a.apply);
    assert_true(a.json);
    assert_int_equal(a.threshold, 80);
    assert_int_equal(a.max_evictions, 1000);
    assert_int_equal(a.fairness, 0);
    assert_string_equal(a.kubeconfig, "/k");
    assert_string_equal(a.context, "c");

    assert_int_equal(parse_v(&a, &err, "--apply", "--plan", "p.json", "-ojson", NULL), 0);
    assert_string_equal(a.plan_file, "p.json");
    assert_true(a.json);
    assert_int_equal(parse_v(&a, &err, "--dry-run", "--help", NULL), 1);
    assert_int_equal(parse_v(&a, &err, "-h", NULL), 1);
}

static void test_parse_usage(void **state)
{
    (void)state;
    daas_rebalance_args a;
    daas_err err;
    const char *one = "give exactly one of --dry-run and --apply";
    expect_usage(one, parse_v(&a, &err, NULL), &err);
    expect_usage(one, parse_v(&a, &err, "--dry-run", "--apply", NULL), &err);
    expect_usage("--plan needs --apply", parse_v(&a, &err, "--dry-run", "--plan", "f", NULL), &err);
    expect_usage("--threshold, --max-evictions and --fairness cannot be used with --plan",
                 parse_v(&a, &err, "--apply", "--plan", "f", "--fairness", "5", NULL), &err);
    expect_usage("bad --threshold \"0\": want an integer from 1 to 100",
                 parse_v(&a, &err, "--dry-run", "--threshold", "0", NULL), &err);
    expect_usage("bad --threshold \"101\": want an integer from 1 to 100",
                 parse_v(&a, &err, "--dry-run", "--threshold", "101", NULL), &err);
    expect_usage("bad --threshold \"+5\": want an integer from 1 to 100",
                 parse_v(&a, &err, "--dry-run", "--threshold", "+5", NULL), &err);
    expect_usage("bad --max-evictions \"1001\": want an integer from 1 to 1000",
                 parse_v(&a, &err, "--dry-run", "--max-evictions", "1001", NULL), &err);
    expect_usage("bad --max-evictions \"99999999999\": want an integer from 1 to 1000",
                 parse_v(&a, &err, "--dry-run", "--max-evictions", "99999999999", NULL), &err);
    expect_usage("bad --fairness \"-1\": want an integer from 0 to 100",
                 parse_v(&a, &err, "--dry-run", "--fairness=-1", NULL), &err);
    expect_usage("bad --fairness \"\": want an integer from 0 to 100",
                 parse_v(&a, &err, "--dry-run", "--fairness=", NULL), &err);
    expect_usage("bad -o \"yaml\": only json is supported",
                 parse_v(&a, &err, "--dry-run", "-o", "yaml", NULL), &err);
    expect_usage("bad option \"--frob\"", parse_v(&a, &err, "--dry-run", "--frob", NULL), &err);
    expect_usage("bad option \"-x\"", parse_v(&a, &err, "-x", "--dry-run", NULL), &err);
    expect_usage("missing value for \"--plan\"", parse_v(&a, &err, "--apply", "--plan", NULL),
                 &err);
    expect_usage("missing value for \"-o\"", parse_v(&a, &err, "--apply", "-o", NULL), &err);
    expect_usage("unexpected argument \"now\"", parse_v(&a, &err, "--apply", "now", NULL), &err);
}

/* ---- the body ---- */

static void expect_body(const daas_rebalance_args *a, json_t *plan, const char *want)
{
    json_t *b = daas_cmd__rebalance_body(a, plan);
    char *s = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(s, want);
    free(s);
    json_decref(b);
}

static void test_body(void **state)
{
    (void)state;
    daas_rebalance_args a;
    daas_err err;
    assert_int_equal(parse_v(&a, &err, "--dry-run", NULL), 0);
    expect_body(&a, NULL, "{\"apply\":false}");
    assert_int_equal(parse_v(&a, &err, "--apply", "--fairness", "0", "--threshold", "80",
                             "--max-evictions", "10", NULL),
                     0);
    expect_body(&a, NULL,
                "{\"apply\":true,\"thresholdPercent\":80,\"maxEvictions\":10,"
                "\"fairnessPercent\":0}");
    assert_int_equal(parse_v(&a, &err, "--apply", "--plan", "f", NULL), 0);
    json_t *plan = json_pack("{s:i}", "round", 3);
    expect_body(&a, plan, "{\"apply\":true,\"plan\":{\"round\":3}}");
    assert_int_equal(plan->refcount, 1); /* the body took its own reference */
    json_decref(plan);
}

/* ---- the plan file ---- */

static void expect_plan_fail(const char *text, const char *want)
{
    json_t *p = (json_t *)1;
    daas_err err = {0};
    int rc = daas_cmd__rebalance_plan_read(DAAS_BYTES_STR(text), &p, &err);
    if (rc != DAAS_EINVAL || strcmp(err.msg, want) != 0)
        fail_msg("rc %d \"%s\" (want \"%s\")", rc, err.msg, want);
    assert_null(p);
}

/* PLAN with member name's value replaced by value (raw JSON). */
static char *plan_with(const char *name, const char *value)
{
    json_t *p = json_loads(PLAN, 0, NULL);
    json_object_set_new(p, name, json_loads(value, JSON_DECODE_ANY, NULL));
    char *s = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    char *out = daas_xstrdup(s);
    free(s);
    return out;
}

static void test_plan_read(void **state)
{
    (void)state;
    json_t *p = NULL;
    daas_err err = {0};
    assert_int_equal(daas_cmd__rebalance_plan_read(DAAS_BYTES_STR(PLAN), &p, &err), DAAS_OK);
    assert_int_equal(json_integer_value(json_object_get(p, "round")), 3);
    json_decref(p);
    const char *whole = "{\"kind\":\"RebalanceResult\",\"apiVersion\":\"daas.io/v1\","
                        "\"dryRun\":true,\"plan\":" PLAN ",\"evictions\":[]}";
    assert_int_equal(daas_cmd__rebalance_plan_read(DAAS_BYTES_STR(whole), &p, &err), DAAS_OK);
    assert_string_equal(json_string_value(json_object_get(p, "enclave")), ENC);
    assert_null(json_object_get(p, "kind")); /* the plan member, not the answer */
    json_decref(p);

    expect_plan_fail("{\"round\":",
                     "plan file: not JSON: unexpected token near end of file (line 1, column 9)");
    expect_plan_fail("[1]", "plan file: the plan is not a JSON object");
    expect_plan_fail("{\"kind\":\"Status\"}", "plan file: kind is not RebalanceResult");
    expect_plan_fail("{\"kind\":\"RebalanceResult\"}", "plan file: the plan is not a JSON object");
    char *s = plan_with("round", "-1");
    expect_plan_fail(s, "plan file: \"round\" must be a non-negative integer");
    daas_free(s);
    s = plan_with("timestampMs", "\"1\"");
    expect_plan_fail(s, "plan file: \"timestampMs\" must be a non-negative integer");
    daas_free(s);
    s = plan_with("plan", "\"abc\"");
    expect_plan_fail(s, "plan file: \"plan\" must be the hex of the BCS plan (an even number of "
                        "hex digits)");
    daas_free(s);
    s = plan_with("plan", "\"\"");
    expect_plan_fail(s, "plan file: \"plan\" must be the hex of the BCS plan (an even number of "
                        "hex digits)");
    daas_free(s);
    s = plan_with("signature", "\"" PK "\"");
    expect_plan_fail(s, "plan file: \"signature\" must be 128 hex digits (64 bytes)");
    daas_free(s);
    s = plan_with("pk", "\"" PK "zz\"");
    expect_plan_fail(s, "plan file: \"pk\" must be 64 hex digits (32 bytes)");
    daas_free(s);
    s = plan_with("pk", "\"0x" PK "\"");
    expect_plan_fail(s, "plan file: \"pk\" must be 64 hex digits (32 bytes)");
    daas_free(s);
    s = plan_with("enclave", "\"" PK "\"");
    expect_plan_fail(s, "plan file: \"enclave\" must be 0x and 64 hex digits");
    daas_free(s);
    expect_plan_fail(
        "{\"round\":1,\"round\":2}",
        "plan file: not JSON: duplicate object key near '\"round\"' (line 1, column 18)");
}

/* ---- the text form ---- */

static char *format(const char *answer, int want_rc)
{
    json_t *j = json_loads(answer, 0, NULL);
    assert_non_null(j);
    daas_buf out;
    daas_buf_init(&out, 0);
    daas_err err = {0};
    int rc = daas_cmd__rebalance_format(j, &out, &err);
    json_decref(j);
    if (rc != want_rc)
        fail_msg("rc %d \"%s\"", rc, err.msg);
    if (rc != DAAS_OK) {
        daas_buf_fini(&out);
        return daas_xstrdup(err.msg);
    }
    return daas_buf_steal(&out, NULL);
}

#define HEAD_LINE                                                                                  \
    "plan 3 signed by enclave 0011223344556677\xe2\x80\xa6 (state seq 17, log index 12): "

static void test_format(void **state)
{
    (void)state;
    char *s =
        format("{\"kind\":\"RebalanceResult\",\"dryRun\":true,\"plan\":" PLAN ",\"evictions\":[]}",
               DAAS_OK);
    assert_string_equal(s, HEAD_LINE "0 eviction(s)\ndry run: nothing was evicted\n");
    daas_free(s);

    s = format(
        "{\"kind\":\"RebalanceResult\",\"dryRun\":true,\"plan\":" PLAN ",\"evictions\":["
        "{\"namespace\":\"default\",\"name\":\"web-1\",\"uid\":\"u1\",\"node\":\"n1\","
        "\"reason\":\"Overloaded\",\"score\":2750,\"result\":\"Planned\"},"
        "{\"namespace\":\"kube-system\",\"name\":\"dns\",\"uid\":\"u2\",\"node\":\"node-22\","
        "\"reason\":\"OverStakeShare\",\"score\":12,\"result\":\"Planned\",\"message\":\"\"}]}",
        DAAS_OK);
    assert_string_equal(s, HEAD_LINE
                        "2 eviction(s)\n"
                        "NAMESPACE     POD     NODE      REASON           SCORE   RESULT\n"
                        "default       web-1   n1        Overloaded       2750    Planned\n"
                        "kube-system   dns     node-22   OverStakeShare   12      Planned\n"
                        "dry run: nothing was evicted\n");
    daas_free(s);

    /* applied: a MESSAGE column because one row has a message; control bytes as '?' */
    s = format("{\"kind\":\"RebalanceResult\",\"dryRun\":false,\"plan\":" PLAN ",\"evictions\":["
               "{\"namespace\":\"default\",\"name\":\"web-1\",\"node\":\"n1\","
               "\"reason\":\"Overloaded\",\"score\":2750,\"result\":\"Evicted\"},"
               "{\"namespace\":\"default\",\"name\":\"db-0\",\"node\":\"n1\","
               "\"reason\":\"Overloaded\",\"score\":900,\"result\":\"Refused\","
               "\"message\":\"Cannot evict pod as it would violate the pod's disruption "
               "budget.\\u001b[2J\"},"
               "{\"name\":\"gone\",\"result\":\"Gone\"}]}",
               DAAS_OK);
    assert_string_equal(s, HEAD_LINE
                        "3 eviction(s)\n"
                        "NAMESPACE   POD     NODE     REASON       SCORE    RESULT    MESSAGE\n"
                        "default     web-1   n1       Overloaded   2750     Evicted\n"
                        "default     db-0    n1       Overloaded   900      Refused   "
                        "Cannot evict pod as it would violate the pod's disruption budget.?[2J\n"
                        "<none>      gone    <none>   <none>       <none>   Gone\n");
    daas_free(s);
}

static void test_format_bad(void **state)
{
    (void)state;
    char *s = format("{\"kind\":\"Status\",\"message\":\"x\"}", DAAS_EREMOTE);
    assert_string_equal(s, "the answer is not a RebalanceResult");
    daas_free(s);
    s = format("{\"kind\":\"RebalanceResult\",\"plan\":{\"round\":1}}", DAAS_EREMOTE);
    assert_string_equal(s, "the answer's plan lacks round, stateSeq, index or a 32-byte hex pk");
    daas_free(s);
    s = format("{\"kind\":\"RebalanceResult\",\"plan\":" PLAN ",\"evictions\":{}}", DAAS_EREMOTE);
    assert_string_equal(s, "the answer's evictions is not a list");
    daas_free(s);
    s = format("{\"kind\":\"RebalanceResult\",\"plan\":" PLAN ",\"evictions\":[{}, 3]}",
               DAAS_EREMOTE);
    assert_string_equal(s, "the answer's eviction 2 is not an object");
    daas_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok), cmocka_unit_test(test_parse_usage),
        cmocka_unit_test(test_body),     cmocka_unit_test(test_plan_read),
        cmocka_unit_test(test_format),   cmocka_unit_test(test_format_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
