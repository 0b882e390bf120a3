/*
 * etcd.h: a client of etcd v3 through its JSON gateway (/v3/kv/..., /v3/watch, /v3/lease/...),
 *         the piece the etcd store backend sits on.
 *
 * Owns:   daas_store_etcd (endpoints, TLS files, timeout; a pool of idle libcurl easy handles
 *         whose connections stay open between calls), range/put/txn helpers, compaction,
 *         leases, status (etcd.c), streaming watches (etcd_watch.c), the parsers of every
 *         gateway reply (etcd_parse.c; untrusted bytes: JSON, base64, int64 rendered as
 *         decimal strings) and the splitting of a stream into lines.
 * Not:    the store's ops table, revisions of daas's own, retries beyond endpoint failover.
 * Invariants:
 *   - failover: a call that could not connect (refused, unresolved, TLS handshake) moves the
 *     client to the next endpoint and is retried there, at most once per endpoint; a read
 *     (range, status, keepalive, compaction) is also retried after a cut connection, a timeout
 *     or a 503 (no leader); a write then is NOT retried (it may have been applied: the caller
 *     gets DAAS_EUNAVAIL / DAAS_ETIMEOUT and re-reads), but the client moves on all the same;
 *   - a reply from etcd saying "required revision has been compacted" is DAAS_EGONE, "not
 *     found" (code 5) DAAS_ENOTFOUND, "unavailable" (code 14) DAAS_EUNAVAIL, any other etcd
 *     error DAAS_EREMOTE; a reply that does not parse is DAAS_EREMOTE (parsers: DAAS_EINVAL);
 *   - keys and values are binary: every one is (pointer, length) and owned copies are
 *     NUL-terminated for convenience (the NUL is not counted);
 *   - a client is safe to use from several threads at once: a call takes a curl handle from
 *     the client's pool (or makes one), uses it alone and gives it back (up to 64 idle), so
 *     sequential calls reuse their TCP and TLS connection; a handle whose transfer failed is
 *     dropped with its connections.
 * Spec:   etcd API v3 (etcdserverpb rpc.proto, grpc-gateway JSON); ARCHITECTURE.md §4.
 */
#ifndef DAAS_STORE_ETCD_H
#define DAAS_STORE_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

typedef struct daas_store_etcd daas_store_etcd;
typedef struct daas_store_etcd_watch daas_store_etcd_watch;

typedef struct daas_store_etcd_opts {
    const char *endpoints; /* "http://h:2379,https://h2:2379": one or more, comma-separated */
    const char *ca_file;   /* PEM CA bundle for https endpoints, or NULL (system default) */
    const char *cert_file; /* PEM client certificate, or NULL */
    const char *key_file;  /* PEM client key, or NULL */
    long timeout_ms;       /* per call (not per watch stream); <= 0 means 5000 */
} daas_store_etcd_opts;

/* One key-value as etcd reports it. Owned: release with daas_store_etcd_kv_fini. */
typedef struct daas_store_etcd_kv {
    char *key;               /* NUL-terminated copy; key_len bytes */
    size_t key_len;          /* length of key */
    char *value;             /* NUL-terminated copy (empty when keys_only or a DELETE) */
    size_t value_len;        /* length of value */
    int64_t create_revision; /* revision of the create (0: absent) */
    int64_t mod_revision;    /* revision of the last change */
    int64_t version;         /* number of changes since the create */
    int64_t lease;           /* lease id attached, 0 for none */
} daas_store_etcd_kv;

/* The result of a range (and of a paged listing). Release with daas_store_etcd_range_fini. */
typedef struct daas_store_etcd_range_res {
    int64_t revision;        /* header revision the range was served at */
    daas_store_etcd_kv *kvs; /* nkvs entries, in key order */
    size_t nkvs;             /* number of kvs */
    bool more;               /* etcd has more keys past the limit */
    int64_t count;           /* total number of keys in the range */
} daas_store_etcd_range_res;

