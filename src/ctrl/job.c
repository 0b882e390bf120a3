/*
 * job.c: the Job controller's plan (job.h): counts, conditions, pods to create and delete.
 *
 * Owns:   nothing beyond the plan it returns.
 * Invariants: see job.h; the counts succeeded/failed never go below the Job's status (pods
 *             that finished may be deleted by hand; the Job does not forget them).
 * Spec:   kubernetes pkg/controller/job/job_controller.go (1.32), indexed_job_utils.go.
 */
#include "ctrl/job.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"

#define IDX_KEY "batch.kubernetes.io/job-completion-index"
#define MAX_INDEXES 100000 /* the API's limit on Indexed completions */

/* What the plan needs to know about one Job. */
typedef struct job_ctx {
    const json_t *job;
    const char *name, *ns, *uid;
    int64_t now;
    int64_t parallelism, completions; /* completions -1: nil (work queue) */
    int64_t backoff_limit;
    bool indexed, suspended;
    const json_t *pods; /* borrowed: the namespace's pods */
    json_t *active;     /* borrowed pods: owned, not finished, not being deleted */
    int64_t succeeded, failed, ready;
    int64_t terminating; /* pods being deleted, not yet Succeeded or Failed */
    uint8_t *done;       /* Indexed: done[i] = 1 when index i succeeded */
    int64_t n_done;      /* Indexed: indexes succeeded */
} job_ctx;

/* ---- pods ---- */

static const char *phase(const json_t *pod)
{
    return daas_kube_str(pod, "status.phase") ?: "";
}

/* The pod's completion index, or -1 when it has none (or a malformed one). */
static int64_t pod_index(const json_t *pod)
{
    const char *s =
        json_string_value(json_object_get(daas_kube_path(pod, "metadata.annotations"), IDX_KEY));
    if (s == NULL)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > MAX_INDEXES)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return *s ? v : -1;
}

/* Latest container finishedAt of a terminated pod (unix s), or 0 when none is known. */
static int64_t finished_at(const json_t *pod)
{
    int64_t best = 0;
    size_t i;
    json_t *cs;
    json_array_foreach(daas_kube_path(pod, "status.containerStatuses"), i, cs)
    {
        int64_t t;
        const char *s = daas_kube_str(cs, "state.terminated.finishedAt");
        if (s && daas_time_parse(s, &t) == DAAS_OK && t > best)
            best = t;
    }
    return best;
}

/* Sum of container restarts of a Pending or Running pod (pastBackoffLimitOnFailure). */
static int64_t restarts(const json_t *pod)
{
    const char *ph = phase(pod);
    if (strcmp(ph, "Pending") != 0 && strcmp(ph, "Running") != 0)
        return 0;
    int64_t n = 0;
    static const char *const lists[] = {"status.initContainerStatuses", "status.containerStatuses"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *cs;
        json_array_foreach(daas_kube_path(pod, lists[l]), i, cs) n +=
            daas_kube_int(cs, "restartCount", 0);
    }
    return n;
}

/* ---- conditions ---- */

static json_t *cond_find(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        if (strcmp(daas_kube_str(c, "type") ?: "", type) == 0)
            return c;
    }
    return NULL;
}

static bool cond_true(const json_t *status, const char *type)
{
    json_t *c = cond_find(status, type);
    return c && strcmp(daas_kube_str(c, "status") ?: "", "True") == 0;
}

static json_t *time_json(int64_t t)
{
    char b[32];
    daas_time_rfc3339(t, b, sizeof b);
    return json_string(b);
}

/* Sets condition type to (st, reason, message) in status; a new condition or a changed
 * status moves lastTransitionTime. add_missing false: only an existing condition changes
 * (ensureJobConditionStatus with ConditionFalse). True when something changed. */
static bool cond_set(json_t *status, const char *type, const char *st, const char *reason,
                     const char *msg, int64_t now, bool add_missing)
{
    json_t *c = cond_find(status, type);
    if (c == NULL && !add_missing)
        return false;
    if (c && strcmp(daas_kube_str(c, "status") ?: "", st) == 0 &&
        strcmp(daas_kube_str(c, "reason") ?: "", reason) == 0 &&
        strcmp(daas_kube_str(c, "message") ?: "", msg) == 0)
        return false;
    if (c == NULL) {
        c = json_object();
        json_object_set_new(c, "type", json_string(type));
        json_t *cs = json_object_get(status, "conditions");
        if (!json_is_array(cs)) {
            cs = json_array();
            json_object_set_new(status, "conditions", cs);
        }
        json_array_append_new(cs, c);
    }
    if (strcmp(daas_kube_str(c, "status") ?: "", st) != 0)
        json_object_set_new(c, "lastTransitionTime", time_json(now));
    json_object_set_new(c, "status", json_string(st));
    json_object_set_new(c, "reason", json_string(reason));
    json_object_set_new(c, "message", json_string(msg));
    json_object_set_new(c, "lastProbeTime", time_json(now));
    return true;
}

