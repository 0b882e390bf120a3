/*
 * rebalance_fmt.c: the pure parts of `daas rebalance` (see rebalance_int.h): flag parsing,
 * the request body, the --plan file check and the text form of the answer.
 *
 * Owns:   nothing beyond the calls; no I/O (the command, rebalance.c, reads files and talks
 *         to the server).
 * Invariants: numbers are parsed strictly (decimal digits only, in range); nothing from the
 *         server reaches the terminal unsanitised (control bytes become '?'); the plan is
 *         checked for shape only, never verified (the server verifies its signature).
 * Spec:   the server's contract for POST /daas/v1/rebalance (docs/enclave.md "Rebalancing").
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/rebalance_int.h"
#include "common/util.h"

/* ---- flags ---- */

/* A decimal integer in [lo, hi] (digits only, at most 4 of them). */
static bool parse_int(const char *s, int lo, int hi, int *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 4 || strspn(s, "0123456789") != n)
        return false;
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

enum { OPT_DRY = 1000, OPT_APPLY, OPT_PLAN, OPT_THRESHOLD, OPT_MAX, OPT_FAIR, OPT_KC, OPT_CTX };

static const struct option longopts[] = {
    {"dry-run", no_argument, NULL, OPT_DRY},
    {"apply", no_argument, NULL, OPT_APPLY},
    {"plan", required_argument, NULL, OPT_PLAN},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"max-evictions", required_argument, NULL, OPT_MAX},
    {"fairness", required_argument, NULL, OPT_FAIR},
    {"output", required_argument, NULL, 'o'},
    {"kubeconfig", required_argument, NULL, OPT_KC},
    {"context", required_argument, NULL, OPT_CTX},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One option with its value; 0 or 2 (usage error in err). */
static int take(daas_rebalance_args *a, int c, const char *v, daas_err *err)
{
    switch (c) {
    case OPT_DRY:
        a->dry_run = true;
        return 0;
    case OPT_APPLY:
        a->apply = true;
        return 0;
    case OPT_PLAN:
        a->plan_file = v;
        return 0;
    case OPT_KC:
        a->kubeconfig = v;
        return 0;
    case OPT_CTX:
        a->context = v;
        return 0;
    case 'o':
        if (strcmp(v, "json") == 0) {
            a->json = true;
            return 0;
        }
        daas_fail(err, DAAS_EINVAL, "bad -o \"%.40s\": only json is supported", v);
        return 2;
    case OPT_THRESHOLD:
        if (parse_int(v, 1, 100, &a->threshold))
            return 0;
        daas_fail(err, DAAS_EINVAL, "bad --threshold \"%.40s\": want an integer from 1 to 100", v);
        return 2;
    case OPT_MAX:
        if (parse_int(v, 1, 1000, &a->max_evictions))
            return 0;
        daas_fail(err, DAAS_EINVAL, "bad --max-evictions \"%.40s\": want an integer from 1 to 1000",
                  v);
        return 2;
    case OPT_FAIR:
        if (parse_int(v, 0, 100, &a->fairness))
            return 0;
        daas_fail(err, DAAS_EINVAL, "bad --fairness \"%.40s\": want an integer from 0 to 100", v);
        return 2;
    default:
        return 2;
    }
}

/* The rules between flags, once all are read. */
static int check_combination(const daas_rebalance_args *a, daas_err *err)
{
    if (a->dry_run == a->apply) {
        daas_fail(err, DAAS_EINVAL, "give exactly one of --dry-run and --apply");
        return 2;
    }
    if (a->plan_file != NULL && !a->apply) {
        daas_fail(err, DAAS_EINVAL, "--plan needs --apply");
        return 2;
    }
    if (a->plan_file != NULL && (a->threshold >= 0 || a->max_evictions >= 0 || a->fairness >= 0)) {
        daas_fail(err, DAAS_EINVAL,
                  "--threshold, --max-evictions and --fairness cannot be used with --plan");
        return 2;
    }
    return 0;
}

int daas_cmd__rebalance_parse(int argc, char **argv, daas_rebalance_args *a, daas_err *err)
{
    *a = (daas_rebalance_args){.threshold = -1, .max_evictions = -1, .fairness = -1};
    optind = 1;
    opterr = 0; /* one line of our own instead of getopt's */
    int c;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (c == '?') {
            /* optopt: 0 for an unknown long option, the character of an unknown short one,
             * the option's value when its argument is missing */
            bool missing = optopt == 'o' || optopt >= OPT_DRY;
            daas_fail(err, DAAS_EINVAL, "%s \"%.60s\"",
                      missing ? "missing value for" : "bad option", argv[optind - 1]);
            return 2;
        }
        int rc = take(a, c, optarg, err);
        if (rc != 0)
            return rc;
    }
    if (optind < argc) {
        daas_fail(err, DAAS_EINVAL, "unexpected argument \"%.60s\"", argv[optind]);
        return 2;
    }
    return check_combination(a, err);
}

/* ---- the request ---- */

