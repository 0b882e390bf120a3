/*
 * fuzz_sui_keys.c: every parser of untrusted bytes in the sui key layer, from arbitrary input:
 * suiprivkey strings (bech32), serialized signatures (raw and base64), public keys, addresses,
 * the CLI keystore JSON and the aliases JSON.
 *
 * Owns:   nothing across runs; every input is parsed, used and freed.
 * Input:  the whole input, as bytes and as a NUL-terminated string (cut at the first NUL).
 * Checks: no crash, leak or UB; a failure has a negative code and a non-empty message; an
 *         accepted suiprivkey re-encodes to the same string (lower-cased); an accepted
 *         signature that verifies names the address of its own public key; an accepted
 *         keystore renders and re-parses to the same keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "sui/sui.h"

static void check_failure(int rc, const daas_err *err)
{
    if (rc >= 0 || err->msg[0] == '\0' || memchr(err->msg, '\0', sizeof(err->msg)) == NULL)
        abort();
}

static void fuzz_privkey(const char *s)
{
    daas_sui_key *k = NULL;
    daas_err err = {0};
    int rc = daas_sui_key_from_privkey(s, &k, &err);
    if (rc != DAAS_OK) {
        check_failure(rc, &err);
        if (k != NULL)
            abort();
        return;
    }
    char out[DAAS_SUI_PRIVKEY_STR_LEN + 1];
    daas_sui_key_to_privkey(k, out);
    if (strlen(s) != DAAS_SUI_PRIVKEY_STR_LEN || strncasecmp(s, out, sizeof(out)) != 0)
        abort();
    daas_sui_key_free(&k);
}

static void check_sig(const daas_sui_sig *sig, const uint8_t digest[32])
{
    uint8_t addr[32], want[32];
    daas_err err = {0};
    int rc = daas_sui_verify_digest(sig, digest, addr, &err);
    if (rc != DAAS_OK) {
        check_failure(rc, &err);
        return;
    }
    daas_sui_pubkey_address(&sig->pub, want);
    if (memcmp(addr, want, 32) != 0)
        abort();
}

static void fuzz_sig(const uint8_t *data, size_t size, const char *s)
{
    daas_sui_sig sig;
    daas_err err = {0};
    uint8_t d[32];
    daas_sui_personal_message_digest(DAAS_BYTES(data, size), d);
    int rc = daas_sui_sig_parse(DAAS_BYTES(data, size), &sig, &err);
    if (rc == DAAS_OK)
        check_sig(&sig, d);
    else
        check_failure(rc, &err);
    daas_err_clear(&err);
    rc = daas_sui_sig_parse_base64(s, &sig, &err);
    if (rc == DAAS_OK)
        check_sig(&sig, d);
    else
        check_failure(rc, &err);
    daas_err_clear(&err);
    rc = daas_sui_verify_transaction(s, DAAS_BYTES(data, size), NULL, &err);
    if (rc != DAAS_OK)
        check_failure(rc, &err);
}

static void fuzz_small(const char *s)
{
    daas_sui_pubkey pk;
    uint8_t addr[32];
    daas_err err = {0};
    int rc = daas_sui_pubkey_from_base64(s, &pk, &err);
    if (rc != DAAS_OK)
        check_failure(rc, &err);
    else if (pk.len != (pk.scheme == DAAS_SUI_ED25519 ? 32 : 33))
        abort();
    daas_err_clear(&err);
    rc = daas_sui_address_parse(s, addr, &err);
    if (rc != DAAS_OK)
        check_failure(rc, &err);
}

static void check_render(const daas_sui_keystore *ks)
{
    size_t len = 0;
    char *text = daas_sui_keystore_render(ks, &len);
    daas_sui_keystore *again = NULL;
    if (daas_sui_keystore_parse(text, len, &again, NULL) != DAAS_OK)
        abort();
    if (daas_sui_keystore_count(again) != daas_sui_keystore_count(ks))
        abort();
    for (size_t i = 0; i < daas_sui_keystore_count(ks); i++)
        if (!daas_sui_key_equal(daas_sui_keystore_key(ks, i), daas_sui_keystore_key(again, i)))
            abort();
    char *al = daas_sui_keystore_render_aliases(ks, &len);
    if (daas_sui_keystore_parse_aliases(again, al, len, NULL) != DAAS_OK)
        abort();
    daas_free(al);
    daas_free(text);
    daas_sui_keystore_free(&again);
}

static void fuzz_keystore(const uint8_t *data, size_t size)
{
    daas_sui_keystore *ks = NULL;
    daas_err err = {0};
    int rc = daas_sui_keystore_parse((const char *)data, size, &ks, &err);
    if (rc != DAAS_OK) {
        check_failure(rc, &err);
        if (ks != NULL)
            abort();
        ks = daas_sui_keystore_new();
    } else {
        check_render(ks);
    }
    daas_err_clear(&err);
    rc = daas_sui_keystore_parse_aliases(ks, (const char *)data, size, &err);
    if (rc != DAAS_OK)
        check_failure(rc, &err);
    daas_sui_keystore_free(&ks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = daas_xstrndup((const char *)data, size);
    fuzz_privkey(s);
    fuzz_sig(data, size, s);
    fuzz_small(s);
    fuzz_keystore(data, size);
    daas_free(s);
    return 0;
}
