/*
 * kind.c: the registry of resource kinds: one const row per resource, lookups, validation
 *         causes, DNS-1123 checks, generic metadata validation and Table cell helpers.
 *
 * Owns:   the kinds table (discovery order), each kind's Table columns and field selectors.
 * Not:    per-kind hooks (kind_core.c, kind_pod.c, kind_apps.c, kind_batch.c, kind_coord.c,
 *         kind_discovery.c, kind_policy.c); the name syntax rules and their messages
 *         (names.c); HTTP, storage.
 * Invariants:
 *   - everything here is const data or a pure function; lookups never allocate;
 *   - cause messages follow upstream field.Error.ErrorBody() wording exactly.
 * Spec:   specs/kube-api.md §2 (discovery), §4.1 (columns), §6 (selectors, defaults);
 *         upstream kube 1.32 pkg/printers/internalversion/printers.go and
 *         k8s.io/apimachinery/pkg/api/validation/objectmeta.go.
 */
#include "kube/kind.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/util.h"
#include "kube/kind_int.h"
#include "kube/names_int.h"
#include "kube/obj.h"

/* ---------------------------------------------------------------- columns */

#define D_NAME                                                                                     \
    "Name must be unique within a namespace. Is required when creating resources, although "       \
    "some resources may allow a client to request the generation of an appropriate name "          \
    "automatically. Name is primarily intended for creation idempotence and configuration "        \
    "definition. Cannot be updated. More info: "                                                   \
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define D_AGE                                                                                      \
    "CreationTimestamp is a timestamp representing the server time when this object was "          \
    "created. It is not guaranteed to be set in happens-before order across separate "             \
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "     \
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "                      \
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"                            \
    "api-conventions.md#metadata"
#define C_NAME                                                                                     \
    {                                                                                              \
        "Name", "string", "name", D_NAME, 0                                                        \
    }
#define C_AGE                                                                                      \
    {                                                                                              \
        "Age", "string", "", D_AGE, 0                                                              \
    }
#define C(n, t, d, p)                                                                              \
    {                                                                                              \
        n, t, "", d, p                                                                             \
    }
#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define D_CONTAINERS "Names of each container in the template."
#define D_IMAGES "Images referenced by each container in the template."

/* SPEC: specs/kube-api.md §4.1; types as upstream 1.32 (some integer cells sit in columns
 * upstream declares "string", e.g. configmaps Data; kubectl does not care). */
static const daas_kube_column ns_cols[] = {
    C_NAME, C("Status", "string", "The status of the namespace", 0), C_AGE};
static const daas_kube_column node_cols[] = {
    C_NAME,
    C("Status", "string", "The status of the node", 0),
    C("Roles", "string", "The roles of the node", 0),
    C_AGE,
    C("Version", "string", "Kubelet Version reported by the node.", 0),
    C("Internal-IP", "string", "List of addresses reachable to the node.", 1),
    C("External-IP", "string", "List of addresses reachable to the node.", 1),
    C("OS-Image", "string", "OS Image reported by the node from /etc/os-release.", 1),
    C("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r'.", 1),
    C("Container-Runtime", "string", "ContainerRuntime Version reported by the node.", 1)};
