/*
 * test_job_ctl.c: the Job controller (src/ctrl/job_ctl.c) running in a manager over a real
 * API and store, the test playing the kubelet (PUT pods/NAME/status): completions 3 with
 * parallelism 2 (pods with the Job's ownerReference and labels, at most 2 at a time, the
 * Complete condition, counts, completionTime, events); backoffLimit 1 ending Failed with
 * BackoffLimitExceeded; ttlSecondsAfterFinished 0 deleting the Job at once, 1 after a
 * requeue; a Job being deleted left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl.h"
#include "kube/kind.h"
#include "kube/obj.h"

typedef struct fx {
    ctrl_tfx t; /* first: ctrl_t_fx_new, ctrl_t_teardown */
    const daas_kube_kind *jobs, *pods;
} fx;

static int setup(void **state)
{
    fx *f = ctrl_t_fx_new(sizeof *f, "daas-jobctl");
    f->jobs = daas_ctrl_kind("jobs");
    f->pods = daas_ctrl_kind("pods");
    CTRL_T_MGR(&f->t, NULL, true, daas_ctrl_job_register);
    *state = f;
    return 0;
}

/* ---- helpers ---- */

/* Creates Job name with spec extras (a JSON object merged into spec). Returns it (new). */
static json_t *create_job(fx *f, const char *name, const char *spec_json)
{
    json_t *extra = json_loads(spec_json, 0, NULL);
    assert_non_null(extra);
    json_t *job = json_pack(
        "{s:s,s:s,s:{s:s},s:{s:{s:{s:{s:s}},s:{s:s,s:[{s:s,s:s}]}}}}", "apiVersion", "batch/v1",
        "kind", "Job", "metadata", "name", name, "spec", "template", "metadata", "labels", "app",
        name, "spec", "restartPolicy", "Never", "containers", "name", "c", "image", "busybox");
    assert_non_null(job);
    json_object_update(json_object_get(job, "spec"), extra);
    json_decref(extra);
    return ctrl_t_create(&f->t, f->jobs, "default", job);
}

static json_t *get_job(fx *f, const char *name)
{
    return ctrl_t_get(&f->t, f->jobs, "default", name);
}

/* The Job's pods in phase (NULL: any), by its job-name label. */
static json_t *job_pods(fx *f, const char *job, const char *phase)
{
    json_t *all =
        ctrl_t_list(&f->t, "/api/v1/namespaces/default/pods?labelSelector=job-name%%3D%s", job);
    json_t *res = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p)
    {
        const char *ph = daas_kube_str(p, "status.phase") ?: "Pending";
        if (phase == NULL || strcmp(ph, phase) == 0)
            json_array_append(res, p);
    }
    json_decref(all);
    return res;
}

static size_t count_pods(fx *f, const char *job, const char *phase)
{
    return ctrl_t_len(job_pods(f, job, phase));
}

typedef struct want_pods {
    const char *job, *phase;
    size_t n;
} want_pods;

static bool pods_are(void *f, const void *arg)
{
    const want_pods *w = arg;
    return count_pods(f, w->job, w->phase) == w->n;
}

typedef struct want_cond {
    const char *job, *type, *reason;
} want_cond;

static bool job_cond(void *f, const void *arg)
{
    const want_cond *w = arg;
    json_t *job = get_job(f, w->job);
    bool ok = false;
    size_t i;
    json_t *c;
    json_array_foreach(daas_kube_path(job, "status.conditions"), i, c)
    {
        if (strcmp(daas_kube_str(c, "type"), w->type) == 0 &&
            strcmp(daas_kube_str(c, "status"), "True") == 0 &&
            strcmp(daas_kube_str(c, "reason") ?: "", w->reason) == 0)
            ok = true;
    }
    json_decref(job);
    return ok;
}

static bool job_gone(void *f, const void *arg)
{
    json_t *job = get_job(f, arg);
    json_decref(job);
    return job == NULL;
}

/* Plays the kubelet: the pod ran to phase (Succeeded / Failed), finished 1000 s ago (so
 * the Job's failure back-off is over). */
