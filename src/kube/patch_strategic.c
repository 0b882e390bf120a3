/*
 * patch_strategic.c: strategic merge patch, what kubectl apply (client side), edit, set image,
 * rollout restart and plain `kubectl patch` send (application/strategic-merge-patch+json).
 *
 * Owns:   daas_kube_strategic_patch(), daas_kube_merge_key() (the patch metadata of the
 *         built-in types we serve, keyed by dotted field path).
 * Not:    RFC 7386 merge patch (patch_merge.c), server-side apply (apply.c).
 * Model:  upstream k8s.io/apimachinery/pkg/util/strategicpatch mergeMap/mergeSlice with
 *         MergeParallelList and IgnoreUnmatchedNulls (the server's options), on a deep copy of
 *         the document. Lists with a merge key merge item by item; "" marks a merged primitive
 *         list (set union); other lists are atomic and replaced. Ordering follows upstream's
 *         normalizeElementOrder: patch items in patch (or $setElementOrder) order, server-only
 *         items interleaved where the live list had them.
 * Invariants:
 *   - the result never contains a directive ($patch, $retainKeys, $setElementOrder/...,
 *     $deleteFromPrimitiveList/...) nor a null member taken from the patch;
 *   - recursion is bounded by DAAS_KUBE_PATCH_MAX_DEPTH and merged lists by SM_MAX_LIST items
 *     (the work is quadratic in list length), so hostile input cannot exhaust stack or CPU;
 *   - doc and patch are never modified.
 * Spec:   specs/kube-api.md §3.1 "Strategic merge patch" (merge-key list, directives).
 */
#include "kube/patch.h"

#include <string.h>

#include "common/alloc.h"

#define SM_MAX_LIST 4096

#define DIR_PATCH "$patch"
#define DIR_RETAIN "$retainKeys"
#define DIR_ORDER "$setElementOrder"
#define DIR_DELETE "$deleteFromPrimitiveList"

/* ---- merge keys ---------------------------------------------------------------------- */

typedef struct mk_rule {
    const char *field;  /* last path segment */
    const char *parent; /* required previous segment; "@c" = a container list; NULL = any */
    const char *key;    /* merge key, "" for a merged primitive list */
} mk_rule;

/* SPEC: specs/kube-api.md §3.1 "Merge keys for our types [src k8s.io/api v0.32.4]". */
static const mk_rule mk_rules[] = {
    {"containers", NULL, "name"},
    {"initContainers", NULL, "name"},
    {"ephemeralContainers", NULL, "name"},
    {"ports", "@c", "containerPort"},
    {"env", "@c", "name"},
    {"volumeMounts", "@c", "mountPath"},
    {"volumeDevices", "@c", "devicePath"},
    {"volumes", "spec", "name"},
    {"imagePullSecrets", NULL, "name"},
    {"hostAliases", "spec", "ip"},
    {"topologySpreadConstraints", "spec", "topologyKey"},
    {"schedulingGates", "spec", "name"},
    {"resourceClaims", "spec", "name"},
    {"conditions", NULL, "type"},
    {"podIPs", "status", "ip"},
    {"hostIPs", "status", "ip"},
    {"ownerReferences", "metadata", "uid"},
    {"finalizers", "metadata", ""},
};

static bool seg_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool parent_matches(const char *want, const char *par, size_t plen)
{
    if (want == NULL)
        return true;
    if (strcmp(want, "@c") == 0)
        return seg_is(par, plen, "containers") || seg_is(par, plen, "initContainers") ||
               seg_is(par, plen, "ephemeralContainers");
    return seg_is(par, plen, want);
}

/* The merge key of the list at a dotted path (array levels omitted), "" for a merged primitive
 * list, NULL for an atomic list. Returns a static string. Thread: any. */
