/*
 * verify_pod.c: `daas verify pod FILE`: the agent's proof checks from the command line:
 *               does each pod carry a valid placement (sched/proof.h) and admission
 *               (sched/admission.h) decision, for its node, signed by a registered enclave?
 *
 * Owns:   the command's flags and its one line per pod.
 * Not:    the checks (sched/proof.c, sched/admission.c), which keys are trusted
 *         (sched/trust.h, or --pk).
 * Invariants:
 *   - input: a Pod, or a List of Pods (`kubectl get pods -o json`), from FILE or "-" (stdin);
 *   - one line per pod on stdout: "ok <ns>/<name> on <node>" or "REFUSED <ns>/<name>: reason";
 *   - exit 0: every pod passed; 1: a pod was refused ("N of M pods refused (first: <ns>/<name>:
 *     reason)" on stderr) or the input/chain is unusable (one line on stderr); 2: bad usage.
 * Spec:   sched/proof.h (the check and its reasons).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "common/alloc.h"
#include "common/util.h"
#include "kube/obj.h"
#include "sched/admission.h"
#include "sched/proof.h"
#include "sched/trust.h"
#include "sui/chain.h"

#define MAX_KEYS 64

typedef struct popts {
    const char *file;
    const char *node; /* NULL: each pod's own spec.nodeName */
    const char *chain;
    const char *package;
    const char *config;
    daas_sched_trusted_key keys[MAX_KEYS];
    size_t n_keys;
} popts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: daas verify pod FILE [--node NAME] (--pk HEX[@0xENCLAVE]... |\n"
            "                            --chain URL|FILE [--package 0x...] [--config 0x...])\n\n"
            "Runs the agent's check on a Pod or a List of Pods (`kubectl get pods -o json`;\n"
            "\"-\" reads stdin): the daas.io/schedule-proof annotation must hold a decision\n"
            "for this pod, its current spec and its node, signed by a trusted enclave key.\n\n"
            "  --node NAME       the node that would run it (default: the pod's spec.nodeName)\n"
            "  --pk HEX[@0x..]   trust this enclave key (for that Enclave object only)\n"
            "  --chain URL|FILE  trust the enclaves registered on chain against the cluster's\n"
            "                    EnclaveConfig at its current version ($DAAS_CHAIN by default)\n"
            "  --package 0x...   the daas package (default: the chain file's)\n"
            "  --config 0x...    the EnclaveConfig (default: the package's only one)\n\n"
            "Exit status: 0 every pod verified, 1 a pod refused or an error, 2 usage.\n");
}

/* HEX or HEX@0xID. */
static int add_key(popts *o, const char *arg)
{
    daas_sched_trusted_key *k = &o->keys[o->n_keys];
    const char *at = strchr(arg, '@');
    size_t hl = at ? (size_t)(at - arg) : strlen(arg);
    daas_err e = {0};
    if (o->n_keys == MAX_KEYS || hl != 2 * DAAS_SCHED_PUBKEY_LEN ||
        !daas_hex_decode(arg, DAAS_SCHED_PUBKEY_LEN, k->pk))
        return -1;
    if (at && daas_sui_address_parse(at + 1, k->enclave, &e) != DAAS_OK)
        return -1;
    o->n_keys++;
    return 0;
}

