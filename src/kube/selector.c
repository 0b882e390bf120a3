/*
 * selector.c: label selectors (equality and set-based) and field selectors, as the
 * `labelSelector` and `fieldSelector` query parameters and metav1.LabelSelector carry them.
 *
 * Owns:   daas_kube_labelsel (a sorted list of requirements) and daas_kube_fieldsel (a list
 *         of field =/!= value terms); their parsers, matchers and string forms.
 * Not:    which field names a kind supports (the caller passes them), URL decoding.
 * Model:  a port of k8s.io/apimachinery/pkg/labels (lexer, recursive-descent parser,
 *         NewRequirement validation, Requirement.String) and pkg/fields (splitTerms,
 *         splitTerm, UnescapeValue); error texts are upstream's, cut to daas_err's size.
 * Invariants:
 *   - a parsed selector holds only validated keys and values;
 *   - requirements are kept sorted by key (stable), as upstream sorts them;
 *   - matching never allocates.
 * Spec:   specs/kube-api.md §6.2.
 */
#include "kube/selector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kube/names_int.h"
#include "kube/obj.h"

/* ---- label requirements --------------------------------------------------------------- */

enum lop { LOP_EQ, LOP_DEQ, LOP_NEQ, LOP_IN, LOP_NOTIN, LOP_EXISTS, LOP_NOTEXISTS, LOP_GT, LOP_LT };

typedef struct lreq {
    char *key;    /* validated label key */
    int op;       /* enum lop */
    char **vals;  /* values (parsed: sorted and unique; from JSON: as given) */
    size_t nvals; /* number of values */
} lreq;

struct daas_kube_labelsel {
    lreq *r;  /* requirements sorted by key */
    size_t n; /* number of requirements */
};

static void lreq_fini(lreq *q)
{
    daas_free(q->key);
    for (size_t i = 0; i < q->nvals; i++)
        daas_free(q->vals[i]);
    daas_free(q->vals);
}

/* Frees *sel and sets it to NULL; accepts NULL. */
void daas_kube_labelsel_free(daas_kube_labelsel **sel)
{
    if (sel == NULL || *sel == NULL)
        return;
    for (size_t i = 0; i < (*sel)->n; i++)
        lreq_fini(&(*sel)->r[i]);
    daas_free((*sel)->r);
    daas_free(*sel);
    *sel = NULL;
}

static void sel_add(daas_kube_labelsel *s, lreq q)
{
    s->r = daas_xrealloc(s->r, (s->n + 1) * sizeof *s->r);
    s->r[s->n++] = q;
}

static void vals_add(lreq *q, const char *v, size_t n)
{
    q->vals = daas_xrealloc(q->vals, (q->nvals + 1) * sizeof *q->vals);
    q->vals[q->nvals++] = daas_xstrndup(v, n);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, duplicates dropped: what sets.String.List() gives. */
static void vals_sort_unique(lreq *q)
{
    size_t m = 0;
    qsort(q->vals, q->nvals, sizeof *q->vals, cmp_str);
    for (size_t i = 0; i < q->nvals; i++) {
        if (m > 0 && strcmp(q->vals[m - 1], q->vals[i]) == 0)
            daas_free(q->vals[i]);
        else
            q->vals[m++] = q->vals[i];
    }
    q->nvals = m;
}

/* Stable insertion sort by key (upstream sort.Sort(ByKey)). */
static void sort_by_key(daas_kube_labelsel *s)
{
    for (size_t i = 1; i < s->n; i++)
        for (size_t j = i; j > 0 && strcmp(s->r[j].key, s->r[j - 1].key) < 0; j--) {
            lreq t = s->r[j];
            s->r[j] = s->r[j - 1];
            s->r[j - 1] = t;
        }
}

/* ---- validation (k8s.io/apimachinery/pkg/api/validate/content) ------------------------- */

/* Appends "; " between messages. */
static void msg_add(char *buf, size_t n, const char *m)
{
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "%s%s", l > 0 ? "; " : "", m);
}

/* Joins msgs[0..n) into buf ("" when n is 0). */
static void msgs_join(char *buf, size_t size, const char *const *msgs, int n)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        msg_add(buf, size, msgs[i]);
}

