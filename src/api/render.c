/*
 * render.c: turns a stored object into what clients see: the stored JSON with
 * metadata.resourceVersion set to the store revision.
 *
 * Owns:   the splice (insert `"resourceVersion":"N",` right after the top-level metadata's
 *         opening brace, found by a scan that skips strings and nested values without
 *         parsing), and a small per-thread memo so that a watch event sent to many watchers is
 *         rendered once per thread, not once per watcher.
 * Invariants:
 *   - stored objects never contain metadata.resourceVersion (write.c, delete.c, nsctl.c strip
 *     it), so the splice never duplicates a key;
 *   - anything the scan does not understand falls back to parse + set + dump: the result is
 *     always the object with the right resourceVersion, never a guess;
 *   - the memo holds references, never borrowed pointers; it is per thread, so no locks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "kube/obj.h"

#define MEMO_SLOTS 64

/* Skips a JSON string starting at s[i] == '"'; returns the index after it, or 0. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    return i;
}

/* Skips one JSON value starting at s[i]; returns the index after it, or 0. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    int depth = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            if (i == 0)
                return 0;
            if (depth == 0)
                return i;
            i--;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return 0;
            if (depth == 0)
                return i + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            return i; /* end of a scalar */
        }
    }
    return depth == 0 ? i : 0;
}

/* Offset just after the '{' of the top-level "metadata" object, or 0 when not found. */
static size_t metadata_open(const char *s, size_t n, bool *empty)
{
    size_t i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{')
        return 0;
    i++;
    for (;;) {
        i = skip_ws(s, n, i);
        if (i >= n || s[i] != '"')
            return 0;
        size_t kend = skip_string(s, n, i);
        if (kend == 0)
            return 0;
        bool is_meta = kend - i == 10 && memcmp(s + i, "\"metadata\"", 10) == 0;
        i = skip_ws(s, n, kend);
        if (i >= n || s[i] != ':')
            return 0;
        i = skip_ws(s, n, i + 1);
        if (is_meta) {
            if (i >= n || s[i] != '{')
                return 0;
            size_t j = skip_ws(s, n, i + 1);
            *empty = j < n && s[j] == '}';
            return i + 1;
        }
        i = skip_value(s, n, i);
        if (i == 0)
            return 0;
        i = skip_ws(s, n, i);
        if (i >= n || s[i] != ',')
            return 0;
        i++;
    }
}

static int render_slow(const daas_blob *val, int64_t rev, daas_buf *out)
{
    json_t *o = json_loadb(val->data, val->len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return daas_buf_append(out, val->data, val->len);
    }
    char rv[32];
    snprintf(rv, sizeof rv, "%lld", (long long)rev);
    daas_kube_set_str(o, "metadata.resourceVersion", rv);
    char *s = json_dumps(o, JSON_COMPACT);
    int rc = daas_buf_puts(out, s ? s : "{}");
    free(s);
    json_decref(o);
    return rc;
}

int daas_api__render_into(const daas_blob *val, int64_t rev, daas_buf *out)
{
    bool empty = false;
    size_t at = metadata_open(val->data, val->len, &empty);
    if (at == 0)
        return render_slow(val, rev, out);
    char ins[64];
    int k = snprintf(ins, sizeof ins, "\"resourceVersion\":\"%lld\"%s", (long long)rev,
                     empty ? "" : ",");
    int rc = daas_buf_append(out, val->data, at);
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, ins, (size_t)k);
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, val->data + at, val->len - at);
    return rc;
}

typedef struct memo_slot {
    int64_t rev;          /* a revision names exactly one stored value */
    const daas_blob *val; /* and, as a guard, the value's address */
    daas_blob *out;       /* rendered; a reference this slot owns */
} memo_slot;

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

/* Runs when a thread exits: drops the references its memo holds. */
static void memo_free(void *p)
{
    memo_slot *m = p;
    for (int i = 0; i < MEMO_SLOTS; i++)
        daas_blob_unref(&m[i].out);
    daas_free(m);
}

static void memo_init(void)
{
    if (pthread_key_create(&memo_key, memo_free) != 0)
        abort();
}

static memo_slot *memo_get(void)
{
    pthread_once(&memo_once, memo_init);
    memo_slot *m = pthread_getspecific(memo_key);
    if (m == NULL) {
        m = daas_xcalloc(MEMO_SLOTS, sizeof *m);
        pthread_setspecific(memo_key, m);
    }
    return m;
}

daas_blob *daas_api__rendered(const daas_kv *kv)
{
    if (kv->obj)
        return daas_blob_ref(kv->obj);
    memo_slot *m = &memo_get()[(uint64_t)kv->mod_rev % MEMO_SLOTS];
    if (m->out && m->val == kv->val && m->rev == kv->mod_rev)
        return daas_blob_ref(m->out);
    daas_buf b;
    daas_buf_init(&b, 0);
    daas_blob *r;
    if (daas_api__render_into(kv->val, kv->mod_rev, &b) == DAAS_OK)
        r = daas_blob_new(b.data ? b.data : "", b.len);
    else
        r = daas_blob_ref(kv->val);
    daas_buf_fini(&b);
    daas_blob_unref(&m->out);
    m->val = kv->val;
    m->rev = kv->mod_rev;
    m->out = daas_blob_ref(r);
    return r;
}
