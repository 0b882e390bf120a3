/*
 * proto_int.h: helpers shared by the files of the Seal protocol layer (proto*.c) only.
 *
 * Owns:   nothing; strict JSON field readers over jansson.
 * Invariants: every reader fails with DAAS_EINVAL "<prefix><key>: ..." and leaves *out NULL
 *             or untouched on failure.
 */
#ifndef DAAS_SEAL_PROTO_INT_H
#define DAAS_SEAL_PROTO_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "seal/proto.h"

/* Strict base64: padded, standard alphabet, canonical (re-encodes to s). The error code of
 * daas_base64_decode (DAAS_EINVAL, DAAS_ETOOBIG past out's cap), out reset on failure. */
DAAS_MUST_USE int daas_seal__b64_strict(const char *s, size_t slen, daas_buf *out);
/* obj[key] of JSON type type into *out (borrowed); nullable: null gives *out NULL. */
DAAS_MUST_USE int daas_seal__field(json_t *obj, const char *pfx, const char *key, json_type type,
                                   bool nullable, json_t **out, daas_err *err);
/* obj[key] as "0x" + 64 hex digits. */
DAAS_MUST_USE int daas_seal__addr_field(json_t *obj, const char *pfx, const char *key,
                                        uint8_t out[DAAS_SEAL_ADDR_LEN], daas_err *err);
/* Parses in (at most max bytes, else DAAS_ETOOBIG) as a JSON object, refusing duplicate keys.
 * NULL with *rc set on failure. */
json_t *daas_seal__load(daas_bytes in, size_t max, const char *what, int *rc, daas_err *err);
/* Appends the compact JSON of root to out and releases root (always). */
DAAS_MUST_USE int daas_seal__dump(json_t *root, daas_buf *out, daas_err *err);

#endif
