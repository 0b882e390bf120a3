/*
 * test_declog.c: the decision log and its replay: a log written by running the core
 *                in-process (declog_gen.h) verifies; each single alteration (a decision's
 *                node, score or signature, a delta, a batch root, two records swapped, a
 *                corrupt middle frame, an untrusted key) fails naming the right record and
 *                reason; a torn last record is a warning, not a failure; the writer appends,
 *                syncs and cuts a torn tail on reopen; batches match chain events; Rebalance
 *                records are re-planned, their signatures and indices checked, and batched
 *                with decisions.
 *
 * Owns:   each test's log and files under DAAS_TEST_TMP (or /tmp), removed before it returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "declog_gen.h"

/* Record numbers in the standard log (see dlg_build). */
#define REC_DEC0 3
#define REC_DELTA0 4
#define REC_DEC1 5
#define REC_BATCH0 9
#define REC_DEC5 14
#define REC_BATCH1 16
#define N_RECS 17

static int run(const dlg *g, const uint8_t (*keys)[32], size_t nk, daas_declog_report *rep,
               daas_err *err)
{
    daas_buf f;
    daas_buf_init(&f, 0);
    dlg_file(g, &f);
    int rc = daas_declog_verify(DAAS_BYTES(f.data, f.len), keys, nk, rep, err);
    daas_buf_fini(&f);
    return rc;
}

/* Expects a failure with code at record rec whose reason contains what. */
static void expect_fail(const dlg *g, int code, uint64_t rec, const char *what)
{
    daas_declog_report rep;
    daas_err err = {0};
    int rc = run(g, NULL, 0, &rep, &err);
    if (rc != code || rep.fail_record != rec || strstr(rep.reason, what) == NULL)
        fprintf(stderr, "got rc %d record %llu: %s\n", rc, (unsigned long long)rep.fail_record,
                rep.reason);
    assert_int_equal(rc, code);
    assert_false(rep.ok);
    assert_true(rep.has_failure);
    assert_int_equal(rep.fail_record, rec);
    assert_non_null(strstr(rep.reason, what));
    assert_int_equal(err.code, code);
    daas_declog_report_fini(&rep);
}

static void test_verify_ok(void **state)
{
    (void)state;
    dlg g;
    daas_declog_report rep;
    daas_err err = {0};
    dlg_build(&g, true);
    assert_int_equal(run(&g, NULL, 0, &rep, &err), DAAS_OK);
    assert_true(rep.ok);
    assert_true(rep.any_key);
    assert_false(rep.torn_tail);
    assert_int_equal(rep.decisions, 8);
    assert_int_equal(rep.batches, 3);
    assert_int_equal(rep.deltas, 3 + 6 + 3 + 2);
    assert_int_equal(rep.epochs, 1);
    assert_int_equal(rep.records, g.n);
    assert_int_equal(rep.n_batch_list, 3);
    assert_int_equal(rep.batch_list[1].record, REC_BATCH1);
    assert_int_equal(rep.batch_list[1].first, 3);
    daas_declog_report_fini(&rep);

    /* Both keys trusted: still fine, and not "any key". */
    assert_int_equal(run(&g, (const uint8_t(*)[32])g.pk, 2, &rep, &err), DAAS_OK);
    assert_false(rep.any_key);
    daas_declog_report_fini(&rep);
    /* Only the first: the Epoch record of the second key is refused. */
    assert_int_equal(run(&g, (const uint8_t(*)[32])g.pk, 1, &rep, &err), DAAS_EDENIED);
    assert_int_equal(rep.fail_record, N_RECS);
    assert_non_null(strstr(rep.reason, "not a trusted key"));
    daas_declog_report_fini(&rep);
    dlg_fini(&g);
}

static void set_node(daas_sched_decision *d)
{
    snprintf(d->node, sizeof d->node, "n1");
}
static void set_score(daas_sched_decision *d)
{
    d->score += 1;
}

