/// Enclave attestation (move/README.md, section "`enclave`"): per cluster, the PCRs of the
/// published scheduler enclave image, and the enclave instances whose AWS Nitro attestation
/// document proves those PCRs and binds the instance's ephemeral Ed25519 key.
///
/// Owns: `EnclaveConfig` (shared; PCR0..2, whether debug enclaves are accepted, a version that
/// every update bumps) and `Enclave` (shared; one attested instance: the config and version it
/// matched, its public key, who registered it, the epoch, the first decision index of its next
/// batch).
///
/// Invariants: every `Enclave` was registered from a document that
/// `sui::nitro_attestation::load_nitro_attestation` verified (COSE signature, certificate chain
/// to the AWS Nitro root at the clock's time) and whose PCR0..2 equalled its config's at that
/// config version; its key is 32 bytes. An `Enclave` whose `config_version` is older than its
/// config's `version` is stale (scheduling refuses it). Each enclave numbers its decisions from
/// 0 in its own log, so `next_seq` is per enclave: it starts at 0 and only `scheduling` (through
/// `advance`) moves it, by whole committed batches.
module daas::enclave;

use daas::staking::AdminCap;
use std::string::String;
use sui::bcs;
use sui::ed25519;
use sui::event;
use sui::nitro_attestation::{NitroAttestationDocument, PCREntry};

const EBadPcr: u64 = 1;
const EInvalidPcrs: u64 = 2;
const ENoPublicKey: u64 = 3;
const EDebugNotAllowed: u64 = 4;

/// SHA-384 measurements.
const PCR_LEN: u64 = 48;
/// Ed25519 public keys.
const KEY_LEN: u64 = 32;

/// Expected measurements of the enclave image, per cluster.
public struct EnclaveConfig has key {
    id: UID,
    /// the cluster's name for the image ("daas-scheduler")
    name: String,
    /// 48 bytes each: enclave image, kernel, application (SHA-384)
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    /// accept debug documents (all-zero PCRs, dev CA): development only
    allow_debug: bool,
    /// bumped by every update_config; older enclaves become stale
    version: u64,
}

/// One attested enclave instance.
public struct Enclave has key {
    id: UID,
    /// the `EnclaveConfig` it was registered against
    config: ID,
    /// that config's version at registration
    config_version: u64,
    /// the instance's Ed25519 key (32 bytes), from the document
    public_key: vector<u8>,
    /// who registered it
    owner: address,
    registered_epoch: u64,
    /// the first decision index of this enclave's next batch: each enclave's decisions are
    /// committed contiguously from 0
    next_seq: u64,
}

/// What the enclave signs (specs/nautilus.md §1.3): BCS is positional.
public struct IntentMessage<P: drop> has drop {
    intent: u8,
    timestamp_ms: u64,
    payload: P,
}

public struct ConfigChanged has copy, drop {
    config: ID,
    version: u64,
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    allow_debug: bool,
}

public struct EnclaveRegistered has copy, drop {
    enclave: ID,
    config: ID,
    config_version: u64,
    public_key: vector<u8>,
    owner: address,
}

/// Shares a new `EnclaveConfig` (version 0) pinning `pcr0..2`.
entry fun create_config(
    _: &AdminCap,
    name: String,
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    allow_debug: bool,
    ctx: &mut TxContext,
) {
    check_pcrs(&pcr0, &pcr1, &pcr2);
    let config = EnclaveConfig {
        id: object::new(ctx),
        name,
        pcr0,
        pcr1,
        pcr2,
        allow_debug,
        version: 0,
    };
    emit_changed(&config);
    transfer::share_object(config);
}

/// Replaces the PCRs and `allow_debug`; bumps `version` (enclaves registered before are stale).
entry fun update_config(
    _: &AdminCap,
    config: &mut EnclaveConfig,
    pcr0: vector<u8>,
    pcr1: vector<u8>,
    pcr2: vector<u8>,
    allow_debug: bool,
) {
    check_pcrs(&pcr0, &pcr1, &pcr2);
    config.pcr0 = pcr0;
    config.pcr1 = pcr1;
    config.pcr2 = pcr2;
    config.allow_debug = allow_debug;
    config.version = config.version + 1;
    emit_changed(config);
}

