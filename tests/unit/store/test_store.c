/*
 * test_store.c: unit tests of the store's key-value operations (store.c, writer.c,
 * sqlite.c): create/get/update/delete with revisions, list, limits, persistence, group
 * commit under concurrency, rendering, compaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>

#include "common/log.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store_testutil.h"

static int64_t put_new(daas_store *st, const char *key, const char *val)
{
    int64_t rev = 0;
    assert_int_equal(daas_store_create(st, key, DAAS_BYTES_STR(val), &rev, NULL), DAAS_OK);
    return rev;
}

static void assert_value(daas_store *st, const char *key, const char *val, int64_t mod)
{
    daas_kv kv;
    assert_int_equal(daas_store_get(st, key, &kv, NULL), DAAS_OK);
    assert_string_equal(kv.key, key);
    assert_string_equal(kv.val->data, val);
    assert_int_equal(kv.val->len, strlen(val));
    if (mod)
        assert_int_equal(kv.mod_rev, mod);
    daas_kv_fini(&kv);
}

static void test_crud_revisions(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    daas_err err = {0};
    daas_kv kv;
    int64_t rev = 0;

    assert_int_equal(daas_store_revision(st), 0);
    int64_t r1 = put_new(st, "/registry/pods/default/a", "one");
    assert_int_equal(r1, 1);
    assert_int_equal(daas_store_revision(st), 1);
    assert_int_equal(
        daas_store_create(st, "/registry/pods/default/a", DAAS_BYTES_STR("x"), &rev, &err),
        DAAS_EEXIST);
    assert_int_equal(err.code, DAAS_EEXIST);
    assert_value(st, "/registry/pods/default/a", "one", 1);

    /* update with the right revision, then with a stale one */
    assert_int_equal(
        daas_store_update(st, "/registry/pods/default/a", DAAS_BYTES_STR("two"), r1, &rev, NULL),
        DAAS_OK);
    assert_int_equal(rev, 2);
    rev = 0;
    assert_int_equal(
        daas_store_update(st, "/registry/pods/default/a", DAAS_BYTES_STR("bad"), r1, &rev, NULL),
        DAAS_ECONFLICT);
    assert_int_equal(rev, 2); /* the current mod_rev */
    assert_int_equal(
        daas_store_update(st, "/registry/pods/default/a", DAAS_BYTES_STR("three"), 0, &rev, NULL),
        DAAS_OK);
    assert_int_equal(rev, 3);
    assert_int_equal(daas_store_get(st, "/registry/pods/default/a", &kv, NULL), DAAS_OK);
    assert_int_equal(kv.create_rev, 1);
    assert_int_equal(kv.mod_rev, 3);
    assert_null(kv.obj);
    daas_kv_fini(&kv);
    assert_int_equal(daas_store_update(st, "/nope", DAAS_BYTES_STR("x"), 0, &rev, NULL),
                     DAAS_ENOTFOUND);

    /* delete: stale, right, again */
    assert_int_equal(daas_store_delete(st, "/registry/pods/default/a", 2, NULL, &rev, NULL),
                     DAAS_ECONFLICT);
    assert_int_equal(rev, 3);
    assert_int_equal(daas_store_delete(st, "/registry/pods/default/a", 3, &kv, &rev, NULL),
                     DAAS_OK);
    assert_int_equal(rev, 4);
    assert_string_equal(kv.key, "/registry/pods/default/a");
    assert_string_equal(kv.val->data, "three");
    assert_int_equal(kv.mod_rev, 4);
    assert_int_equal(kv.create_rev, 1);
    daas_kv_fini(&kv);
    assert_int_equal(daas_store_get(st, "/registry/pods/default/a", &kv, NULL), DAAS_ENOTFOUND);
    assert_int_equal(daas_store_delete(st, "/registry/pods/default/a", 0, NULL, NULL, NULL),
                     DAAS_ENOTFOUND);

    /* re-create: a new create_rev; failed ops consumed no revision */
    assert_int_equal(put_new(st, "/registry/pods/default/a", "again"), 5);
    assert_int_equal(daas_store_get(st, "/registry/pods/default/a", &kv, NULL), DAAS_OK);
    assert_int_equal(kv.create_rev, 5);
    daas_kv_fini(&kv);
    /* empty values are values */
    assert_int_equal(daas_store_create(st, "/empty", DAAS_BYTES(NULL, 0), &rev, NULL), DAAS_OK);
    assert_value(st, "/empty", "", rev);

    daas_store_close(&st);
    assert_null(st);
    daas_store_close(&st); /* accepts NULL */
    st_tmp_fini(&t);
}

