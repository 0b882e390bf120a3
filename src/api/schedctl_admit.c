/*
 * schedctl_admit.c: admission decisions through the scheduler controller's enclave link
 * (daas_schedctl_admit): a request thread queues an AdmissionRequest with the cluster rules;
 * the controller's thread, the only user of its enclave client and the owner of the decision
 * log's accounting, has the enclave sign an AccessDecision, logs it, counts it for the next
 * batch (admissions and placements share the enclave's log and its batches) and hands back
 * the decision and the proof annotation.
 *
 * Owns:   the admission job and its results.
 * Not:    the queue (schedctl_jobs.c), building the request (api/admit.c), the formats
 *         (sched/policy.h, sched/admission.h).
 * Invariants:
 *   - admissions are asked only of an attested (and, with a chain, registered) enclave whose
 *     key this controller fed since seq 0; the proof names that key and Enclave object;
 *   - a signed admission is logged before it is handed back, like a placement.
 * Spec:   ARCHITECTURE.md §3.3; schedsvc.h POST /sched/admit; sched/admission.h.
 */
#include <string.h>

#include "api/schedctl_int.h"
#include "common/log.h"
#include "common/util.h"
#include "sched/admission.h"

typedef struct adm {
    daas_schedctl_job job;   /* first */
    daas_bytes req, rules;   /* borrowed from the waiting caller */
    daas_buf decision;       /* BCS(AccessDecision) */
    daas_buf proof;          /* the annotation */
} adm;

static void log_admission(daas_schedctl *sc, adm *a, uint64_t ts,
                          const uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t index)
{
    daas_declog_rec r = {.kind = DAAS_DECLOG_ADMISSION,
                         .index = index,
                         .timestamp_ms = ts,
                         .decision = DAAS_BYTES(a->decision.data, a->decision.len),
                         .request = a->req,
                         .rules = a->rules};
    memcpy(r.sig, sig, DAAS_SCHED_SIG_LEN);
    memcpy(r.pk, sc->pk, DAAS_SCHED_PUBKEY_LEN);
    a->job.rc = daas_schedctl__log_rec(sc, &r, &a->job.err);
    daas_schedctl__note_index(sc, index);
}

/* Asks the enclave for one admission (thread; daas_schedctl_job.run). */
static bool admit_one(daas_schedctl *sc, daas_schedctl_job *j)
{
    adm *a = (adm *)j;
    uint64_t ts = 0, index = 0;
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    daas_err e = {0};
    daas_buf_reset(&a->decision);
    int rc = daas_enclave_client_admit(sc->client, a->req, a->rules, &a->decision, &ts, sig,
                                       &index, &e);
    if (rc == DAAS_EINVAL || rc == DAAS_ETOOBIG) { /* refused: this request, not the link */
        j->rc = daas_fail(&j->err, rc, "admission: %s", e.msg);
        return true;
    }
    if (rc != DAAS_OK) {
        daas_schedctl__lost(sc, &e);
        return false;
    }
    log_admission(sc, a, ts, sig, index);
    if (j->rc == DAAS_OK)
        j->rc = daas_sched_admission_proof_format(
            a->req, DAAS_BYTES(a->decision.data, a->decision.len), ts, sig, sc->enclave_id,
            sc->pk, &a->proof, &j->err);
    return true;
}

int daas_schedctl_admit(daas_schedctl *sc, daas_bytes request_bcs, daas_bytes rules_bcs,
                        daas_buf *decision_bcs, daas_buf *proof, daas_err *err)
{
    adm a = {.job = {.run = admit_one, .what = "admission"}, .req = request_bcs,
             .rules = rules_bcs};
    daas_buf_init(&a.decision, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&a.proof, DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    int rc = daas_schedctl__job_wait(sc, &a.job, err);
    if (rc == DAAS_OK)
        rc = daas_buf_append(decision_bcs, a.decision.data, a.decision.len);
    if (rc == DAAS_OK)
        rc = daas_buf_append(proof, a.proof.data, a.proof.len);
    if (rc != DAAS_OK && err->code == DAAS_OK)
        daas_fail(err, rc, "admission: the answer does not fit");
    daas_buf_fini(&a.decision);
    daas_buf_fini(&a.proof);
    return rc;
}
