/*
 * declog.c: the decision log file: record BCS, frames, the strict reader and the writer.
 *
 * Owns:   the record encoder/decoder, framing and torn-tail detection, loading a file, the
 *         append-only writer and its fsync policy.
 * Not:    the replay (verify.c).
 * Invariants: see declog.h; the reader never reads past its input and never allocates what a
 *         length field claims.
 * Spec:   declog.h "File format".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "sched/declog.h"
#include "sui/bcs.h"

struct daas_declog_writer {
    int fd;       /* O_APPEND descriptor */
    int sync;     /* DAAS_DECLOG_SYNC_* */
    off_t size;   /* file length after the last successful append */
    bool broken;  /* an append failed midway: refuse further appends */
    char *path;   /* for messages (owned) */
    daas_buf tmp; /* frame being written */
};

/* ---- records ---- */

static bool tx_digest_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > DAAS_DECLOG_MAX_TX_DIGEST)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return false;
    return true;
}

/* index, a vector v, timestamp, signature, key: the head an Admission and a Rebalance share
 * (SPEC: declog.h "File format" 4 and 5). */
static int put_signed(const daas_declog_rec *r, daas_bytes v, daas_buf *b)
{
    int rc = daas_sui_bcs_put_u64(b, r->index);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(b, v.ptr, v.len);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(b, r->timestamp_ms);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_fixed(b, r->sig, sizeof r->sig);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_fixed(b, r->pk, sizeof r->pk);
    return rc;
}

/* SPEC: declog.h "File format" 4 Admission. */
static int put_admission(const daas_declog_rec *r, daas_buf *b)
{
    int rc = put_signed(r, r->decision, b);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(b, r->request.ptr, r->request.len);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(b, r->rules.ptr, r->rules.len);
    return rc;
}

/* SPEC: declog.h "File format" 5 Rebalance. */
static int put_rebalance(const daas_declog_rec *r, daas_buf *b)
{
    int rc = put_signed(r, r->plan, b);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(b, r->request.ptr, r->request.len);
    return rc;
}

static int put_body(const daas_declog_rec *r, daas_buf *b)
{
    int rc = daas_sui_bcs_put_variant(b, r->kind);
    if (rc == DAAS_OK && r->kind == DAAS_DECLOG_DELTA)
        rc = daas_sui_bcs_put_bytes(b, r->delta.ptr, r->delta.len);
    if (rc == DAAS_OK && r->kind == DAAS_DECLOG_DECISION) {
        rc = daas_sui_bcs_put_u64(b, r->index);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_bytes(b, r->decision.ptr, r->decision.len);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_fixed(b, r->sig, sizeof r->sig);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_fixed(b, r->pk, sizeof r->pk);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_bytes(b, r->pod.ptr, r->pod.len);
    }
    if (rc == DAAS_OK && r->kind == DAAS_DECLOG_BATCH) {
        rc = daas_sui_bcs_put_u64(b, r->first);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u64(b, r->count);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_fixed(b, r->root, sizeof r->root);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u64(b, r->timestamp_ms);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_fixed(b, r->sig, sizeof r->sig);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_fixed(b, r->pk, sizeof r->pk);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_option(b, r->has_tx);
        if (rc == DAAS_OK && r->has_tx)
            rc = daas_sui_bcs_put_str(b, r->tx_digest);
    }
    if (rc == DAAS_OK && r->kind == DAAS_DECLOG_EPOCH)
        rc = daas_sui_bcs_put_fixed(b, r->pk, sizeof r->pk);
    if (rc == DAAS_OK && r->kind == DAAS_DECLOG_ADMISSION)
        rc = put_admission(r, b);
    if (rc == DAAS_OK && r->kind == DAAS_DECLOG_REBALANCE)
        rc = put_rebalance(r, b);
    return rc;
}

