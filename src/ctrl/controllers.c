/*
 * controllers.c: the list of controllers `daas server` runs (daas_ctrl_register_all) and the
 *                clock they share.
 *
 * Owns:   the registration order; nothing at run time.
 */
#include "common/util.h"
#include "ctrl/controllers.h"
#include "ctrl/disruption.h"

int64_t daas_ctrl_now_s(const daas_ctrl_opts *o)
{
    int64_t ms = o && o->now_ms ? o->now_ms(o->now_arg) : daas_now_ms();
    return ms / 1000;
}

int daas_ctrl_register_all(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err)
{
    int (*const regs[])(daas_ctrl_mgr *, const daas_ctrl_opts *, daas_err *) = {
        daas_ctrl_replicaset_register, daas_ctrl_deployment_register, daas_ctrl_job_register,
        daas_ctrl_daemonset_register,  daas_ctrl_gc_register,         daas_ctrl_nodelife_register,
        daas_ctrl_endpoints_register, daas_ctrl_disruption_register};
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        int rc = regs[i](m, o, err);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}
