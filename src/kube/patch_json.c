/*
 * patch_json.c: JSON patch (RFC 6902), what `kubectl patch --type json` sends
 * (application/json-patch+json).
 *
 * Owns:   daas_kube_json_patch() and its JSON-pointer (RFC 6901) resolution.
 * Not:    the other patch types (patch_merge.c, patch_strategic.c, apply.c).
 * Model:  operations run in order on a deep copy of doc; the first failing one fails the
 *         whole patch and the copy is dropped, so the caller sees all or nothing.
 * Invariants:
 *   - a malformed operation (not an object, unknown op, missing path/from/value, a pointer
 *     not starting with '/') is DAAS_EINVAL; an operation that does not apply (missing path,
 *     index out of range, failed test) is DAAS_EINVALID with evanphx/json-patch's words;
 *   - "copy" cannot grow the document without bound: the nodes copied by one patch are
 *     capped (JP_COPY_MAX_NODES), as upstream caps the accumulated copy size;
 *   - doc and patch are never modified.
 * Spec:   specs/kube-api.md §3.1 "JSON patch"; RFC 6902; RFC 6901.
 */
#include "kube/patch.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"

/* Upstream limits a JSON patch to 10,000 operations (apiserver maxJSONPatchOperations). */
#define JP_MAX_OPS 10000
/* Total nodes "copy" may duplicate in one patch; stops doubling attacks. */
#define JP_COPY_MAX_NODES ((size_t)1 << 20)

typedef struct jp_state {
    json_t *root;       /* the document being patched (owned) */
    size_t copied;      /* nodes duplicated by copy so far */
    const char *opname; /* current op, for messages */
} jp_state;

/* Decodes one reference token (RFC 6901 §4: ~1 is '/', ~0 is '~'). */
static char *decode_token(const char *s, size_t n)
{
    char *t = daas_xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            t[j++] = s[i + 1] == '0' ? '~' : '/';
            i++;
        } else {
            t[j++] = s[i];
        }
    }
    t[j] = '\0';
    return t;
}

