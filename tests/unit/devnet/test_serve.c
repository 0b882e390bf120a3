/*
 * test_serve.c: the devnet's GraphQL and faucet front (serve.c, serve_render.c) against a real
 * devnet in a temporary directory: every operation of src/sui/gql_ops.h with the exact Sui
 * shapes (UInt53 numbers, BigInt strings, owners, Base58 digests, base64 BCS, DateTime),
 * object paging with a cursor round trip, absent objects and dynamic fields as null, events
 * and their cursor, a simulated Move abort, an executed stake with its object changes and
 * events, a rejected execution, unknown operations, malformed bodies and variables, the
 * faucet endpoint and the HTTP routing.
 *
 * Owns:   one devnet (serve_test.h) for the whole group, removed at the end; every test frees
 *         its keys, replies and results.
 */
#include "devnet/serve_test.h"

#include "api/http.h"
#include "devnet/serve.h"

/* ---- chain facts ---- */

static void test_chain_id(void **state)
{
    (void)state;
    json_t *r = gql(DAAS_GQL_CHAIN_ID, NULL);
    assert_no_errors(r);
    assert_string_equal(str_at(r, "data.checkpoint.digest"), daas_devnet_chain_id(fx.d));
    json_decref(r);
}

static void test_epoch(void **state)
{
    (void)state;
    json_t *r = gql(DAAS_GQL_EPOCH, json_object());
    assert_no_errors(r);
    assert_int_equal(int_at(r, "data.epoch.epochId"), (json_int_t)daas_devnet_epoch(fx.d));
    char price[24];
    snprintf(price, sizeof price, "%llu", (unsigned long long)daas_devnet_ref_gas_price(fx.d));
    assert_string_equal(str_at(r, "data.epoch.referenceGasPrice"), price); /* BigInt */
    assert_non_null(at(r, "data.epoch.startTimestamp"));                   /* present */
    json_decref(r);
}

/* ---- objects ---- */

static void test_object_coin(void **state)
{
    (void)state;
    daas_sui_coin coins[4];
    size_t n = 0;
    daas_sui_key *k = funded(coins, &n);
    char id[DAAS_SUI_ADDRESS_HEX_LEN + 1], owner[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_key_address(k, addr);
    hex_of(addr, owner);
    /* a short-form id is not what the client sends, but the full form is */
    hex_of(coins[0].ref.id, id);
    json_t *r = gql(DAAS_GQL_OBJECT, json_pack("{s:s}", "id", id));
    assert_no_errors(r);
    json_t *o = at(r, "data.object");
    assert_string_equal(str_at(o, "address"), id);
    assert_int_equal(int_at(o, "version"), (json_int_t)coins[0].ref.version); /* UInt53 */
    uint8_t dg[64];
    size_t dlen = 0;
    const char *d58 = str_at(o, "digest");
    assert_int_equal(daas_sui_base58_decode(d58, strlen(d58), dg, sizeof dg, &dlen, NULL), DAAS_OK);
    assert_int_equal(dlen, DAAS_SUI_DIGEST_LEN);
    assert_memory_equal(dg, coins[0].ref.digest, DAAS_SUI_DIGEST_LEN);
    assert_string_equal(str_at(o, "owner.__typename"), "AddressOwner");
    assert_string_equal(str_at(o, "owner.address.address"), owner);
    assert_string_equal(str_at(o, "asMoveObject.contents.type.repr"), SUI_COIN);
    char bal[24];
    snprintf(bal, sizeof bal, "%llu", (unsigned long long)coins[0].balance);
    assert_string_equal(str_at(o, "asMoveObject.contents.json.balance"), bal);
    const char *b64 = str_at(o, "asMoveObject.contents.bcs");
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_base64_decode(b64, strlen(b64), &b), DAAS_OK);
    assert_int_equal(b.len, 40); /* UID || u64 balance */
    assert_memory_equal(b.data, coins[0].ref.id, 32);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | (uint8_t)b.data[32 + i];
    assert_int_equal(v, coins[0].balance);
    daas_buf_fini(&b);
    json_decref(r);
    daas_sui_key_free(&k);
}

static void test_object_absent(void **state)
{
    (void)state;
    json_t *r = gql(DAAS_GQL_OBJECT, json_pack("{s:s}", "id", "0x5eed"));
    assert_no_errors(r);
    assert_non_null(at(r, "data"));
    assert_true(json_is_null(at(r, "data.object")));
    json_decref(r);
}

