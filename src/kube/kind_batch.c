/*
 * kind_batch.c: batch/v1 jobs (Table row, defaults with the generated selector, validation).
 *
 * Owns:   the Job hooks of the kinds table.
 * Not:    the Job controller (src/ctrl/); storage and the status subresource (src/api/).
 * Invariants: hooks are pure and idempotent (defaulting twice changes nothing); the selector
 *             is generated only on create (old == NULL) and only when spec.manualSelector is
 *             not true, from metadata.uid, which the API sets before defaulting.
 * Spec:   specs/kube-api.md §4.1, §6.4; upstream 1.32 pkg/apis/batch/v1/defaults.go
 *         (SetDefaults_Job), pkg/registry/batch/job/strategy.go (generateSelector),
 *         pkg/apis/batch/validation/validation.go, pkg/printers/internalversion printJob.
 */
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/kind_int.h"
#include "kube/obj.h"

#define L_UID "batch.kubernetes.io/controller-uid"
#define L_UID_OLD "controller-uid"
#define L_NAME "batch.kubernetes.io/job-name"
#define L_NAME_OLD "job-name"

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* True when status.conditions has type t with status "True" (hasJobCondition). */
static bool has_cond(const json_t *obj, const char *t)
{
    size_t i;
    json_t *c;
    json_array_foreach(daas_kube_path(obj, "status.conditions"), i, c)
    {
        if (streq(daas_kube_str(c, "type"), t) && streq(daas_kube_str(c, "status"), "True"))
            return true;
    }
    return false;
}

static const char *job_status(const json_t *obj)
{
    if (has_cond(obj, "Complete"))
        return "Complete";
    if (has_cond(obj, "Failed"))
        return "Failed";
    if (daas_kube_path(obj, "metadata.deletionTimestamp") != NULL)
        return "Terminating";
    if (has_cond(obj, "Suspended"))
        return "Suspended";
    if (has_cond(obj, "FailureTarget"))
        return "FailureTarget";
    if (has_cond(obj, "SuccessCriteriaMet"))
        return "SuccessCriteriaMet";
    return "Running";
}

/* "" without startTime; since start while running; completion - start when finished. */
static json_t *duration_cell(const json_t *obj, int64_t now)
{
    const char *st = daas_kube_str(obj, "status.startTime");
    const char *ct = daas_kube_str(obj, "status.completionTime");
    int64_t s, c;
    char buf[32];
    if (st == NULL || daas_time_parse(st, &s) != DAAS_OK)
        return json_string("");
    if (ct == NULL || daas_time_parse(ct, &c) != DAAS_OK)
        c = now;
    daas_human_duration(c - s, buf, sizeof buf);
    return json_string(buf);
}

json_t *daas_kube__job_row(const json_t *obj, int64_t now)
{
    char comp[64];
    json_t *names, *images;
    long long ok = (long long)daas_kube_int(obj, "status.succeeded", 0);
    json_t *completions = daas_kube_path(obj, "spec.completions");
    int64_t par = daas_kube_int(obj, "spec.parallelism", 0);
    if (json_is_integer(completions))
        snprintf(comp, sizeof comp, "%lld/%lld", ok, (long long)json_integer_value(completions));
    else if (par > 1)
        snprintf(comp, sizeof comp, "%lld/1 of %lld", ok, (long long)par);
    else
        snprintf(comp, sizeof comp, "%lld/1", ok);
    char *sel = daas_kube__selector_string(daas_kube_path(obj, "spec.selector"));
    daas_kube__container_cells(daas_kube_path(obj, "spec.template.spec.containers"), &names,
                               &images);
    const char *name = daas_kube_str(obj, "metadata.name");
    json_t *row = json_pack("[s, s, s, o, o, o, o, s]", name ? name : "", job_status(obj), comp,
                            duration_cell(obj, now), daas_kube_cell_age(obj, now), names, images,
                            sel == NULL ? "<error>"
                            : *sel      ? sel
                                        : "<none>");
    daas_free(sel);
    return row;
}

/* -------------------------------------------------------------- defaults */

/* Sets labels[key] = val unless the key is present (generateSelector keeps user labels). */
static void label_if_absent(json_t *labels, const char *key, const char *val)
{
    if (json_object_get(labels, key) == NULL)
        json_object_set_new(labels, key, json_string(val));
}

