/*
 * gql.h: the Sui client over GraphQL RPC (specs/sui.md §5.2), on libcurl.
 *
 * Owns:   daas_sui_client (endpoint, TLS trust, timeouts, retry policy, one curl handle per
 *         call) and the typed results below (free them with their _free/_fini functions).
 * Not:    building or signing transactions (ptb.h, tx.h, sui.h); the daas package (pkg.h).
 * Invariants:
 *   - every call either returns DAAS_OK with a complete result, or an error with one clear
 *     line: DAAS_EUNAVAIL (connect/DNS/TLS failure or HTTP 5xx after retries), DAAS_ETIMEOUT
 *     (timeout after retries), DAAS_EREMOTE (a GraphQL `errors` reply: the first message is
 *     quoted; or a reply not shaped as asked), DAAS_ENOTFOUND (the object/field is null),
 *     DAAS_EFAILED (execute: the transaction ran and failed; the result is still filled);
 *   - transient failures (connect errors, timeouts, HTTP 429/502/503/504) are retried up to
 *     opts.retries times with doubling backoff; a GraphQL `errors` reply and 4xx are not;
 *   - an execute is retried only on failures before the request reached the server
 *     (connect errors), never after, so one call submits a transaction at most once... except
 *     that re-submitting the same signed bytes is idempotent on Sui (same digest);
 *   - replies larger than 16 MiB are refused (DAAS_ETOOBIG).
 * Thread: a client may be used from several threads at once (calls share only read-only
 *         configuration).
 */
#ifndef DAAS_SUI_GQL_H
#define DAAS_SUI_GQL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "sui/bcs.h"
#include "sui/tx.h"

typedef struct daas_sui_client_opts {
    const char *url;     /* GraphQL endpoint, e.g. https://graphql.testnet.sui.io/graphql */
    const char *ca_file; /* PEM bundle to trust instead of the system's (NULL: system) */
    long timeout_ms;     /* per attempt; 0 means 10000 */
    int retries;         /* extra attempts on transient failure; <0 means 3 */
    long backoff_ms;     /* first retry delay, doubled each time; 0 means 200 */
} daas_sui_client_opts;

typedef struct daas_sui_client daas_sui_client;

/* Makes a client (no network traffic yet). DAAS_EINVAL when url is not http(s)://. */
DAAS_MUST_USE int daas_sui_client_new(const daas_sui_client_opts *opts, daas_sui_client **out,
                                      daas_err *err);
void daas_sui_client_free(daas_sui_client **c);
/* The endpoint URL (borrowed). */
const char *daas_sui_client_url(const daas_sui_client *c);

/* Sends {query, variables} (vars may be NULL; the reference is stolen) and returns the reply's
 * "data" object in *data (a new reference). Errors as above. */
DAAS_MUST_USE int daas_sui_gql(daas_sui_client *c, const char *query, json_t *vars,
                               json_t **data, daas_err *err);

/* ---- chain facts ---- */

/* Base58 genesis checkpoint digest (or the 4-byte hex form older servers give) into out. */
DAAS_MUST_USE int daas_sui_chain_id(daas_sui_client *c, char *out, size_t outsz, daas_err *err);

typedef struct daas_sui_epoch {
    uint64_t epoch;          /* epochId */
    uint64_t ref_gas_price;  /* referenceGasPrice, MIST per gas unit */
} daas_sui_epoch;
DAAS_MUST_USE int daas_sui_get_epoch(daas_sui_client *c, daas_sui_epoch *out, daas_err *err);

/* ---- objects ---- */

typedef enum daas_sui_owner_kind {
    DAAS_SUI_OWNER_ADDRESS = 1,   /* AddressOwner */
    DAAS_SUI_OWNER_OBJECT = 2,    /* ObjectOwner (e.g. a dynamic field) */
    DAAS_SUI_OWNER_SHARED = 3,    /* Shared */
    DAAS_SUI_OWNER_IMMUTABLE = 4, /* Immutable */
} daas_sui_owner_kind;

typedef struct daas_sui_object {
    daas_sui_objref ref;                    /* id, version, digest */
    daas_sui_owner_kind owner_kind;         /* 0 when the query did not ask */
    uint8_t owner[DAAS_SUI_ADDRESS_LEN];    /* ADDRESS / OBJECT owner */
    uint64_t initial_shared_version;        /* SHARED */
    char *type;                             /* contents.type.repr (owned) */
    json_t *json;                           /* contents.json (owned reference) */
    uint8_t *bcs;                           /* contents.bcs decoded, or NULL (owned) */
    size_t bcs_len;
} daas_sui_object;
void daas_sui_object_fini(daas_sui_object *o);

/* One object by id. DAAS_ENOTFOUND when it does not exist. */
DAAS_MUST_USE int daas_sui_get_object(daas_sui_client *c, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                      daas_sui_object *out, daas_err *err);

