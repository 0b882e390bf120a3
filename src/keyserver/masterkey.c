/*
 * masterkey.c: the key server's master-key file: 64 hex digits (+ newline), mode 0600,
 * created with O_EXCL when missing.
 *
 * Owns:   nothing past the call; every buffer that held key text is wiped.
 * Invariants: a file readable by group or others is refused before it is read; the key
 *         never appears in an error message; a new file is complete and fsynced before the
 *         key is used (a crash leaves no half-written key that a restart would accept).
 * Spec:   specs/seal.md §5.2 (open mode: one BE scalar); docs/seal.md "Key server".
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "keyserver/keyserver.h"

static int load(int fd, const char *path, uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err)
{
    char text[2 * DAAS_SEAL_SCALAR_LEN + 3];
    struct stat st;
    ssize_t n;
    int rc = DAAS_OK;

    if (fstat(fd, &st) != 0)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return daas_fail(err, DAAS_EINVAL, "%s: not a regular file", path);
    if ((st.st_mode & 077) != 0)
        return daas_fail(err, DAAS_EDENIED,
                         "master key file %s has mode %04o: refusing it (chmod 600 %s)", path,
                         (unsigned)(st.st_mode & 07777), path);
    n = read(fd, text, sizeof text);
    if (n < 0)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    if (n == 2 * DAAS_SEAL_SCALAR_LEN + 1 && text[n - 1] == '\n')
        n--;
    if (n != 2 * DAAS_SEAL_SCALAR_LEN || !daas_hex_decode(text, DAAS_SEAL_SCALAR_LEN, msk))
        rc = daas_fail(err, DAAS_EINVAL, "%s: want 64 hex digits and an optional newline", path);
    else if (daas_seal_msk_check(msk, NULL) != DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL, "%s: not a valid master key (zero or >= r)", path);
    daas_seal_wipe(text, sizeof text);
    if (rc != DAAS_OK)
        daas_seal_wipe(msk, DAAS_SEAL_SCALAR_LEN);
    return rc;
}

static int create(const char *path, uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err)
{
    char text[2 * DAAS_SEAL_SCALAR_LEN + 1];
    int fd, rc, e;

    rc = daas_seal_msk_generate(msk, err);
    if (rc != DAAS_OK)
        return rc;
    daas_hex_encode(msk, DAAS_SEAL_SCALAR_LEN, text);
    text[2 * DAAS_SEAL_SCALAR_LEN] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
        goto out;
    }
    e = daas_write_all(fd, text, sizeof text);
    if (e == 0 && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e != 0) {
        rc = daas_fail(err, daas_from_errno(e), "%s: writing the new key: %s", path, strerror(e));
        unlink(path);
    }
out:
    daas_seal_wipe(text, sizeof text);
    if (rc != DAAS_OK)
        daas_seal_wipe(msk, DAAS_SEAL_SCALAR_LEN);
    return rc;
}

int daas_ks_master_key(const char *path, uint8_t msk[DAAS_SEAL_SCALAR_LEN], bool *created,
                       daas_err *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int rc;

    if (created != NULL)
        *created = false;
    if (fd < 0 && errno == ENOENT) {
        rc = create(path, msk, err);
        if (rc == DAAS_OK && created != NULL)
            *created = true;
        return rc;
    }
    if (fd < 0)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    rc = load(fd, path, msk, err);
    close(fd);
    return rc;
}
