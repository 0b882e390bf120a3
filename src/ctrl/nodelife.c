/*
 * nodelife.c: the node lifecycle plan (see nodelife.h for the rules and their sources).
 *
 * Owns:   nothing beyond one call: the plan's JSON, handed to the caller.
 * Not:    applying the plan, remembering anything between calls.
 * Invariants: inputs are read only (conditions and taints are deep-copied before changes).
 */
#include "ctrl/nodelife.h"

#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/obj.h"

#define K_NOT_READY "node.kubernetes.io/not-ready"
#define K_UNREACHABLE "node.kubernetes.io/unreachable"
#define K_UNSCHEDULABLE "node.kubernetes.io/unschedulable"

/* nodeConditionToTaintKeyStatusMap: (condition, status) → NoSchedule taint key. */
static const struct {
    const char *type, *status, *key;
} cond_taints[] = {
    {"Ready", "False", K_NOT_READY},
    {"Ready", "Unknown", K_UNREACHABLE},
    {"MemoryPressure", "True", "node.kubernetes.io/memory-pressure"},
    {"DiskPressure", "True", "node.kubernetes.io/disk-pressure"},
    {"NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"},
    {"PIDPressure", "True", "node.kubernetes.io/pid-pressure"},
};
#define N_COND_TAINTS (sizeof cond_taints / sizeof cond_taints[0])

/* The conditions the controller sets to Unknown (NetworkUnavailable is left alone). */
static const char *const health_types[] = {"Ready", "MemoryPressure", "DiskPressure",
                                           "PIDPressure"};

static bool streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* "" for NULL, to compare optional strings as Go compares empty ones. */
static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The element of array arr whose "type" is type, or NULL. */
static json_t *by_type(const json_t *arr, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c) if (streq(jstr(c, "type"), type)) return c;
    return NULL;
}

/* Unix seconds of an RFC 3339 string field, or 0 when missing or unparsable. */
static int64_t time_at(const json_t *obj, const char *dotted)
{
    int64_t t = 0;
    const char *s = daas_kube_str(obj, dotted);
    if (s == NULL || daas_time_parse(s, &t) != DAAS_OK)
        return 0;
    return t;
}

static json_t *time_json(int64_t t)
{
    char buf[32];
    daas_time_rfc3339(t, buf, sizeof buf);
    return json_string(buf);
}

static int64_t min_pos(int64_t a, int64_t b)
{
    return a <= 0 ? b : b <= 0 ? a : (a < b ? a : b);
}

static json_t *event_new(const char *kind, const json_t *obj, const char *type, const char *reason,
                         const char *component, char *msg)
{
    json_t *ref = json_pack("{s:s, s:s, s:s}", "apiVersion", "v1", "kind", kind, "name",
                            nz(daas_kube_str(obj, "metadata.name")));
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    if (ns != NULL)
        json_object_set_new(ref, "namespace", json_string(ns));
    /* RecordNodeStatusChange refers to the node with UID = name, as upstream does. */
    const char *uid = streq(kind, "Node") ? daas_kube_str(obj, "metadata.name")
                                          : daas_kube_str(obj, "metadata.uid");
    if (uid != NULL)
        json_object_set_new(ref, "uid", json_string(uid));
    json_t *ev = json_pack("{s:o, s:s, s:s, s:s, s:{s:s}}", "involvedObject", ref, "type", type,
                           "reason", reason, "message", msg, "source", "component", component);
    daas_free(msg);
    return ev;
}

/* ---- node health ---- */

typedef struct health {
    int64_t seen;  /* last sign of life, unix seconds */
    int64_t grace; /* applicable grace period */
    bool stale;    /* now > seen + grace */
} health;

static health node_health(const daas_ctrl_nodelife_in *in)
{
    health h = {0};
    const json_t *ready = by_type(daas_kube_path(in->node, "status.conditions"), "Ready");
    h.grace = in->grace > 0 ? in->grace : DAAS_CTRL_NODELIFE_GRACE;
    if (ready != NULL) {
        h.seen = time_at(ready, "lastHeartbeatTime");
    } else {
        h.seen = time_at(in->node, "metadata.creationTimestamp");
        h.grace = in->startup_grace > 0 ? in->startup_grace : DAAS_CTRL_NODELIFE_STARTUP_GRACE;
    }
    int64_t renew = in->lease ? time_at(in->lease, "spec.renewTime") : 0;
    if (renew > h.seen)
        h.seen = renew;
    h.stale = in->now > h.seen + h.grace;
    return h;
}

