/*
 * test_authn_sui.c: the Sui wallet authenticator (api/authn_sui.c) with a frozen clock and a
 * fake stake source that counts its lookups: users and role groups, every rejection with its
 * message (malformed, other cluster, expired, too long, bad signature, wrong signer, replayed
 * nonce, too many live tokens, unreadable stake), the same token reused, the stake cache
 * (hit, miss, TTL, invalidate one / all, an invalidation during a lookup, many addresses
 * with removals), lookups of different addresses running at the same time, and the chain
 * adapter (header shapes, ENOTFOUND for other tokens, the reason in the 401).
 *
 * Owns:   each test's authenticator, keys and tokens, freed before it returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/authn_sui.h"
#include "common/util.h"
#include "sui/pkg.h"
#include "sui/token.h"

#define T0 1790000000000LL
#define MIN_MS 60000LL

static int64_t fake_now = T0;
static int64_t clock_fn(void)
{
    return fake_now;
}

/* ---- a fake stake source ---- */

typedef struct fake_stake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;              /* lookups so far */
    int role;               /* answered for every address... */
    uint8_t special[32];    /* ...except this one, which gets special_role */
    int special_role;
    bool slashed;
    bool fail;              /* answer an error */
    bool block_special;     /* lookups of `special` wait until release */
    bool in_flight;         /* a blocked lookup has started */
    bool release;
} fake_stake;

static int fake_lookup(void *self, const uint8_t addr[32], daas_stake_info *out, daas_err *err)
{
    fake_stake *f = self;
    pthread_mutex_lock(&f->mu);
    f->calls++;
    bool special = memcmp(addr, f->special, 32) == 0;
    if (special && f->block_special) {
        f->in_flight = true;
        pthread_cond_broadcast(&f->cv);
        while (!f->release)
            pthread_cond_wait(&f->cv, &f->mu);
    }
    int rc = DAAS_OK;
    if (f->fail)
        rc = daas_fail(err, DAAS_EREMOTE, "chain unreachable");
    out->role = special ? f->special_role : f->role;
    out->amount = 1000;
    out->slashed = f->slashed;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

static int calls(fake_stake *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->calls;
    pthread_mutex_unlock(&f->mu);
    return n;
}

typedef struct fixture {
    fake_stake stake;
    daas_authn_sui *h;
    daas_sui_key *k;  /* Ed25519 */
    daas_sui_key *k2; /* secp256k1 */
    char addr[67], addr2[67];
} fixture;

static daas_authn_sui *make_auth(fake_stake *fs, size_t max_tokens, size_t max_stakes)
{
    daas_authn_sui_opts o = {.cluster_id = "test-1",
                             .source = {fake_lookup, fs},
                             .stake_ttl_ms = 30000,
                             .max_live_tokens = max_tokens,
                             .max_stake_entries = max_stakes,
                             .lookups_per_s = 1000, /* the rate limit has its own test */
                             .now_ms = clock_fn};
    daas_authn_sui *h = NULL;
    daas_err err = {0};
    assert_int_equal(daas_authn_sui_new(&o, &h, &err), DAAS_OK);
    return h;
}

static int setup(void **state)
{
    fixture *f = daas_xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->stake.mu, NULL);
    pthread_cond_init(&f->stake.cv, NULL);
    f->stake.role = DAAS_PKG_ROLE_USER;
    fake_now = T0;
    f->h = make_auth(&f->stake, 0, 0);
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &f->k, NULL), DAAS_OK);
    assert_int_equal(daas_sui_key_generate(DAAS_SUI_SECP256K1, &f->k2, NULL), DAAS_OK);
    uint8_t a[32];
    daas_sui_key_address(f->k, a);
    daas_sui_address_hex(a, f->addr);
    daas_sui_key_address(f->k2, a);
    daas_sui_address_hex(a, f->addr2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    daas_authn_sui_free(&f->h);
    daas_sui_key_free(&f->k);
    daas_sui_key_free(&f->k2);
    pthread_mutex_destroy(&f->stake.mu);
    pthread_cond_destroy(&f->stake.cv);
    daas_free(f);
    return 0;
}

static char *token(const daas_sui_key *k, const char *cluster, int64_t ttl)
{
    char *t = NULL;
    assert_int_equal(daas_sui_token_make(k, cluster, fake_now, ttl, &t, NULL, NULL), DAAS_OK);
    return t;
}

