/*
 * kind_apps.c: apps/v1 deployments and replicasets (rows, defaults, validation), and the
 *              LabelSelector helpers they need (string form, matching, Go renderings).
 *
 * Owns:   the apps hooks of the kinds table; label selector formatting for Tables and causes.
 * Not:    the deployment/replicaset controllers; URL label selectors (selector.c).
 * Invariants: hooks are pure and idempotent; selectors print as labels.Selector.String().
 * Spec:   specs/kube-api.md §4.1, §4.4, §6.4; upstream 1.32 printers.go printDeployment /
 *         printReplicaSet, pkg/apis/apps/v1/defaults.go, pkg/apis/apps/validation,
 *         apimachinery labels/selector.go and meta/v1 helpers.go (LabelSelectorAsSelector).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kube/kind_int.h"
#include "kube/obj.h"

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ------------------------------------------------------- label selectors */

enum { OP_EQ, OP_IN, OP_NOTIN, OP_EXISTS, OP_DNE };

/* One labels.Requirement, borrowing strings from the selector JSON. */
typedef struct req {
    const char *key;
    int op;
    const json_t *values; /* array for IN/NOTIN, string for EQ, NULL otherwise */
    size_t order;         /* insertion order, for a deterministic sort */
} req;

static int cmp_req(const void *a, const void *b)
{
    const req *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->order < y->order ? -1 : 1);
}

static int op_of(const char *s)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist"};
    for (int i = 0; i < 4; i++)
        if (streq(s, ops[i]))
            return OP_IN + i;
    return -1;
}

/* LabelSelectorAsSelector: the requirements sorted by key, or -1 when invalid. *out is
 * allocated (daas_free) when the count is >= 0. */
static int selector_reqs(const json_t *sel, req **out)
{
    json_t *ml = json_object_get(sel, "matchLabels"),
           *me = json_object_get(sel, "matchExpressions");
    size_t n = 0, i;
    const char *k;
    json_t *x;
    req *r = daas_xcalloc(json_object_size(ml) + json_array_size(me) + 1, sizeof *r);
    json_object_foreach(ml, k, x)
    {
        r[n] = (req){k, OP_EQ, x, n};
        n++;
    }
    json_array_foreach(me, i, x)
    {
        const char *key = json_string_value(json_object_get(x, "key"));
        int op = op_of(json_string_value(json_object_get(x, "operator")));
        json_t *vals = json_object_get(x, "values");
        bool set = op == OP_IN || op == OP_NOTIN;
        if (key == NULL || op < 0 || (set && json_array_size(vals) == 0) ||
            (!set && json_array_size(vals) > 0)) {
            daas_free(r);
            return -1;
        }
        r[n] = (req){key, op, set ? vals : NULL, n};
        n++;
    }
    qsort(r, n, sizeof *r, cmp_req);
    *out = r;
    return (int)n;
}

static int cmp_json_str(const void *a, const void *b)
{
    const char *x = json_string_value(*(json_t *const *)a);
    const char *y = json_string_value(*(json_t *const *)b);
    return strcmp(x ? x : "", y ? y : "");
}

/* "k in (a,b)" with values sorted, as Requirement.String(). */
static int put_set(daas_buf *b, const req *r)
{
    size_t n = json_array_size(r->values);
    json_t **v = daas_xcalloc(n + 1, sizeof *v);
    int rc = daas_buf_printf(b, "%s %s (", r->key, r->op == OP_IN ? "in" : "notin");
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(r->values, i);
    qsort(v, n, sizeof *v, cmp_json_str);
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        const char *s = json_string_value(v[i]);
        rc = daas_buf_printf(b, "%s%s", i ? "," : "", s ? s : "");
    }
    daas_free(v);
    return rc == DAAS_OK ? daas_buf_puts(b, ")") : rc;
}