/* Marks the health conditions Unknown in conds (a copy); true when something changed. */
static bool mark_unknown(json_t *conds, const json_t *node, int64_t now)
{
    bool changed = false;
    for (size_t i = 0; i < sizeof health_types / sizeof health_types[0]; i++) {
        json_t *c = by_type(conds, health_types[i]);
        if (c == NULL) {
            json_t *created =
                json_object_get(json_object_get(node, "metadata"), "creationTimestamp");
            json_array_append_new(
                conds, json_pack("{s:s, s:s, s:s, s:s, s:O*, s:o}", "type", health_types[i],
                                 "status", "Unknown", "reason", "NodeStatusNeverUpdated", "message",
                                 "Kubelet never posted node status.", "lastHeartbeatTime", created,
                                 "lastTransitionTime", time_json(now)));
            changed = true;
        } else if (!streq(jstr(c, "status"), "Unknown")) {
            json_object_set_new(c, "status", json_string("Unknown"));
            json_object_set_new(c, "reason", json_string("NodeStatusUnknown"));
            json_object_set_new(c, "message", json_string("Kubelet stopped posting node status."));
            json_object_set_new(c, "lastTransitionTime", time_json(now));
            changed = true;
        }
    }
    return changed;
}

/* ---- taints ---- */

/* True when the taint's key/effect is one this controller manages. */
static bool managed_taint(const json_t *t)
{
    const char *k = jstr(t, "key"), *e = jstr(t, "effect");
    if (streq(e, "NoExecute"))
        return streq(k, K_NOT_READY) || streq(k, K_UNREACHABLE);
    if (!streq(e, "NoSchedule"))
        return false;
    if (streq(k, K_UNSCHEDULABLE))
        return true;
    for (size_t i = 0; i < N_COND_TAINTS; i++)
        if (streq(k, cond_taints[i].key))
            return true;
    return false;
}

static bool has_taint(const json_t *list, const char *key, const char *effect)
{
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) if (streq(jstr(t, "key"), key) &&
                                       streq(jstr(t, "effect"), effect)) return true;
    return false;
}

static void want(json_t *desired, const char *key, const char *effect)
{
    if (!has_taint(desired, key, effect))
        json_array_append_new(desired, json_pack("{s:s, s:s}", "key", key, "effect", effect));
}

/* The managed taints the node should carry given its (updated) conditions. */
static json_t *desired_taints(const json_t *node, const json_t *conds, bool full_disruption)
{
    json_t *d = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        for (size_t k = 0; k < N_COND_TAINTS; k++)
            if (streq(jstr(c, "type"), cond_taints[k].type) &&
                streq(jstr(c, "status"), cond_taints[k].status))
                want(d, cond_taints[k].key, "NoSchedule");
    }
    if (json_is_true(daas_kube_path(node, "spec.unschedulable")))
        want(d, K_UNSCHEDULABLE, "NoSchedule");
    const char *ready = jstr(by_type(conds, "Ready"), "status");
    if (!full_disruption && streq(ready, "False"))
        want(d, K_NOT_READY, "NoExecute");
    else if (!full_disruption && streq(ready, "Unknown"))
        want(d, K_UNREACHABLE, "NoExecute");
    return d;
}