int daas_declog_rec_encode(const daas_declog_rec *rec, daas_buf *out, daas_err *err)
{
    size_t start = out->len;
    if (rec->kind > DAAS_DECLOG_REBALANCE)
        return daas_fail(err, DAAS_EINVAL, "declog: unknown record kind %u", rec->kind);
    if (rec->delta.len > DAAS_SCHED_MAX_DELTA_BYTES || rec->pod.len > DAAS_SCHED_MAX_DELTA_BYTES ||
        rec->decision.len > DAAS_SCHED_MAX_DELTA_BYTES ||
        rec->request.len > DAAS_SCHED_MAX_DELTA_BYTES ||
        rec->rules.len > DAAS_SCHED_MAX_DELTA_BYTES || rec->plan.len > DAAS_SCHED_MAX_DELTA_BYTES)
        return daas_fail(err, DAAS_EINVAL, "declog: a field is over %u bytes",
                         DAAS_SCHED_MAX_DELTA_BYTES);
    if (rec->kind == DAAS_DECLOG_BATCH && rec->has_tx && !tx_digest_ok(rec->tx_digest))
        return daas_fail(err, DAAS_EINVAL, "declog: bad transaction digest");
    int rc = put_body(rec, out);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "declog: record does not fit the buffer");
    if (out->len - start > DAAS_DECLOG_MAX_RECORD)
        return daas_fail(err, DAAS_ETOOBIG, "declog: record of %zu bytes", out->len - start);
    return DAAS_OK;
}

static int get_decision(daas_sui_bcs_reader *r, daas_declog_rec *rec, daas_err *err)
{
    const uint8_t *p = NULL;
    int rc = daas_sui_bcs_get_u64(r, "index", &rec->index, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, "decision", DAAS_SCHED_MAX_DELTA_BYTES, &rec->decision, err);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "signature", 64, &p, err)) == DAAS_OK)
        memcpy(rec->sig, p, sizeof rec->sig);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "enclave key", 32, &p, err)) == DAAS_OK)
        memcpy(rec->pk, p, sizeof rec->pk);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, "pod", DAAS_SCHED_MAX_DELTA_BYTES, &rec->pod, err);
    return rc;
}

/* index, a vector (what, into *v), timestamp, signature, key: the head an Admission and a
 * Rebalance share. */
static int get_signed(daas_sui_bcs_reader *r, daas_declog_rec *rec, const char *what,
                      daas_bytes *v, daas_err *err)
{
    const uint8_t *p = NULL;
    int rc = daas_sui_bcs_get_u64(r, "index", &rec->index, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, what, DAAS_SCHED_MAX_DELTA_BYTES, v, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(r, "timestamp", &rec->timestamp_ms, err);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "signature", 64, &p, err)) == DAAS_OK)
        memcpy(rec->sig, p, sizeof rec->sig);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "enclave key", 32, &p, err)) == DAAS_OK)
        memcpy(rec->pk, p, sizeof rec->pk);
    return rc;
}

static int get_admission(daas_sui_bcs_reader *r, daas_declog_rec *rec, daas_err *err)
{
    const size_t max = DAAS_SCHED_MAX_DELTA_BYTES;
    int rc = get_signed(r, rec, "access decision", &rec->decision, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, "admission request", max, &rec->request, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, "cluster rules", max, &rec->rules, err);
    return rc;
}

static int get_rebalance(daas_sui_bcs_reader *r, daas_declog_rec *rec, daas_err *err)
{
    int rc = get_signed(r, rec, "rebalance plan", &rec->plan, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(r, "rebalance request", DAAS_SCHED_MAX_DELTA_BYTES,
                                    &rec->request, err);
    return rc;
}

static int get_tx(daas_sui_bcs_reader *r, daas_declog_rec *rec, daas_err *err)
{
    daas_bytes s = {0};
    int rc = daas_sui_bcs_get_option(r, "tx digest", &rec->has_tx, err);
    if (rc != DAAS_OK || !rec->has_tx)
        return rc;
    rc = daas_sui_bcs_get_str(r, "tx digest", DAAS_DECLOG_MAX_TX_DIGEST, &s, err);
    if (rc != DAAS_OK)
        return rc;
    memcpy(rec->tx_digest, s.ptr, s.len);
    rec->tx_digest[s.len] = '\0';
    if (!tx_digest_ok(rec->tx_digest))
        return daas_fail(err, DAAS_EINVAL, "bad transaction digest");
    return DAAS_OK;
}

static int get_batch(daas_sui_bcs_reader *r, daas_declog_rec *rec, daas_err *err)
{
    const uint8_t *p = NULL;
    int rc = daas_sui_bcs_get_u64(r, "first", &rec->first, err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(r, "count", &rec->count, err);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "root", 32, &p, err)) == DAAS_OK)
        memcpy(rec->root, p, sizeof rec->root);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(r, "timestamp", &rec->timestamp_ms, err);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "signature", 64, &p, err)) == DAAS_OK)
        memcpy(rec->sig, p, sizeof rec->sig);
    if (rc == DAAS_OK && (rc = daas_sui_bcs_get_fixed(r, "enclave key", 32, &p, err)) == DAAS_OK)
        memcpy(rec->pk, p, sizeof rec->pk);
    if (rc == DAAS_OK)
        rc = get_tx(r, rec, err);
    return rc;
}

