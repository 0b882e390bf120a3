/*
 * test_etcd.c: the etcd v3 JSON-gateway client against a REAL single-member etcd
 * (etcd_testutil.h: /usr/bin/etcd on free loopback ports in a temporary data dir, killed and
 * removed in teardown): binary round trip, paging, conditional writes (on revision and on
 * version), compaction (DAAS_EGONE), a watch that survives an etcd restart without losing or
 * repeating an event, leases, endpoint failover, connection reuse, TLS with a client
 * certificate; and the reply parsers and the stream line splitter on their own.
 * The group setup FAILS (it does not skip) when /usr/bin/etcd is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"
#include "store/etcd.h"
#include "etcd_testutil.h"

static struct {
    et_proc et;    /* the etcd of every test but test_tls */
    int dead_port; /* a port nobody listens on */
    pid_t tls_pid; /* the TLS etcd of test_tls, 0 when not running */
} g;

static int setup(void **state)
{
    (void)state;
    if (et_setup(&g.et) != 0)
        return -1;
    g.dead_port = et_free_port();
    return g.dead_port < 0 || g.dead_port == g.et.client_port ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g.tls_pid > 0) { /* its directory is under g.et.dir */
        kill(g.tls_pid, SIGKILL);
        waitpid(g.tls_pid, NULL, 0);
    }
    return et_teardown(&g.et);
}

static daas_store_etcd *client(void)
{
    daas_store_etcd_opts o = {.endpoints = g.et.url, .timeout_ms = 3000};
    daas_store_etcd *c = NULL;
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_OK);
    return c;
}

static daas_bytes S(const char *s)
{
    return DAAS_BYTES_STR(s);
}

static int64_t put(daas_store_etcd *c, const char *k, const char *v, int64_t lease)
{
    int64_t rev = 0;
    daas_err err = {0};
    int rc = daas_store_etcd_put(c, S(k), S(v), lease, &rev, &err);
    if (rc != DAAS_OK)
        fail_msg("put %s: %s", k, err.msg);
    assert_true(rev > 0);
    return rev;
}