/* An array index token: decimal digits only, below 2^31. Returns -1 otherwise. */
static long parse_index(const char *tok)
{
    long v = 0;
    if (*tok == '\0')
        return -1;
    for (const char *p = tok; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000L)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* The child of node named by tok, or NULL. */
static json_t *child_of(json_t *node, const char *tok)
{
    if (json_is_object(node))
        return json_object_get(node, tok);
    if (json_is_array(node)) {
        long i = parse_index(tok);
        return i >= 0 && (size_t)i < json_array_size(node) ? json_array_get(node, (size_t)i) : NULL;
    }
    return NULL;
}

/* Splits ptr into its parent container (resolved in root) and its decoded last token.
 * *parent is NULL when some intermediate step does not exist. ptr must start with '/'. */
static void locate(json_t *root, const char *ptr, json_t **parent, char **last)
{
    json_t *cur = root;
    const char *p = ptr + 1;
    const char *slash;
    while ((slash = strchr(p, '/')) != NULL) {
        char *tok = decode_token(p, (size_t)(slash - p));
        cur = child_of(cur, tok);
        daas_free(tok);
        if (cur == NULL)
            break;
        p = slash + 1;
    }
    *parent = cur;
    *last = decode_token(p, strlen(p));
}

/* Reads a string member of op; DAAS_EINVAL when absent or not a string. */
static int op_string(const json_t *op, const char *name, const char **out, daas_err *err)
{
    json_t *v = json_object_get(op, name);
    const char *opname = json_string_value(json_object_get(op, "op"));
    if (!json_is_string(v))
        return daas_fail(err, DAAS_EINVAL, "%s operation: missing or invalid \"%s\" field",
                         opname ? opname : "unknown", name);
    *out = json_string_value(v);
    if (**out != '\0' && **out != '/')
        return daas_fail(err, DAAS_EINVAL, "invalid JSON pointer \"%s\": must start with '/'",
                         *out);
    return DAAS_OK;
}

/* The value at ptr, or NULL. */
static json_t *get_at(jp_state *st, const char *ptr)
{
    if (*ptr == '\0')
        return st->root;
    json_t *parent;
    char *last;
    locate(st->root, ptr, &parent, &last);
    json_t *v = parent ? child_of(parent, last) : NULL;
    daas_free(last);
    return v;
}

/* Inserts val (stolen) at ptr as RFC 6902 "add" does. */
static int add_at(jp_state *st, const char *ptr, json_t *val, daas_err *err)
{
    if (*ptr == '\0') {
        json_decref(st->root);
        st->root = val;
        return DAAS_OK;
    }
    json_t *parent;
    char *last;
    int rc = DAAS_OK;
    locate(st->root, ptr, &parent, &last);
    if (json_is_object(parent)) {
        json_object_set_new(parent, last, val);
    } else if (json_is_array(parent)) {
        long i = strcmp(last, "-") == 0 ? (long)json_array_size(parent) : parse_index(last);
        if (i < 0 || (size_t)i > json_array_size(parent)) {
            rc = daas_fail(err, DAAS_EINVALID,
                           "error in %s for path: '%s': Unable to access invalid index: %s: "
                           "invalid index referenced",
                           st->opname, ptr, last);
            json_decref(val);
        } else {
            json_array_insert_new(parent, (size_t)i, val);
        }
    } else {
        rc = daas_fail(err, DAAS_EINVALID,
                       "%s operation does not apply: doc is missing path: \"%s\": missing value",
                       st->opname, ptr);
        json_decref(val);
    }
    daas_free(last);
    return rc;
}

/* Removes the value at ptr (which must exist). */
static int remove_at(jp_state *st, const char *ptr, daas_err *err)
{
    if (*ptr == '\0')
        return daas_fail(err, DAAS_EINVALID,
                         "%s operation does not apply: cannot remove the "
                         "document root",
                         st->opname);
    json_t *parent;
    char *last;
    int rc = DAAS_OK;
    locate(st->root, ptr, &parent, &last);
    if (json_is_object(parent) && json_object_get(parent, last) != NULL) {
        json_object_del(parent, last);
    } else if (json_is_object(parent)) {
        rc = daas_fail(err, DAAS_EINVALID,
                       "error in %s for path: '%s': Unable to remove nonexistent key: %s: "
                       "missing value",
                       st->opname, ptr, last);
    } else if (json_is_array(parent)) {
        long i = parse_index(last);
        if (i < 0 || (size_t)i >= json_array_size(parent))
            rc = daas_fail(err, DAAS_EINVALID,
                           "error in %s for path: '%s': Unable to access invalid index: %s: "
                           "invalid index referenced",
                           st->opname, ptr, last);
        else
            json_array_remove(parent, (size_t)i);
    } else {
        rc = daas_fail(err, DAAS_EINVALID,
                       "%s operation does not apply: doc is missing path: \"%s\": missing value",
                       st->opname, ptr);
    }
    daas_free(last);
    return rc;
}

/* Counts nodes of v, stopping once limit is passed. */
static size_t count_nodes(const json_t *v, size_t limit)
{
    size_t n = 1;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            n += count_nodes(c, limit - (n < limit ? n : limit));
            if (n > limit)
                return n;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c)
        {
            n += count_nodes(c, limit - (n < limit ? n : limit));
            if (n > limit)
                return n;
        }
    }
    return n;
}

static int missing_path(jp_state *st, const char *what, const char *ptr, daas_err *err)
{
    return daas_fail(err, DAAS_EINVALID,
                     "%s operation does not apply: doc is missing %s: %s: "
                     "missing value",
                     st->opname, what, ptr);
}

static int op_add(jp_state *st, const json_t *op, const char *path, daas_err *err)
{
    json_t *v = json_object_get(op, "value");
    if (v == NULL)
        return daas_fail(err, DAAS_EINVAL, "add operation: missing value field");
    return add_at(st, path, json_deep_copy(v), err);
}

static int op_replace(jp_state *st, const json_t *op, const char *path, daas_err *err)
{
    json_t *v = json_object_get(op, "value");
    if (v == NULL)
        return daas_fail(err, DAAS_EINVAL, "replace operation: missing value field");
    if (get_at(st, path) == NULL)
        return missing_path(st, "key", path, err);
    if (*path == '\0')
        return add_at(st, path, json_deep_copy(v), err);
    int rc = remove_at(st, path, err);
    return rc != DAAS_OK ? rc : add_at(st, path, json_deep_copy(v), err);
}

