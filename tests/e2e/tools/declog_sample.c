/*
 * declog_sample.c: a test aid for tests/e2e/verify_decisions.sh: writes a decision log built
 *                  by running the scheduler core in-process with fixed test keys
 *                  (tests/unit/sched/declog_gen.h), optionally with one record tampered.
 *
 * Owns:   nothing beyond main's buffers.
 * Usage:  declog_sample OUT [--two-epochs] [--tamper node|score|sig|root] [--print-keys]
 *         --tamper node|score: the 2nd decision's node or score changed and re-signed with
 *         the test key (so only the algorithm check catches it); sig: a signature bit of the
 *         2nd decision flipped; root: a bit of the first batch root flipped. --print-keys
 *         prints the hex public keys, one a line. Exit 0, or 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "sched/declog_gen.h"

#define REC_DEC1 5   /* the 2nd decision in dlg_build's log */
#define REC_BATCH0 9 /* the first batch */

static void set_node(daas_sched_decision *d)
{
    snprintf(d->node, sizeof d->node, "%s", strcmp(d->node, "n1") == 0 ? "n2" : "n1");
}
static void set_score(daas_sched_decision *d)
{
    d->score += 1;
}

static void flip_sig(dlg *g)
{
    daas_declog_rec r;
    daas_buf nb;
    daas_err e = {0};
    daas_buf_init(&nb, 0);
    dlg_die(
        daas_declog_rec_decode(DAAS_BYTES(g->body[REC_DEC1].data, g->body[REC_DEC1].len), &r, &e),
        &e, "decode");
    r.sig[7] ^= 0x10;
    dlg_die(daas_declog_rec_encode(&r, &nb, &e), &e, "encode");
    daas_buf_fini(&g->body[REC_DEC1]);
    g->body[REC_DEC1] = nb;
}

static int tamper(dlg *g, const char *what)
{
    if (strcmp(what, "node") == 0)
        dlg_edit_decision(g, REC_DEC1, set_node, true, 0);
    else if (strcmp(what, "score") == 0)
        dlg_edit_decision(g, REC_DEC1, set_score, true, 0);
    else if (strcmp(what, "sig") == 0)
        flip_sig(g);
    else if (strcmp(what, "root") == 0)
        g->body[REC_BATCH0].data[1 + 16 + 5] ^= 1; /* kind, first, count, root */
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    bool two = false, keys = false;
    const char *what = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--two-epochs") == 0)
            two = true;
        else if (strcmp(argv[i], "--print-keys") == 0)
            keys = true;
        else if (strcmp(argv[i], "--tamper") == 0 && i + 1 < argc)
            what = argv[++i];
        else
            argc = 0;
    }
    if (argc < 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: declog_sample OUT [--two-epochs] [--tamper node|score|sig|root] "
                        "[--print-keys]\n");
        return 2;
    }
    dlg g;
    dlg_build(&g, two);
    if (what != NULL && tamper(&g, what) != 0) {
        fprintf(stderr, "declog_sample: unknown --tamper %s\n", what);
        dlg_fini(&g);
        return 2;
    }
    daas_buf f;
    daas_buf_init(&f, 0);
    dlg_file(&g, &f);
    FILE *out = fopen(argv[1], "wb");
    int rc = out != NULL && fwrite(f.data, 1, f.len, out) == f.len ? 0 : 1;
    if (out != NULL && fclose(out) != 0)
        rc = 1;
    if (rc != 0)
        fprintf(stderr, "declog_sample: cannot write %s\n", argv[1]);
    for (int k = 0; keys && k < 2; k++) {
        for (int i = 0; i < 32; i++)
            printf("%02x", g.pk[k][i]);
        printf("\n");
    }
    daas_buf_fini(&f);
    dlg_fini(&g);
    return rc;
}
