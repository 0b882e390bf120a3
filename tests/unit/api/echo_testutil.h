/*
 * echo_testutil.h: hijacked connections that echo what they read, for the tests of
 * daas_http_hijack and of the pod proxy's stand-in agent (header-only, static). The
 * connections are held in one list so the test can free those still open once the loops
 * have stopped.
 */
#ifndef DAAS_TEST_ECHO_TESTUTIL_H
#define DAAS_TEST_ECHO_TESTUTIL_H

#include <pthread.h>
#include <stdatomic.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/alloc.h"

typedef struct echo_held {
    struct bufferevent *bev;
    struct echo_held *next;
} echo_held;

static struct {
    pthread_mutex_t mu;
    echo_held *list;  /* guarded by mu */
    atomic_int freed; /* connections the echo saw close */
} echo_g = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void echo_unhold(struct bufferevent *bev)
{
    pthread_mutex_lock(&echo_g.mu);
    for (echo_held **p = &echo_g.list; *p != NULL; p = &(*p)->next)
        if ((*p)->bev == bev) {
            echo_held *h = *p;
            *p = h->next;
            daas_free(h);
            break;
        }
    pthread_mutex_unlock(&echo_g.mu);
}

static void echo_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void echo_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        echo_unhold(bev);
        bufferevent_free(bev);
        atomic_fetch_add(&echo_g.freed, 1);
    }
}

/* Holds bev (a hijacked connection) and echoes on it from now on. */
static void echo_hold(struct bufferevent *bev)
{
    echo_held *h = daas_xcalloc(1, sizeof *h);
    h->bev = bev;
    pthread_mutex_lock(&echo_g.mu);
    h->next = echo_g.list;
    echo_g.list = h;
    pthread_mutex_unlock(&echo_g.mu);
    bufferevent_setcb(bev, echo_read, NULL, echo_event, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* Frees the connections still held; only once the loops have stopped. How many. */
static int echo_free_held(void)
{
    int n = 0;
    pthread_mutex_lock(&echo_g.mu);
    while (echo_g.list != NULL) {
        echo_held *h = echo_g.list;
        echo_g.list = h->next;
        bufferevent_free(h->bev);
        daas_free(h);
        n++;
    }
    pthread_mutex_unlock(&echo_g.mu);
    return n;
}

#endif
