/*
 * test_deployment.c: the Deployment plan driven step by step against the ReplicaSet plan and
 * simulated pods (pods become ready 2 s after creation), as kubectl would watch it: rolling
 * updates that keep availability and surge within bounds, proportional scaling, Recreate,
 * paused deployments, revisions and undo, history cleanup, the progress deadline, and the
 * status kubectl rollout status reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/util.h"
#include "ctrl/deployment.h"
#include "ctrl/podutil.h"
#include "ctrl/replicaset.h"
#include "kube/obj.h"

#define T0 ((int64_t)1795235293)

typedef struct sim {
    json_t *d, *rss, *pods;
    int64_t now;
    int serial;
    int max_surge, max_unavail; /* bounds to check; -1: do not check */
    bool check_avail;
    int min_avail_seen, max_total_seen;
    json_t *events; /* all events, in order */
} sim;

static json_t *js(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (j == NULL)
        fail_msg("bad JSON literal: %s (col %d)", e.text, e.column);
    return j;
}

static void stamp(json_t *o, const char *path, int64_t t)
{
    char ts[32];
    daas_time_rfc3339(t, ts, sizeof(ts));
    daas_kube_set_str(o, path, ts);
}

static void sim_init(sim *s, int replicas, const char *strategy)
{
    char buf[1024];
    memset(s, 0, sizeof(*s));
    snprintf(buf, sizeof(buf),
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
             "\"namespace\":\"default\",\"uid\":\"d-uid\",\"generation\":1},\"spec\":{"
             "\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
             "\"strategy\":%s,\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600,"
             "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
             "\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\"}]}}}}",
             replicas, strategy);
    s->d = js(buf);
    s->rss = json_array();
    s->pods = json_array();
    s->events = json_array();
    s->now = T0;
    s->max_surge = s->max_unavail = -1;
}

static void sim_fini(sim *s)
{
    json_decref(s->d);
    json_decref(s->rss);
    json_decref(s->pods);
    json_decref(s->events);
}

/* Changes the Deployment's spec as kubectl would (generation + 1). */
static void sim_edit(sim *s, const char *path, json_t *v)
{
    daas_kube_set(s->d, path, v);
    daas_kube_set(s->d, "metadata.generation",
                  json_integer(daas_kube_int(s->d, "metadata.generation", 0) + 1));
}

static json_t *find_by_name(json_t *arr, const char *name, size_t *at)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        const char *n = daas_kube_str(o, "metadata.name");
        if (n != NULL && strcmp(n, name) == 0) {
            if (at != NULL)
                *at = i;
            return o;
        }
    }
    return NULL;
}

static void ready_pods(sim *s)
{
    size_t i;
    json_t *p;
    json_array_foreach(s->pods, i, p) {
        const char *ph = daas_kube_str(p, "status.phase");
        const json_t *c0 = json_array_get(daas_kube_path(p, "spec.containers"), 0);
        if (strcmp(json_string_value(json_object_get(c0, "image")), "broken") == 0)
            continue; /* never starts */
        if (strcmp(ph, "Pending") == 0 &&
            daas_ctrl_time(p, "metadata.creationTimestamp") + 2 <= s->now) {
            char ts[32];
            daas_time_rfc3339(s->now, ts, sizeof(ts));
            daas_kube_set_str(p, "status.phase", "Running");
            daas_kube_set(p, "status.conditions",
                          json_pack("[{s:s,s:s,s:s}]", "type", "Ready", "status", "True",
                                    "lastTransitionTime", ts));
        }
    }
}

