/*
 * sign.c: intent messages, their BLAKE2b-256 digests, and serialized Sui signatures.
 *
 * Owns:   nothing stateful.
 * Invariants:
 *   - what is signed is always the 32-byte intent digest (Ed25519 directly, ECDSA over its
 *     SHA-256), so a personal message can never be confused with a transaction (scope byte);
 *   - a signature is accepted only with a known flag, the exact length for that flag, a valid
 *     public key, low S for ECDSA, and a valid signature over the digest.
 * Spec:   specs/sui.md §2.4 (serialized signature), §3.1-§3.2 (intent), §8.2.
 */
#include <string.h>

#include <secp256k1.h>
#include <sodium.h>

#include "common/util.h"
#include "sui/sui_int.h"

/* SPEC: specs/sui.md §3.2 digest = BLAKE2b-256(intent || BCS(value)) */
void daas_sui_intent_digest(uint8_t scope, daas_bytes value, uint8_t digest[DAAS_SUI_DIGEST_LEN])
{
    crypto_generichash_state st;
    uint8_t intent[3] = {scope, 0 /* V0 */, 0 /* AppId Sui */};
    crypto_generichash_init(&st, NULL, 0, DAAS_SUI_DIGEST_LEN);
    crypto_generichash_update(&st, intent, sizeof(intent));
    crypto_generichash_update(&st, value.ptr, value.len);
    crypto_generichash_final(&st, digest, DAAS_SUI_DIGEST_LEN);
}

/* SPEC: specs/sui.md §3.2 personal message value = ULEB128(len) || message */
void daas_sui_personal_message_digest(daas_bytes msg, uint8_t digest[DAAS_SUI_DIGEST_LEN])
{
    crypto_generichash_state st;
    uint8_t head[3 + 10] = {DAAS_SUI_INTENT_PERSONAL_MESSAGE, 0, 0};
    size_t h = 3;
    uint64_t n = msg.len;
    do {
        uint8_t b = (uint8_t)(n & 0x7f);
        n >>= 7;
        head[h++] = (uint8_t)(n ? (b | 0x80) : b);
    } while (n != 0);
    crypto_generichash_init(&st, NULL, 0, DAAS_SUI_DIGEST_LEN);
    crypto_generichash_update(&st, head, h);
    crypto_generichash_update(&st, msg.ptr, msg.len);
    crypto_generichash_final(&st, digest, DAAS_SUI_DIGEST_LEN);
}

void daas_sui_transaction_signing_digest(daas_bytes tx_bytes, uint8_t digest[DAAS_SUI_DIGEST_LEN])
{
    daas_sui_intent_digest(DAAS_SUI_INTENT_TRANSACTION, tx_bytes, digest);
}

/* libsecp256k1 signs deterministically (RFC 6979) and always returns low S. */
static int k1_sign(const daas_sui_key *k, const uint8_t h[32], uint8_t sig[64])
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_ecdsa_signature s;
    int ok = secp256k1_ecdsa_sign(ctx, &s, h, k->secret, NULL, NULL) &&
             secp256k1_ecdsa_signature_serialize_compact(ctx, sig, &s);
    secp256k1_context_destroy(ctx);
    return ok ? DAAS_OK : DAAS_ECRYPTO;
}

static int k1_verify(const uint8_t pub[33], const uint8_t h[32], const uint8_t sig[64])
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_ecdsa_signature s, norm;
    secp256k1_pubkey pk;
    int rc = DAAS_EUNAUTH;
    if ((pub[0] != 0x02 && pub[0] != 0x03) || !secp256k1_ec_pubkey_parse(ctx, &pk, pub, 33))
        goto out;
    if (!secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig))
        goto out;
    /* normalize returns 1 when the input had a high S: non-canonical, reject */
    if (secp256k1_ecdsa_signature_normalize(ctx, &norm, &s))
        goto out;
    if (secp256k1_ecdsa_verify(ctx, &s, h, &pk))
        rc = DAAS_OK;
out:
    secp256k1_context_destroy(ctx);
    return rc;
}

int daas_sui_sign_digest(const daas_sui_key *k, const uint8_t digest[DAAS_SUI_DIGEST_LEN],
                         uint8_t out[DAAS_SUI_SERSIG_MAX], size_t *out_len, daas_err *err)
{
    uint8_t h[32];
    int rc = DAAS_OK;
    out[0] = (uint8_t)k->scheme;
    if (k->scheme == DAAS_SUI_ED25519) {
        if (crypto_sign_detached(out + 1, NULL, digest, DAAS_SUI_DIGEST_LEN, k->ed_sk) != 0)
            rc = DAAS_ECRYPTO;
    } else {
        crypto_hash_sha256(h, digest, DAAS_SUI_DIGEST_LEN);
        rc = k->scheme == DAAS_SUI_SECP256K1 ? k1_sign(k, h, out + 1)
                                              : daas_sui__r1_sign(k, h, out + 1);
    }
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "sui: signing failed");
    memcpy(out + 1 + DAAS_SUI_SIG_LEN, k->pub.bytes, k->pub.len);
    *out_len = 1 + DAAS_SUI_SIG_LEN + k->pub.len;
    return DAAS_OK;
}

