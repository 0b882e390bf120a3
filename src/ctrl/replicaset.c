/*
 * replicaset.c: the ReplicaSet controller's plan: claim pods, create or delete to reach
 * spec.replicas, and compute the status (see replicaset.h).
 *
 * Owns:   no state; every call works on its arguments and fills a plan.
 * Invariants: a plan never holds borrowed references: everything in it was copied or
 *             created here and is released by daas_ctrl_rs_plan_fini.
 * Spec:   kubernetes pkg/controller/replicaset/replica_set.go, replica_set_utils.go,
 *         pkg/controller/controller_utils.go (ActivePodsWithRanks).
 */
#include "ctrl/replicaset.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"
#include "kube/selector.h"

#define DELETION_COST "controller.kubernetes.io/pod-deletion-cost"


void daas_ctrl_rs_plan_fini(daas_ctrl_rs_plan *p)
{
    if (p == NULL)
        return;
    json_decref(p->pod);
    json_decref(p->remove);
    json_decref(p->adopt);
    json_decref(p->release);
    json_decref(p->status);
    memset(p, 0, sizeof(*p));
}

static json_t *pod_ident(const json_t *pod)
{
    const char *name = daas_kube_str(pod, "metadata.name");
    const char *uid = daas_kube_str(pod, "metadata.uid");

    return json_pack("{s:s,s:s}", "name", name ? name : "", "uid", uid ? uid : "");
}

/* ---- ranking (controller_utils.go ActivePodsWithRanks.Less) ---- */

typedef struct ranked {
    const json_t *pod;
    const char *node;
    const char *uid;
    const char *name;
    int phase;       /* Pending 0, Unknown 1, Running 2 (missing: 0, as upstream's map) */
    bool ready;
    int64_t ready_since;
    int64_t cost;    /* pod-deletion-cost */
    int rank;        /* pods of this RS on the same node */
    int64_t restarts;
    int64_t created;
} ranked;

static int phase_ordinal(const char *phase)
{
    if (phase == NULL)
        return 0;
    if (strcmp(phase, "Unknown") == 0)
        return 1;
    if (strcmp(phase, "Running") == 0)
        return 2;
    return 0;
}

static int64_t max_restarts(const json_t *pod)
{
    const json_t *cs = daas_kube_path(pod, "status.containerStatuses");
    int64_t m = 0;
    size_t i;
    const json_t *c;

    json_array_foreach(cs, i, c) {
        int64_t r = json_integer_value(json_object_get(c, "restartCount"));
        if (r > m)
            m = r;
    }
    return m;
}

static int64_t deletion_cost(const json_t *pod)
{
    const json_t *ann = daas_kube_path(pod, "metadata.annotations");
    const char *s = json_string_value(json_object_get(ann, DELETION_COST));
    char *end = NULL;
    long long v;

    if (s == NULL || *s == '\0')
        return 0;
    v = strtoll(s, &end, 10);
    if (*end != '\0' || v < INT32_MIN || v > INT32_MAX)
        return 0; /* upstream: an invalid cost counts as 0 */
    return v;
}

/* floor(log2(age in ns)), or -1 for no age: upstream's logarithmicRankDiff bucket. */
static int64_t age_bucket(int64_t t, int64_t now)
{
    int64_t d = now - t;

    if (d <= 0)
        return -1;
    if (d > INT64_MAX / 1000000000)
        d = INT64_MAX / 1000000000;
    return 63 - __builtin_clzll((unsigned long long)(d * 1000000000));
}

/* afterOrZero(t1, t2): t1 zero, or (t2 non-zero and) t1 after t2. */
static bool after_or_zero(int64_t t1, int64_t t2)
{
    if (t1 == 0 || t2 == 0)
        return t1 == 0;
    return t1 > t2;
}

/* Returns <0 when a is deleted before b. */
static int rank_time(int64_t ta, int64_t tb, const ranked *a, const ranked *b, int64_t now)
{
    int64_t diff;

    if (ta == tb)
        return 0;
    if (ta == 0 || tb == 0 || now == 0)
        return after_or_zero(ta, tb) ? -1 : 1;
    diff = age_bucket(ta, now) - age_bucket(tb, now);
    if (diff == 0)
        return strcmp(a->uid, b->uid) < 0 ? -1 : (strcmp(a->uid, b->uid) > 0 ? 1 : 0);
    return diff < 0 ? -1 : 1;
}

static int rank_cmp(const void *pa, const void *pb, void *ctx)
{
    const ranked *a = pa, *b = pb;
    int64_t now = *(const int64_t *)ctx;
    int r;

    if (strcmp(a->node, b->node) != 0 && (a->node[0] == '\0' || b->node[0] == '\0'))
        return a->node[0] == '\0' ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->ready != b->ready)
        return a->ready ? 1 : -1;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank > b->rank ? -1 : 1;
    if (a->ready && b->ready) {
        r = rank_time(a->ready_since, b->ready_since, a, b, now);
        if (r != 0)
            return r;
    }
    if (a->restarts != b->restarts)
        return a->restarts > b->restarts ? -1 : 1;
    r = rank_time(a->created, b->created, a, b, now);
    if (r != 0)
        return r;
    return strcmp(a->name, b->name); /* upstream leaves ties unordered; we stay deterministic */
}

