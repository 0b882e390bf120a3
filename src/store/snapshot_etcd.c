/*
 * snapshot_etcd.c: etcd snapshots through the JSON gateway (daas_store_snapshot_save_etcd):
 *                  POST /v3/maintenance/snapshot streamed into a temp file, checked, published.
 *
 * Owns:   the stream's temp file and parsing of its JSON messages (untrusted bytes; the
 *         stream is cut into lines by daas_store_etcd__lines).
 *         The same SHA-256 check of a snapshot file (daas_store_snapshot_verify_etcd).
 * Invariants: a snapshot is published only when the stream ended completely and etcd's
 *             appended SHA-256 matches; otherwise the temp file is removed.
 * Spec:   snapshot.h; etcd 3.4 maintenance Snapshot (blob chunks, remaining_bytes).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/util.h"
#include "store/etcd.h"
#include "store/snapshot.h"
#include "store/snapshot_int.h"

/* ------------------------------------------------------------------------------------------
 * etcd snapshots through the JSON gateway.
 */
enum { ETCD_LINE_MAX = 8 << 20 }; /* one JSON message (etcd sends 32 KiB blobs) */

typedef struct etcd_stream {
    int fd;            /* the temp file */
    daas_buf line;     /* the message being received (up to '\n') */
    daas_buf dec;      /* scratch: a decoded blob */
    int64_t total;     /* bytes written to fd */
    int64_t remaining; /* remaining_bytes of the last message; -1 before the first */
    int rc;            /* first failure while streaming */
    daas_err *err;
} etcd_stream;

/* The text of a gateway error: {"error":{"message":...}} (streams) or {"error":"..."}. */
static const char *etcd_error_text(json_t *e, json_t *root)
{
    if (json_is_string(e))
        return json_string_value(e);
    json_t *m = json_object_get(e, "message");
    if (!json_is_string(m))
        m = json_object_get(root, "message");
    return json_is_string(m) ? json_string_value(m) : "error";
}

int daas_store__snap_etcd_message(const char *p, size_t n, daas_buf *blob, int64_t *remaining,
                                  daas_err *err)
{
    json_t *j = json_loadb(p, n, 0, NULL);
    json_t *res = j ? json_object_get(j, "result") : NULL;
    json_t *e = j ? json_object_get(j, "error") : NULL;
    uint64_t rem = 0;
    int rc = DAAS_OK;
    daas_buf_reset(blob);
    if (!j || (!e && !json_is_object(res)))
        rc = daas_fail(err, DAAS_EREMOTE, "etcd snapshot: unexpected reply");
    else if (e)
        rc = daas_fail(err, DAAS_EREMOTE, "etcd: %s", etcd_error_text(e, j));
    json_t *b = rc == DAAS_OK ? json_object_get(res, "blob") : NULL;
    json_t *rb = rc == DAAS_OK ? json_object_get(res, "remaining_bytes") : NULL;
    if (rc == DAAS_OK &&
        ((rb && !daas_json_u64(rb, &rem)) || (b && !json_is_string(b)) || rem > INT64_MAX))
        rc = daas_fail(err, DAAS_EREMOTE, "etcd snapshot: malformed message");
    if (rc == DAAS_OK && b &&
        daas_base64_decode(json_string_value(b), json_string_length(b), blob) != DAAS_OK)
        rc = daas_fail(err, DAAS_EREMOTE, "etcd snapshot: bad base64 in a blob");
    if (rc == DAAS_OK)
        *remaining = (int64_t)rem;
    json_decref(j);
    return rc;
}

/* One message (a daas_store_etcd__line_fn): its blob is appended to the file. */
static int etcd_message(void *arg, const char *p, size_t n)
{
    etcd_stream *es = arg;
    int64_t rem = 0;
    int rc = daas_store__snap_etcd_message(p, n, &es->dec, &rem, es->err);
    if (rc == DAAS_OK && es->dec.len) {
        int we = daas_write_all(es->fd, es->dec.data, es->dec.len);
        if (we != 0)
            rc = daas_fail(es->err, DAAS_EIO, "write snapshot: %s", strerror(we));
        es->total += (int64_t)es->dec.len;
    }
    if (rc == DAAS_OK)
        es->remaining = rem;
    return rc;
}

