/*
 * state.c: the development chain's SQLite state, and the read half of the devnet API.
 *
 * Owns:   the schema of dir/devnet.db and every statement that touches it.
 * Not:    what the rows mean for execution (exec.c, check.c); genesis (genesis.c).
 * Model:  objects(seq, id, version, digest, owner_kind, owner, isv, type, bcs, json,
 *         storage_rebate, prev_tx, deleted): one row per object id holding its latest version
 *         (a deleted object keeps its row as a tombstone); seq is the creation order and the
 *         list cursor. events(seq, tx_digest, type, sender, package, module, bcs, json,
 *         ts_ms): seq is the event cursor. txs(digest, bytes, result): the executed
 *         transactions with their result (idempotent re-execution). meta(k, v): genesis facts
 *         and the clock offset.
 * Invariants:
 *   - WAL mode with synchronous=FULL: a committed transaction survives a crash;
 *   - rows read back are validated like input (lengths of ids and digests) so a damaged file
 *     gives DAAS_EIO, never a crash;
 *   - callers hold d->mu; the public functions here take it themselves.
 * Spec:   devnet.h; specs/sui.md §5.2 (page sizes, cursors, shapes).
 */
#include "devnet/devnet_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS objects ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id BLOB NOT NULL UNIQUE,"
    " version INTEGER NOT NULL,"
    " digest BLOB NOT NULL,"
    " owner_kind INTEGER NOT NULL,"
    " owner BLOB,"
    " isv INTEGER NOT NULL,"
    " type TEXT NOT NULL,"
    " bcs BLOB NOT NULL,"
    " json TEXT NOT NULL,"
    " storage_rebate INTEGER NOT NULL,"
    " prev_tx TEXT,"
    " deleted INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS objects_owner ON objects(owner, seq);"
    "CREATE INDEX IF NOT EXISTS objects_type ON objects(type, seq);"
    "CREATE TABLE IF NOT EXISTS events ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " tx_digest TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " sender BLOB NOT NULL,"
    " package BLOB NOT NULL,"
    " module TEXT NOT NULL,"
    " bcs BLOB NOT NULL,"
    " json TEXT NOT NULL,"
    " ts_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_tx ON events(tx_digest);"
    "CREATE TABLE IF NOT EXISTS txs (digest TEXT PRIMARY KEY, bytes BLOB NOT NULL,"
    " result TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);";

static int sq_fail(daas_devnet *d, daas_err *err, const char *what)
{
    return daas_fail(err, DAAS_EIO, "devnet: sqlite: %s: %s", what, sqlite3_errmsg(d->db));
}

static int prep(daas_devnet *d, const char *sql, sqlite3_stmt **s, daas_err *err)
{
    if (sqlite3_prepare_v2(d->db, sql, -1, s, NULL) != SQLITE_OK)
        return sq_fail(d, err, "prepare");
    return DAAS_OK;
}

/* Steps a statement that returns no rows, then finalizes it. */
static int step_done(daas_devnet *d, sqlite3_stmt *s, daas_err *err, const char *what)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? DAAS_OK : sq_fail(d, err, what);
    sqlite3_finalize(s);
    return rc;
}

int daas_devnet__db_exec(daas_devnet *d, const char *sql, daas_err *err)
{
    char *msg = NULL;
    int src = sqlite3_exec(d->db, sql, NULL, NULL, &msg);
    if (src == SQLITE_OK)
        return DAAS_OK;
    int rc = daas_fail(err, DAAS_EIO, "devnet: sqlite: %s", msg ? msg : sqlite3_errstr(src));
    sqlite3_free(msg);
    return rc;
}

static int check_wal(daas_devnet *d, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(d, "PRAGMA journal_mode=WAL", &s, err);
    if (rc != DAAS_OK)
        return rc;
    if (sqlite3_step(s) != SQLITE_ROW)
        rc = sq_fail(d, err, "journal_mode");
    else if (strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0)
        rc = daas_fail(err, DAAS_EIO, "devnet: cannot enable WAL mode");
    sqlite3_finalize(s);
    return rc;
}

