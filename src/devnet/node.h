/*
 * node.h: a running development chain — the chain state (devnet.h) served over HTTP(S) for
 * GraphQL and the faucet, with the chain file that clients use to find it.
 *
 * Owns:   daas_devnet_node (the chain, its HTTP server, the chain file dir/chain.json).
 * Invariants: the chain file is written only once the listener is up, and names the URL,
 *         the CA to trust (TLS) and the package; a plain-HTTP node says so loudly in the log.
 * Users:  `daas devnet` (cmd/devnet.c) and `daas server --dev` (cmd/server.c).
 */
#ifndef DAAS_DEVNET_NODE_H
#define DAAS_DEVNET_NODE_H

#include <stdint.h>

#include "common/err.h"
#include "devnet/devnet.h"

typedef struct ssl_ctx_st SSL_CTX;

typedef struct daas_devnet_node_opts {
    const char *dir;     /* chain state directory (created 0700) */
    const char *bind;    /* listen address (default 127.0.0.1) */
    int port;            /* 0: an ephemeral port */
    SSL_CTX *tls;        /* server TLS context (borrowed, kept alive by the caller);
                            NULL: plain HTTP, for tests that say so */
    const char *ca_path; /* the CA that signed tls's certificate, for the chain file */
    uint64_t epoch_ms;   /* 0: a day */
    int threads;         /* HTTP worker threads (default 2) */
    daas_bytes dev_root; /* a dev CA root debug attestation documents may chain to
                            (daas_devnet_opts.dev_root); ptr NULL: the AWS root only */
} daas_devnet_node_opts;

typedef struct daas_devnet_node daas_devnet_node;

/* Opens the chain, starts serving POST /graphql and POST /v2/gas, writes dir/chain.json. */
DAAS_MUST_USE int daas_devnet_node_start(const daas_devnet_node_opts *o, daas_devnet_node **out,
                                         daas_err *err);
/* Stops serving, closes the chain, frees the node. Accepts NULL and *n == NULL. */
void daas_devnet_node_stop(daas_devnet_node **n);

daas_devnet *daas_devnet_node_chain(daas_devnet_node *n); /* borrowed */
int daas_devnet_node_port(const daas_devnet_node *n);
const char *daas_devnet_node_chain_file(const daas_devnet_node *n);
const char *daas_devnet_node_url(const daas_devnet_node *n);

#endif
