/*
 * enclave.c: `daas enclave`: the Nautilus-style enclave program. Listens on vsock inside a
 * Nitro Enclave, on a Unix socket or TCP elsewhere, until SIGTERM/SIGINT.
 *
 * Owns:   the command's flags, its startup announcement, its signal handling.
 * Not:    the service itself (enclave/enclave.h), addresses (enclave/addr.h).
 * Invariants: outside a Nitro Enclave it says so, loudly, on every start; it exits 0 on
 *             SIGTERM after closing every connection.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "common/util.h"
#include "enclave/addr.h"
#include "enclave/enclave.h"
#include "enclave/schedsvc.h"

#define MOD "enclave"

typedef struct enclave_opts {
    const char *listen;
    char ca_dir[1024];
} enclave_opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: daas enclave --listen ADDR [options]\n\n"
               "Runs the enclave service: an Ed25519 key made at boot, attestation documents\n"
               "binding it (/dev/nsm inside a Nitro Enclave; a DEBUG document signed by a dev\n"
               "CA elsewhere), Nautilus endpoints GET /, /health_check, /get_attestation,\n"
               "and the scheduling endpoints /sched/deltas, state, schedule, batch.\n\n"
               "  --listen ADDR        vsock:CID:PORT (vsock:any:3000 in an enclave),\n"
               "                       unix:PATH or tcp:HOST:PORT\n"
               "  --debug-ca DIR       dev CA for debug documents, created if missing\n"
               "                       (default $HOME/.daas/enclave-debug-ca)\n"
               "  --log-level L        debug, info, warn or error (default info)\n");
}

/* 0: go on; 1: --help shown; 2: usage error. */
static int parse_args(int argc, char **argv, enclave_opts *o)
{
    static const struct option longopts[] = {{"listen", required_argument, 0, 'l'},
                                             {"debug-ca", required_argument, 0, 'c'},
                                             {"log-level", required_argument, 0, 'v'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'l') {
            o->listen = optarg;
        } else if (c == 'c') {
            snprintf(o->ca_dir, sizeof o->ca_dir, "%s", optarg);
        } else if (c == 'v' && daas_cmd_log_level(optarg) >= 0) {
            daas_log_set_level(daas_cmd_log_level(optarg));
        } else if (c == 'h') {
            usage(stdout);
            return 1;
        } else {
            if (c == 'v')
                fprintf(stderr, "daas enclave: bad --log-level \"%s\"\n", optarg);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || o->listen == NULL) {
        fprintf(stderr, "daas enclave: %s\n",
                optind < argc ? "unexpected argument" : "--listen is required");
        return 2;
    }
    return 0;
}

static void announce(daas_enclave *e, const char *where)
{
    uint8_t pk[DAAS_ENCLAVE_PK_LEN];
    char hex[2 * DAAS_ENCLAVE_PK_LEN + 1];
    daas_enclave_public_key(e, pk);
    daas_hex_encode(pk, sizeof pk, hex);
    if (daas_enclave_is_debug(e))
        DAAS_WARN(MOD, "DEBUG ENCLAVE: attestation signed by a dev CA, PCRs zero; "
                       "accepted only where debug enclaves are allowed");
    DAAS_INFO(MOD, "listening on %s, public key %s", where, hex);
}

static int run(const enclave_opts *o, const sigset_t *set, daas_err *err)
{
    daas_enclave_addr a;
    daas_enclave *e = NULL;
    daas_http_server *srv = NULL;
    daas_enclave_schedsvc *sched = NULL;
    char where[DAAS_ENCLAVE_ADDR_TEXT_MAX];
    int fd = -1, sig = 0;
    daas_enclave_opts eo = {.debug_ca_dir = o->ca_dir};

    int rc = daas_enclave_addr_parse(o->listen, &a, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_new(&eo, &e, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_schedsvc_new(e, NULL, &sched, err); /* the /sched/ routes */
    if (rc == DAAS_OK)
        rc = daas_enclave_addr_listen(&a, &fd, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_serve(e, fd, 0, &srv, err);
    if (rc == DAAS_OK) {
        if (a.kind == DAAS_ENCLAVE_ADDR_TCP && a.port == 0)
            a.port = (uint32_t)daas_enclave_addr_local_port(fd);
        daas_enclave_addr_format(&a, where, sizeof where);
        announce(e, where);
        sigwait(set, &sig);
        DAAS_INFO(MOD, "signal %d: shutting down", sig);
    }
    daas_http_server_free(&srv);
    if (fd >= 0)
        close(fd);
    if (fd >= 0 && a.kind == DAAS_ENCLAVE_ADDR_UNIX)
        unlink(a.path);
    daas_enclave_schedsvc_free(&sched);
    daas_enclave_free(&e);
    return rc;
}

int daas_cmd_enclave(int argc, char **argv)
{
    enclave_opts o = {0};
    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc == 1 ? 0 : prc;
    if (o.ca_dir[0] == '\0')
        snprintf(o.ca_dir, sizeof o.ca_dir, "%s/.daas/enclave-debug-ca",
                 getenv("HOME") ? getenv("HOME") : ".");
    sigset_t set;
    daas_cmd_block_stop_signals(&set);
    daas_err err = {0};
    int rc = run(&o, &set, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "daas enclave: %s\n", err.msg[0] ? err.msg : daas_err_text(rc));
    return rc == DAAS_OK ? 0 : 1;
}
