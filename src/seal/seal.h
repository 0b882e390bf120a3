/*
 * seal.h: Seal (Mysten Labs) threshold identity-based encryption over BLS12-381, byte for byte
 * compatible with the Rust crates and @mysten/seal (libseal).
 *
 * Owns:   the EncryptedObject BCS format, the Boneh-Franklin KEM (one nonce, one share per
 *         service entry), Shamir sharing over GF(2^8), the AES-256-GCM and HMAC-SHA3-256-CTR
 *         DEMs, encryption and threshold decryption with the consistency check, master keys
 *         (public key, derived keys, proofs of possession, permissioned derivation), and the
 *         ElGamal transport of derived keys.
 * Not:    the key-server HTTP protocol (seal/proto.h), the key server (keyserver/), fetching
 *         keys (seal/client.h).
 * Invariants:
 *   - every byte string that comes from outside is validated before use: points on the
 *     curve and in the subgroup, scalars < r, share indices non-zero and distinct, no trailing
 *     bytes; a malformed input is DAAS_EINVAL, a failed check (tag, MAC, nonce, consistency,
 *     pairing) is DAAS_EUNAUTH; nothing is half-written on failure (out buffers are reset);
 *   - secrets (master keys, derived keys, base/DEM keys, plaintext) are wiped from stack and
 *     heap scratch before return and never appear in an error message;
 *   - encryption always writes version 0, indices 1..n in service order and r big-endian.
 * Spec:   ../shared/specs/seal.md (§1 encodings, §2 object, §3 encryption, §4 decryption, §5
 *         keys, §6.9 ElGamal, §8 vectors).
 */
#ifndef DAAS_SEAL_SEAL_H
#define DAAS_SEAL_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_SEAL_ADDR_LEN 32    /* package ids, key-server object ids */
#define DAAS_SEAL_SCALAR_LEN 32  /* big-endian, < r */
#define DAAS_SEAL_G1_LEN 48      /* compressed */
#define DAAS_SEAL_G2_LEN 96      /* compressed */
#define DAAS_SEAL_KEY_LEN 32     /* base key, DEM key, shares */
#define DAAS_SEAL_MAC_LEN 32
#define DAAS_SEAL_MAX_SERVICES 255 /* service entries of one object (indices are u8) */
#define DAAS_SEAL_MAX_ID 1024      /* inner identity bytes we accept */

typedef enum daas_seal_dem {
    DAAS_SEAL_DEM_AES = 0,  /* Ciphertext::Aes256Gcm */
    DAAS_SEAL_DEM_HMAC = 1, /* Ciphertext::Hmac256Ctr */
    DAAS_SEAL_DEM_PLAIN = 2 /* Ciphertext::Plain: the "plaintext" is the DEM key */
} daas_seal_dem;

/* One service entry: a key-server object id and the share index it holds. A server with
 * weight w appears w times (with w distinct indices). */
typedef struct daas_seal_service {
    uint8_t object_id[DAAS_SEAL_ADDR_LEN];
    uint8_t index;
} daas_seal_service;

/* A parsed EncryptedObject (spec §2). Owns all its memory; release with
 * daas_seal_object_fini. */
typedef struct daas_seal_object {
    uint8_t version;                         /* always 0 */
    uint8_t package_id[DAAS_SEAL_ADDR_LEN];
    uint8_t *id;                             /* inner identity */
    size_t id_len;
    size_t nservices;                        /* 1..DAAS_SEAL_MAX_SERVICES */
    daas_seal_service *services;
    uint8_t threshold;                       /* 1..nservices */
    uint8_t nonce[DAAS_SEAL_G2_LEN];         /* r·G2, compressed */
    uint8_t (*shares)[DAAS_SEAL_KEY_LEN];    /* nservices encrypted shares */
    uint8_t encrypted_randomness[DAAS_SEAL_KEY_LEN];
    daas_seal_dem dem;
    uint8_t *blob;                           /* AES: ciphertext || tag; HMAC: ciphertext */
    size_t blob_len;
    bool has_aad;                            /* Some(aad) was written (even empty) */
    uint8_t *aad;
    size_t aad_len;
    uint8_t mac[DAAS_SEAL_MAC_LEN];          /* HMAC only */
} daas_seal_object;

/* A key server as an encryptor sees it: object id and public key (G2). */
typedef struct daas_seal_server {
    uint8_t object_id[DAAS_SEAL_ADDR_LEN];
    uint8_t pk[DAAS_SEAL_G2_LEN];
} daas_seal_server;

/* A derived key (user secret key, G1) for the object's identity from one key server. */
typedef struct daas_seal_derived {
    uint8_t object_id[DAAS_SEAL_ADDR_LEN];
    uint8_t usk[DAAS_SEAL_G1_LEN];
} daas_seal_derived;

