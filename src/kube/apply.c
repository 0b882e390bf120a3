/*
 * apply.c: server-side apply (`kubectl apply --server-side`, application/apply-patch+yaml) and
 * the managedFields bookkeeping of ordinary writes.
 *
 * Owns:   daas_kube_apply(), daas_kube_track_update(), the field-set model below.
 * Not:    the merge itself (daas_kube_strategic_patch does it), request parsing, storage; the
 *         ownership rules (ignored members, list kinds, item keys: fieldset.c), and a create's
 *         managedFields, which fieldset.c writes in one walk when obj brings no entries.
 * Model:  a simplified structured-merge-diff. A field set is a tree in FieldsV1 form
 *         ("f:<field>", "k:<merge-key json>" for keyed list items, "v:<json>" for items of
 *         merged primitive lists) in which a child "." marks "this path is owned"; leaves
 *         (scalars, null, {}, atomic lists) and list items are owned, plain maps are not.
 *         Apply: conflicts are applied leaves another manager owns whose live value differs;
 *         the applied config merges into live; fields this manager applied before and omits now
 *         are removed unless someone else owns them; the manager's Apply entry becomes exactly
 *         the applied set. Update: changed fields move to the manager's Update entry.
 * Invariants:
 *   - apiVersion, kind, status and server-owned metadata (name, namespace, uid,
 *     resourceVersion, generation, creationTimestamp, managedFields, ...) are never owned;
 *   - no entry with an empty set survives; entries are sorted as upstream sorts them
 *     (operation, time, manager, apiVersion, subresource);
 *   - every recursion is bounded by DAAS_KUBE_PATCH_MAX_DEPTH; inputs are never modified
 *     (daas_kube_track_update modifies only obj, as documented).
 * Spec:   specs/kube-api.md §3.1 "Server-side apply"; upstream sigs.k8s.io/structured-merge-diff
 *         and k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager (conflict message format).
 */
#include "kube/patch.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/fieldset_int.h"
#include "kube/obj.h"

#define FS_SELF "."
#define FS_MAX_KEYS (DAAS_KUBE_PATCH_MAX_DEPTH + 8)

/* ---- small helpers ------------------------------------------------------------------- */

static char *dump_alloc(const json_t *v, size_t flags)
{
    size_t need = json_dumpb(v, NULL, 0, flags | JSON_ENCODE_ANY);
    char *s = daas_xmalloc(need + 1);
    size_t got = json_dumpb(v, s, need, flags | JSON_ENCODE_ANY);
    s[got <= need ? got : 0] = '\0';
    return s;
}

static bool key_is(const char *k, char kind)
{
    return k[0] == kind && k[1] == ':';
}

/* ---- field sets ---------------------------------------------------------------------- */

static json_t *fs_child(json_t *node, const char *key)
{
    json_t *ch = json_object_get(node, key);
    if (ch == NULL) {
        ch = json_object();
        json_object_set_new(node, key, ch);
    }
    return ch;
}

static void fs_mark(json_t *node)
{
    json_object_set_new(node, FS_SELF, json_object());
}

static int fs_build_obj(const json_t *obj, json_t *node, daas_kube__fs_path *c, int depth,
                        int level);

static int fs_build_list(const json_t *arr, json_t *node, daas_kube__fs_path *c, int depth)
{
    const char *mk = daas_kube__fs_merge_key(c);
    if (mk == NULL || !daas_kube__fs_list_is(arr, mk)) {
        fs_mark(node); /* atomic: the list is one leaf */
        return DAAS_OK;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        char *k = daas_kube__fs_item_key(e, mk);
        json_t *item = fs_child(node, k);
        daas_free(k);
        fs_mark(item);
        if (*mk != '\0') {
            int rc = fs_build_obj(e, item, c, depth + 1, 2);
            if (rc != DAAS_OK)
                return rc;
        }
    }
    return DAAS_OK;
}

/* Adds the owned paths of member value v to node (the member's set node). */
static int fs_build_value(const json_t *v, json_t *node, daas_kube__fs_path *c, int depth,
                          int level)
{
    if (json_is_object(v) && json_object_size(v) > 0)
        return fs_build_obj(v, node, c, depth + 1, level);
    if (json_is_array(v))
        return fs_build_list(v, node, c, depth);
    fs_mark(node);
    return DAAS_OK;
}

