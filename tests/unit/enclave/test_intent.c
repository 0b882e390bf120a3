/*
 * test_intent.c: Nautilus IntentMessage: the BCS bytes of specs/nautilus.md §1.3 byte for
 * byte, the weather and twitter signatures of real enclaves verifying (and failing once any
 * signed field changes), parsing, and signing with a known seed.
 *
 * Owns:   each test's buffers (freed before it returns).
 * Spec:   specs/nautilus.md §1.3 (vectors), RFC 8032 §7.1 (TEST 1 seed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>

#include "enclave/enclave_int.h"
#include "enclave_test.h"
#include "sui/bcs.h"

/* SPEC: specs/nautilus.md §1.3 */
#define SERDE_HEX "0020b1d110960100000d53616e204672616e636973636f0d00000000000000"
#define WEATHER_HEX "00a0743a37960100000d53616e204672616e636973636f0d00000000000000"
#define WEATHER_PK "e8e62201dbe293b703c759f653107acbc2c911fa1d2e66f2c747bec95971a2af"
#define WEATHER_SIG                                                                                \
    "77b6d8be225440d00f3d6eb52e91076a8927cebfb520e58c19daf31ecf06b3798ec3d3ce9630a9eceee46d24f0"   \
    "57794a60dd781657cb06d952269cfc5ae19500"
#define TWITTER_HEX                                                                                \
    "00012d1b3a960100000c6d797374656e696e7465726e20101ce8865558e08408b83f60ee9e78843d03d547c850"   \
    "cbe12cb599e17833dd3e"
#define TWITTER_ADDR "101ce8865558e08408b83f60ee9e78843d03d547c850cbe12cb599e17833dd3e"
#define TWITTER_PK "8388dcf98a89b997606984c58bb77d1a761cd04ad9ad8e109aec87ac0ba6b01b"
#define TWITTER_SIG                                                                                \
    "c1d19cd522f81033f5314623a87c92977e65d3b1efc03d64221e9128acb906fdd8339433408c8feb17653a0b92"   \
    "e4014d80a2a346d9415479efb8c8a38cfc400e"
/* RFC 8032 §7.1 TEST 1 */
#define RFC_SEED "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
#define RFC_PK "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

/* The weather app's payload: struct { location: String, temperature: u64 }. */
static void weather_payload(daas_buf *b)
{
    daas_buf_init(b, 0);
    assert_int_equal(daas_sui_bcs_put_str(b, "San Francisco"), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(b, 13), DAAS_OK);
}

/* The twitter app's payload: struct { twitter_name: vector<u8>, sui_address: vector<u8> }. */
static void twitter_payload(daas_buf *b)
{
    uint8_t addr[32];
    enc_unhex(TWITTER_ADDR, addr, sizeof addr);
    daas_buf_init(b, 0);
    assert_int_equal(daas_sui_bcs_put_bytes(b, (const uint8_t *)"mystenintern", 12), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_bytes(b, addr, sizeof addr), DAAS_OK);
}

static void expect_bcs(uint64_t ts, daas_buf *payload, const char *want)
{
    daas_buf msg;
    char hex[512];
    daas_buf_init(&msg, 0);
    assert_int_equal(
        daas_enclave_intent_bcs(0, ts, DAAS_BYTES(payload->data, payload->len), &msg, NULL),
        DAAS_OK);
    assert_string_equal(enc_hex(msg.data, msg.len, hex, sizeof hex), want);
    daas_buf_fini(&msg);
}

static void test_bcs_vectors(void **state)
{
    daas_buf p;
    weather_payload(&p);
    expect_bcs(1744038900000ull, &p, SERDE_HEX);
    expect_bcs(1744683300000ull, &p, WEATHER_HEX);
    daas_buf_fini(&p);
    twitter_payload(&p);
    expect_bcs(1744731581697ull, &p, TWITTER_HEX);
    daas_buf_fini(&p);
}

static void test_bcs_cap(void **state)
{
    daas_buf msg;
    daas_err err = {0};
    uint8_t big[32] = {0};
    daas_buf_init(&msg, 16);
    assert_int_equal(daas_enclave_intent_bcs(1, 2, DAAS_BYTES(big, sizeof big), &msg, &err),
                     DAAS_ETOOBIG);
    assert_non_null(strstr(err.msg, "32-byte payload"));
    daas_buf_fini(&msg);
}

