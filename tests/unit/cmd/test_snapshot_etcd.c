/*
 * test_snapshot_etcd.c: `daas etcd-snapshot restore` on etcd (cmd/snapshot_etcd.c, included
 * to reach its statics) and the snapshot file check it relies on (store/snapshot_etcd.c).
 *
 * Covers: --etcd-initial-cluster parsing (members, several URLs per name, IPv6, every kind of
 *         bad item refused); etcdctl's environment (no ETCDCTL_* but ETCDCTL_API=3); the last
 *         stderr line kept; the SHA-256 trailer check of a file; a whole restore against a
 *         stand-in etcdctl on PATH: all members placed, a second run refused, one member
 *         failing leaves nothing behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "cmd/snapshot_etcd.c"

static void test_cluster_ok(void **state)
{
    (void)state;
    snap_cluster c = {0};
    daas_err err = {0};
    assert_int_equal(cluster_parse("m1=https://10.0.0.1:2380,m2=http://h.example:2380,"
                                   "m3=https://[fd00::1]:65535",
                                   &c, &err),
                     DAAS_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.v[0].name, "m1");
    assert_string_equal(c.v[0].urls.data, "https://10.0.0.1:2380");
    assert_string_equal(c.v[1].urls.data, "http://h.example:2380");
    assert_string_equal(c.v[2].name, "m3");
    assert_string_equal(c.v[2].urls.data, "https://[fd00::1]:65535");
    cluster_fini(&c);

    /* A name given twice is one member with two peer URLs, in order. */
    assert_int_equal(cluster_parse("a=http://x:1,b.c_d-e=http://y:2,a=http://z:3", &c, &err),
                     DAAS_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.v[0].urls.data, "http://x:1,http://z:3");
    assert_string_equal(c.v[1].name, "b.c_d-e");
    cluster_fini(&c);
}

static void test_cluster_bad(void **state)
{
    (void)state;
    static const char *bad[] = {"",
                                "m1",
                                "=http://x:1",
                                "m1=",
                                "m1=x:1",
                                "m1=ftp://x:1",
                                "m1=http://x",
                                "m1=http://x:",
                                "m1=http://x:0",
                                "m1=http://x:65536",
                                "m1=http://x:123456",
                                "m1=http://x:1/",
                                "m1=http://x:1/path",
                                "m1=http://x:1,",
                                ",m1=http://x:1",
                                "..=http://x:1",
                                ".=http://x:1",
                                "a/b=http://x:1",
                                "a b=http://x:1",
                                "m1=http://a b:1",
                                "m1=http://[::1:1",
                                "m1=http://[]:1",
                                "m1=http://[::1]",
                                "m1=http://u@x:1",
                                "m1=http://x:1:2",
                                "m1=http://x:1,m2=http://x:1", /* one URL for two members */
                                "m1=http://x:1,m1=http://x:1",
                                ("0123456789012345678901234567890123456789012345678901"
                                 "2345678901234=http://x:1")}; /* a 65-byte name */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snap_cluster c = {0};
        daas_err err = {0};
        if (cluster_parse(bad[i], &c, &err) != DAAS_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(strstr(err.msg, "--etcd-initial-cluster") != NULL);
        cluster_fini(&c);
    }
}

static void test_cluster_caps(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 0);
    for (int i = 0; i <= CLUSTER_MAX_MEMBERS; i++)
        assert_int_equal(daas_buf_printf(&b, "%sm%d=http://h:%d", i ? "," : "", i, 1000 + i),
                         DAAS_OK);
    snap_cluster c = {0};
    daas_err err = {0};
    assert_int_equal(cluster_parse(b.data, &c, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "more than"));
    cluster_fini(&c);
    /* Exactly the maximum is fine. */
    *strrchr(b.data, ',') = '\0';
    daas_err_clear(&err);
    assert_int_equal(cluster_parse(b.data, &c, &err), DAAS_OK);
    assert_int_equal(c.n, CLUSTER_MAX_MEMBERS);
    cluster_fini(&c);
    daas_buf_fini(&b);
}

static void test_env(void **state)
{
    (void)state;
    char *env[] = {"PATH=/bin", "ETCDCTL_API=2", "ETCDCTL_SKIP_HASH_CHECK=true",
                   "HOME=/x",   "XETCDCTL_Y=1",  NULL};
    char **v = etcdctl_env(env);
    assert_string_equal(v[0], "PATH=/bin");
    assert_string_equal(v[1], "HOME=/x");
    assert_string_equal(v[2], "XETCDCTL_Y=1");
    assert_string_equal(v[3], "ETCDCTL_API=3");
    assert_null(v[4]);
    daas_free(v);
    v = etcdctl_env(NULL);
    assert_string_equal(v[0], "ETCDCTL_API=3");
    assert_null(v[1]);
    daas_free(v);
}

