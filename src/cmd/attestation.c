/*
 * attestation.c: `daas attestation verify FILE`: checks an AWS Nitro attestation document
 * (COSE signature, certificate chain to the AWS root at a given time, debug rule, PCR policy)
 * and prints what it says as JSON.
 *
 * Owns:   the command's flags, reading FILE (raw CBOR, hex text, or the JSON answer of
 *         GET /get_attestation), and the JSON summary.
 * Not:    any check itself (enclave/attest_*.c).
 * Invariants:
 *   - exit 0: valid; 1: invalid or unreadable, with one line on stderr; 2: bad usage;
 *   - stdout holds the JSON summary only (also for an invalid document, with its reason);
 *   - the verification time is --at, else the system clock at start.
 * Spec:   specs/nautilus.md §3; vectors/nitro/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "enclave/attest.h"

#define MAX_FILE (256 * 1024) /* hex of the largest document, with room for JSON and spaces */
#define TIME_RUNS 100         /* verifications averaged by --time */

typedef struct att_opts {
    const char *file;
    const char *debug_root;
    int64_t at_ms;
    bool at_set, allow_debug, timing;
    daas_attest_pcr_want pcrs[DAAS_ATTEST_MAX_PCRS];
    uint8_t pcr_val[DAAS_ATTEST_MAX_PCRS][DAAS_ATTEST_MAX_PCR_LEN];
    size_t npcrs;
} att_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: daas attestation verify FILE [--at MS] [--pcr N=HEX]... [--allow-debug]\n"
            "                                    [--debug-root PEM] [--time]\n\n"
            "Verifies an AWS Nitro Enclaves attestation document and prints it as JSON.\n"
            "FILE holds the document as raw CBOR, as hex text, or as the JSON answer of\n"
            "GET /get_attestation (\"-\" reads stdin).\n\n"
            "  --at MS           verification time in ms since the epoch (default: now)\n"
            "  --pcr N=HEX       require PCR N (0..31) to equal HEX (32, 48 or 64 bytes)\n"
            "  --allow-debug     accept a debug document (PCR0..2 zero)\n"
            "  --debug-root PEM  a dev root (PEM or DER file) trusted for debug documents\n"
            "  --time            print the mean time of one verification on stderr\n\n"
            "Exit status: 0 valid, 1 invalid, 2 usage.\n");
}

/* ---- flags ---- */

static int hex_decode(const char *s, size_t n, uint8_t *out, size_t max, size_t *len)
{
    if (n % 2 != 0 || n / 2 > max || !daas_hex_decode(s, n / 2, out))
        return -1;
    *len = n / 2;
    return 0;
}

/* "N=HEX" into the next policy slot; 0 or 2 (after one line on stderr). */
static int add_pcr(att_opts *o, const char *arg)
{
    char *end = NULL;
    size_t len = 0;
    errno = 0;
    long idx = strtol(arg, &end, 10);
    const char *hex = end != NULL && *end == '=' ? end + 1 : NULL;
    if (end == arg || hex == NULL || errno != 0 || idx < 0 || idx >= DAAS_ATTEST_MAX_PCRS ||
        o->npcrs == DAAS_ATTEST_MAX_PCRS ||
        hex_decode(hex, strlen(hex), o->pcr_val[o->npcrs], DAAS_ATTEST_MAX_PCR_LEN, &len) != 0 ||
        (len != 32 && len != 48 && len != 64)) {
        fprintf(stderr, "daas attestation verify: bad --pcr \"%s\" (want N=HEX with N 0..31 "
                        "and 32, 48 or 64 bytes of hex)\n", arg);
        return 2;
    }
    o->pcrs[o->npcrs] = (daas_attest_pcr_want){(unsigned)idx, DAAS_BYTES(o->pcr_val[o->npcrs], len)};
    o->npcrs++;
    return 0;
}

static int parse_at(att_opts *o, const char *arg)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (end == arg || *end != '\0' || errno != 0 || v < 0) {
        fprintf(stderr, "daas attestation verify: bad --at \"%s\" (want milliseconds since "
                        "the epoch)\n", arg);
        return 2;
    }
    o->at_ms = v;
    o->at_set = true;
    return 0;
}

static int bad_flag(int c, const char *flag)
{
    if (c == ':')
        fprintf(stderr, "daas attestation verify: flag %s needs a value\n", flag);
    else
        fprintf(stderr, "daas attestation verify: unknown flag \"%s\" (see daas attestation "
                        "--help)\n", flag);
    return 2;
}

