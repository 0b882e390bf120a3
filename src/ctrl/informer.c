/*
 * informer.c: a shared cache of one resource, fed by the in-process store (client-go's shared
 *             informer without the network: list, then watch from that revision).
 *
 * Owns:   the cache (key "ns/name" → parsed object), its indexes by namespace and by
 *         controller ownerReference uid, the store watch, one thread applying events and
 *         calling handlers.
 * Not:    objects' meaning; queues (the manager maps events to keys).
 * Model:  start creates the watch (from "now") and then lists; events at or below the list's
 *         revision are already in the list and are skipped, so nothing falls between the two.
 *         A watch that fell behind (DAAS_EGONE, a compaction) is replaced the same way and the
 *         differences between the cache and the new list are reported as events (relist).
 * Invariants: mu guards the cache, the indexes, rev and synced; handlers run on the thread
 *             with no lock held, in revision order; cached objects are never changed after
 *             insertion (readers share them: read-only).
 * Spec:   client-go tools/cache (Reflector, DeltaFIFO's Replace, Indexer); store.h's watch.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/ctrl.h"
#include "ctrl/ctrl_int.h"
#include "kube/kind.h"
#include "kube/obj.h"

#define MAX_HANDLERS 16
#define BATCH 64

typedef struct entry {
    json_t *obj;
    char *ns;    /* owned: "" for cluster-scoped */
    char *owner; /* owned: controller ownerReference uid, or NULL */
} entry;

typedef struct handler {
    daas_ctrl_handler_fn fn;
    void *arg;
} handler;

/* One event for the handlers (references held). */
typedef struct note {
    int ev;
    json_t *old, *obj;
} note;

typedef struct notes {
    note *v;
    size_t n, cap;
} notes;

struct daas_ctrl_informer {
    daas_store *st; /* borrowed */
    const daas_kube_kind *k;
    char *prefix; /* "/registry/<storage>/" */
    handler h[MAX_HANDLERS];
    int nh;
    pthread_mutex_t mu;      /* guards objs, by_ns, by_owner, rev, synced */
    pthread_cond_t cv;       /* broadcast when rev or synced change */
    daas_ctrl__map objs;     /* key → entry * */
    daas_ctrl__map by_ns;    /* ns → daas_ctrl__map * of keys */
    daas_ctrl__map by_owner; /* uid → daas_ctrl__map * of keys */
    int64_t rev;
    bool synced;
    pthread_mutex_t wmu; /* guards kick, stop */
    pthread_cond_t wcv;
    bool kick, stop;
    daas_store_watcher *w; /* the thread's */
    int64_t list_rev;      /* events at or below it are in the last list */
    daas_kv_list pending;  /* a list not yet applied (start, relist) */
    pthread_t th;
    bool running;
};

char *daas_ctrl_key(const json_t *obj)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    if (name == NULL)
        return NULL;
    return ns && ns[0] ? daas_xasprintf("%s/%s", ns, name) : daas_xstrdup(name);
}

int daas_ctrl_key_split(const char *key, char **ns, char **name)
{
    *ns = *name = NULL;
    if (key == NULL || key[0] == '\0')
        return DAAS_EINVAL;
    const char *slash = strchr(key, '/');
    if (slash == NULL) {
        *name = daas_xstrdup(key);
        return DAAS_OK;
    }
    if (slash == key || slash[1] == '\0' || strchr(slash + 1, '/'))
        return DAAS_EINVAL;
    *ns = daas_xstrndup(key, (size_t)(slash - key));
    *name = daas_xstrdup(slash + 1);
    return DAAS_OK;
}

/* The uid of obj's controller ownerReference, or NULL. */
static const char *controller_uid(const json_t *obj)
{
    json_t *refs = daas_kube_path(obj, "metadata.ownerReferences"), *r;
    size_t i;
    json_array_foreach(refs, i, r)
    {
        if (json_is_true(json_object_get(r, "controller")))
            return json_string_value(json_object_get(r, "uid"));
    }
    return NULL;
}

int daas_ctrl_informer_new(daas_store *st, const daas_kube_kind *k, daas_ctrl_informer **out,
                           daas_err *err)
{
    if (st == NULL || k == NULL)
        return daas_fail(err, DAAS_EINVAL, "informer: no store or kind");
    daas_ctrl_informer *inf = daas_xcalloc(1, sizeof *inf);
    inf->st = st;
    inf->k = k;
    inf->prefix = daas_api__prefix(k, NULL);
    pthread_mutex_init(&inf->mu, NULL);
    pthread_mutex_init(&inf->wmu, NULL);
    daas_cond_init_mono(&inf->cv);
    daas_cond_init_mono(&inf->wcv);
    *out = inf;
    return DAAS_OK;
}

