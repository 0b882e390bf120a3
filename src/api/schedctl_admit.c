/*
 * schedctl_admit.c: admission decisions through the scheduler controller's enclave link
 * (daas_schedctl_admit): a request thread queues an AdmissionRequest with the cluster rules;
 * the controller's thread, the only user of its enclave client and the owner of the decision
 * log's accounting, has the enclave sign an AccessDecision, logs it, counts it for the next
 * batch (admissions and placements share the enclave's log and its batches) and hands back
 * the decision and the proof annotation.
 *
 * Owns:   the admission queue (under sc->mu) and its entries' results.
 * Not:    building the request (api/admit.c), the formats (sched/policy.h, sched/admission.h).
 * Invariants:
 *   - an entry is answered exactly once: by the thread once it took it, or by the caller's
 *     own timeout while it still waits in the queue (then the thread never sees it);
 *   - admissions are asked only of an attested (and, with a chain, registered) enclave whose
 *     key this controller fed since seq 0; the proof names that key and Enclave object;
 *   - a signed admission is logged before it is handed back, like a placement.
 * Spec:   ARCHITECTURE.md §3.3; schedsvc.h POST /sched/admit; sched/admission.h.
 */
#include <string.h>
#include <time.h>

#include "api/schedctl_int.h"
#include "common/log.h"
#include "common/util.h"
#include "sched/admission.h"

struct daas_schedctl_adm {
    daas_bytes req, rules;   /* borrowed from the waiting caller */
    daas_buf decision;       /* BCS(AccessDecision) */
    daas_buf proof;          /* the annotation */
    int rc;                  /* DAAS_OK once answered well */
    daas_err err;            /* the failure */
    bool taken, done;        /* sc->mu */
    daas_schedctl_adm *next; /* sc->mu: queue link */
};

static void log_admission(daas_schedctl *sc, daas_schedctl_adm *a, uint64_t ts,
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
    a->rc = daas_schedctl__log_rec(sc, &r, &a->err);
    if (index >= sc->ndec) {
        if (sc->ndec == sc->committed)
            sc->oldest_ms = daas_now_ms();
        sc->ndec = index + 1;
    }
}

/* Asks the enclave for one admission (thread). false when the link failed: a is not
 * answered (it goes back to the queue, to wait for the re-verified enclave). */
static bool admit_one(daas_schedctl *sc, daas_schedctl_adm *a)
{
    uint64_t ts = 0, index = 0;
    uint8_t sig[DAAS_SCHED_SIG_LEN];
    daas_err e = {0};
    daas_buf_reset(&a->decision);
    int rc = daas_enclave_client_admit(sc->client, a->req, a->rules, &a->decision, &ts, sig,
                                       &index, &e);
    if (rc == DAAS_EINVAL || rc == DAAS_ETOOBIG) { /* refused: this request, not the link */
        a->rc = daas_fail(&a->err, rc, "admission: %s", e.msg);
        return true;
    }
    if (rc != DAAS_OK) {
        daas_schedctl__lost(sc, &e);
        return false;
    }
    log_admission(sc, a, ts, sig, index);
    if (a->rc == DAAS_OK)
        a->rc = daas_sched_admission_proof_format(
            a->req, DAAS_BYTES(a->decision.data, a->decision.len), ts, sig, sc->enclave_id,
            sc->pk, &a->proof, &a->err);
    return true;
}

void daas_schedctl__admissions(daas_schedctl *sc)
{
    while (sc->ready) {
        pthread_mutex_lock(&sc->mu);
        daas_schedctl_adm *a = sc->adm_head;
        if (a) {
            sc->adm_head = a->next;
            a->taken = true;
        }
        pthread_mutex_unlock(&sc->mu);
        if (!a)
            return;
        bool answered = admit_one(sc, a);
        pthread_mutex_lock(&sc->mu);
        if (answered) {
            a->done = true;
        } else { /* back to the head; its caller's deadline still runs */
            a->taken = false;
            a->next = sc->adm_head;
            sc->adm_head = a;
        }
        pthread_cond_broadcast(&sc->adm_cv);
        pthread_mutex_unlock(&sc->mu);
    }
}

int daas_schedctl_admit(daas_schedctl *sc, daas_bytes request_bcs, daas_bytes rules_bcs,
                        daas_buf *decision_bcs, daas_buf *proof, daas_err *err)
{
    daas_schedctl_adm a = {.req = request_bcs, .rules = rules_bcs};
    daas_buf_init(&a.decision, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&a.proof, DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    struct timespec ts = daas_deadline_ms(2 * (int64_t)sc->cfg.timeout_ms);
    pthread_mutex_lock(&sc->mu);
    if (!sc->active || sc->stop) {
        pthread_mutex_unlock(&sc->mu);
        daas_buf_fini(&a.decision);
        daas_buf_fini(&a.proof);
        return daas_fail(err, DAAS_EUNAVAIL,
                         "admission: this server does not run the scheduler now (another "
                         "server of the cluster leads it); retry through the leading server");
    }
    daas_schedctl_adm **pp = &sc->adm_head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = &a;
    sc->kick = true;
    pthread_cond_signal(&sc->cv);
    int wrc = 0;
    while (!a.done && (a.taken || wrc == 0)) {
        if (a.taken)
            pthread_cond_wait(&sc->adm_cv, &sc->mu);
        else
            wrc = pthread_cond_timedwait(&sc->adm_cv, &sc->mu, &ts);
    }
    if (!a.taken) { /* timed out in the queue: unlink */
        for (pp = &sc->adm_head; *pp; pp = &(*pp)->next)
            if (*pp == &a) {
                *pp = a.next;
                break;
            }
        a.rc = daas_fail(&a.err, DAAS_EUNAVAIL,
                         "admission: the scheduler enclave at %s is not ready", sc->addr);
    }
    pthread_mutex_unlock(&sc->mu);
    int rc = a.rc;
    if (rc == DAAS_OK)
        rc = daas_buf_append(decision_bcs, a.decision.data, a.decision.len);
    if (rc == DAAS_OK)
        rc = daas_buf_append(proof, a.proof.data, a.proof.len);
    if (rc != DAAS_OK && a.err.code != DAAS_OK)
        daas_fail(err, rc, "%s", a.err.msg);
    else if (rc != DAAS_OK)
        daas_fail(err, rc, "admission: the answer does not fit");
    daas_buf_fini(&a.decision);
    daas_buf_fini(&a.proof);
    return rc;
}

/* Fails every queued admission (at stop; the thread has ended). */
void daas_schedctl__admissions_fail(daas_schedctl *sc)
{
    pthread_mutex_lock(&sc->mu);
    for (daas_schedctl_adm *a = sc->adm_head; a; a = a->next) {
        a->taken = a->done = true;
        a->rc = daas_fail(&a->err, DAAS_ECLOSED, "admission: the server is stopping");
    }
    sc->adm_head = NULL;
    pthread_cond_broadcast(&sc->adm_cv);
    pthread_mutex_unlock(&sc->mu);
}
