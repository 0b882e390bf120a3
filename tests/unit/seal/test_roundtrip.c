/*
 * test_roundtrip.c: encrypt → encode → parse → decrypt for every DEM, with and without AAD,
 * every threshold 1..n for n = 1..5, weighted server lists, the DEM key output, and the
 * refusals: too few keys, tampered fields, malformed encodings and bad arguments.
 *
 * Owns:   a fixture of five master keys (setup/teardown); each test frees what it makes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "seal/seal_int.h"
#include "seal/seal_test.h"

#define NSRV 5

typedef struct fix {
    uint8_t msk[NSRV][32];
    daas_seal_server srv[NSRV];
    uint8_t pkg[32];
} fix;

static const uint8_t ID[] = "an inner identity";
static const char MSG[] = "The difference between a Miracle and a Fact is exactly the "
                          "difference between a mermaid and a seal.";

static int setup(void **state)
{
    fix *f = daas_xcalloc(1, sizeof *f);
    for (int i = 0; i < NSRV; i++) {
        assert_int_equal(daas_seal_msk_generate(f->msk[i], NULL), DAAS_OK);
        assert_int_equal(daas_seal_public_key(f->msk[i], f->srv[i].pk, NULL), DAAS_OK);
        memset(f->srv[i].object_id, 0xA0 + i, 32);
    }
    memset(f->pkg, 0x42, 32);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    daas_free(*state);
    return 0;
}

/* The derived key of server i for the fixture's identity. */
static daas_seal_derived key_of(const fix *f, int i)
{
    daas_seal_derived d;
    memcpy(d.object_id, f->srv[i].object_id, 32);
    assert_int_equal(daas_seal_extract(f->msk[i], f->pkg, DAAS_BYTES(ID, sizeof ID), d.usk, NULL),
                     DAAS_OK);
    return d;
}

static daas_seal_encrypt_opts opts(const fix *f, const daas_seal_server *srv, size_t n,
                                   uint8_t t, daas_seal_dem dem, bool has_aad)
{
    daas_seal_encrypt_opts o = {.package_id = f->pkg,
                                .id = DAAS_BYTES(ID, sizeof ID),
                                .servers = srv,
                                .nservers = n,
                                .threshold = t,
                                .dem = dem,
                                .has_aad = has_aad,
                                .aad = DAAS_BYTES_STR("some aad")};
    return o;
}

/* Encrypts and parses back into *o; returns the DEM key in dem_key. */
static void seal_obj(const daas_seal_encrypt_opts *eo, daas_bytes pt, daas_seal_object *o,
                     daas_buf *bytes, uint8_t dem_key[32])
{
    daas_err err = {0};
    daas_buf_init(bytes, 0);
    int rc = daas_seal_encrypt(eo, pt, bytes, dem_key, &err);
    if (rc != DAAS_OK)
        print_error("encrypt: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    assert_int_equal(daas_seal_object_parse(DAAS_BYTES(bytes->data, bytes->len), o, &err),
                     DAAS_OK);
}

static void test_thresholds(void **state)
{
    fix *f = *state;
    daas_seal_derived keys[NSRV];
    daas_err err = {0};
    for (int i = 0; i < NSRV; i++)
        keys[i] = key_of(f, i);
    for (size_t n = 1; n <= NSRV; n++) {
        for (uint8_t t = 1; t <= n; t++) {
            daas_seal_dem dem = (n + t) % 2 ? DAAS_SEAL_DEM_AES : DAAS_SEAL_DEM_HMAC;
            daas_seal_encrypt_opts eo = opts(f, f->srv, n, t, dem, t % 2 == 0);
            daas_seal_object o;
            daas_buf bytes;
            uint8_t dk[32];
            seal_obj(&eo, DAAS_BYTES_STR(MSG), &o, &bytes, dk);
            assert_int_equal(o.threshold, t);
            assert_int_equal(o.nservices, n);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(o.services[i].index, i + 1);
            size_t len = strlen(MSG);
            /* the first t keys, the last t keys, all keys; with and without public keys */
            assert_int_equal(seal_try_decrypt(&o, keys, t, NULL, 0, MSG, len, &err), DAAS_OK);
            assert_int_equal(seal_try_decrypt(&o, keys + n - t, t, f->srv, n, MSG, len, &err),
                             DAAS_OK);
            assert_int_equal(seal_try_decrypt(&o, keys, n, f->srv, n, MSG, len, &err), DAAS_OK);
            assert_int_equal(seal_try_decrypt(&o, keys, NSRV, NULL, 0, MSG, len, &err), DAAS_OK);
            if (t > 1) {
                assert_int_equal(seal_try_decrypt(&o, keys + 1, t - 1, NULL, 0, MSG, len, &err),
                                 DAAS_EINVAL);
                assert_true(strstr(err.msg, "not enough keys") != NULL);
            }
            daas_seal_object_fini(&o);
            daas_buf_fini(&bytes);
        }
    }
}

