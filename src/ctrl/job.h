/*
 * job.h: the batch/v1 Job controller's decision, as a pure plan.
 *
 * Owns:   daas_ctrl_job_plan (what to create, delete and write for one Job) and the function
 *         that computes it from the Job, its pods and the time.
 * Does not own: I/O, watches, work queues, expectations (creates/deletes still in flight are
 *         the caller's: it must not call the plan while its last plan's writes are pending),
 *         the Job's selector defaulting (the API's), the TTL deletion itself.
 * Invariants:
 *   - deterministic: the same (job, pods, now) always gives the same plan; no clock, no I/O;
 *   - inputs are borrowed and never modified; every json_t in a plan is owned by the plan;
 *   - at most DAAS_CTRL_JOB_BURST pods are created or deleted per plan (like the controller's
 *     MaxPodCreateDeletePerSync);
 *   - a finished Job (Complete or Failed condition True) gets no new pods.
 * Spec:   kubernetes pkg/controller/job (1.32): syncJob, manageJob, pastBackoffLimitOnFailure,
 *         the JobSuspended/JobResumed conditions, SuccessCriteriaMet/FailureTarget + terminal
 *         conditions with reasons CompletionsReached, BackoffLimitExceeded, DeadlineExceeded.
 *         Times are unix seconds (Job times are RFC 3339 with second precision).
 */
#ifndef DAAS_CTRL_JOB_H
#define DAAS_CTRL_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define DAAS_CTRL_JOB_BURST 500
/* Pod failure back-off: 10 s doubling per consecutive failure, at most 10 min (1.32). */
#define DAAS_CTRL_JOB_BACKOFF_BASE 10
#define DAAS_CTRL_JOB_BACKOFF_MAX 600

typedef struct daas_ctrl_job_plan {
    json_t *create;      /* array of Pod objects to POST in the Job's namespace */
    json_t *del;         /* array of pod names (strings) to DELETE */
    json_t *status;      /* the Job's new .status (whole object), for PUT .../status */
    bool status_changed; /* status differs from the Job's current status */
    json_t *events;      /* array of {"type","reason","message"} to record on the Job */
    int64_t requeue_at;  /* unix s at which to plan again (deadline, back-off), or 0 */
    int64_t delete_at;   /* ttlSecondsAfterFinished: unix s at which the caller deletes the
                          * Job with propagationPolicy Background, or 0 */
} daas_ctrl_job_plan;

/* Computes the plan for job (a batch/v1 Job as the API serves it) given pods (an array of
 * the namespace's pods; only those whose controller ownerReference has the Job's uid count)
 * at time now. NonIndexed and Indexed completion modes. On success *plan is filled (the
 * caller calls daas_ctrl_job_plan_fini); on failure it is left empty.
 * Errors: DAAS_EINVAL when job lacks metadata.name/uid/namespace or spec.template. */
DAAS_MUST_USE int daas_ctrl_job_plan_make(const json_t *job, const json_t *pods, int64_t now,
                                          daas_ctrl_job_plan *plan, daas_err *err);

/* Releases what the plan holds and zeroes it. Accepts a zeroed plan. */
void daas_ctrl_job_plan_fini(daas_ctrl_job_plan *plan);

/* True when the Job has a Complete or Failed condition with status True. */
bool daas_ctrl_job_finished(const json_t *job);

/* Parses an Indexed Job's status.completedIndexes ("1,3-5,7") into a bitmap of n entries
 * (out[i] = 1 when index i is listed; indexes >= n are ignored).
 * Errors: DAAS_EINVAL for a malformed list (out is then unspecified). */
DAAS_MUST_USE int daas_ctrl_job_parse_indexes(const char *s, uint8_t *out, size_t n, daas_err *err);

#endif