static void rs_sync(sim *s)
{
    size_t i;
    json_t *rs;
    json_array_foreach(s->rss, i, rs) {
        daas_ctrl_rs_in in = {.now = s->now};
        daas_ctrl_rs_plan p;
        size_t k;
        json_t *x;
        assert_int_equal(daas_ctrl_rs_plan_make(rs, s->pods, &in, &p, NULL), DAAS_OK);
        for (int c = 0; c < p.create_count; c++) {
            json_t *pod = json_deep_copy(p.pod);
            char name[64];
            snprintf(name, sizeof(name), "%s%d", daas_kube_str(pod, "metadata.generateName"),
                     ++s->serial);
            daas_kube_set_str(pod, "metadata.name", name);
            daas_kube_set_str(pod, "metadata.uid", name);
            stamp(pod, "metadata.creationTimestamp", s->now);
            daas_kube_set_str(pod, "spec.nodeName", "n1");
            daas_kube_set_str(pod, "status.phase", "Pending");
            json_array_append_new(s->pods, pod);
        }
        json_array_foreach(p.remove, k, x) {
            size_t at;
            assert_non_null(find_by_name(s->pods, json_string_value(json_object_get(x, "name")),
                                         &at));
            json_array_remove(s->pods, at);
        }
        assert_int_equal(json_array_size(p.adopt) + json_array_size(p.release), 0);
        daas_kube_set(rs, "status", json_incref(p.status));
        daas_kube_set(rs, "status.observedGeneration",
                      json_integer(daas_kube_int(rs, "metadata.generation", 1)));
        daas_ctrl_rs_plan_fini(&p);
    }
}

static void apply_deploy_plan(sim *s, daas_ctrl_deploy_plan *p)
{
    size_t k;
    json_t *x;

    if (p->create_rs != NULL) {
        json_t *rs = json_deep_copy(p->create_rs);
        char uid[64];
        assert_null(find_by_name(s->rss, daas_kube_str(rs, "metadata.name"), NULL));
        snprintf(uid, sizeof(uid), "uid-%s", daas_kube_str(rs, "metadata.name"));
        daas_kube_set_str(rs, "metadata.uid", uid);
        daas_kube_set(rs, "metadata.generation", json_integer(1));
        stamp(rs, "metadata.creationTimestamp", s->now);
        json_array_append_new(s->rss, rs);
    }
    json_array_foreach(p->scale, k, x) {
        json_t *rs = find_by_name(s->rss, json_string_value(json_object_get(x, "name")), NULL);
        assert_non_null(rs);
        daas_kube_set(rs, "spec.replicas", json_incref(json_object_get(x, "replicas")));
        daas_kube_set(rs, "spec.minReadySeconds",
                      json_incref(json_object_get(x, "minReadySeconds")));
        json_object_update(daas_kube_mkpath(rs, "metadata.annotations"),
                           json_object_get(x, "annotations"));
        daas_kube_set(rs, "metadata.generation",
                      json_integer(daas_kube_int(rs, "metadata.generation", 1) + 1));
    }
    json_array_foreach(p->delete_rs, k, x) {
        size_t at;
        assert_non_null(find_by_name(s->rss, json_string_value(json_object_get(x, "name")), &at));
        json_array_remove(s->rss, at);
    }
    if (p->revision != NULL)
        json_object_set(daas_kube_mkpath(s->d, "metadata.annotations"),
                        DAAS_CTRL_DEPLOY_REVISION, p->revision);
    daas_kube_set(s->d, "status", json_incref(p->status));
    json_array_extend(s->events, p->events);
}

static void check_bounds(sim *s)
{
    int64_t replicas = daas_kube_int(s->d, "spec.replicas", 1);
    int total = (int)json_array_size(s->pods), avail = 0;
    size_t i;
    json_t *p;

    json_array_foreach(s->pods, i, p) {
        if (daas_ctrl_pod_available(p, 0, s->now))
            avail++;
    }
    if (avail < s->min_avail_seen || s->min_avail_seen < 0)
        s->min_avail_seen = avail;
    if (total > s->max_total_seen)
        s->max_total_seen = total;
    if (s->max_surge >= 0)
        assert_true(total <= replicas + s->max_surge);
    if (s->check_avail && s->max_unavail >= 0)
        assert_true(avail >= replicas - s->max_unavail);
}

/* One tick: a second passes, pods get ready, ReplicaSets sync, the Deployment syncs and its
 * plan is applied, ReplicaSets act on it. */
