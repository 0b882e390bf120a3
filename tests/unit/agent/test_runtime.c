/*
 * test_runtime.c: the runc runtime layer against the real runc, with a busybox rootfs.
 *
 * Owns:   one temp dir per test (rootfs + state), removed with every container in it.
 * Invariants: runs as root with /usr/sbin/runc and /bin/busybox (static); no assertion on
 *             durations, only generous upper bounds on waits.
 */
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

#include "agent/crilog.h"
#include "agent/runtime.h"
#include "agent/rt_testutil.h"
#include "common/alloc.h"
#include "common/util.h"

typedef rt_fx fx;

static int setup(void **state)
{
    fx *f = rt_fx_new("test_runtime", "daas-rt");
    *state = f;
    return f != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    rt_fx_free(*state);
    return 0;
}

static daas_rt_spec base_spec(fx *f, const char *id, const char *const *args)
{
    daas_rt_spec s = {0};
    s.id = id;
    s.rootfs = f->rootfs;
    s.args = args;
    s.host_network = true;
    return s;
}

/* Polls the state until stopped (at most 20 s). */
static daas_rt_state wait_stopped(fx *f, const char *id)
{
    daas_rt_state st = {0};
    daas_err err = {0};
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(daas_rt_state_get(f->rt, id, &st, &err), DAAS_OK);
        if (st.status == DAAS_RT_STOPPED) {
            return st;
        }
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("container %s did not stop", id);
    return st;
}

static char *read_log(fx *f, const char *id)
{
    char *p = daas_rt_log_path(f->rt, id);
    FILE *fp = fopen(p, "re");
    daas_free(p);
    assert_non_null(fp);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    /* the log is in the CRI format (crilog.h): its text, as kubectl logs shows it */
    daas_crilog_opts o = {-1, 0, false, 0};
    daas_buf out;
    daas_buf_init(&out, 1 << 16);
    assert_int_equal(daas_crilog_render(buf, n, &o, &out, NULL), DAAS_OK);
    char *text = daas_buf_steal(&out, NULL);
    return text != NULL ? text : daas_xstrdup("");
}

/* Polls the container's log until it equals want (at most 20 s). */
static void wait_log(fx *f, const char *id, const char *want)
{
    for (int i = 0; i < 2000; i++) {
        char *log = read_log(f, id);
        bool same = strcmp(log, want) == 0;
        daas_free(log);
        if (same) {
            return;
        }
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("container %s never logged %s", id, want);
}

/* Runs a container to completion; returns its log; *code gets its exit code. */
static char *run_to_end(fx *f, const daas_rt_spec *s, int *code)
{
    daas_err err = {0};
    CHECK_OK(daas_rt_create(f->rt, s, &err));
    daas_rt_state st = wait_stopped(f, s->id);
    assert_true(st.exit_known);
    *code = st.exit_code;
    char *log = read_log(f, s->id);
    assert_int_equal(daas_rt_delete(f->rt, s->id, false, &err), DAAS_OK);
    return log;
}

static bool has_str(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) {
            return true;
        }
    }
    return false;
}

static json_t *find_mount(json_t *mounts, const char *dest)
{
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m) {
        if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0) {
            return m;
        }
    }
    return NULL;
}

static bool has_ns(json_t *nss, const char *type)
{
    size_t i;
    json_t *n;
    json_array_foreach(nss, i, n) {
        if (strcmp(json_string_value(json_object_get(n, "type")), type) == 0) {
            return true;
        }
    }
    return false;
}

