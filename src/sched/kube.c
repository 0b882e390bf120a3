/*
 * kube.c: Pod and Node JSON to the scheduler core's structs, the effective-request rule and
 *         the pod spec digest.
 *
 * Owns:   the conversion context (an arena from sched_int.h plus the caller's err), the
 *         per-resource accumulator used for effective requests.
 * Not:    quantity grammar (quantity.c), the core's format checks (delta.c), I/O.
 * Invariants:
 *   - every string and array of a converted object lives in its arena, so the JSON may be
 *     freed right after the call; on failure the arena is freed and *out zeroed;
 *   - every failure is DAAS_EINVALID whose message starts with the JSON path;
 *   - the result is checked by the core (daas_sched_pod_check / node check) before return.
 * Spec:   kube.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sched/kube.h"
#include "sched/sched_int.h"
#include "sui/sui.h"

#define PATH_MAX_LEN 200

typedef struct conv {
    daas_sched__chunk *mem; /* owns everything produced */
    daas_err *err;          /* the caller's */
} conv;

/* Fails with DAAS_EINVALID: "<path>: <message>". */
static int fail_at(conv *c, const char *path, const char *fmt, ...) DAAS_PRINTF(3, 4);
static int fail_at(conv *c, const char *path, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return daas_fail(c->err, DAAS_EINVALID, "%s: %s", path, msg);
}

/* Formats a JSON path into p (truncated at PATH_MAX_LEN - 1 bytes). */
static void at(char *p, const char *fmt, ...) DAAS_PRINTF(2, 3);
static void at(char *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, PATH_MAX_LEN, fmt, ap);
    va_end(ap);
}

/* Re-raises a callee's failure (held in e) as DAAS_EINVALID at path. */
static int wrap_at(conv *c, const char *path, const daas_err *e)
{
    return fail_at(c, path, "%s", e->msg);
}

/* ---- typed access (null counts as absent, as Go's JSON decoding does) ---- */

