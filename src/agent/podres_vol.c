/*
 * podres_vol.c: a pod's volumes on the host and a container's mounts of them.
 *
 * Owns:   DATA/pods/<uid>/volumes/<name>: emptyDir (a directory 0777, or a tmpfs for medium
 *         Memory), configMap and secret (files from the object's keys or items, with
 *         defaultMode/mode; a secret's, and a sealed ConfigMap's, on a tmpfs mounted 0700
 *         owned by the pod's runAsUser (0750 and its fsGroup when it has one), so plaintext
 *         never touches a disk); hostPath checks (admins only, by the caller's word); the
 *         mounts of volumeMounts with subPath; unmounting and removal at teardown.
 * Not:    fetching and opening objects (podres.c), runc (runtime.h).
 * Invariants:
 *   - no path leaves the volume directory: volume names, keys, item paths and subPaths are
 *     checked ('/'-free names, no ".." element, relative), and a subPath is resolved and must
 *     stay inside its volume (a container may have planted a symlink in an emptyDir);
 *   - teardown never crosses into another filesystem while removing (nftw FTW_MOUNT), so a
 *     mount it could not remove is left, not emptied;
 *   - preparing twice is idempotent: a mounted tmpfs is reused, files are rewritten
 *     atomically.
 * Spec:   Kubernetes core/v1 Volume, VolumeMount; kubelet's secret/configmap/empty_dir
 *         volume plugins (optional objects, items, CreateContainerConfigError messages).
 */
#include "agent/podres_int.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "sched/kube.h"

#define VOL_NAME_MAX 63
#define KEY_MAX 253
#define TMPFS_MIN ((uint64_t)1 << 20)
#define DEFAULT_FILE_MODE 0644

enum { V_EMPTY, V_CONFIGMAP, V_SECRET, V_HOSTPATH, V_UNSUPPORTED };

/* Who owns the files of a pod's volumes. */
typedef struct owner {
    uint32_t uid, gid;
    bool has_group; /* fsGroup (or runAsGroup) set: group-readable */
} owner;

static int vol_kind(const json_t *v)
{
    if (json_object_get(v, "emptyDir") != NULL)
        return V_EMPTY;
    if (json_object_get(v, "configMap") != NULL)
        return V_CONFIGMAP;
    if (json_object_get(v, "secret") != NULL)
        return V_SECRET;
    if (json_object_get(v, "hostPath") != NULL)
        return V_HOSTPATH;
    return V_UNSUPPORTED;
}

static uint32_t sc_id(const json_t *sc, const char *field, bool *set)
{
    json_int_t v = json_integer_value(json_object_get(sc, field));
    *set = json_is_integer(json_object_get(sc, field)) && v >= 0 && v <= UINT32_MAX;
    return *set ? (uint32_t)v : 0;
}

static owner pod_owner(const json_t *pod)
{
    const json_t *sc = json_object_get(json_object_get(pod, "spec"), "securityContext");
    owner o = {0};
    bool set;
    o.uid = sc_id(sc, "runAsUser", &set);
    o.gid = sc_id(sc, "fsGroup", &o.has_group);
    if (!o.has_group)
        o.gid = sc_id(sc, "runAsGroup", &o.has_group);
    return o;
}

/* A relative path without empty, "." or ".." elements. */
static bool rel_path_ok(const char *p)
{
    if (p == NULL || p[0] == '\0' || p[0] == '/' || strlen(p) > 1024)
        return false;
    for (const char *s = p; *s != '\0';) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20)
                return false;
        s += n;
        if (*s == '/')
            s++;
        if (*s == '\0' && s[-1] == '/')
            return false;
    }
    return true;
}

static bool abs_path_ok(const char *p)
{
    return p != NULL && p[0] == '/' && (p[1] == '\0' || rel_path_ok(p + 1));
}

static char *vol_root(const daas_agent_podres *r, const char *uid)
{
    return daas_xasprintf("%s/pods/%s/volumes", r->data_dir, uid);
}

