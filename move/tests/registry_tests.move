/// Unit tests of `daas::registry` against move/README.md: registration by node-role stakers,
/// re-registration, status changes, node-name rules, and every abort code, including which
/// check comes first.
#[test_only]
module daas::registry_tests;

use daas::registry::{Self, Registry};
use daas::staking::Pool;
use daas::test_utils as tu;
use std::string::{String, utf8};
use std::unit_test::assert_eq;
use sui::test_scenario::{Self as ts, Scenario};

const ALICE: address = @0xA11CE;
const BOB: address = @0xB0B;

/// `who` calls `register_node(name, endpoint)` in a transaction of its own.
fun register(sc: &mut Scenario, who: address, name: String, endpoint: String) {
    sc.next_tx(who);
    let mut reg = sc.take_shared<Registry>();
    let pool = sc.take_shared<Pool>();
    registry::register_node(&mut reg, &pool, name, endpoint, sc.ctx());
    ts::return_shared(pool);
    ts::return_shared(reg);
}

/// `who` calls `set_status(name, status)` in a transaction of its own.
fun set_status(sc: &mut Scenario, who: address, name: String, status: u8) {
    sc.next_tx(who);
    let mut reg = sc.take_shared<Registry>();
    registry::set_status(&mut reg, name, status, sc.ctx());
    ts::return_shared(reg);
}

/// A published package in which ALICE and BOB hold the node role (100 SUI each).
fun two_nodes(): Scenario {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 100 * tu::sui(), 3);
    tu::stake(&mut sc, BOB, 100 * tu::sui(), 3);
    sc
}

/// `n` bytes of `c`.
fun repeat(c: u8, n: u64): String {
    let mut v = vector[];
    let mut i = 0;
    while (i < n) {
        v.push_back(c);
        i = i + 1;
    };
    utf8(v)
}

// === register_node ===

#[test]
fun register_records_the_node_and_emits() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"https://10.0.0.1:10250"));
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);
    let reg = sc.take_shared<Registry>();
    assert!(registry::is_registered(&reg, utf8(b"node-1")));
    assert_eq!(registry::node_count(&reg), 1);
    assert_eq!(registry::node_owner(&reg, utf8(b"node-1")), ALICE);
    assert_eq!(registry::node_endpoint(&reg, utf8(b"node-1")), utf8(b"https://10.0.0.1:10250"));
    assert_eq!(registry::node_status(&reg, utf8(b"node-1")), 1);
    assert_eq!(registry::node_registered_epoch(&reg, utf8(b"node-1")), 0);
    ts::return_shared(reg);
    ts::end(sc);
}

#[test]
fun admin_role_may_register() {
    let mut sc = tu::publish();
    tu::stake(&mut sc, ALICE, 1000 * tu::sui(), 4);
    register(&mut sc, ALICE, utf8(b"a"), utf8(b""));
    sc.next_tx(ALICE);
    let reg = sc.take_shared<Registry>();
    assert!(registry::is_registered(&reg, utf8(b"a")));
    ts::return_shared(reg);
    ts::end(sc);
}

#[test]
fun reregistering_own_name_updates_and_reactivates() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"10.0.0.1:10250"));
    set_status(&mut sc, ALICE, utf8(b"node-1"), 2);
    sc.next_epoch(ALICE);
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"10.0.0.2:10250"));
    sc.next_tx(ALICE);
    let reg = sc.take_shared<Registry>();
    assert_eq!(registry::node_count(&reg), 1);
    assert_eq!(registry::node_endpoint(&reg, utf8(b"node-1")), utf8(b"10.0.0.2:10250"));
    assert_eq!(registry::node_status(&reg, utf8(b"node-1")), 1);
    assert_eq!(registry::node_registered_epoch(&reg, utf8(b"node-1")), 1);
    ts::return_shared(reg);
    ts::end(sc);
}