static const json_t *get(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* *out = obj[key] when it is an object, NULL when absent; another type fails. */
static int opt_obj(conv *c, const json_t *obj, const char *key, const char *path,
                   const json_t **out)
{
    *out = get(obj, key);
    if (*out != NULL && !json_is_object(*out))
        return fail_at(c, path, "must be an object");
    return DAAS_OK;
}

/* *out = obj[key] when it is an array of at most max entries, NULL when absent. */
static int opt_arr(conv *c, const json_t *obj, const char *key, size_t max, const char *path,
                   const json_t **out)
{
    *out = get(obj, key);
    if (*out == NULL)
        return DAAS_OK;
    if (!json_is_array(*out))
        return fail_at(c, path, "must be an array");
    if (json_array_size(*out) > max)
        return fail_at(c, path, "has %zu entries (at most %zu)", json_array_size(*out), max);
    return DAAS_OK;
}

/* Checks a JSON string: no NUL, at most DAAS_SCHED_MAX_STR bytes, non-empty unless allowed. */
static int str_ok(conv *c, const json_t *v, bool allow_empty, const char *path)
{
    if (!json_is_string(v))
        return fail_at(c, path, "must be a string");
    size_t n = json_string_length(v);
    if (strlen(json_string_value(v)) != n)
        return fail_at(c, path, "contains a NUL byte");
    if (n > DAAS_SCHED_MAX_STR)
        return fail_at(c, path, "is longer than %d bytes", DAAS_SCHED_MAX_STR);
    if (n == 0 && !allow_empty)
        return fail_at(c, path, "must not be empty");
    return DAAS_OK;
}

/* Arena copy of the string v (checked as str_ok). */
static int copy_str(conv *c, const json_t *v, bool allow_empty, const char *path, const char **out)
{
    int rc = str_ok(c, v, allow_empty, path);
    if (rc == DAAS_OK)
        *out = daas_sched__arena_str(&c->mem, json_string_value(v), json_string_length(v));
    return rc;
}

/* Arena copy of obj[key]: a string, or "" when absent (when required, absent fails). */
static int field_str(conv *c, const json_t *obj, const char *key, bool required, const char *path,
                     const char **out)
{
    const json_t *v = get(obj, key);
    if (v == NULL) {
        *out = "";
        return required ? fail_at(c, path, "is required") : DAAS_OK;
    }
    return copy_str(c, v, !required, path, out);
}

/* A map key: 1..DAAS_SCHED_MAX_STR bytes, no NUL (jansson keys may hold one). */
static bool key_ok(const char *k)
{
    size_t n = strlen(k);
    return n > 0 && n <= DAAS_SCHED_MAX_STR &&
           json_object_iter_key_len(json_object_key_to_iter(k)) == n;
}

static int cmp_label(const void *a, const void *b)
{
    return strcmp(((const daas_sched_label *)a)->key, ((const daas_sched_label *)b)->key);
}

static int cmp_res(const void *a, const void *b)
{
    return strcmp(((const daas_sched_res *)a)->name, ((const daas_sched_res *)b)->name);
}

/* A map<string,string> (labels, nodeSelector) into a sorted label list. */
static int label_map(conv *c, const json_t *obj, const char *key, const char *path,
                     const daas_sched_label **out, size_t *n)
{
    const json_t *m = NULL, *v = NULL;
    const char *k;
    char p[PATH_MAX_LEN];
    int rc = opt_obj(c, obj, key, path, &m);
    *n = 0;
    if (rc != DAAS_OK || m == NULL)
        return rc;
    if (json_object_size(m) > DAAS_SCHED_MAX_LABELS)
        return fail_at(c, path, "has %zu entries (at most %d)", json_object_size(m),
                       DAAS_SCHED_MAX_LABELS);
    daas_sched_label *l = daas_sched__arena_alloc(&c->mem, (json_object_size(m) + 1) * sizeof(*l));
    json_object_foreach((json_t *)m, k, v)
    {
        at(p, "%s[%.64s]", path, k);
        if (!key_ok(k))
            return fail_at(c, p, "key must have 1 to %d bytes and no NUL", DAAS_SCHED_MAX_STR);
        rc = copy_str(c, v, true, p, &l[*n].value);
        if (rc != DAAS_OK)
            return rc;
        l[(*n)++].key = daas_sched__arena_str(&c->mem, k, strlen(k));
    }
    qsort(l, *n, sizeof(*l), cmp_label);
    *out = l;
    return DAAS_OK;
}

/* ---- resource lists ---- */

/* A per-resource accumulator; names borrowed from the JSON being converted. */
typedef struct reslist {
    const char *name[DAAS_SCHED_MAX_RESOURCES];
    daas_sched_qty q[DAAS_SCHED_MAX_RESOURCES];
    size_t n;
} reslist;

/* Index of name in l, adding it with 0 when absent; -1 when l is full. */
static int res_slot(reslist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->name[i], name) == 0)
            return (int)i;
    if (l->n == DAAS_SCHED_MAX_RESOURCES)
        return -1;
    l->name[l->n] = name;
    l->q[l->n] = (daas_sched_qty){0, 0};
    return (int)l->n++;
}

/* Reads a map<string,Quantity> (requests, overhead, allocatable) into l (l starts empty). */
static int res_map(conv *c, const json_t *obj, const char *key, bool request, const char *path,
                   reslist *l)
{
    const json_t *m = NULL, *v = NULL;
    const char *k;
    char p[PATH_MAX_LEN];
    daas_err e = {0};
    int rc = opt_obj(c, obj, key, path, &m);
    l->n = 0;
    if (rc != DAAS_OK || m == NULL)
        return rc;
    if (json_object_size(m) > DAAS_SCHED_MAX_RESOURCES)
        return fail_at(c, path, "has %zu resources (at most %d)", json_object_size(m),
                       DAAS_SCHED_MAX_RESOURCES);
    json_object_foreach((json_t *)m, k, v)
    {
        at(p, "%s.%.64s", path, k);
        if (!key_ok(k))
            return fail_at(c, p, "resource name must have 1 to %d bytes and no NUL",
                           DAAS_SCHED_MAX_STR);
        if (request && strcmp(k, "pods") == 0)
            return fail_at(c, p, "a pod may not request \"pods\"");
        int i = res_slot(l, k);
        if (daas_sched_qty_parse_json(v, &l->q[i], &e) != DAAS_OK)
            return wrap_at(c, p, &e);
    }
    return DAAS_OK;
}

/* dst[r] = dst[r] + src[r] (max: max(dst[r], src[r])) for every r of src. */
static int res_merge(conv *c, reslist *dst, const reslist *src, bool max, const char *path)
{
    for (size_t i = 0; i < src->n; i++) {
        int j = res_slot(dst, src->name[i]);
        if (j < 0)
            return fail_at(c, path, "more than %d distinct resources", DAAS_SCHED_MAX_RESOURCES);
        dst->q[j] = max ? daas_sched_qty_max(dst->q[j], src->q[i])
                        : daas_sched_qty_add(dst->q[j], src->q[i]);
    }
    return DAAS_OK;
}

