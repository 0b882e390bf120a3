/*
 * util.c: clock, CSPRNG, UUID, base64, blob and time formatting helpers.
 *
 * Owns:   no state.
 * Invariants: every decoder validates its whole input; no function here logs.
 */
#include "common/util.h"

#include <jansson.h>
#include <unistd.h>

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

int64_t daas_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t daas_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct timespec daas_deadline_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

void daas_cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

void daas_time_rfc3339(int64_t unix_sec, char *buf, size_t n)
{
    struct tm tm;
    time_t t = (time_t)unix_sec;
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void daas_time_rfc3339_micro(int64_t unix_us, char *buf, size_t n)
{
    struct tm tm;
    time_t t = (time_t)(unix_us / 1000000);
    gmtime_r(&t, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(unix_us % 1000000));
}

static int digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

static int expect(const char **s, char c)
{
    if (**s != c)
        return -1;
    (*s)++;
    return 0;
}

int daas_time_parse(const char *s, int64_t *unix_sec)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
    if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) || expect(&s, '-') ||
        digits(&s, 2, &d))
        return DAAS_EINVAL;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return DAAS_EINVAL;
    s++;
    if (digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi) || expect(&s, ':') ||
        digits(&s, 2, &se))
        return DAAS_EINVAL;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return DAAS_EINVAL;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
        if (digits(&s, 2, &oh) || expect(&s, ':') || digits(&s, 2, &om))
            return DAAS_EINVAL;
    } else {
        return DAAS_EINVAL;
    }
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return DAAS_EINVAL;
    /* days from civil (Howard Hinnant's algorithm) */
    int yy = mo <= 2 ? y - 1 : y;
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    unsigned yoe = (unsigned)(yy - era * 400);
    unsigned doy = (unsigned)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
    *unix_sec = days * 86400 + h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
    return DAAS_OK;
}

/* Mirrors k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
void daas_human_duration(int64_t sec, char *buf, size_t n)
{
    if (sec < 0)
        sec = 0;
    int64_t m = sec / 60, h = sec / 3600, d = h / 24, y = d / 365;
    if (sec < 60 * 2)
        snprintf(buf, n, "%llds", (long long)sec);
    else if (m < 10)
        sec % 60 == 0 ? snprintf(buf, n, "%lldm", (long long)m)
                      : snprintf(buf, n, "%lldm%llds", (long long)m, (long long)(sec % 60));
    else if (m < 60 * 3)
        snprintf(buf, n, "%lldm", (long long)m);
    else if (h < 8)
        m % 60 == 0 ? snprintf(buf, n, "%lldh", (long long)h)
                    : snprintf(buf, n, "%lldh%lldm", (long long)h, (long long)(m % 60));
    else if (h < 48)
        snprintf(buf, n, "%lldh", (long long)h);
    else if (h < 24 * 8)
        h % 24 == 0 ? snprintf(buf, n, "%lldd", (long long)d)
                    : snprintf(buf, n, "%lldd%lldh", (long long)d, (long long)(h % 24));
    else if (d < 365 * 2)
        snprintf(buf, n, "%lldd", (long long)d);
    else if (d < 365 * 8)
        d % 365 == 0 ? snprintf(buf, n, "%lldy", (long long)y)
                     : snprintf(buf, n, "%lldy%lldd", (long long)y, (long long)(d % 365));
    else
        snprintf(buf, n, "%lldy", (long long)y);
}

void daas_random(void *p, size_t n)
{
    uint8_t *q = p;
    while (n > 0) {
        ssize_t r = getrandom(q, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "daas: getrandom failed\n");
            abort();
        }
        q += r;
        n -= (size_t)r;
    }
}

void daas_uuid4(char *buf)
{
    uint8_t u[16];
    daas_random(u, sizeof u);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

static const char b64std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64_encode(const char *alpha, bool pad, const uint8_t *p, size_t n)
{
    char *out = daas_xmalloc((n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = alpha[(v >> 18) & 63];
        out[o++] = alpha[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = alpha[(v >> 6) & 63];
        else if (pad)
            out[o++] = '=';
        if (i + 2 < n)
            out[o++] = alpha[v & 63];
        else if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* The value of base64 digit c (the URL alphabet when url), or -1. */
static int b64_val(bool url, unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decodes n unpadded characters of the alphabet (url or standard), through a small stack
 * buffer appended in blocks (etcd values of megabytes come through here). */
static int b64_decode(bool url, const char *s, size_t n, daas_buf *out)
{
    if (n % 4 == 1)
        return DAAS_EINVAL;
    uint8_t blk[768];
    size_t nb = 0;
    uint32_t acc = 0;
    int bits = 0, rc = DAAS_OK;
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        int v = b64_val(url, (unsigned char)s[i]);
        if (v < 0)
            return DAAS_EINVAL;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            blk[nb++] = (uint8_t)(acc >> bits);
        }
        if (nb == sizeof blk) {
            rc = daas_buf_append(out, blk, nb);
            nb = 0;
        }
    }
    if (rc == DAAS_OK && nb > 0)
        rc = daas_buf_append(out, blk, nb);
    return rc;
}

char *daas_base64_encode(const void *p, size_t n)
{
    return b64_encode(b64std, true, p, n);
}

int daas_base64_decode(const char *s, size_t slen, daas_buf *out)
{
    size_t n = slen;
    size_t pads = 0;
    while (n > 0 && s[n - 1] == '=') {
        n--;
        pads++;
    }
    if (pads > 2 || (pads > 0 && slen % 4 != 0))
        return DAAS_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '=')
            return DAAS_EINVAL;
    return b64_decode(false, s, n, out);
}