static const daas_kube_column pod_cols[] = {
    C_NAME,
    C("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", 0),
    C("Status", "string", "The aggregate status of the containers in this pod.", 0),
    C("Restarts", "string",
      "The number of times the containers in this pod have been restarted and when the last "
      "container in this pod has restarted.",
      0),
    C_AGE,
    C("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster.",
      1),
    C("Node", "string", "NodeName indicates in which node this pod is scheduled.", 1),
    C("Nominated Node", "string",
      "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
    C("Readiness Gates", "string",
      "If specified, all readiness gates will be evaluated for pod readiness.", 1)};
static const daas_kube_column svc_cols[] = {
    C_NAME,
    C("Type", "string", "type determines how the Service is exposed.", 0),
    C("Cluster-IP", "string", "clusterIP is the IP address of the service.", 0),
    C("External-IP", "string",
      "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
      "traffic for this service.",
      0),
    C("Port(s)", "string", "The list of ports that are exposed by this service.", 0),
    C_AGE,
    C("Selector", "string",
      "Route service traffic to pods with label keys and values matching this selector.", 1)};
static const daas_kube_column ep_cols[] = {
    C_NAME,
    C("Endpoints", "string",
      "The set of all endpoints is the union of all subsets. Addresses are placed into subsets "
      "according to the IPs they share.",
      0),
    C_AGE};
static const daas_kube_column cm_cols[] = {
    C_NAME, C("Data", "string", "Data contains the configuration data.", 0), C_AGE};
static const daas_kube_column secret_cols[] = {
    C_NAME, C("Type", "string", "Used to facilitate programmatic handling of secret data.", 0),
    C("Data", "string", "Data contains the secret data.", 0), C_AGE};
static const daas_kube_column event_cols[] = {
    C("Last Seen", "string",
      "The time at which the most recent occurrence of this event was recorded.", 0),
    C("Type", "string",
      "Type of this event (Normal, Warning), new types could be added in the "
      "future",
      0),
    C("Reason", "string",
      "This should be a short, machine understandable string that gives the reason for the "
      "transition into the object's current status.",
      0),
    C("Object", "string", "The object that this event is about.", 0),
    C("Subobject", "string",
      "If referring to a piece of an object instead of an entire object, this string should "
      "contain a valid JSON/Go field access statement, such as "
      "desiredState.manifest.containers[2].",
      1),
    C("Source", "string",
      "The component reporting this event. Should be a short machine understandable string.", 1),
    C("Message", "string", "A human-readable description of the status of this operation.", 0),
    C("First Seen", "string",
      "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
      1),
    C("Count", "string", "The number of times this event has occurred.", 1),
    {"Name", "string", "name", D_NAME, 1}};
static const daas_kube_column sa_cols[] = {
    C_NAME,
    C("Secrets", "string",
      "Secrets is a list of the secrets in the same namespace that pods running using this "
      "ServiceAccount are allowed to use.",
      0),
    C_AGE};
static const daas_kube_column deploy_cols[] = {
    C_NAME,
    C("Ready", "string", "Number of the pod with ready state", 0),
    C("Up-to-date", "string",
      "Total number of non-terminated pods targeted by this deployment that have the desired "
      "template spec.",
      0),
    C("Available", "string",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this "
      "deployment.",
      0),
    C_AGE,
    C("Containers", "string", D_CONTAINERS, 1),
    C("Images", "string", D_IMAGES, 1),
    C("Selector", "string", "Label selector for pods.", 1)};
static const daas_kube_column rs_cols[] = {
    C_NAME,
    C("Desired", "integer", "Replicas is the number of desired replicas.", 0),
    C("Current", "integer", "Replicas is the most recently observed number of replicas.", 0),
    C("Ready", "integer", "The number of ready replicas for this replica set.", 0),
    C_AGE,
    C("Containers", "string", D_CONTAINERS, 1),
    C("Images", "string", D_IMAGES, 1),
    C("Selector", "string",
      "Selector is a label query over pods that should match the replica count.", 1)};
static const daas_kube_column ds_cols[] = {
    C_NAME,
    C("Desired", "integer",
      "The total number of nodes that should be running the daemon pod (including nodes "
      "correctly running the daemon pod). More info: "
      "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
      0),
    C("Current", "integer",
      "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
      "daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
      0),
    C("Ready", "integer",
      "numberReady is the number of nodes that should be running the daemon pod and have one "
      "or more of the daemon pod running with a Ready Condition.",
      0),
    C("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod", 0),
    C("Available", "integer",
      "The number of nodes that should be running the daemon pod and have one or more of the "
      "daemon pod running and available (ready for at least spec.minReadySeconds)",
      0),
    C("Node Selector", "string",
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
      "which must match a node's labels for the pod to be scheduled on that node. More info: "
      "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
      0),
    C_AGE,
    C("Containers", "string", D_CONTAINERS, 1),
    C("Images", "string", D_IMAGES, 1),
    C("Selector", "string",
      "A label query over pods that are managed by the daemon set. Must match in order to be "
      "controlled. It must match the pod template's labels. More info: "
      "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      1)};
static const daas_kube_column cr_cols[] = {
    C_NAME, C("Controller", "string", "Controller of the object with link to the object.", 0),
    C("Revision", "integer", "Revision indicates the revision of the state represented by Data.",
      0),
    C_AGE};
static const daas_kube_column job_cols[] = {
    C_NAME,
    C("Status", "string", "Status of the job.", 0),
    C("Completions", "string",
      "The number of pods which reached phase Succeeded. The value increases monotonically for "
      "a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
      0),
    C("Duration", "string", "Time required to complete the job.", 0),
    C_AGE,
    C("Containers", "string", D_CONTAINERS, 1),
    C("Images", "string", D_IMAGES, 1),
    C("Selector", "string",
      "A label query over pods that should match the pod count. Normally, the system sets this "
      "field for you. More info: "
      "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
      1)};
static const daas_kube_column lease_cols[] = {
    C_NAME,
    C("Holder", "string", "holderIdentity contains the identity of the holder of a current lease.",
      0),
    C_AGE};
static const daas_kube_column eps_cols[] = {
    C_NAME,
    C("AddressType", "string",
      "addressType specifies the type of address carried by this EndpointSlice. All addresses "
      "in this slice must be the same address type. This field is immutable after creation.",
      0),
    C("Ports", "string",
      "ports specifies the list of network ports exposed by each endpoint in this slice.", 0),
    C("Endpoints", "string",
      "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum "
      "of 1000 endpoints.",
      0),
    C_AGE};
static const daas_kube_column pdb_cols[] = {
    C_NAME, C("Min Available", "string", "The minimum number of pods that must be available.", 0),
    C("Max Unavailable", "string", "The maximum number of pods that may be unavailable.", 0),
    C("Allowed Disruptions", "integer",
      "Calculated number of pods that may be disrupted at this time.", 0),
    C_AGE};

/* ---------------------------------------------------------- field selectors */

/* The tables below are laid out by hand, one kind per block. */
/* clang-format off */

/* SPEC: specs/kube-api.md §6.2 */
static const char *const ns_fields[] = {"status.phase", NULL};
static const char *const node_fields[] = {"spec.unschedulable", NULL};
static const char *const pod_fields[] = {
    "spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
    "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName",
    NULL};
static const char *const secret_fields[] = {"type", NULL};
static const char *const event_fields[] = {
    "involvedObject.kind",      "involvedObject.namespace",       "involvedObject.name",
    "involvedObject.uid",       "involvedObject.apiVersion",      "involvedObject.resourceVersion",
    "involvedObject.fieldPath", "reason",                         "reportingComponent",
    "source",                   "type",                           NULL};
static const char *const rs_fields[] = {"status.replicas", NULL};
static const char *const job_fields[] = {"status.successful", NULL};

/* ------------------------------------------------------------------ kinds */

#define COLS(a) .columns = (a), .ncolumns = NCOLS(a)

static const daas_kube_kind k_namespaces = {
    .group = "", .version = "v1", .kind = "Namespace", .list_kind = "NamespaceList",
    .resource = "namespaces", .singular = "namespace", .short_names = {"ns", NULL},
    .namespaced = false, .subresources = DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_FINALIZE,
    .has_status = true, .name_is_label = true, .storage = "namespaces", COLS(ns_cols),
    .row = daas_kube__ns_row, .field_selectors = ns_fields,
    .defaults = daas_kube__ns_defaults};
static const daas_kube_kind k_nodes = {
    .group = "", .version = "v1", .kind = "Node", .list_kind = "NodeList", .resource = "nodes",
    .singular = "node", .short_names = {"no", NULL}, .namespaced = false,
    .subresources = DAAS_KUBE_SUB_STATUS, .has_status = true, .storage = "nodes",
    COLS(node_cols), .row = daas_kube__node_row, .field_selectors = node_fields};
static const daas_kube_kind k_pods = {
    .group = "", .version = "v1", .kind = "Pod", .list_kind = "PodList", .resource = "pods",
    .singular = "pod", .short_names = {"po", NULL}, .namespaced = true, .category_all = true,
    .subresources = DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_BINDING | DAAS_KUBE_SUB_LOG,
    .has_status = true, .storage = "pods", COLS(pod_cols), .row = daas_kube__pod_row,
    .field_selectors = pod_fields, .defaults = daas_kube__pod_defaults,
    .validate = daas_kube__pod_validate};
static const daas_kube_kind k_services = {
    .group = "", .version = "v1", .kind = "Service", .list_kind = "ServiceList",
    .resource = "services", .singular = "service", .short_names = {"svc", NULL},
    .namespaced = true, .category_all = true, .subresources = DAAS_KUBE_SUB_STATUS,
    .has_status = true, .name_is_label = true, .storage = "services", COLS(svc_cols),
    .row = daas_kube__svc_row, .defaults = daas_kube__svc_defaults,
    .validate = daas_kube__svc_validate};
static const daas_kube_kind k_endpoints = {
    .group = "", .version = "v1", .kind = "Endpoints", .list_kind = "EndpointsList",
    .resource = "endpoints", .singular = "endpoints", .short_names = {"ep", NULL},
    .namespaced = true, .storage = "endpoints", COLS(ep_cols), .row = daas_kube__ep_row};
static const daas_kube_kind k_configmaps = {
    .group = "", .version = "v1", .kind = "ConfigMap", .list_kind = "ConfigMapList",
    .resource = "configmaps", .singular = "configmap", .short_names = {"cm", NULL},
    .namespaced = true, .storage = "configmaps", COLS(cm_cols), .row = daas_kube__cm_row,
    .validate = daas_kube__cm_validate};
static const daas_kube_kind k_secrets = {
    .group = "", .version = "v1", .kind = "Secret", .list_kind = "SecretList",
    .resource = "secrets", .singular = "secret", .short_names = {NULL}, .namespaced = true,
    .storage = "secrets", COLS(secret_cols), .row = daas_kube__secret_row,
    .field_selectors = secret_fields, .defaults = daas_kube__secret_defaults,
    .validate = daas_kube__secret_validate};
static const daas_kube_kind k_events = {
    .group = "", .version = "v1", .kind = "Event", .list_kind = "EventList",
    .resource = "events", .singular = "event", .short_names = {"ev", NULL}, .namespaced = true,
    .storage = "events", COLS(event_cols), .row = daas_kube__event_row,
    .field_selectors = event_fields, .defaults = daas_kube__event_defaults,
    .validate = daas_kube__event_validate};
static const daas_kube_kind k_serviceaccounts = {
    .group = "", .version = "v1", .kind = "ServiceAccount", .list_kind = "ServiceAccountList",
    .resource = "serviceaccounts", .singular = "serviceaccount", .short_names = {"sa", NULL},
    .namespaced = true, .storage = "serviceaccounts", COLS(sa_cols), .row = daas_kube__sa_row};
static const daas_kube_kind k_deployments = {
    .group = "apps", .version = "v1", .kind = "Deployment", .list_kind = "DeploymentList",
    .resource = "deployments", .singular = "deployment", .short_names = {"deploy", NULL},
    .namespaced = true, .category_all = true,
    .subresources = DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_SCALE, .has_status = true,
    .generation = true, .storage = "deployments", COLS(deploy_cols),
    .row = daas_kube__deploy_row, .defaults = daas_kube__deploy_defaults,
    .validate = daas_kube__deploy_validate,
    .validate_status = daas_kube__deploy_status_validate};
static const daas_kube_kind k_replicasets = {
    .group = "apps", .version = "v1", .kind = "ReplicaSet", .list_kind = "ReplicaSetList",
    .resource = "replicasets", .singular = "replicaset", .short_names = {"rs", NULL},
    .namespaced = true, .category_all = true,
    .subresources = DAAS_KUBE_SUB_STATUS | DAAS_KUBE_SUB_SCALE, .has_status = true,
    .generation = true, .storage = "replicasets", COLS(rs_cols), .row = daas_kube__rs_row,
    .field_selectors = rs_fields, .defaults = daas_kube__rs_defaults,
    .validate = daas_kube__rs_validate,
    .validate_status = daas_kube__rs_status_validate};
static const daas_kube_kind k_daemonsets = {
    .group = "apps", .version = "v1", .kind = "DaemonSet", .list_kind = "DaemonSetList",
    .resource = "daemonsets", .singular = "daemonset", .short_names = {"ds", NULL},
    .namespaced = true, .category_all = true, .subresources = DAAS_KUBE_SUB_STATUS,
    .has_status = true, .generation = true, .storage = "daemonsets", COLS(ds_cols),
    .row = daas_kube__ds_row, .defaults = daas_kube__ds_defaults,
    .validate = daas_kube__ds_validate,
    .validate_status = daas_kube__ds_status_validate};
static const daas_kube_kind k_controllerrevisions = {
    .group = "apps", .version = "v1", .kind = "ControllerRevision",
    .list_kind = "ControllerRevisionList", .resource = "controllerrevisions",
    .singular = "controllerrevision", .short_names = {NULL}, .namespaced = true,
    .storage = "controllerrevisions", COLS(cr_cols), .row = daas_kube__cr_row,
    .validate = daas_kube__cr_validate};
static const daas_kube_kind k_jobs = {
    .group = "batch", .version = "v1", .kind = "Job", .list_kind = "JobList",
    .resource = "jobs", .singular = "job", .short_names = {NULL}, .namespaced = true,
    .category_all = true, .subresources = DAAS_KUBE_SUB_STATUS, .has_status = true,
    .generation = true, .storage = "jobs", COLS(job_cols), .row = daas_kube__job_row,
    .field_selectors = job_fields, .defaults = daas_kube__job_defaults, .validate = daas_kube__job_validate,
    .validate_status = daas_kube__job_status_validate};
static const daas_kube_kind k_leases = {
    .group = "coordination.k8s.io", .version = "v1", .kind = "Lease", .list_kind = "LeaseList",
    .resource = "leases", .singular = "lease", .short_names = {NULL}, .namespaced = true,
    .storage = "leases", COLS(lease_cols), .row = daas_kube__lease_row,
    .validate = daas_kube__lease_validate};
static const daas_kube_kind k_endpointslices = {
    .group = "discovery.k8s.io", .version = "v1", .kind = "EndpointSlice",
    .list_kind = "EndpointSliceList", .resource = "endpointslices", .singular = "endpointslice",
    .short_names = {NULL}, .namespaced = true, .storage = "endpointslices", COLS(eps_cols),
    .row = daas_kube__eps_row, .defaults = daas_kube__eps_defaults,
    .validate = daas_kube__eps_validate};
static const daas_kube_kind k_poddisruptionbudgets = {
    .group = "policy", .version = "v1", .kind = "PodDisruptionBudget",
    .list_kind = "PodDisruptionBudgetList", .resource = "poddisruptionbudgets",
    .singular = "poddisruptionbudget", .short_names = {"pdb", NULL}, .namespaced = true,
    .subresources = DAAS_KUBE_SUB_STATUS, .has_status = true, .generation = true,
    .storage = "poddisruptionbudgets", COLS(pdb_cols), .row = daas_kube__pdb_row,
    .defaults = daas_kube__pdb_defaults, .validate = daas_kube__pdb_validate,
    .validate_status = daas_kube__pdb_status_validate};

/* SPEC: specs/kube-api.md §2.2: discovery order. */
static const daas_kube_kind *const kinds[] = {
    &k_namespaces, &k_nodes,  &k_pods,           &k_services,    &k_endpoints,   &k_configmaps,
    &k_secrets,    &k_events, &k_serviceaccounts, &k_deployments, &k_replicasets,
    &k_daemonsets, &k_controllerrevisions, &k_jobs, &k_leases, &k_endpointslices,
    &k_poddisruptionbudgets};
/* clang-format on */

const daas_kube_kind *const *daas_kube_kinds(int *n)
{
    if (n != NULL)
        *n = NCOLS(kinds);
    return kinds;
}

/* ----------------------------------------------------------------- lookups */

static bool eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

const daas_kube_kind *daas_kube_kind_by_resource(const char *group, const char *version,
                                                 const char *resource)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const daas_kube_kind *k = kinds[i];
        if (eq(k->group, group ? group : "") && eq(k->version, version) &&
            eq(k->resource, resource))
            return k;
    }
    return NULL;
}

const daas_kube_kind *daas_kube_kind_by_kind(const char *group, const char *version,
                                             const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const daas_kube_kind *k = kinds[i];
        if (eq(k->group, group ? group : "") && eq(k->version, version) && eq(k->kind, kind))
            return k;
    }
    return NULL;
}

