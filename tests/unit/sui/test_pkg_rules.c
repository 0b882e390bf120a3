/*
 * test_pkg_rules.c: the client of `cluster_rules` (sui/pkg_rules.c). Offline: GraphQL replies
 * constructed as Sui (and the devnet) render a ClusterRules, parsed through the GraphQL layer
 * into the C value, and every malformed variant refused with DAAS_EREMOTE; the checks of
 * set_rules with their abort names; tier names; the BCS for the enclave, byte for byte.
 * Online, against a development chain served over HTTP in-process: find, read the publish
 * defaults, set as the publisher (version 2, read back, BCS of what was read), set by a key
 * without the AdminCap (DAAS_ENOTFOUND), bad input refused before anything is sent.
 *
 * Owns:   one devnet (under $DAAS_TEST_TMP or /tmp) with its HTTP server and a client, made
 *         and removed by the online group; every test frees what it made.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/http.h"
#include "common/util.h"
#include "devnet/devnet.h"
#include "devnet/serve.h"
#include "sched/policy.h"
#include "sui/gql_int.h"
#include "sui/pkg.h"
#include "sui/pkg_rules.h"
#include "sui/sui.h"

#define ID "0x1b4a74955fe38b29470f6db9e925bc66d2e90896bd1b98440f31d559a05117d8"
#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define OK(call)                                                                                   \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != DAAS_OK)                                                                        \
            fail_msg("%s: %s (%s)", #call, daas_err_name(rc_), err.msg);                           \
    } while (0)

/* Expects the call to fail with code and a message containing needle; clears err. */
#define FAILS(call, code, needle)                                                                  \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != (code) || strstr(err.msg, (needle)) == NULL)                                    \
            fail_msg("%s: %s \"%s\", want %s \"%s\"", #call, daas_err_name(rc_), err.msg,          \
                     daas_err_name(code), (needle));                                               \
        daas_err_clear(&err);                                                                      \
    } while (0)

/* ---- offline: GraphQL replies ---- */

/* The contents.json of a ClusterRules as Sui GraphQL renders it. */
static json_t *good_json(void)
{
    return json_pack("{s:s,s:s,s:[s,s],s:[s],s:i,s:i,s:i}", "id", ID, "version", "7",
                     "allowed_registries", "registry.example.com/", "docker.io/library/",
                     "allowed_digests", DIGEST, "nitro_min_tier", 3, "host_path_min_tier", 4,
                     "host_network_min_tier", 255);
}

/* Parses a reply whose object has contents json (taken) through the GraphQL layer, then the
 * rules reader. owner: "Shared" or "AddressOwner". */
static int parse_reply(json_t *json, const char *owner, daas_pkg_rules *out, daas_err *err)
{
    json_t *own = strcmp(owner, "Shared") == 0
                      ? json_pack("{s:s,s:i}", "__typename", owner, "initialSharedVersion", 3)
                      : json_pack("{s:s,s:{s:s}}", "__typename", owner, "address", "address", ID);
    json_t *reply =
        json_pack("{s:{s:{s:s,s:s,s:s,s:o,s:{s:{s:{s:s},s:o,s:n}}}}}", "data", "object", "address",
                  ID, "version", "42", "digest", "5UqT6jNGs1wNeGMJnA4Ui9K37jSX3FzarqoxGk2UKkn3",
                  "owner", own, "asMoveObject", "contents", "type", "repr",
                  "0x90::cluster_rules::ClusterRules", "json", json, "bcs");
    char *body = json_dumps(reply, JSON_COMPACT);
    json_t *data = NULL;
    daas_sui_object o = {0};
    json_decref(reply);
    int rc = daas_sui__gql_parse_reply(body, strlen(body), &data, err);
    if (rc == DAAS_OK)
        rc = daas_sui__parse_object(data, ID, &o, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_rules_parse(&o, out, err);
    daas_sui_object_fini(&o);
    json_decref(data);
    free(body); /* jansson's allocation */
    return rc;
}

static void test_parse_good(void **state)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    daas_err err = {0};
    (void)state;
    OK(parse_reply(good_json(), "Shared", r, &err));
    assert_true(r->version == 7);
    assert_int_equal(r->n_registries, 2);
    assert_string_equal(r->registries[0], "registry.example.com/");
    assert_string_equal(r->registries[1], "docker.io/library/");
    assert_int_equal(r->n_digests, 1);
    assert_string_equal(r->digests[0], DIGEST);
    assert_int_equal(r->nitro_min_tier, 3);
    assert_int_equal(r->host_path_min_tier, 4);
    assert_int_equal(r->host_network_min_tier, 255);
    /* u8 fields as decimal strings are read too; empty lists */
    json_t *j = good_json();
    json_object_set_new(j, "nitro_min_tier", json_string("1"));
    json_object_set_new(j, "allowed_registries", json_array());
    OK(parse_reply(j, "Shared", r, &err));
    assert_int_equal(r->nitro_min_tier, 1);
    assert_int_equal(r->n_registries, 0);
    daas_free(r);
}

