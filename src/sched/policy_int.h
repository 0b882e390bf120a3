/*
 * policy_int.h: what the policy evaluator files (policy_pss.c, policy_rules.c) share and
 *               nobody else may use: a string list, a text writer with Go's joinQuote /
 *               pluralize / %q, and the evaluation context.
 *
 * Owns:   nothing stateful; static inline helpers.
 * Invariants: a writer keeps its first failure in rc; strings pushed on a strvec are
 *             borrowed (from the view or the context's arena).
 * Spec:   policy.h.
 */
#ifndef DAAS_SCHED_POLICY_INT_H
#define DAAS_SCHED_POLICY_INT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/policy.h"
#include "sched/sched_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small tools: a string list, a writer, Go's joinQuote / pluralize / %q ---- */

typedef struct strvec {
    const char **v; /* borrowed strings (view or ctx arena) */
    size_t n, cap;
} strvec;

static inline void sv_push(strvec *s, const char *x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = daas_xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n++] = x;
}

static inline int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's sets.String.List(): sorted bytewise, unique. */
static inline void sv_sort_uniq(strvec *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof(*s->v), cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (strcmp(s->v[i], s->v[k - 1]) != 0)
            s->v[k++] = s->v[i];
    s->n = k;
}

static inline void sv_free(strvec *s)
{
    daas_free(s->v);
    memset(s, 0, sizeof(*s));
}

/* Text being built; the first failure sticks. */
typedef struct wr {
    daas_buf b;
    int rc;
} wr;

static inline void put(wr *w, const char *s)
{
    if (w->rc == DAAS_OK)
        w->rc = daas_buf_puts(&w->b, s);
}

DAAS_PRINTF(2, 3) static inline void putf(wr *w, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(tmp))
        put(w, tmp);
    else if (w->rc == DAAS_OK)
        w->rc = DAAS_EINTERNAL; /* only short numeric formats are used */
}

static inline const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Go's joinQuote: "a", "b" (nothing for none). */
static inline void join_quote(wr *w, const strvec *s)
{
    for (size_t i = 0; i < s->n; i++) {
        put(w, i ? "\", \"" : "\"");
        put(w, s->v[i]);
    }
    if (s->n)
        put(w, "\"");
}

static inline void join(wr *w, const strvec *s, const char *sep)
{
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            put(w, sep);
        put(w, s->v[i]);
    }
}

/* Go's %q for the strings that occur here: printable ASCII as is except " and \; C escapes;
 * other control bytes as \x..; bytes >= 0x80 (UTF-8, checked by the decoder) as is. */
static inline void go_quote(wr *w, const char *s)
{
    put(w, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\a':
            esc = "\\a";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\v':
            esc = "\\v";
            break;
        default:
            break;
        }
        if (esc != NULL)
            put(w, esc);
        else if (*p < 0x20 || *p == 0x7f)
            putf(w, "\\x%02x", *p);
        else if (w->rc == DAAS_OK)
            w->rc = daas_buf_append(&w->b, p, 1);
    }
    put(w, "\"");
}

/* "container \"a\"" / "containers \"a\", \"b\"" (and the same for volumes). */
static inline void who(wr *w, const char *one, const char *many, const strvec *names)
{
    put(w, plural(names->n, one, many));
    put(w, " ");
    join_quote(w, names);
}

/* ---- evaluation context ---- */

typedef struct ctx {
    const daas_sched_policy_view *v;
    daas_sched__chunk *mem; /* the result's arena (items and scratch strings) */
    wr w;                   /* the current item */
} ctx;

/* Copies the writer's text into the arena and resets it. */
static inline char *take(ctx *c)
{
    char *s = daas_sched__arena_str(&c->mem, c->w.b.data ? c->w.b.data : "", c->w.b.len);
    daas_buf_reset(&c->w.b);
    return s;
}

#define FOR_CONTAINERS(c, k) for (size_t k = 0; k < (c)->v->n_containers; k++)

static inline const daas_sched_pcontainer *ctr(const ctx *c, size_t k)
{
    return &c->v->containers[k];
}

/* A check writes "reason" or "reason (detail)" into c->w and returns true when it fails. */
typedef bool (*check_fn)(ctx *c);

static inline bool reason_detail_open(ctx *c, const char *reason)
{
    put(&c->w, reason);
    put(&c->w, " (");
    return true;
}

static inline bool close_item(ctx *c)
{
    put(&c->w, ")");
    return true;
}

#define MAX_ITEMS 24 /* 17 checks + 4 rules, with room */

/* A list of items in the result's arena (MAX_ITEMS slots). */
typedef struct list {
    const char **v;
    size_t n;
} list;

/* Runs the PSS checks of level (DAAS_SCHED_PSS_*) on c->v, appending items to out. */
void daas_sched__policy_pss_run(ctx *c, uint8_t level, list *out);

#endif
