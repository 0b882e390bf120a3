/*
 * endpoints_int.h: what endpoints.c (Endpoints, shared Pod rules), epslice.c
 *                  (EndpointSlices) and endpoints_ctl.c (the controller applying them) share.
 *                  Included only by those three files.
 *
 * Owns:   the selected-Pod record and the helpers both plans apply to Pods and ports.
 * Invariants: a daas_ctrl__ep_pod borrows its pod (lives as long as in->pods).
 */
#ifndef DAAS_CTRL_ENDPOINTS_INT_H
#define DAAS_CTRL_ENDPOINTS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ctrl/endpoints.h"

/* Both non-NULL and equal. */
static inline bool daas_ctrl__streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The string member key of o, or NULL. */
static inline const char *daas_ctrl__jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* labels.Set(selector).AsSelector().Matches(pod labels): every pair of the selector object
 * sel is among the pod's labels (an empty or missing selector selects every pod). */
bool daas_ctrl__ep_selects(const json_t *sel, const json_t *pod);

/* A Pod the Service selects that may appear in its endpoints (not terminal, with IPv4). */
typedef struct daas_ctrl__ep_pod {
    const json_t *pod;    /* borrowed */
    const char *ip;       /* its IPv4 address (borrowed from the pod) */
    uint32_t ipv;         /* ip as a number, for sorting */
    bool ready;           /* Ready condition True */
    bool terminating;     /* metadata.deletionTimestamp set */
    const char *node;     /* spec.nodeName, or NULL */
    const char *hostname; /* spec.hostname when ShouldSetHostname, else NULL */
} daas_ctrl__ep_pod;

/* The Pods of in->pods the Service selects (ShouldPodBeInEndpoints with terminating Pods
 * included), sorted by name. *n receives the count; the array is new (daas_free). */
daas_ctrl__ep_pod *daas_ctrl__ep_pods(const json_t *svc, const json_t *pods, size_t *n);

/* The Service port's protocol ("TCP" when missing). */
const char *daas_ctrl__ep_proto(const json_t *svc_port);
/* podutil.FindPort: the container port the Service port targets on the pod. */
bool daas_ctrl__ep_find_port(const json_t *pod, const json_t *svc_port, int64_t *port);
/* {"kind":"Pod","namespace","name","uid"} of the pod; new reference. */
json_t *daas_ctrl__ep_target_ref(const json_t *pod);
/* True for a headless Service (spec.clusterIP "None"). */
bool daas_ctrl__ep_headless(const json_t *svc);
/* The EndpointSlice half of the plan for the Service svc (not default/kubernetes). */
void daas_ctrl__ep_slices(const daas_ctrl_endpoints_in *in, const daas_ctrl__ep_pod *pods, size_t n,
                          daas_ctrl_endpoints_plan *out);
/* Slices of in->slices that belong to the Service named name and to this controller. */
json_t *daas_ctrl__ep_own_slices(const json_t *slices, const char *name);

#endif
