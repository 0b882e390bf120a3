/*
 * server_int.h: what the parts of `daas server` share (server.c, server_chain.c,
 * server_dev.c). Include only from src/cmd/server*.c.
 *
 * Owns:   server_chain: the server's connection to Sui (the devnet under --dev), the daas
 *         package, the stake source behind the Sui authenticator and the thread that follows
 *         staking events to keep its cache fresh.
 */
#ifndef DAAS_CMD_SERVER_INT_H
#define DAAS_CMD_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/authn.h"
#include "api/authn_sui.h"
#include "common/err.h"
#include "devnet/node.h"
#include "pki/pki.h"
#include "sui/chain.h"
#include "sui/gql.h"
#include "sui/pkg.h"

typedef struct server_chain_opts {
    const char *data_dir;   /* the server's data directory */
    const char *chain;      /* --chain URL|FILE, or NULL */
    const char *package;    /* --package 0x…, or NULL */
    const char *cluster_id; /* the cluster id tokens must name */
    bool dev;               /* run the devnet in-process (data_dir/devnet) */
    uint64_t epoch_ms;      /* devnet epoch length */
    SSL_CTX *tls;           /* the server's TLS context, for the devnet (NULL: plain) */
    const char *ca_path;    /* the cluster CA */
} server_chain_opts;

typedef struct server_chain {
    daas_devnet_node *node;  /* --dev only */
    daas_devnet *devnet;     /* --dev only; borrowed from node */
    daas_sui_chain chain;
    daas_sui_client *client;
    daas_pkg pkg;
    daas_authn_sui *auth;    /* the authenticator (owned by the authn chain) */
    pthread_mutex_t mu;      /* guards params */
    daas_pkg_params params;
    pthread_t follower;
    bool follower_running;
    pthread_cond_t wake;
    bool sync_ready;         /* mu and wake initialised */
    atomic_bool stop;
    char *cursor;            /* event cursor of the follower */
} server_chain;

/* Connects to the chain (starting the devnet under --dev), finds the package, and adds the
 * Sui authenticator to authn. With neither --dev nor --chain it does nothing (ch->client
 * stays NULL). */
DAAS_MUST_USE int server_chain_start(server_chain *ch, const server_chain_opts *o,
                                     daas_authn *authn, daas_err *err);
/* Stops the follower, then the devnet. Safe on a zeroed or partly started chain. */
void server_chain_stop(server_chain *ch);

/* --dev: the funded, staked wallet and its kubeconfig (server_dev.c). */
DAAS_MUST_USE int server_dev_wallet(const server_chain *ch, daas_pki *pki, const char *data_dir,
                                    const char *server_url, const char *cluster_id,
                                    daas_err *err);

#endif
