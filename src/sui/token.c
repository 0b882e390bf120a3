/*
 * token.c: the wallet-signed bearer token (make, parse, verify). The format is described
 * once, in token.h.
 *
 * Owns:   the message text, its two base64url encodings, the nonce.
 * Not:    expiry and replay policy, cluster matching, stake (api/authn_sui.c).
 * Invariants:
 *   - parsing accepts exactly the strings daas_sui_token_make can produce (canonical
 *     base64url, lowercase hex, no leading zeros), so one (message, signature) pair has one
 *     token string and a replay cache keyed on the token cannot be dodged by re-encoding;
 *   - no message built here contains token bytes.
 * Spec:   ARCHITECTURE.md §3.1; specs/sui.md §3.
 */
#include "sui/token.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

#define MSG_HEAD "daas-auth:v1:"
#define EXPIRY_MAX_DIGITS 15 /* 10^15 ms is the year 33658: no overflow anywhere */
#define EXPIRY_MAX ((int64_t)999999999999999)

bool daas_sui_token_cluster_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || n >= DAAS_SUI_CLUSTER_ID_MAX)
            return false;
    }
    return n > 0;
}

/* ---- make ---- */

/* Writes the message text for (cluster, addr, expiry, nonce) into out. */
static size_t format_message(const char *cluster_id, const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                             int64_t expiry_ms, const uint8_t nonce[DAAS_SUI_NONCE_LEN],
                             char out[DAAS_SUI_TOKEN_MSG_MAX + 1])
{
    char ahex[DAAS_SUI_ADDRESS_HEX_LEN + 1], nhex[2 * DAAS_SUI_NONCE_LEN + 1];
    daas_sui_address_hex(addr, ahex);
    daas_hex_encode(nonce, DAAS_SUI_NONCE_LEN, nhex);
    int n = snprintf(out, DAAS_SUI_TOKEN_MSG_MAX + 1, MSG_HEAD "%s:%s:%" PRId64 ":%s", cluster_id,
                     ahex, expiry_ms, nhex);
    return n > 0 ? (size_t)n : 0;
}