/* Adds the owned paths of object obj to node. level: 0 root, 1 root metadata, 2 elsewhere. */
static int fs_build_obj(const json_t *obj, json_t *node, daas_kube__fs_path *c, int depth,
                        int level)
{
    const char *k;
    json_t *v;
    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return DAAS_EINVAL;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (daas_kube__fs_ignored(k, level))
            continue;
        size_t kl = strlen(k);
        daas_kube__fs_saved saved = daas_kube__fs_enter(c, k, kl);
        char small[128];
        char *fk = kl + 3 <= sizeof small ? small : daas_xmalloc(kl + 3);
        fk[0] = 'f';
        fk[1] = ':';
        memcpy(fk + 2, k, kl + 1);
        json_t *ch = fs_child(node, fk);
        int sub = level == 0 && strcmp(k, "metadata") == 0 ? 1 : 2;
        int rc = fs_build_value(v, ch, c, depth, sub);
        if (json_object_size(ch) == 0)
            json_object_del(node, fk);
        if (fk != small)
            daas_free(fk);
        daas_kube__fs_leave(c, saved);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* The owned set of an object, or NULL when it nests too deep. */
static json_t *fs_of(const json_t *obj)
{
    daas_kube__fs_path c;
    daas_kube__fs_path_init(&c);
    json_t *set = json_object();
    if (fs_build_obj(obj, set, &c, 0, 0) != DAAS_OK) {
        json_decref(set);
        return NULL;
    }
    return set;
}

static json_t *fs_node_at(const json_t *set, const char **keys, size_t n)
{
    const json_t *cur = set;
    for (size_t i = 0; cur != NULL && i < n; i++)
        cur = json_object_get(cur, keys[i]);
    return (json_t *)cur;
}

static bool fs_has(const json_t *set, const char **keys, size_t n)
{
    return json_object_get(fs_node_at(set, keys, n), FS_SELF) != NULL;
}

static void fs_insert(json_t *set, const char **keys, size_t n)
{
    json_t *cur = set;
    for (size_t i = 0; i < n; i++)
        cur = fs_child(cur, keys[i]);
    fs_mark(cur);
}

/* Removes the path's membership and prunes nodes left empty. */
static void fs_remove(json_t *node, const char **keys, size_t n)
{
    if (n == 0) {
        json_object_del(node, FS_SELF);
        return;
    }
    json_t *ch = json_object_get(node, keys[0]);
    if (ch == NULL)
        return;
    fs_remove(ch, keys + 1, n - 1);
    if (json_object_size(ch) == 0)
        json_object_del(node, keys[0]);
}

typedef void (*fs_visit)(const char **keys, size_t n, void *arg);

/* Calls cb for every owned path of set (pre-order; "." before children as stored). */
static void fs_walk(const json_t *node, const char **keys, size_t n, fs_visit cb, void *arg)
{
    const char *k;
    json_t *ch;
    json_object_foreach((json_t *)node, k, ch)
    {
        if (strcmp(k, FS_SELF) == 0) {
            if (n > 0)
                cb(keys, n, arg);
        } else if (n < FS_MAX_KEYS) {
            keys[n] = k;
            fs_walk(ch, keys, n + 1, cb, arg);
        }
    }
}

static void visit_remove(const char **keys, size_t n, void *arg)
{
    fs_remove(arg, keys, n);
}

static void visit_insert(const char **keys, size_t n, void *arg)
{
    fs_insert(arg, keys, n);
}

/* a -= b; a |= b. */
static void fs_subtract(json_t *a, const json_t *b)
{
    const char *keys[FS_MAX_KEYS];
    fs_walk(b, keys, 0, visit_remove, a);
}

static void fs_union(json_t *a, const json_t *b)
{
    const char *keys[FS_MAX_KEYS];
    fs_walk(b, keys, 0, visit_insert, a);
}

/* FieldsV1 → internal form: an empty node is an owned leaf. */
static json_t *fs_from_v1(const json_t *ext, int depth)
{
    json_t *n = json_object();
    if (!json_is_object(ext) || depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return n;
    if (json_object_size(ext) == 0) {
        fs_mark(n);
        return n;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ext, k, v)
    {
        if (strcmp(k, FS_SELF) == 0) {
            fs_mark(n);
            continue;
        }
        json_t *ch = fs_from_v1(v, depth + 1);
        if (json_object_size(ch) > 0)
            json_object_set_new(n, k, ch);
        else
            json_decref(ch);
    }
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Internal form → FieldsV1: "." first, then children in key order (as upstream prints). */
static json_t *fs_to_v1(const json_t *node)
{
    json_t *o = json_object();
    size_t n = json_object_size(node), m = 0;
    const char **ks = daas_xcalloc(n + 1, sizeof *ks);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)node, k, v) if (strcmp(k, FS_SELF) != 0) ks[m++] = k;
    if (m > 0 && json_object_get(node, FS_SELF) != NULL)
        json_object_set_new(o, FS_SELF, json_object());
    qsort(ks, m, sizeof *ks, cmp_str);
    for (size_t i = 0; i < m; i++)
        json_object_set_new(o, ks[i], fs_to_v1(json_object_get(node, ks[i])));
    daas_free(ks);
    return o;
}

/* ---- values addressed by set paths ---------------------------------------------------- */

/* Whether map item has every member of the parsed key object. */
static bool item_matches(const json_t *item, const json_t *want)
{
    const char *k;
    json_t *v;
    if (!json_is_object(item))
        return false;
    json_object_foreach((json_t *)want, k, v)
    {
        json_t *have = json_object_get(item, k);
        if (have == NULL || !json_equal(have, v))
            return false;
    }
    return true;
}

/* Index of the list item named by a k: or v: key, or -1. */
static long item_index(const json_t *arr, const char *key)
{
    json_error_t je;
    long at = -1;
    if (!json_is_array(arr))
        return -1;
    bool keyed = key_is(key, 'k');
    json_t *want = json_loads(key + 2, keyed ? 0 : JSON_DECODE_ANY, &je);
    if (want == NULL || (keyed && !json_is_object(want))) {
        json_decref(want);
        return -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (keyed ? item_matches(e, want) : json_equal(e, want)) {
            at = (long)i;
            break;
        }
    }
    json_decref(want);
    return at;
}

static json_t *val_child(const json_t *v, const char *key)
{
    if (key_is(key, 'f'))
        return json_is_object(v) ? json_object_get(v, key + 2) : NULL;
    if (key_is(key, 'k') || key_is(key, 'v')) {
        long i = item_index(v, key);
        return i >= 0 ? json_array_get(v, (size_t)i) : NULL;
    }
    return NULL;
}

static json_t *val_at(const json_t *v, const char **keys, size_t n)
{
    const json_t *cur = v;
    for (size_t i = 0; cur != NULL && i < n; i++)
        cur = val_child(cur, keys[i]);
    return (json_t *)cur;
}

static void val_remove(json_t *root, const char **keys, size_t n)
{
    json_t *parent = val_at(root, keys, n - 1);
    const char *k = keys[n - 1];
    if (key_is(k, 'f') && json_is_object(parent)) {
        json_object_del(parent, k + 2);
    } else {
        long i = item_index(parent, k);
        if (i >= 0)
            json_array_remove(parent, (size_t)i);
    }
}

/* ".spec.template.spec.containers[name=\"app\"].image", as fieldpath.Path prints. */
static void path_string(const char **keys, size_t n, daas_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i];
        int rc = DAAS_OK;
        if (key_is(k, 'f')) {
            rc = daas_buf_printf(b, ".%s", k + 2);
        } else if (key_is(k, 'v')) {
            rc = daas_buf_printf(b, "[=%s]", k + 2);
        } else if (key_is(k, 'k')) {
            json_t *o = json_loads(k + 2, 0, NULL);
            const char *mk;
            json_t *mv;
            bool first = true;
            rc = daas_buf_puts(b, "[");
            json_object_foreach(o, mk, mv)
            {
                char *j = dump_alloc(mv, JSON_COMPACT);
                rc = daas_buf_printf(b, "%s%s=%s", first ? "" : ",", mk, j);
                daas_free(j);
                first = false;
            }
            json_decref(o);
            if (rc == DAAS_OK)
                rc = daas_buf_puts(b, "]");
        } else {
            rc = daas_buf_printf(b, "[%s]", k);
        }
        if (rc != DAAS_OK)
            return; /* capped buffer: a cut message is fine */
    }
}

