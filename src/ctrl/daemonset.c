/*
 * daemonset.c: the DaemonSet controller's plan (daemonset.h): one pod per eligible node,
 *              rolling updates, status.
 *
 * Owns:   nothing beyond the plan it returns.
 * Invariants: see daemonset.h; nodes are visited in the order given (Kubernetes walks a Go
 *             map, so its choice among equal candidates is random; ours is the list order).
 * Spec:   kubernetes pkg/controller/daemon/daemon_controller.go and update.go (1.32).
 */
#include "ctrl/daemonset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"

/* One node and this DaemonSet's pods on it. */
typedef struct slot {
    const json_t *node;
    const char *name;
    bool run;     /* a new daemon pod belongs here */
    bool cont;    /* an existing daemon pod may stay */
    json_t *pods; /* the DaemonSet's pods targeting the node, oldest first */
} slot;

typedef struct ds_ctx {
    const json_t *ds;
    const char *name, *ns, *uid;
    const char *gen; /* the template generation annotation, or NULL */
    int64_t now, min_ready;
    slot *slots;
    size_t n;
    json_t *orphans; /* pods targeting no node or a node that is gone */
    json_t *deleted; /* names already in plan->del (a set) */
    daas_ctrl_ds_plan *p;
} ds_ctx;

/* ---- pods ---- */

static const char *pod_name(const json_t *pod)
{
    return daas_kube_str(pod, "metadata.name") ?: "";
}

static const char *phase(const json_t *pod)
{
    return daas_kube_str(pod, "status.phase") ?: "";
}

static bool deleting(const json_t *pod)
{
    return daas_kube_path(pod, "metadata.deletionTimestamp") != NULL;
}

/* util.GetTargetNodeName: spec.nodeName, else the affinity's metadata.name In [one]. */
static const char *target_node(const json_t *pod)
{
    const char *n = daas_kube_str(pod, "spec.nodeName");
    if (n && *n)
        return n;
    size_t i, k;
    json_t *t, *f;
    json_array_foreach(daas_kube_path(pod, "spec.affinity.nodeAffinity."
                                           "requiredDuringSchedulingIgnoredDuringExecution."
                                           "nodeSelectorTerms"),
                       i, t)
    {
        json_array_foreach(json_object_get(t, "matchFields"), k, f)
        {
            json_t *v = json_object_get(f, "values");
            if (strcmp(daas_kube_str(f, "key") ?: "", "metadata.name") == 0 &&
                strcmp(daas_kube_str(f, "operator") ?: "", "In") == 0 && json_array_size(v) == 1)
                return json_string_value(json_array_get(v, 0));
        }
    }
    return NULL;
}

/* podutil.IsPodAvailable; remembers when a ready pod will become available. */
static bool available(ds_ctx *c, const json_t *pod)
{
    int64_t t = 0;
    if (!daas_ctrl_pod_ready(pod, &t))
        return false;
    if (c->min_ready == 0 || t + c->min_ready <= c->now)
        return true;
    if (c->p->requeue_at == 0 || t + c->min_ready < c->p->requeue_at)
        c->p->requeue_at = t + c->min_ready;
    return false;
}

/* util.IsPodUpdated: the hash label or the template generation label matches. */
static bool updated(const ds_ctx *c, const json_t *pod)
{
    const json_t *l = daas_kube_path(pod, "metadata.labels");
    const char *h = json_string_value(json_object_get(l, DAAS_CTRL_DS_HASH_LABEL));
    const char *g = json_string_value(json_object_get(l, DAAS_CTRL_DS_GEN_LABEL));
    return (h && strcmp(h, c->p->hash) == 0) || (c->gen && g && strcmp(g, c->gen) == 0);
}

static int64_t created(const json_t *pod)
{
    int64_t t = 0;
    const char *s = daas_kube_str(pod, "metadata.creationTimestamp");
    return s && daas_time_parse(s, &t) == DAAS_OK ? t : 0;
}

/* podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
static int oldest_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    bool sx = daas_kube_str(x, "spec.nodeName") != NULL;
    bool sy = daas_kube_str(y, "spec.nodeName") != NULL;
    if (sx != sy)
        return sx ? -1 : 1;
    if (created(x) != created(y))
        return created(x) < created(y) ? -1 : 1;
    return strcmp(pod_name(x), pod_name(y));
}

static void sort_pods(json_t *arr)
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    json_t **v = daas_xcalloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, oldest_cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    daas_free(v);
}

/* ---- plan writing ---- */

static void delete_pod(ds_ctx *c, const json_t *pod)
{
    const char *n = pod_name(pod);
    if (deleting(pod) || json_object_get(c->deleted, n))
        return;
    json_object_set_new(c->deleted, n, json_true());
    json_array_append_new(c->p->del, json_string(n));
}

static void set_str(json_t *obj, const char *key, const char *val)
{
    json_object_set_new(obj, key, json_string(val));
}

/* The daemon pod for node (NewPod + CreatePodTemplate + the node affinity). */
static void create_pod(ds_ctx *c, const char *node)
{
    const json_t *tmpl = daas_kube_path(c->ds, "spec.template");
    json_t *md = json_deep_copy(json_object_get(tmpl, "metadata"));
    json_t *spec = json_deep_copy(json_object_get(tmpl, "spec"));
    md = json_is_object(md) ? md : (json_decref(md), json_object());
    spec = json_is_object(spec) ? spec : (json_decref(spec), json_object());
    json_object_del(md, "name");
    set_str(md, "namespace", c->ns);
    char *gn = daas_xasprintf("%s-", c->name);
    set_str(md, "generateName", gn);
    daas_free(gn);
    json_t *labels = daas_kube_mkpath(md, "labels");
    set_str(labels, DAAS_CTRL_DS_HASH_LABEL, c->p->hash);
    if (c->gen)
        set_str(labels, DAAS_CTRL_DS_GEN_LABEL, c->gen);
    json_object_set_new(md, "ownerReferences",
                        json_pack("[{s:s,s:s,s:s,s:s,s:b,s:b}]", "apiVersion", "apps/v1", "kind",
                                  "DaemonSet", "name", c->name, "uid", c->uid, "controller", 1,
                                  "blockOwnerDeletion", 1));
    json_object_set_new(spec, "tolerations", daas_ctrl_ds_tolerations(c->ds));
    /* never bound by the controller: the enclave scheduler binds it, with a signed proof */
    json_object_del(spec, "nodeName");
    /* ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become exactly this one */
    json_object_set_new(daas_kube_mkpath(spec, "affinity.nodeAffinity"),
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        json_pack("{s:[{s:[{s:s,s:s,s:[s]}]}]}", "nodeSelectorTerms", "matchFields",
                                  "key", "metadata.name", "operator", "In", "values", node));
    json_array_append_new(c->p->create, json_pack("{s:s,s:s,s:o,s:o}", "apiVersion", "v1", "kind",
                                                  "Pod", "metadata", md, "spec", spec));
}

static void event(ds_ctx *c, const char *type, const char *reason, const char *msg)
{
    json_array_append_new(
        c->p->events, json_pack("{s:s,s:s,s:s}", "type", type, "reason", reason, "message", msg));
}

/* ---- grouping ---- */

