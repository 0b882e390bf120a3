/*
 * snapshot.c: snapshots of the embedded SQLite store: save, live save, verify, list, restore.
 *
 * Owns:   snapshot files (their names, modes and atomic creation) and the restore swap.
 * Not:    the store's runtime (store.c, sqlite.c); argument parsing (cmd/snapshot.c).
 * Model:  save = sqlite3_backup_* from the database file in one step (one read transaction:
 *         one committed state); save_live = VACUUM INTO on the running store's connection
 *         (its locking_mode=EXCLUSIVE keeps other processes out). Either way the copy is made
 *         into a 0600 temp file, switched to rollback-journal mode (self-contained), fsync'ed
 *         and renamed into place.
 *         The live path is also served on a Unix socket for the CLI (daas_store_snapshot_serve).
 *         etcd snapshots: snapshot_etcd.c.
 * Invariants:
 *   - no half-written snapshot is ever visible under its final name;
 *   - restore checks the snapshot and the lock BEFORE it renames anything.
 * Spec:   snapshot.h; ISSUE 8.
 */
#include "store/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "store/snapshot_int.h"
#include "store/store_int.h"

static int sq_fail(sqlite3 *db, int code, daas_err *err, const char *what, const char *path)
{
    return daas_fail(err, code, "%s %s: %s", what, path, db ? sqlite3_errmsg(db) : "no memory");
}

static bool sq_busy(sqlite3 *db)
{
    int e = sqlite3_errcode(db);
    return e == SQLITE_BUSY || e == SQLITE_LOCKED;
}

/* Names are what k3s allows in --name: letters, digits, '.', '_', '-', not starting with '.'. */
static int check_name(const char *name, daas_err *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100 || name[0] == '.')
        return daas_fail(err, DAAS_EINVAL, "bad snapshot name \"%s\"", name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return daas_fail(err, DAAS_EINVAL, "bad snapshot name \"%s\"", name);
    }
    return DAAS_OK;
}

/* Creates an empty 0600 temp file in dir (O_EXCL); *out owned. */
static int make_tmp(const char *dir, const char *base, char **out, daas_err *err)
{
    char rnd[9];
    uint8_t r[4];
    daas_random(r, sizeof r);
    daas_hex_encode(r, sizeof r, rnd);
    char *p = daas_xasprintf("%s/.%s.tmp-%s", dir, base, rnd);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int rc = daas_fail(err, daas_from_errno(errno), "cannot create %s: %s", p, strerror(errno));
        daas_free(p);
        return rc;
    }
    close(fd);
    *out = p;
    return DAAS_OK;
}

static int fsync_path(const char *path, int flags, daas_err *err)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, DAAS_EIO, "cannot open %s: %s", path, strerror(errno));
    int rc =
        fsync(fd) == 0 ? DAAS_OK : daas_fail(err, DAAS_EIO, "fsync %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* Directory part of path ("." when none); owned. */
static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return daas_xstrdup(".");
    return s == path ? daas_xstrdup("/") : daas_xstrndup(path, (size_t)(s - path));
}

int daas_store__snap_publish(const char *tmp, const char *final, daas_err *err)
{
    int rc = fsync_path(tmp, O_RDONLY, err);
    if (rc == DAAS_OK && rename(tmp, final) != 0)
        rc = daas_fail(err, DAAS_EIO, "rename %s: %s", final, strerror(errno));
    if (rc == DAAS_OK) {
        char *d = dir_of(final);
        rc = fsync_path(d, O_RDONLY | O_DIRECTORY, err);
        daas_free(d);
    }
    return rc;
}

static int64_t query_int(sqlite3 *db, const char *sql, bool *ok)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    *ok = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK;
    if (*ok) {
        int src = sqlite3_step(s);
        if (src == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        *ok = src == SQLITE_ROW || src == SQLITE_DONE;
    }
    sqlite3_finalize(s);
    return v;
}

/* The store revision a database holds: as the SQLite backend's load computes it. */
static int read_rev(sqlite3 *db, const char *path, int64_t *rev, daas_err *err)
{
    bool ok1, ok2;
    int64_t max = query_int(db, "SELECT COALESCE(MAX(id), 0) FROM kine", &ok1);
    int64_t comp =
        query_int(db, "SELECT COALESCE(MAX(v), 0) FROM daas_meta WHERE k = 'compact_rev'", &ok2);
    if (!ok1 || !ok2)
        return sq_fail(db, DAAS_EINVALID, err, "cannot read the revision of", path);
    *rev = comp > max ? comp : max;
    return DAAS_OK;
}

