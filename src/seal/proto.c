/*
 * proto.c: the Seal key-server wire messages: fetch_key request and response JSON, the
 * /v1/service reply, the personal-message text and the RequestFormat bytes.
 *
 * Owns:   nothing beyond the structs it fills (see proto.h).
 * Not:    the error table (proto_err.c), cryptography, HTTP.
 * Invariants: as proto.h: strict parsing, DAAS_EINVAL naming the field, zeroed outputs on
 *         failure; no secret ever enters an error message (the request carries none: the
 *         session signature and certificate signature are public values, still not echoed).
 * Spec:   specs/seal.md §6.3, §6.5, §6.6, §6.9, §6.10.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "seal/proto.h"
#include "seal/proto_int.h"
#include "sui/bcs.h"
#include "sui/sui.h"

/* ---- strict field readers ---- */

int daas_seal_b64_exact(const char *s, const char *what, uint8_t *out, size_t want, daas_err *err)
{
    daas_buf b;
    int rc;
    size_t slen = strlen(s);

    daas_buf_init(&b, want + 4);
    rc = daas_seal__b64_strict(s, slen, &b);
    if (rc != DAAS_OK) {
        rc = daas_fail(err, DAAS_EINVAL, "%s: not canonical padded base64", what);
        goto out;
    }
    if (b.len != want) {
        rc = daas_fail(err, DAAS_EINVAL, "%s: want %zu bytes, got %zu", what, want, b.len);
        goto out;
    }
    memcpy(out, b.data, want);
out:
    daas_buf_fini(&b);
    return rc;
}

int daas_seal__b64_strict(const char *s, size_t slen, daas_buf *out)
{
    char *again;
    int rc;

    /* SPEC: specs/seal.md §1.5: standard base64 with padding (base64ct rejects the rest). */
    if (slen % 4 != 0)
        return DAAS_EINVAL;
    rc = daas_base64_decode(s, slen, out);
    if (rc != DAAS_OK)
        return rc;
    again = daas_base64_encode(out->data, out->len);
    rc = (strlen(again) == slen && memcmp(again, s, slen) == 0) ? DAAS_OK : DAAS_EINVAL;
    daas_free(again);
    if (rc != DAAS_OK)
        daas_buf_reset(out);
    return rc;
}

int daas_seal__field(json_t *obj, const char *pfx, const char *key, json_type type, bool nullable,
                     json_t **out, daas_err *err)
{
    static const char *const tnames[] = {"an object", "an array", "a string", "an integer",
                                         "a number",  "a bool",   "a bool",   "null"};
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || (json_is_null(v) && !nullable))
        return daas_fail(err, DAAS_EINVAL, "%s%s: missing", pfx, key);
    if (json_is_null(v))
        return DAAS_OK;
    if (json_typeof(v) != type)
        return daas_fail(err, DAAS_EINVAL, "%s%s: not %s", pfx, key, tnames[type]);
    *out = v;
    return DAAS_OK;
}

static int b64_field(json_t *obj, const char *pfx, const char *key, uint8_t *out, size_t want,
                     daas_err *err)
{
    char what[64];
    json_t *v;
    int rc = daas_seal__field(obj, pfx, key, JSON_STRING, false, &v, err);

    if (rc != DAAS_OK)
        return rc;
    snprintf(what, sizeof what, "%s%s", pfx, key);
    return daas_seal_b64_exact(json_string_value(v), what, out, want, err);
}

int daas_seal__addr_field(json_t *obj, const char *pfx, const char *key,
                          uint8_t out[DAAS_SEAL_ADDR_LEN], daas_err *err)
{
    json_t *v;
    const char *s;
    int rc = daas_seal__field(obj, pfx, key, JSON_STRING, false, &v, err);

    if (rc != DAAS_OK)
        return rc;
    s = json_string_value(v);
    if (strlen(s) != 2 + 2 * DAAS_SEAL_ADDR_LEN || s[0] != '0' || s[1] != 'x' ||
        !daas_hex_decode(s + 2, DAAS_SEAL_ADDR_LEN, out))
        return daas_fail(err, DAAS_EINVAL, "%s%s: want 0x and 64 hex digits", pfx, key);
    return DAAS_OK;
}