static void sim_step(sim *s)
{
    daas_ctrl_deploy_plan p;

    s->now++;
    ready_pods(s);
    rs_sync(s);
    check_bounds(s);
    assert_int_equal(daas_ctrl_deploy_plan_make(s->d, s->rss, s->pods, s->now, &p, NULL), DAAS_OK);
    apply_deploy_plan(s, &p);
    daas_ctrl_deploy_plan_fini(&p);
    rs_sync(s);
    check_bounds(s);
}

/* kubectl's DeploymentStatusViewer: 1 done, 0 waiting (msg says why), -1 error. */
static int rollout_status(const json_t *d, char *msg, size_t n)
{
    const json_t *st = daas_kube_path(d, "status");
    int64_t want = daas_kube_int(d, "spec.replicas", 1);
    const json_t *conds = json_object_get(st, "conditions");
    size_t i;
    const json_t *c;

    if (daas_kube_int(d, "metadata.generation", 0) > daas_kube_int(st, "observedGeneration", 0)) {
        snprintf(msg, n, "Waiting for deployment spec update to be observed...");
        return 0;
    }
    json_array_foreach(conds, i, c) {
        const char *r = json_string_value(json_object_get(c, "reason"));
        if (r != NULL && strcmp(r, "ProgressDeadlineExceeded") == 0) {
            snprintf(msg, n, "deployment \"web\" exceeded its progress deadline");
            return -1;
        }
    }
    if (daas_kube_int(st, "updatedReplicas", 0) < want) {
        snprintf(msg, n, "%lld out of %lld new replicas have been updated...",
                 (long long)daas_kube_int(st, "updatedReplicas", 0), (long long)want);
        return 0;
    }
    if (daas_kube_int(st, "replicas", 0) > daas_kube_int(st, "updatedReplicas", 0)) {
        snprintf(msg, n, "%lld old replicas are pending termination...",
                 (long long)(daas_kube_int(st, "replicas", 0) -
                             daas_kube_int(st, "updatedReplicas", 0)));
        return 0;
    }
    if (daas_kube_int(st, "availableReplicas", 0) < daas_kube_int(st, "updatedReplicas", 0)) {
        snprintf(msg, n, "%lld of %lld updated replicas are available...",
                 (long long)daas_kube_int(st, "availableReplicas", 0),
                 (long long)daas_kube_int(st, "updatedReplicas", 0));
        return 0;
    }
    snprintf(msg, n, "deployment \"web\" successfully rolled out");
    return 1;
}

/* Steps until kubectl rollout status would exit 0; returns the steps taken. */
static int run_until_rolled_out(sim *s, int max)
{
    char msg[200];
    for (int i = 1; i <= max; i++) {
        sim_step(s);
        int r = rollout_status(s->d, msg, sizeof(msg));
        assert_int_not_equal(r, -1);
        if (r == 1)
            return i;
    }
    fail_msg("not rolled out after %d steps: %s", max, msg);
    return -1;
}

static const json_t *cond(const json_t *d, const char *type)
{
    const json_t *conds = daas_kube_path(d, "status.conditions");
    size_t i;
    const json_t *c;
    json_array_foreach(conds, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
            return c;
    }
    return NULL;
}

static const char *cond_reason(const json_t *d, const char *type)
{
    const json_t *c = cond(d, type);
    return c ? json_string_value(json_object_get(c, "reason")) : NULL;
}

static int64_t rs_spec(sim *s, size_t i)
{
    return daas_kube_int(json_array_get(s->rss, i), "spec.replicas", -1);
}

static const char *rs_ann(sim *s, size_t i, const char *key)
{
    return json_string_value(
        json_object_get(daas_kube_path(json_array_get(s->rss, i), "metadata.annotations"), key));
}

static const char *d_rev(sim *s)
{
    return json_string_value(json_object_get(daas_kube_path(s->d, "metadata.annotations"),
                                             DAAS_CTRL_DEPLOY_REVISION));
}

static bool has_event(sim *s, const char *msg)
{
    size_t i;
    json_t *e;
    json_array_foreach(s->events, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "message")), msg) == 0)
            return true;
    }
    return false;
}

