/*
 * test_job.c: the Job controller's plan (src/ctrl/job.c) against Kubernetes' job controller:
 * parallelism and completions, work queues, backoffLimit, activeDeadlineSeconds, suspend and
 * resume, pod failure back-off, Indexed jobs, TTL. JSON here uses ' for ".
 */
#include "kube/kube_testutil.h"

#include <stdio.h>

#include "common/util.h"
#include "ctrl/job.h"
#include "kube/obj.h"

#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

static json_t *mkjob(const char *spec_extra, const char *status)
{
    char b[2048];
    snprintf(b, sizeof b,
             "{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'pi','namespace':'ns',"
             "'uid':'u-job'},'spec':{%s%s'template':{'metadata':{'labels':{'app':'pi'}},"
             "'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'busybox'}]}}},"
             "'status':%s}",
             spec_extra, *spec_extra ? "," : "", status ? status : "{}");
    return ku_json(b);
}

/* A pod owned by the job; fin: container finishedAt (0: none); idx -1: no index. */
static json_t *mkpod(const char *name, const char *phase, bool ready, int64_t fin, int idx)
{
    char b[1024], t[32] = "", ix[128] = "";
    if (fin)
        daas_time_rfc3339(fin, t, sizeof t);
    if (idx >= 0)
        snprintf(ix, sizeof ix, ",'annotations':{'batch.kubernetes.io/job-completion-index':'%d'}",
                 idx);
    snprintf(b, sizeof b,
             "{'metadata':{'name':'%s','ownerReferences':[{'uid':'u-job','controller':true}]%s},"
             "'spec':{'nodeName':'n1'},'status':{'phase':'%s','conditions':[{'type':'Ready',"
             "'status':'%s'}],'containerStatuses':[{'restartCount':0%s%s%s}]}}",
             name, ix, phase, ready ? "True" : "False",
             fin ? ",'state':{'terminated':{'finishedAt':'" : "", t, fin ? "'}}" : "");
    return ku_json(b);
}

static daas_ctrl_job_plan run(const json_t *job, const json_t *pods, int64_t now)
{
    daas_ctrl_job_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_job_plan_make(job, pods, now, &p, &e), DAAS_OK);
    return p;
}

static const char *cond_status(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        if (strcmp(daas_kube_str(c, "type"), type) == 0)
            return daas_kube_str(c, "status");
    }
    return NULL;
}

static const char *cond_reason(const json_t *status, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        if (strcmp(daas_kube_str(c, "type"), type) == 0)
            return daas_kube_str(c, "reason");
    }
    return NULL;
}

