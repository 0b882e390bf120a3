/*
 * delete.c: DELETE of one object and of a collection.
 *
 * Owns:   DeleteOptions (query and body), preconditions, finalizer-driven deletion
 *         (deletionTimestamp first, removal when the last finalizer goes), namespace
 *         termination, the propagation-policy finalizers (orphan, foregroundDeletion),
 *         graceful deletion of pods: a pod bound to a Node whose agent is alive (its Lease in
 *         kube-node-lease renewed within its duration) and not finished is only marked
 *         (deletionTimestamp = now + grace, deletionGracePeriodSeconds = grace); the agent
 *         stops its containers and deletes it with gracePeriodSeconds 0. A pod on a Node with
 *         no live agent, or a grace of 0 (--force), is removed at once.
 * Invariants: an object with finalizers is never removed by DELETE itself; a delete that
 *             fails changes nothing; a second graceful delete may shorten the grace, never
 *             lengthen it.
 * Spec:   specs/kube-api.md §5.4 (DELETE replies), §6.3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/write_int.h"
#include "common/util.h"
#include "kube/obj.h"
#include "kube/selector.h"

typedef struct delopts {
    const char *policy;   /* Background (default), Foreground, Orphan */
    const char *pre_uid;  /* preconditions */
    const char *pre_rv;
    json_t *body;         /* owns the strings above */
    char *qpolicy;
    int64_t grace;        /* gracePeriodSeconds; -1 when not given */
} delopts;

static int parse_grace(daas_api__req *r, delopts *o, daas_err *err)
{
    const json_t *g = json_object_get(o->body, "gracePeriodSeconds");
    char *q = daas_api__query(r, "gracePeriodSeconds");
    int rc = DAAS_OK;
    o->grace = -1;
    if (q != NULL && q[0] != '\0') {
        char *end = NULL;
        long long v = strtoll(q, &end, 10);
        if (end == q || *end != '\0')
            rc = daas_fail(err, DAAS_EINVAL, "gracePeriodSeconds: Invalid value: \"%s\"", q);
        o->grace = v;
    } else if (json_is_integer(g)) {
        o->grace = json_integer_value(g);
    } else if (g != NULL && !json_is_null(g)) {
        rc = daas_fail(err, DAAS_EINVAL, "gracePeriodSeconds: must be an integer");
    }
    if (o->grace < 0) /* Kubernetes treats a negative grace as "not given" */
        o->grace = -1;
    daas_free(q);
    return rc;
}

static int parse_opts(daas_api__req *r, delopts *o, daas_err *err)
{
    o->grace = -1;
    if (r->http->body.len > 0) {
        int rc = daas_api__decode_body(r, &o->body, err);
        if (rc != DAAS_OK)
            return rc;
        o->policy = json_string_value(json_object_get(o->body, "propagationPolicy"));
        o->pre_uid = daas_kube_str(o->body, "preconditions.uid");
        o->pre_rv = daas_kube_str(o->body, "preconditions.resourceVersion");
        json_t *dr = json_object_get(o->body, "dryRun");
        if (json_array_size(dr) > 0 && r->http->query[0] == '\0') {
            /* dryRun in the body counts like ?dryRun=All (handled by daas_api__dry_run via
             * the query only); reject rather than silently delete. */
            return daas_fail(err, DAAS_EINVAL, "dryRun in DeleteOptions body is not supported; "
                                               "use ?dryRun=All");
        }
    }
    int grc = parse_grace(r, o, err);
    if (grc != DAAS_OK)
        return grc;
    o->qpolicy = daas_api__query(r, "propagationPolicy");
    if (o->qpolicy && o->qpolicy[0])
        o->policy = o->qpolicy;
    if (o->policy && strcmp(o->policy, "Background") != 0 &&
        strcmp(o->policy, "Foreground") != 0 && strcmp(o->policy, "Orphan") != 0)
        return daas_fail(err, DAAS_EINVAL, "propagationPolicy: Unsupported value: \"%s\": "
                                           "supported values: \"Foreground\", \"Background\", "
                                           "\"Orphan\"",
                         o->policy);
    return DAAS_OK;
}

