/*
 * pb_fields.c: unknown fields of a JSON object, found with the protobuf descriptor tables
 *              (what upstream's strict JSON decoder reports under fieldValidation=Strict),
 *              and their removal (what its non-strict decoding drops under Warn and Ignore).
 *
 * Owns:   the walk of a JSON object along a kind's descriptors, the path notation, the list of
 *         field names known without a descriptor (TypeMeta at the top, the deprecated volume
 *         sources the tables leave out).
 * Not:    the tables (pb_desc.c); the error message and the decision to check (api/body.c).
 * Model:  upstream decodes the body with sigs.k8s.io/json in strict, case-sensitive mode
 *         into the Go struct; every member with no json-tagged Go field becomes an "unknown
 *         field" error naming its path: keys joined by '.', list indexes as "[i]"
 *         ("spec.template.spec.containers[0].imagee"). The descriptors carry every json name
 *         of k8s.io/api v0.32.4 for our kinds (each field of those types.go files has a
 *         protobuf number; inline embeds are flattened through INL entries), so walking them
 *         is walking the Go structs. Only the descriptors are followed, and they form a
 *         finite acyclic graph, so recursion is bounded by their depth whatever the input.
 * Invariants:
 *   - reported paths are NUL-terminated, at most DAAS_KUBE_PB_PATH_MAX bytes, valid UTF-8
 *     (cut only at character boundaries): they go into JSON Status messages;
 *   - nothing is allocated; the object is only read, except by daas_kube_pb_prune_unknown,
 *     which removes exactly the members it reports.
 * Spec:   specs/kube-api.md §2.4 (fieldValidation); k8s.io/api v0.32.4 types.go.
 */
#include "kube/pb.h"

#include <stdio.h>
#include <string.h>

#include "kube/pb_int.h"

/* Deeper than any descriptor chain (about 12 levels); a defensive bound only. */
#define UF_MAX_DEPTH 64
/* Bytes kept for "..." and the NUL when a path is cut. */
#define UF_ELLIPSIS_ROOM 4

/* SPEC: k8s.io/api core/v1 types.go VolumeSource: deprecated in-tree sources that pb_desc.c
 * leaves out on purpose. A manifest may still use them, so their keys are known; their
 * contents are not checked. */
/* clang-format off */
static const char *const legacy_volume_sources[] = {
    "awsElasticBlockStore", "azureDisk",    "azureFile",    "cephfs",
    "cinder",               "fc",           "flexVolume",   "flocker",
    "gcePersistentDisk",    "gitRepo",      "glusterfs",    "photonPersistentDisk",
    "portworxVolume",       "quobyte",      "rbd",          "scaleIO",
    "storageos",            "vsphereVolume"};
/* clang-format on */

typedef struct uf_ctx {
    unsigned opts;                        /* DAAS_KUBE_PB_UF_* */
    char (*paths)[DAAS_KUBE_PB_PATH_MAX]; /* where reports go (max entries) */
    size_t max;                           /* capacity of paths */
    size_t found;                         /* unknown fields seen so far */
    char cur[DAAS_KUBE_PB_PATH_MAX];      /* path of the value being walked */
    size_t len;                           /* bytes used in cur */
    bool cut;                             /* cur lost bytes: report it with "..." */
    int depth;                            /* message nesting */
    bool prune;                           /* remove each unknown member once reported */
} uf_ctx;

/* A saved path position, restored when leaving a member. */
typedef struct uf_mark {
    size_t len;
    bool cut;
} uf_mark;

/* The longest prefix of s[0..n) that does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t room)
{
    if (n <= room)
        return n;
    while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
        room--;
    return room;
}

/* Appends text to the current path, cutting it (once) when it would not fit. */
static void path_add(uf_ctx *c, const char *text)
{
    size_t n = strlen(text);
    size_t room = sizeof c->cur - UF_ELLIPSIS_ROOM - c->len;
    if (c->cut)
        return;
    if (n > room) {
        n = utf8_cut(text, n, room);
        c->cut = true;
    }
    memcpy(c->cur + c->len, text, n);
    c->len += n;
    c->cur[c->len] = '\0';
}

static uf_mark path_push_key(uf_ctx *c, const char *key)
{
    uf_mark m = {c->len, c->cut};
    if (c->len > 0)
        path_add(c, ".");
    path_add(c, key);
    return m;
}

static uf_mark path_push_index(uf_ctx *c, size_t i)
{
    uf_mark m = {c->len, c->cut};
    char buf[32];
    snprintf(buf, sizeof buf, "[%zu]", i);
    path_add(c, buf);
    return m;
}

static void path_pop(uf_ctx *c, uf_mark m)
{
    c->len = m.len;
    c->cut = m.cut;
    c->cur[c->len] = '\0';
}

/* Records the current path as one unknown field. */
static void report(uf_ctx *c)
{
    if (c->found < c->max) {
        /* cur is kept short enough for the suffix (see path_push); truncation is fine */
        char *dst = c->paths[c->found];
        size_t n = strnlen(c->cur, DAAS_KUBE_PB_PATH_MAX - 1);
        memcpy(dst, c->cur, n);
        dst[n] = '\0';
        if (c->cut && n + 4 <= DAAS_KUBE_PB_PATH_MAX)
            memcpy(dst + n, "...", 4);
    }
    c->found++;
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* The field of m (or of a message m embeds inline) whose json name is key. *free_form is set
 * instead for a name known without a descriptor. NULL when key is unknown. */
static const daas_kube_pb_field *find_json(const daas_kube_pb_msg *m, const char *key,
                                           bool *free_form)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const daas_kube_pb_field *f = &m->fields[i];
        if (f->flags & DAAS_KUBE_PB_F_INL) {
            const daas_kube_pb_field *g = find_json(f->msg, key, free_form);
            if (g != NULL || *free_form)
                return g;
        } else if (strcmp(f->json, key) == 0) {
            return f;
        }
    }
    if (strcmp(m->name, "VolumeSource") == 0)
        *free_form = in_list(legacy_volume_sources,
                             sizeof legacy_volume_sources / sizeof legacy_volume_sources[0], key);
    return NULL;
}

