/*
 * fuzz_ws.c: libFuzzer target for the WebSocket frame reader (src/agent/ws.c).
 *
 * Owns:   nothing. Besides "no crash, no leak, no UB", it checks properties:
 *   - a reader fed the whole input frame by frame consumes exactly what it claims and
 *     never reports more than max_msg bytes in a message;
 *   - every error is DAAS_EINVAL or DAAS_ETOOBIG with a message;
 *   - each completed data message, re-encoded masked, reads back identical;
 *   - the first byte of the input picks the masked (server) or unmasked (client) reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ws.h"

#define MAX_MSG 4096

static void check_reencode(const daas_ws_msg *m)
{
    static const uint8_t mask[4] = {1, 2, 3, 4};
    daas_buf b = {0};
    daas_buf_init(&b, MAX_MSG + 64);
    if (daas_ws_encode(&b, m->opcode, true, m->data, m->len, mask) != DAAS_OK)
        abort();
    daas_ws_reader r;
    daas_ws_reader_init(&r, MAX_MSG, true);
    daas_ws_msg back;
    size_t used;
    if (daas_ws_reader_next(&r, (const uint8_t *)b.data, b.len, &used, &back, NULL) != DAAS_OK ||
        used != b.len || back.opcode != m->opcode || back.len != m->len ||
        (m->len > 0 && memcmp(back.data, m->data, m->len) != 0))
        abort();
    daas_ws_reader_fini(&r);
    daas_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    daas_ws_reader r;
    daas_ws_reader_init(&r, MAX_MSG, (data[0] & 1) == 0);
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    for (;;) {
        daas_ws_msg m;
        size_t used = 0;
        daas_err err = {0};
        int rc = daas_ws_reader_next(&r, p, left, &used, &m, &err);
        if (rc == DAAS_EAGAIN) {
            if (used != 0)
                abort();
            break;
        }
        if (rc != DAAS_OK) {
            if ((rc != DAAS_EINVAL && rc != DAAS_ETOOBIG) || err.msg[0] == '\0')
                abort();
            break;
        }
        if (used == 0 || used > left || m.len > MAX_MSG)
            abort();
        if (m.opcode == DAAS_WS_TEXT || m.opcode == DAAS_WS_BINARY)
            check_reencode(&m);
        p += used;
        left -= used;
    }
    daas_ws_reader_fini(&r);
    return 0;
}
