/*
 * store_int.h: private declarations shared by the files of the store module.
 *
 * Owns:   the backend ops table (daas_store_backend_ops), the layout of daas_store and
 *         daas_store_watch, the in-memory index (index.c), the event ring (watch.c), the
 *         group-commit writer (writer.c) and the test seams.
 * Not:    anything outside src/store/ (include this only from the store's .c files and unit tests).
 * Model:  API threads enqueue write ops and sleep; ONE writer thread drains the queue, checks
 *         preconditions against memory, commits the batch in one backend transaction (one
 *         fsync), then applies it to the index and the ring under st->lock, wakes the waiters
 *         and notifies watchers. Readers (get/list/watch_next) take st->lock shared.
 * Invariants:
 *   - only the writer thread mints revisions and mutates st->idx, st->ring and st->rev (always
 *     under st->lock held exclusively, through daas_store__apply_locked); it may therefore READ
 *     st->idx without the lock. On etcd (etcd_store.c) etcd mints the revisions and that one
 *     thread is the etcd watch's (or the keeper's while it re-lists);
 *   - ring revisions strictly increase; every event with rev > ring.floor and <= st->rev is in
 *     the ring;
 *   - lock order: st->cmu before the backend's own mutex; st->wmu, st->qmu and st->lock are
 *     never held together, except st->qmu -> op->cond waits.
 * Spec:   ARCHITECTURE.md §4; specs/kube-api.md §9.2 (kine).
 */
#ifndef DAAS_STORE_STORE_INT_H
#define DAAS_STORE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

enum {
    DAAS_STORE__KEY_MAX = 1024,      /* keys must be shorter than this */
    DAAS_STORE__BATCH_MAX = 512,     /* ops per group commit */
    DAAS_STORE__COMPACT_STEP = 1000, /* revisions per compaction transaction */
};

#define DAAS_STORE__DEF_RING ((size_t)100000)
#define DAAS_STORE__DEF_RING_BYTES ((size_t)32 << 20)
#define DAAS_STORE__DEF_MAX_VALUE (((size_t)3 << 20) + ((size_t)64 << 10))
#define DAAS_STORE__DEF_KEEP ((int64_t)1000)
#define DAAS_STORE__DEF_INTERVAL 300

/* ------------------------------------------------------------------------------------------
 * Backend: the durable log. Rows are only ever appended by the writer thread (commit) and
 * removed by compaction; the backend never mints revisions itself.
 */

/* One row of the log (kine's table). All pointers are borrowed for the duration of the call. */
typedef struct daas_store__row {
    int64_t rev;     /* id = the revision this row records */
    const char *key; /* not NUL-terminated when loading; klen bytes */
    size_t klen;
    bool created;       /* this row creates the key */
    bool deleted;       /* this row is a delete tombstone */
    int64_t create_rev; /* revision that created the key */
    int64_t prev_rev;   /* mod_rev of the key before this row (0 if none) */
    daas_bytes val;     /* the value (empty for tombstones) */
} daas_store__row;

/* Receives the rows of daas_store_backend_ops.load in revision order. */
typedef int (*daas_store__load_fn)(void *arg, const daas_store__row *row, daas_err *err);

typedef struct daas_store_backend_ops {
    const char *name; /* "sqlite", for messages */
    /* Opens (creating if needed) the log at path. */
    int (*open)(const char *path, void **be, daas_err *err);
    /* Closes; accepts NULL. */
    void (*close)(void *be);
    /* Calls fn for every stored row in revision order, then sets *rev to the highest revision
     * ever minted (MAX(id), or the compacted revision if that is higher) and *compacted. */
    int (*load)(void *be, daas_store__load_fn fn, void *arg, int64_t *rev, int64_t *compacted,
                daas_err *err);
    /* Appends n rows (increasing revisions) in ONE durable transaction: all or none.
     * Thread: called by the writer thread only. Errors: DAAS_EIO. */
    int (*commit)(void *be, const daas_store__row *rows, size_t n, daas_err *err);
    /* Deletes superseded rows and tombstones with revision in (from, to] and records to as
     * the compacted revision; may run while commit is called from another thread. */
    int (*compact)(void *be, int64_t from, int64_t to, daas_err *err);
} daas_store_backend_ops;