/// Registers the enclave whose verified attestation `document` (from
/// `sui::nitro_attestation::load_nitro_attestation` in the same PTB) matches `config`.
public fun register(config: &EnclaveConfig, document: NitroAttestationDocument, ctx: &mut TxContext) {
    let pcr0 = pcr_of(&document, 0);
    let pcr1 = pcr_of(&document, 1);
    let pcr2 = pcr_of(&document, 2);
    let debug = is_zero(&pcr0) && is_zero(&pcr1) && is_zero(&pcr2);
    assert!(!debug || config.allow_debug, EDebugNotAllowed);
    assert!(pcr0 == config.pcr0 && pcr1 == config.pcr1 && pcr2 == config.pcr2, EInvalidPcrs);
    let key = document.public_key();
    assert!(key.is_some() && key.borrow().length() == KEY_LEN, ENoPublicKey);
    let enclave = Enclave {
        id: object::new(ctx),
        config: object::id(config),
        config_version: config.version,
        public_key: *key.borrow(),
        owner: ctx.sender(),
        registered_epoch: ctx.epoch(),
        next_seq: 0,
    };
    event::emit(EnclaveRegistered {
        enclave: object::id(&enclave),
        config: enclave.config,
        config_version: enclave.config_version,
        public_key: enclave.public_key,
        owner: enclave.owner,
    });
    transfer::share_object(enclave);
}

/// Pure Ed25519 over BCS(IntentMessage { intent, timestamp_ms, payload }) with the enclave's key.
public fun verify_signature<P: drop>(
    enclave: &Enclave,
    intent: u8,
    timestamp_ms: u64,
    payload: P,
    signature: &vector<u8>,
): bool {
    let message = IntentMessage { intent, timestamp_ms, payload };
    ed25519::ed25519_verify(signature, &enclave.public_key, &bcs::to_bytes(&message))
}

// === Read access ===

public fun public_key(enclave: &Enclave): &vector<u8> { &enclave.public_key }

public fun config_id(enclave: &Enclave): ID { enclave.config }

public fun config_version(enclave: &Enclave): u64 { enclave.config_version }

public fun owner(enclave: &Enclave): address { enclave.owner }

public fun next_seq(enclave: &Enclave): u64 { enclave.next_seq }

public fun version(config: &EnclaveConfig): u64 { config.version }

public fun allow_debug(config: &EnclaveConfig): bool { config.allow_debug }

public fun pcrs(config: &EnclaveConfig): (vector<u8>, vector<u8>, vector<u8>) {
    (config.pcr0, config.pcr1, config.pcr2)
}

// === Package access ===

/// Records that the batch `first_seq .. first_seq + count - 1` was committed: the next batch
/// starts at `first_seq + count`. Only `scheduling::commit_batch` calls it, after its checks.
public(package) fun advance(enclave: &mut Enclave, first_seq: u64, count: u64) {
    enclave.next_seq = first_seq + count;
}

// === Internal ===

fun check_pcrs(pcr0: &vector<u8>, pcr1: &vector<u8>, pcr2: &vector<u8>) {
    assert!(
        pcr0.length() == PCR_LEN && pcr1.length() == PCR_LEN && pcr2.length() == PCR_LEN,
        EBadPcr,
    );
}

fun emit_changed(config: &EnclaveConfig) {
    event::emit(ConfigChanged {
        config: object::id(config),
        version: config.version,
        pcr0: config.pcr0,
        pcr1: config.pcr1,
        pcr2: config.pcr2,
        allow_debug: config.allow_debug,
    });
}

/// The document's PCR `index`, or an empty vector when it does not list it.
fun pcr_of(document: &NitroAttestationDocument, index: u8): vector<u8> {
    let pcrs = document.pcrs();
    let mut i = 0;
    while (i < pcrs.length()) {
        let entry: &PCREntry = &pcrs[i];
        if (entry.index() == index) return *entry.value();
        i = i + 1;
    };
    vector[]
}

/// A PCR that is present and all zero (a debug enclave's).
fun is_zero(pcr: &vector<u8>): bool {
    if (pcr.is_empty()) return false;
    let mut i = 0;
    while (i < pcr.length()) {
        if (pcr[i] != 0) return false;
        i = i + 1;
    };
    true
}

// === Test-only constructors ===

#[test_only]
/// An `Enclave` of `config` (at its current version) with `public_key`, as register makes it.
public fun new_enclave_for_testing(
    config: &EnclaveConfig,
    public_key: vector<u8>,
    ctx: &mut TxContext,
): Enclave {
    Enclave {
        id: object::new(ctx),
        config: object::id(config),
        config_version: config.version,
        public_key,
        owner: ctx.sender(),
        registered_epoch: ctx.epoch(),
        next_seq: 0,
    }
}

#[test_only]
public fun destroy_enclave_for_testing(enclave: Enclave) {
    let Enclave { id, .. } = enclave;
    id.delete();
}