typedef struct daas_sui_page {
    daas_sui_object *items; /* n items (owned) */
    size_t n;
    bool has_next;          /* pageInfo.hasNextPage */
    char *cursor;           /* pageInfo.endCursor (owned; NULL when none) */
} daas_sui_page;
void daas_sui_page_fini(daas_sui_page *p);

/* One page of objects owned by owner, optionally of one type (NULL: all). cursor NULL for the
 * first page; first is the page size (1..50). */
DAAS_MUST_USE int daas_sui_owned_objects(daas_sui_client *c,
                                         const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                                         const char *type, const char *cursor, int first,
                                         daas_sui_page *out, daas_err *err);
/* One page of all objects of a type (root `objects` query). */
DAAS_MUST_USE int daas_sui_objects_by_type(daas_sui_client *c, const char *type,
                                           const char *cursor, int first, daas_sui_page *out,
                                           daas_err *err);

typedef struct daas_sui_coin {
    daas_sui_objref ref;
    uint64_t balance; /* MIST */
} daas_sui_coin;

/* Every Coin<SUI> owned by owner (follows all pages, at most max_coins; DAAS_ETOOBIG past
 * that). *coins is owned by the caller (daas_free). */
DAAS_MUST_USE int daas_sui_get_coins(daas_sui_client *c, const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                                     size_t max_coins, daas_sui_coin **coins, size_t *n,
                                     daas_err *err);

/* The value of the dynamic field of parent named by (name_type, BCS name). On success *json is
 * value.json (new reference). DAAS_ENOTFOUND when the field does not exist. */
DAAS_MUST_USE int daas_sui_dynamic_field(daas_sui_client *c,
                                         const uint8_t parent[DAAS_SUI_ADDRESS_LEN],
                                         const char *name_type, daas_bytes name_bcs,
                                         json_t **json, daas_err *err);

/* ---- events ---- */

typedef struct daas_sui_event {
    char *type;      /* contents.type.repr (owned) */
    json_t *json;    /* contents.json (owned reference) */
    uint8_t sender[DAAS_SUI_ADDRESS_LEN];
    uint64_t timestamp_ms;
} daas_sui_event;

typedef struct daas_sui_events {
    daas_sui_event *items;
    size_t n;
    bool has_next;
    char *cursor; /* endCursor: pass back to continue after the last event (owned) */
} daas_sui_events;
void daas_sui_events_fini(daas_sui_events *e);

/* One page of events matching type_filter ("0xpkg::module" or a full type), oldest first,
 * after cursor (NULL: from the beginning). */
DAAS_MUST_USE int daas_sui_query_events(daas_sui_client *c, const char *type_filter,
                                        const char *cursor, int first, daas_sui_events *out,
                                        daas_err *err);

/* ---- simulate and execute ---- */

typedef struct daas_sui_gas_summary {
    uint64_t computation, storage, rebate, non_refundable; /* MIST */
} daas_sui_gas_summary;

typedef struct daas_sui_created {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    char *type; /* owned; NULL when not a Move object */
} daas_sui_created;

typedef struct daas_sui_exec_result {
    char digest[DAAS_SUI_DIGEST_B58_LEN]; /* transaction digest, Base58 */
    bool success;                         /* effects.status == SUCCESS */
    char *error;                          /* executionError.message (owned) or NULL */
    char *abort_module;                   /* "0x…::module" of a MoveAbort (owned) or NULL */
    char *abort_function;                 /* function name (owned) or NULL */
    bool has_abort_code;
    uint64_t abort_code;
    /* the failure is Sui's FunctionNotFound (the called function does not exist; no Move code
     * ran), not an abort: Seal key servers answer InvalidPTB for it, NoAccess for an abort */
    bool function_not_found;
    daas_sui_gas_summary gas;
    daas_sui_created *created; /* objects created (execute only) */
    size_t n_created;
    daas_sui_event *events;    /* events emitted (execute only) */
    size_t n_events;
} daas_sui_exec_result;
void daas_sui_exec_result_fini(daas_sui_exec_result *r);

/* Dry-runs TransactionData bytes. DAAS_OK when the simulation ran (check out->success);
 * DAAS_EREMOTE when the service refused it (top-level `error`, e.g. bad inputs). */
DAAS_MUST_USE int daas_sui_simulate(daas_sui_client *c, daas_bytes tx_bytes,
                                    daas_sui_exec_result *out, daas_err *err);

/* Executes signed bytes. DAAS_OK when the transaction succeeded; DAAS_EFAILED when it ran and
 * failed (out filled; err names the abort code, module and function, or the error);
 * DAAS_EREMOTE when it was rejected before execution (`errors`: stale object, bad signature,
 * insufficient gas balance...). */
DAAS_MUST_USE int daas_sui_execute(daas_sui_client *c, daas_bytes tx_bytes, const char *const *sigs_b64,
                                   size_t n_sigs, daas_sui_exec_result *out, daas_err *err);

#endif
