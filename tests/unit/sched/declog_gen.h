/*
 * declog_gen.h: a test aid: builds a decision log the way the server and the enclave would,
 *               by running the scheduler core in-process (state, decide, plan rebalancing,
 *               sign with a fixed test key, batches over the decisions and plans), for
 *               test_declog.c and the e2e tool tests/e2e/tools/declog_sample.c.
 *
 * Owns:   the record bodies of one generated log (dlg_fini frees them). Deterministic: the
 *         same seed gives the same bytes.
 * Not:    the log format (src/sched/declog.c).
 */
#ifndef DAAS_TESTS_DECLOG_GEN_H
#define DAAS_TESTS_DECLOG_GEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sched/declog.h"
#include "sched/rebalance.h"

#define DLG_MAX 64
#define DLG_TS 1744683300000ULL

typedef struct dlg {
    daas_buf body[DLG_MAX]; /* BCS(Record) of each record */
    size_t n;
    uint8_t pk[2][32], sk[2][64]; /* epoch keys */
    uint64_t ts;                  /* next decision timestamp */
} dlg;

static inline void dlg_die(int rc, const daas_err *e, const char *what)
{
    if (rc != DAAS_OK) {
        fprintf(stderr, "declog_gen: %s: %s\n", what, e->msg);
        abort();
    }
}

static inline void dlg_add(dlg *g, const daas_declog_rec *r)
{
    daas_err e = {0};
    if (g->n == DLG_MAX)
        abort();
    daas_buf_init(&g->body[g->n], 0);
    dlg_die(daas_declog_rec_encode(r, &g->body[g->n], &e), &e, "encode record");
    g->n++;
}

/* Encodes d with the state's next seq, logs it and applies it. */
static inline void dlg_delta(dlg *g, daas_sched_state *st, daas_sched_delta *d)
{
    daas_buf b;
    daas_err e = {0};
    daas_buf_init(&b, 0);
    d->seq = daas_sched_state_seq(st) + 1;
    dlg_die(daas_sched_delta_encode(d, &b, &e), &e, "encode delta");
    dlg_die(daas_sched_state_apply_bcs(st, DAAS_BYTES(b.data, b.len), &e), &e, "apply");
    daas_declog_rec r = {.kind = DAAS_DECLOG_DELTA, .delta = DAAS_BYTES(b.data, b.len)};
    dlg_add(g, &r);
    daas_buf_fini(&b);
}

