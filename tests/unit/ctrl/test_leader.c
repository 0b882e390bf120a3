/*
 * test_leader.c: leader election over a real API: two electors on a fake clock (one leads,
 * renewals keep the other out, a leader that stops renewing loses the Lease after its
 * duration, the old leader steps down when it sees the new holder, callbacks alternate), a
 * released Lease taken at once, and two threaded electors with short periods (exactly one
 * leads; stopping it hands over; bounded waits only). A renewal failing for the renew
 * deadline without another holder is not provoked here (it needs a failing API). Two
 * managers on one store: one runs its controllers, the other after the first stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrl_testutil.h"

#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "common/alloc.h"
#include "common/util.h"
#include "ctrl/ctrl.h"
#include "kube/kind.h"
#include "kube/obj.h"
#include "store/store.h"

typedef struct fx {
    ctrl_tfx t;
} fx;

typedef struct cb {
    atomic_int starts, stops;
} cb;

static int64_t fake_now;

static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

static void on_start(void *arg)
{
    cb *c = arg;
    assert_int_equal(atomic_load(&c->starts), atomic_load(&c->stops)); /* alternate */
    atomic_fetch_add(&c->starts, 1);
}

static void on_stop(void *arg)
{
    cb *c = arg;
    atomic_fetch_add(&c->stops, 1);
    assert_int_equal(atomic_load(&c->starts), atomic_load(&c->stops));
}

static int setup(void **state)
{
    fx *f = daas_xcalloc(1, sizeof *f);
    ctrl_t_open(&f->t, "daas-ctrlleader", 0, false, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ctrl_t_close(&f->t);
    daas_free(f);
    return 0;
}

static daas_ctrl_leader *elector(fx *f, const char *id, cb *c, bool fake)
{
    daas_ctrl_leader_config lc = {
        .client = f->t.c, .identity = id, .on_start = on_start, .on_stop = on_stop, .arg = c};
    if (fake) {
        lc.clock = fake_clock;
    } else {
        lc.lease_ms = 3000;
        lc.retry_ms = 50;
        lc.renew_deadline_ms = 2000;
    }
    return daas_ctrl_leader_new(&lc);
}

static json_t *lease(fx *f)
{
    json_t *o = NULL;
    daas_err e = {0};
    assert_int_equal(daas_ctrl_client_get(
                         f->t.c, daas_kube_kind_by_resource("coordination.k8s.io", "v1", "leases"),
                         "kube-system", "daas-controllers", &o, &e),
                     DAAS_OK);
    return o;
}

static void test_fake_clock_takeover(void **state)
{
    fx *f = *state;
    cb ca = {0}, cbb = {0};
    fake_now = 1800000000000;
    daas_ctrl_leader *a = elector(f, "server-a", &ca, true);
    daas_ctrl_leader *b = elector(f, "server-b", &cbb, true);
    assert_true(daas_ctrl_leader_try_once(a));
    assert_false(daas_ctrl_leader_try_once(b));
    json_t *o = lease(f);
    assert_string_equal(daas_kube_str(o, "spec.holderIdentity"), "server-a");
    assert_int_equal(daas_kube_int(o, "spec.leaseDurationSeconds", 0), 15);
    assert_int_equal(daas_kube_int(o, "spec.leaseTransitions", -1), 0);
    const char *acq = daas_kube_str(o, "spec.acquireTime");
    assert_non_null(strstr(acq, ".000000Z"));
    char *acq_a = daas_xstrdup(acq);
    json_decref(o);
    /* renewals every 2 s keep b out for a long time */
    for (int i = 0; i < 20; i++) {
        fake_now += 2000;
        assert_true(daas_ctrl_leader_try_once(a));
        assert_false(daas_ctrl_leader_try_once(b));
    }
    o = lease(f);
    assert_string_equal(daas_kube_str(o, "spec.acquireTime"), acq_a); /* kept on renew */
    assert_string_not_equal(daas_kube_str(o, "spec.renewTime"), acq_a);
    json_decref(o);
    daas_free(acq_a);
    /* a stops renewing: b waits the whole lease duration from the last change it saw */
    fake_now += 14999;
    assert_false(daas_ctrl_leader_try_once(b));
    fake_now += 1;
    assert_true(daas_ctrl_leader_try_once(b));
    assert_int_equal(atomic_load(&cbb.starts), 1);
    o = lease(f);
    assert_string_equal(daas_kube_str(o, "spec.holderIdentity"), "server-b");
    assert_int_equal(daas_kube_int(o, "spec.leaseTransitions", -1), 1);
    json_decref(o);
    /* a comes back, sees b's valid lease and steps down at once */
    assert_true(daas_ctrl_leader_is_leader(a));
    assert_false(daas_ctrl_leader_try_once(a));
    assert_int_equal(atomic_load(&ca.starts), 1);
    assert_int_equal(atomic_load(&ca.stops), 1);
    /* b releases: a takes over at the next round, without waiting */
    daas_ctrl_leader_stop(b, true);
    assert_int_equal(atomic_load(&cbb.stops), 1);
    assert_false(daas_ctrl_leader_is_leader(b));
    assert_true(daas_ctrl_leader_try_once(a));
    assert_int_equal(atomic_load(&ca.starts), 2);
    daas_ctrl_leader_free(&a);
    assert_int_equal(atomic_load(&ca.stops), 2);
    daas_ctrl_leader_free(&b);
    assert_int_equal(atomic_load(&cbb.stops), 1);
}

static void test_steps_down_for_other_holder(void **state)
{
    fx *f = *state;
    cb ca = {0};
    fake_now = 1800000000000;
    daas_ctrl_leader *a = elector(f, "server-a", &ca, true);
    assert_true(daas_ctrl_leader_try_once(a));
    /* someone else takes the lease behind a's back: a steps down at its next round instead
     * of waiting for its renew deadline */
    json_t *o = lease(f);
    daas_kube_set_str(o, "spec.holderIdentity", "intruder");
    daas_err e = {0};
    assert_int_equal(daas_ctrl_client_update(
                         f->t.c, daas_kube_kind_by_resource("coordination.k8s.io", "v1", "leases"), o,
                         NULL, NULL, &e),
                     DAAS_OK);
    json_decref(o);
    fake_now += 2000;
    assert_false(daas_ctrl_leader_try_once(a)); /* held by another: step down */
    assert_int_equal(atomic_load(&ca.stops), 1);
    daas_ctrl_leader_free(&a);
    assert_int_equal(atomic_load(&ca.stops), 1);
}

static bool wait_leader(daas_ctrl_leader *l, int64_t ms)
{
    for (int64_t t = 0; t < ms; t += 10) {
        if (daas_ctrl_leader_is_leader(l))
            return true;
        usleep(10000);
    }
    return false;
}

static void test_threads_handover(void **state)
{
    fx *f = *state;
    cb ca = {0}, cbb = {0};
    daas_err e = {0};
    daas_ctrl_leader *a = elector(f, NULL, &ca, false);
    daas_ctrl_leader *b = elector(f, NULL, &cbb, false);
    assert_string_not_equal(daas_ctrl_leader_identity(a), daas_ctrl_leader_identity(b));
    assert_int_equal(daas_ctrl_leader_start(a, &e), DAAS_OK);
    assert_true(wait_leader(a, 10000));
    assert_int_equal(daas_ctrl_leader_start(b, &e), DAAS_OK);
    /* b polls while a renews: b never leads (a renews every 50 ms, the lease lasts 3 s) */
    for (int i = 0; i < 30; i++) {
        assert_false(daas_ctrl_leader_is_leader(b));
        usleep(10000);
    }
    daas_ctrl_leader_stop(a, false); /* no release: b waits for the lease to expire */
    assert_int_equal(atomic_load(&ca.stops), 1);
    assert_true(wait_leader(b, 10000));
    assert_false(daas_ctrl_leader_is_leader(a));
    daas_ctrl_leader_free(&b);
    daas_ctrl_leader_free(&a);
    assert_int_equal(atomic_load(&cbb.starts), 1);
    assert_int_equal(atomic_load(&cbb.stops), 1);
}

static void nop_handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                       const json_t *obj)
{
    (void)arg, (void)run, (void)res, (void)ev, (void)old, (void)obj;
}

