/*
 * attest_cbor.c: a strict, bounded CBOR reader and the parser of the Nitro attestation document
 * (COSE_Sign1 around the payload map), plus the COSE Sig_structure encoder.
 *
 * Owns:   the structure and bounds rules of a document; daas_attest_doc's memory.
 * Not:    any signature or certificate check (attest_verify.c).
 * Invariants:
 *   - every read is bounds-checked against the slice it belongs to; no recursion deeper than
 *     DAAS_ATTEST__MAX_DEPTH; work is linear in the input size;
 *   - the payload is kept as the exact bytes of the document (never re-encoded), because the
 *     signature covers them;
 *   - nothing may follow the COSE array, and nothing may follow the map inside the payload;
 *   - a failed parse leaves *doc zeroed and allocates nothing.
 * Spec:   specs/nautilus.md §2.3 (parse rules and bounds, as fastcrypto's upgraded parsing),
 *         §3.1-3.3; RFC 9052 §4.2 (COSE_Sign1), §4.4 (Sig_structure); RFC 8949.
 */
#include <string.h>

#include "enclave/attest_int.h"

/* ---- the reader ---- */

bool daas_attest__cbor_peek(const daas_attest__cur *c, uint8_t b)
{
    return c->off < c->len && c->p[c->off] == b;
}

int daas_attest__cbor_head(daas_attest__cur *c, daas_attest__head *h, const char *what,
                           daas_err *err)
{
    if (c->off >= c->len)
        return daas_fail(err, DAAS_EINVAL, "%s: truncated (no more bytes)", what);
    uint8_t ib = c->p[c->off++];
    int ai = ib & 31;
    *h = (daas_attest__head){.major = ib >> 5, .first = ib};
    if (ai < 24) {
        h->arg = (uint64_t)ai;
        return DAAS_OK;
    }
    if (ai == 31) {
        /* indefinite arrays and maps, and the break byte (major 7); strings are refused */
        if (h->major != DAAS_CBOR_ARRAY && h->major != DAAS_CBOR_MAP &&
            h->major != DAAS_CBOR_SIMPLE)
            return daas_fail(err, DAAS_EINVAL, "%s: indefinite-length %s not supported", what,
                             h->major == DAAS_CBOR_BSTR || h->major == DAAS_CBOR_TSTR
                                 ? "string" : "item");
        h->indef = true;
        return DAAS_OK;
    }
    if (ai > 27)
        return daas_fail(err, DAAS_EINVAL, "%s: malformed CBOR head 0x%02x", what, ib);
    size_t n = (size_t)1 << (ai - 24);
    if (c->len - c->off < n)
        return daas_fail(err, DAAS_EINVAL, "%s: truncated CBOR head", what);
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | c->p[c->off++];
    h->arg = v;
    return DAAS_OK;
}

int daas_attest__cbor_string(daas_attest__cur *c, int major, daas_bytes *out, const char *what,
                             daas_err *err)
{
    daas_attest__head h = {0};
    int rc = daas_attest__cbor_head(c, &h, what, err);
    if (rc != DAAS_OK)
        return rc;
    if (h.major != major)
        return daas_fail(err, DAAS_EINVAL, "%s is not a %s string", what,
                         major == DAAS_CBOR_BSTR ? "byte" : "text");
    if (h.arg > c->len - c->off)
        return daas_fail(err, DAAS_EINVAL, "%s: truncated (%llu bytes announced, %zu left)",
                         what, (unsigned long long)h.arg, c->len - c->off);
    *out = DAAS_BYTES(c->p + c->off, (size_t)h.arg);
    c->off += (size_t)h.arg;
    return DAAS_OK;
}

