/*
 * fuzz_ctrl_workloads.c: libFuzzer target for the Job, DaemonSet and garbage-collector plans
 * (src/ctrl/job.c, daemonset.c, daemonset_fit.c, gc.c) and their small parsers.
 *
 * Input: the first byte picks what the rest is:
 *   'i': text for daas_ctrl_job_parse_indexes and daas_ctrl_ds_scaled (as a JSON string,
 *        and as JSON when it parses);
 *   'j': JSON {"job":{...},"pods":[...]} for daas_ctrl_job_plan_make;
 *   'd': JSON {"ds":{...},"nodes":[...],"pods":[...]} for daas_ctrl_ds_plan_make;
 *   'g': a JSON array of objects for daas_ctrl_gc_plan_make (with the finalizer flag when
 *        the second byte is odd).
 * Invariants checked (abort on violation):
 *   - a refusal is DAAS_EINVAL with a message, and leaves the plan empty;
 *   - a Job plan creates and deletes at most DAAS_CTRL_JOB_BURST pods;
 *   - a DaemonSet plan names each pod at most once in del, and never sets spec.nodeName;
 *   - a scaled percentage is ceil/floor(pct * total / 100);
 *   - everything is freed (ASan checks the rest).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/daemonset.h"
#include "ctrl/gc.h"
#include "ctrl/job.h"
#include "kube/obj.h"

#define NOW 1700000000

static void check(int cond)
{
    if (!cond)
        abort();
}

static void refused(int rc, const daas_err *e)
{
    check(rc == DAAS_EINVAL && e->code == rc && e->msg[0] != '\0');
}

static void text(const char *s, size_t n)
{
    uint8_t bits[64];
    daas_err e = {0};
    int rc = daas_ctrl_job_parse_indexes(s, bits, sizeof bits, &e);
    if (rc != DAAS_OK)
        refused(rc, &e);
    json_t *v = json_stringn(s, n);
    int64_t out = -1;
    daas_err e2 = {0};
    rc = daas_ctrl_ds_scaled(v, 7, 13, true, &out, &e2);
    if (rc == DAAS_OK && v == NULL) { /* not UTF-8: no string, the default */
        check(out == 7);
    } else if (rc == DAAS_OK) {
        int64_t pct = strtoll(s, NULL, 10);
        check(out == (pct * 13 + 99) / 100);
    } else {
        refused(rc, &e2);
    }
    json_decref(v);
    v = json_loadb(s, n, JSON_DECODE_ANY, NULL);
    daas_err e3 = {0};
    rc = daas_ctrl_ds_scaled(v, 7, 13, false, &out, &e3);
    check(rc == DAAS_OK ? out >= 0 : (refused(rc, &e3), 1));
    json_decref(v);
}

static void job(const json_t *in)
{
    daas_ctrl_job_plan p;
    daas_err e = {0};
    int rc = daas_ctrl_job_plan_make(json_object_get(in, "job"), json_object_get(in, "pods"), NOW,
                                     &p, &e);
    if (rc != DAAS_OK) {
        refused(rc, &e);
        check(p.status == NULL && p.create == NULL);
        return;
    }
    check(json_array_size(p.create) <= DAAS_CTRL_JOB_BURST);
    check(json_array_size(p.del) <= DAAS_CTRL_JOB_BURST);
    daas_ctrl_job_plan_fini(&p);
}

static void ds(const json_t *in)
{
    daas_ctrl_ds_plan p;
    daas_err e = {0};
    int rc = daas_ctrl_ds_plan_make(json_object_get(in, "ds"), json_object_get(in, "nodes"),
                                    json_object_get(in, "pods"), NOW, &p, &e);
    if (rc != DAAS_OK) {
        refused(rc, &e);
        check(p.status == NULL && p.create == NULL);
        return;
    }
    json_t *seen = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(p.del, i, v)
    {
        check(json_object_get(seen, json_string_value(v)) == NULL);
        json_object_set_new(seen, json_string_value(v), json_true());
    }
    json_array_foreach(p.create, i, v) check(daas_kube_path(v, "spec.nodeName") == NULL);
    json_decref(seen);
    daas_ctrl_ds_plan_fini(&p);
}

static void gc(const json_t *in, unsigned flags)
{
    daas_ctrl_gc_plan p;
    daas_err e = {0};
    int rc = daas_ctrl_gc_plan_make(in, NULL, flags, &p, &e);
    if (rc != DAAS_OK) {
        refused(rc, &e);
        check(p.del == NULL);
        return;
    }
    check(json_array_size(p.del) + json_array_size(p.unref) <= json_array_size(in));
    daas_ctrl_gc_plan_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    if (data[0] == 'i') {
        char *s = daas_xstrndup((const char *)data + 1, size - 1);
        text(s, strlen(s));
        daas_free(s);
        return 0;
    }
    size_t off = data[0] == 'g' ? 2 : 1;
    json_t *in = json_loadb((const char *)data + off, size - off, 0, NULL);
    if (in == NULL)
        return 0;
    if (data[0] == 'j')
        job(in);
    else if (data[0] == 'd')
        ds(in);
    else if (data[0] == 'g')
        gc(in, (data[1] & 1) ? DAAS_CTRL_GC_FINALIZERS : 0);
    json_decref(in);
    return 0;
}
