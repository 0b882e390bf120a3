/*
 * crilog.c: the CRI log format: timestamps, record parsing, the log shim's pump, and the
 * reader behind `kubectl logs` (tail, since, timestamps, limitBytes).
 *
 * Owns:   see crilog.h.
 * Invariants: daas_crilog_shim and daas_crilog_format_time use only system calls and
 *             stack memory (they run in a child forked from a threaded process); the
 *             reader's pending buffer is capped.
 * Spec:   kubelet CRI logging ("<RFC3339Nano> <stream> <P|F> <text>"), RFC 3339.
 */
#include "agent/crilog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Writes v as exactly w decimal digits at p. */
static void digits(char *p, uint64_t v, int w)
{
    for (int i = w - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

size_t daas_crilog_format_time(int64_t ns, char out[31])
{
    if (ns < 0) {
        ns = 0;
    }
    int64_t sec = ns / 1000000000, y;
    unsigned m, d;
    civil_from_days(sec / 86400, &y, &m, &d);
    int64_t sod = sec % 86400;
    memcpy(out, "0000-00-00T00:00:00.000000000Z", 31);
    digits(out, (uint64_t)y % 10000, 4);
    digits(out + 5, m, 2);
    digits(out + 8, d, 2);
    digits(out + 11, (uint64_t)(sod / 3600), 2);
    digits(out + 14, (uint64_t)(sod / 60 % 60), 2);
    digits(out + 17, (uint64_t)(sod % 60), 2);
    digits(out + 20, (uint64_t)(ns % 1000000000), 9);
    return 30;
}

/* Reads w digits at p into *v; false when one is not a digit. */
static bool num(const char *p, int w, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < w; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        *v = *v * 10 + (unsigned)(p[i] - '0');
    }
    return true;
}

static unsigned month_days(unsigned y, unsigned m)
{
    static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : md[m - 1];
}

/* Parses "YYYY-MM-DDTHH:MM:SS" into unix seconds. */
static bool parse_civil(const char *p, int64_t *sec)
{
    unsigned y, mo, d, h, mi, s;
    if (!num(p, 4, &y) || p[4] != '-' || !num(p + 5, 2, &mo) || p[7] != '-' || !num(p + 8, 2, &d) ||
        (p[10] != 'T' && p[10] != 't') || !num(p + 11, 2, &h) || p[13] != ':' ||
        !num(p + 14, 2, &mi) || p[16] != ':' || !num(p + 17, 2, &s)) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || s > 60) {
        return false;
    }
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

int daas_crilog_parse_time(const char *p, size_t n, int64_t *ns, daas_err *err)
{
    int64_t sec, frac = 0;
    if (n < 20 || !parse_civil(p, &sec)) {
        return daas_fail(err, DAAS_EINVAL, "timestamp: not RFC 3339");
    }
    size_t i = 19;
    if (p[i] == '.') {
        size_t nd = 0;
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, nd++) {
            if (nd < 9) {
                frac = frac * 10 + (p[i] - '0');
            }
        }
        if (nd == 0) {
            return daas_fail(err, DAAS_EINVAL, "timestamp: empty fraction");
        }
        for (; nd < 9; nd++) {
            frac *= 10;
        }
    }
    if (i + 1 == n && (p[i] == 'Z' || p[i] == 'z')) {
        /* UTC */
    } else if (i + 6 == n && (p[i] == '+' || p[i] == '-') && p[i + 3] == ':') {
        unsigned oh, om;
        if (!num(p + i + 1, 2, &oh) || !num(p + i + 4, 2, &om) || oh > 23 || om > 59) {
            return daas_fail(err, DAAS_EINVAL, "timestamp: bad offset");
        }
        int64_t off = (int64_t)oh * 3600 + om * 60;
        sec += p[i] == '+' ? -off : off;
    } else {
        return daas_fail(err, DAAS_EINVAL, "timestamp: no zone");
    }
    /* int64 nanoseconds cover 1677..2262 */
    if (sec < 0 || sec > INT64_MAX / 1000000000 - 1) {
        return daas_fail(err, DAAS_EINVAL, "timestamp: out of range");
    }
    *ns = sec * 1000000000 + frac;
    return DAAS_OK;
}

