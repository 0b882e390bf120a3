/*
 * ctrl_testutil.h: what the controller tests share (header-only, static inline): an API over
 * a fresh SQLite store in a temp dir, a controller client and manager on it, and the pieces
 * every controller test needs (list, get, create, bounded polls, the kubelet's status writes,
 * Event counts, JSON written with ' for ").
 *
 * Owns:   ctrl_tfx and its store, API, client and manager; the temp dir.
 * Does not own: what the tests create through the API (it goes with the store).
 * Invariants: waits are bounded polls, CTRL_T_POLLS steps of CTRL_T_POLL_US (10 s in 10 ms
 *             steps); a failed request is a test failure (fail_msg / assert) unless the
 *             helper says it returns the code.
 * Include after <cmocka.h>.
 */
#ifndef DAAS_TEST_CTRL_TESTUTIL_H
#define DAAS_TEST_CTRL_TESTUTIL_H

#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/authn.h"
#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl.h"
#include "ctrl/podutil.h"
#include "kube/obj.h"
#include "store/store.h"

#define CTRL_T_POLLS 1000    /* steps of a bounded wait */
#define CTRL_T_POLL_US 10000 /* one step */

typedef struct ctrl_tfx {
    char dir[64];
    daas_store *store;
    daas_authn *authn; /* x509 only, or NULL: anonymous requests allowed */
    daas_api *api;
    daas_ctrl_client *c;
    daas_ctrl_mgr *m; /* NULL until ctrl_t_mgr_regs (CTRL_T_MGR); freed first by ctrl_t_close */
} ctrl_tfx;

