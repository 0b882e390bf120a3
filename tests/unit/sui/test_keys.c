/*
 * test_keys.c: Sui keys from the fixed secret 000102…1f (public keys, addresses, suiprivkey
 * strings of specs/sui.md §8.1), bech32 negatives, address text, and the CLI keystore and
 * aliases files (parse, errors naming the entry, render, save/load round trip).
 *
 * Owns:   a temporary directory for the save/load test (under $DAAS_TEST_TMP or /tmp).
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

#include <sodium.h>

#include "common/util.h"
#include "sui/sui.h"

static const uint8_t fixed_secret[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                         11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                         22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

/* SPEC: specs/sui.md §8.1 */
static const struct vec {
    int scheme;
    const char *privkey;
    const char *pub_hex;
    const char *pub_b64;
    const char *address;
} vecs[] = {
    {DAAS_SUI_ED25519, "suiprivkey1qqqqzqsrqszsvpcgpy9qkrqdpc83qygjzv2p29shrqv35xcur50p74yefn7",
     "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
     "AAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
     "0x160179a1565ea7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ac"},
    {DAAS_SUI_SECP256K1, "suiprivkey1qyqqzqsrqszsvpcgpy9qkrqdpc83qygjzv2p29shrqv35xcur50p70mvksf",
     "036d6caac248af96f6afa7f904f550253a0f3ef3f5aa2fe6838a95b216691468e2",
     "AQNtbKrCSK+W9q+n+QT1UCU6Dz7z9aov5oOKlbIWaRRo4g==",
     "0xbbde6ed13f9317c68781093fc7ea30df5c224d2ccaa39b497b553df979829522"},
    {DAAS_SUI_SECP256R1, "suiprivkey1qgqqzqsrqszsvpcgpy9qkrqdpc83qygjzv2p29shrqv35xcur50p7gn674e",
     "027a593180860c4037c83c12749845c8ee1424dd297fadcb895e358255d2c7d2b2",
     "AgJ6WTGAhgxAN8g8EnSYRcjuFCTdKX+ty4leNYJV0sfSsg==",
     "0x9233b1c865ffafa840400ab724772172f8c791fdacb3c23f6698f0563124af97"},
};

static void check_vector(const daas_sui_key *k, const struct vec *v)
{
    char hex[67], addr_hex[67], priv[71];
    uint8_t addr[32];
    const daas_sui_pubkey *pk = daas_sui_key_public(k);
    assert_int_equal(daas_sui_key_scheme(k), v->scheme);
    assert_int_equal(pk->len, strlen(v->pub_hex) / 2);
    sodium_bin2hex(hex, sizeof(hex), pk->bytes, pk->len);
    assert_string_equal(hex, v->pub_hex);
    char *b64 = daas_sui_pubkey_base64(pk);
    assert_string_equal(b64, v->pub_b64);
    daas_free(b64);
    daas_sui_key_address(k, addr);
    daas_sui_address_hex(addr, addr_hex);
    assert_string_equal(addr_hex, v->address);
    daas_sui_key_to_privkey(k, priv);
    assert_string_equal(priv, v->privkey);
    assert_int_equal(strlen(priv), DAAS_SUI_PRIVKEY_STR_LEN);
}

static void test_fixed_secret_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        daas_sui_key *k = NULL;
        daas_err err = {0};
        assert_int_equal(daas_sui_key_from_secret(vecs[i].scheme, fixed_secret, &k, &err), DAAS_OK);
        check_vector(k, &vecs[i]);
        daas_sui_key_free(&k);
        assert_null(k);
        /* and back from the suiprivkey string, in upper case too */
        assert_int_equal(daas_sui_key_from_privkey(vecs[i].privkey, &k, &err), DAAS_OK);
        check_vector(k, &vecs[i]);
        uint8_t sec[32];
        daas_sui_key_secret(k, sec);
        assert_memory_equal(sec, fixed_secret, 32);
        daas_sui_key_free(&k);
        char upper[71];
        for (size_t j = 0; j <= 70; j++)
            upper[j] = (char)((vecs[i].privkey[j] >= 'a' && vecs[i].privkey[j] <= 'z')
                                  ? vecs[i].privkey[j] - 32 : vecs[i].privkey[j]);
        assert_int_equal(daas_sui_key_from_privkey(upper, &k, &err), DAAS_OK);
        check_vector(k, &vecs[i]);
        daas_sui_key_free(&k);
    }
}

