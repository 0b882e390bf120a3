/*
 * authz.h: authorization: what a user with a stake role may do (role × verb × resource ×
 * ownership), plus the create-time admission that records ownership.
 *
 * Owns:   the role policy, the Kubernetes-shaped Forbidden message, the daas.io/owner
 *         annotation rules.
 * Not:    authentication and roles themselves (authn_sui.c puts "daas:role:<name>" in the
 *         user's groups); answering the request (api.c).
 * Policy:
 *   - a user without a daas:role:* group (client certificates, token-file users) may do
 *     everything, as before roles existed;
 *   - discovery (/api, /apis, /openapi, /version) is open to every authenticated user;
 *   - admin: everything;
 *   - viewer: get/list/watch of everything but secrets (and their status, scale and log);
 *   - user: create namespaces (stamped daas.io/owner = its address); get/list/watch of
 *     namespaces and nodes; everything inside, and on, namespaces it owns but binding pods
 *     (the scheduler's job); nothing else (no list across namespaces);
 *   - node: create Nodes (stamped with its address); get/list/watch nodes; update, patch,
 *     delete (and status) of Nodes it owns; the Lease in kube-node-lease named after a Node
 *     it owns; pods: list/watch only with fieldSelector spec.nodeName=<a Node it owns>, get
 *     and get/update/patch of the status of pods bound to such a Node, and delete of such
 *     pods (the agent finishes their graceful deletion); get (never list/watch) of a Secret
 *     or ConfigMap that a pod bound to such a Node references (env valueFrom, envFrom,
 *     volumes secret/configMap, projected sources, imagePullSecrets), as upstream's node
 *     authorizer allows; create events;
 *   - none (no stake, slashed, or below every tier): nothing but discovery.
 * Invariants: a denial is DAAS_EDENIED with upstream's message shape:
 *   `configmaps is forbidden: User "sui:0x…" cannot create resource "configmaps" in API
 *   group "" in the namespace "default": <reason>`.
 * Spec:   ARCHITECTURE.md §3.1-3.2; kube-apiserver responsewriters.forbiddenMessage.
 */
#ifndef DAAS_API_AUTHZ_H
#define DAAS_API_AUTHZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/authn.h"
#include "common/err.h"
#include "store/store.h"

#define DAAS_OWNER_ANNOTATION "daas.io/owner"
#define DAAS_NODE_LEASE_NAMESPACE "kube-node-lease"

/* What a request asks to do (upstream's authorizer.Attributes). Strings are borrowed. */
typedef struct daas_authz_attrs {
    const char *verb;           /* get list watch create update patch delete deletecollection */
    const char *group;          /* API group ("" for core); NULL for a non-resource path */
    const char *resource;       /* plural ("pods"); NULL for a non-resource path */
    bool namespaced;            /* the resource lives in namespaces */
    const char *sub;            /* subresource ("status") or NULL */
    const char *ns;             /* namespace, or NULL (cluster scope or all namespaces) */
    const char *name;           /* object name, or NULL for the collection */
    const char *field_selector; /* the fieldSelector parameter (list/watch), or NULL */
    const char *path;           /* a non-resource request's path */
} daas_authz_attrs;

/* What the policy needs to know about stored objects. Each writes the answer into out
 * (capacity n) and returns DAAS_OK, DAAS_ENOTFOUND when the object does not exist, or
 * another error when the store cannot be read. Owners are "0x" + 64 lowercase hex, or ""
 * when the object has no (valid) daas.io/owner annotation. */
typedef struct daas_authz_facts {
    int (*ns_owner)(void *self, const char *ns, char *out, size_t n, daas_err *err);
    int (*node_owner)(void *self, const char *node, char *out, size_t n, daas_err *err);
    /* spec.nodeName of a pod ("" when not bound) */
    int (*pod_node)(void *self, const char *ns, const char *pod, char *out, size_t n,
                    daas_err *err);
    void *self;
    /* Calls visit(ctx, pod) for every pod stored in namespace ns (pod borrowed for the
     * call) until visit returns something other than DAAS_OK, which is then returned;
     * DAAS_OK after the last pod (none is fine). NULL: no pods are known (fail closed). */
    int (*ns_pods)(void *self, const char *ns, int (*visit)(void *ctx, const json_t *pod),
                   void *ctx, daas_err *err);
} daas_authz_facts;

/* The user's stake role (DAAS_PKG_ROLE_* from sui/pkg.h), or -1 when it has no daas:role:*
 * group. */
int daas_authz_role(const daas_user *u);

/* Room for a whole Forbidden message (a daas_err's 240 bytes are too few for upstream's
 * shape with a 66-character address in it). */
#define DAAS_AUTHZ_MSG_MAX 1024

/* Decides a request. DAAS_OK: allowed. DAAS_EDENIED: forbidden; the whole message goes into
 * denial (capacity n; may be NULL) and, cut to fit, into err. Other codes: a fact could not
 * be read (err says why). */
DAAS_MUST_USE int daas_authz_check(const daas_user *u, const daas_authz_attrs *a,
                                   const daas_authz_facts *f, char *denial, size_t n,
                                   daas_err *err);

/* Admission for a create of obj (a decoded object of group/resource in namespace ns) by u:
 * stamps metadata.annotations["daas.io/owner"] = u's address on a Namespace created by any
 * wallet user (one with a role) and on a Node created by a role node, replacing any client
 * value, and lets a role node create only the Lease of a Node it owns. DAAS_OK, or
 * DAAS_EDENIED (denial and err as daas_authz_check's), or a fact's error. */
DAAS_MUST_USE int daas_authz_admit_create(const daas_user *u, const char *group,
                                          const char *resource, const char *ns, json_t *obj,
                                          const daas_authz_facts *f, char *denial, size_t n,
                                          daas_err *err);

/* Facts read from the store (namespaces, nodes, pods as the API stores them). st is
 * borrowed and must outlive the facts. */
void daas_authz_store_facts(daas_store *st, daas_authz_facts *out);

#endif
