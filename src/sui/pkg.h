/*
 * pkg.h: the client of the `daas` Move package: finding its shared objects, reading stake and
 * parameters, computing roles, calling its entry functions, and following its events.
 *
 * Owns:   daas_pkg (the ids a client needs, read once by daas_pkg_discover), the role rule
 *         (role_of) and role names.
 * Not:    transaction building, gas and execution (ptb.h); RPC (gql.h); keys (sui.h); what the
 *         API server does with a role (authz).
 * Invariants:
 *   - daas_pkg_role_of is move/README.md's `staking::role_of`, exactly: the server and the CLI
 *     compute the same role the chain would;
 *   - the transaction helpers dry-run before submitting (ptb.h): a call the chain would abort
 *     returns DAAS_EFAILED naming module, function, code and the abort's name (ELocked...)
 *     without spending gas;
 *   - nothing here caches chain state: every read goes to the chain.
 * Thread: as the client (gql.h) it is given; a daas_pkg is a plain value, read-only once
 *         discovered.
 * Spec:   move/README.md (objects, Stake, role_of, entry functions, abort codes, events);
 *         specs/sui.md §5.2 (GraphQL), §9 (gas).
 */
#ifndef DAAS_SUI_PKG_H
#define DAAS_SUI_PKG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/bcs.h"
#include "sui/gql.h"
#include "sui/sui.h"

/* SPEC: move/README.md "Roles and tiers". */
enum {
    DAAS_PKG_ROLE_NONE = 0,
    DAAS_PKG_ROLE_VIEWER = 1,
    DAAS_PKG_ROLE_USER = 2,
    DAAS_PKG_ROLE_NODE = 3,
    DAAS_PKG_ROLE_ADMIN = 4,
};

/* Where the package and its shared objects are. Plain value. */
typedef struct daas_pkg {
    uint8_t package[DAAS_SUI_ADDRESS_LEN];  /* package id */
    uint8_t pool[DAAS_SUI_ADDRESS_LEN];     /* staking::Pool (shared) */
    uint64_t pool_isv;                      /* its initial shared version */
    uint8_t stakes[DAAS_SUI_ADDRESS_LEN];   /* Pool.stakes: the Table<address, Stake> id */
    uint8_t registry[DAAS_SUI_ADDRESS_LEN]; /* registry::Registry (shared) */
    uint64_t registry_isv;                  /* its initial shared version */
} daas_pkg;

/* Pool parameters. */
typedef struct daas_pkg_params {
    uint64_t thresholds[4]; /* minimum MIST for viewer, user, node, admin */
    uint64_t lock_epochs;   /* lock-up after each stake, in epochs */
} daas_pkg_params;

/* One address's entry in Pool.stakes. */
typedef struct daas_pkg_stake_info {
    bool present;          /* false: the address has no stake (other fields 0) */
    uint64_t amount;       /* MIST staked */
    uint8_t role;          /* requested tier 1..4 */
    uint64_t locked_until; /* first epoch in which unstake is allowed */
    bool slashed;          /* ever slashed: grants no role */
} daas_pkg_stake_info;

/*
 * Finds the package's Pool and Registry (objects of type <package>::staking::Pool and
 * <package>::registry::Registry; each must exist exactly once and be shared) and the Pool's
 * stakes table id (Pool json stakes.id) into *out. Errors: DAAS_ENOTFOUND ("no
 * <pkg>::staking::Pool object: is 0x… the daas package?"), DAAS_EREMOTE (more than one, not
 * shared, or a Pool without stakes.id), the client's errors.
 */
DAAS_MUST_USE int daas_pkg_discover(daas_sui_client *c, const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                                    daas_pkg *out, daas_err *err);

/* Reads the Pool's thresholds and lock_epochs. DAAS_EREMOTE when the Pool json lacks them. */
DAAS_MUST_USE int daas_pkg_get_params(daas_sui_client *c, const daas_pkg *pkg, daas_pkg_params *out,
                                      daas_err *err);

/* Reads addr's stake (the dynamic field of pkg->stakes named by the address). No stake is
 * DAAS_OK with out->present = false. DAAS_EREMOTE on a malformed entry. */
DAAS_MUST_USE int daas_pkg_stake_of(daas_sui_client *c, const daas_pkg *pkg,
                                    const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                                    daas_pkg_stake_info *out, daas_err *err);

/* move/README.md role_of: 0 when absent or slashed, else the highest r <= stake->role with
 * amount >= thresholds[r-1], or 0. Pure. */
int daas_pkg_role_of(const daas_pkg_params *params, const daas_pkg_stake_info *stake);

/* "none", "viewer", "user", "node", "admin" for 0..4; "invalid" otherwise. Static strings. */
const char *daas_pkg_role_name(int role);
/* Parses a role name (those above, case-sensitive) or its digit ("0".."4") into *role.
 * DAAS_EINVAL otherwise. */
DAAS_MUST_USE int daas_pkg_role_parse(const char *s, int *role, daas_err *err);

