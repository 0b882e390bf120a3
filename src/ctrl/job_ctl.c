/*
 * job_ctl.c: the batch/v1 Job controller: applies job.c's plan (pods to create and delete,
 *            the new status, events) and deletes finished Jobs past ttlSecondsAfterFinished.
 *
 * Owns:   the controller's state (a copy of its options and its two kinds); nothing shared.
 * Not:    the decision (job.c); the work queue, informers and client (ctrl.c); the deletion
 *         of a deleted Job's pods (the garbage collector, through their ownerReferences).
 * Model:  informers "jobs" and "pods"; a Job event queues the Job, a pod event the Job named
 *         by its controller ownerReference (and, on an update, the old one's). sync: the
 *         cached Job and its pods → daas_ctrl_job_plan_make → deletes, creates, the status
 *         (PUT .../status with the cached resourceVersion: a stale plan is a 409 and is
 *         retried) and its events → wait until the caches saw the writes → requeue at the
 *         plan's time, or delete the Job when its TTL is over.
 * Departures from upstream, on purpose:
 *   - no batch.kubernetes.io/job-tracking pod finalizers: a finished pod deleted before the
 *     Job counted it would be lost upstream without them; here job.c never lowers
 *     status.succeeded / status.failed, and a pod is counted as soon as the informer sees its
 *     terminal phase (the kubelet's status write precedes any deletion of ours);
 *   - no adoption of orphan pods matching the selector (only pods the Job created count);
 *   - the TTL deletion uses propagationPolicy Background (upstream's ttlafterfinished
 *     controller uses Foreground), so the Job is gone at once and the garbage collector
 *     removes its pods afterwards.
 * Invariants: cached objects are never modified; a Job with a deletionTimestamp is left alone;
 * events of the plan are recorded only after its status was written (a retried plan does not repeat
 * them). Spec:   kubernetes pkg/controller/job (1.32): syncJob, manageJob; pkg/controller/
 *         ttlafterfinished; ISSUE 7.
 */
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/apply.h"
#include "ctrl/controllers.h"
#include "ctrl/job.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"


typedef struct job_ctl {
    daas_ctrl_opts o;           /* a copy of the manager's options (the clock) */
    const daas_kube_kind *jobs; /* batch/v1 jobs */
    const daas_kube_kind *pods; /* v1 pods */
} job_ctl;

/* Wall clock in milliseconds on the options' clock. */
static int64_t now_ms(const job_ctl *jc)
{
    return jc->o.now_ms ? jc->o.now_ms(jc->o.now_arg) : daas_now_ms();
}

/* ---- events → keys ---- */

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)arg, (void)ev;
    if (strcmp(res, "jobs") == 0)
        daas_ctrl_run_enqueue_obj(run, obj);
    else
        daas_ctrl_run_enqueue_controllers(run, old, obj, "Job");
}

/* ---- applying a plan ---- */


/* PUT jobs/NAME/status with the plan's status and the cached resourceVersion, then the
 * plan's events; waits until the Job cache saw the write. */
static int write_status(job_ctl *jc, daas_ctrl_run *run, const json_t *job,
                        const daas_ctrl_job_plan *p, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    daas_ctrl_apply_res res = {0};
    int rc = daas_ctrl_apply_status(c, jc->jobs, job, p->status, &res, err);
    if (rc == DAAS_OK) {
        daas_ctrl_apply_events(c, job, p->events);
        daas_ctrl_apply_wait(daas_ctrl_run_informer(run, "jobs"), res.max_rv);
    }
    return rc;
}

/* ttlSecondsAfterFinished is over: DELETE the Job (Background, uid precondition). */
static int delete_job(job_ctl *jc, daas_ctrl_run *run, const json_t *job, daas_err *err)
{
    const char *ns = daas_kube_str(job, "metadata.namespace");
    const char *name = daas_kube_str(job, "metadata.name");
    json_t *items =
        json_pack("[{s:s,s:s}]", "name", name, "uid", daas_kube_str(job, "metadata.uid") ?: "");
    daas_ctrl_apply_res res;
    daas_ctrl_apply_delete(daas_ctrl_run_client(run), jc->jobs, ns, items, "Background", &res);
    int rc = DAAS_OK;
    if (res.failed)
        rc = daas_fail(err, res.first.code, "job %s/%s: TTL deletion: %s", ns, name, res.first.msg);
    else
        DAAS_INFO("ctrl", "job %s/%s: deleted, its ttlSecondsAfterFinished is over", ns, name);
    daas_ctrl_apply_res_fini(&res);
    json_decref(items);
    return rc;
}

/* Queues key again at unix second at (the plan's requeue or TTL time). */
static void requeue_at(job_ctl *jc, daas_ctrl_run *run, const char *key, int64_t at)
{
    int64_t delay = at * 1000 - now_ms(jc);
    daas_ctrl_run_enqueue_after(run, key, delay > 0 ? delay : 0);
}

/* The plan's time-driven parts: requeue_at and the TTL. */
static int schedule(job_ctl *jc, daas_ctrl_run *run, const char *key, const json_t *job,
                    const daas_ctrl_job_plan *p, daas_err *err)
{
    int64_t now = daas_ctrl_now_s(&jc->o);
    if (p->delete_at > 0 && p->delete_at <= now)
        return delete_job(jc, run, job, err);
    int64_t at = p->requeue_at;
    if (p->delete_at > 0 && (at == 0 || p->delete_at < at))
        at = p->delete_at;
    if (at > 0)
        requeue_at(jc, run, key, at);
    return DAAS_OK;
}

/* syncJob for one cached Job. */
static int sync_job(job_ctl *jc, daas_ctrl_run *run, const char *key, const json_t *job,
                    daas_err *err)
{
    daas_ctrl_job_plan p;
    json_t *pods = daas_ctrl_informer_by_owner(daas_ctrl_run_informer(run, "pods"),
                                               daas_kube_str(job, "metadata.uid") ?: "");
    int rc = daas_ctrl_job_plan_make(job, pods, daas_ctrl_now_s(&jc->o), &p, err);
    json_decref(pods);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_ctrl_apply_pods(run, job, p.create, p.del, err); /* manageJob */
    if (rc == DAAS_OK && p.status_changed)
        rc = write_status(jc, run, job, &p, err);
    else if (rc == DAAS_OK)
        daas_ctrl_apply_events(daas_ctrl_run_client(run), job, p.events);
    if (rc == DAAS_OK)
        rc = schedule(jc, run, key, job, &p, err);
    daas_ctrl_job_plan_fini(&p);
    return rc;
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, const char *ns,
                const char *name, const json_t *job, daas_err *err)
{
    (void)ns, (void)name;
    /* gone, or being deleted: its pods are the garbage collector's */
    if (job == NULL || daas_kube_path(job, "metadata.deletionTimestamp"))
        return DAAS_OK;
    return sync_job(arg, run, key, job, err);
}

int daas_ctrl_job_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    job_ctl *jc = daas_xcalloc(1, sizeof *jc);
    if (o)
        jc->o = *o;
    jc->jobs = daas_ctrl_kind("jobs");
    jc->pods = daas_ctrl_kind("pods");
    daas_ctrl_def def = {
        .name = "job",
        .resources = {"jobs", "pods"},
        .handle = handle,
        .sync_obj = sync,
        .workers = 2,
        .arg = jc,
        .fini = daas_free,
    };
    return daas_ctrl_mgr_register(m, &def, err);
}