static void test_altered_decisions(void **state)
{
    (void)state;
    dlg g;
    dlg_build(&g, false);
    daas_declog_rec r;
    daas_sched_decision dec;
    assert_int_equal(
        daas_declog_rec_decode(DAAS_BYTES(g.body[REC_DEC0].data, g.body[REC_DEC0].len), &r, NULL),
        DAAS_OK);
    assert_int_equal(daas_sched_decision_decode(r.decision, &dec, NULL), DAAS_OK);
    assert_string_equal(dec.node, "n2"); /* the big node wins the first pod */

    dlg_edit_decision(&g, REC_DEC0, set_node, true, 0);
    expect_fail(&g, DAAS_EINVALID, REC_DEC0, "on node n1, the algorithm chooses n2");
    dlg_fini(&g);

    dlg_build(&g, false);
    dlg_edit_decision(&g, REC_DEC5, set_score, true, 0);
    expect_fail(&g, DAAS_EINVALID, REC_DEC5, "score");
    dlg_fini(&g);

    /* A decision byte changed without re-signing: the algorithm check names it first. */
    dlg_build(&g, false);
    g.body[REC_DEC1].data[1 + 8 + 1 + 70] ^= 1; /* inside the decision bytes */
    daas_declog_report rep;
    assert_int_equal(run(&g, NULL, 0, &rep, NULL), DAAS_EINVALID);
    assert_int_equal(rep.fail_record, REC_DEC1);
    daas_declog_report_fini(&rep);
    dlg_fini(&g);

    /* Only the signature changed: a signature failure. */
    dlg_build(&g, false);
    assert_int_equal(
        daas_declog_rec_decode(DAAS_BYTES(g.body[REC_DEC1].data, g.body[REC_DEC1].len), &r, NULL),
        DAAS_OK);
    /* re-encode with one signature bit flipped */
    r.sig[10] ^= 0x80;
    daas_buf nb;
    daas_buf_init(&nb, 0);
    assert_int_equal(daas_declog_rec_encode(&r, &nb, NULL), DAAS_OK);
    daas_buf_fini(&g.body[REC_DEC1]);
    g.body[REC_DEC1] = nb;
    expect_fail(&g, DAAS_ECRYPTO, REC_DEC1, "decision signature does not verify");
    dlg_fini(&g);
}

static void test_altered_delta(void **state)
{
    (void)state;
    dlg g;
    dlg_build(&g, false);
    /* The first PodBound delta's requests change (cpu 500 -> 501, same length): the delta
     * still applies, but the next decision's state digest is no longer the replay's. */
    daas_declog_rec r;
    assert_int_equal(daas_declog_rec_decode(
                         DAAS_BYTES(g.body[REC_DELTA0].data, g.body[REC_DELTA0].len), &r, NULL),
                     DAAS_OK);
    daas_sched_delta d;
    assert_int_equal(daas_sched_delta_decode(r.delta, &d, NULL), DAAS_OK);
    daas_sched_res req[2] = {d.bound.requests[0], d.bound.requests[1]};
    req[0].qty += 1;
    d.bound.requests = req;
    daas_buf db, nb;
    daas_buf_init(&db, 0);
    daas_buf_init(&nb, 0);
    assert_int_equal(daas_sched_delta_encode(&d, &db, NULL), DAAS_OK);
    r.delta = DAAS_BYTES(db.data, db.len);
    assert_int_equal(daas_declog_rec_encode(&r, &nb, NULL), DAAS_OK);
    daas_sched_delta_fini(&d);
    daas_buf_fini(&db);
    daas_buf_fini(&g.body[REC_DELTA0]);
    g.body[REC_DELTA0] = nb;
    expect_fail(&g, DAAS_EINVALID, REC_DEC1, "state digest differs");
    dlg_fini(&g);

    /* A delta that does not apply (its seq bytes changed) fails at itself. */
    dlg_build(&g, false);
    g.body[REC_DELTA0].data[2] ^= 0x40; /* kind(1) len(1) then seq u64 LE */
    expect_fail(&g, DAAS_EINVALID, REC_DELTA0, "delta does not apply");
    dlg_fini(&g);
}