/* ---- directories and tmpfs ---- */

/* A directory at path with exactly mode (not through a symlink). */
static int ensure_dir(const char *path, mode_t mode, daas_err *err)
{
    struct stat st;
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return daas_fail(err, daas_from_errno(errno), "mkdir %s: %s", path, strerror(errno));
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return daas_fail(err, DAAS_EIO, "%s is not a directory", path);
    if ((st.st_mode & 07777) != mode && chmod(path, mode) != 0)
        return daas_fail(err, DAAS_EIO, "chmod %s: %s", path, strerror(errno));
    return DAAS_OK;
}

/* A tmpfs at path (size bytes, 0: the kernel's default) with mode and owner; an existing
 * one is kept. */
static int ensure_tmpfs(const char *path, uint64_t size, mode_t mode, const owner *o, daas_err *err)
{
    int rc = ensure_dir(path, 0700, err);
    if (rc != DAAS_OK || daas_is_mount_point(path))
        return rc;
    char opts[128];
    if (size > 0)
        snprintf(opts, sizeof opts, "mode=%04o,uid=%" PRIu32 ",gid=%" PRIu32 ",size=%" PRIu64,
                 (unsigned)mode, o->uid, o->gid, size);
    else
        snprintf(opts, sizeof opts, "mode=%04o,uid=%" PRIu32 ",gid=%" PRIu32, (unsigned)mode,
                 o->uid, o->gid);
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0)
        return daas_fail(err, daas_from_errno(errno), "mount tmpfs at %s: %s", path,
                         strerror(errno));
    return DAAS_OK;
}

/* Writes one file at dir/rel (parents 0755), with mode and owner. */
static int write_file(const char *dir, const char *rel, const daas_buf *data, mode_t mode,
                      const owner *o, daas_err *err)
{
    int rc = DAAS_OK;
    char *path = daas_xasprintf("%s/%s", dir, rel);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); rc == DAAS_OK && s != NULL;
         s = strchr(s + 1, '/')) {
        *s = '\0';
        rc = ensure_dir(path, 0755, err);
        *s = '/';
    }
    if (rc == DAAS_OK)
        rc = daas_write_file_atomic(path, data->data ? data->data : "", data->len, mode, err);
    /* the umask may have narrowed the mode; the owner is the pod's user */
    if (rc == DAAS_OK && (chmod(path, mode) != 0 ||
                          ((o->uid != 0 || o->gid != 0) && lchown(path, o->uid, o->gid) != 0)))
        rc = daas_fail(err, DAAS_EIO, "%s: %s", path, strerror(errno));
    daas_free(path);
    return rc;
}

/* ---- configMap and secret volumes ---- */

/* The mode of an item or the default mode (0..0777); -1 when out of range. */
static int file_mode(const json_t *v, int def)
{
    if (v == NULL)
        return def;
    json_int_t m = json_integer_value(v);
    return json_is_integer(v) && m >= 0 && m <= 0777 ? (int)m : -1;
}

/* Bytes of every value of obj (an upper bound of the plaintext: base64 is longer). */
static uint64_t obj_bytes(const json_t *obj)
{
    static const char *const fields[] = {"data", "binaryData"};
    uint64_t n = 0;
    for (size_t f = 0; f < 2; f++) {
        const char *k;
        const json_t *v;
        json_object_foreach(json_object_get(obj, fields[f]), k, v) n +=
            json_string_length(v) + strlen(k) + 512;
    }
    return n;
}

/* What one object volume writes. */
typedef struct objvol {
    const char *vname; /* volume name */
    bool secret;
    const char *oname; /* object name */
    const json_t *obj; /* NULL: an optional object that does not exist */
    const json_t *items;
    int def_mode;
    bool optional;
} objvol;

