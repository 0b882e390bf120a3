/*
 * test_durability.c: the store's durability promises: an acknowledged write survives a
 * SIGKILL of the process; a failed commit (injected through the backend ops seam, or a real
 * SQLite error) fails every op of its batch with DAAS_EIO and leaves nothing visible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/log.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store_testutil.h"

/* ---- SIGKILL ---------------------------------------------------------------------------- */

enum { KILL_THREADS = 4, KILL_MAX = 200000, KILL_AFTER = 600 };

typedef struct child_arg {
    daas_store *st;
    int id;
    int fd;
} child_arg;

static void child_value(char *buf, size_t n, uint32_t i)
{
    /* ~1 KiB, content derived from i so a torn or mixed-up value is detected */
    int off = snprintf(buf, n, "value-%u-", i);
    for (size_t k = (size_t)off; k + 1 < n; k++)
        buf[k] = (char)('a' + (i + k) % 26);
    buf[n - 1] = '\0';
}

static void *child_writer(void *p)
{
    child_arg *a = p;
    char key[64], val[1024];
    for (uint32_t i = (uint32_t)a->id; i < KILL_MAX; i += KILL_THREADS) {
        snprintf(key, sizeof key, "/dur/%06u", i);
        child_value(val, sizeof val, i);
        if (daas_store_create(a->st, key, DAAS_BYTES_STR(val), NULL, NULL) != DAAS_OK)
            _exit(2);
        /* acknowledged: report it (4 bytes < PIPE_BUF: atomic) */
        if (write(a->fd, &i, sizeof i) != (ssize_t)sizeof i)
            _exit(3);
    }
    return NULL;
}

static void child_main(const char *db, int fd)
{
    daas_store *st = NULL;
    daas_store_opts o = st_quiet_opts();
    if (daas_store_open_sqlite(db, &o, &st, NULL) != DAAS_OK)
        _exit(1);
    static child_arg args[KILL_THREADS];
    pthread_t th[KILL_THREADS];
    for (int i = 0; i < KILL_THREADS; i++) {
        args[i] = (child_arg){st, i, fd};
        if (pthread_create(&th[i], NULL, child_writer, &args[i]) != 0)
            _exit(4);
    }
    for (int i = 0; i < KILL_THREADS; i++)
        pthread_join(th[i], NULL);
    _exit(5); /* never reached in practice: the parent kills us first */
}

static void test_sigkill_durability(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_main(t.db, fds[1]);
    }
    close(fds[1]);
    static uint8_t acked[KILL_MAX];
    memset(acked, 0, sizeof acked);
    size_t nacked = 0;
    bool killed = false;
    uint32_t i;
    ssize_t r;
    /* read acks; kill mid-load; then drain what was acknowledged before the kill */
    while ((r = read(fds[0], &i, sizeof i)) == (ssize_t)sizeof i) {
        assert_true(i < KILL_MAX);
        acked[i] = 1;
        if (++nacked == KILL_AFTER && !killed) {
            assert_int_equal(kill(pid, SIGKILL), 0);
            killed = true;
        }
    }
    assert_int_equal(r, 0);
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(nacked >= KILL_AFTER);

    daas_store *st = NULL;
    daas_store_opts o = st_quiet_opts();
    assert_int_equal(daas_store_open_sqlite(t.db, &o, &st, NULL), DAAS_OK);
    char key[64], val[1024];
    for (uint32_t k = 0; k < KILL_MAX; k++) {
        if (!acked[k])
            continue;
        daas_kv kv;
        snprintf(key, sizeof key, "/dur/%06u", k);
        child_value(val, sizeof val, k);
        assert_int_equal(daas_store_get(st, key, &kv, NULL), DAAS_OK);
        assert_string_equal(kv.val->data, val);
        daas_kv_fini(&kv);
    }
    /* possibly a few more committed but unacknowledged writes; never fewer */
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_true(s.keys >= nacked);
    assert_int_equal(daas_store_revision(st), (int64_t)s.keys);
    print_message("  %zu acknowledged writes before SIGKILL, %zu keys after restart\n", nacked,
                  s.keys);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* ---- injected commit failure (backend ops seam) ---------------------------------------- */

enum { FAIL_OPS = 10 };

static atomic_int fail_commits;   /* when set, commits fail */
static atomic_int failed_ops;     /* rows in failed commits */
static atomic_int max_failed;     /* largest failed batch */
static atomic_int waited;         /* the first failing commit waited for the rest */
static daas_store *wrapped_store; /* to peek at the queue */

static size_t queued_ops(daas_store *st)
{
    size_t n = 0;
    pthread_mutex_lock(&st->qmu);
    for (daas_store__op *op = st->qhead; op; op = op->next)
        n++;
    pthread_mutex_unlock(&st->qmu);
    return n;
}

