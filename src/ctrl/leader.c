/*
 * leader.c: leader election with a coordination.k8s.io/v1 Lease through the in-process
 *           client, so that when several servers share one datastore exactly one runs the
 *           controllers and the scheduler.
 *
 * Owns:   the elector's thread, its view of the Lease (the last record seen and the local time
 *         it was seen), the leading flag and the start/stop callbacks.
 * Not:    what leading means (the manager's callbacks).
 * Model:  client-go's tryAcquireOrRenew: a Lease held by another identity counts as expired
 *         only when it has not changed for leaseDuration on OUR clock since we last saw it
 *         change (no trust in other servers' clocks); writes carry the read resourceVersion
 *         (a lost race is a 409 and this round fails). A leader that could not renew for
 *         renew_deadline (< lease) steps down, and so does one that sees another holder.
 * Invariants: on_start and on_stop alternate, starting with on_start; mu guards the view.
 * Spec:   client-go tools/leaderelection (leaderelection.go, resourcelock/leaselock.go).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/ctrl.h"
#include "ctrl/ctrl_int.h"
#include "kube/kind.h"
#include "kube/obj.h"

struct daas_ctrl_leader {
    daas_ctrl_leader_config cfg; /* strings point at the copies below */
    char *ns, *name, *id, *url;
    pthread_mutex_t mu; /* guards everything below, and serialises rounds */
    pthread_cond_t cv;  /* wakes the thread at stop */
    bool leading, stop, running;
    int64_t last_ok;     /* clock of the last successful acquire/renew */
    char *observed;      /* the last Lease spec seen (compact JSON), or NULL */
    int64_t observed_at; /* our clock when it was first seen */
    pthread_t th;
};

static const daas_kube_kind *lease_kind(void)
{
    return daas_kube_kind_by_resource("coordination.k8s.io", "v1", "leases");
}

daas_ctrl_leader *daas_ctrl_leader_new(const daas_ctrl_leader_config *cfg)
{
    daas_ctrl_leader *l = daas_xcalloc(1, sizeof *l);
    l->cfg = *cfg;
    l->ns = daas_xstrdup(cfg->ns ? cfg->ns : "kube-system");
    l->name = daas_xstrdup(cfg->name ? cfg->name : "daas-controllers");
    if (cfg->identity) {
        l->id = daas_xstrdup(cfg->identity);
    } else {
        char host[128] = "daas", uuid[37];
        if (gethostname(host, sizeof host - 1) != 0)
            snprintf(host, sizeof host, "daas");
        daas_uuid4(uuid);
        l->id = daas_xasprintf("%s_%s", host, uuid);
    }
    if (l->cfg.lease_ms <= 0)
        l->cfg.lease_ms = 15000;
    if (l->cfg.retry_ms <= 0)
        l->cfg.retry_ms = 2000;
    if (l->cfg.renew_deadline_ms <= 0 || l->cfg.renew_deadline_ms >= l->cfg.lease_ms)
        l->cfg.renew_deadline_ms = l->cfg.lease_ms * 2 / 3;
    l->cfg.ns = l->ns;
    l->cfg.name = l->name;
    l->cfg.identity = l->id;
    l->url = cfg->holder_url ? daas_xstrdup(cfg->holder_url) : NULL;
    l->cfg.holder_url = l->url;
    pthread_mutex_init(&l->mu, NULL);
    daas_cond_init_mono(&l->cv);
    return l;
}

const char *daas_ctrl_leader_identity(const daas_ctrl_leader *l)
{
    return l->id;
}

static int64_t now_ms(const daas_ctrl_leader *l)
{
    return daas_ctrl__clock(l->cfg.clock, l->cfg.clock_arg, true);
}

/* The spec this elector writes: held by holder since acquire (MicroTime strings). */
static json_t *lease_spec(const daas_ctrl_leader *l, const char *holder, const char *acquire,
                          int64_t transitions, int64_t now)
{
    char ts[40];
    daas_time_rfc3339_micro(now * 1000, ts, sizeof ts);
    int64_t secs = l->cfg.lease_ms / 1000 > 0 ? l->cfg.lease_ms / 1000 : 1;
    return json_pack("{s:s,s:I,s:s,s:s,s:I}", "holderIdentity", holder, "leaseDurationSeconds",
                     (json_int_t)secs, "acquireTime", acquire ? acquire : ts, "renewTime", ts,
                     "leaseTransitions", (json_int_t)transitions);
}

