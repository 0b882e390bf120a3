/*
 * tar.h: a small streaming tar reader for image layers and image archives.
 *
 * Owns:   the reader over a file descriptor or a memory range, with transparent gzip (zlib)
 *         when the input starts with the gzip magic.
 * Invariants:
 *   - formats: ustar/POSIX (prefix field), GNU long names and link names ('L', 'K'), PAX
 *     extended headers ('x' path/linkpath/size; 'g' ignored); anything else is rejected;
 *   - every size is bounded: names ≤ DAAS_IMAGE_TAR_MAX_NAME, PAX/long-name records ≤
 *     DAAS_IMAGE_TAR_MAX_META, header checksums are verified;
 *   - a truncated archive is DAAS_EINVAL "truncated tar archive", never a short entry.
 * Thread: one reader per thread.
 */
#ifndef DAAS_IMAGE_TAR_H
#define DAAS_IMAGE_TAR_H

#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_IMAGE_TAR_MAX_NAME 4096
#define DAAS_IMAGE_TAR_MAX_META ((size_t)1 << 20)

typedef struct daas_image_tar daas_image_tar;

typedef struct daas_image_tar_entry {
    char *name;     /* as stored (not cleaned) */
    char *linkname; /* symlink target or hardlink source; "" otherwise */
    char type;      /* '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir,
                     * '6' fifo */
    uint32_t mode;  /* permission bits */
    uint64_t size;  /* data bytes (files only) */
} daas_image_tar_entry;

/* Reads from fd (not closed by the reader). */
daas_image_tar *daas_image_tar_open_fd(int fd);
/* Reads from p[0..n) (borrowed; must outlive the reader). */
daas_image_tar *daas_image_tar_open_mem(const void *p, size_t n);
void daas_image_tar_close(daas_image_tar **t);

/* The next entry: 1 with *e filled (valid until the next call), 0 at the end, or an error.
 * Unread data of the previous entry is skipped. */
DAAS_MUST_USE int daas_image_tar_next(daas_image_tar *t, const daas_image_tar_entry **e,
                                      daas_err *err);
/* Reads up to n bytes of the current entry's data: *got = 0 at its end. */
DAAS_MUST_USE int daas_image_tar_read(daas_image_tar *t, void *buf, size_t n, size_t *got,
                                      daas_err *err);

#endif
