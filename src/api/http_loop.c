/*
 * http_loop.c: what other threads may ask of a loop (posted functions) and loop timers.
 *
 * Owns:   the per-loop queue of posted functions and the list of pending timers.
 * Invariants: daas_http_loop_post is the only function here callable from any thread (a
 *             locked queue plus event_active on a locking base); timers are loop-thread only.
 */
#include "api/http_srv.h"

#include <event2/event.h>

void daas_http__run_posts(daas_http_loop *loop)
{
    pthread_mutex_lock(&loop->qlock);
    post *p = loop->qhead;
    loop->qhead = loop->qtail = NULL;
    pthread_mutex_unlock(&loop->qlock);
    while (p != NULL) {
        post *next = p->next;
        p->fn(p->arg);
        daas_free(p);
        p = next;
    }
}

void daas_http__on_post(evutil_socket_t fd, short what, void *arg)
{
    daas_http__run_posts(arg);
}

/* Thread: any. fn runs on the loop's thread, in posting order; after the server stopped, it
 * runs on the thread that stops or frees the server. */
void daas_http_loop_post(daas_http_loop *loop, void (*fn)(void *arg), void *arg)
{
    post *p = daas_xmalloc(sizeof *p);
    p->fn = fn;
    p->arg = arg;
    p->next = NULL;
    pthread_mutex_lock(&loop->qlock);
    bool wake = loop->qhead == NULL && !loop->qstopped;
    if (loop->qtail)
        loop->qtail->next = p;
    else
        loop->qhead = p;
    loop->qtail = p;
    pthread_mutex_unlock(&loop->qlock);
    if (wake)
        event_active(&loop->post_ev, EV_READ, 0);
}

static void timer_unlink(daas_http_timer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        t->loop->timers = t->next;
    if (t->next)
        t->next->prev = t->prev;
}

static void on_user_timer(evutil_socket_t fd, short what, void *arg)
{
    daas_http_timer *t = arg;
    void (*fn)(void *) = t->fn;
    void *targ = t->arg;
    timer_unlink(t);
    daas_free(t);
    fn(targ);
}

/* Thread: the loop's. The handle is valid until the timer fires or is cancelled; timers
 * still pending when the server stops are dropped without running. */
daas_http_timer *daas_http_loop_timer(daas_http_loop *loop, int64_t ms, void (*fn)(void *arg),
                                      void *arg)
{
    daas_http_timer *t = daas_xcalloc(1, sizeof *t);
    t->loop = loop;
    t->fn = fn;
    t->arg = arg;
    t->next = loop->timers;
    if (loop->timers)
        loop->timers->prev = t;
    loop->timers = t;
    evtimer_assign(&t->ev, loop->base, on_user_timer, t);
    if (ms < 0)
        ms = 0;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    evtimer_add(&t->ev, &tv);
    return t;
}

/* Contract in http.h. Loop thread; accepts NULL and *t == NULL. */
void daas_http_timer_cancel(daas_http_timer **t)
{
    if (t == NULL || *t == NULL)
        return;
    evtimer_del(&(*t)->ev);
    timer_unlink(*t);
    daas_free(*t);
    *t = NULL;
}

