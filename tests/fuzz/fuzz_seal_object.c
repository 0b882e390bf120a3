/*
 * fuzz_seal_object.c: libFuzzer target for the Seal EncryptedObject parser and encoder
 *                     (src/seal/object.c) and decryption of whatever parses (decrypt.c).
 *
 * Owns:   nothing. The input is an object's BCS bytes. Parse either fails with DAAS_EINVAL
 *         and a message, leaving the object zeroed, or succeeds, and then the encoding is
 *         canonical: encode(parse(x)) == x byte for byte. A parsed object is then decrypted
 *         with a derived key (the G1 generator) for its first service: that must fail with
 *         DAAS_EINVAL or DAAS_EUNAUTH, leave the output empty, and never crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seal/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The compressed G1 generator: a valid point no real identity maps to. */
static const uint8_t G1_GEN[48] = {
    0x97, 0xf1, 0xd3, 0xa7, 0x31, 0x97, 0xd7, 0x94, 0x26, 0x95, 0x63, 0x8c, 0x4f, 0xa9, 0xac, 0x0f,
    0xc3, 0x68, 0x8c, 0x4f, 0x97, 0x74, 0xb9, 0x05, 0xa1, 0x4e, 0x3a, 0x3f, 0x17, 0x1b, 0xac, 0x58,
    0x6c, 0x55, 0xe8, 0x3f, 0xf9, 0x7a, 0x1a, 0xef, 0xfb, 0x3a, 0xf0, 0x0a, 0xdb, 0x22, 0xc6, 0xbb};

static void try_decrypt(const daas_seal_object *o)
{
    daas_seal_derived k;
    daas_buf out;
    daas_err err = {0};
    memcpy(k.object_id, o->services[0].object_id, sizeof k.object_id);
    memcpy(k.usk, G1_GEN, sizeof k.usk);
    daas_buf_init(&out, 0);
    int rc = daas_seal_decrypt(o, &k, 1, NULL, 0, &out, &err);
    if (rc == DAAS_OK || out.len != 0 || (rc != DAAS_EINVAL && rc != DAAS_EUNAUTH) ||
        err.msg[0] == '\0')
        abort();
    daas_buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_seal_object o;
    daas_err err = {0};
    int rc = daas_seal_object_parse(DAAS_BYTES(data, size), &o, &err);
    if (rc != DAAS_OK) {
        if (rc != DAAS_EINVAL || err.msg[0] == '\0' || o.services != NULL || o.id != NULL)
            abort();
        return 0;
    }
    daas_buf enc;
    daas_buf_init(&enc, 0);
    if (daas_seal_object_encode(&o, &enc, NULL) != DAAS_OK || enc.len != size ||
        memcmp(enc.data, data, size) != 0)
        abort();
    daas_buf_fini(&enc);
    try_decrypt(&o);
    daas_seal_object_fini(&o);
    return 0;
}
