/*
 * etcd_store.c: the store engine over an etcd v3 cluster (daas_store_open_etcd).
 *
 * Owns:   the etcd engine of a daas_store: the client, the one etcd watch that feeds the
 *         in-memory index and event ring, the initial load and the re-list after a compacted
 *         watch, the writes (one txn each; queued creates share txns) and the pool that runs
 *         asynchronous creates.
 * Not:    the index, the ring and the watchers (index.c, watch.c: shared with SQLite), the
 *         wire protocol (etcd.c, etcd_watch.c).
 * Model:  etcd mints every revision (a resourceVersion is the revision and the event's
 *         position in it: rv below) and is the only durable state. Memory follows etcd through
 *         ONE watch of every key, started at the revision of a paged range that loaded the
 *         index; whichever server wrote a key, every server learns it from its watch, so
 *         several servers can share a cluster. A write is a txn (compare create/mod revision,
 *         then put or delete) sent from the caller's thread, many in flight at once; it
 *         returns once etcd committed it AND this store's watch applied its revision, which
 *         keeps read-your-writes and hands the ring the event before the writer hears back. A
 *         failed compare also waits for the revision etcd answered at, so the caller's re-read
 *         sees what made it fail. Asynchronous creates (the API's) queue for a small pool;
 *         each pool thread sends all the creates waiting (up to BATCH_MAX) as one txn, which
 *         costs etcd and this server about half as much CPU per create as a txn each.
 *         When etcd says the watch's revision was compacted (this server fell behind), the
 *         keeper thread re-lists: a fresh index at the new revision and an empty ring whose
 *         floor is that revision, so every watcher gets DAAS_EGONE and re-lists in turn.
 * Invariants:
 *   - only one thread mutates st->idx, st->ring and st->rev: the watch callback while the
 *     watch runs, the keeper while it is stopped (re-list); that thread may read the index
 *     without st->lock, and changes it under st->lock exclusive;
 *   - e->seen (under e->mu) is the last etcd revision wholly applied; a writer waits for it
 *     on a condition of its own (e->waiters), woken by the last event of its revision;
 *   - an acknowledged write is in etcd (its txn succeeded) and in this store's memory;
 *     a write whose txn may or may not have happened (cut, timeout) returns that error;
 *   - the index's hash key never changes (a re-list copies it), so hashes computed without
 *     the lock stay valid.
 * Spec:   etcd API v3 (rpc.proto: Txn, Watch); kube-apiserver's storage/etcd3 (the model);
 *         ARCHITECTURE.md §4.
 */
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "store/etcd.h"
#include "store/store_int.h"

enum {
    POOL_THREADS = 2,  /* txns of async creates in flight at once: few, so that they fill */
    BATCH_MAX = 64,    /* creates per txn; etcd's default --max-txn-ops is 128 */
    LOAD_PAGE = 500,   /* keys per range page at load */
    CAS_RETRIES = 16,  /* unconditional update/delete: rounds against concurrent writers */
    APPLY_WAIT_S = 30, /* a committed write waits this long for the watch to deliver it */
    RETRY_BACKOFF_MS = 500,
};

/* etcd's default --max-request-bytes is 1.5 MiB; a put carries the key and framing too. */
#define ETCD_DEF_MAX_VALUE (((size_t)1536 << 10) - 4096)
/* A batch's values together (base64 in the request: 4/3 of this, under the 1.5 MiB). */
#define BATCH_MAX_BYTES ((size_t)768 << 10)

/* resourceVersion = etcd revision << RV_POS_BITS | the position of the event in its revision
 * (a txn writing n keys makes n events at one revision). Every server sees a revision's events
 * in the same order, so they agree on it. A key loaded by a range (start, re-list) has position
 * 0 (the range does not say), and the loaded revision L becomes rv(L, RV_POS_END): everything of
 * L, so a watch from an object's rv at L (position < RV_POS_END) gets DAAS_EGONE: it may have
 * missed part of L. Events past RV_POS_END - 1 in one revision (a foreign txn of over 1,022
 * keys) share that position. */
enum { RV_POS_BITS = DAAS_STORE__ETCD_POS_BITS, RV_POS_END = (1 << RV_POS_BITS) - 1 };