/* The result of a conditional write. Release with daas_store_etcd_txn_fini. */
typedef struct daas_store_etcd_txn_res {
    bool succeeded;        /* the compare held and the write happened */
    int64_t revision;      /* header revision after the txn */
    bool has_kv;           /* on failure: the key exists and kv holds its current state */
    daas_store_etcd_kv kv; /* valid when has_kv */
} daas_store_etcd_txn_res;

typedef struct daas_store_etcd_status {
    uint64_t member_id; /* the answering member */
    uint64_t leader;    /* the member the answering one believes is leader (0: none) */
    int64_t revision;   /* header revision */
    int64_t raft_term;  /* raft term */
} daas_store_etcd_status;

enum { DAAS_STORE_ETCD_PUT = 0, DAAS_STORE_ETCD_DELETE = 1 };

typedef struct daas_store_etcd_event {
    int type;                   /* DAAS_STORE_ETCD_PUT or _DELETE */
    daas_store_etcd_kv kv;      /* the key after the change (a DELETE has key + mod_revision) */
    bool last_in_rev;           /* watch: no later event of this revision follows (etcd never
                                   splits a revision's events across messages) */
    bool has_prev;              /* prev_kv present (asked for and known) */
    daas_store_etcd_kv prev_kv; /* valid when has_prev */
} daas_store_etcd_event;

/* Called on the watch's own thread: for each event in revision order (status DAAS_OK, ev set,
 * borrowed for the call), or once at the end with status DAAS_EGONE (the start revision was
 * compacted; ev NULL; re-list and watch again). Not called after daas_store_etcd_watch_stop
 * returns. */
typedef void (*daas_store_etcd_watch_cb)(void *ud, const daas_store_etcd_event *ev, int status);

/* Creates a client (blanks around the commas are ignored). DAAS_EINVAL for no endpoint or one
 * not http(s)://. Does not connect. */
DAAS_MUST_USE int daas_store_etcd_new(const daas_store_etcd_opts *o, daas_store_etcd **out,
                                      daas_err *err);
/* Frees *c (NULL accepted) and nulls it. No watch of c may still run. */
void daas_store_etcd_free(daas_store_etcd **c);

void daas_store_etcd_kv_fini(daas_store_etcd_kv *kv);
void daas_store_etcd_range_fini(daas_store_etcd_range_res *r);
void daas_store_etcd_txn_fini(daas_store_etcd_txn_res *r);

/* The end of the range of all keys starting with prefix (etcd's prefix end: the prefix with
 * its last byte below 0xff incremented and the rest cut; "\0" (length 1) when there is none,
 * meaning "every key"). Fills out (reset first). */
DAAS_MUST_USE int daas_store_etcd_prefix_end(const void *prefix, size_t len, daas_buf *out);

/* Range [key, end) (end NULL: key alone) at revision (0: latest), at most limit keys (0: no
 * limit). *res is filled (caller finis it) on DAAS_OK only. DAAS_EGONE when revision was
 * compacted. */
DAAS_MUST_USE int daas_store_etcd_range(daas_store_etcd *c, daas_bytes key, daas_bytes end,
                                        int64_t limit, int64_t revision, bool keys_only,
                                        daas_store_etcd_range_res *res, daas_err *err);
/* Every key under prefix, page keys at a time (following `more` from the last key + "\0"),
 * all pages served at the first page's revision (or at revision when not 0). */
DAAS_MUST_USE int daas_store_etcd_list_prefix(daas_store_etcd *c, daas_bytes prefix, int64_t page,
                                              int64_t revision, bool keys_only,
                                              daas_store_etcd_range_res *res, daas_err *err);
/* Unconditional put; *rev (may be NULL) gets the header revision. lease 0: none. */
DAAS_MUST_USE int daas_store_etcd_put(daas_store_etcd *c, daas_bytes key, daas_bytes value,
                                      int64_t lease, int64_t *rev, daas_err *err);
/* Creates key when absent (compare create_revision == 0). On a failed compare res->succeeded is
 * false and res->kv is the current kv. DAAS_OK in both cases. */
