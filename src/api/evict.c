/*
 * evict.c: POST pods/{name}/eviction: deleting a pod only as far as its PodDisruptionBudget
 *          allows (kubectl drain, the rebalancer).
 *
 * Owns:   the Eviction semantics of kube-apiserver 1.32 (pkg/registry/core/pod/storage/
 *         eviction.go), step by step:
 *   1. the body is a policy/v1 (or policy/v1beta1) Eviction named like the URL; its
 *      deleteOptions (gracePeriodSeconds, preconditions, propagationPolicy, dryRun) are
 *      those of the pod's deletion, and ?dryRun=All counts too;
 *   2. a pod that is Pending, Succeeded, Failed or being deleted is deleted at once, no PDB
 *      consulted (with a resourceVersion precondition unless the pod is finished or being
 *      deleted, so the pod cannot turn Ready in between); conflicts are retried;
 *   3. the PDBs of the pod's namespace whose (non-empty) selector matches the pod: none →
 *      delete; more than one → 500 "This pod has more than one PodDisruptionBudget, which
 *      the eviction subresource does not support.";
 *   4. a pod that is not Ready is deleted without touching the budget when the PDB says
 *      unhealthyPodEvictionPolicy AlwaysAllow, or (IfHealthyBudget, the default) when
 *      currentHealthy >= desiredHealthy > 0; the deletion then carries the pod's
 *      resourceVersion, and losing that race is a 429;
 *   5. otherwise checkAndDecrement, retried on conflicts with a fresh PDB: a PDB whose
 *      status.observedGeneration lags metadata.generation → 429 (still being processed);
 *      disruptionsAllowed < 0 or more than 2000 disruptedPods → 403; disruptionsAllowed 0 →
 *      429 TooManyRequests "Cannot evict pod as it would violate the pod's disruption
 *      budget." with the cause {reason DisruptionBudget, "The disruption budget <name> needs
 *      <desired> healthy pods and has <current> currently"}; else disruptionsAllowed - 1
 *      (the DisruptionAllowed condition follows when it reaches 0) and, unless dry-run,
 *      status.disruptedPods[pod] = now, written with the PDB's revision as precondition;
 *   6. THEN the pod is deleted (graceful as any DELETE) and the answer is 201 with a Status
 *      Success. Every deletion (also in step 2) first gives the pod the condition
 *      DisruptionTarget True, reason EvictionByEvictionAPI, message "Eviction API: evicting"
 *      (addConditionAndDeletePod; not in a dry run), checking the preconditions against the
 *      stored pod with upstream's "Operation cannot be fulfilled on Pod ..." conflicts.
 * Not:    recomputing the budget (ctrl/disruption.c does; it drops the disruptedPods entry
 *         once the pod is being deleted).
 * Invariants: the budget is decremented before the pod is deleted, never after; a refused
 *             eviction changes nothing.
 */
#include <stdio.h>
#include <string.h>

#include "api/write_int.h"
#include "common/util.h"
#include "ctrl/disruption.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"

#define EVICT_TRIES 20
#define MAX_DISRUPTED 2000
#define MSG_BUDGET "Cannot evict pod as it would violate the pod's disruption budget."

typedef struct evict {
    daas_api__req *r;
    json_t *opts;   /* the Eviction's deleteOptions (owned; {} when none) */
    bool dry;       /* dry-run: nothing is written */
    bool user_rv;   /* the client set preconditions.resourceVersion itself */
    char *pod_key;  /* store key of the pod */
    json_t *pod;    /* the pod as last loaded */
    json_t *pdb;    /* the one matching PDB (owned), or NULL */
    bool rv_delete; /* delete with the pod's resourceVersion as precondition */
} evict;

/* ---- answers ---- */

static void respond_status(daas_api__req *r, int http, const char *status, const char *reason,
                           const char *msg, json_t *details)
{
    json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:i}", "kind", "Status", "apiVersion", "v1",
                           "metadata", "status", status, "code", http);
    if (msg)
        json_object_set_new(st, "message", json_string(msg));
    if (reason)
        json_object_set_new(st, "reason", json_string(reason));
    if (details)
        json_object_set_new(st, "details", details);
    daas_api__respond_obj(r, http, st);
    json_decref(st);
}

