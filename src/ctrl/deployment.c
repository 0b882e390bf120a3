/*
 * deployment.c: the Deployment plan's bookkeeping: intstr scaling, the pod-template-hash,
 * claiming ReplicaSets, the new/old split, revisions and their annotations, creating the
 * new ReplicaSet, conditions and the computed status (see deployment.h, deployment_int.h).
 *
 * Owns:   no state beyond the caller's daas_ctrl__dp.
 * Spec:   kubernetes pkg/controller/deployment/sync.go (getNewReplicaSet, calculateStatus),
 *         util/deployment_util.go (SetNewReplicaSetAnnotations, NewRSNewReplicas,
 *         EqualIgnoreHash, ResolveFenceposts), pkg/controller/controller_utils.go
 *         (ComputeHash).
 */
#include "ctrl/deployment.h"
#include "ctrl/podutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/deployment_int.h"
#include "ctrl/replicaset.h"
#include "kube/obj.h"
#include "kube/selector.h"

/* Upstream's maxRevHistoryLengthInChars default (--deployment-controller ... 2000). */
#define MAX_REV_HISTORY_CHARS 2000

int daas_ctrl_deploy_intstr(const json_t *v, int64_t total, bool round_up, int64_t *out,
                            daas_err *err)
{
    const char *s;
    size_t len, i;
    int64_t pct = 0;

    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return daas_fail(err, DAAS_EINVAL, "invalid value for IntOrString: negative");
        *out = json_integer_value(v);
        return DAAS_OK;
    }
    s = json_string_value(v);
    len = s ? json_string_length(v) : 0;
    if (s == NULL || len < 2 || len > 10 || s[len - 1] != '%')
        return daas_fail(err, DAAS_EINVAL,
                         "invalid value for IntOrString: invalid type: string is not a "
                         "percentage");
    for (i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return daas_fail(err, DAAS_EINVAL, "invalid value for IntOrString: %.*s",
                             (int)len, s);
        pct = pct * 10 + (s[i] - '0');
    }
    if (total < 0 || total > INT32_MAX)
        return daas_fail(err, DAAS_EINVAL, "total %lld out of range", (long long)total);
    *out = round_up ? (pct * total + 99) / 100 : (pct * total) / 100;
    return DAAS_OK;
}

