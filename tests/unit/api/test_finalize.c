/*
 * test_finalize.c: an update (PUT or any PATCH) that removes the last finalizer of an object
 *                  being deleted removes it, as kube-apiserver's Update does
 *                  (ShouldDeleteDuringUpdate → deleteWithoutFinalizers): the reply is 200 with
 *                  the object as the update made it; watchers see one DELETED event. Also the
 *                  races around it: another writer deleted it first (still 200), the object
 *                  went while an ordinary update was in flight (404 naming the object), the
 *                  object changed meanwhile (retried); and what must not delete: a grace
 *                  period running, dryRun, a write that fails.
 *
 * Owns:   each test's store in a temporary directory and its API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/write_int.h"
#include "api_testutil.h"
#include "kube/obj.h"

#define KEY "/registry/configmaps/default/x"
#define PATH "/api/v1/namespaces/default/configmaps/x"

typedef struct fx {
    apit a; /* first: t->a.store, t->a.api */
    daas_store_watcher *w; /* on configmaps, from just before the update under test */
} fx;

static int setup(void **state)
{
    fx *t = daas_xcalloc(1, sizeof *t);
    apit_open(&t->a, "finalize");
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    fx *t = *state;
    daas_store_watch_cancel(&t->w);
    apit_close(&t->a);
    daas_free(t);
    return 0;
}

static int call(fx *t, const char *method, const char *path, const char *query, const char *ctype,
                const char *body, json_t **out)
{
    return apit_call(&t->a, method, path, query, ctype, body, out);
}

static void noop_notify(void *arg)
{
    (void)arg;
}

/* Creates ConfigMap x with finalizer example.com/hold, DELETEs it (it stays, marked), and
 * starts t->w after that. */
static void create_held(fx *t)
{
    const char *cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
                     "\"finalizers\":[\"example.com/hold\"]},\"data\":{\"a\":\"1\"}}";
    daas_err e = {0};
    assert_int_equal(call(t, "POST", "/api/v1/namespaces/default/configmaps", NULL, NULL, cm, NULL),
                     201);
    json_t *o = NULL;
    assert_int_equal(call(t, "DELETE", PATH, NULL, NULL, NULL, &o), 200);
    assert_non_null(daas_kube_str(o, "metadata.deletionTimestamp"));
    json_decref(o);
    assert_int_equal(daas_store_watch(t->a.store, "/registry/configmaps/",
                                      daas_store_revision(t->a.store), noop_notify, NULL, &t->w, &e),
                     DAAS_OK);
}

/* Stores x directly (a state no request produces on its own). */
static void store_raw(fx *t, const char *json)
{
    daas_err e = {0};
    assert_int_equal(daas_store_create(t->a.store, KEY, DAAS_BYTES_STR(json), NULL, &e), DAAS_OK);
}

/* The events t->w got: exactly want_n, and the types of the first two in *types. */
static void expect_events(fx *t, size_t want_n, int *types)
{
    daas_store_event ev[4];
    size_t n = 0;
    daas_err e = {0};
    assert_int_equal(daas_store_watch_next(t->w, ev, 4, &n, &e), DAAS_OK);
    assert_int_equal(n, want_n);
    for (size_t i = 0; i < n; i++) {
        if (i < 2)
            types[i] = ev[i].type;
        daas_store_event_fini(&ev[i]);
    }
}

static bool stored(fx *t)
{
    daas_kv kv = {0};
    daas_err e = {0};
    int rc = daas_store_get(t->a.store, KEY, &kv, &e);
    daas_kv_fini(&kv);
    return rc == DAAS_OK;
}

/* The reply of a releasing update: 200, the object as the update made it. */
static void check_released(fx *t, int status, json_t *o, const char *rv_before)
{
    int types[2] = {0};
    assert_int_equal(status, 200);
    assert_string_equal(daas_kube_str(o, "kind"), "ConfigMap");
    assert_non_null(daas_kube_str(o, "metadata.deletionTimestamp"));
    assert_int_equal(json_array_size(daas_kube_path(o, "metadata.finalizers")), 0);
    assert_string_equal(daas_kube_str(o, "metadata.resourceVersion"), rv_before);
    assert_false(stored(t));
    expect_events(t, 1, types);
    assert_int_equal(types[0], DAAS_STORE_DELETE);
    json_t *st = NULL;
    assert_int_equal(call(t, "GET", PATH, NULL, NULL, NULL, &st), 404);
    json_decref(st);
}

static char *current_rv(fx *t)
{
    json_t *o = NULL;
    assert_int_equal(call(t, "GET", PATH, NULL, NULL, NULL, &o), 200);
    char *rv = daas_xstrdup(daas_kube_str(o, "metadata.resourceVersion"));
    json_decref(o);
    return rv;
}

static void patch_releases(void **state, const char *ctype, const char *patch)
{
    fx *t = *state;
    json_t *o = NULL;
    create_held(t);
    char *rv = current_rv(t);
    int status = call(t, "PATCH", PATH, NULL, ctype, patch, &o);
    check_released(t, status, o, rv);
    json_decref(o);
    daas_free(rv);
}

