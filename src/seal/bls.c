/*
 * bls.c: the BLS12-381 operations libseal needs, as thin wrappers over blst: scalars (BE on
 * the wire, < r), compressed G1/G2 with subgroup checks, hash-to-G1, scalar multiplication,
 * pairings and the 576-byte GT serialisation.
 *
 * Owns:   nothing stateful.
 * Invariants: decoders reject bad encodings, off-curve points and points outside the prime
 *             subgroup; scalar multiplication is constant time in the scalar (blst).
 * Spec:   ../shared/specs/seal.md §1.1, §1.3, §10.
 */
#include <string.h>

#include "common/util.h"
#include "seal/seal_int.h"

/* Standard BLS min-sig G1 hash-to-curve DST (RFC 9380 suite BLS12381G1_XMD:SHA-256_SSWU_RO_). */
static const char HASH_DST[] = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

int daas_seal__scalar_parse(const uint8_t be[32], blst_scalar *out, const char *what,
                            daas_err *err)
{
    blst_scalar_from_bendian(out, be);
    if (!blst_scalar_fr_check(out)) {
        daas_seal_wipe(out, sizeof *out);
        return daas_fail(err, DAAS_EINVAL, "%s: scalar not below the group order", what);
    }
    return DAAS_OK;
}

void daas_seal__scalar_random(blst_scalar *out)
{
    uint8_t wide[64];
    static const blst_scalar zero;
    do {
        /* 512 random bits reduced mod r: the bias is below 2^-250. */
        daas_random(wide, sizeof wide);
        (void)blst_scalar_from_be_bytes(out, wide, sizeof wide);
    } while (memcmp(out, &zero, sizeof zero) == 0);
    daas_seal_wipe(wide, sizeof wide);
}

int daas_seal__g1_decode(const uint8_t in[DAAS_SEAL_G1_LEN], blst_p1_affine *out,
                         const char *what, daas_err *err)
{
    BLST_ERROR e = blst_p1_uncompress(out, in);
    if (e != BLST_SUCCESS)
        return daas_fail(err, DAAS_EINVAL, "%s: not a compressed G1 point (blst error %d)", what,
                         (int)e);
    if (!blst_p1_affine_in_g1(out))
        return daas_fail(err, DAAS_EINVAL, "%s: G1 point not in the subgroup", what);
    return DAAS_OK;
}

int daas_seal__g2_decode(const uint8_t in[DAAS_SEAL_G2_LEN], blst_p2_affine *out,
                         const char *what, daas_err *err)
{
    BLST_ERROR e = blst_p2_uncompress(out, in);
    if (e != BLST_SUCCESS)
        return daas_fail(err, DAAS_EINVAL, "%s: not a compressed G2 point (blst error %d)", what,
                         (int)e);
    if (!blst_p2_affine_in_g2(out))
        return daas_fail(err, DAAS_EINVAL, "%s: G2 point not in the subgroup", what);
    return DAAS_OK;
}

void daas_seal__hash_g1(blst_p1 *out, const uint8_t *aug, size_t aug_len, const uint8_t *msg,
                        size_t msg_len)
{
    /* blst hashes aug || msg, so a prefix needs no concatenation buffer. */
    blst_hash_to_g1(out, msg, msg_len, (const byte *)HASH_DST, sizeof HASH_DST - 1, aug, aug_len);
}

void daas_seal__hash_id(const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                        blst_p1_affine *out)
{
    uint8_t aug[sizeof DAAS_SEAL__DST_ID - 1 + DAAS_SEAL_ADDR_LEN];
    blst_p1 p;
    memcpy(aug, DAAS_SEAL__DST_ID, sizeof DAAS_SEAL__DST_ID - 1);
    memcpy(aug + sizeof DAAS_SEAL__DST_ID - 1, package_id, DAAS_SEAL_ADDR_LEN);
    daas_seal__hash_g1(&p, aug, sizeof aug, id.ptr, id.len);
    blst_p1_to_affine(out, &p);
}

void daas_seal__p1_mult(blst_p1 *out, const blst_p1_affine *p, const blst_scalar *s)
{
    blst_p1 pp;
    blst_p1_from_affine(&pp, p);
    blst_p1_mult(out, &pp, s->b, 255);
}

void daas_seal__p2_mult(blst_p2 *out, const blst_p2_affine *q, const blst_scalar *s)
{
    blst_p2 qq;
    blst_p2_from_affine(&qq, q);
    blst_p2_mult(out, &qq, s->b, 255);
}

void daas_seal__pairing_bytes(const blst_p1_affine *p, const blst_p2_affine *q,
                              uint8_t out[DAAS_SEAL__GT_LEN])
{
    blst_fp12 f;
    blst_miller_loop(&f, q, p);
    blst_final_exp(&f, &f);
    blst_bendian_from_fp12(out, &f);
    daas_seal_wipe(&f, sizeof f);
}

void daas_seal__pairing_lines_bytes(const blst_fp6 lines[68], const blst_p1_affine *p,
                                    uint8_t out[DAAS_SEAL__GT_LEN])
{
    blst_fp12 f;
    blst_miller_loop_lines(&f, lines, p);
    blst_final_exp(&f, &f);
    blst_bendian_from_fp12(out, &f);
    daas_seal_wipe(&f, sizeof f);
}

bool daas_seal__pairing_eq(const blst_p1_affine *a, const blst_p2_affine *b,
                           const blst_p1_affine *c, const blst_p2_affine *d)
{
    blst_fp12 f1, f2;
    blst_miller_loop(&f1, b, a);
    blst_miller_loop(&f2, d, c);
    /* finalverify: FE(f1 · conj(f2)) == 1, i.e. e(a,b) == e(c,d). */
    return blst_fp12_finalverify(&f1, &f2);
}