/*
 * Rounds l into a sorted arena list, leaving out zeros. Above DAAS_SCHED_QTY_MAX: clamped
 * (clamp, for capacity) or a failure (requests).
 */
static int res_out(conv *c, const reslist *l, bool clamp, const char *path,
                   const daas_sched_res **out, size_t *n)
{
    daas_sched_res *r = daas_sched__arena_alloc(&c->mem, (l->n + 1) * sizeof(*r));
    *n = 0;
    for (size_t i = 0; i < l->n; i++) {
        int64_t v = daas_sched_qty_round(l->q[i], daas_sched_res_is_milli(l->name[i]));
        if (v > DAAS_SCHED_QTY_MAX && !clamp)
            return fail_at(c, path, "%.64s of %lld is above %lld", l->name[i], (long long)v,
                           (long long)DAAS_SCHED_QTY_MAX);
        if (v == 0)
            continue;
        r[*n].name = daas_sched__arena_str(&c->mem, l->name[i], strlen(l->name[i]));
        r[(*n)++].qty = v > DAAS_SCHED_QTY_MAX ? DAAS_SCHED_QTY_MAX : v;
    }
    qsort(r, *n, sizeof(*r), cmp_res);
    *out = r;
    return DAAS_OK;
}

/* ---- node ---- */

static int node_owner(conv *c, const json_t *ann, daas_sched_node *n)
{
    const json_t *v = get(ann, "daas.io/owner");
    daas_err e = {0};
    const char *path = "metadata.annotations[daas.io/owner]";
    if (v == NULL)
        return DAAS_OK;
    int rc = str_ok(c, v, false, path);
    if (rc == DAAS_OK && daas_sui_address_parse(json_string_value(v), n->owner, &e) != DAAS_OK)
        rc = wrap_at(c, path, &e);
    return rc;
}

