/*
 * conn.c: one blocking keep-alive HTTPS connection, for the load and writer threads.
 *
 * Owns:   the socket and SSL of one client thread; request formatting; reading exactly one
 *         response per request (no pipelining).
 * Not:    framing rules (resp.c), credentials and session reuse (tls.c).
 * Invariants: a connection is used by one thread at a time; after a transport error or a
 *             "Connection: close" response it is closed and reopened by the next request.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "bench.h"

enum { REQ_MAX = 1 << 20, ERRBODY_KEEP = 200 };

void daas_bench_conn_init(daas_bench_conn *c, daas_bench_tls *t)
{
    c->tls = t;
    c->fd = -1;
    c->ssl = NULL;
    c->capture = NULL;
    c->cur = NULL;
    c->status = 0;
    c->errbody[0] = '\0';
    daas_buf_init(&c->req, REQ_MAX);
}

static void conn_close(daas_bench_conn *c)
{
    if (c->ssl != NULL) {
        (void)SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

void daas_bench_conn_fini(daas_bench_conn *c)
{
    conn_close(c);
    daas_buf_fini(&c->req);
}

static int conn_open(daas_bench_conn *c)
{
    c->fd = daas_bench_tcp_connect(c->tls->port, false);
    if (c->fd < 0) {
        snprintf(c->errbody, sizeof c->errbody, "connect: %s", strerror(errno));
        return DAAS_EIO;
    }
    c->ssl = daas_bench_tls_ssl(c->tls, c->fd);
    if (c->ssl == NULL || SSL_connect(c->ssl) != 1) {
        unsigned long e = ERR_get_error();
        if (e != 0)
            ERR_error_string_n(e, c->errbody, sizeof c->errbody);
        ERR_clear_error();
        conn_close(c);
        return DAAS_EIO;
    }
    daas_bench_tls_done(c->tls, c->ssl);
    return DAAS_OK;
}

/* Body sink: the caller's buffer, or the start of an error body for the report. */
static void on_body(void *ud, const char *p, size_t n)
{
    daas_bench_conn *c = ud;
    if (c->capture != NULL) {
        if (daas_buf_append(c->capture, p, n) != DAAS_OK)
            c->capture = NULL; /* over its cap: the caller sees a truncated body */
        return;
    }
    size_t have = strlen(c->errbody);
    if (c->cur->status >= 400 && have < ERRBODY_KEEP) {
        size_t take = n < ERRBODY_KEEP - have ? n : ERRBODY_KEEP - have;
        memcpy(c->errbody + have, p, take);
        c->errbody[have + take] = '\0';
    }
}

/* Describes a failed SSL_read in errbody (for the report). */
static void note_read_error(daas_bench_conn *c, int e, int sys)
{
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && sys == 0))
        snprintf(c->errbody, sizeof c->errbody, "connection closed by the server");
    else if (e == SSL_ERROR_SYSCALL)
        snprintf(c->errbody, sizeof c->errbody, "read: %s", strerror(sys));
    else
        ERR_error_string_n(ERR_peek_error(), c->errbody, sizeof c->errbody);
}

/* Reads until the response is complete. *any says whether any byte arrived. */
static int read_resp(daas_bench_conn *c, daas_bench_resp *r, bool *any)
{
    while (!daas_bench_resp_done(r)) {
        int n = SSL_read(c->ssl, c->rbuf, (int)sizeof c->rbuf);
        if (n <= 0) {
            note_read_error(c, SSL_get_error(c->ssl, n), errno);
            ERR_clear_error();
            /* a body delimited by the connection's end is complete at EOF */
            if (*any && daas_bench_resp_head_done(r) && r->close && r->chunked == false &&
                r->remain == 0)
                return DAAS_OK;
            return DAAS_EIO;
        }
        *any = true;
        size_t used = 0;
        int rc = daas_bench_resp_feed(r, c->rbuf, (size_t)n, &used);
        if (daas_bench_resp_head_done(r))
            c->status = r->status;
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

static int format_req(daas_bench_conn *c, const char *method, const char *path, const char *body,
                      size_t body_len)
{
    daas_buf_reset(&c->req);
    int rc = daas_buf_printf(&c->req,
                             "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                             "User-Agent: bench_api/1.0\r\nAccept: application/json\r\n",
                             method, path, c->tls->port);
    if (rc == DAAS_OK && body != NULL)
        rc = daas_buf_printf(&c->req, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                             body_len);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&c->req, "\r\n");
    if (rc == DAAS_OK && body != NULL)
        rc = daas_buf_append(&c->req, body, body_len);
    return rc;
}

/* One attempt on the current (or a new) connection. */
static int attempt(daas_bench_conn *c, bool *any)
{
    daas_bench_resp r;
    int rc = DAAS_OK;
    if (c->ssl == NULL)
        rc = conn_open(c);
    if (rc != DAAS_OK)
        return rc;
    if (SSL_write(c->ssl, c->req.data, (int)c->req.len) != (int)c->req.len) {
        snprintf(c->errbody, sizeof c->errbody, "send: %s", strerror(errno));
        ERR_clear_error();
        conn_close(c);
        return DAAS_EIO;
    }
    daas_bench_resp_init(&r, on_body, c);
    c->cur = &r;
    rc = read_resp(c, &r, any);
    if (rc != DAAS_OK || r.close)
        conn_close(c);
    return rc;
}

int daas_bench_conn_do(daas_bench_conn *c, const char *method, const char *path, const char *body,
                       size_t body_len, daas_buf *capture, int *status)
{
    bool any = false;
    bool fresh = c->ssl == NULL;
    int rc = format_req(c, method, path, body, body_len);
    if (rc != DAAS_OK)
        return rc;
    c->status = 0;
    c->errbody[0] = '\0';
    c->capture = capture;
    rc = attempt(c, &any);
    /* A kept-alive connection the server closed meanwhile: reconnect and resend once. */
    if (rc == DAAS_EIO && !any && !fresh) {
        if (capture != NULL)
            daas_buf_reset(capture);
        rc = attempt(c, &any);
    }
    c->capture = NULL;
    c->cur = NULL;
    *status = c->status;
    return rc;
}
