/*
 * runtime_ops.c: operations on a created container: state (with exit codes), kill, stop with
 * a grace period, exec.
 *
 * Owns:   STATE/exit/<id> (the exit code, written when this process reaps the container's
 *         init, which it can because daas_rt_new made it a child subreaper).
 * Does not own: the bundle and the log (runtime.c).
 * Invariants: waitpid is only ever called on the pid in the container's pid file; a
 *             container whose exit this process did not see reports exit 255, unknown.
 * Spec:   runc(8) 1.1: state, kill, exec; Kubernetes graceful termination (TERM, grace,
 *         KILL).
 * Stop:   TERM goes to the init only (as containerd does); KILL to every process (runc kill
 *         --all); then whatever is left in the container's cgroup (a container sharing the
 *         host's pid namespace keeps its init's children) is killed and, when reparented to
 *         this subreaper, reaped: a stopped container has no process left.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/runtime_int.h"

static int read_int_file(const char *path, int dflt)
{
    FILE *f = fopen(path, "re");
    char line[32] = "";
    if (f == NULL) {
        return dflt;
    }
    if (fgets(line, sizeof line, f) == NULL) {
        line[0] = '\0';
    }
    fclose(f);
    char *end = NULL;
    errno = 0;
    long v = strtol(line, &end, 10);
    if (errno != 0 || end == line || v < 0 || v > 1 << 30) {
        return dflt;
    }
    return (int)v;
}

static int read_pid(daas_rt *rt, const char *id)
{
    char *p = daas_rt__path(rt, "bundles", id, "pid");
    int pid = read_int_file(p, 0);
    daas_free(p);
    return pid;
}

static void record_exit(daas_rt *rt, const char *id, int code)
{
    char *p = daas_rt__path(rt, "exit", id, NULL);
    char txt[16];
    int n = snprintf(txt, sizeof txt, "%d\n", code);
    if (daas_write_file_atomic(p, txt, (size_t)n, 0600, NULL) != DAAS_OK) {
        /* the exit code is then reported as unknown */
    }
    daas_free(p);
}

