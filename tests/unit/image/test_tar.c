/*
 * test_tar.c: the tar reader (ustar, GNU long names, PAX, gzip, truncation) and layer
 * application: files, modes, dirs, symlinks, hardlinks, whiteouts (plain and opaque), and
 * refusal of absolute names, ".." components and writes through symlinks.
 */
#include <zlib.h>

#include "image_testutil.h"

static void test_reader_formats(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 0);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    tb_file(&b, "a.txt", "hello");
    tb_entry(&b, 'L', "././@LongLink", NULL, 0644, longname, strlen(longname) + 1);
    tb_file(&b, "ignored", "x");
    const char pax[] = "27 path=pax/very/long/name\n";
    tb_entry(&b, 'x', "PaxHeader", NULL, 0644, pax, strlen(pax));
    tb_entry(&b, '2', "short", "target", 0777, NULL, 0);
    tb_end(&b);
    daas_image_tar *t = daas_image_tar_open_mem(b.data, b.len);
    const daas_image_tar_entry *e;
    daas_err err = {0};
    char buf[16];
    size_t got = 0;
    assert_int_equal(daas_image_tar_next(t, &e, &err), 1);
    assert_string_equal(e->name, "a.txt");
    assert_int_equal(e->size, 5);
    assert_int_equal(e->mode, 0644);
    assert_int_equal(daas_image_tar_read(t, buf, sizeof buf, &got, &err), DAAS_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(daas_image_tar_next(t, &e, &err), 1);
    assert_string_equal(e->name, longname);
    assert_int_equal(daas_image_tar_next(t, &e, &err), 1); /* skips unread data */
    assert_string_equal(e->name, "pax/very/long/name");
    assert_int_equal(e->type, '2');
    assert_string_equal(e->linkname, "target");
    assert_int_equal(daas_image_tar_next(t, &e, &err), 0);
    daas_image_tar_close(&t);
    daas_buf_fini(&b);
}

static void test_reader_gzip_and_truncation(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 0);
    tb_file(&b, "f", "gzipped content");
    tb_end(&b);
    uLongf zn = compressBound(b.len) + 64;
    unsigned char *z = daas_xmalloc(zn);
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)b.data;
    zs.avail_in = (uInt)b.len;
    zs.next_out = z;
    zs.avail_out = (uInt)zn;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t zlen = zs.total_out;
    deflateEnd(&zs);
    daas_image_tar *t = daas_image_tar_open_mem(z, zlen);
    const daas_image_tar_entry *e;
    daas_err err = {0};
    char buf[64];
    size_t got = 0;
    assert_int_equal(daas_image_tar_next(t, &e, &err), 1);
    assert_int_equal(daas_image_tar_read(t, buf, sizeof buf, &got, &err), DAAS_OK);
    assert_memory_equal(buf, "gzipped content", 15);
    assert_int_equal(daas_image_tar_next(t, &e, &err), 0);
    daas_image_tar_close(&t);
    /* truncated in the middle of the data: an error, never a short entry */
    t = daas_image_tar_open_mem(b.data, 520);
    assert_int_equal(daas_image_tar_next(t, &e, &err), 1);
    assert_int_equal(daas_image_tar_read(t, buf, sizeof buf, &got, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "truncated tar archive");
    daas_image_tar_close(&t);
    /* a corrupted header checksum */
    b.data[0] ^= 1;
    daas_err_clear(&err);
    t = daas_image_tar_open_mem(b.data, b.len);
    assert_int_equal(daas_image_tar_next(t, &e, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "checksum"));
    daas_image_tar_close(&t);
    daas_free(z);
    daas_buf_fini(&b);
}