static int ctx_init(ds_ctx *c, const json_t *ds, const json_t *nodes, const json_t *pods,
                    int64_t now, daas_ctrl_ds_plan *p, daas_err *err)
{
    memset(c, 0, sizeof *c);
    c->ds = ds;
    c->now = now;
    c->p = p;
    c->name = daas_kube_str(ds, "metadata.name");
    c->ns = daas_kube_str(ds, "metadata.namespace");
    c->uid = daas_kube_str(ds, "metadata.uid");
    if (!c->name || !c->ns || !c->uid || !json_is_object(daas_kube_path(ds, "spec.template")))
        return daas_fail(err, DAAS_EINVAL,
                         "daemonset: metadata.name/namespace/uid or "
                         "spec.template missing");
    c->gen = json_string_value(
        json_object_get(daas_kube_path(ds, "metadata.annotations"), DAAS_CTRL_DS_GEN_ANNOTATION));
    c->min_ready = daas_kube_int(ds, "spec.minReadySeconds", 0);
    daas_ctrl_ds_hash(daas_kube_path(ds, "spec.template"),
                      daas_kube_int(ds, "status.collisionCount", 0), p->hash);
    c->n = json_array_size(nodes);
    c->slots = daas_xcalloc(c->n + 1, sizeof *c->slots);
    c->orphans = json_array();
    c->deleted = json_object();
    json_t *index = json_object(); /* node name -> slot number */
    for (size_t i = 0; i < c->n; i++) {
        slot *s = &c->slots[i];
        s->node = json_array_get(nodes, i);
        s->name = daas_kube_str(s->node, "metadata.name") ?: "";
        s->pods = json_array();
        daas_ctrl_ds_node_fit(ds, s->node, &s->run, &s->cont);
        json_object_set_new(index, s->name, json_integer((json_int_t)i));
    }
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *ph = phase(pod);
        bool terminal = strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0;
        if (!daas_ctrl_owned_by(pod, c->uid) || (terminal && deleting(pod)))
            continue;
        const char *tn = target_node(pod);
        json_t *k = tn ? json_object_get(index, tn) : NULL;
        json_array_append(k ? c->slots[json_integer_value(k)].pods : c->orphans, pod);
    }
    json_decref(index);
    for (size_t k = 0; k < c->n; k++)
        sort_pods(c->slots[k].pods);
    return DAAS_OK;
}

static void ctx_fini(ds_ctx *c)
{
    for (size_t i = 0; c->slots && i < c->n; i++)
        json_decref(c->slots[i].pods);
    daas_free(c->slots);
    json_decref(c->orphans);
    json_decref(c->deleted);
}

/* ---- manage ---- */

static bool allows_surge(const ds_ctx *c, int64_t desired)
{
    int64_t v = 0;
    const json_t *ru = daas_kube_path(c->ds, "spec.updateStrategy.rollingUpdate");
    return daas_ctrl_ds_scaled(json_object_get(ru, "maxSurge"), 0, desired, true, &v, NULL) ==
               DAAS_OK &&
           v > 0;
}

/* Failed daemon pods are deleted; returns the others that run. */
static json_t *running_pods(ds_ctx *c, const slot *s)
{
    json_t *run = json_array();
    size_t i;
    json_t *pod;
    json_array_foreach(s->pods, i, pod)
    {
        if (deleting(pod))
            continue;
        if (strcmp(phase(pod), "Failed") == 0) {
            char *m = daas_xasprintf("Found failed daemon pod %s/%s on node %s, will try to "
                                     "kill it",
                                     c->ns, pod_name(pod), s->name);
            event(c, "Warning", "FailedDaemonPod", m);
            daas_free(m);
            delete_pod(c, pod);
        } else {
            json_array_append(run, pod);
        }
    }
    return run;
}

/* With surge: keep the oldest updated and oldest old pod; the old one goes once it is not
 * ready or the new one is available. A node left with no running pod gets one. */
static void keep_surge_pair(ds_ctx *c, const slot *s, const json_t *run)
{
    const json_t *new_pod = NULL, *old_pod = NULL;
    if (json_array_size(run) <= 1) {
        if (json_array_size(run) == 0 && s->run)
            create_pod(c, s->name);
        return;
    }
    size_t i;
    json_t *pod;
    json_array_foreach(run, i, pod)
    {
        const json_t **keep = updated(c, pod) ? &new_pod : &old_pod;
        if (*keep == NULL)
            *keep = pod;
        else
            delete_pod(c, pod);
    }
    if (new_pod && old_pod && (!daas_ctrl_pod_ready(old_pod, NULL) || available(c, new_pod)))
        delete_pod(c, old_pod);
}