static void test_dems_and_aad(void **state)
{
    fix *f = *state;
    daas_seal_derived keys[2] = {key_of(f, 0), key_of(f, 1)};
    daas_err err = {0};
    for (int dem = 0; dem < 2; dem++) {
        for (int aad = 0; aad < 2; aad++) {
            for (size_t len = 0; len < 70; len += 23) { /* empty, short, multi-block */
                daas_seal_encrypt_opts eo = opts(f, f->srv, 3, 2, (daas_seal_dem)dem, aad);
                daas_seal_object o;
                daas_buf bytes, enc;
                uint8_t dk[32];
                seal_obj(&eo, DAAS_BYTES(MSG, len), &o, &bytes, dk);
                assert_int_equal(o.has_aad, aad);
                assert_int_equal(o.blob_len, len + (dem == DAAS_SEAL_DEM_AES ? 16 : 0));
                /* encode reproduces the encryptor's bytes */
                daas_buf_init(&enc, 0);
                assert_int_equal(daas_seal_object_encode(&o, &enc, &err), DAAS_OK);
                assert_int_equal(enc.len, bytes.len);
                assert_memory_equal(enc.data, bytes.data, bytes.len);
                assert_int_equal(seal_try_decrypt(&o, keys, 2, f->srv, 3, MSG, len, &err),
                                 DAAS_OK);
                daas_buf_fini(&enc);
                daas_buf_fini(&bytes);
                daas_seal_object_fini(&o);
            }
        }
    }
}

static void test_plain(void **state)
{
    fix *f = *state;
    daas_seal_derived keys[2] = {key_of(f, 3), key_of(f, 4)};
    daas_seal_encrypt_opts eo = opts(f, f->srv, NSRV, 2, DAAS_SEAL_DEM_PLAIN, false);
    daas_seal_object o;
    daas_buf bytes, out;
    daas_err err = {0};
    uint8_t dk[32];
    seal_obj(&eo, DAAS_BYTES(NULL, 0), &o, &bytes, dk);
    assert_int_equal(o.dem, DAAS_SEAL_DEM_PLAIN);
    /* the last byte is the Plain tag */
    assert_int_equal((uint8_t)bytes.data[bytes.len - 1], 2);
    assert_int_equal(seal_try_decrypt(&o, keys, 2, f->srv, NSRV, dk, 32, &err), DAAS_OK);
    daas_seal_object_fini(&o);
    daas_buf_fini(&bytes);
    /* Plain refuses a plaintext */
    daas_buf_init(&out, 0);
    assert_int_equal(daas_seal_encrypt(&eo, DAAS_BYTES_STR("x"), &out, NULL, &err), DAAS_EINVAL);
    assert_int_equal(out.len, 0);
    daas_buf_fini(&out);
}