/* Upstream IsLabelKey: buf receives the joined errors, "" when the key is valid. */
static void label_key_errors(const char *k, char *buf, size_t n)
{
    const char *m[DAAS_KUBE__QNAME_MSGS];
    int cnt = daas_kube__qname_msgs(k, true, m);
    msgs_join(buf, n, m, cnt);
}

static void label_value_errors(const char *v, char *buf, size_t n)
{
    const char *m[2];
    int cnt = daas_kube__label_value_msgs(v, m);
    msgs_join(buf, n, m, cnt);
}

/* Go's %q, enough for messages: quotes, escapes quote, backslash and control bytes. */
static const char *quote(const char *s, char *buf, size_t n)
{
    size_t j = 0;
    buf[j++] = '"';
    for (; *s && j + 6 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            j += (size_t)snprintf(buf + j, n - j, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            j += (size_t)snprintf(buf + j, n - j, "\\x%02x", c);
        else
            buf[j++] = (char)c;
    }
    buf[j++] = '"';
    buf[j] = '\0';
    return buf;
}

/* Go's %#v of a []string, for "values: Invalid value: []string{...}". */
static const char *go_strings(const lreq *q, char *buf, size_t n)
{
    char qb[96];
    size_t l = (size_t)snprintf(buf, n, "[]string{");
    for (size_t i = 0; i < q->nvals && l < n; i++)
        l += (size_t)snprintf(buf + l, n - l, "%s%s", i ? ", " : "",
                              quote(q->vals[i], qb, sizeof qb));
    if (l < n)
        snprintf(buf + l, n - l, "}");
    return buf;
}

/* Upstream NewRequirement's checks. keypath is "<nil>" from the parser, "key" from JSON. */
static int check_req(const lreq *q, const char *pre, const char *keypath, daas_err *err)
{
    char m[1024], qb[160], vb[160];
    label_key_errors(q->key, m, sizeof m);
    if (m[0] != '\0')
        return daas_fail(err, DAAS_EINVAL, "%s%s: Invalid value: %s: %s", pre, keypath,
                         quote(q->key, qb, sizeof qb), m);
    const char *bad = NULL;
    if ((q->op == LOP_IN || q->op == LOP_NOTIN) && q->nvals == 0)
        bad = "for 'in', 'notin' operators, values set can't be empty";
    else if ((q->op == LOP_EQ || q->op == LOP_DEQ || q->op == LOP_NEQ) && q->nvals != 1)
        bad = "exact-match compatibility requires one single value";
    else if ((q->op == LOP_EXISTS || q->op == LOP_NOTEXISTS) && q->nvals != 0)
        bad = "values set must be empty for exists and does not exist";
    else if ((q->op == LOP_GT || q->op == LOP_LT) && q->nvals != 1)
        bad = "for 'Gt', 'Lt' operators, exactly one value is required";
    if (bad != NULL)
        return daas_fail(err, DAAS_EINVAL, "%svalues: Invalid value: %s: %s", pre,
                         go_strings(q, vb, sizeof vb), bad);
    for (size_t i = 0; i < q->nvals; i++) {
        if (q->op == LOP_GT || q->op == LOP_LT) {
            char *end;
            errno = 0;
            (void)strtoll(q->vals[i], &end, 10);
            if (errno != 0 || end == q->vals[i] || *end != '\0')
                return daas_fail(err, DAAS_EINVAL,
                                 "%svalues[%zu]: Invalid value: %s: for "
                                 "'Gt', 'Lt' operators, the value must be an integer",
                                 pre, i, quote(q->vals[i], qb, sizeof qb));
        }
        label_value_errors(q->vals[i], m, sizeof m);
        if (m[0] != '\0')
            return daas_fail(err, DAAS_EINVAL, "%svalues[%zu][%s]: Invalid value: %s: %s", pre, i,
                             q->key, quote(q->vals[i], qb, sizeof qb), m);
    }
    return DAAS_OK;
}

/* ---- lexer ----------------------------------------------------------------------------- */

enum ltok {
    T_ERR,
    T_EOS,
    T_CPAR,
    T_COMMA,
    T_NOT,
    T_DEQ,
    T_EQ,
    T_GT,
    T_ID,
    T_IN,
    T_LT,
    T_NEQ,
    T_NOTIN,
    T_OPAR
};

typedef struct token {
    int t;         /* enum ltok */
    const char *s; /* literal (into the selector string) */
    size_t n;      /* literal length */
} token;

typedef struct lparser {
    token *tk;  /* all tokens, ending with T_EOS */
    size_t ntk; /* number of tokens */
    size_t pos; /* next token */
} lparser;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static int symbol_token(const char *s, size_t n)
{
    static const struct {
        const char *lit;
        int t;
    } tab[] = {{")", T_CPAR}, {",", T_COMMA}, {"!", T_NOT},      {"==", T_DEQ},
               {"=", T_EQ},   {">", T_GT},    {"<", T_LT},       {"!=", T_NEQ},
               {"(", T_OPAR}, {"in", T_IN},   {"notin", T_NOTIN}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i].lit) == n && memcmp(tab[i].lit, s, n) == 0)
            return tab[i].t;
    return T_ERR;
}

