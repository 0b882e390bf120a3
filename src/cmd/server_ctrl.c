/*
 * server_ctrl.c: `daas server`'s controller manager: every controller of ctrl/controllers.h
 *                and the scheduler, run only while this server holds the Lease
 *                kube-system/daas-controllers.
 *
 * Owns:   the manager and its leader hooks.
 * Invariants: the scheduler controller schedules only between on_start and on_stop; the
 *             manager is stopped before the API it calls.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/server_int.h"
#include "common/log.h"
#include "ctrl/controllers.h"
#include "ctrl/ctrl.h"

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
                                          .arg = o->sched}};
    daas_ctrl_opts co = {.node_grace_s = o->node_grace_s,
                         .default_toleration_s = o->toleration_s,
                         .apiserver_ip = o->apiserver_ip,
                         .apiserver_port = o->apiserver_port};
    daas_ctrl_mgr *m = daas_ctrl_mgr_new(&mc);
    int rc = daas_ctrl_register_all(m, &co, err);
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
