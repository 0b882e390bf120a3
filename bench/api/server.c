/*
 * server.c: the server under test, as a child process of the benchmark.
 *
 * Owns:   a temporary directory (data/ for the server, server.log for its stderr), the child
 *         process, its shutdown, reading its memory figures from /proc; the helpers the etcd
 *         process shares (free port, removing a directory, CPU seconds of a process).
 * Not:    the server's flags' meaning (src/cmd/server.c).
 * Invariants: the child is always reaped; the directory is removed unless the user keeps it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common/util.h"

enum { READY_TIMEOUT_MS = 60000, STOP_TIMEOUT_MS = 15000 };

int daas_bench_free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    int port = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

void daas_bench_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* In the forked child: output to log, exec. */
static _Noreturn void exec_child(const char *log, char *const argv[])
{
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)dup2(fd, 1);
        (void)dup2(fd, 2);
    }
    execv(argv[0], argv);
    fprintf(stderr, "bench_api: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int daas_bench_spawn(const char *log, char *const argv[], pid_t *pid, daas_err *err)
{
    fflush(NULL);
    *pid = fork();
    if (*pid < 0) {
        *pid = 0;
        return daas_fail(err, DAAS_EIO, "fork: %s", strerror(errno));
    }
    if (*pid == 0)
        exec_child(log, argv);
    return DAAS_OK;
}

/* Starts the server, its output to the log. */
static int spawn_server(daas_bench_server *s, const char *daas, int workers, const char *endpoint,
                        daas_err *err)
{
    char port[16], data[300], nworkers[16];
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(data, sizeof data, "%s/data", s->dir);
    snprintf(nworkers, sizeof nworkers, "%d", workers);
    char *argv[16] = {(char *)daas,          "server", "--data-dir",     data,
                      "--https-listen-port", port,     "--bind-address", "127.0.0.1"};
    int argc = 8;
    if (workers > 0) {
        argv[argc++] = "--workers";
        argv[argc++] = nworkers;
    }
    if (endpoint != NULL) {
        argv[argc++] = "--datastore-endpoint";
        argv[argc++] = (char *)endpoint;
    }
    argv[argc] = NULL;
    return daas_bench_spawn(s->log, argv, &s->pid, err);
}

/* One readiness probe: kubeconfig loaded (once) and GET /readyz answered 200. */
static bool probe(daas_bench_server *s, daas_bench_tls *t, bool *have_tls, daas_err *err)
{
    daas_bench_conn c;
    int status = 0;
    if (!*have_tls) {
        if (access(s->kubeconfig, R_OK) != 0)
            return false;
        daas_err_clear(err);
        if (daas_bench_tls_init(t, s->kubeconfig, s->port, err) != DAAS_OK)
            return false;
        *have_tls = true;
    }
    daas_bench_conn_init(&c, t);
    int rc = daas_bench_conn_do(&c, "GET", "/readyz", NULL, 0, NULL, &status);
    daas_bench_conn_fini(&c);
    return rc == DAAS_OK && status == 200;
}

/* Waits for readiness or the child's exit. */
static int wait_ready(daas_bench_server *s, daas_bench_tls *t, daas_err *err)
{
    bool have_tls = false;
    int64_t deadline = daas_mono_ns() + (int64_t)READY_TIMEOUT_MS * 1000000;
    while (daas_mono_ns() < deadline) {
        int st = 0;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return daas_fail(err, DAAS_EIO, "the server exited during startup (status %d)",
                             WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
        if (probe(s, t, &have_tls, err))
            return DAAS_OK;
        daas_bench_sleep_ms(50);
    }
    if (have_tls)
        daas_bench_tls_fini(t);
    return daas_fail(err, DAAS_EIO, "the server was not ready within %d s",
                     READY_TIMEOUT_MS / 1000);
}

int daas_bench_server_start(daas_bench_server *s, const char *daas, int workers,
                            const char *endpoint, daas_bench_tls *t, daas_err *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/daas-bench-XXXXXX");
    if (mkdtemp(s->dir) == NULL)
        return daas_fail(err, DAAS_EIO, "mkdtemp: %s", strerror(errno));
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
    snprintf(s->kubeconfig, sizeof s->kubeconfig, "%s/data/kubeconfig.yaml", s->dir);
    s->port = daas_bench_free_port();
    if (s->port <= 0)
        return daas_fail(err, DAAS_EIO, "no free port");
    int rc = spawn_server(s, daas, workers, endpoint, err);
    return rc == DAAS_OK ? wait_ready(s, t, err) : rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path); /* keep going: remove what can be removed */
    return 0;
}

void daas_bench_rmdir(const char *dir)
{
    (void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int daas_bench_child_stop(pid_t *pid, const char *what, int timeout_ms)
{
    int st = -1;
    if (*pid <= 0)
        return st;
    int64_t deadline = daas_mono_ns() + (int64_t)timeout_ms * 1000000;
    (void)kill(*pid, SIGTERM);
    while (waitpid(*pid, &st, WNOHANG) == 0) {
        if (daas_mono_ns() > deadline) {
            fprintf(stderr, "bench_api: %s ignored SIGTERM for %d s, killing it\n", what,
                    timeout_ms / 1000);
            (void)kill(*pid, SIGKILL);
            (void)waitpid(*pid, &st, 0);
            break;
        }
        daas_bench_sleep_ms(20);
    }
    *pid = 0;
    return st;
}

void daas_bench_dir_done(const char *dir, bool keep, const char *contents)
{
    if (dir[0] == '\0')
        return;
    if (keep)
        fprintf(stderr, "bench_api: kept %s (%s)\n", dir, contents);
    else
        daas_bench_rmdir(dir);
}

int daas_bench_server_stop(daas_bench_server *s, bool keep)
{
    int st = daas_bench_child_stop(&s->pid, "server", STOP_TIMEOUT_MS);
    daas_bench_dir_done(s->dir, keep, "server.log, data/");
    return st;
}

/* The number after "key:" in /proc/PID/status, in kB. */
static long status_kb(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (p == NULL)
        return 0;
    p += strlen(key);
    p += strspn(p, " \t");
    return strtol(p, NULL, 10);
}

void daas_bench_server_rss(const daas_bench_server *s, long *rss_kb, long *hwm_kb)
{
    char path[64], text[8192];
    size_t n = 0;
    *rss_kb = *hwm_kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)s->pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    *rss_kb = status_kb(text, "VmRSS:");
    *hwm_kb = status_kb(text, "VmHWM:");
}

double daas_bench_server_cpu(const daas_bench_server *s)
{
    return daas_bench_pid_cpu(s->pid);
}

double daas_bench_pid_cpu(pid_t pid)
{
    char path[64], text[1024];
    size_t n = 0;
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)) */
    const char *p = strrchr(text, ')');
    if (p == NULL)
        return 0;
    p++;
    for (int field = 2; field < 13 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return 0;
    char *end = NULL;
    unsigned long long ut = strtoull(p, &end, 10);
    unsigned long long stt = strtoull(end, NULL, 10);
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

void daas_bench_server_log_tail(const daas_bench_server *s, int lines)
{
    daas_bench_log_tail(s->log, lines);
}

void daas_bench_log_tail(const char *log, int lines)
{
    char buf[65536];
    FILE *f = fopen(log, "r");
    if (f == NULL)
        return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > (long)sizeof buf - 1 && fseek(f, size - (long)sizeof buf + 1, SEEK_SET) != 0)
            rewind(f);
        else if (size <= (long)sizeof buf - 1)
            rewind(f);
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = buf + n;
    for (int seen = 0; p > buf; p--)
        if (p[-1] == '\n' && p != buf + n && ++seen > lines)
            break;
    fprintf(stderr, "---- last lines of %s ----\n%s---- end of %s ----\n", log, p, log);
}
