/*
 * disruption.c: the PodDisruptionBudget status plan (see disruption.h for the rules).
 *
 * Owns:   nothing stateful; pure functions of their arguments.
 * Model:  kubernetes pkg/controller/disruption/disruption.go (1.32).
 */
#include "ctrl/disruption.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"
#include "kube/selector.h"

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- the condition ---- */

void daas_ctrl_disruption_set_condition(json_t *status, int64_t now)
{
    bool ok = daas_kube_int(status, "disruptionsAllowed", 0) > 0;
    const char *want = ok ? "True" : "False";
    json_t *conds = json_object_get(status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(status, "conditions", conds);
    }
    json_t *c = NULL, *x;
    size_t i;
    json_array_foreach(conds, i, x)
    {
        if (c == NULL && streq(daas_kube_str(x, "type"), "DisruptionAllowed"))
            c = x;
    }
    if (c == NULL) {
        c = json_pack("{s:s}", "type", "DisruptionAllowed");
        json_array_append_new(conds, c);
    }
    if (!streq(daas_kube_str(c, "status"), want) ||
        daas_kube_path(c, "lastTransitionTime") == NULL) {
        char ts[32];
        daas_time_rfc3339(now, ts, sizeof ts);
        json_object_set_new(c, "lastTransitionTime", json_string(ts));
    }
    json_object_set_new(c, "status", json_string(want));
    json_object_set_new(c, "reason", json_string(ok ? "SufficientPods" : "InsufficientPods"));
    json_object_set_new(c, "message", json_string(""));
    json_object_set_new(c, "observedGeneration",
                        json_integer(daas_kube_int(status, "observedGeneration", 0)));
}

/* SetStatusCondition for failSafe: False / SyncFailed with msg. */
static void set_failed_condition(json_t *status, const char *msg, int64_t now)
{
    daas_ctrl_disruption_set_condition(status, now); /* finds or adds; status False */
    json_t *conds = json_object_get(status, "conditions"), *x;
    size_t i;
    json_array_foreach(conds, i, x)
    {
        if (streq(daas_kube_str(x, "type"), "DisruptionAllowed")) {
            json_object_set_new(x, "reason", json_string("SyncFailed"));
            json_object_set_new(x, "message", json_string(msg));
        }
    }
}

/* ---- pods ---- */

/* The pods of pdb's namespace its selector matches (a new array); NULL selector: none. */
static int select_pods(const json_t *pdb, const json_t *pods, json_t **out, daas_err *err)
{
    const json_t *sel = daas_kube_path(pdb, "spec.selector");
    const char *ns = daas_kube_str(pdb, "metadata.namespace");
    daas_kube_labelsel *ls = NULL;
    *out = json_array();
    if (sel == NULL || json_is_null(sel))
        return DAAS_OK;
    int rc = daas_kube_labelsel_from_json(sel, &ls, err);
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p)
    {
        if (rc != DAAS_OK)
            break;
        if (streq(daas_kube_str(p, "metadata.namespace"), ns ? ns : "") &&
            daas_kube_labelsel_match(ls, daas_kube_path(p, "metadata.labels")))
            json_array_append(*out, p);
    }
    daas_kube_labelsel_free(&ls);
    return rc;
}

/* ---- expected scale ---- */

static const json_t *find_uid(const json_t *arr, const char *name, const char *uid)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        if (streq(daas_kube_str(o, "metadata.name"), name) &&
            streq(daas_kube_str(o, "metadata.uid"), uid))
            return o;
    }
    return NULL;
}

static bool is_apps(const json_t *ref, const char *kind)
{
    const char *av = daas_kube_str(ref, "apiVersion");
    return streq(daas_kube_str(ref, "kind"), kind) && av != NULL &&
           (strncmp(av, "apps/", 5) == 0 || strncmp(av, "extensions/", 11) == 0);
}

/* The controller of pod and its scale (upstream's finders). *uid NULL: none found. */
static int controller_scale(const daas_ctrl_disruption_in *in, const json_t *pod, const json_t *ref,
                            const char **uid, int64_t *scale, daas_err *err)
{
    const char *name = daas_kube_str(ref, "name"), *ruid = daas_kube_str(ref, "uid");
    const json_t *o = NULL;
    *uid = NULL;
    if (is_apps(ref, "ReplicaSet") && (o = find_uid(in->rs, name, ruid)) != NULL) {
        const json_t *dref = daas_ctrl_controller_ref(o);
        if (dref != NULL && streq(daas_kube_str(dref, "kind"), "Deployment"))
            o = find_uid(in->deploy, daas_kube_str(dref, "name"), daas_kube_str(dref, "uid"));
    } else if (is_apps(ref, "Deployment")) {
        o = find_uid(in->deploy, name, ruid);
    } else if (is_apps(ref, "DaemonSet") || streq(daas_kube_str(ref, "kind"), "Job")) {
        return daas_fail(err, DAAS_EINVAL, "%s does not implement the scale subresource",
                         is_apps(ref, "DaemonSet") ? "daemonsets.apps" : "jobs.batch");
    }
    if (o == NULL)
        return daas_fail(err, DAAS_ENOTFOUND, "found no controllers for pod \"%s\"",
                         daas_kube_str(pod, "metadata.name") ?: "");
    *uid = daas_kube_str(o, "metadata.uid");
    *scale = daas_kube_int(o, "spec.replicas", 1);
    return DAAS_OK;
}

