/// Unit tests of `daas::staking` against move/README.md: publish state, `role_of`, the effects
/// of each entry function, and every abort code, including which check comes first.
#[test_only]
module daas::staking_tests;

use daas::staking::{Self, AdminCap, Pool};
use daas::test_utils as tu;
use std::unit_test::assert_eq;
use sui::coin::{Self, Coin};
use sui::sui::SUI;
use sui::test_scenario as ts;

const ALICE: address = @0xA11CE;
const BOB: address = @0xB0B;

// === Publish ===

#[test]
fun init_shares_pool_and_gives_admincap_to_publisher() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    assert!(ts::has_most_recent_for_address<AdminCap>(tu::admin()));
    let pool = sc.take_shared<Pool>();
    let s = tu::sui();
    assert_eq!(staking::thresholds(&pool), vector[s, 10 * s, 100 * s, 1000 * s]);
    assert_eq!(staking::lock_epochs(&pool), 1);
    assert_eq!(staking::stake_count(&pool), 0);
    assert_eq!(staking::vault_value(&pool), 0);
    assert_eq!(staking::slashed_value(&pool), 0);
    assert_eq!(staking::role_of(&pool, tu::admin()), 0);
    ts::return_shared(pool);
    ts::end(sc);
}

// === stake / role_of ===

#[test]
fun stake_creates_entry_locks_and_emits() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);
    let pool = sc.take_shared<Pool>();
    assert!(staking::has_stake(&pool, ALICE));
    assert_eq!(staking::stake_amount(&pool, ALICE), 10 * tu::sui());
    assert_eq!(staking::stake_role(&pool, ALICE), 2);
    assert_eq!(staking::stake_locked_until(&pool, ALICE), 1);
    assert!(!staking::stake_slashed(&pool, ALICE));
    assert_eq!(staking::vault_value(&pool), 10 * tu::sui());
    assert_eq!(staking::role_of(&pool, ALICE), 2);
    assert_eq!(staking::role_of(&pool, BOB), 0);
    ts::return_shared(pool);
    ts::end(sc);
}

#[test]
fun role_is_capped_by_requested_role() {
    let mut sc = tu::publish();
    // enough for admin, but only node requested
    tu::stake(&mut sc, ALICE, 1000 * tu::sui(), 3);
    assert_eq!(tu::role(&mut sc, ALICE), 3);
    ts::end(sc);
}

#[test]
fun role_falls_to_the_highest_tier_the_amount_reaches() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 1000 * tu::sui(), 4);
    assert_eq!(tu::role(&mut sc, ALICE), 4);
    sc.next_epoch(ALICE);
    tu::unstake(&mut sc, ALICE, 901 * tu::sui()); // 99 SUI left: user
    assert_eq!(tu::role(&mut sc, ALICE), 2);
    tu::unstake(&mut sc, ALICE, 90 * tu::sui()); // 9 SUI left: viewer
    assert_eq!(tu::role(&mut sc, ALICE), 1);
    tu::unstake(&mut sc, ALICE, 9 * tu::sui() - 1); // 1 MIST left: no tier
    assert_eq!(tu::role(&mut sc, ALICE), 0);
    ts::end(sc);
}

#[test]
fun threshold_counts_the_old_amount() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 6 * tu::sui(), 1);
    tu::stake(&mut sc, ALICE, 4 * tu::sui(), 2); // 6 + 4 = 10 SUI: user
    assert_eq!(tu::role(&mut sc, ALICE), 2);
    ts::end(sc);
}

#[test]
fun restake_adds_sets_role_and_restarts_lock() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    sc.next_epoch(ALICE);
    sc.next_epoch(ALICE); // epoch 2
    tu::stake(&mut sc, ALICE, 90 * tu::sui(), 3);
    assert_eq!(tu::role(&mut sc, ALICE), 3);
    tu::stake(&mut sc, ALICE, 1, 1); // a later stake may lower the requested role
    sc.next_tx(ALICE);
    let pool = sc.take_shared<Pool>();
    assert_eq!(staking::stake_amount(&pool, ALICE), 100 * tu::sui() + 1);
    assert_eq!(staking::stake_role(&pool, ALICE), 1);
    assert_eq!(staking::stake_locked_until(&pool, ALICE), 3);
    assert_eq!(staking::role_of(&pool, ALICE), 1);
    assert_eq!(staking::vault_value(&pool), 100 * tu::sui() + 1);
    ts::return_shared(pool);
    ts::end(sc);
}

// === unstake ===