#define ROLLING(s, u) "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":" s \
                      ",\"maxUnavailable\":" u "}}"

static void set_image(sim *s, const char *image)
{
    json_t *c0 = json_array_get(daas_kube_path(s->d, "spec.template.spec.containers"), 0);
    json_object_set_new(c0, "image", json_string(image));
    sim_edit(s, "metadata.generation", json_integer(daas_kube_int(s->d, "metadata.generation", 0)));
}

static void test_create_and_rollout(void **state)
{
    (void)state;
    sim s;
    daas_ctrl_deploy_plan p;
    char msg[200];
    const json_t *rs;

    sim_init(&s, 3, "{\"type\":\"RollingUpdate\"}");
    assert_int_equal(rollout_status(s.d, msg, sizeof(msg)), 0);
    assert_string_equal(msg, "Waiting for deployment spec update to be observed...");
    sim_step(&s);
    assert_int_equal(json_array_size(s.rss), 1);
    rs = json_array_get(s.rss, 0);
    const char *name = daas_kube_str(rs, "metadata.name");
    const char *hash = daas_kube_str(rs, "metadata.labels.pod-template-hash");
    assert_non_null(hash);
    char want[64];
    snprintf(want, sizeof(want), "web-%s", hash);
    assert_string_equal(name, want);
    assert_string_equal(daas_kube_str(rs, "spec.selector.matchLabels.pod-template-hash"), hash);
    assert_string_equal(daas_kube_str(rs, "spec.template.metadata.labels.pod-template-hash"), hash);
    assert_string_equal(daas_kube_str(rs, "metadata.labels.app"), "web");
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(daas_kube_path(rs, "metadata.ownerReferences"), 0), "uid")),
        "d-uid");
    assert_int_equal(rs_spec(&s, 0), 3); /* 25% of 3: surge 1, unavailable 0 */
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_REVISION), "1");
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_DESIRED), "3");
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_MAX), "4");
    assert_string_equal(d_rev(&s), "1");
    assert_string_equal(cond_reason(s.d, "Progressing"), "NewReplicaSetCreated");
    snprintf(want, sizeof(want), "Created new replica set \"%s\"", name);
    assert_string_equal(json_string_value(json_object_get(cond(s.d, "Progressing"), "message")),
                        want);
    snprintf(want, sizeof(want), "Scaled up replica set %s to 3", name);
    assert_true(has_event(&s, want));
    assert_int_equal(daas_kube_int(s.d, "status.observedGeneration", 0), 1);

    run_until_rolled_out(&s, 20);
    assert_string_equal(cond_reason(s.d, "Available"), "MinimumReplicasAvailable");
    assert_string_equal(json_string_value(json_object_get(cond(s.d, "Available"), "message")),
                        "Deployment has minimum availability.");
    assert_string_equal(cond_reason(s.d, "Progressing"), "NewReplicaSetAvailable");
    snprintf(want, sizeof(want), "ReplicaSet \"%s\" has successfully progressed.", name);
    assert_string_equal(json_string_value(json_object_get(cond(s.d, "Progressing"), "message")),
                        want);
    assert_int_equal(daas_kube_int(s.d, "status.replicas", 0), 3);
    assert_int_equal(daas_kube_int(s.d, "status.updatedReplicas", 0), 3);
    assert_int_equal(daas_kube_int(s.d, "status.readyReplicas", 0), 3);
    assert_int_equal(daas_kube_int(s.d, "status.availableReplicas", 0), 3);
    assert_null(daas_kube_path(s.d, "status.unavailableReplicas"));
    /* steady state: nothing to do */
    s.now += 5;
    rs_sync(&s);
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_false(p.status_changed);
    assert_null(p.create_rs);
    assert_int_equal(json_array_size(p.scale), 0);
    assert_int_equal(p.requeue_after, 0);
    daas_ctrl_deploy_plan_fini(&p);
    sim_fini(&s);
}

