/*
 * test_state.c: the cluster view: the digest chain against bytes and digests computed
 *               independently (Python hashlib from the layout in sched.h), seq gaps, failed
 *               deltas leaving the state untouched, orphans, re-binds, owner changes, limits,
 *               the accounting invariants after a long random stream, and determinism: two
 *               independent states (structs vs BCS bytes) and a replay from scratch give the
 *               same digests and the same decisions byte for byte.
 *
 * Owns:   nothing beyond each test's states and buffers (freed before the test returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "sched/sched_int.h"
#include "sched_test.h"

static const char *digest_hex(const daas_sched_state *st)
{
    uint8_t d[32];
    daas_sched_state_digest(st, d);
    return t_hex(d, 32);
}

/* The node of the golden deltas. */
static void golden_node(tnode *t)
{
    tnode_init(t, "node-a", 4000, 8 * GiB, 1, 1000);
    tnode_res(t, "aws.ec2.nitro/nitro_enclaves", 1);
    tnode_label(t, "zone", "eu-1a");
    tnode_taint(t, "dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE);
}

static void test_empty(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    assert_int_equal(daas_sched_state_seq(st), 0);
    assert_string_equal(digest_hex(st),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(daas_sched_state_nodes(st), 0);
    assert_int_equal(daas_sched_state_pods(st), 0);
    daas_sched_state_free(&st);
    assert_null(st);
    daas_sched_state_free(&st);
    daas_sched_state_free(NULL);
}

static void test_digest_chain_golden(void **state)
{
    (void)state;
    static const char *const want_bcs[] = {
        "010000000000000000066e6f64652d6101000000000000000000000000000000000000000000000000"
        "00000000000000e8030000000000000100031c6177732e6563322e6e6974726f2f6e6974726f5f656e"
        "636c61766573010000000000000003637075a00f000000000000066d656d6f72790000000002000000"
        "01047a6f6e650565752d3161010964656469636174656402646201",
        "02000000000000000203752d31066e6f64652d610103637075f401000000000000",
        "03000000000000000303752d31",
        "040000000000000001066e6f64652d61",
    };
    static const char *const want_digest[] = {
        "7635386ff3597c9dcaea78b4e36a51cb03559837f39df52d3ce8be1482467343",
        "1899318fe16f3d464004e7bfa7eafa0192af118365063e66081e1962e4836665",
        "49d4418c291ce8fe1d13c94afaf67e2c1d5dbe0285c2616fe13c7aa7e01b247a",
        "818648112016e708fd1cd9b60b421630f8431df6b1cb16fd4b29675ff876de05",
    };
    tnode t;
    golden_node(&t);
    daas_sched_res cpu = {"cpu", 500};
    daas_sched_delta d[4] = {
        {.seq = 1, .kind = DAAS_SCHED_NODE_UPSERT, .node = t.n},
        {.seq = 2, .kind = DAAS_SCHED_POD_BOUND, .bound = {"u-1", "node-a", &cpu, 1}},
        {.seq = 3, .kind = DAAS_SCHED_POD_REMOVED, .name = "u-1"},
        {.seq = 4, .kind = DAAS_SCHED_NODE_REMOVE, .name = "node-a"},
    };
    daas_sched_state *st = daas_sched_state_new(), *wire = daas_sched_state_new();
    daas_err err = {0};
    for (int i = 0; i < 4; i++) {
        daas_buf b;
        daas_buf_init(&b, 0);
        assert_int_equal(daas_sched_delta_encode(&d[i], &b, &err), DAAS_OK);
        assert_string_equal(t_hex(b.data, b.len), want_bcs[i]);
        assert_int_equal(daas_sched_state_apply(st, &d[i], &err), DAAS_OK);
        assert_int_equal(daas_sched_state_apply_bcs(wire, DAAS_BYTES(b.data, b.len), &err),
                         DAAS_OK);
        assert_int_equal(daas_sched_state_seq(st), i + 1);
        assert_string_equal(digest_hex(st), want_digest[i]);
        assert_string_equal(digest_hex(wire), want_digest[i]);
        daas_buf_fini(&b);
    }
    daas_sched_state_free(&st);
    daas_sched_state_free(&wire);
}

static void test_seq_gaps(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode t;
    golden_node(&t);
    daas_sched_delta d = {.seq = 2, .kind = DAAS_SCHED_NODE_UPSERT, .node = t.n};
    daas_err err = {0};
    assert_int_equal(daas_sched_state_apply(st, &d, &err), DAAS_ECONFLICT);
    assert_int_equal(err.code, DAAS_ECONFLICT);
    d.seq = 0;
    assert_int_equal(daas_sched_state_apply(st, &d, NULL), DAAS_ECONFLICT);
    assert_int_equal(daas_sched_state_seq(st), 0);
    assert_int_equal(daas_sched_state_nodes(st), 0);
    d.seq = 1;
    assert_int_equal(daas_sched_state_apply(st, &d, NULL), DAAS_OK);
    assert_int_equal(daas_sched_state_apply(st, &d, NULL), DAAS_ECONFLICT); /* replayed */
    d.seq = 3;
    assert_int_equal(daas_sched_state_apply(st, &d, NULL), DAAS_ECONFLICT); /* gap */
    assert_int_equal(daas_sched_state_seq(st), 1);
    assert_string_equal(digest_hex(st),
                        "7635386ff3597c9dcaea78b4e36a51cb03559837f39df52d3ce8be1482467343");
    daas_sched_state_free(&st);
}

static void test_failed_delta_changes_nothing(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode t;
    golden_node(&t);
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    char before[65];
    memcpy(before, digest_hex(st), sizeof(before));
    assert_int_equal(t_node_rm(st, "nope"), DAAS_ENOTFOUND);
    assert_int_equal(t_unbind(st, "nope"), DAAS_ENOTFOUND);
    tnode bad;
    golden_node(&bad);
    tnode_label(&bad, "app", "x");
    bad.labels[0].key = "zzz"; /* no longer sorted */
    assert_int_equal(t_upsert(st, &bad), DAAS_EINVAL);
    bad.labels[0].key = "zone"; /* duplicate key */
    assert_int_equal(t_upsert(st, &bad), DAAS_EINVAL);
    daas_sched_delta kind = {.kind = 9, .name = "x"};
    assert_int_equal(t_apply(st, &kind), DAAS_EINVAL);
    daas_err err = {0};
    assert_int_equal(daas_sched_state_apply_bcs(st, DAAS_BYTES("\x02\0\0\0\0\0\0\0\x07", 9),
                                                &err),
                     DAAS_EINVAL);
    assert_int_equal(daas_sched_state_seq(st), 1);
    assert_string_equal(digest_hex(st), before);
    assert_int_equal(daas_sched_state_nodes(st), 1);
    assert_int_equal(t_bind(st, "u", "node-a", 100, 0), DAAS_OK); /* seq 2 still next */
    assert_int_equal(daas_sched_state_seq(st), 2);
    daas_sched_state_free(&st);
}

/* ---- accounting invariants, recomputed from the pod records ---- */

static void check_invariants(const daas_sched_state *st)
{
    uint64_t placed = 0;
    size_t orphans = 0;
    for (size_t i = 0; i < st->n_pods; i++)
        orphans += st->pods[i]->node == NULL;
    assert_int_equal(orphans, st->orphans);
    for (size_t i = 0; i < st->n_nodes; i++) {
        const daas_sched__node *n = st->nodes[i];
        int64_t cpu = 0, mem = 0, ncpu = 0, nmem = 0, ext_used = 0, ext_want = 0;
        uint32_t pods = 0;
        assert_int_equal(n->idx, i);
        for (size_t j = 0; j < st->n_pods; j++) {
            const daas_sched__pod *p = st->pods[j];
            if (p->node != n)
                continue;
            assert_int_equal(p->node_len, n->name_len);
            assert_memory_equal(p->node_name, n->name, n->name_len);
            cpu += p->q_cpu;
            mem += p->q_mem;
            ncpu += p->nz_cpu;
            nmem += p->nz_mem;
            pods++;
            for (uint32_t k = 0; k < p->n_ext; k++)
                ext_want += p->ext[k].qty;
        }
        for (uint32_t k = 0; k < n->n_ext; k++)
            ext_used += n->ext[k].used;
        assert_int_equal(cpu, n->used_cpu);
        assert_int_equal(mem, n->used_mem);
        assert_int_equal(ncpu, n->used_cpu_nz);
        assert_int_equal(nmem, n->used_mem_nz);
        assert_int_equal(pods, n->n_pods);
        assert_int_equal(ext_want, ext_used);
        placed += pods;
    }
    assert_int_equal(placed, st->placed);
    for (size_t i = 0; i < st->n_owners; i++) {
        const daas_sched__owner *o = st->owners[i];
        uint64_t pods = 0;
        uint32_t nodes = 0;
        for (size_t j = 0; j < st->n_nodes; j++)
            if (st->nodes[j]->owner == o) {
                pods += st->nodes[j]->n_pods;
                nodes++;
            }
        assert_int_equal(o->idx, i);
        assert_int_equal(pods, o->pods);
        assert_int_equal(nodes, o->n_nodes);
        assert_true(nodes > 0);
    }
}

static void test_orphans_and_rebind(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode late;
    tnode_init(&late, "late", 1000, 8 * GiB, 3, 1);
    assert_int_equal(t_bind(st, "u", "late", 800, 0), DAAS_OK); /* no such node yet */
    assert_int_equal(st->orphans, 1);
    assert_int_equal(t_upsert(st, &late), DAAS_OK);
    assert_int_equal(st->orphans, 0);
    assert_int_equal(st->nodes[0]->used_cpu, 800);
    check_invariants(st);
    assert_int_equal(t_node_rm(st, "late"), DAAS_OK);
    assert_int_equal(st->orphans, 1);
    assert_int_equal(st->n_owners, 0);
    assert_int_equal(t_upsert(st, &late), DAAS_OK);
    assert_int_equal(st->nodes[0]->used_cpu, 800);
    /* in-place resize: the same uid again replaces the requests */
    assert_int_equal(t_bind(st, "u", "late", 300, 0), DAAS_OK);
    assert_int_equal(st->nodes[0]->used_cpu, 300);
    assert_int_equal(daas_sched_state_pods(st), 1);
    /* a move elsewhere releases the first node */
    assert_int_equal(t_bind(st, "u", "elsewhere", 300, 0), DAAS_OK);
    assert_int_equal(st->nodes[0]->used_cpu, 0);
    assert_int_equal(st->nodes[0]->n_pods, 0);
    check_invariants(st);
    assert_int_equal(t_unbind(st, "u"), DAAS_OK);
    assert_int_equal(st->orphans, 0);
    check_invariants(st);
    daas_sched_state_free(&st);
}

static void test_owner_change(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode t;
    tnode_init(&t, "a", 4000, 8 * GiB, 1, 10);
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    assert_int_equal(t_bind(st, "u1", "a", 100, 0), DAAS_OK);
    assert_int_equal(t_bind(st, "u2", "a", 100, 0), DAAS_OK);
    t.n.owner[0] = 2;
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    assert_int_equal(st->n_owners, 1);
    assert_int_equal(st->owners[0]->addr[0], 2);
    assert_int_equal(st->owners[0]->pods, 2);
    check_invariants(st);
    daas_sched_state_free(&st);
}

static void test_limits(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode t;
    tnode_init(&t, "a", 4000, 8 * GiB, 1, 10);
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    for (int i = 0; i < DAAS_SCHED_MAX_NODE_PODS; i++) {
        char uid[16];
        snprintf(uid, sizeof(uid), "u%d", i);
        assert_int_equal(t_bind(st, uid, "a", 1, 0), DAAS_OK);
    }
    assert_int_equal(t_bind(st, "one-more", "a", 1, 0), DAAS_ETOOBIG);
    assert_int_equal(t_bind(st, "u7", "a", 2, 0), DAAS_OK); /* a re-bind is no new pod */
    assert_int_equal(daas_sched_state_seq(st), DAAS_SCHED_MAX_NODE_PODS + 2);
    daas_sched_state_free(&st);

    /* distinct resource names: 3 built in, then 64 per node until the 1024th */
    st = daas_sched_state_new();
    static char names[16][64][24];
    int rc = DAAS_OK, node = 0;
    for (; node < 16 && rc == DAAS_OK; node++) {
        daas_sched_node n = {.name = names[node][0]};
        daas_sched_res r[64];
        for (int i = 0; i < 64; i++) {
            snprintf(names[node][i], sizeof(names[node][i]), "r%02d%02d", node, i);
            r[i] = (daas_sched_res){names[node][i], 1};
        }
        n.alloc = r;
        n.n_alloc = 64;
        daas_sched_delta d = {.kind = DAAS_SCHED_NODE_UPSERT, .node = n};
        rc = t_apply(st, &d);
    }
    assert_int_equal(rc, DAAS_ETOOBIG);
    assert_int_equal(node, 16); /* 3 + 15 * 64 = 963 fit, the 16th node would pass 1024 */
    assert_int_equal(daas_sched_state_nodes(st), 15);
    assert_int_equal(st->n_rnames, 963);
    daas_sched_state_free(&st);
}

/* ---- determinism ---- */

/* A long random stream of deltas (fixed seed), kept as BCS. */
typedef struct stream {
    daas_buf *deltas;
    size_t n;
} stream;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 17;
}

static void random_node(uint64_t *seed, int i, tnode *t, char *name)
{
    static const char *const zones[] = {"a", "b", "c"};
    snprintf(name, 24, "node-%02d", i);
    uint64_t size = 1 + lcg(seed) % 8;
    tnode_init(t, name, (int64_t)size * 2000, (int64_t)size * 4 * GiB, (uint8_t)(i % 5),
               (lcg(seed) % 4) * 1000000000ULL);
    t->n.ready = lcg(seed) % 10 != 0;
    t->n.unschedulable = lcg(seed) % 20 == 0;
    tnode_label(t, "zone", zones[lcg(seed) % 3]);
    if (lcg(seed) % 4 == 0)
        tnode_res(t, "aws.ec2.nitro/nitro_enclaves", 1 + (int64_t)(lcg(seed) % 2));
    if (lcg(seed) % 6 == 0)
        tnode_taint(t, "dedicated", "db", DAAS_SCHED_EFFECT_NO_SCHEDULE);
    tnode_res(t, "pods", 110);
}

static void emit(stream *s, daas_sched_delta *d)
{
    daas_err err = {0};
    d->seq = s->n + 1;
    s->deltas = daas_xrealloc(s->deltas, (s->n + 1) * sizeof(daas_buf));
    daas_buf_init(&s->deltas[s->n], 0);
    assert_int_equal(daas_sched_delta_encode(d, &s->deltas[s->n], &err), DAAS_OK);
    s->n++;
}

static void build_stream(stream *s)
{
    uint64_t seed = 7;
    char names[40][24], uids[400][24];
    for (int i = 0; i < 400; i++) {
        uint64_t r = lcg(&seed) % 100;
        tnode t;
        daas_sched_delta d = {0};
        daas_sched_res req[3] = {{"aws.ec2.nitro/nitro_enclaves", 1},
                                 {"cpu", 100 * (int64_t)(1 + lcg(&seed) % 20)},
                                 {"memory", (int64_t)(lcg(&seed) % 3) * GiB}};
        if (i < 40 || r < 10) {
            int k = i < 40 ? i : (int)(lcg(&seed) % 40);
            random_node(&seed, k, &t, names[k]);
            d = (daas_sched_delta){.kind = DAAS_SCHED_NODE_UPSERT, .node = t.n};
        } else if (r < 80) {
            snprintf(uids[i], sizeof(uids[i]), "pod-%03d", (int)(lcg(&seed) % 300));
            bool nitro = lcg(&seed) % 8 == 0;
            d = (daas_sched_delta){.kind = DAAS_SCHED_POD_BOUND,
                                   .bound = {uids[i], names[lcg(&seed) % 40],
                                             nitro ? req : req + 1, nitro ? 3u : 2u}};
        } else if (r < 95) { /* uids never bound give ENOTFOUND: sanitize drops them */
            snprintf(uids[i], sizeof(uids[i]), "pod-%03d", (int)(lcg(&seed) % 300));
            d = (daas_sched_delta){.kind = DAAS_SCHED_POD_REMOVED, .name = uids[i]};
        } else {
            d = (daas_sched_delta){.kind = DAAS_SCHED_NODE_REMOVE,
                                   .name = names[lcg(&seed) % 40]};
        }
        emit(s, &d);
    }
}

static void pods_for_checks(tpod *p, int n)
{
    static const char *const zb[] = {"b"};
    static char uids[64][24];
    for (int i = 0; i < n; i++) {
        snprintf(uids[i], sizeof(uids[i]), "check-%d", i);
        tpod_init(&p[i], uids[i], i % 8 == 7 ? 100000 : 100 * (1 + i % 7), (i % 3) * GiB);
        if (i % 5 == 1)
            tpod_req(&p[i], "aws.ec2.nitro/nitro_enclaves", 1);
        if (i % 4 == 2)
            tpod_expr(&p[i], 0, false, "zone", DAAS_SCHED_OP_IN, zb, 1);
        if (i % 6 == 3)
            tpod_tol(&p[i], "dedicated", DAAS_SCHED_TOL_EXISTS, "", 0);
    }
}

/* Decisions of the check pods on st, as one text (node, score, reason per pod). */
static char *decisions_text(daas_sched_state *st)
{
    tpod p[24];
    daas_buf out;
    daas_buf_init(&out, 0);
    pods_for_checks(p, 24);
    for (int i = 0; i < 24; i++) {
        daas_sched_result r;
        daas_sched_decision dec;
        daas_err err = {0};
        assert_int_equal(daas_sched_decide(st, &p[i].p, 1000 + (uint64_t)i, &r, &dec, &err),
                         DAAS_OK);
        daas_buf enc;
        daas_buf_init(&enc, 0);
        if (r.found)
            assert_int_equal(daas_sched_decision_encode(&dec, &enc, &err), DAAS_OK);
        assert_int_equal(
            daas_buf_printf(&out, "%s\n", r.found ? t_hex(enc.data, enc.len) : r.reason),
            DAAS_OK);
        daas_buf_fini(&enc);
        daas_sched_result_fini(&r);
    }
    return daas_buf_steal(&out, NULL);
}

/* Applies the stream to st, decoded to structs or as bytes; texts (when not NULL) gets the
 * decisions of the check pods every 50 deltas. */
static void replay(daas_sched_state *st, const stream *s, bool bytes, char **texts)
{
    for (size_t i = 0; i < s->n; i++) {
        daas_err err = {0};
        daas_bytes in = DAAS_BYTES(s->deltas[i].data, s->deltas[i].len);
        int rc;
        if (bytes) {
            rc = daas_sched_state_apply_bcs(st, in, &err);
        } else {
            daas_sched_delta d;
            assert_int_equal(daas_sched_delta_decode(in, &d, &err), DAAS_OK);
            rc = daas_sched_state_apply(st, &d, &err);
            daas_sched_delta_fini(&d);
        }
        if (rc != DAAS_OK) /* sanitize kept only deltas that apply */
            fail_msg("delta %zu: %s", i, err.msg);
        if (texts != NULL && i % 50 == 49)
            texts[i / 50] = decisions_text(st);
    }
    check_invariants(st);
}

/* Drops the removals of nodes / pods absent at that point, renumbering seqs. */
static void sanitize(stream *s)
{
    daas_sched_state *st = daas_sched_state_new();
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        daas_sched_delta d;
        daas_err err = {0};
        assert_int_equal(daas_sched_delta_decode(DAAS_BYTES(s->deltas[i].data,
                                                            s->deltas[i].len),
                                                 &d, &err),
                         DAAS_OK);
        d.seq = k + 1;
        if (daas_sched_state_apply(st, &d, &err) == DAAS_OK) {
            daas_buf_reset(&s->deltas[k]); /* d holds copies, not pointers into deltas[i] */
            assert_int_equal(daas_sched_delta_encode(&d, &s->deltas[k], &err), DAAS_OK);
            k++;
        } else {
            assert_int_equal(err.code, DAAS_ENOTFOUND);
        }
        daas_sched_delta_fini(&d);
    }
    for (size_t i = k; i < s->n; i++)
        daas_buf_fini(&s->deltas[i]);
    s->n = k;
    daas_sched_state_free(&st);
}