static int write_key(const objvol *ov, const char *dir, const char *key, const char *rel, int mode,
                     const owner *o, daas_err *err)
{
    daas_buf b = {0};
    daas_err e = {0};
    int rc = daas_agent_podres__value(ov->obj, ov->secret, key, &b, &e);
    if (rc == DAAS_ENOTFOUND && ov->optional)
        rc = DAAS_OK;
    else if (rc == DAAS_ENOTFOUND)
        rc = daas_fail(err, rc, "volume \"%s\": %s references non-existent %s key: %s", ov->vname,
                       ov->secret ? "secret" : "configmap", ov->secret ? "secret" : "config", key);
    else if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "volume \"%s\": %s", ov->vname, e.msg);
    else
        rc = write_file(dir, rel, &b, (mode_t)mode, o, err);
    daas_agent_podres__buf_wipe(&b);
    return rc;
}

static int write_items(const objvol *ov, const char *dir, const owner *o, daas_err *err)
{
    size_t i;
    const json_t *it;
    int rc = DAAS_OK;
    json_array_foreach(ov->items, i, it)
    {
        const char *key = json_string_value(json_object_get(it, "key"));
        const char *rel = json_string_value(json_object_get(it, "path"));
        int mode = file_mode(json_object_get(it, "mode"), ov->def_mode);
        if (!daas_agent_podres__name_ok(key, KEY_MAX) || !rel_path_ok(rel) || mode < 0)
            return daas_fail(err, DAAS_EINVAL,
                             "volume \"%s\": items[%zu]: a key, a relative "
                             "path without \"..\" and a mode in 0..0777 are needed",
                             ov->vname, i);
        rc = write_key(ov, dir, key, rel, mode, o, err);
        if (rc != DAAS_OK)
            return rc;
    }
    return rc;
}

static int write_all_keys(const objvol *ov, const char *dir, const owner *o, daas_err *err)
{
    static const char *const fields[] = {"data", "binaryData"};
    int rc = DAAS_OK;
    for (size_t f = 0; rc == DAAS_OK && f < (ov->secret ? 1u : 2u); f++) {
        const char *key;
        const json_t *v;
        json_object_foreach(json_object_get(ov->obj, fields[f]), key, v)
        {
            if (!daas_agent_podres__name_ok(key, KEY_MAX))
                return daas_fail(err, DAAS_EINVAL,
                                 "volume \"%s\": key \"%.64s\" is no file "
                                 "name",
                                 ov->vname, key);
            rc = write_key(ov, dir, key, key, ov->def_mode, o, err);
            if (rc != DAAS_OK)
                return rc;
        }
    }
    return rc;
}

static int prepare_objvol(daas_agent_podres *r, const json_t *pod, const json_t *v, const char *dir,
                          bool secret, daas_err *err)
{
    const json_t *meta = json_object_get(pod, "metadata");
    const json_t *src = json_object_get(v, secret ? "secret" : "configMap");
    objvol ov = {json_string_value(json_object_get(v, "name")),
                 secret,
                 json_string_value(json_object_get(src, secret ? "secretName" : "name")),
                 NULL,
                 json_object_get(src, "items"),
                 file_mode(json_object_get(src, "defaultMode"), DEFAULT_FILE_MODE),
                 json_is_true(json_object_get(src, "optional"))};
    owner o = pod_owner(pod);
    bool sealed = false;
    daas_err e = {0};
    if (ov.oname == NULL || ov.def_mode < 0)
        return daas_fail(err, DAAS_EINVAL,
                         "volume \"%s\": a %s name and a defaultMode in "
                         "0..0777 are needed",
                         ov.vname, secret ? "secretName" : "configMap");
    int rc = daas_agent_podres__get(r, json_string_value(json_object_get(meta, "uid")), secret,
                                    json_string_value(json_object_get(meta, "namespace")), ov.oname,
                                    &ov.obj, &sealed, &e);
    if (rc == DAAS_ENOTFOUND && ov.optional)
        rc = DAAS_OK, ov.obj = NULL;
    else if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s", e.msg);
    if (secret || sealed) {
        mode_t m = o.has_group ? 0750 : 0700;
        uint64_t size = 2 * obj_bytes(ov.obj) + (64u << 10);
        rc = ensure_tmpfs(dir, size < TMPFS_MIN ? TMPFS_MIN : size, m, &o, err);
    } else {
        rc = ensure_dir(dir, 0755, err);
    }
    if (rc != DAAS_OK || ov.obj == NULL)
        return rc;
    return json_is_array(ov.items) && json_array_size(ov.items) > 0
               ? write_items(&ov, dir, &o, err)
               : write_all_keys(&ov, dir, &o, err);
}

