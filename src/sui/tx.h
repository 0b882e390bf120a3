/*
 * tx.h: a C model of Sui TransactionData V1 (programmable transactions), its BCS encoding and
 * decoding, the transaction digest, and SenderSignedData.
 *
 * Owns:   daas_sui_tx and everything hanging off it once decoded (free with daas_sui_tx_fini).
 * Not:    keys and signing (sui.h), RPC transports, gas selection.
 * Model:  flat structs with explicit counts; a command keeps every field any variant uses and
 *         `kind` says which are meaningful. A tx built by hand may point into caller memory
 *         (then do not call daas_sui_tx_fini on it); a decoded tx owns all its memory.
 * Invariants:
 *   - decode accepts only what encode would produce again byte for byte (canonical BCS,
 *     known variants, no trailing bytes), so decode-then-encode is the identity;
 *   - decode enforces the protocol limits below before allocating anything sized by input.
 * Spec:   specs/sui.md §3.3, §3.4, §4, §4.1, §8.3-§8.5b.
 */
#ifndef DAAS_SUI_TX_H
#define DAAS_SUI_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/bcs.h"

/* Protocol limits (sui-protocol-config v1 base values, specs/sui.md §4 notes). */
#define DAAS_SUI_TX_MAX_BYTES 131072u
#define DAAS_SUI_MAX_PURE 16384u
#define DAAS_SUI_MAX_INPUTS 2048u
#define DAAS_SUI_MAX_COMMANDS 1024u
#define DAAS_SUI_MAX_ARGS 512u
#define DAAS_SUI_MAX_GAS_OBJECTS 256u
#define DAAS_SUI_MAX_TYPE_ARGS 16u
#define DAAS_SUI_MAX_TYPE_DEPTH 16u
#define DAAS_SUI_MAX_IDENT 128u    /* module / function / struct name bytes */
#define DAAS_SUI_MAX_MODULES 1024u /* Publish/Upgrade modules and dependencies */


typedef struct daas_sui_objref {
    uint8_t id[DAAS_SUI_ADDRESS_LEN];       /* object id */
    uint64_t version;                    /* sequence number */
    uint8_t digest[DAAS_SUI_DIGEST_LEN]; /* object digest (BCS: 0x20 + 32 bytes) */
} daas_sui_objref;

typedef enum daas_sui_typetag_kind {
    DAAS_SUI_TYPE_BOOL = 0,
    DAAS_SUI_TYPE_U8 = 1,
    DAAS_SUI_TYPE_U64 = 2,
    DAAS_SUI_TYPE_U128 = 3,
    DAAS_SUI_TYPE_ADDRESS = 4,
    DAAS_SUI_TYPE_SIGNER = 5,
    DAAS_SUI_TYPE_VECTOR = 6,
    DAAS_SUI_TYPE_STRUCT = 7,
    DAAS_SUI_TYPE_U16 = 8,
    DAAS_SUI_TYPE_U32 = 9,
    DAAS_SUI_TYPE_U256 = 10,
} daas_sui_typetag_kind;

typedef struct daas_sui_typetag daas_sui_typetag;

typedef struct daas_sui_structtag {
    uint8_t address[DAAS_SUI_ADDRESS_LEN]; /* package address */
    char *module;                       /* module name (UTF-8, no NUL inside) */
    char *name;                         /* struct name */
    size_t n_params;                    /* number of type parameters */
    daas_sui_typetag *params;           /* type parameters */
} daas_sui_structtag;

struct daas_sui_typetag {
    daas_sui_typetag_kind kind; /* which type */
    daas_sui_typetag *elem;     /* VECTOR: element type (one) */
    daas_sui_structtag *st;     /* STRUCT: the struct tag */
};

typedef enum daas_sui_arg_kind {
    DAAS_SUI_ARG_GAS_COIN = 0,
    DAAS_SUI_ARG_INPUT = 1,
    DAAS_SUI_ARG_RESULT = 2,
    DAAS_SUI_ARG_NESTED_RESULT = 3,
} daas_sui_arg_kind;

typedef struct daas_sui_arg {
    daas_sui_arg_kind kind; /* which Argument */
    uint16_t index;         /* INPUT: input index; RESULT / NESTED_RESULT: command index */
    uint16_t sub;           /* NESTED_RESULT: result index */
} daas_sui_arg;

typedef enum daas_sui_input_kind {
    DAAS_SUI_INPUT_PURE = 0,     /* CallArg::Pure */
    DAAS_SUI_INPUT_IMM_OR_OWNED, /* CallArg::Object(ImmOrOwnedObject) */
    DAAS_SUI_INPUT_SHARED,       /* CallArg::Object(SharedObject) */
    DAAS_SUI_INPUT_RECEIVING,    /* CallArg::Object(Receiving) */
} daas_sui_input_kind;

/* SharedObjectMutability (was `mutable: bool`; 0/1 wire-compatible). */
enum { DAAS_SUI_SHARED_IMMUTABLE = 0, DAAS_SUI_SHARED_MUTABLE = 1, DAAS_SUI_SHARED_NONEXCL = 2 };

