/*
 * client.c: the server-side client of the enclave: HTTP/1.1 over one kept-alive socket, the
 * scheduling protocol of schedsvc.h, strict reply parsers and signature checks.
 *
 * Owns:   the daas_enclave_client (address, socket, reply buffer, trusted key).
 * Not:    attestation checks (attest.h), the protocol's server side (schedsvc.c).
 * Model:  one request at a time, Content-Length bodies (what api/http.c sends), a reply
 *         read until complete or the deadline; a kept-alive connection the enclave closed
 *         while idle is noticed when nothing at all comes back, and the request is sent once
 *         more on a fresh connection (nothing reached the enclave, so nothing repeats).
 * Invariants:
 *   - the reply buffer never holds more than DAAS_ENCLAVE_CLIENT_MAX_REPLY bytes;
 *   - after any transport or parse failure the socket is closed (no half-read replies);
 *   - no signature, decision or root leaves this file unverified.
 * Spec:   client.h; schedsvc.h.
 */
#include "enclave/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "common/util.h"
#include "enclave/addr.h"
#include "enclave/attest.h"
#include "sched/admission.h"
#include "sched/rebalance.h"
#include "sched/policy.h"
#include "sui/bcs.h"

struct daas_enclave_client {
    daas_enclave_addr addr;                 /* where the enclave listens */
    char where[DAAS_ENCLAVE_ADDR_TEXT_MAX]; /* addr as text, for messages */
    int timeout_ms;                         /* per request */
    int fd;                                 /* connected socket, or -1 */
    bool has_pk;                            /* pk was set */
    uint8_t pk[DAAS_ENCLAVE_PK_LEN];        /* the trusted enclave key */
    daas_buf in;                            /* the last reply (capped) */
};

/* ---- HTTP response parsing ---- */

static int bad_reply(daas_err *err, const char *what)
{
    return daas_fail(err, DAAS_EREMOTE, "enclave reply: %s", what);
}

/* Parses a decimal Content-Length value (digits only, <= max). */
static bool parse_length(const char *v, size_t n, size_t max, size_t *out)
{
    size_t x = 0;
    if (n == 0 || n > 12)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (size_t)(v[i] - '0');
    }
    *out = x;
    return x <= max;
}

static bool header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return false;
    const char *v = line + k + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *val = v;
    *vlen = (size_t)(end - v);
    return true;
}

typedef struct head {
    int status;
    bool has_length, keep_alive;
    size_t length;
} head;

/* One header line; DAAS_EREMOTE for what this client refuses. */
static int parse_header(const char *line, size_t n, head *h, daas_err *err)
{
    const char *v;
    size_t vlen, len;
    if (memchr(line, ':', n) == NULL)
        return bad_reply(err, "header line without a colon");
    if (header_is(line, n, "Content-Length", &v, &vlen)) {
        if (!parse_length(v, vlen, DAAS_ENCLAVE_CLIENT_MAX_REPLY, &len))
            return bad_reply(err, "bad or too large Content-Length");
        if (h->has_length && len != h->length)
            return bad_reply(err, "conflicting Content-Length headers");
        h->has_length = true;
        h->length = len;
    } else if (header_is(line, n, "Transfer-Encoding", &v, &vlen)) {
        return bad_reply(err, "Transfer-Encoding is not supported");
    } else if (header_is(line, n, "Connection", &v, &vlen)) {
        if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
            h->keep_alive = false;
    }
    return DAAS_OK;
}

static int parse_status_line(const char *p, size_t n, head *h, daas_err *err)
{
    if (n < 12 || (memcmp(p, "HTTP/1.1 ", 9) != 0 && memcmp(p, "HTTP/1.0 ", 9) != 0))
        return bad_reply(err, "not an HTTP/1.x status line");
    for (int i = 9; i < 12; i++)
        if (p[i] < '0' || p[i] > '9')
            return bad_reply(err, "bad status code");
    if (n > 12 && p[12] != ' ')
        return bad_reply(err, "bad status line");
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (h->status < 200)
        return bad_reply(err, "unexpected 1xx status");
    h->keep_alive = p[7] == '1';
    return DAAS_OK;
}