void daas_ctrl_deploy_hash(const json_t *tmpl, int64_t collision_count, char out[16])
{
    /* k8s.io/apimachinery/pkg/util/rand SafeEncodeString: no vowels, no 0/1/3 */
    static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
    char *txt = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    uint32_t h = 2166136261u;
    char dec[16];
    size_t i;

    for (i = 0; txt != NULL && txt[i] != '\0'; i++)
        h = (h ^ (uint8_t)txt[i]) * 16777619u;
    free(txt); /* jansson's allocator (HACKING.md: the one exception) */
    if (collision_count >= 0) {
        uint8_t le[8] = {0};
        uint32_t c = (uint32_t)collision_count;
        for (i = 0; i < 4; i++)
            le[i] = (uint8_t)(c >> (8 * i));
        for (i = 0; i < 8; i++)
            h = (h ^ le[i]) * 16777619u;
    }
    snprintf(dec, sizeof(dec), "%u", h);
    for (i = 0; dec[i] != '\0'; i++)
        out[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
    out[i] = '\0';
}

void daas_ctrl_deploy_plan_fini(daas_ctrl_deploy_plan *p)
{
    if (p == NULL)
        return;
    json_decref(p->create_rs);
    json_decref(p->scale);
    json_decref(p->delete_rs);
    json_decref(p->adopt_rs);
    json_decref(p->release_rs);
    json_decref(p->events);
    json_decref(p->revision);
    json_decref(p->status);
    memset(p, 0, sizeof(*p));
}

/* ---- counting ---- */

int64_t daas_ctrl__rs_replicas(const daas_ctrl__dprs *r)
{
    return daas_kube_int(r->obj, "spec.replicas", 1);
}

int64_t daas_ctrl__rs_stat(const daas_ctrl__dprs *r, const char *field)
{
    const json_t *st = json_object_get(r->obj, "status");

    return json_integer_value(json_object_get(st, field));
}

int64_t daas_ctrl__sum_spec(const daas_ctrl__dp *dp, bool old_only, bool active_only)
{
    int64_t sum = 0;

    for (size_t i = 0; i < dp->n; i++) {
        if (old_only && (long)i == dp->new_idx)
            continue;
        if (active_only && daas_ctrl__rs_replicas(&dp->rs[i]) <= 0)
            continue;
        sum += daas_ctrl__rs_replicas(&dp->rs[i]);
    }
    return sum;
}

int64_t daas_ctrl__sum_stat(const daas_ctrl__dp *dp, const char *field)
{
    int64_t sum = 0;

    for (size_t i = 0; i < dp->n; i++)
        sum += daas_ctrl__rs_stat(&dp->rs[i], field);
    return sum;
}

int64_t daas_ctrl__revision(const json_t *obj)
{
    const json_t *ann = daas_kube_path(obj, "metadata.annotations");
    const char *s = json_string_value(json_object_get(ann, DAAS_CTRL_DEPLOY_REVISION));
    char *end = NULL;
    long long v;

    if (s == NULL || *s == '\0')
        return 0;
    v = strtoll(s, &end, 10);
    return (*end == '\0' && v > 0) ? v : 0;
}

/* ---- init: strategy, claiming, the new ReplicaSet ---- */

static int resolve_strategy(daas_ctrl__dp *dp, daas_err *err)
{
    const char *type = daas_kube_str(dp->d, "spec.strategy.type");
    const json_t *ru = daas_kube_path(dp->d, "spec.strategy.rollingUpdate");
    json_t *def = json_string("25%");
    const json_t *vs = json_object_get(ru, "maxSurge");
    const json_t *vu = json_object_get(ru, "maxUnavailable");
    int rc;

    dp->rolling = type == NULL || strcmp(type, "Recreate") != 0;
    if (!dp->rolling) {
        json_decref(def);
        return DAAS_OK;
    }
    rc = daas_ctrl_deploy_intstr(vs ? vs : def, dp->replicas, true, &dp->max_surge, err);
    if (rc == DAAS_OK)
        rc = daas_ctrl_deploy_intstr(vu ? vu : def, dp->replicas, false, &dp->max_unavail, err);
    json_decref(def);
    if (rc != DAAS_OK)
        return rc;
    if (dp->max_surge == 0 && dp->max_unavail == 0)
        dp->max_unavail = 1; /* ResolveFenceposts: never both zero */
    if (dp->max_unavail > dp->replicas)
        dp->max_unavail = dp->replicas;
    return DAAS_OK;
}

static json_t *ident(const json_t *obj)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    const char *uid = daas_kube_str(obj, "metadata.uid");

    return json_pack("{s:s,s:s}", "name", name ? name : "", "uid", uid ? uid : "");
}

static int rs_cmp(const void *pa, const void *pb)
{
    const daas_ctrl__dprs *a = pa, *b = pb;
    const char *na = daas_kube_str(a->obj, "metadata.name");
    const char *nb = daas_kube_str(b->obj, "metadata.name");

    if (a->created != b->created)
        return a->created < b->created ? -1 : 1;
    return strcmp(na ? na : "", nb ? nb : "");
}

/* Template without the hash label (and without labels when that empties them). */
/* Drops every null member of v, recursively: a Go struct reads null and absent alike (kubectl
 * rollout undo sends the template's "creationTimestamp": null). */
static void strip_nulls(json_t *v)
{
    const char *k;
    json_t *m;
    void *tmp;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach_safe(v, tmp, k, m) {
            if (json_is_null(m))
                json_object_del(v, k);
            else
                strip_nulls(m);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m)
            strip_nulls(m);
    }
}

/* The template as EqualIgnoreHash compares it: without the pod-template-hash label and with
 * null members dropped. New reference. */
static json_t *template_sans_hash(const json_t *tmpl)
{
    json_t *t = json_is_object(tmpl) ? json_deep_copy(tmpl) : json_object();
    strip_nulls(t);
    json_t *labels = daas_kube_path(t, "metadata.labels");

    if (json_is_object(labels)) {
        json_object_del(labels, DAAS_CTRL_DEPLOY_HASH_LABEL);
        if (json_object_size(labels) == 0)
            daas_kube_del(t, "metadata.labels");
    }
    return t;
}

static void find_new(daas_ctrl__dp *dp)
{
    json_t *want = template_sans_hash(daas_kube_path(dp->d, "spec.template"));

    dp->new_idx = -1;
    for (size_t i = 0; i < dp->n && dp->new_idx < 0; i++) {
        json_t *have = template_sans_hash(daas_kube_path(dp->rs[i].obj, "spec.template"));
        if (json_equal(want, have))
            dp->new_idx = (long)i; /* rs[] is oldest first: the oldest match wins */
        json_decref(have);
    }
    json_decref(want);
}

