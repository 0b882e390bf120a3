/*
 * server_boot.c: servers sharing one datastore share one cluster identity: the cluster id
 *                and the CA, through the bootstrap record (pki/boot.h) sealed under --token.
 *
 * Owns:   pulling the record into DATA/cluster-id and DATA/tls/ca.{crt,key} before the PKI
 *         is loaded, and pushing it after the first server of a datastore made them.
 * Not:    the record's format and crypto (pki/boot.c); the PKI itself (pki/).
 * Model:  as k3s with an external datastore: the first server to start creates the CA and
 *         stores the record under /bootstrap/<hash of the token>; every later server (a new
 *         data dir, the same --datastore-endpoint and --token) finds it, opens it with the
 *         token, and writes the CA where daas_pki_ensure then loads it, issuing its own
 *         server and admin certificates from it. A kubeconfig of any server works on all.
 * Invariants:
 *   - a data dir that already holds another cluster's CA or id is refused, never
 *     overwritten; so is a token that does not open the record a datastore holds;
 *   - two first servers racing: the record is created with create-if-absent; the loser stops
 *     with a clear error (its CA is not the cluster's) and is started again;
 *   - the CA key is written 0600 through daas_write_file_atomic; its memory is wiped;
 *   - a CA key sealed under Seal (--dev, --seal-config) is never put in the record: the
 *     record then holds an empty key and joining servers stop with a clear error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmd/server_int.h"
#include "common/log.h"
#include "pki/boot.h"

enum { FILE_MAX = 1 << 20 };

/* Reads a small file into out (NUL-terminated). DAAS_ENOTFOUND when it does not exist. */
static int read_small(const char *path, daas_buf *out, daas_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return daas_fail(err, errno == ENOENT ? DAAS_ENOTFOUND : DAAS_EIO, "cannot read %s: %s",
                         path, strerror(errno));
    daas_buf_reset(out);
    char chunk[4096];
    ssize_t n;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && (n = read(fd, chunk, sizeof chunk)) > 0)
        rc = daas_buf_append(out, chunk, (size_t)n);
    OPENSSL_cleanse(chunk, sizeof chunk);
    close(fd);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EIO, "cannot read %s: too large", path);
    if (out->data == NULL && daas_buf_append(out, "", 0) != DAAS_OK)
        return daas_fail(err, DAAS_EIO, "cannot read %s", path);
    return DAAS_OK;
}

/* The file at DATA/name must hold want (after trimming a newline), or not exist (then it is
 * written with mode). */
static int place(const char *data_dir, const char *name, const char *want, mode_t mode,
                 daas_err *err)
{
    char *path = daas_xasprintf("%s/%s", data_dir, name);
    daas_buf cur;
    daas_buf_init(&cur, FILE_MAX);
    int rc = read_small(path, &cur, err);
    size_t wl = strlen(want);
    if (rc == DAAS_ENOTFOUND) {
        memset(err, 0, sizeof *err);
        rc = daas_write_file_atomic(path, want, wl, mode, err);
    } else if (rc == DAAS_OK) {
        size_t cl = cur.len;
        while (cl > 0 && cur.data[cl - 1] == '\n' && (wl == 0 || want[wl - 1] != '\n'))
            cl--;
        if (cl != wl || !daas_ct_equal(cur.data, want, wl))
            rc = daas_fail(err, DAAS_EINVAL,
                           "%s belongs to another cluster than the one this datastore holds "
                           "(use a fresh --data-dir to join this cluster)",
                           path);
    }
    OPENSSL_cleanse(cur.data, cur.cap);
    daas_buf_fini(&cur);
    daas_free(path);
    return rc;
}

int server_boot_token(const server_store_opts *o, const char *data_dir, char **out, daas_err *err)
{
    *out = NULL;
    if (o->token) {
        *out = daas_xstrdup(o->token);
        return DAAS_OK;
    }
    char *path = daas_xasprintf("%s/token", data_dir);
    daas_buf b;
    daas_buf_init(&b, 4096);
    int rc = read_small(path, &b, err);
    if (rc == DAAS_OK) {
        while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
            b.data[--b.len] = '\0';
        if (b.len < 16)
            rc = daas_fail(err, DAAS_EINVAL, "%s does not hold a token", path);
    } else if (rc == DAAS_ENOTFOUND) {
        uint8_t r[24];
        char hex[2 * sizeof r + 2]; /* digits, newline, NUL */
        memset(err, 0, sizeof *err);
        daas_random(r, sizeof r);
        daas_hex_encode(r, sizeof r, hex);
        OPENSSL_cleanse(r, sizeof r);
        daas_buf_reset(&b);
        rc = daas_buf_puts(&b, hex);
        hex[2 * sizeof r] = '\n';
        hex[2 * sizeof r + 1] = '\0';
        if (rc == DAAS_OK)
            rc = daas_write_file_atomic(path, hex, strlen(hex), 0600, err);
        OPENSSL_cleanse(hex, sizeof hex);
        if (rc == DAAS_OK)
            DAAS_INFO("server",
                      "made the cluster token %s: other servers join with --token "
                      "(its contents) or DAAS_TOKEN",
                      path);
    }
    if (rc == DAAS_OK)
        *out = daas_xstrdup(b.data);
    OPENSSL_cleanse(b.data, b.cap);
    daas_buf_fini(&b);
    daas_free(path);
    return rc;
}

/* No record under our token: the datastore must not hold another cluster's either (a wrong
 * --token would otherwise start a second CA over the first cluster's objects). */
