/*
 * cluster.c: the dev cluster bench_agent measures: image, `daas server --dev` (which runs the
 * host's agent), admin credentials from the kubeconfig, API calls, teardown.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_agent.h"

static ba_cluster *g_cluster; /* for ba_die */

int64_t ba_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ba_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_agent: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (g_cluster != NULL && g_cluster->server > 0) {
        kill(g_cluster->server, SIGTERM);
        waitpid(g_cluster->server, NULL, 0);
    }
    exit(1);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int run(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        ba_die("no free port");
    close(fd);
    return ntohs(a.sin_port);
}

/* Writes the base64 value of "name: <b64>" in the kubeconfig text to path. */
static void extract(const char *cfg, const char *name, const char *path)
{
    const char *p = strstr(cfg, name);
    if (p == NULL)
        ba_die("kubeconfig without %s", name);
    p += strlen(name);
    while (*p == ':' || *p == ' ')
        p++;
    size_t n = strcspn(p, "\r\n");
    unsigned char *out = malloc(n);
    int len = out ? EVP_DecodeBlock(out, (const unsigned char *)p, (int)n) : -1;
    FILE *f = fopen(path, "w");
    if (len < 0 || f == NULL)
        ba_die("cannot decode %s", name);
    while (len > 0 && out[len - 1] == '\0')
        len--; /* EVP_DecodeBlock counts the padding */
    fwrite(out, 1, (size_t)len, f);
    fclose(f);
    free(out);
}

static void credentials(ba_cluster *c)
{
    char path[400], buf[65536];
    snprintf(path, sizeof path, "%s/data/kubeconfig.yaml", c->dir);
    FILE *f = NULL;
    for (int i = 0; i < 600 && (f = fopen(path, "r")) == NULL; i++)
        sleep_ms(100);
    if (f == NULL)
        ba_die("no kubeconfig at %s (server log: %s/server.log)", path, c->dir);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(c->ca, sizeof c->ca, "%s/ca.crt", c->dir);
    snprintf(c->crt, sizeof c->crt, "%s/admin.crt", c->dir);
    snprintf(c->key, sizeof c->key, "%s/admin.key", c->dir);
    extract(buf, "certificate-authority-data", c->ca);
    extract(buf, "client-certificate-data", c->crt);
    extract(buf, "client-key-data", c->key);
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    FILE *f = ud;
    return fwrite(p, size, n, f);
}

long ba_request(ba_cluster *c, const char *method, const char *path, const json_t *body,
                json_t **out)
{
    char url[512], *txt = body ? json_dumps(body, JSON_COMPACT) : NULL, *reply = NULL;
    size_t rlen = 0;
    FILE *mem = open_memstream(&reply, &rlen);
    snprintf(url, sizeof url, "%s%s", c->url, path);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
    curl_easy_setopt(h, CURLOPT_SSLCERT, c->crt);
    curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, mem);
    if (txt != NULL)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, txt);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    fclose(mem);
    if (out != NULL)
        *out = json_loadb(reply, rlen, 0, NULL);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    free(reply);
    free(txt);
    return code;
}

static bool node_ready(ba_cluster *c)
{
    json_t *l = NULL;
    bool ready = false;
    if (ba_request(c, "GET", "/api/v1/nodes", NULL, &l) == 200) {
        size_t i, j;
        json_t *n, *cond;
        json_array_foreach(json_object_get(l, "items"), i, n) {
            json_array_foreach(json_object_get(json_object_get(n, "status"), "conditions"), j, cond) {
                const char *t = json_string_value(json_object_get(cond, "type"));
                const char *s = json_string_value(json_object_get(cond, "status"));
                ready |= t && s && strcmp(t, "Ready") == 0 && strcmp(s, "True") == 0;
            }
        }
    }
    json_decref(l);
    return ready;
}

/* The sibling of argv0 named name, or "" */
static void sibling(const char *argv0, const char *name, char *out, size_t n)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", argv0);
    snprintf(out, n, "%s/%s", dirname(buf), name);
}

