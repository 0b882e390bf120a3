/*
 * bcs.c: BCS writer and bounds-checked reader, Base58.
 *
 * Owns:   nothing stateful; see bcs.h for the contract.
 * Not:    Sui types (tx.c, tx_decode.c).
 * Invariants:
 *   - reads check `len - pos` before touching bytes (no pointer arithmetic past the end);
 *   - ULEB128 decoding rejects overlong forms and values past u32 (BCS is canonical:
 *     one value, one encoding, so decode-then-encode gives the same bytes).
 * Spec:   specs/sui.md §1.1 "BCS rules used by Sui"; §1 (Base58, Bitcoin alphabet).
 */
#include <string.h>

#include "sui/bcs.h"

/* ---- writer ---- */

static int put_le(daas_buf *b, uint64_t v, size_t n)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < n; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    return daas_buf_append(b, tmp, n);
}

int daas_sui_bcs_put_u8(daas_buf *b, uint8_t v)
{
    return daas_buf_append(b, &v, 1);
}
int daas_sui_bcs_put_u16(daas_buf *b, uint16_t v)
{
    return put_le(b, v, 2);
}
int daas_sui_bcs_put_u32(daas_buf *b, uint32_t v)
{
    return put_le(b, v, 4);
}
int daas_sui_bcs_put_u64(daas_buf *b, uint64_t v)
{
    return put_le(b, v, 8);
}
int daas_sui_bcs_put_u128(daas_buf *b, const uint8_t le[16])
{
    return daas_buf_append(b, le, 16);
}
int daas_sui_bcs_put_u256(daas_buf *b, const uint8_t le[32])
{
    return daas_buf_append(b, le, 32);
}

int daas_sui_bcs_put_uleb(daas_buf *b, uint32_t v)
{
    uint8_t tmp[5];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    return daas_buf_append(b, tmp, n);
}

int daas_sui_bcs_put_bool(daas_buf *b, bool v)
{
    return daas_sui_bcs_put_u8(b, v ? 1 : 0);
}

int daas_sui_bcs_put_fixed(daas_buf *b, const uint8_t *p, size_t n)
{
    return daas_buf_append(b, p, n);
}

int daas_sui_bcs_put_len(daas_buf *b, size_t n)
{
    if (n > DAAS_SUI_BCS_ULEB_MAX)
        return DAAS_ETOOBIG;
    return daas_sui_bcs_put_uleb(b, (uint32_t)n);
}

int daas_sui_bcs_put_bytes(daas_buf *b, const uint8_t *p, size_t n)
{
    int rc = daas_sui_bcs_put_len(b, n);
    if (rc == DAAS_OK)
        rc = daas_buf_append(b, p, n);
    return rc;
}

int daas_sui_bcs_put_str(daas_buf *b, const char *s)
{
    return daas_sui_bcs_put_bytes(b, (const uint8_t *)s, strlen(s));
}

int daas_sui_bcs_put_addr(daas_buf *b, const uint8_t addr[DAAS_SUI_ADDRESS_LEN])
{
    return daas_buf_append(b, addr, DAAS_SUI_ADDRESS_LEN);
}

int daas_sui_bcs_put_option(daas_buf *b, bool some)
{
    return daas_sui_bcs_put_bool(b, some);
}
int daas_sui_bcs_put_variant(daas_buf *b, uint32_t index)
{
    return daas_sui_bcs_put_uleb(b, index);
}

/* ---- reader ---- */

void daas_sui_bcs_reader_init(daas_sui_bcs_reader *r, daas_bytes in)
{
    memset(r, 0, sizeof(*r));
    r->p = in.ptr;
    r->len = in.ptr ? in.len : 0;
}

static size_t left(const daas_sui_bcs_reader *r)
{
    return r->len - r->pos;
}

static int need(daas_sui_bcs_reader *r, const char *what, size_t n, daas_err *err)
{
    if (left(r) < n)
        return daas_fail(err, DAAS_EINVAL,
                         "bcs: %s: truncated at offset %zu (need %zu bytes, have %zu)", what,
                         r->pos, n, left(r));
    return DAAS_OK;
}

static int get_le(daas_sui_bcs_reader *r, const char *what, size_t n, uint64_t *out, daas_err *err)
{
    int rc = need(r, what, n, err);
    if (rc != DAAS_OK)
        return rc;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)r->p[r->pos + i] << (8 * i);
    r->pos += n;
    *out = v;
    return DAAS_OK;
}

int daas_sui_bcs_get_u8(daas_sui_bcs_reader *r, const char *what, uint8_t *out, daas_err *err)
{
    uint64_t v = 0;
    int rc = get_le(r, what, 1, &v, err);
    if (rc == DAAS_OK)
        *out = (uint8_t)v;
    return rc;
}

int daas_sui_bcs_get_u16(daas_sui_bcs_reader *r, const char *what, uint16_t *out, daas_err *err)
{
    uint64_t v = 0;
    int rc = get_le(r, what, 2, &v, err);
    if (rc == DAAS_OK)
        *out = (uint16_t)v;
    return rc;
}

