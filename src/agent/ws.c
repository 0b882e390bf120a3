/*
 * ws.c: WebSocket (RFC 6455) handshake key, frame encoding and the frame reader.
 *
 * Owns:   nothing beyond the reader's buffers (see ws.h).
 * Invariants: pure; bounded memory per reader; a peer's bytes can cause an error, never an
 *             abort.
 * Spec:   RFC 6455 §4.2.2, §5.2-§5.5, §7.4, §8.1.
 */
#include "agent/ws.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int daas_ws_accept(const char *key, char out[29], daas_err *err)
{
    daas_buf raw;
    daas_buf_init(&raw, 64);
    size_t klen = key != NULL ? strlen(key) : 0;
    int rc = klen == 24 ? daas_base64_decode(key, klen, &raw) : DAAS_EINVAL;
    if (rc != DAAS_OK || raw.len != 16) {
        daas_buf_fini(&raw);
        return daas_fail(err, DAAS_EINVAL, "Sec-WebSocket-Key: not the base64 of 16 bytes");
    }
    daas_buf_fini(&raw);
    /* SPEC: RFC 6455 §4.2.2 item 5.4: base64(SHA-1(key + GUID)). */
    char cat[24 + sizeof WS_GUID];
    memcpy(cat, key, 24);
    memcpy(cat + 24, WS_GUID, sizeof WS_GUID);
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)cat, 24 + sizeof WS_GUID - 1, md);
    char *b64 = daas_base64_encode(md, sizeof md);
    snprintf(out, 29, "%s", b64);
    daas_free(b64);
    return DAAS_OK;
}

static bool is_control(int op)
{
    return op >= 0x8;
}

static bool known_op(int op)
{
    return op == DAAS_WS_CONT || op == DAAS_WS_TEXT || op == DAAS_WS_BINARY ||
           op == DAAS_WS_CLOSE || op == DAAS_WS_PING || op == DAAS_WS_PONG;
}

