/*
 * admit.c: security-policy admission of Pods and of the pod templates of workloads: the
 *          namespace's Pod Security Standards levels (its pod-security.kubernetes.io/enforce,
 *          warn and audit labels) and the cluster rules kept on chain, evaluated by the
 *          scheduler enclave, which signs the decision (daas_api__admit_policy).
 *
 * Owns:   building the AdmissionRequest from the object, its namespace and the requester;
 *         the rules source hook; the denial (403 Forbidden with Kubernetes' words), the
 *         warnings, and the daas.io/admission-proof annotation on an admitted Pod.
 * Not:    the checks and their messages (sched/policy*.c: the same code runs in the enclave),
 *         signing (the enclave), the queue to it (schedctl_admit.c), reading the chain (the
 *         hook's owner, cmd/server_rules.c).
 * Invariants:
 *   - with a scheduler enclave, a Pod is stored only with a decision the enclave signed for
 *     exactly the request built here; the server evaluates the same request itself to word
 *     the answer and refuses the write if the enclave's verdict differs;
 *   - without one (no --enclave, no --dev), the server evaluates and enforces the policy
 *     itself and writes no proof: agents of such a cluster trust no enclave key either;
 *   - an admission-proof annotation sent by a client is removed, never stored as sent;
 *   - the owner tier is the requester's stake role; identities without one (the cluster's
 *     certificates: administrators, controllers, nodes) count as admin. A workload's pods
 *     are created by the controllers, so the workload itself is where a user's tier counts:
 *     cluster rules refuse a template as they refuse a Pod.
 * Spec:   issue 9; Kubernetes pod-security-admission (admission.go: enforce on pods only,
 *         warn and audit on pods and templates, "Forbidden" answers); sched/policy.h.
 */
#include <string.h>

#include "api/api_int.h"
#include "api/authz.h"
#include "api/schedctl.h"
#include "api/write_int.h"
#include "kube/obj.h"
#include "sched/admission.h"
#include "sched/policy.h"
#include "sui/pkg.h"
#include "sui/pkg_rules.h"

/* The pod template of a workload kind (NULL: not one; the object itself for a Pod). */
static json_t *pod_of(const daas_kube_kind *k, const json_t *cobj)
{
    json_t *obj = (json_t *)cobj; /* the result is as mutable as the caller's object */
    if (k->group[0] == '\0' && strcmp(k->resource, "pods") == 0)
        return obj;
    static const char *const apps[] = {"deployments", "replicasets", "statefulsets", "daemonsets"};
    bool templ = strcmp(k->group, "batch") == 0 && strcmp(k->resource, "jobs") == 0;
    for (size_t i = 0; !templ && strcmp(k->group, "apps") == 0 && i < 4; i++)
        templ = strcmp(k->resource, apps[i]) == 0;
    json_t *spec = json_object_get(obj, "spec");
    if (strcmp(k->group, "batch") == 0 && strcmp(k->resource, "cronjobs") == 0) {
        spec = json_object_get(json_object_get(spec, "jobTemplate"), "spec");
        templ = true;
    }
    json_t *t = templ ? json_object_get(spec, "template") : NULL;
    return json_is_object(t) ? t : NULL;
}

