/*
 * fieldset.c: the ownership rules of field sets, and the FieldsV1 of a whole object built in
 *             one walk (what a create records in managedFields).
 *
 * Owns:   daas_kube__fs_* (ignored members, list kinds, item keys, the merge-key path) and
 *         daas_kube__fields_v1_of.
 * Not:    the internal set model and its algebra (apply.c).
 * Model:  apply.c builds a set tree with "." marks (fs_of) and then prints it as FieldsV1
 *         (fs_to_v1: "." first when a node has children, children sorted by key, an owned leaf
 *         as {}). On create the whole object is the set, so this file prints the same FieldsV1
 *         straight from the object: members sorted before they are visited, keyed list items
 *         sorted by their k:/v: key, nodes that own nothing left out, as fs_of prunes them.
 *         Two members or keyed items with one key would be merged by fs_of; here they fail
 *         (DAAS_ECONFLICT) and the caller takes the general path.
 * Invariants: recursion bounded by DAAS_KUBE_PATCH_MAX_DEPTH, counted as fs_of counts it;
 *             obj is never modified; every owned leaf {} of one result is the same object (a
 *             reference each: most nodes are leaves, and two allocations each were a third
 *             of the walk), so the result is read-only: code that edits a stored object works
 *             on a json_deep_copy (the patches do), which copies the leaves apart.
 * Spec:   specs/kube-api.md §3.1 "Server-side apply"; sigs.k8s.io/structured-merge-diff.
 */
#include "kube/fieldset_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kube/obj.h"
#include "kube/patch.h"

/* ---- ownership rules ------------------------------------------------------------------ */

static const char *const root_ignored[] = {"apiVersion", "kind", "status", NULL};
static const char *const meta_ignored[] = {"name",
                                           "namespace",
                                           "creationTimestamp",
                                           "selfLink",
                                           "uid",
                                           "generation",
                                           "managedFields",
                                           "resourceVersion",
                                           "deletionTimestamp",
                                           "deletionGracePeriodSeconds",
                                           NULL};

/* Whether member key is never owned at level (0 root, 1 root metadata, 2 elsewhere). */
bool daas_kube__fs_ignored(const char *key, int level)
{
    const char *const *list = level == 0 ? root_ignored : level == 1 ? meta_ignored : NULL;
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (strcmp(key, list[i]) == 0)
            return true;
    return false;
}

/* Whether every element is a map holding mk (keyed) or a scalar (set). */
bool daas_kube__fs_list_is(const json_t *arr, const char *mk)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (*mk != '\0' && (!json_is_object(e) || json_object_get(e, mk) == NULL))
            return false;
        if (*mk == '\0' && (json_is_object(e) || json_is_array(e)))
            return false;
    }
    return true;
}

/* The set key of a list item: k:{"<mk>":<value>} or v:<value>. New allocation. */
char *daas_kube__fs_item_key(const json_t *item, const char *mk)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    json_t *mkj = *mk ? json_string(mk) : NULL;
    int rc = *mk == '\0' ? daas_buf_puts(&b, "v:") : daas_buf_puts(&b, "k:{");
    if (rc == DAAS_OK && mkj)
        rc = daas_kube_json_dump(mkj, &b);
    if (rc == DAAS_OK && mkj)
        rc = daas_buf_puts(&b, ":");
    if (rc == DAAS_OK)
        rc = daas_kube_json_dump(*mk ? json_object_get(item, mk) : item, &b);
    if (rc == DAAS_OK && mkj)
        rc = daas_buf_puts(&b, "}");
    json_decref(mkj);
    char *k = daas_buf_steal(&b, NULL);
    daas_buf_fini(&b);
    return k;
}

/* ---- the merge-key path --------------------------------------------------------------- */

/* An empty path (the object root). */
void daas_kube__fs_path_init(daas_kube__fs_path *p)
{
    p->path[0] = '\0';
    p->len = 0;
    p->over = false;
}

/* Appends member key k to the path; returns what to restore on leaving. */
daas_kube__fs_saved daas_kube__fs_enter(daas_kube__fs_path *p, const char *k, size_t klen)
{
    daas_kube__fs_saved s = {p->len, p->over};
    if (p->over || p->len + klen + 2 >= sizeof p->path) {
        p->over = true;
        return s;
    }
    if (p->len > 0)
        p->path[p->len++] = '.';
    memcpy(p->path + p->len, k, klen + 1);
    p->len += klen;
    return s;
}

void daas_kube__fs_leave(daas_kube__fs_path *p, daas_kube__fs_saved s)
{
    p->len = s.len;
    p->over = s.over;
    p->path[p->len] = '\0';
}

/* The merge key of the list at the path, NULL when it is atomic. */
const char *daas_kube__fs_merge_key(const daas_kube__fs_path *p)
{
    return p->over ? NULL : daas_kube_merge_key(p->path);
}

/* ---- FieldsV1 in one walk ------------------------------------------------------------- */

/* A member or list item to visit, sorted by key. */
typedef struct v1_item {
    const char *key;
    const json_t *val;
    char *owned; /* key, when allocated here */
} v1_item;

#define V1_SMALL 16 /* members or items handled without a heap array */

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const v1_item *)a)->key, ((const v1_item *)b)->key);
}

/* Sorts the n items; DAAS_ECONFLICT when two share a key (fs_of would merge them). */
static int sort_unique(v1_item *it, size_t n)
{
    qsort(it, n, sizeof *it, cmp_item);
    for (size_t i = 1; i < n; i++)
        if (strcmp(it[i].key, it[i - 1].key) == 0)
            return DAAS_ECONFLICT;
    return DAAS_OK;
}

/* One walk: the path, and the {} every owned leaf shares (one object for the whole result). */
typedef struct v1_ctx {
    daas_kube__fs_path p;
    json_t *leaf;
} v1_ctx;