static void expect_privkey_error(const char *s, const char *needle)
{
    daas_sui_key *k = (daas_sui_key *)1;
    daas_err err = {0};
    assert_int_equal(daas_sui_key_from_privkey(s, &k, &err), DAAS_EINVAL);
    assert_null(k);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_privkey_negative(void **state)
{
    (void)state;
    char s[80];
    /* one character changed: checksum fails */
    snprintf(s, sizeof(s), "%s", vecs[0].privkey);
    s[20] = s[20] == 'q' ? 'p' : 'q';
    expect_privkey_error(s, "checksum");
    /* last checksum character changed */
    snprintf(s, sizeof(s), "%s", vecs[1].privkey);
    s[69] = s[69] == 'q' ? 'p' : 'q';
    expect_privkey_error(s, "checksum");
    /* a valid bech32 string with another HRP (BIP-173 test vector) */
    expect_privkey_error("a12uel5l", "prefix");
    expect_privkey_error("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "prefix");
    /* mixed case, bad characters, no separator, too long */
    snprintf(s, sizeof(s), "%s", vecs[0].privkey);
    s[0] = 'S';
    expect_privkey_error(s, "mixed case");
    expect_privkey_error("suiprivkey1qqqqzqsrq", "checksum");
    expect_privkey_error("suiprivkey1qqqqbqsrq", "invalid data character"); /* 'b' not in set */
    expect_privkey_error("suiprivkeyqqqq", "separator");
    expect_privkey_error("", "separator");
    expect_privkey_error("suiprivkey1\x7fqqqq", "invalid character");
    memset(s, 'q', sizeof(s) - 1);
    s[79] = '\0';
    char longs[100];
    snprintf(longs, sizeof(longs), "suiprivkey1qq%s", s); /* 92 characters */
    expect_privkey_error(longs, "longer than 90");
    /* truncated: a valid checksum is impossible to keep, so checksum fails */
    snprintf(s, sizeof(s), "%.60s", vecs[0].privkey);
    expect_privkey_error(s, "checksum");
}

/* Encodes flag||payload with HRP suiprivkey through the public path of a valid key, then
 * checks that an unknown flag and an invalid scalar are refused. */
static void test_privkey_bad_payload(void **state)
{
    (void)state;
    daas_sui_key *k = NULL;
    daas_err err = {0};
    /* secp256k1 scalar 0 is invalid */
    uint8_t zero[32] = {0};
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_SECP256K1, zero, &k, &err), DAAS_EINVAL);
    assert_null(k);
    assert_non_null(strstr(err.msg, "not a valid scalar"));
    daas_err_clear(&err);
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_SECP256R1, zero, &k, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    uint8_t ff[32];
    memset(ff, 0xff, sizeof(ff)); /* >= n for both curves */
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_SECP256K1, ff, &k, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_SECP256R1, ff, &k, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_key_from_secret(3, fixed_secret, &k, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "unsupported key scheme"));
    /* ed25519: every 32-byte seed is valid */
    assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_ED25519, ff, &k, NULL), DAAS_OK);
    daas_sui_key_free(&k);
}

static void test_address_parse(void **state)
{
    (void)state;
    uint8_t a[32], want[32] = {0};
    char hex[67];
    want[31] = 2;
    assert_int_equal(daas_sui_address_parse("0x2", a, NULL), DAAS_OK);
    assert_memory_equal(a, want, 32);
    assert_int_equal(daas_sui_address_parse(vecs[0].address, a, NULL), DAAS_OK);
    daas_sui_address_hex(a, hex);
    assert_string_equal(hex, vecs[0].address);
    assert_int_equal(daas_sui_address_parse("0xABC", a, NULL), DAAS_OK);
    assert_int_equal(a[30], 0x0a);
    assert_int_equal(a[31], 0xbc);
    daas_err err = {0};
    assert_int_equal(daas_sui_address_parse("2", a, &err), DAAS_EINVAL);
    assert_int_equal(daas_sui_address_parse("0x", a, NULL), DAAS_EINVAL);
    assert_int_equal(daas_sui_address_parse("0xg1", a, NULL), DAAS_EINVAL);
    char big[80];
    snprintf(big, sizeof(big), "0x1%s", vecs[0].address + 2);
    assert_int_equal(daas_sui_address_parse(big, a, NULL), DAAS_EINVAL);
}