const char *daas_kube_merge_key(const char *path)
{
    if (path == NULL)
        return NULL;
    /* Service ports and node addresses are told apart from container ports and
     * EndpointSlice addresses by their full path. */
    if (strcmp(path, "spec.ports") == 0)
        return "port";
    if (strcmp(path, "status.addresses") == 0)
        return "type";
    const char *dot = strrchr(path, '.');
    const char *last = dot ? dot + 1 : path;
    const char *par = path;
    size_t plen = 0;
    if (dot != NULL) {
        const char *p = dot;
        while (p > path && p[-1] != '.')
            p--;
        par = p;
        plen = (size_t)(dot - p);
    }
    for (size_t i = 0; i < sizeof mk_rules / sizeof mk_rules[0]; i++)
        if (strcmp(last, mk_rules[i].field) == 0 && parent_matches(mk_rules[i].parent, par, plen))
            return mk_rules[i].key;
    return NULL;
}

/* ---- context ------------------------------------------------------------------------- */

typedef struct sm_ctx {
    char path[1024]; /* dotted field path of the current node, array levels omitted */
    size_t len;      /* strlen(path) */
    bool over;       /* path did not fit: merge-key lookups then see an atomic list */
    daas_err *err;
} sm_ctx;

typedef struct sm_mark {
    size_t len;
    bool over;
} sm_mark;

static sm_mark path_push(sm_ctx *c, const char *key)
{
    sm_mark m = {c->len, c->over};
    size_t kl = strlen(key);
    if (c->over || c->len + 1 + kl >= sizeof c->path) {
        c->over = true;
        return m;
    }
    if (c->len > 0)
        c->path[c->len++] = '.';
    memcpy(c->path + c->len, key, kl);
    c->len += kl;
    c->path[c->len] = '\0';
    return m;
}

static void path_pop(sm_ctx *c, sm_mark m)
{
    c->len = m.len;
    c->over = m.over;
    c->path[c->len] = '\0';
}

static const char *path_merge_key(const sm_ctx *c)
{
    return c->over ? NULL : daas_kube_merge_key(c->path);
}

static bool has_prefix(const char *s, const char *pre)
{
    return strncmp(s, pre, strlen(pre)) == 0;
}

static bool is_directive_key(const char *k)
{
    return strcmp(k, DIR_PATCH) == 0 || strcmp(k, DIR_RETAIN) == 0 || has_prefix(k, DIR_ORDER) ||
           has_prefix(k, DIR_DELETE);
}

/* Compact JSON of v for an error message, cut to fit buf. */
static const char *dump_short(const json_t *v, char *buf, size_t n)
{
    size_t need = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
    char *tmp = daas_xmalloc(need + 1);
    size_t got = json_dumpb(v, tmp, need, JSON_COMPACT | JSON_ENCODE_ANY);
    tmp[got] = '\0';
    if (got < n) {
        memcpy(buf, tmp, got + 1);
    } else {
        memcpy(buf, tmp, n - 4);
        memcpy(buf + n - 4, "...", 4);
    }
    daas_free(tmp);
    return buf;
}

static int too_deep(sm_ctx *c)
{
    return daas_fail(c->err, DAAS_EINVAL, "strategic merge patch is nested more than %d levels",
                     DAAS_KUBE_PATCH_MAX_DEPTH);
}

static int no_merge_key(sm_ctx *c, const json_t *item, const char *mk)
{
    char b[96];
    return daas_fail(c->err, DAAS_EINVAL, "map: %s does not contain declared merge key: %s",
                     dump_short(item, b, sizeof b), mk);
}

static int bad_patch_type(sm_ctx *c, const json_t *d, const json_t *m)
{
    char b1[48], b2[96];
    return daas_fail(c->err, DAAS_EINVAL, "unknown patch type: %s in map: %s",
                     dump_short(d, b1, sizeof b1), dump_short(m, b2, sizeof b2));
}

/* The string value of a $patch directive in item, or NULL when there is none. An item whose
 * $patch is not a string yields "" (rejected by the callers as an unknown type). */
static const char *patch_directive(const json_t *item)
{
    json_t *d = json_is_object(item) ? json_object_get(item, DIR_PATCH) : NULL;
    if (d == NULL)
        return NULL;
    return json_is_string(d) ? json_string_value(d) : "";
}

/* ---- directive-free copies ----------------------------------------------------------- */

static int clean_value(const json_t *v, int depth, sm_ctx *c, json_t **out);

/* A copy of object v without directive keys and null members (upstream removeDirectives and
 * discardNullValuesFromPatch). */