DAAS_MUST_USE int daas_store_etcd_create(daas_store_etcd *c, daas_bytes key, daas_bytes value,
                                         int64_t lease, daas_store_etcd_txn_res *res,
                                         daas_err *err);
/* Creates n distinct keys (no lease) in ONE txn: if every key is absent, puts every value, all
 * at one revision (res->revision) and in this order, which is the order their watch events
 * come in; else writes nothing (res->succeeded false, res->has_kv false: the caller finds out
 * which key exists). etcd refuses a txn naming a key twice (and, by default, over 128 ops). */
DAAS_MUST_USE int daas_store_etcd_create_many(daas_store_etcd *c, const daas_bytes *keys,
                                              const daas_bytes *values, size_t n,
                                              daas_store_etcd_txn_res *res, daas_err *err);
/* Puts value when key's mod_revision == mod_rev; else as daas_store_etcd_create's failure. */
DAAS_MUST_USE int daas_store_etcd_update_if(daas_store_etcd *c, daas_bytes key, daas_bytes value,
                                            int64_t mod_rev, int64_t lease,
                                            daas_store_etcd_txn_res *res, daas_err *err);
/* Puts value (no lease) when key's version (its number of changes since the create) ==
 * version, 0 meaning the key is absent; else as daas_store_etcd_create's failure. This is how
 * kube-apiserver's compactor claims "compact_rev_key". */
DAAS_MUST_USE int daas_store_etcd_put_if_version(daas_store_etcd *c, daas_bytes key,
                                                 daas_bytes value, int64_t version,
                                                 daas_store_etcd_txn_res *res, daas_err *err);
/* Deletes key when its mod_revision == mod_rev; else as daas_store_etcd_create's failure. */
DAAS_MUST_USE int daas_store_etcd_delete_if(daas_store_etcd *c, daas_bytes key, int64_t mod_rev,
                                            daas_store_etcd_txn_res *res, daas_err *err);
/* Compacts history up to revision (physical: waits for the compaction). */
DAAS_MUST_USE int daas_store_etcd_compact(daas_store_etcd *c, int64_t revision, daas_err *err);
/* Grants a lease of ttl_sec seconds; *id gets its id. */
DAAS_MUST_USE int daas_store_etcd_lease_grant(daas_store_etcd *c, int64_t ttl_sec, int64_t *id,
                                              daas_err *err);
/* Renews lease id once; *ttl (may be NULL) gets the new TTL. DAAS_ENOTFOUND when expired. */
DAAS_MUST_USE int daas_store_etcd_lease_keepalive(daas_store_etcd *c, int64_t id, int64_t *ttl,
                                                  daas_err *err);
/* Revokes lease id (its keys are deleted). DAAS_ENOTFOUND when unknown. */
DAAS_MUST_USE int daas_store_etcd_lease_revoke(daas_store_etcd *c, int64_t id, daas_err *err);
/* Status of endpoint number idx of the client's list (no failover). DAAS_EINVAL for a bad idx. */
DAAS_MUST_USE int daas_store_etcd_status_of(daas_store_etcd *c, size_t idx,
                                            daas_store_etcd_status *st, daas_err *err);

/* Starts a watch of [key, end) (end NULL: key alone) from start_rev (0: now) on its own
 * thread, delivering every event to cb. A cut stream is reopened (on the next endpoint) from
 * the last delivered revision + 1, so no event is lost or repeated. */
DAAS_MUST_USE int daas_store_etcd_watch_start(daas_store_etcd *c, daas_bytes key, daas_bytes end,
                                              int64_t start_rev, bool prev_kv,
                                              daas_store_etcd_watch_cb cb, void *ud,
                                              daas_store_etcd_watch **out, daas_err *err);
/* Stops the watch, joins its thread, frees *w (NULL accepted) and nulls it. Not from the
 * watch's own callback (it would join itself). */
void daas_store_etcd_watch_stop(daas_store_etcd_watch **w);

/* ---- module-private (etcd.c, etcd_parse.c, etcd_watch.c, snapshot_etcd.c, tests, fuzz). */