/* ---- EncryptedObject ---- */

/* Parses BCS bytes with every check of spec §2 (version 0, share count == service count,
 * 1 <= threshold <= n, indices non-zero and distinct, IBE tag 0, nonce a G2 point in the
 * subgroup, known ciphertext tag, no trailing bytes, id <= DAAS_SEAL_MAX_ID). On error *out
 * is left zeroed and the message says which field at which offset. DAAS_EINVAL. */
DAAS_MUST_USE int daas_seal_object_parse(daas_bytes in, daas_seal_object *out, daas_err *err);

/* Appends the BCS encoding of o to out. DAAS_EINVAL on an object that would not parse back;
 * DAAS_ETOOBIG on out's cap. */
DAAS_MUST_USE int daas_seal_object_encode(const daas_seal_object *o, daas_buf *out,
                                          daas_err *err);

/* Frees what o owns (wiping nothing: an object holds no secrets) and zeroes it. Accepts a
 * zeroed object. */
void daas_seal_object_fini(daas_seal_object *o);

/* ---- encryption and decryption ---- */

typedef struct daas_seal_encrypt_opts {
    const uint8_t *package_id;       /* 32 bytes: the first (original) package version */
    daas_bytes id;                   /* inner identity */
    const daas_seal_server *servers; /* services in order; repeat an entry to weight it */
    size_t nservers;                 /* 1..DAAS_SEAL_MAX_SERVICES */
    uint8_t threshold;               /* 1..nservers */
    daas_seal_dem dem;
    bool has_aad;                    /* write Some(aad); false writes None */
    daas_bytes aad;
} daas_seal_encrypt_opts;

/*
 * Seals plaintext (spec §3): appends the EncryptedObject bytes to out and, when dem_key is
 * not NULL, writes the DEM key (the "symmetric key" of seal-cli). Public keys are validated
 * (DAAS_EINVAL naming the bad entry). For DAAS_SEAL_DEM_PLAIN, plaintext must be empty.
 */
DAAS_MUST_USE int daas_seal_encrypt(const daas_seal_encrypt_opts *o, daas_bytes plaintext,
                                    daas_buf *out, uint8_t dem_key[DAAS_SEAL_KEY_LEN],
                                    daas_err *err);

/*
 * Opens o with derived keys (spec §4). keys: at most one per key-server object id, each
 * already verified (daas_seal_verify_usk) by whoever fetched it; keys for servers not in o are
 * ignored. pks (may be NULL): the public key of every distinct service of o; when given, the
 * full share-consistency check runs (every t-subset yields the same plaintext).
 * Appends the plaintext to out (for Plain objects, the 32-byte DEM key).
 * Errors: DAAS_EINVAL "not enough keys: shares for K of threshold T" or malformed input;
 * DAAS_EUNAUTH "invalid randomness" / "invalid nonce" / "inconsistent shares" /
 * "AES-GCM authentication failed" / "HMAC-CTR MAC mismatch". out is unchanged on error.
 */
DAAS_MUST_USE int daas_seal_decrypt(const daas_seal_object *o, const daas_seal_derived *keys,
                                    size_t nkeys, const daas_seal_server *pks, size_t npks,
                                    daas_buf *out, daas_err *err);

/* ---- key material (spec §5) ---- */

/* A fresh master key: uniformly random non-zero scalar < r (big-endian). */
DAAS_MUST_USE int daas_seal_msk_generate(uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err);

/* Checks msk is a non-zero scalar < r. DAAS_EINVAL. */
DAAS_MUST_USE int daas_seal_msk_check(const uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err);

/* Permissioned mode: msk = int_BE(HKDF-SHA3-256(seed, salt "", info BE64(index), 64)) mod r. */
DAAS_MUST_USE int daas_seal_msk_derive(const uint8_t seed[32], uint64_t index,
                                       uint8_t msk[DAAS_SEAL_SCALAR_LEN], daas_err *err);

/* pk = msk·G2. */
DAAS_MUST_USE int daas_seal_public_key(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                                       uint8_t pk[DAAS_SEAL_G2_LEN], daas_err *err);

/* The same derived key as an uncompressed point (96 bytes), which
 * daas_seal_elgamal_encrypt_raw takes without the square root and subgroup check of
 * decompression: for a key server answering many requests (it may keep these). Only ever
 * pass values this function wrote, never bytes from the wire. */
#define DAAS_SEAL_G1_RAW_LEN 96
DAAS_MUST_USE int daas_seal_extract_raw(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                                        const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                                        daas_bytes id, uint8_t usk[DAAS_SEAL_G1_RAW_LEN],
                                        daas_err *err);

