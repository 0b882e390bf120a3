/*
 * test_keyspec.c: resolving a --key argument (sui/keyspec.c): a suiprivkey literal, a
 * keystore entry, a key file (first line), a one-key keystore file, "~/" paths, aliases and
 * addresses in --keystore / $DAAS_KEYSTORE / $HOME's Sui keystore, and the error messages
 * (which name the alias and the keystore, never a secret).
 *
 * Owns:   a temporary directory (under $DAAS_TEST_TMP or /tmp) used as $HOME, removed at
 *         the end; the environment variables it sets are restored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "sui/keyspec.h"

static const uint8_t s1[32] = {1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 121, 98, 219,
                               61, 24, 85, 109, 194, 47, 241, 32, 17, 49, 66, 115, 181, 40, 221, 5};
static const uint8_t s2[32] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                               9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

typedef struct fixture {
    char *dir;           /* the temporary $HOME */
    char *old_home;      /* to restore */
    daas_sui_key *k1;    /* Ed25519, alias "alice" */
    daas_sui_key *k2;    /* secp256k1, alias "bob-2" */
    char priv1[71];      /* suiprivkey of k1 */
    char addr2[67];      /* address of k2 */
} fixture;

static char *path_in(const fixture *f, const char *name)
{
    return daas_xasprintf("%s/%s", f->dir, name);
}

static void write_text(const fixture *f, const char *name, const char *text)
{
    char *p = path_in(f, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    daas_free(p);
}

/* A keystore of k1 (alias alice) and k2 (alias bob-2) at <dir>/<sub>/sui.keystore. */
static char *make_keystore(const fixture *f, const char *sub)
{
    char *d = path_in(f, sub);
    mkdir(d, 0700);
    char *ks = daas_xasprintf("%s/sui.keystore", d);
    assert_int_equal(daas_sui_keystore_store_key(ks, f->k1, "alice", NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_store_key(ks, f->k2, "bob-2", NULL), DAAS_OK);
    daas_free(d);
    return ks;
}

static int setup(void **state)
{
    fixture *f = daas_xcalloc(1, sizeof *f);
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    f->dir = daas_xasprintf("%s/keyspec-XXXXXX", base);
    assert_non_null(mkdtemp(f->dir));
    f->old_home = getenv("HOME") ? daas_xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", f->dir, 1);
    unsetenv("DAAS_KEYSTORE");
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_ED25519, s1, &f->k1, NULL), DAAS_OK);
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_SECP256K1, s2, &f->k2, NULL), DAAS_OK);
    daas_sui_key_to_privkey(f->k1, f->priv1);
    uint8_t a[32];
    daas_sui_key_address(f->k2, a);
    daas_sui_address_hex(a, f->addr2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char *cmd = daas_xasprintf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    daas_free(cmd);
    if (f->old_home)
        setenv("HOME", f->old_home, 1);
    unsetenv("DAAS_KEYSTORE");
    daas_sui_key_free(&f->k1);
    daas_sui_key_free(&f->k2);
    daas_free(f->old_home);
    daas_free(f->dir);
    daas_free(f);
    return 0;
}

/* Resolves and requires the key equal to want. */
static void expect_key(const char *spec, const char *ks, const daas_sui_key *want)
{
    daas_sui_key *k = NULL;
    daas_err err = {0};
    int rc = daas_sui_keyspec_resolve(spec, ks, &k, &err);
    if (rc != DAAS_OK)
        fail_msg("resolve: %s", err.msg);
    assert_true(daas_sui_key_equal(k, want));
    daas_sui_key_free(&k);
}

/* Resolves and requires failure with code and exactly msg (or a message containing part). */
static void expect_fail(const char *spec, const char *ks, int code, const char *msg,
                        const char *part)
{
    daas_sui_key *k = NULL;
    daas_err err = {0};
    int rc = daas_sui_keyspec_resolve(spec, ks, &k, &err);
    assert_null(k);
    if (rc != code || (msg && strcmp(err.msg, msg) != 0) || (part && !strstr(err.msg, part)))
        fail_msg("resolve \"%s\": rc %d \"%s\"", spec, rc, err.msg);
}

static void test_literals(void **state)
{
    fixture *f = *state;
    expect_key(f->priv1, NULL, f->k1);
    char upper[71];
    for (size_t i = 0; i < 71; i++)
        upper[i] = (char)(f->priv1[i] >= 'a' && f->priv1[i] <= 'z' ? f->priv1[i] - 32 : f->priv1[i]);
    expect_key(upper, NULL, f->k1);
    /* a keystore entry: base64(flag || secret) */
    uint8_t raw[33] = {DAAS_SUI_SECP256K1};
    memcpy(raw + 1, s2, 32);
    char *entry = daas_base64_encode(raw, 33);
    expect_key(entry, NULL, f->k2);
    daas_free(entry);
    /* a broken literal: the message must not echo it */
    char broken[71];
    memcpy(broken, f->priv1, 71);
    broken[30] = broken[30] == 'q' ? 'p' : 'q';
    daas_sui_key *k = NULL;
    daas_err err = {0};
    assert_int_equal(daas_sui_keyspec_resolve(broken, NULL, &k, &err), DAAS_EINVAL);
    assert_null(strstr(err.msg, broken + 11));
    assert_non_null(strstr(err.msg, "--key"));
    expect_fail("", NULL, DAAS_EINVAL, "empty --key", NULL);
    expect_fail("not a key!", NULL, DAAS_EINVAL, NULL, "is not a suiprivkey1");
}

