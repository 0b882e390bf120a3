/*
 * pods.c: the agent's pod loop (see pods.h): the list and the watch of the pods bound to
 *         this node, the pod table, proof checks, status writes and the end of a pod
 *         (graceful termination, the agent's final DELETE, cleanup).
 *
 * Owns:   the pod table, the watch thread and its queue.
 * Model:  the watch thread lists (GET ...?fieldSelector=spec.nodeName=<node>), hands the
 *         list to the loop as one LIST entry, then watches from the list's resourceVersion,
 *         handing each event over as it arrives; it relists on 410 Gone and after a cut
 *         stream. The loop thread acts on each entry at once (a new pod starts without
 *         waiting for a tick), and every second follows all containers and writes the
 *         statuses that changed.
 * Invariants: a refused pod never reaches runc; one pod's failure never stops the loop; a
 *         status is PUT only when it changed (retried on the next pass when the PUT failed);
 *         a pod with a deletionTimestamp is DELETEd (grace 0, uid precondition) only after
 *         all its containers stopped.
 */
#include "agent/pods.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/pods_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "sched/admission.h"

#define MOD "pods"
#define KEYS_REFRESH_MS 10000
#define SYNC_MS 1000
#define WATCH_MAX_MS 300000
#define RETRY_MS 1000

static int64_t mono_ms(void)
{
    return daas_mono_ns() / 1000000;
}

int daas_agent_pods_new(const daas_agent_pods_opts *o, daas_agent_pods **out, daas_err *err)
{
    daas_agent_pods *p = daas_xcalloc(1, sizeof *p);
    p->o = *o;
    char *dir = o->image_store != NULL ? daas_xstrdup(o->image_store)
                                       : daas_xasprintf("%s/images", o->data_dir);
    int rc = daas_image_store_open(dir, &p->store, err);
    daas_free(dir);
    if (rc != DAAS_OK) {
        daas_free(p);
        return rc;
    }
    daas_cond_init_mono(&p->cv);
    pthread_mutex_init(&p->mu, NULL);
    p->queue = json_array();
    *out = p;
    return DAAS_OK;
}

void daas_agent_pods_free(daas_agent_pods **pp)
{
    daas_agent_pods *p = *pp;
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        daas_agent_pods_pod_fini(&p->pods[i]);
    daas_free(p->pods);
    daas_free(p->chain_keys);
    daas_image_store_close(&p->store);
    json_decref(p->queue);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    daas_free(p);
    *pp = NULL;
}

/* The trusted keys: the fixed ones plus the chain's (re-read at most every 10 s). Both
 * proofs must hold, with the same keys: the placement (schedule proof) and the admission
 * (the enclave's AccessDecision for this very spec); *reason is the Event reason of the
 * first that fails. */
static int check_proof(daas_agent_pods *p, const daas_agent_pods_pod *pod, const char **reason,
                       daas_err *err)
{
    if (p->o.keys_fn != NULL && daas_now_ms() - p->keys_at_ms >= KEYS_REFRESH_MS) {
        daas_sched_trusted_key *k = NULL;
        size_t n = 0;
        daas_err e = {0};
        if (p->o.keys_fn(p->o.keys_ctx, &k, &n, &e) == DAAS_OK) {
            daas_free(p->chain_keys);
            p->chain_keys = k;
            p->n_chain_keys = n;
            p->keys_at_ms = daas_now_ms();
        } else {
            daas_free(k);
            DAAS_WARN(MOD, "reading enclave keys from the chain: %s", e.msg);
        }
    }
    size_t n = p->o.n_keys + p->n_chain_keys;
    daas_sched_trusted_key *all = daas_xcalloc(n > 0 ? n : 1, sizeof *all);
    if (p->o.n_keys > 0)
        memcpy(all, p->o.keys, p->o.n_keys * sizeof *all);
    if (p->n_chain_keys > 0)
        memcpy(all + p->o.n_keys, p->chain_keys, p->n_chain_keys * sizeof *all);
    *reason = "FailedScheduleProof";
    int rc = daas_sched_proof_check(pod->obj, p->o.node_name, all, n, err);
    if (rc == DAAS_OK) {
        *reason = "FailedAdmissionProof";
        rc = daas_sched_admission_check(pod->obj, all, n, err);
    }
    daas_free(all);
    return rc;
}

