/*
 * test_prims.c: libseal's primitives against specs/seal.md §8: hash-to-G1 (8.1), the KDF with
 * its GT bytes (8.2), the DEMs (8.8), derived-key verification (8.9), master-key derivation,
 * scalars and points (8.10), GF(256)/polynomials/Shamir (8.11), the PoP vector (8.12),
 * ElGamal, and the parser's refusals (spec §2).
 *
 * Owns:   nothing beyond each test's locals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "seal/seal_int.h"
#include "seal/seal_test.h"
#include "seal/seal_vectors.h"

static const uint8_t ZERO32[32];

static void test_81_hash(void **state)
{
    (void)state;
    static const uint8_t id[4] = {1, 2, 3, 4};
    uint8_t out[48];
    daas_seal_hash_id(ZERO32, DAAS_BYTES(id, 4), out);
    assert_string_equal(seal_hex(out, 48),
                        "a2f2624fda29c88ccacd286b560572d8c1261a5687e0c0cdbdcbef93bf0ec5c373563fac"
                        "64a2cb5bb326cc6181ee65d7");
}

static void test_82_kdf(void **state)
{
    (void)state;
    uint8_t rbe[32] = {0}, gt[DAAS_SEAL__GT_LEN], nonce[96], gid[48], k[32];
    static const uint8_t zero_byte = 0;
    blst_scalar r;
    blst_p1 p;
    blst_p2 q;
    blst_p1_affine pa, ga;
    rbe[30] = 0x30; /* 12345 = 0x3039 */
    rbe[31] = 0x39;
    assert_int_equal(daas_seal__scalar_parse(rbe, &r, "r", NULL), DAAS_OK);
    blst_sk_to_pk_in_g1(&p, &r);
    blst_p1_to_affine(&pa, &p);
    daas_seal__pairing_bytes(&pa, blst_p2_affine_generator(), gt); /* e(G1,G2)^r */
    assert_string_equal(seal_hex(gt, 48),
                        "091f6f2b8bd602e8cda4c27354b0e28fce1f4976c969b59163aa4f4db3cf7188ccec517b"
                        "c4f3a4f2ee2a06ece61d0b2e");
    blst_sk_to_pk_in_g2(&q, &r);
    blst_p2_compress(nonce, &q);
    daas_seal__hash_g1(&p, (const uint8_t *)DAAS_SEAL__DST_ID, sizeof DAAS_SEAL__DST_ID - 1,
                       &zero_byte, 1);
    blst_p1_to_affine(&ga, &p);
    blst_p1_affine_compress(gid, &ga);
    assert_int_equal(daas_seal__kdf(gt, nonce, gid, ZERO32, 42, k, NULL), DAAS_OK);
    assert_string_equal(seal_hex(k, 32),
                        "89befdfd6aecdce1305ddbca891d1c29f0507cfd5225cd6b11e52e60f088ea87");
}

static const char MARK[] = "The difference between a Miracle and a Fact is exactly the "
                           "difference between a mermaid and a seal.";

static void test_88_aes(void **state)
{
    (void)state;
    uint8_t key[32], blob[115], pt[99];
    daas_err err = {0};
    daas_bytes aad = DAAS_BYTES_STR("Mark Twain");
    assert_int_equal(strlen(MARK), 99);
    seal_unhex("43041389faab1f789fa56722b1def4c3ec6da22675e9bd8ad7329cd931bc840a", key, 32);
    assert_int_equal(daas_seal__aes_encrypt(key, (const uint8_t *)MARK, 99, aad, blob, &err),
                     DAAS_OK);
    assert_string_equal(seal_hex(blob, 115),
                        "a3a5c857ee27937f43ccfb42b41ca2155c9a4a77a8e54af35f78a78ff102206142d1be22"
                        "dfc39a6374463255934ae640adceeffb17e56b9190d8c5f6456e9e7ff1c4eaa45114b640"
                        "b407efd371f26b1f7d7e48bd86d742a01c0ad7dbe18b86df188e27cb029978b7fd243d9a"
                        "63bdabd76aa478");
    assert_int_equal(daas_seal__aes_decrypt(key, blob, 115, aad, pt, &err), DAAS_OK);
    assert_memory_equal(pt, MARK, 99);
    blob[114] ^= 0x80;
    assert_int_equal(daas_seal__aes_decrypt(key, blob, 115, aad, pt, &err), DAAS_EUNAUTH);
    blob[114] ^= 0x80;
    assert_int_equal(daas_seal__aes_decrypt(key, blob, 115, DAAS_BYTES_STR("Mark"), pt, &err),
                     DAAS_EUNAUTH);
    assert_int_equal(daas_seal__aes_decrypt(key, blob, 15, aad, pt, &err), DAAS_EUNAUTH);
}

