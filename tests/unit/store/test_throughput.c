/*
 * test_throughput.c: a throughput and memory check of the store, printed, not asserted
 * (figures depend on the machine; bench/ holds real benchmarks). What it does assert is
 * correctness under the load: every create succeeds, revisions are distinct, all keys list.
 *
 * Load: 64 threads create 10,000 keys of ~1.5 KiB (pod-sized) with a render callback that
 * copies the value (as the API's resourceVersion rendering does), all durable (fsync).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <time.h>

#include "common/log.h"
#include "store/store.h"
#include "store_testutil.h"

enum { CLIENTS = 64, TOTAL = 10000, VALUE_LEN = 1500 };

typedef struct client {
    daas_store *st;
    int id;
    int failures;
    bool update; /* second round: update every key once */
} client;

static daas_blob *render_copy(void *arg, const char *key, const daas_blob *val, int64_t mod_rev,
                              int64_t create_rev)
{
    (void)arg;
    (void)key;
    (void)create_rev;
    char rv[32];
    int n = snprintf(rv, sizeof rv, "%lld:", (long long)mod_rev);
    char *buf = daas_xmalloc((size_t)n + val->len);
    memcpy(buf, rv, (size_t)n);
    memcpy(buf + n, val->data, val->len);
    daas_blob *b = daas_blob_new(buf, (size_t)n + val->len);
    daas_free(buf);
    return b;
}

static void *client_main(void *p)
{
    client *c = p;
    char key[96], val[VALUE_LEN + 1];
    memset(val, 'p', VALUE_LEN);
    val[VALUE_LEN] = '\0';
    for (int i = c->id; i < TOTAL; i += CLIENTS) {
        snprintf(key, sizeof key, "/registry/pods/ns-%d/pod-%05d", i % 10, i);
        memcpy(val, key, strlen(key)); /* distinct contents */
        val[VALUE_LEN - 1] = c->update ? 'u' : 'c';
        int rc = c->update
                     ? daas_store_update(c->st, key, DAAS_BYTES(val, VALUE_LEN), 0, NULL, NULL)
                     : daas_store_create(c->st, key, DAAS_BYTES(val, VALUE_LEN), NULL, NULL);
        if (rc != DAAS_OK)
            c->failures++;
    }
    return NULL;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the clients once; returns the seconds taken. */
static double run_clients(daas_store *st, bool update)
{
    static client cl[CLIENTS];
    pthread_t th[CLIENTS];
    double t0 = now_s();
    for (int i = 0; i < CLIENTS; i++) {
        cl[i] = (client){st, i, 0, update};
        assert_int_equal(pthread_create(&th[i], NULL, client_main, &cl[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(cl[i].failures, 0);
    }
    return now_s() - t0;
}

static void test_creates_per_second(void **state)
{
    (void)state;
    st_tmp t;
    st_tmp_init(&t);
    daas_store_opts o = {0};
    o.render = render_copy;
    daas_store *st = NULL;
    long rss0 = rss_kib();
    assert_int_equal(daas_store_open_sqlite(t.db, &o, &st, NULL), DAAS_OK);
    double dt = run_clients(st, false);
    daas_store_stats s;
    daas_store_read_stats(st, &s);
    assert_int_equal(s.writes, TOTAL);
    assert_int_equal(daas_store_revision(st), TOTAL);
    print_message("  %d durable creates by %d threads in %.2f s: %.0f creates/s, "
                  "%llu group commits (%.1f writes each)\n",
                  TOTAL, CLIENTS, dt, TOTAL / dt, (unsigned long long)s.batches,
                  (double)TOTAL / (double)s.batches);
    long rss1 = rss_kib();
    dt = run_clients(st, true);
    daas_store_read_stats(st, &s);
    assert_int_equal(s.writes, 2 * TOTAL);
    print_message("  %d updates in %.2f s: %.0f/s; RSS %ld KiB at start, %ld KiB after creates,"
                  " %ld KiB after updates (ring: %zu events, %zu KiB superseded)\n",
                  TOTAL, dt, TOTAL / dt, rss0, rss1, rss_kib(), s.ring_events,
                  s.ring_bytes / 1024);

    daas_kv_list l;
    double t0 = now_s();
    assert_int_equal(daas_store_list(st, "/registry/pods/", NULL, 0, &l, NULL), DAAS_OK);
    dt = now_s() - t0;
    assert_int_equal(l.n, TOTAL);
    assert_int_equal(l.items[0].val->data[VALUE_LEN - 1], 'u');
    print_message("  list of %zu keys: %.2f ms\n", l.n, dt * 1e3);
    daas_kv_list_fini(&l);
    daas_store_close(&st);

    /* restart: load time of the same data */
    t0 = now_s();
    assert_int_equal(daas_store_open_sqlite(t.db, &o, &st, NULL), DAAS_OK);
    print_message("  reopen with %d keys: %.1f ms\n", TOTAL, (now_s() - t0) * 1e3);
    daas_store_close(&st);
    st_tmp_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_creates_per_second),
    };
    daas_log_set_level(DAAS_LOG_WARN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