static void claim(daas_ctrl__dp *dp, const json_t *rss, const daas_kube_labelsel *sel)
{
    const char *uid = daas_kube_str(dp->d, "metadata.uid");
    bool deleting = daas_kube_path(dp->d, "metadata.deletionTimestamp") != NULL;
    size_t i;
    const json_t *rs;

    dp->rs = daas_xcalloc(json_array_size(rss) + 1, sizeof(*dp->rs));
    json_array_foreach(rss, i, rs) {
        const json_t *ref = daas_ctrl_controller_ref(rs);
        const char *ref_uid = json_string_value(json_object_get(ref, "uid"));
        bool match = daas_kube_labelsel_match(sel, daas_kube_path(rs, "metadata.labels"));

        if (ref != NULL && (ref_uid == NULL || strcmp(ref_uid, uid) != 0))
            continue;
        if (ref != NULL && !match) {
            json_array_append_new(dp->plan->release_rs, ident(rs));
            continue;
        }
        if (ref == NULL) {
            if (!match || deleting || daas_kube_path(rs, "metadata.deletionTimestamp"))
                continue;
            json_array_append_new(dp->plan->adopt_rs, ident(rs));
        }
        dp->rs[dp->n].obj = json_deep_copy(rs);
        dp->rs[dp->n].created = daas_ctrl_time(rs, "metadata.creationTimestamp");
        dp->n++;
    }
    qsort(dp->rs, dp->n, sizeof(*dp->rs), rs_cmp);
}

int daas_ctrl__dp_init(daas_ctrl__dp *dp, const json_t *d, const json_t *rss, int64_t now,
                       daas_ctrl_deploy_plan *plan, daas_err *err)
{
    const json_t *selj = daas_kube_path(d, "spec.selector");
    const json_t *st = daas_kube_path(d, "status");
    daas_kube_labelsel *sel = NULL;
    int rc;

    memset(dp, 0, sizeof(*dp));
    dp->d = d;
    dp->now = now;
    dp->plan = plan;
    dp->new_idx = -1;
    dp->name = daas_kube_str(d, "metadata.name");
    if (dp->name == NULL || daas_kube_str(d, "metadata.uid") == NULL)
        return daas_fail(err, DAAS_EINVAL, "deployment without metadata.name or uid");
    dp->replicas = daas_kube_int(d, "spec.replicas", 1);
    if (dp->replicas < 0) /* the API refuses it; a stored one is not acted on */
        return daas_fail(err, DAAS_EINVAL, "deployment %s: spec.replicas %lld is negative",
                         dp->name, (long long)dp->replicas);
    rc = resolve_strategy(dp, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_kube_labelsel_from_json(selj, &sel, err);
    if (rc != DAAS_OK)
        return rc;
    claim(dp, rss, sel);
    daas_kube_labelsel_free(&sel);
    find_new(dp);
    dp->status = json_is_object(st) ? json_deep_copy(st) : json_object();
    return DAAS_OK;
}

void daas_ctrl__dp_fini(daas_ctrl__dp *dp)
{
    for (size_t i = 0; i < dp->n; i++)
        json_decref(dp->rs[i].obj);
    daas_free(dp->rs);
    json_decref(dp->status);
    memset(dp, 0, sizeof(*dp));
}

/* ---- annotations and revisions ---- */

/* An annotation's value (keys hold dots, so no dotted path), or NULL. */
static const char *ann_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(daas_kube_path(obj, "metadata.annotations"), key));
}

static bool ann_set(json_t *obj, const char *key, const char *val)
{
    json_t *ann = daas_kube_mkpath(obj, "metadata.annotations");
    const char *have = json_string_value(json_object_get(ann, key));

    if (have != NULL && strcmp(have, val) == 0)
        return false;
    json_object_set_new(ann, key, json_string(val));
    return true;
}

