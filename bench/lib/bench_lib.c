/*
 * bench_lib.c: process plumbing of the benchmarks: dying, clocks, children, ports, the
 * `daas server` in a temporary directory and its admin credentials, /proc figures.
 *
 * Owns:   the one server bench_die stops (g_server).
 * Not:    HTTP (bench_http.c).
 * Invariants: a started server is stopped by bench_server_stop or bench_die, never left.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_lib.h"
#include "common/alloc.h"
#include "common/util.h"

static const char *g_name = "bench";
static bench_server *g_server; /* stopped by bench_die */

void bench_set_name(const char *name)
{
    g_name = name;
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", g_name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (g_server != NULL && g_server->pid > 0) {
        kill(g_server->pid, SIGTERM);
        waitpid(g_server->pid, NULL, 0);
    }
    exit(1);
}

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bench_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* In the child: stdout and stderr appended to log. */
static void redirect(const char *log)
{
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
}

int bench_run(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        redirect(log);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int bench_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        bench_die("no free port");
    close(fd);
    return ntohs(a.sin_port);
}

void bench_sibling(const char *argv0, const char *name, char *out, size_t n)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", argv0);
    snprintf(out, n, "%s/%s", dirname(buf), name);
}

int bench_int_flag(const char *flag, const char *value, int max)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < 1 || v > max)
        bench_die("%s wants an integer in [1, %d], not '%s'", flag, max, value);
    return (int)v;
}

void bench_server_init(bench_server *s, const char *prefix)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/%s.XXXXXX", prefix);
    if (mkdtemp(s->dir) == NULL)
        bench_die("mkdtemp: %s", strerror(errno));
    snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
}

/* Writes the base64 value of "name: <b64>" in the kubeconfig text to path. */
static void extract(const char *cfg, const char *name, const char *path)
{
    const char *p = strstr(cfg, name);
    if (p == NULL)
        bench_die("kubeconfig without %s", name);
    p += strlen(name);
    while (*p == ':' || *p == ' ')
        p++;
    daas_buf out = {0};
    if (daas_base64_decode(p, strcspn(p, "\r\n"), &out) != DAAS_OK)
        bench_die("cannot decode %s", name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len)
        bench_die("cannot write %s", path);
    fclose(f);
    daas_buf_fini(&out);
}

/* Waits for the server's kubeconfig and writes its admin credentials into s->dir. */
static void credentials(bench_server *s)
{
    char path[400], buf[65536];
    snprintf(path, sizeof path, "%s/data/kubeconfig.yaml", s->dir);
    FILE *f = NULL;
    for (int i = 0; i < 600 && (f = fopen(path, "r")) == NULL; i++) {
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            bench_die("the server exited (log: %s)", s->log);
        }
        bench_sleep_ms(100);
    }
    if (f == NULL)
        bench_die("no kubeconfig at %s (server log: %s)", path, s->log);
    bench_sleep_ms(100); /* written atomically, but be kind to a slow writer */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(s->ca, sizeof s->ca, "%s/ca.crt", s->dir);
    snprintf(s->crt, sizeof s->crt, "%s/admin.crt", s->dir);
    snprintf(s->key, sizeof s->key, "%s/admin.key", s->dir);
    extract(buf, "certificate-authority-data", s->ca);
    extract(buf, "client-certificate-data", s->crt);
    extract(buf, "client-key-data", s->key);
}