static json_t *v1_leaf(v1_ctx *c)
{
    return json_incref(c->leaf);
}

static int v1_value(const json_t *v, v1_ctx *c, int depth, int level, json_t **out);

/* Adds "f:<key>": child to *node, creating it (with "." first when self) on first use. */
static void v1_add_member(v1_ctx *c, json_t **node, bool self, const char *key, json_t *child)
{
    if (*node == NULL) {
        *node = json_object();
        if (self)
            json_object_set_new(*node, ".", v1_leaf(c));
    }
    size_t kl = strlen(key);
    char small[128];
    char *fk = kl + 3 <= sizeof small ? small : daas_xmalloc(kl + 3);
    fk[0] = 'f';
    fk[1] = ':';
    memcpy(fk + 2, key, kl + 1);
    json_object_set_new(*node, fk, child);
    if (fk != small)
        daas_free(fk);
}

/* Visits the sorted members; *node gets those that own something (NULL when none does). */
static int v1_members(const v1_item *ms, size_t m, v1_ctx *c, int depth, int level, bool self,
                      json_t **node)
{
    for (size_t i = 0; i < m; i++) {
        daas_kube__fs_saved s = daas_kube__fs_enter(&c->p, ms[i].key, strlen(ms[i].key));
        int sub = level == 0 && strcmp(ms[i].key, "metadata") == 0 ? 1 : 2;
        json_t *ch = NULL;
        int rc = v1_value(ms[i].val, c, depth, sub, &ch);
        daas_kube__fs_leave(&c->p, s);
        if (rc != DAAS_OK)
            return rc;
        if (ch != NULL)
            v1_add_member(c, node, self, ms[i].key, ch);
    }
    return DAAS_OK;
}

/* The FieldsV1 node of map obj, NULL when it owns nothing. self: obj is a keyed list item,
 * owned itself ("." first). level as in daas_kube__fs_ignored. */
static int v1_obj(const json_t *obj, v1_ctx *c, int depth, int level, bool self, json_t **out)
{
    *out = NULL;
    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return DAAS_EINVAL;
    size_t n = json_object_size(obj), m = 0;
    v1_item small[V1_SMALL];
    v1_item *ms = n <= V1_SMALL ? small : daas_xcalloc(n, sizeof *ms);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!daas_kube__fs_ignored(k, level))
            ms[m++] = (v1_item){k, v, NULL};
    }
    int rc = sort_unique(ms, m);
    if (rc == DAAS_OK)
        rc = v1_members(ms, m, c, depth, level, self, out);
    if (ms != small)
        daas_free(ms);
    if (rc != DAAS_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Adds the items, sorted, to node: a keyed item is "." plus its fields, a set item a leaf. */
static int v1_items(const v1_item *its, size_t n, const char *mk, v1_ctx *c, int depth,
                    json_t *node)
{
    for (size_t i = 0; i < n; i++) {
        json_t *it = NULL;
        if (*mk != '\0') {
            int rc = v1_obj(its[i].val, c, depth + 1, 2, true, &it);
            if (rc != DAAS_OK)
                return rc;
        }
        json_object_set_new(node, its[i].key, it != NULL ? it : v1_leaf(c));
    }
    return DAAS_OK;
}

/* The FieldsV1 node of list arr: {} when atomic, its items when keyed or a set, NULL when a
 * keyed or set list is empty (it owns nothing). */
static int v1_list(const json_t *arr, v1_ctx *c, int depth, json_t **out)
{
    const char *mk = daas_kube__fs_merge_key(&c->p);
    *out = NULL;
    if (mk == NULL || !daas_kube__fs_list_is(arr, mk)) {
        *out = v1_leaf(c);
        return DAAS_OK;
    }
    size_t n = json_array_size(arr), m = 0;
    if (n == 0)
        return DAAS_OK;
    v1_item small[V1_SMALL];
    v1_item *its = n <= V1_SMALL ? small : daas_xcalloc(n, sizeof *its);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        char *key = daas_kube__fs_item_key(e, mk);
        its[i] = (v1_item){key, e, key};
    }
    qsort(its, n, sizeof *its, cmp_item);
    int rc = DAAS_OK;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && strcmp(its[i].key, its[m - 1].key) == 0) {
            if (*mk != '\0')
                rc = DAAS_ECONFLICT; /* keyed items to merge: the general path does it */
            daas_free(its[i].owned); /* a repeated scalar is the same leaf */
            continue;
        }
        its[m++] = its[i];
    }
    *out = json_object();
    if (rc == DAAS_OK)
        rc = v1_items(its, m, mk, c, depth, *out);
    for (size_t i = 0; i < m; i++)
        daas_free(its[i].owned);
    if (its != small)
        daas_free(its);
    if (rc != DAAS_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* The FieldsV1 node of member value v, NULL when it owns nothing. */
static int v1_value(const json_t *v, v1_ctx *c, int depth, int level, json_t **out)
{
    if (json_is_object(v) && json_object_size(v) > 0)
        return v1_obj(v, c, depth + 1, level, false, out);
    if (json_is_array(v))
        return v1_list(v, c, depth, out);
    *out = v1_leaf(c); /* scalar, null or {}: an owned leaf */
    return DAAS_OK;
}

/* The FieldsV1 of every field obj owns, built in one walk. Thread: any. */
int daas_kube__fields_v1_of(const json_t *obj, json_t **out)
{
    v1_ctx c = {.leaf = json_object()};
    daas_kube__fs_path_init(&c.p);
    int rc = v1_obj(obj, &c, 0, 0, false, out);
    if (rc == DAAS_OK && *out == NULL)
        *out = json_object();
    json_decref(c.leaf);
    return rc;
}
