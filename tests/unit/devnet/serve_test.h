/*
 * serve_test.h: what the devnet front's tests share (test_serve.c, test_serve_client.c): one
 * real devnet per test executable in a temporary directory (under $DAAS_TEST_TMP or /tmp),
 * GraphQL requests through daas_devnet_graphql, JSON path helpers, funded keys and a
 * `staking::stake` transaction built from the devnet's own answers.
 *
 * Owns:   the fixture (fx), opened by group_setup and removed by group_teardown.
 */
#ifndef DAAS_TESTS_DEVNET_SERVE_TEST_H
#define DAAS_TESTS_DEVNET_SERVE_TEST_H

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

#include "common/util.h"
#include "devnet/devnet.h"
#include "sui/gql_ops.h"
#include "sui/sui.h"
#include "sui/tx.h"

#define SUI_COIN                                                                                   \
    "0x0000000000000000000000000000000000000000000000000000000000000002::coin::Coin<"              \
    "0x0000000000000000000000000000000000000000000000000000000000000002::sui::SUI>"

typedef struct fixture {
    char *dir;      /* the devnet's state directory */
    daas_devnet *d; /* the chain */
    char pkg[80];   /* "0x…" of the daas package */
} fixture;

static fixture fx; /* one per test executable */

/* ---- helpers ---- */

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static inline int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    fx.dir = daas_xasprintf("%s/devnet-serve-XXXXXX", base);
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    daas_devnet_opts o = {.dir = fx.dir};
    daas_err err = {0};
    if (daas_devnet_open(&o, &fx.d, &err) != DAAS_OK) {
        fprintf(stderr, "devnet open: %s\n", err.msg);
        return -1;
    }
    uint8_t pkg[DAAS_SUI_ADDRESS_LEN];
    daas_devnet_package(fx.d, pkg);
    daas_sui_address_hex(pkg, fx.pkg);
    return 0;
}

static inline int group_teardown(void **state)
{
    (void)state;
    daas_devnet_close(&fx.d);
    nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(fx.dir);
    return 0;
}

/* Sends a raw body; returns the parsed reply and the status. */
static inline json_t *post_raw(const char *body, size_t len, int *status)
{
    char *out = daas_devnet_graphql(fx.d, body, len, status);
    assert_non_null(out);
    json_t *r = json_loads(out, 0, NULL);
    assert_non_null(r);
    free(out);
    return r;
}

/* Sends {query, variables (stolen; NULL: none)}; expects 200. */
static inline json_t *gql(const char *query, json_t *vars)
{
    json_t *req = json_pack("{s:s}", "query", query);
    if (vars != NULL)
        json_object_set_new(req, "variables", vars);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    int status = 0;
    json_t *r = post_raw(body, strlen(body), &status);
    free(body);
    assert_int_equal(status, 200);
    return r;
}

/* The value at a dotted path ("data.object.owner", "nodes.0.address"); NULL when absent. */
static inline json_t *at(json_t *j, const char *path)
{
    const char *p = path;
    while (j != NULL && *p != '\0') {
        size_t len = strcspn(p, ".");
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)len, p);
        j = json_is_array(j) ? json_array_get(j, strtoul(key, NULL, 10)) : json_object_get(j, key);
        p += len;
        if (*p == '.')
            p++;
    }
    return j;
}

static inline const char *str_at(json_t *j, const char *path)
{
    json_t *v = at(j, path);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static inline json_int_t int_at(json_t *j, const char *path)
{
    json_t *v = at(j, path);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* The first error message of a reply (data must be null). */
static inline const char *error_of(json_t *r)
{
    assert_true(json_is_null(json_object_get(r, "data")));
    return str_at(r, "errors.0.message");
}

static inline void assert_no_errors(json_t *r)
{
    if (json_object_get(r, "errors") != NULL) {
        char *s = json_dumps(r, 0);
        fprintf(stderr, "unexpected errors: %s\n", s);
        free(s);
        fail();
    }
}

static inline void hex_of(const uint8_t a[DAAS_SUI_ADDRESS_LEN],
                          char out[DAAS_SUI_ADDRESS_HEX_LEN + 1])
{
    daas_sui_address_hex(a, out);
}

/* A fresh key with faucet coins (n up to 4). */
static inline daas_sui_key *funded(daas_sui_coin *coins, size_t *n)
{
    daas_sui_key *k = NULL;
    daas_err err = {0};
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, &err), DAAS_OK);
    daas_sui_key_address(k, addr);
    assert_int_equal(daas_devnet_faucet(fx.d, addr, coins, 4, n, digest, &err), DAAS_OK);
    assert_true(*n >= 2);
    return k;
}