static size_t etcd_on_body(char *p, size_t sz, size_t nm, void *arg)
{
    etcd_stream *es = arg;
    if (es->rc != DAAS_OK)
        return 0;
    if (daas_buf_append(&es->line, p, sz * nm) != DAAS_OK) {
        es->rc = daas_fail(es->err, DAAS_EREMOTE, "etcd snapshot: message too long");
        return 0;
    }
    es->rc = daas_store_etcd__lines(&es->line, false, etcd_message, es);
    return es->rc == DAAS_OK ? sz * nm : 0;
}

/* Whether etcd's trailer holds: the last 32 of fd's first total bytes are the SHA-256 of the
 * bytes before them (*match false too when total < 32). DAAS_EIO when fd cannot be hashed. */
static int etcd_trailer_ok(int fd, int64_t total, bool *match, daas_err *err)
{
    unsigned char want[32], got[EVP_MAX_MD_SIZE], buf[65536];
    unsigned int glen = 0;
    *match = false;
    if (total < 32)
        return DAAS_OK;
    if (pread(fd, want, 32, total - 32) != 32)
        return daas_fail(err, DAAS_EIO, "etcd snapshot: cannot read its checksum");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (int64_t off = 0; ok && off < total - 32;) {
        size_t want_n =
            (size_t)(total - 32 - off) < sizeof buf ? (size_t)(total - 32 - off) : sizeof buf;
        ssize_t r = pread(fd, buf, want_n, off);
        ok = r > 0 && EVP_DigestUpdate(ctx, buf, (size_t)r);
        off += r > 0 ? r : 0;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, got, &glen) && glen == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return daas_fail(err, DAAS_EIO, "etcd snapshot: cannot hash the file");
    *match = daas_ct_equal(got, want, 32);
    return DAAS_OK;
}

/* The streamed file's trailer (etcd_trailer_ok), failing with the stream's messages. */
static int etcd_check_sha(int fd, int64_t total, daas_err *err)
{
    bool match = false;
    int rc = etcd_trailer_ok(fd, total, &match, err);
    if (rc != DAAS_OK)
        return rc;
    if (total < 32)
        return daas_fail(err, DAAS_EREMOTE, "etcd snapshot: too short (%lld bytes)",
                         (long long)total);
    if (!match)
        return daas_fail(err, DAAS_EREMOTE, "etcd snapshot: SHA-256 mismatch (corrupt stream)");
    return DAAS_OK;
}

int daas_store_snapshot_verify_etcd(const char *path, int64_t *size_out, daas_err *err)
{
    struct stat sb;
    bool match = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return daas_fail(err, errno == ENOENT ? DAAS_ENOTFOUND : DAAS_EIO, "cannot open %s: %s",
                         path, strerror(errno));
    int rc = DAAS_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = daas_fail(err, DAAS_EINVALID, "%s is not a regular file", path);
    if (rc == DAAS_OK)
        rc = etcd_trailer_ok(fd, (int64_t)sb.st_size, &match, err);
    if (rc == DAAS_OK && !match)
        rc = daas_fail(err, DAAS_EINVALID,
                       "%s: SHA-256 mismatch: not an etcd snapshot, or a corrupt one", path);
    if (rc == DAAS_OK && size_out)
        *size_out = (int64_t)sb.st_size;
    close(fd);
    return rc;
}

static void etcd_curl_setup(CURL *h, const char *url, struct curl_slist *hdrs, etcd_stream *es,
                            char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, etcd_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, es);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a stalled stream, not a big one */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}

/* A failure before any byte arrived that another endpoint may not have. */
static bool etcd_try_next(CURLcode cc, const etcd_stream *es)
{
    return es->total == 0 && es->rc == DAAS_OK &&
           (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
            cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_OPERATION_TIMEDOUT);
}

/* After the transfer: the last line, the status, completeness and the checksum. */
static int etcd_finish_stream(etcd_stream *es, long http)
{
    if (es->rc == DAAS_OK)
        es->rc = daas_store_etcd__lines(&es->line, true, etcd_message, es);
    if (es->rc != DAAS_OK)
        return es->rc;
    if (http != 200)
        return daas_fail(es->err, DAAS_EREMOTE, "etcd gateway answered HTTP %ld", http);
    if (es->remaining != 0)
        return daas_fail(es->err, DAAS_EREMOTE, "etcd snapshot stream cut: %lld bytes missing",
                         (long long)(es->remaining < 0 ? 0 : es->remaining));
    return etcd_check_sha(es->fd, es->total, es->err);
}

