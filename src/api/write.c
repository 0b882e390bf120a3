/*
 * write.c: create, update (PUT) and patch, which share one commit path.
 *
 * Owns:   server-set metadata (uid, creationTimestamp, generation, generateName), the
 *         read-modify-write loop with optimistic concurrency, dryRun, no-op detection.
 * Not:    body decoding (body.c), patch algorithms (kube/patch*.c), kinds' defaults and
 *         validation (kube/kind*.c), delete (delete.c), subresources (subres.c).
 * Invariants:
 *   - nothing is stored unless the whole object validated;
 *   - an update whose result equals the stored object writes nothing (same resourceVersion,
 *     no watch event);
 *   - a PUT or patch carrying metadata.resourceVersion fails with 409 when it is stale; one
 *     without retries on a concurrent write (at most DAAS_API_RETRIES times).
 * Spec:   specs/kube-api.md §3, §5.1, §6.4.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "api/write_int.h"
#include "common/log.h"
#include "common/util.h"
#include "kube/obj.h"
#include "kube/patch.h"

#define DAAS_API_RETRIES 8

const char *daas_api__manager(daas_api__req *r, char *buf, size_t n)
{
    char *m = daas_api__query(r, "fieldManager");
    const char *ua = daas_http_req_header(r->http, "User-Agent");
    if (m && m[0])
        snprintf(buf, n, "%s", m);
    else if (ua && ua[0])
        snprintf(buf, n, "%.*s", (int)strcspn(ua, "/ "), ua);
    else
        snprintf(buf, n, "unknown");
    daas_free(m);
    return buf;
}

bool daas_api__dry_run(daas_api__req *r)
{
    char *d = daas_api__query(r, "dryRun");
    bool b = d && strcmp(d, "All") == 0;
    daas_free(d);
    return b;
}

/* ---- shared helpers ---- */

void daas_api__fail_conflict(daas_api__req *r, daas_err *e)
{
    char q[160];
    daas_kube_kind_qualified(r->route.kind, q, sizeof q);
    daas_err_clear(e);
    daas_fail(e, DAAS_ECONFLICT,
              "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
              "please apply your changes to the latest version and try again",
              q, r->route.name ? r->route.name : "");
}

void daas_api__fail_notfound(daas_api__req *r, const char *name, daas_err *e)
{
    char q[160];
    daas_kube_kind_qualified(r->route.kind, q, sizeof q);
    daas_err_clear(e);
    daas_fail(e, DAAS_ENOTFOUND, "%s \"%s\" not found", q, name);
}

int daas_api__load(daas_api *api, const char *key, daas_kv *kv, json_t **obj, daas_err *err)
{
    int rc = daas_store_get(api->store, key, kv, err);
    if (rc != DAAS_OK)
        return rc;
    *obj = daas_api__parse_kv(kv);
    if (*obj == NULL) {
        daas_kv_fini(kv);
        return daas_fail(err, DAAS_EIO, "stored object %s is corrupt", key);
    }
    return DAAS_OK;
}

char *daas_api__dump_stored(json_t *obj)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *rv = json_incref(json_object_get(meta, "resourceVersion"));
    json_object_del(meta, "resourceVersion");
    daas_buf b;
    daas_buf_init(&b, 0);
    char *s = daas_kube_json_dump(obj, &b) == DAAS_OK ? daas_buf_steal(&b, NULL) : NULL;
    daas_buf_fini(&b);
    if (rv)
        json_object_set_new(meta, "resourceVersion", rv);
    return s;
}

void daas_api__set_rv(json_t *obj, int64_t rev)
{
    char rv[32];
    snprintf(rv, sizeof rv, "%lld", (long long)rev);
    daas_kube_set_str(obj, "metadata.resourceVersion", rv);
}

/* Generic and kind validation; on failure responds 422 and returns false. */
bool daas_api__validate(daas_api__req *r, const json_t *obj, const json_t *old)
{
    const daas_kube_kind *k = r->route.kind;
    const char *sub = r->route.sub;
    daas_kube_verr v = {0};
    daas_kube_validate_meta(k, obj, old, &v);
    /* The kind's rules judge spec changes; status and binding writes cannot change the spec
     * (binding sets spec.nodeName, which pod update rules would forbid). */
    if (k->validate && (sub == NULL || strcmp(sub, "scale") == 0))
        k->validate(obj, old, &v);
    if (k->validate_status && sub && strcmp(sub, "status") == 0)
        k->validate_status(obj, old, &v);
    if (v.causes == NULL)
        return true;
    daas_api__respond_invalid(r, k->kind, daas_kube_str(obj, "metadata.name"), &v);
    daas_kube_verr_fini(&v);
    return false;
}

