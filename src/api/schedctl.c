/*
 * schedctl.c: the scheduler controller's thread (schedctl.h): runs passes that bring the
 * enclave up to date (schedctl_link.c), schedule pending pods, write bindings and Events,
 * and have decision batches committed.
 *
 * Owns:   the thread, the enclave client, the mirror, the per-pod last event (so a pod that
 *         stays unschedulable for the same reason does not get one event per pass).
 * Invariants:
 *   - a pass runs when a Node or Pod changed, every retry_ms, and after a backoff while the
 *     enclave is unreachable; Events written by the controller do not wake it;
 *   - "ready" means: the attestation verified, the key set, seq known; anything unexpected
 *     from the enclave clears it (the next pass re-verifies and re-feeds from scratch).
 * Spec:   schedctl.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "api/schedctl_int.h"
#include "enclave/schedsvc.h"
#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

static const daas_kube_kind *kind(const char *resource)
{
    return daas_kube_kind_by_resource("", "v1", resource);
}

/* ---- store helpers ---- */

/* The objects under resource's prefix as a JSON array, and their kvs (same order). */
static json_t *snapshot(daas_schedctl *sc, const char *resource, daas_kv_list *l)
{
    char *prefix = daas_api__prefix(kind(resource), NULL);
    daas_err e = {0};
    json_t *arr = json_array();
    if (daas_store_list(sc->cfg.store, prefix, NULL, 0, l, &e) != DAAS_OK)
        DAAS_WARN("schedctl", "listing %s: %s", prefix, e.msg);
    for (size_t i = 0; i < l->n; i++) {
        json_t *o = daas_api__parse_kv(&l->items[i]);
        json_array_append_new(arr, o ? o : json_object());
    }
    daas_free(prefix);
    return arr;
}

/* Records an Event about pod unless its last event had the same message. */
static void record(daas_schedctl *sc, const json_t *pod, const char *type, const char *reason,
                   const char *msg)
{
    const char *uid = daas_kube_str(pod, "metadata.uid") ?: "";
    const char *last = json_string_value(json_object_get(sc->last_event, uid));
    if (last && strcmp(last, msg) == 0)
        return;
    json_object_set_new(sc->last_event, uid, json_string(msg));
    json_t *ev = daas_schedctl_event(pod, type, reason, msg, daas_now_ms());
    const daas_kube_kind *k = kind("events");
    char uidbuf[37], ts[32];
    daas_uuid4(uidbuf);
    daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
    daas_kube_set_str(ev, "metadata.uid", uidbuf);
    daas_kube_set_str(ev, "metadata.creationTimestamp", ts);
    if (k->defaults)
        k->defaults(ev, NULL);
    char *key = daas_api__key(k, daas_kube_str(ev, "metadata.namespace"),
                              daas_kube_str(ev, "metadata.name"));
    char *s = daas_api__dump_stored(ev);
    daas_err e = {0};
    if (s == NULL ||
        daas_store_create(sc->cfg.store, key, DAAS_BYTES(s, strlen(s)), NULL, &e) != DAAS_OK)
        DAAS_WARN("schedctl", "cannot record event %s: %s", key, e.msg);
    daas_free(s);
    daas_free(key);
    json_decref(ev);
}