static void opts_fini(delopts *o)
{
    json_decref(o->body);
    daas_free(o->qpolicy);
}

/* Adds finalizer f unless present; true when it was added. */
static bool add_finalizer(json_t *obj, const char *f)
{
    json_t *meta = daas_kube_mkpath(obj, "metadata");
    json_t *fs = json_object_get(meta, "finalizers");
    if (!json_is_array(fs)) {
        fs = json_array();
        json_object_set_new(meta, "finalizers", fs);
    }
    size_t i;
    json_t *v;
    json_array_foreach(fs, i, v)
    {
        if (strcmp(json_string_value(v) ?: "", f) == 0)
            return false;
    }
    json_array_append_new(fs, json_string(f));
    return true;
}

/* Marks obj as being deleted (deletionTimestamp, grace 0; namespaces: Terminating); true when
 * that changed anything. */
static bool mark_deleting(const daas_kube_kind *k, json_t *obj)
{
    bool changed = false;
    if (daas_kube_path(obj, "metadata.deletionTimestamp") == NULL) {
        changed = true;
        char ts[32];
        daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
        daas_kube_set_str(obj, "metadata.deletionTimestamp", ts);
        daas_kube_set(obj, "metadata.deletionGracePeriodSeconds", json_integer(0));
    }
    const char *phase = daas_kube_str(obj, "status.phase");
    if (strcmp(k->resource, "namespaces") == 0 && !(phase && strcmp(phase, "Terminating") == 0)) {
        daas_kube_set_str(obj, "status.phase", "Terminating");
        changed = true;
    }
    return changed;
}

/* True when the Lease of node in kube-node-lease was renewed within its duration. */
static bool agent_alive(daas_api *api, const char *node)
{
    const daas_kube_kind *lk = daas_kube_kind_by_resource("coordination.k8s.io", "v1", "leases");
    char *key = lk ? daas_api__key(lk, "kube-node-lease", node) : NULL;
    daas_kv kv = {0};
    json_t *lease = NULL;
    daas_err e = {0};
    bool alive = false;
    if (key && daas_api__load(api, key, &kv, &lease, &e) == DAAS_OK) {
        int64_t at = 0;
        const char *rt = daas_kube_str(lease, "spec.renewTime");
        json_int_t dur = json_integer_value(daas_kube_path(lease, "spec.leaseDurationSeconds"));
        alive = rt && daas_time_parse(rt, &at) == DAAS_OK && dur > 0 &&
                daas_now_ms() / 1000 - at <= dur;
    }
    json_decref(lease);
    daas_kv_fini(&kv);
    daas_free(key);
    return alive;
}

/* The grace period a DELETE of obj gets: > 0 only for a pod that an alive agent runs. */
static int64_t pod_grace(daas_api *api, const daas_kube_kind *k, const json_t *obj,
                         const delopts *o)
{
    if (strcmp(k->resource, "pods") != 0 || k->group[0] != '\0')
        return 0;
    const char *node = daas_kube_str(obj, "spec.nodeName");
    const char *phase = daas_kube_str(obj, "status.phase");
    if (node == NULL || (phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0)))
        return 0;
    const json_t *t = daas_kube_path(obj, "spec.terminationGracePeriodSeconds");
    int64_t g = o && o->grace >= 0 ? o->grace : json_is_integer(t) ? json_integer_value(t) : 30;
    return g > 0 && agent_alive(api, node) ? g : 0;
}

/* Marks pod for graceful deletion in grace seconds; true when that changed it (a new
 * deletion, or a shorter grace than the one already running). */
static bool mark_graceful(json_t *pod, int64_t grace)
{
    int64_t now = daas_now_ms() / 1000, at = 0;
    const char *cur = daas_kube_str(pod, "metadata.deletionTimestamp");
    if (cur && daas_time_parse(cur, &at) == DAAS_OK && at <= now + grace)
        return false;
    char ts[32];
    daas_time_rfc3339(now + grace, ts, sizeof ts);
    daas_kube_set_str(pod, "metadata.deletionTimestamp", ts);
    daas_kube_set(pod, "metadata.deletionGracePeriodSeconds", json_integer(grace));
    return true;
}

