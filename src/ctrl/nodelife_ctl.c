/*
 * nodelife_ctl.c: the node lifecycle controller: keeps each Node's health conditions and
 *                 condition taints in step with its Lease, and evicts the pods of a node with
 *                 a NoExecute taint once their tolerations run out (nodelife.c decides).
 *
 * Owns:   the controller's state: a copy of the options and, per node, when this controller
 *         first saw it (node name → unix seconds, under mu).
 * Not:    the decision (nodelife.c); rescheduling (the evicted pods' controllers replace
 *         them); the NoExecute toleration the API gives new pods (src/kube/kind_pod.c).
 * Model:  one key per node name. A Node or Lease event queues its node; a Pod event queues
 *         the node it is bound to when that node is not Ready or has a NoExecute taint (only
 *         then can a pod change the plan); a node whose Ready status changes (or that comes
 *         or goes) queues every node, because the cluster-wide disruption state may have
 *         changed. A sync plans with the cached Node, its Lease in kube-node-lease and the
 *         pods bound to it, then writes: conditions (merge patch of nodes/<n>/status), taints
 *         (merge patch of spec.taints), Ready=False on the pods (merge patch of
 *         pods/<p>/status), evictions (DisruptionTarget condition, best effort, then DELETE
 *         with the pod's uid as precondition), then the Events of the writes that succeeded.
 *         The node is synced again at the plan's next_at, and at least every NL_MONITOR_MS
 *         (upstream's nodeMonitorPeriod).
 * Invariants:
 *   - every write but the best-effort DisruptionTarget condition carries the cached
 *     resourceVersion (patches) or uid (the DELETE): a stale cache is a 409 and the key is
 *     retried with back-off, never a lost update;
 *   - an Event is recorded only after the write it reports succeeded (a retried sync does
 *     not repeat it: the next plan no longer sees the transition).
 * Decisions:
 *   - full disruption (no NoExecute taints, no evictions) as upstream with one zone: when no
 *     node of the cache is Ready after its own health check. A one-node cluster whose agent
 *     stops therefore still goes Ready=Unknown (NotReady in kubectl) with the NoSchedule
 *     unreachable taint, but its pods are not evicted: there is nowhere to run them, and a
 *     server that lost every node more likely lost its own network (upstream's reasoning);
 *   - a node's last sign of life is never earlier than the moment this controller first saw
 *     it (upstream's probeTimestamp): a server restarted after a long stop gives every node
 *     a full grace period to renew its Lease before marking it Unknown.
 * Spec:   kubernetes pkg/controller/nodelifecycle, pkg/controller/tainteviction;
 *         ISSUE 7 "Node lifecycle".
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/nodelife.h"
#include "kube/kind.h"
#include "kube/obj.h"

#define NL_LEASE_NS "kube-node-lease"
#define NL_MONITOR_MS 5000 /* nodeMonitorPeriod */

typedef struct nl_state {
    daas_ctrl_opts o;   /* copy of the registration's options (read-only) */
    pthread_mutex_t mu; /* guards first_seen */
    json_t *first_seen; /* node name → unix seconds of this controller's first sync */
} nl_state;

/* One sync's writes and what succeeded. */
typedef struct nl_apply {
    daas_ctrl_run *run;
    const json_t *node; /* cached */
    const json_t *pods; /* cached pods bound to the node */
    json_t *ok;         /* uids (and the node's name) whose writes succeeded: their Events go */
    int64_t node_rv, pod_rv;
    daas_err first; /* the first failed write */
} nl_apply;

static int64_t now_ms(const nl_state *st)
{
    return st->o.now_ms ? st->o.now_ms(st->o.now_arg) : daas_now_ms();
}

static const char *ready_status(const json_t *node)
{
    size_t i;
    json_t *c;
    json_array_foreach(daas_kube_path(node, "status.conditions"), i, c)
    {
        if (strcmp(daas_kube_str(c, "type") ?: "", "Ready") == 0)
            return daas_kube_str(c, "status") ?: "";
    }
    return "";
}

