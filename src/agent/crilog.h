/*
 * crilog.h: container log files in the kubelet's CRI format: the writer (the log shim that
 * holds a container's stdout/stderr pipes) and the reader behind `kubectl logs`.
 *
 * Format: one record per line, "<RFC3339Nano UTC> <stdout|stderr> <F|P> <text>\n"; a line
 * of the container longer than DAAS_CRILOG_MAX_LINE bytes is split into P (partial) records
 * ended by an F (full) one; F means the text ended with a newline (not stored).
 * Owns:   the shim's pipes and log descriptor while it runs; a reader's file descriptor and
 *         its line buffer.
 * Does not own: rotation (none: one file per container run), where the file lives
 *         (runtime.h).
 * Invariants:
 *   - the shim writes each record with one write(2) on an O_APPEND descriptor, so a reader
 *     never sees records interleaved; it only allocates nothing and calls only
 *     async-signal-safe functions (it may run in a child forked from a threaded agent);
 *   - the reader hands out complete records only; a malformed record is skipped, never a
 *     crash; its buffers are capped.
 * Spec:   kubelet pkg/kubelet/kuberuntime/logs (CRI log format, tail/since/limitBytes/
 *         timestamps semantics); Kubernetes PodLogOptions.
 */
#ifndef DAAS_AGENT_CRILOG_H
#define DAAS_AGENT_CRILOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_CRILOG_MAX_LINE 16384

enum { DAAS_CRILOG_STDOUT = 1, DAAS_CRILOG_STDERR = 2 };

/* One parsed record. text points into the parsed bytes. */
typedef struct daas_crilog_rec {
    int64_t ts_ns;    /* unix nanoseconds */
    int stream;       /* DAAS_CRILOG_STDOUT / STDERR */
    bool partial;     /* P tag */
    const char *text; /* without the record's newline */
    size_t len;
} daas_crilog_rec;

/* Parses one record p[0..n) (without its '\n'). DAAS_EINVAL when malformed. Pure. */
DAAS_MUST_USE int daas_crilog_parse(const char *p, size_t n, daas_crilog_rec *out, daas_err *err);
/* Parses an RFC 3339 timestamp with up to 9 fraction digits and Z or ±hh:mm into unix
 * nanoseconds. Pure. */
DAAS_MUST_USE int daas_crilog_parse_time(const char *p, size_t n, int64_t *ns, daas_err *err);
/* Formats unix nanoseconds as "2026-11-21T13:59:02.123456789Z" (31 bytes with the NUL).
 * Async-signal-safe. Returns the length (30). */
size_t daas_crilog_format_time(int64_t ns, char out[31]);

/* The shim: reads the container's stdout (out_fd) and stderr (err_fd) until both reach
 * EOF, writing CRI records to log_fd (opened O_APPEND). Returns 0 when both pipes closed,
 * else the errno of a failed read/poll. Async-signal-safe; no allocation. */
int daas_crilog_shim(int out_fd, int err_fd, int log_fd);

/* What to read (PodLogOptions). */
typedef struct daas_crilog_opts {
    int64_t tail_lines;  /* < 0: all; else the last N records */
    int64_t since_ns;    /* 0: all; else records at or after this time */
    bool timestamps;     /* prefix each record's text with "<ts> " */
    int64_t limit_bytes; /* <= 0: no limit; else stop after this many output bytes */
} daas_crilog_opts;

typedef struct daas_crilog_reader {
    int fd; /* the log file */
    daas_crilog_opts o;
    daas_buf pend;   /* bytes read but not yet a complete record */
    int64_t emitted; /* output bytes produced so far */
    bool limited;    /* limit_bytes reached: nothing more will be produced */
} daas_crilog_reader;

/* Opens path for reading, positioned at the first record tail_lines asks for. DAAS_ENOTFOUND
 * when the file does not exist. Caller storage; daas_crilog_close. */
DAAS_MUST_USE int daas_crilog_open(daas_crilog_reader *r, const char *path,
                                   const daas_crilog_opts *o, daas_err *err);
/* Reads what the file holds now (at most about 1 MiB per call) and appends the output of
 * its complete records to out (the text, a newline after F records, timestamps when
 * asked, since/limit applied). *progress: true when any bytes were read. DAAS_EIO on a
 * read error; DAAS_ETOOBIG when out's cap is reached. */
DAAS_MUST_USE int daas_crilog_read(daas_crilog_reader *r, daas_buf *out, bool *progress,
                                   daas_err *err);
void daas_crilog_close(daas_crilog_reader *r);

/* Formats the records of a whole CRI log held in memory (no tail: callers tail files):
 * since/timestamps/limit as above, appended to out. Pure (the fuzz target uses it). */
DAAS_MUST_USE int daas_crilog_render(const char *p, size_t n, const daas_crilog_opts *o,
                                     daas_buf *out, daas_err *err);

#endif