static int node_stake(conv *c, const json_t *ann, daas_sched_node *n)
{
    const json_t *v = get(ann, "daas.io/stake");
    const char *path = "metadata.annotations[daas.io/stake]";
    if (v == NULL)
        return DAAS_OK;
    int rc = str_ok(c, v, false, path);
    if (rc != DAAS_OK)
        return rc;
    uint64_t s = 0;
    for (const char *p = json_string_value(v); *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return fail_at(c, path, "must be decimal digits (MIST)");
        if (s > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return fail_at(c, path, "does not fit in u64");
        s = s * 10 + (uint64_t)(*p - '0');
    }
    n->stake = s;
    return DAAS_OK;
}

static int node_ready(conv *c, const json_t *status, daas_sched_node *n)
{
    const json_t *conds = NULL, *cond = NULL;
    size_t i;
    int rc = opt_arr(c, status, "conditions", 256, "status.conditions", &conds);
    json_array_foreach(conds, i, cond)
    {
        if (rc != DAAS_OK)
            break;
        if (!json_is_object(cond)) {
            char p[PATH_MAX_LEN];
            at(p, "status.conditions[%zu]", i);
            return fail_at(c, p, "must be an object");
        }
        const char *type = json_string_value(get(cond, "type"));
        const char *st = json_string_value(get(cond, "status"));
        if (type != NULL && strcmp(type, "Ready") == 0)
            n->ready = st != NULL && strcmp(st, "True") == 0;
    }
    return rc;
}

/* Maps a taint/toleration effect; "" maps to ANY only when allow_any. -1 when unknown. */
static int effect_of(const char *s, bool allow_any)
{
    if (allow_any && s[0] == '\0')
        return DAAS_SCHED_EFFECT_ANY;
    if (strcmp(s, "NoSchedule") == 0)
        return DAAS_SCHED_EFFECT_NO_SCHEDULE;
    if (strcmp(s, "PreferNoSchedule") == 0)
        return DAAS_SCHED_EFFECT_PREFER_NO_SCHEDULE;
    if (strcmp(s, "NoExecute") == 0)
        return DAAS_SCHED_EFFECT_NO_EXECUTE;
    return -1;
}

static int node_taints(conv *c, const json_t *spec, daas_sched_node *n)
{
    const json_t *arr = NULL, *t = NULL;
    size_t i;
    char p[PATH_MAX_LEN];
    int rc = opt_arr(c, spec, "taints", DAAS_SCHED_MAX_TAINTS, "spec.taints", &arr);
    daas_sched_taint *out =
        daas_sched__arena_alloc(&c->mem, (json_array_size(arr) + 1) * sizeof(*out));
    json_array_foreach(arr, i, t)
    {
        const char *eff = NULL;
        at(p, "spec.taints[%zu]", i);
        if (rc == DAAS_OK && !json_is_object(t))
            rc = fail_at(c, p, "must be an object");
        if (rc == DAAS_OK)
            rc = field_str(c, t, "key", true, p, &out[i].key);
        if (rc == DAAS_OK)
            rc = field_str(c, t, "value", false, p, &out[i].value);
        if (rc == DAAS_OK)
            rc = field_str(c, t, "effect", true, p, &eff);
        if (rc == DAAS_OK && effect_of(eff, false) < 0)
            rc = fail_at(c, p, "unknown effect \"%.32s\"", eff);
        if (rc != DAAS_OK)
            return rc;
        out[i].effect = (uint8_t)effect_of(eff, false);
    }
    n->taints = out;
    n->n_taints = json_array_size(arr);
    return rc;
}

static int node_convert(conv *c, const json_t *obj, daas_sched_node *n)
{
    const json_t *meta = NULL, *ann = NULL, *spec = NULL, *status = NULL, *unsched = NULL;
    reslist alloc;
    int rc = json_is_object(obj) ? DAAS_OK : fail_at(c, "$", "a Node must be an object");
    if (rc == DAAS_OK)
        rc = opt_obj(c, obj, "metadata", "metadata", &meta);
    if (rc == DAAS_OK)
        rc = field_str(c, meta, "name", true, "metadata.name", &n->name);
    if (rc == DAAS_OK)
        rc = opt_obj(c, meta, "annotations", "metadata.annotations", &ann);
    if (rc == DAAS_OK)
        rc = node_owner(c, ann, n);
    if (rc == DAAS_OK)
        rc = node_stake(c, ann, n);
    if (rc == DAAS_OK)
        rc = label_map(c, meta, "labels", "metadata.labels", &n->labels, &n->n_labels);
    if (rc == DAAS_OK)
        rc = opt_obj(c, obj, "spec", "spec", &spec);
    if (rc == DAAS_OK && (unsched = get(spec, "unschedulable")) != NULL) {
        if (!json_is_boolean(unsched))
            rc = fail_at(c, "spec.unschedulable", "must be a boolean");
        n->unschedulable = json_is_true(unsched);
    }
    if (rc == DAAS_OK)
        rc = node_taints(c, spec, n);
    if (rc == DAAS_OK)
        rc = opt_obj(c, obj, "status", "status", &status);
    if (rc == DAAS_OK)
        rc = node_ready(c, status, n);
    if (rc == DAAS_OK)
        rc = res_map(c, status, "allocatable", false, "status.allocatable", &alloc);
    if (rc == DAAS_OK)
        rc = res_out(c, &alloc, true, "status.allocatable", &n->alloc, &n->n_alloc);
    return rc;
}

/* Contract in kube.h. */
int daas_sched_kube_node(const json_t *obj, daas_sched_knode *out, daas_err *err)
{
    conv c = {.mem = NULL, .err = err};
    daas_err e = {0};
    memset(out, 0, sizeof(*out));
    int rc = node_convert(&c, obj, &out->node);
    if (rc == DAAS_OK && daas_sched__node_check(&out->node, &e) != DAAS_OK)
        rc = fail_at(&c, "$", "%s", e.msg);
    return daas_sched__arena_finish(rc, c.mem, out, sizeof(*out), &out->_mem);
}

/* Contract in kube.h. */
void daas_sched_knode_fini(daas_sched_knode *k)
{
    daas_sched__arena_release(&k->_mem, k, sizeof(*k));
}

/* ---- pod: effective requests (kube.h "Pod") ---- */

/* Requests of container c (index i of list) into l. *sidecar: restartPolicy Always. */
static int container_requests(conv *c, const json_t *ctr, const char *list, size_t i, reslist *l,
                              bool *sidecar)
{
    char p[PATH_MAX_LEN];
    const json_t *res = NULL, *rp = NULL;
    at(p, "spec.%s[%zu]", list, i);
    if (!json_is_object(ctr))
        return fail_at(c, p, "must be an object");
    rp = get(ctr, "restartPolicy");
    if (rp != NULL && !json_is_string(rp))
        return fail_at(c, p, "restartPolicy must be a string");
    *sidecar = rp != NULL && strcmp(json_string_value(rp), "Always") == 0;
    at(p, "spec.%s[%zu].resources", list, i);
    int rc = opt_obj(c, ctr, "resources", p, &res);
    at(p, "spec.%s[%zu].resources.requests", list, i);
    if (rc == DAAS_OK)
        rc = res_map(c, res, "requests", true, p, l);
    return rc;
}

static int pod_requests(conv *c, const json_t *spec, reslist *reqs)
{
    const json_t *ctrs = NULL, *inits = NULL, *ctr = NULL;
    reslist one, side = {.n = 0}, init = {.n = 0};
    bool sidecar;
    size_t i;
    reqs->n = 0;
    int rc =
        opt_arr(c, spec, "containers", DAAS_SCHED_KUBE_MAX_CONTAINERS, "spec.containers", &ctrs);
    if (rc == DAAS_OK)
        rc = opt_arr(c, spec, "initContainers", DAAS_SCHED_KUBE_MAX_CONTAINERS,
                     "spec.initContainers", &inits);
    json_array_foreach(ctrs, i, ctr)
    {
        if (rc == DAAS_OK)
            rc = container_requests(c, ctr, "containers", i, &one, &sidecar);
        if (rc == DAAS_OK)
            rc = res_merge(c, reqs, &one, false, "spec.containers");
    }
    json_array_foreach(inits, i, ctr)
    {
        if (rc == DAAS_OK)
            rc = container_requests(c, ctr, "initContainers", i, &one, &sidecar);
        if (rc == DAAS_OK && sidecar) {
            rc = res_merge(c, reqs, &one, false, "spec.initContainers");
            if (rc == DAAS_OK)
                rc = res_merge(c, &side, &one, false, "spec.initContainers");
            one = side;
        } else if (rc == DAAS_OK) {
            rc = res_merge(c, &one, &side, false, "spec.initContainers");
        }
        if (rc == DAAS_OK)
            rc = res_merge(c, &init, &one, true, "spec.initContainers");
    }
    if (rc == DAAS_OK)
        rc = res_merge(c, reqs, &init, true, "spec.initContainers");
    if (rc == DAAS_OK)
        rc = res_map(c, spec, "overhead", true, "spec.overhead", &one);
    if (rc == DAAS_OK)
        rc = res_merge(c, reqs, &one, false, "spec.overhead");
    return rc;
}

/* ---- pod: affinity and tolerations ---- */

static int op_of(const char *s)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, ops[i]) == 0)
            return i;
    return -1;
}

