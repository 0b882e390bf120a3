/*
 * test_tx.c: Sui TransactionData against the vectors of specs/sui.md §8.3, §8.3b, §8.4, §8.5,
 * §8.5b (decode, byte-for-byte re-encode, digest), building TX1 from fields, the
 * structural commands (Publish, MakeMoveVec, Upgrade), and malformed inputs.
 *
 * Owns:   nothing beyond each test's buffers and decoded transactions (freed in the test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "sui/tx.h"
#include "sui_test.h"

static const char TX1_HEX[] = SUI_TEST_TX1_HEX;
static const char TX2_HEX[] = SUI_TEST_TX2_HEX;
/* SPEC: specs/sui.md §8.5 TX3 */
static const char TX3_HEX[] =
    "000002000840420f00000000000020ababababababababababababababababababababababababababababab"
    "ababab0202000101000001010300000000010100160179a1565ea7cff27ead23f54cc7f50893bf58155cd728"
    "5156e57afa31c3ac00160179a1565ea7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ace80300"
    "0000000000404b4c00000000000201f40100000000000001f50100000000000000002035834a8ac17ca48fb1"
    "4ac8f99c17c98747e95dd07294ae41a46b382246a4499b78563412";
/* SPEC: specs/sui.md §8.4 */
static const char KIND_HEX[] =
    "0002000840420f00000000000020abababababababababababababababababababababababababababababab"
    "abab0202000101000001010300000000010100";
/* SPEC: specs/sui.md §8.5b */
static const char SSD_HEX[] =
    "01000000000002000840420f00000000000020ababababababababababababababababababababababababab"
    "ababababababab0202000101000001010300000000010100160179a1565ea7cff27ead23f54cc7f50893bf58"
    "155cd7285156e57afa31c3ac0111111111111111111111111111111111111111111111111111111111111111"
    "1107000000000000002033333333333333333333333333333333333333333333333333333333333333331601"
    "79a1565ea7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ace803000000000000404b4c000000"
    "00000001610023e6d240c654f61c0631bb1adc67bbde6da17adb368f96a575ae2f311493caa7c32a74c4c674"
    "9af8ebc2ca43b364c26a1871897c4c28efddbe45df492cfb5c0803a107bff3ce10be1d70dd18e74bc09967e4"
    "d6309ba50d5f1ddc8664125531b8";
/* SPEC: specs/sui.md §8.3 "ed25519 signature" of TX1 */
static const char TX1_SIG_B64[] =
    "ACPm0kDGVPYcBjG7Gtxnu95toXrbNo+WpXWuLzEUk8qnwyp0xMZ0mvjrwspDs2TCah"
    "hxiXxMKO/dvkXfSSz7XAgDoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";

static const uint8_t SENDER[32] = SUI_TEST_SENDER;

#define unhex sui_test_unhex

static daas_bytes bytes_of(const daas_buf *b)
{
    return DAAS_BYTES(b->data, b->len);
}

/* Decodes hex, re-encodes, checks identity and the Base58 digest; leaves the tx decoded. */
static void roundtrip(const char *h, const char *digest_b58, daas_sui_tx *tx)
{
    daas_buf in, out;
    daas_err err = {0};
    char d[DAAS_SUI_DIGEST_B58_LEN];
    unhex(h, &in);
    daas_buf_init(&out, 0);
    assert_int_equal(daas_sui_tx_decode(bytes_of(&in), tx, &err), DAAS_OK);
    assert_int_equal(daas_sui_tx_encode(tx, &out, &err), DAAS_OK);
    assert_int_equal(out.len, in.len);
    assert_memory_equal(out.data, in.data, in.len);
    assert_int_equal(daas_sui_tx_digest_b58(bytes_of(&in), d, sizeof(d), &err), DAAS_OK);
    assert_string_equal(d, digest_b58);
    daas_buf_fini(&in);
    daas_buf_fini(&out);
}

