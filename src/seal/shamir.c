/*
 * shamir.c: Shamir secret sharing over GF(2^8) = F2[x]/(x^8+x^4+x^3+x+1) (0x11B), byte-wise,
 * as Seal's tss.rs / shamir.ts: split with indices 1..n, recombine from any distinct non-zero
 * indices by Lagrange interpolation, plus the small polynomial helpers the tests pin.
 *
 * Owns:   nothing stateful (no log/exp tables: multiplication is a constant-time shift-and-add).
 * Invariants: secret bytes are only multiplied with the constant-time gf_mul; division and
 *             inversion touch public share indices only.
 * Spec:   ../shared/specs/seal.md §3.3, §8.11.
 */
#include <string.h>

#include "common/util.h"
#include "seal/seal_int.h"

uint8_t daas_seal__gf_mul(uint8_t a, uint8_t b)
{
    unsigned r = 0, x = a, y = b;
    for (int i = 0; i < 8; i++) {
        r ^= x & (0u - (y & 1u));
        y >>= 1;
        /* x·2 modulo 0x11B without a branch on x's top bit. */
        x = ((x << 1) ^ (0x11Bu & (0u - ((x >> 7) & 1u)))) & 0xFFu;
    }
    return (uint8_t)r;
}

/* a^254 = a^-1 (a != 0) by square-and-multiply; only ever called on public indices. */
static uint8_t gf_inv(uint8_t a)
{
    uint8_t r = 1, base = a;
    for (unsigned e = 254; e != 0; e >>= 1) {
        if (e & 1u)
            r = daas_seal__gf_mul(r, base);
        base = daas_seal__gf_mul(base, base);
    }
    return r;
}

uint8_t daas_seal__gf_div(uint8_t a, uint8_t b)
{
    if (b == 0)
        return 0;
    return daas_seal__gf_mul(a, gf_inv(b));
}

uint8_t daas_seal__poly_eval(const uint8_t *c, size_t n, uint8_t x)
{
    uint8_t r = 0;
    for (size_t i = n; i-- > 0;)
        r = (uint8_t)(daas_seal__gf_mul(r, x) ^ c[i]);
    return r;
}

void daas_seal__poly_mul(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out)
{
    memset(out, 0, na + nb - 1);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            out[i + j] ^= daas_seal__gf_mul(a[i], b[j]);
}

static int check_xs(const uint8_t *xs, size_t k, bool allow_zero, daas_err *err)
{
    if (k == 0 || k > 255)
        return daas_fail(err, DAAS_EINVAL, "shamir: %zu shares", k);
    for (size_t i = 0; i < k; i++) {
        if (!allow_zero && xs[i] == 0)
            return daas_fail(err, DAAS_EINVAL, "shamir: share index 0");
        for (size_t j = 0; j < i; j++)
            if (xs[i] == xs[j])
                return daas_fail(err, DAAS_EINVAL, "shamir: duplicate share index %u",
                                 (unsigned)xs[i]);
    }
    return DAAS_OK;
}

int daas_seal__poly_interpolate(const uint8_t *xs, const uint8_t *ys, size_t k, uint8_t *coeffs,
                                daas_err *err)
{
    int rc = check_xs(xs, k, true, err);
    if (rc != DAAS_OK)
        return rc;
    uint8_t basis[256], tmp[256];
    memset(coeffs, 0, k);
    for (size_t j = 0; j < k; j++) {
        /* basis_j(x) = Π_{m≠j} (x − x_m) / (x_j − x_m); subtraction is XOR. */
        size_t deg = 1;
        uint8_t denom = 1;
        basis[0] = 1;
        for (size_t m = 0; m < k; m++) {
            if (m == j)
                continue;
            uint8_t lin[2] = {xs[m], 1};
            daas_seal__poly_mul(basis, deg, lin, 2, tmp);
            deg++;
            memcpy(basis, tmp, deg);
            denom = daas_seal__gf_mul(denom, (uint8_t)(xs[j] ^ xs[m]));
        }
        uint8_t scale = daas_seal__gf_div(ys[j], denom);
        for (size_t i = 0; i < deg; i++)
            coeffs[i] ^= daas_seal__gf_mul(basis[i], scale);
    }
    return DAAS_OK;
}

void daas_seal__shamir_split(const uint8_t *secret, size_t len, uint8_t n, uint8_t t,
                             uint8_t *shares)
{
    uint8_t coef[256];
    for (size_t b = 0; b < len; b++) {
        coef[0] = secret[b];
        if (t > 1)
            daas_random(coef + 1, (size_t)t - 1);
        for (unsigned i = 0; i < n; i++)
            shares[i * len + b] = daas_seal__poly_eval(coef, t, (uint8_t)(i + 1));
    }
    daas_seal_wipe(coef, sizeof coef);
}

int daas_seal__shamir_eval(const uint8_t *xs, const uint8_t *ys, size_t k, size_t len, uint8_t x,
                           uint8_t *out, daas_err *err)
{
    int rc = check_xs(xs, k, false, err);
    if (rc != DAAS_OK)
        return rc;
    /* Lagrange weights at x depend only on the (public) indices: compute them once for all
     * byte positions. w_j = Π_{m≠j} (x − x_m) / (x_j − x_m). */
    uint8_t w[256];
    for (size_t j = 0; j < k; j++) {
        uint8_t num = 1, den = 1;
        for (size_t m = 0; m < k; m++) {
            if (m == j)
                continue;
            num = daas_seal__gf_mul(num, (uint8_t)(x ^ xs[m]));
            den = daas_seal__gf_mul(den, (uint8_t)(xs[j] ^ xs[m]));
        }
        w[j] = daas_seal__gf_div(num, den);
    }
    for (size_t b = 0; b < len; b++) {
        uint8_t acc = 0;
        for (size_t j = 0; j < k; j++)
            acc ^= daas_seal__gf_mul(ys[j * len + b], w[j]);
        out[b] = acc;
    }
    return DAAS_OK;
}
