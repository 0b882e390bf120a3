/*
 * pods.h: the worker agent's pod lifecycle, kubelet-like: the pods bound to this node are
 *         listed, then watched (relisted on 410 Gone or a cut stream); each new pod's
 *         placement proof is checked before anything else, its images are pulled and
 *         unpacked, its containers run with runc and restarted per restartPolicy with the
 *         kubelet's back-off, probed (exec, httpGet, tcpSocket), and its status written back;
 *         a pod with a deletionTimestamp is stopped gracefully (TERM, grace, KILL) and then
 *         deleted by the agent (grace 0, uid precondition); a pod gone from the API is
 *         stopped too.
 *
 * Owns:   the table of pods this agent runs (in memory),
 *         DATA/pods/<uid>/containers/<container>/rootfs,
 *         the runc containers daas_agent_ctr_id(uid, container, n) (serve.h) where n is the
 *         container's restart count; the log files of earlier runs until the pod is removed.
 * Not:    the API client (kubeclient.h), runc (runtime.h), images (image.h), proof
 *         verification (sched/proof.h), where trusted keys come from (the caller's keys_fn),
 *         ConfigMaps/Secrets/volumes (podres.h), probes' mechanics (probe.h).
 * Invariants:
 *   - a pod whose placement or admission proof does not check never gets a container (one
 *     Warning event FailedScheduleProof or FailedAdmissionProof, status untouched);
 *   - at most one run of a container exists at a time: run n is deleted (log kept) before
 *     run n + 1 is created; after an agent restart the highest existing run is adopted, not
 *     started again, and containers of pods no longer bound here are stopped and deleted;
 *   - no failure of one pod (pull, unpack, runc, a probe) stops the loop: it shows in the
 *     pod's status (waiting reason ErrImagePull / CreateContainerError / RunContainerError /
 *     CreateContainerConfigError / CrashLoopBackOff) and a Warning event.
 * Thread: the loop runs in one thread with its own API client; the watch runs in a second
 *         thread on a clone of it; the pure helpers are thread-safe.
 * Spec:   issue 6 "Pod lifecycle"; Kubernetes PodStatus (core/v1); kubelet getPhase,
 *         back-off (10 s doubling to 300 s, reset after 10 min of running).
 */
#ifndef DAAS_AGENT_PODS_H
#define DAAS_AGENT_PODS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "agent/kubeclient.h"
#include "agent/podres.h"
#include "agent/probe.h"
#include "agent/runtime.h"
#include "common/err.h"
#include "image/image.h"
#include "sched/proof.h"

#define DAAS_AGENT_PODS_POLL_MS 2000 /* the caller's period between daas_agent_pods_tick */
#define DAAS_AGENT_PODS_GRACE_DEFAULT 30
#define DAAS_AGENT_PODS_BACKOFF_MIN_S 10
#define DAAS_AGENT_PODS_BACKOFF_MAX_S 300
#define DAAS_AGENT_PODS_BACKOFF_RESET_S 600
#define DAAS_AGENT_PODS_NITRO_RESOURCE "aws.ec2.nitro/nitro_enclaves"

/* ---- pure parts (pods_spec.c) ---- */

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
/* Sets "K=V" in the process environment (replacing an entry of the same name). */
void daas_agent_pods_proc_setenv(daas_agent_pods_proc *p, const char *kv);

/* Parses a Kubernetes quantity ("128Mi", "1G", "500m", "2", "1.5", "1e3") into *out in
 * units (milli false: rounded up) or thousandths of units (milli true: "500m" → 500, "2" →
 * 2000). DAAS_EINVAL for malformed or negative ones; DAAS_ETOOBIG past INT64_MAX. */
DAAS_MUST_USE int daas_agent_pods_quantity(const char *s, bool milli, int64_t *out, daas_err *err);

/* The pod's QoS class from its containers' requests and limits: "Guaranteed" (every
 * container has cpu and memory limits and its requests, when given, equal them),
 * "BestEffort" (no cpu/memory request or limit anywhere), else "Burstable". */
const char *daas_agent_pods_qos(const json_t *pod);

/* limits.memory (bytes) and limits.cpu (millicores) of container; 0 when absent.
 * DAAS_EINVAL for a malformed quantity; cpu limits above UINT32_MAX millicores are capped. */
