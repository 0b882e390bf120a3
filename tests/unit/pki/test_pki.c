/*
 * test_pki.c: the cluster PKI: files and modes, reuse and re-issue rules, certificate
 * contents, the kubeconfig, and real TLS handshakes (in memory, BIO pairs) against the
 * server context.
 *
 * Owns:   a temporary directory per test (under $DAAS_TEST_TMP or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <yaml.h>

#include "common/util.h"
#include "pki/pki.h"
#include "pki_testutil.h"
#include "pki/pki_int.h"

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
    return pt_tmpdir("pki");
}

static void rm_tree(char *dir)
{
    pt_rm_tree(dir);
}

static char *path_in(const char *dir, const char *name)
{
    return daas_xasprintf("%s/%s", dir, name);
}

/* Contents of a file (NUL-terminated); *len set. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    daas_buf b;
    daas_buf_init(&b, 0);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        assert_int_equal(daas_buf_append(&b, tmp, n), DAAS_OK);
    fclose(f);
    char *s = daas_buf_steal(&b, len);
    return s != NULL ? s : daas_xstrdup("");
}

static char *slurp_in(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    size_t len;
    char *s = slurp(p, &len);
    daas_free(p);
    return s;
}

static mode_t mode_of(const char *dir, const char *name)
{
    char *p = name != NULL ? path_in(dir, name) : daas_xstrdup(dir);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    daas_free(p);
    return st.st_mode & 07777;
}

static X509 *load_crt(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    X509 *x = NULL;
    assert_int_equal(daas_pki__load_cert(p, &x, NULL), DAAS_OK);
    daas_free(p);
    return x;
}

static daas_pki *ensure(const char *dir, const char *const *sans, size_t n)
{
    daas_pki_opts o = {.data_dir = dir, .extra_sans = sans, .nextra_sans = n,
                       .server_url = "https://127.0.0.1:6443", .cluster_name = "default"};
    daas_pki *p = NULL;
    daas_err err = {0};
    int rc = daas_pki_ensure(&o, &p, &err);
    if (rc != DAAS_OK)
        fail_msg("daas_pki_ensure: %s", err.msg);
    return p;
}

/* X509_verify_cert of crt against a store holding only ca, for a purpose. */
static int verify_with(X509 *ca, X509 *crt, int purpose)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_int_equal(X509_STORE_add_cert(st, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, st, crt, NULL), 1);
    X509_STORE_CTX_set_purpose(ctx, purpose);
    int ok = X509_verify_cert(ctx);
    int e = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    ERR_clear_error();
    return ok == 1 ? X509_V_OK : (e != X509_V_OK ? e : -1);
}

static bool has_san(X509 *crt, const char *s)
{
    daas_pki__san one;
    assert_int_equal(daas_pki__san_parse(s, &one, NULL), DAAS_OK);
    return daas_pki__covers_sans(crt, &one, 1);
}

static void subject_text(X509 *crt, int nid, int idx, char *buf, size_t n)
{
    buf[0] = '\0';
    const X509_NAME *nm = X509_get_subject_name(crt);
    int at = -1;
    for (int i = 0; i <= idx; i++)
        at = X509_NAME_get_index_by_NID(nm, nid, at);
    if (at >= 0) {
        const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, at));
        snprintf(buf, n, "%.*s", ASN1_STRING_length(s), ASN1_STRING_get0_data(s));
    }
}

/* ---- files, modes, reuse ---- */

static void test_fresh_dir_files_and_modes(void **state)
{
    (void)state;
    char *base = make_tmpdir();
    char *dir = path_in(base, "data/nested"); /* parents are created too */
    daas_pki *p = ensure(dir, NULL, 0);
    assert_non_null(p);

    char *tls = path_in(dir, "tls");
    assert_int_equal(mode_of(dir, NULL), 0700);
    assert_int_equal(mode_of(tls, NULL), 0700);
    assert_int_equal(mode_of(tls, "ca.key"), 0600);
    assert_int_equal(mode_of(tls, "server.key"), 0600);
    assert_int_equal(mode_of(tls, "admin.key"), 0600);
    assert_int_equal(mode_of(tls, "ca.crt"), 0644);
    assert_int_equal(mode_of(tls, "server.crt"), 0644);
    assert_int_equal(mode_of(tls, "admin.crt"), 0644);
    assert_int_equal(mode_of(dir, "kubeconfig.yaml"), 0600);

    char *key = slurp_in(tls, "server.key");
    assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
    daas_free(key);

    char *want = path_in(tls, "ca.crt");
    assert_string_equal(daas_pki_ca_path(p), want);
    daas_free(want);
    want = path_in(dir, "kubeconfig.yaml");
    assert_string_equal(daas_pki_kubeconfig_path(p), want);
    daas_free(want);

    /* Exactly the six files: no temporary file is left behind. */
    DIR *d = opendir(tls);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            n++, assert_null(strstr(e->d_name, ".tmp"));
    closedir(d);
    assert_int_equal(n, 6);
    daas_pki_free(&p);
    assert_null(p);
    daas_pki_free(&p); /* accepts NULL */
    daas_free(tls);
    daas_free(dir);
    rm_tree(base);
}

