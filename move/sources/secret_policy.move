/// Decryption policies for Seal (move/README.md, section "`secret_policy`").
///
/// Owns: `DecryptionPolicy` (shared): who may obtain a Seal key for the secrets sealed under
/// it (a minimum stake in the `staking::Pool`, an optional allow-list of node addresses), in
/// which clock window (milliseconds), how many times (`max_uses` tickets), and how long an
/// `AccessTicket` lasts; `AccessTicket` (owned by its holder): the `number`-th request for access
/// to one policy, presentable until `expires_ms`.
///
/// Invariants:
/// - the identity of a secret sealed under a policy is `object::id_bytes(policy) || uid`:
///   `seal_approve` refuses any other identity;
/// - `request_access` checks nothing: it counts the request (`uses`) and hands out a ticket
///   numbered with it; every rule (stake, allow-list, window, ticket, usage limit) is checked
///   by `seal_approve`, so that the refusals come from the Seal key servers' dry run;
/// - `seal_approve` has no side effect (Seal key servers dry-run it) and denies by aborting.
module daas::secret_policy;

use daas::staking::{Self, Pool};
use sui::clock::Clock;
use sui::event;

// === Abort codes (README "`secret_policy`") ===

const ENotAdmin: u64 = 1;
const EBadParams: u64 = 2;
const EInsufficientStake: u64 = 3;
const ENotAllowed: u64 = 4;
const EOutsideWindow: u64 = 5;
const EUsageLimit: u64 = 6;
const EWrongId: u64 = 7;
const EBadTicket: u64 = 8;
const ETicketExpired: u64 = 9;

/// Longest allow-list.
const MAX_NODES: u64 = 64;
/// Longest ticket lifetime: 365 days.
const MAX_TTL_MS: u64 = 31_536_000_000;

// === Objects ===

/// Access rule for the secrets sealed under it (shared).
public struct DecryptionPolicy has key {
    id: UID,
    /// may update the policy
    admin: address,
    /// MIST the requester must have staked in the Pool
    required_stake: u64,
    /// addresses allowed to request access; empty: any staked address
    allowed_nodes: vector<address>,
    /// clock window, inclusive; not_after_ms 0: open-ended
    not_before_ms: u64,
    not_after_ms: u64,
    /// tickets numbered above this are refused by seal_approve; 0: unlimited
    max_uses: u64,
    /// access requests (tickets issued) so far
    uses: u64,
    /// lifetime of an AccessTicket
    ticket_ttl_ms: u64,
}

/// Granted access to one policy, owned by its holder.
public struct AccessTicket has key {
    id: UID,
    policy: ID,
    holder: address,
    /// the policy's `uses` once this ticket was issued (1 for the first ticket)
    number: u64,
    expires_ms: u64,
}

// === Events ===

public struct PolicyCreated has copy, drop {
    policy: ID,
    admin: address,
}

public struct PolicyUpdated has copy, drop {
    policy: ID,
}

public struct AccessGranted has copy, drop {
    policy: ID,
    holder: address,
    ticket: ID,
    expires_ms: u64,
    /// the policy's `uses`, this ticket's `number`
    uses: u64,
}

// === Entry functions ===

/// Shares a new policy administered by the sender.
entry fun create_policy(
    required_stake: u64,
    allowed_nodes: vector<address>,
    not_before_ms: u64,
    not_after_ms: u64,
    max_uses: u64,
    ticket_ttl_ms: u64,
    ctx: &mut TxContext,
) {
    assert!(params_ok(&allowed_nodes, not_before_ms, not_after_ms, ticket_ttl_ms), EBadParams);
    let policy = DecryptionPolicy {
        id: object::new(ctx),
        admin: ctx.sender(),
        required_stake,
        allowed_nodes,
        not_before_ms,
        not_after_ms,
        max_uses,
        uses: 0,
        ticket_ttl_ms,
    };
    event::emit(PolicyCreated { policy: object::id(&policy), admin: ctx.sender() });
    transfer::share_object(policy);
}

