/*
 * bech32.c: BIP-173 bech32 (checksum constant 1, not bech32m), used for suiprivkey strings.
 *
 * Owns:   nothing stateful.
 * Invariants: decode accepts all-lowercase or all-uppercase only, at most 90 characters,
 *             a valid checksum, and 5-to-8-bit conversion without leftover non-zero bits.
 * Spec:   specs/sui.md §1 ("Private keys: Bech32 (BIP-173, checksum constant 1)"), §2.3.
 */
#include <string.h>

#include <sodium.h>

#include "sui/sui_int.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint8_t top = (uint8_t)(chk >> 25);
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

/* Checksum state after the expanded HRP. */
static uint32_t hrp_polymod(const char *hrp, size_t hlen)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < hlen; i++)
        chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < hlen; i++)
        chk = polymod_step(chk, (uint8_t)(hrp[i] & 0x1f));
    return chk;
}

/* Regroups bits; pad adds trailing zero bits (encode), else leftovers must be zero and < from. */
static int convert_bits(const uint8_t *in, size_t n, int from, int to, bool pad, uint8_t *out,
                        size_t cap, size_t *outn)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    uint32_t maxv = (1u << to) - 1;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << from) | in[i];
        bits += from;
        while (bits >= to) {
            bits -= to;
            if (o >= cap)
                return DAAS_ETOOBIG;
            out[o++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad && bits > 0) {
        if (o >= cap)
            return DAAS_ETOOBIG;
        out[o++] = (uint8_t)((acc << (to - bits)) & maxv);
    } else if (!pad && (bits >= from || ((acc << (to - bits)) & maxv) != 0)) {
        return DAAS_EINVAL;
    }
    *outn = o;
    return DAAS_OK;
}

int daas_sui__bech32_encode(const char *hrp, const uint8_t *data, size_t n, char *out,
                            size_t outn)
{
    uint8_t words[DAAS_SUI__BECH32_MAX];
    size_t nw = 0;
    size_t hlen = strlen(hrp);
    int rc = convert_bits(data, n, 8, 5, true, words, sizeof(words), &nw);
    if (rc != DAAS_OK || hlen + 1 + nw + 6 > DAAS_SUI__BECH32_MAX || hlen + 1 + nw + 6 >= outn)
        return DAAS_ETOOBIG;
    uint32_t chk = hrp_polymod(hrp, hlen);
    size_t o = 0;
    memcpy(out, hrp, hlen);
    o = hlen;
    out[o++] = '1';
    for (size_t i = 0; i < nw; i++) {
        chk = polymod_step(chk, words[i]);
        out[o++] = charset[words[i]];
    }
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < 6; i++)
        out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
    out[o] = '\0';
    sodium_memzero(words, sizeof(words));
    return DAAS_OK;
}

/* Lower-cases s into low (n chars); rejects mixed case and characters outside 33..126. */
static int normalise_case(const char *s, size_t n, char *low)
{
    bool lower = false, upper = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 33 || c > 126)
            return DAAS_EINVAL;
        if (c >= 'a' && c <= 'z')
            lower = true;
        if (c >= 'A' && c <= 'Z') {
            upper = true;
            c = (unsigned char)(c - 'A' + 'a');
        }
        low[i] = (char)c;
    }
    return (lower && upper) ? DAAS_EINVAL : DAAS_OK;
}

/* Maps the data part to 5-bit words and checks the checksum. */
static int data_words(const char *low, size_t hlen, size_t n, uint8_t *words, size_t *nw)
{
    uint32_t chk = hrp_polymod(low, hlen);
    size_t w = 0;
    for (size_t i = hlen + 1; i < n; i++) {
        const char *p = strchr(charset, low[i]);
        if (p == NULL || low[i] == '\0')
            return DAAS_EINVAL;
        words[w] = (uint8_t)(p - charset);
        chk = polymod_step(chk, words[w]);
        w++;
    }
    if (chk != 1)
        return DAAS_ECRYPTO; /* distinguished by the caller: bad checksum */
    *nw = w - 6;
    return DAAS_OK;
}

static int decode(const char *s, const char *hrp, char *low, uint8_t *words, uint8_t *data,
                  size_t cap, size_t *n, daas_err *err)
{
    size_t len = strnlen(s, DAAS_SUI__BECH32_MAX + 1);
    size_t nw = 0;
    if (len > DAAS_SUI__BECH32_MAX)
        return daas_fail(err, DAAS_EINVAL, "bech32: longer than 90 characters");
    if (normalise_case(s, len, low) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "bech32: invalid character or mixed case");
    low[len] = '\0';
    const char *sep = strrchr(low, '1');
    if (sep == NULL || sep == low || (size_t)(low + len - sep) < 7)
        return daas_fail(err, DAAS_EINVAL, "bech32: missing separator or too short");
    size_t hlen = (size_t)(sep - low);
    int rc = data_words(low, hlen, len, words, &nw);
    if (rc == DAAS_ECRYPTO)
        return daas_fail(err, DAAS_EINVAL, "bech32: checksum mismatch");
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "bech32: invalid data character");
    if (hlen != strlen(hrp) || memcmp(low, hrp, hlen) != 0)
        return daas_fail(err, DAAS_EINVAL, "bech32: wrong prefix (want \"%s\")", hrp);
    if (convert_bits(words, nw, 5, 8, false, data, cap, n) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "bech32: bad padding or too long");
    return DAAS_OK;
}

int daas_sui__bech32_decode(const char *s, const char *hrp, uint8_t *data, size_t cap,
                            size_t *n, daas_err *err)
{
    /* the scratch copies hold the (secret) payload: wiped before returning */
    char low[DAAS_SUI__BECH32_MAX + 1];
    uint8_t words[DAAS_SUI__BECH32_MAX];
    int rc = decode(s, hrp, low, words, data, cap, n, err);
    sodium_memzero(low, sizeof(low));
    sodium_memzero(words, sizeof(words));
    return rc;
}
