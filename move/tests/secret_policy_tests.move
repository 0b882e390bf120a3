/// Unit tests of `secret_policy` (move/README.md "`secret_policy`"): create / update,
/// request_access counting uses and refusing no one, every rule of seal_approve with its abort
/// code (stake, allow-list, window, ticket, expiry, usage limit) and ticket expiry. The devnet's tests/unit/devnet/test_policy.c checks the same rules natively.
#[test_only]
module daas::secret_policy_tests;

use daas::secret_policy::{Self, DecryptionPolicy, AccessTicket};
use daas::staking::Pool;
use daas::test_utils as tu;
use sui::clock::{Self, Clock};
use sui::test_scenario::{Self as ts, Scenario};

const NODE: address = @0xA11CE;
const OTHER: address = @0xB0B;
const HOUR: u64 = 3_600_000;

/// A published package, NODE staked 5 SUI (viewer), and a clock at 1000 ms.
fun setup(): (Scenario, Clock) {
    let mut sc = tu::publish();
    tu::stake(&mut sc, NODE, 5 * tu::sui(), 1);
    sc.next_tx(tu::admin());
    let mut clock = clock::create_for_testing(sc.ctx());
    clock.set_for_testing(1000);
    (sc, clock)
}

fun create(sc: &mut Scenario, stake: u64, nodes: vector<address>, before: u64, after: u64, max: u64) {
    sc.next_tx(tu::admin());
    secret_policy::create_policy(stake, nodes, before, after, max, HOUR, sc.ctx());
}

fun request(sc: &mut Scenario, who: address, clock: &Clock) {
    sc.next_tx(who);
    let mut policy = sc.take_shared<DecryptionPolicy>();
    let pool = sc.take_shared<Pool>();
    secret_policy::request_access(&mut policy, &pool, clock, sc.ctx());
    ts::return_shared(policy);
    ts::return_shared(pool);
}

/// seal_approve by `who` (holding a ticket) for identity policy id || suffix.
fun approve(sc: &mut Scenario, who: address, clock: &Clock, good_id: bool) {
    sc.next_tx(who);
    let policy = sc.take_shared<DecryptionPolicy>();
    let pool = sc.take_shared<Pool>();
    let ticket = sc.take_from_sender<AccessTicket>();
    let mut id = if (good_id) object::id(&policy).to_bytes() else tu::bytes(32);
    id.push_back(7);
    secret_policy::seal_approve(id, &policy, &ticket, &pool, clock, sc.ctx());
    sc.return_to_sender(ticket);
    ts::return_shared(policy);
    ts::return_shared(pool);
}

fun finish(sc: Scenario, clock: Clock) {
    clock.destroy_for_testing();
    ts::end(sc);
}

#[test]
fun request_and_approve() {
    let (mut sc, clock) = setup();
    create(&mut sc, tu::sui(), vector[NODE], 0, 0, 2);
    request(&mut sc, NODE, &clock);
    sc.next_tx(NODE);
    let ticket = sc.take_from_sender<AccessTicket>();
    assert!(secret_policy::ticket_holder(&ticket) == NODE);
    assert!(secret_policy::ticket_number(&ticket) == 1);
    assert!(secret_policy::ticket_expires_ms(&ticket) == 1000 + HOUR);
    sc.return_to_sender(ticket);
    let policy = sc.take_shared<DecryptionPolicy>();
    assert!(secret_policy::uses(&policy) == 1);
    ts::return_shared(policy);
    approve(&mut sc, NODE, &clock, true);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::EBadParams)]
fun bad_window() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[], 10, 10, 0);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::ENotAdmin)]
fun update_by_other() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[], 0, 0, 0);
    sc.next_tx(OTHER);
    let mut policy = sc.take_shared<DecryptionPolicy>();
    secret_policy::update_policy(&mut policy, 0, vector[], 0, 0, 0, HOUR, sc.ctx());
    ts::return_shared(policy);
    finish(sc, clock);
}

/// request_access checks no rule: an unstaked, unlisted, early or over-limit caller gets a
/// ticket, numbered with the policy's count; seal_approve is the one that refuses.
#[test]
fun request_checks_nothing() {
    let (mut sc, clock) = setup();
    create(&mut sc, 10 * tu::sui(), vector[OTHER], 5000, 6000, 1);
    request(&mut sc, NODE, &clock);
    request(&mut sc, tu::admin(), &clock);
    sc.next_tx(tu::admin());
    let ticket = sc.take_from_sender<AccessTicket>();
    assert!(secret_policy::ticket_number(&ticket) == 2);
    assert!(secret_policy::ticket_holder(&ticket) == tu::admin());
    sc.return_to_sender(ticket);
    let policy = sc.take_shared<DecryptionPolicy>();
    assert!(secret_policy::uses(&policy) == 2);
    ts::return_shared(policy);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::EInsufficientStake)]
