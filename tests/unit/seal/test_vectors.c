/*
 * test_vectors.c: libseal against the object vectors of specs/seal.md §8.3 (every intermediate
 * value), §8.4 (a-d, including the invalid-key case), §8.5 (weighted servers) and §8.7
 * (inconsistent shares): parse, re-encode, master keys → public/derived keys, decryption
 * with and without the consistency check, and the refusals.
 *
 * Owns:   nothing beyond each test's locals (objects are finished before return).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "seal/seal_int.h"
#include "seal/seal_test.h"
#include "seal/seal_vectors.h"

/* A daas_seal_derived from hex. */
static daas_seal_derived dk(const char *obj_hex, const char *usk_hex)
{
    daas_seal_derived d;
    seal_unhex(obj_hex, d.object_id, 32);
    seal_unhex(usk_hex, d.usk, 48);
    return d;
}

static daas_seal_server srv(const char *obj_hex, const char *pk_hex)
{
    daas_seal_server s;
    seal_unhex(obj_hex, s.object_id, 32);
    seal_unhex(pk_hex, s.pk, 96);
    return s;
}

/* msk → pk and msk → usk for (package, id) match the given hex; the usk verifies. */
static void check_keys(const char *msk_hex, const char *pk_hex, const uint8_t pkg[32],
                       daas_bytes id, const char *usk_hex)
{
    uint8_t msk[32], pk[96], usk[48];
    daas_err err = {0};
    seal_unhex(msk_hex, msk, 32);
    assert_int_equal(daas_seal_public_key(msk, pk, &err), DAAS_OK);
    assert_string_equal(seal_hex(pk, 96), pk_hex);
    if (usk_hex != NULL) {
        assert_int_equal(daas_seal_extract(msk, pkg, id, usk, &err), DAAS_OK);
        assert_string_equal(seal_hex(usk, 48), usk_hex);
        assert_int_equal(daas_seal_verify_usk(pk, pkg, id, usk, &err), DAAS_OK);
    }
}

/* ---- §8.3 ---- */

#define MSK83_0 "1a947b48119ddec8b4c9e0ad1ff65fe526cc4fc6fbc304e2e77dbf34f18d0992"
#define MSK83_1 "6db723802563afc6e5dd3a394bb710758100fe8d539ebe234e4fae67589fb3c0"
#define MSK83_2 "407061575e91887e097d90687cc2dae321d2e2a5fa36ff097b43250785b6055d"
#define PK83_0                                                                                    \
    "9735be367d19eaf75b468c3ff683195e5f95e10489081ecd359ce6de01b2b692e80fe93b69223164e4e465673c"  \
    "875d9605d33af9ee4622b2f64a342945144c72b95de11ddc40fba430d6d53b23aa8b6b3763569801cb0fc57270" \
    "5a53ca502bc7"
#define PK83_1                                                                                    \
    "8e2c194a9e8f31a905e0245c14de1996c867277d839109dc0985c9e095c4c59539353b11be060261e7784bfa8b"  \
    "f6eb9903736790368119d616df9ec77595061fa4d50df80f540e034e3adfe081e1c647d5e17651da6e959c990e" \
    "486239b6fb83"
#define PK83_2                                                                                    \
    "a31519d19257911db077a470aad68a164078d64ed9efe0a9ad679172d1de627f7b30c354307784e8ddd2f3b945"  \
    "0e8e5504ff6b149b8288347d402e060fc30552da127b389d508c2fb928bb583574d9c39934f8458c588e2618e7" \
    "675b762804be"
#define USK83_0                                                                                   \
    "8ea88e203e2160e088ee80989c04e9a79f4bc093818b53760e0a4a30c213b0352439a9ae1f911a7e915370004e4d" \
    "2e98"
#define USK83_1                                                                                   \
    "914d4f25b75ad8ca95af189650e657a4cddf194a1a63e7493878c0f974ecd30938d5d3aa14947aca06e5cf63da4b" \
    "4955"
#define USK83_2                                                                                   \
    "8ac0ee990287a8053f6bd268e46745f4f084307dce0b152baae01dca2218ad1af50407d4806d55cf2ff9a6b13b25" \
    "c04c"
#define GID83                                                                                     \
    "a2f2624fda29c88ccacd286b560572d8c1261a5687e0c0cdbdcbef93bf0ec5c373563fac64a2cb5bb326cc6181ee" \
    "65d7"

