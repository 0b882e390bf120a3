/*
 * devnet_int.h: declarations shared by the files of the development chain.
 *
 * Owns:   the layout of daas_devnet; the in-memory object (dn_obj) and the per-transaction
 *         execution context (dn_exec) the PTB interpreter and the native package share; the
 *         table of native Move functions.
 * Not:    the GraphQL/HTTP front (serve*.c uses devnet.h only).
 * Files:  state.c (SQLite: schema, objects, events, transaction records, the read API),
 *         genesis.c (open/close, genesis, chain facts, clock, faucet), check.c (the checks
 *         before execution), exec.c (execute: gas, commit, results), ptb.c (the commands),
 *         faucet.c, objects.c (object kinds: types, JSON rendering, ids), pkg_staking.c,
 *         pkg_registry.c, pkg_enclave.c, pkg_policy.c and pkg_rules.c (the native `daas`
 *         package of move/README.md; pkg_enclave.c also the framework's Clock and
 *         0x2::nitro_attestation), pkg_seal.c (the native twin of Mysten's Seal package).
 * Invariants:
 *   - every function here runs with d->mu held (the public entry points take it);
 *   - nothing is written to SQLite before the commit of exec.c: execution works on copies in
 *     dn_exec, so a failure or a simulation only has to drop them.
 * Spec:   move/README.md; specs/sui.md §4, §5.1 (error words), §5.2 (shapes), §9 (gas).
 */
#ifndef DAAS_DEVNET_DEVNET_INT_H
#define DAAS_DEVNET_DEVNET_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "devnet/devnet.h"
#include "sui/bcs.h"
#include "sui/tx.h"

/* rc = x; on failure jump to the function's out label (needs `int rc` and `out:`). */
#define DN_TRY(x)                                                                                  \
    do {                                                                                           \
        rc = (x);                                                                                  \
        if (rc != DAAS_OK)                                                                         \
            goto out;                                                                              \
    } while (0)

#define DN_MIST_PER_SUI 1000000000ull
#define DN_MAX_BUDGET (50ull * DN_MIST_PER_SUI) /* Sui's max_tx_gas */
#define DN_MAX_GAS_PRICE 100000000000ull        /* Sui's max_gas_price */
#define DN_MIN_BUDGET_UNITS 1000ull             /* base_tx_cost_fixed, gas units */
#define DN_STORAGE_PER_BYTE 7600ull             /* MIST per stored byte (price 76 × 100) */
#define DN_OBJ_OVERHEAD 100ull                  /* bytes charged per object besides its BCS */
#define DN_REBATE_PCT 99ull                     /* storage_rebate_rate 9900 bps */
#define DN_PAGE_MAX 50                          /* GraphQL max page size */
#define DN_PAGE_DEFAULT 20
#define DN_OBJ_BCS_MAX 65536u /* no native object grows past this */
/* The native twin of Mysten's Seal package (key_server, time), "published" at genesis at this
 * fixed address, as the framework is at 0x2 (pkg_seal.c). Its last byte; the others are 0. */
#define DN_SEAL_PKG_TEXT "0x5ea1"
#define DN_SEAL_PKG_LAST0 0x5e
#define DN_SEAL_PKG_LAST1 0xa1

/* Object kinds the native package knows (anything else is never created). */
typedef enum dn_kind {
    DN_K_OTHER = 0,
    DN_K_COIN,        /* 0x2::coin::Coin<0x2::sui::SUI>: UID || u64 */
    DN_K_POOL,        /* PKG::staking::Pool */
    DN_K_ADMINCAP,    /* PKG::staking::AdminCap */
    DN_K_REGISTRY,    /* PKG::registry::Registry */
    DN_K_STAKE_FIELD, /* 0x2::dynamic_field::Field<address, PKG::staking::Stake> */
    DN_K_NODE_FIELD,  /* 0x2::dynamic_field::Field<0x1::string::String, PKG::registry::NodeInfo> */
    DN_K_ENCLAVE_CONFIG, /* PKG::enclave::EnclaveConfig */
    DN_K_ENCLAVE,        /* PKG::enclave::Enclave */
    DN_K_POLICY,         /* PKG::secret_policy::DecryptionPolicy (pkg_policy.c) */
    DN_K_LEDGER,         /* PKG::scheduling::Ledger */
    DN_K_CLOCK,          /* 0x2::clock::Clock (the shared object 0x6) */
    DN_K_NITRO_DOC,      /* 0x2::nitro_attestation::NitroAttestationDocument: a PTB value only */
    DN_K_TICKET,         /* PKG::secret_policy::AccessTicket (pkg_policy.c) */
    DN_K_KEY_SERVER,     /* SEAL::key_server::KeyServer (pkg_seal.c) */
    DN_K_KS_V2_FIELD,    /* 0x2::dynamic_field::Field<u64, SEAL::key_server::KeyServerV2> */
    DN_K_RULES,          /* PKG::cluster_rules::ClusterRules (pkg_rules.c) */
    DN_K_COUNT
} dn_kind;

