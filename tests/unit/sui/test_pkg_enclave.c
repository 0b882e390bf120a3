/*
 * test_pkg_enclave.c: the client of the `enclave` and `scheduling` modules (pkg_enclave.c)
 * against a real development chain served over HTTP in-process: discovery without and with
 * configs (one, several, named), config reads and updates, registration with a debug
 * attestation document of a dev CA the chain trusts (and its refusal by a config that allows
 * no debug enclaves), the enclave list, commit_batch with a signature of the enclave's key
 * (success, ESeqGap, EBadSignature, EStaleEnclave after an update), and objects whose JSON a
 * tampering front end breaks (DAAS_EREMOTE) or renders as byte arrays (still read).
 *
 * Owns:   one devnet (under $DAAS_TEST_TMP or /tmp) with its HTTP server, a dev CA, a client
 *         and the ids the tests create, removed by the group teardown; tests run in order and
 *         build on each other's objects; every test frees its keys and results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/http.h"
#include "common/util.h"
#include "devnet/devnet.h"
#include "devnet/serve.h"
#include "enclave/enclave.h"
#include "sched/sched.h"
#include "sui/pkg.h"
#include "sui/pkg_enclave.h"
#include "sui/ptb.h"
#include "sui/sui.h"

#define EPOCH_MS 3600000ull

/* What the tampering front end does to every object JSON in a reply. */
enum { TAMPER_NONE, TAMPER_SHORT_KEY, TAMPER_NO_VERSION, TAMPER_ARRAY_KEY, TAMPER_BAD_B64 };