/* ---- create ---- */

static void generate_name(json_t *obj)
{
    static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
    const char *gen = daas_kube_str(obj, "metadata.generateName");
    uint8_t rnd[5];
    char suffix[6];
    daas_random(rnd, sizeof rnd);
    for (int i = 0; i < 5; i++)
        suffix[i] = alpha[rnd[i] % (sizeof alpha - 1)];
    suffix[5] = '\0';
    char *name = daas_xasprintf("%s%s", gen, suffix);
    daas_kube_set_str(obj, "metadata.name", name);
    daas_free(name);
}

/* Fills namespace from the URL; a body namespace that disagrees is a 400. */
static int fix_namespace(daas_api__req *r, json_t *obj, daas_err *err)
{
    const char *ns = daas_kube_str(obj, "metadata.namespace");
    if (!r->route.kind->namespaced) {
        daas_kube_del(obj, "metadata.namespace");
        return DAAS_OK;
    }
    if (ns && ns[0] && strcmp(ns, r->route.ns) != 0)
        return daas_fail(err, DAAS_EINVAL, "the namespace of the provided object does not "
                                           "match the namespace sent on the request");
    daas_kube_set_str(obj, "metadata.namespace", r->route.ns);
    return DAAS_OK;
}

/* The namespace must exist and not be terminating (403 upstream's way). */
static int check_namespace(daas_api__req *r, const char *name, daas_err *err)
{
    const daas_kube_kind *k = r->route.kind;
    if (!k->namespaced)
        return DAAS_OK;
    char *key = daas_xasprintf("/registry/namespaces/%s", r->route.ns);
    daas_kv kv = {0};
    json_t *ns = NULL;
    int rc = daas_store_get(r->api->store, key, &kv, err);
    daas_free(key);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        return daas_fail(err, DAAS_ENOTFOUND, "namespaces \"%s\" not found", r->route.ns);
    }
    /* On every create: parse the namespace only when it may be terminating. */
    if (rc == DAAS_OK && memmem(kv.val->data, kv.val->len, "\"deletionTimestamp\"", 19))
        ns = daas_api__parse_kv(&kv);
    if (rc == DAAS_OK && daas_kube_path(ns, "metadata.deletionTimestamp")) {
        char q[160];
        daas_kube_kind_qualified(k, q, sizeof q);
        rc = daas_fail(err, DAAS_EDENIED,
                       "%s \"%s\" is forbidden: unable to create new content in namespace %s "
                       "because it is being terminated",
                       q, name, r->route.ns);
    }
    json_decref(ns);
    daas_kv_fini(&kv);
    return rc;
}

static void init_meta(const daas_kube_kind *k, json_t *obj, const char *manager, bool apply)
{
    char uid[37], ts[32];
    daas_uuid4(uid);
    daas_time_rfc3339(daas_now_ms() / 1000, ts, sizeof ts);
    json_t *meta = daas_kube_mkpath(obj, "metadata");
    json_object_set_new(meta, "uid", json_string(uid));
    json_object_set_new(meta, "creationTimestamp", json_string(ts));
    json_object_del(meta, "resourceVersion");
    json_object_del(meta, "deletionTimestamp");
    json_object_del(meta, "deletionGracePeriodSeconds");
    json_object_del(meta, "selfLink");
    if (k->generation)
        json_object_set_new(meta, "generation", json_integer(1));
    else
        json_object_del(meta, "generation");
    if (!apply) /* an apply recorded its own Apply entry */
        daas_kube_track_update(NULL, obj, manager, daas_now_ms() / 1000);
}

/* Answers with a stored JSON text s and its new revision. */
static void respond_stored(daas_api__req *r, int status, const char *s, int64_t rev)
{
    daas_blob *b = daas_blob_new(s, strlen(s));
    daas_buf out;
    daas_buf_init(&out, 0);
    if (daas_api__render_into(b, rev, &out) == DAAS_OK)
        daas_api__respond_json(r, status, "application/json", out.data, out.len);
    else
        daas_api__respond_json(r, status, "application/json", s, strlen(s));
    daas_buf_fini(&out);
    daas_blob_unref(&b);
}

