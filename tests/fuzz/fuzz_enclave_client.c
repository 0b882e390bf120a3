/*
 * fuzz_enclave_client.c: libFuzzer target for the enclave client's reply parsers
 *                        (src/enclave/client.c): what an untrusted enclave, or whatever sits
 *                        on the channel, may send back to the API server.
 *
 * Owns:   nothing. The first byte picks the parser (mod 9): 0, 1 the HTTP response parser
 *         (eof = the selector's low bit), 2 /health_check, 3 /get_attestation, 4 a state
 *         reply (with "decisions"), 5 a deltas reply / an {"error"} reply, 6 a decision,
 *         7 a batch, 8 an admission decision (/sched/admit); the rest is the input. Any
 *         input either fails with DAAS_EREMOTE (or DAAS_EAGAIN for an incomplete HTTP
 *         response) and a message, or parses to values within their bounds; a parsed
 *         decision, batch or admission is then checked against a fixed key, which it cannot
 *         satisfy. Nothing may crash, leak or trip UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enclave/client.h"
#include "sched/admission.h"
#include "sched/rebalance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[32] = {7, 7, 7, 7};

static void check(int rc, const daas_err *err)
{
    if (rc == DAAS_OK)
        return;
    if (rc != DAAS_EREMOTE || err->code != rc || err->msg[0] == '\0')
        abort();
}

static void fuzz_http(daas_bytes in, bool eof)
{
    int status = 0;
    daas_bytes body = {0};
    size_t used = 0;
    bool ka = false;
    daas_err err = {0};
    int rc = daas_enclave_client_parse_http(in, eof, &status, &body, &used, &ka, &err);
    if (rc == DAAS_EAGAIN && !eof)
        return;
    check(rc, &err);
    if (rc == DAAS_OK && (status < 200 || status > 999 || used > in.len || body.ptr < in.ptr ||
                          body.ptr + body.len != in.ptr + used))
        abort();
}

static void fuzz_signed(daas_bytes in, bool batch)
{
    daas_sched_decision dec;
    uint8_t sig[64], root[32];
    uint64_t index, first, count, ts;
    daas_err err = {0};
    if (!batch) {
        int rc = daas_enclave_client_parse_decision(in, &dec, sig, &index, &err);
        check(rc, &err);
        if (rc == DAAS_OK && daas_sched_decision_verify(&dec, key, sig, NULL) == DAAS_OK)
            abort();
        return;
    }
    int rc = daas_enclave_client_parse_batch(in, root, &first, &count, &ts, sig, &err);
    check(rc, &err);
    if (rc == DAAS_OK && daas_enclave_client_batch_verify(key, root, first, count, ts, sig))
        abort();
}

static void fuzz_admit(daas_bytes in)
{
    daas_buf dec;
    uint8_t sig[64];
    uint64_t ts = 0, index = 0;
    daas_err err = {0};
    daas_buf_init(&dec, 0);
    int rc = daas_enclave_client_parse_admit(in, &dec, &ts, sig, &index, &err);
    check(rc, &err);
    if (rc != DAAS_OK && dec.len != 0)
        abort();
    if (rc == DAAS_OK && daas_sched_admission_verify(ts, DAAS_BYTES(dec.data, dec.len), key, sig))
        abort();
    daas_buf_reset(&dec);
    daas_err_clear(&err);
    rc = daas_enclave_client_parse_rebalance(in, &dec, &ts, sig, &index, &err); /* same shape */
    check(rc, &err);
    if (rc != DAAS_OK && dec.len != 0)
        abort();
    if (rc == DAAS_OK &&
        daas_sched_rebalance_verify(DAAS_BYTES(dec.data, dec.len), ts, sig, key, NULL) == DAAS_OK)
        abort();
    daas_buf_fini(&dec);
}

static void fuzz_bodies(unsigned sel, daas_bytes in)
{
    uint8_t pk[32], digest[32];
    uint64_t seq, n;
    char msg[64];
    bool has_seq;
    daas_buf doc;
    daas_err err = {0};
    if (sel == 2) {
        check(daas_enclave_client_parse_health(in, pk, &err), &err);
    } else if (sel == 3) {
        daas_buf_init(&doc, 0);
        int rc = daas_enclave_client_parse_attestation(in, &doc, &err);
        check(rc, &err);
        if (rc == DAAS_OK && doc.len > 20000)
            abort();
        daas_buf_fini(&doc);
    } else if (sel == 4) {
        check(daas_enclave_client_parse_state(in, &seq, digest, &n, &err), &err);
    } else {
        check(daas_enclave_client_parse_state(in, &seq, digest, NULL, &err), &err);
        daas_err_clear(&err);
        int rc = daas_enclave_client_parse_error(in, msg, sizeof msg, &has_seq, &seq, &err);
        check(rc, &err);
        if (rc == DAAS_OK && strlen(msg) >= sizeof msg)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned sel = data[0] % 9;
    daas_bytes in = DAAS_BYTES(data + 1, size - 1);
    if (sel <= 1)
        fuzz_http(in, sel == 1);
    else if (sel <= 5)
        fuzz_bodies(sel, in);
    else if (sel <= 7)
        fuzz_signed(in, sel == 7);
    else
        fuzz_admit(in);
    return 0;
}
