/*
 * store.c: the public face of the store: open/close, reads from memory, the write calls,
 *          compaction and counters.
 *
 * Owns:   daas_store's lifetime (threads, locks, reference count), startup load, get/list,
 *         the kv helpers, manual and periodic compaction.
 * Not:    the group commit (writer.c), watchers and the ring (watch.c), the index structure
 *         (index.c), SQL (sqlite.c).
 * Model:  reads never touch the backend: get/list copy references out of the index under
 *         st->lock shared, so a list of 10,000 pods costs pointer copies, not SQL. Writes go
 *         through the writer thread (daas_store__submit) and return once durable and applied,
 *         which gives read-your-writes.
 * Invariants:
 *   - the ring starts empty at open with floor = the open revision: watches from before it
 *     get DAAS_EGONE and the API re-lists (state older than the process is not in memory);
 *   - the store's memory is freed by the last reference (open store + live watches), so
 *     daas_store_watch_next can report DAAS_ECLOSED after daas_store_close.
 * Spec:   ARCHITECTURE.md §4; specs/kube-api.md §9.
 */
#include "store/store_int.h"

#include <string.h>
#include <time.h>

#include "common/log.h"

/* ---- kv helpers ---------------------------------------------------------------------- */

void daas_kv_fini(daas_kv *kv)
{
    if (!kv)
        return;
    daas_free(kv->key);
    daas_blob_unref(&kv->val);
    daas_blob_unref(&kv->obj);
    memset(kv, 0, sizeof *kv);
}

void daas_kv_copy(daas_kv *dst, const daas_kv *src)
{
    dst->key = src->key ? daas_xstrdup(src->key) : NULL;
    dst->val = daas_blob_ref(src->val);
    dst->obj = daas_blob_ref(src->obj);
    dst->mod_rev = src->mod_rev;
    dst->create_rev = src->create_rev;
}

void daas_kv_list_fini(daas_kv_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        daas_kv_fini(&l->items[i]);
    daas_free(l->items);
    memset(l, 0, sizeof *l);
}

static void kv_from_ent(daas_kv *kv, const daas_store__ent *e)
{
    kv->key = daas_xstrndup(e->key->data, e->key->len);
    kv->val = daas_blob_ref(e->val);
    kv->obj = daas_blob_ref(e->obj);
    kv->mod_rev = e->mod_rev;
    kv->create_rev = e->create_rev;
}

int daas_store__check_key(const char *key, size_t *klen, daas_err *err)
{
    size_t n = key ? strnlen(key, DAAS_STORE__KEY_MAX) : 0;
    if (n == 0)
        return daas_fail(err, DAAS_EINVAL, "store: empty key");
    if (n >= DAAS_STORE__KEY_MAX)
        return daas_fail(err, DAAS_EINVAL, "store: key longer than %d bytes",
                         DAAS_STORE__KEY_MAX - 1);
    *klen = n;
    return DAAS_OK;
}

/* ---- lifetime ------------------------------------------------------------------------ */

static void fill_opts(daas_store_opts *o, const daas_store_opts *in)
{
    memset(o, 0, sizeof *o);
    o->compact_interval_s = DAAS_STORE__DEF_INTERVAL;
    if (in)
        *o = *in;
    if (o->event_ring == 0)
        o->event_ring = DAAS_STORE__DEF_RING;
    if (o->max_value == 0)
        o->max_value = DAAS_STORE__DEF_MAX_VALUE;
    if (o->compact_keep <= 0)
        o->compact_keep = DAAS_STORE__DEF_KEEP;
    if (o->compact_interval_s < 0)
        o->compact_interval_s = 0;
    if (o->event_ring_bytes == 0)
        o->event_ring_bytes = DAAS_STORE__DEF_RING_BYTES;
}

static void init_sync(daas_store *st)
{
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    /* Many readers (lists, watches) must not starve the single writer. */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&st->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&st->qmu, NULL);
    pthread_cond_init(&st->qcond, NULL);
    pthread_mutex_init(&st->wmu, NULL);
    pthread_cond_init(&st->wcond, NULL);
    pthread_mutex_init(&st->cmu, NULL);
    pthread_mutex_init(&st->tmu, NULL);
    daas_cond_init_mono(&st->tcond);
}

