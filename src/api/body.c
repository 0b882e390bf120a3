/*
 * body.c: request bodies: decoding by Content-Type, apiVersion/kind checks, and unknown
 * fields by fieldValidation (Strict refuses them, Warn drops and names them, Ignore drops).
 *
 * Owns:   the mapping Content-Type → decoder (JSON, Kubernetes protobuf), the
 *         fieldValidation directive, the strict decoding error message and the warning texts,
 *         and, for a kind without descriptor tables (kube/pb_fields.c walks the others at
 *         every depth), the known top-level and metadata fields.
 * Invariants: a body that fails to decode is a 400 (415 for an unknown media type) and
 *             nothing is stored; under Warn and Ignore nothing unknown to the kind's schema
 *             is stored (except through JSON patches, which are not looked into).
 * Spec:   specs/kube-api.md §0 items 3-4, §2.4, §7; apiserver handlers/rest.go
 *         fieldValidation() (an absent directive means Warn), create.go/patch.go
 *         (strict-decoding errors become warnings under Warn).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "common/util.h"
#include "kube/obj.h"
#include "kube/pb.h"

static bool ct_is(const char *ct, const char *want)
{
    size_t n = strcspn(ct, "; ");
    return strlen(want) == n && strncasecmp(ct, want, n) == 0;
}

/* The fieldValidation directives (metav1.FieldValidation*), and anything else. */
enum { FV_WARN, FV_IGNORE, FV_STRICT, FV_BAD };

/* SPEC: apiserver handlers/rest.go fieldValidation(): "" (or no parameter) is Warn. */
static int fv_mode(const daas_api__req *r)
{
    char *fv = daas_api__query(r, "fieldValidation");
    int m = fv == NULL || fv[0] == '\0' || strcmp(fv, "Warn") == 0 ? FV_WARN
            : strcmp(fv, "Ignore") == 0                            ? FV_IGNORE
            : strcmp(fv, "Strict") == 0                            ? FV_STRICT
                                                                   : FV_BAD;
    daas_free(fv);
    return m;
}

static bool strict(const daas_api__req *r)
{
    return fv_mode(r) == FV_STRICT;
}

static int decode_json(daas_api__req *r, json_t **out, daas_err *err)
{
    json_error_t jerr;
    size_t flags = 0;
    if (strict(r))
        flags |= JSON_REJECT_DUPLICATES;
    json_t *o = json_loadb((const char *)r->http->body.ptr, r->http->body.len, flags, &jerr);
    if (o == NULL) {
        if (strict(r) && strstr(jerr.text, "duplicate"))
            return daas_fail(err, DAAS_EINVAL, "strict decoding error: %s", jerr.text);
        return daas_fail(err, DAAS_EINVAL,
                         "the body of the request could not be decoded as JSON: %s (line %d, "
                         "column %d)",
                         jerr.text, jerr.line, jerr.column);
    }
    *out = o;
    return DAAS_OK;
}

int daas_api__decode_body(daas_api__req *r, json_t **out, daas_err *err)
{
    const char *ct = daas_http_req_header(r->http, "Content-Type");
    if (r->http->body.len == 0)
        return daas_fail(err, DAAS_EINVAL, "the body of the request was empty");
    if (ct == NULL || ct_is(ct, "application/json") || ct_is(ct, "*/*") ||
        ct_is(ct, "application/merge-patch+json") || ct_is(ct, "application/json-patch+json") ||
        ct_is(ct, "application/strategic-merge-patch+json") ||
        ct_is(ct, "application/apply-patch+yaml"))
        return decode_json(r, out, err);
    if (ct_is(ct, "application/vnd.kubernetes.protobuf"))
        return daas_kube_pb_decode(r->http->body, out, err);
    return daas_fail(err, DAAS_EMEDIA,
                     "the body of the request was in an unknown format - accepted media types "
                     "include: application/json, application/vnd.kubernetes.protobuf");
}

