/*
 * sqlite.c: the embedded SQLite backend of the store (the default).
 *
 * Owns:   the database handle, its prepared statements, the backend mutex.
 * Not:    preconditions, revisions, caching, watch fan-out (store.c, writer.c, watch.c).
 * Model:  kine's append-only table: every create, update and delete INSERTs one row whose id
 *         is the global revision; the latest row of a name is its current value unless it is
 *         a tombstone. The compacted revision lives in daas_meta. Unlike kine, rows are never
 *         read back by queries at runtime (the store serves reads from memory), so the only
 *         index is the primary key: an insert costs one B-tree update.
 * Invariants:
 *   - revisions are minted by the store's single writer; nothing else inserts;
 *   - every commit is one transaction (BEGIN IMMEDIATE .. COMMIT) in WAL mode with
 *     synchronous=FULL: when commit returns DAAS_OK the rows survive a crash or power loss;
 *     on any error the transaction is rolled back (all or nothing);
 *   - locking_mode=EXCLUSIVE: a second process cannot open the same database and mint
 *     revisions behind our back;
 *   - all use of the connection holds be->mu (the connection is opened without SQLite's own
 *     mutexes).
 * Spec:   specs/kube-api.md §9.2 (kine schema and compaction query).
 */
#include "store/store_int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

typedef struct sq_be {
    sqlite3 *db;
    pthread_mutex_t mu;     /* guards db and every statement */
    sqlite3_stmt *begin;    /* BEGIN IMMEDIATE */
    sqlite3_stmt *commit;   /* COMMIT */
    sqlite3_stmt *ins;      /* INSERT INTO kine ... */
    sqlite3_stmt *del_prev; /* compaction: superseded rows */
    sqlite3_stmt *del_tomb; /* compaction: tombstones */
    sqlite3_stmt *meta_set; /* compaction: record the compacted revision */
} sq_be;