/* True when name (length n) is k's plural, singular, a short name or (any case) its Kind. */
static bool names_kind(const daas_kube_kind *k, const char *name, size_t n)
{
    if ((strlen(k->resource) == n && strncmp(k->resource, name, n) == 0) ||
        (strlen(k->singular) == n && strncmp(k->singular, name, n) == 0) ||
        (strlen(k->kind) == n && strncasecmp(k->kind, name, n) == 0))
        return true;
    for (int i = 0; k->short_names[i] != NULL; i++)
        if (strlen(k->short_names[i]) == n && strncmp(k->short_names[i], name, n) == 0)
            return true;
    return false;
}

const daas_kube_kind *daas_kube_kind_by_name(const char *name)
{
    if (name == NULL || *name == '\0')
        return NULL;
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const daas_kube_kind *k = kinds[i];
        if (dot != NULL && strcmp(k->group, dot + 1) != 0)
            continue;
        if (names_kind(k, name, n))
            return k;
    }
    return NULL;
}

void daas_kube_kind_api_version(const daas_kube_kind *k, char *buf, size_t n)
{
    if (k->group[0] == '\0')
        snprintf(buf, n, "%s", k->version);
    else
        snprintf(buf, n, "%s/%s", k->group, k->version);
}

void daas_kube_kind_qualified(const daas_kube_kind *k, char *buf, size_t n)
{
    if (k->group[0] == '\0')
        snprintf(buf, n, "%s", k->resource);
    else
        snprintf(buf, n, "%s.%s", k->resource, k->group);
}

