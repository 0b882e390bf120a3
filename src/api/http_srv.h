/*
 * http_srv.h: the server-side structures that http.c, http_loop.c and http_capture.c share
 * (private to those files).
 *
 * Owns:   struct definitions of connections, responses, loops, timers and the server.
 * Invariants: see http.c's opening comment (a connection belongs to one loop thread).
 */
#ifndef DAAS_API_HTTP_SRV_H
#define DAAS_API_HTTP_SRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>

#include "api/http_int.h"

#define MOD "http"
#define MAX_THREADS 256
/* Responses queued for a slow reader before we stop reading its next request. */
#define OUT_HIGH ((size_t)256 << 10)
/* How long a closing connection keeps draining input after our last answer. */
#define LINGER_MS 2000

enum { PH_HEAD, PH_BODY, PH_HANDLER, PH_CLOSING, PH_LINGER, PH_DEAD };
enum { R_NONE, R_STREAM, R_DONE };

typedef struct conn conn;

struct daas_http_resp {
    conn *c;                   /* the connection this response belongs to; NULL for a
                                  capture response (http_capture.c) */
    daas_buf *cap;             /* capture responses: the body written so far */
    int cap_status;            /* capture responses: the status answered */
    daas_buf cap_headers;      /* capture responses: the extra headers ("Name: value\r\n") */
    int state;                 /* R_NONE until respond or stream_start, R_DONE after */
    void (*on_close)(void *);  /* run once if the peer or the server goes first */
    void *on_close_arg;
};

struct conn {
    daas_http_loop *loop;
    struct bufferevent *bev;
    conn *prev, *next;          /* the loop's list of connections */
    int phase;                  /* PH_* */
    bool tls;
    bool in_run;                /* conn_run() is on the stack: no resume event needed */
    bool peer_gone;             /* EOF, error or timeout seen: writes are pointless */
    bool broken;                /* error or timeout: nothing more can be flushed */
    bool peer_done;             /* peer filled from the TLS session */
    bool keep;                  /* the current response keeps the connection open */
    bool chunked;               /* the current stream uses the chunked coding */
    daas_http_peer peer;
    char remote[64];
    daas_http__head head;       /* the head of the request being read */
    daas_http_parsed req;       /* the request being read or handled */
    uint8_t *body;              /* Content-Length body being read */
    size_t body_len, body_cap;
    daas_http__chunked ch;      /* chunked body being read */
    daas_http_resp resp;
    struct event timer;         /* idle deadline (HEAD, BODY) or linger deadline */
    struct event resume;        /* runs conn_run() after a response finished from outside */
};

typedef struct post {
    void (*fn)(void *);
    void *arg;
    struct post *next;
} post;

struct daas_http_timer {
    struct event ev;
    daas_http_loop *loop;
    void (*fn)(void *);
    void *arg;
    daas_http_timer *prev, *next; /* the loop's list of pending timers */
};

struct daas_http_loop {
    daas_http_server *srv;
    struct event_base *base;
    struct evconnlistener *lis;
    pthread_t thread;
    bool running;               /* thread started and not yet joined */
    pthread_mutex_t qlock;
    post *qhead, *qtail;        /* posted functions, guarded by qlock */
    bool qstopped;              /* guarded by qlock: the loop no longer runs posts */
    struct event post_ev;       /* made active (from any thread) when qhead fills */
    struct event retry_ev;      /* re-enables the listener after an accept error */
    struct timeval idle_tv;     /* idle timeout as a libevent common timeout (O(1) queues) */
    struct timeval linger_tv;   /* LINGER_MS, likewise */
    conn *conns;                /* loop thread only */
    daas_http_timer *timers;    /* loop thread only */
};

struct daas_http_server {
    daas_http_config cfg;       /* frozen at new; bind_addr points at bind_addr below */
    char *bind_addr;
    daas_http_limits lim;       /* cfg.limits with defaults applied */
    int port;
    int nloops;
    daas_http_loop *loops;
    pthread_mutex_t lock;       /* guards started and stopped */
    bool started, stopped;
    atomic_bool stopping;       /* read by loops: answer with Connection: close */
};

/* http_loop.c: posted functions. */
void daas_http__run_posts(daas_http_loop *loop);
void daas_http__on_post(evutil_socket_t fd, short what, void *arg);

/* http_capture.c: the capture-response side of the response functions (resp->c == NULL). */
void daas_http__cap_respond(daas_http_resp *resp, int status, const char *const *headers,
                            const void *body, size_t len);
void daas_http__cap_stream_start(daas_http_resp *resp, int status);
int daas_http__cap_write(daas_http_resp *resp, const void *p, size_t n);

#endif
