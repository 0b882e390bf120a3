/*
 * test_enclave.c: the development chain's `enclave` and `scheduling` modules and the native
 * 0x2::nitro_attestation::load_nitro_attestation (pkg_enclave.c), against move/README.md:
 * the genesis Clock and Ledger, configs, registration with real AWS Nitro documents
 * (tests/unit/enclave/vectors) at the chain clock and with debug documents of a dev CA,
 * commit_batch with an enclave key the test holds (decision sequence numbers per enclave: the
 * Enclave is a mutable argument), and every abort code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>

#include "devnet/devnet_test.h"
#include "enclave/enclave.h"
#include "enclave/enclave_test.h"

enum { EBadPcr = 1, EInvalidPcrs = 2, ENoPublicKey = 3, EDebugNotAllowed = 4 };
enum { EStaleEnclave = 1, EBadRoot = 2, EEmptyBatch = 3, ESeqGap = 4, EBadSignature = 5 };

#define NITRO_MODULE                                                                               \
    "0x0000000000000000000000000000000000000000000000000000000000000002::nitro_attestation"
#define V1_CLOCK 1744684007462ll /* nautilus-weather: upstream clock */
#define V1_FIRST 1744683467000ll /* its first and last accepted ms */
#define V1_LAST 1744694270999ll
#define V3_CLOCK 1731627987382ll /* fastcrypto-fixed-valid (a debug document) */
#define V1_PCR0                                                                                    \
    "cbe1afb6ed0ff89f10295af0b802247ec5670da8f886e71a4226373b032c322f4e42c9c98288e7211682b2586845" \
    "05a2"
#define V1_PCR2                                                                                    \
    "21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c10edb30948c90ba67310f7b964fc" \
    "500a"
#define V1_KEY "e8e62201dbe293b703c759f653107acbc2c911fa1d2e66f2c747bec95971a2af"

static const uint8_t CLOCK_ID[32] = {[31] = 6};

/* A vector document (hex file) decoded into out. */
static void load_vector(const char *name, daas_buf *out)
{
    char *path = daas_xasprintf("%s", __FILE__);
    char *slash = strrchr(path, '/');
    char *p = slash ? daas_xasprintf("%.*s/../enclave/vectors/%s", (int)(slash - path), path, name)
                    : daas_xasprintf("tests/unit/enclave/vectors/%s", name);
    FILE *f = fopen(p, "r");
    if (f == NULL) {
        daas_free(p);
        p = daas_xasprintf("/work/shared/vectors/nitro/%s", name);
        f = fopen(p, "r");
    }
    assert_non_null(f);
    static char hex[20000];
    size_t n = fread(hex, 1, sizeof(hex) - 1, f);
    fclose(f);
    while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == '\r'))
        n--;
    hex[n] = '\0';
    daas_buf_init(out, 0);
    uint8_t *bytes = daas_xmalloc(n / 2 + 1);
    size_t len = enc_unhex(hex, bytes, n / 2 + 1);
    assert_int_equal(daas_buf_append(out, bytes, len), DAAS_OK);
    daas_free(bytes);
    daas_free(p);
    daas_free(path);
}

/* A pure vector<u8> input of any length (dt_pure holds 96 bytes): BCS kept in store, which
 * must outlive the run. */
static daas_sui_arg big_vec(dt_ptb *p, daas_buf *store, const uint8_t *bytes, size_t len)
{
    daas_buf_init(store, 0);
    assert_int_equal(daas_sui_bcs_put_bytes(store, bytes, len), DAAS_OK);
    assert_true(p->n_in < DT_MAX);
    p->in[p->n_in] = (daas_sui_input){
        .kind = DAAS_SUI_INPUT_PURE, .pure = (uint8_t *)store->data, .pure_len = store->len};
    return (daas_sui_arg){.kind = DAAS_SUI_ARG_INPUT, .index = (uint16_t)p->n_in++};
}

static daas_sui_arg hex_vec(dt_ptb *p, const char *hex)
{
    uint8_t b[64];
    return dt_vec(p, b, enc_unhex(hex, b, sizeof(b)));
}

static daas_sui_arg zeros(dt_ptb *p, size_t n)
{
    uint8_t z[64] = {0};
    return dt_vec(p, z, n);
}

static const daas_sui_key *admin(dt_chain *c)
{
    return daas_devnet_publisher(c->d);
}

