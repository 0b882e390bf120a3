/*
 * keys.c: Seal key material (spec §5): master keys (random, checked, HKDF-derived),
 * public keys, identity hashing, derived keys (extract / verify), proofs of possession, the
 * ElGamal transport of derived keys over G1 (spec §6.9), and secure wiping.
 *
 * Owns:   nothing stateful.
 * Invariants: master keys, ElGamal secrets and the randomness of each call are wiped before
 *             return; every outside point is decoded with its subgroup check.
 * Spec:   ../shared/specs/seal.md §5, §6.3, §6.9, §8.9, §8.10, §8.12.
 */
#include <string.h>

#include "seal/seal_int.h"

void daas_seal_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0)
        *v++ = 0;
}

int daas_seal_msk_check(const uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err)
{
    blst_scalar s;
    static const blst_scalar zero;
    int rc = daas_seal__scalar_parse(msk, &s, "master key", err);
    if (rc == DAAS_OK && memcmp(&s, &zero, sizeof s) == 0)
        rc = daas_fail(err, DAAS_EINVAL, "master key: zero");
    daas_seal_wipe(&s, sizeof s);
    return rc;
}

/* Parses a master key into s (wiped by the caller). */
static int msk_load(const uint8_t msk[DAAS_SEAL_SCALAR_LEN], blst_scalar *s, daas_err *err)
{
    int rc = daas_seal_msk_check(msk, err);
    if (rc == DAAS_OK)
        blst_scalar_from_bendian(s, msk);
    return rc;
}

int daas_seal_msk_generate(uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err)
{
    blst_scalar s;
    (void)err;
    daas_seal__scalar_random(&s);
    blst_bendian_from_scalar(msk, &s);
    daas_seal_wipe(&s, sizeof s);
    return DAAS_OK;
}

int daas_seal_msk_derive(const uint8_t seed[32], uint64_t index,
                         uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err)
{
    uint8_t info[8], okm[64];
    blst_scalar s;
    for (int i = 0; i < 8; i++)
        info[i] = (uint8_t)(index >> (56 - 8 * i));
    int rc = daas_seal__hkdf_sha3(seed, 32, info, sizeof info, okm, sizeof okm, err);
    if (rc == DAAS_OK) {
        (void)blst_scalar_from_be_bytes(&s, okm, sizeof okm); /* int_BE(okm) mod r */
        blst_bendian_from_scalar(msk, &s);
        rc = daas_seal_msk_check(msk, err); /* zero with probability 2^-255 */
    }
    daas_seal_wipe(okm, sizeof okm);
    daas_seal_wipe(&s, sizeof s);
    return rc;
}

int daas_seal_public_key(const uint8_t msk[DAAS_SEAL_SCALAR_LEN], uint8_t pk[DAAS_SEAL_G2_LEN],
                         daas_err *err)
{
    blst_scalar s;
    blst_p2 q;
    int rc = msk_load(msk, &s, err);
    if (rc == DAAS_OK) {
        blst_sk_to_pk_in_g2(&q, &s);
        blst_p2_compress(pk, &q);
    }
    daas_seal_wipe(&s, sizeof s);
    return rc;
}

int daas_seal_pk_check(const uint8_t pk[DAAS_SEAL_G2_LEN], daas_err *err)
{
    blst_p2_affine q;
    int rc = daas_seal__g2_decode(pk, &q, "public key", err);
    if (rc == DAAS_OK && blst_p2_affine_is_inf(&q))
        rc = daas_fail(err, DAAS_EINVAL, "public key: the identity");
    return rc;
}

void daas_seal_hash_id(const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                       uint8_t out[DAAS_SEAL_G1_LEN])
{
    blst_p1_affine p;
    daas_seal__hash_id(package_id, id, &p);
    blst_p1_affine_compress(out, &p);
}

/* out = s·p for a secret scalar s, compressed. */
/* msk·H(package_id || id) into r. */
static int extract_point(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                         const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id, blst_p1 *r,
                         daas_err *err)
{
    blst_scalar s;
    blst_p1_affine h;
    blst_p1 hp;
    int rc = msk_load(msk, &s, err);
    if (rc == DAAS_OK && id.len > 0 && id.ptr == NULL)
        rc = daas_fail(err, DAAS_EINVAL, "extract: no id bytes");
    if (rc == DAAS_OK) {
        daas_seal__hash_id(package_id, id, &h);
        blst_p1_from_affine(&hp, &h);
        blst_sign_pk_in_g2(r, &hp, &s);
    }
    daas_seal_wipe(&s, sizeof s);
    return rc;
}