/* podsShouldBeOnNode for one node. */
static void manage_node(ds_ctx *c, const slot *s, bool surge)
{
    size_t i;
    json_t *pod;
    if (s->run && json_array_size(s->pods) == 0) {
        create_pod(c, s->name);
    } else if (s->cont) {
        json_t *run = running_pods(c, s);
        if (surge)
            keep_surge_pair(c, s, run);
        else
            for (i = 1; i < json_array_size(run); i++) /* all but the oldest */
                delete_pod(c, json_array_get(run, i));
        json_decref(run);
    } else {
        json_array_foreach(s->pods, i, pod) delete_pod(c, pod);
    }
}

static int64_t desired(const ds_ctx *c)
{
    int64_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->slots[i].run;
    return n;
}

static void manage(ds_ctx *c)
{
    bool surge = allows_surge(c, desired(c));
    for (size_t i = 0; i < c->n; i++)
        manage_node(c, &c->slots[i], surge);
    size_t i;
    json_t *pod;
    json_array_foreach(c->orphans, i, pod) delete_pod(c, pod);
}

/* ---- rolling update ---- */

/* findUpdatedPodsOnNode: false when the node has more than one new or old pod. */
static bool split_pods(const ds_ctx *c, const slot *s, const json_t **np, const json_t **op)
{
    *np = *op = NULL;
    size_t i;
    json_t *pod;
    json_array_foreach(s->pods, i, pod)
    {
        if (deleting(pod))
            continue;
        const json_t **dst = updated(c, pod) ? np : op;
        if (*dst)
            return false;
        *dst = pod;
    }
    return true;
}

/* update.go rollingUpdate without surge: delete old pods within maxUnavailable. */
static void update_no_surge(ds_ctx *c, int64_t max_unavail)
{
    int64_t unavail = 0;
    json_t *cands = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const json_t *np, *op;
        if (json_array_size(c->slots[i].pods) == 0 && !c->slots[i].run)
            continue; /* nodes that want a pod count even without one (updatedDesiredNodeCounts) */
        if (!split_pods(c, &c->slots[i], &np, &op) || (np == NULL) == (op == NULL)) {
            unavail++; /* the manage loop creates or deletes here */
        } else if (np) {
            unavail += !available(c, np);
        } else if (!available(c, op)) {
            delete_pod(c, op); /* an unavailable old pod is replaced at once */
        } else if (unavail < max_unavail) {
            json_array_append(cands, (json_t *)op);
        }
    }
    int64_t room = max_unavail - unavail;
    for (size_t i = 0; room > 0 && i < json_array_size(cands); i++, room--)
        delete_pod(c, json_array_get(cands, i));
    json_decref(cands);
}

/* update.go rollingUpdate with surge: a new pod beside the old one, the old one deleted once
 * the new one is available. */
static void update_surge(ds_ctx *c, int64_t max_surge)
{
    int64_t surging = 0;
    json_t *cands = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const slot *s = &c->slots[i];
        const json_t *np, *op;
        if (json_array_size(s->pods) == 0)
            continue;
        if (!split_pods(c, s, &np, &op)) {
            surging++;
        } else if (op == NULL) {
            continue;
        } else if (np == NULL) {
            if (!available(c, op) && !s->run)
                delete_pod(c, op); /* unavailable and not to be replaced here */
            else if (!available(c, op))
                create_pod(c, s->name);
            else if (surging < max_surge && s->run)
                json_array_append_new(cands, json_string(s->name));
        } else if (!available(c, np)) {
            surging++;
        } else {
            delete_pod(c, op);
        }
    }
    int64_t room = max_surge - surging;
    for (size_t i = 0; room > 0 && i < json_array_size(cands); i++, room--)
        create_pod(c, json_string_value(json_array_get(cands, i)));
    json_decref(cands);
}