/* The id of the one object a successful run created. */
static void run_created(dt_chain *c, dt_ptb *p, const daas_sui_key *k, uint8_t id[32])
{
    daas_sui_exec_result r;
    dt_exec(c->d, p, k, &r);
    if (!r.success)
        fprintf(stderr, "failed: %s\n", r.error);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    memcpy(id, r.created[0].id, 32);
    daas_sui_exec_result_fini(&r);
}

/* create_config as the publisher: PCRs as hex (NULL: 48 zero bytes) or n zero bytes. */
static void config_ptb(dt_chain *c, dt_ptb *p, const char *pcr0, const char *pcr2, size_t n,
                       bool debug)
{
    dt_admin_ptb(c, p);
    daas_sui_arg a[6] = {
        dt_owned(p, dt_ref(c->d, c->admin_cap)), dt_str(p, "daas-scheduler"),
        pcr0 ? hex_vec(p, pcr0) : zeros(p, n),   pcr0 ? hex_vec(p, pcr0) : zeros(p, n),
        pcr2 ? hex_vec(p, pcr2) : zeros(p, n),   dt_u8(p, debug)};
    dt_call(p, c->pkg, "enclave", "create_config", a, 6);
}

static void create_config(dt_chain *c, const char *pcr0, const char *pcr2, bool debug,
                          uint8_t id[32])
{
    dt_ptb p;
    config_ptb(c, &p, pcr0, pcr2, 48, debug);
    run_created(c, &p, admin(c), id);
}

static void update_ptb(dt_chain *c, dt_ptb *p, const uint8_t config[32], size_t n, bool debug)
{
    dt_admin_ptb(c, p);
    daas_sui_arg a[6] = {dt_owned(p, dt_ref(c->d, c->admin_cap)),
                         dt_shared(p, config, dt_isv(c->d, config), true),
                         zeros(p, n),
                         zeros(p, n),
                         zeros(p, n),
                         dt_u8(p, debug)};
    dt_call(p, c->pkg, "enclave", "update_config", a, 6);
}

/* PTB of u: load_nitro_attestation(doc, &Clock) then, with config, register(config, doc). */
static void register_ptb(dt_chain *c, dt_ptb *p, dt_user *u, daas_buf *store, daas_bytes doc,
                         const uint8_t *config)
{
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, u->gas));
    daas_sui_arg la[2] = {big_vec(p, store, doc.ptr, doc.len), dt_shared(p, CLOCK_ID, 1, false)};
    size_t load = dt_call(p, (const uint8_t[32]){[31] = 2}, "nitro_attestation",
                          "load_nitro_attestation", la, 2);
    if (config == NULL)
        return;
    daas_sui_arg ra[2] = {dt_shared(p, config, dt_isv(c->d, config), false), dt_result(load)};
    dt_call(p, c->pkg, "enclave", "register", ra, 2);
}

/* Registers doc from u against config; the new Enclave's id in id. */
static void do_register(dt_chain *c, dt_user *u, daas_bytes doc, const uint8_t config[32],
                        uint8_t id[32])
{
    dt_ptb p;
    daas_buf store;
    register_ptb(c, &p, u, &store, doc, config);
    run_created(c, &p, u->k, id);
    daas_buf_fini(&store);
}

/* Runs a register PTB and asserts its abort (module "enclave" or the nitro module). */
static void register_aborts(dt_chain *c, dt_user *u, daas_bytes doc, const uint8_t config[32],
                            bool nitro, uint64_t code)
{
    dt_ptb p;
    daas_buf store;
    daas_sui_exec_result r;
    register_ptb(c, &p, u, &store, doc, config);
    dt_exec(c->d, &p, u->k, &r);
    daas_buf_fini(&store);
    assert_false(r.success);
    if (!r.has_abort_code || r.abort_code != code)
        fprintf(stderr, "error: %s\n", r.error ? r.error : "(none)");
    assert_true(r.has_abort_code);
    assert_int_equal(r.abort_code, code);
    char *m = daas_xasprintf("%s::enclave", c->pkg_hex);
    assert_string_equal(r.abort_module, nitro ? NITRO_MODULE : m);
    assert_string_equal(r.abort_function, nitro ? "load_nitro_attestation" : "register");
    daas_free(m);
    assert_int_equal(r.n_events, 0);
    assert_int_equal(r.n_created, 0);
    daas_sui_exec_result_fini(&r);
}

