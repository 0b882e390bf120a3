/*
 * test_ws.c: WebSocket framing (ws.c): accept key, encode/decode round trips with and
 * without masking, 16- and 64-bit lengths, fragmentation with interleaved control frames,
 * protocol violations and size limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/ws.h"

static const uint8_t MASK[4] = {0x37, 0xfa, 0x21, 0x3d};

static void test_accept_rfc_example(void **state)
{
    (void)state;
    char out[29];
    daas_err err = {0};
    /* SPEC: RFC 6455 §1.3 example. */
    assert_int_equal(daas_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out, &err), DAAS_OK);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(daas_ws_accept("short", out, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ws_accept("dGhlIHNhbXBsZSBub25jZQ=!", out, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ws_accept(NULL, out, NULL), DAAS_EINVAL);
}

static void test_rfc_masked_hello(void **state)
{
    (void)state;
    /* SPEC: RFC 6455 §5.7: a single-frame masked text message "Hello". */
    const uint8_t fr[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    daas_buf b = {0};
    daas_buf_init(&b, 1024);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_TEXT, true, "Hello", 5, MASK), DAAS_OK);
    assert_int_equal(b.len, sizeof fr);
    assert_memory_equal(b.data, fr, sizeof fr);
    daas_buf_reset(&b);
    /* unmasked server frame */
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_TEXT, true, "Hello", 5, NULL), DAAS_OK);
    assert_memory_equal(b.data, "\x81\x05Hello", 7);
    daas_buf_fini(&b);

    daas_ws_reader r;
    daas_ws_reader_init(&r, 1024, true);
    daas_ws_msg m;
    size_t used;
    for (size_t i = 0; i < sizeof fr; i++) { /* every prefix is incomplete */
        assert_int_equal(daas_ws_reader_next(&r, fr, i, &used, &m, NULL), DAAS_EAGAIN);
        assert_int_equal(used, 0);
    }
    assert_int_equal(daas_ws_reader_next(&r, fr, sizeof fr, &used, &m, NULL), DAAS_OK);
    assert_int_equal(used, sizeof fr);
    assert_int_equal(m.opcode, DAAS_WS_TEXT);
    assert_int_equal(m.len, 5);
    assert_memory_equal(m.data, "Hello", 5);
    daas_ws_reader_fini(&r);
}

static void roundtrip(size_t n, size_t want_hdr)
{
    uint8_t *p = daas_xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 7 + 3);
    }
    daas_buf b = {0};
    daas_buf_init(&b, n + 64);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, true, p, n, MASK), DAAS_OK);
    assert_int_equal(b.len, want_hdr + 4 + n);
    daas_ws_reader r;
    daas_ws_reader_init(&r, n, true);
    daas_ws_msg m;
    size_t used;
    assert_int_equal(daas_ws_reader_next(&r, (uint8_t *)b.data, b.len, &used, &m, NULL), DAAS_OK);
    assert_int_equal(used, b.len);
    assert_int_equal(m.opcode, DAAS_WS_BINARY);
    assert_int_equal(m.len, n);
    assert_memory_equal(m.data, p, n);
    daas_ws_reader_fini(&r);
    daas_buf_fini(&b);
    daas_free(p);
}

static void test_lengths(void **state)
{
    (void)state;
    roundtrip(1, 2);
    roundtrip(125, 2);
    roundtrip(126, 4);
    roundtrip(65535, 4);
    roundtrip(65536, 10);
    roundtrip(200000, 10);
}

static void test_fragmented_with_ping(void **state)
{
    (void)state;
    daas_buf b = {0};
    daas_buf_init(&b, 4096);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, false, "\x01he", 3, MASK), DAAS_OK);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_PING, true, "pp", 2, MASK), DAAS_OK);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_CONT, false, "ll", 2, MASK), DAAS_OK);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_CONT, true, "o", 1, MASK), DAAS_OK);
    assert_int_equal(daas_ws_encode_close(&b, 1000, "bye", MASK), DAAS_OK);
    daas_ws_reader r;
    daas_ws_reader_init(&r, 64, true);
    const uint8_t *d = (const uint8_t *)b.data;
    size_t left = b.len, used;
    daas_ws_msg m;
    int want[] = {0, DAAS_WS_PING, 0, DAAS_WS_BINARY, DAAS_WS_CLOSE};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(daas_ws_reader_next(&r, d, left, &used, &m, NULL), DAAS_OK);
        assert_int_equal(m.opcode, want[i]);
        if (want[i] == DAAS_WS_PING) {
            assert_memory_equal(m.data, "pp", 2);
        } else if (want[i] == DAAS_WS_BINARY) {
            assert_int_equal(m.len, 6);
            assert_memory_equal(m.data, "\x01hello", 6);
        } else if (want[i] == DAAS_WS_CLOSE) {
            assert_int_equal(m.close_code, 1000);
            assert_memory_equal(m.data + 2, "bye", 3);
        }
        d += used;
        left -= used;
    }
    assert_int_equal(left, 0);
    daas_ws_reader_fini(&r);
    daas_buf_fini(&b);
}

