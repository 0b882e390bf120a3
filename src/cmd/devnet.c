/*
 * devnet.c: `daas devnet`: runs the development Sui chain in the foreground (GraphQL and
 * faucet over HTTPS with a self-signed CA) until SIGINT/SIGTERM.
 *
 * Owns:   the command's flags and its startup announcement.
 * Invariants: it always says it is a development chain; plain HTTP only with the test flag.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "common/util.h"
#include "devnet/node.h"
#include "pki/pki.h"
#include "sui/sui.h"

typedef struct devnet_opts {
    char dir[1024];
    const char *bind;
    int port;
    uint64_t epoch_ms;
    bool plain;
} devnet_opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: daas devnet [options]\n\n"
               "Runs a development Sui chain: the GraphQL operations daas uses, a faucet, and the\n"
               "daas Move package executed natively. Not a validator; for development only.\n\n"
               "  --data-dir DIR          chain state and TLS files (default $HOME/.daas/devnet)\n"
               "  --listen-port N         port (default 9125)\n"
               "  --bind-address ADDR     address (default 127.0.0.1)\n"
               "  --epoch-ms N            epoch length in ms (default 86400000)\n"
               "  --insecure-plain-http   serve plain HTTP (tests only)\n");
}

static int parse_args(int argc, char **argv, devnet_opts *o)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, 0, 'd'},  {"listen-port", required_argument, 0, 'p'},
        {"bind-address", required_argument, 0, 'b'}, {"epoch-ms", required_argument, 0, 'e'},
        {"insecure-plain-http", no_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'd') {
            snprintf(o->dir, sizeof o->dir, "%s", optarg);
        } else if (c == 'p' || c == 'e') {
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '-' || (c == 'p' && v > 65535) || (c == 'e' && v < 100)) {
                fprintf(stderr, "daas devnet: bad value \"%s\" for --%s\n", optarg,
                        c == 'p' ? "listen-port" : "epoch-ms");
                return 2;
            }
            if (c == 'p')
                o->port = (int)v;
            else
                o->epoch_ms = v;
        } else if (c == 'b') {
            o->bind = optarg;
        } else if (c == 'P') {
            o->plain = true;
        } else if (c == 'h') {
            usage(stdout);
            return 1;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "daas devnet: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    return 0;
}

static void announce(daas_devnet_node *n)
{
    daas_devnet *chain = daas_devnet_node_chain(n);
    uint8_t pkg[DAAS_SUI_ADDRESS_LEN], pub[DAAS_SUI_ADDRESS_LEN];
    char pkg_hex[DAAS_SUI_ADDRESS_HEX_LEN + 1], pub_hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_devnet_package(chain, pkg);
    daas_sui_key_address(daas_devnet_publisher(chain), pub);
    daas_sui_address_hex(pkg, pkg_hex);
    daas_sui_address_hex(pub, pub_hex);
    DAAS_WARN("devnet", "DEV CHAIN: not a Sui network; state and SUI here are worthless");
    DAAS_INFO("devnet", "chain %s at %s, epoch %llu", daas_devnet_chain_id(chain),
              daas_devnet_node_url(n), (unsigned long long)daas_devnet_epoch(chain));
    DAAS_INFO("devnet", "daas package %s, publisher (AdminCap) %s", pkg_hex, pub_hex);
    printf("\nDevelopment chain is up. Point the daas tools at it:\n\n"
           "    export DAAS_CHAIN=%s\n    daas sui faucet --key ...\n\n",
           daas_devnet_node_chain_file(n));
    fflush(stdout);
}

static int start(const devnet_opts *o, daas_pki **pki, SSL_CTX **tls, daas_devnet_node **n,
                 daas_err *err)
{
    int rc = daas_mkdir_p(o->dir, err);
    if (rc != DAAS_OK)
        return rc;
    daas_devnet_node_opts no = {.dir = o->dir, .bind = o->bind, .port = o->port,
                                .epoch_ms = o->epoch_ms};
    if (!o->plain) {
        daas_pki_opts po = {.data_dir = o->dir, .no_kubeconfig = true};
        rc = daas_pki_ensure(&po, pki, err);
        if (rc == DAAS_OK)
            rc = daas_pki_server_ctx(*pki, tls, err);
        if (rc != DAAS_OK)
            return rc;
        no.tls = *tls;
        no.ca_path = daas_pki_ca_path(*pki);
    }
    return daas_devnet_node_start(&no, n, err);
}

int daas_cmd_devnet(int argc, char **argv)
{
    devnet_opts o = {.port = 9125};
    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc == 1 ? 0 : prc;
    if (o.dir[0] == '\0')
        snprintf(o.dir, sizeof o.dir, "%s/.daas/devnet", getenv("HOME") ? getenv("HOME") : ".");
    sigset_t set;
    daas_cmd_block_stop_signals(&set);

    daas_pki *pki = NULL;
    SSL_CTX *tls = NULL;
    daas_devnet_node *n = NULL;
    daas_err err = {0};
    int rc = start(&o, &pki, &tls, &n, &err);
    if (rc == DAAS_OK) {
        announce(n);
        int sig = 0;
        sigwait(&set, &sig);
        DAAS_INFO("devnet", "signal %d: shutting down", sig);
    } else {
        fprintf(stderr, "daas devnet: %s\n", err.msg[0] ? err.msg : daas_err_text(err.code));
    }
    daas_devnet_node_stop(&n);
    if (tls)
        SSL_CTX_free(tls);
    daas_pki_free(&pki);
    return rc == DAAS_OK ? 0 : 1;
}
