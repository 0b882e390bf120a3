/*
 * err.c: daas_fail() and the lookups over DAAS_ERR_MAP.
 *
 * Owns:   nothing but the static tables generated from err.h.
 * Invariants: the first error recorded in a daas_err wins.
 */
#include "common/err.h"

#include <errno.h>

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

struct errinfo {
    int code;
    int http;
    const char *name;
    const char *reason;
    const char *text;
};

static const struct errinfo errtab[] = {
#define DAAS__ERR_ROW(name, val, http, reason, text) {val, http, #name, reason, text},
    DAAS_ERR_MAP(DAAS__ERR_ROW)
#undef DAAS__ERR_ROW
};

static const struct errinfo *lookup(int code)
{
    for (size_t i = 0; i < sizeof errtab / sizeof errtab[0]; i++)
        if (errtab[i].code == code)
            return &errtab[i];
    for (size_t i = 0; i < sizeof errtab / sizeof errtab[0]; i++)
        if (errtab[i].code == DAAS_EINTERNAL)
            return &errtab[i];
    return &errtab[0];
}

int daas_vfail(daas_err *err, int code, const char *fmt, va_list ap)
{
    if (err == NULL || err->code != DAAS_OK)
        return code;
    err->code = code;
    if (fmt == NULL) {
        snprintf(err->msg, sizeof err->msg, "%s", daas_err_text(code));
        return code;
    }
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int daas_fail(daas_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    daas_vfail(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void daas_err_clear(daas_err *err)
{
    if (err == NULL)
        return;
    err->code = DAAS_OK;
    err->msg[0] = '\0';
}

const char *daas_err_name(int code)
{
    return code == DAAS_OK ? "OK" : lookup(code)->name;
}

const char *daas_err_text(int code)
{
    return code == DAAS_OK ? "ok" : lookup(code)->text;
}

int daas_err_http(int code)
{
    return code == DAAS_OK ? 200 : lookup(code)->http;
}

int daas_err_from_http(long status, const char *reason)
{
    static const int codes[] = {
        DAAS_EINVAL,   DAAS_ENOTFOUND,  DAAS_ECONFLICT, DAAS_EEXIST,   DAAS_EGONE,    DAAS_EDENIED,
        DAAS_ETOOBIG,  DAAS_EINVALID,   DAAS_EUNAUTH,   DAAS_EMETHOD,  DAAS_EMEDIA,   DAAS_ETIMEOUT,
        DAAS_EUNAVAIL, DAAS_ENOTACCEPT, DAAS_EHEADERS,  DAAS_ENOTIMPL, DAAS_EINTERNAL};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; reason != NULL && i < n; i++)
        if (daas_err_http(codes[i]) == status && strcmp(daas_err_reason(codes[i]), reason) == 0)
            return codes[i];
    for (size_t i = 0; i < n; i++)
        if (daas_err_http(codes[i]) == status)
            return codes[i];
    return DAAS_EREMOTE;
}

const char *daas_err_reason(int code)
{
    return code == DAAS_OK ? "" : lookup(code)->reason;
}

int daas_from_ssl(daas_err *err, const char *what)
{
    char buf[160] = "";
    unsigned long e = ERR_get_error();
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return daas_fail(err, DAAS_ECRYPTO, "%s failed%s%s", what, buf[0] ? ": " : "", buf);
}

int daas_from_errno(int e)
{
    switch (e) {
    case 0:
        return DAAS_OK;
    case ENOENT:
        return DAAS_ENOTFOUND;
    case EEXIST:
        return DAAS_EEXIST;
    case EACCES:
    case EPERM:
        return DAAS_EDENIED;
    case EINVAL:
        return DAAS_EINVAL;
    case ETIMEDOUT:
        return DAAS_ETIMEOUT;
    case E2BIG:
    case EMSGSIZE:
        return DAAS_ETOOBIG;
    default:
        return DAAS_EIO;
    }
}
