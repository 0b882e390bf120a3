/*
 * bench_seal.h: the pieces of bench_seal shared between its files: the options and the
 *               section table of main.c.
 *
 * Owns:   the section interface. A section is one part of the run that prints its own
 *         table (main.c runs them in table order).
 * Adding a section (e.g. fetch_key, written by someone else later): put it in its own file
 *   bench/seal/<name>.c (CMake builds every .c file of bench/seal/ into bench_seal) and define there
 *       int bench_seal_fetch(const bench_seal_opts *o)
 *   which returns 0 when it ran, 1 when it failed (after one line on stderr). main.c already
 *   lists it in its section table as a weak symbol: a build without the file simply has no
 *   such section; with the file linked it runs after the crypto section, no edit of main.c
 *   needed. A section with another name: declare it here (weak) and add one row to
 *   main.c's `sections`.
 * Invariants: sections print to stdout only; a failure of the code under measurement ends
 *             the section with exit status 1 (no figures from failing operations).
 * Spec:   bench/seal/README.md.
 */
#ifndef DAAS_BENCH_SEAL_H
#define DAAS_BENCH_SEAL_H

#include <stdbool.h>

typedef struct bench_seal_opts {
    double seconds;         /* measuring time per figure */
    bool quick;             /* --quick: shorter runs */
    bool no_sdk;            /* --no-sdk: daas figures only */
    const char *sdk_script; /* bench/seal/sdk_bench.mjs (found by main.c, or --sdk) */
    const char *node;       /* the node binary (--node, default "node" on PATH) */
} bench_seal_opts;

typedef struct bench_seal_section {
    const char *name;
    int (*run)(const bench_seal_opts *o); /* NULL: not linked in this build, skipped */
} bench_seal_section;

/* Sections defined in other files of bench/seal/ (weak: absent files leave them NULL). */
int bench_seal_fetch(const bench_seal_opts *o) __attribute__((weak));

#endif
