/*
 * serve_int.h: what serve.c (request parsing and dispatch) and serve_render.c (JSON shapes)
 * share. Included only by src/devnet/serve*.c.
 *
 * Owns:   the render functions' contracts: each returns a new jansson reference (never NULL)
 *         shaped as the Sui GraphQL schema answers the fields of src/sui/gql_ops.h.
 * Invariants:
 *   - UInt53 schema values (version, epochId, initialSharedVersion, sequenceNumber, the gas
 *     summary) are JSON numbers; BigInt values (referenceGasPrice, abortCode) are strings;
 *   - addresses are "0x" + 64 lowercase hex, digests Base58, BCS base64, DateTime RFC 3339
 *     UTC with milliseconds;
 *   - every string put into a reply is valid UTF-8 (invalid bytes become '?'), so a reply
 *     always serialises.
 * Spec:   specs/sui.md §5.2; the Sui GraphQL schema (MystenLabs/ts-sdks
 *         packages/sui/src/graphql/generated/schema.graphql).
 */
#ifndef DAAS_DEVNET_SERVE_INT_H
#define DAAS_DEVNET_SERVE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devnet/devnet.h"

/* Which fields of an object node the query selects. */
enum {
    DAAS_DEVNET__OBJ_OWNER = 1u << 0,   /* owner { __typename ... } */
    DAAS_DEVNET__OBJ_AS_MOVE = 1u << 1, /* contents under asMoveObject (Object), else direct */
    DAAS_DEVNET__OBJ_BCS = 1u << 2,     /* contents.bcs */
};

/* Default and largest page size (Sui's defaults for `first`). */
#define DAAS_DEVNET__PAGE_DEFAULT 20
#define DAAS_DEVNET__PAGE_MAX 50

/* A JSON string of s (valid UTF-8 guaranteed: invalid bytes are replaced by '?'). */
json_t *daas_devnet__str(const char *s);
/* "0x" + 64 hex of a, and {"address": "0x…"} (the schema's Address object). */
json_t *daas_devnet__addr(const uint8_t a[DAAS_SUI_ADDRESS_LEN]);
json_t *daas_devnet__addr_obj(const uint8_t a[DAAS_SUI_ADDRESS_LEN]);
/* Base58 of a 32-byte digest. */
json_t *daas_devnet__digest(const uint8_t dg[DAAS_SUI_DIGEST_LEN]);
/* RFC 3339 UTC with milliseconds ("2026-11-21T10:00:00.123Z") into out. */
void daas_devnet__time_ms(uint64_t ms, char out[32]);

/* One object node with the fields flags selects (address version digest always). */
json_t *daas_devnet__object(const daas_sui_object *o, unsigned flags);
/* {pageInfo {hasNextPage endCursor}, nodes [object nodes]}. */
json_t *daas_devnet__page(const daas_sui_page *p, unsigned flags);
/* {pageInfo, nodes [{sequenceNumber timestamp sender transactionModule contents}]}. */
json_t *daas_devnet__events(const daas_sui_events *e);
/* The `effects` value of simulateTransaction / executeTransaction:
 * {transaction {digest, effects {status executionError gasEffects [objectChanges events]}}}.
 * With execute, objectChanges and events(first: 50) are added; d is used to read the
 * created objects' output versions and digests. */
json_t *daas_devnet__exec(daas_devnet *d, const daas_sui_exec_result *r, bool execute);

/* Serialises {"data": data} (data stolen; may be NULL for null). */
char *daas_devnet__reply_data(json_t *data);
/* Serialises {"data": null, "errors": [{"message": msg}]}. */
char *daas_devnet__reply_error(const char *msg);
/* Serialises any tree (stolen). Never NULL: a fixed error reply when jansson fails. */
char *daas_devnet__dump(json_t *root);

#endif
