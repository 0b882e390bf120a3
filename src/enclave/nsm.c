/*
 * nsm.c: the Nitro Secure Module path: the CBOR Attestation request, the ioctl on
 * /dev/nsm, and the decoding of its answer.
 *
 * Owns:   the NSM ioctl ABI (declared here: Debian's headers lack linux/nsm.h) and the
 *         request/response codec.
 * Not:    choosing between the NSM and the debug document (enclave.c); checking documents
 *         (attest*.c).
 * Model:  one open, one ioctl, one close per document, as Nautilus does; the kernel driver
 *         serialises requests.
 * Invariants:
 *   - the request is serde's externally tagged form with text keys, fields in the order
 *     user_data, nonce, public_key, absent values as CBOR null (specs §5.2);
 *   - responses are decoded with a real CBOR decoder (libcbor): key order, definite or
 *     indefinite maps do not matter; trailing bytes and unknown shapes are refused; the bytes
 *     are first walked with the bounded reader of attest_cbor.c, because libcbor 0.8
 *     allocates whatever size a container header claims.
 * Spec:   specs/nautilus.md §5.1 (device, ioctl), §5.2 (CBOR protocol), §1.4.
 */
#include "enclave/attest_int.h"
#include "enclave/enclave_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cbor.h>

#define NSM_REQUEST_MAX 0x1000
#define NSM_RESPONSE_MAX 0x3000

/* uapi linux/nsm.h: in, the buffers and their capacities; out, response.len = bytes. */
struct nsm_iovec {
    uint64_t addr;
    uint64_t len;
};
struct nsm_raw {
    struct nsm_iovec request;
    struct nsm_iovec response;
};
#define NSM_IOCTL_RAW _IOWR(0x0A, 0x00, struct nsm_raw)
_Static_assert(NSM_IOCTL_RAW == 0xC0200A00u, "NSM_IOCTL_RAW differs from the kernel's");

/* ---- request ---- */

/* Contract in enclave_int.h. */
int daas_enclave__cbor_head(daas_buf *b, unsigned major, uint64_t v)
{
    uint8_t h[9];
    size_t n;
    if (v < 24) {
        h[0] = (uint8_t)(major << 5 | v);
        n = 1;
    } else if (v <= 0xff) {
        h[0] = (uint8_t)(major << 5 | 24);
        h[1] = (uint8_t)v;
        n = 2;
    } else if (v <= 0xffff) {
        h[0] = (uint8_t)(major << 5 | 25);
        h[1] = (uint8_t)(v >> 8);
        h[2] = (uint8_t)v;
        n = 3;
    } else if (v <= 0xffffffffu) {
        h[0] = (uint8_t)(major << 5 | 26);
        for (int i = 0; i < 4; i++)
            h[1 + i] = (uint8_t)(v >> (24 - 8 * i));
        n = 5;
    } else {
        h[0] = (uint8_t)(major << 5 | 27);
        for (int i = 0; i < 8; i++)
            h[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        n = 9;
    }
    return daas_buf_append(b, h, n);
}

/* Contract in enclave_int.h. */
int daas_enclave__cbor_text(daas_buf *b, const char *s)
{
    int rc = daas_enclave__cbor_head(b, 3, strlen(s));
    return rc == DAAS_OK ? daas_buf_append(b, s, strlen(s)) : rc;
}

/* Contract in enclave_int.h. */
int daas_enclave__cbor_bytes(daas_buf *b, const daas_bytes *v)
{
    static const uint8_t null = 0xf6;
    if (v == NULL)
        return daas_buf_append(b, &null, 1);
    int rc = daas_enclave__cbor_head(b, 2, v->len);
    return rc == DAAS_OK && v->len > 0 ? daas_buf_append(b, v->ptr, v->len) : rc;
}

/* Contract in enclave.h. */
int daas_enclave_nsm_request(const daas_bytes *user_data, const daas_bytes *nonce,
                             const daas_bytes *public_key, daas_buf *out, daas_err *err)
{
    if ((user_data && user_data->len > 512) || (nonce && nonce->len > 512) ||
        (public_key && public_key->len > 1024))
        return daas_fail(err, DAAS_EINVAL, "nsm: attestation request field over its limit");
    int rc = daas_enclave__cbor_head(out, 5, 1);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_text(out, "Attestation");
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_head(out, 5, 3);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_text(out, "user_data");
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(out, user_data);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_text(out, "nonce");
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(out, nonce);
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_text(out, "public_key");
    if (rc == DAAS_OK)
        rc = daas_enclave__cbor_bytes(out, public_key);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "nsm: request over the buffer's cap");
    return DAAS_OK;
}

/* ---- response ---- */

static bool text_is(cbor_item_t *it, const char *s)
{
    size_t n = strlen(s);
    return cbor_isa_string(it) && cbor_string_is_definite(it) && cbor_string_length(it) == n &&
           memcmp(cbor_string_handle(it), s, n) == 0;
}

/* The value under text key name in map m, or NULL (borrowed from m). */
static cbor_item_t *map_get(cbor_item_t *m, const char *name)
{
    struct cbor_pair *p = cbor_map_handle(m);
    for (size_t i = 0; i < cbor_map_size(m); i++)
        if (text_is(p[i].key, name))
            return p[i].value;
    return NULL;
}