/* One token at *p (upstream Lexer.Lex): the longest operator, or an identifier/keyword. */
static token lex_one(const char **p)
{
    const char *s = *p;
    while (is_space(*s))
        s++;
    if (*s == '\0') {
        *p = s;
        return (token){T_EOS, s, 0};
    }
    token t = {T_ERR, s, 0};
    if (is_special(*s)) {
        size_t n = 0;
        while (is_special(s[n])) {
            int k = symbol_token(s, n + 1);
            if (k == T_ERR && t.t != T_ERR)
                break;
            if (k != T_ERR)
                t = (token){k, s, n + 1};
            n++;
        }
        *p = s + (t.n > 0 ? t.n : n);
        return t;
    }
    size_t n = 0;
    while (s[n] != '\0' && !is_special(s[n]) && !is_space(s[n]))
        n++;
    int k = symbol_token(s, n);
    t = (token){k == T_IN || k == T_NOTIN ? k : T_ID, s, n};
    *p = s + n;
    return t;
}

static void lex_all(const char *s, lparser *ps)
{
    const char *p = s;
    for (;;) {
        ps->tk = daas_xrealloc(ps->tk, (ps->ntk + 1) * sizeof *ps->tk);
        token t = lex_one(&p);
        ps->tk[ps->ntk++] = t;
        if (t.t == T_EOS)
            return;
    }
}

/* In the values context "in" and "notin" are identifiers. */
static token peek(const lparser *ps, bool values)
{
    token t = ps->tk[ps->pos];
    if (values && (t.t == T_IN || t.t == T_NOTIN))
        t.t = T_ID;
    return t;
}

static token take(lparser *ps, bool values)
{
    token t = peek(ps, values);
    if (ps->pos + 1 < ps->ntk)
        ps->pos++;
    return t;
}

/* ---- parser ----------------------------------------------------------------------------- */

#define PRE "unable to parse requirement: "

static int found(daas_err *err, const char *pre, token t, const char *expected)
{
    return daas_fail(err, DAAS_EINVAL, "%sfound '%.*s', expected: %s", pre, (int)t.n, t.s,
                     expected);
}

/* Key and, for "k" / "!k", the inferred operator (upstream parseKeyAndInferOperator). */
static int parse_key(lparser *ps, lreq *q, bool *unary, daas_err *err)
{
    token t = take(ps, true);
    bool neg = t.t == T_NOT;
    if (neg)
        t = take(ps, true);
    if (t.t != T_ID)
        return found(err, PRE, t, "identifier");
    q->key = daas_xstrndup(t.s, t.n);
    char m[1024], qb[160];
    label_key_errors(q->key, m, sizeof m);
    if (m[0] != '\0')
        return daas_fail(err, DAAS_EINVAL, PRE "<nil>: Invalid value: %s: %s",
                         quote(q->key, qb, sizeof qb), m);
    token la = peek(ps, true);
    *unary = neg || la.t == T_EOS || la.t == T_COMMA;
    q->op = neg ? LOP_NOTEXISTS : LOP_EXISTS;
    return DAAS_OK;
}