int daas_declog_rec_decode(daas_bytes in, daas_declog_rec *rec, daas_err *err)
{
    daas_sui_bcs_reader r;
    uint32_t kind = 0;
    const uint8_t *p = NULL;
    memset(rec, 0, sizeof *rec);
    daas_sui_bcs_reader_init(&r, in);
    int rc = daas_sui_bcs_get_variant(&r, "record kind", DAAS_DECLOG_REBALANCE + 1, &kind, err);
    if (rc != DAAS_OK)
        return rc;
    rec->kind = (uint8_t)kind;
    if (kind == DAAS_DECLOG_DELTA)
        rc = daas_sui_bcs_get_bytes(&r, "delta", DAAS_SCHED_MAX_DELTA_BYTES, &rec->delta, err);
    else if (kind == DAAS_DECLOG_DECISION)
        rc = get_decision(&r, rec, err);
    else if (kind == DAAS_DECLOG_BATCH)
        rc = get_batch(&r, rec, err);
    else if (kind == DAAS_DECLOG_ADMISSION)
        rc = get_admission(&r, rec, err);
    else if (kind == DAAS_DECLOG_REBALANCE)
        rc = get_rebalance(&r, rec, err);
    else if ((rc = daas_sui_bcs_get_fixed(&r, "enclave key", 32, &p, err)) == DAAS_OK)
        memcpy(rec->pk, p, sizeof rec->pk);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&r, "record", err);
    return rc;
}

static void check_of(const uint8_t *p, size_t n, uint8_t out[4])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, p, n, NULL, 0);
    memcpy(out, h, 4);
}

int daas_declog_frame(const daas_declog_rec *rec, daas_buf *out, daas_err *err)
{
    static const uint8_t zero[DAAS_DECLOG_FRAME_HEAD];
    size_t start = out->len;
    int rc = daas_buf_append(out, zero, sizeof zero);
    if (rc != DAAS_OK)
        return daas_fail(err, rc, "declog: frame does not fit the buffer");
    rc = daas_declog_rec_encode(rec, out, err);
    if (rc != DAAS_OK) {
        out->len = start;
        out->data[start] = '\0';
        return rc;
    }
    uint8_t *head = (uint8_t *)out->data + start;
    uint32_t len = (uint32_t)(out->len - start - DAAS_DECLOG_FRAME_HEAD);
    for (int i = 0; i < 4; i++)
        head[i] = (uint8_t)(len >> (8 * i));
    check_of(head + DAAS_DECLOG_FRAME_HEAD, len, head + 4);
    return DAAS_OK;
}

/* ---- reader ---- */

int daas_declog_iter_init(daas_declog_iter *it, daas_bytes in, daas_err *err)
{
    memset(it, 0, sizeof *it);
    if (in.len < DAAS_DECLOG_MAGIC_LEN || memcmp(in.ptr, DAAS_DECLOG_MAGIC, DAAS_DECLOG_MAGIC_LEN))
        return daas_fail(err, DAAS_EINVAL, "not a decision log (no \"%s\" header)",
                         DAAS_DECLOG_MAGIC);
    it->in = in;
    it->pos = DAAS_DECLOG_MAGIC_LEN;
    return DAAS_OK;
}

static void torn(daas_declog_iter *it, const char *why)
{
    it->torn = true;
    it->torn_at = it->pos;
    DAAS_WARN("declog", "ignoring a torn last record at offset %zu (%s): a crash during an append",
              it->pos, why);
    it->pos = it->in.len;
}

