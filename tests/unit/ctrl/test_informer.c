/*
 * test_informer.c: the shared informer over a real store and API: the initial list reported
 * as adds, then updates and deletes from the watch (with old and new objects), lookups by
 * key, namespace and controller owner (the owner index following an update), read-only
 * shared objects, and a relist after the watch fell behind the event ring (the differences
 * reported as events, the cache equal to the store afterwards); the manager running a toy
 * controller (handle → queue → workers → sync through the client, a failed sync retried).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "common/alloc.h"
#include "ctrl/ctrl.h"
#include "kube/kind.h"
#include "kube/obj.h"
#include "store/store.h"

typedef struct rec {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char log[64][96]; /* "ADD ns/name", "UPDATE ns/name old-rv>new-rv", "DELETE ns/name" */
    int n;
    bool hold, held; /* the handler blocks while hold */
} rec;

typedef struct fx {
    ctrl_tfx t;
    daas_ctrl_informer *inf;
    rec r;
} fx;

static void on_event(void *arg, int ev, const json_t *old, const json_t *obj)
{
    rec *r = arg;
    static const char *const names[] = {"", "ADD", "UPDATE", "DELETE"};
    char *key = daas_ctrl_key(obj);
    pthread_mutex_lock(&r->mu);
    r->held = r->hold;
    pthread_cond_broadcast(&r->cv);
    while (r->hold)
        pthread_cond_wait(&r->cv, &r->mu);
    if (r->n < 64) {
        if (ev == DAAS_CTRL_UPDATE)
            snprintf(r->log[r->n++], sizeof r->log[0], "UPDATE %s %s>%s", key,
                     daas_kube_str(old, "metadata.labels.v"),
                     daas_kube_str(obj, "metadata.labels.v"));
        else
            snprintf(r->log[r->n++], sizeof r->log[0], "%s %s", names[ev], key);
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    daas_free(key);
}

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    ctrl_t_open(&f->t, "daas-ctrlinf", 8, false, NULL);
    pthread_mutex_init(&f->r.mu, NULL);
    pthread_cond_init(&f->r.cv, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    daas_ctrl_informer_free(&f->inf);
    ctrl_t_close(&f->t);
    pthread_cond_destroy(&f->r.cv);
    pthread_mutex_destroy(&f->r.mu);
    daas_free(f);
    return 0;
}

static const daas_kube_kind *cm_kind(void)
{
    return daas_kube_kind_by_resource("", "v1", "configmaps");
}

/* Creates or updates ConfigMap ns/name with label v and an optional controller owner uid;
 * returns the store revision after the write. */
static int64_t put_cm(fx *f, const char *ns, const char *name, const char *v, const char *owner)
{
    daas_err e = {0};
    json_t *cm = json_pack("{s:s,s:s,s:{s:s,s:{s:s}}}", "apiVersion", "v1", "kind", "ConfigMap",
                           "metadata", "name", name, "labels", "v", v);
    if (owner)
        daas_kube_set(cm, "metadata.ownerReferences",
                      json_pack("[{s:s,s:s,s:s,s:s,s:b}]", "apiVersion", "apps/v1", "kind",
                                "ReplicaSet", "name", "rs", "uid", owner, "controller", 1));
    json_t *cur = NULL;
    if (daas_ctrl_client_get(f->t.c, cm_kind(), ns, name, &cur, NULL) == DAAS_OK) {
        daas_kube_set_str(cm, "metadata.namespace", ns);
        assert_int_equal(daas_ctrl_client_update(f->t.c, cm_kind(), cm, NULL, NULL, &e), DAAS_OK);
    } else {
        assert_int_equal(daas_ctrl_client_create(f->t.c, cm_kind(), ns, cm, NULL, &e), DAAS_OK);
    }
    json_decref(cur);
    json_decref(cm);
    return daas_store_revision(f->t.store);
}

static int64_t del_cm(fx *f, const char *ns, const char *name)
{
    daas_err e = {0};
    assert_int_equal(daas_ctrl_client_delete(f->t.c, cm_kind(), ns, name, NULL, NULL, &e), DAAS_OK);
    return daas_store_revision(f->t.store);
}

static void ensure_ns(fx *f, const char *ns)
{
    daas_err e = {0};
    json_t *o = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata",
                          "name", ns);
    assert_int_equal(daas_ctrl_client_create(f->t.c,
                                             daas_kube_kind_by_resource("", "v1", "namespaces"),
                                             NULL, o, NULL, &e),
                     DAAS_OK);
    json_decref(o);
}