/* ---- asynchronous create: the loop thread queues the durable write and goes on serving
 * other connections; the writer's completion is posted back to the loop, which answers. ---- */

typedef struct create_cont {
    daas_api__req r;       /* a copy of the request; owns r.pathbuf (the route points in it) */
    daas_http_loop *loop;  /* the connection's loop */
    char *stored;          /* the stored JSON text */
    char *name;            /* for the AlreadyExists message */
    int status;            /* 201 */
    bool gone;             /* the client or the server went away first: do not answer */
    int rc;                /* the store's result, set on the writer thread before the post */
    int64_t rev;
    daas_err err;
} create_cont;

static void create_gone(void *arg)
{
    ((create_cont *)arg)->gone = true;
}

/* On the loop thread: answer, then free the continuation. */
static void create_finish(void *arg)
{
    create_cont *c = arg;
    if (!c->gone) {
        daas_http_on_close(c->r.resp, NULL, NULL);
        if (c->rc == DAAS_OK) {
            respond_stored(&c->r, c->status, c->stored, c->rev);
        } else {
            if (c->rc == DAAS_EEXIST) {
                char q[160];
                daas_kube_kind_qualified(c->r.route.kind, q, sizeof q);
                daas_err_clear(&c->err);
                daas_fail(&c->err, DAAS_EEXIST, "%s \"%s\" already exists", q, c->name);
            }
            daas_api__respond_err(&c->r, &c->err);
        }
    }
    daas_free(c->r.pathbuf);
    daas_free(c->stored);
    daas_free(c->name);
    daas_free(c);
}

/* On the store's writer thread: record the result and hand it to the loop. */
static void create_done(void *arg, int rc, int64_t rev, const daas_err *err)
{
    create_cont *c = arg;
    c->rc = rc;
    c->rev = rev;
    if (err)
        c->err = *err;
    daas_http_loop_post(c->loop, create_finish, c);
}

/* Queues the create of obj and returns true; false when this request cannot be answered
 * later (no loop: a capture response) or the write failed before queueing (then it was
 * answered here). */
static bool create_async(daas_api__req *r, json_t *obj, int status)
{
    daas_http_loop *loop = daas_http_resp_loop(r->resp);
    if (loop == NULL)
        return false;
    daas_err e = {0};
    create_cont *c = daas_xcalloc(1, sizeof *c);
    c->loop = loop;
    c->status = status;
    c->name = daas_xstrdup(daas_kube_str(obj, "metadata.name"));
    c->stored = daas_api__dump_stored(obj);
    if (c->stored) /* for the informer that will see these bytes (parsecache.c) */
        daas_api__parsed_put(c->stored, strlen(c->stored), obj);
    char *key = daas_api__key(r->route.kind, r->route.ns, c->name);
    c->r = *r;
    int rc = c->stored ? daas_store_create_async(r->api->store, key,
                                                 DAAS_BYTES(c->stored, strlen(c->stored)),
                                                 create_done, c, &e)
                       : daas_fail(&e, DAAS_ETOOBIG, "the object is too deeply nested to store");
    daas_free(key);
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
        daas_free(c->stored);
        daas_free(c->name);
        daas_free(c);
        return true;
    }
    /* From here the continuation owns the request's path and answers it. The completion may
     * already be posted, but it runs on this same loop, after this handler returns. */
    r->pathbuf = NULL;
    r->responded = true;
    daas_http_on_close(r->resp, create_gone, c);
    return true;
}

