/*
 * object.c: the EncryptedObject BCS format: a validating parser and the encoder.
 *
 * Owns:   the memory of parsed objects (daas_seal_object_fini releases it).
 * Invariants:
 *   - parse applies every check of spec §2 and consumes the whole input; on failure the out
 *     object is zeroed and the message names the field and its offset;
 *   - encode writes only objects that parse back (same checks, before the first byte).
 * Spec:   ../shared/specs/seal.md §1.4, §2.
 */
#include <string.h>

#include "seal/seal_int.h"
#include "sui/bcs.h"

#define MAX_BLOB UINT32_MAX /* BCS lengths are u32 */

static uint8_t *dup_bytes(daas_bytes b)
{
    if (b.len == 0)
        return NULL;
    uint8_t *p = daas_xmalloc(b.len);
    memcpy(p, b.ptr, b.len);
    return p;
}

static int parse_header(daas_sui_bcs_reader *r, daas_seal_object *o, daas_err *err)
{
    daas_bytes id;
    size_t at = r->pos;
    int rc = daas_sui_bcs_get_u8(r, "version", &o->version, err);
    if (rc == DAAS_OK && o->version != 0)
        rc = daas_fail(err, DAAS_EINVAL, "seal object: version %u at offset %zu (want 0)",
                       (unsigned)o->version, at);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_addr(r, "package_id", o->package_id, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, "id", DAAS_SEAL_MAX_ID, &id, err);
    if (rc == DAAS_OK) {
        o->id = dup_bytes(id);
        o->id_len = id.len;
    }
    return rc;
}

static int parse_services(daas_sui_bcs_reader *r, daas_seal_object *o, daas_err *err)
{
    size_t n = 0;
    int rc = daas_sui_bcs_get_len(r, "services", DAAS_SEAL_MAX_SERVICES, 33, &n, err);
    if (rc == DAAS_OK && n == 0)
        rc = daas_fail(err, DAAS_EINVAL, "seal object: no services at offset %zu", r->pos - 1);
    if (rc != DAAS_OK)
        return rc;
    o->services = daas_xcalloc(n, sizeof *o->services);
    o->nservices = n;
    bool seen[256] = {false};
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        daas_seal_service *s = &o->services[i];
        rc = daas_sui_bcs_get_addr(r, "service object id", s->object_id, err);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u8(r, "service index", &s->index, err);
        if (rc == DAAS_OK && (s->index == 0 || seen[s->index]))
            rc = daas_fail(err, DAAS_EINVAL, "seal object: service %zu: %s share index %u at "
                           "offset %zu", i, s->index == 0 ? "zero" : "duplicate",
                           (unsigned)s->index, r->pos - 1);
        if (rc == DAAS_OK)
            seen[s->index] = true;
    }
    if (rc == DAAS_OK) {
        size_t at = r->pos;
        rc = daas_sui_bcs_get_u8(r, "threshold", &o->threshold, err);
        if (rc == DAAS_OK && (o->threshold == 0 || o->threshold > n))
            rc = daas_fail(err, DAAS_EINVAL, "seal object: threshold %u of %zu services at "
                           "offset %zu", (unsigned)o->threshold, n, at);
    }
    return rc;
}