/* The signature verifies, and no longer does once one signed thing changes. */
static void check_vector(daas_buf *p, uint64_t ts, const char *pk_hex, const char *sig_hex)
{
    uint8_t pk[32], sig[64];
    enc_unhex(pk_hex, pk, sizeof pk);
    enc_unhex(sig_hex, sig, sizeof sig);
    daas_bytes payload = DAAS_BYTES(p->data, p->len);
    assert_true(daas_enclave_intent_verify(pk, 0, ts, payload, sig));
    assert_false(daas_enclave_intent_verify(pk, 1, ts, payload, sig));
    assert_false(daas_enclave_intent_verify(pk, 0, ts + 1, payload, sig));
    p->data[3] ^= 1;
    assert_false(daas_enclave_intent_verify(pk, 0, ts, payload, sig));
    p->data[3] ^= 1;
    sig[10] ^= 0x40;
    assert_false(daas_enclave_intent_verify(pk, 0, ts, payload, sig));
    sig[10] ^= 0x40;
    pk[0] ^= 1;
    assert_false(daas_enclave_intent_verify(pk, 0, ts, payload, sig));
}

static void test_weather_signature(void **state)
{
    daas_buf p;
    weather_payload(&p);
    check_vector(&p, 1744683300000ull, WEATHER_PK, WEATHER_SIG);
    daas_buf_fini(&p);
}

static void test_twitter_signature(void **state)
{
    daas_buf p;
    twitter_payload(&p);
    check_vector(&p, 1744731581697ull, TWITTER_PK, TWITTER_SIG);
    daas_buf_fini(&p);
}

static void test_parse(void **state)
{
    uint8_t msg[64], intent = 9;
    uint64_t ts = 0;
    daas_bytes payload;
    daas_err err = {0};
    size_t n = enc_unhex(WEATHER_HEX, msg, sizeof msg);
    assert_int_equal(daas_enclave_intent_parse(DAAS_BYTES(msg, n), &intent, &ts, &payload, NULL),
                     DAAS_OK);
    assert_int_equal(intent, 0);
    assert_int_equal(ts, 1744683300000ull);
    assert_int_equal(payload.len, n - 9);
    assert_ptr_equal(payload.ptr, msg + 9);
    assert_int_equal(daas_enclave_intent_parse(DAAS_BYTES(msg, 9), &intent, &ts, &payload, NULL),
                     DAAS_OK);
    assert_int_equal(payload.len, 0);
    assert_int_equal(daas_enclave_intent_parse(DAAS_BYTES(msg, 8), &intent, &ts, &payload, &err),
                     DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "timestamp_ms"));
}

static void test_sign_known_seed(void **state)
{
    uint8_t seed[32], sig[64], sig2[64], want[64], msg[64];
    char hex[129];
    daas_enclave__key k;
    daas_buf p;
    enc_unhex(RFC_SEED, seed, sizeof seed);
    daas_enclave__key_from_seed(seed, &k);
    assert_string_equal(enc_hex(k.pk, 32, hex, sizeof hex), RFC_PK);
    weather_payload(&p);
    daas_bytes payload = DAAS_BYTES(p.data, p.len);
    assert_int_equal(daas_enclave__intent_sign(&k, 0, 1744683300000ull, payload, sig, NULL),
                     DAAS_OK);
    assert_true(daas_enclave_intent_verify(k.pk, 0, 1744683300000ull, payload, sig));
    /* Pure Ed25519 over exactly the BCS bytes: libsodium over the vector agrees. */
    size_t n = enc_unhex(WEATHER_HEX, msg, sizeof msg);
    assert_int_equal(crypto_sign_detached(want, NULL, msg, n, k.sk), 0);
    assert_memory_equal(sig, want, 64);
    assert_int_equal(daas_enclave__intent_sign(&k, 0, 1744683300000ull, payload, sig2, NULL),
                     DAAS_OK);
    assert_memory_equal(sig, sig2, 64); /* deterministic */
    assert_false(daas_enclave_intent_verify(k.pk, 0, 1744683300001ull, payload, sig));
    daas_enclave__key_wipe(&k);
    static const uint8_t zero[sizeof k];
    assert_memory_equal(&k, zero, sizeof k);
    daas_buf_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcs_vectors),
        cmocka_unit_test(test_bcs_cap),
        cmocka_unit_test(test_weather_signature),
        cmocka_unit_test(test_twitter_signature),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_sign_known_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
