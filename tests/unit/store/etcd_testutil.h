/*
 * etcd_testutil.h: a REAL single-member etcd (/usr/bin/etcd, Debian's etcd-server) for the
 * store's unit tests: started on free loopback ports in a temporary directory, stopped with
 * a signal, restarted on the same data, removed at the end. Header-only ("et_" prefix).
 *
 * Owns:   one etcd process and its directory per et_proc.
 * Invariants: et_setup FAILS (it does not skip) when /usr/bin/etcd is missing; et_start
 *             returns only once the member answers a status call naming a leader.
 */
#ifndef DAAS_TEST_ETCD_TESTUTIL_H
#define DAAS_TEST_ETCD_TESTUTIL_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/etcd.h"

#define ET_BIN "/usr/bin/etcd"

typedef struct et_proc {
    char dir[64];    /* temporary root: data/ and etcd.log */
    int client_port; /* etcd's client port */
    int peer_port;   /* etcd's peer port */
    pid_t pid;       /* the etcd process, 0 when not running */
    char url[64];    /* http://127.0.0.1:<client_port> */
} et_proc;

static inline void et_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline int et_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static inline void et_exec(const et_proc *p)
{
    char data[96], log[96], curl[64], purl[64], cluster[96];
    snprintf(data, sizeof data, "%s/data", p->dir);
    snprintf(log, sizeof log, "%s/etcd.log", p->dir);
    snprintf(curl, sizeof curl, "http://127.0.0.1:%d", p->client_port);
    snprintf(purl, sizeof purl, "http://127.0.0.1:%d", p->peer_port);
    snprintf(cluster, sizeof cluster, "t=%s", purl);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    execl(ET_BIN, "etcd", "--name", "t", "--data-dir", data, "--listen-client-urls", curl,
          "--advertise-client-urls", curl, "--listen-peer-urls", purl,
          "--initial-advertise-peer-urls", purl, "--initial-cluster", cluster, "--log-level",
          "warn", (char *)NULL);
    _exit(127);
}

/* Starts (or restarts) the member and waits up to 15 s for a leader. 0 on success. */
static inline int et_start(et_proc *p)
{
    p->pid = fork();
    if (p->pid < 0)
        return -1;
    if (p->pid == 0)
        et_exec(p);
    daas_store_etcd_opts o = {.endpoints = p->url, .timeout_ms = 1000};
    daas_store_etcd *c = NULL;
    if (daas_store_etcd_new(&o, &c, NULL) != DAAS_OK)
        return -1;
    int rc = -1;
    for (int i = 0; i < 300 && rc != 0; i++) {
        daas_store_etcd_status st;
        if (daas_store_etcd_status_of(c, 0, &st, NULL) == DAAS_OK && st.leader != 0)
            rc = 0;
        else
            et_sleep_ms(50);
    }
    daas_store_etcd_free(&c);
    return rc;
}

/* Sends sig and reaps the member. */
static inline void et_stop(et_proc *p, int sig)
{
    if (p->pid > 0) {
        kill(p->pid, sig);
        waitpid(p->pid, NULL, 0);
    }
    p->pid = 0;
}

/* A fresh directory and ports, then et_start. 0 on success; a message on stderr else. */
static inline int et_setup(et_proc *p)
{
    memset(p, 0, sizeof *p);
    if (access(ET_BIN, X_OK) != 0) {
        fprintf(stderr, "%s is missing (install etcd-server)\n", ET_BIN);
        return -1;
    }
    snprintf(p->dir, sizeof p->dir, "/tmp/daas-etcd-XXXXXX");
    if (mkdtemp(p->dir) == NULL)
        return -1;
    p->client_port = et_free_port();
    p->peer_port = et_free_port();
    if (p->client_port < 0 || p->peer_port < 0 || p->client_port == p->peer_port)
        return -1;
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d", p->client_port);
    return et_start(p);
}

/* Kills the member and removes its directory. 0 on success. */
static inline int et_teardown(et_proc *p)
{
    et_stop(p, SIGKILL);
    if (p->dir[0] == '\0')
        return 0;
    pid_t c = fork();
    if (c == 0) {
        execl("/bin/rm", "rm", "-rf", p->dir, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    return c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

#endif