#[test]
fun valid_names_and_limits_are_accepted() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"0"), utf8(b"e"));
    register(&mut sc, ALICE, utf8(b"ip-10-0-0-1.eu-west-1.compute.internal"), utf8(b"e"));
    register(&mut sc, ALICE, utf8(b"9a.b-c.z"), utf8(b"e"));
    register(&mut sc, ALICE, repeat(0x61, 63), repeat(0x78, 255));
    sc.next_tx(ALICE);
    let reg = sc.take_shared<Registry>();
    assert_eq!(registry::node_count(&reg), 4);
    assert_eq!(registry::node_endpoint(&reg, repeat(0x61, 63)), repeat(0x78, 255));
    ts::return_shared(reg);
    ts::end(sc);
}

// === set_status ===

#[test]
fun set_status_changes_status_and_emits() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    set_status(&mut sc, ALICE, utf8(b"node-1"), 2);
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);
    set_status(&mut sc, ALICE, utf8(b"node-1"), 3);
    sc.next_tx(ALICE);
    let reg = sc.take_shared<Registry>();
    assert_eq!(registry::node_status(&reg, utf8(b"node-1")), 3);
    assert_eq!(registry::node_owner(&reg, utf8(b"node-1")), ALICE);
    ts::return_shared(reg);
    ts::end(sc);
}

#[test]
fun set_status_needs_no_stake() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    set_status(&mut sc, ALICE, utf8(b"node-1"), 3);
    sc.next_tx(ALICE);
    let reg = sc.take_shared<Registry>();
    assert_eq!(registry::node_status(&reg, utf8(b"node-1")), 3);
    ts::return_shared(reg);
    ts::end(sc);
}

// === register_node aborts ===

#[test, expected_failure(abort_code = registry::ENotNode)]
fun register_without_stake_aborts() {
    let mut sc = tu::publish();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::ENotNode)]
fun register_with_user_role_aborts() {
    let mut sc = tu::publish();
    // enough SUI for node, but only user requested
    tu::stake(&mut sc, ALICE, 1000 * tu::sui(), 2);
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::ENotNode)]
fun register_when_slashed_aborts() {
    let mut sc = two_nodes();
    tu::slash(&mut sc, ALICE, 0, tu::bytes(32));
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::ENotNode)]
fun register_role_is_checked_before_name() {
    let mut sc = tu::publish();
    register(&mut sc, ALICE, utf8(b""), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_empty_name_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b""), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_64_byte_name_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, repeat(0x61, 64), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_uppercase_name_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"Node-1"), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_leading_dash_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"-node"), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_trailing_dot_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node."), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_underscore_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node_1"), utf8(b"e"));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_256_byte_endpoint_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), repeat(0x78, 256));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadName)]
fun register_name_is_checked_before_taken() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    register(&mut sc, BOB, utf8(b"node-1"), repeat(0x78, 256));
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::ENameTaken)]
fun register_others_name_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    register(&mut sc, BOB, utf8(b"node-1"), utf8(b"e"));
    ts::end(sc);
}

// === set_status aborts ===

#[test, expected_failure(abort_code = registry::ENoNode)]
fun set_status_unknown_name_aborts() {
    let mut sc = two_nodes();
    set_status(&mut sc, ALICE, utf8(b"node-1"), 2);
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::ENotOwner)]
fun set_status_by_other_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    set_status(&mut sc, BOB, utf8(b"node-1"), 2);
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::ENotOwner)]
fun set_status_owner_is_checked_before_status() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    set_status(&mut sc, BOB, utf8(b"node-1"), 9);
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadStatus)]
fun set_status_zero_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    set_status(&mut sc, ALICE, utf8(b"node-1"), 0);
    ts::end(sc);
}

#[test, expected_failure(abort_code = registry::EBadStatus)]
fun set_status_four_aborts() {
    let mut sc = two_nodes();
    register(&mut sc, ALICE, utf8(b"node-1"), utf8(b"e"));
    set_status(&mut sc, ALICE, utf8(b"node-1"), 4);
    ts::end(sc);
}
