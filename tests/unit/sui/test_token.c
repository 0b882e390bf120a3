/*
 * test_token.c: the wallet-signed bearer token (sui/token.c): make/parse/verify round trips
 * for all three key schemes, every parse error, tampering (message or signature changed,
 * a signature by another key than the message names), and that no error message carries
 * token text.
 *
 * Owns:   nothing beyond each test's keys and strings, freed before it returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "sui/token.h"

#define NOW 1790000000000LL /* a fixed "now" in ms */

static const uint8_t secret_a[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t secret_b[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                     7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

static daas_sui_key *key(int scheme, const uint8_t secret[32])
{
    daas_sui_key *k = NULL;
    daas_err err = {0};
    assert_int_equal(daas_sui_key_from_secret(scheme, secret, &k, &err), DAAS_OK);
    return k;
}

/* A token string from a message and raw serialized-signature bytes. New string. */
static char *assemble(const char *msg, const uint8_t *sig, size_t siglen)
{
    char *m = daas_base64url_encode(msg, strlen(msg));
    char *s = daas_base64url_encode(sig, siglen);
    char *t = daas_xasprintf(DAAS_SUI_TOKEN_PREFIX "%s.%s", m, s);
    daas_free(m);
    daas_free(s);
    return t;
}

/* Signs msg (any text) with k and assembles a token. New string. */
static char *signed_token(const daas_sui_key *k, const char *msg)
{
    uint8_t digest[32], sig[DAAS_SUI_SERSIG_MAX];
    size_t n = 0;
    daas_sui_personal_message_digest(DAAS_BYTES(msg, strlen(msg)), digest);
    assert_int_equal(daas_sui_sign_digest(k, digest, sig, &n, NULL), DAAS_OK);
    return assemble(msg, sig, n);
}

static char *address_of(const daas_sui_key *k, char out[DAAS_SUI_ADDRESS_HEX_LEN + 1])
{
    uint8_t a[32];
    daas_sui_key_address(k, a);
    daas_sui_address_hex(a, out);
    return out;
}

/* Parses tok; requires failure with code and a message containing want, and no part of the
 * token's base64 in the message. */
static void expect_parse_fail(const char *tok, const char *want)
{
    daas_sui_token t;
    daas_err err = {0};
    int rc = daas_sui_token_parse(tok, strlen(tok), &t, &err);
    if (rc != DAAS_EINVAL || strstr(err.msg, want) == NULL)
        fail_msg("token parse: rc %d msg \"%s\", want EINVAL with \"%s\"", rc, err.msg, want);
    const char *body = strlen(tok) > 12 ? tok + 12 : "";
    if (strlen(body) >= 8) {
        char probe[9];
        memcpy(probe, body, 8);
        probe[8] = '\0';
        assert_null(strstr(err.msg, probe));
    }
    assert_int_equal(t.expiry_ms, 0); /* nothing half-filled */
}

static void test_round_trip_all_schemes(void **state)
{
    (void)state;
    const int schemes[] = {DAAS_SUI_ED25519, DAAS_SUI_SECP256K1, DAAS_SUI_SECP256R1};
    for (size_t i = 0; i < 3; i++) {
        daas_sui_key *k = key(schemes[i], secret_a);
        char *tok = NULL;
        int64_t exp = 0;
        daas_err err = {0};
        assert_int_equal(daas_sui_token_make(k, "prod-1.eu_west", NOW, 300000, &tok, &exp, &err),
                         DAAS_OK);
        assert_int_equal(exp, NOW + 300000);
        assert_true(strncmp(tok, "daas-sui.v1.", 12) == 0);
        assert_true(strlen(tok) <= DAAS_SUI_TOKEN_MAX);
        daas_sui_token t;
        assert_int_equal(daas_sui_token_parse(tok, strlen(tok), &t, &err), DAAS_OK);
        assert_string_equal(t.cluster_id, "prod-1.eu_west");
        assert_int_equal(t.expiry_ms, NOW + 300000);
        uint8_t a[32];
        daas_sui_key_address(k, a);
        assert_memory_equal(t.address, a, 32);
        assert_int_equal(t.sig.pub.scheme, schemes[i]);
        assert_int_equal(daas_sui_token_verify(&t, &err), DAAS_OK);
        /* the message is the documented text */
        char ahex[67], want[200];
        snprintf(want, sizeof want, "daas-auth:v1:prod-1.eu_west:%s:%lld:", address_of(k, ahex),
                 (long long)(NOW + 300000));
        assert_int_equal(strncmp(t.msg, want, strlen(want)), 0);
        assert_int_equal(t.msg_len, strlen(want) + 32);
        /* two tokens never share a nonce */
        char *tok2 = NULL;
        assert_int_equal(daas_sui_token_make(k, "prod-1.eu_west", NOW, 300000, &tok2, NULL, &err),
                         DAAS_OK);
        daas_sui_token t2;
        assert_int_equal(daas_sui_token_parse(tok2, strlen(tok2), &t2, &err), DAAS_OK);
        assert_memory_not_equal(t.nonce, t2.nonce, DAAS_SUI_NONCE_LEN);
        daas_free(tok2);
        daas_free(tok);
        daas_sui_key_free(&k);
    }
}

static void test_make_rejects(void **state)
{
    (void)state;
    daas_sui_key *k = key(DAAS_SUI_ED25519, secret_a);
    char *tok = (char *)"untouched";
    daas_err err = {0};
    const char *bad_ids[] = {"", "a:b", "a b", "ünï",
                             "0123456789012345678901234567890123456789012345678901234567890123x"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        daas_err_clear(&err);
        assert_int_equal(daas_sui_token_make(k, bad_ids[i], NOW, 1000, &tok, NULL, &err),
                         DAAS_EINVAL);
        assert_null(tok);
        assert_non_null(strstr(err.msg, "cluster id"));
    }
    assert_true(daas_sui_token_cluster_id_ok(
        "0123456789012345678901234567890123456789012345678901234567890123"));
    daas_err_clear(&err);
    assert_int_equal(daas_sui_token_make(k, "c", NOW, 0, &tok, NULL, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_token_make(k, "c", NOW, -5, &tok, NULL, &err), DAAS_EINVAL);
    daas_err_clear(&err);
    assert_int_equal(daas_sui_token_make(k, "c", 999999999999999LL, 1, &tok, NULL, &err),
                     DAAS_EINVAL);
    daas_sui_key_free(&k);
}

static void test_parse_errors_outer(void **state)
{
    (void)state;
    daas_sui_key *k = key(DAAS_SUI_ED25519, secret_a);
    char *good = NULL;
    assert_int_equal(daas_sui_token_make(k, "c1", NOW, 60000, &good, NULL, NULL), DAAS_OK);
    char *dot = strrchr(good, '.');
    char buf[2048];

    expect_parse_fail("", "does not start with daas-sui.v1.");
    expect_parse_fail("daas-sui.v2.abc.def", "does not start with");
    expect_parse_fail("Daas-sui.v1.abc.def", "does not start with");
    snprintf(buf, sizeof buf, "%.*s", (int)(dot - good), good); /* no signature part */
    expect_parse_fail(buf, "exactly two parts");
    snprintf(buf, sizeof buf, "%s.xyz", good); /* a third part */
    expect_parse_fail(buf, "exactly two parts");
    snprintf(buf, sizeof buf, "%.*s.", (int)(dot - good), good); /* empty signature */
    expect_parse_fail(buf, "signature part");
    snprintf(buf, sizeof buf, "daas-sui.v1.%s", dot); /* empty message */
    expect_parse_fail(buf, "message part");
    /* padding, the standard alphabet and stray bytes are not canonical base64url */
    snprintf(buf, sizeof buf, "%s=", good);
    expect_parse_fail(buf, "signature part");
    snprintf(buf, sizeof buf, "%.*s+%s", (int)(dot - good - 1), good, dot);
    expect_parse_fail(buf, "message part");
    snprintf(buf, sizeof buf, "%.*s %s", (int)(dot - good - 1), good, dot);
    expect_parse_fail(buf, "message part");
    /* non-canonical: the last character's unused bits set (the signature is 97 bytes, so its
     * last character carries 2 unused bits) */
    snprintf(buf, sizeof buf, "%s", good);
    char *last = buf + strlen(buf) - 1;
    const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int v = (int)(strchr(alpha, *last) - alpha);
    *last = alpha[v ^ 1];
    expect_parse_fail(buf, "signature part");
    /* over 1024 bytes */
    memset(buf, 'A', 1100);
    memcpy(buf, "daas-sui.v1.", 12);
    buf[1100] = '\0';
    expect_parse_fail(buf, "longer than 1024");
    /* a message longer than 256 bytes */
    char longmsg[400];
    memset(longmsg, 'a', 300);
    longmsg[300] = '\0';
    uint8_t zsig[97] = {0};
    char *t = assemble(longmsg, zsig, 97);
    expect_parse_fail(t, "message part");
    daas_free(t);
    daas_free(good);
    daas_sui_key_free(&k);
}

static void test_parse_errors_message(void **state)
{
    (void)state;
    daas_sui_key *k = key(DAAS_SUI_ED25519, secret_a);
    char a[67], up[67], msg[400];
    address_of(k, a);
    snprintf(up, sizeof up, "0x%s", a + 2);
    for (char *p = up + 2; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    const char *N = "00112233445566778899aabbccddeeff";
    struct {
        const char *fmt; /* %s: the address */
        const char *want;
    } cases[] = {
        {"daas-auth:v1:c:%s:1790000060000", "6 ':'-separated"},
        {"daas-auth:v1:c:%s:1790000060000:" "00112233445566778899aabbccddeeff:x", "6 ':'-separated"},
        {"daas-auth:v2:c:%s:1790000060000:00112233445566778899aabbccddeeff", "daas-auth:v1:"},
        {"daas-aut:v1:c:%s:1790000060000:00112233445566778899aabbccddeeff", "daas-auth:v1:"},
        {"daas-auth:v1::%s:1790000060000:00112233445566778899aabbccddeeff", "cluster id"},
        {"daas-auth:v1:a b:%s:1790000060000:00112233445566778899aabbccddeeff", "cluster id"},
        {"daas-auth:v1:"
         "0123456789012345678901234567890123456789012345678901234567890123x:%s:1790000060000:"
         "00112233445566778899aabbccddeeff",
         "cluster id"},
        {"daas-auth:v1:c:%s0:1790000060000:00112233445566778899aabbccddeeff", "address"},
        {"daas-auth:v1:c:%.40s:1790000060000:00112233445566778899aabbccddeeff", "address"},
        {"daas-auth:v1:c:%s:01790000060000:00112233445566778899aabbccddeeff", "expiry"},
        {"daas-auth:v1:c:%s:-1790000060000:00112233445566778899aabbccddeeff", "expiry"},
        {"daas-auth:v1:c:%s:1790000060000x:00112233445566778899aabbccddeeff", "expiry"},
        {"daas-auth:v1:c:%s::00112233445566778899aabbccddeeff", "expiry"},
        {"daas-auth:v1:c:%s:1234567890123456:00112233445566778899aabbccddeeff", "expiry"},
        {"daas-auth:v1:c:%s:1790000060000:00112233445566778899aabbccddeef", "nonce"},
        {"daas-auth:v1:c:%s:1790000060000:00112233445566778899AABBCCDDEEFF", "nonce"},
        {"daas-auth:v1:c:%s:1790000060000:00112233445566778899aabbccddeeffa", "nonce"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(msg, sizeof msg, cases[i].fmt, a);
        char *t = signed_token(k, msg);
        expect_parse_fail(t, cases[i].want);
        daas_free(t);
    }
    /* the address in upper case, and without 0x */
    snprintf(msg, sizeof msg, "daas-auth:v1:c:%s:1790000060000:%s", up, N);
    char *t = signed_token(k, msg);
    expect_parse_fail(t, "address");
    daas_free(t);
    snprintf(msg, sizeof msg, "daas-auth:v1:c:%s:1790000060000:%s", a + 2, N);
    t = signed_token(k, msg);
    expect_parse_fail(t, "address");
    daas_free(t);
    /* a NUL byte inside the message */
    snprintf(msg, sizeof msg, "daas-auth:v1:c:%s:1790000060000:%s", a, N);
    size_t n = strlen(msg);
    char saved = msg[15];
    msg[15] = '\0';
    uint8_t zsig[97] = {0};
    char *m64 = daas_base64url_encode(msg, n), *s64 = daas_base64url_encode(zsig, 97);
    t = daas_xasprintf("daas-sui.v1.%s.%s", m64, s64);
    expect_parse_fail(t, "NUL");
    daas_free(t);
    daas_free(m64);
    daas_free(s64);
    /* the well-formed message parses (control for the cases above) */
    msg[15] = saved;
    t = signed_token(k, msg);
    daas_sui_token tk;
    assert_int_equal(daas_sui_token_parse(t, strlen(t), &tk, NULL), DAAS_OK);
    assert_int_equal(daas_sui_token_verify(&tk, NULL), DAAS_OK);
    assert_int_equal(tk.nonce[0], 0x00);
    assert_int_equal(tk.nonce[15], 0xff);
    daas_free(t);
    daas_sui_key_free(&k);
}

static void test_parse_errors_signature(void **state)
{
    (void)state;
    daas_sui_key *k = key(DAAS_SUI_ED25519, secret_a);
    char a[67], msg[200];
    snprintf(msg, sizeof msg, "daas-auth:v1:c:%s:1790000060000:00112233445566778899aabbccddeeff",
             address_of(k, a));
    uint8_t sig[99] = {0};
    sig[0] = 0x03; /* multisig/unknown flag */
    char *t = assemble(msg, sig, 97);
    expect_parse_fail(t, "signature is not flag");
    daas_free(t);
    sig[0] = 0x00; /* Ed25519 wants 97 bytes */
    t = assemble(msg, sig, 98);
    expect_parse_fail(t, "signature is not flag");
    daas_free(t);
    t = assemble(msg, sig, 99);
    expect_parse_fail(t, "signature part"); /* over 98 bytes */
    daas_free(t);
    sig[0] = 0x01; /* secp256k1 wants 98 */
    t = assemble(msg, sig, 97);
    expect_parse_fail(t, "signature is not flag");
    daas_free(t);
    daas_sui_key_free(&k);
}

/* Parses tok (must parse) and verifies; returns the code, message in err. */
static int verify_str(const char *tok, daas_err *err)
{
    daas_sui_token t;
    assert_int_equal(daas_sui_token_parse(tok, strlen(tok), &t, err), DAAS_OK);
    return daas_sui_token_verify(&t, err);
}

static void test_tampering(void **state)
{
    (void)state;
    const int schemes[] = {DAAS_SUI_ED25519, DAAS_SUI_SECP256K1, DAAS_SUI_SECP256R1};
    for (size_t i = 0; i < 3; i++) {
        daas_sui_key *k = key(schemes[i], secret_a), *other = key(schemes[i], secret_b);
        char a[67], b[67], msg[200];
        address_of(k, a);
        address_of(other, b);
        snprintf(msg, sizeof msg,
                 "daas-auth:v1:c:%s:1790000060000:00112233445566778899aabbccddeeff", a);
        uint8_t digest[32], sig[DAAS_SUI_SERSIG_MAX];
        size_t n = 0;
        daas_sui_personal_message_digest(DAAS_BYTES(msg, strlen(msg)), digest);
        assert_int_equal(daas_sui_sign_digest(k, digest, sig, &n, NULL), DAAS_OK);
        daas_err err = {0};

        /* the message changed under the signature (a later expiry) */
        char msg2[200];
        snprintf(msg2, sizeof msg2,
                 "daas-auth:v1:c:%s:1790000960000:00112233445566778899aabbccddeeff", a);
        char *t = assemble(msg2, sig, n);
        assert_int_equal(verify_str(t, &err), DAAS_EUNAUTH);
        assert_string_equal(err.msg, "token signature does not verify");
        daas_free(t);

        /* one bit of the signature flipped */
        sig[10] ^= 0x04;
        t = assemble(msg, sig, n);
        daas_err_clear(&err);
        assert_int_equal(verify_str(t, &err), DAAS_EUNAUTH);
        assert_string_equal(err.msg, "token signature does not verify");
        daas_free(t);
        sig[10] ^= 0x04;

        /* the public key swapped for another key's: no longer verifies */
        const daas_sui_pubkey *op = daas_sui_key_public(other);
        uint8_t sig2[DAAS_SUI_SERSIG_MAX];
        memcpy(sig2, sig, n);
        memcpy(sig2 + 1 + 64, op->bytes, op->len);
        t = assemble(msg, sig2, n);
        daas_err_clear(&err);
        assert_int_equal(verify_str(t, &err), DAAS_EUNAUTH);
        daas_free(t);

        /* a valid signature by another key over a message naming k's address */
        t = signed_token(other, msg);
        daas_err_clear(&err);
        assert_int_equal(verify_str(t, &err), DAAS_EUNAUTH);
        char want[200];
        snprintf(want, sizeof want, "token is signed by %s, not by %s", b, a);
        assert_string_equal(err.msg, want);
        daas_free(t);

        /* and the untouched token verifies */
        t = assemble(msg, sig, n);
        assert_int_equal(verify_str(t, NULL), DAAS_OK);
        daas_free(t);
        daas_sui_key_free(&k);
        daas_sui_key_free(&other);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_all_schemes),
        cmocka_unit_test(test_make_rejects),
        cmocka_unit_test(test_parse_errors_outer),
        cmocka_unit_test(test_parse_errors_message),
        cmocka_unit_test(test_parse_errors_signature),
        cmocka_unit_test(test_tampering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
