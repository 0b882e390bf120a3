/*
 * ipalloc.c: the ClusterIP allocator (see ipalloc.h for the model and the invariants).
 *
 * Owns:   one daas_ctrl_ipalloc: the range, its bitmap and the used count.
 * Not:    locking (callers serialise), persistence (the caller stores snapshots).
 * Invariants: a->used equals the number of set bits; bits past a->max are never set.
 */
#include "ctrl/ipalloc.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

struct daas_ctrl_ipalloc {
    uint32_t net;    /* network address, host order */
    int prefix;      /* prefix length */
    uint32_t base;   /* net + 1: the address of bit 0 */
    uint32_t max;    /* number of bits: size - 2 */
    uint32_t offset; /* size of the static block [0, offset) dynamic allocation avoids */
    uint32_t used;   /* set bits */
    uint8_t *bits;   /* (max + 7) / 8 bytes; bit i is bits[i / 8] & (1 << i % 8) */
    char range[24];  /* canonical "a.b.c.d/n" */
};

static const char default_range[] = "10.43.0.0/16";

/* Reads 1-3 decimal digits without a leading zero, <= max, at *p; advances *p. */
static bool parse_dec(const char **p, unsigned max, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9' && n < 3) {
        v = v * 10 + (unsigned)(s[n] - '0');
        n++;
    }
    if (n == 0 || (n > 1 && s[0] == '0') || (s[n] >= '0' && s[n] <= '9') || v > max)
        return false;
    *p = s + n;
    *out = v;
    return true;
}

/* Parses the dotted quad at *p, advancing *p past it. */
static bool parse_quad(const char **p, uint32_t *out)
{
    uint32_t ip = 0;
    for (int i = 0; i < 4; i++) {
        unsigned o;
        if (i > 0) {
            if (**p != '.')
                return false;
            (*p)++;
        }
        if (!parse_dec(p, 255, &o))
            return false;
        ip = (ip << 8) | o;
    }
    *out = ip;
    return true;
}

bool daas_ctrl_ipv4_parse(const char *s, uint32_t *out)
{
    uint32_t ip;
    if (s == NULL || !parse_quad(&s, &ip) || *s != '\0')
        return false;
    *out = ip;
    return true;
}

void daas_ctrl_ipv4_format(uint32_t ip, char *buf)
{
    snprintf(buf, DAAS_CTRL_IP_STRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255u, (ip >> 8) & 255u,
             ip & 255u);
}

