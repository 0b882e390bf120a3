/*
 * etcd_scan.c: the fast path of the watch-message parser: one pass over the bytes, no JSON
 *              tree, strings taken in place (a daas server receives every write of the cluster
 *              as one of these, each value a few KiB of base64).
 *
 * Owns:   daas_store_etcd__scan_watch; nothing across calls.
 * Not:    errors and unusual messages: anything outside the common shape (a backslash or a
 *         byte >= 0x80 or < 0x20 in a string, a number that is not a plain integer, a
 *         duplicate field, an "error" or "code" field, a missing header, malformed JSON,
 *         nesting past MAX_DEPTH) is left to daas_store_etcd__parse_watch (jansson), which
 *         says what is wrong.
 * Invariants:
 *   - when it accepts a message it fills exactly what daas_store_etcd__parse_watch fills for
 *     it (fuzz_etcd_reply compares the two on every input); when it declines, nothing stays
 *     allocated;
 *   - every read is bounds-checked against n; the input is untrusted.
 * Spec:   grpc-gateway's rendering of etcd's WatchResponse (etcd_parse.c says how fields map).
 */
#include "store/etcd.h"

#include <string.h>

#include "common/util.h"

enum { MAX_DEPTH = 32, MAX_MEMBERS = 32, INT_DIGITS = 18 };

typedef struct scan {
    const char *p;
    size_t n, i;
    int depth;
} scan;

static void ws(scan *s)
{
    while (s->i < s->n &&
           (s->p[s->i] == ' ' || s->p[s->i] == '\n' || s->p[s->i] == '\r' || s->p[s->i] == '\t'))
        s->i++;
}

static bool lit(scan *s, char c)
{
    ws(s);
    if (s->i < s->n && s->p[s->i] == c) {
        s->i++;
        return true;
    }
    return false;
}

/* A string of plain ASCII without escapes: its content in [*a, *a + *len). */
static bool str(scan *s, const char **a, size_t *len)
{
    if (!lit(s, '"'))
        return false;
    size_t start = s->i;
    for (; s->i < s->n; s->i++) {
        unsigned char c = (unsigned char)s->p[s->i];
        if (c == '"') {
            *a = s->p + start;
            *len = s->i - start;
            s->i++;
            return true;
        }
        if (c == '\\' || c < 0x20 || c >= 0x80)
            return false;
    }
    return false;
}

static bool word(scan *s, const char *w)
{
    size_t len = strlen(w);
    ws(s);
    if (s->n - s->i < len || memcmp(s->p + s->i, w, len) != 0)
        return false;
    s->i += len;
    return true;
}