/* ------------------------------------------------------------------ causes */

void daas_kube_verr_add(daas_kube_verr *v, const char *reason, const char *field, const char *fmt,
                        ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = daas_xmalloc(len > 0 ? (size_t)len + 1 : 1);
    if (len > 0)
        vsnprintf(msg, (size_t)len + 1, fmt, ap2);
    else
        msg[0] = '\0';
    va_end(ap2);
    if (v->causes == NULL)
        v->causes = json_array();
    json_array_append_new(v->causes, json_pack("{s:s, s:s, s:s}", "reason", reason, "message", msg,
                                               "field", field ? field : ""));
    daas_free(msg);
}

void daas_kube_verr_fini(daas_kube_verr *v)
{
    json_decref(v->causes);
    v->causes = NULL;
}

void daas_kube__go_quote(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    if (n < 3) {
        if (n > 0)
            buf[0] = '\0';
        return;
    }
    buf[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && o + 6 < n; p++) {
        static const char esc[] = "\a\b\f\n\r\t\v";
        static const char sym[] = "abfnrtv";
        const char *e = (*p != 0) ? strchr(esc, *p) : NULL;
        if (*p == '"' || *p == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*p;
        } else if (e != NULL) {
            buf[o++] = '\\';
            buf[o++] = sym[e - esc];
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", *p);
        } else {
            buf[o++] = (char)*p;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

/* A quoted copy of s for messages; values longer than this are cut (messages stay short). */
#define QBUF 1024

void daas_kube__req(daas_kube_verr *v, const char *field, const char *detail)
{
    if (detail != NULL && *detail != '\0')
        daas_kube_verr_add(v, "FieldValueRequired", field, "Required value: %s", detail);
    else
        daas_kube_verr_add(v, "FieldValueRequired", field, "Required value");
}

void daas_kube__inv_str(daas_kube_verr *v, const char *field, const char *s, const char *detail)
{
    char q[QBUF];
    daas_kube__go_quote(s ? s : "", q, sizeof q);
    daas_kube__inv_raw(v, field, q, detail);
}

void daas_kube__inv_int(daas_kube_verr *v, const char *field, int64_t n, const char *detail)
{
    char q[32];
    snprintf(q, sizeof q, "%lld", (long long)n);
    daas_kube__inv_raw(v, field, q, detail);
}

void daas_kube__inv_raw(daas_kube_verr *v, const char *field, const char *raw, const char *detail)
{
    if (detail != NULL && *detail != '\0')
        daas_kube_verr_add(v, "FieldValueInvalid", field, "Invalid value: %s: %s", raw, detail);
    else
        daas_kube_verr_add(v, "FieldValueInvalid", field, "Invalid value: %s", raw);
}

void daas_kube__forbid(daas_kube_verr *v, const char *field, const char *detail)
{
    daas_kube_verr_add(v, "FieldValueForbidden", field, "Forbidden: %s", detail);
}

void daas_kube__unsupported(daas_kube_verr *v, const char *field, const char *s,
                            const char *const *valid)
{
    char q[QBUF], list[512];
    size_t o = 0;
    list[0] = '\0';
    for (int i = 0; valid[i] != NULL && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? ", " : "", valid[i]);
    daas_kube__go_quote(s ? s : "", q, sizeof q);
    daas_kube_verr_add(v, "FieldValueNotSupported", field,
                       "Unsupported value: %s: supported values: %s", q, list);
}

void daas_kube__dup(daas_kube_verr *v, const char *field, const char *s)
{
    char q[QBUF];
    daas_kube__go_quote(s ? s : "", q, sizeof q);
    daas_kube_verr_add(v, "FieldValueDuplicate", field, "Duplicate value: %s", q);
}

void daas_kube__toolong(daas_kube_verr *v, const char *field, int64_t max)
{
    daas_kube_verr_add(v, "FieldValueTooLong", field, "Too long: may not be more than %lld bytes",
                       (long long)max);
}

void daas_kube__check_enum(daas_kube_verr *v, const json_t *obj, const char *key, const char *field,
                           const char *const *valid)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (s == NULL || *s == '\0') {
        daas_kube__req(v, field, NULL);
        return;
    }
    for (int i = 0; valid[i] != NULL; i++)
        if (strcmp(valid[i], s) == 0)
            return;
    daas_kube__unsupported(v, field, s, valid);
}

void daas_kube__check_unique(daas_kube_verr *v, const char *field, const char *name, json_t *seen)
{
    if (json_object_get(seen, name) != NULL)
        daas_kube__dup(v, field, name);
    json_object_set_new(seen, name, json_true());
}

const char *const daas_kube__protocols[] = {"SCTP", "TCP", "UDP", NULL};

/* ------------------------------------------------------------- name syntax */

/* IsQualifiedName(s); causes report shown (annotation keys are checked lower-cased). */
static void qname_check(daas_kube_verr *v, const char *field, const char *s, const char *shown)
{
    const char *m[DAAS_KUBE__QNAME_MSGS];
    int n = daas_kube__qname_msgs(s, false, m);
    for (int i = 0; i < n; i++)
        daas_kube__inv_str(v, field, shown, m[i]);
}

void daas_kube__check_qualified_name(daas_kube_verr *v, const char *field, const char *s)
{
    qname_check(v, field, s, s);
}

void daas_kube__check_label_value(daas_kube_verr *v, const char *field, const char *s)
{
    const char *m[2];
    int n = daas_kube__label_value_msgs(s, m);
    for (int i = 0; i < n; i++)
        daas_kube__inv_str(v, field, s, m[i]);
}

void daas_kube__check_labels(daas_kube_verr *v, const json_t *labels, const char *field)
{
    const char *k;
    json_t *val;
    if (labels == NULL || json_is_null(labels))
        return;
    if (!json_is_object(labels)) {
        daas_kube__inv_raw(v, field, "non-object", "must be a map of string keys and values");
        return;
    }
    json_object_foreach((json_t *)labels, k, val)
    {
        daas_kube__check_qualified_name(v, field, k);
        if (!json_is_string(val))
            daas_kube__inv_str(v, field, k, "label values must be strings");
        else
            daas_kube__check_label_value(v, field, json_string_value(val));
    }
}

void daas_kube__check_port(daas_kube_verr *v, const char *field, int64_t port)
{
    if (port < 1 || port > 65535)
        daas_kube__inv_int(v, field, port, "must be between 1 and 65535, inclusive");
}

void daas_kube__check_nonneg(daas_kube_verr *v, const json_t *obj, const char *key,
                             const char *field)
{
    json_t *x = json_object_get(obj, key);
    if (json_is_integer(x) && json_integer_value(x) < 0)
        daas_kube__inv_int(v, field, json_integer_value(x), "must be greater than or equal to 0");
}

void daas_kube__check_status_counts(daas_kube_verr *v, const json_t *obj,
                                    const char *const *keys)
{
    const json_t *st = json_object_get(obj, "status");
    char field[96];
    for (size_t i = 0; json_is_object(st) && keys[i] != NULL; i++) {
        snprintf(field, sizeof field, "status.%s", keys[i]);
        daas_kube__check_nonneg(v, st, keys[i], field);
    }
}

/* ------------------------------------------------------------ object meta */

/* Upstream name rule: services use DNS-1035 labels (ValidateServiceName), other
 * name_is_label kinds DNS-1123 labels, the rest DNS-1123 subdomains. */
static int name_rule(const daas_kube_kind *k)
{
    if (!k->name_is_label)
        return DAAS_KUBE__NAME_SUBDOMAIN;
    return (k->group[0] == '\0' && strcmp(k->resource, "services") == 0) ? DAAS_KUBE__NAME_DNS1035
                                                                         : DAAS_KUBE__NAME_LABEL;
}

static void check_name(daas_kube_verr *v, const char *field, const char *s, int rule, bool prefix)
{
    const char *m[2];
    char *masked = daas_xstrdup(s);
    size_t n = strlen(masked);
    /* maskTrailingDash: a generateName prefix may end in '-'. */
    if (prefix && n > 1 && masked[n - 1] == '-')
        masked[n - 1] = 'a';
    int cnt = daas_kube__name_msgs(masked, rule, m);
    for (int i = 0; i < cnt; i++)
        daas_kube__inv_str(v, field, s, m[i]);
    daas_free(masked);
}

static void check_annotations(daas_kube_verr *v, const json_t *ann)
{
    const char *k;
    json_t *val;
    size_t total = 0;
    if (!json_is_object(ann))
        return;
    json_object_foreach((json_t *)ann, k, val)
    {
        char *lower = daas_xstrdup(k);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        qname_check(v, "metadata.annotations", lower, k);
        daas_free(lower);
        total += strlen(k) + (json_is_string(val) ? json_string_length(val) : 0);
    }
    /* SPEC: apimachinery TotalAnnotationSizeLimitB = 256 KiB. */
    if (total > 256 * 1024)
        daas_kube__toolong(v, "metadata.annotations", 256 * 1024);
}

static void check_finalizers(daas_kube_verr *v, const json_t *fins)
{
    size_t i;
    json_t *f;
    char path[DAAS_KUBE__PATH_MAX];
    json_array_foreach(fins, i, f)
    {
        snprintf(path, sizeof path, "metadata.finalizers[%zu]", i);
        if (json_is_string(f))
            daas_kube__check_qualified_name(v, path, json_string_value(f));
    }
}

/* uid / creationTimestamp / name / namespace may not change on update. */
static void check_meta_update(const json_t *obj, const json_t *old, daas_kube_verr *v)
{
    static const char *const keys[] = {"name", "namespace", "uid", NULL};
    char path[64];
    for (int i = 0; keys[i] != NULL; i++) {
        snprintf(path, sizeof path, "metadata.%s", keys[i]);
        const char *a = daas_kube_str(obj, path), *b = daas_kube_str(old, path);
        if (a != NULL && *a != '\0' && b != NULL && strcmp(a, b) != 0)
            daas_kube__inv_str(v, path, a, "field is immutable");
    }
    const char *ca = daas_kube_str(obj, "metadata.creationTimestamp");
    const char *cb = daas_kube_str(old, "metadata.creationTimestamp");
    int64_t ta = 0, tb = 0;
    if (ca != NULL && cb != NULL && *ca != '\0' &&
        (daas_time_parse(ca, &ta) != DAAS_OK || daas_time_parse(cb, &tb) != DAAS_OK || ta != tb))
        daas_kube__inv_str(v, "metadata.creationTimestamp", ca, "field is immutable");
}

void daas_kube_validate_meta(const daas_kube_kind *k, const json_t *obj, const json_t *old,
                             daas_kube_verr *v)
{
    const json_t *md = json_object_get(obj, "metadata");
    const char *name = json_string_value(json_object_get(md, "name"));
    const char *gen = json_string_value(json_object_get(md, "generateName"));
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    int rule = name_rule(k);

    if (gen != NULL && *gen != '\0')
        check_name(v, "metadata.generateName", gen, rule, true);
    if (name == NULL || *name == '\0') {
        if (old != NULL || gen == NULL || *gen == '\0')
            daas_kube__req(v, "metadata.name", "name or generateName is required");
    } else {
        check_name(v, "metadata.name", name, rule, false);
    }
    if (k->namespaced) {
        if (ns == NULL || *ns == '\0')
            daas_kube__req(v, "metadata.namespace", NULL);
        else
            check_name(v, "metadata.namespace", ns, DAAS_KUBE__NAME_LABEL, false);
    }
    daas_kube__check_nonneg(v, md, "generation", "metadata.generation");
    daas_kube__check_labels(v, json_object_get(md, "labels"), "metadata.labels");
    check_annotations(v, json_object_get(md, "annotations"));
    check_finalizers(v, json_object_get(md, "finalizers"));
    if (old != NULL)
        check_meta_update(obj, old, v);
}

/* ------------------------------------------------------------------ cells */

json_t *daas_kube__cell_since(const char *ts, int64_t now)
{
    int64_t t;
    char buf[32];
    if (ts == NULL || *ts == '\0' || daas_time_parse(ts, &t) != DAAS_OK)
        return json_string("<unknown>");
    daas_human_duration(now - t, buf, sizeof buf);
    return json_string(buf);
}

json_t *daas_kube_cell_age(const json_t *obj, int64_t now)
{
    return daas_kube__cell_since(daas_kube_str(obj, "metadata.creationTimestamp"), now);
}

json_t *daas_kube_cell_str(const char *s)
{
    return json_string(s != NULL && *s != '\0' ? s : "<none>");
}

int64_t daas_kube__count(const json_t *obj, const char *dotted)
{
    json_t *x = daas_kube_path(obj, dotted);
    if (json_is_object(x))
        return (int64_t)json_object_size(x);
    if (json_is_array(x))
        return (int64_t)json_array_size(x);
    return 0;
}

void daas_kube__container_cells(const json_t *containers, json_t **names, json_t **images)
{
    daas_buf nb, ib;
    size_t i;
    json_t *c;
    daas_buf_init(&nb, 0);
    daas_buf_init(&ib, 0);
    json_array_foreach(containers, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "name"));
        const char *im = json_string_value(json_object_get(c, "image"));
        /* Appends can only fail past the 256 MiB cap, which a stored object cannot reach. */
        int rc = daas_buf_puts(&nb, i ? "," : "");
        rc = rc == DAAS_OK ? daas_buf_puts(&nb, n ? n : "") : rc;
        rc = rc == DAAS_OK ? daas_buf_puts(&ib, i ? "," : "") : rc;
        rc = rc == DAAS_OK ? daas_buf_puts(&ib, im ? im : "") : rc;
        if (rc != DAAS_OK)
            break;
    }
    *names = json_string(nb.data ? nb.data : "");
    *images = json_string(ib.data ? ib.data : "");
    daas_buf_fini(&nb);
    daas_buf_fini(&ib);
}