/* A writer waiting for its revision to be applied (on its stack; linked under e->mu). */
typedef struct waiter {
    int64_t rev;
    bool woken;          /* mu: seen reached rev */
    pthread_cond_t cond; /* CLOCK_MONOTONIC; signalled once woken, or at stop */
    struct waiter *next;
} waiter;

struct daas_store__etcd {
    daas_store_etcd *cli;
    daas_store_etcd_watch *watch; /* keeper (and open) only */

    pthread_mutex_t mu;
    pthread_cond_t idle;           /* broadcast when inflight drops to 0 */
    waiter *waiters;               /* mu: writers waiting for a revision, unordered */
    pthread_cond_t kcond;          /* wakes the keeper */
    int64_t seen;                  /* mu: latest etcd revision wholly applied to memory */
    bool relist;                   /* mu: the watch reported a compacted revision */
    bool stop;                     /* mu: closing */
    int inflight;                  /* mu: writes running on callers' threads */
    daas_store__op *qhead, *qtail; /* mu: async ops for the pool */
    pthread_cond_t qcond;          /* wakes the pool */

    int64_t cur_rev, cur_pos; /* watch thread: the revision and position of the last event */

    pthread_t pool[POOL_THREADS];
    size_t npool;
    pthread_t keeper;
    bool has_keeper;
};

/* ---- applying what etcd reports ------------------------------------------------------ */

/* Wakes the waiters whose revision is applied (all of them at stop); mu held. Each writer
 * has its own condition: one applied event wakes its writer, not every writer. */
static void wake_waiters(daas_store__etcd *e)
{
    for (waiter **pp = &e->waiters; *pp;) {
        waiter *w = *pp;
        if (w->rev > e->seen && !e->stop) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->woken = true;
        pthread_cond_signal(&w->cond);
    }
}

static void set_seen(daas_store__etcd *e, int64_t rev)
{
    pthread_mutex_lock(&e->mu);
    if (rev > e->seen)
        e->seen = rev;
    wake_waiters(e);
    pthread_mutex_unlock(&e->mu);
}

static daas_blob *render(daas_store *st, const char *key, const daas_blob *val, int64_t rev,
                         int64_t create_rev)
{
    if (!st->opts.render || !val)
        return NULL;
    return st->opts.render(st->opts.render_arg, key, val, rev, create_rev);
}

/* Applies one event to the index and the ring (watch thread). Rendering happens before the
 * lock: this thread is the only writer, so it may read the index unlocked. */
static void apply_event(daas_store *st, const daas_store_etcd_event *ev)
{
    const daas_store_etcd_kv *kv = &ev->kv;
    daas_store__etcd *eng = st->etcd;
    int64_t pos = kv->mod_revision == eng->cur_rev ? eng->cur_pos + 1 : 0;
    if (pos >= RV_POS_END)
        pos = RV_POS_END - 1;
    int64_t rv = daas_store__etcd_rv(kv->mod_revision, pos);
    if (kv->key_len == 0 || kv->key_len >= DAAS_STORE__KEY_MAX || rv < st->rev) {
        DAAS_WARN("store", "etcd: ignoring an event at revision %lld (store at %lld)",
                  (long long)kv->mod_revision, (long long)daas_store__etcd_rev(st->rev));
        return;
    }
    eng->cur_rev = kv->mod_revision;
    eng->cur_pos = pos;
    uint64_t h = daas_store__hash(&st->idx, kv->key, kv->key_len);
    const daas_store__ent *e = daas_store__index_find(&st->idx, kv->key, kv->key_len, h);
    bool del = ev->type == DAAS_STORE_ETCD_DELETE;
    /* a DELETE carries no value: the event has the last one, rendered at the delete */
    daas_blob *val =
        del ? daas_blob_ref(e ? e->val : NULL) : daas_blob_new(kv->value, kv->value_len);
    int64_t create_rev =
        del ? (e ? e->create_rev : 0) : daas_store__etcd_rv(kv->create_revision, 0);
    daas_blob *obj = render(st, kv->key, val, rv, create_rev);
    pthread_rwlock_wrlock(&st->lock);
    if (!del || e) /* a DELETE of a key this store never saw cannot follow a full load */
        daas_store__apply_locked(st, kv->key, kv->key_len, h,
                                 del ? DAAS_STORE_DELETE : DAAS_STORE_PUT, val, obj, rv,
                                 create_rev);
    st->rev = rv;
    pthread_rwlock_unlock(&st->lock);
    daas_blob_unref(&val);
    daas_blob_unref(&obj);
}