/* getExpectedScale: the sum of the scales of the pods' controllers; unmanaged counts the
 * pods without one. */
static int expected_scale(const daas_ctrl_disruption_in *in, const json_t *pods, int64_t *expected,
                          int *unmanaged, daas_err *err)
{
    json_t *seen = json_object();
    size_t i;
    json_t *p;
    int rc = DAAS_OK;
    *expected = 0;
    *unmanaged = 0;
    json_array_foreach(pods, i, p)
    {
        const json_t *ref = daas_ctrl_controller_ref(p);
        if (ref == NULL) {
            (*unmanaged)++;
            continue;
        }
        const char *uid = NULL;
        int64_t scale = 0;
        rc = controller_scale(in, p, ref, &uid, &scale, err);
        if (rc != DAAS_OK)
            break;
        json_object_set_new(seen, uid ? uid : "", json_integer(scale)); /* keyed by controller */
    }
    const char *k;
    json_t *v;
    json_object_foreach(seen, k, v)
    {
        *expected += json_integer_value(v);
    }
    json_decref(seen);
    return rc;
}

/* GetScaledValueFromIntOrPercent(x, total, roundUp=true). */
static int64_t scaled(const json_t *x, int64_t total)
{
    if (json_is_integer(x))
        return json_integer_value(x);
    int64_t pct = strtoll(json_string_value(x) ?: "0", NULL, 10);
    return (pct * total + 99) / 100;
}

/* getExpectedPodCount. */
static int expected_count(const daas_ctrl_disruption_in *in, const json_t *pods, int64_t *expected,
                          int64_t *desired, int *unmanaged, daas_err *err)
{
    const json_t *maxu = daas_kube_path(in->pdb, "spec.maxUnavailable");
    const json_t *mina = daas_kube_path(in->pdb, "spec.minAvailable");
    int rc = DAAS_OK;
    *expected = *desired = 0;
    *unmanaged = 0;
    if (maxu != NULL && !json_is_null(maxu)) {
        rc = expected_scale(in, pods, expected, unmanaged, err);
        *desired = *expected - scaled(maxu, *expected);
        if (*desired < 0)
            *desired = 0;
    } else if (json_is_integer(mina)) {
        *desired = json_integer_value(mina);
        *expected = (int64_t)json_array_size(pods);
    } else if (json_is_string(mina)) {
        rc = expected_scale(in, pods, expected, unmanaged, err);
        *desired = scaled(mina, *expected);
    }
    return rc;
}

/* ---- disrupted pods and health ---- */

static void event(daas_ctrl_disruption_plan *p, const char *type, const char *reason,
                  const char *msg)
{
    json_array_append_new(
        p->events, json_pack("{s:s,s:s,s:s}", "type", type, "reason", reason, "message", msg));
}

/* The time (unix seconds, *t) at which pod is listed in map (a disruptedPods object); false
 * when it is not listed, its time does not parse, or it is being deleted. */
static bool listed_at(const json_t *map, const json_t *pod, int64_t *t)
{
    const char *name = daas_kube_str(pod, "metadata.name");
    const json_t *at = name ? json_object_get(map, name) : NULL;
    *t = 0;
    return daas_kube_path(pod, "metadata.deletionTimestamp") == NULL && json_is_string(at) &&
           daas_time_parse(json_string_value(at), t) == DAAS_OK;
}

/* buildDisruptedPodMap: a new object of the entries still to discount. */
static json_t *disrupted_map(const daas_ctrl_disruption_in *in, const json_t *pods,
                             daas_ctrl_disruption_plan *p)
{
    const json_t *old = daas_kube_path(in->pdb, "status.disruptedPods");
    json_t *res = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        int64_t t = 0;
        if (!listed_at(old, pod, &t))
            continue;
        int64_t expire = t + DAAS_CTRL_DISRUPTION_TIMEOUT;
        if (expire < in->now) {
            char *msg = daas_xasprintf("Pod was expected by PDB %s/%s to be deleted but it wasn't",
                                       daas_kube_str(in->pdb, "metadata.namespace") ?: "",
                                       daas_kube_str(in->pdb, "metadata.name") ?: "");
            event(p, "Warning", "NotDeleted", msg);
            daas_free(msg);
            continue;
        }
        if (p->recheck_at == 0 || expire < p->recheck_at)
            p->recheck_at = expire;
        const char *name = daas_kube_str(pod, "metadata.name");
        json_object_set_new(res, name, json_string(json_string_value(json_object_get(old, name))));
    }
    return res;
}

