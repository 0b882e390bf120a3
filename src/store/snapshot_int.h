/*
 * snapshot_int.h: what snapshot.c and snapshot_etcd.c share (not for use outside src/store/).
 */
#ifndef DAAS_STORE_SNAPSHOT_INT_H
#define DAAS_STORE_SNAPSHOT_INT_H

#include "common/err.h"

/* Picks the final path SNAP_DIR/NAME-<unix seconds>.db and a 0600 temp file beside it (both
 * new strings). Errors: a bad name (DAAS_EINVAL), an existing snapshot (DAAS_EEXIST), I/O. */
DAAS_MUST_USE int daas_store__snap_prepare(const char *snap_dir, const char *name, char **final,
                                           char **tmp, daas_err *err);
/* fsync(tmp), rename to final, fsync the directory. */
DAAS_MUST_USE int daas_store__snap_publish(const char *tmp, const char *final, daas_err *err);

#endif
