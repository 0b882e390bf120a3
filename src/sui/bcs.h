/*
 * bcs.h: Binary Canonical Serialization (BCS) as Sui uses it, plus Base58 text digests.
 *
 * Owns:   the BCS writer (appends to a caller's capped daas_buf), the bounds-checked BCS
 *         reader (a cursor over a borrowed byte slice), Base58 (Bitcoin alphabet).
 * Not:    the Sui types built from these primitives (tx.h), keys and signatures (sui.h).
 * Invariants:
 *   - the reader never reads past its slice; every failure is DAAS_EINVAL with the offset
 *     and the name of the field in the message;
 *   - ULEB128 values are canonical (no redundant high zero groups) and fit in 32 bits, as
 *     BCS requires; a length never exceeds the bytes left in the input;
 *   - bool is 0x00 or 0x01, Option tags are 0x00 or 0x01, nothing else is accepted;
 *   - integers are little-endian, fixed width.
 * Spec:   specs/sui.md §1 "Encoding primitives", §1.1 "BCS rules used by Sui".
 */
#ifndef DAAS_SUI_BCS_H
#define DAAS_SUI_BCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_SUI_ADDRESS_LEN 32 /* addresses and object ids */
#define DAAS_SUI_DIGEST_LEN 32  /* BLAKE2b-256 digests (intent, transaction, object) */
/* Largest value a BCS ULEB128 length or variant index may hold (BCS: u32). */
#define DAAS_SUI_BCS_ULEB_MAX UINT32_MAX

/* ---- writer: each appends to b and returns DAAS_OK or DAAS_ETOOBIG (b's cap) ---- */

DAAS_MUST_USE int daas_sui_bcs_put_u8(daas_buf *b, uint8_t v);
DAAS_MUST_USE int daas_sui_bcs_put_u16(daas_buf *b, uint16_t v);
DAAS_MUST_USE int daas_sui_bcs_put_u32(daas_buf *b, uint32_t v);
DAAS_MUST_USE int daas_sui_bcs_put_u64(daas_buf *b, uint64_t v);
/* u128 / u256 are given as 16 / 32 bytes already in little-endian order. */
DAAS_MUST_USE int daas_sui_bcs_put_u128(daas_buf *b, const uint8_t le[16]);
DAAS_MUST_USE int daas_sui_bcs_put_u256(daas_buf *b, const uint8_t le[32]);
/* ULEB128 (used for lengths and enum variant indices). */
DAAS_MUST_USE int daas_sui_bcs_put_uleb(daas_buf *b, uint32_t v);
DAAS_MUST_USE int daas_sui_bcs_put_bool(daas_buf *b, bool v);
/* Raw bytes with no length prefix (fixed arrays such as addresses). */
DAAS_MUST_USE int daas_sui_bcs_put_fixed(daas_buf *b, const uint8_t *p, size_t n);
/* vector<u8>: ULEB128 length, then the bytes. n must be <= DAAS_SUI_BCS_ULEB_MAX. */
DAAS_MUST_USE int daas_sui_bcs_put_bytes(daas_buf *b, const uint8_t *p, size_t n);
/* String: like bytes, from a NUL-terminated UTF-8 string (not validated here). */
DAAS_MUST_USE int daas_sui_bcs_put_str(daas_buf *b, const char *s);
/* A 32-byte address / object id (raw, no prefix). */
DAAS_MUST_USE int daas_sui_bcs_put_addr(daas_buf *b, const uint8_t addr[DAAS_SUI_ADDRESS_LEN]);
/* Option tag (0x00 None / 0x01 Some; the caller then writes the value) and enum variant. */
DAAS_MUST_USE int daas_sui_bcs_put_option(daas_buf *b, bool some);
DAAS_MUST_USE int daas_sui_bcs_put_variant(daas_buf *b, uint32_t index);
/* Vector length prefix (the caller then writes the elements). */
DAAS_MUST_USE int daas_sui_bcs_put_len(daas_buf *b, size_t n);

/* ---- reader ---- */

/* A cursor over borrowed bytes; the bytes must outlive the reader and anything it returns. */
typedef struct daas_sui_bcs_reader {
    const uint8_t *p;   /* the input (borrowed) */
    size_t len;         /* input length */
    size_t pos;         /* next byte to read */
    unsigned depth;     /* current nesting depth (daas_sui_bcs_enter/leave) */
    unsigned max_depth; /* nesting limit; 0 means DAAS_SUI_BCS_DEFAULT_DEPTH */
} daas_sui_bcs_reader;

#define DAAS_SUI_BCS_DEFAULT_DEPTH 16

/* Starts a reader over in (borrowed). Never fails. */
void daas_sui_bcs_reader_init(daas_sui_bcs_reader *r, daas_bytes in);