int daas_devnet__db_open(daas_devnet *d, const char *path, daas_err *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &d->db, flags, NULL) != SQLITE_OK)
        return d->db ? sq_fail(d, err, path)
                     : daas_fail(err, DAAS_EIO, "devnet: cannot open %s", path);
    sqlite3_extended_result_codes(d->db, 1);
    /* Exclusive: a second devnet process on the same directory fails here instead of minting
     * versions behind our back. */
    int rc = daas_devnet__db_exec(d, "PRAGMA locking_mode=EXCLUSIVE", err);
    if (rc == DAAS_OK)
        rc = check_wal(d, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__db_exec(d, "PRAGMA synchronous=FULL", err);
    if (rc == DAAS_OK)
        rc = daas_devnet__db_exec(d, SCHEMA, err);
    return rc;
}

/* ---- meta ---- */

int daas_devnet__meta_get(daas_devnet *d, const char *key, uint8_t *out, size_t n, bool *found,
                          daas_err *err)
{
    sqlite3_stmt *s = NULL;
    *found = false;
    int rc = prep(d, "SELECT v FROM meta WHERE k = ?", &s, err);
    if (rc != DAAS_OK)
        return rc;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(s, 0) != n)
            rc = daas_fail(err, DAAS_EIO, "devnet: meta %s: corrupt", key);
        else {
            memcpy(out, sqlite3_column_blob(s, 0), n);
            *found = true;
        }
    } else if (src != SQLITE_DONE)
        rc = sq_fail(d, err, "meta");
    sqlite3_finalize(s);
    return rc;
}

int daas_devnet__meta_set(daas_devnet *d, const char *key, const void *p, size_t n, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(d, "INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", &s, err);
    if (rc != DAAS_OK)
        return rc;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, p, (int)n, SQLITE_TRANSIENT);
    return step_done(d, s, err, "meta");
}

/* ---- objects ---- */

#define OBJ_COLS "id, version, digest, owner_kind, owner, isv, type, bcs, storage_rebate, deleted"

static bool blob32(sqlite3_stmt *s, int col, uint8_t out[32])
{
    if (sqlite3_column_type(s, col) != SQLITE_BLOB || sqlite3_column_bytes(s, col) != 32)
        return false;
    memcpy(out, sqlite3_column_blob(s, col), 32);
    return true;
}

/* Reads OBJ_COLS starting at column c0 into *o. */
static int read_obj(daas_devnet *d, sqlite3_stmt *s, int c0, dn_obj *o, daas_err *err)
{
    memset(o, 0, sizeof(*o));
    o->version = (uint64_t)sqlite3_column_int64(s, c0 + 1);
    o->owner_kind = sqlite3_column_int(s, c0 + 3);
    o->isv = (uint64_t)sqlite3_column_int64(s, c0 + 5);
    const char *type = (const char *)sqlite3_column_text(s, c0 + 6);
    int blen = sqlite3_column_bytes(s, c0 + 7);
    const void *bcs = sqlite3_column_blob(s, c0 + 7);
    o->storage_rebate = (uint64_t)sqlite3_column_int64(s, c0 + 8);
    o->deleted = sqlite3_column_int(s, c0 + 9) != 0;
    bool owner_ok = o->owner_kind == DAAS_SUI_OWNER_SHARED ||
                    o->owner_kind == DAAS_SUI_OWNER_IMMUTABLE || blob32(s, c0 + 4, o->owner);
    if (!blob32(s, c0, o->id) || !blob32(s, c0 + 2, o->digest) || !owner_ok || type == NULL ||
        blen < 0 || (size_t)blen > DN_OBJ_BCS_MAX)
        return daas_fail(err, DAAS_EIO, "devnet: corrupt object row");
    o->type = daas_xstrdup(type);
    o->kind = daas_devnet__kind_of(d, type);
    o->bcs_len = (size_t)blen;
    o->bcs = daas_xmalloc(o->bcs_len ? o->bcs_len : 1);
    if (blen)
        memcpy(o->bcs, bcs, o->bcs_len);
    return DAAS_OK;
}

int daas_devnet__obj_load(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN], dn_obj *o,
                          daas_err *err)
{
    sqlite3_stmt *s = NULL;
    memset(o, 0, sizeof(*o));
    int rc = prep(d, "SELECT " OBJ_COLS " FROM objects WHERE id = ?", &s, err);
    if (rc != DAAS_OK)
        return rc;
    sqlite3_bind_blob(s, 1, id, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW)
        rc = read_obj(d, s, 0, o, err);
    else if (src == SQLITE_DONE)
        rc = DAAS_ENOTFOUND; /* no message: callers word it */
    else
        rc = sq_fail(d, err, "object");
    sqlite3_finalize(s);
    if (rc != DAAS_OK)
        daas_devnet__obj_fini(o);
    return rc;
}