static void test_key_files(void **state)
{
    fixture *f = *state;
    char *text = daas_xasprintf("\n  %s  \r\nsecond line ignored\n", f->priv1);
    write_text(f, "k1.txt", text);
    daas_free(text);
    char *p = path_in(f, "k1.txt");
    expect_key(p, NULL, f->k1);
    expect_key("~/k1.txt", NULL, f->k1); /* $HOME is the temp dir */
    daas_free(p);

    write_text(f, "junk.txt", "hello\n");
    p = path_in(f, "junk.txt");
    char *want = daas_xasprintf("key file %s: the first line is not a suiprivkey1... key and "
                                "the file is not a Sui keystore (a JSON list)", p);
    expect_fail(p, NULL, DAAS_EINVAL, want, NULL);
    daas_free(want);
    daas_free(p);

    /* a keystore file: one key is fine, two are ambiguous */
    char *ks = make_keystore(f, "two");
    expect_fail(ks, NULL, DAAS_EINVAL, NULL, "holds 2 keys");
    char *one = path_in(f, "one.keystore");
    assert_int_equal(daas_sui_keystore_store_key(one, f->k2, NULL, NULL), DAAS_OK);
    expect_key(one, NULL, f->k2);
    daas_free(one);
    daas_free(ks);

    write_text(f, "empty.keystore", "[]");
    p = path_in(f, "empty.keystore");
    expect_fail(p, NULL, DAAS_EINVAL, NULL, "holds no key");
    daas_free(p);
    write_text(f, "bad.keystore", "[\"AAAA\"]");
    p = path_in(f, "bad.keystore");
    expect_fail(p, NULL, DAAS_EINVAL, NULL, "bad.keystore: keystore entry 0");
    daas_free(p);

    p = path_in(f, "missing.txt");
    expect_fail(p, NULL, DAAS_ENOTFOUND, NULL, "missing.txt");
    daas_free(p);
}

static void test_keystore_lookup(void **state)
{
    fixture *f = *state;
    char *ks = make_keystore(f, "ks");
    expect_key("alice", ks, f->k1);
    expect_key("bob-2", ks, f->k2);
    expect_key(f->addr2, ks, f->k2);
    char upper[67];
    snprintf(upper, sizeof upper, "0X%s", f->addr2 + 2);
    expect_key(upper, ks, f->k2);
    char *want = daas_xasprintf("no key 'carol' in %s", ks);
    expect_fail("carol", ks, DAAS_ENOTFOUND, want, NULL);
    daas_free(want);
    want = daas_xasprintf("no key '0x1234' in %s", ks);
    expect_fail("0x1234", ks, DAAS_ENOTFOUND, want, NULL);
    daas_free(want);

    /* $DAAS_KEYSTORE when no --keystore, with "~/" expanded */
    setenv("DAAS_KEYSTORE", "~/ks/sui.keystore", 1);
    expect_key("alice", NULL, f->k1);
    unsetenv("DAAS_KEYSTORE");

    /* the Sui CLI's default under $HOME */
    expect_fail("alice", NULL, DAAS_ENOTFOUND, NULL, "(no such file)");
    char *def = make_keystore(f, ".sui");
    daas_free(def);
    char *cfg = path_in(f, ".sui/sui_config");
    mkdir(cfg, 0700);
    char *from = path_in(f, ".sui/sui.keystore"), *to = path_in(f, ".sui/sui_config/sui.keystore");
    assert_int_equal(rename(from, to), 0);
    daas_free(from);
    daas_free(to);
    from = path_in(f, ".sui/sui.aliases");
    to = path_in(f, ".sui/sui_config/sui.aliases");
    assert_int_equal(rename(from, to), 0);
    expect_key("bob-2", NULL, f->k2);
    /* without sui.aliases, aliases are unknown but addresses still work */
    assert_int_equal(unlink(to), 0);
    want = daas_xasprintf("no key 'bob-2' in %s/.sui/sui_config/sui.keystore", f->dir);
    expect_fail("bob-2", NULL, DAAS_ENOTFOUND, want, NULL);
    expect_key(f->addr2, NULL, f->k2);
    char *kp = daas_sui_keyspec_keystore_path("~/x/y");
    char *wp = daas_xasprintf("%s/x/y", f->dir);
    assert_string_equal(kp, wp);
    daas_free(kp);
    daas_free(wp);
    daas_free(want);
    daas_free(from);
    daas_free(to);
    daas_free(cfg);
    daas_free(ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystore_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