static void test_weighted(void **state)
{
    fix *f = *state;
    daas_seal_server list[4] = {f->srv[0], f->srv[0], f->srv[0], f->srv[1]};
    daas_seal_derived k0 = key_of(f, 0), k1 = key_of(f, 1), both[2] = {k1, k0};
    daas_seal_encrypt_opts eo = opts(f, list, 4, 3, DAAS_SEAL_DEM_AES, true);
    daas_seal_object o;
    daas_buf bytes;
    daas_err err = {0};
    uint8_t dk[32];
    size_t len = strlen(MSG);
    seal_obj(&eo, DAAS_BYTES_STR(MSG), &o, &bytes, dk);
    assert_int_equal(o.nservices, 4);
    assert_int_equal(o.services[2].index, 3);
    assert_memory_equal(o.services[2].object_id, f->srv[0].object_id, 32);
    /* the KDF includes the index: entries of one server get different encrypted shares */
    assert_memory_not_equal(o.shares[0], o.shares[1], 32);
    assert_int_equal(seal_try_decrypt(&o, &k0, 1, NULL, 0, MSG, len, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &k0, 1, f->srv, 2, MSG, len, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, both, 2, f->srv, 2, MSG, len, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &k1, 1, NULL, 0, MSG, len, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "not enough keys: shares for 1 of threshold 3");
    daas_seal_object_fini(&o);
    daas_buf_fini(&bytes);
}

/* Flips one bit at every offset of the object: parse fails or decryption fails. */
static void test_tamper_every_byte(void **state)
{
    fix *f = *state;
    daas_seal_derived keys[2] = {key_of(f, 0), key_of(f, 1)};
    daas_err err = {0};
    for (int dem = 0; dem < 2; dem++) {
        daas_seal_encrypt_opts eo = opts(f, f->srv, 2, 2, (daas_seal_dem)dem, true);
        daas_seal_object o;
        daas_buf bytes;
        uint8_t dk[32];
        seal_obj(&eo, DAAS_BYTES_STR("attack at dawn"), &o, &bytes, dk);
        daas_seal_object_fini(&o);
        for (size_t off = 0; off < bytes.len; off++) {
            uint8_t *p = (uint8_t *)bytes.data;
            p[off] ^= 0x01;
            int rc = daas_seal_object_parse(DAAS_BYTES(p, bytes.len), &o, &err);
            if (rc == DAAS_OK) {
                /* pks too: a changed package/id/service must not decrypt either */
                rc = seal_try_decrypt(&o, keys, 2, f->srv, 2, "", 0, &err);
                assert_true(rc == DAAS_EUNAUTH || rc == DAAS_EINVAL);
                daas_seal_object_fini(&o);
            } else {
                assert_int_equal(rc, DAAS_EINVAL);
            }
            p[off] ^= 0x01;
        }
        daas_buf_fini(&bytes);
    }
}

static void test_tamper_fields(void **state)
{
    fix *f = *state;
    daas_seal_derived keys[3] = {key_of(f, 0), key_of(f, 1), key_of(f, 2)};
    daas_seal_encrypt_opts eo = opts(f, f->srv, 3, 2, DAAS_SEAL_DEM_HMAC, true);
    daas_seal_object o;
    daas_buf bytes;
    daas_err err = {0};
    uint8_t dk[32];
    seal_obj(&eo, DAAS_BYTES_STR(MSG), &o, &bytes, dk);
    o.mac[5] ^= 1;
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    assert_string_equal(err.msg, "HMAC-CTR MAC mismatch");
    o.mac[5] ^= 1;
    o.aad[0] ^= 1;
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    o.aad[0] ^= 1;
    o.has_aad = false; /* None is the empty aad, not "some aad" */
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    o.has_aad = true;
    o.encrypted_randomness[31] ^= 1;
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    o.encrypted_randomness[31] ^= 1;
    /* a share not held: only the consistency check notices it */
    o.shares[2][0] ^= 1;
    assert_int_equal(seal_try_decrypt(&o, keys, 2, f->srv, 3, "", 0, &err), DAAS_EUNAUTH);
    o.shares[2][0] ^= 1;
    o.shares[0][0] ^= 1;
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    o.shares[0][0] ^= 1;
    /* a different valid nonce */
    uint8_t saved[96];
    memcpy(saved, o.nonce, 96);
    memcpy(o.nonce, f->srv[4].pk, 96);
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    memcpy(o.nonce, saved, 96);
    o.blob[0] ^= 1;
    assert_int_equal(seal_try_decrypt(&o, keys, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    o.blob[0] ^= 1;
    /* a key of the wrong server, two keys for one server */
    daas_seal_derived wrong[2] = {keys[0], keys[1]};
    memcpy(wrong[1].usk, keys[2].usk, 48);
    assert_int_equal(seal_try_decrypt(&o, wrong, 2, NULL, 0, "", 0, &err), DAAS_EUNAUTH);
    daas_seal_derived dup[2] = {keys[0], keys[0]};
    assert_int_equal(seal_try_decrypt(&o, dup, 2, NULL, 0, "", 0, &err), DAAS_EINVAL);
    /* unchanged: still decrypts */
    assert_int_equal(seal_try_decrypt(&o, keys, 3, f->srv, 3, MSG, strlen(MSG), &err), DAAS_OK);
    daas_seal_object_fini(&o);
    daas_buf_fini(&bytes);
}

static void test_aes_tamper(void **state)
{
    fix *f = *state;
    daas_seal_derived keys[2] = {key_of(f, 0), key_of(f, 1)};
    daas_seal_encrypt_opts eo = opts(f, f->srv, 2, 2, DAAS_SEAL_DEM_AES, true);
    daas_seal_object o;
    daas_buf bytes, out;
    daas_err err = {0};
    uint8_t dk[32];
    seal_obj(&eo, DAAS_BYTES_STR(MSG), &o, &bytes, dk);
    o.blob[o.blob_len - 1] ^= 1;
    /* out keeps what it held before a failure */
    daas_buf_init(&out, 0);
    assert_int_equal(daas_buf_puts(&out, "prefix"), DAAS_OK);
    assert_int_equal(daas_seal_decrypt(&o, keys, 2, NULL, 0, &out, &err), DAAS_EUNAUTH);
    assert_string_equal(err.msg, "AES-GCM authentication failed");
    assert_int_equal(out.len, 6);
    assert_string_equal(out.data, "prefix");
    o.blob[o.blob_len - 1] ^= 1;
    daas_err_clear(&err);
    assert_int_equal(daas_seal_decrypt(&o, keys, 2, NULL, 0, &out, &err), DAAS_OK);
    assert_int_equal(out.len, 6 + strlen(MSG));
    assert_memory_equal(out.data + 6, MSG, strlen(MSG));
    daas_buf_fini(&out);
    daas_seal_object_fini(&o);
    daas_buf_fini(&bytes);
}

static void test_encrypt_args(void **state)
{
    fix *f = *state;
    daas_seal_server bad[2] = {f->srv[0], f->srv[1]};
    daas_buf out;
    daas_err err = {0};
    daas_buf_init(&out, 0);
    daas_seal_encrypt_opts eo = opts(f, f->srv, 2, 3, DAAS_SEAL_DEM_AES, false);
    assert_int_equal(daas_seal_encrypt(&eo, DAAS_BYTES_STR("x"), &out, NULL, &err), DAAS_EINVAL);
    eo.threshold = 0;
    assert_int_equal(daas_seal_encrypt(&eo, DAAS_BYTES_STR("x"), &out, NULL, NULL), DAAS_EINVAL);
    eo = opts(f, bad, 2, 1, DAAS_SEAL_DEM_AES, false);
    bad[1].pk[95] ^= 1; /* off the curve */
    daas_err_clear(&err);
    assert_int_equal(daas_seal_encrypt(&eo, DAAS_BYTES_STR("x"), &out, NULL, &err), DAAS_EINVAL);
    assert_true(strstr(err.msg, "key server 1") != NULL);
    memset(bad[1].pk, 0, 96);
    bad[1].pk[0] = 0xc0; /* the identity */
    assert_int_equal(daas_seal_encrypt(&eo, DAAS_BYTES_STR("x"), &out, NULL, NULL), DAAS_EINVAL);
    eo = opts(f, f->srv, 0, 1, DAAS_SEAL_DEM_AES, false);
    assert_int_equal(daas_seal_encrypt(&eo, DAAS_BYTES_STR("x"), &out, NULL, NULL), DAAS_EINVAL);
    assert_int_equal(out.len, 0);
    daas_buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thresholds),     cmocka_unit_test(test_dems_and_aad),
        cmocka_unit_test(test_plain),          cmocka_unit_test(test_weighted),
        cmocka_unit_test(test_tamper_every_byte), cmocka_unit_test(test_tamper_fields),
        cmocka_unit_test(test_aes_tamper),     cmocka_unit_test(test_encrypt_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