/* One malformed variant: key set to v (NULL: removed); must fail with needle. */
static void expect_bad(const char *key, json_t *v, const char *owner, const char *needle)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    daas_err err = {0};
    json_t *j = good_json();
    if (v == NULL)
        json_object_del(j, key);
    else
        json_object_set_new(j, key, v);
    r->version = 99;
    FAILS(parse_reply(j, owner, r, &err), DAAS_EREMOTE, needle);
    assert_true(r->version == 99); /* untouched on failure */
    daas_free(r);
}

static json_t *many(const char *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s));
    return a;
}

static void test_parse_bad(void **state)
{
    char toolong[300];
    (void)state;
    memset(toolong, 'a', 299);
    toolong[298] = '/';
    toolong[299] = '\0';
    expect_bad("id", json_string("0x1"), "Shared", "field id");
    expect_bad("id", NULL, "Shared", "field id");
    expect_bad("version", NULL, "Shared", "field version");
    expect_bad("version", json_string("-1"), "Shared", "field version");
    expect_bad("version", json_string("0"), "Shared", "version 0");
    expect_bad("allowed_registries", json_string("docker.io/"), "Shared", "allowed_registries");
    expect_bad("allowed_registries", json_pack("[i]", 1), "Shared", "allowed_registries");
    expect_bad("allowed_registries", many("r/", 65), "Shared", "allowed_registries");
    expect_bad("allowed_registries", json_pack("[s]", toolong), "Shared", "allowed_registries");
    expect_bad("allowed_registries", json_pack("[s]", "docker.io"), "Shared", "EBadRegistry");
    expect_bad("allowed_registries", json_pack("[s]", ""), "Shared", "EBadRegistry");
    /* a NUL inside a string: the GraphQL layer already refuses the reply */
    expect_bad("allowed_registries", json_pack("[o]", json_stringn("a\0b/", 4)), "Shared",
               "reply is not JSON");
    expect_bad("allowed_digests", NULL, "Shared", "allowed_digests");
    expect_bad("allowed_digests", json_pack("[s]", "sha256:00"), "Shared", "EBadDigest");
    expect_bad("allowed_digests", json_pack("[s]", DIGEST "0"), "Shared", "allowed_digests");
    expect_bad("nitro_min_tier", NULL, "Shared", "nitro_min_tier");
    expect_bad("nitro_min_tier", json_integer(256), "Shared", "nitro_min_tier");
    expect_bad("nitro_min_tier", json_true(), "Shared", "nitro_min_tier");
    expect_bad("host_path_min_tier", json_integer(0), "Shared", "EBadTier");
    expect_bad("host_network_min_tier", json_integer(5), "Shared", "EBadTier");
    expect_bad("version", json_string("1"), "AddressOwner", "not shared");
}

/* ---- offline: checks, tiers, BCS ---- */