/* NewTooManyRequests with a DisruptionBudget cause. */
static void respond_429(daas_api__req *r, const char *cause, int retry_after)
{
    json_t *d =
        json_pack("{s:[{s:s,s:s}]}", "causes", "reason", "DisruptionBudget", "message", cause);
    if (retry_after > 0)
        json_object_set_new(d, "retryAfterSeconds", json_integer(retry_after));
    respond_status(r, 429, "Failure", "TooManyRequests", MSG_BUDGET, d);
}

static void respond_busy(daas_api__req *r, const char *pdb)
{
    char m[400];
    snprintf(m, sizeof m, "The disruption budget %s is still being processed by the server.", pdb);
    respond_429(r, m, 10);
}

/* ---- the request ---- */

/* Checks the Eviction body against the URL and takes its deleteOptions. */
static int parse(evict *ev, daas_err *err)
{
    daas_api__req *r = ev->r;
    json_t *body = NULL;
    int rc = daas_api__decode_body(r, &body, err);
    if (rc != DAAS_OK)
        return rc;
    const char *av = daas_kube_str(body, "apiVersion"), *kind = daas_kube_str(body, "kind");
    const char *name = daas_kube_str(body, "metadata.name");
    const char *ns = daas_kube_str(body, "metadata.namespace");
    if (!json_is_object(body) || kind == NULL || kind[0] == '\0')
        rc = daas_fail(err, DAAS_EINVAL, "Object 'Kind' is missing in the request body");
    else if (strcmp(kind, "Eviction") != 0 || av == NULL ||
             (strcmp(av, "policy/v1") != 0 && strcmp(av, "policy/v1beta1") != 0))
        rc = daas_fail(err, DAAS_EINVAL, "not a Eviction object: %s, Kind=%s", av ? av : "", kind);
    else if (name == NULL || strcmp(name, r->route.name) != 0)
        rc = daas_fail(err, DAAS_EINVAL, "name in URL does not match name in Eviction object");
    else if (ns != NULL && ns[0] != '\0' && strcmp(ns, r->route.ns) != 0)
        rc = daas_fail(err, DAAS_EINVAL,
                       "the namespace of the provided object does not match "
                       "the namespace sent on the request");
    if (rc == DAAS_OK) {
        json_t *o = json_object_get(body, "deleteOptions");
        ev->opts = json_is_object(o) ? json_deep_copy(o) : json_object();
        ev->user_rv = daas_kube_str(ev->opts, "preconditions.resourceVersion") != NULL;
        ev->dry = daas_api__dry_run(r) || json_array_size(json_object_get(ev->opts, "dryRun")) > 0;
    }
    json_decref(body);
    return rc;
}

static int load_pod(evict *ev, daas_err *err)
{
    daas_kv kv = {0};
    json_decref(ev->pod);
    ev->pod = NULL;
    int rc = daas_api__load(ev->r->api, ev->pod_key, &kv, &ev->pod, err);
    daas_kv_fini(&kv);
    return rc;
}

static bool phase_is(const json_t *pod, const char *a, const char *b)
{
    const char *p = daas_kube_str(pod, "status.phase");
    return p != NULL && (strcmp(p, a) == 0 || (b != NULL && strcmp(p, b) == 0));
}

/* canIgnorePDB / shouldEnforceResourceVersion. */
static bool can_ignore_pdb(const json_t *pod)
{
    return phase_is(pod, "Succeeded", "Failed") || phase_is(pod, "Pending", NULL) ||
           daas_kube_path(pod, "metadata.deletionTimestamp") != NULL;
}

static bool enforce_rv(const json_t *pod)
{
    return !phase_is(pod, "Succeeded", "Failed") &&
           daas_kube_path(pod, "metadata.deletionTimestamp") == NULL;
}

/* UpdatePodCondition: DisruptionTarget True / EvictionByEvictionAPI on pod; true when that
 * changed it (lastTransitionTime moves only with the status). */
