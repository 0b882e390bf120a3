/*
 * runtime_exec.c: running a helper program (runc) without a shell, with a timeout; and the
 * interactive `runc exec` of kubectl exec (daas_rt_exec_start: pipes, no timeout).
 *
 * Owns:   the child process for the duration of one call, its pipes; an interactive exec's
 *         process and pipes until daas_rt_exec_fini.
 * Does not own: what the program does; the caller reads c->status.
 * Invariants: the child gets stdin /dev/null and no descriptor above 2; the child is always
 *             waited for before returning (killed first on timeout); only its pid is
 *             waited for.
 * Spec:   posix_spawn(3).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/runtime_int.h"
#include "common/util.h"

extern char **environ;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int decode_status(int st)
{
    if (WIFEXITED(st)) {
        return WEXITSTATUS(st);
    }
    if (WIFSIGNALED(st)) {
        return 128 + WTERMSIG(st);
    }
    return 255;
}

/* Reads what is ready on fd into b (NULL: discard). Returns false at EOF or error. */
static bool drain(int fd, daas_buf *b)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
    }
    if (n <= 0) {
        return false;
    }
    if (b != NULL && daas_buf_append(b, tmp, (size_t)n) != DAAS_OK) {
        /* over the cap: keep reading so the child does not block, drop the rest */
    }
    return true;
}

/* Reads both pipes until EOF on both or the deadline. False on timeout. */
static bool pump(int outfd, int errfd, daas_rt__cmd *c, int64_t deadline)
{
    while (outfd >= 0 || errfd >= 0) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            return false;
        }
        struct pollfd p[2] = {{outfd, POLLIN, 0}, {errfd, POLLIN, 0}};
        int n = poll(p, 2, (int)left);
        if (n < 0 && errno != EINTR) {
            return false;
        }
        if (outfd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !drain(outfd, c->out)) {
            outfd = -1;
        }
        if (errfd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !drain(errfd, c->errb)) {
            errfd = -1;
        }
    }
    return true;
}

/* Waits for pid until the deadline; kills it past the deadline. False on timeout. */
static bool reap(pid_t pid, int64_t deadline, int *status)
{
    int st = 0, delay = 1;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            *status = decode_status(st);
            return true;
        }
        if (r < 0 && errno != EINTR) {
            *status = 255;
            return true;
        }
        if (mono_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            *status = 128 + SIGKILL;
            return false;
        }
        sleep_ms(delay);
        delay = delay < 20 ? delay * 2 : 20;
    }
}

/* posix_spawn of argv with fa, the process getting an empty signal mask and default
 * dispositions: the agent blocks SIGTERM/SIGINT (it sigwaits for them) and ignores SIGPIPE,
 * and a mask survives exec, so a container would otherwise never see the SIGTERM of a stop.
 * The errno of posix_spawn (0: started). */
static int spawn_clean(pid_t *pid, const posix_spawn_file_actions_t *fa, const char *const *argv)
{
    posix_spawnattr_t at;
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGPIPE);
    sigaddset(&dfl, SIGHUP);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int e = posix_spawn(pid, argv[0], fa, &at, (char *const *)argv, environ);
    posix_spawnattr_destroy(&at);
    return e;
}

static int spawn(daas_rt__cmd *c, int err_fd, const int outp[2], const int errp[2], pid_t *pid,
                 daas_err *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (c->stdio_fd >= 0) {
        posix_spawn_file_actions_adddup2(&fa, c->stdio_fd, 1);
        posix_spawn_file_actions_adddup2(&fa, err_fd >= 0 ? err_fd : c->stdio_fd, 2);
    } else {
        posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
        posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    }
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    int e = spawn_clean(pid, &fa, c->argv);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        return daas_fail(err, DAAS_EIO, "%s: cannot start: %s", c->argv[0], strerror(e));
    }
    return DAAS_OK;
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++) {
        if (p[i] >= 0) {
            close(p[i]);
            p[i] = -1;
        }
    }
}