/* A member no descriptor names that upstream still would not report. */
static bool tolerated(const uf_ctx *c, const char *key, const json_t *v)
{
    if ((c->opts & DAAS_KUBE_PB_UF_SMP) && key[0] == '$')
        return true; /* strategic-merge directive: upstream checks the patched object */
    if ((c->opts & (DAAS_KUBE_PB_UF_PATCH | DAAS_KUBE_PB_UF_SMP)) && json_is_null(v))
        return true; /* deleting a field the stored object cannot have */
    return false;
}

static void walk_msg(uf_ctx *c, const daas_kube_pb_msg *m, json_t *obj, bool top);

/* The value of a known field. Only objects (and arrays of them) of message fields are looked
 * into: maps take any key, leaves any scalar, and a value of the wrong JSON type is a decoding
 * error for others to report, not an unknown field. */
static void walk_value(uf_ctx *c, const daas_kube_pb_field *f, json_t *v)
{
    if (f->type != DAAS_KUBE_PB_T_MSG)
        return;
    if (!(f->flags & DAAS_KUBE_PB_F_REP)) {
        if (json_is_object(v))
            walk_msg(c, f->msg, v, false);
        return;
    }
    if (!json_is_array(v))
        return;
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_object(e))
            continue;
        uf_mark mk = path_push_index(c, i);
        walk_msg(c, f->msg, e, false);
        path_pop(c, mk);
    }
}

/* Every member of obj, an instance of message m (top: the kind's own message). When pruning,
 * an unknown member is deleted after its path is reported; the _safe iteration has already
 * taken the next member, so deleting the current one is allowed. */
static void walk_msg(uf_ctx *c, const daas_kube_pb_msg *m, json_t *obj, bool top)
{
    const char *key;
    json_t *v;
    void *next;
    if (DAAS_NEVER(c->depth >= UF_MAX_DEPTH))
        return;
    c->depth++;
    json_object_foreach_safe(obj, next, key, v)
    {
        bool free_form = false;
        const daas_kube_pb_field *f = find_json(m, key, &free_form);
        if (f == NULL && (free_form || tolerated(c, key, v) ||
                          (top && (strcmp(key, "apiVersion") == 0 || strcmp(key, "kind") == 0))))
            continue;
        uf_mark mk = path_push_key(c, key);
        if (f == NULL)
            report(c);
        else
            walk_value(c, f, v);
        path_pop(c, mk);
        if (f == NULL && c->prune)
            json_object_del(obj, key); /* frees key: the loop reads it no more */
    }
    c->depth--;
}

/* The walk behind both entry points; obj is changed only when prune is set. */
static int walk_kind(const char *api_version, const char *kind, json_t *obj, unsigned opts,
                     bool prune, char (*paths)[DAAS_KUBE_PB_PATH_MAX], size_t max, size_t *found,
                     bool *known_kind)
{
    uf_ctx c = {.opts = opts, .paths = paths, .max = max, .prune = prune};
    const daas_kube_pb_msg *m;

    if (found == NULL || known_kind == NULL)
        return DAAS_EINVAL;
    *found = 0;
    *known_kind = false;
    if (api_version == NULL || kind == NULL || !json_is_object(obj) || (paths == NULL && max > 0))
        return DAAS_EINVAL;
    m = daas_kube__pb_lookup(api_version, kind);
    if (m == NULL)
        return DAAS_OK;
    *known_kind = true;
    walk_msg(&c, m, obj, true);
    *found = c.found;
    return DAAS_OK;
}

int daas_kube_pb_unknown_fields(const char *api_version, const char *kind, const json_t *obj,
                                unsigned opts, char (*paths)[DAAS_KUBE_PB_PATH_MAX], size_t max,
                                size_t *found, bool *known_kind)
{
    /* Without prune the walk only reads: the cast does not let anything write to obj. */
    return walk_kind(api_version, kind, (json_t *)obj, opts, false, paths, max, found, known_kind);
}

int daas_kube_pb_prune_unknown(const char *api_version, const char *kind, json_t *obj,
                               unsigned opts, char (*paths)[DAAS_KUBE_PB_PATH_MAX], size_t max,
                               size_t *found, bool *known_kind)
{
    return walk_kind(api_version, kind, obj, opts, true, paths, max, found, known_kind);
}

int daas_kube_pb_unknown_field(const char *api_version, const char *kind, const json_t *obj,
                               char *path, size_t pathlen, bool *known_kind)
{
    char first[1][DAAS_KUBE_PB_PATH_MAX];
    size_t n = 0;
    int rc;

    if (path == NULL || pathlen == 0)
        return DAAS_EINVAL;
    path[0] = '\0';
    rc = daas_kube_pb_unknown_fields(api_version, kind, obj, 0, first, 1, &n, known_kind);
    if (rc != DAAS_OK || n == 0)
        return rc;
    if (first[0][0] == '\0')
        snprintf(first[0], sizeof first[0], "\"\""); /* a top-level "" key: not "all known" */
    size_t len = utf8_cut(first[0], strlen(first[0]), pathlen - 1);
    memcpy(path, first[0], len);
    path[len] = '\0';
    return DAAS_OK;
}
