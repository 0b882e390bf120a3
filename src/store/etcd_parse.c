/*
 * etcd_parse.c: the parsers of etcd v3 JSON-gateway replies (range, txn, header-only, lease,
 *               status, one watch-stream message), the releases of what they fill, and the
 *               splitting of a gateway stream into its newline-delimited messages.
 *
 * Owns:   nothing across calls; every output is owned by the caller once filled.
 * Not:    talking to etcd (etcd.c, etcd_watch.c).
 * Invariants:
 *   - the bytes are untrusted: sizes are checked, base64 is decoded strictly, int64 fields
 *     accept a JSON integer or a decimal string only, duplicate keys are refused;
 *   - an output is filled on DAAS_OK only; on failure nothing stays allocated.
 * Spec:   etcd API v3 rpc.proto rendered by grpc-gateway (int64 as strings, bytes as base64,
 *         default values omitted: a missing field is 0 / false / empty).
 */
#include "store/etcd.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define REPLY_MAX DAAS_STORE_ETCD_REPLY_MAX

/* ---- helpers over JSON ---- */

static int bad(daas_err *err, const char *what)
{
    return daas_fail(err, DAAS_EINVAL, "etcd: malformed reply: %s", what);
}

/* An int64 field: missing → 0; a JSON integer or a string of decimal digits (optional '-'). */
static int get_i64(const json_t *o, const char *name, int64_t *out, daas_err *err)
{
    const json_t *v = json_object_get(o, name);
    *out = 0;
    if (v == NULL)
        return DAAS_OK;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return DAAS_OK;
    }
    const char *s = json_string_value(v);
    if (s == NULL || s[0] == '\0' || strlen(s) > 20)
        return bad(err, name);
    const char *d = s[0] == '-' ? s + 1 : s;
    if (*d == '\0' || strspn(d, "0123456789") != strlen(d))
        return bad(err, name);
    errno = 0;
    long long x = strtoll(s, NULL, 10);
    if (errno != 0)
        return bad(err, name);
    *out = x;
    return DAAS_OK;
}

static int get_bool(const json_t *o, const char *name, bool *out, daas_err *err)
{
    const json_t *v = json_object_get(o, name);
    *out = false;
    if (v == NULL)
        return DAAS_OK;
    if (!json_is_boolean(v))
        return bad(err, name);
    *out = json_is_true(v);
    return DAAS_OK;
}

/* A base64 bytes field into an owned NUL-terminated copy (missing → empty). */
static int get_bytes(const json_t *o, const char *name, char **p, size_t *n, daas_err *err)
{
    const json_t *v = json_object_get(o, name);
    daas_buf b;
    daas_buf_init(&b, REPLY_MAX);
    if (v != NULL) {
        if (!json_is_string(v) ||
            daas_base64_decode(json_string_value(v), json_string_length(v), &b) != DAAS_OK) {
            daas_buf_fini(&b);
            return bad(err, name);
        }
    }
    if (b.data == NULL && daas_buf_append(&b, "", 0) != DAAS_OK) {
        daas_buf_fini(&b);
        return bad(err, name);
    }
    *p = daas_buf_steal(&b, n);
    return DAAS_OK;
}

void daas_store_etcd_kv_fini(daas_store_etcd_kv *kv)
{
    if (kv == NULL)
        return;
    daas_free(kv->key);
    daas_free(kv->value);
    memset(kv, 0, sizeof *kv);
}

static int parse_kv(const json_t *o, daas_store_etcd_kv *kv, daas_err *err)
{
    memset(kv, 0, sizeof *kv);
    if (!json_is_object(o))
        return bad(err, "kv is not an object");
    int rc = get_bytes(o, "key", &kv->key, &kv->key_len, err);
    if (rc == DAAS_OK)
        rc = get_bytes(o, "value", &kv->value, &kv->value_len, err);
    if (rc == DAAS_OK)
        rc = get_i64(o, "create_revision", &kv->create_revision, err);
    if (rc == DAAS_OK)
        rc = get_i64(o, "mod_revision", &kv->mod_revision, err);
    if (rc == DAAS_OK)
        rc = get_i64(o, "version", &kv->version, err);
    if (rc == DAAS_OK)
        rc = get_i64(o, "lease", &kv->lease, err);
    if (rc != DAAS_OK)
        daas_store_etcd_kv_fini(kv);
    return rc;
}