/* SPEC: strategy.go generateSelector (create only, manualSelector not true). */
static void generate_selector(json_t *obj)
{
    const char *uid = daas_kube_str(obj, "metadata.uid");
    const char *name = daas_kube_str(obj, "metadata.name");
    json_t *labels = daas_kube_mkpath(obj, "spec.template.metadata.labels");
    label_if_absent(labels, L_NAME_OLD, name ? name : "");
    label_if_absent(labels, L_NAME, name ? name : "");
    label_if_absent(labels, L_UID_OLD, uid ? uid : "");
    label_if_absent(labels, L_UID, uid ? uid : "");
    label_if_absent(daas_kube_mkpath(obj, "spec.selector.matchLabels"), L_UID, uid ? uid : "");
}

/* SPEC: batch/v1 SetDefaults_Job, after strategy.go PrepareForCreate's generateSelector (the
 * labels copy is what a read back from storage shows: defaulting runs again on decode). */
void daas_kube__job_defaults(json_t *obj, const json_t *old)
{
    json_t *spec = daas_kube_mkpath(obj, "spec");
    if (old == NULL && !json_is_true(json_object_get(spec, "manualSelector")))
        generate_selector(obj);
    json_t *par = json_object_get(spec, "parallelism");
    json_t *comp = json_object_get(spec, "completions");
    if ((comp == NULL || json_is_null(comp)) && (par == NULL || json_is_null(par)))
        json_object_set_new(spec, "completions", json_integer(1));
    daas_kube__setdef(spec, "parallelism", json_integer(1));
    json_t *bli = json_object_get(spec, "backoffLimitPerIndex");
    daas_kube__setdef(spec, "backoffLimit",
                      json_integer(bli != NULL && !json_is_null(bli) ? 2147483647 : 6));
    json_t *tl = daas_kube_path(obj, "spec.template.metadata.labels");
    if (json_is_object(tl) && daas_kube__count(obj, "metadata.labels") == 0)
        json_object_set(daas_kube_mkpath(obj, "metadata"), "labels", tl);
    daas_kube__setdef(spec, "completionMode", json_string("NonIndexed"));
    daas_kube__setdef(spec, "suspend", json_false());
    json_t *pfp = json_object_get(spec, "podFailurePolicy");
    bool has_pfp = pfp != NULL && !json_is_null(pfp);
    size_t i, j;
    json_t *rule, *pat;
    json_array_foreach(json_object_get(pfp, "rules"), i, rule)
    {
        json_array_foreach(json_object_get(rule, "onPodConditions"), j, pat)
        {
            daas_kube__setdef(pat, "status", json_string("True"));
        }
    }
    daas_kube__setdef(spec, "podReplacementPolicy",
                      json_string(has_pfp ? "Failed" : "TerminatingOrFailed"));
    daas_kube__podspec_defaults(daas_kube_mkpath(spec, "template.spec"));
}

/* ------------------------------------------------------------ validation */

/* validateGeneratedSelector (not manualSelector, selector present): metadata.uid set, the
 * template carries the labels generateSelector set (ValidateHasLabel), and the selector
 * matches them. */
static void check_generated(daas_kube_verr *v, const json_t *obj)
{
    static const char *const keys[] = {L_UID_OLD, L_NAME_OLD, L_UID, L_NAME};
    const char *uid = daas_kube_str(obj, "metadata.uid"),
               *name = daas_kube_str(obj, "metadata.name");
    const char *want[4] = {uid ? uid : "", name ? name : "", uid ? uid : "", name ? name : ""};
    char f[DAAS_KUBE__PATH_MAX], msg[160];
    json_t *sel = daas_kube_path(obj, "spec.selector");
    json_t *tl = daas_kube_path(obj, "spec.template.metadata.labels");
    if (!json_is_object(sel))
        return; /* reported as Required by check_selector */
    if (uid == NULL || *uid == '\0')
        daas_kube__req(v, "metadata.uid", NULL);
    json_t *expected = json_object();
    for (int i = 0; i < 4; i++) {
        json_t *have = json_object_get(tl, keys[i]);
        json_object_set_new(expected, keys[i], json_string(want[i]));
        if (streq(json_string_value(have), want[i]))
            continue;
        snprintf(f, sizeof f, "spec.template.metadata.labels[%s]", keys[i]);
        if (have == NULL) {
            daas_kube__req(v, f, want[i]);
            continue;
        }
        char *m = daas_kube__go_map(tl);
        snprintf(msg, sizeof msg, "must be '%s'", want[i]);
        daas_kube__inv_raw(v, f, m, msg);
        daas_free(m);
    }
    char *str = daas_kube__selector_string(sel);
    if (str != NULL && !daas_kube__selector_matches(sel, expected)) {
        char *g = daas_kube__go_selector(sel);
        daas_kube__inv_raw(v, "spec.selector", g, "`selector` not auto-generated");
        daas_free(g);
    }
    daas_free(str);
    json_decref(expected);
}