static void on_watch(void *ud, const daas_store_etcd_event *ev, int status)
{
    daas_store *st = ud;
    daas_store__etcd *e = st->etcd;
    if (status != DAAS_OK) { /* compacted past our position: the keeper re-lists */
        pthread_mutex_lock(&e->mu);
        e->relist = true;
        pthread_cond_signal(&e->kcond);
        pthread_mutex_unlock(&e->mu);
        return;
    }
    apply_event(st, ev);
    const char *key = ev->kv.key;
    size_t klen = ev->kv.key_len;
    daas_store__notify(st, &key, &klen, 1, false);
    if (ev->last_in_rev)
        set_seen(e, ev->kv.mod_revision);
}

/* ---- load and re-list ---------------------------------------------------------------- */

static int load_page(daas_store *st, daas_store__index *ix, daas_buf *from, int64_t *rev,
                     bool *more, daas_err *err)
{
    daas_store_etcd_range_res r;
    int rc = daas_store_etcd_range(st->etcd->cli, DAAS_BYTES(from->data, from->len),
                                   DAAS_BYTES("\0", 1), LOAD_PAGE, *rev, false, &r, err);
    if (rc != DAAS_OK)
        return rc;
    if (*rev == 0) /* later pages are read at the first one's revision; their header carries
                      etcd's current revision, not that one */
        *rev = r.revision;
    for (size_t i = 0; i < r.nkvs; i++) {
        const daas_store_etcd_kv *kv = &r.kvs[i];
        if (kv->key_len == 0 || kv->key_len >= DAAS_STORE__KEY_MAX)
            continue;
        uint64_t h = daas_store__hash(ix, kv->key, kv->key_len);
        daas_store__ent *e = daas_store__ent_new(daas_blob_new(kv->key, kv->key_len), h);
        e->val = daas_blob_new(kv->value, kv->value_len);
        e->mod_rev = daas_store__etcd_rv(kv->mod_revision, 0);
        e->create_rev = daas_store__etcd_rv(kv->create_revision, 0);
        e->obj = render(st, kv->key, e->val, e->mod_rev, e->create_rev);
        daas_store__index_insert(ix, e);
    }
    *more = r.more && r.nkvs > 0;
    if (*more) {
        const daas_store_etcd_kv *last = &r.kvs[r.nkvs - 1];
        daas_buf_reset(from);
        rc = daas_buf_append(from, last->key, last->key_len + 1); /* key + "\0" */
    }
    daas_store_etcd_range_fini(&r);
    return rc;
}

/* Reads every key at one revision into a new index (same hash key as st's). */
static int load_all(daas_store *st, daas_store__index *ix, int64_t *rev, daas_err *err)
{
    daas_buf from;
    daas_buf_init(&from, 0);
    daas_store__index_init(ix);
    memcpy(ix->hkey, st->idx.hkey, sizeof ix->hkey);
    int rc = daas_buf_append(&from, "\0", 1); /* every key: ["\0", "\0") */
    bool more = true;
    *rev = 0;
    while (rc == DAAS_OK && more)
        rc = load_page(st, ix, &from, rev, &more, err);
    daas_buf_fini(&from);
    if (rc != DAAS_OK)
        daas_store__index_fini(ix);
    return rc;
}

/* Replaces memory with ix loaded at etcd revision rev: the ring restarts empty with its floor
 * at the end of rev. */
static void install(daas_store *st, daas_store__index *ix, int64_t rev)
{
    int64_t rv = daas_store__etcd_rv(rev, RV_POS_END);
    pthread_rwlock_wrlock(&st->lock);
    daas_store__index_fini(&st->idx);
    st->idx = *ix;
    daas_store__ring_fini(&st->ring);
    daas_store__ring_init(&st->ring, st->opts.event_ring, st->opts.event_ring_bytes, rv);
    st->rev = rv;
    st->etcd->cur_rev = rev;
    st->etcd->cur_pos = RV_POS_END;
    pthread_rwlock_unlock(&st->lock);
    set_seen(st->etcd, rev);
}

