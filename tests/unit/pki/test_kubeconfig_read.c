/*
 * test_kubeconfig_read.c: reading kubeconfigs (pki/kubeconfig_read.c): the admin kubeconfig
 * daas_pki_ensure writes, a kubectl-style file with several contexts, credentials in files
 * (relative and absolute paths, tokenFile), the default path ($KUBECONFIG list, $HOME), and
 * every refusal (no current-context, missing context/cluster/user, bad base64,
 * insecure-skip-tls-verify, exec users, half a certificate, not YAML, alias bombs, cycles,
 * header-breaking tokens, oversize input).
 *
 * Owns:   a temporary directory per test (under $DAAS_TEST_TMP or /tmp), removed at the end;
 *         $KUBECONFIG and $HOME are changed by test_default_path and restored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/util.h"
#include "pki/pki.h"
#include "pki_testutil.h"

#define CA_PEM "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n"
#define CRT_PEM "-----BEGIN CERTIFICATE-----\nQ1JU\n-----END CERTIFICATE-----\n"
#define KEY_PEM "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n"

/* ---- helpers ---- */

static char *make_tmpdir(void)
{
    return pt_tmpdir("kcread");
}

static void rm_tree(char *dir)
{
    pt_rm_tree(dir);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char *p = daas_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    daas_free(p);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    daas_buf b;
    daas_buf_init(&b, 0);
    char chunk[1024];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(daas_buf_append(&b, chunk, n), DAAS_OK);
    fclose(f);
    return daas_buf_steal(&b, NULL);
}

static int parse(const char *yaml, const char *ctx, const char *base, daas_pki_kubeconfig *o,
                 daas_err *err)
{
    daas_err_clear(err);
    return daas_pki_kubeconfig_parse(DAAS_BYTES_STR(yaml), ctx, base, o, err);
}

/* Parsing yaml fails with code and a message containing want; *o stays empty. */
static void expect_fail(const char *yaml, const char *ctx, const char *base, int code,
                        const char *want)
{
    daas_pki_kubeconfig o;
    daas_err err;
    int rc = parse(yaml, ctx, base, &o, &err);
    if (rc != code || strstr(err.msg, want) == NULL || strchr(err.msg, '\n') != NULL)
        fail_msg("rc %d (want %d), message \"%s\" (want \"%s\")", rc, code, err.msg, want);
    assert_null(o.server);
    assert_null(o.key_pem);
    assert_null(o.context);
}

/* A kubectl-style file: clusters c1 (CA data) and c2 (no CA), users u-cert (cert+key data)
 * and u-tok (token), contexts a (c1, u-cert) and b (c2, u-tok); current-context b. */
static char *multi_yaml(void)
{
    char *ca = daas_base64_encode(CA_PEM, strlen(CA_PEM));
    char *crt = daas_base64_encode(CRT_PEM, strlen(CRT_PEM));
    char *key = daas_base64_encode(KEY_PEM, strlen(KEY_PEM));
    char *y = daas_xasprintf(
        "apiVersion: v1\nkind: Config\npreferences: {}\n"
        "clusters:\n"
        "- name: c2\n  cluster:\n    server: https://10.0.0.2:6443\n"
        "    insecure-skip-tls-verify: false\n"
        "- cluster:\n    certificate-authority-data: %s\n    server: 'https://c1.example:443'\n"
        "  name: c1\n"
        "contexts:\n"
        "- {name: a, context: {cluster: c1, user: u-cert, namespace: kube-system}}\n"
        "- name: b\n  context:\n    cluster: c2\n    user: u-tok\n"
        "current-context: b\n"
        "users:\n"
        "- name: u-tok\n  user:\n    token: \"abc.def-123\"\n"
        "- name: u-cert\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\n",
        ca, crt, key);
    daas_free(ca);
    daas_free(crt);
    daas_free(key);
    return y;
}

/* ---- the kubeconfig daas server writes ---- */

