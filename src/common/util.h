/*
 * util.h: small helpers every module needs: time, randomness, UUIDs, base64, refcounted blobs.
 *
 * Owns:   nothing stateful; the clock and randomness seams used by tests.
 * Invariants: randomness comes from the OS CSPRNG (getrandom), never from libc's PRNG.
 */
#ifndef DAAS_COMMON_UTIL_H
#define DAAS_COMMON_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/alloc.h"
#include "common/err.h"

/* Wall clock in milliseconds / seconds since the epoch; monotonic clock in nanoseconds. */
int64_t daas_now_ms(void);
int64_t daas_mono_ns(void);
/* A CLOCK_MONOTONIC deadline ms from now, for pthread_cond_timedwait on a condition made by
 * daas_cond_init_mono. */
struct timespec daas_deadline_ms(int64_t ms);
/* Initialises *cv to time its waits on CLOCK_MONOTONIC (immune to wall-clock steps). */
void daas_cond_init_mono(pthread_cond_t *cv);

/* RFC 3339 UTC, second precision: "2026-11-21T04:28:13Z" (buf >= 21 bytes). */
void daas_time_rfc3339(int64_t unix_sec, char *buf, size_t n);
/* RFC 3339 with microseconds (Kubernetes MicroTime): "2026-11-21T04:28:13.123456Z". */
void daas_time_rfc3339_micro(int64_t unix_us, char *buf, size_t n);
/* Parses RFC 3339 (with optional fraction and Z or +hh:mm) into unix seconds. */
DAAS_MUST_USE int daas_time_parse(const char *s, int64_t *unix_sec);
/* Kubernetes' HumanDuration ("5s", "3m12s", "5h", "2d", "3y45d") for a duration in seconds. */
void daas_human_duration(int64_t sec, char *buf, size_t n);

/* Fills p with n bytes from the OS CSPRNG; aborts if the kernel refuses. */
void daas_random(void *p, size_t n);
/* A random v4 UUID in canonical form (buf >= 37 bytes). */
void daas_uuid4(char *buf);

/* Standard base64 with padding. Encode never fails; decode rejects bad input (DAAS_EINVAL). */
char *daas_base64_encode(const void *p, size_t n);
DAAS_MUST_USE int daas_base64_decode(const char *s, size_t slen, daas_buf *out);
/* URL-safe alphabet without padding (decode also accepts padding). */
char *daas_base64url_encode(const void *p, size_t n);
DAAS_MUST_USE int daas_base64url_decode(const char *s, size_t slen, daas_buf *out);

/* An immutable, reference-counted byte string shared across threads (store values,
 * rendered objects). data is NUL-terminated for convenience; len excludes the NUL. */
typedef struct daas_blob {
    atomic_int refs;
    size_t len;
    char data[];
} daas_blob;

daas_blob *daas_blob_new(const void *p, size_t n);
/* Copies a NUL-terminated string into a new blob. */
daas_blob *daas_blob_from_str(const char *s);
daas_blob *daas_blob_ref(daas_blob *b);
void daas_blob_unref(daas_blob **b);

/* Writes the 2n lowercase hex digits of p[0..n) and a NUL into out (2n + 1 bytes); returns
 * out. */
char *daas_hex_encode(const void *p, size_t n, char *out);
/* Value of a hex digit (either case), or -1. */
int daas_hexval(int c);
/* Decodes the 2n hex digits (either case) at s into out[0..n). false at the first character
 * that is not a hex digit (out then holds a prefix; callers discard it). s must hold 2n
 * characters (a NUL among them is a non-digit). */
bool daas_hex_decode(const char *s, size_t n, uint8_t *out);
/* The hex of p[0..n) as a new string (daas_free). */
char *daas_hex_new(const void *p, size_t n);
/* Appends the bytes of the hex string s (either case; NULL counts as malformed) to out.
 * DAAS_EINVAL: an odd length or a non-digit (nothing appended); DAAS_ETOOBIG: more than max
 * bytes, or out's cap. No message: callers word their own. */
DAAS_MUST_USE int daas_hex_append(daas_buf *out, const char *s, size_t max);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one (overlong forms,
 * surrogates and code points past U+10FFFF are not). Stops at a NUL: never reads past a
 * NUL-terminated string. */
size_t daas_utf8_seq(const unsigned char *s);

/* Constant-time equality of two byte ranges (lengths are not secret). */
bool daas_ct_equal(const void *a, const void *b, size_t n);

/* Writes all n bytes of p to fd, retrying short writes and EINTR. 0, or the errno of the
 * failure (EIO when write returned 0). */
int daas_write_all(int fd, const void *p, size_t n);
/* Writes path atomically: "<path>.tmp-<random>" created O_EXCL|O_NOFOLLOW with its final
 * mode (never chmod'ed later), fsync'ed, renamed over path, the directory fsync'ed; a crash
 * leaves the old file or the new one. DAAS_EIO / DAAS_ENOTFOUND naming the file. */
DAAS_MUST_USE int daas_write_file_atomic(const char *path, const void *data, size_t len,
                                         mode_t mode, daas_err *err);

/* A u64 given as a non-negative JSON integer or a decimal string (as Sui GraphQL renders
 * BigInt / UInt53 values; at most 20 digits, no overflow). jv is a json_t * (kept untyped so
 * this header needs no jansson). True with *out set, else false. */
bool daas_json_u64(const void *jv, uint64_t *out);

/* mkdir -p: creates dir and its missing parents with mode 0700. An existing directory is
 * fine; an existing non-directory is DAAS_EIO. */
DAAS_MUST_USE int daas_mkdir_p(const char *dir, daas_err *err);

/* True when path is a directory at the root of a mount (its parent is on another device). */
bool daas_is_mount_point(const char *path);
/* The IPv4 address of the first interface that is up and not loopback, dotted, in out
 * (n >= 16); "127.0.0.1" when there is none. */
void daas_first_ipv4(char *out, size_t n);

#endif