/* The number of keys exactly at k (0 or 1). */
static size_t exists(daas_store_etcd *c, const char *k)
{
    daas_store_etcd_range_res r;
    assert_int_equal(daas_store_etcd_range(c, S(k), DAAS_BYTES(NULL, 0), 0, 0, true, &r, NULL),
                     DAAS_OK);
    size_t n = r.nkvs;
    daas_store_etcd_range_fini(&r);
    return n;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_binary_roundtrip(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    static const char key[] = "/bin/k\0\xff\x01";
    uint8_t val[256];
    for (int i = 0; i < 256; i++)
        val[i] = (uint8_t)i;
    int64_t rev = 0;
    assert_int_equal(daas_store_etcd_put(c, DAAS_BYTES(key, sizeof key - 1),
                                         DAAS_BYTES(val, sizeof val), 0, &rev, NULL),
                     DAAS_OK);
    daas_store_etcd_range_res r;
    assert_int_equal(daas_store_etcd_range(c, DAAS_BYTES(key, sizeof key - 1), DAAS_BYTES(NULL, 0),
                                           0, 0, false, &r, NULL),
                     DAAS_OK);
    assert_int_equal(r.nkvs, 1);
    assert_int_equal(r.revision, rev);
    assert_int_equal(r.kvs[0].key_len, sizeof key - 1);
    assert_memory_equal(r.kvs[0].key, key, sizeof key - 1);
    assert_int_equal(r.kvs[0].value_len, sizeof val);
    assert_memory_equal(r.kvs[0].value, val, sizeof val);
    assert_int_equal(r.kvs[0].mod_revision, rev);
    assert_int_equal(r.kvs[0].create_revision, rev);
    assert_int_equal(r.kvs[0].version, 1);
    daas_store_etcd_range_fini(&r);
    /* an absent key: no kvs, a revision */
    assert_int_equal(
        daas_store_etcd_range(c, S("/bin/none"), DAAS_BYTES(NULL, 0), 0, 0, false, &r, NULL),
        DAAS_OK);
    assert_int_equal(r.nkvs, 0);
    assert_true(r.revision >= rev);
    daas_store_etcd_range_fini(&r);
    daas_store_etcd_free(&c);
}

static void test_paging(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    char k[32];
    for (int i = 0; i < 250; i++) {
        snprintf(k, sizeof k, "/page/%03d", i);
        put(c, k, k, 0);
    }
    put(c, "/pagf", "outside", 0); /* just past the prefix: must not be listed */
    daas_buf end;
    daas_buf_init(&end, 0);
    assert_int_equal(daas_store_etcd_prefix_end("/page/", 6, &end), DAAS_OK);
    assert_string_equal(end.data, "/page0");
    daas_store_etcd_range_res r;
    assert_int_equal(daas_store_etcd_range(c, S("/page/"), DAAS_BYTES(end.data, end.len), 100, 0,
                                           false, &r, NULL),
                     DAAS_OK);
    assert_int_equal(r.nkvs, 100);
    assert_true(r.more);
    assert_int_equal(r.count, 250);
    daas_store_etcd_range_fini(&r);
    daas_buf_fini(&end);

    assert_int_equal(daas_store_etcd_list_prefix(c, S("/page/"), 100, 0, false, &r, NULL), DAAS_OK);
    assert_int_equal(r.nkvs, 250);
    for (int i = 0; i < 250; i++) {
        snprintf(k, sizeof k, "/page/%03d", i);
        assert_string_equal(r.kvs[i].key, k);
        assert_string_equal(r.kvs[i].value, k);
    }
    daas_store_etcd_range_fini(&r);
    daas_store_etcd_free(&c);
}

static void test_create_if_absent(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    daas_store_etcd_txn_res t;
    assert_int_equal(daas_store_etcd_create(c, S("/cr/a"), S("one"), 0, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    assert_false(t.has_kv);
    int64_t rev = t.revision;
    daas_store_etcd_txn_fini(&t);
    assert_int_equal(daas_store_etcd_create(c, S("/cr/a"), S("two"), 0, &t, NULL), DAAS_OK);
    assert_false(t.succeeded);
    assert_true(t.has_kv);
    assert_string_equal(t.kv.value, "one");
    assert_int_equal(t.kv.create_revision, rev);
    assert_int_equal(t.kv.mod_revision, rev);
    assert_int_equal(t.revision, rev); /* nothing was written */
    daas_store_etcd_txn_fini(&t);
    daas_store_etcd_free(&c);
}

static void test_update_delete_if(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    daas_store_etcd_txn_res t;
    int64_t r1 = put(c, "/up/a", "v1", 0);
    assert_int_equal(daas_store_etcd_update_if(c, S("/up/a"), S("v2"), r1, 0, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    int64_t r2 = t.revision;
    assert_true(r2 > r1);
    daas_store_etcd_txn_fini(&t);
    /* stale revision: fails and reports the current kv */
    assert_int_equal(daas_store_etcd_update_if(c, S("/up/a"), S("v3"), r1, 0, &t, NULL), DAAS_OK);
    assert_false(t.succeeded);
    assert_true(t.has_kv);
    assert_string_equal(t.kv.value, "v2");
    assert_int_equal(t.kv.mod_revision, r2);
    daas_store_etcd_txn_fini(&t);
    assert_int_equal(daas_store_etcd_delete_if(c, S("/up/a"), r1, &t, NULL), DAAS_OK);
    assert_false(t.succeeded);
    assert_int_equal(t.kv.mod_revision, r2);
    daas_store_etcd_txn_fini(&t);
    assert_int_equal(exists(c, "/up/a"), 1);
    assert_int_equal(daas_store_etcd_delete_if(c, S("/up/a"), r2, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    assert_true(t.revision > r2);
    daas_store_etcd_txn_fini(&t);
    assert_int_equal(exists(c, "/up/a"), 0);
    /* update-if on an absent key fails without a kv */
    assert_int_equal(daas_store_etcd_update_if(c, S("/up/a"), S("v4"), r2, 0, &t, NULL), DAAS_OK);
    assert_false(t.succeeded);
    assert_false(t.has_kv);
    daas_store_etcd_txn_fini(&t);
    daas_store_etcd_free(&c);
}

/* Compare on VERSION (kube-apiserver's compactor on compact_rev_key). */
static void test_put_if_version(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    daas_store_etcd_txn_res t;
    /* version 0: the key is absent */
    assert_int_equal(daas_store_etcd_put_if_version(c, S("/ver/k"), S("r1"), 0, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    assert_false(t.has_kv);
    int64_t r1 = t.revision;
    daas_store_etcd_txn_fini(&t);
    /* absent no more: version 0 fails and reports the kv at version 1 */
    assert_int_equal(daas_store_etcd_put_if_version(c, S("/ver/k"), S("xx"), 0, &t, NULL), DAAS_OK);
    assert_false(t.succeeded);
    assert_true(t.has_kv);
    assert_int_equal(t.kv.version, 1);
    assert_string_equal(t.kv.value, "r1");
    assert_int_equal(t.kv.mod_revision, r1);
    assert_int_equal(t.revision, r1); /* nothing was written */
    daas_store_etcd_txn_fini(&t);
    /* the current version succeeds, once */
    assert_int_equal(daas_store_etcd_put_if_version(c, S("/ver/k"), S("r2"), 1, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    assert_true(t.revision > r1);
    daas_store_etcd_txn_fini(&t);
    assert_int_equal(daas_store_etcd_put_if_version(c, S("/ver/k"), S("r3"), 1, &t, NULL), DAAS_OK);
    assert_false(t.succeeded);
    assert_int_equal(t.kv.version, 2);
    assert_string_equal(t.kv.value, "r2");
    daas_store_etcd_txn_fini(&t);
    /* a version is not a revision: version 2 != mod_revision */
    put(c, "/ver/other", "moves the revision", 0);
    assert_int_equal(daas_store_etcd_put_if_version(c, S("/ver/k"), S("r3"), 2, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    daas_store_etcd_txn_fini(&t);
    daas_store_etcd_range_res r;
    assert_int_equal(
        daas_store_etcd_range(c, S("/ver/k"), DAAS_BYTES(NULL, 0), 0, 0, false, &r, NULL), DAAS_OK);
    assert_string_equal(r.kvs[0].value, "r3");
    assert_int_equal(r.kvs[0].version, 3);
    daas_store_etcd_range_fini(&r);
    /* a version on an absent key fails without a kv */
    assert_int_equal(daas_store_etcd_put_if_version(c, S("/ver/none"), S("v"), 4, &t, NULL),
                     DAAS_OK);
    assert_false(t.succeeded);
    assert_false(t.has_kv);
    daas_store_etcd_txn_fini(&t);
    assert_int_equal(exists(c, "/ver/none"), 0);
    daas_store_etcd_free(&c);
}

static void test_compaction(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    int64_t r1 = put(c, "/co/a", "1", 0);
    int64_t r2 = put(c, "/co/a", "2", 0);
    assert_int_equal(daas_store_etcd_compact(c, r2, NULL), DAAS_OK);
    daas_store_etcd_range_res r;
    daas_err err = {0};
    assert_int_equal(
        daas_store_etcd_range(c, S("/co/a"), DAAS_BYTES(NULL, 0), 0, r1, false, &r, &err),
        DAAS_EGONE);
    assert_non_null(strstr(err.msg, "compacted"));
    assert_int_equal(
        daas_store_etcd_range(c, S("/co/a"), DAAS_BYTES(NULL, 0), 0, r2, false, &r, NULL), DAAS_OK);
    assert_string_equal(r.kvs[0].value, "2");
    daas_store_etcd_range_fini(&r);
    daas_store_etcd_free(&c);
}

/* ---- watch ---- */

enum { MAXEV = 64 };

typedef struct rec {
    pthread_mutex_t mu;
    int n;               /* events seen */
    int type[MAXEV];     /* their types */
    char key[MAXEV][16]; /* their keys */
    int64_t rev[MAXEV];  /* their mod revisions */
    bool prev[MAXEV];    /* prev_kv present */
    int gone;            /* DAAS_EGONE reports */
    int overflow;        /* events past MAXEV */
} rec;

static void on_event(void *ud, const daas_store_etcd_event *ev, int status)
{
    rec *r = ud;
    pthread_mutex_lock(&r->mu);
    if (status == DAAS_EGONE) {
        r->gone++;
    } else if (r->n >= MAXEV) {
        r->overflow++;
    } else {
        r->type[r->n] = ev->type;
        snprintf(r->key[r->n], sizeof r->key[0], "%s", ev->kv.key);
        r->rev[r->n] = ev->kv.mod_revision;
        r->prev[r->n] = ev->has_prev;
        r->n++;
    }
    pthread_mutex_unlock(&r->mu);
}

static int rec_count(rec *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->n + r->gone;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static void wait_count(rec *r, int n)
{
    for (int i = 0; i < 400 && rec_count(r) < n; i++)
        et_sleep_ms(25);
    assert_int_equal(rec_count(r), n);
}

typedef struct expect {
    int n;               /* expected events */
    int type[MAXEV];     /* their types */
    char key[MAXEV][16]; /* their keys */
    int64_t rev[MAXEV];  /* their revisions */
} expect;

static void expect_add(expect *e, int type, const char *key, int64_t rev)
{
    assert_true(e->n < MAXEV);
    e->type[e->n] = type;
    snprintf(e->key[e->n], sizeof e->key[0], "%s", key);
    e->rev[e->n++] = rev;
}

/* Five puts and a conditional delete under /w/, recorded in e. */
static void watch_round(daas_store_etcd *c, expect *e)
{
    char k[16];
    int64_t rev_b = 0;
    for (int i = 0; i < 5; i++) {
        snprintf(k, sizeof k, "/w/%c", 'a' + i);
        int64_t rev = put(c, k, "x", 0);
        expect_add(e, DAAS_STORE_ETCD_PUT, k, rev);
        if (i == 1)
            rev_b = rev;
    }
    daas_store_etcd_txn_res t;
    assert_int_equal(daas_store_etcd_delete_if(c, S("/w/b"), rev_b, &t, NULL), DAAS_OK);
    assert_true(t.succeeded);
    expect_add(e, DAAS_STORE_ETCD_DELETE, "/w/b", t.revision);
    daas_store_etcd_txn_fini(&t);
}

static void test_watch_resumes(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    expect e = {0};
    int64_t start = put(c, "/w/a", "before", 0) + 1; /* not seen: the watch starts after it */
    daas_store_etcd_watch *w = NULL;
    assert_int_equal(
        daas_store_etcd_watch_start(c, S("/w/"), S("/w0"), start, true, on_event, &r, &w, NULL),
        DAAS_OK);
    watch_round(c, &e);
    wait_count(&r, e.n);
    /* cut the stream: restart etcd on the same data dir and port, then write at once (the
     * watch is still reconnecting: it must resume from its last revision + 1) */
    et_stop(&g.et, SIGKILL);
    assert_int_equal(et_start(&g.et), 0);
    watch_round(c, &e);
    put(c, "/other", "not watched", 0);
    wait_count(&r, e.n);
    et_sleep_ms(300); /* nothing more may arrive */
    daas_store_etcd_watch_stop(&w);
    assert_int_equal(r.n, e.n);
    assert_int_equal(r.gone + r.overflow, 0);
    for (int i = 0; i < e.n; i++) {
        assert_int_equal(r.type[i], e.type[i]);
        assert_string_equal(r.key[i], e.key[i]);
        assert_int_equal(r.rev[i], e.rev[i]);
        if (i > 0)
            assert_true(r.rev[i] > r.rev[i - 1]);
    }
    assert_true(r.prev[0]);  /* /w/a had the "before" version */
    assert_false(r.prev[1]); /* /w/b was new */
    assert_true(r.prev[5]);  /* a delete carries what it deleted */
    daas_store_etcd_free(&c);
}

static void test_watch_compacted_is_gone(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    int64_t rev = put(c, "/g/a", "1", 0);
    put(c, "/g/a", "2", 0);
    assert_int_equal(daas_store_etcd_compact(c, rev + 1, NULL), DAAS_OK);
    daas_store_etcd_watch *w = NULL;
    assert_int_equal(daas_store_etcd_watch_start(c, S("/g/a"), DAAS_BYTES(NULL, 0), rev, false,
                                                 on_event, &r, &w, NULL),
                     DAAS_OK);
    wait_count(&r, 1);
    daas_store_etcd_watch_stop(&w);
    assert_int_equal(r.gone, 1);
    assert_int_equal(r.n, 0);
    daas_store_etcd_free(&c);
}

static void test_lease(void **state)
{
    (void)state;
    daas_store_etcd *c = client();
    int64_t id = 0, ttl = 0, id2 = 0;
    assert_int_equal(daas_store_etcd_lease_grant(c, 2, &id, NULL), DAAS_OK);
    assert_int_equal(daas_store_etcd_lease_grant(c, 30, &id2, NULL), DAAS_OK);
    put(c, "/lease/a", "kept", id);
    put(c, "/lease/b", "revoked", id2);
    for (int i = 0; i < 6; i++) { /* 3 s > ttl: alive only because it is kept alive */
        assert_int_equal(daas_store_etcd_lease_keepalive(c, id, &ttl, NULL), DAAS_OK);
        assert_true(ttl >= 1);
        et_sleep_ms(500);
    }
    assert_int_equal(exists(c, "/lease/a"), 1);
    daas_store_etcd_range_res r;
    assert_int_equal(
        daas_store_etcd_range(c, S("/lease/a"), DAAS_BYTES(NULL, 0), 0, 0, false, &r, NULL),
        DAAS_OK);
    assert_int_equal(r.kvs[0].lease, id);
    daas_store_etcd_range_fini(&r);
    /* revoke: the key goes at once, the lease is unknown afterwards */
    assert_int_equal(daas_store_etcd_lease_revoke(c, id2, NULL), DAAS_OK);
    assert_int_equal(exists(c, "/lease/b"), 0);
    assert_int_equal(daas_store_etcd_lease_keepalive(c, id2, &ttl, NULL), DAAS_ENOTFOUND);
    assert_int_equal(daas_store_etcd_lease_revoke(c, id2, NULL), DAAS_ENOTFOUND);
    /* no more keepalives: gone after the ttl (etcd checks expiry every 500 ms) */
    int i = 0;
    while (exists(c, "/lease/a") == 1 && i++ < 80)
        et_sleep_ms(100);
    assert_int_equal(exists(c, "/lease/a"), 0);
    daas_store_etcd_free(&c);
}

static void test_failover(void **state)
{
    (void)state;
    char eps[160];
    snprintf(eps, sizeof eps, "http://127.0.0.1:%d/ , %s", g.dead_port, g.et.url);
    daas_store_etcd_opts o = {.endpoints = eps, .timeout_ms = 2000};
    daas_store_etcd *c = NULL;
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_OK);
    int64_t rev = put(c, "/fo/a", "v", 0);
    assert_int_equal(exists(c, "/fo/a"), 1);
    daas_store_etcd_status st;
    daas_err err = {0};
    assert_int_equal(daas_store_etcd_status_of(c, 0, &st, &err), DAAS_EUNAVAIL);
    assert_int_equal(daas_store_etcd_status_of(c, 1, &st, NULL), DAAS_OK);
    assert_true(st.revision >= rev);
    assert_int_equal(st.leader, st.member_id); /* one member: it leads */
    assert_int_equal(daas_store_etcd_status_of(c, 2, &st, NULL), DAAS_EINVAL);
    daas_store_etcd_free(&c);
    /* a watch on a fresh client (dead endpoint first) moves to the live one */
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_OK);
    rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    daas_store_etcd_watch *w = NULL;
    assert_int_equal(daas_store_etcd_watch_start(c, S("/fo/a"), DAAS_BYTES(NULL, 0), rev, false,
                                                 on_event, &r, &w, NULL),
                     DAAS_OK);
    wait_count(&r, 1);
    daas_store_etcd_watch_stop(&w);
    assert_int_equal(r.rev[0], rev);
    daas_store_etcd_free(&c);
    /* only dead endpoints: EUNAVAIL naming one */
    snprintf(eps, sizeof eps, "http://127.0.0.1:%d", g.dead_port);
    o.endpoints = eps;
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_OK);
    daas_err_clear(&err);
    assert_int_equal(daas_store_etcd_put(c, S("/fo/b"), S("v"), 0, NULL, &err), DAAS_EUNAVAIL);
    assert_non_null(strstr(err.msg, "127.0.0.1"));
    daas_store_etcd_free(&c);
    /* bad endpoint lists */
    o.endpoints = "ftp://x";
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_EINVAL);
    assert_null(c);
    o.endpoints = ",";
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_EINVAL);
}

/* ---- connection reuse ---- */

enum { MAXSOCK = 256 };

/* The inodes of this process's sockets into ino (at most MAXSOCK); their number. */
static size_t my_sockets(unsigned long *ino)
{
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAXSOCK) {
        char path[300], link[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t r = readlink(path, link, sizeof link - 1);
        if (r <= 0)
            continue;
        link[r] = '\0';
        if (sscanf(link, "socket:[%lu]", &ino[n]) == 1)
            n++;
    }
    closedir(d);
    return n;
}

/* The number of established TCP connections of this process to etcd's client port. */
static int conns_to_etcd(void)
{
    unsigned long ino[MAXSOCK], in;
    size_t nino = my_sockets(ino);
    FILE *f = fopen("/proc/self/net/tcp", "r");
    assert_non_null(f);
    char line[512];
    unsigned rport, st;
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, " %*d: %*x:%*x %*x:%x %x %*x:%*x %*x:%*x %*x %*u %*u %lu", &rport, &st,
                   &in) != 3 ||
            rport != (unsigned)g.et.client_port || st != 1 /* ESTABLISHED */)
            continue;
        for (size_t i = 0; i < nino; i++)
            n += ino[i] == in;
    }
    fclose(f);
    return n;
}

static void *put_many(void *arg)
{
    daas_store_etcd *c = arg;
    for (int i = 0; i < 25; i++)
        if (daas_store_etcd_put(c, S("/reuse/t"), S("v"), 0, NULL, NULL) != DAAS_OK)
            return arg; /* failure */
    return NULL;
}

/* Sequential calls share one kept-alive connection; concurrent calls use at most one each;
 * freeing the client closes them all. */
static void test_connection_reuse(void **state)
{
    (void)state;
    assert_int_equal(conns_to_etcd(), 0);
    daas_store_etcd *c = client();
    put(c, "/reuse/a", "1", 0);
    assert_int_equal(conns_to_etcd(), 1); /* kept open after the call */
    for (int i = 0; i < 50; i++)
        put(c, "/reuse/a", "2", 0);
    assert_int_equal(exists(c, "/reuse/a"), 1);
    assert_int_equal(conns_to_etcd(), 1); /* every call reused it */
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, put_many, c), 0);
    for (int i = 0; i < 8; i++) {
        void *res = c;
        pthread_join(th[i], &res);
        assert_null(res);
    }
    int n = conns_to_etcd();
    assert_true(n >= 1 && n <= 8);
    daas_store_etcd_free(&c);
    assert_int_equal(conns_to_etcd(), 0);
}

/* ---- parsers (no etcd needed) ---- */

static void test_parsers(void **state)
{
    (void)state;
    daas_store_etcd_range_res r;
    daas_err err = {0};
    const char *s = "not json";
    assert_int_equal(daas_store_etcd__parse_range(s, strlen(s), &r, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "malformed"));
    s = "{\"header\":{\"revision\":\"7\"},\"kvs\":[{\"key\":\"!!\"}]}";
    assert_int_equal(daas_store_etcd__parse_range(s, strlen(s), &r, NULL), DAAS_EINVAL);
    s = "{\"header\":{\"revision\":\"7x\"}}";
    assert_int_equal(daas_store_etcd__parse_range(s, strlen(s), &r, NULL), DAAS_EINVAL);
    s = "{\"header\":{\"revision\":\"99999999999999999999\"}}";
    assert_int_equal(daas_store_etcd__parse_range(s, strlen(s), &r, NULL), DAAS_EINVAL);
    s = "{\"header\":{\"revision\":\"7\"},\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"5\"}],"
        "\"count\":\"1\"}";
    assert_int_equal(daas_store_etcd__parse_range(s, strlen(s), &r, NULL), DAAS_OK);
    assert_int_equal(r.revision, 7);
    assert_string_equal(r.kvs[0].key, "a");
    assert_int_equal(r.kvs[0].value_len, 0);
    assert_int_equal(r.kvs[0].mod_revision, 5);
    daas_store_etcd_range_fini(&r);
    s = "{\"error\":\"etcdserver: mvcc: required revision has been compacted\",\"code\":11}";
    daas_err_clear(&err);
    assert_int_equal(daas_store_etcd__parse_range(s, strlen(s), &r, &err), DAAS_EGONE);
    s = "{\"error\":\"etcdserver: requested lease not found\",\"code\":5}";
    int64_t id, ttl;
    assert_int_equal(daas_store_etcd__parse_lease(s, strlen(s), &id, &ttl, NULL), DAAS_ENOTFOUND);
    s = "{\"error\":\"boom\",\"code\":2}";
    assert_int_equal(daas_store_etcd__parse_header(s, strlen(s), NULL, NULL), DAAS_EREMOTE);
    daas_store_etcd__watch_msg m;
    s = "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\"}}";
    daas_err_clear(&err);
    assert_int_equal(daas_store_etcd__parse_watch(s, strlen(s), &m, &err), DAAS_EUNAVAIL);
    assert_string_equal(err.msg, "etcd: etcdserver: no leader");
    s = "{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"type\":\"DELETE\","
        "\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"3\"}},{\"type\":\"BOGUS\"}]}}";
    assert_int_equal(daas_store_etcd__parse_watch(s, strlen(s), &m, NULL), DAAS_EINVAL);
    s = "{\"result\":{\"header\":{},\"canceled\":true,\"compact_revision\":\"2\"}}";
    assert_int_equal(daas_store_etcd__parse_watch(s, strlen(s), &m, NULL), DAAS_OK);
    assert_true(m.canceled);
    assert_int_equal(m.compact_revision, 2);
    daas_store_etcd__watch_msg_fini(&m);
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_store_etcd_prefix_end("a\xff\xff", 3, &b), DAAS_OK);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], 'b');
    assert_int_equal(daas_store_etcd_prefix_end("\xff", 1, &b), DAAS_OK);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], '\0');
    daas_buf_fini(&b);
}

