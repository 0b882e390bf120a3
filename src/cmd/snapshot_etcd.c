/*
 * snapshot_etcd.c: `daas etcd-snapshot restore PATH --etcd-initial-cluster ... --etcd-data-dir
 *                  OUTDIR`: an etcd snapshot into new member data dirs with etcdctl.
 *
 * Owns:   parsing --etcd-initial-cluster (etcd's NAME=PEER_URL list), the temp dirs under
 *         OUTDIR, running `etcdctl snapshot restore` (etcd's own tool) once per member.
 * Not:    the flags (snapshot.c); the SHA-256 check of the file (store/snapshot_etcd.c);
 *         starting the members (the operator, with the lines printed here).
 * Invariants:
 *   - never overwrites: a non-empty OUTDIR/NAME is refused before anything runs, and the final
 *     rename(2) of a temp dir onto OUTDIR/NAME fails on a non-empty one;
 *   - all or nothing: OUTDIR/NAME appear only when every member restored;
 *   - etcdctl gets an argv (no shell) and no ETCDCTL_* variable but ETCDCTL_API=3.
 * Spec:   etcd 3.4 "Disaster recovery" (etcdctl snapshot restore); docs/etcd.md "Backups".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/snapshot_int.h"
#include "common/alloc.h"
#include "common/util.h"
#include "store/snapshot.h"

extern char **environ;

enum {
    CLUSTER_MAX_LEN = 8192, /* --etcd-initial-cluster, bytes */
    CLUSTER_MAX_MEMBERS = 64,
    NAME_MAX_LEN = 64,  /* a member name: also a directory name */
    LAST_LINE_MAX = 200 /* etcdctl's last stderr line as quoted in the error */
};

/* One member of --etcd-initial-cluster (a name may come with several peer URLs). */
typedef struct snap_member {
    char *name;    /* owned */
    daas_buf urls; /* its peer URLs, comma-separated, in the order given */
    char *final;   /* owned: OUTDIR/NAME */
    char *tmp;     /* owned: OUTDIR/.NAME.restore-<hex> once restoring, else NULL */
    bool placed;   /* tmp was renamed to final */
} snap_member;

typedef struct snap_cluster {
    snap_member v[CLUSTER_MAX_MEMBERS];
    size_t n;
} snap_cluster;

static void cluster_fini(snap_cluster *c)
{
    for (size_t i = 0; i < c->n; i++) {
        daas_free(c->v[i].name);
        daas_buf_fini(&c->v[i].urls);
        daas_free(c->v[i].final);
        daas_free(c->v[i].tmp);
    }
    c->n = 0;
}

/* ------------------------------------------------------------------------------------------
 * --etcd-initial-cluster: NAME=PEER_URL[,...], as etcd's --initial-cluster.
 */

/* A member name: it becomes OUTDIR/NAME, so letters, digits, '.', '_', '-', not "." or "..". */
static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > NAME_MAX_LEN || (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'))))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* A port: 1 to 65535 in decimal, nothing after it. */
static bool valid_port(const char *s, size_t n)
{
    char digits[6];
    if (n == 0 || n >= sizeof digits || strspn(s, "0123456789") < n)
        return false;
    memcpy(digits, s, n);
    digits[n] = '\0';
    unsigned long v = strtoul(digits, NULL, 10);
    return v >= 1 && v <= 65535;
}

/* The host of host:port: a [IPv6] literal or a name / IPv4 address. *len gets its length. */
static bool valid_host(const char *s, size_t n, size_t *len)
{
    size_t i = 0;
    if (n > 0 && s[0] == '[') {
        for (i = 1; i < n && s[i] != ']'; i++)
            if (daas_hexval(s[i]) < 0 && s[i] != ':' && s[i] != '.')
                return false;
        *len = i + 1;
        return i > 1 && i < n;
    }
    for (; i < n && s[i] != ':'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '-'))
            return false;
    *len = i;
    return i > 0;
}

