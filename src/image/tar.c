/*
 * tar.c: the streaming tar reader of tar.h (ustar, GNU long names, PAX records, gzip).
 *
 * Owns:   the byte source (fd or memory), the zlib inflate state, the current entry.
 * Not:    path safety (unpack.c cleans and checks every name it uses).
 * Invariants: see tar.h; data offsets are tracked so an entry's padding is always skipped.
 */
#include "image/tar.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#define BLK 512
#define INBUF 65536

struct daas_image_tar {
    int fd; /* -1 for memory */
    const uint8_t *mem;
    size_t mem_len, mem_off;
    bool gz, gz_checked, gz_end;
    z_stream zs;
    uint8_t *in;                 /* compressed input buffer (gzip only) */
    uint64_t left;               /* data bytes left in the current entry */
    uint64_t pad;                /* padding after them */
    char *long_name, *long_link; /* pending GNU/PAX overrides */
    bool have_pax_size;
    uint64_t pax_size;
    daas_image_tar_entry ent;
};

static int truncated(daas_err *err)
{
    return daas_fail(err, DAAS_EINVAL, "truncated tar archive");
}

/* Raw bytes from the underlying source; *got = 0 at its end. */
static int raw_read(daas_image_tar *t, void *buf, size_t n, size_t *got, daas_err *err)
{
    if (t->fd < 0) {
        size_t k = t->mem_len - t->mem_off < n ? t->mem_len - t->mem_off : n;
        memcpy(buf, t->mem + t->mem_off, k);
        t->mem_off += k;
        *got = k;
        return DAAS_OK;
    }
    for (;;) {
        ssize_t r = read(t->fd, buf, n);
        if (r >= 0) {
            *got = (size_t)r;
            return DAAS_OK;
        }
        if (errno != EINTR)
            return daas_fail(err, DAAS_EIO, "reading archive: %s", strerror(errno));
    }
}

static int gz_start(daas_image_tar *t, daas_err *err)
{
    size_t got = 0;
    t->in = daas_xmalloc(INBUF);
    int rc = raw_read(t, t->in, INBUF, &got, err);
    if (rc != DAAS_OK)
        return rc;
    t->gz_checked = true;
    t->zs.next_in = t->in;
    t->zs.avail_in = (uInt)got;
    if (got >= 2 && t->in[0] == 0x1f && t->in[1] == 0x8b) {
        t->gz = true;
        if (inflateInit2(&t->zs, 15 + 32) != Z_OK)
            return daas_fail(err, DAAS_EINTERNAL, "zlib init failed");
    }
    return DAAS_OK;
}

static int gz_read(daas_image_tar *t, uint8_t *buf, size_t n, size_t *got, daas_err *err)
{
    t->zs.next_out = buf;
    t->zs.avail_out = (uInt)n;
    while (t->zs.avail_out == n && !t->gz_end) {
        if (t->zs.avail_in == 0) {
            size_t k = 0;
            int rc = raw_read(t, t->in, INBUF, &k, err);
            if (rc != DAAS_OK)
                return rc;
            if (k == 0)
                break;
            t->zs.next_in = t->in;
            t->zs.avail_in = (uInt)k;
        }
        int z = inflate(&t->zs, Z_NO_FLUSH);
        if (z == Z_STREAM_END)
            t->gz_end = true;
        else if (z != Z_OK && z != Z_BUF_ERROR)
            return daas_fail(err, DAAS_EINVAL, "bad gzip data: %s",
                             t->zs.msg ? t->zs.msg : "inflate failed");
        else if (z == Z_BUF_ERROR && t->zs.avail_in > 0)
            return daas_fail(err, DAAS_EINVAL, "bad gzip data: no progress");
    }
    *got = n - t->zs.avail_out;
    return DAAS_OK;
}

/* Exactly n decoded bytes, else "truncated". */
static int get(daas_image_tar *t, void *buf, size_t n, daas_err *err)
{
    uint8_t *p = buf;
    int rc = DAAS_OK;
    if (!t->gz_checked && (rc = gz_start(t, err)) != DAAS_OK)
        return rc;
    while (n > 0) {
        size_t got = 0;
        if (t->gz) {
            rc = gz_read(t, p, n, &got, err);
        } else if (t->zs.avail_in > 0) { /* bytes sniffed by gz_start */
            got = t->zs.avail_in < n ? t->zs.avail_in : n;
            memcpy(p, t->zs.next_in, got);
            t->zs.next_in += got;
            t->zs.avail_in -= (uInt)got;
        } else {
            rc = raw_read(t, p, n, &got, err);
        }
        if (rc != DAAS_OK)
            return rc;
        if (got == 0)
            return truncated(err);
        p += got;
        n -= got;
    }
    return DAAS_OK;
}