/* The watch message's fast path: real messages (two puts of one txn; a put with prev_kv; a
 * delete) read as the jansson parser reads them; what it does not take, it declines. */
static void test_scan_watch(void **state)
{
    (void)state;
    static const char *real[] = {
        ("{\"result\":{\"header\":{\"cluster_id\":\"14841639068965178418\",\"member_id\":"
         "\"10276657743932975437\",\"revision\":\"2\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{"
         "\"key\":\"L3JlZ2lzdHJ5L3BvZHMvZGVmYXVsdC9h\",\"create_revision\":\"2\",\"mod_revision\":"
         "\"2\",\"version\":\"1\",\"value\":\"eyJraW5kIjoiUG9kIn0=\"}},{\"kv\":{\"key\":"
         "\"L3JlZ2lzdHJ5L3BvZHMvZGVmYXVsdC9i\",\"create_revision\":\"2\",\"mod_revision\":\"2\","
         "\"version\":\"1\",\"value\":\"eyJraW5kIjoiUG9kIn0=\"}}]}}"),
        ("{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"kv\":{\"key\":\"YQ==\","
         "\"create_revision\":\"2\",\"mod_revision\":\"3\",\"version\":\"2\",\"value\":\"eDI=\"},"
         "\"prev_kv\":{\"key\":\"YQ==\",\"create_revision\":\"2\",\"mod_revision\":\"2\","
         "\"version\":\"1\",\"value\":\"eDE=\"}}]}}"),
        ("{\"result\":{\"header\":{\"revision\":\"4\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{"
         "\"key\":\"Yg==\",\"mod_revision\":\"4\"}}]}}\n"),
        "{\"result\":{\"header\":{\"revision\":\"1\"},\"created\":true}}",
    };
    for (size_t t = 0; t < sizeof real / sizeof real[0]; t++) {
        daas_store_etcd__watch_msg f, m;
        size_t n = strlen(real[t]);
        assert_true(daas_store_etcd__scan_watch(real[t], n, &f));
        assert_int_equal(daas_store_etcd__parse_watch(real[t], n, &m, NULL), DAAS_OK);
        assert_int_equal(f.revision, m.revision);
        assert_int_equal(f.created, m.created);
        assert_int_equal(f.nevs, m.nevs);
        for (size_t i = 0; i < f.nevs; i++) {
            assert_int_equal(f.evs[i].type, m.evs[i].type);
            assert_string_equal(f.evs[i].kv.key, m.evs[i].kv.key);
            assert_int_equal(f.evs[i].kv.value_len, m.evs[i].kv.value_len);
            assert_memory_equal(f.evs[i].kv.value, m.evs[i].kv.value, f.evs[i].kv.value_len);
            assert_int_equal(f.evs[i].kv.mod_revision, m.evs[i].kv.mod_revision);
            assert_int_equal(f.evs[i].kv.create_revision, m.evs[i].kv.create_revision);
            assert_int_equal(f.evs[i].has_prev, m.evs[i].has_prev);
        }
        daas_store_etcd__watch_msg_fini(&f);
        daas_store_etcd__watch_msg_fini(&m);
    }
    daas_store_etcd__watch_msg f;
    assert_true(daas_store_etcd__scan_watch(real[1], strlen(real[1]), &f));
    assert_string_equal(f.evs[0].prev_kv.value, "x1");
    assert_string_equal(f.evs[0].kv.value, "x2");
    daas_store_etcd__watch_msg_fini(&f);
    static const char *declined[] = {
        "{\"error\":{\"grpc_code\":14,\"message\":\"etcdserver: no leader\"}}",
        ("{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"kv\":{\"key\":\"YQ\\u003d"
         "=\"}}]}}"),                                                        /* an escape */
        "{\"result\":{\"header\":{\"revision\":\"3\",\"revision\":\"4\"}}}", /* duplicate */
        "{\"result\":{\"header\":{\"revision\":\"3\"},\"x\":1,\"x\":2}}",    /* duplicate */
        "{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"type\":\"BOGUS\"}]}}",
        "{\"result\":{\"header\":{\"revision\":3.5}}}",     /* a real */
        "{\"result\":{\"header\":{\"revision\":\"3\"}}} x", /* trailing */
        "{\"result\":{\"events\":[]}}",                     /* no header */
        "{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"kv\":{\"key\":\"!!\"}}]}}",
    };
    for (size_t t = 0; t < sizeof declined / sizeof declined[0]; t++)
        assert_false(daas_store_etcd__scan_watch(declined[t], strlen(declined[t]), &f));
}

