/*
 * fuzz_etcd_snapshot.c: the etcd snapshot stream as daas_store_snapshot_save_etcd reads it:
 *                       arbitrary bytes cut into lines by daas_store_etcd__lines, each line
 *                       parsed by daas_store__snap_etcd_message.
 *
 * Owns:   nothing across runs; every buffer is freed.
 * Checks: no crash, leak or UB; a refused message is DAAS_EREMOTE with a message; an accepted
 *         one has remaining_bytes >= 0 and a blob no longer than its line; feeding the same
 *         bytes in one piece or in small chunks hands out the same messages (same count, same
 *         blob bytes, same last remaining_bytes, same result) and leaves nothing behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "store/etcd.h"
#include "store/snapshot_int.h"

typedef struct run {
    daas_buf blob;     /* the last decoded blob */
    int nmsg;          /* messages accepted */
    uint64_t total;    /* blob bytes accepted */
    uint64_t hash;     /* FNV-1a over every accepted blob byte */
    int64_t remaining; /* remaining_bytes of the last accepted message */
} run;

static int on_line(void *ud, const char *p, size_t n)
{
    run *r = ud;
    daas_err err = {0};
    int64_t rem = -1;
    int rc = daas_store__snap_etcd_message(p, n, &r->blob, &rem, &err);
    if (rc != DAAS_OK) {
        if (rc != DAAS_EREMOTE || err.code != rc || err.msg[0] == '\0')
            abort();
        return rc;
    }
    if (rem < 0 || r->blob.len > n)
        abort();
    for (size_t i = 0; i < r->blob.len; i++)
        r->hash = (r->hash ^ (uint8_t)r->blob.data[i]) * 1099511628211u;
    r->total += r->blob.len;
    r->remaining = rem;
    r->nmsg++;
    return DAAS_OK;
}

/* Feeds data to the splitter chunk bytes at a time, then ends the stream. */
static int feed(const uint8_t *data, size_t size, size_t chunk, run *r)
{
    daas_buf line;
    daas_buf_init(&line, 0);
    daas_buf_init(&r->blob, 0);
    r->hash = 14695981039346656037u;
    int rc = DAAS_OK;
    for (size_t off = 0; rc == DAAS_OK && off < size; off += chunk) {
        size_t k = size - off < chunk ? size - off : chunk;
        rc = daas_buf_append(&line, data + off, k);
        if (rc == DAAS_OK)
            rc = daas_store_etcd__lines(&line, false, on_line, r);
    }
    if (rc == DAAS_OK)
        rc = daas_store_etcd__lines(&line, true, on_line, r);
    if (rc == DAAS_OK && line.len != 0) /* the end of a stream hands out everything */
        abort();
    daas_buf_fini(&line);
    daas_buf_fini(&r->blob);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run whole = {0}, parts = {0};
    int rc1 = feed(data, size, size > 0 ? size : 1, &whole);
    /* small chunks, but at most ~32 of them: keeps a long line from costing O(n^2) */
    size_t chunk = size > 0 ? 1 + data[0] % 61u : 1;
    if (chunk < size / 32)
        chunk = size / 32;
    int rc2 = feed(data, size, chunk, &parts);
    if (rc1 != rc2 || whole.nmsg != parts.nmsg || whole.total != parts.total ||
        whole.hash != parts.hash || whole.remaining != parts.remaining)
        abort();
    return 0;
}
