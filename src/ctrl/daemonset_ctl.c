/*
 * daemonset_ctl.c: the apps/v1 DaemonSet controller: records the DaemonSet's history as
 *                  ControllerRevisions and applies daemonset.c's plan (pods to create and
 *                  delete, the new status, events).
 *
 * Owns:   the controller's state (a copy of its options and its kinds); nothing shared.
 * Not:    the decision which node gets a pod (daemonset.c, daemonset_fit.c); binding the pods
 *         (the scheduler binds them through their matchFields node affinity); the work queue,
 *         informers and client (ctrl.c); a deleted DaemonSet's pods and revisions (the garbage
 *         collector, through their ownerReferences).
 * Model:  informers "daemonsets", "nodes", "pods", "controllerrevisions". A DaemonSet event
 *         queues it; a node added, deleted or changed in what placement reads (labels, spec,
 *         condition statuses) queues every DaemonSet; a pod event the DaemonSet named by its
 *         controller ownerReference (and the old one's on an update). sync: the cached
 *         DaemonSet, every node and its pods → the plan → the history (a ControllerRevision
 *         for the plan's template hash, the highest revision; old ones pruned to
 *         spec.revisionHistoryLimit) → deletes, creates and their events → the status (PUT
 *         .../status with the cached resourceVersion) → wait for the caches → requeue at the
 *         plan's time.
 * Departures from upstream, on purpose: no adoption or release of pods and revisions by
 *         selector (only what the DaemonSet created counts); no per-node back-off after
 *         failed pods (the work queue's back-off covers a failing sync).
 * Invariants: cached objects are never modified; a DaemonSet with a deletionTimestamp is
 *             left alone; the revision of the current hash is the highest once a sync got past
 *             the history step, so `kubectl rollout history/undo daemonset` see it as current.
 * Spec:   kubernetes pkg/controller/daemon (1.32): daemon_controller.go (syncDaemonSet,
 *         manage, updateDaemonSetStatus, shouldIgnoreNodeUpdate), update.go
 *         (constructHistory, snapshot, dedupCurHistories, cleanupHistory, getPatch); kubectl
 *         rollback.go / history.go (DaemonSet revisions); ISSUE 7.
 */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/daemonset.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"

#define HISTORY_LIMIT 10 /* spec.revisionHistoryLimit's default */

typedef struct ds_ctl {
    daas_ctrl_opts o;        /* a copy of the manager's options (the clock) */
    const daas_kube_kind *k; /* apps/v1 daemonsets */
    const daas_kube_kind *pods;
    const daas_kube_kind *revs; /* apps/v1 controllerrevisions */
} ds_ctl;

/* One sync's inputs and what it wrote. */
typedef struct ds_sync {
    ds_ctl *dc;
    daas_ctrl_run *run;
    const char *key;
    const json_t *ds; /* the cached DaemonSet (borrowed, read-only) */
    const char *ns, *name, *uid;
    json_t *pods; /* its pods (controller ref), new */
    daas_ctrl_ds_plan plan;
} ds_sync;

static int64_t now_ms(const ds_ctl *dc)
{
    return dc->o.now_ms ? dc->o.now_ms(dc->o.now_arg) : daas_now_ms();
}

/* ---- events → keys ---- */

/* "type=status;..." of a node's conditions (nodeInSameCondition ignores their times). New. */
static char *cond_summary(const json_t *node)
{
    daas_buf b = {0};
    size_t i;
    json_t *c;
    json_array_foreach(daas_kube_path(node, "status.conditions"), i, c)
    {
        if (daas_buf_printf(&b, "%s=%s;", daas_kube_str(c, "type") ?: "",
                            daas_kube_str(c, "status") ?: "") != DAAS_OK)
            break;
    }
    char *s = daas_buf_steal(&b, NULL);
    return s ? s : daas_xstrdup("");
}

/* shouldIgnoreNodeUpdate, reduced to what placement reads: labels, spec (taints,
 * unschedulable) and the conditions' statuses. Heartbeats change none of them. */