static void check_gas_coin_11(const daas_sui_tx *tx)
{
    assert_memory_equal(tx->sender, SENDER, 32);
    assert_int_equal(tx->gas.n_payment, 1);
    assert_int_equal(tx->gas.payment[0].id[0], 0x11);
    assert_int_equal(tx->gas.payment[0].version, 7);
    assert_int_equal(tx->gas.payment[0].digest[31], 0x33);
    assert_memory_equal(tx->gas.owner, SENDER, 32);
    assert_int_equal(tx->gas.price, 1000);
    assert_int_equal(tx->gas.budget, 5000000);
}

static void test_tx1(void **state)
{
    (void)state;
    daas_sui_tx tx;
    roundtrip(TX1_HEX, "3odpLCW4EKKVXjfLQnzEPVLToeX5UPe7WYbtidP27PF9", &tx);
    check_gas_coin_11(&tx);
    assert_int_equal(tx.kind.n_inputs, 2);
    assert_int_equal(tx.kind.inputs[0].kind, DAAS_SUI_INPUT_PURE);
    assert_int_equal(tx.kind.inputs[0].pure_len, 8);
    assert_memory_equal(tx.kind.inputs[0].pure, "\x40\x42\x0f\0\0\0\0\0", 8);
    assert_int_equal(tx.kind.inputs[1].pure_len, 32);
    assert_int_equal(tx.kind.n_commands, 2);
    const daas_sui_command *c0 = &tx.kind.commands[0], *c1 = &tx.kind.commands[1];
    assert_int_equal(c0->kind, DAAS_SUI_CMD_SPLIT_COINS);
    assert_int_equal(c0->arg.kind, DAAS_SUI_ARG_GAS_COIN);
    assert_int_equal(c0->n_args, 1);
    assert_int_equal(c0->args[0].kind, DAAS_SUI_ARG_INPUT);
    assert_int_equal(c1->kind, DAAS_SUI_CMD_TRANSFER_OBJECTS);
    assert_int_equal(c1->args[0].kind, DAAS_SUI_ARG_NESTED_RESULT);
    assert_int_equal(c1->arg.kind, DAAS_SUI_ARG_INPUT);
    assert_int_equal(c1->arg.index, 1);
    assert_int_equal(tx.expiration.kind, DAAS_SUI_EXPIRE_NONE);
    uint8_t d[32];
    daas_buf in;
    unhex(TX1_HEX, &in);
    daas_sui_tx_digest(bytes_of(&in), d);
    assert_int_equal(d[0], 0x29);
    assert_int_equal(d[31], 0x8c);
    daas_buf_fini(&in);
    daas_sui_tx_fini(&tx);
    daas_sui_tx_fini(&tx); /* idempotent on a zeroed tx */
}

static void test_tx2(void **state)
{
    (void)state;
    daas_sui_tx tx;
    roundtrip(TX2_HEX, "69FpwWVUhNAmqayb55W4Gj11qAAUt4hCSp4yefcCD32b", &tx);
    check_gas_coin_11(&tx);
    assert_int_equal(tx.kind.n_inputs, 3);
    const daas_sui_input *in = tx.kind.inputs;
    assert_int_equal(in[0].kind, DAAS_SUI_INPUT_IMM_OR_OWNED);
    assert_int_equal(in[0].ref.id[5], 0x22);
    assert_int_equal(in[0].ref.version, 3);
    assert_int_equal(in[0].ref.digest[0], 0x44);
    assert_int_equal(in[1].kind, DAAS_SUI_INPUT_SHARED);
    assert_int_equal(in[1].shared_id[31], 6);
    assert_int_equal(in[1].initial_shared_version, 1);
    assert_int_equal(in[1].mutability, DAAS_SUI_SHARED_IMMUTABLE);
    assert_int_equal(in[2].pure[0], 42);
    const daas_sui_command *c = tx.kind.commands;
    assert_int_equal(tx.kind.n_commands, 3);
    assert_int_equal(c[0].kind, DAAS_SUI_CMD_MOVE_CALL);
    assert_int_equal(c[0].package[31], 2);
    assert_string_equal(c[0].module, "pay");
    assert_string_equal(c[0].function, "split");
    assert_int_equal(c[0].n_type_args, 1);
    assert_int_equal(c[0].type_args[0].kind, DAAS_SUI_TYPE_STRUCT);
    assert_string_equal(c[0].type_args[0].st->module, "sui");
    assert_string_equal(c[0].type_args[0].st->name, "SUI");
    assert_int_equal(c[0].type_args[0].st->n_params, 0);
    assert_int_equal(c[0].n_args, 2);
    assert_int_equal(c[0].args[1].index, 2);
    assert_string_equal(c[1].function, "timestamp_ms");
    assert_int_equal(c[2].kind, DAAS_SUI_CMD_MERGE_COINS);
    assert_int_equal(c[2].arg.kind, DAAS_SUI_ARG_GAS_COIN);
    assert_int_equal(tx.expiration.kind, DAAS_SUI_EXPIRE_EPOCH);
    assert_int_equal(tx.expiration.epoch, 100);
    daas_sui_tx_fini(&tx);
}

