/*
 * load.c: the request/response load phases: creates, gets, lists, and raw etcd puts.
 *
 * Owns:   the client threads of one phase (one blocking keep-alive connection each: HTTPS to
 *         the server, or an etcd client of its own for the raw puts), the benchmark pod's
 *         JSON, the phase's counters and latency samples.
 * Not:    connections (conn.c), the etcd wire protocol (src/store/etcd.c), watches (watch.c),
 *         printing (report.c).
 * Invariants:
 *   - every thread connects before the clock starts (two barriers), so handshakes are not
 *     counted as request latency;
 *   - only requests answered with the expected status (201 create, 200 read, an etcd put
 *     acknowledged) are counted as done and sampled; everything else is an error, the first
 *     one kept for the report;
 *   - the raw puts run through the very machinery of the creates (same threads, barriers,
 *     clock and samples), so the two rates compare like for like.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "common/util.h"
#include "store/etcd.h"

enum { OP_CREATE, OP_GET, OP_LIST, OP_PUT };
enum { PUT_TIMEOUT_MS = 60000 };
enum { MAX_CONSECUTIVE_ERRORS = 2000 };

typedef struct phase {
    daas_bench_tls *tls;           /* borrowed */
    int op;                        /* OP_* */
    const char *ns;                /* namespace */
    atomic_llong next;             /* OP_CREATE: next index to create */
    int64_t to;                    /* OP_CREATE: end of the index range */
    int64_t n;                     /* OP_GET: pods p-0 .. p-(n-1) exist in default */
    int64_t deadline_ns;           /* OP_GET/OP_LIST: stop time; set between the barriers */
    pthread_barrier_t ready;       /* all threads connected */
    pthread_barrier_t go;          /* clock started */
    pthread_mutex_t mu;            /* guards lat and res->first_* */
    daas_bench_lat lat;            /* merged samples */
    atomic_llong ok, errors;       /* counters */
    daas_bench_result *res;        /* where the first error goes */
    const daas_bench_pause *pause; /* OP_CREATE: optional quiet point, else NULL */
    int64_t from;                  /* OP_CREATE: first index */
    atomic_llong below_done;       /* OP_CREATE: finished indices below pause->at */
    bool released;                 /* the pause is over; guarded by mu */
    pthread_cond_t resume;         /* signalled when released turns true */
    atomic_bool gave_up;           /* OP_CREATE: a thread quit after too many errors in a row */
    double rate;                   /* OP_CREATE: offered requests/s (open loop), 0 = closed */
    int64_t start_ns;              /* the clock's start; set between the barriers */
    const char *url;               /* OP_PUT: etcd client URL */
    daas_bytes value;              /* OP_PUT: the value every put writes */
    bool txn;                      /* OP_PUT: as a create txn (compare, put), not a plain put */
} phase;

/* One thread's client: an HTTPS connection to the server, or (OP_PUT) an etcd client. */
typedef struct client {
    daas_bench_conn conn;  /* API phases */
    daas_store_etcd *etcd; /* OP_PUT; NULL when it could not be made */
    daas_err err;          /* OP_PUT: the last call's failure */
} client;

/* A realistic pod of about 1.6 KB: labels, annotations, two containers with images, ports,
 * env, resources, a probe and a volume. */
