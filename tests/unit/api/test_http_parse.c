/*
 * test_http_parse.c: the HTTP/1.1 request parser, query decoding and the Status JSON.
 *
 * Owns:   nothing; every case frees what it parsed (ASan checks).
 * Spec:   RFC 9112; src/api/http.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/http.h"
#include "api/http_int.h"

static int parse(const char *s, daas_http_parsed *p, size_t *used)
{
    daas_err err = {0};
    int rc = daas_http_parse((const uint8_t *)s, strlen(s), NULL, p, used, &err);
    if (rc != DAAS_OK && rc != DAAS_EAGAIN)
        assert_int_equal(err.code, rc); /* every refusal says why */
    return rc;
}

static int parse_lim(const char *s, size_t len, const daas_http_limits *lim)
{
    daas_http_parsed p;
    size_t used = 0;
    daas_err err = {0};
    int rc = daas_http_parse((const uint8_t *)s, len, lim, &p, &used, &err);
    if (rc == DAAS_OK)
        daas_http_parsed_fini(&p);
    return rc;
}

static int rc_of(const char *s)
{
    return parse_lim(s, strlen(s), NULL);
}

static void test_simple_get(void **state)
{
    const char *s = "GET /api/v1/namespaces/default/pods?limit=500 HTTP/1.1\r\n"
                    "Host: 127.0.0.1:6443\r\nUser-Agent: kubectl/v1.32.4\r\n"
                    "Accept:application/json \r\n\r\n";
    daas_http_parsed p;
    size_t used = 0;
    assert_int_equal(parse(s, &p, &used), DAAS_OK);
    assert_int_equal(used, strlen(s));
    assert_string_equal(p.req.method, "GET");
    assert_string_equal(p.req.target, "/api/v1/namespaces/default/pods?limit=500");
    assert_string_equal(p.req.path, "/api/v1/namespaces/default/pods");
    assert_string_equal(p.req.query, "limit=500");
    assert_int_equal(p.req.nheaders, 3);
    assert_string_equal(p.req.headers[0].name, "Host");
    assert_string_equal(p.req.headers[0].value, "127.0.0.1:6443");
    assert_string_equal(p.req.headers[2].value, "application/json");
    assert_int_equal(p.req.body.len, 0);
    assert_non_null(p.req.body.ptr);
    assert_non_null(p.req.peer);
    assert_false(p.req.peer->verified);
    assert_true(p.keep_alive);
    daas_http_parsed_fini(&p);
    assert_null(p._mem);
}

static void test_no_headers_and_empty_query(void **state)
{
    daas_http_parsed p;
    size_t used = 0;
    assert_int_equal(parse("GET /x? HTTP/1.1\r\n\r\n", &p, &used), DAAS_OK);
    assert_string_equal(p.req.path, "/x");
    assert_string_equal(p.req.query, "");
    assert_int_equal(p.req.nheaders, 0);
    daas_http_parsed_fini(&p);
    assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", &p, &used), DAAS_OK);
    assert_string_equal(p.req.query, "");
    daas_http_parsed_fini(&p);
}

static void test_path_decoding(void **state)
{
    daas_http_parsed p;
    size_t used = 0;
    assert_int_equal(parse("GET /a%20b/%2Fc%7e?x=%20 HTTP/1.1\r\n\r\n", &p, &used), DAAS_OK);
    assert_string_equal(p.req.path, "/a b//c~");
    assert_string_equal(p.req.query, "x=%20"); /* the query stays raw */
    daas_http_parsed_fini(&p);
    assert_int_equal(rc_of("GET /a%00b HTTP/1.1\r\n\r\n"), DAAS_EINVAL);
    assert_int_equal(rc_of("GET /a%zz HTTP/1.1\r\n\r\n"), DAAS_EINVAL);
    assert_int_equal(rc_of("GET /a% HTTP/1.1\r\n\r\n"), DAAS_EINVAL);
    assert_int_equal(rc_of("GET /a%4 HTTP/1.1\r\n\r\n"), DAAS_EINVAL);
    assert_int_equal(rc_of("GET /a%4?b HTTP/1.1\r\n\r\n"), DAAS_EINVAL);
}

