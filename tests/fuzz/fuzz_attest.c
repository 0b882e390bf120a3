/*
 * fuzz_attest.c: the attestation document parser and verifier (enclave/attest_*.c) from
 * arbitrary bytes.
 *
 * Owns:   nothing beyond one input's document, freed before returning.
 * Input:  the whole input as a document (raw CBOR).
 * Checks: no crash, leak or UB; a failure has a negative code and a non-empty message and
 *         leaves the document zeroed; an accepted document keeps every bound of the format
 *         (non-empty module_id, digest "SHA384", 1..10 cabundle entries of 1..1024 bytes,
 *         PCR values of 32/48/64 bytes, 96-byte signature, slices inside the copy it owns);
 *         the verifier never accepts what the parser refuses, and accepts only with a chain
 *         that ends at the AWS root.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enclave/attest.h"

/* Inside the vectors' validity ranges (fastcrypto-pcr16's), so chains get checked fully. */
#define FUZZ_NOW_MS 1762795380000LL

static void check_failure(int rc, const daas_err *err, const daas_attest_doc *d)
{
    if (rc >= 0 || err->msg[0] == '\0' || memchr(err->msg, '\0', sizeof err->msg) == NULL ||
        d->_raw != NULL || d->module_id != NULL)
        abort();
}

static void check_slice(const daas_attest_doc *d, daas_bytes b, size_t min, size_t max)
{
    if (b.len < min || b.len > max)
        abort();
    if (b.len > 0 && (b.ptr < d->_raw || b.ptr + b.len > d->_raw + d->_raw_len))
        abort();
}

static void check_doc(const daas_attest_doc *d)
{
    if (d->module_id == NULL || d->module_id[0] == '\0' || strcmp(d->digest, "SHA384") != 0 ||
        d->ncabundle < 1 || d->ncabundle > DAAS_ATTEST_MAX_CABUNDLE)
        abort();
    check_slice(d, d->certificate, 1, DAAS_ATTEST_MAX_CERT);
    for (size_t i = 0; i < d->ncabundle; i++)
        check_slice(d, d->cabundle[i], 1, DAAS_ATTEST_MAX_CERT);
    check_slice(d, d->signature, DAAS_ATTEST_SIG_LEN, DAAS_ATTEST_SIG_LEN);
    check_slice(d, d->payload, 1, DAAS_ATTEST_MAX_PAYLOAD);
    check_slice(d, d->protected_hdr, 4, 4);
    if (d->has_public_key)
        check_slice(d, d->public_key, 0, 1024);
    if (d->has_user_data)
        check_slice(d, d->user_data, 0, 512);
    if (d->has_nonce)
        check_slice(d, d->nonce, 0, 512);
    for (int i = 0; i < DAAS_ATTEST_MAX_PCRS; i++)
        if (d->pcrs[i].present && d->pcrs[i].len != 32 && d->pcrs[i].len != 48 &&
            d->pcrs[i].len != 64)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    daas_attest_doc d = {0};
    daas_err err = {0};
    int prc = daas_attest_parse(data, size, &d, &err);
    if (prc != DAAS_OK)
        check_failure(prc, &err, &d);
    else
        check_doc(&d);
    daas_attest_doc_fini(&d);

    daas_attest_policy pol = {.now_ms = FUZZ_NOW_MS, .allow_debug = true};
    daas_err_clear(&err);
    int vrc = daas_attest_verify(data, size, &pol, &d, &err);
    if (vrc != DAAS_OK) {
        check_failure(vrc, &err, &d);
        return 0;
    }
    daas_bytes root = daas_attest_aws_root();
    if (prc != DAAS_OK || d.cabundle[0].len != root.len ||
        memcmp(d.cabundle[0].ptr, root.ptr, root.len) != 0)
        abort();
    check_doc(&d);
    daas_attest_doc_fini(&d);
    return 0;
}