extern const daas_store_backend_ops daas_store__sqlite_ops;

/* Test seam: runs sql on a SQLite backend handle (e.g. "PRAGMA query_only=1" to make every
 * commit fail with a real SQLite error). Thread: any (takes the backend mutex). */
DAAS_MUST_USE int daas_store__sqlite_exec(void *be, const char *sql, daas_err *err);

/* ------------------------------------------------------------------------------------------
 * Index (index.c): the latest value of every live key; a keyed hash map for get and a
 * two-level sorted array ("chunks" of at most 512 entries) for ordered prefix scans.
 */

/* One live key. Owned by the index; all blobs are owned references. */
typedef struct daas_store__ent {
    daas_blob *key; /* the key bytes (shared with ring events) */
    daas_blob *val; /* latest value */
    daas_blob *obj; /* rendered value for mod_rev, or NULL */
    int64_t mod_rev;
    int64_t create_rev;
    uint64_t hash; /* daas_store__hash of key */
} daas_store__ent;

typedef struct daas_store__chunk {
    daas_store__ent **v; /* sorted by key; capacity DAAS_STORE__CHUNK_MAX */
    size_t n;
} daas_store__chunk;

typedef struct daas_store__index {
    daas_store__ent **map; /* open addressing, linear probing; NULL = free slot */
    size_t mcap;           /* power of two (or 0) */
    daas_store__chunk *ch; /* chunks in key order; all non-empty */
    size_t nch, chcap;
    size_t n;               /* live keys */
    unsigned char hkey[16]; /* SipHash key (random per store: no collision flooding) */
} daas_store__index;

/* Position in key order: chunk c, slot i. The end is (nch-1, n of last) or (0, 0) if empty. */
typedef struct daas_store__pos {
    size_t c, i;
} daas_store__pos;

void daas_store__index_init(daas_store__index *ix);
/* Frees every entry. */
void daas_store__index_fini(daas_store__index *ix);
uint64_t daas_store__hash(const daas_store__index *ix, const char *key, size_t klen);
daas_store__ent *daas_store__index_find(const daas_store__index *ix, const char *key, size_t klen,
                                        uint64_t hash);
/* New entry for key (takes the key reference), not yet in the index; other fields zero. */
daas_store__ent *daas_store__ent_new(daas_blob *key, uint64_t hash);
void daas_store__ent_free(daas_store__ent **e);
/* Adds e (its key must not be present); the index owns it afterwards. */
void daas_store__index_insert(daas_store__index *ix, daas_store__ent *e);
/* Removes e from the index; the caller owns (and usually frees) it afterwards. */
void daas_store__index_remove(daas_store__index *ix, daas_store__ent *e);
/* First position whose key is >= key. */
daas_store__pos daas_store__index_lower(const daas_store__index *ix, const char *key, size_t klen);
/* Entry at pos, or NULL at the end. */
daas_store__ent *daas_store__index_at(const daas_store__index *ix, daas_store__pos pos);
void daas_store__index_next(const daas_store__index *ix, daas_store__pos *pos);
/* Number of keys before pos. O(number of chunks). */
size_t daas_store__index_rank(const daas_store__index *ix, daas_store__pos pos);

/* ------------------------------------------------------------------------------------------
 * Event ring (watch.c): the last events in revision order, compact form; blobs are owned refs.
 */
typedef struct daas_store__ev {
    daas_blob *key;
    daas_blob *val, *obj;   /* kv (DELETE: the last value, obj rendered at the delete) */
    daas_blob *pval, *pobj; /* prev (pval NULL when the PUT created the key) */
    int64_t rev, create_rev;
    int64_t pmod_rev, pcreate_rev;
    int type; /* DAAS_STORE_PUT or DAAS_STORE_DELETE */
} daas_store__ev;

typedef struct daas_store__ring {
    daas_store__ev *v; /* circular, acap slots allocated (grows up to max) */
    size_t acap;
    size_t max;       /* opts.event_ring */
    size_t head;      /* slot of the oldest event */
    size_t n;         /* events held */
    size_t bytes;     /* estimated bytes of superseded versions held by the ring */
    size_t max_bytes; /* opts.event_ring_bytes */
    int64_t floor;    /* events with rev <= floor are not (any more) in the ring */
} daas_store__ring;

