/*
 * snapshot.h: snapshots of the embedded SQLite store (`daas etcd-snapshot`).
 *
 * Owns:   taking a consistent copy of a store database into a snapshot file, listing
 *         snapshot files, checking that a file is a daas store, restoring one in place.
 * Not:    the store's runtime (store.h); the command line (cmd/snapshot.c); etcd snapshots.
 * Model:  a snapshot is a self-contained SQLite file (rollback journal mode, no -wal beside
 *         it) holding the store's kine and daas_meta tables: the server opens it as it opens
 *         state.db, at the revision it was taken at. Its revision is read back from the file
 *         (MAX(id), or the compacted revision when higher), so nothing can drift.
 * Invariants:
 *   - snapshot files are created 0600 and appear by rename only: a temp file is written,
 *     fsync'ed and renamed, then the directory fsync'ed; a crash leaves no half snapshot;
 *   - Secrets are stored sealed by the API layer, so snapshots hold them sealed too;
 *   - restore changes nothing unless the snapshot verified and no process holds the store.
 * Spec:   ARCHITECTURE.md §4; ISSUE 8 (etcd-snapshot save|restore|ls, like k3s).
 */
#ifndef DAAS_STORE_SNAPSHOT_H
#define DAAS_STORE_SNAPSHOT_H

#include <stdint.h>

#include "common/err.h"
#include "store/store.h"

/* daas_store_snapshot_info.rev of an etcd snapshot (its revision is not read). */
#define DAAS_STORE_SNAPSHOT_ETCD ((int64_t)-2)

/* One snapshot file as `ls` shows it. */
typedef struct daas_store_snapshot_info {
    char *path;      /* owned: full path */
    char *name;      /* owned: file name without directory */
    int64_t size;    /* bytes */
    int64_t created; /* unix seconds (from the name NAME-<secs>.db, else the mtime) */
    int64_t rev;     /* store revision in the snapshot; -1 when the file does not verify,
                        DAAS_STORE_SNAPSHOT_ETCD for an etcd (bbolt) snapshot */
} daas_store_snapshot_info;

/* Copies the store database db_path (normally DIR/db/state.db) into snap_dir as
 * "<name>-<unix seconds>.db" with SQLite's online backup API; *path_out (owned, free with
 * daas_free) gets the file's path, *rev_out (may be NULL) its revision. Fails with
 * DAAS_EUNAVAIL when another process holds the database exclusively (a running daas server
 * does: use daas_store_snapshot_save_live inside it). Errors: DAAS_ENOTFOUND (no db_path),
 * DAAS_EINVAL (bad name), DAAS_EIO. Creates snap_dir (0700) when missing. */
DAAS_MUST_USE int daas_store_snapshot_save(const char *db_path, const char *snap_dir,
                                           const char *name, char **path_out, int64_t *rev_out,
                                           daas_err *err);

/* The same from inside the process that has st open (SQLite backend only): VACUUM INTO on
 * the store's own connection, under its backend lock, so the copy is one committed state
 * while writers keep going (they wait for the copy). Errors: DAAS_ENOTIMPL (not SQLite),
 * DAAS_EINVAL, DAAS_EIO. Thread: any. */
DAAS_MUST_USE int daas_store_snapshot_save_live(daas_store *st, const char *snap_dir,
                                                const char *name, char **path_out, int64_t *rev_out,
                                                daas_err *err);

/* Checks that path is a daas store: a SQLite file passing integrity_check with the kine and
 * daas_meta tables; *rev_out (may be NULL) gets its revision. Errors: DAAS_ENOTFOUND,
 * DAAS_EINVALID (not a daas store / corrupt), DAAS_EUNAVAIL (locked by another process). */
DAAS_MUST_USE int daas_store_snapshot_verify(const char *path, int64_t *rev_out, daas_err *err);

/* Lists the "*.db" snapshot files of snap_dir, oldest first. *out (free with
 * daas_store_snapshot_list_free) may be empty; a missing snap_dir is an empty list. */
DAAS_MUST_USE int daas_store_snapshot_list(const char *snap_dir, daas_store_snapshot_info **out,
                                           size_t *n, daas_err *err);
void daas_store_snapshot_list_free(daas_store_snapshot_info **v, size_t n);

/* Replaces db_path with the snapshot snap_path: verifies it, refuses with DAAS_EUNAVAIL when
 * another process holds db_path (a running server), renames the old database (and any -wal)
 * to "<db_path>.pre-restore-<unix seconds>[-wal]", copies the snapshot beside db_path
 * (0600, fsync) and renames it into place. *old_out (may be NULL; owned) gets where the old
 * database went (NULL when there was none). Errors: as verify, DAAS_EIO. */