static void test_owned_paging(void **state)
{
    (void)state;
    daas_sui_coin coins[8];
    size_t n1 = 0, n2 = 0;
    daas_sui_key *k = funded(coins, &n1);
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char owner[DAAS_SUI_ADDRESS_HEX_LEN + 1], digest[DAAS_SUI_DIGEST_B58_LEN];
    daas_sui_key_address(k, addr);
    hex_of(addr, owner);
    assert_int_equal(daas_devnet_faucet(fx.d, addr, coins + n1, 4, &n2, digest, NULL), DAAS_OK);
    size_t total = n1 + n2, seen = 0;
    bool found[8] = {0};
    json_t *cursor = json_null();
    for (int page = 0; page < 20; page++) {
        /* short-form type: the devnet canonicalises it like Sui does */
        json_t *r = gql(DAAS_GQL_OWNED,
                        json_pack("{s:s,s:s,s:i,s:o}", "owner", owner, "type",
                                  "0x2::coin::Coin<0x2::sui::SUI>", "first", 1, "cursor", cursor));
        assert_no_errors(r);
        json_t *nodes = at(r, "data.address.objects.nodes");
        assert_int_equal(json_array_size(nodes), 1);
        assert_string_equal(str_at(nodes, "0.contents.type.repr"), SUI_COIN);
        assert_null(at(nodes, "0.owner")); /* DaasOwned does not select owner */
        uint8_t id[DAAS_SUI_ADDRESS_LEN];
        assert_int_equal(daas_sui_address_parse(str_at(nodes, "0.address"), id, NULL), DAAS_OK);
        for (size_t i = 0; i < total; i++)
            if (memcmp(id, coins[i].ref.id, 32) == 0) {
                assert_false(found[i]);
                found[i] = true;
                seen++;
            }
        bool more = json_is_true(at(r, "data.address.objects.pageInfo.hasNextPage"));
        cursor = json_incref(at(r, "data.address.objects.pageInfo.endCursor"));
        assert_true(json_is_string(cursor));
        json_decref(r);
        if (!more)
            break;
    }
    json_decref(cursor);
    assert_int_equal(seen, total);
    daas_sui_key_free(&k);
}

static void test_owned_page_size(void **state)
{
    (void)state;
    daas_sui_coin coins[4];
    size_t n = 0;
    daas_sui_key *k = funded(coins, &n);
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char owner[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_key_address(k, addr);
    hex_of(addr, owner);
    /* first: 0 is clamped to 1; no type means all objects; null first means 20 */
    json_t *r = gql(DAAS_GQL_OWNED, json_pack("{s:s,s:i}", "owner", owner, "first", 0));
    assert_no_errors(r);
    assert_int_equal(json_array_size(at(r, "data.address.objects.nodes")), 1);
    assert_true(json_is_true(at(r, "data.address.objects.pageInfo.hasNextPage")));
    json_decref(r);
    r = gql(DAAS_GQL_OWNED, json_pack("{s:s,s:i,s:n}", "owner", owner, "first", 100000, "type"));
    assert_no_errors(r);
    assert_int_equal(json_array_size(at(r, "data.address.objects.nodes")), n);
    assert_true(json_is_false(at(r, "data.address.objects.pageInfo.hasNextPage")));
    json_decref(r);
    r = gql(DAAS_GQL_OWNED, json_pack("{s:s,s:s}", "owner", owner, "first", "ten"));
    assert_non_null(strstr(error_of(r), "\"$first\""));
    json_decref(r);
    daas_sui_key_free(&k);
}

/* ---- dynamic fields, simulate, execute, events ---- */
static void test_simulate_abort(void **state)
{
    (void)state;
    daas_sui_coin coins[4];
    size_t n = 0;
    daas_sui_key *k = funded(coins, &n);
    char *tx = stake_tx(k, &coins[1], &coins[0], 9); /* role 9: EBadRole = 1 */
    json_t *r = gql(DAAS_GQL_SIMULATE, json_pack("{s:{s:{s:s}}}", "tx", "bcs", "value", tx));
    assert_no_errors(r);
    json_t *sim = at(r, "data.simulateTransaction");
    assert_true(json_is_null(at(sim, "error")));
    json_t *t = at(sim, "effects.transaction");
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_base64_decode(tx, strlen(tx), &b), DAAS_OK);
    assert_int_equal(daas_sui_tx_digest_b58(DAAS_BYTES(b.data, b.len), digest, sizeof digest, NULL),
                     DAAS_OK);
    daas_buf_fini(&b);
    assert_string_equal(str_at(t, "digest"), digest);
    assert_string_equal(str_at(t, "effects.status"), "FAILURE");
    assert_string_equal(str_at(t, "effects.executionError.abortCode"), "1"); /* BigInt */
    assert_string_equal(str_at(t, "effects.executionError.module.name"), "staking");
    assert_string_equal(str_at(t, "effects.executionError.module.package.address"), fx.pkg);
    assert_string_equal(str_at(t, "effects.executionError.function.name"), "stake");
    assert_true(strlen(str_at(t, "effects.executionError.message")) > 0);
    assert_true(int_at(t, "effects.gasEffects.gasSummary.computationCost") > 0); /* UInt53 */
    assert_true(int_at(t, "effects.gasEffects.gasSummary.storageCost") >= 0);
    assert_true(int_at(t, "effects.gasEffects.gasSummary.storageRebate") >= 0);
    assert_true(int_at(t, "effects.gasEffects.gasSummary.nonRefundableStorageFee") >= 0);
    assert_null(at(t, "effects.objectChanges")); /* not selected by DaasSimulate */
    json_decref(r);
    /* a simulation keeps nothing: the coin is still at its version */
    daas_sui_object o = {0};
    assert_int_equal(daas_devnet_get_object(fx.d, coins[1].ref.id, &o, NULL), DAAS_OK);
    assert_int_equal(o.ref.version, coins[1].ref.version);
    daas_sui_object_fini(&o);
    daas_free(tx);
    daas_sui_key_free(&k);
}

