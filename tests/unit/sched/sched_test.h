/*
 * sched_test.h: builders shared by the scheduler tests: nodes and pods in caller storage,
 *               deltas applied with the next seq, hex helpers.
 *
 * Owns:   nothing; every builder fills a struct on the caller's stack (fixed-size arrays),
 *         strings are literals or live in the struct.
 */
#ifndef DAAS_TESTS_SCHED_TEST_H
#define DAAS_TESTS_SCHED_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched.h"

#define GiB ((int64_t)1 << 30)

typedef struct tnode {
    daas_sched_node n;
    daas_sched_res res[16];
    daas_sched_label labels[16];
    daas_sched_taint taints[8];
} tnode;

typedef struct tpod {
    daas_sched_pod p;
    daas_sched_res req[16];
    daas_sched_label sel[8];
    daas_sched_term terms[4];
    daas_sched_expr exprs[4][4];
    daas_sched_toleration tol[8];
} tpod;

/* Inserts (name, qty) keeping the list sorted (replaces an equal name). */
static inline void t_res_put(daas_sched_res *r, size_t *n, const char *name, int64_t qty)
{
    size_t i = 0;
    while (i < *n && strcmp(r[i].name, name) < 0)
        i++;
    if (i < *n && strcmp(r[i].name, name) == 0) {
        r[i].qty = qty;
        return;
    }
    memmove(&r[i + 1], &r[i], (*n - i) * sizeof(*r));
    r[i] = (daas_sched_res){name, qty};
    (*n)++;
}

static inline void tnode_init(tnode *t, const char *name, int64_t milli_cpu, int64_t mem,
                              uint8_t owner, uint64_t stake)
{
    memset(t, 0, sizeof(*t));
    t->n.name = name;
    t->n.owner[0] = owner;
    t->n.stake = stake;
    t->n.ready = true;
    t->n.alloc = t->res;
    t->n.labels = t->labels;
    t->n.taints = t->taints;
    t_res_put(t->res, &t->n.n_alloc, "cpu", milli_cpu);
    t_res_put(t->res, &t->n.n_alloc, "memory", mem);
}

static inline void tnode_res(tnode *t, const char *name, int64_t qty)
{
    t_res_put(t->res, &t->n.n_alloc, name, qty);
}

static inline void tnode_label(tnode *t, const char *k, const char *v)
{
    size_t i = 0, n = t->n.n_labels;
    while (i < n && strcmp(t->labels[i].key, k) < 0)
        i++;
    memmove(&t->labels[i + 1], &t->labels[i], (n - i) * sizeof(t->labels[0]));
    t->labels[i] = (daas_sched_label){k, v};
    t->n.n_labels++;
}

static inline void tnode_taint(tnode *t, const char *k, const char *v, uint8_t effect)
{
    t->taints[t->n.n_taints++] = (daas_sched_taint){k, v, effect};
}

static inline void tpod_init(tpod *t, const char *uid, int64_t milli_cpu, int64_t mem)
{
    memset(t, 0, sizeof(*t));
    t->p.uid = uid;
    t->p.ns = "default";
    t->p.name = uid;
    memset(t->p.spec_digest, 0xab, sizeof(t->p.spec_digest));
    t->p.requests = t->req;
    t->p.node_selector = t->sel;
    t->p.terms = t->terms;
    t->p.tolerations = t->tol;
    if (milli_cpu > 0)
        t_res_put(t->req, &t->p.n_requests, "cpu", milli_cpu);
    if (mem > 0)
        t_res_put(t->req, &t->p.n_requests, "memory", mem);
}

static inline void tpod_req(tpod *t, const char *name, int64_t qty)
{
    t_res_put(t->req, &t->p.n_requests, name, qty);
}

static inline void tpod_sel(tpod *t, const char *k, const char *v)
{
    t->sel[t->p.n_node_selector++] = (daas_sched_label){k, v}; /* callers add in key order */
}

/* Adds requirement (key op values...) to term ti (fields when field is true). */
static inline void tpod_expr(tpod *t, size_t ti, bool field, const char *key, uint8_t op,
                             const char *const *values, size_t n_values)
{
    daas_sched_term *term = &t->terms[ti];
    t->p.has_affinity = true;
    if (t->p.n_terms <= ti)
        t->p.n_terms = ti + 1;
    daas_sched_expr *e = &t->exprs[ti][term->n_exprs + term->n_fields];
    *e = (daas_sched_expr){key, op, values, n_values};
    if (field) {
        term->fields = e;
        term->n_fields++;
    } else {
        term->exprs = &t->exprs[ti][0];
        term->n_exprs++;
    }
}

static inline void tpod_tol(tpod *t, const char *k, uint8_t op, const char *v, uint8_t effect)
{
    t->tol[t->p.n_tolerations++] = (daas_sched_toleration){k, op, v, effect};
}

/* ---- deltas with the next seq ---- */

static inline int t_apply(daas_sched_state *st, daas_sched_delta *d)
{
    daas_err err = {0};
    d->seq = daas_sched_state_seq(st) + 1;
    int rc = daas_sched_state_apply(st, d, &err);
    if (rc != DAAS_OK && getenv("SCHED_TEST_VERBOSE"))
        fprintf(stderr, "apply: %s\n", err.msg);
    return rc;
}

static inline int t_upsert(daas_sched_state *st, const tnode *t)
{
    daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = t->n};
    return t_apply(st, &d);
}

static inline int t_node_rm(daas_sched_state *st, const char *name)
{
    daas_sched_delta d = {.kind = DAAS_SCHED_NODE_REMOVE, .name = name};
    return t_apply(st, &d);
}

static inline int t_bind(daas_sched_state *st, const char *uid, const char *node,
                         int64_t milli_cpu, int64_t mem)
{
    daas_sched_res r[2];
    size_t n = 0;
    if (milli_cpu > 0)
        r[n++] = (daas_sched_res){"cpu", milli_cpu};
    if (mem > 0)
        r[n++] = (daas_sched_res){"memory", mem};
    daas_sched_delta d = {.kind = DAAS_SCHED_POD_BOUND, .bound = {uid, node, r, n}};
    return t_apply(st, &d);
}

static inline int t_bind_req(daas_sched_state *st, const char *uid, const char *node,
                             const daas_sched_res *r, size_t n)
{
    daas_sched_delta d = {.kind = DAAS_SCHED_POD_BOUND, .bound = {uid, node, r, n}};
    return t_apply(st, &d);
}

static inline int t_unbind(daas_sched_state *st, const char *uid)
{
    daas_sched_delta d = {.kind = DAAS_SCHED_POD_REMOVED, .name = uid};
    return t_apply(st, &d);
}

/* ---- hex ---- */

static inline const char *t_hex(const void *p, size_t n)
{
    static char s[8192];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 < sizeof(s); i++)
        o += (size_t)snprintf(s + o, sizeof(s) - o, "%02x", ((const uint8_t *)p)[i]);
    s[o] = '\0';
    return s;
}

static inline size_t t_unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n && i < cap; i++) {
        unsigned v = 0;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (uint8_t)v;
    }
    return n < cap ? n : cap;
}

#endif