/* A token signed by `signer` over an explicit message. New string. */
static char *token_msg(const daas_sui_key *signer, const char *msg)
{
    uint8_t digest[32], sig[DAAS_SUI_SERSIG_MAX];
    size_t n = 0;
    daas_sui_personal_message_digest(DAAS_BYTES(msg, strlen(msg)), digest);
    assert_int_equal(daas_sui_sign_digest(signer, digest, sig, &n, NULL), DAAS_OK);
    char *m = daas_base64url_encode(msg, strlen(msg)), *s = daas_base64url_encode(sig, n);
    char *t = daas_xasprintf(DAAS_SUI_TOKEN_PREFIX "%s.%s", m, s);
    daas_free(m);
    daas_free(s);
    return t;
}

static int check(daas_authn_sui *h, const char *tok, daas_user *u, daas_err *err)
{
    daas_err_clear(err);
    return daas_authn_sui_check(h, tok, strlen(tok), u, err);
}

static void expect_reject(daas_authn_sui *h, const char *tok, const char *msg)
{
    daas_user u;
    daas_err err = {0};
    int rc = check(h, tok, &u, &err);
    if (rc != DAAS_EUNAUTH || strcmp(err.msg, msg) != 0)
        fail_msg("check: rc %d \"%s\", want EUNAUTH \"%s\"", rc, err.msg, msg);
}

static void expect_role(daas_authn_sui *h, const char *tok, const char *group)
{
    daas_user u;
    daas_err err = {0};
    int rc = check(h, tok, &u, &err);
    if (rc != DAAS_OK)
        fail_msg("check: %s", err.msg);
    assert_int_equal(u.ngroups, 2);
    assert_string_equal(u.groups[0], "system:authenticated");
    assert_string_equal(u.groups[1], group);
}

/* ---- tests ---- */

static void test_user_and_roles(void **state)
{
    fixture *f = *state;
    char *t = token(f->k, "test-1", 5 * MIN_MS);
    daas_user u;
    daas_err err = {0};
    assert_int_equal(check(f->h, t, &u, &err), DAAS_OK);
    char want[80];
    snprintf(want, sizeof want, "sui:%s", f->addr);
    assert_string_equal(u.name, want);
    assert_string_equal(u.uid, f->addr);
    assert_string_equal(u.groups[1], "daas:role:user");
    daas_free(t);

    const char *groups[] = {"daas:role:none", "daas:role:viewer", "daas:role:user",
                            "daas:role:node", "daas:role:admin"};
    for (int r = 0; r <= 4; r++) {
        f->stake.role = r;
        daas_authn_sui_invalidate_all(f->h);
        t = token(f->k, "test-1", MIN_MS);
        expect_role(f->h, t, groups[r]);
        daas_free(t);
    }
    f->stake.role = DAAS_PKG_ROLE_ADMIN; /* slashed: no role, whatever role says */
    f->stake.slashed = true;
    daas_authn_sui_invalidate_all(f->h);
    t = token(f->k, "test-1", MIN_MS);
    expect_role(f->h, t, "daas:role:none");
    daas_free(t);
    f->stake.slashed = false;
    f->stake.role = 7; /* nonsense from the source */
    daas_authn_sui_invalidate_all(f->h);
    t = token(f->k, "test-1", MIN_MS);
    expect_role(f->h, t, "daas:role:none");
    daas_free(t);
    f->stake.role = -1; /* below the range: "none" too, never pkg.h's "invalid" */
    daas_authn_sui_invalidate_all(f->h);
    t = token(f->k, "test-1", MIN_MS);
    expect_role(f->h, t, "daas:role:none");
    daas_free(t);
}