/* Whether the pods of node name can change its plan: only while it is not Ready or has a
 * NoExecute taint (a healthy node's plan does nothing to pods; when it turns unhealthy its
 * own sync lists them). Pod churn on healthy nodes thus costs no sync. */
static bool pods_matter(daas_ctrl_run *run, const char *name)
{
    json_t *node =
        name ? daas_ctrl_informer_get(daas_ctrl_run_informer(run, "nodes"), NULL, name) : NULL;
    bool matter = node != NULL && strcmp(ready_status(node), "True") != 0;
    size_t i;
    json_t *t;
    json_array_foreach(daas_kube_path(node, "spec.taints"), i, t)
    {
        if (strcmp(daas_kube_str(t, "effect") ?: "", "NoExecute") == 0)
            matter = true;
    }
    json_decref(node);
    return matter;
}

static void nl_handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                      const json_t *obj)
{
    nl_state *st = arg;
    const char *name = daas_kube_str(obj, "metadata.name");
    if (strcmp(res, "nodes") == 0) {
        if (ev == DAAS_CTRL_DELETE && name) {
            pthread_mutex_lock(&st->mu);
            json_object_del(st->first_seen, name);
            pthread_mutex_unlock(&st->mu);
        }
        if (ev != DAAS_CTRL_UPDATE || strcmp(ready_status(old), ready_status(obj)) != 0)
            daas_ctrl_run_enqueue_all(run, "nodes", NULL);
        if (ev != DAAS_CTRL_DELETE)
            daas_ctrl_run_enqueue(run, name);
    } else if (strcmp(res, "leases") == 0) {
        if (strcmp(daas_kube_str(obj, "metadata.namespace") ?: "", NL_LEASE_NS) == 0)
            daas_ctrl_run_enqueue(run, name);
    } else {
        const char *n = daas_kube_str(obj, "spec.nodeName"),
                   *o = daas_kube_str(old, "spec.nodeName");
        if (pods_matter(run, n))
            daas_ctrl_run_enqueue(run, n);
        if (o && (n == NULL || strcmp(o, n) != 0) && pods_matter(run, o))
            daas_ctrl_run_enqueue(run, o);
    }
}

/* The node's Lease as the plan should see it: renewTime no earlier than the first time this
 * controller saw the node (see Decisions). A new reference, or NULL. */
static json_t *lease_view(nl_state *st, daas_ctrl_run *run, const char *name, int64_t now)
{
    json_t *lease =
        daas_ctrl_informer_get(daas_ctrl_run_informer(run, "leases"), NL_LEASE_NS, name);
    pthread_mutex_lock(&st->mu);
    json_t *fs = json_object_get(st->first_seen, name);
    if (fs == NULL)
        json_object_set_new(st->first_seen, name, fs = json_integer(now));
    int64_t first = json_integer_value(fs);
    pthread_mutex_unlock(&st->mu);
    int64_t renew = 0;
    const char *rt = daas_kube_str(lease, "spec.renewTime");
    if (rt == NULL || daas_time_parse(rt, &renew) != DAAS_OK || renew < first) {
        char ts[40];
        json_t *v = lease ? json_deep_copy(lease) : json_object();
        daas_time_rfc3339(first, ts, sizeof ts);
        daas_kube_set_str(v, "spec.renewTime", ts);
        json_decref(lease);
        lease = v;
    }
    return lease;
}

/* Plans in for node with no pods and the health settings of st; true when Ready after it. */
static bool healthy(nl_state *st, daas_ctrl_run *run, const json_t *node, int64_t now)
{
    const char *name = daas_kube_str(node, "metadata.name");
    json_t *lease = name ? lease_view(st, run, name, now) : NULL;
    daas_ctrl_nodelife_in in = {.node = node,
                                .lease = lease,
                                .now = now,
                                .grace = st->o.node_grace_s,
                                .startup_grace = st->o.node_startup_grace_s,
                                .default_toleration = st->o.default_toleration_s};
    daas_ctrl_nodelife_plan p;
    bool ready = daas_ctrl_nodelife_plan_make(&in, &p, NULL) == DAAS_OK && p.ready;
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(lease);
    return ready;
}

