/*
 * body.c: request bodies: decoding by Content-Type, apiVersion/kind checks, and the
 * fieldValidation=Strict check for unknown fields.
 *
 * Owns:   the mapping Content-Type → decoder (JSON, Kubernetes protobuf), the strict
 *         decoding error message, and, for a kind without descriptor tables (kube/pb_fields.c
 *         walks the others at every depth), the known top-level and metadata fields.
 * Invariants: a body that fails to decode is a 400 (415 for an unknown media type) and
 *             nothing is stored.
 * Spec:   specs/kube-api.md §0 items 3-4, §2.4, §7.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "kube/obj.h"
#include "kube/pb.h"

static bool ct_is(const char *ct, const char *want)
{
    size_t n = strcspn(ct, "; ");
    return strlen(want) == n && strncasecmp(ct, want, n) == 0;
}

static bool strict(daas_api__req *r)
{
    char *fv = daas_api__query(r, "fieldValidation");
    bool s = fv && strcmp(fv, "Strict") == 0;
    daas_free(fv);
    return s;
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

/* ---- fieldValidation=Strict ---- */

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
    {"serviceaccounts", {"secrets", "imagePullSecrets", "automountServiceAccountToken"}},
    {"events",
     {"involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp",
      "count", "type", "eventTime", "series", "action", "related", "reportingComponent",
      "reportingInstance"}},
};

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

/* The kind has no descriptor tables: only top-level and metadata members are checked. */
static int check_top(const daas_kube_kind *k, const json_t *obj, daas_err *err)
{
    const char *key;
    json_t *v;
    const char *const *top = top_for(k);
    json_object_foreach((json_t *)obj, key, v)
    {
        if (strcmp(key, "apiVersion") == 0 || strcmp(key, "kind") == 0 ||
            strcmp(key, "metadata") == 0 || in_list(top, key))
            continue;
        return daas_fail(err, DAAS_EINVAL, "strict decoding error: unknown field \"%s\"", key);
    }
    json_object_foreach(json_object_get(obj, "metadata"), key, v)
    {
        if (!in_list(meta_fields, key))
            return daas_fail(err, DAAS_EINVAL,
                             "strict decoding error: unknown field \"metadata.%s\"", key);
    }
    return DAAS_OK;
}

/* How many unknown fields one error names (upstream names them all; a daas_err holds one
 * line of 240 bytes). */
#define STRICT_MAX_REPORTED 5

/* What the walk tolerates. Upstream checks the patched object, not the patch: a merge patch
 * may null out a field the object cannot have, and a strategic-merge patch also carries
 * $-directives ($patch, $setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...). */
static unsigned walk_opts(daas_api__req *r)
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

/* Bytes of the UTF-8 sequence led by c (the input is valid UTF-8: jansson checked it). */
static size_t utf8_seq(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
}

/* Control bytes Go's strconv.Quote writes as \a \b \f \n \r \t \v. */
static const char go_letters[] = "\a\b\f\n\r\t\v";

/* s quoted as Go's %q does for our paths (quote, backslash and control bytes escaped) into
 * out[cap]. When it does not fit, it is cut between characters and ends in `..."`. */
static void go_quote(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    out[o++] = '"';
    while (*s) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        size_t n = utf8_seq(c);
        const char *letter = c > 0 && c < 0x20 ? strchr(go_letters, c) : NULL;
        if (c == '"' || c == '\\')
            n = (size_t)snprintf(esc, sizeof esc, "\\%c", c);
        else if (letter != NULL)
            n = (size_t)snprintf(esc, sizeof esc, "\\%c", "abfnrtv"[letter - go_letters]);
        else if (c < 0x20 || c == 0x7f)
            n = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
        else
            memcpy(esc, s, n);
        if (o + n + 5 > cap) { /* room for `..."` and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, esc, n);
        o += n;
        s += c < 0x80 ? 1 : n;
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

int daas_api__check_fields(daas_api__req *r, const daas_kube_kind *k, const json_t *obj,
                           daas_err *err)
{
    char av[96];
    char paths[STRICT_MAX_REPORTED][DAAS_KUBE_PB_PATH_MAX];
    size_t found = 0;
    bool known = false;
    if (!strict(r) || !json_is_object(obj))
        return DAAS_OK;
    daas_kube_kind_api_version(k, av, sizeof av);
    int rc = daas_kube_pb_unknown_fields(av, k->kind, obj, walk_opts(r), paths, STRICT_MAX_REPORTED,
                                         &found, &known);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "strict decoding error: the body is not an object");
    if (!known)
        return check_top(k, obj, err);
    if (found == 0)
        return DAAS_OK;
    return fail_unknown(err, paths, found < STRICT_MAX_REPORTED ? found : STRICT_MAX_REPORTED);
}
