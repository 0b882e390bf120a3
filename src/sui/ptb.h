/*
 * ptb.h: building programmable transactions (PTBs), choosing gas, budgeting from a dry run,
 * and signing + executing, on top of tx.h (the TransactionData model) and gql.h (the client).
 *
 * Owns:   daas_sui_ptbb, a PTB builder that owns every byte it holds (pure values, strings,
 *         parsed type arguments, argument arrays); the gas-selection and budget policy.
 * Not:    BCS encoding (tx.h), RPC (gql.h), keys and signatures (sui.h), the daas package's
 *         entry functions (pkg.h).
 * Model:  inputs are added first or interleaved with commands, as in the TS SDK: every add
 *         returns the daas_sui_arg to use in later commands. Identical pure inputs (same BCS
 *         bytes) and object inputs with the same id are added once and the earlier argument is
 *         returned (a shared object asked for mutably once becomes mutable).
 * Invariants:
 *   - every argument a command takes refers to an input or an earlier command that exists, and
 *     a NestedResult of SplitCoins names one of its results; violations are DAAS_EINVAL and
 *     leave the builder unchanged;
 *   - the builder never exceeds the protocol limits of tx.h (inputs, commands, arguments,
 *     pure size, type arguments);
 *   - daas_sui_tx_prepare never returns bytes of a transaction its dry run saw fail, and never
 *     uses a coin as gas that the PTB also takes as an input.
 * Thread: a builder is used by one thread at a time; the tx functions are as thread-safe as
 *         the client (gql.h) and key (sui.h) they are given.
 * Spec:   specs/sui.md §4 (TransactionData, pure values), §4 notes (input order, dedup),
 *         §9 (gas: price, budget from the dry run, gas coins not inputs).
 */
#ifndef DAAS_SUI_PTB_H
#define DAAS_SUI_PTB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sui/bcs.h"
#include "sui/gql.h"
#include "sui/sui.h"
#include "sui/tx.h"

/* The gas coin as a command argument (Argument::GasCoin). */
#define DAAS_SUI_GAS_COIN ((daas_sui_arg){.kind = DAAS_SUI_ARG_GAS_COIN, .index = 0, .sub = 0})

#define DAAS_SUI_MIST_PER_SUI 1000000000ull
/* Dry-run budget ceiling (Sui's max_tx_gas on current protocol versions): 50 SUI. */
#define DAAS_SUI_PLACEHOLDER_BUDGET (50ull * DAAS_SUI_MIST_PER_SUI)
/* At most this many Coin<SUI> objects are read to pick gas from. */
#define DAAS_SUI_MAX_COINS_READ 1024u

typedef struct daas_sui_ptbb daas_sui_ptbb;

/* An empty builder (never NULL; aborts on OOM). Free with daas_sui_ptbb_free. */
daas_sui_ptbb *daas_sui_ptbb_new(void);
/* Frees *b and everything it owns; sets *b to NULL. Accepts NULL and *b == NULL. */
void daas_sui_ptbb_free(daas_sui_ptbb **b);

/* ---- inputs: each writes the Argument::Input to use into *out ----
 * Errors: DAAS_EINVAL (too many inputs, a pure value over DAAS_SUI_MAX_PURE bytes, a string
 * that is not UTF-8 or holds a NUL, an object id given twice with a different version/digest
 * or initial shared version, or once owned and once shared). On error nothing is added. */

/* Pure input from raw BCS bytes (copied): the caller already encoded the Move value. */
DAAS_MUST_USE int daas_sui_ptbb_pure(daas_sui_ptbb *b, daas_bytes bcs, daas_sui_arg *out,
                                     daas_err *err);
DAAS_MUST_USE int daas_sui_ptbb_pure_u8(daas_sui_ptbb *b, uint8_t v, daas_sui_arg *out,
                                        daas_err *err);
DAAS_MUST_USE int daas_sui_ptbb_pure_u64(daas_sui_ptbb *b, uint64_t v, daas_sui_arg *out,
                                         daas_err *err);
DAAS_MUST_USE int daas_sui_ptbb_pure_bool(daas_sui_ptbb *b, bool v, daas_sui_arg *out,
                                          daas_err *err);