static bool set_disruption_target(json_t *pod)
{
    json_t *conds = daas_kube_path(pod, "status.conditions"), *c = NULL, *x;
    size_t i;
    if (!json_is_array(conds)) {
        conds = json_array();
        daas_kube_set(pod, "status.conditions", conds);
    }
    json_array_foreach(conds, i, x)
    {
        const char *t = daas_kube_str(x, "type");
        if (c == NULL && t != NULL && strcmp(t, "DisruptionTarget") == 0)
            c = x;
    }
    const char *st = daas_kube_str(c, "status"), *why = daas_kube_str(c, "reason");
    if (c != NULL && st && strcmp(st, "True") == 0 && why &&
        strcmp(why, "EvictionByEvictionAPI") == 0)
        return false;
    if (c == NULL || st == NULL || strcmp(st, "True") != 0) {
        char ts[32];
        daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
        if (c == NULL) {
            c = json_pack("{s:s}", "type", "DisruptionTarget");
            json_array_append_new(conds, c);
        }
        json_object_set_new(c, "lastTransitionTime", json_string(ts));
    }
    json_object_set_new(c, "status", json_string("True"));
    json_object_set_new(c, "reason", json_string("EvictionByEvictionAPI"));
    json_object_set_new(c, "message", json_string("Eviction API: evicting"));
    return true;
}

/* The deletion's preconditions against the stored pod, with upstream's conflict wording. */
static int check_preconditions(const json_t *pod, const json_t *opts, daas_err *err)
{
    const char *uid = daas_kube_str(opts, "preconditions.uid");
    const char *rv = daas_kube_str(opts, "preconditions.resourceVersion");
    const char *name = daas_kube_str(pod, "metadata.name") ?: "";
    const char *puid = daas_kube_str(pod, "metadata.uid") ?: "";
    const char *prv = daas_kube_str(pod, "metadata.resourceVersion") ?: "";
    if (uid && uid[0] && strcmp(uid, puid) != 0)
        return daas_fail(err, DAAS_ECONFLICT,
                         "Operation cannot be fulfilled on Pod \"%s\": the UID in the precondition "
                         "(%s) does not match the UID in record (%s). The object might have been "
                         "deleted and then recreated",
                         name, uid, puid);
    if (rv && rv[0] && strcmp(rv, prv) != 0)
        return daas_fail(err, DAAS_ECONFLICT,
                         "Operation cannot be fulfilled on Pod \"%s\": the ResourceVersion in the "
                         "precondition (%s) does not match the ResourceVersion in record (%s). The "
                         "object might have been modified",
                         name, rv, prv);
    return DAAS_OK;
}

/* addConditionAndDeletePod, its first half: the stored pod gets the DisruptionTarget
 * condition (a lost race with another write is retried); a resourceVersion precondition in
 * opts then names the pod's new revision. */
static int mark_pod(evict *ev, json_t *opts, daas_err *err)
{
    int rc = DAAS_ECONFLICT;
    for (int i = 0; i < 8 && rc == DAAS_ECONFLICT; i++) {
        daas_kv kv = {0};
        json_t *pod = NULL;
        int64_t rev = 0;
        daas_err_clear(err);
        rc = daas_api__load(ev->r->api, ev->pod_key, &kv, &pod, err);
        if (rc == DAAS_OK)
            rc = check_preconditions(pod, opts, err);
        bool checked = rc == DAAS_OK;
        if (rc == DAAS_OK && set_disruption_target(pod)) {
            char *s = daas_api__dump_stored(pod);
            rc = s ? daas_store_update(ev->r->api->store, ev->pod_key, DAAS_BYTES(s, strlen(s)),
                                       kv.mod_rev, &rev, err)
                   : daas_fail(err, DAAS_ETOOBIG, "the pod cannot be serialized");
            daas_free(s);
        }
        if (rc == DAAS_OK && rev > 0 && daas_kube_str(opts, "preconditions.resourceVersion")) {
            daas_api__set_rv(pod, rev);
            daas_kube_set_str(opts, "preconditions.resourceVersion",
                              daas_kube_str(pod, "metadata.resourceVersion"));
        }
        json_decref(pod);
        daas_kv_fini(&kv);
        if (!checked)
            break; /* a failed precondition is final */
    }
    return rc;
}

/* Deletes the pod with the Eviction's options (plus the pod's resourceVersion when with_rv),
 * after marking it (not in a dry run). */
static int delete_pod(evict *ev, bool with_rv, daas_err *err)
{
    json_t *o = json_deep_copy(ev->opts), *final = NULL;
    if (with_rv)
        daas_kube_set_str(o, "preconditions.resourceVersion",
                          daas_kube_str(ev->pod, "metadata.resourceVersion") ?: "");
    int rc = ev->dry ? DAAS_OK : mark_pod(ev, o, err);
    if (rc == DAAS_OK)
        rc = daas_api__delete_opts(ev->r->api, ev->r->route.kind, ev->pod_key, o, ev->dry, &final,
                                   err);
    json_decref(final);
    json_decref(o);
    return rc;
}