typedef struct fixture {
    char *dir;                            /* the devnet's state directory and the CA's */
    daas_devnet *d;                       /* the chain */
    daas_http_server *srv;                /* its GraphQL front (tampering when asked) */
    daas_sui_client *c;                   /* the client under test */
    daas_pkg pkg;                         /* discovered in group setup */
    daas_enclave_debug_ca *ca;            /* the dev CA the chain trusts for debug documents */
    atomic_int tamper;                    /* TAMPER_* */
    daas_sui_key *user;                   /* a funded key registering and committing */
    uint8_t pk[32], sk[64];               /* the first enclave's key pair */
    uint8_t dbg[DAAS_SUI_ADDRESS_LEN];    /* a config allowing debug enclaves */
    uint8_t pinned[DAAS_SUI_ADDRESS_LEN]; /* a config that does not */
    uint8_t enc1[DAAS_SUI_ADDRESS_LEN], enc2[DAAS_SUI_ADDRESS_LEN]; /* registered on dbg */
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
    json_t *key = json_object_get(o, "public_key");
    if (json_object_get(o, "config_version") != NULL && json_is_string(key)) {
        daas_buf b;
        daas_buf_init(&b, 0);
        assert_int_equal(daas_base64_decode(json_string_value(key), json_string_length(key), &b),
                         DAAS_OK);
        if (mode == TAMPER_SHORT_KEY) {
            char *s = daas_base64_encode(b.data, b.len - 1);
            json_object_set_new(o, "public_key", json_string(s));
            daas_free(s);
        } else if (mode == TAMPER_ARRAY_KEY) {
            json_t *arr = json_array();
            for (size_t i = 0; i < b.len; i++)
                json_array_append_new(arr, json_integer((uint8_t)b.data[i]));
            json_object_set_new(o, "public_key", arr);
        } else if (mode == TAMPER_BAD_B64) {
            json_object_set_new(o, "public_key", json_string("not*base64"));
        }
        daas_buf_fini(&b);
    }
    if (mode == TAMPER_NO_VERSION && json_object_get(o, "allow_debug") != NULL)
        json_object_del(o, "version");
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
    char url[80], *ca_dir = daas_xasprintf("%s/ca", fx.dir);
    int rc = daas_enclave_debug_ca_open(ca_dir, &fx.ca, err);
    daas_free(ca_dir);
    if (rc != DAAS_OK)
        return rc;
    char *chain_dir = daas_xasprintf("%s/chain", fx.dir);
    daas_devnet_opts o = {
        .dir = chain_dir, .epoch_ms = EPOCH_MS, .dev_root = daas_enclave_debug_ca_der(fx.ca)};
    rc = daas_devnet_open(&o, &fx.d, err);
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
    uint8_t package[DAAS_SUI_ADDRESS_LEN], seed[32];
    const char *base = getenv("DAAS_TEST_TMP");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    fx.dir = daas_xasprintf("%s/suipkgenc-XXXXXX", base);
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    int rc = chain_up(&err);
    if (rc == DAAS_OK) {
        daas_devnet_package(fx.d, package);
        rc = daas_pkg_discover(fx.c, package, &fx.pkg, &err);
    }
    if (rc != DAAS_OK) {
        fprintf(stderr, "online setup: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(0xa0 + i);
    crypto_sign_seed_keypair(fx.pk, fx.sk, seed);
    fx.user = funded_key();
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
    daas_enclave_debug_ca_free(&fx.ca);
    nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(fx.dir);
    sodium_memzero(fx.sk, sizeof(fx.sk));
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

static const daas_sui_key *admin(void)
{
    return daas_devnet_publisher(fx.d);
}

static void debug_doc(const uint8_t pk[32], daas_buf *doc)
{
    daas_err err = {0};
    daas_buf_init(doc, 0);
    OK(daas_enclave_debug_doc(fx.ca, DAAS_ENCLAVE_DEBUG_MODULE_PREFIX "pkg-enclave-test",
                              daas_devnet_now_ms(fx.d), DAAS_BYTES(pk, 32), doc, &err));
}

static void sched_of(const uint8_t *config, daas_pkg_sched *s)
{
    daas_err err = {0};
    OK(daas_pkg_sched_discover(fx.c, &fx.pkg, config, s, &err));
}

/* Registers a debug document bound to pk against config; the new Enclave's id in id. */
static int do_register(const uint8_t *config, const uint8_t pk[32], uint8_t id[32], daas_err *err)
{
    daas_pkg_sched s;
    daas_buf doc;
    daas_sui_exec_result r;
    sched_of(config, &s);
    debug_doc(pk, &doc);
    int rc = daas_pkg_enclave_register(fx.c, fx.user, &fx.pkg, &s, DAAS_BYTES(doc.data, doc.len),
                                       &r, id, err);
    daas_sui_exec_result_fini(&r);
    daas_buf_fini(&doc);
    return rc;
}

/* Signs BatchRoot { root, first, count } at ts with the first enclave's key and commits it. */
static int commit(const uint8_t root[32], uint64_t first, uint64_t count, uint64_t ts, bool corrupt,
                  daas_err *err)
{
    daas_pkg_sched s;
    daas_pkg_enclave e;
    daas_sui_exec_result r;
    daas_buf m;
    uint8_t sig[64];
    daas_buf_init(&m, 0);
    assert_int_equal(daas_sched_batch_signing_bytes(root, first, count, ts, &m, NULL), DAAS_OK);
    crypto_sign_detached(sig, NULL, (const uint8_t *)m.data, m.len, fx.sk);
    daas_buf_fini(&m);
    sig[5] ^= corrupt ? 1 : 0;
    sched_of(fx.dbg, &s);
    int rc = daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, err);
    if (rc == DAAS_OK)
        rc = daas_pkg_commit_batch(fx.c, fx.user, &fx.pkg, &s, &e, root, first, count, ts, sig, &r,
                                   err);
    if (rc == DAAS_OK)
        assert_true(r.success);
    daas_sui_exec_result_fini(&r);
    return rc;
}

/* ---- the tests ---- */

static void test_no_config(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_pkg_sched s;
    daas_pkg_enclave_config cfg;
    daas_pkg_enclave *list = (daas_pkg_enclave *)&s; /* must be reset to NULL */
    size_t n = 7;
    uint8_t nowhere[DAAS_SUI_ADDRESS_LEN];
    FAILS(daas_pkg_sched_discover(fx.c, &fx.pkg, NULL, &s, &err), DAAS_ENOTFOUND,
          "no EnclaveConfig: create one with `daas sui enclave-config create`");
    /* the Pool is not an EnclaveConfig; an absent object is not found */
    FAILS(daas_pkg_enclave_config_get(fx.c, &fx.pkg, fx.pkg.pool, &cfg, &err), DAAS_EREMOTE,
          "is not the daas package's enclave::EnclaveConfig");
    FAILS(daas_pkg_sched_discover(fx.c, &fx.pkg, fx.pkg.pool, &s, &err), DAAS_EREMOTE,
          "staking::Pool");
    memset(nowhere, 0x77, sizeof nowhere);
    FAILS(daas_pkg_enclave_config_get(fx.c, &fx.pkg, nowhere, &cfg, &err), DAAS_ENOTFOUND, "");
    OK(daas_pkg_enclave_list(fx.c, &fx.pkg, &list, &n, &err));
    assert_null(list);
    assert_int_equal(n, 0);
}

static void test_create_and_discover(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_sui_exec_result r;
    daas_pkg_sched s, s2;
    daas_pkg_enclave_config cfg;
    uint8_t zero[3][DAAS_PKG_PCR_LEN] = {{0}}, pcrs[3][DAAS_PKG_PCR_LEN];
    for (int i = 0; i < 3; i++)
        memset(pcrs[i], 0x11 * (i + 1), DAAS_PKG_PCR_LEN);
    OK(daas_pkg_enclave_config_create(fx.c, admin(), &fx.pkg, "daas-scheduler", zero, true, &r,
                                      fx.dbg, &err));
    assert_true(r.success);
    assert_true(r.digest[0] != '\0');
    daas_sui_exec_result_fini(&r);
    /* the only config is found, with the Ledger */
    sched_of(NULL, &s);
    assert_memory_equal(s.config, fx.dbg, DAAS_SUI_ADDRESS_LEN);
    assert_true(s.config_isv > 0);
    assert_true(s.ledger_isv > 0);
    assert_memory_not_equal(s.ledger, s.config, DAAS_SUI_ADDRESS_LEN);
    OK(daas_pkg_enclave_config_get(fx.c, &fx.pkg, fx.dbg, &cfg, &err));
    assert_memory_equal(cfg.id, fx.dbg, DAAS_SUI_ADDRESS_LEN);
    assert_string_equal(cfg.name, "daas-scheduler");
    assert_memory_equal(cfg.pcr, zero, sizeof zero);
    assert_true(cfg.allow_debug);
    assert_int_equal(cfg.version, 0);
    /* a second config: discovery needs its id now */
    OK(daas_pkg_enclave_config_create(fx.c, admin(), &fx.pkg, "pinned", pcrs, false, &r, fx.pinned,
                                      &err));
    daas_sui_exec_result_fini(&r);
    assert_memory_not_equal(fx.pinned, fx.dbg, DAAS_SUI_ADDRESS_LEN);
    FAILS(daas_pkg_sched_discover(fx.c, &fx.pkg, NULL, &s2, &err), DAAS_EREMOTE,
          "several EnclaveConfig objects: name one with --config");
    sched_of(fx.pinned, &s2);
    assert_memory_equal(s2.config, fx.pinned, DAAS_SUI_ADDRESS_LEN);
    assert_memory_equal(s2.ledger, s.ledger, DAAS_SUI_ADDRESS_LEN);
    OK(daas_pkg_enclave_config_get(fx.c, &fx.pkg, fx.pinned, &cfg, &err));
    assert_string_equal(cfg.name, "pinned");
    assert_memory_equal(cfg.pcr, pcrs, sizeof pcrs);
    assert_false(cfg.allow_debug);
    /* only the AdminCap's holder; names the reader could not read back are refused */
    FAILS(
        daas_pkg_enclave_config_create(fx.c, fx.user, &fx.pkg, "x", zero, true, &r, s.config, &err),
        DAAS_ENOTFOUND, "owns no staking::AdminCap");
    daas_sui_exec_result_fini(&r);
    char longname[DAAS_PKG_CONFIG_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    FAILS(daas_pkg_enclave_config_create(fx.c, admin(), &fx.pkg, longname, zero, true, &r, s.config,
                                         &err),
          DAAS_EINVAL, "config name");
    daas_sui_exec_result_fini(&r);
}

static void test_register(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_pkg_enclave e;
    daas_pkg_enclave_config cfg;
    uint8_t me[DAAS_SUI_ADDRESS_LEN], pk2[32], sk2[64], unused[32];
    daas_sui_key_address(fx.user, me);
    OK(do_register(fx.dbg, fx.pk, fx.enc1, &err));
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err));
    assert_memory_equal(e.id, fx.enc1, DAAS_SUI_ADDRESS_LEN);
    assert_memory_equal(e.public_key, fx.pk, 32);
    assert_memory_equal(e.config, fx.dbg, DAAS_SUI_ADDRESS_LEN);
    assert_memory_equal(e.owner, me, DAAS_SUI_ADDRESS_LEN);
    assert_int_equal(e.config_version, 0);
    assert_int_equal(e.next_seq, 0);
    assert_int_equal(e.registered_epoch, daas_devnet_epoch(fx.d));
    assert_true(e.isv > 0);
    /* a config without allow_debug refuses the debug document, before anything is spent */
    FAILS(do_register(fx.pinned, fx.pk, unused, &err), DAAS_EFAILED, "EDebugNotAllowed");
    /* a document that is not one: nitro_attestation refuses it */
    daas_pkg_sched s;
    daas_sui_exec_result r;
    sched_of(fx.dbg, &s);
    FAILS(daas_pkg_enclave_register(fx.c, fx.user, &fx.pkg, &s, DAAS_BYTES("\xd2\x84", 2), &r,
                                    unused, &err),
          DAAS_EFAILED, "EParseError");
    daas_sui_exec_result_fini(&r);
    /* a second enclave, another key */
    crypto_sign_keypair(pk2, sk2);
    OK(do_register(fx.dbg, pk2, fx.enc2, &err));
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc2, &e, &err));
    assert_memory_equal(e.public_key, pk2, 32);
    /* an Enclave is not a config and the reverse */
    FAILS(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.dbg, &e, &err), DAAS_EREMOTE,
          "is not the daas package's enclave::Enclave");
    FAILS(daas_pkg_enclave_config_get(fx.c, &fx.pkg, fx.enc1, &cfg, &err), DAAS_EREMOTE,
          "is not the daas package's enclave::EnclaveConfig");
}

