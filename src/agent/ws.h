/*
 * ws.h: the server side of WebSocket (RFC 6455) as pure functions: the opening handshake's
 * Sec-WebSocket-Accept, frame encoding, and a reader that turns received bytes into
 * messages (reassembling fragments) and control frames.
 *
 * Owns:   the reader's message buffer (capped at init).
 * Does not own: sockets, timers, the HTTP upgrade itself (serve_exec.c).
 * Invariants:
 *   - no I/O, no globals: usable from a fuzzer;
 *   - a reader never holds more than max_msg payload bytes, whatever the peer claims;
 *   - every protocol violation is an error (DAAS_EINVAL, or DAAS_ETOOBIG for size), after
 *     which the caller closes with 1002 (or 1009); never a crash or an assert.
 * Spec:   RFC 6455 §4.2.2 (accept key), §5.2 (framing), §5.3 (masking), §5.4
 *         (fragmentation), §5.5 (control frames), §7.4 (close codes), §8.1 (UTF-8).
 */
#ifndef DAAS_AGENT_WS_H
#define DAAS_AGENT_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

enum {
    DAAS_WS_CONT = 0x0,
    DAAS_WS_TEXT = 0x1,
    DAAS_WS_BINARY = 0x2,
    DAAS_WS_CLOSE = 0x8,
    DAAS_WS_PING = 0x9,
    DAAS_WS_PONG = 0xA,
};

/* Close codes used here (RFC 6455 §7.4.1). */
enum {
    DAAS_WS_CLOSE_NORMAL = 1000,
    DAAS_WS_CLOSE_PROTOCOL = 1002,
    DAAS_WS_CLOSE_INVALID = 1007,
    DAAS_WS_CLOSE_TOOBIG = 1009,
    DAAS_WS_CLOSE_INTERNAL = 1011,
};

/* Computes Sec-WebSocket-Accept for the client's Sec-WebSocket-Key into out (29 bytes:
 * 28 base64 characters and a NUL). DAAS_EINVAL unless key is the base64 of 16 bytes. */
DAAS_MUST_USE int daas_ws_accept(const char *key, char out[29], daas_err *err);

/* Appends one frame to out: FIN set when fin, the opcode, the payload p[0..n). mask: NULL
 * for a server frame (unmasked), else the 4-byte key a client uses. DAAS_ETOOBIG when out's
 * cap is reached; DAAS_EINVAL for a control frame over 125 bytes or an unknown opcode. */
DAAS_MUST_USE int daas_ws_encode(daas_buf *out, int opcode, bool fin, const void *p, size_t n,
                                 const uint8_t *mask);
/* Appends a close frame with code and a reason (truncated to fit 125 bytes). */
DAAS_MUST_USE int daas_ws_encode_close(daas_buf *out, uint16_t code, const char *reason,
                                       const uint8_t *mask);

/* One received unit: a complete data message (TEXT or BINARY, fragments joined) or a
 * control frame (CLOSE, PING, PONG). opcode 0: nothing complete yet. */
typedef struct daas_ws_msg {
    int opcode;
    const uint8_t *data; /* payload, unmasked; valid until the next call on the reader */
    size_t len;
    uint16_t close_code; /* CLOSE: the peer's code, 1005 when it sent none */
} daas_ws_msg;

typedef struct daas_ws_reader {
    size_t max_msg;   /* cap on one message's payload (all fragments) */
    bool want_masked; /* server side: client frames must be masked (§5.1) */
    daas_buf msg;     /* the data message being assembled */
    int msg_op;       /* its opcode; 0 when no message is open */
    daas_buf ctl;     /* the last control frame's payload */
} daas_ws_reader;

/* want_masked true on a server. Caller storage; never allocates until fed. */
void daas_ws_reader_init(daas_ws_reader *r, size_t max_msg, bool want_masked);
void daas_ws_reader_fini(daas_ws_reader *r);

/* Consumes at most one frame from data[0..len). *consumed: bytes used (0 with DAAS_EAGAIN:
 * the frame is incomplete, feed more). DAAS_OK: *out describes what completed (opcode 0
 * when the frame was a non-final fragment). Errors: DAAS_EINVAL (protocol violation:
 * reserved bits, unknown opcode, unmasked client frame, bad fragmentation, long or
 * fragmented control frame, bad close payload, invalid UTF-8 in a text message or close
 * reason), DAAS_ETOOBIG (message over max_msg). After an error the reader is unusable
 * except for fini. */
DAAS_MUST_USE int daas_ws_reader_next(daas_ws_reader *r, const uint8_t *data, size_t len,
                                      size_t *consumed, daas_ws_msg *out, daas_err *err);

/* True when p[0..n) is valid UTF-8 (NUL bytes allowed). */
bool daas_ws_utf8_valid(const uint8_t *p, size_t n);

#endif
