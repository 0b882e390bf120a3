/*
 * snapshot_int.h: what cmd/snapshot.c and cmd/snapshot_etcd.c share (`daas etcd-snapshot`).
 *
 * Owns:   the declaration of the etcd restore (snapshot_etcd.c) the command line calls.
 * Not:    flags and the SQLite path (snapshot.c); snapshot files (store/snapshot.h).
 */
#ifndef DAAS_CMD_SNAPSHOT_INT_H
#define DAAS_CMD_SNAPSHOT_INT_H

#include "common/err.h"

/* `daas etcd-snapshot restore PATH --etcd-initial-cluster ... --etcd-data-dir OUTDIR`. */
typedef struct daas_cmd_snap_etcd_restore {
    const char *snapshot;        /* PATH: an etcd snapshot file (etcdctl's or daas's save) */
    const char *initial_cluster; /* NAME=PEER_URL[,NAME=PEER_URL...] as etcd's flag */
    const char *token;           /* --etcd-initial-cluster-token, or NULL: a new one */
    const char *out_dir;         /* --etcd-data-dir: OUTDIR/NAME per member */
} daas_cmd_snap_etcd_restore;

/* Restores the etcd snapshot o->snapshot into one new member data dir per member of
 * o->initial_cluster (OUTDIR/NAME), running `etcdctl snapshot restore` once per member (fork
 * and exec through PATH, no shell; ETCDCTL_* dropped from its environment but ETCDCTL_API=3).
 * Checks first, changing nothing when one fails: the cluster list, the snapshot's trailing
 * SHA-256 (daas_store_snapshot_verify_etcd), that no OUTDIR/NAME exists non-empty. Each member
 * is restored into a hidden temp dir inside OUTDIR, renamed to OUTDIR/NAME only when every
 * member succeeded; on any failure the temp dirs go and OUTDIR/NAME are as before (an OUTDIR
 * made here is removed again; its missing parents may stay). Prints one line per member and the
 * next steps on stdout. Errors: DAAS_EINVAL (the cluster list, token), DAAS_ENOTFOUND /
 * DAAS_EINVALID (snapshot), DAAS_EEXIST (a non-empty OUTDIR/NAME), DAAS_EUNAVAIL (no etcdctl),
 * DAAS_EFAILED (etcdctl failed: its last stderr line), DAAS_EIO. Thread: the CLI's only thread
 * (waits for a child). */
DAAS_MUST_USE int daas_cmd__snap_restore_etcd(const daas_cmd_snap_etcd_restore *o, daas_err *err);

#endif