/* The watch of every key from revision from (the previous one, if any, stopped first). */
static int watch_from(daas_store *st, int64_t from, daas_err *err)
{
    daas_store_etcd_watch_stop(&st->etcd->watch);
    return daas_store_etcd_watch_start(st->etcd->cli, DAAS_BYTES("\0", 1), DAAS_BYTES("\0", 1),
                                       from, false, on_watch, st, &st->etcd->watch, err);
}

int daas_store__etcd_rewatch(daas_store *st, int64_t from, daas_err *err)
{
    return watch_from(st, from, err);
}

/* Waits ms milliseconds on kcond; false when stopping. mu held. */
static bool keeper_sleep(daas_store__etcd *e, long ms)
{
    struct timespec ts = daas_deadline_ms(ms);
    while (!e->stop && pthread_cond_timedwait(&e->kcond, &e->mu, &ts) == 0)
        ;
    return !e->stop;
}

/* One re-list: stop the watch, load, install, watch again. Retried until it works. */
static void relist(daas_store *st)
{
    daas_store__etcd *e = st->etcd;
    daas_store_etcd_watch_stop(&e->watch);
    for (;;) {
        daas_err err = {0};
        daas_store__index ix;
        int64_t rev = 0;
        int rc = load_all(st, &ix, &rev, &err);
        if (rc == DAAS_OK) {
            install(st, &ix, rev);
            atomic_store(&st->compacted, daas_store__etcd_rv(rev, RV_POS_END));
            daas_store__notify(st, NULL, NULL, 0, true); /* watchers find DAAS_EGONE */
            rc = watch_from(st, rev + 1, &err);
            if (rc == DAAS_OK) {
                DAAS_WARN("store",
                          "etcd: re-listed at revision %lld after a compacted watch; "
                          "watchers must re-list",
                          (long long)rev);
                return;
            }
        }
        DAAS_WARN("store", "etcd: re-list failed: %s", err.msg);
        pthread_mutex_lock(&e->mu);
        bool go = keeper_sleep(e, RETRY_BACKOFF_MS);
        pthread_mutex_unlock(&e->mu);
        if (!go)
            return;
    }
}