static void event(daas_ctrl_job_plan *p, const char *type, const char *reason, const char *msg)
{
    json_array_append_new(
        p->events, json_pack("{s:s,s:s,s:s}", "type", type, "reason", reason, "message", msg));
}

/* ---- the Job ---- */

static int ctx_init(job_ctx *c, const json_t *job, const json_t *pods, int64_t now, daas_err *err)
{
    memset(c, 0, sizeof *c);
    c->job = job;
    c->pods = pods;
    c->now = now;
    c->name = daas_kube_str(job, "metadata.name");
    c->ns = daas_kube_str(job, "metadata.namespace");
    c->uid = daas_kube_str(job, "metadata.uid");
    if (!c->name || !c->ns || !c->uid || !json_is_object(daas_kube_path(job, "spec.template")))
        return daas_fail(err, DAAS_EINVAL,
                         "job: metadata.name/namespace/uid or spec.template "
                         "missing");
    c->parallelism = daas_kube_int(job, "spec.parallelism", 1);
    json_t *comp = daas_kube_path(job, "spec.completions");
    c->completions = json_is_integer(comp) ? json_integer_value(comp) : -1;
    c->backoff_limit = daas_kube_int(job, "spec.backoffLimit", 6);
    c->indexed = strcmp(daas_kube_str(job, "spec.completionMode") ?: "", "Indexed") == 0;
    if (c->indexed && (c->completions < 0 || c->completions > MAX_INDEXES))
        return daas_fail(err, DAAS_EINVAL, "job %s: Indexed needs 0..%d completions", c->name,
                         MAX_INDEXES);
    c->suspended = json_is_true(daas_kube_path(job, "spec.suspend"));
    if (c->parallelism < 0)
        c->parallelism = 0;
    c->active = json_array();
    return DAAS_OK;
}

static void ctx_fini(job_ctx *c)
{
    json_decref(c->active);
    daas_free(c->done);
}

/* Sorts the Job's pods into active / succeeded / failed (and done indexes). */
static int count_pods(job_ctx *c, daas_err *err)
{
    int64_t succ = 0, fail = 0;
    if (c->indexed) {
        c->done = daas_xcalloc((size_t)c->completions + 1, 1);
        const char *ci = daas_kube_str(c->job, "status.completedIndexes");
        if (ci && daas_ctrl_job_parse_indexes(ci, c->done, (size_t)c->completions, err) != DAAS_OK)
            return DAAS_EINVAL;
    }
    size_t i;
    json_t *p;
    json_array_foreach(c->pods, i, p)
    {
        if (!daas_ctrl_owned_by(p, c->uid))
            continue;
        const char *ph = phase(p);
        if (strcmp(ph, "Succeeded") == 0) {
            succ++;
            int64_t x = pod_index(p);
            if (c->indexed && x >= 0 && x < c->completions)
                c->done[x] = 1;
        } else if (strcmp(ph, "Failed") == 0) {
            fail++;
        } else if (daas_kube_path(p, "metadata.deletionTimestamp")) {
            c->terminating++;
        } else {
            json_array_append(c->active, p);
            c->ready += daas_ctrl_pod_ready(p, NULL);
        }
    }
    if (c->indexed) {
        for (int64_t x = 0; x < c->completions; x++)
            c->n_done += c->done[x];
        succ = c->n_done;
    }
    int64_t s0 = daas_kube_int(c->job, "status.succeeded", 0);
    int64_t f0 = daas_kube_int(c->job, "status.failed", 0);
    c->succeeded = succ > s0 ? succ : s0;
    c->failed = fail > f0 ? fail : f0;
    return DAAS_OK;
}

static bool past_backoff_on_failure(const job_ctx *c)
{
    if (strcmp(daas_kube_str(c->job, "spec.template.spec.restartPolicy") ?: "", "OnFailure") != 0)
        return false;
    int64_t n = 0;
    size_t i;
    json_t *p;
    json_array_foreach(c->active, i, p) n += restarts(p);
    return c->backoff_limit == 0 ? n > 0 : n >= c->backoff_limit;
}