/* Collects the lines daas_store_etcd__lines hands out; refuses the one equal to "stop". */
typedef struct lines_rec {
    int n;            /* lines seen */
    char line[8][32]; /* their text */
} lines_rec;

static int on_line(void *ud, const char *p, size_t n)
{
    lines_rec *r = ud;
    assert_true(r->n < 8 && n < sizeof r->line[0]);
    memcpy(r->line[r->n], p, n);
    r->line[r->n++][n] = '\0';
    return n == 4 && memcmp(p, "stop", 4) == 0 ? DAAS_ECLOSED : DAAS_OK;
}

static void test_lines(void **state)
{
    (void)state;
    lines_rec r = {0};
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_store_etcd__lines(&b, false, on_line, &r), DAAS_OK); /* empty */
    /* a message split across chunks, blank lines skipped, the tail kept */
    assert_int_equal(daas_buf_puts(&b, "{\"a\":1}\n\r\n \t\n{\"b\""), DAAS_OK);
    assert_int_equal(daas_store_etcd__lines(&b, false, on_line, &r), DAAS_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.line[0], "{\"a\":1}");
    assert_string_equal(b.data, "{\"b\"");
    assert_int_equal(daas_buf_puts(&b, ":2}\n{\"c\":3}"), DAAS_OK);
    assert_int_equal(daas_store_etcd__lines(&b, false, on_line, &r), DAAS_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.line[1], "{\"b\":2}");
    assert_int_equal(b.len, 7);
    /* the end of the stream hands out the unterminated tail */
    assert_int_equal(daas_store_etcd__lines(&b, true, on_line, &r), DAAS_OK);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.line[2], "{\"c\":3}");
    assert_int_equal(b.len, 0);
    /* a refused line stops the split and its value comes back; later lines wait */
    assert_int_equal(daas_buf_puts(&b, "stop\nlater\n"), DAAS_OK);
    assert_int_equal(daas_store_etcd__lines(&b, false, on_line, &r), DAAS_ECLOSED);
    assert_int_equal(r.n, 4);
    assert_string_equal(b.data, "later\n");
    daas_buf_fini(&b);
}