static int uint_field(json_t *obj, const char *pfx, const char *key, uint64_t max, uint64_t *out,
                      daas_err *err)
{
    json_t *v;
    int rc = daas_seal__field(obj, pfx, key, JSON_INTEGER, false, &v, err);

    if (rc != DAAS_OK)
        return rc;
    if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return daas_fail(err, DAAS_EINVAL, "%s%s: not an integer in 0..%" PRIu64, pfx, key, max);
    *out = (uint64_t)json_integer_value(v);
    return DAAS_OK;
}

json_t *daas_seal__load(daas_bytes in, size_t max, const char *what, int *rc, daas_err *err)
{
    json_error_t jerr;
    json_t *root;

    if (in.len > max) {
        *rc = daas_fail(err, DAAS_ETOOBIG, "%s: body of %zu bytes exceeds %zu", what, in.len, max);
        return NULL;
    }
    root = json_loadb((const char *)in.ptr, in.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        *rc = daas_fail(err, DAAS_EINVAL, "%s: invalid JSON at line %d column %d: %s", what,
                        jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        *rc = daas_fail(err, DAAS_EINVAL, "%s: not a JSON object", what);
        return NULL;
    }
    *rc = DAAS_OK;
    return root;
}

/* ---- fetch_key request ---- */

static int parse_cert(json_t *c, daas_seal_certificate *out, daas_err *err)
{
    static const char pfx[] = "certificate.";
    json_t *v;
    uint64_t n;
    daas_buf b;
    int rc;

    rc = daas_seal__addr_field(c, pfx, "user", out->user, err);
    if (rc == DAAS_OK)
        rc = b64_field(c, pfx, "session_vk", out->session_vk, sizeof out->session_vk, err);
    if (rc == DAAS_OK)
        rc = uint_field(c, pfx, "creation_time", INT64_MAX, &out->creation_time, err);
    if (rc == DAAS_OK)
        rc = uint_field(c, pfx, "ttl_min", UINT16_MAX, &n, err);
    if (rc != DAAS_OK)
        return rc;
    out->ttl_min = (uint16_t)n;
    rc = daas_seal__field(c, pfx, "signature", JSON_STRING, false, &v, err);
    if (rc != DAAS_OK)
        return rc;
    if (json_string_length(v) > DAAS_SEAL_MAX_SIG_B64)
        return daas_fail(err, DAAS_EINVAL, "certificate.signature: longer than %u characters",
                         DAAS_SEAL_MAX_SIG_B64);
    daas_buf_init(&b, DAAS_SEAL_MAX_SIG_B64);
    rc = daas_seal__b64_strict(json_string_value(v), json_string_length(v), &b);
    daas_buf_fini(&b);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "certificate.signature: not canonical padded base64");
    out->signature = daas_xstrdup(json_string_value(v));
    v = json_object_get(c, "mvr_name");
    if (v == NULL || json_is_null(v))
        return DAAS_OK; /* Option<String>: absent or null is None */
    if (!json_is_string(v))
        return daas_fail(err, DAAS_EINVAL, "certificate.mvr_name: not a string");
    if (json_string_length(v) > DAAS_SEAL_MAX_MVR || json_string_length(v) == 0)
        return daas_fail(err, DAAS_EINVAL, "certificate.mvr_name: want 1..%u bytes",
                         DAAS_SEAL_MAX_MVR);
    out->mvr_name = daas_xstrdup(json_string_value(v));
    return DAAS_OK;
}