static int parse_operator(lparser *ps, lreq *q, daas_err *err)
{
    static const struct {
        int t;  /* enum ltok */
        int op; /* the requirement's operator */
    } ops[] = {{T_IN, LOP_IN}, {T_EQ, LOP_EQ},       {T_DEQ, LOP_DEQ}, {T_GT, LOP_GT},
               {T_LT, LOP_LT}, {T_NOTIN, LOP_NOTIN}, {T_NEQ, LOP_NEQ}};
    token t = take(ps, false);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (ops[i].t == t.t) {
            q->op = ops[i].op;
            return DAAS_OK;
        }
    }
    return found(err, PRE, t, "in, notin, =, ==, !=, gt, lt");
}

/* "(a,b,,c)" (upstream parseValues + parseIdentifiersList); "()" is the empty value. */
static int parse_values(lparser *ps, lreq *q, daas_err *err)
{
    token t = take(ps, true);
    if (t.t != T_OPAR)
        return daas_fail(err, DAAS_EINVAL, PRE "found '%.*s' expected: '('", (int)t.n, t.s);
    token la = peek(ps, true);
    if (la.t == T_CPAR) {
        take(ps, true);
        vals_add(q, "", 0);
        return DAAS_OK;
    }
    if (la.t != T_ID && la.t != T_COMMA)
        return found(err, PRE, la, "',', ')' or identifier");
    for (;;) {
        t = take(ps, true);
        if (t.t == T_ID) {
            vals_add(q, t.s, t.n);
            token n2 = peek(ps, true);
            if (n2.t == T_CPAR)
                break;
            if (n2.t != T_COMMA)
                return found(err, PRE, n2, "',' or ')'");
        } else if (t.t == T_COMMA) {
            token n2 = peek(ps, true);
            if (q->nvals == 0 || n2.t == T_CPAR || n2.t == T_COMMA)
                vals_add(q, "", 0); /* "(,", ",)" and ",," hold the empty value */
            if (n2.t == T_CPAR)
                break;
        } else {
            return found(err, PRE, t, "',', or identifier");
        }
    }
    take(ps, true); /* the ')' seen above */
    return DAAS_OK;
}

static int parse_exact(lparser *ps, lreq *q, daas_err *err)
{
    token la = peek(ps, true);
    if (la.t == T_EOS || la.t == T_COMMA) {
        vals_add(q, "", 0);
        return DAAS_OK;
    }
    token t = take(ps, true);
    if (t.t != T_ID)
        return found(err, PRE, t, "identifier");
    vals_add(q, t.s, t.n);
    return DAAS_OK;
}

static int parse_requirement(lparser *ps, lreq *q, daas_err *err)
{
    bool unary;
    int rc = parse_key(ps, q, &unary, err);
    if (rc != DAAS_OK || unary)
        return rc;
    rc = parse_operator(ps, q, err);
    if (rc != DAAS_OK)
        return rc;
    rc = q->op == LOP_IN || q->op == LOP_NOTIN ? parse_values(ps, q, err) : parse_exact(ps, q, err);
    if (rc != DAAS_OK)
        return rc;
    vals_sort_unique(q);
    return check_req(q, PRE, "<nil>", err);
}

static int parse_all(lparser *ps, daas_kube_labelsel *s, daas_err *err)
{
    for (;;) {
        token t = peek(ps, true);
        if (t.t == T_EOS)
            return DAAS_OK;
        if (t.t != T_ID && t.t != T_NOT)
            return found(err, "", t, "!, identifier, or 'end of string'");
        lreq q = {0};
        int rc = parse_requirement(ps, &q, err);
        if (rc != DAAS_OK) {
            lreq_fini(&q);
            return rc;
        }
        sel_add(s, q);
        t = take(ps, true);
        if (t.t == T_EOS)
            return DAAS_OK;
        if (t.t != T_COMMA)
            return found(err, "", t, "',' or 'end of string'");
        token n2 = peek(ps, true);
        if (n2.t != T_ID && n2.t != T_NOT)
            return found(err, "", n2, "identifier after ','");
    }
}

