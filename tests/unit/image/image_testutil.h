/*
 * image_testutil.h: helpers for the image tests: tar archives built in memory (ustar
 * headers, GNU long names, PAX records), temp directories removed recursively, file
 * helpers. Header-only: every test includes it once.
 */
#ifndef DAAS_TEST_IMAGE_TESTUTIL_H
#define DAAS_TEST_IMAGE_TESTUTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/alloc.h"
#include "common/util.h"
#include "image/image.h"
#include "image/tar.h"

/* Appends one header (+ data, padded) of the given type to b. */
static inline void tb_entry(daas_buf *b, char type, const char *name, const char *link,
                            unsigned mode, const void *data, size_t n)
{
    unsigned char h[512] = {0};
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", mode);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)n);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (unsigned char)type;
    if (link)
        snprintf((char *)h + 157, 100, "%s", link);
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    assert_int_equal(daas_buf_append(b, h, 512), DAAS_OK);
    if (n) {
        static const unsigned char zero[512];
        assert_int_equal(daas_buf_append(b, data, n), DAAS_OK);
        assert_int_equal(daas_buf_append(b, zero, (512 - n % 512) % 512), DAAS_OK);
    }
}

static inline void tb_file(daas_buf *b, const char *name, const char *text)
{
    tb_entry(b, '0', name, NULL, 0644, text, strlen(text));
}

static inline void tb_end(daas_buf *b)
{
    static const unsigned char zero[1024];
    assert_int_equal(daas_buf_append(b, zero, sizeof zero), DAAS_OK);
}

static inline void tb_write(const daas_buf *b, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(daas_write_all(fd, b->data, b->len), 0);
    close(fd);
}

static inline int tu_rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static inline void tu_rmrf(const char *dir)
{
    nftw(dir, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/daas-image-test.XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return daas_xstrdup(tmpl);
}

/* The text of a small file, or NULL; caller frees. */
static inline char *tu_read(const char *dir, const char *rel)
{
    char *p = daas_xasprintf("%s/%s", dir, rel);
    FILE *f = fopen(p, "r");
    daas_free(p);
    if (!f)
        return NULL;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return daas_xstrdup(buf);
}

static inline bool tu_exists(const char *dir, const char *rel)
{
    char *p = daas_xasprintf("%s/%s", dir, rel);
    struct stat st;
    bool ok = lstat(p, &st) == 0;
    daas_free(p);
    return ok;
}

#endif