/* ---- managedFields entries ------------------------------------------------------------ */

typedef struct mf_entry {
    char *manager;     /* fieldManager */
    char *operation;   /* "Apply" or "Update" */
    char *api_version; /* may be NULL */
    char *time;        /* RFC 3339, may be NULL */
    char *subresource; /* may be NULL */
    json_t *set;       /* internal field set (owned) */
} mf_entry;

typedef struct mf_list {
    mf_entry *e;
    size_t n;
} mf_list;

static char *dup_str(const json_t *v)
{
    return json_is_string(v) ? daas_xstrdup(json_string_value(v)) : NULL;
}

static mf_entry *mf_add(mf_list *l)
{
    l->e = daas_xrealloc(l->e, (l->n + 1) * sizeof *l->e);
    mf_entry *e = &l->e[l->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static void mf_parse(const json_t *arr, mf_list *l)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        json_t *m = json_object_get(it, "manager");
        json_t *op = json_object_get(it, "operation");
        if (!json_is_string(m) || !json_is_string(op))
            continue;
        mf_entry *e = mf_add(l);
        e->manager = dup_str(m);
        e->operation = dup_str(op);
        e->api_version = dup_str(json_object_get(it, "apiVersion"));
        e->time = dup_str(json_object_get(it, "time"));
        e->subresource = dup_str(json_object_get(it, "subresource"));
        e->set = fs_from_v1(json_object_get(it, "fieldsV1"), 0);
    }
}