/* Maps an etcd error body to a daas code: unary calls answer {"error": "text", "code": N};
 * a stream's error is {"error": {"grpc_code": N, "message": "text", ...}}. */
static int etcd_error(const json_t *root, daas_err *err)
{
    const json_t *e = json_object_get(root, "error");
    const json_t *from = json_is_object(e) ? e : root;
    const char *msg = json_string_value(e);
    if (msg == NULL)
        msg = json_string_value(json_object_get(from, "message"));
    if (msg == NULL)
        msg = "(no message)";
    json_int_t code =
        json_integer_value(json_object_get(from, json_is_object(e) ? "grpc_code" : "code"));
    int rc = DAAS_EREMOTE;
    if (strstr(msg, "compacted") != NULL)
        rc = DAAS_EGONE;
    else if (code == 5)
        rc = DAAS_ENOTFOUND;
    else if (code == 14 || code == 4)
        rc = DAAS_EUNAVAIL;
    return daas_fail(err, rc, "etcd: %.180s", msg);
}

/* Parses p as one JSON object; an etcd error body becomes its code. */
static int load(const char *p, size_t n, json_t **out, daas_err *err)
{
    json_error_t je;
    *out = NULL;
    json_t *root = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return daas_fail(err, DAAS_EINVAL, "etcd: malformed reply: %.120s", je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return bad(err, "not an object");
    }
    if (json_object_get(root, "error") != NULL || json_object_get(root, "code") != NULL) {
        int rc = etcd_error(root, err);
        json_decref(root);
        return rc;
    }
    *out = root;
    return DAAS_OK;
}

static int header_rev(const json_t *o, int64_t *rev, daas_err *err)
{
    const json_t *h = json_object_get(o, "header");
    if (h == NULL)
        return bad(err, "no header");
    if (!json_is_object(h))
        return bad(err, "header");
    return get_i64(h, "revision", rev, err);
}

/* ---- parsers ---- */

void daas_store_etcd_range_fini(daas_store_etcd_range_res *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nkvs; i++)
        daas_store_etcd_kv_fini(&r->kvs[i]);
    daas_free(r->kvs);
    memset(r, 0, sizeof *r);
}

void daas_store_etcd_txn_fini(daas_store_etcd_txn_res *r)
{
    if (r == NULL)
        return;
    daas_store_etcd_kv_fini(&r->kv);
    memset(r, 0, sizeof *r);
}

/* The body of a RangeResponse (top level or inside a txn's response_range). */
static int range_body(const json_t *o, daas_store_etcd_range_res *res, daas_err *err)
{
    memset(res, 0, sizeof *res);
    const json_t *kvs = json_object_get(o, "kvs");
    int rc = get_i64(o, "count", &res->count, err);
    if (rc == DAAS_OK)
        rc = get_bool(o, "more", &res->more, err);
    if (rc == DAAS_OK && kvs != NULL && !json_is_array(kvs))
        rc = bad(err, "kvs");
    size_t n = kvs != NULL ? json_array_size(kvs) : 0;
    if (rc == DAAS_OK && n > 0)
        res->kvs = daas_xcalloc(n, sizeof *res->kvs);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = parse_kv(json_array_get(kvs, i), &res->kvs[i], err);
        if (rc == DAAS_OK)
            res->nkvs++;
    }
    if (rc != DAAS_OK)
        daas_store_etcd_range_fini(res);
    return rc;
}

int daas_store_etcd__parse_range(const char *p, size_t n, daas_store_etcd_range_res *res,
                                 daas_err *err)
{
    json_t *root = NULL;
    int64_t rev = 0;
    int rc = load(p, n, &root, err);
    if (rc == DAAS_OK)
        rc = header_rev(root, &rev, err);
    if (rc == DAAS_OK)
        rc = range_body(root, res, err);
    if (rc == DAAS_OK)
        res->revision = rev;
    json_decref(root);
    return rc;
}

