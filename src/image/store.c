/*
 * store.c: the content-addressed image store of image.h: verified blobs and refs.json.
 *
 * Owns:   <dir>/blobs/sha256/<hex>, their temp files (<hex or "new">.tmp-<random> in the
 *         same directory), <dir>/refs.json.
 * Invariants: a blob is renamed into place only after its SHA-256 matched; a failed or
 *         aborted write unlinks its temp file; refs.json is rewritten with
 *         daas_write_file_atomic.
 */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/util.h"

struct daas_image_store {
    char *dir;
};

struct daas_image_blob_writer {
    daas_image_store *s;
    char *want; /* expected digest, or NULL */
    char *tmp;  /* temp file path */
    int fd;
    EVP_MD_CTX *md;
    uint64_t n;
};

bool daas_image_digest_valid(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != DAAS_IMAGE_DIGEST_LEN)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

void daas_image_digest_of(const void *p, size_t n, char *out)
{
    uint8_t h[32];
    unsigned int hl = 0;
    EVP_Digest(p, n, h, &hl, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 7);
    daas_hex_encode(h, 32, out + 7);
}

int daas_image_store_open(const char *dir, daas_image_store **out, daas_err *err)
{
    char *blobs = daas_xasprintf("%s/blobs/sha256", dir);
    int rc = daas_mkdir_p(blobs, err);
    daas_free(blobs);
    if (rc != DAAS_OK)
        return rc;
    daas_image_store *s = daas_xcalloc(1, sizeof *s);
    s->dir = daas_xstrdup(dir);
    *out = s;
    return DAAS_OK;
}

void daas_image_store_close(daas_image_store **sp)
{
    if (!*sp)
        return;
    daas_free((*sp)->dir);
    daas_free(*sp);
    *sp = NULL;
}

const char *daas_image_store_dir(const daas_image_store *s)
{
    return s->dir;
}

char *daas_image_blob_path(const daas_image_store *s, const char *digest)
{
    if (!daas_image_digest_valid(digest))
        return NULL;
    return daas_xasprintf("%s/blobs/sha256/%s", s->dir, digest + 7);
}

bool daas_image_blob_has(const daas_image_store *s, const char *digest)
{
    char *p = daas_image_blob_path(s, digest);
    struct stat st;
    bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    daas_free(p);
    return ok;
}

int daas_image_blob_begin(daas_image_store *s, const char *digest, daas_image_blob_writer **out,
                          daas_err *err)
{
    if (digest && !daas_image_digest_valid(digest))
        return daas_fail(err, DAAS_EINVAL, "invalid digest \"%.80s\"", digest);
    uint8_t r[6];
    char rh[13];
    daas_random(r, sizeof r);
    daas_hex_encode(r, sizeof r, rh);
    daas_image_blob_writer *w = daas_xcalloc(1, sizeof *w);
    w->s = s;
    w->want = digest ? daas_xstrdup(digest) : NULL;
    w->tmp = daas_xasprintf("%s/blobs/sha256/%s.tmp-%s", s->dir, digest ? digest + 7 : "new", rh);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int e = errno;
        daas_image_blob_abort(&w);
        return daas_fail(err, daas_from_errno(e) == DAAS_ENOTFOUND ? DAAS_EIO : daas_from_errno(e),
                         "creating a blob in %s: %s", s->dir, strerror(e));
    }
    w->md = EVP_MD_CTX_new();
    if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
        daas_image_blob_abort(&w);
        return daas_from_ssl(err, "sha256 init");
    }
    *out = w;
    return DAAS_OK;
}

int daas_image_blob_write(daas_image_blob_writer *w, const void *p, size_t n, daas_err *err)
{
    if (EVP_DigestUpdate(w->md, p, n) != 1)
        return daas_from_ssl(err, "sha256 update");
    int e = daas_write_all(w->fd, p, n);
    if (e != 0)
        return daas_fail(err, DAAS_EIO, "writing blob %s: %s", w->tmp, strerror(e));
    w->n += n;
    return DAAS_OK;
}

