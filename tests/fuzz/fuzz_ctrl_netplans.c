/*
 * fuzz_ctrl_netplans.c: libFuzzer target for the Service and node plans
 * (src/ctrl/endpoints.c, epslice.c, nodelife.c) fed with arbitrary stored objects.
 *
 * Input: a JSON object {"service", "pods", "nodes", "endpoints", "slices", "max", "node",
 * "lease", "now", "grace"}; any member may be missing or of the wrong type.
 * Invariants checked (abort on violation):
 *   - no slice of a plan holds more than max_per_slice endpoints;
 *   - a plan is a fixpoint: applying it (Endpoints written, slices created with fresh names,
 *     updated and deleted) and planning again gives no write; the same for a node plan
 *     (conditions and taints applied, same clock);
 *   - inputs are not modified; everything is freed (ASan checks the rest).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/endpoints.h"
#include "ctrl/nodelife.h"
#include "kube/obj.h"

static void check(int cond)
{
    if (!cond)
        abort();
}

static bool quiet(const daas_ctrl_endpoints_plan *p)
{
    return p->endpoints == NULL && !p->endpoints_delete &&
           json_array_size(p->slices_create) + json_array_size(p->slices_update) +
                   json_array_size(p->slices_delete) ==
               0;
}

/* The API servers' slice ("kubernetes", fixed name) is not bound by max_per_slice. */
static void check_sizes(const json_t *slices, size_t max)
{
    size_t i;
    json_t *s;
    json_array_foreach(slices, i, s)
    {
        const char *name = daas_kube_str(s, "metadata.name");
        check((name != NULL && strcmp(name, "kubernetes") == 0) ||
              json_array_size(json_object_get(s, "endpoints")) <= max);
    }
}

static bool named(const json_t *names, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(names, i,
                       n) if (name && strcmp(json_string_value(n), name) == 0) return true;
    return false;
}

/* The slices after the plan: kept, updated, created (named "fz-gen-<i>"). */
static json_t *apply_slices(const json_t *cur, const daas_ctrl_endpoints_plan *p)
{
    json_t *out = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(cur, i, s)
    {
        const char *name = daas_kube_str(s, "metadata.name");
        if (named(p->slices_delete, name))
            continue;
        json_t *repl = NULL;
        size_t j;
        json_t *u;
        json_array_foreach(p->slices_update, j,
                           u) if (name != NULL &&
                                  strcmp(daas_kube_str(u, "metadata.name"), name) == 0) repl = u;
        json_array_append(out, repl ? repl : s);
    }
    json_array_foreach(p->slices_create, i, s)
    {
        json_t *c = json_deep_copy(s);
        if (daas_kube_str(c, "metadata.name") == NULL) {
            char name[32];
            snprintf(name, sizeof name, "fz-gen-%zu", i);
            daas_kube_set_str(c, "metadata.name", name);
        }
        json_array_append_new(out, c);
    }
    return out;
}

/* Slices' names must be unique for "apply" to mean anything. */
static bool unique_names(const json_t *slices)
{
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(slices, i, a)
    {
        const char *na = daas_kube_str(a, "metadata.name");
        if (na != NULL && strncmp(na, "fz-gen-", 7) == 0)
            return false;
        json_array_foreach(slices, j,
                           b) if (j > i && na && daas_kube_str(b, "metadata.name") &&
                                  strcmp(na, daas_kube_str(b, "metadata.name")) == 0) return false;
    }
    return true;
}

static void run_endpoints(json_t *in_json)
{
    json_t *before = json_deep_copy(in_json);
    size_t max = 1 + (size_t)(daas_kube_int(in_json, "max", 0) & 7);
    const char *ips[] = {"10.0.0.2", "10.0.0.1"};
    daas_ctrl_endpoints_in in = {
        .service = json_object_get(in_json, "service"),
        .pods = json_object_get(in_json, "pods"),
        .nodes = json_object_get(in_json, "nodes"),
        .endpoints = json_object_get(in_json, "endpoints"),
        .slices = json_object_get(in_json, "slices"),
        .apiserver_ips = ips,
        .n_apiserver_ips = 2,
        .max_per_slice = max,
    };
    daas_ctrl_endpoints_plan p, q;
    if (daas_ctrl_endpoints_plan_make(&in, &p, NULL) != DAAS_OK) {
        daas_ctrl_endpoints_plan_fini(&p);
        json_decref(before);
        return;
    }
    check(json_equal(before, in_json));
    check_sizes(p.slices_create, max);
    check_sizes(p.slices_update, max);
    if (in.service != NULL && json_is_array(in.slices) && unique_names(in.slices)) {
        json_t *slices = apply_slices(in.slices, &p);
        in.slices = slices;
        if (p.endpoints != NULL)
            in.endpoints = p.endpoints;
        check(daas_ctrl_endpoints_plan_make(&in, &q, NULL) == DAAS_OK);
        check(quiet(&q));
        daas_ctrl_endpoints_plan_fini(&q);
        json_decref(slices);
    }
    daas_ctrl_endpoints_plan_fini(&p);
    json_decref(before);
}

static void run_node(json_t *in_json)
{
    json_t *node = json_deep_copy(json_object_get(in_json, "node"));
    daas_ctrl_nodelife_in in = {
        .node = node,
        .lease = json_object_get(in_json, "lease"),
        .pods = json_object_get(in_json, "pods"),
        .now = daas_kube_int(in_json, "now", 1795255200),
        .grace = daas_kube_int(in_json, "grace", 0),
        .default_toleration = -1,
    };
    daas_ctrl_nodelife_plan p, q;
    if (daas_ctrl_nodelife_plan_make(&in, &p, NULL) == DAAS_OK) {
        size_t i;
        json_t *e;
        json_array_foreach(p.evict, i, e) check(json_is_string(json_object_get(e, "name")));
        if (p.conditions != NULL && json_is_object(daas_kube_path(node, "status")))
            json_object_set(daas_kube_path(node, "status"), "conditions", p.conditions);
        if (p.taints != NULL && json_is_object(daas_kube_path(node, "spec")))
            json_object_set(daas_kube_path(node, "spec"), "taints", p.taints);
        if (json_is_object(daas_kube_path(node, "status")) &&
            json_is_object(daas_kube_path(node, "spec"))) {
            check(daas_ctrl_nodelife_plan_make(&in, &q, NULL) == DAAS_OK);
            check(q.conditions == NULL && q.taints == NULL);
            daas_ctrl_nodelife_plan_fini(&q);
        }
    }
    daas_ctrl_nodelife_plan_fini(&p);
    json_decref(node);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, 0, NULL);
    if (json_is_object(in)) {
        run_endpoints(in);
        run_node(in);
    }
    json_decref(in);
    return 0;
}
