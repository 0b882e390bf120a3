/*
 * pods_res.c: what a container gets from the cluster, through podres (podres.h): its
 *             environment (env valueFrom, envFrom) and $(VAR) expansion of its command and
 *             args, its volume mounts, the pod's image pull credentials, and the pod's
 *             volumes' teardown.
 *
 * Owns:   nothing: podres owns the volumes and the fetched objects.
 * Invariants: no credential or secret value is logged here; without podres (opts.res NULL)
 *         nothing is fetched (pods_run.c refuses containers that need it).
 * Spec:   kubelet CreateContainerConfigError; Kubernetes $(VAR) expansion in command/args.
 */
#include <string.h>

#include "agent/pods_int.h"
#include "common/alloc.h"

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Expands $(VAR) in proc->args[from..from+count) over the final environment. */
static void expand_range(daas_agent_pods_proc *proc, size_t from, size_t count)
{
    size_t n_env = strv_len(proc->env), n_args = strv_len(proc->args);
    for (size_t i = from; i < from + count && i < n_args; i++) {
        char *x = daas_agent_podres_expand(proc->args[i], proc->env, n_env);
        daas_free(proc->args[i]);
        proc->args[i] = x;
    }
}

int daas_agent_pods__res_env(daas_agent_pods *p, const daas_agent_pods_pod *pod, const json_t *cj,
                             daas_agent_pods_proc *proc, daas_err *err)
{
    if (p->o.res == NULL)
        return DAAS_OK;
    size_t n = strv_len(proc->env);
    int rc = daas_agent_podres_env(p->o.res, pod->obj, cj, &proc->env, &n, err);
    if (rc != DAAS_OK)
        return rc;
    /* only what the container gives (command, args) is expanded, not the image's */
    size_t n_cmd = json_array_size(json_object_get(cj, "command"));
    size_t n_args = json_array_size(json_object_get(cj, "args"));
    size_t total = strv_len(proc->args);
    if (n_cmd > 0)
        expand_range(proc, 0, n_cmd);
    if (n_args > 0 && n_args <= total)
        expand_range(proc, total - n_args, n_args);
    return DAAS_OK;
}

int daas_agent_pods__res_mounts(daas_agent_pods *p, const daas_agent_pods_pod *pod,
                                const json_t *cj, daas_rt_mount **mounts, size_t *n, daas_err *err)
{
    *mounts = NULL;
    *n = 0;
    const json_t *spec = json_object_get(pod->obj, "spec");
    if (p->o.res == NULL || (json_array_size(json_object_get(spec, "volumes")) == 0 &&
                             json_array_size(json_object_get(cj, "volumeMounts")) == 0))
        return DAAS_OK;
    return daas_agent_podres_volumes(p->o.res, pod->obj, false, cj, mounts, n, err);
}

int daas_agent_pods__res_creds(daas_agent_pods *p, const daas_agent_pods_pod *pod,
                               const char *image, char **user, char **password, daas_err *err)
{
    *user = NULL;
    *password = NULL;
    const json_t *ips = json_object_get(json_object_get(pod->obj, "spec"), "imagePullSecrets");
    if (p->o.res == NULL || json_array_size(ips) == 0)
        return DAAS_OK;
    return daas_agent_podres_pull_creds(p->o.res, pod->obj, image, user, password, err);
}

void daas_agent_pods__res_teardown(daas_agent_pods *p, const daas_agent_pods_pod *pod)
{
    if (p->o.res != NULL)
        daas_agent_podres_teardown(p->o.res, pod->uid);
}
