/*
 * test_watch.c: unit tests of the store's watches (watch.c): event contents and order,
 * resumption from a revision, exactly-once delivery under concurrent writers, DAAS_EGONE
 * (compaction, ring overflow by count and by bytes, revisions before startup), close and
 * cancel against a running notify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "common/log.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store_testutil.h"

static daas_store *open_store(const st_tmp *t, size_t ring, size_t ring_bytes)
{
    daas_store_opts o = st_quiet_opts();
    o.event_ring = ring;
    o.event_ring_bytes = ring_bytes;
    return st_open(t, &o);
}

static int64_t put(daas_store *st, const char *key, const char *val)
{
    int64_t rev = 0;
    daas_kv kv;
    if (daas_store_get(st, key, &kv, NULL) == DAAS_OK) {
        daas_kv_fini(&kv);
        assert_int_equal(daas_store_update(st, key, DAAS_BYTES_STR(val), 0, &rev, NULL), 0);
    } else {
        assert_int_equal(daas_store_create(st, key, DAAS_BYTES_STR(val), &rev, NULL), 0);
    }
    return rev;
}

/* Reads up to max (<= 8) events from w, asserts there were n, the first at revision
 * first_rev (unless first_rev < 0), and frees them. */
static void expect_next(daas_store_watcher *w, size_t max, size_t n, int64_t first_rev)
{
    daas_store_event ev[8];
    size_t got = 99;
    assert_true(max <= 8);
    assert_int_equal(daas_store_watch_next(w, ev, max, &got, NULL), DAAS_OK);
    assert_int_equal(got, n);
    if (first_rev >= 0 && got > 0)
        assert_int_equal(ev[0].kv.mod_rev, first_rev);
    for (size_t i = 0; i < got; i++)
        daas_store_event_fini(&ev[i]);
}

/* A notify target: counts calls, lets a thread wait for the next one. */
typedef struct signal {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int calls;
} signal_t;

static void sig_init(signal_t *s)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->calls = 0;
}

static void sig_fini(signal_t *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
}