static inline void dlg_nodes(dlg *g, daas_sched_state *st)
{
    static const daas_sched_res r1[] = {{"cpu", 4000}, {"memory", 8LL << 30}, {"pods", 110}};
    static const daas_sched_res r2[] = {
        {"aws.ec2.nitro/nitro_enclaves", 1}, {"cpu", 8000}, {"memory", 16LL << 30}};
    static const daas_sched_taint t3[] = {{"dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE}};
    daas_sched_node n[3] = {
        {.name = "n1", .stake = 100, .ready = true, .alloc = r1, .n_alloc = 3},
        {.name = "n2", .stake = 300, .ready = true, .alloc = r2, .n_alloc = 3},
        {.name = "n3",
         .stake = 50,
         .ready = true,
         .alloc = r1,
         .n_alloc = 3,
         .taints = t3,
         .n_taints = 1},
    };
    for (int i = 0; i < 3; i++) {
        n[i].owner[0] = (uint8_t)(i + 1);
        daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = n[i]};
        dlg_delta(g, st, &d);
    }
}

/* Schedules pod-<i> (signed with epoch key k, logged with index idx), then binds it. */
static inline void dlg_pod(dlg *g, daas_sched_state *st, int k, int i, uint64_t idx)
{
    char uid[32];
    daas_sched_res req[2] = {{"cpu", 500 * (i % 3 + 1)}, {"memory", (int64_t)1 << 30}};
    daas_sched_pod p = {.uid = uid, .ns = "default", .name = uid, .requests = req, .n_requests = 2};
    daas_sched_result res = {0};
    daas_sched_decision dec;
    daas_buf pb, db;
    daas_err e = {0};
    uint8_t sig[64];
    snprintf(uid, sizeof uid, "pod-%d-%d", k, i);
    memset(p.spec_digest, 0x40 + i, sizeof p.spec_digest);
    daas_buf_init(&pb, 0);
    daas_buf_init(&db, 0);
    dlg_die(daas_sched_pod_encode(&p, &pb, &e), &e, "encode pod");
    dlg_die(daas_sched_decide(st, &p, g->ts++, &res, &dec, &e), &e, "decide");
    if (!res.found)
        abort();
    daas_sched_result_fini(&res);
    dlg_die(daas_sched_decision_encode(&dec, &db, &e), &e, "encode decision");
    dlg_die(daas_sched_decision_sign(&dec, g->sk[k], sig, &e), &e, "sign");
    daas_declog_rec r = {.kind = DAAS_DECLOG_DECISION,
                         .index = idx,
                         .decision = DAAS_BYTES(db.data, db.len),
                         .pod = DAAS_BYTES(pb.data, pb.len)};
    memcpy(r.sig, sig, 64);
    memcpy(r.pk, g->pk[k], 32);
    dlg_add(g, &r);
    daas_sched_delta d = {.kind = DAAS_SCHED_POD_BOUND, .bound = {uid, dec.node, req, 2}};
    dlg_delta(g, st, &d);
    daas_buf_fini(&pb);
    daas_buf_fini(&db);
}

/* Leaf of the decision or rebalance plan in record body b. */
static inline void dlg_leaf(const daas_buf *b, uint8_t leaf[32])
{
    daas_declog_rec r;
    daas_sched_decision dec;
    daas_buf sb;
    daas_err e = {0};
    dlg_die(daas_declog_rec_decode(DAAS_BYTES(b->data, b->len), &r, &e), &e, "decode");
    if (r.kind == DAAS_DECLOG_REBALANCE) {
        daas_sched_rebalance_leaf(r.timestamp_ms, r.plan, leaf);
        return;
    }
    daas_buf_init(&sb, 0);
    dlg_die(daas_sched_decision_decode(r.decision, &dec, &e), &e, "decode decision");
    dlg_die(daas_sched_decision_signing_bytes(&dec, &sb, &e), &e, "signing bytes");
    daas_sched_merkle_leaf(DAAS_BYTES(sb.data, sb.len), leaf);
    daas_buf_fini(&sb);
}

/* A batch over the last `count` Decision and Rebalance records (indices first..), signed with
 * key k. */
static inline void dlg_batch(dlg *g, int k, uint64_t first, uint64_t count, const char *tx)
{
    uint8_t leaves[16][32];
    size_t n = 0;
    daas_err e = {0};
    daas_buf sb;
    for (size_t i = 0; i < g->n; i++) {
        if ((uint8_t)g->body[i].data[0] == DAAS_DECLOG_EPOCH)
            n = 0;
        if ((uint8_t)g->body[i].data[0] == DAAS_DECLOG_DECISION ||
            (uint8_t)g->body[i].data[0] == DAAS_DECLOG_REBALANCE)
            dlg_leaf(&g->body[i], leaves[n++ % 16]);
    }
    daas_declog_rec r = {
        .kind = DAAS_DECLOG_BATCH, .first = first, .count = count, .timestamp_ms = g->ts++};
    dlg_die(daas_sched_merkle_root((const uint8_t(*)[32])leaves[n - count], count, r.root, &e), &e,
            "root");
    daas_buf_init(&sb, 0);
    dlg_die(daas_sched_batch_signing_bytes(r.root, first, count, r.timestamp_ms, &sb, &e), &e,
            "batch bytes");
    crypto_sign_detached(r.sig, NULL, (const uint8_t *)sb.data, sb.len, g->sk[k]);
    memcpy(r.pk, g->pk[k], 32);
    if (tx != NULL) {
        r.has_tx = true;
        snprintf(r.tx_digest, sizeof r.tx_digest, "%s", tx);
    }
    dlg_add(g, &r);
    daas_buf_fini(&sb);
}

/* Logs the rebalance plan of req against st (the enclave's view: every delta so far) as the
 * enclave would return it: planned, signed with key k at the next timestamp, index idx. */
static inline void dlg_rebalance(dlg *g, const daas_sched_state *st, int k,
                                 const daas_sched_rebalance_req *req, uint64_t idx)
{
    daas_sched_plan p;
    daas_buf qb, pb;
    daas_err e = {0};
    daas_buf_init(&qb, 0);
    daas_buf_init(&pb, 0);
    dlg_die(daas_sched_rebalance_req_encode(req, &qb, &e), &e, "encode rebalance request");
    dlg_die(daas_sched_rebalance_plan(st, req, &p, &e), &e, "plan");
    dlg_die(daas_sched_rebalance_plan_encode(&p, &pb, &e), &e, "encode plan");
    daas_sched_rebalance_plan_fini(&p);
    daas_declog_rec r = {.kind = DAAS_DECLOG_REBALANCE,
                         .index = idx,
                         .plan = DAAS_BYTES(pb.data, pb.len),
                         .timestamp_ms = g->ts++,
                         .request = DAAS_BYTES(qb.data, qb.len)};
    dlg_die(daas_sched_rebalance_sign(r.timestamp_ms, r.plan, g->sk[k], r.sig, &e), &e,
            "sign plan");
    memcpy(r.pk, g->pk[k], 32);
    dlg_add(g, &r);
    daas_buf_fini(&qb);
    daas_buf_fini(&pb);
}

static inline void dlg_keys(dlg *g)
{
    for (int k = 0; k < 2; k++) {
        uint8_t seed[32];
        memset(seed, 0x11 * (k + 1), sizeof seed);
        crypto_sign_seed_keypair(g->pk[k], g->sk[k], seed);
    }
}

/* A PodBound delta for a pod the enclave did not place (cpu m, 1 GiB). */
static inline void dlg_bind(dlg *g, daas_sched_state *st, const char *uid, const char *node,
                            int64_t m)
{
    daas_sched_res req[2] = {{"cpu", m}, {"memory", (int64_t)1 << 30}};
    daas_sched_delta d = {.kind = DAAS_SCHED_POD_BOUND, .bound = {uid, node, req, 2}};
    dlg_delta(g, st, &d);
}

/* Record numbers of the rebalance log (dlg_build_rebalance). */
#define DLG_RB_DEC 2   /* the decision, index 0 */
#define DLG_RB_PLAN 7  /* the Rebalance record, index 1 */
#define DLG_RB_BATCH 8 /* batch 0..1 */
#define DLG_RB_ROUND 7 /* the request's round */

/*
 * The rebalance log: nodes r1 and r2 (owners 1 and 2, 4000m and 8 GiB each); a decision
 * (index 0) and its binding; w-1, w-2, w-3 (1200m each, controller ReplicaSet/web) bound to
 * r1 without a decision, so r1 runs over 80%; the plan of round 7 (threshold 80%, at most 4
 * evictions, index 1); a batch over indices 0..1.
 */
static inline void dlg_build_rebalance(dlg *g)
{
    static const daas_sched_res res[] = {{"cpu", 4000}, {"memory", 8LL << 30}, {"pods", 110}};
    static const daas_sched_rebalance_cand cands[] = {
        {"w-1", "default", "w-1", "ReplicaSet/web", NULL},
        {"w-2", "default", "w-2", "ReplicaSet/web", NULL},
        {"w-3", "default", "w-3", "ReplicaSet/web", NULL},
    };
    memset(g, 0, sizeof *g);
    g->ts = DLG_TS;
    dlg_keys(g);
    daas_sched_state *st = daas_sched_state_new();
    for (int i = 0; i < 2; i++) {
        daas_sched_node n = {
            .name = i ? "r2" : "r1", .stake = 100, .ready = true, .alloc = res, .n_alloc = 3};
        n.owner[0] = (uint8_t)(i + 1);
        daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = n};
        dlg_delta(g, st, &d);
    }
    dlg_pod(g, st, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        dlg_bind(g, st, cands[i].uid, "r1", 1200);
    daas_sched_rebalance_req q = {.round = DLG_RB_ROUND,
                                  .threshold_pct = 80,
                                  .max_evictions = 4,
                                  .cands = cands,
                                  .n_cands = 3};
    dlg_rebalance(g, st, 0, &q, 1);
    dlg_batch(g, 0, 0, 2, NULL);
    daas_sched_state_free(&st);
}

/*
 * The standard log: 3 node deltas; 6 decisions (each followed by its PodBound delta), batch
 * 0..2 after the third and 3..5 (with a tx digest) after the sixth. With two_epochs, then an
 * Epoch record for a second key, the nodes again from seq 1, 2 decisions and batch 0..1.
 */
static inline void dlg_build(dlg *g, bool two_epochs)
{
    memset(g, 0, sizeof *g);
    g->ts = DLG_TS;
    dlg_keys(g);
    daas_sched_state *st = daas_sched_state_new();
    dlg_nodes(g, st);
    for (int i = 0; i < 6; i++) {
        dlg_pod(g, st, 0, i, (uint64_t)i);
        if (i == 2)
            dlg_batch(g, 0, 0, 3, NULL);
    }
    dlg_batch(g, 0, 3, 3, "4Fy6fHqAKJhvbNCmbZUC93xRsPqYEJSobrRV3vX2ZJ3N");
    daas_sched_state_free(&st);
    if (!two_epochs)
        return;
    daas_declog_rec ep = {.kind = DAAS_DECLOG_EPOCH};
    memcpy(ep.pk, g->pk[1], 32);
    dlg_add(g, &ep);
    st = daas_sched_state_new();
    dlg_nodes(g, st);
    dlg_pod(g, st, 1, 0, 0);
    dlg_pod(g, st, 1, 1, 1);
    dlg_batch(g, 1, 0, 2, NULL);
    daas_sched_state_free(&st);
}

/* The file: magic and every record framed. */
static inline void dlg_file(const dlg *g, daas_buf *out)
{
    daas_err e = {0};
    daas_declog_rec r;
    dlg_die(daas_buf_append(out, DAAS_DECLOG_MAGIC, DAAS_DECLOG_MAGIC_LEN), &e, "magic");
    for (size_t i = 0; i < g->n; i++) {
        dlg_die(daas_declog_rec_decode(DAAS_BYTES(g->body[i].data, g->body[i].len), &r, &e), &e,
                "decode");
        dlg_die(daas_declog_frame(&r, out, &e), &e, "frame");
    }
}

static inline void dlg_fini(dlg *g)
{
    for (size_t i = 0; i < g->n; i++)
        daas_buf_fini(&g->body[i]);
    g->n = 0;
}

/* Rewrites record i's decision with f applied (re-signed with key k when resign). */
static inline void dlg_edit_decision(dlg *g, size_t i, void (*f)(daas_sched_decision *),
                                     bool resign, int k)
{
    daas_declog_rec r;
    daas_sched_decision dec;
    daas_buf db, nb;
    daas_err e = {0};
    daas_buf_init(&db, 0);
    daas_buf_init(&nb, 0);
    dlg_die(daas_declog_rec_decode(DAAS_BYTES(g->body[i].data, g->body[i].len), &r, &e), &e, "dec");
    dlg_die(daas_sched_decision_decode(r.decision, &dec, &e), &e, "decision");
    f(&dec);
    dlg_die(daas_sched_decision_encode(&dec, &db, &e), &e, "encode");
    if (resign)
        dlg_die(daas_sched_decision_sign(&dec, g->sk[k], r.sig, &e), &e, "sign");
    r.decision = DAAS_BYTES(db.data, db.len);
    dlg_die(daas_declog_rec_encode(&r, &nb, &e), &e, "record");
    daas_buf_fini(&g->body[i]);
    g->body[i] = nb;
    daas_buf_fini(&db);
}

/* Rewrites Rebalance record i's plan with f applied, re-encoded canonically (re-signed with
 * key k when resign). */
static inline void dlg_edit_plan(dlg *g, size_t i, void (*f)(daas_sched_plan *), bool resign, int k)
{
    daas_declog_rec r;
    daas_sched_plan p;
    daas_buf pb, nb;
    daas_err e = {0};
    daas_buf_init(&pb, 0);
    daas_buf_init(&nb, 0);
    dlg_die(daas_declog_rec_decode(DAAS_BYTES(g->body[i].data, g->body[i].len), &r, &e), &e, "dec");
    dlg_die(daas_sched_rebalance_plan_decode(r.plan, &p, &e), &e, "plan");
    f(&p);
    dlg_die(daas_sched_rebalance_plan_encode(&p, &pb, &e), &e, "encode plan");
    daas_sched_rebalance_plan_fini(&p);
    r.plan = DAAS_BYTES(pb.data, pb.len);
    if (resign)
        dlg_die(daas_sched_rebalance_sign(r.timestamp_ms, r.plan, g->sk[k], r.sig, &e), &e, "sign");
    dlg_die(daas_declog_rec_encode(&r, &nb, &e), &e, "record");
    daas_buf_fini(&g->body[i]);
    g->body[i] = nb;
    daas_buf_fini(&pb);
}

#endif
