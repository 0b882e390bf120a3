/*
 * test_ipalloc.c: the ClusterIP allocator (src/ctrl/ipalloc.c).
 *
 * Cases follow pkg/registry/core/service/ipallocator (bitmap_test.go): the network and
 * broadcast addresses are never handed out, a /28 has 14 addresses, dynamic allocation
 * prefers the block above the static offset, errors carry upstream's texts, snapshots use
 * api.RangeAllocation's big-endian big-integer bytes.
 */
#include "kube/kube_testutil.h"

#include "ctrl/ipalloc.h"

static daas_ctrl_ipalloc *mk(const char *cidr)
{
    daas_ctrl_ipalloc *a = NULL;
    daas_err err = {0};
    if (daas_ctrl_ipalloc_new(cidr, &a, &err) != DAAS_OK)
        fail_msg("ipalloc_new(%s): %s", cidr, err.msg);
    return a;
}

static void test_parse_ipv4(void **state)
{
    (void)state;
    uint32_t v = 0;
    char buf[DAAS_CTRL_IP_STRLEN];
    assert_true(daas_ctrl_ipv4_parse("10.43.0.1", &v));
    assert_int_equal(v, 0x0a2b0001u);
    daas_ctrl_ipv4_format(v, buf);
    assert_string_equal(buf, "10.43.0.1");
    assert_true(daas_ctrl_ipv4_parse("255.255.255.255", &v));
    assert_int_equal(v, 0xffffffffu);
    assert_true(daas_ctrl_ipv4_parse("0.0.0.0", &v));
    static const char *const bad[] = {"",         "1.2.3",     "1.2.3.4.5",  "256.0.0.1",
                                      "01.2.3.4", "1.2.3.4 ",  " 1.2.3.4",   "1..3.4",
                                      "1.2.3.-4", "1.2.3.4/8", "1.2.3.1000", "a.b.c.d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(daas_ctrl_ipv4_parse(bad[i], &v));
    assert_false(daas_ctrl_ipv4_parse(NULL, &v));
}

static void test_parse_cidr(void **state)
{
    (void)state;
    uint32_t net = 0;
    int prefix = 0;
    daas_err err = {0};
    assert_int_equal(daas_ctrl_cidr_parse("10.43.7.9/16", &net, &prefix, &err), DAAS_OK);
    assert_int_equal(net, 0x0a2b0000u);
    assert_int_equal(prefix, 16);
    assert_int_equal(daas_ctrl_cidr_parse("0.0.0.0/0", &net, &prefix, NULL), DAAS_OK);
    assert_int_equal(prefix, 0);
    assert_int_equal(daas_ctrl_cidr_parse("10.0.0.0/33", &net, &prefix, &err), DAAS_EINVAL);
    assert_string_equal(err.msg, "invalid CIDR address: 10.0.0.0/33");
    assert_int_equal(daas_ctrl_cidr_parse("10.0.0.0/016", &net, &prefix, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ctrl_cidr_parse("10.0.0.0", &net, &prefix, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ctrl_cidr_parse("10.0.0.0/", &net, &prefix, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ctrl_cidr_parse("10.0.0.0/8x", &net, &prefix, NULL), DAAS_EINVAL);
}

static void test_new_limits(void **state)
{
    (void)state;
    daas_ctrl_ipalloc *a = NULL;
    daas_err err = {0};
    assert_int_equal(daas_ctrl_ipalloc_new("10.0.0.0/8", &a, &err), DAAS_EINVAL);
    assert_null(a);
    assert_non_null(strstr(err.msg, "between 12 and 30"));
    assert_int_equal(daas_ctrl_ipalloc_new("10.0.0.0/31", &a, NULL), DAAS_EINVAL);
    assert_int_equal(daas_ctrl_ipalloc_new("bogus", &a, NULL), DAAS_EINVAL);
    a = mk(NULL);
    assert_string_equal(daas_ctrl_ipalloc_range(a), "10.43.0.0/16");
    assert_int_equal(daas_ctrl_ipalloc_size(a), 65534);
    char first[DAAS_CTRL_IP_STRLEN];
    daas_ctrl_ipalloc_first(a, first);
    assert_string_equal(first, "10.43.0.1");
    daas_ctrl_ipalloc_free(&a);
    assert_null(a);
    daas_ctrl_ipalloc_free(&a);
    a = mk("192.168.1.77/24");
    assert_string_equal(daas_ctrl_ipalloc_range(a), "192.168.1.0/24");
    daas_ctrl_ipalloc_free(&a);
}

/* A /28 has 14 usable addresses (.1-.14): all are handed out once, then "range is full". */
static void test_fill_28(void **state)
{
    (void)state;
    daas_ctrl_ipalloc *a = mk("192.168.1.0/28");
    bool seen[16] = {0};
    char ip[DAAS_CTRL_IP_STRLEN];
    daas_err err = {0};
    for (uint32_t i = 0; i < 14; i++) {
        assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, i * 7919u, ip, &err), DAAS_OK);
        uint32_t v;
        assert_true(daas_ctrl_ipv4_parse(ip, &v));
        uint32_t last = v & 15u;
        assert_true(last >= 1 && last <= 14);
        assert_false(seen[last]);
        seen[last] = true;
        assert_true(daas_ctrl_ipalloc_has(a, ip));
    }
    assert_int_equal(daas_ctrl_ipalloc_used(a), 14);
    assert_int_equal(daas_ctrl_ipalloc_free_count(a), 0);
    assert_int_equal(daas_ctrl_ipalloc_allocate_next(a, ip, &err), DAAS_EINTERNAL);
    assert_string_equal(err.msg, "failed to allocate a serviceIP: range is full");
    /* A released address is the only one left, so it comes back. */
    assert_true(daas_ctrl_ipalloc_release(a, "192.168.1.9"));
    assert_false(daas_ctrl_ipalloc_release(a, "192.168.1.9"));
    assert_int_equal(daas_ctrl_ipalloc_allocate_next(a, ip, NULL), DAAS_OK);
    assert_string_equal(ip, "192.168.1.9");
    daas_ctrl_ipalloc_free(&a);
}

/* /16: offset 256, so dynamic allocations land in 10.43.1.1 .. 10.43.255.254 while the
 * upper block has room; with seed 0 the scan starts at the block's first bit. */
static void test_static_subrange(void **state)
{
    (void)state;
    daas_ctrl_ipalloc *a = mk("10.43.0.0/16");
    char ip[DAAS_CTRL_IP_STRLEN];
    assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, 0, ip, NULL), DAAS_OK);
    assert_string_equal(ip, "10.43.1.1");
    assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, 0, ip, NULL), DAAS_OK);
    assert_string_equal(ip, "10.43.1.2");
    /* Wrap-around inside the upper block: seed = last bit of the block. */
    assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, 65534u - 256u - 1u, ip, NULL),
                     DAAS_OK);
    assert_string_equal(ip, "10.43.255.254");
    for (int i = 0; i < 200; i++) {
        assert_int_equal(daas_ctrl_ipalloc_allocate_next(a, ip, NULL), DAAS_OK);
        uint32_t v;
        assert_true(daas_ctrl_ipv4_parse(ip, &v));
        assert_true(v >= 0x0a2b0101u && v <= 0x0a2bfffeu);
    }
    daas_ctrl_ipalloc_free(&a);

    /* /27: 32 addresses, offset 16: the upper block is bits 16..29 (.17-.30); once full, the
     * lower block (.1-.16) is used. */
    a = mk("10.0.0.0/27");
    for (int i = 0; i < 14; i++) {
        assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, 3, ip, NULL), DAAS_OK);
        uint32_t v;
        assert_true(daas_ctrl_ipv4_parse(ip, &v));
        assert_true((v & 31u) >= 17 && (v & 31u) <= 30);
    }
    assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, 0, ip, NULL), DAAS_OK);
    assert_string_equal(ip, "10.0.0.1");
    daas_ctrl_ipalloc_free(&a);
}

