/*
 * import.c: offline import of OCI image layout and docker-archive tarballs (image.h).
 *
 * Owns:   one pass over the archive: every blobs/sha256/<hex> entry is streamed into the
 *         store with its digest verified; other regular files (docker-archive layers and
 *         configs) are stored under their computed digest; index.json / manifest.json are
 *         kept in memory and read at the end.
 * Invariants: a docker-archive image becomes an OCI manifest built from its config and
 *         layers (in order); refs are set only after every blob they need is present.
 */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "image/tar.h"

#define REF_ANN "org.opencontainers.image.ref.name"

typedef struct imp_file {
    char *name;
    char digest[DAAS_IMAGE_DIGEST_LEN + 1];
    uint64_t size;
} imp_file;

typedef struct imp {
    daas_image_store *s;
    const char *name;
    void (*fn)(void *ctx, const char *ref, const char *digest);
    void *ctx;
    daas_buf index_json, manifest_json;
    imp_file *files;
    size_t n_files, cap_files;
} imp;

static int store_entry(imp *im, daas_image_tar *t, const char *digest, const char *name,
                       daas_err *err)
{
    daas_image_blob_writer *w = NULL;
    char buf[65536], got_d[DAAS_IMAGE_DIGEST_LEN + 1];
    int rc = daas_image_blob_begin(im->s, digest, &w, err);
    for (size_t got = 1; rc == DAAS_OK && got > 0;) {
        rc = daas_image_tar_read(t, buf, sizeof buf, &got, err);
        if (rc == DAAS_OK && got > 0)
            rc = daas_image_blob_write(w, buf, got, err);
    }
    uint64_t size = w ? daas_image_blob_written(w) : 0;
    if (rc != DAAS_OK) {
        daas_image_blob_abort(&w);
        return rc;
    }
    if ((rc = daas_image_blob_commit(&w, got_d, err)) != DAAS_OK)
        return rc;
    if (im->n_files == im->cap_files) {
        im->cap_files = im->cap_files ? im->cap_files * 2 : 16;
        im->files = daas_xrealloc(im->files, im->cap_files * sizeof *im->files);
    }
    imp_file *f = &im->files[im->n_files++];
    f->name = daas_xstrdup(name);
    memcpy(f->digest, got_d, sizeof got_d);
    f->size = size;
    return DAAS_OK;
}

static int slurp(daas_image_tar *t, daas_buf *b, daas_err *err)
{
    char buf[8192];
    daas_buf_reset(b);
    for (;;) {
        size_t got = 0;
        int rc = daas_image_tar_read(t, buf, sizeof buf, &got, err);
        if (rc != DAAS_OK || got == 0)
            return rc;
        if (daas_buf_append(b, buf, got) != DAAS_OK)
            return daas_fail(err, DAAS_ETOOBIG, "archive metadata file too large");
    }
}

static int one_entry(imp *im, daas_image_tar *t, const daas_image_tar_entry *e, daas_err *err)
{
    char path[DAAS_IMAGE_TAR_MAX_NAME + 2];
    int rc = daas_image_clean_path(e->name, path, sizeof path, err);
    if (rc != DAAS_OK || e->type != '0')
        return rc;
    if (strcmp(path, "index.json") == 0)
        return slurp(t, &im->index_json, err);
    if (strcmp(path, "manifest.json") == 0)
        return slurp(t, &im->manifest_json, err);
    if (strncmp(path, "blobs/sha256/", 13) == 0) {
        char *d = daas_xasprintf("sha256:%s", path + 13);
        rc = daas_image_digest_valid(d)
                 ? store_entry(im, t, d, path, err)
                 : daas_fail(err, DAAS_EINVAL, "bad blob name in archive: %.100s", path);
        daas_free(d);
        return rc;
    }
    if (strcmp(path, "oci-layout") == 0 || strcmp(path, "repositories") == 0)
        return DAAS_OK;
    return store_entry(im, t, NULL, path, err);
}

