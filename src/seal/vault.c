/*
 * vault.c: sealing and opening private-key files with Seal (see vault.h).
 *
 * Owns:   the identity and AAD of a sealed key file and its on-disk form.
 * Invariants: see vault.h.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/util.h"
#include "seal/vault.h"

#define MAX_SEALED ((size_t)64 << 10)
#define TAG "daas-key:"

struct daas_seal_vault {
    const daas_seal_config *cfg;
    uint8_t policy[DAAS_SEAL_ADDR_LEN];
    daas_seal_opener *opener;
};

int daas_seal_vault_new(const daas_sui_key *key, daas_sui_client *chain, const daas_pkg *pkg,
                        const daas_seal_config *cfg, const uint8_t policy[DAAS_SEAL_ADDR_LEN],
                        daas_seal_vault **out, daas_err *err)
{
    daas_seal_vault *v = daas_xcalloc(1, sizeof *v);
    v->cfg = cfg;
    memcpy(v->policy, policy, DAAS_SEAL_ADDR_LEN);
    int rc = daas_seal_opener_new(key, chain, pkg, cfg, &v->opener, err);
    if (rc != DAAS_OK) {
        daas_free(v);
        return rc;
    }
    *out = v;
    return DAAS_OK;
}

void daas_seal_vault_free(daas_seal_vault **v)
{
    if (!v || !*v)
        return;
    daas_seal_opener_free(&(*v)->opener);
    daas_free(*v);
    *v = NULL;
}

/* "daas-key:<basename>" into aad; the identity (policy || 16 bytes of its SHA-256) into id. */
static void name_of(const daas_seal_vault *v, const char *path, daas_buf *aad,
                    uint8_t id[DAAS_SEAL_ADDR_LEN + 16])
{
    char *copy = daas_xstrdup(path);
    uint8_t h[SHA256_DIGEST_LENGTH];
    if (daas_buf_printf(aad, TAG "%s", basename(copy)) != DAAS_OK)
        daas_buf_reset(aad);
    daas_free(copy);
    SHA256((const uint8_t *)aad->data, aad->len, h);
    memcpy(id, v->policy, DAAS_SEAL_ADDR_LEN);
    memcpy(id + DAAS_SEAL_ADDR_LEN, h, 16);
}

int daas_seal_vault_seal(daas_seal_vault *v, const char *path, daas_bytes pem, daas_err *err)
{
    uint8_t id[DAAS_SEAL_ADDR_LEN + 16];
    daas_buf aad = {0}, ct = {0};
    name_of(v, path, &aad, id);
    const daas_seal_cluster *c = &v->cfg->cluster;
    daas_seal_encrypt_opts o = {.package_id = c->package_id,
                                .id = DAAS_BYTES(id, sizeof id),
                                .servers = c->servers,
                                .nservers = c->nservers,
                                .threshold = c->threshold,
                                .dem = DAAS_SEAL_DEM_AES,
                                .has_aad = true,
                                .aad = DAAS_BYTES(aad.data, aad.len)};
    char *sealed = daas_xasprintf("%s.sealed", path);
    int rc = daas_seal_encrypt(&o, pem, &ct, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_write_file_atomic(sealed, ct.data, ct.len, 0600, err);
    daas_free(sealed);
    daas_buf_fini(&ct);
    daas_buf_fini(&aad);
    return rc;
}

/* Reads the sealed file (at most MAX_SEALED bytes). */
static int read_sealed(const char *path, daas_buf *out, daas_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? DAAS_ENOTFOUND
                               : daas_fail(err, DAAS_EIO, "cannot open %s: %s", path,
                                           strerror(errno));
    char chunk[4096];
    size_t n;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (daas_buf_append(out, chunk, n) != DAAS_OK)
            rc = daas_fail(err, DAAS_ETOOBIG, "%s: larger than %zu bytes", path, MAX_SEALED);
    if (rc == DAAS_OK && ferror(f))
        rc = daas_fail(err, DAAS_EIO, "cannot read %s", path);
    fclose(f);
    return rc;
}

int daas_seal_vault_open(daas_seal_vault *v, const char *path, daas_buf *pem, daas_err *err)
{
    uint8_t id[DAAS_SEAL_ADDR_LEN + 16];
    daas_buf aad = {0}, raw;
    daas_buf_init(&raw, MAX_SEALED);
    daas_seal_object so = {0};
    char *sealed = daas_xasprintf("%s.sealed", path);
    name_of(v, path, &aad, id);
    int rc = read_sealed(sealed, &raw, err);
    if (rc == DAAS_OK)
        rc = daas_seal_object_parse(DAAS_BYTES(raw.data, raw.len), &so, err);
    if (rc == DAAS_OK && (so.id_len != sizeof id || memcmp(so.id, id, sizeof id) != 0 ||
                          !so.has_aad || so.aad_len != aad.len ||
                          memcmp(so.aad, aad.data, aad.len) != 0))
        rc = daas_fail(err, DAAS_EUNAUTH, "%s is sealed for another key or policy", sealed);
    if (rc == DAAS_OK)
        rc = daas_seal_open_object(v->opener, &so, pem, err);
    daas_seal_object_fini(&so);
    daas_free(sealed);
    daas_buf_fini(&raw);
    daas_buf_fini(&aad);
    return rc;
}