static int op_test(jp_state *st, const json_t *op, const char *path, daas_err *err)
{
    json_t *v = json_object_get(op, "value");
    if (v == NULL)
        return daas_fail(err, DAAS_EINVAL, "test operation: missing value field");
    json_t *cur = get_at(st, path);
    if (cur == NULL)
        return daas_fail(err, DAAS_EINVALID,
                         "test operation does not apply: is missing path: "
                         "%s: missing value",
                         path);
    if (!json_equal(cur, v))
        return daas_fail(err, DAAS_EINVALID, "testing value %s failed: test failed", path);
    return DAAS_OK;
}

/* move and copy. */
static int op_transfer(jp_state *st, const json_t *op, const char *path, bool move, daas_err *err)
{
    const char *from;
    int rc = op_string(op, "from", &from, err);
    if (rc != DAAS_OK)
        return rc;
    json_t *v = get_at(st, from);
    if (v == NULL)
        return missing_path(st, "from path", from, err);
    if (!move) {
        st->copied += count_nodes(v, JP_COPY_MAX_NODES);
        if (st->copied > JP_COPY_MAX_NODES)
            return daas_fail(err, DAAS_EINVALID,
                             "Unable to complete the copy, the accumulated "
                             "size increase of copy exceeds the limit of %zu nodes",
                             JP_COPY_MAX_NODES);
        return add_at(st, path, json_deep_copy(v), err);
    }
    if (strcmp(from, path) == 0)
        return DAAS_OK;
    size_t fl = strlen(from);
    if (strncmp(path, from, fl) == 0 && path[fl] == '/')
        return daas_fail(err, DAAS_EINVALID,
                         "move operation does not apply: from path %s is a "
                         "prefix of path %s",
                         from, path);
    json_incref(v);
    rc = remove_at(st, from, err);
    if (rc != DAAS_OK) {
        json_decref(v);
        return rc;
    }
    return add_at(st, path, v, err);
}

static int apply_op(jp_state *st, const json_t *op, daas_err *err)
{
    if (!json_is_object(op))
        return daas_fail(err, DAAS_EINVAL, "json patch operation must be an object");
    const char *name = json_string_value(json_object_get(op, "op"));
    if (name == NULL)
        return daas_fail(err, DAAS_EINVAL, "Unexpected kind: unknown");
    st->opname = name;
    const char *path;
    bool known = strcmp(name, "add") == 0 || strcmp(name, "remove") == 0 ||
                 strcmp(name, "replace") == 0 || strcmp(name, "move") == 0 ||
                 strcmp(name, "copy") == 0 || strcmp(name, "test") == 0;
    if (!known)
        return daas_fail(err, DAAS_EINVAL, "Unexpected kind: %s", name);
    int rc = op_string(op, "path", &path, err);
    if (rc != DAAS_OK)
        return rc;
    if (strcmp(name, "add") == 0)
        return op_add(st, op, path, err);
    if (strcmp(name, "remove") == 0)
        return remove_at(st, path, err);
    if (strcmp(name, "replace") == 0)
        return op_replace(st, op, path, err);
    if (strcmp(name, "test") == 0)
        return op_test(st, op, path, err);
    return op_transfer(st, op, path, strcmp(name, "move") == 0, err);
}

/* RFC 6902: runs the operations in order on a copy of doc; all or nothing. Returns a new tree
 * in *out, or DAAS_EINVAL (malformed) / DAAS_EINVALID (does not apply). Thread: any. */
int daas_kube_json_patch(const json_t *doc, const json_t *patch, json_t **out, daas_err *err)
{
    *out = NULL;
    if (!json_is_array(patch))
        return daas_fail(err, DAAS_EINVAL, "json patch must be a JSON array of operations");
    if (json_array_size(patch) > JP_MAX_OPS)
        return daas_fail(err, DAAS_EINVAL,
                         "The allowed maximum operations in a JSON patch is "
                         "%d, got %zu",
                         JP_MAX_OPS, json_array_size(patch));
    jp_state st = {.root = doc ? json_deep_copy(doc) : json_object(), .copied = 0};
    size_t i;
    json_t *op;
    json_array_foreach(patch, i, op)
    {
        int rc = apply_op(&st, op, err);
        if (rc != DAAS_OK) {
            json_decref(st.root);
            return rc;
        }
    }
    *out = st.root;
    return DAAS_OK;
}