static const char *const ADDR1 =
    "0000000000000000000000000000000000000000000000000000000000000001";
static const char *const ADDR2 =
    "0000000000000000000000000000000000000000000000000000000000000002";
static const char *const ADDR3 =
    "0000000000000000000000000000000000000000000000000000000000000003";
static const uint8_t ZERO32[32];
static const uint8_t ID1234[4] = {1, 2, 3, 4};

static void test_83_parse_encode(void **state)
{
    (void)state;
    daas_seal_object o;
    daas_buf in, out;
    daas_err err = {0};
    seal_parse_hex(SEAL_OBJ_83, &o);
    assert_int_equal(o.version, 0);
    assert_memory_equal(o.package_id, ZERO32, 32);
    assert_int_equal(o.id_len, 4);
    assert_memory_equal(o.id, ID1234, 4);
    assert_int_equal(o.nservices, 3);
    assert_int_equal(o.services[0].index, 0x2a);
    assert_int_equal(o.services[1].index, 0xc2);
    assert_int_equal(o.services[2].index, 0x1e);
    assert_int_equal(o.services[2].object_id[31], 3);
    assert_int_equal(o.threshold, 2);
    assert_int_equal(o.dem, DAAS_SEAL_DEM_AES);
    assert_int_equal(o.blob_len, 39);
    assert_true(o.has_aad);
    assert_int_equal(o.aad_len, 4);
    assert_memory_equal(o.aad, ID1234, 4);
    assert_string_equal(seal_hex(o.nonce, 4), "84cb4a74");
    assert_string_equal(seal_hex(o.encrypted_randomness, 4), "1a7501d8");
    seal_unhex_buf(SEAL_OBJ_83, &in);
    daas_buf_init(&out, 0);
    assert_int_equal(daas_seal_object_encode(&o, &out, &err), DAAS_OK);
    assert_int_equal(out.len, 412);
    assert_memory_equal(out.data, in.data, in.len);
    daas_buf_fini(&in);
    daas_buf_fini(&out);
    daas_seal_object_fini(&o);
}

static void test_83_keys(void **state)
{
    (void)state;
    uint8_t gid[48];
    daas_bytes id = DAAS_BYTES(ID1234, 4);
    daas_seal_hash_id(ZERO32, id, gid);
    assert_string_equal(seal_hex(gid, 48), GID83);
    check_keys(MSK83_0, PK83_0, ZERO32, id, USK83_0);
    check_keys(MSK83_1, PK83_1, ZERO32, id, USK83_1);
    check_keys(MSK83_2, PK83_2, ZERO32, id, USK83_2);
}