static bool logged(rec *r, const char *line)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->log[i], line) == 0)
            return true;
    return false;
}

static void start(fx *f)
{
    daas_err e = {0};
    assert_int_equal(daas_ctrl_informer_new(f->t.store, cm_kind(), &f->inf, &e), DAAS_OK);
    daas_ctrl_informer_add_handler(f->inf, on_event, &f->r);
    assert_int_equal(daas_ctrl_informer_start(f->inf, &e), DAAS_OK);
    assert_true(daas_ctrl_informer_wait_synced(f->inf, 10000));
}

static void names_equal(json_t *arr, const char *const *want, size_t n)
{
    assert_int_equal(json_array_size(arr), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(daas_kube_str(json_array_get(arr, i), "metadata.name"), want[i]);
    json_decref(arr);
}

static void test_list_watch_lookups(void **state)
{
    fx *f = *state;
    ensure_ns(f, "a");
    ensure_ns(f, "b");
    put_cm(f, "a", "x", "1", "uid-1");
    put_cm(f, "a", "y", "1", NULL);
    put_cm(f, "b", "z", "1", "uid-1");
    start(f);
    /* the list arrives as adds, in key order, before synced */
    assert_int_equal(f->r.n, 3);
    assert_string_equal(f->r.log[0], "ADD a/x");
    assert_string_equal(f->r.log[1], "ADD a/y");
    assert_string_equal(f->r.log[2], "ADD b/z");
    assert_int_equal(daas_ctrl_informer_count(f->inf), 3);
    names_equal(daas_ctrl_informer_list(f->inf, "a"), (const char *[]){"x", "y"}, 2);
    names_equal(daas_ctrl_informer_list(f->inf, NULL), (const char *[]){"x", "y", "z"}, 3);
    names_equal(daas_ctrl_informer_list(f->inf, "none"), NULL, 0);
    names_equal(daas_ctrl_informer_by_owner(f->inf, "uid-1"), (const char *[]){"x", "z"}, 2);
    /* watch: an update moves y under uid-1 and x away from it */
    put_cm(f, "a", "y", "2", "uid-1");
    int64_t rev = put_cm(f, "a", "x", "2", "uid-2");
    assert_true(daas_ctrl_informer_wait_rev(f->inf, rev, 10000));
    assert_true(logged(&f->r, "UPDATE a/y 1>2"));
    assert_true(logged(&f->r, "UPDATE a/x 1>2"));
    names_equal(daas_ctrl_informer_by_owner(f->inf, "uid-1"), (const char *[]){"y", "z"}, 2);
    names_equal(daas_ctrl_informer_by_owner(f->inf, "uid-2"), (const char *[]){"x"}, 1);
    json_t *x = daas_ctrl_informer_get(f->inf, "a", "x");
    assert_string_equal(daas_kube_str(x, "metadata.labels.v"), "2");
    assert_non_null(daas_kube_str(x, "metadata.resourceVersion"));
    /* delete: gone from every index; a reference taken before stays valid */
    rev = del_cm(f, "a", "x");
    assert_true(daas_ctrl_informer_wait_rev(f->inf, rev, 10000));
    assert_true(logged(&f->r, "DELETE a/x"));
    assert_null(daas_ctrl_informer_get(f->inf, "a", "x"));
    names_equal(daas_ctrl_informer_by_owner(f->inf, "uid-2"), NULL, 0);
    names_equal(daas_ctrl_informer_list(f->inf, "a"), (const char *[]){"y"}, 1);
    assert_string_equal(daas_kube_str(x, "metadata.name"), "x");
    json_decref(x);
    assert_int_equal(f->r.n, 6);
    assert_true(daas_ctrl_informer_rev(f->inf) >= rev);
}

static void test_relist_after_ring_overflow(void **state)
{
    fx *f = *state;
    ensure_ns(f, "a");
    put_cm(f, "a", "keep", "1", NULL);
    put_cm(f, "a", "gone", "1", NULL);
    start(f);
    assert_int_equal(f->r.n, 2);
    /* block the informer in its handler on the next event, then write past the ring (8) */
    pthread_mutex_lock(&f->r.mu);
    f->r.hold = true;
    pthread_mutex_unlock(&f->r.mu);
    put_cm(f, "a", "first", "1", NULL);
    pthread_mutex_lock(&f->r.mu);
    while (!f->r.held)
        pthread_cond_wait(&f->r.cv, &f->r.mu);
    pthread_mutex_unlock(&f->r.mu);
    del_cm(f, "a", "gone");
    put_cm(f, "a", "keep", "2", NULL);
    char name[16];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "n%02d", i);
        put_cm(f, "a", name, "1", NULL);
    }
    int64_t rev = del_cm(f, "a", "n00");
    pthread_mutex_lock(&f->r.mu);
    f->r.hold = false;
    pthread_cond_broadcast(&f->r.cv);
    pthread_mutex_unlock(&f->r.mu);
    assert_true(daas_ctrl_informer_wait_rev(f->inf, rev, 10000));
    /* the cache equals the store: first, keep, n01..n19 */
    assert_int_equal(daas_ctrl_informer_count(f->inf), 21);
    assert_null(daas_ctrl_informer_get(f->inf, "a", "gone"));
    assert_null(daas_ctrl_informer_get(f->inf, "a", "n00"));
    json_t *keep = daas_ctrl_informer_get(f->inf, "a", "keep");
    assert_string_equal(daas_kube_str(keep, "metadata.labels.v"), "2");
    json_decref(keep);
    /* the differences came as events: the delete of "gone", the update of "keep" */
    assert_true(logged(&f->r, "ADD a/first"));
    assert_true(logged(&f->r, "DELETE a/gone"));
    assert_true(logged(&f->r, "UPDATE a/keep 1>2"));
    assert_true(logged(&f->r, "ADD a/n19"));
}