/* Skips the items of an array (pairs of a map: per = 2) after its head h. */
static int skip_children(daas_attest__cur *c, const daas_attest__head *h, int per, int depth,
                         daas_err *err)
{
    if (!h->indef) {
        /* each item takes at least one byte: a count beyond the bytes left is truncated */
        if (h->arg > (c->len - c->off) / (uint64_t)per)
            return daas_fail(err, DAAS_EINVAL, "truncated CBOR container");
        for (uint64_t i = 0; i < h->arg * (uint64_t)per; i++) {
            int rc = daas_attest__cbor_skip(c, depth + 1, err);
            if (rc != DAAS_OK)
                return rc;
        }
        return DAAS_OK;
    }
    for (uint64_t i = 0;; i++) {
        if (daas_attest__cbor_peek(c, 0xff) && i % (uint64_t)per == 0) {
            c->off++;
            return DAAS_OK;
        }
        int rc = daas_attest__cbor_skip(c, depth + 1, err);
        if (rc != DAAS_OK)
            return rc;
    }
}

int daas_attest__cbor_skip(daas_attest__cur *c, int depth, daas_err *err)
{
    daas_attest__head h = {0};
    if (depth > DAAS_ATTEST__MAX_DEPTH)
        return daas_fail(err, DAAS_EINVAL, "CBOR nested deeper than %d", DAAS_ATTEST__MAX_DEPTH);
    int rc = daas_attest__cbor_head(c, &h, "CBOR item", err);
    if (rc != DAAS_OK)
        return rc;
    switch (h.major) {
    case DAAS_CBOR_BSTR:
    case DAAS_CBOR_TSTR:
        if (h.arg > c->len - c->off)
            return daas_fail(err, DAAS_EINVAL, "truncated CBOR string");
        c->off += (size_t)h.arg;
        return DAAS_OK;
    case DAAS_CBOR_ARRAY:
        return skip_children(c, &h, 1, depth, err);
    case DAAS_CBOR_MAP:
        return skip_children(c, &h, 2, depth, err);
    case DAAS_CBOR_TAG:
        return daas_attest__cbor_skip(c, depth + 1, err);
    case DAAS_CBOR_SIMPLE:
        if (h.indef)
            return daas_fail(err, DAAS_EINVAL, "unexpected CBOR break");
        return DAAS_OK;
    default: /* integers: the head was all */
        return DAAS_OK;
    }
}

/* ---- containers: definite or indefinite ---- */

/* Iteration over an array or a map whose head has been read. */
typedef struct iter {
    daas_attest__head h; /* the container's head */
    uint64_t seen;       /* items (or pairs) consumed */
} iter;

/* Reads a container head of the given major type (map or array). */
static int open_container(daas_attest__cur *c, int major, iter *it, const char *what,
                          daas_err *err)
{
    *it = (iter){0};
    int rc = daas_attest__cbor_head(c, &it->h, what, err);
    if (rc != DAAS_OK)
        return rc;
    if (it->h.major != major)
        return daas_fail(err, DAAS_EINVAL, "%s is not a CBOR %s", what,
                         major == DAAS_CBOR_MAP ? "map" : "array");
    return DAAS_OK;
}

/* True when another item (or pair) follows; consumes the break of an indefinite container.
 * A definite container reports false after its count; a missing break is caught by the
 * next read (truncated). */
static bool iter_next(daas_attest__cur *c, iter *it)
{
    if (!it->h.indef)
        return it->seen < it->h.arg;
    if (daas_attest__cbor_peek(c, 0xff)) {
        c->off++;
        return false;
    }
    return true;
}

/* ---- payload fields ---- */

/* What one payload key parses into. */
typedef struct field {
    const char *name;
    int (*parse)(daas_attest__cur *c, daas_attest_doc *d, daas_err *err);
    bool required;
} field;

static int text_field(daas_attest__cur *c, const char *what, char **out, daas_err *err)
{
    daas_bytes s;
    int rc = daas_attest__cbor_string(c, DAAS_CBOR_TSTR, &s, what, err);
    if (rc != DAAS_OK)
        return rc;
    if (s.len == 0 || s.len > DAAS_ATTEST_MAX_CERT || memchr(s.ptr, '\0', s.len) != NULL)
        return daas_fail(err, DAAS_EINVAL, "invalid %s (%zu bytes; want 1..%d, no NUL)", what,
                         s.len, DAAS_ATTEST_MAX_CERT);
    *out = daas_xstrndup((const char *)s.ptr, s.len);
    return DAAS_OK;
}