static int expr_convert(conv *c, const json_t *x, const char *path, daas_sched_expr *e)
{
    const json_t *vals = NULL, *v = NULL;
    const char *op = NULL;
    char p[PATH_MAX_LEN];
    size_t i;
    int rc = json_is_object(x) ? DAAS_OK : fail_at(c, path, "must be an object");
    if (rc == DAAS_OK)
        rc = field_str(c, x, "key", true, path, &e->key);
    if (rc == DAAS_OK)
        rc = field_str(c, x, "operator", true, path, &op);
    if (rc == DAAS_OK && op_of(op) < 0)
        rc = fail_at(c, path, "unknown operator \"%.32s\"", op);
    if (rc == DAAS_OK)
        rc = opt_arr(c, x, "values", DAAS_SCHED_MAX_VALUES, path, &vals);
    if (rc != DAAS_OK)
        return rc;
    e->op = (uint8_t)op_of(op);
    const char **out = daas_sched__arena_alloc(&c->mem, (json_array_size(vals) + 1) * sizeof(*out));
    json_array_foreach(vals, i, v)
    {
        at(p, "%s.values[%zu]", path, i);
        rc = copy_str(c, v, true, p, &out[i]);
        if (rc != DAAS_OK)
            return rc;
    }
    e->values = out;
    e->n_values = json_array_size(vals);
    return DAAS_OK;
}