int daas_crilog_parse(const char *p, size_t n, daas_crilog_rec *out, daas_err *err)
{
    const char *sp = memchr(p, ' ', n);
    if (sp == NULL) {
        return daas_fail(err, DAAS_EINVAL, "log record: no timestamp");
    }
    int rc = daas_crilog_parse_time(p, (size_t)(sp - p), &out->ts_ns, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    size_t i = (size_t)(sp - p) + 1;
    if (n - i >= 8 && memcmp(p + i, "stdout ", 7) == 0) {
        out->stream = DAAS_CRILOG_STDOUT;
    } else if (n - i >= 8 && memcmp(p + i, "stderr ", 7) == 0) {
        out->stream = DAAS_CRILOG_STDERR;
    } else {
        return daas_fail(err, DAAS_EINVAL, "log record: bad stream");
    }
    i += 7;
    if (p[i] != 'F' && p[i] != 'P') {
        return daas_fail(err, DAAS_EINVAL, "log record: bad tag");
    }
    out->partial = p[i] == 'P';
    i++;
    if (i < n && p[i] != ' ') {
        return daas_fail(err, DAAS_EINVAL, "log record: bad tag");
    }
    i += i < n;
    out->text = p + i;
    out->len = n - i;
    return DAAS_OK;
}

/* ---- the shim ---- */

typedef struct pipe_st {
    int fd;                          /* -1 once at EOF */
    const char *name;                /* "stdout" / "stderr" */
    size_t used;                     /* bytes in line */
    char line[DAAS_CRILOG_MAX_LINE]; /* the line being collected */
} pipe_st;

/* Writes one record with one write(2) (retrying short writes, which O_APPEND regular
 * files do not make). A failed write (disk full) drops the record: the shim must keep
 * draining the pipes or the container would block on its next write. */
static void put_record(int log_fd, const char *name, bool partial, const char *t, size_t n)
{
    char rec[64 + DAAS_CRILOG_MAX_LINE]; /* 30 ts + " stdout F " + text + "\n" */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t l = daas_crilog_format_time((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, rec);
    rec[l++] = ' ';
    memcpy(rec + l, name, 6);
    l += 6;
    rec[l++] = ' ';
    rec[l++] = partial ? 'P' : 'F';
    rec[l++] = ' ';
    memcpy(rec + l, t, n);
    l += n;
    rec[l++] = '\n';
    for (size_t off = 0; off < l;) {
        ssize_t w = write(log_fd, rec + off, l - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return;
        }
        off += (size_t)w;
    }
}

/* Emits every complete line in s->line (and a P record when it is full). */
static void flush_lines(pipe_st *s, int log_fd, size_t scan_from)
{
    size_t start = 0;
    for (size_t i = scan_from; i < s->used; i++) {
        if (s->line[i] == '\n') {
            put_record(log_fd, s->name, false, s->line + start, i - start);
            start = i + 1;
        }
    }
    memmove(s->line, s->line + start, s->used - start);
    s->used -= start;
    if (s->used == sizeof s->line) {
        s->used = 0;
        put_record(log_fd, s->name, true, s->line, sizeof s->line);
    }
}

/* Reads what fd has (0, or the errno of a failed read); at EOF emits the unterminated rest as a
 * full record. */
static int pump_one(pipe_st *s, int log_fd)
{
    ssize_t n = read(s->fd, s->line + s->used, sizeof s->line - s->used);
    if (n < 0) {
        return errno == EINTR || errno == EAGAIN ? 0 : errno;
    }
    if (n == 0) {
        close(s->fd);
        s->fd = -1;
        if (s->used > 0) {
            put_record(log_fd, s->name, false, s->line, s->used);
        }
        s->used = 0;
        return 0;
    }
    size_t from = s->used;
    s->used += (size_t)n;
    flush_lines(s, log_fd, from);
    return 0;
}

int daas_crilog_shim(int out_fd, int err_fd, int log_fd)
{
    /* about 32 KiB of stack for the two lines, plus a record in put_record */
    pipe_st st[2];
    st[0].fd = out_fd, st[0].name = "stdout", st[0].used = 0;
    st[1].fd = err_fd, st[1].name = "stderr", st[1].used = 0;
    while (st[0].fd >= 0 || st[1].fd >= 0) {
        struct pollfd p[2] = {{st[0].fd, POLLIN, 0}, {st[1].fd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        for (int i = 0; i < 2; i++) {
            if (st[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                int e = pump_one(&st[i], log_fd);
                if (e != 0) {
                    return e;
                }
            }
        }
    }
    return 0;
}

/* ---- the reader ---- */

/* Appends at most what limit_bytes still allows; sets *limited when it cut. */
static int put_limited(daas_buf *out, const daas_crilog_opts *o, int64_t *emitted, bool *limited,
                       const char *p, size_t n)
{
    if (o->limit_bytes > 0 && *emitted + (int64_t)n >= o->limit_bytes) {
        n = (size_t)(o->limit_bytes - *emitted);
        *limited = true;
    }
    *emitted += (int64_t)n;
    return n > 0 ? daas_buf_append(out, p, n) : DAAS_OK;
}

/* The output of one record (a malformed one gives nothing). */
static int emit_record(const char *p, size_t n, const daas_crilog_opts *o, int64_t *emitted,
                       bool *limited, daas_buf *out)
{
    daas_crilog_rec r;
    if (*limited || daas_crilog_parse(p, n, &r, NULL) != DAAS_OK ||
        (o->since_ns > 0 && r.ts_ns < o->since_ns)) {
        return DAAS_OK;
    }
    int rc = DAAS_OK;
    if (o->timestamps) {
        char ts[32];
        size_t tl = daas_crilog_format_time(r.ts_ns, ts);
        ts[tl++] = ' ';
        rc = put_limited(out, o, emitted, limited, ts, tl);
    }
    if (rc == DAAS_OK && !*limited) {
        rc = put_limited(out, o, emitted, limited, r.text, r.len);
    }
    if (rc == DAAS_OK && !*limited && !r.partial) {
        rc = put_limited(out, o, emitted, limited, "\n", 1);
    }
    return rc;
}

/* Emits the complete records of p[0..n); *used: bytes up to the last complete one. */
static int emit_all(const char *p, size_t n, const daas_crilog_opts *o, int64_t *emitted,
                    bool *limited, daas_buf *out, size_t *used)
{
    size_t start = 0;
    int rc = DAAS_OK;
    for (const char *nl; rc == DAAS_OK && (nl = memchr(p + start, '\n', n - start)) != NULL;) {
        size_t end = (size_t)(nl - p);
        rc = emit_record(p + start, end - start, o, emitted, limited, out);
        start = end + 1;
    }
    *used = start;
    return rc;
}

int daas_crilog_render(const char *p, size_t n, const daas_crilog_opts *o, daas_buf *out,
                       daas_err *err)
{
    int64_t emitted = 0;
    bool limited = false;
    size_t used;
    int rc = emit_all(p, n, o, &emitted, &limited, out, &used);
    if (rc == DAAS_OK && used < n) { /* a last record without its newline */
        rc = emit_record(p + used, n - used, o, &emitted, &limited, out);
    }
    if (rc != DAAS_OK) {
        return daas_fail(err, rc, "logs: output over %zu bytes", out->max);
    }
    return DAAS_OK;
}

/* Offset of the first of the last n records of the file (n >= 0). */
static off_t tail_start(int fd, off_t size, int64_t n)
{
    char chunk[8192];
    off_t pos = size;
    int64_t seen = 0;
    bool first = true; /* the file's very last byte: a record's own newline */
    while (pos > 0) {
        size_t len = pos > (off_t)sizeof chunk ? sizeof chunk : (size_t)pos;
        pos -= (off_t)len;
        if (pread(fd, chunk, len, pos) != (ssize_t)len) {
            return 0;
        }
        for (size_t i = len; i-- > 0;) {
            if (chunk[i] != '\n') {
                first = false;
                continue;
            }
            if (first) {
                first = false;
                if (n == 0) {
                    return size;
                }
                continue;
            }
            if (++seen >= n) {
                return pos + (off_t)i + 1;
            }
        }
    }
    return 0;
}

int daas_crilog_open(daas_crilog_reader *r, const char *path, const daas_crilog_opts *o,
                     daas_err *err)
{
    memset(r, 0, sizeof *r);
    r->o = *o;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        return daas_fail(err, daas_from_errno(errno), "log %s: %s", path, strerror(errno));
    }
    daas_buf_init(&r->pend, 2 * DAAS_CRILOG_MAX_LINE + (1 << 20));
    if (o->tail_lines >= 0) {
        struct stat st;
        off_t start = fstat(r->fd, &st) == 0 ? tail_start(r->fd, st.st_size, o->tail_lines) : 0;
        if (lseek(r->fd, start, SEEK_SET) < 0) {
            /* stay at 0: all records */
        }
    }
    return DAAS_OK;
}

int daas_crilog_read(daas_crilog_reader *r, daas_buf *out, bool *progress, daas_err *err)
{
    char chunk[65536];
    *progress = false;
    for (int i = 0; i < 16 && !r->limited; i++) {
        ssize_t n = read(r->fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return daas_fail(err, DAAS_EIO, "log read: %s", strerror(errno));
        }
        if (n == 0) {
            break;
        }
        *progress = true;
        if (daas_buf_append(&r->pend, chunk, (size_t)n) != DAAS_OK) {
            daas_buf_reset(&r->pend); /* a line far over any record's size: garbage */
            continue;
        }
        size_t used;
        int rc = emit_all(r->pend.data, r->pend.len, &r->o, &r->emitted, &r->limited, out, &used);
        if (rc != DAAS_OK) {
            return daas_fail(err, rc, "logs: output over %zu bytes", out->max);
        }
        memmove(r->pend.data, r->pend.data + used, r->pend.len - used + 1);
        r->pend.len -= used;
    }
    return DAAS_OK;
}

void daas_crilog_close(daas_crilog_reader *r)
{
    if (r->fd >= 0) {
        close(r->fd);
    }
    r->fd = -1;
    daas_buf_fini(&r->pend);
}