static void test_tx3_valid_during(void **state)
{
    (void)state;
    daas_sui_tx tx;
    roundtrip(TX3_HEX, "D96vtCiymCHWFcNaQxagQtfHifsi4n4hdjKuY4eE3hnS", &tx);
    assert_int_equal(tx.gas.n_payment, 0);
    const daas_sui_expiration *e = &tx.expiration;
    assert_int_equal(e->kind, DAAS_SUI_EXPIRE_VALID_DURING);
    assert_true(e->min_epoch.some);
    assert_int_equal(e->min_epoch.value, 500);
    assert_true(e->max_epoch.some);
    assert_int_equal(e->max_epoch.value, 501);
    assert_false(e->min_timestamp.some);
    assert_false(e->max_timestamp.some);
    assert_int_equal(e->chain[0], 0x35);
    assert_int_equal(e->chain[31], 0x9b);
    assert_int_equal(e->nonce, 0x12345678);
    daas_sui_tx_fini(&tx);
}

static void test_kind_only(void **state)
{
    (void)state;
    daas_sui_tx tx;
    daas_sui_ptb ptb;
    daas_buf want, out;
    daas_err err = {0};
    roundtrip(TX1_HEX, "3odpLCW4EKKVXjfLQnzEPVLToeX5UPe7WYbtidP27PF9", &tx);
    unhex(KIND_HEX, &want);
    daas_buf_init(&out, 0);
    assert_int_equal(daas_sui_tx_kind_encode(&tx.kind, &out, &err), DAAS_OK);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, want.len);
    assert_int_equal(daas_sui_tx_kind_decode(bytes_of(&want), &ptb, &err), DAAS_OK);
    assert_int_equal(ptb.n_commands, 2);
    daas_buf_reset(&out);
    assert_int_equal(daas_sui_tx_kind_encode(&ptb, &out, &err), DAAS_OK);
    assert_memory_equal(out.data, want.data, want.len);
    daas_sui_ptb_fini(&ptb);
    daas_sui_tx_fini(&tx);
    daas_buf_fini(&want);
    daas_buf_fini(&out);
}

