/*
 * test_masterkey.c: the key server's master-key file (keyserver/masterkey.c): a missing file
 * is created 0600 with a valid key that loads back identically; group/other-readable files,
 * bad contents, zero and out-of-range scalars are refused without the key in the message.
 *
 * Owns:   a temporary directory per run, removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "keyserver/keyserver.h"

static char *dir;

static int setup(void **state)
{
    const char *base = getenv("DAAS_TEST_TMP");

    (void)state;
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    dir = daas_xasprintf("%s/ks-mk-XXXXXX", base);
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    rmdir(dir);
    daas_free(dir);
    return 0;
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
    char *p = daas_xasprintf("%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(daas_write_all(fd, text, strlen(text)), 0);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    return p;
}

static void test_create_then_load(void **state)
{
    char *p = daas_xasprintf("%s/new.key", dir);
    uint8_t a[32], b[32];
    bool created = false;
    struct stat st;
    daas_err err = {0};
    char text[80] = {0};
    int fd;

    (void)state;
    assert_int_equal(daas_ks_master_key(p, a, &created, &err), DAAS_OK);
    assert_true(created);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 65);
    fd = open(p, O_RDONLY);
    assert_int_equal(read(fd, text, sizeof text), 65);
    close(fd);
    assert_int_equal(text[64], '\n');
    assert_int_equal(daas_seal_msk_check(a, &err), DAAS_OK);
    /* the second start loads the same key */
    assert_int_equal(daas_ks_master_key(p, b, &created, &err), DAAS_OK);
    assert_false(created);
    assert_memory_equal(a, b, 32);
    /* 0400 is fine too */
    assert_int_equal(chmod(p, 0400), 0);
    assert_int_equal(daas_ks_master_key(p, b, NULL, &err), DAAS_OK);
    assert_memory_equal(a, b, 32);
    /* 0644 is refused, and the message names the mode, not the key */
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(daas_ks_master_key(p, b, NULL, &err), DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "mode 0644"));
    assert_null(strstr(err.msg, text + 8));
    unlink(p);
    daas_free(p);
}

static void expect_bad(const char *text, mode_t mode, int code)
{
    char *p = write_file("bad.key", text, mode);
    uint8_t k[32];
    daas_err err = {0};
    int rc = daas_ks_master_key(p, k, NULL, &err);

    if (rc != code)
        fail_msg("'%s' mode %o: rc %d (%s), want %d", text, (unsigned)mode, rc, err.msg, code);
    if (strlen(text) > 16 && strstr(err.msg, text + 8) != NULL)
        fail_msg("message holds key text: %s", err.msg);
    unlink(p);
    daas_free(p);
}

static void test_refusals(void **state)
{
    static const char good[] = "1a947b48119ddec8b4c9e0ad1ff65fe526cc4fc6fbc304e2e77dbf34f18d0992";
    char buf[140];
    uint8_t k[32];
    daas_err err = {0};
    char *p;

    (void)state;
    expect_bad(good, 0640, DAAS_EDENIED);
    expect_bad(good, 0604, DAAS_EDENIED);
    /* the §8.3 master key, with and without newline, upper case */
    p = write_file("ok.key", good, 0600);
    assert_int_equal(daas_ks_master_key(p, k, NULL, &err), DAAS_OK);
    assert_int_equal(k[0], 0x1a);
    assert_int_equal(k[31], 0x92);
    unlink(p);
    daas_free(p);
    snprintf(buf, sizeof buf, "%s\n", good);
    expect_bad(buf, 0600, DAAS_OK);
    expect_bad("1A947B48119DDEC8B4C9E0AD1FF65FE526CC4FC6FBC304E2E77DBF34F18D0992", 0600, DAAS_OK);
    snprintf(buf, sizeof buf, "%s\n\n", good);
    expect_bad(buf, 0600, DAAS_EINVAL);
    snprintf(buf, sizeof buf, "0x%s", good);
    expect_bad(buf, 0600, DAAS_EINVAL);
    expect_bad("1a947b48", 0600, DAAS_EINVAL);
    expect_bad("", 0600, DAAS_EINVAL);
    expect_bad("zz947b48119ddec8b4c9e0ad1ff65fe526cc4fc6fbc304e2e77dbf34f18d0992", 0600,
               DAAS_EINVAL);
    /* zero, r and 2^256-1 are not master keys */
    expect_bad("0000000000000000000000000000000000000000000000000000000000000000", 0600,
               DAAS_EINVAL);
    expect_bad("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 0600,
               DAAS_EINVAL);
    expect_bad("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0600,
               DAAS_EINVAL);
    /* a directory is not a key file */
    assert_int_equal(daas_ks_master_key(dir, k, NULL, &err), DAAS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_load),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
