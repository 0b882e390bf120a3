/*
 * rt_testutil.h: what the agent's tests that run real containers share (header-only, static):
 * a busybox rootfs built from Debian's busybox-static, a runtime over a temp dir, and its
 * teardown (every container deleted, the dir removed).
 *
 * Needs: root, /usr/sbin/runc and /bin/busybox; rt_fx_new fails the test loudly without them
 *        (a missing tool is a failure in CI, never a skip).
 */
#ifndef DAAS_TEST_RT_TESTUTIL_H
#define DAAS_TEST_RT_TESTUTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/runtime.h"
#include "common/alloc.h"
#include "common/util.h"

#define RUNC "/usr/sbin/runc"
#define BUSYBOX "/bin/busybox"

/* Asserts call returned DAAS_OK, showing err.msg otherwise (err must be in scope). */
#define CHECK_OK(call)                                                                             \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != DAAS_OK) {                                                                      \
            fail_msg("%s: %d %s", #call, rc_, err.msg);                                            \
        }                                                                                          \
    } while (0)

typedef struct rt_fx {
    char dir[64]; /* temp dir */
    char *rootfs; /* dir/rootfs */
    char *state;  /* dir/state */
    daas_rt *rt;
} rt_fx;

static void rt_copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    assert_true(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        assert_int_equal(daas_write_all(out, buf, (size_t)n), 0);
    }
    close(in);
    close(out);
}

/* root/bin/busybox with the applets the tests use linked to it. */
static void rt_make_rootfs(const char *root)
{
    static const char *const links[] = {"sh",  "echo",     "sleep", "cat",  "ls",    "env", "id",
                                        "pwd", "hostname", "kill",  "true", "false", "stty",
                                        NULL};
    static const char *const dirs[] = {"bin", "etc", "tmp", "proc", "dev", "sys", NULL};
    assert_int_equal(mkdir(root, 0755), 0);
    for (size_t i = 0; dirs[i] != NULL; i++) {
        char *d = daas_xasprintf("%s/%s", root, dirs[i]);
        assert_int_equal(mkdir(d, 0755), 0);
        daas_free(d);
    }
    char *bb = daas_xasprintf("%s/bin/busybox", root);
    rt_copy_file(BUSYBOX, bb);
    daas_free(bb);
    for (size_t i = 0; links[i] != NULL; i++) {
        char *l = daas_xasprintf("%s/bin/%s", root, links[i]);
        assert_int_equal(symlink("busybox", l), 0);
        daas_free(l);
    }
}

/* A temp dir /tmp/<prefix>-XXXXXX with a rootfs and a runtime; NULL (and a message naming
 * test) when the host cannot run containers. */
static rt_fx *rt_fx_new(const char *test, const char *prefix)
{
    if (geteuid() != 0 || access(RUNC, X_OK) != 0 || access(BUSYBOX, X_OK) != 0) {
        fprintf(stderr, "%s needs root, " RUNC " and " BUSYBOX "\n", test);
        return NULL;
    }
    rt_fx *f = daas_xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/%s-XXXXXX", prefix);
    assert_non_null(mkdtemp(f->dir));
    f->rootfs = daas_xasprintf("%s/rootfs", f->dir);
    f->state = daas_xasprintf("%s/state", f->dir);
    rt_make_rootfs(f->rootfs);
    daas_err err = {0};
    assert_int_equal(daas_rt_new(f->state, RUNC, &f->rt, &err), DAAS_OK);
    return f;
}

static int rt_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

/* Deletes every container of f's runtime, frees it, removes the dir. Accepts NULL. */
static void rt_fx_free(rt_fx *f)
{
    if (f == NULL)
        return;
    char **ids = NULL;
    size_t n = 0;
    daas_err err = {0};
    if (f->rt != NULL && daas_rt_list(f->rt, &ids, &n, &err) == DAAS_OK) {
        for (size_t i = 0; i < n; i++) {
            daas_err e2 = {0};
            assert_int_equal(daas_rt_delete(f->rt, ids[i], false, &e2), DAAS_OK);
        }
        daas_rt_strv_free(&ids);
    }
    daas_rt_free(&f->rt);
    nftw(f->dir, rt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(f->rootfs);
    daas_free(f->state);
    daas_free(f);
}

#endif
