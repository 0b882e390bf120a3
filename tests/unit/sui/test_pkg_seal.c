/*
 * test_pkg_seal.c: the client of the chain side of Seal (pkg_seal.c) against a development
 * chain served over HTTP in-process: KeyServer create / get / find / set_url (and a stranger's
 * refused update, a bad key refused), DecryptionPolicy create / get / request_access (which
 * refuses no one and counts uses), the seal_approve PTB decoded back field by field and
 * simulated over GraphQL with an empty gas payment as a Seal key server does (allowed,
 * FunctionNotFound, EUsageLimit for a ticket past the limit, EInsufficientStake for an unstaked
 * holder and once the sender's stake is gone), and objects a tampering front end breaks.
 *
 * Owns:   one devnet (under $DAAS_TEST_TMP or /tmp) with its HTTP server, a client and the
 *         ids the tests create, removed by the group teardown; tests run in order and build on
 *         each other's objects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <blst.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/http.h"
#include "common/util.h"
#include "devnet/devnet.h"
#include "devnet/serve.h"
#include "sui/pkg.h"
#include "sui/pkg_seal.h"
#include "sui/ptb.h"
#include "sui/sui.h"

#define EPOCH_MS 3600000ull
#define SUI 1000000000ull

enum { TAMPER_NONE, TAMPER_SHORT_PK, TAMPER_NO_USES };

typedef struct fixture {
    char *dir;                          /* the devnet's state directory */
    daas_devnet *d;                     /* the chain */
    daas_http_server *srv;              /* its GraphQL front (tampering when asked) */
    daas_sui_client *c;                 /* the client under test */
    daas_pkg pkg;                       /* discovered in group setup */
    uint8_t seal[DAAS_SUI_ADDRESS_LEN]; /* the Seal twin */
    atomic_int tamper;                  /* TAMPER_* */
    daas_sui_key *user, *other;         /* funded keys; user stakes */
    uint8_t ks[DAAS_SUI_ADDRESS_LEN];   /* user's key server */
    uint8_t pk[DAAS_PKG_SEAL_PK_LEN];   /* its public key */
    uint8_t policy[DAAS_SUI_ADDRESS_LEN], ticket[DAAS_SUI_ADDRESS_LEN];
    uint8_t ticket2[DAAS_SUI_ADDRESS_LEN];      /* user's second ticket: past max_uses 1 */
    uint8_t ticket_other[DAAS_SUI_ADDRESS_LEN]; /* other's (unstaked, not listed) */
} fixture;

static fixture fx;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

/* ---- the tampering front end ---- */

static void tamper_object(json_t *o, int mode)
{
    if (mode == TAMPER_SHORT_PK && json_object_get(o, "key_type") != NULL)
        json_object_set_new(o, "pk", json_string("AAAA"));
    if (mode == TAMPER_NO_USES && json_object_get(o, "ticket_ttl_ms") != NULL)
        json_object_del(o, "uses");
}

static void tamper_walk(json_t *j, int mode)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        tamper_object(j, mode);
        json_object_foreach(j, k, v) tamper_walk(v, mode);
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) tamper_walk(v, mode);
    }
}

static void handler(void *arg, const daas_http_req *req, daas_http_resp *resp)
{
    int mode = atomic_load(&fx.tamper), status = 0;
    if (mode == TAMPER_NONE || strcmp(req->path, "/graphql") != 0) {
        daas_devnet_http_handler(arg, req, resp);
        return;
    }
    char *body = daas_devnet_graphql(arg, (const char *)req->body.ptr, req->body.len, &status);
    json_t *j = json_loads(body, 0, NULL);
    free(body); /* jansson's allocation */
    tamper_walk(j, mode);
    body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    daas_http_respond(resp, status, "application/json", NULL, body, strlen(body));
    free(body);
}

/* ---- setup ---- */

static daas_sui_key *funded_key(void)
{
    daas_sui_key *k = NULL;
    daas_sui_coin coins[4];
    size_t n = 0;
    char digest[DAAS_SUI_DIGEST_B58_LEN];
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    daas_err err = {0};
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, &err), DAAS_OK);
    daas_sui_key_address(k, addr);
    assert_int_equal(daas_devnet_faucet(fx.d, addr, coins, 4, &n, digest, &err), DAAS_OK);
    return k;
}