DAAS_MUST_USE int daas_store_snapshot_restore(const char *db_path, const char *snap_path,
                                              char **old_out, daas_err *err);

/* ------------------------------------------------------------------------------------------
 * Live snapshots for `daas etcd-snapshot save` while the server runs: the server, which holds
 * state.db exclusively, listens on a Unix socket (DAAS_STORE_SNAPSHOT_SOCK under DIR/db, mode
 * 0600 inside the 0700 data dir: only its owner can ask) and answers one request per
 * connection with daas_store_snapshot_save_live. Protocol, one line each way:
 *   request  "save\t<name>\t<snapshot dir>\n"
 *   reply    "ok\t<revision>\t<path>\n" or "err\t<code>\t<message>\n"
 */
#define DAAS_STORE_SNAPSHOT_SOCK "snapshot.sock"

typedef struct daas_store_snapshot_server daas_store_snapshot_server;

/* Starts the listener thread on sock_path (a stale socket file is replaced: the caller holds
 * the store, so no other server owns it). st must outlive the listener. Errors: DAAS_EINVAL
 * (path too long), DAAS_EIO. */
DAAS_MUST_USE int daas_store_snapshot_serve(daas_store *st, const char *sock_path,
                                            daas_store_snapshot_server **out, daas_err *err);

/* Stops the listener (waits for a request in progress), removes the socket file, frees.
 * Accepts NULL; nulls *s. Call before closing the store. */
void daas_store_snapshot_serve_stop(daas_store_snapshot_server **s);

/* Asks the server listening on sock_path for a snapshot named name in snap_dir; *path_out
 * (owned) and *rev_out (may be NULL) as daas_store_snapshot_save. Errors: DAAS_EUNAVAIL (no
 * server listening), the server's error, DAAS_EIO. Waits at most 60 s. */
DAAS_MUST_USE int daas_store_snapshot_request(const char *sock_path, const char *name,
                                              const char *snap_dir, char **path_out,
                                              int64_t *rev_out, daas_err *err);

/* ------------------------------------------------------------------------------------------
 * etcd: `save --etcd-endpoint`. POST /v3/maintenance/snapshot on the JSON gateway streams
 * {"result":{"blob":"<base64>","remaining_bytes":"N"}} lines; the bytes are etcd's bbolt
 * database followed by its SHA-256 (32 bytes), written as is (as `etcdctl snapshot save`
 * does, so `etcdctl snapshot restore` takes the file).
 */
typedef struct daas_store_snapshot_etcd_opts {
    const char *endpoints; /* "http(s)://h:2379[,...]": tried in order until one answers */
    const char *ca_file;   /* PEM CA for https, or NULL */
    const char *cert_file; /* PEM client certificate, or NULL */
    const char *key_file;  /* PEM client key, or NULL */
} daas_store_snapshot_etcd_opts;

/* Streams an etcd snapshot into snap_dir as "<name>-<unix seconds>.db" (0600, temp file,
 * fsync, rename) after checking that the stream ended (remaining_bytes 0) and that the SHA-256
 * etcd appends matches; *path_out (owned) its path, *size_out (may be NULL) its size.
 * Errors: DAAS_EINVAL (bad endpoint or name), DAAS_EUNAVAIL (no endpoint answered),
 * DAAS_EREMOTE (etcd's error, a cut or corrupt stream), DAAS_EIO. */
DAAS_MUST_USE int daas_store_snapshot_save_etcd(const daas_store_snapshot_etcd_opts *o,
                                                const char *snap_dir, const char *name,
                                                char **path_out, int64_t *size_out, daas_err *err);

/* Checks the etcd snapshot file path as `etcdctl snapshot restore` does before it reads it:
 * its last 32 bytes are the SHA-256 of the bytes before them (what etcd appends; the check
 * save_etcd makes on its stream). *size_out (may be NULL) gets the file's size. Reads only.
 * Errors: DAAS_ENOTFOUND (no such file), DAAS_EINVALID (not a regular file, shorter than 32
 * bytes, or the SHA-256 does not match: not an etcd snapshot or a corrupt one), DAAS_EIO. */
DAAS_MUST_USE int daas_store_snapshot_verify_etcd(const char *path, int64_t *size_out,
                                                  daas_err *err);

#endif