static int sign_b64(const daas_sui_key *k, const uint8_t digest[32], char **b64_out,
                    daas_err *err)
{
    uint8_t raw[DAAS_SUI_SERSIG_MAX];
    size_t n = 0;
    *b64_out = NULL;
    int rc = daas_sui_sign_digest(k, digest, raw, &n, err);
    if (rc == DAAS_OK)
        *b64_out = daas_base64_encode(raw, n);
    return rc;
}

int daas_sui_sign_personal_message(const daas_sui_key *k, daas_bytes msg, char **b64_out,
                                   daas_err *err)
{
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    daas_sui_personal_message_digest(msg, d);
    return sign_b64(k, d, b64_out, err);
}

int daas_sui_sign_transaction(const daas_sui_key *k, daas_bytes tx_bytes, char **b64_out,
                              daas_err *err)
{
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    daas_sui_transaction_signing_digest(tx_bytes, d);
    return sign_b64(k, d, b64_out, err);
}

/* SPEC: specs/sui.md §2.4 serialized = flag || signature || public_key */
int daas_sui_sig_parse(daas_bytes raw, daas_sui_sig *out, daas_err *err)
{
    if (raw.len == 0)
        return daas_fail(err, DAAS_EINVAL, "sui signature: empty");
    uint8_t flag = raw.ptr[0];
    if (!daas_sui__scheme_ok(flag))
        return daas_fail(err, DAAS_EINVAL, "sui signature: unsupported scheme flag 0x%02x", flag);
    size_t pklen = daas_sui__pubkey_len(flag);
    if (raw.len != 1 + DAAS_SUI_SIG_LEN + pklen)
        return daas_fail(err, DAAS_EINVAL, "sui signature: %zu bytes, want %zu for flag 0x%02x",
                         raw.len, 1 + DAAS_SUI_SIG_LEN + pklen, flag);
    memset(out, 0, sizeof(*out));
    out->pub.scheme = flag;
    out->pub.len = (uint8_t)pklen;
    memcpy(out->sig, raw.ptr + 1, DAAS_SUI_SIG_LEN);
    memcpy(out->pub.bytes, raw.ptr + 1 + DAAS_SUI_SIG_LEN, pklen);
    return DAAS_OK;
}

int daas_sui_sig_parse_base64(const char *b64, daas_sui_sig *out, daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, 512);
    int rc = daas_base64_decode(b64, strnlen(b64, 1024), &b);
    if (rc != DAAS_OK)
        rc = daas_fail(err, DAAS_EINVAL, "sui signature: invalid base64");
    else
        rc = daas_sui_sig_parse(DAAS_BYTES(b.data, b.len), out, err);
    daas_buf_fini(&b);
    return rc;
}

int daas_sui_verify_digest(const daas_sui_sig *sig, const uint8_t digest[DAAS_SUI_DIGEST_LEN],
                           uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    uint8_t h[32];
    int rc = DAAS_EUNAUTH;
    if (!daas_sui__scheme_ok(sig->pub.scheme) ||
        sig->pub.len != daas_sui__pubkey_len(sig->pub.scheme))
        return daas_fail(err, DAAS_EINVAL, "sui signature: bad scheme or key length");
    if (sig->pub.scheme == DAAS_SUI_ED25519) {
        if (crypto_sign_verify_detached(sig->sig, digest, DAAS_SUI_DIGEST_LEN, sig->pub.bytes) == 0)
            rc = DAAS_OK;
    } else {
        crypto_hash_sha256(h, digest, DAAS_SUI_DIGEST_LEN);
        rc = sig->pub.scheme == DAAS_SUI_SECP256K1 ? k1_verify(sig->pub.bytes, h, sig->sig)
                                                   : daas_sui__r1_verify(sig->pub.bytes, h, sig->sig);
    }
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EUNAUTH, "sui signature: verification failed");
    if (addr != NULL)
        daas_sui_pubkey_address(&sig->pub, addr);
    return DAAS_OK;
}

static int verify_b64(const char *b64sig, const uint8_t digest[32], uint8_t *addr,
                      daas_err *err)
{
    daas_sui_sig sig;
    int rc = daas_sui_sig_parse_base64(b64sig, &sig, err);
    if (rc != DAAS_OK)
        return rc;
    return daas_sui_verify_digest(&sig, digest, addr, err);
}

int daas_sui_verify_personal_message(const char *b64sig, daas_bytes msg,
                                     uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    daas_sui_personal_message_digest(msg, d);
    return verify_b64(b64sig, d, addr, err);
}

int daas_sui_verify_transaction(const char *b64sig, daas_bytes tx_bytes,
                                uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    uint8_t d[DAAS_SUI_DIGEST_LEN];
    daas_sui_transaction_signing_digest(tx_bytes, d);
    return verify_b64(b64sig, d, addr, err);
}
