/*
 * kind_coord.c: coordination.k8s.io/v1 leases (node heartbeats, leader election).
 *
 * Owns:   the lease Table row and its light validation.
 * Not:    lease renewal or expiry (node agent, controllers).
 * Invariants: hooks are pure.
 * Spec:   specs/kube-api.md §4.1, §6.4; upstream 1.32 printers.go printLease,
 *         pkg/apis/coordination/validation ValidateLeaseSpec.
 */
#include "kube/kind_int.h"
#include "kube/obj.h"

json_t *daas_kube__lease_row(const json_t *obj, int64_t now)
{
    const char *name = daas_kube_str(obj, "metadata.name");
    const char *holder = daas_kube_str(obj, "spec.holderIdentity");
    /* Upstream prints an empty HOLDER (not "<none>") for a free lease. */
    return json_pack("[s, s, o]", name ? name : "", holder ? holder : "",
                     daas_kube_cell_age(obj, now));
}

void daas_kube__lease_validate(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    (void)old;
    json_t *spec = json_object_get(obj, "spec");
    json_t *dur = json_object_get(spec, "leaseDurationSeconds");
    if (json_is_integer(dur) && json_integer_value(dur) <= 0)
        daas_kube__inv_int(v, "spec.leaseDurationSeconds", json_integer_value(dur),
                           "must be greater than 0");
    daas_kube__check_nonneg(v, spec, "leaseTransitions", "spec.leaseTransitions");
}