static json_t *object_json(dt_chain *c, const uint8_t id[32], char **type)
{
    daas_sui_object o;
    assert_int_equal(daas_devnet_get_object(c->d, id, &o, NULL), DAAS_OK);
    json_t *j = json_incref(o.json);
    if (type)
        *type = daas_xstrdup(o.type);
    daas_sui_object_fini(&o);
    return j;
}

static void assert_b64(json_t *j, const char *key, const uint8_t *want, size_t n)
{
    char *b = daas_base64_encode(want, n);
    assert_string_equal(json_string_value(json_object_get(j, key)), b);
    daas_free(b);
}

static void set_clock(dt_chain *c, int64_t ms)
{
    assert_int_equal(daas_devnet_set_clock(c->d, ms, NULL), DAAS_OK);
}

/* ---- genesis ---- */

static void test_genesis_clock_and_ledger(void **state)
{
    dt_chain c;
    uint8_t ledger[32];
    daas_sui_object o;
    (void)state;
    dt_chain_init(&c, 0);
    assert_int_equal(daas_devnet_get_object(c.d, CLOCK_ID, &o, NULL), DAAS_OK);
    assert_int_equal(o.initial_shared_version, 1);
    assert_int_equal(o.ref.version, 1);
    assert_non_null(strstr(o.type, "::clock::Clock"));
    daas_sui_object_fini(&o);
    json_t *j = object_json(&c, CLOCK_ID, NULL);
    uint64_t shown = dt_ju64(j, "timestamp_ms"); /* the genesis time */
    assert_true(shown > 0 && shown <= (uint64_t)daas_devnet_now_ms(c.d));
    json_decref(j);
    set_clock(&c, V1_CLOCK);
    int64_t now = daas_devnet_now_ms(c.d);
    assert_true(now >= V1_CLOCK && now < V1_CLOCK + 60000);
    char *t = daas_xasprintf("%s::scheduling::Ledger", c.pkg_hex);
    dt_find(c.d, NULL, t, ledger);
    daas_free(t);
    j = object_json(&c, ledger, NULL);
    assert_null(json_object_get(j, "next_seq")); /* sequence numbers are per Enclave */
    assert_int_equal(dt_ju64(j, "batches"), 0);
    assert_string_equal(json_string_value(json_object_get(j, "last_root")), "");
    json_decref(j);
    assert_int_equal(dt_isv(c.d, ledger), 1);
    assert_int_equal(daas_devnet_set_clock(c.d, -1, NULL), DAAS_EINVAL);
    /* the Clock is read-only: refused as a mutable shared input, before execution */
    uint8_t gas[32], me[32];
    daas_sui_key *k = dt_funded(&c, gas, NULL);
    dt_addr(k, me);
    dt_ptb p;
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, gas));
    dt_shared(&p, CLOCK_ID, 1, true);
    daas_sui_arg amt = dt_u64(&p, 1);
    daas_sui_arg coin = dt_result(dt_split(&p, dt_gas(), &amt, 1));
    dt_transfer(&p, &coin, 1, dt_address(&p, me));
    dt_rejects(c.d, &p, k, "ImmutableParameterExpectedError");
    daas_sui_key_free(&k);
    dt_chain_fini(&c);
}

/* ---- configs ---- */

