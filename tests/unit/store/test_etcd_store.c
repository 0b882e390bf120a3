/*
 * test_etcd_store.c: the store engine over a REAL single-member etcd (etcd_testutil.h):
 * the store contract (revisions, preconditions, read-your-writes, watch order and prev
 * values, delete results), two stores sharing one etcd (what several servers do: no lost
 * update under concurrent compare-and-swap from both, each store's watchers see the other's
 * writes exactly once), asynchronous creates, the re-list after a compacted watch, and an
 * etcd outage (writes fail with a clear error, reads keep working, the watch resumes).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "etcd_testutil.h"
#include "store_testutil.h"
#include "store/store_int.h"

static et_proc g;

static int setup(void **state)
{
    (void)state;
    return et_setup(&g);
}

static int teardown(void **state)
{
    (void)state;
    return et_teardown(&g);
}

static daas_store *open_store(void)
{
    daas_store_etcd_opts eo = {.endpoints = g.url, .timeout_ms = 3000};
    daas_store_opts o = {.compact_interval_s = 0};
    daas_store *st = NULL;
    daas_err err = {0};
    if (daas_store_open_etcd(&eo, &o, &st, &err) != DAAS_OK)
        fail_msg("open: %s", err.msg);
    return st;
}

/* resourceVersions of the etcd engine from etcd revisions, and back */
#define RV(rev, pos) daas_store__etcd_rv(rev, pos)
#define ERV(rv) daas_store__etcd_rev(rv)

static daas_bytes S(const char *s)
{
    return DAAS_BYTES(s, strlen(s));
}

static void expect_val(daas_store *st, const char *key, const char *val, int64_t rev)
{
    daas_kv kv;
    assert_int_equal(daas_store_get(st, key, &kv, NULL), DAAS_OK);
    assert_int_equal(kv.val->len, strlen(val));
    assert_memory_equal(kv.val->data, val, kv.val->len);
    if (rev)
        assert_int_equal(kv.mod_rev, rev);
    daas_kv_fini(&kv);
}

static void test_crud(void **state)
{
    (void)state;
    daas_store *st = open_store();
    daas_err err = {0};
    int64_t r1 = 0, r2 = 0, r3 = 0, cur = 0;
    assert_int_equal(daas_store_create(st, "/t/crud/a", S("one"), &r1, &err), DAAS_OK);
    assert_true(r1 > 0);
    /* read-your-writes: memory has it when create returns, at etcd's revision */
    expect_val(st, "/t/crud/a", "one", r1);
    assert_int_equal(daas_store_revision(st), r1);
    assert_int_equal(daas_store_create(st, "/t/crud/a", S("x"), NULL, &err), DAAS_EEXIST);
    /* the same bytes at version 1 are taken for a replay of this create (curl resends a POST
     * once on a dead reused connection): success at the existing revision */
    int64_t rr = 0;
    assert_int_equal(daas_store_create(st, "/t/crud/a", S("one"), &rr, &err), DAAS_OK);
    assert_int_equal(rr, r1);
    assert_int_equal(daas_store_update(st, "/t/crud/a", S("two"), r1, &r2, NULL), DAAS_OK);
    assert_true(r2 > r1);
    assert_int_equal(daas_store_update(st, "/t/crud/a", S("bad"), r1, &cur, NULL), DAAS_ECONFLICT);
    assert_int_equal(cur, r2); /* the conflict reports the current revision */
    assert_int_equal(daas_store_update(st, "/t/crud/a", S("three"), 0, &r3, NULL), DAAS_OK);
    expect_val(st, "/t/crud/a", "three", r3);
    assert_int_equal(daas_store_create(st, "/t/crud/a", S("three"), NULL, NULL), DAAS_EEXIST);
    assert_int_equal(daas_store_update(st, "/t/crud/none", S("v"), 0, NULL, NULL), DAAS_ENOTFOUND);
    assert_int_equal(daas_store_update(st, "/t/crud/none", S("v"), 5, NULL, NULL), DAAS_ENOTFOUND);
    assert_int_equal(daas_store_delete(st, "/t/crud/none", 0, NULL, NULL, NULL), DAAS_ENOTFOUND);
    daas_kv prev;
    int64_t rd = 0;
    assert_int_equal(daas_store_delete(st, "/t/crud/a", r2, NULL, NULL, NULL), DAAS_ECONFLICT);
    assert_int_equal(daas_store_delete(st, "/t/crud/a", r3, &prev, &rd, &err), DAAS_OK);
    assert_true(rd > r3);
    assert_int_equal(prev.mod_rev, rd); /* as the DELETE event carries it */
    assert_int_equal(prev.create_rev, r1);
    assert_memory_equal(prev.val->data, "three", 5);
    daas_kv_fini(&prev);
    daas_kv kv;
    assert_int_equal(daas_store_get(st, "/t/crud/a", &kv, NULL), DAAS_ENOTFOUND);
    /* too big for etcd's request limit: refused before sending */
    size_t big = 2u << 20;
    char *v = daas_xmalloc(big);
    memset(v, 'x', big);
    assert_int_equal(daas_store_create(st, "/t/crud/big", DAAS_BYTES(v, big), NULL, NULL),
                     DAAS_ETOOBIG);
    daas_free(v);
    daas_store_close(&st);
}

