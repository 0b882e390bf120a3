/*
 * ks_test.h: PTB building helpers the key server's tests share (test_ptbcheck.c,
 * test_keyserver.c): a fetch_key PTB (BCS ProgrammableTransaction without the kind tag) from
 * a list of calls. Include after <cmocka.h>.
 *
 * Owns:   nothing; each helper fills a caller buffer.
 */
#ifndef DAAS_TESTS_KS_TEST_H
#define DAAS_TESTS_KS_TEST_H

#include <stdint.h>
#include <string.h>

#include "common/alloc.h"
#include "sui/tx.h"

/* Encodes ptb as fetch_key's "ptb" (TransactionKind bytes minus the leading 0x00) into out. */
static inline void kst_encode(const daas_sui_ptb *ptb, daas_buf *out)
{
    daas_buf k;
    daas_err err = {0};

    daas_buf_init(&k, 0);
    assert_int_equal(daas_sui_tx_kind_encode(ptb, &k, &err), DAAS_OK);
    assert_int_equal((uint8_t)k.data[0], 0);
    daas_buf_reset(out);
    assert_int_equal(daas_buf_append(out, k.data + 1, k.len - 1), DAAS_OK);
    daas_buf_fini(&k);
}

/* Pure input holding BCS vector<u8>(id) (id < 128 bytes); storage is caller's (>= len+1). */
static inline daas_sui_input kst_pure_id(uint8_t *storage, const void *id, size_t len)
{
    storage[0] = (uint8_t)len;
    memcpy(storage + 1, id, len);
    return (daas_sui_input){.kind = DAAS_SUI_INPUT_PURE, .pure = storage, .pure_len = len + 1};
}

/* A MoveCall to pkg::module::function with args (borrowed). */
static inline daas_sui_command kst_call(const uint8_t pkg[32], const char *module,
                                        const char *function, daas_sui_arg *args, size_t n)
{
    daas_sui_command c = {0};
    c.kind = DAAS_SUI_CMD_MOVE_CALL;
    memcpy(c.package, pkg, 32);
    c.module = (char *)module;
    c.function = (char *)function;
    c.args = args;
    c.n_args = n;
    return c;
}

#endif
