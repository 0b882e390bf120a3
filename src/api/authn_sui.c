/*
 * authn_sui.c: the Sui wallet authenticator (contract in authn_sui.h): token checks, the
 * replay cache, the stake cache, and the chain adapter.
 *
 * Owns:   two bounded hash tables behind one mutex: the replay cache (SHA-256(address ||
 *         nonce) → SHA-256(token), until the token's expiry) and the stake cache (address →
 *         stake, until fetched + TTL);
 * Not:    the token format (sui/token.c), the chain reads (the stake source), authorization.
 * Model:  a token is checked in this order: bearer shape, parse, cluster, expiry window,
 *         replay cache (a token already accepted skips the signature check: kubectl sends
 *         the same token on every request of a command), signature, stake, then the nonce
 *         is recorded. Only tokens of a staked address (role > 0) are recorded, so an
 *         unstaked key cannot fill the replay cache and lock out everyone else.
 * Invariants:
 *   - mu guards both tables and gen; it is never held while verifying a signature or
 *     reading stake;
 *   - a stake answer is cached only when no invalidation happened while it was fetched
 *     (gen unchanged), so an event that arrives mid-lookup is never overwritten;
 *   - the tables are open-addressed with linear probing and a random SipHash key, never
 *     hold more than their bound of live entries, and drop expired entries when they grow.
 * Spec:   ARCHITECTURE.md §3.1.
 */
#include "api/authn_sui.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api/authn_int.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"
#include "sui/pkg.h"
#include "sui/token.h"

#define MOD "authn_sui"
#define DEFAULT_STAKE_TTL_MS 30000
#define DEFAULT_LOOKUPS_PER_S 50
#define DEFAULT_MAX_ENTRIES 100000
#define TABLE_MIN_CAP 64

/* ---- a bounded hash table of 32-byte keys ---- */

typedef struct slot {
    uint8_t key[32];
    int64_t until_ms; /* the entry is live while now < until_ms */
    bool used;
    union {
        uint8_t token_hash[32];  /* replay cache: SHA-256 of the accepted token */
        daas_stake_info stake;   /* stake cache */
    } v;
} slot;

typedef struct table {
    slot *v;      /* cap slots */
    size_t cap;   /* a power of two (0 before the first insert) */
    size_t n;     /* used slots, expired ones included */
    size_t max;   /* bound on live entries */
    uint8_t sipkey[crypto_shorthash_KEYBYTES];
} table;

static void table_init(table *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max;
    randombytes_buf(t->sipkey, sizeof t->sipkey);
}

static void table_fini(table *t)
{
    daas_free(t->v);
    t->v = NULL;
    t->cap = t->n = 0;
}

static size_t home_of(const table *t, const uint8_t key[32])
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t x = 0;
    crypto_shorthash(h, key, 32, t->sipkey);
    memcpy(&x, h, sizeof x);
    return (size_t)x & (t->cap - 1);
}

static slot *table_find(table *t, const uint8_t key[32])
{
    if (t->cap == 0)
        return NULL;
    for (size_t i = home_of(t, key);; i = (i + 1) & (t->cap - 1)) {
        if (!t->v[i].used)
            return NULL;
        if (memcmp(t->v[i].key, key, 32) == 0)
            return &t->v[i];
    }
}

/* The slot for key (which is not in t); the table has room. */
static slot *table_slot(table *t, const uint8_t key[32])
{
    size_t i = home_of(t, key);
    while (t->v[i].used)
        i = (i + 1) & (t->cap - 1);
    return &t->v[i];
}

static size_t pow2_at_least(size_t n)
{
    size_t c = TABLE_MIN_CAP;
    while (c < n)
        c <<= 1;
    return c;
}

/* Rehashes the live entries into a table sized for them (and twice as many more). */
static void table_rebuild(table *t, int64_t now)
{
    size_t live = 0;
    for (size_t i = 0; i < t->cap; i++)
        live += t->v[i].used && t->v[i].until_ms > now;
    size_t want = pow2_at_least(4 * (live + 1)), hard = pow2_at_least(2 * t->max);
    table old = *t;
    t->cap = want < hard ? want : hard;
    t->v = daas_xcalloc(t->cap, sizeof(slot));
    t->n = 0;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.v[i].used || old.v[i].until_ms <= now)
            continue;
        *table_slot(t, old.v[i].key) = old.v[i];
        t->n++;
    }
    daas_free(old.v);
}

/* A new slot for key (not in t), with key and used set. NULL when the table already holds
 * max live entries. */
static slot *table_insert(table *t, const uint8_t key[32], int64_t now)
{
    if (t->n + 1 > t->cap / 2 || t->n + 1 > t->max)
        table_rebuild(t, now);
    if (t->n + 1 > t->max)
        return NULL;
    slot *s = table_slot(t, key);
    memset(s, 0, sizeof *s);
    memcpy(s->key, key, 32);
    s->used = true;
    t->n++;
    return s;
}