static void test_pubkey_base64(void **state)
{
    (void)state;
    daas_sui_pubkey pk;
    daas_err err = {0};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(daas_sui_pubkey_from_base64(vecs[i].pub_b64, &pk, &err), DAAS_OK);
        assert_int_equal(pk.scheme, vecs[i].scheme);
        uint8_t addr[32];
        char hex[67];
        daas_sui_pubkey_address(&pk, addr);
        daas_sui_address_hex(addr, hex);
        assert_string_equal(hex, vecs[i].address);
    }
    /* flag 0 with a 33-byte key, unknown flag 5, bad base64 */
    assert_int_equal(daas_sui_pubkey_from_base64(vecs[1].pub_b64 + 0, &pk, NULL), DAAS_OK);
    assert_int_equal(daas_sui_pubkey_from_base64("AANtbKrCSK+W9q+n+QT1UCU6Dz7z9aov5oOKlbIWaRRo4g==",
                                                 &pk, &err), DAAS_EINVAL);
    assert_int_equal(daas_sui_pubkey_from_base64("BQNt", &pk, NULL), DAAS_EINVAL);
    assert_int_equal(daas_sui_pubkey_from_base64("!!!!", &pk, NULL), DAAS_EINVAL);
}

static void test_generate(void **state)
{
    (void)state;
    int schemes[3] = {DAAS_SUI_ED25519, DAAS_SUI_SECP256K1, DAAS_SUI_SECP256R1};
    for (size_t i = 0; i < 3; i++) {
        daas_sui_key *a = NULL, *b = NULL, *c = NULL;
        char priv[71];
        assert_int_equal(daas_sui_key_generate(schemes[i], &a, NULL), DAAS_OK);
        assert_int_equal(daas_sui_key_generate(schemes[i], &b, NULL), DAAS_OK);
        assert_false(daas_sui_key_equal(a, b));
        daas_sui_key_to_privkey(a, priv);
        assert_int_equal(daas_sui_key_from_privkey(priv, &c, NULL), DAAS_OK);
        assert_true(daas_sui_key_equal(a, c));
        assert_memory_equal(daas_sui_key_public(a), daas_sui_key_public(c), sizeof(daas_sui_pubkey));
        daas_sui_key_free(&a);
        daas_sui_key_free(&b);
        daas_sui_key_free(&c);
    }
    daas_sui_key *k = NULL;
    assert_int_equal(daas_sui_key_generate(9, &k, NULL), DAAS_EINVAL);
    assert_null(k);
    daas_sui_key_free(NULL);
    daas_sui_key_free(&k);
}

/* base64(flag || fixed secret) for the three schemes */
static char *entry_b64(int scheme)
{
    uint8_t raw[33];
    raw[0] = (uint8_t)scheme;
    memcpy(raw + 1, fixed_secret, 32);
    return daas_base64_encode(raw, sizeof(raw));
}

static char *keystore_json(void)
{
    char *e0 = entry_b64(0), *e1 = entry_b64(1), *e2 = entry_b64(2);
    char *j = daas_xasprintf("[\n  \"%s\",\n  \"%s\",\n  \"%s\"\n]", e0, e1, e2);
    daas_free(e0);
    daas_free(e1);
    daas_free(e2);
    return j;
}