void daas_ctrl_informer_add_handler(daas_ctrl_informer *inf, daas_ctrl_handler_fn fn, void *arg)
{
    if (inf->nh < MAX_HANDLERS && !inf->running)
        inf->h[inf->nh++] = (handler){fn, arg};
}

const daas_kube_kind *daas_ctrl_informer_kind(const daas_ctrl_informer *inf)
{
    return inf->k;
}

/* ---- the cache (mu held) ---- */

static void set_free(void *p)
{
    daas_ctrl__map_fini(p, NULL);
    daas_free(p);
}

static void index_add(daas_ctrl__map *idx, const char *ik, const char *key)
{
    daas_ctrl__map *set = daas_ctrl__map_get(idx, ik);
    if (set == NULL) {
        set = daas_xcalloc(1, sizeof *set);
        daas_ctrl__map_put(idx, ik, set);
    }
    daas_ctrl__map_put(set, key, NULL);
}

static void index_del(daas_ctrl__map *idx, const char *ik, const char *key)
{
    daas_ctrl__map *set = daas_ctrl__map_get(idx, ik);
    if (set == NULL)
        return;
    daas_ctrl__map_del(set, key);
    if (set->n == 0)
        set_free(daas_ctrl__map_del(idx, ik));
}

static void entry_free(void *p)
{
    entry *e = p;
    json_decref(e->obj);
    daas_free(e->ns);
    daas_free(e->owner);
    daas_free(e);
}

/* Removes key from the cache; returns its object (the caller's reference) or NULL. */
static json_t *cache_del(daas_ctrl_informer *inf, const char *key)
{
    entry *e = daas_ctrl__map_del(&inf->objs, key);
    if (e == NULL)
        return NULL;
    index_del(&inf->by_ns, e->ns, key);
    if (e->owner)
        index_del(&inf->by_owner, e->owner, key);
    json_t *o = json_incref(e->obj);
    entry_free(e);
    return o;
}

/* Puts obj (a reference is taken) under key; returns the previous object or NULL. */
static json_t *cache_put(daas_ctrl_informer *inf, const char *key, json_t *obj)
{
    json_t *old = cache_del(inf, key);
    entry *e = daas_xcalloc(1, sizeof *e);
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    const char *owner = controller_uid(obj);
    e->obj = json_incref(obj);
    e->ns = daas_xstrdup(ns ? ns : "");
    e->owner = owner ? daas_xstrdup(owner) : NULL;
    daas_ctrl__map_put(&inf->objs, key, e);
    index_add(&inf->by_ns, e->ns, key);
    if (e->owner)
        index_add(&inf->by_owner, e->owner, key);
    return old;
}

static void notes_add(notes *ns, int ev, json_t *old, json_t *obj)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 16;
        ns->v = daas_xrealloc(ns->v, ns->cap * sizeof *ns->v);
    }
    ns->v[ns->n++] = (note){ev, old, obj};
}

/* Runs the handlers over the notes (no lock held) and releases them. */
static void notes_deliver(daas_ctrl_informer *inf, notes *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        note *n = &ns->v[i];
        for (int j = 0; j < inf->nh; j++)
            inf->h[j].fn(inf->h[j].arg, n->ev, n->ev == DAAS_CTRL_UPDATE ? n->old : NULL, n->obj);
        json_decref(n->old);
        json_decref(n->obj);
    }
    daas_free(ns->v);
    *ns = (notes){0};
}

/* Applies one store event (mu held), noting what the handlers must see. */
static void apply_event(daas_ctrl_informer *inf, const daas_store_event *ev, notes *out)
{
    if (ev->kv.mod_rev <= inf->list_rev)
        return; /* already in the list */
    json_t *obj = daas_api__parse_kv(&ev->kv);
    char *key = obj ? daas_ctrl_key(obj) : NULL;
    if (key == NULL) {
        json_decref(obj);
        return;
    }
    if (ev->type == DAAS_STORE_DELETE) {
        json_t *old = cache_del(inf, key);
        json_decref(old);
        notes_add(out, DAAS_CTRL_DELETE, NULL, obj); /* the last state, as the event has it */
    } else {
        json_t *old = cache_put(inf, key, obj);
        notes_add(out, old ? DAAS_CTRL_UPDATE : DAAS_CTRL_ADD, old, obj);
    }
    daas_free(key);
}

