/*
 * kind.h: the table-driven registry of resource kinds the API serves.
 *
 * Owns:   one daas_kube_kind row per resource (names, scope, verbs, subresources, Table columns,
 *         field selectors) and its hooks (defaults, validation, table row).
 * Not:    HTTP, storage or patch mechanics (api/, store/, patch.c): a kind only says what is
 *         special about it.
 * Invariants:
 *   - the table is const and built at compile time; lookups never allocate;
 *   - hooks are pure functions of their arguments (no I/O, no globals), safe on any thread;
 *   - adding a kind = one row in kind.c plus its hooks in a kind_<group>.c file.
 * Spec:   specs/kube-api.md §2 (discovery), §4 (Tables), §6 (subresources, selectors, defaults).
 */
#ifndef DAAS_KUBE_KIND_H
#define DAAS_KUBE_KIND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Subresource bits. */
enum {
    DAAS_KUBE_SUB_STATUS = 1 << 0,   /* {name}/status: GET/PUT/PATCH of .status only */
    DAAS_KUBE_SUB_SCALE = 1 << 1,    /* {name}/scale: autoscaling/v1 Scale over spec.replicas */
    DAAS_KUBE_SUB_BINDING = 1 << 2,  /* pods/{name}/binding: POST a Binding, sets spec.nodeName */
    DAAS_KUBE_SUB_LOG = 1 << 3,      /* pods/{name}/log */
    DAAS_KUBE_SUB_FINALIZE = 1 << 4, /* namespaces/{name}/finalize: PUT replaces spec.finalizers */
};

typedef struct daas_kube_column {
    const char *name;        /* "Name", "Ready", ... as upstream */
    const char *type;        /* "string", "integer", "date" */
    const char *format;      /* "name" for the Name column, else "" */
    const char *description;
    int priority;            /* 0 always shown, 1 only with -o wide */
} daas_kube_column;

/* Collects validation failures as Kubernetes StatusCause objects. */
typedef struct daas_kube_verr {
    json_t *causes; /* array of {"reason","message","field"}; NULL until the first failure */
} daas_kube_verr;

/* Adds a cause. reason: "FieldValueInvalid", "FieldValueRequired", "FieldValueForbidden",
 * "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueTooLong". The message follows
 * upstream's wording, e.g. `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain ...`,
 * `Required value`, `field is immutable`. */
void daas_kube_verr_add(daas_kube_verr *v, const char *reason, const char *field,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void daas_kube_verr_fini(daas_kube_verr *v);

typedef struct daas_kube_kind daas_kube_kind;

struct daas_kube_kind {
    const char *group;    /* "" for core, "apps", "coordination.k8s.io" */
    const char *version;  /* "v1" */
    const char *kind;     /* "Pod" */
    const char *list_kind;/* "PodList" */
    const char *resource; /* "pods" (plural, as in URLs) */
    const char *singular; /* "pod" */
    const char *short_names[4]; /* NULL-terminated */
    bool namespaced;
    bool category_all;    /* listed by `kubectl get all` */
    unsigned subresources;/* DAAS_KUBE_SUB_* */
    bool has_status;      /* main-resource writes keep the stored .status */
    bool generation;      /* bump metadata.generation when .spec changes */
    bool name_is_label;   /* names must be DNS-1123 labels (namespaces, services), else subdomains */
    const char *storage;  /* store key segment: "/registry/<storage>/..." (usually = resource) */

    /* Table columns (specs/kube-api.md §4.1) and the cells of one row. row() returns a new
     * array of cells matching columns, formatting ages relative to now (unix seconds). */
    const daas_kube_column *columns;
    int ncolumns;
    json_t *(*row)(const json_t *obj, int64_t now);

    /* Field selectors this kind supports besides metadata.name and metadata.namespace,
     * NULL-terminated (e.g. "spec.nodeName", "status.phase"). */
    const char *const *field_selectors;

    /* Fills server-side defaults into obj (create when old is NULL, update otherwise; old is
     * the stored object). Never fails: validation runs afterwards. May be NULL. */
    void (*defaults)(json_t *obj, const json_t *old);

    /* Checks obj (after defaults); old is the stored object on update, NULL on create.
     * Generic metadata checks (name, namespace, labels) are done by the caller. May be NULL. */
    void (*validate)(const json_t *obj, const json_t *old, daas_kube_verr *v);
    /* Checks a write through the status subresource (upstream's status strategy
     * ValidateUpdate): obj is old with the new status. May be NULL. */
    void (*validate_status)(const json_t *obj, const json_t *old, daas_kube_verr *v);
};

/* All kinds, in discovery order. */
const daas_kube_kind *const *daas_kube_kinds(int *n);
/* Lookup by group + resource (version must match too), by group + kind, or by short name /
 * singular / plural within any group. NULL when unknown. */
const daas_kube_kind *daas_kube_kind_by_resource(const char *group, const char *version,
                                                 const char *resource);
const daas_kube_kind *daas_kube_kind_by_kind(const char *group, const char *version,
                                             const char *kind);
/* Lookup by what a user types: plural, singular, short name or Kind (any case), optionally
 * qualified by group ("deployments.apps", "leases.coordination.k8s.io"). NULL when unknown. */
const daas_kube_kind *daas_kube_kind_by_name(const char *name);
/* "v1" or "apps/v1" */
void daas_kube_kind_api_version(const daas_kube_kind *k, char *buf, size_t n);
/* The resource qualified by group for messages: "pods", "deployments.apps". */
void daas_kube_kind_qualified(const daas_kube_kind *k, char *buf, size_t n);

/* Generic metadata validation shared by every kind: name (DNS-1123 label or subdomain, or
 * generateName), labels and annotations syntax and size, immutable uid/creationTimestamp on
 * update. */
void daas_kube_validate_meta(const daas_kube_kind *k, const json_t *obj, const json_t *old,
                             daas_kube_verr *v);

/* DNS-1123 checks; on failure *why gets upstream's message text. */
bool daas_kube_is_dns1123_label(const char *s, const char **why);
bool daas_kube_is_dns1123_subdomain(const char *s, const char **why);

/* Table helpers for row(): age cell ("5m"), "<none>" for empty, label-selector string. */
json_t *daas_kube_cell_age(const json_t *obj, int64_t now);
json_t *daas_kube_cell_str(const char *s);

/* The DefaultTolerationSeconds admission plugin's default (kube-apiserver
 * --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds). */
#define DAAS_KUBE_DEFAULT_TOLERATION 300
/* DefaultTolerationSeconds: adds {node.kubernetes.io/not-ready, Exists, NoExecute,
 * tolerationSeconds not_ready_s} and the same for node.kubernetes.io/unreachable to pod's
 * spec.tolerations unless one already tolerates that taint. The Pod kind's defaults hook
 * applies it on create with DAAS_KUBE_DEFAULT_TOLERATION; the API server applies it first
 * with its configured values. */
void daas_kube_pod_default_tolerations(json_t *pod, int64_t not_ready_s, int64_t unreachable_s);

#endif