static void rolling_case(int replicas, const char *strategy, int surge, int unavail)
{
    sim s;
    char msg[200];
    bool saw_old_pending = false, saw_updated = false;

    sim_init(&s, replicas, strategy);
    run_until_rolled_out(&s, 40);
    s.max_surge = surge;
    s.max_unavail = unavail;
    s.check_avail = true;
    s.min_avail_seen = -1;
    s.max_total_seen = 0;
    set_image(&s, "nginx:2");
    for (int i = 0; i < 200; i++) {
        sim_step(&s);
        int r = rollout_status(s.d, msg, sizeof(msg));
        saw_old_pending = saw_old_pending || strstr(msg, "old replicas are pending") != NULL;
        saw_updated = saw_updated || strstr(msg, "new replicas have been updated") != NULL;
        if (r == 1)
            break;
    }
    assert_string_equal(msg, "deployment \"web\" successfully rolled out");
    assert_true(saw_updated);
    assert_int_equal(json_array_size(s.rss), 2);
    assert_int_equal(rs_spec(&s, 0), 0);
    assert_int_equal(rs_spec(&s, 1), replicas);
    assert_string_equal(rs_ann(&s, 1, DAAS_CTRL_DEPLOY_REVISION), "2");
    assert_string_equal(d_rev(&s), "2");
    /* the bounds were used, not just respected */
    assert_int_equal(s.max_total_seen, replicas + surge);
    assert_true(s.min_avail_seen < replicas || unavail == 0);
    (void)saw_old_pending;
    sim_fini(&s);
}

static void test_rolling_update_bounds(void **state)
{
    (void)state;
    rolling_case(10, ROLLING("3", "2"), 3, 2);
    rolling_case(10, ROLLING("\"30%\"", "\"30%\""), 3, 3);
    rolling_case(4, "{\"type\":\"RollingUpdate\"}", 1, 1);
    rolling_case(5, ROLLING("0", "\"0%\""), 0, 1); /* both zero: maxUnavailable 1 */
    rolling_case(3, ROLLING("1", "0"), 1, 0);
}

static void test_undo_restart_history(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, 2, "{\"type\":\"RollingUpdate\"}");
    daas_kube_set(s.d, "spec.revisionHistoryLimit", json_integer(1));
    run_until_rolled_out(&s, 20);
    set_image(&s, "nginx:2");
    run_until_rolled_out(&s, 40);
    assert_int_equal(json_array_size(s.rss), 2);
    /* rollout undo: kubectl puts revision 1's template back, with "creationTimestamp": null
     * in its metadata (a Go zero value), which must still match revision 1's ReplicaSet */
    set_image(&s, "nginx:1");
    sim_edit(&s, "spec.template.metadata.creationTimestamp", json_null());
    run_until_rolled_out(&s, 40);
    assert_int_equal(json_array_size(s.rss), 2);
    assert_int_equal(rs_spec(&s, 0), 2);
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_REVISION), "3");
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_REVISION_HISTORY), "1");
    assert_string_equal(d_rev(&s), "3");
    /* rollout restart: a template annotation, a new ReplicaSet */
    sim_edit(&s, "spec.template.metadata.annotations",
             json_pack("{s:s}", "kubectl.kubernetes.io/restartedAt", "2026-11-21T05:00:00Z"));
    run_until_rolled_out(&s, 40);
    sim_step(&s); /* complete: the next sync cleans up history */
    /* revisionHistoryLimit 1: revision 2's ReplicaSet is gone */
    assert_int_equal(json_array_size(s.rss), 2);
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_REVISION), "3");
    assert_string_equal(rs_ann(&s, 1, DAAS_CTRL_DEPLOY_REVISION), "4");
    assert_int_equal(rs_spec(&s, 1), 2);
    sim_fini(&s);
}