int daas_ws_encode(daas_buf *out, int opcode, bool fin, const void *p, size_t n,
                   const uint8_t *mask)
{
    if (!known_op(opcode) || (is_control(opcode) && (n > 125 || !fin))) {
        return DAAS_EINVAL;
    }
    uint8_t h[14];
    size_t hl = 0;
    h[hl++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    uint8_t mbit = mask != NULL ? 0x80 : 0;
    if (n < 126) {
        h[hl++] = (uint8_t)(mbit | n);
    } else if (n <= 0xFFFF) {
        h[hl++] = (uint8_t)(mbit | 126);
        h[hl++] = (uint8_t)(n >> 8);
        h[hl++] = (uint8_t)n;
    } else {
        h[hl++] = (uint8_t)(mbit | 127);
        for (int i = 7; i >= 0; i--) {
            h[hl++] = (uint8_t)((uint64_t)n >> (8 * i));
        }
    }
    if (mask != NULL) {
        memcpy(h + hl, mask, 4);
        hl += 4;
    }
    size_t start = out->len;
    int rc = daas_buf_append(out, h, hl);
    if (rc == DAAS_OK && n > 0) {
        rc = daas_buf_append(out, p, n);
    }
    if (rc != DAAS_OK) {
        out->len = start; /* no half frame */
        if (out->data != NULL) {
            out->data[start] = '\0';
        }
        return rc;
    }
    if (mask != NULL) {
        uint8_t *d = (uint8_t *)out->data + start + hl;
        for (size_t i = 0; i < n; i++) {
            d[i] ^= mask[i & 3];
        }
    }
    return DAAS_OK;
}

int daas_ws_encode_close(daas_buf *out, uint16_t code, const char *reason, const uint8_t *mask)
{
    uint8_t pl[125];
    size_t rl = reason != NULL ? strlen(reason) : 0;
    if (rl > 123) {
        rl = 123;
        /* do not cut a UTF-8 sequence in half */
        while (rl > 0 && ((uint8_t)reason[rl] & 0xC0) == 0x80) {
            rl--;
        }
    }
    pl[0] = (uint8_t)(code >> 8);
    pl[1] = (uint8_t)code;
    if (rl > 0) {
        memcpy(pl + 2, reason, rl);
    }
    return daas_ws_encode(out, DAAS_WS_CLOSE, true, pl, 2 + rl, mask);
}

/* Length of the valid UTF-8 sequence at p[0..n), or 0. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80) {
        return 1;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

bool daas_ws_utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_seq(p + i, n - i);
        if (l == 0) {
            return false;
        }
        i += l;
    }
    return true;
}

void daas_ws_reader_init(daas_ws_reader *r, size_t max_msg, bool want_masked)
{
    memset(r, 0, sizeof *r);
    r->max_msg = max_msg;
    r->want_masked = want_masked;
    daas_buf_init(&r->msg, max_msg > 0 ? max_msg : 1);
    daas_buf_init(&r->ctl, 125);
}

void daas_ws_reader_fini(daas_ws_reader *r)
{
    daas_buf_fini(&r->msg);
    daas_buf_fini(&r->ctl);
    r->msg_op = 0;
}

/* A parsed frame header. */
typedef struct hdr {
    bool fin;
    int op;
    bool masked;
    uint8_t mask[4];
    uint64_t len;
    size_t hlen; /* header bytes */
} hdr;

/* Parses the frame header at data; DAAS_EAGAIN when incomplete. */
static int parse_hdr(const uint8_t *d, size_t n, hdr *h, daas_err *err)
{
    if (n < 2) {
        return DAAS_EAGAIN;
    }
    if ((d[0] & 0x70) != 0) {
        return daas_fail(err, DAAS_EINVAL, "websocket: reserved bits set (no extension)");
    }
    h->fin = (d[0] & 0x80) != 0;
    h->op = d[0] & 0x0F;
    h->masked = (d[1] & 0x80) != 0;
    h->len = d[1] & 0x7F;
    size_t off = 2;
    if (h->len == 126 || h->len == 127) {
        size_t nb = h->len == 126 ? 2 : 8;
        if (n < off + nb) {
            return DAAS_EAGAIN;
        }
        h->len = 0;
        for (size_t i = 0; i < nb; i++) {
            h->len = (h->len << 8) | d[off + i];
        }
        off += nb;
        /* SPEC: RFC 6455 §5.2: the most significant bit of a 64-bit length must be 0. */
        if (nb == 8 && (h->len >> 63) != 0) {
            return daas_fail(err, DAAS_EINVAL, "websocket: 64-bit length with its top bit set");
        }
    }
    if (h->masked) {
        if (n < off + 4) {
            return DAAS_EAGAIN;
        }
        memcpy(h->mask, d + off, 4);
        off += 4;
    }
    h->hlen = off;
    return DAAS_OK;
}

/* Checks h against the protocol rules and the reader's state. */
static int check_hdr(const daas_ws_reader *r, const hdr *h, daas_err *err)
{
    if (!known_op(h->op)) {
        return daas_fail(err, DAAS_EINVAL, "websocket: unknown opcode %d", h->op);
    }
    if (r->want_masked && !h->masked) {
        return daas_fail(err, DAAS_EINVAL, "websocket: client frame not masked");
    }
    if (is_control(h->op) && (!h->fin || h->len > 125)) {
        return daas_fail(err, DAAS_EINVAL, "websocket: fragmented or long control frame");
    }
    if (h->op == DAAS_WS_CONT && r->msg_op == 0) {
        return daas_fail(err, DAAS_EINVAL, "websocket: continuation without a message");
    }
    if ((h->op == DAAS_WS_TEXT || h->op == DAAS_WS_BINARY) && r->msg_op != 0) {
        return daas_fail(err, DAAS_EINVAL, "websocket: new message inside a fragmented one");
    }
    uint64_t total = h->len + (is_control(h->op) ? 0 : (uint64_t)r->msg.len);
    if (!is_control(h->op) && (h->len > r->max_msg || total > r->max_msg)) {
        return daas_fail(err, DAAS_ETOOBIG, "websocket: message over %zu bytes", r->max_msg);
    }
    return DAAS_OK;
}

/* Appends the unmasked payload to b. */
static int take_payload(daas_buf *b, const uint8_t *p, size_t n, const hdr *h)
{
    size_t start = b->len;
    int rc = daas_buf_append(b, p, n);
    if (rc != DAAS_OK || !h->masked) {
        return rc;
    }
    uint8_t *d = (uint8_t *)b->data + start;
    for (size_t i = 0; i < n; i++) {
        d[i] ^= h->mask[i & 3];
    }
    return DAAS_OK;
}

/* Validates a close frame's payload and fills out. */
static int finish_close(const daas_buf *c, daas_ws_msg *out, daas_err *err)
{
    const uint8_t *p = (const uint8_t *)c->data;
    out->close_code = 1005;
    if (c->len == 0) {
        return DAAS_OK;
    }
    if (c->len == 1) {
        return daas_fail(err, DAAS_EINVAL, "websocket: close payload of 1 byte");
    }
    uint16_t code = (uint16_t)((p[0] << 8) | p[1]);
    /* SPEC: RFC 6455 §7.4: codes a peer may send (1004-1006, 1015 are reserved). */
    bool ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
              (code >= 3000 && code <= 4999);
    if (!ok) {
        return daas_fail(err, DAAS_EINVAL, "websocket: close code %u not allowed", code);
    }
    if (!daas_ws_utf8_valid(p + 2, c->len - 2)) {
        return daas_fail(err, DAAS_EINVAL, "websocket: close reason is not UTF-8");
    }
    out->close_code = code;
    return DAAS_OK;
}

static int control_frame(daas_ws_reader *r, const uint8_t *p, const hdr *h, daas_ws_msg *out,
                         daas_err *err)
{
    daas_buf_reset(&r->ctl);
    int rc = take_payload(&r->ctl, p, (size_t)h->len, h);
    if (rc != DAAS_OK) {
        return daas_fail(err, rc, "websocket: control frame");
    }
    if (h->op == DAAS_WS_CLOSE) {
        rc = finish_close(&r->ctl, out, err);
        if (rc != DAAS_OK) {
            return rc;
        }
    }
    out->opcode = h->op;
    out->data = (const uint8_t *)(r->ctl.data != NULL ? r->ctl.data : "");
    out->len = r->ctl.len;
    return DAAS_OK;
}

static int data_frame(daas_ws_reader *r, const uint8_t *p, const hdr *h, daas_ws_msg *out,
                      daas_err *err)
{
    if (h->op != DAAS_WS_CONT) {
        daas_buf_reset(&r->msg);
        r->msg_op = h->op;
    }
    int rc = take_payload(&r->msg, p, (size_t)h->len, h);
    if (rc != DAAS_OK) {
        return daas_fail(err, rc, "websocket: message over %zu bytes", r->max_msg);
    }
    if (!h->fin) {
        return DAAS_OK;
    }
    if (r->msg_op == DAAS_WS_TEXT &&
        !daas_ws_utf8_valid((const uint8_t *)r->msg.data, r->msg.len)) {
        return daas_fail(err, DAAS_EINVAL, "websocket: text message is not UTF-8");
    }
    out->opcode = r->msg_op;
    out->data = (const uint8_t *)(r->msg.data != NULL ? r->msg.data : "");
    out->len = r->msg.len;
    r->msg_op = 0;
    return DAAS_OK;
}

int daas_ws_reader_next(daas_ws_reader *r, const uint8_t *data, size_t len, size_t *consumed,
                        daas_ws_msg *out, daas_err *err)
{
    hdr h;
    memset(out, 0, sizeof *out);
    *consumed = 0;
    int rc = parse_hdr(data, len, &h, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    rc = check_hdr(r, &h, err);
    if (rc != DAAS_OK) {
        return rc;
    }
    if (len - h.hlen < h.len) {
        return DAAS_EAGAIN;
    }
    const uint8_t *p = data + h.hlen;
    rc = is_control(h.op) ? control_frame(r, p, &h, out, err) : data_frame(r, p, &h, out, err);
    if (rc == DAAS_OK) {
        *consumed = h.hlen + (size_t)h.len;
    }
    return rc;
}
