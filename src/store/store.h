/*
 * store.h: the key-value store every piece of cluster state goes through.
 *
 * Owns:   the public store interface, shaped like etcd v3 / kine: get, list(prefix, start, limit),
 *         create, update(expected revision), delete(expected revision), watch(prefix, from
 *         revision), compact. Revisions are global, monotonic and never reused.
 * Not:    JSON or Kubernetes semantics (api/, kube/); the store sees opaque byte values.
 * Model:  a backend (SQLite now, etcd later: store_int.h ops table) holds the durable log; an
 *         in-memory cache above it holds the latest value of every key plus a ring of recent
 *         events, serves get/list/watch from memory and fans events out to watchers.
 * Invariants:
 *   - a write returns DAAS_OK only after it is durable (SQLite: committed with fsync);
 *   - after a write returns, get/list on this store see it (read-your-writes);
 *   - a watcher sees every event with revision > from_rev exactly once, in revision order,
 *     or gets DAAS_EGONE (then it must re-list);
 *   - all functions are thread-safe.
 * Spec:   ARCHITECTURE.md §4; specs/kube-api.md §9.
 */
#ifndef DAAS_STORE_STORE_H
#define DAAS_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"

typedef struct daas_store daas_store;
/* The watch handle. (Its typedef is not "daas_store_watch": that name is the function.) */
typedef struct daas_store_watch daas_store_watcher;

/* One key at one revision. Every pointer is owned by the daas_kv (release with daas_kv_fini). */
typedef struct daas_kv {
    char *key;          /* e.g. "/registry/pods/default/web" */
    daas_blob *val;     /* the value as written (NULL only in a zeroed kv) */
    daas_blob *obj;     /* the value rendered by opts.render for this revision, or NULL */
    int64_t mod_rev;    /* revision of the write that produced this value (for a delete
                           event: the revision of the delete) */
    int64_t create_rev; /* revision that created the key */
} daas_kv;

void daas_kv_fini(daas_kv *kv);
/* Deep copy (refs the blobs). */
void daas_kv_copy(daas_kv *dst, const daas_kv *src);

enum { DAAS_STORE_PUT = 1, DAAS_STORE_DELETE = 2 };

typedef struct daas_store_event {
    int type;     /* DAAS_STORE_PUT or DAAS_STORE_DELETE */
    daas_kv kv;   /* PUT: the new value. DELETE: the last value, with mod_rev = delete's rev */
    daas_kv prev; /* the value before this event (key NULL when the PUT created the key) */
} daas_store_event;

void daas_store_event_fini(daas_store_event *ev);

typedef struct daas_kv_list {
    daas_kv *items; /* owned; n entries in key order */
    size_t n;
    int64_t rev;      /* store revision the list was read at */
    bool more;        /* more keys match after the last item */
    size_t remaining; /* when more: how many keys match after the last item */
} daas_kv_list;

void daas_kv_list_fini(daas_kv_list *l);

/* Renders a value for serving (the API sets metadata.resourceVersion in the JSON). Called once
 * per new revision of a key, from whichever thread applies the write; must be thread-safe and
 * must not call back into the store. Returns a new reference, or NULL to keep obj NULL. */
typedef daas_blob *(*daas_store_render_fn)(void *arg, const char *key, const daas_blob *val,
                                           int64_t mod_rev, int64_t create_rev);

typedef struct daas_store_opts {
    daas_store_render_fn render; /* may be NULL */
    void *render_arg;
    size_t event_ring;       /* events kept in memory for watch resumption (default 100000) */
    size_t max_value;        /* largest value accepted (default 3 MiB + 64 KiB) */
    int64_t compact_keep;    /* revisions always kept by auto-compaction (default 1000) */
    int compact_interval_s;  /* seconds between auto-compactions; 0 disables (default 300) */
    size_t event_ring_bytes; /* bytes of superseded values the ring may keep alive (beyond the
                                live state): older events are dropped past it (0 = 32 MiB) */
} daas_store_opts;

/* Opens (creating if needed) the SQLite store at path (a file; WAL files beside it), loads the
 * latest state into memory. opts may be NULL for defaults. */
DAAS_MUST_USE int daas_store_open_sqlite(const char *path, const daas_store_opts *opts,
                                         daas_store **out, daas_err *err);

struct daas_store_etcd_opts; /* store/etcd.h */

/* Opens a store on an etcd v3 cluster (eo: endpoints, TLS files; store/etcd.h): reads every
 * key at one revision into memory, then follows etcd's watch. etcd mints the revisions; a
 * write returns once etcd committed it AND this store's watch applied it (read-your-writes),
 * so several stores (servers) can share one cluster. opts as for SQLite (event_ring...). */
DAAS_MUST_USE int daas_store_open_etcd(const struct daas_store_etcd_opts *eo,
                                       const daas_store_opts *opts, daas_store **out,
                                       daas_err *err);

/* Stops background threads, waits for pending writes, closes. Accepts NULL; nulls *st. */
void daas_store_close(daas_store **st);

/* Current (latest committed) revision; 0 for an empty store. */
int64_t daas_store_revision(daas_store *st);
/* Revision below which history is gone (watch/list from earlier gives DAAS_EGONE). */
int64_t daas_store_compacted(daas_store *st);