static int parse_ibe(daas_sui_bcs_reader *r, daas_seal_object *o, daas_err *err)
{
    uint32_t tag = 0;
    const uint8_t *p = NULL;
    size_t n = 0, at;
    blst_p2_affine nonce;
    int rc = daas_sui_bcs_get_variant(r, "IBE encryptions", 1, &tag, err);
    if (rc != DAAS_OK)
        return rc;
    at = r->pos;
    rc = daas_sui_bcs_get_fixed(r, "nonce", DAAS_SEAL_G2_LEN, &p, err);
    if (rc == DAAS_OK) {
        memcpy(o->nonce, p, DAAS_SEAL_G2_LEN);
        daas_err e2 = {0};
        if (daas_seal__g2_decode(o->nonce, &nonce, "nonce", &e2) != DAAS_OK)
            rc = daas_fail(err, DAAS_EINVAL, "seal object: %s at offset %zu", e2.msg, at);
    }
    at = r->pos;
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_len(r, "encrypted shares", DAAS_SEAL_MAX_SERVICES,
                                  DAAS_SEAL_KEY_LEN, &n, err);
    if (rc == DAAS_OK && n != o->nservices)
        rc = daas_fail(err, DAAS_EINVAL, "seal object: %zu encrypted shares for %zu services at "
                       "offset %zu", n, o->nservices, at);
    if (rc == DAAS_OK) {
        o->shares = daas_xcalloc(n, DAAS_SEAL_KEY_LEN);
        rc = daas_sui_bcs_get_fixed(r, "encrypted shares", n * DAAS_SEAL_KEY_LEN, &p, err);
    }
    if (rc == DAAS_OK) {
        memcpy(o->shares, p, n * DAAS_SEAL_KEY_LEN);
        rc = daas_sui_bcs_get_fixed(r, "encrypted randomness", DAAS_SEAL_KEY_LEN, &p, err);
    }
    if (rc == DAAS_OK)
        memcpy(o->encrypted_randomness, p, DAAS_SEAL_KEY_LEN);
    return rc;
}

