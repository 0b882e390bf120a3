/*
 * queue.c: the rate-limited work queue of controllers (client-go's workqueue), and the small
 *          string map the framework shares.
 *
 * Owns:   a FIFO of keys with a dirty set (keys waiting) and a processing set (keys handed
 *         out), delayed keys (add_after) with their due times, per-key failure counts and one
 *         token bucket; one mutex guards them all, one condvar wakes getters.
 * Invariants: a key is in the FIFO iff it is dirty and not processing; a processing key is
 *             never handed out again before its done; a key is delayed at most once (its
 *             earliest due time wins).
 * Spec:   client-go util/workqueue queue.go, delaying_queue.go, default_rate_limiters.go
 *         (DefaultControllerRateLimiter: max of ItemExponentialFailureRateLimiter(5ms, 1000s)
 *         and BucketRateLimiter(rate.NewLimiter(10, 100))).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/ctrl.h"
#include "ctrl/ctrl_int.h"

/* ---- the map ---- */

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

static daas_ctrl__ent **slot(const daas_ctrl__map *m, const char *key)
{
    if (m->nb == 0)
        return NULL;
    daas_ctrl__ent **p = &m->b[hash(key) & (m->nb - 1)];
    while (*p && strcmp((*p)->key, key) != 0)
        p = &(*p)->next;
    return p;
}

static void grow(daas_ctrl__map *m)
{
    size_t nb = m->nb ? m->nb * 2 : 16;
    daas_ctrl__ent **b = daas_xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < m->nb; i++) {
        daas_ctrl__ent *e = m->b[i], *next;
        for (; e; e = next) {
            next = e->next;
            size_t j = hash(e->key) & (nb - 1);
            e->next = b[j];
            b[j] = e;
        }
    }
    daas_free(m->b);
    m->b = b;
    m->nb = nb;
}

void *daas_ctrl__map_get(const daas_ctrl__map *m, const char *key)
{
    daas_ctrl__ent **p = slot(m, key);
    return p && *p ? (*p)->val : NULL;
}

bool daas_ctrl__map_has(const daas_ctrl__map *m, const char *key)
{
    daas_ctrl__ent **p = slot(m, key);
    return p && *p;
}

void *daas_ctrl__map_put(daas_ctrl__map *m, const char *key, void *val)
{
    daas_ctrl__ent **p = slot(m, key);
    if (p && *p) {
        void *old = (*p)->val;
        (*p)->val = val;
        return old;
    }
    if (m->n + 1 > m->nb * 3 / 4)
        grow(m);
    daas_ctrl__ent *e = daas_xcalloc(1, sizeof *e);
    size_t j = hash(key) & (m->nb - 1);
    e->key = daas_xstrdup(key);
    e->val = val;
    e->next = m->b[j];
    m->b[j] = e;
    m->n++;
    return NULL;
}

void *daas_ctrl__map_del(daas_ctrl__map *m, const char *key)
{
    daas_ctrl__ent **p = slot(m, key);
    if (p == NULL || *p == NULL)
        return NULL;
    daas_ctrl__ent *e = *p;
    void *val = e->val;
    *p = e->next;
    daas_free(e->key);
    daas_free(e);
    m->n--;
    return val;
}

void daas_ctrl__map_each(const daas_ctrl__map *m, void (*fn)(void *arg, const char *key, void *val),
                         void *arg)
{
    for (size_t i = 0; i < m->nb; i++)
        for (daas_ctrl__ent *e = m->b[i]; e; e = e->next)
            fn(arg, e->key, e->val);
}

void daas_ctrl__map_fini(daas_ctrl__map *m, void (*free_val)(void *val))
{
    for (size_t i = 0; i < m->nb; i++) {
        daas_ctrl__ent *e = m->b[i], *next;
        for (; e; e = next) {
            next = e->next;
            if (free_val && e->val)
                free_val(e->val);
            daas_free(e->key);
            daas_free(e);
        }
    }
    daas_free(m->b);
    memset(m, 0, sizeof *m);
}

/* ---- clocks ---- */

int64_t daas_ctrl__mono_ms(void)
{
    return daas_mono_ns() / 1000000;
}

int64_t daas_ctrl__clock(daas_ctrl_clock_fn fn, void *arg, bool wall)
{
    if (fn)
        return fn(arg);
    return wall ? daas_now_ms() : daas_ctrl__mono_ms();
}

/* ---- the queue ---- */