static bool must_wait(const daas_kube_kind *k, const json_t *obj)
{
    if (json_array_size(daas_kube_path(obj, "metadata.finalizers")) > 0)
        return true;
    return strcmp(k->resource, "namespaces") == 0 &&
           json_array_size(daas_kube_path(obj, "spec.finalizers")) > 0;
}

/* One attempt: load, check, then either mark (finalizers) or remove. *final gets the
 * object's last state. */
static int delete_once(daas_api *api, const daas_kube_kind *k, const char *key,
                       const delopts *o, bool dry, json_t **final, daas_err *err)
{
    daas_kv kv = {0};
    json_t *obj = NULL;
    int rc = daas_api__load(api, key, &kv, &obj, err);
    if (rc != DAAS_OK)
        return rc;
    const char *uid = daas_kube_str(obj, "metadata.uid");
    if (o && o->pre_uid && strcmp(o->pre_uid, uid ? uid : "") != 0) {
        rc = daas_fail(err, DAAS_ECONFLICT,
                       "Precondition failed: UID in precondition: %s, UID in object meta: %s",
                       o->pre_uid, uid ? uid : "");
        goto out;
    }
    if (o && o->pre_rv && strcmp(o->pre_rv, daas_kube_str(obj, "metadata.resourceVersion")) != 0) {
        rc = daas_fail(err, DAAS_ECONFLICT,
                       "Precondition failed: ResourceVersion in precondition: %s, "
                       "ResourceVersion in object meta: %s",
                       o->pre_rv, daas_kube_str(obj, "metadata.resourceVersion"));
        goto out;
    }
    const char *policy = o ? o->policy : NULL;
    bool changed = false;
    if (policy && strcmp(policy, "Orphan") == 0)
        changed = add_finalizer(obj, "orphan");
    else if (policy && strcmp(policy, "Foreground") == 0)
        changed = add_finalizer(obj, "foregroundDeletion");
    int64_t grace = pod_grace(api, k, obj, o);
    if (grace > 0 || must_wait(k, obj)) {
        changed |= grace > 0 ? mark_graceful(obj, grace) : mark_deleting(k, obj);
        /* Deleting an object already marked changes nothing: writing it again would only
         * wake every watcher (and the namespace controller, which would delete it again). */
        if (!dry && changed) {
            char *s = daas_api__dump_stored(obj);
            int64_t rev = 0;
            rc = s ? daas_store_update(api->store, key, DAAS_BYTES(s, strlen(s)), kv.mod_rev,
                                       &rev, err)
                   : daas_fail(err, DAAS_ETOOBIG, "the object cannot be serialized");
            daas_free(s);
            if (rc == DAAS_OK)
                daas_api__set_rv(obj, rev);
        }
    } else if (!dry) {
        int64_t rev = 0;
        rc = daas_store_delete(api->store, key, kv.mod_rev, NULL, &rev, err);
    }
out:
    if (rc == DAAS_OK)
        *final = json_incref(obj);
    json_decref(obj);
    daas_kv_fini(&kv);
    return rc;
}

int daas_api__delete_key(daas_api *api, const daas_kube_kind *k, const char *key,
                         const char *policy, json_t **final_out, daas_err *err)
{
    int rc = DAAS_ECONFLICT;
    delopts o = {.policy = policy, .grace = -1};
    for (int i = 0; i < 8 && rc == DAAS_ECONFLICT; i++) {
        daas_err_clear(err);
        rc = delete_once(api, k, key, policy ? &o : NULL, false, final_out, err);
    }
    return rc;
}

