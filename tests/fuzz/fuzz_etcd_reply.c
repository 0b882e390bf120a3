/*
 * fuzz_etcd_reply.c: every parser of etcd JSON-gateway replies (range, txn, header-only,
 *                    lease, status, watch message) fed the same arbitrary bytes.
 *
 * Owns:   nothing across runs; every result is checked and freed.
 * Checks: no crash, leak or UB; a failure is one of the documented codes with a message; a
 *         success has consistent outputs (NUL-terminated keys and values of the stated length,
 *         txn kv only on failure, event types in range); the watch message's fast path
 *         (etcd_scan.c) accepts nothing the jansson parser refuses and fills the same.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "store/etcd.h"

static void check_rc(int rc, const daas_err *err)
{
    if (rc == DAAS_OK)
        return;
    if (rc != DAAS_EINVAL && rc != DAAS_EGONE && rc != DAAS_ENOTFOUND && rc != DAAS_EUNAVAIL &&
        rc != DAAS_EREMOTE)
        abort();
    if (err->code != rc || err->msg[0] == '\0')
        abort();
}

static void check_kv(const daas_store_etcd_kv *kv)
{
    if (kv->key == NULL || kv->value == NULL || kv->key[kv->key_len] != '\0' ||
        kv->value[kv->value_len] != '\0')
        abort();
}

static void range(const char *p, size_t n)
{
    daas_store_etcd_range_res r;
    daas_err err = {0};
    int rc = daas_store_etcd__parse_range(p, n, &r, &err);
    check_rc(rc, &err);
    if (rc != DAAS_OK)
        return;
    for (size_t i = 0; i < r.nkvs; i++)
        check_kv(&r.kvs[i]);
    daas_store_etcd_range_fini(&r);
}

static void txn(const char *p, size_t n)
{
    daas_store_etcd_txn_res t;
    daas_err err = {0};
    int rc = daas_store_etcd__parse_txn(p, n, &t, &err);
    check_rc(rc, &err);
    if (rc != DAAS_OK)
        return;
    if (t.has_kv && t.succeeded)
        abort();
    if (t.has_kv)
        check_kv(&t.kv);
    daas_store_etcd_txn_fini(&t);
}

static bool same_kv(const daas_store_etcd_kv *a, const daas_store_etcd_kv *b)
{
    return a->key_len == b->key_len && a->value_len == b->value_len &&
           memcmp(a->key, b->key, a->key_len) == 0 &&
           memcmp(a->value, b->value, a->value_len) == 0 &&
           a->create_revision == b->create_revision && a->mod_revision == b->mod_revision &&
           a->version == b->version && a->lease == b->lease;
}

/* The fast path accepts only what the jansson parser accepts, and fills the same. */
static void same_watch(const char *p, size_t n, int rc, const daas_store_etcd__watch_msg *m)
{
    daas_store_etcd__watch_msg f;
    if (!daas_store_etcd__scan_watch(p, n, &f))
        return;
    if (rc != DAAS_OK || f.revision != m->revision || f.created != m->created ||
        f.canceled != m->canceled || f.compact_revision != m->compact_revision || f.nevs != m->nevs)
        abort();
    for (size_t i = 0; i < f.nevs; i++) {
        const daas_store_etcd_event *a = &f.evs[i], *b = &m->evs[i];
        check_kv(&a->kv);
        if (a->type != b->type || a->has_prev != b->has_prev || !same_kv(&a->kv, &b->kv) ||
            (a->has_prev && !same_kv(&a->prev_kv, &b->prev_kv)))
            abort();
    }
    daas_store_etcd__watch_msg_fini(&f);
}

static void watch(const char *p, size_t n)
{
    daas_store_etcd__watch_msg m;
    daas_err err = {0};
    int rc = daas_store_etcd__parse_watch(p, n, &m, &err);
    check_rc(rc, &err);
    same_watch(p, n, rc, &m);
    if (rc != DAAS_OK)
        return;
    for (size_t i = 0; i < m.nevs; i++) {
        if (m.evs[i].type != DAAS_STORE_ETCD_PUT && m.evs[i].type != DAAS_STORE_ETCD_DELETE)
            abort();
        check_kv(&m.evs[i].kv);
        if (m.evs[i].has_prev)
            check_kv(&m.evs[i].prev_kv);
    }
    daas_store_etcd__watch_msg_fini(&m);
}

static void small(const char *p, size_t n)
{
    daas_err err = {0};
    int64_t rev, id, ttl;
    daas_store_etcd_status st;
    check_rc(daas_store_etcd__parse_header(p, n, &rev, &err), &err);
    daas_err_clear(&err);
    int rc = daas_store_etcd__parse_lease(p, n, &id, &ttl, &err);
    check_rc(rc, &err);
    if (rc == DAAS_OK && id == 0)
        abort();
    daas_err_clear(&err);
    check_rc(daas_store_etcd__parse_status(p, n, &st, &err), &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    range(p, size);
    txn(p, size);
    watch(p, size);
    small(p, size);
    return 0;
}