static void test_rejections(void **state)
{
    fixture *f = *state;
    daas_user u;
    daas_err err = {0};
    /* not ours */
    assert_int_equal(check(f->h, "some-other-token", &u, &err), DAAS_ENOTFOUND);
    assert_int_equal(check(f->h, "", &u, &err), DAAS_ENOTFOUND);
    /* malformed */
    expect_reject(f->h, "daas-sui.v1.garbage", "malformed token does not have exactly two "
                                                "parts after the prefix");
    /* another cluster */
    char *t = token(f->k, "prod", MIN_MS);
    expect_reject(f->h, t, "token is for cluster prod");
    daas_free(t);
    /* expiry: one ms left is fine, none left is expired */
    t = token(f->k, "test-1", MIN_MS);
    fake_now += MIN_MS - 1;
    expect_role(f->h, t, "daas:role:user");
    fake_now += 1;
    expect_reject(f->h, t, "token expired");
    daas_free(t);
    /* lifetime: 15 min + 30 s of skew is the most */
    t = token(f->k, "test-1", 15 * MIN_MS + 30000);
    expect_role(f->h, t, "daas:role:user");
    daas_free(t);
    t = token(f->k, "test-1", 15 * MIN_MS + 30001);
    expect_reject(f->h, t, "token lifetime exceeds 15 minutes");
    daas_free(t);
    /* a message naming k, signed by k2 */
    char msg[200];
    snprintf(msg, sizeof msg, "daas-auth:v1:test-1:%s:%lld:0123456789abcdef0123456789abcdef",
             f->addr, (long long)(fake_now + MIN_MS));
    t = token_msg(f->k2, msg);
    char want[200];
    snprintf(want, sizeof want, "token is signed by %s, not by %s", f->addr2, f->addr);
    expect_reject(f->h, t, want);
    daas_free(t);
    /* a signature over another message */
    t = token_msg(f->k, msg);
    char *dot = strrchr(t, '.');
    char msg2[200];
    snprintf(msg2, sizeof msg2, "daas-auth:v1:test-1:%s:%lld:0123456789abcdef0123456789abcdee",
             f->addr, (long long)(fake_now + MIN_MS));
    char *m64 = daas_base64url_encode(msg2, strlen(msg2));
    char *forged = daas_xasprintf(DAAS_SUI_TOKEN_PREFIX "%s%s", m64, dot);
    expect_reject(f->h, forged, "token signature does not verify");
    /* the rejections above read no stake */
    assert_int_equal(calls(&f->stake), 1);
    /* and the genuine one is fine */
    expect_role(f->h, t, "daas:role:user");
    daas_free(m64);
    daas_free(forged);
    daas_free(t);
}

/* The nonce of token t in hex. */
static void nonce_of(const char *t, char nonce[33])
{
    daas_sui_token p;
    assert_int_equal(daas_sui_token_parse(t, strlen(t), &p, NULL), DAAS_OK);
    for (int i = 0; i < 16; i++)
        snprintf(nonce + 2 * i, 3, "%02x", p.nonce[i]);
}

static void test_replay(void **state)
{
    fixture *f = *state;
    char *t = token(f->k, "test-1", 5 * MIN_MS);
    for (int i = 0; i < 50; i++) /* kubectl reuses one token for every request */
        expect_role(f->h, t, "daas:role:user");
    /* another token with the same address and nonce: rejected */
    char nonce[33], msg[200];
    nonce_of(t, nonce);
    snprintf(msg, sizeof msg, "daas-auth:v1:test-1:%s:%lld:%s", f->addr,
             (long long)(fake_now + 4 * MIN_MS), nonce);
    char *again = token_msg(f->k, msg);
    expect_reject(f->h, again, "token nonce already used");
    /* the same nonce under another address is another key of the cache */
    char msg2[200];
    snprintf(msg2, sizeof msg2, "daas-auth:v1:test-1:%s:%lld:%s", f->addr2,
             (long long)(fake_now + 4 * MIN_MS), nonce);
    char *other = token_msg(f->k2, msg2);
    expect_role(f->h, other, "daas:role:user");
    /* once the first token expired, its nonce may be used again */
    fake_now += 5 * MIN_MS;
    expect_reject(f->h, t, "token expired");
    daas_free(again);
    snprintf(msg, sizeof msg, "daas-auth:v1:test-1:%s:%lld:%s", f->addr,
             (long long)(fake_now + MIN_MS), nonce);
    again = token_msg(f->k, msg);
    expect_role(f->h, again, "daas:role:user");
    daas_free(again);
    daas_free(other);
    daas_free(t);
}

static void test_replay_unstaked_not_recorded(void **state)
{
    fixture *f = *state;
    f->stake.role = DAAS_PKG_ROLE_NONE;
    char *t = token(f->k, "test-1", 5 * MIN_MS);
    expect_role(f->h, t, "daas:role:none");
    char nonce[33], msg[200];
    nonce_of(t, nonce);
    snprintf(msg, sizeof msg, "daas-auth:v1:test-1:%s:%lld:%s", f->addr,
             (long long)(fake_now + 2 * MIN_MS), nonce);
    char *again = token_msg(f->k, msg);
    expect_role(f->h, again, "daas:role:none");
    daas_free(again);
    daas_free(t);
}

