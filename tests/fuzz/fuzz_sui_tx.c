/*
 * fuzz_sui_tx.c: libFuzzer target for the Sui TransactionData decoder (src/sui/tx_decode.c).
 *
 * Owns:   nothing. Any input either fails with DAAS_EINVAL / DAAS_ETOOBIG and nothing
 *         allocated, or decodes to a transaction whose re-encoding is the input byte for byte
 *         (BCS is canonical). The same holds for the TransactionKind-only decoder; the
 *         SenderSignedData splitter must return slices inside the input; read as Move type
 *         text, a parsed type formats and re-parses to the same BCS. ASan/UBSan catch the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sui/tx.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_tx(const uint8_t *data, size_t size)
{
    daas_sui_tx tx;
    daas_err err = {0};
    int rc = daas_sui_tx_decode(DAAS_BYTES(data, size), &tx, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sui_tx_encode(&tx, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    daas_sui_tx_digest(DAAS_BYTES(data, size), d);
    daas_buf_fini(&b);
    daas_sui_tx_fini(&tx);
}

static void fuzz_kind(const uint8_t *data, size_t size)
{
    daas_sui_ptb ptb;
    daas_err err = {0};
    int rc = daas_sui_tx_kind_decode(DAAS_BYTES(data, size), &ptb, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sui_tx_kind_encode(&ptb, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
    daas_sui_ptb_fini(&ptb);
}

static void fuzz_signed(const uint8_t *data, size_t size)
{
    daas_bytes tx = {0}, sigs[4];
    size_t n = 0;
    daas_err err = {0};
    int rc = daas_sui_sender_signed_decode(DAAS_BYTES(data, size), &tx, sigs, 4, &n, &err);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    if (tx.ptr < data || tx.ptr + tx.len > data + size || n == 0 || n > 4)
        abort();
    daas_buf b;
    daas_buf_init(&b, 0);
    if (daas_sui_sender_signed_encode(tx, sigs, n, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, data, size);
    daas_buf_fini(&b);
}

/* The input as Move type text: when it parses, format -> parse gives the same BCS. */
static void fuzz_type_text(const uint8_t *data, size_t size)
{
    daas_sui_typetag t, t2;
    daas_err err = {0};
    if (size > 4096)
        return;
    char *s = daas_xstrndup((const char *)data, size);
    int rc = daas_sui_typetag_parse(s, &t, &err);
    daas_free(s);
    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        return;
    }
    daas_buf text, a, b;
    daas_buf_init(&text, 0);
    daas_buf_init(&a, 0);
    daas_buf_init(&b, 0);
    if (daas_sui_typetag_format(&t, &text) != DAAS_OK ||
        daas_sui_typetag_parse(text.data, &t2, &err) != DAAS_OK ||
        daas_sui_typetag_encode(&t, &a, &err) != DAAS_OK ||
        daas_sui_typetag_encode(&t2, &b, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b, (const uint8_t *)a.data, a.len);
    daas_sui_typetag_fini(&t);
    daas_sui_typetag_fini(&t2);
    daas_buf_fini(&text);
    daas_buf_fini(&a);
    daas_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_type_text(data, size);
    fuzz_tx(data, size);
    fuzz_kind(data, size);
    fuzz_signed(data, size);
    return 0;
}
