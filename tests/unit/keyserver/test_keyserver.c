/*
 * test_keyserver.c: a real key server (keyserver/) on an ephemeral port in front of a real
 * in-process devnet (served over HTTP, found through its chain file), driven with real HTTP
 * (libcurl): KeyServer registration (created, found, URL updated, pk checked), /v1/service
 * with a PoP that verifies, a fetch_key for an allowed staked user whose keys ElGamal-decrypt
 * to usks that verify, then every refusal with its exact error name and HTTP status: SDK
 * headers, bad PTBs, unknown package, certificate times, both signatures, a policy abort,
 * FunctionNotFound, a stale chain clock, unknown service id, and the body gates (415, 400,
 * 422, 413); the version headers on every /v1 reply; /health and /metrics.
 *
 * Owns:   one devnet node and one key server for the whole group (tests run in order and
 *         share the policy and ticket made in setup), removed by the group teardown.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "devnet/node.h"
#include "keyserver/keyserver.h"
#include "ks_test.h"
#include "seal/proto.h"
#include "sui/chain.h"
#include "sui/pkg.h"
#include "sui/pkg_seal.h"

#define SUI 1000000000ull

typedef struct fixture {
    char *dir;                          /* temp dir: chain state */
    daas_devnet_node *node;             /* the devnet, served over plain HTTP */
    daas_sui_chain chain;               /* from its chain file */
    daas_sui_client *c;                 /* chain client */
    daas_pkg pkg;                       /* the daas package */
    daas_sui_key *owner, *user, *other; /* key-server owner; staked user; unstaked stranger */
    uint8_t msk[32], pk[96];            /* the key server's master key */
    uint8_t ks_id[32];                  /* its KeyServer object */
    daas_ks *ks;                        /* the server under test */
    char base[64];                      /* http://127.0.0.1:port */
    uint8_t policy[32], ticket[32];
    daas_buf ptb;            /* a valid seal_approve PTB for ids[0..1] */
    uint8_t id_bytes[2][40]; /* inner ids: policy id || "key-N..." */
    daas_bytes ids[2];
} fixture;

static fixture fx;
static atomic_llong clock_offset_ms; /* added to the key server's clock (staleness test) */

static int64_t test_now(void)
{
    return daas_now_ms() + atomic_load(&clock_offset_ms);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != DAAS_OK)                                                                        \
            fail_msg("%s: %s (%s)", #call, daas_err_name(rc_), err.msg);                           \
    } while (0)

static daas_sui_key *funded_key(void)
{
    daas_sui_key *k = NULL;
    uint8_t addr[32];
    uint64_t amount = 0;
    daas_err err = {0};

    OK(daas_sui_key_generate(DAAS_SUI_ED25519, &k, &err));
    daas_sui_key_address(k, addr);
    OK(daas_sui_chain_faucet(&fx.chain, addr, &amount, &err));
    return k;
}

/* ---- HTTP ---- */

typedef struct reply {
    long status;
    daas_buf body;
    bool ks_version;  /* X-KeyServer-Version: 0.6.10 was sent */
    bool git_version; /* X-KeyServer-GitVersion: daas-... was sent */
} reply;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    return daas_buf_append(&r->body, p, size * n) == DAAS_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    if (strncasecmp(p, "X-KeyServer-Version: 0.6.10\r", 28) == 0)
        r->ks_version = true;
    if (strncasecmp(p, "X-KeyServer-GitVersion: daas-", 29) == 0)
        r->git_version = true;
    return size * n;
}

/* Sends method path with headers (NULL-terminated list, may be NULL) and body (NULL: none).
 * The reply's body is NUL-terminated; release with daas_buf_fini. */
static reply http(const char *method, const char *path, const char *const *headers,
                  const char *body, size_t body_len)
{
    reply r = {0};
    CURL *h = curl_easy_init();
    struct curl_slist *hl = NULL;
    char *url = daas_xasprintf("%s%s", fx.base, path);

    daas_buf_init(&r.body, 0);
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    daas_free(url);
    if (r.body.data == NULL)
        assert_int_equal(daas_buf_append(&r.body, "", 0), DAAS_OK);
    return r;
}

