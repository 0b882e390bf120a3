/// Scheduling commitments (move/README.md, section "`scheduling`"): the server batches the
/// enclave's signed placement decisions and commits each batch's Merkle root, signed by the
/// enclave (intent 3), so anyone can replay the decision log against the chain.
///
/// Owns: `Ledger` (shared, one, created by `init`): the last committed root, the number of
/// batches. The decision sequence numbers are per enclave (`enclave::next_seq`): each enclave
/// numbers its decisions from 0 in its own log, and a restart registers a new `Enclave`.
///
/// Invariants: each enclave's batches are contiguous (each starts at that enclave's `next_seq`,
/// none is empty), and every committed root was signed by an `enclave::Enclave` registered
/// against the current version of the `EnclaveConfig` passed in.
module daas::scheduling;

use daas::enclave::{Self, Enclave, EnclaveConfig};
use sui::event;

const EStaleEnclave: u64 = 1;
const EBadRoot: u64 = 2;
const EEmptyBatch: u64 = 3;
const ESeqGap: u64 = 4;
const EBadSignature: u64 = 5;

/// Intent scope of a decision-batch root.
const INTENT_BATCH_ROOT: u8 = 3;

public struct Ledger has key {
    id: UID,
    /// root of the last committed batch (empty at first)
    last_root: vector<u8>,
    /// batches committed
    batches: u64,
}

/// The payload the enclave signs for a batch.
public struct BatchRoot has copy, drop {
    root: vector<u8>,
    first_seq: u64,
    count: u64,
}

public struct BatchCommitted has copy, drop {
    enclave: ID,
    root: vector<u8>,
    first_seq: u64,
    count: u64,
    timestamp_ms: u64,
}

/// Commits decisions `first_seq .. first_seq + count - 1` under Merkle `root`.
entry fun commit_batch(
    ledger: &mut Ledger,
    config: &EnclaveConfig,
    enclave: &mut Enclave,
    root: vector<u8>,
    first_seq: u64,
    count: u64,
    timestamp_ms: u64,
    signature: vector<u8>,
) {
    assert!(
        enclave.config_id() == object::id(config) && enclave.config_version() == config.version(),
        EStaleEnclave,
    );
    assert!(root.length() == 32, EBadRoot);
    assert!(count > 0, EEmptyBatch);
    assert!(first_seq == enclave.next_seq(), ESeqGap);
    let payload = BatchRoot { root, first_seq, count };
    assert!(
        enclave::verify_signature(enclave, INTENT_BATCH_ROOT, timestamp_ms, payload, &signature),
        EBadSignature,
    );
    enclave.advance(first_seq, count);
    ledger.last_root = root;
    ledger.batches = ledger.batches + 1;
    event::emit(BatchCommitted {
        enclave: object::id(enclave),
        root,
        first_seq,
        count,
        timestamp_ms,
    });
}

fun init(ctx: &mut TxContext) {
    transfer::share_object(Ledger {
        id: object::new(ctx),
        last_root: vector[],
        batches: 0,
    });
}

// === Read access ===

public fun last_root(ledger: &Ledger): &vector<u8> { &ledger.last_root }

public fun batches(ledger: &Ledger): u64 { ledger.batches }

#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}