typedef struct daas_sui_input {
    daas_sui_input_kind kind;             /* which CallArg */
    uint8_t *pure;                        /* PURE: the BCS bytes of the value */
    size_t pure_len;                      /* PURE: their length */
    daas_sui_objref ref;                  /* IMM_OR_OWNED, RECEIVING */
    uint8_t shared_id[DAAS_SUI_ADDRESS_LEN]; /* SHARED: object id */
    uint64_t initial_shared_version;      /* SHARED */
    uint8_t mutability;                   /* SHARED: DAAS_SUI_SHARED_* */
} daas_sui_input;

typedef enum daas_sui_cmd_kind {
    DAAS_SUI_CMD_MOVE_CALL = 0,
    DAAS_SUI_CMD_TRANSFER_OBJECTS = 1,
    DAAS_SUI_CMD_SPLIT_COINS = 2,
    DAAS_SUI_CMD_MERGE_COINS = 3,
    DAAS_SUI_CMD_PUBLISH = 4,
    DAAS_SUI_CMD_MAKE_MOVE_VEC = 5,
    DAAS_SUI_CMD_UPGRADE = 6,
} daas_sui_cmd_kind;

typedef struct daas_sui_module {
    uint8_t *bytes; /* compiled module bytes */
    size_t len;     /* their length */
} daas_sui_module;

typedef struct daas_sui_command {
    daas_sui_cmd_kind kind; /* which Command */
    /* MOVE_CALL: package; UPGRADE: the package being upgraded */
    uint8_t package[DAAS_SUI_ADDRESS_LEN];
    char *module;                /* MOVE_CALL */
    char *function;              /* MOVE_CALL */
    size_t n_type_args;          /* MOVE_CALL type arguments */
    daas_sui_typetag *type_args; /* MOVE_CALL */
    bool has_type;               /* MAKE_MOVE_VEC: Option<TypeTag> is Some */
    daas_sui_typetag vec_type;   /* MAKE_MOVE_VEC when has_type */
    /* TRANSFER_OBJECTS: address; SPLIT_COINS: coin; MERGE_COINS: destination; UPGRADE: ticket */
    daas_sui_arg arg;
    /* MOVE_CALL: arguments; TRANSFER_OBJECTS: objects; SPLIT_COINS: amounts;
     * MERGE_COINS: sources; MAKE_MOVE_VEC: elements */
    size_t n_args;
    daas_sui_arg *args;
    size_t n_modules;                   /* PUBLISH, UPGRADE */
    daas_sui_module *modules;           /* PUBLISH, UPGRADE */
    size_t n_deps;                      /* PUBLISH, UPGRADE */
    uint8_t (*deps)[DAAS_SUI_ADDRESS_LEN]; /* PUBLISH, UPGRADE: dependency package ids */
} daas_sui_command;

typedef enum daas_sui_expiration_kind {
    DAAS_SUI_EXPIRE_NONE = 0,
    DAAS_SUI_EXPIRE_EPOCH = 1,
    DAAS_SUI_EXPIRE_VALID_DURING = 2,
} daas_sui_expiration_kind;

typedef struct daas_sui_opt_u64 {
    bool some;      /* Option is Some */
    uint64_t value; /* the value when some */
} daas_sui_opt_u64;

typedef struct daas_sui_expiration {
    daas_sui_expiration_kind kind;                 /* which TransactionExpiration */
    uint64_t epoch;                                /* EPOCH */
    daas_sui_opt_u64 min_epoch, max_epoch;         /* VALID_DURING */
    daas_sui_opt_u64 min_timestamp, max_timestamp; /* VALID_DURING */
    uint8_t chain[DAAS_SUI_DIGEST_LEN];            /* VALID_DURING: genesis checkpoint digest */
    uint32_t nonce;                                /* VALID_DURING */
} daas_sui_expiration;

/* A ProgrammableTransaction (the only TransactionKind modelled). */
typedef struct daas_sui_ptb {
    size_t n_inputs; /* inputs */
    daas_sui_input *inputs;
    size_t n_commands; /* commands */
    daas_sui_command *commands;
} daas_sui_ptb;

typedef struct daas_sui_gas {
    size_t n_payment; /* gas coins (may be 0) */
    daas_sui_objref *payment;
    uint8_t owner[DAAS_SUI_ADDRESS_LEN]; /* gas owner (= sender unless sponsored) */
    uint64_t price;                   /* MIST per gas unit */
    uint64_t budget;                  /* MIST */
} daas_sui_gas;

/* TransactionData::V1. */
typedef struct daas_sui_tx {
    daas_sui_ptb kind;                 /* TransactionKind::ProgrammableTransaction */
    uint8_t sender[DAAS_SUI_ADDRESS_LEN]; /* sender address */
    daas_sui_gas gas;                  /* gas data */
    daas_sui_expiration expiration;    /* expiration */
} daas_sui_tx;

