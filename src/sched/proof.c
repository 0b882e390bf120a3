/*
 * proof.c: the daas.io/schedule-proof annotation: rendering, strict parsing and the check an
 *          agent runs on a pod bound to it.
 *
 * Owns:   the annotation's text format and the order of the check's conditions.
 * Not:    signing and verifying bytes (decision.c), the spec digest (kube.c), trust in keys
 *         (the caller passes the registered ones).
 * Invariants:
 *   - nothing from an unverified proof is reported before the key and signature check,
 *     except that it failed to parse;
 *   - every failure of the check is DAAS_EDENIED with exactly one reason (proof.h).
 * Spec:   proof.h; ARCHITECTURE.md §3.3 steps 4-5.
 */
#include <stdarg.h>
#include <string.h>

#include "common/util.h"
#include "sched/kube.h"
#include "sched/proof.h"
#include "sched/sched_int.h"

/* Longest BCS(Decision): two names of MAX_STR (+ ULEB length), two digests, three u64. */
#define DECISION_MAX (2 * (DAAS_SCHED_MAX_STR + 3) + 2 * (DAAS_SCHED_DIGEST_LEN + 1) + 3 * 8)

/* Lowercase hex digit value or -1 (uppercase is refused: one spelling per proof). */
static int lower_hexval(char c)
{
    return (c >= 'A' && c <= 'F') ? -1 : daas_hexval((unsigned char)c);
}

/* Decodes exactly n bytes from the 2n lowercase hex digits of s (of length slen). */
bool daas_sched__hex_get(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = lower_hexval(s[2 * i]), lo = lower_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Contract in proof.h. */
int daas_sched_proof_format(const daas_sched_decision *d, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                            const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN],
                            const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], char **out, daas_err *err)
{
    daas_buf bcs, txt;
    char sig_hex[2 * DAAS_SCHED_SIG_LEN + 1], enc_hex[2 * DAAS_SCHED_ENCLAVE_ID_LEN + 1];
    char pk_hex[2 * DAAS_SCHED_PUBKEY_LEN + 1], dec_hex[2 * DECISION_MAX + 1];
    *out = NULL;
    daas_buf_init(&bcs, DECISION_MAX);
    daas_buf_init(&txt, DAAS_SCHED_PROOF_MAX_LEN);
    int rc = daas_sched_decision_encode(d, &bcs, err);
    if (rc == DAAS_OK) {
        daas_hex_encode((const uint8_t *)bcs.data, bcs.len, dec_hex);
        daas_hex_encode(sig, DAAS_SCHED_SIG_LEN, sig_hex);
        daas_hex_encode(enclave, DAAS_SCHED_ENCLAVE_ID_LEN, enc_hex);
        daas_hex_encode(pk, DAAS_SCHED_PUBKEY_LEN, pk_hex);
        rc = daas_buf_printf(&txt,
                             "{\"v\":1,\"decision\":\"%s\",\"signature\":\"%s\","
                             "\"enclave\":\"0x%s\",\"pk\":\"%s\"}",
                             dec_hex, sig_hex, enc_hex, pk_hex);
        if (rc != DAAS_OK)
            rc = daas_fail(err, rc, "schedule proof: longer than %d bytes",
                           DAAS_SCHED_PROOF_MAX_LEN);
    }
    if (rc == DAAS_OK)
        *out = daas_buf_steal(&txt, NULL);
    daas_buf_fini(&bcs);
    daas_buf_fini(&txt);
    return rc;
}

/* Contract in sched_int.h. */
const char *daas_sched__member(const void *o, const char *key, size_t *len)
{
    const json_t *v = json_object_get(o, key);
    *len = json_string_length(v);
    return json_string_value(v);
}

static int parse_fields(const json_t *o, daas_sched_proof *out, daas_err *err)
{
    size_t n;
    const char *s;
    const json_t *v = json_object_get(o, "v");
    if (json_object_size(o) != 5 || !json_is_integer(v) || json_integer_value(v) != 1)
        return daas_fail(err, DAAS_EINVAL, "want exactly v (1), decision, signature, enclave, pk");
    s = daas_sched__member(o, "signature", &n);
    if (s == NULL || !daas_sched__hex_get(s, n, out->sig, DAAS_SCHED_SIG_LEN))
        return daas_fail(err, DAAS_EINVAL, "signature must be 128 lowercase hex digits");
    s = daas_sched__member(o, "pk", &n);
    if (s == NULL || !daas_sched__hex_get(s, n, out->pk, DAAS_SCHED_PUBKEY_LEN))
        return daas_fail(err, DAAS_EINVAL, "pk must be 64 lowercase hex digits");
    s = daas_sched__member(o, "enclave", &n);
    if (s == NULL || n < 2 || s[0] != '0' || s[1] != 'x' ||
        !daas_sched__hex_get(s + 2, n - 2, out->enclave, DAAS_SCHED_ENCLAVE_ID_LEN))
        return daas_fail(err, DAAS_EINVAL, "enclave must be 0x and 64 lowercase hex digits");
    s = daas_sched__member(o, "decision", &n);
    if (s == NULL || n % 2 != 0 || n == 0 || n > 2 * DECISION_MAX)
        return daas_fail(err, DAAS_EINVAL, "decision must be hex of at most %d bytes",
                         DECISION_MAX);
    uint8_t bcs[DECISION_MAX];
    if (!daas_sched__hex_get(s, n, bcs, n / 2))
        return daas_fail(err, DAAS_EINVAL, "decision must be lowercase hex");
    return daas_sched_decision_decode(DAAS_BYTES(bcs, n / 2), &out->decision, err);
}

