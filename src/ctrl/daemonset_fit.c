/*
 * daemonset_fit.c: what the DaemonSet plan is made of (daemonset.h): which nodes a daemon
 *                  pod belongs on, the template hash, int-or-percent values.
 *
 * Owns:   nothing stateful.
 * Invariants: matching never allocates more than a copy of the tolerations; an unknown
 *             operator matches nothing (the API validates operators).
 * Spec:   kubernetes pkg/controller/daemon/util/daemonset_util.go,
 *         component-helpers/scheduling/corev1 (node affinity, taints), apimachinery intstr,
 *         pkg/controller/controller_utils.go ComputeHash, apimachinery util/rand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/daemonset.h"
#include "kube/obj.h"

/* ---- taints ---- */

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ?: "", b ?: "") == 0;
}

/* v1.Toleration.ToleratesTaint. */
static bool tolerates(const json_t *tol, const json_t *taint)
{
    const char *eff = daas_kube_str(tol, "effect");
    if (eff && *eff && !str_eq(eff, daas_kube_str(taint, "effect")))
        return false;
    const char *key = daas_kube_str(tol, "key");
    const char *op = daas_kube_str(tol, "operator");
    bool exists = str_eq(op, "Exists");
    if (key && *key ? !str_eq(key, daas_kube_str(taint, "key")) : !exists)
        return false;
    if (exists)
        return true;
    return (op == NULL || !*op || str_eq(op, "Equal")) &&
           str_eq(daas_kube_str(tol, "value"), daas_kube_str(taint, "value"));
}

static bool tolerated(const json_t *tols, const json_t *taint)
{
    size_t i;
    json_t *t;
    json_array_foreach(tols, i, t)
    {
        if (tolerates(t, taint))
            return true;
    }
    return false;
}

/* The template's tolerations plus the DaemonSet defaults (AddOrUpdateDaemonPodTolerations).
 * New reference. */
static json_t *ds_tolerations(const json_t *ds)
{
    static const char *const defaults[][2] = {
        {"node.kubernetes.io/not-ready", "NoExecute"},
        {"node.kubernetes.io/unreachable", "NoExecute"},
        {"node.kubernetes.io/disk-pressure", "NoSchedule"},
        {"node.kubernetes.io/memory-pressure", "NoSchedule"},
        {"node.kubernetes.io/pid-pressure", "NoSchedule"},
        {"node.kubernetes.io/unschedulable", "NoSchedule"},
        {"node.kubernetes.io/network-unavailable", "NoSchedule"}, /* hostNetwork only */
    };
    const json_t *own = daas_kube_path(ds, "spec.template.spec.tolerations");
    json_t *out = json_is_array(own) ? json_deep_copy(own) : json_array();
    bool host_net = json_is_true(daas_kube_path(ds, "spec.template.spec.hostNetwork"));
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
        if (i == 6 && !host_net)
            break;
        bool have = false;
        size_t k;
        json_t *t;
        json_array_foreach(out, k, t) /* AddOrUpdateTolerationInPodSpec: same key+effect */
            have |= str_eq(daas_kube_str(t, "key"), defaults[i][0]) &&
                    str_eq(daas_kube_str(t, "effect"), defaults[i][1]);
        if (!have)
            json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "key", defaults[i][0], "operator",
                                                 "Exists", "effect", defaults[i][1]));
    }
    return out;
}

/* ---- node affinity ---- */

static bool in_values(const json_t *vals, const char *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(vals, i, x)
    {
        if (str_eq(json_string_value(x), v))
            return true;
    }
    return false;
}

static bool parse_i64(const char *s, long long *v)
{
    char *end;
    if (s == NULL || *s == '\0')
        return false;
    *v = strtoll(s, &end, 10);
    return *end == '\0';
}

/* One NodeSelectorRequirement against a value (NULL: the label is absent). */
static bool req_match(const json_t *req, const char *v)
{
    const char *op = daas_kube_str(req, "operator") ?: "";
    const json_t *vals = daas_kube_path(req, "values");
    long long have, want;
    if (strcmp(op, "In") == 0)
        return v && in_values(vals, v);
    if (strcmp(op, "NotIn") == 0)
        return !v || !in_values(vals, v);
    if (strcmp(op, "Exists") == 0)
        return v != NULL;
    if (strcmp(op, "DoesNotExist") == 0)
        return v == NULL;
    if ((strcmp(op, "Gt") != 0 && strcmp(op, "Lt") != 0) || json_array_size(vals) != 1 ||
        !parse_i64(v, &have) || !parse_i64(json_string_value(json_array_get(vals, 0)), &want))
        return false;
    return op[0] == 'G' ? have > want : have < want;
}