static int f_module_id(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    return text_field(c, "module_id", &d->module_id, err);
}

static int f_digest(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    int rc = text_field(c, "digest", &d->digest, err);
    if (rc == DAAS_OK && strcmp(d->digest, "SHA384") != 0)
        rc = daas_fail(err, DAAS_EINVAL, "invalid digest (want \"SHA384\")");
    return rc;
}

static int f_timestamp(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    daas_attest__head h = {0};
    int rc = daas_attest__cbor_head(c, &h, "timestamp", err);
    if (rc == DAAS_OK && h.major != DAAS_CBOR_UINT)
        rc = daas_fail(err, DAAS_EINVAL, "timestamp is not an unsigned integer");
    if (rc == DAAS_OK)
        d->timestamp_ms = h.arg;
    return rc;
}

/* A bstr of min..max bytes. */
static int bytes_field(daas_attest__cur *c, const char *what, size_t min, size_t max,
                       daas_bytes *out, daas_err *err)
{
    int rc = daas_attest__cbor_string(c, DAAS_CBOR_BSTR, out, what, err);
    if (rc == DAAS_OK && (out->len < min || out->len > max))
        rc = daas_fail(err, DAAS_EINVAL, "invalid %s (%zu bytes; want %zu..%zu)", what,
                       out->len, min, max);
    return rc;
}

static int f_certificate(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    return bytes_field(c, "certificate", 1, DAAS_ATTEST_MAX_CERT, &d->certificate, err);
}

/* null (CBOR f6) means absent, as real documents emit it (specs/nautilus.md §3.2). */
static int optional_bytes(daas_attest__cur *c, const char *what, size_t max, bool *has,
                          daas_bytes *out, daas_err *err)
{
    if (daas_attest__cbor_peek(c, 0xf6)) {
        c->off++;
        *has = false;
        return DAAS_OK;
    }
    int rc = bytes_field(c, what, 0, max, out, err);
    *has = rc == DAAS_OK;
    return rc;
}

static int f_public_key(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    return optional_bytes(c, "public_key", 1024, &d->has_public_key, &d->public_key, err);
}

static int f_user_data(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    return optional_bytes(c, "user_data", 512, &d->has_user_data, &d->user_data, err);
}

static int f_nonce(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    return optional_bytes(c, "nonce", 512, &d->has_nonce, &d->nonce, err);
}

/* One PCR entry: uint key 0..255 (indices >= 32 are skipped, as fastcrypto does), bstr value
 * of 32, 48 or 64 bytes, no index twice. seen is a 256-bit set. */
static int pcr_entry(daas_attest__cur *c, daas_attest_doc *d, uint8_t seen[32], daas_err *err)
{
    daas_attest__head h = {0};
    daas_bytes v;
    int rc = daas_attest__cbor_head(c, &h, "PCR index", err);
    if (rc != DAAS_OK)
        return rc;
    if (h.major != DAAS_CBOR_UINT && h.major != DAAS_CBOR_NINT)
        return daas_fail(err, DAAS_EINVAL, "invalid PCR key format (not an integer)");
    if (h.major == DAAS_CBOR_NINT || h.arg > 255)
        return daas_fail(err, DAAS_EINVAL, "invalid PCR index (want 0..255)");
    unsigned i = (unsigned)h.arg;
    if (seen[i / 8] & (1u << (i % 8)))
        return daas_fail(err, DAAS_EINVAL, "duplicate PCR index %u", i);
    seen[i / 8] |= (uint8_t)(1u << (i % 8));
    rc = daas_attest__cbor_string(c, DAAS_CBOR_BSTR, &v, "PCR value", err);
    if (rc != DAAS_OK)
        return rc;
    if (v.len != 32 && v.len != 48 && v.len != 64)
        return daas_fail(err, DAAS_EINVAL, "invalid PCR value length (PCR%u: %zu bytes; want "
                         "32, 48 or 64)", i, v.len);
    if (i < DAAS_ATTEST_MAX_PCRS) {
        d->pcrs[i].present = true;
        d->pcrs[i].len = (uint8_t)v.len;
        memcpy(d->pcrs[i].value, v.ptr, v.len);
    }
    return DAAS_OK;
}