char *daas_kube__selector_string(const json_t *sel)
{
    req *r = NULL;
    int n = json_is_object(sel) ? selector_reqs(sel, &r) : 0;
    daas_buf b;
    int rc = DAAS_OK;
    if (n < 0)
        return NULL;
    daas_buf_init(&b, 0);
    for (int i = 0; i < n && rc == DAAS_OK; i++) {
        const char *val = json_string_value(r[i].values);
        if (i > 0)
            rc = daas_buf_puts(&b, ",");
        if (rc != DAAS_OK)
            break;
        if (r[i].op == OP_EQ)
            rc = daas_buf_printf(&b, "%s=%s", r[i].key, val ? val : "");
        else if (r[i].op == OP_EXISTS)
            rc = daas_buf_puts(&b, r[i].key);
        else if (r[i].op == OP_DNE)
            rc = daas_buf_printf(&b, "!%s", r[i].key);
        else
            rc = put_set(&b, &r[i]);
    }
    daas_free(r);
    char *s = daas_xstrdup(b.data ? b.data : "");
    daas_buf_fini(&b);
    return s;
}

static bool in_values(const json_t *values, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(values, i, x)
    {
        if (streq(json_string_value(x), s))
            return true;
    }
    return false;
}

bool daas_kube__selector_matches(const json_t *sel, const json_t *labels)
{
    req *r = NULL;
    bool ok = true;
    if (!json_is_object(sel))
        return false; /* a nil selector selects nothing */
    int n = selector_reqs(sel, &r);
    if (n < 0)
        return false;
    for (int i = 0; i < n && ok; i++) {
        const char *have = json_string_value(json_object_get(labels, r[i].key));
        if (r[i].op == OP_EQ)
            ok = streq(have, json_string_value(r[i].values));
        else if (r[i].op == OP_IN)
            ok = have != NULL && in_values(r[i].values, have);
        else if (r[i].op == OP_NOTIN)
            ok = have == NULL || !in_values(r[i].values, have);
        else
            ok = (have != NULL) == (r[i].op == OP_EXISTS);
    }
    daas_free(r);
    return ok;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted (Go prints maps with sorted keys). Caller frees. */
static const char **sorted_keys(const json_t *m, size_t *n)
{
    const char **keys = daas_xcalloc(json_object_size(m) + 1, sizeof *keys);
    const char *k;
    json_t *x;
    *n = 0;
    json_object_foreach((json_t *)m, k, x)
    {
        keys[(*n)++] = k;
    }
    qsort(keys, *n, sizeof *keys, cmp_cstr);
    return keys;
}

char *daas_kube__format_labels(const json_t *labels)
{
    size_t n;
    const char **keys = sorted_keys(labels, &n);
    daas_buf b;
    int rc = DAAS_OK;
    daas_buf_init(&b, 0);
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        const char *v = json_string_value(json_object_get(labels, keys[i]));
        rc = daas_buf_printf(&b, "%s%s=%s", i ? "," : "", keys[i], v ? v : "");
    }
    daas_free(keys);
    char *s = daas_xstrdup(b.len ? b.data : "<none>");
    daas_buf_fini(&b);
    return s;
}

typedef int (*go_item_fn)(daas_buf *b, const json_t *x);

/* Appends Go's %#v of a []type slice to b: "[]type(nil)" when arr is not an array, else
 * "[]type{a, b}" with each element rendered by item. */
static int go_slice(daas_buf *b, const json_t *arr, const char *type, go_item_fn item)
{
    size_t i;
    json_t *x;
    if (!json_is_array(arr))
        return daas_buf_printf(b, "[]%s(nil)", type);
    int rc = daas_buf_printf(b, "[]%s{", type);
    json_array_foreach(arr, i, x)
    {
        if (rc == DAAS_OK && i > 0)
            rc = daas_buf_puts(b, ", ");
        if (rc == DAAS_OK)
            rc = item(b, x);
    }
    return rc == DAAS_OK ? daas_buf_puts(b, "}") : rc;
}

static int go_string_item(daas_buf *b, const json_t *x)
{
    char q[512];
    daas_kube__go_quote(json_string_value(x) ? json_string_value(x) : "", q, sizeof q);
    return daas_buf_puts(b, q);
}

/* Appends Go's %#v of a string slice to b. */
static int go_strings(daas_buf *b, const json_t *arr)
{
    return go_slice(b, arr, "string", go_string_item);
}