int daas_declog_next(daas_declog_iter *it, daas_declog_rec *rec, size_t *offset, bool *more,
                     daas_err *err)
{
    *more = false;
    size_t left = it->in.len - it->pos;
    if (left == 0)
        return DAAS_OK;
    if (left < DAAS_DECLOG_FRAME_HEAD) {
        torn(it, "incomplete frame header");
        return DAAS_OK;
    }
    const uint8_t *h = it->in.ptr + it->pos;
    uint32_t len =
        (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (len == 0 || len > DAAS_DECLOG_MAX_RECORD)
        return daas_fail(err, DAAS_EINVAL, "record %" PRIu64 " at offset %zu: bad frame length %u",
                         it->n, it->pos, len);
    if (left - DAAS_DECLOG_FRAME_HEAD < len) {
        torn(it, "incomplete frame");
        return DAAS_OK;
    }
    uint8_t check[4];
    check_of(h + DAAS_DECLOG_FRAME_HEAD, len, check);
    bool last = left - DAAS_DECLOG_FRAME_HEAD == len;
    if (memcmp(check, h + 4, 4) != 0) {
        if (last) {
            torn(it, "checksum mismatch");
            return DAAS_OK;
        }
        return daas_fail(err, DAAS_EINVAL, "record %" PRIu64 " at offset %zu: checksum mismatch",
                         it->n, it->pos);
    }
    daas_err e2 = {0};
    int rc = daas_declog_rec_decode(DAAS_BYTES(h + DAAS_DECLOG_FRAME_HEAD, len), rec, &e2);
    if (rc != DAAS_OK)
        return daas_fail(err, DAAS_EINVAL, "record %" PRIu64 " at offset %zu: %s", it->n, it->pos,
                         e2.msg);
    *offset = it->pos;
    it->pos += DAAS_DECLOG_FRAME_HEAD + len;
    it->n++;
    *more = true;
    return DAAS_OK;
}

int daas_declog_load(const char *path, daas_buf *out, daas_err *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno));
    int rc = DAAS_OK;
    uint8_t chunk[65536];
    size_t n;
    while (rc == DAAS_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > DAAS_DECLOG_MAX_FILE)
            rc = daas_fail(err, DAAS_ETOOBIG, "%s: larger than %zu bytes", path,
                           DAAS_DECLOG_MAX_FILE);
        else if (daas_buf_append(out, chunk, n) != DAAS_OK)
            rc = daas_fail(err, DAAS_ETOOBIG, "%s: too large", path);
    }
    if (rc == DAAS_OK && ferror(f))
        rc = daas_fail(err, DAAS_EIO, "%s: read error", path);
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* ---- writer ---- */

/* Reads the existing file and finds the length of its valid prefix. */
static int scan_existing(const char *path, off_t *good, daas_err *err)
{
    daas_buf b;
    daas_declog_iter it;
    daas_declog_rec rec;
    size_t off = 0;
    bool more = true;
    daas_buf_init(&b, DAAS_DECLOG_MAX_FILE);
    int rc = daas_declog_load(path, &b, err);
    if (rc == DAAS_OK)
        rc = daas_declog_iter_init(&it, DAAS_BYTES(b.data, b.len), err);
    while (rc == DAAS_OK && more)
        rc = daas_declog_next(&it, &rec, &off, &more, err);
    if (rc == DAAS_OK)
        *good = (off_t)(it.torn ? it.torn_at : b.len);
    else
        daas_fail(err, DAAS_EINVAL, "%s: not a valid decision log", path);
    daas_buf_fini(&b);
    return rc == DAAS_OK ? DAAS_OK : DAAS_EINVAL;
}

/* Creates the file with the magic, or cuts an existing one to its valid prefix. */
static int prepare(daas_declog_writer *w, daas_err *err)
{
    struct stat sb;
    if (fstat(w->fd, &sb) != 0)
        return daas_fail(err, DAAS_EIO, "%s: %s", w->path, strerror(errno));
    if (sb.st_size == 0) {
        int e = daas_write_all(w->fd, DAAS_DECLOG_MAGIC, DAAS_DECLOG_MAGIC_LEN);
        if (e == 0 && fsync(w->fd) != 0)
            e = errno;
        if (e != 0)
            return daas_fail(err, daas_from_errno(e), "%s: %s", w->path, strerror(e));
        w->size = DAAS_DECLOG_MAGIC_LEN;
        return DAAS_OK;
    }
    off_t good = 0;
    int rc = scan_existing(w->path, &good, err);
    if (rc != DAAS_OK)
        return rc;
    if (good != sb.st_size) {
        DAAS_WARN("declog", "%s: cutting a torn tail of %lld bytes", w->path,
                  (long long)(sb.st_size - good));
        if (ftruncate(w->fd, good) != 0 || fsync(w->fd) != 0)
            return daas_fail(err, DAAS_EIO, "%s: %s", w->path, strerror(errno));
    }
    w->size = good;
    return DAAS_OK;
}