/* The name of an abort code of a daas module (staking, registry, enclave, scheduling,
 * secret_policy), of the Seal package (key_server, time) or of 0x2::nitro_attestation ("ELocked", "ENotNode", "EVerifyError"), or NULL
 * when unknown. module may be the short name or "0x…::staking". */
const char *daas_pkg_abort_name(const char *module, uint64_t code);

/* ---- transactions: each builds the PTB, prepares it (ptb.h: gas from the dry run), signs
 * with key and executes. *result is zeroed on entry and filled whenever the transaction ran
 * (also when it failed); always release it with daas_sui_exec_result_fini.
 * Errors: DAAS_EINVAL (bad arguments; insufficient SUI), DAAS_EFAILED (the dry run failed:
 * "transaction would fail: staking::unstake aborted with code 6 (ELocked)", nothing was
 * submitted; or, rarely, the execution itself failed: gql.h's message), DAAS_ENOTFOUND (an
 * admin call by a key without the AdminCap), the client's errors. ---- */

/* staking::stake(Pool, SplitCoins(GasCoin, [amount]), role). */
DAAS_MUST_USE int daas_pkg_stake(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                                 uint64_t amount, int role, daas_sui_exec_result *result,
                                 daas_err *err);
/* staking::unstake(Pool, amount). */
DAAS_MUST_USE int daas_pkg_unstake(daas_sui_client *c, const daas_sui_key *key, const daas_pkg *pkg,
                                   uint64_t amount, daas_sui_exec_result *result, daas_err *err);
/* The first <package>::staking::AdminCap owned by owner. DAAS_ENOTFOUND when it has none. */
DAAS_MUST_USE int daas_pkg_find_admin_cap(daas_sui_client *c, const daas_pkg *pkg,
                                          const uint8_t owner[DAAS_SUI_ADDRESS_LEN],
                                          daas_sui_objref *out, daas_err *err);
/* staking::slash(AdminCap of admin_key, Pool, staker, amount, evidence). evidence should be
 * 32 bytes (a BLAKE2b-256 digest); other lengths are left to the chain (EBadEvidence). */
DAAS_MUST_USE int daas_pkg_slash(daas_sui_client *c, const daas_sui_key *admin_key,
                                 const daas_pkg *pkg, const uint8_t staker[DAAS_SUI_ADDRESS_LEN],
                                 uint64_t amount, daas_bytes evidence, daas_sui_exec_result *result,
                                 daas_err *err);
/* staking::set_params(AdminCap of admin_key, Pool, thresholds..., lock_epochs). */
DAAS_MUST_USE int daas_pkg_set_params(daas_sui_client *c, const daas_sui_key *admin_key,
                                      const daas_pkg *pkg, const daas_pkg_params *params,
                                      daas_sui_exec_result *result, daas_err *err);
/* registry::register_node(Registry, Pool (immutable), name, endpoint). */
DAAS_MUST_USE int daas_pkg_register_node(daas_sui_client *c, const daas_sui_key *key,
                                         const daas_pkg *pkg, const char *name,
                                         const char *endpoint, daas_sui_exec_result *result,
                                         daas_err *err);
/* registry::set_status(Registry, name, status) (1 active, 2 draining, 3 retired). */
DAAS_MUST_USE int daas_pkg_set_node_status(daas_sui_client *c, const daas_sui_key *key,
                                           const daas_pkg *pkg, const char *name, int status,
                                           daas_sui_exec_result *result, daas_err *err);
/* Sending plain SUI is daas_sui_transfer_sui (ptb.h). */

/* ---- events ---- */

/* One staking event, borrowed for the duration of the callback. */
typedef struct daas_pkg_event {
    const char *name;                     /* short type name: "Staked", "Unstaked", ... */
    const char *type;                     /* full type "0x…::staking::Staked" */
    bool has_staker;                      /* the event has a `staker` field */
    uint8_t staker[DAAS_SUI_ADDRESS_LEN]; /* its value when has_staker */
    const json_t *json;                   /* the event's fields (contents.json) */
    uint8_t sender[DAAS_SUI_ADDRESS_LEN]; /* transaction sender */
    uint64_t timestamp_ms;                /* checkpoint time */
} daas_pkg_event;

/* Called once per event, oldest first. A non-OK return stops polling with that code. */
typedef int (*daas_pkg_event_fn)(void *arg, const daas_pkg_event *ev, daas_err *err);

/*
 * Delivers every `<package>::staking` event after *cursor (NULL: from the beginning),
 * following pages until none is left, then leaves in *cursor (owned: daas_free; replaced,
 * the old string freed) the position to continue from. When no event is new, *cursor is
 * kept. If fn or a page read fails, *cursor stays at the start of the page that was being
 * delivered, so the next poll delivers those events again (at-least-once).
 * Errors: fn's code, the client's errors.
 */
DAAS_MUST_USE int daas_pkg_poll_events(daas_sui_client *c, const daas_pkg *pkg, char **cursor,
                                       daas_pkg_event_fn fn, void *arg, daas_err *err);

#endif