DAAS_MUST_USE int daas_sui_ptbb_pure_address(daas_sui_ptbb *b,
                                             const uint8_t addr[DAAS_SUI_ADDRESS_LEN],
                                             daas_sui_arg *out, daas_err *err);
/* 0x1::string::String: BCS vector<u8> of the UTF-8 text s (validated; no NUL inside). */
DAAS_MUST_USE int daas_sui_ptbb_pure_string(daas_sui_ptbb *b, const char *s, daas_sui_arg *out,
                                            daas_err *err);
/* vector<u8>: ULEB128 length then the bytes. */
DAAS_MUST_USE int daas_sui_ptbb_pure_bytes(daas_sui_ptbb *b, daas_bytes v, daas_sui_arg *out,
                                           daas_err *err);
/* An owned or immutable object at ref (CallArg::Object(ImmOrOwnedObject)). */
DAAS_MUST_USE int daas_sui_ptbb_object(daas_sui_ptbb *b, const daas_sui_objref *ref,
                                       daas_sui_arg *out, daas_err *err);
/* A shared object (CallArg::Object(SharedObject)); mutable picks Mutable / Immutable. */
DAAS_MUST_USE int daas_sui_ptbb_shared(daas_sui_ptbb *b, const uint8_t id[DAAS_SUI_ADDRESS_LEN],
                                       uint64_t initial_shared_version, bool mutable,
                                       daas_sui_arg *out, daas_err *err);

/* ---- commands ----
 * Arguments are validated (see Invariants); lists are copied. Errors: DAAS_EINVAL (bad
 * argument, empty list where one is required, bad identifier or type text, limits). On error
 * nothing is added. */

/* MoveCall package::module::function<type_args>(args). type_args are Move type texts parsed
 * with daas_sui_typetag_parse ("0x2::sui::SUI"); n_type_args may be 0 (type_args NULL), as may
 * n_args. *result (may be NULL) receives Argument::Result(command index). */
DAAS_MUST_USE int daas_sui_ptbb_move_call(daas_sui_ptbb *b,
                                          const uint8_t package[DAAS_SUI_ADDRESS_LEN],
                                          const char *module, const char *function,
                                          const char *const *type_args, size_t n_type_args,
                                          const daas_sui_arg *args, size_t n_args,
                                          daas_sui_arg *result, daas_err *err);
/* SplitCoins(coin, amounts) with n >= 1 amounts (u64 pure inputs or results); results[i]
 * (results may be NULL) receives NestedResult(command, i), the coin of amounts[i]. */
DAAS_MUST_USE int daas_sui_ptbb_split_coins(daas_sui_ptbb *b, daas_sui_arg coin,
                                            const daas_sui_arg *amounts, size_t n,
                                            daas_sui_arg *results, daas_err *err);
/* MergeCoins(dest, sources) with n >= 1 sources. */
DAAS_MUST_USE int daas_sui_ptbb_merge_coins(daas_sui_ptbb *b, daas_sui_arg dest,
                                            const daas_sui_arg *sources, size_t n, daas_err *err);
/* TransferObjects(objects, address) with n >= 1 objects; address is an address argument
 * (usually a pure address input). */
DAAS_MUST_USE int daas_sui_ptbb_transfer_objects(daas_sui_ptbb *b, const daas_sui_arg *objects,
                                                 size_t n, daas_sui_arg address, daas_err *err);
/* MakeMoveVec<type>(elements); type may be NULL (None) only when n >= 1. *result (may be
 * NULL) receives Argument::Result(command index). */
DAAS_MUST_USE int daas_sui_ptbb_make_move_vec(daas_sui_ptbb *b, const char *type,
                                              const daas_sui_arg *elements, size_t n,
                                              daas_sui_arg *result, daas_err *err);

/* The ProgrammableTransaction built so far: borrowed, valid until the next call that changes
 * b or frees it. Put it in a daas_sui_tx (shallow copy) to encode by hand; never pass that tx
 * to daas_sui_tx_fini. */
const daas_sui_ptb *daas_sui_ptbb_ptb(const daas_sui_ptbb *b);

/* ---- preparing, signing, executing ---- */

