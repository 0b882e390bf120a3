/*
 * test_store.c: the content-addressed store: verified blobs (a digest mismatch keeps
 * nothing, not even a temp file), refs.json look-ups, and unpack/config of an image built
 * in the store by hand.
 */
#include <dirent.h>

#include "image_testutil.h"

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_blob_verify(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    daas_image_store *s = NULL;
    daas_err err = {0};
    char want[DAAS_IMAGE_DIGEST_LEN + 1], got[DAAS_IMAGE_DIGEST_LEN + 1];
    assert_int_equal(daas_image_store_open(dir, &s, &err), DAAS_OK);
    daas_image_digest_of("hello", 5, want);
    assert_string_equal(want,
                        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    /* wrong bytes for the digest: DAAS_EUNAUTH naming the blob, nothing kept */
    assert_int_equal(daas_image_blob_put(s, want, "hellp", 5, got, &err), DAAS_EUNAUTH);
    assert_non_null(strstr(err.msg, want));
    assert_false(daas_image_blob_has(s, want));
    char *blobs = daas_xasprintf("%s/blobs/sha256", dir);
    assert_int_equal(count_files(blobs), 0);
    daas_err_clear(&err);
    assert_int_equal(daas_image_blob_put(s, want, "hello", 5, got, &err), DAAS_OK);
    assert_string_equal(got, want);
    assert_true(daas_image_blob_has(s, want));
    assert_int_equal(count_files(blobs), 1);
    /* an aborted writer leaves nothing */
    daas_image_blob_writer *w = NULL;
    assert_int_equal(daas_image_blob_begin(s, NULL, &w, &err), DAAS_OK);
    assert_int_equal(daas_image_blob_write(w, "abc", 3, &err), DAAS_OK);
    daas_image_blob_abort(&w);
    assert_null(w);
    assert_int_equal(count_files(blobs), 1);
    assert_int_equal(daas_image_blob_begin(s, "sha256:../../etc", &w, &err), DAAS_EINVAL);
    daas_image_store_close(&s);
    tu_rmrf(dir);
    daas_free(blobs);
    daas_free(dir);
}

static void add_ref(void *ctx, const char *ref, const char *digest)
{
    daas_buf *b = ctx;
    assert_int_equal(daas_buf_printf(b, "%s=%s;", ref, digest + 7), DAAS_OK);
}

/* Stores text as a blob and returns its digest (static buffer per slot). */
static const char *put(daas_image_store *s, const void *p, size_t n, char *d)
{
    daas_err err = {0};
    assert_int_equal(daas_image_blob_put(s, NULL, p, n, d, &err), DAAS_OK);
    return d;
}

static void test_refs_unpack_config(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    daas_image_store *s = NULL;
    daas_err err = {0};
    assert_int_equal(daas_image_store_open(dir, &s, &err), DAAS_OK);
    char cd[80], ld[80], md[80];
    const char *cfg = "{\"config\":{\"Cmd\":[\"sh\"],\"WorkingDir\":\"/w\"}}";
    put(s, cfg, strlen(cfg), cd);
    daas_buf layer;
    daas_buf_init(&layer, 0);
    tb_file(&layer, "hello.txt", "from the layer");
    tb_end(&layer);
    put(s, layer.data, layer.len, ld);
    char *m = daas_xasprintf("{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\",\"size\":%zu},"
                             "\"layers\":[{\"digest\":\"%s\",\"size\":%zu}]}",
                             cd, strlen(cfg), ld, layer.len);
    put(s, m, strlen(m), md);
    assert_int_equal(daas_image_ref_set(s, "docker.io/library/demo:latest", md, &err), DAAS_OK);
    char *d = NULL;
    assert_int_equal(daas_image_ref_get(s, "demo", &d, &err), DAAS_OK);
    assert_string_equal(d, md);
    daas_free(d);
    assert_int_equal(daas_image_ref_get(s, md, &d, &err), DAAS_OK);
    daas_free(d);
    assert_int_equal(daas_image_ref_get(s, "other", &d, &err), DAAS_ENOTFOUND);
    assert_string_equal(err.msg, "image not found: other");
    daas_err_clear(&err);
    daas_buf list;
    daas_buf_init(&list, 0);
    assert_int_equal(daas_image_ref_set(s, "a:1", md, &err), DAAS_OK);
    /* an imported short name is found by its canonical form (a pod's image) */
    assert_int_equal(daas_image_ref_get(s, "docker.io/library/a:1", &d, &err), DAAS_OK);
    assert_string_equal(d, md);
    daas_free(d);
    assert_int_equal(daas_image_ref_get(s, "docker.io/library/a:2", &d, &err), DAAS_ENOTFOUND);
    daas_err_clear(&err);
    assert_int_equal(daas_image_ref_list(s, add_ref, &list, &err), DAAS_OK);
    char *want = daas_xasprintf("a:1=%s;docker.io/library/demo:latest=%s;", md + 7, md + 7);
    assert_string_equal(list.data, want);
    daas_image_cfg c;
    assert_int_equal(daas_image_config(s, "demo", &c, &err), DAAS_OK);
    assert_string_equal(c.cmd[0], "sh");
    assert_string_equal(c.working_dir, "/w");
    daas_image_config_fini(&c);
    char *root = daas_xasprintf("%s/rootfs", dir);
    assert_int_equal(daas_image_unpack(s, "a:1", root, &err), DAAS_OK);
    char *txt = tu_read(root, "hello.txt");
    assert_string_equal(txt, "from the layer");
    daas_free(txt);
    daas_image_store_close(&s);
    tu_rmrf(dir);
    daas_free(root);
    daas_free(want);
    daas_free(m);
    daas_free(dir);
    daas_buf_fini(&layer);
    daas_buf_fini(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blob_verify),
        cmocka_unit_test(test_refs_unpack_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
