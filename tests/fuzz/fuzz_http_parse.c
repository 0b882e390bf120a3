/*
 * fuzz_http_parse.c: libFuzzer target for the HTTP/1.1 request parser (src/api/http_parse.c).
 *
 * Owns:   nothing. Besides "no crash, no leak, no UB", it checks properties:
 *   - an accepted request consumed at least one byte and no more than it was given;
 *   - every strict prefix of an accepted request is DAAS_EAGAIN (never an error or OK);
 *   - the server's incremental path (head, then the chunked decoder fed in pieces of a size
 *     taken from the input) gives the same request and body as the one-shot parser;
 *   - query and header lookups on whatever was parsed are safe.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "api/http_int.h"

#define CHECK(x)                                                                  \
    do {                                                                          \
        if (!(x)) {                                                               \
            fprintf(stderr, "fuzz_http_parse: check failed: %s (line %d)\n", #x, __LINE__); \
            abort();                                                              \
        }                                                                         \
    } while (0)

static void poke(const daas_http_parsed *p)
{
    static const char *names[] = {"watch", "limit", "labelSelector", "a", "", "x y"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        daas_free(daas_http_query_get(p->req.query, names[i]));
    (void)daas_http_req_header(&p->req, "content-type");
    CHECK(p->req.path[0] == '/');
    CHECK(strlen(p->req.path) <= strlen(p->req.target));
    for (size_t i = 0; i < p->req.nheaders; i++)
        CHECK(p->req.headers[i].name[0] != '\0');
}

/* The server's path over data[0..len) that the one-shot parser accepted as `used` bytes. */
static void check_incremental(const uint8_t *data, size_t used, const daas_http_limits *lim,
                              const daas_http_parsed *ref, size_t step)
{
    daas_http__head h = {0};
    daas_http_parsed p;
    size_t n = 0;
    int rc;
    do {
        n = n + step < used ? n + step : used;
        rc = daas_http__parse_head(data, n, lim, &h, &p, NULL);
    } while (rc == DAAS_EAGAIN && n < used);
    CHECK(rc == DAAS_OK);
    CHECK(strcmp(p.req.target, ref->req.target) == 0);
    CHECK(p.req.nheaders == ref->req.nheaders);
    if (h.framing == DAAS_HTTP__BODY_CHUNKED) {
        daas_http__chunked ch;
        daas_http__chunked_init(&ch, lim);
        size_t pos = h.head_len, avail = pos;
        do {
            size_t u = 0;
            avail = avail + step < used ? avail + step : used;
            rc = daas_http__chunked_feed(&ch, data + pos, avail - pos, &u, NULL);
            pos += u;
        } while (rc == DAAS_EAGAIN && avail < used);
        CHECK(rc == DAAS_OK);
        CHECK(pos == used);
        CHECK(ch.len == ref->req.body.len);
        CHECK(ch.len == 0 || memcmp(ch.body, ref->req.body.ptr, ch.len) == 0);
        daas_http__chunked_fini(&ch);
    } else {
        CHECK(h.head_len + h.content_length == used);
    }
    daas_http_parsed_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small limits so that the limit paths are reached too. */
    daas_http_limits lim = {.max_header = 2048, .max_body = 8192, .max_headers_count = 16};
    size_t off = 0;
    size_t step = size > 0 ? (size_t)(data[0] % 17) + 1 : 1;

    for (int i = 0; i < 8 && off < size; i++) {
        daas_http_parsed p;
        size_t used = 0;
        daas_err err = {0};
        int rc = daas_http_parse(data + off, size - off, &lim, &p, &used, &err);
        if (rc != DAAS_OK) {
            CHECK(rc == DAAS_EAGAIN || rc == DAAS_EINVAL || rc == DAAS_ETOOBIG ||
                  rc == DAAS_EHEADERS || rc == DAAS_ENOTIMPL);
            CHECK(rc == DAAS_EAGAIN || err.code == rc);
            break;
        }
        CHECK(used > 0 && used <= size - off);
        poke(&p);
        daas_http_parsed q;
        size_t u2;
        CHECK(daas_http_parse(data + off, used - 1, &lim, &q, &u2, NULL) == DAAS_EAGAIN);
        CHECK(daas_http_parse(data + off, used / 2, &lim, &q, &u2, NULL) == DAAS_EAGAIN);
        check_incremental(data + off, used, &lim, &p, step);
        daas_http_parsed_fini(&p);
        off += used;
    }
    return 0;
}
