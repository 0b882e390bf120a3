/*
 * unpack.c: applies image layers to a rootfs directory (image.h): files, directories,
 *           symlinks, hardlinks, OCI whiteouts, with every write confined to the rootfs.
 *
 * Owns:   nothing persistent; descriptors opened per entry are closed before the next.
 * Invariants:
 *   - every name is cleaned (daas_image_clean_path): absolute names and ".." are refused;
 *   - parents are walked one component at a time with openat(O_DIRECTORY|O_NOFOLLOW), so a
 *     symlink in a parent (planted by this or an earlier layer) is refused, never followed;
 *   - leaves are created with O_NOFOLLOW / symlinkat / linkat(0), never through a symlink;
 *   - device nodes and FIFOs are skipped; ownership is not changed (rootless runtime).
 * Limits: an opaque whiteout (.wh..wh..opq) empties the directory when it is met; tar
 *         writers put it before the directory's other entries of the same layer.
 */
#include "image/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "image/tar.h"

#define WH ".wh."
#define WH_OPQ ".wh..wh..opq"

int daas_image_clean_path(const char *name, char *out, size_t n, daas_err *err)
{
    size_t o = 0;
    if (name[0] == '/')
        return daas_fail(err, DAAS_EDENIED, "absolute path in layer: %.200s", name);
    const char *p = name;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return daas_fail(err, DAAS_EDENIED, "\"..\" in layer path: %.200s", name);
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (o + len + 2 > n)
                return daas_fail(err, DAAS_EINVAL, "layer path too long");
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p += len + (e ? 1 : 0);
    }
    if (n == 0)
        return daas_fail(err, DAAS_EINVAL, "layer path too long");
    out[o] = '\0';
    return DAAS_OK;
}

/* Opens the parent directory of path (relative to rootfd), creating missing directories;
 * *leaf points into path at the last component. */
static int open_parent(int rootfd, char *path, const char **leaf, int *out, daas_err *err)
{
    int dfd = dup(rootfd);
    char *p = path;
    if (dfd < 0)
        return daas_fail(err, DAAS_EIO, "dup: %s", strerror(errno));
    for (char *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        *slash = '\0';
        int nfd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0 && errno == ENOENT && mkdirat(dfd, p, 0755) == 0)
            nfd = openat(dfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        *slash = '/';
        close(dfd);
        if (nfd < 0) {
            return daas_fail(err, e == ELOOP || e == ENOTDIR ? DAAS_EDENIED : DAAS_EIO,
                             "layer path %.200s: %s through a non-directory or symlink", path,
                             e == ELOOP || e == ENOTDIR ? "refusing to write" : strerror(e));
        }
        dfd = nfd;
    }
    *leaf = p;
    *out = dfd;
    return DAAS_OK;
}

/* Removes name in dfd, recursively when it is a directory (never following symlinks). */
static int remove_tree(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return -1;
    if (depth > 256)
        return -1;
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            remove_tree(dirfd(d), de->d_name, depth + 1) != 0)
            rc = -1;
    closedir(d);
    if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        rc = -1;
    return rc;
}

/* Empties the directory open at dfd. */
static int empty_dir(int dfd)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(d);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            remove_tree(dfd, de->d_name, 0) != 0)
            rc = -1;
    closedir(d);
    return rc;
}

