/*
 * kind_int.h: declarations shared by kind.c and the kind_<group>.c hook files only.
 *
 * Owns:   the hook prototypes each kind_<group>.c exports to kind.c's table, and the
 *         validation/formatting helpers (upstream message wording) the hook files share.
 * Not:    anything outside src/kube/kind*.c may include this file; the public contract is
 *         kind.h.
 * Invariants: helpers never fail and never keep pointers into their arguments.
 * Spec:   specs/kube-api.md §4, §6; upstream k8s.io/apimachinery/pkg/util/validation.
 */
#ifndef DAAS_KUBE_KIND_INT_H
#define DAAS_KUBE_KIND_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/kind.h"

/* Field paths ("spec.containers[12].ports[3].containerPort") fit in this. */
#define DAAS_KUBE__PATH_MAX 256

/* ---- validation causes with upstream wording (field.ErrorBody) ---- */

/* `Required value` or `Required value: <detail>` (detail may be NULL). */
void daas_kube__req(daas_kube_verr *v, const char *field, const char *detail);
/* `Invalid value: "<s>": <detail>` (string quoted like Go's %q). */
void daas_kube__inv_str(daas_kube_verr *v, const char *field, const char *s, const char *detail);
/* `Invalid value: <n>: <detail>`. */
void daas_kube__inv_int(daas_kube_verr *v, const char *field, int64_t n, const char *detail);
/* `Invalid value: <raw>: <detail>` with raw printed as given (Go %#v renderings). */
void daas_kube__inv_raw(daas_kube_verr *v, const char *field, const char *raw, const char *detail);
/* `Forbidden: <detail>`. */
void daas_kube__forbid(daas_kube_verr *v, const char *field, const char *detail);
/* `Unsupported value: "<s>": supported values: "a", "b"` (valid is NULL-terminated). */
void daas_kube__unsupported(daas_kube_verr *v, const char *field, const char *s,
                            const char *const *valid);
/* `Duplicate value: "<s>"`. */
void daas_kube__dup(daas_kube_verr *v, const char *field, const char *s);
/* `Too long: may not be more than <max> bytes`. */
void daas_kube__toolong(daas_kube_verr *v, const char *field, int64_t max);

/* ---- syntax checks that add causes ---- */

/* Label map: keys qualified names, values label values (<= 63). field: "metadata.labels". */
void daas_kube__check_labels(daas_kube_verr *v, const json_t *labels, const char *field);
/* IsValidLabelValue (<= 63, label value syntax) reported as Invalid at field. */
void daas_kube__check_label_value(daas_kube_verr *v, const char *field, const char *s);
/* One qualified name (label key, finalizer, annotation key) reported as Invalid at field. */
void daas_kube__check_qualified_name(daas_kube_verr *v, const char *field, const char *s);
/* A metav1.LabelSelector object (matchLabels + matchExpressions). */
void daas_kube__check_label_selector(daas_kube_verr *v, const json_t *sel, const char *field);
/* Port number 1..65535 at field (`must be between 1 and 65535, inclusive`). */
void daas_kube__check_port(daas_kube_verr *v, const char *field, int64_t port);
/* IsValidPortName (container port names, named target ports). */
void daas_kube__check_port_name(daas_kube_verr *v, const char *field, const char *s);
/* DNS-1123 label / subdomain, one Invalid cause per upstream message. */
void daas_kube__check_dns_label(daas_kube_verr *v, const char *field, const char *s);
void daas_kube__check_dns_subdomain(daas_kube_verr *v, const char *field, const char *s);
/* Enumerated string obj[key] at field: Required when missing or "", Unsupported when not in
 * valid (NULL-terminated). */
void daas_kube__check_enum(daas_kube_verr *v, const json_t *obj, const char *key, const char *field,
                           const char *const *valid);
/* Adds name to the set object seen; `Duplicate value` at field when it was there already. */
void daas_kube__check_unique(daas_kube_verr *v, const char *field, const char *name, json_t *seen);
/* The port protocols (core/v1 Protocol), NULL-terminated. */
extern const char *const daas_kube__protocols[];
/* Non-negative integer field if present (`must be greater than or equal to 0`). */
void daas_kube__check_nonneg(daas_kube_verr *v, const json_t *obj, const char *key,
                             const char *field);
/* check_nonneg of every status.<key> of obj (keys NULL-terminated): a workload's counters. */
void daas_kube__check_status_counts(daas_kube_verr *v, const json_t *obj,
                                    const char *const *keys);

/* ---- formatting ---- */

/* Appends s quoted like Go's strconv.Quote into buf (always NUL-terminated, truncating). */
void daas_kube__go_quote(const char *s, char *buf, size_t n);
/* labels.FormatLabels: "a=1,b=2" sorted by key, "<none>" when empty. New allocation. */
char *daas_kube__format_labels(const json_t *labels);
/* labels.Selector.String() of a LabelSelector: "" when empty or NULL; NULL when invalid
 * (caller picks "<invalid>" / "<error>"). New allocation (daas_free). */