int daas_api__check_gvk(const daas_kube_kind *k, const json_t *obj, bool allow_empty,
                        daas_err *err)
{
    char want[96];
    daas_kube_kind_api_version(k, want, sizeof want);
    if (!json_is_object(obj))
        return daas_fail(err, DAAS_EINVAL, "the body of the request must be a JSON object");
    const char *av = daas_kube_str(obj, "apiVersion");
    const char *kind = daas_kube_str(obj, "kind");
    if ((av == NULL || av[0] == '\0') && (kind == NULL || kind[0] == '\0') && !allow_empty)
        return daas_fail(err, DAAS_EINVAL, "Object 'Kind' is missing in the request body");
    if (av && av[0] && strcmp(av, want) != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "the API version in the data (%s) does not match the expected API "
                         "version (%s)",
                         av, want);
    if (kind && kind[0] && strcmp(kind, k->kind) != 0)
        return daas_fail(err, DAAS_EINVAL,
                         "the kind in the data (%s) does not match the expected kind (%s)", kind,
                         k->kind);
    json_object_set_new((json_t *)obj, "apiVersion", json_string(want));
    json_object_set_new((json_t *)obj, "kind", json_string(k->kind));
    return DAAS_OK;
}

/* ---- unknown fields ---- */

static const char *const meta_fields[] = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields", NULL};

/* Top-level fields per resource, besides apiVersion, kind and metadata. */
static const struct {
    const char *resource;
    const char *fields[16];
} top_fields[] = {
    {"configmaps", {"data", "binaryData", "immutable"}},
    {"secrets", {"data", "stringData", "type", "immutable"}},
    {"endpoints", {"subsets"}},
    {"endpointslices", {"addressType", "endpoints", "ports"}},
    {"serviceaccounts", {"secrets", "imagePullSecrets", "automountServiceAccountToken"}},
    {"events",
     {"involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp",
      "count", "type", "eventTime", "series", "action", "related", "reportingComponent",
      "reportingInstance"}},
};

/* A list of unknown-field paths: at most max written, n counts them all. */
typedef struct path_list {
    char (*paths)[DAAS_KUBE_PB_PATH_MAX];
    size_t max;
    size_t n;
} path_list;

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static const char *const *top_for(const daas_kube_kind *k)
{
    static const char *const spec_status[] = {"spec", "status", NULL};
    for (size_t i = 0; i < sizeof top_fields / sizeof top_fields[0]; i++)
        if (strcmp(top_fields[i].resource, k->resource) == 0)
            return top_fields[i].fields;
    return spec_status;
}

/* What the walk tolerates. Upstream checks the patched object, not the patch: a merge patch
 * may null out a field the object cannot have, and a strategic-merge patch also carries
 * $-directives ($patch, $setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...). */
static unsigned walk_opts(const daas_api__req *r)
{
    const char *ct = daas_http_req_header(r->http, "Content-Type");
    if (r->verb != DAAS_API_VERB_PATCH || ct == NULL)
        return 0;
    if (ct_is(ct, "application/strategic-merge-patch+json"))
        return DAAS_KUBE_PB_UF_SMP;
    if (ct_is(ct, "application/merge-patch+json"))
        return DAAS_KUBE_PB_UF_PATCH;
    return 0;
}

/* Records prefix + key, cut at a character boundary (key is valid UTF-8: jansson checked). */
static void add_path(path_list *l, const char *prefix, const char *key)
{
    if (l->n < l->max) {
        char *dst = l->paths[l->n];
        size_t p = strlen(prefix), n = strlen(key);
        if (n > DAAS_KUBE_PB_PATH_MAX - 1 - p) {
            n = DAAS_KUBE_PB_PATH_MAX - 1 - p;
            while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
                n--;
        }
        memcpy(dst, prefix, p);
        memcpy(dst + p, key, n);
        dst[p + n] = '\0';
    }
    l->n++;
}