static void mf_entry_fini(mf_entry *e)
{
    daas_free(e->manager);
    daas_free(e->operation);
    daas_free(e->api_version);
    daas_free(e->time);
    daas_free(e->subresource);
    json_decref(e->set);
}

static void mf_free(mf_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        mf_entry_fini(&l->e[i]);
    daas_free(l->e);
    l->e = NULL;
    l->n = 0;
}

static long mf_find(const mf_list *l, const char *manager, const char *op)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->e[i].manager, manager) == 0 && strcmp(l->e[i].operation, op) == 0 &&
            l->e[i].subresource == NULL)
            return (long)i;
    return -1;
}

static void mf_stamp(mf_entry *e, const json_t *obj, int64_t now)
{
    char ts[32];
    daas_time_rfc3339(now, ts, sizeof ts);
    daas_free(e->time);
    e->time = daas_xstrdup(ts);
    daas_free(e->api_version);
    e->api_version = dup_str(json_object_get(obj, "apiVersion"));
}

static int64_t entry_secs(const mf_entry *e)
{
    int64_t s = 0;
    if (e->time == NULL || daas_time_parse(e->time, &s) != DAAS_OK)
        return 0;
    return s;
}

static int strcmp_null(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Upstream SortEncodedManagedFields: operation, time, manager, apiVersion, subresource. */
static int mf_cmp(const void *pa, const void *pb)
{
    const mf_entry *a = pa, *b = pb;
    int c = strcmp(a->operation, b->operation);
    if (c != 0)
        return c;
    int64_t ta = entry_secs(a), tb = entry_secs(b);
    if (ta != tb)
        return ta < tb ? -1 : 1;
    if ((c = strcmp(a->manager, b->manager)) != 0)
        return c;
    if ((c = strcmp_null(a->api_version, b->api_version)) != 0)
        return c;
    return strcmp_null(a->subresource, b->subresource);
}

/* The managedFields item of e with its FieldsV1 v1 (stolen). */
static json_t *mf_entry_json(const mf_entry *e, json_t *v1)
{
    json_t *o = json_object();
    json_object_set_new(o, "manager", json_string(e->manager));
    json_object_set_new(o, "operation", json_string(e->operation));
    if (e->api_version != NULL)
        json_object_set_new(o, "apiVersion", json_string(e->api_version));
    if (e->time != NULL)
        json_object_set_new(o, "time", json_string(e->time));
    json_object_set_new(o, "fieldsType", json_string("FieldsV1"));
    json_object_set_new(o, "fieldsV1", v1);
    if (e->subresource != NULL)
        json_object_set_new(o, "subresource", json_string(e->subresource));
    return o;
}

/* Writes the entries (empty sets dropped, sorted) into obj.metadata.managedFields. */
static void mf_store(mf_list *l, json_t *obj)
{
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (json_object_size(l->e[i].set) == 0)
            mf_entry_fini(&l->e[i]);
        else
            l->e[m++] = l->e[i];
    }
    l->n = m;
    if (l->n == 0) {
        daas_kube_del(obj, "metadata.managedFields");
        return;
    }
    qsort(l->e, l->n, sizeof *l->e, mf_cmp);
    json_t *arr = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(arr, mf_entry_json(&l->e[i], fs_to_v1(l->e[i].set)));
    daas_kube_set(obj, "metadata.managedFields", arr);
}