static void test_too_many_live_tokens(void **state)
{
    fixture *f = *state;
    daas_authn_sui *h = make_auth(&f->stake, 3, 0);
    char *t[5];
    for (int i = 0; i < 3; i++) {
        t[i] = token(f->k, "test-1", MIN_MS);
        expect_role(h, t[i], "daas:role:user");
    }
    t[3] = token(f->k, "test-1", 2 * MIN_MS);
    expect_reject(h, t[3], "too many live tokens");
    for (int i = 0; i < 3; i++) /* the recorded ones still work */
        expect_role(h, t[i], "daas:role:user");
    fake_now += MIN_MS; /* the first three expire: room again */
    expect_role(h, t[3], "daas:role:user");
    t[4] = token(f->k, "test-1", MIN_MS);
    expect_role(h, t[4], "daas:role:user");
    for (int i = 0; i < 5; i++)
        daas_free(t[i]);
    daas_authn_sui_free(&h);
}

static void test_stake_cache(void **state)
{
    fixture *f = *state;
    char *t = token(f->k, "test-1", 10 * MIN_MS), *t2 = token(f->k2, "test-1", 10 * MIN_MS);
    expect_role(f->h, t, "daas:role:user");
    assert_int_equal(calls(&f->stake), 1);
    expect_role(f->h, t, "daas:role:user"); /* hit */
    expect_role(f->h, t2, "daas:role:user"); /* another address: miss */
    assert_int_equal(calls(&f->stake), 2);
    fake_now += 29999;
    expect_role(f->h, t, "daas:role:user");
    assert_int_equal(calls(&f->stake), 2);
    fake_now += 1; /* the TTL (30 s) is over */
    f->stake.role = DAAS_PKG_ROLE_VIEWER;
    expect_role(f->h, t, "daas:role:viewer");
    expect_role(f->h, t2, "daas:role:viewer");
    assert_int_equal(calls(&f->stake), 4);
    /* invalidate one address: only it is read again */
    f->stake.role = DAAS_PKG_ROLE_ADMIN;
    uint8_t a[32];
    daas_sui_key_address(f->k, a);
    daas_authn_sui_invalidate(f->h, a);
    expect_role(f->h, t, "daas:role:admin");
    expect_role(f->h, t2, "daas:role:viewer"); /* still cached */
    assert_int_equal(calls(&f->stake), 5);
    /* invalidate all */
    daas_authn_sui_invalidate_all(f->h);
    expect_role(f->h, t2, "daas:role:admin");
    expect_role(f->h, t, "daas:role:admin");
    assert_int_equal(calls(&f->stake), 7);
    /* a failing source: 401 with the reason, and nothing cached */
    f->stake.fail = true;
    daas_authn_sui_invalidate_all(f->h);
    char want[200];
    snprintf(want, sizeof want, "cannot read stake for %s: chain unreachable", f->addr);
    expect_reject(f->h, t, want);
    expect_reject(f->h, t, want);
    assert_int_equal(calls(&f->stake), 9);
    f->stake.fail = false;
    expect_role(f->h, t, "daas:role:admin");
    daas_free(t);
    daas_free(t2);
}

/* Many addresses in a small stake cache with removals in between: every cached address
 * stays a hit, every removed one is a miss (checks the table's removal keeps probe runs
 * intact), and the bound holds. */
static void test_stake_cache_many(void **state)
{
    fixture *f = *state;
    enum { N = 120 };
    daas_authn_sui *h = make_auth(&f->stake, 0, 200);
    daas_sui_key *keys[N];
    char *toks[N];
    uint8_t addrs[N][32];
    for (int i = 0; i < N; i++) {
        uint8_t secret[32] = {0};
        secret[0] = (uint8_t)(i + 1);
        secret[31] = 0x5a;
        assert_int_equal(daas_sui_key_from_secret(DAAS_SUI_ED25519, secret, &keys[i], NULL),
                         DAAS_OK);
        daas_sui_key_address(keys[i], addrs[i]);
        toks[i] = token(keys[i], "test-1", 10 * MIN_MS);
        expect_role(h, toks[i], "daas:role:user");
    }
    assert_int_equal(calls(&f->stake), N);
    for (int i = 0; i < N; i += 3)
        daas_authn_sui_invalidate(h, addrs[i]);
    int before = calls(&f->stake);
    for (int i = 0; i < N; i++)
        expect_role(h, toks[i], "daas:role:user");
    assert_int_equal(calls(&f->stake) - before, (N + 2) / 3);
    before = calls(&f->stake);
    for (int i = 0; i < N; i++)
        expect_role(h, toks[i], "daas:role:user");
    assert_int_equal(calls(&f->stake), before);
    for (int i = 0; i < N; i++) {
        daas_free(toks[i]);
        daas_sui_key_free(&keys[i]);
    }
    daas_authn_sui_free(&h);
}

