/*
 * selector.h: label selectors (equality and set-based) and field selectors.
 *
 * Owns:   parsing selector strings from URLs, matching them against objects, turning a
 *         LabelSelector object (matchLabels/matchExpressions) into a selector and a string.
 * Invariants: parsers reject what upstream rejects with DAAS_EINVAL and a message in
 *             upstream's words (e.g. `field label not supported: spec.foo`); matching never
 *             allocates.
 * Spec:   specs/kube-api.md §6.2.
 */
#ifndef DAAS_KUBE_SELECTOR_H
#define DAAS_KUBE_SELECTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"

typedef struct daas_kube_labelsel daas_kube_labelsel;
typedef struct daas_kube_fieldsel daas_kube_fieldsel;

/* "k=v,k2!=v,k3 in (a,b),k4 notin (c),k5,!k6". "" matches everything. */
DAAS_MUST_USE int daas_kube_labelsel_parse(const char *s, daas_kube_labelsel **out,
                                           daas_err *err);
/* From a metav1.LabelSelector JSON object. NULL or {} matches everything (callers that
 * must reject empty selectors check themselves). */
DAAS_MUST_USE int daas_kube_labelsel_from_json(const json_t *sel, daas_kube_labelsel **out,
                                               daas_err *err);
/* labels: the object's metadata.labels (an object, or NULL for none). */
bool daas_kube_labelsel_match(const daas_kube_labelsel *sel, const json_t *labels);
/* Canonical string form ("app=web,tier in (a,b)"), new allocation (daas_free). */
char *daas_kube_labelsel_string(const daas_kube_labelsel *sel);
void daas_kube_labelsel_free(daas_kube_labelsel **sel);

/* "metadata.name=x,status.phase!=Failed". allowed: extra field names the kind supports
 * (NULL-terminated, may be NULL); metadata.name and metadata.namespace always are. */
DAAS_MUST_USE int daas_kube_fieldsel_parse(const char *s, const char *const *allowed,
                                           daas_kube_fieldsel **out, daas_err *err);
/* Matches against the object's field values (a missing field is ""; booleans are
 * "true"/"false"; numbers in decimal). */
bool daas_kube_fieldsel_match(const daas_kube_fieldsel *sel, const json_t *obj);
/* When the selector pins metadata.name to one value ("metadata.name=x"), that value. */
const char *daas_kube_fieldsel_name(const daas_kube_fieldsel *sel);
void daas_kube_fieldsel_free(daas_kube_fieldsel **sel);

#endif