static void test_determinism(void **state)
{
    (void)state;
    stream s = {0};
    build_stream(&s);
    sanitize(&s);
    assert_true(s.n > 300);
    size_t checks = s.n / 50;
    char **ta = daas_xcalloc(checks, sizeof(char *)), **tb = daas_xcalloc(checks, sizeof(char *));
    daas_sched_state *a = daas_sched_state_new(), *b = daas_sched_state_new();
    replay(a, &s, false, ta);
    replay(b, &s, true, tb);
    char da[65];
    memcpy(da, digest_hex(a), sizeof(da)); /* 64 hex digits and the NUL */
    assert_string_equal(digest_hex(b), da);
    for (size_t i = 0; i < checks; i++)
        assert_string_equal(ta[i], tb[i]);
    /* some pods were placed and some were not, so both paths were compared */
    assert_non_null(strstr(ta[checks - 1], "nodes are available"));
    assert_non_null(strstr(ta[checks - 1], "636865636b2d")); /* BCS of "check-" */
    /* a fresh state replaying everything reaches the same digest and decisions */
    daas_sched_state *c = daas_sched_state_new();
    replay(c, &s, true, NULL);
    assert_string_equal(digest_hex(c), da);
    char *last_a = decisions_text(a), *last_c = decisions_text(c);
    assert_string_equal(last_a, last_c);
    daas_free(last_a);
    daas_free(last_c);
    for (size_t i = 0; i < checks; i++) {
        daas_free(ta[i]);
        daas_free(tb[i]);
    }
    daas_free(ta);
    daas_free(tb);
    for (size_t i = 0; i < s.n; i++)
        daas_buf_fini(&s.deltas[i]);
    daas_free(s.deltas);
    daas_sched_state_free(&a);
    daas_sched_state_free(&b);
    daas_sched_state_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_digest_chain_golden),
        cmocka_unit_test(test_seq_gaps),
        cmocka_unit_test(test_failed_delta_changes_nothing),
        cmocka_unit_test(test_orphans_and_rebind),
        cmocka_unit_test(test_owner_change),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
