/*
 * rebalance_ctl.c: the periodic rebalancing round, as a controller of the leader's manager
 *                  (so it runs on one server at a time, with the scheduler).
 *
 * Owns:   the round's timing (one queue key, "round").
 * Not:    the round itself (api/rebalance.c: daas_api_rebalance).
 * Invariants: at most one round per interval; a failed round is logged, not retried early.
 */
#include "ctrl/rebalance.h"

#include <inttypes.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"

#define KEY "round"

typedef struct rctl {
    daas_api *api;
    int64_t interval_ms;
} rctl;

static void handle(void *arg, daas_ctrl_run *run, const char *res, int ev, const json_t *old,
                   const json_t *obj)
{
    (void)res, (void)ev, (void)old, (void)obj;
    const rctl *c = arg;
    daas_ctrl_run_enqueue_after(run, KEY, c->interval_ms); /* an earlier wait is kept */
}

static int sync(void *arg, daas_ctrl_run *run, const char *key, daas_err *err)
{
    (void)key, (void)err;
    const rctl *c = arg;
    json_t *res = NULL;
    daas_err e = {0};
    int rc = daas_api_rebalance(c->api, NULL, true, NULL, &res, &e);
    if (rc == DAAS_OK) {
        size_t i, done = 0;
        json_t *row;
        json_array_foreach(json_object_get(res, "evictions"), i, row)
        {
            done += strcmp(json_string_value(json_object_get(row, "result")) ?: "", "Evicted") == 0;
        }
        DAAS_INFO("rebalance", "periodic round: %zu of %zu planned eviction(s) done", done,
                  json_array_size(json_object_get(res, "evictions")));
    } else {
        DAAS_WARN("rebalance", "periodic round: %s", e.msg);
    }
    json_decref(res);
    daas_ctrl_run_enqueue_after(run, KEY, c->interval_ms);
    return DAAS_OK;
}

int daas_ctrl_rebalance_register(daas_ctrl_mgr *m, daas_api *api, int64_t interval_ms,
                                 daas_err *err)
{
    rctl *c = daas_xcalloc(1, sizeof *c);
    *c = (rctl){api, interval_ms};
    daas_ctrl_def d = {.name = "rebalance",
                       .resources = {"nodes", NULL},
                       .handle = handle,
                       .sync = sync,
                       .arg = c,
                       .fini = daas_free};
    return daas_ctrl_mgr_register(m, &d, err);
}