/* ---- emptyDir and hostPath ---- */

static int prepare_empty(const json_t *v, const char *dir, daas_err *err)
{
    const json_t *ed = json_object_get(v, "emptyDir");
    const char *medium = json_string_value(json_object_get(ed, "medium"));
    const char *limit = json_string_value(json_object_get(ed, "sizeLimit"));
    int64_t size = 0;
    owner root = {0};
    if (medium == NULL || medium[0] == '\0')
        return ensure_dir(dir, 0777, err);
    if (strcmp(medium, "Memory") != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "volume \"%s\": unsupported emptyDir medium "
                         "\"%.32s\"",
                         json_string_value(json_object_get(v, "name")), medium);
    if (limit != NULL) {
        int rc = daas_sched_quantity("memory", limit, &size, err);
        if (rc != DAAS_OK)
            return rc;
    }
    return ensure_tmpfs(dir, (uint64_t)size, 0777, &root, err);
}

/* hostPath's type checks (DirectoryOrCreate, Directory, FileOrCreate, File, Socket,
 * CharDevice, BlockDevice; "" checks nothing). */
static int prepare_host(const json_t *v, bool allowed, daas_err *err)
{
    const char *vname = json_string_value(json_object_get(v, "name"));
    const json_t *hp = json_object_get(v, "hostPath");
    const char *path = json_string_value(json_object_get(hp, "path"));
    const char *type = json_string_value(json_object_get(hp, "type"));
    struct stat st;
    if (!allowed)
        return daas_fail(err, DAAS_EDENIED,
                         "volume \"%s\": hostPath volumes are only for "
                         "pods of an admin",
                         vname);
    if (!abs_path_ok(path))
        return daas_fail(err, DAAS_EINVAL,
                         "volume \"%s\": hostPath.path must be absolute, "
                         "without \"..\"",
                         vname);
    if (type == NULL || type[0] == '\0')
        return DAAS_OK;
    if (strcmp(type, "DirectoryOrCreate") == 0 && access(path, F_OK) != 0) {
        int rc = daas_mkdir_p(path, err);
        if (rc == DAAS_OK && chmod(path, 0755) != 0)
            rc = daas_fail(err, DAAS_EIO, "chmod %s: %s", path, strerror(errno));
        return rc;
    }
    if (strcmp(type, "FileOrCreate") == 0 && access(path, F_OK) != 0) {
        daas_buf none = {0};
        owner root = {0};
        char *dir = daas_xstrndup(path, (size_t)(strrchr(path, '/') - path));
        int rc = daas_mkdir_p(dir[0] ? dir : "/", err);
        if (rc == DAAS_OK)
            rc = write_file(dir, strrchr(path, '/') + 1, &none, 0644, &root, err);
        daas_free(dir);
        return rc;
    }
    bool ok = stat(path, &st) == 0;
    if ((strcmp(type, "Directory") == 0 || strcmp(type, "DirectoryOrCreate") == 0) && ok)
        ok = S_ISDIR(st.st_mode);
    else if ((strcmp(type, "File") == 0 || strcmp(type, "FileOrCreate") == 0) && ok)
        ok = S_ISREG(st.st_mode);
    else if (strcmp(type, "Socket") == 0 && ok)
        ok = S_ISSOCK(st.st_mode);
    else if (strcmp(type, "CharDevice") == 0 && ok)
        ok = S_ISCHR(st.st_mode);
    else if (strcmp(type, "BlockDevice") == 0 && ok)
        ok = S_ISBLK(st.st_mode);
    else if (ok)
        return daas_fail(err, DAAS_EINVAL, "volume \"%s\": unknown hostPath type \"%.32s\"", vname,
                         type);
    return ok ? DAAS_OK
              : daas_fail(err, DAAS_EINVAL, "volume \"%s\": hostPath %s is not a %s", vname, path,
                          type);
}