/* copyDeploymentAnnotationsToReplicaSet: all but the controller's own and kubectl's. */
static bool copy_annotations(const daas_ctrl__dp *dp, json_t *rs)
{
    static const char *const skip[] = {
        "kubectl.kubernetes.io/last-applied-configuration", DAAS_CTRL_DEPLOY_REVISION,
        DAAS_CTRL_DEPLOY_REVISION_HISTORY, DAAS_CTRL_DEPLOY_DESIRED, DAAS_CTRL_DEPLOY_MAX,
        "deprecated.deployment.rollback.to"};
    const json_t *ann = daas_kube_path(dp->d, "metadata.annotations");
    const char *k;
    json_t *v;
    bool changed = false;

    json_object_foreach((json_t *)ann, k, v) {
        bool skipped = false;
        for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
            skipped = skipped || strcmp(k, skip[i]) == 0;
        if (!skipped && json_is_string(v))
            changed = ann_set(rs, k, json_string_value(v)) || changed;
    }
    return changed;
}

bool daas_ctrl__replicas_ann(const daas_ctrl__dp *dp, json_t *rs)
{
    char buf[24];
    bool changed;

    snprintf(buf, sizeof(buf), "%lld", (long long)dp->replicas);
    changed = ann_set(rs, DAAS_CTRL_DEPLOY_DESIRED, buf);
    snprintf(buf, sizeof(buf), "%lld", (long long)(dp->replicas + dp->max_surge));
    return ann_set(rs, DAAS_CTRL_DEPLOY_MAX, buf) || changed;
}