void daas_store__unref(daas_store *st)
{
    if (atomic_fetch_sub(&st->refs, 1) != 1)
        return;
    pthread_rwlock_destroy(&st->lock);
    pthread_mutex_destroy(&st->qmu);
    pthread_cond_destroy(&st->qcond);
    pthread_mutex_destroy(&st->wmu);
    pthread_cond_destroy(&st->wcond);
    pthread_mutex_destroy(&st->cmu);
    pthread_mutex_destroy(&st->tmu);
    pthread_cond_destroy(&st->tcond);
    daas_free(st->nscratch);
    daas_free(st);
}

/* Applies one stored row to the index at startup (no events, no rendering yet). */
static int load_row(void *arg, const daas_store__row *r, daas_err *err)
{
    daas_store *st = arg;
    uint64_t h = daas_store__hash(&st->idx, r->key, r->klen);
    daas_store__ent *e = daas_store__index_find(&st->idx, r->key, r->klen, h);
    if (r->deleted) {
        if (e) {
            daas_store__index_remove(&st->idx, e);
            daas_store__ent_free(&e);
        }
        return DAAS_OK;
    }
    if (!e) {
        e = daas_store__ent_new(daas_blob_new(r->key, r->klen), h);
        daas_store__index_insert(&st->idx, e);
    }
    daas_blob_unref(&e->val);
    e->val = daas_blob_new(r->val.ptr, r->val.len);
    e->mod_rev = r->rev;
    e->create_rev = r->create_rev;
    return DAAS_OK;
}

static void render_all(daas_store *st)
{
    if (!st->opts.render)
        return;
    daas_store__pos p = daas_store__index_lower(&st->idx, "", 0);
    for (daas_store__ent *e; (e = daas_store__index_at(&st->idx, p));
         daas_store__index_next(&st->idx, &p))
        e->obj =
            st->opts.render(st->opts.render_arg, e->key->data, e->val, e->mod_rev, e->create_rev);
}

static void *compactor_main(void *arg);

int daas_store__start_compactor(daas_store *st, daas_err *err)
{
    if (st->opts.compact_interval_s > 0) {
        if (pthread_create(&st->compactor, NULL, compactor_main, st) != 0)
            return daas_fail(err, DAAS_EINTERNAL, "store: cannot start the compactor");
        st->has_compactor = true;
    }
    return DAAS_OK;
}

static int start_threads(daas_store *st, daas_err *err)
{
    if (pthread_create(&st->writer, NULL, daas_store__writer_main, st) != 0)
        return daas_fail(err, DAAS_EINTERNAL, "store: cannot start the writer thread");
    st->has_writer = true;
    return daas_store__start_compactor(st, err);
}

static int load_state(daas_store *st, daas_err *err)
{
    int64_t rev = 0, compacted = 0;
    int rc = st->ops->load(st->be, load_row, st, &rev, &compacted, err);
    if (rc != DAAS_OK)
        return rc;
    st->rev = rev;
    atomic_store(&st->compacted, compacted);
    render_all(st);
    daas_store__ring_init(&st->ring, st->opts.event_ring, st->opts.event_ring_bytes, rev);
    return DAAS_OK;
}

daas_store *daas_store__new(const daas_store_opts *opts)
{
    daas_store *st = daas_xcalloc(1, sizeof *st);
    fill_opts(&st->opts, opts);
    atomic_init(&st->refs, 1);
    init_sync(st);
    daas_store__index_init(&st->idx);
    return st;
}

int daas_store__open(const daas_store_backend_ops *ops, const char *path,
                     const daas_store_opts *opts, daas_store **out, daas_err *err)
{
    int rc;
    if (!out || !path || !*path)
        return daas_fail(err, DAAS_EINVAL, "store: no path");
    *out = NULL;
    daas_store *st = daas_store__new(opts);
    st->ops = ops;
    rc = ops->open(path, &st->be, err);
    if (rc == DAAS_OK)
        rc = load_state(st, err);
    if (rc == DAAS_OK)
        rc = start_threads(st, err);
    if (rc != DAAS_OK) {
        daas_store_close(&st);
        return rc;
    }
    DAAS_INFO("store", "opened %s store at revision %lld with %zu keys", ops->name,
              (long long)st->rev, st->idx.n);
    *out = st;
    return DAAS_OK;
}

