/*
 * nsctl.c: the namespace lifecycle controller, the propagation-policy finalizers, and the
 * objects every cluster starts with (system namespaces, the kubernetes Service).
 *
 * Owns:   one background thread that watches the whole store, finishes terminating
 *         namespaces (deletes their contents, then the "kubernetes" finalizer, then the
 *         namespace) and handles the "orphan" and "foregroundDeletion" finalizers.
 * Invariants:
 *   - it only ever deletes through daas_api__delete_key, so finalizers are honoured;
 *   - a terminating namespace is re-examined on every pass until it is gone.
 * Spec:   specs/kube-api.md §6.3.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"

static const daas_kube_kind *kind_of(const char *resource)
{
    return daas_kube_kind_by_resource(strcmp(resource, "deployments") == 0 ||
                                              strcmp(resource, "replicasets") == 0
                                          ? "apps"
                                      : strcmp(resource, "leases") == 0 ? "coordination.k8s.io"
                                                                        : "",
                                      "v1", resource);
}

/* Writes obj (no resourceVersion) over kv with compare-and-swap. */
static int store_put(daas_api *api, const daas_kv *kv, json_t *obj, daas_err *err)
{
    char *s = daas_api__dump_stored(obj);
    int rc = s ? daas_store_update(api->store, kv->key, DAAS_BYTES(s, strlen(s)), kv->mod_rev,
                                   NULL, err)
               : daas_fail(err, DAAS_ETOOBIG, "%s cannot be serialized", kv->key);
    daas_free(s);
    return rc;
}

/* Removes finalizer f from metadata.finalizers (or spec.finalizers when spec is true);
 * deletes the object when nothing holds it any more. */
static int drop_finalizer(daas_api *api, const daas_kv *kv, json_t *obj, const char *path,
                          const char *f, daas_err *err)
{
    json_t *fs = daas_kube_path(obj, path);
    char *name = daas_xstrdup(f); /* f may be an element of fs: removing it frees it */
    for (size_t i = json_array_size(fs); i-- > 0;)
        if (strcmp(json_string_value(json_array_get(fs, i)) ?: "", name) == 0)
            json_array_remove(fs, i);
    daas_free(name);
    bool held = json_array_size(daas_kube_path(obj, "metadata.finalizers")) > 0 ||
                json_array_size(daas_kube_path(obj, "spec.finalizers")) > 0;
    if (!held)
        return daas_store_delete(api->store, kv->key, kv->mod_rev, NULL, NULL, err);
    return store_put(api, kv, obj, err);
}

/* Called for each stored object of a listing (a snapshot: the visitor may write). */
typedef void (*kv_visit)(daas_api *api, const daas_kube_kind *k, const daas_kv *kv, void *arg);

static void each_kv(daas_api *api, const daas_kube_kind *k, const char *prefix, kv_visit fn,
                    void *arg)
{
    daas_kv_list l = {0};
    daas_err e = {0};
    if (daas_store_list(api->store, prefix, NULL, 0, &l, &e) == DAAS_OK)
        for (size_t i = 0; i < l.n; i++)
            fn(api, k, &l.items[i], arg);
    daas_kv_list_fini(&l);
}

/* Visits every object of every kind in namespace ns (cluster-scoped kinds when ns is NULL). */
static void each_object(daas_api *api, const char *ns, kv_visit fn, void *arg)
{
    int n;
    const daas_kube_kind *const *kinds = daas_kube_kinds(&n);
    for (int i = 0; i < n; i++) {
        if (kinds[i]->namespaced != (ns != NULL))
            continue;
        char *prefix = daas_api__prefix(kinds[i], ns);
        each_kv(api, kinds[i], prefix, fn, arg);
        daas_free(prefix);
    }
}

/* Deletes one object with policy (NULL: its default); counts it in *left when it is still
 * there (held by a finalizer). */