/* Every intermediate value of §8.3 through the internal steps. */
static void test_83_intermediates(void **state)
{
    (void)state;
    static const char *const usks[3] = {USK83_0, USK83_1, USK83_2};
    static const char *const kdfs[3] = {
        "876897df863736cb8e5314fea1ad3b3cc36d5e0037958677db02f0fd052cf6f1",
        "dd1be23ebd5ca38e15a2172697ca0df210a6e720bd9168df97d04f0aa6c60386",
        "c60aef72696a2acbbdc9ef2f1ed328c3f222539913fe129a885af325f72d8bed"};
    static const char *const shares[3] = {
        "d65b449a879bd19ba30861bf9e18edcd262e947ad32d563fd95b7a0c5f7685fb",
        "7c65e3a24b6dbd9d379e5281fc14fca47ba0ce2572dc750bf76c704ce0aca205",
        "808cdcfae3f2212c22e47868766d135ca2281c93fc480a2a4b98b8032de0033d"};
    daas_seal_object o;
    daas_err err = {0};
    blst_p2_affine nonce;
    uint8_t gid[48], gt[DAAS_SEAL__GT_LEN], k[32], ys[3][32], xs[3], base[32], rkey[32], r[32],
        dem[32];
    seal_parse_hex(SEAL_OBJ_83, &o);
    daas_seal_hash_id(o.package_id, DAAS_BYTES(o.id, o.id_len), gid);
    assert_int_equal(daas_seal__g2_decode(o.nonce, &nonce, "nonce", &err), DAAS_OK);
    for (int i = 0; i < 3; i++) {
        blst_p1_affine u;
        uint8_t usk[48];
        seal_unhex(usks[i], usk, 48);
        assert_int_equal(daas_seal__g1_decode(usk, &u, "usk", &err), DAAS_OK);
        daas_seal__pairing_bytes(&u, &nonce, gt);
        if (i == 0)
            assert_string_equal(seal_hex(gt, 96),
                                "110f8ad0069418b02d6a8134cfb31659f6a71292aebcca41b94eeaab83bc4bb1"
                                "70f1a55731327b16a901758d44e166141801e6bb3e39bf11895f921028c14fca"
                                "bd1b24749dfa99966957234f8d0b38da44ef169004e9b15d968bda16649665e2");
        assert_int_equal(daas_seal__kdf(gt, o.nonce, gid, o.services[i].object_id,
                                        o.services[i].index, k, &err),
                         DAAS_OK);
        assert_string_equal(seal_hex(k, 32), kdfs[i]);
        for (int b = 0; b < 32; b++)
            ys[i][b] = o.shares[i][b] ^ k[b];
        assert_string_equal(seal_hex(ys[i], 32), shares[i]);
        xs[i] = o.services[i].index;
    }
    assert_int_equal(daas_seal__shamir_eval(xs, ys[0], 3, 32, 0, base, &err), DAAS_OK);
    assert_string_equal(seal_hex(base, 32),
                        "37ebb78b39a2763af2cfc30ff6417a16b55bed7f81fe2877b5ce82511eb5ccac");
    assert_int_equal(daas_seal__derive_key(0, base, (const uint8_t(*)[32])o.shares, o.services,
                                           3, 2, rkey, &err),
                     DAAS_OK);
    assert_string_equal(seal_hex(rkey, 32),
                        "52745f956391453715d49f487cf49e0749d646f611ab6a75c32fd33234b46b2d");
    for (int b = 0; b < 32; b++)
        r[b] = o.encrypted_randomness[b] ^ rkey[b];
    assert_string_equal(seal_hex(r, 32),
                        "48015e4d5209fbd8f389f77d0aa3273bb35195b8147992900b591e61d6a49113");
    assert_int_equal(daas_seal__derive_key(1, base, (const uint8_t(*)[32])o.shares, o.services,
                                           3, 2, dem, &err),
                     DAAS_OK);
    assert_string_equal(seal_hex(dem, 32),
                        "3f87382d86dbc519ca835bb3eb59a9a2818d3b2ed8d0120f29b011ecece54f14");
    daas_seal_object_fini(&o);
}

static void test_83_decrypt(void **state)
{
    (void)state;
    static const char msg[] = "My super secret message";
    daas_seal_object o;
    daas_err err = {0};
    daas_seal_derived k[3] = {dk(ADDR1, USK83_0), dk(ADDR2, USK83_1), dk(ADDR3, USK83_2)};
    daas_seal_server pks[3] = {srv(ADDR1, PK83_0), srv(ADDR2, PK83_1), srv(ADDR3, PK83_2)};
    seal_parse_hex(SEAL_OBJ_83, &o);
    assert_int_equal(seal_try_decrypt(&o, k, 3, NULL, 0, msg, 23, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 3, pks, 3, msg, 23, &err), DAAS_OK);
    for (int skip = 0; skip < 3; skip++) { /* every pair */
        daas_seal_derived two[2];
        for (int i = 0, j = 0; i < 3; i++)
            if (i != skip)
                two[j++] = k[i];
        assert_int_equal(seal_try_decrypt(&o, two, 2, NULL, 0, msg, 23, &err), DAAS_OK);
        assert_int_equal(seal_try_decrypt(&o, two, 2, pks, 3, msg, 23, &err), DAAS_OK);
        assert_int_equal(seal_try_decrypt(&o, &two[1], 1, pks, 3, msg, 23, &err), DAAS_EINVAL);
        assert_string_equal(err.msg, "not enough keys: shares for 1 of threshold 2");
    }
    daas_seal_object_fini(&o);
}

/* ---- §8.4 ---- */

#define S84_0 "034401905bebdf8c04f3cd5f04f442a39372c8dc321c29edfb4f9cb30b23ab96"
#define S84_1 "d726ecf6f7036ee3557cd6c7b93a49b231070e8eecada9cfa157e40e3f02e5d3"
#define S84_2 "dba72804cc9504a82bbaa13ed4a83a0e2c6219d7e45125cf57fd10cbab957a97"
#define ID84 "381dd9078c322a4663c392761a0211b527c127b29583851217f948d62131f409"
#define PK84_0                                                                                    \
    "a58bfa576a8efe2e2730bc664b3dbe70257d8e35106e4af7353d007dba092d722314a0aeb6bca5eed735466bbf"  \
    "471aef01e4da8d2efac13112c51d1411f6992b8604656ea2cf6a33ec10ce8468de20e1d7ecbfed8688a281d462" \
    "f72a41602161"