static void test_proportional_scaling(void **state)
{
    (void)state;
    sim s;
    char want[128];

    sim_init(&s, 10, ROLLING("3", "2"));
    run_until_rolled_out(&s, 20);
    set_image(&s, "broken"); /* new pods never get ready: the rollout stalls mid-way */
    sim_step(&s);
    sim_step(&s);
    assert_int_equal(rs_spec(&s, 0), 8);
    assert_int_equal(rs_spec(&s, 1), 5);
    /* kubectl scale to 15 mid-rollout: 18 allowed, 5 more: 3 to the old, 2 to the new
     * (the example of the Kubernetes documentation) */
    sim_edit(&s, "spec.replicas", json_integer(15));
    sim_step(&s);
    assert_int_equal(rs_spec(&s, 0), 11);
    assert_int_equal(rs_spec(&s, 1), 7);
    assert_string_equal(rs_ann(&s, 0, DAAS_CTRL_DEPLOY_DESIRED), "15");
    assert_string_equal(rs_ann(&s, 1, DAAS_CTRL_DEPLOY_MAX), "18");
    snprintf(want, sizeof(want), "Scaled up replica set %s to 11 from 8",
             daas_kube_str(json_array_get(s.rss, 0), "metadata.name"));
    assert_true(has_event(&s, want));
    /* scale down to 5 mid-rollout: proportional too, the larger (older) first */
    sim_edit(&s, "spec.replicas", json_integer(5));
    sim_step(&s);
    assert_int_equal(rs_spec(&s, 0), 5); /* 11*8/18 = 4.9 → 5 */
    assert_int_equal(rs_spec(&s, 1), 3); /* 7*8/18 = 3.1 → 3; 5 + 3 = replicas + surge */
    sim_fini(&s);
}

static void test_recreate(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, 3, "{\"type\":\"Recreate\"}");
    run_until_rolled_out(&s, 20);
    set_image(&s, "nginx:2");
    sim_step(&s);
    /* old scaled to 0 first; no new ReplicaSet while old pods exist */
    assert_int_equal(rs_spec(&s, 0), 0);
    for (int i = 0; i < 20; i++) {
        size_t k;
        json_t *p;
        bool old = false, nw = false;
        json_array_foreach(s.pods, k, p) {
            const char *img = json_string_value(json_object_get(
                json_array_get(daas_kube_path(p, "spec.containers"), 0), "image"));
            old = old || strcmp(img, "nginx:1") == 0;
            nw = nw || strcmp(img, "nginx:2") == 0;
        }
        assert_false(old && nw);
        sim_step(&s);
    }
    assert_int_equal(json_array_size(s.rss), 2);
    assert_int_equal(rs_spec(&s, 1), 3);
    char msg[200];
    assert_int_equal(rollout_status(s.d, msg, sizeof(msg)), 1);
    sim_fini(&s);
}

static void test_recreate_waits_for_pods(void **state)
{
    (void)state;
    sim s;
    daas_ctrl_deploy_plan p;

    sim_init(&s, 2, "{\"type\":\"Recreate\"}");
    run_until_rolled_out(&s, 20);
    set_image(&s, "nginx:2");
    /* the old ReplicaSet says 0 but a terminating pod of it still runs */
    daas_kube_set(json_array_get(s.rss, 0), "spec.replicas", json_integer(0));
    daas_kube_set(json_array_get(s.rss, 0), "status.replicas", json_integer(0));
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_null(p.create_rs);
    daas_ctrl_deploy_plan_fini(&p);
    json_array_clear(s.pods);
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_non_null(p.create_rs);
    assert_int_equal(daas_kube_int(p.create_rs, "spec.replicas", -1), 2);
    daas_ctrl_deploy_plan_fini(&p);
    sim_fini(&s);
}

static void test_paused(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, 2, "{\"type\":\"RollingUpdate\"}");
    run_until_rolled_out(&s, 20);
    sim_edit(&s, "spec.paused", json_true());
    set_image(&s, "nginx:2");
    sim_step(&s);
    sim_step(&s);
    assert_int_equal(json_array_size(s.rss), 1); /* no rollout while paused */
    assert_string_equal(cond_reason(s.d, "Progressing"), "DeploymentPaused");
    assert_string_equal(json_string_value(json_object_get(cond(s.d, "Progressing"), "status")),
                        "Unknown");
    sim_edit(&s, "spec.replicas", json_integer(4)); /* but it scales */
    sim_step(&s);
    assert_int_equal(rs_spec(&s, 0), 4);
    sim_edit(&s, "spec.paused", json_false());
    sim_step(&s);
    assert_int_equal(json_array_size(s.rss), 2);
    run_until_rolled_out(&s, 40);
    assert_int_equal(rs_spec(&s, 1), 4);
    assert_string_equal(cond_reason(s.d, "Progressing"), "NewReplicaSetAvailable");
    sim_fini(&s);
}