static void test_check_and_tiers(void **state)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    daas_err err = {0};
    uint8_t t = 0;
    (void)state;
    daas_pkg_rules_defaults(r);
    assert_true(r->version == 1);
    assert_int_equal(r->nitro_min_tier, 3);
    assert_int_equal(r->host_path_min_tier, 4);
    assert_int_equal(r->host_network_min_tier, 4);
    OK(daas_pkg_rules_check(r, &err));
    r->n_registries = 65;
    FAILS(daas_pkg_rules_check(r, &err), DAAS_EINVAL, "(ETooMany)");
    r->n_registries = 1;
    snprintf(r->registries[0], sizeof r->registries[0], "docker.io");
    FAILS(daas_pkg_rules_check(r, &err), DAAS_EINVAL, "does not end in \"/\" (EBadRegistry)");
    snprintf(r->registries[0], sizeof r->registries[0], "docker.io/");
    r->n_digests = 1;
    snprintf(r->digests[0], sizeof r->digests[0], "%s", DIGEST);
    r->digests[0][10] = 'A';
    FAILS(daas_pkg_rules_check(r, &err), DAAS_EINVAL, "(EBadDigest)");
    r->digests[0][10] = 'a';
    r->host_network_min_tier = 0;
    FAILS(daas_pkg_rules_check(r, &err), DAAS_EINVAL, "host_network_min_tier 0");
    r->host_network_min_tier = 255;
    OK(daas_pkg_rules_check(r, &err));
    /* names and numbers */
    const char *names[] = {"viewer", "user", "node", "admin"};
    for (uint8_t i = 1; i <= 4; i++) {
        OK(daas_pkg_rules_tier_parse(names[i - 1], &t, &err));
        assert_int_equal(t, i);
        assert_string_equal(daas_pkg_rules_tier_name(i), names[i - 1]);
    }
    OK(daas_pkg_rules_tier_parse("nobody", &t, &err));
    assert_int_equal(t, 255);
    OK(daas_pkg_rules_tier_parse("2", &t, &err));
    assert_int_equal(t, 2);
    FAILS(daas_pkg_rules_tier_parse("0", &t, &err), DAAS_EINVAL, "unknown tier \"0\"");
    FAILS(daas_pkg_rules_tier_parse("Admin", &t, &err), DAAS_EINVAL, "unknown tier");
    assert_string_equal(daas_pkg_rules_tier_name(255), "nobody");
    assert_string_equal(daas_pkg_rules_tier_name(0), "invalid");
    assert_string_equal(daas_pkg_rules_abort_name("0x5::cluster_rules", 2), "EBadDigest");
    assert_string_equal(daas_pkg_rules_abort_name("cluster_rules", 4), "EBadTier");
    assert_null(daas_pkg_rules_abort_name("cluster_rules", 5));
    assert_string_equal(daas_pkg_rules_abort_name("staking", 6), "ELocked");
    daas_free(r);
}

static void test_bcs(void **state)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    daas_err err = {0};
    daas_buf b;
    (void)state;
    daas_pkg_rules_defaults(r);
    r->version = 0x0102;
    r->n_registries = 2;
    snprintf(r->registries[0], sizeof r->registries[0], "a/");
    snprintf(r->registries[1], sizeof r->registries[1], "bc/");
    r->n_digests = 1;
    snprintf(r->digests[0], sizeof r->digests[0], "%s", DIGEST);
    r->nitro_min_tier = 255;
    daas_buf_init(&b, 0);
    OK(daas_pkg_rules_bcs(r, &b, &err));
    static const uint8_t head[] = {0x02, 0x01, 0,   0,   0, 0,   0,   0,   /* version LE */
                                   2,    2,    'a', '/', 3, 'b', 'c', '/', /* registries */
                                   1,    71};                              /* digests */
    assert_int_equal(b.len, sizeof head + 71 + 3);
    assert_memory_equal(b.data, head, sizeof head);
    assert_memory_equal(b.data + sizeof head, DIGEST, 71);
    static const uint8_t tiers[] = {255, 4, 4};
    assert_memory_equal(b.data + sizeof head + 71, tiers, 3);
    /* a rule the chain would refuse is not encoded */
    daas_buf_reset(&b);
    r->host_path_min_tier = 9;
    FAILS(daas_pkg_rules_bcs(r, &b, &err), DAAS_EINVAL, "EBadTier");
    assert_int_equal(b.len, 0);
    /* the buffer's cap */
    daas_buf_fini(&b);
    daas_buf_init(&b, 10);
    r->host_path_min_tier = 4;
    FAILS(daas_pkg_rules_bcs(r, &b, &err), DAAS_ETOOBIG, "cap");
    daas_buf_fini(&b);
    daas_free(r);
}