static void rank_fill(ranked *r, const json_t *pod)
{
    const char *node = daas_kube_str(pod, "spec.nodeName");
    const char *uid = daas_kube_str(pod, "metadata.uid");
    const char *name = daas_kube_str(pod, "metadata.name");

    r->pod = pod;
    r->node = node ? node : "";
    r->uid = uid ? uid : "";
    r->name = name ? name : "";
    r->phase = phase_ordinal(daas_kube_str(pod, "status.phase"));
    r->ready = daas_ctrl_pod_ready(pod, &r->ready_since);
    r->cost = deletion_cost(pod);
    r->restarts = max_restarts(pod);
    r->created = daas_ctrl_time(pod, "metadata.creationTimestamp");
}

/* Appends the n most deletable of owned to out. */
static void pick_deletions(const json_t *owned, size_t n, int64_t now, json_t *out)
{
    size_t cnt = json_array_size(owned);
    ranked *rs = daas_xcalloc(cnt ? cnt : 1, sizeof(*rs));
    size_t i, j;

    for (i = 0; i < cnt; i++)
        rank_fill(&rs[i], json_array_get(owned, i));
    for (i = 0; i < cnt; i++) {
        if (rs[i].node[0] == '\0')
            continue;
        for (j = 0; j < cnt; j++) {
            if (strcmp(rs[i].node, rs[j].node) == 0)
                rs[i].rank++;
        }
    }
    qsort_r(rs, cnt, sizeof(*rs), rank_cmp, &now);
    for (i = 0; i < n && i < cnt; i++)
        json_array_append_new(out, pod_ident(rs[i].pod));
    daas_free(rs);
}

/* ---- claim, manage, status ---- */

/* Sorts the namespace's active pods into owned (claimed), adopt and release. */
static void claim_pods(const json_t *rs, const json_t *pods, const daas_kube_labelsel *sel,
                       bool can_adopt, json_t *owned, daas_ctrl_rs_plan *p)
{
    const char *uid = daas_kube_str(rs, "metadata.uid");
    size_t i;
    const json_t *pod;

    json_array_foreach(pods, i, pod) {
        const json_t *ref = daas_ctrl_controller_ref(pod);
        const char *ref_uid = json_string_value(json_object_get(ref, "uid"));
        bool match = daas_kube_labelsel_match(sel, daas_kube_path(pod, "metadata.labels"));

        if (!daas_ctrl_pod_active(pod))
            continue;
        if (ref != NULL) {
            if (ref_uid == NULL || strcmp(ref_uid, uid) != 0)
                continue;
            if (match)
                json_array_append(owned, (json_t *)pod);
            else
                json_array_append_new(p->release, pod_ident(pod));
            continue;
        }
        if (match && can_adopt) {
            json_array_append_new(p->adopt, pod_ident(pod));
            json_array_append(owned, (json_t *)pod);
        }
    }
}

static json_t *pod_from_template(const json_t *rs)
{
    const json_t *tmpl = daas_kube_path(rs, "spec.template");
    const char *name = daas_kube_str(rs, "metadata.name");
    const char *ns = daas_kube_str(rs, "metadata.namespace");
    json_t *pod = json_pack("{s:s,s:s}", "apiVersion", "v1", "kind", "Pod");
    json_t *meta = daas_kube_mkpath(pod, "metadata");
    static const char *const copied[] = {"labels", "annotations", "finalizers"};
    json_t *spec = daas_kube_path(tmpl, "spec");
    char *gen = daas_xasprintf("%s-", name);

    json_object_set_new(meta, "generateName", json_string(gen));
    daas_free(gen);
    if (ns != NULL)
        json_object_set_new(meta, "namespace", json_string(ns));
    const json_t *tmeta = daas_kube_path(tmpl, "metadata");

    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
        json_t *v = json_object_get(tmeta, copied[i]);
        if (v != NULL)
            json_object_set_new(meta, copied[i], json_deep_copy(v));
    }
    json_object_set_new(meta, "ownerReferences",
                        json_pack("[o]", daas_ctrl_owner_ref(rs, "apps/v1", "ReplicaSet")));
    json_object_set_new(pod, "spec", spec ? json_deep_copy(spec) : json_object());
    return pod;
}

static void manage(const json_t *rs, const json_t *owned, const daas_ctrl_rs_in *in,
                   daas_ctrl_rs_plan *p)
{
    int64_t want = daas_kube_int(rs, "spec.replicas", 1);
    int64_t diff = (int64_t)json_array_size(owned) - want;

    if (diff < 0) {
        p->create_count = (int)(-diff > DAAS_CTRL_RS_BURST ? DAAS_CTRL_RS_BURST : -diff);
        p->pod = pod_from_template(rs);
    } else if (diff > 0) {
        pick_deletions(owned, (size_t)(diff > DAAS_CTRL_RS_BURST ? DAAS_CTRL_RS_BURST : diff),
                       in->now, p->remove);
    }
}