typedef struct replace_ctx {
    daas_ctrl_informer *inf;
    daas_ctrl__map *seen;
    char **gone;
    size_t n, cap;
} replace_ctx;

static void find_gone(void *arg, const char *key, void *val)
{
    (void)val;
    replace_ctx *c = arg;
    if (daas_ctrl__map_has(c->seen, key))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->gone = daas_xrealloc(c->gone, c->cap * sizeof *c->gone);
    }
    c->gone[c->n++] = daas_xstrdup(key);
}

/* Replaces the cache by inf->pending (mu held): changed or new objects are noted as updates
 * or adds, objects no longer listed as deletes (DeltaFIFO.Replace). */
static void apply_list(daas_ctrl_informer *inf, notes *out)
{
    daas_ctrl__map seen = {0};
    for (size_t i = 0; i < inf->pending.n; i++) {
        json_t *obj = daas_api__parse_kv(&inf->pending.items[i]);
        char *key = obj ? daas_ctrl_key(obj) : NULL;
        if (key) {
            daas_ctrl__map_put(&seen, key, NULL);
            entry *e = daas_ctrl__map_get(&inf->objs, key);
            const char *rv = daas_kube_str(obj, "metadata.resourceVersion");
            const char *orv = e ? daas_kube_str(e->obj, "metadata.resourceVersion") : NULL;
            if (e == NULL || orv == NULL || rv == NULL || strcmp(rv, orv) != 0) {
                json_t *old = cache_put(inf, key, obj);
                notes_add(out, old ? DAAS_CTRL_UPDATE : DAAS_CTRL_ADD, old, json_incref(obj));
            }
        }
        daas_free(key);
        json_decref(obj);
    }
    replace_ctx c = {.inf = inf, .seen = &seen};
    daas_ctrl__map_each(&inf->objs, find_gone, &c);
    for (size_t i = 0; i < c.n; i++) {
        json_t *old = cache_del(inf, c.gone[i]);
        notes_add(out, DAAS_CTRL_DELETE, NULL, old);
        daas_free(c.gone[i]);
    }
    daas_free(c.gone);
    daas_ctrl__map_fini(&seen, NULL);
    daas_kv_list_fini(&inf->pending);
}

/* ---- the watch ---- */

static void notify(void *arg)
{
    daas_ctrl_informer *inf = arg;
    pthread_mutex_lock(&inf->wmu);
    inf->kick = true;
    pthread_cond_signal(&inf->wcv);
    pthread_mutex_unlock(&inf->wmu);
}

/* Watch from now, then list: into inf->w, inf->pending and inf->list_rev. */
static int list_and_watch(daas_ctrl_informer *inf, daas_err *err)
{
    daas_kv_list l = {0};
    daas_store_watcher *w = NULL;
    int rc = daas_store_watch(inf->st, inf->prefix, 0, notify, inf, &w, err);
    if (rc == DAAS_OK)
        rc = daas_store_list(inf->st, inf->prefix, NULL, 0, &l, err);
    if (rc != DAAS_OK) {
        daas_store_watch_cancel(&w);
        return rc;
    }
    daas_store_watch_cancel(&inf->w);
    inf->w = w;
    daas_kv_list_fini(&inf->pending);
    inf->pending = l;
    inf->list_rev = l.rev;
    return DAAS_OK;
}

/* Moves the watch's pending events into the cache; *more when a full batch came.
 * DAAS_EGONE: the watch is dead (relist). */
static int drain(daas_ctrl_informer *inf, bool *more)
{
    daas_store_event evs[BATCH];
    size_t n = 0;
    notes ns = {0};
    int rc = daas_store_watch_next(inf->w, evs, BATCH, &n, NULL);
    *more = rc == DAAS_OK && n == BATCH;
    if (rc != DAAS_OK)
        return rc;
    pthread_mutex_lock(&inf->mu);
    for (size_t i = 0; i < n; i++)
        apply_event(inf, &evs[i], &ns);
    pthread_mutex_unlock(&inf->mu);
    for (size_t i = 0; i < n; i++)
        daas_store_event_fini(&evs[i]);
    notes_deliver(inf, &ns);
    /* rev moves once the handlers have seen the events (wait_rev's promise) */
    int64_t wr = daas_store_watch_rev(inf->w);
    pthread_mutex_lock(&inf->mu);
    if (wr > inf->rev)
        inf->rev = wr;
    pthread_cond_broadcast(&inf->cv);
    pthread_mutex_unlock(&inf->mu);
    return DAAS_OK;
}