static void test_create_update_config(void **state)
{
    dt_chain c;
    dt_ptb p;
    uint8_t id[32], pcr0[48], pcr2[48], zero[48] = {0};
    char *type = NULL;
    daas_sui_exec_result r;
    (void)state;
    dt_chain_init(&c, 0);
    enc_unhex(V1_PCR0, pcr0, sizeof(pcr0));
    enc_unhex(V1_PCR2, pcr2, sizeof(pcr2));
    config_ptb(&c, &p, V1_PCR0, V1_PCR2, 48, false);
    dt_exec(c.d, &p, admin(&c), &r);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    memcpy(id, r.created[0].id, 32);
    assert_int_equal(r.n_events, 1);
    assert_non_null(strstr(r.events[0].type, "::enclave::ConfigChanged"));
    assert_int_equal(dt_ju64(r.events[0].json, "version"), 0);
    assert_b64(r.events[0].json, "pcr2", pcr2, 48);
    daas_sui_exec_result_fini(&r);
    json_t *j = object_json(&c, id, &type);
    char *want = daas_xasprintf("%s::enclave::EnclaveConfig", c.pkg_hex);
    assert_string_equal(type, want);
    daas_free(want);
    daas_free(type);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "daas-scheduler");
    assert_b64(j, "pcr0", pcr0, 48);
    assert_b64(j, "pcr1", pcr0, 48);
    assert_false(json_is_true(json_object_get(j, "allow_debug")));
    assert_int_equal(dt_ju64(j, "version"), 0);
    json_decref(j);
    /* each PCR must be 48 bytes */
    config_ptb(&c, &p, NULL, NULL, 47, false);
    dt_aborts(c.d, &p, admin(&c), c.pkg_hex, "enclave", "create_config", EBadPcr);
    config_ptb(&c, &p, NULL, NULL, 49, true);
    dt_aborts(c.d, &p, admin(&c), c.pkg_hex, "enclave", "create_config", EBadPcr);
    /* update: new values, version 1, event; a bad PCR changes nothing */
    update_ptb(&c, &p, id, 48, true);
    dt_exec(c.d, &p, admin(&c), &r);
    assert_true(r.success);
    assert_int_equal(r.n_events, 1);
    assert_int_equal(dt_ju64(r.events[0].json, "version"), 1);
    assert_true(json_is_true(json_object_get(r.events[0].json, "allow_debug")));
    daas_sui_exec_result_fini(&r);
    update_ptb(&c, &p, id, 32, false);
    dt_aborts(c.d, &p, admin(&c), c.pkg_hex, "enclave", "update_config", EBadPcr);
    j = object_json(&c, id, NULL);
    assert_int_equal(dt_ju64(j, "version"), 1);
    assert_true(json_is_true(json_object_get(j, "allow_debug")));
    assert_b64(j, "pcr0", zero, 48);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "daas-scheduler");
    json_decref(j);
    /* only the AdminCap's holder */
    dt_user u;
    dt_user_init(&c, &u);
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, u.gas));
    daas_sui_arg a[6] = {dt_owned(&p, dt_ref(c.d, c.admin_cap)),
                         dt_str(&p, "x"),
                         zeros(&p, 48),
                         zeros(&p, 48),
                         zeros(&p, 48),
                         dt_u8(&p, 0)};
    dt_call(&p, c.pkg, "enclave", "create_config", a, 6);
    dt_rejects(c.d, &p, u.k, "owned by account address");
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

/* ---- register with the real documents ---- */

