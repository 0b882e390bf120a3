/*
 * test_err.c: the error table read both ways (src/common/err.c): daas_err_http and
 * daas_err_reason of each code, and daas_err_from_http back from a status and a Kubernetes
 * reason, including the statuses several codes share (409, 500) and unknown ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/err.h"

static void test_round_trip(void **state)
{
    (void)state;
    static const int codes[] = {DAAS_EINVAL,   DAAS_ENOTFOUND, DAAS_ECONFLICT, DAAS_EEXIST,
                                DAAS_EGONE,    DAAS_EDENIED,   DAAS_ETOOBIG,   DAAS_EINVALID,
                                DAAS_EUNAUTH,  DAAS_EMETHOD,   DAAS_EMEDIA,    DAAS_ETIMEOUT,
                                DAAS_EUNAVAIL, DAAS_ENOTACCEPT};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_int_equal(daas_err_from_http(daas_err_http(codes[i]), daas_err_reason(codes[i])),
                         codes[i]);
}

static void test_shared_and_unknown(void **state)
{
    (void)state;
    assert_int_equal(daas_err_http(DAAS_EEXIST), 409);
    assert_int_equal(daas_err_from_http(409, "AlreadyExists"), DAAS_EEXIST);
    assert_int_equal(daas_err_from_http(409, "Conflict"), DAAS_ECONFLICT);
    assert_int_equal(daas_err_from_http(409, NULL), DAAS_ECONFLICT);
    assert_int_equal(daas_err_from_http(404, "SomethingElse"), DAAS_ENOTFOUND);
    assert_int_equal(daas_err_from_http(410, "Expired"), DAAS_EGONE);
    assert_int_equal(daas_err_from_http(500, "InternalError"), DAAS_EINTERNAL);
    assert_int_equal(daas_err_from_http(503, NULL), DAAS_EUNAVAIL);
    assert_int_equal(daas_err_from_http(429, "TooManyRequests"), DAAS_EREMOTE);
    assert_int_equal(daas_err_from_http(302, NULL), DAAS_EREMOTE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_shared_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