void daas_store__ring_init(daas_store__ring *r, size_t max, size_t max_bytes, int64_t floor);
void daas_store__ring_fini(daas_store__ring *r);
/* Appends ev (takes its references), dropping the oldest events beyond max / max_bytes. */
void daas_store__ring_push(daas_store__ring *r, const daas_store__ev *ev);
/* The event of key at revision rev, or NULL when the ring does not hold it. */
const daas_store__ev *daas_store__ring_find(const daas_store__ring *r, int64_t rev, const char *key,
                                            size_t klen);

/* ------------------------------------------------------------------------------------------
 * Writer (writer.c).
 */
enum { DAAS_STORE__OP_CREATE = 1, DAAS_STORE__OP_UPDATE = 2, DAAS_STORE__OP_DELETE = 3 };

/* One queued write; lives on the waiting API thread's stack. */
typedef struct daas_store__op {
    int kind;        /* DAAS_STORE__OP_* */
    const char *key; /* borrowed (the waiter sleeps until done) */
    size_t klen;
    uint64_t hash;
    daas_blob *val;     /* owned ref: new value; DELETE: set by the writer to the
                           deleted value */
    int64_t expect_rev; /* 0 = unconditional */
    /* results, written by the writer before done */
    int rc;
    int64_t rev; /* new revision, or the current mod_rev on ECONFLICT */
    int64_t create_rev;
    int64_t prev_rev;         /* mod_rev before the op (0 if none) */
    daas_blob *obj;           /* owned ref: rendered value for rev, or NULL */
    bool done;                /* st->qmu */
    pthread_cond_t cond;      /* signalled with st->qmu held when done (sync ops) */
    daas_err err;             /* the message when rc is a backend error (etcd), else empty */
    daas_store_done_fn async; /* async ops: called once the op is done, then the op (heap,
                                 owning its key copy) is freed; NULL for sync ops */
    void *async_arg;
    struct daas_store__op *next; /* st->qmu: queue link */
} daas_store__op;

/* Applies one write to the index and the ring and moves st->rev to rev: for a PUT, val (and
 * obj, its rendering, or NULL) become key's value; for a DELETE (key present), val and obj are
 * the last value as the event carries it. Borrows every argument (takes its own references).
 * st->lock held exclusively, by the one thread that mutates memory (writer.c: the writer;
 * etcd_store.c: the watch). */
void daas_store__apply_locked(daas_store *st, const char *key, size_t klen, uint64_t hash, int type,
                              daas_blob *val, daas_blob *obj, int64_t rev, int64_t create_rev);
/* Queues op and sleeps until the writer has handled it (etcd: runs it on this thread);
 * returns op->rc (DAAS_ECLOSED when the store is closing). */
int daas_store__submit(daas_store *st, daas_store__op *op);
/* Reports an async op's result to its callback and frees the op (it owns its key copy). */
void daas_store__finish_async(daas_store__op *op);
/* The writer thread's body (arg: daas_store *). */
void *daas_store__writer_main(void *arg);

/* ------------------------------------------------------------------------------------------
 * The store.
 */
typedef struct daas_store__etcd daas_store__etcd; /* etcd_store.c */

struct daas_store {
    const daas_store_backend_ops *ops; /* immutable */
    daas_store__etcd *etcd;            /* the etcd engine (then be == etcd), or NULL */
    void *be;                          /* backend handle; closed at daas_store_close */
    daas_store_opts opts;              /* immutable, defaults filled in */
    atomic_int refs;                   /* 1 for the open store + 1 per live watch */

    pthread_rwlock_t lock; /* guards idx, ring, rev, closed (writer-preferring) */
    daas_store__index idx;
    daas_store__ring ring;
    int64_t rev;                   /* latest applied revision */
    bool closed;                   /* set by daas_store_close */
    atomic_int_fast64_t compacted; /* written under cmu */

    /* Writer queue. */
    pthread_mutex_t qmu;
    pthread_cond_t qcond;          /* the writer waits here for ops */
    daas_store__op *qhead, *qtail; /* qmu */
    bool stopping;                 /* qmu: no new ops accepted */
    pthread_t writer;
    bool has_writer; /* writer started (joined at close) */