static int clean_object(const json_t *v, int depth, sm_ctx *c, json_t **out)
{
    const char *k;
    json_t *cv;
    *out = NULL;
    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return too_deep(c);
    json_t *res = json_object();
    json_object_foreach((json_t *)v, k, cv)
    {
        if (is_directive_key(k) || json_is_null(cv))
            continue;
        json_t *cc;
        int rc = clean_value(cv, depth + 1, c, &cc);
        if (rc != DAAS_OK) {
            json_decref(res);
            return rc;
        }
        if (cc != NULL)
            json_object_set_new(res, k, cc);
    }
    *out = res;
    return DAAS_OK;
}

/* A new array of the items of the array v, each cleaned at depth; directive items are
 * skipped unchecked when skip_directives, else dropped by clean_value. */
static int clean_items(const json_t *v, int depth, bool skip_directives, sm_ctx *c, json_t **out)
{
    json_t *res = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (skip_directives && patch_directive(e) != NULL)
            continue;
        json_t *ce;
        int rc = clean_value(e, depth, c, &ce);
        if (rc != DAAS_OK) {
            json_decref(res);
            return rc;
        }
        if (ce != NULL)
            json_array_append_new(res, ce);
    }
    *out = res;
    return DAAS_OK;
}

/* A directive-free copy of v; *out is NULL when v is itself a directive map (dropped). */
static int clean_value(const json_t *v, int depth, sm_ctx *c, json_t **out)
{
    *out = NULL;
    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return too_deep(c);
    if (json_is_object(v))
        return patch_directive(v) != NULL ? DAAS_OK : clean_object(v, depth, c, out);
    if (!json_is_array(v)) {
        *out = json_deep_copy(v);
        return DAAS_OK;
    }
    return clean_items(v, depth + 1, false, c, out);
}

/* ---- list ordering (upstream normalizeElementOrder / mergeSortedSlice) ----------------- */

typedef struct sm_item {
    json_t *v; /* borrowed element */
    long key;  /* sort key: index in the list that orders this group, -1 if absent */
    long srv;  /* index in the live list, -1 if absent */
} sm_item;

/* Index of item in list, matching maps by their merge key and scalars by value; -1 if absent. */
static long index_in(const json_t *list, const json_t *item, const char *mk, bool maps)
{
    const json_t *want = item;
    if (maps && *mk != '\0') {
        want = json_is_object(item) ? json_object_get(item, mk) : NULL;
        if (want == NULL)
            return -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const json_t *have = e;
        if (maps && *mk != '\0')
            have = json_is_object(e) ? json_object_get(e, mk) : NULL;
        if (have != NULL && json_equal(have, want))
            return (long)i;
    }
    return -1;
}

/* Stable insertion sort; an item moves before another only when both keys are known. */
static void sort_items(sm_item *a, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && a[j].key >= 0 && a[j - 1].key >= 0 && a[j].key < a[j - 1].key;
             j--) {
            sm_item t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* Reorders merged: items present in order (patch items) sorted by order, the others sorted by
 * their place in server (the live list), then interleaved by live position. New array. */
static json_t *reorder(const json_t *merged, const json_t *order, const json_t *server,
                       const char *mk, bool maps)
{
    size_t n = json_array_size(merged), np = 0, ns = 0;
    sm_item *pi = daas_xcalloc(n + 1, sizeof *pi);
    sm_item *si = daas_xcalloc(n + 1, sizeof *si);
    size_t i;
    json_t *e;
    json_array_foreach(merged, i, e)
    {
        long oi = order ? index_in(order, e, mk, maps) : -1;
        long sv = server ? index_in(server, e, mk, maps) : -1;
        if (oi >= 0)
            pi[np++] = (sm_item){e, oi, sv};
        else
            si[ns++] = (sm_item){e, sv, sv};
    }
    sort_items(pi, np);
    sort_items(si, ns);
    json_t *res = json_array();
    size_t a = 0, b = 0;
    while (a < ns || b < np) {
        bool left;
        if (a >= ns)
            left = false;
        else if (b >= np)
            left = true;
        else
            left = si[a].srv >= 0 && pi[b].srv >= 0 && si[a].srv < pi[b].srv;
        json_array_append(res, left ? si[a++].v : pi[b++].v);
    }
    daas_free(pi);
    daas_free(si);
    return res;
}

/* ---- lists ----------------------------------------------------------------------------- */

static int merge_map(json_t *orig, const json_t *patch, sm_ctx *c, int depth, json_t **out);

/* Whether the elements of a and b are maps (true) or scalars (false); lists of lists and
 * mixes of maps and scalars cannot merge. Nulls are ignored. */
static int element_kind(const json_t *a, const json_t *b, bool *maps, sm_ctx *c)
{
    bool seen_map = false, seen_scalar = false;
    const json_t *lists[2] = {a, b};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *e;
        json_array_foreach(lists[l], i, e)
        {
            if (json_is_array(e))
                return daas_fail(c->err, DAAS_EINVALID, "%s: lists of lists are not supported",
                                 c->path);
            if (json_is_object(e))
                seen_map = true;
            else if (!json_is_null(e))
                seen_scalar = true;
        }
    }
    if (seen_map && seen_scalar)
        return daas_fail(c->err, DAAS_EINVALID, "%s: list element types are not identical",
                         c->path);
    *maps = seen_map;
    return DAAS_OK;
}