/* Streams from endpoint idx of c; *next set when the next endpoint should be tried (with
 * *aerr saying why this one failed). */
static int etcd_fetch(const daas_store_etcd *c, size_t idx, etcd_stream *es, bool *next,
                      daas_err *aerr)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    long http = 0;
    *next = false;
    char *url = daas_xasprintf("%s/v3/maintenance/snapshot", daas_store_etcd__endpoint(c, idx));
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    int rc = DAAS_OK;
    if (!h || !hdrs)
        rc = daas_fail(es->err, DAAS_EIO, "libcurl: out of memory");
    if (rc == DAAS_OK) {
        etcd_curl_setup(h, url, hdrs, es, errbuf);
        rc = daas_store_etcd__tls(c, h) == DAAS_OK
                 ? DAAS_OK
                 : daas_fail(es->err, DAAS_EINTERNAL, "libcurl: cannot set the TLS files");
    }
    if (rc == DAAS_OK) {
        CURLcode cc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
        if (etcd_try_next(cc, es)) {
            *next = true;
            rc = daas_fail(aerr, DAAS_EUNAVAIL, "%s: %s", url,
                           errbuf[0] ? errbuf : curl_easy_strerror(cc));
        } else if (cc != CURLE_OK && es->rc == DAAS_OK) {
            rc = daas_fail(es->err, DAAS_EREMOTE, "etcd snapshot from %s: %s", url,
                           errbuf[0] ? errbuf : curl_easy_strerror(cc));
        } else {
            rc = etcd_finish_stream(es, http);
        }
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    daas_free(url);
    return rc;
}

/* Tries the endpoints in order until one streams (or fails for another reason than
 * connecting). The endpoints and TLS files are the etcd client's (etcd.h). */
static int etcd_fetch_any(const daas_store_snapshot_etcd_opts *o, etcd_stream *es)
{
    daas_err aerr = {0};
    daas_store_etcd *c = NULL;
    daas_store_etcd_opts co = {.endpoints = o->endpoints,
                               .ca_file = o->ca_file,
                               .cert_file = o->cert_file,
                               .key_file = o->key_file};
    int rc = daas_store_etcd_new(&co, &c, es->err);
    bool next = rc == DAAS_OK;
    for (size_t i = 0; next && i < daas_store_etcd__nendpoints(c); i++) {
        if (ftruncate(es->fd, 0) != 0 || lseek(es->fd, 0, SEEK_SET) != 0) {
            rc = daas_fail(es->err, DAAS_EIO, "truncate snapshot: %s", strerror(errno));
            next = false;
            break;
        }
        es->total = 0;
        es->remaining = -1;
        daas_buf_reset(&es->line);
        daas_err_clear(&aerr);
        rc = etcd_fetch(c, i, es, &next, &aerr);
    }
    if (next) /* every endpoint failed to connect */
        rc = daas_fail(es->err, DAAS_EUNAVAIL, "no etcd endpoint answered (%s)", aerr.msg);
    daas_store_etcd_free(&c);
    return rc;
}

int daas_store_snapshot_save_etcd(const daas_store_snapshot_etcd_opts *o, const char *snap_dir,
                                  const char *name, char **path_out, int64_t *size_out,
                                  daas_err *err)
{
    char *final = NULL, *tmp = NULL;
    etcd_stream es = {.fd = -1, .remaining = -1, .err = err};
    *path_out = NULL;
    int rc = daas_store__snap_prepare(snap_dir, name, &final, &tmp, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf_init(&es.line, ETCD_LINE_MAX);
    daas_buf_init(&es.dec, ETCD_LINE_MAX);
    es.fd = open(tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (es.fd < 0)
        rc = daas_fail(err, DAAS_EIO, "cannot open %s: %s", tmp, strerror(errno));
    if (rc == DAAS_OK)
        rc = etcd_fetch_any(o, &es);
    if (es.fd >= 0)
        close(es.fd);
    if (rc == DAAS_OK)
        rc = daas_store__snap_publish(tmp, final, err);
    if (rc != DAAS_OK) {
        unlink(tmp);
        daas_free(final);
        final = NULL;
    } else if (size_out) {
        *size_out = es.total;
    }
    daas_free(tmp);
    daas_buf_fini(&es.line);
    daas_buf_fini(&es.dec);
    *path_out = final;
    return rc;
}
