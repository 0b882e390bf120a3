/*
 * apply.c: parallel creates and deletes, events and read-your-writes waits for the
 *          controllers' syncs (apply.h).
 *
 * Owns:   short-lived worker threads of one call (joined before it returns) and the result.
 * Invariants: res is written only under the call's mutex; objects are read-only while the
 *             threads run.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "ctrl/apply.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct job {
    daas_ctrl_client *c;
    const daas_kube_kind *k;
    const char *ns;
    const json_t *items;
    const char *propagation;
    bool create;
    size_t end;
    atomic_size_t next;
    pthread_mutex_t mu;
    daas_ctrl_apply_res *res;
} job;

int64_t daas_ctrl_rv(const json_t *obj)
{
    const char *rv = daas_kube_str(obj, "metadata.resourceVersion");
    return rv ? strtoll(rv, NULL, 10) : 0;
}

void daas_ctrl_apply_note_rv(daas_ctrl_apply_res *res, const json_t *reply)
{
    int64_t rv = daas_ctrl_rv(reply);
    if (rv > res->max_rv)
        res->max_rv = rv;
}

static int delete_one(job *j, const json_t *it, json_t **out, daas_err *e)
{
    const char *name = json_is_string(it) ? json_string_value(it) : daas_kube_str(it, "name");
    const char *uid = json_is_object(it) ? daas_kube_str(it, "uid") : NULL;
    const char *ns = json_is_object(it) && daas_kube_str(it, "namespace")
                         ? daas_kube_str(it, "namespace")
                         : j->ns;
    if (name == NULL)
        return daas_fail(e, DAAS_EINVAL, "delete without a name");
    json_t *opts = json_pack("{s:s,s:s}", "apiVersion", "v1", "kind", "DeleteOptions");
    if (uid)
        json_object_set_new(opts, "preconditions", json_pack("{s:s}", "uid", uid));
    if (j->propagation)
        json_object_set_new(opts, "propagationPolicy", json_string(j->propagation));
    int rc = daas_ctrl_client_delete(j->c, j->k, ns, name, opts, out, e);
    json_decref(opts);
    if (rc == DAAS_ENOTFOUND) /* already gone: what was wanted */
        rc = DAAS_OK;
    return rc;
}

static void *run(void *arg)
{
    job *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->end)
            break;
        const json_t *it = json_array_get(j->items, i);
        json_t *out = NULL;
        daas_err e = {0};
        int rc = j->create ? daas_ctrl_client_create(j->c, j->k, j->ns, it, &out, &e)
                           : delete_one(j, it, &out, &e);
        pthread_mutex_lock(&j->mu);
        if (rc == DAAS_OK) {
            j->res->done++;
            daas_ctrl_apply_note_rv(j->res, out);
            const char *name = daas_kube_str(out, "metadata.name");
            if (j->create && name)
                json_array_append_new(j->res->names, json_string(name));
        } else {
            j->res->failed++;
            if (j->res->first.code == 0)
                j->res->first = e;
        }
        pthread_mutex_unlock(&j->mu);
        json_decref(out);
    }
    return NULL;
}

/* Runs items [from, to) on up to DAAS_CTRL_APPLY_THREADS threads (the caller is one). */
static void run_range(job *j, size_t from, size_t to)
{
    pthread_t th[DAAS_CTRL_APPLY_THREADS];
    size_t n = to - from, nth = 0;
    atomic_store(&j->next, from);
    j->end = to;
    for (; nth + 1 < n && nth + 1 < DAAS_CTRL_APPLY_THREADS; nth++)
        if (pthread_create(&th[nth], NULL, run, j) != 0)
            break;
    run(j);
    for (size_t i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
}

static void start(job *j, daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                  const json_t *items, daas_ctrl_apply_res *res)
{
    memset(res, 0, sizeof *res);
    res->names = json_array();
    *j = (job){.c = c, .k = k, .ns = ns, .items = items, .res = res};
    pthread_mutex_init(&j->mu, NULL);
}

void daas_ctrl_apply_create(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                            const json_t *objs, daas_ctrl_apply_res *res)
{
    job j;
    start(&j, c, k, ns, objs, res);
    j.create = true;
    size_t n = json_array_size(objs), at = 0;
    for (size_t batch = 1; at < n; batch *= 2) {
        size_t to = at + batch < n ? at + batch : n;
        run_range(&j, at, to);
        at = to;
        if (res->failed)
            break;
    }
    res->skipped = (int)(n - at);
    pthread_mutex_destroy(&j.mu);
}

void daas_ctrl_apply_delete(daas_ctrl_client *c, const daas_kube_kind *k, const char *ns,
                            const json_t *items, const char *propagation,
                            daas_ctrl_apply_res *res)
{
    job j;
    start(&j, c, k, ns, items, res);
    j.propagation = propagation;
    if (json_array_size(items))
        run_range(&j, 0, json_array_size(items));
    pthread_mutex_destroy(&j.mu);
}

void daas_ctrl_apply_res_fini(daas_ctrl_apply_res *res)
{
    json_decref(res->names);
    res->names = NULL;
}

int daas_ctrl_apply_status(daas_ctrl_client *c, const daas_kube_kind *k, const json_t *obj,
                           const json_t *status, daas_ctrl_apply_res *res, daas_err *err)
{
    json_t *body = json_deep_copy(obj), *out = NULL;
    json_object_set(body, "status", (json_t *)status);
    int rc = daas_ctrl_client_update(c, k, body, "status", &out, err);
    if (rc == DAAS_OK && res)
        daas_ctrl_apply_note_rv(res, out);
    json_decref(out);
    json_decref(body);
    return rc;
}

int daas_ctrl_apply_ownerref(daas_ctrl_client *c, const daas_kube_kind *k, const json_t *obj,
                             const json_t *ref, const char *drop_uid, daas_ctrl_apply_res *res,
                             daas_err *err)
{
    json_t *item = ref ? json_deep_copy(ref)
                       : json_pack("{s:s,s:s}", "$patch", "delete", "uid", drop_uid ? drop_uid : "");
    const char *rv = daas_kube_str(obj, "metadata.resourceVersion");
    json_t *patch = json_pack("{s:{s:[o]}}", "metadata", "ownerReferences", item), *out = NULL;
    if (rv)
        daas_kube_set_str(patch, "metadata.resourceVersion", rv);
    int rc = daas_ctrl_client_patch(c, k, daas_kube_str(obj, "metadata.namespace"),
                                    daas_kube_str(obj, "metadata.name"), NULL,
                                    DAAS_CTRL_PATCH_STRATEGIC, patch, &out, err);
    if (rc == DAAS_OK && res)
        daas_ctrl_apply_note_rv(res, out);
    json_decref(out);
    json_decref(patch);
    return rc;
}

/* Appends {type, reason, "<fmt with arg>"} to events. */
static void add_event(json_t *events, const char *type, const char *reason, const char *fmt,
                      const char *arg)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, arg);
    json_array_append_new(events, json_pack("{s:s,s:s,s:s}", "type", type, "reason", reason,
                                            "message", msg));
}