/* ---- apply: conflicts ------------------------------------------------------------------ */

typedef struct conflict {
    size_t entry; /* index into the mf_list */
    char *path;   /* fieldpath string */
} conflict;

typedef struct apply_ctx {
    mf_list *mf;           /* all entries */
    long self;             /* index of this manager's Apply entry, -1 if none */
    const json_t *live;    /* live object, NULL on create */
    const json_t *applied; /* applied configuration */
    json_t *aset;          /* applied field set */
    json_t *result;        /* object being built */
    conflict *cf;          /* conflicts found */
    size_t ncf;
    bool steal; /* force: take conflicting fields from their owners */
} apply_ctx;

static bool is_item_key(const char *k)
{
    return key_is(k, 'k') || key_is(k, 'v');
}

static void visit_conflict(const char **keys, size_t n, void *arg)
{
    apply_ctx *a = arg;
    if (a->live == NULL || is_item_key(keys[n - 1]))
        return; /* an item's existence is not a value that can conflict */
    json_t *want = val_at(a->applied, keys, n);
    json_t *have = val_at(a->live, keys, n);
    if (want != NULL && have != NULL && json_equal(want, have))
        return; /* same value: shared ownership, not a conflict */
    for (size_t j = 0; j < a->mf->n; j++) {
        if ((long)j == a->self || !fs_has(a->mf->e[j].set, keys, n))
            continue;
        if (a->steal) {
            fs_remove(a->mf->e[j].set, keys, n);
            continue;
        }
        daas_buf b;
        daas_buf_init(&b, 512);
        path_string(keys, n, &b);
        a->cf = daas_xrealloc(a->cf, (a->ncf + 1) * sizeof *a->cf);
        a->cf[a->ncf++] = (conflict){j, daas_buf_steal(&b, NULL)};
    }
}

/* `"kubectl-client-side-apply" using apps/v1` (upstream printManager). */
static int print_manager(daas_buf *b, const mf_entry *e)
{
    int rc = daas_buf_printf(b, "\"%s\"", e->manager);
    if (rc == DAAS_OK && e->subresource != NULL)
        rc = daas_buf_printf(b, " with subresource \"%s\"", e->subresource);
    if (rc == DAAS_OK && strcmp(e->operation, "Update") == 0)
        rc = daas_buf_printf(b, " using %s", e->api_version ? e->api_version : "");
    return rc;
}

/* Order of manager identities (upstream sorts their JSON: manager, operation, apiVersion). */
static int mf_cmp_name(const mf_entry *a, const mf_entry *b)
{
    int c = strcmp(a->manager, b->manager);
    if (c == 0)
        c = strcmp(a->operation, b->operation);
    if (c == 0)
        c = strcmp_null(a->api_version, b->api_version);
    return c;
}

/* Builds upstream's message: one conflict on one line, several grouped by manager. */
static int conflict_error(const apply_ctx *a, daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, 4096);
    int rc;
    if (a->ncf == 1) {
        rc = daas_buf_puts(&b, "Apply failed with 1 conflict: conflict with ");
        if (rc == DAAS_OK)
            rc = print_manager(&b, &a->mf->e[a->cf[0].entry]);
        if (rc == DAAS_OK)
            rc = daas_buf_printf(&b, ": %s", a->cf[0].path);
    } else {
        rc = daas_buf_printf(&b, "Apply failed with %zu conflicts: ", a->ncf);
        bool *done = daas_xcalloc(a->mf->n + 1, sizeof *done);
        for (size_t round = 0; rc == DAAS_OK && round < a->mf->n; round++) {
            /* next manager in name order among those not printed yet */
            long best = -1;
            for (size_t i = 0; i < a->ncf; i++) {
                size_t e = a->cf[i].entry;
                if (!done[e] && (best < 0 || mf_cmp_name(&a->mf->e[e], &a->mf->e[best]) < 0))
                    best = (long)e;
            }
            if (best < 0)
                break;
            done[best] = true;
            rc = daas_buf_puts(&b, round == 0 ? "conflicts with " : "\nconflicts with ");
            if (rc == DAAS_OK)
                rc = print_manager(&b, &a->mf->e[best]);
            if (rc == DAAS_OK)
                rc = daas_buf_puts(&b, ":");
            for (size_t i = 0; rc == DAAS_OK && i < a->ncf; i++)
                if ((long)a->cf[i].entry == best)
                    rc = daas_buf_printf(&b, "\n- %s", a->cf[i].path);
        }
        daas_free(done);
    }
    (void)rc; /* a message cut at the cap is still the right error */
    daas_fail(err, DAAS_ECONFLICT, "%s", b.data ? b.data : "Apply failed with conflicts");
    daas_buf_fini(&b);
    return DAAS_ECONFLICT;
}