/* Makes the copy at tmp self-contained (rollback journal) and reads its revision. */
static int seal_copy(const char *tmp, int64_t *rev, daas_err *err)
{
    sqlite3 *db = NULL;
    int rc = DAAS_OK;
    if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        rc = sq_fail(db, DAAS_EIO, err, "cannot finish snapshot", tmp);
    if (rc == DAAS_OK)
        rc = read_rev(db, tmp, rev, err);
    sqlite3_close(db);
    return rc;
}

int daas_store__snap_prepare(const char *snap_dir, const char *name, char **final, char **tmp,
                             daas_err *err)
{
    int rc = check_name(name, err);
    if (rc == DAAS_OK)
        rc = daas_mkdir_p(snap_dir, err);
    if (rc != DAAS_OK)
        return rc;
    *final = daas_xasprintf("%s/%s-%lld.db", snap_dir, name, (long long)(daas_now_ms() / 1000));
    if (access(*final, F_OK) == 0) {
        rc = daas_fail(err, DAAS_EEXIST, "snapshot %s already exists", *final);
        daas_free(*final);
        *final = NULL;
        return rc;
    }
    char *base = strrchr(*final, '/') + 1;
    rc = make_tmp(snap_dir, base, tmp, err);
    if (rc != DAAS_OK) {
        daas_free(*final);
        *final = NULL;
    }
    return rc;
}

/* After the copy into tmp (rc): seal, publish, hand out the path; removes tmp on failure. */
static int finish_save(int rc, char *tmp, char *final, char **path_out, int64_t *rev_out,
                       daas_err *err)
{
    int64_t rev = 0;
    if (rc == DAAS_OK)
        rc = seal_copy(tmp, &rev, err);
    if (rc == DAAS_OK)
        rc = daas_store__snap_publish(tmp, final, err);
    if (rc != DAAS_OK) {
        unlink(tmp);
        char *j = daas_xasprintf("%s-journal", tmp);
        unlink(j);
        daas_free(j);
        daas_free(final);
        final = NULL;
    }
    daas_free(tmp);
    if (rc == DAAS_OK && rev_out)
        *rev_out = rev;
    *path_out = final;
    return rc;
}

