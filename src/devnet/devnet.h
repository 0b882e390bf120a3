/*
 * devnet.h: the development chain — a single-process stand-in for a Sui network that keeps its
 * state in SQLite, checks transactions the way Sui does, and runs the `daas` Move package's
 * entry functions natively as move/README.md specifies.
 *
 * Owns:   daas_devnet (the chain state: objects, events, transactions, epoch clock, genesis
 *         keys) and the in-process API below. The GraphQL/HTTP front (serve.c) and the
 *         `daas devnet` command are built on this API only.
 * Invariants:
 *   - every executed transaction is one SQLite transaction: either all its effects (objects,
 *     events, the transaction record) are durable, or none are;
 *   - a transaction is executed only after: its BCS decodes, every signature verifies over the
 *     intent digest and belongs to the sender (gas owner = sender; no sponsorship), the gas
 *     price ≥ reference price, min budget ≤ budget ≤ max budget, the gas coins are owned by
 *     the sender at the given versions and digests, hold ≥ budget and are not also inputs,
 *     owned inputs are owned by the sender at their current version/digest, shared inputs
 *     name their initial shared version, and the expiration epoch has not passed. Otherwise it
 *     is rejected with DAAS_EINVAL and a message in the words Sui uses, and nothing changes;
 *   - an executed transaction that fails keeps only the gas charge (gas coins smashed into the
 *     first) and, like Sui, the new version of every mutable input (owned inputs and mutable
 *     shared objects, contents unchanged); the result says which module/function/code
 *     aborted;
 *   - versions are Lamport: every object a transaction writes gets max(input versions) + 1;
 *   - the same signed bytes executed twice return the first result (same digest), not a second
 *     execution.
 * Thread: all functions may be called from several threads; calls are serialised internally.
 */
#ifndef DAAS_DEVNET_DEVNET_H
#define DAAS_DEVNET_DEVNET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "sui/gql.h" /* daas_sui_object, daas_sui_event, daas_sui_exec_result */
#include "sui/sui.h"

typedef struct daas_devnet_opts {
    const char *dir;        /* state directory (created 0700): devnet.db, genesis keys */
    uint64_t epoch_ms;      /* epoch length; 0 means 86 400 000 (a day, like Sui) */
    uint64_t ref_gas_price; /* 0 means 1000 MIST */
    uint64_t faucet_coin;   /* MIST per faucet coin; 0 means 100 SUI */
    int faucet_coins;       /* coins per faucet request; 0 means 2 */
    /* Tests and fuzzing: 32 bytes from which a NEW chain's genesis, package id, publisher
     * and faucet keys derive, so object ids are reproducible (NULL: random). Ignored when
     * dir already holds a chain. Never for a chain anyone else uses: the keys are guessable. */
    const uint8_t *genesis_seed;
    /* PEM or DER of a development CA root that debug attestation documents (all-zero PCR0..2)
     * may chain to in 0x2::nitro_attestation::load_nitro_attestation, besides the AWS Nitro
     * root (copied; ptr NULL: the AWS root only). Never for a production chain. */
    daas_bytes dev_root;
} daas_devnet_opts;

typedef struct daas_devnet daas_devnet;

/* Opens (or on first use creates: genesis) the chain in opts->dir. Genesis publishes the daas
 * package (id derived from the genesis digest), runs its init (shared Pool and Registry,
 * AdminCap to the publisher), and mints the faucet's and the publisher's SUI. The publisher
 * key is kept in dir/publisher.keystore (0600). */
DAAS_MUST_USE int daas_devnet_open(const daas_devnet_opts *opts, daas_devnet **out, daas_err *err);
void daas_devnet_close(daas_devnet **d);

/* Chain facts. */
const char *daas_devnet_chain_id(const daas_devnet *d); /* Base58 genesis checkpoint digest */
void daas_devnet_package(const daas_devnet *d, uint8_t out[DAAS_SUI_ADDRESS_LEN]);
/* The native twin of Mysten's Seal package (key_server, time) at its fixed address 0x5ea1. */
void daas_devnet_seal_package(const daas_devnet *d, uint8_t out[DAAS_SUI_ADDRESS_LEN]);
const daas_sui_key *daas_devnet_publisher(const daas_devnet *d); /* holds the AdminCap */
uint64_t daas_devnet_epoch(daas_devnet *d);                      /* from the clock and epoch_ms */
uint64_t daas_devnet_ref_gas_price(const daas_devnet *d);
/* Test hook: moves the chain clock forward by ms (epochs follow). */
void daas_devnet_advance_clock(daas_devnet *d, uint64_t ms);
/* Test hook: the chain clock (ms since the epoch; what the Clock 0x6 shows), and setting it
 * to an absolute time ms >= 0 (kept as an offset from the wall clock, so it keeps running;
 * epochs follow, and a time before genesis is epoch 0). DAAS_EINVAL when ms < 0. */