static void test_register_real(void **state)
{
    dt_chain c;
    dt_user u;
    daas_buf v1, v3;
    uint8_t pinned[32], other[32], zero_cfg[32], zero_dbg[32], enc[32], key[32];
    char *type = NULL;
    (void)state;
    dt_chain_init(&c, 0);
    dt_user_init(&c, &u);
    load_vector("nautilus-weather.cbor.hex", &v1);
    load_vector("fastcrypto-fixed-valid.cbor.hex", &v3);
    daas_bytes d1 = DAAS_BYTES(v1.data, v1.len), d3 = DAAS_BYTES(v3.data, v3.len);
    assert_int_equal(v1.len, 4492);
    create_config(&c, V1_PCR0, V1_PCR2, false, pinned);
    create_config(&c, V1_PCR0, V1_PCR0, false, other);
    create_config(&c, NULL, NULL, false, zero_cfg);
    create_config(&c, NULL, NULL, true, zero_dbg);
    /* outside the certificates' validity: EVerifyError in nitro_attestation */
    set_clock(&c, V1_LAST + 1);
    register_aborts(&c, &u, d1, pinned, true, 2);
    set_clock(&c, V1_FIRST - 60000);
    register_aborts(&c, &u, d1, pinned, true, 2);
    set_clock(&c, V1_CLOCK);
    /* malformed: EParseError; a flipped signature byte: EVerifyError */
    register_aborts(&c, &u, DAAS_BYTES("\0\0", 2), pinned, true, 1);
    ((uint8_t *)v1.data)[v1.len - 96] ^= 1;
    register_aborts(&c, &u, d1, pinned, true, 2);
    ((uint8_t *)v1.data)[v1.len - 96] ^= 1;
    /* PCRs not the config's */
    register_aborts(&c, &u, d1, other, false, EInvalidPcrs);
    /* the document may be dropped unused (it has drop), but used only once */
    dt_ptb p;
    daas_buf store;
    register_ptb(&c, &p, &u, &store, d1, NULL);
    dt_ok(c.d, &p, u.k);
    daas_buf_fini(&store);
    register_ptb(&c, &p, &u, &store, d1, pinned);
    daas_sui_arg ra[2] = {{.kind = DAAS_SUI_ARG_INPUT, .index = 2}, dt_result(0)};
    dt_call(&p, c.pkg, "enclave", "register", ra, 2);
    dt_fails(c.d, &p, u.k,
             "CommandArgumentError { arg_idx: 1, kind: ArgumentWithoutValue } in command 2");
    daas_buf_fini(&store);
    /* a plain vector is not a document */
    dt_ptb_init(&p);
    dt_pay(&p, dt_ref(c.d, u.gas));
    daas_sui_arg bad[2] = {dt_shared(&p, pinned, dt_isv(c.d, pinned), false), dt_vec(&p, "x", 1)};
    dt_call(&p, c.pkg, "enclave", "register", bad, 2);
    dt_fails(c.d, &p, u.k, "CommandArgumentError { arg_idx: 1, kind: TypeMismatch }");
    /* the real one, at its clock, against the config pinning its PCRs */
    daas_sui_exec_result r;
    char hex[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    register_ptb(&c, &p, &u, &store, d1, pinned);
    dt_exec(c.d, &p, u.k, &r);
    daas_buf_fini(&store);
    assert_true(r.success);
    assert_int_equal(r.n_created, 1);
    memcpy(enc, r.created[0].id, 32);
    assert_int_equal(r.n_events, 1);
    assert_non_null(strstr(r.events[0].type, "::enclave::EnclaveRegistered"));
    daas_sui_address_hex(enc, hex);
    assert_string_equal(json_string_value(json_object_get(r.events[0].json, "enclave")), hex);
    enc_unhex(V1_KEY, key, sizeof(key));
    assert_b64(r.events[0].json, "public_key", key, 32);
    daas_sui_exec_result_fini(&r);
    assert_int_equal(dt_isv(c.d, enc), dt_ref(c.d, enc).version); /* shared, created now */
    json_t *j = object_json(&c, enc, &type);
    assert_non_null(strstr(type, "::enclave::Enclave"));
    assert_b64(j, "public_key", key, 32);
    daas_sui_address_hex(u.a, hex);
    assert_string_equal(json_string_value(json_object_get(j, "owner")), hex);
    daas_sui_address_hex(pinned, hex);
    assert_string_equal(json_string_value(json_object_get(j, "config")), hex);
    assert_int_equal(dt_ju64(j, "config_version"), 0);
    assert_string_equal(json_string_value(json_object_get(j, "next_seq")), "0");
    daas_free(type);
    json_decref(j);
    /* the debug document V3 (AWS-signed, all-zero PCRs, no public key) */
    set_clock(&c, V3_CLOCK);
    register_aborts(&c, &u, d3, zero_cfg, false, EDebugNotAllowed);
    register_aborts(&c, &u, d3, pinned, false, EDebugNotAllowed);
    register_aborts(&c, &u, d3, zero_dbg, false, ENoPublicKey);
    daas_buf_fini(&v1);
    daas_buf_fini(&v3);
    dt_user_fini(&u);
    dt_chain_fini(&c);
}

/* ---- commit_batch, with an enclave whose key the test holds (a dev-CA debug document) ---- */

typedef struct fixture {
    dt_chain c;
    dt_user u;
    char *ca_dir;
    daas_enclave_debug_ca *ca;
    uint8_t pk[32], sk[64];
    uint8_t config[32], enclave[32], ledger[32];
} fixture;

/* Reopens the chain of f->c with the dev CA's root trusted for debug documents. */
static void reopen_with_root(fixture *f, bool with_root)
{
    daas_devnet_close(&f->c.d);
    daas_devnet_opts o = {.dir = f->c.dir,
                          .dev_root =
                              with_root ? daas_enclave_debug_ca_der(f->ca) : DAAS_BYTES(NULL, 0)};
    assert_int_equal(daas_devnet_open(&o, &f->c.d, NULL), DAAS_OK);
}

static void debug_doc(fixture *f, daas_buf *doc)
{
    daas_err err = {0};
    daas_buf_init(doc, 0);
    int rc = daas_enclave_debug_doc(f->ca, DAAS_ENCLAVE_DEBUG_MODULE_PREFIX "devnet-test",
                                    daas_devnet_now_ms(f->c.d), DAAS_BYTES(f->pk, 32), doc, &err);
    if (rc != DAAS_OK)
        fprintf(stderr, "debug doc: %s\n", err.msg);
    assert_int_equal(rc, DAAS_OK);
}

static void fixture_init(fixture *f)
{
    uint8_t seed[32];
    daas_buf doc;
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i + 1);
    crypto_sign_seed_keypair(f->pk, f->sk, seed);
    f->ca_dir = enc_tmpdir();
    char *dir = daas_xasprintf("%s/ca", f->ca_dir);
    assert_int_equal(daas_enclave_debug_ca_open(dir, &f->ca, NULL), DAAS_OK);
    daas_free(dir);
    dt_chain_init(&f->c, 0);
    dt_user_init(&f->c, &f->u);
    create_config(&f->c, NULL, NULL, true, f->config);
    char *t = daas_xasprintf("%s::scheduling::Ledger", f->c.pkg_hex);
    dt_find(f->c.d, NULL, t, f->ledger);
    daas_free(t);
    debug_doc(f, &doc);
    /* without the dev root the chain trusts only AWS: EVerifyError */
    register_aborts(&f->c, &f->u, DAAS_BYTES(doc.data, doc.len), f->config, true, 2);
    reopen_with_root(f, true);
    do_register(&f->c, &f->u, DAAS_BYTES(doc.data, doc.len), f->config, f->enclave);
    daas_buf_fini(&doc);
}

