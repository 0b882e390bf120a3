/*
 * runtime_exec.c: running a helper program (runc) without a shell, with a timeout.
 *
 * Owns:   the child process for the duration of one call, its pipes.
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
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/runtime_int.h"

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
    /* runc and the container it starts get an empty signal mask and default dispositions:
     * the agent blocks SIGTERM/SIGINT (it sigwaits for them) and ignores SIGPIPE, and a
     * mask survives exec, so a container would otherwise never see the SIGTERM of a stop. */
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
    int e = posix_spawn(pid, c->argv[0], &fa, &at, (char *const *)c->argv, environ);
    posix_spawnattr_destroy(&at);
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
