/// Enclave attestation (skeleton; the enclave-scheduler issue gives it a body; move/README.md,
/// section "`enclave`, `scheduling`, `secret_policy` (skeletons)").
///
/// Owns: `EnclaveConfig` (the expected PCR0..2 measurements of the scheduler enclave image and
/// whether debug enclaves are accepted; created by governance) and `Enclave` (one attested
/// enclave instance: the config it matched, its public key, the epoch it registered in).
///
/// Invariants (for now): every entry function aborts with `ENotImplemented` and has no other
/// effect, so no `EnclaveConfig` or `Enclave` exists on chain yet.
module daas::enclave;

use daas::staking::AdminCap;

const ENotImplemented: u64 = 0;

#[allow(unused_field)]
/// Expected measurements of the enclave image.
public struct EnclaveConfig has key {
    id: UID,
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    allow_debug: bool,
}

#[allow(unused_field)]
/// One attested enclave instance.
public struct Enclave has key {
    id: UID,
    /// the `EnclaveConfig` its attestation document matched
    config: ID,
    public_key: vector<u8>,
    registered_epoch: u64,
}

/// Creates an `EnclaveConfig` (not implemented yet).
entry fun create_config(
    _: &AdminCap,
    _pcr0: vector<u8>,
    _pcr1: vector<u8>,
    _pcr2: vector<u8>,
    _allow_debug: bool,
    _ctx: &mut TxContext,
) {
    abort ENotImplemented
}

/// Registers an enclave from its attestation `document` (not implemented yet).
entry fun register(_config: &EnclaveConfig, _document: vector<u8>, _ctx: &mut TxContext) {
    abort ENotImplemented
}

// === Test-only constructors (the entry functions cannot create these yet) ===

#[test_only]
public fun new_config_for_testing(ctx: &mut TxContext): EnclaveConfig {
    EnclaveConfig {
        id: object::new(ctx),
        pcr0: vector[],
        pcr1: vector[],
        pcr2: vector[],
        allow_debug: false,
    }
}

#[test_only]
public fun destroy_config_for_testing(config: EnclaveConfig) {
    let EnclaveConfig { id, .. } = config;
    id.delete();
}

#[test_only]
public fun new_enclave_for_testing(config: &EnclaveConfig, ctx: &mut TxContext): Enclave {
    Enclave {
        id: object::new(ctx),
        config: object::id(config),
        public_key: vector[],
        registered_epoch: ctx.epoch(),
    }
}

#[test_only]
public fun destroy_enclave_for_testing(enclave: Enclave) {
    let Enclave { id, .. } = enclave;
    id.delete();
}