/* PUTs the status when it changed since the last successful PUT. */
static void write_status(daas_agent_pods *p, daas_agent_pods_pod *pod)
{
    if (pod->refused)
        return;
    json_t *st = daas_agent_pods_status_json(pod, p->o.host_ip);
    char *txt = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
    if (txt != NULL && (pod->last_status == NULL || strcmp(txt, pod->last_status) != 0)) {
        json_t *body = json_deep_copy(pod->obj);
        json_object_del(json_object_get(body, "metadata"), "resourceVersion");
        json_object_set(body, "status", st);
        char *path = daas_xasprintf("/api/v1/namespaces/%s/pods/%s/status", pod->ns, pod->name);
        daas_err e = {0};
        if (daas_agent_kc_call(p->o.kc, "PUT", path, body, NULL, NULL, &e) == DAAS_OK) {
            daas_free(pod->last_status);
            pod->last_status = txt;
            txt = NULL;
        } else {
            DAAS_WARN(MOD, "status of pod %s/%s: %s", pod->ns, pod->name, e.msg);
        }
        daas_free(path);
        json_decref(body);
    }
    free(txt); /* jansson's allocation */
    json_decref(st);
}

/* The agent's part of a graceful deletion: the pod's containers stopped, it is removed
 * for good (grace 0), only if it is still the same pod (uid). */
static int delete_pod(daas_agent_pods *p, const daas_agent_pods_pod *pod, daas_err *err)
{
    json_t *body = json_pack("{s:s,s:s,s:i,s:{s:s}}", "kind", "DeleteOptions", "apiVersion", "v1",
                             "gracePeriodSeconds", 0, "preconditions", "uid", pod->uid);
    char *path = daas_xasprintf("/api/v1/namespaces/%s/pods/%s", pod->ns, pod->name);
    int rc = daas_agent_kc_call(p->o.kc, "DELETE", path, body, NULL, NULL, err);
    /* Gone, or another pod by now; the node tier is also refused a pod that no longer
     * exists (its binding cannot be checked), e.g. when the server ended the deletion on
     * seeing the final status: nothing is left for the agent to do. */
    if (rc == DAAS_ENOTFOUND || rc == DAAS_ECONFLICT || rc == DAAS_EDENIED) {
        if (rc == DAAS_EDENIED)
            DAAS_INFO(MOD,
                      "pod %s/%s: the final delete was refused (%s); leaving it to "
                      "the server",
                      pod->ns, pod->name, err->msg);
        daas_err_clear(err);
        rc = DAAS_OK;
    }
    daas_free(path);
    json_decref(body);
    return rc;
}

static daas_agent_pods_pod *find_pod(daas_agent_pods *p, const char *uid)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->pods[i].uid, uid) == 0)
            return &p->pods[i];
    return NULL;
}

static const char *uid_of(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "uid"));
}

/* The grace a deletion asks for (metadata.deletionGracePeriodSeconds), or -1. */
static int deletion_grace(const json_t *obj)
{
    const json_t *md = json_object_get(obj, "metadata");
    const json_t *g = json_object_get(md, "deletionGracePeriodSeconds");
    if (json_object_get(md, "deletionTimestamp") == NULL)
        return -1;
    return json_is_integer(g) && json_integer_value(g) >= 0
               ? (int)(json_integer_value(g) > 86400 ? 86400 : json_integer_value(g))
               : DAAS_AGENT_PODS_GRACE_DEFAULT;
}

/* A pod seen for the first time: the proof, adoption of its runs (ids, after an agent
 * restart), then its other containers, unless it is already being deleted. */
