/*
 * test_sign.c: intent digests and serialized signatures against specs/sui.md §8.2 and §8.3
 * (exact Ed25519 and secp256k1 signatures; the secp256r1 vector verified), sign/verify round
 * trips for every scheme, and the rejections: wrong message, flipped bits, high S, wrong
 * flag, wrong length, truncated base64, personal message vs transaction scope.
 *
 * Owns:   nothing beyond each test's keys and strings, freed before it returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/util.h"
#include "sui/sui.h"

static const uint8_t fixed_secret[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                         11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                         22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const char hello[] = "Hello, Sui!";

/* SPEC: specs/sui.md §8.2 */
static const char *sig_vec[3] = {
    "AD3EJIpU997Bx4PxHuVid7YhYvkukASpKe1RVij9/IDxdRkkhWfAsXJ9UrLVdldsDcWi9TNcz2756ZCaVKEBFgEDoQe/"
    "884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==",
    "AT025KlO5SoRaeVSNL1FmMli6+4rNl3CdioaEbXW/PyiUMTJhN/2xB4HSVJ/ee86xF8PzzFmEgg4URFB19Mj6X8DbWyq"
    "wkivlvavp/kE9VAlOg8+8/WqL+aDipWyFmkUaOI=",
    "AvVjqguiJSwHHI9BycUPkb4dbn+QBt0nAHyt4kQrVrSsNeNICh/qmSKYlgGU9vVQHHP8u71bfvzdpqXuLHQBdvgCelkx"
    "gIYMQDfIPBJ0mEXI7hQk3Sl/rcuJXjWCVdLH0rI=",
};
static const char *addr_vec[3] = {
    "0x160179a1565ea7cff27ead23f54cc7f50893bf58155cd7285156e57afa31c3ac",
    "0xbbde6ed13f9317c68781093fc7ea30df5c224d2ccaa39b497b553df979829522",
    "0x9233b1c865ffafa840400ab724772172f8c791fdacb3c23f6698f0563124af97",
};

/* §8.3 TX1 tx_bytes and its Ed25519 signature */
static const char tx1_hex[] =
    "000002000840420f00000000000020abababababababababababababababababababababababababababababab"
    "abab0202000101000001010300000000010100160179a1565ea7cff27ead23f54cc7f50893bf58155cd7285156"
    "e57afa31c3ac011111111111111111111111111111111111111111111111111111111111111111070000000000"
    "0000203333333333333333333333333333333333333333333333333333333333333333160179a1565ea7cff27e"
    "ad23f54cc7f50893bf58155cd7285156e57afa31c3ace803000000000000404b4c000000000000";
static const char tx1_sig[] =
    "ACPm0kDGVPYcBjG7Gtxnu95toXrbNo+WpXWuLzEUk8qnwyp0xMZ0mvjrwspDs2TCahhxiXxMKO/dvkXfSSz7XAgDoQe/"
    "884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";

static const uint8_t k1_n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t r1_n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

static daas_sui_key *fixed_key(int scheme)
{
    daas_sui_key *k = NULL;
    assert_int_equal(daas_sui_key_from_secret(scheme, fixed_secret, &k, NULL), DAAS_OK);
    return k;
}

static void hex_of(const uint8_t *p, size_t n, char *out, size_t outn)
{
    sodium_bin2hex(out, outn, p, n);
}

static void test_personal_message_digest(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    daas_sui_personal_message_digest(DAAS_BYTES(hello, 11), d);
    hex_of(d, 32, hex, sizeof(hex));
    assert_string_equal(hex, "c8dd73606e60581fb33cea46da799ab8bff77c226ded257dd2e77c19b613646f");
    /* same through the generic intent digest over BCS vector<u8> */
    uint8_t bcs[12] = {0x0b};
    memcpy(bcs + 1, hello, 11);
    uint8_t d2[32];
    daas_sui_intent_digest(DAAS_SUI_INTENT_PERSONAL_MESSAGE, DAAS_BYTES(bcs, 12), d2);
    assert_memory_equal(d, d2, 32);
    /* 200 x 'a': two-byte ULEB128 length */
    char a200[200];
    memset(a200, 'a', sizeof(a200));
    daas_sui_personal_message_digest(DAAS_BYTES(a200, 200), d);
    hex_of(d, 32, hex, sizeof(hex));
    assert_string_equal(hex, "e6a1ef1dbd2c8127a2444c03428fd4f78b4aa33fd450bb8f9568e85fbe450c0e");
}