static bool list_contains(const json_t *list, const json_t *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) if (json_equal(e, v)) return true;
    return false;
}

/* Set union of two primitive lists (first occurrences kept), then upstream ordering. */
static json_t *merge_scalars(const json_t *ol, const json_t *pl)
{
    json_t *both = json_array();
    const json_t *lists[2] = {ol, pl};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *e;
        json_array_foreach(lists[l], i, e) if (!list_contains(both, e))
            json_array_append_new(both, json_deep_copy(e));
    }
    json_t *res = reorder(both, pl, ol, "", false);
    json_decref(both);
    return res;
}

/* Removes from cur every map whose merge key equals that of the $patch: delete item. */
static int delete_items(json_t *cur, const json_t *item, const char *mk, sm_ctx *c)
{
    json_t *kv = json_object_get(item, mk);
    if (kv == NULL)
        return no_merge_key(c, item, mk);
    for (size_t i = json_array_size(cur); i-- > 0;) {
        json_t *e = json_array_get(cur, i);
        json_t *ek = json_is_object(e) ? json_object_get(e, mk) : NULL;
        if (ek != NULL && json_equal(ek, kv))
            json_array_remove(cur, i);
    }
    return DAAS_OK;
}

/* Handles the $patch items of a list of maps (upstream mergeSliceWithSpecialElements). */
static int special_items(json_t *cur, const json_t *pl, const char *mk, bool *replace, sm_ctx *c)
{
    size_t i;
    json_t *it;
    *replace = false;
    json_array_foreach(pl, i, it)
    {
        const char *d = patch_directive(it);
        int rc = DAAS_OK;
        if (d == NULL || strcmp(d, "merge") == 0)
            continue;
        if (strcmp(d, "delete") == 0)
            rc = delete_items(cur, it, mk, c);
        else if (strcmp(d, "replace") == 0)
            *replace = true;
        else
            rc = bad_patch_type(c, json_object_get(it, DIR_PATCH), it);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* The list that "$patch: replace" asks for: the plain items of the patch, cleaned. */
static int replaced_list(const json_t *pl, int depth, sm_ctx *c, json_t **out)
{
    return clean_items(pl, depth, true, c, out);
}

/* Merges the plain items of pl into cur by merge key (upstream
 * mergeSliceWithoutSpecialElements); new items are appended. */
static int merge_items(json_t *cur, const json_t *pl, const char *mk, int depth, sm_ctx *c)
{
    size_t i;
    json_t *it;
    json_array_foreach(pl, i, it)
    {
        if (patch_directive(it) != NULL)
            continue;
        json_t *kv = json_object_get(it, mk);
        if (kv == NULL)
            return no_merge_key(c, it, mk);
        long at = index_in(cur, it, mk, true);
        json_t *base = at >= 0 ? json_array_get(cur, (size_t)at) : json_object();
        json_t *m;
        int rc = merge_map(base, it, c, depth, &m);
        if (at < 0)
            json_decref(base);
        if (rc != DAAS_OK)
            return rc;
        if (at >= 0)
            json_array_set_new(cur, (size_t)at, m);
        else
            json_array_append_new(cur, m);
    }
    return DAAS_OK;
}

/* Merges list pl into list ol (both arrays; ol is ours) for a field with merge key mk. */
static int merge_slice(json_t *ol, const json_t *pl, const char *mk, sm_ctx *c, int depth,
                       json_t **out)
{
    bool maps = false, replace;
    *out = NULL;
    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return too_deep(c);
    if (json_array_size(ol) == 0 && json_array_size(pl) == 0) {
        *out = json_incref(ol);
        return DAAS_OK;
    }
    if (json_array_size(ol) + json_array_size(pl) > SM_MAX_LIST)
        return daas_fail(c->err, DAAS_EINVALID, "%s: lists longer than %d items cannot be merged",
                         c->path, SM_MAX_LIST);
    int rc = element_kind(ol, pl, &maps, c);
    if (rc != DAAS_OK)
        return rc;
    if (!maps) {
        *out = merge_scalars(ol, pl);
        return DAAS_OK;
    }
    if (*mk == '\0')
        return daas_fail(c->err, DAAS_EINVALID, "cannot merge lists without merge key for %s",
                         c->path);
    json_t *cur = json_array();
    json_array_extend(cur, ol);
    rc = special_items(cur, pl, mk, &replace, c);
    if (rc == DAAS_OK && replace) {
        json_decref(cur);
        return replaced_list(pl, depth + 1, c, out);
    }
    if (rc == DAAS_OK)
        rc = merge_items(cur, pl, mk, depth + 1, c);
    if (rc == DAAS_OK)
        *out = reorder(cur, pl, ol, mk, true);
    json_decref(cur);
    return rc;
}

/* ---- maps ---------------------------------------------------------------------------- */

static bool string_in(const json_t *list, const char *s)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) if (json_is_string(e) &&
                                       strcmp(json_string_value(e), s) == 0) return true;
    return false;
}

