/*
 * test_snapshot.c: snapshots of the SQLite store (store/snapshot.c).
 *
 * Covers: a live snapshot of a store being written by another thread is one consistent state
 *         at a revision <= the writer's; file snapshots of a closed store; the refusals (store
 *         in use, non-store files, bad names, missing files) change nothing; restore brings
 *         the store back to the snapshot's revision and keeps the old database.
 */
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include "store_testutil.h"

#include "store/snapshot.h"

enum { N_WRITES = 400 };

static void put(daas_store *st, int i)
{
    char key[64];
    daas_err err = {0};
    snprintf(key, sizeof key, "/registry/configmaps/default/c%04d", i);
    assert_int_equal(daas_store_create(st, key, DAAS_BYTES_STR("{\"v\":1}"), NULL, &err), DAAS_OK);
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
    assert_int_equal(daas_store_snapshot_save(t.db, sdir, "on-demand", &path, &rev, &err), DAAS_OK);
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

/* ---- a fake etcd JSON gateway: answers one POST with a canned body, then closes. */
typedef struct fake_gw {
    int lfd;
    int port;
    const char *body; /* borrowed */
    pthread_t th;
} fake_gw;

static void *fake_gw_main(void *arg)
{
    fake_gw *g = arg;
    int c = accept(g->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    char req[8192];
    size_t n = 0;
    /* The request is small: read until the end of the headers and the 2-byte body "{}". */
    while (n < sizeof req - 1) {
        ssize_t r = read(c, req + n, sizeof req - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        req[n] = '\0';
        char *h = strstr(req, "\r\n\r\n");
        if (h && strlen(h + 4) >= 2)
            break;
    }
    const char *hdr = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Connection: close\r\n\r\n";
    /* No cmocka asserts on this thread; the client may hang up early (SIGPIPE is ignored). */
    if (daas_write_all(c, hdr, strlen(hdr)) == 0)
        (void)daas_write_all(c, g->body, strlen(g->body));
    close(c);
    return NULL;
}

static void fake_gw_start(fake_gw *g, const char *body)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    g->body = body;
    g->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(g->lfd >= 0);
    assert_int_equal(bind(g->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(g->lfd, 4), 0);
    assert_int_equal(getsockname(g->lfd, (struct sockaddr *)&a, &al), 0);
    g->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&g->th, NULL, fake_gw_main, g), 0);
}

static void fake_gw_stop(fake_gw *g)
{
    shutdown(g->lfd, SHUT_RDWR); /* wakes accept when nobody came */
    pthread_join(g->th, NULL);
    close(g->lfd);
}

/* A stream of data (n bytes) + its SHA-256 in chunks of 100 bytes; cut drops the last
 * message, bad flips a byte of the trailer. */
static char *etcd_body(const uint8_t *data, size_t n, bool cut, bool bad)
{
    uint8_t all[1100];
    assert_true(n + 32 <= sizeof all);
    memcpy(all, data, n);
    SHA256(data, n, all + n);
    if (bad)
        all[n + 5] ^= 1;
    daas_buf b = {0};
    size_t total = n + 32;
    for (size_t off = 0; off < total; off += 100) {
        size_t k = total - off < 100 ? total - off : 100;
        size_t rem = total - off - k;
        if (cut && rem == 0)
            break;
        char *b64 = daas_base64_encode(all + off, k);
        if (rem)
            assert_int_equal(daas_buf_printf(&b,
                                             "{\"result\":{\"remaining_bytes\":\"%zu\","
                                             "\"blob\":\"%s\"}}\n",
                                             rem, b64),
                             DAAS_OK);
        else
            assert_int_equal(daas_buf_printf(&b, "{\"result\":{\"blob\":\"%s\"}}\n", b64), DAAS_OK);
        daas_free(b64);
    }
    return daas_buf_steal(&b, NULL);
}

/* Saves from a fake gateway serving body; returns rc (path checked and freed). */
static int etcd_save(const char *body, const char *sdir, const char *name, const uint8_t *want,
                     size_t wn, daas_err *err)
{
    fake_gw g;
    fake_gw_start(&g, body);
    char *ep = daas_xasprintf("http://127.0.0.1:1, http://127.0.0.1:%d/", g.port);
    daas_store_snapshot_etcd_opts o = {.endpoints = ep};
    char *path = NULL;
    int64_t size = 0;
    int rc = daas_store_snapshot_save_etcd(&o, sdir, name, &path, &size, err);
    fake_gw_stop(&g);
    if (rc == DAAS_OK) {
        uint8_t got[1100];
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t k = fread(got, 1, sizeof got, f);
        fclose(f);
        assert_int_equal(k, wn + 32);
        assert_int_equal(size, (int64_t)(wn + 32));
        assert_memory_equal(got, want, wn);
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    } else {
        assert_null(path);
    }
    daas_free(path);
    daas_free(ep);
    return rc;
}

/* No file at all in sdir but the good snapshot (no temp file left by the failures). */
static void assert_only_one(const char *sdir)
{
    daas_store_snapshot_info *v = NULL;
    size_t n = 0;
    assert_int_equal(daas_store_snapshot_list(sdir, &v, &n, NULL), DAAS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].rev, -1); /* not a bbolt file: "invalid" */
    daas_store_snapshot_list_free(&v, n);
    char *cmd = daas_xasprintf("test $(ls -A '%s' | wc -l) = 1", sdir);
    assert_int_equal(system(cmd), 0);
    daas_free(cmd);
}

static void test_etcd_stream(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    uint8_t data[700];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    char *sdir = daas_xasprintf("%s/etcd", t.dir);
    daas_err err = {0};
    char *good = etcd_body(data, sizeof data, false, false);
    assert_int_equal(etcd_save(good, sdir, "good", data, sizeof data, &err), DAAS_OK);
    char *cut = etcd_body(data, sizeof data, true, false);
    assert_int_equal(etcd_save(cut, sdir, "cut", data, sizeof data, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "bytes missing"));
    daas_err_clear(&err);
    char *bad = etcd_body(data, sizeof data, false, true);
    assert_int_equal(etcd_save(bad, sdir, "bad", data, sizeof data, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "SHA-256 mismatch"));
    daas_err_clear(&err);
    const char *eb = "{\"error\":{\"grpc_code\":14,\"message\":\"etcdserver: no leader\"}}\n";
    assert_int_equal(etcd_save(eb, sdir, "err", data, sizeof data, &err), DAAS_EREMOTE);
    assert_non_null(strstr(err.msg, "no leader"));
    daas_err_clear(&err);
    assert_int_equal(etcd_save("not json\n", sdir, "junk", data, sizeof data, &err), DAAS_EREMOTE);
    assert_only_one(sdir);
    daas_free(good);
    daas_free(cut);
    daas_free(bad);
    daas_free(sdir);
    st_tmp_fini(&t);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_snapshot_while_writing),
        cmocka_unit_test(test_file_snapshot_and_list),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refused_while_open),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_socket),
        cmocka_unit_test(test_etcd_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
