/*
 * obj.c: dotted-path access to jansson objects.
 *
 * Owns:   no state.
 * Invariants: paths are at most 16 segments of at most 127 bytes; longer ones are "missing".
 */
#include "kube/obj.h"

#include <string.h>

/* Splits the next segment of *p into seg; returns false at the end or on an over-long one. */
static bool next_seg(const char **p, char *seg, size_t n)
{
    const char *s = *p;
    if (*s == '\0')
        return false;
    const char *dot = strchr(s, '.');
    size_t len = dot ? (size_t)(dot - s) : strlen(s);
    if (len >= n)
        return false;
    memcpy(seg, s, len);
    seg[len] = '\0';
    *p = dot ? dot + 1 : s + len;
    return true;
}

json_t *daas_kube_path(const json_t *obj, const char *dotted)
{
    char seg[128];
    json_t *cur = (json_t *)obj;
    const char *p = dotted;
    while (cur != NULL && next_seg(&p, seg, sizeof seg)) {
        if (!json_is_object(cur))
            return NULL;
        cur = json_object_get(cur, seg);
    }
    return *p == '\0' ? cur : NULL;
}

const char *daas_kube_str(const json_t *obj, const char *dotted)
{
    return json_string_value(daas_kube_path(obj, dotted));
}

int64_t daas_kube_int(const json_t *obj, const char *dotted, int64_t def)
{
    json_t *v = daas_kube_path(obj, dotted);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

json_t *daas_kube_mkpath(json_t *obj, const char *dotted)
{
    char seg[128];
    json_t *cur = obj;
    const char *p = dotted;
    if (!json_is_object(cur))
        return NULL;
    while (next_seg(&p, seg, sizeof seg)) {
        json_t *next = json_object_get(cur, seg);
        if (!json_is_object(next)) {
            next = json_object();
            /* set_new steals next even when it fails: never touch it after a failure */
            if (json_object_set_new(cur, seg, next) != 0)
                return NULL;
        }
        cur = next;
    }
    return cur;
}

void daas_kube_set(json_t *obj, const char *dotted, json_t *val)
{
    const char *last = strrchr(dotted, '.');
    if (last == NULL) {
        json_object_set_new(obj, dotted, val);
        return;
    }
    char parent[512];
    size_t n = (size_t)(last - dotted);
    if (n >= sizeof parent) {
        json_decref(val);
        return;
    }
    memcpy(parent, dotted, n);
    parent[n] = '\0';
    json_object_set_new(daas_kube_mkpath(obj, parent), last + 1, val);
}

void daas_kube_set_str(json_t *obj, const char *dotted, const char *s)
{
    daas_kube_set(obj, dotted, json_string(s));
}

void daas_kube_del(json_t *obj, const char *dotted)
{
    const char *last = strrchr(dotted, '.');
    if (last == NULL) {
        json_object_del(obj, dotted);
        return;
    }
    char parent[512];
    size_t n = (size_t)(last - dotted);
    if (n >= sizeof parent)
        return;
    memcpy(parent, dotted, n);
    parent[n] = '\0';
    json_t *p = daas_kube_path(obj, parent);
    if (json_is_object(p))
        json_object_del(p, last + 1);
}

bool daas_kube_is_empty(const json_t *v)
{
    if (v == NULL)
        return true;
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE:
        return true;
    case JSON_STRING:
        return json_string_length(v) == 0;
    case JSON_INTEGER:
        return json_integer_value(v) == 0;
    case JSON_REAL:
        return json_real_value(v) == 0;
    case JSON_OBJECT:
        return json_object_size(v) == 0;
    case JSON_ARRAY:
        return json_array_size(v) == 0;
    default:
        return false;
    }
}