struct daas_devnet {
    pthread_mutex_t mu;       /* serialises every public call; guards all fields below */
    sqlite3 *db;              /* dir/devnet.db (WAL), opened without SQLite's mutexes */
    char *dir;                /* state directory (owned) */
    uint64_t epoch_ms;        /* epoch length */
    uint64_t ref_gas_price;   /* MIST per gas unit */
    uint64_t faucet_coin;     /* MIST per faucet coin */
    int faucet_coins;         /* coins per faucet request */
    int64_t genesis_ms;       /* wall clock at genesis (meta) */
    uint64_t clock_offset_ms; /* advance_clock total (meta) */
    uint8_t genesis[DAAS_SUI_DIGEST_LEN];   /* genesis checkpoint digest (meta) */
    char chain_id[DAAS_SUI_DIGEST_B58_LEN]; /* Base58 of genesis */
    uint8_t pkg[DAAS_SUI_ADDRESS_LEN];      /* the daas package id */
    uint8_t pool[DAAS_SUI_ADDRESS_LEN];     /* the shared Pool's id */
    uint8_t registry[DAAS_SUI_ADDRESS_LEN]; /* the shared Registry's id */
    daas_sui_key *publisher;                /* holds the AdminCap (dir/publisher.keystore) */
    daas_sui_key *faucet;                   /* the faucet account (secret in meta) */
    daas_bytes dev_root;                    /* opts->dev_root (owned copy; ptr NULL: none) */
    char *types[DN_K_COUNT];    /* canonical type text of each kind (owned; [OTHER] NULL) */
    char *t_stake, *t_nodeinfo; /* value types of the two dynamic-field kinds (owned) */
    char *t_ksv2;               /* value type of DN_K_KS_V2_FIELD (owned) */
};

/* An object as stored, plus its state inside one transaction. */
typedef struct dn_obj {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];
    uint64_t version; /* version in the store (0: created by this transaction) */
    uint8_t digest[DAAS_SUI_DIGEST_LEN];
    int owner_kind; /* daas_sui_owner_kind; 0: a value inside the PTB (no owner) */
    uint8_t owner[DAAS_SUI_ADDRESS_LEN];
    uint64_t isv; /* initial shared version (SHARED) */
    dn_kind kind; /* from type */
    char *type;   /* canonical type text (owned) */
    uint8_t *bcs; /* Move contents (owned) */
    size_t bcs_len;
    uint64_t storage_rebate; /* what was paid to store this version */
    bool deleted;            /* a tombstone (store) / deleted by this transaction */
    /* transaction state */
    bool existed;    /* was live in the store before the transaction */
    bool written;    /* contents or owner changed: write a new version */
    bool input_mut;  /* owned or mutable shared input: new version even on failure */
    bool shared_imm; /* shared input declared immutable (no &mut, no bump) */
} dn_obj;

/* Frees what o owns (type, bcs) and zeroes it. */
void daas_devnet__obj_fini(dn_obj *o);
/* Object digest: BLAKE2b-256(type || bcs || version LE). Opaque to clients. */
void daas_devnet__obj_digest(const char *type, const uint8_t *bcs, size_t len, uint64_t version,
                             uint8_t out[DAAS_SUI_DIGEST_LEN]);