/* SPEC: specs/sui.md §8.3 "Common fields" and "Commands". */
static void test_build_tx1(void **state)
{
    (void)state;
    uint8_t amount[8] = {0x40, 0x42, 0x0f, 0, 0, 0, 0, 0}, recipient[32];
    memset(recipient, 0xab, sizeof(recipient));
    daas_sui_input inputs[2] = {
        {.kind = DAAS_SUI_INPUT_PURE, .pure = amount, .pure_len = 8},
        {.kind = DAAS_SUI_INPUT_PURE, .pure = recipient, .pure_len = 32},
    };
    daas_sui_arg split_amounts[1] = {{.kind = DAAS_SUI_ARG_INPUT, .index = 0}};
    daas_sui_arg objects[1] = {{.kind = DAAS_SUI_ARG_NESTED_RESULT, .index = 0, .sub = 0}};
    daas_sui_command cmds[2] = {
        {.kind = DAAS_SUI_CMD_SPLIT_COINS,
         .arg = {.kind = DAAS_SUI_ARG_GAS_COIN},
         .n_args = 1,
         .args = split_amounts},
        {.kind = DAAS_SUI_CMD_TRANSFER_OBJECTS,
         .arg = {.kind = DAAS_SUI_ARG_INPUT, .index = 1},
         .n_args = 1,
         .args = objects},
    };
    daas_sui_objref gas = {.version = 7};
    memset(gas.id, 0x11, 32);
    memset(gas.digest, 0x33, 32);
    daas_sui_tx tx = {
        .kind = {.n_inputs = 2, .inputs = inputs, .n_commands = 2, .commands = cmds},
        .gas = {.n_payment = 1, .payment = &gas, .price = 1000, .budget = 5000000},
        .expiration = {.kind = DAAS_SUI_EXPIRE_NONE},
    };
    memcpy(tx.sender, SENDER, 32);
    memcpy(tx.gas.owner, SENDER, 32);
    daas_buf want, out;
    daas_err err = {0};
    unhex(TX1_HEX, &want);
    daas_buf_init(&out, 0);
    assert_int_equal(daas_sui_tx_encode(&tx, &out, &err), DAAS_OK);
    assert_int_equal(out.len, 219);
    assert_memory_equal(out.data, want.data, want.len);
    /* A cap too small for the transaction gives ETOOBIG, not a partial success. */
    daas_buf small;
    daas_buf_init(&small, 100);
    assert_int_equal(daas_sui_tx_encode(&tx, &small, &err), DAAS_ETOOBIG);
    daas_buf_fini(&small);
    /* Encoder refuses unknown kinds. */
    daas_err_clear(&err);
    cmds[1].kind = (daas_sui_cmd_kind)9;
    daas_buf_reset(&out);
    assert_int_equal(daas_sui_tx_encode(&tx, &out, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "unknown command kind 9"));
    daas_buf_fini(&want);
    daas_buf_fini(&out);
}

static void test_sender_signed(void **state)
{
    (void)state;
    daas_buf tx1, want, sig, out;
    daas_err err = {0};
    unhex(TX1_HEX, &tx1);
    unhex(SSD_HEX, &want);
    daas_buf_init(&sig, 0);
    daas_buf_init(&out, 0);
    assert_int_equal(daas_base64_decode(TX1_SIG_B64, strlen(TX1_SIG_B64), &sig), DAAS_OK);
    assert_int_equal(sig.len, 97);
    daas_bytes sigs[2] = {bytes_of(&sig)};
    assert_int_equal(daas_sui_sender_signed_encode(bytes_of(&tx1), sigs, 1, &out, &err), DAAS_OK);
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.data, want.data, want.len);
    daas_bytes txb = {0}, got[2];
    size_t n = 0;
    assert_int_equal(daas_sui_sender_signed_decode(bytes_of(&want), &txb, got, 2, &n, &err),
                     DAAS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(txb.len, tx1.len);
    assert_memory_equal(txb.ptr, tx1.data, tx1.len);
    assert_int_equal(got[0].len, 97);
    assert_memory_equal(got[0].ptr, sig.data, 97);
    /* Zero signatures: rejected on decode as on encode. */
    daas_bytes nosig = DAAS_BYTES(want.data, 4 + tx1.len + 1);
    want.data[4 + tx1.len] = 0;
    assert_int_equal(daas_sui_sender_signed_decode(nosig, &txb, got, 2, &n, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "no signatures"));
    daas_err_clear(&err);
    /* Trailing byte after the signatures. */
    want.data[4 + tx1.len] = 1;
    assert_int_equal(daas_buf_append(&want, "", 1), DAAS_OK);
    assert_int_equal(daas_sui_sender_signed_decode(bytes_of(&want), &txb, got, 2, &n, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "trailing"));
    daas_err_clear(&err);
    /* Wrong intent, no signatures to encode. */
    want.data[1] = 3;
    assert_int_equal(daas_sui_sender_signed_decode(bytes_of(&want), &txb, got, 2, &n, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "not a transaction intent"));
    daas_err_clear(&err);
    assert_int_equal(daas_sui_sender_signed_encode(bytes_of(&tx1), sigs, 0, &out, &err),
                     DAAS_EINVAL);
    daas_buf_fini(&tx1);
    daas_buf_fini(&want);
    daas_buf_fini(&sig);
    daas_buf_fini(&out);
}