static void test_progress_deadline(void **state)
{
    (void)state;
    sim s;
    char msg[200];
    int r = 0;
    bool requeued = false;
    daas_ctrl_deploy_plan p;

    sim_init(&s, 2, "{\"type\":\"RollingUpdate\"}");
    daas_kube_set(s.d, "spec.progressDeadlineSeconds", json_integer(10));
    run_until_rolled_out(&s, 20);
    set_image(&s, "broken");
    for (int i = 0; i < 30 && r == 0; i++) {
        sim_step(&s);
        assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL),
                         DAAS_OK);
        requeued = requeued || (p.requeue_after > 0 && p.requeue_after <= 11);
        daas_ctrl_deploy_plan_fini(&p);
        r = rollout_status(s.d, msg, sizeof(msg));
    }
    assert_int_equal(r, -1);
    assert_true(requeued);
    assert_string_equal(cond_reason(s.d, "Progressing"), "ProgressDeadlineExceeded");
    assert_string_equal(json_string_value(json_object_get(cond(s.d, "Progressing"), "status")),
                        "False");
    char want[128];
    snprintf(want, sizeof(want), "ReplicaSet \"%s\" has timed out progressing.",
             daas_kube_str(json_array_get(s.rss, 1), "metadata.name"));
    assert_string_equal(json_string_value(json_object_get(cond(s.d, "Progressing"), "message")),
                        want);
    /* availability held: 25% of 2 → 0 unavailable */
    assert_string_equal(cond_reason(s.d, "Available"), "MinimumReplicasAvailable");
    sim_fini(&s);
}

static void test_collision(void **state)
{
    (void)state;
    sim s;
    daas_ctrl_deploy_plan p;
    char hash[16], name[64];

    sim_init(&s, 1, "{\"type\":\"RollingUpdate\"}");
    daas_ctrl_deploy_hash(daas_kube_path(s.d, "spec.template"), -1, hash);
    snprintf(name, sizeof(name), "web-%s", hash);
    json_array_append_new(s.rss, json_pack("{s:{s:s,s:s,s:{s:s}},s:{s:i}}", "metadata", "name",
                                           name, "uid", "squatter", "labels", "app", "other",
                                           "spec", "replicas", 0));
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_null(p.create_rs);
    assert_true(p.status_changed);
    assert_int_equal(daas_kube_int(p.status, "collisionCount", 0), 1);
    apply_deploy_plan(&s, &p);
    daas_ctrl_deploy_plan_fini(&p);
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_non_null(p.create_rs);
    assert_string_not_equal(daas_kube_str(p.create_rs, "metadata.name"), name);
    daas_ctrl_deploy_hash(daas_kube_path(s.d, "spec.template"), 1, hash);
    assert_string_equal(daas_kube_str(p.create_rs, "metadata.labels.pod-template-hash"), hash);
    daas_ctrl_deploy_plan_fini(&p);
    sim_fini(&s);
}

