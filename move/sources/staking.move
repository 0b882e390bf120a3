/// Stake-based identity for K3s-DaaS (move/README.md, sections "Roles and tiers" and
/// "`staking`").
///
/// Owns: the shared `Pool` (every staker's `Stake`, the SUI vault, the slashed SUI, the tier
/// thresholds and the lock-up) and the `AdminCap` (governance: slashing and parameters), both
/// created by `init` at publish.
///
/// Invariants:
/// - `vault` holds exactly the sum of `amount` over all entries of `stakes`;
/// - `slashed` holds all SUI ever taken by `slash` (it is kept, never burnt or paid out);
/// - `thresholds` has 4 entries, `0 < viewer <= user <= node <= admin` (MIST);
/// - every entry has `role` in 1..=4; an entry with `amount == 0` exists only if `slashed`
///   (unstaking to 0 removes the entry, slashing keeps it so the address cannot stake again);
/// - `role_of` is the only rule that turns a stake into a role; clients apply the same rule
///   off chain to the `Pool` and the table entry they read.
module daas::staking;

use sui::balance::{Self, Balance};
use sui::coin::{Self, Coin};
use sui::event;
use sui::sui::SUI;
use sui::table::{Self, Table};

// === Abort codes (README "`staking`") ===

const EBadRole: u64 = 1;
const EZeroAmount: u64 = 2;
const EBelowThreshold: u64 = 3;
const ESlashed: u64 = 4;
const ENoStake: u64 = 5;
const ELocked: u64 = 6;
const EInsufficient: u64 = 7;
const EBadEvidence: u64 = 8;
const EBadThresholds: u64 = 9;

// === Roles ===

const ROLE_VIEWER: u8 = 1;
#[allow(unused_const)]
const ROLE_USER: u8 = 2;
#[allow(unused_const)]
const ROLE_NODE: u8 = 3;
const ROLE_ADMIN: u8 = 4;

// === Parameters at publish ===

const MIST_PER_SUI: u64 = 1_000_000_000;
const INITIAL_LOCK_EPOCHS: u64 = 1;
/// Length of the evidence digest a slash records (BLAKE2b-256).
const EVIDENCE_LEN: u64 = 32;
/// Longest lock-up set_params accepts (keeps epoch + lock_epochs far from overflow).
const MAX_LOCK_EPOCHS: u64 = 1000;

// === Objects ===

/// The shared stake pool.
public struct Pool has key {
    id: UID,
    /// staker -> stake
    stakes: Table<address, Stake>,
    /// all staked SUI
    vault: Balance<SUI>,
    /// SUI taken by slashing (kept, not burnt)
    slashed: Balance<SUI>,
    /// [viewer, user, node, admin] minimum MIST, non-decreasing
    thresholds: vector<u64>,
    /// lock-up after each stake, in epochs
    lock_epochs: u64,
}

/// One staker's entry in `Pool.stakes`.
public struct Stake has store, copy, drop {
    /// MIST currently staked
    amount: u64,
    /// requested tier (1 viewer, 2 user, 3 node, 4 admin)
    role: u8,
    /// first epoch in which unstake is allowed
    locked_until: u64,
    /// ever slashed: the stake no longer grants any role
    slashed: bool,
}

/// Governance capability, owned by the publisher.
public struct AdminCap has key, store { id: UID }

// === Events (fields in README order; their BCS is the struct's BCS) ===

public struct Staked has copy, drop {
    staker: address,
    added: u64,
    amount: u64,
    role: u8,
    locked_until: u64,
}

public struct Unstaked has copy, drop {
    staker: address,
    amount: u64,
    remaining: u64,
}

public struct Slashed has copy, drop {
    staker: address,
    amount: u64,
    remaining: u64,
    evidence: vector<u8>,
    by: address,
}

public struct ParamsChanged has copy, drop {
    thresholds: vector<u64>,
    lock_epochs: u64,
}

// === Publish ===

/// Shares an empty `Pool` (thresholds 1 / 10 / 100 / 1000 SUI, lock-up 1 epoch) and sends the
/// `AdminCap` to the publisher.
fun init(ctx: &mut TxContext) {
    let pool = Pool {
        id: object::new(ctx),
        stakes: table::new(ctx),
        vault: balance::zero(),
        slashed: balance::zero(),
        thresholds: vector[
            MIST_PER_SUI,
            10 * MIST_PER_SUI,
            100 * MIST_PER_SUI,
            1000 * MIST_PER_SUI,
        ],
        lock_epochs: INITIAL_LOCK_EPOCHS,
    };
    transfer::share_object(pool);
    transfer::transfer(AdminCap { id: object::new(ctx) }, ctx.sender());
}

// === Roles ===

/// The role `addr` holds: 0 without a stake or with a slashed one; otherwise the highest role
/// `r <= stake.role` with `stake.amount >= thresholds[r-1]`, or 0 when there is none.
public fun role_of(pool: &Pool, addr: address): u8 {
    if (!pool.stakes.contains(addr)) return 0;
    let st = pool.stakes.borrow(addr);
    if (st.slashed) return 0;
    let mut r = st.role;
    while (r > 0) {
        if (st.amount >= pool.thresholds[((r - 1) as u64)]) return r;
        r = r - 1;
    };
    0
}

