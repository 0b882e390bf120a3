/*
 * runtime.c: the runtime handle and the container lifecycle on top of runc: create+start,
 * delete, list, and the one helper every runc call goes through.
 *
 * Owns:   daas_rt (state dir paths, runc path, timeout, detected cgroups, warn-once flags);
 *         the bundle directories STATE/bundles/<id>/ and the log files STATE/logs/<id>.log;
 *         starting and reaping each container's log shim (crilog.h; its pid in the bundle's
 *         shim.pid).
 * Does not own: runc's own state under STATE/runc (runc does); state/kill/stop/exec live in
 *         runtime_ops.c.
 * Invariants: a failed create is rolled back (runc delete --force, bundle removed); every
 *             error names the container and quotes runc's own message.
 * Spec:   runc(8) 1.1: --root, --log, --log-format json, create --bundle --pid-file, start,
 *         delete --force, list --format json.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/crilog.h"
#include "agent/runtime_int.h"
#include "common/log.h"
#include "common/util.h"

bool daas_rt__valid_id(const char *id)
{
    if (id == NULL || id[0] == '\0' || id[0] == '.' || id[0] == '-' || id[0] == '_' ||
        strlen(id) > 128) {
        return false;
    }
    for (const char *p = id; *p != '\0'; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static daas_rt_cgroups detect_cgroups(void)
{
    daas_rt_cgroups cg = {DAAS_RT_CGROUP_NONE, false, false};
    if (exists("/sys/fs/cgroup/cgroup.controllers")) {
        cg.mode = DAAS_RT_CGROUP_V2;
        FILE *f = fopen("/sys/fs/cgroup/cgroup.controllers", "re");
        char line[512] = "";
        if (f != NULL) {
            if (fgets(line, sizeof line, f) == NULL) {
                line[0] = '\0';
            }
            fclose(f);
        }
        cg.memory = strstr(line, "memory") != NULL;
        cg.cpu = strstr(line, "cpu ") != NULL || strstr(line, "cpu\n") != NULL;
        return cg;
    }
    cg.memory = exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    cg.cpu = exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
    if (cg.memory || cg.cpu || exists("/sys/fs/cgroup/systemd") ||
        exists("/sys/fs/cgroup/pids")) {
        cg.mode = DAAS_RT_CGROUP_V1;
    }
    return cg;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++) {
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return h;
}

/* In the daas binary the log shim is `daas logshim` (a fresh process holding none of the
 * agent's memory, keys included); elsewhere (tests) a forked copy. */
static char *default_logshim(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        return NULL;
    }
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    return base != NULL && strcmp(base + 1, "daas") == 0 ? daas_xstrdup("/proc/self/exe") : NULL;
}

int daas_rt_new(const char *state_dir, const char *runc_path, daas_rt **out, daas_err *err)
{
    *out = NULL;
    if (state_dir == NULL || state_dir[0] != '/') {
        return daas_fail(err, DAAS_EINVAL, "runtime: state dir must be an absolute path");
    }
    daas_rt *rt = daas_xcalloc(1, sizeof *rt);
    rt->dir = daas_xstrdup(state_dir);
    rt->runc = daas_xstrdup(runc_path != NULL ? runc_path : "/usr/sbin/runc");
    rt->runc_root = daas_xasprintf("%s/runc", state_dir);
    rt->cgparent = daas_xasprintf("/daas/%08x", fnv1a(state_dir));
    rt->timeout_ms = 30000;
    rt->cg = detect_cgroups();
    rt->logshim = default_logshim();
    const char *subs[] = {"runc", "bundles", "logs", "exit"};
    int rc = DAAS_OK;
    for (size_t i = 0; i < 4 && rc == DAAS_OK; i++) {
        char *d = daas_xasprintf("%s/%s", state_dir, subs[i]);
        rc = daas_mkdir_p(d, err);
        daas_free(d);
    }
    if (rc == DAAS_OK && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        DAAS_WARN("runtime", "cannot become a child subreaper: %s; exit codes will be unknown",
                  strerror(errno));
    }
    if (rc != DAAS_OK) {
        daas_rt_free(&rt);
        return rc;
    }
    *out = rt;
    return DAAS_OK;
}

