/*
 * watch.c: the event ring and the watchers reading it.
 *
 * Owns:   daas_store__ring (recent events in revision order), daas_store_watch (a cursor into
 *         the ring with a key prefix), the notify fan-out.
 * Not:    producing events (writer.c applies batches and pushes them), storage.
 * Model:  like kube-apiserver's watch cache: one ring shared by all watchers; a watcher is a
 *         revision cursor, so a slow watcher costs nothing until it falls off the ring, and
 *         then gets DAAS_EGONE and re-lists. The ring is bounded by a count (opts.event_ring)
 *         and by the bytes of superseded values only it keeps alive (opts.event_ring_bytes),
 *         so a burst of large updates cannot blow the memory budget.
 * Invariants:
 *   - ring and cursors are read under st->lock shared; the ring is changed only by the
 *     writer thread under st->lock exclusive;
 *   - notify is called without store locks; a watch is freed only when no notify call for it
 *     is in flight (busy == 0, under st->wmu), so cancel is safe against a running notify;
 *   - a watcher is signalled at most once between two watch_next calls (signaled flag).
 * Spec:   ARCHITECTURE.md §4; store.h (watch contract).
 */
#include "store/store_int.h"

#include <string.h>

/* ---- ring ---------------------------------------------------------------------------- */

enum { RING_MIN = 1024, EV_OVERHEAD = 96 };

void daas_store__ring_init(daas_store__ring *r, size_t max, size_t max_bytes, int64_t floor)
{
    memset(r, 0, sizeof *r);
    r->max = max ? max : 1;
    r->max_bytes = max_bytes;
    r->floor = floor;
}

static void ev_release(daas_store__ev *e)
{
    daas_blob_unref(&e->key);
    daas_blob_unref(&e->val);
    daas_blob_unref(&e->obj);
    daas_blob_unref(&e->pval);
    daas_blob_unref(&e->pobj);
}

/* Bytes an event keeps alive beyond the live state: the version it superseded (prev), which
 * only the ring still references, plus a DELETE's rendered object. Its new value is the live
 * one, shared with the index, so it is not charged; once a later event supersedes it, that
 * event pays for it. Each superseded version is thus charged once, to the event whose drop
 * frees it (the ring drops in revision order). */
static size_t ev_cost(const daas_store__ev *e)
{
    size_t n = EV_OVERHEAD;
    if (e->pval)
        n += e->pval->len;
    if (e->pobj)
        n += e->pobj->len;
    if (e->type == DAAS_STORE_DELETE && e->obj)
        n += e->obj->len;
    return n;
}

static void ring_drop_oldest(daas_store__ring *r)
{
    daas_store__ev *e = &r->v[r->head];
    r->floor = e->rev;
    r->bytes -= ev_cost(e);
    ev_release(e);
    r->head = (r->head + 1) % r->acap;
    r->n--;
}

static void ring_grow(daas_store__ring *r)
{
    size_t ncap = r->acap ? r->acap * 2 : RING_MIN;
    if (ncap > r->max)
        ncap = r->max;
    daas_store__ev *nv = daas_xmalloc(ncap * sizeof *nv);
    for (size_t k = 0; k < r->n; k++)
        nv[k] = r->v[(r->head + k) % r->acap];
    daas_free(r->v);
    r->v = nv;
    r->acap = ncap;
    r->head = 0;
}

void daas_store__ring_push(daas_store__ring *r, const daas_store__ev *ev)
{
    if (r->n == r->max)
        ring_drop_oldest(r);
    if (r->n == r->acap)
        ring_grow(r);
    r->v[(r->head + r->n) % r->acap] = *ev;
    r->n++;
    r->bytes += ev_cost(ev);
    while (r->n > 1 && r->bytes > r->max_bytes)
        ring_drop_oldest(r);
}

void daas_store__ring_fini(daas_store__ring *r)
{
    for (size_t k = 0; k < r->n; k++)
        ev_release(&r->v[(r->head + k) % r->acap]);
    daas_free(r->v);
    memset(r, 0, sizeof *r);
}

static const daas_store__ev *ring_at(const daas_store__ring *r, size_t k)
{
    return &r->v[(r->head + k) % r->acap];
}