static void delete_policy(daas_api *api, const daas_kube_kind *k, const daas_kv *kv,
                          const char *policy, size_t *left)
{
    json_t *final = NULL;
    daas_err e = {0};
    int rc = daas_api__delete_key(api, k, kv->key, policy, &final, &e);
    if ((rc == DAAS_OK && daas_kube_path(final, "metadata.deletionTimestamp")) ||
        (rc != DAAS_OK && rc != DAAS_ENOTFOUND))
        (*left)++;
    json_decref(final);
}

static void delete_visit(daas_api *api, const daas_kube_kind *k, const daas_kv *kv, void *arg)
{
    delete_policy(api, k, kv, NULL, arg);
}

static void finish_visit(daas_api *api, const daas_kube_kind *k, const daas_kv *kv, void *arg)
{
    json_t *ns = daas_api__parse_kv(kv);
    const char *name = daas_kube_str(ns, "metadata.name");
    size_t left = 0;
    if (name && daas_kube_path(ns, "metadata.deletionTimestamp")) {
        each_object(api, name, delete_visit, &left);
    }
    /* Content still held by finalizers: the event that releases it brings another pass. */
    if (name && daas_kube_path(ns, "metadata.deletionTimestamp") && left == 0) {
        daas_err e = {0};
        if (drop_finalizer(api, kv, ns, "spec.finalizers", "kubernetes", &e) != DAAS_OK &&
            e.code != DAAS_ECONFLICT)
            DAAS_WARN("nsctl", "finishing namespace %s: %s", name, e.msg);
        else
            DAAS_INFO("nsctl", "namespace %s: contents deleted", name);
    }
    json_decref(ns);
}

typedef struct dependents {
    const char *uid; /* the owner's */
    bool orphan;     /* orphan them (drop the reference) rather than delete them */
    size_t left;     /* dependents still present */
} dependents;

static void dependent_visit(daas_api *api, const daas_kube_kind *k, const daas_kv *kv,
                            void *arg)
{
    dependents *d = arg;
    json_t *o = daas_api__parse_kv(kv);
    json_t *refs = daas_kube_path(o, "metadata.ownerReferences");
    for (size_t i = json_array_size(refs); i-- > 0;) {
        const char *ru = daas_kube_str(json_array_get(refs, i), "uid");
        if (ru == NULL || strcmp(ru, d->uid) != 0)
            continue;
        daas_err e = {0};
        if (d->orphan) {
            json_array_remove(refs, i);
            if (json_array_size(refs) == 0)
                daas_kube_del(o, "metadata.ownerReferences");
            if (store_put(api, kv, o, &e) != DAAS_OK)
                d->left++;
        } else {
            /* upstream's GC deletes a dependent of a foreground deletion in foreground too
             * when it has dependents itself; Pods never do here, the owning kinds may */
            bool leaf = strcmp(k->resource, "pods") == 0 && k->group[0] == '\0';
            delete_policy(api, k, kv, leaf ? NULL : "Foreground", &d->left);
        }
        break;
    }
    json_decref(o);
}

/* Handles the orphan / foregroundDeletion finalizer of one object being deleted. */
static void propagate(daas_api *api, const daas_kv *kv)
{
    json_t *o = daas_api__parse_kv(kv);
    json_t *fs = daas_kube_path(o, "metadata.finalizers");
    size_t i;
    json_t *f;
    json_array_foreach(fs, i, f)
    {
        const char *name = json_string_value(f);
        bool orphan = name && strcmp(name, "orphan") == 0;
        if (!orphan && !(name && strcmp(name, "foregroundDeletion") == 0))
            continue;
        dependents d = {daas_kube_str(o, "metadata.uid") ?: "", orphan, 0};
        each_object(api, daas_kube_str(o, "metadata.namespace"), dependent_visit, &d);
        if (d.left == 0) {
            daas_err e = {0};
            if (drop_finalizer(api, kv, o, "metadata.finalizers", name, &e) != DAAS_OK)
                DAAS_DEBUG("nsctl", "dropping %s from %s: %s", name, kv->key, e.msg);
        }
        break; /* one per pass: kv is stale after a write */
    }
    json_decref(o);
}

