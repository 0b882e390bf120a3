/*
 * gql_ops.h: the Sui GraphQL operations daas sends, as text. The client (gql.c) sends exactly
 * these; the development chain (src/devnet/) recognises them by operation name and answers
 * with the shape the real Sui GraphQL service gives for the fields asked here.
 *
 * Owns:   the query strings and their operation names.
 * Invariants: every operation is named ("query DaasX", "mutation DaasX"); field selections are
 *         valid against the Sui GraphQL schema (shapes from MystenLabs/ts-sdks
 *         packages/sui/src/graphql/queries/ (*.graphql) and specs/sui.md §5.2).
 */
#ifndef DAAS_SUI_GQL_OPS_H
#define DAAS_SUI_GQL_OPS_H

#define DAAS_GQL_OWNER_FIELDS                                                                  \
    "owner { __typename ... on AddressOwner { address { address } } "                          \
    "... on ObjectOwner { address { address } } ... on Shared { initialSharedVersion } }"

#define DAAS_GQL_EXEC_ERROR_FIELDS                                                             \
    "executionError { message abortCode module { name package { address } } function { name } }"

#define DAAS_GQL_GAS_FIELDS                                                                    \
    "gasEffects { gasSummary { computationCost storageCost storageRebate "                     \
    "nonRefundableStorageFee } }"

/* Variables: none. Result: data.checkpoint.digest (Base58 genesis checkpoint digest). */
#define DAAS_GQL_CHAIN_ID "query DaasChainId { checkpoint(sequenceNumber: 0) { digest } }"

/* Variables: none. Result: data.epoch.{epochId, referenceGasPrice (BigInt string),
 * startTimestamp (DateTime)}. */
#define DAAS_GQL_EPOCH "query DaasEpoch { epoch { epochId referenceGasPrice startTimestamp } }"

/* Variables: $id. Result: data.object (null when absent). */
#define DAAS_GQL_OBJECT                                                                        \
    "query DaasObject($id: SuiAddress!) { object(address: $id) { address version digest "      \
    DAAS_GQL_OWNER_FIELDS " asMoveObject { contents { type { repr } json bcs } } } }"

/* Variables: $type (full type tag), $first, $cursor. Result: data.objects.{pageInfo, nodes}. */
#define DAAS_GQL_OBJECTS_BY_TYPE                                                               \
    "query DaasObjectsByType($type: String!, $first: Int, $cursor: String) { "                 \
    "objects(first: $first, after: $cursor, filter: { type: $type }) { "                       \
    "pageInfo { hasNextPage endCursor } nodes { address version digest " DAAS_GQL_OWNER_FIELDS \
    " asMoveObject { contents { type { repr } json } } } } }"

/* Variables: $owner, $type (may be null: all), $first, $cursor.
 * Result: data.address.objects.{pageInfo, nodes[{address version digest contents}]}. Coins are
 * the owned objects of type 0x2::coin::Coin<0x2::sui::SUI>: contents.json.balance. */
#define DAAS_GQL_OWNED                                                                         \
    "query DaasOwned($owner: SuiAddress!, $type: String, $first: Int, $cursor: String) { "     \
    "address(address: $owner) { objects(first: $first, after: $cursor, filter: { type: $type "  \
    "}) { pageInfo { hasNextPage endCursor } nodes { address version digest "                  \
    "contents { type { repr } json } } } } }"

/* Variables: $parent, $name = {"type": "<type tag>", "bcs": "<base64 BCS of the key>"}.
 * Result: data.address.dynamicField (null when absent).value.{type, json, bcs}. */
#define DAAS_GQL_DYNAMIC_FIELD                                                                 \
    "query DaasDynamicField($parent: SuiAddress!, $name: DynamicFieldName!) { "                \
    "address(address: $parent) { dynamicField(name: $name) { value { __typename "              \
    "... on MoveValue { type { repr } json bcs } } } } }"

/* Variables: $filter = {"type": "0xpkg::module"} (or a full event type), $first, $cursor.
 * Result: data.events.{pageInfo, nodes[{sequenceNumber timestamp sender transactionModule
 * contents}]}; events come oldest first, the cursor of the last node continues. */
#define DAAS_GQL_EVENTS                                                                        \
    "query DaasEvents($filter: EventFilter, $first: Int, $cursor: String) { "                  \
    "events(first: $first, after: $cursor, filter: $filter) { pageInfo { hasNextPage "         \
    "endCursor } nodes { sequenceNumber timestamp sender { address } "                         \
    "transactionModule { name package { address } } contents { type { repr } json bcs } } } }"

/* Variables: $tx = {"bcs": {"value": "<base64 TransactionData>"}}.
 * Result: data.simulateTransaction.{error, effects.transaction.{digest, effects.{status,
 * executionError, gasEffects}}}. */
#define DAAS_GQL_SIMULATE                                                                      \
    "query DaasSimulate($tx: JSON!) { simulateTransaction(transaction: $tx) { error "          \
    "effects { transaction { digest effects { status " DAAS_GQL_EXEC_ERROR_FIELDS " "          \
    DAAS_GQL_GAS_FIELDS " } } } } }"

/* Variables: $tx (base64 TransactionData), $sigs (base64 serialized signatures).
 * Result: data.executeTransaction.{errors, effects.transaction.{digest, effects.{status,
 * executionError, gasEffects, objectChanges, events}}}. */
#define DAAS_GQL_EXECUTE                                                                       \
    "mutation DaasExecute($tx: Base64!, $sigs: [Base64!]!) { "                                 \
    "executeTransaction(transactionDataBcs: $tx, signatures: $sigs) { errors effects { "       \
    "transaction { digest effects { status " DAAS_GQL_EXEC_ERROR_FIELDS " "                    \
    DAAS_GQL_GAS_FIELDS " objectChanges { nodes { address idCreated idDeleted "                \
    "outputState { version digest asMoveObject { contents { type { repr } } } } } } "          \
    "events(first: 50) { nodes { contents { type { repr } json } } } } } } } }"

#endif
