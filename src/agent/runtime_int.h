/*
 * runtime_int.h: declarations shared by the runtime*.c files only.
 *
 * Owns:   nothing; see runtime.h.
 */
#ifndef DAAS_AGENT_RUNTIME_INT_H
#define DAAS_AGENT_RUNTIME_INT_H

#include <stdatomic.h>

#include "agent/runtime.h"
#include "common/util.h"

struct daas_rt {
    char *dir;          /* STATE */
    char *runc;         /* runc binary */
    char *runc_root;    /* STATE/runc */
    char *cgparent;     /* "/daas/<8 hex digits of a hash of STATE>": two state dirs never
                           share a container cgroup */
    int timeout_ms;     /* per runc call */
    daas_rt_cgroups cg; /* detected at daas_rt_new */
    atomic_bool warned_memory, warned_cpu; /* the one warning about an unusable controller */
    char *logshim;      /* NULL: the log shim is a forked copy of this process; else this
                           binary is exec'd as `<logshim> logshim` (daas_rt_set_logshim) */
};

typedef struct daas_rt__cmd {
    const char *const *argv; /* argv[0] is the program path */
    int stdio_fd;            /* >= 0: stdout and stderr go there; -1: captured */
    daas_buf *out, *errb;    /* captured streams (may be NULL: discarded) */
    int timeout_ms;
    int status;              /* exit code, 128+signal when killed by one */
} daas_rt__cmd;

/* Runs c->argv without a shell, stdin /dev/null, no fd but 0-2 inherited. DAAS_ETIMEOUT
 * after killing it when it outlives timeout_ms; DAAS_EIO when it cannot start. A non-zero
 * exit is not an error here (see c->status). */
DAAS_MUST_USE int daas_rt__run(daas_rt__cmd *c, daas_err *err);
/* The same with stdout on c->stdio_fd and stderr on err_fd (both >= 0). */
DAAS_MUST_USE int daas_rt__run_split(daas_rt__cmd *c, int err_fd, daas_err *err);
/* True when id is a valid container id. */
bool daas_rt__valid_id(const char *id);

/* Renders config.json for s with the limits cg cannot apply left out (daas_rt_config);
 * linux.cgroupsPath is "<cgparent>-<id>" (one level: runc delete removes it). */
DAAS_MUST_USE int daas_rt__config(const daas_rt_spec *s, daas_rt_cgroups cg,
                                  const char *cgparent, char **json_out, daas_err *err);

/* STATE/<kind>/<id>[/<file>]; owned by the caller. */
char *daas_rt__path(const daas_rt *rt, const char *kind, const char *id, const char *file);
/* Runs `runc --root R args...`; stdout into out (may be NULL); a non-zero exit becomes
 * "container ID: runc VERB: <runc's last stderr line>" (DAAS_ENOTFOUND / DAAS_EEXIST / EIO). */
DAAS_MUST_USE int daas_rt__runc(daas_rt *rt, const char *id, const char *const *args,
                                daas_buf *out, daas_err *err);
/* Fails err with runc's message text for verb (last line, runc's wrapping stripped). */
int daas_rt__fail_runc(const char *id, const char *verb, const char *text, daas_err *err);
/* True when text (runc's stderr) carries runc's own "<verb> failed: ..." error record, as
 * opposed to output of the process runc ran. */
bool daas_rt__runc_failed(const char *verb, const char *text);
/* Waits up to ms for the container's init (pid file) to be gone, reaping it (and recording
 * its exit code) when it is our child. True when gone. */
bool daas_rt__reap_gone(daas_rt *rt, const char *id, int ms);

#endif