static int prepare_one(daas_agent_podres *r, const json_t *pod, const json_t *v, const char *root,
                       bool allow_host_path, daas_err *err)
{
    const char *name = json_string_value(json_object_get(v, "name"));
    int kind = vol_kind(v);
    if (!daas_agent_podres__name_ok(name, VOL_NAME_MAX))
        return daas_fail(err, DAAS_EINVAL,
                         "a volume needs a name (at most %d characters, no "
                         "'/')",
                         VOL_NAME_MAX);
    if (kind == V_UNSUPPORTED)
        return daas_fail(err, DAAS_EINVAL,
                         "volume \"%s\": unsupported volume type (daas "
                         "supports emptyDir, configMap, secret and hostPath)",
                         name);
    if (kind == V_HOSTPATH)
        return prepare_host(v, allow_host_path, err);
    char *dir = daas_xasprintf("%s/%s", root, name);
    int rc = kind == V_EMPTY ? prepare_empty(v, dir, err)
                             : prepare_objvol(r, pod, v, dir, kind == V_SECRET, err);
    daas_free(dir);
    return rc;
}

/* ---- mounts ---- */

static const json_t *find_volume(const json_t *pod, const char *name)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n != NULL && name != NULL && strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

/* base/sub, created as a directory when missing, resolved, and inside base. *out owned. */
static int sub_path(const char *base, const char *sub, char **out, daas_err *err)
{
    char *want = daas_xasprintf("%s/%s", base, sub);
    char *rb = daas_xmalloc(PATH_MAX), *rs = daas_xmalloc(PATH_MAX);
    int rc = DAAS_OK;
    if (access(want, F_OK) != 0)
        rc = daas_mkdir_p(want, err);
    if (rc == DAAS_OK) {
        bool ok = realpath(base, rb) != NULL && realpath(want, rs) != NULL;
        size_t n = ok ? strlen(rb) : 0;
        if (!ok || strncmp(rs, rb, n) != 0 ||
            (rs[n] != '/' && rs[n] != '\0' && strcmp(rb, "/") != 0))
            rc = daas_fail(err, DAAS_EINVAL, "subPath \"%.100s\" leaves its volume", sub);
    }
    if (rc == DAAS_OK)
        *out = daas_xstrdup(rs);
    daas_free(rb);
    daas_free(rs);
    daas_free(want);
    return rc;
}

