/*
 * test_queue.c: the controllers' work queue: dedup, a processing key re-queued at its done,
 * delays on a fake clock, exponential back-off and the token bucket, forget, shutdown waking
 * blocked getters, and many threads never holding one key at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/ctrl.h"

static int64_t fake_now;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

static daas_ctrl_queue *fake_queue(void)
{
    fake_now = 1000000;
    daas_ctrl_queue_opts o = {.clock = fake_clock};
    return daas_ctrl_queue_new(&o);
}

static void expect_key(daas_ctrl_queue *q, const char *want)
{
    char *k = NULL;
    assert_int_equal(daas_ctrl_queue_get(q, 0, &k), DAAS_OK);
    assert_string_equal(k, want);
    daas_free(k);
}

static void expect_empty(daas_ctrl_queue *q)
{
    char *k = NULL;
    assert_int_equal(daas_ctrl_queue_get(q, 0, &k), DAAS_ETIMEOUT);
    assert_null(k);
}

static void test_dedup_fifo(void **state)
{
    (void)state;
    daas_ctrl_queue *q = fake_queue();
    daas_ctrl_queue_add(q, "a");
    daas_ctrl_queue_add(q, "b");
    daas_ctrl_queue_add(q, "a");
    assert_int_equal(daas_ctrl_queue_len(q), 2);
    expect_key(q, "a");
    expect_key(q, "b");
    expect_empty(q);
    daas_ctrl_queue_done(q, "a");
    daas_ctrl_queue_done(q, "b");
    expect_empty(q);
    daas_ctrl_queue_free(&q);
    assert_null(q);
}

static void test_processing_requeued_at_done(void **state)
{
    (void)state;
    daas_ctrl_queue *q = fake_queue();
    daas_ctrl_queue_add(q, "a");
    expect_key(q, "a");
    /* added while processing: not handed to a second worker ... */
    daas_ctrl_queue_add(q, "a");
    daas_ctrl_queue_add(q, "a");
    assert_int_equal(daas_ctrl_queue_len(q), 0);
    expect_empty(q);
    /* ... but once, again, after done */
    daas_ctrl_queue_done(q, "a");
    assert_int_equal(daas_ctrl_queue_len(q), 1);
    expect_key(q, "a");
    daas_ctrl_queue_done(q, "a");
    expect_empty(q);
    daas_ctrl_queue_free(&q);
}

static void test_add_after(void **state)
{
    (void)state;
    daas_ctrl_queue *q = fake_queue();
    daas_ctrl_queue_add_after(q, "late", 100);
    daas_ctrl_queue_add_after(q, "early", 50);
    daas_ctrl_queue_add_after(q, "now", 0);
    expect_key(q, "now");
    expect_empty(q);
    fake_now += 49;
    expect_empty(q);
    fake_now += 1;
    expect_key(q, "early");
    /* a shorter delay wins over a longer one for the same key */
    daas_ctrl_queue_add_after(q, "late", 10);
    fake_now += 10;
    expect_key(q, "late");
    fake_now += 1000;
    expect_empty(q); /* "late" was delayed once, not twice */
    daas_ctrl_queue_done(q, "now");
    daas_ctrl_queue_done(q, "early");
    daas_ctrl_queue_done(q, "late");
    /* a delayed key still pending at free is released */
    daas_ctrl_queue_add_after(q, "pending", 5000);
    daas_ctrl_queue_free(&q);
}

static void test_backoff_and_forget(void **state)
{
    (void)state;
    daas_ctrl_queue *q = fake_queue();
    int64_t want = 5;
    for (int i = 0; i < 10; i++, want *= 2)
        assert_int_equal(daas_ctrl_queue_when(q, "k"), want);
    assert_int_equal(daas_ctrl_queue_requeues(q, "k"), 10);
    assert_int_equal(daas_ctrl_queue_requeues(q, "other"), 0);
    daas_ctrl_queue_forget(q, "k");
    assert_int_equal(daas_ctrl_queue_requeues(q, "k"), 0);
    assert_int_equal(daas_ctrl_queue_when(q, "k"), 5);
    daas_ctrl_queue_free(&q);

    /* the cap: 1000 s, reached after 18 doublings (5 ms * 2^18 > 1000 s) */
    daas_ctrl_queue_opts o = {.clock = fake_clock, .qps = 1e9, .burst = 1000000};
    q = daas_ctrl_queue_new(&o);
    int64_t d = 0;
    for (int i = 0; i < 40; i++)
        d = daas_ctrl_queue_when(q, "k");
    assert_int_equal(d, 1000000);
    daas_ctrl_queue_free(&q);
}