/* ------------------------------------------------------- json conveniences */

json_t *daas_kube__arr(json_t *obj, const char *key)
{
    json_t *a = json_object_get(obj, key);
    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(obj, key, a);
    }
    return a;
}

void daas_kube__setdef(json_t *obj, const char *key, json_t *val)
{
    json_t *cur = json_object_get(obj, key);
    /* Upstream defaults test string fields against "" (Go's zero value), so "" is unset. */
    if (cur == NULL || json_is_null(cur) || (json_is_string(cur) && json_string_length(cur) == 0))
        json_object_set_new(obj, key, val);
    else
        json_decref(val);
}

static bool emptyish(const json_t *a)
{
    return a == NULL || json_is_null(a) || (json_is_object(a) && json_object_size(a) == 0) ||
           (json_is_array(a) && json_array_size(a) == 0);
}

bool daas_kube__equal_or_empty(const json_t *a, const json_t *b)
{
    if (emptyish(a) || emptyish(b))
        return emptyish(a) && emptyish(b);
    return json_equal((json_t *)a, (json_t *)b);
}

void daas_kube__check_port_name(daas_kube_verr *v, const char *field, const char *s)
{
    size_t n = strlen(s);
    bool charset = n > 0, letter = false;
    for (size_t i = 0; i < n; i++) {
        charset = charset && (daas_kube__lower_alnum(s[i]) || s[i] == '-');
        letter = letter || (s[i] >= 'a' && s[i] <= 'z');
    }
    /* SPEC: apimachinery IsValidPortName, messages in its order. */
    if (n > 15)
        daas_kube__inv_str(v, field, s, "must be no more than 15 characters");
    if (!charset)
        daas_kube__inv_str(v, field, s,
                           "must contain only alpha-numeric characters (a-z, 0-9), and hyphens "
                           "(-)");
    if (!letter)
        daas_kube__inv_str(v, field, s, "must contain at least one letter (a-z)");
    if (strstr(s, "--") != NULL)
        daas_kube__inv_str(v, field, s, "must not contain consecutive hyphens");
    if (n > 0 && (s[0] == '-' || s[n - 1] == '-'))
        daas_kube__inv_str(v, field, s, "must not begin or end with a hyphen");
}

void daas_kube__check_dns_label(daas_kube_verr *v, const char *field, const char *s)
{
    check_name(v, field, s, DAAS_KUBE__NAME_LABEL, false);
}

void daas_kube__check_dns_subdomain(daas_kube_verr *v, const char *field, const char *s)
{
    check_name(v, field, s, DAAS_KUBE__NAME_SUBDOMAIN, false);
}
