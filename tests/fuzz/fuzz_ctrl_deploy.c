/*
 * fuzz_ctrl_deploy.c: libFuzzer target for the ReplicaSet and Deployment plans
 * (src/ctrl/replicaset.c, deployment.c, deployment_rollout.c) and intstr scaling: their
 * inputs are objects users write (maxSurge "25%", annotations, selectors, templates).
 *
 * Input: the first byte picks what the rest is:
 *   'i': text for daas_ctrl_deploy_intstr (as a JSON string, and as JSON when it parses);
 *   'r': JSON {"rs":{...},"pods":[...]} for daas_ctrl_rs_plan_make;
 *   'd': JSON {"d":{...},"rss":[...],"pods":[...]} for daas_ctrl_deploy_plan_make.
 * Invariants checked (abort on violation):
 *   - a refusal is DAAS_EINVAL with a message, and leaves the plan empty;
 *   - a scaled value is never negative, and a percentage up to 100% never exceeds total;
 *   - a ReplicaSet plan creates or deletes, never both, at most DAAS_CTRL_RS_BURST;
 *   - a Deployment plan never scales a ReplicaSet below 0 and always carries a status;
 *   - everything is freed (ASan checks the rest).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/deployment.h"
#include "ctrl/replicaset.h"
#include "kube/obj.h"

#define NOW 1795235293

static void check_intstr(const json_t *v, size_t len)
{
    int64_t out = -1;
    daas_err err = {0};
    const char *s = json_string_value(v);

    for (int up = 0; up < 2; up++) {
        int rc = daas_ctrl_deploy_intstr(v, 7, up, &out, &err);
        if (rc != DAAS_OK) {
            if (rc != DAAS_EINVAL || err.msg[0] == '\0')
                abort();
            continue;
        }
        if (out < 0)
            abort();
        if (s != NULL && len <= 4 && strtol(s, NULL, 10) <= 100 && out > 7)
            abort();
    }
}

static void fuzz_intstr(const uint8_t *p, size_t n)
{
    json_t *s = json_stringn((const char *)p, n);
    json_t *j = json_loadb((const char *)p, n, JSON_DECODE_ANY, NULL);

    if (s != NULL)
        check_intstr(s, n);
    if (j != NULL)
        check_intstr(j, n);
    json_decref(s);
    json_decref(j);
}

static void fuzz_rs(const json_t *in)
{
    daas_ctrl_rs_in ri = {.now = NOW};
    daas_ctrl_rs_plan p;
    daas_err err = {0};
    int rc = daas_ctrl_rs_plan_make(json_object_get(in, "rs"), json_object_get(in, "pods"), &ri,
                                    &p, &err);

    if (rc != DAAS_OK) {
        if (rc != DAAS_EINVAL || err.msg[0] == '\0' || p.status != NULL || p.pod != NULL)
            abort();
        return;
    }
    if (p.create_count > DAAS_CTRL_RS_BURST || json_array_size(p.remove) > DAAS_CTRL_RS_BURST)
        abort();
    if (p.create_count > 0 && (json_array_size(p.remove) > 0 || p.pod == NULL))
        abort();
    if (p.status == NULL)
        abort();
    daas_ctrl_rs_plan_fini(&p);
}

static void fuzz_deploy(const json_t *in)
{
    daas_ctrl_deploy_plan p;
    daas_err err = {0};
    size_t i;
    json_t *e;
    int rc = daas_ctrl_deploy_plan_make(json_object_get(in, "d"), json_object_get(in, "rss"),
                                        json_object_get(in, "pods"), NOW, &p, &err);

    if (rc != DAAS_OK) {
        if (rc != DAAS_EINVAL || err.msg[0] == '\0' || p.status != NULL || p.scale != NULL)
            abort();
        return;
    }
    if (p.status == NULL)
        abort();
    json_array_foreach(p.scale, i, e) {
        if (json_integer_value(json_object_get(e, "replicas")) < 0)
            abort();
    }
    if (p.create_rs != NULL && daas_kube_int(p.create_rs, "spec.replicas", -1) < 0)
        abort();
    daas_ctrl_deploy_plan_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in;

    if (size < 1)
        return 0;
    if (data[0] == 'i') {
        fuzz_intstr(data + 1, size - 1);
        return 0;
    }
    in = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    if (in == NULL)
        return 0;
    if (data[0] == 'r')
        fuzz_rs(in);
    else if (data[0] == 'd')
        fuzz_deploy(in);
    json_decref(in);
    return 0;
}