/* $retainKeys: every non-null patch field must be listed; unlisted live fields go. */
static int apply_retain_keys(json_t *orig, const json_t *patch, sm_ctx *c)
{
    json_t *r = json_object_get(patch, DIR_RETAIN);
    const char *k;
    json_t *v, *tmp;
    if (r == NULL)
        return DAAS_OK;
    if (!json_is_array(r))
        return daas_fail(c->err, DAAS_EINVAL, "invalid patch format of retainKeys");
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v) || is_directive_key(k))
            continue;
        if (!string_in(r, k))
            return daas_fail(c->err, DAAS_EINVAL, "invalid patch format of retainKeys");
    }
    json_object_foreach_safe(orig, tmp, k, v)
    {
        if (!string_in(r, k))
            json_object_del(orig, k);
    }
    return DAAS_OK;
}

/* Upstream validatePatchWithSetOrderList: the patch items (deletions aside) must appear in
 * the $setElementOrder list, in the same relative order. */
static int check_order(const json_t *pl, const json_t *order, const char *mk, sm_ctx *c)
{
    size_t pi = 0, oi = 0, np = json_array_size(pl), no = json_array_size(order);
    while (pi < np && oi < no) {
        json_t *it = json_array_get(pl, pi);
        json_t *ord = json_array_get(order, oi);
        const char *d = patch_directive(it);
        if (d != NULL) {
            pi++;
            continue;
        }
        bool same;
        if (*mk == '\0') {
            same = json_equal(it, ord);
        } else {
            if (!json_is_object(it) || json_object_get(it, mk) == NULL)
                return no_merge_key(c, it, mk);
            if (!json_is_object(ord) || json_object_get(ord, mk) == NULL)
                return no_merge_key(c, ord, mk);
            same = json_equal(json_object_get(it, mk), json_object_get(ord, mk));
        }
        if (same)
            pi++;
        oi++;
    }
    while (pi < np && patch_directive(json_array_get(pl, pi)) != NULL)
        pi++;
    if (pi < np)
        return daas_fail(c->err, DAAS_EINVAL,
                         "%s: the order in the patch list doesn't match "
                         "the $setElementOrder list",
                         c->path);
    return DAAS_OK;
}