static void test_personal_message_vectors(void **state)
{
    (void)state;
    for (int s = 0; s < 3; s++) {
        daas_sui_key *k = fixed_key(s);
        char *b64 = NULL;
        uint8_t addr[32];
        char ahex[67];
        daas_err err = {0};
        assert_int_equal(daas_sui_sign_personal_message(k, DAAS_BYTES(hello, 11), &b64, &err),
                         DAAS_OK);
        /* Ed25519 and libsecp256k1 are deterministic: byte-exact; r1 (OpenSSL) is not */
        if (s != DAAS_SUI_SECP256R1)
            assert_string_equal(b64, sig_vec[s]);
        assert_int_equal(daas_sui_verify_personal_message(b64, DAAS_BYTES(hello, 11), addr, &err),
                         DAAS_OK);
        daas_sui_address_hex(addr, ahex);
        assert_string_equal(ahex, addr_vec[s]);
        /* the published vector verifies and names the same signer */
        memset(addr, 0, sizeof(addr));
        assert_int_equal(
            daas_sui_verify_personal_message(sig_vec[s], DAAS_BYTES(hello, 11), addr, &err),
            DAAS_OK);
        daas_sui_address_hex(addr, ahex);
        assert_string_equal(ahex, addr_vec[s]);
        daas_free(b64);
        daas_sui_key_free(&k);
    }
    /* §8.2 long message, Ed25519 */
    char a200[200];
    memset(a200, 'a', sizeof(a200));
    daas_sui_key *k = fixed_key(DAAS_SUI_ED25519);
    char *b64 = NULL;
    assert_int_equal(daas_sui_sign_personal_message(k, DAAS_BYTES(a200, 200), &b64, NULL), DAAS_OK);
    assert_string_equal(b64, "AOEEnJ5+i5GtmdRqtmH6Hi5COkZDwzINyri+UtUTzjOYYeR+EMyJu+oxBqsBAffi4AsW"
                             "uuGpsNthx/GBZMlhjQEDoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==");
    daas_free(b64);
    daas_sui_key_free(&k);
}

static void test_transaction_vector(void **state)
{
    (void)state;
    uint8_t tx[sizeof(tx1_hex) / 2];
    size_t txlen = 0;
    assert_int_equal(sodium_hex2bin(tx, sizeof(tx), tx1_hex, strlen(tx1_hex), NULL, &txlen, NULL), 0);
    assert_int_equal(txlen, 219);
    uint8_t d[32];
    char hex[65];
    daas_sui_transaction_signing_digest(DAAS_BYTES(tx, txlen), d);
    hex_of(d, 32, hex, sizeof(hex));
    assert_string_equal(hex, "81634c2143521fdaf1c09531cca91293345418b510d331fbdba8fe5c43d27569");
    daas_sui_key *k = fixed_key(DAAS_SUI_ED25519);
    char *b64 = NULL;
    assert_int_equal(daas_sui_sign_transaction(k, DAAS_BYTES(tx, txlen), &b64, NULL), DAAS_OK);
    assert_string_equal(b64, tx1_sig);
    uint8_t addr[32], want[32];
    assert_int_equal(daas_sui_verify_transaction(b64, DAAS_BYTES(tx, txlen), addr, NULL), DAAS_OK);
    daas_sui_key_address(k, want);
    assert_memory_equal(addr, want, 32);
    /* the scope byte separates domains: a tx signature is not a personal-message signature */
    daas_err err = {0};
    assert_int_equal(daas_sui_verify_personal_message(b64, DAAS_BYTES(tx, txlen), addr, &err),
                     DAAS_EUNAUTH);
    /* one byte of the transaction changed */
    tx[100] ^= 1;
    assert_int_equal(daas_sui_verify_transaction(b64, DAAS_BYTES(tx, txlen), addr, NULL),
                     DAAS_EUNAUTH);
    daas_free(b64);
    daas_sui_key_free(&k);
}

static void test_round_trips(void **state)
{
    (void)state;
    const char msg[] = "round trip";
    for (int s = 0; s < 3; s++) {
        for (int rep = 0; rep < 4; rep++) {
            daas_sui_key *k = NULL;
            char *b64 = NULL;
            uint8_t addr[32], want[32];
            assert_int_equal(daas_sui_key_generate(s, &k, NULL), DAAS_OK);
            assert_int_equal(daas_sui_sign_personal_message(k, DAAS_BYTES(msg, 10), &b64, NULL),
                             DAAS_OK);
            assert_int_equal(strlen(b64), s == 0 ? 132 : 132); /* 97 and 98 bytes -> 132 chars */
            assert_int_equal(daas_sui_verify_personal_message(b64, DAAS_BYTES(msg, 10), addr, NULL),
                             DAAS_OK);
            daas_sui_key_address(k, want);
            assert_memory_equal(addr, want, 32);
            assert_int_equal(daas_sui_verify_personal_message(b64, DAAS_BYTES(msg, 9), addr, NULL),
                             DAAS_EUNAUTH);
            daas_free(b64);
            daas_sui_key_free(&k);
        }
    }
}

