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

/* Parses one message of etcd's snapshot stream (one JSON line, without its '\n'):
 * {"result":{"blob":"<base64>","remaining_bytes":"N"}} (either field may be missing). The
 * decoded blob goes into blob (reset first; its cap bounds it), remaining_bytes into
 * *remaining (set on DAAS_OK only). DAAS_EREMOTE for etcd's error body or a malformed message
 * (bad JSON, a non-string blob, bad base64, a count that is not a u64 up to INT64_MAX).
 * SPEC: etcd rpc.proto SnapshotResponse. */
DAAS_MUST_USE int daas_store__snap_etcd_message(const char *p, size_t n, daas_buf *blob,
                                                int64_t *remaining, daas_err *err);

#endif