static void test_altered_batch(void **state)
{
    (void)state;
    dlg g;
    dlg_build(&g, false);
    g.body[REC_BATCH0].data[1 + 16 + 5] ^= 1; /* kind, first, count, root */
    expect_fail(&g, DAAS_EINVALID, REC_BATCH0, "not the Merkle root of decisions 0..2");
    dlg_fini(&g);

    dlg_build(&g, false);
    g.body[REC_BATCH1].data[1 + 16 + 32 + 8 + 3] ^= 1; /* the signature */
    expect_fail(&g, DAAS_ECRYPTO, REC_BATCH1, "batch signature does not verify");
    dlg_fini(&g);

    dlg_build(&g, false);
    g.body[REC_BATCH1].data[1 + 8] = 4; /* count 3 -> 4: index 6 is not in the log */
    expect_fail(&g, DAAS_EINVALID, REC_BATCH1, "does not hold");
    dlg_fini(&g);
}

static void test_reordered(void **state)
{
    (void)state;
    dlg g;
    dlg_build(&g, false);
    /* The decision and the binding delta that follows it, swapped: the decision is checked
     * against a state one delta further on. */
    daas_buf t = g.body[REC_DEC1];
    g.body[REC_DEC1] = g.body[REC_DEC1 + 1];
    g.body[REC_DEC1 + 1] = t;
    expect_fail(&g, DAAS_EINVALID, REC_DEC1 + 1, "state seq");
    dlg_fini(&g);

    /* Two decisions swapped (with their deltas): the index goes backwards. */
    dlg_build(&g, false);
    for (int k = 0; k < 2; k++) {
        t = g.body[REC_DEC0 + k];
        g.body[REC_DEC0 + k] = g.body[REC_DEC1 + k];
        g.body[REC_DEC1 + k] = t;
    }
    daas_declog_report rep;
    assert_int_equal(run(&g, NULL, 0, &rep, NULL), DAAS_EINVALID);
    assert_int_equal(rep.fail_record, REC_DEC0);
    daas_declog_report_fini(&rep);
    dlg_fini(&g);
}

static void test_torn_and_corrupt(void **state)
{
    (void)state;
    dlg g;
    daas_buf f;
    daas_declog_report rep;
    dlg_build(&g, false);
    daas_buf_init(&f, 0);
    dlg_file(&g, &f);
    size_t full = f.len;
    /* Every cut inside the last frame: a torn tail, the rest verifies. */
    size_t last = full - (DAAS_DECLOG_FRAME_HEAD + g.body[N_RECS - 1].len);
    for (size_t cut = last + 1; cut < full; cut += 7) {
        assert_int_equal(daas_declog_verify(DAAS_BYTES(f.data, cut), NULL, 0, &rep, NULL), DAAS_OK);
        assert_true(rep.torn_tail);
        assert_int_equal(rep.records, N_RECS - 1);
        assert_int_equal(rep.batches, 1);
        daas_declog_report_fini(&rep);
    }
    /* A flipped byte in the last frame's body: also a torn tail (its checksum fails). */
    f.data[full - 3] ^= 1;
    assert_int_equal(daas_declog_verify(DAAS_BYTES(f.data, full), NULL, 0, &rep, NULL), DAAS_OK);
    assert_true(rep.torn_tail);
    daas_declog_report_fini(&rep);
    f.data[full - 3] ^= 1;
    /* The same in a middle frame is corruption, named. */
    size_t mid = DAAS_DECLOG_MAGIC_LEN;
    for (int i = 0; i < REC_DEC1; i++)
        mid += DAAS_DECLOG_FRAME_HEAD + g.body[i].len;
    f.data[mid + DAAS_DECLOG_FRAME_HEAD + 20] ^= 1;
    assert_int_equal(daas_declog_verify(DAAS_BYTES(f.data, full), NULL, 0, &rep, NULL),
                     DAAS_EINVALID);
    assert_int_equal(rep.fail_record, REC_DEC1);
    assert_int_equal(rep.fail_offset, mid);
    assert_non_null(strstr(rep.reason, "checksum mismatch"));
    daas_declog_report_fini(&rep);
    /* A huge length in a middle frame; a missing magic. */
    f.data[mid + DAAS_DECLOG_FRAME_HEAD + 20] ^= 1;
    f.data[mid + 3] = 0x7f;
    assert_int_equal(daas_declog_verify(DAAS_BYTES(f.data, full), NULL, 0, &rep, NULL),
                     DAAS_EINVALID);
    assert_int_equal(rep.fail_record, REC_DEC1);
    assert_non_null(strstr(rep.reason, "bad frame length"));
    daas_declog_report_fini(&rep);
    assert_int_equal(daas_declog_verify(DAAS_BYTES("DAASDLG2", 8), NULL, 0, &rep, NULL),
                     DAAS_EINVALID);
    daas_declog_report_fini(&rep);
    daas_buf_fini(&f);
    dlg_fini(&g);
}