/* Merges orig[name] with patch[name] and orders the result by the $setElementOrder list
 * (upstream mergePatchIntoOriginal). Called with the path already pointing at name. */
static int order_list(json_t *orig, const json_t *pl, const char *name, const json_t *order,
                      const char *mk, int depth, sm_ctx *c)
{
    json_t *ol = json_object_get(orig, name);
    json_t *merged = NULL;
    int rc = DAAS_OK;
    if (!json_is_array(ol))
        ol = NULL;
    if (pl != NULL)
        rc = check_order(pl, order, mk, c);
    if (rc != DAAS_OK)
        return rc;
    if (ol != NULL && pl == NULL)
        merged = json_incref(ol);
    else if (ol == NULL && pl != NULL)
        rc = clean_value(pl, depth, c, &merged);
    else if (ol != NULL)
        rc = merge_slice(ol, pl, mk, c, depth, &merged);
    if (rc != DAAS_OK || merged == NULL)
        return rc;
    json_t *first = json_array_get(merged, 0);
    json_t *res = reorder(merged, order, ol, mk, json_is_object(first));
    json_decref(merged);
    json_object_set_new(orig, name, res);
    return DAAS_OK;
}

/* Whether patch[name] (a list) was already merged by its $setElementOrder directive. The
 * directive is honoured only for lists that merge; for atomic ones it is ignored. */
static bool order_handles(const json_t *patch, const char *name, sm_ctx *c)
{
    char *dk = daas_xasprintf("%s/%s", DIR_ORDER, name);
    bool has = json_is_array(json_object_get(patch, dk));
    daas_free(dk);
    if (!has)
        return false;
    sm_mark m = path_push(c, name);
    bool merges = path_merge_key(c) != NULL;
    path_pop(c, m);
    return merges;
}

static int apply_element_orders(json_t *orig, const json_t *patch, int depth, sm_ctx *c)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (!has_prefix(k, DIR_ORDER))
            continue;
        if (k[strlen(DIR_ORDER)] != '/' || !json_is_array(v))
            return daas_fail(c->err, DAAS_EINVAL, "invalid patch format of setElementOrder list");
        const char *name = k + strlen(DIR_ORDER) + 1;
        json_t *pl = json_object_get(patch, name);
        if (pl != NULL && !json_is_array(pl))
            continue; /* null or a non-list: the member loop replaces or deletes it */
        if (!order_handles(patch, name, c))
            continue;
        sm_mark m = path_push(c, name);
        int rc = order_list(orig, pl, name, v, path_merge_key(c), depth, c);
        path_pop(c, m);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* $deleteFromPrimitiveList/<name>: removes the listed values from orig[name]. */
static int delete_from_list(json_t *orig, const char *key, const json_t *pv, sm_ctx *c)
{
    if (key[strlen(DIR_DELETE)] != '/')
        return daas_fail(c->err, DAAS_EINVAL, "invalid patch format of primitive list");
    const char *name = key + strlen(DIR_DELETE) + 1;
    if (json_is_null(pv))
        return DAAS_OK;
    if (!json_is_array(pv))
        return daas_fail(c->err, DAAS_EINVAL, "invalid patch format of primitive list");
    json_t *ol = json_object_get(orig, name);
    if (!json_is_array(ol))
        return DAAS_OK;
    if (json_array_size(ol) > SM_MAX_LIST || json_array_size(pv) > SM_MAX_LIST)
        return daas_fail(c->err, DAAS_EINVALID, "%s: lists longer than %d items cannot be merged",
                         name, SM_MAX_LIST);
    json_t *res = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(ol, i, e) if (!list_contains(pv, e)) json_array_append(res, e);
    json_object_set_new(orig, name, res);
    return DAAS_OK;
}

