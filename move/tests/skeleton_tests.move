/// Unit tests of the skeleton modules (`enclave`, `scheduling`, `secret_policy`): until their
/// issues give them bodies, every entry function aborts with `ENotImplemented` (0).
#[test_only]
module daas::skeleton_tests;

use daas::enclave;
use daas::scheduling;
use daas::secret_policy;
use daas::staking::AdminCap;
use daas::test_utils as tu;
use sui::test_scenario as ts;

#[test, expected_failure(abort_code = enclave::ENotImplemented)]
fun enclave_create_config_is_not_implemented() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let cap = sc.take_from_sender<AdminCap>();
    enclave::create_config(&cap, tu::bytes(48), tu::bytes(48), tu::bytes(48), false, sc.ctx());
    sc.return_to_sender(cap);
    ts::end(sc);
}

#[test, expected_failure(abort_code = enclave::ENotImplemented)]
fun enclave_register_is_not_implemented() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let config = enclave::new_config_for_testing(sc.ctx());
    enclave::register(&config, tu::bytes(100), sc.ctx());
    enclave::destroy_config_for_testing(config);
    ts::end(sc);
}

#[test, expected_failure(abort_code = scheduling::ENotImplemented)]
fun scheduling_commit_batch_is_not_implemented() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let config = enclave::new_config_for_testing(sc.ctx());
    let e = enclave::new_enclave_for_testing(&config, sc.ctx());
    scheduling::commit_batch(&e, tu::bytes(32), 0, 1, tu::bytes(64), sc.ctx());
    enclave::destroy_enclave_for_testing(e);
    enclave::destroy_config_for_testing(config);
    ts::end(sc);
}

#[test, expected_failure(abort_code = secret_policy::ENotImplemented)]
fun secret_policy_create_policy_is_not_implemented() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    secret_policy::create_policy(tu::sui(), vector[@0xA11CE], 0, 1000, 1, sc.ctx());
    ts::end(sc);
}

#[test, expected_failure(abort_code = secret_policy::ENotImplemented)]
fun secret_policy_request_access_is_not_implemented() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let mut policy = secret_policy::new_policy_for_testing(sc.ctx());
    secret_policy::request_access(&mut policy, sc.ctx());
    secret_policy::destroy_policy_for_testing(policy);
    ts::end(sc);
}

#[test, expected_failure(abort_code = secret_policy::ENotImplemented)]
fun secret_policy_seal_approve_is_not_implemented() {
    let mut sc = tu::publish();
    sc.next_tx(tu::admin());
    let policy = secret_policy::new_policy_for_testing(sc.ctx());
    secret_policy::seal_approve(tu::bytes(32), &policy, sc.ctx());
    secret_policy::destroy_policy_for_testing(policy);
    ts::end(sc);
}