static void observe(daas_ctrl_leader *l, const json_t *spec, int64_t now)
{
    char *s =
        json_dumps(spec ? spec : json_null(), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (l->observed == NULL || strcmp(l->observed, s) != 0) {
        daas_free(l->observed);
        l->observed = daas_xstrdup(s);
        l->observed_at = now;
    }
    free(s); /* jansson's allocation */
}

/* The holder URL annotation on a Lease we are about to write as its holder. */
static void stamp_url(const daas_ctrl_leader *l, json_t *lease)
{
    if (l->url == NULL)
        return;
    json_t *ann = daas_kube_mkpath(lease, "metadata.annotations"); /* the key has dots */
    json_object_set_new(ann, DAAS_CTRL_LEADER_URL_ANNOTATION, json_string(l->url));
}

/* Creates the Lease held by us. */
static bool create_lease(daas_ctrl_leader *l, int64_t now)
{
    daas_err e = {0};
    json_t *spec = lease_spec(l, l->id, NULL, 0, now);
    json_t *o =
        json_pack("{s:s,s:s,s:{s:s,s:s},s:O}", "apiVersion", "coordination.k8s.io/v1", "kind",
                  "Lease", "metadata", "name", l->name, "namespace", l->ns, "spec", spec);
    stamp_url(l, o);
    int rc = daas_ctrl_client_create(l->cfg.client, lease_kind(), l->ns, o, NULL, &e);
    if (rc == DAAS_OK)
        observe(l, spec, now);
    else if (rc != DAAS_EEXIST)
        DAAS_WARN("ctrl", "leader election: creating lease %s/%s: %s", l->ns, l->name, e.msg);
    json_decref(o);
    json_decref(spec);
    return rc == DAAS_OK;
}

/* client-go tryAcquireOrRenew, with l->mu held. *other: the Lease is validly held by someone
 * else. */
static bool acquire_or_renew(daas_ctrl_leader *l, int64_t now, bool *other)
{
    daas_err e = {0};
    json_t *cur = NULL;
    bool ok = false;
    *other = false;
    int rc = daas_ctrl_client_get(l->cfg.client, lease_kind(), l->ns, l->name, &cur, &e);
    if (rc == DAAS_ENOTFOUND)
        return create_lease(l, now);
    if (rc != DAAS_OK)
        return false;
    json_t *spec = daas_kube_path(cur, "spec");
    observe(l, spec, now);
    const char *holder = daas_kube_str(cur, "spec.holderIdentity");
    bool mine = holder && strcmp(holder, l->id) == 0;
    int64_t dur = daas_kube_int(cur, "spec.leaseDurationSeconds", 0) * 1000;
    if (holder && holder[0] && !mine && l->observed_at + dur > now) {
        *other = true;
        goto out;
    }
    int64_t trans = daas_kube_int(cur, "spec.leaseTransitions", 0);
    json_t *ns = lease_spec(l, l->id, mine ? daas_kube_str(cur, "spec.acquireTime") : NULL,
                            mine ? trans : trans + 1, now);
    json_t *upd = json_deep_copy(cur);
    json_object_set_new(upd, "spec", ns); /* resourceVersion kept: compare-and-swap */
    stamp_url(l, upd);
    rc = daas_ctrl_client_update(l->cfg.client, lease_kind(), upd, NULL, NULL, &e);
    if (rc == DAAS_OK) {
        observe(l, ns, now);
        ok = true;
    } else if (rc != DAAS_ECONFLICT) {
        DAAS_WARN("ctrl", "leader election: updating lease %s/%s: %s", l->ns, l->name, e.msg);
    }
    json_decref(upd);
out:
    json_decref(cur);
    return ok;
}

bool daas_ctrl_leader_try_once(daas_ctrl_leader *l)
{
    bool other = false, started = false, stopped = false;
    pthread_mutex_lock(&l->mu);
    int64_t now = now_ms(l);
    bool ok = acquire_or_renew(l, now, &other);
    if (ok) {
        l->last_ok = now;
        started = !l->leading;
        l->leading = true;
    } else if (l->leading && (other || now - l->last_ok >= l->cfg.renew_deadline_ms)) {
        l->leading = false;
        stopped = true;
    }
    bool leading = l->leading;
    pthread_mutex_unlock(&l->mu);
    /* Callbacks outside the lock (they start and stop controllers, which may take a while);
     * only this thread (or a test's single caller) changes leading, so they alternate. */
    if (started) {
        DAAS_INFO("ctrl", "leader election: %s acquired lease %s/%s", l->id, l->ns, l->name);
        if (l->cfg.on_start)
            l->cfg.on_start(l->cfg.arg);
    }
    if (stopped) {
        DAAS_WARN("ctrl", "leader election: %s lost lease %s/%s", l->id, l->ns, l->name);
        if (l->cfg.on_stop)
            l->cfg.on_stop(l->cfg.arg);
    }
    return leading;
}

bool daas_ctrl_leader_is_leader(daas_ctrl_leader *l)
{
    pthread_mutex_lock(&l->mu);
    bool b = l->leading;
    pthread_mutex_unlock(&l->mu);
    return b;
}

static void *run(void *arg)
{
    daas_ctrl_leader *l = arg;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        bool stop = l->stop;
        pthread_mutex_unlock(&l->mu);
        if (stop)
            break;
        (void)daas_ctrl_leader_try_once(l);
        pthread_mutex_lock(&l->mu);
        struct timespec ts = daas_deadline_ms(l->cfg.retry_ms);
        while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &ts) == 0)
            ;
        pthread_mutex_unlock(&l->mu);
    }
    return NULL;
}

