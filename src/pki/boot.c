/*
 * boot.c: the bootstrap record (boot.h): sealing the cluster id and CA under the join token,
 *         and opening it again on another server.
 *
 * Owns:   the record's JSON, PBKDF2-HMAC-SHA256 and AES-256-GCM over it.
 * Not:    where the record is stored (cmd/server_boot.c).
 * Invariants: see boot.h; every buffer that held the plaintext is wiped (OPENSSL_cleanse)
 *             before it is freed.
 */
#include "pki/boot.h"

#include <stdatomic.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/util.h"

enum {
    SALT_LEN = 16,
    NONCE_LEN = 12,
    TAG_LEN = 16,
    KEY_LEN = 32,
    ITER_MIN = 1000,
    ITER_MAX = 10000000,
    REC_MAX = 256 << 10, /* a record is a few KB */
};

static atomic_uint boot_iterations = 100000;

void daas_pki_boot__set_iterations(unsigned n)
{
    atomic_store(&boot_iterations, n < ITER_MIN ? ITER_MIN : n);
}

void daas_pki_boot_fini(daas_pki_boot *b)
{
    if (!b)
        return;
    if (b->ca_key) {
        OPENSSL_cleanse(b->ca_key, strlen(b->ca_key));
        daas_free(b->ca_key);
    }
    daas_free(b->ca_cert);
    memset(b, 0, sizeof *b);
}

char *daas_pki_boot_key(const char *token)
{
    uint8_t h[32];
    unsigned hl = 0;
    EVP_Digest(token, strlen(token), h, &hl, EVP_sha256(), NULL);
    char hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    OPENSSL_cleanse(h, sizeof h);
    return daas_xasprintf("/bootstrap/%s", hex);
}

static int derive(const char *token, const uint8_t *salt, unsigned iter, uint8_t key[KEY_LEN],
                  daas_err *err)
{
    if (PKCS5_PBKDF2_HMAC(token, (int)strlen(token), salt, SALT_LEN, (int)iter, EVP_sha256(),
                          KEY_LEN, key) != 1)
        return daas_from_ssl(err, "PBKDF2");
    return DAAS_OK;
}

/* AES-256-GCM of n bytes in → out (n bytes, then the tag when enc; in carries the tag at
 * in[n - TAG_LEN..] when !enc and n counts it). */
static int gcm(bool enc, const uint8_t key[KEY_LEN], const uint8_t nonce[NONCE_LEN],
               const char *aad, const uint8_t *in, size_t n, uint8_t *out, daas_err *err)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    size_t body = enc ? n : n - TAG_LEN;
    int outl = 0, fin = 0;
    bool ok = c != NULL && n <= REC_MAX &&
              EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1 &&
              EVP_CipherUpdate(c, NULL, &outl, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
              EVP_CipherUpdate(c, out, &outl, in, (int)body) == 1 && (size_t)outl == body;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)(in + body)) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + body, &fin) == 1 && fin == 0;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + body) == 1;
    EVP_CIPHER_CTX_free(c);
    if (ok)
        return DAAS_OK;
    if (!enc)
        return daas_fail(err, DAAS_EDENIED,
                         "the bootstrap record does not open with this token (another cluster's "
                         "token, or a changed record)");
    return daas_from_ssl(err, "AES-256-GCM");
}

static json_t *b64j(const void *p, size_t n)
{
    char *s = daas_base64_encode(p, n);
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

int daas_pki_boot_seal(const char *token, const char *key, const daas_pki_boot *b, char **out,
                       daas_err *err)
{
    *out = NULL;
    json_t *pj = json_pack("{s:s,s:s,s:s}", "clusterID", b->cluster_id, "caCert",
                           b->ca_cert ? b->ca_cert : "", "caKey", b->ca_key ? b->ca_key : "");
    char *pt = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
    json_decref(pj); /* jansson keeps its copies of the strings: wiped below, with pt */
    if (!pt)
        return daas_fail(err, DAAS_EINTERNAL, "bootstrap: cannot render the record");
    size_t n = strlen(pt);
    uint8_t salt[SALT_LEN], nonce[NONCE_LEN], k[KEY_LEN];
    uint8_t *ct = daas_xmalloc(n + TAG_LEN);
    unsigned iter = atomic_load(&boot_iterations);
    daas_random(salt, sizeof salt);
    daas_random(nonce, sizeof nonce);
    int rc = derive(token, salt, iter, k, err);
    if (rc == DAAS_OK)
        rc = gcm(true, k, nonce, key, (const uint8_t *)pt, n, ct, err);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pt, n);
    free(pt); /* jansson's allocator */
    if (rc == DAAS_OK) {
        json_t *r = json_pack("{s:i,s:s,s:i,s:o,s:o,s:o}", "version", 1, "kdf", "pbkdf2-sha256",
                              "iterations", (json_int_t)iter, "salt", b64j(salt, SALT_LEN), "nonce",
                              b64j(nonce, NONCE_LEN), "data", b64j(ct, n + TAG_LEN));
        char *s = r ? json_dumps(r, JSON_COMPACT) : NULL;
        json_decref(r);
        if (s) {
            *out = daas_xstrdup(s);
            free(s);
        } else {
            rc = daas_fail(err, DAAS_EINTERNAL, "bootstrap: cannot render the record");
        }
    }
    daas_free(ct);
    return rc;
}

