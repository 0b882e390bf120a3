/// Node registry for K3s-DaaS (move/README.md, section "`registry`").
///
/// Owns: the shared `Registry`, created by `init` at publish: a table from Kubernetes node name
/// to `NodeInfo` (owner, endpoint, status, epoch of the last registration).
///
/// Invariants:
/// - every key of `nodes` is a valid node name: 1..=63 bytes of `a-z 0-9 - .`, starting and
///   ending with a letter or digit; every endpoint is at most 255 bytes;
/// - an entry is created or overwritten only by an address whose `staking::role_of` is at least
///   node (3) at that moment, and only its owner can overwrite it or change its status;
/// - `status` is 1 (active), 2 (draining) or 3 (retired); entries are never removed.
module daas::registry;

use daas::staking::{Self, Pool};
use std::string::String;
use sui::event;
use sui::table::{Self, Table};

// === Abort codes (README "`registry`") ===

const ENotNode: u64 = 1;
const EBadName: u64 = 2;
const ENameTaken: u64 = 3;
const ENotOwner: u64 = 4;
const EBadStatus: u64 = 5;
const ENoNode: u64 = 6;

/// `staking`'s node role: the least role that may register a node.
const ROLE_NODE: u8 = 3;

const STATUS_ACTIVE: u8 = 1;
const STATUS_RETIRED: u8 = 3;

const MAX_NAME_LEN: u64 = 63;
const MAX_ENDPOINT_LEN: u64 = 255;

// === Objects ===

/// The shared node registry.
public struct Registry has key {
    id: UID,
    nodes: Table<String, NodeInfo>,
}

/// One registered node.
public struct NodeInfo has store, copy, drop {
    owner: address,
    endpoint: String,
    /// 1 active, 2 draining, 3 retired
    status: u8,
    registered_epoch: u64,
}

// === Events (fields in README order) ===

public struct NodeRegistered has copy, drop {
    name: String,
    owner: address,
    endpoint: String,
}

public struct NodeStatusChanged has copy, drop {
    name: String,
    status: u8,
}

// === Publish ===

/// Shares an empty `Registry`.
fun init(ctx: &mut TxContext) {
    transfer::share_object(Registry { id: object::new(ctx), nodes: table::new(ctx) });
}

// === Entry functions ===

/// Registers `name` to the sender (a node by stake), or re-registers the sender's own name:
/// the entry becomes `{sender, endpoint, active, current epoch}`.
entry fun register_node(
    registry: &mut Registry,
    pool: &Pool,
    name: String,
    endpoint: String,
    ctx: &TxContext,
) {
    let owner = ctx.sender();
    assert!(staking::role_of(pool, owner) >= ROLE_NODE, ENotNode);
    assert!(is_valid_name(&name) && endpoint.length() <= MAX_ENDPOINT_LEN, EBadName);

    let info = NodeInfo {
        owner,
        endpoint,
        status: STATUS_ACTIVE,
        registered_epoch: ctx.epoch(),
    };
    if (registry.nodes.contains(name)) {
        let current = registry.nodes.borrow_mut(name);
        assert!(current.owner == owner, ENameTaken);
        *current = info;
    } else {
        registry.nodes.add(name, info);
    };
    event::emit(NodeRegistered { name, owner, endpoint });
}

/// Sets the status (1 active, 2 draining, 3 retired) of the sender's node `name`.
entry fun set_status(registry: &mut Registry, name: String, status: u8, ctx: &TxContext) {
    assert!(registry.nodes.contains(name), ENoNode);
    let info = registry.nodes.borrow_mut(name);
    assert!(info.owner == ctx.sender(), ENotOwner);
    assert!(status >= STATUS_ACTIVE && status <= STATUS_RETIRED, EBadStatus);

    info.status = status;
    event::emit(NodeStatusChanged { name, status });
}

// === Names ===

/// A Kubernetes node name: 1..=63 bytes of `a-z 0-9 - .`, first and last a letter or digit.
fun is_valid_name(name: &String): bool {
    let bytes = name.as_bytes();
    let len = bytes.length();
    if (len == 0 || len > MAX_NAME_LEN) return false;
    if (!is_alnum(bytes[0]) || !is_alnum(bytes[len - 1])) return false;
    let mut i = 0;
    while (i < len) {
        let c = bytes[i];
        // 0x2d '-', 0x2e '.'
        if (!is_alnum(c) && c != 0x2d && c != 0x2e) return false;
        i = i + 1;
    };
    true
}

/// `a-z` (0x61..=0x7a) or `0-9` (0x30..=0x39).
fun is_alnum(c: u8): bool {
    (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
}

// === Test-only access (not part of the published interface) ===

#[test_only]
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}

#[test_only]
public fun is_registered(registry: &Registry, name: String): bool {
    registry.nodes.contains(name)
}

#[test_only]
public fun node_count(registry: &Registry): u64 {
    registry.nodes.length()
}

#[test_only]
public fun node_owner(registry: &Registry, name: String): address {
    registry.nodes.borrow(name).owner
}

#[test_only]
public fun node_endpoint(registry: &Registry, name: String): String {
    registry.nodes.borrow(name).endpoint
}

#[test_only]
public fun node_status(registry: &Registry, name: String): u8 {
    registry.nodes.borrow(name).status
}

#[test_only]
public fun node_registered_epoch(registry: &Registry, name: String): u64 {
    registry.nodes.borrow(name).registered_epoch
}
