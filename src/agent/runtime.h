/*
 * runtime.h: the worker agent's container runtime: OCI containers run by runc.
 *
 * Owns:   a state directory STATE laid out as
 *           STATE/runc/            runc's --root (runc's own container state)
 *           STATE/bundles/<id>/    config.json, pid file, runc.log (runc's own log)
 *           STATE/logs/<id>.log    the container's stdout+stderr, CRI format (crilog.h)
 *           STATE/exit/<id>        the exit code, once the agent has reaped the container
 *         and the runc invocations on it (fork/exec through posix_spawn, no shell, each
 *         call bounded by a timeout).
 * Does not own: the rootfs directory (the image module unpacks it; it must outlive the
 *         container), pod semantics (restart policy, probes), networking (host network).
 * Invariants:
 *   - daas_rt_new makes the calling process a child subreaper (PR_SET_CHILD_SUBREAPER), so
 *     container init processes become its children and their exit codes can be reaped;
 *     only known container pids are ever waited for (never waitpid(-1));
 *   - an exit code the agent did not see (container exited while no agent ran) is reported
 *     as unknown: exit_known false, exit_code 255;
 *   - a failed create leaves no runc container and no bundle behind;
 *   - a limit the host cannot apply (no cgroup controller) is dropped with one warning in
 *     the log, never a failure;
 *   - calls on different containers may run from different threads at once (each is its own
 *     runc process); calls on one container are serialised by the caller.
 * Spec:   OCI runtime spec 1.0.2 as runc 1.1 accepts it; issue 6 ("Pod lifecycle").
 */
#ifndef DAAS_AGENT_RUNTIME_H
#define DAAS_AGENT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

typedef struct daas_rt daas_rt;

/* One extra mount: a bind mount (source set) or a tmpfs (source NULL). */
typedef struct daas_rt_mount {
    const char *source;   /* host path to bind, or NULL for a tmpfs */
    const char *dest;     /* absolute path inside the container */
    bool readonly;        /* bind: ro instead of rw; tmpfs: ro */
    uint64_t tmpfs_bytes; /* tmpfs size; 0 = kernel default (half of RAM) */
} daas_rt_mount;

/* What to run. All pointers are borrowed for the duration of the call. */
typedef struct daas_rt_spec {
    const char *id;               /* [A-Za-z0-9][A-Za-z0-9_.-]{0,127} */
    const char *rootfs;           /* absolute path of the unpacked root filesystem */
    const char *const *args;      /* argv, NULL-terminated, at least one element */
    const char *const *env;       /* "K=V" strings, NULL-terminated; NULL = a default PATH */
    const char *cwd;              /* absolute; NULL = "/" */
    uint32_t uid, gid;            /* process user */
    const char *hostname;         /* set when the container has its own UTS namespace */
    const daas_rt_mount *mounts;  /* extra mounts, after the standard ones */
    size_t nmounts;
    bool readonly_rootfs;
    bool host_network;            /* no network namespace (pods use the host network) */
    bool host_pid, host_ipc, host_uts; /* share that namespace with the host */
    uint64_t memory_limit;        /* bytes; 0 = no limit */
    uint32_t cpu_millis;          /* CPU quota in millicores; 0 = no limit */
    const char *const *devices;   /* host device nodes to give, NULL-terminated, or NULL;
                                     each appears as /dev/<its name> in the container */
} daas_rt_spec;

enum { DAAS_RT_CREATED = 1, DAAS_RT_RUNNING = 2, DAAS_RT_STOPPED = 3, DAAS_RT_PAUSED = 4 };

typedef struct daas_rt_state {
    int status;      /* DAAS_RT_* */
    int pid;         /* container init pid (host pid namespace); 0 when unknown */
    bool exit_known; /* stopped and the exit code was seen by this or an earlier agent */
    int exit_code;   /* stopped: exit status, 128+signal when killed; 255 when unknown */
} daas_rt_state;

/* The host's cgroup setup as detected at daas_rt_new. */
enum { DAAS_RT_CGROUP_NONE = 0, DAAS_RT_CGROUP_V1 = 1, DAAS_RT_CGROUP_V2 = 2 };