/* Decodes hex expecting DAAS_EINVAL with `needle` in the message. */
static void expect_bad(const char *h, const char *needle)
{
    daas_buf in;
    daas_sui_tx tx;
    daas_err err = {0};
    unhex(h, &in);
    assert_int_equal(daas_sui_tx_decode(bytes_of(&in), &tx, &err), DAAS_EINVAL);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
    assert_null(tx.kind.inputs);
    assert_null(tx.gas.payment);
    daas_buf_fini(&in);
}

/* TX1 with hex position [off, off+n) (in hex chars) replaced by rep. */
static char *patch(const char *base, size_t off, size_t n, const char *rep)
{
    return daas_xasprintf("%.*s%s%s", (int)off, base, rep, base + off + n);
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    daas_buf in;
    unhex(TX1_HEX, &in);
    for (size_t len = 0; len < in.len; len++) {
        daas_sui_tx tx;
        daas_err err = {0};
        assert_int_equal(daas_sui_tx_decode(DAAS_BYTES(in.data, len), &tx, &err), DAAS_EINVAL);
        assert_true(strncmp(err.msg, "bcs: ", 5) == 0);
        assert_true(strstr(err.msg, "truncated") || strstr(err.msg, "runs past the input"));
    }
    daas_buf_fini(&in);
}

static void test_malformed(void **state)
{
    (void)state;
    struct {
        size_t off, n; /* in hex chars */
        const char *rep;
        const char *needle;
    } cases[] = {
        {0, 2, "01", "TransactionData: unknown variant 1"},
        {2, 2, "01", "system kind 1"},
        {2, 2, "0b", "TransactionKind: unknown variant 11"},
        {4, 2, "8200", "non-canonical ULEB128"},
        {4, 2, "82808080808000", "longer than 5 bytes"},
        {6, 2, "02", "FundsWithdrawal"},
        {6, 2, "03", "CallArg: unknown variant 3"},
        {96, 2, "07", "Command: unknown variant 7"},
        {98, 2, "04", "Argument: unknown variant 4"},
        {274, 2, "1f", "digest of 31 bytes"},
        {436, 2, "03", "TransactionExpiration: unknown variant 3"},
        {438, 0, "00", "1 trailing bytes at offset 219"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *h = patch(TX1_HEX, cases[i].off, cases[i].n, cases[i].rep);
        expect_bad(h, cases[i].needle);
        daas_free(h);
    }
    /* TX2: shared mutability 3 (was a bool) and a bad TypeTag. */
    char *h = patch(TX2_HEX, 240, 2, "03");
    expect_bad(h, "SharedObject mutability: unknown variant 3");
    daas_free(h);
    h = patch(TX2_HEX, 352, 2, "0b");
    expect_bad(h, "TypeTag: unknown variant 11");
    daas_free(h);
    /* TX3: Option tag 2 in ValidDuring (a bool-like tag). */
    h = patch(TX3_HEX, 292, 2, "02");
    expect_bad(h, "ValidDuring min_epoch: invalid Option tag 0x02");
    daas_free(h);
}

static void test_too_big(void **state)
{
    (void)state;
    daas_sui_tx tx;
    daas_err err = {0};
    uint8_t *big = daas_xcalloc(DAAS_SUI_TX_MAX_BYTES + 1, 1);
    assert_int_equal(daas_sui_tx_decode(DAAS_BYTES(big, DAAS_SUI_TX_MAX_BYTES + 1), &tx, &err),
                     DAAS_ETOOBIG);
    daas_free(big);
}

/* A PTB with one MoveCall whose single type argument is vector^depth<u8>. */
static char *nested_kind(unsigned depth)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_buf_puts(&b, "00"
                                       "00"
                                       "01"
                                       "00"),
                     DAAS_OK);
    for (int i = 0; i < 32; i++)
        assert_int_equal(daas_buf_puts(&b, "00"), DAAS_OK);
    assert_int_equal(daas_buf_puts(&b, "016d"
                                       "0166"
                                       "01"),
                     DAAS_OK);
    for (unsigned i = 0; i < depth; i++)
        assert_int_equal(daas_buf_puts(&b, "06"), DAAS_OK);
    assert_int_equal(daas_buf_puts(&b, "01"
                                       "00"),
                     DAAS_OK);
    return daas_buf_steal(&b, NULL);
}