static void test_admin_kubeconfig(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    daas_pki_opts po = {
        .data_dir = dir, .server_url = "https://127.0.0.1:16443", .cluster_name = "daas"};
    daas_pki *p = NULL;
    daas_err err = {0};
    assert_int_equal(daas_pki_ensure(&po, &p, &err), DAAS_OK);

    daas_pki_kubeconfig k;
    assert_int_equal(daas_pki_kubeconfig_load(daas_pki_kubeconfig_path(p), NULL, &k, &err),
                     DAAS_OK);
    assert_string_equal(k.context, "daas");
    assert_string_equal(k.cluster, "daas");
    assert_string_equal(k.user, "daas");
    assert_string_equal(k.server, "https://127.0.0.1:16443");
    char *ca = read_text(daas_pki_ca_path(p));
    assert_string_equal(k.ca_pem, ca);
    char *crt_path = daas_xasprintf("%s/tls/admin.crt", dir);
    char *crt = read_text(crt_path);
    assert_string_equal(k.cert_pem, crt);
    assert_null(k.token);

    /* the key is the admin certificate's own key */
    BIO *kb = BIO_new_mem_buf(k.key_pem, -1), *cb = BIO_new_mem_buf(k.cert_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    assert_non_null(key);
    assert_non_null(x);
    assert_int_equal(X509_check_private_key(x, key), 1);
    EVP_PKEY_free(key);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);

    /* the same file by context name; an unknown context */
    daas_pki_kubeconfig_fini(&k);
    assert_null(k.key_pem);
    assert_int_equal(daas_pki_kubeconfig_load(daas_pki_kubeconfig_path(p), "daas", &k, &err),
                     DAAS_OK);
    assert_string_equal(k.server, "https://127.0.0.1:16443");
    daas_pki_kubeconfig_fini(&k);
    daas_err_clear(&err);
    assert_int_equal(daas_pki_kubeconfig_load(daas_pki_kubeconfig_path(p), "x", &k, &err),
                     DAAS_EINVAL);
    assert_string_equal(err.msg, "kubeconfig: context \"x\" not found");

    daas_free(ca);
    daas_free(crt);
    daas_free(crt_path);
    daas_pki_free(&p);
    rm_tree(dir);
}

/* ---- kubectl-style files ---- */

static void test_multi_context(void **state)
{
    (void)state;
    char *y = multi_yaml();
    daas_pki_kubeconfig k;
    daas_err err;
    assert_int_equal(parse(y, NULL, NULL, &k, &err), DAAS_OK);
    assert_string_equal(k.context, "b");
    assert_string_equal(k.server, "https://10.0.0.2:6443");
    assert_null(k.ca_pem);
    assert_null(k.cert_pem);
    assert_null(k.key_pem);
    assert_string_equal(k.token, "abc.def-123");
    daas_pki_kubeconfig_fini(&k);

    assert_int_equal(parse(y, "a", NULL, &k, &err), DAAS_OK);
    assert_string_equal(k.context, "a");
    assert_string_equal(k.cluster, "c1");
    assert_string_equal(k.user, "u-cert");
    assert_string_equal(k.server, "https://c1.example:443");
    assert_string_equal(k.ca_pem, CA_PEM);
    assert_string_equal(k.cert_pem, CRT_PEM);
    assert_string_equal(k.key_pem, KEY_PEM);
    assert_null(k.token);
    daas_pki_kubeconfig_fini(&k);

    expect_fail(y, "c", NULL, DAAS_EINVAL, "kubeconfig: context \"c\" not found");
    daas_free(y);
}

