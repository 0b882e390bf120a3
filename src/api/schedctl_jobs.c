/*
 * schedctl_jobs.c: the scheduler controller's job queue: other threads (API requests, the
 * rebalancing round) queue requests for the enclave (an admission, a rebalance plan) and wait;
 * the controller's thread, the only user of its enclave client and the owner of the decision
 * log's accounting, runs them between its passes.
 *
 * Owns:   the queue (under sc->mu), the waiting and answering of its entries, the copy of
 *         the ready enclave's key other threads may read.
 * Not:    what a job asks (schedctl_admit.c, schedctl_rebalance.c).
 * Invariants:
 *   - a job is answered exactly once: by the thread once it took it, or by the caller's own
 *     timeout while it still waits in the queue (then the thread never sees it);
 *   - jobs run only while the enclave is ready (attested, registered, fed); a job marked
 *     fresh runs only after a pass that began after it was queued, so the enclave has the
 *     store's state as of the request;
 *   - a job whose enclave call failed on the link goes back to the head of the queue.
 * Spec:   schedctl.h.
 */
#include <string.h>
#include <time.h>

#include "api/schedctl_int.h"
#include "common/util.h"

void daas_schedctl__note_index(daas_schedctl *sc, uint64_t index)
{
    if (index >= sc->ndec) {
        if (sc->ndec == sc->committed)
            sc->oldest_ms = daas_now_ms();
        sc->ndec = index + 1;
    }
}

void daas_schedctl__publish_key(daas_schedctl *sc, bool ready)
{
    pthread_mutex_lock(&sc->mu);
    sc->key_ready = ready;
    if (ready) {
        memcpy(sc->key_pk, sc->pk, sizeof sc->key_pk);
        memcpy(sc->key_id, sc->enclave_id, sizeof sc->key_id);
    }
    pthread_mutex_unlock(&sc->mu);
}

bool daas_schedctl_key(daas_schedctl *sc, uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                       uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN])
{
    pthread_mutex_lock(&sc->mu);
    bool ok = sc->key_ready;
    memcpy(pk, sc->key_pk, DAAS_SCHED_PUBKEY_LEN);
    memcpy(enclave, sc->key_id, DAAS_SCHED_ENCLAVE_ID_LEN);
    pthread_mutex_unlock(&sc->mu);
    return ok;
}

bool daas_schedctl_active(daas_schedctl *sc)
{
    pthread_mutex_lock(&sc->mu);
    bool a = sc->active && !sc->stop;
    pthread_mutex_unlock(&sc->mu);
    return a;
}

/* The next runnable job, taken (NULL: none). */
static daas_schedctl_job *take(daas_schedctl *sc)
{
    pthread_mutex_lock(&sc->mu);
    daas_schedctl_job *j = sc->job_head;
    if (j && j->fresh && !j->fed)
        j = NULL; /* its pass comes first (it kicked the thread) */
    if (j) {
        sc->job_head = j->next;
        j->taken = true;
    }
    pthread_mutex_unlock(&sc->mu);
    return j;
}

void daas_schedctl__jobs(daas_schedctl *sc)
{
    daas_schedctl_job *j;
    while (sc->ready && (j = take(sc)) != NULL) {
        bool answered = j->run(sc, j);
        pthread_mutex_lock(&sc->mu);
        if (answered) {
            j->done = true;
        } else { /* back to the head; its caller's deadline still runs */
            j->taken = false;
            j->next = sc->job_head;
            sc->job_head = j;
        }
        pthread_cond_broadcast(&sc->job_cv);
        pthread_mutex_unlock(&sc->mu);
    }
}

int daas_schedctl__job_wait(daas_schedctl *sc, daas_schedctl_job *j, daas_err *err)
{
    struct timespec ts = daas_deadline_ms(2 * (int64_t)sc->cfg.timeout_ms);
    pthread_mutex_lock(&sc->mu);
    if (!sc->active || sc->stop) {
        pthread_mutex_unlock(&sc->mu);
        return daas_fail(err, DAAS_EUNAVAIL,
                         "%s: this server does not run the scheduler now (another server of the "
                         "cluster leads it); retry through the leading server",
                         j->what);
    }
    daas_schedctl_job **pp = &sc->job_head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    sc->job_fresh |= j->fresh;
    sc->kick = true;
    pthread_cond_signal(&sc->cv);
    int wrc = 0;
    while (!j->done && (j->taken || wrc == 0)) {
        if (j->taken)
            pthread_cond_wait(&sc->job_cv, &sc->mu);
        else
            wrc = pthread_cond_timedwait(&sc->job_cv, &sc->mu, &ts);
    }
    if (!j->taken) { /* timed out in the queue: unlink */
        for (pp = &sc->job_head; *pp; pp = &(*pp)->next)
            if (*pp == j) {
                *pp = j->next;
                break;
            }
        j->rc = daas_fail(&j->err, DAAS_EUNAVAIL, "%s: the scheduler enclave at %s is not ready",
                          j->what, sc->addr);
    }
    pthread_mutex_unlock(&sc->mu);
    if (j->rc != DAAS_OK)
        return daas_fail(err, j->rc, "%s", j->err.msg);
    return DAAS_OK;
}

void daas_schedctl__jobs_fail(daas_schedctl *sc)
{
    pthread_mutex_lock(&sc->mu);
    for (daas_schedctl_job *j = sc->job_head; j; j = j->next) {
        j->taken = j->done = true;
        j->rc = daas_fail(&j->err, DAAS_ECLOSED, "%s: the server is stopping", j->what);
    }
    sc->job_head = NULL;
    pthread_cond_broadcast(&sc->job_cv);
    pthread_mutex_unlock(&sc->mu);
}