static void test_clean_path(void **state)
{
    (void)state;
    char out[64];
    daas_err err = {0};
    assert_int_equal(daas_image_clean_path("./a//b/./c/", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "a/b/c");
    assert_int_equal(daas_image_clean_path("./", out, sizeof out, &err), DAAS_OK);
    assert_string_equal(out, "");
    assert_int_equal(daas_image_clean_path("/etc/passwd", out, sizeof out, &err), DAAS_EDENIED);
    daas_err_clear(&err);
    assert_int_equal(daas_image_clean_path("a/../../x", out, sizeof out, &err), DAAS_EDENIED);
    assert_int_equal(daas_image_clean_path("a..b/c..", out, sizeof out, &err), DAAS_OK);
}

/* Applies the archive in b to root; returns the status. */
static int apply(const char *root, daas_buf *b, daas_err *err)
{
    char *layer = daas_xasprintf("%s.layer", root);
    tb_write(b, layer);
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    int rc = daas_image_apply_layer(fd, layer, err);
    close(fd);
    unlink(layer);
    daas_free(layer);
    daas_buf_reset(b);
    return rc;
}

static void test_apply_and_whiteouts(void **state)
{
    (void)state;
    char *root = tu_tmpdir();
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 0);
    tb_entry(&b, '5', "etc/", NULL, 0755, NULL, 0);
    tb_entry(&b, '0', "etc/conf", NULL, 0600, "v1", 2);
    tb_entry(&b, '0', "bin/tool", NULL, 0755, "#!", 2); /* parent created on the way */
    tb_entry(&b, '2', "bin/sh", "tool", 0777, NULL, 0);
    tb_entry(&b, '1', "bin/tool2", "bin/tool", 0755, NULL, 0);
    tb_file(&b, "gone/a", "a");
    tb_file(&b, "opq/old", "old");
    tb_entry(&b, '3', "dev/null", NULL, 0666, NULL, 0);
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_OK);
    char *s = tu_read(root, "etc/conf");
    assert_string_equal(s, "v1");
    daas_free(s);
    struct stat st;
    char *p = daas_xasprintf("%s/bin/tool", root);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(st.st_nlink, 2);
    daas_free(p);
    char lbuf[16] = {0};
    p = daas_xasprintf("%s/bin/sh", root);
    assert_int_equal(readlink(p, lbuf, sizeof lbuf - 1), 4);
    assert_string_equal(lbuf, "tool");
    daas_free(p);
    assert_false(tu_exists(root, "dev/null"));
    /* layer 2: whiteouts, an opaque directory, a file replaced */
    tb_file(&b, ".wh.gone", "");
    tb_file(&b, "opq/.wh..wh..opq", "");
    tb_file(&b, "opq/new", "new");
    tb_entry(&b, '0', "etc/conf", NULL, 0644, "v2", 2);
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_OK);
    assert_false(tu_exists(root, "gone"));
    assert_false(tu_exists(root, "opq/old"));
    assert_false(tu_exists(root, "opq/.wh..wh..opq"));
    assert_true(tu_exists(root, "opq/new"));
    s = tu_read(root, "etc/conf");
    assert_string_equal(s, "v2");
    daas_free(s);
    tu_rmrf(root);
    daas_free(root);
    daas_buf_fini(&b);
}

static void test_apply_refuses_escapes(void **state)
{
    (void)state;
    char *root = tu_tmpdir();
    char *outside = tu_tmpdir();
    daas_buf b;
    daas_err err = {0};
    daas_buf_init(&b, 0);
    tb_file(&b, "../escape", "x");
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_EDENIED);
    assert_non_null(strstr(err.msg, ".."));
    daas_err_clear(&err);
    tb_file(&b, "/abs", "x");
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "absolute"));
    /* a symlink to outside, then a write through it: refused, nothing written outside */
    daas_err_clear(&err);
    tb_entry(&b, '2', "link", outside, 0777, NULL, 0);
    tb_file(&b, "link/pwned", "x");
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "symlink"));
    assert_false(tu_exists(outside, "pwned"));
    /* a whiteout through the symlink must not delete outside files either */
    daas_err_clear(&err);
    tb_file(&b, "link/.wh..wh..opq", "");
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_EDENIED);
    /* a hardlink to a file outside the root */
    daas_err_clear(&err);
    tb_entry(&b, '1', "hl", "../../etc/passwd", 0644, NULL, 0);
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_EDENIED);
    /* replacing the symlink itself by a file is fine and does not follow it */
    daas_err_clear(&err);
    tb_file(&b, "link", "plain");
    tb_end(&b);
    assert_int_equal(apply(root, &b, &err), DAAS_OK);
    char *s = tu_read(root, "link");
    assert_string_equal(s, "plain");
    daas_free(s);
    tu_rmrf(root);
    tu_rmrf(outside);
    daas_free(root);
    daas_free(outside);
    daas_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_formats),
        cmocka_unit_test(test_reader_gzip_and_truncation),
        cmocka_unit_test(test_clean_path),
        cmocka_unit_test(test_apply_and_whiteouts),
        cmocka_unit_test(test_apply_refuses_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
