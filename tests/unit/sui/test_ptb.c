/*
 * test_ptb.c: the PTB builder offline: it reproduces TX1 and TX2 of specs/sui.md §8.3/§8.3b
 * byte for byte (with their digests), de-duplicates inputs like the TS SDK, encodes every pure
 * value kind as BCS, and refuses bad arguments without changing what it built. Then
 * daas_sui_tx_prepare against a scripted GraphQL service on loopback: gas coin choice
 * (largest first, inputs excluded, max coins, spend), the §9 budget, insufficient SUI, and a
 * dry run that fails.
 *
 * Owns:   each test's builder and buffers; the prepare tests' mock server (stopped and freed
 *         by the group teardown).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/http.h"
#include "common/util.h"
#include "sui/ptb.h"
#include "sui/sui.h"
#include "sui/tx.h"
#include "sui_test.h"

static const char TX1_HEX[] = SUI_TEST_TX1_HEX;
static const char TX2_HEX[] = SUI_TEST_TX2_HEX;

static const uint8_t SENDER[32] = SUI_TEST_SENDER;

#define unhex sui_test_unhex

static void fill(uint8_t *p, uint8_t v, size_t n)
{
    memset(p, v, n);
}

/* Puts the builder's PTB into a tx with the common gas fields of §8.3 and checks that its
 * encoding equals hex and its digest digest_b58. */
static void check_vector(const daas_sui_ptbb *b, daas_sui_expiration exp, const char *hex,
                         const char *digest_b58)
{
    daas_sui_objref gas = {.version = 7};
    daas_sui_tx tx = {0};
    daas_buf want, got;
    daas_err err = {0};
    char d[DAAS_SUI_DIGEST_B58_LEN];
    fill(gas.id, 0x11, 32);
    fill(gas.digest, 0x33, 32);
    tx.kind = *daas_sui_ptbb_ptb(b);
    memcpy(tx.sender, SENDER, 32);
    tx.gas.n_payment = 1;
    tx.gas.payment = &gas;
    memcpy(tx.gas.owner, SENDER, 32);
    tx.gas.price = 1000;
    tx.gas.budget = 5000000;
    tx.expiration = exp;
    unhex(hex, &want);
    daas_buf_init(&got, 0);
    assert_int_equal(daas_sui_tx_encode(&tx, &got, &err), DAAS_OK);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    assert_int_equal(daas_sui_tx_digest_b58(DAAS_BYTES(got.data, got.len), d, sizeof(d), &err),
                     DAAS_OK);
    assert_string_equal(d, digest_b58);
    daas_buf_fini(&want);
    daas_buf_fini(&got);
}

static void test_build_tx1(void **state)
{
    (void)state;
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    daas_sui_arg amt, coin[1], to;
    uint8_t recipient[32];
    fill(recipient, 0xab, 32);
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 1000000, &amt, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, &amt, 1, coin, &err), DAAS_OK);
    assert_int_equal(coin[0].kind, DAAS_SUI_ARG_NESTED_RESULT);
    assert_int_equal(coin[0].index, 0);
    assert_int_equal(coin[0].sub, 0);
    assert_int_equal(daas_sui_ptbb_pure_address(b, recipient, &to, &err), DAAS_OK);
    assert_int_equal(to.index, 1);
    assert_int_equal(daas_sui_ptbb_transfer_objects(b, coin, 1, to, &err), DAAS_OK);
    check_vector(b, (daas_sui_expiration){.kind = DAAS_SUI_EXPIRE_NONE}, TX1_HEX,
                 "3odpLCW4EKKVXjfLQnzEPVLToeX5UPe7WYbtidP27PF9");
    daas_sui_ptbb_free(&b);
    assert_null(b);
    daas_sui_ptbb_free(&b); /* accepts NULL */
}