static int run(daas_rt__cmd *c, int err_fd, daas_err *err)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1};
    pid_t pid = -1;
    int rc = DAAS_OK;
    int64_t deadline = mono_ms() + (c->timeout_ms > 0 ? c->timeout_ms : 30000);
    c->status = 255;
    if (c->stdio_fd < 0 && (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0)) {
        rc = daas_fail(err, DAAS_EIO, "%s: pipe: %s", c->argv[0], strerror(errno));
        goto out;
    }
    rc = spawn(c, err_fd, outp, errp, &pid, err);
    if (rc != DAAS_OK) {
        goto out;
    }
    bool ok = true;
    if (c->stdio_fd < 0) {
        close(outp[1]);
        close(errp[1]);
        outp[1] = errp[1] = -1;
        ok = pump(outp[0], errp[0], c, deadline);
    }
    if (!ok) {
        deadline = 0; /* kill now */
    }
    if (!reap(pid, deadline, &c->status) || !ok) {
        rc = daas_fail(err, DAAS_ETIMEOUT, "%s %s: timed out after %d ms", c->argv[0],
                       c->argv[1] != NULL ? c->argv[1] : "", c->timeout_ms);
    }
out:
    close_pair(outp);
    close_pair(errp);
    return rc;
}

int daas_rt__run(daas_rt__cmd *c, daas_err *err)
{
    return run(c, -1, err);
}

int daas_rt__run_split(daas_rt__cmd *c, int err_fd, daas_err *err)
{
    return run(c, err_fd, err);
}

/* ---- interactive exec (the endpoint's kubectl exec) ---- */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* argv of `runc exec` for args; the strings are borrowed; the array is the caller's. */
static const char **exec_argv(daas_rt *rt, const char *id, const char *pidf, const char *log,
                              bool tty, const char *const *args)
{
    size_t n = 0;
    while (args[n] != NULL) {
        n++;
    }
    const char **v = daas_xcalloc(n + 16, sizeof *v);
    size_t k = 0;
    const char *pre[] = {rt->runc, "--root", rt->runc_root, "--log-format", "json"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        v[k++] = pre[i];
    }
    /* runc's own records (its failure to start the process) go to a file of ours, not into
     * the process's stderr: daas_rt_exec_runc_error reads them */
    v[k++] = "--log";
    v[k++] = log;
    v[k++] = "exec";
    if (tty) {
        v[k++] = "--tty";
    }
    v[k++] = "--pid-file";
    v[k++] = pidf;
    v[k++] = id;
    for (size_t i = 0; i < n; i++) {
        v[k++] = args[i];
    }
    v[k] = NULL;
    return v;
}

/* Spawns argv with stdio fds[0..2] (-1: /dev/null). */
static int spawn_exec(const char *const *argv, const int fds[3], pid_t *pid, daas_err *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) {
            posix_spawn_file_actions_adddup2(&fa, fds[i], i);
        } else {
            posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
        }
    }
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    int e = spawn_clean(pid, &fa, argv);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        return daas_fail(err, DAAS_EIO, "%s: cannot start: %s", argv[0], strerror(e));
    }
    return DAAS_OK;
}

/* STATE/bundles/<id>/exec-<random>.pid (owned by the caller). */
static char *exec_pid_file(const daas_rt *rt, const char *id)
{
    char rnd[9];
    uint8_t r[4];
    daas_random(r, sizeof r);
    daas_hex_encode(r, sizeof r, rnd);
    char *name = daas_xasprintf("exec-%s.pid", rnd);
    char *path = daas_rt__path(rt, "bundles", id, name);
    daas_free(name);
    return path;
}

/* The front of an interactive exec: p reset, its pid and log files named, *argv the runc
 * command line (daas_free). DAAS_EINVAL for a bad id or no command. */
static int proc_init(daas_rt *rt, const char *id, const char *const *args, bool tty,
                     daas_rt_proc *p, const char ***argv, daas_err *err)
{
    memset(p, 0, sizeof *p);
    p->in_fd = p->out_fd = p->err_fd = -1;
    if (!daas_rt__valid_id(id) || args == NULL || args[0] == NULL) {
        return daas_fail(err, DAAS_EINVAL, "exec: no container or no command");
    }
    p->pid_file = exec_pid_file(rt, id);
    p->log_file = daas_xasprintf("%s.log", p->pid_file);
    *argv = exec_argv(rt, id, p->pid_file, p->log_file, tty, args);
    return DAAS_OK;
}