/// Replaces the parameters of `policy` (its admin only); `uses` is kept.
entry fun update_policy(
    policy: &mut DecryptionPolicy,
    required_stake: u64,
    allowed_nodes: vector<address>,
    not_before_ms: u64,
    not_after_ms: u64,
    max_uses: u64,
    ticket_ttl_ms: u64,
    ctx: &TxContext,
) {
    assert!(policy.admin == ctx.sender(), ENotAdmin);
    assert!(params_ok(&allowed_nodes, not_before_ms, not_after_ms, ticket_ttl_ms), EBadParams);
    policy.required_stake = required_stake;
    policy.allowed_nodes = allowed_nodes;
    policy.not_before_ms = not_before_ms;
    policy.not_after_ms = not_after_ms;
    policy.max_uses = max_uses;
    policy.ticket_ttl_ms = ticket_ttl_ms;
    event::emit(PolicyUpdated { policy: object::id(policy) });
}

/// Counts one use of `policy` by the sender and sends it an `AccessTicket` numbered with the
/// new count that expires `ticket_ttl_ms` from now. It checks no rule (`_pool` only keeps the
/// call's shape): seal_approve does, so that Seal key servers are the ones that refuse.
entry fun request_access(
    policy: &mut DecryptionPolicy,
    _pool: &Pool,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    policy.uses = policy.uses + 1;
    let ticket = AccessTicket {
        id: object::new(ctx),
        policy: object::id(policy),
        holder: ctx.sender(),
        number: policy.uses,
        expires_ms: clock.timestamp_ms() + policy.ticket_ttl_ms,
    };
    event::emit(AccessGranted {
        policy: object::id(policy),
        holder: ctx.sender(),
        ticket: object::id(&ticket),
        expires_ms: ticket.expires_ms,
        uses: policy.uses,
    });
    transfer::transfer(ticket, ctx.sender());
}

/// Seal key servers dry-run this to decide whether the sender may decrypt the secret whose
/// inner identity is `id`; it aborts to deny and has no effect. Checks, in order: the
/// identity, the sender's stake, the allow-list, the window, the ticket (this policy's, held
/// by the sender), its expiry, and the usage limit (`ticket.number <= max_uses`).
entry fun seal_approve(
    id: vector<u8>,
    policy: &DecryptionPolicy,
    ticket: &AccessTicket,
    pool: &Pool,
    clock: &Clock,
    ctx: &TxContext,
) {
    assert!(has_prefix(&id, &object::id(policy).to_bytes()), EWrongId);
    check_sender(policy, pool, clock, ctx.sender());
    assert!(ticket.policy == object::id(policy) && ticket.holder == ctx.sender(), EBadTicket);
    assert!(clock.timestamp_ms() < ticket.expires_ms, ETicketExpired);
    assert!(policy.max_uses == 0 || ticket.number <= policy.max_uses, EUsageLimit);
}

// === Rules ===

fun params_ok(
    allowed_nodes: &vector<address>,
    not_before_ms: u64,
    not_after_ms: u64,
    ticket_ttl_ms: u64,
): bool {
    allowed_nodes.length() <= MAX_NODES
        && (not_after_ms == 0 || not_after_ms > not_before_ms)
        && ticket_ttl_ms >= 1 && ticket_ttl_ms <= MAX_TTL_MS
}

/// The sender's rules of seal_approve, in order: stake, allow-list, window.
fun check_sender(policy: &DecryptionPolicy, pool: &Pool, clock: &Clock, sender: address) {
    assert!(staking::staked_amount(pool, sender) >= policy.required_stake, EInsufficientStake);
    assert!(
        policy.allowed_nodes.is_empty() || policy.allowed_nodes.contains(&sender),
        ENotAllowed,
    );
    let now = clock.timestamp_ms();
    assert!(
        now >= policy.not_before_ms && (policy.not_after_ms == 0 || now <= policy.not_after_ms),
        EOutsideWindow,
    );
}

fun has_prefix(id: &vector<u8>, prefix: &vector<u8>): bool {
    let n = prefix.length();
    if (id.length() < n) return false;
    let mut i = 0;
    while (i < n) {
        if (id[i] != prefix[i]) return false;
        i = i + 1;
    };
    true
}

// === Accessors ===

public fun admin(policy: &DecryptionPolicy): address { policy.admin }

public fun uses(policy: &DecryptionPolicy): u64 { policy.uses }

public fun max_uses(policy: &DecryptionPolicy): u64 { policy.max_uses }

public fun ticket_policy(ticket: &AccessTicket): ID { ticket.policy }

public fun ticket_holder(ticket: &AccessTicket): address { ticket.holder }

public fun ticket_number(ticket: &AccessTicket): u64 { ticket.number }

public fun ticket_expires_ms(ticket: &AccessTicket): u64 { ticket.expires_ms }