/* Creates obj (already decoded and checked) under the route's collection and responds. */
void daas_api__create_obj(daas_api__req *r, json_t *obj, int status)
{
    const daas_kube_kind *k = r->route.kind;
    daas_err e = {0};
    char mgr[128];
    /* Services are created synchronously, so a ClusterIP prepare_create holds for this
     * create (held) is settled when this returns. */
    bool svc = strcmp(k->resource, "services") == 0 && k->group[0] == '\0', held = false;
    int rc = fix_namespace(r, obj, &e);
    if (rc != DAAS_OK)
        goto out;
    bool gen = daas_kube_str(obj, "metadata.name") == NULL ||
               daas_kube_str(obj, "metadata.name")[0] == '\0';
    if (gen && daas_kube_str(obj, "metadata.generateName"))
        generate_name(obj);
    init_meta(k, obj, daas_api__manager(r, mgr, sizeof mgr), r->apply);
    if (strcmp(k->resource, "pods") == 0 && k->group[0] == '\0')
        daas_kube_pod_default_tolerations(obj, r->api->tolerations[0], r->api->tolerations[1]);
    if (k->defaults)
        k->defaults(obj, NULL);
    char denial[DAAS_AUTHZ_MSG_MAX];
    rc = daas_api__admit_create(r, obj, denial, sizeof denial, &e); /* authz.c */
    if (rc == DAAS_EDENIED) {
        daas_api__respond_msg(r, rc, denial);
        return;
    }
    if (rc != DAAS_OK)
        goto out;
    if (!daas_api__validate(r, obj, NULL))
        return;
    rc = daas_api__admit_policy(r, obj, &e);
    if (rc == DAAS_EDENIED)
        return; /* answered */
    if (rc == DAAS_OK)
        rc = daas_api__seal(r, obj, &e);
    if (rc == DAAS_OK)
        rc = daas_api__prepare_create(r, obj, &e);
    held = svc && rc == DAAS_OK;
    if (rc == DAAS_OK)
        rc = check_namespace(r, daas_kube_str(obj, "metadata.name"), &e);
    if (rc != DAAS_OK)
        goto out;
    if (daas_api__dry_run(r)) {
        daas_api__respond_obj(r, status, obj);
        goto settle;
    }
    if (!gen && !svc && create_async(r, obj, status))
        return;
    for (int attempt = 0;; attempt++) {
        const char *name = daas_kube_str(obj, "metadata.name");
        char *key = daas_api__key(k, r->route.ns, name);
        char *s = daas_api__dump_stored(obj);
        int64_t rev = 0;
        rc = s ? daas_store_create(r->api->store, key, DAAS_BYTES(s, strlen(s)), &rev, &e)
               : daas_fail(&e, DAAS_ETOOBIG, "the object is too deeply nested to store");
        daas_free(key);
        if (rc == DAAS_OK) {
            /* Answer with the stored bytes plus the new resourceVersion: one dump, not two. */
            respond_stored(r, status, s, rev);
            daas_free(s);
            goto settle;
        }
        daas_free(s);
        if (rc == DAAS_EEXIST && gen && attempt < 5) {
            daas_err_clear(&e);
            generate_name(obj);
            continue;
        }
        if (rc == DAAS_EEXIST) {
            char q[160];
            daas_kube_kind_qualified(k, q, sizeof q);
            daas_err_clear(&e);
            daas_fail(&e, DAAS_EEXIST, "%s \"%s\" already exists", q, name);
        }
        break;
    }
out: /* only failures get here */
    daas_api__respond_err(r, &e);
settle:
    if (held)
        daas_api__ip_settled(r->api, obj);
}

/* Decodes the body as an object of the route's kind, with strict field checks. */
static int decode_object(daas_api__req *r, bool allow_empty_gvk, json_t **out, daas_err *e)
{
    int rc = daas_api__decode_body(r, out, e);
    if (rc == DAAS_OK)
        rc = daas_api__check_gvk(r->route.kind, *out, allow_empty_gvk, e);
    if (rc == DAAS_OK)
        rc = daas_api__check_fields(r, r->route.kind, *out, e);
    return rc;
}

void daas_api__create(daas_api__req *r)
{
    daas_err e = {0};
    json_t *obj = NULL;
    r->verb = DAAS_API_VERB_CREATE;
    int rc = decode_object(r, true, &obj, &e);
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    else
        daas_api__create_obj(r, obj, 201);
    json_decref(obj);
}

/* ---- update and patch: one commit path ---- */

/* Copies what a client cannot change through this endpoint from old into obj. */
static void preserve(const daas_kube_kind *k, const json_t *old, json_t *obj, const char *sub)
{
    static const char *const keep[] = {"uid", "creationTimestamp", "deletionTimestamp",
                                       "deletionGracePeriodSeconds", "generation"};
    json_t *om = json_object_get(old, "metadata"), *nm = daas_kube_mkpath(obj, "metadata");
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *v = json_object_get(om, keep[i]);
        if (v)
            json_object_set(nm, keep[i], v);
        else
            json_object_del(nm, keep[i]);
    }
    if (k->has_status && sub == NULL) {
        json_t *st = json_object_get(old, "status");
        if (st)
            json_object_set(obj, "status", st);
        else
            json_object_del(obj, "status");
    }
    if (k->generation) {
        json_t *os = json_object_get(old, "spec"), *ns = json_object_get(obj, "spec");
        int64_t g = daas_kube_int(old, "metadata.generation", 1);
        if (!json_equal(os, ns) && !(os == NULL && ns == NULL))
            g++;
        json_object_set_new(nm, "generation", json_integer(g));
    }
}

