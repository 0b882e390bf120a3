/*
 * rebalance.c: the rebalancing round's request from the cluster's Pods and
 *              PodDisruptionBudgets (rules in rebalance.h).
 *
 * Owns:   choosing candidates and budgets, sorting them, the request's encoding call.
 * Invariants: pure; strings point into the borrowed inputs or into this call's own table.
 */
#include "ctrl/rebalance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "ctrl/disruption.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"
#include "sched/rebalance.h"

typedef struct cand {
    daas_sched_rebalance_cand c; /* controller and budget are this call's strings (freed) */
    size_t pdb;                  /* index in pdbs when c.budget != NULL */
} cand;

static void cand_fini(cand *c)
{
    daas_free((char *)c->c.controller);
    daas_free((char *)c->c.budget);
}

/* "a/b" as a new string when it fits a request's string, else NULL. */
static char *joined(const char *a, const char *b)
{
    char *s = daas_xasprintf("%s/%s", a, b);
    if (strlen(s) <= DAAS_SCHED_MAX_STR)
        return s;
    daas_free(s);
    return NULL;
}

static bool fits(const char *s)
{
    return s != NULL && s[0] != '\0' && strlen(s) <= DAAS_SCHED_MAX_STR;
}

static int by_uid(const void *a, const void *b)
{
    return strcmp(((const cand *)a)->c.uid, ((const cand *)b)->c.uid);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const daas_sched_rebalance_budget *)a)->name,
                  ((const daas_sched_rebalance_budget *)b)->name);
}

/* Fills *c for pod; false when the pod is not a candidate. */
static bool candidate(const json_t *pod, const json_t *pdbs, cand *c)
{
    const char *phase = daas_kube_str(pod, "status.phase");
    const json_t *ref = daas_ctrl_controller_ref(pod);
    const char *kind = daas_kube_str(ref, "kind"), *owner = daas_kube_str(ref, "name");
    memset(c, 0, sizeof *c);
    c->c.uid = daas_kube_str(pod, "metadata.uid");
    c->c.ns = daas_kube_str(pod, "metadata.namespace");
    c->c.name = daas_kube_str(pod, "metadata.name");
    if (!fits(c->c.uid) || !fits(c->c.ns) || !fits(c->c.name) ||
        !fits(daas_kube_str(pod, "spec.nodeName")) ||
        daas_kube_path(pod, "metadata.deletionTimestamp") != NULL ||
        (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)) ||
        !fits(kind) || !fits(owner) || strcmp(kind, "DaemonSet") == 0 || strcmp(kind, "Node") == 0)
        return false;
    c->c.controller = joined(kind, owner);
    if (c->c.controller == NULL)
        return false;
    size_t i, guards = 0;
    const json_t *pdb;
    json_array_foreach(pdbs, i, pdb)
    {
        if (!daas_ctrl_disruption_guards(pdb, pod))
            continue;
        if (guards++ > 0 ||
            (c->c.budget = joined(c->c.ns, daas_kube_str(pdb, "metadata.name") ?: "")) == NULL)
            return false; /* two budgets: the eviction subresource refuses it */
        c->pdb = i;
    }
    return true;
}

/* disruptionsAllowed as the eviction subresource would see it. */
static uint32_t allowed(const json_t *pdb)
{
    int64_t a = daas_kube_int(pdb, "status.disruptionsAllowed", 0);
    if (daas_kube_int(pdb, "status.observedGeneration", 0) <
            daas_kube_int(pdb, "metadata.generation", 0) ||
        a < 0)
        return 0;
    return a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
}

int daas_ctrl_rebalance_request(const json_t *pods, const json_t *pdbs,
                                const daas_ctrl_rebalance_params *p, daas_buf *out, size_t *n_cands,
                                daas_err *err)
{
    size_t np = json_array_size(pods), n = 0, nb = 0;
    cand *c = daas_xcalloc(np ? np : 1, sizeof *c);
    daas_sched_rebalance_cand *rc_c = daas_xcalloc(np ? np : 1, sizeof *rc_c);
    daas_sched_rebalance_budget *b = daas_xcalloc(np ? np : 1, sizeof *b);
    for (size_t i = 0; i < np; i++) {
        if (candidate(json_array_get(pods, i), pdbs, &c[n]))
            n++;
        else
            cand_fini(&c[n]);
    }
    qsort(c, n, sizeof *c, by_uid);
    size_t m = 0;
    for (size_t i = 0; i < n && m < DAAS_SCHED_REBALANCE_MAX_CANDIDATES; i++) {
        if (m > 0 && strcmp(rc_c[m - 1].uid, c[i].c.uid) == 0)
            continue;
        rc_c[m++] = c[i].c;
        if (c[i].c.budget != NULL)
            b[nb++] = (daas_sched_rebalance_budget){c[i].c.budget,
                                                    allowed(json_array_get(pdbs, c[i].pdb))};
    }
    qsort(b, nb, sizeof *b, by_name);
    size_t u = 0; /* one entry per budget (equal names: the same PDB) */
    for (size_t i = 0; i < nb; i++)
        if (u == 0 || strcmp(b[u - 1].name, b[i].name) != 0)
            b[u++] = b[i];
    nb = u;
    daas_sched_rebalance_req q = {.round = p->round,
                                  .threshold_pct = p->threshold_pct,
                                  .max_evictions = p->max_evictions,
                                  .fairness_pct = p->fairness_pct,
                                  .cands = rc_c,
                                  .n_cands = m,
                                  .budgets = b,
                                  .n_budgets = nb};
    int rc = daas_sched_rebalance_req_encode(&q, out, err);
    if (rc == DAAS_OK && n_cands)
        *n_cands = m;
    for (size_t i = 0; i < n; i++)
        cand_fini(&c[i]);
    daas_free(b);
    daas_free(rc_c);
    daas_free(c);
    return rc;
}