static void test_build_tx2(void **state)
{
    (void)state;
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    daas_sui_objref coin = {.version = 3};
    uint8_t two[32] = {0}, clock[32] = {0};
    daas_sui_arg in_coin, in_clock, in_42, args[2], r0, r1;
    const char *targs[] = {"0x2::sui::SUI"};
    fill(coin.id, 0x22, 32);
    fill(coin.digest, 0x44, 32);
    two[31] = 2;
    clock[31] = 6;
    assert_int_equal(daas_sui_ptbb_object(b, &coin, &in_coin, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_shared(b, clock, 1, false, &in_clock, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 42, &in_42, &err), DAAS_OK);
    args[0] = in_coin;
    args[1] = in_42;
    assert_int_equal(daas_sui_ptbb_move_call(b, two, "pay", "split", targs, 1, args, 2, &r0, &err),
                     DAAS_OK);
    assert_int_equal(r0.kind, DAAS_SUI_ARG_RESULT);
    assert_int_equal(r0.index, 0);
    assert_int_equal(
        daas_sui_ptbb_move_call(b, two, "clock", "timestamp_ms", NULL, 0, &in_clock, 1, &r1, &err),
        DAAS_OK);
    assert_int_equal(r1.index, 1);
    assert_int_equal(daas_sui_ptbb_merge_coins(b, DAAS_SUI_GAS_COIN, &in_coin, 1, &err), DAAS_OK);
    check_vector(b, (daas_sui_expiration){.kind = DAAS_SUI_EXPIRE_EPOCH, .epoch = 100}, TX2_HEX,
                 "69FpwWVUhNAmqayb55W4Gj11qAAUt4hCSp4yefcCD32b");
    daas_sui_ptbb_free(&b);
}

static void test_dedup(void **state)
{
    (void)state;
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    daas_sui_objref ref = {.version = 9};
    uint8_t pool[32], addr[32];
    daas_sui_arg a, a2, s1, s2, o1, o2, x;
    fill(ref.id, 0x55, 32);
    fill(ref.digest, 0x66, 32);
    fill(pool, 0x77, 32);
    fill(addr, 0x01, 32);
    /* identical pure values: one input */
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 5, &a, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 5, &a2, &err), DAAS_OK);
    assert_int_equal(a.index, a2.index);
    /* same bytes through another door are the same pure input too */
    assert_int_equal(daas_sui_ptbb_pure(b, DAAS_BYTES("\x05\0\0\0\0\0\0\0", 8), &x, &err), DAAS_OK);
    assert_int_equal(x.index, a.index);
    /* different values: distinct */
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 6, &x, &err), DAAS_OK);
    assert_int_equal(x.index, 1);
    /* the same shared object: one input, mutable once asked mutably */
    assert_int_equal(daas_sui_ptbb_shared(b, pool, 4, false, &s1, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_shared(b, pool, 4, true, &s2, &err), DAAS_OK);
    assert_int_equal(s1.index, s2.index);
    assert_int_equal(daas_sui_ptbb_ptb(b)->inputs[s1.index].mutability, DAAS_SUI_SHARED_MUTABLE);
    assert_int_equal(daas_sui_ptbb_shared(b, pool, 4, false, &s2, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_ptb(b)->inputs[s1.index].mutability, DAAS_SUI_SHARED_MUTABLE);
    /* the same owned object: one input */
    assert_int_equal(daas_sui_ptbb_object(b, &ref, &o1, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_object(b, &ref, &o2, &err), DAAS_OK);
    assert_int_equal(o1.index, o2.index);
    assert_int_equal(daas_sui_ptbb_ptb(b)->n_inputs, 4);
    /* an address equal in bytes to nothing before: new input */
    assert_int_equal(daas_sui_ptbb_pure_address(b, addr, &x, &err), DAAS_OK);
    assert_int_equal(x.index, 4);

    /* conflicts: a different version of the same object, shared vs owned, two isv */
    daas_sui_objref other = ref;
    other.version = 10;
    assert_int_equal(daas_sui_ptbb_object(b, &other, &x, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "two versions"));
    daas_err_clear(&err);
    assert_int_equal(daas_sui_ptbb_shared(b, ref.id, 9, true, &x, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_ptbb_shared(b, pool, 5, true, &x, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_ptbb_ptb(b)->n_inputs, 5);
    daas_sui_ptbb_free(&b);
}

/* The pure BCS bytes of the last input equal want. */
static void check_pure(const daas_sui_ptbb *b, daas_sui_arg a, const void *want, size_t n)
{
    const daas_sui_input *in = &daas_sui_ptbb_ptb(b)->inputs[a.index];
    assert_int_equal(in->kind, DAAS_SUI_INPUT_PURE);
    assert_int_equal(in->pure_len, n);
    assert_memory_equal(in->pure, want, n);
}

static void test_pure_values(void **state)
{
    (void)state;
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    daas_sui_arg a;
    uint8_t big[300];
    fill(big, 0x5a, sizeof(big));
    assert_int_equal(daas_sui_ptbb_pure_u8(b, 3, &a, &err), DAAS_OK);
    check_pure(b, a, "\x03", 1);
    assert_int_equal(daas_sui_ptbb_pure_bool(b, true, &a, &err), DAAS_OK);
    check_pure(b, a, "\x01", 1);
    assert_int_equal(daas_sui_ptbb_pure_bool(b, false, &a, &err), DAAS_OK);
    check_pure(b, a, "\x00", 1);
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 0x0102030405060708ull, &a, &err), DAAS_OK);
    check_pure(b, a, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_int_equal(daas_sui_ptbb_pure_string(b, "node-1", &a, &err), DAAS_OK);
    check_pure(b, a, "\x06node-1", 7);
    assert_int_equal(daas_sui_ptbb_pure_string(b, "h\xc3\xa9", &a, &err), DAAS_OK);
    check_pure(b, a, "\x03h\xc3\xa9", 4);
    assert_int_equal(daas_sui_ptbb_pure_string(b, "", &a, &err), DAAS_OK);
    check_pure(b, a, "\x00", 1);
    /* vector<u8> of 300 bytes: ULEB128 length 0xac 0x02 */
    assert_int_equal(daas_sui_ptbb_pure_bytes(b, DAAS_BYTES(big, sizeof(big)), &a, &err), DAAS_OK);
    const daas_sui_input *in = &daas_sui_ptbb_ptb(b)->inputs[a.index];
    assert_int_equal(in->pure_len, 302);
    assert_int_equal(in->pure[0], 0xac);
    assert_int_equal(in->pure[1], 0x02);
    assert_memory_equal(in->pure + 2, big, sizeof(big));
    size_t n = daas_sui_ptbb_ptb(b)->n_inputs;
    /* not UTF-8, overlong, too large: refused, nothing added */
    assert_int_equal(daas_sui_ptbb_pure_string(b, "\xff", &a, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_ptbb_pure_string(b, "\xc0\xaf", &a, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    uint8_t *huge = daas_xcalloc(1, DAAS_SUI_MAX_PURE + 1);
    assert_int_equal(daas_sui_ptbb_pure(b, DAAS_BYTES(huge, DAAS_SUI_MAX_PURE + 1), &a, &err),
                     DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_ptbb_pure_bytes(b, DAAS_BYTES(huge, DAAS_SUI_MAX_PURE), &a, &err),
                     DAAS_EINVAL); /* the length prefix makes it one too many */
    daas_err_clear(&err);
    assert_int_equal(daas_sui_ptbb_pure(b, DAAS_BYTES(huge, DAAS_SUI_MAX_PURE), &a, &err), DAAS_OK);
    daas_free(huge);
    assert_int_equal(daas_sui_ptbb_ptb(b)->n_inputs, n + 1);
    daas_sui_ptbb_free(&b);
}

/* Every refused command leaves the builder as it was. */
static void refuse(daas_sui_ptbb *b, int rc, const char *needle, daas_err *err)
{
    assert_int_equal(rc, DAAS_EINVAL);
    if (needle != NULL && strstr(err->msg, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
    daas_err_clear(err);
    (void)b;
}

static void test_argument_validation(void **state)
{
    (void)state;
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    uint8_t pkg[32] = {0};
    daas_sui_arg amt, coins[2], r, to;
    daas_sui_arg in9 = {.kind = DAAS_SUI_ARG_INPUT, .index = 9};
    daas_sui_arg res5 = {.kind = DAAS_SUI_ARG_RESULT, .index = 5};
    pkg[31] = 2;
    const char *bad_type[] = {"0x2::sui::"};
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 10, &amt, &err), DAAS_OK);
    /* no such input / command */
    refuse(b, daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, &in9, 1, NULL, &err), "Input(9)",
           &err);
    refuse(b, daas_sui_ptbb_split_coins(b, res5, &amt, 1, NULL, &err), "does not exist", &err);
    /* empty lists */
    refuse(b, daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, NULL, 0, NULL, &err), "at least",
           &err);
    refuse(b, daas_sui_ptbb_merge_coins(b, DAAS_SUI_GAS_COIN, NULL, 0, &err), "at least", &err);
    refuse(b, daas_sui_ptbb_transfer_objects(b, NULL, 0, amt, &err), "at least", &err);
    refuse(b, daas_sui_ptbb_make_move_vec(b, NULL, NULL, 0, NULL, &err), "needs a type", &err);
    /* bad names and types */
    refuse(b, daas_sui_ptbb_move_call(b, pkg, "9pay", "split", NULL, 0, NULL, 0, NULL, &err),
           "bad module", &err);
    refuse(b, daas_sui_ptbb_move_call(b, pkg, "pay", "", NULL, 0, NULL, 0, NULL, &err), NULL, &err);
    refuse(b, daas_sui_ptbb_move_call(b, pkg, "pay", "a-b", NULL, 0, NULL, 0, NULL, &err), NULL,
           &err);
    refuse(b, daas_sui_ptbb_move_call(b, pkg, "pay", "split", bad_type, 1, &amt, 1, NULL, &err),
           "sui type", &err);
    refuse(b, daas_sui_ptbb_make_move_vec(b, "vector<", &amt, 1, NULL, &err), "sui type", &err);
    assert_int_equal(daas_sui_ptbb_ptb(b)->n_commands, 0);

    /* results: SplitCoins with 2 amounts has NestedResult 0 and 1, no Result, no sub 2 */
    daas_sui_arg two[2] = {amt, amt};
    assert_int_equal(daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, two, 2, coins, &err), DAAS_OK);
    assert_int_equal(coins[1].sub, 1);
    daas_sui_arg whole = {.kind = DAAS_SUI_ARG_RESULT, .index = 0};
    daas_sui_arg sub2 = {.kind = DAAS_SUI_ARG_NESTED_RESULT, .index = 0, .sub = 2};
    assert_int_equal(daas_sui_ptbb_pure_address(b, pkg, &to, &err), DAAS_OK);
    refuse(b, daas_sui_ptbb_transfer_objects(b, &whole, 1, to, &err), "2 results", &err);
    refuse(b, daas_sui_ptbb_transfer_objects(b, &sub2, 1, to, &err), "no result 2", &err);
    /* a command cannot use its own result */
    daas_sui_arg self = {.kind = DAAS_SUI_ARG_RESULT, .index = 1};
    refuse(b, daas_sui_ptbb_merge_coins(b, self, coins, 1, &err), "does not exist", &err);
    /* MoveCall results are not counted: any NestedResult is allowed */
    assert_int_equal(daas_sui_ptbb_move_call(b, pkg, "m", "f", NULL, 0, coins, 2, &r, &err),
                     DAAS_OK);
    daas_sui_arg nr = {.kind = DAAS_SUI_ARG_NESTED_RESULT, .index = r.index, .sub = 7};
    assert_int_equal(daas_sui_ptbb_transfer_objects(b, &nr, 1, to, &err), DAAS_OK);
    /* MergeCoins has no result */
    daas_sui_arg merged = {.kind = DAAS_SUI_ARG_RESULT, .index = 2};
    assert_int_equal(daas_sui_ptbb_ptb(b)->commands[2].kind, DAAS_SUI_CMD_TRANSFER_OBJECTS);
    refuse(b, daas_sui_ptbb_transfer_objects(b, &merged, 1, to, &err), "0 results", &err);
    /* MakeMoveVec with a type and no elements is fine, and gives one result */
    assert_int_equal(daas_sui_ptbb_make_move_vec(b, "u64", NULL, 0, &r, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_ptb(b)->commands[r.index].has_type, true);
    assert_int_equal(daas_sui_ptbb_make_move_vec(b, NULL, &r, 1, NULL, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_ptb(b)->n_commands, 5);
    daas_sui_ptbb_free(&b);
}

static void test_limits(void **state)
{
    (void)state;
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    daas_sui_arg a, r;
    uint8_t pkg[32] = {0};
    for (uint64_t i = 0; i < DAAS_SUI_MAX_INPUTS; i++)
        assert_int_equal(daas_sui_ptbb_pure_u64(b, i, &a, &err), DAAS_OK);
    refuse(b, daas_sui_ptbb_pure_u64(b, DAAS_SUI_MAX_INPUTS, &a, &err), "inputs", &err);
    /* an existing value is still found */
    assert_int_equal(daas_sui_ptbb_pure_u64(b, 7, &a, &err), DAAS_OK);
    assert_int_equal(a.index, 7);
    daas_sui_arg *many = daas_xcalloc(DAAS_SUI_MAX_ARGS + 1, sizeof(daas_sui_arg));
    for (size_t i = 0; i <= DAAS_SUI_MAX_ARGS; i++)
        many[i] = (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)i};
    refuse(
        b,
        daas_sui_ptbb_move_call(b, pkg, "m", "f", NULL, 0, many, DAAS_SUI_MAX_ARGS + 1, &r, &err),
        "arguments", &err);
    assert_int_equal(
        daas_sui_ptbb_move_call(b, pkg, "m", "f", NULL, 0, many, DAAS_SUI_MAX_ARGS, &r, &err),
        DAAS_OK);
    daas_free(many);
    for (size_t i = 1; i < DAAS_SUI_MAX_COMMANDS; i++)
        assert_int_equal(daas_sui_ptbb_move_call(b, pkg, "m", "f", NULL, 0, NULL, 0, NULL, &err),
                         DAAS_OK);
    const char *targs[] = {"u8"};
    refuse(b, daas_sui_ptbb_move_call(b, pkg, "m", "f", targs, 1, NULL, 0, NULL, &err), "commands",
           &err);
    assert_int_equal(daas_sui_ptbb_ptb(b)->n_commands, DAAS_SUI_MAX_COMMANDS);
    daas_sui_ptbb_free(&b);
}

/* ---- daas_sui_tx_prepare against a scripted GraphQL service ---- */

#define SUI (1000000000ull)
static const char DIGEST_B58[] = "3odpLCW4EKKVXjfLQnzEPVLToeX5UPe7WYbtidP27PF9";

typedef struct mock {
    pthread_mutex_t mu;     /* guards everything below (handler threads vs test) */
    daas_sui_coin coins[8]; /* the sender's Coin<SUI> */
    size_t n_coins;
    uint64_t ref_price;       /* epoch.referenceGasPrice */
    daas_sui_gas_summary gas; /* what the dry run reports */
    bool fail;                /* the dry run reports a MoveAbort in staking::unstake, code 6 */
    int n_epoch, n_sim;       /* calls seen */
    daas_buf sim_tx;          /* the last dry-run TransactionData */
    daas_http_server *srv;
    daas_sui_client *client;
} mock;

static mock M;

static json_t *u64_str(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    return json_string(buf);
}

static json_t *coin_json(const daas_sui_coin *c)
{
    char id[DAAS_SUI_ADDRESS_HEX_LEN + 1], dg[64];
    daas_err err = {0};
    daas_sui_address_hex(c->ref.id, id);
    assert_int_equal(daas_sui_base58_encode(c->ref.digest, 32, dg, sizeof(dg), &err), DAAS_OK);
    return json_pack("{s:s, s:I, s:s, s:{s:{s:s}, s:{s:s, s:o}}}", "address", id, "version",
                     (json_int_t)c->ref.version, "digest", dg, "contents", "type", "repr",
                     "0x2::coin::Coin<0x2::sui::SUI>", "json", "id", id, "balance",
                     u64_str(c->balance));
}

static json_t *owned_reply(void)
{
    json_t *nodes = json_array();
    for (size_t i = 0; i < M.n_coins; i++)
        json_array_append_new(nodes, coin_json(&M.coins[i]));
    return json_pack("{s:{s:{s:{s:b, s:n}, s:o}}}", "address", "objects", "pageInfo", "hasNextPage",
                     0, "endCursor", "nodes", nodes);
}

static json_t *sim_reply(json_t *vars)
{
    const char *b64 = json_string_value(
        json_object_get(json_object_get(json_object_get(vars, "tx"), "bcs"), "value"));
    daas_buf_reset(&M.sim_tx);
    assert_int_equal(daas_base64_decode(b64, strlen(b64), &M.sim_tx), DAAS_OK);
    M.n_sim++;
    json_t *ee = json_null();
    if (M.fail)
        ee =
            json_pack("{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:s}}", "message",
                      "MoveAbort in 1st command, abort code: 6", "abortCode", "6", "module", "name",
                      "staking", "package", "address", "0x42", "function", "name", "unstake");
    json_t *gs = json_pack("{s:I, s:I, s:I, s:s}", "computationCost", (json_int_t)M.gas.computation,
                           "storageCost", (json_int_t)M.gas.storage, "storageRebate",
                           (json_int_t)M.gas.rebate, "nonRefundableStorageFee", "0");
    return json_pack("{s:{s:n, s:{s:{s:s, s:{s:s, s:o, s:{s:o}}}}}}", "simulateTransaction",
                     "error", "effects", "transaction", "digest", DIGEST_B58, "effects", "status",
                     M.fail ? "FAILURE" : "SUCCESS", "executionError", ee, "gasEffects",
                     "gasSummary", gs);
}

static void mock_handler(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    (void)arg;
    json_t *body = json_loadb((const char *)req->body.ptr, req->body.len, 0, NULL);
    const char *q = json_string_value(json_object_get(body, "query"));
    json_t *data = NULL;
    pthread_mutex_lock(&M.mu);
    if (q != NULL && strstr(q, "query DaasEpoch") != NULL) {
        M.n_epoch++;
        data = json_pack("{s:{s:i, s:o, s:s}}", "epoch", "epochId", 3, "referenceGasPrice",
                         u64_str(M.ref_price), "startTimestamp", "2026-01-01T00:00:00Z");
    } else if (q != NULL && strstr(q, "query DaasOwned") != NULL) {
        data = owned_reply();
    } else if (q != NULL && strstr(q, "query DaasSimulate") != NULL) {
        data = sim_reply(json_object_get(body, "variables"));
    }
    pthread_mutex_unlock(&M.mu);
    json_t *reply = data ? json_pack("{s:o}", "data", data)
                         : json_pack("{s:[{s:s}]}", "errors", "message", "unexpected query");
    char *text = json_dumps(reply, JSON_COMPACT);
    daas_http_respond(resp, 200, "application/json", NULL, text, strlen(text));
    free(text); /* jansson's allocation */
    json_decref(reply);
    json_decref(body);
}

static int mock_setup(void **state)
{
    (void)state;
    daas_err err = {0};
    char url[64];
    memset(&M, 0, sizeof(M));
    pthread_mutex_init(&M.mu, NULL);
    daas_buf_init(&M.sim_tx, 0);
    daas_http_config cfg = {.bind_addr = "127.0.0.1", .threads = 1, .handler = mock_handler};
    if (daas_http_server_new(&cfg, &M.srv, &err) != DAAS_OK ||
        daas_http_server_start(M.srv, &err) != DAAS_OK)
        return -1;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/graphql", daas_http_server_port(M.srv));
    daas_sui_client_opts o = {.url = url, .retries = 0, .timeout_ms = 5000};
    return daas_sui_client_new(&o, &M.client, &err) == DAAS_OK ? 0 : -1;
}

static int mock_teardown(void **state)
{
    (void)state;
    daas_sui_client_free(&M.client);
    daas_http_server_stop(M.srv);
    daas_http_server_free(&M.srv);
    daas_buf_fini(&M.sim_tx);
    pthread_mutex_destroy(&M.mu);
    return 0;
}

/* Resets the script: coins of the given balances (ids 0xc1, 0xc2, ...), price 1000. */
static void script(const uint64_t *balances, size_t n, daas_sui_gas_summary gas)
{
    pthread_mutex_lock(&M.mu);
    M.n_coins = n;
    for (size_t i = 0; i < n; i++) {
        memset(&M.coins[i], 0, sizeof(M.coins[i]));
        fill(M.coins[i].ref.id, (uint8_t)(0xc1 + i), 32);
        fill(M.coins[i].ref.digest, (uint8_t)(0xd1 + i), 32);
        M.coins[i].ref.version = 10 + i;
        M.coins[i].balance = balances[i];
    }
    M.ref_price = 1000;
    M.gas = gas;
    M.fail = false;
    M.n_epoch = M.n_sim = 0;
    pthread_mutex_unlock(&M.mu);
}

/* A builder that sends 1 SUI to 0xab..ab out of the gas coin. */
static daas_sui_ptbb *transfer_ptb(uint64_t amount)
{
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_err err = {0};
    daas_sui_arg a, coin, to;
    uint8_t rcpt[32];
    fill(rcpt, 0xab, 32);
    assert_int_equal(daas_sui_ptbb_pure_u64(b, amount, &a, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, &a, 1, &coin, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_pure_address(b, rcpt, &to, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_transfer_objects(b, &coin, 1, to, &err), DAAS_OK);
    return b;
}

/* Prepares b with opts; decodes the result into *tx (caller: daas_sui_tx_fini). */
static int prepare(const daas_sui_ptbb *b, const daas_sui_tx_opts *o, daas_sui_tx *tx,
                   daas_err *err)
{
    daas_buf out;
    daas_err derr = {0};
    daas_buf_init(&out, 0);
    int rc = daas_sui_tx_prepare(M.client, SENDER, b, o, &out, err);
    memset(tx, 0, sizeof(*tx));
    if (rc == DAAS_OK)
        assert_int_equal(daas_sui_tx_decode(DAAS_BYTES(out.data, out.len), tx, &derr), DAAS_OK);
    daas_buf_fini(&out);
    return rc;
}

/* The gas of the last dry run. */
static daas_sui_gas sim_gas(daas_sui_tx *keep)
{
    daas_err err = {0};
    pthread_mutex_lock(&M.mu);
    assert_int_equal(daas_sui_tx_decode(DAAS_BYTES(M.sim_tx.data, M.sim_tx.len), keep, &err),
                     DAAS_OK);
    pthread_mutex_unlock(&M.mu);
    return keep->gas;
}

static void test_prepare_budget(void **state)
{
    (void)state;
    const uint64_t bal[] = {5 * SUI, 100 * SUI, 60 * SUI};
    daas_sui_ptbb *b = transfer_ptb(SUI);
    daas_sui_tx tx, sim;
    daas_err err = {0};
    script(bal, 3,
           (daas_sui_gas_summary){.computation = 1000000, .storage = 2000000, .rebate = 500000});
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_OK);
    /* one dry run with the placeholder budget, gas = the largest coin */
    assert_int_equal(M.n_sim, 1);
    assert_int_equal(M.n_epoch, 1);
    daas_sui_gas g = sim_gas(&sim);
    assert_int_equal(g.budget, DAAS_SUI_PLACEHOLDER_BUDGET);
    assert_int_equal(g.n_payment, 1);
    assert_int_equal(g.payment[0].id[0], 0xc2);
    daas_sui_tx_fini(&sim);
    /* §9: base = 1e6 + 1000 × 1000; budget = max(base, base + 2e6 − 0.5e6) */
    assert_int_equal(tx.gas.budget, 3500000);
    assert_int_equal(tx.gas.price, 1000);
    assert_int_equal(tx.gas.n_payment, 1);
    assert_int_equal(tx.gas.payment[0].id[0], 0xc2);
    assert_int_equal(tx.gas.payment[0].version, 11);
    assert_int_equal(tx.gas.payment[0].digest[0], 0xd2);
    assert_memory_equal(tx.sender, SENDER, 32);
    assert_memory_equal(tx.gas.owner, SENDER, 32);
    assert_int_equal(tx.expiration.kind, DAAS_SUI_EXPIRE_NONE);
    assert_int_equal(tx.kind.n_commands, 2);
    daas_sui_tx_fini(&tx);

    /* a rebate larger than the storage cost: the budget is base */
    script(bal, 3,
           (daas_sui_gas_summary){.computation = 1000000, .storage = 1000000, .rebate = 3000000});
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_OK);
    assert_int_equal(tx.gas.budget, 2000000);
    daas_sui_tx_fini(&tx);

    /* fixed price and budget: no epoch query; dry run and result use them */
    daas_sui_tx_opts o = {.gas_price = 2000, .budget = 7000000};
    script(bal, 3, (daas_sui_gas_summary){.computation = 1000000});
    assert_int_equal(prepare(b, &o, &tx, &err), DAAS_OK);
    assert_int_equal(M.n_epoch, 0);
    assert_int_equal(sim_gas(&sim).budget, 7000000);
    daas_sui_tx_fini(&sim);
    assert_int_equal(tx.gas.budget, 7000000);
    assert_int_equal(tx.gas.price, 2000);
    assert_int_equal(tx.gas.payment[0].id[0], 0xc2);
    daas_sui_tx_fini(&tx);
    daas_sui_ptbb_free(&b);
}

static void test_prepare_coin_choice(void **state)
{
    (void)state;
    const uint64_t big[] = {5 * SUI, 100 * SUI, 60 * SUI};
    const uint64_t small[] = {1 * SUI, 3 * SUI, 2 * SUI};
    daas_sui_gas_summary gas = {.computation = 1000000};
    daas_sui_tx tx, sim;
    daas_err err = {0};
    /* the PTB takes the 100 SUI coin as an input: gas comes from the others */
    daas_sui_ptbb *b = daas_sui_ptbb_new();
    daas_sui_arg c;
    script(big, 3, gas);
    assert_int_equal(daas_sui_ptbb_object(b, &M.coins[1].ref, &c, &err), DAAS_OK);
    assert_int_equal(daas_sui_ptbb_merge_coins(b, DAAS_SUI_GAS_COIN, &c, 1, &err), DAAS_OK);
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_OK);
    assert_int_equal(tx.gas.n_payment, 1);
    assert_int_equal(tx.gas.payment[0].id[0], 0xc3);
    daas_sui_tx_fini(&tx);
    daas_sui_ptbb_free(&b);

    /* small coins: all of them, largest first; the placeholder is their sum */
    b = transfer_ptb(SUI / 2);
    script(small, 3, gas);
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_OK);
    assert_int_equal(tx.gas.n_payment, 3);
    assert_int_equal(tx.gas.payment[0].id[0], 0xc2);
    assert_int_equal(tx.gas.payment[1].id[0], 0xc3);
    assert_int_equal(tx.gas.payment[2].id[0], 0xc1);
    assert_int_equal(sim_gas(&sim).budget, 6 * SUI);
    daas_sui_tx_fini(&sim);
    daas_sui_tx_fini(&tx);
    /* at most two coins; what the PTB spends is kept out of the placeholder */
    daas_sui_tx_opts o = {.max_gas_coins = 2, .spend = SUI / 2};
    assert_int_equal(prepare(b, &o, &tx, &err), DAAS_OK);
    assert_int_equal(tx.gas.n_payment, 2);
    assert_int_equal(sim_gas(&sim).budget, 5 * SUI - SUI / 2);
    daas_sui_tx_fini(&sim);
    daas_sui_tx_fini(&tx);
    daas_sui_ptbb_free(&b);
}

static void test_prepare_insufficient(void **state)
{
    (void)state;
    const uint64_t small[] = {1 * SUI, 3 * SUI, 2 * SUI};
    const uint64_t tiny[] = {2000000};
    daas_sui_ptbb *b = transfer_ptb(6 * SUI);
    daas_sui_tx tx;
    daas_err err = {0};
    daas_buf out;
    /* spending all there is leaves nothing for gas: refused before any dry run */
    daas_sui_tx_opts o = {.spend = 6 * SUI};
    script(small, 3, (daas_sui_gas_summary){.computation = 1000000});
    assert_int_equal(prepare(b, &o, &tx, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "insufficient SUI for gas: have 6000000000 MIST, need "
                                 "6001000000 MIST");
    assert_int_equal(M.n_sim, 0);
    daas_err_clear(&err);
    /* the dry run says the budget is more than the coins hold */
    script(tiny, 1, (daas_sui_gas_summary){.computation = 5000000});
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "insufficient SUI for gas: have 2000000 MIST, need 6000000 MIST");
    assert_int_equal(M.n_sim, 1);
    daas_err_clear(&err);
    /* no coins at all */
    script(NULL, 0, (daas_sui_gas_summary){0});
    daas_buf_init(&out, 0);
    assert_int_equal(daas_buf_puts(&out, "keep"), DAAS_OK);
    assert_int_equal(daas_sui_tx_prepare(M.client, SENDER, b, NULL, &out, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "have 0 MIST"));
    assert_int_equal(out.len, 4); /* left as it was */
    daas_err_clear(&err);
    daas_buf_fini(&out);
    daas_sui_ptbb_free(&b);
    /* nothing to do */
    b = daas_sui_ptbb_new();
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "no commands"));
    daas_sui_ptbb_free(&b);
}