/* Parses a labelSelector string (NULL or "" selects everything). *out is a new selector, or
 * NULL with DAAS_EINVAL and upstream's message. Thread: any. */
int daas_kube_labelsel_parse(const char *s, daas_kube_labelsel **out, daas_err *err)
{
    lparser ps = {NULL, 0, 0};
    daas_kube_labelsel *sel = daas_xcalloc(1, sizeof *sel);
    *out = NULL;
    lex_all(s ? s : "", &ps);
    int rc = parse_all(&ps, sel, err);
    daas_free(ps.tk);
    if (rc != DAAS_OK) {
        daas_kube_labelsel_free(&sel);
        return rc;
    }
    sort_by_key(sel);
    *out = sel;
    return DAAS_OK;
}

/* ---- LabelSelector JSON ------------------------------------------------------------------ */

static int from_match_labels(const json_t *ml, daas_kube_labelsel *s, daas_err *err)
{
    const char *k;
    json_t *v;
    if (ml == NULL || json_is_null(ml))
        return DAAS_OK;
    if (!json_is_object(ml))
        return daas_fail(err, DAAS_EINVAL, "matchLabels must be an object");
    json_object_foreach((json_t *)ml, k, v)
    {
        if (!json_is_string(v))
            return daas_fail(err, DAAS_EINVAL, "matchLabels[%s] must be a string", k);
        lreq q = {.key = daas_xstrdup(k), .op = LOP_EQ};
        vals_add(&q, json_string_value(v), json_string_length(v));
        sel_add(s, q);
        int rc = check_req(&s->r[s->n - 1], "", "key", err);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

static int expr_operator(const json_t *e, int *op, daas_err *err)
{
    const char *o = json_string_value(json_object_get(e, "operator"));
    static const struct {
        const char *name;
        int op;
    } tab[] = {{"In", LOP_IN},
               {"NotIn", LOP_NOTIN},
               {"Exists", LOP_EXISTS},
               {"DoesNotExist", LOP_NOTEXISTS}};
    for (size_t i = 0; o != NULL && i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(o, tab[i].name) == 0) {
            *op = tab[i].op;
            return DAAS_OK;
        }
    return daas_fail(err, DAAS_EINVAL, "\"%s\" is not a valid label selector operator", o ? o : "");
}

static int from_expression(const json_t *e, daas_kube_labelsel *s, daas_err *err)
{
    int op = 0;
    if (!json_is_object(e))
        return daas_fail(err, DAAS_EINVAL, "matchExpressions items must be objects");
    int rc = expr_operator(e, &op, err);
    if (rc != DAAS_OK)
        return rc;
    const char *key = json_string_value(json_object_get(e, "key"));
    json_t *vals = json_object_get(e, "values");
    if (vals != NULL && !json_is_null(vals) && !json_is_array(vals))
        return daas_fail(err, DAAS_EINVAL, "matchExpressions values must be an array");
    lreq q = {.key = daas_xstrdup(key ? key : ""), .op = op};
    size_t i;
    json_t *v;
    json_array_foreach(vals, i, v)
    {
        if (!json_is_string(v)) {
            lreq_fini(&q);
            return daas_fail(err, DAAS_EINVAL, "matchExpressions values must be strings");
        }
        vals_add(&q, json_string_value(v), json_string_length(v));
    }
    sel_add(s, q);
    return check_req(&s->r[s->n - 1], "", "key", err);
}

/* Builds a selector from a metav1.LabelSelector (NULL or {} selects everything). *out is a new
 * selector, or NULL with DAAS_EINVAL. Thread: any. */
int daas_kube_labelsel_from_json(const json_t *sel, daas_kube_labelsel **out, daas_err *err)
{
    daas_kube_labelsel *s = daas_xcalloc(1, sizeof *s);
    int rc = DAAS_OK;
    *out = NULL;
    if (sel != NULL && !json_is_null(sel) && !json_is_object(sel))
        rc = daas_fail(err, DAAS_EINVAL, "label selector must be an object");
    if (rc == DAAS_OK && json_is_object(sel))
        rc = from_match_labels(json_object_get(sel, "matchLabels"), s, err);
    json_t *me = json_is_object(sel) ? json_object_get(sel, "matchExpressions") : NULL;
    if (rc == DAAS_OK && me != NULL && !json_is_null(me) && !json_is_array(me))
        rc = daas_fail(err, DAAS_EINVAL, "matchExpressions must be an array");
    size_t i;
    json_t *e;
    json_array_foreach(me, i, e)
    {
        if (rc != DAAS_OK)
            break;
        rc = from_expression(e, s, err);
    }
    if (rc != DAAS_OK) {
        daas_kube_labelsel_free(&s);
        return rc;
    }
    sort_by_key(s);
    *out = s;
    return DAAS_OK;
}

/* ---- label matching and printing --------------------------------------------------------- */

static bool has_value(const lreq *q, const char *v)
{
    for (size_t i = 0; i < q->nvals; i++)
        if (strcmp(q->vals[i], v) == 0)
            return true;
    return false;
}

static bool int_compare(const lreq *q, const char *v)
{
    char *end;
    errno = 0;
    long long have = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || q->nvals != 1)
        return false;
    long long want = strtoll(q->vals[0], NULL, 10);
    return q->op == LOP_GT ? have > want : have < want;
}

static bool req_match(const lreq *q, const json_t *labels)
{
    const char *v =
        json_is_object(labels) ? json_string_value(json_object_get(labels, q->key)) : NULL;
    switch (q->op) {
    case LOP_EQ:
    case LOP_DEQ:
    case LOP_IN:
        return v != NULL && has_value(q, v);
    case LOP_NEQ:
    case LOP_NOTIN:
        return v == NULL || !has_value(q, v);
    case LOP_EXISTS:
        return v != NULL;
    case LOP_NOTEXISTS:
        return v == NULL;
    case LOP_GT:
    case LOP_LT:
        return v != NULL && int_compare(q, v);
    default:
        return false;
    }
}

/* Whether labels (an object or NULL) satisfy every requirement. Never allocates. */
bool daas_kube_labelsel_match(const daas_kube_labelsel *sel, const json_t *labels)
{
    if (sel == NULL)
        return true;
    for (size_t i = 0; i < sel->n; i++)
        if (!req_match(&sel->r[i], labels))
            return false;
    return true;
}

static const char *op_text(int op)
{
    static const char *const t[] = {"=", "==", "!=", " in ", " notin ", "", "", ">", "<"};
    return t[op];
}

/* One requirement as upstream Requirement.String prints it (values sorted). */
static int req_string(const lreq *q, daas_buf *b)
{
    int rc =
        daas_buf_printf(b, "%s%s%s", q->op == LOP_NOTEXISTS ? "!" : "", q->key, op_text(q->op));
    if (rc != DAAS_OK || q->op == LOP_EXISTS || q->op == LOP_NOTEXISTS)
        return rc;
    bool set = q->op == LOP_IN || q->op == LOP_NOTIN;
    char **v = daas_xcalloc(q->nvals + 1, sizeof *v);
    memcpy(v, q->vals, q->nvals * sizeof *v);
    qsort(v, q->nvals, sizeof *v, cmp_str);
    rc = daas_buf_puts(b, set ? "(" : "");
    for (size_t i = 0; rc == DAAS_OK && i < q->nvals; i++)
        rc = daas_buf_printf(b, "%s%s", i ? "," : "", v[i]);
    if (rc == DAAS_OK)
        rc = daas_buf_puts(b, set ? ")" : "");
    daas_free(v);
    return rc;
}

/* The canonical string (upstream Selector.String()); new allocation, daas_free it. */
char *daas_kube_labelsel_string(const daas_kube_labelsel *sel)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    int rc = daas_buf_puts(&b, "");
    for (size_t i = 0; sel != NULL && rc == DAAS_OK && i < sel->n; i++) {
        if (i > 0)
            rc = daas_buf_puts(&b, ",");
        if (rc == DAAS_OK)
            rc = req_string(&sel->r[i], &b);
    }
    char *s = daas_buf_steal(&b, NULL);
    return s != NULL ? s : daas_xstrdup("");
}