static void test_simulate_rejected(void **state)
{
    (void)state;
    json_t *r = gql(DAAS_GQL_SIMULATE, json_pack("{s:{s:{s:s}}}", "tx", "bcs", "value", "AAEC"));
    assert_no_errors(r);
    assert_true(strlen(str_at(r, "data.simulateTransaction.error")) > 0);
    assert_true(json_is_null(at(r, "data.simulateTransaction.effects")));
    json_decref(r);
    r = gql(DAAS_GQL_SIMULATE, json_pack("{s:s}", "tx", "AAEC"));
    assert_non_null(strstr(error_of(r), "\"$tx\""));
    json_decref(r);
}

static void test_execute_rejected(void **state)
{
    (void)state;
    daas_sui_coin coins[4];
    size_t n = 0;
    daas_sui_key *k = funded(coins, &n), *other = NULL;
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &other, NULL), DAAS_OK);
    char *tx = stake_tx(k, &coins[1], &coins[0], 1);
    char *sig = sign_b64(other, tx); /* not the sender's signature */
    json_t *r = gql(DAAS_GQL_EXECUTE, json_pack("{s:s,s:[s]}", "tx", tx, "sigs", sig));
    assert_no_errors(r);
    assert_true(strlen(str_at(r, "data.executeTransaction.errors.0")) > 0);
    assert_true(json_is_null(at(r, "data.executeTransaction.effects")));
    json_decref(r);
    r = gql(DAAS_GQL_EXECUTE, json_pack("{s:s}", "tx", tx));
    assert_string_equal(error_of(r),
                        "Variable \"$sigs\" of required type \"[Base64!]!\" was not provided.");
    json_decref(r);
    r = gql(DAAS_GQL_EXECUTE, json_pack("{s:s,s:[i]}", "tx", tx, "sigs", 5));
    assert_non_null(strstr(error_of(r), "\"$sigs\""));
    json_decref(r);
    daas_free(sig);
    daas_free(tx);
    daas_sui_key_free(&other);
    daas_sui_key_free(&k);
}