static void *keeper_main(void *arg)
{
    daas_store *st = arg;
    daas_store__etcd *e = st->etcd;
    pthread_mutex_lock(&e->mu);
    while (!e->stop) {
        if (!e->relist) {
            pthread_cond_wait(&e->kcond, &e->mu);
            continue;
        }
        e->relist = false;
        pthread_mutex_unlock(&e->mu);
        relist(st);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    daas_store_etcd_watch_stop(&e->watch);
    return NULL;
}

/* ---- writes -------------------------------------------------------------------------- */

/* Waits until memory reached rev. DAAS_ETIMEOUT / DAAS_ECLOSED otherwise. */
static int wait_applied(daas_store__etcd *e, int64_t rev)
{
    struct timespec ts = daas_deadline_ms(APPLY_WAIT_S * 1000);
    int rc = DAAS_OK;
    waiter w = {.rev = rev};
    pthread_mutex_lock(&e->mu);
    if (e->seen >= rev) {
        pthread_mutex_unlock(&e->mu);
        return DAAS_OK;
    }
    daas_cond_init_mono(&w.cond);
    w.next = e->waiters;
    e->waiters = &w;
    while (!w.woken && !e->stop && rc == DAAS_OK)
        if (pthread_cond_timedwait(&w.cond, &e->mu, &ts) != 0)
            rc = DAAS_ETIMEOUT;
    if (!w.woken) /* timed out or stopping: unlink */
        for (waiter **pp = &e->waiters; *pp; pp = &(*pp)->next)
            if (*pp == &w) {
                *pp = w.next;
                break;
            }
    if (e->seen < rev && rc == DAAS_OK)
        rc = DAAS_ECLOSED;
    pthread_mutex_unlock(&e->mu);
    pthread_cond_destroy(&w.cond);
    return rc;
}

/* The key's mod_rev in etcd, for an unconditional update or delete that memory does not know
 * (its create may not have reached this store's watch yet). 0 with op->rc = DAAS_ENOTFOUND when
 * absent: a compare of mod_revision with 0 would hold for an absent key, and the put would
 * create it. */
static int64_t etcd_rev(daas_store *st, daas_store__op *op)
{
    daas_store_etcd_range_res res;
    int64_t r = 0;
    op->rc = daas_store_etcd_range(st->etcd->cli, DAAS_BYTES(op->key, op->klen),
                                   DAAS_BYTES(NULL, 0), 0, 0, true, &res, &op->err);
    if (op->rc != DAAS_OK)
        return 0;
    if (res.nkvs == 0)
        op->rc = DAAS_ENOTFOUND;
    else
        r = res.kvs[0].mod_revision;
    daas_store_etcd_range_fini(&res);
    return r;
}

/* One txn for op expecting mod_rev expect (unused for creates). */
static int send_txn(daas_store *st, daas_store__op *op, int64_t expect,
                    daas_store_etcd_txn_res *res)
{
    daas_store_etcd *c = st->etcd->cli;
    daas_bytes key = DAAS_BYTES(op->key, op->klen);
    switch (op->kind) {
    case DAAS_STORE__OP_CREATE:
        return daas_store_etcd_create(c, key, DAAS_BYTES(op->val->data, op->val->len), 0, res,
                                      &op->err);
    case DAAS_STORE__OP_UPDATE:
        return daas_store_etcd_update_if(c, key, DAAS_BYTES(op->val->data, op->val->len), expect, 0,
                                         res, &op->err);
    default:
        return daas_store_etcd_delete_if(c, key, expect, res, &op->err);
    }
}

/* The result of a failed compare. true: retry with *expect (unconditional ops only). */
static bool compare_failed(daas_store__op *op, const daas_store_etcd_txn_res *res, int64_t *expect)
{
    if (op->kind == DAAS_STORE__OP_CREATE) {
        op->rc = res->has_kv ? DAAS_EEXIST : DAAS_ECONFLICT;
        return false;
    }
    if (!res->has_kv) {
        op->rc = DAAS_ENOTFOUND;
        return false;
    }
    op->rc = DAAS_ECONFLICT;
    op->rev = daas_store__etcd_rv(res->kv.mod_revision, 0);
    if (op->expect_rev != 0)
        return false;
    *expect = res->kv.mod_revision;
    return true;
}

/* libcurl resends a request once when a reused connection turns out dead before any answer
 * byte, POSTs included, and the client fails over when that resend finds the member gone; if
 * etcd had applied the first copy, the second fails its compare against our own write. A
 * failed create that finds exactly our bytes at version 1 is that create (objects carry a
 * fresh uid: another client's create is never byte-identical): true with its revision. An
 * update is not guessed at (two writers may compute the same value from the same base): a
 * replayed one reports a conflict, the safe side, and the caller re-reads. */
static bool own_replay(const daas_store__op *op, const daas_store_etcd_txn_res *res, int64_t *rev)
{
    const daas_store_etcd_kv *kv = &res->kv;
    if (!res->has_kv || op->kind != DAAS_STORE__OP_CREATE || kv->version != 1 ||
        kv->value_len != op->val->len || memcmp(kv->value, op->val->data, kv->value_len) != 0)
        return false;
    *rev = kv->mod_revision;
    return true;
}

/* A delete's result carries the last value as the DELETE event has it (from the ring, else
 * from memory before the txn). */
static void delete_result(daas_store *st, daas_store__op *op, daas_blob *before,
                          int64_t before_create)
{
    pthread_rwlock_rdlock(&st->lock);
    const daas_store__ev *ev = daas_store__ring_find(&st->ring, op->rev, op->key, op->klen);
    if (ev) {
        op->val = daas_blob_ref(ev->val);
        op->obj = daas_blob_ref(ev->obj);
        op->create_rev = ev->create_rev;
    }
    pthread_rwlock_unlock(&st->lock);
    if (ev || !before)
        return;
    op->val = daas_blob_ref(before);
    op->create_rev = before_create;
    op->obj = render(st, op->key, before, op->rev, before_create);
}

/* The key as memory has it: its value (a reference, or NULL when absent), mod_rev and
 * create_rev; what an unconditional write expects and what a delete reports if the ring
 * dropped its event before the writer looks. */
static daas_blob *mem_entry(daas_store *st, const daas_store__op *op, int64_t *mod_rev,
                            int64_t *create_rev)
{
    pthread_rwlock_rdlock(&st->lock);
    const daas_store__ent *e = daas_store__index_find(&st->idx, op->key, op->klen, op->hash);
    daas_blob *v = e ? daas_blob_ref(e->val) : NULL;
    *mod_rev = e ? e->mod_rev : 0;
    *create_rev = e ? e->create_rev : 0;
    pthread_rwlock_unlock(&st->lock);
    return v;
}

/* The resourceVersion of op's write, committed at etcd revision rev as event pos of it: memory
 * knows it once the watch applied rev (a replayed create's position is not known otherwise). */
static int64_t written_rv(daas_store *st, const daas_store__op *op, int64_t rev, int64_t pos)
{
    int64_t mod_rev = 0, create_rev = 0;
    if (op->kind != DAAS_STORE__OP_DELETE) {
        daas_blob *v = mem_entry(st, op, &mod_rev, &create_rev);
        daas_blob_unref(&v);
        if (daas_store__etcd_rev(mod_rev) == rev)
            return mod_rev;
    }
    return daas_store__etcd_rv(rev, pos);
}

static void count(daas_store *st, const daas_store__op *op, int batches)
{
    if (op->rc == DAAS_OK) {
        atomic_fetch_add_explicit(&st->n_writes, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&st->n_batches, batches, memory_order_relaxed);
    } else if (op->err.code != DAAS_OK) {
        atomic_fetch_add_explicit(&st->n_failed, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&st->n_ops, 1, memory_order_relaxed);
}

/* Waits for the watch to apply revision at (etcd's answer), op having been written at
 * revision wrote (<= at) as its event pos. */
static void finish_write(daas_store *st, daas_store__op *op, int64_t at, int64_t wrote, int64_t pos)
{
    op->rc = wait_applied(st->etcd, at);
    if (op->rc == DAAS_OK)
        op->rev = written_rv(st, op, wrote, pos);
    else if (op->rc == DAAS_ETIMEOUT)
        daas_fail(&op->err, op->rc,
                  "store: %s was committed at etcd revision %lld but this server's "
                  "watch has not delivered it within %d s",
                  op->key, (long long)at, APPLY_WAIT_S);
}

/* What an update or delete compares mod_revision with (etcd units), or 0 with op->rc set.
 * A compare with 0 would hold for an absent key and the put would create it: never sent. */
static int64_t expected(daas_store *st, daas_store__op *op, int64_t mem_rv)
{
    int64_t expect = daas_store__etcd_rev(op->expect_rev ? op->expect_rev : mem_rv);
    if (op->expect_rev == 0 && mem_rv == 0)
        expect = etcd_rev(st, op); /* may fail the op: absent, unreachable */
    else if (expect == 0)          /* not one of ours: no key was ever at it */
        op->rc = mem_rv ? DAAS_ECONFLICT : DAAS_ENOTFOUND;
    if (op->rc == DAAS_ECONFLICT)
        op->rev = mem_rv;
    return expect;
}

static void run_op(daas_store *st, daas_store__op *op)
{
    int64_t expect = 0, mem_rv = 0, before_create = 0;
    daas_blob *before = NULL;
    op->rc = DAAS_OK;
    if (op->kind != DAAS_STORE__OP_CREATE) {
        before = mem_entry(st, op, &mem_rv, &before_create);
        expect = expected(st, op, mem_rv);
    }
    for (int round = 0; op->rc == DAAS_OK; round++) {
        if (round == CAS_RETRIES) { /* every round lost to a concurrent writer */
            op->rc = DAAS_ECONFLICT;
            break;
        }
        daas_store_etcd_txn_res res;
        memset(&res, 0, sizeof res);
        op->rc = send_txn(st, op, expect, &res);
        if (op->rc != DAAS_OK)
            break;
        int64_t at = res.revision, wrote = res.revision;
        bool ok = res.succeeded || own_replay(op, &res, &wrote);
        bool retry = !ok && compare_failed(op, &res, &expect);
        daas_store_etcd_txn_fini(&res);
        if (retry) {
            op->rc = DAAS_OK;
            continue;
        }
        if (ok)
            finish_write(st, op, at, wrote, 0);
        else if (wait_applied(st->etcd, at) != DAAS_OK) /* so a re-read sees what failed it */
            DAAS_DEBUG("store", "etcd: revision %lld not applied yet", (long long)at);
        break;
    }
    if (op->rc == DAAS_OK && op->kind == DAAS_STORE__OP_DELETE)
        delete_result(st, op, before, before_create);
    count(st, op, 1);
    daas_blob_unref(&before);
}

/* Creates of distinct keys in one txn. If any key exists, or the txn's fate is unknown (cut,
 * timeout), each runs alone: a create that did happen is then recognised as our own. */
static void run_batch(daas_store *st, daas_store__op **ops, size_t n)
{
    if (n == 1) {
        run_op(st, ops[0]);
        return;
    }
    daas_bytes keys[BATCH_MAX], vals[BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        keys[i] = DAAS_BYTES(ops[i]->key, ops[i]->klen);
        vals[i] = DAAS_BYTES(ops[i]->val->data, ops[i]->val->len);
    }
    daas_store_etcd_txn_res res;
    memset(&res, 0, sizeof res);
    int rc = daas_store_etcd_create_many(st->etcd->cli, keys, vals, n, &res, NULL);
    bool ok = rc == DAAS_OK && res.succeeded;
    int64_t at = res.revision;
    if (rc == DAAS_OK)
        daas_store_etcd_txn_fini(&res);
    for (size_t i = 0; i < n; i++) {
        if (!ok) {
            run_op(st, ops[i]);
            continue;
        }
        finish_write(st, ops[i], at, at, (int64_t)i);
        count(st, ops[i], i == 0);
    }
}

int daas_store__etcd_run(daas_store *st, daas_store__op *op)
{
    daas_store__etcd *e = st->etcd;
    pthread_mutex_lock(&e->mu);
    bool stopping = e->stop;
    if (!stopping)
        e->inflight++;
    pthread_mutex_unlock(&e->mu);
    if (stopping)
        return op->rc = DAAS_ECLOSED;
    run_op(st, op);
    pthread_mutex_lock(&e->mu);
    if (--e->inflight == 0)
        pthread_cond_broadcast(&e->idle);
    pthread_mutex_unlock(&e->mu);
    return op->rc;
}

int daas_store__etcd_queue(daas_store *st, daas_store__op *op)
{
    daas_store__etcd *e = st->etcd;
    pthread_mutex_lock(&e->mu);
    if (e->stop) {
        pthread_mutex_unlock(&e->mu);
        return op->rc = DAAS_ECLOSED;
    }
    op->next = NULL;
    if (e->qtail)
        e->qtail->next = op;
    else
        e->qhead = op;
    e->qtail = op;
    pthread_cond_signal(&e->qcond);
    pthread_mutex_unlock(&e->mu);
    return DAAS_OK;
}

static bool key_taken(daas_store__op *const *ops, size_t n, const daas_store__op *op)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i]->hash == op->hash && ops[i]->klen == op->klen &&
            memcmp(ops[i]->key, op->key, op->klen) == 0)
            return true;
    return false;
}