static int parse_ciphertext(daas_sui_bcs_reader *r, daas_seal_object *o, daas_err *err)
{
    uint32_t tag = 0;
    daas_bytes blob, aad = {0};
    const uint8_t *mac = NULL;
    int rc = daas_sui_bcs_get_variant(r, "ciphertext", 3, &tag, err);
    if (rc != DAAS_OK)
        return rc;
    o->dem = (daas_seal_dem)tag;
    if (o->dem == DAAS_SEAL_DEM_PLAIN)
        return DAAS_OK;
    rc = daas_sui_bcs_get_bytes(r, "blob", MAX_BLOB, &blob, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_option(r, "aad", &o->has_aad, err);
    if (rc == DAAS_OK && o->has_aad)
        rc = daas_sui_bcs_get_bytes(r, "aad", MAX_BLOB, &aad, err);
    if (rc == DAAS_OK && o->dem == DAAS_SEAL_DEM_HMAC)
        rc = daas_sui_bcs_get_fixed(r, "mac", DAAS_SEAL_MAC_LEN, &mac, err);
    if (rc != DAAS_OK)
        return rc;
    o->blob = dup_bytes(blob);
    o->blob_len = blob.len;
    o->aad = dup_bytes(aad);
    o->aad_len = aad.len;
    if (mac != NULL)
        memcpy(o->mac, mac, DAAS_SEAL_MAC_LEN);
    return DAAS_OK;
}

int daas_seal_object_parse(daas_bytes in, daas_seal_object *out, daas_err *err)
{
    daas_sui_bcs_reader r;
    memset(out, 0, sizeof *out);
    daas_sui_bcs_reader_init(&r, in);
    int rc = parse_header(&r, out, err);
    if (rc == DAAS_OK)
        rc = parse_services(&r, out, err);
    if (rc == DAAS_OK)
        rc = parse_ibe(&r, out, err);
    if (rc == DAAS_OK)
        rc = parse_ciphertext(&r, out, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&r, "seal object", err);
    if (rc != DAAS_OK)
        daas_seal_object_fini(out);
    return rc;
}

void daas_seal_object_fini(daas_seal_object *o)
{
    daas_free(o->id);
    daas_free(o->services);
    daas_free(o->shares);
    daas_free(o->blob);
    daas_free(o->aad);
    memset(o, 0, sizeof *o);
}

int daas_seal__object_check(const daas_seal_object *o, daas_err *err)
{
    bool seen[256] = {false};
    if (o->version != 0)
        return daas_fail(err, DAAS_EINVAL, "seal object: version %u", (unsigned)o->version);
    if (o->id_len > DAAS_SEAL_MAX_ID || (o->id_len > 0 && o->id == NULL))
        return daas_fail(err, DAAS_EINVAL, "seal object: id of %zu bytes", o->id_len);
    if (o->nservices == 0 || o->nservices > DAAS_SEAL_MAX_SERVICES || o->services == NULL ||
        o->shares == NULL)
        return daas_fail(err, DAAS_EINVAL, "seal object: %zu services", o->nservices);
    if (o->threshold == 0 || o->threshold > o->nservices)
        return daas_fail(err, DAAS_EINVAL, "seal object: threshold %u of %zu services",
                         (unsigned)o->threshold, o->nservices);
    for (size_t i = 0; i < o->nservices; i++) {
        uint8_t x = o->services[i].index;
        if (x == 0 || seen[x])
            return daas_fail(err, DAAS_EINVAL, "seal object: service %zu: %s share index %u", i,
                             x == 0 ? "zero" : "duplicate", (unsigned)x);
        seen[x] = true;
    }
    if (o->dem != DAAS_SEAL_DEM_AES && o->dem != DAAS_SEAL_DEM_HMAC &&
        o->dem != DAAS_SEAL_DEM_PLAIN)
        return daas_fail(err, DAAS_EINVAL, "seal object: unknown ciphertext kind %d",
                         (int)o->dem);
    if (o->dem != DAAS_SEAL_DEM_PLAIN &&
        (o->blob_len > MAX_BLOB || o->aad_len > MAX_BLOB || (o->blob_len && !o->blob) ||
         (o->has_aad && o->aad_len && !o->aad)))
        return daas_fail(err, DAAS_EINVAL, "seal object: blob of %zu or aad of %zu bytes",
                         o->blob_len, o->aad_len);
    return DAAS_OK;
}

static int put_all(const daas_seal_object *o, daas_buf *out, daas_err *err)
{
    int rc = daas_sui_bcs_put_u8(out, o->version);
    rc = rc ? rc : daas_sui_bcs_put_addr(out, o->package_id);
    rc = rc ? rc : daas_sui_bcs_put_bytes(out, o->id, o->id_len);
    rc = rc ? rc : daas_sui_bcs_put_len(out, o->nservices);
    for (size_t i = 0; rc == DAAS_OK && i < o->nservices; i++) {
        rc = daas_sui_bcs_put_addr(out, o->services[i].object_id);
        rc = rc ? rc : daas_sui_bcs_put_u8(out, o->services[i].index);
    }
    rc = rc ? rc : daas_sui_bcs_put_u8(out, o->threshold);
    rc = rc ? rc : daas_sui_bcs_put_variant(out, 0);
    rc = rc ? rc : daas_sui_bcs_put_fixed(out, o->nonce, DAAS_SEAL_G2_LEN);
    rc = rc ? rc : daas_sui_bcs_put_len(out, o->nservices);
    rc = rc ? rc : daas_sui_bcs_put_fixed(out, o->shares[0], o->nservices * DAAS_SEAL_KEY_LEN);
    rc = rc ? rc : daas_sui_bcs_put_fixed(out, o->encrypted_randomness, DAAS_SEAL_KEY_LEN);
    rc = rc ? rc : daas_sui_bcs_put_variant(out, (uint32_t)o->dem);
    if (rc == DAAS_OK && o->dem != DAAS_SEAL_DEM_PLAIN) {
        rc = daas_sui_bcs_put_bytes(out, o->blob, o->blob_len);
        rc = rc ? rc : daas_sui_bcs_put_option(out, o->has_aad);
        if (rc == DAAS_OK && o->has_aad)
            rc = daas_sui_bcs_put_bytes(out, o->aad, o->aad_len);
        if (rc == DAAS_OK && o->dem == DAAS_SEAL_DEM_HMAC)
            rc = daas_sui_bcs_put_fixed(out, o->mac, DAAS_SEAL_MAC_LEN);
    }
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "seal object: output buffer full");
    return DAAS_OK;
}

int daas_seal__object_encode(const daas_seal_object *o, bool check_nonce, daas_buf *out,
                             daas_err *err)
{
    size_t old = out->len;
    int rc = daas_seal__object_check(o, err);
    if (rc == DAAS_OK && check_nonce) {
        blst_p2_affine q;
        rc = daas_seal__g2_decode(o->nonce, &q, "seal object: nonce", err);
    }
    if (rc == DAAS_OK)
        rc = put_all(o, out, err);
    if (rc != DAAS_OK && out->len > old) {
        out->len = old;
        out->data[old] = '\0';
    }
    return rc;
}

int daas_seal_object_encode(const daas_seal_object *o, daas_buf *out, daas_err *err)
{
    return daas_seal__object_encode(o, true, out, err);
}