int daas_rt_private_state(daas_rt *rt, daas_err *err)
{
    const char *subs[] = {"runc", "bundles"};
    int rc = DAAS_OK;
    for (size_t i = 0; i < 2 && rc == DAAS_OK; i++) {
        char *d = daas_xasprintf("%s/%s", rt->dir, subs[i]);
        if (!daas_is_mount_point(d) &&
            mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700,size=64m") != 0)
            rc = daas_fail(err, DAAS_EIO,
                           "cannot mount a tmpfs on %s (container configs hold Secret values "
                           "and stay off the disk): %s",
                           d, strerror(errno));
        daas_free(d);
    }
    return rc;
}

void daas_rt_free(daas_rt **rt)
{
    if (rt == NULL || *rt == NULL) {
        return;
    }
    daas_free((*rt)->dir);
    daas_free((*rt)->runc);
    daas_free((*rt)->runc_root);
    daas_free((*rt)->cgparent);
    daas_free((*rt)->logshim);
    daas_free(*rt);
    *rt = NULL;
}

daas_rt_cgroups daas_rt_cgroup_support(const daas_rt *rt)
{
    return rt->cg;
}

void daas_rt_set_timeout(daas_rt *rt, int timeout_ms)
{
    rt->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
}

void daas_rt_set_logshim(daas_rt *rt, const char *exe)
{
    daas_free(rt->logshim);
    rt->logshim = exe != NULL ? daas_xstrdup(exe) : NULL;
}

char *daas_rt_log_path(const daas_rt *rt, const char *id)
{
    return daas_xasprintf("%s/logs/%s.log", rt->dir, id);
}

char *daas_rt__path(const daas_rt *rt, const char *kind, const char *id, const char *file)
{
    if (file == NULL) {
        return daas_xasprintf("%s/%s/%s", rt->dir, kind, id);
    }
    return daas_xasprintf("%s/%s/%s/%s", rt->dir, kind, id, file);
}

int daas_rt_config(const daas_rt *rt, const daas_rt_spec *spec, char **json_out, daas_err *err)
{
    return daas_rt__config(spec, rt->cg, rt->cgparent, json_out, err);
}

/* The last line of text, trimmed: copies into out. */
static void last_line(const char *s, char *out, size_t n)
{
    size_t len = s != NULL ? strlen(s) : 0;
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ')) {
        len--;
    }
    size_t start = len;
    while (start > 0 && s[start - 1] != '\n') {
        start--;
    }
    snprintf(out, n, "%.*s", (int)(len - start), s != NULL ? s + start : "");
}

/* runc's message: the msg of the last JSON record of level "error" (runc runs with
 * --log-format json), else the last line. */
static void runc_message(const char *text, char *out, size_t n)
{
    last_line(text, out, n);
    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        json_t *j = json_loadb(p, len, 0, NULL);
        const char *lvl = json_string_value(json_object_get(j, "level"));
        const char *msg = json_string_value(json_object_get(j, "msg"));
        if (lvl != NULL && msg != NULL && strcmp(lvl, "error") == 0) {
            snprintf(out, n, "%s", msg);
        }
        json_decref(j);
        p = nl != NULL ? nl + 1 : NULL;
    }
}

/* Strips runc's wrapping ("runc create failed: unable to start container process: "). */
static const char *strip_runc(const char *msg, const char *verb)
{
    char pre[64];
    snprintf(pre, sizeof pre, "runc %s failed: ", verb);
    if (strncmp(msg, pre, strlen(pre)) == 0) {
        msg += strlen(pre);
    }
    snprintf(pre, sizeof pre, "%s failed: ", verb);
    if (strncmp(msg, pre, strlen(pre)) == 0) {
        msg += strlen(pre);
    }
    const char *p2 = "unable to start container process: ";
    if (strncmp(msg, p2, strlen(p2)) == 0) {
        msg += strlen(p2);
    }
    return msg;
}