int daas_seal_extract(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                      const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                      uint8_t usk[DAAS_SEAL_G1_LEN], daas_err *err)
{
    blst_p1 r;
    int rc = extract_point(msk, package_id, id, &r, err);
    if (rc == DAAS_OK)
        blst_p1_compress(usk, &r);
    daas_seal_wipe(&r, sizeof r);
    return rc;
}

int daas_seal_extract_raw(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                          const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                          uint8_t usk[DAAS_SEAL_G1_RAW_LEN], daas_err *err)
{
    blst_p1 r;
    int rc = extract_point(msk, package_id, id, &r, err);
    if (rc == DAAS_OK)
        blst_p1_serialize(usk, &r);
    daas_seal_wipe(&r, sizeof r);
    return rc;
}

int daas_seal_verify_usk(const uint8_t pk[DAAS_SEAL_G2_LEN],
                         const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                         const uint8_t usk[DAAS_SEAL_G1_LEN], daas_err *err)
{
    blst_p2_affine q;
    blst_p1_affine u, h;
    int rc = daas_seal_pk_check(pk, err);
    if (rc == DAAS_OK)
        rc = daas_seal__g2_decode(pk, &q, "public key", err);
    if (rc == DAAS_OK)
        rc = daas_seal__g1_decode(usk, &u, "derived key", err);
    if (rc != DAAS_OK)
        return rc;
    daas_seal__hash_id(package_id, id, &h);
    if (!daas_seal__pairing_eq(&u, blst_p2_affine_generator(), &h, &q))
        return daas_fail(err, DAAS_EUNAUTH, "derived key does not verify against the public key");
    return DAAS_OK;
}

/* H_G1("SUI-SEAL-IBE-BLS12381-POP-00" || pk || object_id). */
static void pop_hash(const uint8_t pk[DAAS_SEAL_G2_LEN],
                     const uint8_t object_id[DAAS_SEAL_ADDR_LEN], blst_p1 *out)
{
    uint8_t aug[sizeof DAAS_SEAL__DST_POP - 1 + DAAS_SEAL_G2_LEN];
    memcpy(aug, DAAS_SEAL__DST_POP, sizeof DAAS_SEAL__DST_POP - 1);
    memcpy(aug + sizeof DAAS_SEAL__DST_POP - 1, pk, DAAS_SEAL_G2_LEN);
    daas_seal__hash_g1(out, aug, sizeof aug, object_id, DAAS_SEAL_ADDR_LEN);
}

int daas_seal_pop(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                  const uint8_t object_id[DAAS_SEAL_ADDR_LEN], uint8_t pop[DAAS_SEAL_G1_LEN],
                  daas_err *err)
{
    uint8_t pk[DAAS_SEAL_G2_LEN];
    blst_scalar s;
    blst_p1 h, r;
    int rc = daas_seal_public_key(msk, pk, err);
    if (rc == DAAS_OK) {
        blst_scalar_from_bendian(&s, msk);
        pop_hash(pk, object_id, &h);
        blst_sign_pk_in_g2(&r, &h, &s);
        blst_p1_compress(pop, &r);
    }
    daas_seal_wipe(&s, sizeof s);
    return rc;
}

int daas_seal_pop_verify(const uint8_t pk[DAAS_SEAL_G2_LEN],
                         const uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                         const uint8_t pop[DAAS_SEAL_G1_LEN], daas_err *err)
{
    blst_p2_affine q;
    blst_p1_affine sig, ha;
    blst_p1 h;
    int rc = daas_seal_pk_check(pk, err);
    if (rc == DAAS_OK)
        rc = daas_seal__g2_decode(pk, &q, "public key", err);
    if (rc == DAAS_OK)
        rc = daas_seal__g1_decode(pop, &sig, "proof of possession", err);
    if (rc != DAAS_OK)
        return rc;
    pop_hash(pk, object_id, &h);
    blst_p1_to_affine(&ha, &h);
    if (!daas_seal__pairing_eq(&sig, blst_p2_affine_generator(), &ha, &q))
        return daas_fail(err, DAAS_EUNAUTH, "proof of possession does not verify");
    return DAAS_OK;
}

int daas_seal_elgamal_keygen(uint8_t sk[DAAS_SEAL_SCALAR_LEN], uint8_t enc_key[DAAS_SEAL_G1_LEN],
                             uint8_t enc_vk[DAAS_SEAL_G2_LEN], daas_err *err)
{
    blst_scalar s;
    blst_p1 p;
    blst_p2 q;
    (void)err;
    daas_seal__scalar_random(&s);
    blst_bendian_from_scalar(sk, &s);
    blst_sk_to_pk_in_g1(&p, &s);
    blst_p1_compress(enc_key, &p);
    blst_sk_to_pk_in_g2(&q, &s);
    blst_p2_compress(enc_vk, &q);
    daas_seal_wipe(&s, sizeof s);
    return DAAS_OK;
}

