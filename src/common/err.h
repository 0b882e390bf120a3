/*
 * err.h: the one error convention of daas.
 *
 * Owns:   the table of error codes (name, value, HTTP status, Kubernetes Status reason, text),
 *         daas_err (code + one line of text), daas_fail().
 * Invariants:
 *   - status functions return int: DAAS_OK (0) or a negative DAAS_E* code;
 *   - codes are append-only: never renumber or remove a row;
 *   - a daas_err keeps the FIRST failure (daas_fail does not overwrite);
 *   - messages never contain key material or secret plaintext.
 * Spec:   shared/STYLE.md §2 rules 4-7, §3b.
 */
#ifndef DAAS_COMMON_ERR_H
#define DAAS_COMMON_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define DAAS_MUST_USE __attribute__((warn_unused_result))
#define DAAS_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* X(name, value, http status, Kubernetes reason, default text) */
#define DAAS_ERR_MAP(X)                                                                  \
    X(EINVAL, -1, 400, "BadRequest", "invalid argument")                                 \
    X(ENOTFOUND, -2, 404, "NotFound", "not found")                                       \
    X(ECONFLICT, -3, 409, "Conflict", "revision conflict")                               \
    X(EGONE, -4, 410, "Expired", "revision compacted")                                   \
    X(EDENIED, -5, 403, "Forbidden", "not allowed")                                      \
    X(ETOOBIG, -6, 413, "RequestEntityTooLarge", "too large")                            \
    X(EIO, -7, 500, "InternalError", "i/o error")                                        \
    X(EEXIST, -8, 409, "AlreadyExists", "already exists")                                \
    X(EINVALID, -9, 422, "Invalid", "invalid object")                                    \
    X(EUNAUTH, -10, 401, "Unauthorized", "Unauthorized")                                 \
    X(EMETHOD, -11, 405, "MethodNotAllowed", "method not allowed")                       \
    X(EMEDIA, -12, 415, "UnsupportedMediaType", "unsupported media type")                \
    X(EINTERNAL, -13, 500, "InternalError", "internal error")                            \
    X(ETIMEOUT, -14, 504, "Timeout", "timed out")                                        \
    X(EUNAVAIL, -15, 503, "ServiceUnavailable", "unavailable")                           \
    X(ENOTACCEPT, -16, 406, "NotAcceptable", "not acceptable")                           \
    X(ECLOSED, -17, 500, "InternalError", "closed")                                      \
    X(ECRYPTO, -18, 500, "InternalError", "cryptographic failure")                       \
    X(EAGAIN, -19, 500, "InternalError", "need more data")                               \
    X(EHEADERS, -20, 431, "RequestHeaderFieldsTooLarge", "request header fields too large") \
    X(ENOTIMPL, -21, 501, "NotImplemented", "not implemented")                          \
    X(EREMOTE, -22, 502, "InternalError", "remote service error")                        \
    X(EFAILED, -23, 409, "Conflict", "transaction failed")

enum {
    DAAS_OK = 0,
#define DAAS__ERR_ENUM(name, val, http, reason, text) DAAS_##name = (val),
    DAAS_ERR_MAP(DAAS__ERR_ENUM)
#undef DAAS__ERR_ENUM
};

typedef struct daas_err {
    int code;      /* DAAS_OK or a DAAS_E* value */
    char msg[240]; /* one line for humans; never key or plaintext bytes */
} daas_err;

/* Fills *err (when not NULL) unless it already holds an error; returns code. */
int daas_fail(daas_err *err, int code, const char *fmt, ...) DAAS_PRINTF(3, 4);
int daas_vfail(daas_err *err, int code, const char *fmt, va_list ap);

/* Resets *err to DAAS_OK with an empty message. Accepts NULL. */
void daas_err_clear(daas_err *err);

/* Symbolic name ("ENOTFOUND"), default text, HTTP status and Kubernetes reason of a code.
 * Unknown codes map to EINTERNAL's values. Returned strings are static. */
const char *daas_err_name(int code);
const char *daas_err_text(int code);
int daas_err_http(int code);
/* The code of a non-2xx HTTP status and its Kubernetes reason (NULL: unknown): the code whose
 * status and reason both match, else the first with that status (409: DAAS_EEXIST only for
 * reason AlreadyExists; 500: DAAS_EINTERNAL), else DAAS_EREMOTE. */
int daas_err_from_http(long status, const char *reason);
const char *daas_err_reason(int code);

/* Fails err with DAAS_ECRYPTO: "<what> failed: <OpenSSL's first queued error>", and empties
 * OpenSSL's error queue. Returns DAAS_ECRYPTO. */
int daas_from_ssl(daas_err *err, const char *what);

/* Converts errno to a daas code (ENOENT→ENOTFOUND, EEXIST→EEXIST, ENOSPC/EIO→EIO, ...). */
int daas_from_errno(int e);

#define DAAS_NEVER(x) __builtin_expect(!!(x), 0)

#endif