static int backup_into(const char *db_path, const char *tmp, daas_err *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = DAAS_OK;
    if (sqlite3_open_v2(db_path, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        rc = sq_fail(src, DAAS_EIO, err, "cannot open", db_path);
    else if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        rc = sq_fail(dst, DAAS_EIO, err, "cannot open", tmp);
    sqlite3_backup *b = rc == DAAS_OK ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
    if (rc == DAAS_OK && !b)
        rc = sq_fail(dst, DAAS_EIO, err, "backup of", db_path);
    if (b) {
        /* -1: every page in one step, i.e. in ONE read transaction of the source. */
        int src_rc = sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
        if (src_rc == SQLITE_BUSY || src_rc == SQLITE_LOCKED)
            rc = daas_fail(err, DAAS_EUNAVAIL,
                           "%s is locked by a running daas server (snapshot it from inside "
                           "the server, or stop it first)",
                           db_path);
        else if (src_rc != SQLITE_DONE)
            rc = daas_fail(err, DAAS_EIO, "backup of %s: %s", db_path, sqlite3_errstr(src_rc));
    }
    sqlite3_close(dst);
    sqlite3_close(src);
    return rc;
}

int daas_store_snapshot_save(const char *db_path, const char *snap_dir, const char *name,
                             char **path_out, int64_t *rev_out, daas_err *err)
{
    struct stat sb;
    char *final = NULL, *tmp = NULL;
    *path_out = NULL;
    if (stat(db_path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return daas_fail(err, DAAS_ENOTFOUND, "no store database at %s", db_path);
    int rc = daas_store__snap_prepare(snap_dir, name, &final, &tmp, err);
    if (rc != DAAS_OK)
        return rc;
    rc = backup_into(db_path, tmp, err);
    return finish_save(rc, tmp, final, path_out, rev_out, err);
}

int daas_store_snapshot_save_live(daas_store *st, const char *snap_dir, const char *name,
                                  char **path_out, int64_t *rev_out, daas_err *err)
{
    char *final = NULL, *tmp = NULL;
    *path_out = NULL;
    if (st->ops != &daas_store__sqlite_ops)
        return daas_fail(err, DAAS_ENOTIMPL, "live snapshots need the SQLite store, not %s",
                         st->ops->name);
    int rc = daas_store__snap_prepare(snap_dir, name, &final, &tmp, err);
    if (rc != DAAS_OK)
        return rc;
    /* VACUUM INTO reads in one transaction under the backend mutex: the writer's commits
     * (which take the same mutex) wait, so the copy is exactly one committed state. */
    char *sql = sqlite3_mprintf("VACUUM INTO %Q", tmp);
    rc = sql ? daas_store__sqlite_exec(st->be, sql, err)
             : daas_fail(err, DAAS_EIO, "snapshot: out of memory");
    sqlite3_free(sql);
    return finish_save(rc, tmp, final, path_out, rev_out, err);
}

/* The checks of verify on an open database. */
static int verify_db(sqlite3 *db, const char *path, int64_t *rev, daas_err *err)
{
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(s);
    bool ok = src == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
    sqlite3_finalize(s);
    if (!ok)
        return sq_busy(db) ? daas_fail(err, DAAS_EUNAVAIL, "%s is locked by another process", path)
                           : sq_fail(db, DAAS_EINVALID, err, "not a valid database:", path);
    static const char *const probes[] = {
        "SELECT id, name, created, deleted, create_revision, prev_revision, value FROM kine"
        " LIMIT 0",
        "SELECT k, v FROM daas_meta LIMIT 0"};
    for (size_t i = 0; i < 2; i++) {
        src = sqlite3_prepare_v2(db, probes[i], -1, &s, NULL);
        sqlite3_finalize(s);
        if (src != SQLITE_OK)
            return daas_fail(err, DAAS_EINVALID, "%s is not a daas store (%s)", path,
                             sqlite3_errmsg(db));
    }
    return read_rev(db, path, rev, err);
}

int daas_store_snapshot_verify(const char *path, int64_t *rev_out, daas_err *err)
{
    struct stat sb;
    sqlite3 *db = NULL;
    int64_t rev = 0;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return daas_fail(err, DAAS_ENOTFOUND, "no snapshot file at %s", path);
    int rc = DAAS_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        rc = sq_fail(db, DAAS_EINVALID, err, "cannot open", path);
    if (rc == DAAS_OK)
        rc = verify_db(db, path, &rev, err);
    sqlite3_close(db);
    if (rc == DAAS_OK && rev_out)
        *rev_out = rev;
    return rc;
}

/* Unix seconds from "NAME-<secs>.db", else -1. */
static int64_t created_from_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 4 || strcmp(name + n - 3, ".db") != 0)
        return -1;
    const char *dash = NULL;
    for (const char *p = name; p < name + n - 3; p++)
        if (*p == '-')
            dash = p;
    if (!dash || dash + 1 == name + n - 3)
        return -1;
    int64_t v = 0;
    for (const char *p = dash + 1; p < name + n - 3; p++) {
        if (*p < '0' || *p > '9' || v > INT64_MAX / 10 - 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* An etcd snapshot is a bbolt file: its first meta page has the magic 0xED0CDAED at 16. */
static bool is_bbolt(const char *path)
{
    unsigned char b[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = pread(fd, b, sizeof b, 0) == (ssize_t)sizeof b && b[16] == 0xED && b[17] == 0xDA &&
              b[18] == 0x0C && b[19] == 0xED;
    close(fd);
    return ok;
}

static bool is_snapshot_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 3 && strcmp(name + n - 3, ".db") == 0;
}

static int info_cmp(const void *a, const void *b)
{
    const daas_store_snapshot_info *x = a, *y = b;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void fill_info(daas_store_snapshot_info *in, const char *dir, const char *name,
                      const struct stat *sb)
{
    in->path = daas_xasprintf("%s/%s", dir, name);
    in->name = daas_xstrdup(name);
    in->size = (int64_t)sb->st_size;
    in->created = created_from_name(name);
    if (in->created < 0)
        in->created = (int64_t)sb->st_mtime;
    if (daas_store_snapshot_verify(in->path, &in->rev, NULL) != DAAS_OK)
        in->rev = is_bbolt(in->path) ? DAAS_STORE_SNAPSHOT_ETCD : -1;
}

int daas_store_snapshot_list(const char *snap_dir, daas_store_snapshot_info **out, size_t *n,
                             daas_err *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(snap_dir);
    if (!d)
        return errno == ENOENT
                   ? DAAS_OK
                   : daas_fail(err, DAAS_EIO, "cannot read %s: %s", snap_dir, strerror(errno));
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat sb;
        if (!is_snapshot_name(de->d_name))
            continue;
        char *p = daas_xasprintf("%s/%s", snap_dir, de->d_name);
        bool reg = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
        daas_free(p);
        if (!reg)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = daas_xrealloc(*out, cap * sizeof **out);
        }
        fill_info(&(*out)[(*n)++], snap_dir, de->d_name, &sb);
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, info_cmp);
    return DAAS_OK;
}

void daas_store_snapshot_list_free(daas_store_snapshot_info **v, size_t n)
{
    if (!v || !*v)
        return;
    for (size_t i = 0; i < n; i++) {
        daas_free((*v)[i].path);
        daas_free((*v)[i].name);
    }
    daas_free(*v);
    *v = NULL;
}

/* Copies src into the new file dst (O_EXCL, 0600) and fsyncs it. */
static int copy_file(const char *src, const char *dst, daas_err *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return daas_fail(err, DAAS_EIO, "cannot open %s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc =
        out < 0 ? daas_fail(err, DAAS_EIO, "cannot create %s: %s", dst, strerror(errno)) : DAAS_OK;
    char buf[65536];
    while (rc == DAAS_OK) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0)
                rc = daas_fail(err, DAAS_EIO, "read %s: %s", src, strerror(errno));
            break;
        }
        int e = daas_write_all(out, buf, (size_t)r);
        if (e != 0)
            rc = daas_fail(err, DAAS_EIO, "write %s: %s", dst, strerror(e));
    }
    if (rc == DAAS_OK && fsync(out) != 0)
        rc = daas_fail(err, DAAS_EIO, "fsync %s: %s", dst, strerror(errno));
    if (out >= 0)
        close(out);
    close(in);
    if (rc != DAAS_OK && out >= 0)
        unlink(dst);
    return rc;
}

/* Opens the current database and takes its exclusive lock, so that no server holds it (nor
 * can start on it while we swap). *db NULL when there is no database. The WAL is
 * checkpointed into the file and truncated: the old database is complete on its own. */
static int lock_current(const char *db_path, sqlite3 **db, daas_err *err)
{
    *db = NULL;
    if (access(db_path, F_OK) != 0)
        return DAAS_OK;
    int rc = DAAS_OK;
    if (sqlite3_open_v2(db_path, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        rc = sq_fail(*db, DAAS_EIO, err, "cannot open", db_path);
    else if (sqlite3_exec(*db,
                          "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;"
                          " PRAGMA wal_checkpoint(TRUNCATE)",
                          NULL, NULL, NULL) != SQLITE_OK)
        rc = sq_busy(*db)
                 ? daas_fail(err, DAAS_EUNAVAIL,
                             "%s is in use by a running daas server: stop it before restoring",
                             db_path)
                 : sq_fail(*db, DAAS_EIO, err, "cannot lock", db_path);
    if (rc != DAAS_OK) {
        sqlite3_close(*db);
        *db = NULL;
    }
    return rc;
}

/* Moves the locked database (and its -wal, -shm) aside; *old_out owned. */
static int move_aside(const char *db_path, sqlite3 *db, char **old_out, daas_err *err)
{
    char *old = daas_xasprintf("%s.pre-restore-%lld", db_path, (long long)(daas_now_ms() / 1000));
    int rc = DAAS_OK;
    if (access(old, F_OK) == 0)
        rc = daas_fail(err, DAAS_EEXIST, "%s already exists; retry in a second", old);
    else if (rename(db_path, old) != 0)
        rc = daas_fail(err, DAAS_EIO, "rename %s: %s", db_path, strerror(errno));
    if (rc == DAAS_OK) {
        char *w = daas_xasprintf("%s-wal", db_path), *ow = daas_xasprintf("%s-wal", old);
        char *s = daas_xasprintf("%s-shm", db_path);
        (void)rename(w, ow); /* truncated by lock_current; none is fine */
        sqlite3_close(db);   /* after the renames: it can only touch the moved files */
        unlink(s);
        daas_free(w);
        daas_free(ow);
        daas_free(s);
        *old_out = old;
        return DAAS_OK;
    }
    sqlite3_close(db);
    daas_free(old);
    return rc;
}

int daas_store_snapshot_restore(const char *db_path, const char *snap_path, char **old_out,
                                daas_err *err)
{
    sqlite3 *db = NULL;
    char *old = NULL, *dir = dir_of(db_path), *stage = NULL;
    struct stat sb;
    int rc = DAAS_OK;
    if (old_out)
        *old_out = NULL;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        rc = daas_fail(err, DAAS_ENOTFOUND, "no store directory %s", dir);
    if (rc == DAAS_OK)
        rc = daas_store_snapshot_verify(snap_path, NULL, err);
    if (rc == DAAS_OK) {
        stage = daas_xasprintf("%s.restore-tmp", db_path);
        unlink(stage); /* a leftover of an interrupted restore */
        rc = copy_file(snap_path, stage, err);
    }
    if (rc == DAAS_OK)
        rc = lock_current(db_path, &db, err);
    if (rc == DAAS_OK && db)
        rc = move_aside(db_path, db, &old, err);
    if (rc == DAAS_OK && rename(stage, db_path) != 0)
        rc = daas_fail(err, DAAS_EIO, "rename %s: %s", db_path, strerror(errno));
    if (rc == DAAS_OK)
        rc = fsync_path(dir, O_RDONLY | O_DIRECTORY, err);
    if (rc != DAAS_OK && stage)
        unlink(stage);
    daas_free(stage);
    daas_free(dir);
    if (old_out)
        *old_out = old;
    else
        daas_free(old);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * The snapshot socket.
 */
enum { LINE_MAX_ = 4096 };

struct daas_store_snapshot_server {
    daas_store *st; /* borrowed; outlives the server */
    int lfd;        /* listening socket */
    int stop[2];    /* pipe: a byte on stop[1] ends the thread */
    pthread_t th;
    char *path; /* owned: the socket file */
};

static void set_timeouts(int fd, int sec)
{
    struct timeval tv = {.tv_sec = sec};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int daas_store__snap_read_line(int fd, char *buf, size_t cap, daas_err *err)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return daas_fail(err, DAAS_EIO, "snapshot socket: %s",
                             r == 0 ? "connection closed" : strerror(errno));
        char *nl = memchr(buf + n, '\n', (size_t)r);
        n += (size_t)r;
        if (nl) {
            *nl = '\0';
            return DAAS_OK;
        }
    }
    return daas_fail(err, DAAS_ETOOBIG, "snapshot socket: line too long");
}

/* Splits s at the first tab: returns the rest (NULL when there is no tab). */
static char *cut_tab(char *s)
{
    char *t = strchr(s, '\t');
    if (!t)
        return NULL;
    *t = '\0';
    return t + 1;
}

int daas_store__snap_parse_request(char *line, char **name, char **dir, daas_err *err)
{
    char *n = cut_tab(line);
    char *d = n ? cut_tab(n) : NULL;
    *name = *dir = NULL;
    if (strcmp(line, "save") != 0 || !d || strchr(d, '\t'))
        return daas_fail(err, DAAS_EINVAL, "snapshot socket: bad request");
    *name = n;
    *dir = d;
    return DAAS_OK;
}

/* Serves one connection: one request line, one reply line. */
static void serve_one(daas_store_snapshot_server *s, int c)
{
    char line[LINE_MAX_];
    daas_err err = {0};
    char *path = NULL, *reply;
    int64_t rev = 0;
    set_timeouts(c, 5);
    char *name = NULL, *dir = NULL;
    int rc = daas_store__snap_read_line(c, line, sizeof line, &err);
    if (rc == DAAS_OK)
        rc = daas_store__snap_parse_request(line, &name, &dir, &err);
    if (rc == DAAS_OK)
        rc = daas_store_snapshot_save_live(s->st, dir, name, &path, &rev, &err);
    if (rc == DAAS_OK) {
        reply = daas_xasprintf("ok\t%lld\t%s\n", (long long)rev, path);
    } else {
        for (char *p = err.msg; *p; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
        reply = daas_xasprintf("err\t%d\t%s\n", rc, err.msg);
    }
    (void)daas_write_all(c, reply, strlen(reply)); /* a vanished client is its problem */
    daas_free(reply);
    daas_free(path);
}

static void *serve_main(void *arg)
{
    daas_store_snapshot_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN},
                              {.fd = s->stop[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        serve_one(s, c);
        close(c);
    }
    return NULL;
}

static int unix_addr(const char *path, struct sockaddr_un *a, daas_err *err)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path)
        return daas_fail(err, DAAS_EINVAL, "socket path too long: %s", path);
    memcpy(a->sun_path, path, strlen(path) + 1);
    return DAAS_OK;
}

/* Binds and listens on path (0600); *fd the socket. */
static int listen_unix(const char *path, int *fd, daas_err *err)
{
    struct sockaddr_un a;
    struct stat sb;
    int rc = unix_addr(path, &a, err);
    if (rc != DAAS_OK)
        return rc;
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
        unlink(path); /* stale: the caller holds the store */
    *fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof a) != 0 || chmod(path, 0600) != 0 ||
        listen(*fd, 8) != 0) {
        rc = daas_fail(err, DAAS_EIO, "snapshot socket %s: %s", path, strerror(errno));
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
    }
    return rc;
}

int daas_store_snapshot_serve(daas_store *st, const char *sock_path,
                              daas_store_snapshot_server **out, daas_err *err)
{
    daas_store_snapshot_server *s = daas_xcalloc(1, sizeof *s);
    s->st = st;
    s->stop[0] = s->stop[1] = -1;
    *out = NULL;
    int rc = listen_unix(sock_path, &s->lfd, err);
    if (rc == DAAS_OK && pipe2(s->stop, O_CLOEXEC) != 0)
        rc = daas_fail(err, DAAS_EIO, "pipe: %s", strerror(errno));
    if (rc == DAAS_OK && pthread_create(&s->th, NULL, serve_main, s) != 0)
        rc = daas_fail(err, DAAS_EIO, "snapshot socket: cannot start its thread");
    if (rc != DAAS_OK) {
        if (s->lfd >= 0) {
            close(s->lfd);
            unlink(sock_path);
        }
        if (s->stop[0] >= 0) {
            close(s->stop[0]);
            close(s->stop[1]);
        }
        daas_free(s);
        return rc;
    }
    s->path = daas_xstrdup(sock_path);
    *out = s;
    return DAAS_OK;
}

void daas_store_snapshot_serve_stop(daas_store_snapshot_server **sp)
{
    daas_store_snapshot_server *s = sp ? *sp : NULL;
    if (!s)
        return;
    (void)daas_write_all(s->stop[1], "x", 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
    unlink(s->path);
    daas_free(s->path);
    daas_free(s);
    *sp = NULL;
}

int daas_store__snap_parse_reply(char *line, char **path_out, int64_t *rev_out, daas_err *err)
{
    char *a = cut_tab(line), *b = a ? cut_tab(a) : NULL;
    if (!b)
        return daas_fail(err, DAAS_EIO, "snapshot socket: bad reply");
    char *end = NULL;
    long long v = strtoll(a, &end, 10);
    if (end == a || *end)
        return daas_fail(err, DAAS_EIO, "snapshot socket: bad reply");
    if (strcmp(line, "ok") != 0) {
        int code = v < 0 && v >= DAAS_EFAILED ? (int)v : DAAS_EIO;
        return daas_fail(err, code, "%s", b);
    }
    *path_out = daas_xstrdup(b);
    if (rev_out)
        *rev_out = v;
    return DAAS_OK;
}

int daas_store_snapshot_request(const char *sock_path, const char *name, const char *snap_dir,
                                char **path_out, int64_t *rev_out, daas_err *err)
{
    struct sockaddr_un a;
    char line[LINE_MAX_];
    *path_out = NULL;
    int rc = unix_addr(sock_path, &a, err);
    if (rc != DAAS_OK)
        return rc;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        rc = daas_fail(err, DAAS_EUNAVAIL, "no daas server answers on %s: %s", sock_path,
                       strerror(errno));
        goto out;
    }
    set_timeouts(fd, 60);
    char *req = daas_xasprintf("save\t%s\t%s\n", name, snap_dir);
    int e = strchr(name, '\t') || strchr(snap_dir, '\t') || strchr(snap_dir, '\n')
                ? EINVAL
                : daas_write_all(fd, req, strlen(req));
    daas_free(req);
    if (e != 0)
        rc = daas_fail(err, e == EINVAL ? DAAS_EINVAL : DAAS_EIO, "snapshot request: %s",
                       strerror(e));
    if (rc == DAAS_OK)
        rc = daas_store__snap_read_line(fd, line, sizeof line, err);
    if (rc == DAAS_OK)
        rc = daas_store__snap_parse_reply(line, path_out, rev_out, err);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}
