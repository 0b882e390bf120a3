/*
 * admission.c: signed admission decisions: intent-4 signing bytes, the split of the enclave's
 *              /sched/admit body, and the daas.io/admission-proof annotation (rendering,
 *              strict parsing, the agent's check).
 *
 * Owns:   the annotation's text format and the order of the check's conditions.
 * Not:    the policy, its BCS and its evaluation (policy*.c), trust in keys (the caller).
 * Invariants:
 *   - every failure of the check is DAAS_EDENIED with exactly one reason (admission.h);
 *   - nothing from an unverified proof is reported before the key and signature checks,
 *     except that it failed to parse;
 *   - the split walker only finds where the request ends; strict decoding is the caller's.
 * Spec:   admission.h; policy.h "Wire format"; sched.h "Decisions".
 */
#include <stdarg.h>
#include <string.h>

#include <sodium.h>

#include "common/util.h"
#include "sched/admission.h"
#include "sched/sched_int.h"
#include "sui/bcs.h"

#define MAX_STR DAAS_SCHED_POLICY_MAX_STR
#define HEAD_LEN 9 /* intent + timestamp */

/* ---- signing bytes ---- */

/* Contract in admission.h. */
int daas_sched_admission_signing_bytes(uint64_t timestamp_ms, daas_bytes decision_bcs,
                                       daas_buf *out, daas_err *err)
{
    /* SPEC: sched.h "Decisions": intent u8, timestamp_ms u64 LE, then the payload's BCS. */
    int rc = daas_sui_bcs_put_u8(out, DAAS_SCHED_INTENT_ADMISSION);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(out, timestamp_ms);
    if (rc == DAAS_OK && decision_bcs.len > 0)
        rc = daas_sui_bcs_put_fixed(out, decision_bcs.ptr, decision_bcs.len);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_ETOOBIG, "admission: decision of %zu bytes exceeds its buffer",
                         decision_bcs.len);
    return DAAS_OK;
}

static int signing_bytes(uint64_t ts, daas_bytes decision, daas_buf *b, daas_err *err)
{
    daas_buf_init(b, DAAS_SCHED_POLICY_MAX_BYTES + HEAD_LEN);
    return daas_sched_admission_signing_bytes(ts, decision, b, err);
}

/* Contract in admission.h. */
int daas_sched_admission_sign(uint64_t timestamp_ms, daas_bytes decision_bcs,
                              const uint8_t sk[DAAS_SCHED_SECKEY_LEN],
                              uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err)
{
    daas_buf b;
    int rc = signing_bytes(timestamp_ms, decision_bcs, &b, err);
    if (rc == DAAS_OK && sodium_init() < 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "admission: libsodium cannot start");
    if (rc == DAAS_OK && crypto_sign_detached(sig, NULL, (const uint8_t *)b.data, b.len, sk) != 0)
        rc = daas_fail(err, DAAS_ECRYPTO, "admission: Ed25519 signing failed");
    daas_buf_fini(&b);
    return rc;
}

/* Contract in admission.h. */
bool daas_sched_admission_verify(uint64_t timestamp_ms, daas_bytes decision_bcs,
                                 const uint8_t pk[DAAS_SCHED_PUBKEY_LEN],
                                 const uint8_t sig[DAAS_SCHED_SIG_LEN])
{
    daas_buf b;
    bool ok = signing_bytes(timestamp_ms, decision_bcs, &b, NULL) == DAAS_OK &&
              sodium_init() >= 0 &&
              crypto_sign_verify_detached(sig, (const uint8_t *)b.data, b.len, pk) == 0;
    daas_buf_fini(&b);
    return ok;
}

/* Contract in admission.h. */
void daas_sched_admission_leaf(uint64_t timestamp_ms, daas_bytes decision_bcs,
                               uint8_t leaf[DAAS_SCHED_DIGEST_LEN])
{
    uint8_t head[HEAD_LEN], tag = 0x00;
    crypto_generichash_state h;
    head[0] = DAAS_SCHED_INTENT_ADMISSION;
    for (int i = 0; i < 8; i++)
        head[1 + i] = (uint8_t)(timestamp_ms >> (8 * i));
    /* The same bytes as daas_sched_merkle_leaf over the signing bytes, without a copy. */
    crypto_generichash_init(&h, NULL, 0, DAAS_SCHED_DIGEST_LEN);
    crypto_generichash_update(&h, &tag, 1);
    crypto_generichash_update(&h, head, sizeof head);
    crypto_generichash_update(&h, decision_bcs.ptr, decision_bcs.len);
    crypto_generichash_final(&h, leaf, DAAS_SCHED_DIGEST_LEN);
}