#[test]
fun unstake_pays_out_and_removes_empty_entry() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    sc.next_epoch(ALICE); // epoch 1 == locked_until
    tu::unstake(&mut sc, ALICE, 4 * tu::sui());
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);

    sc.next_tx(ALICE);
    let c = sc.take_from_sender<Coin<SUI>>();
    assert_eq!(c.value(), 4 * tu::sui());
    coin::burn_for_testing(c);
    let pool = sc.take_shared<Pool>();
    assert_eq!(staking::stake_amount(&pool, ALICE), 6 * tu::sui());
    assert_eq!(staking::stake_role(&pool, ALICE), 2);
    assert_eq!(staking::vault_value(&pool), 6 * tu::sui());
    assert_eq!(staking::role_of(&pool, ALICE), 1);
    ts::return_shared(pool);

    tu::unstake(&mut sc, ALICE, 6 * tu::sui());
    sc.next_tx(ALICE);
    let c = sc.take_from_sender<Coin<SUI>>();
    assert_eq!(c.value(), 6 * tu::sui());
    coin::burn_for_testing(c);
    let pool = sc.take_shared<Pool>();
    assert!(!staking::has_stake(&pool, ALICE));
    assert_eq!(staking::stake_count(&pool), 0);
    assert_eq!(staking::vault_value(&pool), 0);
    assert_eq!(staking::role_of(&pool, ALICE), 0);
    ts::return_shared(pool);
    ts::end(sc);
}

// === slash ===

#[test]
fun slash_moves_sui_and_revokes_role() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 100 * tu::sui(), 3);
    tu::stake(&mut sc, BOB, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 40 * tu::sui(), tu::bytes(32));
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);
    let pool = sc.take_shared<Pool>();
    assert_eq!(staking::stake_amount(&pool, ALICE), 60 * tu::sui());
    assert!(staking::stake_slashed(&pool, ALICE));
    assert_eq!(staking::role_of(&pool, ALICE), 0);
    assert_eq!(staking::vault_value(&pool), 70 * tu::sui());
    assert_eq!(staking::slashed_value(&pool), 40 * tu::sui());
    assert_eq!(staking::role_of(&pool, BOB), 2); // others untouched
    ts::return_shared(pool);
    ts::end(sc);
}

#[test]
fun slash_zero_marks_only() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 100 * tu::sui(), 3);
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    sc.next_tx(ALICE);
    let pool = sc.take_shared<Pool>();
    assert_eq!(staking::stake_amount(&pool, ALICE), 100 * tu::sui());
    assert!(staking::stake_slashed(&pool, ALICE));
    assert_eq!(staking::role_of(&pool, ALICE), 0);
    assert_eq!(staking::slashed_value(&pool), 0);
    ts::return_shared(pool);
    ts::end(sc);
}

#[test]
fun slash_all_keeps_the_entry() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 100 * tu::sui(), 3);
    tu::slash(&mut sc, ALICE, 100 * tu::sui(), tu::bytes(32));
    sc.next_tx(ALICE);
    let pool = sc.take_shared<Pool>();
    assert!(staking::has_stake(&pool, ALICE));
    assert_eq!(staking::stake_amount(&pool, ALICE), 0);
    assert_eq!(staking::vault_value(&pool), 0);
    assert_eq!(staking::slashed_value(&pool), 100 * tu::sui());
    ts::return_shared(pool);
    ts::end(sc);
}

#[test]
fun slashed_entry_survives_unstaking_to_zero() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 100 * tu::sui(), 3);
    tu::slash(&mut sc, ALICE, 40 * tu::sui(), tu::bytes(32));
    sc.next_epoch(ALICE);
    tu::unstake(&mut sc, ALICE, 60 * tu::sui());
    sc.next_tx(ALICE);
    let c = sc.take_from_sender<Coin<SUI>>();
    assert_eq!(c.value(), 60 * tu::sui());
    coin::burn_for_testing(c);
    let pool = sc.take_shared<Pool>();
    assert!(staking::has_stake(&pool, ALICE));
    assert_eq!(staking::stake_amount(&pool, ALICE), 0);
    assert!(staking::stake_slashed(&pool, ALICE));
    assert_eq!(staking::role_of(&pool, ALICE), 0);
    ts::return_shared(pool);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ESlashed)]
fun stake_after_slash_and_full_unstake_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    sc.next_epoch(ALICE);
    tu::unstake(&mut sc, ALICE, 10 * tu::sui());
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    ts::end(sc);
}

// === set_params ===

#[test, expected_failure(abort_code = staking::EBadThresholds)]
fun set_params_lock_epochs_over_1000_aborts() {
    let mut sc = tu::publish();
    let s = tu::sui();
    tu::set_params(&mut sc, s, 10 * s, 100 * s, 1000 * s, 1001);
    ts::end(sc);
}

#[test]
fun set_params_lock_epochs_1000_is_accepted() {
    let mut sc = tu::publish();
    let s = tu::sui();
    tu::set_params(&mut sc, s, 10 * s, 100 * s, 1000 * s, 1000);
    ts::end(sc);
}

#[test]
fun set_params_changes_roles_and_lock() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    let s = tu::sui();
    tu::set_params(&mut sc, s, 20 * s, 100 * s, 1000 * s, 3);
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);
    assert_eq!(tu::role(&mut sc, ALICE), 1); // 10 SUI no longer reaches user
    tu::stake(&mut sc, BOB, 20 * s, 2);
    sc.next_tx(BOB);
    let pool = sc.take_shared<Pool>();
    assert_eq!(staking::thresholds(&pool), vector[s, 20 * s, 100 * s, 1000 * s]);
    assert_eq!(staking::lock_epochs(&pool), 3);
    assert_eq!(staking::stake_locked_until(&pool, BOB), 3);
    assert_eq!(staking::stake_locked_until(&pool, ALICE), 1); // existing stakes untouched
    ts::return_shared(pool);
    ts::end(sc);
}