/* The largest reply body (and base64-decoded key or value) a call accepts. */
#define DAAS_STORE_ETCD_REPLY_MAX ((size_t)256 << 20)

/* ---- reply parsers (etcd_parse.c).
 * Each takes untrusted bytes and returns DAAS_OK, DAAS_EINVAL (malformed, with a message) or
 * the error an etcd error body maps to (see Invariants). Outputs are filled on DAAS_OK only. */
DAAS_MUST_USE int daas_store_etcd__parse_range(const char *p, size_t n,
                                               daas_store_etcd_range_res *res, daas_err *err);
DAAS_MUST_USE int daas_store_etcd__parse_txn(const char *p, size_t n, daas_store_etcd_txn_res *res,
                                             daas_err *err);
/* put/deleterange/compaction/revoke replies: only the header revision (*rev may be NULL). */
DAAS_MUST_USE int daas_store_etcd__parse_header(const char *p, size_t n, int64_t *rev,
                                                daas_err *err);
/* lease/grant and lease/keepalive replies (keepalive nests them under "result"). */
DAAS_MUST_USE int daas_store_etcd__parse_lease(const char *p, size_t n, int64_t *id, int64_t *ttl,
                                               daas_err *err);
DAAS_MUST_USE int daas_store_etcd__parse_status(const char *p, size_t n, daas_store_etcd_status *st,
                                                daas_err *err);

/* One message of a watch stream. Release with daas_store_etcd__watch_msg_fini. */
typedef struct daas_store_etcd__watch_msg {
    int64_t revision;           /* header revision */
    bool created;               /* the watch was created */
    bool canceled;              /* the watch was canceled by the server */
    int64_t compact_revision;   /* > 0: the start revision was compacted */
    daas_store_etcd_event *evs; /* nevs events */
    size_t nevs;                /* number of events */
} daas_store_etcd__watch_msg;

DAAS_MUST_USE int daas_store_etcd__parse_watch(const char *p, size_t n,
                                               daas_store_etcd__watch_msg *m, daas_err *err);
void daas_store_etcd__watch_msg_fini(daas_store_etcd__watch_msg *m);
/* The fast path of daas_store_etcd__parse_watch (etcd_scan.c): true with *m filled exactly as
 * that parser would fill it, or false (nothing allocated) for anything outside the common
 * shape, errors included: then call daas_store_etcd__parse_watch. */
bool daas_store_etcd__scan_watch(const char *p, size_t n, daas_store_etcd__watch_msg *m);

/* What daas_store_etcd__lines calls for each line: DAAS_OK to go on, anything else to stop
 * (that value is returned). line is not NUL-terminated and excludes the '\n'. */
typedef int (*daas_store_etcd__line_fn)(void *ud, const char *line, size_t n);

/* Splits the newline-delimited JSON a gateway stream sends (watch, snapshot): calls fn for
 * each complete line of b in order, skipping blank ones (only ' ', '\t', '\r'); at_end also
 * passes the unterminated tail (the stream is over). Then removes what was handed out from b,
 * keeping the partial tail for the next chunk. Stops at the first line fn refuses (that line
 * is removed too) and returns fn's value; DAAS_OK otherwise. */
DAAS_MUST_USE int daas_store_etcd__lines(daas_buf *b, bool at_end, daas_store_etcd__line_fn fn,
                                         void *ud);

/* Shared with etcd_watch.c: endpoint count, the current endpoint index, its URL, moving to the
 * next one, and applying the TLS options of c to a curl easy handle (void * keeps curl out). */
size_t daas_store_etcd__nendpoints(const daas_store_etcd *c);
size_t daas_store_etcd__current(const daas_store_etcd *c);
const char *daas_store_etcd__endpoint(const daas_store_etcd *c, size_t idx);
void daas_store_etcd__advance(daas_store_etcd *c, size_t from);
DAAS_MUST_USE int daas_store_etcd__tls(const daas_store_etcd *c, void *curl);

#endif
