/*
 * ctrl.c: the controller manager: runs registered controllers, each of one shape (informers
 *         it needs → handle(event) → keys in its rate-limited queue → workers → sync(key)),
 *         only while this server leads (or always, without leader election).
 *
 * Owns:   the registered definitions, per controller a queue, a client naming it in Events
 *         and its worker threads; the informers, shared between controllers by resource;
 *         the elector.
 * Not:    any controller's logic.
 * Invariants: informers, queues and workers exist only between a start of leading and the
 *             matching stop; stop joins every worker and informer thread before freeing;
 *             lc_mu serialises starting and stopping (the elector thread and mgr_stop).
 * Spec:   kube-controller-manager's controller loop (controller.Run(workers), processNextWorkItem:
 *         Forget on success, AddRateLimited on error).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/ctrl.h"
#include "ctrl/ctrl_int.h"
#include "ctrl/podutil.h"
#include "kube/kind.h"
#include "kube/obj.h"

#define MAX_CTLS 32
#define MAX_INFS 32
#define MAX_RES 8
#define MAX_WORKERS 64

typedef struct bind {
    daas_ctrl_run *run;
    const char *res; /* the def's string */
} bind;

struct daas_ctrl_run {
    daas_ctrl_mgr *m;
    daas_ctrl_def def;
    char *name;
    const daas_kube_kind *kinds[MAX_RES];
    int nres;
    bind binds[MAX_RES];
    daas_ctrl_informer *infs[MAX_RES]; /* the manager's, while running */
    daas_ctrl_queue *q;                /* while running */
    daas_ctrl_client *client;
    pthread_t th[MAX_WORKERS];
    int nth;
};

struct daas_ctrl_mgr {
    daas_ctrl_mgr_config cfg;
    daas_ctrl_client *client;
    daas_ctrl_leader *leader;
    daas_ctrl_run *runs[MAX_CTLS];
    int nrun;
    struct {
        const daas_kube_kind *k;
        daas_ctrl_informer *inf;
    } infs[MAX_INFS];
    int ninf;
    pthread_mutex_t lc_mu; /* serialises start_all and stop_all; guards running */
    bool running, started;
};

daas_ctrl_mgr *daas_ctrl_mgr_new(const daas_ctrl_mgr_config *cfg)
{
    daas_ctrl_mgr *m = daas_xcalloc(1, sizeof *m);
    m->cfg = *cfg;
    m->client = daas_ctrl_client_new(cfg->api, NULL);
    pthread_mutex_init(&m->lc_mu, NULL);
    return m;
}

daas_ctrl_client *daas_ctrl_mgr_client(daas_ctrl_mgr *m)
{
    return m->client;
}

const daas_kube_kind *daas_ctrl_kind(const char *res)
{
    int n = 0;
    const daas_kube_kind *const *ks = daas_kube_kinds(&n);
    const char *dot = strchr(res, '.');
    size_t rl = dot ? (size_t)(dot - res) : strlen(res);
    for (int i = 0; i < n; i++) {
        if (strlen(ks[i]->resource) != rl || strncmp(ks[i]->resource, res, rl) != 0)
            continue;
        if (dot == NULL || strcmp(ks[i]->group, dot + 1) == 0)
            return ks[i];
    }
    return NULL;
}

static int register_def(daas_ctrl_mgr *m, const daas_ctrl_def *def, daas_err *err);

int daas_ctrl_mgr_register(daas_ctrl_mgr *m, const daas_ctrl_def *def, daas_err *err)
{
    int rc = register_def(m, def, err);
    if (rc != DAAS_OK && def->fini)
        def->fini(def->arg);
    return rc;
}