int daas_ctrl_leader_start(daas_ctrl_leader *l, daas_err *err)
{
    if (l->running)
        return daas_fail(err, DAAS_EINVAL, "leader election already started");
    l->stop = false;
    if (pthread_create(&l->th, NULL, run, l) != 0)
        return daas_fail(err, DAAS_EIO, "leader election: cannot start a thread");
    l->running = true;
    return DAAS_OK;
}

/* Clears holderIdentity of a Lease we hold (client-go's release), with l->mu held. */
static void release(daas_ctrl_leader *l)
{
    daas_err e = {0};
    json_t *cur = NULL;
    if (daas_ctrl_client_get(l->cfg.client, lease_kind(), l->ns, l->name, &cur, &e) != DAAS_OK)
        return;
    const char *holder = daas_kube_str(cur, "spec.holderIdentity");
    if (holder && strcmp(holder, l->id) == 0) {
        json_t *upd = json_deep_copy(cur);
        daas_kube_set_str(upd, "spec.holderIdentity", "");
        daas_kube_set(upd, "spec.leaseDurationSeconds", json_integer(1));
        if (daas_ctrl_client_update(l->cfg.client, lease_kind(), upd, NULL, NULL, &e) != DAAS_OK)
            DAAS_WARN("ctrl", "leader election: releasing %s/%s: %s", l->ns, l->name, e.msg);
        json_decref(upd);
    }
    json_decref(cur);
}

void daas_ctrl_leader_stop(daas_ctrl_leader *l, bool rel)
{
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    if (l->running) {
        pthread_join(l->th, NULL);
        l->running = false;
    }
    pthread_mutex_lock(&l->mu);
    bool was = l->leading;
    l->leading = false;
    if (was && rel)
        release(l);
    pthread_mutex_unlock(&l->mu);
    if (was && l->cfg.on_stop)
        l->cfg.on_stop(l->cfg.arg);
}

void daas_ctrl_leader_free(daas_ctrl_leader **pl)
{
    daas_ctrl_leader *l = pl ? *pl : NULL;
    if (l == NULL)
        return;
    daas_ctrl_leader_stop(l, false);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    daas_free(l->observed);
    daas_free(l->ns);
    daas_free(l->name);
    daas_free(l->id);
    daas_free(l->url);
    daas_free(l);
    *pl = NULL;
}