static int chain_up(daas_err *err)
{
    char url[80], *chain_dir = daas_xasprintf("%s/chain", fx.dir);
    daas_devnet_opts o = {.dir = chain_dir, .epoch_ms = EPOCH_MS};
    int rc = daas_devnet_open(&o, &fx.d, err);
    daas_free(chain_dir);
    daas_http_config cfg = {
        .bind_addr = "127.0.0.1", .threads = 2, .handler = handler, .arg = fx.d};
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
    (void)state;
    daas_err err = {0};
    uint8_t package[DAAS_SUI_ADDRESS_LEN];
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    fx.dir = daas_xasprintf("%s/suipkgseal-XXXXXX", base);
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    int rc = chain_up(&err);
    if (rc == DAAS_OK) {
        daas_devnet_package(fx.d, package);
        daas_devnet_seal_package(fx.d, fx.seal);
        rc = daas_pkg_discover(fx.c, package, &fx.pkg, &err);
    }
    if (rc != DAAS_OK) {
        fprintf(stderr, "online setup: %s\n", err.msg);
        return -1;
    }
    fx.user = funded_key();
    fx.other = funded_key();
    return 0;
}

static int online_teardown(void **state)
{
    (void)state;
    daas_sui_key_free(&fx.user);
    daas_sui_key_free(&fx.other);
    daas_sui_client_free(&fx.c);
    if (fx.srv != NULL)
        daas_http_server_stop(fx.srv);
    daas_http_server_free(&fx.srv);
    daas_devnet_close(&fx.d);
    nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(fx.dir);
    return 0;
}

/* ---- helpers ---- */

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

static void make_pk(uint8_t seed_byte, uint8_t pk[96])
{
    uint8_t ikm[32];
    blst_scalar sk;
    blst_p2 pt;
    memset(ikm, seed_byte, sizeof(ikm));
    blst_keygen(&sk, ikm, sizeof(ikm), NULL, 0);
    blst_sk_to_pk_in_g2(&pt, &sk);
    blst_p2_compress(pk, &pt);
}

static void addr_of(const daas_sui_key *k, uint8_t a[DAAS_SUI_ADDRESS_LEN])
{
    daas_sui_key_address(k, a);
}

/* ---- key servers ---- */

static void test_key_server(void **state)
{
    daas_err err = {0};
    daas_pkg_key_server ks;
    uint8_t owner[32], found[32], other_pk[96], id2[32];
    (void)state;
    make_pk(3, fx.pk);
    make_pk(4, other_pk);
    addr_of(fx.user, owner);
    FAILS(daas_pkg_key_server_find(fx.c, fx.seal, owner, fx.pk, found, &err), DAAS_ENOTFOUND,
          "owns no Seal KeyServer");
    OK(daas_pkg_key_server_create(fx.c, fx.user, fx.seal, "ks-one", "http://127.0.0.1:1", fx.pk,
                                  fx.ks, &err));
    OK(daas_pkg_key_server_create(fx.c, fx.user, fx.seal, "ks-two", "http://127.0.0.1:2",
                                  other_pk, id2, &err));
    OK(daas_pkg_key_server_get(fx.c, fx.ks, &ks, &err));
    assert_memory_equal(ks.id, fx.ks, 32);
    assert_string_equal(ks.name, "ks-one");
    assert_string_equal(ks.url, "http://127.0.0.1:1");
    assert_memory_equal(ks.pk, fx.pk, 96);
    OK(daas_pkg_key_server_find(fx.c, fx.seal, owner, fx.pk, found, &err));
    assert_memory_equal(found, fx.ks, 32);
    OK(daas_pkg_key_server_find(fx.c, fx.seal, owner, other_pk, found, &err));
    assert_memory_equal(found, id2, 32);
    OK(daas_pkg_key_server_set_url(fx.c, fx.user, fx.seal, fx.ks, "https://ks.example:8443", &err));
    OK(daas_pkg_key_server_get(fx.c, fx.ks, &ks, &err));
    assert_string_equal(ks.url, "https://ks.example:8443");
    /* someone else cannot pass the owned object: refused before execution */
    FAILS(daas_pkg_key_server_set_url(fx.c, fx.other, fx.seal, fx.ks, "https://evil", &err),
          DAAS_EREMOTE, "not signed by the correct sender");
    /* a public key that is not a G2 point aborts in 0x2::group_ops */
    uint8_t bad[96];
    memset(bad, 0xab, sizeof(bad));
    FAILS(daas_pkg_key_server_create(fx.c, fx.user, fx.seal, "bad", "http://x", bad, id2, &err),
          DAAS_EFAILED, "group_ops");
    FAILS(daas_pkg_key_server_create(fx.c, fx.user, fx.seal, "", "http://x", fx.pk, id2, &err),
          DAAS_EINVAL, "name");
    /* the Pool is not a KeyServer */
    FAILS(daas_pkg_key_server_get(fx.c, fx.pkg.pool, &ks, &err), DAAS_EREMOTE,
          "is not a Seal KeyServer");
}

