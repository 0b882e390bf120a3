/*
 * keys.c: Sui secret keys of the three user schemes, public keys, addresses, suiprivkey.
 *
 * Owns:   daas_sui_key allocation and wiping; public-key derivation (libsodium Ed25519,
 *         libsecp256k1, OpenSSL P-256 via ecdsa_r1.c); BLAKE2b-256 addresses.
 * Does not own: signing (sign.c), the keystore file (keystore.c).
 * Invariants: a daas_sui_key always holds a valid secret and its matching public key;
 *             secret bytes are wiped with sodium_memzero on free and on every error path;
 *             error messages never contain key bytes.
 * Spec:   specs/sui.md §2.1-§2.3, §8.1.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <secp256k1.h>
#include <sodium.h>

#include "common/util.h"
#include "sui/sui_int.h"

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void do_sodium_init(void)
{
    if (sodium_init() < 0)
        abort();
}

void daas_sui__sodium_init(void)
{
    pthread_once(&sodium_once, do_sodium_init);
}

bool daas_sui__scheme_ok(int scheme)
{
    return scheme == DAAS_SUI_ED25519 || scheme == DAAS_SUI_SECP256K1 ||
           scheme == DAAS_SUI_SECP256R1;
}

size_t daas_sui__pubkey_len(int scheme)
{
    return scheme == DAAS_SUI_ED25519 ? 32 : 33;
}

static int ed25519_derive(daas_sui_key *k)
{
    daas_sui__sodium_init();
    if (crypto_sign_seed_keypair(k->pub.bytes, k->ed_sk, k->secret) != 0)
        return DAAS_ECRYPTO;
    return DAAS_OK;
}

/* DAAS_EINVAL when the scalar is 0 or >= n. */
static int k1_derive(daas_sui_key *k)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_pubkey pk;
    size_t len = 33;
    int rc = DAAS_OK;
    if (!secp256k1_ec_seckey_verify(ctx, k->secret))
        rc = DAAS_EINVAL;
    else if (!secp256k1_ec_pubkey_create(ctx, &pk, k->secret) ||
             !secp256k1_ec_pubkey_serialize(ctx, k->pub.bytes, &len, &pk,
                                            SECP256K1_EC_COMPRESSED) ||
             len != 33)
        rc = DAAS_ECRYPTO;
    secp256k1_context_destroy(ctx);
    return rc;
}

static int derive_public(daas_sui_key *k)
{
    k->pub.scheme = (uint8_t)k->scheme;
    k->pub.len = (uint8_t)daas_sui__pubkey_len(k->scheme);
    switch (k->scheme) {
    case DAAS_SUI_ED25519:
        return ed25519_derive(k);
    case DAAS_SUI_SECP256K1:
        return k1_derive(k);
    default:
        return daas_sui__r1_pubkey(k->secret, k->pub.bytes);
    }
}

int daas_sui_key_from_secret(int scheme, const uint8_t secret[DAAS_SUI_SECRET_LEN],
                             daas_sui_key **out, daas_err *err)
{
    *out = NULL;
    if (!daas_sui__scheme_ok(scheme))
        return daas_fail(err, DAAS_EINVAL, "sui: unsupported key scheme 0x%02x", scheme);
    daas_sui_key *k = daas_xcalloc(1, sizeof(*k));
    k->scheme = scheme;
    memcpy(k->secret, secret, DAAS_SUI_SECRET_LEN);
    int rc = derive_public(k);
    if (rc != DAAS_OK) {
        daas_sui_key_free(&k);
        if (rc == DAAS_EINVAL)
            return daas_fail(err, rc, "sui: secret key is not a valid scalar for scheme 0x%02x",
                             scheme);
        return daas_fail(err, rc, "sui: cannot derive the public key");
    }
    *out = k;
    return DAAS_OK;
}

int daas_sui_key_generate(int scheme, daas_sui_key **out, daas_err *err)
{
    uint8_t secret[DAAS_SUI_SECRET_LEN];
    int rc = DAAS_EINVAL;
    /* an invalid ECDSA scalar has probability ~2^-128 (k1) / 2^-32 (r1); retry a few times */
    for (int tries = 0; tries < 8 && rc == DAAS_EINVAL; tries++) {
        daas_random(secret, sizeof(secret));
        rc = daas_sui_key_from_secret(scheme, secret, out, NULL);
        if (!daas_sui__scheme_ok(scheme))
            break;
    }
    sodium_memzero(secret, sizeof(secret));
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "sui: cannot generate a key of scheme 0x%02x", scheme);
    return DAAS_OK;
}

void daas_sui_key_free(daas_sui_key **k)
{
    if (k == NULL || *k == NULL)
        return;
    sodium_memzero(*k, sizeof(**k));
    daas_free(*k);
    *k = NULL;
}

int daas_sui_key_scheme(const daas_sui_key *k)
{
    return k->scheme;
}

const daas_sui_pubkey *daas_sui_key_public(const daas_sui_key *k)
{
    return &k->pub;
}

void daas_sui_key_address(const daas_sui_key *k, uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_pubkey_address(&k->pub, addr);
}

void daas_sui_key_secret(const daas_sui_key *k, uint8_t out[DAAS_SUI_SECRET_LEN])
{
    memcpy(out, k->secret, DAAS_SUI_SECRET_LEN);
}