char *daas_kube__selector_string(const json_t *sel);
/* Go's %#v of a map[string]string ("map[string]string{\"a\":\"b\"}"). New allocation. */
char *daas_kube__go_map(const json_t *m);
/* Go's %#v of a v1.LabelSelector. New allocation. */
char *daas_kube__go_selector(const json_t *sel);
/* True when the LabelSelector (as a selector) matches labels; invalid → false. */
bool daas_kube__selector_matches(const json_t *sel, const json_t *labels);
/* "5m" since an RFC 3339 timestamp string, or "<unknown>" when missing/unparseable. */
json_t *daas_kube__cell_since(const char *ts, int64_t now);
/* Number of keys of an object field (0 when missing). */
int64_t daas_kube__count(const json_t *obj, const char *dotted);
/* containers' names and images joined by "," (layoutContainerCells). Two new cells. */
void daas_kube__container_cells(const json_t *containers, json_t **names, json_t **images);
/* The object at dotted path, creating {} if missing; the array at key, creating []. */
json_t *daas_kube__arr(json_t *obj, const char *key);
/* Sets obj[key] when missing, null or "" (Go's unset string); steals val either way. */
void daas_kube__setdef(json_t *obj, const char *key, json_t *val);
/* True when both JSON values are equal, treating missing, null, {} and [] alike. */
bool daas_kube__equal_or_empty(const json_t *a, const json_t *b);

/* ---- hooks of kind_core.c ---- */
json_t *daas_kube__ns_row(const json_t *obj, int64_t now);
void daas_kube__ns_defaults(json_t *obj, const json_t *old);
json_t *daas_kube__node_row(const json_t *obj, int64_t now);
json_t *daas_kube__svc_row(const json_t *obj, int64_t now);
void daas_kube__svc_defaults(json_t *obj, const json_t *old);
void daas_kube__svc_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__ep_row(const json_t *obj, int64_t now);
json_t *daas_kube__cm_row(const json_t *obj, int64_t now);
void daas_kube__cm_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__secret_row(const json_t *obj, int64_t now);
void daas_kube__secret_defaults(json_t *obj, const json_t *old);
void daas_kube__secret_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__event_row(const json_t *obj, int64_t now);
void daas_kube__event_defaults(json_t *obj, const json_t *old);
void daas_kube__event_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__sa_row(const json_t *obj, int64_t now);

/* ---- hooks of kind_pod.c ---- */
json_t *daas_kube__pod_row(const json_t *obj, int64_t now);
void daas_kube__pod_defaults(json_t *obj, const json_t *old);
void daas_kube__pod_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
/* PodSpec defaults shared with templates (SetDefaults_PodSpec + containers, probes, ports,
 * volumes); pod-only admission defaults are not applied here. */
void daas_kube__podspec_defaults(json_t *spec);
/* PodSpec validation at path ("spec" or "spec.template.spec"). */
void daas_kube__podspec_validate(const json_t *spec, const char *path, daas_kube_verr *v);

/* ---- hooks of kind_apps.c ---- */
json_t *daas_kube__deploy_row(const json_t *obj, int64_t now);
void daas_kube__deploy_defaults(json_t *obj, const json_t *old);
void daas_kube__deploy_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
/* validate_status of the workload kinds: their status counters are >= 0. */
void daas_kube__deploy_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
void daas_kube__rs_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
void daas_kube__ds_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
void daas_kube__job_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__rs_row(const json_t *obj, int64_t now);
void daas_kube__rs_defaults(json_t *obj, const json_t *old);
void daas_kube__rs_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__ds_row(const json_t *obj, int64_t now);
void daas_kube__ds_defaults(json_t *obj, const json_t *old);
void daas_kube__ds_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
json_t *daas_kube__cr_row(const json_t *obj, int64_t now);
void daas_kube__cr_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);

/* ---- hooks of kind_batch.c ---- */
json_t *daas_kube__job_row(const json_t *obj, int64_t now);
void daas_kube__job_defaults(json_t *obj, const json_t *old);
void daas_kube__job_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);

/* ---- hooks of kind_coord.c ---- */
json_t *daas_kube__lease_row(const json_t *obj, int64_t now);
void daas_kube__lease_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);

/* ---- hooks of kind_discovery.c ---- */
json_t *daas_kube__eps_row(const json_t *obj, int64_t now);
void daas_kube__eps_defaults(json_t *obj, const json_t *old);
void daas_kube__eps_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);

/* ---- hooks of kind_policy.c ---- */
json_t *daas_kube__pdb_row(const json_t *obj, int64_t now);
void daas_kube__pdb_defaults(json_t *obj, const json_t *old);
void daas_kube__pdb_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);
void daas_kube__pdb_status_validate(const json_t *obj, const json_t *old, daas_kube_verr *v);

#endif