static void test_query_get(void **state)
{
    const char *q = "labelSelector=app%3Dweb%2Ctier+in+(a%2Cb)&watch&limit=500&x=1&x=2"
                    "&fieldSelector=metadata.name%3Dfoo&bad=%zz%4&nul=a%00b&a+b=sp&=empty";
    char *v;
    assert_string_equal(v = daas_http_query_get(q, "labelSelector"), "app=web,tier in (a,b)");
    daas_free(v);
    assert_string_equal(v = daas_http_query_get(q, "watch"), "");
    daas_free(v);
    assert_string_equal(v = daas_http_query_get(q, "limit"), "500");
    daas_free(v);
    assert_string_equal(v = daas_http_query_get(q, "x"), "1"); /* first wins */
    daas_free(v);
    assert_string_equal(v = daas_http_query_get(q, "fieldSelector"), "metadata.name=foo");
    daas_free(v);
    assert_string_equal(v = daas_http_query_get(q, "bad"), "%zz%4"); /* kept as sent */
    daas_free(v);
    assert_string_equal(v = daas_http_query_get(q, "a b"), "sp");
    daas_free(v);
    assert_null(daas_http_query_get(q, "nul"));
    assert_null(daas_http_query_get(q, "lim")); /* exact name match */
    assert_null(daas_http_query_get(q, "limit2"));
    assert_null(daas_http_query_get(q, "Limit"));
    assert_null(daas_http_query_get("", "a"));
    assert_null(daas_http_query_get(NULL, "a"));
    assert_string_equal(v = daas_http_query_get("&&a=1&", "a"), "1");
    daas_free(v);
}

static void test_headers_case_insensitive(void **state)
{
    daas_http_parsed p;
    size_t used = 0;
    assert_int_equal(parse("GET / HTTP/1.1\r\nCONTENT-type:  text/plain\t \r\n"
                           "X-A: 1\r\nx-a: 2\r\nEmpty:\r\n\r\n",
                           &p, &used),
                     DAAS_OK);
    assert_string_equal(daas_http_req_header(&p.req, "content-type"), "text/plain");
    assert_string_equal(daas_http_req_header(&p.req, "Content-Type"), "text/plain");
    assert_string_equal(daas_http_req_header(&p.req, "X-A"), "1");
    assert_string_equal(daas_http_req_header(&p.req, "empty"), "");
    assert_null(daas_http_req_header(&p.req, "Accept"));
    assert_string_equal(p.req.headers[0].name, "CONTENT-type"); /* as sent */
    daas_http_parsed_fini(&p);
}

static void test_content_length_body(void **state)
{
    const char *s = "POST /api/v1/namespaces HTTP/1.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 17\r\ncontent-length: 17\r\n\r\n{\"kind\":\"Thing\"}\nGET";
    daas_http_parsed p;
    size_t used = 0;
    assert_int_equal(parse(s, &p, &used), DAAS_OK);
    assert_int_equal(used, strlen(s) - 3);
    assert_int_equal(p.req.body.len, 17);
    assert_memory_equal(p.req.body.ptr, "{\"kind\":\"Thing\"}\n", 17);
    daas_http_parsed_fini(&p);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                     DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\na"), DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\na"), DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n"), DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), DAAS_OK);
}

static void test_chunked_body(void **state)
{
    const char *s = "PATCH /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                    "5;name=value\r\nhello\r\n"
                    "000a ; ext\r\n, chunked!\r\n"
                    "0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\nNEXT";
    daas_http_parsed p;
    size_t used = 0;
    assert_int_equal(parse(s, &p, &used), DAAS_OK);
    assert_int_equal(used, strlen(s) - 4);
    assert_int_equal(p.req.body.len, 15);
    assert_memory_equal(p.req.body.ptr, "hello, chunked!", 15);
    assert_null(daas_http_req_header(&p.req, "X-Trailer")); /* trailers are skipped */
    daas_http_parsed_fini(&p);
    /* An empty chunked body. */
    assert_int_equal(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &p,
                           &used),
                     DAAS_OK);
    assert_int_equal(p.req.body.len, 0);
    daas_http_parsed_fini(&p);
}

