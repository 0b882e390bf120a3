/*
 * headers.c: the key server's SDK-version middleware and the semver parser it uses.
 *
 * Owns:   the default version requirements per Client-Sdk-Type.
 * Invariants: runs before any /v1 handler; its refusals are those of the Rust key server
 *         (MissingRequiredHeader, InvalidSDKVersion, DeprecatedSDKVersion), in that order.
 * Spec:   specs/seal.md §6.2.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "keyserver/ks_int.h"

/* One numeric identifier: digits, no leading zero unless it is "0", fits u64. */
static const char *num(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
        return NULL;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return NULL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return p;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty, ending at stop or NUL. */
static const char *idents(const char *p, bool numeric_rule)
{
    for (;;) {
        const char *start = p;
        bool digits = true;
        for (; isalnum((unsigned char)*p) || *p == '-'; p++)
            digits = digits && isdigit((unsigned char)*p);
        if (p == start)
            return NULL;
        /* a numeric pre-release identifier has no leading zero */
        if (numeric_rule && digits && p - start > 1 && *start == '0')
            return NULL;
        if (*p != '.')
            return p;
        p++;
    }
}

int daas_ks__semver_parse(const char *s, daas_ks__semver *out)
{
    const char *p = s;

    memset(out, 0, sizeof *out);
    if ((p = num(p, &out->major)) == NULL || *p++ != '.')
        return DAAS_EINVAL;
    if ((p = num(p, &out->minor)) == NULL || *p++ != '.')
        return DAAS_EINVAL;
    if ((p = num(p, &out->patch)) == NULL)
        return DAAS_EINVAL;
    if (*p == '-') {
        out->prerelease = true;
        if ((p = idents(p + 1, true)) == NULL)
            return DAAS_EINVAL;
    }
    if (*p == '+' && (p = idents(p + 1, false)) == NULL)
        return DAAS_EINVAL;
    return *p == '\0' ? DAAS_OK : DAAS_EINVAL;
}

/* v >= min (semver's VersionReq ">=min": a pre-release never matches a plain comparator). */
static bool at_least(const daas_ks__semver *v, uint64_t maj, uint64_t min, uint64_t pat)
{
    if (v->prerelease)
        return false;
    if (v->major != maj)
        return v->major > maj;
    if (v->minor != min)
        return v->minor > min;
    return v->patch >= pat;
}

daas_seal_errcode daas_ks__check_sdk(const daas_http_req *req)
{
    const char *ver = daas_http_req_header(req, DAAS_SEAL_HDR_SDK_VERSION);
    const char *type = daas_http_req_header(req, DAAS_SEAL_HDR_SDK_TYPE);
    daas_ks__semver v;

    if (ver == NULL)
        return DAAS_SEAL_E_MISSING_REQUIRED_HEADER;
    if (daas_ks__semver_parse(ver, &v) != DAAS_OK)
        return DAAS_SEAL_E_INVALID_SDK_VERSION;
    /* SPEC: specs/seal.md §6.2 default requirements: typescript >=0.4.5, aggregator >=0.6.2,
     * rust and python >=0.0.0, any other type (or none) unchecked. */
    if (type != NULL && strcmp(type, "typescript") == 0 && !at_least(&v, 0, 4, 5))
        return DAAS_SEAL_E_DEPRECATED_SDK_VERSION;
    if (type != NULL && strcmp(type, "aggregator") == 0 && !at_least(&v, 0, 6, 2))
        return DAAS_SEAL_E_DEPRECATED_SDK_VERSION;
    if (type != NULL && (strcmp(type, "rust") == 0 || strcmp(type, "python") == 0) &&
        !at_least(&v, 0, 0, 0))
        return DAAS_SEAL_E_DEPRECATED_SDK_VERSION;
    return DAAS_SEAL_E_NONE;
}
