/*
 * manifest.c: parsers for OCI/Docker manifests, indexes and image configs (image.h), and
 *             the store look-ups built on them (manifest and config of a ref).
 *
 * Owns:   nothing beyond the parsed structs (freed by their _fini).
 * Invariants: every digest in a parsed manifest is valid (it later names a file); sizes
 *         are non-negative; inputs are bounded by DAAS_IMAGE_MAX_JSON.
 */
#include "image/image.h"

#include <string.h>

#include <jansson.h>

static char *opt_str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? daas_xstrdup(v) : NULL;
}

static int parse_desc(json_t *o, const char *what, daas_image_desc *d, daas_err *err)
{
    if (!json_is_object(o))
        return daas_fail(err, DAAS_EINVAL, "manifest: %s is not an object", what);
    d->media_type = opt_str(o, "mediaType");
    d->digest = opt_str(o, "digest");
    json_t *sz = json_object_get(o, "size");
    d->size = json_is_integer(sz) ? json_integer_value(sz) : -1;
    if (!daas_image_digest_valid(d->digest))
        return daas_fail(err, DAAS_EINVAL, "manifest: %s has no valid sha256 digest", what);
    if (d->size < 0)
        return daas_fail(err, DAAS_EINVAL, "manifest: %s has no valid size", what);
    json_t *pl = json_object_get(o, "platform");
    if (json_is_object(pl)) {
        d->os = opt_str(pl, "os");
        d->arch = opt_str(pl, "architecture");
        d->variant = opt_str(pl, "variant");
    }
    return DAAS_OK;
}

static void desc_fini(daas_image_desc *d)
{
    daas_free(d->media_type);
    daas_free(d->digest);
    daas_free(d->os);
    daas_free(d->arch);
    daas_free(d->variant);
    memset(d, 0, sizeof *d);
}

static int parse_list(json_t *arr, const char *what, daas_image_desc **out, size_t *n,
                      daas_err *err)
{
    if (!json_is_array(arr))
        return daas_fail(err, DAAS_EINVAL, "manifest: no %s array", what);
    size_t k = json_array_size(arr);
    if (k > 4096)
        return daas_fail(err, DAAS_EINVAL, "manifest: too many %s", what);
    *out = daas_xcalloc(k ? k : 1, sizeof **out);
    *n = k;
    for (size_t i = 0; i < k; i++) {
        int rc = parse_desc(json_array_get(arr, i), what, &(*out)[i], err);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

static int kind_of(json_t *root, const char *content_type)
{
    const char *mt = json_string_value(json_object_get(root, "mediaType"));
    const char *t = mt ? mt : content_type;
    if (t && (strncmp(t, DAAS_IMAGE_MT_OCI_INDEX, strlen(DAAS_IMAGE_MT_OCI_INDEX)) == 0 ||
              strncmp(t, DAAS_IMAGE_MT_DOCKER_LIST, strlen(DAAS_IMAGE_MT_DOCKER_LIST)) == 0))
        return DAAS_IMAGE_KIND_INDEX;
    if (t &&
        (strncmp(t, DAAS_IMAGE_MT_OCI_MANIFEST, strlen(DAAS_IMAGE_MT_OCI_MANIFEST)) == 0 ||
         strncmp(t, DAAS_IMAGE_MT_DOCKER_MANIFEST, strlen(DAAS_IMAGE_MT_DOCKER_MANIFEST)) == 0))
        return DAAS_IMAGE_KIND_MANIFEST;
    if (json_object_get(root, "manifests"))
        return DAAS_IMAGE_KIND_INDEX;
    if (json_object_get(root, "layers"))
        return DAAS_IMAGE_KIND_MANIFEST;
    return 0;
}

int daas_image_manifest_parse(const char *json, size_t len, const char *content_type,
                              daas_image_manifest *m, daas_err *err)
{
    memset(m, 0, sizeof *m);
    if (len > DAAS_IMAGE_MAX_JSON)
        return daas_fail(err, DAAS_ETOOBIG, "manifest larger than %zu bytes", DAAS_IMAGE_MAX_JSON);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return daas_fail(err, DAAS_EINVAL, "manifest is not a JSON object%s%s", root ? "" : ": ",
                         root ? "" : je.text);
    }
    int rc = DAAS_OK;
    json_t *sv = json_object_get(root, "schemaVersion");
    m->kind = kind_of(root, content_type);
    if (!json_is_integer(sv) || json_integer_value(sv) != 2)
        rc = daas_fail(err, DAAS_EINVAL, "manifest: unsupported schemaVersion (want 2)");
    else if (m->kind == DAAS_IMAGE_KIND_INDEX)
        rc = parse_list(json_object_get(root, "manifests"), "manifests", &m->manifests,
                        &m->n_manifests, err);
    else if (m->kind == DAAS_IMAGE_KIND_MANIFEST) {
        rc = parse_desc(json_object_get(root, "config"), "config", &m->config, err);
        if (rc == DAAS_OK)
            rc = parse_list(json_object_get(root, "layers"), "layers", &m->layers, &m->n_layers,
                            err);
    } else
        rc = daas_fail(err, DAAS_EMEDIA, "unsupported manifest type %s",
                       content_type ? content_type : "(none)");
    json_decref(root);
    return rc;
}

void daas_image_manifest_fini(daas_image_manifest *m)
{
    desc_fini(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        desc_fini(&m->layers[i]);
    for (size_t i = 0; i < m->n_manifests; i++)
        desc_fini(&m->manifests[i]);
    daas_free(m->layers);
    daas_free(m->manifests);
    memset(m, 0, sizeof *m);
}

int daas_image_index_pick(const daas_image_manifest *idx, const char *os, const char *arch,
                          const daas_image_desc **out, daas_err *err)
{
    daas_buf have;
    daas_buf_init(&have, 200);
    for (size_t i = 0; i < idx->n_manifests; i++) {
        const daas_image_desc *d = &idx->manifests[i];
        if (d->os && d->arch && strcmp(d->os, os) == 0 && strcmp(d->arch, arch) == 0) {
            daas_buf_fini(&have);
            *out = d;
            return DAAS_OK;
        }
        bool listed = d->os && d->arch && strcmp(d->os, "unknown") != 0;
        if (listed && daas_buf_printf(&have, "%s%s/%s", have.len ? ", " : "", d->os, d->arch))
            continue; /* the list is full: keep looking for a match */
    }
    int rc = daas_fail(err, DAAS_ENOTFOUND, "no %s/%s image; the index has: %s", os, arch,
                       have.len ? have.data : "no platforms");
    daas_buf_fini(&have);
    return rc;
}

static int str_vec(json_t *arr, char ***out, daas_err *err)
{
    if (!arr || json_is_null(arr))
        return DAAS_OK;
    if (!json_is_array(arr) || json_array_size(arr) > 65536)
        return daas_fail(err, DAAS_EINVAL, "image config: expected an array of strings");
    size_t n = json_array_size(arr);
    char **v = daas_xcalloc(n + 1, sizeof *v);
    *out = v;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s)
            return daas_fail(err, DAAS_EINVAL, "image config: expected an array of strings");
        v[i] = daas_xstrdup(s);
    }
    return DAAS_OK;
}