/* A failed txn's one response: the response_range of its failure branch. */
static int txn_current(const json_t *root, daas_store_etcd_txn_res *res, daas_err *err)
{
    const json_t *rs = json_object_get(root, "responses");
    if (rs == NULL)
        return DAAS_OK;
    if (!json_is_array(rs) || json_array_size(rs) > 1)
        return bad(err, "responses");
    const json_t *r0 = json_array_get(rs, 0);
    const json_t *rr = json_object_get(r0, "response_range");
    if (rr == NULL)
        return DAAS_OK; /* not a range (a write branch): nothing to report */
    if (!json_is_object(rr))
        return bad(err, "response_range");
    daas_store_etcd_range_res range;
    int rc = range_body(rr, &range, err);
    if (rc == DAAS_OK && range.nkvs > 0) {
        res->kv = range.kvs[0];
        memset(&range.kvs[0], 0, sizeof range.kvs[0]);
        res->has_kv = true;
    }
    daas_store_etcd_range_fini(&range);
    return rc;
}

int daas_store_etcd__parse_txn(const char *p, size_t n, daas_store_etcd_txn_res *res, daas_err *err)
{
    json_t *root = NULL;
    daas_store_etcd_txn_res t = {0};
    int rc = load(p, n, &root, err);
    if (rc == DAAS_OK)
        rc = header_rev(root, &t.revision, err);
    if (rc == DAAS_OK)
        rc = get_bool(root, "succeeded", &t.succeeded, err);
    if (rc == DAAS_OK && !t.succeeded)
        rc = txn_current(root, &t, err);
    if (rc == DAAS_OK)
        *res = t;
    else
        daas_store_etcd_txn_fini(&t);
    json_decref(root);
    return rc;
}

int daas_store_etcd__parse_header(const char *p, size_t n, int64_t *rev, daas_err *err)
{
    json_t *root = NULL;
    int64_t r = 0;
    int rc = load(p, n, &root, err);
    if (rc == DAAS_OK)
        rc = header_rev(root, &r, err);
    if (rc == DAAS_OK && rev != NULL)
        *rev = r;
    json_decref(root);
    return rc;
}

int daas_store_etcd__parse_lease(const char *p, size_t n, int64_t *id, int64_t *ttl, daas_err *err)
{
    json_t *root = NULL;
    int64_t i = 0, t = 0;
    int rc = load(p, n, &root, err);
    const json_t *o = root;
    if (rc == DAAS_OK && json_object_get(root, "result") != NULL) {
        o = json_object_get(root, "result");
        if (!json_is_object(o))
            rc = bad(err, "result");
        else if (json_object_get(o, "error") != NULL)
            rc = etcd_error(o, err);
    }
    if (rc == DAAS_OK)
        rc = get_i64(o, "ID", &i, err);
    if (rc == DAAS_OK)
        rc = get_i64(o, "TTL", &t, err);
    if (rc == DAAS_OK && i == 0)
        rc = bad(err, "no lease ID");
    if (rc == DAAS_OK) {
        *id = i;
        *ttl = t;
    }
    json_decref(root);
    return rc;
}

static int get_u64(const json_t *o, const char *name, uint64_t *out, daas_err *err)
{
    const json_t *v = json_object_get(o, name);
    *out = 0;
    if (v == NULL)
        return DAAS_OK;
    return daas_json_u64(v, out) ? DAAS_OK : bad(err, name);
}

int daas_store_etcd__parse_status(const char *p, size_t n, daas_store_etcd_status *st,
                                  daas_err *err)
{
    json_t *root = NULL;
    daas_store_etcd_status s = {0};
    int rc = load(p, n, &root, err);
    if (rc == DAAS_OK)
        rc = header_rev(root, &s.revision, err);
    const json_t *h = json_object_get(root, "header");
    if (rc == DAAS_OK)
        rc = get_u64(h, "member_id", &s.member_id, err);
    if (rc == DAAS_OK)
        rc = get_u64(root, "leader", &s.leader, err);
    if (rc == DAAS_OK)
        rc = get_i64(root, "raftTerm", &s.raft_term, err);
    if (rc == DAAS_OK)
        *st = s;
    json_decref(root);
    return rc;
}

