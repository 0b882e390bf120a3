/*
 * delta.c: the BCS wire format from the server to the enclave: deltas and pod specs, their
 *          format checks, and the bump arena decoded values live in.
 *
 * Owns:   encode/decode/check of Delta, Node, Pod and their parts (layouts in sched.h).
 * Not:    what a delta does to a state (state.c); decisions (decision.c).
 * Invariants:
 *   - the encoders refuse what the decoders would refuse, so BCS(x) always decodes to x;
 *   - the decoders are strict: input <= DAAS_SCHED_MAX_DELTA_BYTES, every vector length
 *     within its limit and within the bytes left, canonical ULEB128/bool/Option, no trailing
 *     bytes, then the same checks as the encoders; a decoded value re-encodes to its input;
 *   - on failure a decoder leaves nothing allocated.
 * Spec:   sched.h "Wire format".
 */
#include <string.h>

#include "common/util.h"
#include "sched/sched_int.h"
#include "sui/bcs.h"

/* ---- arena ---- */

struct daas_sched__chunk {
    daas_sched__chunk *next; /* older chunk */
    size_t used;             /* bytes handed out from data */
    size_t size;             /* bytes in data */
    _Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK 4096

/* Contract in sched_int.h. */
void *daas_sched__arena_alloc(daas_sched__chunk **head, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    daas_sched__chunk *c = *head;
    if (c == NULL || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = daas_xcalloc(1, sizeof(*c) + size);
        c->size = size;
        c->next = *head;
        *head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

/* Contract in sched_int.h. */
char *daas_sched__arena_str(daas_sched__chunk **head, const char *s, size_t n)
{
    char *p = daas_sched__arena_alloc(head, n + 1);
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Contract in sched_int.h. */
void daas_sched__arena_free(daas_sched__chunk **head)
{
    daas_sched__chunk *c = *head;
    while (c != NULL) {
        daas_sched__chunk *next = c->next;
        daas_free(c);
        c = next;
    }
    *head = NULL;
}

/* ---- checks ---- */

static int str_check(const char *s, bool allow_empty, const char *what, daas_err *err)
{
    if (s == NULL)
        return daas_fail(err, DAAS_EINVAL, "sched: %s is missing", what);
    size_t n = strnlen(s, DAAS_SCHED_MAX_STR + 1);
    if (n > DAAS_SCHED_MAX_STR)
        return daas_fail(err, DAAS_EINVAL, "sched: %s is longer than %d bytes", what,
                         DAAS_SCHED_MAX_STR);
    if (n == 0 && !allow_empty)
        return daas_fail(err, DAAS_EINVAL, "sched: %s is empty", what);
    for (size_t i = 0; i < n;) {
        size_t k = daas_utf8_seq((const unsigned char *)s + i);
        if (k == 0)
            return daas_fail(err, DAAS_EINVAL, "sched: %s is not UTF-8", what);
        i += k;
    }
    return DAAS_OK;
}

/* Contract in sched_int.h. */
int daas_sched__name_check(const char *s, const char *what, daas_err *err)
{
    return str_check(s, false, what, err);
}

static int count_check(const void *p, size_t n, size_t max, const char *what, daas_err *err)
{
    if (n > max)
        return daas_fail(err, DAAS_ETOOBIG, "sched: %zu %s (at most %zu)", n, what, max);
    if (n > 0 && p == NULL)
        return daas_fail(err, DAAS_EINVAL, "sched: %s missing", what);
    return DAAS_OK;
}

static int res_check(const daas_sched_res *r, size_t n, bool request, daas_err *err)
{
    int rc = count_check(r, n, DAAS_SCHED_MAX_RESOURCES, "resources", err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = str_check(r[i].name, false, "resource name", err);
        if (rc != DAAS_OK)
            break;
        if (r[i].qty < 0 || r[i].qty > DAAS_SCHED_QTY_MAX)
            rc = daas_fail(err, DAAS_EINVAL, "sched: quantity of %s out of range", r[i].name);
        else if (i > 0 && strcmp(r[i - 1].name, r[i].name) >= 0)
            rc = daas_fail(err, DAAS_EINVAL, "sched: resources not sorted/unique at %s",
                           r[i].name);
        else if (request && strcmp(r[i].name, "pods") == 0)
            rc = daas_fail(err, DAAS_EINVAL, "sched: a pod may not request \"pods\"");
    }
    return rc;
}

static int labels_check(const daas_sched_label *l, size_t n, daas_err *err)
{
    int rc = count_check(l, n, DAAS_SCHED_MAX_LABELS, "labels", err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = str_check(l[i].key, false, "label key", err);
        if (rc == DAAS_OK)
            rc = str_check(l[i].value, true, "label value", err);
        if (rc == DAAS_OK && i > 0 && strcmp(l[i - 1].key, l[i].key) >= 0)
            rc = daas_fail(err, DAAS_EINVAL, "sched: labels not sorted/unique at %s", l[i].key);
    }
    return rc;
}

static int taints_check(const daas_sched_taint *t, size_t n, daas_err *err)
{
    int rc = count_check(t, n, DAAS_SCHED_MAX_TAINTS, "taints", err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = str_check(t[i].key, false, "taint key", err);
        if (rc == DAAS_OK)
            rc = str_check(t[i].value, true, "taint value", err);
        if (rc == DAAS_OK && (t[i].effect < DAAS_SCHED_EFFECT_NO_SCHEDULE ||
                              t[i].effect > DAAS_SCHED_EFFECT_NO_EXECUTE))
            rc = daas_fail(err, DAAS_EINVAL, "sched: taint %s: bad effect %u", t[i].key,
                           t[i].effect);
    }
    return rc;
}

/* Contract in sched_int.h. */
int daas_sched__node_check(const daas_sched_node *n, daas_err *err)
{
    int rc = str_check(n->name, false, "node name", err);
    if (rc == DAAS_OK)
        rc = res_check(n->alloc, n->n_alloc, false, err);
    if (rc == DAAS_OK)
        rc = labels_check(n->labels, n->n_labels, err);
    if (rc == DAAS_OK)
        rc = taints_check(n->taints, n->n_taints, err);
    return rc;
}

/* Contract in sched_int.h. */
int daas_sched__binding_check(const daas_sched_binding *b, daas_err *err)
{
    int rc = str_check(b->uid, false, "pod uid", err);
    if (rc == DAAS_OK)
        rc = str_check(b->node, false, "node name", err);
    if (rc == DAAS_OK)
        rc = res_check(b->requests, b->n_requests, true, err);
    return rc;
}

/* Contract in sched_int.h. */
bool daas_sched__parse_i64(const char *s, int64_t *out)
{
    bool neg = false;
    uint64_t v = 0, lim = (uint64_t)INT64_MAX;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    if (neg)
        lim++;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static int expr_check(const daas_sched_expr *e, bool field, daas_err *err)
{
    int rc = str_check(e->key, false, "requirement key", err);
    if (rc == DAAS_OK && field && strcmp(e->key, "metadata.name") != 0)
        rc = daas_fail(err, DAAS_EINVAL, "sched: matchFields key %s is not metadata.name",
                       e->key);
    if (rc == DAAS_OK && e->op > DAAS_SCHED_OP_LT)
        rc = daas_fail(err, DAAS_EINVAL, "sched: %s: bad operator %u", e->key, e->op);
    if (rc == DAAS_OK)
        rc = count_check(e->values, e->n_values, DAAS_SCHED_MAX_VALUES, "values", err);
    for (size_t i = 0; rc == DAAS_OK && i < e->n_values; i++)
        rc = str_check(e->values[i], true, "requirement value", err);
    if (rc != DAAS_OK)
        return rc;
    int64_t v;
    switch (e->op) {
    case DAAS_SCHED_OP_IN:
    case DAAS_SCHED_OP_NOT_IN:
        if (e->n_values == 0)
            rc = daas_fail(err, DAAS_EINVAL, "sched: %s: In/NotIn without values", e->key);
        break;
    case DAAS_SCHED_OP_EXISTS:
    case DAAS_SCHED_OP_DOES_NOT_EXIST:
        if (e->n_values != 0)
            rc = daas_fail(err, DAAS_EINVAL, "sched: %s: Exists/DoesNotExist with values",
                           e->key);
        break;
    default:
        if (e->n_values != 1 || !daas_sched__parse_i64(e->values[0], &v))
            rc = daas_fail(err, DAAS_EINVAL, "sched: %s: Gt/Lt needs one integer", e->key);
    }
    return rc;
}

static int terms_check(const daas_sched_pod *p, daas_err *err)
{
    if (!p->has_affinity && p->n_terms != 0)
        return daas_fail(err, DAAS_EINVAL, "sched: affinity terms without has_affinity");
    int rc = count_check(p->terms, p->n_terms, DAAS_SCHED_MAX_TERMS, "affinity terms", err);
    for (size_t i = 0; rc == DAAS_OK && i < p->n_terms; i++) {
        const daas_sched_term *t = &p->terms[i];
        rc = count_check(t->exprs, t->n_exprs, DAAS_SCHED_MAX_EXPRS, "match expressions", err);
        if (rc == DAAS_OK)
            rc = count_check(t->fields, t->n_fields, DAAS_SCHED_MAX_EXPRS, "match fields", err);
        for (size_t j = 0; rc == DAAS_OK && j < t->n_exprs; j++)
            rc = expr_check(&t->exprs[j], false, err);
        for (size_t j = 0; rc == DAAS_OK && j < t->n_fields; j++)
            rc = expr_check(&t->fields[j], true, err);
    }
    return rc;
}

static int tolerations_check(const daas_sched_toleration *t, size_t n, daas_err *err)
{
    int rc = count_check(t, n, DAAS_SCHED_MAX_TOLERATIONS, "tolerations", err);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = str_check(t[i].key, true, "toleration key", err);
        if (rc == DAAS_OK)
            rc = str_check(t[i].value, true, "toleration value", err);
        if (rc == DAAS_OK && (t[i].op > DAAS_SCHED_TOL_EXISTS ||
                              t[i].effect > DAAS_SCHED_EFFECT_NO_EXECUTE))
            rc = daas_fail(err, DAAS_EINVAL, "sched: toleration %s: bad operator or effect",
                           t[i].key);
    }
    return rc;
}

/* Contract in sched.h. */
int daas_sched_pod_check(const daas_sched_pod *p, daas_err *err)
{
    int rc = str_check(p->uid, false, "pod uid", err);
    if (rc == DAAS_OK)
        rc = str_check(p->ns, false, "pod namespace", err);
    if (rc == DAAS_OK)
        rc = str_check(p->name, false, "pod name", err);
    if (rc == DAAS_OK)
        rc = res_check(p->requests, p->n_requests, true, err);
    if (rc == DAAS_OK)
        rc = labels_check(p->node_selector, p->n_node_selector, err);
    if (rc == DAAS_OK)
        rc = terms_check(p, err);
    if (rc == DAAS_OK)
        rc = tolerations_check(p->tolerations, p->n_tolerations, err);
    return rc;
}

/* ---- encoding (after the checks, so only the cap of out can fail) ---- */

static int put_res(daas_buf *b, const daas_sched_res *r, size_t n)
{
    int rc = daas_sui_bcs_put_len(b, n);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = daas_sui_bcs_put_str(b, r[i].name);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u64(b, (uint64_t)r[i].qty);
    }
    return rc;
}

static int put_labels(daas_buf *b, const daas_sched_label *l, size_t n)
{
    int rc = daas_sui_bcs_put_len(b, n);
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        rc = daas_sui_bcs_put_str(b, l[i].key);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, l[i].value);
    }
    return rc;
}

static int put_node(daas_buf *b, const daas_sched_node *n)
{
    int rc = daas_sui_bcs_put_str(b, n->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_addr(b, n->owner);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u64(b, n->stake);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, n->ready);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bool(b, n->unschedulable);
    if (rc == DAAS_OK)
        rc = put_res(b, n->alloc, n->n_alloc);
    if (rc == DAAS_OK)
        rc = put_labels(b, n->labels, n->n_labels);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(b, n->n_taints);
    for (size_t i = 0; rc == DAAS_OK && i < n->n_taints; i++) {
        rc = daas_sui_bcs_put_str(b, n->taints[i].key);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, n->taints[i].value);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u8(b, n->taints[i].effect);
    }
    return rc;
}