/* A peer URL as etcd takes it: http:// or https://, host:port, no path. */
static bool valid_peer_url(const char *s, size_t n)
{
    size_t skip = 0, hlen = 0;
    if (n > 7 && strncmp(s, "http://", 7) == 0)
        skip = 7;
    else if (n > 8 && strncmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    s += skip;
    n -= skip;
    if (!valid_host(s, n, &hlen) || hlen >= n || s[hlen] != ':')
        return false;
    return valid_port(s + hlen + 1, n - hlen - 1);
}

/* Adds NAME=URL (validated) to c: a new member, or one more URL of a known one. */
static int cluster_add(snap_cluster *c, const char *item, size_t n, daas_err *err)
{
    const char *eq = memchr(item, '=', n);
    size_t nl = eq ? (size_t)(eq - item) : 0;
    if (!eq || !valid_name(item, nl) || !valid_peer_url(eq + 1, n - nl - 1))
        return daas_fail(err, DAAS_EINVAL,
                         "--etcd-initial-cluster: \"%.*s\" is not NAME=http(s)://HOST:PORT "
                         "(NAME of letters, digits, '.', '_', '-')",
                         (int)(n > 100 ? 100 : n), item);
    const char *url = eq + 1;
    size_t ul = n - nl - 1;
    snap_member *m = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const char *u = c->v[i].urls.data;
        for (const char *p = u; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
            if (strncmp(p, url, ul) == 0 && (p[ul] == ',' || p[ul] == '\0'))
                return daas_fail(err, DAAS_EINVAL, "--etcd-initial-cluster: %.*s given twice",
                                 (int)ul, url);
        if (strlen(c->v[i].name) == nl && strncmp(c->v[i].name, item, nl) == 0)
            m = &c->v[i];
    }
    if (!m) {
        if (c->n == CLUSTER_MAX_MEMBERS)
            return daas_fail(err, DAAS_EINVAL, "--etcd-initial-cluster: more than %d members",
                             CLUSTER_MAX_MEMBERS);
        m = &c->v[c->n++];
        m->name = daas_xstrndup(item, nl);
        daas_buf_init(&m->urls, CLUSTER_MAX_LEN);
    }
    int rc = m->urls.len ? daas_buf_puts(&m->urls, ",") : DAAS_OK;
    if (rc == DAAS_OK)
        rc = daas_buf_append(&m->urls, url, ul);
    return rc == DAAS_OK ? DAAS_OK : daas_fail(err, rc, "--etcd-initial-cluster: too long");
}

/* Parses s into c (empty before; cluster_fini it whatever the result). */
static int cluster_parse(const char *s, snap_cluster *c, daas_err *err)
{
    size_t n = strlen(s);
    if (n == 0 || n > CLUSTER_MAX_LEN)
        return daas_fail(err, DAAS_EINVAL, "--etcd-initial-cluster: empty or over %d bytes",
                         CLUSTER_MAX_LEN);
    int rc = DAAS_OK;
    for (const char *p = s; rc == DAAS_OK && p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        rc = cluster_add(c, p, len, err);
        p = comma ? comma + 1 : NULL;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Output directories.
 */

/* Whether dir is an existing directory with nothing in it. */
static bool dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool empty = d != NULL;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    if (d)
        closedir(d);
    return empty;
}

/* Sets every member's final path and refuses one that exists but is not an empty dir. */
static int check_targets(snap_cluster *c, const char *out_dir, daas_err *err)
{
    struct stat sb;
    for (size_t i = 0; i < c->n; i++) {
        c->v[i].final = daas_xasprintf("%s/%s", out_dir, c->v[i].name);
        if (lstat(c->v[i].final, &sb) != 0) {
            if (errno == ENOENT)
                continue;
            return daas_fail(err, DAAS_EIO, "%s: %s", c->v[i].final, strerror(errno));
        }
        if (!S_ISDIR(sb.st_mode) || !dir_is_empty(c->v[i].final))
            return daas_fail(err, DAAS_EEXIST,
                             "%s exists and is not empty: restore into a new --etcd-data-dir "
                             "(nothing was changed)",
                             c->v[i].final);
    }
    return DAAS_OK;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes a temp dir this file made (and what etcdctl wrote in it); not symlinks' targets. */
static void remove_tree(const char *dir)
{
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        fprintf(stderr, "daas etcd-snapshot: could not remove %s: %s\n", dir, strerror(errno));
}

/* ------------------------------------------------------------------------------------------
 * etcdctl.
 */

/* The environment etcdctl gets: env without any ETCDCTL_* (an ETCDCTL_SKIP_HASH_CHECK or
 * ETCDCTL_DATA_DIR of the caller's shell must not change what runs), plus ETCDCTL_API=3.
 * The strings are borrowed from env; free the array with daas_free. */
static char **etcdctl_env(char *const *env)
{
    static char api[] = "ETCDCTL_API=3";
    size_t n = 0, k = 0;
    while (env && env[n])
        n++;
    char **v = daas_xcalloc(n + 2, sizeof *v);
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], "ETCDCTL_", 8) != 0)
            v[k++] = env[i];
    v[k] = api;
    return v;
}