static int one_mount(const json_t *pod, const char *root, const json_t *vm, daas_rt_mount *m,
                     daas_err *err)
{
    const char *name = json_string_value(json_object_get(vm, "name"));
    const char *dest = json_string_value(json_object_get(vm, "mountPath"));
    const char *sub = json_string_value(json_object_get(vm, "subPath"));
    const json_t *v = find_volume(pod, name);
    if (v == NULL)
        return daas_fail(err, DAAS_EINVAL, "cannot find volume \"%.64s\" to mount",
                         name ? name : "");
    if (!abs_path_ok(dest))
        return daas_fail(err, DAAS_EINVAL,
                         "volume \"%s\": mountPath must be absolute, without "
                         "\"..\"",
                         name);
    const char *sx = json_string_value(json_object_get(vm, "subPathExpr"));
    if (sx != NULL && sx[0] != '\0')
        return daas_fail(err, DAAS_EINVAL, "volume \"%s\": subPathExpr is not supported", name);
    int kind = vol_kind(v);
    char *base = kind == V_HOSTPATH ? daas_xstrdup(json_string_value(
                                          json_object_get(json_object_get(v, "hostPath"), "path")))
                                    : daas_xasprintf("%s/%s", root, name);
    char *src = NULL;
    int rc = DAAS_OK;
    if (sub != NULL && sub[0] != '\0') {
        rc = rel_path_ok(sub) ? sub_path(base, sub, &src, err)
                              : daas_fail(err, DAAS_EINVAL,
                                          "volume \"%s\": subPath must be "
                                          "relative, without \"..\"",
                                          name);
        daas_free(base);
    } else {
        src = base;
    }
    if (rc != DAAS_OK)
        return rc;
    *m = (daas_rt_mount){.source = src,
                         .dest = daas_xstrdup(dest),
                         .readonly = json_is_true(json_object_get(vm, "readOnly")) ||
                                     kind == V_SECRET || kind == V_CONFIGMAP};
    return DAAS_OK;
}

int daas_agent_podres_volumes(daas_agent_podres *r, const json_t *pod, bool allow_host_path,
                              const json_t *container, daas_rt_mount **mounts, size_t *n,
                              daas_err *err)
{
    const char *uid = json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid"));
    const json_t *vms = json_object_get(container, "volumeMounts"), *v;
    size_t i;
    *mounts = NULL;
    *n = 0;
    if (!daas_agent_podres__name_ok(uid, 128))
        return daas_fail(err, DAAS_EINVAL, "pod without a valid uid");
    char *root = vol_root(r, uid);
    int rc = daas_mkdir_p(root, err);
    json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), i, v)
    {
        if (rc == DAAS_OK)
            rc = prepare_one(r, pod, v, root, allow_host_path, err);
    }
    daas_rt_mount *ms = daas_xcalloc(json_array_size(vms) + 1, sizeof *ms);
    size_t k = 0;
    json_array_foreach(vms, i, v)
    {
        if (rc == DAAS_OK && (rc = one_mount(pod, root, v, &ms[k], err)) == DAAS_OK)
            k++;
    }
    daas_free(root);
    if (rc != DAAS_OK) {
        daas_agent_podres_mounts_free(ms, k);
        return rc;
    }
    *mounts = ms;
    *n = k;
    return DAAS_OK;
}

void daas_agent_podres_mounts_free(daas_rt_mount *mounts, size_t n)
{
    for (size_t i = 0; mounts != NULL && i < n; i++) {
        daas_free((char *)mounts[i].source);
        daas_free((char *)mounts[i].dest);
    }
    daas_free(mounts);
}

/* ---- teardown ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if ((flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT)
        DAAS_WARN("agent", "cannot remove %s: %s", path, strerror(errno));
    return 0;
}

static void unmount_all(const char *root)
{
    DIR *d = opendir(root);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = daas_xasprintf("%s/%s", root, de->d_name);
        /* a tmpfs still used by a container process: detach it (freed when unused) */
        for (int tries = 0; daas_is_mount_point(p) && tries < 4; tries++)
            if (umount2(p, tries < 2 ? 0 : MNT_DETACH) != 0 && errno != EBUSY)
                DAAS_WARN("agent", "cannot unmount %s: %s", p, strerror(errno));
        daas_free(p);
    }
    if (d != NULL)
        closedir(d);
}

void daas_agent_podres_teardown(daas_agent_podres *r, const char *pod_uid)
{
    if (r == NULL || !daas_agent_podres__name_ok(pod_uid, 128))
        return;
    daas_agent_podres__forget(r, pod_uid);
    char *root = vol_root(r, pod_uid);
    unmount_all(root);
    if (access(root, F_OK) == 0 && nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
        DAAS_WARN("agent", "cannot remove %s: %s", root, strerror(errno));
    daas_free(root);
}