/* Step 2: a pod past or before running is deleted without the PDB. *done when so. */
static int try_ignore_pdb(evict *ev, bool *done, daas_err *err)
{
    int rc = DAAS_OK;
    *done = false;
    for (int i = 0; i < EVICT_TRIES; i++) {
        daas_err_clear(err);
        rc = load_pod(ev, err);
        if (rc != DAAS_OK || !can_ignore_pdb(ev->pod))
            return rc;
        rc = delete_pod(ev, enforce_rv(ev->pod) && !ev->user_rv, err);
        if (rc != DAAS_ECONFLICT || ev->user_rv)
            break;
    }
    *done = rc == DAAS_OK;
    return rc;
}

/* ---- the budget ---- */

/* Step 3: the PDBs whose selector (non-empty) matches the pod; *n of them, ev->pdb the
 * first. */
static int find_pdbs(evict *ev, int *n, daas_err *err)
{
    const daas_kube_kind *pk = daas_kube_kind_by_resource("policy", "v1", "poddisruptionbudgets");
    char *prefix = daas_api__prefix(pk, ev->r->route.ns);
    daas_kv_list l = {0};
    int rc = daas_store_list(ev->r->api->store, prefix, NULL, 0, &l, err);
    *n = 0;
    for (size_t i = 0; rc == DAAS_OK && i < l.n; i++) {
        json_t *pdb = daas_api__parse_kv(&l.items[i]);
        if (daas_ctrl_disruption_guards(pdb, ev->pod) && (*n)++ == 0)
            ev->pdb = json_incref(pdb);
        json_decref(pdb);
    }
    daas_kv_list_fini(&l);
    daas_free(prefix);
    return rc;
}

/* Step 4: an unready pod that need not use up the budget. */
static bool unready_free(const evict *ev)
{
    if (daas_ctrl_pod_ready(ev->pod, NULL))
        return false;
    const char *p = daas_kube_str(ev->pdb, "spec.unhealthyPodEvictionPolicy");
    if (p != NULL && strcmp(p, "AlwaysAllow") == 0)
        return true;
    int64_t cur = daas_kube_int(ev->pdb, "status.currentHealthy", 0);
    int64_t want = daas_kube_int(ev->pdb, "status.desiredHealthy", 0);
    return cur >= want && want > 0;
}

/* One checkAndDecrement on pdb (stored at key, revision mod_rev). Returns DAAS_OK, ECONFLICT
 * (retry), or DAAS_EDENIED after having answered itself (*answered). */
static int check_and_decrement(evict *ev, json_t *pdb, const char *key, int64_t mod_rev,
                               bool *answered, daas_err *err)
{
    daas_api__req *r = ev->r;
    const char *name = daas_kube_str(pdb, "metadata.name") ?: "";
    json_t *st = daas_kube_mkpath(pdb, "status");
    int64_t allowed = daas_kube_int(st, "disruptionsAllowed", 0);
    *answered = true;
    if (daas_kube_int(st, "observedGeneration", 0) < daas_kube_int(pdb, "metadata.generation", 0)) {
        respond_busy(r, name);
        return DAAS_EDENIED;
    }
    if (allowed < 0 || json_object_size(json_object_get(st, "disruptedPods")) > MAX_DISRUPTED) {
        char m[400];
        snprintf(m, sizeof m, "poddisruptionbudgets.policy \"%s\" is forbidden: %s", name,
                 allowed < 0 ? "pdb disruptions allowed is negative"
                             : "DisruptedPods map too big - too many evictions not confirmed by "
                               "PDB controller");
        daas_api__respond_msg(r, DAAS_EDENIED, m);
        return DAAS_EDENIED;
    }
    if (allowed == 0) {
        char m[400];
        snprintf(m, sizeof m,
                 "The disruption budget %s needs %lld healthy pods and has %lld currently", name,
                 (long long)daas_kube_int(st, "desiredHealthy", 0),
                 (long long)daas_kube_int(st, "currentHealthy", 0));
        respond_429(r, m, 0);
        return DAAS_EDENIED;
    }
    *answered = false;
    int64_t now = daas_now_ms() / 1000;
    json_object_set_new(st, "disruptionsAllowed", json_integer(allowed - 1));
    if (allowed - 1 == 0)
        daas_ctrl_disruption_set_condition(st, now);
    if (ev->dry)
        return DAAS_OK;
    char ts[32];
    daas_time_rfc3339(now, ts, sizeof ts);
    daas_kube_mkpath(st, "disruptedPods");
    json_object_set_new(json_object_get(st, "disruptedPods"), r->route.name, json_string(ts));
    char *s = daas_api__dump_stored(pdb);
    int64_t rev = 0;
    int rc = s ? daas_store_update(r->api->store, key, DAAS_BYTES(s, strlen(s)), mod_rev, &rev, err)
               : daas_fail(err, DAAS_ETOOBIG, "the PodDisruptionBudget cannot be serialized");
    daas_free(s);
    return rc;
}