/* Keys of objects being deleted with the orphan or foregroundDeletion finalizer: only these
 * are re-examined on a pass, so bulk deletes do not rescan the whole store each time. */
typedef struct pending {
    char **keys;
    size_t n, cap;
} pending;

static bool wants_propagation(const daas_blob *v)
{
    return v && memmem(v->data, v->len, "\"deletionTimestamp\"", 19) &&
           (memmem(v->data, v->len, "\"orphan\"", 8) ||
            memmem(v->data, v->len, "\"foregroundDeletion\"", 20));
}

static void pending_add(pending *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], key) == 0)
            return;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->keys = daas_xrealloc(p->keys, p->cap * sizeof *p->keys);
    }
    p->keys[p->n++] = daas_xstrdup(key);
}

static void pending_fini(pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        daas_free(p->keys[i]);
    daas_free(p->keys);
    p->keys = NULL;
    p->n = p->cap = 0;
}

static void scan_visit(daas_api *api, const daas_kube_kind *k, const daas_kv *kv, void *arg)
{
    if (wants_propagation(kv->val))
        pending_add(arg, kv->key);
}

/* Propagates for every pending key; drops the keys that no longer need it. */
static void run_pending(daas_api *api, pending *p)
{
    for (size_t i = p->n; i-- > 0;) {
        daas_kv kv = {0};
        daas_err e = {0};
        bool keep = daas_store_get(api->store, p->keys[i], &kv, &e) == DAAS_OK &&
                    wants_propagation(kv.val);
        if (keep) {
            propagate(api, &kv);
        } else {
            daas_free(p->keys[i]);
            p->keys[i] = p->keys[--p->n];
        }
        daas_kv_fini(&kv);
    }
}

static void finish_namespaces(daas_api *api)
{
    each_kv(api, kind_of("namespaces"), "/registry/namespaces/", finish_visit, NULL);
}

static void notify(void *arg)
{
    daas_api__nsctl_kick(arg);
}

/* Waits for a kick (or 5 s); false when asked to stop. */
static bool wait_kick(daas_api *api)
{
    pthread_mutex_lock(&api->nsctl_mu);
    if (!api->nsctl_stop && !api->nsctl_kick) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        pthread_cond_timedwait(&api->nsctl_cv, &api->nsctl_mu, &ts);
    }
    bool stop = api->nsctl_stop;
    api->nsctl_kick = false;
    pthread_mutex_unlock(&api->nsctl_mu);
    return !stop;
}

/* (Re)starts the watch from now and rescans the store: what happened before is unknown. */
static void resync(daas_api *api, daas_store_watcher **w, pending *p)
{
    daas_err e = {0};
    daas_store_watch_cancel(w);
    if (daas_store_watch(api->store, "/registry/", 0, notify, api, w, &e) != DAAS_OK) {
        DAAS_WARN("nsctl", "cannot watch the store (%s); polling", e.msg);
        *w = NULL;
    }
    each_kv(api, NULL, "/registry/", scan_visit, p);
}

static void *run(void *arg)
{
    daas_api *api = arg;
    daas_store_watcher *w = NULL;
    pending p = {0};
    resync(api, &w, &p);
    bool work = true;
    do {
        /* Drain the watch: only deletions and objects marked for deletion matter here. */
        daas_store_event evs[64];
        size_t n = 0;
        daas_err e = {0};
        while (w && daas_store_watch_next(w, evs, 64, &n, &e) == DAAS_OK && n > 0) {
            for (size_t i = 0; i < n; i++) {
                const daas_blob *v = evs[i].kv.val;
                work |= evs[i].type == DAAS_STORE_DELETE ||
                        (v && memmem(v->data, v->len, "\"deletionTimestamp\"", 19));
                if (evs[i].type == DAAS_STORE_PUT && wants_propagation(v))
                    pending_add(&p, evs[i].kv.key);
                daas_store_event_fini(&evs[i]);
            }
        }
        if (w == NULL || e.code == DAAS_EGONE) {
            resync(api, &w, &p);
            work = true;
        }
        if (work) {
            finish_namespaces(api);
            run_pending(api, &p);
        }
        work = false;
    } while (wait_kick(api));
    daas_store_watch_cancel(&w);
    pending_fini(&p);
    return NULL;
}

