/*
 * alloc.h: allocation that never returns NULL, byte slices, growable capped buffers.
 *
 * Owns:   daas_xmalloc & co (abort on out-of-memory), daas_bytes, daas_buf.
 * Invariants:
 *   - the raw allocator (malloc, calloc, realloc, strdup) is called only in alloc.c;
 *   - a daas_buf never grows past the cap fixed at init (DAAS_ETOOBIG instead);
 *   - a daas_buf's data is always NUL-terminated (the NUL is not counted in len).
 * Spec:   shared/STYLE.md §2 rules 8, 10, 11.
 */
#ifndef DAAS_COMMON_ALLOC_H
#define DAAS_COMMON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

void *daas_xmalloc(size_t n);
void *daas_xcalloc(size_t n, size_t size);
void *daas_xrealloc(void *p, size_t n);
char *daas_xstrdup(const char *s);
char *daas_xstrndup(const char *s, size_t n);
/* Like asprintf, aborting on OOM. */
char *daas_xasprintf(const char *fmt, ...) DAAS_PRINTF(1, 2);
void daas_free(void *p);

/* A borrowed byte range. */
typedef struct daas_bytes {
    const uint8_t *ptr;
    size_t len;
} daas_bytes;

#define DAAS_BYTES(p, n) ((daas_bytes){(const uint8_t *)(p), (n)})
#define DAAS_BYTES_STR(s) ((daas_bytes){(const uint8_t *)(s), strlen(s)})

/* A growable buffer with a hard cap. Zero-initialise or daas_buf_init() before use. */
typedef struct daas_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard limit on len; 0 means DAAS_BUF_DEFAULT_MAX */
} daas_buf;

#define DAAS_BUF_DEFAULT_MAX ((size_t)256 << 20)

void daas_buf_init(daas_buf *b, size_t max);
void daas_buf_fini(daas_buf *b);
void daas_buf_reset(daas_buf *b);
DAAS_MUST_USE int daas_buf_append(daas_buf *b, const void *p, size_t n);
DAAS_MUST_USE int daas_buf_puts(daas_buf *b, const char *s);
DAAS_MUST_USE int daas_buf_printf(daas_buf *b, const char *fmt, ...) DAAS_PRINTF(2, 3);
/* Takes the data out of the buffer (caller frees with daas_free); the buffer is left empty. */
char *daas_buf_steal(daas_buf *b, size_t *len_out);

#endif