static void test_list(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_pkg_enclave *list = NULL;
    size_t n = 0;
    bool seen1 = false, seen2 = false;
    OK(daas_pkg_enclave_list(fx.c, &fx.pkg, &list, &n, &err));
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        daas_pkg_enclave e;
        OK(daas_pkg_enclave_get(fx.c, &fx.pkg, list[i].id, &e, &err));
        assert_memory_equal(&e, &list[i], sizeof e); /* the same reading either way */
        seen1 |= memcmp(list[i].id, fx.enc1, 32) == 0;
        seen2 |= memcmp(list[i].id, fx.enc2, 32) == 0;
    }
    assert_true(seen1 && seen2);
    daas_free(list);
}

static void test_commit_batch(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_pkg_enclave e;
    uint8_t r1[32], r2[32];
    memset(r1, 0xe1, sizeof r1);
    memset(r2, 0xe2, sizeof r2);
    OK(commit(r1, 0, 5, 1000, false, &err));
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err));
    assert_int_equal(e.next_seq, 5);
    /* the sequence is the enclave's: the other one still starts at 0 */
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc2, &e, &err));
    assert_int_equal(e.next_seq, 0);
    FAILS(commit(r2, 4, 3, 2000, false, &err), DAAS_EFAILED,
          "scheduling::commit_batch aborted with code 4 (ESeqGap)");
    FAILS(commit(r2, 5, 3, 2000, true, &err), DAAS_EFAILED, "EBadSignature");
    OK(commit(r2, 5, 3, 2000, false, &err));
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err));
    assert_int_equal(e.next_seq, 8);
}