static const char *const TS_HEADERS[] = {"Client-Sdk-Version: 1.4.4", "Client-Sdk-Type: typescript",
                                         "Content-Type: application/json", NULL};

/* Expects reply r to be the Seal error name with status; its message contains needle. */
static void expect_error(reply *r, long status, const char *name, const char *needle)
{
    daas_seal_errcode code;
    char msg[300];
    daas_err err = {0};

    if (r->status != status || strstr(r->body.data, name) == NULL ||
        (needle != NULL && strstr(r->body.data, needle) == NULL))
        fail_msg("got %ld %s, want %ld %s (%s)", r->status, r->body.data, status, name,
                 needle ? needle : "");
    OK(daas_seal_error_parse(DAAS_BYTES(r->body.data, r->body.len), &code, msg, sizeof msg, &err));
    assert_string_equal(daas_seal_error_name(code), name);
    assert_true(r->ks_version);
    assert_true(r->git_version);
    daas_buf_fini(&r->body);
}

/* ---- fetch_key requests ---- */

typedef struct req_opts {
    const daas_buf *ptb;        /* NULL: fx.ptb */
    const daas_sui_key *signer; /* who signs the personal message (NULL: fx.user) */
    const daas_sui_key *user;   /* the certificate's user (NULL: fx.user) */
    int64_t created_ago_ms;     /* creation_time = now - this (0: 1000) */
    uint16_t ttl;               /* 0: 10 */
    bool wrong_session_sig;     /* sign RequestFormat with another session key */
    bool sign_other_enc_key;    /* sign a RequestFormat with another enc_key */
} req_opts;

/* A fetch_key body as the TS SDK builds it (daas_free); writes the ElGamal secret. */
static char *make_request(const req_opts *o, uint8_t elg_sk[32])
{
    const daas_buf *ptb = o->ptb != NULL ? o->ptb : &fx.ptb;
    const daas_sui_key *user = o->user != NULL ? o->user : fx.user;
    const daas_sui_key *signer = o->signer != NULL ? o->signer : fx.user;
    uint8_t ssk[64], spk[32], ssk2[64], spk2[32], ek2[48];
    daas_seal_fetch_req r = {0};
    daas_buf msg, body;
    daas_err err = {0};

    crypto_sign_keypair(spk, ssk);
    crypto_sign_keypair(spk2, ssk2);
    r.ptb = (uint8_t *)ptb->data;
    r.ptb_len = ptb->len;
    OK(daas_seal_elgamal_keygen(elg_sk, r.enc_key, r.enc_vk, &err));
    daas_sui_key_address(user, r.cert.user);
    memcpy(r.cert.session_vk, spk, 32);
    r.cert.creation_time =
        (uint64_t)(daas_now_ms() - (o->created_ago_ms != 0 ? o->created_ago_ms : 1000));
    r.cert.ttl_min = o->ttl != 0 ? o->ttl : 10;
    daas_buf_init(&msg, 0);
    OK(daas_seal_personal_message(fx.pkg.package, NULL, r.cert.ttl_min, r.cert.creation_time, spk,
                                  &msg, &err));
    OK(daas_sui_sign_personal_message(signer, DAAS_BYTES(msg.data, msg.len), &r.cert.signature,
                                      &err));
    daas_buf_reset(&msg);
    memset(ek2, 0, sizeof ek2);
    if (o->sign_other_enc_key) {
        uint8_t sk2[32], vk2[96];
        OK(daas_seal_elgamal_keygen(sk2, ek2, vk2, &err));
    }
    OK(daas_seal_request_format(DAAS_BYTES(ptb->data, ptb->len),
                                o->sign_other_enc_key ? ek2 : r.enc_key, r.enc_vk, &msg, &err));
    crypto_sign_detached(r.request_signature, NULL, (const uint8_t *)msg.data, msg.len,
                         o->wrong_session_sig ? ssk2 : ssk);
    daas_buf_fini(&msg);
    daas_buf_init(&body, 0);
    OK(daas_seal_fetch_req_render(&r, &body, &err));
    daas_free(r.cert.signature);
    sodium_memzero(ssk, sizeof ssk);
    return daas_buf_steal(&body, NULL);
}