/* Per-pod events for the items of one batch (names, or objects with a name). */
static void pod_events(json_t *events, const json_t *items, const char *reason, const char *fmt)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it) {
        if (i >= DAAS_CTRL_APPLY_EVENT_CAP)
            break;
        const char *name = json_is_string(it) ? json_string_value(it) : daas_kube_str(it, "name");
        add_event(events, "Normal", reason, fmt, name ? name : "?");
    }
}

int daas_ctrl_apply_pods(daas_ctrl_run *run, const json_t *owner, const json_t *create,
                         const json_t *del, daas_err *err)
{
    daas_ctrl_client *c = daas_ctrl_run_client(run);
    const daas_kube_kind *k = daas_ctrl_kind("pods");
    const char *ns = daas_kube_str(owner, "metadata.namespace");
    daas_ctrl_apply_res dr = {0}, cr = {0};
    json_t *events = json_array();
    if (json_array_size(del)) {
        daas_ctrl_apply_delete(c, k, ns, del, NULL, &dr);
        if (dr.failed)
            add_event(events, "Warning", "FailedDelete", "Error deleting: %s", dr.first.msg);
        else
            pod_events(events, del, "SuccessfulDelete", "Deleted pod: %s");
    }
    if (dr.failed == 0 && json_array_size(create)) {
        daas_ctrl_apply_create(c, k, ns, create, &cr);
        pod_events(events, cr.names, "SuccessfulCreate", "Created pod: %s");
        if (cr.failed)
            add_event(events, "Warning", "FailedCreate", "Error creating: %s", cr.first.msg);
    }
    daas_ctrl_apply_events(c, owner, events);
    daas_ctrl_apply_wait(daas_ctrl_run_informer(run, "pods"),
                         dr.max_rv > cr.max_rv ? dr.max_rv : cr.max_rv);
    const daas_ctrl_apply_res *bad = dr.failed ? &dr : cr.failed ? &cr : NULL;
    int rc = bad ? daas_fail(err, bad->first.code, "%s", bad->first.msg) : DAAS_OK;
    json_decref(events);
    daas_ctrl_apply_res_fini(&dr);
    daas_ctrl_apply_res_fini(&cr);
    return rc;
}

void daas_ctrl_apply_events(daas_ctrl_client *c, const json_t *obj, const json_t *events)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
        daas_err e = {0};
        const char *type = daas_kube_str(ev, "type"), *reason = daas_kube_str(ev, "reason");
        const char *msg = daas_kube_str(ev, "message");
        if (daas_ctrl_client_event(c, obj, type ? type : "Normal", reason ? reason : "Unknown",
                                   &e, "%s", msg ? msg : "") != DAAS_OK)
            DAAS_WARN("ctrl", "event %s on %s: %s", reason ? reason : "?",
                      daas_kube_str(obj, "metadata.name"), e.msg);
    }
}

void daas_ctrl_apply_wait(daas_ctrl_informer *inf, int64_t rv)
{
    if (inf && rv > 0 && !daas_ctrl_informer_wait_rev(inf, rv, 10000))
        DAAS_WARN("ctrl", "the %s cache did not reach revision %lld in 10 s",
                  daas_ctrl_informer_kind(inf)->resource, (long long)rv);
}