static void test_update_makes_stale(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_sui_exec_result r;
    daas_pkg_sched s;
    daas_pkg_enclave_config cfg;
    uint8_t zero[3][DAAS_PKG_PCR_LEN] = {{0}}, root[32];
    memset(root, 0xe3, sizeof root);
    sched_of(fx.dbg, &s);
    OK(daas_pkg_enclave_config_update(fx.c, admin(), &fx.pkg, &s, zero, true, &r, &err));
    assert_true(r.success);
    daas_sui_exec_result_fini(&r);
    OK(daas_pkg_enclave_config_get(fx.c, &fx.pkg, fx.dbg, &cfg, &err));
    assert_int_equal(cfg.version, 1);
    assert_true(cfg.allow_debug);
    FAILS(commit(root, 8, 1, 3000, false, &err), DAAS_EFAILED, "EStaleEnclave");
    /* update as someone without the AdminCap */
    FAILS(daas_pkg_enclave_config_update(fx.c, fx.user, &fx.pkg, &s, zero, false, &r, &err),
          DAAS_ENOTFOUND, "AdminCap");
    daas_sui_exec_result_fini(&r);
    /* the pinned config allows debug enclaves now: registration passes the debug check and
     * fails on the PCRs (its are not zero) */
    uint8_t pcrs[3][DAAS_PKG_PCR_LEN], unused[32];
    memset(pcrs, 0x33, sizeof pcrs);
    sched_of(fx.pinned, &s);
    OK(daas_pkg_enclave_config_update(fx.c, admin(), &fx.pkg, &s, pcrs, true, &r, &err));
    daas_sui_exec_result_fini(&r);
    FAILS(do_register(fx.pinned, fx.pk, unused, &err), DAAS_EFAILED, "EInvalidPcrs");
}