void ba_cluster_start(ba_cluster *c, const char *argv0, const char *daas, const char *image)
{
    memset(c, 0, sizeof *c);
    g_cluster = c;
    snprintf(c->dir, sizeof c->dir, "/tmp/bench_agent.XXXXXX");
    if (mkdtemp(c->dir) == NULL)
        ba_die("mkdtemp: %s", strerror(errno));
    char bin[PATH_MAX], img[PATH_MAX], script[PATH_MAX], data[400], store[450], log[400];
    if (daas != NULL)
        snprintf(bin, sizeof bin, "%s", daas);
    else
        sibling(argv0, "daas", bin, sizeof bin);
    snprintf(data, sizeof data, "%s/data", c->dir);
    snprintf(store, sizeof store, "%s/agent/images", data);
    snprintf(log, sizeof log, "%s/bench.log", c->dir);
    if (image != NULL) {
        snprintf(img, sizeof img, "%s", image);
    } else {
        snprintf(img, sizeof img, "%s/busybox.tar", c->dir);
        sibling(argv0, "../scripts/busybox-image.sh", script, sizeof script);
        char *argv[] = {"/bin/sh", script, img, "dev", NULL};
        if (run(argv, log) != 0)
            ba_die("building the image with %s failed (see %s)", script, log);
    }
    char *imp[] = {bin, "image", "import", img, "--name", "busybox", "--store", store, NULL};
    if (run(imp, log) != 0)
        ba_die("daas image import failed (see %s)", log);
    int port = free_port();
    char ports[16];
    snprintf(ports, sizeof ports, "%d", port);
    snprintf(c->url, sizeof c->url, "https://127.0.0.1:%d", port);
    snprintf(log, sizeof log, "%s/server.log", c->dir);
    c->server = fork();
    if (c->server == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(bin, bin, "server", "--dev", "--data-dir", data, "--https-listen-port", ports,
              "--bind-address", "127.0.0.1", "--devnet-epoch-ms", "1000", (char *)NULL);
        _exit(127);
    }
    credentials(c);
    for (int i = 0; i < 1200 && !node_ready(c); i++) {
        if (waitpid(c->server, NULL, WNOHANG) == c->server) {
            c->server = 0;
            ba_die("the server exited (log: %s)", log);
        }
        sleep_ms(100);
    }
    if (!node_ready(c))
        ba_die("no Ready node after 120 s (logs: %s, %s/agent.log)", log, data);
}

void ba_agent_rss(const ba_cluster *c, long *rss_kb, long *hwm_kb)
{
    char want[300];
    snprintf(want, sizeof want, "%s/data/agent", c->dir);
    *rss_kb = *hwm_kb = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[300], cmd[4096], line[256];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t n = fread(cmd, 1, sizeof cmd - 1, f);
        fclose(f);
        cmd[n] = '\0';
        bool agent = n > 0 && strcmp(cmd + strlen(cmd) + 1, "agent") == 0;
        bool ours = memmem(cmd, n, want, strlen(want)) != NULL;
        if (!agent || !ours)
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        f = fopen(path, "r");
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            sscanf(line, "VmRSS: %ld", rss_kb);
            sscanf(line, "VmHWM: %ld", hwm_kb);
        }
        if (f != NULL)
            fclose(f);
    }
    if (d != NULL)
        closedir(d);
    if (*rss_kb == 0)
        ba_die("the agent process was not found");
}

/* Detaches every mount below dir, deepest first. */
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
            paths[n++] = strdup(mnt);
    }
    if (f != NULL)
        fclose(f);
    while (n-- > 0) {
        if (paths[n] != NULL)
            umount2(paths[n], MNT_DETACH);
        free(paths[n]);
    }
}

void ba_cluster_stop(ba_cluster *c, bool keep)
{
    json_t *l = NULL;
    ba_request(c, "DELETE", "/api/v1/namespaces/default/pods", NULL, NULL);
    for (int i = 0; i < 600; i++) { /* the agent stops each container, then deletes it */
        size_t n = 1;
        if (ba_request(c, "GET", "/api/v1/namespaces/default/pods", NULL, &l) == 200)
            n = json_array_size(json_object_get(l, "items"));
        json_decref(l);
        l = NULL;
        if (n == 0)
            break;
        sleep_ms(100);
    }
    if (c->server > 0) {
        kill(c->server, SIGTERM);
        waitpid(c->server, NULL, 0);
        c->server = 0;
    }
    if (!keep) {
        unmount_under(c->dir); /* the agent's tmpfs (runtime state, Secret volumes) */
        char *argv[] = {"/bin/rm", "-rf", c->dir, NULL};
        run(argv, "/dev/null");
    } else {
        printf("  kept %s\n", c->dir);
    }
}