static int take_document(cbor_item_t *att, daas_buf *doc, daas_err *err)
{
    cbor_item_t *d = cbor_isa_map(att) ? map_get(att, "document") : NULL;
    if (d == NULL || !cbor_isa_bytestring(d) || !cbor_bytestring_is_definite(d))
        return daas_fail(err, DAAS_EINVAL, "nsm: Attestation response without a document");
    size_t n = cbor_bytestring_length(d);
    if (n == 0 || n > DAAS_ENCLAVE_DOC_MAX)
        return daas_fail(err, DAAS_EINVAL, "nsm: document of %zu bytes", n);
    int rc = daas_buf_append(doc, cbor_bytestring_handle(d), n);
    return rc == DAAS_OK ? rc : daas_fail(err, rc, "nsm: document over the buffer's cap");
}

static int nsm_error(cbor_item_t *v, daas_err *err)
{
    if (!cbor_isa_string(v) || !cbor_string_is_definite(v) || cbor_string_length(v) > 64)
        return daas_fail(err, DAAS_EINVAL, "nsm: malformed Error response");
    return daas_fail(err, DAAS_EREMOTE, "nsm answered Error: %.*s", (int)cbor_string_length(v),
                     (const char *)cbor_string_handle(v));
}

/* Contract in enclave.h. */
int daas_enclave_nsm_response(daas_bytes resp, daas_buf *doc, daas_err *err)
{
    struct cbor_load_result res;
    int rc;
    if (resp.len == 0 || resp.len > NSM_RESPONSE_MAX)
        return daas_fail(err, DAAS_EINVAL, "nsm: response of %zu bytes", resp.len);
    /* libcbor allocates a container of the size its header claims before reading it: walk
     * the bytes with the bounded reader first, so a claim larger than the input fails here. */
    daas_attest__cur cur = {resp.ptr, resp.len, 0};
    daas_err why = {0};
    if (daas_attest__cbor_skip(&cur, 0, &why) != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "nsm: response is not CBOR: %s", why.msg);
    if (cur.off != resp.len)
        return daas_fail(err, DAAS_EINVAL, "nsm: %zu bytes after the response",
                         resp.len - cur.off);
    cbor_item_t *top = cbor_load(resp.ptr, resp.len, &res);
    if (top == NULL || res.error.code != CBOR_ERR_NONE)
        rc = daas_fail(err, DAAS_EINVAL, "nsm: response is not CBOR (at byte %zu)",
                       res.error.position);
    else if (res.read != resp.len)
        rc = daas_fail(err, DAAS_EINVAL, "nsm: %zu bytes after the response", resp.len - res.read);
    else if (!cbor_isa_map(top) || cbor_map_size(top) != 1)
        rc = daas_fail(err, DAAS_EINVAL, "nsm: unexpected response");
    else if (map_get(top, "Attestation") != NULL)
        rc = take_document(map_get(top, "Attestation"), doc, err);
    else if (map_get(top, "Error") != NULL)
        rc = nsm_error(map_get(top, "Error"), err);
    else
        rc = daas_fail(err, DAAS_EINVAL, "nsm: unexpected response");
    if (top != NULL)
        cbor_decref(&top);
    return rc;
}

/* ---- the device ---- */

static int nsm_ioctl(int fd, daas_bytes req, uint8_t *resp, size_t *resp_len, daas_err *err)
{
    struct nsm_raw raw = {
        .request = {(uint64_t)(uintptr_t)req.ptr, req.len},
        .response = {(uint64_t)(uintptr_t)resp, *resp_len},
    };
    if (ioctl(fd, NSM_IOCTL_RAW, &raw) != 0)
        return daas_fail(err, errno == EMSGSIZE ? DAAS_ETOOBIG : DAAS_EIO, "nsm: ioctl: %s",
                         strerror(errno));
    if (raw.response.len > *resp_len)
        return daas_fail(err, DAAS_EIO, "nsm: response length %llu over the buffer",
                         (unsigned long long)raw.response.len);
    *resp_len = (size_t)raw.response.len;
    return DAAS_OK;
}

/* Contract in enclave.h. */
int daas_enclave_nsm_attest(const char *dev, daas_bytes public_key, daas_buf *doc, daas_err *err)
{
    daas_buf req;
    size_t n = NSM_RESPONSE_MAX;
    uint8_t *resp = NULL;
    int fd = -1;

    daas_buf_init(&req, NSM_REQUEST_MAX);
    int rc = daas_enclave_nsm_request(NULL, NULL, &public_key, &req, err);
    if (rc != DAAS_OK)
        goto out;
    fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        rc = daas_fail(err, DAAS_EUNAVAIL, "nsm: open %s: %s", dev, strerror(errno));
        goto out;
    }
    resp = daas_xmalloc(n);
    rc = nsm_ioctl(fd, DAAS_BYTES(req.data, req.len), resp, &n, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_nsm_response(DAAS_BYTES(resp, n), doc, err);
out:
    if (fd >= 0)
        close(fd);
    daas_free(resp);
    daas_buf_fini(&req);
    return rc;
}