/* Forks and execs the server with its base flags and extra. */
static void spawn(bench_server *s, const char *bin, const char *data, const char *port,
                  const char *const extra[])
{
    const char *argv[64] = {bin, "server", "--data-dir", data, "--https-listen-port", port,
                            "--bind-address", "127.0.0.1"};
    int n = 8;
    for (int i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (s->pid == 0) {
        redirect(s->log);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
}

void bench_server_start(bench_server *s, const char *bin, const char *const extra[])
{
    char data[300], port[16];
    int p = bench_free_port();
    snprintf(data, sizeof data, "%s/data", s->dir);
    snprintf(port, sizeof port, "%d", p);
    snprintf(s->url, sizeof s->url, "https://127.0.0.1:%d", p);
    g_server = s;
    spawn(s, bin, data, port, extra);
    credentials(s);
    for (int i = 0; i < 600; i++) {
        if (bench_request(s, "GET", "/readyz", NULL, NULL) == 200)
            return;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            bench_die("the server exited (log: %s)", s->log);
        }
        bench_sleep_ms(100);
    }
    bench_die("the server is not ready after 60 s (log: %s)", s->log);
}

void bench_server_stop(bench_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

/* Detaches every mount below dir, deepest first (the agent's tmpfs, Secret volumes). */
static void unmount_under(const char *dir)
{
    char line[1024], *paths[64];
    int n = 0;
    size_t len = strlen(dir);
    FILE *f = fopen("/proc/self/mounts", "r");
    while (f != NULL && n < 64 && fgets(line, sizeof line, f) != NULL) {
        char dev[256], mnt[700];
        if (sscanf(line, "%255s %699s", dev, mnt) == 2 && strncmp(mnt, dir, len) == 0 &&
            mnt[len] == '/')
            paths[n++] = daas_xstrdup(mnt);
    }
    if (f != NULL)
        fclose(f);
    while (n-- > 0) {
        umount2(paths[n], MNT_DETACH);
        daas_free(paths[n]);
    }
}

void bench_server_cleanup(bench_server *s, bool keep)
{
    if (keep) {
        printf("  kept %s\n", s->dir);
        return;
    }
    unmount_under(s->dir);
    char *argv[] = {"/bin/rm", "-rf", s->dir, NULL};
    bench_run(argv, "/dev/null");
}

/* The value after "key:" in a /proc/PID/status text, in KiB. */
static long status_kb(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

void bench_proc_rss(pid_t pid, long *rss_kb, long *hwm_kb)
{
    char path[64], text[4096];
    *rss_kb = *hwm_kb = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    *rss_kb = status_kb(text, "VmRSS:");
    *hwm_kb = status_kb(text, "VmHWM:");
}

/* ppid and utime+stime (seconds) from /proc/PID/stat; false when pid is gone. */
static bool proc_stat(long pid, long *ppid, double *cpu)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    /* after "(comm)": state (field 3), ppid (4), ..., utime (14), stime (15): proc(5) */
    const char *p = strrchr(text, ')');
    char state = 0;
    unsigned long long ut = 0, st = 0;
    if (p == NULL || sscanf(p + 1, " %c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &state, ppid, &ut, &st) != 4)
        return false;
    *cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return true;
}

typedef struct proc_row {
    long pid, ppid;
    double cpu;
    bool tree; /* a descendant of the root */
} proc_row;

/* Every process's row (*n of them; daas_free the array). */
static proc_row *proc_rows(size_t *n)
{
    size_t cap = 256;
    proc_row *rows = daas_xcalloc(cap, sizeof *rows);
    *n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char *end = NULL;
        long pid = strtol(e->d_name, &end, 10);
        proc_row r = {.pid = pid};
        if (end == e->d_name || *end != '\0' || !proc_stat(pid, &r.ppid, &r.cpu))
            continue;
        if (*n == cap) {
            cap *= 2;
            rows = daas_xrealloc(rows, cap * sizeof *rows);
        }
        rows[(*n)++] = r;
    }
    if (d != NULL)
        closedir(d);
    return rows;
}

double bench_proc_cpu(pid_t pid, double *children_s)
{
    long ppid = 0;
    double own = 0, kids = 0;
    if (!proc_stat(pid, &ppid, &own))
        own = 0;
    size_t n = 0;
    proc_row *rows = proc_rows(&n);
    for (bool grew = true; grew;) { /* mark descendants, one generation per pass */
        grew = false;
        for (size_t i = 0; i < n; i++) {
            if (rows[i].tree)
                continue;
            bool parent_in = rows[i].ppid == (long)pid;
            for (size_t j = 0; j < n && !parent_in; j++)
                parent_in = rows[j].tree && rows[j].pid == rows[i].ppid;
            if (parent_in) {
                rows[i].tree = grew = true;
                kids += rows[i].cpu;
            }
        }
    }
    daas_free(rows);
    if (children_s != NULL)
        *children_s = kids;
    return own;
}

double bench_self_cpu(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
