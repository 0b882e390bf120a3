/*
 * test_serve_client.c: the real Sui client (src/sui/gql.c, chain.c) against the devnet served
 * over loopback HTTP by daas_devnet_http_handler (src/api/http.h, plain HTTP on 127.0.0.1):
 * chain id, epoch, the faucet over HTTP and the coins it sent, objects (present and absent),
 * a simulated Move abort, a rejected and an accepted execution, the stake as a dynamic field
 * and as the last staking event.
 *
 * Owns:   one devnet (serve_test.h) and one HTTP server per run, stopped and removed at the
 *         end; every test frees its keys, results and client.
 */
#include "devnet/serve_test.h"

#include "api/http.h"
#include "devnet/serve.h"
#include "sui/chain.h"
#include "sui/gql.h"

typedef struct live {
    daas_http_server *srv; /* plain HTTP on 127.0.0.1, an ephemeral port */
    daas_sui_chain chain;  /* its GraphQL and faucet URLs */
    daas_sui_client *c;    /* the GraphQL client */
} live;

static void live_start(live *l)
{
    daas_err err = {0};
    daas_http_config cfg = {0};
    memset(l, 0, sizeof *l);
    cfg.bind_addr = "127.0.0.1";
    cfg.threads = 1;
    cfg.handler = daas_devnet_http_handler;
    cfg.arg = fx.d;
    assert_int_equal(daas_http_server_new(&cfg, &l->srv, &err), DAAS_OK);
    assert_int_equal(daas_http_server_start(l->srv, &err), DAAS_OK);
    int port = daas_http_server_port(l->srv);
    snprintf(l->chain.url, sizeof l->chain.url, "http://127.0.0.1:%d/graphql", port);
    snprintf(l->chain.faucet, sizeof l->chain.faucet, "http://127.0.0.1:%d/v2/gas", port);
    assert_int_equal(daas_sui_chain_client(&l->chain, &l->c, &err), DAAS_OK);
}

static void live_stop(live *l)
{
    daas_sui_client_free(&l->c);
    daas_http_server_stop(l->srv);
    daas_http_server_free(&l->srv);
}

/* Base64 tx text → bytes in b. */
static void tx_bytes(const char *b64, daas_buf *b)
{
    daas_buf_init(b, 0);
    assert_int_equal(daas_base64_decode(b64, strlen(b64), b), DAAS_OK);
}

/* Simulates a stake with a bad role through the client: a MoveAbort in staking::stake. */
static void live_simulate_abort(live *l, const daas_sui_key *k, const daas_sui_coin *coins)
{
    daas_sui_exec_result r = {0};
    daas_buf b;
    char *tx = stake_tx(k, &coins[1], &coins[0], 9);
    tx_bytes(tx, &b);
    daas_err err = {0};
    assert_int_equal(daas_sui_simulate(l->c, DAAS_BYTES(b.data, b.len), &r, &err), DAAS_OK);
    assert_false(r.success);
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, 1);
    assert_string_equal(r.abort_function, "stake");
    assert_non_null(strstr(r.abort_module, "::staking"));
    assert_true(r.gas.computation > 0);
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&b);
    daas_free(tx);
}

/* Executes a stake through the client, first with a wrong signature (rejected), then right. */
static void live_execute(live *l, const daas_sui_key *k, const daas_sui_coin *coins)
{
    daas_sui_exec_result r = {0};
    daas_sui_key *other = NULL;
    daas_buf b;
    daas_err err = {0};
    char *tx = stake_tx(k, &coins[1], &coins[0], 1);
    tx_bytes(tx, &b);
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &other, NULL), DAAS_OK);
    char *bad = sign_b64(other, tx), *sig = sign_b64(k, tx);
    const char *sigs[1] = {bad};
    assert_int_equal(daas_sui_execute(l->c, DAAS_BYTES(b.data, b.len), sigs, 1, &r, &err),
                     DAAS_EREMOTE);
    daas_sui_exec_result_fini(&r);
    sigs[0] = sig;
    daas_err_clear(&err);
    assert_int_equal(daas_sui_execute(l->c, DAAS_BYTES(b.data, b.len), sigs, 1, &r, &err), DAAS_OK);
    assert_true(r.success);
    assert_true(r.n_created >= 1);
    assert_true(r.n_events >= 1);
    assert_non_null(strstr(r.events[0].type, "::staking::Staked"));
    daas_sui_exec_result_fini(&r);
    daas_sui_key_free(&other);
    daas_free(sig);
    daas_free(bad);
    daas_buf_fini(&b);
    daas_free(tx);
}