/* A plain integer (optional '-', no leading zero unless alone, no fraction or exponent). */
static bool number(scan *s, const char **a, size_t *len)
{
    ws(s);
    size_t start = s->i;
    if (s->i < s->n && s->p[s->i] == '-')
        s->i++;
    size_t d = s->i;
    while (s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9')
        s->i++;
    size_t nd = s->i - d;
    if (nd == 0 || nd > INT_DIGITS || (nd > 1 && s->p[d] == '0'))
        return false;
    if (s->i < s->n && (s->p[s->i] == '.' || s->p[s->i] == 'e' || s->p[s->i] == 'E'))
        return false;
    *a = s->p + start;
    *len = s->i - start;
    return true;
}

static bool skip_value(scan *s);

/* Calls field(ud, s, name, len) for each member of an object; field consumes the value. */
typedef bool (*field_fn)(void *ud, scan *s, const char *name, size_t len);

/* An object, its member names distinct (jansson refuses duplicates: so does this, by
 * declining) and at most MAX_MEMBERS of them. */
static bool object(scan *s, field_fn field, void *ud)
{
    struct {
        const char *p;
        size_t n;
    } names[MAX_MEMBERS];
    size_t k = 0;
    if (!lit(s, '{') || ++s->depth > MAX_DEPTH)
        return false;
    if (lit(s, '}')) {
        s->depth--;
        return true;
    }
    do {
        const char *name;
        size_t len;
        if (!str(s, &name, &len) || !lit(s, ':') || k == MAX_MEMBERS)
            return false;
        for (size_t j = 0; j < k; j++)
            if (names[j].n == len && memcmp(names[j].p, name, len) == 0)
                return false;
        names[k].p = name;
        names[k++].n = len;
        if (!field(ud, s, name, len))
            return false;
    } while (lit(s, ','));
    s->depth--;
    return lit(s, '}');
}

static bool skip_field(void *ud, scan *s, const char *name, size_t len)
{
    (void)ud, (void)name, (void)len;
    return skip_value(s);
}

static bool skip_value(scan *s)
{
    const char *a;
    size_t len;
    ws(s);
    if (s->i >= s->n)
        return false;
    switch (s->p[s->i]) {
    case '{':
        return object(s, skip_field, NULL);
    case '[':
        if (!lit(s, '[') || ++s->depth > MAX_DEPTH)
            return false;
        if (!lit(s, ']'))
            do
                if (!skip_value(s))
                    return false;
            while (lit(s, ','));
        s->depth--;
        return lit(s, ']');
    case '"':
        return str(s, &a, &len);
    case 't':
        return word(s, "true");
    case 'f':
        return word(s, "false");
    case 'n':
        return word(s, "null");
    default:
        return number(s, &a, &len);
    }
}

static bool is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

/* Marks field bit in *seen (object() has refused duplicates). */
static bool once(unsigned *seen, unsigned bit)
{
    *seen |= bit;
    return true;
}

/* An int64 as etcd_parse.c's get_i64 reads it: a JSON integer or a string of digits. */
static bool i64(scan *s, int64_t *out)
{
    const char *a;
    size_t len;
    ws(s);
    bool quoted = s->i < s->n && s->p[s->i] == '"';
    if (quoted ? !str(s, &a, &len) : !number(s, &a, &len))
        return false;
    size_t k = len > 0 && a[0] == '-' ? 1 : 0;
    if (len == k || len - k > INT_DIGITS)
        return false; /* empty, or long enough to need overflow checks: the slow path */
    int64_t v = 0;
    for (size_t j = k; j < len; j++) {
        if (a[j] < '0' || a[j] > '9')
            return false;
        v = v * 10 + (a[j] - '0');
    }
    *out = k ? -v : v;
    return true;
}

static bool boolean(scan *s, bool *out)
{
    if (word(s, "true"))
        return *out = true;
    *out = false;
    return word(s, "false");
}

/* A base64 field into an owned NUL-terminated copy, as get_bytes. */
static bool bytes(scan *s, char **out, size_t *outlen)
{
    const char *a;
    size_t len;
    if (!str(s, &a, &len))
        return false;
    daas_buf b;
    daas_buf_init(&b, DAAS_STORE_ETCD_REPLY_MAX);
    if (daas_base64_decode(a, len, &b) != DAAS_OK ||
        (b.data == NULL && daas_buf_append(&b, "", 0) != DAAS_OK)) {
        daas_buf_fini(&b);
        return false;
    }
    *out = daas_buf_steal(&b, outlen);
    return true;
}

static bool kv_field(void *ud, scan *s, const char *name, size_t len)
{
    daas_store_etcd_kv *kv = ud;
    if (is(name, len, "key"))
        return bytes(s, &kv->key, &kv->key_len);
    if (is(name, len, "value"))
        return bytes(s, &kv->value, &kv->value_len);
    if (is(name, len, "create_revision"))
        return i64(s, &kv->create_revision);
    if (is(name, len, "mod_revision"))
        return i64(s, &kv->mod_revision);
    if (is(name, len, "version"))
        return i64(s, &kv->version);
    if (is(name, len, "lease"))
        return i64(s, &kv->lease);
    return skip_value(s);
}

/* A kv object; a missing key or value is empty, as get_bytes makes it. */
static bool kv_object(scan *s, daas_store_etcd_kv *kv)
{
    if (!object(s, kv_field, kv))
        return false;
    if (kv->key == NULL)
        kv->key = daas_xcalloc(1, 1);
    if (kv->value == NULL)
        kv->value = daas_xcalloc(1, 1);
    return true;
}

typedef struct ev_ctx {
    daas_store_etcd_event *ev;
    unsigned seen;
} ev_ctx;

static bool ev_field(void *ud, scan *s, const char *name, size_t len)
{
    ev_ctx *c = ud;
    const char *a;
    size_t n;
    if (is(name, len, "type")) {
        if (!once(&c->seen, 1) || !str(s, &a, &n))
            return false;
        if (is(a, n, "PUT"))
            c->ev->type = DAAS_STORE_ETCD_PUT;
        else if (is(a, n, "DELETE"))
            c->ev->type = DAAS_STORE_ETCD_DELETE;
        else
            return false;
        return true;
    }
    if (is(name, len, "kv"))
        return once(&c->seen, 2) && kv_object(s, &c->ev->kv);
    if (is(name, len, "prev_kv"))
        return once(&c->seen, 4) && (c->ev->has_prev = kv_object(s, &c->ev->prev_kv));
    return skip_value(s);
}

static bool events(scan *s, daas_store_etcd__watch_msg *m)
{
    if (!lit(s, '['))
        return false;
    if (lit(s, ']'))
        return true;
    size_t cap = 0;
    do {
        if (m->nevs == cap) {
            cap = cap ? cap * 2 : 8;
            m->evs = daas_xrealloc(m->evs, cap * sizeof *m->evs);
        }
        daas_store_etcd_event *ev = &m->evs[m->nevs];
        memset(ev, 0, sizeof *ev);
        m->nevs++; /* counted now, so that a failure frees what it holds */
        ev_ctx c = {.ev = ev};
        if (!object(s, ev_field, &c) || !(c.seen & 2))
            return false; /* no kv: the slow path names the problem */
    } while (lit(s, ','));
    return lit(s, ']');
}

typedef struct res_ctx {
    daas_store_etcd__watch_msg *m;
    unsigned seen;
    bool header;
} res_ctx;

static bool header_field(void *ud, scan *s, const char *name, size_t len)
{
    res_ctx *c = ud;
    if (is(name, len, "revision"))
        return once(&c->seen, 64) && i64(s, &c->m->revision);
    return skip_value(s);
}

static bool res_field(void *ud, scan *s, const char *name, size_t len)
{
    res_ctx *c = ud;
    daas_store_etcd__watch_msg *m = c->m;
    if (is(name, len, "header"))
        return once(&c->seen, 1) && (c->header = object(s, header_field, c));
    if (is(name, len, "created"))
        return once(&c->seen, 2) && boolean(s, &m->created);
    if (is(name, len, "canceled"))
        return once(&c->seen, 4) && boolean(s, &m->canceled);
    if (is(name, len, "compact_revision"))
        return once(&c->seen, 8) && i64(s, &m->compact_revision);
    if (is(name, len, "events"))
        return once(&c->seen, 16) && events(s, m);
    if (is(name, len, "error"))
        return false;
    return skip_value(s);
}

static bool root_field(void *ud, scan *s, const char *name, size_t len)
{
    res_ctx *c = ud;
    if (!is(name, len, "result") || !once(&c->seen, 32))
        return false; /* "error", "code" or anything else: the slow path */
    ws(s);
    return object(s, res_field, c);
}

bool daas_store_etcd__scan_watch(const char *p, size_t n, daas_store_etcd__watch_msg *m)
{
    scan s = {.p = p, .n = n};
    daas_store_etcd__watch_msg w = {0};
    res_ctx c = {.m = &w};
    bool ok = object(&s, root_field, &c) && (c.seen & 32) && c.header;
    ws(&s);
    if (ok && s.i == n) {
        *m = w;
        return true;
    }
    daas_store_etcd__watch_msg_fini(&w);
    return false;
}