int daas_api__delete_opts(daas_api *api, const daas_kube_kind *k, const char *key,
                          const json_t *opts, bool dry, json_t **final_out, daas_err *err)
{
    delopts o = {.grace = -1};
    const json_t *g = json_object_get(opts, "gracePeriodSeconds");
    o.policy = json_string_value(json_object_get(opts, "propagationPolicy"));
    o.pre_uid = daas_kube_str(opts, "preconditions.uid");
    o.pre_rv = daas_kube_str(opts, "preconditions.resourceVersion");
    if (json_is_integer(g) && json_integer_value(g) >= 0)
        o.grace = json_integer_value(g);
    return delete_once(api, k, key, &o, dry, final_out, err);
}

void daas_api__delete(daas_api__req *r)
{
    const daas_kube_kind *k = r->route.kind;
    daas_err e = {0};
    delopts o = {0};
    json_t *final = NULL;
    char *key = daas_api__key(k, r->route.ns, r->route.name);
    r->verb = DAAS_API_VERB_DELETE;
    int rc = parse_opts(r, &o, &e);
    for (int i = 0; rc == DAAS_OK && i < 8; i++) {
        rc = delete_once(r->api, k, key, &o, daas_api__dry_run(r), &final, &e);
        if (rc != DAAS_ECONFLICT || o.pre_rv || o.pre_uid)
            break;
        daas_err_clear(&e);
        rc = DAAS_OK;
    }
    if (rc == DAAS_ENOTFOUND)
        daas_api__fail_notfound(r, r->route.name, &e);
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
    } else {
        if (strcmp(k->resource, "namespaces") == 0)
            daas_api__nsctl_kick(r->api);
        daas_api__respond_obj(r, 200, final);
    }
    json_decref(final);
    opts_fini(&o);
    daas_free(key);
}

void daas_api__deletecollection(daas_api__req *r)
{
    const daas_kube_kind *k = r->route.kind;
    daas_err e = {0};
    daas_kv_list l = {0};
    daas_kube_labelsel *ls = NULL;
    daas_kube_fieldsel *fs = NULL;
    char *prefix = daas_api__prefix(k, r->route.ns);
    char *lq = daas_api__query(r, "labelSelector"), *fq = daas_api__query(r, "fieldSelector");
    json_t *items = json_array();
    r->verb = DAAS_API_VERB_DELETECOLLECTION;
    int rc = DAAS_OK;
    if (lq && lq[0])
        rc = daas_kube_labelsel_parse(lq, &ls, &e);
    if (rc == DAAS_OK && fq && fq[0])
        rc = daas_kube_fieldsel_parse(fq, k->field_selectors, &fs, &e);
    if (rc == DAAS_OK)
        rc = daas_store_list(r->api->store, prefix, NULL, 0, &l, &e);
    for (size_t i = 0; rc == DAAS_OK && i < l.n; i++) {
        json_t *o = daas_api__parse_kv(&l.items[i]), *final = NULL;
        bool match = o && (!ls || daas_kube_labelsel_match(ls, daas_kube_path(o, "metadata.labels"))) &&
                     (!fs || daas_kube_fieldsel_match(fs, o));
        json_decref(o);
        if (!match)
            continue;
        rc = daas_api__dry_run(r) ? DAAS_OK
                                   : daas_api__delete_key(r->api, k, l.items[i].key, NULL, &final, &e);
        if (rc == DAAS_ENOTFOUND) { /* raced with another delete: fine */
            daas_err_clear(&e);
            rc = DAAS_OK;
        }
        if (final)
            json_array_append_new(items, final);
    }
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
    } else {
        char av[96];
        daas_kube_kind_api_version(k, av, sizeof av);
        json_t *list = json_pack("{s:s,s:s,s:{},s:O}", "kind", k->list_kind, "apiVersion", av,
                                 "metadata", "items", items);
        daas_api__respond_obj(r, 200, list);
        json_decref(list);
    }
    json_decref(items);
    daas_kv_list_fini(&l);
    daas_kube_labelsel_free(&ls);
    daas_kube_fieldsel_free(&fs);
    daas_free(prefix);
    daas_free(lq);
    daas_free(fq);
}
