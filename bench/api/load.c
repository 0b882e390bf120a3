/*
 * load.c: the request/response load phases: creates, gets, lists.
 *
 * Owns:   the client threads of one phase (one blocking keep-alive connection each), the
 *         benchmark pod's JSON, the phase's counters and latency samples.
 * Not:    connections (conn.c), watches (watch.c), printing (main.c).
 * Invariants:
 *   - every thread connects before the clock starts (two barriers), so handshakes are not
 *     counted as request latency;
 *   - only requests answered with the expected status (201 create, 200 read) are counted as
 *     done and sampled; everything else is an error, the first one kept for the report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "common/util.h"

enum { OP_CREATE, OP_GET, OP_LIST };
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
} phase;

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

static void note_error(phase *ph, const daas_bench_conn *c, int rc, int status)
{
    atomic_fetch_add(&ph->errors, 1);
    pthread_mutex_lock(&ph->mu);
    if (ph->res->first_err[0] == '\0') {
        ph->res->first_status = rc == DAAS_OK ? status : 0;
        snprintf(ph->res->first_err, sizeof ph->res->first_err, "%s%s%.200s",
                 rc == DAAS_OK ? "" : daas_err_name(rc), rc == DAAS_OK ? "" : ": ", c->errbody);
    }
    pthread_mutex_unlock(&ph->mu);
}

/* Builds the next request; false when this thread is done. */
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

static bool next_req(phase *ph, uint64_t *rng, daas_buf *body, char *path, size_t plen,
                     int64_t *idx)
{
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

static void *worker(void *arg)
{
    phase *ph = arg;
    daas_bench_conn c;
    daas_bench_lat lat = {0};
    daas_buf body;
    char path[256];
    uint64_t rng = 0;
    int status = 0, consecutive = 0;
    int want = ph->op == OP_CREATE ? 201 : 200;

    daas_random(&rng, sizeof rng);
    rng |= 1;
    daas_buf_init(&body, 1 << 16);
    daas_bench_conn_init(&c, ph->tls);
    /* connect before the clock starts; a failure here shows up as the first request's */
    if (daas_bench_conn_do(&c, "GET", "/readyz", NULL, 0, NULL, &status) != DAAS_OK)
        status = 0;
    pthread_barrier_wait(&ph->ready);
    pthread_barrier_wait(&ph->go);
    int64_t idx = -1;
    while (consecutive < MAX_CONSECUTIVE_ERRORS &&
           next_req(ph, &rng, &body, path, sizeof path, &idx)) {
        bool post = ph->op == OP_CREATE;
        int64_t t0 = daas_mono_ns();
        if (ph->rate > 0) {
            /* Open loop: index idx is due at a fixed time, and its latency counts from then,
             * so a slow answer is not hidden by sending the next request late (no
             * coordinated omission). */
            int64_t due = ph->start_ns + (int64_t)((double)(idx - ph->from) * 1e9 / ph->rate);
            if (due > t0) {
                struct timespec ts = {(time_t)(due / 1000000000), (long)(due % 1000000000)};
                (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
            }
            t0 = due;
        }
        int rc = daas_bench_conn_do(&c, post ? "POST" : "GET", path, post ? body.data : NULL,
                                    post ? body.len : 0, NULL, &status);
        int64_t t1 = daas_mono_ns();
        if (rc == DAAS_OK && status == want) {
            daas_bench_lat_add(&lat, t1 - t0);
            atomic_fetch_add(&ph->ok, 1);
            consecutive = 0;
        } else {
            note_error(ph, &c, rc, status);
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
    daas_bench_conn_fini(&c);
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