/* The reason the Job fails now, or NULL; sets *msg. */
static const char *failure(const job_ctx *c, const json_t *status, int64_t *deadline,
                           const char **msg)
{
    if (c->failed > c->backoff_limit || past_backoff_on_failure(c)) {
        *msg = "Job has reached the specified backoff limit";
        return "BackoffLimitExceeded";
    }
    json_t *ads = daas_kube_path(c->job, "spec.activeDeadlineSeconds");
    int64_t start;
    const char *st = daas_kube_str(status, "startTime");
    if (!c->suspended && json_is_integer(ads) && st && daas_time_parse(st, &start) == DAAS_OK) {
        *deadline = start + json_integer_value(ads);
        if (c->now >= *deadline) {
            *msg = "Job was active longer than specified deadline";
            return "DeadlineExceeded";
        }
    }
    return NULL;
}

/* ---- pods to create ---- */

/* A JSON string of s, which it frees. */
static json_t *owned_str(char *s)
{
    json_t *v = json_string(s);
    daas_free(s);
    return v;
}

static void set_label(json_t *md, const char *key, const char *val)
{
    json_t *l = json_object_get(md, "labels");
    if (!json_is_object(l)) {
        l = json_object();
        json_object_set_new(md, "labels", l);
    }
    if (!json_object_get(l, key))
        json_object_set_new(l, key, json_string(val));
}

/* Indexed pods learn their index from the environment (JOB_COMPLETION_INDEX). */
static void add_index_env(json_t *spec)
{
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *ctr;
        json_array_foreach(json_object_get(spec, lists[l]), i, ctr)
        {
            json_t *env = json_object_get(ctr, "env");
            if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(ctr, "env", env);
            }
            json_array_append_new(
                env, json_pack("{s:s,s:{s:{s:s}}}", "name", "JOB_COMPLETION_INDEX", "valueFrom",
                               "fieldRef", "fieldPath", "metadata.annotations['" IDX_KEY "']"));
        }
    }
}

/* The pod for the Job's template (index -1 for NonIndexed). New reference. */
static json_t *new_pod(const job_ctx *c, int64_t index)
{
    json_t *md = json_deep_copy(daas_kube_path(c->job, "spec.template.metadata"));
    if (!json_is_object(md)) {
        json_decref(md);
        md = json_object();
    }
    json_t *spec = json_deep_copy(daas_kube_path(c->job, "spec.template.spec"));
    if (!json_is_object(spec)) {
        json_decref(spec);
        spec = json_object();
    }
    char idx[24] = "";
    if (index >= 0)
        snprintf(idx, sizeof idx, "%lld", (long long)index);
    json_object_del(md, "name");
    json_object_set_new(md, "namespace", json_string(c->ns));
    json_object_set_new(md, "generateName",
                        owned_str(index >= 0 ? daas_xasprintf("%s-%s-", c->name, idx)
                                             : daas_xasprintf("%s-", c->name)));
    set_label(md, "batch.kubernetes.io/controller-uid", c->uid);
    set_label(md, "batch.kubernetes.io/job-name", c->name);
    set_label(md, "controller-uid", c->uid);
    set_label(md, "job-name", c->name);
    json_object_set_new(md, "ownerReferences",
                        json_pack("[{s:s,s:s,s:s,s:s,s:b,s:b}]", "apiVersion", "batch/v1", "kind",
                                  "Job", "name", c->name, "uid", c->uid, "controller", 1,
                                  "blockOwnerDeletion", 1));
    if (index >= 0) {
        json_object_set_new(daas_kube_mkpath(md, "annotations"), IDX_KEY, json_string(idx));
        set_label(md, IDX_KEY, idx);
        json_object_set_new(spec, "hostname", owned_str(daas_xasprintf("%s-%s", c->name, idx)));
        add_index_env(spec);
    }
    return json_pack("{s:s,s:s,s:o,s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", md, "spec",
                     spec);
}

/* ---- pods to delete ---- */

static int64_t created(const json_t *pod)
{
    int64_t t = 0;
    const char *s = daas_kube_str(pod, "metadata.creationTimestamp");
    return s && daas_time_parse(s, &t) == DAAS_OK ? t : 0;
}

/* controller.ActivePods order: the pod to delete first sorts first (unassigned, Pending,
 * not ready, more restarts, newer). */