static int rolling_update(ds_ctx *c, daas_err *err)
{
    const json_t *st = daas_kube_path(c->ds, "spec.updateStrategy");
    if (strcmp(daas_kube_str(st, "type") ?: "RollingUpdate", "RollingUpdate") != 0)
        return DAAS_OK; /* OnDelete: pods are replaced when someone deletes them */
    const json_t *ru = json_object_get(st, "rollingUpdate");
    int64_t want = desired(c), surge, unavail;
    int rc = daas_ctrl_ds_scaled(json_object_get(ru, "maxSurge"), 0, want, true, &surge, err);
    if (rc == DAAS_OK)
        rc = daas_ctrl_ds_scaled(json_object_get(ru, "maxUnavailable"), 1, want, true, &unavail,
                                 err);
    if (rc != DAAS_OK)
        return rc;
    if (want > 0 && surge == 0 && unavail == 0)
        unavail = 1; /* an impossible configuration obeys the default */
    if (surge == 0)
        update_no_surge(c, unavail);
    else
        update_surge(c, surge);
    return DAAS_OK;
}

/* ---- status ---- */

static void set_count(json_t *st, const char *key, int64_t v, bool omit_zero)
{
    if (v == 0 && omit_zero)
        json_object_del(st, key);
    else
        json_object_set_new(st, key, json_integer(v));
}

/* updateDaemonSetStatus: counted on the oldest pod of each node. */
static json_t *make_status(ds_ctx *c)
{
    int64_t want = 0, cur = 0, mis = 0, ready = 0, avail = 0, upd = 0;
    for (size_t i = 0; i < c->n; i++) {
        const slot *s = &c->slots[i];
        bool scheduled = json_array_size(s->pods) > 0;
        if (!s->run) {
            mis += scheduled;
            continue;
        }
        want++;
        if (!scheduled)
            continue;
        cur++;
        const json_t *pod = json_array_get(s->pods, 0);
        if (daas_ctrl_pod_ready(pod, NULL)) {
            ready++;
            avail += available(c, pod);
        }
        upd += updated(c, pod);
    }
    const json_t *old = daas_kube_path(c->ds, "status");
    json_t *st = json_is_object(old) ? json_deep_copy(old) : json_object();
    set_count(st, "currentNumberScheduled", cur, false);
    set_count(st, "numberMisscheduled", mis, false);
    set_count(st, "desiredNumberScheduled", want, false);
    set_count(st, "numberReady", ready, false);
    set_count(st, "observedGeneration", daas_kube_int(c->ds, "metadata.generation", 0), true);
    set_count(st, "updatedNumberScheduled", upd, true);
    set_count(st, "numberAvailable", avail, true);
    set_count(st, "numberUnavailable", want - avail, true);
    return st;
}

int daas_ctrl_ds_plan_make(const json_t *ds, const json_t *nodes, const json_t *pods, int64_t now,
                           daas_ctrl_ds_plan *plan, daas_err *err)
{
    ds_ctx c;
    memset(plan, 0, sizeof *plan);
    plan->create = json_array();
    plan->del = json_array();
    plan->events = json_array();
    int rc = ctx_init(&c, ds, nodes, pods, now, plan, err);
    if (rc == DAAS_OK) {
        manage(&c);
        /* like expectations in syncDaemonSet: a rolling update step only on a settled set */
        if (json_array_size(plan->create) == 0 && json_array_size(plan->del) == 0)
            rc = rolling_update(&c, err);
    }
    if (rc == DAAS_OK) {
        plan->status = make_status(&c);
        const json_t *old = daas_kube_path(ds, "status");
        plan->status_changed = !json_is_object(old) || !json_equal(plan->status, old);
    }
    ctx_fini(&c);
    if (rc != DAAS_OK)
        daas_ctrl_ds_plan_fini(plan);
    return rc;
}

void daas_ctrl_ds_plan_fini(daas_ctrl_ds_plan *plan)
{
    json_decref(plan->create);
    json_decref(plan->del);
    json_decref(plan->status);
    json_decref(plan->events);
    memset(plan, 0, sizeof *plan);
}