static void fixture_fini(fixture *f)
{
    dt_user_fini(&f->u);
    dt_chain_fini(&f->c);
    daas_enclave_debug_ca_free(&f->ca);
    enc_rmrf(f->ca_dir);
    sodium_memzero(f->sk, sizeof(f->sk));
}

/* BCS(IntentMessage { 3, ts, BatchRoot { root, first, count } }) signed with f's key. */
static void sign_batch(const fixture *f, const uint8_t *root, size_t root_len, uint64_t first,
                       uint64_t count, uint64_t ts, uint8_t sig[64])
{
    daas_buf m;
    daas_buf_init(&m, 0);
    assert_int_equal(daas_sui_bcs_put_u8(&m, 3), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(&m, ts), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_bytes(&m, root, root_len), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(&m, first), DAAS_OK);
    assert_int_equal(daas_sui_bcs_put_u64(&m, count), DAAS_OK);
    crypto_sign_detached(sig, NULL, (const uint8_t *)m.data, m.len, f->sk);
    daas_buf_fini(&m);
}

/* commit_batch(ledger, config, &mut enclave, ...): the enclave is input 2. */
static void commit_ptb_by(fixture *f, dt_ptb *p, const uint8_t *config, const uint8_t *enclave,
                          const uint8_t *root, size_t root_len, uint64_t first, uint64_t count,
                          uint64_t ts, const uint8_t sig[64])
{
    dt_chain *c = &f->c;
    dt_ptb_init(p);
    dt_pay(p, dt_ref(c->d, f->u.gas));
    daas_sui_arg a[8] = {dt_shared(p, f->ledger, 1, true),
                         dt_shared(p, config, dt_isv(c->d, config), false),
                         dt_shared(p, enclave, dt_isv(c->d, enclave), true),
                         dt_vec(p, root, root_len),
                         dt_u64(p, first),
                         dt_u64(p, count),
                         dt_u64(p, ts),
                         dt_vec(p, sig, 64)};
    dt_call(p, c->pkg, "scheduling", "commit_batch", a, 8);
}

/* commit_ptb_by with f's enclave. */
static void commit_ptb(fixture *f, dt_ptb *p, const uint8_t *config, const uint8_t *root,
                       size_t root_len, uint64_t first, uint64_t count, uint64_t ts,
                       const uint8_t sig[64])
{
    commit_ptb_by(f, p, config, f->enclave, root, root_len, first, count, ts, sig);
}

/* Signs and commits (root, first, count, ts) from f's user as enclave; expects abort code (0:
 * success). */
