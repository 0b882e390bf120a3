/// Cluster rules kept on chain (move/README.md, section "`cluster_rules`").
///
/// Owns: the shared `ClusterRules`, created by `init` at publish: which container images pods
/// may run (image-reference prefixes of allowed registries, pinned digests) and the least
/// stake tier (move/README.md "Roles and tiers") a pod's owner needs to request
/// `aws.ec2.nitro/nitro_enclaves`, to mount a hostPath volume and to use the host's network.
/// The scheduler's enclave evaluates pods against these rules; the API server reads the object
/// and hands the enclave its BCS without the UID.
///
/// Invariants:
/// - `version` is 1 at publish and grows by one with every `set_rules`;
/// - at most 64 registries and 64 digests; every registry is 1..=255 bytes ending in "/";
///   every digest is "sha256:" followed by 64 lowercase hex digits;
/// - every tier is 1 (viewer), 2 (user), 3 (node), 4 (admin) or 255 (nobody);
/// - only the holder of `staking::AdminCap` changes the rules.
module daas::cluster_rules;

use daas::staking::AdminCap;
use std::string::String;
use sui::event;

// === Abort codes (README "`cluster_rules`") ===

const EBadRegistry: u64 = 1;
const EBadDigest: u64 = 2;
const ETooMany: u64 = 3;
const EBadTier: u64 = 4;

// === Tiers (`staking`'s roles; 255: nobody) ===

const TIER_VIEWER: u8 = 1;
const TIER_NODE: u8 = 3;
const TIER_ADMIN: u8 = 4;
const TIER_NOBODY: u8 = 255;

/// Most entries of each list.
const MAX_ENTRIES: u64 = 64;
/// Longest registry prefix, in bytes.
const MAX_REGISTRY_LEN: u64 = 255;
/// "sha256:" (7 bytes) and 64 hex digits.
const DIGEST_LEN: u64 = 71;
const DIGEST_PREFIX_LEN: u64 = 7;

// === Objects ===

/// The cluster's rules (shared). Field order is the BCS the enclave reads (after the UID).
public struct ClusterRules has key {
    id: UID,
    /// 1 at publish, +1 per set_rules
    version: u64,
    /// image-reference prefixes ending in "/"; empty: any registry
    allowed_registries: vector<String>,
    /// "sha256:<64 lowercase hex>": images pinned to one of these are allowed anywhere
    allowed_digests: vector<String>,
    /// least tier that may request aws.ec2.nitro/nitro_enclaves
    nitro_min_tier: u8,
    /// least tier that may mount hostPath volumes
    host_path_min_tier: u8,
    /// least tier that may set hostNetwork
    host_network_min_tier: u8,
}

// === Events (fields in README order) ===

public struct RulesUpdated has copy, drop {
    version: u64,
    allowed_registries: vector<String>,
    allowed_digests: vector<String>,
    nitro_min_tier: u8,
    host_path_min_tier: u8,
    host_network_min_tier: u8,
}

// === Publish ===

/// Shares the permissive rules of a new cluster: version 1, any registry, no digest list,
/// nitro enclaves from the node tier, hostPath and hostNetwork for admins only.
fun init(ctx: &mut TxContext) {
    transfer::share_object(ClusterRules {
        id: object::new(ctx),
        version: 1,
        allowed_registries: vector[],
        allowed_digests: vector[],
        nitro_min_tier: TIER_NODE,
        host_path_min_tier: TIER_ADMIN,
        host_network_min_tier: TIER_ADMIN,
    });
}

// === Entry functions ===

/// Replaces every rule (the AdminCap's holder only) and bumps `version`. Checks, in order:
/// the list lengths, each registry, each digest, the three tiers.
entry fun set_rules(
    _: &AdminCap,
    rules: &mut ClusterRules,
    allowed_registries: vector<String>,
    allowed_digests: vector<String>,
    nitro_min_tier: u8,
    host_path_min_tier: u8,
    host_network_min_tier: u8,
) {
    assert!(
        allowed_registries.length() <= MAX_ENTRIES && allowed_digests.length() <= MAX_ENTRIES,
        ETooMany,
    );
    let mut i = 0;
    while (i < allowed_registries.length()) {
        assert!(is_valid_registry(&allowed_registries[i]), EBadRegistry);
        i = i + 1;
    };
    i = 0;
    while (i < allowed_digests.length()) {
        assert!(is_valid_digest(&allowed_digests[i]), EBadDigest);
        i = i + 1;
    };
    assert!(is_valid_tier(nitro_min_tier), EBadTier);
    assert!(is_valid_tier(host_path_min_tier), EBadTier);
    assert!(is_valid_tier(host_network_min_tier), EBadTier);

    rules.version = rules.version + 1;
    rules.allowed_registries = allowed_registries;
    rules.allowed_digests = allowed_digests;
    rules.nitro_min_tier = nitro_min_tier;
    rules.host_path_min_tier = host_path_min_tier;
    rules.host_network_min_tier = host_network_min_tier;
    event::emit(RulesUpdated {
        version: rules.version,
        allowed_registries,
        allowed_digests,
        nitro_min_tier,
        host_path_min_tier,
        host_network_min_tier,
    });
}

// === Rules ===

/// 1..=255 bytes, the last one "/" (0x2f).
fun is_valid_registry(s: &String): bool {
    let b = s.as_bytes();
    let len = b.length();
    len > 0 && len <= MAX_REGISTRY_LEN && b[len - 1] == 0x2f
}

/// "sha256:" then 64 of `0-9 a-f`.
fun is_valid_digest(s: &String): bool {
    let b = s.as_bytes();
    if (b.length() != DIGEST_LEN) return false;
    let prefix = b"sha256:";
    let mut i = 0;
    while (i < DIGEST_PREFIX_LEN) {
        if (b[i] != prefix[i]) return false;
        i = i + 1;
    };
    while (i < DIGEST_LEN) {
        let c = b[i];
        // 0-9 (0x30..=0x39), a-f (0x61..=0x66)
        if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
        i = i + 1;
    };
    true
}

/// A defined tier (1..=4) or nobody (255).
fun is_valid_tier(t: u8): bool {
    (t >= TIER_VIEWER && t <= TIER_ADMIN) || t == TIER_NOBODY
}

// === Accessors ===

public fun version(rules: &ClusterRules): u64 { rules.version }

public fun allowed_registries(rules: &ClusterRules): vector<String> { rules.allowed_registries }

public fun allowed_digests(rules: &ClusterRules): vector<String> { rules.allowed_digests }

public fun nitro_min_tier(rules: &ClusterRules): u8 { rules.nitro_min_tier }

public fun host_path_min_tier(rules: &ClusterRules): u8 { rules.host_path_min_tier }

public fun host_network_min_tier(rules: &ClusterRules): u8 { rules.host_network_min_tier }

// === Test-only access (not part of the published interface) ===

#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}
