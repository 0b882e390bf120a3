/*
 * server_store.c: `daas server`'s datastore: the embedded SQLite store in DATA/db (the
 *                 default) or an etcd v3 cluster (--datastore-endpoint, k3s's flag names).
 *
 * Owns:   the --datastore-* flags and their DAAS_DATASTORE_* environment defaults, their
 *         checks, opening the store, the SQLite snapshot socket (DATA/db/snapshot.sock) and
 *         the etcd datastore record DATA/db/datastore.json.
 * Not:    the store engines (store/); snapshots themselves (store/snapshot.h, cmd/snapshot.c,
 *         which reads datastore.json).
 * Model:  datastore.json (0600) tells `daas etcd-snapshot` which etcd cluster a data dir's
 *         server uses: {"endpoints":"URL[,URL]","cafile":PATH|null,"certfile":PATH|null,
 *         "keyfile":PATH|null}, paths absolute. It exists exactly while the data dir's
 *         server was last started on etcd: a SQLite start removes it.
 * Invariants: every check fails with one line naming the flag and the value; nothing is
 *             opened or written before the checks passed.
 * Spec:   docs/etcd.md; docs/operating.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd/server_int.h"
#include "common/log.h"
#include "common/util.h"
#include "store/etcd.h"
#include "store/snapshot.h"
#include "store/store.h"

bool server_store_flag(server_store_opts *o, int c, const char *arg)
{
    switch (c) {
    case SERVER_OPT_DATASTORE_ENDPOINT:
        o->endpoint = arg;
        return true;
    case SERVER_OPT_DATASTORE_CAFILE:
        o->cafile = arg;
        return true;
    case SERVER_OPT_DATASTORE_CERTFILE:
        o->certfile = arg;
        return true;
    case SERVER_OPT_DATASTORE_KEYFILE:
        o->keyfile = arg;
        return true;
    case SERVER_OPT_TOKEN:
        o->token = arg;
        return true;
    default:
        return false;
    }
}

/* An unset flag takes its environment variable (k3s reads K3S_DATASTORE_*; ours are DAAS_). */
static void env_default(const char **v, const char *name)
{
    const char *e = getenv(name);
    if (*v == NULL && e != NULL && e[0] != '\0')
        *v = e;
}

static bool etcd_wanted(const server_store_opts *o)
{
    return o->endpoint != NULL && o->endpoint[0] != '\0';
}

/* The endpoints parse as etcd's client parses them (a throwaway client: it does not connect). */
static int check_endpoints(const server_store_opts *o, daas_err *err)
{
    daas_store_etcd_opts eo = {.endpoints = o->endpoint};
    daas_store_etcd *c = NULL;
    daas_err e = {0};
    int rc = daas_store_etcd_new(&eo, &c, &e);
    daas_store_etcd_free(&c);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL,
                         "--datastore-endpoint \"%.100s\": only etcd is supported, as "
                         "http://HOST:PORT or https://HOST:PORT (comma-separated)",
                         o->endpoint);
    return DAAS_OK;
}

static int check_file(const char *flag, const char *path, daas_err *err)
{
    if (path == NULL)
        return DAAS_OK;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return daas_fail(err, DAAS_EINVAL, "--datastore-%s \"%.100s\": %s", flag, path,
                         strerror(errno));
    fclose(f);
    return DAAS_OK;
}