static int parse_ptb(json_t *root, daas_seal_fetch_req *out, daas_err *err)
{
    json_t *v;
    daas_buf b;
    int rc = daas_seal__field(root, "", "ptb", JSON_STRING, false, &v, err);

    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&b, DAAS_SEAL_MAX_PTB);
    rc = daas_seal__b64_strict(json_string_value(v), json_string_length(v), &b);
    if (rc == DAAS_ETOOBIG) {
        rc = daas_fail(err, DAAS_EINVAL, "ptb: longer than %u bytes", DAAS_SEAL_MAX_PTB);
    } else if (rc != DAAS_OK) {
        rc = daas_fail(err, DAAS_EINVAL, "ptb: not canonical padded base64");
    } else if (b.len == 0) {
        rc = daas_fail(err, DAAS_EINVAL, "ptb: empty");
    } else {
        out->ptb = (uint8_t *)daas_buf_steal(&b, &out->ptb_len);
    }
    daas_buf_fini(&b);
    return rc;
}

int daas_seal_fetch_req_parse(daas_bytes json, daas_seal_fetch_req *out, daas_err *err)
{
    json_t *root, *cert;
    int rc;

    memset(out, 0, sizeof *out);
    root = daas_seal__load(json, DAAS_SEAL_MAX_BODY, "fetch_key request", &rc, err);
    if (root == NULL)
        return rc;
    rc = parse_ptb(root, out, err);
    if (rc == DAAS_OK)
        rc = b64_field(root, "", "enc_key", out->enc_key, sizeof out->enc_key, err);
    if (rc == DAAS_OK)
        rc = b64_field(root, "", "enc_verification_key", out->enc_vk, sizeof out->enc_vk, err);
    if (rc == DAAS_OK)
        rc = b64_field(root, "", "request_signature", out->request_signature,
                       sizeof out->request_signature, err);
    if (rc == DAAS_OK)
        rc = daas_seal__field(root, "", "certificate", JSON_OBJECT, false, &cert, err);
    if (rc == DAAS_OK)
        rc = parse_cert(cert, &out->cert, err);
    json_decref(root);
    if (rc != DAAS_OK)
        daas_seal_fetch_req_fini(out);
    return rc;
}

static void set_b64(json_t *obj, const char *key, const void *p, size_t n)
{
    char *s = daas_base64_encode(p, n);
    json_object_set_new(obj, key, json_string(s));
    daas_free(s);
}

int daas_seal__dump(json_t *root, daas_buf *out, daas_err *err)
{
    char *s = json_dumps(root, JSON_COMPACT);
    int rc;

    json_decref(root);
    if (s == NULL)
        return daas_fail(err, DAAS_EINVAL, "cannot render JSON (invalid UTF-8 in a string)");
    rc = daas_buf_puts(out, s);
    free(s); /* jansson's allocator (HACKING.md "Memory") */
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "rendered JSON exceeds the buffer cap");
    return DAAS_OK;
}

