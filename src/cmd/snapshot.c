/*
 * snapshot.c: `daas etcd-snapshot save|ls|restore` for the embedded SQLite store and for
 * the etcd datastore (k3s's `k3s etcd-snapshot` shape).
 *
 * Owns:   the sub-command's flags, defaults (DIR/db/state.db, DIR/db/snapshots) and output.
 * Not:    the snapshot files themselves (store/snapshot.c); DIR/db/datastore.json, which
 *         `daas server` writes on etcd (cmd/server_store.c) and this file only reads; the
 *         etcd restore (cmd/snapshot_etcd.c: etcdctl into new member data dirs).
 * Invariants: one clear line on stderr and a non-zero exit on any failure; nothing changed
 *             then. A running server holds state.db exclusively: save then asks it through
 *             DIR/db/snapshot.sock (daas_store_snapshot_serve); restore refuses. A data dir
 *             with datastore.json is on etcd: save streams a snapshot from its endpoints,
 *             restore needs --etcd-initial-cluster and --etcd-data-dir (new member data
 *             dirs: the cluster is rebuilt, DIR itself is not touched) and refuses without.
 * Spec:   store/snapshot.h; ISSUE 8.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "cmd/snapshot_int.h"
#include "common/alloc.h"
#include "store/snapshot.h"

#define USAGE                                                                                      \
    "save|ls|restore [options]\n"                                                                  \
    "  save    [--data-dir DIR] [--name NAME] [--dir SNAPDIR]   copy DIR/db/state.db into\n"       \
    "          SNAPDIR (default DIR/db/snapshots) as NAME-<unix seconds>.db (NAME on-demand)\n"    \
    "          --etcd-endpoint URL[,URL] [--etcd-cafile F] [--etcd-certfile F]\n"                  \
    "          [--etcd-keyfile F]: an etcd snapshot through its JSON gateway instead (the\n"       \
    "          default when DIR's server runs on etcd: DIR/db/datastore.json names it)\n"          \
    "  ls      [--data-dir DIR] [--dir SNAPDIR]                 list snapshots\n"                  \
    "  restore [--data-dir DIR] PATH                            replace DIR/db/state.db with\n"    \
    "          the snapshot PATH (the server must be stopped); the old one is kept as\n"           \
    "          state.db.pre-restore-<unix seconds>\n"                                              \
    "  restore PATH --etcd-initial-cluster NAME=PEER_URL[,...] --etcd-data-dir OUTDIR\n"           \
    "          [--etcd-initial-cluster-token TOKEN]: an etcd snapshot into new member data\n"      \
    "          dirs OUTDIR/NAME (etcdctl snapshot restore per member; OUTDIR/NAME must not\n"      \
    "          exist or be empty; TOKEN default daas-restore-<unix seconds>)"

typedef struct snap_opts {
    const char *data_dir;               /* --data-dir (default: as daas server's) */
    const char *name;                   /* --name */
    const char *dir;                    /* --dir */
    const char *path;                   /* restore's PATH */
    daas_store_snapshot_etcd_opts etcd; /* save --etcd-endpoint and its TLS files */
    daas_cmd_snap_etcd_restore restore; /* restore --etcd-initial-cluster & co */
    char *owned_dir;                    /* default data dir, owned */
    json_t *record;                     /* DIR/db/datastore.json (etcd's fields point in) */
} snap_opts;