/* ---- the /sched/admit body ---- */

static int skip_str(daas_sui_bcs_reader *r, const char *what, daas_err *err)
{
    daas_bytes s;
    return daas_sui_bcs_get_bytes(r, what, MAX_STR, &s, err);
}

static int skip_fixed(daas_sui_bcs_reader *r, const char *what, size_t n, daas_err *err)
{
    const uint8_t *p;
    return daas_sui_bcs_get_fixed(r, what, n, &p, err);
}

/* Option<T> where T is nstr strings after fixed bytes. */
static int skip_opt(daas_sui_bcs_reader *r, const char *what, size_t fixed, int nstr, daas_err *err)
{
    bool some = false;
    int rc = daas_sui_bcs_get_option(r, what, &some, err);
    if (rc == DAAS_OK && some && fixed > 0)
        rc = skip_fixed(r, what, fixed, err);
    for (int i = 0; rc == DAAS_OK && some && i < nstr; i++)
        rc = skip_str(r, what, err);
    return rc;
}

/* vector<T> where T is nstr strings then tail fixed bytes (or, nstr 0, tail bytes only). */
static int skip_vec(daas_sui_bcs_reader *r, const char *what, size_t max, int nstr, size_t tail,
                    daas_err *err)
{
    size_t n = 0;
    int rc = daas_sui_bcs_get_len(r, what, max, (size_t)nstr + tail, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        for (int k = 0; rc == DAAS_OK && k < nstr; k++)
            rc = skip_str(r, what, err);
        if (rc == DAAS_OK && tail > 0)
            rc = skip_fixed(r, what, tail, err);
    }
    return rc;
}

/* SecCtx: Option<bool>, Option<u64>, Option<String> x2, Option<SELinux>, Option<bool>. */
static int skip_secctx(daas_sui_bcs_reader *r, daas_err *err)
{
    int rc = skip_opt(r, "runAsNonRoot", 1, 0, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "runAsUser", 8, 0, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "seccompProfile.type", 0, 1, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "appArmorProfile.type", 0, 1, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "seLinuxOptions", 0, 3, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "hostProcess", 1, 0, err);
    return rc;
}

