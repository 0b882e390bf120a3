/*
 * alloc.c: the only file that calls the raw allocator.
 *
 * Owns:   daas_x* allocation (abort on OOM), daas_buf growth.
 * Invariants: out-of-memory prints one line and aborts; callers never check for NULL.
 */
#include "common/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "daas: out of memory allocating %zu bytes\n", n);
    abort();
}

void *daas_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *daas_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom(n * size);
    return p;
}

void *daas_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *daas_xstrdup(const char *s)
{
    return daas_xstrndup(s, strlen(s));
}

char *daas_xstrndup(const char *s, size_t n)
{
    char *p = daas_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *daas_xasprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = daas_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void daas_free(void *p)
{
    free(p);
}

void daas_buf_init(daas_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void daas_buf_fini(daas_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void daas_buf_reset(daas_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(daas_buf *b, size_t extra)
{
    size_t max = b->max ? b->max : DAAS_BUF_DEFAULT_MAX;
    if (extra > max || b->len > max - extra)
        return DAAS_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return DAAS_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = daas_xrealloc(b->data, cap);
    b->cap = cap;
    return DAAS_OK;
}

int daas_buf_append(daas_buf *b, const void *p, size_t n)
{
    int rc = reserve(b, n);
    if (rc != DAAS_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DAAS_OK;
}

int daas_buf_puts(daas_buf *b, const char *s)
{
    return daas_buf_append(b, s, strlen(s));
}

int daas_buf_printf(daas_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return DAAS_EINVAL;
    }
    int rc = reserve(b, (size_t)n);
    if (rc == DAAS_OK) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
    return rc;
}

char *daas_buf_steal(daas_buf *b, size_t *len_out)
{
    char *p = b->data;
    if (len_out)
        *len_out = b->len;
    if (p == NULL)
        p = daas_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
