/*
 * podres_pull.c: registry credentials for a pod's image from its imagePullSecrets
 * (kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg Secrets, opened through Seal
 * like every other Secret of the pod).
 *
 * Owns:   matching a registry key of a docker config ("https://host:port/v2/", "host/path",
 *         "*.example.com", Docker Hub's aliases) against an image reference, as the kubelet's
 *         credentialprovider.BasicDockerKeyring does.
 * Not:    the pull and its auth flows (image/pull.c).
 * Invariants: the credentials never reach a log or an error message; every copy of them
 *         this file makes is wiped before it is freed.
 */
#include "agent/podres_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "common/util.h"
#include "image/image.h"

#define HOST_MAX 256

/* Overwrites every string of a JSON tree (a parsed docker config holds passwords). */
static void json_wipe(json_t *j)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_string(j))
        OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
    else if (json_is_object(j))
        json_object_foreach(j, k, v) json_wipe(v);
    else if (json_is_array(j))
        json_array_foreach(j, i, v) json_wipe(v);
}

/* Docker Hub's names are one registry. */
static const char *hub_alias(const char *host)
{
    static const char *const hub[] = {"index.docker.io", "registry-1.docker.io",
                                      "registry.hub.docker.com", "docker.io"};
    for (size_t i = 0; i < sizeof hub / sizeof hub[0]; i++)
        if (strcasecmp(host, hub[i]) == 0)
            return "docker.io";
    return host;
}

/* A config key as host (lower case, Hub aliases folded) and path (without /v1/ or /v2/). */
static bool split_key(const char *key, char *host, size_t n, const char **path)
{
    if (strncasecmp(key, "https://", 8) == 0)
        key += 8;
    else if (strncasecmp(key, "http://", 7) == 0)
        key += 7;
    size_t hl = strcspn(key, "/");
    if (hl == 0 || hl >= n)
        return false;
    for (size_t i = 0; i < hl; i++)
        host[i] = (char)tolower((unsigned char)key[i]);
    host[hl] = '\0';
    if (hub_alias(host) != host)
        snprintf(host, n, "docker.io");
    const char *p = key + hl;
    if (strncmp(p, "/v1/", 4) == 0 || strncmp(p, "/v2/", 4) == 0)
        p += 3;
    while (*p == '/')
        p++;
    *path = p;
    return true;
}

/* Whether pattern (a key's host, "*." allowed as its first label) names host. */
static bool host_matches(const char *pattern, const char *host)
{
    if (strncmp(pattern, "*.", 2) != 0)
        return strcasecmp(pattern, host) == 0;
    const char *dot = strchr(host, '.');
    return dot != NULL && dot != host && strcasecmp(dot + 1, pattern + 2) == 0;
}

/* Whether a docker config key applies to the image at host/name. */
static bool key_matches(const char *key, const daas_image_ref *ref)
{
    char khost[HOST_MAX], ihost[HOST_MAX];
    const char *path;
    if (!split_key(key, khost, sizeof khost, &path))
        return false;
    snprintf(ihost, sizeof ihost, "%s", hub_alias(ref->host));
    if (!host_matches(khost, ihost))
        return false;
    size_t pl = strlen(path);
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    return pl == 0 ||
           (strncmp(ref->name, path, pl) == 0 && (ref->name[pl] == '\0' || ref->name[pl] == '/'));
}

/* user and password of one config entry ("username"/"password", else "auth" =
 * base64("user:password")). */
static bool entry_creds(const json_t *e, char **user, char **password)
{
    const char *u = json_string_value(json_object_get(e, "username"));
    const char *p = json_string_value(json_object_get(e, "password"));
    const char *a = json_string_value(json_object_get(e, "auth"));
    if (u != NULL && u[0] != '\0') {
        *user = daas_xstrdup(u);
        *password = daas_xstrdup(p ? p : "");
        return true;
    }
    daas_buf b = {0};
    bool ok = a != NULL && daas_base64_decode(a, strlen(a), &b) == DAAS_OK && b.data != NULL &&
              strlen(b.data) == b.len && strchr(b.data, ':') != NULL;
    if (ok) {
        char *colon = strchr(b.data, ':');
        *user = daas_xstrndup(b.data, (size_t)(colon - b.data));
        *password = daas_xstrdup(colon + 1);
    }
    daas_agent_podres__buf_wipe(&b);
    return ok;
}

/* The credentials for ref in one opened pull Secret, if it has them. */
static bool secret_creds(const json_t *sec, const daas_image_ref *ref, char **user, char **password)
{
    const char *type = json_string_value(json_object_get(sec, "type"));
    bool cfgjson = type != NULL && strcmp(type, "kubernetes.io/dockerconfigjson") == 0;
    bool cfg = type != NULL && strcmp(type, "kubernetes.io/dockercfg") == 0;
    daas_buf b = {0};
    bool found = false;
    if (!cfgjson && !cfg)
        return false;
    if (daas_agent_podres__value(sec, true, cfgjson ? ".dockerconfigjson" : ".dockercfg", &b,
                                 NULL) != DAAS_OK) {
        daas_agent_podres__buf_wipe(&b);
        return false;
    }
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    const json_t *auths = cfgjson ? json_object_get(j, "auths") : j;
    const char *key;
    const json_t *e;
    json_object_foreach((json_t *)auths, key, e)
    {
        if (key_matches(key, ref) && entry_creds(e, user, password)) {
            found = true;
            break;
        }
    }
    json_wipe(j);
    json_decref(j);
    daas_agent_podres__buf_wipe(&b);
    return found;
}

int daas_agent_podres_pull_creds(daas_agent_podres *r, const json_t *pod, const char *image,
                                 char **user, char **password, daas_err *err)
{
    const json_t *meta = json_object_get(pod, "metadata");
    const char *uid = json_string_value(json_object_get(meta, "uid"));
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    daas_image_ref ref = {0};
    size_t i;
    const json_t *ps;
    *user = *password = NULL;
    int rc = daas_image_ref_parse(image, &ref, err);
    if (rc == DAAS_OK && (uid == NULL || ns == NULL))
        rc = daas_fail(err, DAAS_EINVAL, "pod without a uid or namespace");
    json_array_foreach(json_object_get(json_object_get(pod, "spec"), "imagePullSecrets"), i, ps)
    {
        const char *name = json_string_value(json_object_get(ps, "name"));
        const json_t *sec = NULL;
        daas_err e = {0};
        if (rc != DAAS_OK || *user != NULL || name == NULL)
            continue;
        rc = daas_agent_podres__get(r, uid, true, ns, name, &sec, NULL, &e);
        if (rc == DAAS_ENOTFOUND) { /* as the kubelet: a warning, then the next one */
            DAAS_WARN("agent", "pod %s/%s: imagePullSecret %s not found", ns,
                      json_string_value(json_object_get(meta, "name")), name);
            rc = DAAS_OK;
        } else if (rc != DAAS_OK) {
            rc = daas_fail(err, rc, "imagePullSecrets: %s", e.msg);
        } else {
            secret_creds(sec, &ref, user, password);
        }
    }
    daas_image_ref_fini(&ref);
    if (rc != DAAS_OK)
        daas_agent_podres_creds_free(user, password);
    return rc;
}

void daas_agent_podres_creds_free(char **user, char **password)
{
    char **v[] = {user, password};
    for (size_t i = 0; i < 2; i++) {
        if (v[i] != NULL && *v[i] != NULL) {
            OPENSSL_cleanse(*v[i], strlen(*v[i]));
            daas_free(*v[i]);
            *v[i] = NULL;
        }
    }
}
