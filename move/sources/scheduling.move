/// Scheduling commitments (skeleton; the enclave-scheduler issue gives it a body; move/README.md,
/// section "`enclave`, `scheduling`, `secret_policy` (skeletons)").
///
/// Owns: nothing yet. `commit_batch` will record, for an attested `enclave::Enclave`, the Merkle
/// `root` of scheduling decisions `first_seq .. first_seq + count - 1`, signed by the enclave.
///
/// Invariants (for now): every entry function aborts with `ENotImplemented` and has no other
/// effect.
module daas::scheduling;

use daas::enclave::Enclave;

const ENotImplemented: u64 = 0;

/// Commits a batch of scheduling decisions (not implemented yet).
entry fun commit_batch(
    _enclave: &Enclave,
    _root: vector<u8>,
    _first_seq: u64,
    _count: u64,
    _signature: vector<u8>,
    _ctx: &mut TxContext,
) {
    abort ENotImplemented
}
