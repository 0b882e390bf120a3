/*
 * quantity.c: Kubernetes resource.Quantity strings to exact non-negative quantities, and the
 *             rounding kube-scheduler applies (cpu in milli-units, the rest in units, up).
 *
 * Owns:   the quantity grammar and its exact arithmetic (a small decimal digit array, so
 *         "1.000000000000000000001Ei" rounds exactly as Go's inf.Dec would).
 * Not:    which resource a quantity belongs to in a Pod or Node (kube.c).
 * Invariants:
 *   - never reads past the NUL nor past DAAS_SCHED_QTY_MAX_LEN bytes;
 *   - a result is exact to the nano-unit, any finer fraction rounds up, units < 2^62;
 *   - every failure is DAAS_EINVALID with the (sanitised) text in the message.
 * Spec:   kube.h "Quantities"; k8s.io/apimachinery/pkg/api/resource (ParseQuantity,
 *         MilliValue, Value).
 */
#include <stdio.h>
#include <string.h>

#include "sched/kube.h"

#define NANO 1000000000
#define UNITS_CAP ((int64_t)1 << 62)
#define MAX_DIGITS 96 /* 64 input digits, times 1024^6 (<= 19 more digits) */
#define MAX_EXP 1000  /* |decimal exponent| accepted */

/* A decimal integer, least significant digit first, without leading zeros. */
typedef struct digits {
    unsigned char d[MAX_DIGITS];
    size_t n; /* 0 means the value 0 */
} digits;

/* A parsed quantity before scaling: value = (neg ? -1 : 1) * D * 10^e10 * 1024^k. */
typedef struct lexed {
    bool neg;
    digits mant; /* every digit of the number, the decimal point ignored */
    int e10;     /* decimal exponent, the fraction's digits already subtracted */
    int k;       /* binary suffix power (Ki = 1 .. Ei = 6) */
} lexed;

/* Copies s into out for an error message, printable ASCII only. */
static const char *shown(const char *s, char out[DAAS_SCHED_QTY_MAX_LEN + 1])
{
    size_t i = 0;
    for (; s[i] != '\0' && i < DAAS_SCHED_QTY_MAX_LEN; i++)
        out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
    out[i] = '\0';
    return out;
}

static int bad(const char *s, const char *why, daas_err *err)
{
    char buf[DAAS_SCHED_QTY_MAX_LEN + 1];
    return daas_fail(err, DAAS_EINVALID, "quantity \"%s\" %s", shown(s, buf), why);
}

/* Reads [+-]digits with |value| <= MAX_EXP; false when malformed or too large. */
static bool parse_exponent(const char *p, int *out)
{
    bool neg = false;
    int v = 0;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
        if (v > MAX_EXP)
            return false;
    }
    *out = neg ? -v : v;
    return true;
}

