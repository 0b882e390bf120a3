/*
 * test_crilog.c: the CRI log format (crilog.c): timestamps, record parsing, the shim's
 * records (full, partial over 16 KiB, unterminated last line, both streams), and the
 * reader's tail, since, timestamps, limitBytes and incremental (follow) reading.
 *
 * Owns:   one temp dir per test.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/crilog.h"
#include "common/util.h"

static void test_time(void **state)
{
    (void)state;
    char b[31];
    assert_int_equal(daas_crilog_format_time(0, b), 30);
    assert_string_equal(b, "1970-01-01T00:00:00.000000000Z");
    int64_t ns = 1795787942123456789LL; /* 2026-11-27T... */
    daas_crilog_format_time(ns, b);
    int64_t back = 0;
    assert_int_equal(daas_crilog_parse_time(b, 30, &back, NULL), DAAS_OK);
    assert_int_equal(back, ns);
    assert_int_equal(daas_crilog_parse_time("2024-02-29T23:59:59.5Z", 22, &back, NULL), DAAS_OK);
    assert_int_equal(back, 1709251199500000000LL);
    assert_int_equal(daas_crilog_parse_time("2024-03-01T01:59:59+02:00", 25, &back, NULL), DAAS_OK);
    assert_int_equal(back, 1709251199000000000LL);
    const char *bad[] = {
        "2023-02-29T00:00:00Z",     "2024-13-01T00:00:00Z",  "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00",      "2024-01-01T00:00:00.Z", "2024-01-01 00:00:00Z",
        "2024-01-01T00:00:00+0200", "1969-12-31T23:59:59Z",  "9999-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        daas_err err = {0};
        assert_int_equal(daas_crilog_parse_time(bad[i], strlen(bad[i]), &back, &err), DAAS_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_parse(void **state)
{
    (void)state;
    daas_crilog_rec r;
    const char *a = "2026-11-21T13:59:02.123456789Z stdout F hello world";
    assert_int_equal(daas_crilog_parse(a, strlen(a), &r, NULL), DAAS_OK);
    assert_int_equal(r.stream, DAAS_CRILOG_STDOUT);
    assert_false(r.partial);
    assert_int_equal(r.len, 11);
    assert_memory_equal(r.text, "hello world", 11);
    const char *b = "2026-11-21T13:59:02Z stderr P ";
    assert_int_equal(daas_crilog_parse(b, strlen(b), &r, NULL), DAAS_OK);
    assert_int_equal(r.stream, DAAS_CRILOG_STDERR);
    assert_true(r.partial);
    assert_int_equal(r.len, 0);
    const char *c = "2026-11-21T13:59:02Z stdout F";
    assert_int_equal(daas_crilog_parse(c, strlen(c), &r, NULL), DAAS_OK);
    assert_int_equal(r.len, 0);
    const char *bad[] = {"",
                         "x",
                         "2026-11-21T13:59:02Z stdin F x",
                         "2026-11-21T13:59:02Z stdout X x",
                         "2026-11-21T13:59:02Z stdout Fx",
                         "2026-11-21T13:59:02Z stdout",
                         "raw line of an old log"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(daas_crilog_parse(bad[i], strlen(bad[i]), &r, NULL), DAAS_EINVAL);
    }
}

typedef struct shim_args {
    int out, err, log;
    int rc;
} shim_args;

static void *shim_thread(void *p)
{
    shim_args *a = p;
    a->rc = daas_crilog_shim(a->out, a->err, a->log);
    return NULL;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    daas_buf b;
    daas_buf_init(&b, 1 << 24);
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        assert_int_equal(daas_buf_append(&b, chunk, k), DAAS_OK);
    }
    fclose(f);
    return daas_buf_steal(&b, n);
}

/* Runs the shim over what the test writes; leaves the log at path. */
static void run_shim(const char *path)
{
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(log >= 0);
    shim_args a = {po[0], pe[0], log, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, shim_thread, &a), 0);
    char *big = daas_xmalloc(40000);
    memset(big, 'x', 40000);
    assert_int_equal(daas_write_all(po[1], "one\ntwo\n", 8), 0);
    assert_int_equal(daas_write_all(pe[1], "oops\n", 5), 0);
    assert_int_equal(daas_write_all(po[1], "\n", 1), 0);
    assert_int_equal(daas_write_all(po[1], big, 40000), 0);
    assert_int_equal(daas_write_all(po[1], "\nlast", 5), 0);
    daas_free(big);
    close(po[1]);
    close(pe[1]);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(a.rc, 0);
    close(log);
}