int daas_devnet__obj_store(daas_devnet *d, const dn_obj *o, const char *prev_tx, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    char *json = NULL;
    json_t *j = o->deleted ? NULL : daas_devnet__render(d, o->kind, o->bcs, o->bcs_len);
    if (j != NULL)
        json = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = prep(d,
                  "INSERT INTO objects (" OBJ_COLS ", json, prev_tx) VALUES "
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(id) DO UPDATE "
                  "SET version = ?2, digest = ?3, owner_kind = ?4, owner = ?5, isv = ?6, "
                  "type = ?7, bcs = ?8, storage_rebate = ?9, deleted = ?10, json = ?11, "
                  "prev_tx = ?12",
                  &s, err);
    if (rc != DAAS_OK)
        goto out;
    sqlite3_bind_blob(s, 1, o->id, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (int64_t)o->version);
    sqlite3_bind_blob(s, 3, o->digest, DAAS_SUI_DIGEST_LEN, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, o->owner_kind);
    if (o->owner_kind == DAAS_SUI_OWNER_ADDRESS || o->owner_kind == DAAS_SUI_OWNER_OBJECT)
        sqlite3_bind_blob(s, 5, o->owner, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, (int64_t)o->isv);
    sqlite3_bind_text(s, 7, o->type, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 8, o->bcs ? (const void *)o->bcs : "", (int)o->bcs_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 9, (int64_t)o->storage_rebate);
    sqlite3_bind_int(s, 10, o->deleted ? 1 : 0);
    sqlite3_bind_text(s, 11, json ? json : "null", -1, SQLITE_STATIC);
    if (prev_tx != NULL)
        sqlite3_bind_text(s, 12, prev_tx, -1, SQLITE_STATIC);
    rc = step_done(d, s, err, "store object");
out:
    free(json); /* jansson's allocator */
    return rc;
}

/* ---- events and transaction records ---- */