/* Removes s (a slot of t), shifting later entries of its probe run back so every entry
 * stays reachable from its home slot. */
static void table_remove(table *t, slot *s)
{
    size_t mask = t->cap - 1, i = (size_t)(s - t->v), j = i;
    t->v[i].used = false;
    t->n--;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->v[j].used)
            return;
        size_t k = home_of(t, t->v[j].key);
        /* Entry j may move to the hole i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        t->v[i] = t->v[j];
        t->v[j].used = false;
        i = j;
    }
}

static void table_clear(table *t)
{
    if (t->v != NULL)
        memset(t->v, 0, t->cap * sizeof(slot));
    t->n = 0;
}

/* ---- the authenticator ---- */

struct daas_authn_sui {
    char cluster_id[DAAS_SUI_CLUSTER_ID_MAX + 1];
    daas_stake_source stake;  /* borrowed */
    int64_t stake_ttl_ms;
    int64_t (*now_ms)(void);
    pthread_mutex_t mu;       /* guards replay, stakes, gen */
    table replay;             /* SHA-256(addr || nonce) → token hash; guarded by mu */
    table stakes;             /* address → stake; guarded by mu */
    uint64_t gen;             /* bumped by every invalidation; guarded by mu */
    int lookups_per_s;        /* stake reads of uncached addresses allowed per second */
    int64_t bucket_milli;     /* token bucket of such reads, in thousandths; guarded by mu */
    int64_t bucket_at_ms;     /* when it was last refilled; guarded by mu */
};

/* Takes one stake read from the bucket (refilled at lookups_per_s, capped at twice that).
 * Call with mu held. */
static bool take_lookup(daas_authn_sui *h, int64_t now)
{
    int64_t cap = 2000 * (int64_t)h->lookups_per_s;
    int64_t dt = now > h->bucket_at_ms ? now - h->bucket_at_ms : 0;
    h->bucket_at_ms = now > h->bucket_at_ms ? now : h->bucket_at_ms;
    h->bucket_milli += dt * h->lookups_per_s; /* ms × per-second = thousandths */
    if (h->bucket_milli > cap)
        h->bucket_milli = cap;
    if (h->bucket_milli < 1000)
        return false;
    h->bucket_milli -= 1000;
    return true;
}

int daas_authn_sui_new(const daas_authn_sui_opts *o, daas_authn_sui **out, daas_err *err)
{
    *out = NULL;
    if (o->cluster_id == NULL || !daas_sui_token_cluster_id_ok(o->cluster_id))
        return daas_fail(err, DAAS_EINVAL,
                         "sui authenticator: cluster id must be 1 to 64 characters of A-Z a-z "
                         "0-9 . _ -");
    if (o->source.lookup == NULL)
        return daas_fail(err, DAAS_EINVAL, "sui authenticator: no stake source");
    if (sodium_init() < 0)
        return daas_fail(err, DAAS_ECRYPTO, "sui authenticator: libsodium failed to start");
    daas_authn_sui *h = daas_xcalloc(1, sizeof *h);
    snprintf(h->cluster_id, sizeof h->cluster_id, "%s", o->cluster_id);
    h->stake = o->source;
    h->stake_ttl_ms = o->stake_ttl_ms > 0 ? o->stake_ttl_ms : DEFAULT_STAKE_TTL_MS;
    h->now_ms = o->now_ms != NULL ? o->now_ms : daas_now_ms;
    h->lookups_per_s = o->lookups_per_s > 0 ? o->lookups_per_s : DEFAULT_LOOKUPS_PER_S;
    h->bucket_milli = 2000 * (int64_t)h->lookups_per_s;
    h->bucket_at_ms = h->now_ms();
    pthread_mutex_init(&h->mu, NULL);
    table_init(&h->replay, o->max_live_tokens ? o->max_live_tokens : DEFAULT_MAX_ENTRIES);
    table_init(&h->stakes, o->max_stake_entries ? o->max_stake_entries : DEFAULT_MAX_ENTRIES);
    *out = h;
    return DAAS_OK;
}

void daas_authn_sui_free(daas_authn_sui **hp)
{
    daas_authn_sui *h = hp != NULL ? *hp : NULL;
    if (h == NULL)
        return;
    table_fini(&h->replay);
    table_fini(&h->stakes);
    pthread_mutex_destroy(&h->mu);
    daas_free(h);
    *hp = NULL;
}

void daas_authn_sui_invalidate(daas_authn_sui *h, const uint8_t addr[32])
{
    pthread_mutex_lock(&h->mu);
    slot *s = table_find(&h->stakes, addr);
    if (s != NULL)
        table_remove(&h->stakes, s);
    h->gen++;
    pthread_mutex_unlock(&h->mu);
}