/* HMAC-CTR: checks the MAC, then decrypts; returns the MAC verdict. */
static bool hmac_open(const char *key_hex, const char *blob_hex, const char *mac_hex,
                      const char *aad, const char *want)
{
    uint8_t key[32], blob[128], mac[32], got[32], pt[128];
    size_t n = strlen(blob_hex) / 2;
    seal_unhex(key_hex, key, 32);
    seal_unhex(blob_hex, blob, n);
    seal_unhex(mac_hex, mac, 32);
    assert_int_equal(daas_seal__hmac_ctr_mac(key, DAAS_BYTES_STR(aad), blob, n, got, NULL),
                     DAAS_OK);
    if (memcmp(got, mac, 32) != 0)
        return false;
    assert_int_equal(daas_seal__hmac_ctr_xor(key, blob, n, pt, NULL), DAAS_OK);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(pt, want, n);
    /* and encryption gives the blob back */
    assert_int_equal(daas_seal__hmac_ctr_xor(key, pt, n, pt, NULL), DAAS_OK);
    assert_memory_equal(pt, blob, n);
    return true;
}

static void test_88_hmac(void **state)
{
    (void)state;
    assert_true(hmac_open(
        "5bfdfd7c814903f1311bebacfffa3c001cbeb1cbb3275baa9aafe21fadd9f396",
        "feadb8c8f781036f86b6a9f436cac6f9f68ba8fc8b8444f0331a5820f78580f32034f698f7ce15f25defae17"
        "49f0131c0a8b8c5e751b96aacf507d0dbd4d7790440d196a339fcb8498ca7dd236014e353729b7aa2cf52428"
        "4a8d2305d2378494eadd6f",
        "85d498365972c3dc7a53f94232f9cb10dcc94eff064d6835d41d7a7536b47b51", "Mark Twain", MARK));
    assert_true(hmac_open("76532ed510f487739f775afe6b64bc506e0097b9709f33fc5a18cb1c57fac66d",
                          "711ec5be4348c6194475dd2a45",
                          "a94c5de42a5a0219fcd6871d379df4870c35e6406ebdfb7a51594fc18a1192bd",
                          "something", "Hello, world!"));
    assert_false(hmac_open("4804597e77d5025ab89d8559fe826dbd5591aaa5a0a3ca19ea572350e2a08c6b",
                           "98bf8da0ccbb35b6cf41effc83",
                           "6c3d7fdb9b3a16a552b43a3300d6493f328e97aebf0697645cd35348ac926ec2",
                           "something else", ""));
}

static int verify(const char *pk_hex, const char *usk_hex, uint8_t pkg_last)
{
    static const uint8_t id[4] = {1, 2, 3, 4};
    uint8_t pk[96], usk[48], pkg[32] = {0};
    pkg[31] = pkg_last;
    seal_unhex(pk_hex, pk, 96);
    seal_unhex(usk_hex, usk, 48);
    return daas_seal_verify_usk(pk, pkg, DAAS_BYTES(id, 4), usk, NULL);
}

