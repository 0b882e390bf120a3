/*
 * fuzz_declog.c: libFuzzer target for the decision log reader and its replay
 *                (src/sched/declog.c, verify.c) on arbitrary files.
 *
 * Owns:   nothing. The input is a whole log file. Every record the reader returns must
 *         re-encode to its frame's body byte for byte (records are canonical); the reader
 *         either reaches the end (possibly over a torn tail) or fails with DAAS_EINVAL and a
 *         message. The replay must then give a report consistent with its return code
 *         (ok iff DAAS_OK; a failure names a record no further than the records read), with
 *         no crash, leak or UBSan report, and must be deterministic (a second run agrees).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "sched/declog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every record; returns how many were read before the end or an error. */
static uint64_t read_all(daas_bytes in)
{
    daas_declog_iter it;
    daas_declog_rec rec;
    daas_err err = {0};
    daas_buf b;
    size_t off = 0;
    bool more = true;
    daas_buf_init(&b, 0);
    int rc = daas_declog_iter_init(&it, in, &err);
    while (rc == DAAS_OK && more) {
        rc = daas_declog_next(&it, &rec, &off, &more, &err);
        if (rc != DAAS_OK || !more)
            break;
        daas_buf_reset(&b);
        const uint8_t *body = in.ptr + off + DAAS_DECLOG_FRAME_HEAD;
        size_t len = it.pos - off - DAAS_DECLOG_FRAME_HEAD;
        if (daas_declog_rec_encode(&rec, &b, NULL) != DAAS_OK || b.len != len ||
            memcmp(b.data, body, len) != 0)
            abort();
    }
    if (rc != DAAS_OK && (rc != DAAS_EINVAL || err.msg[0] == '\0'))
        abort();
    daas_buf_fini(&b);
    return it.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_log_set_level(DAAS_LOG_ERROR); /* torn tails warn on every input */
    daas_bytes in = DAAS_BYTES(data, size);
    uint64_t n = read_all(in);
    daas_declog_report r1, r2;
    daas_err err = {0};
    int rc = daas_declog_verify(in, NULL, 0, &r1, &err);
    if ((rc == DAAS_OK) != r1.ok || r1.ok == r1.has_failure || r1.records > n)
        abort();
    if (rc != DAAS_OK && (err.code != rc || r1.reason[0] == '\0' || r1.fail_record > n))
        abort();
    if (r1.n_batch_list != r1.batches)
        abort();
    int rc2 = daas_declog_verify(in, NULL, 0, &r2, NULL);
    if (rc2 != rc || r2.records != r1.records || strcmp(r2.reason, r1.reason) != 0)
        abort();
    daas_declog_report_fini(&r1);
    daas_declog_report_fini(&r2);
    return 0;
}