static void test_last_line(void **state)
{
    (void)state;
    last_line l = {0};
    const char *s = "{\"level\":\"info\"}\r\nError: data-dir \"x\" exists\n\n";
    for (size_t i = 0; s[i]; i++) /* byte by byte: lines span reads */
        last_line_feed(&l, s + i, 1);
    last_line_end(&l);
    assert_string_equal(l.last, "Error: data-dir \"x\" exists");
    last_line_feed(&l, "no newline at the end", 21);
    last_line_end(&l);
    assert_string_equal(l.last, "no newline at the end");
    char big[3 * LAST_LINE_MAX];
    memset(big, 'a', sizeof big);
    last_line_feed(&l, big, sizeof big);
    last_line_feed(&l, "\n", 1);
    assert_int_equal(strlen(l.last), LAST_LINE_MAX);
}

/* A temp dir for one test (DAAS_TEST_TMP from ctest, else /tmp). */
static char *tmpdir(void)
{
    const char *base = getenv("DAAS_TEST_TMP") ? getenv("DAAS_TEST_TMP") : "/tmp";
    daas_err err = {0};
    assert_int_equal(daas_mkdir_p(base, &err), DAAS_OK);
    char *d = daas_xasprintf("%s/snapetcd.XXXXXX", base);
    assert_non_null(mkdtemp(d));
    return d;
}

static void write_file(const char *path, const void *p, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(daas_write_all(fd, p, n), 0);
    close(fd);
}

/* data followed by its SHA-256, as etcd writes a snapshot. */
static void write_snapshot(const char *path, const char *data)
{
    unsigned char f[300];
    size_t n = strlen(data);
    assert_true(n + 32 <= sizeof f);
    memcpy(f, data, n);
    SHA256((const unsigned char *)data, n, f + n);
    write_file(path, f, n + 32, 0600);
}

static void test_verify_file(void **state)
{
    (void)state;
    char *d = tmpdir(), *p = daas_xasprintf("%s/s.db", d);
    daas_err err = {0};
    int64_t size = 0;
    write_snapshot(p, "not really bbolt, but the trailer is what is checked");
    assert_int_equal(daas_store_snapshot_verify_etcd(p, &size, &err), DAAS_OK);
    assert_int_equal(size, 52 + 32);
    int fd = open(p, O_RDWR);
    assert_int_equal(pwrite(fd, "N", 1, 0), 1); /* one flipped byte */
    close(fd);
    assert_int_equal(daas_store_snapshot_verify_etcd(p, NULL, &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "SHA-256 mismatch"));
    daas_err_clear(&err);
    write_file(p, "short", 5, 0600);
    assert_int_equal(daas_store_snapshot_verify_etcd(p, NULL, &err), DAAS_EINVALID);
    daas_err_clear(&err);
    assert_int_equal(daas_store_snapshot_verify_etcd(d, NULL, &err), DAAS_EINVALID);
    daas_err_clear(&err);
    unlink(p);
    assert_int_equal(daas_store_snapshot_verify_etcd(p, NULL, &err), DAAS_ENOTFOUND);
    rmdir(d);
    daas_free(p);
    daas_free(d);
}

/* A stand-in etcdctl: makes DATA/member/{name,env,args} from its flags, and fails for the
 * member named in $SNAPTEST_FAIL (as etcdctl does: log lines, then "Error: ..."). */
static const char FAKE_ETCDCTL[] =
    "#!/bin/sh\n"
    "args=\"$*\"\n"
    "while [ $# -gt 0 ]; do case \"$1\" in --data-dir) d=$2; shift;; --name) n=$2; shift;;\n"
    "  esac; shift; done\n"
    "if [ \"$n\" = \"$SNAPTEST_FAIL\" ]; then echo '{\"level\":\"info\"}' >&2;\n"
    "  mkdir -p \"$d/member\"; echo \"Error: cannot restore $n\" >&2; exit 3; fi\n"
    "mkdir -p \"$d/member\" && echo \"$n\" >\"$d/member/name\" && echo \"$args\" "
    ">\"$d/member/args\"\n"
    "env | grep '^ETCDCTL_' >\"$d/member/env\"\n";

typedef struct fake {
    char *dir;      /* the test's temp dir */
    char *snap;     /* DIR/s.db, a valid snapshot file */
    char *out;      /* DIR/out, the restore's OUTDIR */
    char *old_path; /* $PATH before */
} fake;

