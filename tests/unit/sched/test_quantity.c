/*
 * test_quantity.c: resource.Quantity parsing and kube-scheduler's rounding: every suffix
 *                  form, fractions, exponents, rounding up (milli for cpu, units otherwise),
 *                  JSON numbers, exact sums, and every malformed form refused.
 *
 * Owns:   nothing (no allocation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sched/kube.h"

static int64_t val(const char *res, const char *s)
{
    int64_t v = -1;
    daas_err err = {0};
    int rc = daas_sched_quantity(res, s, &v, &err);
    if (rc != DAAS_OK)
        fail_msg("%s: %s", s, err.msg);
    return v;
}

static void bad(const char *s)
{
    daas_sched_qty q;
    daas_err err = {0};
    int rc = daas_sched_qty_parse(s, &q, &err);
    if (rc != DAAS_EINVALID)
        fail_msg("\"%s\" accepted (rc %d)", s, rc);
    assert_int_equal(err.code, DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "quantity"));
}

static void test_cpu(void **state)
{
    (void)state;
    assert_int_equal(val("cpu", "100m"), 100);
    assert_int_equal(val("cpu", "2"), 2000);
    assert_int_equal(val("cpu", "1.5"), 1500);
    assert_int_equal(val("cpu", "0.1"), 100);
    assert_int_equal(val("cpu", ".5"), 500);
    assert_int_equal(val("cpu", "5."), 5000);
    assert_int_equal(val("cpu", "+250m"), 250);
    assert_int_equal(val("cpu", "0"), 0);
    assert_int_equal(val("cpu", "-0"), 0);
    assert_int_equal(val("cpu", "000123m"), 123);
    /* MilliValue rounds up */
    assert_int_equal(val("cpu", "0.0001"), 1);
    assert_int_equal(val("cpu", "1.0001"), 1001);
    assert_int_equal(val("cpu", "100u"), 1);
    assert_int_equal(val("cpu", "1n"), 1);
    assert_int_equal(val("cpu", "1500000n"), 2);
    assert_int_equal(val("cpu", "1000000n"), 1);
    assert_int_equal(val("cpu", "1e3"), 1000000);
    assert_int_equal(val("cpu", "1e-3"), 1);
    assert_int_equal(val("cpu", "1E-4"), 1);
    assert_int_equal(val("cpu", "2k"), 2000000);
    assert_int_equal(val("cpu", "0.5m"), 1);
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(val("memory", "1Gi"), (int64_t)1 << 30);
    assert_int_equal(val("memory", "512Mi"), (int64_t)512 << 20);
    assert_int_equal(val("memory", "1Ki"), 1024);
    assert_int_equal(val("memory", "1Ti"), (int64_t)1 << 40);
    assert_int_equal(val("memory", "1Pi"), (int64_t)1 << 50);
    assert_int_equal(val("memory", "1Ei"), (int64_t)1 << 60);
    assert_int_equal(val("memory", "1.5Gi"), (int64_t)3 << 29);
    assert_int_equal(val("memory", "1M"), 1000000);
    assert_int_equal(val("memory", "2k"), 2000);
    assert_int_equal(val("memory", "1G"), 1000000000);
    assert_int_equal(val("memory", "1T"), 1000000000000LL);
    assert_int_equal(val("memory", "1P"), 1000000000000000LL);
    assert_int_equal(val("memory", "1E"), 1000000000000000000LL);
    assert_int_equal(val("memory", "1e3"), 1000);
    assert_int_equal(val("memory", "1e+3"), 1000);
    assert_int_equal(val("memory", "128974848"), 128974848);
    assert_int_equal(val("memory", "129e6"), 129000000);
    assert_int_equal(val("memory", "123Mi"), 128974848);
    /* Value() rounds up */
    assert_int_equal(val("memory", "100m"), 1);
    assert_int_equal(val("memory", "1001m"), 2);
    assert_int_equal(val("memory", "0.1Ki"), 103); /* 102.4 */
    assert_int_equal(val("memory", "1e-20"), 1);
    assert_int_equal(val("ephemeral-storage", "1.000000000000000000001Ei"), ((int64_t)1 << 60) + 1);
    assert_int_equal(val("aws.ec2.nitro/nitro_enclaves", "1"), 1);
    assert_int_equal(val("pods", "110"), 110);
    assert_int_equal(val("hugepages-2Mi", "4Mi"), 4 << 20);
    /* only cpu is milli */
    assert_true(daas_sched_res_is_milli("cpu"));
    assert_false(daas_sched_res_is_milli("memory"));
    assert_false(daas_sched_res_is_milli("nvidia.com/gpu"));
}