/* Stores the binding; then tells the enclave the pod is bound. */
static int bind(daas_schedctl *sc, const daas_kv *kv, json_t *pod, const daas_sched_kpod *kp,
                const daas_sched_decision *dec, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                daas_err *err)
{
    json_t *o = json_deep_copy(pod);
    int rc = daas_schedctl_bind_obj(o, dec, sig, sc->pk, sc->enclave_id, daas_now_ms(), err);
    char *s = rc == DAAS_OK ? daas_api__dump_stored(o) : NULL;
    if (rc == DAAS_OK && s == NULL)
        rc = daas_fail(err, DAAS_ETOOBIG, "pod %s cannot be serialized", kv->key);
    if (rc == DAAS_OK)
        rc = daas_store_update(sc->cfg.store, kv->key, DAAS_BYTES(s, strlen(s)), kv->mod_rev, NULL,
                               err);
    daas_free(s);
    json_decref(o);
    if (rc != DAAS_OK)
        return rc;
    daas_sched_delta d;
    char h[65];
    uint64_t seq = 0;
    uint8_t digest[DAAS_SCHED_DIGEST_LEN];
    rc = daas_schedctl_bound_delta(kp, dec->node, sc->seq + 1, &d, h, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_client_deltas(sc->client, &d, 1, &seq, digest, err);
    if (rc == DAAS_OK) {
        sc->seq = seq;
        daas_schedctl__log_deltas(sc, &d, 1);
        json_object_set_new(sc->mirror.pods, kp->pod.uid, json_string(h));
    } else {
        daas_schedctl__lost(sc, err); /* the binding is stored: the re-feed brings it */
    }
    return DAAS_OK;
}

static bool my_pod(const json_t *pod)
{
    const char *s = daas_kube_str(pod, "spec.schedulerName");
    return s == NULL || s[0] == '\0' || strcmp(s, "default-scheduler") == 0;
}

/* Schedules one pending pod. false when the enclave went away (stop this pass). */
static bool schedule_one(daas_schedctl *sc, const daas_kv *kv, json_t *pod,
                         const daas_sched_kpod *kp)
{
    daas_sched_decision dec;
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    uint64_t index = 0;
    char reason[1024] = "", msg[1400];
    daas_err e = {0};
    int rc = daas_enclave_client_schedule(sc->client, &kp->pod, &dec, sig, &index, reason,
                                          sizeof reason, &e);
    if (rc == DAAS_OK && daas_schedctl__log_decision(sc, &kp->pod, &dec, sig, index, &e) != DAAS_OK)
        return true; /* never bound unlogged: retried */
    if (rc == DAAS_OK) {
        rc = bind(sc, kv, pod, kp, &dec, sig, &e);
        if (rc == DAAS_OK) {
            atomic_fetch_add(&sc->decisions, 1);
            snprintf(msg, sizeof msg, "Successfully assigned %s/%s to %s", kp->pod.ns, kp->pod.name,
                     dec.node);
            record(sc, pod, "Normal", "Scheduled", msg);
            json_object_del(sc->last_event, kp->pod.uid);
            DAAS_INFO("schedctl", "%s (decision %llu)", msg, (unsigned long long)index);
        } else {
            DAAS_DEBUG("schedctl", "binding %s: %s (retried)", kv->key, e.msg);
            sc->next_retry_ms = 0;
        }
        return sc->ready;
    }
    if (rc == DAAS_ECONFLICT || rc == DAAS_EINVAL) {
        record(sc, pod, "Warning", "FailedScheduling", rc == DAAS_ECONFLICT ? reason : e.msg);
        return true;
    }
    snprintf(msg, sizeof msg, "scheduler enclave unreachable: %s", e.msg);
    record(sc, pod, "Warning", "FailedScheduling", msg);
    daas_schedctl__lost(sc, &e);
    return false;
}

/* Converts each pending pod of ours and hands it to fn (or writes why it cannot be). */
static void each_pending(daas_schedctl *sc, const daas_kv_list *l, json_t *pods,
                         const char *unreachable)
{
    json_t *seen = json_object();
    bool go = true;
    for (size_t i = 0; i < l->n && go; i++) {
        json_t *pod = json_array_get(pods, i);
        daas_sched_kpod kp = {0};
        daas_err e = {0};
        if (!my_pod(pod) || daas_kube_str(pod, "spec.nodeName") != NULL)
            continue;
        if (daas_sched_kube_pod(pod, &kp, &e) != DAAS_OK) {
            record(sc, pod, "Warning", "FailedScheduling", e.msg);
            continue;
        }
        json_object_set_new(seen, kp.pod.uid, json_true());
        if (kp.pending && unreachable)
            record(sc, pod, "Warning", "FailedScheduling", unreachable);
        else if (kp.pending)
            go = schedule_one(sc, &l->items[i], pod, &kp);
        daas_sched_kpod_fini(&kp);
    }
    /* forget pods that are gone or bound */
    const char *k;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(sc->last_event, tmp, k, v)
    {
        if (go && json_object_get(seen, k) == NULL)
            json_object_del(sc->last_event, k);
    }
    json_decref(seen);
}

static void pass(daas_schedctl *sc)
{
    daas_kv_list ln = {0}, lp = {0};
    daas_err e = {0};
    char msg[400];
    int64_t now = daas_now_ms();
    if (!sc->ready && now < sc->next_try_ms)
        return;
    json_t *nodes = snapshot(sc, "nodes", &ln), *pods = snapshot(sc, "pods", &lp);
    int rc = DAAS_OK;
    /* A second attempt re-verifies and re-feeds at once (an enclave that restarted). */
    for (int attempt = 0; attempt < 2; attempt++) {
        daas_err_clear(&e);
        rc = sc->ready ? DAAS_OK : daas_schedctl__handshake(sc, &e);
        if (rc == DAAS_OK)
            rc = daas_schedctl__feed(sc, nodes, pods, &e);
        if (rc == DAAS_OK)
            break;
        daas_schedctl__lost(sc, &e);
    }
    if (rc != DAAS_OK) {
        sc->backoff_ms = sc->backoff_ms ? sc->backoff_ms * 2 : BACKOFF_MIN_MS;
        if (sc->backoff_ms > BACKOFF_MAX_MS)
            sc->backoff_ms = BACKOFF_MAX_MS;
        sc->next_try_ms = now + sc->backoff_ms;
        DAAS_WARN("schedctl", "scheduler enclave at %s: %s (retry in %lld ms)", sc->addr, e.msg,
                  (long long)sc->backoff_ms);
        snprintf(msg, sizeof msg, "scheduler enclave unreachable: %s", e.msg);
    }
    each_pending(sc, &lp, pods, rc == DAAS_OK ? NULL : msg);
    int64_t due = daas_schedctl__batches(sc, false);
    if (due < sc->next_retry_ms)
        sc->next_retry_ms = due;
    json_decref(nodes);
    json_decref(pods);
    daas_kv_list_fini(&ln);
    daas_kv_list_fini(&lp);
}

/* ---- the thread ---- */

static void kick(daas_schedctl *sc)
{
    pthread_mutex_lock(&sc->mu);
    sc->kick = true;
    pthread_cond_signal(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
}

static void notify(void *arg)
{
    kick(arg);
}

void daas_schedctl_set_active(daas_schedctl *sc, bool active)
{
    pthread_mutex_lock(&sc->mu);
    sc->active = active;
    pthread_mutex_unlock(&sc->mu);
    kick(sc);
}

/* Waits for a kick or until the next retry or backoff; false when asked to stop. */
static bool wait_kick(daas_schedctl *sc)
{
    int64_t now = daas_now_ms(), until = sc->next_retry_ms;
    if (!sc->ready && sc->next_try_ms < until)
        until = sc->next_try_ms;
    pthread_mutex_lock(&sc->mu);
    if (!sc->active) /* only daas_schedctl_set_active or stop wakes it */
        until = now + 3600 * 1000;
    if (!sc->stop && !sc->kick && until > now) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (until - now) % 1000 * 1000000;
        ts.tv_sec += (until - now) / 1000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&sc->cv, &sc->mu, &ts);
    }
    bool stop = sc->stop;
    sc->kick = false;
    pthread_mutex_unlock(&sc->mu);
    return !stop;
}