int server_store_check(server_store_opts *o, daas_err *err)
{
    env_default(&o->endpoint, "DAAS_DATASTORE_ENDPOINT");
    env_default(&o->cafile, "DAAS_DATASTORE_CAFILE");
    env_default(&o->certfile, "DAAS_DATASTORE_CERTFILE");
    env_default(&o->keyfile, "DAAS_DATASTORE_KEYFILE");
    if (etcd_wanted(o)) /* the variable may be set for agents or tools; only etcd reads it */
        env_default(&o->token, "DAAS_TOKEN");
    if (!etcd_wanted(o) && o->token)
        return daas_fail(err, DAAS_EINVAL,
                         "--token joins servers sharing an etcd datastore: it needs "
                         "--datastore-endpoint");
    if (o->token && (strlen(o->token) < 16 || strlen(o->token) > 256))
        return daas_fail(err, DAAS_EINVAL, "--token must be 16 to 256 characters");
    if (!etcd_wanted(o) && (o->cafile || o->certfile || o->keyfile))
        return daas_fail(err, DAAS_EINVAL,
                         "--datastore-cafile, --datastore-certfile and --datastore-keyfile "
                         "need --datastore-endpoint");
    if (!etcd_wanted(o))
        return DAAS_OK;
    if ((o->certfile == NULL) != (o->keyfile == NULL))
        return daas_fail(err, DAAS_EINVAL,
                         "--datastore-certfile and --datastore-keyfile go together");
    int rc = check_endpoints(o, err);
    if (rc == DAAS_OK)
        rc = check_file("cafile", o->cafile, err);
    if (rc == DAAS_OK)
        rc = check_file("certfile", o->certfile, err);
    if (rc == DAAS_OK)
        rc = check_file("keyfile", o->keyfile, err);
    return rc;
}

/* path made absolute (the snapshot command runs from another directory), or JSON null. */
static json_t *abs_path(const char *path)
{
    if (path == NULL)
        return json_null();
    char *r = realpath(path, NULL); /* libc's allocation: free() */
    json_t *j = json_string(r != NULL ? r : path);
    free(r);
    return j;
}

/* DATA/db/datastore.json for `daas etcd-snapshot save` (see the Model above). */
static int write_record(const server_store_opts *o, const char *path, daas_err *err)
{
    json_t *j =
        json_pack("{s:s, s:o, s:o, s:o}", "endpoints", o->endpoint, "cafile", abs_path(o->cafile),
                  "certfile", abs_path(o->certfile), "keyfile", abs_path(o->keyfile));
    char *text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (text == NULL)
        return daas_fail(err, DAAS_EINTERNAL, "cannot render %s", path);
    int rc = daas_write_file_atomic(path, text, strlen(text), 0600, err);
    free(text); /* jansson's allocation */
    return rc;
}

static int open_etcd(const server_store_opts *o, const char *db_dir, daas_store **st, daas_err *err)
{
    daas_store_etcd_opts eo = {.endpoints = o->endpoint,
                               .ca_file = o->cafile,
                               .cert_file = o->certfile,
                               .key_file = o->keyfile};
    DAAS_INFO("server", "datastore: etcd at %s", o->endpoint);
    char *rec = daas_xasprintf("%s/datastore.json", db_dir);
    int rc = daas_store_open_etcd(&eo, NULL, st, err);
    if (rc == DAAS_OK)
        rc = write_record(o, rec, err);
    daas_free(rec);
    return rc;
}

static int open_sqlite(const char *db_dir, daas_store **st, daas_store_snapshot_server **snap,
                       daas_err *err)
{
    char *path = daas_xasprintf("%s/state.db", db_dir);
    char *rec = daas_xasprintf("%s/datastore.json", db_dir);
    DAAS_INFO("server", "datastore: sqlite at %s", path);
    int rc = DAAS_OK;
    if (unlink(rec) != 0 && errno != ENOENT) /* a stale etcd record would misdirect saves */
        rc = daas_fail(err, DAAS_EIO, "cannot remove %s: %s", rec, strerror(errno));
    if (rc == DAAS_OK)
        rc = daas_store_open_sqlite(path, NULL, st, err);
    daas_free(path);
    path = daas_xasprintf("%s/%s", db_dir, DAAS_STORE_SNAPSHOT_SOCK);
    if (rc == DAAS_OK)
        rc = daas_store_snapshot_serve(*st, path, snap, err);
    daas_free(path);
    daas_free(rec);
    return rc;
}

int server_store_open(const server_store_opts *o, const char *data_dir, daas_store **st,
                      daas_store_snapshot_server **snap, daas_err *err)
{
    char *db_dir = daas_xasprintf("%s/db", data_dir);
    int rc = daas_mkdir_p(db_dir, err);
    if (rc == DAAS_OK && etcd_wanted(o))
        rc = open_etcd(o, db_dir, st, err);
    else if (rc == DAAS_OK)
        rc = open_sqlite(db_dir, st, snap, err);
    daas_free(db_dir);
    return rc;
}