/* ---- policies ---- */

static void test_policy(void **state)
{
    daas_err err = {0};
    daas_sui_exec_result r = {0};
    daas_pkg_policy pol;
    uint8_t t2[32], open_id[32];
    (void)state;
    OK(daas_pkg_stake(fx.c, fx.user, &fx.pkg, 5 * SUI, DAAS_PKG_ROLE_VIEWER, &r, &err));
    daas_sui_exec_result_fini(&r);
    daas_pkg_policy_params p = {.required_stake = SUI, .max_uses = 1, .ticket_ttl_ms = 600000};
    p.nallowed = 2;
    addr_of(fx.user, p.allowed[0]);
    memset(p.allowed[1], 0x77, 32);
    OK(daas_pkg_policy_create(fx.c, fx.user, &fx.pkg, &p, fx.policy, &err));
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
    assert_memory_equal(pol.id, fx.policy, 32);
    assert_true(pol.isv > 0);
    addr_of(fx.user, t2);
    assert_memory_equal(pol.admin, t2, 32);
    assert_int_equal(pol.params.required_stake, SUI);
    assert_int_equal(pol.params.nallowed, 2);
    assert_memory_equal(pol.params.allowed, p.allowed, 64);
    assert_int_equal(pol.params.max_uses, 1);
    assert_int_equal(pol.params.ticket_ttl_ms, 600000);
    assert_int_equal(pol.params.not_after_ms, 0);
    assert_int_equal(pol.uses, 0);
    OK(daas_pkg_policy_request_access(fx.c, fx.user, &fx.pkg, fx.policy, fx.ticket, &err));
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
    assert_int_equal(pol.uses, 1);
    /* request_access refuses no one: past the limit, unstaked and not listed all get a
     * ticket (seal_approve, dry-run by the key servers, refuses them) */
    OK(daas_pkg_policy_request_access(fx.c, fx.user, &fx.pkg, fx.policy, fx.ticket2, &err));
    OK(daas_pkg_policy_request_access(fx.c, fx.other, &fx.pkg, fx.policy, fx.ticket_other,
                                      &err));
    assert_memory_not_equal(fx.ticket, fx.ticket2, 32);
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
    assert_int_equal(pol.uses, 3);
    daas_pkg_policy_params open = {.ticket_ttl_ms = 1000};
    OK(daas_pkg_policy_create(fx.c, fx.other, &fx.pkg, &open, open_id, &err));
    OK(daas_pkg_policy_request_access(fx.c, fx.other, &fx.pkg, open_id, t2, &err));
    daas_pkg_policy_params bad = {.ticket_ttl_ms = 0};
    FAILS(daas_pkg_policy_create(fx.c, fx.user, &fx.pkg, &bad, t2, &err), DAAS_EFAILED,
          "EBadParams");
    bad.nallowed = DAAS_PKG_POLICY_MAX_NODES + 1;
    FAILS(daas_pkg_policy_create(fx.c, fx.user, &fx.pkg, &bad, t2, &err), DAAS_EINVAL,
          "at most");
    FAILS(daas_pkg_policy_get(fx.c, &fx.pkg, fx.ks, &pol, &err), DAAS_EREMOTE,
          "is not the daas package's DecryptionPolicy");
}

/* ---- the seal_approve PTB ---- */

static void expect_shared(const daas_sui_input *in, const uint8_t id[32], uint64_t isv)
{
    assert_int_equal(in->kind, DAAS_SUI_INPUT_SHARED);
    assert_memory_equal(in->shared_id, id, 32);
    assert_int_equal(in->initial_shared_version, isv);
    assert_int_equal(in->mutability, DAAS_SUI_SHARED_IMMUTABLE);
}