static int body_check(const daas_sched_delta *d, daas_err *err)
{
    switch (d->kind) {
    case DAAS_SCHED_NODE_UPSERT:
        return daas_sched__node_check(&d->node, err);
    case DAAS_SCHED_NODE_REMOVE:
        return str_check(d->name, false, "node name", err);
    case DAAS_SCHED_POD_BOUND:
        return daas_sched__binding_check(&d->bound, err);
    case DAAS_SCHED_POD_REMOVED:
        return str_check(d->name, false, "pod uid", err);
    default:
        return daas_fail(err, DAAS_EINVAL, "sched: unknown delta kind %u", d->kind);
    }
}

/* What the decoders would refuse for size alone: the output is cut back to start. */
static int size_check(daas_buf *out, size_t start, int rc, const char *what, daas_err *err)
{
    if (rc == DAAS_OK && out->len - start > DAAS_SCHED_MAX_DELTA_BYTES)
        rc = DAAS_ETOOBIG;
    if (rc == DAAS_OK)
        return DAAS_OK;
    out->len = start;
    if (out->data != NULL)
        out->data[start] = '\0';
    return daas_fail(err, rc, "sched: encoded %s exceeds %u bytes or its buffer", what,
                     DAAS_SCHED_MAX_DELTA_BYTES);
}

