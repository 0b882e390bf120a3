/// Shared helpers for the `daas` unit tests: a scenario with the package published, and one
/// transaction per staking call (each helper starts its own transaction as `who`).
#[test_only]
module daas::test_utils;

use daas::registry;
use daas::scheduling;
use daas::staking::{Self, AdminCap, Pool};
use sui::coin;
use sui::sui::SUI;
use sui::test_scenario::{Self as ts, Scenario};

/// The publisher: holds the `AdminCap`.
public fun admin(): address { @0xAD }

/// 1 SUI in MIST.
public fun sui(): u64 { 1_000_000_000 }

/// A scenario in which `admin()` has published the package (every `init` ran, epoch 0).
public fun publish(): Scenario {
    let mut sc = ts::begin(admin());
    staking::init_for_testing(sc.ctx());
    registry::init_for_testing(sc.ctx());
    scheduling::init_for_testing(sc.ctx());
    sc
}

/// `who` stakes a fresh coin of `amount` MIST requesting `role`.
public fun stake(sc: &mut Scenario, who: address, amount: u64, role: u8) {
    sc.next_tx(who);
    let mut pool = sc.take_shared<Pool>();
    let c = coin::mint_for_testing<SUI>(amount, sc.ctx());
    staking::stake(&mut pool, c, role, sc.ctx());
    ts::return_shared(pool);
}

/// `who` unstakes `amount` MIST.
public fun unstake(sc: &mut Scenario, who: address, amount: u64) {
    sc.next_tx(who);
    let mut pool = sc.take_shared<Pool>();
    staking::unstake(&mut pool, amount, sc.ctx());
    ts::return_shared(pool);
}

/// The admin slashes `amount` MIST of `staker` with `evidence`.
public fun slash(sc: &mut Scenario, staker: address, amount: u64, evidence: vector<u8>) {
    sc.next_tx(admin());
    let cap = sc.take_from_sender<AdminCap>();
    let mut pool = sc.take_shared<Pool>();
    staking::slash(&cap, &mut pool, staker, amount, evidence, sc.ctx());
    ts::return_shared(pool);
    sc.return_to_sender(cap);
}

/// The admin sets the thresholds and the lock-up.
public fun set_params(
    sc: &mut Scenario,
    viewer: u64,
    user: u64,
    node: u64,
    admin_: u64,
    lock_epochs: u64,
) {
    sc.next_tx(admin());
    let cap = sc.take_from_sender<AdminCap>();
    let mut pool = sc.take_shared<Pool>();
    staking::set_params(&cap, &mut pool, viewer, user, node, admin_, lock_epochs);
    ts::return_shared(pool);
    sc.return_to_sender(cap);
}

/// `staking::role_of(pool, who)`, read in a transaction of its own.
public fun role(sc: &mut Scenario, who: address): u8 {
    sc.next_tx(admin());
    let pool = sc.take_shared<Pool>();
    let r = staking::role_of(&pool, who);
    ts::return_shared(pool);
    r
}

/// A byte string of `len` bytes (an evidence digest when `len` is 32).
public fun bytes(len: u64): vector<u8> {
    let mut v = vector[];
    let mut i = 0;
    while (i < len) {
        v.push_back(0xee);
        i = i + 1;
    };
    v
}

/// Ends the current transaction and returns how many events it emitted.
public fun events_of_last_tx(sc: &mut Scenario): u64 {
    let effects = sc.next_tx(admin());
    effects.num_user_events()
}