void daas_authn_sui_invalidate_all(daas_authn_sui *h)
{
    pthread_mutex_lock(&h->mu);
    table_clear(&h->stakes);
    h->gen++;
    pthread_mutex_unlock(&h->mu);
}

/* ---- the checks, in order ---- */

static int check_window(const daas_authn_sui *h, const daas_sui_token *t, int64_t now,
                        daas_err *err)
{
    if (strcmp(t->cluster_id, h->cluster_id) != 0)
        return daas_fail(err, DAAS_EUNAUTH, "token is for cluster %s", t->cluster_id);
    if (t->expiry_ms <= now)
        return daas_fail(err, DAAS_EUNAUTH, "token expired");
    if (t->expiry_ms > now + DAAS_AUTHN_SUI_MAX_TTL_MS + DAAS_AUTHN_SUI_SKEW_MS)
        return daas_fail(err, DAAS_EUNAUTH, "token lifetime exceeds 15 minutes");
    return DAAS_OK;
}

/* The replay-cache key of a token: SHA-256(address || nonce). */
static void replay_key(const daas_sui_token *t, uint8_t key[32])
{
    uint8_t in[DAAS_SUI_ADDRESS_LEN + DAAS_SUI_NONCE_LEN];
    memcpy(in, t->address, DAAS_SUI_ADDRESS_LEN);
    memcpy(in + DAAS_SUI_ADDRESS_LEN, t->nonce, DAAS_SUI_NONCE_LEN);
    crypto_hash_sha256(key, in, sizeof in);
}

/* With mu held: DAAS_OK and *seen when this very token was accepted before, DAAS_OK and
 * !*seen when its nonce is unused, DAAS_EUNAUTH when another token used it. */
static int replay_state(daas_authn_sui *h, const uint8_t key[32], const uint8_t thash[32],
                        int64_t now, bool *seen, daas_err *err)
{
    slot *s = table_find(&h->replay, key);
    *seen = false;
    if (s == NULL || s->until_ms <= now)
        return DAAS_OK;
    if (!daas_ct_equal(s->v.token_hash, thash, 32))
        return daas_fail(err, DAAS_EUNAUTH, "token nonce already used");
    *seen = true;
    return DAAS_OK;
}