static void test_records_strict(void **state)
{
    (void)state;
    daas_declog_rec r = {.kind = DAAS_DECLOG_BATCH, .first = 1, .count = 2, .has_tx = true};
    snprintf(r.tx_digest, sizeof r.tx_digest, "abc");
    daas_buf b;
    daas_declog_rec back;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_declog_rec_encode(&r, &b, NULL), DAAS_OK);
    assert_int_equal(b.len, 1 + 8 + 8 + 32 + 8 + 64 + 32 + 1 + 4);
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, b.len), &back, NULL), DAAS_OK);
    assert_string_equal(back.tx_digest, "abc");
    /* trailing byte, bad option tag, unknown kind, bad digest */
    assert_int_equal(daas_buf_append(&b, "", 1), DAAS_OK);
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, b.len), &back, NULL), DAAS_EINVAL);
    b.len--;
    b.data[b.len - 5] = 2;
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, b.len), &back, NULL), DAAS_EINVAL);
    b.data[0] = 4;
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, b.len), &back, NULL), DAAS_EINVAL);
    snprintf(r.tx_digest, sizeof r.tx_digest, "a b");
    assert_int_equal(daas_declog_rec_encode(&r, &b, NULL), DAAS_EINVAL);
    daas_buf_fini(&b);
}

static char *tmp_path(const char *name)
{
    const char *d = getenv("DAAS_TEST_TMP");
    if (d == NULL || daas_mkdir_p(d, NULL) != DAAS_OK)
        d = "/tmp";
    return daas_xasprintf("%s/%s.%d", d, name, (int)getpid());
}

static void test_writer(void **state)
{
    (void)state;
    dlg g;
    daas_declog_writer *w = NULL;
    daas_declog_rec r;
    daas_buf f;
    daas_declog_report rep;
    daas_err err = {0};
    char *path = tmp_path("declog");
    unlink(path);
    dlg_build(&g, false);
    /* First half with one policy, the rest after a reopen with another. */
    assert_int_equal(daas_declog_writer_open(path, DAAS_DECLOG_SYNC_EACH, &w, &err), DAAS_OK);
    for (size_t i = 0; i < g.n; i++) {
        if (i == 8) {
            daas_declog_writer_close(&w);
            assert_null(w);
            assert_int_equal(daas_declog_writer_open(path, DAAS_DECLOG_SYNC_BATCH, &w, &err),
                             DAAS_OK);
        }
        assert_int_equal(
            daas_declog_rec_decode(DAAS_BYTES(g.body[i].data, g.body[i].len), &r, NULL), DAAS_OK);
        assert_int_equal(daas_declog_append(w, &r, &err), DAAS_OK);
    }
    assert_int_equal(daas_declog_sync(w, &err), DAAS_OK);
    daas_declog_writer_close(&w);
    daas_buf_init(&f, 0);
    assert_int_equal(daas_declog_load(path, &f, &err), DAAS_OK);
    daas_buf ref;
    daas_buf_init(&ref, 0);
    dlg_file(&g, &ref);
    assert_int_equal(f.len, ref.len);
    assert_memory_equal(f.data, ref.data, f.len);
    /* A crash mid-append: the tail is cut at the next open, and appends continue. */
    assert_int_equal(truncate(path, (off_t)f.len - 5), 0);
    assert_int_equal(daas_declog_writer_open(path, DAAS_DECLOG_SYNC_NONE, &w, &err), DAAS_OK);
    assert_int_equal(daas_declog_rec_decode(
                         DAAS_BYTES(g.body[N_RECS - 1].data, g.body[N_RECS - 1].len), &r, NULL),
                     DAAS_OK);
    assert_int_equal(daas_declog_append(w, &r, &err), DAAS_OK);
    daas_declog_writer_close(&w);
    daas_buf_reset(&f);
    assert_int_equal(daas_declog_load(path, &f, &err), DAAS_OK);
    assert_int_equal(f.len, ref.len);
    assert_int_equal(daas_declog_verify(DAAS_BYTES(f.data, f.len), NULL, 0, &rep, &err), DAAS_OK);
    assert_false(rep.torn_tail);
    daas_declog_report_fini(&rep);
    /* Not a log: refused and left alone; a missing directory: ENOTFOUND. */
    assert_int_equal(truncate(path, 3), 0);
    assert_int_equal(daas_declog_writer_open(path, DAAS_DECLOG_SYNC_NONE, &w, NULL), DAAS_EINVAL);
    assert_null(w);
    assert_int_equal(daas_declog_writer_open("/nonexistent/x", 0, &w, NULL), DAAS_ENOTFOUND);
    assert_int_equal(daas_declog_load("/nonexistent/x", &f, NULL), DAAS_ENOTFOUND);
    unlink(path);
    daas_free(path);
    daas_buf_fini(&f);
    daas_buf_fini(&ref);
    dlg_fini(&g);
}

