/*
 * http_parse.c: the HTTP/1.1 request parser and the small pure helpers of http.h.
 *
 * Owns:   request-line and header-field syntax, message framing (Content-Length, chunked),
 *         percent-decoding of paths and query parameters, the Status JSON of an error code,
 *         reason phrases.
 * Not:    sockets, TLS, event loops (http.c).
 * Model:  the head is parsed in two passes over the same bytes: the first validates and
 *         measures, the second copies every string into one allocation. Bodies are copied
 *         once, from the wire into the request's own buffer.
 * Invariants:
 *   - pure: no I/O, no globals written; any input bytes are safe (fuzzed);
 *   - a strict prefix of a request that parses is answered DAAS_EAGAIN, never an error;
 *   - limits are checked before anything is allocated from a number the peer chose;
 *   - ambiguous framing (CL with TE, disagreeing CLs, obs-fold, bare LF) is refused, not
 *     guessed, so nothing in front of us can be smuggled past.
 * Spec:   RFC 9112 §2-§7; RFC 9110 §5.6 (tokens, lists), §8.6 (Content-Length);
 *         RFC 3986 §2.1 (percent-encoding); specs/kube-api.md §5.4 (Status).
 */
#include "api/http_int.h"
#include "common/util.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>

static const uint8_t empty_body[1];
static const daas_http_peer unverified_peer;

/* Contracts of the daas_http__ functions: http_int.h; of daas_http_*: http.h. */
void daas_http__limits_norm(const daas_http_limits *in, daas_http_limits *out)
{
    daas_http_limits l = {0};
    if (in != NULL)
        l = *in;
    if (l.max_header == 0)
        l.max_header = DAAS_HTTP__DEFAULT_MAX_HEADER;
    if (l.max_body == 0)
        l.max_body = DAAS_HTTP__DEFAULT_MAX_BODY;
    if (l.max_headers_count == 0)
        l.max_headers_count = DAAS_HTTP__DEFAULT_MAX_HEADERS;
    *out = l;
}

/* ---- character classes (RFC 9110 §5.6.2, §5.5) ---- */