/* 0 ok, 1 --help, 2 bad usage. argv[0] is the verb. */
static int parse(int argc, char **argv, snap_opts *o)
{
    static const struct option lo[] = {{"data-dir", required_argument, 0, 'd'},
                                       {"name", required_argument, 0, 'n'},
                                       {"dir", required_argument, 0, 's'},
                                       {"etcd-endpoint", required_argument, 0, 'e'},
                                       {"etcd-cafile", required_argument, 0, 'C'},
                                       {"etcd-certfile", required_argument, 0, 'c'},
                                       {"etcd-keyfile", required_argument, 0, 'k'},
                                       {"etcd-initial-cluster", required_argument, 0, 'I'},
                                       {"etcd-initial-cluster-token", required_argument, 0, 'T'},
                                       {"etcd-data-dir", required_argument, 0, 'D'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    /* Where each flag's value goes, by getopt's code. */
    const struct {
        int c;
        const char **dst;
    } slots[] = {{'d', &o->data_dir},      {'n', &o->name},
                 {'s', &o->dir},           {'e', &o->etcd.endpoints},
                 {'C', &o->etcd.ca_file},  {'c', &o->etcd.cert_file},
                 {'k', &o->etcd.key_file}, {'I', &o->restore.initial_cluster},
                 {'T', &o->restore.token}, {'D', &o->restore.out_dir}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        size_t i = 0;
        while (i < sizeof slots / sizeof slots[0] && slots[i].c != c)
            i++;
        if (i == sizeof slots / sizeof slots[0])
            return c == 'h' ? 1 : 2;
        *slots[i].dst = optarg;
    }
    if (optind < argc)
        o->path = argv[optind++];
    return optind < argc ? 2 : 0;
}

/* The server's default: /var/lib/daas as root, else ~/.daas. */
static void default_dir(snap_opts *o)
{
    if (o->data_dir)
        return;
    const char *home = getenv("HOME");
    if (geteuid() == 0 || !home)
        o->owned_dir = daas_xstrdup("/var/lib/daas");
    else
        o->owned_dir = daas_xasprintf("%s/.daas", home);
    o->data_dir = o->owned_dir;
}

static int check_data_dir(const snap_opts *o, daas_err *err)
{
    struct stat sb;
    if (stat(o->data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return daas_fail(err, DAAS_ENOTFOUND, "no data directory %s", o->data_dir);
    return DAAS_OK;
}

/* A running server holds state.db: ask it through its snapshot socket (store/snapshot.h). */
static int save_via_server(const snap_opts *o, const char *name, const char *sdir, char **path,
                           int64_t *rev, daas_err *err)
{
    char *sock = daas_xasprintf("%s/db/%s", o->data_dir, DAAS_STORE_SNAPSHOT_SOCK);
    char *abs = NULL, cwd[4096];
    if (sdir[0] != '/' && getcwd(cwd, sizeof cwd)) /* the server's cwd is not ours */
        abs = daas_xasprintf("%s/%s", cwd, sdir);
    int rc = daas_store_snapshot_request(sock, name, abs ? abs : sdir, path, rev, err);
    daas_free(abs);
    daas_free(sock);
    return rc;
}

/* A string field of the datastore record, or NULL (absent or null). */
static const char *record_str(const json_t *rec, const char *field)
{
    const json_t *v = json_object_get(rec, field);
    return json_is_string(v) && json_string_value(v)[0] ? json_string_value(v) : NULL;
}

/* DIR/db/datastore.json, written by `daas server --datastore-endpoint`: its etcd endpoints and
 * TLS files become o->etcd (unless --etcd-endpoint was given). No file: SQLite, nothing set. */
static int load_record(snap_opts *o, daas_err *err)
{
    char *path = daas_xasprintf("%s/db/datastore.json", o->data_dir);
    int rc = DAAS_OK;
    json_error_t je;
    if (access(path, F_OK) == 0) {
        o->record = json_load_file(path, 0, &je);
        if (!o->record || !record_str(o->record, "endpoints"))
            rc = daas_fail(err, DAAS_EINVALID, "%s: not a datastore record (%s)", path,
                           o->record ? "no endpoints" : je.text);
    }
    if (rc == DAAS_OK && o->record && !o->etcd.endpoints) {
        o->etcd.endpoints = record_str(o->record, "endpoints");
        o->etcd.ca_file = record_str(o->record, "cafile");
        o->etcd.cert_file = record_str(o->record, "certfile");
        o->etcd.key_file = record_str(o->record, "keyfile");
    }
    daas_free(path);
    return rc;
}

static int do_save(const snap_opts *o, const char *db, const char *sdir, daas_err *err)
{
    char *path = NULL;
    int64_t rev = 0;
    daas_err serr = {0};
    const char *name = o->name ? o->name : "on-demand";
    if (o->etcd.endpoints) {
        int rc = daas_store_snapshot_save_etcd(&o->etcd, sdir, name, &path, NULL, err);
        if (rc == DAAS_OK)
            printf("%s\n", path);
        daas_free(path);
        return rc;
    }
    int rc = daas_store_snapshot_save(db, sdir, name, &path, &rev, err);
    if (rc == DAAS_EUNAVAIL) {
        int src = save_via_server(o, name, sdir, &path, &rev, &serr);
        if (src != DAAS_EUNAVAIL) { /* a server answered: its result stands */
            daas_err_clear(err);
            rc = src;
            if (rc != DAAS_OK)
                *err = serr;
        } /* else no socket: keep the first, clearer message */
    }
    if (rc == DAAS_OK)
        printf("%s\n", path);
    daas_free(path);
    return rc;
}

static int do_ls(const char *sdir, daas_err *err)
{
    daas_store_snapshot_info *v = NULL;
    size_t n = 0;
    int rc = daas_store_snapshot_list(sdir, &v, &n, err);
    if (rc != DAAS_OK)
        return rc;
    printf("%-40s %-12s %-22s %s\n", "Name", "Size", "Created", "Revision");
    for (size_t i = 0; i < n; i++) {
        char when[32], rev[24];
        daas_time_rfc3339(v[i].created, when, sizeof when);
        if (v[i].rev == DAAS_STORE_SNAPSHOT_ETCD)
            snprintf(rev, sizeof rev, "etcd");
        else if (v[i].rev < 0)
            snprintf(rev, sizeof rev, "invalid");
        else
            snprintf(rev, sizeof rev, "%lld", (long long)v[i].rev);
        printf("%-40s %-12lld %-22s %s\n", v[i].name, (long long)v[i].size, when, rev);
    }
    daas_store_snapshot_list_free(&v, n);
    return DAAS_OK;
}

static int do_restore(const snap_opts *o, const char *db, daas_err *err)
{
    char *old = NULL;
    int64_t rev = 0;
    if (!o->path)
        return daas_fail(err, DAAS_EINVAL, "restore needs the snapshot PATH");
    if (o->record)
        return daas_fail(err, DAAS_EINVAL,
                         "%s keeps its state in etcd: restore its snapshot into new member data "
                         "dirs with restore PATH --etcd-initial-cluster NAME=PEER_URL,... "
                         "--etcd-data-dir OUTDIR (docs/etcd.md, Backups)",
                         o->data_dir);
    int rc = daas_store_snapshot_verify(o->path, &rev, err);
    if (rc == DAAS_OK)
        rc = daas_store_snapshot_restore(db, o->path, &old, err);
    if (rc == DAAS_OK)
        printf("restored %s (revision %lld)%s%s\n", o->path, (long long)rev,
               old ? "; the previous database is " : "", old ? old : "");
    daas_free(old);
    return rc;
}

static int run(const char *verb, snap_opts *o, daas_err *err)
{
    if (o->restore.initial_cluster) { /* etcd: new member dirs; DIR is not involved */
        o->restore.snapshot = o->path;
        return o->path ? daas_cmd__snap_restore_etcd(&o->restore, err)
                       : daas_fail(err, DAAS_EINVAL, "restore needs the snapshot PATH");
    }
    bool dirless = o->etcd.endpoints && o->dir; /* an etcd snapshot into --dir */
    bool ls = strcmp(verb, "ls") == 0 || strcmp(verb, "list") == 0;
    int rc = dirless ? DAAS_OK : check_data_dir(o, err);
    if (rc == DAAS_OK && !dirless && !ls)
        rc = load_record(o, err);
    if (rc != DAAS_OK)
        return rc;
    char *db = daas_xasprintf("%s/db/state.db", o->data_dir);
    char *sdir = o->dir ? daas_xstrdup(o->dir) : daas_xasprintf("%s/db/snapshots", o->data_dir);
    if (strcmp(verb, "save") == 0)
        rc = do_save(o, db, sdir, err);
    else if (ls)
        rc = do_ls(sdir, err);
    else
        rc = do_restore(o, db, err);
    daas_free(db);
    daas_free(sdir);
    return rc;
}

/* Whether the flags given belong to the verb: --etcd-endpoint & co to save (with the
 * endpoint), --etcd-initial-cluster & co to restore (with the cluster and --etcd-data-dir). */
static bool flags_fit(const char *verb, const snap_opts *o)
{
    const daas_cmd_snap_etcd_restore *r = &o->restore;
    bool save = strcmp(verb, "save") == 0, restore = strcmp(verb, "restore") == 0;
    if (o->path && !restore)
        return false;
    if ((o->etcd.endpoints || o->etcd.ca_file || o->etcd.cert_file || o->etcd.key_file) &&
        (!save || !o->etcd.endpoints))
        return false;
    if ((r->initial_cluster || r->token || r->out_dir) &&
        (!restore || !r->initial_cluster || !r->out_dir || o->name || o->dir))
        return false;
    return true;
}

int daas_cmd_etcd_snapshot(int argc, char **argv)
{
    snap_opts o = {0};
    daas_err err = {0};
    if (argc < 2 || (strcmp(argv[1], "save") != 0 && strcmp(argv[1], "ls") != 0 &&
                     strcmp(argv[1], "list") != 0 && strcmp(argv[1], "restore") != 0))
        return daas_cmd_usage_exit(argc >= 2 && strcmp(argv[1], "--help") == 0 ? 1 : 2,
                                   "etcd-snapshot", USAGE);
    int prc = parse(argc - 1, argv + 1, &o);
    if (prc != 0)
        return daas_cmd_usage_exit(prc, "etcd-snapshot", USAGE);
    if (!flags_fit(argv[1], &o))
        return daas_cmd_usage_exit(2, "etcd-snapshot", USAGE);
    default_dir(&o);
    int rc = run(argv[1], &o, &err);
    daas_free(o.owned_dir);
    json_decref(o.record);
    return daas_cmd_exit("etcd-snapshot", rc, &err);
}