static void sig_notify(void *arg)
{
    signal_t *s = arg;
    pthread_mutex_lock(&s->mu);
    s->calls++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static int sig_calls(signal_t *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->calls;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void test_events(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 0, 0);
    signal_t sig;
    sig_init(&sig);
    daas_store_watcher *w = NULL;
    daas_store_event ev[8];
    size_t n = 99;
    (void)put(st, "/w/old", "o");
    assert_int_equal(daas_store_watch(st, "/w/", 0, sig_notify, &sig, &w, NULL), DAAS_OK);
    expect_next(w, 8, 0, -1); /* from now */
    assert_int_equal(daas_store_watch_rev(w), 1);

    (void)put(st, "/w/a", "a1");  /* 2 */
    (void)put(st, "/other", "x"); /* 3: not ours */
    (void)put(st, "/w/a", "a2");  /* 4 */
    assert_int_equal(daas_store_delete(st, "/w/a", 0, NULL, NULL, NULL), 0); /* 5 */
    assert_int_equal(sig_calls(&sig), 1); /* signalled once until drained */
    assert_int_equal(daas_store_watch_next(w, ev, 8, &n, NULL), DAAS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ev[0].type, DAAS_STORE_PUT);
    assert_string_equal(ev[0].kv.key, "/w/a");
    assert_string_equal(ev[0].kv.val->data, "a1");
    assert_int_equal(ev[0].kv.mod_rev, 2);
    assert_int_equal(ev[0].kv.create_rev, 2);
    assert_null(ev[0].prev.key);
    assert_int_equal(ev[1].type, DAAS_STORE_PUT);
    assert_string_equal(ev[1].kv.val->data, "a2");
    assert_int_equal(ev[1].kv.mod_rev, 4);
    assert_string_equal(ev[1].prev.val->data, "a1");
    assert_int_equal(ev[1].prev.mod_rev, 2);
    assert_int_equal(ev[2].type, DAAS_STORE_DELETE);
    assert_string_equal(ev[2].kv.key, "/w/a");
    assert_string_equal(ev[2].kv.val->data, "a2");
    assert_int_equal(ev[2].kv.mod_rev, 5);
    assert_int_equal(ev[2].kv.create_rev, 2);
    assert_int_equal(ev[2].prev.mod_rev, 4);
    for (size_t i = 0; i < n; i++)
        daas_store_event_fini(&ev[i]);
    assert_int_equal(daas_store_watch_rev(w), 5);
    expect_next(w, 8, 0, -1);
    (void)put(st, "/other", "y");
    assert_int_equal(sig_calls(&sig), 1); /* no event for this prefix: no signal */
    (void)put(st, "/w/b", "b");
    assert_int_equal(sig_calls(&sig), 2);

    /* a second watch resuming from revision 3 sees 4, 5 and 7, one at a time */
    daas_store_watcher *w2 = NULL;
    assert_int_equal(daas_store_watch(st, "/w/", 3, NULL, NULL, &w2, NULL), DAAS_OK);
    int64_t want[] = {4, 5, 7};
    for (size_t i = 0; i < 3; i++)
        expect_next(w2, 1, 1, want[i]);
    expect_next(w2, 1, 0, -1);
    assert_int_equal(daas_store_watch_rev(w2), 7);
    daas_store_watch_cancel(&w2);
    assert_null(w2);
    daas_store_watch_cancel(&w2); /* accepts NULL */

    /* a watch from the future waits for it */
    assert_int_equal(daas_store_watch(st, "", 9, NULL, NULL, &w2, NULL), DAAS_OK);
    (void)put(st, "/z", "8");
    expect_next(w2, 8, 0, -1);
    (void)put(st, "/z", "9");
    (void)put(st, "/z", "10");
    expect_next(w2, 8, 1, 10);
    daas_store_watch_cancel(&w2);

    daas_store_watch_cancel(&w);
    daas_store_close(&st);
    sig_fini(&sig);
    st_tmp_fini(&t);
}

/* ---- exactly once under concurrent writers ---------------------------------------------- */

enum { WRITERS = 4, PER_WRITER = 400 };

typedef struct wr_arg {
    daas_store *st;
    int id;
    int64_t revs[PER_WRITER];
} wr_arg;

static void *wr_thread(void *p)
{
    wr_arg *a = p;
    for (int i = 0; i < PER_WRITER; i++) {
        char key[64];
        /* even writers use the watched prefix, odd ones another; keys repeat (updates) */
        snprintf(key, sizeof key, "%s/%d/%d", a->id % 2 ? "/skip" : "/watched", a->id, i % 37);
        a->revs[i] = put(a->st, key, key);
    }
    return NULL;
}

typedef struct rd_arg {
    daas_store_watcher *w;
    signal_t *sig;
    int64_t expect_last;
    int64_t got[WRITERS * PER_WRITER];
    size_t n;
    int err;
} rd_arg;

static void *rd_thread(void *p)
{
    rd_arg *a = p;
    daas_store_event ev[7];
    for (;;) {
        pthread_mutex_lock(&a->sig->mu);
        int seen = a->sig->calls;
        pthread_mutex_unlock(&a->sig->mu);
        size_t n = 0;
        if (daas_store_watch_next(a->w, ev, 7, &n, NULL) != DAAS_OK) {
            a->err = 1;
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            if (a->n < WRITERS * PER_WRITER)
                a->got[a->n++] = ev[i].kv.mod_rev;
            if (strncmp(ev[i].kv.key, "/watched/", 9) != 0)
                a->err = 2;
            daas_store_event_fini(&ev[i]);
        }
        if (n == 7)
            continue;
        int64_t last = __atomic_load_n(&a->expect_last, __ATOMIC_SEQ_CST);
        if (a->n > 0 && a->got[a->n - 1] == last)
            return NULL;
        pthread_mutex_lock(&a->sig->mu);
        while (a->sig->calls == seen)
            pthread_cond_wait(&a->sig->cond, &a->sig->mu);
        pthread_mutex_unlock(&a->sig->mu);
    }
}

/* Shared by the exactly-once tests: a store, a watch on /watched/ notifying sig, and the
 * writer and reader arguments. Static in each test: rd_arg holds every revision. */
typedef struct once_fixture {
    st_tmp t;
    daas_store *st;
    signal_t sig;
    wr_arg wa[WRITERS];
    rd_arg ra;
} once_fixture;

static void once_setup(once_fixture *f)
{
    memset(f, 0, sizeof *f);
    st_tmp_init(&f->t);
    f->st = open_store(&f->t, 0, 0);
    sig_init(&f->sig);
    f->ra.sig = &f->sig;
    assert_int_equal(
        daas_store_watch(f->st, "/watched/", 0, sig_notify, &f->sig, &f->ra.w, NULL), 0);
}

/* Runs the writers to completion. */
static void once_write(once_fixture *f)
{
    pthread_t wt[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        f->wa[i].st = f->st;
        f->wa[i].id = i;
        assert_int_equal(pthread_create(&wt[i], NULL, wr_thread, &f->wa[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(wt[i], NULL);
}

/* Checks the joined reader: no error, n revisions, in increasing order. */
static void once_check_reader(const rd_arg *ra, size_t n)
{
    assert_int_equal(ra->err, 0);
    assert_int_equal(ra->n, n);
    for (size_t i = 1; i < ra->n; i++)
        assert_true(ra->got[i] > ra->got[i - 1]);
}

static void once_teardown(once_fixture *f)
{
    daas_store_watch_cancel(&f->ra.w);
    daas_store_close(&f->st);
    sig_fini(&f->sig);
    st_tmp_fini(&f->t);
}

static void test_exactly_once(void **state)
{
    (void)state;
    static once_fixture f;
    once_setup(&f);
    once_write(&f);
    /* the reader stops at the last watched revision */
    int64_t last = 0;
    for (int i = 0; i < WRITERS; i += 2)
        if (f.wa[i].revs[PER_WRITER - 1] > last)
            last = f.wa[i].revs[PER_WRITER - 1];
    f.ra.expect_last = last;
    pthread_t rt;
    assert_int_equal(pthread_create(&rt, NULL, rd_thread, &f.ra), 0);
    sig_notify(&f.sig); /* in case everything was already signalled and drained */
    pthread_join(rt, NULL);

    /* exactly the revisions the watched writers got, in increasing order */
    once_check_reader(&f.ra, (WRITERS / 2) * PER_WRITER);
    for (int i = 0; i < WRITERS; i += 2)
        for (int j = 0; j < PER_WRITER; j++) {
            size_t lo = 0, hi = f.ra.n;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (f.ra.got[mid] < f.wa[i].revs[j])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            assert_true(lo < f.ra.n && f.ra.got[lo] == f.wa[i].revs[j]);
        }
    once_teardown(&f);
}

/* Exactly once while the reader runs concurrently with the writers. */
static void test_exactly_once_live(void **state)
{
    (void)state;
    static once_fixture f;
    once_setup(&f);
    /* a sentinel written last tells the reader where to stop */
    f.ra.expect_last = -1;
    pthread_t rt;
    assert_int_equal(pthread_create(&rt, NULL, rd_thread, &f.ra), 0);
    once_write(&f);
    /* publish the stop revision before writing it, so the reader cannot miss it */
    __atomic_store_n(&f.ra.expect_last, daas_store_revision(f.st) + 1, __ATOMIC_SEQ_CST);
    (void)put(f.st, "/watched/zz-end", "end");
    pthread_join(rt, NULL);
    once_check_reader(&f.ra, (WRITERS / 2) * PER_WRITER + 1);
    once_teardown(&f);
}

/* ---- DAAS_EGONE ------------------------------------------------------------------------ */

static void test_gone_after_compaction(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 0, 0);
    daas_store_watcher *w = NULL;
    daas_err err = {0};
    for (int i = 0; i < 10; i++)
        (void)put(st, "/g/a", "v");
    assert_int_equal(daas_store_compact(st, 6, NULL), DAAS_OK);
    assert_int_equal(daas_store_watch(st, "/g/", 5, NULL, NULL, &w, &err), DAAS_EGONE);
    assert_null(w);
    assert_int_equal(err.code, DAAS_EGONE);
    /* from the compacted revision itself: events 7..10 are still there */
    assert_int_equal(daas_store_watch(st, "/g/", 6, NULL, NULL, &w, NULL), DAAS_OK);
    expect_next(w, 8, 4, 7);
    daas_store_watch_cancel(&w);
    assert_int_equal(daas_store_watch(st, "/g/", 0, NULL, NULL, &w, NULL), DAAS_OK);
    daas_store_watch_cancel(&w);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

static void test_gone_ring_overflow(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 8, 0);
    daas_store_watcher *w = NULL, *w2 = NULL;
    daas_store_event ev[4];
    size_t n = 0;
    daas_err err = {0};
    assert_int_equal(daas_store_watch(st, "/o/", 0, NULL, NULL, &w, NULL), DAAS_OK);
    for (int i = 0; i < 8; i++)
        (void)put(st, "/o/k", "v"); /* revisions 1..8 fill the ring exactly */
    assert_int_equal(daas_store_watch(st, "/o/", 0, NULL, NULL, &w2, NULL), DAAS_OK);
    expect_next(w, 4, 4, -1); /* 1..4 consumed: the cursor is at 4 */
    for (int i = 0; i < 5; i++)
        (void)put(st, "/o/k", "v"); /* 9..13 push 1..5 out; 5 was never read */
    assert_int_equal(daas_store_watch_next(w, ev, 4, &n, &err), DAAS_EGONE);
    assert_int_equal(n, 0);
    assert_int_equal(daas_store_watch_next(w, ev, 4, &n, NULL), DAAS_EGONE); /* stays dead */
    /* w2 started at 8, which is still covered */
    expect_next(w2, 4, 4, 9);
    daas_store_watch_cancel(&w2);
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_int_equal(s.ring_events, 8);
    assert_int_equal(s.ring_floor, 5);
    assert_int_equal(daas_store_watch(st, "", 4, NULL, NULL, &w2, NULL), DAAS_EGONE);
    assert_int_equal(daas_store_watch(st, "", 5, NULL, NULL, &w2, NULL), DAAS_OK);
    daas_store_watch_cancel(&w2);
    daas_store_watch_cancel(&w);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

static void test_ring_byte_budget(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 1000, 16 * 1024);
    char big[2048];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 40; i++)
        (void)put(st, "/big", big);
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_true(s.ring_bytes <= 16 * 1024);
    assert_true(s.ring_events >= 5 && s.ring_events < 10);
    assert_int_equal(s.ring_floor, 40 - (int64_t)s.ring_events);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

static void test_gone_before_startup(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 0, 0);
    for (int i = 0; i < 3; i++)
        (void)put(st, "/s/k", "v");
    daas_store_close(&st);
    st = open_store(&t, 0, 0);
    daas_store_watcher *w = NULL;
    assert_int_equal(daas_store_watch(st, "/s/", 2, NULL, NULL, &w, NULL), DAAS_EGONE);
    assert_int_equal(daas_store_watch(st, "/s/", 3, NULL, NULL, &w, NULL), DAAS_OK);
    (void)put(st, "/s/k", "v");
    daas_store_event ev[2];
    size_t n = 0;
    assert_int_equal(daas_store_watch_next(w, ev, 2, &n, NULL), DAAS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].kv.mod_rev, 4);
    assert_int_equal(ev[0].prev.mod_rev, 3); /* prev comes from the loaded state */
    daas_store_event_fini(&ev[0]);
    daas_store_watch_cancel(&w);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* ---- close and cancel ------------------------------------------------------------------ */

static void test_close_with_live_watch(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 0, 0);
    signal_t sig;
    sig_init(&sig);
    daas_store_watcher *w = NULL;
    assert_int_equal(daas_store_watch(st, "/c/", 0, sig_notify, &sig, &w, NULL), DAAS_OK);
    daas_store_close(&st);
    assert_int_equal(sig_calls(&sig), 1); /* woken to learn about the close */
    daas_store_event ev[1];
    size_t n = 5;
    assert_int_equal(daas_store_watch_next(w, ev, 1, &n, NULL), DAAS_ECLOSED);
    assert_int_equal(n, 0);
    daas_store_watch_cancel(&w); /* frees the last reference of the store */
    sig_fini(&sig);
    st_tmp_fini(&t);
}

/* A notify that blocks until released, to cancel the watch while it runs. */
typedef struct slow {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int entered, release, cancelled;
} slow_t;

static void slow_notify(void *arg)
{
    slow_t *s = arg;
    pthread_mutex_lock(&s->mu);
    s->entered = 1;
    pthread_cond_broadcast(&s->cond);
    while (!s->release)
        pthread_cond_wait(&s->cond, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

typedef struct cancel_arg {
    daas_store_watcher *w;
    slow_t *s;
} cancel_arg;

static void *cancel_thread(void *p)
{
    cancel_arg *a = p;
    daas_store_watch_cancel(&a->w);
    pthread_mutex_lock(&a->s->mu);
    a->s->cancelled = 1;
    pthread_mutex_unlock(&a->s->mu);
    return NULL;
}

static void *put_thread(void *p)
{
    (void)put(p, "/n/k", "v");
    return NULL;
}

static void test_cancel_during_notify(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = open_store(&t, 0, 0);
    slow_t s = {.entered = 0};
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cond, NULL);
    cancel_arg ca = {NULL, &s};
    assert_int_equal(daas_store_watch(st, "/n/", 0, slow_notify, &s, &ca.w, NULL), DAAS_OK);
    pthread_t pt, ct;
    assert_int_equal(pthread_create(&pt, NULL, put_thread, st), 0);
    pthread_mutex_lock(&s.mu);
    while (!s.entered)
        pthread_cond_wait(&s.cond, &s.mu);
    pthread_mutex_unlock(&s.mu);
    /* notify is running: cancel must wait for it */
    assert_int_equal(pthread_create(&ct, NULL, cancel_thread, &ca), 0);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&s.mu);
    assert_int_equal(s.cancelled, 0);
    s.release = 1;
    pthread_cond_broadcast(&s.cond);
    pthread_mutex_unlock(&s.mu);
    pthread_join(ct, NULL);
    pthread_join(pt, NULL);
    assert_int_equal(s.cancelled, 1);
    assert_null(ca.w);
    daas_store_close(&st);
    pthread_mutex_destroy(&s.mu);
    pthread_cond_destroy(&s.cond);
    st_tmp_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_exactly_once),
        cmocka_unit_test(test_exactly_once_live),
        cmocka_unit_test(test_gone_after_compaction),
        cmocka_unit_test(test_gone_ring_overflow),
        cmocka_unit_test(test_ring_byte_budget),
        cmocka_unit_test(test_gone_before_startup),
        cmocka_unit_test(test_close_with_live_watch),
        cmocka_unit_test(test_cancel_during_notify),
    };
    daas_log_set_level(DAAS_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