static void finish_pod(fx *f, const json_t *pod, const char *phase)
{
    char t[32];
    daas_time_rfc3339(daas_now_ms() / 1000 - 1000, t, sizeof t);
    json_t *st =
        json_pack("{s:s,s:[{s:s,s:i,s:{s:{s:i,s:s}}}]}", "phase", phase, "containerStatuses",
                  "name", "c", "restartCount", 0, "state", "terminated", "exitCode",
                  strcmp(phase, "Failed") == 0 ? 1 : 0, "finishedAt", t);
    assert_int_equal(ctrl_t_put_status(&f->t, f->pods, pod, st, NULL), DAAS_OK);
}

/* Finishes every pod of job in phase from with phase to; returns how many. */
static size_t finish_all(fx *f, const char *job, const char *from, const char *to)
{
    json_t *pods = job_pods(f, job, from);
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p) finish_pod(f, p, to);
    size_t n = json_array_size(pods);
    json_decref(pods);
    return n;
}

/* How many events on Job name have reason (and type, when not NULL). */
static int events(fx *f, const char *name, const char *reason, const char *type)
{
    return ctrl_t_count_events(&f->t, "default", "Job", name, reason, type);
}

/* ---- tests ---- */

static void assert_job_pod(const json_t *pod, const json_t *job)
{
    const char *uid = daas_kube_str(job, "metadata.uid");
    json_t *refs = daas_kube_path(pod, "metadata.ownerReferences");
    assert_int_equal(json_array_size(refs), 1);
    json_t *r = json_array_get(refs, 0);
    assert_string_equal(daas_kube_str(r, "apiVersion"), "batch/v1");
    assert_string_equal(daas_kube_str(r, "kind"), "Job");
    assert_string_equal(daas_kube_str(r, "name"), "pi");
    assert_string_equal(daas_kube_str(r, "uid"), uid);
    assert_true(json_is_true(json_object_get(r, "controller")));
    assert_true(json_is_true(json_object_get(r, "blockOwnerDeletion")));
    json_t *l = daas_kube_path(pod, "metadata.labels");
    assert_string_equal(json_string_value(json_object_get(l, "app")), "pi");
    assert_string_equal(json_string_value(json_object_get(l, "job-name")), "pi");
    assert_string_equal(json_string_value(json_object_get(l, "controller-uid")), uid);
    assert_string_equal(json_string_value(json_object_get(l, "batch.kubernetes.io/job-name")),
                        "pi");
    assert_string_equal(json_string_value(json_object_get(l, "batch.kubernetes.io/controller-uid")),
                        uid);
    assert_string_equal(daas_kube_str(pod, "metadata.generateName"), "pi-");
    assert_string_equal(daas_kube_str(pod, "spec.restartPolicy"), "Never");
}

static void test_completions_with_parallelism(void **state)
{
    fx *f = *state;
    json_t *job = create_job(f, "pi", "{\"completions\":3,\"parallelism\":2}");
    assert_true(ctrl_t_eventually(pods_are, f, &(want_pods){"pi", NULL, 2}));
    json_t *pods = job_pods(f, "pi", NULL);
    assert_job_pod(json_array_get(pods, 0), job);
    assert_job_pod(json_array_get(pods, 1), job);
    json_decref(pods);
    /* the pods run: active 2; the two succeed: one more pod (3 - 2 left, not 2) */
    assert_int_equal(finish_all(f, "pi", "Pending", "Succeeded"), 2);
    assert_true(ctrl_t_eventually(pods_are, f, &(want_pods){"pi", "Pending", 1}));
    assert_int_equal(count_pods(f, "pi", NULL), 3);
    assert_int_equal(finish_all(f, "pi", "Pending", "Succeeded"), 1);
    assert_true(
        ctrl_t_eventually(job_cond, f, &(want_cond){"pi", "Complete", "CompletionsReached"}));
    json_t *done = get_job(f, "pi");
    assert_int_equal(daas_kube_int(done, "status.succeeded", 0), 3);
    assert_int_equal(daas_kube_int(done, "status.failed", 0), 0);
    assert_int_equal(daas_kube_int(done, "status.active", 0), 0);
    assert_non_null(daas_kube_str(done, "status.completionTime"));
    assert_non_null(daas_kube_str(done, "status.startTime"));
    assert_true(job_cond(f, &(want_cond){"pi", "SuccessCriteriaMet", "CompletionsReached"}));
    /* a finished Job gets no more pods */
    usleep(100000);
    assert_int_equal(count_pods(f, "pi", NULL), 3);
    assert_int_equal(events(f, "pi", "SuccessfulCreate", "Normal"), 3);
    assert_int_equal(events(f, "pi", "Completed", "Normal"), 1);
    json_decref(done);
    json_decref(job);
}