static void check_process(json_t *j)
{
    json_t *proc = json_object_get(j, "process");
    assert_false(json_is_true(json_object_get(proc, "terminal")));
    json_t *pargs = json_object_get(proc, "args");
    assert_int_equal(json_array_size(pargs), 3);
    assert_string_equal(json_string_value(json_array_get(pargs, 2)), "echo hi");
    assert_true(has_str(json_object_get(proc, "env"), "FOO=bar"));
    assert_string_equal(json_string_value(json_object_get(proc, "cwd")), "/etc");
    json_t *user = json_object_get(proc, "user");
    assert_int_equal(json_integer_value(json_object_get(user, "uid")), 1000);
    assert_int_equal(json_integer_value(json_object_get(user, "gid")), 1001);
    assert_true(json_is_true(json_object_get(proc, "noNewPrivileges")));
    json_t *bounding = json_object_get(json_object_get(proc, "capabilities"), "bounding");
    assert_true(has_str(bounding, "CAP_KILL"));
    assert_true(has_str(bounding, "CAP_NET_BIND_SERVICE"));
    assert_false(has_str(bounding, "CAP_SYS_ADMIN"));
}

static void check_mounts(json_t *j)
{
    json_t *ms = json_object_get(j, "mounts");
    const char *std[] = {"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", NULL};
    for (size_t i = 0; std[i] != NULL; i++) {
        assert_non_null(find_mount(ms, std[i]));
    }
    json_t *bind = find_mount(ms, "/data");
    assert_string_equal(json_string_value(json_object_get(bind, "type")), "bind");
    assert_string_equal(json_string_value(json_object_get(bind, "source")), "/tmp");
    assert_true(has_str(json_object_get(bind, "options"), "ro"));
    json_t *tmp = find_mount(ms, "/scratch");
    assert_string_equal(json_string_value(json_object_get(tmp, "type")), "tmpfs");
    assert_true(has_str(json_object_get(tmp, "options"), "size=1048576"));
    assert_true(has_str(json_object_get(tmp, "options"), "rw"));
}

static void check_linux(json_t *j, daas_rt_cgroups cg)
{
    json_t *lin = json_object_get(j, "linux");
    json_t *nss = json_object_get(lin, "namespaces");
    assert_true(has_ns(nss, "pid") && has_ns(nss, "ipc") && has_ns(nss, "uts"));
    assert_true(has_ns(nss, "mount"));
    assert_false(has_ns(nss, "network"));
    const char *cgp = json_string_value(json_object_get(lin, "cgroupsPath"));
    assert_non_null(cgp);
    assert_int_equal(strncmp(cgp, "/daas/", 6), 0);
    assert_string_equal(cgp + strlen(cgp) - 4, "-cfg");
    assert_true(has_str(json_object_get(lin, "maskedPaths"), "/proc/kcore"));
    assert_true(has_str(json_object_get(lin, "readonlyPaths"), "/proc/sys"));
    json_t *dev = json_array_get(json_object_get(lin, "devices"), 0);
    assert_string_equal(json_string_value(json_object_get(dev, "path")), "/dev/null");
    assert_string_equal(json_string_value(json_object_get(dev, "type")), "c");
    assert_int_equal(json_integer_value(json_object_get(dev, "major")), 1);
    assert_int_equal(json_integer_value(json_object_get(dev, "minor")), 3);
    json_t *res = json_object_get(lin, "resources");
    json_t *mem = json_object_get(json_object_get(res, "memory"), "limit");
    if (cg.memory) {
        assert_int_equal(json_integer_value(mem), 64 << 20);
    } else {
        assert_null(mem);
    }
    json_t *cpu = json_object_get(res, "cpu");
    if (cg.cpu) {
        assert_int_equal(json_integer_value(json_object_get(cpu, "quota")), 25000);
        assert_int_equal(json_integer_value(json_object_get(cpu, "period")), 100000);
    } else {
        assert_null(cpu);
    }
}