int daas_sui_key_dup(const daas_sui_key *k, daas_sui_key **out, daas_err *err)
{
    return daas_sui_key_from_secret(k->scheme, k->secret, out, err);
}

bool daas_sui_key_equal(const daas_sui_key *a, const daas_sui_key *b)
{
    return a->scheme == b->scheme && sodium_memcmp(a->secret, b->secret, DAAS_SUI_SECRET_LEN) == 0;
}

/* SPEC: specs/sui.md §2.3 bech32(hrp "suiprivkey", flag || 32-byte secret) */
void daas_sui_key_to_privkey(const daas_sui_key *k, char out[DAAS_SUI_PRIVKEY_STR_LEN + 1])
{
    uint8_t data[1 + DAAS_SUI_SECRET_LEN];
    data[0] = (uint8_t)k->scheme;
    memcpy(data + 1, k->secret, DAAS_SUI_SECRET_LEN);
    int rc = daas_sui__bech32_encode("suiprivkey", data, sizeof(data), out,
                                     DAAS_SUI_PRIVKEY_STR_LEN + 1);
    sodium_memzero(data, sizeof(data));
    if (DAAS_NEVER(rc != DAAS_OK))
        abort(); /* 33 bytes always fit in 70 characters */
}

int daas_sui_key_from_privkey(const char *s, daas_sui_key **out, daas_err *err)
{
    uint8_t data[DAAS_SUI__BECH32_MAX];
    size_t n = 0;
    *out = NULL;
    int rc = daas_sui__bech32_decode(s, "suiprivkey", data, sizeof(data), &n, err);
    if (rc != DAAS_OK)
        goto out;
    if (n != 1 + DAAS_SUI_SECRET_LEN) {
        rc = daas_fail(err, DAAS_EINVAL, "suiprivkey: payload is %zu bytes, want 33", n);
        goto out;
    }
    rc = daas_sui_key_from_secret(data[0], data + 1, out, err);
out:
    sodium_memzero(data, sizeof(data));
    return rc;
}

/* SPEC: specs/sui.md §2.2 address = BLAKE2b-256(flag || pubkey), digest length 32 */
void daas_sui_pubkey_address(const daas_sui_pubkey *pk, uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    crypto_generichash_state st;
    uint8_t flag = pk->scheme;
    crypto_generichash_init(&st, NULL, 0, DAAS_SUI_ADDRESS_LEN);
    crypto_generichash_update(&st, &flag, 1);
    crypto_generichash_update(&st, pk->bytes, pk->len);
    crypto_generichash_final(&st, addr, DAAS_SUI_ADDRESS_LEN);
}

void daas_sui_address_hex(const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                          char out[DAAS_SUI_ADDRESS_HEX_LEN + 1])
{
    out[0] = '0';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 65, addr, DAAS_SUI_ADDRESS_LEN);
}

/* SPEC: specs/sui.md §1 address text: strip 0x, left-pad to 64 hex */
int daas_sui_address_parse(const char *s, uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return daas_fail(err, DAAS_EINVAL, "sui address: missing 0x prefix");
    const char *h = s + 2;
    size_t n = strnlen(h, 65);
    if (n == 0 || n > 64)
        return daas_fail(err, DAAS_EINVAL, "sui address: want 1 to 64 hex digits");
    memset(addr, 0, DAAS_SUI_ADDRESS_LEN);
    for (size_t i = 0; i < n; i++) {
        int v = daas_hexval(h[n - 1 - i]);
        if (v < 0)
            return daas_fail(err, DAAS_EINVAL, "sui address: invalid hex digit");
        size_t byte = DAAS_SUI_ADDRESS_LEN - 1 - i / 2;
        addr[byte] = (uint8_t)(addr[byte] | (i % 2 ? v << 4 : v));
    }
    return DAAS_OK;
}

char *daas_sui_pubkey_base64(const daas_sui_pubkey *pk)
{
    uint8_t raw[1 + DAAS_SUI_PUBKEY_MAX];
    raw[0] = pk->scheme;
    memcpy(raw + 1, pk->bytes, pk->len);
    return daas_base64_encode(raw, 1 + (size_t)pk->len);
}

int daas_sui_pubkey_from_base64(const char *s, daas_sui_pubkey *out, daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, 256);
    int rc = daas_base64_decode(s, strlen(s), &b);
    if (rc != DAAS_OK) {
        rc = daas_fail(err, DAAS_EINVAL, "sui public key: invalid base64");
        goto out;
    }
    const uint8_t *p = (const uint8_t *)b.data;
    if (b.len < 1 || !daas_sui__scheme_ok(p[0])) {
        rc = daas_fail(err, DAAS_EINVAL, "sui public key: unsupported scheme flag");
        goto out;
    }
    if (b.len != 1 + daas_sui__pubkey_len(p[0])) {
        rc = daas_fail(err, DAAS_EINVAL, "sui public key: %zu bytes, want %zu", b.len,
                       1 + daas_sui__pubkey_len(p[0]));
        goto out;
    }
    memset(out, 0, sizeof(*out));
    out->scheme = p[0];
    out->len = (uint8_t)(b.len - 1);
    memcpy(out->bytes, p + 1, out->len);
out:
    daas_buf_fini(&b);
    return rc;
}
