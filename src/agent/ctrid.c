/*
 * ctrid.c: the naming convention of the agent's runc containers (see serve.h): run n of
 * container C of the pod with uid U is "<first 8 chars of U>-<C>-<n>".
 */
#include "agent/serve.h"

#include "common/alloc.h"

char *daas_agent_ctr_id(const char *pod_uid, const char *name, unsigned n)
{
    return daas_xasprintf("%.8s-%s-%u", pod_uid, name, n);
}