/* nftw callback of ctrl_t_close: removes one entry of the temp dir. */
static inline int ctrl_t_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* Opens t (overwritten): store (event_ring 0: the store's default), API with x509
 * authentication (x509) or anonymous and the ClusterIP range cidr (NULL: the default), client
 * with manager name (NULL: the default); no controller manager yet. */
static inline void ctrl_t_open_cidr(ctrl_tfx *t, const char *prefix, int event_ring, bool x509,
                                    const char *manager, const char *cidr)
{
    daas_err e = {0};
    char path[128];
    *t = (ctrl_tfx){0};
    snprintf(t->dir, sizeof t->dir, "/tmp/%s.XXXXXX", prefix);
    assert_non_null(mkdtemp(t->dir));
    snprintf(path, sizeof path, "%s/state.db", t->dir);
    daas_store_opts so = {.compact_interval_s = 0, .event_ring = event_ring};
    assert_int_equal(daas_store_open_sqlite(path, &so, &t->store, &e), DAAS_OK);
    daas_api_config ac = {.store = t->store, .allow_anonymous = !x509, .service_cidr = cidr};
    if (x509) {
        t->authn = daas_authn_new();
        daas_authn_add_x509(t->authn);
        ac.authn = t->authn;
    }
    assert_int_equal(daas_api_new(&ac, &t->api, &e), DAAS_OK);
    assert_int_equal(daas_api_start(t->api, &e), DAAS_OK);
    t->c = daas_ctrl_client_new(t->api, manager);
}

/* ctrl_t_open_cidr with the default ClusterIP range. */
static inline void ctrl_t_open(ctrl_tfx *t, const char *prefix, int event_ring, bool x509,
                               const char *manager)
{
    ctrl_t_open_cidr(t, prefix, event_ring, x509, manager, NULL);
}

/* Frees what ctrl_t_open made and the manager (stopping its controllers first), removes
 * the temp dir. */
static inline void ctrl_t_close(ctrl_tfx *t)
{
    daas_ctrl_mgr_free(&t->m);
    daas_ctrl_client_free(&t->c);
    daas_api_stop(t->api);
    daas_api_free(&t->api);
    daas_authn_free(&t->authn);
    daas_store_close(&t->store);
    nftw(t->dir, ctrl_t_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* A test's fixture: size zeroed bytes of a struct whose first member is a ctrl_tfx, opened
 * anonymous with prefix and the defaults. Free with ctrl_t_teardown. */
static inline void *ctrl_t_fx_new(size_t size, const char *prefix)
{
    assert_true(size >= sizeof(ctrl_tfx));
    ctrl_tfx *t = daas_xcalloc(1, size);
    ctrl_t_open(t, prefix, 0, false, NULL);
    return t;
}

/* cmocka teardown of a ctrl_t_fx_new fixture in *state: ctrl_t_close, then frees it. */
static inline int ctrl_t_teardown(void **state)
{
    ctrl_tfx *t = *state;
    ctrl_t_close(t);
    daas_free(t);
    return 0;
}

typedef int (*ctrl_t_reg)(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err);

/* Sets t->m (NULL before) to a manager on t's API and store with each controller of regs
 * (NULL-terminated register functions) registered with o (NULL: all defaults), started when
 * start. Returns t->m. CTRL_T_MGR lists the register functions inline. */
static inline daas_ctrl_mgr *ctrl_t_mgr_regs(ctrl_tfx *t, const daas_ctrl_opts *o, bool start,
                                             const ctrl_t_reg *regs)
{
    daas_err e = {0};
    daas_ctrl_opts dflt = {0};
    assert_null(t->m);
    t->m = daas_ctrl_mgr_new(&(daas_ctrl_mgr_config){.api = t->api, .store = t->store});
    for (; *regs; regs++)
        assert_int_equal((*regs)(t->m, o ? o : &dflt, &e), DAAS_OK);
    if (start)
        assert_int_equal(daas_ctrl_mgr_start(t->m, &e), DAAS_OK);
    return t->m;
}

#define CTRL_T_MGR(t, o, start, ...)                                                               \
    ctrl_t_mgr_regs((t), (o), (start), (const ctrl_t_reg[]){__VA_ARGS__, NULL})

/* Starts t->m (made by ctrl_t_mgr_regs with start false). */
static inline void ctrl_t_mgr_start(ctrl_tfx *t)
{
    daas_err e = {0};
    assert_int_equal(daas_ctrl_mgr_start(t->m, &e), DAAS_OK);
}

/* Parses printf'ed JSON written with ' for " (at most 2 KiB). New; a test failure when bad. */
static inline json_t *ctrl_t_js(const char *fmt, ...) DAAS_PRINTF(1, 2);
static inline json_t *ctrl_t_js(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof buf);
    for (char *c = buf; *c; c++)
        if (*c == '\'')
            *c = '"';
    json_error_t je;
    json_t *o = json_loads(buf, 0, &je);
    if (o == NULL)
        fail_msg("bad test JSON: %s: %s", je.text, buf);
    return o;
}

/* The items of a GET on the printf'ed path (with any "?query"): a new array, empty when the
 * reply has none. A failed GET is a test failure. */
static inline json_t *ctrl_t_list(ctrl_tfx *t, const char *fmt, ...) DAAS_PRINTF(2, 3);
static inline json_t *ctrl_t_list(ctrl_tfx *t, const char *fmt, ...)
{
    char path[512];
    daas_err e = {0};
    json_t *out = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof path);
    if (daas_ctrl_client_do(t->c, "GET", path, NULL, NULL, &out, NULL, &e) != DAAS_OK)
        fail_msg("GET %s: %s", path, e.msg);
    json_t *items = json_incref(json_object_get(out, "items"));
    json_decref(out);
    return items ? items : json_array();
}

/* ctrl_t_list of kind k in namespace ns (NULL: cluster-scoped or all) with query (NULL:
 * none; "labelSelector=app%3Dweb"). */
static inline json_t *ctrl_t_list_of(ctrl_tfx *t, const daas_kube_kind *k, const char *ns,
                                     const char *query)
{
    char *path = daas_ctrl_path(k, ns, NULL, NULL);
    json_t *items = ctrl_t_list(t, "%s%s%s", path, query ? "?" : "", query ? query : "");
    daas_free(path);
    return items;
}

/* The size of arr, which it takes (a count of ctrl_t_list's items in one line). */
static inline size_t ctrl_t_len(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_decref(arr);
    return n;
}

/* Object ns/name of kind k (new), or NULL when there is none; any other error is a test
 * failure. */
static inline json_t *ctrl_t_get(ctrl_tfx *t, const daas_kube_kind *k, const char *ns,
                                 const char *name)
{
    daas_err e = {0};
    json_t *o = NULL;
    int rc = daas_ctrl_client_get(t->c, k, ns, name, &o, &e);
    if (rc == DAAS_ENOTFOUND)
        return NULL;
    if (rc != DAAS_OK)
        fail_msg("get %s: %s", name, e.msg);
    return o;
}

/* Creates obj (taken) of kind k in ns (NULL: cluster-scoped). Returns the stored object
 * (new); a refused create is a test failure. */
static inline json_t *ctrl_t_create(ctrl_tfx *t, const daas_kube_kind *k, const char *ns,
                                    json_t *obj)
{
    daas_err e = {0};
    json_t *out = NULL;
    assert_non_null(obj);
    if (daas_ctrl_client_create(t->c, k, ns, obj, &out, &e) != DAAS_OK)
        fail_msg("create %s: %s", daas_kube_str(obj, "metadata.name") ?: "?", e.msg);
    json_decref(obj);
    return out;
}

/* PATCHes ns/name of kind k (subresource sub, NULL: none) with patch (taken) of type
 * DAAS_CTRL_PATCH_*; a refused patch is a test failure. */
static inline void ctrl_t_patch(ctrl_tfx *t, const daas_kube_kind *k, const char *ns,
                                const char *name, const char *sub, int type, json_t *patch)
{
    daas_err e = {0};
    assert_non_null(patch);
    if (daas_ctrl_client_patch(t->c, k, ns, name, sub, type, patch, NULL, &e) != DAAS_OK)
        fail_msg("patch %s: %s", name, e.msg);
    json_decref(patch);
}

/* A predicate over a test's fixture f and an argument. */
typedef bool (*ctrl_t_pred)(void *f, const void *arg);

/* Polls pred(f, arg) until it holds (true) or the bounded wait is over (false). */
static inline bool ctrl_t_eventually(ctrl_t_pred pred, void *f, const void *arg)
{
    for (int i = 0; i < CTRL_T_POLLS; i++) {
        if (pred(f, arg))
            return true;
        usleep(CTRL_T_POLL_US);
    }
    return false;
}

/* Runs fill (a statement that sets the string buf) until buf equals want or the bounded wait
 * is over, then asserts buf equals want (cmocka prints both when not). */
#define CTRL_T_WAIT_EQ(fill, buf, want)                                                            \
    do {                                                                                           \
        for (int i_ = 0; i_ < CTRL_T_POLLS; i_++) {                                                \
            fill;                                                                                  \
            if (strcmp(buf, want) == 0)                                                            \
                break;                                                                             \
            usleep(CTRL_T_POLL_US);                                                                \
        }                                                                                          \
        assert_string_equal(buf, want);                                                            \
    } while (0)

/* The kubelet's status of a started pod (new): phase Running, podIP and podIPs ip (NULL:
 * none), condition Ready "True" or "False" (ready), with lastTransitionTime unix second since
 * (0: none). */
static inline json_t *ctrl_t_pod_running(const char *ip, bool ready, int64_t since)
{
    json_t *c = json_pack("{s:s,s:s}", "type", "Ready", "status", ready ? "True" : "False");
    if (since) {
        char ts[32];
        daas_time_rfc3339(since, ts, sizeof ts);
        json_object_set_new(c, "lastTransitionTime", json_string(ts));
    }
    json_t *st = json_pack("{s:s,s:[o]}", "phase", "Running", "conditions", c);
    if (ip) {
        json_object_set_new(st, "podIP", json_string(ip));
        json_object_set_new(st, "podIPs", json_pack("[{s:s}]", "ip", ip));
    }
    return st;
}

/* PUTs obj's status subresource: a copy of obj (borrowed) with .status = status (taken).
 * Returns the client's code, with its text in err (may be NULL); a conflict is the caller's
 * to judge. */
DAAS_MUST_USE static inline int ctrl_t_put_status(ctrl_tfx *t, const daas_kube_kind *k,
                                                  const json_t *obj, json_t *status, daas_err *err)
{
    json_t *body = json_deep_copy(obj);
    json_object_set_new(body, "status", status);
    int rc = daas_ctrl_client_update(t->c, k, body, "status", NULL, err);
    json_decref(body);
    return rc;
}

/* ctrl_t_put_status on the stored ns/name, which must exist; retried (read again) when a
 * controller wrote the object meanwhile, as a kubelet does; any other failure is a test
 * failure. */
static inline void ctrl_t_put_status_of(ctrl_tfx *t, const daas_kube_kind *k, const char *ns,
                                        const char *name, json_t *status)
{
    int rc = DAAS_ECONFLICT;
    daas_err e = {0};
    for (int i = 0; i < 20 && rc == DAAS_ECONFLICT; i++) {
        json_t *cur = ctrl_t_get(t, k, ns, name);
        if (cur == NULL)
            fail_msg("status of %s: no such object", name);
        daas_err_clear(&e);
        rc = ctrl_t_put_status(t, k, cur, json_incref(status), &e);
        json_decref(cur);
    }
    json_decref(status);
    if (rc != DAAS_OK)
        fail_msg("status of %s: %s", name, e.msg);
}

/* Plays the kubelet: every pod of pods (borrowed) that is neither Ready nor being deleted
 * becomes Running with ip (NULL: none) and Ready since 5 s ago. Returns how many status
 * writes succeeded. */
static inline int ctrl_t_make_ready(ctrl_tfx *t, const json_t *pods, const char *ip)
{
    const daas_kube_kind *k = daas_ctrl_kind("pods");
    int64_t since = daas_now_ms() / 1000 - 5;
    size_t i;
    json_t *pod;
    int n = 0;
    json_array_foreach(pods, i, pod)
    {
        if (daas_ctrl_pod_ready(pod, NULL) || daas_kube_str(pod, "metadata.deletionTimestamp"))
            continue;
        n += ctrl_t_put_status(t, k, pod, ctrl_t_pod_running(ip, true, since), NULL) == DAAS_OK;
    }
    return n;
}

/* How many Events in ns are about an object of kind (NULL: any) named name (NULL: any) with
 * reason and type (NULL: any). */
static inline int ctrl_t_count_events(ctrl_tfx *t, const char *ns, const char *kind,
                                      const char *name, const char *reason, const char *type)
{
    json_t *evs = ctrl_t_list(t, "/api/v1/namespaces/%s/events", ns);
    int n = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev)
    {
        n += (kind == NULL || strcmp(daas_kube_str(ev, "involvedObject.kind") ?: "", kind) == 0) &&
             (name == NULL || strcmp(daas_kube_str(ev, "involvedObject.name") ?: "", name) == 0) &&
             strcmp(daas_kube_str(ev, "reason") ?: "", reason) == 0 &&
             (type == NULL || strcmp(daas_kube_str(ev, "type") ?: "", type) == 0);
    }
    json_decref(evs);
    return n;
}

#endif