/* Contract in sched.h. */
int daas_sched_delta_encode(const daas_sched_delta *d, daas_buf *out, daas_err *err)
{
    size_t start = out->len;
    int rc = body_check(d, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_u64(out, d->seq);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_variant(out, d->kind);
    if (rc == DAAS_OK) {
        switch (d->kind) {
        case DAAS_SCHED_NODE_UPSERT:
            rc = put_node(out, &d->node);
            break;
        case DAAS_SCHED_POD_BOUND:
            rc = daas_sui_bcs_put_str(out, d->bound.uid);
            if (rc == DAAS_OK)
                rc = daas_sui_bcs_put_str(out, d->bound.node);
            if (rc == DAAS_OK)
                rc = put_res(out, d->bound.requests, d->bound.n_requests);
            break;
        default:
            rc = daas_sui_bcs_put_str(out, d->name);
        }
    }
    return size_check(out, start, rc, "delta", err);
}

static int put_expr(daas_buf *b, const daas_sched_expr *e)
{
    int rc = daas_sui_bcs_put_str(b, e->key);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_u8(b, e->op);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_len(b, e->n_values);
    for (size_t i = 0; rc == DAAS_OK && i < e->n_values; i++)
        rc = daas_sui_bcs_put_str(b, e->values[i]);
    return rc;
}

static int put_terms(daas_buf *b, const daas_sched_pod *p)
{
    int rc = daas_sui_bcs_put_option(b, p->has_affinity);
    if (rc != DAAS_OK || !p->has_affinity)
        return rc;
    rc = daas_sui_bcs_put_len(b, p->n_terms);
    for (size_t i = 0; rc == DAAS_OK && i < p->n_terms; i++) {
        const daas_sched_term *t = &p->terms[i];
        rc = daas_sui_bcs_put_len(b, t->n_exprs);
        for (size_t j = 0; rc == DAAS_OK && j < t->n_exprs; j++)
            rc = put_expr(b, &t->exprs[j]);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_len(b, t->n_fields);
        for (size_t j = 0; rc == DAAS_OK && j < t->n_fields; j++)
            rc = put_expr(b, &t->fields[j]);
    }
    return rc;
}

static int put_tolerations(daas_buf *b, const daas_sched_pod *p)
{
    int rc = daas_sui_bcs_put_len(b, p->n_tolerations);
    for (size_t i = 0; rc == DAAS_OK && i < p->n_tolerations; i++) {
        const daas_sched_toleration *t = &p->tolerations[i];
        rc = daas_sui_bcs_put_str(b, t->key);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u8(b, t->op);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_str(b, t->value);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_put_u8(b, t->effect);
    }
    return rc;
}

/* Contract in sched.h. */
int daas_sched_pod_encode(const daas_sched_pod *p, daas_buf *out, daas_err *err)
{
    size_t start = out->len;
    int rc = daas_sched_pod_check(p, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_sui_bcs_put_str(out, p->uid);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(out, p->ns);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_str(out, p->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_put_bytes(out, p->spec_digest, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = put_res(out, p->requests, p->n_requests);
    if (rc == DAAS_OK)
        rc = put_labels(out, p->node_selector, p->n_node_selector);
    if (rc == DAAS_OK)
        rc = put_terms(out, p);
    if (rc == DAAS_OK)
        rc = put_tolerations(out, p);
    return size_check(out, start, rc, "pod", err);
}

/* ---- decoding ---- */

/* A decoder's cursor and the arena its values go to. */
typedef struct dec {
    daas_sui_bcs_reader r;
    daas_sched__chunk *mem;
    daas_err *err;
} dec;

static int get_str(dec *d, const char *what, const char **out)
{
    daas_bytes s;
    int rc = daas_sui_bcs_get_str(&d->r, what, DAAS_SCHED_MAX_STR, &s, d->err);
    if (rc == DAAS_OK)
        *out = daas_sched__arena_str(&d->mem, (const char *)s.ptr, s.len);
    return rc;
}

/* A vector length and zeroed room for its elements. */
static int get_vec(dec *d, const char *what, size_t max, size_t min_wire, size_t elem,
                   void **out, size_t *n)
{
    int rc = daas_sui_bcs_get_len(&d->r, what, max, min_wire, n, d->err);
    if (rc == DAAS_OK)
        *out = *n ? daas_sched__arena_alloc(&d->mem, *n * elem) : NULL;
    return rc;
}

static int get_res(dec *d, const daas_sched_res **out, size_t *n)
{
    daas_sched_res *r = NULL;
    int rc = get_vec(d, "resources", DAAS_SCHED_MAX_RESOURCES, 9, sizeof(*r), (void **)&r, n);
    for (size_t i = 0; rc == DAAS_OK && i < *n; i++) {
        uint64_t q = 0;
        rc = get_str(d, "resource name", &r[i].name);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u64(&d->r, "quantity", &q, d->err);
        if (rc == DAAS_OK && q > (uint64_t)DAAS_SCHED_QTY_MAX)
            rc = daas_fail(d->err, DAAS_EINVAL, "sched: quantity of %s out of range",
                           r[i].name);
        r[i].qty = (int64_t)q;
    }
    *out = r;
    return rc;
}

static int get_labels(dec *d, const daas_sched_label **out, size_t *n)
{
    daas_sched_label *l = NULL;
    int rc = get_vec(d, "labels", DAAS_SCHED_MAX_LABELS, 2, sizeof(*l), (void **)&l, n);
    for (size_t i = 0; rc == DAAS_OK && i < *n; i++) {
        rc = get_str(d, "label key", &l[i].key);
        if (rc == DAAS_OK)
            rc = get_str(d, "label value", &l[i].value);
    }
    *out = l;
    return rc;
}

static int get_node(dec *d, daas_sched_node *n)
{
    daas_sched_taint *t = NULL;
    int rc = get_str(d, "node name", &n->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_addr(&d->r, "owner", n->owner, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u64(&d->r, "stake", &n->stake, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "ready", &n->ready, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bool(&d->r, "unschedulable", &n->unschedulable, d->err);
    if (rc == DAAS_OK)
        rc = get_res(d, &n->alloc, &n->n_alloc);
    if (rc == DAAS_OK)
        rc = get_labels(d, &n->labels, &n->n_labels);
    if (rc == DAAS_OK)
        rc = get_vec(d, "taints", DAAS_SCHED_MAX_TAINTS, 3, sizeof(*t), (void **)&t,
                     &n->n_taints);
    for (size_t i = 0; rc == DAAS_OK && i < n->n_taints; i++) {
        rc = get_str(d, "taint key", &t[i].key);
        if (rc == DAAS_OK)
            rc = get_str(d, "taint value", &t[i].value);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u8(&d->r, "taint effect", &t[i].effect, d->err);
    }
    n->taints = t;
    return rc;
}

static int get_delta_body(dec *d, daas_sched_delta *out)
{
    uint32_t kind = 0;
    int rc = daas_sui_bcs_get_u64(&d->r, "seq", &out->seq, d->err);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_variant(&d->r, "delta kind", 4, &kind, d->err);
    if (rc != DAAS_OK)
        return rc;
    out->kind = (uint8_t)kind;
    switch (kind) {
    case DAAS_SCHED_NODE_UPSERT:
        return get_node(d, &out->node);
    case DAAS_SCHED_POD_BOUND:
        rc = get_str(d, "pod uid", &out->bound.uid);
        if (rc == DAAS_OK)
            rc = get_str(d, "node name", &out->bound.node);
        if (rc == DAAS_OK)
            rc = get_res(d, &out->bound.requests, &out->bound.n_requests);
        return rc;
    default:
        return get_str(d, kind == DAAS_SCHED_NODE_REMOVE ? "node name" : "pod uid", &out->name);
    }
}

static int dec_start(dec *d, daas_bytes in, daas_err *err)
{
    memset(d, 0, sizeof(*d));
    d->err = err;
    daas_sui_bcs_reader_init(&d->r, in);
    if (in.len > DAAS_SCHED_MAX_DELTA_BYTES)
        return daas_fail(err, DAAS_ETOOBIG, "sched: %zu bytes of input (at most %u)", in.len,
                         DAAS_SCHED_MAX_DELTA_BYTES);
    return DAAS_OK;
}

/* Contract in sched.h. */
int daas_sched_delta_decode(daas_bytes in, daas_sched_delta *out, daas_err *err)
{
    dec d;
    memset(out, 0, sizeof(*out));
    int rc = dec_start(&d, in, err);
    if (rc == DAAS_OK)
        rc = get_delta_body(&d, out);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d.r, "delta", err);
    if (rc == DAAS_OK)
        rc = body_check(out, err);
    return daas_sched__arena_finish(rc, d.mem, out, sizeof(*out), &out->_mem);
}

/* Contract in sched.h. */
void daas_sched_delta_fini(daas_sched_delta *d)
{
    daas_sched__arena_release(&d->_mem, d, sizeof(*d));
}

static int get_expr(dec *d, daas_sched_expr *e)
{
    const char **v = NULL;
    int rc = get_str(d, "requirement key", &e->key);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_u8(&d->r, "operator", &e->op, d->err);
    if (rc == DAAS_OK)
        rc = get_vec(d, "values", DAAS_SCHED_MAX_VALUES, 1, sizeof(*v), (void **)&v,
                     &e->n_values);
    for (size_t i = 0; rc == DAAS_OK && i < e->n_values; i++)
        rc = get_str(d, "requirement value", &v[i]);
    e->values = v;
    return rc;
}

static int get_exprs(dec *d, const char *what, const daas_sched_expr **out, size_t *n)
{
    daas_sched_expr *e = NULL;
    int rc = get_vec(d, what, DAAS_SCHED_MAX_EXPRS, 3, sizeof(*e), (void **)&e, n);
    for (size_t i = 0; rc == DAAS_OK && i < *n; i++)
        rc = get_expr(d, &e[i]);
    *out = e;
    return rc;
}

static int get_terms(dec *d, daas_sched_pod *p)
{
    daas_sched_term *t = NULL;
    int rc = daas_sui_bcs_get_option(&d->r, "affinity", &p->has_affinity, d->err);
    if (rc != DAAS_OK || !p->has_affinity)
        return rc;
    rc = get_vec(d, "affinity terms", DAAS_SCHED_MAX_TERMS, 2, sizeof(*t), (void **)&t,
                 &p->n_terms);
    for (size_t i = 0; rc == DAAS_OK && i < p->n_terms; i++) {
        rc = get_exprs(d, "match expressions", &t[i].exprs, &t[i].n_exprs);
        if (rc == DAAS_OK)
            rc = get_exprs(d, "match fields", &t[i].fields, &t[i].n_fields);
    }
    p->terms = t;
    return rc;
}

static int get_tolerations(dec *d, daas_sched_pod *p)
{
    daas_sched_toleration *t = NULL;
    int rc = get_vec(d, "tolerations", DAAS_SCHED_MAX_TOLERATIONS, 4, sizeof(*t), (void **)&t,
                     &p->n_tolerations);
    for (size_t i = 0; rc == DAAS_OK && i < p->n_tolerations; i++) {
        rc = get_str(d, "toleration key", &t[i].key);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u8(&d->r, "toleration operator", &t[i].op, d->err);
        if (rc == DAAS_OK)
            rc = get_str(d, "toleration value", &t[i].value);
        if (rc == DAAS_OK)
            rc = daas_sui_bcs_get_u8(&d->r, "toleration effect", &t[i].effect, d->err);
    }
    p->tolerations = t;
    return rc;
}

static int get_pod(dec *d, daas_sched_pod *p)
{
    daas_bytes dg = {0};
    int rc = get_str(d, "pod uid", &p->uid);
    if (rc == DAAS_OK)
        rc = get_str(d, "pod namespace", &p->ns);
    if (rc == DAAS_OK)
        rc = get_str(d, "pod name", &p->name);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_bytes(&d->r, "spec digest", DAAS_SCHED_DIGEST_LEN, &dg, d->err);
    if (rc == DAAS_OK && dg.len != DAAS_SCHED_DIGEST_LEN)
        rc = daas_fail(d->err, DAAS_EINVAL, "sched: spec digest of %zu bytes", dg.len);
    if (rc == DAAS_OK)
        memcpy(p->spec_digest, dg.ptr, DAAS_SCHED_DIGEST_LEN);
    if (rc == DAAS_OK)
        rc = get_res(d, &p->requests, &p->n_requests);
    if (rc == DAAS_OK)
        rc = get_labels(d, &p->node_selector, &p->n_node_selector);
    if (rc == DAAS_OK)
        rc = get_terms(d, p);
    if (rc == DAAS_OK)
        rc = get_tolerations(d, p);
    return rc;
}

/* Contract in sched.h. */
int daas_sched_pod_decode(daas_bytes in, daas_sched_pod_msg *m, daas_err *err)
{
    dec d;
    memset(m, 0, sizeof(*m));
    int rc = dec_start(&d, in, err);
    if (rc == DAAS_OK)
        rc = get_pod(&d, &m->pod);
    if (rc == DAAS_OK)
        rc = daas_sui_bcs_get_end(&d.r, "pod", err);
    if (rc == DAAS_OK)
        rc = daas_sched_pod_check(&m->pod, err);
    if (rc != DAAS_OK) {
        daas_sched__arena_free(&d.mem);
        memset(m, 0, sizeof(*m));
        return rc;
    }
    m->_mem = d.mem;
    return DAAS_OK;
}

/* Contract in sched.h. */
void daas_sched_pod_msg_fini(daas_sched_pod_msg *m)
{
    daas_sched__arena_release(&m->_mem, m, sizeof(*m));
}

int daas_sched__arena_finish(int rc, daas_sched__chunk *mem, void *out, size_t size,
                             void **slot)
{
    if (rc != DAAS_OK) {
        daas_sched__arena_free(&mem);
        memset(out, 0, size);
        return rc;
    }
    *slot = mem;
    return DAAS_OK;
}

void daas_sched__arena_release(void **slot, void *out, size_t size)
{
    daas_sched__chunk *mem = *slot;
    daas_sched__arena_free(&mem);
    memset(out, 0, size);
}
