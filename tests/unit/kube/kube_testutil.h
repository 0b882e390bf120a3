/*
 * kube_testutil.h: helpers shared by the kube unit tests that write JSON with ' for "
 *                  (patches, selectors, apply, the unknown-field walk).
 *
 * Owns:   nothing; header-only, static inline functions (include after <cmocka.h>'s
 *         prerequisites, which this header includes itself).
 * Invariants: every helper fails the running test instead of returning an error.
 */
#ifndef DAAS_TEST_KUBE_TESTUTIL_H
#define DAAS_TEST_KUBE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/alloc.h"

/* Parses a JSON literal (any value) written with ' for "; fails the test when it does not
 * parse. New reference. */
static inline json_t *ku_json(const char *s)
{
    char *t = daas_xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(t, JSON_DECODE_ANY, &e);
    if (v == NULL)
        fail_msg("test JSON does not parse: %s: %s", e.text, t);
    daas_free(t);
    return v;
}

/* Compact text of v with sorted keys in buf (cut to fit, always NUL-terminated). */
static inline void ku_dump(const json_t *v, char *buf, size_t n)
{
    size_t got = json_dumpb(v, buf, n - 1, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    buf[got < n ? got : n - 1] = '\0';
}

/* Asserts that got equals the ' literal want_s; prints both when it does not. */
static inline void ku_assert_json(const json_t *got, const char *want_s)
{
    json_t *want = ku_json(want_s);
    bool same = json_equal(got, want);
    if (!same) {
        static char g[8192], w[8192];
        ku_dump(got, g, sizeof g);
        ku_dump(want, w, sizeof w);
        print_error("got:  %s\nwant: %s\n", g, w);
    }
    json_decref(want);
    assert_true(same);
}

#endif
