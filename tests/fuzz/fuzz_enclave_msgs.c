/*
 * fuzz_enclave_msgs.c: the enclave's small message parsers from arbitrary bytes: the NSM
 * response decoder (enclave/nsm.c, CBOR from /dev/nsm) and the Nautilus IntentMessage parser
 * (enclave/intent.c, what a verifier of enclave signatures reads).
 *
 * Input:  first byte even → NSM response, odd → IntentMessage; the rest is the message.
 * Checks: no crash, leak or UB; a failure has a negative code and a message; a parsed
 *         IntentMessage's payload lies inside the input and re-encodes to the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enclave/enclave.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    daas_bytes msg = DAAS_BYTES(data + 1, size - 1);
    daas_err err = {0};
    if ((data[0] & 1) == 0) {
        daas_buf doc = {0};
        int rc = daas_enclave_nsm_response(msg, &doc, &err);
        if (rc != DAAS_OK && (rc >= 0 || err.msg[0] == '\0'))
            abort();
        daas_buf_fini(&doc);
        return 0;
    }
    uint8_t intent = 0;
    uint64_t ts = 0;
    daas_bytes payload = {0};
    int rc = daas_enclave_intent_parse(msg, &intent, &ts, &payload, &err);
    if (rc != DAAS_OK) {
        if (rc >= 0 || err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (payload.len > 0 && (payload.ptr < msg.ptr || payload.ptr + payload.len > msg.ptr + msg.len))
        abort();
    daas_buf again = {0};
    if (daas_enclave_intent_bcs(intent, ts, payload, &again, NULL) != DAAS_OK ||
        again.len != msg.len || memcmp(again.data, msg.ptr, msg.len) != 0)
        abort();
    daas_buf_fini(&again);
    return 0;
}