typedef struct daas_sui_tx_opts {
    uint64_t gas_price;   /* MIST per gas unit; 0: the reference price (daas_sui_get_epoch) */
    uint64_t budget;      /* MIST; 0: from the dry run (specs/sui.md §9) */
    size_t max_gas_coins; /* most coins used as gas; 0: DAAS_SUI_MAX_GAS_OBJECTS */
    /* MIST the PTB itself takes out of the gas coin (the SplitCoins(GasCoin, ...) amounts),
     * so the gas coins chosen cover spend + budget. 0 when the PTB does not split the gas. */
    uint64_t spend;
    /* Names abort codes in error messages ("ELocked"), or NULL: codes only. module is the
     * "0x…::module" the abort happened in; return NULL when the code is unknown. */
    const char *(*abort_name)(const char *module, uint64_t code);
} daas_sui_tx_opts;

/*
 * Prepares the TransactionData of b, sent by sender, and appends its BCS to *tx_bytes:
 *  1. price = opts->gas_price or the reference gas price;
 *  2. reads sender's Coin<SUI> (up to DAAS_SUI_MAX_COINS_READ), drops the coins b takes as
 *     inputs, and takes the largest first until their sum covers spend + (budget or
 *     DAAS_SUI_PLACEHOLDER_BUDGET), at most max_gas_coins of them;
 *  3. dry-runs with budget = opts->budget, or the placeholder min(sum − spend, 50 SUI);
 *  4. when opts->budget is 0: base = computationCost + 1000 × price,
 *     budget = max(base, base + storageCost − storageRebate);
 *  5. checks sum ≥ spend + budget and encodes V1 {b, sender, gas {chosen coins, owner =
 *     sender, price, budget}, expiration None}.
 * opts may be NULL (all defaults). Errors: DAAS_EINVAL ("insufficient SUI for gas: have X
 * MIST, need Y MIST"; an empty PTB), DAAS_EFAILED (the dry run ran and failed: "transaction
 * would fail: staking::unstake aborted with code 6 (ELocked)", or the execution error;
 * nothing was submitted),
 * the client's errors (DAAS_EUNAVAIL, DAAS_ETIMEOUT, DAAS_EREMOTE, DAAS_ETOOBIG past
 * DAAS_SUI_MAX_COINS_READ coins). On error tx_bytes->len is restored to its value on entry.
 */
DAAS_MUST_USE int daas_sui_tx_prepare(daas_sui_client *c,
                                      const uint8_t sender[DAAS_SUI_ADDRESS_LEN],
                                      const daas_sui_ptbb *b, const daas_sui_tx_opts *opts,
                                      daas_buf *tx_bytes, daas_err *err);

/*
 * Signs tx_bytes with key (intent scope 0) and executes them. *result is filled (release with
 * daas_sui_exec_result_fini; zeroed on entry) whenever the transaction ran, also when it
 * failed. Errors: as daas_sui_execute (DAAS_EFAILED: ran and failed; DAAS_EREMOTE: rejected
 * before execution), DAAS_ECRYPTO from signing.
 */
DAAS_MUST_USE int daas_sui_tx_sign_execute(daas_sui_client *c, const daas_sui_key *key,
                                           daas_bytes tx_bytes, daas_sui_exec_result *result,
                                           daas_err *err);

/* daas_sui_tx_prepare with sender = key's address, then daas_sui_tx_sign_execute. */
DAAS_MUST_USE int daas_sui_tx_run(daas_sui_client *c, const daas_sui_key *key,
                                  const daas_sui_ptbb *b, const daas_sui_tx_opts *opts,
                                  daas_sui_exec_result *result, daas_err *err);

/*
 * Sends amount MIST of the key's SUI to recipient: SplitCoins(GasCoin, [amount]) then
 * TransferObjects([that coin], recipient), gas from the dry run. amount must be > 0
 * (DAAS_EINVAL). Errors as daas_sui_tx_run; not enough SUI for amount + gas is DAAS_EINVAL
 * "insufficient SUI ...".
 */
DAAS_MUST_USE int daas_sui_transfer_sui(daas_sui_client *c, const daas_sui_key *key,
                                        const uint8_t recipient[DAAS_SUI_ADDRESS_LEN],
                                        uint64_t amount, daas_sui_exec_result *result,
                                        daas_err *err);

#endif