/* Appends Go's %#v of a string map to b. */
static int go_map_into(daas_buf *b, const json_t *m)
{
    char qk[512], qv[512];
    size_t n;
    if (!json_is_object(m))
        return daas_buf_puts(b, "map[string]string(nil)");
    const char **keys = sorted_keys(m, &n);
    int rc = daas_buf_puts(b, "map[string]string{");
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        const char *v = json_string_value(json_object_get(m, keys[i]));
        daas_kube__go_quote(keys[i], qk, sizeof qk);
        daas_kube__go_quote(v ? v : "", qv, sizeof qv);
        rc = daas_buf_printf(b, "%s%s:%s", i ? ", " : "", qk, qv);
    }
    daas_free(keys);
    return rc == DAAS_OK ? daas_buf_puts(b, "}") : rc;
}

static char *buf_take(daas_buf *b)
{
    char *s = daas_xstrdup(b->data ? b->data : "");
    daas_buf_fini(b);
    return s;
}

char *daas_kube__go_map(const json_t *m)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    (void)go_map_into(&b, m);
    return buf_take(&b);
}

static int go_expr_item(daas_buf *b, const json_t *x)
{
    char q[512];
    const char *k = json_string_value(json_object_get(x, "key"));
    const char *op = json_string_value(json_object_get(x, "operator"));
    daas_kube__go_quote(k ? k : "", q, sizeof q);
    int rc = daas_buf_printf(b, "v1.LabelSelectorRequirement{Key:%s, Operator:\"%s\", Values:", q,
                             op ? op : "");
    if (rc == DAAS_OK)
        rc = go_strings(b, json_object_get(x, "values"));
    return rc == DAAS_OK ? daas_buf_puts(b, "}") : rc;
}

static int go_exprs(daas_buf *b, const json_t *me)
{
    return go_slice(b, me, "v1.LabelSelectorRequirement", go_expr_item);
}

char *daas_kube__go_selector(const json_t *sel)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    int rc = daas_buf_puts(&b, "v1.LabelSelector{MatchLabels:");
    rc = rc == DAAS_OK ? go_map_into(&b, json_object_get(sel, "matchLabels")) : rc;
    rc = rc == DAAS_OK ? daas_buf_puts(&b, ", MatchExpressions:") : rc;
    rc = rc == DAAS_OK ? go_exprs(&b, json_object_get(sel, "matchExpressions")) : rc;
    rc = rc == DAAS_OK ? daas_buf_puts(&b, "}") : rc;
    (void)rc; /* only the 256 MiB cap can fail; the text is then merely cut short */
    return buf_take(&b);
}