/* The shared Pool as the ObjectsByType query shows it: its id and initial shared version. */
static inline void pool_ref(uint8_t id[DAAS_SUI_ADDRESS_LEN], uint64_t *isv)
{
    char type[160];
    snprintf(type, sizeof type, "%s::staking::Pool", fx.pkg);
    json_t *r = gql(DAAS_GQL_OBJECTS_BY_TYPE, json_pack("{s:s}", "type", type));
    assert_no_errors(r);
    assert_int_equal(json_array_size(at(r, "data.objects.nodes")), 1);
    json_t *n = at(r, "data.objects.nodes.0");
    assert_string_equal(str_at(n, "owner.__typename"), "Shared");
    *isv = (uint64_t)int_at(n, "owner.initialSharedVersion");
    assert_int_equal(daas_sui_address_parse(str_at(n, "address"), id, NULL), DAAS_OK);
    assert_string_equal(str_at(n, "asMoveObject.contents.type.repr"), type);
    assert_null(at(n, "asMoveObject.contents.bcs")); /* not selected by this operation */
    json_decref(r);
}

/* BCS of `staking::stake(pool, coin, role)` paid with gas, as base64 (daas_free). */
static inline char *stake_tx(const daas_sui_key *k, const daas_sui_coin *coin,
                             const daas_sui_coin *gas, uint8_t role)
{
    uint8_t pool[DAAS_SUI_ADDRESS_LEN];
    uint64_t isv;
    pool_ref(pool, &isv);
    daas_sui_input in[3] = {0};
    in[0].kind = DAAS_SUI_INPUT_SHARED;
    memcpy(in[0].shared_id, pool, sizeof pool);
    in[0].initial_shared_version = isv;
    in[0].mutability = DAAS_SUI_SHARED_MUTABLE;
    in[1].kind = DAAS_SUI_INPUT_IMM_OR_OWNED;
    in[1].ref = coin->ref;
    in[2].kind = DAAS_SUI_INPUT_PURE;
    in[2].pure = &role;
    in[2].pure_len = 1;
    daas_sui_arg args[3] = {
        {DAAS_SUI_ARG_INPUT, 0, 0}, {DAAS_SUI_ARG_INPUT, 1, 0}, {DAAS_SUI_ARG_INPUT, 2, 0}};
    daas_sui_command cmd = {0};
    cmd.kind = DAAS_SUI_CMD_MOVE_CALL;
    daas_devnet_package(fx.d, cmd.package);
    cmd.module = "staking";
    cmd.function = "stake";
    cmd.n_args = 3;
    cmd.args = args;
    daas_sui_objref pay = gas->ref;
    daas_sui_tx tx = {0};
    tx.kind = (daas_sui_ptb){3, in, 1, &cmd};
    daas_sui_key_address(k, tx.sender);
    tx.gas = (daas_sui_gas){1, &pay, {0}, daas_devnet_ref_gas_price(fx.d), 100000000};
    daas_sui_key_address(k, tx.gas.owner);
    daas_buf b;
    daas_buf_init(&b, 0);
    daas_err err = {0};
    assert_int_equal(daas_sui_tx_encode(&tx, &b, &err), DAAS_OK);
    char *b64 = daas_base64_encode(b.data, b.len);
    daas_buf_fini(&b);
    return b64;
}

/* Signs base64 tx bytes with k; base64 signature (daas_free). */
static inline char *sign_b64(const daas_sui_key *k, const char *tx_b64)
{
    daas_buf b;
    daas_buf_init(&b, 0);
    assert_int_equal(daas_base64_decode(tx_b64, strlen(tx_b64), &b), DAAS_OK);
    char *sig = NULL;
    daas_err err = {0};
    assert_int_equal(daas_sui_sign_transaction(k, DAAS_BYTES(b.data, b.len), &sig, &err), DAAS_OK);
    daas_buf_fini(&b);
    return sig;
}

/* The id of the Pool's stakes table, from the Pool's contents.json. */
static inline void stakes_table(char out[DAAS_SUI_ADDRESS_HEX_LEN + 1])
{
    uint8_t pool[DAAS_SUI_ADDRESS_LEN];
    uint64_t isv;
    char id[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    pool_ref(pool, &isv);
    hex_of(pool, id);
    json_t *r = gql(DAAS_GQL_OBJECT, json_pack("{s:s}", "id", id));
    assert_no_errors(r);
    assert_int_equal(int_at(r, "data.object.owner.initialSharedVersion"), (json_int_t)isv);
    snprintf(out, DAAS_SUI_ADDRESS_HEX_LEN + 1, "%s",
             str_at(r, "data.object.asMoveObject.contents.json.stakes.id"));
    json_decref(r);
}

static inline json_t *stake_field(const char *table, const uint8_t staker[DAAS_SUI_ADDRESS_LEN])
{
    char *b64 = daas_base64_encode(staker, DAAS_SUI_ADDRESS_LEN);
    json_t *r = gql(DAAS_GQL_DYNAMIC_FIELD, json_pack("{s:s,s:{s:s,s:s}}", "parent", table, "name",
                                                      "type", "address", "bcs", b64));
    daas_free(b64);
    assert_no_errors(r);
    return r;
}

#endif