static daas_agent_pods_pod *accept_pod(daas_agent_pods *p, json_t *obj, char *const *ids)
{
    daas_err e = {0};
    daas_agent_pods_pod pod = {0};
    if (daas_agent_pods_pod_init(&pod, obj, p->o.max_grace_s, &e) != DAAS_OK) {
        DAAS_WARN(MOD, "skipping a pod: %s", e.msg);
        daas_agent_pods_pod_fini(&pod);
        return NULL;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->pods = daas_xrealloc(p->pods, p->cap * sizeof *p->pods);
    }
    daas_agent_pods_pod *pp = &p->pods[p->n++];
    *pp = pod;
    const char *reason = NULL;
    if (check_proof(p, pp, &reason, &e) != DAAS_OK) {
        pp->refused = true;
        DAAS_WARN(MOD, "pod %s/%s refused: %s", pp->ns, pp->name, e.msg);
        daas_agent_pods__event(p, pp, "Warning", reason, "%s", e.msg);
        return pp;
    }
    daas_agent_pods__adopt(p, pp, ids);
    if (deletion_grace(obj) >= 0)
        return pp;
    for (size_t i = 0; i < pp->n_ctrs; i++)
        if (!pp->ctrs[i].created)
            daas_agent_pods__start_ctr(p, pp, i);
    return pp;
}

/* An ADDED or MODIFIED pod (or one of a list). */
static daas_agent_pods_pod *upsert(daas_agent_pods *p, json_t *obj, char *const *ids)
{
    const char *uid = uid_of(obj);
    if (uid == NULL)
        return NULL;
    daas_agent_pods_pod *pod = find_pod(p, uid);
    if (pod == NULL) {
        pod = accept_pod(p, obj, ids);
    } else {
        json_decref(pod->obj);
        pod->obj = json_incref(obj);
    }
    int g = pod != NULL ? deletion_grace(obj) : -1;
    if (g >= 0)
        daas_agent_pods__terminate(p, pod, g);
    return pod;
}

/* A pod gone from the API (force deletion, or removed while the agent was away). */
static void gone(daas_agent_pods *p, daas_agent_pods_pod *pod, const json_t *obj)
{
    pod->deleted = true;
    int g = obj != NULL ? deletion_grace(obj) : -1;
    daas_agent_pods__terminate(p, pod, g >= 0 ? g : pod->grace_s);
}

/* Runtime containers of no pod in the table: stopped and deleted with their logs. */
static void remove_orphans(daas_agent_pods *p, char *const *ids)
{
    for (size_t k = 0; ids != NULL && ids[k] != NULL; k++) {
        bool ours = false;
        for (size_t i = 0; i < p->n && !ours; i++)
            ours = strncmp(ids[k], p->pods[i].uid, 8) == 0 && ids[k][8] == '-';
        if (ours)
            continue;
        daas_err e = {0};
        DAAS_INFO(MOD, "container %s belongs to no pod of this node: removing it", ids[k]);
        if (daas_rt_stop(p->o.rt, ids[k], 0, NULL, &e) != DAAS_OK ||
            daas_rt_delete(p->o.rt, ids[k], false, &e) != DAAS_OK)
            DAAS_WARN(MOD, "removing container %s: %s", ids[k], e.msg);
    }
}

static bool in_items(const json_t *items, const char *uid)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *u = uid_of(it);
        if (u != NULL && strcmp(u, uid) == 0)
            return true;
    }
    return false;
}

/* A full list: pods missing from it are gone, the others upserted (adopting runs found in
 * the runtime), then orphans removed. */
