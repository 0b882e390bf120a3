/*
 * read.c: get and list, with label and field selectors, paging and Tables.
 *
 * Owns:   continue tokens (base64url JSON {"rv","start"}), list assembly.
 * Invariants: a list without selectors is assembled from the stored rendered bytes without
 *             re-parsing; a list never holds store locks while it formats.
 * Spec:   specs/kube-api.md §3 (get, list), §5.1-5.2.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "common/log.h"
#include "kube/obj.h"
#include "kube/selector.h"

/* An object the create path still had parsed (parsecache.c), with this resourceVersion:
 * fresh top level and metadata, everything below shared and read-only. NULL: not there. */
static json_t *from_cache(const daas_kv *kv)
{
    json_t *o = kv->val ? daas_api__parsed_take(kv->val->data, kv->val->len) : NULL;
    if (o == NULL)
        return NULL;
    json_t *top = json_copy(o), *meta = json_copy(json_object_get(o, "metadata"));
    json_decref(o);
    if (!json_is_object(top) || !json_is_object(meta)) {
        json_decref(top);
        json_decref(meta);
        return NULL;
    }
    char rv[32];
    snprintf(rv, sizeof rv, "%lld", (long long)kv->mod_rev);
    json_object_set_new(meta, "resourceVersion", json_string(rv));
    json_object_set_new(top, "metadata", meta);
    return top;
}

json_t *daas_api__parse_kv(const daas_kv *kv)
{
    json_t *cached = from_cache(kv);
    if (cached)
        return cached;
    /* The stored value has no resourceVersion: parse it and set one (cheaper than
     * rendering first and parsing that). */
    const daas_blob *b = kv->obj ? kv->obj : kv->val;
    json_error_t jerr;
    json_t *o = b ? json_loadb(b->data, b->len, 0, &jerr) : NULL;
    if (!json_is_object(o)) {
        DAAS_ERROR("api", "corrupt stored object at %s", kv->key);
        json_decref(o);
        return NULL;
    }
    if (kv->obj == NULL) {
        char rv[32];
        snprintf(rv, sizeof rv, "%lld", (long long)kv->mod_rev);
        daas_kube_set_str(o, "metadata.resourceVersion", rv);
    }
    return o;
}

static void not_found(daas_api__req *r)
{
    daas_err e = {0};
    char q[160];
    daas_kube_kind_qualified(r->route.kind, q, sizeof q);
    daas_fail(&e, DAAS_ENOTFOUND, "%s \"%s\" not found", q, r->route.name);
    daas_api__respond_err(r, &e);
}

void daas_api__get(daas_api__req *r)
{
    daas_err e = {0};
    daas_kv kv = {0};
    const daas_kube_kind *k = r->route.kind;
    char *key = daas_api__key(k, r->route.ns, r->route.name);

    r->verb = DAAS_API_VERB_GET;
    int rc = daas_store_get(r->api->store, key, &kv, &e);
    daas_free(key);
    if (rc == DAAS_ENOTFOUND) {
        not_found(r);
        return;
    }
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
        return;
    }
    if (r->table) {
        json_t *o = daas_api__parse_kv(&kv), *objs = json_array();
        if (o)
            json_array_append_new(objs, o);
        char *inc = daas_api__query(r, "includeObject");
        json_t *t = daas_api__table(k, objs, inc, true, NULL, NULL);
        daas_api__respond_obj(r, 200, t);
        daas_free(inc);
        json_decref(t);
        json_decref(objs);
    } else {
        daas_blob *b = daas_api__rendered(&kv);
        daas_api__respond_json(r, 200, "application/json", b->data, b->len);
        daas_blob_unref(&b);
    }
    daas_kv_fini(&kv);
}

/* ---- continue tokens ---- */

static char *token_encode(int64_t rv, const char *start)
{
    json_t *t = json_pack("{s:s,s:I,s:s}", "v", "daas/1", "rv", (json_int_t)rv, "start", start);
    char *s = json_dumps(t, JSON_COMPACT);
    char *tok = daas_base64url_encode(s, strlen(s));
    free(s);
    json_decref(t);
    return tok;
}

/* The start key of a continue token, which must lie under prefix. */
static int token_decode(const char *tok, const char *prefix, char **start, daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, 8192);
    int rc = daas_base64url_decode(tok, strlen(tok), &b);
    json_t *t = NULL;
    if (rc == DAAS_OK) {
        json_error_t jerr;
        t = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
    }
    const char *s = json_string_value(json_object_get(t, "start"));
    if (s == NULL || strncmp(s, prefix, strlen(prefix)) != 0) {
        rc = daas_fail(err, DAAS_EINVAL, "continue key is not valid: invalid continue token");
    } else {
        *start = daas_xstrdup(s);
        rc = DAAS_OK;
    }
    json_decref(t);
    daas_buf_fini(&b);
    return rc;
}

/* ---- selectors ---- */

typedef struct listsel {
    daas_kube_labelsel *labels;
    daas_kube_fieldsel *fields;
} listsel;

static int listsel_parse(daas_api__req *r, listsel *ls, daas_err *err)
{
    char *l = daas_api__query(r, "labelSelector");
    char *f = daas_api__query(r, "fieldSelector");
    int rc = DAAS_OK;
    if (l && l[0])
        rc = daas_kube_labelsel_parse(l, &ls->labels, err);
    if (rc == DAAS_OK && f && f[0])
        rc = daas_kube_fieldsel_parse(f, r->route.kind->field_selectors, &ls->fields, err);
    daas_free(l);
    daas_free(f);
    return rc;
}