static int removal_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int ax = daas_kube_str(x, "spec.nodeName") != NULL,
        ay = daas_kube_str(y, "spec.nodeName") != NULL;
    if (ax != ay)
        return ax - ay;
    int px = strcmp(phase(x), "Pending") == 0 ? 0 : strcmp(phase(x), "Running") == 0 ? 2 : 1;
    int py = strcmp(phase(y), "Pending") == 0 ? 0 : strcmp(phase(y), "Running") == 0 ? 2 : 1;
    if (px != py)
        return px - py;
    if (daas_ctrl_pod_ready(x, NULL) != daas_ctrl_pod_ready(y, NULL))
        return (int)daas_ctrl_pod_ready(x, NULL) - (int)daas_ctrl_pod_ready(y, NULL);
    if (restarts(x) != restarts(y))
        return restarts(x) > restarts(y) ? -1 : 1;
    if (created(x) != created(y))
        return created(x) > created(y) ? -1 : 1;
    return strcmp(daas_kube_str(x, "metadata.name") ?: "", daas_kube_str(y, "metadata.name") ?: "");
}

static void delete_pod(daas_ctrl_job_plan *p, const json_t *pod)
{
    if (json_array_size(p->del) < DAAS_CTRL_JOB_BURST)
        json_array_append_new(p->del, json_string(daas_kube_str(pod, "metadata.name") ?: ""));
}

/* Deletes every active pod (suspend, failure). Returns how many. */
static int64_t delete_all(const job_ctx *c, daas_ctrl_job_plan *p)
{
    size_t i;
    json_t *pod;
    json_array_foreach(c->active, i, pod) delete_pod(p, pod);
    return (int64_t)json_array_size(c->active);
}

/* Indexed: active pods with no valid index, a done index or a duplicate index go first.
 * Removes them from c->active. seen[] marks indexes that keep a pod. */
static void delete_bad_indexes(job_ctx *c, daas_ctrl_job_plan *p, uint8_t *seen)
{
    for (size_t i = 0; i < json_array_size(c->active);) {
        json_t *pod = json_array_get(c->active, i);
        int64_t x = pod_index(pod);
        if (x < 0 || x >= c->completions || c->done[x] || seen[x]) {
            delete_pod(p, pod);
            json_array_remove(c->active, i);
            continue;
        }
        seen[x] = 1;
        i++;
    }
}

/* Deletes n of the active pods in removal order. */
static void delete_some(const job_ctx *c, daas_ctrl_job_plan *p, int64_t n)
{
    size_t k = json_array_size(c->active);
    if (n <= 0 || k == 0)
        return;
    const json_t **v = daas_xcalloc(k, sizeof *v);
    for (size_t i = 0; i < k; i++)
        v[i] = json_array_get(c->active, i);
    qsort(v, k, sizeof *v, removal_cmp);
    for (size_t i = 0; i < k && (int64_t)i < n; i++)
        delete_pod(p, v[i]);
    daas_free(v);
}

/* ---- creating ---- */

/* The time before which no pod may be created after failures (0: none): 10 s doubling per
 * failure since the last success, at most DAAS_CTRL_JOB_BACKOFF_MAX. */
static int64_t backoff_until(const job_ctx *c)
{
    int64_t last_ok = 0, last_fail = 0, fails = 0;
    size_t i;
    json_t *pod;
    json_array_foreach(c->pods, i, pod)
    {
        if (daas_ctrl_owned_by(pod, c->uid) && strcmp(phase(pod), "Succeeded") == 0 &&
            finished_at(pod) > last_ok)
            last_ok = finished_at(pod);
    }
    json_array_foreach(c->pods, i, pod)
    {
        int64_t t = finished_at(pod);
        if (!daas_ctrl_owned_by(pod, c->uid) || strcmp(phase(pod), "Failed") != 0 || t <= last_ok)
            continue;
        fails++;
        last_fail = t > last_fail ? t : last_fail;
    }
    if (fails == 0 || last_fail == 0)
        return 0;
    int64_t d = DAAS_CTRL_JOB_BACKOFF_BASE;
    for (int64_t k = 1; k < fails && d < DAAS_CTRL_JOB_BACKOFF_MAX; k++)
        d *= 2;
    return last_fail + (d < DAAS_CTRL_JOB_BACKOFF_MAX ? d : DAAS_CTRL_JOB_BACKOFF_MAX);
}

