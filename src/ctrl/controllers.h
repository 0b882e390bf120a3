/*
 * controllers.h: the controllers `daas server` runs, each a small module of the same shape
 *                (a daas_ctrl_def whose sync applies its pure plan), and their options.
 *
 * Owns:   daas_ctrl_opts and one register function per controller; daas_ctrl_register_all.
 * Invariants: a register function allocates the controller's state and hands it to the
 *             manager (def.fini frees it at daas_ctrl_mgr_free); registering twice is
 *             registering two controllers.
 * Spec:   ISSUE 7; kube-controller-manager's defaults where an option is 0.
 */
#ifndef DAAS_CTRL_CONTROLLERS_H
#define DAAS_CTRL_CONTROLLERS_H

#include <stdint.h>

#include "common/err.h"
#include "ctrl/ctrl.h"

typedef struct daas_ctrl_opts {
    int64_t node_grace_s;         /* node-monitor-grace-period; 0: 40 */
    int64_t node_startup_grace_s; /* node-startup-grace-period; 0: 60 */
    int64_t default_toleration_s; /* eviction after not-ready/unreachable; < 0: 300 */
    const char *apiserver_ip;     /* for default/kubernetes Endpoints; NULL: left alone */
    int apiserver_port;           /* 0: 6443 */
    int64_t (*now_ms)(void *arg); /* wall clock in ms (tests); NULL: daas_now_ms */
    void *now_arg;
} daas_ctrl_opts;

/* Unix seconds on o's clock. */
int64_t daas_ctrl_now_s(const daas_ctrl_opts *o);

DAAS_MUST_USE int daas_ctrl_replicaset_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                                daas_err *err);
DAAS_MUST_USE int daas_ctrl_deployment_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                                daas_err *err);
DAAS_MUST_USE int daas_ctrl_job_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                         daas_err *err);
DAAS_MUST_USE int daas_ctrl_daemonset_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                               daas_err *err);
DAAS_MUST_USE int daas_ctrl_gc_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o, daas_err *err);
DAAS_MUST_USE int daas_ctrl_nodelife_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                              daas_err *err);
DAAS_MUST_USE int daas_ctrl_endpoints_register(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                               daas_err *err);

/* Every controller above, in that order. */
DAAS_MUST_USE int daas_ctrl_register_all(daas_ctrl_mgr *m, const daas_ctrl_opts *o,
                                         daas_err *err);

#endif