uint64_t daas_image_blob_written(const daas_image_blob_writer *w)
{
    return w->n;
}

void daas_image_blob_abort(daas_image_blob_writer **wp)
{
    daas_image_blob_writer *w = *wp;
    if (!w)
        return;
    if (w->fd >= 0) {
        close(w->fd);
        unlink(w->tmp);
    }
    EVP_MD_CTX_free(w->md);
    daas_free(w->want);
    daas_free(w->tmp);
    daas_free(w);
    *wp = NULL;
}

static int finish(daas_image_blob_writer *w, char *got, daas_err *err)
{
    uint8_t h[32];
    unsigned int hl = 0;
    char d[DAAS_IMAGE_DIGEST_LEN + 1] = "sha256:";
    if (EVP_DigestFinal_ex(w->md, h, &hl) != 1)
        return daas_from_ssl(err, "sha256 final");
    daas_hex_encode(h, 32, d + 7);
    if (w->want && strcmp(w->want, d) != 0)
        return daas_fail(err, DAAS_EUNAUTH, "digest mismatch for blob %s: got %s", w->want, d);
    if (fsync(w->fd) != 0)
        return daas_fail(err, DAAS_EIO, "fsync %s: %s", w->tmp, strerror(errno));
    char *final = daas_image_blob_path(w->s, d);
    int rc = DAAS_OK;
    if (rename(w->tmp, final) != 0)
        rc = daas_fail(err, DAAS_EIO, "renaming blob %s: %s", d, strerror(errno));
    daas_free(final);
    if (rc == DAAS_OK && got)
        memcpy(got, d, sizeof d);
    return rc;
}

int daas_image_blob_commit(daas_image_blob_writer **wp, char *got, daas_err *err)
{
    int rc = finish(*wp, got, err);
    if (rc == DAAS_OK) {
        close((*wp)->fd);
        (*wp)->fd = -1;
    }
    daas_image_blob_abort(wp);
    return rc;
}

int daas_image_blob_put(daas_image_store *s, const char *digest, const void *p, size_t n, char *got,
                        daas_err *err)
{
    daas_image_blob_writer *w = NULL;
    int rc = daas_image_blob_begin(s, digest, &w, err);
    if (rc == DAAS_OK)
        rc = daas_image_blob_write(w, p, n, err);
    if (rc == DAAS_OK)
        return daas_image_blob_commit(&w, got, err);
    daas_image_blob_abort(&w);
    return rc;
}

int daas_image_blob_read(const daas_image_store *s, const char *digest, size_t max, daas_buf *out,
                         daas_err *err)
{
    char *p = daas_image_blob_path(s, digest);
    if (!p)
        return daas_fail(err, DAAS_EINVAL, "invalid digest \"%.80s\"", digest);
    int rc = DAAS_OK;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    daas_buf_reset(out);
    if (fd < 0) {
        rc = daas_fail(err, errno == ENOENT ? DAAS_ENOTFOUND : DAAS_EIO, "blob %s: %s", digest,
                       strerror(errno));
        goto out;
    }
    char buf[8192];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = daas_fail(err, DAAS_EIO, "reading blob %s: %s", digest, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        if (out->len + (size_t)r > max) {
            rc = daas_fail(err, DAAS_ETOOBIG, "blob %s is larger than %zu bytes", digest, max);
            break;
        }
        if ((rc = daas_buf_append(out, buf, (size_t)r)) != DAAS_OK) {
            rc = daas_fail(err, rc, "blob %s too large", digest);
            break;
        }
    }
    close(fd);
out:
    daas_free(p);
    return rc;
}

/* ---- refs.json ---- */

static json_t *refs_load(const daas_image_store *s, daas_err *err, int *rc)
{
    char *p = daas_xasprintf("%s/refs.json", s->dir);
    json_error_t je;
    json_t *root = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    *rc = DAAS_OK;
    if (!root && access(p, F_OK) != 0) {
        root = json_pack("{s:{}}", "refs");
    } else if (!root || !json_is_object(json_object_get(root, "refs"))) {
        *rc = daas_fail(err, DAAS_EIO, "%s: not a refs file: %s", p, root ? "no refs" : je.text);
        json_decref(root);
        root = NULL;
    }
    daas_free(p);
    return root;
}