int daas_sui_token_make(const daas_sui_key *k, const char *cluster_id, int64_t now_ms,
                        int64_t ttl_ms, char **token_out, int64_t *expiry_ms_out, daas_err *err)
{
    uint8_t addr[DAAS_SUI_ADDRESS_LEN], nonce[DAAS_SUI_NONCE_LEN], digest[DAAS_SUI_DIGEST_LEN];
    uint8_t sig[DAAS_SUI_SERSIG_MAX];
    char msg[DAAS_SUI_TOKEN_MSG_MAX + 1];
    size_t siglen = 0;

    *token_out = NULL;
    if (!daas_sui_token_cluster_id_ok(cluster_id))
        return daas_fail(err, DAAS_EINVAL,
                         "cluster id must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    if (ttl_ms <= 0 || now_ms <= 0 || ttl_ms > EXPIRY_MAX - now_ms)
        return daas_fail(err, DAAS_EINVAL, "token lifetime out of range");
    int64_t expiry = now_ms + ttl_ms;
    daas_sui_key_address(k, addr);
    daas_random(nonce, sizeof nonce);
    size_t mlen = format_message(cluster_id, addr, expiry, nonce, msg);
    daas_sui_personal_message_digest(DAAS_BYTES(msg, mlen), digest);
    int rc = daas_sui_sign_digest(k, digest, sig, &siglen, err);
    if (rc != DAAS_OK)
        return rc;
    char *m64 = daas_base64url_encode(msg, mlen);
    char *s64 = daas_base64url_encode(sig, siglen);
    *token_out = daas_xasprintf(DAAS_SUI_TOKEN_PREFIX "%s.%s", m64, s64);
    daas_free(m64);
    daas_free(s64);
    if (expiry_ms_out != NULL)
        *expiry_ms_out = expiry;
    return DAAS_OK;
}

/* ---- parse ---- */

static int bad(daas_err *err, const char *what)
{
    return daas_fail(err, DAAS_EINVAL, "token %s", what);
}

/* Decodes the base64url text s[0..n) into out (at most max bytes), accepting only the
 * canonical unpadded encoding: re-encoding the bytes must give s back. */
static int decode_part(const char *s, size_t n, size_t max, daas_buf *out)
{
    if (n == 0 || n > (max + 2) / 3 * 4)
        return DAAS_EINVAL;
    daas_buf_init(out, max);
    if (daas_base64url_decode(s, n, out) != DAAS_OK || out->len == 0)
        return DAAS_EINVAL;
    char *again = daas_base64url_encode(out->data, out->len);
    bool same = strlen(again) == n && memcmp(again, s, n) == 0;
    daas_free(again);
    return same ? DAAS_OK : DAAS_EINVAL;
}

/* Splits m at ':' into exactly n fields (pointers into m, which is modified). */
static bool split_fields(char *m, char **f, int n)
{
    int i = 0;
    f[i++] = m;
    for (char *p = m; *p != '\0'; p++) {
        if (*p != ':')
            continue;
        if (i == n)
            return false;
        *p = '\0';
        f[i++] = p + 1;
    }
    return i == n;
}

static bool is_lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void hex_decode(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(daas_hexval(s[2 * i]) << 4 | daas_hexval(s[2 * i + 1]));
}

static int parse_expiry(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    int64_t v = 0;
    if (n == 0 || n > EXPIRY_MAX_DIGITS || s[0] == '0')
        return DAAS_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return DAAS_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return DAAS_OK;
}

/* Parses the message text (t->msg, t->msg_len) into t's fields. */
static int parse_message(daas_sui_token *t, daas_err *err)
{
    char copy[DAAS_SUI_TOKEN_MSG_MAX + 1], *f[6];
    if (memchr(t->msg, '\0', t->msg_len) != NULL)
        return bad(err, "message holds a NUL byte");
    memcpy(copy, t->msg, t->msg_len + 1);
    if (!split_fields(copy, f, 6))
        return bad(err, "message does not have 6 ':'-separated fields");
    if (strcmp(f[0], "daas-auth") != 0 || strcmp(f[1], "v1") != 0)
        return bad(err, "message does not start with daas-auth:v1:");
    if (!daas_sui_token_cluster_id_ok(f[2]))
        return bad(err, "cluster id is not 1 to 64 characters of A-Z a-z 0-9 . _ -");
    snprintf(t->cluster_id, sizeof t->cluster_id, "%s", f[2]);
    if (strncmp(f[3], "0x", 2) != 0 || !is_lower_hex(f[3] + 2, 2 * DAAS_SUI_ADDRESS_LEN))
        return bad(err, "address is not 0x and 64 lowercase hex digits");
    hex_decode(f[3] + 2, t->address, DAAS_SUI_ADDRESS_LEN);
    if (parse_expiry(f[4], &t->expiry_ms) != DAAS_OK)
        return bad(err, "expiry is not a decimal millisecond time");
    if (!is_lower_hex(f[5], 2 * DAAS_SUI_NONCE_LEN))
        return bad(err, "nonce is not 32 lowercase hex digits");
    hex_decode(f[5], t->nonce, DAAS_SUI_NONCE_LEN);
    return DAAS_OK;
}

int daas_sui_token_parse(const char *tok, size_t len, daas_sui_token *out, daas_err *err)
{
    static const size_t plen = sizeof DAAS_SUI_TOKEN_PREFIX - 1;
    daas_buf m = {0}, s = {0};
    daas_err ignored = {0};
    int rc;

    memset(out, 0, sizeof *out);
    if (len > DAAS_SUI_TOKEN_MAX)
        return bad(err, "is longer than 1024 bytes");
    if (len < plen || memcmp(tok, DAAS_SUI_TOKEN_PREFIX, plen) != 0)
        return bad(err, "does not start with " DAAS_SUI_TOKEN_PREFIX);
    const char *p = tok + plen, *end = tok + len;
    const char *dot = memchr(p, '.', (size_t)(end - p));
    if (dot == NULL || memchr(dot + 1, '.', (size_t)(end - dot - 1)) != NULL)
        return bad(err, "does not have exactly two parts after the prefix");
    if (decode_part(p, (size_t)(dot - p), DAAS_SUI_TOKEN_MSG_MAX, &m) != DAAS_OK) {
        rc = bad(err, "message part is not canonical unpadded base64url of at most 256 bytes");
        goto out;
    }
    if (decode_part(dot + 1, (size_t)(end - dot - 1), DAAS_SUI_SERSIG_MAX, &s) != DAAS_OK) {
        rc = bad(err, "signature part is not canonical unpadded base64url of at most 98 bytes");
        goto out;
    }
    memcpy(out->msg, m.data, m.len);
    out->msg[m.len] = '\0';
    out->msg_len = m.len;
    rc = parse_message(out, err);
    if (rc == DAAS_OK && daas_sui_sig_parse(DAAS_BYTES(s.data, s.len), &out->sig, &ignored) !=
                             DAAS_OK)
        rc = bad(err, "signature is not flag || signature || public key of a known scheme");
out:
    daas_buf_fini(&m);
    daas_buf_fini(&s);
    if (rc != DAAS_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- verify ---- */

int daas_sui_token_verify(const daas_sui_token *t, daas_err *err)
{
    uint8_t digest[DAAS_SUI_DIGEST_LEN], signer[DAAS_SUI_ADDRESS_LEN];
    daas_err ignored = {0};

    daas_sui_personal_message_digest(DAAS_BYTES(t->msg, t->msg_len), digest);
    if (daas_sui_verify_digest(&t->sig, digest, signer, &ignored) != DAAS_OK)
        return daas_fail(err, DAAS_EUNAUTH, "token signature does not verify");
    if (memcmp(signer, t->address, DAAS_SUI_ADDRESS_LEN) != 0) {
        char a[DAAS_SUI_ADDRESS_HEX_LEN + 1], b[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_sui_address_hex(signer, a);
        daas_sui_address_hex(t->address, b);
        return daas_fail(err, DAAS_EUNAUTH, "token is signed by %s, not by %s", a, b);
    }
    return DAAS_OK;
}