/* The enclave's decoder (sched/policy.h) reads what daas_pkg_rules_bcs writes, field for
 * field, and its encoder writes the same bytes back. */
static void test_bcs_enclave_reads_it(void **state)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r);
    daas_sched_policy_rules dec;
    daas_err err = {0};
    daas_buf b, again;
    (void)state;
    daas_pkg_rules_defaults(r);
    r->version = 9;
    r->n_registries = 64;
    for (size_t i = 0; i < 64; i++)
        snprintf(r->registries[i], sizeof r->registries[i], "registry-%zu.example.com/", i);
    memset(r->registries[63], 'a', 254);
    r->registries[63][254] = '/';
    r->n_digests = 1;
    snprintf(r->digests[0], sizeof r->digests[0], "%s", DIGEST);
    r->host_network_min_tier = 255;
    daas_buf_init(&b, 0);
    daas_buf_init(&again, 0);
    OK(daas_pkg_rules_bcs(r, &b, &err));
    OK(daas_sched_policy_rules_decode(DAAS_BYTES(b.data, b.len), &dec, &err));
    assert_true(dec.version == 9);
    assert_int_equal(dec.n_registries, 64);
    for (size_t i = 0; i < 64; i++)
        assert_string_equal(dec.registries[i], r->registries[i]);
    assert_int_equal(dec.n_digests, 1);
    assert_string_equal(dec.digests[0], DIGEST);
    assert_int_equal(dec.nitro_min_tier, 3);
    assert_int_equal(dec.host_path_min_tier, 4);
    assert_int_equal(dec.host_network_min_tier, 255);
    OK(daas_sched_policy_rules_encode(&dec, &again, &err));
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    daas_sched_policy_rules_fini(&dec);
    daas_buf_fini(&again);
    daas_buf_fini(&b);
    daas_free(r);
}

/* ---- online: a devnet over HTTP ---- */

typedef struct fixture {
    char *dir;
    daas_devnet *d;
    daas_http_server *srv;
    daas_sui_client *c;
    daas_pkg pkg;
    daas_sui_key *user; /* funded, without the AdminCap */
} fixture;

static fixture fx;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static int chain_up(daas_err *err)
{
    char url[80], *chain_dir = daas_xasprintf("%s/chain", fx.dir);
    daas_devnet_opts o = {.dir = chain_dir, .epoch_ms = 3600000};
    int rc = daas_devnet_open(&o, &fx.d, err);
    daas_free(chain_dir);
    daas_http_config cfg = {
        .bind_addr = "127.0.0.1", .threads = 2, .handler = daas_devnet_http_handler, .arg = fx.d};
    if (rc == DAAS_OK)
        rc = daas_http_server_new(&cfg, &fx.srv, err);
    if (rc == DAAS_OK)
        rc = daas_http_server_start(fx.srv, err);
    if (rc != DAAS_OK)
        return rc;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/graphql", daas_http_server_port(fx.srv));
    daas_sui_client_opts co = {.url = url, .retries = 0, .timeout_ms = 20000};
    return daas_sui_client_new(&co, &fx.c, err);
}