static void record(imp *im, const char *ref, const char *digest)
{
    if (im->fn)
        im->fn(im->ctx, ref, digest);
}

static int set_ref(imp *im, const char *ref, const char *digest, daas_err *err)
{
    int rc = ref ? daas_image_ref_set(im->s, ref, digest, err) : DAAS_OK;
    if (rc == DAAS_OK)
        record(im, ref, digest);
    return rc;
}

/* Checks that the manifest digest (resolved from an index when it is one) and all its
 * blobs are present; *mdigest receives the manifest to record (caller frees). */
static int resolve(imp *im, const char *digest, char **mdigest, daas_err *err)
{
    daas_buf b;
    daas_image_manifest m;
    daas_buf_init(&b, DAAS_IMAGE_MAX_JSON);
    memset(&m, 0, sizeof m);
    int rc = daas_image_blob_read(im->s, digest, DAAS_IMAGE_MAX_JSON, &b, err);
    if (rc == DAAS_OK)
        rc = daas_image_manifest_parse(b.data ? b.data : "", b.len, NULL, &m, err);
    if (rc == DAAS_OK && m.kind == DAAS_IMAGE_KIND_INDEX) {
        const daas_image_desc *d = NULL;
        rc = daas_image_index_pick(&m, "linux", "amd64", &d, err);
        if (rc == DAAS_OK) {
            char *inner = daas_xstrdup(d->digest);
            daas_image_manifest_fini(&m);
            daas_buf_fini(&b);
            rc = resolve(im, inner, mdigest, err);
            daas_free(inner);
            return rc;
        }
    }
    for (size_t i = 0; rc == DAAS_OK && i <= m.n_layers; i++) {
        const char *need = i < m.n_layers ? m.layers[i].digest : m.config.digest;
        if (!daas_image_blob_has(im->s, need))
            rc = daas_fail(err, DAAS_EINVAL, "archive lacks blob %s", need);
    }
    if (rc == DAAS_OK)
        *mdigest = daas_xstrdup(digest);
    daas_image_manifest_fini(&m);
    daas_buf_fini(&b);
    return rc;
}

static char *oci_ref(imp *im, json_t *desc)
{
    const char *a =
        json_string_value(json_object_get(json_object_get(desc, "annotations"), REF_ANN));
    if (a && (strchr(a, ':') || strchr(a, '/') || !im->name))
        return daas_xstrdup(a);
    if (a)
        return daas_xasprintf("%s:%s", im->name, a);
    return im->name ? daas_xstrdup(im->name) : NULL;
}

static int finish_oci(imp *im, daas_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(im->index_json.data, im->index_json.len, 0, &je);
    json_t *arr = json_object_get(root, "manifests");
    int rc =
        json_is_array(arr) ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "index.json has no manifests");
    size_t i;
    json_t *desc;
    json_array_foreach(arr, i, desc)
    {
        if (rc != DAAS_OK)
            break;
        const char *d = json_string_value(json_object_get(desc, "digest"));
        char *md = NULL, *ref = oci_ref(im, desc);
        rc = daas_image_digest_valid(d) ? resolve(im, d, &md, err)
                                        : daas_fail(err, DAAS_EINVAL, "index.json: bad digest");
        if (rc == DAAS_OK)
            rc = set_ref(im, ref, md, err);
        daas_free(md);
        daas_free(ref);
    }
    json_decref(root);
    return rc;
}

static const imp_file *find_file(const imp *im, const char *name)
{
    for (size_t i = 0; name && i < im->n_files; i++)
        if (strcmp(im->files[i].name, name) == 0)
            return &im->files[i];
    return NULL;
}

static json_t *desc_json(const char *mt, const imp_file *f)
{
    return json_pack("{s:s,s:s,s:I}", "mediaType", mt, "digest", f->digest, "size",
                     (json_int_t)f->size);
}