static bool term_match(const json_t *term, const json_t *node)
{
    const json_t *exprs = daas_kube_path(term, "matchExpressions");
    const json_t *fields = daas_kube_path(term, "matchFields");
    if (json_array_size(exprs) == 0 && json_array_size(fields) == 0)
        return false; /* an empty term matches no node */
    const json_t *labels = daas_kube_path(node, "metadata.labels");
    size_t i;
    json_t *r;
    json_array_foreach(exprs, i, r)
    {
        const char *k = daas_kube_str(r, "key") ?: "";
        if (!req_match(r, json_string_value(json_object_get(labels, k))))
            return false;
    }
    json_array_foreach(fields, i, r)
    {
        if (!str_eq(daas_kube_str(r, "key"), "metadata.name") ||
            !req_match(r, daas_kube_str(node, "metadata.name")))
            return false;
    }
    return true;
}

static bool affinity_match(const json_t *spec, const json_t *node)
{
    const json_t *sel = daas_kube_path(spec, "nodeSelector");
    const json_t *labels = daas_kube_path(node, "metadata.labels");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)sel, k, v)
    {
        if (!str_eq(json_string_value(json_object_get(labels, k)), json_string_value(v)))
            return false;
    }
    const json_t *req = daas_kube_path(
        spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    if (req == NULL || json_is_null(req))
        return true;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(req, "nodeSelectorTerms"), i, t)
    {
        if (term_match(t, node))
            return true;
    }
    return false;
}

void daas_ctrl_ds_node_fit(const json_t *ds, const json_t *node, bool *should_run,
                           bool *should_continue)
{
    const json_t *spec = daas_kube_path(ds, "spec.template.spec");
    const char *want = daas_kube_str(spec, "nodeName");
    *should_run = *should_continue = false;
    if ((want && *want && !str_eq(want, daas_kube_str(node, "metadata.name"))) ||
        !affinity_match(spec, node))
        return;
    json_t *tols = ds_tolerations(ds);
    bool run = true, cont = true;
    size_t i;
    json_t *taint;
    json_array_foreach(daas_kube_path(node, "spec.taints"), i, taint)
    {
        const char *eff = daas_kube_str(taint, "effect") ?: "";
        bool no_exec = strcmp(eff, "NoExecute") == 0;
        if ((!no_exec && strcmp(eff, "NoSchedule") != 0) || tolerated(tols, taint))
            continue;
        run = false;
        cont &= !no_exec;
    }
    json_decref(tols);
    *should_run = run;
    *should_continue = cont;
}

json_t *daas_ctrl_ds_tolerations(const json_t *ds)
{
    return ds_tolerations(ds);
}

/* ---- hash ---- */

/* json_dump_callback sink: FNV-1a over the canonical text, no copy. */
static int fnv_sink(const char *p, size_t n, void *arg)
{
    uint32_t *h = arg;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ (uint8_t)p[i]) * 16777619u;
    return 0;
}

void daas_ctrl_ds_hash(const json_t *template, int64_t collision_count, char out[16])
{
    static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
    uint32_t h = 2166136261u;
    if (template)
        (void)json_dump_callback(template, fnv_sink, &h,
                                 JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (collision_count != 0) { /* ComputeHash writes the count's 4 little-endian bytes */
        uint32_t c = (uint32_t)collision_count;
        for (int i = 0; i < 4; i++)
            h = (h ^ ((c >> (8 * i)) & 0xff)) * 16777619u;
    }
    char dec[16];
    snprintf(dec, sizeof dec, "%u", (unsigned)h);
    size_t n = strlen(dec);
    for (size_t i = 0; i < n; i++)
        out[i] = alnum[(unsigned char)dec[i] % (sizeof alnum - 1)];
    out[n] = '\0';
}

/* ---- int or percent ---- */

int daas_ctrl_ds_scaled(const json_t *v, int64_t def, int64_t total, bool round_up, int64_t *out,
                        daas_err *err)
{
    if (v == NULL || json_is_null(v)) {
        *out = def;
        return DAAS_OK;
    }
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return *out < 0
                   ? daas_fail(err, DAAS_EINVAL, "negative int-or-percent %lld", (long long)*out)
                   : DAAS_OK;
    }
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 8 || s[n - 1] != '%')
        return daas_fail(err, DAAS_EINVAL,
                         "invalid value for IntOrString: invalid type: "
                         "string is not a percentage");
    int64_t pct = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return daas_fail(err, DAAS_EINVAL, "invalid value for IntOrString: %.16s", s);
        pct = pct * 10 + (s[i] - '0');
    }
    if (total < 0 || total > ((int64_t)1 << 40))
        return daas_fail(err, DAAS_EINVAL, "int-or-percent total %lld out of range",
                         (long long)total);
    int64_t num = pct * total;
    *out = round_up ? (num + 99) / 100 : num / 100;
    return DAAS_OK;
}