static int nop_sync(void *arg, daas_ctrl_run *run, const char *key, daas_err *err)
{
    (void)arg, (void)run, (void)key, (void)err;
    return DAAS_OK;
}

static daas_ctrl_mgr *manager(fx *f, cb *c)
{
    daas_err e = {0};
    daas_ctrl_mgr_config mc = {.api = f->t.api,
                               .store = f->t.store,
                               .leader_elect = true,
                               .leader = {.lease_ms = 3000,
                                          .retry_ms = 50,
                                          .renew_deadline_ms = 2000,
                                          .on_start = on_start,
                                          .on_stop = on_stop,
                                          .arg = c}};
    daas_ctrl_mgr *m = daas_ctrl_mgr_new(&mc);
    daas_ctrl_def def = {
        .name = "nop", .resources = {"pods"}, .handle = nop_handle, .sync = nop_sync};
    assert_int_equal(daas_ctrl_mgr_register(m, &def, &e), DAAS_OK);
    assert_int_equal(daas_ctrl_mgr_start(m, &e), DAAS_OK);
    return m;
}

static bool wait_running(daas_ctrl_mgr *m, int64_t ms)
{
    for (int64_t t = 0; t < ms; t += 10) {
        if (daas_ctrl_mgr_running(m))
            return true;
        usleep(10000);
    }
    return false;
}

/* Two managers on one store: exactly one runs its controllers; stopping it (the Lease
 * released) lets the other run. */
static void test_managers_one_leads(void **state)
{
    fx *f = *state;
    cb ca = {0}, cbb = {0};
    daas_ctrl_mgr *a = manager(f, &ca);
    assert_true(wait_running(a, 10000));
    assert_int_equal(atomic_load(&ca.starts), 1); /* the user's hook ran after the start */
    daas_ctrl_mgr *b = manager(f, &cbb);
    for (int i = 0; i < 30; i++) {
        assert_false(daas_ctrl_mgr_running(b));
        assert_true(daas_ctrl_mgr_running(a));
        usleep(10000);
    }
    assert_int_equal(atomic_load(&cbb.starts), 0);
    daas_ctrl_mgr_stop(a);
    assert_false(daas_ctrl_mgr_running(a));
    assert_int_equal(atomic_load(&ca.stops), 1);
    assert_true(wait_running(b, 10000));
    for (int i = 0; i < 1000 && atomic_load(&cbb.starts) == 0; i++)
        usleep(10000); /* running is set just before the hook runs */
    assert_int_equal(atomic_load(&cbb.starts), 1);
    daas_ctrl_mgr_free(&b);
    assert_int_equal(atomic_load(&cbb.stops), 1);
    daas_ctrl_mgr_free(&a);
    assert_int_equal(atomic_load(&ca.stops), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fake_clock_takeover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_steps_down_for_other_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_handover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_managers_one_leads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
