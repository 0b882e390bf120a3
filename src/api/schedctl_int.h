/*
 * schedctl_int.h: what the scheduler controller's files share (schedctl.c: the thread,
 * passes, bindings and Events; schedctl_link.c: the enclave link: handshake, deltas, the
 * decision log and batches). Include only from src/api/schedctl*.c.
 *
 * Owns:   struct daas_schedctl.
 * Invariants: every field below "thread-only" is touched by the controller's thread only
 *         (and by _start/_stop before and after it runs).
 */
#ifndef DAAS_API_SCHEDCTL_INT_H
#define DAAS_API_SCHEDCTL_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/schedctl.h"
#include "enclave/client.h"
#include "sched/declog.h"

/* A request for the controller's thread (an admission, a rebalance plan), queued by another
 * thread which waits for its answer (schedctl_jobs.c). Embedded first in the job's struct. */
typedef struct daas_schedctl_job daas_schedctl_job;
struct daas_schedctl_job {
    /* Asks the enclave (thread). false when the link failed: the job is not answered and goes
     * back to the queue, to wait for the re-verified enclave; true when answered (rc). */
    bool (*run)(daas_schedctl *sc, daas_schedctl_job *j);
    const char *what;       /* "admission", "rebalance": error messages */
    bool fresh;             /* the enclave must be fed the store's state before it runs */
    bool fed;               /* sc->mu: a pass began after it was queued */
    int rc;                 /* DAAS_OK once answered well */
    daas_err err;           /* the failure */
    bool taken, done;       /* sc->mu */
    daas_schedctl_job *next; /* sc->mu: queue link */
};

struct daas_schedctl {
    daas_schedctl_config cfg;
    char *addr;
    daas_buf debug_root;
    daas_enclave_client *client;
    daas_declog_writer *log; /* NULL without a decision log */
    pthread_t thread;
    pthread_mutex_t mu; /* guards stop, kick, active */
    pthread_cond_t cv;
    bool stop, kick;
    bool active; /* schedules only while set (the leader); !cfg.start_inactive at start */
    daas_schedctl_job *job_head; /* mu: jobs waiting for the thread */
    bool job_fresh;              /* mu: a waiting job needs a pass first */
    pthread_cond_t job_cv;       /* CLOCK_MONOTONIC; broadcast when one is answered */
    uint8_t key_pk[DAAS_ENCLAVE_PK_LEN]; /* mu: copies of pk and enclave_id for other threads */
    uint8_t key_id[DAAS_SCHED_ENCLAVE_ID_LEN];
    bool key_ready;                      /* mu: the copies hold a ready enclave's key */
    /* thread-only state */
    bool ready;      /* attested, registered (with a chain), fed: pods may be scheduled */
    bool have_key;   /* pk is an attested key this controller has fed since seq 0 */
    bool registered; /* enclave_id is pk's Enclave object on chain (always, without a chain) */
    uint8_t pk[DAAS_ENCLAVE_PK_LEN];
    uint8_t enclave_id[DAAS_SCHED_ENCLAVE_ID_LEN]; /* all zero without a chain */
    uint64_t seq; /* the enclave's seq after the last delta it accepted */
    uint64_t ndec;      /* decisions in the enclave's log (last index received + 1) */
    uint64_t committed; /* decisions 0..committed-1 are in batches (Enclave.next_seq) */
    int64_t oldest_ms;  /* when decision `committed` arrived (ndec > committed) */
    daas_schedctl_mirror mirror;
    json_t *last_event; /* pod uid -> message of the last event written */
    int64_t next_try_ms, backoff_ms, next_retry_ms;
    atomic_ullong decisions;
    atomic_ullong committed_total;
};

/* ---- schedctl_jobs.c ---- */

/* Queues j (run, what, fresh set; the rest zero) and waits until the thread answered it or,
 * while it still waits in the queue, up to twice the call timeout (then DAAS_EUNAVAIL).
 * DAAS_EUNAVAIL at once when this server does not lead the scheduler. Returns j->rc (j->err
 * copied to err). Any thread but the controller's. */
DAAS_MUST_USE int daas_schedctl__job_wait(daas_schedctl *sc, daas_schedctl_job *j, daas_err *err);
/* Runs the queued jobs while the enclave is ready (thread). */
void daas_schedctl__jobs(daas_schedctl *sc);
/* Fails every queued job with DAAS_ECLOSED (at stop, after the thread ended). */
void daas_schedctl__jobs_fail(daas_schedctl *sc);
/* Notes a signed entry of the enclave's log (an admission, a plan) at index for the next
 * batch, like a decision (thread). */
void daas_schedctl__note_index(daas_schedctl *sc, uint64_t index);
/* Publishes pk and enclave_id for other threads once the enclave is ready, or withdraws them
 * (ready false). */
void daas_schedctl__publish_key(daas_schedctl *sc, bool ready);

/* ---- schedctl_link.c ---- */

/* Appends a record to the decision log (when there is one); an error is logged too (some
 * callers only log). */
int daas_schedctl__log_rec(daas_schedctl *sc, const daas_declog_rec *rec, daas_err *err);

/* Clears ready after a failure (logged once); the next pass re-verifies. */
void daas_schedctl__lost(daas_schedctl *sc, const daas_err *e);
/* Fetches and verifies the attestation, checks the enclave's seq against what this
 * controller fed it (schedctl.h), registers the key on chain; sets ready. */
DAAS_MUST_USE int daas_schedctl__handshake(daas_schedctl *sc, daas_err *err);
/* Sends the deltas from the mirror to this snapshot (JSON arrays, borrowed). */
DAAS_MUST_USE int daas_schedctl__feed(daas_schedctl *sc, const json_t *nodes, const json_t *pods,
                                      daas_err *err);
/* Logs deltas the enclave accepted. */
void daas_schedctl__log_deltas(daas_schedctl *sc, const daas_sched_delta *d, size_t n);
/* Logs a decision before its binding is written; notes it for the next batch. */
DAAS_MUST_USE int daas_schedctl__log_decision(daas_schedctl *sc, const daas_sched_pod *pod,
                                              const daas_sched_decision *dec,
                                              const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                              uint64_t index, daas_err *err);
/* Requests, commits and logs the batches that are due (all waiting decisions when force).
 * Returns the time the next batch is due (INT64_MAX when none waits). */
int64_t daas_schedctl__batches(daas_schedctl *sc, bool force);

#endif