static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS kine ("
    " id INTEGER PRIMARY KEY,"      /* = revision */
    " name TEXT NOT NULL,"          /* the key */
    " created INTEGER NOT NULL,"    /* 1: this row creates the key */
    " deleted INTEGER NOT NULL,"    /* 1: tombstone */
    " create_revision INTEGER NOT NULL,"
    " prev_revision INTEGER NOT NULL," /* id of the key's previous row, 0 if none */
    " value BLOB,"
    " old_value BLOB);"             /* unused (kine's prev value); prev_revision suffices */
    "CREATE TABLE IF NOT EXISTS daas_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);";

static int sq_fail(sq_be *be, int code, daas_err *err, const char *what)
{
    return daas_fail(err, code, "sqlite: %s: %s", what, sqlite3_errmsg(be->db));
}

static int sq_exec(sq_be *be, const char *sql, daas_err *err)
{
    char *msg = NULL;
    int src = sqlite3_exec(be->db, sql, NULL, NULL, &msg);
    if (src == SQLITE_OK)
        return DAAS_OK;
    int rc = daas_fail(err, DAAS_EIO, "sqlite: %s", msg ? msg : sqlite3_errstr(src));
    sqlite3_free(msg);
    return rc;
}

/* Runs a statement that returns no rows (or whose rows are ignored) and resets it. */
static int sq_step_done(sq_be *be, sqlite3_stmt *s, daas_err *err, const char *what)
{
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW)
        ;
    int rc = src == SQLITE_DONE ? DAAS_OK : sq_fail(be, DAAS_EIO, err, what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

static int sq_prepare(sq_be *be, const char *sql, sqlite3_stmt **s, daas_err *err)
{
    if (sqlite3_prepare_v3(be->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) != SQLITE_OK)
        return sq_fail(be, DAAS_EIO, err, "prepare");
    return DAAS_OK;
}

static int sq_prepare_all(sq_be *be, daas_err *err)
{
    int rc = sq_prepare(be, "BEGIN IMMEDIATE", &be->begin, err);
    if (rc == DAAS_OK)
        rc = sq_prepare(be, "COMMIT", &be->commit, err);
    if (rc == DAAS_OK)
        rc = sq_prepare(be,
                        "INSERT INTO kine (id, name, created, deleted, create_revision,"
                        " prev_revision, value) VALUES (?,?,?,?,?,?,?)",
                        &be->ins, err);
    if (rc == DAAS_OK)
        rc = sq_prepare(be,
                        "DELETE FROM kine WHERE id IN (SELECT prev_revision FROM kine"
                        " WHERE prev_revision != 0 AND id > ?1 AND id <= ?2)",
                        &be->del_prev, err);
    if (rc == DAAS_OK)
        rc = sq_prepare(be, "DELETE FROM kine WHERE deleted != 0 AND id > ?1 AND id <= ?2",
                        &be->del_tomb, err);
    if (rc == DAAS_OK)
        rc = sq_prepare(be, "INSERT OR REPLACE INTO daas_meta (k, v) VALUES ('compact_rev', ?)",
                        &be->meta_set, err);
    return rc;
}

/* Verifies that the database really is in WAL mode (some file systems refuse it). */
static int sq_check_wal(sq_be *be, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sq_prepare(be, "PRAGMA journal_mode=WAL", &s, err);
    if (rc != DAAS_OK)
        return rc;
    if (sqlite3_step(s) != SQLITE_ROW)
        rc = sq_fail(be, DAAS_EIO, err, "journal_mode");
    else if (strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0)
        rc = daas_fail(err, DAAS_EIO, "sqlite: cannot enable WAL mode (journal_mode=%s)",
                       (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return rc;
}

static void sq_close(void *p)
{
    sq_be *be = p;
    if (!be)
        return;
    sqlite3_finalize(be->begin);
    sqlite3_finalize(be->commit);
    sqlite3_finalize(be->ins);
    sqlite3_finalize(be->del_prev);
    sqlite3_finalize(be->del_tomb);
    sqlite3_finalize(be->meta_set);
    sqlite3_close(be->db);
    pthread_mutex_destroy(&be->mu);
    daas_free(be);
}

static int sq_open(const char *path, void **out, daas_err *err)
{
    int rc;
    sq_be *be = daas_xcalloc(1, sizeof *be);
    pthread_mutex_init(&be->mu, NULL);
    *out = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &be->db, flags, NULL) != SQLITE_OK) {
        rc = be->db ? sq_fail(be, DAAS_EIO, err, path)
                    : daas_fail(err, DAAS_EIO, "sqlite: cannot open %s", path);
        goto out;
    }
    sqlite3_extended_result_codes(be->db, 1);
    /* Exclusive locking first, so WAL keeps its index in heap memory (no -shm file) and the
     * lock is taken by the first statement below: a second server fails here. */
    rc = sq_exec(be, "PRAGMA locking_mode=EXCLUSIVE", err);
    if (rc == DAAS_OK)
        rc = sq_check_wal(be, err);
    if (rc == DAAS_OK)
        rc = sq_exec(be, "PRAGMA synchronous=FULL; PRAGMA journal_size_limit=67108864", err);
    if (rc == DAAS_OK)
        rc = sq_exec(be, SCHEMA, err);
    if (rc == DAAS_OK)
        rc = sq_prepare_all(be, err);
out:
    if (rc != DAAS_OK) {
        sq_close(be);
        return rc;
    }
    *out = be;
    return DAAS_OK;
}

static int64_t sq_query_int(sq_be *be, const char *sql, int *rc, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    *rc = sq_prepare(be, sql, &s, err);
    if (*rc != DAAS_OK)
        return 0;
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    else if (src != SQLITE_DONE)
        *rc = sq_fail(be, DAAS_EIO, err, "query");
    sqlite3_finalize(s);
    return v;
}

/* Reads one row of the load query into r (pointers into the statement's current row). */
static int sq_read_row(sqlite3_stmt *s, daas_store__row *r, daas_err *err)
{
    memset(r, 0, sizeof *r);
    r->rev = sqlite3_column_int64(s, 0);
    r->key = (const char *)sqlite3_column_text(s, 1);
    r->klen = (size_t)sqlite3_column_bytes(s, 1);
    r->created = sqlite3_column_int(s, 2) != 0;
    r->deleted = sqlite3_column_int(s, 3) != 0;
    r->create_rev = sqlite3_column_int64(s, 4);
    r->prev_rev = sqlite3_column_int64(s, 5);
    const void *v = sqlite3_column_blob(s, 6);
    r->val = DAAS_BYTES(v ? v : "", v ? (size_t)sqlite3_column_bytes(s, 6) : 0);
    /* Disk data is validated like input: a corrupt row must not crash the server. */
    if (!r->key || r->klen == 0 || r->klen >= DAAS_STORE__KEY_MAX || r->rev <= 0 ||
        memchr(r->key, '\0', r->klen))
        return daas_fail(err, DAAS_EIO, "sqlite: corrupt row %lld", (long long)r->rev);
    return DAAS_OK;
}

static int sq_load_rows(sq_be *be, daas_store__load_fn fn, void *arg, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sq_prepare(be,
                        "SELECT id, name, created, deleted, create_revision, prev_revision,"
                        " value FROM kine ORDER BY id",
                        &s, err);
    int src = SQLITE_DONE;
    while (rc == DAAS_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
        daas_store__row r;
        rc = sq_read_row(s, &r, err);
        if (rc == DAAS_OK)
            rc = fn(arg, &r, err);
    }
    if (rc == DAAS_OK && src != SQLITE_DONE)
        rc = sq_fail(be, DAAS_EIO, err, "load");
    sqlite3_finalize(s);
    return rc;
}

static int sq_load(void *p, daas_store__load_fn fn, void *arg, int64_t *rev, int64_t *compacted,
                   daas_err *err)
{
    sq_be *be = p;
    int rc;
    pthread_mutex_lock(&be->mu);
    rc = sq_load_rows(be, fn, arg, err);
    if (rc == DAAS_OK)
        *rev = sq_query_int(be, "SELECT COALESCE(MAX(id), 0) FROM kine", &rc, err);
    if (rc == DAAS_OK)
        *compacted = sq_query_int(
            be, "SELECT COALESCE(MAX(v), 0) FROM daas_meta WHERE k = 'compact_rev'", &rc, err);
    pthread_mutex_unlock(&be->mu);
    /* Compaction may have removed the newest tombstones: never mint a revision twice. */
    if (rc == DAAS_OK && *compacted > *rev)
        *rev = *compacted;
    return rc;
}

static int sq_insert(sq_be *be, const daas_store__row *r, daas_err *err)
{
    sqlite3_stmt *s = be->ins;
    sqlite3_bind_int64(s, 1, r->rev);
    sqlite3_bind_text(s, 2, r->key, (int)r->klen, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, r->created ? 1 : 0);
    sqlite3_bind_int(s, 4, r->deleted ? 1 : 0);
    sqlite3_bind_int64(s, 5, r->create_rev);
    sqlite3_bind_int64(s, 6, r->prev_rev);
    if (r->deleted)
        sqlite3_bind_null(s, 7);
    else
        sqlite3_bind_blob64(s, 7, r->val.len ? (const void *)r->val.ptr : "", r->val.len,
                            SQLITE_STATIC);
    return sq_step_done(be, s, err, "insert");
}

/* Rolls back the open transaction, if SQLite has not already done so. */
static void sq_rollback(sq_be *be)
{
    if (!sqlite3_get_autocommit(be->db))
        (void)sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Takes the lock and begins a transaction; sq_txn_end must follow whatever this returns. */
static int sq_txn_begin(sq_be *be, daas_err *err)
{
    pthread_mutex_lock(&be->mu);
    return sq_step_done(be, be->begin, err, "begin");
}

/* Commits when rc is DAAS_OK (else, or when the commit fails, rolls back), releases the lock
 * and returns the first error. */
static int sq_txn_end(sq_be *be, int rc, daas_err *err)
{
    if (rc == DAAS_OK)
        rc = sq_step_done(be, be->commit, err, "commit");
    if (rc != DAAS_OK)
        sq_rollback(be);
    pthread_mutex_unlock(&be->mu);
    return rc;
}

static int sq_commit(void *p, const daas_store__row *rows, size_t n, daas_err *err)
{
    sq_be *be = p;
    int rc = sq_txn_begin(be, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = sq_insert(be, &rows[i], err);
    return sq_txn_end(be, rc, err);
}

/* One compaction step over revisions (lo, hi], in its own transaction, so the writer can
 * commit between steps. SPEC: specs/kube-api.md §9.2 (kine's compaction query). */
static int sq_compact_step(sq_be *be, int64_t lo, int64_t hi, daas_err *err)
{
    int rc = sq_txn_begin(be, err);
    sqlite3_stmt *dels[2] = {be->del_prev, be->del_tomb};
    for (size_t i = 0; rc == DAAS_OK && i < 2; i++) {
        sqlite3_bind_int64(dels[i], 1, lo);
        sqlite3_bind_int64(dels[i], 2, hi);
        rc = sq_step_done(be, dels[i], err, "compact");
    }
    if (rc == DAAS_OK) {
        sqlite3_bind_int64(be->meta_set, 1, hi);
        rc = sq_step_done(be, be->meta_set, err, "compact meta");
    }
    return sq_txn_end(be, rc, err);
}

static int sq_compact(void *p, int64_t from, int64_t to, daas_err *err)
{
    int rc = DAAS_OK;
    for (int64_t lo = from; rc == DAAS_OK && lo < to; lo += DAAS_STORE__COMPACT_STEP) {
        int64_t hi = lo + DAAS_STORE__COMPACT_STEP < to ? lo + DAAS_STORE__COMPACT_STEP : to;
        rc = sq_compact_step(p, lo, hi, err);
    }
    return rc;
}

int daas_store__sqlite_exec(void *p, const char *sql, daas_err *err)
{
    sq_be *be = p;
    pthread_mutex_lock(&be->mu);
    int rc = sq_exec(be, sql, err);
    pthread_mutex_unlock(&be->mu);
    return rc;
}

const daas_store_backend_ops daas_store__sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .load = sq_load,
    .commit = sq_commit,
    .compact = sq_compact,
};
