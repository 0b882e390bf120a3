/*
 * chain_int.h: the faucet reply parser of chain.c, exposed for its fuzz target
 * (tests/fuzz/fuzz_sui_faucet.c). Include only from chain.c and tests.
 *
 * Owns:   nothing beyond the declaration.
 */
#ifndef DAAS_SUI_CHAIN_INT_H
#define DAAS_SUI_CHAIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Parses a faucet reply (HTTP status, body): DAAS_OK with the MIST sent (sum of
 * coins_sent[].amount, saturating) in *amount, or DAAS_EREMOTE naming the faucet's failure. */
DAAS_MUST_USE int daas_sui__faucet_reply(long status, const char *body, size_t len,
                                         uint64_t *amount, daas_err *err);

#endif