/* The last non-empty line of a stream fed in pieces (etcdctl's stderr: JSON logs, then
 * "Error: ..."); longer lines are cut to LAST_LINE_MAX bytes. */
typedef struct last_line {
    char cur[LAST_LINE_MAX + 1];  /* the line being read */
    size_t n;                     /* bytes in cur */
    char last[LAST_LINE_MAX + 1]; /* the last complete non-empty line */
} last_line;

static void last_line_end(last_line *l)
{
    if (l->n > 0) {
        memcpy(l->last, l->cur, l->n);
        l->last[l->n] = '\0';
    }
    l->n = 0;
}

static void last_line_feed(last_line *l, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            last_line_end(l);
        else if (p[i] != '\r' && l->n < LAST_LINE_MAX)
            l->cur[l->n++] = p[i];
    }
}

/* Reads fd to its end into l. */
static void drain(int fd, last_line *l)
{
    char buf[4096];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        last_line_feed(l, buf, (size_t)r);
    }
    last_line_end(l);
}

/* Starts etcdctl (through PATH) with argv: stdin and stdout /dev/null, stderr into the pipe
 * end errw. The errno of posix_spawnp (ENOENT: no etcdctl). */
static int spawn_etcdctl(char *const *argv, int errw, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    char **env = etcdctl_env(environ);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, errw, 2);
    int e = posix_spawnp(pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    daas_free(env);
    return e;
}

/* Runs argv (argv[0] "etcdctl") to its end. DAAS_EUNAVAIL when there is no etcdctl,
 * DAAS_EFAILED with its last stderr line when it does not exit 0. */
static int run_etcdctl(char *const *argv, const char *what, daas_err *err)
{
    int p[2], st = 0;
    pid_t pid = 0;
    last_line *l = daas_xcalloc(1, sizeof *l);
    if (pipe2(p, O_CLOEXEC) != 0) {
        daas_free(l);
        return daas_fail(err, DAAS_EIO, "pipe: %s", strerror(errno));
    }
    int e = spawn_etcdctl(argv, p[1], &pid);
    close(p[1]);
    if (e == 0)
        drain(p[0], l);
    close(p[0]);
    while (e == 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    int rc = DAAS_OK;
    if (e == ENOENT)
        rc = daas_fail(err, DAAS_EUNAVAIL,
                       "etcdctl not found on PATH (Debian package etcd-client): it does the "
                       "restore; nothing was changed");
    else if (e != 0)
        rc = daas_fail(err, DAAS_EIO, "cannot run etcdctl: %s", strerror(e));
    else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        rc = daas_fail(err, DAAS_EFAILED, "etcdctl snapshot restore for %s failed: %s", what,
                       l->last[0] ? l->last : "(no message)");
    daas_free(l);
    return rc;
}

/* `etcdctl snapshot restore` of member m into its temp dir (which must not exist yet). */
static int restore_member(const daas_cmd_snap_etcd_restore *o, const char *token,
                          const char *cluster, const snap_member *m, daas_err *err)
{
    /* A PATH starting with '-' would read as a flag. */
    char *file =
        o->snapshot[0] == '-' ? daas_xasprintf("./%s", o->snapshot) : daas_xstrdup(o->snapshot);
    char *argv[] = {"etcdctl",
                    "snapshot",
                    "restore",
                    file,
                    "--name",
                    m->name,
                    "--initial-cluster",
                    (char *)cluster,
                    "--initial-cluster-token",
                    (char *)token,
                    "--initial-advertise-peer-urls",
                    m->urls.data,
                    "--data-dir",
                    m->tmp,
                    NULL};
    int rc = run_etcdctl(argv, m->name, err);
    daas_free(file);
    return rc;
}

/* Restores every member into OUTDIR/.NAME.restore-<hex>. */
static int restore_all(const daas_cmd_snap_etcd_restore *o, const char *token, snap_cluster *c,
                       daas_err *err)
{
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < c->n; i++) {
        uint8_t r[6];
        char hex[13];
        daas_random(r, sizeof r);
        c->v[i].tmp = daas_xasprintf("%s/.%s.restore-%s", o->out_dir, c->v[i].name,
                                     daas_hex_encode(r, sizeof r, hex));
        rc = restore_member(o, token, o->initial_cluster, &c->v[i], err);
    }
    return rc;
}