/* 0 when the flags are complete, -1 after --help, else the exit code. */
static int parse_flags(int argc, char **argv, att_opts *o)
{
    static const struct option longopts[] = {
        {"at", required_argument, 0, 'a'},      {"pcr", required_argument, 0, 'p'},
        {"allow-debug", no_argument, 0, 'd'},   {"debug-root", required_argument, 0, 'r'},
        {"time", no_argument, 0, 't'},          {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (c == 'a')
            rc = parse_at(o, optarg);
        else if (c == 'p')
            rc = add_pcr(o, optarg);
        else if (c == 'd')
            o->allow_debug = true;
        else if (c == 'r')
            o->debug_root = optarg;
        else if (c == 't')
            o->timing = true;
        else if (c == 'h')
            rc = -1;
        else
            rc = bad_flag(c, argv[optind - 1]);
    }
    if (rc == 0 && optind + 1 != argc) {
        fprintf(stderr, "daas attestation verify: %s\n",
                optind == argc ? "FILE is required" : "one FILE only");
        rc = 2;
    }
    if (rc == 0)
        o->file = argv[optind];
    return rc;
}

/* ---- input ---- */

static int read_file(const char *path, daas_buf *out, daas_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return daas_fail(err, DAAS_EIO, "cannot open %s: %s", path, strerror(errno));
    char chunk[8192];
    size_t n;
    int rc = DAAS_OK;
    while (rc == DAAS_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = daas_buf_append(out, chunk, n);
    if (rc == DAAS_OK && ferror(f))
        rc = daas_fail(err, DAAS_EIO, "cannot read %s", path);
    else if (rc != DAAS_OK)
        rc = daas_fail(err, rc, "%s is larger than %d bytes", path, MAX_FILE);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Hex text (optionally 0x-prefixed, surrounded by white space) decoded in place; raw bytes
 * stay as they are. A real document starts with 0x84 or 0xd2, never a hex digit. */
static void maybe_unhex(daas_buf *b)
{
    size_t s = 0, e = b->len, len = 0;
    while (s < e && strchr(" \t\r\n", b->data[s]) != NULL)
        s++;
    while (e > s && strchr(" \t\r\n", b->data[e - 1]) != NULL)
        e--;
    if (e - s >= 2 && b->data[s] == '0' && (b->data[s + 1] == 'x' || b->data[s + 1] == 'X'))
        s += 2;
    if (e > s && hex_decode(b->data + s, e - s, (uint8_t *)b->data, b->len, &len) == 0)
        b->len = len;
}

/* The JSON answer of GET /get_attestation: {"attestation": "<hex>"}. */
static int maybe_json(daas_buf *b, daas_err *err)
{
    if (b->len == 0 || b->data[0] != '{')
        return DAAS_OK;
    json_t *j = json_loadb(b->data, b->len, 0, NULL);
    const char *h = json_string_value(json_object_get(j, "attestation"));
    int rc = h == NULL ? daas_fail(err, DAAS_EINVAL, "JSON input without an \"attestation\" "
                                                     "string") : DAAS_OK;
    if (rc == DAAS_OK) {
        char *copy = daas_xstrdup(h);
        daas_buf_reset(b);
        rc = daas_buf_puts(b, copy);
        daas_free(copy);
    }
    json_decref(j);
    return rc;
}

static int load_input(const char *path, daas_buf *out, daas_err *err)
{
    daas_buf_init(out, MAX_FILE);
    int rc = read_file(path, out, err);
    if (rc == DAAS_OK)
        rc = maybe_json(out, err);
    if (rc == DAAS_OK)
        maybe_unhex(out);
    return rc;
}

/* ---- output ---- */

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = daas_hex_encode(p, n, daas_xmalloc(2 * n + 1));
    json_t *j = json_string(s);
    daas_free(s);
    return j;
}

static json_t *opt_hex(bool has, daas_bytes b)
{
    return has ? hex_json(b.ptr, b.len) : json_null();
}

/* Subjects of [certificate] + reverse(cabundle): leaf first, root copy last. */
static json_t *chain_json(const daas_attest_doc *d)
{
    json_t *a = json_array();
    char subj[512];
    for (size_t i = 0; i <= d->ncabundle; i++) {
        daas_attest_cert_subject(i == 0 ? d->certificate : d->cabundle[d->ncabundle - i], subj,
                                 sizeof subj);
        json_array_append_new(a, json_string(subj));
    }
    return a;
}

static json_t *summary(const daas_attest_doc *d)
{
    json_t *o = json_object(), *pcrs = json_object();
    for (unsigned i = 0; i < DAAS_ATTEST_MAX_PCRS; i++) {
        char k[4];
        snprintf(k, sizeof k, "%u", i);
        if (d->pcrs[i].present)
            json_object_set_new(pcrs, k, hex_json(d->pcrs[i].value, d->pcrs[i].len));
    }
    json_object_set_new(o, "module_id", json_string(d->module_id));
    json_object_set_new(o, "timestamp", json_integer((json_int_t)d->timestamp_ms));
    json_object_set_new(o, "digest", json_string(d->digest));
    json_object_set_new(o, "pcrs", pcrs);
    json_object_set_new(o, "public_key", opt_hex(d->has_public_key, d->public_key));
    json_object_set_new(o, "user_data", opt_hex(d->has_user_data, d->user_data));
    json_object_set_new(o, "nonce", opt_hex(d->has_nonce, d->nonce));
    json_object_set_new(o, "debug", json_boolean(d->is_debug));
    json_object_set_new(o, "chain", chain_json(d));
    return o;
}

static void print_result(const daas_attest_doc *d, bool parsed, int64_t at, int rc,
                         const daas_err *err)
{
    json_t *o = parsed ? summary(d) : json_object();
    json_object_set_new(o, "verified_at", json_integer((json_int_t)at));
    json_object_set_new(o, "verdict", json_string(rc == DAAS_OK ? "valid" : "invalid"));
    if (rc != DAAS_OK)
        json_object_set_new(o, "reason", json_string(err->msg));
    if (json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
        putchar('\n');
    json_decref(o);
}

/* ---- the command ---- */

/* Mean time of one verification over TIME_RUNS runs, on stderr. */
static void time_it(const daas_buf *in, const daas_attest_policy *pol)
{
    int64_t t0 = daas_mono_ns();
    for (int i = 0; i < TIME_RUNS; i++) {
        daas_err e = {0};
        if (daas_attest_verify((const uint8_t *)in->data, in->len, pol, NULL, &e) != DAAS_OK)
            break;
    }
    double ms = (double)(daas_mono_ns() - t0) / 1e6 / TIME_RUNS;
    fprintf(stderr, "daas attestation verify: %.3f ms per verification (mean of %d)\n", ms,
            TIME_RUNS);
}

static int cmd_verify(int argc, char **argv)
{
    att_opts o = {0};
    daas_buf in = {0}, root = {0};
    daas_attest_doc doc = {0};
    daas_err err = {0};
    int st = parse_flags(argc, argv, &o);
    if (st != 0) {
        if (st < 0)
            usage(stdout);
        return st < 0 ? 0 : st;
    }
    daas_attest_policy pol = {.now_ms = o.at_set ? o.at_ms : daas_now_ms(),
                              .pcrs = o.pcrs, .npcrs = o.npcrs, .allow_debug = o.allow_debug};
    int rc = load_input(o.file, &in, &err);
    if (rc == DAAS_OK && o.debug_root != NULL) {
        daas_buf_init(&root, MAX_FILE);
        rc = read_file(o.debug_root, &root, &err);
        if (rc == DAAS_OK && root.len == 0)
            rc = daas_fail(&err, DAAS_EINVAL, "debug root file %s is empty", o.debug_root);
        pol.debug_root = DAAS_BYTES(root.data, root.len);
    }
    if (rc != DAAS_OK) {
        fprintf(stderr, "daas attestation verify: %s\n", err.msg);
        st = 1;
        goto out;
    }
    rc = daas_attest_verify((const uint8_t *)in.data, in.len, &pol, &doc, &err);
    bool parsed = rc == DAAS_OK ||
                  daas_attest_parse((const uint8_t *)in.data, in.len, &doc, NULL) == DAAS_OK;
    print_result(&doc, parsed, pol.now_ms, rc, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "daas attestation verify: invalid: %s\n", err.msg);
    else if (o.timing)
        time_it(&in, &pol);
    st = rc == DAAS_OK ? 0 : 1;
out:
    daas_attest_doc_fini(&doc);
    daas_buf_fini(&in);
    daas_buf_fini(&root);
    return st;
}

int daas_cmd_attestation(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2)
        fprintf(stderr, "daas attestation: unknown command \"%s\" (want verify)\n", argv[1]);
    else
        usage(stderr);
    return 2;
}