static void commit_by(fixture *f, const uint8_t *enclave, const uint8_t *root, size_t root_len,
                      uint64_t first, uint64_t count, uint64_t ts, uint64_t code)
{
    dt_ptb p;
    uint8_t sig[64];
    sign_batch(f, root, root_len, first, count, ts, sig);
    commit_ptb_by(f, &p, f->config, enclave, root, root_len, first, count, ts, sig);
    if (code == 0)
        dt_ok(f->c.d, &p, f->u.k);
    else
        dt_aborts(f->c.d, &p, f->u.k, f->c.pkg_hex, "scheduling", "commit_batch", code);
}

/* commit_by with f's enclave. */
static void commit(fixture *f, const uint8_t *root, size_t root_len, uint64_t first, uint64_t count,
                   uint64_t ts, uint64_t code)
{
    commit_by(f, f->enclave, root, root_len, first, count, ts, code);
}

static void assert_ledger(fixture *f, uint64_t batches, const uint8_t *root)
{
    json_t *j = object_json(&f->c, f->ledger, NULL);
    assert_null(json_object_get(j, "next_seq"));
    assert_int_equal(dt_ju64(j, "batches"), batches);
    assert_b64(j, "last_root", root, root ? 32 : 0);
    json_decref(j);
}

/* The Enclave's next_seq, a u64 shown as a decimal string like the other u64s. */
static uint64_t next_seq(fixture *f, const uint8_t enclave[32])
{
    json_t *j = object_json(&f->c, enclave, NULL);
    assert_true(json_is_string(json_object_get(j, "next_seq")));
    uint64_t n = dt_ju64(j, "next_seq");
    json_decref(j);
    return n;
}

static void test_commit_batch(void **state)
{
    fixture f;
    dt_ptb p;
    uint8_t r1[32], r2[32], sig[64];
    daas_sui_exec_result r;
    (void)state;
    memset(r1, 0xee, sizeof(r1));
    memset(r2, 0x5a, sizeof(r2));
    fixture_init(&f);
    json_t *j = object_json(&f.c, f.enclave, NULL);
    assert_b64(j, "public_key", f.pk, 32);
    json_decref(j);
    assert_ledger(&f, 0, NULL);
    assert_int_equal(next_seq(&f, f.enclave), 0);
    /* the aborts, in the README's order, change nothing */
    commit(&f, r1, 31, 0, 5, 1000, EBadRoot);
    commit(&f, r1, 32, 0, 0, 1000, EEmptyBatch);
    commit(&f, r1, 32, 1, 5, 1000, ESeqGap);
    sign_batch(&f, r1, 32, 0, 5, 1000, sig);
    commit_ptb(&f, &p, f.config, r1, 32, 0, 5, 1001, sig); /* signed for another time */
    dt_aborts(f.c.d, &p, f.u.k, f.c.pkg_hex, "scheduling", "commit_batch", EBadSignature);
    sig[0] ^= 1;
    commit_ptb(&f, &p, f.config, r1, 32, 0, 5, 1000, sig);
    dt_aborts(f.c.d, &p, f.u.k, f.c.pkg_hex, "scheduling", "commit_batch", EBadSignature);
    assert_ledger(&f, 0, NULL);
    assert_int_equal(next_seq(&f, f.enclave), 0);
    /* two batches: the ledger advances, one event each */
    sign_batch(&f, r1, 32, 0, 5, 1000, sig);
    commit_ptb(&f, &p, f.config, r1, 32, 0, 5, 1000, sig);
    dt_exec(f.c.d, &p, f.u.k, &r);
    assert_true(r.success);
    assert_int_equal(r.n_events, 1);
    assert_non_null(strstr(r.events[0].type, "::scheduling::BatchCommitted"));
    assert_int_equal(dt_ju64(r.events[0].json, "first_seq"), 0);
    assert_int_equal(dt_ju64(r.events[0].json, "count"), 5);
    assert_int_equal(dt_ju64(r.events[0].json, "timestamp_ms"), 1000);
    assert_b64(r.events[0].json, "root", r1, 32);
    daas_sui_exec_result_fini(&r);
    assert_ledger(&f, 1, r1);
    assert_int_equal(next_seq(&f, f.enclave), 5);
    commit(&f, r2, 32, 0, 3, 2000, ESeqGap); /* a replay of the start */
    commit(&f, r2, 32, 5, 3, 2000, 0);
    assert_ledger(&f, 2, r2);
    assert_int_equal(next_seq(&f, f.enclave), 8);
    /* another config: the enclave is not its */
    uint8_t other[32];
    create_config(&f.c, NULL, NULL, true, other);
    sign_batch(&f, r1, 32, 8, 1, 3000, sig);
    commit_ptb(&f, &p, other, r1, 32, 8, 1, 3000, sig);
    dt_aborts(f.c.d, &p, f.u.k, f.c.pkg_hex, "scheduling", "commit_batch", EStaleEnclave);
    /* update_config makes it stale, even with identical values */
    update_ptb(&f.c, &p, f.config, 48, true);
    dt_ok(f.c.d, &p, admin(&f.c));
    commit(&f, r1, 32, 8, 1, 3000, EStaleEnclave);
    assert_ledger(&f, 2, r2);
    /* a new registration against version 1 (a restart) commits again, from its own 0 */
    daas_buf doc;
    debug_doc(&f, &doc);
    do_register(&f.c, &f.u, DAAS_BYTES(doc.data, doc.len), f.config, f.enclave);
    daas_buf_fini(&doc);
    j = object_json(&f.c, f.enclave, NULL);
    assert_int_equal(dt_ju64(j, "config_version"), 1);
    json_decref(j);
    commit(&f, r1, 32, 8, 1, 3000, ESeqGap);
    commit(&f, r1, 32, 0, 1, 3000, 0);
    assert_ledger(&f, 3, r1);
    assert_int_equal(next_seq(&f, f.enclave), 1);
    fixture_fini(&f);
}