/* True when an event concerns Nodes or Pods (the controller's own Events do not count). */
static bool relevant(const daas_store_event *ev, const char *np, const char *pp)
{
    return strncmp(ev->kv.key, np, strlen(np)) == 0 || strncmp(ev->kv.key, pp, strlen(pp)) == 0;
}

static void *run(void *arg)
{
    daas_schedctl *sc = arg;
    daas_store_watcher *w = NULL;
    char *np = daas_api__prefix(kind("nodes"), NULL), *pp = daas_api__prefix(kind("pods"), NULL);
    bool work = true;
    do {
        daas_store_event evs[64];
        size_t n = 0;
        daas_err e = {0};
        if (w == NULL &&
            daas_store_watch(sc->cfg.store, "/registry/", 0, notify, sc, &w, &e) != DAAS_OK)
            DAAS_WARN("schedctl", "cannot watch the store (%s); polling", e.msg);
        while (w && daas_store_watch_next(w, evs, 64, &n, &e) == DAAS_OK && n > 0)
            for (size_t i = 0; i < n; i++) {
                work |= relevant(&evs[i], np, pp);
                daas_store_event_fini(&evs[i]);
            }
        if (e.code == DAAS_EGONE) {
            daas_store_watch_cancel(&w);
            work = true;
        }
        int64_t now = daas_now_ms();
        pthread_mutex_lock(&sc->mu);
        bool active = sc->active;
        pthread_mutex_unlock(&sc->mu);
        if (!active)
            continue; /* work stays noted for when this server leads again */
        pthread_mutex_lock(&sc->mu);
        bool jobs = sc->job_head != NULL, fresh = sc->job_fresh;
        sc->job_fresh = false;
        for (daas_schedctl_job *j = sc->job_head; fresh && j; j = j->next)
            j->fed = true; /* the pass below feeds the state they were queued after */
        pthread_mutex_unlock(&sc->mu);
        if (work || fresh || now >= sc->next_retry_ms ||
            (!sc->ready && now >= sc->next_try_ms) || (jobs && !sc->ready)) {
            sc->next_retry_ms = now + sc->cfg.retry_ms;
            pass(sc);
        }
        daas_schedctl__jobs(sc);
        work = false;
    } while (wait_kick(sc));
    (void)daas_schedctl__batches(sc, true); /* what is waiting, before the enclave goes */
    daas_store_watch_cancel(&w);
    daas_free(np);
    daas_free(pp);
    return NULL;
}