static void test_allocate_specific(void **state)
{
    (void)state;
    daas_ctrl_ipalloc *a = mk("10.43.0.0/16");
    daas_err err = {0};
    assert_int_equal(daas_ctrl_ipalloc_allocate(a, "10.43.0.1", &err), DAAS_OK);
    assert_int_equal(daas_ctrl_ipalloc_allocate(a, "10.43.0.1", &err), DAAS_EINVALID);
    assert_string_equal(err.msg, "failed to allocate IP 10.43.0.1: provided IP is already "
                                 "allocated");
    static const char *const out[] = {"10.43.0.0", "10.43.255.255", "10.44.0.1", "9.1.1.1"};
    for (size_t i = 0; i < 4; i++) {
        daas_err_clear(&err);
        assert_int_equal(daas_ctrl_ipalloc_allocate(a, out[i], &err), DAAS_EINVALID);
        char want[160];
        snprintf(want, sizeof want,
                 "failed to allocate IP %s: provided IP %s is not in the valid range", out[i],
                 out[i]);
        assert_string_equal(err.msg, want);
        assert_false(daas_ctrl_ipalloc_has(a, out[i]));
        assert_false(daas_ctrl_ipalloc_release(a, out[i]));
    }
    daas_err_clear(&err);
    assert_int_equal(daas_ctrl_ipalloc_allocate(a, "10.43.0.x", &err), DAAS_EINVALID);
    assert_non_null(strstr(err.msg, "must be a valid IP address"));
    assert_int_equal(daas_ctrl_ipalloc_used(a), 1);
    /* A dynamic allocation never returns a statically taken address. */
    assert_int_equal(daas_ctrl_ipalloc_allocate(a, "10.43.1.1", NULL), DAAS_OK);
    char ip[DAAS_CTRL_IP_STRLEN];
    assert_int_equal(daas_ctrl_ipalloc_allocate_next_seeded(a, 0, ip, NULL), DAAS_OK);
    assert_string_equal(ip, "10.43.1.2");
    daas_ctrl_ipalloc_free(&a);
}