static void test_shim(void **state)
{
    (void)state;
    char dir[] = "/tmp/crilogXXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = daas_xasprintf("%s/c.log", dir);
    run_shim(path);
    size_t n;
    char *log = slurp(path, &n);
    /* records: one, two, (empty), P 16384, P 16384, F 7232, last (stdout), oops (stderr) */
    int nrec = 0, nout = 0, npart = 0;
    size_t total_text = 0;
    bool saw_oops = false, saw_last = false;
    for (char *p = log; p < log + n;) {
        char *nl = memchr(p, '\n', (size_t)(log + n - p));
        assert_non_null(nl);
        daas_crilog_rec r;
        assert_int_equal(daas_crilog_parse(p, (size_t)(nl - p), &r, NULL), DAAS_OK);
        nrec++;
        nout += r.stream == DAAS_CRILOG_STDOUT;
        npart += r.partial;
        if (r.partial) {
            assert_int_equal(r.len, DAAS_CRILOG_MAX_LINE);
        }
        saw_oops |= r.stream == DAAS_CRILOG_STDERR && r.len == 4 && memcmp(r.text, "oops", 4) == 0;
        saw_last |= !r.partial && r.len == 4 && memcmp(r.text, "last", 4) == 0;
        total_text += r.len;
        p = nl + 1;
    }
    assert_int_equal(nrec, 8);
    assert_int_equal(nout, 7);
    assert_int_equal(npart, 2);
    assert_true(saw_oops && saw_last);
    assert_int_equal(total_text, 3 + 3 + 4 + 40000 + 4);
    /* the reader joins the partials back into one line */
    daas_crilog_opts o = {-1, 0, false, 0};
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    assert_int_equal(daas_crilog_render(log, n, &o, &out, NULL), DAAS_OK);
    assert_int_equal(out.len, 3 + 3 + 4 + 40000 + 4 + 6); /* six F records: six newlines */
    /* the 40000 x's come back as one line (the streams' order between them may vary) */
    const char *xs = strchr(out.data, 'x');
    assert_non_null(xs);
    assert_int_equal(strspn(xs, "x"), 40000);
    assert_string_equal(xs + 40000, "\nlast\n");
    daas_buf_fini(&out);
    daas_free(log);
    unlink(path);
    daas_free(path);
    rmdir(dir);
}

static const char LOG[] = "2026-01-01T00:00:01.000000000Z stdout F a\n"
                          "2026-01-01T00:00:02.000000000Z stderr F bb\n"
                          "garbage line\n"
                          "2026-01-01T00:00:03.000000000Z stdout P cc\n"
                          "2026-01-01T00:00:03.500000000Z stdout F c\n"
                          "2026-01-01T00:00:04.000000000Z stdout F dddd\n";

static char *write_log(char *dir, const char *text)
{
    assert_non_null(mkdtemp(dir));
    char *path = daas_xasprintf("%s/c.log", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(daas_write_all(fd, text, strlen(text)), 0);
    close(fd);
    return path;
}

static char *read_with(const char *path, daas_crilog_opts o)
{
    daas_crilog_reader r;
    daas_err err = {0};
    assert_int_equal(daas_crilog_open(&r, path, &o, &err), DAAS_OK);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    bool progress;
    assert_int_equal(daas_crilog_read(&r, &out, &progress, &err), DAAS_OK);
    assert_int_equal(daas_crilog_read(&r, &out, &progress, &err), DAAS_OK);
    assert_false(progress);
    daas_crilog_close(&r);
    char *s = daas_buf_steal(&out, NULL);
    return s != NULL ? s : daas_xstrdup("");
}

static void expect(const char *path, daas_crilog_opts o, const char *want)
{
    char *got = read_with(path, o);
    assert_string_equal(got, want);
    daas_free(got);
}

static void test_reader_options(void **state)
{
    (void)state;
    char dir[] = "/tmp/crilogXXXXXX";
    char *path = write_log(dir, LOG);
    expect(path, (daas_crilog_opts){-1, 0, false, 0}, "a\nbb\nccc\ndddd\n");
    expect(path, (daas_crilog_opts){1, 0, false, 0}, "dddd\n");
    expect(path, (daas_crilog_opts){2, 0, false, 0}, "c\ndddd\n");
    expect(path, (daas_crilog_opts){0, 0, false, 0}, "");
    expect(path, (daas_crilog_opts){100, 0, false, 0}, "a\nbb\nccc\ndddd\n");
    int64_t t3 = 1767225603000000000LL; /* 2026-01-01T00:00:03Z */
    expect(path, (daas_crilog_opts){-1, t3, false, 0}, "ccc\ndddd\n");
    expect(path, (daas_crilog_opts){-1, t3 + 1, false, 0}, "c\ndddd\n");
    expect(path, (daas_crilog_opts){-1, 0, false, 4}, "a\nbb");
    expect(path, (daas_crilog_opts){-1, 0, false, 1}, "a");
    expect(path, (daas_crilog_opts){1, 0, true, 0}, "2026-01-01T00:00:04.000000000Z dddd\n");
    daas_crilog_reader r;
    daas_err err = {0};
    daas_crilog_opts o = {-1, 0, false, 0};
    assert_int_equal(daas_crilog_open(&r, "/nonexistent/x.log", &o, &err), DAAS_ENOTFOUND);
    unlink(path);
    daas_free(path);
    rmdir(dir);
}

static void test_reader_follow(void **state)
{
    (void)state;
    char dir[] = "/tmp/crilogXXXXXX";
    char *path = write_log(dir, "2026-01-01T00:00:01Z stdout F a\n2026-01-01T00:00:02Z std");
    daas_crilog_reader r;
    daas_crilog_opts o = {-1, 0, false, 0};
    assert_int_equal(daas_crilog_open(&r, path, &o, NULL), DAAS_OK);
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    bool progress;
    assert_int_equal(daas_crilog_read(&r, &out, &progress, NULL), DAAS_OK);
    assert_true(progress);
    assert_string_equal(out.data, "a\n"); /* the half-written record waits */
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    assert_int_equal(daas_write_all(fd, "out F b\n", 8), 0);
    close(fd);
    assert_int_equal(daas_crilog_read(&r, &out, &progress, NULL), DAAS_OK);
    assert_true(progress);
    assert_string_equal(out.data, "a\nb\n");
    daas_buf_fini(&out);
    daas_crilog_close(&r);
    unlink(path);
    daas_free(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time),          cmocka_unit_test(test_parse),
        cmocka_unit_test(test_shim),          cmocka_unit_test(test_reader_options),
        cmocka_unit_test(test_reader_follow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
