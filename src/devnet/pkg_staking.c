/*
 * pkg_staking.c: the `daas::staking` module, natively: the Pool, stakes, roles, slashing
 * and parameters exactly as move/README.md specifies them.
 *
 * Owns:   the BCS layouts of Pool, Stake and the stake table's dynamic fields, their JSON, and
 *         the module's entry functions (a dispatch table).
 * Layout: Pool = UID(32) || stakes Table{UID(32), size u64} || vault u64 || slashed u64 ||
 *         thresholds vector<u64> (always 4) || lock_epochs u64 (129 bytes).
 *         Stake = amount u64 || role u8 || locked_until u64 || slashed bool (18 bytes), stored as
 *         Field<address, Stake> = UID || name address || Stake, owned by the table's id, with
 *         the id Sui derives from (table id, "address", staker).
 * Invariants:
 *   - checks run in the README's order and abort with its codes; an abort leaves no effect
 *     (exec.c drops the working set);
 *   - vault always equals the sum of the live stakes' amounts.
 * Spec:   move/README.md "staking", "Roles and tiers".
 */
#include "devnet/devnet_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/util.h"

enum {
    EBadRole = 1,
    EZeroAmount = 2,
    EBelowThreshold = 3,
    ESlashed = 4,
    ENoStake = 5,
    ELocked = 6,
    EInsufficient = 7,
    EBadEvidence = 8,
    EBadThresholds = 9
};

#define POOL_LEN (32 + 32 + 8 + 8 + 8 + 1 + 4 * 8 + 8)
#define STAKE_LEN (8 + 1 + 8 + 1)
#define FIELD_LEN (32 + 32 + STAKE_LEN)
#define LOCK_EPOCHS_MAX 1000 /* set_params: the longest lock-up */

typedef struct pool {
    uint8_t id[32], table[32];
    uint64_t size, vault, slashed, thr[4], lock_epochs;
} pool;

typedef struct stake {
    uint64_t amount;
    uint8_t role;
    uint64_t locked_until;
    bool slashed;
} stake;

static bool pool_read(const uint8_t *b, size_t len, pool *p)
{
    if (len != POOL_LEN || b[88] != 4)
        return false;
    memcpy(p->id, b, 32);
    memcpy(p->table, b + 32, 32);
    p->size = daas_devnet__le64(b + 64);
    p->vault = daas_devnet__le64(b + 72);
    p->slashed = daas_devnet__le64(b + 80);
    for (int i = 0; i < 4; i++)
        p->thr[i] = daas_devnet__le64(b + 89 + 8 * i);
    p->lock_epochs = daas_devnet__le64(b + 121);
    return true;
}

static void pool_encode(const pool *p, uint8_t b[POOL_LEN])
{
    memcpy(b, p->id, 32);
    memcpy(b + 32, p->table, 32);
    daas_devnet__put_le64(b + 64, p->size);
    daas_devnet__put_le64(b + 72, p->vault);
    daas_devnet__put_le64(b + 80, p->slashed);
    b[88] = 4;
    for (int i = 0; i < 4; i++)
        daas_devnet__put_le64(b + 89 + 8 * i, p->thr[i]);
    daas_devnet__put_le64(b + 121, p->lock_epochs);
}

static void pool_save(dn_exec *ex, int idx, const pool *p)
{
    uint8_t b[POOL_LEN];
    pool_encode(p, b);
    daas_devnet__obj_set(ex, idx, b, sizeof(b));
}

static bool stake_read(const uint8_t *b, size_t len, stake *s)
{
    if (len != STAKE_LEN || b[17] > 1)
        return false;
    s->amount = daas_devnet__le64(b);
    s->role = b[8];
    s->locked_until = daas_devnet__le64(b + 9);
    s->slashed = b[17] != 0;
    return true;
}

static void stake_encode(const stake *s, uint8_t b[STAKE_LEN])
{
    daas_devnet__put_le64(b, s->amount);
    b[8] = s->role;
    daas_devnet__put_le64(b + 9, s->locked_until);
    b[17] = s->slashed ? 1 : 0;
}

/* ---- JSON ---- */