/* c1 = ρ·G1, c2 = ρ·ek + u with a fresh ρ. */
static void elgamal_to(const blst_p1_affine *ek, const blst_p1_affine *u,
                       uint8_t c1[DAAS_SEAL_G1_LEN], uint8_t c2[DAAS_SEAL_G1_LEN])
{
    blst_p1 p, m;
    blst_scalar rho;
    daas_seal__scalar_random(&rho);
    blst_p1_mult(&p, blst_p1_generator(), rho.b, 255); /* GLV: faster than sk_to_pk here */
    blst_p1_compress(c1, &p);
    daas_seal__p1_mult(&p, ek, &rho);
    blst_p1_from_affine(&m, u);
    blst_p1_add_or_double(&p, &p, &m);
    blst_p1_compress(c2, &p);
    daas_seal_wipe(&rho, sizeof rho);
    daas_seal_wipe(&m, sizeof m);
    daas_seal_wipe(&p, sizeof p);
}

static int enc_key_decode(const uint8_t enc_key[DAAS_SEAL_G1_LEN], blst_p1_affine *ek,
                          daas_err *err)
{
    int rc = daas_seal__g1_decode(enc_key, ek, "encryption key", err);
    if (rc == DAAS_OK && blst_p1_affine_is_inf(ek))
        rc = daas_fail(err, DAAS_EINVAL, "encryption key: the identity");
    return rc;
}

int daas_seal_elgamal_encrypt(const uint8_t enc_key[DAAS_SEAL_G1_LEN],
                              const uint8_t usk[DAAS_SEAL_G1_LEN], uint8_t c1[DAAS_SEAL_G1_LEN],
                              uint8_t c2[DAAS_SEAL_G1_LEN], daas_err *err)
{
    blst_p1_affine ek, u;
    int rc = enc_key_decode(enc_key, &ek, err);
    if (rc == DAAS_OK)
        rc = daas_seal__g1_decode(usk, &u, "derived key", err);
    if (rc == DAAS_OK)
        elgamal_to(&ek, &u, c1, c2);
    daas_seal_wipe(&u, sizeof u);
    return rc;
}

int daas_seal_enc_key_decode(const uint8_t enc_key[DAAS_SEAL_G1_LEN],
                             uint8_t out[DAAS_SEAL_G1_RAW_LEN], daas_err *err)
{
    blst_p1_affine ek;
    int rc = enc_key_decode(enc_key, &ek, err);
    if (rc == DAAS_OK)
        blst_p1_affine_serialize(out, &ek);
    return rc;
}

int daas_seal_elgamal_encrypt_raw(const uint8_t enc_key[DAAS_SEAL_G1_RAW_LEN],
                                  const uint8_t usk[DAAS_SEAL_G1_RAW_LEN],
                                  uint8_t c1[DAAS_SEAL_G1_LEN], uint8_t c2[DAAS_SEAL_G1_LEN],
                                  daas_err *err)
{
    blst_p1_affine ek, u;
    int rc = blst_p1_deserialize(&ek, enc_key) == BLST_SUCCESS
                 ? DAAS_OK
                 : daas_fail(err, DAAS_EINVAL, "encryption key: not an uncompressed G1 point");
    if (rc == DAAS_OK && blst_p1_deserialize(&u, usk) != BLST_SUCCESS)
        rc = daas_fail(err, DAAS_EINVAL, "derived key: not an uncompressed G1 point");
    if (rc == DAAS_OK)
        elgamal_to(&ek, &u, c1, c2);
    daas_seal_wipe(&u, sizeof u);
    return rc;
}

int daas_seal_elgamal_decrypt(const uint8_t sk[DAAS_SEAL_SCALAR_LEN],
                              const uint8_t c1[DAAS_SEAL_G1_LEN],
                              const uint8_t c2[DAAS_SEAL_G1_LEN], uint8_t usk[DAAS_SEAL_G1_LEN],
                              daas_err *err)
{
    blst_p1_affine a1, a2;
    blst_p1 p, q;
    blst_scalar s;
    int rc = daas_seal__scalar_parse(sk, &s, "ElGamal secret key", err);
    if (rc == DAAS_OK)
        rc = daas_seal__g1_decode(c1, &a1, "ElGamal c1", err);
    if (rc == DAAS_OK)
        rc = daas_seal__g1_decode(c2, &a2, "ElGamal c2", err);
    if (rc == DAAS_OK) {
        daas_seal__p1_mult(&p, &a1, &s);
        blst_p1_cneg(&p, true);
        blst_p1_from_affine(&q, &a2);
        blst_p1_add_or_double(&p, &p, &q);
        blst_p1_compress(usk, &p);
    }
    daas_seal_wipe(&s, sizeof s);
    daas_seal_wipe(&p, sizeof p);
    return rc;
}