/* The value a patch member takes when there is nothing (of its type) to merge with. */
static int take_new(const json_t *pv, int depth, sm_ctx *c, json_t **out)
{
    *out = NULL;
    if (json_is_array(pv))
        return clean_value(pv, depth, c, out);
    if (!json_is_object(pv)) {
        *out = json_deep_copy(pv);
        return DAAS_OK;
    }
    const char *d = patch_directive(pv);
    if (d != NULL && strcmp(d, "delete") == 0)
        return DAAS_OK;
    json_t *empty = json_object();
    int rc = merge_map(empty, pv, c, depth, out);
    json_decref(empty);
    return rc;
}

/* Merges one patch member into orig; the path already points at key. */
static int merge_member(json_t *orig, const char *key, const json_t *pv, int depth, sm_ctx *c)
{
    json_t *ov = json_object_get(orig, key);
    json_t *res = NULL;
    int rc;
    if (json_is_object(ov) && json_is_object(pv)) {
        rc = merge_map(ov, pv, c, depth, &res);
    } else if (json_is_array(ov) && json_is_array(pv)) {
        const char *mk = path_merge_key(c);
        rc = mk ? merge_slice(ov, pv, mk, c, depth, &res) : clean_value(pv, depth, c, &res);
    } else {
        rc = take_new(pv, depth, c, &res);
    }
    if (rc != DAAS_OK)
        return rc;
    if (res != NULL)
        json_object_set_new(orig, key, res);
    else
        json_object_del(orig, key);
    return DAAS_OK;
}

static int merge_members(json_t *orig, const json_t *patch, int depth, sm_ctx *c)
{
    const char *k;
    json_t *pv;
    json_object_foreach((json_t *)patch, k, pv)
    {
        int rc = DAAS_OK;
        if (strcmp(k, DIR_PATCH) == 0 || strcmp(k, DIR_RETAIN) == 0 || has_prefix(k, DIR_ORDER))
            continue;
        if (has_prefix(k, DIR_DELETE)) {
            rc = delete_from_list(orig, k, pv, c);
        } else if (json_is_null(pv)) {
            json_object_del(orig, k);
        } else if (!(json_is_array(pv) && order_handles(patch, k, c))) {
            sm_mark m = path_push(c, k);
            rc = merge_member(orig, k, pv, depth, c);
            path_pop(c, m);
        }
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* Merges patch into orig (ours, modified in place). *out is the merged map: orig itself, or
 * a new map for $patch: replace / delete. */
static int merge_map(json_t *orig, const json_t *patch, sm_ctx *c, int depth, json_t **out)
{
    *out = NULL;
    if (depth > DAAS_KUBE_PATCH_MAX_DEPTH)
        return too_deep(c);
    const char *d = patch_directive(patch);
    if (d != NULL && strcmp(d, "replace") == 0)
        return clean_object(patch, depth, c, out);
    if (d != NULL && strcmp(d, "delete") == 0) {
        *out = json_object();
        return DAAS_OK;
    }
    if (d != NULL && strcmp(d, "merge") != 0)
        return bad_patch_type(c, json_object_get(patch, DIR_PATCH), patch);
    int rc = apply_retain_keys(orig, patch, c);
    if (rc == DAAS_OK)
        rc = apply_element_orders(orig, patch, depth + 1, c);
    if (rc == DAAS_OK)
        rc = merge_members(orig, patch, depth + 1, c);
    if (rc == DAAS_OK)
        *out = json_incref(orig);
    return rc;
}

/* Strategic merge of patch (an object) into a copy of doc. Returns a new, directive-free tree
 * in *out, or DAAS_EINVAL (malformed patch) / DAAS_EINVALID (cannot merge). Thread: any. */
int daas_kube_strategic_patch(const json_t *doc, const json_t *patch, json_t **out, daas_err *err)
{
    *out = NULL;
    if (!json_is_object(patch))
        return daas_fail(err, DAAS_EINVAL, "strategic merge patch must be a JSON object");
    sm_ctx c = {.len = 0, .over = false, .err = err};
    c.path[0] = '\0';
    json_t *orig = json_is_object(doc) ? json_deep_copy(doc) : json_object();
    json_t *res = NULL;
    int rc = merge_map(orig, patch, &c, 1, &res);
    json_decref(orig);
    if (rc != DAAS_OK)
        return rc;
    *out = res;
    return DAAS_OK;
}