DAAS_MUST_USE int daas_agent_pods_limits(const json_t *container, uint64_t *memory,
                                         uint32_t *cpu_millis, daas_err *err);

/* True when container's resources.limits names the Nitro Enclaves device. */
bool daas_agent_pods_wants_nitro(const json_t *container);

/* What container needs from the node besides its image: the Nitro Enclaves device (*device
 * set to nitro_device, the host path, when its limits name DAAS_AGENT_PODS_NITRO_RESOURCE;
 * DAAS_EINVAL "the node has no Nitro Enclaves device ..." when nitro_device is NULL or not
 * accessible), and the cluster's ConfigMaps/Secrets (env valueFrom, envFrom, volumeMounts:
 * DAAS_EINVAL "...: no access to the cluster's ConfigMaps/Secrets" unless have_res). The
 * errors are the container's CreateContainerConfigError message. */
DAAS_MUST_USE int daas_agent_pods_node_config(const json_t *container, const char *nitro_device,
                                              bool have_res, const char **device, daas_err *err);

/* ---- containers and pods (pods_status.c) ---- */

enum { DAAS_AGENT_CTR_WAITING = 0, DAAS_AGENT_CTR_RUNNING = 1, DAAS_AGENT_CTR_TERMINATED = 2 };
enum {
    DAAS_AGENT_RESTART_ALWAYS = 0,
    DAAS_AGENT_RESTART_ONFAILURE = 1,
    DAAS_AGENT_RESTART_NEVER = 2
};

/* One finished run of a container (its lastState.terminated). Strings owned. */
typedef struct daas_agent_pods_term {
    bool set; /* false: no finished run */
    int exit_code;
    char *reason;                    /* "Completed", "Error", "ContainerCannotRun" */
    char *message;                   /* may be NULL */
    char *id;                        /* its runc id; may be NULL */
    int64_t started_at, finished_at; /* unix seconds */
} daas_agent_pods_term;

/* What the agent knows of one container. Strings owned (daas_free). */
typedef struct daas_agent_pods_ctr {
    char *name, *image;
    char *image_id;            /* "<canonical ref>@sha256:..." once pulled, else NULL */
    char *id;                  /* runc id of the current run, once created */
    int state;                 /* DAAS_AGENT_CTR_* */
    char *reason;              /* waiting: "ContainerCreating", "ErrImagePull", ... */
    char *message;             /* waiting: the error; may be NULL */
    daas_agent_pods_term term; /* terminated: the current state */
    daas_agent_pods_term last; /* lastState */
    unsigned restarts;         /* restartCount; the current (or next) run number */
    int64_t started_at;        /* unix seconds; running */
    int64_t started_mono_ms;   /* running: monotonic start, for probes and back-off reset */
    int backoff_s;             /* the next back-off (0: restart at once) */
    int64_t next_start_ms;     /* waiting: not before this monotonic time */
    bool rootfs_ready;         /* the image is unpacked */
    bool ready;                /* readiness (probe verdict, or running without a probe) */
    bool started;              /* startup probe passed (or none) */
    bool created;              /* a run was ever created (Pulled/Created events sent) */
    int64_t kill_at_ms;        /* a failed probe stops the run: SIGKILL at this monotonic time
                                  (0: none) */
    daas_agent_probe liveness, readiness, startup;
} daas_agent_pods_ctr;

/* What the agent knows of one pod. */
typedef struct daas_agent_pods_pod {
    char *ns, *name, *uid;
    json_t *obj;        /* the Pod as last seen (owned reference) */
    bool refused;       /* proof check failed: never started */
    int restart_policy; /* DAAS_AGENT_RESTART_* */
    int64_t start_time; /* unix seconds the agent accepted it */
    int grace_s;
    bool terminating;   /* stopping: TERM sent, waiting for the containers */
    bool deleted;       /* gone from the API: no DELETE to send when stopped */
    int64_t kill_at_ms; /* terminating: SIGKILL at this monotonic time */
    bool volumes_down;  /* terminal phase reached: its volumes were torn down */
    daas_agent_pods_ctr *ctrs;
    size_t n_ctrs;
    char *last_status; /* the status JSON last written (compact), to skip repeats */
} daas_agent_pods_pod;

/* The phase as the kubelet's getPhase computes it from the containers and restartPolicy:
 * any container waiting for its first run → Pending; any running → Running; all stopped
 * (terminated, or waiting to restart after a run) → Always: Running; all exit 0:
 * Succeeded; Never: Failed; OnFailure: Running. */