/* ---- TLS ---- */

/* Makes a CA, a server and a client certificate in <dir>/tls and execs an https etcd there
 * that demands client certificates (its own data dir, ports cport/pport). */
static const char tls_script[] =
    "set -e; mkdir -p \"$D\"; cd \"$D\"\n"
    "k() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1.key"
    " -subj /CN=$1 \"${@:2}\" 2>/dev/null; }\n"
    "k ca -x509 -days 1 -out ca.crt\n"
    "for n in server client; do k $n -out $n.csr\n"
    "  printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ext\n"
    "  openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1"
    " -extfile ext -out $n.crt 2>/dev/null; done\n"
    "exec /usr/bin/etcd --name t --data-dir data --listen-client-urls https://127.0.0.1:$CP"
    " --advertise-client-urls https://127.0.0.1:$CP --listen-peer-urls http://127.0.0.1:$PP"
    " --initial-advertise-peer-urls http://127.0.0.1:$PP --initial-cluster t=http://127.0.0.1:$PP"
    " --cert-file server.crt --key-file server.key --client-cert-auth --trusted-ca-file ca.crt"
    " --log-level warn >etcd.log 2>&1\n";

static daas_store_etcd *tls_client(const char *url, const char *tdir, bool with_cert)
{
    char ca[128], crt[128], key[128];
    snprintf(ca, sizeof ca, "%s/ca.crt", tdir);
    snprintf(crt, sizeof crt, "%s/client.crt", tdir);
    snprintf(key, sizeof key, "%s/client.key", tdir);
    daas_store_etcd_opts o = {.endpoints = url,
                              .ca_file = ca,
                              .timeout_ms = 2000,
                              .cert_file = with_cert ? crt : NULL,
                              .key_file = with_cert ? key : NULL};
    daas_store_etcd *c = NULL;
    assert_int_equal(daas_store_etcd_new(&o, &c, NULL), DAAS_OK);
    return c;
}

