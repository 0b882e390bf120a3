/*
 * fuzz_sui_token.c: the wallet token parser (sui/token.c) and the Sui authenticator
 * (api/authn_sui.c) from arbitrary bytes.
 *
 * Owns:   one authenticator for the whole run (its caches are bounded), freed at exit.
 * Input:  the whole input as a token string.
 * Checks: no crash, leak or UB; a failure has a negative code and a non-empty message that
 *         does not hold the token's encoded parts; an accepted token is canonical (encoding
 *         its message and signature again gives the input back) and holds only checked
 *         fields; a token that verifies names its signer's address; the authenticator never
 *         accepts a token the parser or the verifier refuses, and when it accepts, the user
 *         is "sui:<the token's address>".
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn_sui.h"
#include "common/util.h"
#include "sui/token.h"

static int64_t fake_now;

static int64_t clock_fn(void)
{
    return fake_now;
}

static int stake_lookup(void *self, const uint8_t addr[32], daas_stake_info *out, daas_err *err)
{
    (void)self;
    out->role = addr[0] % 5; /* every role, and a failure, depending on the address */
    out->amount = addr[1];
    out->slashed = addr[2] == 0xff;
    if (addr[3] == 0xee)
        return daas_fail(err, DAAS_EREMOTE, "chain unreachable");
    return DAAS_OK;
}

static daas_authn_sui *auth;

static void free_auth(void)
{
    daas_authn_sui_free(&auth);
}

/* Whether s[0..n) is a run of the base64url alphabet that is not hex (addresses, which
 * messages may name, are hex). */
static bool telling_run(const char *s, size_t n)
{
    bool non_hex = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_';
        if (!b64)
            return false;
        non_hex |= daas_hexval(c) < 0 && c != 'x';
    }
    return non_hex;
}

static void check_failure(int rc, const daas_err *err, const char *tok, size_t len)
{
    if (rc >= 0 || err->msg[0] == '\0' || memchr(err->msg, '\0', sizeof err->msg) == NULL)
        abort();
    if (strncmp(err->msg, "token is for cluster ", 21) == 0)
        return; /* names the (checked) cluster id, which is the token's own text */
    /* no 12-character base64 run of the token after its prefix appears in the message */
    for (size_t i = 12; i + 12 <= len; i++) {
        char probe[13];
        memcpy(probe, tok + i, 12);
        probe[12] = '\0';
        if (telling_run(probe, 12) && strstr(err->msg, probe) != NULL)
            abort();
    }
}

/* An accepted token is canonical: its parts encode back to exactly the input. */
static void check_canonical(const daas_sui_token *t, const char *tok, size_t len)
{
    uint8_t raw[DAAS_SUI_SERSIG_MAX];
    raw[0] = t->sig.pub.scheme;
    memcpy(raw + 1, t->sig.sig, DAAS_SUI_SIG_LEN);
    memcpy(raw + 1 + DAAS_SUI_SIG_LEN, t->sig.pub.bytes, t->sig.pub.len);
    char *m = daas_base64url_encode(t->msg, t->msg_len);
    char *s = daas_base64url_encode(raw, 1 + DAAS_SUI_SIG_LEN + t->sig.pub.len);
    char *again = daas_xasprintf(DAAS_SUI_TOKEN_PREFIX "%s.%s", m, s);
    if (strlen(again) != len || memcmp(again, tok, len) != 0 ||
        !daas_sui_token_cluster_id_ok(t->cluster_id) || t->expiry_ms <= 0)
        abort();
    daas_free(m);
    daas_free(s);
    daas_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (auth == NULL) {
        daas_authn_sui_opts o = {.cluster_id = "fuzz",
                                 .source = {stake_lookup, NULL},
                                 .max_live_tokens = 64,
                                 .max_stake_entries = 64,
                                 .now_ms = clock_fn};
        if (daas_authn_sui_new(&o, &auth, NULL) != DAAS_OK)
            abort();
        atexit(free_auth);
    }
    char *tok = daas_xstrndup((const char *)data, size);
    size_t len = strlen(tok);
    daas_sui_token t;
    daas_err err = {0};
    int prc = daas_sui_token_parse(tok, len, &t, &err);
    int vrc = DAAS_EINVAL;
    if (prc != DAAS_OK) {
        check_failure(prc, &err, tok, len);
    } else {
        check_canonical(&t, tok, len);
        daas_err_clear(&err);
        vrc = daas_sui_token_verify(&t, &err);
        if (vrc == DAAS_OK) {
            uint8_t a[32];
            daas_sui_pubkey_address(&t.sig.pub, a);
            if (memcmp(a, t.address, 32) != 0)
                abort();
        } else {
            check_failure(vrc, &err, tok, len);
        }
        fake_now = t.expiry_ms - 60000; /* inside the window when the expiry allows it */
    }
    daas_user u;
    daas_err_clear(&err);
    int arc = daas_authn_sui_check(auth, tok, len, &u, &err);
    if (arc == DAAS_OK) {
        char a[DAAS_SUI_ADDRESS_HEX_LEN + 1], want[80];
        if (prc != DAAS_OK || vrc != DAAS_OK)
            abort();
        daas_sui_address_hex(t.address, a);
        snprintf(want, sizeof want, "sui:%s", a);
        if (strcmp(u.name, want) != 0 || strcmp(t.cluster_id, "fuzz") != 0)
            abort();
    } else if (arc != DAAS_ENOTFOUND) {
        check_failure(arc, &err, tok, len);
    }
    daas_free(tok);
    return 0;
}
