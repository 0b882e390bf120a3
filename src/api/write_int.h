/*
 * write_int.h: what write.c shares with patchreq.c, delete.c, subres.c and nsctl.c.
 *
 * Owns:   the read-modify-write entry point and its mutate callback type.
 * Invariants: a mutate function never modifies old; it returns a new object in *out.
 */
#ifndef DAAS_API_WRITE_INT_H
#define DAAS_API_WRITE_INT_H

#include "api/api_int.h"

/* Builds the new object from old (NULL when creating through server-side apply). */
typedef int (*daas_api__mutate_fn)(daas_api__req *r, const json_t *old, json_t **out,
                                   void *arg, daas_err *err);

/* The PUT/PATCH/subresource loop (write.c). With fn NULL, body is the new object. */
void daas_api__modify(daas_api__req *r, const json_t *body, daas_api__mutate_fn fn, void *arg);
/* Creates obj under the route's collection and answers with status (write.c). */
void daas_api__create_obj(daas_api__req *r, json_t *obj, int status);
/* Stores obj over kv/old (preserving server-owned fields), or detects a no-op. Returns
 * DAAS_EINVALID with err untouched when validation answered 422 itself. */
DAAS_MUST_USE int daas_api__commit(daas_api__req *r, const char *key, const daas_kv *kv,
                                   const json_t *old, json_t *obj, const char *sub, int *status,
                                   daas_err *err);
/* Answers with obj, or the Scale view of it for the scale subresource. */
void daas_api__respond_result(daas_api__req *r, int status, json_t *obj);
DAAS_MUST_USE int daas_api__load(daas_api *api, const char *key, daas_kv *kv, json_t **obj,
                                 daas_err *err);
bool daas_api__validate(daas_api__req *r, const json_t *obj, const json_t *old);
void daas_api__set_rv(json_t *obj, int64_t rev);
/* The stored form of obj: compact JSON without metadata.resourceVersion (the store's
 * revision is the truth). New string (daas_free), NULL when obj cannot be serialized. */
char *daas_api__dump_stored(json_t *obj);
const char *daas_api__manager(daas_api__req *r, char *buf, size_t n);
bool daas_api__dry_run(daas_api__req *r);
void daas_api__fail_conflict(daas_api__req *r, daas_err *e);
void daas_api__fail_notfound(daas_api__req *r, const char *name, daas_err *e);

/* delete.c: one DELETE attempt of key with a DeleteOptions object opts (may be NULL:
 * gracePeriodSeconds, preconditions, propagationPolicy), as DELETE would do it (graceful
 * pods, finalizers); dry: check only. A failed precondition or a lost race is ECONFLICT. */
DAAS_MUST_USE int daas_api__delete_opts(daas_api *api, const daas_kube_kind *k, const char *key,
                                        const json_t *opts, bool dry, json_t **final_out,
                                        daas_err *err);
/* evict.c: POST pods/{name}/eviction (policy/v1 or v1beta1 Eviction). */
void daas_api__evict(daas_api__req *r);

/* patchreq.c: when the object is missing and the request is a server-side apply, creates it
 * from fn(r, NULL) and answers; returns true when it did (*rc set). */
bool daas_api__modify_create(daas_api__req *r, daas_api__mutate_fn fn, void *arg, int *rc);

/* seal.c: seals a Secret or sensitive ConfigMap before it is stored (seal/kube.h); other
 * objects pass. DAAS_EUNAVAIL when the server has no Seal configuration. */
DAAS_MUST_USE int daas_api__seal(daas_api__req *r, json_t *obj, daas_err *err);
/* Security-policy admission of a Pod or a workload's pod template (admit.c): DAAS_OK (an
 * admitted Pod carries the enclave's proof; warnings added to the response), DAAS_EDENIED
 * once it answered 403 Forbidden with Kubernetes' message, or the error that stopped the
 * decision (not answered). */
DAAS_MUST_USE int daas_api__admit_policy(daas_api__req *r, json_t *obj, daas_err *err);
/* The same on an update (sub: the subresource or NULL): a pod (template) whose security view
 * changed is admitted again; else the stored decision and proof stand. */
DAAS_MUST_USE int daas_api__admit_update(daas_api__req *r, const json_t *old, json_t *obj,
                                         const char *sub, daas_err *err);

/* subres.c */
json_t *daas_api__scale_of(const daas_kube_kind *k, const json_t *obj);
/* Kind-specific work before a create is stored (Service ClusterIP allocation). */
DAAS_MUST_USE int daas_api__prepare_create(daas_api__req *r, json_t *obj, daas_err *err);
/* A Service create that prepare_create gave a ClusterIP has been stored or failed: its
 * address is no longer held for it in memory (the store decides from now on). */
void daas_api__ip_settled(daas_api *api, const json_t *svc);
/* ipclaim.c: claims ip in the store for a create in flight (servers sharing a datastore).
 * DAAS_EEXIST when another live claim holds it; store errors otherwise. */
DAAS_MUST_USE int daas_api__ip_claim(daas_api *api, const char *ip, daas_err *err);
/* Drops the claim of ip (best effort: an unremoved claim runs out). */
void daas_api__ip_unclaim(daas_api *api, const char *ip);

#endif
