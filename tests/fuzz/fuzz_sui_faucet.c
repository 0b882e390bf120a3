/*
 * fuzz_sui_faucet.c: the faucet reply parser (sui/chain.c) from arbitrary bytes.
 *
 * Input:  the first byte picks the HTTP status (200 or 4xx/5xx), the rest is the body.
 * Checks: no crash, leak or UB; a success only with status 200; a failure is DAAS_EREMOTE
 *         with a non-empty message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sui/chain_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 400, 429, 500};
    long status = size > 0 ? statuses[data[0] % 4] : 200;
    const char *body = size > 0 ? (const char *)data + 1 : "";
    size_t len = size > 0 ? size - 1 : 0;
    uint64_t amount = 0;
    daas_err err = {0};
    int rc = daas_sui__faucet_reply(status, body, len, &amount, &err);
    if (rc == DAAS_OK && status != 200)
        abort();
    if (rc != DAAS_OK && (rc != DAAS_EREMOTE || err.msg[0] == '\0'))
        abort();
    return 0;
}
