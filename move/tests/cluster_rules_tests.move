/// Unit tests of `cluster_rules` (move/README.md "`cluster_rules`"): the permissive rules at
/// publish, set_rules replacing every rule, bumping the version and emitting RulesUpdated, the
/// limits that still pass, and every abort code with the order of the checks. The devnet's
/// tests/unit/devnet/test_rules.c checks the same rules natively.
#[test_only]
module daas::cluster_rules_tests;

use daas::cluster_rules::{Self, ClusterRules};
use daas::staking::AdminCap;
use daas::test_utils as tu;
use std::string::String;
use std::unit_test::assert_eq;
use sui::test_scenario::{Self as ts, Scenario};

const DIGEST: vector<u8> = b"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A published package with the rules object shared.
fun publish(): Scenario {
    let mut sc = tu::publish();
    cluster_rules::init_for_testing(sc.ctx());
    sc
}

/// The admin calls set_rules with these values.
fun set(
    sc: &mut Scenario,
    registries: vector<String>,
    digests: vector<String>,
    nitro: u8,
    host_path: u8,
    host_network: u8,
) {
    sc.next_tx(tu::admin());
    let cap = sc.take_from_sender<AdminCap>();
    let mut rules = sc.take_shared<ClusterRules>();
    cluster_rules::set_rules(&cap, &mut rules, registries, digests, nitro, host_path, host_network);
    ts::return_shared(rules);
    sc.return_to_sender(cap);
}

/// `n` copies of `s`.
fun many(s: vector<u8>, n: u64): vector<String> {
    let mut v = vector[];
    let mut i = 0;
    while (i < n) {
        v.push_back(s.to_string());
        i = i + 1;
    };
    v
}

/// A registry prefix of `len` bytes: "a" repeated, then "/".
fun registry_of_len(len: u64): String {
    let mut b = vector[];
    let mut i = 0;
    while (i + 1 < len) {
        b.push_back(0x61);
        i = i + 1;
    };
    b.push_back(0x2f);
    b.to_string()
}

// === Publish ===

#[test]
fun init_shares_permissive_rules() {
    let mut sc = publish();
    sc.next_tx(tu::admin());
    let rules = sc.take_shared<ClusterRules>();
    assert_eq!(cluster_rules::version(&rules), 1);
    assert_eq!(cluster_rules::allowed_registries(&rules), vector[]);
    assert_eq!(cluster_rules::allowed_digests(&rules), vector[]);
    assert_eq!(cluster_rules::nitro_min_tier(&rules), 3);
    assert_eq!(cluster_rules::host_path_min_tier(&rules), 4);
    assert_eq!(cluster_rules::host_network_min_tier(&rules), 4);
    ts::return_shared(rules);
    ts::end(sc);
}

// === set_rules ===

#[test]
fun set_rules_replaces_bumps_and_emits() {
    let mut sc = publish();
    set(
        &mut sc,
        vector[b"registry.example.com/".to_string(), b"docker.io/library/".to_string()],
        vector[DIGEST.to_string()],
        255,
        2,
        1,
    );
    assert_eq!(tu::events_of_last_tx(&mut sc), 1);
    let rules = sc.take_shared<ClusterRules>();
    assert_eq!(cluster_rules::version(&rules), 2);
    assert_eq!(
        cluster_rules::allowed_registries(&rules),
        vector[b"registry.example.com/".to_string(), b"docker.io/library/".to_string()],
    );
    assert_eq!(cluster_rules::allowed_digests(&rules), vector[DIGEST.to_string()]);
    assert_eq!(cluster_rules::nitro_min_tier(&rules), 255);
    assert_eq!(cluster_rules::host_path_min_tier(&rules), 2);
    assert_eq!(cluster_rules::host_network_min_tier(&rules), 1);
    ts::return_shared(rules);

    // a second call replaces everything again (empty lists: any registry)
    set(&mut sc, vector[], vector[], 4, 4, 4);
    sc.next_tx(tu::admin());
    let rules = sc.take_shared<ClusterRules>();
    assert_eq!(cluster_rules::version(&rules), 3);
    assert_eq!(cluster_rules::allowed_registries(&rules), vector[]);
    assert_eq!(cluster_rules::allowed_digests(&rules), vector[]);
    ts::return_shared(rules);
    ts::end(sc);
}

#[test]
fun limits_pass() {
    let mut sc = publish();
    let mut regs = many(b"r/", 63);
    regs.push_back(registry_of_len(255));
    set(&mut sc, regs, many(DIGEST, 64), 1, 3, 255);
    sc.next_tx(tu::admin());
    let rules = sc.take_shared<ClusterRules>();
    assert_eq!(cluster_rules::version(&rules), 2);
    assert_eq!(cluster_rules::allowed_registries(&rules).length(), 64);
    assert_eq!(cluster_rules::allowed_digests(&rules).length(), 64);
    ts::return_shared(rules);
    ts::end(sc);
}

// === aborts ===

#[test, expected_failure(abort_code = cluster_rules::ETooMany)]
fun too_many_registries() {
    let mut sc = publish();
    set(&mut sc, many(b"r/", 65), vector[], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::ETooMany)]
fun too_many_digests_checked_before_registries() {
    let mut sc = publish();
    set(&mut sc, vector[b"no-slash".to_string()], many(DIGEST, 65), 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadRegistry)]
fun empty_registry() {
    let mut sc = publish();
    set(&mut sc, vector[b"".to_string()], vector[], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadRegistry)]
fun registry_without_slash() {
    let mut sc = publish();
    set(&mut sc, vector[b"ok/".to_string(), b"docker.io".to_string()], vector[], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadRegistry)]
fun registry_too_long() {
    let mut sc = publish();
    set(&mut sc, vector[registry_of_len(256)], vector[], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadRegistry)]
fun registry_checked_before_digest() {
    let mut sc = publish();
    set(&mut sc, vector[b"x".to_string()], vector[b"md5:00".to_string()], 0, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadDigest)]
fun digest_uppercase() {
    let mut sc = publish();
    let d = b"sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
    set(&mut sc, vector[], vector[d.to_string()], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadDigest)]
fun digest_short() {
    let mut sc = publish();
    let d = b"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
    set(&mut sc, vector[], vector[d.to_string()], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadDigest)]
fun digest_wrong_algorithm() {
    let mut sc = publish();
    let d = b"sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    set(&mut sc, vector[], vector[d.to_string()], 3, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadDigest)]
fun digest_checked_before_tier() {
    let mut sc = publish();
    set(&mut sc, vector[], vector[b"sha256:".to_string()], 0, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadTier)]
fun tier_zero() {
    let mut sc = publish();
    set(&mut sc, vector[], vector[], 0, 4, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadTier)]
fun tier_five() {
    let mut sc = publish();
    set(&mut sc, vector[], vector[], 3, 5, 4);
    ts::end(sc);
}

#[test, expected_failure(abort_code = cluster_rules::EBadTier)]
fun tier_254() {
    let mut sc = publish();
    set(&mut sc, vector[], vector[], 3, 4, 254);
    ts::end(sc);
}
