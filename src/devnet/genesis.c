/*
 * genesis.c: opening and closing the development chain, its genesis, chain facts, the epoch
 * clock and the faucet.
 *
 * Owns:   daas_devnet's lifecycle; the genesis facts in meta (genesis digest, genesis time,
 *         clock offset, faucet secret and coin, publisher address, Pool and Registry ids);
 *         dir/publisher.keystore.
 * Model:  genesis draws 32 random bytes; genesis digest = BLAKE2b-256("daas-devnet-genesis" ||
 *         them) (its Base58 is the chain id); package id = BLAKE2b-256("daas-devnet-package"
 *         || genesis digest). Genesis objects are at version 1: the faucet's coin (1e9 SUI),
 *         the publisher's coin (1e6 SUI), and what the package's init creates (shared Pool and
 *         Registry, the AdminCap owned by the publisher).
 *         epoch = (now + offset - genesis time) / epoch_ms; advance_clock raises the offset.
 * Invariants:
 *   - genesis is one SQLite transaction: a chain either has all its genesis facts or none;
 *   - the faucet is an ordinary signed transaction (SplitCoins + TransferObjects from the
 *     faucet's gas coin) going through every check a client's transaction goes through.
 * Spec:   devnet.h; move/README.md "Objects created at publish".
 */
#include "devnet/devnet_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/log.h"
#include "common/util.h"

#define FAUCET_SUPPLY (1000000000ull * DN_MIST_PER_SUI)
#define PUBLISHER_SUPPLY (1000000ull * DN_MIST_PER_SUI)
#define MAX_FAUCET_COINS 100

static void hash2(const char *tag, const uint8_t *p, size_t n, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)tag, strlen(tag));
    crypto_generichash_update(&st, p, n);
    crypto_generichash_final(&st, out, 32);
}

/* Derives the package id, the type texts and the chain id from d->genesis. */
static int derive_facts(daas_devnet *d, daas_err *err)
{
    hash2("daas-devnet-package", d->genesis, DAAS_SUI_DIGEST_LEN, d->pkg);
    daas_devnet__types_init(d);
    return daas_sui_base58_encode(d->genesis, DAAS_SUI_DIGEST_LEN, d->chain_id, sizeof(d->chain_id),
                                  err);
}

static int save_publisher(daas_devnet *d, daas_err *err)
{
    daas_sui_keystore *ks = daas_sui_keystore_new();
    char *path = daas_xasprintf("%s/publisher.keystore", d->dir);
    int rc = daas_sui_keystore_add(ks, d->publisher, "publisher", err);
    if (rc == DAAS_OK)
        rc = daas_sui_keystore_save(ks, path, err);
    daas_sui_keystore_free(&ks);
    daas_free(path);
    return rc;
}

static int load_publisher(daas_devnet *d, const uint8_t addr[DAAS_SUI_ADDRESS_LEN], daas_err *err)
{
    daas_sui_keystore *ks = NULL;
    char *path = daas_xasprintf("%s/publisher.keystore", d->dir);
    int rc = daas_sui_keystore_load(path, &ks, err);
    const daas_sui_key *k = rc == DAAS_OK ? daas_sui_keystore_find_address(ks, addr) : NULL;
    if (rc == DAAS_OK && k == NULL)
        rc = daas_fail(err, DAAS_EIO, "devnet: %s does not hold the publisher's key", path);
    if (rc == DAAS_OK)
        rc = daas_sui_key_dup(k, &d->publisher, err);
    daas_sui_keystore_free(&ks);
    daas_free(path);
    return rc;
}