int daas_rt_exec_start(daas_rt *rt, const char *id, const char *const *args, bool with_stdin,
                       daas_rt_proc *p, daas_err *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    const char **argv = NULL;
    int rc = proc_init(rt, id, args, false, p, &argv, err);
    if (rc != DAAS_OK)
        return rc;
    if ((with_stdin && pipe2(in, O_CLOEXEC) != 0) || pipe2(out, O_CLOEXEC) != 0 ||
        pipe2(errp, O_CLOEXEC) != 0) {
        rc = daas_fail(err, DAAS_EIO, "exec: pipe: %s", strerror(errno));
        goto out;
    }
    pid_t pid;
    const int fds[3] = {in[0], out[1], errp[1]};
    rc = spawn_exec(argv, fds, &pid, err);
    if (rc != DAAS_OK) {
        goto out;
    }
    p->pid = (int)pid;
    p->in_fd = in[1], p->out_fd = out[0], p->err_fd = errp[0];
    in[1] = out[0] = errp[0] = -1;
    if ((p->in_fd >= 0 && set_nonblock(p->in_fd) != 0) || set_nonblock(p->out_fd) != 0 ||
        set_nonblock(p->err_fd) != 0) {
        rc = daas_fail(err, DAAS_EIO, "exec: fcntl: %s", strerror(errno));
    }
out:
    daas_free(argv);
    close_pair(in);
    close_pair(out);
    close_pair(errp);
    if (rc != DAAS_OK) {
        daas_rt_exec_fini(p);
    }
    return rc;
}

int daas_rt_exec_poll(daas_rt_proc *p, int *code)
{
    if (p->pid <= 0) {
        return DAAS_EINVAL;
    }
    int st = 0;
    pid_t r = waitpid(p->pid, &st, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
        return DAAS_EAGAIN;
    }
    *code = r == p->pid ? decode_status(st) : 255;
    p->pid = 0;
    return DAAS_OK;
}

/* The exec'd process's host pid (runc's pid file), or 0. */
static long inner_pid(const daas_rt_proc *p)
{
    FILE *f = p->pid_file != NULL ? fopen(p->pid_file, "re") : NULL;
    long inner = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld", &inner) != 1 || inner <= 1) {
            inner = 0;
        }
        fclose(f);
    }
    return inner;
}

/* The process's pid, waiting up to 1 s while runc lives and has not written it yet (runc
 * writes the pid file just after the process starts: a client may leave in between). */
static long wait_inner_pid(const daas_rt_proc *p)
{
    long inner = inner_pid(p);
    for (int i = 0; inner <= 0 && i < 200 && p->pid > 0; i++) {
        siginfo_t si = {0}; /* runc still running? (WNOWAIT: its status stays for the reaper) */
        if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid != 0)
            break;
        sleep_ms(5);
        inner = inner_pid(p);
    }
    return inner;
}

void daas_rt_exec_kill(daas_rt_proc *p)
{
    long inner = p->pid > 0 ? wait_inner_pid(p) : 0; /* runc has not reaped it yet */
    if (inner > 0) {
        kill((pid_t)inner, SIGKILL);
    }
}

/* Kills the process and reaps runc: runc is given 2 s to reap its child and exit (killing
 * runc first would hand the child to us, the subreaper, as a zombie runc delete then waits
 * for); a child that still came to us is reaped too. */