static void test_89_verify_usk(void **state)
{
    (void)state;
    static const char *pk = "ae7577bd3fe7f470f31ad2c9209e58eaa703d8585581d5e327e3c411805b7723b2f8"
                            "403f7606d2c7bce6fafc27f3b091053c5e4b215e2e4be81877c499e7f26c5c7ebc0c"
                            "5fdf657c53cd72f37cb1d9dc29e1a8f9cf5a8257a2f6ffdcb84589dc";
    static const char *usk = "b86c7e836fe7c4b5ab9258f9e8c223b85db2892b3c91da2ad32e103ffad2238c38f"
                             "d64e6fb9575c62a2076942cf28e9d";
    static const char *pk_bad = "a0c2e4dd4830aec2d6c6bf13bb98e20db09a1354d48eabbe2cdbfeb36d3d8a87"
                                "efb25c5f7ccc771f7b1c0e387bc6432b009dbd1ed9374059fb5b7c7497fddb2e"
                                "8c5a08cd5cd1c0ae421868ca2c1250390223273288bcbb47ea4ac5e4850d6d27";
    static const char *usk_bad = "85e9ccf31b955739a70a18e20cfa77a44c0275c4781b563aaa453cfb7a94725"
                                 "9df8f16be0ef4288d7994432f9f0f3713";
    assert_int_equal(verify(pk, usk, 0), DAAS_OK);
    assert_int_equal(verify(pk_bad, usk, 0), DAAS_EUNAUTH);
    assert_int_equal(verify(pk, usk_bad, 0), DAAS_EUNAUTH);
    assert_int_equal(verify(pk, usk, 1), DAAS_EUNAUTH);
    static const char *const pairs[3][2] = {
        {"8fcce930177ddbe52e2efb4a81d306d67b4325bc9ac1abe9add4a357c1004e53e1956ecdae9395c527a838"
         "dea2b7ff5b1007c3793950bfb2f5cd053eab7925ce15189d42650aa88e93a7ad95aad45e8cdb99020fb9c835"
         "73673cd66a484bba80",
         "8b34f8188bedf3aa7cb87f94ce7bf457f5546dc47beb35b5a8a068d978caa7067558106d7868015a860b240"
         "4e943ecc3"},
        {"a5988b80eb9eda86299c1ffa7a9b8937dc6b576bf505f7ea3d5e5f5736ed176228289419d62c88aa3fd56c"
         "d1e11ee10d1348f4ab336f940763b1d5c6843a5233edbf51c294ad2afaf2dfede72998ec41c005d8a177df90"
         "bfb868449b6434791f",
         "834b2758d1d6ba335affc0b2268e3f9883e19984a501d6419e0d206d2819c9ea499eb8de8e24b9fb6bfd57d"
         "15769719c"},
        {"b45f4e2988d9d2b2bda53d3c086bbd7b6a3d7ad8402f869bc58b55b0915e9dda5d2335b60054bcc177d049"
         "b879876f9d0c7f9d86d99eb33053bbbc36b1a48993d3f8590b50bec358323083f6edef4384e4581ff6e9c375"
         "7b92592bb990fdfddf",
         "9274d5ca9113924e81fad704c36147758f1178212a15c29e072d55cf8d405e07b8730f3794bc6519d17e9cf"
         "0d519f38d"}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(verify(pairs[i][0], pairs[i][1], 0), DAAS_OK);
    assert_int_equal(verify(pairs[0][0], pairs[1][1], 0), DAAS_EUNAUTH);
    assert_int_equal(verify(pairs[0][0],
                            "b422f84796342a08487df375e705d896e2eef13aded6e2c64344eb6c0c79502074117"
                            "3489994f238891491e8026a5992",
                            0),
                     DAAS_EUNAUTH);
    /* not a point → EINVAL, not EUNAUTH */
    char broken[97];
    memcpy(broken, usk, 97);
    broken[95] = broken[95] == '0' ? '1' : '0';
    int rc = verify(pk, broken, 0);
    assert_true(rc == DAAS_EINVAL);
}

static void test_810_keys_scalars_points(void **state)
{
    (void)state;
    uint8_t seed[32], msk[32], pk[96], g1[48];
    daas_err err = {0};
    blst_scalar s;
    blst_p1 p;
    memset(seed, 1, 32);
    assert_int_equal(daas_seal_msk_derive(seed, 42, msk, &err), DAAS_OK);
    assert_string_equal(seal_hex(msk, 32),
                        "17d496df95e12b5caec0c4a15b09a5ea41b4fb1cf3ba28f1c6c72556846a6db6");
    /* r − 1 valid; r, 2^256 − 1 and 0 invalid */
    seal_unhex("73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000000", msk, 32);
    assert_int_equal(daas_seal_msk_check(msk, &err), DAAS_OK);
    msk[31] = 1;
    assert_int_equal(daas_seal_msk_check(msk, &err), DAAS_EINVAL);
    memset(msk, 0xff, 32);
    assert_int_equal(daas_seal_msk_check(msk, NULL), DAAS_EINVAL);
    assert_int_equal(daas_seal_public_key(msk, pk, NULL), DAAS_EINVAL);
    memset(msk, 0, 32);
    assert_int_equal(daas_seal_msk_check(msk, NULL), DAAS_EINVAL);
    /* the BE reading of the TS scalar vector: 26c4...0a13 is below r and parses as BE */
    seal_unhex("26c44908a987df8e24de5128eb062125e40b2b5dea25d67d828ae1fb7b620a13", msk, 32);
    assert_int_equal(daas_seal__scalar_parse(msk, &s, "s", NULL), DAAS_OK);
    assert_int_equal(s.b[0], 0x13); /* little-endian limbs inside blst */
    assert_int_equal(s.b[31], 0x26);
    /* 7·G1, 7·G2 */
    memset(msk, 0, 32);
    msk[31] = 7;
    assert_int_equal(daas_seal_public_key(msk, pk, &err), DAAS_OK);
    assert_string_equal(seal_hex(pk, 96),
                        "8d0273f6bf31ed37c3b8d68083ec3d8e20b5f2cc170fa24b9b5be35b34ed013f9a921f1c"
                        "ad1644d4bdb14674247234c8049cd1dbb2d2c3581e54c088135fef36505a6823d61b8594"
                        "37bfc79b617030dc8b40e32bad1fa85b9c0f368af6d38d3c");
    assert_int_equal(daas_seal_pk_check(pk, &err), DAAS_OK);
    pk[95] = 0x3d;
    assert_int_equal(daas_seal_pk_check(pk, &err), DAAS_EINVAL);
    blst_scalar_from_bendian(&s, msk);
    blst_sk_to_pk_in_g1(&p, &s);
    blst_p1_compress(g1, &p);
    assert_string_equal(seal_hex(g1, 48),
                        "b928f3beb93519eecf0145da903b40a4c97dca00b21f12ac0df3be9116ef2ef27b2ae6bc"
                        "d4c5bc2d54ef5a70627efcb7");
    blst_p1_affine a;
    assert_int_equal(daas_seal__g1_decode(g1, &a, "g1", NULL), DAAS_OK);
    g1[47] = 0xb6;
    assert_int_equal(daas_seal__g1_decode(g1, &a, "g1", NULL), DAAS_EINVAL);
    /* the identity is a valid point but not a public key */
    memset(pk, 0, 96);
    pk[0] = 0xc0;
    assert_int_equal(daas_seal_pk_check(pk, &err), DAAS_EINVAL);
    /* a fresh master key checks */
    assert_int_equal(daas_seal_msk_generate(msk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_msk_check(msk, NULL), DAAS_OK);
}

static void test_811_gf_poly(void **state)
{
    (void)state;
    static const uint8_t a[3] = {1, 2, 3}, b[2] = {4, 5};
    uint8_t prod[4], c[3];
    assert_int_equal(0x53 ^ 0xCA, 0x99);
    assert_int_equal(daas_seal__gf_mul(0x53, 0xCA), 0x01);
    assert_int_equal(daas_seal__gf_div(0x53, 0xCA), 0xB5);
    daas_seal__poly_mul(a, 3, b, 2, prod);
    assert_string_equal(seal_hex(prod, 4), "040d060f");
    assert_int_equal(daas_seal__poly_eval(a, 3, 0), 1);
    assert_int_equal(daas_seal__poly_eval(a, 3, 1), 0);
    assert_int_equal(daas_seal__poly_eval(a, 3, 2), 9);
    assert_int_equal(daas_seal__poly_eval(a, 3, 3), 8);
    static const uint8_t xs[3] = {1, 2, 3}, ys[3] = {7, 11, 17};
    assert_int_equal(daas_seal__poly_interpolate(xs, ys, 3, c, NULL), DAAS_OK);
    assert_string_equal(seal_hex(c, 3), "1d150f");
    for (int i = 0; i < 3; i++)
        c[i] = daas_seal__gf_div(a[i], 2);
    assert_int_equal(c[0], 141);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 140);
    /* gf_mul agrees with a table-free reference on every pair */
    for (unsigned x = 0; x < 256; x++)
        for (unsigned y = 1; y < 256; y++)
            assert_int_equal(daas_seal__gf_mul(daas_seal__gf_div((uint8_t)x, (uint8_t)y),
                                               (uint8_t)y),
                             x);
}

static void test_811_shamir(void **state)
{
    (void)state;
    static const char *secret = "My super secret message";
    uint8_t ys[3][23], out[32], xs[3] = {0x2d, 0x59, 0x3d};
    seal_unhex("0bbad0cd0d222fe2fe7c17080198a95c186d66c523bbba", ys[0], 23);
    seal_unhex("94ed01a1e8e883b0110555e38cb50ca8014ffc8badd19a", ys[1], 23);
    seal_unhex("16cad5ae8279f9e59fc3bb05817abc6370160cdd8e82f7", ys[2], 23);
    for (int skip = 0; skip < 3; skip++) {
        uint8_t x2[2], y2[2][23];
        for (int i = 0, j = 0; i < 3; i++)
            if (i != skip) {
                x2[j] = xs[i];
                memcpy(y2[j++], ys[i], 23);
            }
        assert_int_equal(daas_seal__shamir_eval(x2, y2[0], 2, 23, 0, out, NULL), DAAS_OK);
        assert_memory_equal(out, secret, 23);
    }
    assert_int_equal(daas_seal__shamir_eval(xs, ys[0], 3, 23, 0, out, NULL), DAAS_OK);
    assert_memory_equal(out, secret, 23);
    /* test_combine_byte */
    static const uint8_t px[4] = {1, 2, 3, 4}, py[4] = {2, 3, 4, 5};
    assert_int_equal(daas_seal__shamir_eval(px, py, 4, 1, 0, out, NULL), DAAS_OK);
    assert_int_equal(out[0], 202);
    /* zero and duplicate indices are refused */
    uint8_t bad[2] = {0, 1};
    assert_int_equal(daas_seal__shamir_eval(bad, py, 2, 1, 0, out, NULL), DAAS_EINVAL);
    bad[0] = 1;
    assert_int_equal(daas_seal__shamir_eval(bad, py, 2, 1, 0, out, NULL), DAAS_EINVAL);
    /* split: any t of n recombine */
    uint8_t sec[32], sh[5][32], sx[5] = {1, 2, 3, 4, 5};
    daas_random(sec, 32);
    daas_seal__shamir_split(sec, 32, 5, 3, sh[0]);
    assert_int_equal(daas_seal__shamir_eval(sx + 2, sh[2], 3, 32, 0, out, NULL), DAAS_OK);
    assert_memory_equal(out, sec, 32);
    uint8_t pick_x[3] = {1, 3, 5}, pick_y[3][32];
    memcpy(pick_y[0], sh[0], 32);
    memcpy(pick_y[1], sh[2], 32);
    memcpy(pick_y[2], sh[4], 32);
    assert_int_equal(daas_seal__shamir_eval(pick_x, pick_y[0], 3, 32, 0, out, NULL), DAAS_OK);
    assert_memory_equal(out, sec, 32);
    /* and the polynomial through three shares predicts the others */
    assert_int_equal(daas_seal__shamir_eval(pick_x, pick_y[0], 3, 32, 4, out, NULL), DAAS_OK);
    assert_memory_equal(out, sh[3], 32);
}

static void test_812_pop(void **state)
{
    (void)state;
    uint8_t msk[32], obj[32] = {0}, pop[48], pk[96];
    daas_err err = {0};
    obj[31] = 1;
    seal_unhex("1a947b48119ddec8b4c9e0ad1ff65fe526cc4fc6fbc304e2e77dbf34f18d0992", msk, 32);
    assert_int_equal(daas_seal_pop(msk, obj, pop, &err), DAAS_OK);
    assert_string_equal(seal_hex(pop, 48),
                        "92e3d83a05766ca40cda00c15667e4ea4b77ed95bfe6482a9380d051cba8e714c951297b"
                        "8e855f4b3ba9340b5fb40815");
    assert_int_equal(daas_seal_public_key(msk, pk, &err), DAAS_OK);
    assert_int_equal(daas_seal_pop_verify(pk, obj, pop, &err), DAAS_OK);
    obj[31] = 2;
    assert_int_equal(daas_seal_pop_verify(pk, obj, pop, &err), DAAS_EUNAUTH);
    /* round trip with a fresh key */
    assert_int_equal(daas_seal_msk_generate(msk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_public_key(msk, pk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_pop(msk, obj, pop, NULL), DAAS_OK);
    assert_int_equal(daas_seal_pop_verify(pk, obj, pop, NULL), DAAS_OK);
}

static void test_elgamal(void **state)
{
    (void)state;
    uint8_t sk[32], ek[48], evk[96], msk[32], usk[48], c1[48], c2[48], back[48];
    static const uint8_t pkg[32] = {7};
    daas_err err = {0};
    blst_p1_affine eka;
    blst_p2_affine evka;
    assert_int_equal(daas_seal_elgamal_keygen(sk, ek, evk, &err), DAAS_OK);
    /* enc_key and enc_verification_key share one scalar: e(ek, G2) == e(G1, evk) */
    assert_int_equal(daas_seal__g1_decode(ek, &eka, "ek", NULL), DAAS_OK);
    assert_int_equal(daas_seal__g2_decode(evk, &evka, "evk", NULL), DAAS_OK);
    assert_true(daas_seal__pairing_eq(&eka, blst_p2_affine_generator(),
                                      blst_p1_affine_generator(), &evka));
    assert_int_equal(daas_seal_msk_generate(msk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_extract(msk, pkg, DAAS_BYTES_STR("id"), usk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_elgamal_encrypt(ek, usk, c1, c2, &err), DAAS_OK);
    assert_memory_not_equal(c2, usk, 48);
    assert_int_equal(daas_seal_elgamal_decrypt(sk, c1, c2, back, &err), DAAS_OK);
    assert_memory_equal(back, usk, 48);
    /* a different secret key does not recover it */
    uint8_t sk2[32], ek2[48];
    assert_int_equal(daas_seal_elgamal_keygen(sk2, ek2, evk, NULL), DAAS_OK);
    assert_int_equal(daas_seal_elgamal_decrypt(sk2, c1, c2, back, NULL), DAAS_OK);
    assert_memory_not_equal(back, usk, 48);
    /* bad inputs */
    ek[47] ^= 1;
    int rc = daas_seal_elgamal_encrypt(ek, usk, c1, c2, NULL);
    assert_true(rc == DAAS_EINVAL);
    c1[47] ^= 1;
    rc = daas_seal_elgamal_decrypt(sk, c1, c2, back, NULL);
    assert_true(rc == DAAS_EINVAL || rc == DAAS_OK); /* may still be a point */
    memset(sk, 0xff, 32);
    assert_int_equal(daas_seal_elgamal_decrypt(sk, c1, c2, back, NULL), DAAS_EINVAL);
}

/* Expects parse of bytes with one byte set at off to fail with DAAS_EINVAL. */
static void parse_bad(const daas_buf *good, size_t off, uint8_t val, const char *needle)
{
    daas_seal_object o;
    daas_err err = {0};
    uint8_t *p = daas_xmalloc(good->len);
    memcpy(p, good->data, good->len);
    p[off] = val;
    assert_int_equal(daas_seal_object_parse(DAAS_BYTES(p, good->len), &o, &err), DAAS_EINVAL);
    if (strstr(err.msg, needle) == NULL)
        print_error("message '%s' lacks '%s'\n", err.msg, needle);
    assert_non_null(strstr(err.msg, needle));
    assert_null(o.services); /* left zeroed */
    daas_free(p);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    daas_buf b;
    daas_seal_object o;
    daas_err err = {0};
    seal_unhex_buf(SEAL_OBJ_84A, &b); /* id of 32 bytes, 3 services, HMAC */
    const uint8_t *p = (const uint8_t *)b.data;
    assert_int_equal(p[66], 3);   /* services count */
    assert_int_equal(p[99], 1);   /* index of service 0 */
    assert_int_equal(p[132], 2);  /* index of service 1 */
    assert_int_equal(p[166], 2);  /* threshold */
    assert_int_equal(p[167], 0);  /* IBE tag */
    assert_int_equal(p[264], 3);  /* shares count */
    assert_int_equal(p[393], 1);  /* ciphertext tag (HMAC) */
    parse_bad(&b, 0, 1, "version");
    parse_bad(&b, 99, 0, "zero share index");
    parse_bad(&b, 132, 1, "duplicate share index");
    parse_bad(&b, 166, 0, "threshold");
    parse_bad(&b, 166, 4, "threshold");
    parse_bad(&b, 167, 1, "IBE");
    parse_bad(&b, 168 + 95, p[168 + 95] ^ 1, "nonce");
    parse_bad(&b, 168, 0x00, "nonce"); /* no compression flag */
    parse_bad(&b, 264, 2, "encrypted shares");
    parse_bad(&b, 393, 3, "ciphertext");
    parse_bad(&b, 66, 0, "no services");
    /* every truncation fails, trailing bytes fail */
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(daas_seal_object_parse(DAAS_BYTES(p, n), &o, NULL), DAAS_EINVAL);
    assert_int_equal(daas_buf_append(&b, "", 1), DAAS_OK);
    assert_int_equal(daas_seal_object_parse(DAAS_BYTES(b.data, b.len), &o, &err), DAAS_EINVAL);
    assert_non_null(strstr(err.msg, "trailing"));
    daas_buf_fini(&b);
    /* encode refuses objects that would not parse back */
    seal_parse_hex(SEAL_OBJ_84A, &o);
    daas_buf_init(&b, 0);
    o.threshold = 4;
    assert_int_equal(daas_seal_object_encode(&o, &b, NULL), DAAS_EINVAL);
    o.threshold = 2;
    o.services[1].index = 1;
    assert_int_equal(daas_seal_object_encode(&o, &b, NULL), DAAS_EINVAL);
    o.services[1].index = 2;
    o.nonce[0] = 0;
    assert_int_equal(daas_seal_object_encode(&o, &b, NULL), DAAS_EINVAL);
    assert_int_equal(b.len, 0);
    daas_buf_fini(&b);
    daas_seal_object_fini(&o);
    daas_seal_object_fini(&o); /* fini of a zeroed object is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_81_hash),        cmocka_unit_test(test_82_kdf),
        cmocka_unit_test(test_88_aes),         cmocka_unit_test(test_88_hmac),
        cmocka_unit_test(test_89_verify_usk),  cmocka_unit_test(test_810_keys_scalars_points),
        cmocka_unit_test(test_811_gf_poly),    cmocka_unit_test(test_811_shamir),
        cmocka_unit_test(test_812_pop),        cmocka_unit_test(test_elgamal),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