static void test_tls(void **state)
{
    (void)state;
    char tdir[96], url[64], cp[8], pp[8];
    snprintf(tdir, sizeof tdir, "%s/tls", g.et.dir);
    snprintf(cp, sizeof cp, "%d", et_free_port());
    snprintf(pp, sizeof pp, "%d", et_free_port());
    snprintf(url, sizeof url, "https://127.0.0.1:%s", cp);
    g.tls_pid = fork();
    assert_true(g.tls_pid >= 0);
    if (g.tls_pid == 0) {
        setenv("D", tdir, 1);
        setenv("CP", cp, 1);
        setenv("PP", pp, 1);
        execl("/bin/bash", "bash", "-c", tls_script, (char *)NULL);
        _exit(127);
    }
    daas_store_etcd *c = tls_client(url, tdir, true);
    daas_store_etcd_status st;
    int rc = DAAS_EUNAVAIL;
    for (int i = 0; i < 300 && rc != DAAS_OK; i++) {
        rc = daas_store_etcd_status_of(c, 0, &st, NULL);
        if (rc == DAAS_OK && st.leader == 0)
            rc = DAAS_EUNAVAIL;
        if (rc != DAAS_OK)
            et_sleep_ms(50);
    }
    assert_int_equal(rc, DAAS_OK);
    rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    daas_store_etcd_watch *w = NULL;
    assert_int_equal(daas_store_etcd_watch_start(c, S("/tls"), DAAS_BYTES(NULL, 0), st.revision + 1,
                                                 false, on_event, &r, &w, NULL),
                     DAAS_OK);
    int64_t rev = put(c, "/tls", "secret-free", 0);
    assert_int_equal(exists(c, "/tls"), 1);
    wait_count(&r, 1);
    daas_store_etcd_watch_stop(&w);
    assert_int_equal(r.rev[0], rev);
    daas_store_etcd_free(&c);
    /* without a client certificate etcd refuses the handshake */
    c = tls_client(url, tdir, false);
    daas_err err = {0};
    assert_int_equal(daas_store_etcd_put(c, S("/tls"), S("x"), 0, NULL, &err), DAAS_EUNAVAIL);
    fprintf(stderr, "test_tls: without a client certificate: %s\n", err.msg);
    daas_store_etcd_free(&c);
    kill(g.tls_pid, SIGKILL);
    waitpid(g.tls_pid, NULL, 0);
    g.tls_pid = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_scan_watch),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_binary_roundtrip),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_create_if_absent),
        cmocka_unit_test(test_update_delete_if),
        cmocka_unit_test(test_put_if_version),
        cmocka_unit_test(test_compaction),
        cmocka_unit_test(test_watch_resumes),
        cmocka_unit_test(test_watch_compacted_is_gone),
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_failover),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_tls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
