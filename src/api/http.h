/*
 * http.h: the HTTP/1.1 server under the API (TLS through OpenSSL, libevent loops, threads).
 *
 * Owns:   listening sockets, connections, request parsing, keep-alive, chunked streaming
 *         responses, per-thread event loops and cross-thread posting.
 * Not:    routing or Kubernetes semantics (api.c); certificates (pki/).
 * Model:  N worker threads, each with its own event loop and its own SO_REUSEPORT listener;
 *         a connection lives on one thread for its whole life; handlers run on that thread and
 *         may block briefly (a durable store write).
 * Invariants:
 *   - every parse error and limit violation is answered with a Kubernetes Status JSON body
 *     (400, 413, 431, 501) and the connection is closed; nothing reaches the handler;
 *   - a request body never exceeds cfg.max_body bytes in memory;
 *   - a response object is used only on its connection's loop thread.
 */
#ifndef DAAS_API_HTTP_H
#define DAAS_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct daas_http_server daas_http_server;
typedef struct daas_http_resp daas_http_resp;
typedef struct daas_http_loop daas_http_loop;

typedef struct daas_http_header {
    const char *name;  /* as sent (compare case-insensitively) */
    const char *value; /* leading/trailing blanks trimmed */
} daas_http_header;

/* The identity the TLS layer verified: the client certificate chained to the CA given in
 * the SSL_CTX. verified false when no (valid) certificate was presented. */
typedef struct daas_http_peer {
    bool verified;
    char cn[256];       /* subject CN */
    char orgs[8][128];  /* subject O values */
    int norgs;
} daas_http_peer;

/* A parsed request. Every pointer lives until the response is finished. */
typedef struct daas_http_req {
    const char *method;  /* "GET", "POST", ... (upper case as sent) */
    const char *target;  /* raw request-target: "/api/v1/pods?limit=500" */
    const char *path;    /* target up to '?', percent-decoded; never contains NUL bytes */
    const char *query;   /* raw query string after '?' ("" when none) */
    daas_http_header *headers;
    size_t nheaders;
    daas_bytes body;     /* de-chunked body (len 0 when none) */
    const daas_http_peer *peer;
    const char *remote;  /* "127.0.0.1:54321" */
} daas_http_req;

typedef struct daas_http_limits {
    size_t max_header; /* request line + headers (default 64 KiB) → 431 */
    size_t max_body;   /* body bytes (default 3 MiB) → 413 */
    size_t max_headers_count; /* default 100 → 431 */
} daas_http_limits;

/* Parses one request from data[0..len). On DAAS_OK, *consumed is the number of bytes the
 * request used and out->req points into memory owned by *out (daas_http_parsed_fini).
 * DAAS_EAGAIN: more bytes are needed (nothing to free). Errors: DAAS_EINVAL (malformed, 400),
 * DAAS_ETOOBIG (body over the limit, 413), DAAS_EHEADERS (header section over the limits,
 * 431), DAAS_ENOTIMPL (unsupported transfer coding or HTTP version, 501). Pure: no I/O,
 * usable from a fuzzer. On error nothing is left to free. */
typedef struct daas_http_parsed {
    daas_http_req req;
    char *_mem;         /* one allocation holding every string of req */
    daas_http_header *_hdrs;
    uint8_t *_body;
    bool keep_alive;    /* HTTP/1.1 without "Connection: close", or 1.0 with keep-alive */
} daas_http_parsed;

int daas_http_parse(const uint8_t *data, size_t len, const daas_http_limits *lim,
                    daas_http_parsed *out, size_t *consumed, daas_err *err);
void daas_http_parsed_fini(daas_http_parsed *p);

/* Case-insensitive header lookup; NULL when absent. The first occurrence wins. */
const char *daas_http_req_header(const daas_http_req *req, const char *name);

/* Decodes one query parameter (percent-decoding, '+' as space) into a new string, or NULL
 * when absent. A name given without '=' yields "". */
char *daas_http_query_get(const char *query, const char *name);

/* Called for every complete request on the connection's loop thread. The handler must, now
 * or later on the same thread, either call daas_http_respond once, or start a stream. */
typedef void (*daas_http_handler)(void *arg, const daas_http_req *req, daas_http_resp *resp);

typedef struct daas_http_config {
    const char *bind_addr;   /* "0.0.0.0", "127.0.0.1", "::" (default "0.0.0.0") */
    int port;                /* 0 picks a free port (see daas_http_server_port) */
    SSL_CTX *tls;            /* borrowed; NULL = plain HTTP (tests that say so only) */
    int threads;             /* worker threads (default 8) */
    daas_http_limits limits;
    daas_http_handler handler;
    void *arg;
    int idle_timeout_s;      /* close idle keep-alive connections (default 120) */
    int listen_fd;           /* > 0: an already listening socket (TCP, Unix or vsock) the
                                server accepts on instead of binding bind_addr:port; borrowed:
                                every worker listens on its own duplicate, so the caller may
                                close it once daas_http_server_new returned (the duplicates
                                share its file status: it becomes non-blocking). 0 or -1:
                                bind bind_addr:port. */
} daas_http_config;