static int other_cluster(daas_store *st, daas_err *err)
{
    daas_kv_list l;
    int rc = daas_store_list(st, "/bootstrap/", NULL, 1, &l, err);
    if (rc == DAAS_OK && l.n > 0)
        rc = daas_fail(err, DAAS_EDENIED,
                       "this datastore already holds a cluster whose token is not --token "
                       "(give that cluster's token: DATA_DIR/token of its first server)");
    daas_kv_list_fini(&l);
    return rc;
}

/* Writes b's cluster id and CA into data_dir, or checks they are the ones there. A record
 * with a sealed (empty) key only fits a data dir holding that CA already (a restart). */
static int write_identity(const char *data_dir, const daas_pki_boot *b, daas_err *err)
{
    char *tls = daas_xasprintf("%s/tls", data_dir);
    char *own_crt = daas_xasprintf("%s/tls/ca.crt", data_dir);
    bool sealed = b->ca_key[0] == '\0';
    int rc = DAAS_OK;
    if (sealed && access(own_crt, F_OK) != 0) /* a join; a restart has the CA already */
        rc = daas_fail(err, DAAS_EINVAL,
                       "cluster %s keeps its CA key sealed: servers cannot join it with --token "
                       "(not supported yet)",
                       b->cluster_id);
    if (rc == DAAS_OK)
        rc = daas_mkdir_p(tls, err);
    char idline[sizeof b->cluster_id + 1];
    snprintf(idline, sizeof idline, "%s\n", b->cluster_id); /* as cluster_id() writes it */
    if (rc == DAAS_OK)
        rc = place(data_dir, "cluster-id", idline, 0644, err);
    if (rc == DAAS_OK)
        rc = place(data_dir, "tls/ca.crt", b->ca_cert, 0644, err);
    if (rc == DAAS_OK && !sealed)
        rc = place(data_dir, "tls/ca.key", b->ca_key, 0600, err);
    daas_free(own_crt);
    daas_free(tls);
    return rc;
}

int server_boot_pull(daas_store *st, const char *token, const char *data_dir, char *cluster_id,
                     size_t idlen, bool *found, daas_err *err)
{
    char *key = daas_pki_boot_key(token);
    daas_kv kv = {0};
    daas_pki_boot b = {0};
    *found = false;
    int rc = daas_store_get(st, key, &kv, err);
    if (rc == DAAS_ENOTFOUND) {
        memset(err, 0, sizeof *err);
        daas_free(key);
        return other_cluster(st, err);
    }
    if (rc == DAAS_OK)
        rc = daas_pki_boot_open(token, key, kv.val->data, kv.val->len, &b, err);
    if (rc == DAAS_OK && cluster_id[0] && strcmp(cluster_id, b.cluster_id) != 0)
        rc = daas_fail(err, DAAS_EINVAL, "--cluster-id %s differs from this datastore's %s",
                       cluster_id, b.cluster_id);
    if (rc == DAAS_OK)
        rc = write_identity(data_dir, &b, err);
    if (rc == DAAS_OK) {
        snprintf(cluster_id, idlen, "%s", b.cluster_id);
        *found = true;
        DAAS_INFO("server", "joined cluster %s from its datastore's bootstrap record", cluster_id);
    }
    daas_pki_boot_fini(&b);
    daas_kv_fini(&kv);
    daas_free(key);
    return rc;
}

int server_boot_push(daas_store *st, const char *token, const char *data_dir,
                     const char *cluster_id, daas_err *err)
{
    char *crt = daas_xasprintf("%s/tls/ca.crt", data_dir);
    char *kp = daas_xasprintf("%s/tls/ca.key", data_dir);
    daas_buf cb, kb;
    daas_buf_init(&cb, FILE_MAX);
    daas_buf_init(&kb, FILE_MAX);
    int rc = read_small(crt, &cb, err);
    if (rc == DAAS_OK)
        rc = read_small(kp, &kb, err);
    if (rc == DAAS_ENOTFOUND) { /* sealed: the record says so, and joining servers stop */
        memset(err, 0, sizeof *err);
        rc = daas_buf_append(&kb, "", 0);
        DAAS_WARN("server", "the cluster CA key is sealed: no other server can join this "
                            "cluster's datastore with --token");
    }
    char *key = daas_pki_boot_key(token), *rec = NULL;
    daas_pki_boot b = {.ca_cert = cb.data, .ca_key = kb.data};
    snprintf(b.cluster_id, sizeof b.cluster_id, "%s", cluster_id);
    if (rc == DAAS_OK)
        rc = daas_pki_boot_seal(token, key, &b, &rec, err);
    if (rc == DAAS_OK)
        rc = daas_store_create(st, key, DAAS_BYTES(rec, strlen(rec)), NULL, err);
    if (rc == DAAS_EEXIST) {
        memset(err, 0, sizeof *err);
        rc = daas_fail(err, DAAS_ECONFLICT,
                       "another server bootstrapped this datastore at the same time; start this "
                       "one again with a fresh --data-dir to join it");
    }
    if (rc == DAAS_OK)
        DAAS_INFO("server",
                  "stored cluster %s's bootstrap record for servers joining with the "
                  "same --token",
                  cluster_id);
    OPENSSL_cleanse(kb.data, kb.cap);
    daas_buf_fini(&cb);
    daas_buf_fini(&kb);
    daas_free(rec);
    daas_free(key);
    daas_free(crt);
    daas_free(kp);
    return rc;
}