void daas_kube__check_label_selector(daas_kube_verr *v, const json_t *sel, const char *field)
{
    char f[DAAS_KUBE__PATH_MAX];
    size_t i, j;
    json_t *x, *val;
    snprintf(f, sizeof f, "%s.matchLabels", field);
    daas_kube__check_labels(v, json_object_get(sel, "matchLabels"), f);
    json_array_foreach(json_object_get(sel, "matchExpressions"), i, x)
    {
        const char *op = json_string_value(json_object_get(x, "operator"));
        const char *key = json_string_value(json_object_get(x, "key"));
        size_t nv = json_array_size(json_object_get(x, "values"));
        int o = op_of(op);
        snprintf(f, sizeof f, "%s.matchExpressions[%zu].values", field, i);
        if ((o == OP_IN || o == OP_NOTIN) && nv == 0)
            daas_kube__req(v, f, "must be specified when `operator` is 'In' or 'NotIn'");
        else if ((o == OP_EXISTS || o == OP_DNE) && nv > 0)
            daas_kube__forbid(v, f,
                              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        snprintf(f, sizeof f, "%s.matchExpressions[%zu].operator", field, i);
        if (o < 0)
            daas_kube__inv_str(v, f, op ? op : "", "not a valid selector operator");
        snprintf(f, sizeof f, "%s.matchExpressions[%zu].key", field, i);
        daas_kube__check_qualified_name(v, f, key ? key : "");
        json_array_foreach(json_object_get(x, "values"), j, val)
        {
            snprintf(f, sizeof f, "%s.matchExpressions[%zu].values[%zu]", field, i, j);
            daas_kube__check_label_value(v, f,
                                         json_string_value(val) ? json_string_value(val) : "");
        }
    }
}

/* ------------------------------------------------------------------ rows */

static json_t *name_cell(const json_t *obj)
{
    const char *n = daas_kube_str(obj, "metadata.name");
    return json_string(n != NULL ? n : "");
}

json_t *daas_kube__deploy_row(const json_t *obj, int64_t now)
{
    char ready[48];
    json_t *names, *images;
    char *sel = daas_kube__selector_string(daas_kube_path(obj, "spec.selector"));
    snprintf(ready, sizeof ready, "%lld/%lld",
             (long long)daas_kube_int(obj, "status.readyReplicas", 0),
             (long long)daas_kube_int(obj, "spec.replicas", 1));
    daas_kube__container_cells(daas_kube_path(obj, "spec.template.spec.containers"), &names,
                               &images);
    json_t *row =
        json_pack("[o, s, I, I, o, o, o, s]", name_cell(obj), ready,
                  (json_int_t)daas_kube_int(obj, "status.updatedReplicas", 0),
                  (json_int_t)daas_kube_int(obj, "status.availableReplicas", 0),
                  daas_kube_cell_age(obj, now), names, images, sel != NULL ? sel : "<invalid>");
    daas_free(sel);
    return row;
}

json_t *daas_kube__rs_row(const json_t *obj, int64_t now)
{
    json_t *names, *images;
    char *sel = daas_kube__selector_string(daas_kube_path(obj, "spec.selector"));
    daas_kube__container_cells(daas_kube_path(obj, "spec.template.spec.containers"), &names,
                               &images);
    /* metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid. */
    json_t *row = json_pack("[o, I, I, I, o, o, o, s]", name_cell(obj),
                            (json_int_t)daas_kube_int(obj, "spec.replicas", 1),
                            (json_int_t)daas_kube_int(obj, "status.replicas", 0),
                            (json_int_t)daas_kube_int(obj, "status.readyReplicas", 0),
                            daas_kube_cell_age(obj, now), names, images,
                            sel == NULL ? "<error>"
                            : *sel      ? sel
                                        : "<none>");
    daas_free(sel);
    return row;
}

/* -------------------------------------------------------------- defaults */

static void template_defaults(json_t *spec)
{
    daas_kube__podspec_defaults(daas_kube_mkpath(spec, "template.spec"));
}

/* SPEC: apps/v1 SetDefaults_Deployment. */
void daas_kube__deploy_defaults(json_t *obj, const json_t *old)
{
    (void)old;
    json_t *spec = daas_kube_mkpath(obj, "spec");
    daas_kube__setdef(spec, "replicas", json_integer(1));
    json_t *strategy = daas_kube_mkpath(spec, "strategy");
    daas_kube__setdef(strategy, "type", json_string("RollingUpdate"));
    if (streq(json_string_value(json_object_get(strategy, "type")), "RollingUpdate")) {
        json_t *ru = daas_kube_mkpath(strategy, "rollingUpdate");
        daas_kube__setdef(ru, "maxUnavailable", json_string("25%"));
        daas_kube__setdef(ru, "maxSurge", json_string("25%"));
    }
    daas_kube__setdef(spec, "revisionHistoryLimit", json_integer(10));
    daas_kube__setdef(spec, "progressDeadlineSeconds", json_integer(600));
    template_defaults(spec);
}

/* SPEC: apps/v1 SetDefaults_ReplicaSet. */
void daas_kube__rs_defaults(json_t *obj, const json_t *old)
{
    (void)old;
    json_t *spec = daas_kube_mkpath(obj, "spec");
    daas_kube__setdef(spec, "replicas", json_integer(1));
    template_defaults(spec);
}

/* ------------------------------------------------------------ validation */

/* Selector required, valid and non-empty. Returns its string form ("" when empty; a
 * non-empty placeholder for a missing selector, which selects nothing), NULL when invalid. */
static char *check_selector(daas_kube_verr *v, const json_t *sel, const char *what)
{
    char *s;
    if (!json_is_object(sel)) {
        daas_kube__req(v, "spec.selector", NULL);
        return daas_xstrdup("<nothing>");
    }
    daas_kube__check_label_selector(v, sel, "spec.selector");
    if (daas_kube__count(sel, "matchLabels") + daas_kube__count(sel, "matchExpressions") == 0) {
        s = daas_kube__go_selector(sel);
        daas_kube__inv_raw(v, "spec.selector", s, what);
        daas_free(s);
    }
    char *str = daas_kube__selector_string(sel);
    if (str == NULL) {
        s = daas_kube__go_selector(sel);
        daas_kube__inv_raw(v, "spec.selector", s, "invalid label selector");
        daas_free(s);
    }
    return str;
}

/* ValidatePodTemplateSpecForReplicaSet (and the DaemonSet's twin, kind "ReplicaSet" or
 * "DaemonSet"), after the selector was found valid. */
static void check_template(daas_kube_verr *v, const json_t *sel, const char *selstr,
                           const json_t *tmpl, const char *kind)
{
    static const char *const always[] = {"Always", NULL};
    json_t *tlabels = daas_kube_path(tmpl, "metadata.labels");
    json_t *pspec = daas_kube_path(tmpl, "spec");
    json_t *empty = json_object();
    /* labels.Nothing() (no selector) is not Empty() and matches nothing. */
    if (*selstr != '\0' && !daas_kube__selector_matches(sel, tlabels ? tlabels : empty)) {
        char *s = daas_kube__go_map(tlabels);
        daas_kube__inv_raw(v, "spec.template.metadata.labels", s,
                           "`selector` does not match template `labels`");
        daas_free(s);
    }
    daas_kube__check_labels(v, tlabels, "spec.template.metadata.labels");
    daas_kube__podspec_validate(json_is_object(pspec) ? pspec : empty, "spec.template.spec", v);
    const char *rp = daas_kube_str(pspec, "restartPolicy");
    if (rp != NULL && strcmp(rp, "Always") != 0)
        daas_kube__unsupported(v, "spec.template.spec.restartPolicy", rp, always);
    if (json_object_get(pspec, "activeDeadlineSeconds") != NULL) {
        char msg[64];
        snprintf(msg, sizeof msg, "activeDeadlineSeconds in %s is not Supported", kind);
        daas_kube__forbid(v, "spec.template.spec.activeDeadlineSeconds", msg);
    }
    json_decref(empty);
}

/* ValidateReplicaSetSpec / ValidateDeploymentSpec (kind "ReplicaSet"): selector required;
 * ValidateDaemonSetSpec (kind "DaemonSet"): a missing selector selects nothing, so only the
 * template labels are reported. */
static void check_selector_and_template(daas_kube_verr *v, const json_t *spec, const char *kind)
{
    json_t *sel = json_object_get(spec, "selector");
    bool ds = strcmp(kind, "DaemonSet") == 0;
    char *str = ds && !json_is_object(sel)
                    ? daas_xstrdup("<nothing>")
                    : check_selector(v, sel,
                                     ds ? "empty selector is invalid for daemonset"
                                        : "empty selector is invalid for deployment");
    if (str != NULL)
        check_template(v, sel, str, json_object_get(spec, "template"), kind);
    daas_free(str);
}

static void check_selector_immutable(daas_kube_verr *v, const json_t *spec, const json_t *old)
{
    json_t *a = json_object_get(spec, "selector");
    json_t *b = daas_kube_path(old, "spec.selector");
    if (b == NULL || json_equal(a, b))
        return;
    char *s = daas_kube__go_selector(a);
    daas_kube__inv_raw(v, "spec.selector", s, "field is immutable");
    daas_free(s);
}

/* Go's %#v of an intstr.IntOrString as the apps validation reports it. */
static char *go_intstr(const json_t *x)
{
    char q[256];
    if (json_is_string(x)) {
        daas_kube__go_quote(json_string_value(x), q, sizeof q);
        return daas_xasprintf("intstr.IntOrString{Type:1, IntVal:0, StrVal:%s}", q);
    }
    return daas_xasprintf("intstr.IntOrString{Type:0, IntVal:%lld, StrVal:\"\"}",
                          (long long)json_integer_value(x));
}

/* ValidatePositiveIntOrPercent; returns the value as a percent-or-int number, -1 invalid. */
static int64_t check_int_or_percent(daas_kube_verr *v, const json_t *x, const char *field)
{
    if (json_is_integer(x)) {
        if (json_integer_value(x) < 0)
            daas_kube__inv_int(v, field, json_integer_value(x),
                               "must be greater than or equal to 0");
        return json_integer_value(x);
    }
    const char *s = json_string_value(x);
    size_t n = s ? strlen(s) : 0;
    bool ok = n >= 2 && s[n - 1] == '%';
    for (size_t i = 0; ok && i + 1 < n; i++)
        ok = s[i] >= '0' && s[i] <= '9';
    if (!ok) {
        daas_kube__inv_str(v, field, s ? s : "",
                           "a valid percent string must be a numeric string followed by an "
                           "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                           "'[0-9]+%')");
        return -1;
    }
    return strtoll(s, NULL, 10);
}

static void check_rolling_update(daas_kube_verr *v, const json_t *ru)
{
    json_t *mu = json_object_get(ru, "maxUnavailable"), *ms = json_object_get(ru, "maxSurge");
    int64_t u = mu ? check_int_or_percent(v, mu, "spec.strategy.rollingUpdate.maxUnavailable") : 0;
    int64_t s = ms ? check_int_or_percent(v, ms, "spec.strategy.rollingUpdate.maxSurge") : 0;
    if (u == 0 && s == 0) {
        char *g = go_intstr(mu);
        daas_kube__inv_raw(v, "spec.strategy.rollingUpdate.maxUnavailable", g,
                           "may not be 0 when `maxSurge` is 0");
        daas_free(g);
    }
    if (json_is_string(mu) && u > 100)
        daas_kube__inv_str(v, "spec.strategy.rollingUpdate.maxUnavailable", json_string_value(mu),
                           "must not be greater than 100%");
}

static void check_strategy(daas_kube_verr *v, const json_t *spec)
{
    static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
    json_t *st = json_object_get(spec, "strategy");
    const char *type = json_string_value(json_object_get(st, "type"));
    json_t *ru = json_object_get(st, "rollingUpdate");
    if (streq(type, "Recreate")) {
        if (ru != NULL && !json_is_null(ru))
            daas_kube__forbid(v, "spec.strategy.rollingUpdate",
                              "may not be specified when strategy `type` is 'Recreate'");
    } else if (streq(type, "RollingUpdate")) {
        if (!json_is_object(ru))
            daas_kube__req(v, "spec.strategy.rollingUpdate",
                           "this should be defaulted and never be nil");
        else
            check_rolling_update(v, ru);
    } else {
        daas_kube__unsupported(v, "spec.strategy.type", type ? type : "", types);
    }
}

/* The status counters upstream's ValidateDeploymentStatus / ValidateReplicaSetStatus /
 * ValidateDaemonSetStatus require to be >= 0. */
static const char *const deploy_counts[] = {
    "observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
    "unavailableReplicas", "terminatingReplicas", "collisionCount", NULL};
static const char *const rs_counts[] = {"observedGeneration", "replicas", "fullyLabeledReplicas",
                                        "readyReplicas", "availableReplicas", NULL};
static const char *const ds_counts[] = {
    "observedGeneration", "currentNumberScheduled", "numberMisscheduled",
    "desiredNumberScheduled", "numberReady", "updatedNumberScheduled", "numberAvailable",
    "numberUnavailable", "collisionCount", NULL};

void daas_kube__deploy_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    (void)old;
    daas_kube__check_status_counts(v, obj, deploy_counts);
}

