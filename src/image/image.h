/*
 * image.h: OCI images for the worker agent: a content-addressed store, registry pulls (OCI
 *          distribution API), offline imports (OCI layout and docker-archive tarballs),
 *          layer unpacking into a rootfs, and the image config the runtime needs.
 *
 * Owns:   the store directory layout: <dir>/blobs/sha256/<hex> (immutable, verified) and
 *         <dir>/refs.json ({"refs": {"<ref>": "sha256:<hex>"}}, the manifest of each ref).
 * Invariants:
 *   - a blob file exists only when its bytes hash to its name (written to a temp name,
 *     hashed while streaming, renamed; a mismatch is DAAS_EUNAUTH and leaves nothing);
 *   - a digest is accepted only as "sha256:" + 64 lowercase hex digits (it names a path);
 *   - refs.json is replaced atomically; refs always name a manifest (never an index);
 *   - unpacking never writes outside the rootfs: absolute names, ".." components and
 *     writes through symlinks are refused; device nodes are skipped.
 * Thread: a store handle is not shared between threads; several processes may share a
 *         store directory (blob writes are atomic; refs.json writes last-writer-wins).
 * Spec:   OCI image-spec v1.1 (manifest, index, config, layout, layer whiteouts),
 *         OCI distribution-spec v1.1 (pull), Docker registry token authentication.
 */
#ifndef DAAS_IMAGE_IMAGE_H
#define DAAS_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_IMAGE_MAX_JSON ((size_t)4 << 20) /* manifests, indexes, configs */
#define DAAS_IMAGE_DIGEST_LEN 71              /* "sha256:" + 64 hex */

/* ---- media types ---- */
#define DAAS_IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define DAAS_IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define DAAS_IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DAAS_IMAGE_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/* True when d is "sha256:" followed by exactly 64 lowercase hex digits. */
bool daas_image_digest_valid(const char *d);
/* "sha256:<hex>" of p[0..n) into out (DAAS_IMAGE_DIGEST_LEN + 1 bytes). */
void daas_image_digest_of(const void *p, size_t n, char *out);

/* ---- store (store.c) ---- */
typedef struct daas_image_store daas_image_store;

/* Opens (creating when missing) the store at dir. DAAS_EIO naming the directory. */
DAAS_MUST_USE int daas_image_store_open(const char *dir, daas_image_store **out, daas_err *err);
/* Closes *s (NULL is fine) and sets *s to NULL. */
void daas_image_store_close(daas_image_store **s);
const char *daas_image_store_dir(const daas_image_store *s);

/* A blob being written: bytes are hashed as they arrive. */
typedef struct daas_image_blob_writer daas_image_blob_writer;
/* Starts a blob. digest may be NULL: the blob is then named by its hash at commit. */
DAAS_MUST_USE int daas_image_blob_begin(daas_image_store *s, const char *digest,
                                        daas_image_blob_writer **out, daas_err *err);
DAAS_MUST_USE int daas_image_blob_write(daas_image_blob_writer *w, const void *p, size_t n,
                                        daas_err *err);
/* Bytes written so far. */
uint64_t daas_image_blob_written(const daas_image_blob_writer *w);
/* Verifies and renames into place; frees *w either way. got (may be NULL, else
 * DAAS_IMAGE_DIGEST_LEN + 1 bytes) receives the digest. Mismatch: DAAS_EUNAUTH "digest
 * mismatch for blob <digest>: got <digest>", nothing kept. */
DAAS_MUST_USE int daas_image_blob_commit(daas_image_blob_writer **w, char *got, daas_err *err);
/* Drops a blob being written (removes its temp file); NULL is fine. */
void daas_image_blob_abort(daas_image_blob_writer **w);
/* The whole blob in one call (begin, write, commit). */
DAAS_MUST_USE int daas_image_blob_put(daas_image_store *s, const char *digest, const void *p,
                                      size_t n, char *got, daas_err *err);
bool daas_image_blob_has(const daas_image_store *s, const char *digest);
/* The blob's path (caller frees), or NULL when digest is not valid. */
char *daas_image_blob_path(const daas_image_store *s, const char *digest);
/* Reads a blob of at most max bytes into out (reset first). DAAS_ENOTFOUND, DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_image_blob_read(const daas_image_store *s, const char *digest, size_t max,
                                       daas_buf *out, daas_err *err);

/* Sets ref → manifest digest in refs.json. */
DAAS_MUST_USE int daas_image_ref_set(daas_image_store *s, const char *ref, const char *digest,
                                     daas_err *err);
/* The manifest digest of ref (caller frees *digest): ref exactly, else ref + ":latest",
 * else ref's canonical form (daas_image_ref_parse: "busybox" is docker.io/library/busybox:
 * latest), else a "sha256:..." digest whose blob is present. DAAS_ENOTFOUND "image not found:
 * <ref>". */
DAAS_MUST_USE int daas_image_ref_get(const daas_image_store *s, const char *ref, char **digest,
                                     daas_err *err);
/* Calls fn for each ref in name order. */
DAAS_MUST_USE int daas_image_ref_list(const daas_image_store *s,
                                      void (*fn)(void *ctx, const char *ref, const char *digest),
                                      void *ctx, daas_err *err);

/* ---- manifests, indexes, configs (manifest.c; pure parsers) ---- */
typedef struct daas_image_desc {
    char *media_type;
    char *digest;
    int64_t size;
    char *os, *arch, *variant; /* index entries only; NULL when absent */
} daas_image_desc;

enum { DAAS_IMAGE_KIND_MANIFEST = 1, DAAS_IMAGE_KIND_INDEX = 2 };