/* Offset of the first event with rev > cursor (r->n if none). */
static size_t ring_seek(const daas_store__ring *r, int64_t cursor)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ring_at(r, mid)->rev <= cursor)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const daas_store__ev *daas_store__ring_find(const daas_store__ring *r, int64_t rev, const char *key,
                                            size_t klen)
{
    for (size_t k = ring_seek(r, rev - 1); k < r->n; k++) {
        const daas_store__ev *e = ring_at(r, k);
        if (e->rev != rev)
            break;
        if (e->key->len == klen && memcmp(e->key->data, key, klen) == 0)
            return e;
    }
    return NULL;
}

/* ---- events -------------------------------------------------------------------------- */

void daas_store_event_fini(daas_store_event *ev)
{
    if (!ev)
        return;
    daas_kv_fini(&ev->kv);
    daas_kv_fini(&ev->prev);
    ev->type = 0;
}

static void ev_copy_out(daas_store_event *out, const daas_store__ev *e)
{
    memset(out, 0, sizeof *out);
    out->type = e->type;
    out->kv.key = daas_xstrndup(e->key->data, e->key->len);
    out->kv.val = daas_blob_ref(e->val);
    out->kv.obj = daas_blob_ref(e->obj);
    out->kv.mod_rev = e->rev;
    out->kv.create_rev = e->create_rev;
    if (!e->pval)
        return;
    out->prev.key = daas_xstrndup(e->key->data, e->key->len);
    out->prev.val = daas_blob_ref(e->pval);
    out->prev.obj = daas_blob_ref(e->pobj);
    out->prev.mod_rev = e->pmod_rev;
    out->prev.create_rev = e->pcreate_rev;
}

static bool has_prefix(const char *key, size_t klen, const char *prefix, size_t plen)
{
    return klen >= plen && memcmp(key, prefix, plen) == 0;
}

/* ---- watchers ------------------------------------------------------------------------ */

static void watch_link(daas_store *st, daas_store_watcher *w)
{
    pthread_mutex_lock(&st->wmu);
    w->next = st->watchers;
    if (st->watchers)
        st->watchers->prev = w;
    st->watchers = w;
    pthread_mutex_unlock(&st->wmu);
}

/* Unlinks w and waits until no notify call for it is running. */
static void watch_unlink(daas_store *st, daas_store_watcher *w)
{
    pthread_mutex_lock(&st->wmu);
    if (w->prev)
        w->prev->next = w->next;
    else if (st->watchers == w)
        st->watchers = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    while (w->busy > 0)
        pthread_cond_wait(&st->wcond, &st->wmu);
    pthread_mutex_unlock(&st->wmu);
}

static void watch_free(daas_store_watcher *w)
{
    daas_free(w->prefix);
    daas_free(w);
}

/* Picks the cursor of a new watch; st->lock held shared. */
static int watch_start_rev(daas_store *st, int64_t from_rev, int64_t *cursor, daas_err *err)
{
    int64_t compacted = atomic_load(&st->compacted);
    if (st->closed)
        return daas_fail(err, DAAS_ECLOSED, "store is closed");
    if (from_rev == 0) {
        *cursor = st->rev;
        return DAAS_OK;
    }
    if (from_rev < compacted)
        return daas_fail(err, DAAS_EGONE, "revision %lld is compacted (compacted revision %lld)",
                         (long long)from_rev, (long long)compacted);
    if (from_rev < st->ring.floor)
        return daas_fail(err, DAAS_EGONE,
                         "revision %lld is older than the watch cache (oldest %lld)",
                         (long long)from_rev, (long long)st->ring.floor);
    *cursor = from_rev;
    return DAAS_OK;
}

int daas_store_watch(daas_store *st, const char *prefix, int64_t from_rev,
                     daas_store_notify_fn notify, void *arg, daas_store_watcher **out,
                     daas_err *err)
{
    int rc;
    if (!st || !out || from_rev < 0)
        return daas_fail(err, DAAS_EINVAL, "watch: bad arguments");
    *out = NULL;
    daas_store_watcher *w = daas_xcalloc(1, sizeof *w);
    w->st = st;
    w->prefix = daas_xstrdup(prefix ? prefix : "");
    w->plen = strlen(w->prefix);
    w->notify = notify;
    w->arg = arg;
    atomic_init(&w->signaled, false);
    /* Link before reading the cursor: a batch applied after the read is then guaranteed to
     * see this watcher in its notify pass. */
    watch_link(st, w);
    pthread_rwlock_rdlock(&st->lock);
    rc = watch_start_rev(st, from_rev, &w->cursor, err);
    pthread_rwlock_unlock(&st->lock);
    if (rc != DAAS_OK) {
        watch_unlink(st, w);
        watch_free(w);
        return rc;
    }
    atomic_fetch_add(&st->refs, 1);
    *out = w;
    return DAAS_OK;
}