static void test_limits(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store_opts o = st_quiet_opts();
    o.max_value = 100;
    daas_store *st = st_open(&t, &o);
    daas_err err = {0};
    char big[200], key[1100];
    memset(big, 'v', sizeof big);
    memset(key, 'k', sizeof key);
    key[0] = '/';

    assert_int_equal(daas_store_create(st, "/k", DAAS_BYTES(big, 101), NULL, &err), DAAS_ETOOBIG);
    assert_int_equal(daas_store_create(st, "/k", DAAS_BYTES(big, 100), NULL, NULL), DAAS_OK);
    assert_int_equal(daas_store_update(st, "/k", DAAS_BYTES(big, 101), 0, NULL, NULL),
                     DAAS_ETOOBIG);
    assert_int_equal(daas_store_create(st, "", DAAS_BYTES_STR("x"), NULL, NULL), DAAS_EINVAL);
    assert_int_equal(daas_store_create(st, NULL, DAAS_BYTES_STR("x"), NULL, NULL), DAAS_EINVAL);
    key[1024] = '\0';
    assert_int_equal(daas_store_create(st, key, DAAS_BYTES_STR("x"), NULL, NULL), DAAS_EINVAL);
    daas_kv kv;
    assert_int_equal(daas_store_get(st, key, &kv, NULL), DAAS_EINVAL);
    key[1023] = '\0';
    assert_int_equal(daas_store_create(st, key, DAAS_BYTES_STR("x"), NULL, NULL), DAAS_OK);
    assert_value(st, key, "x", 0);
    assert_int_equal(daas_store_update(st, "/k", DAAS_BYTES_STR("x"), -1, NULL, NULL), DAAS_EINVAL);
    assert_int_equal(daas_store_revision(st), 2);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

static void assert_list(daas_store *st, const char *prefix, const char *start, size_t limit,
                        const char *want, bool more, size_t remaining)
{
    daas_kv_list l;
    char got[512] = "";
    assert_int_equal(daas_store_list(st, prefix, start, limit, &l, NULL), DAAS_OK);
    for (size_t i = 0; i < l.n; i++) {
        strncat(got, l.items[i].key, sizeof got - strlen(got) - 2);
        strcat(got, " ");
    }
    assert_string_equal(got, want);
    assert_int_equal(l.more, more);
    assert_int_equal(l.remaining, remaining);
    assert_int_equal(l.rev, daas_store_revision(st));
    daas_kv_list_fini(&l);
}

static void test_list(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    const char *keys[] = {"/a/3", "/a/1", "/b/1",       "/ab/x",        "/a/5", "/a/2",
                          "/a/4", "/a",   "/c\xff\xff", "/c\xff\xff/z", "/d"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        (void)put_new(st, keys[i], keys[i]);

    assert_list(st, "/a/", NULL, 0, "/a/1 /a/2 /a/3 /a/4 /a/5 ", false, 0);
    assert_list(st, "/a/", "", 2, "/a/1 /a/2 ", true, 3);
    assert_list(st, "/a/", "/a/3", 0, "/a/3 /a/4 /a/5 ", false, 0);
    assert_list(st, "/a/", "/a/2\x01", 2, "/a/3 /a/4 ", true, 1);
    assert_list(st, "/a/", "/a/5", 1, "/a/5 ", false, 0);
    assert_list(st, "/a/", "/a/6", 0, "", false, 0);
    assert_list(st, "/a/", "/", 0, "/a/1 /a/2 /a/3 /a/4 /a/5 ", false, 0); /* start < prefix */
    assert_list(st, "/a", NULL, 3, "/a /a/1 /a/2 ", true, 4);              /* incl. /ab/x */
    assert_list(st, "/x/", NULL, 0, "", false, 0);
    assert_list(st, "/c\xff", NULL, 0, "/c\xff\xff /c\xff\xff/z ", false, 0);
    assert_list(st, "/c\xff\xff", NULL, 1, "/c\xff\xff ", true, 1);
    assert_list(st, "", "/b", 2, "/b/1 /c\xff\xff ", true, 2);
    assert_list(st, NULL, NULL, 0,
                "/a /a/1 /a/2 /a/3 /a/4 /a/5 /ab/x /b/1 /c\xff\xff /c\xff\xff/z /d ", false, 0);

    /* deletes and updates are reflected; values come back */
    assert_int_equal(daas_store_delete(st, "/a/2", 0, NULL, NULL, NULL), DAAS_OK);
    assert_int_equal(daas_store_update(st, "/a/3", DAAS_BYTES_STR("new"), 0, NULL, NULL), DAAS_OK);
    assert_list(st, "/a/", NULL, 0, "/a/1 /a/3 /a/4 /a/5 ", false, 0);
    daas_kv_list l;
    assert_int_equal(daas_store_list(st, "/a/3", NULL, 0, &l, NULL), DAAS_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].val->data, "new");
    assert_int_equal(l.items[0].mod_rev, daas_store_revision(st));
    assert_int_equal(l.items[0].create_rev, 1);
    daas_kv_list_fini(&l);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

static void test_reopen_persists(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    (void)put_new(st, "/k/a", "a1");                                                         /* 1 */
    (void)put_new(st, "/k/b", "b1");                                                         /* 2 */
    assert_int_equal(daas_store_update(st, "/k/a", DAAS_BYTES_STR("a2"), 1, NULL, NULL), 0); /* 3 */
    assert_int_equal(daas_store_delete(st, "/k/b", 0, NULL, NULL, NULL), 0);                 /* 4 */
    (void)put_new(st, "/k/c", "c1");                                                         /* 5 */
    assert_int_equal(daas_store_delete(st, "/k/c", 0, NULL, NULL, NULL), 0);                 /* 6 */
    daas_store_close(&st);

    st = st_open(&t, NULL);
    assert_int_equal(daas_store_revision(st), 6); /* the last row is a tombstone */
    assert_value(st, "/k/a", "a2", 3);
    daas_kv kv;
    assert_int_equal(daas_store_get(st, "/k/a", &kv, NULL), DAAS_OK);
    assert_int_equal(kv.create_rev, 1);
    daas_kv_fini(&kv);
    assert_int_equal(daas_store_get(st, "/k/b", &kv, NULL), DAAS_ENOTFOUND);
    assert_list(st, "/k/", NULL, 0, "/k/a ", false, 0);
    /* compacting away the newest tombstone must not let revisions be reused */
    assert_int_equal(daas_store_compact(st, 6, NULL), DAAS_OK);
    daas_store_close(&st);

    st = st_open(&t, NULL);
    assert_int_equal(daas_store_revision(st), 6);
    assert_int_equal(daas_store_compacted(st), 6);
    assert_int_equal(put_new(st, "/k/d", "d1"), 7);
    assert_value(st, "/k/a", "a2", 3);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* ---- concurrency ---------------------------------------------------------------------- */

enum { NTHREADS = 8, PER_THREAD = 500 };

typedef struct writer_arg {
    daas_store *st;
    int id;
    int64_t revs[PER_THREAD];
    int failures;
} writer_arg;

static void *writer_thread(void *p)
{
    writer_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        char key[64], val[64];
        snprintf(key, sizeof key, "/conc/%d/%04d", a->id, i);
        snprintf(val, sizeof val, "v-%d-%d", a->id, i);
        if (daas_store_create(a->st, key, DAAS_BYTES_STR(val), &a->revs[i], NULL) != DAAS_OK)
            a->failures++;
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    static writer_arg args[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].st = st;
        args[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &args[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);

    static int64_t all[NTHREADS * PER_THREAD];
    size_t n = 0;
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(args[i].failures, 0);
        for (int j = 0; j < PER_THREAD; j++) {
            if (j > 0) /* one thread's writes are ordered */
                assert_true(args[i].revs[j] > args[i].revs[j - 1]);
            all[n++] = args[i].revs[j];
        }
    }
    qsort(all, n, sizeof *all, cmp_i64);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i], (int64_t)i + 1); /* distinct, no gaps */
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_int_equal(s.writes, NTHREADS * PER_THREAD);
    assert_int_equal(s.keys, NTHREADS * PER_THREAD);
    assert_true(s.batches < NTHREADS * PER_THREAD); /* group commit happened */
    print_message("  %d writes in %llu batches\n", NTHREADS * PER_THREAD,
                  (unsigned long long)s.batches);
    daas_kv_list l;
    assert_int_equal(daas_store_list(st, "/conc/3/", NULL, 0, &l, NULL), DAAS_OK);
    assert_int_equal(l.n, PER_THREAD);
    assert_string_equal(l.items[7].key, "/conc/3/0007");
    assert_string_equal(l.items[7].val->data, "v-3-7");
    daas_kv_list_fini(&l);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* Compare-and-swap increments from many threads: no lost update, whatever the batching. */
static void test_concurrent_cas(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    (void)put_new(st, "/counter", "0");
    st_cas_arg a = {st, "/counter", 100};
    pthread_t th[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&th[i], NULL, st_cas_worker, &a), 0);
    for (int i = 0; i < 6; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    assert_value(st, "/counter", "600", 601);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* ---- rendering ------------------------------------------------------------------------ */

static atomic_int render_calls;

static daas_blob *render_rv(void *arg, const char *key, const daas_blob *val, int64_t mod_rev,
                            int64_t create_rev)
{
    (void)arg;
    atomic_fetch_add(&render_calls, 1);
    char *s = daas_xasprintf("%s@%lld/%lld:%s", key, (long long)mod_rev, (long long)create_rev,
                             val->data);
    daas_blob *b = daas_blob_from_str(s);
    daas_free(s);
    return b;
}

static void assert_obj(const daas_blob *obj, const char *want)
{
    assert_non_null(obj);
    assert_string_equal(obj->data, want);
}

static void test_render(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store_opts o = st_quiet_opts();
    o.render = render_rv;
    atomic_store(&render_calls, 0);
    daas_store *st = st_open(&t, &o);
    daas_kv kv;
    (void)put_new(st, "/r/a", "x");
    assert_int_equal(daas_store_update(st, "/r/a", DAAS_BYTES_STR("y"), 1, NULL, NULL), 0);
    (void)put_new(st, "/r/b", "z");
    assert_int_equal(atomic_load(&render_calls), 3);
    assert_int_equal(daas_store_get(st, "/r/a", &kv, NULL), DAAS_OK);
    assert_obj(kv.obj, "/r/a@2/1:y");
    daas_kv_fini(&kv);
    daas_kv_list l;
    assert_int_equal(daas_store_list(st, "/r/", NULL, 0, &l, NULL), DAAS_OK);
    assert_int_equal(l.n, 2);
    assert_obj(l.items[1].obj, "/r/b@3/3:z");
    daas_kv_list_fini(&l);
    /* the deleted value comes back rendered at the delete's revision */
    assert_int_equal(daas_store_delete(st, "/r/b", 0, &kv, NULL, NULL), DAAS_OK);
    assert_obj(kv.obj, "/r/b@4/3:z");
    assert_string_equal(kv.val->data, "z");
    daas_kv_fini(&kv);
    daas_store_close(&st);

    /* after a restart every live key is rendered once at load */
    atomic_store(&render_calls, 0);
    st = st_open(&t, &o);
    assert_int_equal(atomic_load(&render_calls), 1);
    assert_int_equal(daas_store_get(st, "/r/a", &kv, NULL), DAAS_OK);
    assert_obj(kv.obj, "/r/a@2/1:y");
    daas_kv_fini(&kv);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* ---- compaction ----------------------------------------------------------------------- */

static int64_t count_rows(const char *db)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM kine", -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

static void test_compact(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    daas_err err = {0};
    (void)put_new(st, "/c/a", "a0"); /* 1 */
    for (int i = 1; i <= 5; i++)     /* 2..6 */
        assert_int_equal(daas_store_update(st, "/c/a", DAAS_BYTES_STR("an"), 0, NULL, NULL), 0);
    (void)put_new(st, "/c/b", "b0");                                         /* 7 */
    assert_int_equal(daas_store_delete(st, "/c/b", 0, NULL, NULL, NULL), 0); /* 8 */
    (void)put_new(st, "/c/c", "c0");                                         /* 9 */
    assert_int_equal(daas_store_update(st, "/c/a", DAAS_BYTES_STR("last"), 0, NULL, NULL), 0);
    assert_int_equal(daas_store_revision(st), 10);

    assert_int_equal(daas_store_compact(st, 11, &err), DAAS_EINVAL);
    assert_int_equal(daas_store_compact(st, 8, NULL), DAAS_OK);
    assert_int_equal(daas_store_compacted(st), 8);
    assert_int_equal(daas_store_compact(st, 5, NULL), DAAS_OK); /* older: no-op */
    assert_int_equal(daas_store_compacted(st), 8);
    daas_store_close(&st);
    /* kept: a@6 (superseded only by 10 > 8), c@9, a@10; gone: a@1..5, b@7, tombstone 8 */
    assert_int_equal(count_rows(t.db), 3);

    st = st_open(&t, NULL);
    assert_int_equal(daas_store_compacted(st), 8);
    assert_value(st, "/c/a", "last", 10);
    assert_value(st, "/c/c", "c0", 9);
    assert_int_equal(daas_store_compact(st, 10, NULL), DAAS_OK);
    daas_store_close(&st);
    assert_int_equal(count_rows(t.db), 2);
    st_tmp_fini(&t);
}

static void test_auto_compact_off_by_default_in_opts(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    /* NULL opts: defaults (background compactor running); close must stop it promptly */
    daas_store *st = NULL;
    assert_int_equal(daas_store_open_sqlite(t.db, NULL, &st, NULL), DAAS_OK);
    (void)put_new(st, "/x", "y");
    daas_store_close(&st);
    st_tmp_fini(&t);
}

static void test_second_open_fails(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    daas_store *st2 = NULL;
    daas_err err = {0};
    daas_store_opts o = st_quiet_opts();
    assert_int_not_equal(daas_store_open_sqlite(t.db, &o, &st2, &err), DAAS_OK);
    assert_null(st2);
    assert_int_equal(err.code, DAAS_EIO);
    daas_store_close(&st);
    assert_int_equal(daas_store_open_sqlite("", &o, &st2, NULL), DAAS_EINVAL);
    st_tmp_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_revisions),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_reopen_persists),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_concurrent_cas),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_auto_compact_off_by_default_in_opts),
        cmocka_unit_test(test_second_open_fails),
    };
    daas_log_set_level(DAAS_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