int daas_image_config_parse(const char *json, size_t len, daas_image_cfg *cfg, daas_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    if (len > DAAS_IMAGE_MAX_JSON)
        return daas_fail(err, DAAS_ETOOBIG, "image config larger than %zu bytes",
                         DAAS_IMAGE_MAX_JSON);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return daas_fail(err, DAAS_EINVAL, "image config is not a JSON object");
    }
    cfg->os = opt_str(root, "os");
    cfg->arch = opt_str(root, "architecture");
    json_t *c = json_object_get(root, "config");
    int rc = DAAS_OK;
    if (json_is_object(c)) {
        rc = str_vec(json_object_get(c, "Entrypoint"), &cfg->entrypoint, err);
        if (rc == DAAS_OK)
            rc = str_vec(json_object_get(c, "Cmd"), &cfg->cmd, err);
        if (rc == DAAS_OK)
            rc = str_vec(json_object_get(c, "Env"), &cfg->env, err);
        cfg->working_dir = opt_str(c, "WorkingDir");
        cfg->user = opt_str(c, "User");
    }
    json_decref(root);
    return rc;
}

static void vec_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        daas_free(v[i]);
    daas_free(v);
}

void daas_image_config_fini(daas_image_cfg *cfg)
{
    vec_free(cfg->entrypoint);
    vec_free(cfg->cmd);
    vec_free(cfg->env);
    daas_free(cfg->working_dir);
    daas_free(cfg->user);
    daas_free(cfg->os);
    daas_free(cfg->arch);
    memset(cfg, 0, sizeof *cfg);
}

int daas_image_manifest_load(const daas_image_store *s, const char *ref, daas_image_manifest *m,
                             daas_err *err)
{
    char *digest = NULL;
    daas_buf b;
    memset(m, 0, sizeof *m);
    daas_buf_init(&b, DAAS_IMAGE_MAX_JSON);
    int rc = daas_image_ref_get(s, ref, &digest, err);
    if (rc == DAAS_OK)
        rc = daas_image_blob_read(s, digest, DAAS_IMAGE_MAX_JSON, &b, err);
    if (rc == DAAS_OK)
        rc = daas_image_manifest_parse(b.data ? b.data : "", b.len, NULL, m, err);
    if (rc == DAAS_OK && m->kind != DAAS_IMAGE_KIND_MANIFEST)
        rc = daas_fail(err, DAAS_EINVAL, "%s names an index, not a manifest", ref);
    daas_free(digest);
    daas_buf_fini(&b);
    return rc;
}

int daas_image_config(const daas_image_store *s, const char *ref, daas_image_cfg *cfg,
                      daas_err *err)
{
    daas_image_manifest m;
    daas_buf b;
    memset(cfg, 0, sizeof *cfg);
    daas_buf_init(&b, DAAS_IMAGE_MAX_JSON);
    int rc = daas_image_manifest_load(s, ref, &m, err);
    if (rc == DAAS_OK)
        rc = daas_image_blob_read(s, m.config.digest, DAAS_IMAGE_MAX_JSON, &b, err);
    if (rc == DAAS_OK)
        rc = daas_image_config_parse(b.data ? b.data : "", b.len, cfg, err);
    daas_image_manifest_fini(&m);
    daas_buf_fini(&b);
    return rc;
}
