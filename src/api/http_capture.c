/*
 * http_capture.c: capture responses, which record what a handler answers instead of sending
 * it (resp->c == NULL). Tests and the API fuzz target drive handlers through them.
 *
 * Owns:   the capture buffer of such responses.
 * Invariants: a capture body is capped at 64 MiB (DAAS_ETOOBIG on a stream write past it).
 */
#include "api/http_srv.h"

#define CAPTURE_MAX ((size_t)64 << 20)
#define CAPTURE_HEADERS ((size_t)64 << 10)

daas_http_resp *daas_http_capture_new(void)
{
    daas_http_resp *r = daas_xcalloc(1, sizeof *r);
    r->cap = daas_xcalloc(1, sizeof *r->cap);
    daas_buf_init(r->cap, CAPTURE_MAX);
    daas_buf_init(&r->cap_headers, CAPTURE_HEADERS + 4096);
    return r;
}

int daas_http_capture_status(const daas_http_resp *resp)
{
    return resp->cap_status;
}

const char *daas_http_capture_body(const daas_http_resp *resp, size_t *len)
{
    if (len)
        *len = resp->cap->len;
    return resp->cap->data ? resp->cap->data : "";
}

const char *daas_http_capture_headers(const daas_http_resp *resp)
{
    return resp->cap_headers.data ? resp->cap_headers.data : "";
}

void daas_http_capture_free(daas_http_resp **resp)
{
    daas_http_resp *r = *resp;
    if (r == NULL)
        return;
    *resp = NULL;
    daas_buf_fini(r->cap);
    daas_buf_fini(&r->cap_headers);
    daas_free(r->cap);
    daas_free(r);
}

void daas_http__cap_respond(daas_http_resp *resp, int status, const char *const *headers,
                            const void *body, size_t len)
{
    resp->cap_status = status;
    for (size_t i = 0; headers && headers[i] && resp->cap_headers.len < CAPTURE_HEADERS; i++)
        if (daas_buf_puts(&resp->cap_headers, headers[i]) != DAAS_OK ||
            daas_buf_puts(&resp->cap_headers, "\r\n") != DAAS_OK)
            resp->cap_status = 500;
    if (daas_buf_append(resp->cap, body, len) != DAAS_OK)
        resp->cap_status = 500;
}

void daas_http__cap_stream_start(daas_http_resp *resp, int status)
{
    resp->cap_status = status;
}

int daas_http__cap_write(daas_http_resp *resp, const void *p, size_t n)
{
    return daas_buf_append(resp->cap, p, n);
}