static uint32_t prefix_mask(int prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int daas_ctrl_cidr_parse(const char *s, uint32_t *net, int *prefix, daas_err *err)
{
    const char *p = s;
    uint32_t ip;
    unsigned bits;
    if (s == NULL || !parse_quad(&p, &ip) || *p++ != '/' || !parse_dec(&p, 32, &bits) || *p != '\0')
        return daas_fail(err, DAAS_EINVAL, "invalid CIDR address: %.64s", s ? s : "");
    *prefix = (int)bits;
    *net = ip & prefix_mask((int)bits);
    return DAAS_OK;
}

/* min(max(16, size / 16), 256), or 0 when size <= 16 (bitmap.go calculateRangeOffset). */
static uint32_t static_offset(uint64_t size)
{
    if (size <= 16)
        return 0;
    uint64_t off = size / 16;
    return off < 16 ? 16 : off > 256 ? 256 : (uint32_t)off;
}

int daas_ctrl_ipalloc_new(const char *cidr, daas_ctrl_ipalloc **out, daas_err *err)
{
    uint32_t net;
    int prefix;
    int rc = daas_ctrl_cidr_parse(cidr ? cidr : default_range, &net, &prefix, err);
    if (rc != DAAS_OK)
        return rc;
    if (prefix < DAAS_CTRL_IPALLOC_MIN_PREFIX || prefix > DAAS_CTRL_IPALLOC_MAX_PREFIX)
        return daas_fail(err, DAAS_EINVAL,
                         "service CIDR %s: the prefix length must be between %d and %d", cidr,
                         DAAS_CTRL_IPALLOC_MIN_PREFIX, DAAS_CTRL_IPALLOC_MAX_PREFIX);
    daas_ctrl_ipalloc *a = daas_xcalloc(1, sizeof *a);
    uint64_t size = (uint64_t)1 << (32 - prefix);
    a->net = net;
    a->prefix = prefix;
    a->base = net + 1;
    a->max = (uint32_t)(size - 2);
    a->offset = static_offset(size);
    a->bits = daas_xcalloc((a->max + 7) / 8, 1);
    char ipb[DAAS_CTRL_IP_STRLEN];
    daas_ctrl_ipv4_format(net, ipb);
    snprintf(a->range, sizeof a->range, "%s/%d", ipb, prefix);
    *out = a;
    return DAAS_OK;
}

void daas_ctrl_ipalloc_free(daas_ctrl_ipalloc **a)
{
    if (a == NULL || *a == NULL)
        return;
    daas_free((*a)->bits);
    daas_free(*a);
    *a = NULL;
}

const char *daas_ctrl_ipalloc_range(const daas_ctrl_ipalloc *a)
{
    return a->range;
}

void daas_ctrl_ipalloc_first(const daas_ctrl_ipalloc *a, char *buf)
{
    daas_ctrl_ipv4_format(a->base, buf);
}

size_t daas_ctrl_ipalloc_size(const daas_ctrl_ipalloc *a)
{
    return a->max;
}

size_t daas_ctrl_ipalloc_used(const daas_ctrl_ipalloc *a)
{
    return a->used;
}

size_t daas_ctrl_ipalloc_free_count(const daas_ctrl_ipalloc *a)
{
    return a->max - a->used;
}

static bool bit_get(const daas_ctrl_ipalloc *a, uint32_t i)
{
    return (a->bits[i / 8] >> (i % 8)) & 1u;
}

static void bit_set(daas_ctrl_ipalloc *a, uint32_t i, bool on)
{
    if (bit_get(a, i) == on)
        return;
    a->bits[i / 8] ^= (uint8_t)(1u << (i % 8));
    if (on)
        a->used++;
    else
        a->used--;
}

/* The bit index of ip when it is an allocatable address of the range. */
static bool contains(const daas_ctrl_ipalloc *a, uint32_t ip, uint32_t *idx)
{
    if ((ip & prefix_mask(a->prefix)) != a->net || ip < a->base || ip - a->base >= a->max)
        return false;
    *idx = ip - a->base;
    return true;
}

int daas_ctrl_ipalloc_allocate(daas_ctrl_ipalloc *a, const char *ip, daas_err *err)
{
    uint32_t v, idx;
    if (!daas_ctrl_ipv4_parse(ip, &v))
        return daas_fail(err, DAAS_EINVALID,
                         "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    if (!contains(a, v, &idx))
        return daas_fail(err, DAAS_EINVALID,
                         "failed to allocate IP %s: provided IP %s is not in the valid range", ip,
                         ip);
    if (bit_get(a, idx))
        return daas_fail(err, DAAS_EINVALID,
                         "failed to allocate IP %s: provided IP is already allocated", ip);
    bit_set(a, idx, true);
    return DAAS_OK;
}

/* First free bit of [lo, lo + n) scanning from lo + start with wrap-around. */
static bool scan_block(const daas_ctrl_ipalloc *a, uint32_t lo, uint32_t n, uint32_t seed,
                       uint32_t *idx)
{
    if (n == 0)
        return false;
    uint32_t start = seed % n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = lo + (start + i) % n;
        if (!bit_get(a, at)) {
            *idx = at;
            return true;
        }
    }
    return false;
}

int daas_ctrl_ipalloc_allocate_next_seeded(daas_ctrl_ipalloc *a, uint32_t seed, char *buf,
                                           daas_err *err)
{
    uint32_t idx;
    /* The upper block first, so statically requested addresses of the lower block rarely
     * collide with dynamic ones (KEP-3070, ServiceIPStaticSubrange). */
    if (a->used >= a->max || (!scan_block(a, a->offset, a->max - a->offset, seed, &idx) &&
                              !scan_block(a, 0, a->offset, seed, &idx)))
        return daas_fail(err, DAAS_EINTERNAL, "failed to allocate a serviceIP: range is full");
    bit_set(a, idx, true);
    daas_ctrl_ipv4_format(a->base + idx, buf);
    return DAAS_OK;
}

int daas_ctrl_ipalloc_allocate_next(daas_ctrl_ipalloc *a, char *buf, daas_err *err)
{
    uint32_t seed;
    daas_random(&seed, sizeof seed);
    return daas_ctrl_ipalloc_allocate_next_seeded(a, seed, buf, err);
}

bool daas_ctrl_ipalloc_release(daas_ctrl_ipalloc *a, const char *ip)
{
    uint32_t v, idx;
    if (!daas_ctrl_ipv4_parse(ip, &v) || !contains(a, v, &idx) || !bit_get(a, idx))
        return false;
    bit_set(a, idx, false);
    return true;
}

bool daas_ctrl_ipalloc_has(const daas_ctrl_ipalloc *a, const char *ip)
{
    uint32_t v, idx;
    return daas_ctrl_ipv4_parse(ip, &v) && contains(a, v, &idx) && bit_get(a, idx);
}

/* Marks one address of a Service; counts it in *dups when already held. */
static void restore_one(daas_ctrl_ipalloc *a, const char *ip, size_t *dups)
{
    uint32_t v, idx;
    if (!daas_ctrl_ipv4_parse(ip, &v) || !contains(a, v, &idx))
        return;
    if (bit_get(a, idx))
        (*dups)++;
    bit_set(a, idx, true);
}

void daas_ctrl_ipalloc_restore_services(daas_ctrl_ipalloc *a, const json_t *services, size_t *dups)
{
    size_t i, j, d = 0;
    json_t *svc, *ipv;
    json_array_foreach(services, i, svc)
    {
        json_t *spec = json_object_get(svc, "spec");
        const char *type = json_string_value(json_object_get(spec, "type"));
        if (type != NULL && strcmp(type, "ExternalName") == 0)
            continue;
        json_t *ips = json_object_get(spec, "clusterIPs");
        if (json_array_size(ips) == 0) {
            restore_one(a, json_string_value(json_object_get(spec, "clusterIP")), &d);
            continue;
        }
        json_array_foreach(ips, j, ipv) restore_one(a, json_string_value(ipv), &d);
    }
    if (dups != NULL)
        *dups = d;
}

/* Byte k (0 = least significant) of the big integer is bits[k]: the little-endian bitmap
 * is that integer's little-endian byte string. */
int daas_ctrl_ipalloc_snapshot(const daas_ctrl_ipalloc *a, daas_buf *out, daas_err *err)
{
    size_t n = (a->max + 7) / 8;
    while (n > 0 && a->bits[n - 1] == 0)
        n--;
    for (size_t k = n; k > 0; k--) {
        if (daas_buf_append(out, &a->bits[k - 1], 1) != DAAS_OK)
            return daas_fail(err, DAAS_ETOOBIG, "ClusterIP snapshot of %zu bytes is too big", n);
    }
    return DAAS_OK;
}

int daas_ctrl_ipalloc_restore(daas_ctrl_ipalloc *a, const char *range, daas_bytes data,
                              daas_err *err)
{
    uint32_t net;
    int prefix;
    if (daas_ctrl_cidr_parse(range, &net, &prefix, NULL) != DAAS_OK || net != a->net ||
        prefix != a->prefix)
        return daas_fail(err, DAAS_ECONFLICT,
                         "the provided network does not match the current range");
    size_t nbytes = (a->max + 7) / 8, skip = 0;
    while (skip < data.len && data.ptr[skip] == 0)
        skip++;
    size_t n = data.len - skip;
    /* The top byte may only carry bits below a->max. */
    if (n > nbytes || (n == nbytes && a->max % 8 != 0 && (data.ptr[skip] >> (a->max % 8)) != 0))
        return daas_fail(err, DAAS_EINVAL, "ClusterIP snapshot has bits past %s", a->range);
    memset(a->bits, 0, nbytes);
    a->used = 0;
    for (size_t k = 0; k < n; k++) {
        uint8_t b = data.ptr[data.len - 1 - k];
        a->bits[k] = b;
        a->used += (uint32_t)__builtin_popcount(b);
    }
    return DAAS_OK;
}
