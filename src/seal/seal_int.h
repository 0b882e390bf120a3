/*
 * seal_int.h: libseal's module-internal building blocks: BLS12-381 on blst (bls.c), Shamir
 * sharing over GF(2^8) (shamir.c), the hashes and DEMs on OpenSSL (dem.c), and the Seal KDFs
 * H2/H3 (seal.c).
 *
 * Owns:   nothing stateful.
 * Invariants:
 *   - scalars are blst_scalar (little-endian limbs); on the wire they are 32 bytes big-endian;
 *   - every decode of outside bytes checks the curve and the subgroup unless the name says
 *     otherwise; computed points are never re-validated;
 *   - GF(2^8) multiplication of secret bytes is constant-time (no table lookups).
 * Spec:   ../shared/specs/seal.md §1.3 (encodings), §3.3 (Shamir), §3.4-3.7 (KDF, DEMs), §10.
 */
#ifndef DAAS_SEAL_SEAL_INT_H
#define DAAS_SEAL_SEAL_INT_H

#include <blst.h>
#include <blst_aux.h>

#include "seal/seal.h"

#define DAAS_SEAL__GT_LEN 576 /* blst_bendian_from_fp12 */
#define DAAS_SEAL__TAG_LEN 16 /* AES-GCM tag */

/* The domain strings of spec §1.1 (no NUL counted). */
#define DAAS_SEAL__DST_ID "SUI-SEAL-IBE-BLS12381-00"
#define DAAS_SEAL__DST_KDF "SUI-SEAL-IBE-BLS12381-H2-00"
#define DAAS_SEAL__DST_DERIVE "SUI-SEAL-IBE-BLS12381-H3-00"
#define DAAS_SEAL__DST_POP "SUI-SEAL-IBE-BLS12381-POP-00"

/* ---- bls.c ---- */

/* Parses a big-endian scalar; DAAS_EINVAL "<what>: scalar not below the group order". */
DAAS_MUST_USE int daas_seal__scalar_parse(const uint8_t be[32], blst_scalar *out,
                                          const char *what, daas_err *err);
/* A uniformly random non-zero scalar < r (64 random bytes reduced mod r). */
void daas_seal__scalar_random(blst_scalar *out);
/* Decodes a compressed point, checking the curve and the subgroup; DAAS_EINVAL naming what. */
DAAS_MUST_USE int daas_seal__g1_decode(const uint8_t in[DAAS_SEAL_G1_LEN], blst_p1_affine *out,
                                       const char *what, daas_err *err);
DAAS_MUST_USE int daas_seal__g2_decode(const uint8_t in[DAAS_SEAL_G2_LEN], blst_p2_affine *out,
                                       const char *what, daas_err *err);
/* hash_to_G1(aug || msg) with the standard min-sig DST (spec §1.1). */
void daas_seal__hash_g1(blst_p1 *out, const uint8_t *aug, size_t aug_len, const uint8_t *msg,
                        size_t msg_len);
/* gid = H("SUI-SEAL-IBE-BLS12381-00" || package_id || id), affine. */
void daas_seal__hash_id(const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                        blst_p1_affine *out);
/* p·s and q·s for a scalar s (constant time in s). */
void daas_seal__p1_mult(blst_p1 *out, const blst_p1_affine *p, const blst_scalar *s);
void daas_seal__p2_mult(blst_p2 *out, const blst_p2_affine *q, const blst_scalar *s);
/* The 576 GT bytes of e(p, q) (spec §1.3). */
void daas_seal__pairing_bytes(const blst_p1_affine *p, const blst_p2_affine *q,
                              uint8_t out[DAAS_SEAL__GT_LEN]);
/* Same with q's Miller-loop lines precomputed by blst_precompute_lines (one q, many p). */
void daas_seal__pairing_lines_bytes(const blst_fp6 lines[68], const blst_p1_affine *p,
                                    uint8_t out[DAAS_SEAL__GT_LEN]);
/* e(a, b) == e(c, d), with two Miller loops and one final exponentiation. */
bool daas_seal__pairing_eq(const blst_p1_affine *a, const blst_p2_affine *b,
                           const blst_p1_affine *c, const blst_p2_affine *d);

/* ---- shamir.c (GF(2^8) modulo 0x11B) ---- */

/* a·b in constant time. */
uint8_t daas_seal__gf_mul(uint8_t a, uint8_t b);
/* a/b for b != 0 (b must not be secret: table lookups); 0 when b == 0. */
uint8_t daas_seal__gf_div(uint8_t a, uint8_t b);
/* Horner evaluation of c[0] + c[1]x + ... + c[n-1]x^(n-1). */
uint8_t daas_seal__poly_eval(const uint8_t *c, size_t n, uint8_t x);
/* out[0..na+nb-1) = a·b. */
void daas_seal__poly_mul(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out);
/* The k coefficients of the polynomial of degree < k through (xs[j], ys[j]). DAAS_EINVAL on
 * duplicate x values (zero is allowed here: it is a plain polynomial). */