typedef struct bg_check {
    daas_authn_sui *h;
    const char *tok;
    int rc;
    daas_user u;
} bg_check;

static void *bg_run(void *arg)
{
    bg_check *b = arg;
    daas_err err = {0};
    b->rc = daas_authn_sui_check(b->h, b->tok, strlen(b->tok), &b->u, &err);
    return NULL;
}

static void wait_in_flight(fake_stake *fs)
{
    pthread_mutex_lock(&fs->mu);
    while (!fs->in_flight)
        pthread_cond_wait(&fs->cv, &fs->mu);
    pthread_mutex_unlock(&fs->mu);
}

static void release(fake_stake *fs)
{
    pthread_mutex_lock(&fs->mu);
    fs->release = true;
    pthread_cond_broadcast(&fs->cv);
    pthread_mutex_unlock(&fs->mu);
}

/* A lookup in flight for one address does not hold up another address (this test would
 * hang if it did), and an invalidation during a lookup keeps its answer out of the cache. */
static void test_concurrent_lookups(void **state)
{
    fixture *f = *state;
    daas_sui_key_address(f->k, f->stake.special);
    f->stake.special_role = DAAS_PKG_ROLE_NODE;
    f->stake.block_special = true;
    char *ta = token(f->k, "test-1", MIN_MS), *tb = token(f->k2, "test-1", MIN_MS);
    bg_check b = {.h = f->h, .tok = ta, .rc = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, bg_run, &b), 0);
    wait_in_flight(&f->stake);
    expect_role(f->h, tb, "daas:role:user"); /* while A's lookup is blocked */
    daas_authn_sui_invalidate(f->h, f->stake.special);
    release(&f->stake);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(b.rc, DAAS_OK);
    assert_string_equal(b.u.groups[1], "daas:role:node");
    f->stake.block_special = false;
    int before = calls(&f->stake);
    expect_role(f->h, ta, "daas:role:node"); /* not cached: read again */
    assert_int_equal(calls(&f->stake), before + 1);
    expect_role(f->h, ta, "daas:role:node"); /* now cached */
    assert_int_equal(calls(&f->stake), before + 1);
    daas_free(ta);
    daas_free(tb);
}

/* ---- through the authenticator chain ---- */

/* The reason the last run_chain gave after "Unauthorized: " ("" when it gave none). */
static char chain_reason[240];

static const char *reason(void)
{
    return chain_reason;
}

static int run_chain(daas_authn *a, const char *authz, daas_user *u)
{
    daas_http_header h = {"Authorization", authz};
    daas_http_req req = {.method = "GET", .target = "/", .path = "/", .query = "",
                         .headers = &h, .nheaders = authz ? 1 : 0, .remote = "test"};
    daas_err err = {0};
    int rc = daas_authn_run(a, &req, u, &err);
    chain_reason[0] = '\0';
    if (rc != DAAS_OK) {
        assert_int_equal(err.code, DAAS_EUNAUTH);
        const char *p = strncmp(err.msg, "Unauthorized: ", 14) == 0 ? err.msg + 14 : "";
        if (p[0] == '\0')
            assert_string_equal(err.msg, "Unauthorized");
        snprintf(chain_reason, sizeof chain_reason, "%s", p);
    }
    return rc;
}