static bool node_changed(const json_t *old, const json_t *obj)
{
    static const char *const paths[] = {"metadata.labels", "spec"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *a = daas_kube_path(old, paths[i]), *b = daas_kube_path(obj, paths[i]);
        if ((a == NULL) != (b == NULL) || (a && !json_equal(a, b)))
            return true;
    }
    char *a = cond_summary(old), *b = cond_summary(obj);
    bool changed = strcmp(a, b) != 0;
    daas_free(a);
    daas_free(b);
    return changed;
}

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)arg;
    if (strcmp(res, "daemonsets") == 0) {
        daas_ctrl_run_enqueue_obj(run, obj);
    } else if (strcmp(res, "nodes") == 0) {
        if (ev != DAAS_CTRL_UPDATE || node_changed(old, obj))
            daas_ctrl_run_enqueue_all(run, "daemonsets", NULL);
    } else if (strcmp(res, "pods") == 0) {
        daas_ctrl_run_enqueue_controllers(run, old, obj, "DaemonSet");
    }
    /* controllerrevisions: read by the sync only (upstream does not watch them either) */
}

/* ---- history ---- */

/* getPatch: {"spec":{"template":<template, "$patch":"replace">}}, what `kubectl rollout undo`
 * applies as a strategic merge patch. New reference. */
static json_t *revision_data(const json_t *ds)
{
    json_t *t = json_deep_copy(daas_kube_path(ds, "spec.template"));
    json_object_set_new(t, "$patch", json_string("replace"));
    return json_pack("{s:{s:o}}", "spec", "template", t);
}

/* snapshot's ControllerRevision for the plan's hash at revision rev. New reference. */
static json_t *new_revision(const ds_sync *s, int64_t rev)
{
    json_t *labels = json_deep_copy(daas_kube_path(s->ds, "spec.template.metadata.labels"));
    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    json_object_set_new(labels, DAAS_CTRL_DS_HASH_LABEL, json_string(s->plan.hash));
    char *name = daas_xasprintf("%s-%s", s->name, s->plan.hash);
    json_t *md =
        json_pack("{s:s,s:s,s:o,s:[o]}", "name", name, "namespace", s->ns, "labels", labels,
                  "ownerReferences", daas_ctrl_owner_ref(s->ds, "apps/v1", "DaemonSet"));
    daas_free(name);
    const json_t *ann = daas_kube_path(s->ds, "metadata.annotations");
    if (json_is_object(ann)) /* kubernetes.io/change-cause: rollout history's CHANGE-CAUSE */
        json_object_set_new(md, "annotations", json_deep_copy(ann));
    return json_pack("{s:s,s:s,s:o,s:o,s:I}", "apiVersion", "apps/v1", "kind", "ControllerRevision",
                     "metadata", md, "data", revision_data(s->ds), "revision", (json_int_t)rev);
}

static const char *rev_hash(const json_t *cr)
{
    return json_string_value(
        json_object_get(daas_kube_path(cr, "metadata.labels"), DAAS_CTRL_DS_HASH_LABEL));
}

static int64_t rev_num(const json_t *cr)
{
    return daas_kube_int(cr, "revision", 0);
}

static int rev_cmp(const void *a, const void *b)
{
    int64_t x = rev_num(*(json_t *const *)a), y = rev_num(*(json_t *const *)b);
    return x < y ? -1 : x > y;
}

/* The DaemonSet's revisions split into cur (the plan's hash, the highest revision if
 * several: new reference or NULL) and old (array, new, ascending revision). */
static void split_history(ds_sync *s, json_t **cur, json_t **old)
{
    json_t *all =
        daas_ctrl_informer_by_owner(daas_ctrl_run_informer(s->run, "controllerrevisions"), s->uid);
    size_t n = json_array_size(all), i;
    json_t **v = daas_xcalloc(n + 1, sizeof *v);
    for (i = 0; i < n; i++)
        v[i] = json_array_get(all, i);
    qsort(v, n, sizeof *v, rev_cmp);
    *cur = NULL;
    *old = json_array();
    for (i = n; i-- > 0;) { /* highest first: a duplicate of cur counts as old */
        if (*cur == NULL && strcmp(rev_hash(v[i]) ?: "", s->plan.hash) == 0)
            *cur = json_incref(v[i]);
        else
            json_array_insert(*old, 0, v[i]);
    }
    daas_free(v);
    json_decref(all);
}

static int64_t max_revision(const json_t *old)
{
    int64_t m = 0;
    size_t i;
    json_t *cr;
    json_array_foreach(old, i, cr) m = rev_num(cr) > m ? rev_num(cr) : m;
    return m;
}

