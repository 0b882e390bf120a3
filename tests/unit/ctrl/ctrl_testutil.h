/*
 * ctrl_testutil.h: what the controller framework's tests share (header-only, static): an
 * API over a fresh SQLite store in a temp dir, and a controller client on it.
 */
#ifndef DAAS_TEST_CTRL_TESTUTIL_H
#define DAAS_TEST_CTRL_TESTUTIL_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/authn.h"
#include "common/alloc.h"
#include "ctrl/ctrl.h"
#include "store/store.h"

typedef struct ctrl_tfx {
    char dir[64];
    daas_store *store;
    daas_authn *authn; /* x509 only, or NULL: anonymous requests allowed */
    daas_api *api;
    daas_ctrl_client *c;
} ctrl_tfx;

static int ctrl_t_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* Opens t: store (event_ring 0: the store's default), API with x509 authentication (x509)
 * or anonymous and the ClusterIP range cidr (NULL: the default), client with manager name
 * (NULL: the default). */
static void ctrl_t_open_cidr(ctrl_tfx *t, const char *prefix, int event_ring, bool x509,
                             const char *manager, const char *cidr)
{
    daas_err e = {0};
    char path[128];
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

static inline void ctrl_t_open(ctrl_tfx *t, const char *prefix, int event_ring, bool x509,
                               const char *manager)
{
    ctrl_t_open_cidr(t, prefix, event_ring, x509, manager, NULL);
}

static void ctrl_t_close(ctrl_tfx *t)
{
    daas_ctrl_client_free(&t->c);
    daas_api_stop(t->api);
    daas_api_free(&t->api);
    daas_authn_free(&t->authn);
    daas_store_close(&t->store);
    nftw(t->dir, ctrl_t_rm, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