static void sync_list(daas_agent_pods *p, const json_t *items)
{
    char **ids = NULL;
    size_t n_ids = 0;
    daas_err e = {0};
    if (daas_rt_list(p->o.rt, &ids, &n_ids, &e) != DAAS_OK)
        DAAS_WARN(MOD, "listing containers: %s", e.msg);
    for (size_t k = 0; k < p->n; k++)
        if (!p->pods[k].deleted && !in_items(items, p->pods[k].uid))
            gone(p, &p->pods[k], NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        daas_agent_pods_pod *pod = upsert(p, it, ids);
        if (pod != NULL)
            write_status(p, pod);
    }
    if (ids != NULL)
        remove_orphans(p, ids);
    daas_rt_strv_free(&ids);
}

static bool is_terminal(const daas_agent_pods_pod *pod)
{
    const char *ph = daas_agent_pods_phase(pod);
    return strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0;
}

/* Follows every pod; finished terminations end with the final status, the DELETE and the
 * cleanup. */
static void sync_all(daas_agent_pods *p)
{
    for (size_t k = p->n; k-- > 0;) {
        daas_agent_pods_pod *pod = &p->pods[k];
        bool done = daas_agent_pods__sync_pod(p, pod);
        if (!pod->deleted)
            write_status(p, pod);
        if (!pod->volumes_down && is_terminal(pod)) {
            /* as the kubelet: a pod that will not run again gives its volumes back (a
             * secret's tmpfs goes away at once) */
            daas_agent_pods__res_teardown(p, pod);
            pod->volumes_down = true;
        }
        if (!done)
            continue;
        daas_err e = {0};
        if (!pod->deleted && delete_pod(p, pod, &e) != DAAS_OK) {
            DAAS_WARN(MOD, "deleting pod %s/%s (retrying): %s", pod->ns, pod->name, e.msg);
            continue;
        }
        daas_agent_pods__cleanup(p, pod);
        daas_agent_pods_pod_fini(pod);
        p->pods[k] = p->pods[--p->n];
    }
}

/* One entry from the watch thread. */
static void handle(daas_agent_pods *p, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *obj = json_object_get(ev, "object");
    if (type == NULL)
        return;
    if (strcmp(type, "LIST") == 0) {
        sync_list(p, json_object_get(ev, "items"));
    } else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
        daas_agent_pods_pod *pod = upsert(p, obj, NULL);
        if (pod != NULL)
            write_status(p, pod);
    } else if (strcmp(type, "DELETED") == 0) {
        daas_agent_pods_pod *pod = uid_of(obj) != NULL ? find_pod(p, uid_of(obj)) : NULL;
        if (pod != NULL)
            gone(p, pod, obj);
    }
}

static char *list_path(const daas_agent_pods *p)
{
    return daas_xasprintf("/api/v1/pods?fieldSelector=spec.nodeName%%3D%s", p->o.node_name);
}

int daas_agent_pods_tick(daas_agent_pods *p, daas_err *err)
{
    json_t *list = NULL;
    char *path = list_path(p);
    int rc = daas_agent_kc_call(p->o.kc, "GET", path, NULL, NULL, &list, err);
    daas_free(path);
    if (rc != DAAS_OK)
        return rc;
    sync_list(p, json_object_get(list, "items"));
    sync_all(p);
    json_decref(list);
    return DAAS_OK;
}

/* ---- the watch thread ---- */