/*
 * Appends BCS(TransactionData::V1(tx)) to out. DAAS_EINVAL when a field is out of range (an
 * unknown kind, a NULL string, a count past the protocol limits), DAAS_ETOOBIG when out's cap
 * is reached or the encoding would exceed DAAS_SUI_TX_MAX_BYTES. On error out may hold a
 * partial encoding; reset it.
 */
DAAS_MUST_USE int daas_sui_tx_encode(const daas_sui_tx *tx, daas_buf *out, daas_err *err);

/* Appends the TransactionKind-only bytes (for devInspect, §8.4) of a PTB to out. */
DAAS_MUST_USE int daas_sui_tx_kind_encode(const daas_sui_ptb *ptb, daas_buf *out, daas_err *err);

/*
 * Decodes TransactionData bytes into *tx (zeroed first; owns its memory afterwards, release
 * with daas_sui_tx_fini). DAAS_EINVAL on truncation, non-canonical ULEB128, bad bool/Option
 * tags, unknown or unsupported variants (non-programmable kinds, FundsWithdrawal), limits,
 * deep type nesting or trailing bytes; DAAS_ETOOBIG when in is longer than
 * DAAS_SUI_TX_MAX_BYTES. On error *tx is left zeroed with nothing allocated.
 */
DAAS_MUST_USE int daas_sui_tx_decode(daas_bytes in, daas_sui_tx *tx, daas_err *err);

/* Decodes TransactionKind-only bytes (a PTB) into *ptb, same rules as daas_sui_tx_decode.
 * Release with daas_sui_ptb_fini. */
DAAS_MUST_USE int daas_sui_tx_kind_decode(daas_bytes in, daas_sui_ptb *ptb, daas_err *err);

/* Frees everything a decoded tx / ptb owns and zeroes it. Accepts a zeroed struct. */
void daas_sui_tx_fini(daas_sui_tx *tx);
void daas_sui_ptb_fini(daas_sui_ptb *ptb);

/*
 * Parses a Move type as written in Sui ("u64", "vector<u8>",
 * "0x2::coin::Coin<0x2::sui::SUI>"; short addresses are left-padded, whitespace around
 * tokens is allowed) into *out (zeroed first; release with daas_sui_typetag_fini).
 * DAAS_EINVAL on bad syntax, identifiers longer than DAAS_SUI_MAX_IDENT, more than
 * DAAS_SUI_MAX_TYPE_ARGS parameters or nesting deeper than DAAS_SUI_MAX_TYPE_DEPTH;
 * on error nothing stays allocated.
 */
DAAS_MUST_USE int daas_sui_typetag_parse(const char *s, daas_sui_typetag *out, daas_err *err);

/* Appends the canonical text of t (addresses as 0x + 64 hex) to out. DAAS_ETOOBIG on cap. */
DAAS_MUST_USE int daas_sui_typetag_format(const daas_sui_typetag *t, daas_buf *out);

/* Appends BCS(TypeTag) of t to out (DAAS_EINVAL on a malformed tag, DAAS_ETOOBIG on cap). */
DAAS_MUST_USE int daas_sui_typetag_encode(const daas_sui_typetag *t, daas_buf *out, daas_err *err);

/* Frees what a parsed or decoded type tag owns and zeroes it. */
void daas_sui_typetag_fini(daas_sui_typetag *t);

/* BLAKE2b-256("TransactionData::" || tx_bytes) (§3.3). Never fails. */
void daas_sui_tx_digest(daas_bytes tx_bytes, uint8_t out[DAAS_SUI_DIGEST_LEN]);

/* The digest above as Base58 into out (outsz >= DAAS_SUI_DIGEST_B58_LEN). */
#define DAAS_SUI_DIGEST_B58_LEN 48
DAAS_MUST_USE int daas_sui_tx_digest_b58(daas_bytes tx_bytes, char *out, size_t outsz,
                                         daas_err *err);

/*
 * Appends SenderSignedData = [ { IntentMessage(00 00 00, tx), signatures } ] (§3.4):
 * 01 || 000000 || tx_bytes || ULEB(n_sigs) || each ULEB(len) || sig. Signatures are the
 * serialized flag||sig||pk bytes. DAAS_EINVAL when n_sigs is 0, DAAS_ETOOBIG on out's cap.
 */
DAAS_MUST_USE int daas_sui_sender_signed_encode(daas_bytes tx_bytes, const daas_bytes *sigs,
                                                size_t n_sigs, daas_buf *out, daas_err *err);

/*
 * Splits SenderSignedData into its transaction bytes (validated with daas_sui_tx_decode
 * rules, *tx_bytes points into in) and up to max_sigs signatures (pointing into in).
 * DAAS_EINVAL on any malformation, a non-transaction intent, more than one element, no
 * signatures, or more than max_sigs signatures.
 */
DAAS_MUST_USE int daas_sui_sender_signed_decode(daas_bytes in, daas_bytes *tx_bytes,
                                                daas_bytes *sigs, size_t max_sigs, size_t *n_sigs,
                                                daas_err *err);

#endif