/* A value inside the PTB. */
typedef enum dn_vkind { DN_V_NONE = 0, DN_V_PURE, DN_V_OBJ } dn_vkind;
typedef struct dn_val {
    dn_vkind kind;       /* NONE once moved out */
    const uint8_t *pure; /* PURE: BCS bytes (borrowed from the tx or from `own`) */
    size_t pure_len;
    uint8_t own[8]; /* PURE results of Move calls (u8 / u64) live here */
    int obj;        /* OBJ: index into dn_exec.objs */
    bool is_gas;    /* the GasCoin argument */
    bool needs_use; /* a result without `drop` (a Coin): must be consumed */
} dn_val;

typedef struct dn_event {
    char *type;   /* full event type (owned) */
    char *module; /* module of the MoveCall that emitted it (owned) */
    uint8_t *bcs; /* the struct's BCS (owned) */
    size_t bcs_len;
    json_t *json; /* contents.json (owned reference) */
} dn_event;

/* One transaction being executed. */
typedef struct dn_exec {
    daas_devnet *d;
    const daas_sui_tx *tx;
    uint8_t digest[DAAS_SUI_DIGEST_LEN]; /* transaction digest */
    char digest_b58[DAAS_SUI_DIGEST_B58_LEN];
    uint64_t epoch;   /* tx_context::epoch */
    int64_t ts_ms;    /* wall clock of the chain (with the offset) */
    uint64_t lamport; /* version of everything this transaction writes */
    dn_obj *objs;     /* the working set: inputs, gas, fields, new objects */
    size_t n_objs, cap_objs;
    int *input_obj;     /* per input: index into objs, or -1 (pure) */
    int gas;            /* index of the primary gas coin */
    uint64_t n_new_ids; /* ids derived so far (tx digest || counter) */
    dn_val *inputs;     /* per PTB input */
    dn_val gas_val;     /* the GasCoin argument */
    dn_val **results;   /* per command: its results */
    size_t *n_results;
    size_t cmd; /* command being executed */
    dn_event *events;
    size_t n_events;
    /* failure (execution-level): set by daas_devnet__fail / __abort */
    char *fail;         /* Sui's words: "InsufficientGas", "MoveAbort(...) in command 1" */
    char *abort_module; /* "0x<pkg>::staking" */
    char *abort_function;
    bool has_abort;
    uint64_t abort_code;
    /* a simulation: an empty gas payment gets a mock gas coin of the budget (check.c) */
    bool simulate;
} dn_exec;

/* ---- state.c ---- */

/* Opens d->db at path (WAL, synchronous=FULL, exclusive) and creates the schema. */
DAAS_MUST_USE int daas_devnet__db_open(daas_devnet *d, const char *path, daas_err *err);
/* Runs SQL text without results (BEGIN IMMEDIATE, COMMIT, ROLLBACK, ...). DAAS_EIO. */
DAAS_MUST_USE int daas_devnet__db_exec(daas_devnet *d, const char *sql, daas_err *err);
/* Meta values are blobs; *found false when absent (then out is untouched). */
DAAS_MUST_USE int daas_devnet__meta_get(daas_devnet *d, const char *key, uint8_t *out, size_t n,
                                        bool *found, daas_err *err);
DAAS_MUST_USE int daas_devnet__meta_set(daas_devnet *d, const char *key, const void *p, size_t n,
                                        daas_err *err);
/* Loads the stored row of id (live or tombstone) into *o (zeroed first). ENOTFOUND. */
DAAS_MUST_USE int daas_devnet__obj_load(daas_devnet *d, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                        dn_obj *o, daas_err *err);
/* Inserts or replaces the row of o (its version, digest and storage_rebate as given). */
DAAS_MUST_USE int daas_devnet__obj_store(daas_devnet *d, const dn_obj *o, const char *prev_tx,
                                         daas_err *err);
/* Appends one event of transaction tx_digest. */
DAAS_MUST_USE int daas_devnet__event_store(daas_devnet *d, const char *tx_digest,
                                           const uint8_t sender[DAAS_SUI_ADDRESS_LEN],
                                           int64_t ts_ms, const dn_event *ev, daas_err *err);
/* Events of one transaction, in order, into out (items appended). */
DAAS_MUST_USE int daas_devnet__tx_events(daas_devnet *d, const char *tx_digest,
                                         daas_sui_event **items, size_t *n, daas_err *err);