void daas_kube__rs_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    (void)old;
    daas_kube__check_status_counts(v, obj, rs_counts);
}

void daas_kube__ds_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    (void)old;
    daas_kube__check_status_counts(v, obj, ds_counts);
}

void daas_kube__deploy_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *empty = json_object();
    const json_t *spec = json_object_get(obj, "spec");
    spec = json_is_object(spec) ? spec : empty;
    daas_kube__check_nonneg(v, spec, "replicas", "spec.replicas");
    check_selector_and_template(v, spec, "ReplicaSet");
    check_strategy(v, spec);
    daas_kube__check_nonneg(v, spec, "minReadySeconds", "spec.minReadySeconds");
    daas_kube__check_nonneg(v, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
    daas_kube__check_nonneg(v, spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds");
    json_t *pds = json_object_get(spec, "progressDeadlineSeconds");
    if (json_is_integer(pds) && json_integer_value(pds) >= 0 &&
        json_integer_value(pds) <= daas_kube_int(spec, "minReadySeconds", 0))
        daas_kube__inv_int(v, "spec.progressDeadlineSeconds", json_integer_value(pds),
                           "must be greater than minReadySeconds");
    if (old != NULL)
        check_selector_immutable(v, spec, old);
    json_decref(empty);
}

void daas_kube__rs_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *empty = json_object();
    const json_t *spec = json_object_get(obj, "spec");
    spec = json_is_object(spec) ? spec : empty;
    daas_kube__check_nonneg(v, spec, "replicas", "spec.replicas");
    daas_kube__check_nonneg(v, spec, "minReadySeconds", "spec.minReadySeconds");
    check_selector_and_template(v, spec, "ReplicaSet");
    if (old != NULL)
        check_selector_immutable(v, spec, old);
    json_decref(empty);
}