static int parse_head(const char *p, size_t n, head *h, daas_err *err)
{
    const char *eol = memmem(p, n, "\r\n", 2);
    int rc = parse_status_line(p, (size_t)(eol - p), h, err);
    while (rc == DAAS_OK) {
        const char *line = eol + 2;
        eol = memmem(line, (size_t)(p + n - line), "\r\n", 2);
        if (eol == line) /* the empty line */
            break;
        if (memchr(line, '\0', (size_t)(eol - line)) != NULL)
            return bad_reply(err, "NUL byte in a header");
        rc = parse_header(line, (size_t)(eol - line), h, err);
    }
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_http(daas_bytes in, bool eof, int *status, daas_bytes *body,
                                   size_t *consumed, bool *keep_alive, daas_err *err)
{
    const char *p = (const char *)in.ptr;
    size_t scan = in.len < DAAS_ENCLAVE_CLIENT_MAX_HEAD ? in.len : DAAS_ENCLAVE_CLIENT_MAX_HEAD;
    const char *end = scan > 0 ? memmem(p, scan, "\r\n\r\n", 4) : NULL;
    head h = {0};
    if (end == NULL) {
        if (scan == DAAS_ENCLAVE_CLIENT_MAX_HEAD)
            return bad_reply(err, "header section too large");
        return eof ? bad_reply(err, "connection closed inside the header section") : DAAS_EAGAIN;
    }
    size_t hlen = (size_t)(end - p) + 4;
    int rc = parse_head(p, hlen, &h, err);
    if (rc != DAAS_OK)
        return rc;
    size_t blen = in.len - hlen;
    if (h.has_length) {
        if (h.length > DAAS_ENCLAVE_CLIENT_MAX_REPLY - hlen)
            return bad_reply(err, "reply too large");
        if (blen < h.length)
            return eof ? bad_reply(err, "connection closed inside the body") : DAAS_EAGAIN;
        blen = h.length;
    } else {
        if (!eof)
            return DAAS_EAGAIN; /* delimited by the close */
        h.keep_alive = false;
    }
    *status = h.status;
    *body = DAAS_BYTES(in.ptr + hlen, blen);
    *consumed = hlen + blen;
    *keep_alive = h.keep_alive;
    return DAAS_OK;
}

/* ---- JSON helpers ---- */

static int load_object(daas_bytes body, size_t members, json_t **out, daas_err *err)
{
    json_error_t jerr;
    json_t *o = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL)
        return daas_fail(err, DAAS_EREMOTE, "enclave reply: not JSON: %s", jerr.text);
    if (!json_is_object(o) || (members > 0 && json_object_size(o) != members)) {
        json_decref(o);
        return bad_reply(err, "not the expected JSON object");
    }
    *out = o;
    return DAAS_OK;
}

/* Lowercase hex of the member key into a buffer of at most max bytes. */
static int get_hex(json_t *o, const char *key, size_t max, daas_buf *out, daas_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return daas_fail(err, DAAS_EREMOTE, "enclave reply: \"%s\" is not a string", key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n % 2 != 0 || n / 2 > max)
        return daas_fail(err, DAAS_EREMOTE, "enclave reply: \"%s\": bad hex length", key);
    for (size_t i = 0; i < n; i += 2) {
        int hi = daas_hexval((unsigned char)s[i]), lo = daas_hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0 || (s[i] >= 'A' && s[i] <= 'F') ||
            (s[i + 1] >= 'A' && s[i + 1] <= 'F'))
            return daas_fail(err, DAAS_EREMOTE, "enclave reply: \"%s\" is not lowercase hex", key);
        uint8_t byte = (uint8_t)(hi << 4 | lo);
        if (daas_buf_append(out, &byte, 1) != DAAS_OK)
            return daas_fail(err, DAAS_EREMOTE, "enclave reply: \"%s\" too long", key);
    }
    return DAAS_OK;
}

static int get_hex_exact(json_t *o, const char *key, uint8_t *out, size_t n, daas_err *err)
{
    daas_buf b;
    daas_buf_init(&b, n);
    int rc = get_hex(o, key, n, &b, err);
    if (rc == DAAS_OK && b.len != n)
        rc = daas_fail(err, DAAS_EREMOTE, "enclave reply: \"%s\" is not %zu bytes", key, n);
    if (rc == DAAS_OK)
        memcpy(out, b.data, n);
    daas_buf_fini(&b);
    return rc;
}

static int get_u64(json_t *o, const char *key, uint64_t *out, daas_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return daas_fail(err, DAAS_EREMOTE, "enclave reply: \"%s\" is not a count", key);
    *out = (uint64_t)json_integer_value(v);
    return DAAS_OK;
}

/* ---- body parsers ---- */