static int f_pcrs(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    iter it;
    uint8_t seen[32] = {0};
    int rc = open_container(c, DAAS_CBOR_MAP, &it, "pcrs", err);
    if (rc != DAAS_OK)
        return rc;
    for (; iter_next(c, &it); it.seen++) {
        if (it.seen == DAAS_ATTEST_MAX_PCRS)
            return daas_fail(err, DAAS_EINVAL, "invalid PCRs length (more than %d)",
                             DAAS_ATTEST_MAX_PCRS);
        rc = pcr_entry(c, d, seen, err);
        if (rc != DAAS_OK)
            return rc;
    }
    if (it.seen == 0)
        return daas_fail(err, DAAS_EINVAL, "invalid PCRs length (empty map)");
    return DAAS_OK;
}

static int f_cabundle(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    iter it;
    int rc = open_container(c, DAAS_CBOR_ARRAY, &it, "cabundle", err);
    if (rc != DAAS_OK)
        return rc;
    for (; iter_next(c, &it); it.seen++) {
        if (it.seen == DAAS_ATTEST_MAX_CABUNDLE)
            return daas_fail(err, DAAS_EINVAL, "invalid ca chain length (more than %d)",
                             DAAS_ATTEST_MAX_CABUNDLE);
        rc = daas_attest__cbor_string(c, DAAS_CBOR_BSTR, &d->cabundle[it.seen], "cabundle entry",
                                      err);
        if (rc != DAAS_OK)
            return rc;
        if (d->cabundle[it.seen].len == 0 || d->cabundle[it.seen].len > DAAS_ATTEST_MAX_CERT)
            return daas_fail(err, DAAS_EINVAL, "invalid ca length (cabundle[%llu]: %zu bytes)",
                             (unsigned long long)it.seen, d->cabundle[it.seen].len);
    }
    if (it.seen == 0)
        return daas_fail(err, DAAS_EINVAL, "invalid ca chain length (empty cabundle)");
    d->ncabundle = (size_t)it.seen;
    return DAAS_OK;
}

/* SPEC: specs/nautilus.md §3.2; the required keys are checked in this order. */
static const field fields[] = {
    {"module_id", f_module_id, true},     {"digest", f_digest, true},
    {"timestamp", f_timestamp, true},     {"pcrs", f_pcrs, true},
    {"certificate", f_certificate, true}, {"cabundle", f_cabundle, true},
    {"public_key", f_public_key, false},  {"user_data", f_user_data, false},
    {"nonce", f_nonce, false},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* ---- the payload map ---- */

/* Which keys a map has shown so far (duplicates of any key are refused). */
typedef struct keyset {
    daas_bytes keys[DAAS_ATTEST__MAX_KEYS];
    size_t n;
} keyset;

static int add_key(keyset *ks, daas_bytes k, daas_err *err)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->keys[i].len == k.len && memcmp(ks->keys[i].ptr, k.ptr, k.len) == 0)
            return daas_fail(err, DAAS_EINVAL, "duplicate payload key \"%.*s\"",
                             (int)(k.len > 40 ? 40 : k.len), (const char *)k.ptr);
    if (ks->n == DAAS_ATTEST__MAX_KEYS)
        return daas_fail(err, DAAS_EINVAL, "payload map has more than %d entries",
                         DAAS_ATTEST__MAX_KEYS);
    ks->keys[ks->n++] = k;
    return DAAS_OK;
}

/* One key/value pair: known keys by table, unknown ones skipped (as fastcrypto does). */
static int payload_entry(daas_attest__cur *c, daas_attest_doc *d, keyset *ks, bool found[],
                         daas_err *err)
{
    daas_bytes k;
    int rc = daas_attest__cbor_string(c, DAAS_CBOR_TSTR, &k, "payload map key", err);
    if (rc == DAAS_OK)
        rc = add_key(ks, k, err);
    if (rc != DAAS_OK)
        return rc;
    for (size_t i = 0; i < NFIELDS; i++) {
        if (strlen(fields[i].name) == k.len && memcmp(fields[i].name, k.ptr, k.len) == 0) {
            found[i] = true;
            return fields[i].parse(c, d, err);
        }
    }
    return daas_attest__cbor_skip(c, 1, err);
}