/* ------------------------------------------------------------ daemonsets */

json_t *daas_kube__ds_row(const json_t *obj, int64_t now)
{
    json_t *names, *images;
    char *sel = daas_kube__selector_string(daas_kube_path(obj, "spec.selector"));
    char *ns = daas_kube__format_labels(daas_kube_path(obj, "spec.template.spec.nodeSelector"));
    daas_kube__container_cells(daas_kube_path(obj, "spec.template.spec.containers"), &names,
                               &images);
    json_t *row = json_pack("[o, I, I, I, I, I, s, o, o, o, s]", name_cell(obj),
                            (json_int_t)daas_kube_int(obj, "status.desiredNumberScheduled", 0),
                            (json_int_t)daas_kube_int(obj, "status.currentNumberScheduled", 0),
                            (json_int_t)daas_kube_int(obj, "status.numberReady", 0),
                            (json_int_t)daas_kube_int(obj, "status.updatedNumberScheduled", 0),
                            (json_int_t)daas_kube_int(obj, "status.numberAvailable", 0), ns,
                            daas_kube_cell_age(obj, now), names, images,
                            sel == NULL ? "<error>"
                            : *sel      ? sel
                                        : "<none>");
    daas_free(sel);
    daas_free(ns);
    return row;
}

/* SPEC: apps/v1 SetDefaults_DaemonSet. */
void daas_kube__ds_defaults(json_t *obj, const json_t *old)
{
    (void)old;
    json_t *spec = daas_kube_mkpath(obj, "spec");
    json_t *st = daas_kube_mkpath(spec, "updateStrategy");
    daas_kube__setdef(st, "type", json_string("RollingUpdate"));
    if (streq(json_string_value(json_object_get(st, "type")), "RollingUpdate")) {
        json_t *ru = daas_kube_mkpath(st, "rollingUpdate");
        daas_kube__setdef(ru, "maxUnavailable", json_integer(1));
        daas_kube__setdef(ru, "maxSurge", json_integer(0));
    }
    daas_kube__setdef(spec, "revisionHistoryLimit", json_integer(10));
    template_defaults(spec);
}