/* Renames every temp dir onto OUTDIR/NAME (an empty dir there is replaced, a non-empty one
 * fails), then fsyncs OUTDIR. On a failure the ones already placed are moved back. */
static int place_all(snap_cluster *c, const char *out_dir, daas_err *err)
{
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < c->n; i++) {
        if (rename(c->v[i].tmp, c->v[i].final) != 0)
            rc = daas_fail(err, errno == ENOTEMPTY || errno == EEXIST ? DAAS_EEXIST : DAAS_EIO,
                           "cannot move the restored member to %s: %s", c->v[i].final,
                           strerror(errno));
        else
            c->v[i].placed = true;
    }
    for (size_t i = 0; rc != DAAS_OK && i < c->n; i++)
        if (c->v[i].placed && rename(c->v[i].final, c->v[i].tmp) == 0)
            c->v[i].placed = false;
    int fd = rc == DAAS_OK ? open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        if (fsync(fd) != 0)
            rc = daas_fail(err, DAAS_EIO, "fsync %s: %s", out_dir, strerror(errno));
        close(fd);
    }
    return rc;
}

static void print_done(const daas_cmd_snap_etcd_restore *o, const char *token,
                       const snap_cluster *c)
{
    for (size_t i = 0; i < c->n; i++)
        printf("restored member %s (peer URLs %s) into %s\n", c->v[i].name, c->v[i].urls.data,
               c->v[i].final);
    printf("cluster token %s\n"
           "next: stop every member of the old cluster; move each directory above to its\n"
           "  member's host and start etcd there with --data-dir set to it, that --name, its\n"
           "  peer URLs (--initial-advertise-peer-urls) and --initial-cluster %s\n"
           "  (with a data dir etcd ignores --initial-cluster-state and -token); when they all\n"
           "  run, start daas server with the same --datastore-endpoint (client URLs)\n",
           token, o->initial_cluster);
}

int daas_cmd__snap_restore_etcd(const daas_cmd_snap_etcd_restore *o, daas_err *err)
{
    snap_cluster *c = daas_xcalloc(1, sizeof *c);
    char *token = o->token ? daas_xstrdup(o->token)
                           : daas_xasprintf("daas-restore-%lld", (long long)(daas_now_ms() / 1000));
    int rc =
        token[0] ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "--etcd-initial-cluster-token is empty");
    if (rc == DAAS_OK)
        rc = cluster_parse(o->initial_cluster, c, err);
    if (rc == DAAS_OK)
        rc = daas_store_snapshot_verify_etcd(o->snapshot, NULL, err);
    if (rc == DAAS_OK)
        rc = check_targets(c, o->out_dir, err);
    bool made_out = rc == DAAS_OK && access(o->out_dir, F_OK) != 0;
    if (rc == DAAS_OK)
        rc = daas_mkdir_p(o->out_dir, err);
    if (rc == DAAS_OK)
        rc = restore_all(o, token, c, err);
    if (rc == DAAS_OK)
        rc = place_all(c, o->out_dir, err);
    if (rc == DAAS_OK)
        print_done(o, token, c);
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].tmp && !c->v[i].placed)
            remove_tree(c->v[i].tmp);
    if (rc != DAAS_OK && made_out)
        (void)rmdir(o->out_dir); /* only when empty: leaves nothing made here */
    cluster_fini(c);
    daas_free(c);
    daas_free(token);
    return rc;
}