static void test_backoff_limit(void **state)
{
    fx *f = *state;
    json_t *job = create_job(f, "bad", "{\"backoffLimit\":1}");
    assert_true(ctrl_t_eventually(pods_are, f, &(want_pods){"bad", NULL, 1}));
    assert_int_equal(finish_all(f, "bad", "Pending", "Failed"), 1);
    /* one failure is within the limit: a replacement */
    assert_true(ctrl_t_eventually(pods_are, f, &(want_pods){"bad", "Pending", 1}));
    assert_int_equal(finish_all(f, "bad", "Pending", "Failed"), 1);
    assert_true(
        ctrl_t_eventually(job_cond, f, &(want_cond){"bad", "Failed", "BackoffLimitExceeded"}));
    json_t *st = get_job(f, "bad");
    assert_int_equal(daas_kube_int(st, "status.failed", 0), 2);
    assert_int_equal(daas_kube_int(st, "status.active", 0), 0);
    assert_true(job_cond(f, &(want_cond){"bad", "FailureTarget", "BackoffLimitExceeded"}));
    usleep(100000);
    assert_int_equal(count_pods(f, "bad", NULL), 2);
    assert_int_equal(events(f, "bad", "BackoffLimitExceeded", "Warning"), 1);
    assert_int_equal(events(f, "bad", "SuccessfulCreate", "Normal"), 2);
    json_decref(st);
    json_decref(job);
}

static void test_ttl_zero_deletes_the_job(void **state)
{
    fx *f = *state;
    json_t *job = create_job(f, "once", "{\"ttlSecondsAfterFinished\":0}");
    assert_true(ctrl_t_eventually(pods_are, f, &(want_pods){"once", NULL, 1}));
    assert_int_equal(finish_all(f, "once", "Pending", "Succeeded"), 1);
    assert_true(ctrl_t_eventually(job_gone, f, "once"));
    json_decref(job);
}

/* A TTL in the future: the Job is requeued for it (enqueue_after), then deleted. The TTL is
 * 3 s so that the Complete Job is seen before it goes, even on a loaded machine. */
static void test_ttl_later_deletes_the_job(void **state)
{
    fx *f = *state;
    json_t *job = create_job(f, "later", "{\"ttlSecondsAfterFinished\":3}");
    assert_true(ctrl_t_eventually(pods_are, f, &(want_pods){"later", NULL, 1}));
    assert_int_equal(finish_all(f, "later", "Pending", "Succeeded"), 1);
    assert_true(
        ctrl_t_eventually(job_cond, f, &(want_cond){"later", "Complete", "CompletionsReached"}));
    assert_true(ctrl_t_eventually(job_gone, f, "later"));
    json_decref(job);
}

/* A Job with a deletionTimestamp (held by a finalizer) is left alone: no pods. */
static void test_deleting_job_left_alone(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    json_t *job = create_job(f, "held", "{\"suspend\":true}");
    ctrl_t_patch(&f->t, f->jobs, "default", "held", NULL, DAAS_CTRL_PATCH_MERGE,
                 json_pack("{s:{s:[s]}}", "metadata", "finalizers", "example.com/hold"));
    assert_int_equal(daas_ctrl_client_delete(f->t.c, f->jobs, "default", "held", NULL, NULL, &e),
                     DAAS_OK);
    ctrl_t_patch(&f->t, f->jobs, "default", "held", NULL, DAAS_CTRL_PATCH_MERGE,
                 json_pack("{s:{s:b}}", "spec", "suspend", 0));
    usleep(300000);
    assert_int_equal(count_pods(f, "held", NULL), 0);
    /* release it */
    ctrl_t_patch(&f->t, f->jobs, "default", "held", NULL, DAAS_CTRL_PATCH_MERGE,
                 json_pack("{s:{s:[]}}", "metadata", "finalizers"));
    assert_true(ctrl_t_eventually(job_gone, f, "held"));
    json_decref(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_completions_with_parallelism, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_backoff_limit, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_ttl_zero_deletes_the_job, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_ttl_later_deletes_the_job, setup, ctrl_t_teardown),
        cmocka_unit_test_setup_teardown(test_deleting_job_left_alone, setup, ctrl_t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