static int register_def(daas_ctrl_mgr *m, const daas_ctrl_def *def, daas_err *err)
{
    if (m->started || m->nrun >= MAX_CTLS)
        return daas_fail(err, DAAS_EINVAL, "controller %s: registered too late or too many",
                         def->name ? def->name : "?");
    if (def->name == NULL || def->handle == NULL || (def->sync == NULL) == (def->sync_obj == NULL) ||
        def->resources[0] == NULL)
        return daas_fail(err, DAAS_EINVAL, "controller %s: missing name, callback or resource",
                         def->name ? def->name : "?");
    daas_ctrl_run *r = daas_xcalloc(1, sizeof *r);
    for (int i = 0; i < MAX_RES && def->resources[i]; i++) {
        r->kinds[i] = daas_ctrl_kind(def->resources[i]);
        if (r->kinds[i] == NULL) {
            daas_free(r);
            return daas_fail(err, DAAS_EINVAL, "controller %s: unknown resource \"%s\"", def->name,
                             def->resources[i]);
        }
        r->nres = i + 1;
    }
    r->m = m;
    r->def = *def;
    r->name = daas_xstrdup(def->name);
    r->def.name = r->name;
    if (r->def.workers <= 0)
        r->def.workers = 1;
    if (r->def.workers > MAX_WORKERS)
        r->def.workers = MAX_WORKERS;
    char comp[160];
    snprintf(comp, sizeof comp, "%s-controller", r->name);
    r->client = daas_ctrl_client_new(m->cfg.api, comp);
    m->runs[m->nrun++] = r;
    return DAAS_OK;
}

/* ---- the run (in handle and sync) ---- */

void daas_ctrl_run_enqueue(daas_ctrl_run *run, const char *key)
{
    if (run->q && key)
        daas_ctrl_queue_add(run->q, key);
}

void daas_ctrl_run_enqueue_after(daas_ctrl_run *run, const char *key, int64_t delay_ms)
{
    if (run->q && key)
        daas_ctrl_queue_add_after(run->q, key, delay_ms);
}

void daas_ctrl_run_enqueue_obj(daas_ctrl_run *run, const json_t *obj)
{
    char *key = daas_ctrl_key(obj);
    daas_ctrl_run_enqueue(run, key);
    daas_free(key);
}

bool daas_ctrl_run_enqueue_controller(daas_ctrl_run *run, const json_t *obj, const char *kind)
{
    const json_t *ref = daas_ctrl_controller_ref(obj);
    const char *k = daas_kube_str(ref, "kind"), *name = daas_kube_str(ref, "name");
    if (ref == NULL)
        return false;
    if (k && name && strcmp(k, kind) == 0) {
        const char *ns = daas_kube_str(obj, "metadata.namespace");
        char *key = ns && ns[0] ? daas_xasprintf("%s/%s", ns, name) : daas_xstrdup(name);
        daas_ctrl_run_enqueue(run, key);
        daas_free(key);
    }
    return true;
}

bool daas_ctrl_run_enqueue_controllers(daas_ctrl_run *run, const json_t *old, const json_t *obj,
                                       const char *kind)
{
    const json_t *a = daas_kube_path(old, "metadata.ownerReferences");
    const json_t *b = daas_kube_path(obj, "metadata.ownerReferences");
    if (old && ((a == NULL) != (b == NULL) || (a && !json_equal(a, b))))
        daas_ctrl_run_enqueue_controller(run, old, kind);
    return daas_ctrl_run_enqueue_controller(run, obj, kind);
}

void daas_ctrl_run_enqueue_all(daas_ctrl_run *run, const char *res, const char *ns)
{
    json_t *all = daas_ctrl_informer_list(daas_ctrl_run_informer(run, res), ns);
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o)
        daas_ctrl_run_enqueue_obj(run, o);
    json_decref(all);
}

daas_ctrl_informer *daas_ctrl_run_informer(daas_ctrl_run *run, const char *res)
{
    const daas_kube_kind *k = daas_ctrl_kind(res);
    for (int i = 0; i < run->nres; i++)
        if (run->kinds[i] == k)
            return run->infs[i];
    return NULL;
}

daas_ctrl_client *daas_ctrl_run_client(daas_ctrl_run *run)
{
    return run->client;
}

static void on_informer_event(void *arg, int ev, const json_t *old, const json_t *obj)
{
    bind *b = arg;
    b->run->def.handle(b->run->def.arg, b->run, b->res, ev, old, obj);
}