static void create_pods(const job_ctx *c, daas_ctrl_job_plan *p, int64_t n, const uint8_t *seen)
{
    int64_t until = backoff_until(c);
    if (until > c->now) {
        p->requeue_at = until;
        return;
    }
    if (n > DAAS_CTRL_JOB_BURST)
        n = DAAS_CTRL_JOB_BURST;
    for (int64_t x = 0; n > 0 && (!c->indexed || x < c->completions); x++) {
        if (c->indexed && (c->done[x] || seen[x]))
            continue;
        json_array_append_new(p->create, new_pod(c, c->indexed ? x : -1));
        n--;
    }
}

/* manageJob: deletes over-parallelism pods, creates missing ones. Returns active after. */
static int64_t manage(job_ctx *c, daas_ctrl_job_plan *p)
{
    if (c->suspended)
        return (int64_t)json_array_size(c->active) - delete_all(c, p);
    uint8_t *seen = c->indexed ? daas_xcalloc((size_t)c->completions + 1, 1) : NULL;
    if (c->indexed)
        delete_bad_indexes(c, p, seen);
    int64_t active = (int64_t)json_array_size(c->active);
    int64_t want;
    if (c->completions < 0) {
        want = c->succeeded > 0 ? active : c->parallelism;
    } else {
        want = c->completions - c->succeeded;
        want = want > c->parallelism ? c->parallelism : want < 0 ? 0 : want;
    }
    if (active > want) {
        delete_some(c, p, active - want);
        active = want;
    } else if (active < want) {
        create_pods(c, p, want - active, seen);
        active += (int64_t)json_array_size(p->create); /* optimistic, like manageJob */
    }
    daas_free(seen);
    return active;
}

/* ---- status ---- */

/* "0-2,4" for the done indexes. New reference. */
static json_t *indexes_json(const job_ctx *c)
{
    daas_buf b = {0};
    int rc = DAAS_OK;
    for (int64_t x = 0; rc == DAAS_OK && x < c->completions; x++) {
        if (!c->done[x])
            continue;
        int64_t y = x;
        while (y + 1 < c->completions && c->done[y + 1])
            y++;
        rc = daas_buf_printf(&b, y > x ? "%s%lld-%lld" : "%s%lld", b.len ? "," : "", (long long)x,
                             (long long)y);
        x = y;
    }
    json_t *v = json_string(rc == DAAS_OK && b.data ? b.data : "");
    daas_buf_fini(&b);
    return v;
}

/* The start, suspend and resume bookkeeping of syncJob. */
static void suspend_status(const job_ctx *c, daas_ctrl_job_plan *p, json_t *status)
{
    if (c->suspended) {
        if (cond_set(status, "Suspended", "True", "JobSuspended", "Job suspended", c->now, true))
            event(p, "Normal", "Suspended", "Job suspended");
        return;
    }
    if (cond_set(status, "Suspended", "False", "JobResumed", "Job resumed", c->now, false)) {
        event(p, "Normal", "Resumed", "Job resumed");
        json_object_set_new(status, "startTime", time_json(c->now));
    }
    if (!json_object_get(status, "startTime"))
        json_object_set_new(status, "startTime", time_json(c->now));
}

static bool complete(const job_ctx *c, int64_t active)
{
    if (c->completions < 0)
        return c->succeeded > 0 && active == 0;
    return c->succeeded >= c->completions && active == 0;
}

/* When the Job finished (unix s), from completionTime or its terminal condition. */
static int64_t finish_time(const json_t *status)
{
    int64_t t = 0;
    const char *s = daas_kube_str(status, "completionTime");
    if (s == NULL) {
        json_t *f = cond_true(status, "Failed") ? cond_find(status, "Failed")
                                                : cond_find(status, "Complete");
        s = daas_kube_str(f, "lastTransitionTime");
    }
    return s && daas_time_parse(s, &t) == DAAS_OK ? t : 0;
}

/* Decides the running Job's fate; returns the active count after the plan. */
static int64_t sync_running(job_ctx *c, daas_ctrl_job_plan *p, json_t *status)
{
    suspend_status(c, p, status);
    int64_t deadline = 0;
    const char *msg = NULL;
    const char *why = failure(c, status, &deadline, &msg);
    if (why) {
        int64_t left = (int64_t)json_array_size(c->active) - delete_all(c, p);
        cond_set(status, "FailureTarget", "True", why, msg, c->now, true);
        cond_set(status, "Failed", "True", why, msg, c->now, true);
        event(p, "Warning", why, msg);
        return left;
    }
    if (deadline > 0)
        p->requeue_at = deadline;
    int64_t active = manage(c, p);
    if (!c->suspended && complete(c, active)) {
        const char *m = "Reached expected number of succeeded pods";
        cond_set(status, "SuccessCriteriaMet", "True", "CompletionsReached", m, c->now, true);
        cond_set(status, "Complete", "True", "CompletionsReached", m, c->now, true);
        json_object_set_new(status, "completionTime", time_json(c->now));
        event(p, "Normal", "Completed", "Job completed");
        p->requeue_at = 0;
    }
    return active;
}

