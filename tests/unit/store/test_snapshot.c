/*
 * test_snapshot.c: snapshots of the SQLite store (store/snapshot.c).
 *
 * Covers: a live snapshot of a store being written by another thread is one consistent state
 *         at a revision <= the writer's; file snapshots of a closed store; the refusals (store
 *         in use, non-store files, bad names, missing files) change nothing; restore brings
 *         the store back to the snapshot's revision and keeps the old database.
 */
#include <pthread.h>
#include <sqlite3.h>

#include "store_testutil.h"

#include "store/snapshot.h"

enum { N_WRITES = 400 };

static void put(daas_store *st, int i)
{
    char key[64];
    daas_err err = {0};
    snprintf(key, sizeof key, "/registry/configmaps/default/c%04d", i);
    assert_int_equal(daas_store_create(st, key, DAAS_BYTES_STR("{\"v\":1}"), NULL, &err),
                     DAAS_OK);
}

static void *writer_main(void *arg)
{
    daas_store *st = arg;
    for (int i = 1; i < N_WRITES; i++) /* c0000 is written before the thread starts */
        put(st, i);
    return NULL;
}

/* Checks that the store at db holds exactly c0000..c<rev-1> (each create minted one rev). */
static void assert_prefix_state(const char *db, int64_t rev)
{
    daas_store *st = NULL;
    daas_err err = {0};
    daas_store_opts o = st_quiet_opts();
    assert_int_equal(daas_store_open_sqlite(db, &o, &st, &err), DAAS_OK);
    assert_int_equal(daas_store_revision(st), rev);
    daas_kv_list l = {0};
    assert_int_equal(daas_store_list(st, "/registry/configmaps/", NULL, 0, &l, &err), DAAS_OK);
    assert_int_equal(l.n, (size_t)rev);
    for (size_t i = 0; i < l.n; i++) {
        char key[64];
        snprintf(key, sizeof key, "/registry/configmaps/default/c%04zu", i);
        assert_string_equal(l.items[i].key, key);
        assert_int_equal(l.items[i].mod_rev, (int64_t)i + 1);
    }
    daas_kv_list_fini(&l);
    daas_store_close(&st);
}

/* Takes a live snapshot named name once the store has passed min_rev; checks it. */
static int64_t live_snapshot(daas_store *st, const char *sdir, const char *name, int64_t min_rev)
{
    char *path = NULL;
    int64_t rev = 0, vrev = 0;
    daas_err err = {0};
    if (min_rev > N_WRITES)
        min_rev = N_WRITES; /* the writer may already be done */
    while (daas_store_revision(st) < min_rev)
        usleep(1000); /* waits for progress, not for a time: never flaky */
    assert_int_equal(daas_store_snapshot_save_live(st, sdir, name, &path, &rev, &err), DAAS_OK);
    assert_true(rev >= min_rev && rev <= daas_store_revision(st));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(daas_store_snapshot_verify(path, &vrev, &err), DAAS_OK);
    assert_int_equal(vrev, rev);
    char *j = daas_xasprintf("%s-wal", path);
    assert_int_not_equal(access(j, F_OK), 0); /* self-contained: no WAL beside it */
    daas_free(j);
    assert_prefix_state(path, rev); /* exactly the first rev creates: one committed state */
    daas_free(path);
    return rev;
}

static void test_live_snapshot_while_writing(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    pthread_t th;
    put(st, 0); /* the snapshot is never empty */
    assert_int_equal(pthread_create(&th, NULL, writer_main, st), 0);
    char *sdir = daas_xasprintf("%s/snaps", t.dir);
    int64_t r1 = live_snapshot(st, sdir, "live1", 20);
    int64_t r2 = live_snapshot(st, sdir, "live2", r1 + 20);
    assert_true(r2 > r1 || r1 == N_WRITES);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(daas_store_revision(st), N_WRITES);
    daas_store_close(&st);
    daas_free(sdir);
    st_tmp_fini(&t);
}

/* A closed store with n creates. */
static void make_store(const st_tmp *t, int n)
{
    daas_store *st = st_open(t, NULL);
    for (int i = 0; i < n; i++)
        put(st, i);
    daas_store_close(&st);
}

static void test_file_snapshot_and_list(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    make_store(&t, 7);
    char *path = NULL, *sdir = daas_xasprintf("%s/snaps", t.dir);
    int64_t rev = 0;
    daas_err err = {0};
    assert_int_equal(daas_store_snapshot_save(t.db, sdir, "on-demand", &path, &rev, &err),
                     DAAS_OK);
    assert_int_equal(rev, 7);
    assert_non_null(strstr(path, "/snaps/on-demand-"));
    daas_store_snapshot_info *v = NULL;
    size_t n = 0;
    assert_int_equal(daas_store_snapshot_list(sdir, &v, &n, &err), DAAS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].path, path);
    assert_int_equal(v[0].rev, 7);
    assert_true(v[0].size > 0);
    assert_true(v[0].created > 1700000000);
    daas_store_snapshot_list_free(&v, n);
    assert_null(v);
    /* A missing directory is an empty list. */
    assert_int_equal(daas_store_snapshot_list("/nonexistent/snaps", &v, &n, &err), DAAS_OK);
    assert_int_equal(n, 0);
    assert_prefix_state(path, 7);
    daas_free(path);
    daas_free(sdir);
    st_tmp_fini(&t);
}

