/*
 * patchreq.c: PATCH requests: picks the patch type from Content-Type and applies it to the
 * main resource or to its status or scale subresource, through write.c's commit loop.
 *
 * Owns:   patch-type dispatch, server-side apply's create-if-missing.
 * Invariants: the patch body is parsed once; each retry re-applies it to the fresh object.
 * Spec:   specs/kube-api.md §3 (apply, patch, label, scale), §3.1.
 */
#include <string.h>

#include "api/write_int.h"
#include "common/util.h"
#include "kube/obj.h"
#include "kube/patch.h"

enum { PATCH_MERGE, PATCH_JSON, PATCH_STRATEGIC, PATCH_APPLY };

typedef struct patchreq {
    int type;
    json_t *patch;
    bool force;
    char manager[128];
} patchreq;

static int patch_type(const char *ct, int *type)
{
    static const struct {
        const char *ct;
        int type;
    } map[] = {{"application/merge-patch+json", PATCH_MERGE},
               {"application/json-patch+json", PATCH_JSON},
               {"application/strategic-merge-patch+json", PATCH_STRATEGIC},
               {"application/apply-patch+yaml", PATCH_APPLY}};
    if (ct == NULL)
        return DAAS_EMEDIA;
    size_t n = strcspn(ct, "; ");
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].ct) == n && strncasecmp(ct, map[i].ct, n) == 0) {
            *type = map[i].type;
            return DAAS_OK;
        }
    return DAAS_EMEDIA;
}

static int apply_patch(patchreq *p, const json_t *doc, json_t **out, daas_err *err)
{
    switch (p->type) {
    case PATCH_MERGE:
        return daas_kube_merge_patch(doc, p->patch, out, err);
    case PATCH_JSON:
        return daas_kube_json_patch(doc, p->patch, out, err);
    case PATCH_STRATEGIC:
        return daas_kube_strategic_patch(doc, p->patch, out, err);
    default:
        return daas_kube_apply(doc, p->patch, p->manager, p->force, daas_now_ms() / 1000, out,
                               err);
    }
}

/* The mutate function for daas_api__modify: old → patched object for the route. */
static int mutate(daas_api__req *r, const json_t *old, json_t **out, void *arg, daas_err *err)
{
    patchreq *p = arg;
    const char *sub = r->route.sub;
    json_t *res = NULL;
    int rc;

    if (old == NULL) /* server-side apply of a missing object */
        return apply_patch(p, NULL, out, err);
    if (sub && strcmp(sub, "scale") == 0) {
        json_t *scale = daas_api__scale_of(r->route.kind, old), *ns = NULL;
        rc = apply_patch(p, scale, &ns, err);
        json_decref(scale);
        if (rc != DAAS_OK)
            return rc;
        json_t *rep = daas_kube_path(ns, "spec.replicas");
        if (!json_is_integer(rep) || json_integer_value(rep) < 0) {
            json_decref(ns);
            return daas_fail(err, DAAS_EINVAL, "Scale.spec.replicas must be a non-negative "
                                               "integer");
        }
        res = json_deep_copy(old);
        daas_kube_set(res, "spec.replicas", json_incref(rep));
        json_decref(ns);
        *out = res;
        return DAAS_OK;
    }
    rc = apply_patch(p, old, &res, err);
    if (rc != DAAS_OK)
        return rc;
    if (!json_is_object(res)) {
        json_decref(res);
        return daas_fail(err, DAAS_EINVAL, "the patch must produce an object");
    }
    if (sub && strcmp(sub, "status") == 0) {
        /* Only .status changes through the status subresource. */
        json_t *keep = json_deep_copy(old);
        json_t *st = json_object_get(res, "status");
        if (st)
            json_object_set(keep, "status", st);
        else
            json_object_del(keep, "status");
        json_object_set(json_object_get(keep, "metadata"), "resourceVersion",
                        json_object_get(json_object_get(res, "metadata"), "resourceVersion"));
        json_decref(res);
        res = keep;
    }
    *out = res;
    return DAAS_OK;
}

bool daas_api__modify_create(daas_api__req *r, daas_api__mutate_fn fn, void *arg, int *rc)
{
    patchreq *p = arg;
    if (fn != mutate || p->type != PATCH_APPLY || r->route.sub)
        return false;
    daas_err e = {0};
    json_t *obj = NULL;
    *rc = mutate(r, NULL, &obj, arg, &e);
    if (*rc == DAAS_OK) {
        const char *name = daas_kube_str(obj, "metadata.name");
        if (name && strcmp(name, r->route.name) != 0)
            *rc = daas_fail(&e, DAAS_EINVAL,
                            "the name of the object (%s) does not match the name on the URL "
                            "(%s)",
                            name, r->route.name);
        else
            daas_kube_set_str(obj, "metadata.name", r->route.name);
    }
    if (*rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    else
        daas_api__create_obj(r, obj, 201);
    json_decref(obj);
    return true;
}

void daas_api__patch(daas_api__req *r)
{
    daas_err e = {0};
    patchreq p = {0};
    r->verb = DAAS_API_VERB_PATCH;
    int rc = patch_type(daas_http_req_header(r->http, "Content-Type"), &p.type);
    if (rc != DAAS_OK) {
        daas_fail(&e, DAAS_EMEDIA,
                  "the body of the request was in an unknown format - accepted media types "
                  "include: application/json-patch+json, application/merge-patch+json, "
                  "application/apply-patch+yaml, application/strategic-merge-patch+json");
        goto out;
    }
    rc = daas_api__decode_body(r, &p.patch, &e);
    if (rc != DAAS_OK)
        goto out;
    if (p.type == PATCH_JSON ? !json_is_array(p.patch) : !json_is_object(p.patch)) {
        rc = daas_fail(&e, DAAS_EINVAL, "the patch body must be a JSON %s",
                       p.type == PATCH_JSON ? "array" : "object");
        goto out;
    }
    if (p.type != PATCH_JSON && r->route.sub == NULL) {
        rc = daas_api__check_fields(r, r->route.kind, p.patch, &e);
        if (rc != DAAS_OK)
            goto out;
    }
    if (p.type == PATCH_APPLY) {
        r->apply = true;
        char *m = daas_api__query(r, "fieldManager");
        if (m == NULL || m[0] == '\0')
            rc = daas_fail(&e, DAAS_EINVAL, "PATCH requests with apply patch type must have "
                                            "a fieldManager");
        daas_api__manager(r, p.manager, sizeof p.manager);
        daas_free(m);
        p.force = daas_api__query_bool(r, "force");
        if (rc == DAAS_OK && r->route.sub == NULL)
            rc = daas_api__check_gvk(r->route.kind, p.patch, false, &e);
        if (rc != DAAS_OK)
            goto out;
    }
    daas_api__modify(r, NULL, mutate, &p);
out:
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    json_decref(p.patch);
}