/* The PTB bytes parse back into n seal_approve calls whose every argument is an Input. */
static void check_ptb(const daas_buf *ptb, const daas_bytes *ids, size_t n,
                      const daas_pkg_policy *pol, daas_sui_ptb *out)
{
    daas_buf k;
    daas_err err = {0};
    daas_sui_object t;
    static const uint8_t clock[32] = {[31] = 6};
    daas_buf_init(&k, 0);
    assert_int_equal(daas_buf_append(&k, "\0", 1), DAAS_OK);
    assert_int_equal(daas_buf_append(&k, ptb->data, ptb->len), DAAS_OK);
    OK(daas_sui_tx_kind_decode(DAAS_BYTES(k.data, k.len), out, &err));
    daas_buf_fini(&k);
    OK(daas_sui_get_object(fx.c, fx.ticket, &t, &err));
    assert_int_equal(out->n_commands, n);
    for (size_t i = 0; i < n; i++) {
        const daas_sui_command *c = &out->commands[i];
        assert_int_equal(c->kind, DAAS_SUI_CMD_MOVE_CALL);
        assert_memory_equal(c->package, fx.pkg.package, 32);
        assert_string_equal(c->module, "secret_policy");
        assert_string_equal(c->function, "seal_approve");
        assert_int_equal(c->n_args, 5);
        for (size_t a = 0; a < 5; a++)
            assert_int_equal(c->args[a].kind, DAAS_SUI_ARG_INPUT);
        const daas_sui_input *id = &out->inputs[c->args[0].index];
        assert_int_equal(id->kind, DAAS_SUI_INPUT_PURE);
        assert_int_equal(id->pure_len, 1 + ids[i].len);
        assert_int_equal(id->pure[0], ids[i].len);
        assert_memory_equal(id->pure + 1, ids[i].ptr, ids[i].len);
        expect_shared(&out->inputs[c->args[1].index], pol->id, pol->isv);
        const daas_sui_input *tk = &out->inputs[c->args[2].index];
        assert_int_equal(tk->kind, DAAS_SUI_INPUT_IMM_OR_OWNED);
        assert_memory_equal(tk->ref.id, fx.ticket, 32);
        assert_int_equal(tk->ref.version, t.ref.version);
        assert_memory_equal(tk->ref.digest, t.ref.digest, 32);
        expect_shared(&out->inputs[c->args[3].index], fx.pkg.pool, fx.pkg.pool_isv);
        expect_shared(&out->inputs[c->args[4].index], clock, 1);
    }
    daas_sui_object_fini(&t);
}

/* Simulates ptb from sender as a Seal key server does: no gas coins, budget 0.5 SUI. */
static void simulate(const daas_sui_ptb *ptb, const daas_sui_key *sender, daas_sui_exec_result *r)
{
    daas_sui_tx tx;
    daas_buf b;
    daas_err err = {0};
    memset(&tx, 0, sizeof tx);
    tx.kind = *ptb;
    addr_of(sender, tx.sender);
    memcpy(tx.gas.owner, tx.sender, 32);
    tx.gas.price = daas_devnet_ref_gas_price(fx.d);
    tx.gas.budget = 500000000ull;
    daas_buf_init(&b, DAAS_SUI_TX_MAX_BYTES);
    OK(daas_sui_tx_encode(&tx, &b, &err));
    OK(daas_sui_simulate(fx.c, DAAS_BYTES(b.data, b.len), r, &err));
    daas_buf_fini(&b);
}

/* A one-id seal_approve PTB naming ticket, simulated from sender: aborts with code (name). */
static void approve_aborts(const daas_pkg_policy *pol, const uint8_t ticket[32],
                           const daas_sui_key *sender, uint64_t code, const char *name)
{
    daas_err err = {0};
    daas_buf ptb;
    daas_sui_ptb p;
    daas_sui_exec_result r = {0};
    daas_buf k;
    uint8_t id[33];
    memcpy(id, pol->id, 32);
    id[32] = 1;
    daas_bytes ids[1] = {DAAS_BYTES(id, sizeof id)};
    daas_buf_init(&ptb, 0);
    OK(daas_pkg_policy_approve_ptb(fx.c, &fx.pkg, pol, ticket, ids, 1, &ptb, &err));
    daas_buf_init(&k, 0);
    assert_int_equal(daas_buf_append(&k, "\0", 1), DAAS_OK);
    assert_int_equal(daas_buf_append(&k, ptb.data, ptb.len), DAAS_OK);
    OK(daas_sui_tx_kind_decode(DAAS_BYTES(k.data, k.len), &p, &err));
    daas_buf_fini(&k);
    simulate(&p, sender, &r);
    assert_false(r.success);
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, code);
    assert_string_equal(r.abort_function, "seal_approve");
    assert_string_equal(daas_pkg_abort_name(r.abort_module, r.abort_code), name);
    daas_sui_exec_result_fini(&r);
    daas_sui_ptb_fini(&p);
    daas_buf_fini(&ptb);
}