/* Upstream's FullDisruption with one zone: nodes exist and none is Ready. */
static bool full_disruption(nl_state *st, daas_ctrl_run *run, int64_t now)
{
    json_t *nodes = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "nodes"), NULL);
    bool any_ready = false;
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        if ((any_ready = healthy(st, run, n, now)))
            break;
    }
    bool full = json_array_size(nodes) > 0 && !any_ready;
    json_decref(nodes);
    return full;
}

/* The cached pods bound to node name (a new array). */
static json_t *pods_on(daas_ctrl_run *run, const char *name)
{
    json_t *all = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "pods"), NULL);
    json_t *mine = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p)
    {
        if (strcmp(daas_kube_str(p, "spec.nodeName") ?: "", name) == 0)
            json_array_append(mine, p);
    }
    json_decref(all);
    return mine;
}

static void note_failure(nl_apply *a, const daas_err *e)
{
    if (a->first.code == 0)
        a->first = *e;
}

/* The cached pod with uid, or NULL. */
static const json_t *pod_by_uid(const nl_apply *a, const char *uid)
{
    size_t i;
    json_t *p;
    json_array_foreach(a->pods, i, p)
    {
        if (strcmp(daas_kube_str(p, "metadata.uid") ?: "", uid ? uid : "") == 0)
            return p;
    }
    return NULL;
}

/* A merge patch {metadata.resourceVersion: rv, <field>: val} of kind res's ns/name(/sub).
 * The reply's resourceVersion goes into *rv_out. */
static int cas_patch(nl_apply *a, const char *res, const char *ns, const char *name,
                     const char *sub, const char *field, json_t *val, const char *rv,
                     int64_t *rv_out, daas_err *err)
{
    json_t *patch = json_object(), *out = NULL;
    daas_kube_set(patch, field, val);
    if (rv)
        daas_kube_set_str(patch, "metadata.resourceVersion", rv);
    int rc = daas_ctrl_client_patch(daas_ctrl_run_client(a->run), daas_ctrl_kind(res), ns, name,
                                    sub, DAAS_CTRL_PATCH_MERGE, patch, &out, err);
    if (rc == DAAS_OK && daas_ctrl_rv(out) > *rv_out)
        *rv_out = daas_ctrl_rv(out);
    json_decref(out);
    json_decref(patch);
    return rc;
}

/* Conditions, then taints (with the revision the first write left). */
static int apply_node(nl_apply *a, const daas_ctrl_nodelife_plan *p, daas_err *err)
{
    const char *name = daas_kube_str(a->node, "metadata.name");
    char rv[32];
    snprintf(rv, sizeof rv, "%s", daas_kube_str(a->node, "metadata.resourceVersion") ?: "");
    int rc = DAAS_OK;
    if (p->conditions) {
        rc = cas_patch(a, "nodes", NULL, name, "status", "status.conditions",
                       json_incref(p->conditions), rv, &a->node_rv, err);
        snprintf(rv, sizeof rv, "%lld", (long long)a->node_rv);
    }
    if (rc == DAAS_OK && p->taints) {
        json_t *t = json_array_size(p->taints) ? json_incref(p->taints) : json_null();
        rc = cas_patch(a, "nodes", NULL, name, NULL, "spec.taints", t, rv, &a->node_rv, err);
    }
    if (rc == DAAS_OK)
        json_object_set_new(a->ok, name, json_true());
    return rc;
}