static void test_type_depth(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_sui_ptb ptb;
    daas_buf in, out;
    char *ok = nested_kind(15), *bad = nested_kind(16);
    unhex(ok, &in);
    daas_buf_init(&out, 0);
    assert_int_equal(daas_sui_tx_kind_decode(bytes_of(&in), &ptb, &err), DAAS_OK);
    assert_int_equal(daas_sui_tx_kind_encode(&ptb, &out, &err), DAAS_OK);
    assert_int_equal(out.len, in.len);
    assert_memory_equal(out.data, in.data, in.len);
    daas_sui_ptb_fini(&ptb);
    daas_buf_fini(&in);
    unhex(bad, &in);
    assert_int_equal(daas_sui_tx_kind_decode(bytes_of(&in), &ptb, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "nested deeper than 16"));
    assert_null(ptb.commands);
    daas_buf_fini(&in);
    daas_buf_fini(&out);
    daas_free(ok);
    daas_free(bad);
}

/* Publish, MakeMoveVec (with a generic struct type) and Upgrade survive encode/decode/encode. */
static void test_structural_commands(void **state)
{
    (void)state;
    uint8_t mod_a[3] = {0xa1, 0x1c, 0xeb}, mod_b[1] = {0x00};
    daas_sui_module mods[2] = {{mod_a, 3}, {mod_b, 1}};
    uint8_t deps[2][32] = {{0}, {0}};
    deps[0][31] = 1;
    deps[1][31] = 2;
    daas_sui_typetag sui_t = {.kind = DAAS_SUI_TYPE_U64};
    daas_sui_structtag coin = {.module = "coin", .name = "Coin", .n_params = 1, .params = &sui_t};
    coin.address[31] = 2;
    daas_sui_arg elems[2] = {{.kind = DAAS_SUI_ARG_RESULT, .index = 0},
                             {.kind = DAAS_SUI_ARG_INPUT, .index = 65535}};
    daas_sui_command cmds[3] = {
        {.kind = DAAS_SUI_CMD_PUBLISH, .n_modules = 2, .modules = mods, .n_deps = 2, .deps = deps},
        {.kind = DAAS_SUI_CMD_MAKE_MOVE_VEC,
         .has_type = true,
         .vec_type = {.kind = DAAS_SUI_TYPE_STRUCT, .st = &coin},
         .n_args = 2,
         .args = elems},
        {.kind = DAAS_SUI_CMD_UPGRADE,
         .n_modules = 1,
         .modules = mods,
         .n_deps = 0,
         .arg = {.kind = DAAS_SUI_ARG_NESTED_RESULT, .index = 1, .sub = 2}},
    };
    memset(cmds[2].package, 0x77, 32);
    daas_sui_input in = {.kind = DAAS_SUI_INPUT_RECEIVING, .ref = {.version = 9}};
    daas_sui_ptb ptb = {.n_inputs = 1, .inputs = &in, .n_commands = 3, .commands = cmds}, back;
    daas_buf a, b;
    daas_err err = {0};
    daas_buf_init(&a, 0);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sui_tx_kind_encode(&ptb, &a, &err), DAAS_OK);
    assert_int_equal(daas_sui_tx_kind_decode(bytes_of(&a), &back, &err), DAAS_OK);
    assert_int_equal(back.inputs[0].kind, DAAS_SUI_INPUT_RECEIVING);
    assert_int_equal(back.inputs[0].ref.version, 9);
    assert_int_equal(back.commands[0].n_modules, 2);
    assert_memory_equal(back.commands[0].modules[0].bytes, mod_a, 3);
    assert_int_equal(back.commands[0].deps[1][31], 2);
    assert_true(back.commands[1].has_type);
    assert_string_equal(back.commands[1].vec_type.st->name, "Coin");
    assert_int_equal(back.commands[1].vec_type.st->params[0].kind, DAAS_SUI_TYPE_U64);
    assert_int_equal(back.commands[1].args[1].index, 65535);
    assert_int_equal(back.commands[2].package[0], 0x77);
    assert_int_equal(back.commands[2].arg.sub, 2);
    assert_int_equal(daas_sui_tx_kind_encode(&back, &b, &err), DAAS_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    daas_sui_ptb_fini(&back);
    daas_buf_fini(&a);
    daas_buf_fini(&b);
}