/*
 * Getters. `what` names the field for the error text ("gas price"). On failure the cursor
 * position is unspecified, *out is untouched or partly written, and err says
 * "bcs: <what>: <problem> at offset N". All return DAAS_OK or DAAS_EINVAL.
 */
DAAS_MUST_USE int daas_sui_bcs_get_u8(daas_sui_bcs_reader *r, const char *what, uint8_t *out,
                                      daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_u16(daas_sui_bcs_reader *r, const char *what, uint16_t *out,
                                       daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_u32(daas_sui_bcs_reader *r, const char *what, uint32_t *out,
                                       daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_u64(daas_sui_bcs_reader *r, const char *what, uint64_t *out,
                                       daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_u128(daas_sui_bcs_reader *r, const char *what, uint8_t out[16],
                                        daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_u256(daas_sui_bcs_reader *r, const char *what, uint8_t out[32],
                                        daas_err *err);
/* Canonical ULEB128 that fits in u32. */
DAAS_MUST_USE int daas_sui_bcs_get_uleb(daas_sui_bcs_reader *r, const char *what, uint32_t *out,
                                        daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_bool(daas_sui_bcs_reader *r, const char *what, bool *out,
                                        daas_err *err);
/* n raw bytes; *out points into the input. */
DAAS_MUST_USE int daas_sui_bcs_get_fixed(daas_sui_bcs_reader *r, const char *what, size_t n,
                                         const uint8_t **out, daas_err *err);
DAAS_MUST_USE int daas_sui_bcs_get_addr(daas_sui_bcs_reader *r, const char *what,
                                        uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err);
/*
 * Vector length: at most max elements, and at most (bytes left / min_elem) so a hostile
 * length cannot make the caller allocate more than the input justifies (min_elem >= 1).
 */
DAAS_MUST_USE int daas_sui_bcs_get_len(daas_sui_bcs_reader *r, const char *what, size_t max,
                                       size_t min_elem, size_t *out, daas_err *err);
/* vector<u8> of at most max bytes; out->ptr points into the input. */
DAAS_MUST_USE int daas_sui_bcs_get_bytes(daas_sui_bcs_reader *r, const char *what, size_t max,
                                         daas_bytes *out, daas_err *err);
/* String of at most max bytes: valid UTF-8 and no NUL byte; out->ptr points into the input. */
DAAS_MUST_USE int daas_sui_bcs_get_str(daas_sui_bcs_reader *r, const char *what, size_t max,
                                       daas_bytes *out, daas_err *err);
/* Option tag: *some = false for 0x00, true for 0x01. */
DAAS_MUST_USE int daas_sui_bcs_get_option(daas_sui_bcs_reader *r, const char *what, bool *some,
                                          daas_err *err);
/* Enum variant index, which must be < n_variants. */
DAAS_MUST_USE int daas_sui_bcs_get_variant(daas_sui_bcs_reader *r, const char *what,
                                           uint32_t n_variants, uint32_t *out, daas_err *err);
/* Succeeds only when every input byte has been consumed ("trailing bytes" otherwise). */
DAAS_MUST_USE int daas_sui_bcs_get_end(daas_sui_bcs_reader *r, const char *what, daas_err *err);
/* Nesting guard around recursive values: enter fails past max_depth; leave undoes enter. */
DAAS_MUST_USE int daas_sui_bcs_enter(daas_sui_bcs_reader *r, const char *what, daas_err *err);
void daas_sui_bcs_leave(daas_sui_bcs_reader *r);

/* ---- Base58 (Bitcoin alphabet; leading zero bytes become '1') ---- */

#define DAAS_SUI_BASE58_MAX_IN 128 /* longest byte string either direction handles */

/*
 * Renders n (<= DAAS_SUI_BASE58_MAX_IN) bytes into out (NUL-terminated; outsz >= 2*n+1 is
 * always enough, a 32-byte digest needs at most 45). DAAS_EINVAL when n is too large,
 * DAAS_ETOOBIG when out is too small.
 */
DAAS_MUST_USE int daas_sui_base58_encode(const uint8_t *p, size_t n, char *out, size_t outsz,
                                         daas_err *err);
/*
 * Decodes slen characters into out (cap outsz bytes), *outlen = bytes written.
 * DAAS_EINVAL on a character outside the alphabet, DAAS_ETOOBIG when the value needs more
 * than outsz bytes or the text is longer than 2*DAAS_SUI_BASE58_MAX_IN characters.
 */
DAAS_MUST_USE int daas_sui_base58_decode(const char *s, size_t slen, uint8_t *out, size_t outsz,
                                         size_t *outlen, daas_err *err);

#endif