static int read_root(daas_schedctl *sc, const char *path, daas_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return daas_fail(err, DAAS_EIO, "cannot open the enclave debug root %s", path);
    char chunk[4096];
    size_t n;
    int rc = DAAS_OK;
    daas_buf_init(&sc->debug_root, 1 << 20);
    while (rc == DAAS_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = daas_buf_append(&sc->debug_root, chunk, n);
    if (rc == DAAS_OK && (ferror(f) || sc->debug_root.len == 0))
        rc = DAAS_EIO;
    fclose(f);
    return rc == DAAS_OK ? DAAS_OK
                         : daas_fail(err, DAAS_EIO, "cannot read the enclave debug root %s", path);
}

/* Frees what _start made (the thread is not running). */
static void destroy(daas_schedctl *sc)
{
    daas_enclave_client_free(&sc->client);
    daas_declog_writer_close(&sc->log);
    daas_buf_fini(&sc->debug_root);
    daas_schedctl_mirror_fini(&sc->mirror);
    json_decref(sc->last_event);
    pthread_mutex_destroy(&sc->mu);
    pthread_cond_destroy(&sc->cv);
    pthread_cond_destroy(&sc->job_cv);
    daas_free(sc->addr);
    daas_free(sc);
}

int daas_schedctl_start(const daas_schedctl_config *cfg, daas_schedctl **out, daas_err *err)
{
    daas_schedctl *sc = daas_xcalloc(1, sizeof *sc);
    sc->cfg = *cfg;
    sc->addr = daas_xstrdup(cfg->enclave ? cfg->enclave : "");
    sc->cfg.enclave = sc->addr;
    sc->cfg.debug_root_path = NULL;
    if (sc->cfg.timeout_ms <= 0)
        sc->cfg.timeout_ms = 5000;
    if (sc->cfg.retry_ms <= 0)
        sc->cfg.retry_ms = 10000;
    if (sc->cfg.batch_ms <= 0)
        sc->cfg.batch_ms = 2000;
    if (sc->cfg.batch_max == 0 || sc->cfg.batch_max > DAAS_ENCLAVE_SCHED_MAX_BATCH)
        sc->cfg.batch_max = sc->cfg.batch_max ? DAAS_ENCLAVE_SCHED_MAX_BATCH : 1024;
    if (sc->cfg.npcrs > DAAS_SCHEDCTL_MAX_PCRS)
        sc->cfg.npcrs = DAAS_SCHEDCTL_MAX_PCRS;
    daas_schedctl_mirror_init(&sc->mirror);
    sc->last_event = json_object();
    pthread_mutex_init(&sc->mu, NULL);
    pthread_cond_init(&sc->cv, NULL);
    daas_cond_init_mono(&sc->job_cv);
    sc->active = !cfg->start_inactive;
    int rc = cfg->debug_root_path ? read_root(sc, cfg->debug_root_path, err) : DAAS_OK;
    if (rc == DAAS_OK && cfg->declog_path)
        rc = daas_declog_writer_open(cfg->declog_path, DAAS_DECLOG_SYNC_EACH, &sc->log, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_client_new(sc->addr, sc->cfg.timeout_ms, &sc->client, err);
    if (rc == DAAS_OK && pthread_create(&sc->thread, NULL, run, sc) != 0)
        rc = daas_fail(err, DAAS_EINTERNAL, "cannot start the scheduler controller thread");
    if (rc != DAAS_OK) {
        destroy(sc);
        return rc;
    }
    DAAS_INFO("schedctl", "scheduler controller started: enclave %s, %s attestation policy",
              sc->addr, sc->debug_root.len ? "DEBUG documents allowed by the" : "strict");
    *out = sc;
    return DAAS_OK;
}

void daas_schedctl_stop(daas_schedctl **psc)
{
    daas_schedctl *sc = *psc;
    if (sc == NULL)
        return;
    *psc = NULL;
    pthread_mutex_lock(&sc->mu);
    sc->stop = true;
    pthread_cond_signal(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
    pthread_join(sc->thread, NULL);
    daas_schedctl__jobs_fail(sc);
    DAAS_INFO("schedctl", "scheduler controller stopped after %llu decisions (%llu in batches)",
              (unsigned long long)atomic_load(&sc->decisions),
              (unsigned long long)atomic_load(&sc->committed_total));
    destroy(sc);
}

uint64_t daas_schedctl_decisions(const daas_schedctl *sc)
{
    return sc ? atomic_load(&((daas_schedctl *)sc)->decisions) : 0;
}

uint64_t daas_schedctl_committed(const daas_schedctl *sc)
{
    return sc ? atomic_load(&((daas_schedctl *)sc)->committed_total) : 0;
}