char *daas_base64url_encode(const void *p, size_t n)
{
    return b64_encode(b64url, false, p, n);
}

int daas_base64url_decode(const char *s, size_t slen, daas_buf *out)
{
    size_t n = slen;
    while (n > 0 && s[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '=')
            return DAAS_EINVAL;
    return b64_decode(true, s, n, out);
}

daas_blob *daas_blob_new(const void *p, size_t n)
{
    daas_blob *b = daas_xmalloc(sizeof *b + n + 1);
    atomic_init(&b->refs, 1);
    b->len = n;
    if (n)
        memcpy(b->data, p, n);
    b->data[n] = '\0';
    return b;
}

daas_blob *daas_blob_from_str(const char *s)
{
    return daas_blob_new(s, strlen(s));
}

daas_blob *daas_blob_ref(daas_blob *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void daas_blob_unref(daas_blob **bp)
{
    daas_blob *b = *bp;
    *bp = NULL;
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        daas_free(b);
}

bool daas_hex_decode(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = daas_hexval((unsigned char)s[2 * i]);
        int lo = hi < 0 ? -1 : daas_hexval((unsigned char)s[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

char *daas_hex_new(const void *p, size_t n)
{
    return daas_hex_encode(p, n, daas_xmalloc(2 * n + 1));
}

int daas_hex_append(daas_buf *out, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 1;
    if (n % 2 != 0)
        return DAAS_EINVAL;
    if (n / 2 > max)
        return DAAS_ETOOBIG;
    uint8_t *b = daas_xmalloc(n / 2 + 1);
    int rc = daas_hex_decode(s, n / 2, b) ? daas_buf_append(out, b, n / 2) : DAAS_EINVAL;
    daas_free(b);
    return rc;
}

char *daas_hex_encode(const void *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

int daas_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t daas_utf8_seq(const unsigned char *s)
{
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL */
    if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
        return 0; /* overlong, surrogate, or past U+10FFFF */
    return n;
}

bool daas_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(x[i] ^ y[i]);
    return d == 0;
}

static int mkdir_one(const char *dir, daas_err *err)
{
    struct stat st;
    if (mkdir(dir, 0700) == 0)
        return DAAS_OK;
    if (errno != EEXIST)
        return daas_fail(err, DAAS_EIO, "cannot create directory %s: %s", dir, strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return daas_fail(err, DAAS_EIO, "%s exists and is not a directory", dir);
    return DAAS_OK;
}

int daas_mkdir_p(const char *dir, daas_err *err)
{
    char *copy = daas_xstrdup(dir);
    int rc = DAAS_OK;
    for (char *s = copy + 1; *s != '\0' && rc == DAAS_OK; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        rc = mkdir_one(copy, err);
        *s = '/';
    }
    if (rc == DAAS_OK)
        rc = mkdir_one(copy, err);
    daas_free(copy);
    return rc;
}

int daas_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

bool daas_json_u64(const void *jv, uint64_t *out)
{
    const json_t *v = jv;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (s == NULL || *s == '\0' || strlen(s) > 20)
        return false;
    uint64_t x = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *out = x;
    return true;
}

/* ---- atomic file writes ---- */

static int io_fail(daas_err *err, int e, const char *what, const char *path)
{
    return daas_fail(err, e == ENOENT ? DAAS_ENOTFOUND : DAAS_EIO, "%s %s: %s", what, path,
                     strerror(e));
}

/* fsync of the directory holding path, so the rename itself is durable. */
static int sync_parent(const char *path, daas_err *err)
{
    char *copy = daas_xstrdup(path);
    int rc = DAAS_OK;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0)
        rc = io_fail(err, errno, "syncing the directory of", path);
    if (fd >= 0)
        close(fd);
    daas_free(copy);
    return rc;
}

int daas_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                           daas_err *err)
{
    uint8_t r[6];
    daas_random(r, sizeof r);
    char *tmp =
        daas_xasprintf("%s.tmp-%02x%02x%02x%02x%02x%02x", path, r[0], r[1], r[2], r[3], r[4], r[5]);
    int rc = DAAS_OK;
    int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = io_fail(err, errno, "creating", tmp);
        goto out;
    }
    if (daas_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = io_fail(err, errno, "writing", tmp);
        close(fd);
        goto unlink;
    }
    if (close(fd) != 0) {
        rc = io_fail(err, errno, "closing", tmp);
        goto unlink;
    }
    if (rename(tmp, path) != 0) {
        rc = io_fail(err, errno, "renaming to", path);
        goto unlink;
    }
    rc = sync_parent(path, err);
    goto out;
unlink:
    unlink(tmp);
out:
    daas_free(tmp);
    return rc;
}

bool daas_is_mount_point(const char *path)
{
    struct stat a, b;
    char *parent = daas_xasprintf("%s/..", path);
    bool m = lstat(path, &a) == 0 && stat(parent, &b) == 0 && S_ISDIR(a.st_mode) &&
             (a.st_dev != b.st_dev || a.st_ino == b.st_ino);
    daas_free(parent);
    return m;
}

void daas_first_ipv4(char *out, size_t n)
{
    struct ifaddrs *ifs = NULL, *i;
    snprintf(out, n, "127.0.0.1");
    if (getifaddrs(&ifs) != 0)
        return;
    for (i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
            !(i->ifa_flags & IFF_UP))
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out, (socklen_t)n);
        break;
    }
    freeifaddrs(ifs);
}