int daas_image_ref_set(daas_image_store *s, const char *ref, const char *digest, daas_err *err)
{
    int rc = DAAS_OK;
    if (!daas_image_digest_valid(digest) || !ref[0])
        return daas_fail(err, DAAS_EINVAL, "invalid ref or digest");
    json_t *root = refs_load(s, err, &rc);
    if (!root)
        return rc;
    json_object_set_new(json_object_get(root, "refs"), ref, json_string(digest));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *p = daas_xasprintf("%s/refs.json", s->dir);
    rc = daas_write_file_atomic(p, text, strlen(text), 0644, err);
    free(text); /* allocated by jansson */
    daas_free(p);
    json_decref(root);
    return rc;
}

static char *lookup(json_t *refs, const char *key)
{
    const char *v = json_string_value(json_object_get(refs, key));
    return v && daas_image_digest_valid(v) ? daas_xstrdup(v) : NULL;
}

/* The digest of the first stored ref whose canonical form is canonical. */
static char *lookup_canonical(json_t *refs, const char *canonical)
{
    const char *key;
    json_t *v;
    json_object_foreach(refs, key, v) {
        daas_image_ref r = {0};
        daas_err e = {0};
        bool same = daas_image_ref_parse(key, &r, &e) == DAAS_OK &&
                    strcmp(r.canonical, canonical) == 0;
        daas_image_ref_fini(&r);
        if (same)
            return lookup(refs, key);
    }
    return NULL;
}

int daas_image_ref_get(const daas_image_store *s, const char *ref, char **digest, daas_err *err)
{
    int rc = DAAS_OK;
    json_t *root = refs_load(s, err, &rc);
    if (!root)
        return rc;
    json_t *refs = json_object_get(root, "refs");
    char *d = lookup(refs, ref);
    if (!d) {
        char *tagged = daas_xasprintf("%s:latest", ref);
        d = lookup(refs, tagged);
        daas_free(tagged);
    }
    daas_image_ref r = {0};
    daas_err perr = {0};
    bool parsed = !d && daas_image_ref_parse(ref, &r, &perr) == DAAS_OK;
    if (parsed)
        d = lookup(refs, r.canonical); /* "busybox" finds docker.io/library/busybox:latest */
    if (parsed && !d)
        d = lookup_canonical(refs, r.canonical); /* and the reverse: an imported "busybox:dev" */
    daas_image_ref_fini(&r);
    const char *at = strrchr(ref, '@');
    const char *bare = at ? at + 1 : ref;
    if (!d && daas_image_digest_valid(bare) && daas_image_blob_has(s, bare))
        d = daas_xstrdup(bare);
    json_decref(root);
    if (!d)
        return daas_fail(err, DAAS_ENOTFOUND, "image not found: %s", ref);
    *digest = d;
    return DAAS_OK;
}

int daas_image_ref_list(const daas_image_store *s,
                        void (*fn)(void *ctx, const char *ref, const char *digest), void *ctx,
                        daas_err *err)
{
    int rc = DAAS_OK;
    json_t *root = refs_load(s, err, &rc);
    if (!root)
        return rc;
    json_t *refs = json_object_get(root, "refs");
    size_t n = json_object_size(refs), i = 0;
    const char **keys = daas_xcalloc(n ? n : 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach(refs, k, v) keys[i++] = k;
    for (size_t a = 1; a < n; a++) /* insertion sort: a few refs */
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *t = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = t;
        }
    for (i = 0; i < n; i++) {
        const char *d = json_string_value(json_object_get(refs, keys[i]));
        if (d)
            fn(ctx, keys[i], d);
    }
    daas_free(keys);
    json_decref(root);
    return DAAS_OK;
}