/* Appends old to the revision history, dropping the oldest past the length cap. */
static void push_history(json_t *rs, const char *old)
{
    json_t *ann = daas_kube_mkpath(rs, "metadata.annotations");
    const char *hist = json_string_value(json_object_get(ann, DAAS_CTRL_DEPLOY_REVISION_HISTORY));
    const char *p;
    char *joined;

    if (hist == NULL || hist[0] == '\0' || hist[0] == ',') {
        json_object_set_new(ann, DAAS_CTRL_DEPLOY_REVISION_HISTORY, json_string(old));
        return;
    }
    p = hist;
    while (strlen(p) + strlen(old) + 1 > MAX_REV_HISTORY_CHARS && p != NULL) {
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    joined = p && *p ? daas_xasprintf("%s,%s", p, old) : daas_xstrdup(old);
    json_object_set_new(ann, DAAS_CTRL_DEPLOY_REVISION_HISTORY, json_string(joined));
    daas_free(joined);
}

/* SetNewReplicaSetAnnotations. */
static bool set_new_rs_annotations(const daas_ctrl__dp *dp, json_t *rs, int64_t rev, bool exists)
{
    bool changed = copy_annotations(dp, rs);
    int64_t old = daas_ctrl__revision(rs);
    const char *olds = ann_str(rs, DAAS_CTRL_DEPLOY_REVISION);
    char buf[24];

    if (olds != NULL && olds[0] != '\0' && old == 0)
        return changed; /* unparsable revision: upstream leaves it alone */
    if (old < rev) {
        char *keep = olds ? daas_xstrdup(olds) : NULL;
        snprintf(buf, sizeof(buf), "%lld", (long long)rev);
        ann_set(rs, DAAS_CTRL_DEPLOY_REVISION, buf);
        changed = true;
        if (keep != NULL) /* a rollback to this ReplicaSet: keep where it was */
            push_history(rs, keep);
        daas_free(keep);
    }
    if (!exists && daas_ctrl__replicas_ann(dp, rs))
        changed = true;
    return changed;
}

/* ---- conditions ---- */

const json_t *daas_ctrl__get_cond(const json_t *status, const char *type)
{
    const json_t *conds = json_object_get(status, "conditions");
    size_t i;
    const json_t *c;

    json_array_foreach(conds, i, c) {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t != NULL && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

void daas_ctrl__del_cond(json_t *status, const char *type)
{
    json_t *conds = json_object_get(status, "conditions");

    for (size_t i = json_array_size(conds); i-- > 0;) {
        const char *t = json_string_value(json_object_get(json_array_get(conds, i), "type"));
        if (t != NULL && strcmp(t, type) == 0)
            json_array_remove(conds, i);
    }
}

void daas_ctrl__set_cond(daas_ctrl__dp *dp, const char *type, const char *status,
                         const char *reason, const char *msg)
{
    const json_t *cur = daas_ctrl__get_cond(dp->status, type);
    const char *cs = cur ? json_string_value(json_object_get(cur, "status")) : NULL;
    const char *cr = cur ? json_string_value(json_object_get(cur, "reason")) : NULL;
    char ts[32];
    json_t *c, *conds;

    if (cs != NULL && cr != NULL && strcmp(cs, status) == 0 && strcmp(cr, reason) == 0)
        return;
    daas_time_rfc3339(dp->now, ts, sizeof(ts));
    c = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", type, "status", status,
                  "lastUpdateTime", ts, "lastTransitionTime", ts, "reason", reason, "message",
                  msg);
    if (cs != NULL && strcmp(cs, status) == 0)
        json_object_set(c, "lastTransitionTime", json_object_get(cur, "lastTransitionTime"));
    daas_ctrl__del_cond(dp->status, type);
    conds = json_object_get(dp->status, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(dp->status, "conditions", conds);
    }
    json_array_append_new(conds, c);
}

void daas_ctrl__event(daas_ctrl__dp *dp, const char *type, const char *reason,
                      const char *fmt, ...)
{
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_array_append_new(dp->plan->events,
                          json_pack("{s:s,s:s,s:s}", "type", type, "reason", reason, "message",
                                    msg));
}

/* ---- the new ReplicaSet ---- */

int64_t daas_ctrl__new_rs_replicas(const daas_ctrl__dp *dp)
{
    int64_t cur_new = dp->new_idx >= 0 ? daas_ctrl__rs_replicas(&dp->rs[dp->new_idx]) : 0;
    int64_t total, max_total, up;

    if (!dp->rolling)
        return dp->replicas;
    total = daas_ctrl__sum_spec(dp, false, false);
    max_total = dp->replicas + dp->max_surge;
    if (total >= max_total)
        return cur_new;
    up = max_total - total;
    if (up > dp->replicas - cur_new)
        up = dp->replicas - cur_new;
    return cur_new + up;
}

static int64_t max_old_revision(const daas_ctrl__dp *dp)
{
    int64_t m = 0;

    for (size_t i = 0; i < dp->n; i++) {
        int64_t r = daas_ctrl__revision(dp->rs[i].obj);
        if ((long)i != dp->new_idx && r > m)
            m = r;
    }
    return m;
}

static void set_revision(daas_ctrl__dp *dp, const char *rev)
{
    const char *have = ann_str(dp->d, DAAS_CTRL_DEPLOY_REVISION);

    if (rev == NULL || (have != NULL && strcmp(have, rev) == 0))
        return;
    json_decref(dp->plan->revision);
    dp->plan->revision = json_string(rev);
}

/* The existing new ReplicaSet: revision, annotations, minReadySeconds. */
static void sync_existing(daas_ctrl__dp *dp, int64_t rev)
{
    daas_ctrl__dprs *r = &dp->rs[dp->new_idx];
    int64_t mrs = daas_kube_int(dp->d, "spec.minReadySeconds", 0);
    char msg[400];

    if (set_new_rs_annotations(dp, r->obj, rev, true))
        r->dirty = true;
    if (daas_kube_int(r->obj, "spec.minReadySeconds", 0) != mrs) {
        daas_kube_set(r->obj, "spec.minReadySeconds", json_integer(mrs));
        r->dirty = true;
    }
    set_revision(dp, ann_str(r->obj, DAAS_CTRL_DEPLOY_REVISION));
    if (daas_ctrl__get_cond(dp->status, "Progressing") == NULL) {
        snprintf(msg, sizeof(msg), "Found new replica set \"%s\"",
                 daas_kube_str(r->obj, "metadata.name"));
        daas_ctrl__set_cond(dp, "Progressing", "True", "FoundNewReplicaSet", msg);
    }
}

static json_t *build_new_rs(const daas_ctrl__dp *dp, const char *hash)
{
    const json_t *d = dp->d;
    json_t *tmpl = json_deep_copy(daas_kube_path(d, "spec.template"));
    json_t *sel = json_deep_copy(daas_kube_path(d, "spec.selector"));
    char *name = daas_xasprintf("%s-%s", dp->name, hash);
    const char *ns = daas_kube_str(d, "metadata.namespace");
    json_t *rs;

    if (tmpl == NULL)
        tmpl = json_object();
    json_object_set_new(daas_kube_mkpath(tmpl, "metadata.labels"), DAAS_CTRL_DEPLOY_HASH_LABEL,
                        json_string(hash));
    json_object_set_new(daas_kube_mkpath(sel, "matchLabels"), DAAS_CTRL_DEPLOY_HASH_LABEL,
                        json_string(hash));
    rs = json_pack("{s:s,s:s,s:{s:s,s:o,s:[o]},s:{s:i,s:I,s:o,s:o}}", "apiVersion", "apps/v1",
                   "kind", "ReplicaSet", "metadata", "name", name, "labels",
                   json_deep_copy(daas_kube_path(tmpl, "metadata.labels")), "ownerReferences",
                   daas_ctrl_owner_ref(d, "apps/v1", "Deployment"), "spec", "replicas", 0,
                   "minReadySeconds", (json_int_t)daas_kube_int(d, "spec.minReadySeconds", 0),
                   "selector", sel, "template", tmpl);
    if (ns != NULL)
        daas_kube_set_str(rs, "metadata.namespace", ns);
    daas_free(name);
    return rs;
}

static bool name_taken(const json_t *rss, const char *name)
{
    size_t i;
    const json_t *rs;

    json_array_foreach(rss, i, rs) {
        const char *n = daas_kube_str(rs, "metadata.name");
        if (n != NULL && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

static bool create_new(daas_ctrl__dp *dp, const json_t *rss, int64_t rev)
{
    char hash[16], msg[400];
    const json_t *cc = json_object_get(dp->status, "collisionCount");
    json_t *rs;
    daas_ctrl__dprs *r;
    int64_t want;

    daas_ctrl_deploy_hash(daas_kube_path(dp->d, "spec.template"),
                          cc ? json_integer_value(cc) : -1, hash);
    rs = build_new_rs(dp, hash);
    if (name_taken(rss, daas_kube_str(rs, "metadata.name"))) {
        /* upstream: AlreadyExists with another template is a hash collision */
        json_object_set_new(dp->status, "collisionCount",
                            json_integer(cc ? json_integer_value(cc) + 1 : 1));
        json_decref(rs);
        return false;
    }
    r = &dp->rs[dp->n];
    r->obj = rs;
    r->created = dp->now;
    r->created_here = true;
    dp->new_idx = (long)dp->n++;
    want = daas_ctrl__new_rs_replicas(dp);
    daas_kube_set(rs, "spec.replicas", json_integer(want));
    set_new_rs_annotations(dp, rs, rev, false);
    if (want > 0)
        daas_ctrl__event(dp, "Normal", "ScalingReplicaSet",
                         "Scaled up replica set %s to %lld",
                         daas_kube_str(rs, "metadata.name"), (long long)want);
    snprintf(msg, sizeof(msg), "%lld", (long long)rev);
    set_revision(dp, msg);
    snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", daas_kube_str(rs, "metadata.name"));
    daas_ctrl__set_cond(dp, "Progressing", "True", "NewReplicaSetCreated", msg);
    return true;
}

bool daas_ctrl__sync_revision(daas_ctrl__dp *dp, const json_t *rss, bool create)
{
    int64_t rev = max_old_revision(dp) + 1;

    if (dp->new_idx >= 0) {
        sync_existing(dp, rev);
        return true;
    }
    if (!create)
        return true;
    return create_new(dp, rss, rev);
}

/* ---- status ---- */

static void set_int_omit(json_t *o, const char *key, int64_t v)
{
    if (v == 0)
        json_object_del(o, key);
    else
        json_object_set_new(o, key, json_integer(v));
}

void daas_ctrl__calc_status(daas_ctrl__dp *dp)
{
    int64_t avail = daas_ctrl__sum_stat(dp, "availableReplicas");
    int64_t unavail = daas_ctrl__sum_spec(dp, false, false) - avail;
    json_t *st = dp->status;

    set_int_omit(st, "observedGeneration", daas_kube_int(dp->d, "metadata.generation", 0));
    set_int_omit(st, "replicas", daas_ctrl__sum_stat(dp, "replicas"));
    set_int_omit(st, "updatedReplicas",
                 dp->new_idx >= 0 ? daas_ctrl__rs_stat(&dp->rs[dp->new_idx], "replicas") : 0);
    set_int_omit(st, "readyReplicas", daas_ctrl__sum_stat(dp, "readyReplicas"));
    set_int_omit(st, "availableReplicas", avail);
    set_int_omit(st, "unavailableReplicas", unavail > 0 ? unavail : 0);
    if (avail >= dp->replicas - dp->max_unavail)
        daas_ctrl__set_cond(dp, "Available", "True", "MinimumReplicasAvailable",
                            "Deployment has minimum availability.");
    else
        daas_ctrl__set_cond(dp, "Available", "False", "MinimumReplicasUnavailable",
                            "Deployment does not have minimum availability.");
}
