/*
 * resp.c: an incremental HTTP/1.1 response parser for the benchmark's clients.
 *
 * Owns:   framing only: the status line, Content-Length, Transfer-Encoding: chunked,
 *         Connection: close. Header values other than those are never looked at.
 * Not:    sockets or TLS (conn.c, watch.c); the body's meaning (callers' on_body).
 * Invariants: bytes are consumed exactly up to the end of one response, so a keep-alive
 *             connection's next response starts at the first unconsumed byte.
 * Spec:   RFC 9112 §6 (message body length), §7.1 (chunked).
 */
#include <string.h>
#include <strings.h>

#include "bench.h"
#include "common/util.h"

enum { RS_HEAD, RS_LEN, RS_CSIZE, RS_CDATA, RS_CEND, RS_TRAILER, RS_EOF, RS_DONE };

void daas_bench_resp_init(daas_bench_resp *r, daas_bench_body_fn on_body, void *ud)
{
    r->state = RS_HEAD;
    r->status = 0;
    r->chunked = false;
    r->close = false;
    r->remain = 0;
    r->body_len = 0;
    r->headlen = 0;
    r->linelen = 0;
    r->on_body = on_body;
    r->ud = ud;
}

bool daas_bench_resp_done(const daas_bench_resp *r)
{
    return r->state == RS_DONE;
}

bool daas_bench_resp_head_done(const daas_bench_resp *r)
{
    return r->state != RS_HEAD;
}

/* Value of header field name in the parsed head (NUL-terminated lines), or NULL. */
static const char *field(const daas_bench_resp *r, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p != NULL && p[2] != '\r') {
        const char *line = p + 2;
        const char *end = strstr(line, "\r\n");
        if (end == NULL)
            return NULL;
        if ((size_t)(end - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            v += strspn(v, " \t");
            *vlen = (size_t)(end - v);
            return v;
        }
        p = end;
    }
    return NULL;
}

/* Parses "HTTP/1.1 200 ..." and the framing fields; picks the body state. */
static int parse_head(daas_bench_resp *r)
{
    size_t vl = 0;
    const char *v;
    if (strncmp(r->head, "HTTP/1.", 7) != 0 || r->head[8] != ' ')
        return DAAS_EINVAL;
    r->status = 0;
    for (int i = 9; i < 12; i++) {
        if (r->head[i] < '0' || r->head[i] > '9')
            return DAAS_EINVAL;
        r->status = r->status * 10 + (r->head[i] - '0');
    }
    v = field(r, "Connection", &vl);
    r->close = v != NULL && vl >= 5 && strncasecmp(v, "close", 5) == 0;
    v = field(r, "Transfer-Encoding", &vl);
    r->chunked = v != NULL && vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0;
    if (r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200)) {
        r->state = RS_DONE;
        return DAAS_OK;
    }
    if (r->chunked) {
        r->state = RS_CSIZE;
        return DAAS_OK;
    }
    v = field(r, "Content-Length", &vl);
    if (v == NULL) {
        r->state = RS_EOF; /* body ends when the server closes */
        r->close = true;
        return DAAS_OK;
    }
    r->remain = 0;
    for (size_t i = 0; i < vl && v[i] >= '0' && v[i] <= '9'; i++) {
        if (r->remain > (INT64_MAX - 9) / 10)
            return DAAS_EINVAL;
        r->remain = r->remain * 10 + (v[i] - '0');
    }
    r->state = r->remain > 0 ? RS_LEN : RS_DONE;
    return DAAS_OK;
}

/* Appends to the head until the blank line; returns bytes consumed or a negative code. */
static int feed_head(daas_bench_resp *r, const char *p, size_t n, size_t *used)
{
    size_t room = sizeof r->head - 1 - r->headlen;
    size_t take = n < room ? n : room;
    size_t from = r->headlen > 3 ? r->headlen - 3 : 0;
    memcpy(r->head + r->headlen, p, take);
    r->headlen += take;
    r->head[r->headlen] = '\0';
    const char *end = memmem(r->head + from, r->headlen - from, "\r\n\r\n", 4);
    if (end == NULL) {
        *used = take;
        return take == n ? DAAS_OK : DAAS_EHEADERS;
    }
    size_t headend = (size_t)(end - r->head) + 4;
    *used = take - (r->headlen - headend);
    r->headlen = headend;
    r->head[headend] = '\0';
    return parse_head(r);
}

/* Reads one CRLF-terminated line into r->line; *got says whether it is complete. */
static int feed_line(daas_bench_resp *r, const char *p, size_t n, size_t *used, bool *got)
{
    const char *nl = memchr(p, '\n', n);
    size_t take = nl != NULL ? (size_t)(nl - p) + 1 : n;
    if (r->linelen + take >= sizeof r->line)
        return DAAS_EINVAL;
    memcpy(r->line + r->linelen, p, take);
    r->linelen += take;
    r->line[r->linelen] = '\0';
    *used = take;
    *got = nl != NULL;
    return DAAS_OK;
}

/* A complete line in the chunk framing states: size, end of data, trailer. */
static int on_line(daas_bench_resp *r)
{
    bool blank = r->linelen <= 2 && (r->line[0] == '\r' || r->line[0] == '\n');
    if (r->state == RS_CEND) {
        r->linelen = 0;
        if (!blank)
            return DAAS_EINVAL;
        r->state = RS_CSIZE;
        return DAAS_OK;
    }
    if (r->state == RS_TRAILER) {
        r->linelen = 0;
        if (blank)
            r->state = RS_DONE;
        return DAAS_OK;
    }
    int64_t size = 0;
    size_t i = 0;
    for (; i < r->linelen && daas_hexval(r->line[i]) >= 0; i++) {
        if (size > (INT64_MAX >> 4))
            return DAAS_EINVAL;
        size = size * 16 + daas_hexval(r->line[i]);
    }
    if (i == 0)
        return DAAS_EINVAL;
    r->linelen = 0;
    r->remain = size;
    r->state = size > 0 ? RS_CDATA : RS_TRAILER;
    return DAAS_OK;
}

/* Passes up to remain bytes of body (or all, until EOF) to on_body. */
static size_t feed_data(daas_bench_resp *r, const char *p, size_t n)
{
    size_t take = n;
    if (r->state != RS_EOF && (int64_t)take > r->remain)
        take = (size_t)r->remain;
    if (r->on_body != NULL && take > 0)
        r->on_body(r->ud, p, take);
    r->body_len += (int64_t)take;
    if (r->state == RS_EOF)
        return take;
    r->remain -= (int64_t)take;
    if (r->remain == 0)
        r->state = r->state == RS_LEN ? RS_DONE : RS_CEND;
    return take;
}

int daas_bench_resp_feed(daas_bench_resp *r, const char *p, size_t n, size_t *used)
{
    size_t off = 0;
    int rc = DAAS_OK;
    while (off < n && r->state != RS_DONE && rc == DAAS_OK) {
        size_t u = 0;
        bool got = false;
        switch (r->state) {
        case RS_HEAD:
            rc = feed_head(r, p + off, n - off, &u);
            break;
        case RS_LEN:
        case RS_CDATA:
        case RS_EOF:
            u = feed_data(r, p + off, n - off);
            break;
        default:
            rc = feed_line(r, p + off, n - off, &u, &got);
            if (rc == DAAS_OK && got)
                rc = on_line(r);
            break;
        }
        off += u;
    }
    *used = off;
    return rc;
}