static int pod_json(daas_buf *b, const char *ns, int64_t i)
{
    daas_buf_reset(b);
    return daas_buf_printf(
        b,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p-%06" PRId64 "\","
        "\"namespace\":\"%s\",\"labels\":{\"app\":\"web-frontend\",\"tier\":\"frontend\","
        "\"release\":\"stable\",\"team\":\"payments\",\"version\":\"v2.14.3\",\"shard\":\"%d\"},"
        "\"annotations\":{\"prometheus.io/scrape\":\"true\",\"prometheus.io/port\":\"9102\"}},"
        "\"spec\":{\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
        "\"dnsPolicy\":\"ClusterFirst\",\"nodeSelector\":{\"kubernetes.io/os\":\"linux\"},"
        "\"containers\":[{\"name\":\"web\","
        "\"image\":\"registry.example.com/payments/web-frontend:v2.14.3\","
        "\"imagePullPolicy\":\"IfNotPresent\",\"command\":[\"/app/server\"],"
        "\"args\":[\"--port=8080\",\"--metrics-port=9102\",\"--log-level=info\"],"
        "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"},"
        "{\"name\":\"metrics\",\"containerPort\":9102,\"protocol\":\"TCP\"}],"
        "\"env\":[{\"name\":\"APP_ENV\",\"value\":\"production\"},"
        "{\"name\":\"DB_HOST\",\"value\":\"postgres.payments.svc.cluster.local\"},"
        "{\"name\":\"DB_PORT\",\"value\":\"5432\"},"
        "{\"name\":\"CACHE_URL\",\"value\":\"redis://redis.payments.svc.cluster.local:6379/0\"},"
        "{\"name\":\"POD_INDEX\",\"value\":\"%" PRId64 "\"}],"
        "\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":\"256Mi\"},"
        "\"limits\":{\"cpu\":\"1\",\"memory\":\"512Mi\"}},"
        "\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":8080},"
        "\"initialDelaySeconds\":5,\"periodSeconds\":10},"
        "\"volumeMounts\":[{\"name\":\"config\",\"mountPath\":\"/etc/app\",\"readOnly\":true}]},"
        "{\"name\":\"log-shipper\",\"image\":\"docker.io/fluent/fluent-bit:2.2.0\","
        "\"ports\":[{\"name\":\"fb-metrics\",\"containerPort\":2020,\"protocol\":\"TCP\"}],"
        "\"env\":[{\"name\":\"FLUENT_HOST\",\"value\":\"elasticsearch.logging.svc\"}],"
        "\"resources\":{\"requests\":{\"cpu\":\"50m\",\"memory\":\"64Mi\"},"
        "\"limits\":{\"cpu\":\"200m\",\"memory\":\"128Mi\"}}}],"
        "\"volumes\":[{\"name\":\"config\",\"configMap\":{\"name\":\"web-frontend-config\"}}]}}",
        i, ns, (int)(i % 16), i);
}

/* xorshift64*: a fast non-cryptographic generator for picking pods (not the C library's). */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void note_error(phase *ph, const char *text, int rc, int status)
{
    atomic_fetch_add(&ph->errors, 1);
    pthread_mutex_lock(&ph->mu);
    if (ph->res->first_err[0] == '\0') {
        ph->res->first_status = rc == DAAS_OK ? status : 0;
        snprintf(ph->res->first_err, sizeof ph->res->first_err, "%s%s%.200s",
                 rc == DAAS_OK ? "" : daas_err_name(rc), rc == DAAS_OK ? "" : ": ", text);
    }
    pthread_mutex_unlock(&ph->mu);
}

/* Holds back index i while the pause is pending. */
static void pause_gate(phase *ph, int64_t i)
{
    if (ph->pause == NULL || i < ph->pause->at)
        return;
    pthread_mutex_lock(&ph->mu);
    while (!ph->released)
        pthread_cond_wait(&ph->resume, &ph->mu);
    pthread_mutex_unlock(&ph->mu);
}

/* Builds the next request (OP_PUT: path is the key); false when this thread is done. */
static bool next_req(phase *ph, uint64_t *rng, daas_buf *body, char *path, size_t plen,
                     int64_t *idx)
{
    if (ph->op == OP_PUT) {
        int64_t i = atomic_fetch_add(&ph->next, 1);
        if (i >= ph->to)
            return false;
        *idx = i;
        snprintf(path, plen, "/bench-raw%s/%s/p-%06" PRId64, ph->txn ? "-txn" : "", ph->ns, i);
        return true;
    }
    if (ph->op == OP_CREATE) {
        int64_t i = atomic_fetch_add(&ph->next, 1);
        if (i >= ph->to)
            return false;
        pause_gate(ph, i);
        *idx = i;
        snprintf(path, plen, "/api/v1/namespaces/%s/pods", ph->ns);
        return pod_json(body, ph->ns, i) == DAAS_OK;
    }
    if (daas_mono_ns() >= ph->deadline_ns)
        return false;
    if (ph->op == OP_GET)
        snprintf(path, plen, "/api/v1/namespaces/default/pods/p-%06" PRIu64,
                 next_rand(rng) % (uint64_t)ph->n);
    else
        snprintf(path, plen, "/api/v1/namespaces/%s/pods?limit=500", ph->ns);
    return true;
}

