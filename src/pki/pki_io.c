/*
 * pki_io.c: the pki module's files: atomic writes, PEM encoding, loading.
 *
 * Owns:   every open/write/rename the pki module does.
 * Not:    deciding what to write (pki.c, kubeconfig.c).
 * Invariants:
 *   - a file is written to "<path>.tmp-<random>" created O_CREAT|O_EXCL|O_NOFOLLOW with its
 *     final mode (keys 0600, never chmod'ed later), fsync'ed, renamed over path, and the
 *     directory fsync'ed: a crash leaves the old file or the new one, never half of one;
 *   - buffers that held private-key PEM are wiped (OPENSSL_cleanse) before they are freed;
 *   - no message names key bytes; messages name paths only.
 */
#include "pki/pki_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/util.h"

#define MAX_PEM_FILE (1 << 20)

static int io_fail(daas_err *err, int e, const char *what, const char *path)
{
    return daas_fail(err, e == ENOENT ? DAAS_ENOTFOUND : DAAS_EIO, "%s %s: %s", what, path,
                     strerror(e));
}

int daas_pki__mkdir(const char *dir, daas_err *err)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0)
        return DAAS_OK;
    if (errno != EEXIST)
        return io_fail(err, errno, "creating directory", dir);
    if (stat(dir, &st) != 0)
        return io_fail(err, errno, "checking", dir);
    if (!S_ISDIR(st.st_mode))
        return daas_fail(err, DAAS_EIO, "%s exists and is not a directory", dir);
    return DAAS_OK;
}

/* Copies a memory BIO's contents into a new NUL-terminated string. */
static char *bio_take(BIO *b, size_t *len)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n < 0 || p == NULL)
        n = 0;
    char *s = daas_xmalloc((size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

/* PEM of one certificate (crt != NULL) or one private key (key). A key goes through
 * BIO_s_secmem, which clears its buffer when freed; PEM_write_bio_PrivateKey writes PKCS#8
 * ("BEGIN PRIVATE KEY") in OpenSSL 3. */
static int to_pem(X509 *crt, EVP_PKEY *key, char **out, size_t *len, daas_err *err)
{
    BIO *b = BIO_new(crt != NULL ? BIO_s_mem() : BIO_s_secmem());
    *out = NULL;
    bool ok = b != NULL &&
              (crt != NULL ? PEM_write_bio_X509(b, crt)
                           : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) == 1;
    if (!ok) {
        BIO_free(b);
        ERR_clear_error();
        return daas_fail(err, DAAS_ECRYPTO, "encoding %s as PEM failed",
                         crt != NULL ? "a certificate" : "a private key");
    }
    *out = bio_take(b, len);
    BIO_free(b);
    return DAAS_OK;
}

int daas_pki__cert_pem(X509 *crt, char **out, size_t *len, daas_err *err)
{
    return to_pem(crt, NULL, out, len, err);
}

int daas_pki__key_pem(EVP_PKEY *key, char **out, size_t *len, daas_err *err)
{
    return to_pem(NULL, key, out, len, err);
}

void daas_pki__free_secret(char *s, size_t len)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, len);
    daas_free(s);
}

/* Writes the PEM of crt (mode 0644) or, when crt is NULL, of key (0600) to path. */
static int save_pem(X509 *crt, EVP_PKEY *key, const char *path, daas_err *err)
{
    char *pem = NULL;
    size_t len = 0;
    int rc = to_pem(crt, key, &pem, &len, err);
    if (rc == DAAS_OK)
        rc = daas_write_file_atomic(path, pem, len, crt != NULL ? 0644 : 0600, err);
    daas_pki__free_secret(pem, len);
    return rc;
}

int daas_pki__save_cert(X509 *crt, const char *path, daas_err *err)
{
    return save_pem(crt, NULL, path, err);
}

int daas_pki__save_key(EVP_PKEY *key, const char *path, daas_err *err)
{
    return save_pem(NULL, key, path, err);
}

/* Reads a whole (small) file into a new buffer. */
static int read_small(const char *path, char **out, size_t *len, daas_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int rc = DAAS_OK;

    *out = NULL;
    if (fd < 0)
        return io_fail(err, errno, "opening", path);
    if (fstat(fd, &st) != 0) {
        rc = io_fail(err, errno, "checking", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MAX_PEM_FILE) {
        rc = daas_fail(err, DAAS_EINVAL, "%s: not a regular file of at most 1 MiB", path);
        goto out;
    }
    *out = daas_xmalloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, *out, (size_t)st.st_size);
    if (n < 0) {
        rc = io_fail(err, errno, "reading", path);
        daas_free(*out);
        *out = NULL;
        goto out;
    }
    *len = (size_t)n;
out:
    close(fd);
    return rc;
}

/* Refuses encrypted keys instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/* Parses one certificate (crt != NULL) or one unencrypted private key (*key) from PEM in
 * memory. DAAS_EINVAL when there is none. */
static int parse_pem(const char *data, size_t len, const char *what, X509 **crt, EVP_PKEY **key,
                     daas_err *err)
{
    bool found = false;
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (b != NULL && crt != NULL)
        found = (*crt = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL;
    else if (b != NULL)
        found = (*key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL)) != NULL;
    BIO_free(b);
    ERR_clear_error();
    if (!found)
        return daas_fail(err, DAAS_EINVAL, "%s: not %s", what,
                         crt != NULL ? "a PEM certificate" : "an unencrypted PEM private key");
    return DAAS_OK;
}

/* Reads a small PEM file and parses one certificate or key from it; the file's bytes are
 * wiped. */
static int load_pem(const char *path, X509 **crt, EVP_PKEY **key, daas_err *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = read_small(path, &data, &len, err);
    if (rc != DAAS_OK)
        return rc;
    rc = parse_pem(data, len, path, crt, key, err);
    daas_pki__free_secret(data, len);
    return rc;
}

int daas_pki__key_from_pem(const char *pem, size_t len, const char *what, EVP_PKEY **out,
                           daas_err *err)
{
    *out = NULL;
    return parse_pem(pem, len, what, NULL, out, err);
}

int daas_pki__load_cert(const char *path, X509 **out, daas_err *err)
{
    *out = NULL;
    return load_pem(path, out, NULL, err);
}

int daas_pki__load_key(const char *path, EVP_PKEY **out, daas_err *err)
{
    *out = NULL;
    return load_pem(path, NULL, out, err);
}