/* ---- field selectors ---------------------------------------------------------------------- */

typedef struct fterm {
    char *field; /* field label, e.g. "status.phase" */
    char *value; /* unescaped value, may be "" */
    bool neq;    /* "!=" rather than "=" / "==" */
} fterm;

struct daas_kube_fieldsel {
    fterm *t; /* terms, in upstream's order (sorted raw text) */
    size_t n; /* number of terms */
};

/* Frees *sel and sets it to NULL; accepts NULL. */
void daas_kube_fieldsel_free(daas_kube_fieldsel **sel)
{
    if (sel == NULL || *sel == NULL)
        return;
    for (size_t i = 0; i < (*sel)->n; i++) {
        daas_free((*sel)->t[i].field);
        daas_free((*sel)->t[i].value);
    }
    daas_free((*sel)->t);
    daas_free(*sel);
    *sel = NULL;
}

/* Upstream splitTerms: commas not preceded by a backslash separate terms. */
static char **split_terms(const char *s, size_t *n)
{
    char **parts = NULL;
    size_t start = 0, i = 0;
    bool slash = false;
    *n = 0;
    for (;; i++) {
        bool end = s[i] == '\0';
        if (!end && slash) {
            slash = false;
            continue;
        }
        if (!end && s[i] == '\\') {
            slash = true;
            continue;
        }
        if (end || s[i] == ',') {
            parts = daas_xrealloc(parts, (*n + 1) * sizeof *parts);
            parts[(*n)++] = daas_xstrndup(s + start, i - start);
            start = i + 1;
        }
        if (end)
            return parts;
    }
}