/* A hash collision (the name is taken by another template): status.collisionCount + 1, so
 * the next plan hashes differently (written with the cached resourceVersion: a stale count
 * is a 409). Returns the create's error so the key is retried. */
static int bump_collision(ds_sync *s, int code, daas_err *err)
{
    json_t *st = json_deep_copy(daas_kube_path(s->ds, "status"));
    if (!json_is_object(st)) {
        json_decref(st);
        st = json_object();
    }
    json_object_set_new(st, "collisionCount",
                        json_integer(daas_kube_int(s->ds, "status.collisionCount", 0) + 1));
    int rc = daas_ctrl_apply_status(daas_ctrl_run_client(s->run), s->dc->k, s->ds, st, NULL, err);
    json_decref(st);
    DAAS_INFO("ctrl", "daemonset %s: hash collision on %s, collisionCount bumped", s->key,
              s->plan.hash);
    return rc != DAAS_OK ? rc
                         : daas_fail(err, code, "daemonset %s: revision %s-%s exists", s->key,
                                     s->name, s->plan.hash);
}

/* Creates the current revision; an existing one with our data (a create whose answer was
 * lost, a cache behind) is fine. *rv gets the write's revision. */
static int create_revision(ds_sync *s, int64_t rev, int64_t *rv, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(s->run);
    json_t *cr = new_revision(s, rev), *out = NULL;
    daas_err e = {0};
    int rc = daas_ctrl_client_create(c, s->dc->revs, s->ns, cr, &out, &e);
    if (rc == DAAS_EEXIST) {
        const char *name = daas_kube_str(cr, "metadata.name");
        if (daas_ctrl_client_get(c, s->dc->revs, s->ns, name, &out, err) != DAAS_OK)
            rc = DAAS_EEXIST;
        else if (daas_ctrl_owned_by(out, s->uid) &&
                 json_equal(json_object_get(out, "data"), json_object_get(cr, "data")))
            rc = DAAS_OK;
        else
            rc = bump_collision(s, rc, err);
    } else if (rc != DAAS_OK) {
        daas_fail(err, rc, "%s", e.msg);
    }
    *rv = daas_ctrl_rv(out);
    json_decref(out);
    json_decref(cr);
    return rc;
}

/* constructHistory: a revision for the plan's hash with the highest revision number. */
static int ensure_current(ds_sync *s, json_t *cur, const json_t *old, daas_err *err)
{
    int64_t want = max_revision(old) + 1, rv = 0;
    int rc = DAAS_OK;
    if (cur == NULL) {
        rc = create_revision(s, want, &rv, err);
    } else if (rev_num(cur) < want) { /* a rollback to this template: it becomes the newest */
        json_t *body = json_copy(cur), *out = NULL;
        json_object_set_new(body, "revision", json_integer(want));
        rc = daas_ctrl_client_update(daas_ctrl_run_client(s->run), s->dc->revs, body, NULL, &out,
                                     err);
        rv = daas_ctrl_rv(out);
        json_decref(out);
        json_decref(body);
    }
    daas_ctrl_apply_wait(daas_ctrl_run_informer(s->run, "controllerrevisions"), rv);
    return rc;
}

/* cleanupHistory: deletes the oldest revisions beyond spec.revisionHistoryLimit that no pod
 * of the DaemonSet (terminal ones included) still carries the hash of. old ascends. */
static void prune_history(ds_sync *s, const json_t *old)
{
    int64_t kill = (int64_t)json_array_size(old) -
                   daas_kube_int(s->ds, "spec.revisionHistoryLimit", HISTORY_LIMIT);
    if (kill <= 0)
        return;
    json_t *live = json_object(), *del = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(s->pods, i, x)
    {
        const char *h = rev_hash(x); /* pods carry the same label */
        if (h)
            json_object_set_new(live, h, json_true());
    }
    json_array_foreach(old, i, x)
    {
        if (kill <= 0)
            break;
        if (json_object_get(live, rev_hash(x) ?: ""))
            continue;
        json_array_append_new(del, json_pack("{s:s,s:s}", "name",
                                             daas_kube_str(x, "metadata.name") ?: "", "uid",
                                             daas_kube_str(x, "metadata.uid") ?: ""));
        kill--;
    }
    daas_ctrl_apply_res res;
    daas_ctrl_apply_delete(daas_ctrl_run_client(s->run), s->dc->revs, s->ns, del, NULL, &res);
    if (res.failed) /* best effort: the next sync tries again */
        DAAS_WARN("ctrl", "daemonset %s: pruning its history: %s", s->key, res.first.msg);
    daas_ctrl_apply_wait(daas_ctrl_run_informer(s->run, "controllerrevisions"), res.max_rv);
    daas_ctrl_apply_res_fini(&res);
    json_decref(del);
    json_decref(live);
}