/* Executes a stake of coin 1 (role 1) and checks the reply; the staker's key is returned. */
static daas_sui_key *execute_stake(uint64_t *staked)
{
    daas_sui_coin coins[4];
    size_t n = 0;
    daas_sui_key *k = funded(coins, &n);
    char *tx = stake_tx(k, &coins[1], &coins[0], 1);
    char *sig = sign_b64(k, tx);
    json_t *r = gql(DAAS_GQL_EXECUTE, json_pack("{s:s,s:[s]}", "tx", tx, "sigs", sig));
    assert_no_errors(r);
    json_t *ex = at(r, "data.executeTransaction");
    assert_true(json_is_null(at(ex, "errors")));
    json_t *fxs = at(ex, "effects.transaction.effects");
    assert_string_equal(str_at(fxs, "status"), "SUCCESS");
    assert_true(json_is_null(at(fxs, "executionError")));
    /* the new table entry (a dynamic field object) is a created object change */
    json_t *changes = at(fxs, "objectChanges.nodes");
    assert_true(json_array_size(changes) >= 1);
    bool field = false;
    for (size_t i = 0; i < json_array_size(changes); i++) {
        json_t *c = json_array_get(changes, i);
        assert_true(json_is_true(at(c, "idCreated")));
        assert_true(json_is_false(at(c, "idDeleted")));
        assert_true(int_at(c, "outputState.version") > 0);
        assert_true(strlen(str_at(c, "outputState.digest")) >= 32);
        field |= strstr(str_at(c, "outputState.asMoveObject.contents.type.repr"),
                        "::dynamic_field::Field<") != NULL;
    }
    assert_true(field);
    char staked_type[160];
    snprintf(staked_type, sizeof staked_type, "%s::staking::Staked", fx.pkg);
    assert_string_equal(str_at(fxs, "events.nodes.0.contents.type.repr"), staked_type);
    char amount[24];
    snprintf(amount, sizeof amount, "%llu", (unsigned long long)coins[1].balance);
    assert_string_equal(str_at(fxs, "events.nodes.0.contents.json.amount"), amount);
    *staked = coins[1].balance;
    json_decref(r);
    daas_free(sig);
    daas_free(tx);
    return k;
}

static void test_execute_stake_and_field(void **state)
{
    (void)state;
    char table[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    uint64_t staked = 0;
    stakes_table(table);
    daas_sui_key *k = NULL;
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, NULL), DAAS_OK);
    daas_sui_key_address(k, addr);
    json_t *r = stake_field(table, addr); /* no stake yet: null */
    assert_true(json_is_null(at(r, "data.address.dynamicField")));
    json_decref(r);
    daas_sui_key_free(&k);

    k = execute_stake(&staked);
    daas_sui_key_address(k, addr);
    r = stake_field(table, addr);
    json_t *v = at(r, "data.address.dynamicField.value");
    assert_string_equal(str_at(v, "__typename"), "MoveValue");
    char type[160], amount[24];
    snprintf(type, sizeof type, "%s::staking::Stake", fx.pkg);
    assert_string_equal(str_at(v, "type.repr"), type);
    snprintf(amount, sizeof amount, "%llu", (unsigned long long)staked);
    assert_string_equal(str_at(v, "json.amount"), amount);
    json_decref(r);
    daas_sui_key_free(&k);
}