static void test_second_call_reuses_everything(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    char *tls = path_in(dir, "tls");
    char *ca1 = slurp_in(tls, "ca.crt"), *srv1 = slurp_in(tls, "server.crt");
    char *adm1 = slurp_in(tls, "admin.crt");
    daas_pki_free(&p);

    p = ensure(dir, NULL, 0);
    char *ca2 = slurp_in(tls, "ca.crt"), *srv2 = slurp_in(tls, "server.crt");
    char *adm2 = slurp_in(tls, "admin.crt");
    assert_string_equal(ca1, ca2);
    assert_string_equal(srv1, srv2);
    assert_string_equal(adm1, adm2);
    daas_pki_free(&p);
    char *bufs[] = {ca1, ca2, srv1, srv2, adm1, adm2, tls};
    for (size_t i = 0; i < 7; i++)
        daas_free(bufs[i]);
    rm_tree(dir);
}

/* ---- keys at rest through a vault ---- */

/* A vault that keeps sealed keys in memory (the real one is Seal: seal/vault.h), XORed so a
 * test can tell the stored form from the key. */
typedef struct mem_vault {
    char path[2][512];
    daas_buf pem[2];
    int seals, opens;
    bool refuse;
} mem_vault;

static int mv_seal(void *arg, const char *path, daas_bytes pem, daas_err *err)
{
    mem_vault *v = arg;
    int i = strstr(path, "ca.key") ? 0 : 1;
    (void)err;
    snprintf(v->path[i], sizeof v->path[i], "%s", path);
    daas_buf_reset(&v->pem[i]);
    for (size_t k = 0; k < pem.len; k++) {
        char c = (char)(pem.ptr[k] ^ 0x5a);
        assert_int_equal(daas_buf_append(&v->pem[i], &c, 1), DAAS_OK);
    }
    v->seals++;
    return DAAS_OK;
}

static int mv_open(void *arg, const char *path, daas_buf *pem, daas_err *err)
{
    mem_vault *v = arg;
    int i = strstr(path, "ca.key") ? 0 : 1;
    if (v->refuse)
        return daas_fail(err, DAAS_EDENIED, "key servers refused");
    if (v->pem[i].len == 0 || strcmp(v->path[i], path) != 0)
        return DAAS_ENOTFOUND;
    for (size_t k = 0; k < v->pem[i].len; k++) {
        char c = (char)(v->pem[i].data[k] ^ 0x5a);
        assert_int_equal(daas_buf_append(pem, &c, 1), DAAS_OK);
    }
    v->opens++;
    return DAAS_OK;
}

static void test_vault(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    mem_vault mv = {0};
    daas_pki_vault v = {.arg = &mv, .seal = mv_seal, .open = mv_open};
    daas_pki_opts o = {.data_dir = dir, .vault = &v};
    daas_pki *p = NULL;
    daas_err err = {0};
    char *tls = path_in(dir, "tls");
    char *ca_key = path_in(tls, "ca.key"), *srv_key = path_in(tls, "server.key");
    char *adm_key = path_in(tls, "admin.key");

    /* a fresh pki with a vault: the CA and server keys never become files */
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_OK);
    assert_int_equal(mv.seals, 2);
    assert_int_equal(access(ca_key, F_OK), -1);
    assert_int_equal(access(srv_key, F_OK), -1);
    assert_int_equal(access(adm_key, F_OK), 0); /* the admin's key is in its kubeconfig */
    char *srv1 = slurp_in(tls, "server.crt");
    daas_pki_free(&p);

    /* the next start opens both through the vault and re-issues nothing */
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_OK);
    assert_int_equal(mv.opens, 2);
    assert_int_equal(mv.seals, 2);
    char *srv2 = slurp_in(tls, "server.crt");
    assert_string_equal(srv1, srv2);
    daas_pki_free(&p);

    /* key servers refusing: the CA cannot be loaded, nothing is re-created */
    mv.refuse = true;
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_EDENIED);
    assert_null(p);
    mv.refuse = false;

    /* a pki made without the vault (a first start) is sealed afterwards */
    char *dir2 = make_tmpdir();
    mem_vault mv2 = {0};
    daas_pki_vault v2 = {.arg = &mv2, .seal = mv_seal, .open = mv_open};
    daas_pki_opts o2 = {.data_dir = dir2};
    char *tls2 = path_in(dir2, "tls"), *ca2 = path_in(tls2, "ca.key");
    assert_int_equal(daas_pki_ensure(&o2, &p, &err), DAAS_OK);
    assert_int_equal(access(ca2, F_OK), 0);
    assert_int_equal(daas_pki_seal_keys(p, &v2, &err), DAAS_OK);
    assert_int_equal(access(ca2, F_OK), -1);
    assert_int_equal(mv2.seals, 2);
    daas_pki_free(&p);
    o2.vault = &v2;
    assert_int_equal(daas_pki_ensure(&o2, &p, &err), DAAS_OK);
    assert_int_equal(mv2.opens, 2);
    daas_pki_free(&p);

    for (int i = 0; i < 2; i++)
        daas_buf_fini(&mv.pem[i]), daas_buf_fini(&mv2.pem[i]);
    char *bufs[] = {tls, ca_key, srv_key, adm_key, srv1, srv2, tls2, ca2};
    for (size_t i = 0; i < 8; i++)
        daas_free(bufs[i]);
    rm_tree(dir);
    rm_tree(dir2);
}