/* A key written straight to etcd (another client) is loaded at open and updatable. */
static void test_load_and_foreign_writes(void **state)
{
    (void)state;
    daas_store_etcd_opts eo = {.endpoints = g.url};
    daas_store_etcd *c = NULL;
    assert_int_equal(daas_store_etcd_new(&eo, &c, NULL), DAAS_OK);
    for (int i = 0; i < 1200; i++) { /* more than one load page */
        char k[64];
        snprintf(k, sizeof k, "/t/load/%04d", i);
        assert_int_equal(daas_store_etcd_put(c, S(k), S("v"), 0, NULL, NULL), DAAS_OK);
    }
    daas_store *st = open_store();
    daas_kv_list l;
    assert_int_equal(daas_store_list(st, "/t/load/", NULL, 0, &l, NULL), DAAS_OK);
    assert_int_equal(l.n, 1200);
    assert_string_equal(l.items[1199].key, "/t/load/1199");
    daas_kv_list_fini(&l);
    /* a foreign put arrives through the watch */
    int64_t r = 0;
    assert_int_equal(daas_store_etcd_put(c, S("/t/load/0000"), S("new"), 0, &r, NULL), DAAS_OK);
    for (int i = 0; i < 200 && ERV(daas_store_revision(st)) < r; i++)
        et_sleep_ms(10);
    expect_val(st, "/t/load/0000", "new", RV(r, 0));
    daas_store_etcd_free(&c);
    daas_store_close(&st);
}

typedef struct putter {
    daas_store_etcd *c;
    atomic_bool stop;
    int64_t last;
    int n;
} putter;

/* Updates /t/load/0000.. round-robin until stopped; records the last revision. */
static void *put_loop(void *arg)
{
    putter *p = arg;
    for (p->n = 0; !atomic_load(&p->stop); p->n++) {
        char k[64], v[32];
        snprintf(k, sizeof k, "/t/load/%04d", p->n % 1200);
        snprintf(v, sizeof v, "u%d", p->n);
        if (daas_store_etcd_put(p->c, S(k), S(v), 0, &p->last, NULL) != DAAS_OK)
            return (void *)1;
    }
    return NULL;
}

/* A store opened while another client writes: its paged load and its watch together miss
 * nothing (the load's pages are all read at the first page's revision, and the watch starts
 * right after it). */
static void test_load_under_writes(void **state)
{
    (void)state;
    putter p = {.stop = false};
    daas_store_etcd_opts eo = {.endpoints = g.url};
    assert_int_equal(daas_store_etcd_new(&eo, &p.c, NULL), DAAS_OK);
    pthread_t th;
    pthread_create(&th, NULL, put_loop, &p);
    et_sleep_ms(100);
    daas_store *st = open_store();
    et_sleep_ms(200);
    atomic_store(&p.stop, true);
    void *res = NULL;
    pthread_join(th, &res);
    assert_null(res);
    for (int i = 0; i < 300 && ERV(daas_store_revision(st)) < p.last; i++)
        et_sleep_ms(10);
    assert_int_equal(ERV(daas_store_revision(st)), p.last);
    daas_store_etcd_range_res r;
    assert_int_equal(daas_store_etcd_list_prefix(p.c, S("/t/load/"), 0, 0, false, &r, NULL),
                     DAAS_OK);
    assert_int_equal(r.nkvs, 1200);
    for (size_t i = 0; i < r.nkvs; i++) /* every key at etcd's value and revision */
        expect_val(st, r.kvs[i].key, r.kvs[i].value, RV(r.kvs[i].mod_revision, 0));
    daas_store_etcd_range_fini(&r);
    daas_store_etcd_free(&p.c);
    daas_store_close(&st);
}

