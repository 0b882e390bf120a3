/*
 * snapshot_int.h: what snapshot.c and snapshot_etcd.c share (not for use outside src/store/).
 */
#ifndef DAAS_STORE_SNAPSHOT_INT_H
#define DAAS_STORE_SNAPSHOT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

/* Picks the final path SNAP_DIR/NAME-<unix seconds>.db and a 0600 temp file beside it (both
 * new strings). Errors: a bad name (DAAS_EINVAL), an existing snapshot (DAAS_EEXIST), I/O. */
DAAS_MUST_USE int daas_store__snap_prepare(const char *snap_dir, const char *name, char **final,
                                           char **tmp, daas_err *err);
/* fsync(tmp), rename to final, fsync the directory. */
DAAS_MUST_USE int daas_store__snap_publish(const char *tmp, const char *final, daas_err *err);

/* The snapshot socket's line protocol (snapshot.h): one line each way, fields split by tabs.
 * Reads one '\n'-terminated line from fd into buf (cap bytes; the line without its '\n',
 * NUL-terminated; bytes after the '\n' are dropped). DAAS_EIO for a closed or failing fd,
 * DAAS_ETOOBIG when no '\n' comes within cap - 1 bytes. */
DAAS_MUST_USE int daas_store__snap_read_line(int fd, char *buf, size_t cap, daas_err *err);
/* Parses a request line "save\t<name>\t<snapshot dir>" in place: *name and *dir point into
 * line (set on DAAS_OK only, else NULL). DAAS_EINVAL for anything else. Not checked here: the
 * name and the directory themselves (daas_store_snapshot_save_live does). */
DAAS_MUST_USE int daas_store__snap_parse_request(char *line, char **name, char **dir,
                                                 daas_err *err);
/* Parses a reply line in place: "ok\t<revision>\t<path>" gives *path_out (owned copy) and
 * *rev_out (may be NULL); "err\t<code>\t<message>" fails with that code when it is a daas
 * code (else DAAS_EIO) and the message. DAAS_EIO for a malformed line. */
DAAS_MUST_USE int daas_store__snap_parse_reply(char *line, char **path_out, int64_t *rev_out,
                                               daas_err *err);

/* Parses one message of etcd's snapshot stream (one JSON line, without its '\n'):
 * {"result":{"blob":"<base64>","remaining_bytes":"N"}} (either field may be missing). The
 * decoded blob goes into blob (reset first; its cap bounds it), remaining_bytes into
 * *remaining (set on DAAS_OK only). DAAS_EREMOTE for etcd's error body or a malformed message
 * (bad JSON, a non-string blob, bad base64, a count that is not a u64 up to INT64_MAX).
 * SPEC: etcd rpc.proto SnapshotResponse. */
DAAS_MUST_USE int daas_store__snap_etcd_message(const char *p, size_t n, daas_buf *blob,
                                                int64_t *remaining, daas_err *err);

#endif
