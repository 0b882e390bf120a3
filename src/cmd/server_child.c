/*
 * server_child.c: the helper processes `daas server --dev` runs beside itself (the debug
 * scheduler enclave, the Seal key servers): started from the daas binary itself, logged to a
 * file, restarted when they exit, stopped with the server.
 *
 * Owns:   server_child (server_int.h): its argv, log path, pid and supervisor thread.
 * Invariants:
 *   - a child is a separate process (its keys never enter the server) that dies with the
 *     server (PR_SET_PDEATHSIG, and SIGTERM at stop);
 *   - between fork and exec the child makes only async-signal-safe calls (the server is
 *     multi-threaded);
 *   - when a child exits on its own, its supervisor starts it again, at most once a second,
 *     until server_child_stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/server_int.h"
#include "common/alloc.h"
#include "common/log.h"

/* Forks and execs c->argv with default signals, output appended to c->logp. Pid or -1. */
static pid_t spawn(const server_child *c)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fd = open(c->logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    execv(c->argv[0], c->argv);
    _exit(127);
}

static void *supervise(void *arg)
{
    server_child *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        pid_t pid = c->pid;
        pthread_mutex_unlock(&c->mu);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        pthread_mutex_lock(&c->mu);
        bool stopping = c->stopping;
        c->pid = 0;
        pthread_mutex_unlock(&c->mu);
        if (stopping)
            return NULL;
        DAAS_WARN("server", "the %s (pid %d) exited (status %d); starting it again", c->name,
                  (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        sleep(1);
        pthread_mutex_lock(&c->mu);
        pid = c->stopping ? -1 : spawn(c);
        c->pid = pid > 0 ? pid : 0;
        pthread_mutex_unlock(&c->mu);
        if (pid <= 0)
            return NULL;
    }
}

int server_child_start(server_child *c, const char *name, const char *const *args,
                       const char *logp, daas_err *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return daas_fail(err, DAAS_EIO, "cannot find the daas binary (/proc/self/exe)");
    exe[n] = '\0';
    size_t nargs = 0;
    while (args[nargs])
        nargs++;
    c->argv = daas_xcalloc(nargs + 2, sizeof *c->argv);
    c->argv[0] = daas_xstrdup(exe);
    for (size_t i = 0; i < nargs; i++)
        c->argv[i + 1] = daas_xstrdup(args[i]);
    c->name = daas_xstrdup(name);
    c->logp = daas_xstrdup(logp);
    pthread_mutex_init(&c->mu, NULL);
    c->mu_init = true;
    c->pid = spawn(c);
    if (c->pid < 0) {
        c->pid = 0;
        return daas_fail(err, DAAS_EINTERNAL, "cannot start the %s: %s", name, strerror(errno));
    }
    if (pthread_create(&c->supervisor, NULL, supervise, c) != 0)
        return daas_fail(err, DAAS_EINTERNAL, "cannot start the %s's supervisor", name);
    c->supervising = true;
    return DAAS_OK;
}

pid_t server_child_pid(server_child *c)
{
    if (!c->mu_init)
        return 0;
    pthread_mutex_lock(&c->mu);
    pid_t pid = c->pid;
    pthread_mutex_unlock(&c->mu);
    return pid;
}

void server_child_stop(server_child *c)
{
    if (c->mu_init) {
        pthread_mutex_lock(&c->mu);
        c->stopping = true;
        if (c->pid > 0)
            kill(c->pid, SIGTERM);
        pid_t pid = c->pid;
        pthread_mutex_unlock(&c->mu);
        if (c->supervising)
            pthread_join(c->supervisor, NULL);
        else if (pid > 0)
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pthread_mutex_destroy(&c->mu);
        c->mu_init = c->supervising = false;
    }
    for (size_t i = 0; c->argv && c->argv[i]; i++)
        daas_free(c->argv[i]);
    daas_free(c->argv);
    daas_free(c->name);
    daas_free(c->logp);
    c->argv = NULL;
    c->name = c->logp = NULL;
}