typedef struct seen {
    int64_t last;
    int n, bad;
} seen;

/* Drains a watch, checking strictly increasing revisions. */
static void drain(daas_store_watcher *w, seen *s)
{
    daas_store_event ev[64];
    size_t n = 0;
    do {
        assert_int_equal(daas_store_watch_next(w, ev, 64, &n, NULL), DAAS_OK);
        for (size_t i = 0; i < n; i++) {
            if (ev[i].kv.mod_rev <= s->last)
                s->bad++;
            s->last = ev[i].kv.mod_rev;
            s->n++;
            daas_store_event_fini(&ev[i]);
        }
    } while (n == 64);
}

/* Two stores on one etcd, as two servers: concurrent CAS from both loses no increment, and
 * each store's watcher sees every write (its own and the other's) once, in order. */
static void test_two_stores(void **state)
{
    (void)state;
    daas_store *a = open_store(), *b = open_store();
    assert_int_equal(daas_store_create(a, "/t/cas/counter", S("0"), NULL, NULL), DAAS_OK);
    daas_store_watcher *wa = NULL, *wb = NULL;
    int64_t from = daas_store_revision(a);
    for (int i = 0; i < 200 && daas_store_revision(b) < from; i++)
        et_sleep_ms(10);
    assert_int_equal(daas_store_watch(a, "/t/cas/", from, NULL, NULL, &wa, NULL), DAAS_OK);
    assert_int_equal(daas_store_watch(b, "/t/cas/", from, NULL, NULL, &wb, NULL), DAAS_OK);
    enum { THREADS = 4, EACH = 25 };
    pthread_t th[THREADS];
    st_cas_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (st_cas_arg){.st = i % 2 ? b : a, .key = "/t/cas/counter", .n = EACH};
        pthread_create(&th[i], NULL, st_cas_worker, &args[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        void *res = NULL;
        pthread_join(th[i], &res);
        assert_null(res);
    }
    char want[16];
    snprintf(want, sizeof want, "%d", THREADS * EACH);
    int64_t end = daas_store_revision(a) > daas_store_revision(b) ? daas_store_revision(a)
                                                                  : daas_store_revision(b);
    for (int i = 0; i < 200 && (daas_store_revision(a) < end || daas_store_revision(b) < end); i++)
        et_sleep_ms(10);
    expect_val(a, "/t/cas/counter", want, 0);
    expect_val(b, "/t/cas/counter", want, 0);
    seen sa = {0}, sb = {0};
    drain(wa, &sa);
    drain(wb, &sb);
    assert_int_equal(sa.n, THREADS * EACH);
    assert_int_equal(sb.n, THREADS * EACH);
    assert_int_equal(sa.bad + sb.bad, 0);
    assert_int_equal(sa.last, sb.last);
    daas_store_watch_cancel(&wa);
    daas_store_watch_cancel(&wb);
    daas_store_close(&a);
    daas_store_close(&b);
}

typedef struct asyncs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, ok;
    int64_t revs[256];
} asyncs;

