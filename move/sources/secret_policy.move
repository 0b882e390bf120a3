/// Secret decryption policies for Seal (skeleton; the Seal issue gives it a body;
/// move/README.md, section "`enclave`, `scheduling`, `secret_policy` (skeletons)").
///
/// Owns: `DecryptionPolicy`: who may obtain a Seal key for a secret (a minimum stake, an
/// allow-list of node addresses), in which time window (milliseconds), and how many times.
///
/// Invariants (for now): every entry function aborts with `ENotImplemented` and has no other
/// effect, so no `DecryptionPolicy` exists on chain yet.
module daas::secret_policy;

const ENotImplemented: u64 = 0;

#[allow(unused_field)]
/// Access rule for one secret.
public struct DecryptionPolicy has key {
    id: UID,
    required_stake: u64,
    allowed_nodes: vector<address>,
    not_before_ms: u64,
    not_after_ms: u64,
    max_uses: u64,
    uses: u64,
}

/// Creates a `DecryptionPolicy` (not implemented yet; the parameters mirror its fields and
/// may change when the Seal issue defines it).
entry fun create_policy(
    _required_stake: u64,
    _allowed_nodes: vector<address>,
    _not_before_ms: u64,
    _not_after_ms: u64,
    _max_uses: u64,
    _ctx: &mut TxContext,
) {
    abort ENotImplemented
}

/// Records one use of `policy` by the sender (not implemented yet).
entry fun request_access(_policy: &mut DecryptionPolicy, _ctx: &mut TxContext) {
    abort ENotImplemented
}

/// Seal key servers dry-run this to decide whether the sender may decrypt secret `id`
/// (not implemented yet: always aborts, so no key is released).
entry fun seal_approve(_id: vector<u8>, _policy: &DecryptionPolicy, _ctx: &TxContext) {
    abort ENotImplemented
}

// === Test-only constructors (the entry functions cannot create these yet) ===

#[test_only]
public fun new_policy_for_testing(ctx: &mut TxContext): DecryptionPolicy {
    DecryptionPolicy {
        id: object::new(ctx),
        required_stake: 0,
        allowed_nodes: vector[],
        not_before_ms: 0,
        not_after_ms: 0,
        max_uses: 0,
        uses: 0,
    }
}

#[test_only]
public fun destroy_policy_for_testing(policy: DecryptionPolicy) {
    let DecryptionPolicy { id, .. } = policy;
    id.delete();
}
