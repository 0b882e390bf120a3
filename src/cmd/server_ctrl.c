/*
 * server_ctrl.c: `daas server`'s controller manager: every controller of ctrl/controllers.h
 *                and the scheduler, run only while this server holds the Lease
 *                kube-system/daas-controllers.
 *
 * Owns:   the manager and its leader hooks.
 * Invariants: the scheduler controller schedules only between on_start and on_stop; the
 *             manager is stopped before the API it calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/server_int.h"
#include "common/log.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl.h"
#include "ctrl/rebalance.h"

static void on_lead(void *arg)
{
    DAAS_INFO("server", "leading: controllers and scheduler run here");
    if (arg)
        daas_schedctl_set_active(arg, true);
}

static void on_unlead(void *arg)
{
    DAAS_INFO("server", "no longer leading: controllers and scheduler stopped here");
    if (arg)
        daas_schedctl_set_active(arg, false);
}

int server_ctrl_start(const server_ctrl_opts *o, daas_ctrl_mgr **out, daas_err *err)
{
    daas_ctrl_mgr_config mc = {.api = o->api, .store = o->store, .leader_elect = true,
                               .leader = {.on_start = on_lead, .on_stop = on_unlead,
                                          .arg = o->sched, .holder_url = o->url}};
    daas_ctrl_opts co = {.node_grace_s = o->node_grace_s,
                         .default_toleration_s = o->toleration_s,
                         .apiserver_ip = o->apiserver_ip,
                         .apiserver_port = o->apiserver_port};
    daas_ctrl_mgr *m = daas_ctrl_mgr_new(&mc);
    int rc = daas_ctrl_register_all(m, &co, err);
    server_rebalance_opts reb = {.interval_s = SERVER_REBALANCE_INTERVAL_S,
                                 .lim = DAAS_API_REBALANCE_DEFAULTS};
    if (o->reb && o->reb->set)
        reb = *o->reb;
    if (rc == DAAS_OK && o->sched && reb.interval_s > 0) {
        rc = daas_ctrl_rebalance_register(m, o->api, reb.interval_s * 1000, err);
        DAAS_INFO("server", "rebalancing every %lld s (threshold %u%%, at most %u evictions, "
                  "fairness %u points)", (long long)reb.interval_s, reb.lim.threshold_pct,
                  reb.lim.max_evictions, reb.lim.fairness_pct);
    }
    if (rc == DAAS_OK)
        rc = daas_ctrl_mgr_start(m, err);
    if (rc != DAAS_OK)
        daas_ctrl_mgr_free(&m);
    *out = m;
    return rc;
}

void server_ctrl_stop(daas_ctrl_mgr **m)
{
    daas_ctrl_mgr_free(m);
}

bool server_parse_seconds(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    int64_t mul = 1;
    if (end == s || v < 0 || v > 100000000LL)
        return false;
    if (strcmp(end, "m") == 0)
        mul = 60;
    else if (strcmp(end, "h") == 0)
        mul = 3600;
    else if (*end != '\0' && strcmp(end, "s") != 0)
        return false;
    *out = v * mul;
    return true;
}

bool server_rebalance_flag(server_rebalance_opts *o, int c, const char *arg, int *rc)
{
    static const struct {
        int c;
        const char *name;
        long lo, hi;
    } f[] = {{SERVER_OPT_REB_THRESHOLD, "rebalance-threshold", 1, 100},
             {SERVER_OPT_REB_MAX, "rebalance-max-evictions", 1, 1000},
             {SERVER_OPT_REB_FAIRNESS, "rebalance-fairness", 0, 100}};
    *rc = 0;
    if (c < SERVER_OPT_REB_INTERVAL || c > SERVER_OPT_REB_FAIRNESS)
        return false;
    if (!o->set)
        *o = (server_rebalance_opts){true, SERVER_REBALANCE_INTERVAL_S,
                                     DAAS_API_REBALANCE_DEFAULTS};
    if (c == SERVER_OPT_REB_INTERVAL) {
        if (!server_parse_seconds(arg, &o->interval_s)) {
            fprintf(stderr, "daas server: bad duration \"%s\" for --rebalance-interval\n", arg);
            *rc = 2;
        }
        return true;
    }
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i].c != c)
            continue;
        char *end;
        long v = strtol(arg, &end, 10);
        if (end == arg || *end != '\0' || v < f[i].lo || v > f[i].hi) {
            fprintf(stderr, "daas server: --%s must be %ld..%ld, not \"%s\"\n", f[i].name,
                    f[i].lo, f[i].hi, arg);
            *rc = 2;
        } else if (c == SERVER_OPT_REB_THRESHOLD) {
            o->lim.threshold_pct = (uint8_t)v;
        } else if (c == SERVER_OPT_REB_MAX) {
            o->lim.max_evictions = (uint16_t)v;
        } else {
            o->lim.fairness_pct = (uint8_t)v;
        }
    }
    return true;
}