/* Decodes base64 field name of r into b, which must hold exactly want bytes (0: any). */
static int field(const json_t *r, const char *name, size_t want, daas_buf *b, daas_err *err)
{
    const char *s = json_string_value(json_object_get(r, name));
    if (!s || daas_base64_decode(s, strlen(s), b) != DAAS_OK || (want && b->len != want))
        return daas_fail(err, DAAS_EINVAL, "bootstrap record: bad %s", name);
    return DAAS_OK;
}

static int parse_plain(const char *pt, size_t n, daas_pki_boot *out, daas_err *err)
{
    json_t *j = json_loadb(pt, n, JSON_REJECT_DUPLICATES, NULL);
    const char *id = json_string_value(json_object_get(j, "clusterID"));
    const char *crt = json_string_value(json_object_get(j, "caCert"));
    const char *key = json_string_value(json_object_get(j, "caKey"));
    int rc = DAAS_OK;
    if (!id || !crt || !key || strlen(id) >= sizeof out->cluster_id)
        rc = daas_fail(err, DAAS_EINVAL, "bootstrap record: bad contents");
    if (rc == DAAS_OK) {
        memset(out, 0, sizeof *out);
        snprintf(out->cluster_id, sizeof out->cluster_id, "%s", id);
        out->ca_cert = daas_xstrdup(crt);
        out->ca_key = daas_xstrdup(key);
    }
    if (key)
        OPENSSL_cleanse((void *)key, strlen(key));
    json_decref(j);
    return rc;
}

int daas_pki_boot_open(const char *token, const char *key, const char *rec, size_t len,
                       daas_pki_boot *out, daas_err *err)
{
    memset(out, 0, sizeof *out);
    if (len > REC_MAX)
        return daas_fail(err, DAAS_EINVAL, "bootstrap record: too large");
    json_t *r = json_loadb(rec, len, JSON_REJECT_DUPLICATES, NULL);
    json_int_t iter = json_integer_value(json_object_get(r, "iterations"));
    const char *kdf = json_string_value(json_object_get(r, "kdf"));
    daas_buf salt, nonce, ct;
    daas_buf_init(&salt, 64);
    daas_buf_init(&nonce, 64);
    daas_buf_init(&ct, REC_MAX);
    int rc = DAAS_OK;
    if (!json_is_object(r) || json_integer_value(json_object_get(r, "version")) != 1 || !kdf ||
        strcmp(kdf, "pbkdf2-sha256") != 0 || iter < ITER_MIN || iter > ITER_MAX)
        rc = daas_fail(err, DAAS_EINVAL, "bootstrap record: not a version 1 record");
    if (rc == DAAS_OK)
        rc = field(r, "salt", SALT_LEN, &salt, err);
    if (rc == DAAS_OK)
        rc = field(r, "nonce", NONCE_LEN, &nonce, err);
    if (rc == DAAS_OK)
        rc = field(r, "data", 0, &ct, err);
    if (rc == DAAS_OK && ct.len <= TAG_LEN)
        rc = daas_fail(err, DAAS_EINVAL, "bootstrap record: bad data");
    uint8_t k[KEY_LEN];
    uint8_t *pt = rc == DAAS_OK ? daas_xmalloc(ct.len) : NULL;
    if (rc == DAAS_OK)
        rc = derive(token, (const uint8_t *)salt.data, (unsigned)iter, k, err);
    if (rc == DAAS_OK)
        rc = gcm(false, k, (const uint8_t *)nonce.data, key, (const uint8_t *)ct.data, ct.len, pt,
                 err);
    if (rc == DAAS_OK)
        rc = parse_plain((const char *)pt, ct.len - TAG_LEN, out, err);
    OPENSSL_cleanse(k, sizeof k);
    if (pt) {
        OPENSSL_cleanse(pt, ct.len);
        daas_free(pt);
    }
    daas_buf_fini(&salt);
    daas_buf_fini(&nonce);
    daas_buf_fini(&ct);
    json_decref(r);
    return rc;
}