struct daas_ctrl_queue {
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* signalled on add, on shutdown, and when a delay is shortened */
    char **fifo;        /* owned keys, ring of cap entries from head */
    size_t head, n, cap;
    daas_ctrl__map dirty;      /* keys waiting (values unused) */
    daas_ctrl__map processing; /* keys handed out (values unused) */
    daas_ctrl__map delayed;    /* key -> int64_t * due time (owned) */
    daas_ctrl__map failures;   /* key -> (intptr_t) failure count */
    double tokens;             /* token bucket */
    int64_t bucket_at;         /* clock of the last refill */
    bool shut;
    daas_ctrl_queue_opts o;
};

static int64_t now_ms(daas_ctrl_queue *q)
{
    return daas_ctrl__clock(q->o.clock, q->o.clock_arg, false);
}

daas_ctrl_queue *daas_ctrl_queue_new(const daas_ctrl_queue_opts *opts)
{
    daas_ctrl_queue *q = daas_xcalloc(1, sizeof *q);
    if (opts)
        q->o = *opts;
    if (q->o.base_delay_ms <= 0)
        q->o.base_delay_ms = 5;
    if (q->o.max_delay_ms <= 0)
        q->o.max_delay_ms = 1000000;
    if (q->o.qps <= 0)
        q->o.qps = 10;
    if (q->o.burst <= 0)
        q->o.burst = 100;
    q->tokens = q->o.burst;
    q->bucket_at = now_ms(q);
    pthread_mutex_init(&q->mu, NULL);
    daas_cond_init_mono(&q->cv);
    return q;
}

void daas_ctrl_queue_free(daas_ctrl_queue **qp)
{
    daas_ctrl_queue *q = qp ? *qp : NULL;
    if (q == NULL)
        return;
    for (size_t i = 0; i < q->n; i++)
        daas_free(q->fifo[(q->head + i) % q->cap]);
    daas_free(q->fifo);
    daas_ctrl__map_fini(&q->dirty, NULL);
    daas_ctrl__map_fini(&q->processing, NULL);
    daas_ctrl__map_fini(&q->delayed, daas_free);
    daas_ctrl__map_fini(&q->failures, NULL);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    daas_free(q);
    *qp = NULL;
}

static void fifo_push(daas_ctrl_queue *q, const char *key)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        char **f = daas_xcalloc(cap, sizeof *f);
        for (size_t i = 0; i < q->n; i++)
            f[i] = q->fifo[(q->head + i) % q->cap];
        daas_free(q->fifo);
        q->fifo = f;
        q->cap = cap;
        q->head = 0;
    }
    q->fifo[(q->head + q->n) % q->cap] = daas_xstrdup(key);
    q->n++;
}

