/*
 * test_async.c: daas_store_create_async: every queued create completes exactly once with the
 * same outcome a synchronous create would have, the data is there afterwards, errors found
 * before queueing are returned (no callback), and a store closing with writes in flight
 * completes them.
 */
#include <pthread.h>

#include "store_testutil.h"

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls, ok, exists;
    int64_t max_rev;
    int64_t revs[512];
} waiter;

static void done(void *arg, int rc, int64_t rev, const daas_err *err)
{
    waiter *w = arg;
    pthread_mutex_lock(&w->mu);
    if (rc == DAAS_OK) {
        w->revs[w->ok++ % 512] = rev;
        if (rev > w->max_rev)
            w->max_rev = rev;
    } else if (rc == DAAS_EEXIST) {
        w->exists++;
        assert_true(err->code == DAAS_EEXIST && err->msg[0] != '\0');
    }
    w->calls++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void wait_calls(waiter *w, int n)
{
    pthread_mutex_lock(&w->mu);
    while (w->calls < n)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void waiter_init(waiter *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

static void waiter_fini(waiter *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

/* A fresh store (o may be NULL) and waiter; teardown() undoes it. */
static daas_store *setup(st_tmp *t, waiter *w, const daas_store_opts *o)
{
    st_tmp_init(t);
    waiter_init(w);
    return st_open(t, o);
}

static void teardown(st_tmp *t, waiter *w, daas_store **st)
{
    daas_store_close(st);
    waiter_fini(w);
    st_tmp_fini(t);
}

/* Queues creates of prefix000 .. prefix(n-1), each of which must be accepted. */
static void create_n(daas_store *st, waiter *w, const char *prefix, int n)
{
    char key[96];
    daas_err err = {0};
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s%03d", prefix, i);
        assert_int_equal(daas_store_create_async(st, key, DAAS_BYTES_STR("{}"), done, w, &err),
                         DAAS_OK);
    }
}

static void test_creates_complete_once(void **state)
{
    (void)state;
    st_tmp t;
    waiter w;
    daas_err err = {0};
    daas_store *st = setup(&t, &w, NULL);
    create_n(st, &w, "/registry/configmaps/default/a", 300);
    /* the same key again: must fail like a synchronous create */
    assert_int_equal(daas_store_create_async(st, "/registry/configmaps/default/a000",
                                             DAAS_BYTES_STR("{}"), done, &w, &err),
                     DAAS_OK);
    wait_calls(&w, 301);
    assert_int_equal(w.ok, 300);
    assert_int_equal(w.exists, 1);
    assert_int_equal(w.max_rev, 300);
    for (int i = 0; i < 300; i++) /* revisions 1..300, each once */
        for (int j = i + 1; j < 300; j++)
            assert_true(w.revs[i] != w.revs[j]);
    daas_kv kv = {0};
    assert_int_equal(daas_store_get(st, "/registry/configmaps/default/a299", &kv, &err), DAAS_OK);
    assert_true(kv.mod_rev >= 1 && kv.mod_rev <= 300);
    daas_kv_fini(&kv);
    daas_store_close(&st);
    /* durable: still there after reopening */
    st = st_open(&t, NULL);
    assert_int_equal(daas_store_revision(st), 300);
    teardown(&t, &w, &st);
}

static void test_errors_before_queueing(void **state)
{
    (void)state;
    st_tmp t;
    waiter w;
    daas_err err = {0};
    daas_store_opts o = st_quiet_opts();
    o.max_value = 8;
    daas_store *st = setup(&t, &w, &o);
    assert_int_equal(daas_store_create_async(st, "", DAAS_BYTES_STR("{}"), done, &w, &err),
                     DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_store_create_async(st, "/k", DAAS_BYTES_STR("0123456789"), done, &w,
                                             &err),
                     DAAS_ETOOBIG);
    daas_store_close(&st);
    assert_int_equal(w.calls, 0); /* errors returned, never called back */
    teardown(&t, &w, &st);
}

static void test_close_completes_in_flight(void **state)
{
    (void)state;
    st_tmp t;
    waiter w;
    daas_store *st = setup(&t, &w, NULL);
    create_n(st, &w, "/registry/pods/default/p", 200);
    daas_store_close(&st); /* must not drop what was queued */
    assert_int_equal(w.calls, 200);
    assert_int_equal(w.ok, 200);
    teardown(&t, &w, &st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_creates_complete_once),
        cmocka_unit_test(test_errors_before_queueing),
        cmocka_unit_test(test_close_completes_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