/* Parses text, checks its BCS (hex) and its canonical text. */
static void type_case(const char *text, const char *bcs_hex, const char *canon)
{
    daas_sui_typetag t;
    daas_buf want, got;
    daas_err err = {0};
    assert_int_equal(daas_sui_typetag_parse(text, &t, &err), DAAS_OK);
    unhex(bcs_hex, &want);
    daas_buf_init(&got, 0);
    assert_int_equal(daas_sui_typetag_encode(&t, &got, &err), DAAS_OK);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    daas_buf_reset(&got);
    assert_int_equal(daas_sui_typetag_format(&t, &got), DAAS_OK);
    assert_string_equal(got.data, canon);
    daas_sui_typetag_fini(&t);
    daas_buf_fini(&want);
    daas_buf_fini(&got);
}

#define A2 "0000000000000000000000000000000000000000000000000000000000000002"

/* SPEC: specs/sui.md §1.1 "TypeTag vector<u8>", "TypeTag 0x2::coin::Coin<0x2::sui::SUI>". */
static void test_typetag_text(void **state)
{
    (void)state;
    type_case("vector<u8>", "0601", "vector<u8>");
    type_case("0x2::coin::Coin<0x2::sui::SUI>",
              "07" A2 "04636f696e04436f696e0107" A2 "0373756903535549"
              "00",
              "0x" A2 "::coin::Coin<0x" A2 "::sui::SUI>");
    type_case(" vector < vector<u256> > ", "06060a", "vector<vector<u256>>");
    type_case("0x2::m::P<u8, 0x2::m::Q<bool,u128>>",
              "07" A2 "016d015002"
              "01"
              "07" A2 "016d0151"
              "02"
              "00"
              "03",
              "0x" A2 "::m::P<u8, 0x" A2 "::m::Q<bool, u128>>");
    type_case("address", "04", "address");
    type_case("signer", "05", "signer");
    type_case("u16", "08", "u16");
    type_case("u32", "09", "u32");
    type_case("u64", "02", "u64");
    static const char *bad[] = {
        "",
        "u7",
        "vector<u8",
        "0x2::coin",
        "0x::a::B",
        "0x2::1a::B",
        "u8 u8",
        "0x2::a::B<>",
        "0x2::a::B<u8,>",
        "vectorx<u8>",
        "0x00000000000000000000000000000000000000000000000000000000000000002::a::B",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        daas_sui_typetag t;
        daas_err err = {0};
        if (daas_sui_typetag_parse(bad[i], &t, &err) != DAAS_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(strstr(err.msg, "sui type: "));
        assert_int_equal(t.kind, 0);
        assert_null(t.st);
    }
    /* Nesting and parameter-count limits. */
    daas_buf deep;
    daas_buf_init(&deep, 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal(daas_buf_puts(&deep, "vector<"), DAAS_OK);
    assert_int_equal(daas_buf_puts(&deep, "u8>>>>>>>>>>>>>>>>"), DAAS_OK);
    daas_sui_typetag t;
    daas_err err = {0};
    assert_int_equal(daas_sui_typetag_parse(deep.data, &t, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "nested too deeply"));
    daas_buf_reset(&deep);
    assert_int_equal(daas_buf_puts(&deep, "0x2::a::B<u8"), DAAS_OK);
    for (int i = 0; i < 16; i++)
        assert_int_equal(daas_buf_puts(&deep, ",u8"), DAAS_OK);
    assert_int_equal(daas_buf_puts(&deep, ">"), DAAS_OK);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_typetag_parse(deep.data, &t, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "too many type parameters"));
    daas_buf_fini(&deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx1),
        cmocka_unit_test(test_tx2),
        cmocka_unit_test(test_tx3_valid_during),
        cmocka_unit_test(test_kind_only),
        cmocka_unit_test(test_build_tx1),
        cmocka_unit_test(test_sender_signed),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_type_depth),
        cmocka_unit_test(test_structural_commands),
        cmocka_unit_test(test_typetag_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