static reply fetch(const req_opts *o, const char *const *headers, uint8_t elg_sk[32])
{
    uint8_t sk[32];
    char *body = make_request(o, elg_sk != NULL ? elg_sk : sk);
    reply r =
        http("POST", "/v1/fetch_key", headers != NULL ? headers : TS_HEADERS, body, strlen(body));
    daas_free(body);
    return r;
}

/* ---- setup ---- */

static void make_ids(void)
{
    for (int i = 0; i < 2; i++) {
        memcpy(fx.id_bytes[i], fx.policy, 32);
        memcpy(fx.id_bytes[i] + 32, i == 0 ? "key-one!" : "key-two!", 8);
        fx.ids[i] = DAAS_BYTES(fx.id_bytes[i], 40);
    }
}

static void chain_objects(void)
{
    daas_err err = {0};
    daas_sui_exec_result r = {0};
    daas_pkg_policy pol;
    daas_pkg_policy_params p = {.required_stake = SUI, .ticket_ttl_ms = 3600000};

    fx.owner = funded_key();
    fx.user = funded_key();
    fx.other = funded_key();
    OK(daas_pkg_stake(fx.c, fx.user, &fx.pkg, 2 * SUI, DAAS_PKG_ROLE_VIEWER, &r, &err));
    daas_sui_exec_result_fini(&r);
    OK(daas_pkg_policy_create(fx.c, fx.user, &fx.pkg, &p, fx.policy, &err));
    OK(daas_pkg_policy_request_access(fx.c, fx.user, &fx.pkg, fx.policy, fx.ticket, &err));
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
    make_ids();
    daas_buf_init(&fx.ptb, 0);
    OK(daas_pkg_policy_approve_ptb(fx.c, &fx.pkg, &pol, fx.ticket, fx.ids, 2, &fx.ptb, &err));
}