/* countHealthyPods. */
static int64_t count_healthy(const json_t *pods, const json_t *disrupted, int64_t now)
{
    int64_t n = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        int64_t t = 0;
        if (daas_kube_path(pod, "metadata.deletionTimestamp"))
            continue;
        if (listed_at(disrupted, pod, &t) && t + DAAS_CTRL_DISRUPTION_TIMEOUT > now)
            continue;
        if (daas_ctrl_pod_ready(pod, NULL))
            n++;
    }
    return n;
}

/* ---- the plan ---- */

/* failSafe: the old status with disruptionsAllowed 0 and a SyncFailed condition. */
static void fail_safe(const daas_ctrl_disruption_in *in, daas_ctrl_disruption_plan *p,
                      const char *why)
{
    const json_t *old = json_object_get(in->pdb, "status");
    p->status = json_is_object(old) ? json_deep_copy(old) : json_object();
    json_object_set_new(p->status, "disruptionsAllowed", json_integer(0));
    set_failed_condition(p->status, why, in->now);
    char *msg = daas_xasprintf("Failed to calculate the number of expected pods: %s", why);
    event(p, "Warning", "CalculateExpectedPodCountFailed", msg);
    daas_free(msg);
    p->failed = true;
}

/* updatePdbStatus: the new status from the counts (conditions carried over). */
static json_t *new_status(const daas_ctrl_disruption_in *in, int64_t healthy, int64_t desired,
                          int64_t expected, json_t *disrupted)
{
    int64_t allowed = healthy - desired;
    if (expected <= 0 || allowed <= 0)
        allowed = 0;
    json_t *st = json_pack("{s:I,s:I,s:I,s:I}", "disruptionsAllowed", (json_int_t)allowed,
                           "currentHealthy", (json_int_t)healthy, "desiredHealthy",
                           (json_int_t)desired, "expectedPods", (json_int_t)expected);
    int64_t gen = daas_kube_int(in->pdb, "metadata.generation", 0);
    if (gen != 0)
        json_object_set_new(st, "observedGeneration", json_integer(gen));
    if (json_object_size(disrupted) > 0)
        json_object_set(st, "disruptedPods", disrupted);
    const json_t *conds = daas_kube_path(in->pdb, "status.conditions");
    if (json_is_array(conds))
        json_object_set_new(st, "conditions", json_deep_copy(conds));
    daas_ctrl_disruption_set_condition(st, in->now);
    return st;
}

static bool status_equal(const json_t *a, const json_t *b)
{
    return json_equal(a ? a : json_null(), b ? b : json_null()) == 1;
}

int daas_ctrl_disruption_plan_make(const daas_ctrl_disruption_in *in,
                                   daas_ctrl_disruption_plan *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (daas_kube_str(in->pdb, "metadata.name") == NULL)
        return daas_fail(err, DAAS_EINVAL, "PodDisruptionBudget without metadata.name");
    out->events = json_array();
    json_t *pods = NULL;
    daas_err e = {0};
    int64_t expected = 0, desired = 0;
    int unmanaged = 0;
    int rc = select_pods(in->pdb, in->pods, &pods, &e);
    if (rc == DAAS_OK)
        rc = expected_count(in, pods, &expected, &desired, &unmanaged, &e);
    if (rc != DAAS_OK) {
        fail_safe(in, out, e.msg);
    } else {
        if (json_array_size(pods) == 0)
            event(out, "Normal", "NoPods", "No matching pods found");
        if (unmanaged > 0)
            event(out, "Warning", "UnmanagedPods",
                  "Pods selected by this PodDisruptionBudget were found to be unmanaged. As a "
                  "result, the status of the PDB cannot be calculated correctly, which may result "
                  "in undefined behavior. To account for these pods please set \".spec."
                  "minAvailable\" field of the PDB to an integer value.");
        json_t *disrupted = disrupted_map(in, pods, out);
        int64_t healthy = count_healthy(pods, disrupted, in->now);
        out->status = new_status(in, healthy, desired, expected, disrupted);
        json_decref(disrupted);
    }
    out->changed = !status_equal(out->status, json_object_get(in->pdb, "status"));
    json_decref(pods);
    return DAAS_OK;
}

void daas_ctrl_disruption_plan_fini(daas_ctrl_disruption_plan *p)
{
    if (p == NULL)
        return;
    json_decref(p->status);
    json_decref(p->events);
    memset(p, 0, sizeof *p);
}

bool daas_ctrl_disruption_guards(const json_t *pdb, const json_t *pod)
{
    const char *a = daas_kube_str(pdb, "metadata.namespace"), *b = daas_kube_str(pod, "metadata.namespace");
    const json_t *sel = daas_kube_path(pdb, "spec.selector");
    if (a == NULL || b == NULL || strcmp(a, b) != 0 ||
        json_object_size(json_object_get(sel, "matchLabels")) +
                json_array_size(json_object_get(sel, "matchExpressions")) ==
            0)
        return false;
    daas_kube_labelsel *ls = NULL;
    daas_err e = {0};
    bool match = daas_kube_labelsel_from_json(sel, &ls, &e) == DAAS_OK &&
                 daas_kube_labelsel_match(ls, daas_kube_path(pod, "metadata.labels"));
    daas_kube_labelsel_free(&ls);
    return match;
}