static void test_merge_patch_releases(void **state)
{
    patch_releases(state, "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}");
}

static void test_json_patch_releases(void **state)
{
    patch_releases(state, "application/json-patch+json",
                   "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
}

static void test_strategic_patch_releases(void **state)
{
    patch_releases(
        state, "application/strategic-merge-patch+json",
        "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"example.com/hold\"]}}");
}

static void test_put_releases(void **state)
{
    fx *t = *state;
    json_t *o = NULL, *got = NULL;
    create_held(t);
    assert_int_equal(call(t, "GET", PATH, NULL, NULL, NULL, &got), 200);
    char *rv = daas_xstrdup(daas_kube_str(got, "metadata.resourceVersion"));
    json_object_set_new(json_object_get(got, "metadata"), "finalizers", json_array());
    char *body = json_dumps(got, JSON_COMPACT);
    int status = call(t, "PUT", PATH, NULL, NULL, body, &o);
    check_released(t, status, o, rv);
    free(body); /* jansson's allocation */
    json_decref(got);
    json_decref(o);
    daas_free(rv);
}

/* The request of a direct daas_api__modify call on x. */
static void modify_direct(fx *t, daas_api__mutate_fn fn, void *arg, json_t **out)
{
    daas_http_header h[] = {{"User-Agent", "test/1"}};
    daas_http_req req = {.method = "PATCH",
                         .target = PATH,
                         .path = PATH,
                         .query = "",
                         .headers = h,
                         .nheaders = 1,
                         .remote = "127.0.0.1:1"};
    daas_http_resp *resp = daas_http_capture_new();
    daas_api__req r = {.api = t->a.api, .http = &req, .resp = resp};
    assert_int_equal(daas_api__route(&r, PATH), DAAS_OK);
    daas_api__modify(&r, NULL, fn, arg);
    size_t len = 0;
    const char *b = daas_http_capture_body(resp, &len);
    *out = json_loadb(b, len, 0, NULL);
    assert_non_null(*out);
    json_object_set_new(*out, "_status", json_integer(daas_http_capture_status(resp)));
    daas_http_capture_free(&resp);
    daas_free(r.pathbuf);
}

typedef struct race {
    fx *t;
    int calls;
    bool drop_finalizers; /* the update removes them */
    int meddle;           /* 1: the key is deleted on the first call; 2: rewritten */
} race;

/* A mutate function that lets "another writer" act between the load and the commit. */
static int racing_mutate(daas_api__req *r, const json_t *old, json_t **out, void *arg,
                         daas_err *err)
{
    race *rc = arg;
    (void)r, (void)err;
    daas_err e = {0};
    if (rc->calls++ == 0 && rc->meddle == 1)
        assert_int_equal(daas_store_delete(rc->t->a.store, KEY, 0, NULL, NULL, &e), DAAS_OK);
    if (rc->calls == 1 && rc->meddle == 2) {
        json_t *o = json_deep_copy(old);
        daas_kube_set_str(o, "metadata.labels.by", "other");
        char *s = daas_api__dump_stored(o);
        assert_int_equal(daas_store_update(rc->t->a.store, KEY, DAAS_BYTES_STR(s), 0, NULL, &e),
                         DAAS_OK);
        daas_free(s);
        json_decref(o);
    }
    *out = json_deep_copy(old);
    if (rc->drop_finalizers)
        daas_kube_del(*out, "metadata.finalizers");
    else
        daas_kube_set_str(*out, "metadata.labels.mine", "1");
    return DAAS_OK;
}

/* Two writers remove the last finalizer at once (the garbage collector's and a user's, say):
 * the one that finds the object already deleted succeeds too. */
static void test_release_after_concurrent_delete(void **state)
{
    fx *t = *state;
    create_held(t);
    race rc = {t, 0, true, 1};
    json_t *o = NULL;
    modify_direct(t, racing_mutate, &rc, &o);
    assert_int_equal(json_integer_value(json_object_get(o, "_status")), 200);
    assert_string_equal(daas_kube_str(o, "kind"), "ConfigMap");
    assert_non_null(daas_kube_str(o, "metadata.deletionTimestamp"));
    assert_int_equal(json_array_size(daas_kube_path(o, "metadata.finalizers")), 0);
    assert_int_equal(rc.calls, 1);
    assert_false(stored(t));
    json_decref(o);
}

/* An ordinary update of an object that went meanwhile: 404 naming the object, not its key. */
static void test_update_of_vanished_object(void **state)
{
    fx *t = *state;
    create_held(t);
    race rc = {t, 0, false, 1};
    json_t *o = NULL;
    modify_direct(t, racing_mutate, &rc, &o);
    assert_int_equal(json_integer_value(json_object_get(o, "_status")), 404);
    assert_string_equal(daas_kube_str(o, "reason"), "NotFound");
    assert_string_equal(daas_kube_str(o, "message"), "configmaps \"x\" not found");
    json_decref(o);
}

/* The object changed between the load and the delete: the delete does not go through on a
 * state the update never saw; the update is retried on the new one. */
static void test_release_retries_on_change(void **state)
{
    fx *t = *state;
    create_held(t);
    race rc = {t, 0, true, 2};
    json_t *o = NULL;
    modify_direct(t, racing_mutate, &rc, &o);
    assert_int_equal(json_integer_value(json_object_get(o, "_status")), 200);
    assert_int_equal(rc.calls, 2);
    assert_string_equal(daas_kube_str(o, "metadata.labels.by"), "other");
    assert_false(stored(t));
    json_decref(o);
}

/* A grace period running (a pod its agent is stopping): an update without finalizers keeps
 * the object, as upstream's ShouldDeleteDuringUpdate does. */
static void test_grace_period_keeps_object(void **state)
{
    fx *t = *state;
    store_raw(t, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
                 "\"namespace\":\"default\",\"uid\":\"u1\",\"creationTimestamp\":"
                 "\"2026-01-01T00:00:00Z\",\"deletionTimestamp\":\"2026-01-01T00:00:30Z\","
                 "\"deletionGracePeriodSeconds\":30}}");
    json_t *o = NULL;
    assert_int_equal(call(t, "PATCH", PATH, NULL, "application/merge-patch+json",
                          "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", &o),
                     200);
    json_decref(o);
    assert_int_equal(call(t, "GET", PATH, NULL, NULL, NULL, &o), 200);
    assert_string_equal(daas_kube_str(o, "metadata.labels.a"), "b");
    json_decref(o);
}

/* dryRun and a write that fails validation change nothing; the object stays held. */
static void test_dry_run_and_failure_keep_object(void **state)
{
    fx *t = *state;
    int types[2] = {0};
    json_t *o = NULL;
    create_held(t);
    assert_int_equal(call(t, "PATCH", PATH, "dryRun=All", "application/merge-patch+json",
                          "{\"metadata\":{\"finalizers\":null}}", &o),
                     200);
    assert_int_equal(json_array_size(daas_kube_path(o, "metadata.finalizers")), 0);
    json_decref(o);
    assert_int_equal(call(t, "PATCH", PATH, NULL, "application/merge-patch+json",
                          "{\"metadata\":{\"finalizers\":null,\"labels\":{\"bad key!\":\"x\"}}}",
                          &o),
                     422);
    json_decref(o);
    assert_true(stored(t));
    expect_events(t, 0, types);
    assert_int_equal(call(t, "GET", PATH, NULL, NULL, NULL, &o), 200);
    assert_string_equal(
        json_string_value(json_array_get(daas_kube_path(o, "metadata.finalizers"), 0)),
        "example.com/hold");
    json_decref(o);
}

/* Foreground deletion of an object that also has a finalizer of its own: the namespace
 * controller deletes the dependent, drops foregroundDeletion (the other finalizer stays,
 * element freed while the list is walked: ASan caught a use-after-free here), and the object
 * waits for its own finalizer. */
static void test_foreground_keeps_other_finalizer(void **state)
{
    fx *t = *state;
    json_t *o = NULL;
    assert_int_equal(call(t, "POST", "/api/v1/namespaces/default/configmaps", NULL, NULL,
                          "{\"metadata\":{\"name\":\"x\",\"finalizers\":[\"example.com/hold\"]}}",
                          &o),
                     201);
    char dep[400];
    snprintf(dep, sizeof dep,
             "{\"metadata\":{\"name\":\"dep\",\"ownerReferences\":[{\"apiVersion\":\"v1\","
             "\"kind\":\"ConfigMap\",\"name\":\"x\",\"uid\":\"%s\",\"blockOwnerDeletion\":true}]}}",
             daas_kube_str(o, "metadata.uid"));
    json_decref(o);
    assert_int_equal(call(t, "POST", "/api/v1/namespaces/default/configmaps", NULL, NULL, dep, NULL),
                     201);
    assert_int_equal(call(t, "DELETE", PATH, "propagationPolicy=Foreground", NULL, NULL, NULL), 200);
    const char *want = "[\"example.com/hold\"]";
    char *got = NULL;
    for (int i = 0; i < 500; i++) { /* the namespace controller's pass: at most 5 s */
        json_t *x = NULL;
        daas_free(got);
        got = NULL;
        if (call(t, "GET", PATH, NULL, NULL, NULL, &x) == 200) {
            char *d = json_dumps(daas_kube_path(x, "metadata.finalizers"), JSON_COMPACT);
            got = daas_xstrdup(d ? d : "");
            free(d); /* jansson's allocator */
        }
        json_decref(x);
        if (got && strcmp(got, want) == 0)
            break;
        usleep(10000);
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    daas_free(got);
    assert_int_equal(call(t, "GET", "/api/v1/namespaces/default/configmaps/dep", NULL, NULL, NULL,
                          NULL),
                     404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_patch_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_patch_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strategic_patch_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_after_concurrent_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_of_vanished_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_retries_on_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grace_period_keeps_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_and_failure_keep_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreground_keeps_other_finalizer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
