/*
 * kind_policy.c: the hooks of the policy/v1 PodDisruptionBudget kind (its row and columns are
 *                in kind.c): the Table row, spec and status validation.
 *
 * Owns:   nothing stateful.
 * Not:    the status computation (ctrl/disruption.c) and the eviction subresource
 *         (api/evict.c).
 * Model:  kube 1.32 pkg/apis/policy/validation (ValidatePodDisruptionBudgetSpec,
 *         ValidatePodDisruptionBudgetStatusUpdate), pkg/apis/apps/validation
 *         (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent), pkg/registry/policy/
 *         poddisruptionbudget/strategy.go (status reset on create; generation bumped on spec
 *         change: the kind row's has_status and generation), printers.go
 *         (printPodDisruptionBudget). policy/v1 sets no defaults: an unset
 *         unhealthyPodEvictionPolicy means IfHealthyBudget.
 * Invariants: hooks are pure; messages follow upstream's field.Error wording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kube/kind_int.h"
#include "kube/obj.h"

/* IntOrString.String(): the integer in decimal or the string; "N/A" when unset. */
static json_t *intstr_cell(const json_t *x)
{
    if (json_is_integer(x))
        return json_sprintf("%lld", (long long)json_integer_value(x));
    if (json_is_string(x))
        return json_string(json_string_value(x));
    return json_string("N/A");
}

json_t *daas_kube__pdb_row(const json_t *obj, int64_t now)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    return json_pack("[s, o, o, I, o]", name ? name : "",
                     intstr_cell(daas_kube_path(obj, "spec.minAvailable")),
                     intstr_cell(daas_kube_path(obj, "spec.maxUnavailable")),
                     (json_int_t)daas_kube_int(obj, "status.disruptionsAllowed", 0),
                     daas_kube_cell_age(obj, now));
}

/* PrepareForCreate: the status starts empty (a client cannot create a budget that already
 * allows disruptions); PodDisruptionBudgetStatus{} serializes its four counters. */
void daas_kube__pdb_defaults(json_t *obj, const json_t *old)
{
    if (old != NULL)
        return;
    json_object_set_new(obj, "status",
                        json_pack("{s:i,s:i,s:i,s:i}", "disruptionsAllowed", 0, "currentHealthy", 0,
                                  "desiredHealthy", 0, "expectedPods", 0));
}

/* Go's %#v of an intstr.IntOrString. */
static void go_intstr(const json_t *x, char *buf, size_t n)
{
    char q[200];
    if (json_is_string(x)) {
        daas_kube__go_quote(json_string_value(x), q, sizeof q);
        snprintf(buf, n, "intstr.IntOrString{Type:1, IntVal:0, StrVal:%s}", q);
    } else {
        snprintf(buf, n, "intstr.IntOrString{Type:0, IntVal:%lld, StrVal:\"\"}",
                 (long long)json_integer_value(x));
    }
}

/* ValidatePositiveIntOrPercent + IsNotMoreThan100Percent of spec.<key> (when set). */
static void check_intstr(daas_kube_verr *v, const json_t *spec, const char *key)
{
    const json_t *x = json_object_get(spec, key);
    char field[64], g[256];
    if (x == NULL || json_is_null(x))
        return;
    snprintf(field, sizeof field, "spec.%s", key);
    if (json_is_integer(x)) {
        if (json_integer_value(x) < 0)
            daas_kube__inv_int(v, field, json_integer_value(x),
                               "must be greater than or equal to 0");
        return;
    }
    go_intstr(x, g, sizeof g);
    const char *s = json_string_value(x);
    size_t n = s ? strlen(s) : 0;
    bool ok = n >= 2 && s[n - 1] == '%';
    for (size_t i = 0; ok && i + 1 < n; i++)
        ok = s[i] >= '0' && s[i] <= '9';
    if (s == NULL) {
        daas_kube__inv_raw(v, field, g, "must be an integer or percentage (e.g '5%')");
    } else if (!ok) {
        daas_kube__inv_raw(v, field, g,
                           "a valid percent string must be a numeric string followed by an "
                           "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                           "'[0-9]+%')");
    } else if (strtoll(s, NULL, 10) > 100) {
        daas_kube__inv_raw(v, field, g, "must not be greater than 100%");
    }
}

/* Go's %#v of the internal PodDisruptionBudgetSpec (pointers print as addresses upstream;
 * ours are stand-ins). */
static void go_spec(const json_t *spec, char *buf, size_t n)
{
#define PTR_OR_NIL(key, type, addr)                                                                \
    (json_object_get(spec, key) ? "(" type ")(" addr ")" : "(" type ")(nil)")
    snprintf(buf, n,
             "policy.PodDisruptionBudgetSpec{MinAvailable:%s, MaxUnavailable:%s, Selector:%s, "
             "UnhealthyPodEvictionPolicy:%s}",
             PTR_OR_NIL("minAvailable", "*intstr.IntOrString", "0xc000100000"),
             PTR_OR_NIL("maxUnavailable", "*intstr.IntOrString", "0xc000100020"),
             PTR_OR_NIL("selector", "*v1.LabelSelector", "0xc000100040"),
             PTR_OR_NIL("unhealthyPodEvictionPolicy", "*policy.UnhealthyPodEvictionPolicyType",
                        "0xc000100060"));
#undef PTR_OR_NIL
}

static bool set(const json_t *spec, const char *key)
{
    const json_t *x = json_object_get(spec, key);
    return x != NULL && !json_is_null(x);
}

/* ValidatePodDisruptionBudget (create and update alike). */
void daas_kube__pdb_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    static const char *const policies[] = {"AlwaysAllow", "IfHealthyBudget", NULL};
    (void)old;
    const json_t *spec = json_object_get(obj, "spec");
    if (set(spec, "minAvailable") && set(spec, "maxUnavailable")) {
        char g[400];
        go_spec(spec, g, sizeof g);
        daas_kube__inv_raw(v, "spec", g, "minAvailable and maxUnavailable cannot be both set");
    }
    check_intstr(v, spec, "minAvailable");
    check_intstr(v, spec, "maxUnavailable");
    const json_t *sel = json_object_get(spec, "selector");
    if (sel != NULL && !json_is_null(sel))
        daas_kube__check_label_selector(v, sel, "spec.selector");
    const json_t *p = json_object_get(spec, "unhealthyPodEvictionPolicy");
    if (p != NULL && !json_is_null(p)) {
        const char *s = json_string_value(p);
        bool known = s && (strcmp(s, policies[0]) == 0 || strcmp(s, policies[1]) == 0);
        if (!known)
            daas_kube__unsupported(v, "spec.unhealthyPodEvictionPolicy", s ? s : "", policies);
    }
}

/* ValidatePodDisruptionBudgetStatusUpdate (policy/v1): the counters are >= 0. */
void daas_kube__pdb_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    static const char *const counts[] = {"disruptionsAllowed", "currentHealthy", "desiredHealthy",
                                         "expectedPods", NULL};
    (void)old;
    daas_kube__check_status_counts(v, obj, counts);
}