static void test_chain(void **state)
{
    fixture *f = *state;
    daas_authn *a = daas_authn_new();
    daas_authn_sui_opts o = {.cluster_id = "test-1", .source = {fake_lookup, &f->stake},
                             .now_ms = clock_fn};
    daas_authn_sui *h = NULL;
    daas_err err = {0};
    assert_int_equal(daas_authn_add_sui(a, &o, &h, &err), DAAS_OK);
    assert_non_null(h);
    daas_user u;
    char *t = token(f->k, "test-1", MIN_MS);
    char *hdr = daas_xasprintf("Bearer %s", t);
    assert_int_equal(run_chain(a, hdr, &u), DAAS_OK);
    assert_string_equal(u.groups[1], "daas:role:user");
    daas_free(hdr);
    hdr = daas_xasprintf("  bearer \t%s  ", t);
    assert_int_equal(run_chain(a, hdr, &u), DAAS_OK);
    daas_free(hdr);
    assert_string_equal(reason(), "");
    /* other credentials are not ours: the chain goes on (and, at its end, says no) */
    assert_int_equal(run_chain(a, "Bearer abc", &u), DAAS_EUNAUTH);
    assert_string_equal(reason(), "");
    assert_int_equal(run_chain(a, NULL, &u), DAAS_EUNAUTH);
    assert_int_equal(run_chain(a, "Basic dXNlcjpwYXNz", &u), DAAS_EUNAUTH);
    assert_string_equal(reason(), "");
    /* ours and bad: the reason is kept for this thread */
    hdr = daas_xasprintf("Bearer %s extra", t);
    assert_int_equal(run_chain(a, hdr, &u), DAAS_EUNAUTH);
    assert_string_equal(reason(), "malformed bearer token");
    daas_free(hdr);
    fake_now += MIN_MS;
    hdr = daas_xasprintf("Bearer %s", t);
    assert_int_equal(run_chain(a, hdr, &u), DAAS_EUNAUTH);
    assert_string_equal(reason(), "token expired");
    assert_string_equal(u.name, "");
    daas_free(hdr);
    daas_free(t);
    /* bad options */
    daas_authn_sui_opts bad = o;
    bad.cluster_id = "a:b";
    daas_err_clear(&err);
    assert_int_equal(daas_authn_add_sui(a, &bad, NULL, &err), DAAS_EINVAL);
    bad = o;
    bad.source.lookup = NULL;
    assert_int_equal(daas_authn_add_sui(a, &bad, NULL, NULL), DAAS_EINVAL);
    daas_authn_free(&a);
}

/* Stake reads of addresses not in the cache are rate-limited: a burst of twice the rate, then
 * the rate; a cached address is never refused; the bucket refills with time. */
static void test_new_wallet_rate(void **state)
{
    fixture *f = *state;
    daas_authn_sui_opts o = {.cluster_id = "test-1", .source = {fake_lookup, &f->stake},
                             .lookups_per_s = 2, .now_ms = clock_fn};
    daas_authn_sui *h = NULL;
    assert_int_equal(daas_authn_sui_new(&o, &h, NULL), DAAS_OK);
    daas_user u;
    daas_err err = {0};
    daas_sui_key *keys[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(daas_sui_key_generate(DAAS_SUI_ED25519, &keys[i], NULL), DAAS_OK);
    for (int i = 0; i < 4; i++) { /* the burst: 2 per second, twice over */
        char *t = token(keys[i], "test-1", MIN_MS);
        assert_int_equal(check(h, t, &u, &err), DAAS_OK);
        daas_free(t);
    }
    char *t4 = token(keys[4], "test-1", MIN_MS);
    assert_int_equal(check(h, t4, &u, &err), DAAS_EUNAUTH);
    assert_non_null(strstr(err.msg, "too many new wallets"));
    assert_int_equal(calls(&f->stake), 4); /* the refused one cost no chain read */
    char *t0 = token(keys[0], "test-1", MIN_MS); /* cached: fine */
    assert_int_equal(check(h, t0, &u, &err), DAAS_OK);
    fake_now += 500; /* one more read allowed */
    assert_int_equal(check(h, t4, &u, &err), DAAS_OK);
    char *t5 = token(keys[5], "test-1", MIN_MS);
    assert_int_equal(check(h, t5, &u, &err), DAAS_EUNAUTH);
    assert_int_equal(calls(&f->stake), 5);
    daas_free(t0);
    daas_free(t4);
    daas_free(t5);
    for (int i = 0; i < 6; i++)
        daas_sui_key_free(&keys[i]);
    daas_authn_sui_free(&h);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_user_and_roles),     T(test_rejections),
        T(test_replay),             T(test_replay_unstaked_not_recorded),
        T(test_too_many_live_tokens), T(test_stake_cache),
        T(test_stake_cache_many),   T(test_concurrent_lookups),
        T(test_chain),              T(test_new_wallet_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