/* Every bit of the signature part flipped in turn is rejected. */
static void test_flipped_bits(void **state)
{
    (void)state;
    uint8_t d[32];
    daas_sui_personal_message_digest(DAAS_BYTES(hello, 11), d);
    for (int s = 0; s < 3; s++) {
        daas_sui_sig sig;
        assert_int_equal(daas_sui_sig_parse_base64(sig_vec[s], &sig, NULL), DAAS_OK);
        assert_int_equal(daas_sui_verify_digest(&sig, d, NULL, NULL), DAAS_OK);
        for (int bit = 0; bit < 64 * 8; bit += 7) {
            daas_sui_sig bad = sig;
            bad.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            daas_err err = {0};
            assert_int_equal(daas_sui_verify_digest(&bad, d, NULL, &err), DAAS_EUNAUTH);
            assert_non_null(strstr(err.msg, "verification failed"));
        }
        /* a flipped bit in the public key */
        daas_sui_sig bad = sig;
        bad.pub.bytes[5] ^= 0x10;
        assert_int_equal(daas_sui_verify_digest(&bad, d, NULL, NULL), DAAS_EUNAUTH);
        /* wrong digest */
        uint8_t d2[32];
        memcpy(d2, d, 32);
        d2[31] ^= 0x80;
        assert_int_equal(daas_sui_verify_digest(&sig, d2, NULL, NULL), DAAS_EUNAUTH);
    }
}

