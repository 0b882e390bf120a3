/*
 * http_int.h: what http.c and http_parse.c share and nobody else sees.
 *
 * Owns:   the incremental pieces of the request parser: the head parser (request line and
 *         header fields, framing decision) and the resumable chunked-body decoder. The
 *         server feeds them from its evbuffers without re-parsing what it has already read;
 *         daas_http_parse() strings them together over one contiguous buffer.
 * Not:    I/O of any kind.
 * Invariants:
 *   - every function here is pure and accepts any bytes (the fuzzer runs them);
 *   - a decoded body never grows past limits.max_body.
 * Spec:   RFC 9112 §2-§7 (message syntax, framing, chunked coding).
 */
#ifndef DAAS_API_HTTP_INT_H
#define DAAS_API_HTTP_INT_H

#include "api/http.h"

#define DAAS_HTTP__DEFAULT_MAX_HEADER ((size_t)64 << 10)
#define DAAS_HTTP__DEFAULT_MAX_BODY ((size_t)3 << 20)
#define DAAS_HTTP__DEFAULT_MAX_HEADERS 100
/* Longest chunk-size line (with extensions) or trailer line we accept. */
#define DAAS_HTTP__CHUNK_LINE_MAX 4096

enum { DAAS_HTTP__BODY_NONE = 0, DAAS_HTTP__BODY_LENGTH = 1, DAAS_HTTP__BODY_CHUNKED = 2 };

/* What the head of a request says about the rest of it. Zero it before the first call for a
 * request; scan_from carries the end-of-head search across calls with a growing buffer. */
typedef struct daas_http__head {
    size_t scan_from;        /* in/out: offset where the search for the blank line resumes */
    size_t head_len;         /* bytes of the head, leading blank lines and final CRLF included */
    int framing;             /* DAAS_HTTP__BODY_* */
    uint64_t content_length; /* when framing is BODY_LENGTH (<= max_body) */
    int minor;               /* HTTP/1.<minor>: 0 or 1 */
    bool is_head;            /* the method is HEAD: the response carries no body */
} daas_http__head;

/* Fills *out with zero fields replaced by the defaults (64 KiB, 3 MiB, 100). in may be NULL. */
void daas_http__limits_norm(const daas_http_limits *in, daas_http_limits *out);

/* Parses the head of a request at data[0..len). DAAS_OK: h describes the framing, out holds
 * the request without its body (body empty, peer unverified, remote ""). DAAS_EAGAIN: the
 * head is not complete (h->scan_from updated, out untouched). Errors as daas_http_parse();
 * on any non-OK return nothing is left to free. */
DAAS_MUST_USE int daas_http__parse_head(const uint8_t *data, size_t len,
                                        const daas_http_limits *lim, daas_http__head *h,
                                        daas_http_parsed *out, daas_err *err);

/* Gives the parsed request its body; takes ownership of body (daas_xmalloc'd, may be NULL
 * when len is 0). */
void daas_http__set_body(daas_http_parsed *p, uint8_t *body, size_t len);

/* A resumable decoder of the chunked transfer coding. */
typedef struct daas_http__chunked {
    int state;          /* where in the coding the next byte belongs */
    uint64_t left;      /* bytes of the current chunk's data still to come */
    size_t max_body;    /* cap on the decoded length */
    size_t max_trailer; /* cap on the trailer section */
    size_t overhead;    /* framing bytes seen (size lines, CRLFs); capped */
    size_t trailer;     /* trailer bytes seen */
    uint8_t *body;      /* decoded bytes (daas_xmalloc'd), NULL while empty */
    size_t len;         /* decoded bytes so far */
    size_t cap;         /* bytes allocated at body */
} daas_http__chunked;

void daas_http__chunked_init(daas_http__chunked *c, const daas_http_limits *lim);
/* Consumes from p[0..n) as much as it can, *used bytes. DAAS_OK: the last chunk and its
 * trailers are complete. DAAS_EAGAIN: more bytes are needed; a line (size line, trailer) is
 * consumed only whole, so when *used == 0 the caller must offer more contiguous bytes (up to
 * DAAS_HTTP__CHUNK_LINE_MAX + 2). Errors: DAAS_EINVAL (malformed), DAAS_ETOOBIG (body over
 * max_body), DAAS_EHEADERS (trailer section over max_header). */
DAAS_MUST_USE int daas_http__chunked_feed(daas_http__chunked *c, const uint8_t *p, size_t n,
                                          size_t *used, daas_err *err);
/* Takes the decoded body out of c (caller owns it; NULL when empty). */
uint8_t *daas_http__chunked_take(daas_http__chunked *c, size_t *len);
void daas_http__chunked_fini(daas_http__chunked *c);

/* The reason phrase of an HTTP status ("Not Found"); never NULL. */
const char *daas_http__reason(int status);

#endif