typedef struct daas_rt_cgroups {
    int mode;    /* DAAS_RT_CGROUP_* (v1 includes hybrid hosts) */
    bool memory; /* memory controller usable: memory limits are applied */
    bool cpu;    /* cpu controller usable: CPU quotas are applied */
} daas_rt_cgroups;

/* Opens the runtime rooted at state_dir (created 0700 when missing). runc is runc_path, or
 * "/usr/sbin/runc" when NULL. Makes the process a child subreaper. *out is owned by the
 * caller (daas_rt_free). */
DAAS_MUST_USE int daas_rt_new(const char *state_dir, const char *runc_path, daas_rt **out,
                              daas_err *err);
/* Frees the handle (containers keep running). Nulls *rt; accepts NULL. */
void daas_rt_free(daas_rt **rt);

/* The detected cgroup support. */
daas_rt_cgroups daas_rt_cgroup_support(const daas_rt *rt);
/* Timeout of each runc call in milliseconds (default 30000). */
void daas_rt_set_timeout(daas_rt *rt, int timeout_ms);

/* Mounts a tmpfs (mode 0700) on STATE/runc and STATE/bundles unless each already is a mount
 * point (an earlier agent's): container configs hold the containers' environment, Secret
 * values among them, and must never reach the disk. The agent calls it at start; the mounts
 * stay for the next agent (adoption). Errors: DAAS_EIO naming the directory (not root). */
DAAS_MUST_USE int daas_rt_private_state(daas_rt *rt, daas_err *err);

/* Renders the OCI config.json for spec (what daas_rt_create writes), with the limits the
 * host cannot apply left out. *json_out is owned by the caller (daas_free). DAAS_EINVAL
 * names the bad field. */
DAAS_MUST_USE int daas_rt_config(const daas_rt *rt, const daas_rt_spec *spec, char **json_out,
                                 daas_err *err);

/* Writes the bundle, starts the log shim, then `runc create` (stdout and stderr to the
 * shim's pipes) and `runc
 * start`. On failure nothing is left behind (the log file is kept) and err reads
 * "container ID: runc create: <runc's message>". DAAS_EEXIST when the id is in use. */
DAAS_MUST_USE int daas_rt_create(daas_rt *rt, const daas_rt_spec *spec, daas_err *err);

/* Status of a container; reaps and records its exit code when it has stopped. DAAS_ENOTFOUND
 * when runc does not know it. */
DAAS_MUST_USE int daas_rt_state_get(daas_rt *rt, const char *id, daas_rt_state *st,
                                    daas_err *err);

/* Sends signal sig to the container's init process. */
DAAS_MUST_USE int daas_rt_kill(daas_rt *rt, const char *id, int sig, daas_err *err);

/* SIGTERM, waits up to grace_ms for the container to stop, then SIGKILL and waits again
 * (up to the runc timeout). A container already stopped is fine. *st (may be NULL) gets the
 * final state. */
DAAS_MUST_USE int daas_rt_stop(daas_rt *rt, const char *id, int grace_ms, daas_rt_state *st,
                               daas_err *err);

/* `runc delete --force`, then removes the bundle and the recorded exit code; the log file is
 * removed too unless keep_log. An unknown id is fine (the leftovers are removed). */
DAAS_MUST_USE int daas_rt_delete(daas_rt *rt, const char *id, bool keep_log, daas_err *err);

/* Ids runc knows under this state dir (for adoption after an agent restart), sorted.
 * *ids_out is a NULL-terminated array owned by the caller (daas_rt_strv_free). */
DAAS_MUST_USE int daas_rt_list(daas_rt *rt, char ***ids_out, size_t *n_out, daas_err *err);
void daas_rt_strv_free(char ***v);

/* Runs args inside a running container (`runc exec`), capturing stdout and stderr (each
 * capped at 4 MiB) and the exit code. out/errout may be NULL. */