static int wrap_commit(void *be, const daas_store__row *rows, size_t n, daas_err *err)
{
    if (!atomic_load(&fail_commits))
        return daas_store__sqlite_ops.commit(be, rows, n, err);
    /* The first failing commit waits until every other op is queued, so that the next
     * batch holds all of them: a multi-op batch must fail as a whole. */
    if (!atomic_exchange(&waited, 1))
        while ((size_t)atomic_load(&failed_ops) + n + queued_ops(wrapped_store) < FAIL_OPS) {
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    atomic_fetch_add(&failed_ops, (int)n);
    if ((int)n > atomic_load(&max_failed))
        atomic_store(&max_failed, (int)n);
    return daas_fail(err, DAAS_EIO, "injected commit failure");
}

static daas_store_backend_ops failing_ops;

typedef struct fop_arg {
    daas_store *st;
    int kind; /* 0 create, 1 update, 2 delete */
    int idx;
    int rc;
    int errcode;
} fop_arg;

static void *fop_thread(void *p)
{
    fop_arg *a = p;
    daas_err err = {0};
    char key[32];
    snprintf(key, sizeof key, "/f/new%d", a->idx);
    if (a->kind == 0)
        a->rc = daas_store_create(a->st, key, DAAS_BYTES_STR("x"), NULL, &err);
    else if (a->kind == 1)
        a->rc = daas_store_update(a->st, "/f/keep", DAAS_BYTES_STR("changed"), 0, NULL, &err);
    else
        a->rc = daas_store_delete(a->st, "/f/gone", 0, NULL, NULL, &err);
    a->errcode = err.code;
    return NULL;
}

static void assert_untouched(daas_store *st, int64_t rev)
{
    daas_kv kv;
    assert_int_equal(daas_store_revision(st), rev);
    assert_int_equal(daas_store_get(st, "/f/keep", &kv, NULL), DAAS_OK);
    assert_string_equal(kv.val->data, "orig");
    assert_int_equal(kv.mod_rev, 1);
    daas_kv_fini(&kv);
    assert_int_equal(daas_store_get(st, "/f/gone", &kv, NULL), DAAS_OK);
    daas_kv_fini(&kv);
    for (int i = 0; i < FAIL_OPS - 2; i++) {
        char key[32];
        snprintf(key, sizeof key, "/f/new%d", i);
        assert_int_equal(daas_store_get(st, key, &kv, NULL), DAAS_ENOTFOUND);
    }
}

static void test_injected_commit_failure(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    failing_ops = daas_store__sqlite_ops;
    failing_ops.commit = wrap_commit;
    atomic_store(&fail_commits, 0);
    atomic_store(&failed_ops, 0);
    atomic_store(&max_failed, 0);
    atomic_store(&waited, 0);
    daas_store_opts o = st_quiet_opts();
    daas_store *st = NULL;
    assert_int_equal(daas_store__open(&failing_ops, t.db, &o, &st, NULL), DAAS_OK);
    wrapped_store = st;
    assert_int_equal(daas_store_create(st, "/f/keep", DAAS_BYTES_STR("orig"), NULL, NULL), 0);
    assert_int_equal(daas_store_create(st, "/f/gone", DAAS_BYTES_STR("g"), NULL, NULL), 0);
    daas_store_watcher *w = NULL;
    assert_int_equal(daas_store_watch(st, "/f/", 0, NULL, NULL, &w, NULL), DAAS_OK);

    atomic_store(&fail_commits, 1);
    static fop_arg args[FAIL_OPS];
    pthread_t th[FAIL_OPS];
    for (int i = 0; i < FAIL_OPS; i++) {
        args[i] = (fop_arg){st, i < FAIL_OPS - 2 ? 0 : i - (FAIL_OPS - 3), i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, fop_thread, &args[i]), 0);
    }
    for (int i = 0; i < FAIL_OPS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, DAAS_EIO);
        assert_int_equal(args[i].errcode, DAAS_EIO);
    }
    assert_int_equal(atomic_load(&failed_ops), FAIL_OPS);
    assert_true(atomic_load(&max_failed) >= FAIL_OPS / 2); /* a real multi-op batch failed */
    assert_untouched(st, 2);
    daas_store_event ev[4];
    size_t n = 9;
    assert_int_equal(daas_store_watch_next(w, ev, 4, &n, NULL), DAAS_OK);
    assert_int_equal(n, 0); /* no event of the failed batches */
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_true(s.failed >= 1);
    assert_int_equal(s.writes, 2);

    /* the disk recovers: the next write gets the next revision (none was consumed) */
    atomic_store(&fail_commits, 0);
    int64_t rev = 0;
    assert_int_equal(daas_store_create(st, "/f/after", DAAS_BYTES_STR("a"), &rev, NULL), 0);
    assert_int_equal(rev, 3);
    assert_int_equal(daas_store_watch_next(w, ev, 4, &n, NULL), DAAS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].kv.mod_rev, 3);
    daas_store_event_fini(&ev[0]);
    daas_store_watch_cancel(&w);
    daas_store_close(&st);

    /* nothing of the failed batches reached the disk either */
    assert_int_equal(daas_store_open_sqlite(t.db, &o, &st, NULL), DAAS_OK);
    assert_untouched(st, 3);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

