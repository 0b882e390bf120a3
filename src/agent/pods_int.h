/*
 * pods_int.h: declarations shared by the pods*.c files only (see pods.h).
 *
 * Owns:   nothing; the loop's state is struct daas_agent_pods.
 * Thread: everything but the watch queue belongs to the loop's thread; the queue and
 *         need_list are guarded by mu.
 */
#ifndef DAAS_AGENT_PODS_INT_H
#define DAAS_AGENT_PODS_INT_H

#include <pthread.h>

#include "agent/pods.h"
#include "common/err.h"

struct daas_agent_pods {
    daas_agent_pods_opts o;
    daas_image_store *store;
    daas_agent_pods_pod *pods; /* the pod table */
    size_t n, cap;
    daas_sched_trusted_key *chain_keys; /* keys_fn's last answer */
    size_t n_chain_keys;
    int64_t keys_at_ms;
    /* the watch */
    daas_agent_kc *wkc; /* the watch thread's client */
    pthread_t wthread;
    bool wstarted;
    atomic_bool wstop;       /* set to end the watch thread */
    const atomic_bool *stop; /* the caller's stop flag (run) */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when queue gets an entry */
    json_t *queue;     /* under mu: events ({"type","object"}) and lists
                          ({"type":"LIST","items":[...]}) to act on */
};

/* Posts an event (type "Normal" or "Warning") about pod; failures are logged only. */
void daas_agent_pods__event(daas_agent_pods *p, const daas_agent_pods_pod *pod, const char *type,
                            const char *reason, const char *fmt, ...) DAAS_PRINTF(5, 6);

/* Starts (or, after a back-off, restarts) container i of pod now. */
void daas_agent_pods__start_ctr(daas_agent_pods *p, daas_agent_pods_pod *pod, size_t i);

/* Follows pod's containers: exits, restarts due, probes due, a termination in progress.
 * True when the pod is done terminating (stopped; the caller removes it). */
bool daas_agent_pods__sync_pod(daas_agent_pods *p, daas_agent_pods_pod *pod);

/* Starts the graceful termination of pod: Killing events, SIGTERM, SIGKILL after grace_s. */
void daas_agent_pods__terminate(daas_agent_pods *p, daas_agent_pods_pod *pod, int grace_s);

/* Adopts the runs of pod's containers found among ids (daas_rt_list): the highest run of
 * each becomes its current one; earlier runs are deleted (their logs kept). True when at
 * least one container was adopted. */
bool daas_agent_pods__adopt(daas_agent_pods *p, daas_agent_pods_pod *pod, char *const *ids);

/* Deletes every run of pod's containers with their logs, its volumes and its rootfs. */
void daas_agent_pods__cleanup(daas_agent_pods *p, daas_agent_pods_pod *pod);

/* Parses a runc id "<uid8>-<name>-<n>": true with *n when id is a run of that container. */
bool daas_agent_pods__run_of(const char *id, const char *uid, const char *name, unsigned *n);

/* ---- pods_res.c: podres (NULL opts.res: nothing to do) ---- */

/* The container's environment from the cluster (env valueFrom, envFrom) into proc->env, and
 * $(VAR) expansion of the container's command and args. Errors: podres'
 * (CreateContainerConfigError material). */
DAAS_MUST_USE int daas_agent_pods__res_env(daas_agent_pods *p, const daas_agent_pods_pod *pod,
                                           const json_t *cj, daas_agent_pods_proc *proc,
                                           daas_err *err);
/* The pod's volumes prepared and the container's mounts (daas_agent_podres_mounts_free). */
DAAS_MUST_USE int daas_agent_pods__res_mounts(daas_agent_pods *p, const daas_agent_pods_pod *pod,
                                              const json_t *cj, daas_rt_mount **mounts, size_t *n,
                                              daas_err *err);
/* Registry credentials for image from the pod's imagePullSecrets (both NULL: anonymous);
 * wipe with daas_agent_podres_creds_free. */
DAAS_MUST_USE int daas_agent_pods__res_creds(daas_agent_pods *p, const daas_agent_pods_pod *pod,
                                             const char *image, char **user, char **password,
                                             daas_err *err);
/* Unmounts and removes the pod's volumes. */
void daas_agent_pods__res_teardown(daas_agent_pods *p, const daas_agent_pods_pod *pod);

#endif