static void test_config_fields(void **state)
{
    fx *f = *state;
    const char *args[] = {"sh", "-c", "echo hi", NULL};
    const char *env[] = {"FOO=bar", "PATH=/bin", NULL};
    const char *devs[] = {"/dev/null", NULL};
    daas_rt_mount mounts[] = {{"/tmp", "/data", true, 0}, {NULL, "/scratch", false, 1 << 20}};
    daas_rt_spec s = base_spec(f, "cfg", args);
    s.env = env;
    s.cwd = "/etc";
    s.uid = 1000;
    s.gid = 1001;
    s.hostname = "web-1";
    s.mounts = mounts;
    s.nmounts = 2;
    s.readonly_rootfs = true;
    s.memory_limit = 64 << 20;
    s.cpu_millis = 250;
    s.devices = devs;
    char *txt = NULL;
    daas_err err = {0};
    assert_int_equal(daas_rt_config(f->rt, &s, &txt, &err), DAAS_OK);
    json_t *j = json_loads(txt, 0, NULL);
    daas_free(txt);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "ociVersion")), "1.0.2");
    json_t *root = json_object_get(j, "root");
    assert_string_equal(json_string_value(json_object_get(root, "path")), f->rootfs);
    assert_true(json_is_true(json_object_get(root, "readonly")));
    assert_string_equal(json_string_value(json_object_get(j, "hostname")), "web-1");
    check_process(j);
    check_mounts(j);
    check_linux(j, daas_rt_cgroup_support(f->rt));
    json_decref(j);
}

static void test_config_rejects(void **state)
{
    fx *f = *state;
    const char *args[] = {"true", NULL};
    char *txt = NULL;
    daas_err err = {0};
    daas_rt_spec s = base_spec(f, "bad/id", args);
    assert_int_equal(daas_rt_config(f->rt, &s, &txt, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "bad/id"));
    assert_null(txt);
    s = base_spec(f, "ok", args);
    s.rootfs = "relative";
    daas_err_clear(&err);
    assert_int_equal(daas_rt_config(f->rt, &s, &txt, &err), DAAS_EINVAL);
    const char *devs[] = {"/etc/passwd", NULL};
    s = base_spec(f, "ok", args);
    s.devices = devs;
    daas_err_clear(&err);
    assert_int_equal(daas_rt_config(f->rt, &s, &txt, &err), DAAS_EINVAL);
    assert_null(txt);
}

static void test_echo_hello(void **state)
{
    fx *f = *state;
    const char *args[] = {"echo", "hello", NULL};
    daas_rt_spec s = base_spec(f, "hello", args);
    int code = -1;
    char *log = run_to_end(f, &s, &code);
    assert_string_equal(log, "hello\n");
    assert_int_equal(code, 0);
    daas_free(log);
    const char *fail[] = {"sh", "-c", "exit 3", NULL};
    s = base_spec(f, "three", fail);
    log = run_to_end(f, &s, &code);
    assert_int_equal(code, 3);
    daas_free(log);
}

static void test_env_cwd_hostname(void **state)
{
    fx *f = *state;
    const char *args[] = {"sh", "-c", "echo $FOO; pwd; hostname; id -u", NULL};
    const char *env[] = {"FOO=bar baz", "PATH=/bin", NULL};
    daas_rt_spec s = base_spec(f, "envy", args);
    s.env = env;
    s.cwd = "/etc";
    s.hostname = "web-7";
    s.uid = 1234;
    s.gid = 1234;
    int code = -1;
    char *log = run_to_end(f, &s, &code);
    assert_string_equal(log, "bar baz\n/etc\nweb-7\n1234\n");
    assert_int_equal(code, 0);
    daas_free(log);
}

static void start_running(fx *f, const daas_rt_spec *s)
{
    daas_err err = {0};
    CHECK_OK(daas_rt_create(f->rt, s, &err));
    daas_rt_state st = {0};
    assert_int_equal(daas_rt_state_get(f->rt, s->id, &st, &err), DAAS_OK);
    assert_int_equal(st.status, DAAS_RT_RUNNING);
    assert_true(st.pid > 0);
}

