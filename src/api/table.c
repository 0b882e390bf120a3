/*
 * table.c: meta.k8s.io/v1 Tables, what `kubectl get` prints.
 *
 * Owns:   Accept-header detection of Table requests, building Table objects from a kind's
 *         columns and row function (or the default Name / Created At pair).
 * Spec:   specs/kube-api.md §4.1.
 */
#include <string.h>

#include "api/api_int.h"
#include "common/util.h"
#include "kube/obj.h"

bool daas_api__wants_table(const daas_http_req *req)
{
    const char *a = daas_http_req_header(req, "Accept");
    return a && strstr(a, "as=Table") && strstr(a, "g=meta.k8s.io");
}

static const daas_kube_column default_cols[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Created At", "date", "", "CreationTimestamp is a timestamp representing the server time "
                               "when this object was created.", 0},
};

static json_t *columns_json(const daas_kube_kind *k)
{
    const daas_kube_column *c = k->columns ? k->columns : default_cols;
    int n = k->columns ? k->ncolumns : 2;
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", c[i].name, "type",
                                           c[i].type, "format", c[i].format, "description",
                                           c[i].description, "priority", c[i].priority));
    return a;
}

static json_t *default_row(const json_t *obj)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    const char *ts = daas_kube_str(obj, "metadata.creationTimestamp");
    return json_pack("[s,s]", name ? name : "", ts ? ts : "");
}

static json_t *row_object(const json_t *obj, const char *include)
{
    if (include && strcmp(include, "None") == 0)
        return json_null();
    if (include && strcmp(include, "Object") == 0)
        return json_incref((json_t *)obj);
    json_t *meta = json_object_get(obj, "metadata");
    return json_pack("{s:s,s:s,s:O}", "kind", "PartialObjectMetadata", "apiVersion",
                     "meta.k8s.io/v1", "metadata", meta ? meta : json_object());
}

json_t *daas_api__table(const daas_kube_kind *k, json_t *objs, const char *include,
                        bool headers, const char *rv, const char *cont)
{
    int64_t now = daas_now_ms() / 1000;
    json_t *rows = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o)
    {
        json_t *cells = k->row ? k->row(o, now) : default_row(o);
        json_array_append_new(rows, json_pack("{s:o,s:o}", "cells", cells ? cells : json_array(),
                                              "object", row_object(o, include)));
    }
    json_t *meta = json_object();
    if (rv)
        json_object_set_new(meta, "resourceVersion", json_string(rv));
    if (cont && cont[0])
        json_object_set_new(meta, "continue", json_string(cont));
    return json_pack("{s:s,s:s,s:o,s:o,s:o}", "kind", "Table", "apiVersion", "meta.k8s.io/v1",
                     "metadata", meta, "columnDefinitions",
                     headers ? columns_json(k) : json_array(), "rows", rows);
}
