/// Unit tests of `scheduling` (move/README.md, "`scheduling`"): the Ledger at publish,
/// commit_batch's effects (per-enclave sequence numbers) and every abort code, with an enclave
/// key whose signatures were made off line (Ed25519 seed 0x01..0x20) over
/// BCS(IntentMessage { 3, ts, BatchRoot }).
#[test_only]
module daas::scheduling_tests;

use daas::enclave::{Self, Enclave, EnclaveConfig};
use daas::scheduling::{Self, Ledger};
use daas::staking::AdminCap;
use daas::test_utils as tu;
use sui::test_scenario::{Self as ts, Scenario};

const KEY: vector<u8> = x"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
/// root 0xee × 32, first_seq 0, count 5, timestamp_ms 1000
const SIG_0_5: vector<u8> = x"4d38230b586dd8bde38555e511ae2919e4083b506d14551c52795ff65f70c2b88b2bc7e4fd0c16cac700e2fe46b4529f9baa6e708481228c4638530e420cab01";
/// root 0xee × 32, first_seq 5, count 3, timestamp_ms 2000
const SIG_5_3: vector<u8> = x"f5e144fe63b73c6bf4c81ddebd964ede03a547e2b5b3735e60f569e6c3a991c6d17a3ce296cc77fca7ab9389af7fae83780e2e1dc00304380f2e43d38227c40b";

fun pcr(): vector<u8> { tu::bytes(48) }

/// Published, with a config and (held by the caller) an enclave with KEY registered against it.
fun setup(): (Scenario, Enclave) {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let cap = sc.take_from_sender<AdminCap>();
    enclave::create_config(&cap, b"daas-scheduler".to_string(), pcr(), pcr(), pcr(), false, sc.ctx());
    sc.return_to_sender(cap);
    sc.next_tx(tu::admin());
    let config = sc.take_shared<EnclaveConfig>();
    let e = enclave::new_enclave_for_testing(&config, KEY, sc.ctx());
    ts::return_shared(config);
    (sc, e)
}

/// commit_batch in a transaction of its own.
fun commit(sc: &mut Scenario, e: &mut Enclave, root: vector<u8>, first: u64, count: u64, ts_ms: u64, sig: vector<u8>) {
    sc.next_tx(tu::admin());
    let mut ledger = sc.take_shared<Ledger>();
    let config = sc.take_shared<EnclaveConfig>();
    scheduling::commit_batch(&mut ledger, &config, e, root, first, count, ts_ms, sig);
    ts::return_shared(config);
    ts::return_shared(ledger);
}

fun finish(sc: Scenario, e: Enclave) {
    enclave::destroy_enclave_for_testing(e);
    ts::end(sc);
}

#[test]
fun ledger_at_publish() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let ledger = sc.take_shared<Ledger>();
    assert!(ledger.batches() == 0 && ledger.last_root().is_empty());
    ts::return_shared(ledger);
    ts::end(sc);
}

#[test]
fun commit_two_batches() {
    let (mut sc, mut e) = setup();
    assert!(e.next_seq() == 0);
    commit(&mut sc, &mut e, tu::bytes(32), 0, 5, 1000, SIG_0_5);
    assert!(tu::events_of_last_tx(&mut sc) == 1);
    assert!(e.next_seq() == 5);
    commit(&mut sc, &mut e, tu::bytes(32), 5, 3, 2000, SIG_5_3);
    assert!(e.next_seq() == 8);
    sc.next_tx(tu::admin());
    let ledger = sc.take_shared<Ledger>();
    assert!(ledger.batches() == 2);
    assert!(*ledger.last_root() == tu::bytes(32));
    ts::return_shared(ledger);
    finish(sc, e);
}

/// Each enclave numbers its decisions from 0: a second enclave (a restart, same key here)
/// starts at 0 after the first committed 0..4, and the first continues at 5.
#[test]
fun sequence_is_per_enclave() {
    let (mut sc, mut a) = setup();
    commit(&mut sc, &mut a, tu::bytes(32), 0, 5, 1000, SIG_0_5);
    sc.next_tx(tu::admin());
    let config = sc.take_shared<EnclaveConfig>();
    let mut b = enclave::new_enclave_for_testing(&config, KEY, sc.ctx());
    ts::return_shared(config);
    assert!(b.next_seq() == 0);
    commit(&mut sc, &mut b, tu::bytes(32), 0, 5, 1000, SIG_0_5);
    assert!(b.next_seq() == 5 && a.next_seq() == 5);
    commit(&mut sc, &mut a, tu::bytes(32), 5, 3, 2000, SIG_5_3);
    assert!(a.next_seq() == 8 && b.next_seq() == 5);
    sc.next_tx(tu::admin());
    let ledger = sc.take_shared<Ledger>();
    assert!(ledger.batches() == 3);
    ts::return_shared(ledger);
    enclave::destroy_enclave_for_testing(b);
    finish(sc, a);
}

/// A replay of an enclave's committed start.
#[test, expected_failure(abort_code = scheduling::ESeqGap)]
fun seq_replay() {
    let (mut sc, mut e) = setup();
    commit(&mut sc, &mut e, tu::bytes(32), 0, 5, 1000, SIG_0_5);
    commit(&mut sc, &mut e, tu::bytes(32), 0, 5, 1000, SIG_0_5);
    finish(sc, e);
}

#[test, expected_failure(abort_code = scheduling::EStaleEnclave)]
fun stale_after_update_config() {
    let (mut sc, mut e) = setup();
    sc.next_tx(tu::admin());
    let cap = sc.take_from_sender<AdminCap>();
    let mut config = sc.take_shared<EnclaveConfig>();
    enclave::update_config(&cap, &mut config, pcr(), pcr(), pcr(), false);
    ts::return_shared(config);
    sc.return_to_sender(cap);
    commit(&mut sc, &mut e, tu::bytes(32), 0, 5, 1000, SIG_0_5);
    finish(sc, e);
}

#[test, expected_failure(abort_code = scheduling::EBadRoot)]
fun bad_root() {
    let (mut sc, mut e) = setup();
    commit(&mut sc, &mut e, tu::bytes(31), 0, 5, 1000, SIG_0_5);
    finish(sc, e);
}

#[test, expected_failure(abort_code = scheduling::EEmptyBatch)]
fun empty_batch() {
    let (mut sc, mut e) = setup();
    commit(&mut sc, &mut e, tu::bytes(32), 0, 0, 1000, SIG_0_5);
    finish(sc, e);
}

#[test, expected_failure(abort_code = scheduling::ESeqGap)]
fun seq_gap() {
    let (mut sc, mut e) = setup();
    commit(&mut sc, &mut e, tu::bytes(32), 5, 3, 2000, SIG_5_3);
    finish(sc, e);
}

#[test, expected_failure(abort_code = scheduling::EBadSignature)]
fun bad_signature() {
    let (mut sc, mut e) = setup();
    // a valid signature over another timestamp
    commit(&mut sc, &mut e, tu::bytes(32), 0, 5, 1001, SIG_0_5);
    finish(sc, e);
}