/* Credentials in files: relative paths resolve against the kubeconfig's directory. */
static void test_file_paths(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *sub = daas_xasprintf("%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_text(sub, "ca.crt", CA_PEM);
    write_text(sub, "c.crt", CRT_PEM);
    write_text(sub, "c.key", KEY_PEM);
    write_text(sub, "tok", "  s3cr3t-token\n");
    char *y = daas_xasprintf(
        "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
        "    certificate-authority: sub/ca.crt\n"
        "users:\n- name: u\n  user:\n    client-certificate: sub/c.crt\n"
        "    client-key: %s/c.key\n    tokenFile: sub/tok\n"
        "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n",
        sub);
    write_text(dir, "config", y);

    daas_pki_kubeconfig k;
    daas_err err = {0};
    char *path = daas_xasprintf("%s/config", dir);
    assert_int_equal(daas_pki_kubeconfig_load(path, NULL, &k, &err), DAAS_OK);
    assert_string_equal(k.ca_pem, CA_PEM);
    assert_string_equal(k.cert_pem, CRT_PEM);
    assert_string_equal(k.key_pem, KEY_PEM);
    assert_string_equal(k.token, "s3cr3t-token");
    daas_pki_kubeconfig_fini(&k);

    /* the same text with no base directory: no file may be read */
    expect_fail(y, NULL, NULL, DAAS_EINVAL, "names the file \"sub/ca.crt\" but no file");
    /* a base directory where the files are not */
    expect_fail(y, NULL, sub, DAAS_ENOTFOUND, "kubeconfig: cannot read ");
    /* a named file that is not PEM */
    write_text(sub, "ca.crt", "not a certificate\n");
    daas_err_clear(&err);
    assert_int_equal(daas_pki_kubeconfig_load(path, NULL, &k, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "kubeconfig: cluster \"c\": certificate-authority is not PEM");
    /* a kubeconfig that does not exist */
    daas_err_clear(&err);
    char *none = daas_xasprintf("%s/nope", dir);
    assert_int_equal(daas_pki_kubeconfig_load(none, NULL, &k, &err), DAAS_ENOTFOUND);
    assert_non_null(strstr(err.msg, "kubeconfig: cannot read "));
    /* a directory is not a kubeconfig */
    daas_err_clear(&err);
    assert_int_equal(daas_pki_kubeconfig_load(sub, NULL, &k, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "is not a regular file"));

    daas_free(none);
    daas_free(path);
    daas_free(y);
    daas_free(sub);
    rm_tree(dir);
}

static void restore_env(const char *name, char *saved)
{
    if (saved != NULL)
        setenv(name, saved, 1);
    else
        unsetenv(name);
    daas_free(saved);
}

/* path NULL: the first entry of $KUBECONFIG, else $HOME/.kube/config. */
static void test_default_path(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    const char *ek = getenv("KUBECONFIG"), *eh = getenv("HOME");
    char *saved_k = ek ? daas_xstrdup(ek) : NULL, *saved_h = eh ? daas_xstrdup(eh) : NULL;
    char *y = multi_yaml();
    write_text(dir, "one", y);
    char *kube = daas_xasprintf("%s/.kube", dir);
    assert_int_equal(mkdir(kube, 0700), 0);
    write_text(kube, "config",
               "clusters: [{name: h, cluster: {server: 'https://home:1'}}]\n"
               "users: [{name: h, user: {}}]\n"
               "contexts: [{name: h, context: {cluster: h, user: h}}]\n"
               "current-context: h\n");

    char *list = daas_xasprintf("%s/one:%s/nope", dir, dir);
    setenv("KUBECONFIG", list, 1);
    daas_pki_kubeconfig k;
    daas_err err = {0};
    assert_int_equal(daas_pki_kubeconfig_load(NULL, NULL, &k, &err), DAAS_OK);
    assert_string_equal(k.server, "https://10.0.0.2:6443");
    daas_pki_kubeconfig_fini(&k);

    unsetenv("KUBECONFIG");
    setenv("HOME", dir, 1);
    assert_int_equal(daas_pki_kubeconfig_load(NULL, NULL, &k, &err), DAAS_OK);
    assert_string_equal(k.server, "https://home:1");
    assert_null(k.cert_pem);
    assert_null(k.token);
    daas_pki_kubeconfig_fini(&k);

    restore_env("KUBECONFIG", saved_k);
    restore_env("HOME", saved_h);
    daas_free(list);
    daas_free(kube);
    daas_free(y);
    rm_tree(dir);
}

/* ---- refusals ---- */

#define CTX "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
#define CLUSTER "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"

static void test_missing_parts(void **state)
{
    (void)state;
    expect_fail(CLUSTER "users: [{name: u, user: {token: t}}]\n"
                        "contexts: [{name: x, context: {cluster: c, user: u}}]\n",
                NULL, NULL, DAAS_EINVAL, "kubeconfig: no current-context");
    expect_fail(CLUSTER CTX "users: [{name: other, user: {token: t}}]\n", NULL, NULL, DAAS_EINVAL,
                "kubeconfig: user \"u\" not found");
    expect_fail("users: [{name: u, user: {token: t}}]\n" CTX, NULL, NULL, DAAS_EINVAL,
                "kubeconfig: cluster \"c\" not found");
    expect_fail("clusters: [{name: c, cluster: {}}]\nusers: [{name: u, user: {}}]\n" CTX, NULL,
                NULL, DAAS_EINVAL, "kubeconfig: cluster \"c\" has no server");
    expect_fail(CLUSTER "users: [{name: u, user: {}}]\n"
                        "contexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n",
                NULL, NULL, DAAS_EINVAL, "kubeconfig: context \"x\" names no user");
    /* a name with a newline is shown on one line */
    expect_fail(CLUSTER "users: []\n" CTX, "a\nb", NULL, DAAS_EINVAL,
                "kubeconfig: context \"a?b\" not found");
}

static void test_bad_credentials(void **state)
{
    (void)state;
    expect_fail(CLUSTER CTX "users: [{name: u, user: {client-certificate-data: '!!notb64',"
                            " client-key-data: S0VZ}}]\n",
                NULL, NULL, DAAS_EINVAL,
                "kubeconfig: user \"u\": client-certificate-data is not base64");
    /* base64 of something that is not PEM */
    expect_fail(CLUSTER CTX "users: [{name: u, user: {client-key-data: aGVsbG8=}}]\n", NULL, NULL,
                DAAS_EINVAL, "kubeconfig: user \"u\": client-key-data is not PEM");
    char *key = daas_base64_encode(KEY_PEM, strlen(KEY_PEM));
    char *y = daas_xasprintf(CLUSTER CTX "users: [{name: u, user: {client-key-data: %s}}]\n", key);
    expect_fail(y, NULL, NULL, DAAS_EINVAL, "a client certificate needs its key");
    daas_free(y);
    daas_free(key);
    expect_fail("clusters: [{name: c, cluster: {server: 'https://h:1', "
                "insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {}}]\n" CTX,
                NULL, NULL, DAAS_EINVAL, "insecure-skip-tls-verify is not supported");
    expect_fail("clusters: [{name: c, cluster: {server: 'https://h:1', "
                "insecure-skip-tls-verify: yes}}]\nusers: [{name: u, user: {}}]\n" CTX,
                NULL, NULL, DAAS_EINVAL, "insecure-skip-tls-verify is not supported");
    expect_fail(CLUSTER CTX "users: [{name: u, user: {exec: {command: daas, args: [auth]}}}]\n",
                NULL, NULL, DAAS_EINVAL, "exec and auth-provider credentials are not supported");
    expect_fail(CLUSTER CTX "users: [{name: u, user: {token: \"a\\nX-Evil: 1\"}}]\n", NULL, NULL,
                DAAS_EINVAL, "the token holds a byte that may not appear in an HTTP header");
    expect_fail(CLUSTER CTX "users: [{name: u, user: {token: [a, b]}}]\n", NULL, NULL, DAAS_EINVAL,
                "user \"u\": token is not a string");
    expect_fail("clusters: [{name: c, cluster: {server: \"https://h:1\\0x\"}}]\n"
                "users: [{name: u, user: {}}]\n" CTX,
                NULL, NULL, DAAS_EINVAL, "server holds a NUL byte");
    expect_fail("clusters: [{name: c, cluster: {server: \"https://h:1 x\"}}]\n"
                "users: [{name: u, user: {}}]\n" CTX,
                NULL, NULL, DAAS_EINVAL, "the server URL holds a space");
}

static void test_not_yaml(void **state)
{
    (void)state;
    expect_fail("clusters: [unclosed\n", NULL, NULL, DAAS_EINVAL, "kubeconfig: not YAML: ");
    expect_fail("just a string\n", NULL, NULL, DAAS_EINVAL, "no top-level mapping");
    expect_fail("", NULL, NULL, DAAS_EINVAL, "no top-level mapping");
    expect_fail("- a\n- b\n", NULL, NULL, DAAS_EINVAL, "no top-level mapping");
    expect_fail("\xff\xfe\x00garbage", NULL, NULL, DAAS_EINVAL, "kubeconfig: ");
    /* lists and items of the wrong shape are not found, never a crash */
    expect_fail("clusters: 3\nusers: {a: b}\ncontexts: [1, [2], {name: [x]}, {name: x}]\n"
                "current-context: x\n",
                NULL, NULL, DAAS_EINVAL, "kubeconfig: context \"x\" not found");
    expect_fail("current-context: {a: b}\n", NULL, NULL, DAAS_EINVAL,
                "current-context is not a string");

    daas_buf big;
    daas_buf_init(&big, 0);
    assert_int_equal(daas_buf_puts(&big, "a: \""), DAAS_OK);
    for (int i = 0; i < 70000; i++)
        assert_int_equal(daas_buf_puts(&big, "x"), DAAS_OK);
    assert_int_equal(daas_buf_puts(&big, "\"\ncurrent-context: x\n"), DAAS_OK);
    expect_fail(big.data, "x", NULL, DAAS_EINVAL, "context \"x\" not found");
    daas_buf_reset(&big);
    assert_int_equal(daas_buf_puts(&big, "current-context: \""), DAAS_OK);
    for (int i = 0; i < 70000; i++)
        assert_int_equal(daas_buf_puts(&big, "x"), DAAS_OK);
    assert_int_equal(daas_buf_puts(&big, "\"\n"), DAAS_OK);
    expect_fail(big.data, NULL, NULL, DAAS_ETOOBIG, "current-context is over 65536 bytes");
    daas_buf_fini(&big);

    daas_pki_kubeconfig k;
    daas_err err = {0};
    static char huge[(1 << 20) + 2];
    memset(huge, ' ', sizeof huge);
    assert_int_equal(daas_pki_kubeconfig_parse(DAAS_BYTES(huge, sizeof huge), NULL, NULL, &k, &err),
                     DAAS_ETOOBIG);
    assert_null(k.server);
}

/* Anchors and aliases: a billion-laughs document and a cycle cost nothing (only a fixed path
 * is walked); an alias is followed where a value is looked up. */
static void test_aliases(void **state)
{
    (void)state;
    daas_buf y;
    daas_buf_init(&y, 0);
    assert_int_equal(daas_buf_puts(&y, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol]\n"),
                     DAAS_OK);
    for (int i = 1; i < 30; i++)
        assert_int_equal(daas_buf_printf(&y,
                                         "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                                         "*a%d, *a%d]\n",
                                         i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                                         i - 1),
                         DAAS_OK);
    assert_int_equal(daas_buf_puts(&y, "clusters: *a29\nusers: *a29\ncontexts: *a29\n"
                                       "current-context: x\n"),
                     DAAS_OK);
    expect_fail(y.data, NULL, NULL, DAAS_EINVAL, "kubeconfig: context \"x\" not found");
    daas_buf_fini(&y);

    /* an alias used for a real value */
    daas_pki_kubeconfig k;
    daas_err err;
    assert_int_equal(parse("clusters: [{name: &n c, cluster: {server: &s 'https://h:1'}}]\n"
                           "users: [{name: *n, user: {token: *s}}]\n"
                           "contexts: [{name: x, context: {cluster: *n, user: *n}}]\n"
                           "current-context: x\n",
                           NULL, NULL, &k, &err),
                     DAAS_OK);
    assert_string_equal(k.cluster, "c");
    assert_string_equal(k.token, "https://h:1");
    daas_pki_kubeconfig_fini(&k);

    /* a self-referencing list, if libyaml accepts one, is not walked */
    int rc = parse("contexts: &c [*c, {name: x, context: *c}]\ncurrent-context: x\n", NULL, NULL,
                   &k, &err);
    assert_int_equal(rc, DAAS_EINVAL);
    assert_null(k.server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_kubeconfig), cmocka_unit_test(test_multi_context),
        cmocka_unit_test(test_file_paths),       cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_missing_parts),    cmocka_unit_test(test_bad_credentials),
        cmocka_unit_test(test_not_yaml),         cmocka_unit_test(test_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