static json_t *event_json(const daas_declog_batch *b, bool base64)
{
    char *root = base64 ? daas_base64_encode(b->root, 32) : NULL;
    json_t *arr = json_array();
    for (int i = 0; i < 32 && !base64; i++)
        json_array_append_new(arr, json_integer(b->root[i]));
    char first[24];
    snprintf(first, sizeof first, "%llu", (unsigned long long)b->first);
    json_t *j = json_pack("{s:o,s:s,s:I}", "root", base64 ? json_string(root) : json_incref(arr),
                          "first_seq", first, "count", (json_int_t)b->count);
    json_decref(arr);
    daas_free(root);
    return j;
}

static void test_chain_match(void **state)
{
    (void)state;
    dlg g;
    daas_declog_report rep;
    daas_err err = {0};
    dlg_build(&g, false);
    assert_int_equal(run(&g, NULL, 0, &rep, NULL), DAAS_OK);
    daas_sui_event ev[3] = {{0}};
    ev[0].json = event_json(&rep.batch_list[1], true); /* out of order on purpose */
    ev[1].json = event_json(&rep.batch_list[0], false);
    ev[2].json = json_pack("{s:s,s:s,s:s}", "root", "", "first_seq", "99", "count", "1");
    assert_int_equal(daas_declog_match_events(ev, 2, &rep, &err), DAAS_OK);
    assert_int_equal(rep.chain_checked, 2);
    assert_true(rep.ok);
    assert_int_equal(daas_declog_match_events(ev, 3, &rep, NULL), DAAS_EREMOTE);
    /* Only the first batch committed: the second is named. */
    assert_int_equal(daas_declog_match_events(&ev[1], 1, &rep, &err), DAAS_ENOTFOUND);
    assert_false(rep.ok);
    assert_int_equal(rep.fail_record, REC_BATCH1);
    assert_non_null(strstr(rep.reason, "no BatchCommitted event"));
    for (int i = 0; i < 3; i++)
        json_decref(ev[i].json);
    daas_declog_report_fini(&rep);
    dlg_fini(&g);
}

/* ---- rebalance plans ---- */

/* Replaces g's record i by rec re-encoded. */
static void put_rec(dlg *g, size_t i, const daas_declog_rec *rec)
{
    daas_buf nb;
    daas_buf_init(&nb, 0);
    assert_int_equal(daas_declog_rec_encode(rec, &nb, NULL), DAAS_OK);
    daas_buf_fini(&g->body[i]);
    g->body[i] = nb;
}

static void get_rec(const dlg *g, size_t i, daas_declog_rec *rec)
{
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(g->body[i].data, g->body[i].len), rec, NULL),
                     DAAS_OK);
}