/* Contract in proof.h. */
int daas_sched_proof_parse(const char *text, daas_sched_proof *out, daas_err *err)
{
    json_error_t jerr;
    memset(out, 0, sizeof(*out));
    size_t len = strnlen(text, DAAS_SCHED_PROOF_MAX_LEN + 1);
    if (len > DAAS_SCHED_PROOF_MAX_LEN)
        return daas_fail(err, DAAS_EINVAL, "longer than %d bytes", DAAS_SCHED_PROOF_MAX_LEN);
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = json_is_object(o) ? parse_fields(o, out, err)
                               : daas_fail(err, DAAS_EINVAL, "not a JSON object");
    json_decref(o);
    if (rc != DAAS_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- the check ---- */

static int deny(daas_err *err, const char *fmt, ...) DAAS_PRINTF(2, 3);
static int deny(daas_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = daas_vfail(err, DAAS_EDENIED, fmt, ap);
    va_end(ap);
    return rc;
}

/* Contract in proof.h. */
int daas_sched_trusted_check(const daas_sched_trusted_key *keys, size_t n,
                             const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                             const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN], daas_err *err)
{
    static const uint8_t any[DAAS_SCHED_ENCLAVE_ID_LEN];
    char hex[2 * DAAS_SCHED_ENCLAVE_ID_LEN + 1];
    bool known = false;
    for (size_t i = 0; i < n; i++) {
        if (memcmp(keys[i].pk, pk, DAAS_SCHED_PUBKEY_LEN) != 0)
            continue;
        if (memcmp(keys[i].enclave, any, sizeof(any)) == 0 ||
            memcmp(keys[i].enclave, enclave, sizeof(any)) == 0)
            return DAAS_OK;
        known = true;
    }
    if (!known)
        return deny(err, "%s", "enclave key not registered");
    daas_hex_encode(enclave, DAAS_SCHED_ENCLAVE_ID_LEN, hex);
    return deny(err, "enclave key not registered for enclave 0x%s", hex);
}

/* spec.nodeName == node_name == decision.node, and metadata.uid == decision.pod_uid. */
static int binding_check(const json_t *pod, const char *node_name, const daas_sched_proof *p,
                         daas_err *err)
{
    const char *bound =
        json_string_value(json_object_get(json_object_get(pod, "spec"), "nodeName"));
    const char *uid = json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid"));
    if (bound == NULL || bound[0] == '\0')
        return deny(err, "%s", "pod is not bound");
    if (strcmp(bound, node_name) != 0)
        return deny(err, "pod is bound to node %.100s, not %.100s", bound, node_name);
    if (strcmp(p->decision.node, node_name) != 0)
        return deny(err, "proof is for node %.200s", p->decision.node);
    if (uid == NULL || strcmp(p->decision.pod_uid, uid) != 0)
        return deny(err, "proof is for another pod (uid %.180s)", p->decision.pod_uid);
    return DAAS_OK;
}

static int digest_check(const json_t *pod, const daas_sched_proof *p, daas_err *err)
{
    daas_sched_kpod k;
    daas_err e = {0};
    if (daas_sched_kube_pod(pod, &k, &e) != DAAS_OK)
        return deny(err, "pod cannot be checked: %.200s", e.msg);
    bool same = memcmp(k.pod.spec_digest, p->decision.spec_digest, DAAS_SCHED_DIGEST_LEN) == 0;
    daas_sched_kpod_fini(&k);
    return same ? DAAS_OK : deny(err, "%s", "pod spec changed since it was scheduled");
}

/* Contract in proof.h. */
int daas_sched_proof_check(const json_t *pod, const char *node_name,
                           const daas_sched_trusted_key *keys, size_t n, daas_err *err)
{
    daas_sched_proof p;
    daas_err e = {0};
    const json_t *ann = json_object_get(json_object_get(pod, "metadata"), "annotations");
    const json_t *v = json_object_get(ann, DAAS_SCHED_PROOF_ANNOTATION);
    if (v == NULL || json_is_null(v))
        return deny(err, "%s", "no schedule proof");
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return deny(err, "%s", "schedule proof is malformed: not a string");
    if (daas_sched_proof_parse(json_string_value(v), &p, &e) != DAAS_OK)
        return deny(err, "schedule proof is malformed: %.200s", e.msg);
    int rc = daas_sched_trusted_check(keys, n, p.pk, p.enclave, err);
    if (rc == DAAS_OK && daas_sched_decision_verify(&p.decision, p.pk, p.sig, &e) != DAAS_OK)
        rc = deny(err, "%s", "signature does not verify");
    if (rc == DAAS_OK)
        rc = binding_check(pod, node_name, &p, err);
    if (rc == DAAS_OK)
        rc = digest_check(pod, &p, err);
    return rc;
}