/* MarkPodsNotReady: each pod's new conditions, compare-and-swap on its cached revision. */
static void apply_pod_status(nl_apply *a, const json_t *list)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *uid = daas_kube_str(e, "uid");
        daas_err pe = {0};
        int rc = cas_patch(
            a, "pods", daas_kube_str(e, "namespace"), daas_kube_str(e, "name"), "status",
            "status.conditions", json_incref(json_object_get(e, "conditions")),
            daas_kube_str(pod_by_uid(a, uid), "metadata.resourceVersion"), &a->pod_rv, &pe);
        if (rc == DAAS_OK)
            json_object_set_new(a->ok, uid ? uid : "", json_true());
        else if (rc != DAAS_ENOTFOUND)
            note_failure(a, &pe);
    }
}

/* The DisruptionTarget condition (best effort, merged by type), then the DELETE. */
static void evict_one(nl_apply *a, const json_t *e)
{
    daas_ctrl_client *c = daas_ctrl_run_client(a->run);
    const char *ns = daas_kube_str(e, "namespace"), *name = daas_kube_str(e, "name");
    const char *uid = daas_kube_str(e, "uid");
    json_t *patch =
        json_pack("{s:{s:[O]}}", "status", "conditions", json_object_get(e, "condition"));
    daas_err pe = {0};
    if (daas_ctrl_client_patch(c, daas_ctrl_kind("pods"), ns, name, "status",
                               DAAS_CTRL_PATCH_STRATEGIC, patch, NULL, &pe) != DAAS_OK)
        DAAS_DEBUG("nodelife", "DisruptionTarget on %s/%s: %s", ns, name, pe.msg);
    json_decref(patch);
    json_t *opts = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "DeleteOptions",
                             "preconditions", "uid", uid ? uid : "");
    daas_err de = {0};
    int rc = daas_ctrl_client_delete(c, daas_ctrl_kind("pods"), ns, name, opts, NULL, &de);
    json_decref(opts);
    if (rc == DAAS_OK) {
        json_object_set_new(a->ok, uid ? uid : "", json_true());
        DAAS_INFO("nodelife", "evicted pod %s/%s from node %s", ns, name,
                  daas_kube_str(a->node, "metadata.name"));
    } else if (rc != DAAS_ENOTFOUND) {
        note_failure(a, &de);
    }
}

/* Completes a partial Event of the plan and creates it (best effort). */
static void record(nl_apply *a, const nl_state *st, const json_t *partial)
{
    const json_t *inv = json_object_get(partial, "involvedObject");
    const char *ns = daas_kube_str(inv, "namespace");
    char ts[32], ename[300];
    uint32_t nonce;
    daas_random(&nonce, sizeof nonce);
    daas_time_rfc3339(now_ms(st) / 1000, ts, sizeof ts);
    /* client-go's recorder names events "<object>.<unix nanoseconds in hex>" */
    snprintf(ename, sizeof ename, "%.200s.%llx%08x", daas_kube_str(inv, "name") ?: "object",
             (unsigned long long)(daas_now_ms() * 1000000LL), nonce);
    json_t *ev = json_deep_copy(partial);
    json_object_set_new(ev, "apiVersion", json_string("v1"));
    json_object_set_new(ev, "kind", json_string("Event"));
    json_object_set_new(ev, "metadata",
                        json_pack("{s:s,s:s}", "name", ename, "namespace", ns ? ns : "default"));
    json_object_set_new(ev, "count", json_integer(1));
    json_object_set_new(ev, "firstTimestamp", json_string(ts));
    json_object_set_new(ev, "lastTimestamp", json_string(ts));
    json_object_set(ev, "reportingComponent", daas_kube_path(partial, "source.component"));
    daas_err e = {0};
    if (daas_ctrl_client_create(daas_ctrl_run_client(a->run), daas_ctrl_kind("events"),
                                ns ? ns : "default", ev, NULL, &e) != DAAS_OK)
        DAAS_WARN("nodelife", "event %s: %s", daas_kube_str(partial, "reason") ?: "?", e.msg);
    json_decref(ev);
}