/* sync_obj's front: the key's cached object of the primary kind. */
static int sync_key(daas_ctrl_run *r, const char *key, daas_err *err)
{
    char *ns = NULL, *name = NULL;
    int rc = daas_ctrl_key_split(key, &ns, &name);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "bad key \"%s\"", key);
    json_t *obj = daas_ctrl_informer_get(r->infs[0], ns, name);
    rc = r->def.sync_obj(r->def.arg, r, key, ns ? ns : "", name, obj, err);
    json_decref(obj);
    daas_free(ns);
    daas_free(name);
    return rc;
}

/* processNextWorkItem until the queue shuts down. */
static void *worker(void *arg)
{
    daas_ctrl_run *r = arg;
    char *key = NULL;
    while (daas_ctrl_queue_get(r->q, -1, &key) == DAAS_OK) {
        daas_err e = {0};
        int rc = r->def.sync ? r->def.sync(r->def.arg, r, key, &e) : sync_key(r, key, &e);
        if (rc == DAAS_OK) {
            daas_ctrl_queue_forget(r->q, key);
        } else if (rc == DAAS_ECONFLICT) { /* a stale cache: normal, retried */
            DAAS_DEBUG("ctrl", "%s: syncing %s: %s", r->name, key, e.msg);
            daas_ctrl_queue_add_rate_limited(r->q, key);
        } else {
            DAAS_WARN("ctrl", "%s: syncing %s failed (%d retries): %s", r->name, key,
                      daas_ctrl_queue_requeues(r->q, key), e.msg);
            daas_ctrl_queue_add_rate_limited(r->q, key);
        }
        daas_ctrl_queue_done(r->q, key);
        daas_free(key);
    }
    return NULL;
}

/* ---- start and stop (lc_mu held) ---- */

static daas_ctrl_informer *shared_informer(daas_ctrl_mgr *m, const daas_kube_kind *k, daas_err *err)
{
    for (int i = 0; i < m->ninf; i++)
        if (m->infs[i].k == k)
            return m->infs[i].inf;
    if (m->ninf >= MAX_INFS) {
        daas_fail(err, DAAS_EINVAL, "too many informers");
        return NULL;
    }
    daas_ctrl_informer *inf = NULL;
    if (daas_ctrl_informer_new(m->cfg.store, k, &inf, err) != DAAS_OK)
        return NULL;
    m->infs[m->ninf].k = k;
    m->infs[m->ninf++].inf = inf;
    return inf;
}

static void stop_all(daas_ctrl_mgr *m)
{
    for (int i = 0; i < m->nrun; i++)
        if (m->runs[i]->q)
            daas_ctrl_queue_shutdown(m->runs[i]->q);
    for (int i = 0; i < m->nrun; i++) {
        daas_ctrl_run *r = m->runs[i];
        for (int j = 0; j < r->nth; j++)
            pthread_join(r->th[j], NULL);
        r->nth = 0;
    }
    for (int i = 0; i < m->ninf; i++)
        daas_ctrl_informer_stop(m->infs[i].inf);
    for (int i = 0; i < m->ninf; i++)
        daas_ctrl_informer_free(&m->infs[i].inf);
    m->ninf = 0;
    for (int i = 0; i < m->nrun; i++) {
        daas_ctrl_run *r = m->runs[i];
        daas_ctrl_queue_free(&r->q);
        memset(r->infs, 0, sizeof r->infs);
    }
    m->running = false;
}

/* Informers and queues for every controller, handlers bound. */
static int wire(daas_ctrl_mgr *m, daas_err *err)
{
    for (int i = 0; i < m->nrun; i++) {
        daas_ctrl_run *r = m->runs[i];
        r->q = daas_ctrl_queue_new(&m->cfg.queue);
        for (int j = 0; j < r->nres; j++) {
            r->infs[j] = shared_informer(m, r->kinds[j], err);
            if (r->infs[j] == NULL)
                return DAAS_EINVAL;
            r->binds[j] = (bind){r, r->def.resources[j]};
            daas_ctrl_informer_add_handler(r->infs[j], on_informer_event, &r->binds[j]);
        }
    }
    return DAAS_OK;
}