static void test_limits(void **state)
{
    (void)state;
    daas_sched_qty q;
    /* the largest accepted: units < 2^62 */
    assert_int_equal(daas_sched_qty_parse("4611686018427387903", &q, NULL), DAAS_OK);
    assert_int_equal(q.units, ((int64_t)1 << 62) - 1);
    bad("4611686018427387904");
    bad("8Ei"); /* 2^63 */
    bad("1e19");
    bad("1e1000");
    assert_int_equal(daas_sched_qty_parse("0e1000", &q, NULL), DAAS_OK);
    assert_int_equal(q.units, 0);
    bad("1e1001"); /* exponent beyond the bound */
    /* milli rounding saturates rather than overflowing */
    q = (daas_sched_qty){((int64_t)1 << 62) - 1, 5};
    assert_int_equal(daas_sched_qty_round(q, true), INT64_MAX);
    /* exactly 64 bytes is fine, 65 is not */
    char s[70];
    memset(s, '0', 64);
    s[63] = '1';
    s[64] = '\0';
    assert_int_equal(daas_sched_qty_parse(s, &q, NULL), DAAS_OK);
    assert_int_equal(q.units, 1);
    s[64] = '0';
    s[65] = '\0';
    bad(s);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const cases[] = {"",        "m",    ".",    "+",    "-",     "-1",   "-100m",
                                        "1K",      "1k ",  " 1",   "1 ",   "1.2.3", "1e",   "1e+",
                                        "1ee3",    "1Ki2", "1KiB", "1mi",  "abc",   "0x10", "1,5",
                                        "1e3.5",   "1Gi ", "1gi",  "1Mm",  "1x",    "Inf",  "NaN",
                                        "1e-1001", "--1",  "+-1",  "1.5.", "1 Gi",  "e3",   "1e3m"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        bad(cases[i]);
    daas_sched_qty q;
    daas_err err = {0};
    assert_int_equal(daas_sched_qty_parse(NULL, &q, &err), DAAS_EINVALID);
    /* the message quotes the text, with unprintable bytes replaced */
    daas_err_clear(&err);
    assert_int_equal(daas_sched_qty_parse("1\x01x", &q, &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "\"1?x\""));
}

static void test_json(void **state)
{
    (void)state;
    daas_sched_qty q;
    daas_err err = {0};
    json_t *v = json_integer(2);
    assert_int_equal(daas_sched_qty_parse_json(v, &q, &err), DAAS_OK);
    assert_int_equal(daas_sched_qty_round(q, true), 2000);
    json_decref(v);
    v = json_real(0.1);
    assert_int_equal(daas_sched_qty_parse_json(v, &q, &err), DAAS_OK);
    assert_int_equal(daas_sched_qty_round(q, true), 100); /* not 101: read as "0.1" */
    json_decref(v);
    v = json_real(1e3);
    assert_int_equal(daas_sched_qty_parse_json(v, &q, &err), DAAS_OK);
    assert_int_equal(daas_sched_qty_round(q, false), 1000);
    json_decref(v);
    v = json_integer(-1);
    assert_int_equal(daas_sched_qty_parse_json(v, &q, &err), DAAS_EINVALID);
    json_decref(v);
    daas_err_clear(&err);
    v = json_true();
    assert_int_equal(daas_sched_qty_parse_json(v, &q, &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "string or a number"));
    daas_err_clear(&err);
    v = json_stringn("1\0002", 3);
    assert_int_equal(daas_sched_qty_parse_json(v, &q, &err), DAAS_EINVALID);
    json_decref(v);
}

static void test_arith(void **state)
{
    (void)state;
    daas_sched_qty a, b, s;
    /* two half-milli cpu requests sum to exactly 1m (kube sums Quantities, then rounds) */
    assert_int_equal(daas_sched_qty_parse("0.5m", &a, NULL), DAAS_OK);
    s = daas_sched_qty_add(a, a);
    assert_int_equal(daas_sched_qty_round(s, true), 1);
    assert_int_equal(daas_sched_qty_round(a, true) * 2, 2);
    /* nano carry */
    assert_int_equal(daas_sched_qty_parse("0.7", &a, NULL), DAAS_OK);
    s = daas_sched_qty_add(a, a);
    assert_int_equal(s.units, 1);
    assert_int_equal(s.nano, 400000000);
    /* saturation */
    assert_int_equal(daas_sched_qty_parse("3Ei", &b, NULL), DAAS_OK);
    s = daas_sched_qty_add(daas_sched_qty_add(b, b), b);
    assert_int_equal(s.units, (int64_t)1 << 62);
    /* max compares units, then nano */
    a = (daas_sched_qty){1, 5};
    b = (daas_sched_qty){1, 7};
    assert_int_equal(daas_sched_qty_max(a, b).nano, 7);
    assert_int_equal(daas_sched_qty_max(b, a).nano, 7);
    assert_int_equal(daas_sched_qty_max((daas_sched_qty){2, 0}, b).units, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu),    cmocka_unit_test(test_units),
        cmocka_unit_test(test_limits), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_json),   cmocka_unit_test(test_arith),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