/* Builds and stores the OCI manifest of one docker-archive image; *digest gets its name. */
static int docker_manifest(imp *im, json_t *img, char *digest, daas_err *err)
{
    const imp_file *cfg = find_file(im, json_string_value(json_object_get(img, "Config")));
    json_t *layers = json_object_get(img, "Layers");
    if (!cfg || !json_is_array(layers))
        return daas_fail(err, DAAS_EINVAL, "manifest.json: missing Config or Layers");
    json_t *ls = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l)
    {
        const imp_file *f = find_file(im, json_string_value(l));
        if (!f) {
            json_decref(ls);
            return daas_fail(err, DAAS_EINVAL, "manifest.json names a missing layer");
        }
        json_array_append_new(ls, desc_json("application/vnd.oci.image.layer.v1.tar", f));
    }
    json_t *m = json_pack("{s:i,s:s,s:o,s:o}", "schemaVersion", 2, "mediaType",
                          DAAS_IMAGE_MT_OCI_MANIFEST, "config",
                          desc_json("application/vnd.oci.image.config.v1+json", cfg), "layers", ls);
    char *text = json_dumps(m, JSON_COMPACT);
    int rc = daas_image_blob_put(im->s, NULL, text, strlen(text), digest, err);
    free(text); /* jansson's */
    json_decref(m);
    return rc;
}

static int finish_docker(imp *im, daas_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(im->manifest_json.data, im->manifest_json.len, 0, &je);
    int rc =
        json_is_array(root) ? DAAS_OK : daas_fail(err, DAAS_EINVAL, "manifest.json is not a list");
    size_t i;
    json_t *img;
    json_array_foreach(root, i, img)
    {
        char d[DAAS_IMAGE_DIGEST_LEN + 1];
        if (rc != DAAS_OK || (rc = docker_manifest(im, img, d, err)) != DAAS_OK)
            break;
        json_t *tags = json_object_get(img, "RepoTags");
        size_t j;
        json_t *tag;
        bool named = false;
        json_array_foreach(tags, j, tag)
        {
            if (rc == DAAS_OK && json_string_value(tag)) {
                rc = set_ref(im, json_string_value(tag), d, err);
                named = true;
            }
        }
        if (rc == DAAS_OK && !named)
            rc = set_ref(im, im->name, d, err);
    }
    json_decref(root);
    return rc;
}

static void imp_fini(imp *im)
{
    for (size_t i = 0; i < im->n_files; i++)
        daas_free(im->files[i].name);
    daas_free(im->files);
    daas_buf_fini(&im->index_json);
    daas_buf_fini(&im->manifest_json);
}

int daas_image_import(daas_image_store *s, const char *path, const char *name,
                      void (*refs_fn)(void *ctx, const char *ref, const char *digest), void *ctx,
                      daas_err *err)
{
    imp im = {.s = s, .name = name, .fn = refs_fn, .ctx = ctx};
    daas_buf_init(&im.index_json, DAAS_IMAGE_MAX_JSON);
    daas_buf_init(&im.manifest_json, DAAS_IMAGE_MAX_JSON);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, errno == ENOENT ? DAAS_ENOTFOUND : DAAS_EIO, "%s: %s", path,
                         strerror(errno));
    daas_image_tar *t = daas_image_tar_open_fd(fd);
    const daas_image_tar_entry *e = NULL;
    int rc;
    while ((rc = daas_image_tar_next(t, &e, err)) == 1)
        if ((rc = one_entry(&im, t, e, err)) != DAAS_OK)
            break;
    daas_image_tar_close(&t);
    close(fd);
    if (rc == DAAS_OK && im.index_json.len)
        rc = finish_oci(&im, err);
    else if (rc == DAAS_OK && im.manifest_json.len)
        rc = finish_docker(&im, err);
    else if (rc == DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL,
                       "%s is neither an OCI layout (index.json) nor a docker archive "
                       "(manifest.json)",
                       path);
    imp_fini(&im);
    return rc;
}