/* Copies matching events after w->cursor into evs; st->lock held shared. */
static int watch_scan(daas_store_watcher *w, daas_store_event *evs, size_t max, size_t *n,
                      daas_err *err)
{
    daas_store *st = w->st;
    const daas_store__ring *r = &st->ring;
    if (st->closed)
        return daas_fail(err, DAAS_ECLOSED, "store is closed");
    if (w->gone || w->cursor < r->floor) {
        w->gone = true;
        return daas_fail(err, DAAS_EGONE, "watch fell behind the event ring at revision %lld",
                         (long long)w->cursor);
    }
    for (size_t k = ring_seek(r, w->cursor); k < r->n; k++) {
        const daas_store__ev *e = ring_at(r, k);
        if (*n == max)
            return DAAS_OK; /* cursor stays at the last event handed out */
        w->cursor = e->rev;
        if (has_prefix(e->key->data, e->key->len, w->prefix, w->plen))
            ev_copy_out(&evs[(*n)++], e);
    }
    if (w->cursor < st->rev)
        w->cursor = st->rev;
    return DAAS_OK;
}

int daas_store_watch_next(daas_store_watcher *w, daas_store_event *evs, size_t max, size_t *n,
                          daas_err *err)
{
    int rc;
    if (!n)
        return daas_fail(err, DAAS_EINVAL, "watch_next: bad arguments");
    *n = 0;
    if (!w || (max > 0 && !evs))
        return daas_fail(err, DAAS_EINVAL, "watch_next: bad arguments");
    /* Clear before reading: a batch applied after our read will signal us again. */
    atomic_store(&w->signaled, false);
    pthread_rwlock_rdlock(&w->st->lock);
    rc = watch_scan(w, evs, max, n, err);
    pthread_rwlock_unlock(&w->st->lock);
    return rc;
}

int64_t daas_store_watch_rev(daas_store_watcher *w)
{
    return w ? w->cursor : 0;
}

/* Safe against a concurrent notify: the watch is unlinked under st->wmu (so no new notify
 * picks it) and freed only once its in-flight notify calls have returned. Must not be called
 * from inside the watch's own notify callback (it would wait for itself). */
void daas_store_watch_cancel(daas_store_watcher **wp)
{
    daas_store_watcher *w = *wp;
    *wp = NULL;
    if (!w)
        return;
    daas_store *st = w->st;
    watch_unlink(st, w);
    watch_free(w);
    daas_store__unref(st);
}

/* ---- notify fan-out ------------------------------------------------------------------ */

static bool watch_wants(const daas_store_watcher *w, const char *const *keys, const size_t *klens,
                        size_t nkeys)
{
    for (size_t i = 0; i < nkeys; i++)
        if (has_prefix(keys[i], klens[i], w->prefix, w->plen))
            return true;
    return false;
}

static void scratch_push(daas_store *st, size_t n, daas_store_watcher *w)
{
    if (n == st->nscratch_cap) {
        st->nscratch_cap = st->nscratch_cap ? st->nscratch_cap * 2 : 16;
        st->nscratch = daas_xrealloc(st->nscratch, st->nscratch_cap * sizeof *st->nscratch);
    }
    st->nscratch[n] = w;
}

void daas_store__notify(daas_store *st, const char *const *keys, const size_t *klens, size_t nkeys,
                        bool all)
{
    size_t n = 0;
    pthread_mutex_lock(&st->wmu);
    for (daas_store_watcher *w = st->watchers; w; w = w->next) {
        if (!w->notify)
            continue;
        if (!all && !watch_wants(w, keys, klens, nkeys))
            continue;
        if (atomic_exchange(&w->signaled, true) && !all)
            continue; /* already signalled and not yet drained */
        w->busy++;
        scratch_push(st, n++, w);
    }
    pthread_mutex_unlock(&st->wmu);
    for (size_t i = 0; i < n; i++)
        st->nscratch[i]->notify(st->nscratch[i]->arg);
    if (n == 0)
        return;
    pthread_mutex_lock(&st->wmu);
    for (size_t i = 0; i < n; i++)
        if (--st->nscratch[i]->busy == 0)
            pthread_cond_broadcast(&st->wcond);
    pthread_mutex_unlock(&st->wmu);
}