/* The suffix at p: adds its decimal power to *e10 and sets *k; false when unknown. */
static bool parse_suffix(const char *p, int *e10, int *k)
{
    static const char *const bin[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    static const char dec[] = "num kMGTPE"; /* 10^-9, -6, -3, (none), 3, ... 18 */
    int x;
    *k = 0;
    if (*p == '\0')
        return true;
    for (int i = 0; i < 6; i++) {
        if (strcmp(p, bin[i]) == 0) {
            *k = i + 1;
            return true;
        }
    }
    if (p[1] == '\0' && *p != ' ' && strchr(dec, *p) != NULL) {
        *e10 += (int)(strchr(dec, *p) - dec) * 3 - 9;
        return true;
    }
    if ((*p == 'e' || *p == 'E') && parse_exponent(p + 1, &x)) {
        *e10 += x;
        return true;
    }
    return false;
}

/* Appends digit c (most significant first) to the mantissa, dropping leading zeros. */
static void push_digit(digits *m, int c)
{
    if (m->n == 0 && c == 0)
        return;
    memmove(m->d + 1, m->d, m->n);
    m->d[0] = (unsigned char)c;
    m->n++;
}

/* Splits s into sign, mantissa, exponent and binary power. */
static int lex(const char *s, lexed *out, daas_err *err)
{
    const char *p = s;
    size_t n_digits = 0;
    memset(out, 0, sizeof(*out));
    if (strnlen(s, DAAS_SCHED_QTY_MAX_LEN + 1) > DAAS_SCHED_QTY_MAX_LEN)
        return bad(s, "is longer than 64 bytes", err);
    if (*p == '+' || *p == '-')
        out->neg = *p++ == '-';
    for (bool dot = false; (*p >= '0' && *p <= '9') || (*p == '.' && !dot); p++) {
        if (*p == '.') {
            dot = true;
            continue;
        }
        push_digit(&out->mant, *p - '0');
        out->e10 -= dot; /* a fraction digit */
        n_digits++;
    }
    if (n_digits == 0)
        return bad(s, "has no digits", err);
    if (!parse_suffix(p, &out->e10, &out->k))
        return bad(s, "has an unknown suffix", err);
    return DAAS_OK;
}

static void mul_small(digits *m, unsigned f)
{
    unsigned carry = 0;
    for (size_t i = 0; i < m->n; i++) {
        unsigned v = m->d[i] * f + carry;
        m->d[i] = (unsigned char)(v % 10);
        carry = v / 10;
    }
    while (carry != 0 && m->n < MAX_DIGITS) {
        m->d[m->n++] = (unsigned char)(carry % 10);
        carry /= 10;
    }
}

/* ceil(m * 10^e) as an integer of at most 28 digits; false when larger. */
static bool scaled(const digits *m, int e, unsigned __int128 *out)
{
    unsigned __int128 v = 0;
    size_t lo = e < 0 ? (size_t)-e : 0; /* digits below the point */
    bool frac = false;
    for (size_t i = 0; i < m->n && i < lo; i++)
        frac = frac || m->d[i] != 0;
    size_t n_int = m->n > lo ? m->n - lo : 0;
    if (n_int > 0 && n_int + (e > 0 ? (size_t)e : 0) > 28)
        return false;
    for (size_t i = m->n; i > lo; i--)
        v = v * 10 + m->d[i - 1];
    for (int i = 0; n_int > 0 && i < e; i++)
        v *= 10;
    *out = v + frac;
    return true;
}

/* Contract in kube.h. */
int daas_sched_qty_parse(const char *s, daas_sched_qty *out, daas_err *err)
{
    lexed lx;
    unsigned __int128 nano;
    if (s == NULL)
        return daas_fail(err, DAAS_EINVALID, "quantity missing");
    int rc = lex(s, &lx, err);
    if (rc != DAAS_OK)
        return rc;
    if (lx.mant.n == 0) {
        *out = (daas_sched_qty){0, 0};
        return DAAS_OK;
    }
    if (lx.neg)
        return bad(s, "is negative", err);
    for (int i = 0; i < lx.k; i++)
        mul_small(&lx.mant, 1024);
    if (!scaled(&lx.mant, lx.e10 + 9, &nano) || nano / NANO >= (unsigned __int128)UNITS_CAP)
        return bad(s, "is out of range", err);
    out->units = (int64_t)(nano / NANO);
    out->nano = (int32_t)(nano % NANO);
    return DAAS_OK;
}

/* Contract in kube.h. */
int daas_sched_qty_parse_json(const json_t *v, daas_sched_qty *out, daas_err *err)
{
    char buf[40];
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) != json_string_length(v))
            return daas_fail(err, DAAS_EINVALID, "quantity contains a NUL byte");
        return daas_sched_qty_parse(json_string_value(v), out, err);
    }
    if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        return daas_sched_qty_parse(buf, out, err);
    }
    if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
        return daas_sched_qty_parse(buf, out, err);
    }
    return daas_fail(err, DAAS_EINVALID, "quantity must be a string or a number");
}

/* Contract in kube.h. */
daas_sched_qty daas_sched_qty_add(daas_sched_qty a, daas_sched_qty b)
{
    daas_sched_qty r = {a.units + b.units, a.nano + b.nano}; /* each < 2^62: no overflow */
    if (r.nano >= NANO) {
        r.nano -= NANO;
        r.units++;
    }
    if (r.units >= UNITS_CAP)
        r = (daas_sched_qty){UNITS_CAP, 0};
    return r;
}

/* Contract in kube.h. */
daas_sched_qty daas_sched_qty_max(daas_sched_qty a, daas_sched_qty b)
{
    if (a.units != b.units)
        return a.units > b.units ? a : b;
    return a.nano >= b.nano ? a : b;
}

/* Contract in kube.h. */
int64_t daas_sched_qty_round(daas_sched_qty q, bool milli)
{
    if (!milli)
        return q.units + (q.nano > 0);
    if (q.units > (INT64_MAX - 1000) / 1000)
        return INT64_MAX;
    return q.units * 1000 + (q.nano + 999999) / 1000000;
}

/* Contract in kube.h. */
bool daas_sched_res_is_milli(const char *resource)
{
    return strcmp(resource, "cpu") == 0;
}

/* Contract in kube.h. */
int daas_sched_quantity(const char *resource, const char *s, int64_t *out, daas_err *err)
{
    daas_sched_qty q;
    int rc = daas_sched_qty_parse(s, &q, err);
    if (rc == DAAS_OK)
        *out = daas_sched_qty_round(q, daas_sched_res_is_milli(resource));
    return rc;
}