static int parse_payload(daas_bytes payload, daas_attest_doc *d, daas_err *err)
{
    daas_attest__cur c = {payload.ptr, payload.len, 0};
    keyset ks = {.n = 0};
    bool found[NFIELDS] = {false};
    iter it;
    int rc = open_container(&c, DAAS_CBOR_MAP, &it, "payload", err);
    for (; rc == DAAS_OK && iter_next(&c, &it); it.seen++)
        rc = payload_entry(&c, d, &ks, found, err);
    if (rc != DAAS_OK)
        return rc;
    if (c.off != c.len)
        return daas_fail(err, DAAS_EINVAL, "%zu trailing bytes after the payload map",
                         c.len - c.off);
    for (size_t i = 0; i < NFIELDS; i++)
        if (fields[i].required && !found[i])
            return daas_fail(err, DAAS_EINVAL, "%s not found in the payload", fields[i].name);
    return DAAS_OK;
}

/* ---- COSE_Sign1 ---- */

/* SPEC: specs/nautilus.md §3.1: protected = bstr(a1 01 38 22) = {1 (alg): -35 (ES384)}. */
static const uint8_t es384_protected[4] = {0xa1, 0x01, 0x38, 0x22};

/* Optional tag 18 (COSE_Sign1), then the array head: 4 items, definite or indefinite. */
static int cose_open(daas_attest__cur *c, iter *it, daas_err *err)
{
    daas_attest__head h = {0};
    int rc;
    if (c->off < c->len && (c->p[c->off] >> 5) == DAAS_CBOR_TAG) {
        rc = daas_attest__cbor_head(c, &h, "COSE tag", err);
        if (rc != DAAS_OK)
            return rc;
        if (h.arg != 18)
            return daas_fail(err, DAAS_EINVAL, "invalid tag %llu (COSE_Sign1 is 18)",
                             (unsigned long long)h.arg);
    }
    rc = open_container(c, DAAS_CBOR_ARRAY, it, "COSE_Sign1", err);
    if (rc == DAAS_OK && !it->h.indef && it->h.arg != 4)
        rc = daas_fail(err, DAAS_EINVAL, "COSE_Sign1 has %llu items (want 4)",
                       (unsigned long long)it->h.arg);
    return rc;
}

/* The four items: protected header, unprotected map (any content), payload, signature. */
static int cose_items(daas_attest__cur *c, daas_attest_doc *d, daas_err *err)
{
    iter um;
    int rc = daas_attest__cbor_string(c, DAAS_CBOR_BSTR, &d->protected_hdr, "protected header",
                                      err);
    if (rc != DAAS_OK)
        return rc;
    if (d->protected_hdr.len != sizeof es384_protected ||
        memcmp(d->protected_hdr.ptr, es384_protected, sizeof es384_protected) != 0)
        return daas_fail(err, DAAS_EINVAL, "protected header is not {1: -35} (ES384)");
    rc = open_container(c, DAAS_CBOR_MAP, &um, "unprotected header", err);
    if (rc != DAAS_OK)
        return rc;
    rc = skip_children(c, &um.h, 2, 1, err);
    if (rc == DAAS_OK)
        rc = bytes_field(c, "payload", 1, DAAS_ATTEST_MAX_PAYLOAD, &d->payload, err);
    if (rc == DAAS_OK)
        rc = daas_attest__cbor_string(c, DAAS_CBOR_BSTR, &d->signature, "signature", err);
    if (rc == DAAS_OK && d->signature.len != DAAS_ATTEST_SIG_LEN)
        rc = daas_fail(err, DAAS_EINVAL, "signature is %zu bytes (want %d: raw r||s)",
                       d->signature.len, DAAS_ATTEST_SIG_LEN);
    return rc;
}