/* Writes the plan; Events only for the objects whose writes succeeded. */
static int apply_plan(nl_state *st, nl_apply *a, const daas_ctrl_nodelife_plan *p, daas_err *err)
{
    int rc = apply_node(a, p, err);
    if (rc == DAAS_OK) {
        apply_pod_status(a, p->pod_status);
        size_t i;
        json_t *e;
        json_array_foreach(p->evict, i, e) evict_one(a, e);
        json_array_foreach(p->events, i, e)
        {
            if (json_object_get(a->ok, daas_kube_str(e, "involvedObject.uid") ?: ""))
                record(a, st, e);
        }
    }
    daas_ctrl_apply_wait(daas_ctrl_run_informer(a->run, "nodes"), a->node_rv);
    daas_ctrl_apply_wait(daas_ctrl_run_informer(a->run, "pods"), a->pod_rv);
    if (rc == DAAS_OK && a->first.code != 0)
        rc = daas_fail(err, a->first.code, "%s", a->first.msg);
    return rc;
}

/* Queues the node again at the plan's next_at, and at most NL_MONITOR_MS from now in any case
 * (upstream's monitor loop visits every node each period): a pod event missed because the
 * node's cache entry lagged (see pods_matter) is caught up within one period. */
static void requeue(nl_state *st, daas_ctrl_run *run, const char *name, int64_t next_at)
{
    int64_t delay = next_at > 0 ? next_at * 1000 - now_ms(st) : NL_MONITOR_MS;
    daas_ctrl_run_enqueue_after(run, name, delay < NL_MONITOR_MS ? delay : NL_MONITOR_MS);
}

static int nl_sync(void *arg, daas_ctrl_run *run, const char *key, const char *ns, const char *name,
                   const json_t *node, daas_err *err)
{
    (void)ns; /* nodes are cluster-scoped: key is the name */
    nl_state *st = arg;
    if (node == NULL)
        return DAAS_OK; /* gone: its pods are the pod garbage collector's */
    int64_t now = now_ms(st) / 1000;
    json_t *lease = lease_view(st, run, name, now), *pods = pods_on(run, name);
    daas_ctrl_nodelife_in in = {.node = node,
                                .lease = lease,
                                .pods = pods,
                                .now = now,
                                .grace = st->o.node_grace_s,
                                .startup_grace = st->o.node_startup_grace_s,
                                .default_toleration = st->o.default_toleration_s,
                                .full_disruption = full_disruption(st, run, now)};
    daas_ctrl_nodelife_plan p;
    int rc = daas_ctrl_nodelife_plan_make(&in, &p, err);
    if (rc == DAAS_OK) {
        nl_apply a = {.run = run, .node = node, .pods = pods, .ok = json_object()};
        rc = apply_plan(st, &a, &p, err);
        json_decref(a.ok);
    }
    if (rc == DAAS_OK)
        requeue(st, run, key, p.next_at);
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(pods);
    json_decref(lease);
    return rc;
}

static void nl_fini(void *arg)
{
    nl_state *st = arg;
    json_decref(st->first_seen);
    pthread_mutex_destroy(&st->mu);
    daas_free(st);
}

/* Registers the node lifecycle controller on m (informers: nodes, leases, pods; one worker).
 * Errors: the manager's (DAAS_EINVAL). */
int daas_ctrl_nodelife_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    nl_state *st = daas_xcalloc(1, sizeof *st);
    if (o)
        st->o = *o;
    else
        st->o.default_toleration_s = -1;
    st->first_seen = json_object();
    pthread_mutex_init(&st->mu, NULL);
    daas_ctrl_def def = {
        .name = "node-lifecycle",
        .resources = {"nodes", "leases", "pods"},
        .handle = nl_handle,
        .sync_obj = nl_sync,
        .workers = 1,
        .arg = st,
        .fini = nl_fini,
    };
    return daas_ctrl_mgr_register(m, &def, err);
}