static int start_all(daas_ctrl_mgr *m, daas_err *err)
{
    int rc = wire(m, err);
    for (int i = 0; rc == DAAS_OK && i < m->ninf; i++)
        rc = daas_ctrl_informer_start(m->infs[i].inf, err);
    /* Workers start once every cache holds the cluster (client-go WaitForCacheSync). */
    for (int i = 0; rc == DAAS_OK && i < m->ninf; i++)
        if (!daas_ctrl_informer_wait_synced(m->infs[i].inf, 60000))
            rc = daas_fail(err, DAAS_ETIMEOUT, "informer %s did not sync", m->infs[i].k->resource);
    for (int i = 0; rc == DAAS_OK && i < m->nrun; i++) {
        daas_ctrl_run *r = m->runs[i];
        for (; r->nth < r->def.workers; r->nth++)
            if (pthread_create(&r->th[r->nth], NULL, worker, r) != 0) {
                rc = daas_fail(err, DAAS_EIO, "controller %s: cannot start a worker", r->name);
                break;
            }
    }
    m->running = true;
    if (rc != DAAS_OK)
        stop_all(m);
    return rc;
}

/* Starts the controllers, then the user's on_start (lc_mu held). */
static int lead_locked(daas_ctrl_mgr *m, daas_err *err)
{
    if (m->running)
        return DAAS_OK;
    int rc = start_all(m, err);
    if (rc != DAAS_OK)
        return rc;
    DAAS_INFO("ctrl", "%d controllers running", m->nrun);
    if (m->cfg.leader.on_start)
        m->cfg.leader.on_start(m->cfg.leader.arg);
    return DAAS_OK;
}

static void on_lead(void *arg)
{
    daas_ctrl_mgr *m = arg;
    daas_err e = {0};
    pthread_mutex_lock(&m->lc_mu);
    if (lead_locked(m, &e) != DAAS_OK)
        DAAS_ERROR("ctrl", "starting controllers: %s", e.msg);
    pthread_mutex_unlock(&m->lc_mu);
}

static void on_unlead(void *arg)
{
    daas_ctrl_mgr *m = arg;
    pthread_mutex_lock(&m->lc_mu);
    if (m->running) {
        if (m->cfg.leader.on_stop)
            m->cfg.leader.on_stop(m->cfg.leader.arg);
        stop_all(m);
        DAAS_INFO("ctrl", "controllers stopped");
    }
    pthread_mutex_unlock(&m->lc_mu);
}

int daas_ctrl_mgr_start(daas_ctrl_mgr *m, daas_err *err)
{
    if (m->started)
        return daas_fail(err, DAAS_EINVAL, "controller manager already started");
    m->started = true;
    if (!m->cfg.leader_elect) {
        pthread_mutex_lock(&m->lc_mu);
        int rc = lead_locked(m, err);
        pthread_mutex_unlock(&m->lc_mu);
        return rc;
    }
    daas_ctrl_leader_config lc = m->cfg.leader;
    lc.client = m->client;
    lc.on_start = on_lead;
    lc.on_stop = on_unlead;
    lc.arg = m;
    m->leader = daas_ctrl_leader_new(&lc);
    return daas_ctrl_leader_start(m->leader, err);
}

bool daas_ctrl_mgr_running(daas_ctrl_mgr *m)
{
    pthread_mutex_lock(&m->lc_mu);
    bool b = m->running;
    pthread_mutex_unlock(&m->lc_mu);
    return b;
}

void daas_ctrl_mgr_stop(daas_ctrl_mgr *m)
{
    if (m->leader)
        daas_ctrl_leader_stop(m->leader, true); /* runs on_unlead when leading */
    on_unlead(m);
}

void daas_ctrl_mgr_free(daas_ctrl_mgr **pm)
{
    daas_ctrl_mgr *m = pm ? *pm : NULL;
    if (m == NULL)
        return;
    daas_ctrl_mgr_stop(m);
    daas_ctrl_leader_free(&m->leader);
    for (int i = 0; i < m->nrun; i++) {
        if (m->runs[i]->def.fini)
            m->runs[i]->def.fini(m->runs[i]->def.arg);
        daas_ctrl_client_free(&m->runs[i]->client);
        daas_free(m->runs[i]->name);
        daas_free(m->runs[i]);
    }
    daas_ctrl_client_free(&m->client);
    pthread_mutex_destroy(&m->lc_mu);
    daas_free(m);
    *pm = NULL;
}