static void test_refusals(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    make_store(&t, 3);
    char *path = NULL, *sdir = daas_xasprintf("%s/snaps", t.dir);
    daas_err err = {0};
    assert_int_equal(daas_store_snapshot_save(t.db, sdir, "bad/name", &path, NULL, &err),
                     DAAS_EINVAL);
    assert_null(path);
    daas_err_clear(&err);
    char *missing = daas_xasprintf("%s/none.db", t.dir);
    assert_int_equal(daas_store_snapshot_save(missing, sdir, "x", &path, NULL, &err),
                     DAAS_ENOTFOUND);
    daas_err_clear(&err);
    assert_int_equal(daas_store_snapshot_restore(t.db, missing, NULL, &err), DAAS_ENOTFOUND);
    daas_err_clear(&err);
    /* A text file and a SQLite file without the store's tables are not daas stores. */
    char *txt = daas_xasprintf("%s/notes.db", t.dir);
    assert_int_equal(daas_write_file_atomic(txt, "hello", 5, 0600, &err), DAAS_OK);
    assert_int_equal(daas_store_snapshot_restore(t.db, txt, NULL, &err), DAAS_EINVALID);
    daas_err_clear(&err);
    char *other = daas_xasprintf("%s/other.db", t.dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(daas_store_snapshot_restore(t.db, other, NULL, &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "not a daas store"));
    daas_err_clear(&err);
    /* Nothing changed: the store is intact and nothing was moved aside. */
    assert_prefix_state(t.db, 3);
    char *aside = daas_xasprintf("%s.restore-tmp", t.db);
    assert_int_not_equal(access(aside, F_OK), 0);
    daas_free(aside);
    daas_free(txt);
    daas_free(other);
    daas_free(missing);
    daas_free(sdir);
    st_tmp_fini(&t);
}

/* While a store holds the database (as a running server does), save and restore refuse. */
static void test_refused_while_open(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    make_store(&t, 2);
    char *path = NULL, *sdir = daas_xasprintf("%s/snaps", t.dir);
    daas_err err = {0};
    assert_int_equal(daas_store_snapshot_save(t.db, sdir, "a", &path, NULL, &err), DAAS_OK);
    daas_store *st = st_open(&t, NULL);
    put(st, 2);
    char *p2 = NULL;
    assert_int_equal(daas_store_snapshot_save(t.db, sdir, "b", &p2, NULL, &err), DAAS_EUNAVAIL);
    assert_null(p2);
    daas_err_clear(&err);
    assert_int_equal(daas_store_snapshot_restore(t.db, path, NULL, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "running daas server"));
    daas_store_close(&st);
    assert_prefix_state(t.db, 3);
    daas_free(path);
    daas_free(sdir);
    st_tmp_fini(&t);
}

static void test_restore(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    make_store(&t, 5);
    char *path = NULL, *old = NULL, *sdir = daas_xasprintf("%s/snaps", t.dir);
    daas_err err = {0};
    assert_int_equal(daas_store_snapshot_save(t.db, sdir, "a", &path, NULL, &err), DAAS_OK);
    daas_store *st = st_open(&t, NULL);
    for (int i = 5; i < 9; i++)
        put(st, i);
    daas_store_close(&st);
    assert_int_equal(daas_store_snapshot_restore(t.db, path, &old, &err), DAAS_OK);
    assert_non_null(old);
    assert_non_null(strstr(old, "state.db.pre-restore-"));
    assert_prefix_state(t.db, 5);
    assert_prefix_state(old, 9); /* the old database is complete on its own */
    struct stat sb;
    assert_int_equal(stat(t.db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* The snapshot itself is untouched and still at its revision. */
    int64_t rev = 0;
    assert_int_equal(daas_store_snapshot_verify(path, &rev, &err), DAAS_OK);
    assert_int_equal(rev, 5);
    daas_free(old);
    daas_free(path);
    daas_free(sdir);
    st_tmp_fini(&t);
}

/* The snapshot socket: a running store answers save requests; errors travel back. */
static void test_socket(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store *st = st_open(&t, NULL);
    for (int i = 0; i < 4; i++)
        put(st, i);
    char *sock = daas_xasprintf("%s/%s", t.dir, DAAS_STORE_SNAPSHOT_SOCK);
    char *sdir = daas_xasprintf("%s/snaps", t.dir), *path = NULL;
    daas_store_snapshot_server *srv = NULL;
    daas_err err = {0};
    int64_t rev = 0;
    assert_int_equal(daas_store_snapshot_request(sock, "x", sdir, &path, &rev, &err),
                     DAAS_EUNAVAIL);
    daas_err_clear(&err);
    assert_int_equal(daas_store_snapshot_serve(st, sock, &srv, &err), DAAS_OK);
    struct stat sb;
    assert_int_equal(stat(sock, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(daas_store_snapshot_request(sock, "sock", sdir, &path, &rev, &err), DAAS_OK);
    assert_int_equal(rev, 4);
    assert_non_null(strstr(path, "/snaps/sock-"));
    assert_prefix_state(path, 4);
    daas_free(path);
    path = NULL;
    assert_int_equal(daas_store_snapshot_request(sock, "bad name", sdir, &path, &rev, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "bad snapshot name"));
    assert_null(path);
    daas_store_snapshot_serve_stop(&srv);
    assert_null(srv);
    assert_int_not_equal(access(sock, F_OK), 0);
    daas_store_close(&st);
    daas_free(sock);
    daas_free(sdir);
    st_tmp_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_snapshot_while_writing),
        cmocka_unit_test(test_file_snapshot_and_list),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refused_while_open),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