fun approve_without_stake() {
    let (mut sc, clock) = setup();
    create(&mut sc, tu::sui(), vector[], 0, 0, 0);
    request(&mut sc, OTHER, &clock);
    approve(&mut sc, OTHER, &clock, true);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::ENotAllowed)]
fun approve_not_listed() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[OTHER], 0, 0, 0);
    request(&mut sc, NODE, &clock);
    approve(&mut sc, NODE, &clock, true);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::EOutsideWindow)]
fun approve_too_early() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[], 2000, 0, 0);
    request(&mut sc, NODE, &clock);
    approve(&mut sc, NODE, &clock, true);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::EOutsideWindow)]
fun approve_too_late() {
    let (mut sc, mut clock) = setup();
    create(&mut sc, 0, vector[], 0, 2000, 0);
    request(&mut sc, NODE, &clock);
    clock.set_for_testing(2001);
    approve(&mut sc, NODE, &clock, true);
    finish(sc, clock);
}

/// seal_approve by `who` with its ticket numbered `n` (it may hold several).
fun approve_use(sc: &mut Scenario, who: address, clock: &Clock, n: u64) {
    sc.next_tx(who);
    let ids = ts::ids_for_sender<AccessTicket>(sc);
    let policy = sc.take_shared<DecryptionPolicy>();
    let pool = sc.take_shared<Pool>();
    let mut found = false;
    let mut i = 0;
    while (i < ids.length()) {
        let ticket = sc.take_from_sender_by_id<AccessTicket>(ids[i]);
        if (secret_policy::ticket_number(&ticket) == n) {
            let mut id = object::id(&policy).to_bytes();
            id.push_back(7);
            secret_policy::seal_approve(id, &policy, &ticket, &pool, clock, sc.ctx());
            found = true;
        };
        sc.return_to_sender(ticket);
        i = i + 1;
    };
    assert!(found);
    ts::return_shared(policy);
    ts::return_shared(pool);
}

/// max_uses 1: the first ticket passes, the second (use 2) is past the limit.
#[test, expected_failure(abort_code = secret_policy::EUsageLimit)]
fun approve_past_limit() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[], 0, 0, 1);
    request(&mut sc, NODE, &clock);
    request(&mut sc, NODE, &clock);
    approve_use(&mut sc, NODE, &clock, 1);
    approve_use(&mut sc, NODE, &clock, 2);
    finish(sc, clock);
}

/// The stake is checked before the usage limit: a ticket past the limit held by an unstaked
/// caller is refused for its stake.
#[test, expected_failure(abort_code = secret_policy::EInsufficientStake)]
fun approve_stake_before_limit() {
    let (mut sc, clock) = setup();
    create(&mut sc, tu::sui(), vector[], 0, 0, 1);
    request(&mut sc, NODE, &clock);
    request(&mut sc, OTHER, &clock);
    approve(&mut sc, OTHER, &clock, true);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::EWrongId)]
fun approve_wrong_id() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[], 0, 0, 0);
    request(&mut sc, NODE, &clock);
    approve(&mut sc, NODE, &clock, false);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::ETicketExpired)]
fun approve_expired() {
    let (mut sc, mut clock) = setup();
    create(&mut sc, 0, vector[], 0, 0, 0);
    request(&mut sc, NODE, &clock);
    clock.set_for_testing(1000 + HOUR);
    approve(&mut sc, NODE, &clock, true);
    finish(sc, clock);
}

#[test, expected_failure(abort_code = secret_policy::EBadTicket)]
fun approve_ticket_of_other_policy() {
    let (mut sc, clock) = setup();
    create(&mut sc, 0, vector[], 0, 0, 0);
    request(&mut sc, NODE, &clock);
    // a second policy: NODE's ticket is not for it
    create(&mut sc, 0, vector[], 0, 0, 0);
    sc.next_tx(NODE);
    let ticket = sc.take_from_sender<AccessTicket>();
    let pool = sc.take_shared<Pool>();
    let other_id = ts::most_recent_id_shared<DecryptionPolicy>().destroy_some();
    assert!(other_id != secret_policy::ticket_policy(&ticket));
    let policy = sc.take_shared_by_id<DecryptionPolicy>(other_id);
    secret_policy::seal_approve(other_id.to_bytes(), &policy, &ticket, &pool, &clock, sc.ctx());
    ts::return_shared(policy);
    ts::return_shared(pool);
    sc.return_to_sender(ticket);
    finish(sc, clock);
}