static void kill_and_reap(daas_rt_proc *p)
{
    long inner = wait_inner_pid(p);
    if (inner > 0) {
        kill((pid_t)inner, SIGKILL);
    }
    int st, waited = 0;
    while (waitpid(p->pid, &st, WNOHANG) == 0) {
        if (waited >= 2000) {
            if (inner <= 0 && (inner = inner_pid(p)) > 0) {
                kill((pid_t)inner, SIGKILL); /* written at last */
            }
            kill(p->pid, SIGKILL);
            while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        sleep_ms(5);
        waited += 5;
    }
    p->pid = 0;
    for (int i = 0; inner > 0 && i < 100 && waitpid((pid_t)inner, &st, WNOHANG) == 0; i++) {
        sleep_ms(5); /* ours: wait for it to die (ECHILD at once when it is not ours) */
    }
}

void daas_rt_exec_fini(daas_rt_proc *p)
{
    if (p->pid > 0) {
        kill_and_reap(p);
    }
    int *fds[] = {&p->in_fd, &p->out_fd, &p->err_fd};
    for (size_t i = 0; i < 3; i++) {
        if (*fds[i] >= 0) {
            close(*fds[i]);
        }
        *fds[i] = -1;
    }
    if (p->pid_file != NULL) {
        unlink(p->pid_file);
        daas_free(p->pid_file);
        p->pid_file = NULL;
    }
    if (p->log_file != NULL) {
        unlink(p->log_file);
        daas_free(p->log_file);
        p->log_file = NULL;
    }
}

/* ---- exec with a terminal (kubectl exec -t) ---- */

/* A pty pair in raw mode: runc's stdio is the slave; runc copies between it and the
 * container's own terminal, and on SIGWINCH gives that terminal the slave's size. (runc
 * refuses --console-socket without --detach, and a detached exec's exit code is lost.) */
static int open_pty(int *master, int *slave, daas_err *err)
{
    char name[64];
    *slave = -1;
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0 || grantpt(*master) != 0 || unlockpt(*master) != 0 ||
        ptsname_r(*master, name, sizeof name) != 0 ||
        (*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        return daas_fail(err, DAAS_EIO, "exec: terminal: %s", strerror(errno));
    }
    struct termios t;
    if (tcgetattr(*slave, &t) == 0) {
        cfmakeraw(&t);
        (void)tcsetattr(*slave, TCSANOW, &t);
    }
    return DAAS_OK;
}

int daas_rt_exec_start_tty(daas_rt *rt, const char *id, const char *const *args,
                           daas_rt_proc *p, daas_err *err)
{
    int master = -1, slave = -1;
    const char **argv = NULL;
    int rc = proc_init(rt, id, args, true, p, &argv, err);
    if (rc != DAAS_OK)
        return rc;
    rc = open_pty(&master, &slave, err);
    if (rc == DAAS_OK) {
        const int fds[3] = {slave, slave, slave};
        pid_t pid;
        rc = spawn_exec(argv, fds, &pid, err);
        p->pid = rc == DAAS_OK ? (int)pid : 0;
    }
    if (rc == DAAS_OK) {
        p->tty = true;
        p->out_fd = master;
        master = -1;
        p->in_fd = fcntl(p->out_fd, F_DUPFD_CLOEXEC, 3);
        if (p->in_fd < 0 || set_nonblock(p->out_fd) != 0) {
            rc = daas_fail(err, DAAS_EIO, "exec: terminal: %s", strerror(errno));
        }
    }
    if (slave >= 0) {
        close(slave);
    }
    if (master >= 0) {
        close(master);
    }
    daas_free(argv);
    if (rc != DAAS_OK) {
        daas_rt_exec_fini(p);
    }
    return rc;
}

int daas_rt_exec_resize(daas_rt_proc *p, unsigned width, unsigned height)
{
    struct winsize ws = {0};
    ws.ws_col = (unsigned short)(width > 65535 ? 65535 : width);
    ws.ws_row = (unsigned short)(height > 65535 ? 65535 : height);
    if (!p->tty || p->out_fd < 0 || ioctl(p->out_fd, TIOCSWINSZ, &ws) != 0) {
        return DAAS_EINVAL;
    }
    if (p->pid > 0) {
        kill(p->pid, SIGWINCH); /* runc copies the size to the container's terminal */
    }
    return DAAS_OK;
}

bool daas_rt_exec_runc_error(const daas_rt_proc *p, char *msg, size_t n)
{
    FILE *f = p->log_file != NULL ? fopen(p->log_file, "re") : NULL;
    char line[4096];
    bool found = false;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        json_t *j = json_loads(line, 0, NULL);
        const char *lvl = json_string_value(json_object_get(j, "level"));
        const char *m = json_string_value(json_object_get(j, "msg"));
        if (lvl != NULL && m != NULL && (strcmp(lvl, "error") == 0 || strcmp(lvl, "fatal") == 0)) {
            snprintf(msg, n, "%s", m);
            found = true;
        }
        json_decref(j);
    }
    if (f != NULL) {
        fclose(f);
    }
    return found;
}
