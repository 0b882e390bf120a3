/*
 * rebalance_int.h: the pure parts of `daas rebalance` (rebalance_fmt.c), apart from the
 * command (rebalance.c) so that unit tests reach them: the flags, the request body, the plan
 * file check and the text output.
 *
 * Owns:   daas_rebalance_args and the shape of the request and of the answer's text form.
 * Spec:   the server's contract for POST /daas/v1/rebalance (docs/enclave.md "Rebalancing").
 */
#ifndef DAAS_CMD_REBALANCE_INT_H
#define DAAS_CMD_REBALANCE_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/err.h"

#define DAAS_REBALANCE_USAGE                                                                       \
    "(--dry-run | --apply) [--plan FILE] [--threshold PCT] [--max-evictions N]\n"                  \
    "                      [--fairness PCT] [-o json] [--kubeconfig FILE] [--context NAME]"
#define DAAS_REBALANCE_PATH "/daas/v1/rebalance"
#define DAAS_REBALANCE_MAX_PLAN_FILE ((size_t)1 << 20)

typedef struct daas_rebalance_args {
    bool dry_run, apply;                          /* exactly one is true after a successful parse */
    bool json;                                    /* -o json */
    int threshold;                                /* --threshold 1..100, -1: not given */
    int max_evictions;                            /* --max-evictions 1..1000, -1: not given */
    int fairness;                                 /* --fairness 0..100, -1: not given */
    const char *plan_file, *kubeconfig, *context; /* NULL: not given (point into argv) */
} daas_rebalance_args;

/* Parses the flags (argv[0] is "rebalance"). 0: *a is filled; 1: --help; 2: a usage error,
 * err->msg holds it as one line (bad option, missing value, neither or both of
 * --dry-run/--apply, --plan without --apply or with a tuning flag, a number out of range,
 * an extra argument). Uses getopt_long (not thread-safe). */
int daas_cmd__rebalance_parse(int argc, char **argv, daas_rebalance_args *a, daas_err *err);

/* The request body for a: {"apply", then "thresholdPercent", "maxEvictions",
 * "fairnessPercent" when given, "plan" when plan is not NULL (a new reference is taken)}. */
json_t *daas_cmd__rebalance_body(const daas_rebalance_args *a, json_t *plan);

/* Checks the text of a --plan file: JSON holding a whole answer ("kind":"RebalanceResult",
 * its "plan" member is taken) or the plan object itself, with round, stateSeq, index and
 * timestampMs non-negative integers, plan non-empty even-length hex, signature 64 bytes and
 * pk 32 bytes of hex, enclave "0x" and 64 hex digits. *plan: a new reference. Errors:
 * DAAS_EINVAL "plan file: ..." saying what is wrong, DAAS_ETOOBIG. */
DAAS_MUST_USE int daas_cmd__rebalance_plan_read(daas_bytes text, json_t **plan, daas_err *err);

/* Appends the text form of a RebalanceResult to out: the plan line, a table of the
 * evictions when there are any (NAMESPACE POD NODE REASON SCORE RESULT, and MESSAGE when a
 * row has one; columns aligned as kubectl does), and "dry run: nothing was evicted" for a dry
 * run. Control bytes from the server are shown as '?'. Errors: DAAS_EREMOTE when the answer
 * is not a RebalanceResult (saying which member is wrong). */
DAAS_MUST_USE int daas_cmd__rebalance_format(const json_t *answer, daas_buf *out, daas_err *err);

#endif