/* ---- apply: removing what the manager no longer applies ------------------------------- */

/* Whether keys ends at the merge-key field of its keyed item (kept while the item lives). */
static bool is_item_merge_key(const char **keys, size_t n)
{
    if (n < 2 || !key_is(keys[n - 1], 'f') || !key_is(keys[n - 2], 'k'))
        return false;
    json_t *o = json_loads(keys[n - 2] + 2, 0, NULL);
    bool r = json_is_object(o) && json_object_get(o, keys[n - 1] + 2) != NULL;
    json_decref(o);
    return r;
}

/* Whether anyone but this manager's old Apply entry owns the path or something below it. */
static bool kept_by_someone(const apply_ctx *a, const char **keys, size_t n)
{
    if (fs_node_at(a->aset, keys, n) != NULL)
        return true;
    for (size_t j = 0; j < a->mf->n; j++)
        if ((long)j != a->self && fs_node_at(a->mf->e[j].set, keys, n) != NULL)
            return true;
    return false;
}

/* Drops maps and lists left empty by a removal, up to the first one someone owns or that is
 * not a plain field (upstream leaves them empty, and Go's omitempty drops them on output). */
static void prune_parents(apply_ctx *a, const char **keys, size_t n)
{
    for (size_t i = n - 1; i >= 1; i--) {
        if (!key_is(keys[i - 1], 'f'))
            return;
        json_t *v = val_at(a->result, keys, i);
        bool empty = (json_is_object(v) && json_object_size(v) == 0) ||
                     (json_is_array(v) && json_array_size(v) == 0);
        if (!empty)
            return;
        if (fs_has(a->aset, keys, i))
            return;
        for (size_t j = 0; j < a->mf->n; j++)
            if ((long)j != a->self && fs_has(a->mf->e[j].set, keys, i))
                return;
        val_remove(a->result, keys, i);
    }
}

static void visit_stale(const char **keys, size_t n, void *arg)
{
    apply_ctx *a = arg;
    if (kept_by_someone(a, keys, n) || is_item_merge_key(keys, n))
        return;
    if (val_at(a->result, keys, n) == NULL)
        return;
    val_remove(a->result, keys, n);
    prune_parents(a, keys, n);
}

/* ---- apply ---------------------------------------------------------------------------- */

/* A shallow view of applied without metadata.managedFields. */
static json_t *strip_managed(const json_t *applied)
{
    json_t *c = json_copy((json_t *)applied);
    json_t *m = json_object_get(c, "metadata");
    if (json_is_object(m) && json_object_get(m, "managedFields") != NULL) {
        json_t *m2 = json_copy(m);
        json_object_del(m2, "managedFields");
        json_object_set_new(c, "metadata", m2);
    }
    return c;
}

static int apply_check(const json_t *applied, const char *manager, daas_err *err)
{
    if (manager == NULL || *manager == '\0')
        return daas_fail(err, DAAS_EINVAL,
                         "PatchOptions.meta.k8s.io \"\" is invalid: "
                         "fieldManager: Required value: is required for apply patch");
    if (!json_is_object(applied))
        return daas_fail(err, DAAS_EINVAL, "apply patch must be a JSON object");
    json_t *mf = daas_kube_path(applied, "metadata.managedFields");
    if (mf != NULL && !json_is_null(mf) && !(json_is_array(mf) && json_array_size(mf) == 0))
        return daas_fail(err, DAAS_EINVAL, "metadata.managedFields must be nil");
    return DAAS_OK;
}