static void test_rebalance_ok(void **state)
{
    (void)state;
    dlg g;
    daas_declog_report rep;
    daas_declog_rec r;
    daas_sched_plan p;
    daas_err err = {0};
    dlg_build_rebalance(&g);
    assert_int_equal(g.n, DLG_RB_BATCH + 1);
    get_rec(&g, DLG_RB_DEC, &r);
    assert_int_equal(r.kind, DAAS_DECLOG_DECISION);
    assert_int_equal(r.index, 0);
    /* The generated plan really evicts a w- pod from r1 (it is not a trivial empty plan). */
    get_rec(&g, DLG_RB_PLAN, &r);
    assert_int_equal(r.kind, DAAS_DECLOG_REBALANCE);
    assert_int_equal(r.index, 1);
    assert_int_equal(daas_sched_rebalance_plan_decode(r.plan, &p, NULL), DAAS_OK);
    assert_int_equal(p.round, DLG_RB_ROUND);
    assert_true(p.n_evictions >= 1);
    assert_string_equal(p.evictions[0].node, "r1");
    assert_int_equal(strncmp(p.evictions[0].uid, "w-", 2), 0);
    assert_int_equal(p.evictions[0].reason, DAAS_SCHED_EVICT_OVERLOAD);
    daas_sched_rebalance_plan_fini(&p);

    int rc = run(&g, (const uint8_t(*)[32])g.pk, 1, &rep, &err);
    if (rc != DAAS_OK)
        fail_msg("%s", err.msg);
    assert_true(rep.ok);
    assert_int_equal(rep.plans, 1);
    assert_int_equal(rep.decisions, 1);
    assert_int_equal(rep.admissions, 0);
    assert_int_equal(rep.deltas, 6);
    assert_int_equal(rep.records, g.n);
    /* The batch's root covers the decision (index 0) and the plan (index 1). */
    assert_int_equal(rep.batches, 1);
    assert_int_equal(rep.batch_list[0].record, DLG_RB_BATCH);
    assert_int_equal(rep.batch_list[0].first, 0);
    assert_int_equal(rep.batch_list[0].count, 2);
    daas_declog_report_fini(&rep);
    dlg_fini(&g);
}

static void rename_eviction(daas_sched_plan *p)
{
    p->evictions[0].name = "w-9"; /* same length, still a valid name */
}

static void test_rebalance_altered(void **state)
{
    (void)state;
    dlg g;
    daas_declog_rec r;
    /* One byte of an eviction's name changed, the plan re-encoded and re-signed: only the
     * re-planning catches it. */
    dlg_build_rebalance(&g);
    dlg_edit_plan(&g, DLG_RB_PLAN, rename_eviction, true, 0);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN,
                "rebalance plan differs from the planner's (round 7)");
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN, "evicts default/w-9");
    dlg_fini(&g);

    /* The same change without re-signing: still the planner's mismatch first. */
    dlg_build_rebalance(&g);
    dlg_edit_plan(&g, DLG_RB_PLAN, rename_eviction, false, 0);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN, "differs from the planner's");
    dlg_fini(&g);

    /* Only the signature changed. */
    dlg_build_rebalance(&g);
    get_rec(&g, DLG_RB_PLAN, &r);
    r.sig[5] ^= 0x04;
    put_rec(&g, DLG_RB_PLAN, &r);
    expect_fail(&g, DAAS_ECRYPTO, DLG_RB_PLAN, "rebalance signature does not verify");
    dlg_fini(&g);

    /* The signing time changed: the signature covers it. */
    dlg_build_rebalance(&g);
    get_rec(&g, DLG_RB_PLAN, &r);
    r.timestamp_ms++;
    put_rec(&g, DLG_RB_PLAN, &r);
    expect_fail(&g, DAAS_ECRYPTO, DLG_RB_PLAN, "rebalance signature does not verify");
    dlg_fini(&g);

    /* The index does not follow the decision's (0). */
    dlg_build_rebalance(&g);
    get_rec(&g, DLG_RB_PLAN, &r);
    r.index = 0;
    put_rec(&g, DLG_RB_PLAN, &r);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN, "rebalance index 0 does not follow 0");
    dlg_fini(&g);

    /* Signed by the other key within the epoch. */
    dlg_build_rebalance(&g);
    get_rec(&g, DLG_RB_PLAN, &r);
    memcpy(r.pk, g.pk[1], 32);
    put_rec(&g, DLG_RB_PLAN, &r);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN, "not the epoch's key");
    dlg_fini(&g);
}