/* Upstream UnescapeValue: \\ \, \= are the only escapes; bare , and = are errors. */
static int unescape(const char *s, char **out, daas_err *err)
{
    char *v = daas_xmalloc(strlen(s) + 1);
    size_t j = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\\') {
            if (p[1] != '\\' && p[1] != ',' && p[1] != '=') {
                daas_free(v);
                if (p[1] == '\0')
                    return daas_fail(err, DAAS_EINVAL,
                                     "invalid field selector: invalid escape "
                                     "sequence: \\");
                return daas_fail(err, DAAS_EINVAL,
                                 "invalid field selector: invalid escape "
                                 "sequence: \\%c",
                                 p[1]);
            }
            v[j++] = *++p;
        } else if (*p == ',' || *p == '=') {
            daas_free(v);
            return daas_fail(err, DAAS_EINVAL,
                             "invalid field selector: unescaped character "
                             "in value: %d",
                             *p);
        } else {
            v[j++] = *p;
        }
    }
    v[j] = '\0';
    *out = v;
    return DAAS_OK;
}

/* Upstream splitTerm: the first "!=", "==" or "=" splits field from value. */
static int split_term(const char *sel, const char *part, fterm *t, daas_err *err)
{
    for (const char *p = part; *p; p++) {
        size_t ol = strncmp(p, "!=", 2) == 0 || strncmp(p, "==", 2) == 0 ? 2 : *p == '=' ? 1 : 0;
        if (ol == 0)
            continue;
        t->neq = *p == '!';
        t->field = daas_xstrndup(part, (size_t)(p - part));
        return unescape(p + ol, &t->value, err);
    }
    return daas_fail(err, DAAS_EINVAL, "invalid selector: '%s'; can't understand '%s'", sel, part);
}

static bool field_allowed(const char *f, const char *const *allowed)
{
    if (strcmp(f, "metadata.name") == 0 || strcmp(f, "metadata.namespace") == 0)
        return true;
    for (size_t i = 0; allowed != NULL && allowed[i] != NULL; i++)
        if (strcmp(f, allowed[i]) == 0)
            return true;
    return false;
}