/* 0, or 2 after one line on stderr; 1 with --help printed. */
static int parse(int argc, char **argv, popts *o)
{
    static const struct option lo[] = {
        {"pk", required_argument, NULL, 'k'},      {"node", required_argument, NULL, 'n'},
        {"chain", required_argument, NULL, 'c'},   {"package", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'g'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 1;
        } else if (c == 'k' && add_key(o, optarg) != 0) {
            fprintf(stderr, "daas verify pod: --pk wants 64 hex digits, optionally @0x<enclave "
                            "id> (at most %d)\n",
                    MAX_KEYS);
            return 2;
        } else if (c == 'n' || c == 'c' || c == 'p' || c == 'g') {
            *(c == 'n' ? &o->node : c == 'c' ? &o->chain : c == 'p' ? &o->package : &o->config) =
                optarg;
        } else if (c == '?') {
            fprintf(stderr, "daas verify pod: bad option %s (see daas verify pod --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "daas verify pod: want exactly one FILE (see daas verify pod --help)\n");
        return 2;
    }
    if (o->n_keys == 0 && o->chain == NULL && o->package == NULL && getenv("DAAS_CHAIN") == NULL) {
        fprintf(stderr, "daas verify pod: trust what? give --pk or --chain\n");
        return 2;
    }
    o->file = argv[optind];
    return 0;
}

/* The keys from the chain, appended to o->keys (as many as fit). */
static int chain_keys(popts *o, daas_err *err)
{
    daas_cmd_chain ch = {0};
    daas_sched_trusted_key *keys = NULL;
    size_t n = 0;
    uint8_t cid[DAAS_SUI_ADDRESS_LEN];
    int rc = o->config ? daas_sui_address_parse(o->config, cid, err) : DAAS_OK;
    if (rc == DAAS_OK)
        rc = daas_cmd_chain_open(o->chain, o->package, true, &ch, err);
    if (rc == DAAS_OK)
        rc = daas_sched_chain_keys(ch.c, &ch.pkg, o->config ? cid : NULL, &keys, &n, err);
    for (size_t i = 0; rc == DAAS_OK && i < n && o->n_keys < MAX_KEYS; i++)
        o->keys[o->n_keys++] = keys[i];
    daas_free(keys);
    daas_cmd_chain_close(&ch);
    return rc;
}

/* Checks one pod; prints its line; keeps the first refusal in first (when empty). true when
 * it passed. */
static bool check_one(const popts *o, const json_t *pod, char *first, size_t first_len)
{
    const char *ns = daas_kube_str(pod, "metadata.namespace") ?: "default";
    const char *name = daas_kube_str(pod, "metadata.name") ?: "?";
    const char *node = o->node ? o->node : daas_kube_str(pod, "spec.nodeName") ?: "";
    daas_err e = {0};
    int rc = daas_sched_proof_check(pod, node, o->keys, o->n_keys, &e);
    if (rc == DAAS_OK) /* the agent's two checks, in its order */
        rc = daas_sched_admission_check(pod, o->keys, o->n_keys, &e);
    if (rc == DAAS_OK) {
        printf("ok %s/%s on %s\n", ns, name, node);
        return true;
    }
    printf("REFUSED %s/%s: %s\n", ns, name, e.msg);
    if (first[0] == '\0')
        snprintf(first, first_len, "%s/%s: %s", ns, name, e.msg);
    return false;
}

int daas_cmd_verify_pod(int argc, char **argv)
{
    popts o = {0};
    daas_err err = {0};
    int st = parse(argc, argv, &o);
    if (st != 0)
        return st == 1 ? 0 : st;
    json_error_t je;
    json_t *doc = strcmp(o.file, "-") == 0 ? json_loadf(stdin, 0, &je)
                                           : json_load_file(o.file, 0, &je);
    if (doc == NULL) {
        fprintf(stderr, "daas verify pod: %s: not JSON (%s, line %d)\n", o.file, je.text,
                je.line);
        return 1;
    }
    const char *kind = daas_kube_str(doc, "kind") ?: "";
    json_t *items = strcmp(kind, "List") == 0 || strcmp(kind, "PodList") == 0
                        ? json_object_get(doc, "items")
                        : NULL;
    int rc = strcmp(kind, "Pod") == 0 || json_is_array(items)
                 ? DAAS_OK
                 : daas_fail(&err, DAAS_EINVAL, "%s: not a Pod or a List of Pods", o.file);
    if (rc == DAAS_OK && (o.chain || o.package || o.n_keys == 0))
        rc = chain_keys(&o, &err);
    if (rc != DAAS_OK) {
        fprintf(stderr, "daas verify pod: %s\n", err.msg);
        json_decref(doc);
        return 1;
    }
    size_t i, total = items ? json_array_size(items) : 1, refused = 0;
    json_t *pod;
    char first[1024] = "";
    if (items == NULL)
        refused += !check_one(&o, doc, first, sizeof first);
    json_array_foreach(items, i, pod) refused += !check_one(&o, pod, first, sizeof first);
    json_decref(doc);
    fflush(stdout);
    if (refused > 0)
        fprintf(stderr, "daas verify pod: %zu of %zu pods refused (first: %s)\n", refused, total,
                first);
    return refused ? 1 : 0;
}