static void test_rebalance_context(void **state)
{
    (void)state;
    dlg g;
    daas_declog_rec r;
    /* The plan logged before the last binding it was planned after: the replay's state is
     * one delta short, so the planner's plan (state seq) differs. */
    dlg_build_rebalance(&g);
    daas_buf t = g.body[DLG_RB_PLAN];
    g.body[DLG_RB_PLAN] = g.body[DLG_RB_PLAN - 1];
    g.body[DLG_RB_PLAN - 1] = t;
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN - 1, "state seq 6, the replay is at 5");
    dlg_fini(&g);

    /* A request that is not the one planned (round changed): the request digest and round
     * no longer match the plan's. */
    dlg_build_rebalance(&g);
    get_rec(&g, DLG_RB_PLAN, &r);
    daas_sched_rebalance_req q;
    daas_buf qb;
    daas_buf_init(&qb, 0);
    assert_int_equal(daas_sched_rebalance_req_decode(r.request, &q, NULL), DAAS_OK);
    q.round = 8;
    assert_int_equal(daas_sched_rebalance_req_encode(&q, &qb, NULL), DAAS_OK);
    daas_sched_rebalance_req_fini(&q);
    r.request = DAAS_BYTES(qb.data, qb.len);
    put_rec(&g, DLG_RB_PLAN, &r);
    daas_buf_fini(&qb);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN, "(round 8): it is for round 7");
    dlg_fini(&g);

    /* A request that does not decode (a byte cut off its end). */
    dlg_build_rebalance(&g);
    get_rec(&g, DLG_RB_PLAN, &r);
    r.request.len--;
    put_rec(&g, DLG_RB_PLAN, &r);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_PLAN, "rebalance request: ");
    dlg_fini(&g);

    /* A batch over the plan alone (index 1) also verifies; one over 1..2 names missing
     * entries. */
    dlg_build_rebalance(&g);
    g.n--; /* drop batch 0..1 */
    daas_buf_fini(&g.body[g.n]);
    dlg_batch(&g, 0, 1, 1, NULL);
    daas_declog_report rep;
    assert_int_equal(run(&g, NULL, 0, &rep, NULL), DAAS_OK);
    assert_int_equal(rep.batches, 1);
    assert_int_equal(rep.plans, 1);
    daas_declog_report_fini(&rep);
    get_rec(&g, DLG_RB_BATCH, &r);
    r.count = 2;
    put_rec(&g, DLG_RB_BATCH, &r);
    expect_fail(&g, DAAS_EINVALID, DLG_RB_BATCH, "does not hold");
    dlg_fini(&g);
}