static void test_events_cursor(void **state)
{
    (void)state;
    uint64_t staked = 0;
    daas_sui_key *k = execute_stake(&staked);
    char module[120], staked_type[160];
    snprintf(module, sizeof module, "%s::staking", fx.pkg);
    snprintf(staked_type, sizeof staked_type, "%s::staking::Staked", fx.pkg);
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char sender[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_key_address(k, addr);
    hex_of(addr, sender);
    /* walk every staking event two at a time; the last one is ours */
    json_t *cursor = json_null(), *last = NULL;
    size_t count = 0;
    for (int page = 0; page < 100; page++) {
        json_t *r = gql(DAAS_GQL_EVENTS, json_pack("{s:{s:s},s:i,s:o}", "filter", "type", module,
                                                   "first", 2, "cursor", cursor));
        assert_no_errors(r);
        json_t *nodes = at(r, "data.events.nodes");
        for (size_t i = 0; i < json_array_size(nodes); i++) {
            json_t *ev = json_array_get(nodes, i);
            assert_non_null(strstr(str_at(ev, "contents.type.repr"), module));
            assert_true(json_is_integer(at(ev, "sequenceNumber")));
            int64_t sec = 0;
            assert_int_equal(daas_time_parse(str_at(ev, "timestamp"), &sec), DAAS_OK);
            assert_int_equal(strlen(str_at(ev, "timestamp")), 24); /* …:SS.mmmZ */
            assert_string_equal(str_at(ev, "transactionModule.name"), "staking");
            assert_string_equal(str_at(ev, "transactionModule.package.address"), fx.pkg);
            json_decref(last);
            last = json_incref(ev);
            count++;
        }
        bool more = json_is_true(at(r, "data.events.pageInfo.hasNextPage"));
        json_t *end = at(r, "data.events.pageInfo.endCursor");
        if (json_is_string(end))
            cursor = json_incref(end);
        else
            cursor = json_null();
        json_decref(r);
        if (!more)
            break;
    }
    assert_true(count >= 1);
    assert_non_null(last);
    assert_string_equal(str_at(last, "contents.type.repr"), staked_type);
    assert_string_equal(str_at(last, "sender.address"), sender);
    json_decref(last);
    /* after the end cursor: nothing more */
    json_t *r = gql(DAAS_GQL_EVENTS,
                    json_pack("{s:{s:s},s:o}", "filter", "type", module, "cursor", cursor));
    assert_no_errors(r);
    assert_int_equal(json_array_size(at(r, "data.events.nodes")), 0);
    assert_true(json_is_false(at(r, "data.events.pageInfo.hasNextPage")));
    json_decref(r);
    r = gql(DAAS_GQL_EVENTS, json_pack("{s:{s:s}}", "filter", "sender", sender));
    assert_non_null(strstr(error_of(r), "sender"));
    json_decref(r);
    daas_sui_key_free(&k);
}

/* ---- requests that are not answered with data ---- */

static void test_unknown_operation(void **state)
{
    (void)state;
    json_t *r = gql("query DaasNope { chainIdentifier }", NULL);
    assert_string_equal(error_of(r), "devnet: unsupported operation 'DaasNope'");
    json_decref(r);
    r = gql("{ chainIdentifier }", NULL);
    assert_string_equal(error_of(r), "devnet: unsupported operation '(anonymous)'");
    json_decref(r);
    r = gql("mutation DaasEpoch { x }", NULL); /* a known name with the wrong kind */
    assert_string_equal(error_of(r), "devnet: unsupported operation 'DaasEpoch'");
    json_decref(r);
    /* several operations: operationName picks one; without it, an error */
    const char *two = "# comment { \n query DaasNope(\"{\" : X = {a: 1}) { a } "
                      "fragment F on X { b } " DAAS_GQL_CHAIN_ID;
    r = gql(two, NULL);
    assert_string_equal(error_of(r),
                        "Must provide operation name if query contains multiple operations.");
    json_decref(r);
    json_t *req = json_pack("{s:s,s:s}", "query", two, "operationName", "DaasChainId");
    char *body = json_dumps(req, 0);
    int status = 0;
    r = post_raw(body, strlen(body), &status);
    assert_int_equal(status, 200);
    assert_string_equal(str_at(r, "data.checkpoint.digest"), daas_devnet_chain_id(fx.d));
    json_decref(r);
    free(body);
    json_object_set_new(req, "operationName", json_string("Other"));
    body = json_dumps(req, 0);
    r = post_raw(body, strlen(body), &status);
    assert_string_equal(error_of(r), "Unknown operation named \"Other\".");
    json_decref(r);
    free(body);
    json_decref(req);
}

static void test_malformed_bodies(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"query\": 5}",
        "{\"variables\": {}}",
        "{\"query\": \"query DaasEpoch { epoch }\", \"variables\": [1]}",
        "{\"query\": \"query DaasEpoch { epoch }\", \"operationName\": 3}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = 0;
        json_t *r = post_raw(bad[i], strlen(bad[i]), &status);
        assert_int_equal(status, 400);
        assert_true(strlen(error_of(r)) > 0);
        json_decref(r);
    }
    int status = 0;
    json_t *r = post_raw(NULL, 0, &status);
    assert_int_equal(status, 400);
    json_decref(r);
    r = gql(DAAS_GQL_OBJECT, NULL);
    assert_string_equal(error_of(r),
                        "Variable \"$id\" of required type \"SuiAddress!\" was not provided.");
    json_decref(r);
    r = gql(DAAS_GQL_OBJECT, json_pack("{s:s}", "id", "zz"));
    assert_string_equal(error_of(r), "Variable \"$id\" got invalid value \"zz\"; Expected type "
                                     "\"SuiAddress\" (0x and up to 64 hex digits).");
    json_decref(r);
    r = gql(DAAS_GQL_OBJECTS_BY_TYPE, json_pack("{s:i}", "type", 7));
    assert_string_equal(error_of(r),
                        "Variable \"$type\" got invalid value 7; Expected type \"String\".");
    json_decref(r);
    r = gql(DAAS_GQL_DYNAMIC_FIELD, json_pack("{s:s,s:{s:s,s:s}}", "parent", "0x1", "name", "type",
                                              "address", "bcs", "!!"));
    assert_non_null(strstr(error_of(r), "\"$name\""));
    json_decref(r);
    r = gql(DAAS_GQL_OWNED, json_pack("{s:s,s:i}", "owner", "0x1", "cursor", 3));
    assert_non_null(strstr(error_of(r), "\"$cursor\""));
    json_decref(r);
}