DAAS_MUST_USE int daas_http_server_new(const daas_http_config *cfg, daas_http_server **out,
                                       daas_err *err);
/* Starts the worker threads; returns at once. */
DAAS_MUST_USE int daas_http_server_start(daas_http_server *srv, daas_err *err);
/* The bound port (useful when cfg.port was 0); 0 for an adopted Unix or vsock socket. */
int daas_http_server_port(const daas_http_server *srv);
/* Stops accepting, closes every connection, joins the threads. Thread-safe, idempotent. */
void daas_http_server_stop(daas_http_server *srv);
void daas_http_server_free(daas_http_server **srv);

/* A complete response. extra_headers: NULL or a NULL-terminated list of "Name: value"
 * strings. Copies body. Ends the response (keep-alive honoured). */
void daas_http_respond(daas_http_resp *resp, int status, const char *content_type,
                       const char *const *extra_headers, const void *body, size_t len);

/* Streaming (chunked) response: start, write any number of chunks, end. A write fails with
 * DAAS_ECLOSED once the peer has gone, and with DAAS_ETOOBIG when more than max_pending
 * bytes wait unsent (a slow watcher); the caller then ends the stream. */
void daas_http_stream_start(daas_http_resp *resp, int status, const char *content_type);
DAAS_MUST_USE int daas_http_stream_write(daas_http_resp *resp, const void *p, size_t n,
                                         size_t max_pending);
/* Bytes written but not yet sent to the peer. */
size_t daas_http_stream_pending(daas_http_resp *resp);
void daas_http_stream_end(daas_http_resp *resp);

/* Registers a callback run (on the loop thread) when the peer closes or the server stops
 * while a stream is open; after it runs the resp is gone: end or write must not follow. */
void daas_http_on_close(daas_http_resp *resp, void (*cb)(void *arg), void *arg);

/* The loop a response lives on, and a thread-safe way to run fn(arg) on that loop soon. */
daas_http_loop *daas_http_resp_loop(daas_http_resp *resp);
void daas_http_loop_post(daas_http_loop *loop, void (*fn)(void *arg), void *arg);
/* Runs fn(arg) on the loop after ms milliseconds (loop thread only). Returns a handle to
 * cancel with daas_http_timer_cancel before it fires. */
typedef struct daas_http_timer daas_http_timer;
daas_http_timer *daas_http_loop_timer(daas_http_loop *loop, int64_t ms, void (*fn)(void *arg),
                                      void *arg);
void daas_http_timer_cancel(daas_http_timer **t);

/* Takes the connection over, for a protocol upgrade (WebSocket) or a raw proxy: the HTTP
 * layer stops reading, writing and timing it and forgets it. *bev_out is its bufferevent
 * (TLS or plain, on the response's loop base, callbacks cleared, reading disabled); its
 * input buffer holds any bytes the client sent after this request. The caller owns it and
 * frees it on that loop thread (bufferevent_free). req stays valid until the handler
 * returns. DAAS_EINVAL for a capture response or once a response has started; DAAS_ECLOSED
 * when the client has already gone. */
struct bufferevent;
struct event_base;
DAAS_MUST_USE int daas_http_hijack(daas_http_resp *resp, struct bufferevent **bev_out,
                                   daas_err *err);
/* The libevent base of a loop (for the hijacker's own events; loop thread only). */
struct event_base *daas_http_loop_base(daas_http_loop *loop);

/* A response that records the status and body in memory instead of sending them: for tests
 * and fuzzing of handlers without sockets. It has no loop (daas_http_resp_loop gives NULL),
 * so handlers that post or set timers cannot use it; streams are recorded as written. */
daas_http_resp *daas_http_capture_new(void);
/* The status answered (0 before any response) and the body so far (NUL-terminated). */
int daas_http_capture_status(const daas_http_resp *resp);
const char *daas_http_capture_body(const daas_http_resp *resp, size_t *len);
/* The extra headers of a capture response ("Name: value\r\n" each; "" when none). */
const char *daas_http_capture_headers(const daas_http_resp *resp);
void daas_http_capture_free(daas_http_resp **resp);

/* Writes a Kubernetes Status JSON for a DAAS_E* code (HTTP status and reason from err.h's
 * table) and a message into b. Used by http.c for the errors it answers itself. */
DAAS_MUST_USE int daas_http_status_json(daas_buf *b, int code, const char *message);

#endif