static void test_malformed(void **state)
{
    (void)state;
    daas_err err = {0};
    daas_pkg_enclave e;
    daas_pkg_enclave_config cfg;
    daas_pkg_enclave *list = NULL;
    size_t n = 0;
    atomic_store(&fx.tamper, TAMPER_SHORT_KEY);
    FAILS(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err), DAAS_EREMOTE,
          "Enclave: field public_key is missing or malformed");
    FAILS(daas_pkg_enclave_list(fx.c, &fx.pkg, &list, &n, &err), DAAS_EREMOTE, "public_key");
    assert_null(list);
    assert_int_equal(n, 0);
    atomic_store(&fx.tamper, TAMPER_BAD_B64);
    FAILS(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err), DAAS_EREMOTE, "public_key");
    atomic_store(&fx.tamper, TAMPER_NO_VERSION);
    FAILS(daas_pkg_enclave_config_get(fx.c, &fx.pkg, fx.dbg, &cfg, &err), DAAS_EREMOTE,
          "EnclaveConfig: field version is missing or malformed");
    /* vector<u8> as a JSON array of bytes (older GraphQL servers) reads the same */
    atomic_store(&fx.tamper, TAMPER_ARRAY_KEY);
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err));
    assert_memory_equal(e.public_key, fx.pk, 32);
    atomic_store(&fx.tamper, TAMPER_NONE);
    OK(daas_pkg_enclave_get(fx.c, &fx.pkg, fx.enc1, &e, &err));
}

int main(void)
{
    const struct CMUnitTest online[] = {
        cmocka_unit_test(test_no_config),    cmocka_unit_test(test_create_and_discover),
        cmocka_unit_test(test_register),     cmocka_unit_test(test_list),
        cmocka_unit_test(test_commit_batch), cmocka_unit_test(test_update_makes_stale),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests_name("devnet", online, online_setup, online_teardown);
}
