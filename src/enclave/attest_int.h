/*
 * attest_int.h: declarations shared by the attestation files (attest_cbor.c, attest_verify.c,
 * aws_root.c) and their unit test; include only from src/enclave/ and tests.
 *
 * Owns:   the strict CBOR reader (a bounded cursor over borrowed bytes) and the accessor of the
 *         verified embedded root.
 * Invariants:
 *   - the reader never reads past cur->len; every failure is DAAS_EINVAL with a reason;
 *   - indefinite-length byte/text strings are refused (the signed bytes must be contiguous);
 *   - nesting deeper than DAAS_ATTEST__MAX_DEPTH is refused.
 * Spec:   RFC 8949 §3 (heads, indefinite lengths), specs/nautilus.md §3.
 */
#ifndef DAAS_ENCLAVE_ATTEST_INT_H
#define DAAS_ENCLAVE_ATTEST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "enclave/attest.h"

#define DAAS_ATTEST__MAX_DEPTH 16    /* nesting of skipped (unknown) values */
#define DAAS_ATTEST__MAX_KEYS 64     /* entries of the payload map */

/* CBOR major types. */
enum {
    DAAS_CBOR_UINT = 0,
    DAAS_CBOR_NINT = 1,
    DAAS_CBOR_BSTR = 2,
    DAAS_CBOR_TSTR = 3,
    DAAS_CBOR_ARRAY = 4,
    DAAS_CBOR_MAP = 5,
    DAAS_CBOR_TAG = 6,
    DAAS_CBOR_SIMPLE = 7,
};

/* A read position in borrowed bytes. */
typedef struct daas_attest__cur {
    const uint8_t *p; /* the bytes (borrowed) */
    size_t len;       /* their length */
    size_t off;       /* next byte to read */
} daas_attest__cur;

/* One decoded item head. */
typedef struct daas_attest__head {
    int major;     /* DAAS_CBOR_* */
    uint64_t arg;  /* the argument (value, length or count); 0 when indef */
    bool indef;    /* indefinite length (arrays and maps only; 0xff break has major 7) */
    uint8_t first; /* the initial byte */
} daas_attest__head;

/* Reads one head. what names the item in the error. */
DAAS_MUST_USE int daas_attest__cbor_head(daas_attest__cur *c, daas_attest__head *h,
                                         const char *what, daas_err *err);
/* Reads a definite byte string (major 2) or text string (major 3) into *out (borrowed). */
DAAS_MUST_USE int daas_attest__cbor_string(daas_attest__cur *c, int major, daas_bytes *out,
                                           const char *what, daas_err *err);
/* Skips one complete item of any type (bounded nesting). */
DAAS_MUST_USE int daas_attest__cbor_skip(daas_attest__cur *c, int depth, daas_err *err);
/* True when the next byte is b (without consuming it). */
bool daas_attest__cbor_peek(const daas_attest__cur *c, uint8_t b);

/* The embedded AWS root, parsed and checked once (DER SHA-256 against the pinned fingerprint,
 * self-signature). Borrowed, static lifetime; NULL (with err set) when the check failed. */
X509 *daas_attest__aws_root_x509(daas_err *err);

#endif