static void test_claim_and_selector(void **state)
{
    (void)state;
    sim s;
    daas_ctrl_deploy_plan p;

    sim_init(&s, 1, "{\"type\":\"RollingUpdate\"}");
    json_array_append_new(s.rss, json_pack("{s:{s:s,s:s,s:{s:s}},s:{s:i}}", "metadata", "name",
                                           "orphan", "uid", "o1", "labels", "app", "web", "spec",
                                           "replicas", 0));
    json_array_append_new(s.rss, js("{\"metadata\":{\"name\":\"mine\",\"uid\":\"m1\","
                                    "\"labels\":{\"app\":\"db\"},\"ownerReferences\":[{"
                                    "\"uid\":\"d-uid\",\"controller\":true}]}}"));
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p.adopt_rs, 0), "name")),
                        "orphan");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(p.release_rs, 0), "name")), "mine");
    daas_ctrl_deploy_plan_fini(&p);
    /* a selector that selects everything is refused */
    daas_kube_set(s.d, "spec.selector", json_object());
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, NULL), DAAS_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(p.events, 0), "reason")),
                        "SelectorOverride");
    assert_int_equal(daas_kube_int(p.status, "observedGeneration", 0), 1);
    assert_null(p.create_rs);
    daas_ctrl_deploy_plan_fini(&p);
    /* a bad maxSurge is an error, and the plan stays empty */
    daas_kube_set(s.d, "spec.selector", js("{\"matchLabels\":{\"app\":\"web\"}}"));
    daas_kube_set(s.d, "spec.strategy", js(ROLLING("\"x\"", "1")));
    daas_err err = {0};
    assert_int_equal(daas_ctrl_deploy_plan_make(s.d, s.rss, s.pods, s.now, &p, &err),
                     DAAS_EINVAL);
    assert_null(p.status);
    assert_null(p.scale);
    sim_fini(&s);
}

static void intstr_ok(json_t *j, int64_t total, bool up, int64_t want)
{
    int64_t v = -1;
    assert_int_equal(daas_ctrl_deploy_intstr(j, total, up, &v, NULL), DAAS_OK);
    assert_int_equal(v, want);
    json_decref(j);
}

static void intstr_bad(json_t *j)
{
    int64_t v = -1;
    assert_int_equal(daas_ctrl_deploy_intstr(j, 10, true, &v, NULL), DAAS_EINVAL);
    assert_int_equal(v, -1);
    json_decref(j);
}

static void test_intstr(void **state)
{
    (void)state;
    intstr_ok(json_integer(5), 3, true, 5);
    intstr_ok(json_string("25%"), 3, true, 1);
    intstr_ok(json_string("25%"), 3, false, 0);
    intstr_ok(json_string("25%"), 4, false, 1);
    intstr_ok(json_string("30%"), 10, true, 3);
    intstr_ok(json_string("33%"), 10, true, 4);
    intstr_ok(json_string("100%"), 7, false, 7);
    intstr_ok(json_string("0%"), 7, true, 0);
    intstr_bad(json_integer(-1));
    intstr_bad(json_string("5"));
    intstr_bad(json_string("%"));
    intstr_bad(json_string("1x%"));
    intstr_bad(json_string("-5%"));
    intstr_bad(json_string("12345678901%"));
    intstr_bad(json_true());
    intstr_bad(NULL);
}

static void test_hash_stable(void **state)
{
    (void)state;
    json_t *a = js("{\"metadata\":{\"labels\":{\"app\":\"web\",\"x\":\"y\"}},\"spec\":{}}");
    json_t *b = js("{\"spec\":{},\"metadata\":{\"labels\":{\"x\":\"y\",\"app\":\"web\"}}}");
    char ha[16], hb[16], hc[16];

    daas_ctrl_deploy_hash(a, -1, ha);
    daas_ctrl_deploy_hash(b, -1, hb);
    daas_ctrl_deploy_hash(a, 1, hc);
    assert_string_equal(ha, hb); /* key order does not matter */
    assert_string_not_equal(ha, hc);
    for (const char *p = ha; *p; p++)
        assert_non_null(strchr("bcdfghjklmnpqrstvwxz2456789", *p));
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_rollout),
        cmocka_unit_test(test_rolling_update_bounds),
        cmocka_unit_test(test_undo_restart_history),
        cmocka_unit_test(test_proportional_scaling),
        cmocka_unit_test(test_recreate),
        cmocka_unit_test(test_recreate_waits_for_pods),
        cmocka_unit_test(test_paused),
        cmocka_unit_test(test_progress_deadline),
        cmocka_unit_test(test_collision),
        cmocka_unit_test(test_claim_and_selector),
        cmocka_unit_test(test_intstr),
        cmocka_unit_test(test_hash_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