static void set_annotation(json_t *obj, const daas_buf *proof)
{
    json_t *meta = json_object_get(obj, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    json_object_set_new(ann, DAAS_SCHED_ADMISSION_ANNOTATION,
                        json_stringn(proof->data, proof->len));
}

static void strip_proof(json_t *pod)
{
    json_t *ann = json_object_get(json_object_get(pod, "metadata"), "annotations");
    if (json_is_object(ann))
        json_object_del(ann, DAAS_SCHED_ADMISSION_ANNOTATION);
}

/* The namespace's labels (a new reference, or NULL). */
static json_t *ns_labels(daas_api *api, const char *ns)
{
    if (ns == NULL || ns[0] == '\0')
        return NULL;
    char *key = daas_api__key(daas_kube_kind_by_resource("", "v1", "namespaces"), NULL, ns);
    daas_kv kv;
    json_t *obj = NULL, *labels = NULL;
    daas_err e = {0};
    if (daas_api__load(api, key, &kv, &obj, &e) == DAAS_OK) {
        labels = json_incref(json_object_get(json_object_get(obj, "metadata"), "labels"));
        daas_kv_fini(&kv);
    }
    json_decref(obj);
    daas_free(key);
    return labels;
}

/* BCS(ClusterRules): the hook's, else the rules a fresh package publishes. */
static int rules_bcs(daas_api *api, daas_buf *out, daas_err *err)
{
    if (api->rules_fn)
        return api->rules_fn(api->rules_arg, out, err);
    daas_pkg_rules d;
    daas_pkg_rules_defaults(&d);
    return daas_pkg_rules_bcs(&d, out, err);
}

/* The enclave's signed verdict, which must be the server's own. */
static int enclave_decision(daas_api__req *r, daas_bytes req, daas_bytes rules,
                            const daas_sched_policy_result *mine, daas_buf *proof, daas_err *err)
{
    daas_buf dec;
    daas_buf_init(&dec, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_sched_policy_result theirs = {0};
    daas_api *api = r->api;
    int rc = api->admit_fwd && !daas_schedctl_active(api->sched)
                 ? api->admit_fwd(api->admit_fwd_arg, req, rules, &dec, proof, err)
                 : daas_schedctl_admit(api->sched, req, rules, &dec, proof, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_decision_decode(DAAS_BYTES(dec.data, dec.len), &theirs, err);
    if (rc == DAAS_OK &&
        (theirs.allowed != mine->allowed || theirs.n_violations != mine->n_violations ||
         theirs.n_warnings != mine->n_warnings))
        rc = daas_fail(err, DAAS_EINTERNAL,
                       "admission: the enclave's decision differs from the cluster's policy");
    if (rc == DAAS_OK || theirs._mem)
        daas_sched_policy_result_fini(&theirs);
    daas_buf_fini(&dec);
    return rc;
}

/* Answers Forbidden: `pods "x" is forbidden: violates PodSecurity "...": ...` (longer than an
 * err message holds); DAAS_EDENIED with err left empty. */
static int deny(daas_api__req *r, const char *name, const daas_sched_policy_result *res,
                daas_err *err)
{
    daas_buf m;
    daas_buf_init(&m, 1 << 20);
    char q[160];
    daas_kube_kind_qualified(r->route.kind, q, sizeof q);
    char *head = daas_xasprintf("%s \"%s\" is forbidden: ", q, name);
    int rc = daas_buf_append(&m, head, strlen(head));
    if (rc == DAAS_OK)
        rc = daas_sched_policy_message(res, &m);
    if (rc == DAAS_OK)
        rc = daas_buf_append(&m, "", 1);
    if (rc == DAAS_OK) { /* answered: err stays empty, as validate leaves it */
        daas_api__respond_msg(r, DAAS_EDENIED, m.data);
        rc = DAAS_EDENIED;
    } else {
        rc = daas_fail(err, rc, "admission: the denial does not fit");
    }
    daas_free(head);
    daas_buf_fini(&m);
    return rc;
}

static void warn(daas_api__req *r, const daas_sched_policy_result *res)
{
    daas_buf w;
    daas_buf_init(&w, 1 << 16); /* daas_api__warn cuts it to what a header carries */
    if (daas_sched_policy_warning(res, &w) == DAAS_OK && w.len > 0 &&
        daas_buf_append(&w, "", 1) == DAAS_OK)
        daas_api__warn(r, w.data);
    daas_buf_fini(&w);
}

/* Fills req from the object, its pod (template) and the request; view is req->pod. */
static int build(daas_api__req *r, json_t *obj, json_t *pod, const json_t *labels,
                 daas_sched_policy_request *req, daas_err *err)
{
    int role = daas_authz_role(&r->user);
    daas_sched_policy_levels_from_labels(labels, &req->enforce, &req->warn, &req->audit);
    req->uid = daas_kube_str(obj, "metadata.uid");
    req->ns = daas_kube_str(obj, "metadata.namespace");
    req->name = daas_kube_str(obj, "metadata.name");
    req->kind = r->route.kind->kind;
    req->owner_tier = (uint8_t)(role < 0 ? DAAS_PKG_ROLE_ADMIN : role);
    return daas_sched_policy_view_from_json(pod, &req->pod, err);
}

int daas_api__admit_policy(daas_api__req *r, json_t *obj, daas_err *err)
{
    json_t *pod = pod_of(r->route.kind, obj);
    if (pod == NULL)
        return DAAS_OK;
    strip_proof(pod);
    bool is_pod = pod == obj;
    json_t *labels = ns_labels(r->api, daas_kube_str(obj, "metadata.namespace"));
    daas_sched_policy_request req = {0};
    daas_sched_policy_rules rules = {0};
    daas_sched_policy_result res = {0};
    daas_buf rb, qb, proof;
    daas_buf_init(&rb, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&qb, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&proof, DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    bool have_res = false;
    int rc = build(r, obj, pod, labels, &req, err);
    if (rc == DAAS_OK)
        rc = rules_bcs(r->api, &rb, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_rules_decode(DAAS_BYTES(rb.data, rb.len), &rules, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_eval(&req, &rules, &res, err);
    have_res = rc == DAAS_OK;
    if (rc == DAAS_OK && is_pod && r->api->sched) {
        rc = daas_sched_policy_request_encode(&req, &qb, err);
        if (rc == DAAS_OK)
            rc = enclave_decision(r, DAAS_BYTES(qb.data, qb.len), DAAS_BYTES(rb.data, rb.len), &res,
                                  &proof, err);
    }
    if (rc == DAAS_OK && !res.allowed)
        rc = deny(r, req.name ? req.name : "", &res, err);
    if (rc == DAAS_OK && proof.len > 0)
        set_annotation(obj, &proof);
    if (rc == DAAS_OK)
        warn(r, &res);
    if (have_res)
        daas_sched_policy_result_fini(&res);
    daas_sched_policy_rules_fini(&rules);
    daas_sched_policy_view_fini(&req.pod);
    daas_buf_fini(&rb);
    daas_buf_fini(&qb);
    daas_buf_fini(&proof);
    json_decref(labels);
    return rc;
}

/* BCS of the pod's security view under a fixed header, for comparing two pods. */
static int view_bytes(const json_t *pod, daas_buf *out)
{
    daas_sched_policy_request q = {.uid = "-", .ns = "-", .name = "-", .kind = "-"};
    int rc = daas_sched_policy_view_from_json(pod, &q.pod, NULL);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_request_encode(&q, out, NULL);
    daas_sched_policy_view_fini(&q.pod);
    return rc;
}

static bool same_view(const json_t *a, const json_t *b)
{
    daas_buf x, y;
    daas_buf_init(&x, DAAS_SCHED_POLICY_MAX_BYTES);
    daas_buf_init(&y, DAAS_SCHED_POLICY_MAX_BYTES);
    bool same = view_bytes(a, &x) == DAAS_OK && view_bytes(b, &y) == DAAS_OK && x.len == y.len &&
                memcmp(x.data, y.data, x.len) == 0;
    daas_buf_fini(&x);
    daas_buf_fini(&y);
    return same;
}

int daas_api__admit_update(daas_api__req *r, const json_t *old, json_t *obj, const char *sub,
                           daas_err *err)
{
    if (sub != NULL && strcmp(sub, "ephemeralcontainers") != 0)
        return DAAS_OK; /* status and the like: not the pod's security */
    json_t *np = pod_of(r->route.kind, obj);
    const json_t *op = pod_of(r->route.kind, old);
    if (np == NULL)
        return DAAS_OK;
    if (op == NULL || !same_view(op, np))
        return daas_api__admit_policy(r, obj, err);
    /* unchanged: the decision stands, as stored (a client cannot replace the proof) */
    strip_proof(np);
    const char *proof = json_string_value(
        json_object_get(json_object_get(json_object_get(op, "metadata"), "annotations"),
                        DAAS_SCHED_ADMISSION_ANNOTATION));
    if (proof != NULL) {
        daas_buf b = {.data = (char *)proof, .len = strlen(proof)};
        set_annotation(np, &b);
    }
    return DAAS_OK;
}