static void check_selector(daas_kube_verr *v, const json_t *spec)
{
    json_t *sel = json_object_get(spec, "selector");
    json_t *tl = daas_kube_path(spec, "template.metadata.labels");
    if (!json_is_object(sel)) {
        daas_kube__req(v, "spec.selector", NULL);
        return;
    }
    daas_kube__check_label_selector(v, sel, "spec.selector");
    char *str = daas_kube__selector_string(sel);
    json_t *empty = json_object();
    if (str != NULL && !daas_kube__selector_matches(sel, tl ? tl : empty)) {
        char *s = daas_kube__go_map(tl);
        daas_kube__inv_raw(v, "spec.template.metadata.labels", s,
                           "`selector` does not match template `labels`");
        daas_free(s);
    }
    json_decref(empty);
    daas_free(str);
}

static void check_template(daas_kube_verr *v, const json_t *spec)
{
    static const char *const rps[] = {"OnFailure", "Never", NULL};
    json_t *empty = json_object();
    json_t *ps = daas_kube_path(spec, "template.spec");
    daas_kube__check_labels(v, daas_kube_path(spec, "template.metadata.labels"),
                            "spec.template.metadata.labels");
    daas_kube__podspec_validate(json_is_object(ps) ? ps : empty, "spec.template.spec", v);
    const char *rp = daas_kube_str(ps, "restartPolicy");
    json_t *pfp = json_object_get(spec, "podFailurePolicy");
    if (rp == NULL || *rp == '\0' || strcmp(rp, "Always") == 0)
        daas_kube__req(v, "spec.template.spec.restartPolicy",
                       "valid values: \"OnFailure\", \"Never\"");
    else if (strcmp(rp, "OnFailure") != 0 && strcmp(rp, "Never") != 0)
        daas_kube__unsupported(v, "spec.template.spec.restartPolicy", rp, rps);
    else if (pfp != NULL && !json_is_null(pfp) && strcmp(rp, "Never") != 0)
        daas_kube__inv_str(v, "spec.template.spec.restartPolicy", rp,
                           "only \"Never\" is supported when podFailurePolicy is specified");
    json_decref(empty);
}

/* validatePodReplacementPolicy: only Failed with a podFailurePolicy. */
static void check_replacement(daas_kube_verr *v, const json_t *spec)
{
    static const char *const prps[] = {"Failed", "TerminatingOrFailed", NULL};
    static const char *const failed[] = {"Failed", NULL};
    json_t *pfp = json_object_get(spec, "podFailurePolicy");
    const char *prp = daas_kube_str(spec, "podReplacementPolicy");
    if (prp == NULL)
        return;
    if (pfp != NULL && !json_is_null(pfp)) {
        if (strcmp(prp, "Failed") != 0)
            daas_kube__unsupported(v, "spec.podReplacementPolicy", prp, failed);
    } else if (strcmp(prp, "Failed") != 0 && strcmp(prp, "TerminatingOrFailed") != 0) {
        daas_kube__unsupported(v, "spec.podReplacementPolicy", prp, prps);
    }
}