/* Latest value of key. Errors: DAAS_ENOTFOUND. */
DAAS_MUST_USE int daas_store_get(daas_store *st, const char *key, daas_kv *out, daas_err *err);

/* Keys with the given prefix and key >= start (start NULL or "" = from the first), in key
 * order, at most limit (0 = no limit), read at the latest revision. */
DAAS_MUST_USE int daas_store_list(daas_store *st, const char *prefix, const char *start,
                                  size_t limit, daas_kv_list *out, daas_err *err);

/* Creates key. *rev_out (may be NULL) gets the new revision. Errors: DAAS_EEXIST,
 * DAAS_ETOOBIG, DAAS_EIO. Borrows key and val. */
DAAS_MUST_USE int daas_store_create(daas_store *st, const char *key, daas_bytes val,
                                    int64_t *rev_out, daas_err *err);

/* Replaces key's value if its mod_rev equals expect_rev (0 = unconditional). Errors:
 * DAAS_ENOTFOUND, DAAS_ECONFLICT (*rev_out then holds the current mod_rev), DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_store_update(daas_store *st, const char *key, daas_bytes val,
                                    int64_t expect_rev, int64_t *rev_out, daas_err *err);

/* Completion of an asynchronous write: called exactly once, on the store's writer thread,
 * after the write is durable (or failed), with its result: rc as daas_store_create would
 * return, rev the new revision on DAAS_OK, err the message on failure. Must be quick and must
 * not call into the store (post the work to your own thread instead). */
typedef void (*daas_store_done_fn)(void *arg, int rc, int64_t rev, const daas_err *err);

/* daas_store_create without waiting: queues the write and returns DAAS_OK, then done runs when
 * it is durable; the caller's thread stays free for other work meanwhile. On an error here
 * (bad key, too big, store closed) done is NOT called. Borrows key and val (copies them). */
DAAS_MUST_USE int daas_store_create_async(daas_store *st, const char *key, daas_bytes val,
                                          daas_store_done_fn done, void *arg, daas_err *err);

/* Deletes key if its mod_rev equals expect_rev (0 = unconditional). prev_out (may be NULL)
 * gets the deleted value as the DELETE event carries it: mod_rev = the delete's revision and
 * obj rendered for that revision. Errors: DAAS_ENOTFOUND, DAAS_ECONFLICT. */
DAAS_MUST_USE int daas_store_delete(daas_store *st, const char *key, int64_t expect_rev,
                                    daas_kv *prev_out, int64_t *rev_out, daas_err *err);

/* Called (from a store thread, without store locks held) when events past the watcher's
 * position may be available; the watcher then calls daas_store_watch_next from its own
 * thread. Must be cheap and must not call into the store. */
typedef void (*daas_store_notify_fn)(void *arg);

/* Starts a watch on keys with prefix, delivering every event with revision > from_rev.
 * from_rev below daas_store_compacted() (and not 0) gives DAAS_EGONE, and so does a from_rev
 * older than the in-memory event ring (which starts empty at open: watches from before the
 * open revision must re-list). from_rev 0 means "from now". Events already pending at
 * creation are not signalled: call daas_store_watch_next once after creating the watch;
 * notify may run (with arg) before this function returns. */
DAAS_MUST_USE int daas_store_watch(daas_store *st, const char *prefix, int64_t from_rev,
                                   daas_store_notify_fn notify, void *arg, daas_store_watcher **out,
                                   daas_err *err);

/* Moves up to max pending events into evs (caller fini's each); *n gets the count (0 when
 * none is pending); call again while *n == max. One thread at a time per watch. Errors:
 * DAAS_EGONE when the watcher fell behind the event ring (the watch is then dead),
 * DAAS_ECLOSED after the store closed. */
DAAS_MUST_USE int daas_store_watch_next(daas_store_watcher *w, daas_store_event *evs, size_t max,
                                        size_t *n, daas_err *err);

/* Revision up to which this watcher has been given events (for bookmarks). */
int64_t daas_store_watch_rev(daas_store_watcher *w);

/* Stops and frees a watch. Accepts NULL; nulls *w. Safe while notify may be running. */
void daas_store_watch_cancel(daas_store_watcher **w);

/* Counters for tests and metrics. */
typedef struct daas_store_stats {
    uint64_t writes;    /* successful writes since open */
    uint64_t ops;       /* write ops handled (including failed preconditions) */
    uint64_t batches;   /* group commits (one transaction + fsync each) */
    uint64_t failed;    /* commits that failed (their writes got DAAS_EIO) */
    size_t keys;        /* live keys */
    size_t ring_events; /* events held for watchers */
    size_t ring_bytes;  /* estimated bytes held only by the event ring */
    int64_t ring_floor; /* watches must start at or after this revision */
} daas_store_stats;

void daas_store_read_stats(daas_store *st, daas_store_stats *out);

/* Drops history up to and including rev (superseded versions and tombstones). Later watches
 * or lists from rev or earlier give DAAS_EGONE. rev at or below the compacted revision is a
 * no-op; rev above the current revision gives DAAS_EINVAL. */
DAAS_MUST_USE int daas_store_compact(daas_store *st, int64_t rev, daas_err *err);

#endif