static int online_setup(void **state)
{
    daas_err err = {0};
    uint8_t package[DAAS_SUI_ADDRESS_LEN], addr[DAAS_SUI_ADDRESS_LEN];
    daas_sui_coin coins[2];
    size_t n = 0;
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    const char *base = getenv("DAAS_TEST_TMP");
    (void)state;
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    fx.dir = daas_xasprintf("%s/suipkgrules-XXXXXX", base);
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    int rc = chain_up(&err);
    if (rc == DAAS_OK) {
        daas_devnet_package(fx.d, package);
        rc = daas_pkg_discover(fx.c, package, &fx.pkg, &err);
    }
    if (rc == DAAS_OK)
        rc = daas_sui_key_generate(DAAS_SUI_ED25519, &fx.user, &err);
    if (rc == DAAS_OK) {
        daas_sui_key_address(fx.user, addr);
        rc = daas_devnet_faucet(fx.d, addr, coins, 2, &n, digest, &err);
    }
    if (rc != DAAS_OK) {
        fprintf(stderr, "online setup: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int online_teardown(void **state)
{
    (void)state;
    daas_sui_key_free(&fx.user);
    daas_sui_client_free(&fx.c);
    if (fx.srv != NULL)
        daas_http_server_stop(fx.srv);
    daas_http_server_free(&fx.srv);
    daas_devnet_close(&fx.d);
    nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(fx.dir);
    return 0;
}

static void test_online(void **state)
{
    daas_pkg_rules *r = daas_xcalloc(1, sizeof *r), *want = daas_xcalloc(1, sizeof *want);
    daas_pkg_rules_ref ref;
    daas_sui_exec_result res;
    daas_err err = {0};
    (void)state;
    OK(daas_pkg_rules_find(fx.c, &fx.pkg, &ref, &err));
    assert_true(ref.isv == 1);
    OK(daas_pkg_rules_read(fx.c, &fx.pkg, &ref, r, &err));
    daas_pkg_rules_defaults(want);
    assert_memory_equal(r, want, sizeof *r);

    /* the publisher sets new rules: version 2, read back as given */
    want->n_registries = 1;
    snprintf(want->registries[0], sizeof want->registries[0], "registry.example.com/");
    want->n_digests = 1;
    snprintf(want->digests[0], sizeof want->digests[0], "%s", DIGEST);
    want->nitro_min_tier = 4;
    want->host_path_min_tier = 255;
    want->host_network_min_tier = 2;
    OK(daas_pkg_rules_set(fx.c, daas_devnet_publisher(fx.d), &fx.pkg, &ref, want, &res, &err));
    assert_true(res.success);
    assert_int_equal(res.n_events, 1);
    daas_sui_exec_result_fini(&res);
    OK(daas_pkg_rules_read(fx.c, &fx.pkg, &ref, r, &err));
    want->version = 2;
    assert_memory_equal(r, want, sizeof *r);

    /* a key without the AdminCap; bad input refused before anything is sent */
    FAILS(daas_pkg_rules_set(fx.c, fx.user, &fx.pkg, &ref, want, &res, &err), DAAS_ENOTFOUND,
          "owns no staking::AdminCap");
    daas_sui_exec_result_fini(&res);
    snprintf(want->digests[0], sizeof want->digests[0], "sha256:00");
    FAILS(daas_pkg_rules_set(fx.c, daas_devnet_publisher(fx.d), &fx.pkg, &ref, want, &res, &err),
          DAAS_EINVAL, "(EBadDigest)");
    daas_sui_exec_result_fini(&res);
    OK(daas_pkg_rules_read(fx.c, &fx.pkg, &ref, r, &err));
    assert_true(r->version == 2);

    /* another object is not the rules */
    daas_pkg_rules_ref pool = {.isv = 1};
    memcpy(pool.id, fx.pkg.pool, DAAS_SUI_ADDRESS_LEN);
    FAILS(daas_pkg_rules_read(fx.c, &fx.pkg, &pool, r, &err), DAAS_EREMOTE,
          "is not the daas package's ClusterRules");
    daas_free(r);
    daas_free(want);
}

int main(void)
{
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_parse_good),           cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_check_and_tiers),      cmocka_unit_test(test_bcs),
        cmocka_unit_test(test_bcs_enclave_reads_it),
    };
    const struct CMUnitTest online[] = {cmocka_unit_test(test_online)};
    int rc = cmocka_run_group_tests_name("offline", offline, NULL, NULL);
    return rc + cmocka_run_group_tests_name("online", online, online_setup, online_teardown);
}