/* Two enclaves of one config: each numbers its decisions from 0, the Ledger counts all. */
static void test_seq_per_enclave(void **state)
{
    fixture f;
    dt_ptb p;
    daas_buf doc;
    uint8_t a[32], b[32], r1[32], r2[32], sig[64];
    (void)state;
    memset(r1, 0x11, sizeof(r1));
    memset(r2, 0x22, sizeof(r2));
    fixture_init(&f);
    memcpy(a, f.enclave, 32);
    commit_by(&f, a, r1, 32, 0, 3, 1000, 0);
    assert_int_equal(next_seq(&f, a), 3);
    assert_ledger(&f, 1, r1);
    /* B, registered later, starts at 0, not at A's 3 */
    debug_doc(&f, &doc);
    do_register(&f.c, &f.u, DAAS_BYTES(doc.data, doc.len), f.config, b);
    daas_buf_fini(&doc);
    assert_memory_not_equal(a, b, 32);
    assert_int_equal(next_seq(&f, b), 0);
    commit_by(&f, b, r2, 32, 3, 2, 2000, ESeqGap);
    commit_by(&f, b, r2, 32, 0, 2, 2000, 0);
    assert_int_equal(next_seq(&f, b), 2);
    assert_int_equal(next_seq(&f, a), 3);
    assert_ledger(&f, 2, r2);
    /* A continues at 3; a gap or an overlap is ESeqGap and changes nothing */
    commit_by(&f, a, r1, 32, 2, 1, 3000, ESeqGap);
    commit_by(&f, a, r1, 32, 4, 1, 3000, ESeqGap);
    assert_ledger(&f, 2, r2);
    commit_by(&f, a, r1, 32, 3, 4, 3000, 0);
    assert_int_equal(next_seq(&f, a), 7);
    assert_int_equal(next_seq(&f, b), 2);
    assert_ledger(&f, 3, r1);
    /* the Enclave is &mut: declared immutable, the call is refused and nothing changes */
    sign_batch(&f, r2, 32, 7, 1, 4000, sig);
    commit_ptb_by(&f, &p, f.config, a, r2, 32, 7, 1, 4000, sig);
    p.in[2].mutability = DAAS_SUI_SHARED_IMMUTABLE;
    dt_fails(f.c.d, &p, f.u.k, "CommandArgumentError { arg_idx: 2, kind: InvalidObjectByMutRef }");
    assert_int_equal(next_seq(&f, a), 7);
    assert_ledger(&f, 3, r1);
    commit_ptb_by(&f, &p, f.config, a, r2, 32, 7, 1, 4000, sig);
    dt_ok(f.c.d, &p, f.u.k);
    assert_int_equal(next_seq(&f, a), 8);
    assert_ledger(&f, 4, r2);
    fixture_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis_clock_and_ledger),
        cmocka_unit_test(test_create_update_config),
        cmocka_unit_test(test_register_real),
        cmocka_unit_test(test_commit_batch),
        cmocka_unit_test(test_seq_per_enclave),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