static json_t *stake_json(const stake *s)
{
    return json_pack("{s:o,s:i,s:o,s:b}", "amount", daas_devnet__json_u64(s->amount), "role",
                     (int)s->role, "locked_until", daas_devnet__json_u64(s->locked_until),
                     "slashed", s->slashed);
}

json_t *daas_devnet__render_pool(const uint8_t *bcs, size_t len)
{
    pool p;
    if (!pool_read(bcs, len, &p))
        return NULL;
    json_t *thr = json_array();
    for (int i = 0; i < 4; i++)
        json_array_append_new(thr, daas_devnet__json_u64(p.thr[i]));
    return json_pack("{s:o,s:{s:o,s:o},s:o,s:o,s:o,s:o}", "id", daas_devnet__json_addr(p.id),
                     "stakes", "id", daas_devnet__json_addr(p.table), "size",
                     daas_devnet__json_u64(p.size), "vault", daas_devnet__json_u64(p.vault),
                     "slashed", daas_devnet__json_u64(p.slashed), "thresholds", thr, "lock_epochs",
                     daas_devnet__json_u64(p.lock_epochs));
}

json_t *daas_devnet__render_stake_field(const uint8_t *bcs, size_t len)
{
    stake s;
    if (len != FIELD_LEN || !stake_read(bcs + 64, STAKE_LEN, &s))
        return NULL;
    return json_pack("{s:o,s:o,s:o}", "id", daas_devnet__json_addr(bcs), "name",
                     daas_devnet__json_addr(bcs + 32), "value", stake_json(&s));
}

/* ---- the stake table ---- */

/* Index of the sender's (or addr's) table entry in the working set, or -1. */
static int entry_find(dn_exec *ex, const pool *p, const uint8_t addr[32], stake *s, int *idx,
                      daas_err *err)
{
    uint8_t fid[32];
    int rc = daas_devnet__field_id(p->table, "address", DAAS_BYTES(addr, 32), fid, err);
    if (rc == DAAS_OK)
        rc = daas_devnet__obj_find(ex, fid, idx, err);
    if (rc != DAAS_OK || *idx < 0)
        return rc;
    const dn_obj *o = &ex->objs[*idx];
    if (o->kind != DN_K_STAKE_FIELD || o->bcs_len != FIELD_LEN ||
        !stake_read(o->bcs + 64, STAKE_LEN, s))
        return daas_fail(err, DAAS_EIO, "devnet: corrupt stake entry");
    return DAAS_OK;
}

/* Writes addr's entry (creating it when idx < 0; the table's size follows). */
static int entry_save(dn_exec *ex, pool *p, const uint8_t addr[32], const stake *s, int idx,
                      daas_err *err)
{
    uint8_t b[FIELD_LEN] = {0}, fid[32];
    memcpy(b + 32, addr, 32);
    stake_encode(s, b + 64);
    if (idx >= 0) {
        memcpy(b, ex->objs[idx].id, 32);
        daas_devnet__obj_set(ex, idx, b, sizeof(b));
        return DAAS_OK;
    }
    int rc = daas_devnet__field_id(p->table, "address", DAAS_BYTES(addr, 32), fid, err);
    if (rc != DAAS_OK)
        return rc;
    daas_devnet__obj_new(ex, DN_K_STAKE_FIELD, fid, b, sizeof(b), DAAS_SUI_OWNER_OBJECT, p->table);
    p->size++;
    return DAAS_OK;
}

static int pool_of(dn_exec *ex, int idx, pool *p, daas_err *err)
{
    const dn_obj *o = &ex->objs[idx];
    if (!pool_read(o->bcs, o->bcs_len, p))
        return daas_fail(err, DAAS_EIO, "devnet: corrupt Pool");
    return DAAS_OK;
}

static uint8_t role_for(const pool *p, const stake *s)
{
    if (s->slashed)
        return 0;
    for (int r = s->role > 4 ? 4 : s->role; r >= 1; r--)
        if (s->amount >= p->thr[r - 1])
            return (uint8_t)r;
    return 0;
}

/* The Pool at working-set index pidx and addr's entry in it (*idx < 0: none). */
static int pool_entry(dn_exec *ex, int pidx, const uint8_t addr[32], pool *p, stake *s, int *idx,
                      daas_err *err)
{
    int rc = pool_of(ex, pidx, p, err);
    if (rc == DAAS_OK)
        rc = entry_find(ex, p, addr, s, idx, err);
    return rc;
}

