/*
 * fuzz_crilog.c: libFuzzer target for the CRI log record parser and renderer
 * (src/agent/crilog.c): container log files are written by the shim from untrusted
 * container output and read back by `kubectl logs`.
 *
 * Owns:   nothing. Besides "no crash, no leak, no UB", it checks properties:
 *   - a record that parses has a timestamp that formats and parses back to itself;
 *   - rendering with limitBytes gives a prefix of the unlimited output, of at most that
 *     many bytes; rendering with sinceTime gives no more than without.
 * The first two input bytes choose limitBytes and timestamps; the rest is the log file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/crilog.h"

static void check_records(const char *p, size_t n)
{
    for (size_t start = 0; start <= n;) {
        const char *nl = memchr(p + start, '\n', n - start);
        size_t end = nl != NULL ? (size_t)(nl - p) : n;
        daas_crilog_rec r;
        daas_err err = {0};
        if (daas_crilog_parse(p + start, end - start, &r, &err) == DAAS_OK) {
            char ts[31];
            int64_t back = -1;
            daas_crilog_format_time(r.ts_ns, ts);
            if (daas_crilog_parse_time(ts, 30, &back, NULL) != DAAS_OK || back != r.ts_ns)
                abort();
            if (r.text + r.len != p + end)
                abort();
        } else if (err.msg[0] == '\0') {
            abort();
        }
        start = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    check_records(p, n);
    daas_crilog_opts all = {-1, 0, (data[1] & 1) != 0, 0};
    daas_crilog_opts lim = all;
    lim.limit_bytes = data[0];
    daas_crilog_opts since = all;
    since.since_ns = 1767225603000000000LL; /* 2026-01-01T00:00:03Z */
    daas_buf a, b, c;
    daas_buf_init(&a, 1 << 22);
    daas_buf_init(&b, 1 << 22);
    daas_buf_init(&c, 1 << 22);
    if (daas_crilog_render(p, n, &all, &a, NULL) != DAAS_OK ||
        daas_crilog_render(p, n, &lim, &b, NULL) != DAAS_OK ||
        daas_crilog_render(p, n, &since, &c, NULL) != DAAS_OK)
        abort();
    if (lim.limit_bytes > 0 && (b.len > (size_t)lim.limit_bytes || b.len > a.len ||
                                (b.len > 0 && memcmp(a.data, b.data, b.len) != 0)))
        abort();
    if (c.len > a.len)
        abort();
    daas_buf_fini(&a);
    daas_buf_fini(&b);
    daas_buf_fini(&c);
    return 0;
}