/* The stored result JSON text of a transaction (*json NULL when unknown; daas_free). */
DAAS_MUST_USE int daas_devnet__tx_lookup(daas_devnet *d, const char *digest, char **json,
                                         daas_err *err);
/* Records an executed transaction and its result JSON (exec.c's stored form). */
DAAS_MUST_USE int daas_devnet__tx_store(daas_devnet *d, const char *digest, daas_bytes bytes,
                                        const char *result_json, daas_err *err);
/* Decimal cursor text → row number (DAAS_EINVAL "invalid cursor"); NULL → 0. */
DAAS_MUST_USE int daas_devnet__cursor_parse(const char *cursor, int64_t *out, daas_err *err);

/* ---- objects.c ---- */

/* Builds d->types (needs d->pkg). */
void daas_devnet__types_init(daas_devnet *d);
/* Frees d->types and the value types. */
void daas_devnet__types_fini(daas_devnet *d);
/* The kind of a canonical type text (DN_K_OTHER when unknown). */
dn_kind daas_devnet__kind_of(const daas_devnet *d, const char *type);
/* contents.json of an object of a known kind (new reference; NULL when bcs is malformed). */
json_t *daas_devnet__render(const daas_devnet *d, dn_kind kind, const uint8_t *bcs, size_t len);
/* Canonical text of a Move type written in any accepted form (0x2 or the long form).
 * Caller frees with daas_free. DAAS_EINVAL on bad syntax. */
DAAS_MUST_USE int daas_devnet__type_canon(const char *type, char **out, daas_err *err);
/* Sui's id derivations (BLAKE2b-256): a new object's id from a tx digest and a counter
 * (scope 0xf1), and a dynamic field's id from its parent, key type and key BCS (0xf0). */
void daas_devnet__derive_id(const uint8_t digest[DAAS_SUI_DIGEST_LEN], uint64_t n,
                            uint8_t out[DAAS_SUI_ADDRESS_LEN]);
DAAS_MUST_USE int daas_devnet__field_id(const uint8_t parent[DAAS_SUI_ADDRESS_LEN],
                                        const char *key_type, daas_bytes key_bcs,
                                        uint8_t out[DAAS_SUI_ADDRESS_LEN], daas_err *err);
/* "0x" + 64 hex into a NUL-terminated buffer. */
void daas_devnet__hex(const uint8_t a[DAAS_SUI_ADDRESS_LEN],
                      char out[DAAS_SUI_ADDRESS_HEX_LEN + 1]);
json_t *daas_devnet__json_addr(const uint8_t a[DAAS_SUI_ADDRESS_LEN]);
json_t *daas_devnet__json_u64(uint64_t v); /* u64 as a decimal string, as Sui GraphQL */
json_t *daas_devnet__json_b64(daas_bytes v); /* vector<u8> as base64, as Sui GraphQL */
/* Coin contents: UID || u64 balance. */
uint64_t daas_devnet__coin_value(const dn_obj *o);
void daas_devnet__coin_set(dn_obj *o, uint64_t v);
/* Little-endian u64 at p. */
uint64_t daas_devnet__le64(const uint8_t *p);
void daas_devnet__put_le64(uint8_t *p, uint64_t v);

/* ---- check.c ---- */

/* The checks of devnet.h before execution: signatures (unless simulate), expiration, gas
 * price and budget, gas coins, input objects. Loads the inputs and gas coins into ex.
 * DAAS_EINVAL with Sui's words; DAAS_EIO on storage errors. */
/* Exactly one signature, valid over the intent digest, by the sender (= gas owner). */
DAAS_MUST_USE int daas_devnet__check_sigs(daas_devnet *d, daas_bytes tx_bytes,
                                          const daas_sui_tx *tx, const char *const *sigs_b64,
                                          size_t n_sigs, daas_err *err);
DAAS_MUST_USE int daas_devnet__check_load(dn_exec *ex, daas_err *err);

/* ---- exec.c (working set) ---- */

/* Index of a new empty object slot in ex->objs. */
int daas_devnet__obj_add(dn_exec *ex);
/* Index of object id in the working set (loading it from the store when needed), or -1 when
 * it does not exist (or is deleted). Storage errors → DAAS_EIO. */