/* Equality for no-op detection: managedFields timestamps and resourceVersion aside. */
static bool same_object(const json_t *a, const json_t *b)
{
    json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
    json_t *xm = json_object_get(x, "metadata"), *ym = json_object_get(y, "metadata");
    json_object_del(xm, "resourceVersion");
    json_object_del(ym, "resourceVersion");
    json_object_del(xm, "managedFields");
    json_object_del(ym, "managedFields");
    bool eq = json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return eq;
}

/* Upstream's ShouldDeleteDuringUpdate (and the namespace store's own rule): an update that
 * leaves no finalizer on an object already being deleted, with no grace period running (a
 * pod in graceful termination stays until its agent deletes it), removes the object. */
static bool delete_on_update(const daas_kube_kind *k, const json_t *old, const json_t *obj)
{
    if (json_array_size(daas_kube_path(obj, "metadata.finalizers")) > 0 ||
        daas_kube_path(old, "metadata.deletionTimestamp") == NULL)
        return false;
    if (strcmp(k->resource, "namespaces") == 0 &&
        json_array_size(daas_kube_path(obj, "spec.finalizers")) > 0)
        return false;
    return json_integer_value(daas_kube_path(old, "metadata.deletionGracePeriodSeconds")) == 0;
}

/* Upstream's deleteWithoutFinalizers: removes the object the update released. Another
 * writer may have removed the last finalizer first and deleted it already: that is success
 * too (the reply is still the object as this update made it). */
static int delete_released(daas_api__req *r, const char *key, const daas_kv *kv, daas_err *err)
{
    int rc = daas_store_delete(r->api->store, key, kv->mod_rev, NULL, NULL, err);
    if (rc == DAAS_ENOTFOUND) {
        daas_err_clear(err);
        rc = DAAS_OK;
    }
    return rc;
}

int daas_api__commit(daas_api__req *r, const char *key, const daas_kv *kv, const json_t *old,
                     json_t *obj, const char *sub, int *status, daas_err *err)
{
    const daas_kube_kind *k = r->route.kind;
    char mgr[128];
    preserve(k, old, obj, sub);
    daas_kube_set_str(obj, "metadata.name", daas_kube_str(old, "metadata.name"));
    if (k->namespaced)
        daas_kube_set_str(obj, "metadata.namespace", r->route.ns);
    json_object_set(obj, "apiVersion", json_object_get(old, "apiVersion"));
    json_object_set(obj, "kind", json_object_get(old, "kind"));
    if (k->defaults)
        k->defaults(obj, old);
    if (!daas_api__validate(r, obj, old))
        return DAAS_EINVALID; /* already answered */
    int rc = daas_api__admit_update(r, old, obj, sub, err);
    if (rc == DAAS_EDENIED)
        return DAAS_EINVALID; /* answered, as by validate */
    if (rc == DAAS_OK)
        rc = daas_api__seal(r, obj, err);
    if (rc != DAAS_OK)
        return rc;
    daas_api__set_rv(obj, kv->mod_rev);
    /* Upstream decides on the delete before its no-op check: a no-op update of an object
     * left released (a lost race) removes it too. */
    bool release = delete_on_update(k, old, obj);
    *status = 200;
    if (!release && same_object(old, obj)) {
        json_object_set(obj, "metadata", json_object_get(old, "metadata"));
        return DAAS_OK;
    }
    if (!r->apply)
        daas_kube_track_update(old, obj, daas_api__manager(r, mgr, sizeof mgr),
                               daas_now_ms() / 1000);
    if (daas_api__dry_run(r))
        return DAAS_OK;
    if (release) /* the reply keeps the loaded resourceVersion, as upstream's does */
        return delete_released(r, key, kv, err);
    int64_t rev = 0;
    char *s = daas_api__dump_stored(obj);
    rc = s ? daas_store_update(r->api->store, key, DAAS_BYTES(s, strlen(s)), kv->mod_rev, &rev,
                               err)
           : daas_fail(err, DAAS_ETOOBIG, "the object is too deeply nested to store");
    daas_free(s);
    if (rc == DAAS_OK)
        daas_api__set_rv(obj, rev);
    return rc;
}

