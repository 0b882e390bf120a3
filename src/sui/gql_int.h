/*
 * gql_int.h: the reply parsers of the Sui GraphQL client, shared by gql.c (transport) and
 * gql_parse.c (shapes), and reachable by tests/fuzz/fuzz_sui_gql.c.
 *
 * Owns:   nothing stateful; each parser fills caller storage from a borrowed json_t.
 * Invariants:
 *   - a parser never keeps a pointer into its input: strings are copied, JSON is referenced;
 *   - on any error but DAAS_EFAILED the result is left empty (finalised); on DAAS_EFAILED
 *     (execute: the transaction ran and failed) it is complete;
 *   - a reply not shaped as asked is DAAS_EREMOTE "sui: reply is not shaped as expected:
 *     <path> missing|is not ...", with the JSON path from "data".
 * Spec:   specs/sui.md §5.2; the operations in gql_ops.h.
 */
#ifndef DAAS_SUI_GQL_INT_H
#define DAAS_SUI_GQL_INT_H

#include "sui/gql.h"

#define DAAS_SUI__GQL_MAX_REPLY ((size_t)16 << 20) /* bytes; larger replies: DAAS_ETOOBIG */

/* Parses a reply body {"data":…,"errors":[…]}. A non-empty `errors` is DAAS_EREMOTE
 * "sui: GraphQL error: <first message>"; a body that is not a JSON object with an object
 * `data` is DAAS_EREMOTE. On success *data is a new reference to the data object. */
DAAS_MUST_USE int daas_sui__gql_parse_reply(const char *body, size_t len, json_t **data,
                                            daas_err *err);
/* When root (a parsed reply, borrowed) has a non-empty `errors` list, fails err with
 * "sui: GraphQL error: <first message>" and returns DAAS_EREMOTE; otherwise DAAS_OK. */
DAAS_MUST_USE int daas_sui__gql_errors(json_t *root, daas_err *err);

/* Each parser takes the reply's data object (borrowed) of the operation it names. */

/* DAAS_GQL_CHAIN_ID: checkpoint.digest (Base58 32 bytes, or 8 hex digits) into out. */
DAAS_MUST_USE int daas_sui__parse_chain_id(json_t *data, char *out, size_t outsz, daas_err *err);
/* DAAS_GQL_EPOCH. */
DAAS_MUST_USE int daas_sui__parse_epoch(json_t *data, daas_sui_epoch *out, daas_err *err);
/* DAAS_GQL_OBJECT. DAAS_ENOTFOUND "sui: object <name> not found" when data.object is null. */
DAAS_MUST_USE int daas_sui__parse_object(json_t *data, const char *name, daas_sui_object *out,
                                         daas_err *err);
/* DAAS_GQL_OWNED (data.address.objects; a null address is an empty page). */
DAAS_MUST_USE int daas_sui__parse_owned(json_t *data, daas_sui_page *out, daas_err *err);
/* DAAS_GQL_OBJECTS_BY_TYPE (data.objects). */
DAAS_MUST_USE int daas_sui__parse_objects(json_t *data, daas_sui_page *out, daas_err *err);
/* The coins of one DAAS_GQL_OWNED page (asked with the Coin<SUI> type): *coins is a new array
 * of *n (ref, contents.json.balance) (caller frees with daas_free), *has_next and *cursor
 * (owned; NULL when none) as in daas_sui_page. A null address is an empty page. */
DAAS_MUST_USE int daas_sui__parse_coins(json_t *data, daas_sui_coin **coins, size_t *n,
                                        bool *has_next, char **cursor, daas_err *err);
/* DAAS_GQL_DYNAMIC_FIELD: *json = value.json (new reference). DAAS_ENOTFOUND
 * "sui: dynamic field <name> not found" when the parent or the field is null. */
DAAS_MUST_USE int daas_sui__parse_dynamic_field(json_t *data, const char *name, json_t **json,
                                                daas_err *err);
/* DAAS_GQL_EVENTS. */
DAAS_MUST_USE int daas_sui__parse_events(json_t *data, daas_sui_events *out, daas_err *err);
/* DAAS_GQL_SIMULATE: DAAS_EREMOTE when simulateTransaction.error is set. */
DAAS_MUST_USE int daas_sui__parse_simulate(json_t *data, daas_sui_exec_result *out, daas_err *err);
/* DAAS_GQL_EXECUTE: DAAS_EREMOTE when executeTransaction.errors is non-empty; DAAS_EFAILED
 * "transaction <digest> failed: …" when effects.status is FAILURE (out filled). */
DAAS_MUST_USE int daas_sui__parse_execute(json_t *data, daas_sui_exec_result *out, daas_err *err);

/* Parses an RFC 3339 DateTime ("2024-05-01T12:00:00.123Z") to milliseconds since the epoch.
 * DAAS_EINVAL when malformed or before 1970. */
DAAS_MUST_USE int daas_sui__datetime_ms(const char *s, uint64_t *ms);

/* One POST of req (JSON) to the client's URL, with its TLS trust, timeout and reply cap, but
 * without retries or GraphQL reading: the body lands in out and the HTTP status, whatever it
 * is, in *status. Transport failures as the client reports them (DAAS_EUNAVAIL, ETIMEOUT,
 * ETOOBIG). For the faucet (chain.c), whose requests are not idempotent. */
DAAS_MUST_USE int daas_sui__post_raw(const daas_sui_client *c, const char *req, size_t len,
                                     daas_buf *out, long *status, daas_err *err);

#endif
