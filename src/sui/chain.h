/*
 * chain.h: which Sui network a command talks to — a GraphQL URL, the CA to trust, the faucet
 * and the daas package — given as flags or as a chain file that `daas devnet` writes.
 *
 * Owns:   daas_sui_chain (plain value) and the chain file format:
 *           {"url": "https://127.0.0.1:9125/graphql", "ca": "/path/ca.crt" | null,
 *            "faucet": "https://127.0.0.1:9125/v2/gas" | null, "package": "0x…" | null,
 *            "seal_package": "0x…" | null, "dev": true|false}
 *         ("seal_package": Mysten's Seal package, key_server and time; the devnet's twin)
 *         and the faucet request (the Sui faucet's POST /v2/gas).
 * Invariants: a resolved chain always has an http(s) URL; "dev" is true only for the devnet,
 *         and everything that acts on a dev chain says so.
 */
#ifndef DAAS_SUI_CHAIN_H
#define DAAS_SUI_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "sui/bcs.h"
#include "sui/gql.h"

typedef struct daas_sui_chain {
    char url[512];    /* GraphQL endpoint */
    char ca[1024];    /* PEM file to trust ("" = system trust store) */
    char faucet[512]; /* faucet endpoint ("" = none known) */
    bool has_package;
    uint8_t package[DAAS_SUI_ADDRESS_LEN]; /* the daas package */
    bool has_seal_package;
    uint8_t seal_package[DAAS_SUI_ADDRESS_LEN]; /* the Seal package (key_server, time) */
    bool dev;                                   /* the development chain */
} daas_sui_chain;

/*
 * Resolves a --chain argument: an http(s) URL, or the path of a chain file; NULL means
 * $DAAS_CHAIN, and without it DAAS_EINVAL "no chain: pass --chain URL|FILE or set DAAS_CHAIN".
 * package (a 0x… id or NULL) overrides the file's. For the public networks
 * (graphql.{testnet,devnet}.sui.io) the faucet is derived. Errors: DAAS_EINVAL / DAAS_EIO /
 * DAAS_ENOTFOUND with one line naming the argument or file.
 */
DAAS_MUST_USE int daas_sui_chain_resolve(const char *arg, const char *package,
                                         daas_sui_chain *out, daas_err *err);

/* Writes a chain file atomically (0644). */
DAAS_MUST_USE int daas_sui_chain_write(const char *path, const daas_sui_chain *c, daas_err *err);

/* A GraphQL client for the chain (timeouts and retries at their defaults). */
DAAS_MUST_USE int daas_sui_chain_client(const daas_sui_chain *c, daas_sui_client **out,
                                        daas_err *err);

/* Asks the chain's faucet for SUI for recipient (POST {"FixedAmountRequest":{"recipient"}}).
 * On success writes the total MIST sent into *amount. DAAS_EINVAL when the chain has no
 * faucet; DAAS_EREMOTE with the faucet's message when it refuses; DAAS_EUNAVAIL when
 * unreachable. */
DAAS_MUST_USE int daas_sui_chain_faucet(const daas_sui_chain *c,
                                        const uint8_t recipient[DAAS_SUI_ADDRESS_LEN],
                                        uint64_t *amount, daas_err *err);

#endif
