/*
 * http_capture.c: capture responses, which record what a handler answers instead of sending
 * it (resp->c == NULL). Tests and the API fuzz target drive handlers through them.
 *
 * Owns:   the capture buffer of such responses.
 * Invariants: a capture body is capped at 64 MiB (DAAS_ETOOBIG on a stream write past it).
 */
#include "api/http_srv.h"

#define CAPTURE_MAX ((size_t)64 << 20)

daas_http_resp *daas_http_capture_new(void)
{
    daas_http_resp *r = daas_xcalloc(1, sizeof *r);
    r->cap = daas_xcalloc(1, sizeof *r->cap);
    daas_buf_init(r->cap, CAPTURE_MAX);
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

void daas_http_capture_free(daas_http_resp **resp)
{
    daas_http_resp *r = *resp;
    if (r == NULL)
        return;
    *resp = NULL;
    daas_buf_fini(r->cap);
    daas_free(r->cap);
    daas_free(r);
}

void daas_http__cap_respond(daas_http_resp *resp, int status, const void *body, size_t len)
{
    resp->cap_status = status;
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