#[test]
fun set_params_accepts_equal_thresholds() {
    let mut sc = tu::publish();
    tu::set_params(&mut sc, 5, 5, 5, 5, 0);
    tu::stake(&mut sc, ALICE, 5, 4);
    assert_eq!(tu::role(&mut sc, ALICE), 4);
    // lock_epochs 0: unstake in the same epoch
    tu::unstake(&mut sc, ALICE, 5);
    assert_eq!(tu::role(&mut sc, ALICE), 0);
    ts::end(sc);
}

// === stake aborts ===

#[test, expected_failure(abort_code = staking::EBadRole)]
fun stake_role_zero_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 0);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadRole)]
fun stake_role_five_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10_000 * tu::sui(), 5);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadRole)]
fun stake_bad_role_is_checked_before_zero_amount() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 0, 0);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EZeroAmount)]
fun stake_zero_coin_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 0, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EZeroAmount)]
fun stake_zero_amount_is_checked_before_slashed() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    tu::stake(&mut sc, ALICE, 0, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ESlashed)]
fun stake_after_slash_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 10 * tu::sui(), tu::bytes(32));
    tu::stake(&mut sc, ALICE, 1000 * tu::sui(), 2);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ESlashed)]
fun stake_slashed_is_checked_before_threshold() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    tu::stake(&mut sc, ALICE, 1, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBelowThreshold)]
fun stake_below_threshold_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui() - 1, 2);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBelowThreshold)]
fun restake_below_new_role_threshold_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::stake(&mut sc, ALICE, 89 * tu::sui(), 3); // 99 < 100 SUI
    ts::end(sc);
}

// === unstake aborts ===

#[test, expected_failure(abort_code = staking::ENoStake)]
fun unstake_without_stake_aborts() {
    let mut sc = tu::publish();
    tu::unstake(&mut sc, ALICE, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ENoStake)]
fun unstake_no_stake_is_checked_before_zero_amount() {
    let mut sc = tu::publish();
    tu::unstake(&mut sc, ALICE, 0);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EZeroAmount)]
fun unstake_zero_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    sc.next_epoch(ALICE);
    tu::unstake(&mut sc, ALICE, 0);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EZeroAmount)]
fun unstake_zero_is_checked_before_lock() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::unstake(&mut sc, ALICE, 0);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ELocked)]
fun unstake_during_lock_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::unstake(&mut sc, ALICE, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ELocked)]
fun restake_restarts_the_lock() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    sc.next_epoch(ALICE);
    tu::stake(&mut sc, ALICE, 1, 2); // locked until epoch 2 now
    tu::unstake(&mut sc, ALICE, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ELocked)]
fun unstake_lock_is_checked_before_amount() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::unstake(&mut sc, ALICE, 11 * tu::sui());
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EInsufficient)]
fun unstake_more_than_staked_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    sc.next_epoch(ALICE);
    tu::unstake(&mut sc, ALICE, 10 * tu::sui() + 1);
    ts::end(sc);
}

// === slash aborts ===

#[test, expected_failure(abort_code = staking::ENoStake)]
fun slash_without_stake_aborts() {
    let mut sc = tu::publish();
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::ENoStake)]
fun slash_no_stake_is_checked_before_evidence() {
    let mut sc = tu::publish();
    tu::slash(&mut sc, ALICE, 0, tu::bytes(0));
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadEvidence)]
fun slash_short_evidence_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 1, tu::bytes(31));
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadEvidence)]
fun slash_long_evidence_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 1, tu::bytes(33));
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadEvidence)]
fun slash_evidence_is_checked_before_amount() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 11 * tu::sui(), tu::bytes(64));
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EInsufficient)]
fun slash_more_than_staked_aborts() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 10 * tu::sui(), 2);
    tu::slash(&mut sc, ALICE, 10 * tu::sui() + 1, tu::bytes(32));
    ts::end(sc);
}

// === set_params aborts ===

#[test, expected_failure(abort_code = staking::EBadThresholds)]
fun set_params_zero_viewer_aborts() {
    let mut sc = tu::publish();
    tu::set_params(&mut sc, 0, 1, 2, 3, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadThresholds)]
fun set_params_user_below_viewer_aborts() {
    let mut sc = tu::publish();
    tu::set_params(&mut sc, 2, 1, 3, 4, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadThresholds)]
fun set_params_node_below_user_aborts() {
    let mut sc = tu::publish();
    tu::set_params(&mut sc, 1, 3, 2, 4, 1);
    ts::end(sc);
}

#[test, expected_failure(abort_code = staking::EBadThresholds)]
fun set_params_admin_below_node_aborts() {
    let mut sc = tu::publish();
    tu::set_params(&mut sc, 1, 2, 4, 3, 1);
    ts::end(sc);
}