static daas_image_tar *tar_new(int fd, const void *p, size_t n)
{
    daas_image_tar *t = daas_xcalloc(1, sizeof *t);
    t->fd = fd;
    t->mem = p;
    t->mem_len = n;
    return t;
}

daas_image_tar *daas_image_tar_open_fd(int fd)
{
    return tar_new(fd, NULL, 0);
}

daas_image_tar *daas_image_tar_open_mem(const void *p, size_t n)
{
    return tar_new(-1, p, n);
}

static void clear_entry(daas_image_tar *t)
{
    daas_free(t->ent.name);
    daas_free(t->ent.linkname);
    memset(&t->ent, 0, sizeof t->ent);
}

void daas_image_tar_close(daas_image_tar **tp)
{
    daas_image_tar *t = *tp;
    if (!t)
        return;
    if (t->gz)
        inflateEnd(&t->zs);
    clear_entry(t);
    daas_free(t->long_name);
    daas_free(t->long_link);
    daas_free(t->in);
    daas_free(t);
    *tp = NULL;
}

static int skip(daas_image_tar *t, uint64_t n, daas_err *err)
{
    uint8_t buf[4096];
    while (n > 0) {
        size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
        int rc = get(t, buf, k, err);
        if (rc != DAAS_OK)
            return rc;
        n -= k;
    }
    return DAAS_OK;
}