static char *fifo_pop(daas_ctrl_queue *q)
{
    char *k = q->fifo[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    return k;
}

/* client-go Type.Add, with q->mu held. */
static void add_locked(daas_ctrl_queue *q, const char *key)
{
    if (q->shut || daas_ctrl__map_has(&q->dirty, key))
        return;
    daas_ctrl__map_put(&q->dirty, key, NULL);
    if (daas_ctrl__map_has(&q->processing, key))
        return; /* handed out again at its done */
    fifo_push(q, key);
    pthread_cond_signal(&q->cv);
}

void daas_ctrl_queue_add(daas_ctrl_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    add_locked(q, key);
    pthread_mutex_unlock(&q->mu);
}

void daas_ctrl_queue_add_after(daas_ctrl_queue *q, const char *key, int64_t delay_ms)
{
    pthread_mutex_lock(&q->mu);
    if (q->shut)
        goto out;
    if (delay_ms <= 0) {
        add_locked(q, key);
        goto out;
    }
    int64_t due = now_ms(q) + delay_ms;
    int64_t *cur = daas_ctrl__map_get(&q->delayed, key);
    if (cur == NULL) {
        cur = daas_xmalloc(sizeof *cur);
        *cur = due;
        daas_ctrl__map_put(&q->delayed, key, cur);
    } else if (due < *cur) {
        *cur = due;
    }
    /* A getter may be sleeping until a later due time. */
    pthread_cond_broadcast(&q->cv);
out:
    pthread_mutex_unlock(&q->mu);
}

/* The bucket's delay for one more token (golang.org/x/time/rate Reserve), with q->mu held. */
static int64_t bucket_delay(daas_ctrl_queue *q)
{
    int64_t now = now_ms(q);
    if (now > q->bucket_at) {
        q->tokens += (double)(now - q->bucket_at) * q->o.qps / 1000.0;
        if (q->tokens > q->o.burst)
            q->tokens = q->o.burst;
        q->bucket_at = now;
    }
    q->tokens -= 1;
    if (q->tokens >= 0)
        return 0;
    return (int64_t)(-q->tokens * 1000.0 / q->o.qps + 0.999);
}

/* The per-key exponential back-off, counting one more failure, with q->mu held. */
static int64_t backoff_delay(daas_ctrl_queue *q, const char *key)
{
    intptr_t n = (intptr_t)daas_ctrl__map_get(&q->failures, key);
    daas_ctrl__map_put(&q->failures, key, (void *)(n + 1));
    int64_t d = q->o.base_delay_ms;
    for (intptr_t i = 0; i < n && d < q->o.max_delay_ms; i++)
        d *= 2;
    return d < q->o.max_delay_ms ? d : q->o.max_delay_ms;
}

int64_t daas_ctrl_queue_when(daas_ctrl_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    int64_t a = backoff_delay(q, key), b = bucket_delay(q);
    pthread_mutex_unlock(&q->mu);
    return a > b ? a : b;
}

void daas_ctrl_queue_add_rate_limited(daas_ctrl_queue *q, const char *key)
{
    daas_ctrl_queue_add_after(q, key, daas_ctrl_queue_when(q, key));
}

void daas_ctrl_queue_forget(daas_ctrl_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    daas_ctrl__map_del(&q->failures, key);
    pthread_mutex_unlock(&q->mu);
}

int daas_ctrl_queue_requeues(daas_ctrl_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    intptr_t n = (intptr_t)daas_ctrl__map_get(&q->failures, key);
    pthread_mutex_unlock(&q->mu);
    return (int)n;
}

typedef struct promote_ctx {
    int64_t now, next; /* next: earliest due time still in the future (INT64_MAX: none) */
    char **due;        /* keys that became due */
    size_t n, cap;
} promote_ctx;

static void collect_due(void *arg, const char *key, void *val)
{
    promote_ctx *p = arg;
    int64_t due = *(int64_t *)val;
    if (due > p->now) {
        if (due < p->next)
            p->next = due;
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->due = daas_xrealloc(p->due, p->cap * sizeof *p->due);
    }
    p->due[p->n++] = (char *)key;
}

/* Moves due delayed keys into the queue (in key order of the scan); returns the earliest
 * remaining due time (INT64_MAX: none). With q->mu held. */
static int64_t promote(daas_ctrl_queue *q)
{
    promote_ctx p = {.now = now_ms(q), .next = INT64_MAX};
    if (q->delayed.n == 0)
        return INT64_MAX;
    daas_ctrl__map_each(&q->delayed, collect_due, &p);
    for (size_t i = 0; i < p.n; i++) {
        char *k = daas_xstrdup(p.due[i]); /* the map owns p.due[i] until the del */
        daas_free(daas_ctrl__map_del(&q->delayed, k));
        add_locked(q, k);
        daas_free(k);
    }
    daas_free(p.due);
    return p.next;
}

int daas_ctrl_queue_get(daas_ctrl_queue *q, int64_t timeout_ms, char **key_out)
{
    int rc = DAAS_OK;
    int64_t deadline = timeout_ms >= 0 ? daas_ctrl__mono_ms() + timeout_ms : INT64_MAX;
    *key_out = NULL;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (q->shut) {
            rc = DAAS_ECLOSED;
            break;
        }
        int64_t next = promote(q);
        if (q->n > 0)
            break;
        int64_t left = deadline == INT64_MAX ? INT64_MAX : deadline - daas_ctrl__mono_ms();
        if (left <= 0) {
            rc = DAAS_ETIMEOUT;
            break;
        }
        /* Sleep until the earliest of: the caller's deadline, the next delayed key (in the
         * queue's clock, which a fake clock may not advance: then we wake and re-check). */
        int64_t wait = left;
        if (next != INT64_MAX && next - now_ms(q) < wait)
            wait = next - now_ms(q) > 0 ? next - now_ms(q) : 1;
        if (wait == INT64_MAX) {
            pthread_cond_wait(&q->cv, &q->mu);
        } else {
            struct timespec ts = daas_deadline_ms(wait);
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
        }
    }
    if (rc == DAAS_OK) {
        char *k = fifo_pop(q);
        daas_ctrl__map_del(&q->dirty, k);
        daas_ctrl__map_put(&q->processing, k, NULL);
        *key_out = k;
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void daas_ctrl_queue_done(daas_ctrl_queue *q, const char *key)
{
    pthread_mutex_lock(&q->mu);
    daas_ctrl__map_del(&q->processing, key);
    if (!q->shut && daas_ctrl__map_has(&q->dirty, key)) {
        fifo_push(q, key);
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
}

size_t daas_ctrl_queue_len(daas_ctrl_queue *q)
{
    pthread_mutex_lock(&q->mu);
    (void)promote(q);
    size_t n = q->n;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void daas_ctrl_queue_shutdown(daas_ctrl_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->shut = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}