/* Finds conflicts; fails without force, takes the fields over with it. */
static int resolve_conflicts(apply_ctx *a, bool force, daas_err *err)
{
    const char *keys[FS_MAX_KEYS];
    fs_walk(a->aset, keys, 0, visit_conflict, a);
    int rc = DAAS_OK;
    if (a->ncf > 0 && !force)
        rc = conflict_error(a, err);
    if (a->ncf > 0 && force) {
        a->steal = true;
        fs_walk(a->aset, keys, 0, visit_conflict, a);
    }
    for (size_t i = 0; i < a->ncf; i++)
        daas_free(a->cf[i].path);
    daas_free(a->cf);
    a->cf = NULL;
    a->ncf = 0;
    return rc;
}

/* Merges the applied config into live (or {}), then drops what this manager stopped
 * applying. */
static int apply_merge(apply_ctx *a, daas_err *err)
{
    json_t *view = strip_managed(a->applied);
    json_t *empty = json_object();
    int rc = daas_kube_strategic_patch(a->live ? a->live : empty, view, &a->result, err);
    json_decref(view);
    json_decref(empty);
    if (rc != DAAS_OK || a->self < 0)
        return rc;
    json_t *stale = json_deep_copy(a->mf->e[a->self].set);
    fs_subtract(stale, a->aset);
    const char *keys[FS_MAX_KEYS];
    fs_walk(stale, keys, 0, visit_stale, a);
    json_decref(stale);
    return DAAS_OK;
}

/* Server-side apply of applied by manager onto live (NULL: create). Returns the new object
 * with metadata.managedFields updated in *out; DAAS_ECONFLICT (upstream's message) when another
 * manager owns a differing field and force is false; DAAS_EINVAL for bad input. Thread: any. */
int daas_kube_apply(const json_t *live, const json_t *applied, const char *manager, bool force,
                    int64_t now, json_t **out, daas_err *err)
{
    mf_list mf = {NULL, 0};
    apply_ctx a = {.mf = &mf, .self = -1, .applied = applied};
    *out = NULL;
    int rc = apply_check(applied, manager, err);
    if (rc != DAAS_OK)
        return rc;
    a.live = json_is_object(live) ? live : NULL;
    a.aset = fs_of(applied);
    if (a.aset == NULL)
        return daas_fail(err, DAAS_EINVAL, "apply patch is nested more than %d levels",
                         DAAS_KUBE_PATCH_MAX_DEPTH);
    if (a.live != NULL)
        mf_parse(daas_kube_path(a.live, "metadata.managedFields"), &mf);
    a.self = mf_find(&mf, manager, "Apply");
    rc = resolve_conflicts(&a, force, err);
    if (rc == DAAS_OK)
        rc = apply_merge(&a, err);
    if (rc == DAAS_OK) {
        mf_entry *e = a.self >= 0 ? &mf.e[a.self] : mf_add(&mf);
        if (a.self < 0) {
            e->manager = daas_xstrdup(manager);
            e->operation = daas_xstrdup("Apply");
        }
        json_decref(e->set);
        e->set = json_incref(a.aset);
        mf_stamp(e, applied, now);
        mf_store(&mf, a.result);
        *out = a.result;
        a.result = NULL;
    }
    json_decref(a.result);
    json_decref(a.aset);
    mf_free(&mf);
    return rc;
}

/* ---- update tracking ------------------------------------------------------------------ */

typedef struct upd_ctx {
    const json_t *old; /* previous object, NULL on create */
    const json_t *obj; /* new object */
    json_t *changed;   /* paths whose value is new or different */
} upd_ctx;

static void visit_changed(const char **keys, size_t n, void *arg)
{
    upd_ctx *u = arg;
    json_t *before = u->old ? val_at(u->old, keys, n) : NULL;
    bool changed;
    if (is_item_key(keys[n - 1]))
        changed = before == NULL;
    else
        changed = before == NULL || !json_equal(before, val_at(u->obj, keys, n));
    if (changed)
        fs_insert(u->changed, keys, n);
}

typedef struct rm_ctx {
    const json_t *keep; /* the new object's set */
    json_t *removed;    /* paths owned before that are gone now */
} rm_ctx;

static void visit_removed(const char **keys, size_t n, void *arg)
{
    rm_ctx *r = arg;
    if (!fs_has(r->keep, keys, n))
        fs_insert(r->removed, keys, n);
}