int daas_sui_bcs_get_u32(daas_sui_bcs_reader *r, const char *what, uint32_t *out, daas_err *err)
{
    uint64_t v = 0;
    int rc = get_le(r, what, 4, &v, err);
    if (rc == DAAS_OK)
        *out = (uint32_t)v;
    return rc;
}

int daas_sui_bcs_get_u64(daas_sui_bcs_reader *r, const char *what, uint64_t *out, daas_err *err)
{
    return get_le(r, what, 8, out, err);
}

int daas_sui_bcs_get_fixed(daas_sui_bcs_reader *r, const char *what, size_t n, const uint8_t **out,
                           daas_err *err)
{
    int rc = need(r, what, n, err);
    if (rc != DAAS_OK)
        return rc;
    *out = r->p + r->pos;
    r->pos += n;
    return DAAS_OK;
}

static int get_copy(daas_sui_bcs_reader *r, const char *what, size_t n, uint8_t *out, daas_err *err)
{
    const uint8_t *p = NULL;
    int rc = daas_sui_bcs_get_fixed(r, what, n, &p, err);
    if (rc == DAAS_OK)
        memcpy(out, p, n);
    return rc;
}

int daas_sui_bcs_get_u128(daas_sui_bcs_reader *r, const char *what, uint8_t out[16], daas_err *err)
{
    return get_copy(r, what, 16, out, err);
}

int daas_sui_bcs_get_u256(daas_sui_bcs_reader *r, const char *what, uint8_t out[32], daas_err *err)
{
    return get_copy(r, what, 32, out, err);
}

int daas_sui_bcs_get_addr(daas_sui_bcs_reader *r, const char *what, uint8_t out[DAAS_SUI_ADDRESS_LEN],
                          daas_err *err)
{
    return get_copy(r, what, DAAS_SUI_ADDRESS_LEN, out, err);
}

/* SPEC: specs/sui.md §1.1 "Sequence lengths and enum variant tags are ULEB128". */
int daas_sui_bcs_get_uleb(daas_sui_bcs_reader *r, const char *what, uint32_t *out, daas_err *err)
{
    size_t start = r->pos;
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (left(r) < 1)
            return daas_fail(err, DAAS_EINVAL, "bcs: %s: truncated ULEB128 at offset %zu", what,
                             start);
        uint8_t byte = r->p[r->pos++];
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (byte & 0x80)
            continue;
        /* A final zero group after the first byte is a redundant (non-canonical) form. */
        if (byte == 0 && shift > 0)
            return daas_fail(err, DAAS_EINVAL, "bcs: %s: non-canonical ULEB128 at offset %zu", what,
                             start);
        if (v > DAAS_SUI_BCS_ULEB_MAX)
            return daas_fail(err, DAAS_EINVAL, "bcs: %s: ULEB128 exceeds u32 at offset %zu", what,
                             start);
        *out = (uint32_t)v;
        return DAAS_OK;
    }
    return daas_fail(err, DAAS_EINVAL, "bcs: %s: ULEB128 longer than 5 bytes at offset %zu", what,
                     start);
}

int daas_sui_bcs_get_bool(daas_sui_bcs_reader *r, const char *what, bool *out, daas_err *err)
{
    uint8_t v = 0;
    int rc = daas_sui_bcs_get_u8(r, what, &v, err);
    if (rc != DAAS_OK)
        return rc;
    if (v > 1)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: invalid bool 0x%02x at offset %zu", what, v,
                         r->pos - 1);
    *out = v == 1;
    return DAAS_OK;
}

int daas_sui_bcs_get_option(daas_sui_bcs_reader *r, const char *what, bool *some, daas_err *err)
{
    uint8_t v = 0;
    int rc = daas_sui_bcs_get_u8(r, what, &v, err);
    if (rc != DAAS_OK)
        return rc;
    if (v > 1)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: invalid Option tag 0x%02x at offset %zu", what,
                         v, r->pos - 1);
    *some = v == 1;
    return DAAS_OK;
}

int daas_sui_bcs_get_variant(daas_sui_bcs_reader *r, const char *what, uint32_t n_variants,
                             uint32_t *out, daas_err *err)
{
    size_t start = r->pos;
    uint32_t v = 0;
    int rc = daas_sui_bcs_get_uleb(r, what, &v, err);
    if (rc != DAAS_OK)
        return rc;
    if (v >= n_variants)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: unknown variant %u at offset %zu", what, v,
                         start);
    *out = v;
    return DAAS_OK;
}

int daas_sui_bcs_get_len(daas_sui_bcs_reader *r, const char *what, size_t max, size_t min_elem,
                         size_t *out, daas_err *err)
{
    size_t start = r->pos;
    uint32_t v = 0;
    int rc = daas_sui_bcs_get_uleb(r, what, &v, err);
    if (rc != DAAS_OK)
        return rc;
    if (v > max)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: length %u exceeds limit %zu at offset %zu",
                         what, v, max, start);
    if (min_elem == 0)
        min_elem = 1;
    if (v > left(r) / min_elem)
        return daas_fail(err, DAAS_EINVAL,
                         "bcs: %s: length %u runs past the input at offset %zu (%zu bytes left)",
                         what, v, start, left(r));
    *out = v;
    return DAAS_OK;
}