static int exprs_convert(conv *c, const json_t *term, const char *key, const char *path,
                         const daas_sched_expr **out, size_t *n)
{
    const json_t *arr = NULL, *x = NULL;
    char p[PATH_MAX_LEN];
    size_t i;
    at(p, "%s.%s", path, key);
    int rc = opt_arr(c, term, key, DAAS_SCHED_MAX_EXPRS, p, &arr);
    daas_sched_expr *e = daas_sched__arena_alloc(&c->mem, (json_array_size(arr) + 1) * sizeof(*e));
    json_array_foreach(arr, i, x)
    {
        at(p, "%s.%s[%zu]", path, key, i);
        if (rc == DAAS_OK)
            rc = expr_convert(c, x, p, &e[i]);
    }
    *out = e;
    *n = json_array_size(arr);
    return rc;
}

#define REQUIRED_PATH "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"

static int pod_affinity(conv *c, const json_t *spec, daas_sched_pod *p)
{
    const json_t *aff = NULL, *na = NULL, *req = NULL, *terms = NULL, *t;
    char path[PATH_MAX_LEN];
    size_t i;
    int rc = opt_obj(c, spec, "affinity", "spec.affinity", &aff);
    if (rc == DAAS_OK)
        rc = opt_obj(c, aff, "nodeAffinity", "spec.affinity.nodeAffinity", &na);
    if (rc == DAAS_OK)
        rc = opt_obj(c, na, "requiredDuringSchedulingIgnoredDuringExecution", REQUIRED_PATH, &req);
    if (rc == DAAS_OK)
        rc = opt_arr(c, req, "nodeSelectorTerms", DAAS_SCHED_MAX_TERMS,
                     REQUIRED_PATH ".nodeSelectorTerms", &terms);
    if (rc != DAAS_OK || req == NULL)
        return rc;
    daas_sched_term *out =
        daas_sched__arena_alloc(&c->mem, (json_array_size(terms) + 1) * sizeof(*out));
    json_array_foreach(terms, i, t)
    {
        at(path, REQUIRED_PATH ".nodeSelectorTerms[%zu]", i);
        if (rc == DAAS_OK && !json_is_object(t))
            rc = fail_at(c, path, "must be an object");
        if (rc == DAAS_OK)
            rc = exprs_convert(c, t, "matchExpressions", path, &out[i].exprs, &out[i].n_exprs);
        if (rc == DAAS_OK)
            rc = exprs_convert(c, t, "matchFields", path, &out[i].fields, &out[i].n_fields);
    }
    p->has_affinity = true;
    p->terms = out;
    p->n_terms = json_array_size(terms);
    return rc;
}

static int toleration_convert(conv *c, const json_t *t, const char *path,
                              daas_sched_toleration *out)
{
    const char *op = NULL, *eff = NULL;
    int rc = json_is_object(t) ? DAAS_OK : fail_at(c, path, "must be an object");
    if (rc == DAAS_OK)
        rc = field_str(c, t, "key", false, path, &out->key);
    if (rc == DAAS_OK)
        rc = field_str(c, t, "operator", false, path, &op);
    if (rc == DAAS_OK)
        rc = field_str(c, t, "value", false, path, &out->value);
    if (rc == DAAS_OK)
        rc = field_str(c, t, "effect", false, path, &eff);
    if (rc != DAAS_OK)
        return rc;
    if (op[0] == '\0' || strcmp(op, "Equal") == 0)
        out->op = DAAS_SCHED_TOL_EQUAL;
    else if (strcmp(op, "Exists") == 0)
        out->op = DAAS_SCHED_TOL_EXISTS;
    else
        return fail_at(c, path, "unknown operator \"%.32s\"", op);
    if (effect_of(eff, true) < 0)
        return fail_at(c, path, "unknown effect \"%.32s\"", eff);
    out->effect = (uint8_t)effect_of(eff, true);
    return DAAS_OK;
}

static int pod_tolerations(conv *c, const json_t *spec, daas_sched_pod *p)
{
    const json_t *arr = NULL, *t = NULL;
    char path[PATH_MAX_LEN];
    size_t i;
    int rc = opt_arr(c, spec, "tolerations", DAAS_SCHED_MAX_TOLERATIONS, "spec.tolerations", &arr);
    daas_sched_toleration *out =
        daas_sched__arena_alloc(&c->mem, (json_array_size(arr) + 1) * sizeof(*out));
    json_array_foreach(arr, i, t)
    {
        at(path, "spec.tolerations[%zu]", i);
        if (rc == DAAS_OK)
            rc = toleration_convert(c, t, path, &out[i]);
    }
    p->tolerations = out;
    p->n_tolerations = json_array_size(arr);
    return rc;
}