/* ---- certificate contents ---- */

static void test_ca_contents(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    char *tls = path_in(dir, "tls");
    X509 *ca = load_crt(tls, "ca.crt");
    char cn[128];
    subject_text(ca, NID_commonName, 0, cn, sizeof cn);
    assert_int_equal(strncmp(cn, "daas-ca@", 8), 0);
    assert_int_equal(X509_check_ca(ca), 1);
    uint32_t ku = X509_get_key_usage(ca);
    assert_true(ku & KU_KEY_CERT_SIGN);
    assert_true(ku & KU_CRL_SIGN);
    assert_true(ku & KU_DIGITAL_SIGNATURE);
    assert_non_null(X509_get0_subject_key_id(ca));
    int crit = 0;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(ca, NID_basic_constraints, &crit, NULL);
    assert_non_null(bc);
    assert_int_equal(crit, 1);
    BASIC_CONSTRAINTS_free(bc);
    /* About 10 years; positive 16-byte serial. */
    assert_true(daas_pki__valid_for(ca, 3640));
    assert_false(daas_pki__valid_for(ca, 3660));
    const ASN1_INTEGER *sn = X509_get0_serialNumber(ca);
    assert_int_equal(ASN1_STRING_type(sn), V_ASN1_INTEGER);
    assert_int_equal(ASN1_STRING_length(sn), 16);
    X509_free(ca);
    daas_free(tls);
    daas_pki_free(&p);
    rm_tree(dir);
}

