/*
 * test_pods_stop.c: stopping a pod's container leaves no process behind: the runtime's stop
 * (TERM to the init, KILL to all, then whatever remains in the container's cgroup), against
 * the real runc with a busybox rootfs.
 *
 * Owns:   one temp dir per test (rootfs + state), removed with every container in it.
 * Invariants: runs as root with /usr/sbin/runc and /bin/busybox (static); only generous
 *             upper bounds on waits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/runtime.h"
#include "agent/rt_testutil.h"
#include "common/alloc.h"
#include "common/util.h"

typedef rt_fx fx;

static int setup(void **state)
{
    fx *f = rt_fx_new("test_pods_stop", "daas-ps");
    *state = f;
    return f != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    rt_fx_free(*state);
    return 0;
}

static daas_rt_spec loop_spec(fx *f, const char *id, const char *const *args, bool host_pid)
{
    daas_rt_spec s = {0};
    s.id = id;
    s.rootfs = f->rootfs;
    s.args = args;
    s.host_network = true;
    s.host_pid = host_pid;
    return s;
}

static void nap(void)
{
    struct timespec ts = {0, 10000000L};
    nanosleep(&ts, NULL);
}

/* True when /proc/<pid> exists and is not a zombie. */
static bool alive(int pid)
{
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *fp = fopen(path, "re");
    if (fp == NULL) {
        return false;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp != NULL && rp[2] != 'Z' && rp[2] != 'X';
}

/* The pid of the live process whose command line is exactly "sleep <secs>", or 0. */
static int find_sleep(const char *secs)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    struct dirent *e;
    int found = 0;
    char want[64];
    int wl = snprintf(want, sizeof want, "sleep%c%s%c", 0, secs, 0);
    while (found == 0 && (e = readdir(d)) != NULL) {
        char path[300], buf[64];
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *fp = fopen(path, "re");
        if (fp == NULL) {
            continue;
        }
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        if (n == (size_t)wl && memcmp(buf, want, n) == 0 &&
            alive((int)strtol(e->d_name, NULL, 10))) {
            found = (int)strtol(e->d_name, NULL, 10);
        }
    }
    closedir(d);
    return found;
}

static int wait_sleep(const char *secs)
{
    for (int i = 0; i < 2000; i++) {
        int pid = find_sleep(secs);
        if (pid > 0) {
            return pid;
        }
        nap();
    }
    fail_msg("no process sleep %s", secs);
    return 0;
}

/* The loop of the bug report: a shell looping on sleep, as pid 1 of its own namespace (it
 * ignores TERM there): stop kills it after the grace period and nothing of it is left. */
static void test_stop_loop(void **state)
{
    fx *f = *state;
    const char *args[] = {"sh", "-c", "sleep 47101 & while true; do sleep 1; done", NULL};
    daas_rt_spec s = loop_spec(f, "loop", args, false);
    daas_err err = {0};
    CHECK_OK(daas_rt_create(f->rt, &s, &err));
    int child = wait_sleep("47101");
    daas_rt_state st = {0};
    CHECK_OK(daas_rt_stop(f->rt, "loop", 300, &st, &err));
    assert_int_equal(st.status, DAAS_RT_STOPPED);
    assert_int_equal(st.exit_code, 128 + SIGKILL);
    assert_false(alive(child));
    assert_int_equal(find_sleep("47101"), 0);
    CHECK_OK(daas_rt_delete(f->rt, "loop", false, &err));
}

/* Sharing the host's pid namespace, the init's children outlive it: TERM ends the shell
 * (not pid 1 there), its children must be killed all the same. */
static void test_stop_host_pid_children(void **state)
{
    fx *f = *state;
    const char *args[] = {"sh", "-c", "sleep 47102 & while true; do sleep 1; done", NULL};
    daas_rt_spec s = loop_spec(f, "hostpid", args, true);
    daas_err err = {0};
    CHECK_OK(daas_rt_create(f->rt, &s, &err));
    int child = wait_sleep("47102");
    daas_rt_state st = {0};
    CHECK_OK(daas_rt_stop(f->rt, "hostpid", 2000, &st, &err));
    assert_int_equal(st.status, DAAS_RT_STOPPED);
    assert_int_equal(st.exit_code, 128 + SIGTERM);
    assert_false(alive(child));
    assert_int_equal(find_sleep("47102"), 0);
    CHECK_OK(daas_rt_delete(f->rt, "hostpid", false, &err));
}

/* The init already exited and left a child running: the container reads stopped, and stop
 * still kills the child. */
static void test_stop_after_init_exit(void **state)
{
    fx *f = *state;
    const char *args[] = {"sh", "-c", "sleep 47103 & sleep 0.2; exit 3", NULL};
    daas_rt_spec s = loop_spec(f, "orphan", args, true);
    daas_err err = {0};
    CHECK_OK(daas_rt_create(f->rt, &s, &err));
    int child = wait_sleep("47103");
    daas_rt_state st = {0};
    for (int i = 0; i < 2000 && st.status != DAAS_RT_STOPPED; i++) {
        CHECK_OK(daas_rt_state_get(f->rt, "orphan", &st, &err));
        nap();
    }
    assert_int_equal(st.status, DAAS_RT_STOPPED);
    assert_int_equal(st.exit_code, 3);
    assert_true(alive(child)); /* the leak the stop must close */
    CHECK_OK(daas_rt_stop(f->rt, "orphan", 1000, &st, &err));
    assert_int_equal(st.exit_code, 3);
    assert_false(alive(child));
    CHECK_OK(daas_rt_delete(f->rt, "orphan", false, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stop_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_host_pid_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_after_init_exit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