/* Records an accepted token (unless a racing request recorded it first). */
static int replay_record(daas_authn_sui *h, const daas_sui_token *t, const uint8_t key[32],
                         const uint8_t thash[32], int64_t now, daas_err *err)
{
    bool seen = false;
    int rc = DAAS_OK;
    pthread_mutex_lock(&h->mu);
    rc = replay_state(h, key, thash, now, &seen, err);
    if (rc == DAAS_OK && !seen) {
        slot *s = table_find(&h->replay, key); /* an expired entry is reused */
        if (s == NULL)
            s = table_insert(&h->replay, key, now);
        if (s == NULL) {
            rc = daas_fail(err, DAAS_EUNAUTH, "too many live tokens");
        } else {
            s->until_ms = t->expiry_ms;
            memcpy(s->v.token_hash, thash, 32);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

/* The stake of addr, from the cache or the source (called without mu). */
static int stake_of(daas_authn_sui *h, const uint8_t addr[32], int64_t now,
                    daas_stake_info *out, daas_err *err)
{
    pthread_mutex_lock(&h->mu);
    slot *s = table_find(&h->stakes, addr);
    bool hit = s != NULL && s->until_ms > now;
    if (hit)
        *out = s->v.stake;
    uint64_t gen = h->gen;
    bool may_read = hit || take_lookup(h, now);
    pthread_mutex_unlock(&h->mu);
    if (hit)
        return DAAS_OK;
    if (!may_read)
        return daas_fail(err, DAAS_EUNAUTH, "too many new wallets right now: try again shortly");

    daas_err e = {0};
    memset(out, 0, sizeof *out);
    if (h->stake.lookup(h->stake.self, addr, out, &e) != DAAS_OK) {
        char a[DAAS_SUI_ADDRESS_HEX_LEN + 1];
        daas_sui_address_hex(addr, a);
        DAAS_WARN(MOD, "cannot read stake for %s: %s", a, e.msg[0] ? e.msg : daas_err_text(e.code));
        return daas_fail(err, DAAS_EUNAUTH, "cannot read stake for %s: %s", a,
                         e.msg[0] ? e.msg : daas_err_text(e.code));
    }
    pthread_mutex_lock(&h->mu);
    if (h->gen == gen) {
        s = table_find(&h->stakes, addr);
        if (s == NULL)
            s = table_insert(&h->stakes, addr, now); /* NULL when full: just not cached */
        if (s != NULL) {
            s->until_ms = now + h->stake_ttl_ms;
            s->v.stake = *out;
        }
    }
    pthread_mutex_unlock(&h->mu);
    return DAAS_OK;
}

static int effective_role(const daas_stake_info *st)
{
    if (st->slashed || st->role < DAAS_PKG_ROLE_NONE || st->role > DAAS_PKG_ROLE_ADMIN)
        return DAAS_PKG_ROLE_NONE;
    return st->role;
}

static void fill_user(const daas_sui_token *t, int role, daas_user *out)
{
    char a[DAAS_SUI_ADDRESS_HEX_LEN + 1];
    daas_sui_address_hex(t->address, a);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "sui:%s", a);
    snprintf(out->uid, sizeof out->uid, "%s", a);
    snprintf(out->groups[0], sizeof out->groups[0], "system:authenticated");
    snprintf(out->groups[1], sizeof out->groups[1], DAAS_ROLE_GROUP_PREFIX "%s",
             daas_pkg_role_name(role));
    out->ngroups = 2;
}

int daas_authn_sui_check(daas_authn_sui *h, const char *tok, size_t len, daas_user *out,
                         daas_err *err)
{
    static const size_t plen = sizeof DAAS_SUI_TOKEN_PREFIX - 1;
    daas_sui_token t;
    daas_stake_info st;
    daas_err perr = {0};
    uint8_t thash[32], rkey[32];
    bool seen = false;
    int64_t now = h->now_ms();

    if (len < plen || memcmp(tok, DAAS_SUI_TOKEN_PREFIX, plen) != 0)
        return DAAS_ENOTFOUND;
    if (daas_sui_token_parse(tok, len, &t, &perr) != DAAS_OK)
        return daas_fail(err, DAAS_EUNAUTH, "malformed %s", perr.msg);
    int rc = check_window(h, &t, now, err);
    if (rc != DAAS_OK)
        return rc;
    crypto_hash_sha256(thash, (const unsigned char *)tok, len);
    replay_key(&t, rkey);
    pthread_mutex_lock(&h->mu);
    rc = replay_state(h, rkey, thash, now, &seen, err);
    pthread_mutex_unlock(&h->mu);
    if (rc == DAAS_OK && !seen)
        rc = daas_sui_token_verify(&t, err);
    if (rc == DAAS_OK)
        rc = stake_of(h, t.address, now, &st, err);
    int role = rc == DAAS_OK ? effective_role(&st) : DAAS_PKG_ROLE_NONE;
    if (rc == DAAS_OK && !seen && role != DAAS_PKG_ROLE_NONE)
        rc = replay_record(h, &t, rkey, thash, now, err);
    if (rc == DAAS_OK)
        fill_user(&t, role, out);
    sodium_memzero(thash, sizeof thash);
    return rc;
}

/* ---- the chain adapter ---- */

/* The credentials of "Authorization: Bearer <daas-sui token>": DAAS_ENOTFOUND when the
 * request has none or they are not a daas-sui token; DAAS_EUNAUTH when a daas-sui token is
 * followed by anything but blanks. */
static int sui_bearer(const daas_http_req *req, const char **tok, size_t *len, daas_err *err)
{
    bool clean = false;
    int rc = daas_authn__bearer(req, tok, len, &clean);
    if (rc != DAAS_OK)
        return rc;
    if (strncmp(*tok, DAAS_SUI_TOKEN_PREFIX, sizeof DAAS_SUI_TOKEN_PREFIX - 1) != 0)
        return DAAS_ENOTFOUND;
    if (!clean)
        return daas_fail(err, DAAS_EUNAUTH, "malformed bearer token");
    return DAAS_OK;
}

static int sui_authenticate(void *self, const daas_http_req *req, daas_user *out, daas_err *err)
{
    const char *tok = NULL;
    size_t len = 0;
    daas_err mine = {0};
    int rc = sui_bearer(req, &tok, &len, &mine);
    if (rc == DAAS_OK)
        rc = daas_authn_sui_check(self, tok, len, out, &mine);
    if (rc != DAAS_OK && rc != DAAS_ENOTFOUND)
        daas_fail(err, rc, "%s", mine.msg);
    return rc;
}

static void sui_destroy(void *self)
{
    daas_authn_sui *h = self;
    daas_authn_sui_free(&h);
}

static const daas_authn_ops sui_ops = {"sui", sui_authenticate, sui_destroy, true};

int daas_authn_add_sui(daas_authn *a, const daas_authn_sui_opts *o, daas_authn_sui **handle_out,
                       daas_err *err)
{
    daas_authn_sui *h = NULL;
    int rc = daas_authn_sui_new(o, &h, err);
    if (rc != DAAS_OK)
        return rc;
    daas_authn_add(a, &sui_ops, h);
    if (handle_out != NULL)
        *handle_out = h;
    return DAAS_OK;
}