static void push(daas_agent_pods *p, json_t *entry)
{
    pthread_mutex_lock(&p->mu);
    json_array_append_new(p->queue, entry);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

typedef struct watch_state {
    daas_agent_pods *p;
    char *rv; /* the resourceVersion to resume from; NULL: list first */
} watch_state;

static void set_rv(watch_state *w, const json_t *obj)
{
    const char *rv =
        json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
    if (rv != NULL) {
        daas_free(w->rv);
        w->rv = daas_xstrdup(rv);
    }
}

static int on_event(void *ctx, json_t *ev)
{
    watch_state *w = ctx;
    const char *type = json_string_value(json_object_get(ev, "type"));
    set_rv(w, json_object_get(ev, "object"));
    if (strcmp(type, "BOOKMARK") != 0)
        push(w->p, json_incref(ev));
    return DAAS_OK;
}

static void nap_unless(const atomic_bool *stop, int ms)
{
    for (int i = 0; i < ms / 50 && !atomic_load(stop); i++) {
        struct timespec ts = {0, 50000000L};
        nanosleep(&ts, NULL);
    }
}

static int relist(watch_state *w, daas_err *err)
{
    json_t *list = NULL;
    char *path = list_path(w->p);
    int rc = daas_agent_kc_call(w->p->wkc, "GET", path, NULL, NULL, &list, err);
    daas_free(path);
    if (rc != DAAS_OK)
        return rc;
    set_rv(w, list);
    json_t *items = json_object_get(list, "items");
    push(w->p, json_pack("{s:s,s:O}", "type", "LIST", "items",
                         json_is_array(items) ? items : json_array()));
    json_decref(list);
    return DAAS_OK;
}

static void *watch_main(void *arg)
{
    watch_state w = {.p = arg};
    daas_agent_pods *p = w.p;
    bool warned = false;
    while (!atomic_load(&p->wstop)) {
        daas_err e = {0};
        int rc = w.rv == NULL ? relist(&w, &e) : DAAS_OK;
        if (rc == DAAS_OK) {
            char *path = daas_xasprintf("/api/v1/pods?fieldSelector=spec.nodeName%%3D%s&watch="
                                        "true&allowWatchBookmarks=true&resourceVersion=%s",
                                        p->o.node_name, w.rv);
            rc = daas_agent_kc_watch(p->wkc, path, on_event, &w, &p->wstop, WATCH_MAX_MS, &e);
            daas_free(path);
        }
        if (rc == DAAS_OK || rc == DAAS_ECLOSED) {
            warned = false;
            continue; /* the server ended the stream: resume from w.rv */
        }
        if (!warned || rc == DAAS_EGONE)
            DAAS_WARN(MOD, "pod watch: %s (relisting)", e.msg);
        warned = rc != DAAS_EGONE;
        daas_free(w.rv);
        w.rv = NULL;
        if (rc != DAAS_EGONE)
            nap_unless(&p->wstop, RETRY_MS);
    }
    daas_free(w.rv);
    return NULL;
}

/* Waits up to ms for entries; takes them all (new reference). */
static json_t *take(daas_agent_pods *p, int ms)
{
    struct timespec dl = daas_deadline_ms(ms);
    pthread_mutex_lock(&p->mu);
    while (json_array_size(p->queue) == 0 &&
           pthread_cond_timedwait(&p->cv, &p->mu, &dl) != ETIMEDOUT) {
    }
    json_t *q = p->queue;
    p->queue = json_array();
    pthread_mutex_unlock(&p->mu);
    return q;
}

int daas_agent_pods_run(daas_agent_pods *p, const atomic_bool *stop, daas_err *err)
{
    int rc = daas_agent_kc_clone(p->o.kc, &p->wkc, err);
    if (rc != DAAS_OK)
        return rc;
    atomic_store(&p->wstop, false);
    if (pthread_create(&p->wthread, NULL, watch_main, p) != 0) {
        daas_agent_kc_free(&p->wkc);
        return daas_fail(err, DAAS_EINTERNAL, "cannot start the pod watch thread");
    }
    int64_t next_sync = mono_ms() + SYNC_MS;
    while (!atomic_load(stop)) {
        int64_t left = next_sync - mono_ms();
        json_t *q = take(p, left < 0 ? 0 : left > 200 ? 200 : (int)left);
        size_t i;
        json_t *ev;
        json_array_foreach(q, i, ev)
        {
            handle(p, ev);
        }
        json_decref(q);
        if (mono_ms() >= next_sync) {
            sync_all(p);
            next_sync = mono_ms() + SYNC_MS;
        }
    }
    atomic_store(&p->wstop, true);
    pthread_join(p->wthread, NULL);
    daas_agent_kc_free(&p->wkc);
    return DAAS_OK;
}
