/*
 * names.c: upstream name syntax (DNS-1123 / DNS-1035 labels, subdomains, qualified names,
 *          label values) as lists of upstream messages, and the public dns1123 predicates.
 *
 * Owns:   the regular expressions (hand-written) and the message texts of those rules.
 * Not:    turning messages into field causes (kind.c) or selector errors (selector.c).
 * Invariants: pure functions; no allocation; messages are static strings.
 * Spec:   k8s.io/apimachinery/pkg/util/validation/validation.go.
 */
#include "kube/names_int.h"

#include <stddef.h>
#include <string.h>

#include "kube/kind.h"

/* SPEC: validation.go RegexError wording, including its double space before "or". */
#define MSG_LABEL                                                                                  \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "       \
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "       \
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define MSG_SUBDOMAIN                                                                              \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "      \
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "          \
    "regex used for validation is "                                                                \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define MSG_DNS1035                                                                                \
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "      \
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "        \
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define MSG_QNAME                                                                                  \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "       \
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "      \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define MSG_LABEL_VALUE                                                                            \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "       \
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "          \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define MSG_QNAME_SLASHES                                                                          \
    " " MSG_QNAME " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"

bool daas_kube__lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool alnum(char c)
{
    return daas_kube__lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n). */
static bool label_re(const char *s, size_t n)
{
    if (n == 0 || !daas_kube__lower_alnum(s[0]) || !daas_kube__lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!daas_kube__lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

/* Dot-separated labels over s[0..n). */
static bool subdomain_re(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!label_re(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n). */
static bool qname_re(const char *s, size_t n)
{
    if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

int daas_kube__name_msgs(const char *s, int rule, const char *msgs[2])
{
    int n = 0;
    size_t len = strlen(s);
    size_t max = rule == DAAS_KUBE__NAME_SUBDOMAIN ? 253 : 63;
    if (len > max)
        msgs[n++] = rule == DAAS_KUBE__NAME_SUBDOMAIN ? "must be no more than 253 characters"
                                                      : "must be no more than 63 characters";
    if (rule == DAAS_KUBE__NAME_SUBDOMAIN && !subdomain_re(s, len))
        msgs[n++] = MSG_SUBDOMAIN;
    else if (rule == DAAS_KUBE__NAME_LABEL && !label_re(s, len))
        msgs[n++] = MSG_LABEL;
    else if (rule == DAAS_KUBE__NAME_DNS1035 &&
             (!label_re(s, len) || !(s[0] >= 'a' && s[0] <= 'z')))
        msgs[n++] = MSG_DNS1035;
    return n;
}

int daas_kube__qname_msgs(const char *s, bool label_key, const char *msgs[DAAS_KUBE__QNAME_MSGS])
{
    int n = 0;
    const char *slash = strchr(s, '/');
    const char *name = s;
    if (slash != NULL && strchr(slash + 1, '/') != NULL) {
        msgs[n++] = label_key ? "a valid label key" MSG_QNAME_SLASHES
                              : "a qualified name" MSG_QNAME_SLASHES;
        return n;
    }
    if (slash != NULL) {
        size_t plen = (size_t)(slash - s);
        if (plen == 0)
            msgs[n++] = "prefix part must be non-empty";
        else if (plen > 253)
            msgs[n++] = "prefix part must be no more than 253 characters";
        if (plen > 0 && !subdomain_re(s, plen))
            msgs[n++] = "prefix part " MSG_SUBDOMAIN;
        name = slash + 1;
    }
    size_t nlen = strlen(name);
    if (nlen == 0)
        msgs[n++] = "name part must be non-empty";
    else if (nlen > 63)
        msgs[n++] = "name part must be no more than 63 characters";
    if (!qname_re(name, nlen))
        msgs[n++] = "name part " MSG_QNAME;
    return n;
}

int daas_kube__label_value_msgs(const char *s, const char *msgs[2])
{
    int n = 0;
    size_t len = strlen(s);
    if (len > 63)
        msgs[n++] = "must be no more than 63 characters";
    if (len > 0 && !qname_re(s, len))
        msgs[n++] = MSG_LABEL_VALUE;
    return n;
}

/* True when s (NULL as "") passes rule; else *why (may be NULL) is upstream's first message. */
static bool name_ok(const char *s, int rule, const char **why)
{
    const char *m[2];
    if (daas_kube__name_msgs(s ? s : "", rule, m) == 0)
        return true;
    if (why != NULL)
        *why = m[0];
    return false;
}

bool daas_kube_is_dns1123_label(const char *s, const char **why)
{
    return name_ok(s, DAAS_KUBE__NAME_LABEL, why);
}

bool daas_kube_is_dns1123_subdomain(const char *s, const char **why)
{
    return name_ok(s, DAAS_KUBE__NAME_SUBDOMAIN, why);
}