static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP or HTAB: anything but CTLs (CR, LF and NUL included) and DEL. */
static bool is_field_char(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool span_ieq(daas_bytes s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp((const char *)s.ptr, lit, n) == 0;
}

static daas_bytes trim_ows(daas_bytes s)
{
    while (s.len > 0 && is_ows(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_ows(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

/* ---- request line ---- */

typedef struct reqline {
    daas_bytes method;
    daas_bytes target;
    int minor;
    size_t len; /* bytes including the CRLF */
} reqline;

/* Parses a request line at p[0..n). DAAS_EAGAIN when the bytes so far are a valid prefix. */
static int parse_reqline(const uint8_t *p, size_t n, reqline *rl, daas_err *err)
{
    static const char ver[] = "HTTP/1.";
    size_t i = 0;

    while (i < n && is_tchar(p[i]))
        i++;
    if (i == n)
        return DAAS_EAGAIN;
    if (i == 0 || p[i] != ' ')
        return daas_fail(err, DAAS_EINVAL, "malformed request method");
    rl->method = DAAS_BYTES(p, i);
    size_t t = ++i;
    if (i < n && p[i] != '/')
        return daas_fail(err, DAAS_EINVAL, "request target must be an absolute path");
    while (i < n && p[i] > 0x20 && p[i] < 0x7f)
        i++;
    if (i == n)
        return DAAS_EAGAIN;
    if (i == t || p[i] != ' ')
        return daas_fail(err, DAAS_EINVAL, "malformed request target");
    rl->target = DAAS_BYTES(p + t, i - t);
    i++;
    for (size_t k = 0; k < sizeof ver - 1; k++, i++) {
        if (i == n)
            return DAAS_EAGAIN;
        if (p[i] != (uint8_t)ver[k]) {
            if (k == 5 && p[i] >= '0' && p[i] <= '9')
                return daas_fail(err, DAAS_ENOTIMPL, "HTTP version not supported");
            return daas_fail(err, DAAS_EINVAL, "malformed HTTP version");
        }
    }
    if (i == n)
        return DAAS_EAGAIN;
    if (p[i] < '0' || p[i] > '9')
        return daas_fail(err, DAAS_EINVAL, "malformed HTTP version");
    rl->minor = p[i] == '0' ? 0 : 1; /* 1.x with x > 1 is served as 1.1 (RFC 9110 §6.2) */
    i++;
    if (i < n && p[i] != '\r')
        return daas_fail(err, DAAS_EINVAL, "malformed request line");
    if (i + 1 < n && p[i + 1] != '\n')
        return daas_fail(err, DAAS_EINVAL, "malformed request line");
    if (i + 1 >= n)
        return DAAS_EAGAIN;
    rl->len = i + 2;
    return DAAS_OK;
}

/* ---- percent-decoding ---- */

/* Decodes the path part of a target into dst (when not NULL); returns the decoded length, or
 * (size_t)-1 on a bad escape or an escaped NUL. */
static size_t decode_path(daas_bytes src, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < src.len; i++) {
        uint8_t c = src.ptr[i];
        if (c == '%') {
            if (i + 2 >= src.len)
                return (size_t)-1;
            int hi = daas_hexval(src.ptr[i + 1]), lo = daas_hexval(src.ptr[i + 2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return (size_t)-1;
            c = (uint8_t)(hi << 4 | lo);
            i += 2;
        }
        if (dst != NULL)
            dst[o] = (char)c;
        o++;
    }
    return o;
}

/* ---- header fields ---- */

typedef struct field {
    daas_bytes name;
    daas_bytes value; /* OWS trimmed */
} field;

typedef struct headscan {
    size_t count;    /* header fields */
    size_t strbytes; /* sum of name and value lengths plus their NULs */
    int ncl;         /* Content-Length fields seen */
    uint64_t cl;     /* their (agreed) value, saturated */
    bool has_te;
    int te_chunked;  /* "chunked" codings listed */
    bool te_other;   /* any other coding listed */
    bool conn_close;
    bool conn_keep;
} headscan;

/* Splits one header line (CRLF excluded) into name and value. */
static int split_field(daas_bytes line, field *f, daas_err *err)
{
    size_t i = 0;
    if (line.len > 0 && is_ows(line.ptr[0]))
        return daas_fail(err, DAAS_EINVAL, "obsolete line folding in header");
    while (i < line.len && is_tchar(line.ptr[i]))
        i++;
    if (i == 0 || i == line.len || line.ptr[i] != ':')
        return daas_fail(err, DAAS_EINVAL, "malformed header field");
    f->name = DAAS_BYTES(line.ptr, i);
    f->value = trim_ows(DAAS_BYTES(line.ptr + i + 1, line.len - i - 1));
    for (size_t k = 0; k < f->value.len; k++)
        if (!is_field_char(f->value.ptr[k]))
            return daas_fail(err, DAAS_EINVAL, "invalid character in header value");
    return DAAS_OK;
}

static int scan_content_length(daas_bytes v, headscan *hs, daas_err *err)
{
    uint64_t n = 0;
    if (v.len == 0)
        return daas_fail(err, DAAS_EINVAL, "empty Content-Length");
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return daas_fail(err, DAAS_EINVAL, "malformed Content-Length");
        uint64_t d = (uint64_t)(v.ptr[i] - '0');
        n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
    }
    if (hs->ncl > 0 && hs->cl != n)
        return daas_fail(err, DAAS_EINVAL, "conflicting Content-Length values");
    hs->cl = n;
    hs->ncl++;
    return DAAS_OK;
}

/* Calls fn on each non-empty, OWS-trimmed element of a comma-separated list. */
static void each_list_elem(daas_bytes v, void (*fn)(daas_bytes e, headscan *hs), headscan *hs)
{
    size_t start = 0;
    for (size_t i = 0; i <= v.len; i++) {
        if (i < v.len && v.ptr[i] != ',')
            continue;
        daas_bytes e = trim_ows(DAAS_BYTES(v.ptr + start, i - start));
        if (e.len > 0)
            fn(e, hs);
        start = i + 1;
    }
}

static void te_elem(daas_bytes e, headscan *hs)
{
    if (span_ieq(e, "chunked"))
        hs->te_chunked++;
    else
        hs->te_other = true;
}

static void conn_elem(daas_bytes e, headscan *hs)
{
    if (span_ieq(e, "close"))
        hs->conn_close = true;
    else if (span_ieq(e, "keep-alive"))
        hs->conn_keep = true;
}

static int scan_field(const field *f, headscan *hs, daas_err *err)
{
    if (span_ieq(f->name, "content-length"))
        return scan_content_length(f->value, hs, err);
    if (span_ieq(f->name, "transfer-encoding")) {
        hs->has_te = true;
        each_list_elem(f->value, te_elem, hs);
    } else if (span_ieq(f->name, "connection")) {
        each_list_elem(f->value, conn_elem, hs);
    }
    return DAAS_OK;
}

/* Returns the next CRLF-terminated line of the head at *pos (CRLF excluded) and advances. The
 * head is known to end with CRLF CRLF, so a line always ends before end. */
static daas_bytes next_line(const uint8_t *data, size_t end, size_t *pos)
{
    const uint8_t *s = data + *pos;
    const uint8_t *e = memmem(s, end - *pos, "\r\n", 2);
    size_t n = e != NULL ? (size_t)(e - s) : end - *pos;
    *pos += n + 2;
    return DAAS_BYTES(s, n);
}

/* First pass over the header lines in data[pos..end): validates and measures. */
static int scan_fields(const uint8_t *data, size_t pos, size_t end, const daas_http_limits *lim,
                       headscan *hs, daas_err *err)
{
    for (;;) {
        daas_bytes line = next_line(data, end, &pos);
        if (line.len == 0)
            return DAAS_OK;
        field f;
        int rc = split_field(line, &f, err);
        if (rc != DAAS_OK)
            return rc;
        if (++hs->count > lim->max_headers_count)
            return daas_fail(err, DAAS_EHEADERS, "more than %zu header fields",
                             lim->max_headers_count);
        hs->strbytes += f.name.len + f.value.len + 2;
        rc = scan_field(&f, hs, err);
        if (rc != DAAS_OK)
            return rc;
    }
}

/* Decides how the body is delimited (RFC 9112 §6.3), refusing every ambiguous case. */
static int decide_framing(const headscan *hs, const reqline *rl, const daas_http_limits *lim,
                          daas_http__head *h, daas_err *err)
{
    h->framing = DAAS_HTTP__BODY_NONE;
    h->content_length = 0;
    if (hs->has_te) {
        if (hs->ncl > 0)
            return daas_fail(err, DAAS_EINVAL, "both Content-Length and Transfer-Encoding");
        if (rl->minor == 0)
            return daas_fail(err, DAAS_EINVAL, "Transfer-Encoding in an HTTP/1.0 request");
        if (hs->te_other)
            return daas_fail(err, DAAS_ENOTIMPL, "unsupported transfer coding");
        if (hs->te_chunked != 1)
            return daas_fail(err, DAAS_EINVAL, "malformed Transfer-Encoding");
        h->framing = DAAS_HTTP__BODY_CHUNKED;
        return DAAS_OK;
    }
    if (hs->ncl > 0) {
        if (hs->cl > lim->max_body)
            return daas_fail(err, DAAS_ETOOBIG, "request body over %zu bytes", lim->max_body);
        h->content_length = hs->cl;
        h->framing = hs->cl > 0 ? DAAS_HTTP__BODY_LENGTH : DAAS_HTTP__BODY_NONE;
    }
    return DAAS_OK;
}

/* ---- building the request ---- */

static char *put_str(char **s, daas_bytes b)
{
    char *r = *s;
    if (b.len > 0)
        memcpy(r, b.ptr, b.len);
    r[b.len] = '\0';
    *s += b.len + 1;
    return r;
}

/* Second pass: copies every string of the head into one allocation. */
static void build_req(const uint8_t *data, size_t fields_at, size_t end, const reqline *rl,
                      const headscan *hs, daas_http_parsed *out)
{
    const uint8_t *q = memchr(rl->target.ptr, '?', rl->target.len);
    daas_bytes path = DAAS_BYTES(rl->target.ptr, q ? (size_t)(q - rl->target.ptr) : rl->target.len);
    daas_bytes query = q ? DAAS_BYTES(q + 1, rl->target.len - path.len - 1) : DAAS_BYTES("", 0);
    size_t hbytes = hs->count * sizeof(daas_http_header);
    size_t size = hbytes + rl->method.len + rl->target.len + path.len + query.len + 4 +
                  hs->strbytes;
    char *mem = daas_xmalloc(size);
    daas_http_header *hdrs = (daas_http_header *)(void *)mem;
    char *s = mem + hbytes;

    memset(out, 0, sizeof *out);
    out->_mem = mem;
    out->req.method = put_str(&s, rl->method);
    out->req.target = put_str(&s, rl->target);
    out->req.path = s;
    s += decode_path(path, s);
    *s++ = '\0';
    out->req.query = put_str(&s, query);
    for (size_t i = 0, pos = fields_at; i < hs->count; i++) {
        field f;
        (void)split_field(next_line(data, end, &pos), &f, NULL); /* validated by scan_fields */
        hdrs[i].name = put_str(&s, f.name);
        hdrs[i].value = put_str(&s, f.value);
    }
    out->req.headers = hdrs;
    out->req.nheaders = hs->count;
    out->req.body = DAAS_BYTES(empty_body, 0);
    out->req.peer = &unverified_peer;
    out->req.remote = "";
    out->keep_alive = rl->minor == 1 ? !hs->conn_close : hs->conn_keep && !hs->conn_close;
}

/* Finds the end of the head; returns its length or 0 when it is not complete yet. */
static size_t find_head_end(const uint8_t *data, size_t len, size_t start, daas_http__head *h)
{
    size_t from = h->scan_from > start ? h->scan_from : start;
    if (from < len) {
        const uint8_t *e = memmem(data + from, len - from, "\r\n\r\n", 4);
        if (e != NULL)
            return (size_t)(e - data) + 4;
    }
    h->scan_from = len >= start + 3 ? len - 3 : start;
    return 0;
}

/* Any thread; pure. */
int daas_http__parse_head(const uint8_t *data, size_t len, const daas_http_limits *lim,
                          daas_http__head *h, daas_http_parsed *out, daas_err *err)
{
    size_t start = 0;
    reqline rl = {0};
    headscan hs = {0};

    /* RFC 9112 §2.2: ignore empty lines before the request line. */
    while (start + 1 < len && data[start] == '\r' && data[start + 1] == '\n')
        start += 2;
    if (start >= len || (len - start == 1 && data[start] == '\r'))
        return start >= lim->max_header ? daas_fail(err, DAAS_EHEADERS, "header section too large")
                                        : DAAS_EAGAIN;
    size_t end = find_head_end(data, len, start, h);
    /* The request line is checked first, and within max_header only, so that the answer
     * does not depend on how the bytes were split on the way. */
    size_t avail = end != 0 ? end : len;
    if (avail > lim->max_header)
        avail = lim->max_header > start ? lim->max_header : start;
    int rc = parse_reqline(data + start, avail - start, &rl, err);
    if (rc != DAAS_OK && rc != DAAS_EAGAIN)
        return rc;
    if (end == 0 && len < lim->max_header)
        return DAAS_EAGAIN;
    if (end == 0 || end > lim->max_header)
        return daas_fail(err, DAAS_EHEADERS, "header section over %zu bytes", lim->max_header);
    if (rc == DAAS_EAGAIN) /* cannot happen: the head ends with CRLF CRLF */
        return daas_fail(err, DAAS_EINVAL, "malformed request line");
    const uint8_t *q = memchr(rl.target.ptr, '?', rl.target.len);
    daas_bytes path = DAAS_BYTES(rl.target.ptr, q ? (size_t)(q - rl.target.ptr) : rl.target.len);
    if (decode_path(path, NULL) == (size_t)-1)
        return daas_fail(err, DAAS_EINVAL, "bad percent-encoding in request path");
    /* The request line's CRLF may be the first half of the blank line. */
    size_t fields_at = start + rl.len;
    rc = fields_at + 2 <= end ? scan_fields(data, fields_at, end, lim, &hs, err) : DAAS_OK;
    if (rc == DAAS_OK)
        rc = decide_framing(&hs, &rl, lim, h, err);
    if (rc != DAAS_OK)
        return rc;
    h->head_len = end;
    h->minor = rl.minor;
    h->is_head = rl.method.len == 4 && memcmp(rl.method.ptr, "HEAD", 4) == 0;
    build_req(data, fields_at, end, &rl, &hs, out);
    return DAAS_OK;
}

/* Takes ownership of body. */
void daas_http__set_body(daas_http_parsed *p, uint8_t *body, size_t len)
{
    daas_free(p->_body);
    p->_body = len > 0 ? body : NULL;
    if (len == 0)
        daas_free(body);
    p->req.body = len > 0 ? DAAS_BYTES(body, len) : DAAS_BYTES(empty_body, 0);
}

/* ---- chunked transfer coding (RFC 9112 §7.1) ---- */

enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER, CH_DONE };

/* Any thread; pure. */
void daas_http__chunked_init(daas_http__chunked *c, const daas_http_limits *lim)
{
    memset(c, 0, sizeof *c);
    c->state = CH_SIZE;
    c->max_body = lim->max_body;
    c->max_trailer = lim->max_header;
}

/* Finds a CRLF-terminated line at p[0..n); returns its length without CRLF, or an error /
 * DAAS_EAGAIN in *rc. */
static size_t chunk_line(const uint8_t *p, size_t n, int too_long, int *rc, daas_err *err)
{
    size_t lim = n < DAAS_HTTP__CHUNK_LINE_MAX + 2 ? n : DAAS_HTTP__CHUNK_LINE_MAX + 2;
    const uint8_t *lf = memchr(p, '\n', lim);
    if (lf == NULL) {
        *rc = n >= DAAS_HTTP__CHUNK_LINE_MAX + 2
                  ? daas_fail(err, too_long, "chunk line over %d bytes", DAAS_HTTP__CHUNK_LINE_MAX)
                  : DAAS_EAGAIN;
        return 0;
    }
    size_t len = (size_t)(lf - p);
    if (len == 0 || p[len - 1] != '\r') {
        *rc = daas_fail(err, DAAS_EINVAL, "bare LF in chunked body");
        return 0;
    }
    *rc = DAAS_OK;
    return len - 1;
}

static int parse_chunk_size(const uint8_t *p, size_t n, uint64_t *size, daas_err *err)
{
    size_t i = 0;
    uint64_t v = 0;
    for (; i < n && daas_hexval(p[i]) >= 0; i++) {
        if (v >> 60)
            return daas_fail(err, DAAS_ETOOBIG, "chunk size overflows");
        v = v << 4 | (uint64_t)daas_hexval(p[i]);
    }
    if (i == 0)
        return daas_fail(err, DAAS_EINVAL, "malformed chunk size");
    while (i < n && is_ows(p[i]))
        i++;
    if (i < n && p[i] != ';')
        return daas_fail(err, DAAS_EINVAL, "malformed chunk size");
    for (; i < n; i++) /* chunk extensions are ignored, but must be printable */
        if (!is_field_char(p[i]))
            return daas_fail(err, DAAS_EINVAL, "invalid character in chunk extension");
    *size = v;
    return DAAS_OK;
}

static void body_reserve(daas_http__chunked *c, size_t extra)
{
    size_t need = c->len + extra;
    if (need <= c->cap)
        return;
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < need)
        cap = cap > c->max_body / 2 ? c->max_body : cap * 2;
    c->body = daas_xrealloc(c->body, cap);
    c->cap = cap;
}

/* One step on a line-based state; returns bytes consumed via *used. */
static int chunk_line_step(daas_http__chunked *c, const uint8_t *p, size_t n, size_t *used,
                           daas_err *err)
{
    int rc;
    bool trailer = c->state == CH_TRAILER;
    size_t len = chunk_line(p, n, trailer ? DAAS_EHEADERS : DAAS_EINVAL, &rc, err);
    if (rc != DAAS_OK)
        return rc;
    *used = len + 2;
    if (trailer) {
        c->trailer += len + 2;
        if (c->trailer > c->max_trailer)
            return daas_fail(err, DAAS_EHEADERS, "trailer section too large");
        for (size_t i = 0; i < len; i++)
            if (!is_field_char(p[i]))
                return daas_fail(err, DAAS_EINVAL, "invalid character in trailer");
        if (len == 0)
            c->state = CH_DONE;
        return DAAS_OK;
    }
    uint64_t size = 0;
    rc = parse_chunk_size(p, len, &size, err);
    if (rc != DAAS_OK)
        return rc;
    if (size > c->max_body - c->len)
        return daas_fail(err, DAAS_ETOOBIG, "request body over %zu bytes", c->max_body);
    c->overhead += len + 2;
    /* Framing may not outweigh the data by more than the header budget: bounds the work a
     * peer can cause with tiny chunks and long extensions. */
    if (c->overhead > c->max_trailer + c->max_body)
        return daas_fail(err, DAAS_ETOOBIG, "chunked framing too large");
    c->left = size;
    c->state = size == 0 ? CH_TRAILER : CH_DATA;
    return DAAS_OK;
}

static size_t chunk_data_step(daas_http__chunked *c, const uint8_t *p, size_t n)
{
    size_t take = c->left < n ? (size_t)c->left : n;
    body_reserve(c, take);
    memcpy(c->body + c->len, p, take);
    c->len += take;
    c->left -= take;
    if (c->left == 0)
        c->state = CH_DATA_END;
    return take;
}

/* Any thread; pure. The decoded body grows with the data, capped by max_body. */
int daas_http__chunked_feed(daas_http__chunked *c, const uint8_t *p, size_t n, size_t *used,
                            daas_err *err)
{
    size_t pos = 0;
    int rc = DAAS_OK;

    while (c->state != CH_DONE && rc == DAAS_OK) {
        size_t u = 0;
        if (pos == n) {
            rc = DAAS_EAGAIN;
        } else if (c->state == CH_DATA) {
            u = chunk_data_step(c, p + pos, n - pos);
        } else if (c->state == CH_DATA_END) {
            if (p[pos] != '\r' || (n - pos > 1 && p[pos + 1] != '\n'))
                rc = daas_fail(err, DAAS_EINVAL, "chunk data not followed by CRLF");
            else if (n - pos < 2)
                rc = DAAS_EAGAIN;
            else {
                u = 2;
                c->overhead += 2;
                c->state = CH_SIZE;
            }
        } else {
            rc = chunk_line_step(c, p + pos, n - pos, &u, err);
        }
        pos += u;
    }
    *used = pos;
    return rc;
}

/* The caller owns the returned body. */
uint8_t *daas_http__chunked_take(daas_http__chunked *c, size_t *len)
{
    uint8_t *b = c->body;
    *len = c->len;
    c->body = NULL;
    c->len = c->cap = 0;
    return b;
}

/* Frees what was decoded and not taken. */
void daas_http__chunked_fini(daas_http__chunked *c)
{
    daas_free(c->body);
    c->body = NULL;
    c->len = c->cap = 0;
}

/* ---- the one-shot parser ---- */

static int parse_body(const uint8_t *data, size_t len, const daas_http_limits *lim,
                      const daas_http__head *h, daas_http_parsed *out, size_t *used,
                      daas_err *err)
{
    if (h->framing == DAAS_HTTP__BODY_LENGTH) {
        if (len < h->content_length)
            return DAAS_EAGAIN;
        uint8_t *b = daas_xmalloc((size_t)h->content_length);
        memcpy(b, data, (size_t)h->content_length);
        daas_http__set_body(out, b, (size_t)h->content_length);
        *used = (size_t)h->content_length;
        return DAAS_OK;
    }
    daas_http__chunked ch;
    daas_http__chunked_init(&ch, lim);
    int rc = daas_http__chunked_feed(&ch, data, len, used, err);
    if (rc == DAAS_OK) {
        size_t n;
        uint8_t *b = daas_http__chunked_take(&ch, &n);
        daas_http__set_body(out, b, n);
    }
    daas_http__chunked_fini(&ch);
    return rc;
}

/* Any thread; pure. Head, then the body when complete; DAAS_EAGAIN leaves nothing behind. */
int daas_http_parse(const uint8_t *data, size_t len, const daas_http_limits *lim,
                    daas_http_parsed *out, size_t *consumed, daas_err *err)
{
    daas_http_limits l;
    daas_http__head h = {0};
    size_t used = 0;

    daas_http__limits_norm(lim, &l);
    int rc = daas_http__parse_head(data, len, &l, &h, out, err);
    if (rc != DAAS_OK)
        return rc;
    if (h.framing != DAAS_HTTP__BODY_NONE)
        rc = parse_body(data + h.head_len, len - h.head_len, &l, &h, out, &used, err);
    if (rc != DAAS_OK) {
        daas_http_parsed_fini(out);
        return rc;
    }
    *consumed = h.head_len + used;
    return DAAS_OK;
}

/* Accepts NULL and a zeroed struct. */
void daas_http_parsed_fini(daas_http_parsed *p)
{
    if (p == NULL)
        return;
    daas_free(p->_mem);
    daas_free(p->_hdrs);
    daas_free(p->_body);
    memset(p, 0, sizeof *p);
}

/* Linear scan: requests carry few headers. */
const char *daas_http_req_header(const daas_http_req *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* ---- query parameters ---- */

/* Decodes one byte of a query component at s[*i] ('+' is a space; a bad escape stays as it
 * is) and advances *i. */
static uint8_t query_byte(const char *s, size_t n, size_t *i)
{
    uint8_t c = (uint8_t)s[*i];
    (*i)++;
    if (c == '+')
        return ' ';
    if (c == '%' && *i + 2 <= n) {
        int hi = daas_hexval((uint8_t)s[*i]), lo = daas_hexval((uint8_t)s[*i + 1]);
        if (hi >= 0 && lo >= 0) {
            *i += 2;
            return (uint8_t)(hi << 4 | lo);
        }
    }
    return c;
}

static bool query_name_is(const char *s, size_t n, const char *name)
{
    size_t i = 0, k = 0;
    while (i < n) {
        uint8_t c = query_byte(s, n, &i);
        if (c == 0 || (uint8_t)name[k] != c)
            return false;
        k++;
    }
    return name[k] == '\0';
}

/* Decodes a query value; NULL when it would contain a NUL byte. */
static char *query_value(const char *s, size_t n)
{
    char *v = daas_xmalloc(n + 1);
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t c = query_byte(s, n, &i);
        if (c == 0) {
            daas_free(v);
            return NULL;
        }
        v[o++] = (char)c;
    }
    v[o] = '\0';
    return v;
}

/* Caller frees the result. A value that would decode to a NUL byte counts as absent. */
char *daas_http_query_get(const char *query, const char *name)
{
    if (query == NULL || name == NULL)
        return NULL;
    const char *p = query;
    for (;;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t nl = eq ? (size_t)(eq - p) : n;
        if (n > 0 && query_name_is(p, nl, name))
            return eq ? query_value(eq + 1, n - nl - 1) : daas_xstrdup("");
        if (amp == NULL)
            return NULL;
        p = amp + 1;
    }
}

/* ---- Status JSON (specs/kube-api.md §5.4) ---- */

static int dump_to_buf(const char *p, size_t n, void *arg)
{
    return daas_buf_append(arg, p, n) == DAAS_OK ? 0 : -1;
}

/* jansson refuses invalid UTF-8; such messages are kept readable with '?' for high bytes. */
static json_t *json_message(const char *message)
{
    json_t *s = json_string(message);
    if (s != NULL)
        return s;
    char *copy = daas_xstrdup(message);
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c >= 0x80)
            *c = '?';
    s = json_string(copy);
    daas_free(copy);
    return s;
}

/* Appends to b; DAAS_ETOOBIG when b's cap is reached. */
int daas_http_status_json(daas_buf *b, int code, const char *message)
{
    if (message == NULL || message[0] == '\0')
        message = daas_err_text(code);
    json_t *o = json_pack("{s:s, s:s, s:{}, s:s, s:o?, s:s, s:i}", "kind", "Status",
                          "apiVersion", "v1", "metadata", "status", "Failure", "message",
                          json_message(message), "reason", daas_err_reason(code), "code",
                          daas_err_http(code));
    if (o == NULL)
        return DAAS_EINTERNAL;
    int r = json_dump_callback(o, dump_to_buf, b, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return r == 0 ? DAAS_OK : DAAS_ETOOBIG;
}

/* RFC 9110 §15 phrases; unknown codes get their class's. */
const char *daas_http__reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
    }
    if (status >= 200 && status < 300)
        return "OK";
    if (status >= 400 && status < 500)
        return "Bad Request";
    return "Internal Server Error";
}
