/*
 * pods.h: the worker agent's pod loop (first version): the pods bound to this node are
 *         listed every DAAS_AGENT_PODS_POLL_MS (polling, not a watch, in this version), each
 *         new pod's placement proof is checked before anything else, its images are pulled
 *         and unpacked, its containers run with runc, its status is written back, and a pod
 *         gone from the API is stopped (grace period) and deleted.
 *
 * Owns:   the table of pods this agent runs (in memory), DATA/pods/<uid>/<container>/rootfs,
 *         the runc containers named <first 8 of the pod uid>-<container name>.
 * Not:    the API client (kubeclient.h), runc (runtime.h), images (image.h), proof
 *         verification (sched/proof.h), where trusted keys come from (the caller's keys_fn).
 * Invariants:
 *   - a pod whose proof does not check never gets a container (one Warning event
 *     FailedScheduleProof, status untouched);
 *   - restartPolicy is not applied yet: a container that exits stays terminated;
 *   - no failure of one pod (pull, unpack, runc) stops the loop: it shows in the pod's status
 *     (waiting reason ErrImagePull / CreateContainerError) and a Warning event.
 * Thread: the loop runs in one thread with its own API client; the pure helpers are
 *         thread-safe.
 * Spec:   issue 6 "Pod lifecycle"; Kubernetes PodStatus (core/v1).
 */
#ifndef DAAS_AGENT_PODS_H
#define DAAS_AGENT_PODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent/kubeclient.h"
#include "agent/runtime.h"
#include "common/err.h"
#include "image/image.h"
#include "sched/proof.h"

#define DAAS_AGENT_PODS_POLL_MS 2000
#define DAAS_AGENT_PODS_GRACE_DEFAULT 30

/* ---- pure parts ---- */

/* The process of one container: what daas_rt_spec borrows. Owned vectors (NULL-terminated). */
typedef struct daas_agent_pods_proc {
    char **args;
    char **env;
    char *cwd; /* NULL: "/" */
    uint32_t uid, gid;
} daas_agent_pods_proc;

/* Builds the process of container (a Container object, borrowed) from the image config cfg
 * (borrowed) as Kubernetes does: command replaces Entrypoint (and drops Cmd), args replace
 * Cmd; env is the image's, then the container's literal env (a later name replaces an
 * earlier one; valueFrom entries are skipped); workingDir, else the image's; the user from
 * securityContext.runAsUser/runAsGroup, else a numeric image User "uid[:gid]". DAAS_EINVAL
 * "no command: ..." when nothing is left to run. Call _fini even after a failure. */
DAAS_MUST_USE int daas_agent_pods_proc_build(const json_t *container, const daas_image_cfg *cfg,
                                             daas_agent_pods_proc *out, daas_err *err);
void daas_agent_pods_proc_fini(daas_agent_pods_proc *p);

enum { DAAS_AGENT_CTR_WAITING = 0, DAAS_AGENT_CTR_RUNNING = 1, DAAS_AGENT_CTR_TERMINATED = 2 };

/* What the agent knows of one container. Strings owned (daas_free). */
typedef struct daas_agent_pods_ctr {
    char *name, *image;
    char *image_id;     /* "<canonical ref>@sha256:..." once pulled, else NULL */
    char *id;           /* runc id, once created */
    int state;          /* DAAS_AGENT_CTR_* */
    char *reason;       /* waiting: "ContainerCreating", "ErrImagePull", ... */
    char *message;      /* waiting: the error; may be NULL */
    int exit_code;      /* terminated */
    int64_t started_at; /* unix seconds; running and terminated */
    int64_t finished_at;
} daas_agent_pods_ctr;

/* What the agent knows of one pod. */
typedef struct daas_agent_pods_pod {
    char *ns, *name, *uid;
    json_t *obj;        /* the Pod as last listed (owned reference) */
    bool refused;       /* proof check failed: never started */
    int64_t start_time; /* unix seconds the agent accepted it */
    int grace_s;
    daas_agent_pods_ctr *ctrs;
    size_t n_ctrs;
    char *last_status;  /* the status JSON last written (compact), to skip repeats */
} daas_agent_pods_pod;

/* "Pending", "Running", "Succeeded" or "Failed" from the containers: all terminated →
 * Succeeded when every exit code is 0, else Failed; any waiting → Pending; else Running. */
const char *daas_agent_pods_phase(const daas_agent_pods_pod *p);

/* The PodStatus of p (phase, conditions, hostIP/podIP = host_ip, startTime,
 * containerStatuses). New reference. */
json_t *daas_agent_pods_status_json(const daas_agent_pods_pod *p, const char *host_ip);

/* Fills p (zeroed by the caller) from a listed Pod (borrowed; a reference is kept): names,
 * grace period (capped at max_grace_s when > 0), one waiting "ContainerCreating" entry per
 * container. DAAS_EINVAL when metadata or containers are missing. */
DAAS_MUST_USE int daas_agent_pods_pod_init(daas_agent_pods_pod *p, json_t *pod, int max_grace_s,
                                           daas_err *err);
void daas_agent_pods_pod_fini(daas_agent_pods_pod *p);

/* ---- the loop ---- */

/* Trusted enclave keys, asked for before proofs are checked (at most every 10 s): *keys
 * (daas_free) and *n. */
typedef int (*daas_agent_pods_keys_fn)(void *ctx, daas_sched_trusted_key **keys, size_t *n,
                                       daas_err *err);

typedef struct daas_agent_pods_opts {
    daas_agent_kc *kc;            /* used only by the loop's thread (borrowed) */
    daas_rt *rt;                  /* borrowed */
    const char *node_name, *host_ip;
    const char *data_dir;         /* DATA: rootfs under DATA/pods */
    const char *image_store;      /* NULL: DATA/images */
    const char *const *insecure_registries; /* "HOST:PORT" pulled over http; NULL-terminated */
    const daas_sched_trusted_key *keys; /* fixed keys (--enclave-key) */
    size_t n_keys;
    daas_agent_pods_keys_fn keys_fn; /* more keys (the chain); may be NULL */
    void *keys_ctx;
    int max_grace_s;              /* cap of terminationGracePeriodSeconds (0: none) */
} daas_agent_pods_opts;

typedef struct daas_agent_pods daas_agent_pods;

DAAS_MUST_USE int daas_agent_pods_new(const daas_agent_pods_opts *o, daas_agent_pods **out,
                                      daas_err *err);
/* One pass: list, start new pods, update statuses, stop pods gone. Errors of the list call
 * only (pod failures are reported in their status). */
DAAS_MUST_USE int daas_agent_pods_tick(daas_agent_pods *p, daas_err *err);
/* Frees the loop (containers keep running). Accepts NULL. */
void daas_agent_pods_free(daas_agent_pods **p);

#endif