static void test_restore_services(void **state)
{
    (void)state;
    daas_ctrl_ipalloc *a = mk("10.43.0.0/16");
    json_t *svcs = ku_json(
        "[{'metadata':{'name':'kubernetes'},'spec':{'clusterIP':'10.43.0.1',"
        "'clusterIPs':['10.43.0.1']}},"
        "{'metadata':{'name':'a'},'spec':{'clusterIP':'10.43.7.7'}},"
        "{'metadata':{'name':'dup'},'spec':{'clusterIPs':['10.43.7.7']}},"
        "{'metadata':{'name':'headless'},'spec':{'clusterIP':'None','clusterIPs':['None']}},"
        "{'metadata':{'name':'ext'},'spec':{'type':'ExternalName','clusterIP':'10.43.9.9'}},"
        "{'metadata':{'name':'outside'},'spec':{'clusterIP':'10.99.0.1'}},"
        "{'metadata':{'name':'nospec'}}]");
    size_t dups = 99;
    daas_ctrl_ipalloc_restore_services(a, svcs, &dups);
    assert_int_equal(dups, 1);
    assert_int_equal(daas_ctrl_ipalloc_used(a), 2);
    assert_true(daas_ctrl_ipalloc_has(a, "10.43.0.1"));
    assert_true(daas_ctrl_ipalloc_has(a, "10.43.7.7"));
    assert_false(daas_ctrl_ipalloc_has(a, "10.43.9.9"));
    daas_ctrl_ipalloc_restore_services(a, NULL, NULL);
    assert_int_equal(daas_ctrl_ipalloc_used(a), 2);
    json_decref(svcs);
    daas_ctrl_ipalloc_free(&a);
}