static int group_setup(void **state)
{
    const char *base = getenv("DAAS_TEST_TMP");
    daas_err err = {0};
    char *chain_dir;
    int rc;

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0)
        return -1;
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    mkdir(base, 0755);
    fx.dir = daas_xasprintf("%s/keyserver-XXXXXX", base);
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    chain_dir = daas_xasprintf("%s/chain", fx.dir);
    daas_devnet_node_opts no = {.dir = chain_dir, .port = 0, .epoch_ms = 3600000};
    rc = daas_devnet_node_start(&no, &fx.node, &err);
    daas_free(chain_dir);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_resolve(daas_devnet_node_chain_file(fx.node), NULL, &fx.chain, &err);
    if (rc == DAAS_OK)
        rc = daas_sui_chain_client(&fx.chain, &fx.c, &err);
    if (rc == DAAS_OK)
        rc = daas_pkg_discover(fx.c, fx.chain.package, &fx.pkg, &err);
    if (rc == DAAS_OK && !fx.chain.has_seal_package)
        rc = daas_fail(&err, DAAS_EINVAL, "the chain file names no seal_package");
    if (rc != DAAS_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    chain_objects();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    daas_ks_free(&fx.ks);
    daas_buf_fini(&fx.ptb);
    daas_sui_key_free(&fx.owner);
    daas_sui_key_free(&fx.user);
    daas_sui_key_free(&fx.other);
    daas_sui_client_free(&fx.c);
    daas_devnet_node_stop(&fx.node);
    nftw(fx.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    daas_free(fx.dir);
    curl_global_cleanup();
    return 0;
}

/* ---- tests ---- */

/* Registration, then the server starts for the registered object. */
static void test_register_and_start(void **state)
{
    daas_err err = {0};
    const char *action = NULL;
    uint8_t again[32], other_pk[96], other_msk[32];
    daas_pkg_key_server got;

    (void)state;
    OK(daas_seal_msk_generate(fx.msk, &err));
    OK(daas_seal_public_key(fx.msk, fx.pk, &err));
    OK(daas_ks_register(fx.c, fx.owner, fx.chain.seal_package, "test", "http://a.example", fx.pk,
                        fx.ks_id, &action, &err));
    assert_string_equal(action, "created");
    OK(daas_ks_register(fx.c, fx.owner, fx.chain.seal_package, "test", "http://a.example", fx.pk,
                        again, &action, &err));
    assert_string_equal(action, "found");
    assert_memory_equal(again, fx.ks_id, 32);
    OK(daas_ks_register(fx.c, fx.owner, fx.chain.seal_package, "test", "http://b.example", fx.pk,
                        again, &action, &err));
    assert_string_equal(action, "updated");
    assert_memory_equal(again, fx.ks_id, 32);
    OK(daas_pkg_key_server_get(fx.c, fx.ks_id, &got, &err));
    assert_string_equal(got.url, "http://b.example");
    assert_memory_equal(got.pk, fx.pk, 96);
    OK(daas_ks_verify_object(fx.c, fx.ks_id, fx.pk, &err));
    OK(daas_seal_msk_generate(other_msk, &err));
    OK(daas_seal_public_key(other_msk, other_pk, &err));
    assert_int_equal(daas_ks_verify_object(fx.c, fx.ks_id, other_pk, &err), DAAS_EDENIED);
    assert_non_null(strstr(err.msg, "another public key"));

    daas_ks_config cfg = {
        .port = 0, .threads = 2, .client = fx.c, .has_seal_pkg = true, .now_ms = test_now};
    memcpy(cfg.msk, fx.msk, 32);
    memcpy(cfg.object_id, fx.ks_id, 32);
    memcpy(cfg.seal_pkg, fx.chain.seal_package, 32);
    const uint8_t(*known)[32] = &fx.chain.package; /* as `daas keyserver` passes it */
    cfg.known_pkgs = known;
    cfg.n_known_pkgs = 1;
    daas_err_clear(&err);
    OK(daas_ks_new(&cfg, &fx.ks, &err));
    OK(daas_ks_start(fx.ks, &err));
    snprintf(fx.base, sizeof fx.base, "http://127.0.0.1:%d", daas_ks_port(fx.ks));
    uint8_t pk[96];
    daas_ks_public_key(fx.ks, pk);
    assert_memory_equal(pk, fx.pk, 96);
}

static void test_service(void **state)
{
    char path[160], hex[67];
    uint8_t id[32], pop[48];
    daas_err err = {0};
    reply r;

    (void)state;
    daas_sui_address_hex(fx.ks_id, hex);
    snprintf(path, sizeof path, "/v1/service?service_id=%s", hex);
    r = http("GET", path, TS_HEADERS, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_true(r.ks_version && r.git_version);
    OK(daas_seal_service_parse(DAAS_BYTES(r.body.data, r.body.len), id, pop, &err));
    assert_memory_equal(id, fx.ks_id, 32);
    OK(daas_seal_pop_verify(fx.pk, fx.ks_id, pop, &err));
    /* the PoP is bound to the object id */
    id[0] ^= 1;
    assert_int_equal(daas_seal_pop_verify(fx.pk, id, pop, &err), DAAS_EUNAUTH);
    daas_buf_fini(&r.body);
    /* a short id of the same object is the same id */
    r = http("GET", "/v1/service?service_id=0x1", TS_HEADERS, NULL, 0);
    expect_error(&r, 400, "InvalidServiceId", "Invalid service ID");
    r = http("GET", "/v1/service?service_id=nothex", TS_HEADERS, NULL, 0);
    expect_error(&r, 400, "InvalidServiceId", NULL);
    r = http("GET", "/v1/service", TS_HEADERS, NULL, 0);
    expect_error(&r, 400, "InvalidServiceId", NULL);
    /* the middleware runs on /v1/service too */
    r = http("GET", path, NULL, NULL, 0);
    expect_error(&r, 400, "MissingRequiredHeader", "Missing required header: Client-Sdk-Version");
    /* health, CORS preflight, unknown path */
    r = http("GET", "/health", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    daas_buf_fini(&r.body);
    r = http("OPTIONS", "/v1/fetch_key", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    daas_buf_fini(&r.body);
    r = http("GET", "/v1/nothing", TS_HEADERS, NULL, 0);
    assert_int_equal(r.status, 404);
    daas_buf_fini(&r.body);
}

static void test_fetch_ok(void **state)
{
    uint8_t sk[32], usk[48];
    daas_seal_fetch_resp resp;
    daas_err err = {0};
    req_opts o = {0};
    int64_t t0;
    reply r;

    (void)state;
    t0 = daas_mono_ns();
    r = fetch(&o, NULL, sk);
    if (r.status != 200)
        fail_msg("fetch_key: %ld %s", r.status, r.body.data);
    print_message("fetch_key (2 ids, dry run on the devnet): %.1f ms\n",
                  (double)(daas_mono_ns() - t0) / 1e6);
    assert_true(r.ks_version && r.git_version);
    OK(daas_seal_fetch_resp_parse(DAAS_BYTES(r.body.data, r.body.len), &resp, &err));
    assert_int_equal(resp.nkeys, 2);
    for (size_t i = 0; i < 2; i++) {
        /* full id = first package id || inner id */
        assert_int_equal(resp.keys[i].id_len, 32 + 40);
        assert_memory_equal(resp.keys[i].id, fx.pkg.package, 32);
        assert_memory_equal(resp.keys[i].id + 32, fx.id_bytes[i], 40);
        OK(daas_seal_elgamal_decrypt(sk, resp.keys[i].c1, resp.keys[i].c2, usk, &err));
        OK(daas_seal_verify_usk(fx.pk, fx.pkg.package, fx.ids[i], usk, &err));
        /* and it is not the other id's key */
        assert_int_equal(daas_seal_verify_usk(fx.pk, fx.pkg.package, fx.ids[1 - i], usk, &err),
                         DAAS_EUNAUTH);
        daas_err_clear(&err);
    }
    daas_seal_fetch_resp_fini(&resp);
    daas_buf_fini(&r.body);
    /* a Rust client (any semver, type rust) and an unknown type are served too */
    static const char *const rust[] = {"Client-Sdk-Version: 0.0.1", "Client-Sdk-Type: rust",
                                       "Content-Type: application/json", NULL};
    r = fetch(&o, rust, NULL);
    assert_int_equal(r.status, 200);
    daas_buf_fini(&r.body);
}

static void test_headers(void **state)
{
    static const char *const none[] = {"Content-Type: application/json", NULL};
    static const char *const bad[] = {"Client-Sdk-Version: 1.4", "Client-Sdk-Type: typescript",
                                      "Content-Type: application/json", NULL};
    static const char *const old[] = {"Client-Sdk-Version: 0.4.4", "Client-Sdk-Type: typescript",
                                      "Content-Type: application/json", NULL};
    static const char *const text[] = {"Client-Sdk-Version: 1.4.4", "Content-Type: text/plain",
                                       NULL};
    req_opts o = {0};
    reply r;

    (void)state;
    r = fetch(&o, none, NULL);
    expect_error(&r, 400, "MissingRequiredHeader", NULL);
    r = fetch(&o, bad, NULL);
    expect_error(&r, 400, "InvalidSDKVersion", "Invalid SDK version");
    r = fetch(&o, old, NULL);
    expect_error(&r, 426, "DeprecatedSDKVersion", "Deprecated SDK version");
    /* the JSON extractor's gates: content type, syntax, data */
    r = fetch(&o, text, NULL);
    assert_int_equal(r.status, 415);
    daas_buf_fini(&r.body);
    r = http("POST", "/v1/fetch_key", TS_HEADERS, "{\"ptb\":", 7);
    assert_int_equal(r.status, 400);
    daas_buf_fini(&r.body);
    r = http("POST", "/v1/fetch_key", TS_HEADERS, "{\"ptb\":\"AA\"}", 12);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body.data, "ptb"));
    daas_buf_fini(&r.body);
    /* over 180 KiB */
    char *big = daas_xcalloc(DAAS_SEAL_MAX_BODY + 10, 1);
    memset(big, ' ', DAAS_SEAL_MAX_BODY + 9);
    r = http("POST", "/v1/fetch_key", TS_HEADERS, big, DAAS_SEAL_MAX_BODY + 9);
    assert_int_equal(r.status, 413);
    daas_buf_fini(&r.body);
    daas_free(big);
}

/* fx.ptb decoded; the caller frees with daas_sui_ptb_fini. */
static void decoded_ptb(daas_sui_ptb *p)
{
    daas_buf k;
    daas_err err = {0};

    daas_buf_init(&k, 0);
    OK(daas_buf_append(&k, "\0", 1));
    OK(daas_buf_append(&k, fx.ptb.data, fx.ptb.len));
    OK(daas_sui_tx_kind_decode(DAAS_BYTES(k.data, k.len), p, &err));
    daas_buf_fini(&k);
}

/* A fetch with the PTB made of p's inputs and the given commands. */
static reply fetch_cmds(const daas_sui_ptb *p, daas_sui_command *cmds, size_t n)
{
    daas_sui_ptb q = {p->n_inputs, p->inputs, n, cmds};
    daas_buf b;
    req_opts o = {.ptb = &b};
    reply r;

    daas_buf_init(&b, 0);
    kst_encode(&q, &b);
    r = fetch(&o, NULL, NULL);
    daas_buf_fini(&b);
    return r;
}

static void test_bad_ptb(void **state)
{
    daas_sui_ptb p;
    daas_sui_command c[101];
    daas_sui_arg args[8];
    reply r;

    (void)state;
    decoded_ptb(&p);
    assert_true(p.commands[0].n_args <= 8);
    /* not a seal_approve* function */
    c[0] = p.commands[0];
    c[0].function = "approve";
    r = fetch_cmds(&p, c, 1);
    expect_error(&r, 403, "InvalidPTB", "Invalid PTB: Invalid function name approve");
    /* a GasCoin argument */
    c[0] = p.commands[0];
    memcpy(args, c[0].args, c[0].n_args * sizeof *args);
    args[1] = (daas_sui_arg){DAAS_SUI_ARG_GAS_COIN, 0, 0};
    c[0].args = args;
    r = fetch_cmds(&p, c, 1);
    expect_error(&r, 403, "InvalidPTB", "Only inputs are allowed");
    /* two packages */
    c[0] = p.commands[0];
    c[1] = p.commands[1];
    c[1].package[5] ^= 0xff;
    r = fetch_cmds(&p, c, 2);
    expect_error(&r, 403, "InvalidPTB", "same package");
    /* 101 commands */
    for (int i = 0; i < 101; i++)
        c[i] = p.commands[i % 2];
    r = fetch_cmds(&p, c, 101);
    expect_error(&r, 403, "InvalidPTB", "Too many commands");
    /* an unknown package; an object that is not a package */
    c[0] = p.commands[0];
    memset(c[0].package, 0x42, 32);
    r = fetch_cmds(&p, c, 1);
    expect_error(&r, 403, "InvalidPackage", "Invalid package ID");
    memcpy(c[0].package, fx.policy, 32);
    r = fetch_cmds(&p, c, 1);
    expect_error(&r, 403, "InvalidPackage", NULL);
    /* a function that does not exist: FunctionNotFound is InvalidPTB */
    c[0] = p.commands[0];
    c[0].function = "seal_approve_nothing";
    r = fetch_cmds(&p, c, 1);
    expect_error(&r, 403, "InvalidPTB",
                 "Invalid PTB: The seal_approve function was not found on the module");
    daas_sui_ptb_fini(&p);
}

static void test_certificate(void **state)
{
    req_opts o = {0};
    reply r;

    (void)state;
    o.created_ago_ms = 11 * 60000; /* ttl 10 min: expired */
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidCertificate", "Invalid certificate time or ttl");
    o.created_ago_ms = -60000; /* a minute in the future */
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidCertificate", NULL);
    o.created_ago_ms = 0;
    o.ttl = 31;
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidCertificate", NULL);
    o.ttl = 30;
    r = fetch(&o, NULL, NULL);
    assert_int_equal(r.status, 200);
    daas_buf_fini(&r.body);
}

static void test_signatures(void **state)
{
    req_opts o = {0};
    reply r;

    (void)state;
    o.signer = fx.other; /* the certificate names user, other signed it */
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidSignature", "Invalid user signature");
    o = (req_opts){.wrong_session_sig = true};
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidSessionSignature", "Invalid session key signature");
    /* a request signed for another enc_key (a replay to get keys encrypted elsewhere) */
    o = (req_opts){.sign_other_enc_key = true};
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidSessionSignature", NULL);
}

static void test_policy_refusals(void **state)
{
    daas_err err = {0};
    daas_pkg_policy pol;
    uint8_t wrong[8] = "no-prefx";
    daas_bytes id = DAAS_BYTES(wrong, sizeof wrong);
    daas_buf b;
    req_opts o = {.ptb = &b};
    reply r;

    (void)state;
    /* the id does not start with the policy id: seal_approve aborts EWrongId */
    OK(daas_pkg_policy_get(fx.c, &fx.pkg, fx.policy, &pol, &err));
    daas_buf_init(&b, 0);
    OK(daas_pkg_policy_approve_ptb(fx.c, &fx.pkg, &pol, fx.ticket, &id, 1, &b, &err));
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "NoAccess",
                 "Access denied: secret_policy::seal_approve abort 7 (EWrongId)");
    daas_buf_fini(&b);
    /* another user (with a valid certificate of their own) cannot use user's ticket: the
     * owned input is refused before execution */
    o = (req_opts){.user = fx.other, .signer = fx.other};
    r = fetch(&o, NULL, NULL);
    expect_error(&r, 403, "InvalidParameter", "Invalid parameter to PTB: ");
    /* the key server's clock 10 minutes ahead of the chain's: the full node looks stale */
    atomic_store(&clock_offset_ms, 10 * 60000);
    o = (req_opts){.created_ago_ms = -10 * 60000 + 1000};
    r = fetch(&o, NULL, NULL);
    atomic_store(&clock_offset_ms, 0);
    expect_error(&r, 503, "Failure", "Internal server error, please try again later");
}

static void test_metrics(void **state)
{
    reply r;

    (void)state;
    r = http("GET", "/metrics", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "daas_keyserver_fetch_key_ok_total 3\n"));
    assert_non_null(strstr(r.body.data, "daas_keyserver_keys_total 6\n"));
    assert_non_null(strstr(r.body.data, "daas_keyserver_errors_total{error=\"NoAccess\"} 1\n"));
    assert_non_null(strstr(r.body.data, "daas_keyserver_errors_total{error=\"InvalidPTB\"} 5\n"));
    assert_non_null(strstr(r.body.data, "daas_keyserver_service_requests_total 1\n"));
    daas_buf_fini(&r.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_start),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_fetch_ok),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_bad_ptb),
        cmocka_unit_test(test_certificate),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_policy_refusals),
        cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