/* ValidateRollingUpdateDaemonSet: both valid and <= 100%, exactly one of them non-zero. */
static void check_ds_rolling_update(daas_kube_verr *v, const json_t *ru)
{
    static const char *const fu = "spec.updateStrategy.rollingUpdate.maxUnavailable";
    static const char *const fs = "spec.updateStrategy.rollingUpdate.maxSurge";
    json_t *mu = json_object_get(ru, "maxUnavailable"), *ms = json_object_get(ru, "maxSurge");
    int64_t u = mu ? check_int_or_percent(v, mu, fu) : 0;
    int64_t s = ms ? check_int_or_percent(v, ms, fs) : 0;
    if (json_is_string(mu) && u > 100)
        daas_kube__inv_str(v, fu, json_string_value(mu), "must not be greater than 100%");
    if (json_is_string(ms) && s > 100)
        daas_kube__inv_str(v, fs, json_string_value(ms), "must not be greater than 100%");
    if (u > 0 && s > 0) {
        char *g = go_intstr(ms);
        daas_kube__inv_raw(v, fs, g, "may not be set when maxUnavailable is non-zero");
        daas_free(g);
    } else if (u <= 0 && s <= 0) {
        daas_kube__req(v, fu, "cannot be 0 when maxSurge is 0");
    }
}