/* Opens this thread's client and its connection (before the clock starts; a failure here
 * shows up as the first request's). */
static void client_open(phase *ph, client *cl)
{
    int status = 0;
    daas_err_clear(&cl->err);
    if (ph->op == OP_PUT) {
        daas_store_etcd_opts o = {.endpoints = ph->url, .timeout_ms = PUT_TIMEOUT_MS};
        daas_store_etcd_status st;
        /* one client per thread: its pool then holds exactly this thread's connection;
         * a failure here shows up again in the first put */
        if (daas_store_etcd_new(&o, &cl->etcd, &cl->err) == DAAS_OK &&
            daas_store_etcd_status_of(cl->etcd, 0, &st, NULL) != DAAS_OK)
            daas_err_clear(&cl->err);
        return;
    }
    daas_bench_conn_init(&cl->conn, ph->tls);
    if (daas_bench_conn_do(&cl->conn, "GET", "/readyz", NULL, 0, NULL, &status) != DAAS_OK)
        status = 0;
}

static void client_close(phase *ph, client *cl)
{
    if (ph->op == OP_PUT)
        daas_store_etcd_free(&cl->etcd);
    else
        daas_bench_conn_fini(&cl->conn);
}

/* One raw etcd write of key: a put, or the create txn daas's etcd store sends (compare
 * create_revision == 0, then put), which must succeed: every key is fresh. */
static int etcd_write(phase *ph, client *cl, const char *key)
{
    if (!ph->txn)
        return daas_store_etcd_put(cl->etcd, DAAS_BYTES_STR(key), ph->value, 0, NULL, &cl->err);
    daas_store_etcd_txn_res res = {0};
    int rc = daas_store_etcd_create(cl->etcd, DAAS_BYTES_STR(key), ph->value, 0, &res, &cl->err);
    if (rc == DAAS_OK && !res.succeeded)
        rc = daas_fail(&cl->err, DAAS_EEXIST, "%s exists", key);
    daas_store_etcd_txn_fini(&res);
    return rc;
}

/* One request; true when it got the answer the phase expects. *rc and *status describe it. */
static bool client_do(phase *ph, client *cl, const char *path, const daas_buf *body, int *rc,
                      int *status)
{
    if (ph->op == OP_PUT) {
        daas_err_clear(&cl->err);
        *status = 0;
        *rc = cl->etcd == NULL ? DAAS_EIO : etcd_write(ph, cl, path);
        return *rc == DAAS_OK;
    }
    bool post = ph->op == OP_CREATE;
    *rc = daas_bench_conn_do(&cl->conn, post ? "POST" : "GET", path, post ? body->data : NULL,
                             post ? body->len : 0, NULL, status);
    return *rc == DAAS_OK && *status == (post ? 201 : 200);
}

/* Open loop: index idx is due at a fixed time, and its latency counts from then, so a slow
 * answer is not hidden by sending the next request late (no coordinated omission). Returns
 * the time latency counts from. */
