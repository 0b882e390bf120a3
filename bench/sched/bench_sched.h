/*
 * bench_sched.h: the pieces of bench_sched shared between its files: the mixed cluster and
 * pod generator of main.c (fed either to an in-process scheduler state or, over the
 * enclave's HTTP protocol, to an enclave service), the attestation rows (attest.c) and the
 * row over HTTP (http.c).
 *
 * Owns:   the generator's state (names, the ring of bound pod uids, the seed, the timers).
 * Not:    anything measured (src/sched, src/enclave).
 * Invariants:
 *   - exactly one of st and cli is set: deltas go to the local state or to the enclave;
 *   - seq is the seq of the last delta sent, so the next one is seq + 1;
 *   - every failure of the code under measurement ends the program (a benchmark that goes on
 *     measuring failures would print wrong figures).
 * Spec:   bench/README.md (bench_sched).
 */
#ifndef DAAS_BENCH_SCHED_H
#define DAAS_BENCH_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "enclave/client.h"
#include "sched/sched.h"

typedef struct daas_bench_sched {
    daas_sched_state *st;     /* in process: the scheduler state (owned); else NULL */
    daas_enclave_client *cli; /* over HTTP: the enclave (borrowed); else NULL */
    uint64_t seq;             /* seq of the last delta sent */
    uint64_t seed;
    uint8_t pk[32], sk[64];   /* in process: the enclave key */
    char (*names)[32];        /* node names */
    size_t n_nodes;
    char (*uids)[32];         /* ring of bound pod uids, removed oldest first */
    size_t ring, head, live;
    uint64_t next_uid;
    daas_buf msg, enc;
    /* totals over the measured pods, in ns */
    int64_t t_decide, t_sign, t_verify, t_apply;
    uint64_t tied, placed, failed;
} daas_bench_sched;

/* Prints "bench_sched: what: err's message" on stderr and exits 1. */
_Noreturn void daas_bench_sched_die(const char *what, const daas_err *err);

/* Sets up an empty generator for a cluster of `nodes` nodes keeping at most `ring` bound pods
 * (then the oldest is removed at each bind); cli NULL: a fresh in-process state and key. */
void daas_bench_sched_init(daas_bench_sched *b, size_t nodes, size_t ring,
                           daas_enclave_client *cli);
/* Releases what daas_bench_sched_init made (not cli) and wipes the key. */
void daas_bench_sched_fini(daas_bench_sched *b);

/* Adds the n_nodes nodes of the model (identical ones when uniform) and, unless uniform,
 * binds 3 running pods per node, as deltas. */
void daas_bench_sched_populate(daas_bench_sched *b, bool uniform);

/* Draws the next pending pod of the mix; req holds 3 entries, uid 32 bytes (p points into
 * both). plain: a plain pod (no selector, affinity, toleration or device). */
void daas_bench_sched_make_pod(daas_bench_sched *b, daas_sched_pod *p, daas_sched_res *req,
                               char *uid, bool plain);

/* Binds a new pod with requests req[0..n) to node (a PodBound delta), after removing the
 * oldest bound pod (PodRemoved) when the ring is full; both in one request over HTTP. */
void daas_bench_sched_bind(daas_bench_sched *b, const char *node, const daas_sched_res *req,
                           size_t n);

/* Loads the documents of vectors_dir and checks they are refused where they must be (a day
 * late; the debug one without allow_debug); exits 1 otherwise. About 10 ms: main calls it
 * first, so that a wrong --vectors fails at once. */
void daas_bench_sched_attest_check(const char *vectors_dir);

/* The attestation rows: verifies each real document of vectors_dir (tests/unit/enclave/
 * vectors) at its upstream time, the way `daas attestation verify` does, for about 1 s each
 * (0.2 s when quick); prints verifications/s and ms per verification against the target.
 * Exits 1 when a document does not verify (or verifies where it must not). */
void daas_bench_sched_attest(const char *vectors_dir, bool quick);

/* The row over HTTP: an in-process enclave (debug attestation, /sched/ service) on a Unix
 * socket under /tmp, driven by the API server's client at 1,000 nodes. */
void daas_bench_sched_http(bool quick);

/* The admission rows (admit.c): a typical pod at restricted through what POST /sched/admit
 * does (decode, evaluate, encode, sign, leaf), on one thread and on every core, for 1.5 s
 * each (0.3 s quick); prints admissions/s against the target of 20,000/s. */
void daas_bench_sched_admit(bool quick);

/* The rebalancing row (rebalance.c): one round on the mixed model at 5,000 nodes (15,000
 * candidates), repeated for 1.5 s (0.3 s quick); prints ms per round against 250 ms. */
void daas_bench_sched_rebalance(bool quick);

#endif
