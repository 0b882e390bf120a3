/*
 * fuzz_util.h: checks the decode → encode fuzz targets share (fuzz_sui_tx, fuzz_sched_delta).
 *
 * Owns:   nothing; static inline helpers that abort() when a property fails, so libFuzzer
 *         reports the input.
 */
#ifndef DAAS_TESTS_FUZZ_UTIL_H
#define DAAS_TESTS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"

/* A strict decoder refused the input: only DAAS_EINVAL or DAAS_ETOOBIG, recorded in err with
 * a message. */
static inline void fuzz_check_refusal(int rc, const daas_err *err)
{
    if ((rc != DAAS_EINVAL && rc != DAAS_ETOOBIG) || err->code != rc || err->msg[0] == '\0')
        abort();
}

/* Re-encoding what was decoded gave the input back, byte for byte. */
static inline void fuzz_check_same(const daas_buf *b, const uint8_t *data, size_t size)
{
    if (b->len != size || (size && memcmp(b->data, data, size) != 0))
        abort();
}

#endif
