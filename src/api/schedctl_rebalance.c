/*
 * schedctl_rebalance.c: rebalance plans through the scheduler controller's enclave link
 * (daas_schedctl_rebalance): a caller (the rebalance API, the periodic round) queues a
 * RebalanceRequest; the controller's thread feeds the enclave the store's current state,
 * has it plan and sign, logs the plan and counts it for the next batch (plans share the
 * enclave's log and its batches with placements and admissions).
 *
 * Owns:   the rebalance job and its results.
 * Not:    the queue (schedctl_jobs.c), building the request or executing the plan
 *         (api/rebalance.c), the planner and formats (sched/rebalance.h).
 * Invariants:
 *   - a plan is handed back only after its signature verified against the attested key and
 *     its request digest matched what was sent (enclave/client.c), and after it was logged;
 *   - the state the enclave planned from is in the decision log before the plan (the
 *     replay re-plans at that point).
 * Spec:   schedsvc.h POST /sched/rebalance; sched/declog.h (Rebalance records).
 */
#include <string.h>

#include "api/schedctl_int.h"
#include "sched/rebalance.h"

typedef struct reb {
    daas_schedctl_job job;           /* first */
    daas_bytes req;                  /* borrowed from the waiting caller */
    daas_schedctl_plan_signed *out;  /* the caller's */
} reb;

/* Asks the enclave for a plan (thread; daas_schedctl_job.run). */
static bool plan_one(daas_schedctl *sc, daas_schedctl_job *j)
{
    reb *b = (reb *)j;
    daas_schedctl_plan_signed *o = b->out;
    daas_err e = {0};
    daas_buf_reset(&o->plan);
    int rc = daas_enclave_client_rebalance(sc->client, b->req, &o->plan, &o->timestamp_ms, o->sig,
                                           &o->index, &e);
    if (rc == DAAS_EINVAL || rc == DAAS_ETOOBIG) { /* refused: this request, not the link */
        j->rc = daas_fail(&j->err, rc, "rebalance: %s", e.msg);
        return true;
    }
    if (rc != DAAS_OK) {
        daas_schedctl__lost(sc, &e);
        return false;
    }
    memcpy(o->pk, sc->pk, sizeof o->pk);
    memcpy(o->enclave, sc->enclave_id, sizeof o->enclave);
    daas_declog_rec r = {.kind = DAAS_DECLOG_REBALANCE,
                         .index = o->index,
                         .timestamp_ms = o->timestamp_ms,
                         .plan = DAAS_BYTES(o->plan.data, o->plan.len),
                         .request = b->req};
    memcpy(r.sig, o->sig, DAAS_SCHED_SIG_LEN);
    memcpy(r.pk, sc->pk, DAAS_SCHED_PUBKEY_LEN);
    j->rc = daas_schedctl__log_rec(sc, &r, &j->err);
    daas_schedctl__note_index(sc, o->index);
    return true;
}

int daas_schedctl_rebalance(daas_schedctl *sc, daas_bytes request_bcs,
                            daas_schedctl_plan_signed *out, daas_err *err)
{
    reb b = {.job = {.run = plan_one, .what = "rebalance", .fresh = true},
             .req = request_bcs,
             .out = out};
    return daas_schedctl__job_wait(sc, &b.job, err);
}