DAAS_MUST_USE int daas_rt_exec(daas_rt *rt, const char *id, const char *const *args,
                               daas_buf *out, daas_buf *errout, int *exit_code, daas_err *err);

/* Path of the container's log file. Owned by the caller (daas_free). */
char *daas_rt_log_path(const daas_rt *rt, const char *id);

/* An interactive `runc exec` (the endpoint's kubectl exec): its pid and pipes. */
typedef struct daas_rt_proc {
    int pid;        /* the `runc exec` process (a child of this process); 0 once reaped */
    int in_fd;      /* write end of the process's stdin (non-blocking), or -1 */
    int out_fd;     /* read end of its stdout (non-blocking) */
    int err_fd;     /* read end of its stderr (non-blocking); -1 with a terminal */
    char *pid_file; /* where runc writes the exec'd process's host pid */
    char *log_file; /* runc's own log (its errors), not the process's stderr */
    bool tty;       /* out_fd is a pty master (in_fd a duplicate of it) */
} daas_rt_proc;

/* Starts `runc exec` of args in the running container id, without a terminal, its stdin a
 * pipe when with_stdin (else /dev/null). *p is caller storage (daas_rt_exec_fini). Errors:
 * DAAS_EINVAL (bad id, no args), DAAS_EIO. Thread: any. */
DAAS_MUST_USE int daas_rt_exec_start(daas_rt *rt, const char *id, const char *const *args,
                                     bool with_stdin, daas_rt_proc *p, daas_err *err);
/* The same with a terminal (`runc exec --tty` whose stdio is a pty of ours, in raw mode;
 * runc relays it to the container's terminal): in_fd and out_fd are our pty's master,
 * err_fd -1. */
DAAS_MUST_USE int daas_rt_exec_start_tty(daas_rt *rt, const char *id, const char *const *args,
                                         daas_rt_proc *p, daas_err *err);
/* Sets the terminal's size (our pty's, then SIGWINCH to runc, which copies it). DAAS_EINVAL
 * without a terminal. */
DAAS_MUST_USE int daas_rt_exec_resize(daas_rt_proc *p, unsigned width, unsigned height);
/* After a non-zero exit: true with runc's own error (e.g. "exec failed: ... executable file
 * not found in $PATH") in msg when runc, not the process, failed. */
bool daas_rt_exec_runc_error(const daas_rt_proc *p, char *msg, size_t n);
/* Reaps without blocking: DAAS_OK with *code (exit status, 128+signal) once `runc exec`
 * ended; DAAS_EAGAIN while it runs. */
DAAS_MUST_USE int daas_rt_exec_poll(daas_rt_proc *p, int *code);
/* SIGKILLs the exec'd process (by its pid file); runc then ends. Safe after it ended. */
void daas_rt_exec_kill(daas_rt_proc *p);
/* Closes the pipes, removes the pid file; when not yet reaped, kills and reaps (blocks
 * briefly). Accepts a zeroed or already finished *p. */
void daas_rt_exec_fini(daas_rt_proc *p);

/* True while the log shim of container id runs (a record may still be written); false once
 * it ended or when there is none (container deleted, or never created). */
bool daas_rt_log_open(const daas_rt *rt, const char *id);
/* True when the container's init process is alive (not exited, not a zombie). */
bool daas_rt_running(const daas_rt *rt, const char *id);

/* The log shim (crilog.h): daas_rt_create starts, before runc, a process that holds the
 * container's stdout and stderr pipes and writes them to the log file in the CRI format;
 * it is its own session (an agent restart or Ctrl-C never kills it, a full log disk never
 * blocks the container) and exits when both pipes close; daas_rt_delete (or the next
 * create, once it has ended) reaps it. With
 * exe set it execs `exe logshim` (fds 3 stdout, 4 stderr, 5 the log) so it holds none of
 * the agent's memory; NULL: a forked copy of this process. daas_rt_new sets
 * "/proc/self/exe" when this program is the daas binary, else NULL. Call before the first
 * create. */
void daas_rt_set_logshim(daas_rt *rt, const char *exe);

#endif