int daas_seal_fetch_req_render(const daas_seal_fetch_req *r, daas_buf *out, daas_err *err)
{
    char user[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    json_t *root, *cert;

    if (r->ptb == NULL || r->cert.signature == NULL)
        return daas_fail(err, DAAS_EINVAL, "fetch_key request: ptb or signature missing");
    root = json_object();
    cert = json_object();
    set_b64(root, "ptb", r->ptb, r->ptb_len);
    set_b64(root, "enc_key", r->enc_key, sizeof r->enc_key);
    set_b64(root, "enc_verification_key", r->enc_vk, sizeof r->enc_vk);
    set_b64(root, "request_signature", r->request_signature, sizeof r->request_signature);
    daas_sui_address_hex(r->cert.user, user);
    json_object_set_new(cert, "user", json_string(user));
    set_b64(cert, "session_vk", r->cert.session_vk, sizeof r->cert.session_vk);
    json_object_set_new(cert, "creation_time", json_integer((json_int_t)r->cert.creation_time));
    json_object_set_new(cert, "ttl_min", json_integer(r->cert.ttl_min));
    json_object_set_new(cert, "signature", json_string(r->cert.signature));
    if (r->cert.mvr_name != NULL)
        json_object_set_new(cert, "mvr_name", json_string(r->cert.mvr_name));
    json_object_set_new(root, "certificate", cert);
    return daas_seal__dump(root, out, err);
}

void daas_seal_fetch_req_fini(daas_seal_fetch_req *r)
{
    daas_free(r->ptb);
    daas_free(r->cert.signature);
    daas_free(r->cert.mvr_name);
    memset(r, 0, sizeof *r);
}

/* ---- the signed texts ---- */

int daas_seal_personal_message(const uint8_t first_pkg[DAAS_SEAL_ADDR_LEN], const char *mvr_name,
                               uint16_t ttl_min, uint64_t creation_time_ms,
                               const uint8_t vk[DAAS_SEAL_SESSION_VK_LEN], daas_buf *out,
                               daas_err *err)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    char when[32];
    struct tm tm;
    char *vk64;
    int rc;
    /* SPEC: specs/seal.md §6.5: seconds = creation_time / 1000, milliseconds dropped. */
    uint64_t sec = creation_time_ms / 1000;
    time_t t = (time_t)sec;

    if (sec > 253402300799ull || gmtime_r(&t, &tm) == NULL)
        return daas_fail(err, DAAS_EINVAL, "certificate.creation_time: past year 9999");
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    daas_sui_address_hex(first_pkg, pkg);
    vk64 = daas_base64_encode(vk, DAAS_SEAL_SESSION_VK_LEN);
    rc = daas_buf_printf(out, "Accessing keys of package %s for %u mins from %s, session key %s",
                         mvr_name != NULL ? mvr_name : pkg, (unsigned)ttl_min, when, vk64);
    daas_free(vk64);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "personal message exceeds the buffer cap");
    return DAAS_OK;
}

int daas_seal_request_format(daas_bytes ptb, const uint8_t enc_key[DAAS_SEAL_G1_LEN],
                             const uint8_t enc_vk[DAAS_SEAL_G2_LEN], daas_buf *out, daas_err *err)
{
    int rc;

    /* SPEC: specs/seal.md §6.6: BCS struct of three Vec<u8>. */
    if (ptb.len > DAAS_SUI_BCS_ULEB_MAX)
        return daas_fail(err, DAAS_EINVAL, "ptb: too long");
    rc = daas_sui_bcs_put_bytes(out, ptb.ptr, ptb.len);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, enc_key, DAAS_SEAL_G1_LEN);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, enc_vk, DAAS_SEAL_G2_LEN);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "request format exceeds the buffer cap");
    return DAAS_OK;
}

/* ---- /v1/service ---- */

int daas_seal_service_render(const uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                             const uint8_t pop[DAAS_SEAL_G1_LEN], daas_buf *out, daas_err *err)
{
    char id[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    json_t *root = json_object();

    daas_sui_address_hex(object_id, id);
    json_object_set_new(root, "service_id", json_string(id));
    set_b64(root, "pop", pop, DAAS_SEAL_G1_LEN);
    return daas_seal__dump(root, out, err);
}

int daas_seal_service_parse(daas_bytes json, uint8_t object_id[DAAS_SEAL_ADDR_LEN],
                            uint8_t pop[DAAS_SEAL_G1_LEN], daas_err *err)
{
    int rc;
    json_t *root = daas_seal__load(json, DAAS_SEAL_MAX_BODY, "service reply", &rc, err);

    if (root == NULL)
        return rc;
    rc = daas_seal__addr_field(root, "", "service_id", object_id, err);
    if (rc == DAAS_OK)
        rc = b64_field(root, "", "pop", pop, DAAS_SEAL_G1_LEN, err);
    json_decref(root);
    return rc;
}
