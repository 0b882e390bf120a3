/*
 * test_decision.c: decisions: BCS and signing bytes pinned to golden bytes (from an
 *                  independent encoder), strict decoding, Ed25519 signatures as the server
 *                  verifies them (and their failure on any change), Merkle roots of 1, 2, 3
 *                  and 5 leaves against hashes computed independently, the batch message,
 *                  and daas_sched_decide's fields.
 *
 * Owns:   nothing beyond each test's buffers and states (freed before the test returns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>

#include "sched_test.h"

#define TS 1744683300000ULL /* 2025-04-15T02:15:00Z, the weather example's timestamp */

static const char DEC_HEX[] =
    "0c30623963336134342d75696420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
    "1e1f066e6f64652d61070000000000000020eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    "eeeeeeeeeeeeeeda00000000000000a0743a3796010000";

static void golden_decision(daas_sched_decision *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->pod_uid, sizeof(d->pod_uid), "0b9c3a44-uid");
    for (int i = 0; i < 32; i++)
        d->spec_digest[i] = (uint8_t)i;
    snprintf(d->node, sizeof(d->node), "node-a");
    d->state_seq = 7;
    memset(d->state_digest, 0xee, 32);
    d->score = 218;
    d->timestamp_ms = TS;
}

static void test_bcs_golden(void **state)
{
    (void)state;
    daas_sched_decision d, back;
    daas_buf b;
    daas_err err = {0};
    golden_decision(&d);
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_decision_encode(&d, &b, &err), DAAS_OK);
    assert_string_equal(t_hex(b.data, b.len), DEC_HEX);
    assert_int_equal(daas_sched_decision_decode(DAAS_BYTES(b.data, b.len), &back, &err), DAAS_OK);
    assert_memory_equal(&back, &d, sizeof(d));
    daas_buf_reset(&b);
    assert_int_equal(daas_sched_decision_signing_bytes(&d, &b, &err), DAAS_OK);
    /* IntentMessage: intent 2, timestamp_ms LE, then BCS(decision) */
    char want[512];
    snprintf(want, sizeof(want), "02a0743a3796010000%s", DEC_HEX);
    assert_string_equal(t_hex(b.data, b.len), want);
    daas_buf_fini(&b);
}

static void test_decode_strict(void **state)
{
    (void)state;
    uint8_t in[256], bad[256];
    size_t n = t_unhex(DEC_HEX, in, sizeof(in));
    daas_sched_decision d;
    daas_err err = {0};
    in[n] = 0;
    assert_int_equal(daas_sched_decision_decode(DAAS_BYTES(in, n + 1), &d, &err), DAAS_EINVAL);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(daas_sched_decision_decode(DAAS_BYTES(in, k), &d, NULL), DAAS_EINVAL);
    memcpy(bad, in, n);
    bad[13] = 31; /* spec digest length */
    assert_int_equal(daas_sched_decision_decode(DAAS_BYTES(bad, n), &d, NULL), DAAS_EINVAL);
    assert_int_equal(d.pod_uid[0], '\0'); /* nothing half-filled */
    uint8_t empty_uid[] = {0};
    assert_int_equal(daas_sched_decision_decode(DAAS_BYTES(empty_uid, 1), &d, NULL),
                     DAAS_EINVAL);
    golden_decision(&d);
    d.node[0] = '\0';
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_decision_encode(&d, &b, &err), DAAS_EINVAL);
    daas_buf_fini(&b);
}

static void test_sign_verify(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64], sig[64];
    daas_err err = {0};
    memset(seed, 7, sizeof(seed));
    assert_int_equal(sodium_init() >= 0, 1);
    crypto_sign_seed_keypair(pk, sk, seed);
    daas_sched_decision d;
    golden_decision(&d);
    assert_int_equal(daas_sched_decision_sign(&d, sk, sig, &err), DAAS_OK);
    assert_int_equal(daas_sched_decision_verify(&d, pk, sig, &err), DAAS_OK);
    /* it is a plain Ed25519 signature over the signing bytes */
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_decision_signing_bytes(&d, &b, &err), DAAS_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)b.data, b.len, pk), 0);
    daas_buf_fini(&b);
    /* any change is caught */
    daas_sched_decision x = d;
    x.node[5] = 'b';
    assert_int_equal(daas_sched_decision_verify(&x, pk, sig, &err), DAAS_ECRYPTO);
    x = d;
    x.state_digest[31] ^= 1;
    assert_int_equal(daas_sched_decision_verify(&x, pk, sig, NULL), DAAS_ECRYPTO);
    x = d;
    x.timestamp_ms++;
    assert_int_equal(daas_sched_decision_verify(&x, pk, sig, NULL), DAAS_ECRYPTO);
    sig[0] ^= 1;
    assert_int_equal(daas_sched_decision_verify(&d, pk, sig, NULL), DAAS_ECRYPTO);
}

