/*
 * endpoints.h: the Endpoints and EndpointSlice plans of a Service.
 *
 * Owns:   one pure function from (Service, the namespace's Pods, Nodes, the current Endpoints
 *         and EndpointSlices) to the writes upstream's endpoints controller and endpointslice
 *         controller would make for that Service.
 * Not:    I/O, watches, queues (callers run the plan when the Service, a Pod of its
 *         namespace, or one of its Endpoints/EndpointSlices changes, and apply it), mirroring
 *         of user-made Endpoints (endpointslicemirroring), topology hints, dual stack, the
 *         endpoints.kubernetes.io/last-change-trigger-time annotation (a latency SLI: dropped).
 * Model:  pkg/controller/endpoint (syncService, addEndpointSubset, truncateEndpoints),
 *         pkg/api/v1/endpoints (RepackSubsets), pkg/controller/endpointslice (reconciler.go
 *         reconcileByPortMapping, utils.go podToEndpoint/getEndpointPorts/newEndpointSlice/
 *         setEndpointSliceLabels), pkg/controlplane/reconcilers (the "kubernetes" Service):
 *   - Services without a selector (missing or {}) and ExternalName Services are left
 *     alone; so is default/kubernetes when no API server address is given;
 *   - a Pod counts when its labels hold every selector pair, it is not Succeeded/Failed and
 *     has an IPv4 address (status.podIPs, else status.podIP); for Endpoints also not
 *     terminating unless publishNotReadyAddresses; ready = Ready condition True or
 *     publishNotReadyAddresses; ports come from targetPort (a number, or the name of a
 *     container port with the Service port's protocol; missing targetPort = port);
 *     hostname when pod.spec.hostname is set and pod.spec.subdomain is the Service's name;
 *   - Endpoints: subsets repacked (addresses grouped by identical port sets, sorted by IP
 *     then pod UID; ports sorted by name, port, protocol), at most 1000 addresses
 *     (annotation endpoints.kubernetes.io/over-capacity: truncated), labels = the
 *     Service's plus service.kubernetes.io/headless for ClusterIP None; unchanged
 *     Endpoints give no write;
 *   - EndpointSlices (addressType IPv4, labels kubernetes.io/service-name,
 *     endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io, the
 *     Service's labels, owner reference to the Service): endpoints carry conditions
 *     ready/serving/terminating, targetRef, nodeName, zone (topology.kubernetes.io/zone of
 *     the Node); at most max_per_slice endpoints per slice; existing slices are edited in
 *     place (endpoints kept, changed or dropped), new endpoints fill updated slices first
 *     (fullest first), then the unchanged slice that ends closest to full, then new slices;
 *     slices left empty are deleted; a Service with no endpoints keeps one placeholder
 *     slice (no endpoints, no ports). Slices of this Service not made by this controller
 *     are ignored.
 * Invariants: inputs are read only; output JSON is new (plan_fini frees it); the same inputs
 *             give the same plan whatever the order of pods, slices and nodes.
 * Spec:   issue 7 "Services: ... Endpoints and discovery.k8s.io/v1 EndpointSlices kept in
 *         step with ready pods".
 */
#ifndef DAAS_CTRL_ENDPOINTS_H
#define DAAS_CTRL_ENDPOINTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define DAAS_CTRL_EP_MAX_PER_SLICE 100 /* --max-endpoints-per-slice default */
#define DAAS_CTRL_EP_MAX_CAPACITY 1000 /* addresses in one Endpoints object */
#define DAAS_CTRL_EP_MANAGED_BY "endpointslice-controller.k8s.io"

typedef struct daas_ctrl_endpoints_in {
    const json_t *service;   /* the Service, or NULL when it is gone (then everything of it
                                is deleted: its Endpoints, and the slices labelled with
                                service_name, else with the Endpoints' name) */
    const char *service_name; /* the gone Service's name (its Endpoints may be gone
                                 already, its slices not); NULL: the Endpoints' name */
    const json_t *pods;      /* array: Pods of the Service's namespace (NULL: none) */
    const json_t *nodes;     /* array of Nodes, or NULL when unknown: no zones, and no Pod is
                                skipped for naming a missing Node (with a list, such Pods are
                                skipped unless publishNotReadyAddresses, and requeue is set) */
    const json_t *endpoints; /* the current Endpoints named like the Service, or NULL */
    const json_t *slices;    /* array: current EndpointSlices of the namespace (others than
                                this Service's and this controller's are ignored), or NULL */
    const char *const *apiserver_ips; /* default/kubernetes only: the API servers' IPv4s */
    size_t n_apiserver_ips;
    int apiserver_port;   /* default/kubernetes only; <= 0: 6443 */
    size_t max_per_slice; /* 0: DAAS_CTRL_EP_MAX_PER_SLICE */
} daas_ctrl_endpoints_in;

typedef struct daas_ctrl_endpoints_plan {
    json_t *endpoints;     /* the Endpoints to write, or NULL when nothing changes. With a
                              current object it is that object changed (metadata kept, so
                              resourceVersion makes the update a compare-and-swap) */
    bool endpoints_create; /* endpoints is new: create it */
    bool endpoints_delete; /* delete the current Endpoints (the Service is gone) */
    json_t *slices_create; /* array of new EndpointSlices (metadata.generateName set, or a
                              fixed name for default/kubernetes) */
    json_t *slices_update; /* array of changed current EndpointSlices (metadata kept) */
    json_t *slices_delete; /* array of names of EndpointSlices to delete */
    bool requeue;          /* some Pod names a Node not in in->nodes: run again later */
} daas_ctrl_endpoints_plan;

/* Computes the plan. *out is overwritten (plan_fini it afterwards, also after an error).
 * Errors: DAAS_EINVAL when the Service (or, without one, the current Endpoints) has no
 * metadata.name. Thread: any; touches only its arguments. */
DAAS_MUST_USE int daas_ctrl_endpoints_plan_make(const daas_ctrl_endpoints_in *in,
                                                daas_ctrl_endpoints_plan *out, daas_err *err);
/* Releases the plan's JSON and zeroes it. Accepts a zeroed plan. */
void daas_ctrl_endpoints_plan_fini(daas_ctrl_endpoints_plan *p);

#endif