/* ---- pods ---- */

/* manage: the plan's events, its deletes and creates (slow-start) with theirs; returns once
 * the pod cache saw them. An error when a write failed (the key is retried). */
static int apply_pods(ds_sync *s, daas_err *err)
{
    daas_ctrl_apply_events(daas_ctrl_run_client(s->run), s->ds, s->plan.events);
    return daas_ctrl_apply_pods(s->run, s->ds, s->plan.create, s->plan.del, err);
}

/* ---- sync ---- */

static int write_status(ds_sync *s, daas_err *err)
{
    if (!s->plan.status_changed)
        return DAAS_OK;
    daas_ctrl_apply_res res = {0};
    int rc = daas_ctrl_apply_status(daas_ctrl_run_client(s->run), s->dc->k, s->ds, s->plan.status,
                                    &res, err);
    if (rc == DAAS_OK)
        daas_ctrl_apply_wait(daas_ctrl_run_informer(s->run, "daemonsets"), res.max_rv);
    return rc;
}

static void requeue(ds_sync *s)
{
    if (s->plan.requeue_at <= 0)
        return;
    int64_t delay = s->plan.requeue_at * 1000 - now_ms(s->dc);
    daas_ctrl_run_enqueue_after(s->run, s->key, delay > 0 ? delay : 0);
}

/* syncDaemonSet for one cached DaemonSet. */
static int sync_ds(ds_sync *s, daas_err *err)
{
    json_t *nodes = daas_ctrl_informer_list(daas_ctrl_run_informer(s->run, "nodes"), NULL);
    s->pods = daas_ctrl_informer_by_owner(daas_ctrl_run_informer(s->run, "pods"), s->uid);
    int rc =
        daas_ctrl_ds_plan_make(s->ds, nodes, s->pods, daas_ctrl_now_s(&s->dc->o), &s->plan, err);
    json_decref(nodes);
    json_t *cur = NULL, *old = NULL;
    if (rc == DAAS_OK) {
        split_history(s, &cur, &old);
        rc = ensure_current(s, cur, old, err);
    }
    if (rc == DAAS_OK)
        rc = apply_pods(s, err);
    if (rc == DAAS_OK)
        rc = write_status(s, err);
    if (rc == DAAS_OK) {
        prune_history(s, old);
        requeue(s);
    }
    json_decref(cur);
    json_decref(old);
    json_decref(s->pods);
    daas_ctrl_ds_plan_fini(&s->plan);
    return rc;
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, const char *ns,
                const char *name, const json_t *ds, daas_err *err)
{
    (void)ns, (void)name;
    ds_sync s = {.dc = arg, .run = run, .key = key, .ds = ds};
    s.ns = daas_kube_str(ds, "metadata.namespace");
    s.name = daas_kube_str(ds, "metadata.name");
    s.uid = daas_kube_str(ds, "metadata.uid");
    /* gone, or being deleted: its pods and revisions are the garbage collector's */
    if (ds && s.ns && s.name && s.uid && !daas_kube_path(ds, "metadata.deletionTimestamp"))
        return sync_ds(&s, err);
    return DAAS_OK;
}

int daas_ctrl_daemonset_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    ds_ctl *dc = daas_xcalloc(1, sizeof *dc);
    if (o)
        dc->o = *o;
    dc->k = daas_ctrl_kind("daemonsets");
    dc->pods = daas_ctrl_kind("pods");
    dc->revs = daas_ctrl_kind("controllerrevisions");
    daas_ctrl_def def = {
        .name = "daemonset",
        .resources = {"daemonsets", "nodes", "pods", "controllerrevisions"},
        .handle = handle,
        .sync_obj = sync,
        .workers = 2,
        .arg = dc,
        .fini = daas_free,
    };
    return daas_ctrl_mgr_register(m, &def, err);
}