int daas_store_open_sqlite(const char *path, const daas_store_opts *opts, daas_store **out,
                           daas_err *err)
{
    return daas_store__open(&daas_store__sqlite_ops, path, opts, out, err);
}

static void stop_threads(daas_store *st)
{
    if (st->has_compactor) {
        pthread_mutex_lock(&st->tmu);
        st->tstop = true;
        pthread_cond_signal(&st->tcond);
        pthread_mutex_unlock(&st->tmu);
        pthread_join(st->compactor, NULL);
        st->has_compactor = false;
    }
    pthread_mutex_lock(&st->qmu);
    st->stopping = true; /* the writer drains what is queued, then exits */
    pthread_cond_signal(&st->qcond);
    pthread_mutex_unlock(&st->qmu);
    if (st->has_writer)
        pthread_join(st->writer, NULL);
    st->has_writer = false;
}

/* Order matters: threads first (pending writes complete), then memory, then the backend;
 * finally wake every watcher so it sees DAAS_ECLOSED. */
void daas_store_close(daas_store **stp)
{
    daas_store *st = *stp;
    *stp = NULL;
    if (!st)
        return;
    if (st->etcd)
        daas_store__etcd_stop(st);
    stop_threads(st);
    DAAS_INFO("store", "closing the %s store: %llu writes in %llu commits, %llu failed",
              st->ops->name, (unsigned long long)atomic_load(&st->n_writes),
              (unsigned long long)atomic_load(&st->n_batches),
              (unsigned long long)atomic_load(&st->n_failed));
    pthread_rwlock_wrlock(&st->lock);
    st->closed = true;
    daas_store__ring_fini(&st->ring);
    daas_store__index_fini(&st->idx);
    pthread_rwlock_unlock(&st->lock);
    if (st->be)
        st->ops->close(st->be);
    st->be = NULL;
    st->etcd = NULL; /* later writes take the closed writer queue: DAAS_ECLOSED */
    daas_store__notify(st, NULL, NULL, 0, true);
    daas_store__unref(st);
}

/* ---- reads --------------------------------------------------------------------------- */

int64_t daas_store_revision(daas_store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    int64_t r = st->rev;
    pthread_rwlock_unlock(&st->lock);
    return r;
}

int64_t daas_store_compacted(daas_store *st)
{
    return atomic_load(&st->compacted);
}