static int skip_container(daas_sui_bcs_reader *r, daas_err *err)
{
    bool caps = false;
    int rc = skip_fixed(r, "container kind", 1, err);
    if (rc == DAAS_OK)
        rc = skip_str(r, "container name", err);
    if (rc == DAAS_OK)
        rc = skip_str(r, "image", err);
    if (rc == DAAS_OK)
        rc = skip_secctx(r, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "privileged", 1, 0, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "allowPrivilegeEscalation", 1, 0, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_option(r, "capabilities", &caps, err);
    if (rc == DAAS_OK && caps)
        rc = skip_vec(r, "capabilities.add", DAAS_SCHED_POLICY_MAX_LIST, 1, 0, err);
    if (rc == DAAS_OK && caps)
        rc = skip_vec(r, "capabilities.drop", DAAS_SCHED_POLICY_MAX_LIST, 1, 0, err);
    if (rc == DAAS_OK)
        rc = skip_opt(r, "procMount", 0, 1, err);
    if (rc == DAAS_OK)
        rc = skip_vec(r, "hostPorts", DAAS_SCHED_POLICY_MAX_LIST, 0, 4, err);
    if (rc == DAAS_OK)
        rc = skip_fixed(r, "nitro", 1, err);
    return rc;
}

/* Walks AdmissionRequest (policy.h) to its end. */
static int skip_request(daas_sui_bcs_reader *r, daas_err *err)
{
    size_t n = 0;
    int rc = DAAS_OK;
    static const char *const names[] = {"uid", "namespace", "name", "kind"};
    for (size_t i = 0; rc == DAAS_OK && i < 4; i++)
        rc = skip_str(r, names[i], err);
    if (rc == DAAS_OK)
        rc = skip_fixed(r, "levels and owner tier", 4, err);
    if (rc == DAAS_OK)
        rc = skip_secctx(r, err);
    if (rc == DAAS_OK)
        rc = skip_vec(r, "sysctls", DAAS_SCHED_POLICY_MAX_LIST, 1, 0, err);
    if (rc == DAAS_OK)
        rc = skip_fixed(r, "host namespaces and windows", 4, err);
    if (rc == DAAS_OK)
        rc = skip_vec(r, "annotations", DAAS_SCHED_POLICY_MAX_LIST, 2, 0, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_len(r, "volumes", DAAS_SCHED_POLICY_MAX_VOLUMES, 3, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = skip_str(r, "volume name", err);
        if (rc == DAAS_OK)
            rc = skip_fixed(r, "volume source", 1, err);
        if (rc == DAAS_OK)
            rc = skip_str(r, "volume detail", err);
    }
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_len(r, "containers", DAAS_SCHED_POLICY_MAX_CONTAINERS, 20, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++)
        rc = skip_container(r, err);
    return rc;
}

/* Contract in admission.h. */
int daas_sched_admission_split(daas_bytes body, daas_bytes *request, daas_bytes *rules,
                               daas_err *err)
{
    daas_sui_bcs_reader r;
    daas_sui_bcs_reader_init(&r, body);
    int rc = skip_request(&r, err);
    if (rc != DAAS_OK)
        return rc;
    if (r.pos == body.len)
        return daas_fail(err, DAAS_EINVAL, "admission: no cluster rules after the request");
    *request = DAAS_BYTES(body.ptr, r.pos);
    *rules = DAAS_BYTES(body.ptr + r.pos, body.len - r.pos);
    return DAAS_OK;
}

/* ---- the annotation ---- */

static int put_hex(daas_buf *b, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    int rc = DAAS_OK;
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        rc = daas_buf_append(b, two, 2);
    }
    return rc;
}

static int render(daas_bytes req, daas_bytes dec, const uint8_t rules[32], uint64_t ts,
                  const uint8_t *sig, const uint8_t *enclave, const uint8_t *pk, daas_buf *b)
{
    int rc = daas_buf_puts(b, "{\"v\":1,\"request\":\"");
    if (rc == DAAS_OK)
        rc = put_hex(b, req.ptr, req.len);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(b, "\",\"rules\":\"");
    if (rc == DAAS_OK)
        rc = put_hex(b, rules, DAAS_SCHED_POLICY_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(b, "\",\"decision\":\"");
    if (rc == DAAS_OK)
        rc = put_hex(b, dec.ptr, dec.len);
    if (rc == DAAS_OK)
        rc =
            daas_buf_printf(b, "\",\"timestamp_ms\":%llu,\"signature\":\"", (unsigned long long)ts);
    if (rc == DAAS_OK)
        rc = put_hex(b, sig, DAAS_SCHED_SIG_LEN);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(b, "\",\"enclave\":\"0x");
    if (rc == DAAS_OK)
        rc = put_hex(b, enclave, DAAS_SCHED_ENCLAVE_ID_LEN);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(b, "\",\"pk\":\"");
    if (rc == DAAS_OK)
        rc = put_hex(b, pk, DAAS_SCHED_PUBKEY_LEN);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(b, "\"}");
    return rc;
}

/* Contract in admission.h. */
int daas_sched_admission_proof_format(daas_bytes request_bcs, daas_bytes decision_bcs,
                                      uint64_t timestamp_ms, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                      const uint8_t enclave[DAAS_SCHED_ENCLAVE_ID_LEN],
                                      const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], daas_buf *out,
                                      daas_err *err)
{
    daas_sched_policy_request req;
    daas_sched_policy_result dec;
    daas_buf txt;
    if (timestamp_ms > INT64_MAX)
        return daas_fail(err, DAAS_EINVAL, "admission proof: timestamp over 2^63-1");
    int rc = daas_sched_policy_request_decode(request_bcs, &req, err);
    if (rc != DAAS_OK)
        return rc;
    daas_sched_policy_request_fini(&req);
    rc = daas_sched_policy_decision_decode(decision_bcs, &dec, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&txt, DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    rc = render(request_bcs, decision_bcs, dec.rules_digest, timestamp_ms, sig, enclave, pk, &txt);
    if (rc != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "admission proof: longer than %zu bytes",
                       DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    if (rc == DAAS_OK && daas_buf_append(out, txt.data, txt.len) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "admission proof: over the output buffer's cap");
    daas_sched_policy_result_fini(&dec);
    daas_buf_fini(&txt);
    return rc;
}

static int fixed_fields(const json_t *o, daas_sched_admission_proof *p, daas_err *err)
{
    size_t n;
    const char *s;
    const json_t *t = json_object_get(o, "timestamp_ms");
    if (!json_is_integer(t) || json_integer_value(t) < 0)
        return daas_fail(err, DAAS_EINVAL, "timestamp_ms must be a non-negative integer");
    p->timestamp_ms = (uint64_t)json_integer_value(t);
    s = daas_sched__member(o, "signature", &n);
    if (s == NULL || !daas_sched__hex_get(s, n, p->sig, DAAS_SCHED_SIG_LEN))
        return daas_fail(err, DAAS_EINVAL, "signature must be 128 lowercase hex digits");
    s = daas_sched__member(o, "pk", &n);
    if (s == NULL || !daas_sched__hex_get(s, n, p->pk, DAAS_SCHED_PUBKEY_LEN))
        return daas_fail(err, DAAS_EINVAL, "pk must be 64 lowercase hex digits");
    s = daas_sched__member(o, "enclave", &n);
    if (s == NULL || n < 2 || s[0] != '0' || s[1] != 'x' ||
        !daas_sched__hex_get(s + 2, n - 2, p->enclave, DAAS_SCHED_ENCLAVE_ID_LEN))
        return daas_fail(err, DAAS_EINVAL, "enclave must be 0x and 64 lowercase hex digits");
    s = daas_sched__member(o, "rules", &n);
    if (s == NULL || !daas_sched__hex_get(s, n, p->rules_digest, DAAS_SCHED_POLICY_DIGEST_LEN))
        return daas_fail(err, DAAS_EINVAL, "rules must be 64 lowercase hex digits");
    return DAAS_OK;
}

/* Hex member key into dst (room for its bytes), *out the range. */
static int blob(const json_t *o, const char *key, uint8_t *dst, daas_bytes *out, daas_err *err)
{
    size_t n;
    const char *s = daas_sched__member(o, key, &n);
    if (s == NULL || n == 0 || n % 2 != 0 || !daas_sched__hex_get(s, n, dst, n / 2))
        return daas_fail(err, DAAS_EINVAL, "%s must be non-empty lowercase hex", key);
    *out = DAAS_BYTES(dst, n / 2);
    return DAAS_OK;
}

static int parse_fields(const json_t *o, daas_sched_admission_proof *p, daas_err *err)
{
    const json_t *v = json_object_get(o, "v");
    if (json_object_size(o) != 8 || !json_is_integer(v) || json_integer_value(v) != 1)
        return daas_fail(err, DAAS_EINVAL,
                         "want exactly v (1), request, rules, decision, timestamp_ms, signature, "
                         "enclave, pk");
    int rc = fixed_fields(o, p, err);
    if (rc != DAAS_OK)
        return rc;
    size_t nr = json_string_length(json_object_get(o, "request"));
    size_t nd = json_string_length(json_object_get(o, "decision"));
    p->_mem = daas_xmalloc(nr / 2 + nd / 2 + 1);
    rc = blob(o, "request", p->_mem, &p->request, err);
    if (rc == DAAS_OK)
        rc = blob(o, "decision", p->_mem + nr / 2, &p->decision, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_request_decode(p->request, &p->req, err);
    if (rc == DAAS_OK)
        rc = daas_sched_policy_decision_decode(p->decision, &p->dec, err);
    if (rc == DAAS_OK && memcmp(p->dec.rules_digest, p->rules_digest, 32) != 0)
        rc = daas_fail(err, DAAS_EINVAL, "rules is not the decision's rules digest");
    return rc;
}

/* Contract in admission.h. */
int daas_sched_admission_proof_parse(const char *text, daas_sched_admission_proof *out,
                                     daas_err *err)
{
    json_error_t jerr;
    memset(out, 0, sizeof(*out));
    size_t len = strnlen(text, DAAS_SCHED_ADMISSION_PROOF_MAX_LEN + 1);
    if (len > DAAS_SCHED_ADMISSION_PROOF_MAX_LEN)
        return daas_fail(err, DAAS_EINVAL, "longer than %zu bytes",
                         DAAS_SCHED_ADMISSION_PROOF_MAX_LEN);
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = json_is_object(o) ? parse_fields(o, out, err)
                               : daas_fail(err, DAAS_EINVAL, "not a JSON object");
    json_decref(o);
    if (rc != DAAS_OK)
        daas_sched_admission_proof_fini(out);
    return rc;
}

/* Contract in admission.h. */
void daas_sched_admission_proof_fini(daas_sched_admission_proof *p)
{
    daas_sched_policy_request_fini(&p->req);
    daas_sched_policy_result_fini(&p->dec);
    daas_free(p->_mem);
    memset(p, 0, sizeof(*p));
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

static const char *meta_str(const json_t *pod, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(pod, "metadata"), key));
    return s != NULL ? s : "";
}

/* The decision: signed, for this request, allowing, for this pod; the request: for this pod. */
static int decision_check(const json_t *pod, const daas_sched_admission_proof *p, daas_err *err)
{
    uint8_t h[DAAS_SCHED_POLICY_DIGEST_LEN];
    const daas_sched_policy_request *q = &p->req;
    crypto_generichash(h, sizeof h, p->request.ptr, p->request.len, NULL, 0);
    if (!daas_sched_admission_verify(p->timestamp_ms, p->decision, p->pk, p->sig))
        return deny(err, "%s", "admission signature does not verify");
    if (memcmp(h, p->dec.request_digest, sizeof h) != 0)
        return deny(err, "%s", "admission decision is for another request");
    if (!p->dec.allowed)
        return deny(err, "%s", "admission decision denies the pod");
    if (strcmp(p->dec.uid, meta_str(pod, "uid")) != 0)
        return deny(err, "admission decision is for another pod (uid %.180s)", p->dec.uid);
    if (strcmp(q->kind, "Pod") != 0)
        return deny(err, "admission request is for a %.100s, not a Pod", q->kind);
    if (strcmp(q->ns, meta_str(pod, "namespace")) != 0 ||
        strcmp(q->name, meta_str(pod, "name")) != 0 || strcmp(q->uid, meta_str(pod, "uid")) != 0)
        return deny(err, "admission request is for pod %.60s/%.60s (uid %.60s)", q->ns, q->name,
                    q->uid);
    return DAAS_OK;
}

/* The request re-encoded with the view built from this pod must be the signed bytes. */
static int view_check(const json_t *pod, const daas_sched_admission_proof *p, daas_err *err)
{
    daas_sched_policy_request q = p->req;
    daas_buf b;
    daas_err e = {0};
    memset(&q.pod, 0, sizeof q.pod);
    if (daas_sched_policy_view_from_json(pod, &q.pod, &e) != DAAS_OK)
        return deny(err, "pod cannot be checked: %.200s", e.msg);
    daas_buf_init(&b, DAAS_SCHED_POLICY_MAX_BYTES);
    int rc = daas_sched_policy_request_encode(&q, &b, &e);
    bool same =
        rc == DAAS_OK && b.len == p->request.len && memcmp(b.data, p->request.ptr, b.len) == 0;
    daas_buf_fini(&b);
    daas_sched_policy_view_fini(&q.pod);
    if (rc != DAAS_OK)
        return deny(err, "pod cannot be checked: %.200s", e.msg);
    return same ? DAAS_OK : deny(err, "%s", "pod security context changed since it was admitted");
}

/* Contract in admission.h. */
int daas_sched_admission_check(const json_t *pod, const daas_sched_trusted_key *keys, size_t nkeys,
                               daas_err *err)
{
    daas_sched_admission_proof p;
    daas_err e = {0};
    const json_t *ann = json_object_get(json_object_get(pod, "metadata"), "annotations");
    const json_t *v = json_object_get(ann, DAAS_SCHED_ADMISSION_ANNOTATION);
    if (v == NULL || json_is_null(v))
        return deny(err, "%s", "no admission decision");
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return deny(err, "%s", "admission decision is malformed: not a string");
    if (daas_sched_admission_proof_parse(json_string_value(v), &p, &e) != DAAS_OK)
        return deny(err, "admission decision is malformed: %.200s", e.msg);
    int rc = daas_sched_trusted_check(keys, nkeys, p.pk, p.enclave, err);
    if (rc == DAAS_OK)
        rc = decision_check(pod, &p, err);
    if (rc == DAAS_OK)
        rc = view_check(pod, &p, err);
    daas_sched_admission_proof_fini(&p);
    return rc;
}