DAAS_MUST_USE int daas_devnet__obj_find(dn_exec *ex, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                        int *idx, daas_err *err);
/* Creates a new object of kind: id as given (a dynamic field) or, when NULL, a fresh one
 * derived from the transaction digest; contents bcs (copied; its first 32 bytes, the UID,
 * are overwritten with the id); owner as given (owner_kind 0: a value inside the PTB).
 * Returns its index. */
int daas_devnet__obj_new(dn_exec *ex, dn_kind kind, const uint8_t *id, const uint8_t *bcs,
                         size_t len, int owner_kind, const uint8_t *owner);
/* Replaces the contents of objs[i] (copied) and marks it written. */
void daas_devnet__obj_set(dn_exec *ex, int i, const uint8_t *bcs, size_t len);

/* Execution failures: record Sui's words and return DAAS_EFAILED. */
int daas_devnet__fail(dn_exec *ex, const char *fmt, ...) DAAS_PRINTF(2, 3);
int daas_devnet__abort(dn_exec *ex, const char *module, const char *function, unsigned index,
                       uint64_t code);
/* daas_devnet__abort in a module of the package at pkg (the Seal twin, the framework). */
int daas_devnet__abort_at(dn_exec *ex, const uint8_t pkg[DAAS_SUI_ADDRESS_LEN],
                          const char *module, const char *function, unsigned index,
                          uint64_t code);
/* The Seal twin's address (DN_SEAL_PKG_TEXT) as bytes. */
void daas_devnet__seal_pkg(uint8_t out[DAAS_SUI_ADDRESS_LEN]);
bool daas_devnet__is_seal_pkg(const uint8_t p[DAAS_SUI_ADDRESS_LEN]);
/* Appends an event emitted by module (takes the json reference and copies bcs). */
void daas_devnet__emit(dn_exec *ex, const char *module, const char *name, const daas_buf *bcs,
                       json_t *json);

/* ---- ptb.c ---- */

/* Runs the commands. DAAS_OK, DAAS_EFAILED (ex->fail set), or an internal error. */
DAAS_MUST_USE int daas_devnet__ptb_run(dn_exec *ex, daas_err *err);
/* Frees the PTB values of ex (inputs, results). */
void daas_devnet__ptb_fini(dn_exec *ex);

/* ---- the native package (pkg_*.c) ---- */

typedef enum dn_ptype {
    DN_P_U8 = 1,
    DN_P_U64,
    DN_P_BOOL,
    DN_P_ADDRESS,
    DN_P_BYTES,
    DN_P_STRING,
    DN_P_VEC_ADDRESS,
    /* vector<String>: bytes = its whole BCS (count, then each String), u = the count */
    DN_P_VEC_STRING,
    DN_P_REF, /* &T (object of `obj`) */
    DN_P_MUT, /* &mut T */
    DN_P_VAL, /* T by value */
} dn_ptype;

typedef struct dn_param {
    dn_ptype type;
    dn_kind obj; /* REF / MUT / VAL: the object kind expected */
} dn_param;

/* A resolved argument. */
typedef struct dn_arg {
    uint64_t u;                         /* U8, U64, BOOL */
    uint8_t addr[DAAS_SUI_ADDRESS_LEN]; /* ADDRESS */
    daas_bytes bytes;                   /* BYTES, STRING (UTF-8), VEC_ADDRESS (n × 32 bytes) */
    int obj;                            /* REF / MUT / VAL: index into ex->objs */
} dn_arg;

#define DN_MAX_PARAMS 8

/* What a call returns: role_of's u8, or (has_obj) a value of the working set without an owner
 * (load_nitro_attestation's document, which has `drop`). */
typedef struct dn_ret {
    size_t n; /* 0 or 1 */
    uint8_t bytes[8];
    size_t len;
    bool has_obj; /* the result is objs[obj] */
    int obj;
} dn_ret;

typedef struct dn_fn {
    const char *module;
    const char *name;
    unsigned index;  /* function definition index (MoveAbort text) */
    size_t n_params; /* without the implicit TxContext */
    dn_param params[DN_MAX_PARAMS];
    int (*run)(dn_exec *ex, const dn_arg *a, dn_ret *ret, daas_err *err);
} dn_fn;