/* ---- faucet and HTTP ---- */

static void test_faucet_http(void **state)
{
    (void)state;
    daas_sui_key *k = NULL;
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, NULL), DAAS_OK);
    daas_sui_key_address(k, addr);
    hex_of(addr, hex);
    char *body = daas_xasprintf("{\"FixedAmountRequest\":{\"recipient\":\"%s\"}}", hex);
    int status = 0;
    char *out = daas_devnet_faucet_http(fx.d, body, strlen(body), &status);
    assert_int_equal(status, 200);
    json_t *r = json_loads(out, 0, NULL);
    free(out);
    assert_string_equal(str_at(r, "status"), "Success");
    json_t *sent = at(r, "coins_sent");
    assert_int_equal(json_array_size(sent), 2); /* the default faucet_coins */
    for (size_t i = 0; i < 2; i++) {
        json_t *c = json_array_get(sent, i);
        assert_int_equal(int_at(c, "amount"), 100000000000LL); /* 100 SUI by default */
        assert_true(strlen(str_at(c, "transferTxDigest")) >= 32);
        json_t *o = gql(DAAS_GQL_OBJECT, json_pack("{s:s}", "id", str_at(c, "id")));
        assert_string_equal(str_at(o, "data.object.owner.address.address"), hex);
        json_decref(o);
    }
    json_decref(r);
    daas_free(body);
    static const char *bad[] = {"", "{}", "{\"FixedAmountRequest\":{\"recipient\":5}}",
                                "{\"FixedAmountRequest\":{\"recipient\":\"bob\"}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = daas_devnet_faucet_http(fx.d, bad[i], strlen(bad[i]), &status);
        assert_int_equal(status, 400);
        r = json_loads(out, 0, NULL);
        free(out);
        assert_true(strlen(str_at(r, "status.Failure.internal")) > 0);
        json_decref(r);
    }
    daas_sui_key_free(&k);
}

/* Runs the HTTP handler on a captured response. */
static json_t *http(const char *method, const char *path, const char *body, int *status)
{
    daas_http_req req = {0};
    req.method = method;
    req.target = path;
    req.path = path;
    req.query = "";
    req.body = DAAS_BYTES(body, strlen(body));
    daas_http_resp *resp = daas_http_capture_new();
    daas_devnet_http_handler(fx.d, &req, resp);
    *status = daas_http_capture_status(resp);
    size_t len = 0;
    json_t *r = json_loads(daas_http_capture_body(resp, &len), 0, NULL);
    assert_non_null(r);
    daas_http_capture_free(&resp);
    return r;
}

static void test_http_routes(void **state)
{
    (void)state;
    int status = 0;
    char *body = daas_xasprintf("{\"query\":\"%s\"}", DAAS_GQL_CHAIN_ID);
    json_t *r = http("POST", "/graphql", body, &status);
    assert_int_equal(status, 200);
    assert_string_equal(str_at(r, "data.checkpoint.digest"), daas_devnet_chain_id(fx.d));
    json_decref(r);
    r = http("GET", "/graphql", "", &status);
    assert_int_equal(status, 405);
    json_decref(r);
    r = http("POST", "/nowhere", body, &status);
    assert_int_equal(status, 404);
    assert_non_null(strstr(error_of(r), "/nowhere"));
    json_decref(r);
    r = http("POST", "/v2/gas", "{\"FixedAmountRequest\":{\"recipient\":\"0x77\"}}", &status);
    assert_int_equal(status, 200);
    assert_string_equal(str_at(r, "status"), "Success");
    json_decref(r);
    daas_free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_id),         cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_object_coin),      cmocka_unit_test(test_object_absent),
        cmocka_unit_test(test_owned_paging),     cmocka_unit_test(test_owned_page_size),
        cmocka_unit_test(test_simulate_abort),   cmocka_unit_test(test_simulate_rejected),
        cmocka_unit_test(test_execute_rejected), cmocka_unit_test(test_execute_stake_and_field),
        cmocka_unit_test(test_events_cursor),    cmocka_unit_test(test_unknown_operation),
        cmocka_unit_test(test_malformed_bodies), cmocka_unit_test(test_faucet_http),
        cmocka_unit_test(test_http_routes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