/* The genesis objects, at version 1. */
static int genesis_objects(daas_devnet *d, daas_err *err)
{
    dn_exec ex;
    uint8_t coin[DAAS_SUI_ADDRESS_LEN + 8] = {0}, faucet[DAAS_SUI_ADDRESS_LEN],
                                        publisher[DAAS_SUI_ADDRESS_LEN];
    memset(&ex, 0, sizeof(ex));
    ex.d = d;
    memcpy(ex.digest, d->genesis, DAAS_SUI_DIGEST_LEN);
    ex.lamport = 1;
    daas_sui_key_address(d->faucet, faucet);
    daas_sui_key_address(d->publisher, publisher);
    daas_devnet__put_le64(coin + DAAS_SUI_ADDRESS_LEN, FAUCET_SUPPLY);
    int k = daas_devnet__obj_new(&ex, DN_K_COIN, NULL, coin, sizeof(coin), DAAS_SUI_OWNER_ADDRESS,
                                 faucet);
    int rc = daas_devnet__meta_set(d, "faucet_coin", ex.objs[k].id, DAAS_SUI_ADDRESS_LEN, err);
    daas_devnet__put_le64(coin + DAAS_SUI_ADDRESS_LEN, PUBLISHER_SUPPLY);
    daas_devnet__obj_new(&ex, DN_K_COIN, NULL, coin, sizeof(coin), DAAS_SUI_OWNER_ADDRESS,
                         publisher);
    if (rc == DAAS_OK)
        rc = daas_devnet__staking_genesis(&ex, publisher, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__registry_genesis(&ex, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__enclave_genesis(&ex, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__rules_genesis(&ex, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__commit(&ex, DAAS_BYTES(NULL, 0), NULL, err);
    daas_devnet__exec_fini(&ex);
    return rc;
}

/* A genesis fact kept in meta: genesis writes them all, load reads them all back. */
typedef struct meta_fact {
    const char *key;
    uint8_t *p;
    size_t n;
} meta_fact;

#define N_FACTS 5

static void meta_facts(daas_devnet *d, uint8_t ms[8], uint8_t secret[DAAS_SUI_SECRET_LEN],
                       uint8_t publisher[DAAS_SUI_ADDRESS_LEN], meta_fact f[N_FACTS])
{
    f[0] = (meta_fact){"genesis_ms", ms, 8};
    f[1] = (meta_fact){"faucet_secret", secret, DAAS_SUI_SECRET_LEN};
    f[2] = (meta_fact){"publisher", publisher, DAAS_SUI_ADDRESS_LEN};
    f[3] = (meta_fact){"pool", d->pool, DAAS_SUI_ADDRESS_LEN};
    f[4] = (meta_fact){"registry", d->registry, DAAS_SUI_ADDRESS_LEN};
}

static int genesis_meta(daas_devnet *d, daas_err *err)
{
    uint8_t secret[DAAS_SUI_SECRET_LEN], ms[8], addr[DAAS_SUI_ADDRESS_LEN];
    meta_fact f[N_FACTS];
    int rc = DAAS_OK;
    daas_devnet__put_le64(ms, (uint64_t)d->genesis_ms);
    daas_sui_key_secret(d->faucet, secret);
    daas_sui_key_address(d->publisher, addr);
    meta_facts(d, ms, secret, addr, f);
    for (size_t i = 0; i < N_FACTS && rc == DAAS_OK; i++)
        rc = daas_devnet__meta_set(d, f[i].key, f[i].p, f[i].n, err);
    /* Written last: its presence is what marks a finished genesis. */
    if (rc == DAAS_OK)
        rc = daas_devnet__meta_set(d, "genesis", d->genesis, DAAS_SUI_DIGEST_LEN, err);
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

/* The publisher's and the faucet's keys: fresh, or derived from a test seed. */
static int genesis_keys(daas_devnet *d, const uint8_t *seed, daas_err *err)
{
    uint8_t secret[DAAS_SUI_SECRET_LEN];
    if (seed == NULL) {
        int rc = daas_sui_key_generate(DAAS_SUI_ED25519, &d->publisher, err);
        return rc == DAAS_OK ? daas_sui_key_generate(DAAS_SUI_ED25519, &d->faucet, err) : rc;
    }
    hash2("daas-devnet-publisher", seed, 32, secret);
    int rc = daas_sui_key_from_secret(DAAS_SUI_ED25519, secret, &d->publisher, err);
    hash2("daas-devnet-faucet", seed, 32, secret);
    if (rc == DAAS_OK)
        rc = daas_sui_key_from_secret(DAAS_SUI_ED25519, secret, &d->faucet, err);
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

static int genesis(daas_devnet *d, const uint8_t *test_seed, daas_err *err)
{
    uint8_t seed[32];
    if (test_seed != NULL)
        memcpy(seed, test_seed, sizeof(seed));
    else
        daas_random(seed, sizeof(seed));
    hash2("daas-devnet-genesis", seed, sizeof(seed), d->genesis);
    d->genesis_ms = daas_now_ms();
    int rc = derive_facts(d, err);
    if (rc == DAAS_OK)
        rc = genesis_keys(d, test_seed, err);
    if (rc == DAAS_OK)
        rc = save_publisher(d, err);
    if (rc != DAAS_OK)
        return rc;
    rc = daas_devnet__db_exec(d, "BEGIN IMMEDIATE", err);
    if (rc != DAAS_OK)
        return rc;
    rc = genesis_objects(d, err);
    if (rc == DAAS_OK)
        rc = genesis_meta(d, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__db_exec(d, "COMMIT", err);
    if (rc != DAAS_OK && daas_devnet__db_exec(d, "ROLLBACK", NULL) != DAAS_OK)
        rc = daas_fail(err, DAAS_EIO, "devnet: rollback failed");
    return rc;
}

static int meta_need(daas_devnet *d, const char *key, uint8_t *out, size_t n, daas_err *err)
{
    bool found = false;
    int rc = daas_devnet__meta_get(d, key, out, n, &found, err);
    if (rc == DAAS_OK && !found)
        rc = daas_fail(err, DAAS_EIO, "devnet: meta %s missing", key);
    return rc;
}

static int load(daas_devnet *d, daas_err *err)
{
    uint8_t ms[8], off[8], secret[DAAS_SUI_SECRET_LEN], publisher[DAAS_SUI_ADDRESS_LEN];
    bool found = false;
    meta_fact f[N_FACTS];
    int rc = DAAS_OK;
    meta_facts(d, ms, secret, publisher, f);
    for (size_t i = 0; i < N_FACTS && rc == DAAS_OK; i++)
        rc = meta_need(d, f[i].key, f[i].p, f[i].n, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__meta_get(d, "clock_offset", off, 8, &found, err);
    if (rc == DAAS_OK)
        rc = daas_sui_key_from_secret(DAAS_SUI_ED25519, secret, &d->faucet, err);
    sodium_memzero(secret, sizeof(secret));
    if (rc != DAAS_OK)
        return rc;
    d->genesis_ms = (int64_t)daas_devnet__le64(ms);
    d->clock_offset_ms = found ? daas_devnet__le64(off) : 0;
    rc = derive_facts(d, err);
    if (rc == DAAS_OK)
        rc = load_publisher(d, publisher, err);
    return rc;
}

static int make_dir(const char *dir, daas_err *err)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return DAAS_OK;
    return daas_fail(err, daas_from_errno(errno), "devnet: mkdir %s: %s", dir, strerror(errno));
}

int daas_devnet_open(const daas_devnet_opts *opts, daas_devnet **out, daas_err *err)
{
    *out = NULL;
    if (opts == NULL || opts->dir == NULL || opts->dir[0] == '\0')
        return daas_fail(err, DAAS_EINVAL, "devnet: no state directory");
    if (opts->faucet_coins < 0 || opts->faucet_coins > MAX_FAUCET_COINS)
        return daas_fail(err, DAAS_EINVAL, "devnet: faucet_coins must be 1..%d", MAX_FAUCET_COINS);
    int rc = make_dir(opts->dir, err);
    if (rc != DAAS_OK)
        return rc;
    daas_devnet *d = daas_xcalloc(1, sizeof(*d));
    pthread_mutex_init(&d->mu, NULL);
    d->dir = daas_xstrdup(opts->dir);
    d->epoch_ms = opts->epoch_ms ? opts->epoch_ms : 86400000ull;
    d->ref_gas_price = opts->ref_gas_price ? opts->ref_gas_price : 1000;
    d->faucet_coin = opts->faucet_coin ? opts->faucet_coin : 100 * DN_MIST_PER_SUI;
    d->faucet_coins = opts->faucet_coins ? opts->faucet_coins : 2;
    if (opts->dev_root.ptr != NULL) {
        uint8_t *root = daas_xmalloc(opts->dev_root.len ? opts->dev_root.len : 1);
        if (opts->dev_root.len)
            memcpy(root, opts->dev_root.ptr, opts->dev_root.len);
        d->dev_root = DAAS_BYTES(root, opts->dev_root.len);
    }
    char *path = daas_xasprintf("%s/devnet.db", d->dir);
    bool found = false;
    rc = daas_devnet__db_open(d, path, err);
    daas_free(path);
    if (rc == DAAS_OK)
        rc = daas_devnet__meta_get(d, "genesis", d->genesis, DAAS_SUI_DIGEST_LEN, &found, err);
    if (rc == DAAS_OK)
        rc = found ? load(d, err) : genesis(d, opts->genesis_seed, err);
    if (rc != DAAS_OK) {
        daas_devnet_close(&d);
        return rc;
    }
    *out = d;
    return DAAS_OK;
}

void daas_devnet_close(daas_devnet **dp)
{
    daas_devnet *d = dp ? *dp : NULL;
    if (d == NULL)
        return;
    if (d->db != NULL)
        sqlite3_close(d->db);
    daas_devnet__types_fini(d);
    daas_sui_key_free(&d->publisher);
    daas_sui_key_free(&d->faucet);
    daas_free((void *)d->dev_root.ptr);
    pthread_mutex_destroy(&d->mu);
    daas_free(d->dir);
    daas_free(d);
    *dp = NULL;
}

/* ---- chain facts and the clock ---- */

const char *daas_devnet_chain_id(const daas_devnet *d)
{
    return d->chain_id;
}

void daas_devnet_package(const daas_devnet *d, uint8_t out[DAAS_SUI_ADDRESS_LEN])
{
    memcpy(out, d->pkg, DAAS_SUI_ADDRESS_LEN);
}

const daas_sui_key *daas_devnet_publisher(const daas_devnet *d)
{
    return d->publisher;
}

uint64_t daas_devnet_ref_gas_price(const daas_devnet *d)
{
    return d->ref_gas_price;
}

int64_t daas_devnet__now_ms(const daas_devnet *d)
{
    return daas_now_ms() + (int64_t)d->clock_offset_ms;
}

uint64_t daas_devnet__epoch(const daas_devnet *d)
{
    int64_t dt = daas_devnet__now_ms(d) - d->genesis_ms;
    return dt <= 0 ? 0 : (uint64_t)dt / d->epoch_ms;
}

uint64_t daas_devnet_epoch(daas_devnet *d)
{
    pthread_mutex_lock(&d->mu);
    uint64_t e = daas_devnet__epoch(d);
    pthread_mutex_unlock(&d->mu);
    return e;
}

/* Sets the offset (mutex held). It is kept as a u64: a clock set before the wall clock holds
 * the two's complement of the difference, which now_ms adds back as a signed value. */
static void set_offset(daas_devnet *d, uint64_t off_ms)
{
    uint8_t off[8];
    daas_err err = {0};
    d->clock_offset_ms = off_ms;
    daas_devnet__put_le64(off, d->clock_offset_ms);
    if (daas_devnet__meta_set(d, "clock_offset", off, sizeof(off), &err) != DAAS_OK)
        DAAS_WARN("devnet", "clock offset not saved: %s", err.msg);
}

void daas_devnet_advance_clock(daas_devnet *d, uint64_t ms)
{
    pthread_mutex_lock(&d->mu);
    set_offset(d, d->clock_offset_ms + ms);
    pthread_mutex_unlock(&d->mu);
}

int64_t daas_devnet_now_ms(daas_devnet *d)
{
    pthread_mutex_lock(&d->mu);
    int64_t now = daas_devnet__now_ms(d);
    pthread_mutex_unlock(&d->mu);
    return now;
}

int daas_devnet_set_clock(daas_devnet *d, int64_t ms, daas_err *err)
{
    if (ms < 0)
        return daas_fail(err, DAAS_EINVAL, "devnet: clock %lld before 1970", (long long)ms);
    pthread_mutex_lock(&d->mu);
    set_offset(d, (uint64_t)ms - (uint64_t)daas_now_ms());
    pthread_mutex_unlock(&d->mu);
    return DAAS_OK;
}