/* Checks pk decodes to a G2 point in the subgroup and is not the identity. DAAS_EINVAL. */
DAAS_MUST_USE int daas_seal_pk_check(const uint8_t pk[DAAS_SEAL_G2_LEN], daas_err *err);

/* H(full_id) = hash_to_G1("SUI-SEAL-IBE-BLS12381-00" || package_id || id), compressed. */
void daas_seal_hash_id(const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                       uint8_t out[DAAS_SEAL_G1_LEN]);

/* usk = msk·H(package_id || id). */
DAAS_MUST_USE int daas_seal_extract(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                                    const uint8_t package_id[DAAS_SEAL_ADDR_LEN], daas_bytes id,
                                    uint8_t usk[DAAS_SEAL_G1_LEN], daas_err *err);

/* e(usk, G2) == e(H(package_id || id), pk). DAAS_EUNAUTH when not, DAAS_EINVAL when usk or
 * pk is not a valid point. */
DAAS_MUST_USE int daas_seal_verify_usk(const uint8_t pk[DAAS_SEAL_G2_LEN],
                                       const uint8_t package_id[DAAS_SEAL_ADDR_LEN],
                                       daas_bytes id, const uint8_t usk[DAAS_SEAL_G1_LEN],
                                       daas_err *err);

/* Proof of possession for /v1/service: msk·H_G1("SUI-SEAL-IBE-BLS12381-POP-00" || pk ||
 * object_id) (spec §5.3). */
DAAS_MUST_USE int daas_seal_pop(const uint8_t msk[DAAS_SEAL_SCALAR_LEN],
                                const uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                                uint8_t pop[DAAS_SEAL_G1_LEN], daas_err *err);
/* DAAS_EUNAUTH when pop does not verify for (pk, object_id). */
DAAS_MUST_USE int daas_seal_pop_verify(const uint8_t pk[DAAS_SEAL_G2_LEN],
                                       const uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                                       const uint8_t pop[DAAS_SEAL_G1_LEN], daas_err *err);

/* ---- ElGamal over G1 (spec §6.3, §6.9) ---- */

/* A fresh request key: sk random scalar, enc_key = sk·G1, enc_vk = sk·G2. */
DAAS_MUST_USE int daas_seal_elgamal_keygen(uint8_t sk[DAAS_SEAL_SCALAR_LEN],
                                           uint8_t enc_key[DAAS_SEAL_G1_LEN],
                                           uint8_t enc_vk[DAAS_SEAL_G2_LEN], daas_err *err);
/* Server side: c1 = ρ·G1, c2 = ρ·enc_key + usk with a fresh ρ. DAAS_EINVAL on a bad enc_key. */
DAAS_MUST_USE int daas_seal_elgamal_encrypt(const uint8_t enc_key[DAAS_SEAL_G1_LEN],
                                            const uint8_t usk[DAAS_SEAL_G1_LEN],
                                            uint8_t c1[DAAS_SEAL_G1_LEN],
                                            uint8_t c2[DAAS_SEAL_G1_LEN], daas_err *err);
/* Checks an encryption key once (a compressed G1 point in the subgroup, not the identity) and
 * writes it uncompressed, as daas_seal_elgamal_encrypt_raw takes it. DAAS_EINVAL. */
DAAS_MUST_USE int daas_seal_enc_key_decode(const uint8_t enc_key[DAAS_SEAL_G1_LEN],
                                           uint8_t out[DAAS_SEAL_G1_RAW_LEN], daas_err *err);
/* daas_seal_elgamal_encrypt for an encryption key from daas_seal_enc_key_decode and a derived
 * key from daas_seal_extract_raw (neither is decompressed or subgroup-checked again). */
DAAS_MUST_USE int daas_seal_elgamal_encrypt_raw(const uint8_t enc_key[DAAS_SEAL_G1_RAW_LEN],
                                                const uint8_t usk[DAAS_SEAL_G1_RAW_LEN],
                                                uint8_t c1[DAAS_SEAL_G1_LEN],
                                                uint8_t c2[DAAS_SEAL_G1_LEN], daas_err *err);
/* Client side: usk = c2 − sk·c1. DAAS_EINVAL on points that do not decode. */
DAAS_MUST_USE int daas_seal_elgamal_decrypt(const uint8_t sk[DAAS_SEAL_SCALAR_LEN],
                                            const uint8_t c1[DAAS_SEAL_G1_LEN],
                                            const uint8_t c2[DAAS_SEAL_G1_LEN],
                                            uint8_t usk[DAAS_SEAL_G1_LEN], daas_err *err);

/* Wipes n bytes (not optimised away). */
void daas_seal_wipe(void *p, size_t n);

#endif