/* Feeds one raw frame to a fresh server reader; returns the result. */
static int feed(const uint8_t *fr, size_t n, size_t max)
{
    daas_ws_reader r;
    daas_ws_reader_init(&r, max, true);
    daas_ws_msg m;
    size_t used;
    daas_err err = {0};
    int rc = daas_ws_reader_next(&r, fr, n, &used, &m, &err);
    if (rc != DAAS_OK && rc != DAAS_EAGAIN) {
        assert_true(err.msg[0] != '\0');
    }
    daas_ws_reader_fini(&r);
    return rc;
}

static void test_violations(void **state)
{
    (void)state;
    const uint8_t unmasked[] = {0x82, 0x01, 'x'};
    assert_int_equal(feed(unmasked, sizeof unmasked, 64), DAAS_EINVAL);
    const uint8_t rsv[] = {0xC2, 0x80, 0, 0, 0, 0};
    assert_int_equal(feed(rsv, sizeof rsv, 64), DAAS_EINVAL);
    const uint8_t badop[] = {0x83, 0x80, 0, 0, 0, 0};
    assert_int_equal(feed(badop, sizeof badop, 64), DAAS_EINVAL);
    const uint8_t cont[] = {0x80, 0x80, 0, 0, 0, 0};
    assert_int_equal(feed(cont, sizeof cont, 64), DAAS_EINVAL);
    const uint8_t fragping[] = {0x09, 0x80, 0, 0, 0, 0};
    assert_int_equal(feed(fragping, sizeof fragping, 64), DAAS_EINVAL);
    const uint8_t longping[] = {0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0};
    assert_int_equal(feed(longping, sizeof longping, 64), DAAS_EINVAL);
    const uint8_t topbit[] = {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(feed(topbit, sizeof topbit, 64), DAAS_EINVAL);
    /* a 4 GiB claim is refused from the header, before any payload arrives */
    const uint8_t huge[] = {0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(feed(huge, sizeof huge, 1 << 20), DAAS_ETOOBIG);
    const uint8_t badutf[] = {0x81, 0x81, 0, 0, 0, 0, 0xC0};
    assert_int_equal(feed(badutf, sizeof badutf, 64), DAAS_EINVAL);
    const uint8_t close1[] = {0x88, 0x81, 0, 0, 0, 0, 0x03};
    assert_int_equal(feed(close1, sizeof close1, 64), DAAS_EINVAL);
    const uint8_t close1005[] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xED};
    assert_int_equal(feed(close1005, sizeof close1005, 64), DAAS_EINVAL);
    const uint8_t closeempty[] = {0x88, 0x80, 0, 0, 0, 0};
    assert_int_equal(feed(closeempty, sizeof closeempty, 64), DAAS_OK);
}

static void test_fragments_over_limit(void **state)
{
    (void)state;
    daas_buf b = {0};
    daas_buf_init(&b, 4096);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, false, "abcdef", 6, MASK), DAAS_OK);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_CONT, true, "ghijk", 5, MASK), DAAS_OK);
    daas_ws_reader r;
    daas_ws_reader_init(&r, 10, true);
    daas_ws_msg m;
    size_t used;
    assert_int_equal(daas_ws_reader_next(&r, (uint8_t *)b.data, b.len, &used, &m, NULL), DAAS_OK);
    assert_int_equal(m.opcode, 0);
    assert_int_equal(
        daas_ws_reader_next(&r, (uint8_t *)b.data + used, b.len - used, &used, &m, NULL),
        DAAS_ETOOBIG);
    daas_ws_reader_fini(&r);
    /* a new data message inside a fragmented one */
    daas_buf_reset(&b);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, false, "a", 1, MASK), DAAS_OK);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, true, "b", 1, MASK), DAAS_OK);
    daas_ws_reader_init(&r, 10, true);
    assert_int_equal(daas_ws_reader_next(&r, (uint8_t *)b.data, b.len, &used, &m, NULL), DAAS_OK);
    assert_int_equal(
        daas_ws_reader_next(&r, (uint8_t *)b.data + used, b.len - used, &used, &m, NULL),
        DAAS_EINVAL);
    daas_ws_reader_fini(&r);
    daas_buf_fini(&b);
}

static void test_encode_limits(void **state)
{
    (void)state;
    daas_buf b = {0};
    daas_buf_init(&b, 16);
    char big[200] = {0};
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_PING, true, big, 126, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_PING, false, big, 1, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ws_encode(&b, 3, true, big, 1, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ws_encode(&b, DAAS_WS_BINARY, true, big, 100, NULL), DAAS_ETOOBIG);
    assert_int_equal(b.len, 0);
    daas_buf_fini(&b);
    /* a long close reason is cut to fit 125 bytes */
    daas_buf_init(&b, 1024);
    memset(big, 'r', sizeof big - 1);
    assert_int_equal(daas_ws_encode_close(&b, 1011, big, NULL), DAAS_OK);
    assert_int_equal(b.len, 2 + 125);
    daas_buf_fini(&b);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(daas_ws_utf8_valid((const uint8_t *)"h\0\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 12));
    assert_false(daas_ws_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(daas_ws_utf8_valid((const uint8_t *)"\xe0\x80\x80", 3));     /* overlong */
    assert_false(daas_ws_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > 10FFFF */
    assert_false(daas_ws_utf8_valid((const uint8_t *)"\xc3", 1));             /* truncated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_rfc_example),
        cmocka_unit_test(test_rfc_masked_hello),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_fragmented_with_ping),
        cmocka_unit_test(test_violations),
        cmocka_unit_test(test_fragments_over_limit),
        cmocka_unit_test(test_encode_limits),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