/* s := n - s (32-byte big-endian). */
static void negate_s(uint8_t s[32], const uint8_t n[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = n[i] - s[i] - borrow;
        borrow = v < 0;
        s[i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
}

/* s <= n/2 ⇔ 2s <= n, compared big-endian. */
static bool is_low_s(const uint8_t s[32], const uint8_t n[32])
{
    uint8_t two_s[33];
    int carry = 0;
    for (int i = 31; i >= 0; i--) {
        int v = s[i] * 2 + carry;
        two_s[i + 1] = (uint8_t)v;
        carry = v >> 8;
    }
    two_s[0] = (uint8_t)carry;
    uint8_t nn[33] = {0};
    memcpy(nn + 1, n, 32);
    return memcmp(two_s, nn, 33) <= 0;
}

static void test_high_s_rejected(void **state)
{
    (void)state;
    uint8_t d[32];
    daas_sui_personal_message_digest(DAAS_BYTES(hello, 11), d);
    for (int s = 1; s <= 2; s++) {
        const uint8_t *n = s == 1 ? k1_n : r1_n;
        daas_sui_sig sig;
        assert_int_equal(daas_sui_sig_parse_base64(sig_vec[s], &sig, NULL), DAAS_OK);
        assert_true(is_low_s(sig.sig + 32, n));
        /* (r, n - s) is the same signature mathematically but malleated: refused */
        daas_sui_sig high = sig;
        negate_s(high.sig + 32, n);
        assert_false(is_low_s(high.sig + 32, n));
        assert_int_equal(daas_sui_verify_digest(&high, d, NULL, NULL), DAAS_EUNAUTH);
        /* s = 0 and s = n are out of range */
        daas_sui_sig zero = sig;
        memset(zero.sig + 32, 0, 32);
        assert_int_equal(daas_sui_verify_digest(&zero, d, NULL, NULL), DAAS_EUNAUTH);
        memcpy(zero.sig + 32, n, 32);
        assert_int_equal(daas_sui_verify_digest(&zero, d, NULL, NULL), DAAS_EUNAUTH);
    }
}

/* OpenSSL picks a random nonce and returns high S about half the time: every signature we
 * emit must have been normalised. */
static void test_r1_always_low_s(void **state)
{
    (void)state;
    daas_sui_key *k = fixed_key(DAAS_SUI_SECP256R1);
    uint8_t d[32], out[DAAS_SUI_SERSIG_MAX];
    size_t n = 0;
    daas_sui_personal_message_digest(DAAS_BYTES(hello, 11), d);
    for (int i = 0; i < 48; i++) {
        assert_int_equal(daas_sui_sign_digest(k, d, out, &n, NULL), DAAS_OK);
        assert_int_equal(n, 98);
        assert_int_equal(out[0], DAAS_SUI_SECP256R1);
        assert_true(is_low_s(out + 33, r1_n));
        daas_sui_sig sig;
        assert_int_equal(daas_sui_sig_parse(DAAS_BYTES(out, n), &sig, NULL), DAAS_OK);
        assert_int_equal(daas_sui_verify_digest(&sig, d, NULL, NULL), DAAS_OK);
    }
    daas_sui_key_free(&k);
}

static void expect_parse_error(const char *b64, const char *needle)
{
    daas_err err = {0};
    assert_int_equal(daas_sui_verify_personal_message(b64, DAAS_BYTES(hello, 11), NULL, &err),
                     DAAS_EINVAL);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
}

static void test_malformed(void **state)
{
    (void)state;
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_base64_decode(sig_vec[0], strlen(sig_vec[0]), &b), DAAS_OK);
    assert_int_equal(b.len, 97);
    uint8_t raw[99];
    memcpy(raw, b.data, 97);
    daas_buf_fini(&b);
    char *s;

    /* Ed25519 bytes under the secp256k1 flag: wrong length for that flag */
    raw[0] = DAAS_SUI_SECP256K1;
    s = daas_base64_encode(raw, 97);
    expect_parse_error(s, "97 bytes, want 98");
    daas_free(s);
    /* multisig / zkLogin / unknown flags */
    raw[0] = 0x03;
    s = daas_base64_encode(raw, 97);
    expect_parse_error(s, "unsupported scheme flag 0x03");
    daas_free(s);
    raw[0] = 0x05;
    s = daas_base64_encode(raw, 97);
    expect_parse_error(s, "unsupported scheme flag 0x05");
    daas_free(s);
    /* one byte too many / too few */
    raw[0] = DAAS_SUI_ED25519;
    s = daas_base64_encode(raw, 98);
    expect_parse_error(s, "98 bytes, want 97");
    daas_free(s);
    s = daas_base64_encode(raw, 96);
    expect_parse_error(s, "96 bytes, want 97");
    daas_free(s);
    /* truncated base64 text, bad characters, empty */
    char trunc[200];
    memcpy(trunc, sig_vec[0], 100);
    trunc[100] = '\0';
    expect_parse_error(trunc, "sui signature");
    memcpy(trunc, sig_vec[0], 131);
    trunc[131] = '\0';
    expect_parse_error(trunc, "sui signature");
    expect_parse_error("!!!!", "invalid base64");
    expect_parse_error("", "empty");
    /* Ed25519 flag on a secp256k1 signature */
    daas_sui_sig sig;
    assert_int_equal(daas_sui_sig_parse_base64(sig_vec[1], &sig, NULL), DAAS_OK);
    sig.pub.scheme = DAAS_SUI_ED25519;
    uint8_t d[32];
    daas_sui_personal_message_digest(DAAS_BYTES(hello, 11), d);
    daas_err err = {0};
    assert_int_equal(daas_sui_verify_digest(&sig, d, NULL, &err), DAAS_EINVAL);
    /* secp256k1 signature presented as secp256r1 (same lengths): signature fails */
    assert_int_equal(daas_sui_sig_parse_base64(sig_vec[1], &sig, NULL), DAAS_OK);
    sig.pub.scheme = DAAS_SUI_SECP256R1;
    assert_int_equal(daas_sui_verify_digest(&sig, d, NULL, NULL), DAAS_EUNAUTH);
    /* a public key that is not a compressed point prefix */
    assert_int_equal(daas_sui_sig_parse_base64(sig_vec[2], &sig, NULL), DAAS_OK);
    sig.pub.bytes[0] = 0x04;
    assert_int_equal(daas_sui_verify_digest(&sig, d, NULL, NULL), DAAS_EUNAUTH);
    assert_int_equal(daas_sui_sig_parse_base64(sig_vec[1], &sig, NULL), DAAS_OK);
    sig.pub.bytes[0] = 0x05;
    assert_int_equal(daas_sui_verify_digest(&sig, d, NULL, NULL), DAAS_EUNAUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_personal_message_digest),
        cmocka_unit_test(test_personal_message_vectors),
        cmocka_unit_test(test_transaction_vector),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_flipped_bits),
        cmocka_unit_test(test_high_s_rejected),
        cmocka_unit_test(test_r1_always_low_s),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