static void H(const uint8_t *a, size_t n, uint8_t out[32])
{
    crypto_generichash(out, 32, a, n, NULL, 0);
}

static void inner(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t in[65] = {1};
    memcpy(in + 1, l, 32);
    memcpy(in + 33, r, 32);
    H(in, sizeof(in), out);
}

static void test_merkle(void **state)
{
    (void)state;
    uint8_t leaves[5][32], root[32], want[32], t1[32], t2[32], t3[32];
    daas_err err = {0};
    for (int i = 0; i < 5; i++) {
        uint8_t msg[3] = {(uint8_t)i, (uint8_t)i, (uint8_t)i}, tagged[4] = {0, msg[0], msg[0],
                                                                             msg[0]};
        daas_sched_merkle_leaf(DAAS_BYTES(msg, 3), leaves[i]);
        H(tagged, 4, want);
        assert_memory_equal(leaves[i], want, 32);
    }
    assert_int_equal(daas_sched_merkle_root(leaves, 1, root, &err), DAAS_OK);
    assert_memory_equal(root, leaves[0], 32);
    assert_string_equal(t_hex(root, 32),
                        "11da6d1f761ddf9bdb4c9d6e5303ebd41f61858d0a5647a1a7bfe089bf921be9");
    assert_int_equal(daas_sched_merkle_root(leaves, 2, root, &err), DAAS_OK);
    inner(leaves[0], leaves[1], t1);
    assert_memory_equal(root, t1, 32);
    assert_string_equal(t_hex(root, 32),
                        "dd214b3897757689ba40687fd5b6c0064941f4784bac7a1dd734d0f64b5a23e6");
    assert_int_equal(daas_sched_merkle_root(leaves, 3, root, &err), DAAS_OK);
    inner(t1, leaves[2], want); /* the odd third leaf is promoted */
    assert_memory_equal(root, want, 32);
    assert_string_equal(t_hex(root, 32),
                        "c3fb076e98841e5ea103044f15d732c002d81a219dda9e98a958bdac902f453b");
    assert_int_equal(daas_sched_merkle_root(leaves, 5, root, &err), DAAS_OK);
    inner(leaves[2], leaves[3], t2);
    inner(t1, t2, t3);
    inner(t3, leaves[4], want); /* leaf 4 promoted twice */
    assert_memory_equal(root, want, 32);
    assert_string_equal(t_hex(root, 32),
                        "49a5412d47635ea239764b48b359330bd9db546dd546491bcfb2724bc5c0bf14");
    assert_int_equal(daas_sched_merkle_root(leaves, 0, root, &err), DAAS_EINVAL);

    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_sched_batch_signing_bytes(root, 100, 5, TS, &b, &err), DAAS_OK);
    assert_string_equal(t_hex(b.data, b.len),
                        "03a0743a37960100002049a5412d47635ea239764b48b359330bd9db546dd546491bcf"
                        "b2724bc5c0bf1464000000000000000500000000000000");
    daas_buf_fini(&b);
}

static void test_decide(void **state)
{
    (void)state;
    daas_sched_state *st = daas_sched_state_new();
    tnode t;
    tnode_init(&t, "node-a", 4000, 8 * GiB, 1, 10);
    assert_int_equal(t_upsert(st, &t), DAAS_OK);
    assert_int_equal(t_bind(st, "x", "node-a", 2000, 4 * GiB), DAAS_OK);
    tpod p;
    tpod_init(&p, "uid-9", 1000, GiB);
    daas_sched_result r;
    daas_sched_decision d;
    daas_err err = {0};
    assert_int_equal(daas_sched_decide(st, &p.p, TS, &r, &d, &err), DAAS_OK);
    assert_true(r.found);
    assert_string_equal(d.pod_uid, "uid-9");
    assert_string_equal(d.node, "node-a");
    assert_int_equal(d.state_seq, 2);
    uint8_t dg[32];
    daas_sched_state_digest(st, dg);
    assert_memory_equal(d.state_digest, dg, 32);
    assert_memory_equal(d.spec_digest, p.p.spec_digest, 32);
    assert_int_equal(d.score, r.score);
    assert_int_equal(d.timestamp_ms, TS);
    daas_sched_result_fini(&r);
    tpod_init(&p, "uid-10", 64000, GiB);
    assert_int_equal(daas_sched_decide(st, &p.p, TS, &r, &d, &err), DAAS_OK);
    assert_false(r.found);
    assert_string_equal(r.reason, "0/1 nodes are available: 1 Insufficient cpu.");
    assert_int_equal(d.node[0], '\0');
    assert_int_equal(d.state_seq, 0);
    daas_sched_result_fini(&r);
    daas_sched_state_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcs_golden),
        cmocka_unit_test(test_decode_strict),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_merkle),
        cmocka_unit_test(test_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