static void test_approve_ptb(void **state)
{
    daas_err err = {0};
    daas_pkg_policy pol;
    daas_buf ptb;
    daas_sui_ptb p;
    daas_sui_exec_result r = {0};
    uint8_t id1[40], id2[33];
    (void)state;
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
    memcpy(id1, fx.policy, 32);
    memcpy(id1 + 32, "secret-a", 8);
    memcpy(id2, fx.policy, 32);
    id2[32] = 9;
    daas_bytes ids[2] = {DAAS_BYTES(id1, sizeof id1), DAAS_BYTES(id2, sizeof id2)};
    daas_buf_init(&ptb, 0);
    FAILS(daas_pkg_policy_approve_ptb(fx.c, &fx.pkg, &pol, fx.ticket, ids, 0, &ptb, &err),
          DAAS_EINVAL, "ids");
    assert_int_equal(ptb.len, 0);
    OK(daas_pkg_policy_approve_ptb(fx.c, &fx.pkg, &pol, fx.ticket, ids, 2, &ptb, &err));
    check_ptb(&ptb, ids, 2, &pol, &p);
    /* allowed: the staked holder of the ticket */
    simulate(&p, fx.user, &r);
    if (!r.success)
        fail_msg("simulation: %s", r.error);
    daas_sui_exec_result_fini(&r);
    /* a function that does not exist: FunctionNotFound, not an abort */
    char *saved = p.commands[1].function;
    p.commands[1].function = (char[]){"seal_approve_nope"};
    simulate(&p, fx.user, &r);
    assert_false(r.success);
    assert_true(r.function_not_found);
    assert_false(r.has_abort_code);
    daas_sui_exec_result_fini(&r);
    p.commands[1].function = saved;
    /* the refusals request_access no longer makes: the second ticket is past max_uses 1,
     * other has no stake (stake is checked first: it is not listed either) */
    approve_aborts(&pol, fx.ticket2, fx.user, 6, "EUsageLimit");
    approve_aborts(&pol, fx.ticket_other, fx.other, 3, "EInsufficientStake");
    /* the stake is gone (unstaked after the lock-up): seal_approve aborts */
    daas_devnet_advance_clock(fx.d, 2 * EPOCH_MS);
    OK(daas_pkg_unstake(fx.c, fx.user, &fx.pkg, 5 * SUI, &r, &err));
    daas_sui_exec_result_fini(&r);
    simulate(&p, fx.user, &r);
    assert_false(r.success);
    assert_false(r.function_not_found);
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, 3); /* EInsufficientStake */
    assert_non_null(strstr(r.abort_module, "::secret_policy"));
    assert_string_equal(r.abort_function, "seal_approve");
    assert_string_equal(daas_pkg_abort_name(r.abort_module, r.abort_code), "EInsufficientStake");
    daas_sui_exec_result_fini(&r);
    daas_sui_ptb_fini(&p);
    daas_buf_fini(&ptb);
}

/* ---- untrusted objects ---- */

static void test_malformed(void **state)
{
    daas_err err = {0};
    daas_pkg_key_server ks;
    daas_pkg_policy pol;
    (void)state;
    atomic_store(&fx.tamper, TAMPER_SHORT_PK);
    FAILS(daas_pkg_key_server_get(fx.c, fx.ks, &ks, &err), DAAS_EREMOTE, "pk");
    atomic_store(&fx.tamper, TAMPER_NO_USES);
    FAILS(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err), DAAS_EREMOTE, "uses");
    atomic_store(&fx.tamper, TAMPER_NONE);
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
}

int main(void)
{
    const struct CMUnitTest online[] = {
        cmocka_unit_test(test_key_server),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_approve_ptb),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests_name("devnet", online, online_setup, online_teardown);
}
