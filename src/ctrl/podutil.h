/*
 * podutil.h: what the controllers' plans read alike from pods and owners: the controller
 * ownerReference, readiness and availability as Kubernetes counts them, active pods,
 * timestamps. Pure functions of borrowed JSON objects; thread-safe.
 */
#ifndef DAAS_CTRL_PODUTIL_H
#define DAAS_CTRL_PODUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* The controller ownerReference of obj (the element with controller: true), or NULL. */
const json_t *daas_ctrl_controller_ref(const json_t *obj);
/* True when obj's controller ownerReference names uid. */
bool daas_ctrl_owned_by(const json_t *obj, const char *uid);
/* New reference: {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true}
 * pointing at owner. NULL when owner has no name or uid. */
json_t *daas_ctrl_owner_ref(const json_t *owner, const char *api_version, const char *kind);
/* True when the pod's Ready condition is "True"; *since (may be NULL) gets the condition's
 * lastTransitionTime in unix seconds (0 when missing or unparsable). */
bool daas_ctrl_pod_ready(const json_t *pod, int64_t *since);
/* Upstream's IsPodAvailable: ready, and minReadySeconds is 0 or the Ready condition's
 * lastTransitionTime + min_ready < now. */
bool daas_ctrl_pod_available(const json_t *pod, int64_t min_ready, int64_t now);
/* True for a pod that counts: not being deleted, phase neither Succeeded nor Failed. */
bool daas_ctrl_pod_active(const json_t *pod);
/* A timestamp field (RFC 3339) at a dotted path of obj, in unix seconds; 0 when missing. */
int64_t daas_ctrl_time(const json_t *obj, const char *dotted);

#endif