/* Writes addr's entry and the Pool at pidx. An emptied entry is removed (the field is deleted
 * and the table shrinks) unless it is slashed: that one stays, at 0, so the address can never
 * stake again. */
static int pool_entry_save(dn_exec *ex, int pidx, pool *p, const uint8_t addr[32], const stake *s,
                           int idx, daas_err *err)
{
    if (idx >= 0 && s->amount == 0 && !s->slashed) {
        ex->objs[idx].deleted = true;
        p->size--;
    } else {
        int rc = entry_save(ex, p, addr, s, idx, err);
        if (rc != DAAS_OK)
            return rc;
    }
    pool_save(ex, pidx, p);
    return DAAS_OK;
}

int daas_devnet__role_of(dn_exec *ex, int pidx, const uint8_t addr[32], uint8_t *role,
                         daas_err *err)
{
    pool p;
    stake s = {0};
    int idx = -1;
    *role = 0;
    int rc = pool_entry(ex, pidx, addr, &p, &s, &idx, err);
    if (rc == DAAS_OK && idx >= 0)
        *role = role_for(&p, &s);
    return rc;
}

int daas_devnet__staked_amount(dn_exec *ex, int pidx, const uint8_t addr[32], uint64_t *amount,
                               daas_err *err)
{
    pool p;
    stake s = {0};
    int idx = -1;
    *amount = 0;
    int rc = pool_entry(ex, pidx, addr, &p, &s, &idx, err);
    if (rc == DAAS_OK && idx >= 0 && !s.slashed)
        *amount = s.amount;
    return rc;
}

/* ---- events ---- */

static void emit(dn_exec *ex, const char *name, daas_buf *b, json_t *j)
{
    daas_devnet__emit(ex, "staking", name, b, j);
    daas_buf_fini(b);
}

/* Writes fields into a fresh event buffer (BCS writes to an uncapped buffer cannot fail). */
#define PUT(x)                                                                                     \
    do {                                                                                           \
        if (DAAS_NEVER((x) != DAAS_OK))                                                            \
            abort();                                                                               \
    } while (0)

/* A fresh event buffer starting with the fields every stake event has: the staker, the amount
 * moved and the amount the entry holds afterwards. */
static void event_begin(daas_buf *b, const uint8_t staker[32], uint64_t moved, uint64_t held)
{
    daas_buf_init(b, 0);
    PUT(daas_sui_bcs_put_addr(b, staker));
    PUT(daas_sui_bcs_put_u64(b, moved));
    PUT(daas_sui_bcs_put_u64(b, held));
}

/* ---- entry functions ---- */