DAAS_MUST_USE int daas_seal__poly_interpolate(const uint8_t *xs, const uint8_t *ys, size_t k,
                                              uint8_t *coeffs, daas_err *err);
/* Splits secret[0..len) into n shares with indices 1..n (share i at shares[i*len]); any t
 * recombine. 1 <= t <= n <= 255. */
void daas_seal__shamir_split(const uint8_t *secret, size_t len, uint8_t n, uint8_t t,
                             uint8_t *shares);
/* Evaluates at x, byte-wise, the polynomial of degree < k through the k shares
 * (xs[j], ys[j*len .. +len)); x = 0 gives the secret. DAAS_EINVAL on a zero or duplicate
 * index or k == 0. */
DAAS_MUST_USE int daas_seal__shamir_eval(const uint8_t *xs, const uint8_t *ys, size_t k,
                                         size_t len, uint8_t x, uint8_t *out, daas_err *err);

/* ---- dem.c ---- */

/* SHA3-256 of the concatenation of parts. */
DAAS_MUST_USE int daas_seal__sha3(const daas_bytes *parts, size_t nparts,
                                  uint8_t out[32], daas_err *err);
/* HMAC-SHA3-256(key, concatenation of parts). */
DAAS_MUST_USE int daas_seal__hmac_sha3(const uint8_t *key, size_t key_len,
                                       const daas_bytes *parts, size_t nparts, uint8_t out[32],
                                       daas_err *err);
/* HKDF-SHA3-256 (RFC 5869) with an empty salt. */
DAAS_MUST_USE int daas_seal__hkdf_sha3(const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
                                       size_t info_len, uint8_t *out, size_t out_len,
                                       daas_err *err);
/* AES-256-GCM with the fixed 16-byte IV: out gets n + 16 bytes (ciphertext || tag). */
DAAS_MUST_USE int daas_seal__aes_encrypt(const uint8_t key[32], const uint8_t *in, size_t n,
                                         daas_bytes aad, uint8_t *out, daas_err *err);
/* Opens blob (ciphertext || tag, blob_len >= 16) into out (blob_len - 16 bytes; may equal
 * blob). DAAS_EUNAUTH "AES-GCM authentication failed" (out then wiped). */
DAAS_MUST_USE int daas_seal__aes_decrypt(const uint8_t key[32], const uint8_t *blob,
                                         size_t blob_len, daas_bytes aad, uint8_t *out,
                                         daas_err *err);
/* HMAC-SHA3-256-CTR keystream XOR (encrypts and decrypts; out may equal in), spec §3.7. */
DAAS_MUST_USE int daas_seal__hmac_ctr_xor(const uint8_t key[32], const uint8_t *in, size_t n,
                                          uint8_t *out, daas_err *err);
/* mac = HMAC-SHA3-256(key, "HMAC-CTR-MAC" || LE64(len(aad)) || aad || c). */
DAAS_MUST_USE int daas_seal__hmac_ctr_mac(const uint8_t key[32], daas_bytes aad,
                                          const uint8_t *c, size_t n, uint8_t mac[32],
                                          daas_err *err);

/* ---- object.c ---- */

/* The checks of spec §2 on a built object, except the nonce point's. DAAS_EINVAL. */
DAAS_MUST_USE int daas_seal__object_check(const daas_seal_object *o, daas_err *err);
/* daas_seal_object_encode, optionally skipping the nonce point check (for a nonce the
 * caller has just computed). */
DAAS_MUST_USE int daas_seal__object_encode(const daas_seal_object *o, bool check_nonce,
                                           daas_buf *out, daas_err *err);

/* ---- seal.c ---- */

/* H2 (spec §3.4): SHA3-256(DST_KDF || gt || nonce || gid || object_id || index). */
DAAS_MUST_USE int daas_seal__kdf(const uint8_t gt[DAAS_SEAL__GT_LEN],
                                 const uint8_t nonce[DAAS_SEAL_G2_LEN],
                                 const uint8_t gid[DAAS_SEAL_G1_LEN],
                                 const uint8_t object_id[DAAS_SEAL_ADDR_LEN], uint8_t index,
                                 uint8_t out[32], daas_err *err);
/* H3 (spec §3.6) over the n encrypted shares and the services' object ids. */
DAAS_MUST_USE int daas_seal__derive_key(uint8_t purpose, const uint8_t base_key[32],
                                        const uint8_t (*shares)[DAAS_SEAL_KEY_LEN],
                                        const daas_seal_service *services, size_t n,
                                        uint8_t threshold, uint8_t out[32], daas_err *err);

#endif