static const char *name_abort(const char *module, uint64_t code)
{
    return strstr(module, "::staking") != NULL && code == 6 ? "ELocked" : NULL;
}

static void test_prepare_dry_run_fails(void **state)
{
    (void)state;
    const uint64_t bal[] = {100 * SUI};
    daas_sui_ptbb *b = transfer_ptb(SUI);
    daas_sui_tx tx;
    daas_err err = {0};
    script(bal, 1, (daas_sui_gas_summary){.computation = 1000000});
    M.fail = true;
    assert_int_equal(prepare(b, NULL, &tx, &err), DAAS_EFAILED);
    assert_string_equal(err.msg, "transaction would fail: staking::unstake aborted with code 6");
    daas_err_clear(&err);
    daas_sui_tx_opts o = {.abort_name = name_abort};
    assert_int_equal(prepare(b, &o, &tx, &err), DAAS_EFAILED);
    assert_string_equal(err.msg,
                        "transaction would fail: staking::unstake aborted with code 6 (ELocked)");
    daas_sui_ptbb_free(&b);
}

int main(void)
{
    const struct CMUnitTest builder[] = {
        cmocka_unit_test(test_build_tx1),
        cmocka_unit_test(test_build_tx2),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_pure_values),
        cmocka_unit_test(test_argument_validation),
        cmocka_unit_test(test_limits),
    };
    const struct CMUnitTest prep[] = {
        cmocka_unit_test(test_prepare_budget),
        cmocka_unit_test(test_prepare_coin_choice),
        cmocka_unit_test(test_prepare_insufficient),
        cmocka_unit_test(test_prepare_dry_run_fails),
    };
    int failed = cmocka_run_group_tests_name("builder", builder, NULL, NULL);
    failed += cmocka_run_group_tests_name("prepare", prep, mock_setup, mock_teardown);
    return failed;
}