typedef struct daas_image_manifest {
    int kind;
    daas_image_desc config;  /* KIND_MANIFEST */
    daas_image_desc *layers; /* KIND_MANIFEST, in application order */
    size_t n_layers;
    daas_image_desc *manifests; /* KIND_INDEX */
    size_t n_manifests;
} daas_image_manifest;

/* Parses a manifest or index. content_type (may be NULL) is the HTTP Content-Type; the
 * JSON's mediaType, else its shape (manifests vs layers), decides otherwise. Every digest
 * must be valid. DAAS_EINVAL naming the problem. Call _fini even after a failure. */
DAAS_MUST_USE int daas_image_manifest_parse(const char *json, size_t len, const char *content_type,
                                            daas_image_manifest *m, daas_err *err);
void daas_image_manifest_fini(daas_image_manifest *m);
/* The index entry for os/arch (variant ignored). DAAS_ENOTFOUND "no <os>/<arch> image; the
 * index has: linux/arm64, ..." otherwise. */
DAAS_MUST_USE int daas_image_index_pick(const daas_image_manifest *idx, const char *os,
                                        const char *arch, const daas_image_desc **out,
                                        daas_err *err);

/* The runtime part of an image config. NULL-terminated string vectors; NULL when unset. */
typedef struct daas_image_cfg {
    char **entrypoint;
    char **cmd;
    char **env;
    char *working_dir;
    char *user;
    char *os, *arch;
} daas_image_cfg;

DAAS_MUST_USE int daas_image_config_parse(const char *json, size_t len, daas_image_cfg *cfg,
                                          daas_err *err);
void daas_image_config_fini(daas_image_cfg *cfg);
/* The config of the image ref in the store. */
DAAS_MUST_USE int daas_image_config(const daas_image_store *s, const char *ref, daas_image_cfg *cfg,
                                    daas_err *err);
/* The parsed manifest of ref in the store. */
DAAS_MUST_USE int daas_image_manifest_load(const daas_image_store *s, const char *ref,
                                           daas_image_manifest *m, daas_err *err);

/* ---- pull (pull.c) ---- */
typedef struct daas_image_pull_opts {
    bool insecure_http;   /* plain http; refused unless the registry is on loopback */
    const char *username; /* basic credentials (imagePullSecrets); NULL for anonymous */
    const char *password;
    const char *os, *arch; /* platform to pick from an index; NULL: linux/amd64 */
    /* Called as blob bytes arrive (done of total; total 0 when unknown). May be NULL. */
    void (*progress)(void *ctx, const char *digest, uint64_t done, uint64_t total);
    void *progress_ctx;
} daas_image_pull_opts;

/* A parsed image reference: registry host[:port], repository name, tag or digest. */
typedef struct daas_image_ref {
    char *host;      /* "127.0.0.1:5000", "registry-1.docker.io" */
    char *name;      /* "library/busybox" */
    char *reference; /* tag or "sha256:..." */
    char *canonical; /* host/name:tag or host/name@digest (docker.io shown as docker.io) */
} daas_image_ref;

DAAS_MUST_USE int daas_image_ref_parse(const char *s, daas_image_ref *r, daas_err *err);
void daas_image_ref_fini(daas_image_ref *r);

/* Pulls ref into the store (skipping blobs already present) and records it under its
 * canonical name. digest_out (may be NULL; DAAS_IMAGE_DIGEST_LEN + 1 bytes) gets the
 * manifest digest. Errors: DAAS_ENOTFOUND "manifest unknown: <ref>"; DAAS_EUNAVAIL "registry
 * <host> unreachable: <reason>"; DAAS_EUNAUTH naming a blob whose digest does not match or
 * a refused login; DAAS_EINVAL for bad references or manifests. */
DAAS_MUST_USE int daas_image_pull(daas_image_store *s, const char *ref,
                                  const daas_image_pull_opts *opts, char *digest_out,
                                  daas_err *err);
/* Parses a WWW-Authenticate Bearer challenge; caller frees the three strings (service and
 * scope may be NULL). DAAS_EINVAL when it is not a Bearer challenge with a realm. */
DAAS_MUST_USE int daas_image_parse_challenge(const char *h, char **realm, char **service,
                                             char **scope, daas_err *err);

/* ---- import (import.c) ---- */
/* Imports an OCI image layout tarball or a docker-archive tarball (gzip or plain). Each
 * image's refs are recorded: docker RepoTags as they are; an OCI ref.name annotation as it
 * is when it holds ':' or '/', else as "<name>:<annotation>" when name is not NULL; an image
 * with neither is recorded as name (when given) or only under its digest. refs_fn (may be
 * NULL) is called for each image (ref NULL when it has none). Blobs are verified. */
DAAS_MUST_USE int daas_image_import(daas_image_store *s, const char *path, const char *name,
                                    void (*refs_fn)(void *ctx, const char *ref, const char *digest),
                                    void *ctx, daas_err *err);

/* ---- unpack (unpack.c) ---- */
/* Applies ref's layers in order into rootfs_dir (created when missing). */
DAAS_MUST_USE int daas_image_unpack(const daas_image_store *s, const char *ref,
                                    const char *rootfs_dir, daas_err *err);
/* Applies one layer (a tar or tar.gz file) to the directory open at rootfd. */
DAAS_MUST_USE int daas_image_apply_layer(int rootfd, const char *layer_path, daas_err *err);
/* Normalises a tar entry name ("./a//b/" → "a/b") into out (size n). DAAS_EDENIED for
 * absolute names and ".." components, DAAS_EINVAL for empty or too long ones. An entry
 * naming the root itself gives "". */
DAAS_MUST_USE int daas_image_clean_path(const char *name, char *out, size_t n, daas_err *err);

#endif