static void test_rate_limited_add(void **state)
{
    (void)state;
    daas_ctrl_queue *q = fake_queue();
    daas_ctrl_queue_add_rate_limited(q, "k"); /* 5 ms */
    expect_empty(q);
    fake_now += 4;
    expect_empty(q);
    fake_now += 1;
    expect_key(q, "k");
    daas_ctrl_queue_done(q, "k");
    daas_ctrl_queue_add_rate_limited(q, "k"); /* 10 ms */
    fake_now += 9;
    expect_empty(q);
    fake_now += 1;
    expect_key(q, "k");
    daas_ctrl_queue_done(q, "k");
    daas_ctrl_queue_free(&q);
}

static void test_token_bucket(void **state)
{
    (void)state;
    daas_ctrl_queue *q = fake_queue();
    char key[32];
    /* the burst of 100 distinct keys goes through at the base delay */
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(daas_ctrl_queue_when(q, key), 5);
    }
    /* then 10 per second: the 101st waits 100 ms, the 102nd 200 ms */
    assert_int_equal(daas_ctrl_queue_when(q, "x1"), 100);
    assert_int_equal(daas_ctrl_queue_when(q, "x2"), 200);
    /* one second later ten tokens came back: the debt of 2 is paid, 8 are free */
    fake_now += 1000;
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof key, "y%d", i);
        assert_int_equal(daas_ctrl_queue_when(q, key), 5);
    }
    assert_int_equal(daas_ctrl_queue_when(q, "z"), 100);
    daas_ctrl_queue_free(&q);
}

typedef struct getter {
    daas_ctrl_queue *q;
    int rc;
} getter;

static void *get_blocking(void *arg)
{
    getter *g = arg;
    char *k = NULL;
    g->rc = daas_ctrl_queue_get(g->q, -1, &k);
    daas_free(k);
    return NULL;
}

static void test_shutdown_wakes_getters(void **state)
{
    (void)state;
    daas_ctrl_queue *q = daas_ctrl_queue_new(NULL);
    getter g[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        g[i] = (getter){q, 1};
        assert_int_equal(pthread_create(&t[i], NULL, get_blocking, &g[i]), 0);
    }
    daas_ctrl_queue_shutdown(q);
    daas_ctrl_queue_shutdown(q);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(g[i].rc, DAAS_ECLOSED);
    }
    daas_ctrl_queue_add(q, "ignored");
    assert_int_equal(daas_ctrl_queue_len(q), 0);
    daas_ctrl_queue_free(&q);
}

static void test_blocking_get_woken_by_add(void **state)
{
    (void)state;
    daas_ctrl_queue *q = daas_ctrl_queue_new(NULL);
    getter g = {q, 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, get_blocking, &g), 0);
    daas_ctrl_queue_add(q, "x");
    pthread_join(t, NULL);
    assert_int_equal(g.rc, DAAS_OK);
    /* a real-clock delay of 20 ms is handed out by a blocking get */
    daas_ctrl_queue_done(q, "x");
    daas_ctrl_queue_add_after(q, "d", 20);
    char *k = NULL;
    assert_int_equal(daas_ctrl_queue_get(q, 10000, &k), DAAS_OK);
    assert_string_equal(k, "d");
    daas_free(k);
    daas_ctrl_queue_free(&q);
}

/* Many workers over few keys: a key is never processed by two at once. */
#define NKEYS 4
typedef struct stress {
    daas_ctrl_queue *q;
    atomic_int busy[NKEYS];
    atomic_int overlap, handled;
} stress;

static void *worker(void *arg)
{
    stress *s = arg;
    char *k = NULL;
    while (daas_ctrl_queue_get(s->q, -1, &k) == DAAS_OK) {
        int i = k[0] - 'a';
        if (atomic_fetch_add(&s->busy[i], 1) != 0)
            atomic_fetch_add(&s->overlap, 1);
        daas_ctrl_queue_add(s->q, k); /* re-added while processing */
        atomic_fetch_sub(&s->busy[i], 1);
        atomic_fetch_add(&s->handled, 1);
        daas_ctrl_queue_done(s->q, k);
        daas_free(k);
    }
    return NULL;
}

static void test_no_key_twice_at_once(void **state)
{
    (void)state;
    stress s = {.q = daas_ctrl_queue_new(NULL)};
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &s), 0);
    const char *keys[NKEYS] = {"a", "b", "c", "d"};
    for (int r = 0; r < 200; r++)
        daas_ctrl_queue_add(s.q, keys[r % NKEYS]);
    while (atomic_load(&s.handled) < 2000)
        sched_yield();
    daas_ctrl_queue_shutdown(s.q);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&s.overlap), 0);
    daas_ctrl_queue_free(&s.q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup_fifo),
        cmocka_unit_test(test_processing_requeued_at_done),
        cmocka_unit_test(test_add_after),
        cmocka_unit_test(test_backoff_and_forget),
        cmocka_unit_test(test_rate_limited_add),
        cmocka_unit_test(test_token_bucket),
        cmocka_unit_test(test_shutdown_wakes_getters),
        cmocka_unit_test(test_blocking_get_woken_by_add),
        cmocka_unit_test(test_no_key_twice_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