static void test_stop_term_honoured(void **state)
{
    fx *f = *state;
    /* A process with a TERM handler ends on TERM: exit 143 from the handler, not 137. */
    const char *args[] = {"sh", "-c", "trap 'exit 143' TERM; echo ready; sleep 100 & wait",
                          NULL};
    daas_rt_spec s = base_spec(f, "term", args);
    start_running(f, &s);
    wait_log(f, "term", "ready\n"); /* the trap is set */
    daas_rt_state st = {0};
    daas_err err = {0};
    assert_int_equal(daas_rt_stop(f->rt, "term", 2000, &st, &err), DAAS_OK);
    assert_int_equal(st.status, DAAS_RT_STOPPED);
    assert_true(st.exit_known);
    assert_int_equal(st.exit_code, 143);
    assert_int_equal(daas_rt_delete(f->rt, "term", false, &err), DAAS_OK);
}

static void test_stop_kill_after_grace(void **state)
{
    fx *f = *state;
    const char *args[] = {"sh", "-c", "trap '' TERM; sleep 100", NULL};
    daas_rt_spec s = base_spec(f, "stubborn", args);
    start_running(f, &s);
    daas_rt_state st = {0};
    daas_err err = {0};
    assert_int_equal(daas_rt_stop(f->rt, "stubborn", 2000, &st, &err), DAAS_OK);
    assert_int_equal(st.status, DAAS_RT_STOPPED);
    assert_true(st.exit_known);
    assert_int_equal(st.exit_code, 128 + SIGKILL);
    /* stopping a stopped container is fine */
    assert_int_equal(daas_rt_stop(f->rt, "stubborn", 2000, &st, &err), DAAS_OK);
    assert_int_equal(daas_rt_delete(f->rt, "stubborn", false, &err), DAAS_OK);
    assert_int_equal(daas_rt_state_get(f->rt, "stubborn", &st, &err), DAAS_ENOTFOUND);
}

static void test_bad_command(void **state)
{
    fx *f = *state;
    const char *args[] = {"nope", NULL};
    daas_rt_spec s = base_spec(f, "web", args);
    daas_err err = {0};
    assert_int_not_equal(daas_rt_create(f->rt, &s, &err), DAAS_OK);
    assert_non_null(strstr(err.msg, "container web: runc create: "));
    assert_non_null(strstr(err.msg, "container web: runc create: exec: \"nope\": executable"));
    assert_null(strchr(err.msg, '\n'));
    char **ids = NULL;
    size_t n = 99;
    daas_err e2 = {0};
    assert_int_equal(daas_rt_list(f->rt, &ids, &n, &e2), DAAS_OK);
    assert_int_equal(n, 0);
    daas_rt_strv_free(&ids);
    char *b = daas_xasprintf("%s/bundles/web", f->state);
    assert_int_not_equal(access(b, F_OK), 0);
    daas_free(b);
    /* the id is free again */
    const char *ok[] = {"true", NULL};
    s = base_spec(f, "web", ok);
    int code = -1;
    char *log = run_to_end(f, &s, &code);
    assert_int_equal(code, 0);
    daas_free(log);
}

static void test_adoption(void **state)
{
    fx *f = *state;
    const char *args[] = {"sleep", "100", NULL};
    daas_rt_spec s = base_spec(f, "adopted", args);
    start_running(f, &s);
    daas_err err = {0};
    assert_int_equal(daas_rt_create(f->rt, &s, &err), DAAS_EEXIST);
    daas_rt_free(&f->rt);
    assert_int_equal(daas_rt_new(f->state, RUNC, &f->rt, &err), DAAS_OK);
    char **ids = NULL;
    size_t n = 0;
    assert_int_equal(daas_rt_list(f->rt, &ids, &n, &err), DAAS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "adopted");
    assert_null(ids[1]);
    daas_rt_strv_free(&ids);
    daas_rt_state st = {0};
    /* sleep is pid 1 of its namespace: TERM has no handler there, KILL after the grace */
    assert_int_equal(daas_rt_stop(f->rt, "adopted", 500, &st, &err), DAAS_OK);
    assert_int_equal(st.status, DAAS_RT_STOPPED);
    assert_true(st.exit_known);
    assert_int_equal(st.exit_code, 128 + SIGKILL);
    assert_int_equal(daas_rt_delete(f->rt, "adopted", true, &err), DAAS_OK);
    char *lp = daas_rt_log_path(f->rt, "adopted");
    assert_int_equal(access(lp, F_OK), 0); /* kept */
    daas_free(lp);
}