int daas_declog_writer_open(const char *path, int sync_policy, daas_declog_writer **out,
                            daas_err *err)
{
    *out = NULL;
    if (sync_policy < DAAS_DECLOG_SYNC_EACH || sync_policy > DAAS_DECLOG_SYNC_NONE)
        return daas_fail(err, DAAS_EINVAL, "declog: bad sync policy %d", sync_policy);
    daas_declog_writer *w = daas_xcalloc(1, sizeof *w);
    w->sync = sync_policy;
    w->path = daas_xstrdup(path);
    daas_buf_init(&w->tmp, DAAS_DECLOG_MAX_RECORD + DAAS_DECLOG_FRAME_HEAD);
    w->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    int rc = w->fd < 0 ? daas_fail(err, daas_from_errno(errno), "%s: %s", path, strerror(errno))
                       : prepare(w, err);
    if (rc != DAAS_OK) {
        w->sync = DAAS_DECLOG_SYNC_NONE;
        daas_declog_writer_close(&w);
        return rc;
    }
    *out = w;
    return DAAS_OK;
}

static bool wants_sync(const daas_declog_writer *w, uint8_t kind)
{
    if (w->sync == DAAS_DECLOG_SYNC_EACH)
        return true;
    return w->sync == DAAS_DECLOG_SYNC_BATCH &&
           (kind == DAAS_DECLOG_BATCH || kind == DAAS_DECLOG_EPOCH);
}

int daas_declog_append(daas_declog_writer *w, const daas_declog_rec *rec, daas_err *err)
{
    if (w->broken)
        return daas_fail(err, DAAS_EIO, "%s: an earlier append failed", w->path);
    daas_buf_reset(&w->tmp);
    int rc = daas_declog_frame(rec, &w->tmp, err);
    if (rc != DAAS_OK)
        return rc;
    int e = daas_write_all(w->fd, w->tmp.data, w->tmp.len);
    if (e == 0 && wants_sync(w, rec->kind) && fsync(w->fd) != 0)
        e = errno;
    if (e != 0) {
        /* Cut the partial frame so the file stays a valid log; if even that fails the next
         * open still treats the remains as a torn tail. */
        if (ftruncate(w->fd, w->size) != 0)
            DAAS_WARN("declog", "%s: cannot cut a failed append: %s", w->path, strerror(errno));
        w->broken = true;
        return daas_fail(err, DAAS_EIO, "%s: append: %s", w->path, strerror(e));
    }
    w->size += (off_t)w->tmp.len;
    return DAAS_OK;
}

int daas_declog_add_admission(daas_declog_writer *w, uint64_t index, daas_bytes request_bcs,
                              daas_bytes rules_bcs, daas_bytes decision_bcs, uint64_t timestamp_ms,
                              const uint8_t sig[DAAS_SCHED_SIG_LEN],
                              const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], daas_err *err)
{
    daas_declog_rec r = {.kind = DAAS_DECLOG_ADMISSION,
                         .index = index,
                         .decision = decision_bcs,
                         .request = request_bcs,
                         .rules = rules_bcs,
                         .timestamp_ms = timestamp_ms};
    memcpy(r.sig, sig, sizeof r.sig);
    memcpy(r.pk, pk, sizeof r.pk);
    return daas_declog_append(w, &r, err);
}

int daas_declog_sync(daas_declog_writer *w, daas_err *err)
{
    if (fsync(w->fd) != 0)
        return daas_fail(err, DAAS_EIO, "%s: fsync: %s", w->path, strerror(errno));
    return DAAS_OK;
}

void daas_declog_writer_close(daas_declog_writer **pw)
{
    daas_declog_writer *w = pw ? *pw : NULL;
    if (w == NULL)
        return;
    if (w->fd >= 0) {
        if (w->sync == DAAS_DECLOG_SYNC_BATCH && fsync(w->fd) != 0)
            DAAS_WARN("declog", "%s: fsync at close: %s", w->path, strerror(errno));
        close(w->fd);
    }
    daas_buf_fini(&w->tmp);
    daas_free(w->path);
    daas_free(w);
    *pw = NULL;
}