static bool labels_superset(const json_t *have, const json_t *want)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)want, k, v) {
        const char *hv = json_string_value(json_object_get(have, k));
        if (hv == NULL || !json_is_string(v) || strcmp(hv, json_string_value(v)) != 0)
            return false;
    }
    return true;
}

/* Sets key to v, or removes it when v is 0 (upstream's omitempty). */
static void set_int_omit(json_t *o, const char *key, int64_t v)
{
    if (v == 0)
        json_object_del(o, key);
    else
        json_object_set_new(o, key, json_integer(v));
}

static void failure_condition(json_t *st, int64_t diff, const daas_ctrl_rs_in *in)
{
    json_t *conds = json_object_get(st, "conditions");
    size_t i, at = (size_t)-1;
    json_t *c;
    char ts[32];

    json_array_foreach(conds, i, c) {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t != NULL && strcmp(t, "ReplicaFailure") == 0)
            at = i;
    }
    if (in->manage_error != NULL && at == (size_t)-1) {
        daas_time_rfc3339(in->now, ts, sizeof(ts));
        c = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "ReplicaFailure", "status", "True",
                      "lastTransitionTime", ts, "reason",
                      diff < 0 ? "FailedCreate" : (diff > 0 ? "FailedDelete" : ""),
                      "message", in->manage_error);
        if (!json_is_array(conds)) {
            conds = json_array();
            json_object_set_new(st, "conditions", conds);
        }
        json_array_append_new(conds, c);
    } else if (in->manage_error == NULL && at != (size_t)-1) {
        json_array_remove(conds, at);
        if (json_array_size(conds) == 0)
            json_object_del(st, "conditions");
    }
}

static void compute_status(const json_t *rs, const json_t *owned, const daas_ctrl_rs_in *in,
                           daas_ctrl_rs_plan *p)
{
    const json_t *old = daas_kube_path(rs, "status");
    const json_t *tlabels = daas_kube_path(rs, "spec.template.metadata.labels");
    int64_t min_ready = daas_kube_int(rs, "spec.minReadySeconds", 0);
    int64_t full = 0, ready = 0, avail = 0, since = 0, wake = 0;
    size_t i;
    const json_t *pod;
    json_t *st = json_is_object(old) ? json_deep_copy(old) : json_object();

    json_array_foreach(owned, i, pod) {
        if (tlabels == NULL || labels_superset(daas_kube_path(pod, "metadata.labels"), tlabels))
            full++;
        if (!daas_ctrl_pod_ready(pod, &since))
            continue;
        ready++;
        if (daas_ctrl_pod_available(pod, min_ready, in->now))
            avail++;
        else if (since != 0 && (wake == 0 || since + min_ready + 1 - in->now < wake))
            wake = since + min_ready + 1 - in->now;
    }
    json_object_set_new(st, "replicas", json_integer((json_int_t)json_array_size(owned)));
    set_int_omit(st, "fullyLabeledReplicas", full);
    set_int_omit(st, "readyReplicas", ready);
    set_int_omit(st, "availableReplicas", avail);
    set_int_omit(st, "observedGeneration", daas_kube_int(rs, "metadata.generation", 0));
    failure_condition(st, (int64_t)json_array_size(owned) - daas_kube_int(rs, "spec.replicas", 1),
                      in);
    p->status_changed = old == NULL ? true : !json_equal(st, (json_t *)old);
    p->status = st;
    p->requeue_after = wake > 0 ? wake : 0;
}

int daas_ctrl_rs_plan_make(const json_t *rs, const json_t *pods, const daas_ctrl_rs_in *in,
                           daas_ctrl_rs_plan *out, daas_err *err)
{
    const json_t *selj = daas_kube_path(rs, "spec.selector");
    daas_kube_labelsel *sel = NULL;
    json_t *owned = NULL;
    bool deleting = daas_kube_path(rs, "metadata.deletionTimestamp") != NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (daas_kube_str(rs, "metadata.name") == NULL || daas_kube_str(rs, "metadata.uid") == NULL)
        return daas_fail(err, DAAS_EINVAL, "replicaset without metadata.name or uid");
    if (!json_is_object(selj) || json_object_size(selj) == 0)
        return daas_fail(err, DAAS_EINVAL, "replicaset %s: empty selector",
                         daas_kube_str(rs, "metadata.name"));
    rc = daas_kube_labelsel_from_json(selj, &sel, err);
    if (rc != DAAS_OK)
        return rc;
    out->remove = json_array();
    out->adopt = json_array();
    out->release = json_array();
    owned = json_array();
    claim_pods(rs, pods, sel, !deleting, owned, out);
    if (!deleting && in->creates_inflight <= 0 && in->deletes_inflight <= 0)
        manage(rs, owned, in, out);
    compute_status(rs, owned, in, out);
    json_decref(owned);
    daas_kube_labelsel_free(&sel);
    return DAAS_OK;
}