bool daas_rt__runc_failed(const char *verb, const char *text)
{
    char line[240], pre[64];
    runc_message(text, line, sizeof line);
    snprintf(pre, sizeof pre, "%s failed: ", verb);
    return strncmp(line, pre, strlen(pre)) == 0 || strstr(line, "does not exist") != NULL;
}

int daas_rt__fail_runc(const char *id, const char *verb, const char *text, daas_err *err)
{
    char line[240];
    runc_message(text, line, sizeof line);
    const char *msg = strip_runc(line, verb);
    int code = DAAS_EIO;
    if (strstr(msg, "does not exist") != NULL) {
        code = DAAS_ENOTFOUND;
    } else if (strstr(msg, "already exists") != NULL) {
        code = DAAS_EEXIST;
    }
    return daas_fail(err, code, "container %s: runc %s: %s", id, verb,
                     msg[0] != '\0' ? msg : "failed");
}

int daas_rt__runc(daas_rt *rt, const char *id, const char *const *args, daas_buf *out,
                  daas_err *err)
{
    const char *argv[40];
    size_t n = 0;
    argv[n++] = rt->runc;
    argv[n++] = "--root";
    argv[n++] = rt->runc_root;
    argv[n++] = "--log-format";
    argv[n++] = "json";
    for (size_t i = 0; args[i] != NULL && n < 39; i++) {
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    daas_buf eb;
    daas_buf_init(&eb, 1 << 16);
    daas_rt__cmd c = {argv, -1, out, &eb, rt->timeout_ms, 0};
    daas_err e = {0};
    int rc = daas_rt__run(&c, &e);
    if (rc != DAAS_OK) {
        rc = daas_fail(err, rc, "container %s: runc %s: %s", id, args[0], e.msg);
    } else if (c.status != 0) {
        rc = daas_rt__fail_runc(id, args[0], eb.data, err);
    }
    daas_buf_fini(&eb);
    return rc;
}

/* Removes the flat directory dir and its files. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            unlinkat(dirfd(d), de->d_name, 0);
        }
    }
    closedir(d);
    rmdir(dir);
}

/* Reads runc's own JSON log file into buf (capped). */
static void read_runc_log(const char *path, daas_buf *buf)
{
    FILE *f = fopen(path, "re");
    char chunk[4096];
    size_t n;
    while (f != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (daas_buf_append(buf, chunk, n) != DAAS_OK) {
            break;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
}

static void warn_limits(daas_rt *rt, const daas_rt_spec *s)
{
    if (s->memory_limit > 0 && !rt->cg.memory && !atomic_exchange(&rt->warned_memory, true)) {
        DAAS_WARN("runtime", "this host has no usable memory cgroup: memory limits are not "
                             "applied (first: container %s)", s->id);
    }
    if (s->cpu_millis > 0 && !rt->cg.cpu && !atomic_exchange(&rt->warned_cpu, true)) {
        DAAS_WARN("runtime", "this host has no usable cpu cgroup: CPU limits are not applied "
                             "(first: container %s)", s->id);
    }
}

static int write_bundle(daas_rt *rt, const daas_rt_spec *s, daas_err *err)
{
    char *cfg = NULL;
    char *bdir = daas_rt__path(rt, "bundles", s->id, NULL);
    char *cpath = daas_rt__path(rt, "bundles", s->id, "config.json");
    int rc = daas_rt__config(s, rt->cg, rt->cgparent, &cfg, err);
    if (rc != DAAS_OK) {
        goto out;
    }
    if (mkdir(bdir, 0700) != 0) {
        rc = daas_fail(err, errno == EEXIST ? DAAS_EEXIST : DAAS_EIO,
                       "container %s: bundle %s: %s", s->id, bdir, strerror(errno));
        goto out;
    }
    rc = daas_write_file_atomic(cpath, cfg, strlen(cfg), 0600, err);
out:
    daas_free(cfg);
    daas_free(bdir);
    daas_free(cpath);
    return rc;
}

/* In the shim's child: stdio /dev/null, the pipes on 3 and 4, the log on 5, nothing else
 * open, its own session, an empty signal mask. Async-signal-safe calls only (the agent is
 * threaded). Never returns. */
static void shim_child(int out_r, int err_r, int log_fd, char *const *argv)
{
    int hi[3] = {fcntl(out_r, F_DUPFD, 10), fcntl(err_r, F_DUPFD, 10), fcntl(log_fd, F_DUPFD, 10)};
    int nul = open("/dev/null", O_RDWR);
    if (hi[0] < 0 || hi[1] < 0 || hi[2] < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 ||
        dup2(nul, 2) < 0 || dup2(hi[0], 3) < 0 || dup2(hi[1], 4) < 0 || dup2(hi[2], 5) < 0) {
        _exit(127);
    }
    close_range(6, ~0U, 0);
    setsid();
    prctl(PR_SET_NAME, "daas-logshim", 0, 0, 0); /* for ps */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_IGN); /* a session leader without a terminal: never sent, but sure */
    if (argv != NULL) {
        execv(argv[0], argv);
        _exit(127);
    }
    _exit(daas_crilog_shim(3, 4, 5) == 0 ? 0 : 1);
}

static bool proc_stat(long pid, char *state, unsigned long long *start);

/* The shim's pipes: p[0..1] stdout (read, write), p[2..3] stderr. */
static int start_shim(daas_rt *rt, const char *id, int p[4], daas_err *err)
{
    char *lpath = daas_rt_log_path(rt, id);
    char *pidf = daas_rt__path(rt, "bundles", id, "shim.pid");
    char *const argv[] = {rt->logshim, (char *)"logshim", NULL};
    int rc = DAAS_OK, log_fd = open(lpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0 || pipe2(p, O_CLOEXEC) != 0 || pipe2(p + 2, O_CLOEXEC) != 0) {
        rc = daas_fail(err, DAAS_EIO, "container %s: log %s: %s", id, lpath, strerror(errno));
        goto out;
    }
    pid_t pid = fork();
    if (pid == 0) {
        shim_child(p[0], p[2], log_fd, rt->logshim != NULL ? argv : NULL);
    }
    if (pid < 0) {
        rc = daas_fail(err, DAAS_EIO, "container %s: log shim: %s", id, strerror(errno));
        goto out;
    }
    /* the start time tells our shim from a later process with the same pid */
    char num[48], st;
    unsigned long long start = 0;
    if (!proc_stat(pid, &st, &start)) {
        start = 0;
    }
    int n = snprintf(num, sizeof num, "%d %llu\n", (int)pid, start);
    rc = daas_write_file_atomic(pidf, num, (size_t)n, 0600, err);
out:
    for (int i = 0; i < 4; i += 2) { /* the read ends are the shim's now */
        if (p[i] >= 0) {
            close(p[i]);
            p[i] = -1;
        }
    }
    if (log_fd >= 0) {
        close(log_fd);
    }
    daas_free(lpath);
    daas_free(pidf);
    return rc;
}

/* The pid (and, when the file has one, the process's start time) in
 * STATE/bundles/<id>/<file>; pid 0 when there is none. */
static long read_pid(const daas_rt *rt, const char *id, const char *file,
                     unsigned long long *start)
{
    char *path = daas_rt__path(rt, "bundles", id, file);
    FILE *f = fopen(path, "re");
    long pid = 0;
    *start = 0;
    if (f != NULL) {
        int n = fscanf(f, "%ld %llu", &pid, start);
        if (n < 1 || pid < 0) {
            pid = 0;
        }
        fclose(f);
    }
    daas_free(path);
    return pid;
}

/* State letter ('R', 'S', 'Z', ...) and start time (clock ticks after boot) of pid from
 * /proc/<pid>/stat; false when there is no such process. */
static bool proc_stat(long pid, char *state, unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = pid > 0 ? fopen(path, "re") : NULL;
    if (f == NULL) {
        return false;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S f4 ... f22=starttime": comm may hold spaces and ')'; the last ')' ends
     * it */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ' || p[2] == '\0') {
        return false;
    }
    *state = p[2];
    p += 3;
    for (int field = 4; field <= 22 && p != NULL; field++) {
        p = strchr(p, ' ');
        p = p != NULL ? p + 1 : NULL;
    }
    *start = p != NULL ? strtoull(p, NULL, 10) : 0;
    return true;
}

/* True when pid runs (not a zombie) and, when start is not 0, started at start (not a
 * later process that reused the pid). */
static bool proc_alive(long pid, unsigned long long start)
{
    char st;
    unsigned long long s;
    return proc_stat(pid, &st, &s) && st != 'Z' && st != 'X' && (start == 0 || s == start);
}

/* Reaps the container's log shim (a child of this process unless an agent restarted in
 * between) once it has exited, waiting up to ms. It exits when the container's last
 * process closes the pipes. Only the process recorded (same start time) is waited for. */
static void reap_shim(daas_rt *rt, const char *id, int ms)
{
    unsigned long long start, s;
    long pid = read_pid(rt, id, "shim.pid", &start);
    char st;
    for (int waited = 0; pid > 0 && waited <= ms; waited += 10) {
        if (!proc_stat(pid, &st, &s) || s != start) {
            return; /* gone (reaped by someone), or the pid is another process's now */
        }
        pid_t r = waitpid((pid_t)pid, NULL, WNOHANG);
        if (r != 0 && !(r < 0 && errno == EINTR)) {
            return; /* reaped, or not our child */
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Reaps the shims of containers that have ended (zombies of ours), so that completed
 * containers the pod loop keeps for a while hold no process slot. */
static void sweep_shims(daas_rt *rt)
{
    char *dir = daas_xasprintf("%s/bundles", rt->dir);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        unsigned long long start, s;
        char st;
        long pid = de->d_name[0] != '.' ? read_pid(rt, de->d_name, "shim.pid", &start) : 0;
        if (pid > 0 && start != 0 && proc_stat(pid, &st, &s) && st == 'Z' && s == start) {
            (void)waitpid((pid_t)pid, NULL, WNOHANG); /* ECHILD when it is not ours */
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    daas_free(dir);
}

bool daas_rt_log_open(const daas_rt *rt, const char *id)
{
    unsigned long long start;
    long pid = daas_rt__valid_id(id) ? read_pid(rt, id, "shim.pid", &start) : 0;
    return pid > 0 && proc_alive(pid, start);
}

bool daas_rt_running(const daas_rt *rt, const char *id)
{
    unsigned long long start;
    long pid = daas_rt__valid_id(id) ? read_pid(rt, id, "pid", &start) : 0;
    return pid > 0 && proc_alive(pid, 0);
}

/* runc create with the container's stdout and stderr on the shim's pipes. */
static int runc_create(daas_rt *rt, const char *id, daas_err *err)
{
    char *bdir = daas_rt__path(rt, "bundles", id, NULL);
    char *pidf = daas_rt__path(rt, "bundles", id, "pid");
    char *rlog = daas_rt__path(rt, "bundles", id, "runc.log");
    const char *argv[] = {rt->runc, "--root", rt->runc_root, "--log", rlog, "--log-format",
                          "json", "create", "--bundle", bdir, "--pid-file", pidf, id, NULL};
    int p[4] = {-1, -1, -1, -1};
    int rc = start_shim(rt, id, p, err);
    if (rc != DAAS_OK) {
        goto out;
    }
    daas_rt__cmd c = {argv, p[1], NULL, NULL, rt->timeout_ms, 0};
    daas_err e = {0};
    rc = daas_rt__run_split(&c, p[3], &e);
    if (rc != DAAS_OK) {
        rc = daas_fail(err, rc, "container %s: runc create: %s", id, e.msg);
    } else if (c.status != 0) {
        daas_buf m;
        daas_buf_init(&m, 1 << 16);
        read_runc_log(rlog, &m);
        rc = daas_rt__fail_runc(id, "create", m.data, err);
        daas_buf_fini(&m);
    }
out:
    for (int i = 1; i < 4; i += 2) {
        if (p[i] >= 0) {
            close(p[i]);
        }
    }
    daas_free(bdir);
    daas_free(pidf);
    daas_free(rlog);
    return rc;
}

static void rollback(daas_rt *rt, const char *id)
{
    const char *del[] = {"delete", "--force", id, NULL};
    if (daas_rt__runc(rt, id, del, NULL, NULL) != DAAS_OK) {
        /* nothing was created, or it is gone already */
    }
    daas_rt__reap_gone(rt, id, 2000);
    reap_shim(rt, id, 2000);
    char *bdir = daas_rt__path(rt, "bundles", id, NULL);
    remove_dir(bdir);
    daas_free(bdir);
}

int daas_rt_create(daas_rt *rt, const daas_rt_spec *spec, daas_err *err)
{
    sweep_shims(rt);
    int rc = write_bundle(rt, spec, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    warn_limits(rt, spec);
    char *exitf = daas_rt__path(rt, "exit", spec->id, NULL);
    unlink(exitf);
    daas_free(exitf);
    rc = runc_create(rt, spec->id, err);
    if (rc == DAAS_OK) {
        const char *start[] = {"start", spec->id, NULL};
        rc = daas_rt__runc(rt, spec->id, start, NULL, err);
    }
    if (rc != DAAS_OK) {
        rollback(rt, spec->id);
    }
    return rc;
}

int daas_rt_delete(daas_rt *rt, const char *id, bool keep_log, daas_err *err)
{
    if (!daas_rt__valid_id(id)) {
        return daas_fail(err, DAAS_EINVAL, "container id: invalid");
    }
    const char *del[] = {"delete", "--force", id, NULL};
    daas_err e = {0};
    int rc = daas_rt__runc(rt, id, del, NULL, &e);
    if (rc != DAAS_OK && rc != DAAS_ENOTFOUND) {
        return daas_fail(err, rc, "%s", e.msg);
    }
    daas_rt__reap_gone(rt, id, 5000);
    reap_shim(rt, id, 2000);
    char *bdir = daas_rt__path(rt, "bundles", id, NULL);
    char *exitf = daas_rt__path(rt, "exit", id, NULL);
    remove_dir(bdir);
    unlink(exitf);
    if (!keep_log) {
        char *lpath = daas_rt_log_path(rt, id);
        unlink(lpath);
        daas_free(lpath);
    }
    daas_free(bdir);
    daas_free(exitf);
    return DAAS_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int daas_rt_list(daas_rt *rt, char ***ids_out, size_t *n_out, daas_err *err)
{
    const char *args[] = {"list", "--format", "json", NULL};
    daas_buf out;
    daas_buf_init(&out, 16 << 20);
    *ids_out = NULL;
    *n_out = 0;
    int rc = daas_rt__runc(rt, "(all)", args, &out, err);
    if (rc != DAAS_OK) {
        daas_buf_fini(&out);
        return rc;
    }
    json_t *j = json_loads(out.data != NULL ? out.data : "null", JSON_DECODE_ANY, NULL);
    size_t n = json_is_array(j) ? json_array_size(j) : 0;
    char **v = daas_xcalloc(n + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_object_get(json_array_get(j, i), "id"));
        if (id != NULL) {
            v[k++] = daas_xstrdup(id);
        }
    }
    qsort(v, k, sizeof *v, cmp_str);
    json_decref(j);
    daas_buf_fini(&out);
    *ids_out = v;
    *n_out = k;
    return DAAS_OK;
}

void daas_rt_strv_free(char ***v)
{
    if (v == NULL || *v == NULL) {
        return;
    }
    for (size_t i = 0; (*v)[i] != NULL; i++) {
        daas_free((*v)[i]);
    }
    daas_free(*v);
    *v = NULL;
}