static void test_snapshot(void **state)
{
    (void)state;
    daas_ctrl_ipalloc *a = mk("10.0.0.0/24"), *b = mk("10.0.0.0/24"), *c = mk("10.0.1.0/24");
    daas_buf buf;
    daas_buf_init(&buf, 0);
    assert_int_equal(daas_ctrl_ipalloc_snapshot(a, &buf, NULL), DAAS_OK);
    assert_int_equal(buf.len, 0);
    /* bit 0 = 10.0.0.1, bit 9 = 10.0.0.10: the integer 0x201, bytes 02 01. */
    assert_int_equal(daas_ctrl_ipalloc_allocate(a, "10.0.0.1", NULL), DAAS_OK);
    assert_int_equal(daas_ctrl_ipalloc_allocate(a, "10.0.0.10", NULL), DAAS_OK);
    assert_int_equal(daas_ctrl_ipalloc_snapshot(a, &buf, NULL), DAAS_OK);
    assert_int_equal(buf.len, 2);
    assert_int_equal((uint8_t)buf.data[0], 0x02);
    assert_int_equal((uint8_t)buf.data[1], 0x01);
    daas_err err = {0};
    assert_int_equal(
        daas_ctrl_ipalloc_restore(b, "10.0.0.0/24", DAAS_BYTES(buf.data, buf.len), &err), DAAS_OK);
    assert_int_equal(daas_ctrl_ipalloc_used(b), 2);
    assert_true(daas_ctrl_ipalloc_has(b, "10.0.0.10"));
    assert_true(daas_ctrl_ipalloc_has(b, "10.0.0.1"));
    assert_false(daas_ctrl_ipalloc_has(b, "10.0.0.2"));
    assert_int_equal(
        daas_ctrl_ipalloc_restore(c, "10.0.0.0/24", DAAS_BYTES(buf.data, buf.len), &err),
        DAAS_ECONFLICT);
    assert_string_equal(err.msg, "the provided network does not match the current range");
    /* 254 bits: bit 254 (0x40 in the top byte of 32) is past the range; leading zeros ok. */
    uint8_t big[33] = {0};
    big[1] = 0x40;
    assert_int_equal(daas_ctrl_ipalloc_restore(b, "10.0.0.0/24", DAAS_BYTES(big + 1, 32), NULL),
                     DAAS_EINVAL);
    assert_int_equal(daas_ctrl_ipalloc_used(b), 2);
    big[1] = 0x20;
    big[32] = 0x01;
    assert_int_equal(daas_ctrl_ipalloc_restore(b, "10.0.0.0/24", DAAS_BYTES(big, 33), NULL),
                     DAAS_OK);
    assert_int_equal(daas_ctrl_ipalloc_used(b), 2);
    assert_true(daas_ctrl_ipalloc_has(b, "10.0.0.254"));
    assert_true(daas_ctrl_ipalloc_has(b, "10.0.0.1"));
    daas_buf_reset(&buf);
    assert_int_equal(daas_ctrl_ipalloc_snapshot(b, &buf, NULL), DAAS_OK);
    assert_int_equal(buf.len, 32);
    assert_memory_equal(buf.data, big + 1, 32);
    daas_buf_fini(&buf);
    daas_ctrl_ipalloc_free(&a);
    daas_ctrl_ipalloc_free(&b);
    daas_ctrl_ipalloc_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ipv4),       cmocka_unit_test(test_parse_cidr),
        cmocka_unit_test(test_new_limits),       cmocka_unit_test(test_fill_28),
        cmocka_unit_test(test_static_subrange),  cmocka_unit_test(test_allocate_specific),
        cmocka_unit_test(test_restore_services), cmocka_unit_test(test_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