static void async_done(void *arg, int rc, int64_t rev, const daas_err *err)
{
    (void)err;
    asyncs *a = arg;
    pthread_mutex_lock(&a->mu);
    if (rc == DAAS_OK)
        a->revs[a->ok++] = rev;
    a->done++;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

static void test_async_creates(void **state)
{
    (void)state;
    daas_store *st = open_store();
    asyncs a = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    for (int i = 0; i < 64; i++) {
        char k[64];
        char v[16];
        snprintf(k, sizeof k, "/t/async/%02d", i % 48); /* 16 duplicates: EEXIST */
        snprintf(v, sizeof v, "v%d", i);
        assert_int_equal(daas_store_create_async(st, k, S(v), async_done, &a, NULL), DAAS_OK);
    }
    pthread_mutex_lock(&a.mu);
    while (a.done < 64)
        pthread_cond_wait(&a.cv, &a.mu);
    pthread_mutex_unlock(&a.mu);
    assert_int_equal(a.ok, 48);
    for (int i = 0; i < a.ok; i++) /* every acknowledged create is readable, at its revision */
        for (int j = i + 1; j < a.ok; j++)
            assert_true(a.revs[i] != a.revs[j]);
    daas_kv_list l;
    assert_int_equal(daas_store_list(st, "/t/async/", NULL, 0, &l, NULL), DAAS_OK);
    assert_int_equal(l.n, 48);
    daas_kv_list_fini(&l);
    daas_store_close(&st);
}

static void wait_asyncs(asyncs *a, int n)
{
    pthread_mutex_lock(&a->mu);
    while (a->done < n)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
}

static int64_t mod_rev_of(daas_store *st, const char *key)
{
    daas_kv kv;
    assert_int_equal(daas_store_get(st, key, &kv, NULL), DAAS_OK);
    int64_t r = kv.mod_rev;
    daas_kv_fini(&kv);
    return r;
}

/* Async creates share txns (several keys at one etcd revision), yet every create gets its own
 * resourceVersion, the same on a second store (server) that learns them from its watch; a
 * watch from the middle of a shared revision gets exactly the rest of it; a store opened
 * later (a loaded revision) answers a watch from inside its last revision with DAAS_EGONE. */
static void test_batched_creates(void **state)
{
    (void)state;
    enum { N = 200 };
    daas_store *a = open_store(), *b = open_store();
    int64_t from = daas_store_revision(a);
    for (int i = 0; i < 200 && daas_store_revision(b) < from; i++)
        et_sleep_ms(10);
    daas_store_watcher *wb = NULL;
    assert_int_equal(
        daas_store_watch(b, "/t/batch/", daas_store_revision(b), NULL, NULL, &wb, NULL), DAAS_OK);
    asyncs x = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    char keys[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "/t/batch/%03d", i);
        assert_int_equal(daas_store_create_async(a, keys[i], S(keys[i]), async_done, &x, NULL),
                         DAAS_OK);
    }
    wait_asyncs(&x, N);
    assert_int_equal(x.ok, N);
    daas_store_stats ss;
    daas_store_read_stats(a, &ss);
    assert_true(ss.batches < ss.writes); /* some txns carried several creates */
    int64_t last = 0, mid = 0;
    int shared = 0;
    for (int i = 0; i < N; i++) {
        int64_t rv = mod_rev_of(a, keys[i]);
        for (int j = 0; j < x.ok; j++)
            shared += rv == x.revs[j]; /* each create's acked rv is its key's */
        if (rv > last)
            last = rv;
        if (ERV(rv) << DAAS_STORE__ETCD_POS_BITS != rv && !mid)
            mid = rv; /* not first in its revision */
    }
    assert_int_equal(shared, N);
    assert_true(mid != 0);
    for (int i = 0; i < 300 && daas_store_revision(b) < last; i++)
        et_sleep_ms(10);
    for (int i = 0; i < N; i++)
        assert_int_equal(mod_rev_of(b, keys[i]), mod_rev_of(a, keys[i]));
    seen sb = {0};
    drain(wb, &sb);
    assert_int_equal(sb.n, N);
    assert_int_equal(sb.bad, 0);
    assert_int_equal(sb.last, last);
    daas_store_watch_cancel(&wb);
    /* from the middle of a shared revision: exactly the events after it */
    int after = 0;
    for (int j = 0; j < x.ok; j++)
        after += x.revs[j] > mid;
    assert_int_equal(daas_store_watch(b, "/t/batch/", mid, NULL, NULL, &wb, NULL), DAAS_OK);
    seen sm = {.last = mid};
    drain(wb, &sm);
    assert_int_equal(sm.n, after);
    assert_int_equal(sm.bad, 0);
    daas_store_watch_cancel(&wb);
    /* a store that loads: the last revision whole, a watch from inside it is gone */
    daas_store *c = open_store();
    assert_true(daas_store_revision(c) >= last);
    assert_int_equal(ERV(mod_rev_of(c, keys[0])), ERV(mod_rev_of(a, keys[0])));
    int64_t inside = RV(ERV(daas_store_revision(c)), 0);
    daas_store_event ev[4];
    size_t n = 0;
    int rc = daas_store_watch(c, "/t/batch/", inside, NULL, NULL, &wb, NULL);
    if (rc == DAAS_OK)
        rc = daas_store_watch_next(wb, ev, 4, &n, NULL);
    assert_int_equal(rc, DAAS_EGONE);
    daas_store_watch_cancel(&wb);
    daas_store_close(&c);
    daas_store_close(&a);
    daas_store_close(&b);
}

/* A watch that etcd says is compacted makes the store re-list: memory is right afterwards and
 * its watchers get DAAS_EGONE (they must re-list), never a silent gap. */