static int64_t wait_due(const phase *ph, int64_t idx)
{
    int64_t now = daas_mono_ns();
    if (ph->rate <= 0)
        return now;
    int64_t due = ph->start_ns + (int64_t)((double)(idx - ph->from) * 1e9 / ph->rate);
    if (due > now) {
        struct timespec ts = {(time_t)(due / 1000000000), (long)(due % 1000000000)};
        (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    return due;
}

static void *worker(void *arg)
{
    phase *ph = arg;
    client cl = {0};
    daas_bench_lat lat = {0};
    daas_buf body;
    char path[256];
    uint64_t rng = 0;
    int status = 0, rc = DAAS_OK, consecutive = 0;

    daas_random(&rng, sizeof rng);
    rng |= 1;
    daas_buf_init(&body, 1 << 16);
    client_open(ph, &cl);
    pthread_barrier_wait(&ph->ready);
    pthread_barrier_wait(&ph->go);
    int64_t idx = -1;
    while (consecutive < MAX_CONSECUTIVE_ERRORS &&
           next_req(ph, &rng, &body, path, sizeof path, &idx)) {
        int64_t t0 = wait_due(ph, idx);
        bool ok = client_do(ph, &cl, path, &body, &rc, &status);
        int64_t t1 = daas_mono_ns();
        if (ok) {
            daas_bench_lat_add(&lat, t1 - t0);
            atomic_fetch_add(&ph->ok, 1);
            consecutive = 0;
        } else {
            note_error(ph, ph->op == OP_PUT ? cl.err.msg : cl.conn.errbody, rc, status);
            consecutive++;
        }
        if (ph->pause != NULL && idx < ph->pause->at)
            atomic_fetch_add(&ph->below_done, 1);
    }
    if (consecutive >= MAX_CONSECUTIVE_ERRORS)
        atomic_store(&ph->gave_up, true); /* indices it left undrawn never complete */
    pthread_mutex_lock(&ph->mu);
    daas_bench_lat_merge(&ph->lat, &lat);
    pthread_mutex_unlock(&ph->mu);
    client_close(ph, &cl);
    daas_buf_fini(&body);
    return NULL;
}

/* Waits for every index below the pause point, runs the pause, releases the rest.
 * Returns the pause's length in ns (not counted in the phase's time). */
static int64_t run_pause(phase *ph)
{
    if (ph->pause == NULL)
        return 0;
    struct timespec ms = {.tv_nsec = 1000000};
    while (atomic_load(&ph->below_done) < ph->pause->at - ph->from && !atomic_load(&ph->gave_up))
        (void)nanosleep(&ms, NULL);
    int64_t p0 = daas_mono_ns();
    ph->pause->fn(ph->pause->arg);
    pthread_mutex_lock(&ph->mu);
    ph->released = true;
    pthread_cond_broadcast(&ph->resume);
    pthread_mutex_unlock(&ph->mu);
    return daas_mono_ns() - p0;
}

/* Runs ph with cfg->clients threads and fills res. */
static void run_phase(phase *ph, const daas_bench_cfg *cfg, daas_bench_result *res)
{
    int n = cfg->clients;
    pthread_t *th = daas_xcalloc((size_t)n, sizeof *th);
    memset(res, 0, sizeof *res);
    ph->res = res;
    ph->lat = (daas_bench_lat){0};
    atomic_init(&ph->ok, 0);
    atomic_init(&ph->errors, 0);
    pthread_mutex_init(&ph->mu, NULL);
    pthread_cond_init(&ph->resume, NULL);
    pthread_barrier_init(&ph->ready, NULL, (unsigned)n + 1);
    pthread_barrier_init(&ph->go, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, worker, ph) != 0) {
            fprintf(stderr, "bench_api: pthread_create failed\n");
            abort();
        }
    pthread_barrier_wait(&ph->ready);
    int64_t t0 = daas_mono_ns();
    ph->start_ns = t0;
    ph->deadline_ns = t0 + (int64_t)cfg->seconds * 1000000000;
    pthread_barrier_wait(&ph->go);
    int64_t paused = run_pause(ph);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    res->seconds = daas_bench_secs(daas_mono_ns() - t0 - paused);
    res->ok = atomic_load(&ph->ok);
    res->errors = atomic_load(&ph->errors);
    res->p50_ms = daas_bench_lat_ms(&ph->lat, 0.50);
    res->p99_ms = daas_bench_lat_ms(&ph->lat, 0.99);
    daas_bench_lat_fini(&ph->lat);
    pthread_barrier_destroy(&ph->ready);
    pthread_barrier_destroy(&ph->go);
    pthread_mutex_destroy(&ph->mu);
    pthread_cond_destroy(&ph->resume);
    daas_free(th);
}

void daas_bench_creates(daas_bench_tls *t, const daas_bench_cfg *cfg, const char *ns, int64_t from,
                        int64_t to, const daas_bench_pause *pause, daas_bench_result *res)
{
    bool inside = pause != NULL && pause->at > from && pause->at < to;
    phase ph = {.tls = t,
                .op = OP_CREATE,
                .ns = ns,
                .to = to,
                .from = from,
                .pause = inside ? pause : NULL};
    atomic_init(&ph.below_done, 0);
    atomic_init(&ph.gave_up, false);
    atomic_init(&ph.next, from);
    run_phase(&ph, cfg, res);
}

void daas_bench_creates_rated(daas_bench_tls *t, const daas_bench_cfg *cfg, const char *ns,
                              int64_t n, double rate, daas_bench_result *res)
{
    phase ph = {.tls = t, .op = OP_CREATE, .ns = ns, .to = n, .from = 0, .rate = rate};
    atomic_init(&ph.below_done, 0);
    atomic_init(&ph.gave_up, false);
    atomic_init(&ph.next, 0);
    run_phase(&ph, cfg, res);
}

void daas_bench_gets(daas_bench_tls *t, const daas_bench_cfg *cfg, int64_t n,
                     daas_bench_result *res)
{
    phase ph = {.tls = t, .op = OP_GET, .ns = "default", .n = n > 0 ? n : 1};
    atomic_init(&ph.next, 0);
    run_phase(&ph, cfg, res);
}

void daas_bench_lists(daas_bench_tls *t, const daas_bench_cfg *cfg, const char *ns,
                      daas_bench_result *res)
{
    phase ph = {.tls = t, .op = OP_LIST, .ns = ns};
    atomic_init(&ph.next, 0);
    run_phase(&ph, cfg, res);
}

void daas_bench_etcd_puts(const char *url, const daas_bench_cfg *cfg, const char *ns, int64_t n,
                          size_t value_len, bool txn, daas_bench_result *res)
{
    daas_buf pod, value;
    daas_buf_init(&pod, 1 << 16);
    daas_buf_init(&value, value_len + (1 << 16));
    /* the value: the benchmark pod's JSON over and over, cut at value_len (etcd neither
     * compresses nor parses values, so only the length matters) */
    int rc = pod_json(&pod, ns, 0);
    while (rc == DAAS_OK && value.len < value_len)
        rc = daas_buf_append(&value, pod.data,
                             value_len - value.len < pod.len ? value_len - value.len : pod.len);
    if (rc != DAAS_OK) { /* cannot happen: the caps exceed what is appended */
        memset(res, 0, sizeof *res);
        snprintf(res->first_err, sizeof res->first_err, "building the value failed");
    } else {
        phase ph = {.op = OP_PUT,
                    .ns = ns,
                    .to = n,
                    .url = url,
                    .txn = txn,
                    .value = DAAS_BYTES(value.data, value.len)};
        atomic_init(&ph.next, 0);
        run_phase(&ph, cfg, res);
    }
    daas_buf_fini(&pod);
    daas_buf_fini(&value);
}

size_t daas_bench_pod_json_len(void)
{
    daas_buf b;
    daas_buf_init(&b, 1 << 16);
    size_t n = pod_json(&b, "default", 0) == DAAS_OK ? b.len : 0;
    daas_buf_fini(&b);
    return n;
}

int daas_bench_make_ns(daas_bench_tls *t, const char *ns, daas_err *err)
{
    daas_bench_conn c;
    daas_buf body;
    int status = 0;
    daas_buf_init(&body, 4096);
    daas_bench_conn_init(&c, t);
    int rc = daas_buf_printf(&body,
                             "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                             "\"metadata\":{\"name\":\"%s\"}}",
                             ns);
    if (rc == DAAS_OK)
        rc = daas_bench_conn_do(&c, "POST", "/api/v1/namespaces", body.data, body.len, NULL,
                                &status);
    if (rc != DAAS_OK)
        daas_fail(err, rc, "creating namespace %s: %s", ns, c.errbody);
    else if (status != 201 && status != 409)
        rc = daas_fail(err, DAAS_EIO, "creating namespace %s: HTTP %d %.160s", ns, status,
                       c.errbody);
    daas_bench_conn_fini(&c);
    daas_buf_fini(&body);
    return rc;
}
