/*
 * kind_test.h: small helpers shared by the kind tests (JSON literals, cause lookups).
 *
 * Owns:   nothing; header-only, static functions.
 */
#ifndef DAAS_TEST_KIND_TEST_H
#define DAAS_TEST_KIND_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "kube/kind.h"
#include "kube/obj.h"

/* 2026-11-21T04:28:13Z: the "now" of every Table test. */
#define KT_NOW ((int64_t)1795235293)

/* Parses a JSON literal; fails the test on a syntax error. */
static inline json_t *kt_json(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (j == NULL)
        fail_msg("bad JSON literal: %s (line %d col %d)", e.text, e.line, e.column);
    return j;
}

static inline const daas_kube_kind *kt_kind(const char *resource)
{
    const daas_kube_kind *k = daas_kube_kind_by_name(resource);
    assert_non_null(k);
    return k;
}

static inline size_t kt_ncauses(const daas_kube_verr *v)
{
    return v->causes == NULL ? 0 : json_array_size(v->causes);
}

/* The first cause at field, or NULL. */
static inline json_t *kt_cause(const daas_kube_verr *v, const char *field)
{
    size_t i;
    json_t *c;
    json_array_foreach(v->causes, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "field")), field) == 0)
            return c;
    }
    return NULL;
}

/* Asserts that a cause at field has exactly reason and message. */
static inline void kt_assert_cause(const daas_kube_verr *v, const char *field, const char *reason,
                                   const char *message)
{
    json_t *c = kt_cause(v, field);
    if (c == NULL) {
        char *dump = v->causes ? json_dumps(v->causes, JSON_INDENT(1)) : NULL;
        fail_msg("no cause at %s; causes: %s", field, dump ? dump : "none");
    }
    assert_string_equal(json_string_value(json_object_get(c, "reason")), reason);
    assert_string_equal(json_string_value(json_object_get(c, "message")), message);
}

/* Asserts that got equals want; what names got in the failure message, which shows got. */
static inline void kt_assert_json_equal(const json_t *got, const json_t *want, const char *what)
{
    if (!json_equal(got, want)) {
        char *dump = json_dumps(got, JSON_SORT_KEYS);
        fail_msg("%s: %s", what, dump ? dump : "(null)");
    }
}

/* Defaults a copy of the defaulted object o again, as a create first when create is set,
 * then as an update of o, and asserts each pass leaves it equal to o. */
static inline void kt_assert_redefault(const daas_kube_kind *k, const json_t *o, bool create)
{
    json_t *again = json_deep_copy(o);
    if (create) {
        k->defaults(again, NULL);
        assert_true(json_equal(again, o));
    }
    k->defaults(again, o);
    assert_true(json_equal(again, o));
    json_decref(again);
}

/* Runs defaults + generic + kind validation like the API does; returns the cause count. */
static inline size_t kt_check(const daas_kube_kind *k, json_t *obj, const json_t *old,
                              daas_kube_verr *v)
{
    if (k->defaults != NULL)
        k->defaults(obj, old);
    daas_kube_validate_meta(k, obj, old, v);
    if (k->validate != NULL)
        k->validate(obj, old, v);
    return kt_ncauses(v);
}

/* Dumps causes on failure, to make a wrong count readable. */
static inline void kt_assert_ncauses(const daas_kube_verr *v, size_t n)
{
    if (kt_ncauses(v) != n) {
        char *dump = v->causes ? json_dumps(v->causes, JSON_INDENT(1)) : NULL;
        fail_msg("expected %zu causes, got %zu: %s", n, kt_ncauses(v), dump ? dump : "none");
    }
}

/* Parses lit, runs kt_check on it against old (may be NULL) and asserts it has no cause.
 * Returns the defaulted object (new reference). */
static inline json_t *kt_json_valid(const daas_kube_kind *k, const char *lit, const json_t *old)
{
    daas_kube_verr v = {0};
    json_t *o = kt_json(lit);
    kt_check(k, o, old, &v);
    kt_assert_ncauses(&v, 0);
    return o;
}

/* Asserts that v holds exactly one cause, at field with reason and message; then empties v
 * (daas_kube_verr_fini) for the next check. */
static inline void kt_assert_one_cause(daas_kube_verr *v, const char *field, const char *reason,
                                       const char *message)
{
    kt_assert_ncauses(v, 1);
    kt_assert_cause(v, field, reason, message);
    daas_kube_verr_fini(v);
}

/* The row cell i as a string (fails when it is not one). */
static inline const char *kt_cell(const json_t *row, size_t i)
{
    json_t *c = json_array_get(row, i);
    if (!json_is_string(c))
        fail_msg("cell %zu is not a string", i);
    return json_string_value(c);
}

/* Asserts the string cells of row: want[i] for every i < n where want[i] is not NULL. */
static inline void kt_assert_cells(const json_t *row, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (want[i] == NULL)
            continue;
        if (strcmp(kt_cell(row, i), want[i]) != 0)
            fail_msg("cell %zu: \"%s\" != \"%s\"", i, kt_cell(row, i), want[i]);
    }
}

/* KT_CELLS(row, [1] = "Ready", [3] = "60m"): the cells named by index, as kt_assert_cells. */
#define KT_CELLS(row, ...)                                                                         \
    kt_assert_cells((row), (const char *const[]){__VA_ARGS__},                                     \
                    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Asserts the cells of row as kt_assert_cells, then releases row. */
static inline void kt_assert_row(json_t *row, const char *const *want, size_t n)
{
    kt_assert_cells(row, want, n);
    json_decref(row);
}

/* KT_ROW(make_row(...), [2] = "Running"): KT_CELLS on a new row, which it then releases. */
#define KT_ROW(row, ...)                                                                           \
    kt_assert_row((row), (const char *const[]){__VA_ARGS__},                                       \
                  sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static inline int64_t kt_icell(const json_t *row, size_t i)
{
    json_t *c = json_array_get(row, i);
    if (!json_is_integer(c))
        fail_msg("cell %zu is not an integer", i);
    return (int64_t)json_integer_value(c);
}

#endif
