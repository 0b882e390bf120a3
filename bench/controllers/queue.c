/*
 * queue.c: throughput of the controllers' work queue (daas_ctrl_queue, in process): P
 * producer threads add keys while C consumer threads get/done them, with nothing else to do,
 * so the figure is the queue's own cost (its lock, dedup map, wake-ups).
 *
 * Cases:  distinct: 100,000 distinct keys, each added once (every add is handed out);
 *         hot: 100,000 adds cycling over 1,000 keys (an add of a key already waiting is
 *         merged, as informer resyncs and pod churn do to a controller's keys).
 * Figures: adds/s over the producers' time; distinct: gets/s over the time from the start to
 *          the last get; hot: the gets and the share of adds merged into a waiting key.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench_controllers.h"
#include "common/alloc.h"
#include "ctrl/ctrl.h"

#define ADDS 100000
#define HOT_KEYS 1000

typedef struct qcase {
    daas_ctrl_queue *q;
    char **keys;             /* the key set */
    int nkeys;               /* distinct: ADDS; hot: HOT_KEYS */
    int producers;
    atomic_int producers_left;
    atomic_long gets;
    atomic_llong last_get;   /* bench_now_ns of the last get */
} qcase;

typedef struct producer {
    qcase *c;
    int index;
    pthread_t tid;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    qcase *c = p->c;
    for (int i = p->index; i < ADDS; i += c->producers) /* disjoint slices of the adds */
        daas_ctrl_queue_add(c->q, c->keys[i % c->nkeys]);
    atomic_fetch_sub(&c->producers_left, 1);
    return NULL;
}

/* Gets and dones until the producers are finished and nothing came for 20 ms (keys this
 * thread re-queued through done are got again by it before it can leave). */
static void *consume(void *arg)
{
    qcase *c = arg;
    for (;;) {
        char *key = NULL;
        int rc = daas_ctrl_queue_get(c->q, 20, &key);
        if (rc == DAAS_OK) {
            atomic_fetch_add(&c->gets, 1);
            atomic_store(&c->last_get, bench_now_ns());
            daas_ctrl_queue_done(c->q, key);
            daas_free(key);
        } else if (rc != DAAS_ETIMEOUT || atomic_load(&c->producers_left) == 0) {
            break;
        }
    }
    return NULL;
}

static void run_case(const char *label, char **keys, int nkeys, int np, int nc)
{
    qcase c = {.q = daas_ctrl_queue_new(NULL), .keys = keys, .nkeys = nkeys, .producers = np};
    producer prod[4];
    pthread_t cons[4];
    atomic_store(&c.producers_left, np);
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < nc; i++)
        if (pthread_create(&cons[i], NULL, consume, &c) != 0)
            bench_die("pthread_create failed");
    for (int i = 0; i < np; i++) {
        prod[i] = (producer){.c = &c, .index = i};
        if (pthread_create(&prod[i].tid, NULL, produce, &prod[i]) != 0)
            bench_die("pthread_create failed");
    }
    for (int i = 0; i < np; i++)
        pthread_join(prod[i].tid, NULL);
    int64_t t_add = bench_now_ns() - t0;
    for (int i = 0; i < nc; i++)
        pthread_join(cons[i], NULL);
    int64_t t_get = atomic_load(&c.last_get) - t0;
    long gets = atomic_load(&c.gets);
    printf("  %-8s %d producer%s %d consumer%s: %9.0f adds/s", label, np, np > 1 ? "s" : " ",
           nc, nc > 1 ? "s" : " ", ADDS / (t_add / 1e9));
    if (nkeys == ADDS)
        printf("  %9.0f gets/s\n", t_get > 0 ? gets / (t_get / 1e9) : 0);
    else /* the gets depend on how the threads interleave: a count, not a rate */
        printf("  %6ld gets (%.1f%% of the adds merged)\n", gets, 100.0 * (ADDS - gets) / ADDS);
    fflush(stdout);
    if (strcmp(label, "distinct") == 0 && gets != ADDS)
        bench_die("the queue handed out %ld of %d distinct keys", gets, ADDS);
    daas_ctrl_queue_free(&c.q);
}

void bc_queue_bench(void)
{
    char **keys = daas_xcalloc(ADDS, sizeof *keys);
    for (int i = 0; i < ADDS; i++)
        keys[i] = daas_xasprintf("default/bench-%06d", i);
    static const int np[] = {1, 4}, nc[] = {1, 2, 4};
    printf("queue: daas_ctrl_queue, %d adds per case, get+done per key, no work\n", ADDS);
    for (size_t p = 0; p < 2; p++)
        for (size_t k = 0; k < 3; k++)
            run_case("distinct", keys, ADDS, np[p], nc[k]);
    for (size_t p = 0; p < 2; p++)
        for (size_t k = 0; k < 3; k++)
            run_case("hot", keys, HOT_KEYS, np[p], nc[k]);
    for (int i = 0; i < ADDS; i++)
        daas_free(keys[i]);
    daas_free(keys);
}