/* ---- a real SQLite error -------------------------------------------------------------- */

static atomic_int gate_armed; /* the next commit waits for gate_n queued ops first */
static size_t gate_n;

static int gate_commit(void *be, const daas_store__row *rows, size_t n, daas_err *err)
{
    if (atomic_exchange(&gate_armed, 0))
        while (queued_ops(wrapped_store) < gate_n) {
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    return daas_store__sqlite_ops.commit(be, rows, n, err);
}

static void *sentinel_thread(void *p)
{
    int64_t rev = 0;
    if (daas_store_create(p, "/f/sentinel", DAAS_BYTES_STR("s"), &rev, NULL) != DAAS_OK)
        return (void *)1;
    return rev == 3 ? NULL : (void *)2;
}

/* SQLite itself fails in the middle of a batch: rows already inserted are rolled back. */
static void test_sqlite_error_rolls_back(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store_opts o = st_quiet_opts();
    daas_store *st = NULL;
    failing_ops = daas_store__sqlite_ops;
    failing_ops.commit = gate_commit;
    assert_int_equal(daas_store__open(&failing_ops, t.db, &o, &st, NULL), DAAS_OK);
    wrapped_store = st;
    assert_int_equal(daas_store_create(st, "/f/keep", DAAS_BYTES_STR("orig"), NULL, NULL), 0);
    assert_int_equal(daas_store_create(st, "/f/gone", DAAS_BYTES_STR("g"), NULL, NULL), 0);
    /* The batch after the sentinel (rev 3) holds all FAIL_OPS ops, revisions 4..; the
     * third INSERT of its transaction (id 6) aborts. */
    assert_int_equal(daas_store__sqlite_exec(st->be,
                                             "CREATE TEMP TRIGGER t_fail BEFORE INSERT ON kine"
                                             " WHEN NEW.id = 6 BEGIN"
                                             " SELECT RAISE(ABORT, 'injected'); END",
                                             NULL),
                     DAAS_OK);
    gate_n = FAIL_OPS;
    atomic_store(&gate_armed, 1);
    pthread_t sent, th[FAIL_OPS];
    assert_int_equal(pthread_create(&sent, NULL, sentinel_thread, st), 0);
    while (atomic_load(&gate_armed)) { /* the sentinel's commit is now holding the writer */
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    static fop_arg args[FAIL_OPS];
    for (int i = 0; i < FAIL_OPS; i++) {
        args[i] = (fop_arg){st, i < FAIL_OPS - 2 ? 0 : i - (FAIL_OPS - 3), i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, fop_thread, &args[i]), 0);
    }
    void *sr = (void *)9;
    pthread_join(sent, &sr);
    assert_null(sr);
    for (int i = 0; i < FAIL_OPS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, DAAS_EIO);
    }
    assert_untouched(st, 3);
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_int_equal(s.failed, 1);

    /* a refused BEGIN fails the same way */
    assert_int_equal(daas_store__sqlite_exec(st->be, "PRAGMA query_only=1", NULL), DAAS_OK);
    assert_int_equal(daas_store_create(st, "/f/new0", DAAS_BYTES_STR("x"), NULL, NULL), DAAS_EIO);
    assert_int_equal(daas_store__sqlite_exec(st->be, "PRAGMA query_only=0", NULL), DAAS_OK);
    assert_int_equal(daas_store__sqlite_exec(st->be, "DROP TRIGGER t_fail", NULL), DAAS_OK);
    assert_int_equal(daas_store__sqlite_exec(st->be, "SELEC nonsense", NULL), DAAS_EIO);
    assert_untouched(st, 3);
    int64_t rev = 0;
    assert_int_equal(daas_store_update(st, "/f/keep", DAAS_BYTES_STR("y"), 1, &rev, NULL), 0);
    assert_int_equal(rev, 4);
    daas_store_close(&st);
    assert_int_equal(daas_store_open_sqlite(t.db, &o, &st, NULL), DAAS_OK);
    assert_int_equal(daas_store_revision(st), 4);
    daas_kv kv;
    assert_int_equal(daas_store_get(st, "/f/new0", &kv, NULL), DAAS_ENOTFOUND);
    assert_int_equal(daas_store_get(st, "/f/gone", &kv, NULL), DAAS_OK);
    daas_kv_fini(&kv);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_durability),
        cmocka_unit_test(test_injected_commit_failure),
        cmocka_unit_test(test_sqlite_error_rolls_back),
    };
    daas_log_set_level(DAAS_LOG_ERROR + 1); /* the failures below log errors on purpose */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