static void test_relist_after_compaction(void **state)
{
    (void)state;
    daas_store *st = open_store();
    daas_err err = {0};
    int64_t r = 0;
    assert_int_equal(daas_store_create(st, "/t/relist/a", S("1"), &r, NULL), DAAS_OK);
    daas_store_watcher *w = NULL;
    assert_int_equal(daas_store_watch(st, "/t/relist/", r, NULL, NULL, &w, NULL), DAAS_OK);
    /* another client writes and compacts while this store's watch is restarted from before */
    daas_store_etcd_opts eo = {.endpoints = g.url};
    daas_store_etcd *c = NULL;
    assert_int_equal(daas_store_etcd_new(&eo, &c, NULL), DAAS_OK);
    int64_t r2 = 0;
    assert_int_equal(daas_store_etcd_put(c, S("/t/relist/b"), S("2"), 0, &r2, NULL), DAAS_OK);
    assert_int_equal(daas_store_etcd_compact(c, r2, NULL), DAAS_OK);
    assert_int_equal(daas_store__etcd_rewatch(st, ERV(r) - 1, &err), DAAS_OK);
    daas_store_stats ss = {0};
    for (int i = 0; i < 300 && ss.ring_floor < RV(r2, 0); i++) { /* the re-list empties it */
        et_sleep_ms(10);
        daas_store_read_stats(st, &ss);
    }
    assert_true(ss.ring_floor >= RV(r2, 0));
    assert_true(ERV(daas_store_revision(st)) >= r2);
    expect_val(st, "/t/relist/b", "2", RV(r2, 0));
    daas_store_event ev[4];
    size_t n = 0;
    assert_int_equal(daas_store_watch_next(w, ev, 4, &n, NULL), DAAS_EGONE);
    daas_store_watch_cancel(&w);
    /* and the new watch works: a write through the store arrives */
    int64_t r3 = 0;
    assert_int_equal(daas_store_update(st, "/t/relist/b", S("3"), RV(r2, 0), &r3, &err), DAAS_OK);
    expect_val(st, "/t/relist/b", "3", r3);
    daas_store_etcd_free(&c);
    daas_store_close(&st);
}

/* etcd down: writes fail with a clear error (nothing acknowledged), reads are served; after
 * the restart the store's watch resumes and writes work again. */
static void test_outage(void **state)
{
    (void)state;
    daas_store *st = open_store();
    int64_t r = 0;
    assert_int_equal(daas_store_create(st, "/t/out/a", S("1"), &r, NULL), DAAS_OK);
    et_stop(&g, SIGKILL);
    daas_err err = {0};
    int rc = daas_store_create(st, "/t/out/b", S("2"), NULL, &err);
    assert_true(rc == DAAS_EUNAVAIL || rc == DAAS_ETIMEOUT);
    assert_non_null(strstr(err.msg, "etcd"));
    expect_val(st, "/t/out/a", "1", r);
    assert_int_equal(et_start(&g), 0);
    int64_t r2 = 0;
    rc = DAAS_EUNAVAIL;
    for (int i = 0; i < 100 && rc != DAAS_OK; i++) {
        memset(&err, 0, sizeof err);
        rc = daas_store_create(st, "/t/out/b", S("2"), &r2, &err);
        if (rc != DAAS_OK)
            et_sleep_ms(100);
    }
    assert_int_equal(rc, DAAS_OK);
    expect_val(st, "/t/out/b", "2", r2);
    daas_store_close(&st);
}

/* Closing with asynchronous creates queued completes every one of them exactly once. */
static void test_close_with_pending(void **state)
{
    (void)state;
    daas_store *st = open_store();
    asyncs a = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    for (int i = 0; i < 40; i++) {
        char k[64];
        snprintf(k, sizeof k, "/t/close/%02d", i);
        assert_int_equal(daas_store_create_async(st, k, S("v"), async_done, &a, NULL), DAAS_OK);
    }
    daas_store_close(&st);
    assert_int_equal(a.done, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud),
        cmocka_unit_test(test_load_and_foreign_writes),
        cmocka_unit_test(test_load_under_writes),
        cmocka_unit_test(test_two_stores),
        cmocka_unit_test(test_async_creates),
        cmocka_unit_test(test_batched_creates),
        cmocka_unit_test(test_relist_after_compaction),
        cmocka_unit_test(test_outage),
        cmocka_unit_test(test_close_with_pending),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