extern const dn_fn daas_devnet__staking_fns[];
extern const size_t daas_devnet__staking_n;
extern const dn_fn daas_devnet__registry_fns[];
extern const size_t daas_devnet__registry_n;
extern const dn_fn daas_devnet__policy_fns[]; /* secret_policy (pkg_policy.c) */
extern const size_t daas_devnet__policy_n;
extern const dn_fn daas_devnet__seal_fns[]; /* the Seal twin: key_server, time (pkg_seal.c) */
extern const size_t daas_devnet__seal_n;
extern const dn_fn daas_devnet__enclave_fns[]; /* enclave and scheduling (pkg_enclave.c) */
extern const size_t daas_devnet__enclave_n;
extern const dn_fn daas_devnet__nitro_fns[]; /* 0x2::nitro_attestation (pkg_enclave.c) */
extern const size_t daas_devnet__nitro_n;
extern const dn_fn daas_devnet__rules_fns[]; /* cluster_rules (pkg_rules.c) */
extern const size_t daas_devnet__rules_n;

/* Genesis objects of the package's init: Pool, AdminCap (to publisher), Registry. */
DAAS_MUST_USE int daas_devnet__staking_genesis(dn_exec *ex,
                                               const uint8_t publisher[DAAS_SUI_ADDRESS_LEN],
                                               daas_err *err);
DAAS_MUST_USE int daas_devnet__registry_genesis(dn_exec *ex, daas_err *err);
/* Genesis objects of pkg_enclave.c: the Clock 0x6 (shared, version 1) and the shared Ledger. */
DAAS_MUST_USE int daas_devnet__enclave_genesis(dn_exec *ex, daas_err *err);
/* Genesis object of pkg_rules.c: the shared ClusterRules with the publish defaults. */
DAAS_MUST_USE int daas_devnet__rules_genesis(dn_exec *ex, daas_err *err);
/* role_of(pool, addr) over the working set (pool = index of the Pool). */
DAAS_MUST_USE int daas_devnet__role_of(dn_exec *ex, int pool,
                                       const uint8_t addr[DAAS_SUI_ADDRESS_LEN], uint8_t *role,
                                       daas_err *err);
/* JSON renderers of the package's objects (NULL on malformed bytes). */
json_t *daas_devnet__render_pool(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_stake_field(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_registry(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_node_field(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_enclave_config(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_enclave(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_ledger(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_policy(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_ticket(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_key_server(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_ksv2_field(const uint8_t *bcs, size_t len);
json_t *daas_devnet__render_rules(const uint8_t *bcs, size_t len);
/* The staked amount of addr in the Pool at working-set index pool: 0 when it has no entry or
 * the entry is slashed (a slashed stake grants nothing, as in role_of). */
DAAS_MUST_USE int daas_devnet__staked_amount(dn_exec *ex, int pool,
                                             const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                                             uint64_t *amount, daas_err *err);
/* The Clock as stored (timestamp_ms: the genesis time; natives read the chain clock). */
json_t *daas_devnet__render_clock(const daas_devnet *d, const uint8_t *bcs, size_t len);

/* ---- exec.c / genesis.c ---- */

/* Commits the working set of a successful or failed transaction as one SQLite transaction
 * (objects at ex->lamport, events, record). Used by execute and genesis. */
DAAS_MUST_USE int daas_devnet__commit(dn_exec *ex, daas_bytes tx_bytes, const char *result_json,
                                      daas_err *err);
/* Frees the working set, events, PTB values and failure texts of ex; zeroes it. */
void daas_devnet__exec_fini(dn_exec *ex);
/* Current epoch and chain time (mutex held). */
uint64_t daas_devnet__epoch(const daas_devnet *d);
int64_t daas_devnet__now_ms(const daas_devnet *d);
/* Executes with the mutex held (the faucet calls it from inside its own lock). */
DAAS_MUST_USE int daas_devnet__execute(daas_devnet *d, daas_bytes tx_bytes,
                                       const char *const *sigs_b64, size_t n_sigs, bool simulate,
                                       daas_sui_exec_result *out, daas_err *err);

/* Parameter descriptions of the native function tables (pkg_*.c). */
#define DN_PARAM_BYTES {DN_P_BYTES, 0}
#define DN_PARAM_U64 {DN_P_U64, 0}

#endif