int daas_store_get(daas_store *st, const char *key, daas_kv *out, daas_err *err)
{
    size_t klen = 0;
    int rc = daas_store__check_key(key, &klen, err);
    if (rc != DAAS_OK)
        return rc;
    memset(out, 0, sizeof *out);
    uint64_t h = daas_store__hash(&st->idx, key, klen);
    pthread_rwlock_rdlock(&st->lock);
    const daas_store__ent *e = st->closed ? NULL : daas_store__index_find(&st->idx, key, klen, h);
    if (st->closed)
        rc = daas_fail(err, DAAS_ECLOSED, "store is closed");
    else if (!e)
        rc = daas_fail(err, DAAS_ENOTFOUND, "%s not found", key);
    else
        kv_from_ent(out, e);
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* Position one past the last key starting with prefix (the end when none can follow). */
static daas_store__pos prefix_end(const daas_store__index *ix, const char *prefix, size_t plen)
{
    char succ[DAAS_STORE__KEY_MAX];
    size_t n = plen;
    while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
        n--;
    if (n == 0) {
        daas_store__pos end = {0, 0};
        if (ix->nch > 0) {
            end.c = ix->nch - 1;
            end.i = ix->ch[end.c].n;
        }
        return end;
    }
    memcpy(succ, prefix, n);
    succ[n - 1] = (char)((unsigned char)succ[n - 1] + 1);
    return daas_store__index_lower(ix, succ, n);
}

/* Collects the list under st->lock held shared. */
static void list_locked(daas_store *st, const char *prefix, size_t plen, const char *start,
                        size_t limit, daas_kv_list *out)
{
    const daas_store__index *ix = &st->idx;
    const char *from = prefix;
    if (start && strcmp(start, prefix) > 0)
        from = start;
    daas_store__pos p = daas_store__index_lower(ix, from, strlen(from));
    daas_store__pos end = prefix_end(ix, prefix, plen);
    size_t total = daas_store__index_rank(ix, end) - daas_store__index_rank(ix, p);
    size_t n = limit && limit < total ? limit : total;
    out->rev = st->rev;
    out->items = n ? daas_xcalloc(n, sizeof *out->items) : NULL;
    for (size_t i = 0; i < n; i++, daas_store__index_next(ix, &p))
        kv_from_ent(&out->items[i], daas_store__index_at(ix, p));
    out->n = n;
    out->remaining = total - n;
    out->more = out->remaining > 0;
}

int daas_store_list(daas_store *st, const char *prefix, const char *start, size_t limit,
                    daas_kv_list *out, daas_err *err)
{
    int rc = DAAS_OK;
    memset(out, 0, sizeof *out);
    prefix = prefix ? prefix : "";
    size_t plen = strlen(prefix);
    if (plen >= DAAS_STORE__KEY_MAX)
        return daas_fail(err, DAAS_EINVAL, "store: prefix too long");
    pthread_rwlock_rdlock(&st->lock);
    if (st->closed)
        rc = daas_fail(err, DAAS_ECLOSED, "store is closed");
    else
        list_locked(st, prefix, plen, start, limit, out);
    pthread_rwlock_unlock(&st->lock);
    return rc;
}

/* ---- compaction and counters --------------------------------------------------------- */

int daas_store_compact(daas_store *st, int64_t rev, daas_err *err)
{
    int rc = DAAS_OK;
    pthread_mutex_lock(&st->cmu);
    int64_t cur = atomic_load(&st->compacted);
    int64_t now = daas_store_revision(st);
    if (rev > now) {
        rc = daas_fail(err, DAAS_EINVAL, "store: cannot compact future revision %lld (at %lld)",
                       (long long)rev, (long long)now);
    } else if (rev > cur) {
        rc = st->ops->compact(st->be, cur, rev, err);
        if (rc == DAAS_OK)
            atomic_store(&st->compacted, rev);
    }
    pthread_mutex_unlock(&st->cmu);
    return rc;
}

/* Waits up to the compaction interval; returns false when asked to stop. */
static bool compactor_sleep(daas_store *st)
{
    struct timespec ts = daas_deadline_ms((int64_t)st->opts.compact_interval_s * 1000);
    pthread_mutex_lock(&st->tmu);
    while (!st->tstop && pthread_cond_timedwait(&st->tcond, &st->tmu, &ts) == 0)
        ;
    bool go = !st->tstop;
    pthread_mutex_unlock(&st->tmu);
    return go;
}

/* Like kine's compaction loop: keep the last compact_keep revisions, drop older history. */
static void *compactor_main(void *arg)
{
    daas_store *st = arg;
    while (compactor_sleep(st)) {
        daas_err err = {0};
        int64_t target = daas_store_revision(st) - st->opts.compact_keep;
        if (target <= daas_store_compacted(st))
            continue;
        if (daas_store_compact(st, target, &err) != DAAS_OK)
            DAAS_WARN("store", "compaction to %lld failed: %s", (long long)target, err.msg);
        else
            DAAS_DEBUG("store", "compacted to revision %lld", (long long)target);
    }
    return NULL;
}

void daas_store_read_stats(daas_store *st, daas_store_stats *out)
{
    memset(out, 0, sizeof *out);
    out->writes = atomic_load_explicit(&st->n_writes, memory_order_relaxed);
    out->ops = atomic_load_explicit(&st->n_ops, memory_order_relaxed);
    out->batches = atomic_load_explicit(&st->n_batches, memory_order_relaxed);
    out->failed = atomic_load_explicit(&st->n_failed, memory_order_relaxed);
    pthread_rwlock_rdlock(&st->lock);
    out->keys = st->idx.n;
    out->ring_events = st->ring.n;
    out->ring_bytes = st->ring.bytes;
    out->ring_floor = st->ring.floor;
    pthread_rwlock_unlock(&st->lock);
}