static bool is_zombie(int pid)
{
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return true; /* gone */
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp != NULL && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* 1: exited and reaped now (exit recorded); 0: still there; -1: gone, or no pid. */
static int probe(daas_rt *rt, const char *id, int pid)
{
    if (pid <= 0) {
        return -1;
    }
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) {
        record_exit(rt, id, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return 1;
    }
    if (r == 0) {
        return 0;
    }
    if ((kill(pid, 0) != 0 && errno == ESRCH) || is_zombie(pid)) {
        return -1;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Waits up to ms for pid to be gone. */
static bool wait_gone(daas_rt *rt, const char *id, int pid, int ms)
{
    int64_t deadline = daas_mono_ns() / 1000000 + ms;
    for (;;) {
        if (probe(rt, id, pid) != 0) {
            return true;
        }
        if (daas_mono_ns() / 1000000 >= deadline) {
            return false;
        }
        sleep_ms(10);
    }
}

bool daas_rt__reap_gone(daas_rt *rt, const char *id, int ms)
{
    return wait_gone(rt, id, read_pid(rt, id), ms);
}

static int parse_status(const char *s)
{
    if (s == NULL) {
        return DAAS_RT_STOPPED;
    }
    if (strcmp(s, "created") == 0) {
        return DAAS_RT_CREATED;
    }
    if (strcmp(s, "running") == 0) {
        return DAAS_RT_RUNNING;
    }
    if (strcmp(s, "paused") == 0) {
        return DAAS_RT_PAUSED;
    }
    return DAAS_RT_STOPPED;
}

int daas_rt_state_get(daas_rt *rt, const char *id, daas_rt_state *st, daas_err *err)
{
    *st = (daas_rt_state){0, 0, false, 255};
    if (!daas_rt__valid_id(id)) {
        return daas_fail(err, DAAS_EINVAL, "container id: invalid");
    }
    const char *args[] = {"state", id, NULL};
    daas_buf out;
    daas_buf_init(&out, 1 << 20);
    int rc = daas_rt__runc(rt, id, args, &out, err);
    if (rc != DAAS_OK) {
        daas_buf_fini(&out);
        return rc;
    }
    json_t *j = json_loads(out.data != NULL ? out.data : "", 0, NULL);
    st->status = parse_status(json_string_value(json_object_get(j, "status")));
    st->pid = (int)json_integer_value(json_object_get(j, "pid"));
    json_decref(j);
    daas_buf_fini(&out);
    int fpid = read_pid(rt, id);
    if (fpid > 0) {
        st->pid = fpid;
    }
    if (probe(rt, id, st->pid) == 1) {
        st->status = DAAS_RT_STOPPED;
    }
    if (st->status == DAAS_RT_STOPPED) {
        char *p = daas_rt__path(rt, "exit", id, NULL);
        int code = read_int_file(p, -1);
        daas_free(p);
        st->exit_known = code >= 0;
        st->exit_code = code >= 0 ? code : 255;
    }
    return DAAS_OK;
}

int daas_rt_kill(daas_rt *rt, const char *id, int sig, daas_err *err)
{
    if (!daas_rt__valid_id(id)) {
        return daas_fail(err, DAAS_EINVAL, "container id: invalid");
    }
    char num[16];
    snprintf(num, sizeof num, "%d", sig);
    const char *args[] = {"kill", id, num, NULL};
    return daas_rt__runc(rt, id, args, NULL, err);
}

/* Collects into pids (at most max) the processes of the container's cgroup, from every
 * hierarchy that has one (cgroup v1: one per controller; v2: the unified one). */
static size_t cgroup_pids(const daas_rt *rt, const char *id, int *pids, size_t max)
{
    static const char *const ctls[] = {"pids/",    "memory/",  "freezer/", "cpu/",
                                       "devices/", "systemd/", "",         NULL};
    size_t n = 0;
    for (size_t i = 0; ctls[i] != NULL; i++) {
        char *p =
            daas_xasprintf("/sys/fs/cgroup/%s%s-%s/cgroup.procs", ctls[i], rt->cgparent + 1, id);
        FILE *f = fopen(p, "re");
        daas_free(p);
        if (f == NULL) {
            continue;
        }
        char line[32];
        while (n < max && fgets(line, sizeof line, f) != NULL) {
            int pid = (int)strtol(line, NULL, 10);
            bool seen = pid <= 1;
            for (size_t k = 0; k < n && !seen; k++) {
                seen = pids[k] == pid;
            }
            if (!seen) {
                pids[n++] = pid;
            }
        }
        fclose(f);
    }
    return n;
}

#define KILL_MAX_PIDS 4096

/* SIGKILLs every process left in the container's cgroup (children of an init that is gone:
 * a container sharing the host's pid namespace keeps them, and `runc delete --force` only
 * signals them when it still sees the container running) and reaps those that were
 * reparented to this subreaper, until the cgroup is empty or ms have passed. */
static bool kill_rest(const daas_rt *rt, const char *id, int ms)
{
    int *pids = daas_xcalloc(KILL_MAX_PIDS, sizeof *pids);
    int *dead = daas_xcalloc(KILL_MAX_PIDS, sizeof *dead);
    size_t n_dead = 0;
    int64_t deadline = daas_mono_ns() / 1000000 + ms;
    bool empty = false;
    for (;;) {
        size_t n = cgroup_pids(rt, id, pids, KILL_MAX_PIDS);
        for (size_t i = 0; i < n; i++) {
            kill(pids[i], SIGKILL);
            if (n_dead < KILL_MAX_PIDS) {
                dead[n_dead++] = pids[i];
            }
        }
        /* only pids that were in the container's cgroup are waited for */
        for (size_t i = 0; i < n_dead; i++) {
            if (dead[i] > 0 && waitpid(dead[i], NULL, WNOHANG) != 0) {
                dead[i] = 0; /* reaped, or not our child */
            }
        }
        empty = n == 0;
        if (empty || daas_mono_ns() / 1000000 >= deadline) {
            break;
        }
        sleep_ms(10);
    }
    /* the last ones killed may still be dying: reap them too (bounded) */
    for (int round = 0; round < 50; round++) {
        bool left = false;
        for (size_t i = 0; i < n_dead; i++) {
            if (dead[i] > 0 && waitpid(dead[i], NULL, WNOHANG) != 0) {
                dead[i] = 0;
            }
            left |= dead[i] > 0;
        }
        if (!left) {
            break;
        }
        sleep_ms(10);
    }
    daas_free(pids);
    daas_free(dead);
    return empty;
}

/* The init is gone: no process of the container may outlive it. */
static int finish_stop(daas_rt *rt, const char *id, daas_rt_state *s, daas_err *err)
{
    if (!kill_rest(rt, id, rt->timeout_ms)) {
        return daas_fail(err, DAAS_ETIMEOUT, "container %s: processes left %d ms after SIGKILL", id,
                         rt->timeout_ms);
    }
    return daas_rt_state_get(rt, id, s, err);
}

int daas_rt_stop(daas_rt *rt, const char *id, int grace_ms, daas_rt_state *st, daas_err *err)
{
    daas_rt_state tmp;
    daas_rt_state *s = st != NULL ? st : &tmp;
    int rc = daas_rt_state_get(rt, id, s, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    if (s->status == DAAS_RT_STOPPED) {
        return finish_stop(rt, id, s, err);
    }
    int pid = s->pid;
    daas_err ignored = {0};
    if (daas_rt_kill(rt, id, SIGTERM, &ignored) == DAAS_OK &&
        wait_gone(rt, id, pid, grace_ms > 0 ? grace_ms : 0)) {
        return finish_stop(rt, id, s, err);
    }
    /* --all: every process of the container, not only its init */
    char num[16];
    snprintf(num, sizeof num, "%d", SIGKILL);
    const char *args[] = {"kill", "--all", id, num, NULL};
    if (daas_rt__runc(rt, id, args, NULL, &ignored) != DAAS_OK) {
        kill(pid, SIGKILL); /* runc may refuse a container it sees stopped */
    }
    if (!wait_gone(rt, id, pid, rt->timeout_ms)) {
        return daas_fail(err, DAAS_ETIMEOUT, "container %s: still running %d ms after SIGKILL", id,
                         rt->timeout_ms);
    }
    return finish_stop(rt, id, s, err);
}

/* runc --root R --log-format json exec ID args...; owned by the caller (daas_free). */
static const char **exec_argv(const daas_rt *rt, const char *id, const char *const *args)
{
    size_t n = 0;
    while (args[n] != NULL) {
        n++;
    }
    const char **argv = daas_xcalloc(n + 8, sizeof *argv);
    size_t k = 0;
    argv[k++] = rt->runc;
    argv[k++] = "--root";
    argv[k++] = rt->runc_root;
    argv[k++] = "--log-format";
    argv[k++] = "json";
    argv[k++] = "exec";
    argv[k++] = id;
    for (size_t i = 0; i < n; i++) {
        argv[k++] = args[i];
    }
    return argv;
}

int daas_rt_exec(daas_rt *rt, const char *id, const char *const *args, daas_buf *out,
                 daas_buf *errout, int *exit_code, daas_err *err)
{
    *exit_code = 255;
    if (!daas_rt__valid_id(id) || args == NULL || args[0] == NULL) {
        return daas_fail(err, DAAS_EINVAL, "container %s: exec: no command",
                         daas_rt__valid_id(id) ? id : "(invalid id)");
    }
    const char **argv = exec_argv(rt, id, args);
    daas_buf o, e;
    daas_buf_init(&o, 4 << 20);
    daas_buf_init(&e, 4 << 20);
    daas_rt__cmd c = {argv, -1, &o, &e, rt->timeout_ms, 0};
    daas_err re = {0};
    int rc = daas_rt__run(&c, &re);
    if (rc != DAAS_OK) {
        rc = daas_fail(err, rc, "container %s: runc exec: %s", id, re.msg);
    } else if (c.status == 255 && daas_rt__runc_failed("exec", e.data)) {
        rc = daas_rt__fail_runc(id, "exec", e.data, err);
    } else {
        *exit_code = c.status;
        if ((out != NULL && o.len > 0 && daas_buf_append(out, o.data, o.len) != DAAS_OK) ||
            (errout != NULL && e.len > 0 && daas_buf_append(errout, e.data, e.len) != DAAS_OK)) {
            rc = daas_fail(err, DAAS_ETOOBIG, "container %s: exec output too large", id);
        }
    }
    daas_buf_fini(&o);
    daas_buf_fini(&e);
    daas_free(argv);
    return rc;
}
