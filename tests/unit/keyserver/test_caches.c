/*
 * test_caches.c: the key server's caches (uskcache.c): a verified certificate is remembered
 * only for its exact text, signature and user; a derived key from the cache equals a fresh
 * extraction and differs between identities.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "keyserver/ks_int.h"

static void test_certs(void **state)
{
    (void)state;
    daas_ks ks;
    memset(&ks, 0, sizeof ks);
    daas_ks__usk_init(&ks);
    uint8_t user[32] = {1}, other[32] = {2};
    daas_bytes msg = DAAS_BYTES_STR("Accessing keys of package 0x… for 10 mins from …");
    daas_bytes msg2 = DAAS_BYTES_STR("Accessing keys of package 0x… for 11 mins from …");
    assert_false(daas_ks__cert_seen(&ks, msg, "c2lnbmF0dXJl", user));
    daas_ks__cert_ok(&ks, msg, "c2lnbmF0dXJl", user);
    assert_true(daas_ks__cert_seen(&ks, msg, "c2lnbmF0dXJl", user));
    assert_false(daas_ks__cert_seen(&ks, msg, "c2lnbmF0dXJm", user)); /* another signature */
    assert_false(daas_ks__cert_seen(&ks, msg, "c2lnbmF0dXJl", other)); /* another user */
    assert_false(daas_ks__cert_seen(&ks, msg2, "c2lnbmF0dXJl", user)); /* another text */
    daas_ks__usk_fini(&ks);
}

static void test_usks(void **state)
{
    (void)state;
    daas_ks ks;
    memset(&ks, 0, sizeof ks);
    assert_int_equal(daas_seal_msk_generate(ks.cfg.msk, NULL), DAAS_OK);
    daas_ks__usk_init(&ks);
    uint8_t pkg[32] = {7}, a[96], b[96], c[96], fresh[96];
    daas_bytes id1 = DAAS_BYTES_STR("identity-one"), id2 = DAAS_BYTES_STR("identity-two");
    assert_int_equal(daas_ks__usk(&ks, pkg, id1, a, NULL), DAAS_OK);
    assert_int_equal(daas_ks__usk(&ks, pkg, id1, b, NULL), DAAS_OK); /* from the cache */
    assert_int_equal(daas_seal_extract_raw(ks.cfg.msk, pkg, id1, fresh, NULL), DAAS_OK);
    assert_memory_equal(a, fresh, 96);
    assert_memory_equal(b, fresh, 96);
    assert_int_equal(daas_ks__usk(&ks, pkg, id2, c, NULL), DAAS_OK);
    assert_memory_not_equal(a, c, 96);
    /* the raw key and the compressed one are the same point */
    uint8_t usk[48], ek[48], ekr[96], sk[32], vk[96], c1[48], c2[48], back[48];
    assert_int_equal(daas_seal_extract(ks.cfg.msk, pkg, id1, usk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_elgamal_keygen(sk, ek, vk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_enc_key_decode(ek, ekr, NULL), DAAS_OK);
    assert_int_equal(daas_seal_elgamal_encrypt_raw(ekr, a, c1, c2, NULL), DAAS_OK);
    assert_int_equal(daas_seal_elgamal_decrypt(sk, c1, c2, back, NULL), DAAS_OK);
    assert_memory_equal(back, usk, 48);
    daas_ks__usk_fini(&ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certs),
        cmocka_unit_test(test_usks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