/// The MIST `addr` has staked: 0 without a stake or with a slashed one (a slashed stake grants
/// nothing, as in `role_of`). Read by `secret_policy`.
public fun staked_amount(pool: &Pool, addr: address): u64 {
    if (!pool.stakes.contains(addr)) return 0;
    let st = pool.stakes.borrow(addr);
    if (st.slashed) 0 else st.amount
}

// === Entry functions ===

#[allow(unused_mut_parameter)]
/// Adds `coin` to the sender's stake and sets its requested `role`; restarts the lock-up.
entry fun stake(pool: &mut Pool, coin: Coin<SUI>, role: u8, ctx: &mut TxContext) {
    assert!(role >= ROLE_VIEWER && role <= ROLE_ADMIN, EBadRole);
    let added = coin.value();
    assert!(added > 0, EZeroAmount);
    let staker = ctx.sender();
    let had_stake = pool.stakes.contains(staker);
    let old_amount = if (had_stake) {
        let old = pool.stakes.borrow(staker);
        assert!(!old.slashed, ESlashed);
        old.amount
    } else {
        0
    };
    let amount = old_amount + added;
    assert!(amount >= pool.thresholds[((role - 1) as u64)], EBelowThreshold);

    pool.vault.join(coin.into_balance());
    let locked_until = ctx.epoch() + pool.lock_epochs;
    let st = Stake { amount, role, locked_until, slashed: false };
    if (had_stake) {
        *pool.stakes.borrow_mut(staker) = st;
    } else {
        pool.stakes.add(staker, st);
    };
    event::emit(Staked { staker, added, amount, role, locked_until });
}

/// Returns `amount` MIST of the sender's stake to the sender once the lock-up is over; the
/// entry is removed when nothing is left.
entry fun unstake(pool: &mut Pool, amount: u64, ctx: &mut TxContext) {
    let staker = ctx.sender();
    assert!(pool.stakes.contains(staker), ENoStake);
    assert!(amount > 0, EZeroAmount);
    let epoch = ctx.epoch();
    let st = pool.stakes.borrow_mut(staker);
    assert!(epoch >= st.locked_until, ELocked);
    assert!(amount <= st.amount, EInsufficient);

    st.amount = st.amount - amount;
    let remaining = st.amount;
    // A slashed entry stays (at 0) so that the address can never stake again.
    if (remaining == 0 && !st.slashed) {
        pool.stakes.remove(staker);
    };
    transfer::public_transfer(coin::take(&mut pool.vault, amount, ctx), staker);
    event::emit(Unstaked { staker, amount, remaining });
}

#[allow(unused_mut_parameter)]
/// Moves `amount` MIST of `staker`'s stake to `slashed` and marks the stake slashed for good
/// (`amount` may be 0: mark only). `evidence` is the BLAKE2b-256 digest of the evidence.
entry fun slash(
    _: &AdminCap,
    pool: &mut Pool,
    staker: address,
    amount: u64,
    evidence: vector<u8>,
    ctx: &mut TxContext,
) {
    assert!(pool.stakes.contains(staker), ENoStake);
    assert!(evidence.length() == EVIDENCE_LEN, EBadEvidence);
    let st = pool.stakes.borrow_mut(staker);
    assert!(amount <= st.amount, EInsufficient);

    st.amount = st.amount - amount;
    st.slashed = true;
    let remaining = st.amount;
    let taken = pool.vault.split(amount);
    pool.slashed.join(taken);
    event::emit(Slashed { staker, amount, remaining, evidence, by: ctx.sender() });
}

/// Sets the tier thresholds (MIST) and the lock-up. Existing stakes are not touched.
entry fun set_params(
    _: &AdminCap,
    pool: &mut Pool,
    viewer: u64,
    user: u64,
    node: u64,
    admin: u64,
    lock_epochs: u64,
) {
    assert!(viewer > 0 && viewer <= user && user <= node && node <= admin, EBadThresholds);
    assert!(lock_epochs <= MAX_LOCK_EPOCHS, EBadThresholds);
    pool.thresholds = vector[viewer, user, node, admin];
    pool.lock_epochs = lock_epochs;
    event::emit(ParamsChanged { thresholds: pool.thresholds, lock_epochs });
}

// === Test-only access (not part of the published interface) ===

#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}

#[test_only]
public fun has_stake(pool: &Pool, addr: address): bool {
    pool.stakes.contains(addr)
}

#[test_only]
public fun stake_amount(pool: &Pool, addr: address): u64 {
    pool.stakes.borrow(addr).amount
}

#[test_only]
public fun stake_role(pool: &Pool, addr: address): u8 {
    pool.stakes.borrow(addr).role
}

#[test_only]
public fun stake_locked_until(pool: &Pool, addr: address): u64 {
    pool.stakes.borrow(addr).locked_until
}

#[test_only]
public fun stake_slashed(pool: &Pool, addr: address): bool {
    pool.stakes.borrow(addr).slashed
}

#[test_only]
public fun stake_count(pool: &Pool): u64 {
    pool.stakes.length()
}

#[test_only]
public fun vault_value(pool: &Pool): u64 {
    pool.vault.value()
}

#[test_only]
public fun slashed_value(pool: &Pool): u64 {
    pool.slashed.value()
}

#[test_only]
public fun thresholds(pool: &Pool): vector<u64> {
    pool.thresholds
}

#[test_only]
public fun lock_epochs(pool: &Pool): u64 {
    pool.lock_epochs
}