/* ---- pod ---- */

static int pod_meta(conv *c, const json_t *obj, daas_sched_pod *p, bool *deleting)
{
    const json_t *meta = NULL;
    int rc = json_is_object(obj) ? DAAS_OK : fail_at(c, "$", "a Pod must be an object");
    if (rc == DAAS_OK)
        rc = opt_obj(c, obj, "metadata", "metadata", &meta);
    if (rc == DAAS_OK)
        rc = field_str(c, meta, "uid", true, "metadata.uid", &p->uid);
    if (rc == DAAS_OK)
        rc = field_str(c, meta, "namespace", true, "metadata.namespace", &p->ns);
    if (rc == DAAS_OK)
        rc = field_str(c, meta, "name", true, "metadata.name", &p->name);
    *deleting = get(meta, "deletionTimestamp") != NULL;
    return rc;
}

/* spec.nodeName and the pending flag (kube.h). */
static int pod_binding(conv *c, const json_t *obj, const json_t *spec, bool deleting,
                       daas_sched_kpod *k)
{
    const json_t *status = NULL, *gates = NULL;
    const char *phase = "";
    int rc = field_str(c, spec, "nodeName", false, "spec.nodeName", &k->node_name);
    if (rc == DAAS_OK)
        rc = opt_obj(c, obj, "status", "status", &status);
    if (rc == DAAS_OK)
        rc = field_str(c, status, "phase", false, "status.phase", &phase);
    if (rc == DAAS_OK)
        rc = opt_arr(c, spec, "schedulingGates", 64, "spec.schedulingGates", &gates);
    k->pending = rc == DAAS_OK && k->node_name[0] == '\0' && !deleting &&
                 (phase[0] == '\0' || strcmp(phase, "Pending") == 0) && json_array_size(gates) == 0;
    return rc;
}

static int pod_convert(conv *c, const json_t *obj, daas_sched_kpod *k)
{
    daas_sched_pod *p = &k->pod;
    const json_t *spec = NULL;
    reslist reqs;
    bool deleting = false;
    int rc = pod_meta(c, obj, p, &deleting);
    if (rc == DAAS_OK)
        rc = opt_obj(c, obj, "spec", "spec", &spec);
    if (rc == DAAS_OK)
        rc = pod_requests(c, spec, &reqs);
    if (rc == DAAS_OK)
        rc = res_out(c, &reqs, false, "spec (effective requests)", &p->requests, &p->n_requests);
    if (rc == DAAS_OK)
        rc = label_map(c, spec, "nodeSelector", "spec.nodeSelector", &p->node_selector,
                       &p->n_node_selector);
    if (rc == DAAS_OK)
        rc = pod_affinity(c, spec, p);
    if (rc == DAAS_OK)
        rc = pod_tolerations(c, spec, p);
    if (rc == DAAS_OK)
        rc = pod_binding(c, obj, spec, deleting, k);
    return rc;
}

/* Contract in kube.h. */
int daas_sched_kube_pod(const json_t *obj, daas_sched_kpod *out, daas_err *err)
{
    conv c = {.mem = NULL, .err = err};
    daas_err e = {0};
    memset(out, 0, sizeof(*out));
    int rc = pod_convert(&c, obj, out);
    if (rc == DAAS_OK && daas_sched_pod_digest(&out->pod, out->pod.spec_digest, &e) != DAAS_OK)
        rc = fail_at(&c, "$", "%s", e.msg);
    return daas_sched__arena_finish(rc, c.mem, out, sizeof(*out), &out->_mem);
}

/* Contract in kube.h. */
void daas_sched_kpod_fini(daas_sched_kpod *k)
{
    daas_sched__arena_release(&k->_mem, k, sizeof(*k));
}

/* Contract in kube.h. */
int daas_sched_pod_digest(const daas_sched_pod *p, uint8_t out[DAAS_SCHED_DIGEST_LEN],
                          daas_err *err)
{
    daas_sched_pod z = *p;
    daas_buf b;
    memset(z.spec_digest, 0, sizeof(z.spec_digest));
    daas_buf_init(&b, DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = daas_sched_pod_encode(&z, &b, err);
    if (rc == DAAS_OK)
        crypto_generichash(out, DAAS_SCHED_DIGEST_LEN, (const unsigned char *)b.data, b.len, NULL,
                           0);
    daas_buf_fini(&b);
    return rc;
}
