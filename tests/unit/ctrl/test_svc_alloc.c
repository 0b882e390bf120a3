/*
 * test_svc_alloc.c: ClusterIP allocation under concurrent Service creates (src/api/subres.c):
 * in a range of 62 addresses, 16 threads create 3 Services each through the in-process API at
 * once (random picks would collide without the allocator's reservations); every Service gets
 * an address, and no two the same. A create that asks for an address another Service holds
 * is refused with 422.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "ctrl/ctrl.h"
#include "kube/kind.h"
#include "kube/obj.h"

#define THREADS 16
#define EACH 3

typedef struct worker {
    ctrl_tfx *t;
    int id;
    char ips[EACH][64];
    int failures;
} worker;

static json_t *service(const char *name, const char *ip)
{
    json_t *s = json_pack("{s:s,s:s,s:{s:s},s:{s:{s:s},s:[{s:i}]}}", "apiVersion", "v1", "kind",
                          "Service", "metadata", "name", name, "spec", "selector", "app", name,
                          "ports", "port", 80);
    if (ip)
        daas_kube_set_str(s, "spec.clusterIP", ip);
    return s;
}

static void *create_many(void *arg)
{
    worker *w = arg;
    const daas_kube_kind *k = daas_ctrl_kind("services");
    for (int i = 0; i < EACH; i++) {
        char name[32];
        snprintf(name, sizeof name, "s-%d-%d", w->id, i);
        json_t *s = service(name, NULL), *out = NULL;
        daas_err e = {0};
        if (daas_ctrl_client_create(w->t->c, k, "default", s, &out, &e) != DAAS_OK)
            w->failures++;
        snprintf(w->ips[i], sizeof w->ips[i], "%s",
                 daas_kube_str(out, "spec.clusterIP") ? daas_kube_str(out, "spec.clusterIP") : "");
        json_decref(out);
        json_decref(s);
    }
    return NULL;
}

static void test_concurrent_creates_distinct(void **state)
{
    (void)state;
    ctrl_tfx t;
    ctrl_t_open_cidr(&t, "daas-svcalloc", 0, false, NULL, "10.96.0.0/26");
    worker w[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.t = &t, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, create_many, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    json_t *seen = json_object();
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].failures, 0);
        for (int j = 0; j < EACH; j++) {
            assert_true(strncmp(w[i].ips[j], "10.96.0.", 8) == 0);
            assert_null(json_object_get(seen, w[i].ips[j])); /* no duplicate */
            json_object_set_new(seen, w[i].ips[j], json_true());
        }
    }
    assert_int_equal(json_object_size(seen), THREADS * EACH);
    /* Asking for an address in use is refused. */
    json_t *s = service("taken", w[0].ips[0]);
    daas_err e = {0};
    assert_int_equal(daas_ctrl_client_create(t.c, daas_ctrl_kind("services"), "default", s, NULL, &e),
                     DAAS_EINVALID);
    assert_non_null(strstr(e.msg, "spec.clusterIPs"));
    json_decref(s);
    json_decref(seen);
    ctrl_t_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_concurrent_creates_distinct)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