void daas_api__nsctl_kick(daas_api *api)
{
    pthread_mutex_lock(&api->nsctl_mu);
    api->nsctl_kick = true;
    pthread_cond_signal(&api->nsctl_cv);
    pthread_mutex_unlock(&api->nsctl_mu);
}

/* Creates obj at key unless something is there already. */
static int ensure(daas_api *api, const daas_kube_kind *k, json_t *obj, const char *key,
                  daas_err *err)
{
    char uid[37], ts[32];
    daas_uuid4(uid);
    daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
    daas_kube_set_str(obj, "metadata.uid", uid);
    daas_kube_set_str(obj, "metadata.creationTimestamp", ts);
    if (k->defaults)
        k->defaults(obj, NULL);
    char *s = daas_api__dump_stored(obj);
    int rc = s ? daas_store_create(api->store, key, DAAS_BYTES(s, strlen(s)), NULL, err)
               : daas_fail(err, DAAS_EINTERNAL, "cannot serialize %s", key);
    daas_free(s);
    json_decref(obj);
    if (rc == DAAS_EEXIST) {
        daas_err_clear(err);
        rc = DAAS_OK;
    }
    return rc;
}

static int bootstrap(daas_api *api, daas_err *err)
{
    static const char *const system_ns[] = {"default", "kube-system", "kube-public",
                                            "kube-node-lease"};
    const daas_kube_kind *nsk = kind_of("namespaces"), *svck = kind_of("services");
    int rc = DAAS_OK;
    for (size_t i = 0; i < 4 && rc == DAAS_OK; i++) {
        char *key = daas_api__key(nsk, NULL, system_ns[i]);
        rc = ensure(api, nsk,
                    json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
                              "metadata", "name", system_ns[i]),
                    key, err);
        daas_free(key);
    }
    if (rc != DAAS_OK)
        return rc;
    char ipstr[DAAS_CTRL_IP_STRLEN];
    daas_ctrl_ipalloc_first(api->svc_range, ipstr); /* the range's .1 */
    char *key = daas_api__key(svck, "default", "kubernetes");
    json_t *svc = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:{s:s,s:s}},s:{s:s,s:[s],s:[{s:s,s:s,s:i,s:i}]}}", "apiVersion",
        "v1", "kind", "Service", "metadata", "name", "kubernetes", "namespace", "default",
        "labels", "component", "apiserver", "provider", "kubernetes", "spec", "clusterIP", ipstr,
        "clusterIPs", ipstr, "ports", "name", "https", "protocol", "TCP", "port", 443,
        "targetPort", 6443);
    rc = ensure(api, svck, svc, key, err);
    daas_free(key);
    return rc;
}

int daas_api__nsctl_start(daas_api *api, daas_err *err)
{
    int rc = bootstrap(api, err);
    if (rc != DAAS_OK)
        return rc;
    api->nsctl_stop = false;
    if (pthread_create(&api->nsctl_thread, NULL, run, api) != 0)
        return daas_fail(err, DAAS_EINTERNAL, "cannot start the namespace controller thread");
    api->nsctl_running = true;
    return DAAS_OK;
}

void daas_api__nsctl_stop(daas_api *api)
{
    if (!api->nsctl_running)
        return;
    pthread_mutex_lock(&api->nsctl_mu);
    api->nsctl_stop = true;
    pthread_cond_signal(&api->nsctl_cv);
    pthread_mutex_unlock(&api->nsctl_mu);
    pthread_join(api->nsctl_thread, NULL);
    api->nsctl_running = false;
}
