/*
 * names_int.h: private to src/kube: upstream name syntax checks as lists of messages, shared
 *              by the validation causes (kind.c) and the label selector parser (selector.c).
 *
 * Owns:   the name rules (DNS-1123 label/subdomain, DNS-1035 label, qualified name / label
 *         key, label value) and their upstream message wording.
 * Not:    how a caller reports the messages (field causes, one joined error line).
 * Invariants: pure functions; messages are static strings, never allocated.
 * Spec:   k8s.io/apimachinery/pkg/util/validation/validation.go (RegexError wording, including
 *         its double space before "or").
 */
#ifndef DAAS_KUBE_NAMES_INT_H
#define DAAS_KUBE_NAMES_INT_H

#include <stdbool.h>

/* Rules for object names. */
enum { DAAS_KUBE__NAME_SUBDOMAIN, DAAS_KUBE__NAME_LABEL, DAAS_KUBE__NAME_DNS1035 };

/* Most messages one qualified name can get (prefix length, prefix syntax, name length, name
 * syntax). */
#define DAAS_KUBE__QNAME_MSGS 4

/* Upstream's messages for name s under rule (at most 2: length, then syntax); 0 when valid. */
int daas_kube__name_msgs(const char *s, int rule, const char *msgs[2]);
/* IsQualifiedName (label_key false) or IsLabelKey (label_key true; wording differs only for
 * more than one '/'): the messages for s in upstream order; 0 when valid. */
int daas_kube__qname_msgs(const char *s, bool label_key, const char *msgs[DAAS_KUBE__QNAME_MSGS]);
/* IsValidLabelValue (<= 63, label value syntax): the messages for s; 0 when valid. */
int daas_kube__label_value_msgs(const char *s, const char *msgs[2]);
/* [a-z0-9]: a lower-case alphanumeric character. */
bool daas_kube__lower_alnum(char c);

#endif