static void test_keys(void **state)
{
    (void)state;
    char *ns = NULL, *name = NULL;
    assert_int_equal(daas_ctrl_key_split("a/b", &ns, &name), DAAS_OK);
    assert_string_equal(ns, "a");
    assert_string_equal(name, "b");
    daas_free(ns);
    daas_free(name);
    assert_int_equal(daas_ctrl_key_split("node1", &ns, &name), DAAS_OK);
    assert_null(ns);
    assert_string_equal(name, "node1");
    daas_free(name);
    assert_int_equal(daas_ctrl_key_split("", &ns, &name), DAAS_EINVAL);
    assert_int_equal(daas_ctrl_key_split("/x", &ns, &name), DAAS_EINVAL);
    assert_int_equal(daas_ctrl_key_split("a/b/c", &ns, &name), DAAS_EINVAL);
    assert_null(ns);
    json_t *o = json_pack("{s:{s:s,s:s}}", "metadata", "name", "n", "namespace", "d");
    char *k = daas_ctrl_key(o);
    assert_string_equal(k, "d/n");
    daas_free(k);
    json_decref(o);
}

/* ---- the manager with a toy controller: label every ConfigMap "seen=yes" ---- */

typedef struct toy {
    atomic_int syncs, failures;
} toy;

static void toy_handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                       const json_t *obj)
{
    (void)arg, (void)old, (void)ev;
    assert_string_equal(res, "configmaps");
    char *key = daas_ctrl_key(obj);
    daas_ctrl_run_enqueue(run, key);
    daas_free(key);
}

