/*
 * fuzz_seal_fetch_req.c: the Seal fetch_key request parser (seal/proto.c) from arbitrary
 * bytes, and the error-reply and response parsers a client runs on a key server's answer.
 *
 * Owns:   nothing across inputs.
 * Input:  the whole input as a request body (and as a reply body).
 * Checks: no crash, leak or UB; a refusal is DAAS_EINVAL or DAAS_ETOOBIG with a message; an
 *         accepted request renders to JSON that parses again to the same rendering (a fixed
 *         point), and its RequestFormat and personal message can be built.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "seal/proto.h"

static void check_request(const uint8_t *data, size_t size)
{
    daas_seal_fetch_req r, r2;
    daas_buf b, b2, m;
    daas_err err = {0};
    int rc = daas_seal_fetch_req_parse(DAAS_BYTES(data, size), &r, &err);

    if (rc != DAAS_OK) {
        fuzz_check_refusal(rc, &err);
        if (r.ptb != NULL || r.cert.signature != NULL || r.cert.mvr_name != NULL)
            abort();
        return;
    }
    daas_buf_init(&b, 0);
    daas_buf_init(&b2, 0);
    daas_buf_init(&m, 0);
    if (daas_seal_fetch_req_render(&r, &b, &err) != DAAS_OK)
        abort();
    if (daas_seal_fetch_req_parse(DAAS_BYTES(b.data, b.len), &r2, &err) != DAAS_OK)
        abort();
    if (daas_seal_fetch_req_render(&r2, &b2, &err) != DAAS_OK)
        abort();
    fuzz_check_same(&b2, (const uint8_t *)b.data, b.len);
    if (daas_seal_request_format(DAAS_BYTES(r.ptb, r.ptb_len), r.enc_key, r.enc_vk, &m, &err) !=
        DAAS_OK)
        abort();
    daas_buf_reset(&m);
    rc = daas_seal_personal_message(r.cert.user, r.cert.mvr_name, r.cert.ttl_min,
                                    r.cert.creation_time, r.cert.session_vk, &m, &err);
    if (rc != DAAS_OK && rc != DAAS_EINVAL)
        abort();
    daas_seal_fetch_req_fini(&r);
    daas_seal_fetch_req_fini(&r2);
    daas_buf_fini(&b);
    daas_buf_fini(&b2);
    daas_buf_fini(&m);
}

static void check_replies(const uint8_t *data, size_t size)
{
    daas_seal_fetch_resp resp;
    daas_seal_errcode code;
    char msg[64];
    uint8_t id[32], pop[48];
    daas_err err = {0};

    if (daas_seal_fetch_resp_parse(DAAS_BYTES(data, size), &resp, &err) == DAAS_OK) {
        if (resp.nkeys > DAAS_SEAL_MAX_COMMANDS)
            abort();
        daas_seal_fetch_resp_fini(&resp);
    } else if (resp.keys != NULL) {
        abort();
    }
    daas_err_clear(&err);
    if (daas_seal_error_parse(DAAS_BYTES(data, size), &code, msg, sizeof msg, &err) == DAAS_OK &&
        strlen(msg) >= sizeof msg)
        abort();
    daas_err_clear(&err);
    if (daas_seal_service_parse(DAAS_BYTES(data, size), id, pop, &err) != DAAS_OK &&
        err.msg[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_request(data, size);
    check_replies(data, size);
    return 0;
}