/* An exit this agent did not see (here: reaped behind its back, as after an agent restart
 * when the container died meanwhile) is reported as unknown, 255. */
static void test_exit_unknown(void **state)
{
    fx *f = *state;
    const char *args[] = {"sleep", "100", NULL};
    daas_rt_spec s = base_spec(f, "ghost", args);
    start_running(f, &s);
    daas_rt_state st = {0};
    daas_err err = {0};
    assert_int_equal(daas_rt_state_get(f->rt, "ghost", &st, &err), DAAS_OK);
    int pid = st.pid;
    assert_int_equal(kill(pid, SIGKILL), 0);
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFSIGNALED(ws));
    st = wait_stopped(f, "ghost");
    assert_false(st.exit_known);
    assert_int_equal(st.exit_code, 255);
    assert_int_equal(daas_rt_delete(f->rt, "ghost", false, &err), DAAS_OK);
}

static void test_exec(void **state)
{
    fx *f = *state;
    const char *args[] = {"sleep", "100", NULL};
    daas_rt_spec s = base_spec(f, "ex", args);
    s.hostname = "exhost";
    start_running(f, &s);
    const char *cmd[] = {"sh", "-c", "hostname; echo oops >&2; exit 7", NULL};
    daas_buf out, eb;
    daas_buf_init(&out, 0);
    daas_buf_init(&eb, 0);
    int code = -1;
    daas_err err = {0};
    assert_int_equal(daas_rt_exec(f->rt, "ex", cmd, &out, &eb, &code, &err), DAAS_OK);
    assert_int_equal(code, 7);
    assert_string_equal(out.data, "exhost\n");
    assert_string_equal(eb.data, "oops\n");
    daas_buf_fini(&out);
    daas_buf_fini(&eb);
    const char *nope[] = {"nope", NULL};
    assert_int_not_equal(daas_rt_exec(f->rt, "ex", nope, NULL, NULL, &code, &err), DAAS_OK);
    assert_non_null(strstr(err.msg, "container ex: runc exec: exec: \"nope\": executable"));
    daas_err_clear(&err);
    assert_int_equal(daas_rt_stop(f->rt, "ex", 100, NULL, &err), DAAS_OK);
    assert_int_equal(daas_rt_delete(f->rt, "ex", false, &err), DAAS_OK);
}

static void test_cgroup_limits(void **state)
{
    fx *f = *state;
    daas_rt_cgroups cg = daas_rt_cgroup_support(f->rt);
    bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    bool v1mem = access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0;
    if (v2) {
        assert_int_equal(cg.mode, DAAS_RT_CGROUP_V2);
    } else {
        assert_int_equal(cg.mode, DAAS_RT_CGROUP_V1);
        assert_int_equal(cg.memory, v1mem);
    }
    const char *v1cmd = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes "
                        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us";
    const char *v2cmd = "cat /sys/fs/cgroup/memory.max; cut -d' ' -f1 /sys/fs/cgroup/cpu.max";
    const char *args[] = {"sh", "-c", v2 ? v2cmd : v1cmd, NULL};
    daas_rt_spec s = base_spec(f, "limited", args);
    s.memory_limit = 64 << 20;
    s.cpu_millis = 500;
    int code = -1;
    char *log = run_to_end(f, &s, &code);
    if (cg.memory && cg.cpu) {
        assert_int_equal(code, 0);
        assert_string_equal(log, "67108864\n50000\n");
    } else {
        assert_null(strstr(log, "67108864"));
    }
    daas_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_cwd_hostname, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_term_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_kill_after_grace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adoption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cgroup_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