static int toy_sync(void *arg, daas_ctrl_run *run, const char *key, daas_err *err)
{
    toy *t = arg;
    char *ns = NULL, *name = NULL;
    int rc = daas_ctrl_key_split(key, &ns, &name);
    atomic_fetch_add(&t->syncs, 1);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "bad key %s", key);
    /* the first sync of "flaky" fails: it comes back after the back-off */
    if (strcmp(name, "flaky") == 0 && atomic_fetch_add(&t->failures, 1) == 0) {
        rc = daas_fail(err, DAAS_EUNAVAIL, "transient");
        goto out;
    }
    json_t *o = daas_ctrl_informer_get(daas_ctrl_run_informer(run, "configmaps"), ns, name);
    if (o && daas_kube_str(o, "metadata.labels.seen") == NULL) {
        /* the Event first: once the label shows, its Event exists */
        rc = daas_ctrl_client_event(daas_ctrl_run_client(run), o, "Normal", "Seen", err, "saw %s",
                                    name);
        json_t *p = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "seen", "yes");
        if (rc == DAAS_OK)
            rc = daas_ctrl_client_patch(daas_ctrl_run_client(run), cm_kind(), ns, name, NULL,
                                        DAAS_CTRL_PATCH_MERGE, p, NULL, err);
        json_decref(p);
    }
    json_decref(o);
out:
    daas_free(ns);
    daas_free(name);
    return rc;
}

static bool all_seen(fx *f, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = NULL;
        if (daas_ctrl_client_get(f->t.c, cm_kind(), "a", names[i], &o, NULL) != DAAS_OK)
            return false;
        bool seen = daas_kube_str(o, "metadata.labels.seen") != NULL;
        json_decref(o);
        if (!seen)
            return false;
    }
    return true;
}

static void test_manager(void **state)
{
    fx *f = *state;
    daas_err e = {0};
    toy t = {0};
    ensure_ns(f, "a");
    put_cm(f, "a", "before", "1", NULL);
    put_cm(f, "a", "flaky", "1", NULL);
    daas_ctrl_mgr_config mc = {.api = f->t.api, .store = f->t.store};
    daas_ctrl_mgr *m = daas_ctrl_mgr_new(&mc);
    daas_ctrl_def bad = {
        .name = "bad", .resources = {"nonsense"}, .handle = toy_handle, .sync = toy_sync};
    assert_int_equal(daas_ctrl_mgr_register(m, &bad, &e), DAAS_EINVAL);
    daas_ctrl_def def = {.name = "toy",
                         .resources = {"configmaps", "replicasets.apps"},
                         .handle = toy_handle,
                         .sync = toy_sync,
                         .workers = 2,
                         .arg = &t};
    /* replicasets are watched too but produce no events here */
    e = (daas_err){0};
    assert_int_equal(daas_ctrl_mgr_register(m, &def, &e), DAAS_OK);
    assert_false(daas_ctrl_mgr_running(m));
    assert_int_equal(daas_ctrl_mgr_start(m, &e), DAAS_OK);
    assert_true(daas_ctrl_mgr_running(m));
    put_cm(f, "a", "after", "1", NULL);
    const char *names[] = {"before", "flaky", "after"};
    for (int i = 0; i < 1000 && !all_seen(f, names, 3); i++)
        usleep(10000);
    assert_true(all_seen(f, names, 3));
    assert_int_equal(atomic_load(&t.failures) >= 1, 1);
    /* the Events name the controller */
    json_t *list = NULL;
    assert_int_equal(daas_ctrl_client_do(f->t.c, "GET", "/api/v1/namespaces/a/events", NULL, NULL,
                                         &list, NULL, &e),
                     DAAS_OK);
    json_t *items = json_object_get(list, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(daas_kube_str(json_array_get(items, 0), "source.component"),
                        "toy-controller");
    json_decref(list);
    daas_ctrl_mgr_stop(m);
    assert_false(daas_ctrl_mgr_running(m));
    daas_ctrl_mgr_free(&m);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_watch_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relist_after_ring_overflow, setup, teardown),
        cmocka_unit_test(test_keys),
        cmocka_unit_test_setup_teardown(test_manager, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