/* The members of o not in known (NULL-terminated; top adds apiVersion, kind and metadata),
 * in document order, removed when prune is set. Keys the patch options tolerate stay. */
static void members_unknown(json_t *o, const char *const *known, bool top, unsigned opts,
                            const char *prefix, bool prune, path_list *l)
{
    const char *key;
    json_t *v;
    void *next;
    json_object_foreach_safe(o, next, key, v)
    {
        if (in_list(known, key) ||
            (top && (strcmp(key, "apiVersion") == 0 || strcmp(key, "kind") == 0 ||
                     strcmp(key, "metadata") == 0)) ||
            ((opts & DAAS_KUBE_PB_UF_SMP) && key[0] == '$') ||
            ((opts & (DAAS_KUBE_PB_UF_PATCH | DAAS_KUBE_PB_UF_SMP)) && json_is_null(v)))
            continue;
        add_path(l, prefix, key);
        if (prune)
            json_object_del(o, key);
    }
}

/* The kind has no descriptor tables: only top-level and metadata members are looked at. */
static void top_unknown(const daas_kube_kind *k, json_t *obj, unsigned opts, bool prune,
                        path_list *l)
{
    json_t *md = json_object_get(obj, "metadata");
    members_unknown(obj, top_for(k), true, opts, "", prune, l);
    if (json_is_object(md))
        members_unknown(md, meta_fields, false, opts, "metadata.", prune, l);
}

/* How many unknown fields one error names (upstream names them all; a daas_err holds one
 * line of 240 bytes). */
#define STRICT_MAX_REPORTED 5


/* Control bytes Go's strconv.Quote writes as \a \b \f \n \r \t \v. */
static const char go_letters[] = "\a\b\f\n\r\t\v";

/* The escape Go's strconv.Quote writes for the character of k bytes at s into esc[8], or the
 * character itself; returns its length. Bytes that are not UTF-8 become \xNN, other control
 * bytes \xNN, C1 controls and the soft hyphen (not printable for Go) \u00NN. */
static size_t go_char(const unsigned char *s, size_t k, char *esc)
{
    const char *letter = s[0] > 0 && s[0] < 0x20 ? strchr(go_letters, s[0]) : NULL;
    if (k == 0 || s[0] < 0x20 || s[0] == 0x7f) {
        if (letter != NULL)
            return (size_t)snprintf(esc, 8, "\\%c", "abfnrtv"[letter - go_letters]);
        return (size_t)snprintf(esc, 8, "\\x%02x", s[0]);
    }
    if (s[0] == '"' || s[0] == '\\')
        return (size_t)snprintf(esc, 8, "\\%c", s[0]);
    if (k == 2 && s[0] == 0xc2 && (s[1] < 0xa0 || s[1] == 0xad))
        return (size_t)snprintf(esc, 8, "\\u00%02x", s[1]);
    memcpy(esc, s, k);
    return k;
}

/* s quoted as Go's %q does (quote, backslash, control and non-UTF-8 bytes escaped) into
 * out[cap], cap >= 8. When it does not fit, it is cut between characters and ends in `..."`. */