void daas_store_etcd__watch_msg_fini(daas_store_etcd__watch_msg *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nevs; i++) {
        daas_store_etcd_kv_fini(&m->evs[i].kv);
        daas_store_etcd_kv_fini(&m->evs[i].prev_kv);
    }
    daas_free(m->evs);
    memset(m, 0, sizeof *m);
}

static int parse_event(const json_t *o, daas_store_etcd_event *ev, daas_err *err)
{
    memset(ev, 0, sizeof *ev);
    if (!json_is_object(o))
        return bad(err, "event");
    const json_t *t = json_object_get(o, "type");
    const char *ts = t != NULL ? json_string_value(t) : "PUT";
    if (ts != NULL && strcmp(ts, "PUT") == 0)
        ev->type = DAAS_STORE_ETCD_PUT;
    else if (ts != NULL && strcmp(ts, "DELETE") == 0)
        ev->type = DAAS_STORE_ETCD_DELETE;
    else
        return bad(err, "event type");
    int rc = parse_kv(json_object_get(o, "kv"), &ev->kv, err);
    const json_t *prev = json_object_get(o, "prev_kv");
    if (rc == DAAS_OK && prev != NULL) {
        rc = parse_kv(prev, &ev->prev_kv, err);
        ev->has_prev = rc == DAAS_OK;
    }
    if (rc != DAAS_OK)
        daas_store_etcd_kv_fini(&ev->kv);
    return rc;
}

static int watch_events(const json_t *r, daas_store_etcd__watch_msg *m, daas_err *err)
{
    const json_t *evs = json_object_get(r, "events");
    if (evs == NULL)
        return DAAS_OK;
    if (!json_is_array(evs))
        return bad(err, "events");
    size_t n = json_array_size(evs);
    if (n > 0)
        m->evs = daas_xcalloc(n, sizeof *m->evs);
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = parse_event(json_array_get(evs, i), &m->evs[i], err);
        if (rc == DAAS_OK)
            m->nevs++;
    }
    return rc;
}

int daas_store_etcd__parse_watch(const char *p, size_t n, daas_store_etcd__watch_msg *m,
                                 daas_err *err)
{
    json_t *root = NULL;
    daas_store_etcd__watch_msg w = {0};
    int rc = load(p, n, &root, err);
    const json_t *r = json_object_get(root, "result");
    if (rc == DAAS_OK && !json_is_object(r))
        rc = bad(err, "no result");
    if (rc == DAAS_OK && json_object_get(r, "error") != NULL)
        rc = etcd_error(r, err);
    if (rc == DAAS_OK)
        rc = header_rev(r, &w.revision, err);
    if (rc == DAAS_OK)
        rc = get_bool(r, "created", &w.created, err);
    if (rc == DAAS_OK)
        rc = get_bool(r, "canceled", &w.canceled, err);
    if (rc == DAAS_OK)
        rc = get_i64(r, "compact_revision", &w.compact_revision, err);
    if (rc == DAAS_OK)
        rc = watch_events(r, &w, err);
    if (rc == DAAS_OK)
        *m = w;
    else
        daas_store_etcd__watch_msg_fini(&w);
    json_decref(root);
    return rc;
}

/* ---- streams ---- */

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

int daas_store_etcd__lines(daas_buf *b, bool at_end, daas_store_etcd__line_fn fn, void *ud)
{
    size_t start = 0;
    int rc = DAAS_OK;
    if (b->data == NULL)
        return DAAS_OK;
    while (rc == DAAS_OK && start < b->len) {
        const char *p = b->data + start;
        const char *nl = memchr(p, '\n', b->len - start);
        if (nl == NULL && !at_end)
            break;
        size_t n = nl != NULL ? (size_t)(nl - p) : b->len - start;
        if (!blank(p, n))
            rc = fn(ud, p, n);
        start += n + (nl != NULL);
    }
    if (start == 0)
        return rc; /* a message still arriving: nothing to move */
    /* One move per chunk, not one per line: a chunk may hold many small messages. */
    size_t rest = b->len - start;
    memmove(b->data, b->data + start, rest);
    b->len = rest;
    b->data[rest] = '\0';
    return rc;
}
