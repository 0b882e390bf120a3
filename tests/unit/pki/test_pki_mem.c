/*
 * test_pki_mem.c: the in-memory client identity (daas_pki_client_ctx) and the pin check.
 *
 * Owns:   a throwaway cluster in a temporary directory.
 * Invariants: every test frees its contexts and removes its directory (ASan checks).
 * Spec:   src/pki/pki.h; src/agent/serve.h (CN daas-apiserver, pinned agent certificate).
 *         The pin check over a real handshake is tested in tests/unit/api/test_podproxy.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/util.h"
#include "pki/pki.h"

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

/* Number of entries in dir (files the pki wrote). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static X509 *load_ca(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static void test_client_ctx(void **state)
{
    (void)state;
    char dir[] = "/tmp/daas-pki-mem.XXXXXX", tls[64], cn[64];
    daas_pki *p = NULL;
    daas_err e = {0};
    SSL_CTX *ctx = NULL;
    assert_non_null(mkdtemp(dir));
    snprintf(tls, sizeof tls, "%s/tls", dir);
    daas_pki_opts o = {.data_dir = dir, .no_kubeconfig = true};
    assert_int_equal(daas_pki_ensure(&o, &p, &e), DAAS_OK);
    int before = count_files(tls);

    assert_int_equal(daas_pki_client_ctx(p, "daas-apiserver", &ctx, &e), DAAS_OK);
    assert_int_equal(count_files(tls), before); /* nothing written */
    X509 *crt = SSL_CTX_get0_certificate(ctx);
    assert_non_null(crt);
    assert_true(
        X509_NAME_get_text_by_NID(X509_get_subject_name(crt), NID_commonName, cn, sizeof cn) > 0);
    assert_string_equal(cn, "daas-apiserver");
    assert_int_equal(SSL_CTX_check_private_key(ctx), 1);
    /* Issued by the cluster CA, for client authentication. */
    X509 *ca = load_ca(daas_pki_ca_path(p));
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *vc = X509_STORE_CTX_new();
    assert_int_equal(X509_STORE_add_cert(st, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(vc, st, crt, NULL), 1);
    X509_STORE_CTX_set_purpose(vc, X509_PURPOSE_SSL_CLIENT);
    assert_int_equal(X509_verify_cert(vc), 1);
    X509_STORE_CTX_free(vc);
    X509_STORE_free(st);
    X509_free(ca);
    /* Each call makes a new key. */
    SSL_CTX *ctx2 = NULL;
    assert_int_equal(daas_pki_client_ctx(p, "daas-apiserver", &ctx2, &e), DAAS_OK);
    assert_int_not_equal(X509_cmp(crt, SSL_CTX_get0_certificate(ctx2)), 0);
    SSL_CTX_free(ctx2);
    SSL_CTX_free(ctx);

    assert_int_equal(daas_pki_client_ctx(p, "", &ctx, &e), DAAS_EINVAL);
    assert_null(ctx);
    daas_pki_free(&p);
    nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* The agent's endpoint identity: self-signed (its own key verifies it), CN and both SANs,
 * a server certificate; a bad SAN is refused and nothing is returned. */
static void test_self_signed(void **state)
{
    (void)state;
    EVP_PKEY *key = NULL;
    X509 *crt = NULL;
    daas_err err = {0};
    const char *sans[] = {"node-1", "192.0.2.7"};
    assert_int_equal(daas_pki_self_signed("node-1", sans, 2, &key, &crt, &err), DAAS_OK);
    assert_int_equal(X509_verify(crt, key), 1);
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(crt), X509_get_subject_name(crt)), 0);
    assert_int_equal(X509_check_host(crt, "node-1", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(crt, "192.0.2.7", 0), 1);
    assert_int_equal(X509_check_host(crt, "node-2", 0, 0, NULL), 0);
    assert_int_equal(X509_check_purpose(crt, X509_PURPOSE_SSL_SERVER, 0), 1);
    X509_free(crt);
    EVP_PKEY_free(key);
    const char *bad[] = {"no spaces allowed"};
    assert_int_not_equal(daas_pki_self_signed("n", bad, 1, &key, &crt, &err), DAAS_OK);
    assert_null(key);
    assert_null(crt);
    assert_int_equal(daas_pki_self_signed("n", sans, 0, &key, &crt, &err), DAAS_EINVAL);
}

static void test_pin_without_peer(void **state)
{
    (void)state;
    uint8_t fp[32] = {0};
    assert_false(daas_pki_peer_sha256_is(NULL, fp));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    assert_false(daas_pki_peer_sha256_is(ssl, fp)); /* no handshake, no certificate */
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_ctx),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_pin_without_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