static void fill_status(const job_ctx *c, json_t *status, int64_t active)
{
    json_object_set_new(status, "active", json_integer(active));
    json_object_set_new(status, "succeeded", json_integer(c->succeeded));
    json_object_set_new(status, "failed", json_integer(c->failed));
    json_object_set_new(status, "ready", json_integer(c->ready));
    json_object_set_new(status, "terminating", json_integer(c->terminating));
    if (c->indexed)
        json_object_set_new(status, "completedIndexes", indexes_json(c));
    /* the API drops zero counts; keep the plan's status comparable with what is stored */
    static const char *const zeros[] = {"active", "succeeded", "failed"};
    for (size_t i = 0; i < 3; i++)
        if (json_integer_value(json_object_get(status, zeros[i])) == 0)
            json_object_del(status, zeros[i]);
}

int daas_ctrl_job_plan_make(const json_t *job, const json_t *pods, int64_t now,
                            daas_ctrl_job_plan *plan, daas_err *err)
{
    job_ctx c;
    memset(plan, 0, sizeof *plan);
    int rc = ctx_init(&c, job, pods, now, err);
    if (rc == DAAS_OK)
        rc = count_pods(&c, err);
    if (rc != DAAS_OK)
        goto out;
    plan->create = json_array();
    plan->del = json_array();
    plan->events = json_array();
    const json_t *old = daas_kube_path(job, "status");
    json_t *status = json_is_object(old) ? json_deep_copy(old) : json_object();
    int64_t active;
    if (daas_ctrl_job_finished(job)) /* only a failed Job's stragglers are still deleted */
        active = (int64_t)json_array_size(c.active) -
                 (cond_true(status, "Failed") ? delete_all(&c, plan) : 0);
    else
        active = sync_running(&c, plan, status);
    fill_status(&c, status, active);
    json_t *ttl = daas_kube_path(job, "spec.ttlSecondsAfterFinished");
    if (json_is_integer(ttl) && (cond_true(status, "Complete") || cond_true(status, "Failed")))
        plan->delete_at = finish_time(status) + json_integer_value(ttl);
    plan->status = status;
    plan->status_changed = !json_is_object(old) || !json_equal(status, old);
out:
    ctx_fini(&c);
    return rc;
}

void daas_ctrl_job_plan_fini(daas_ctrl_job_plan *plan)
{
    json_decref(plan->create);
    json_decref(plan->del);
    json_decref(plan->status);
    json_decref(plan->events);
    memset(plan, 0, sizeof *plan);
}

bool daas_ctrl_job_finished(const json_t *job)
{
    const json_t *st = daas_kube_path(job, "status");
    return cond_true(st, "Complete") || cond_true(st, "Failed");
}

/* One decimal number at *s (advanced), at most MAX_INDEXES. */
static bool parse_num(const char **s, int64_t *v)
{
    const char *p = *s;
    *v = 0;
    while (*p >= '0' && *p <= '9' && *v <= MAX_INDEXES)
        *v = *v * 10 + (*p++ - '0');
    bool ok = p != *s && *v <= MAX_INDEXES;
    *s = p;
    return ok;
}

int daas_ctrl_job_parse_indexes(const char *s, uint8_t *out, size_t n, daas_err *err)
{
    if (*s == '\0')
        return DAAS_OK;
    for (;;) {
        int64_t a, b;
        if (!parse_num(&s, &a))
            return daas_fail(err, DAAS_EINVAL, "job: bad completedIndexes");
        b = a;
        if (*s == '-' && (s++, !parse_num(&s, &b) || b < a))
            return daas_fail(err, DAAS_EINVAL, "job: bad completedIndexes range");
        for (int64_t x = a; x <= b && x < (int64_t)n; x++)
            out[x] = 1;
        if (*s == '\0')
            return DAAS_OK;
        if (*s++ != ',')
            return daas_fail(err, DAAS_EINVAL, "job: bad completedIndexes separator");
    }
}