json_t *daas_cmd__rebalance_body(const daas_rebalance_args *a, json_t *plan)
{
    json_t *b = json_object();
    json_object_set_new(b, "apply", json_boolean(a->apply));
    if (a->threshold >= 0)
        json_object_set_new(b, "thresholdPercent", json_integer(a->threshold));
    if (a->max_evictions >= 0)
        json_object_set_new(b, "maxEvictions", json_integer(a->max_evictions));
    if (a->fairness >= 0)
        json_object_set_new(b, "fairnessPercent", json_integer(a->fairness));
    if (plan != NULL)
        json_object_set(b, "plan", plan);
    return b;
}

/* ---- the plan file ---- */

/* s is exactly n hex digits (n 0: any even, non-zero count up to the file's size). */
static bool hex_ok(const char *s, size_t n)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (s == NULL || len == 0 || len % 2 != 0 || (n != 0 && len != n))
        return false;
    for (size_t i = 0; i < len; i++)
        if (daas_hexval((unsigned char)s[i]) < 0)
            return false;
    return true;
}

static int check_uint(const json_t *plan, const char *name, daas_err *err)
{
    const json_t *v = json_object_get(plan, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return daas_fail(err, DAAS_EINVAL, "plan file: \"%s\" must be a non-negative integer",
                         name);
    return DAAS_OK;
}

static int check_hex(const json_t *plan, const char *name, size_t digits, const char *what,
                     daas_err *err)
{
    if (!hex_ok(json_string_value(json_object_get(plan, name)), digits))
        return daas_fail(err, DAAS_EINVAL, "plan file: \"%s\" must be %s", name, what);
    return DAAS_OK;
}

/* The members of a plan object. */
static int check_plan(const json_t *p, daas_err *err)
{
    static const char *const ints[] = {"round", "stateSeq", "index", "timestampMs"};
    if (!json_is_object(p))
        return daas_fail(err, DAAS_EINVAL, "plan file: the plan is not a JSON object");
    int rc = DAAS_OK;
    for (size_t i = 0; i < 4 && rc == DAAS_OK; i++)
        rc = check_uint(p, ints[i], err);
    if (rc == DAAS_OK)
        rc = check_hex(p, "plan", 0, "the hex of the BCS plan (an even number of hex digits)", err);
    if (rc == DAAS_OK)
        rc = check_hex(p, "signature", 128, "128 hex digits (64 bytes)", err);
    if (rc == DAAS_OK)
        rc = check_hex(p, "pk", 64, "64 hex digits (32 bytes)", err);
    const char *enc = json_string_value(json_object_get(p, "enclave"));
    if (rc == DAAS_OK && (enc == NULL || strncmp(enc, "0x", 2) != 0 || !hex_ok(enc + 2, 64)))
        rc = daas_fail(err, DAAS_EINVAL, "plan file: \"enclave\" must be 0x and 64 hex digits");
    return rc;
}

int daas_cmd__rebalance_plan_read(daas_bytes text, json_t **plan, daas_err *err)
{
    *plan = NULL;
    if (text.len > DAAS_REBALANCE_MAX_PLAN_FILE)
        return daas_fail(err, DAAS_ETOOBIG, "plan file: over %zu bytes",
                         DAAS_REBALANCE_MAX_PLAN_FILE);
    json_error_t je;
    json_t *j = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        for (char *c = je.text; *c != '\0'; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
                *c = '?';
        return daas_fail(err, DAAS_EINVAL, "plan file: not JSON: %.80s (line %d, column %d)",
                         je.text, je.line, je.column);
    }
    json_t *p = j;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    if (kind != NULL && strcmp(kind, "RebalanceResult") != 0) {
        json_decref(j);
        return daas_fail(err, DAAS_EINVAL, "plan file: kind is not RebalanceResult");
    }
    if (kind != NULL)
        p = json_object_get(j, "plan");
    int rc = check_plan(p, err);
    if (rc == DAAS_OK)
        *plan = json_incref(p);
    json_decref(j);
    return rc;
}

/* ---- the answer as text ---- */

enum { NCOLS = 7 };
static const char *const HEAD[NCOLS] = {"NAMESPACE", "POD",    "NODE",   "REASON",
                                        "SCORE",     "RESULT", "MESSAGE"};

/* A cell: s with control bytes as '?' ("<none>" when missing or empty). */
static char *cell(const char *s)
{
    if (s == NULL || s[0] == '\0')
        return daas_xstrdup("<none>");
    char *c = daas_xstrdup(s);
    for (char *p = c; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            *p = '?';
    return c;
}

/* Display width: code points (UTF-8 continuation bytes do not count). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s != '\0'; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* The cells of one eviction (row[6] NULL when it has no message). */
static int row_of(const json_t *e, size_t i, char *row[NCOLS], daas_err *err)
{
    static const char *const keys[] = {"namespace", "name", "node", "reason"};
    if (!json_is_object(e))
        return daas_fail(err, DAAS_EREMOTE, "the answer's eviction %zu is not an object", i + 1);
    for (size_t k = 0; k < 4; k++)
        row[k] = cell(json_string_value(json_object_get(e, keys[k])));
    const json_t *score = json_object_get(e, "score");
    row[4] = json_is_integer(score) ? daas_xasprintf("%lld", (long long)json_integer_value(score))
                                    : daas_xstrdup("<none>");
    row[5] = cell(json_string_value(json_object_get(e, "result")));
    const char *msg = json_string_value(json_object_get(e, "message"));
    row[6] = msg != NULL && msg[0] != '\0' ? cell(msg) : NULL;
    return DAAS_OK;
}

/* Appends one table line; the last column is not padded. */
static int put_line(daas_buf *out, char *const *cols, const size_t *w, int ncols)
{
    int rc = DAAS_OK;
    for (int c = 0; c < ncols && rc == DAAS_OK; c++) {
        const char *s = cols[c] != NULL ? cols[c] : "";
        bool last = c == ncols - 1 || (c == ncols - 2 && cols[ncols - 1] == NULL);
        rc = daas_buf_puts(out, s);
        for (size_t p = width(s); !last && rc == DAAS_OK && p < w[c] + 3; p++)
            rc = daas_buf_puts(out, " ");
        if (last)
            break;
    }
    return rc == DAAS_OK ? daas_buf_puts(out, "\n") : rc;
}

static void free_rows(char *(*rows)[NCOLS], size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < NCOLS; c++)
            daas_free(rows[i][c]);
    daas_free(rows);
}

/* The table of evictions (n > 0). */
static int put_table(const json_t *ev, daas_buf *out, daas_err *err)
{
    size_t n = json_array_size(ev), w[NCOLS];
    char *(*rows)[NCOLS] = daas_xcalloc(n, sizeof *rows);
    int rc = DAAS_OK, ncols = NCOLS - 1;
    for (int c = 0; c < NCOLS; c++)
        w[c] = strlen(HEAD[c]);
    for (size_t i = 0; i < n && rc == DAAS_OK; i++) {
        rc = row_of(json_array_get(ev, i), i, rows[i], err);
        for (int c = 0; c < NCOLS && rc == DAAS_OK; c++)
            if (rows[i][c] != NULL && width(rows[i][c]) > w[c])
                w[c] = width(rows[i][c]);
        if (rc == DAAS_OK && rows[i][NCOLS - 1] != NULL)
            ncols = NCOLS;
    }
    if (rc == DAAS_OK && put_line(out, (char *const *)HEAD, w, ncols) != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "the answer is too large to print");
    for (size_t i = 0; i < n && rc == DAAS_OK; i++)
        if (put_line(out, rows[i], w, ncols) != DAAS_OK)
            rc = daas_fail(err, DAAS_ETOOBIG, "the answer is too large to print");
    free_rows(rows, n);
    return rc;
}

/* The first line: "plan R signed by enclave PK16… (state seq S, log index I): K eviction(s)". */
static int put_head(const json_t *plan, size_t k, daas_buf *out, daas_err *err)
{
    const json_t *round = json_object_get(plan, "round"), *seq = json_object_get(plan, "stateSeq"),
                 *idx = json_object_get(plan, "index");
    const char *pk = json_string_value(json_object_get(plan, "pk"));
    if (!json_is_integer(round) || !json_is_integer(seq) || !json_is_integer(idx) ||
        !hex_ok(pk, 64))
        return daas_fail(err, DAAS_EREMOTE,
                         "the answer's plan lacks round, stateSeq, index or "
                         "a 32-byte hex pk");
    if (daas_buf_printf(out,
                        "plan %lld signed by enclave %.16s\xe2\x80\xa6 (state seq %lld, "
                        "log index %lld): %zu eviction(s)\n",
                        (long long)json_integer_value(round), pk,
                        (long long)json_integer_value(seq), (long long)json_integer_value(idx),
                        k) != DAAS_OK)
        return daas_fail(err, DAAS_ETOOBIG, "the answer is too large to print");
    return DAAS_OK;
}

int daas_cmd__rebalance_format(const json_t *answer, daas_buf *out, daas_err *err)
{
    const char *kind = json_string_value(json_object_get(answer, "kind"));
    const json_t *ev = json_object_get(answer, "evictions");
    if (kind == NULL || strcmp(kind, "RebalanceResult") != 0)
        return daas_fail(err, DAAS_EREMOTE, "the answer is not a RebalanceResult");
    if (ev != NULL && !json_is_array(ev) && !json_is_null(ev))
        return daas_fail(err, DAAS_EREMOTE, "the answer's evictions is not a list");
    size_t k = json_array_size(ev);
    int rc = put_head(json_object_get(answer, "plan"), k, out, err);
    if (rc == DAAS_OK && k > 0)
        rc = put_table(ev, out, err);
    if (rc == DAAS_OK && json_is_true(json_object_get(answer, "dryRun")) &&
        daas_buf_puts(out, "dry run: nothing was evicted\n") != DAAS_OK)
        rc = daas_fail(err, DAAS_ETOOBIG, "the answer is too large to print");
    return rc;
}