/* An octal (or base-256) numeric field. */
static bool num_field(const uint8_t *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) { /* GNU base-256 */
        if (f[0] != 0x80)
            return false;
        for (size_t i = 1; i < n; i++) {
            if (v >> 55)
                return false;
            v = (v << 8) | f[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return false;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return false;
    *out = v;
    return true;
}

static bool checksum_ok(const uint8_t *h)
{
    uint64_t want = 0, sum = 0;
    if (!num_field(h + 148, 8, &want))
        return false;
    for (size_t i = 0; i < BLK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

static char *field_str(const uint8_t *f, size_t n)
{
    size_t k = strnlen((const char *)f, n);
    return daas_xstrndup((const char *)f, k);
}

/* Reads a meta record's data (GNU long name, PAX) of size n, NUL-terminated. */
static int read_meta(daas_image_tar *t, uint64_t n, char **out, daas_err *err)
{
    if (n > DAAS_IMAGE_TAR_MAX_META)
        return daas_fail(err, DAAS_ETOOBIG, "tar metadata record of %llu bytes",
                         (unsigned long long)n);
    char *p = daas_xmalloc((size_t)n + 1);
    int rc = get(t, p, (size_t)n, err);
    if (rc == DAAS_OK)
        rc = skip(t, (BLK - n % BLK) % BLK, err);
    if (rc != DAAS_OK) {
        daas_free(p);
        return rc;
    }
    p[n] = '\0';
    *out = p;
    return DAAS_OK;
}

static void set_str(char **slot, const char *p, size_t n)
{
    daas_free(*slot);
    *slot = daas_xstrndup(p, n);
}

/* PAX records "LEN key=value\n": path, linkpath and size are used. */
static int parse_pax(daas_image_tar *t, const char *p, size_t n, daas_err *err)
{
    size_t off = 0;
    while (off < n) {
        size_t len = 0, i = off;
        while (i < n && p[i] >= '0' && p[i] <= '9' && len < n)
            len = len * 10 + (size_t)(p[i++] - '0');
        if (i >= n || p[i] != ' ' || len <= i - off + 1 || len > n - off ||
            p[off + len - 1] != '\n')
            return daas_fail(err, DAAS_EINVAL, "bad PAX record in tar archive");
        const char *kv = p + i + 1, *end = p + off + len - 1;
        const char *eq = memchr(kv, '=', (size_t)(end - kv));
        if (!eq)
            return daas_fail(err, DAAS_EINVAL, "bad PAX record in tar archive");
        size_t klen = (size_t)(eq - kv), vlen = (size_t)(end - eq - 1);
        if (klen == 4 && memcmp(kv, "path", 4) == 0)
            set_str(&t->long_name, eq + 1, vlen);
        else if (klen == 8 && memcmp(kv, "linkpath", 8) == 0)
            set_str(&t->long_link, eq + 1, vlen);
        else if (klen == 4 && memcmp(kv, "size", 4) == 0) {
            uint64_t v = 0;
            size_t j = 0;
            for (; j < vlen && j < 20 && eq[1 + j] >= '0' && eq[1 + j] <= '9'; j++)
                v = v * 10 + (uint64_t)(eq[1 + j] - '0');
            if (j != vlen || vlen == 0 || vlen > 19)
                return daas_fail(err, DAAS_EINVAL, "bad PAX size in tar archive");
            t->have_pax_size = true;
            t->pax_size = v;
        }
        off += len;
    }
    return DAAS_OK;
}

static bool all_zero(const uint8_t *h)
{
    for (size_t i = 0; i < BLK; i++)
        if (h[i])
            return false;
    return true;
}

/* Handles a meta header (L, K, x, g); *again set when the caller should read on. */
static int meta_header(daas_image_tar *t, char type, uint64_t size, daas_err *err)
{
    char *data = NULL;
    int rc = read_meta(t, size, &data, err);
    if (rc != DAAS_OK)
        return rc;
    if (type == 'L')
        set_str(&t->long_name, data, strlen(data));
    else if (type == 'K')
        set_str(&t->long_link, data, strlen(data));
    else if (type == 'x')
        rc = parse_pax(t, data, (size_t)size, err);
    daas_free(data);
    return rc;
}

static int fill_entry(daas_image_tar *t, const uint8_t *h, char type, uint64_t size, daas_err *err)
{
    uint64_t mode = 0;
    if (!num_field(h + 100, 8, &mode))
        return daas_fail(err, DAAS_EINVAL, "bad mode field in tar header");
    clear_entry(t);
    if (t->long_name) {
        t->ent.name = t->long_name;
        t->long_name = NULL;
    } else {
        char *base = field_str(h, 100);
        if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
            char *pre = field_str(h + 345, 155);
            t->ent.name = daas_xasprintf("%s/%s", pre, base);
            daas_free(pre);
            daas_free(base);
        } else {
            t->ent.name = base;
        }
    }
    t->ent.linkname = t->long_link ? t->long_link : field_str(h + 157, 100);
    t->long_link = NULL;
    if (strlen(t->ent.name) > DAAS_IMAGE_TAR_MAX_NAME ||
        strlen(t->ent.linkname) > DAAS_IMAGE_TAR_MAX_NAME)
        return daas_fail(err, DAAS_ETOOBIG, "tar entry name too long");
    if (t->have_pax_size)
        size = t->pax_size;
    t->have_pax_size = false;
    t->ent.type = type == '\0' || type == '7' ? '0' : type;
    t->ent.mode = (uint32_t)(mode & 07777);
    bool has_data = t->ent.type == '0';
    t->ent.size = has_data ? size : 0;
    t->left = t->ent.size;
    t->pad = has_data ? (BLK - size % BLK) % BLK : 0;
    /* hardlinks, dirs and the like carry no data, but skip any declared anyway */
    if (!has_data && size > 0) {
        t->left = 0;
        t->pad = size + (BLK - size % BLK) % BLK;
    }
    return DAAS_OK;
}

int daas_image_tar_next(daas_image_tar *t, const daas_image_tar_entry **e, daas_err *err)
{
    uint8_t h[BLK];
    int rc = skip(t, t->left + t->pad, err);
    t->left = t->pad = 0;
    for (int metas = 0; rc == DAAS_OK; metas++) {
        if (metas > 8)
            return daas_fail(err, DAAS_EINVAL, "too many tar metadata headers");
        if ((rc = get(t, h, BLK, err)) != DAAS_OK)
            return rc;
        if (all_zero(h))
            return 0; /* end-of-archive marker; the second zero block is not required */
        if (!checksum_ok(h))
            return daas_fail(err, DAAS_EINVAL, "bad tar header checksum");
        uint64_t size = 0;
        if (!num_field(h + 124, 12, &size))
            return daas_fail(err, DAAS_EINVAL, "bad size field in tar header");
        char type = (char)h[156];
        if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
            rc = meta_header(t, type, size, err);
            continue;
        }
        if (!strchr("01234567", type) && type != '\0')
            return daas_fail(err, DAAS_EINVAL, "unsupported tar entry type '%c'",
                             type >= 32 && type < 127 ? type : '?');
        if ((rc = fill_entry(t, h, type, size, err)) != DAAS_OK)
            return rc;
        *e = &t->ent;
        return 1;
    }
    return rc;
}

int daas_image_tar_read(daas_image_tar *t, void *buf, size_t n, size_t *got, daas_err *err)
{
    size_t k = t->left < n ? (size_t)t->left : n;
    *got = 0;
    if (k == 0)
        return DAAS_OK;
    int rc = get(t, buf, k, err);
    if (rc != DAAS_OK)
        return rc;
    t->left -= k;
    *got = k;
    return DAAS_OK;
}