static int write_file(daas_image_tar *t, int dfd, const char *leaf, uint32_t mode, const char *path,
                      daas_err *err)
{
    int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return daas_fail(err, DAAS_EIO, "creating %s: %s", path, strerror(errno));
    char buf[65536];
    int rc = DAAS_OK;
    for (;;) {
        size_t got = 0;
        if ((rc = daas_image_tar_read(t, buf, sizeof buf, &got, err)) != DAAS_OK || got == 0)
            break;
        int e = daas_write_all(fd, buf, got);
        if (e != 0) {
            rc = daas_fail(err, DAAS_EIO, "writing %s: %s", path, strerror(e));
            break;
        }
    }
    if (rc == DAAS_OK && fchmod(fd, mode) != 0)
        rc = daas_fail(err, DAAS_EIO, "chmod %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

static int make_dir(int dfd, const char *leaf, uint32_t mode, const char *path, daas_err *err)
{
    struct stat st;
    if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
        (void)remove_tree(dfd, leaf, 0);
    if (mkdirat(dfd, leaf, 0700) != 0 && errno != EEXIST)
        return daas_fail(err, DAAS_EIO, "mkdir %s: %s", path, strerror(errno));
    int fd = openat(dfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, DAAS_EDENIED, "directory %s is not a directory", path);
    int rc = fchmod(fd, mode) == 0
                 ? DAAS_OK
                 : daas_fail(err, DAAS_EIO, "chmod %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

static int hard_link(int rootfd, int dfd, const char *leaf, const char *target, const char *path,
                     daas_err *err)
{
    char clean[DAAS_IMAGE_TAR_MAX_NAME + 2];
    const char *sleaf = NULL;
    int sfd = -1;
    int rc = daas_image_clean_path(target, clean, sizeof clean, err);
    if (rc == DAAS_OK && !clean[0])
        rc = daas_fail(err, DAAS_EDENIED, "hardlink %s to the root", path);
    if (rc == DAAS_OK)
        rc = open_parent(rootfd, clean, &sleaf, &sfd, err);
    if (rc == DAAS_OK && linkat(sfd, sleaf, dfd, leaf, 0) != 0)
        rc = daas_fail(err, DAAS_EIO, "hardlink %s -> %s: %s", path, target, strerror(errno));
    if (sfd >= 0)
        close(sfd);
    return rc;
}

/* Applies one entry whose cleaned name is path. */
static int apply_entry(daas_image_tar *t, int rootfd, const daas_image_tar_entry *e, char *path,
                       daas_err *err)
{
    const char *leaf = NULL;
    int dfd = -1, rc = DAAS_OK;
    if (!path[0]) /* the root itself */
        return DAAS_OK;
    if (e->type == '3' || e->type == '4' || e->type == '6')
        return DAAS_OK;
    if ((rc = open_parent(rootfd, path, &leaf, &dfd, err)) != DAAS_OK)
        return rc;
    if (strcmp(leaf, WH_OPQ) == 0) {
        if (empty_dir(dfd) != 0)
            rc = daas_fail(err, DAAS_EIO, "opaque whiteout %s: %s", path, strerror(errno));
    } else if (strncmp(leaf, WH, strlen(WH)) == 0) {
        const char *victim = leaf + strlen(WH);
        if (!victim[0] || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
            rc = daas_fail(err, DAAS_EDENIED, "bad whiteout %s", path);
        else if (remove_tree(dfd, victim, 0) != 0)
            rc = daas_fail(err, DAAS_EIO, "whiteout %s: %s", path, strerror(errno));
    } else if (e->type == '5') {
        rc = make_dir(dfd, leaf, e->mode, path, err);
    } else {
        struct stat st;
        if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && remove_tree(dfd, leaf, 0) != 0)
            rc = daas_fail(err, DAAS_EIO, "replacing %s: %s", path, strerror(errno));
        else if (e->type == '2' && symlinkat(e->linkname, dfd, leaf) != 0)
            rc = daas_fail(err, DAAS_EIO, "symlink %s: %s", path, strerror(errno));
        else if (e->type == '1')
            rc = hard_link(rootfd, dfd, leaf, e->linkname, path, err);
        else if (e->type == '0')
            rc = write_file(t, dfd, leaf, e->mode, path, err);
    }
    close(dfd);
    return rc;
}

int daas_image_apply_layer(int rootfd, const char *layer_path, daas_err *err)
{
    int fd = open(layer_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, DAAS_EIO, "opening layer %s: %s", layer_path, strerror(errno));
    daas_image_tar *t = daas_image_tar_open_fd(fd);
    const daas_image_tar_entry *e = NULL;
    char path[DAAS_IMAGE_TAR_MAX_NAME + 2];
    int rc;
    while ((rc = daas_image_tar_next(t, &e, err)) == 1) {
        rc = daas_image_clean_path(e->name, path, sizeof path, err);
        if (rc == DAAS_OK)
            rc = apply_entry(t, rootfd, e, path, err);
        if (rc != DAAS_OK)
            break;
    }
    daas_image_tar_close(&t);
    close(fd);
    return rc;
}

int daas_image_unpack(const daas_image_store *s, const char *ref, const char *rootfs_dir,
                      daas_err *err)
{
    daas_image_manifest m;
    int rootfd = -1;
    int rc = daas_image_manifest_load(s, ref, &m, err);
    if (rc == DAAS_OK)
        rc = daas_mkdir_p(rootfs_dir, err);
    if (rc == DAAS_OK && (rootfd = open(rootfs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = daas_fail(err, DAAS_EIO, "opening %s: %s", rootfs_dir, strerror(errno));
    /* the container's "/" must be traversable by any uid (daas_mkdir_p made it 0700) */
    if (rc == DAAS_OK && fchmod(rootfd, 0755) != 0)
        rc = daas_fail(err, DAAS_EIO, "chmod %s: %s", rootfs_dir, strerror(errno));
    for (size_t i = 0; rc == DAAS_OK && i < m.n_layers; i++) {
        char *p = daas_image_blob_path(s, m.layers[i].digest);
        if (!daas_image_blob_has(s, m.layers[i].digest))
            rc = daas_fail(err, DAAS_ENOTFOUND, "layer %s of %s is missing from the store",
                           m.layers[i].digest, ref);
        else
            rc = daas_image_apply_layer(rootfd, p, err);
        daas_free(p);
    }
    if (rootfd >= 0)
        close(rootfd);
    daas_image_manifest_fini(&m);
    return rc;
}