static int parse_terms(const char *s, char **parts, size_t np, daas_kube_fieldsel *sel,
                       daas_err *err)
{
    for (size_t i = 0; i < np; i++) {
        if (parts[i][0] == '\0')
            continue;
        sel->t = daas_xrealloc(sel->t, (sel->n + 1) * sizeof *sel->t);
        fterm *t = &sel->t[sel->n++];
        memset(t, 0, sizeof *t);
        int rc = split_term(s, parts[i], t, err);
        if (rc != DAAS_OK)
            return rc;
    }
    return DAAS_OK;
}

/* Parses a fieldSelector string against the supported fields (metadata.name,
 * metadata.namespace and allowed). *out is a new selector, or NULL with DAAS_EINVAL. */
int daas_kube_fieldsel_parse(const char *s, const char *const *allowed, daas_kube_fieldsel **out,
                             daas_err *err)
{
    size_t np = 0;
    char **parts = split_terms(s ? s : "", &np);
    daas_kube_fieldsel *sel = daas_xcalloc(1, sizeof *sel);
    *out = NULL;
    qsort(parts, np, sizeof *parts, cmp_str);
    int rc = parse_terms(s ? s : "", parts, np, sel, err);
    for (size_t i = 0; rc == DAAS_OK && i < sel->n; i++)
        if (!field_allowed(sel->t[i].field, allowed))
            rc = daas_fail(err, DAAS_EINVAL, "field label not supported: %s", sel->t[i].field);
    for (size_t i = 0; i < np; i++)
        daas_free(parts[i]);
    daas_free(parts);
    if (rc != DAAS_OK) {
        daas_kube_fieldsel_free(&sel);
        return rc;
    }
    *out = sel;
    return DAAS_OK;
}

/* Fields whose upstream value is not the plain JSON field: events' source (component, else
 * reportingController), reportingComponent, Jobs' status.successful, and Go zero values of
 * bool/int fields. */
static const char *special_field(const json_t *obj, const char *f, bool *handled)
{
    *handled = true;
    if (strcmp(f, "source") == 0) {
        const char *c = daas_kube_str(obj, "source.component");
        if (c != NULL && *c != '\0')
            return c;
        c = daas_kube_str(obj, "reportingController");
        return c ? c : "";
    }
    if (strcmp(f, "reportingComponent") == 0) {
        const char *c = daas_kube_str(obj, "reportingController");
        return c ? c : "";
    }
    *handled = false;
    return NULL;
}

/* The JSON path behind a field label, where they differ (Jobs' status.successful is
 * status.succeeded, upstream's JobToSelectableFields). */
static const char *field_path(const char *f)
{
    return strcmp(f, "status.successful") == 0 ? "status.succeeded" : f;
}

static const char *zero_value(const char *f)
{
    if (strcmp(f, "spec.unschedulable") == 0 || strcmp(f, "spec.hostNetwork") == 0)
        return "false";
    if (strcmp(f, "status.replicas") == 0 || strcmp(f, "status.successful") == 0)
        return "0";
    return "";
}

/* The string form of obj's field f (buf holds numbers). Never allocates. */
static const char *field_value(const json_t *obj, const char *f, char *buf, size_t n)
{
    bool handled;
    const char *sv = special_field(obj, f, &handled);
    if (handled)
        return sv;
    json_t *v = daas_kube_path(obj, field_path(f));
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, n, "%g", json_real_value(v));
        return buf;
    }
    return zero_value(f);
}

/* Whether obj satisfies every term (string forms compared). Never allocates. */
bool daas_kube_fieldsel_match(const daas_kube_fieldsel *sel, const json_t *obj)
{
    char buf[64];
    for (size_t i = 0; sel != NULL && i < sel->n; i++) {
        const char *v = field_value(obj, sel->t[i].field, buf, sizeof buf);
        bool eq = strcmp(v, sel->t[i].value) == 0;
        if (eq == sel->t[i].neq)
            return false;
    }
    return true;
}

/* The value an "=" term pins metadata.name to, or NULL; lives as long as sel. */
const char *daas_kube_fieldsel_name(const daas_kube_fieldsel *sel)
{
    for (size_t i = 0; sel != NULL && i < sel->n; i++)
        if (!sel->t[i].neq && strcmp(sel->t[i].field, "metadata.name") == 0)
            return sel->t[i].value;
    return NULL;
}
