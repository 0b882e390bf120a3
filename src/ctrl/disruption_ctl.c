/*
 * disruption_ctl.c: the disruption controller: keeps each PodDisruptionBudget's status
 *                   (disruption.c's plan) current, through the status subresource.
 *
 * Owns:   the controller's state (a copy of its options and its kinds); nothing shared.
 * Not:    the decision (disruption.c); evictions (api/evict.c, which decrements
 *         status.disruptionsAllowed itself and lists the pod in status.disruptedPods).
 * Model:  informers "poddisruptionbudgets", "pods", "replicasets", "deployments"; a PDB
 *         event queues the PDB; a pod, ReplicaSet or Deployment event queues every PDB of
 *         its namespace (upstream maps a pod to its PDBs by selector; a namespace's PDBs are
 *         few). sync: the cached PDB with its namespace's pods and controllers →
 *         daas_ctrl_disruption_plan_make → PUT .../status with the cached resourceVersion
 *         (a stale cache is a 409, retried) and the plan's events → wait until the cache saw
 *         the write → requeue at the plan's recheck time (an evicted pod's timeout).
 * Invariants: cached objects are never modified; events are recorded only with a status
 *             change, so a PDB at rest stays quiet (upstream records NoPods on every sync).
 * Spec:   kubernetes pkg/controller/disruption (1.32); ISSUE 9.
 */
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "ctrl/apply.h"
#include "ctrl/disruption.h"
#include "kube/obj.h"

typedef struct dis_ctl {
    daas_ctrl_opts o;           /* a copy of the manager's options (the clock) */
    const daas_kube_kind *pdbs; /* policy/v1 poddisruptionbudgets */
} dis_ctl;

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)arg, (void)ev, (void)old;
    if (strcmp(res, "poddisruptionbudgets") == 0)
        daas_ctrl_run_enqueue_obj(run, obj);
    else
        daas_ctrl_run_enqueue_all(run, "poddisruptionbudgets",
                                  daas_kube_str(obj, "metadata.namespace") ?: "");
}

/* PUT the plan's status and record its events; waits until the cache saw the write. */
static int write_status(dis_ctl *dc, daas_ctrl_run *run, const json_t *pdb,
                        const daas_ctrl_disruption_plan *p, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    daas_ctrl_apply_res res = {0};
    int rc = daas_ctrl_apply_status(c, dc->pdbs, pdb, p->status, &res, err);
    if (rc == DAAS_OK) {
        daas_ctrl_apply_events(c, pdb, p->events);
        daas_ctrl_apply_wait(daas_ctrl_run_informer(run, "poddisruptionbudgets"), res.max_rv);
    }
    return rc;
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, const char *ns, const char *name,
                const json_t *pdb, daas_err *err)
{
    dis_ctl *dc = arg;
    if (pdb == NULL || daas_kube_path(pdb, "metadata.deletionTimestamp"))
        return DAAS_OK;
    json_t *pods = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "pods"), ns);
    json_t *rs = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "replicasets"), ns);
    json_t *dep = daas_ctrl_informer_list(daas_ctrl_run_informer(run, "deployments"), ns);
    int64_t now = daas_ctrl_now_s(&dc->o);
    daas_ctrl_disruption_in in = {.pdb = pdb, .pods = pods, .rs = rs, .deploy = dep, .now = now};
    daas_ctrl_disruption_plan p;
    int rc = daas_ctrl_disruption_plan_make(&in, &p, err);
    if (rc == DAAS_OK && p.changed)
        rc = write_status(dc, run, pdb, &p, err);
    if (rc == DAAS_OK && p.failed)
        rc = daas_fail(
            err, DAAS_EINVAL, "poddisruptionbudget %s/%s: %s", ns, name,
            daas_kube_str(json_array_get(daas_kube_path(p.status, "conditions"), 0), "message")
                ?: "sync failed");
    if (rc == DAAS_OK && p.recheck_at > 0) {
        int64_t delay = (p.recheck_at - now) * 1000;
        daas_ctrl_run_enqueue_after(run, key, delay > 0 ? delay : 0);
    }
    daas_ctrl_disruption_plan_fini(&p);
    json_decref(pods);
    json_decref(rs);
    json_decref(dep);
    return rc;
}

int daas_ctrl_disruption_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    dis_ctl *dc = daas_xcalloc(1, sizeof *dc);
    if (o)
        dc->o = *o;
    dc->pdbs = daas_ctrl_kind("poddisruptionbudgets");
    daas_ctrl_def def = {
        .name = "disruption",
        .resources = {"poddisruptionbudgets", "pods", "replicasets", "deployments"},
        .handle = handle,
        .sync_obj = sync,
        .workers = 1,
        .arg = dc,
        .fini = daas_free,
    };
    return daas_ctrl_mgr_register(m, &def, err);
}