int64_t daas_devnet_now_ms(daas_devnet *d);
DAAS_MUST_USE int daas_devnet_set_clock(daas_devnet *d, int64_t ms, daas_err *err);

/* One object (DAAS_ENOTFOUND when absent or deleted). Fields as in gql.h; bcs is the Move
 * contents (for a Coin: id || u64 balance), json what Sui GraphQL shows as contents.json. */
DAAS_MUST_USE int daas_devnet_get_object(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                         daas_sui_object *out, daas_err *err);

/* A page of live objects, oldest first: owned by owner (NULL: any owner), of exactly type
 * (NULL: any; same canonical text as type.repr), strictly after cursor (NULL: from the start;
 * otherwise a cursor this function returned). out->cursor/has_next as in GraphQL. */
DAAS_MUST_USE int daas_devnet_list_objects(daas_devnet *d, const uint8_t *owner, const char *type,
                                           const char *cursor, int first, daas_sui_page *out,
                                           daas_err *err);

/* The dynamic field of parent named (name_type, name_bcs): *value_json and *value_type
 * (owned by the caller: json_decref / daas_free). DAAS_ENOTFOUND when absent. */
DAAS_MUST_USE int daas_devnet_dynamic_field(daas_devnet *d,
                                            const uint8_t parent[DAAS_SUI_ADDRESS_LEN],
                                            const char *name_type, daas_bytes name_bcs,
                                            json_t **value_json, char **value_type, daas_err *err);

/* A page of events whose type starts with type_prefix ("0xpkg", "0xpkg::module" or a full
 * type; NULL: all), oldest first, after cursor. */
DAAS_MUST_USE int daas_devnet_events(daas_devnet *d, const char *type_prefix, const char *cursor,
                                     int first, daas_sui_events *out, daas_err *err);

/* Executes (or with simulate, dry-runs: no signatures needed, nothing kept) a transaction.
 * DAAS_OK: it ran (out->success says how it ended; events/created filled on execute).
 * DAAS_EINVAL: rejected before execution, message as Sui words it; nothing changed. */
DAAS_MUST_USE int daas_devnet_execute(daas_devnet *d, daas_bytes tx_bytes,
                                      const char *const *sigs_b64, size_t n_sigs, bool simulate,
                                      daas_sui_exec_result *out, daas_err *err);

/* Faucet: sends faucet_coins new coins of faucet_coin MIST to recipient, as one transaction
 * from the faucet account. Writes the new coins' refs (up to max) and the digest. */
DAAS_MUST_USE int daas_devnet_faucet(daas_devnet *d, const uint8_t recipient[DAAS_SUI_ADDRESS_LEN],
                                     daas_sui_coin *coins, size_t max, size_t *n,
                                     char digest[DAAS_SUI_DIGEST_B58_LEN], daas_err *err);

/* ---- the GraphQL/HTTP front (serve.c) ---- */

/* Answers one HTTP request body for POST /graphql: writes the JSON reply (caller frees with
 * free(): jansson) and the HTTP status into *status. Never fails: bad input gets a GraphQL
 * `errors` reply (status 200) or 400 for a body that is not a GraphQL request. */
char *daas_devnet_graphql(daas_devnet *d, const char *body, size_t len, int *status);

/* Answers POST /v2/gas (Sui faucet API): body {"FixedAmountRequest":{"recipient":"0x…"}}.
 * Reply {"status":"Success","coins_sent":[{"amount":N,"id":"0x…","transferTxDigest":"…"}]}
 * or {"status":{"Failure":{"internal":"…"}}} with status 400/500. */
char *daas_devnet_faucet_http(daas_devnet *d, const char *body, size_t len, int *status);

#endif