int daas_devnet__event_store(daas_devnet *d, const char *tx_digest,
                             const uint8_t sender[DAAS_SUI_ADDRESS_LEN], int64_t ts_ms,
                             const dn_event *ev, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    char *json = json_dumps(ev->json, JSON_COMPACT);
    int rc = prep(d,
                  "INSERT INTO events (tx_digest, type, sender, package, module, bcs, json, ts_ms)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  &s, err);
    if (rc == DAAS_OK) {
        sqlite3_bind_text(s, 1, tx_digest, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, ev->type, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 3, sender, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(s, 4, d->pkg, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, ev->module, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 6, ev->bcs ? (const void *)ev->bcs : "", (int)ev->bcs_len,
                          SQLITE_STATIC);
        sqlite3_bind_text(s, 7, json ? json : "null", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 8, ts_ms);
        rc = step_done(d, s, err, "store event");
    }
    free(json);
    return rc;
}

/* Reads (type, json, sender, ts_ms) at columns c0.. into a new item of *items. */
static int read_event(sqlite3_stmt *s, int c0, daas_sui_event *e, daas_err *err)
{
    const char *type = (const char *)sqlite3_column_text(s, c0);
    const char *json = (const char *)sqlite3_column_text(s, c0 + 1);
    memset(e, 0, sizeof(*e));
    if (type == NULL || json == NULL || !blob32(s, c0 + 2, e->sender))
        return daas_fail(err, DAAS_EIO, "devnet: corrupt event row");
    e->json = json_loads(json, JSON_DECODE_ANY, NULL);
    if (e->json == NULL)
        return daas_fail(err, DAAS_EIO, "devnet: corrupt event json");
    e->type = daas_xstrdup(type);
    e->timestamp_ms = (uint64_t)sqlite3_column_int64(s, c0 + 3);
    return DAAS_OK;
}

static void event_fini(daas_sui_event *e)
{
    daas_free(e->type);
    json_decref(e->json);
    memset(e, 0, sizeof(*e));
}

int daas_devnet__tx_events(daas_devnet *d, const char *tx_digest, daas_sui_event **items, size_t *n,
                           daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc =
        prep(d, "SELECT type, json, sender, ts_ms FROM events WHERE tx_digest = ? ORDER BY seq", &s,
             err);
    if (rc != DAAS_OK)
        return rc;
    sqlite3_bind_text(s, 1, tx_digest, -1, SQLITE_STATIC);
    int src = SQLITE_DONE;
    while (rc == DAAS_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
        *items = daas_xrealloc(*items, (*n + 1) * sizeof(**items));
        rc = read_event(s, 0, &(*items)[*n], err);
        if (rc == DAAS_OK)
            (*n)++;
    }
    if (rc == DAAS_OK && src != SQLITE_DONE)
        rc = sq_fail(d, err, "events");
    sqlite3_finalize(s);
    return rc;
}

int daas_devnet__tx_lookup(daas_devnet *d, const char *digest, char **json, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    *json = NULL;
    int rc = prep(d, "SELECT result FROM txs WHERE digest = ?", &s, err);
    if (rc != DAAS_OK)
        return rc;
    sqlite3_bind_text(s, 1, digest, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
        *json = daas_xstrdup((const char *)sqlite3_column_text(s, 0));
    else if (src != SQLITE_DONE && src != SQLITE_ROW)
        rc = sq_fail(d, err, "txs");
    sqlite3_finalize(s);
    return rc;
}

int daas_devnet__tx_store(daas_devnet *d, const char *digest, daas_bytes bytes,
                          const char *result_json, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(d, "INSERT INTO txs (digest, bytes, result) VALUES (?, ?, ?)", &s, err);
    if (rc != DAAS_OK)
        return rc;
    sqlite3_bind_text(s, 1, digest, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, bytes.len ? (const void *)bytes.ptr : "", (int)bytes.len,
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 3, result_json, -1, SQLITE_STATIC);
    return step_done(d, s, err, "store tx");
}

int daas_devnet__cursor_parse(const char *cursor, int64_t *out, daas_err *err)
{
    *out = 0;
    if (cursor == NULL)
        return DAAS_OK;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(cursor, &end, 10);
    if (cursor[0] < '0' || cursor[0] > '9' || errno != 0 || end == cursor || *end != '\0' || v < 0)
        return daas_fail(err, DAAS_EINVAL, "invalid cursor \"%.40s\"", cursor);
    *out = v;
    return DAAS_OK;
}

static int page_size(int first, daas_err *err)
{
    if (first <= 0)
        return DN_PAGE_DEFAULT;
    if (first > DN_PAGE_MAX)
        return daas_fail(err, DAAS_EINVAL, "Connection's page size of %d exceeds max of %d", first,
                         DN_PAGE_MAX);
    return first;
}

/* ---- the read API ---- */

/* Fills a gql.h object from the stored row and its json text. */
static void to_object(dn_obj *o, const char *json, daas_sui_object *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->ref.id, o->id, DAAS_SUI_ADDRESS_LEN);
    out->ref.version = o->version;
    memcpy(out->ref.digest, o->digest, DAAS_SUI_DIGEST_LEN);
    out->owner_kind = (daas_sui_owner_kind)o->owner_kind;
    memcpy(out->owner, o->owner, DAAS_SUI_ADDRESS_LEN);
    out->initial_shared_version = o->isv;
    out->type = o->type;
    o->type = NULL;
    out->json = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
    out->bcs = o->bcs;
    out->bcs_len = o->bcs_len;
    o->bcs = NULL;
}

int daas_devnet_get_object(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                           daas_sui_object *out, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    dn_obj o;
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&d->mu);
    int rc =
        prep(d, "SELECT " OBJ_COLS ", json FROM objects WHERE id = ? AND deleted = 0", &s, err);
    if (rc != DAAS_OK)
        goto out;
    sqlite3_bind_blob(s, 1, id, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        rc = read_obj(d, s, 0, &o, err);
        if (rc == DAAS_OK)
            to_object(&o, (const char *)sqlite3_column_text(s, 10), out);
        daas_devnet__obj_fini(&o);
    } else if (src == SQLITE_DONE) {
        daas_devnet__hex(id, hex);
        rc = daas_fail(err, DAAS_ENOTFOUND, "Object %s does not exist", hex);
    } else
        rc = sq_fail(d, err, "object");
out:
    sqlite3_finalize(s);
    pthread_mutex_unlock(&d->mu);
    return rc;
}

/* One page of a list query: its statement and filters, how a row becomes an item, and where
 * the page goes (items: limit zeroed items of elem bytes, allocated by the caller). */
typedef struct dn_page {
    const char *sql;      /* ?1 after, ?2 limit + 1, ?3 an owner address, ?4 a text filter */
    const uint8_t *owner; /* ?3 (NULL: unbound) */
    const char *filter;   /* ?4 (NULL: unbound) */
    int (*row)(daas_devnet *d, sqlite3_stmt *s, void *item, daas_err *err); /* columns 1.. */
    void *items;
    size_t elem, *n;
    bool *has_next;
    char **cursor;
} dn_page;

/* The result fields of a daas_sui_page or daas_sui_events o, as dn_page initialisers. */
#define PAGE_OUT(o)                                                                                \
    .items = (o)->items, .elem = sizeof(*(o)->items), .n = &(o)->n, .has_next = &(o)->has_next,    \
    .cursor = &(o)->cursor

/* The page size and the seq a page starts after. */
static int page_open(const char *cursor, int first, int64_t *after, int *limit, daas_err *err)
{
    *after = 0;
    *limit = page_size(first, err);
    if (*limit < 0)
        return *limit;
    return daas_devnet__cursor_parse(cursor, after, err);
}

/* Steps the page's rows (column 0 is the seq, the cursor); one more row than fits: has_next. */
static int page_rows(daas_devnet *d, sqlite3_stmt *s, int limit, const dn_page *q, daas_err *err)
{
    int rc = DAAS_OK, src = SQLITE_DONE;
    int64_t last = 0;
    while (rc == DAAS_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
        if (*q->n == (size_t)limit) {
            *q->has_next = true;
            break;
        }
        rc = q->row(d, s, (char *)q->items + *q->n * q->elem, err);
        if (rc == DAAS_OK) {
            last = sqlite3_column_int64(s, 0);
            (*q->n)++;
        }
    }
    if (rc == DAAS_OK && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = sq_fail(d, err, "list");
    if (rc == DAAS_OK && *q->n > 0)
        *q->cursor = daas_xasprintf("%lld", (long long)last);
    return rc;
}

/* Runs the page's query under d->mu. */
static int page_query(daas_devnet *d, const dn_page *q, int64_t after, int limit, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    pthread_mutex_lock(&d->mu);
    int rc = prep(d, q->sql, &s, err);
    if (rc == DAAS_OK) {
        sqlite3_bind_int64(s, 1, after);
        sqlite3_bind_int(s, 2, limit + 1);
        if (q->owner != NULL)
            sqlite3_bind_blob(s, 3, q->owner, DAAS_SUI_ADDRESS_LEN, SQLITE_STATIC);
        if (q->filter != NULL)
            sqlite3_bind_text(s, 4, q->filter, -1, SQLITE_STATIC);
        rc = page_rows(d, s, limit, q, err);
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&d->mu);
    return rc;
}

/* A page row (seq, OBJ_COLS, json) as a daas_sui_object. */
static int object_row(daas_devnet *d, sqlite3_stmt *s, void *item, daas_err *err)
{
    dn_obj o;
    int rc = read_obj(d, s, 1, &o, err);
    if (rc == DAAS_OK)
        to_object(&o, (const char *)sqlite3_column_text(s, 11), item);
    daas_devnet__obj_fini(&o);
    return rc;
}

int daas_devnet_list_objects(daas_devnet *d, const uint8_t *owner, const char *type,
                             const char *cursor, int first, daas_sui_page *out, daas_err *err)
{
    char *canon = NULL;
    int64_t after;
    int limit;
    memset(out, 0, sizeof(*out));
    int rc = page_open(cursor, first, &after, &limit, err);
    if (rc == DAAS_OK && type != NULL)
        rc = daas_devnet__type_canon(type, &canon, err);
    if (rc == DAAS_OK) {
        out->items = daas_xcalloc((size_t)limit, sizeof(*out->items));
        dn_page q = {.sql = "SELECT seq, " OBJ_COLS ", json FROM objects WHERE deleted = 0 "
                            "AND seq > ?1 AND (?3 IS NULL OR (owner_kind = 1 AND owner = ?3)) "
                            "AND (?4 IS NULL OR type = ?4) ORDER BY seq LIMIT ?2",
                     .owner = owner,
                     .filter = canon,
                     .row = object_row,
                     PAGE_OUT(out)};
        rc = page_query(d, &q, after, limit, err);
    }
    daas_free(canon);
    if (rc != DAAS_OK)
        daas_sui_page_fini(out);
    return rc;
}

/* The value type of a dynamic-field kind. */
static const char *value_type(const daas_devnet *d, dn_kind k)
{
    if (k == DN_K_KS_V2_FIELD)
        return d->t_ksv2;
    return k == DN_K_STAKE_FIELD ? d->t_stake : k == DN_K_NODE_FIELD ? d->t_nodeinfo : NULL;
}

int daas_devnet_dynamic_field(daas_devnet *d, const uint8_t parent[DAAS_SUI_ADDRESS_LEN],
                              const char *name_type, daas_bytes name_bcs, json_t **value_json,
                              char **value_type_out, daas_err *err)
{
    uint8_t fid[DAAS_SUI_ADDRESS_LEN];
    char *canon = NULL;
    dn_obj o;
    *value_json = NULL;
    *value_type_out = NULL;
    memset(&o, 0, sizeof(o));
    int rc = daas_devnet__type_canon(name_type, &canon, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__field_id(parent, canon, name_bcs, fid, err);
    if (rc != DAAS_OK)
        goto done;
    pthread_mutex_lock(&d->mu);
    rc = daas_devnet__obj_load(d, fid, &o, err);
    pthread_mutex_unlock(&d->mu);
    if (rc == DAAS_ENOTFOUND || (rc == DAAS_OK && (o.deleted || value_type(d, o.kind) == NULL ||
                                                   o.owner_kind != DAAS_SUI_OWNER_OBJECT ||
                                                   memcmp(o.owner, parent, 32) != 0))) {
        char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_devnet__hex(parent, hex);
        rc = daas_fail(err, DAAS_ENOTFOUND, "Cannot find dynamic field for parent object %s", hex);
    }
    if (rc != DAAS_OK)
        goto done;
    json_t *j = daas_devnet__render(d, o.kind, o.bcs, o.bcs_len);
    json_t *v = j ? json_object_get(j, "value") : NULL;
    if (v == NULL)
        rc = daas_fail(err, DAAS_EIO, "devnet: corrupt dynamic field");
    else {
        *value_json = json_incref(v);
        *value_type_out = daas_xstrdup(value_type(d, o.kind));
    }
    json_decref(j);
done:
    daas_devnet__obj_fini(&o);
    daas_free(canon);
    return rc;
}

/* Normalises an event type filter: "0xpkg", "0xpkg::module" or a (partial) struct type. */
static int event_filter(const char *f, char **out, daas_err *err)
{
    const char *sep = strstr(f, "::");
    const char *sep2 = sep ? strstr(sep + 2, "::") : NULL;
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    *out = NULL;
    if (sep2 != NULL)
        return daas_devnet__type_canon(f, out, err);
    size_t alen = sep ? (size_t)(sep - f) : strlen(f);
    char *a = daas_xstrndup(f, alen);
    int rc = daas_sui_address_parse(a, addr, NULL);
    daas_free(a);
    if (rc != DAAS_OK || (sep != NULL && (sep[2] == '\0' || strpbrk(sep + 2, ":<> ") != NULL)))
        return daas_fail(err, DAAS_EINVAL, "invalid event type filter \"%.80s\"", f);
    daas_devnet__hex(addr, hex);
    *out = daas_xasprintf("%s%s", hex, sep ? sep : "");
    return DAAS_OK;
}

/* A page row (seq, type, json, sender, ts_ms) as a daas_sui_event. */
static int event_row(daas_devnet *d, sqlite3_stmt *s, void *item, daas_err *err)
{
    (void)d;
    int rc = read_event(s, 1, item, err);
    if (rc != DAAS_OK)
        event_fini(item);
    return rc;
}

int daas_devnet_events(daas_devnet *d, const char *type_prefix, const char *cursor, int first,
                       daas_sui_events *out, daas_err *err)
{
    char *f = NULL;
    int64_t after;
    int limit;
    memset(out, 0, sizeof(*out));
    int rc = page_open(cursor, first, &after, &limit, err);
    if (rc == DAAS_OK && type_prefix != NULL)
        rc = event_filter(type_prefix, &f, err);
    if (rc == DAAS_OK) {
        out->items = daas_xcalloc((size_t)limit, sizeof(*out->items));
        /* A filter names a package, a module, a struct (any type parameters) or a full type. */
        dn_page q = {.sql = "SELECT seq, type, json, sender, ts_ms FROM events WHERE seq > ?1 "
                            "AND (?4 IS NULL OR type = ?4 OR substr(type, 1, length(?4) + 2) = "
                            "?4 || '::' OR substr(type, 1, length(?4) + 1) = ?4 || '<') "
                            "ORDER BY seq LIMIT ?2",
                     .filter = f,
                     .row = event_row,
                     PAGE_OUT(out)};
        rc = page_query(d, &q, after, limit, err);
    }
    daas_free(f);
    if (rc != DAAS_OK)
        daas_sui_events_fini(out);
    return rc;
}