static int fn_stake(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    pool p;
    stake s = {0};
    int idx;
    const dn_obj *coin = &ex->objs[a[1].obj];
    uint64_t value = daas_devnet__coin_value(coin);
    uint8_t role = (uint8_t)a[2].u;
    (void)ret;
    int rc = pool_entry(ex, a[0].obj, ex->tx->sender, &p, &s, &idx, err);
    if (rc != DAAS_OK)
        return rc;
    if (role < 1 || role > 4)
        return daas_devnet__abort(ex, "staking", "stake", 0, EBadRole);
    if (value == 0)
        return daas_devnet__abort(ex, "staking", "stake", 0, EZeroAmount);
    if (idx >= 0 && s.slashed)
        return daas_devnet__abort(ex, "staking", "stake", 0, ESlashed);
    uint64_t old = idx >= 0 ? s.amount : 0;
    if (old + value < p.thr[role - 1])
        return daas_devnet__abort(ex, "staking", "stake", 0, EBelowThreshold);
    ex->objs[a[1].obj].deleted = true; /* coin::into_balance: the coin object is gone */
    p.vault += value;
    s = (stake){.amount = old + value, .role = role, .locked_until = ex->epoch + p.lock_epochs};
    rc = pool_entry_save(ex, a[0].obj, &p, ex->tx->sender, &s, idx, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf b;
    event_begin(&b, ex->tx->sender, value, s.amount);
    PUT(daas_sui_bcs_put_u8(&b, role));
    PUT(daas_sui_bcs_put_u64(&b, s.locked_until));
    emit(ex, "Staked", &b,
         json_pack("{s:o,s:o,s:o,s:i,s:o}", "staker", daas_devnet__json_addr(ex->tx->sender),
                   "added", daas_devnet__json_u64(value), "amount", daas_devnet__json_u64(s.amount),
                   "role", (int)role, "locked_until", daas_devnet__json_u64(s.locked_until)));
    return DAAS_OK;
}

static int fn_unstake(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    pool p;
    stake s;
    int idx;
    uint64_t amount = a[1].u;
    (void)ret;
    int rc = pool_entry(ex, a[0].obj, ex->tx->sender, &p, &s, &idx, err);
    if (rc != DAAS_OK)
        return rc;
    if (idx < 0)
        return daas_devnet__abort(ex, "staking", "unstake", 1, ENoStake);
    if (amount == 0)
        return daas_devnet__abort(ex, "staking", "unstake", 1, EZeroAmount);
    if (ex->epoch < s.locked_until)
        return daas_devnet__abort(ex, "staking", "unstake", 1, ELocked);
    if (amount > s.amount)
        return daas_devnet__abort(ex, "staking", "unstake", 1, EInsufficient);
    uint8_t coin[DAAS_SUI_ADDRESS_LEN + 8] = {0};
    daas_devnet__put_le64(coin + DAAS_SUI_ADDRESS_LEN, amount);
    daas_devnet__obj_new(ex, DN_K_COIN, NULL, coin, sizeof(coin), DAAS_SUI_OWNER_ADDRESS,
                         ex->tx->sender);
    p.vault -= amount;
    s.amount -= amount;
    rc = pool_entry_save(ex, a[0].obj, &p, ex->tx->sender, &s, idx, err);
    if (rc != DAAS_OK)
        return rc;
    daas_buf b;
    event_begin(&b, ex->tx->sender, amount, s.amount);
    emit(ex, "Unstaked", &b,
         json_pack("{s:o,s:o,s:o}", "staker", daas_devnet__json_addr(ex->tx->sender), "amount",
                   daas_devnet__json_u64(amount), "remaining", daas_devnet__json_u64(s.amount)));
    return DAAS_OK;
}

static int fn_slash(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    pool p;
    stake s;
    int idx;
    uint64_t amount = a[3].u;
    (void)ret;
    int rc = pool_entry(ex, a[1].obj, a[2].addr, &p, &s, &idx, err);
    if (rc != DAAS_OK)
        return rc;
    if (idx < 0)
        return daas_devnet__abort(ex, "staking", "slash", 2, ENoStake);
    if (a[4].bytes.len != 32)
        return daas_devnet__abort(ex, "staking", "slash", 2, EBadEvidence);
    if (amount > s.amount)
        return daas_devnet__abort(ex, "staking", "slash", 2, EInsufficient);
    p.vault -= amount;
    p.slashed += amount;
    s.amount -= amount;
    s.slashed = true;
    rc = pool_entry_save(ex, a[1].obj, &p, a[2].addr, &s, idx, err);
    if (rc != DAAS_OK)
        return rc;
    char *ev64 = daas_base64_encode(a[4].bytes.ptr, a[4].bytes.len);
    daas_buf b;
    event_begin(&b, a[2].addr, amount, s.amount);
    PUT(daas_sui_bcs_put_bytes(&b, a[4].bytes.ptr, a[4].bytes.len));
    PUT(daas_sui_bcs_put_addr(&b, ex->tx->sender));
    emit(ex, "Slashed", &b,
         json_pack("{s:o,s:o,s:o,s:s,s:o}", "staker", daas_devnet__json_addr(a[2].addr), "amount",
                   daas_devnet__json_u64(amount), "remaining", daas_devnet__json_u64(s.amount),
                   "evidence", ev64, "by", daas_devnet__json_addr(ex->tx->sender)));
    daas_free(ev64);
    return DAAS_OK;
}

static int fn_set_params(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    pool p;
    (void)ret;
    int rc = pool_of(ex, a[1].obj, &p, err);
    if (rc != DAAS_OK)
        return rc;
    if (!(0 < a[2].u && a[2].u <= a[3].u && a[3].u <= a[4].u && a[4].u <= a[5].u) ||
        a[6].u > LOCK_EPOCHS_MAX)
        return daas_devnet__abort(ex, "staking", "set_params", 3, EBadThresholds);
    for (int i = 0; i < 4; i++)
        p.thr[i] = a[2 + i].u;
    p.lock_epochs = a[6].u;
    pool_save(ex, a[1].obj, &p);
    daas_buf b;
    daas_buf_init(&b, 0);
    json_t *thr = json_array();
    PUT(daas_sui_bcs_put_len(&b, 4));
    for (int i = 0; i < 4; i++) {
        PUT(daas_sui_bcs_put_u64(&b, p.thr[i]));
        json_array_append_new(thr, daas_devnet__json_u64(p.thr[i]));
    }
    PUT(daas_sui_bcs_put_u64(&b, p.lock_epochs));
    emit(ex, "ParamsChanged", &b,
         json_pack("{s:o,s:o}", "thresholds", thr, "lock_epochs",
                   daas_devnet__json_u64(p.lock_epochs)));
    return DAAS_OK;
}

/* public fun role_of(pool: &Pool, addr: address): u8 */
static int fn_role_of(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err)
{
    uint8_t role;
    int rc = daas_devnet__role_of(ex, a[0].obj, a[1].addr, &role, err);
    if (rc != DAAS_OK)
        return rc;
    ret->n = 1;
    ret->len = 1;
    ret->bytes[0] = role;
    return DAAS_OK;
}

#define REF(k)                                                                                     \
    {                                                                                              \
        DN_P_REF, k                                                                                \
    }
#define MUT(k)                                                                                     \
    {                                                                                              \
        DN_P_MUT, k                                                                                \
    }
#define VAL(k)                                                                                     \
    {                                                                                              \
        DN_P_VAL, k                                                                                \
    }
#define PURE(t)                                                                                    \
    {                                                                                              \
        t, DN_K_OTHER                                                                              \
    }

const dn_fn daas_devnet__staking_fns[] = {
    {"staking", "stake", 0, 3, {MUT(DN_K_POOL), VAL(DN_K_COIN), PURE(DN_P_U8)}, fn_stake},
    {"staking", "unstake", 1, 2, {MUT(DN_K_POOL), PURE(DN_P_U64)}, fn_unstake},
    {"staking",
     "slash",
     2,
     5,
     {REF(DN_K_ADMINCAP), MUT(DN_K_POOL), PURE(DN_P_ADDRESS), PURE(DN_P_U64), PURE(DN_P_BYTES)},
     fn_slash},
    {"staking",
     "set_params",
     3,
     7,
     {REF(DN_K_ADMINCAP), MUT(DN_K_POOL), PURE(DN_P_U64), PURE(DN_P_U64), PURE(DN_P_U64),
      PURE(DN_P_U64), PURE(DN_P_U64)},
     fn_set_params},
    {"staking", "role_of", 4, 2, {REF(DN_K_POOL), PURE(DN_P_ADDRESS)}, fn_role_of},
};
const size_t daas_devnet__staking_n = sizeof(daas_devnet__staking_fns) / sizeof(dn_fn);

/* init: the shared Pool (empty table, thresholds 1/10/100/1000 SUI, lock-up 1 epoch) and the
 * AdminCap owned by the publisher. */
int daas_devnet__staking_genesis(dn_exec *ex, const uint8_t publisher[32], daas_err *err)
{
    pool p = {.thr = {1 * DN_MIST_PER_SUI, 10 * DN_MIST_PER_SUI, 100 * DN_MIST_PER_SUI,
                      1000 * DN_MIST_PER_SUI},
              .lock_epochs = 1};
    uint8_t b[POOL_LEN], cap[32] = {0};
    (void)err;
    daas_devnet__derive_id(ex->digest, ex->n_new_ids++, p.table);
    pool_encode(&p, b);
    int k = daas_devnet__obj_new(ex, DN_K_POOL, NULL, b, sizeof(b), DAAS_SUI_OWNER_SHARED, NULL);
    memcpy(ex->d->pool, ex->objs[k].id, 32);
    daas_devnet__obj_new(ex, DN_K_ADMINCAP, NULL, cap, sizeof(cap), DAAS_SUI_OWNER_ADDRESS,
                         publisher);
    return DAAS_OK;
}