static void listsel_fini(listsel *ls)
{
    daas_kube_labelsel_free(&ls->labels);
    daas_kube_fieldsel_free(&ls->fields);
}

static bool listsel_match(const listsel *ls, const json_t *o)
{
    if (ls->labels && !daas_kube_labelsel_match(ls->labels, daas_kube_path(o, "metadata.labels")))
        return false;
    if (ls->fields && !daas_kube_fieldsel_match(ls->fields, o))
        return false;
    return true;
}

/* ---- list ---- */

static int64_t query_int(daas_api__req *r, const char *name, int64_t def)
{
    char *v = daas_api__query(r, name);
    int64_t n = def;
    if (v && v[0]) {
        char *end;
        long long x = strtoll(v, &end, 10);
        n = *end == '\0' && x >= 0 ? x : -1;
    }
    daas_free(v);
    return n;
}

static void respond_list_json(daas_api__req *r, daas_kv_list *l, size_t nitems, const char *cont,
                              json_t *parsed)
{
    const daas_kube_kind *k = r->route.kind;
    char av[96];
    daas_buf b;
    daas_buf_init(&b, 0);
    daas_kube_kind_api_version(k, av, sizeof av);
    int rc = daas_buf_printf(&b,
                             "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":"
                             "{\"resourceVersion\":\"%lld\"",
                             k->list_kind, av, (long long)l->rev);
    if (rc == DAAS_OK && cont)
        rc = daas_buf_printf(&b, ",\"continue\":\"%s\"", cont);
    if (rc == DAAS_OK && cont && parsed == NULL && l->more)
        rc = daas_buf_printf(&b, ",\"remainingItemCount\":%zu", l->remaining);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&b, "},\"items\":[");
    for (size_t i = 0; rc == DAAS_OK && i < nitems; i++) {
        if (i)
            rc = daas_buf_puts(&b, ",");
        if (rc != DAAS_OK)
            break;
        if (parsed) {
            char *s = json_dumps(json_array_get(parsed, i), JSON_COMPACT);
            rc = daas_buf_puts(&b, s ? s : "{}");
            free(s);
        } else if (l->items[i].obj) {
            rc = daas_buf_append(&b, l->items[i].obj->data, l->items[i].obj->len);
        } else {
            rc = daas_api__render_into(l->items[i].val, l->items[i].mod_rev, &b);
        }
    }
    if (rc == DAAS_OK)
        rc = daas_buf_puts(&b, "]}");
    if (rc != DAAS_OK) {
        daas_err e = {0};
        daas_fail(&e, DAAS_ETOOBIG, "the list is too large to send; use limit");
        daas_api__respond_err(r, &e);
    } else {
        daas_api__respond_json(r, 200, "application/json", b.data, b.len);
    }
    daas_buf_fini(&b);
}

void daas_api__list(daas_api__req *r)
{
    daas_err e = {0};
    listsel ls = {0};
    daas_kv_list l = {0};
    char *prefix = daas_api__prefix(r->route.kind, r->route.ns), *start = NULL, *cont = NULL;
    char *ctok = daas_api__query(r, "continue");
    int64_t limit = query_int(r, "limit", 0);
    json_t *objs = NULL;
    int rc;

    r->verb = DAAS_API_VERB_LIST;
    if (limit < 0) {
        rc = daas_fail(&e, DAAS_EINVAL, "limit must be a non-negative integer");
        goto out;
    }
    rc = listsel_parse(r, &ls, &e);
    if (rc == DAAS_OK && ctok && ctok[0])
        rc = token_decode(ctok, prefix, &start, &e);
    if (rc != DAAS_OK)
        goto out;
    bool filter = ls.labels || ls.fields;
    /* Without selectors the store pages for us; with them we scan and stop at limit. */
    rc = daas_store_list(r->api->store, prefix, start, filter ? 0 : (size_t)limit, &l, &e);
    if (rc != DAAS_OK)
        goto out;
    if (!filter && l.more && l.n > 0) {
        /* the next page starts just after the last key: key + "\x01" sorts right after it */
        char *next = daas_xasprintf("%s\x01", l.items[l.n - 1].key);
        cont = token_encode(l.rev, next);
        daas_free(next);
    }
    if (filter || r->table) {
        objs = json_array();
        for (size_t i = 0; i < l.n; i++) {
            if (filter && limit > 0 && (int64_t)json_array_size(objs) == limit) {
                cont = token_encode(l.rev, l.items[i].key);
                break;
            }
            json_t *o = daas_api__parse_kv(&l.items[i]);
            if (o && listsel_match(&ls, o))
                json_array_append_new(objs, o);
            else
                json_decref(o);
        }
    }
    if (r->table) {
        char rv[32], *inc = daas_api__query(r, "includeObject");
        snprintf(rv, sizeof rv, "%lld", (long long)l.rev);
        json_t *t = daas_api__table(r->route.kind, objs, inc, true, rv, cont);
        daas_api__respond_obj(r, 200, t);
        json_decref(t);
        daas_free(inc);
    } else {
        respond_list_json(r, &l, filter ? json_array_size(objs) : l.n, cont, filter ? objs : NULL);
    }
out:
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    json_decref(objs);
    daas_kv_list_fini(&l);
    listsel_fini(&ls);
    daas_free(prefix);
    daas_free(start);
    daas_free(ctok);
    daas_free(cont);
}