/* The entries to start from: obj's own managedFields when set, else old's (upstream keeps
 * clients that do not know managedFields from wiping them). */
static const json_t *base_entries(const json_t *old, const json_t *obj)
{
    json_t *mine = daas_kube_path(obj, "metadata.managedFields");
    if (json_is_array(mine) && json_array_size(mine) > 0)
        return mine;
    return old ? daas_kube_path(old, "metadata.managedFields") : NULL;
}

static void update_entries(mf_list *mf, const char *manager, const json_t *changed,
                           const json_t *removed, const json_t *obj, int64_t now)
{
    long self = mf_find(mf, manager, "Update");
    for (size_t i = 0; i < mf->n; i++) {
        fs_subtract(mf->e[i].set, removed);
        if ((long)i != self)
            fs_subtract(mf->e[i].set, changed);
    }
    if (json_object_size(changed) == 0)
        return;
    mf_entry *e = self >= 0 ? &mf->e[self] : mf_add(mf);
    if (self < 0) {
        e->manager = daas_xstrdup(manager);
        e->operation = daas_xstrdup("Update");
        /* A new entry's set is exactly the changed set, which nothing modifies afterwards:
         * share it. */
        e->set = json_incref((json_t *)changed);
    } else {
        fs_union(e->set, changed);
    }
    mf_stamp(e, obj, now);
}

/* On create with no managedFields in obj, the result is one Update entry owning every field
 * of obj (or none when obj owns nothing): written straight from obj, without the set model.
 * Fails (obj untouched) when the general path must decide. */
static int track_create(json_t *obj, const char *manager, int64_t now)
{
    json_t *v1 = NULL;
    int rc = daas_kube__fields_v1_of(obj, &v1);
    if (rc != DAAS_OK)
        return rc;
    if (json_object_size(v1) == 0) {
        json_decref(v1);
        daas_kube_del(obj, "metadata.managedFields");
        return DAAS_OK;
    }
    mf_entry e = {.manager = daas_xstrdup(manager), .operation = daas_xstrdup("Update")};
    mf_stamp(&e, obj, now);
    json_t *arr = json_array();
    json_array_append_new(arr, mf_entry_json(&e, v1));
    daas_kube_set(obj, "metadata.managedFields", arr);
    mf_entry_fini(&e);
    return DAAS_OK;
}

/* Moves the fields that changed from old (NULL: create) to obj into manager's Update entry of
 * obj's managedFields (taken from obj, else from old). Modifies obj only; an object too deep
 * to track is left as it is. Thread: any. */
void daas_kube_track_update(const json_t *old, json_t *obj, const char *manager, int64_t now)
{
    if (!json_is_object(obj) || manager == NULL || *manager == '\0')
        return;
    if (!json_is_object(old) && base_entries(NULL, obj) == NULL &&
        track_create(obj, manager, now) == DAAS_OK)
        return;
    daas_kube__track_update_general(old, obj, manager, now);
}

/* daas_kube_track_update always through the set model (fieldset_int.h); tests compare the
 * create shortcut with it. Thread: any. */
void daas_kube__track_update_general(const json_t *old, json_t *obj, const char *manager,
                                     int64_t now)
{
    if (!json_is_object(obj) || manager == NULL || *manager == '\0')
        return;
    if (!json_is_object(old))
        old = NULL;
    json_t *nset = fs_of(obj);
    json_t *oset = old ? fs_of(old) : json_object();
    if (nset == NULL || oset == NULL) {
        json_decref(nset);
        json_decref(oset);
        return; /* too deep to track; the write itself is not ours to refuse */
    }
    const char *keys[FS_MAX_KEYS];
    upd_ctx u = {old, obj, NULL};
    rm_ctx r = {nset, json_object()};
    if (old == NULL) {
        u.changed = json_incref(nset); /* on create every field is new: no walk needed */
    } else {
        u.changed = json_object();
        fs_walk(nset, keys, 0, visit_changed, &u);
        fs_walk(oset, keys, 0, visit_removed, &r);
    }
    mf_list mf = {NULL, 0};
    mf_parse(base_entries(old, obj), &mf);
    update_entries(&mf, manager, u.changed, r.removed, obj, now);
    mf_store(&mf, obj);
    mf_free(&mf);
    json_decref(u.changed);
    json_decref(r.removed);
    json_decref(nset);
    json_decref(oset);
}