/* Takes the queued ops for one txn: creates of distinct keys, up to BATCH_MAX of them and
 * BATCH_MAX_BYTES of values (one larger value goes alone); any other op alone. mu held. */
static size_t take_batch(daas_store__etcd *e, daas_store__op **ops)
{
    size_t n = 0, bytes = 0;
    for (daas_store__op *op; (op = e->qhead) != NULL && n < BATCH_MAX;) {
        bool create = op->kind == DAAS_STORE__OP_CREATE;
        if (n > 0 && (!create || bytes + op->val->len > BATCH_MAX_BYTES || key_taken(ops, n, op)))
            break;
        e->qhead = op->next;
        if (!e->qhead)
            e->qtail = NULL;
        ops[n++] = op;
        bytes += create ? op->val->len : 0;
        if (!create)
            break;
    }
    return n;
}

/* Pool thread: runs queued async ops, as many creates per txn as are waiting; at stop, fails
 * what is left with DAAS_ECLOSED. */
static void *pool_main(void *arg)
{
    daas_store *st = arg;
    daas_store__etcd *e = st->etcd;
    daas_store__op *ops[BATCH_MAX];
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (!e->qhead && !e->stop)
            pthread_cond_wait(&e->qcond, &e->mu);
        size_t n = take_batch(e, ops);
        if (n == 0)
            break;
        bool stopping = e->stop;
        pthread_mutex_unlock(&e->mu);
        if (stopping)
            for (size_t i = 0; i < n; i++)
                ops[i]->rc = DAAS_ECLOSED;
        else
            run_batch(st, ops, n);
        for (size_t i = 0; i < n; i++)
            daas_store__finish_async(ops[i]);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- lifetime ------------------------------------------------------------------------ */

static void etcd_close(void *be)
{
    daas_store__etcd *e = be;
    if (!e)
        return;
    daas_store_etcd_watch_stop(&e->watch);
    daas_store_etcd_free(&e->cli);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->idle);
    pthread_cond_destroy(&e->kcond);
    pthread_cond_destroy(&e->qcond);
    daas_free(e);
}