/* validateJobSpec: counts, completion mode and the per-index fields. */
static void check_spec(daas_kube_verr *v, const json_t *spec)
{
    static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
    static const char *const nonneg[] = {"parallelism",
                                         "completions",
                                         "activeDeadlineSeconds",
                                         "backoffLimit",
                                         "ttlSecondsAfterFinished",
                                         "backoffLimitPerIndex",
                                         "maxFailedIndexes"};
    char f[64];
    for (size_t i = 0; i < sizeof nonneg / sizeof nonneg[0]; i++) {
        snprintf(f, sizeof f, "spec.%s", nonneg[i]);
        daas_kube__check_nonneg(v, spec, nonneg[i], f);
    }
    const char *mode = daas_kube_str(spec, "completionMode");
    if (json_object_get(spec, "completionMode") != NULL)
        daas_kube__check_enum(v, spec, "completionMode", "spec.completionMode", modes);
    if (streq(mode, "Indexed") && !json_is_integer(json_object_get(spec, "completions")))
        daas_kube__req(v, "spec.completions", "when completion mode is Indexed");
    if (!streq(mode, "Indexed")) {
        static const char *const idx[] = {"backoffLimitPerIndex", "maxFailedIndexes"};
        for (int i = 0; i < 2; i++) {
            json_t *x = json_object_get(spec, idx[i]);
            snprintf(f, sizeof f, "spec.%s", idx[i]);
            if (json_is_integer(x))
                daas_kube__inv_int(v, f, json_integer_value(x), "requires indexed completion mode");
        }
    }
    check_replacement(v, spec);
    check_selector(v, spec);
    check_template(v, spec);
}

/* `field is immutable` at field, the new value x printed as Go's %#v would (selectors,
 * integers and strings exactly; other objects abbreviated). */
static void immutable(daas_kube_verr *v, const char *field, const json_t *x)
{
    char buf[64];
    if (strcmp(field, "spec.selector") == 0 && json_is_object(x)) {
        char *g = daas_kube__go_selector(x);
        daas_kube__inv_raw(v, field, g, "field is immutable");
        daas_free(g);
        return;
    }
    if (json_is_integer(x))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(x));
    else if (json_is_string(x))
        daas_kube__go_quote(json_string_value(x), buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "%s", json_is_object(x) ? "{...}" : "null");
    daas_kube__inv_raw(v, field, buf, "field is immutable");
}

/* ValidateJobSpecUpdate: selector, completionMode, completions (NonIndexed), podFailurePolicy
 * and, unless the job is suspended and never started, the template are immutable. */
static void check_update(daas_kube_verr *v, const json_t *obj, const json_t *old)
{
    const json_t *ns = json_object_get(obj, "spec"), *os = json_object_get(old, "spec");
    static const char *const fixed[] = {"selector",      "completionMode",       "podFailurePolicy",
                                        "successPolicy", "backoffLimitPerIndex", "managedBy"};
    char f[64];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        json_t *a = json_object_get(ns, fixed[i]), *b = json_object_get(os, fixed[i]);
        if (!daas_kube__equal_or_empty(a, b)) {
            snprintf(f, sizeof f, "spec.%s", fixed[i]);
            immutable(v, f, a);
        }
    }
    json_t *nc = json_object_get(ns, "completions"), *oc = json_object_get(os, "completions");
    if (!streq(daas_kube_str(os, "completionMode"), "Indexed") &&
        !daas_kube__equal_or_empty(nc, oc))
        immutable(v, "spec.completions", nc);
    bool may_change_template = json_is_true(json_object_get(os, "suspend")) &&
                               daas_kube_path(old, "status.startTime") == NULL;
    if (!may_change_template && !daas_kube__equal_or_empty(json_object_get(ns, "template"),
                                                           json_object_get(os, "template")))
        daas_kube__inv_raw(v, "spec.template", "core.PodTemplateSpec{...}", "field is immutable");
}

void daas_kube__job_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    /* upstream's validateJobStatus: the counters are >= 0 */
    static const char *const counts[] = {"active", "succeeded", "failed", "ready", "terminating",
                                         NULL};
    (void)old;
    daas_kube__check_status_counts(v, obj, counts);
}

void daas_kube__job_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    json_t *empty = json_object();
    const json_t *spec = json_object_get(obj, "spec");
    check_spec(v, json_is_object(spec) ? spec : empty);
    if (old == NULL && !json_is_true(json_object_get(spec, "manualSelector")))
        check_generated(v, obj);
    if (old != NULL)
        check_update(v, obj, old);
    json_decref(empty);
}