const char *daas_agent_pods_phase(const daas_agent_pods_pod *p);

/* The PodStatus of p (phase, conditions, hostIP/podIP = host_ip, startTime, qosClass,
 * containerStatuses with state, lastState, ready, started, restartCount, containerID
 * "runc://<id>"). New reference. */
json_t *daas_agent_pods_status_json(const daas_agent_pods_pod *p, const char *host_ip);

/* Fills p (zeroed by the caller) from a Pod (borrowed; a reference is kept): names, grace
 * period (capped at max_grace_s when > 0), restartPolicy, one waiting "ContainerCreating"
 * entry per container with its probes. DAAS_EINVAL when metadata or containers are
 * missing or a probe is malformed. Call _fini even after a failure. */
DAAS_MUST_USE int daas_agent_pods_pod_init(daas_agent_pods_pod *p, json_t *pod, int max_grace_s,
                                           daas_err *err);
void daas_agent_pods_pod_fini(daas_agent_pods_pod *p);

/* Back-off after a run that lasted ran_s seconds: the delay before the next start (0: at
 * once) is c->backoff_s, which then doubles (from 10 s, capped at 300 s); a run of 10 min or
 * more resets it first. Returns the delay in seconds. */
int daas_agent_pods_backoff_next(daas_agent_pods_ctr *c, int64_t ran_s);

/* Whether a container that exited with exit_code is restarted under policy. */
bool daas_agent_pods_should_restart(int policy, int exit_code);

/* Moves the current terminated state into lastState (freeing the older one). */
void daas_agent_pods_ctr_archive(daas_agent_pods_ctr *c);
/* Sets the waiting reason and message (msg may be NULL). */
void daas_agent_pods_ctr_wait(daas_agent_pods_ctr *c, const char *reason, const char *msg);

/* ---- the loop (pods.c, pods_run.c) ---- */

/* Trusted enclave keys, asked for before proofs are checked (at most every 10 s): *keys
 * (daas_free) and *n. */
typedef int (*daas_agent_pods_keys_fn)(void *ctx, daas_sched_trusted_key **keys, size_t *n,
                                       daas_err *err);

typedef struct daas_agent_pods_opts {
    daas_agent_kc *kc; /* used only by the loop's thread (borrowed) */
    daas_rt *rt;       /* borrowed */
    const char *node_name, *host_ip;
    const char *data_dir;                   /* DATA: rootfs under DATA/pods */
    const char *image_store;                /* NULL: DATA/images */
    const char *const *insecure_registries; /* "HOST:PORT" pulled over http; NULL-terminated */
    const daas_sched_trusted_key *keys;     /* fixed keys (--enclave-key) */
    size_t n_keys;
    daas_agent_pods_keys_fn keys_fn; /* more keys (the chain); may be NULL */
    void *keys_ctx;
    int max_grace_s;          /* cap of terminationGracePeriodSeconds (0: none) */
    const char *nitro_device; /* host path of the Nitro Enclaves device; NULL: none */
    daas_agent_podres *res;   /* env valueFrom/envFrom and volumes; NULL: refused with
                                 CreateContainerConfigError (borrowed) */
} daas_agent_pods_opts;

typedef struct daas_agent_pods daas_agent_pods;

DAAS_MUST_USE int daas_agent_pods_new(const daas_agent_pods_opts *o, daas_agent_pods **out,
                                      daas_err *err);

/* The loop: lists the node's pods, then watches them (a thread of its own), acting on each
 * event at once; every second it follows the containers (exits, restarts, probes,
 * terminations) and writes changed statuses. Returns when *stop becomes true (within about a
 * second), DAAS_OK. Containers keep running. */
DAAS_MUST_USE int daas_agent_pods_run(daas_agent_pods *p, const atomic_bool *stop, daas_err *err);

/* One synchronous pass without the watch (the polling loop of the first version, kept for
 * callers that poll every DAAS_AGENT_PODS_POLL_MS): list, start new pods, follow the
 * containers, write statuses, stop pods deleted or gone. Errors of the list call only. */
DAAS_MUST_USE int daas_agent_pods_tick(daas_agent_pods *p, daas_err *err);

/* Frees the loop (containers keep running). Accepts NULL. */
void daas_agent_pods_free(daas_agent_pods **p);

#endif