/* ValidateDaemonSetUpdateStrategy. */
static void check_ds_strategy(daas_kube_verr *v, const json_t *spec)
{
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    json_t *st = json_object_get(spec, "updateStrategy");
    const char *type = json_string_value(json_object_get(st, "type"));
    json_t *ru = json_object_get(st, "rollingUpdate");
    if (streq(type, "OnDelete"))
        return;
    if (!streq(type, "RollingUpdate"))
        daas_kube__unsupported(v, "spec.updateStrategy", type ? type : "", types);
    else if (!json_is_object(ru))
        daas_kube__req(v, "spec.updateStrategy.rollingUpdate", NULL);
    else
        check_ds_rolling_update(v, ru);
}

void daas_kube__ds_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *empty = json_object();
    const json_t *spec = json_object_get(obj, "spec");
    spec = json_is_object(spec) ? spec : empty;
    check_selector_and_template(v, spec, "DaemonSet");
    daas_kube__check_nonneg(v, spec, "minReadySeconds", "spec.minReadySeconds");
    check_ds_strategy(v, spec);
    daas_kube__check_nonneg(v, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
    if (old != NULL)
        check_selector_immutable(v, spec, old);
    json_decref(empty);
}

/* --------------------------------------------------- controllerrevisions */

/* printControllerRevision: the controller as "<kind>.<group>/<name>" in lower case. */
json_t *daas_kube__cr_row(const json_t *obj, int64_t now)
{
    size_t i;
    json_t *ref, *ctl = NULL;
    json_array_foreach(daas_kube_path(obj, "metadata.ownerReferences"), i, ref)
    {
        if (ctl == NULL && json_is_true(json_object_get(ref, "controller")))
            ctl = ref;
    }
    char *who;
    if (ctl == NULL) {
        who = daas_xstrdup("<none>");
    } else {
        const char *av = daas_kube_str(ctl, "apiVersion"), *kind = daas_kube_str(ctl, "kind");
        const char *slash = av ? strchr(av, '/') : NULL;
        int glen = slash ? (int)(slash - av) : 0;
        const char *name = daas_kube_str(ctl, "name");
        who = kind == NULL || *kind == '\0' ? daas_xstrdup(name ? name : "")
                                            : daas_xasprintf("%s%s%.*s/%s", kind, glen ? "." : "",
                                                             glen, av ? av : "", name ? name : "");
        for (char *p = who; *p != '\0' && *p != '/'; p++)
            *p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    }
    json_t *row =
        json_pack("[o, s, I, o]", name_cell(obj), who,
                  (json_int_t)daas_kube_int(obj, "revision", 0), daas_kube_cell_age(obj, now));
    daas_free(who);
    return row;
}

/* ValidateControllerRevisionCreate / Update. */
void daas_kube__cr_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *data = json_object_get(obj, "data");
    if (data == NULL || json_is_null(data))
        daas_kube__req(v, "data", "data is mandatory");
    daas_kube__check_nonneg(v, obj, "revision", "revision");
    if (old != NULL &&
        !json_equal(data ? data : json_null(),
                    json_object_get(old, "data") ? json_object_get(old, "data") : json_null()))
        daas_kube__inv_raw(v, "data", "runtime.RawExtension{...}", "field is immutable");
}
