/// Unit tests of the skeleton module `secret_policy`: until its issue gives it bodies, every
/// entry function aborts with `ENotImplemented` (0).
#[test_only]
module daas::skeleton_tests;

use daas::secret_policy;
use daas::test_utils as tu;
use sui::test_scenario as ts;

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