static void fake_setup(fake *f)
{
    f->dir = tmpdir();
    f->snap = daas_xasprintf("%s/s.db", f->dir);
    f->out = daas_xasprintf("%s/out", f->dir);
    char *bin = daas_xasprintf("%s/etcdctl", f->dir);
    write_file(bin, FAKE_ETCDCTL, sizeof FAKE_ETCDCTL - 1, 0700);
    write_snapshot(f->snap, "snapshot bytes");
    f->old_path = daas_xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    char *path = daas_xasprintf("%s:%s", f->dir, f->old_path);
    setenv("PATH", path, 1);
    setenv("ETCDCTL_DATA_DIR", "/must-not-be-seen", 1);
    daas_free(path);
    daas_free(bin);
}

static void fake_teardown(fake *f)
{
    setenv("PATH", f->old_path, 1);
    unsetenv("ETCDCTL_DATA_DIR");
    unsetenv("SNAPTEST_FAIL");
    remove_tree(f->dir);
    daas_free(f->dir);
    daas_free(f->snap);
    daas_free(f->out);
    daas_free(f->old_path);
}

/* The contents of DIR/REL, or "" (a static buffer). */
static const char *slurp(const char *dir, const char *rel)
{
    static char buf[512];
    char *p = daas_xasprintf("%s/%s", dir, rel);
    int fd = open(p, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        close(fd);
    daas_free(p);
    return buf;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static void test_restore_all_or_nothing(void **state)
{
    (void)state;
    fake f = {0};
    fake_setup(&f);
    daas_err err = {0};
    daas_cmd_snap_etcd_restore o = {.snapshot = f.snap,
                                    .initial_cluster = "m1=http://a:1,m2=http://b:2",
                                    .token = "tok",
                                    .out_dir = f.out};
    /* m2 fails: nothing is placed, no temp dir stays, the OUTDIR made here goes too. */
    setenv("SNAPTEST_FAIL", "m2", 1);
    assert_int_equal(daas_cmd__snap_restore_etcd(&o, &err), DAAS_EFAILED);
    assert_non_null(strstr(err.msg, "Error: cannot restore m2"));
    assert_int_equal(access(f.out, F_OK), -1);
    unsetenv("SNAPTEST_FAIL");

    daas_err_clear(&err);
    assert_int_equal(mkdir(f.out, 0700), 0);
    char *m2 = daas_xasprintf("%s/m2", f.out);
    assert_int_equal(mkdir(m2, 0700), 0); /* an empty OUTDIR/NAME is fine */
    assert_int_equal(daas_cmd__snap_restore_etcd(&o, &err), DAAS_OK);
    assert_string_equal(slurp(f.out, "m1/member/name"), "m1\n");
    assert_string_equal(slurp(f.out, "m2/member/name"), "m2\n");
    assert_string_equal(slurp(f.out, "m2/member/env"), "ETCDCTL_API=3\n");
    assert_non_null(strstr(slurp(f.out, "m2/member/args"),
                           "--initial-cluster m1=http://a:1,m2=http://b:2 "
                           "--initial-cluster-token tok --initial-advertise-peer-urls "
                           "http://b:2 --data-dir"));
    assert_int_equal(count_entries(f.out), 2);

    /* Again into the same OUTDIR: refused before etcdctl runs, nothing changed. */
    assert_int_equal(daas_cmd__snap_restore_etcd(&o, &err), DAAS_EEXIST);
    assert_non_null(strstr(err.msg, "not empty"));
    assert_int_equal(count_entries(f.out), 2);
    assert_int_equal(count_entries(m2), 1);
    daas_free(m2);
    fake_teardown(&f);
}

static void test_restore_refusals(void **state)
{
    (void)state;
    fake f = {0};
    fake_setup(&f);
    daas_err err = {0};
    daas_cmd_snap_etcd_restore o = {
        .snapshot = f.snap, .initial_cluster = "m1=http://a:1", .out_dir = f.out};
    int fd = open(f.snap, O_RDWR);
    assert_int_equal(pwrite(fd, "X", 1, 3), 1);
    close(fd);
    assert_int_equal(daas_cmd__snap_restore_etcd(&o, &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "SHA-256 mismatch"));
    assert_int_equal(access(f.out, F_OK), -1);

    daas_err_clear(&err);
    write_snapshot(f.snap, "snapshot bytes");
    o.token = "";
    assert_int_equal(daas_cmd__snap_restore_etcd(&o, &err), DAAS_EINVAL);
    o.token = NULL;
    daas_err_clear(&err);
    setenv("PATH", "/nonexistent", 1);
    assert_int_equal(daas_cmd__snap_restore_etcd(&o, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "etcdctl not found"));
    assert_int_equal(access(f.out, F_OK), -1);
    fake_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_ok),
        cmocka_unit_test(test_cluster_bad),
        cmocka_unit_test(test_cluster_caps),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_last_line),
        cmocka_unit_test(test_verify_file),
        cmocka_unit_test(test_restore_all_or_nothing),
        cmocka_unit_test(test_restore_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