static void test_server_cert_sans_and_chain(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    const char *extra[] = {"api.example.com", "10.99.0.7", "fd00::42"};
    daas_pki *p = ensure(dir, extra, 3);
    char *tls = path_in(dir, "tls");
    X509 *ca = load_crt(tls, "ca.crt"), *srv = load_crt(tls, "server.crt");
    assert_int_equal(verify_with(ca, srv, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    /* A server certificate must not work as a client certificate (EKU serverAuth only). */
    assert_int_not_equal(verify_with(ca, srv, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    const char *want[] = {"localhost", "kubernetes", "kubernetes.default",
                          "kubernetes.default.svc", "127.0.0.1", "::1", "api.example.com",
                          "10.99.0.7", "fd00::42"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(has_san(srv, want[i]));
    assert_false(has_san(srv, "10.99.0.8"));
    assert_false(has_san(srv, "other.example.com"));
    char host[256] = "";
    daas_pki__san hs;
    if (gethostname(host, sizeof host - 1) == 0 && daas_pki__san_parse(host, &hs, NULL) == 0)
        assert_true(daas_pki__covers_sans(srv, &hs, 1));
    char cn[128];
    subject_text(srv, NID_commonName, 0, cn, sizeof cn);
    assert_string_equal(cn, "daas-apiserver");
    assert_true(X509_get_extended_key_usage(srv) & XKU_SSL_SERVER);
    assert_true(X509_get_key_usage(srv) & KU_KEY_ENCIPHERMENT);
    assert_non_null(X509_get0_authority_key_id(srv));
    assert_int_equal(X509_check_host(srv, "kubernetes.default.svc", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(srv, "127.0.0.1", 0), 1);
    assert_true(daas_pki__valid_for(srv, 360));
    assert_false(daas_pki__valid_for(srv, 370));
    X509_free(ca);
    X509_free(srv);
    daas_free(tls);
    daas_pki_free(&p);
    rm_tree(dir);
}

static void test_new_san_reissues_server_only(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    const char *one[] = {"a.example.com"};
    const char *two[] = {"a.example.com", "192.0.2.10"};
    daas_pki *p = ensure(dir, one, 1);
    char *tls = path_in(dir, "tls");
    char *ca1 = slurp_in(tls, "ca.crt"), *srv1 = slurp_in(tls, "server.crt");
    char *key1 = slurp_in(tls, "server.key"), *adm1 = slurp_in(tls, "admin.crt");
    daas_pki_free(&p);

    p = ensure(dir, two, 2);
    char *ca2 = slurp_in(tls, "ca.crt"), *srv2 = slurp_in(tls, "server.crt");
    char *key2 = slurp_in(tls, "server.key"), *adm2 = slurp_in(tls, "admin.crt");
    assert_string_equal(ca1, ca2);
    assert_string_not_equal(srv1, srv2);
    assert_string_not_equal(key1, key2); /* a new key, not just a new certificate */
    assert_string_equal(adm1, adm2);
    X509 *ca = load_crt(tls, "ca.crt"), *srv = load_crt(tls, "server.crt");
    assert_true(has_san(srv, "192.0.2.10"));
    assert_true(has_san(srv, "a.example.com"));
    assert_int_equal(verify_with(ca, srv, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    daas_pki_free(&p);

    /* Dropping a SAN does not re-issue (the certificate still covers what is asked). */
    p = ensure(dir, one, 1);
    char *srv3 = slurp_in(tls, "server.crt");
    assert_string_equal(srv2, srv3);
    daas_pki_free(&p);
    char *bufs[] = {ca1, ca2, srv1, srv2, srv3, key1, key2, adm1, adm2, tls};
    for (size_t i = 0; i < 10; i++)
        daas_free(bufs[i]);
    X509_free(ca);
    X509_free(srv);
    rm_tree(dir);
}

/* Overwrites <tls>/<name>.crt/.key with a leaf valid for `days`. */
static void plant_leaf(daas_pki *p, const char *tls, const char *name, long days, bool server)
{
    static const char *const masters[] = {"system:masters"};
    daas_pki__san lh;
    assert_int_equal(daas_pki__san_parse("127.0.0.1", &lh, NULL), DAAS_OK);
    daas_pki__leaf lf = {.cn = server ? "daas-apiserver" : "system:admin",
                         .orgs = server ? NULL : masters, .norgs = server ? 0 : 1,
                         .sans = server ? &lh : NULL, .nsans = server ? 1 : 0,
                         .server = server, .days = days};
    EVP_PKEY *key = NULL;
    X509 *crt = NULL;
    assert_int_equal(daas_pki__new_key(&key, NULL), DAAS_OK);
    assert_int_equal(daas_pki__new_leaf(p->ca, p->ca_key, key, &lf, &crt, NULL), DAAS_OK);
    char *cp = daas_xasprintf("%s/%s.crt", tls, name), *kp = daas_xasprintf("%s/%s.key", tls,
                                                                             name);
    assert_int_equal(daas_pki__save_key(key, kp, NULL), DAAS_OK);
    assert_int_equal(daas_pki__save_cert(crt, cp, NULL), DAAS_OK);
    daas_free(cp);
    daas_free(kp);
    X509_free(crt);
    EVP_PKEY_free(key);
}

static void test_expiring_leaves_reissued(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    char *tls = path_in(dir, "tls");
    plant_leaf(p, tls, "server", 10, true);  /* expires within 30 days */
    plant_leaf(p, tls, "admin", 10, false);
    char *srv1 = slurp_in(tls, "server.crt"), *adm1 = slurp_in(tls, "admin.crt");
    daas_pki_free(&p);

    p = ensure(dir, NULL, 0);
    char *srv2 = slurp_in(tls, "server.crt"), *adm2 = slurp_in(tls, "admin.crt");
    assert_string_not_equal(srv1, srv2);
    assert_string_not_equal(adm1, adm2);
    X509 *srv = load_crt(tls, "server.crt");
    assert_true(daas_pki__valid_for(srv, 360));
    X509_free(srv);
    daas_pki_free(&p);

    /* A leaf valid for 60 days is kept. */
    p = ensure(dir, NULL, 0);
    plant_leaf(p, tls, "admin", 60, false);
    char *adm3 = slurp_in(tls, "admin.crt");
    daas_pki_free(&p);
    p = ensure(dir, NULL, 0);
    char *adm4 = slurp_in(tls, "admin.crt");
    assert_string_equal(adm3, adm4);
    daas_pki_free(&p);
    char *bufs[] = {srv1, srv2, adm1, adm2, adm3, adm4, tls};
    for (size_t i = 0; i < 7; i++)
        daas_free(bufs[i]);
    rm_tree(dir);
}

static void test_new_ca_reissues_leaves(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    daas_pki_free(&p);
    char *tls = path_in(dir, "tls");
    char *cap = path_in(tls, "ca.crt");
    char *ca1 = slurp_in(tls, "ca.crt"), *srv1 = slurp_in(tls, "server.crt");
    assert_int_equal(unlink(cap), 0);
    sleep(1); /* the CA's CN carries the creation second */

    p = ensure(dir, NULL, 0);
    char *ca2 = slurp_in(tls, "ca.crt"), *srv2 = slurp_in(tls, "server.crt");
    assert_string_not_equal(ca1, ca2);
    assert_string_not_equal(srv1, srv2);
    X509 *ca = load_crt(tls, "ca.crt"), *srv = load_crt(tls, "server.crt");
    X509 *adm = load_crt(tls, "admin.crt");
    assert_int_equal(verify_with(ca, srv, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    assert_int_equal(verify_with(ca, adm, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    X509_free(ca);
    X509_free(srv);
    X509_free(adm);
    daas_pki_free(&p);
    char *bufs[] = {ca1, ca2, srv1, srv2, cap, tls};
    for (size_t i = 0; i < 6; i++)
        daas_free(bufs[i]);
    rm_tree(dir);
}

static void test_errors(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_pki *p = NULL;
    daas_pki_opts none = {0};
    assert_int_equal(daas_pki_ensure(&none, &p, &err), DAAS_EINVAL);
    assert_null(p);

    char *dir = make_tmpdir();
    const char *bad[] = {"bad name!"};
    daas_pki_opts o = {.data_dir = dir, .extra_sans = bad, .nextra_sans = 1};
    daas_err_clear(&err);
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "bad name!"));
    assert_null(p);

    /* A CA certificate without its key is the operator's problem, not silently replaced. */
    p = ensure(dir, NULL, 0);
    daas_pki_free(&p);
    char *tls = path_in(dir, "tls");
    char *kp = path_in(tls, "ca.key");
    assert_int_equal(unlink(kp), 0);
    o.nextra_sans = 0;
    daas_err_clear(&err);
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_ENOTFOUND);
    assert_non_null(strstr(err.msg, "ca.key"));
    assert_null(p);

    /* A corrupt CA certificate. */
    char *cp = path_in(tls, "ca.crt");
    assert_int_equal(daas_write_file_atomic(cp, "junk", 4, 0644, NULL), DAAS_OK);
    daas_err_clear(&err);
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "ca.crt"));
    assert_null(p);

    /* data_dir is a file. */
    char *f = path_in(dir, "file");
    assert_int_equal(daas_write_file_atomic(f, "x", 1, 0644, NULL), DAAS_OK);
    o.data_dir = f;
    daas_err_clear(&err);
    assert_int_equal(daas_pki_ensure(&o, &p, &err), DAAS_EIO);
    daas_free(f);
    daas_free(cp);
    daas_free(kp);
    daas_free(tls);
    rm_tree(dir);
}

static void test_san_parse(void **state)
{
    (void)state;
    daas_pki__san s;
    assert_int_equal(daas_pki__san_parse("10.1.2.3", &s, NULL), DAAS_OK);
    assert_int_equal(s.iplen, 4);
    assert_int_equal(daas_pki__san_parse("2001:db8::1", &s, NULL), DAAS_OK);
    assert_int_equal(s.iplen, 16);
    assert_int_equal(daas_pki__san_parse("*.apps.example.com", &s, NULL), DAAS_OK);
    assert_int_equal(s.iplen, 0);
    assert_string_equal(s.dns, "*.apps.example.com");
    const char *bad[] = {"", "a..b", ".a", "a.", "a b", "a,b", "x\"y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(daas_pki__san_parse(bad[i], &s, NULL), DAAS_EINVAL);
}

/* ---- admin and issued client certificates ---- */

static void test_admin_cert(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    char *tls = path_in(dir, "tls");
    X509 *ca = load_crt(tls, "ca.crt"), *adm = load_crt(tls, "admin.crt");
    char buf[128];
    subject_text(adm, NID_commonName, 0, buf, sizeof buf);
    assert_string_equal(buf, "system:admin");
    subject_text(adm, NID_organizationName, 0, buf, sizeof buf);
    assert_string_equal(buf, "system:masters");
    assert_true(X509_get_extended_key_usage(adm) & XKU_SSL_CLIENT);
    assert_false(X509_get_extended_key_usage(adm) & XKU_SSL_SERVER);
    assert_int_equal(verify_with(ca, adm, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    X509_free(ca);
    X509_free(adm);
    daas_free(tls);
    daas_pki_free(&p);
    rm_tree(dir);
}

static void test_issue_client(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    const char *orgs[] = {"dev", "ops"};
    char *cp = path_in(dir, "alice.crt"), *kp = path_in(dir, "alice.key");
    assert_int_equal(daas_pki_issue_client(p, "alice", orgs, 2, cp, kp, NULL), DAAS_OK);
    assert_int_equal(mode_of(dir, "alice.key"), 0600);
    X509 *ca = load_crt(dir, "tls/ca.crt"), *c = load_crt(dir, "alice.crt");
    char buf[128];
    subject_text(c, NID_commonName, 0, buf, sizeof buf);
    assert_string_equal(buf, "alice");
    subject_text(c, NID_organizationName, 0, buf, sizeof buf);
    assert_string_equal(buf, "dev");
    subject_text(c, NID_organizationName, 1, buf, sizeof buf);
    assert_string_equal(buf, "ops");
    assert_int_equal(verify_with(ca, c, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    EVP_PKEY *k = NULL;
    assert_int_equal(daas_pki__load_key(kp, &k, NULL), DAAS_OK);
    assert_int_equal(X509_check_private_key(c, k), 1);
    daas_err err = {0};
    assert_int_equal(daas_pki_issue_client(p, "", NULL, 0, cp, kp, &err), DAAS_EINVAL);
    EVP_PKEY_free(k);
    X509_free(ca);
    X509_free(c);
    daas_free(cp);
    daas_free(kp);
    daas_pki_free(&p);
    rm_tree(dir);
}

/* ---- kubeconfig ---- */

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
    assert_non_null(m);
    assert_int_equal(m->type, YAML_MAPPING_NODE);
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(d, pr->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(d, pr->value);
    }
    fail_msg("key %s missing", key);
    return NULL;
}

static yaml_node_t *seq_only(yaml_document_t *d, yaml_node_t *s)
{
    assert_non_null(s);
    assert_int_equal(s->type, YAML_SEQUENCE_NODE);
    assert_int_equal(s->data.sequence.items.top - s->data.sequence.items.start, 1);
    return yaml_document_get_node(d, *s->data.sequence.items.start);
}

static const char *scalar(yaml_node_t *n)
{
    assert_non_null(n);
    assert_int_equal(n->type, YAML_SCALAR_NODE);
    return (const char *)n->data.scalar.value;
}

/* Decodes a base64 kubeconfig field and compares it with a file's bytes. */
static void assert_b64_of_file(const char *b64, const char *dir, const char *name)
{
    daas_buf out;
    daas_buf_init(&out, 0);
    assert_int_equal(daas_base64_decode(b64, strlen(b64), &out), DAAS_OK);
    char *want = slurp_in(dir, name);
    assert_string_equal(out.data, want);
    daas_free(want);
    daas_buf_fini(&out);
}

static void check_kubeconfig(const char *dir, const char *name, const char *server)
{
    char *tls = path_in(dir, "tls");
    char *text = slurp_in(dir, "kubeconfig.yaml");
    yaml_parser_t ps;
    yaml_document_t d;
    assert_int_equal(yaml_parser_initialize(&ps), 1);
    yaml_parser_set_input_string(&ps, (unsigned char *)text, strlen(text));
    assert_int_equal(yaml_parser_load(&ps, &d), 1);
    yaml_node_t *root = yaml_document_get_root_node(&d);
    assert_string_equal(scalar(map_get(&d, root, "apiVersion")), "v1");
    assert_string_equal(scalar(map_get(&d, root, "kind")), "Config");
    assert_string_equal(scalar(map_get(&d, root, "current-context")), name);

    yaml_node_t *cl = seq_only(&d, map_get(&d, root, "clusters"));
    assert_string_equal(scalar(map_get(&d, cl, "name")), name);
    yaml_node_t *c = map_get(&d, cl, "cluster");
    assert_string_equal(scalar(map_get(&d, c, "server")), server);
    assert_b64_of_file(scalar(map_get(&d, c, "certificate-authority-data")), tls, "ca.crt");

    yaml_node_t *ctx = seq_only(&d, map_get(&d, root, "contexts"));
    assert_string_equal(scalar(map_get(&d, ctx, "name")), name);
    assert_string_equal(scalar(map_get(&d, map_get(&d, ctx, "context"), "cluster")), name);
    assert_string_equal(scalar(map_get(&d, map_get(&d, ctx, "context"), "user")), name);

    yaml_node_t *u = seq_only(&d, map_get(&d, root, "users"));
    assert_string_equal(scalar(map_get(&d, u, "name")), name);
    yaml_node_t *uu = map_get(&d, u, "user");
    assert_b64_of_file(scalar(map_get(&d, uu, "client-certificate-data")), tls, "admin.crt");
    assert_b64_of_file(scalar(map_get(&d, uu, "client-key-data")), tls, "admin.key");
    yaml_document_delete(&d);
    yaml_parser_delete(&ps);
    daas_free(text);
    daas_free(tls);
}

static void test_kubeconfig(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki *p = ensure(dir, NULL, 0);
    daas_pki_free(&p);
    check_kubeconfig(dir, "default", "https://127.0.0.1:6443");

    /* Rewritten at every start; hostile names stay scalars. */
    daas_pki_opts o = {.data_dir = dir, .server_url = "https://10.0.0.5:7443",
                       .cluster_name = "we\"ird: {name}\\\n# x"};
    assert_int_equal(daas_pki_ensure(&o, &p, NULL), DAAS_OK);
    check_kubeconfig(dir, "we\"ird: {name}\\\n# x", "https://10.0.0.5:7443");
    assert_int_equal(mode_of(dir, "kubeconfig.yaml"), 0600);
    daas_pki_free(&p);
    rm_tree(dir);
}

/* ---- TLS handshakes in memory ---- */

typedef struct conn {
    SSL *srv;
    SSL *cli;
} conn;

static SSL_CTX *client_ctx(const char *ca_path, const char *crt, const char *key)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    assert_non_null(c);
    assert_int_equal(SSL_CTX_load_verify_locations(c, ca_path, NULL), 1);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    static const unsigned char protos[] = "\x02h2\x08http/1.1";
    assert_int_equal(SSL_CTX_set_alpn_protos(c, protos, sizeof protos - 1), 0);
    if (crt != NULL) {
        assert_int_equal(SSL_CTX_use_certificate_file(c, crt, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM), 1);
    }
    return c;
}

/* Runs both ends of a handshake over a BIO pair until both finish; fails the test if
 * either end fails. host: the name the client checks in the server certificate. */
static void handshake(SSL_CTX *sctx, SSL_CTX *cctx, const char *host, conn *k)
{
    BIO *bs = NULL, *bc = NULL;
    k->srv = SSL_new(sctx);
    k->cli = SSL_new(cctx);
    assert_int_equal(BIO_new_bio_pair(&bs, 0, &bc, 0), 1);
    SSL_set_bio(k->srv, bs, bs);
    SSL_set_bio(k->cli, bc, bc);
    SSL_set_accept_state(k->srv);
    SSL_set_connect_state(k->cli);
    assert_int_equal(SSL_set1_host(k->cli, host), 1);
    bool sd = false, cd = false;
    for (int i = 0; i < 100 && !(sd && cd); i++) {
        SSL *ends[2] = {k->cli, k->srv};
        bool *done[2] = {&cd, &sd};
        for (int j = 0; j < 2; j++) {
            if (*done[j])
                continue;
            int r = SSL_do_handshake(ends[j]);
            if (r == 1) {
                *done[j] = true;
                continue;
            }
            int e = SSL_get_error(ends[j], r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                char b[200];
                ERR_error_string_n(ERR_get_error(), b, sizeof b);
                fail_msg("%s handshake failed: %s", j == 0 ? "client" : "server", b);
            }
        }
    }
    assert_true(sd && cd);
    assert_int_equal(SSL_get_verify_result(k->cli), X509_V_OK); /* server cert trusted */
}

static void conn_free(conn *k)
{
    SSL_free(k->srv);
    SSL_free(k->cli);
}

typedef struct tls_fix {
    char *dir;
    daas_pki *p;
    SSL_CTX *sctx;
    char *ca;
} tls_fix;

static void tls_setup(tls_fix *f)
{
    f->dir = make_tmpdir();
    f->p = ensure(f->dir, NULL, 0);
    assert_int_equal(daas_pki_server_ctx(f->p, &f->sctx, NULL), DAAS_OK);
    f->ca = daas_xstrdup(daas_pki_ca_path(f->p));
}

static void tls_teardown(tls_fix *f)
{
    SSL_CTX_free(f->sctx);
    daas_pki_free(&f->p);
    daas_free(f->ca);
    rm_tree(f->dir);
}

static void test_tls_admin_verified(void **state)
{
    (void)state;
    tls_fix f;
    tls_setup(&f);
    char *crt = path_in(f.dir, "tls/admin.crt"), *key = path_in(f.dir, "tls/admin.key");
    SSL_CTX *c = client_ctx(f.ca, crt, key);
    const char *hosts[] = {"localhost", "127.0.0.1"};
    for (int i = 0; i < 2; i++) {
        conn k;
        handshake(f.sctx, c, hosts[i], &k);
        assert_int_equal(SSL_get_verify_result(k.srv), X509_V_OK);
        char cn[256], orgs[8][128];
        int norgs = -1;
        assert_true(daas_pki_peer_identity(k.srv, cn, sizeof cn, orgs, 8, &norgs));
        assert_string_equal(cn, "system:admin");
        assert_int_equal(norgs, 1);
        assert_string_equal(orgs[0], "system:masters");
        const unsigned char *alpn = NULL;
        unsigned int alen = 0;
        SSL_get0_alpn_selected(k.srv, &alpn, &alen);
        assert_int_equal(alen, 8);
        assert_memory_equal(alpn, "http/1.1", 8);
        assert_true(SSL_version(k.srv) >= TLS1_2_VERSION);
        conn_free(&k);
    }
    SSL_CTX_free(c);
    daas_free(crt);
    daas_free(key);
    tls_teardown(&f);
}

static void test_tls12_client_verified(void **state)
{
    (void)state;
    tls_fix f;
    tls_setup(&f);
    char *crt = path_in(f.dir, "tls/admin.crt"), *key = path_in(f.dir, "tls/admin.key");
    SSL_CTX *c = client_ctx(f.ca, crt, key);
    assert_int_equal(SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION), 1);
    conn k;
    handshake(f.sctx, c, "localhost", &k);
    assert_int_equal(SSL_version(k.srv), TLS1_2_VERSION);
    char cn[256], orgs[8][128];
    int norgs;
    assert_true(daas_pki_peer_identity(k.srv, cn, sizeof cn, orgs, 8, &norgs));
    assert_string_equal(cn, "system:admin");
    conn_free(&k);
    SSL_CTX_free(c);
    daas_free(crt);
    daas_free(key);
    tls_teardown(&f);
}

static void test_tls_foreign_ca_not_verified(void **state)
{
    (void)state;
    tls_fix f;
    tls_setup(&f);
    /* A second, unrelated cluster issues "system:admin" for itself. */
    char *other = make_tmpdir();
    daas_pki *op = ensure(other, NULL, 0);
    char *crt = path_in(other, "evil.crt"), *key = path_in(other, "evil.key");
    const char *masters[] = {"system:masters"};
    assert_int_equal(daas_pki_issue_client(op, "system:admin", masters, 1, crt, key, NULL),
                     DAAS_OK);
    SSL_CTX *c = client_ctx(f.ca, crt, key);
    conn k;
    handshake(f.sctx, c, "localhost", &k); /* completes: the HTTP layer decides */
    assert_non_null(SSL_get0_peer_certificate(k.srv));
    assert_int_not_equal(SSL_get_verify_result(k.srv), X509_V_OK);
    char cn[256], orgs[8][128];
    int norgs = 5;
    assert_false(daas_pki_peer_identity(k.srv, cn, sizeof cn, orgs, 8, &norgs));
    assert_string_equal(cn, "");
    assert_int_equal(norgs, 0);
    conn_free(&k);
    SSL_CTX_free(c);
    daas_free(crt);
    daas_free(key);
    daas_pki_free(&op);
    rm_tree(other);
    tls_teardown(&f);
}

static void test_tls_expired_and_server_cert_not_verified(void **state)
{
    (void)state;
    tls_fix f;
    tls_setup(&f);
    char *tls = path_in(f.dir, "tls");
    plant_leaf(f.p, tls, "old", -1, false); /* signed by our CA, expired yesterday */
    const char *names[][2] = {{"tls/old.crt", "tls/old.key"},
                              {"tls/server.crt", "tls/server.key"}}; /* wrong EKU */
    for (int i = 0; i < 2; i++) {
        char *crt = path_in(f.dir, names[i][0]), *key = path_in(f.dir, names[i][1]);
        SSL_CTX *c = client_ctx(f.ca, crt, key);
        conn k;
        handshake(f.sctx, c, "localhost", &k);
        assert_int_not_equal(SSL_get_verify_result(k.srv), X509_V_OK);
        if (i == 0)
            assert_int_equal(SSL_get_verify_result(k.srv), X509_V_ERR_CERT_HAS_EXPIRED);
        char cn[256], orgs[8][128];
        int norgs;
        assert_false(daas_pki_peer_identity(k.srv, cn, sizeof cn, orgs, 8, &norgs));
        conn_free(&k);
        SSL_CTX_free(c);
        daas_free(crt);
        daas_free(key);
    }
    daas_free(tls);
    tls_teardown(&f);
}

static void test_tls_no_client_cert(void **state)
{
    (void)state;
    tls_fix f;
    tls_setup(&f);
    SSL_CTX *c = client_ctx(f.ca, NULL, NULL);
    conn k;
    handshake(f.sctx, c, "kubernetes.default.svc", &k);
    /* The trap: no certificate reads as X509_V_OK; the identity must still be refused. */
    assert_null(SSL_get0_peer_certificate(k.srv));
    char cn[256], orgs[8][128];
    int norgs;
    assert_false(daas_pki_peer_identity(k.srv, cn, sizeof cn, orgs, 8, &norgs));
    conn_free(&k);
    SSL_CTX_free(c);
    tls_teardown(&f);
}

static void test_tls_wrong_host_rejected_by_client(void **state)
{
    (void)state;
    tls_fix f;
    tls_setup(&f);
    SSL_CTX *c = client_ctx(f.ca, NULL, NULL);
    SSL *s = SSL_new(f.sctx), *cl = SSL_new(c);
    BIO *bs = NULL, *bc = NULL;
    assert_int_equal(BIO_new_bio_pair(&bs, 0, &bc, 0), 1);
    SSL_set_bio(s, bs, bs);
    SSL_set_bio(cl, bc, bc);
    SSL_set_accept_state(s);
    SSL_set_connect_state(cl);
    assert_int_equal(SSL_set1_host(cl, "not-in-the-cert.example"), 1);
    int cr = -1;
    for (int i = 0; i < 20; i++) {
        cr = SSL_do_handshake(cl);
        if (cr == 1 || SSL_get_error(cl, cr) == SSL_ERROR_SSL)
            break;
        (void)SSL_do_handshake(s);
    }
    assert_int_not_equal(cr, 1);
    assert_int_equal(SSL_get_verify_result(cl), X509_V_ERR_HOSTNAME_MISMATCH);
    ERR_clear_error();
    SSL_free(s);
    SSL_free(cl);
    SSL_CTX_free(c);
    tls_teardown(&f);
}

int main(void)
{
    umask(022);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_dir_files_and_modes),
        cmocka_unit_test(test_second_call_reuses_everything),
        cmocka_unit_test(test_vault),
        cmocka_unit_test(test_ca_contents),
        cmocka_unit_test(test_server_cert_sans_and_chain),
        cmocka_unit_test(test_new_san_reissues_server_only),
        cmocka_unit_test(test_expiring_leaves_reissued),
        cmocka_unit_test(test_new_ca_reissues_leaves),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_san_parse),
        cmocka_unit_test(test_admin_cert),
        cmocka_unit_test(test_issue_client),
        cmocka_unit_test(test_kubeconfig),
        cmocka_unit_test(test_tls_admin_verified),
        cmocka_unit_test(test_tls12_client_verified),
        cmocka_unit_test(test_tls_foreign_ca_not_verified),
        cmocka_unit_test(test_tls_expired_and_server_cert_not_verified),
        cmocka_unit_test(test_tls_no_client_cert),
        cmocka_unit_test(test_tls_wrong_host_rejected_by_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