static void test_keystore_parse(void **state)
{
    (void)state;
    char *j = keystore_json();
    daas_sui_keystore *ks = NULL;
    daas_err err = {0};
    assert_int_equal(daas_sui_keystore_parse(j, strlen(j), &ks, &err), DAAS_OK);
    assert_int_equal(daas_sui_keystore_count(ks), 3);
    for (size_t i = 0; i < 3; i++) {
        char priv[71];
        daas_sui_key_to_privkey(daas_sui_keystore_key(ks, i), priv);
        assert_string_equal(priv, vecs[i].privkey);
        assert_null(daas_sui_keystore_alias(ks, i));
    }
    uint8_t addr[32];
    assert_int_equal(daas_sui_address_parse(vecs[1].address, addr, NULL), DAAS_OK);
    assert_ptr_equal(daas_sui_keystore_find_address(ks, addr), daas_sui_keystore_key(ks, 1));
    addr[0] ^= 1;
    assert_null(daas_sui_keystore_find_address(ks, addr));
    assert_null(daas_sui_keystore_key(ks, 3));

    /* aliases: CLI layout, an alias for a key we do not hold is ignored */
    char *al = daas_xasprintf("[{\"alias\": \"ed\", \"public_key_base64\": \"%s\"},"
                              " {\"alias\": \"r1\", \"public_key_base64\": \"%s\"},"
                              " {\"alias\": \"other\", \"public_key_base64\": \"%s\"}]",
                              vecs[0].pub_b64, vecs[2].pub_b64,
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(daas_sui_keystore_parse_aliases(ks, al, strlen(al), &err), DAAS_OK);
    assert_string_equal(daas_sui_keystore_alias(ks, 0), "ed");
    assert_null(daas_sui_keystore_alias(ks, 1));
    assert_string_equal(daas_sui_keystore_alias(ks, 2), "r1");
    assert_ptr_equal(daas_sui_keystore_find_alias(ks, "r1"), daas_sui_keystore_key(ks, 2));
    assert_null(daas_sui_keystore_find_alias(ks, "other"));

    /* render round trip, byte-exact with the input */
    size_t len = 0;
    char *out = daas_sui_keystore_render(ks, &len);
    assert_string_equal(out, j);
    assert_int_equal(len, strlen(j));
    daas_free(out);
    char *ra = daas_sui_keystore_render_aliases(ks, &len);
    daas_sui_keystore *ks2 = NULL;
    assert_int_equal(daas_sui_keystore_parse(j, strlen(j), &ks2, NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_parse_aliases(ks2, ra, len, NULL), DAAS_OK);
    assert_string_equal(daas_sui_keystore_alias(ks2, 0), "ed");
    assert_string_equal(daas_sui_keystore_alias(ks2, 2), "r1");
    daas_free(ra);

    /* add: duplicates refused, new key accepted */
    daas_sui_key *g = NULL;
    assert_int_equal(daas_sui_keystore_add(ks2, daas_sui_keystore_key(ks, 0), NULL, &err),
                     DAAS_EEXIST);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &g, NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_add(ks2, g, "ed", &err), DAAS_EEXIST);
    assert_int_equal(daas_sui_keystore_add(ks2, g, "1abc", NULL), DAAS_EINVAL);
    assert_int_equal(daas_sui_keystore_add(ks2, g, "a b", NULL), DAAS_EINVAL);
    assert_int_equal(daas_sui_keystore_add(ks2, g, "", NULL), DAAS_EINVAL);
    assert_int_equal(daas_sui_keystore_count(ks2), 3);
    assert_int_equal(daas_sui_keystore_add(ks2, g, "new", NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_count(ks2), 4);
    assert_true(daas_sui_key_equal(daas_sui_keystore_find_alias(ks2, "new"), g));
    daas_sui_key_free(&g);
    daas_sui_keystore_free(&ks2);
    daas_sui_keystore_free(&ks);
    assert_null(ks);
    daas_sui_keystore_free(NULL);
    daas_free(al);
    daas_free(j);
}

static void expect_keystore_error(const char *json, int code, const char *needle)
{
    daas_sui_keystore *ks = (daas_sui_keystore *)1;
    daas_err err = {0};
    assert_int_equal(daas_sui_keystore_parse(json, strlen(json), &ks, &err), code);
    assert_null(ks);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_keystore_errors(void **state)
{
    (void)state;
    char *e0 = entry_b64(0), *e1 = entry_b64(1);
    char *j;
    expect_keystore_error("", DAAS_EINVAL, "invalid JSON");
    expect_keystore_error("{\"a\": 1}", DAAS_EINVAL, "not a JSON array");
    expect_keystore_error("[1]", DAAS_EINVAL, "entry 0: not a string");
    j = daas_xasprintf("[\"%s\", \"%s\", \"garbage!\"]", e0, e1);
    expect_keystore_error(j, DAAS_EINVAL, "entry 2: invalid base64");
    daas_free(j);
    j = daas_xasprintf("[\"%s\", \"AAEC\"]", e0);
    expect_keystore_error(j, DAAS_EINVAL, "entry 1: 3 bytes, want 33");
    daas_free(j);
    /* flag 3 (multisig) */
    uint8_t raw[33];
    raw[0] = 3;
    memcpy(raw + 1, fixed_secret, 32);
    char *bad = daas_base64_encode(raw, 33);
    j = daas_xasprintf("[\"%s\"]", bad);
    expect_keystore_error(j, DAAS_EINVAL, "entry 0: unsupported scheme flag 0x03");
    daas_free(j);
    daas_free(bad);
    /* secp256k1 scalar >= n */
    raw[0] = 1;
    memset(raw + 1, 0xff, 32);
    bad = daas_base64_encode(raw, 33);
    j = daas_xasprintf("[\"%s\", \"%s\"]", e0, bad);
    expect_keystore_error(j, DAAS_EINVAL, "entry 1: not a valid secret key");
    daas_free(j);
    daas_free(bad);
    j = daas_xasprintf("[\"%s\", \"%s\"]", e1, e1);
    expect_keystore_error(j, DAAS_EINVAL, "entry 1: duplicate key");
    daas_free(j);
    /* the message never carries the entry's text */
    daas_sui_keystore *ks = NULL;
    daas_err err = {0};
    j = daas_xasprintf("[\"%s\", \"%sZ\"]", e0, e1);
    assert_int_equal(daas_sui_keystore_parse(j, strlen(j), &ks, &err), DAAS_EINVAL);
    assert_null(strstr(err.msg, "AQAB"));
    assert_non_null(strstr(err.msg, "entry 1"));
    daas_free(j);
    /* empty keystore is fine */
    assert_int_equal(daas_sui_keystore_parse("[]", 2, &ks, NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_count(ks), 0);
    /* alias errors */
    daas_err_clear(&err);
    assert_int_equal(daas_sui_keystore_parse_aliases(ks, "[{\"alias\": 1}]", 14, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "aliases entry 0"));
    daas_err_clear(&err);
    const char *a2 = "[{\"alias\":\"x\",\"public_key_base64\":\"AAAA\"}]";
    assert_int_equal(daas_sui_keystore_parse_aliases(ks, a2, strlen(a2), &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "aliases entry 0"));
    assert_int_equal(daas_sui_keystore_parse_aliases(ks, "{", 1, NULL), DAAS_EINVAL);
    assert_int_equal(daas_sui_keystore_parse_aliases(ks, "{}", 2, NULL), DAAS_EINVAL);
    daas_sui_keystore_free(&ks);
    daas_free(e0);
    daas_free(e1);
}

static void test_keystore_save_load(void **state)
{
    (void)state;
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755); /* ctest's per-run directory may not exist yet */
    char *dir = daas_xasprintf("%s/suiks-XXXXXX", base);
    assert_non_null(mkdtemp(dir));
    char *path = daas_xasprintf("%s/sui.keystore", dir);
    char *j = keystore_json();
    daas_sui_keystore *ks = NULL, *ks2 = NULL;
    daas_err err = {0};
    assert_int_equal(daas_sui_keystore_parse(j, strlen(j), &ks, NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_save(ks, path, &err), DAAS_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(daas_sui_keystore_load(path, &ks2, &err), DAAS_OK);
    assert_int_equal(daas_sui_keystore_count(ks2), 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(daas_sui_key_equal(daas_sui_keystore_key(ks, i), daas_sui_keystore_key(ks2, i)));
    daas_sui_keystore_free(&ks2);
    unlink(path);
    assert_int_equal(daas_sui_keystore_load(path, &ks2, &err), DAAS_ENOTFOUND);
    assert_null(ks2);
    assert_int_equal(rmdir(dir), 0);
    daas_sui_keystore_free(&ks);
    daas_free(j);
    daas_free(path);
    daas_free(dir);
}

/* store_key creates the file and its directory, keeps earlier keys, writes sui.aliases, and
 * refuses a second key under the same alias. */
static void test_keystore_store_key(void **state)
{
    (void)state;
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    char *dir = daas_xasprintf("%s/suistore-XXXXXX", base);
    assert_non_null(mkdtemp(dir));
    char *path = daas_xasprintf("%s/sub/sui.keystore", dir);
    char *apath = daas_xasprintf("%s/sub/sui.aliases", dir);
    daas_sui_key *a = NULL, *b = NULL;
    daas_sui_keystore *ks = NULL;
    daas_err err = {0};
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &a, NULL), DAAS_OK);
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_SECP256K1, &b, NULL), DAAS_OK);
    assert_int_equal(daas_sui_keystore_store_key(path, a, "alice", &err), DAAS_OK);
    assert_int_equal(daas_sui_keystore_store_key(path, b, NULL, &err), DAAS_OK);
    assert_int_equal(daas_sui_keystore_store_key(path, b, "bob", NULL), DAAS_EEXIST);
    assert_int_equal(daas_sui_keystore_load_with_aliases(path, &ks, &err), DAAS_OK);
    assert_int_equal(daas_sui_keystore_count(ks), 2);
    assert_true(daas_sui_key_equal(daas_sui_keystore_find_alias(ks, "alice"), a));
    assert_string_equal(daas_sui_keystore_alias(ks, 0), "alice");
    assert_null(daas_sui_keystore_alias(ks, 1));
    daas_sui_keystore_free(&ks);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(unlink(apath), 0);
    char *sub = daas_xasprintf("%s/sub", dir);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
    daas_sui_key_free(&a);
    daas_sui_key_free(&b);
    daas_free(sub);
    daas_free(apath);
    daas_free(path);
    daas_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_secret_vectors),
        cmocka_unit_test(test_privkey_negative),
        cmocka_unit_test(test_privkey_bad_payload),
        cmocka_unit_test(test_address_parse),
        cmocka_unit_test(test_pubkey_base64),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_keystore_parse),
        cmocka_unit_test(test_keystore_errors),
        cmocka_unit_test(test_keystore_save_load),
        cmocka_unit_test(test_keystore_store_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