/* Applies inf->pending (the initial list or a relist) and reports it. */
static void deliver_list(daas_ctrl_informer *inf)
{
    notes ns = {0};
    pthread_mutex_lock(&inf->mu);
    int64_t rev = inf->pending.rev;
    apply_list(inf, &ns);
    pthread_mutex_unlock(&inf->mu);
    notes_deliver(inf, &ns);
    pthread_mutex_lock(&inf->mu);
    if (rev > inf->rev)
        inf->rev = rev;
    inf->synced = true;
    pthread_cond_broadcast(&inf->cv);
    pthread_mutex_unlock(&inf->mu);
}

/* Waits for a notify or stop; true to go on. */
static bool wait_kick(daas_ctrl_informer *inf, int64_t ms)
{
    pthread_mutex_lock(&inf->wmu);
    if (!inf->kick && !inf->stop) {
        struct timespec ts = daas_deadline_ms(ms);
        pthread_cond_timedwait(&inf->wcv, &inf->wmu, &ts);
    }
    inf->kick = false;
    bool go = !inf->stop;
    pthread_mutex_unlock(&inf->wmu);
    return go;
}

static void *run(void *arg)
{
    daas_ctrl_informer *inf = arg;
    bool more = false;
    deliver_list(inf);
    for (;;) {
        int rc = drain(inf, &more);
        if (rc == DAAS_EGONE) {
            daas_err e = {0};
            DAAS_INFO("ctrl", "informer %s: watch expired, relisting", inf->k->resource);
            if (list_and_watch(inf, &e) == DAAS_OK) {
                deliver_list(inf);
                continue;
            }
            DAAS_WARN("ctrl", "informer %s: relist failed: %s", inf->k->resource, e.msg);
        } else if (rc == DAAS_ECLOSED) {
            while (wait_kick(inf, 1000)) /* the store closed: idle until stopped */
                ;
            break;
        }
        if (more)
            continue;
        /* The timeout is a safety net only: every event comes with a notify. */
        if (!wait_kick(inf, rc == DAAS_OK ? 5000 : 1000))
            break;
    }
    return NULL;
}

int daas_ctrl_informer_start(daas_ctrl_informer *inf, daas_err *err)
{
    if (inf->running)
        return daas_fail(err, DAAS_EINVAL, "informer %s already started", inf->k->resource);
    int rc = list_and_watch(inf, err);
    if (rc != DAAS_OK)
        return rc;
    inf->stop = false;
    if (pthread_create(&inf->th, NULL, run, inf) != 0) {
        daas_store_watch_cancel(&inf->w);
        daas_kv_list_fini(&inf->pending);
        return daas_fail(err, DAAS_EIO, "informer %s: cannot start a thread", inf->k->resource);
    }
    inf->running = true;
    return DAAS_OK;
}

/* Waits on cv until cond(inf, v) or the timeout; mu held by the caller. */
static bool wait_until(daas_ctrl_informer *inf, bool (*cond)(daas_ctrl_informer *, int64_t),
                       int64_t v, int64_t timeout_ms)
{
    struct timespec ts = daas_deadline_ms(timeout_ms < 0 ? 0 : timeout_ms);
    while (!cond(inf, v)) {
        if (timeout_ms < 0)
            pthread_cond_wait(&inf->cv, &inf->mu);
        else if (pthread_cond_timedwait(&inf->cv, &inf->mu, &ts) != 0)
            return cond(inf, v);
    }
    return true;
}

static bool is_synced(daas_ctrl_informer *inf, int64_t v)
{
    (void)v;
    return inf->synced;
}

static bool at_rev(daas_ctrl_informer *inf, int64_t v)
{
    return inf->synced && inf->rev >= v;
}

bool daas_ctrl_informer_wait_synced(daas_ctrl_informer *inf, int64_t timeout_ms)
{
    pthread_mutex_lock(&inf->mu);
    bool ok = wait_until(inf, is_synced, 0, timeout_ms);
    pthread_mutex_unlock(&inf->mu);
    return ok;
}