void daas_api__update(daas_api__req *r)
{
    daas_err e = {0};
    json_t *body = NULL;
    r->verb = DAAS_API_VERB_UPDATE;
    int rc = decode_object(r, false, &body, &e);
    if (rc != DAAS_OK) {
        daas_api__respond_err(r, &e);
        json_decref(body);
        return;
    }
    const char *bname = daas_kube_str(body, "metadata.name");
    if (bname && strcmp(bname, r->route.name) != 0) {
        daas_fail(&e, DAAS_EINVAL,
                  "the name of the object (%s) does not match the name on the URL (%s)", bname,
                  r->route.name);
        daas_api__respond_err(r, &e);
        json_decref(body);
        return;
    }
    daas_api__modify(r, body, NULL, NULL);
    json_decref(body);
}

/* Read-modify-write: loads the object, builds the new one with fn (or takes body as the new
 * object when fn is NULL), commits with the loaded revision, retries on a race. */
void daas_api__modify(daas_api__req *r, const json_t *body, daas_api__mutate_fn fn, void *arg)
{
    const daas_kube_kind *k = r->route.kind;
    char *key = daas_api__key(k, r->route.ns, r->route.name);
    daas_err e = {0};
    json_t *obj = NULL, *old = NULL;
    int rc = DAAS_OK, status = 200;

    for (int attempt = 0; attempt < DAAS_API_RETRIES; attempt++) {
        daas_kv kv = {0};
        json_decref(old);
        json_decref(obj);
        old = obj = NULL;
        daas_err_clear(&e);
        rc = daas_api__load(r->api, key, &kv, &old, &e);
        if (rc == DAAS_ENOTFOUND) {
            if (fn && arg && daas_api__modify_create(r, fn, arg, &rc)) {
                daas_free(key);
                return; /* server-side apply created it and answered */
            }
            daas_api__fail_notfound(r, r->route.name, &e);
        }
        if (rc != DAAS_OK)
            break;
        const char *want_rv = NULL;
        if (fn) {
            rc = fn(r, old, &obj, arg, &e);
            want_rv = rc == DAAS_OK ? daas_kube_str(obj, "metadata.resourceVersion") : NULL;
        } else {
            obj = json_deep_copy(body);
            want_rv = daas_kube_str(body, "metadata.resourceVersion");
        }
        if (rc == DAAS_OK && want_rv && want_rv[0] &&
            strcmp(want_rv, daas_kube_str(old, "metadata.resourceVersion")) != 0) {
            daas_api__fail_conflict(r, &e);
            rc = DAAS_ECONFLICT;
        }
        /* The object went between its load and the commit: the retry's load answers
         * NotFound (or an apply creates it). Upstream names the object, not its key. */
        bool gone = false;
        if (rc == DAAS_OK) {
            rc = daas_api__commit(r, key, &kv, old, obj, r->route.sub, &status, &e);
            gone = rc == DAAS_ENOTFOUND;
            if (gone)
                daas_api__fail_notfound(r, r->route.name, &e);
        }
        daas_kv_fini(&kv);
        if (rc == DAAS_EINVALID && e.code == DAAS_OK) {
            rc = DAAS_OK; /* answered by validate() */
            goto done;
        }
        if ((rc != DAAS_ECONFLICT && !gone) || (fn == NULL && want_rv && want_rv[0]))
            break;
    }
    if (rc == DAAS_ECONFLICT)
        daas_api__fail_conflict(r, &e);
    if (rc != DAAS_OK)
        daas_api__respond_err(r, &e);
    else
        daas_api__respond_result(r, status, obj);
done:
    json_decref(obj);
    json_decref(old);
    daas_free(key);
}

void daas_api__respond_result(daas_api__req *r, int status, json_t *obj)
{
    if (r->route.sub && strcmp(r->route.sub, "binding") == 0) {
        json_t *st = json_pack("{s:s,s:s,s:{},s:s,s:i}", "kind", "Status", "apiVersion", "v1",
                               "metadata", "status", "Success", "code", 201);
        daas_api__respond_obj(r, 201, st);
        json_decref(st);
        return;
    }
    if (r->route.sub && strcmp(r->route.sub, "scale") == 0) {
        json_t *scale = daas_api__scale_of(r->route.kind, obj);
        daas_api__respond_obj(r, status, scale);
        json_decref(scale);
        return;
    }
    daas_api__respond_obj(r, status, obj);
}
