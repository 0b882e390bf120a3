/*
 * verify.c: `daas verify decisions FILE`: replays a decision log written by the server and
 *           checks every decision, admission and rebalance plan against the published
 *           algorithms, every signature, every batch root, and optionally every batch
 *           against the chain's commitments.
 *
 * Owns:   the command's flags and the JSON report on stdout.
 * Not:    any check itself (sched/verify.c), the log format (sched/declog.c).
 * Invariants:
 *   - exit 0: every record checked; 1: a check failed or the input is unreadable, with one
 *     line on stderr naming the first bad record and why; 2: bad usage;
 *   - stdout holds the JSON report only (also when a check failed).
 * Spec:   sched/declog.h.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/util.h"
#include "sched/declog.h"
#include "sched/trust.h"
#include "sui/chain.h"

#define MAX_KEYS 64

typedef struct vopts {
    const char *file;
    const char *chain;
    const char *package;
    uint8_t keys[MAX_KEYS][DAAS_SCHED_PUBKEY_LEN];
    size_t n_keys;
    bool chain_keys; /* the keys came from the chain's registered enclaves */
} vopts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: daas verify decisions FILE [--pk HEX]... [--chain URL|FILE --package 0x...]\n\n"
            "Replays a decision log written by `daas server` (\"-\" reads stdin): re-applies\n"
            "every delta, recomputes every decision with the published algorithm and compares\n"
            "it byte for byte, re-evaluates every admission decision (request and cluster\n"
            "rules) and re-plans every rebalance plan (request against the replayed cluster\n"
            "view), each compared byte for byte, checks every enclave signature and batch\n"
            "Merkle root, and with\n"
            "--chain that each batch was committed on chain (scheduling::BatchCommitted).\n"
            "Prints a JSON report.\n\n"
            "  --pk HEX          trust this enclave key (32 bytes hex; repeatable; default:\n"
            "                    with --chain the enclaves registered there, else any key,\n"
            "                    noted in the report)\n"
            "  --chain URL|FILE  a Sui GraphQL URL or a chain file (default: $DAAS_CHAIN when\n"
            "                    --package is given)\n"
            "  --package 0x...   the daas package id (needed with --chain unless the chain\n"
            "                    file names it)\n\n"
            "Exit status: 0 verified, 1 a check failed, 2 usage.\n");
}

static int add_key(vopts *o, const char *hex)
{
    if (o->n_keys == MAX_KEYS || strlen(hex) != 2 * DAAS_SCHED_PUBKEY_LEN ||
        !daas_hex_decode(hex, DAAS_SCHED_PUBKEY_LEN, o->keys[o->n_keys]))
        return -1;
    o->n_keys++;
    return 0;
}

/* 0, or 2 after one line on stderr; 1 with --help printed. */
static int parse(int argc, char **argv, vopts *o)
{
    static const struct option lo[] = {{"pk", required_argument, NULL, 'k'},
                                       {"chain", required_argument, NULL, 'c'},
                                       {"package", required_argument, NULL, 'p'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        } else if (c == 'k' && add_key(o, optarg) != 0) {
            fprintf(stderr, "daas verify: --pk wants 64 hex digits (at most %d keys)\n", MAX_KEYS);
            return 2;
        } else if (c == 'c') {
            o->chain = optarg;
        } else if (c == 'p') {
            o->package = optarg;
        } else if (c == '?') {
            fprintf(stderr, "daas verify: bad option %s (see daas verify --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "daas verify: want exactly one FILE (see daas verify --help)\n");
        return 2;
    }
    o->file = argv[optind];
    return 0;
}

static void print_report(const daas_declog_report *r, bool chain, bool chain_keys)
{
    json_t *j =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:b}", "records", (json_int_t)r->records,
                  "deltas", (json_int_t)r->deltas, "decisions", (json_int_t)r->decisions,
                  "admissions", (json_int_t)r->admissions, "plans", (json_int_t)r->plans, "batches",
                  (json_int_t)r->batches, "epochs", (json_int_t)r->epochs, "ok", r->ok, "torn_tail",
                  r->torn_tail, "any_key", r->any_key);
    if (chain)
        json_object_set_new(j, "chain_checked", json_integer((json_int_t)r->chain_checked));
    if (chain_keys)
        json_object_set_new(j, "keys", json_string("the enclaves registered on chain"));
    if (r->any_key)
        json_object_set_new(j, "note",
                            json_string("no --pk given: decisions signed by any "
                                        "enclave key were accepted"));
    json_object_set_new(j, "first_failure",
                        r->has_failure
                            ? json_pack("{s:I,s:I,s:s}", "record", (json_int_t)r->fail_record,
                                        "offset", (json_int_t)r->fail_offset, "reason", r->reason)
                            : json_null());
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s != NULL)
        printf("%s\n", s);
    daas_free(s);
    json_decref(j);
}

/* Opens the chain; without --pk, trusts the enclaves registered there (sched/trust.h). */
static int open_chain(vopts *o, daas_cmd_chain *ch, daas_err *err)
{
    daas_sched_trusted_key *keys = NULL;
    size_t n = 0;
    int rc = daas_cmd_chain_open(o->chain, o->package, true, ch, err);
    if (rc == DAAS_OK && o->n_keys == 0)
        rc = daas_sched_chain_keys(ch->c, &ch->pkg, NULL, &keys, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n && o->n_keys < MAX_KEYS; i++)
        memcpy(o->keys[o->n_keys++], keys[i].pk, DAAS_SCHED_PUBKEY_LEN);
    if (rc == DAAS_OK && n > 0)
        o->chain_keys = true;
    daas_free(keys);
    return rc;
}

static int check_chain(const daas_cmd_chain *ch, daas_declog_report *rep, daas_err *err)
{
    char pkg[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(ch->chain.package, pkg);
    return daas_declog_verify_chain(ch->c, pkg, rep, err);
}

static int decisions(int argc, char **argv)
{
    vopts o = {0};
    daas_declog_report rep;
    daas_err err = {0};
    daas_buf file;
    int st = parse(argc, argv, &o);
    if (st != 0)
        return st == 1 ? 0 : st;
    bool chain = o.chain != NULL || o.package != NULL;
    daas_cmd_chain ch = {0};
    daas_buf_init(&file, DAAS_DECLOG_MAX_FILE);
    int rc = daas_declog_load(o.file, &file, &err);
    if (rc == DAAS_OK && chain)
        rc = open_chain(&o, &ch, &err);
    if (rc != DAAS_OK) {
        fprintf(stderr, "daas verify: %s\n", err.msg);
        daas_cmd_chain_close(&ch);
        daas_buf_fini(&file);
        return 1;
    }
    rc = daas_declog_verify(DAAS_BYTES(file.data, file.len), (const uint8_t(*)[32])o.keys, o.n_keys,
                            &rep, &err);
    if (rc == DAAS_OK && chain)
        rc = check_chain(&ch, &rep, &err);
    print_report(&rep, chain, o.chain_keys);
    daas_cmd_chain_close(&ch);
    if (rc != DAAS_OK)
        fprintf(stderr, "daas verify: %s: %s\n", o.file, err.msg);
    daas_declog_report_fini(&rep);
    daas_buf_fini(&file);
    return rc == DAAS_OK ? 0 : 1;
}

/* `daas verify decisions|pod ...`. */
int daas_cmd_verify(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "decisions") == 0)
        return decisions(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "pod") == 0)
        return daas_cmd_verify_pod(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "daas verify: want `daas verify decisions FILE` or `daas verify pod FILE` "
                    "(see daas verify --help)\n");
    return 2;
}
