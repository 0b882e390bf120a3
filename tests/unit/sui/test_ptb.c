/*
 * test_ptb.c: the PTB builder offline: it reproduces TX1 and TX2 of specs/sui.md §8.3/§8.3b
 * byte for byte (with their digests), de-duplicates inputs like the TS SDK, encodes every pure
 * value kind as BCS, and refuses bad arguments without changing what it built.
 *
 * Owns:   nothing beyond each test's builder and buffers (freed in the test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "sui/ptb.h"
#include "sui/tx.h"

/* SPEC: specs/sui.md §8.3 TX1 */
static const char TX1_HEX[] =
    "000002000840420f00000000000020ababababababababababababababababababababababababababababab"
    "ababab0202000101000001010300000000010100160179a1565ea7cff27ead23f54cc7f50893bf58155cd728"
    "5156e57afa31c3ac011111111111111111111111111111111111111111111111111111111111111111070000"
    "0000000000203333333333333333333333333333333333333333333333333333333333333333160179a1565e"
    "a7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ace803000000000000404b4c000000000000";
/* SPEC: specs/sui.md §8.3b TX2 */
static const char TX2_HEX[] =
    "0000030100222222222222222222222222222222222222222222222222222222222222222203000000000000"
    "0020444444444444444444444444444444444444444444444444444444444444444401010000000000000000"
    "00000000000000000000000000000000000000000000000601000000000000000000082a0000000000000003"
    "000000000000000000000000000000000000000000000000000000000000000002037061790573706c697401"
    "0700000000000000000000000000000000000000000000000000000000000000020373756903535549000201"
    "000001020000000000000000000000000000000000000000000000000000000000000000000205636c6f636b"
    "0c74696d657374616d705f6d730001010100030001010000160179a1565ea7cff27ead23f54cc7f50893bf58"
    "155cd7285156e57afa31c3ac0111111111111111111111111111111111111111111111111111111111111111"
    "1107000000000000002033333333333333333333333333333333333333333333333333333333333333331601"
    "79a1565ea7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ace803000000000000404b4c000000"
    "0000016400000000000000";

static const uint8_t SENDER[32] = {0x16, 0x01, 0x79, 0xa1, 0x56, 0x5e, 0xa7, 0xcf, 0xf2, 0x7e, 0xad,
                                   0x23, 0xf5, 0x4c, 0xc7, 0xf5, 0x08, 0x93, 0xbf, 0x58, 0x15, 0x5c,
                                   0xd7, 0x28, 0x51, 0x56, 0xe5, 0x7a, 0xfa, 0x31, 0xc3, 0xac};

static void unhex(const char *h, daas_buf *out)
{
    size_t n = strlen(h) / 2;
    daas_buf_init(out, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        uint8_t b = (uint8_t)v;
        assert_int_equal(daas_buf_append(out, &b, 1), DAAS_OK);
    }
}

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
    assert_int_equal(daas_sui_ptbb_move_call(b, two, "clock", "timestamp_ms", NULL, 0, &in_clock,
                                             1, &r1, &err),
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
    refuse(b, daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, &in9, 1, NULL, &err), "Input(9)", &err);
    refuse(b, daas_sui_ptbb_split_coins(b, res5, &amt, 1, NULL, &err), "does not exist", &err);
    /* empty lists */
    refuse(b, daas_sui_ptbb_split_coins(b, DAAS_SUI_GAS_COIN, NULL, 0, NULL, &err), "at least", &err);
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
    refuse(b, daas_sui_ptbb_move_call(b, pkg, "m", "f", NULL, 0, many, DAAS_SUI_MAX_ARGS + 1, &r,
                                      &err),
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_tx1),       cmocka_unit_test(test_build_tx2),
        cmocka_unit_test(test_dedup),           cmocka_unit_test(test_pure_values),
        cmocka_unit_test(test_argument_validation), cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