static int parse_cose(daas_attest_doc *d, daas_err *err)
{
    daas_attest__cur c = {d->_raw, d->_raw_len, 0};
    iter it;
    int rc = cose_open(&c, &it, err);
    if (rc == DAAS_OK)
        rc = cose_items(&c, d, err);
    if (rc == DAAS_OK && it.h.indef && !daas_attest__cbor_peek(&c, 0xff))
        rc = daas_fail(err, DAAS_EINVAL, "COSE_Sign1 has more than 4 items");
    if (rc == DAAS_OK && it.h.indef)
        c.off++;
    if (rc == DAAS_OK && c.off != c.len)
        rc = daas_fail(err, DAAS_EINVAL, "%zu trailing bytes after the COSE_Sign1",
                       c.len - c.off);
    if (rc == DAAS_OK)
        rc = parse_payload(d->payload, d, err);
    return rc;
}

/* Debug mode (specs/nautilus.md §3.7): PCR0, PCR1 and PCR2 all zero. An absent one counts as
 * zero, so a document cannot escape the debug rule by leaving them out. */
static bool debug_pcrs(const daas_attest_doc *d)
{
    for (int i = 0; i < 3; i++)
        for (size_t j = 0; d->pcrs[i].present && j < d->pcrs[i].len; j++)
            if (d->pcrs[i].value[j] != 0)
                return false;
    return true;
}

int daas_attest_parse(const uint8_t *bytes, size_t len, daas_attest_doc *doc, daas_err *err)
{
    daas_attest_doc d = {0};
    if (bytes == NULL || len == 0)
        return daas_fail(err, DAAS_EINVAL, "empty attestation document");
    if (len > DAAS_ATTEST_MAX_DOC)
        return daas_fail(err, DAAS_EINVAL, "attestation document of %zu bytes (max %d)", len,
                         DAAS_ATTEST_MAX_DOC);
    d._raw = daas_xmalloc(len);
    memcpy(d._raw, bytes, len);
    d._raw_len = len;
    int rc = parse_cose(&d, err);
    if (rc != DAAS_OK) {
        daas_attest_doc_fini(&d);
        return rc;
    }
    d.is_debug = debug_pcrs(&d);
    *doc = d;
    return DAAS_OK;
}

void daas_attest_doc_fini(daas_attest_doc *doc)
{
    if (doc == NULL)
        return;
    daas_free(doc->module_id);
    daas_free(doc->digest);
    daas_free(doc->_raw);
    *doc = (daas_attest_doc){0};
}

/* ---- Sig_structure ---- */

static int put_head(daas_buf *b, int major, uint64_t v)
{
    uint8_t h[9];
    size_t n;
    if (v < 24) {
        h[0] = (uint8_t)(major << 5 | (int)v);
        n = 1;
    } else {
        int ai = v <= 0xff ? 24 : v <= 0xffff ? 25 : v <= 0xffffffffu ? 26 : 27;
        n = (size_t)1 << (ai - 24);
        h[0] = (uint8_t)(major << 5 | ai);
        for (size_t i = 0; i < n; i++)
            h[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
        n++;
    }
    return daas_buf_append(b, h, n);
}

int daas_attest_sig_structure(daas_bytes protected_hdr, daas_bytes payload, daas_buf *out)
{
    /* SPEC: specs/nautilus.md §3.3: 84 6a "Signature1" bstr(protected) 40 bstr(payload) */
    static const uint8_t head[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    static const uint8_t empty_aad = 0x40;
    int rc = daas_buf_append(out, head, sizeof head);
    if (rc == DAAS_OK)
        rc = put_head(out, DAAS_CBOR_BSTR, protected_hdr.len);
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, protected_hdr.ptr, protected_hdr.len);
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, &empty_aad, 1);
    if (rc == DAAS_OK)
        rc = put_head(out, DAAS_CBOR_BSTR, payload.len);
    if (rc == DAAS_OK)
        rc = daas_buf_append(out, payload.ptr, payload.len);
    return rc;
}
