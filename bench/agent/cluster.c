/*
 * cluster.c: the dev cluster bench_agent measures: image, `daas server --dev` (which runs the
 * host's agent), the host Node's readiness, the agent's memory, teardown.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_agent.h"

static bool node_ready(ba_cluster *c)
{
    json_t *l = NULL;
    bool ready = false;
    if (bench_request(&c->s, "GET", "/api/v1/nodes", NULL, &l) == 200) {
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

/* Builds (unless image) and imports the busybox image into the dev agent's store. */
static void import_image(ba_cluster *c, const char *argv0, const char *bin, const char *image)
{
    char img[PATH_MAX], script[PATH_MAX], store[450], log[400];
    snprintf(store, sizeof store, "%s/data/agent/images", c->s.dir);
    snprintf(log, sizeof log, "%s/bench.log", c->s.dir);
    if (image != NULL) {
        snprintf(img, sizeof img, "%s", image);
    } else {
        snprintf(img, sizeof img, "%s/busybox.tar", c->s.dir);
        bench_sibling(argv0, "../scripts/busybox-image.sh", script, sizeof script);
        char *argv[] = {"/bin/sh", script, img, "dev", NULL};
        if (bench_run(argv, log) != 0)
            bench_die("building the image with %s failed (see %s)", script, log);
    }
    char *imp[] = {(char *)bin, "image", "import", img, "--name", "busybox", "--store", store,
                   NULL};
    if (bench_run(imp, log) != 0)
        bench_die("daas image import failed (see %s)", log);
}

void ba_cluster_start(ba_cluster *c, const char *argv0, const char *daas, const char *image)
{
    char bin[PATH_MAX];
    memset(c, 0, sizeof *c);
    bench_set_name("bench_agent");
    bench_server_init(&c->s, "bench_agent");
    if (daas != NULL)
        snprintf(bin, sizeof bin, "%s", daas);
    else
        bench_sibling(argv0, "daas", bin, sizeof bin);
    import_image(c, argv0, bin, image);
    static const char *const extra[] = {"--dev", "--devnet-epoch-ms", "1000", NULL};
    bench_server_start(&c->s, bin, extra);
    for (int i = 0; i < 1200 && !node_ready(c); i++) {
        if (waitpid(c->s.pid, NULL, WNOHANG) == c->s.pid) {
            c->s.pid = 0;
            bench_die("the server exited (log: %s)", c->s.log);
        }
        bench_sleep_ms(100);
    }
    if (!node_ready(c))
        bench_die("no Ready node after 120 s (logs: %s, %s/data/agent.log)", c->s.log, c->s.dir);
}

/* The pid of the `daas agent` process whose command line names this cluster's data dir. */
static pid_t agent_pid(const ba_cluster *c)
{
    char want[300];
    pid_t found = 0;
    snprintf(want, sizeof want, "%s/data/agent", c->s.dir);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d != NULL && found == 0 && (e = readdir(d)) != NULL) {
        char path[300], cmd[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t n = fread(cmd, 1, sizeof cmd - 1, f);
        fclose(f);
        cmd[n] = '\0';
        bool agent = n > 0 && strcmp(cmd + strlen(cmd) + 1, "agent") == 0;
        bool ours = memmem(cmd, n, want, strlen(want)) != NULL;
        if (agent && ours)
            found = (pid_t)strtol(e->d_name, NULL, 10);
    }
    if (d != NULL)
        closedir(d);
    return found;
}

void ba_agent_rss(const ba_cluster *c, long *rss_kb, long *hwm_kb)
{
    pid_t pid = agent_pid(c);
    *rss_kb = *hwm_kb = 0;
    if (pid > 0)
        bench_proc_rss(pid, rss_kb, hwm_kb);
    if (*rss_kb == 0)
        bench_die("the agent process was not found");
}

void ba_cluster_stop(ba_cluster *c, bool keep)
{
    json_t *l = NULL;
    bench_request(&c->s, "DELETE", "/api/v1/namespaces/default/pods", NULL, NULL);
    for (int i = 0; i < 600; i++) { /* the agent stops each container, then deletes it */
        size_t n = 1;
        if (bench_request(&c->s, "GET", "/api/v1/namespaces/default/pods", NULL, &l) == 200)
            n = json_array_size(json_object_get(l, "items"));
        json_decref(l);
        l = NULL;
        if (n == 0)
            break;
        bench_sleep_ms(100);
    }
    bench_server_stop(&c->s);
    bench_server_cleanup(&c->s, keep);
}