bool daas_ctrl_informer_wait_rev(daas_ctrl_informer *inf, int64_t rev, int64_t timeout_ms)
{
    pthread_mutex_lock(&inf->mu);
    bool ok = wait_until(inf, at_rev, rev, timeout_ms);
    pthread_mutex_unlock(&inf->mu);
    return ok;
}

int64_t daas_ctrl_informer_rev(daas_ctrl_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    int64_t r = inf->rev;
    pthread_mutex_unlock(&inf->mu);
    return r;
}

void daas_ctrl_informer_stop(daas_ctrl_informer *inf)
{
    if (!inf->running)
        return;
    pthread_mutex_lock(&inf->wmu);
    inf->stop = true;
    pthread_cond_signal(&inf->wcv);
    pthread_mutex_unlock(&inf->wmu);
    pthread_join(inf->th, NULL);
    inf->running = false;
    daas_store_watch_cancel(&inf->w);
    daas_kv_list_fini(&inf->pending);
}

void daas_ctrl_informer_free(daas_ctrl_informer **pinf)
{
    daas_ctrl_informer *inf = pinf ? *pinf : NULL;
    if (inf == NULL)
        return;
    daas_ctrl_informer_stop(inf);
    daas_ctrl__map_fini(&inf->objs, entry_free);
    daas_ctrl__map_fini(&inf->by_ns, set_free);
    daas_ctrl__map_fini(&inf->by_owner, set_free);
    pthread_cond_destroy(&inf->cv);
    pthread_cond_destroy(&inf->wcv);
    pthread_mutex_destroy(&inf->mu);
    pthread_mutex_destroy(&inf->wmu);
    daas_free(inf->prefix);
    daas_free(inf);
    *pinf = NULL;
}

/* ---- lookups ---- */

json_t *daas_ctrl_informer_get(daas_ctrl_informer *inf, const char *ns, const char *name)
{
    char *key = ns && ns[0] ? daas_xasprintf("%s/%s", ns, name) : daas_xstrdup(name);
    pthread_mutex_lock(&inf->mu);
    entry *e = daas_ctrl__map_get(&inf->objs, key);
    json_t *o = e ? json_incref(e->obj) : NULL;
    pthread_mutex_unlock(&inf->mu);
    daas_free(key);
    return o;
}

typedef struct collect_ctx {
    const daas_ctrl__map *objs;
    const char **keys;
    size_t n, cap;
} collect_ctx;

static void collect_key(void *arg, const char *key, void *val)
{
    (void)val;
    collect_ctx *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->keys = daas_xrealloc(c->keys, c->cap * sizeof *c->keys);
    }
    c->keys[c->n++] = key;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A new array of the objects under the keys of set (NULL: none), sorted by key (mu held). */
static json_t *collect(daas_ctrl_informer *inf, const daas_ctrl__map *set)
{
    collect_ctx c = {.objs = &inf->objs};
    json_t *arr = json_array();
    if (set)
        daas_ctrl__map_each(set, collect_key, &c);
    if (c.n > 1)
        qsort(c.keys, c.n, sizeof *c.keys, cmp_key);
    for (size_t i = 0; i < c.n; i++) {
        entry *e = daas_ctrl__map_get(&inf->objs, c.keys[i]);
        if (e)
            json_array_append(arr, e->obj);
    }
    daas_free(c.keys);
    return arr;
}

json_t *daas_ctrl_informer_list(daas_ctrl_informer *inf, const char *ns)
{
    pthread_mutex_lock(&inf->mu);
    json_t *arr = collect(inf, ns ? daas_ctrl__map_get(&inf->by_ns, ns) : &inf->objs);
    pthread_mutex_unlock(&inf->mu);
    return arr;
}

json_t *daas_ctrl_informer_by_owner(daas_ctrl_informer *inf, const char *uid)
{
    pthread_mutex_lock(&inf->mu);
    json_t *arr = collect(inf, uid ? daas_ctrl__map_get(&inf->by_owner, uid) : NULL);
    pthread_mutex_unlock(&inf->mu);
    return arr;
}

size_t daas_ctrl_informer_count(daas_ctrl_informer *inf)
{
    pthread_mutex_lock(&inf->mu);
    size_t n = inf->objs.n;
    pthread_mutex_unlock(&inf->mu);
    return n;
}