static void test_new_job_creates_parallelism_pods(void **state)
{
    (void)state;
    json_t *job = mkjob("'completions':3,'parallelism':2", NULL);
    json_t *pods = json_array();
    daas_ctrl_job_plan p = run(job, pods, NOW);
    assert_int_equal(json_array_size(p.create), 2);
    json_t *pod = json_array_get(p.create, 0);
    ku_assert_json(daas_kube_path(pod, "metadata"),
                   "{'namespace':'ns','generateName':'pi-','labels':{'app':'pi',"
                   "'batch.kubernetes.io/controller-uid':'u-job','batch.kubernetes.io/job-name':"
                   "'pi','controller-uid':'u-job','job-name':'pi'},'ownerReferences':[{"
                   "'apiVersion':'batch/v1','kind':'Job','name':'pi','uid':'u-job','controller':"
                   "true,'blockOwnerDeletion':true}]}");
    assert_string_equal(daas_kube_str(pod, "spec.restartPolicy"), "Never");
    assert_string_equal(daas_kube_str(pod, "kind"), "Pod");
    assert_string_equal(daas_kube_str(p.status, "startTime"), "2023-11-14T22:13:20Z");
    assert_int_equal(daas_kube_int(p.status, "active", 0), 2);
    assert_int_equal(daas_kube_int(p.status, "ready", -1), 0);
    assert_true(p.status_changed);
    assert_int_equal(json_array_size(p.del), 0);
    assert_null(cond_status(p.status, "Complete"));
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_completions_reached_complete_and_ttl(void **state)
{
    (void)state;
    json_t *job = mkjob("'completions':3,'parallelism':2,'ttlSecondsAfterFinished':100",
                        "{'startTime':'2023-11-14T22:00:00Z','succeeded':2,'active':1}");
    json_t *pods = json_pack("[o,o,o,o]", mkpod("a", "Succeeded", false, NOW - 50, -1),
                             mkpod("b", "Succeeded", false, NOW - 40, -1),
                             mkpod("c", "Succeeded", false, NOW - 5, -1),
                             mkpod("d", "Failed", false, NOW - 60, -1));
    daas_ctrl_job_plan p = run(job, pods, NOW);
    assert_int_equal(json_array_size(p.create), 0);
    assert_int_equal(json_array_size(p.del), 0);
    assert_string_equal(cond_status(p.status, "Complete"), "True");
    assert_string_equal(cond_reason(p.status, "Complete"), "CompletionsReached");
    assert_string_equal(cond_status(p.status, "SuccessCriteriaMet"), "True");
    assert_string_equal(daas_kube_str(p.status, "completionTime"), "2023-11-14T22:13:20Z");
    assert_int_equal(daas_kube_int(p.status, "succeeded", 0), 3);
    assert_int_equal(daas_kube_int(p.status, "failed", 0), 1);
    assert_int_equal(daas_kube_int(p.status, "active", -1), -1); /* zero: omitted */
    assert_int_equal(p.delete_at, NOW + 100);
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "Completed");

    /* Planning again on the finished Job changes nothing and keeps the TTL. */
    json_object_set(job, "status", p.status);
    daas_ctrl_job_plan q = run(job, pods, NOW + 30);
    assert_false(q.status_changed);
    assert_int_equal(q.delete_at, NOW + 100);
    assert_int_equal(json_array_size(q.create) + json_array_size(q.events), 0);
    daas_ctrl_job_plan_fini(&q);
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_backoff_limit_fails_and_deletes_active(void **state)
{
    (void)state;
    json_t *job = mkjob("'completions':5,'parallelism':1,'backoffLimit':1",
                        "{'startTime':'2023-11-14T22:00:00Z'}");
    json_t *pods =
        json_pack("[o,o,o]", mkpod("f1", "Failed", false, NOW - 100, -1),
                  mkpod("f2", "Failed", false, NOW - 50, -1), mkpod("r", "Running", true, 0, -1));
    daas_ctrl_job_plan p = run(job, pods, NOW);
    ku_assert_json(p.del, "['r']");
    assert_int_equal(json_array_size(p.create), 0);
    assert_string_equal(cond_status(p.status, "Failed"), "True");
    assert_string_equal(cond_reason(p.status, "Failed"), "BackoffLimitExceeded");
    assert_string_equal(cond_reason(p.status, "FailureTarget"), "BackoffLimitExceeded");
    assert_null(daas_kube_str(p.status, "completionTime"));
    assert_int_equal(daas_kube_int(p.status, "failed", 0), 2);
    daas_ctrl_job_plan_fini(&p);

    /* One failure is within backoffLimit 1: a replacement, after the 10 s back-off. */
    json_array_remove(pods, 1);
    json_array_remove(pods, 1);
    p = run(job, pods, NOW - 95);
    assert_int_equal(json_array_size(p.create), 0);
    assert_int_equal(p.requeue_at, NOW - 90);
    daas_ctrl_job_plan_fini(&p);
    p = run(job, pods, NOW - 90);
    assert_int_equal(json_array_size(p.create), 1);
    assert_null(cond_status(p.status, "Failed"));
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_on_failure_restarts_count_against_backoff(void **state)
{
    (void)state;
    json_t *job = mkjob("'backoffLimit':2", "{'startTime':'2023-11-14T22:00:00Z'}");
    json_object_set_new(daas_kube_path(job, "spec.template.spec"), "restartPolicy",
                        json_string("OnFailure"));
    json_t *pods = json_pack("[o]", mkpod("r", "Running", false, 0, -1));
    json_t *cs =
        json_array_get(daas_kube_path(json_array_get(pods, 0), "status.containerStatuses"), 0);
    json_object_set_new(cs, "restartCount", json_integer(1));
    daas_ctrl_job_plan p = run(job, pods, NOW);
    assert_null(cond_status(p.status, "Failed"));
    daas_ctrl_job_plan_fini(&p);
    json_object_set_new(cs, "restartCount", json_integer(2));
    p = run(job, pods, NOW);
    assert_string_equal(cond_reason(p.status, "Failed"), "BackoffLimitExceeded");
    ku_assert_json(p.del, "['r']");
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_active_deadline(void **state)
{
    (void)state;
    json_t *job = mkjob("'activeDeadlineSeconds':60", "{'startTime':'2023-11-14T22:13:00Z'}");
    json_t *pods = json_pack("[o]", mkpod("r", "Running", true, 0, -1));
    daas_ctrl_job_plan p = run(job, pods, NOW);
    assert_int_equal(p.requeue_at, NOW + 40);
    assert_null(cond_status(p.status, "Failed"));
    assert_int_equal(daas_kube_int(p.status, "ready", 0), 1);
    daas_ctrl_job_plan_fini(&p);
    p = run(job, pods, NOW + 40);
    assert_string_equal(cond_reason(p.status, "Failed"), "DeadlineExceeded");
    ku_assert_json(p.del, "['r']");
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "type"), "Warning");
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_work_queue(void **state)
{
    (void)state;
    json_t *job = mkjob("'parallelism':3", "{'startTime':'2023-11-14T22:00:00Z'}");
    json_t *pods = json_pack("[o,o]", mkpod("s", "Succeeded", false, NOW - 5, -1),
                             mkpod("r", "Running", true, 0, -1));
    /* One success: no more pods, the running one finishes; not complete while it runs. */
    daas_ctrl_job_plan p = run(job, pods, NOW);
    assert_int_equal(json_array_size(p.create) + json_array_size(p.del), 0);
    assert_null(cond_status(p.status, "Complete"));
    daas_ctrl_job_plan_fini(&p);
    json_object_set_new(daas_kube_path(json_array_get(pods, 1), "status"), "phase",
                        json_string("Succeeded"));
    p = run(job, pods, NOW);
    assert_string_equal(cond_status(p.status, "Complete"), "True");
    assert_int_equal(daas_kube_int(p.status, "succeeded", 0), 2);
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_parallelism_lowered_deletes_least_advanced(void **state)
{
    (void)state;
    json_t *job = mkjob("'completions':10,'parallelism':1", "{'startTime':'2023-11-14T22:00:00Z'}");
    json_t *going = mkpod("going", "Running", true, 0, -1);
    daas_kube_set_str(going, "metadata.deletionTimestamp", "2023-11-14T22:13:00Z");
    json_t *pods = json_pack("[o,o,o,o]", mkpod("ready", "Running", true, 0, -1),
                             mkpod("pending", "Pending", false, 0, -1),
                             mkpod("notready", "Running", false, 0, -1), going);
    daas_ctrl_job_plan p = run(job, pods, NOW);
    ku_assert_json(p.del, "['pending','notready']");
    assert_int_equal(daas_kube_int(p.status, "active", 0), 1);
    assert_int_equal(daas_kube_int(p.status, "terminating", 0), 1);
    assert_int_equal(daas_kube_int(p.status, "ready", 0), 1);
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_suspend_and_resume(void **state)
{
    (void)state;
    json_t *job = mkjob("'suspend':true,'parallelism':2", "{'startTime':'2023-11-14T22:00:00Z'}");
    json_t *pods = json_pack("[o]", mkpod("r", "Running", true, 0, -1));
    daas_ctrl_job_plan p = run(job, pods, NOW);
    ku_assert_json(p.del, "['r']");
    assert_int_equal(json_array_size(p.create), 0);
    assert_string_equal(cond_reason(p.status, "Suspended"), "JobSuspended");
    assert_string_equal(daas_kube_str(json_array_get(p.events, 0), "reason"), "Suspended");

    json_object_set(job, "status", p.status);
    json_object_set_new(daas_kube_path(job, "spec"), "suspend", json_false());
    json_t *none = json_array();
    daas_ctrl_job_plan q = run(job, none, NOW + 100);
    assert_string_equal(cond_status(q.status, "Suspended"), "False");
    assert_string_equal(cond_reason(q.status, "Suspended"), "JobResumed");
    assert_string_equal(daas_kube_str(q.status, "startTime"), "2023-11-14T22:15:00Z");
    assert_int_equal(json_array_size(q.create), 2);
    daas_ctrl_job_plan_fini(&q);
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
    json_decref(none);
}

static void test_indexed(void **state)
{
    (void)state;
    json_t *job = mkjob("'completions':4,'parallelism':3,'completionMode':'Indexed'",
                        "{'startTime':'2023-11-14T22:00:00Z','completedIndexes':'3'}");
    json_t *pods =
        json_pack("[o,o,o]", mkpod("p1", "Succeeded", false, NOW - 5, 1),
                  mkpod("p2", "Running", true, 0, 2), mkpod("dup", "Running", false, 0, 2));
    daas_ctrl_job_plan p = run(job, pods, NOW);
    ku_assert_json(p.del, "['dup']");
    assert_int_equal(json_array_size(p.create), 1);
    json_t *pod = json_array_get(p.create, 0);
    assert_string_equal(daas_kube_str(pod, "metadata.generateName"), "pi-0-");
    assert_string_equal(daas_kube_str(pod, "spec.hostname"), "pi-0");
    assert_string_equal(
        json_string_value(json_object_get(daas_kube_path(pod, "metadata.annotations"),
                                          "batch.kubernetes.io/job-completion-index")),
        "0");
    assert_string_equal(daas_kube_str(p.status, "completedIndexes"), "1,3");
    assert_int_equal(daas_kube_int(p.status, "succeeded", 0), 2);
    daas_ctrl_job_plan_fini(&p);
    json_decref(job);
    json_decref(pods);
}

static void test_parse_indexes(void **state)
{
    (void)state;
    uint8_t b[8] = {0};
    daas_err e = {0};
    assert_int_equal(daas_ctrl_job_parse_indexes("0-2,5,7-20", b, 8, &e), DAAS_OK);
    uint8_t want[8] = {1, 1, 1, 0, 0, 1, 0, 1};
    assert_memory_equal(b, want, 8);
    const char *bad[] = {",", "1,", "3-1", "a", "1--2", "-1", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(daas_ctrl_job_parse_indexes(bad[i], b, 8, NULL), DAAS_EINVAL);
}

static void test_bad_job(void **state)
{
    (void)state;
    json_t *job = ku_json("{'metadata':{'name':'x','namespace':'n'}}");
    daas_ctrl_job_plan p;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_job_plan_make(job, NULL, NOW, &p, &e), DAAS_EINVAL);
    assert_null(p.status);
    json_decref(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_job_creates_parallelism_pods),
        cmocka_unit_test(test_completions_reached_complete_and_ttl),
        cmocka_unit_test(test_backoff_limit_fails_and_deletes_active),
        cmocka_unit_test(test_on_failure_restarts_count_against_backoff),
        cmocka_unit_test(test_active_deadline),
        cmocka_unit_test(test_work_queue),
        cmocka_unit_test(test_parallelism_lowered_deletes_least_advanced),
        cmocka_unit_test(test_suspend_and_resume),
        cmocka_unit_test(test_indexed),
        cmocka_unit_test(test_parse_indexes),
        cmocka_unit_test(test_bad_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