/* Step 5 with its retries (a fresh PDB each time). */
static int decrement(evict *ev, bool *answered, daas_err *err)
{
    const daas_kube_kind *pk = daas_kube_kind_by_resource("policy", "v1", "poddisruptionbudgets");
    const char *name = daas_kube_str(ev->pdb, "metadata.name") ?: "";
    char *key = daas_api__key(pk, ev->r->route.ns, name);
    int rc = DAAS_ECONFLICT;
    for (int i = 0; rc == DAAS_ECONFLICT && i < EVICT_TRIES; i++) {
        daas_kv kv = {0};
        json_t *pdb = NULL;
        daas_err_clear(err);
        rc = daas_api__load(ev->r->api, key, &kv, &pdb, err);
        if (rc == DAAS_ENOTFOUND) { /* deleted since it was listed */
            daas_err_clear(err);
            rc = daas_fail(err, DAAS_ENOTFOUND, "poddisruptionbudgets.policy \"%s\" not found",
                           name);
        }
        if (rc == DAAS_OK)
            rc = check_and_decrement(ev, pdb, key, kv.mod_rev, answered, err);
        json_decref(pdb);
        daas_kv_fini(&kv);
    }
    if (rc == DAAS_ECONFLICT) {
        daas_err_clear(err);
        rc = daas_fail(err, DAAS_ETIMEOUT,
                       "couldn't update PodDisruptionBudget \"%s\" due to conflicts", name);
    }
    daas_free(key);
    return rc;
}

/* Steps 3-6 for a running pod. */
static void evict_running(evict *ev)
{
    daas_api__req *r = ev->r;
    daas_err e = {0};
    bool answered = false;
    int n = 0;
    int rc = find_pdbs(ev, &n, &e);
    if (rc == DAAS_OK && n > 1) {
        respond_status(r, 500, "Failure", NULL,
                       "This pod has more than one PodDisruptionBudget, which the eviction "
                       "subresource does not support.",
                       NULL);
        return;
    }
    if (rc == DAAS_OK && n == 1) {
        ev->rv_delete = unready_free(ev);
        if (!ev->rv_delete)
            rc = decrement(ev, &answered, &e);
    }
    if (answered)
        return;
    bool pod_gone = false;
    if (rc == DAAS_OK) {
        for (int i = 0; i < 8; i++) { /* a lost race with another write: again */
            daas_err_clear(&e);
            rc = delete_pod(ev, ev->rv_delete, &e);
            if (rc != DAAS_ECONFLICT || ev->rv_delete || ev->user_rv)
                break;
        }
        pod_gone = rc == DAAS_ENOTFOUND;
    }
    if (rc == DAAS_ECONFLICT && ev->rv_delete && !ev->user_rv) {
        respond_busy(r, daas_kube_str(ev->pdb, "metadata.name") ?: "");
        return;
    }
    if (pod_gone)
        daas_api__fail_notfound(r, r->route.name, &e);
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    else
        respond_status(r, 201, "Success", NULL, NULL, NULL);
}

void daas_api__evict(daas_api__req *r)
{
    evict ev = {.r = r};
    daas_err e = {0};
    bool done = false;
    r->verb = DAAS_API_VERB_CREATE;
    ev.pod_key = daas_api__key(r->route.kind, r->route.ns, r->route.name);
    int rc = parse(&ev, &e);
    if (rc == DAAS_OK)
        rc = try_ignore_pdb(&ev, &done, &e);
    if (rc == DAAS_ENOTFOUND)
        daas_api__fail_notfound(r, r->route.name, &e);
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    else if (done)
        respond_status(r, 201, "Success", NULL, NULL, NULL);
    else
        evict_running(&ev);
    json_decref(ev.pdb);
    json_decref(ev.pod);
    json_decref(ev.opts);
    daas_free(ev.pod_key);
}