static void go_quote(const char *str, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t o = 0;
    out[o++] = '"';
    while (*s) {
        char esc[8];
        size_t k = daas_utf8_seq(s);
        size_t n = go_char(s, k, esc);
        if (o + n + 5 > cap) { /* room for `..."` and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, esc, n);
        o += n;
        s += k > 0 ? k : 1;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* SPEC: apimachinery runtime.NewStrictDecodingError: "strict decoding error: " then each
 * `unknown field "path"`, joined by ", ". Only whole entries are added, so the message stays
 * valid UTF-8 within one daas_err line; the first one is cut to fit when it must. */
static int fail_unknown(daas_err *err, char (*paths)[DAAS_KUBE_PB_PATH_MAX], size_t n)
{
    char msg[sizeof((daas_err *)0)->msg];
    char q[sizeof msg];
    size_t len = (size_t)snprintf(msg, sizeof msg, "strict decoding error: ");
    for (size_t i = 0; i < n; i++) {
        const char *sep = i > 0 ? ", " : "";
        size_t room = sizeof msg - len - strlen(sep) - strlen("unknown field ");
        go_quote(paths[i], q, i == 0 ? room : sizeof q);
        if (len + strlen(sep) + strlen("unknown field ") + strlen(q) >= sizeof msg)
            break;
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%sunknown field %s", sep, q);
    }
    return daas_fail(err, DAAS_EINVAL, "%s", msg);
}

/* The unknown fields of obj into l, removed from obj when prune is set. */
static int find_unknown(daas_api__req *r, const daas_kube_kind *k, json_t *obj, bool prune,
                        path_list *l, daas_err *err)
{
    char av[96];
    bool known = false;
    unsigned opts = walk_opts(r);
    int rc;
    daas_kube_kind_api_version(k, av, sizeof av);
    if (prune)
        rc = daas_kube_pb_prune_unknown(av, k->kind, obj, opts, l->paths, l->max, &l->n, &known);
    else
        rc = daas_kube_pb_unknown_fields(av, k->kind, obj, opts, l->paths, l->max, &l->n,
                                         &known);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "strict decoding error: the body is not an object");
    if (!known)
        top_unknown(k, obj, opts, prune, l);
    return DAAS_OK;
}

/* SPEC: apiserver create.go/patch.go addStrictDecodingWarnings: one warning per unknown
 * field, the text of its strict-decoding error (`unknown field "spec.foo"`). */
static void warn_unknown(daas_api__req *r, const char *path)
{
    char q[DAAS_API_WARNING_MAX - sizeof "unknown field "];
    char text[DAAS_API_WARNING_MAX];
    go_quote(path, q, sizeof q);
    snprintf(text, sizeof text, "unknown field %s", q);
    daas_api__warn(r, text);
}

/* SPEC: apimachinery ValidateFieldValidation (field.NotSupported): upstream answers 422 on
 * the request's CreateOptions/UpdateOptions/PatchOptions. */
static int fail_directive(const daas_api__req *r, daas_err *err)
{
    char *fv = daas_api__query(r, "fieldValidation");
    char q[96];
    const char *opts = r->verb == DAAS_API_VERB_CREATE   ? "CreateOptions"
                       : r->verb == DAAS_API_VERB_UPDATE ? "UpdateOptions"
                                                         : "PatchOptions";
    go_quote(fv ? fv : "", q, sizeof q);
    daas_free(fv);
    return daas_fail(err, DAAS_EINVALID,
                     "%s.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: %s: "
                     "supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"",
                     opts, q);
}

int daas_api__check_fields(daas_api__req *r, const daas_kube_kind *k, json_t *obj,
                           daas_err *err)
{
    char paths[DAAS_API_MAX_WARNINGS][DAAS_KUBE_PB_PATH_MAX];
    path_list l = {.paths = paths, .max = DAAS_API_MAX_WARNINGS};
    int mode = fv_mode(r);
    int rc;
    if (mode == FV_BAD)
        return fail_directive(r, err);
    if (!json_is_object(obj))
        return DAAS_OK;
    if (mode == FV_STRICT) {
        l.max = STRICT_MAX_REPORTED;
        rc = find_unknown(r, k, obj, false, &l, err);
        if (rc != DAAS_OK || l.n == 0)
            return rc;
        return fail_unknown(err, paths, l.n < l.max ? l.n : l.max);
    }
    /* Warn and Ignore decode non-strictly upstream: what the Go struct has no field for is
     * not kept. */
    rc = find_unknown(r, k, obj, true, &l, err);
    for (size_t i = 0; rc == DAAS_OK && mode == FV_WARN && i < l.n && i < l.max; i++)
        warn_unknown(r, paths[i]);
    return rc;
}
