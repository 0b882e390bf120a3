/*
 * fetch.c: POST /v1/fetch_key after the body parsed: the checks of specs/seal.md §6.7 in
 * their order, then one derived key per command, ElGamal-encrypted to the request's key.
 *
 * Owns:   nothing; derived keys live on the stack only while they are encrypted and are
 *         wiped before return.
 * Invariants:
 *   - no key is derived before every check passed;
 *   - the identity is always first package id || inner id (never the called version's id);
 *   - details put into errors name what failed, never signature or key bytes.
 * Spec:   specs/seal.md §6.5, §6.6, §6.7, §6.9.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/log.h"
#include "keyserver/ks_int.h"
#include "sui/sui.h"

#define MOD "keyserver"

/* SPEC: specs/seal.md §6.7 step 6: ttl within the maximum, not created in the future (no
 * tolerance), not expired. */
static bool cert_time_ok(const daas_ks *ks, const daas_seal_certificate *c)
{
    uint64_t now = (uint64_t)daas_ks__now(ks);
    uint64_t ttl_ms = (uint64_t)c->ttl_min * 60000u;
    uint16_t max = ks->cfg.ttl_max_min != 0 ? ks->cfg.ttl_max_min : DAAS_SEAL_TTL_MAX_MIN;

    if (c->ttl_min > max || c->creation_time > now)
        return false;
    return now - c->creation_time <= ttl_ms;
}

/* Step 7: the user's wallet signed the §6.5 text naming the first package id. */
static bool user_sig_ok(daas_ks *ks, const daas_seal_certificate *c, const uint8_t first[32])
{
    uint8_t signer[DAAS_SUI_ADDRESS_LEN];
    daas_buf msg;
    int rc;
    bool ok;

    daas_buf_init(&msg, 0);
    rc = daas_seal_personal_message(first, c->mvr_name, c->ttl_min, c->creation_time, c->session_vk,
                                    &msg, NULL);
    daas_bytes m = DAAS_BYTES(msg.data, msg.len);
    ok = rc == DAAS_OK && daas_ks__cert_seen(ks, m, c->signature, c->user);
    if (rc == DAAS_OK && !ok) {
        rc = daas_sui_verify_personal_message(c->signature, m, signer, NULL);
        ok = rc == DAAS_OK && memcmp(signer, c->user, DAAS_SUI_ADDRESS_LEN) == 0;
        if (ok)
            daas_ks__cert_ok(ks, m, c->signature, c->user);
    }
    daas_buf_fini(&msg);
    return ok;
}

/* Step 8: the session key signed RequestFormat (pure Ed25519, no intent). */
static bool session_sig_ok(const daas_seal_fetch_req *r)
{
    daas_buf m;
    bool ok;

    daas_buf_init(&m, 0);
    ok = daas_seal_request_format(DAAS_BYTES(r->ptb, r->ptb_len), r->enc_key, r->enc_vk, &m,
                                  NULL) == DAAS_OK &&
         crypto_sign_verify_detached(r->request_signature, (const unsigned char *)m.data, m.len,
                                     r->cert.session_vk) == 0;
    daas_buf_fini(&m);
    return ok;
}

/* Step 10: one key per command, in PTB order. */
static int derive_all(daas_ks *ks, const daas_ks__ptb *p, const uint8_t first[32],
                      const uint8_t enc_key[DAAS_SEAL_G1_RAW_LEN], daas_buf *out, daas_err *err)
{
    daas_seal_key_reply *keys = daas_xcalloc(p->nids, sizeof *keys);
    uint8_t usk[DAAS_SEAL_G1_RAW_LEN];
    int rc = DAAS_OK;

    for (size_t i = 0; i < p->nids && rc == DAAS_OK; i++) {
        keys[i].id_len = DAAS_SEAL_ADDR_LEN + p->ids[i].len;
        keys[i].id = daas_xmalloc(keys[i].id_len);
        memcpy(keys[i].id, first, DAAS_SEAL_ADDR_LEN);
        if (p->ids[i].len > 0)
            memcpy(keys[i].id + DAAS_SEAL_ADDR_LEN, p->ids[i].ptr, p->ids[i].len);
        rc = daas_ks__usk(ks, first, p->ids[i], usk, err);
        if (rc == DAAS_OK)
            rc = daas_seal_elgamal_encrypt_raw(enc_key, usk, keys[i].c1, keys[i].c2, err);
        daas_seal_wipe(usk, sizeof usk);
    }
    if (rc == DAAS_OK)
        rc = daas_seal_fetch_resp_render(keys, p->nids, out, err);
    for (size_t i = 0; i < p->nids; i++)
        daas_free(keys[i].id);
    daas_free(keys);
    return rc;
}

daas_seal_errcode daas_ks__fetch(daas_ks *ks, const daas_seal_fetch_req *r,
                                 const uint8_t ek[DAAS_SEAL_G1_RAW_LEN], daas_buf *out,
                                 uint8_t pkg_out[DAAS_SEAL_ADDR_LEN], char *detail,
                                 size_t detail_sz)
{
    daas_ks__ptb p;
    uint8_t first[DAAS_SEAL_ADDR_LEN];
    daas_seal_errcode e = DAAS_SEAL_E_NONE;
    daas_err err = {0};
    int rc;

    if (daas_ks__ptb_check(DAAS_BYTES(r->ptb, r->ptb_len), &p, &err) != DAAS_OK) {
        snprintf(detail, detail_sz, "%s", err.msg);
        return DAAS_SEAL_E_INVALID_PTB;
    }
    memcpy(pkg_out, p.pkg, DAAS_SEAL_ADDR_LEN);
    rc = daas_ks__first_pkg(ks, p.pkg, first, &err);
    if (rc == DAAS_ENOTFOUND)
        e = DAAS_SEAL_E_INVALID_PACKAGE;
    else if (rc != DAAS_OK)
        e = DAAS_SEAL_E_FAILURE;
    else if (r->cert.mvr_name != NULL)
        e = DAAS_SEAL_E_INVALID_MVR_NAME; /* no MVR registry on the chains daas serves */
    else if (!cert_time_ok(ks, &r->cert))
        e = DAAS_SEAL_E_INVALID_CERTIFICATE;
    else if (!user_sig_ok(ks, &r->cert, first))
        e = DAAS_SEAL_E_INVALID_SIGNATURE;
    else if (!session_sig_ok(r))
        e = DAAS_SEAL_E_INVALID_SESSION_SIGNATURE;
    else
        e = daas_ks__dry_run(ks, &p, r->cert.user, detail, detail_sz);
    if (e == DAAS_SEAL_E_FAILURE && rc != DAAS_OK)
        DAAS_WARN(MOD, "package lookup: %s", err.msg);
    if (e == DAAS_SEAL_E_NONE && derive_all(ks, &p, first, ek, out, &err) != DAAS_OK) {
        DAAS_ERROR(MOD, "deriving keys: %s", err.msg);
        e = DAAS_SEAL_E_FAILURE;
    }
    if (e == DAAS_SEAL_E_NONE)
        atomic_fetch_add_explicit(&ks->stats.keys, p.nids, memory_order_relaxed);
    daas_ks__ptb_fini(&p);
    return e;
}