/* Compaction of etcd's history; a revision someone (another server) already compacted is
 * not an error. */
static int etcd_compact(void *be, int64_t from, int64_t to, daas_err *err)
{
    (void)from;
    daas_store__etcd *e = be;
    daas_err cerr = {0};
    int rc = daas_store_etcd_compact(e->cli, daas_store__etcd_rev(to), &cerr);
    if (rc == DAAS_EGONE)
        return DAAS_OK;
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "%s", cerr.msg);
    return DAAS_OK;
}

static const daas_store_backend_ops etcd_ops = {
    .name = "etcd",
    .close = etcd_close,
    .compact = etcd_compact,
};

void daas_store__etcd_stop(daas_store *st)
{
    daas_store__etcd *e = st->etcd;
    pthread_mutex_lock(&e->mu);
    e->stop = true;
    pthread_cond_broadcast(&e->qcond);
    pthread_cond_broadcast(&e->kcond);
    wake_waiters(e); /* every one: stop is set */
    while (e->inflight > 0)
        pthread_cond_wait(&e->idle, &e->mu);
    pthread_mutex_unlock(&e->mu);
    for (size_t i = 0; i < e->npool; i++)
        pthread_join(e->pool[i], NULL);
    e->npool = 0;
    if (e->has_keeper)
        pthread_join(e->keeper, NULL);
    e->has_keeper = false;
    daas_store_etcd_watch_stop(&e->watch);
}