/* New spec.taints, or NULL when the managed taints already match. */
static json_t *merge_taints(const json_t *cur, const json_t *desired, int64_t now)
{
    json_t *out = json_array();
    bool changed = false;
    size_t i;
    json_t *t;
    json_array_foreach(cur, i, t)
    {
        if (managed_taint(t) && !has_taint(desired, jstr(t, "key"), jstr(t, "effect")))
            changed = true;
        else
            json_array_append_new(out, json_deep_copy(t));
    }
    json_array_foreach(desired, i, t)
    {
        if (has_taint(cur, jstr(t, "key"), jstr(t, "effect")))
            continue;
        json_t *n = json_deep_copy(t);
        json_object_set_new(n, "timeAdded", time_json(now));
        json_array_append_new(out, n);
        changed = true;
    }
    if (!changed) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---- tolerations and evictions ---- */

bool daas_ctrl_tolerates(const json_t *tol, const json_t *taint)
{
    const char *te = nz(jstr(tol, "effect")), *tk = nz(jstr(tol, "key"));
    if (*te != '\0' && strcmp(te, nz(jstr(taint, "effect"))) != 0)
        return false;
    if (*tk != '\0' && strcmp(tk, nz(jstr(taint, "key"))) != 0)
        return false;
    const char *op = nz(jstr(tol, "operator"));
    if (strcmp(op, "Exists") == 0)
        return true;
    if (*op == '\0' || strcmp(op, "Equal") == 0)
        return strcmp(nz(jstr(tol, "value")), nz(jstr(taint, "value"))) == 0;
    return false;
}

/* The first toleration of tols tolerating taint, or NULL. */
static const json_t *first_match(const json_t *tols, const json_t *taint)
{
    size_t i;
    json_t *t;
    json_array_foreach(tols, i, t) if (daas_ctrl_tolerates(t, taint)) return t;
    return NULL;
}

/* True when DefaultTolerationSeconds admission would not have added its toleration for key:
 * some toleration already has that key (or none) and effect NoExecute (or none), whatever
 * its operator and value (plugin/pkg/admission/defaulttolerationseconds). */
static bool admission_skips(const json_t *tols, const char *key)
{
    size_t i;
    json_t *t;
    json_array_foreach(tols, i, t)
    {
        const char *k = nz(jstr(t, "key")), *e = nz(jstr(t, "effect"));
        if ((*k == '\0' || strcmp(k, key) == 0) && (*e == '\0' || strcmp(e, "NoExecute") == 0))
            return true;
    }
    return false;
}

/* Seconds the pod tolerates all NoExecute taints of noexec: -1 forever, -2 not tolerated. */
static int64_t toleration_secs(const json_t *pod, const json_t *noexec, int64_t dflt)
{
    const json_t *tols = daas_kube_path(pod, "spec.tolerations");
    int64_t best = -1;
    size_t i;
    json_t *taint;
    json_array_foreach(noexec, i, taint)
    {
        const char *key = jstr(taint, "key");
        const json_t *m = first_match(tols, taint);
        int64_t s;
        if (m != NULL) {
            json_t *ts = json_object_get(m, "tolerationSeconds");
            if (!json_is_integer(ts))
                continue;
            s = json_integer_value(ts) < 0 ? 0 : json_integer_value(ts);
        } else if ((streq(key, K_NOT_READY) || streq(key, K_UNREACHABLE)) &&
                   !admission_skips(tols, key)) {
            s = dflt;
        } else {
            return -2;
        }
        best = best < 0 ? s : (s < best ? s : best);
    }
    return best;
}

/* The node's NoExecute taints and the earliest timeAdded among them (now when absent). */
static json_t *noexec_taints(const json_t *taints, int64_t now, int64_t *since)
{
    json_t *out = json_array();
    size_t i;
    json_t *t;
    *since = now;
    json_array_foreach(taints, i, t)
    {
        if (!streq(jstr(t, "effect"), "NoExecute"))
            continue;
        json_array_append(out, t);
        int64_t at = time_at(t, "timeAdded");
        if (at > 0 && at < *since)
            *since = at;
    }
    return out;
}

static json_t *pod_ref(const json_t *pod)
{
    return json_pack("{s:s, s:s, s:s}", "namespace", nz(daas_kube_str(pod, "metadata.namespace")),
                     "name", nz(daas_kube_str(pod, "metadata.name")), "uid",
                     nz(daas_kube_str(pod, "metadata.uid")));
}

static void evict(daas_ctrl_nodelife_plan *p, const json_t *pod, int64_t now)
{
    json_t *ref = pod_ref(pod);
    json_object_set_new(ref, "condition",
                        json_pack("{s:s, s:s, s:s, s:s, s:o}", "type", "DisruptionTarget", "status",
                                  "True", "reason", "DeletionByTaintManager", "message",
                                  "Taint manager: deleting due to NoExecute taint",
                                  "lastTransitionTime", time_json(now)));
    json_array_append_new(p->evict, ref);
    json_array_append_new(p->events,
                          event_new("Pod", pod, "Normal", "TaintManagerEviction",
                                    "taint-eviction-controller",
                                    daas_xasprintf("Marking for deletion Pod %s/%s",
                                                   nz(daas_kube_str(pod, "metadata.namespace")),
                                                   nz(daas_kube_str(pod, "metadata.name")))));
}

/* MarkPodsNotReady for one pod: Ready True → False with lastTransitionTime now. */
static void mark_pod_not_ready(daas_ctrl_nodelife_plan *p, const json_t *pod, int64_t now)
{
    json_t *ready = by_type(daas_kube_path(pod, "status.conditions"), "Ready");
    if (!streq(jstr(ready, "status"), "True"))
        return;
    json_t *conds = json_deep_copy(daas_kube_path(pod, "status.conditions"));
    json_t *c = by_type(conds, "Ready");
    json_object_set_new(c, "status", json_string("False"));
    json_object_set_new(c, "lastTransitionTime", time_json(now));
    json_t *ref = pod_ref(pod);
    json_object_set_new(ref, "conditions", conds);
    json_array_append_new(p->pod_status, ref);
    json_array_append_new(p->events,
                          event_new("Pod", pod, "Warning", "NodeNotReady", "node-controller",
                                    daas_xstrdup("Node is not ready")));
}

/* Pod-level work: not-ready marking and NoExecute evictions. */
static void plan_pods(const daas_ctrl_nodelife_in *in, const char *node_name, const json_t *taints,
                      daas_ctrl_nodelife_plan *p)
{
    int64_t since,
        dflt = in->default_toleration >= 0 ? in->default_toleration : DAAS_CTRL_NODELIFE_TOLERATION;
    json_t *noexec = noexec_taints(taints, in->now, &since);
    size_t i;
    json_t *pod;
    json_array_foreach(in->pods, i, pod)
    {
        if (!streq(daas_kube_str(pod, "spec.nodeName"), node_name))
            continue;
        if (!p->ready)
            mark_pod_not_ready(p, pod, in->now);
        if (json_array_size(noexec) == 0 || daas_kube_path(pod, "metadata.deletionTimestamp"))
            continue;
        int64_t secs = toleration_secs(pod, noexec, dflt);
        if (secs == -1)
            continue;
        if (secs == -2 || since + secs <= in->now)
            evict(p, pod, in->now);
        else
            p->next_at = min_pos(p->next_at, since + secs);
    }
    json_decref(noexec);
}

int daas_ctrl_nodelife_plan_make(const daas_ctrl_nodelife_in *in, daas_ctrl_nodelife_plan *out,
                                 daas_err *err)
{
    memset(out, 0, sizeof *out);
    const char *name = daas_kube_str(in->node, "metadata.name");
    if (!json_is_object(in->node) || name == NULL)
        return daas_fail(err, DAAS_EINVAL, "node lifecycle: the node has no metadata.name");
    out->pod_status = json_array();
    out->evict = json_array();
    out->events = json_array();

    const json_t *cur_conds = daas_kube_path(in->node, "status.conditions");
    bool was_ready = streq(jstr(by_type(cur_conds, "Ready"), "status"), "True");
    health h = node_health(in);
    json_t *conds = json_is_array(cur_conds) ? json_deep_copy(cur_conds) : json_array();
    if (h.stale && mark_unknown(conds, in->node, in->now))
        out->conditions = json_incref(conds);
    if (!h.stale)
        out->next_at = h.seen + h.grace + 1;
    out->ready = streq(jstr(by_type(conds, "Ready"), "status"), "True");
    if (was_ready && !out->ready)
        json_array_append_new(
            out->events, event_new("Node", in->node, "Normal", "NodeNotReady", "node-controller",
                                   daas_xasprintf("Node %s status is now: NodeNotReady", name)));

    const json_t *cur_taints = daas_kube_path(in->node, "spec.taints");
    json_t *desired = desired_taints(in->node, conds, in->full_disruption);
    out->taints = merge_taints(cur_taints, desired, in->now);
    plan_pods(in, name, out->taints ? out->taints : cur_taints, out);
    json_decref(desired);
    json_decref(conds);
    return DAAS_OK;
}

void daas_ctrl_nodelife_plan_fini(daas_ctrl_nodelife_plan *p)
{
    json_decref(p->conditions);
    json_decref(p->taints);
    json_decref(p->pod_status);
    json_decref(p->evict);
    json_decref(p->events);
    memset(p, 0, sizeof *p);
}