/* The stake is visible to the client as a table entry and as the last staking event. */
static void live_read_stake(live *l, const uint8_t addr[DAAS_SUI_ADDRESS_LEN], uint64_t amount)
{
    char table[DAAS_SUI_ADDRESS_HEX_LEN + 1], module[120], want[24];
    uint8_t tid[DAAS_SUI_ADDRESS_LEN];
    json_t *v = NULL;
    daas_err err = {0};
    stakes_table(table);
    assert_int_equal(daas_sui_address_parse(table, tid, NULL), DAAS_OK);
    assert_int_equal(daas_sui_dynamic_field(l->c, tid, "address",
                                            DAAS_BYTES(addr, DAAS_SUI_ADDRESS_LEN), &v, &err),
                     DAAS_OK);
    snprintf(want, sizeof want, "%llu", (unsigned long long)amount);
    assert_string_equal(json_string_value(json_object_get(v, "amount")), want);
    json_decref(v);
    snprintf(module, sizeof module, "%s::staking", fx.pkg);
    daas_sui_events ev = {0};
    char *cursor = NULL;
    bool mine = false;
    do {
        assert_int_equal(daas_sui_query_events(l->c, module, cursor, 50, &ev, &err), DAAS_OK);
        daas_free(cursor);
        cursor = ev.cursor != NULL ? daas_xstrdup(ev.cursor) : NULL;
        if (ev.n > 0)
            mine = memcmp(ev.items[ev.n - 1].sender, addr, DAAS_SUI_ADDRESS_LEN) == 0;
        bool more = ev.has_next;
        daas_sui_events_fini(&ev);
        if (!more)
            break;
    } while (cursor != NULL);
    daas_free(cursor);
    assert_true(mine);
}

static void test_real_client(void **state)
{
    (void)state;
    live l;
    daas_err err = {0};
    live_start(&l);
    char id[DAAS_SUI_DIGEST_B58_LEN];
    assert_int_equal(daas_sui_chain_id(l.c, id, sizeof id, &err), DAAS_OK);
    assert_string_equal(id, daas_devnet_chain_id(fx.d));
    daas_sui_epoch ep = {0};
    assert_int_equal(daas_sui_get_epoch(l.c, &ep, &err), DAAS_OK);
    assert_int_equal(ep.ref_gas_price, daas_devnet_ref_gas_price(fx.d));
    /* faucet over HTTP, then the client sees exactly those coins */
    daas_sui_key *k = NULL;
    uint8_t addr[DAAS_SUI_ADDRESS_LEN];
    uint64_t amount = 0, sum = 0;
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &k, NULL), DAAS_OK);
    daas_sui_key_address(k, addr);
    assert_int_equal(daas_sui_chain_faucet(&l.chain, addr, &amount, &err), DAAS_OK);
    daas_sui_coin *coins = NULL;
    size_t n = 0;
    assert_int_equal(daas_sui_get_coins(l.c, addr, 100, &coins, &n, &err), DAAS_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        sum += coins[i].balance;
    assert_int_equal(sum, amount);
    daas_sui_object o = {0};
    assert_int_equal(daas_sui_get_object(l.c, coins[0].ref.id, &o, &err), DAAS_OK);
    assert_int_equal(o.owner_kind, DAAS_SUI_OWNER_ADDRESS);
    assert_memory_equal(o.owner, addr, DAAS_SUI_ADDRESS_LEN);
    assert_memory_equal(&o.ref, &coins[0].ref, sizeof o.ref);
    assert_string_equal(o.type, SUI_COIN);
    assert_int_equal(o.bcs_len, 40);
    daas_sui_object_fini(&o);
    uint8_t nowhere[DAAS_SUI_ADDRESS_LEN] = {0x5e, 0xed};
    assert_int_equal(daas_sui_get_object(l.c, nowhere, &o, NULL), DAAS_ENOTFOUND);
    daas_sui_object_fini(&o);
    live_simulate_abort(&l, k, coins);
    live_execute(&l, k, coins);
    live_read_stake(&l, addr, coins[1].balance);
    daas_free(coins);
    daas_sui_key_free(&k);
    live_stop(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_client),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