static daas_store__etcd *engine_new(void)
{
    daas_store__etcd *e = daas_xcalloc(1, sizeof *e);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->idle, NULL);
    daas_cond_init_mono(&e->kcond);
    pthread_cond_init(&e->qcond, NULL);
    return e;
}

static int start_engine(daas_store *st, daas_err *err)
{
    daas_store__etcd *e = st->etcd;
    daas_store__index ix;
    int64_t rev = 0;
    int rc = load_all(st, &ix, &rev, err);
    if (rc != DAAS_OK)
        return rc;
    install(st, &ix, rev);
    rc = watch_from(st, rev + 1, err);
    if (rc != DAAS_OK)
        return rc;
    if (pthread_create(&e->keeper, NULL, keeper_main, st) != 0)
        return daas_fail(err, DAAS_EINTERNAL, "store: cannot start the etcd keeper");
    e->has_keeper = true;
    for (; e->npool < POOL_THREADS; e->npool++)
        if (pthread_create(&e->pool[e->npool], NULL, pool_main, st) != 0)
            return daas_fail(err, DAAS_EINTERNAL, "store: cannot start the etcd write pool");
    return DAAS_OK;
}

int daas_store_open_etcd(const struct daas_store_etcd_opts *eo, const daas_store_opts *opts,
                         daas_store **out, daas_err *err)
{
    if (!out || !eo)
        return daas_fail(err, DAAS_EINVAL, "store: no etcd options");
    *out = NULL;
    daas_store *st = daas_store__new(opts);
    if (!opts || opts->max_value == 0)
        st->opts.max_value = ETCD_DEF_MAX_VALUE;
    st->opts.compact_keep <<= RV_POS_BITS; /* revisions, not resourceVersions */
    st->ops = &etcd_ops;
    st->etcd = engine_new();
    st->be = st->etcd;
    int rc = daas_store_etcd_new(eo, &st->etcd->cli, err);
    if (rc == DAAS_OK)
        rc = start_engine(st, err);
    if (rc == DAAS_OK)
        rc = daas_store__start_compactor(st, err);
    if (rc != DAAS_OK) {
        daas_store_close(&st);
        return rc;
    }
    DAAS_INFO("store", "opened etcd store at %s: revision %lld, %zu keys", eo->endpoints,
              (long long)daas_store__etcd_rev(st->rev), st->idx.n);
    *out = st;
    return DAAS_OK;
}