#define PK84_1                                                                                    \
    "a9ce55cfa7009c3116ea29341151f3c40809b816f4ad29baa4f95c1bb23085ef02a46cf1ae5bd570d99b0c6e9f"  \
    "af525306224609300b09e422ae2722a17d2a969777d53db7b52092e4d12014da84bffb1e845c2510e26b3c259e" \
    "de9e42603cd6"
#define PK84_2                                                                                    \
    "93b3220f4f3a46fb33074b590cda666c0ebc75c7157d2e6492c62b4aebc452c29f581361a836d1abcbe1386268"  \
    "a5685103d12dec04aadccaebfa46d4c92e2f2c0381b52d6f2474490d02280a9e9d8c889a3fce2753055e06033f" \
    "39af86676651"
#define USK84_0                                                                                   \
    "8cb19351dbd351d02292a77a18e2f0f4ec0d3becf23f37cc87e4870bf35522c3e59487e0ee5023d5e2e383e40b77" \
    "bd98"
#define USK84_1                                                                                   \
    "a7f6b22719b8ca2e3bfc07bf22ea59245b4aec7a394020cf826199b3cc71e58045e5d6b52506145851e71370e524" \
    "c362"

static void test_84a(void **state)
{
    (void)state;
    static const char msg[] = "Hello, world!";
    uint8_t id[32];
    daas_seal_object o;
    daas_err err = {0};
    seal_unhex(ID84, id, 32);
    check_keys("3c185eb32f1ab43a013c7d84659ec7b59791ca76764af4ee8d387bf05621f0c7", PK84_0, ZERO32,
               DAAS_BYTES(id, 32), USK84_0);
    check_keys("09ba20939b2300c5ffa42e71809d3dc405b1e68259704b3cb8e04c36b0033e24", PK84_1, ZERO32,
               DAAS_BYTES(id, 32), USK84_1);
    daas_seal_derived k[2] = {dk(S84_0, USK84_0), dk(S84_1, USK84_1)};
    daas_seal_server pks[3] = {srv(S84_0, PK84_0), srv(S84_1, PK84_1), srv(S84_2, PK84_2)};
    seal_parse_hex(SEAL_OBJ_84A, &o);
    assert_int_equal(o.dem, DAAS_SEAL_DEM_HMAC);
    assert_int_equal(seal_try_decrypt(&o, k, 2, NULL, 0, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 2, pks, 3, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 1, pks, 3, msg, 13, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "not enough keys: shares for 1 of threshold 2");
    daas_seal_object_fini(&o);
    /* test_decryption_one_server: threshold 1, one service. */
    seal_parse_hex(SEAL_OBJ_84A1, &o);
    assert_int_equal(o.nservices, 1);
    assert_int_equal(seal_try_decrypt(&o, k, 1, NULL, 0, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 2, pks, 1, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &k[1], 1, NULL, 0, msg, 13, &err), DAAS_EINVAL);
    daas_seal_object_fini(&o);
}

static void test_84b(void **state)
{
    (void)state;
    static const char msg[] = "Hello, world!";
    static const char *usk0 = "9376bdfac1abac0d81685c6ac9c944636709b76b500edaf20332b02b14de1b48"
                              "3996c68de07e77efad144ce01c6388e4";
    static const char *usk1 = "a19f8891f888b65c4809bfa3181f8b26457c15bb41dbe61109b4ff5e06064e8a"
                              "fc95f70980f1ec1ef9b674b51f0d678d";
    uint8_t id[32], msk[32], pk[96], usk[48];
    daas_seal_object o;
    daas_err err = {0};
    seal_unhex(ID84, id, 32);
    seal_unhex("1aa66668afc1893b66eb5ad690b14b32b41797dd92f7220b11f7441b11d22bfb", msk, 32);
    assert_int_equal(daas_seal_extract(msk, ZERO32, DAAS_BYTES(id, 32), usk, &err), DAAS_OK);
    assert_string_equal(seal_hex(usk, 48), usk0);
    assert_int_equal(daas_seal_public_key(msk, pk, &err), DAAS_OK);
    assert_int_equal(daas_seal_verify_usk(pk, ZERO32, DAAS_BYTES(id, 32), usk, &err), DAAS_OK);
    seal_unhex("0740419bedd2fdfb036f468a99d95d2f37ad66eb3111b815ca19ec001c35388a", msk, 32);
    assert_int_equal(daas_seal_extract(msk, ZERO32, DAAS_BYTES(id, 32), usk, &err), DAAS_OK);
    assert_string_equal(seal_hex(usk, 48), usk1);
    daas_seal_derived k[2] = {dk(S84_0, usk0), dk(S84_1, usk1)};
    seal_parse_hex(SEAL_OBJ_84B, &o);
    assert_int_equal(seal_try_decrypt(&o, k, 2, NULL, 0, msg, 13, &err), DAAS_OK);
    daas_seal_object_fini(&o);
}

static void test_84c(void **state)
{
    (void)state;
    static const uint8_t msg[3] = {1, 2, 3};
    static const char *s0 = "3cf2a38f061ede3239c1629cb80a9be0e0676b1c15d34c94d104d4ba9d99076f";
    static const char *s1 = "81aeaa8c25d2c912e1dc23b4372305b7a602c4ec4cc3e510963bc635e500aa37";
    daas_seal_object o;
    daas_err err = {0};
    daas_seal_derived k[2] = {
        dk(s0, "abe09fb34c00508aec5ba32657388453b09df06ffda7e2e84ba79016ef9ac60c865d0c5e231bd2be"
               "187d42f88ad17fd6"),
        dk(s1, "80962df1763bc11aa373fe572c52bb04840a604bbf3fa57c0d75fe987c55ac1b42934b36cf775e02"
               "cf1f639e3a4e77e9")};
    daas_seal_server pks[2] = {
        srv(s0, "a8efa40cb7f94048904b26526a6d7cb1363d5b6e5d317d06eefda3a62c685c20c20018dff944c9ed"
                "67293bec5dfafeb211aa615a8f4bcb0d1e7257bc9701ec2da9d45ae6b0ed2bf3aae350f841bf550c"
                "f145c782d132d4dcf76afb35515a652b"),
        srv(s1, "af022ea8355995b863a43b6634954a3af5ec9cc14084fabcfce79367c35d0b03d4fd15e912704e64"
                "175f3d2a58829ab013379982bda344f2b65fc04813ea9f0ae920a6ae165d0fc9cb3f7d20cde5a388"
                "3ee660a0c5e8221ff5a3aae6babe669a")};
    seal_parse_hex(SEAL_OBJ_84C, &o);
    assert_true(o.has_aad);
    assert_int_equal(o.aad_len, 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(daas_seal_verify_usk(pks[i].pk, o.package_id,
                                              DAAS_BYTES(o.id, o.id_len), k[i].usk, &err),
                         DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 2, NULL, 0, msg, 3, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 2, pks, 2, msg, 3, &err), DAAS_OK);
    daas_seal_object_fini(&o);
}

static void test_84d(void **state)
{
    (void)state;
    static const char msg[] = "Hello, World!";
    static const char *other_pk =
        "8f7a86ee2fac3c635b4394deab61ced2a05c01b0669d43364ceb3ae2ba8648e2a02b5bdb0fa34cd146afc776"
        "dfc374890da84f1e973263571a7b1a67f80d80a1b5fc2d2caf9abd8c3b663bfb4fa78814dc54d7c182769d49"
        "2ff89a6b6102f55b";
    static const char *other_usk = "ae81562ca1748f625b818b92829e07eb67d9ce646005ea893f8d364c5ee0"
                                   "1174faf7e85e0de8307021c67aadb30190ed";
    daas_seal_object o;
    daas_err err = {0};
    uint8_t pk[96], usk[48];
    daas_seal_derived k[2] = {
        dk(ADDR1, "852e8f37b45b153cc5121848c6ef2f3539b2de8d3f5b5b80e57ea115f65883b7d17b68637356"
                  "159cfcdd546f1bd671cc"),
        dk(ADDR2, "ada471bc5a75eb99dc3bbe9ed2bc7a598529b7b86de6d8a569fc0b6381117b58097bb49e64f8"
                  "105a87654e7e58f30b0d")};
    daas_seal_server pks[3] = {
        srv(ADDR1, "8c7c2ded63f7ab30fe578f850349098c9537d4f7bc32ca45bbb45ac7254e696bf8c58ba71ea3d6"
                   "31abd03223b297cb8608e99455e276fdaf0ad24ece7b7fe835ec73b051d8622295627ed98c50e7"
                   "7c54d0529410c1d7025f57d90374fab18c52"),
        srv(ADDR2, "8483124f1ac60c5996f36fb217767b0262da1e321ea755242e10c4682466f1ef5f2d2a345d2bb9"
                   "04ae6218542ac92027134afd8794d52901838e9ca5a15f43258b146672495442b8fb5c98ef3b71"
                   "47ed2739769096e16bd51009e81d51ad77b6"),
        srv(ADDR3, "93bb6464314f978c59324cb818b18131e500f7d60bcba09e3aa00e227e688e7f0b8588d37b10a8"
                   "3fbcde255f479c23c605a7e8f120e23dc1098f8267a901fe9537bef3dba5e24bc59b84a5227f45"
                   "01daa0b70f056f6efe0359a5f6b7e0a2cb11")};
    seal_parse_hex(SEAL_OBJ_84D, &o);
    assert_int_equal(seal_try_decrypt(&o, k, 2, NULL, 0, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 2, pks, 3, msg, 13, &err), DAAS_OK);
    /* other_usk0 is valid for other_pk0 but not for this object's pk0. */
    seal_unhex(other_pk, pk, 96);
    seal_unhex(other_usk, usk, 48);
    assert_int_equal(daas_seal_verify_usk(pk, ZERO32, DAAS_BYTES(ID1234, 4), usk, &err), DAAS_OK);
    assert_int_equal(daas_seal_verify_usk(pks[0].pk, ZERO32, DAAS_BYTES(ID1234, 4), usk, &err),
                     DAAS_EUNAUTH);
    k[0] = dk(ADDR1, other_usk);
    assert_int_equal(seal_try_decrypt(&o, k, 2, NULL, 0, msg, 13, &err), DAAS_EUNAUTH);
    assert_true(strstr(err.msg, "invalid") != NULL);
    assert_int_equal(seal_try_decrypt(&o, k, 2, pks, 3, msg, 13, &err), DAAS_EUNAUTH);
    daas_seal_object_fini(&o);
}

/* ---- §8.5 ---- */

static void test_85a(void **state)
{
    (void)state;
    static const char msg[] = "Hello, world!";
    static const char *heavy = "08d66b8ef900ec6b61972d0f56dde411145ec4be2bd66c7faf3ee66e1df99de9";
    static const char *light = "76f8a77e2f6517caecb29a78a6e9e6bea89602b21997e33b5aea05f32a3cf0a2";
    static const char *pk_heavy =
        "aa1a3b03364dae6530c710794cf18bffd649c4791d3c62a19d86d821938163253d1f5925614ccf41c416bd4a"
        "682902c708a6673cab8403062013f8eb99128a2e27928f8f18a8929d8a87823e6098409257f93dac214f27de"
        "881078a7c686dbbf";
    static const char *pk_light =
        "aef2286a83e8f3fd957ec6ad3861642c3b4702e50e98df2d18df8dd1a5754d2d40ad6fc321a0f85e6415f15d"
        "1ef2a2fb14ab1f6dde08a8d4f32863429c54808b5e64480b070b41aaf22ccc6d9c4987d60afdf20be6ef6830"
        "927decae3945f3c6";
    static const char *pk_other =
        "99371bb9c2426be04f98f1152aad2fb8da2f2e07561aaa4c9cd282175d13f3f60c97ddc966bc9f18367ec1b3"
        "2a1c2f0e04b79c1ce058df66dd38ae9b80b1c71272c8f005317fd93b396a49fda5cf489c307ecde127523bc8"
        "09c620cd5c8e19b8";
    static const char *usk_heavy = "94220eb0f98df631ba2035a8a9546af236a42e5793522c7b57c21d82b409"
                                   "a25a4a60b49a055216413e56508d76bd9103";
    static const char *usk_light = "8edcce70b0bff33e65da09cf4dc8f145b12b6f8a5f6387907dad0ab471e3"
                                   "ebe4b5e245c05e349a14be4739d93ef673b6";
    daas_seal_object o;
    daas_err err = {0};
    uint8_t pkg[32], id[32];
    seal_unhex("01e64f3c53fb5923a9705e1f1adf9f2b4c68b7bd660305af2778706ac8e04255", pkg, 32);
    seal_unhex(ID84, id, 32);
    check_keys("598efdc9a8791303a40d6c197fe639a6f41ad33313008a55778f42167e547e99", pk_heavy, pkg,
               DAAS_BYTES(id, 32), usk_heavy);
    check_keys("182face78dda79b6f63157688c1dd5f2b86c1a53bf390d58415bf7ec1a5bc3f3", pk_light, pkg,
               DAAS_BYTES(id, 32), usk_light);
    check_keys("29d9e06a47e3cf6c4cfea415bdb0febe43ab8fa2f37d90112f0a10774062c8c0", pk_other, pkg,
               DAAS_BYTES(id, 32), NULL);
    daas_seal_derived kh = dk(heavy, usk_heavy), kl = dk(light, usk_light);
    daas_seal_server pks[2] = {srv(heavy, pk_heavy), srv(light, pk_light)};
    seal_parse_hex(SEAL_OBJ_85A, &o);
    assert_int_equal(o.nservices, 3);
    assert_int_equal(seal_try_decrypt(&o, &kh, 1, NULL, 0, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &kh, 1, pks, 2, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &kl, 1, NULL, 0, msg, 13, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "not enough keys: shares for 1 of threshold 2");
    daas_seal_derived both[2] = {kl, kh};
    assert_int_equal(seal_try_decrypt(&o, both, 2, pks, 2, msg, 13, &err), DAAS_OK);
    /* test_decryption_invalid_pk: a wrong public key for the light server. */
    pks[1] = srv(light, pk_other);
    assert_int_equal(seal_try_decrypt(&o, &kh, 1, pks, 2, msg, 13, &err), DAAS_EUNAUTH);
    assert_string_equal(err.msg, "inconsistent shares");
    daas_seal_object_fini(&o);
}

static void test_85b(void **state)
{
    (void)state;
    static const char msg[] = "Hello, World!";
    static const char *const ids[3] = {
        "668b8a738c4f189676ad1383aa5cb930d37f01c36ed08e3b3274a04078b134f8",
        "1adda0d74f248a645d5088ef39777a8c908d95173a3be6f06f6b4d9b42ba3c9c",
        "4a2b84bdd3944d5cf4b9547cad380eb18139616c302949ba7d84a6922392c324"};
    static const char *const pk[3] = {
        "8bb2b11fb7d6f22206a3df8a697876b13b62dc250131e169bf4961cb3bd80593cc147e8d18245316e60d1eec"
        "3e146d5f048703c2b42296eba37d5b093dd1c5122448f86199c1b4b8b49fb4f0a42c9e9723121e83d701ece7"
        "f6758f2c372bd3a2",
        "8cfbdfc367058c4e895d7e472059d14a9a22ac444ab6d9bf33239b749ce33379c9983d48aee7a6b42966b836"
        "68d3714811abcd4cc23a6bfc05deab76f0c244f9bb4cd237b3e8bd130876928b046eaeec155e8bef09f28609"
        "4a74a1e8b75a5b20",
        "aaeb8b7087bfc54f255b688f7c844605dd5948a87e87275a1b7a2337c1594b59171d75dfd1f9a30b947d5e89"
        "143f43b7130f50944d1f794920903d960a42d800a02dd355078ba328cc892160f5dc9fa603bfd560e07f0523"
        "8fcdcde1db9371bb"};
    static const char *const usk[3] = {
        "b2a7377f0959f972286f6328233bca2ffa68635977b7f5bd8b3e5a2dca86f5380475ea867224c4612382849a"
        "b3a26074",
        "aec1712b4c7dbedaf873f1fd7cef24b1c14953107e3bb54a34c8a8af1b16b46d26ef261ca46928f836111a69"
        "850cf91f",
        "98a7a8604a48320391df4db93b83607629be022942364e1baf76f1e1f0f7710606f05489257bc5399b9e349a"
        "20c020b3"};
    daas_seal_object o;
    daas_err err = {0};
    uint8_t pkg[32], id[32];
    seal_unhex("09b0145e3055ed55968643a0385bcee2fd28cf512f107adef9db864b4136f0dd", pkg, 32);
    seal_unhex(ID84, id, 32);
    daas_seal_derived k[3];
    daas_seal_server pks[3];
    for (int i = 0; i < 3; i++) {
        check_keys(ids[i], pk[i], pkg, DAAS_BYTES(id, 32), usk[i]); /* msk == object id */
        k[i] = dk(ids[i], usk[i]);
        pks[i] = srv(ids[i], pk[i]);
    }
    seal_parse_hex(SEAL_OBJ_85B, &o);
    assert_int_equal(o.nservices, 6);
    assert_int_equal(o.threshold, 3);
    assert_int_equal(seal_try_decrypt(&o, k, 1, NULL, 0, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 1, pks, 3, msg, 13, &err), DAAS_OK);
    int rc = seal_try_decrypt(&o, &k[1], 2, NULL, 0, msg, 13, &err);
    if (rc != DAAS_OK)
        print_error("8.7: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &k[1], 2, pks, 3, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, k, 3, pks, 3, msg, 13, &err), DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &k[1], 1, NULL, 0, msg, 13, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "not enough keys: shares for 2 of threshold 3");
    assert_int_equal(seal_try_decrypt(&o, &k[2], 1, NULL, 0, msg, 13, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "not enough keys: shares for 1 of threshold 3");
    daas_seal_object_fini(&o);
}

/* ---- §8.7 ---- */

static void test_87_consistency(void **state)
{
    (void)state;
    static const char msg[] = "Hello, World!";
    daas_seal_object o;
    daas_err err = {0};
    seal_parse_hex(SEAL_OBJ_87, &o);
    daas_seal_derived k[3];
    daas_seal_server pks[3];
    static const char *const usk[3] = {
        "8f7dbef2f6d0b80d3ab36f732b35d8afce136cd302ca1ab165ceee8672c19a9e50a2144f9ebceb2cf17ed102"
        "61291d13",
        "adf809b14b17975cfa5b9359ef9fd697a9d04222ab3b6f7dbe40e5977ee451a6f2cf85849bda0b1cae1d879f"
        "5cd2bcfa",
        "81a88dee8731f8ff8fa88f7ca205fe60c2846446c32495f40fe6795f1c29997ac8755a58722b857e60581b6a"
        "db22a327"};
    static const char *const pk[3] = {
        "8528086b8cebb4ebd1fabb75393a4d77b91d4b3d77295c4d3997871cd40ffd3129ee51f0baf4976a3476897b"
        "ad6b527b12f4ba6942c192d154bfd966e35329d0c6d1eec2b78adb29a5ef00501a89d41751b24121a284b8df"
        "e8ffa96d86f366d2",
        "8a93ff79be2c8a127b70506c9124d15db2361c52305f68f6c566b1c15ed23b36f27b627b928109376f9ec593"
        "fb14a83d0a3d21dcb6dc52f27ed88e83d2e2f47fa8720aa7b06945cfd36f7e34a49e060598e09637173deb0b"
        "c6c5b0c306c7a64e",
        "a4940de9e0125302ce243a2fe0bae7ef8a5197a55e4038eb5a78256ed020512f527da02ab712f12f947bed1f"
        "ef03334e129695636762efb81de28e7a0202a8995a7548bc977fdf135f3e6b176e5f3eaad79885891470564f"
        "78dd011ad4c8f1b4"};
    for (int i = 0; i < 3; i++) {
        memcpy(k[i].object_id, o.services[i].object_id, 32);
        seal_unhex(usk[i], k[i].usk, 48);
        memcpy(pks[i].object_id, o.services[i].object_id, 32);
        seal_unhex(pk[i], pks[i].pk, 96);
    }
    assert_int_equal(seal_try_decrypt(&o, k, 3, NULL, 0, msg, 13, &err), DAAS_EUNAUTH);
    int rc = seal_try_decrypt(&o, &k[1], 2, NULL, 0, msg, 13, &err);
    if (rc != DAAS_OK)
        print_error("8.7: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
    assert_int_equal(seal_try_decrypt(&o, &k[1], 2, pks, 3, msg, 13, &err), DAAS_EUNAUTH);
    assert_string_equal(err.msg, "inconsistent shares");
    assert_int_equal(seal_try_decrypt(&o, k, 3, pks, 3, msg, 13, &err), DAAS_EUNAUTH);
    daas_seal_object_fini(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_83_parse_encode), cmocka_unit_test(test_83_keys),
        cmocka_unit_test(test_83_intermediates), cmocka_unit_test(test_83_decrypt),
        cmocka_unit_test(test_84a), cmocka_unit_test(test_84b),
        cmocka_unit_test(test_84c), cmocka_unit_test(test_84d),
        cmocka_unit_test(test_85a), cmocka_unit_test(test_85b),
        cmocka_unit_test(test_87_consistency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