/* Contract in client.h. */
int daas_enclave_client_parse_health(daas_bytes body, uint8_t pk[DAAS_ENCLAVE_PK_LEN],
                                     daas_err *err)
{
    json_t *o = NULL;
    int rc = load_object(body, 0, &o, err); /* endpoints_status and future members */
    if (rc == DAAS_OK)
        rc = get_hex_exact(o, "pk", pk, DAAS_ENCLAVE_PK_LEN, err);
    json_decref(o);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_attestation(daas_bytes body, daas_buf *doc, daas_err *err)
{
    json_t *o = NULL;
    int rc = load_object(body, 1, &o, err);
    if (rc == DAAS_OK)
        rc = get_hex(o, "attestation", DAAS_ATTEST_MAX_DOC, doc, err);
    json_decref(o);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_state(daas_bytes body, uint64_t *seq,
                                    uint8_t digest[DAAS_SCHED_DIGEST_LEN], uint64_t *decisions,
                                    daas_err *err)
{
    json_t *o = NULL;
    int rc = load_object(body, decisions != NULL ? 3 : 2, &o, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "seq", seq, err);
    if (rc == DAAS_OK)
        rc = get_hex_exact(o, "digest", digest, DAAS_SCHED_DIGEST_LEN, err);
    if (rc == DAAS_OK && decisions != NULL)
        rc = get_u64(o, "decisions", decisions, err);
    json_decref(o);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_error(daas_bytes body, char *msg, size_t msg_len, bool *has_seq,
                                    uint64_t *seq, daas_err *err)
{
    json_t *o = NULL;
    int rc = load_object(body, 0, &o, err);
    json_t *e = rc == DAAS_OK ? json_object_get(o, "error") : NULL;
    size_t n = json_object_size(o);
    *has_seq = false;
    if (rc == DAAS_OK && (!json_is_string(e) || n > 2))
        rc = bad_reply(err, "not an {\"error\": ...} object");
    if (rc == DAAS_OK && n == 2) {
        rc = get_u64(o, "seq", seq, err);
        *has_seq = rc == DAAS_OK;
    }
    if (rc == DAAS_OK && msg_len > 0)
        snprintf(msg, msg_len, "%s", json_string_value(e));
    json_decref(o);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_decision(daas_bytes body, daas_sched_decision *dec,
                                       uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index,
                                       daas_err *err)
{
    json_t *o = NULL;
    daas_buf bcs;
    daas_err derr = {0};
    daas_buf_init(&bcs, DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = load_object(body, 3, &o, err);
    if (rc == DAAS_OK)
        rc = get_hex(o, "decision", DAAS_SCHED_MAX_DELTA_BYTES, &bcs, err);
    if (rc == DAAS_OK)
        rc = get_hex_exact(o, "signature", sig, DAAS_SCHED_SIG_LEN, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "index", index, err);
    if (rc == DAAS_OK &&
        daas_sched_decision_decode(DAAS_BYTES(bcs.data, bcs.len), dec, &derr) != DAAS_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "enclave reply: bad decision: %s", derr.msg);
    json_decref(o);
    daas_buf_fini(&bcs);
    return rc;
}

/* {"<field>": hex(BCS), "signature", "timestamp_ms", "index"}: the bytes appended to bcs. */
static int parse_signed(daas_bytes body, const char *field, size_t max, daas_buf *bcs,
                        uint64_t *timestamp_ms, uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index,
                        daas_err *err)
{
    json_t *o = NULL;
    int rc = load_object(body, 4, &o, err);
    if (rc == DAAS_OK)
        rc = get_hex(o, field, max, bcs, err);
    if (rc == DAAS_OK)
        rc = get_hex_exact(o, "signature", sig, DAAS_SCHED_SIG_LEN, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "timestamp_ms", timestamp_ms, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "index", index, err);
    json_decref(o);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_admit(daas_bytes body, daas_buf *decision_bcs, uint64_t *timestamp_ms,
                                    uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index, daas_err *err)
{
    daas_buf bcs;
    daas_err derr = {0};
    daas_sched_policy_result dec;
    daas_buf_init(&bcs, DAAS_SCHED_POLICY_MAX_BYTES);
    int rc = parse_signed(body, "decision", DAAS_SCHED_POLICY_MAX_BYTES, &bcs, timestamp_ms, sig,
                          index, err);
    if (rc == DAAS_OK &&
        daas_sched_policy_decision_decode(DAAS_BYTES(bcs.data, bcs.len), &dec, &derr) != DAAS_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "enclave reply: bad access decision: %s", derr.msg);
    else if (rc == DAAS_OK)
        daas_sched_policy_result_fini(&dec);
    if (rc == DAAS_OK && daas_buf_append(decision_bcs, bcs.data, bcs.len) != DAAS_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "enclave reply: decision over the caller's buffer");
    daas_buf_fini(&bcs);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_rebalance(daas_bytes body, daas_buf *plan_bcs, uint64_t *timestamp_ms,
                                        uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index,
                                        daas_err *err)
{
    daas_buf bcs;
    daas_err derr = {0};
    daas_sched_plan plan;
    daas_buf_init(&bcs, DAAS_SCHED_REBALANCE_MAX_BYTES);
    int rc = parse_signed(body, "plan", DAAS_SCHED_REBALANCE_MAX_BYTES, &bcs, timestamp_ms, sig,
                          index, err);
    if (rc == DAAS_OK &&
        daas_sched_rebalance_plan_decode(DAAS_BYTES(bcs.data, bcs.len), &plan, &derr) != DAAS_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "enclave reply: bad rebalance plan: %s", derr.msg);
    else if (rc == DAAS_OK)
        daas_sched_rebalance_plan_fini(&plan);
    if (rc == DAAS_OK && daas_buf_append(plan_bcs, bcs.data, bcs.len) != DAAS_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "enclave reply: plan over the caller's buffer");
    daas_buf_fini(&bcs);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_parse_batch(daas_bytes body, uint8_t root[DAAS_SCHED_DIGEST_LEN],
                                    uint64_t *first, uint64_t *count, uint64_t *ts,
                                    uint8_t sig[DAAS_SCHED_SIG_LEN], daas_err *err)
{
    json_t *o = NULL;
    int rc = load_object(body, 5, &o, err);
    if (rc == DAAS_OK)
        rc = get_hex_exact(o, "root", root, DAAS_SCHED_DIGEST_LEN, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "first", first, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "count", count, err);
    if (rc == DAAS_OK)
        rc = get_u64(o, "timestamp_ms", ts, err);
    if (rc == DAAS_OK)
        rc = get_hex_exact(o, "signature", sig, DAAS_SCHED_SIG_LEN, err);
    json_decref(o);
    return rc;
}

/* Contract in client.h. */
bool daas_enclave_client_batch_verify(const uint8_t pk[DAAS_ENCLAVE_PK_LEN],
                                      const uint8_t root[DAAS_SCHED_DIGEST_LEN], uint64_t first,
                                      uint64_t count, uint64_t ts,
                                      const uint8_t sig[DAAS_SCHED_SIG_LEN])
{
    daas_buf sb;
    daas_bytes payload;
    uint8_t intent = 0;
    uint64_t t = 0;
    bool ok = false;
    daas_buf_init(&sb, 256);
    if (daas_sched_batch_signing_bytes(root, first, count, ts, &sb, NULL) == DAAS_OK &&
        daas_enclave_intent_parse(DAAS_BYTES(sb.data, sb.len), &intent, &t, &payload, NULL) ==
            DAAS_OK)
        ok = daas_enclave_intent_verify(pk, intent, t, payload, sig);
    daas_buf_fini(&sb);
    return ok;
}

/* ---- transport ---- */

static void disconnect(daas_enclave_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int remaining_ms(int64_t deadline_ns)
{
    int64_t left = (deadline_ns - daas_mono_ns()) / 1000000;
    return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(daas_enclave_client *c, short events, int64_t deadline_ns, daas_err *err)
{
    struct pollfd pfd = {.fd = c->fd, .events = events};
    for (;;) {
        int left = remaining_ms(deadline_ns);
        int n = left > 0 ? poll(&pfd, 1, left) : 0;
        if (n > 0)
            return DAAS_OK;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return daas_fail(err, DAAS_EUNAVAIL, "enclave at %s: poll: %s", c->where,
                             strerror(errno));
        return daas_fail(err, DAAS_ETIMEOUT, "enclave at %s: no reply within %d ms", c->where,
                         c->timeout_ms);
    }
}

static int send_all(daas_enclave_client *c, const daas_buf *req, int64_t deadline_ns, daas_err *err)
{
    size_t off = 0;
    while (off < req->len) {
        int rc = wait_fd(c, POLLOUT, deadline_ns, err);
        if (rc != DAAS_OK)
            return rc;
        ssize_t n = send(c->fd, req->data + off, req->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n <= 0)
            return daas_fail(err, DAAS_EUNAVAIL, "enclave at %s: send: %s", c->where,
                             strerror(errno));
        off += (size_t)n;
    }
    return DAAS_OK;
}

/* Reads one reply into c->in. *got_any: some reply byte arrived. */
static int recv_reply(daas_enclave_client *c, int64_t deadline_ns, int *status, daas_bytes *body,
                      bool *keep_alive, bool *got_any, daas_err *err)
{
    char chunk[16384];
    size_t used = 0;
    bool eof = false;
    daas_buf_reset(&c->in);
    for (;;) {
        int rc = daas_enclave_client_parse_http(DAAS_BYTES(c->in.data, c->in.len), eof, status,
                                                body, &used, keep_alive, err);
        if (rc != DAAS_EAGAIN)
            return rc == DAAS_OK && used != c->in.len ? bad_reply(err, "bytes after the reply")
                                                      : rc;
        if (eof)
            return daas_fail(err, DAAS_EUNAVAIL, "enclave at %s: connection closed", c->where);
        rc = wait_fd(c, POLLIN, deadline_ns, err);
        if (rc != DAAS_OK)
            return rc;
        ssize_t n = recv(c->fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n < 0)
            return daas_fail(err, DAAS_EUNAVAIL, "enclave at %s: recv: %s", c->where,
                             strerror(errno));
        eof = n == 0;
        *got_any = *got_any || n > 0;
        if (n > 0 && daas_buf_append(&c->in, chunk, (size_t)n) != DAAS_OK)
            return bad_reply(err, "reply too large");
        if (eof && c->in.len == 0)
            return daas_fail(err, DAAS_EUNAVAIL, "enclave at %s: connection closed", c->where);
    }
}

static int connect_now(daas_enclave_client *c, int64_t deadline_ns, daas_err *err)
{
    daas_err cerr = {0};
    int left = remaining_ms(deadline_ns);
    if (left == 0)
        return daas_fail(err, DAAS_ETIMEOUT, "enclave at %s: no reply within %d ms", c->where,
                         c->timeout_ms);
    if (daas_enclave_addr_connect(&c->addr, left, &c->fd, &cerr) != DAAS_OK) {
        c->fd = -1;
        return daas_fail(err, DAAS_EUNAVAIL, "enclave at %s: %s", c->where, cerr.msg);
    }
    return DAAS_OK;
}

static int build_request(daas_enclave_client *c, const char *method, const char *path,
                         const char *ctype, daas_bytes body, daas_buf *req)
{
    int rc = daas_buf_printf(req, "%s %s HTTP/1.1\r\nHost: enclave\r\n", method, path);
    (void)c;
    if (rc == DAAS_OK && ctype != NULL)
        rc = daas_buf_printf(req, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, body.len);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(req, "Accept: application/json\r\n\r\n");
    if (rc == DAAS_OK && body.len > 0)
        rc = daas_buf_append(req, body.ptr, body.len);
    return rc;
}

/* One request and its reply (*rbody points into c->in until the next call). A kept-alive
 * connection that gives back nothing at all is replaced once (the enclave closed it idle). */
static int call(daas_enclave_client *c, const char *method, const char *path, const char *ctype,
                daas_bytes body, int *status, daas_bytes *rbody, daas_err *err)
{
    daas_buf req;
    int64_t deadline = daas_mono_ns() + (int64_t)c->timeout_ms * 1000000;
    int rc = DAAS_OK;
    daas_buf_init(&req, DAAS_ENCLAVE_CLIENT_MAX_BODY + 1024);
    if (build_request(c, method, path, ctype, body, &req) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "enclave request of %zu bytes", body.len);
    for (int attempt = 0; rc == DAAS_OK && attempt < 2; attempt++) {
        bool reused = c->fd >= 0, got_any = false, keep = false;
        daas_err aerr = {0};
        rc = reused ? DAAS_OK : connect_now(c, deadline, &aerr);
        if (rc == DAAS_OK)
            rc = send_all(c, &req, deadline, &aerr);
        if (rc == DAAS_OK)
            rc = recv_reply(c, deadline, status, rbody, &keep, &got_any, &aerr);
        if (rc != DAAS_OK || !keep)
            disconnect(c);
        if (rc == DAAS_EUNAVAIL && reused && !got_any) {
            rc = DAAS_OK; /* stale kept-alive connection: try a fresh one */
            continue;
        }
        if (rc != DAAS_OK)
            rc = daas_fail(err, aerr.code, "%s", aerr.msg);
        break;
    }
    daas_buf_fini(&req);
    return rc;
}

/* Turns a status outside the call's success into an error with the enclave's text. */
static int status_error(daas_enclave_client *c, int status, daas_bytes body, bool *has_seq,
                        uint64_t *seq, daas_err *err)
{
    char msg[200] = "";
    bool hs = false;
    uint64_t s = 0;
    daas_err perr = {0};
    if (daas_enclave_client_parse_error(body, msg, sizeof msg, &hs, &s, &perr) != DAAS_OK)
        snprintf(msg, sizeof msg, "(%.180s)", perr.msg);
    if (has_seq != NULL) {
        *has_seq = hs;
        *seq = s;
    }
    if (status == 400)
        return daas_fail(err, DAAS_EINVAL, "enclave refused the request: %s", msg);
    if (status == 409)
        return daas_fail(err, DAAS_ECONFLICT, "%s", msg);
    return daas_fail(err, DAAS_EREMOTE, "enclave at %s answered %d: %s", c->where, status, msg);
}

/* ---- lifecycle ---- */

/* Contract in client.h. */
int daas_enclave_client_new(const char *addr, int timeout_ms, daas_enclave_client **out,
                            daas_err *err)
{
    daas_enclave_addr a;
    if (timeout_ms <= 0)
        return daas_fail(err, DAAS_EINVAL, "enclave client: timeout must be > 0 ms");
    int rc = daas_enclave_addr_parse(addr, &a, err);
    if (rc != DAAS_OK)
        return rc;
    daas_enclave_client *c = daas_xcalloc(1, sizeof *c);
    c->addr = a;
    daas_enclave_addr_format(&a, c->where, sizeof c->where);
    c->timeout_ms = timeout_ms;
    c->fd = -1;
    daas_buf_init(&c->in, DAAS_ENCLAVE_CLIENT_MAX_REPLY);
    *out = c;
    return DAAS_OK;
}

/* Contract in client.h. */
void daas_enclave_client_free(daas_enclave_client **pc)
{
    if (pc == NULL || *pc == NULL)
        return;
    disconnect(*pc);
    daas_buf_fini(&(*pc)->in);
    daas_free(*pc);
    *pc = NULL;
}

/* Contract in client.h. */
void daas_enclave_client_set_key(daas_enclave_client *c, const uint8_t pk[DAAS_ENCLAVE_PK_LEN])
{
    memcpy(c->pk, pk, DAAS_ENCLAVE_PK_LEN);
    c->has_pk = true;
}

/* ---- calls ---- */

/* Contract in client.h. */
int daas_enclave_client_health(daas_enclave_client *c, uint8_t pk[DAAS_ENCLAVE_PK_LEN],
                               daas_err *err)
{
    int status = 0;
    daas_bytes body;
    int rc = call(c, "GET", "/health_check", NULL, DAAS_BYTES(NULL, 0), &status, &body, err);
    if (rc == DAAS_OK && status != 200)
        return status_error(c, status, body, NULL, NULL, err);
    return rc == DAAS_OK ? daas_enclave_client_parse_health(body, pk, err) : rc;
}

/* Contract in client.h. */
int daas_enclave_client_attestation(daas_enclave_client *c, daas_buf *doc, daas_err *err)
{
    int status = 0;
    daas_bytes body;
    int rc = call(c, "GET", "/get_attestation", NULL, DAAS_BYTES(NULL, 0), &status, &body, err);
    if (rc == DAAS_OK && status != 200)
        return status_error(c, status, body, NULL, NULL, err);
    return rc == DAAS_OK ? daas_enclave_client_parse_attestation(body, doc, err) : rc;
}

/* Posts BCS(vector<Delta>) = uleb(n) || deltas. */
static int post_deltas(daas_enclave_client *c, const daas_buf *deltas, size_t n, uint64_t *seq,
                       uint8_t digest[DAAS_SCHED_DIGEST_LEN], daas_err *err)
{
    daas_buf body;
    daas_bytes rbody;
    int status = 0;
    bool has_seq = false;
    daas_buf_init(&body, DAAS_ENCLAVE_CLIENT_MAX_BODY + 16);
    int rc = daas_sui_bcs_put_len(&body, n);
    if (rc == DAAS_OK)
        rc = daas_buf_append(&body, deltas->data, deltas->len);
    if (rc == DAAS_OK)
        rc = call(c, "POST", "/sched/deltas", "application/octet-stream",
                  DAAS_BYTES(body.data, body.len), &status, &rbody, err);
    if (rc == DAAS_OK && status == 200)
        rc = daas_enclave_client_parse_state(rbody, seq, digest, NULL, err);
    else if (rc == DAAS_OK)
        rc = status_error(c, status, rbody, &has_seq, seq, err);
    daas_buf_fini(&body);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_deltas(daas_enclave_client *c, const daas_sched_delta *d, size_t n,
                               uint64_t *seq, uint8_t digest[DAAS_SCHED_DIGEST_LEN], daas_err *err)
{
    daas_buf chunk, one;
    size_t k = 0;
    int rc = n == 0 ? daas_fail(err, DAAS_EINVAL, "enclave client: no deltas") : DAAS_OK;
    daas_buf_init(&chunk, DAAS_ENCLAVE_CLIENT_MAX_BODY);
    daas_buf_init(&one, DAAS_SCHED_MAX_DELTA_BYTES);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        daas_buf_reset(&one);
        rc = daas_sched_delta_encode(&d[i], &one, err);
        if (rc == DAAS_OK && k > 0 && chunk.len + one.len > DAAS_ENCLAVE_CLIENT_MAX_BODY) {
            rc = post_deltas(c, &chunk, k, seq, digest, err);
            daas_buf_reset(&chunk);
            k = 0;
        }
        if (rc == DAAS_OK)
            rc = daas_buf_append(&chunk, one.data, one.len);
        k++;
    }
    if (rc == DAAS_OK)
        rc = post_deltas(c, &chunk, k, seq, digest, err);
    daas_buf_fini(&chunk);
    daas_buf_fini(&one);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_state(daas_enclave_client *c, uint64_t *seq,
                              uint8_t digest[DAAS_SCHED_DIGEST_LEN], uint64_t *decisions,
                              daas_err *err)
{
    int status = 0;
    daas_bytes body;
    int rc = call(c, "GET", "/sched/state", NULL, DAAS_BYTES(NULL, 0), &status, &body, err);
    if (rc == DAAS_OK && status != 200)
        return status_error(c, status, body, NULL, NULL, err);
    return rc == DAAS_OK ? daas_enclave_client_parse_state(body, seq, digest, decisions, err) : rc;
}

/* The decision must be for this pod and signed by the trusted key. */
static int check_decision(const daas_enclave_client *c, const daas_sched_pod *pod,
                          const daas_sched_decision *dec, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                          daas_err *err)
{
    if (daas_sched_decision_verify(dec, c->pk, sig, NULL) != DAAS_OK)
        return daas_fail(err, DAAS_EUNAUTH, "enclave signature does not verify");
    if (strcmp(dec->pod_uid, pod->uid) != 0 ||
        memcmp(dec->spec_digest, pod->spec_digest, DAAS_SCHED_DIGEST_LEN) != 0)
        return daas_fail(err, DAAS_EUNAUTH,
                         "enclave answered with a decision for another pod "
                         "(%s)",
                         dec->pod_uid);
    return DAAS_OK;
}

/* Contract in client.h. */
int daas_enclave_client_schedule(daas_enclave_client *c, const daas_sched_pod *pod,
                                 daas_sched_decision *dec, uint8_t sig[DAAS_SCHED_SIG_LEN],
                                 uint64_t *index, char *reason, size_t reason_len, daas_err *err)
{
    daas_buf body;
    daas_bytes rbody;
    int status = 0;
    if (!c->has_pk)
        return daas_fail(err, DAAS_EINVAL, "enclave client: no trusted key set");
    daas_buf_init(&body, DAAS_SCHED_MAX_DELTA_BYTES);
    int rc = daas_sched_pod_encode(pod, &body, err);
    if (rc == DAAS_OK)
        rc = call(c, "POST", "/sched/schedule", "application/octet-stream",
                  DAAS_BYTES(body.data, body.len), &status, &rbody, err);
    daas_buf_fini(&body);
    if (rc != DAAS_OK)
        return rc;
    if (status == 409 && reason != NULL && reason_len > 0) {
        bool hs;
        uint64_t s;
        daas_err perr = {0};
        if (daas_enclave_client_parse_error(rbody, reason, reason_len, &hs, &s, &perr) != DAAS_OK)
            snprintf(reason, reason_len, "(%.180s)", perr.msg);
    }
    if (status != 200)
        return status_error(c, status, rbody, NULL, NULL, err);
    rc = daas_enclave_client_parse_decision(rbody, dec, sig, index, err);
    if (rc == DAAS_OK)
        rc = check_decision(c, pod, dec, sig, err);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_batch(daas_enclave_client *c, uint64_t first, uint64_t count,
                              uint8_t root[DAAS_SCHED_DIGEST_LEN], uint8_t sig[DAAS_SCHED_SIG_LEN],
                              uint64_t *ts, daas_err *err)
{
    char req[128];
    daas_bytes rbody;
    int status = 0;
    uint64_t f = 0, n = 0;
    if (!c->has_pk)
        return daas_fail(err, DAAS_EINVAL, "enclave client: no trusted key set");
    if (count == 0)
        return daas_fail(err, DAAS_EINVAL, "enclave client: empty batch");
    snprintf(req, sizeof req, "{\"first\":%llu,\"count\":%llu}", (unsigned long long)first,
             (unsigned long long)count);
    int rc = call(c, "POST", "/sched/batch", "application/json", DAAS_BYTES_STR(req), &status,
                  &rbody, err);
    if (rc == DAAS_OK && status != 200)
        return status_error(c, status, rbody, NULL, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_client_parse_batch(rbody, root, &f, &n, ts, sig, err);
    if (rc == DAAS_OK && (f != first || n != count))
        rc = daas_fail(err, DAAS_EREMOTE, "enclave answered a batch for another range");
    if (rc == DAAS_OK && !daas_enclave_client_batch_verify(c->pk, root, first, count, *ts, sig))
        rc = daas_fail(err, DAAS_EUNAUTH, "enclave signature does not verify");
    return rc;
}

/* The decision must be signed by the trusted key, for exactly this request and these rules. */
static int check_admit(const daas_enclave_client *c, daas_bytes request_bcs, daas_bytes rules_bcs,
                       daas_bytes dec_bcs, uint64_t ts, const uint8_t sig[DAAS_SCHED_SIG_LEN],
                       daas_err *err)
{
    daas_sched_policy_result dec;
    uint8_t hq[DAAS_SCHED_POLICY_DIGEST_LEN], hr[DAAS_SCHED_POLICY_DIGEST_LEN];
    if (!daas_sched_admission_verify(ts, dec_bcs, c->pk, sig))
        return daas_fail(err, DAAS_EUNAUTH, "enclave signature does not verify");
    if (daas_sched_policy_decision_decode(dec_bcs, &dec, NULL) != DAAS_OK)
        return daas_fail(err, DAAS_EREMOTE, "enclave reply: bad access decision");
    crypto_generichash(hq, sizeof hq, request_bcs.ptr, request_bcs.len, NULL, 0);
    crypto_generichash(hr, sizeof hr, rules_bcs.ptr, rules_bcs.len, NULL, 0);
    bool same = memcmp(dec.request_digest, hq, sizeof hq) == 0 &&
                memcmp(dec.rules_digest, hr, sizeof hr) == 0;
    daas_sched_policy_result_fini(&dec);
    if (!same)
        return daas_fail(err, DAAS_EUNAUTH,
                         "enclave answered with a decision for another request or rules");
    return DAAS_OK;
}

/* Contract in client.h. */
int daas_enclave_client_admit(daas_enclave_client *c, daas_bytes request_bcs, daas_bytes rules_bcs,
                              daas_buf *decision_bcs, uint64_t *timestamp_ms,
                              uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index, daas_err *err)
{
    daas_buf body, dec;
    daas_bytes rbody;
    int status = 0;
    if (!c->has_pk)
        return daas_fail(err, DAAS_EINVAL, "enclave client: no trusted key set");
    daas_buf_init(&body, DAAS_ENCLAVE_CLIENT_MAX_BODY);
    daas_buf_init(&dec, DAAS_SCHED_POLICY_MAX_BYTES);
    int rc = daas_buf_append(&body, request_bcs.ptr, request_bcs.len);
    if (rc == DAAS_OK)
        rc = daas_buf_append(&body, rules_bcs.ptr, rules_bcs.len);
    if (rc != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "enclave client: admission request over %zu bytes",
                       DAAS_ENCLAVE_CLIENT_MAX_BODY);
    if (rc == DAAS_OK)
        rc = call(c, "POST", "/sched/admit", "application/octet-stream",
                  DAAS_BYTES(body.data, body.len), &status, &rbody, err);
    if (rc == DAAS_OK && status != 200)
        rc = status_error(c, status, rbody, NULL, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_client_parse_admit(rbody, &dec, timestamp_ms, sig, index, err);
    if (rc == DAAS_OK)
        rc = check_admit(c, request_bcs, rules_bcs, DAAS_BYTES(dec.data, dec.len), *timestamp_ms,
                         sig, err);
    if (rc == DAAS_OK && daas_buf_append(decision_bcs, dec.data, dec.len) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "enclave client: decision over the caller's buffer");
    daas_buf_fini(&body);
    daas_buf_fini(&dec);
    return rc;
}

/* Contract in client.h. */
int daas_enclave_client_rebalance(daas_enclave_client *c, daas_bytes request_bcs,
                                  daas_buf *plan_bcs, uint64_t *timestamp_ms,
                                  uint8_t sig[DAAS_SCHED_SIG_LEN], uint64_t *index, daas_err *err)
{
    daas_buf plan;
    daas_bytes rbody;
    daas_sched_plan p;
    int status = 0;
    uint8_t hq[DAAS_SCHED_DIGEST_LEN];
    if (!c->has_pk)
        return daas_fail(err, DAAS_EINVAL, "enclave client: no trusted key set");
    if (request_bcs.len > DAAS_ENCLAVE_CLIENT_MAX_BODY)
        return daas_fail(err, DAAS_ETOOBIG, "enclave client: rebalance request over %zu bytes",
                         DAAS_ENCLAVE_CLIENT_MAX_BODY);
    daas_buf_init(&plan, DAAS_SCHED_REBALANCE_MAX_BYTES);
    int rc = call(c, "POST", "/sched/rebalance", "application/octet-stream", request_bcs, &status,
                  &rbody, err);
    if (rc == DAAS_OK && status != 200)
        rc = status_error(c, status, rbody, NULL, NULL, err);
    if (rc == DAAS_OK)
        rc = daas_enclave_client_parse_rebalance(rbody, &plan, timestamp_ms, sig, index, err);
    daas_bytes pb = DAAS_BYTES(plan.data, plan.len);
    if (rc == DAAS_OK &&
        daas_sched_rebalance_verify(pb, *timestamp_ms, sig, c->pk, NULL) != DAAS_OK)
        rc = daas_fail(err, DAAS_EUNAUTH, "enclave signature does not verify");
    if (rc == DAAS_OK && daas_sched_rebalance_plan_decode(pb, &p, err) == DAAS_OK) {
        crypto_generichash(hq, sizeof hq, request_bcs.ptr, request_bcs.len, NULL, 0);
        if (memcmp(p.request_digest, hq, sizeof hq) != 0)
            rc = daas_fail(err, DAAS_EUNAUTH, "enclave answered with a plan for another request");
        daas_sched_rebalance_plan_fini(&p);
    }
    if (rc == DAAS_OK && daas_buf_append(plan_bcs, plan.data, plan.len) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "enclave client: plan over the caller's buffer");
    daas_buf_fini(&plan);
    return rc;
}
