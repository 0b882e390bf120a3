/*
 * json_out.c: a compact JSON serializer for jansson trees that writes into a daas_buf.
 *
 * Owns:   serialization on the hot paths (stored objects, API responses). Its output is
 *         byte-identical to json_dumps(v, JSON_COMPACT) (tests/unit/kube/test_json_out.c
 *         checks that), but it appends to one growing buffer instead of going through
 *         jansson's per-fragment callbacks and a separate string buffer.
 * Invariants: keys and strings are copied in runs, escaping only '"', '\\' and control
 *             characters, as jansson does without JSON_ENSURE_ASCII / JSON_ESCAPE_SLASH;
 *             recursion is bounded by DAAS_KUBE_JSON_MAX_DEPTH (deeper trees fail).
 */
#include <stdio.h>
#include <string.h>

#include "kube/obj.h"

static int put_string(daas_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF"; /* jansson writes upper case */
    int rc = daas_buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; rc == DAAS_OK && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = daas_buf_append(b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (rc == DAAS_OK)
            rc = daas_buf_append(b, esc, elen);
    }
    if (rc == DAAS_OK)
        rc = daas_buf_append(b, s + run, n - run);
    return rc == DAAS_OK ? daas_buf_append(b, "\"", 1) : rc;
}

static int put_real(daas_buf *b, double d)
{
    char num[40];
    /* jansson: %.17g, then make sure it reads back as a real */
    int k = snprintf(num, sizeof num, "%.17g", d);
    if (k < 0 || (size_t)k >= sizeof num - 3)
        return DAAS_EINVAL;
    if (strpbrk(num, ".eE") == NULL && strcmp(num, "inf") != 0 && strcmp(num, "nan") != 0) {
        memcpy(num + k, ".0", 3);
        k += 2;
    }
    /* jansson writes the exponent without '+' and without leading zeros: 1e+300 → 1e300 */
    char *e = strchr(num, 'e');
    if (e != NULL) {
        char *src = e + 1, *dst = e + 1;
        if (*src == '-')
            *dst++ = *src++;
        else if (*src == '+')
            src++;
        while (*src == '0' && src[1] != '\0')
            src++;
        memmove(dst, src, strlen(src) + 1);
        k = (int)strlen(num);
    }
    return daas_buf_append(b, num, (size_t)k);
}

static int put(daas_buf *b, const json_t *v, int depth)
{
    if (depth > DAAS_KUBE_JSON_MAX_DEPTH)
        return DAAS_ETOOBIG;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        size_t klen;
        json_t *x;
        bool first = true;
        int rc = daas_buf_append(b, "{", 1);
        json_object_keylen_foreach((json_t *)v, k, klen, x)
        {
            if (rc == DAAS_OK && !first)
                rc = daas_buf_append(b, ",", 1);
            first = false;
            if (rc == DAAS_OK)
                rc = put_string(b, k, klen);
            if (rc == DAAS_OK)
                rc = daas_buf_append(b, ":", 1);
            if (rc == DAAS_OK)
                rc = put(b, x, depth + 1);
            if (rc != DAAS_OK)
                return rc;
        }
        return rc == DAAS_OK ? daas_buf_append(b, "}", 1) : rc;
    }
    case JSON_ARRAY: {
        int rc = daas_buf_append(b, "[", 1);
        for (size_t i = 0; rc == DAAS_OK && i < json_array_size(v); i++) {
            if (i)
                rc = daas_buf_append(b, ",", 1);
            if (rc == DAAS_OK)
                rc = put(b, json_array_get(v, i), depth + 1);
        }
        return rc == DAAS_OK ? daas_buf_append(b, "]", 1) : rc;
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        /* decimal digits from the end; the magnitude as unsigned so INT64_MIN works */
        char num[24];
        char *p = num + sizeof num;
        json_int_t x = json_integer_value(v);
        unsigned long long u = x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (x < 0)
            *--p = '-';
        return daas_buf_append(b, p, (size_t)(num + sizeof num - p));
    }
    case JSON_REAL:
        return put_real(b, json_real_value(v));
    case JSON_TRUE:
        return daas_buf_append(b, "true", 4);
    case JSON_FALSE:
        return daas_buf_append(b, "false", 5);
    default:
        return daas_buf_append(b, "null", 4);
    }
}

int daas_kube_json_dump(const json_t *v, daas_buf *out)
{
    if (v == NULL)
        return DAAS_EINVAL;
    size_t mark = out->len;
    int rc = put(out, v, 0);
    if (rc != DAAS_OK && out->data) {
        out->len = mark; /* nothing half-written stays behind */
        out->data[mark] = '\0';
    }
    return rc;
}