    /* Watchers. */
    pthread_mutex_t wmu;
    pthread_cond_t wcond;          /* broadcast when a watch's busy count drops to 0 */
    daas_store_watcher *watchers;  /* wmu: doubly linked */
    daas_store_watcher **nscratch; /* notify fan-out scratch (writer / close only) */
    size_t nscratch_cap;

    /* Compaction. */
    pthread_mutex_t cmu;  /* one compaction at a time */
    pthread_mutex_t tmu;  /* guards tstop */
    pthread_cond_t tcond; /* CLOCK_MONOTONIC; wakes the compactor to stop */
    bool tstop;
    bool has_compactor;
    pthread_t compactor;

    /* Counters (relaxed atomics). */
    atomic_uint_fast64_t n_writes;  /* successful writes */
    atomic_uint_fast64_t n_ops;     /* ops handled by the writer */
    atomic_uint_fast64_t n_batches; /* committed batches */
    atomic_uint_fast64_t n_failed;  /* failed commits */
};

struct daas_store_watch {
    daas_store *st; /* holds a reference */
    char *prefix;
    size_t plen;
    int64_t cursor;              /* owner thread: last revision scanned */
    bool gone;                   /* owner thread: fell off the ring */
    daas_store_notify_fn notify; /* may be NULL (caller polls) */
    void *arg;
    atomic_bool signaled;            /* notify called since the last watch_next */
    int busy;                        /* wmu: notify calls in flight */
    daas_store_watcher *prev, *next; /* wmu: st->watchers links */
};

/* A new store with opts (defaults filled in), its locks and an empty index; no backend, no
 * threads. Freed by daas_store_close (which accepts it half-opened). */
daas_store *daas_store__new(const daas_store_opts *opts);

/* Starts the periodic compactor when opts.compact_interval_s > 0. */
DAAS_MUST_USE int daas_store__start_compactor(daas_store *st, daas_err *err);

/* The etcd engine's hooks (etcd_store.c). run: performs op on the calling thread (a txn,
 * then waits until the watch applied its revision). queue: hands an async op to the engine's
 * pool (DAAS_ECLOSED when stopping: the op is then the caller's). stop: first step of close:
 * stops the pool and the watch; waits for writes in flight. */
int daas_store__etcd_run(daas_store *st, daas_store__op *op);
DAAS_MUST_USE int daas_store__etcd_queue(daas_store *st, daas_store__op *op);
void daas_store__etcd_stop(daas_store *st);

/* The etcd engine's resourceVersions: etcd revision << DAAS_STORE__ETCD_POS_BITS | the event's
 * position in its revision (etcd_store.c explains why and how loaded keys are numbered). */
#define DAAS_STORE__ETCD_POS_BITS 10
static inline int64_t daas_store__etcd_rv(int64_t rev, int64_t pos)
{
    return (int64_t)((uint64_t)rev << DAAS_STORE__ETCD_POS_BITS) | pos;
}
static inline int64_t daas_store__etcd_rev(int64_t rv)
{
    return rv >> DAAS_STORE__ETCD_POS_BITS;
}

/* Test seam: restarts the etcd engine's watch from revision from (e.g. one etcd already
 * compacted, to drive the re-list). Not while a re-list may run. */
DAAS_MUST_USE int daas_store__etcd_rewatch(daas_store *st, int64_t from, daas_err *err);

/* Opens a store over the given backend (tests pass wrapping ops to inject faults). */
DAAS_MUST_USE int daas_store__open(const daas_store_backend_ops *ops, const char *path,
                                   const daas_store_opts *opts, daas_store **out, daas_err *err);

/* Drops a reference; the last one frees the store's memory. */
void daas_store__unref(daas_store *st);

/* Calls notify on watchers whose prefix matches one of keys (all: every watcher), at most
 * once until they call watch_next. Called without locks; takes st->wmu only to pick the
 * watchers, not around the callbacks. */
void daas_store__notify(daas_store *st, const char *const *keys, const size_t *klens, size_t nkeys,
                        bool all);

/* Checks a key: non-empty and shorter than DAAS_STORE__KEY_MAX. */
DAAS_MUST_USE int daas_store__check_key(const char *key, size_t *klen, daas_err *err);

#endif