static void test_bad_chunks(void **state)
{
    const char *h = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    const char *bodies[] = {
        "x\r\nabc\r\n0\r\n\r\n",      /* not hex */
        "\r\n0\r\n\r\n",              /* empty size */
        "3\r\nabcd\r\n0\r\n\r\n",     /* data longer than the size */
        "3\nabc\r\n0\r\n\r\n",        /* bare LF */
        "3 x\r\nabc\r\n0\r\n\r\n",    /* junk after the size */
        "-3\r\nabc\r\n0\r\n\r\n",     /* sign */
        "3;a\x01\r\nabc\r\n0\r\n\r\n", /* control character in an extension */
        "0\r\nBad\x7f: x\r\n\r\n",    /* control character in a trailer */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s%s", h, bodies[i]);
        assert_int_equal(rc_of(buf), DAAS_EINVAL);
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s", h, "fffffffffffffffffff\r\n");
    assert_int_equal(rc_of(buf), DAAS_ETOOBIG);
}

static void test_pipelined(void **state)
{
    const char *s = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                    "POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                    "\r\nGET /three HTTP/1.1\r\n\r\n";
    const char *paths[] = {"/one", "/two", "/three"};
    size_t off = 0, len = strlen(s);
    for (int i = 0; i < 3; i++) {
        daas_http_parsed p;
        size_t used = 0;
        assert_int_equal(daas_http_parse((const uint8_t *)s + off, len - off, NULL, &p, &used,
                                         NULL),
                         DAAS_OK);
        assert_string_equal(p.req.path, paths[i]);
        off += used;
        daas_http_parsed_fini(&p);
    }
    assert_int_equal(off, len);
}

/* Every strict prefix of a valid request is incomplete, never an error; the whole is OK. */
static void check_splits(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(parse_lim(s, i, NULL), DAAS_EAGAIN);
    assert_int_equal(parse_lim(s, len, NULL), DAAS_OK);
}

static void test_incomplete_every_split(void **state)
{
    check_splits("GET /api/v1/pods?watch=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
    check_splits("\r\nPOST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
    check_splits("PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "4;e=1\r\nwiki\r\n5\r\npedia\r\n0\r\nT: 1\r\n\r\n");
    check_splits("GET / HTTP/1.0\r\n\r\n");
}

/* The server's way: head first, then the chunked decoder fed in small pieces. */
static void test_incremental_chunked(void **state)
{
    const char *s = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n10;x=y\r\n0123456789abcdef\r\n0\r\nA: b\r\n\r\n";
    daas_http_limits lim;
    daas_http__limits_norm(NULL, &lim);
    for (size_t step = 1; step < 12; step++) {
        daas_http__head h = {0};
        daas_http_parsed p;
        size_t n = 0;
        int rc;
        do {
            n += step;
            rc = daas_http__parse_head((const uint8_t *)s, n < strlen(s) ? n : strlen(s), &lim,
                                       &h, &p, NULL);
        } while (rc == DAAS_EAGAIN);
        assert_int_equal(rc, DAAS_OK);
        assert_int_equal(h.framing, DAAS_HTTP__BODY_CHUNKED);
        daas_http__chunked ch;
        daas_http__chunked_init(&ch, &lim);
        size_t pos = h.head_len, end = strlen(s), avail = pos;
        do {
            size_t used = 0;
            avail = avail + step < end ? avail + step : end;
            rc = daas_http__chunked_feed(&ch, (const uint8_t *)s + pos, avail - pos, &used, NULL);
            pos += used;
        } while (rc == DAAS_EAGAIN && avail < end);
        assert_int_equal(rc, DAAS_OK);
        assert_int_equal(pos, end);
        size_t blen;
        uint8_t *b = daas_http__chunked_take(&ch, &blen);
        assert_int_equal(blen, 19);
        assert_memory_equal(b, "abc0123456789abcdef", 19);
        daas_free(b);
        daas_http__chunked_fini(&ch);
        daas_http_parsed_fini(&p);
    }
}

static void test_oversize_body(void **state)
{
    daas_http_limits lim = {.max_body = 10};
    const char *cl = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
    assert_int_equal(parse_lim(cl, strlen(cl), &lim), DAAS_ETOOBIG); /* before the body */
    assert_int_equal(daas_err_http(DAAS_ETOOBIG), 413);
    const char *ok = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
    assert_int_equal(parse_lim(ok, strlen(ok), &lim), DAAS_OK);
    const char *huge = "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    assert_int_equal(rc_of(huge), DAAS_ETOOBIG);
    const char *ch = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "6\r\n012345\r\n5\r\n67890\r\n0\r\n\r\n";
    assert_int_equal(parse_lim(ch, strlen(ch), &lim), DAAS_ETOOBIG);
    const char *ch_ok = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n";
    assert_int_equal(parse_lim(ch_ok, strlen(ch_ok), &lim), DAAS_OK);
}

static void test_oversize_headers(void **state)
{
    daas_http_limits lim = {.max_header = 64, .max_headers_count = 3};
    const char *ok = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    assert_int_equal(parse_lim(ok, strlen(ok), &lim), DAAS_OK);
    const char *many = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    assert_int_equal(parse_lim(many, strlen(many), &lim), DAAS_EHEADERS);
    const char *big = "GET / HTTP/1.1\r\nA: 01234567890123456789012345678901234567890123456789\r\n\r\n";
    assert_int_equal(parse_lim(big, strlen(big), &lim), DAAS_EHEADERS);
    /* Incomplete but already over the limit: no point waiting. */
    assert_int_equal(parse_lim(big, 64, &lim), DAAS_EHEADERS);
    assert_int_equal(parse_lim(big, 63, &lim), DAAS_EAGAIN);
    assert_int_equal(daas_err_http(DAAS_EHEADERS), 431);
    /* A trailer section counts against max_header too. */
    char t[512];
    snprintf(t, sizeof t, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: %0100d\r\n\r\n", 0);
    daas_http_limits tl = {.max_header = 100};
    assert_int_equal(parse_lim(t, strlen(t), &tl), DAAS_EHEADERS);
}

static void test_framing_conflicts(void **state)
{
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                     DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
                     DAAS_ENOTIMPL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), DAAS_ENOTIMPL);
    assert_int_equal(daas_err_http(DAAS_ENOTIMPL), 501);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
                     DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n"), DAAS_EINVAL);
    assert_int_equal(rc_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                     DAAS_EINVAL);
}

static void test_malformed(void **state)
{
    const char *bad[] = {
        "GET  / HTTP/1.1\r\n\r\n",           /* two spaces */
        "GET http://a/ HTTP/1.1\r\n\r\n",    /* absolute-form */
        "GET / HTTP/1.1 \r\n\r\n",           /* trailing space */
        "GET / http/1.1\r\n\r\n",            /* version case */
        "G(T / HTTP/1.1\r\n\r\n",            /* method not a token */
        "GET / HTTP/1.1\r\nA: 1\r\n b\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\r\nA : 1\r\n\r\n",   /* space before colon */
        "GET / HTTP/1.1\r\nA\r\n\r\n",       /* no colon */
        "GET / HTTP/1.1\r\n: 1\r\n\r\n",     /* empty name */
        "GET / HTTP/1.1\r\nA: x\ry\r\n\r\n", /* bare CR */
        "GET / HTTP/1.1\r\nA: x\ny\r\n\r\n", /* bare LF */
        "GET / HTTP/1.1\nHost: x\n\n",       /* LF line ends: refused early */
        "GET /\x01 HTTP/1.1\r\n\r\n",        /* control in target */
        "\x16\x03\x01\x02\x00\x01",          /* a TLS ClientHello on the plain port */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rc_of(bad[i]), DAAS_EINVAL);
    assert_int_equal(parse_lim("GET / HTTP/1.1\r\nA: \0\r\n\r\n", 24, NULL), DAAS_EINVAL);
    assert_int_equal(rc_of("GET / HTTP/2.0\r\n\r\n"), DAAS_ENOTIMPL);
    assert_int_equal(rc_of("GET / HTTP/1.2\r\n\r\n"), DAAS_OK); /* served as 1.1 */
    assert_int_equal(rc_of("get / HTTP/1.1\r\n\r\n"), DAAS_OK);  /* methods are as sent */
}

static void test_keep_alive_rules(void **state)
{
    struct {
        const char *req;
        bool keep;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: Upgrade, CLOSE\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nConnection: keep-alivex\r\n\r\n", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        daas_http_parsed p;
        size_t used;
        assert_int_equal(parse(cases[i].req, &p, &used), DAAS_OK);
        assert_int_equal(p.keep_alive, cases[i].keep);
        daas_http_parsed_fini(&p);
    }
}

static void test_leading_blank_lines(void **state)
{
    daas_http_parsed p;
    size_t used;
    const char *s = "\r\n\r\nGET /a HTTP/1.1\r\n\r\n";
    assert_int_equal(parse(s, &p, &used), DAAS_OK);
    assert_int_equal(used, strlen(s));
    assert_string_equal(p.req.path, "/a");
    daas_http_parsed_fini(&p);
    assert_int_equal(rc_of("\r\n\r\n"), DAAS_EAGAIN);
    assert_int_equal(rc_of(""), DAAS_EAGAIN);
}

static void test_status_json(void **state)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_http_status_json(&b, DAAS_ENOTFOUND, "pods \"web\" not found"), DAAS_OK);
    assert_string_equal(b.data, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                                "\"status\":\"Failure\",\"message\":\"pods \\\"web\\\" not found\","
                                "\"reason\":\"NotFound\",\"code\":404}");
    daas_buf_reset(&b);
    assert_int_equal(daas_http_status_json(&b, DAAS_EHEADERS, "a\nb\\c\x01"), DAAS_OK);
    assert_non_null(strstr(b.data, "\"message\":\"a\\nb\\\\c\\u0001\""));
    assert_non_null(strstr(b.data, "\"reason\":\"RequestHeaderFieldsTooLarge\",\"code\":431}"));
    daas_buf_reset(&b);
    assert_int_equal(daas_http_status_json(&b, DAAS_EINVAL, "bad \xff byte"), DAAS_OK);
    assert_non_null(strstr(b.data, "\"message\":\"bad ? byte\""));
    daas_buf_reset(&b);
    assert_int_equal(daas_http_status_json(&b, DAAS_ETOOBIG, NULL), DAAS_OK);
    assert_non_null(strstr(b.data, "\"message\":\"too large\",\"reason\":\"RequestEntityTooLarge\""));
    daas_buf_fini(&b);
    daas_buf small;
    daas_buf_init(&small, 16);
    assert_int_equal(daas_http_status_json(&small, DAAS_EINVAL, "x"), DAAS_ETOOBIG);
    daas_buf_fini(&small);
}

static void test_reason(void **state)
{
    assert_string_equal(daas_http__reason(200), "OK");
    assert_string_equal(daas_http__reason(404), "Not Found");
    assert_string_equal(daas_http__reason(431), "Request Header Fields Too Large");
    assert_string_equal(daas_http__reason(299), "OK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_no_headers_and_empty_query),
        cmocka_unit_test(test_path_decoding),
        cmocka_unit_test(test_query_get),
        cmocka_unit_test(test_headers_case_insensitive),
        cmocka_unit_test(test_content_length_body),
        cmocka_unit_test(test_chunked_body),
        cmocka_unit_test(test_bad_chunks),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_incomplete_every_split),
        cmocka_unit_test(test_incremental_chunked),
        cmocka_unit_test(test_oversize_body),
        cmocka_unit_test(test_oversize_headers),
        cmocka_unit_test(test_framing_conflicts),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_keep_alive_rules),
        cmocka_unit_test(test_leading_blank_lines),
        cmocka_unit_test(test_status_json),
        cmocka_unit_test(test_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