static void test_rebalance_record(void **state)
{
    (void)state;
    static const uint8_t plan[] = {1, 2, 3}, req[] = {9, 8, 7, 6, 5};
    daas_declog_rec r = {.kind = DAAS_DECLOG_REBALANCE,
                         .index = 0x0102030405060708ULL,
                         .plan = DAAS_BYTES(plan, sizeof plan),
                         .timestamp_ms = DLG_TS,
                         .request = DAAS_BYTES(req, sizeof req)};
    memset(r.sig, 0xaa, sizeof r.sig);
    memset(r.pk, 0xbb, sizeof r.pk);
    daas_buf b;
    daas_declog_rec back;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_declog_rec_encode(&r, &b, NULL), DAAS_OK);
    size_t want = 1 + 8 + (1 + sizeof plan) + 8 + 64 + 32 + (1 + sizeof req);
    assert_int_equal(b.len, want);
    assert_int_equal((uint8_t)b.data[0], 5);
    assert_int_equal((uint8_t)b.data[1], 0x08); /* index u64 LE */
    assert_int_equal((uint8_t)b.data[9], sizeof plan);
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, b.len), &back, NULL), DAAS_OK);
    assert_int_equal(back.kind, DAAS_DECLOG_REBALANCE);
    assert_int_equal(back.index, r.index);
    assert_int_equal(back.timestamp_ms, DLG_TS);
    assert_int_equal(back.plan.len, sizeof plan);
    assert_memory_equal(back.plan.ptr, plan, sizeof plan);
    assert_int_equal(back.request.len, sizeof req);
    assert_memory_equal(back.request.ptr, req, sizeof req);
    assert_memory_equal(back.sig, r.sig, 64);
    assert_memory_equal(back.pk, r.pk, 32);
    assert_int_equal(back.decision.len, 0);
    assert_int_equal(back.rules.len, 0);
    /* Every truncation and a trailing byte are refused. */
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, n), &back, NULL), DAAS_EINVAL);
    assert_int_equal(daas_buf_append(&b, "", 1), DAAS_OK);
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, b.len), &back, NULL), DAAS_EINVAL);
    /* A non-canonical ULEB128 length of the plan (3 as 0x83 0x00) is refused. */
    daas_buf nc;
    daas_buf_init(&nc, 0);
    assert_int_equal(daas_buf_append(&nc, b.data, 9), DAAS_OK);
    assert_int_equal(daas_buf_append(&nc, "\x83\x00", 2), DAAS_OK);
    assert_int_equal(daas_buf_append(&nc, b.data + 10, want - 10), DAAS_OK);
    assert_int_equal(nc.len, want + 1);
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(nc.data, nc.len), &back, NULL), DAAS_EINVAL);
    daas_buf_fini(&nc);
    /* Kind 6 is unknown to both sides; a plan over the cap is refused by the encoder. */
    b.data[0] = 6;
    assert_int_equal(daas_declog_rec_decode(DAAS_BYTES(b.data, want), &back, NULL), DAAS_EINVAL);
    daas_buf_reset(&b);
    r.kind = 6;
    assert_int_equal(daas_declog_rec_encode(&r, &b, NULL), DAAS_EINVAL);
    r.kind = DAAS_DECLOG_REBALANCE;
    r.plan.len = DAAS_SCHED_MAX_DELTA_BYTES + 1;
    assert_int_equal(daas_declog_rec_encode(&r, &b, NULL), DAAS_EINVAL);
    daas_buf_fini(&b);
}

static void test_rebalance_writer(void **state)
{
    (void)state;
    dlg g;
    daas_declog_writer *w = NULL;
    daas_declog_rec r;
    daas_buf f, ref;
    daas_declog_report rep;
    daas_err err = {0};
    char *path = tmp_path("declog-rb");
    unlink(path);
    dlg_build_rebalance(&g);
    /* The server's way: each record through daas_declog_append. */
    assert_int_equal(daas_declog_writer_open(path, DAAS_DECLOG_SYNC_EACH, &w, &err), DAAS_OK);
    for (size_t i = 0; i < g.n; i++) {
        get_rec(&g, i, &r);
        assert_int_equal(daas_declog_append(w, &r, &err), DAAS_OK);
    }
    daas_declog_writer_close(&w);
    daas_buf_init(&f, 0);
    daas_buf_init(&ref, 0);
    assert_int_equal(daas_declog_load(path, &f, &err), DAAS_OK);
    dlg_file(&g, &ref);
    assert_int_equal(f.len, ref.len);
    assert_memory_equal(f.data, ref.data, f.len);
    assert_int_equal(daas_declog_verify(DAAS_BYTES(f.data, f.len), NULL, 0, &rep, &err), DAAS_OK);
    assert_int_equal(rep.plans, 1);
    daas_declog_report_fini(&rep);
    unlink(path);
    daas_free(path);
    daas_buf_fini(&f);
    daas_buf_fini(&ref);
    dlg_fini(&g);
}

int main(void)
{
    daas_log_set_level(DAAS_LOG_ERROR);
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_ok),         cmocka_unit_test(test_altered_decisions),
        cmocka_unit_test(test_altered_delta),     cmocka_unit_test(test_altered_batch),
        cmocka_unit_test(test_reordered),         cmocka_unit_test(test_torn_and_corrupt),
        cmocka_unit_test(test_records_strict),    cmocka_unit_test(test_writer),
        cmocka_unit_test(test_chain_match),       cmocka_unit_test(test_rebalance_ok),
        cmocka_unit_test(test_rebalance_altered), cmocka_unit_test(test_rebalance_context),
        cmocka_unit_test(test_rebalance_record),  cmocka_unit_test(test_rebalance_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
