/*
 * fuzz_image_tar.c: libFuzzer target for the tar reader (src/image/tar.c) on arbitrary
 *                   archives, plain or gzip.
 *
 * Owns:   nothing. Every entry the reader returns must have a name and link name within the
 *         bounds of tar.h and give at most its declared size of data; the walk ends at the
 *         end marker (0) or with an error carrying a message, without crash, leak or UB.
 *         Each name also goes through daas_image_clean_path, whose output never holds a
 *         ".." component or a leading '/'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *name)
{
    char out[DAAS_IMAGE_TAR_MAX_NAME + 2];
    daas_err err = {0};
    if (daas_image_clean_path(name, out, sizeof out, &err) != DAAS_OK) {
        if (!err.msg[0])
            abort();
        return;
    }
    if (out[0] == '/' || strcmp(out, "..") == 0 || strncmp(out, "../", 3) == 0 ||
        strstr(out, "/../") || (strlen(out) >= 3 && strcmp(out + strlen(out) - 3, "/..") == 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_image_tar *t = daas_image_tar_open_mem(data, size);
    const daas_image_tar_entry *e = NULL;
    daas_err err = {0};
    char buf[4096];
    int rc;
    while ((rc = daas_image_tar_next(t, &e, &err)) == 1) {
        if (strlen(e->name) > DAAS_IMAGE_TAR_MAX_NAME ||
            strlen(e->linkname) > DAAS_IMAGE_TAR_MAX_NAME)
            abort();
        check_clean(e->name);
        uint64_t total = 0;
        size_t got = 0;
        while ((rc = daas_image_tar_read(t, buf, sizeof buf, &got, &err)) == DAAS_OK && got > 0)
            total += got;
        if (total > e->size)
            abort();
        if (rc != DAAS_OK)
            break;
    }
    if (rc < 0 && !err.msg[0])
        abort();
    daas_image_tar_close(&t);
    return 0;
}