int daas_sui_bcs_get_bytes(daas_sui_bcs_reader *r, const char *what, size_t max, daas_bytes *out,
                           daas_err *err)
{
    size_t n = 0;
    const uint8_t *p = NULL;
    int rc = daas_sui_bcs_get_len(r, what, max, 1, &n, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_fixed(r, what, n, &p, err);
    if (rc == DAAS_OK)
        *out = DAAS_BYTES(p, n);
    return rc;
}

/* Length of the well-formed UTF-8 sequence at p (n bytes available), 0 when ill-formed. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t k;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

int daas_sui_bcs_get_str(daas_sui_bcs_reader *r, const char *what, size_t max, daas_bytes *out,
                         daas_err *err)
{
    size_t start = r->pos;
    daas_bytes s = {0};
    int rc = daas_sui_bcs_get_bytes(r, what, max, &s, err);
    if (rc != DAAS_OK)
        return rc;
    for (size_t i = 0; i < s.len;) {
        size_t k = s.ptr[i] == 0 ? 0 : utf8_len(s.ptr + i, s.len - i);
        if (k == 0)
            return daas_fail(
                err, DAAS_EINVAL,
                "bcs: %s: string at offset %zu is not UTF-8 (or holds NUL) at byte %zu", what,
                start, i);
        i += k;
    }
    *out = s;
    return DAAS_OK;
}

int daas_sui_bcs_get_end(daas_sui_bcs_reader *r, const char *what, daas_err *err)
{
    if (left(r) != 0)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: %zu trailing bytes at offset %zu", what,
                         left(r), r->pos);
    return DAAS_OK;
}

int daas_sui_bcs_enter(daas_sui_bcs_reader *r, const char *what, daas_err *err)
{
    unsigned max = r->max_depth ? r->max_depth : DAAS_SUI_BCS_DEFAULT_DEPTH;
    if (r->depth >= max)
        return daas_fail(err, DAAS_EINVAL, "bcs: %s: nested deeper than %u at offset %zu", what,
                         max, r->pos);
    r->depth++;
    return DAAS_OK;
}

void daas_sui_bcs_leave(daas_sui_bcs_reader *r)
{
    if (r->depth > 0)
        r->depth--;
}

/* ---- Base58 ---- */

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* SPEC: specs/sui.md §1 "Digests ... text form is Base58 (Bitcoin alphabet)". */
int daas_sui_base58_encode(const uint8_t *p, size_t n, char *out, size_t outsz, daas_err *err)
{
    uint8_t digits[2 * DAAS_SUI_BASE58_MAX_IN]; /* base-58 digits, least significant first */
    size_t nd = 0, zeros = 0;
    if (n > DAAS_SUI_BASE58_MAX_IN)
        return daas_fail(err, DAAS_EINVAL, "base58: input of %zu bytes is too long", n);
    while (zeros < n && p[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        uint32_t carry = p[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (uint32_t)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + nd + 1 > outsz)
        return daas_fail(err, DAAS_ETOOBIG, "base58: output buffer of %zu bytes is too small",
                         outsz);
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = '1';
    for (size_t j = nd; j > 0; j--)
        out[o++] = B58[digits[j - 1]];
    out[o] = '\0';
    return DAAS_OK;
}

static int b58_value(char c)
{
    const char *q = c ? strchr(B58, c) : NULL;
    return q ? (int)(q - B58) : -1;
}

int daas_sui_base58_decode(const char *s, size_t slen, uint8_t *out, size_t outsz, size_t *outlen,
                           daas_err *err)
{
    uint8_t bytes[2 * DAAS_SUI_BASE58_MAX_IN]; /* value, least significant byte first */
    size_t nb = 0, zeros = 0;
    if (slen > 2 * DAAS_SUI_BASE58_MAX_IN)
        return daas_fail(err, DAAS_ETOOBIG, "base58: text of %zu characters is too long", slen);
    while (zeros < slen && s[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < slen; i++) {
        int d = b58_value(s[i]);
        if (d < 0)
            return daas_fail(err, DAAS_EINVAL, "base58: invalid character at position %zu", i);
        uint32_t carry = (uint32_t)d;
        for (size_t j = 0; j < nb; j++) {
            carry += (uint32_t)bytes[j] * 58;
            bytes[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            bytes[nb++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (zeros + nb > outsz)
        return daas_fail(err, DAAS_ETOOBIG, "base58: value needs more than %zu bytes", outsz);
    memset(out, 0, zeros);
    for (size_t j = 0; j < nb; j++)
        out[zeros + j] = bytes[nb - 1 - j];
    *outlen = zeros + nb;
    return DAAS_OK;
}
