/*
 * declog.h: the server's decision log (an append-only file of every delta fed to the enclave,
 *           every signed decision and every signed batch root) and its replay
 *           (`daas verify decisions`), which re-runs the published algorithm on it.
 *
 * Owns:   the file format below, the writer (append + fsync policy, torn-tail recovery), the
 *         strict reader of untrusted logs, the replay and its report, the match of the log's
 *         batches against the chain's scheduling::BatchCommitted events.
 * Not:    the scheduler core and its wire formats (sched.h), talking to the enclave
 *         (enclave/client.h), deciding when the server writes what (the server).
 * Invariants:
 *   - the reader trusts nothing: every length is capped, every record is canonical BCS
 *     (re-encoding gives the input back) with no trailing bytes; a frame that is incomplete at
 *     the end of the file, or the last frame whose checksum fails, is a torn tail (a crash
 *     during an append): it is skipped with a warning, never an error; anything else that is
 *     malformed is an error naming the record;
 *   - the writer appends whole frames with one write loop and never rewrites; opening an
 *     existing log cuts a torn tail off first (so a new record never follows garbage);
 *   - the replay is pure: same file and keys in, same report out.
 * Thread: a writer is used by one thread at a time; everything else is reentrant.
 * Spec:   sched.h (deltas, pods, decisions, signing bytes, Merkle tree); enclave/schedsvc.h
 *         (indices, restarts); admission.h, rebalance.h (intents 4 and 5); move/README.md
 *         scheduling::commit_batch and BatchCommitted.
 *
 * ---- File format ----
 *
 *   File   = magic "DAASDLG1" (8 bytes), then Frame*
 *   Frame  = len: u32 LE (1 ..= DAAS_DECLOG_MAX_RECORD), check: 4 bytes (the first 4 bytes of
 *            BLAKE2b-256(body)), body: len bytes = BCS(Record)
 *   Record = kind: ULEB128 variant, then
 *     0 Delta    = delta: vector<u8>      BCS(Delta) exactly as sent to the enclave
 *     1 Decision = index: u64             its index in the enclave's log (schedsvc.h)
 *                  decision: vector<u8>   BCS(Decision) as the enclave returned it
 *                  signature: [u8; 64]    Ed25519 over the decision's IntentMessage
 *                  enclave_pk: [u8; 32]
 *                  pod: vector<u8>        BCS(Pod) exactly as sent to the enclave
 *     2 Batch    = first: u64, count: u64, root: [u8; 32], timestamp_ms: u64,
 *                  signature: [u8; 64]    Ed25519 over the batch IntentMessage (intent 3)
 *                  enclave_pk: [u8; 32]
 *                  tx_digest: Option<String>  the commit_batch transaction (Base58), once known
 *     3 Epoch    = enclave_pk: [u8; 32]   a new enclave (restart): fresh state at seq 0,
 *                                         decision indices start again at 0
 *     4 Admission = index: u64            its index in the enclave's log (shared with
 *                                         placements: schedsvc.h POST /sched/admit)
 *                  decision: vector<u8>   BCS(AccessDecision) as the enclave returned it
 *                  timestamp_ms: u64      the enclave's signing time
 *                  signature: [u8; 64]    Ed25519 over the intent-4 IntentMessage
 *                                         (sched/admission.h)
 *                  enclave_pk: [u8; 32]
 *                  request: vector<u8>    BCS(AdmissionRequest) exactly as sent
 *                  rules: vector<u8>      BCS(ClusterRules) exactly as sent (each entry carries
 *                                         its rules: the replay needs no other record)
 *     5 Rebalance = index: u64            its index in the enclave's log (shared with
 *                                         placements and admissions)
 *                  plan: vector<u8>       BCS(RebalancePlan) as the enclave returned it
 *                                         (sched/rebalance.h)
 *                  timestamp_ms: u64      the enclave's signing time
 *                  signature: [u8; 64]    Ed25519 over the intent-5 IntentMessage
 *                  enclave_pk: [u8; 32]
 *                  request: vector<u8>    BCS(RebalanceRequest) exactly as sent (the cluster
 *                                         view it is planned against is the replay's state:
 *                                         the server logs every delta before asking)
 *   ([u8; N] is N raw bytes, as BCS encodes fixed arrays.)
 *
 * ---- Replay rules (daas_declog_verify) ----
 *
 *   An epoch is the part of the log after an Epoch record (or from the start of the file); its
 *   key is the Epoch record's, or, before any Epoch record, the key of the epoch's first
 *   Decision, Admission, Rebalance or Batch. Per epoch, a fresh daas_sched_state:
 *   - Delta: applied to the state (its seq must be the next one);
 *   - Decision: its pk is the epoch's key and a trusted key; its index is greater than the
 *     previous Decision's, Admission's or Rebalance's of the epoch; the pod decodes; the
 *     published daas_sched_decide on the current state at the decision's timestamp_ms finds a
 *     node and the resulting BCS(Decision) is the record's byte for byte (same pod, node,
 *     score, state seq and digest); the signature verifies under pk. Its Merkle leaf is kept
 *     under its index;
 *   - Admission: its pk is the epoch's key and a trusted key; its index is greater than the
 *     previous Decision's, Admission's or Rebalance's of the epoch; request and rules decode
 *     strictly; daas_sched_policy_eval of them encodes to the record's decision byte for byte;
 *     the intent-4 signature verifies. Its leaf, BLAKE2b-256(0x00 || signing bytes), is kept
 *     under its index like a Decision's;
 *   - Rebalance: its pk is the epoch's key and a trusted key; its index is greater than the
 *     previous Decision's, Admission's or Rebalance's of the epoch; request and plan decode
 *     strictly; daas_sched_rebalance_plan on the current state for the request encodes to
 *     the record's plan byte for byte (same round, state seq and digest, request digest and
 *     evictions); the intent-5 signature verifies. Its leaf (daas_sched_rebalance_leaf) is
 *     kept under its index like a Decision's;
 *   - Batch: its pk is the epoch's key; count >= 1; every index first .. first+count-1 has a
 *     Decision, an Admission or a Rebalance in the epoch; the Merkle root of their leaves
 *     equals root; the intent-3 signature verifies.
 *   The first rule broken stops the replay: the report names that record and why.
 */
#ifndef DAAS_SCHED_DECLOG_H
#define DAAS_SCHED_DECLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/err.h"
#include "sched/sched.h"
#include "sui/gql.h"

#define DAAS_DECLOG_MAGIC "DAASDLG1"
#define DAAS_DECLOG_MAGIC_LEN 8
#define DAAS_DECLOG_FRAME_HEAD 8 /* len + check */
/* One record: a delta, a pod plus a decision, an admission's request, rules and decision, or
 * a rebalance request and plan: at most three vectors, each at most DAAS_SCHED_MAX_DELTA_BYTES
 * (= DAAS_SCHED_POLICY_MAX_BYTES), plus the fixed fields (under 200 bytes). */
#define DAAS_DECLOG_MAX_RECORD (3u * DAAS_SCHED_MAX_DELTA_BYTES + 1024u)
#define DAAS_DECLOG_MAX_FILE ((size_t)1 << 31) /* what daas_declog_load reads */
#define DAAS_DECLOG_MAX_TX_DIGEST 64           /* Base58 of 32 bytes is at most 44 */
#define DAAS_DECLOG_MAX_EVENTS 1000000         /* BatchCommitted events read from the chain */

enum { /* record kinds (BCS variant index) */
       DAAS_DECLOG_DELTA = 0,
       DAAS_DECLOG_DECISION = 1,
       DAAS_DECLOG_BATCH = 2,
       DAAS_DECLOG_EPOCH = 3,
       DAAS_DECLOG_ADMISSION = 4,
       DAAS_DECLOG_REBALANCE = 5,
};

/* One record. Byte ranges borrow from the decoded input (or the caller's memory when
 * encoding); fields not used by the kind are ignored by the encoder. */
typedef struct daas_declog_rec {
    uint8_t kind;                        /* DAAS_DECLOG_* */
    daas_bytes delta;                    /* DELTA: BCS(Delta) */
    uint64_t index;                      /* DECISION, ADMISSION, REBALANCE: index in the
                                            enclave's log */
    daas_bytes decision;                 /* DECISION: BCS(Decision); ADMISSION:
                                            BCS(AccessDecision) */
    daas_bytes pod;                      /* DECISION: BCS(Pod) */
    daas_bytes request;                  /* ADMISSION: BCS(AdmissionRequest); REBALANCE:
                                            BCS(RebalanceRequest) */
    daas_bytes rules;                    /* ADMISSION: BCS(ClusterRules) */
    daas_bytes plan;                     /* REBALANCE: BCS(RebalancePlan) */
    uint64_t first;                      /* BATCH: first index */
    uint64_t count;                      /* BATCH: decisions in the batch (>= 1 for the replay) */
    uint8_t root[DAAS_SCHED_DIGEST_LEN]; /* BATCH */
    uint64_t timestamp_ms;               /* BATCH, ADMISSION, REBALANCE: the enclave's signing
                                            time */
    uint8_t sig[DAAS_SCHED_SIG_LEN];     /* DECISION, BATCH, ADMISSION, REBALANCE */
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN];   /* DECISION, BATCH, EPOCH, ADMISSION, REBALANCE: the
                                            enclave's key */
    bool has_tx;                         /* BATCH: tx_digest is Some */
    char tx_digest[DAAS_DECLOG_MAX_TX_DIGEST + 1]; /* BATCH, when has_tx */
} daas_declog_rec;

/* ---- records ---- */

/* Appends BCS(rec) to out. DAAS_EINVAL (unknown kind, a field over its cap, a tx digest
 * that is not printable ASCII), DAAS_ETOOBIG (out's cap or DAAS_DECLOG_MAX_RECORD). */
DAAS_MUST_USE int daas_declog_rec_encode(const daas_declog_rec *rec, daas_buf *out, daas_err *err);
/* Strict decode of one record body (in borrowed; rec's byte ranges point into it).
 * DAAS_EINVAL. */
DAAS_MUST_USE int daas_declog_rec_decode(daas_bytes in, daas_declog_rec *rec, daas_err *err);
/* Appends a whole frame (length, check, body) holding rec to out. Errors as encode. */
DAAS_MUST_USE int daas_declog_frame(const daas_declog_rec *rec, daas_buf *out, daas_err *err);

/* ---- reader (untrusted input) ---- */

typedef struct daas_declog_iter {
    daas_bytes in;  /* the whole file (borrowed) */
    size_t pos;     /* offset of the next frame */
    uint64_t n;     /* records returned so far */
    bool torn;      /* a torn tail was skipped (set when the end is reached) */
    size_t torn_at; /* its offset when torn */
} daas_declog_iter;

/* Starts reading a log held in memory (borrowed). DAAS_EINVAL when the magic is wrong. */
DAAS_MUST_USE int daas_declog_iter_init(daas_declog_iter *it, daas_bytes in, daas_err *err);
/*
 * The next record into *rec (borrowing from the input), *offset its frame's offset and
 * *more = true; at the end *more = false (it->torn tells whether a torn tail was skipped,
 * which is logged as a warning). DAAS_EINVAL "record N at offset O: ..." for a malformed
 * frame or record that is not a torn tail.
 */
DAAS_MUST_USE int daas_declog_next(daas_declog_iter *it, daas_declog_rec *rec, size_t *offset,
                                   bool *more, daas_err *err);

/* Reads a whole file ("-": stdin) into out (capped at DAAS_DECLOG_MAX_FILE: DAAS_ETOOBIG).
 * DAAS_ENOTFOUND / DAAS_EIO with the path. */
DAAS_MUST_USE int daas_declog_load(const char *path, daas_buf *out, daas_err *err);

/* ---- writer ---- */

/*
 * When the writer calls fsync (after the write that appends a record):
 *   EACH   after every record: a record is durable when append returns (the default for the
 *          server: a decision is logged before the binding that uses it is written);
 *   BATCH  after Batch and Epoch records and at close: records in between may be lost on a
 *          power failure (never reordered or half-kept: a torn tail is cut at the next open);
 *   NONE   never (tests, tools).
 */
enum { DAAS_DECLOG_SYNC_EACH = 0, DAAS_DECLOG_SYNC_BATCH = 1, DAAS_DECLOG_SYNC_NONE = 2 };

typedef struct daas_declog_writer daas_declog_writer;

/* Opens path for appending (mode 0600), creating it with the magic when absent. An existing
 * file is read first: a torn tail is cut off (warning); a file that is not a valid log is
 * DAAS_EINVAL and left alone. DAAS_EIO / DAAS_ENOTFOUND from the file system. */
DAAS_MUST_USE int daas_declog_writer_open(const char *path, int sync_policy,
                                          daas_declog_writer **out, daas_err *err);
/* Appends one record (one frame, fsync per the policy). On DAAS_EIO the file is cut back to
 * its previous length when possible and the writer refuses further appends. DAAS_EINVAL /
 * DAAS_ETOOBIG as daas_declog_rec_encode. */
DAAS_MUST_USE int daas_declog_append(daas_declog_writer *w, const daas_declog_rec *rec,
                                     daas_err *err);
/*
 * Appends an Admission record: what daas_enclave_client_admit returned (index, decision_bcs,
 * timestamp_ms, sig) for request_bcs and rules_bcs (what was sent), signed by pk. All
 * borrowed. Errors as daas_declog_append.
 */
DAAS_MUST_USE int daas_declog_add_admission(daas_declog_writer *w, uint64_t index,
                                            daas_bytes request_bcs, daas_bytes rules_bcs,
                                            daas_bytes decision_bcs, uint64_t timestamp_ms,
                                            const uint8_t sig[DAAS_SCHED_SIG_LEN],
                                            const uint8_t pk[DAAS_SCHED_PUBKEY_LEN], daas_err *err);
/* fsync now (any policy). DAAS_EIO. */
DAAS_MUST_USE int daas_declog_sync(daas_declog_writer *w, daas_err *err);
/* Syncs (BATCH policy), closes, frees, nulls *w. Accepts NULL and *w == NULL. */
void daas_declog_writer_close(daas_declog_writer **w);

/* ---- replay (verify.c) ---- */

/* A batch that verified, for the chain check. */
typedef struct daas_declog_batch {
    uint64_t record; /* its record number in the file (0-based) */
    uint64_t first, count, timestamp_ms;
    uint8_t root[DAAS_SCHED_DIGEST_LEN];
    uint8_t pk[DAAS_SCHED_PUBKEY_LEN];
} daas_declog_batch;

typedef struct daas_declog_report {
    uint64_t records, deltas, decisions, batches, epochs; /* records replayed successfully */
    uint64_t admissions;                                  /* of which Admission records */
    uint64_t plans;                                       /* of which Rebalance records */
    bool ok;                                              /* every record checked */
    bool any_key;                  /* no trusted key was given: any enclave key was accepted */
    bool torn_tail;                /* a torn last record was skipped */
    bool has_failure;              /* fail_* are set */
    uint64_t fail_record;          /* 0-based record number of the first failure */
    size_t fail_offset;            /* its frame's offset in the file */
    char reason[240];              /* why */
    uint64_t chain_checked;        /* batches matched against BatchCommitted events */
    daas_declog_batch *batch_list; /* verified batches in log order (owned) */
    size_t n_batch_list;
} daas_declog_report;

/*
 * Replays the log in file (borrowed) under the rules above. trusted[0..n_trusted) are the
 * enclave keys to accept (n_trusted == 0: any, rep->any_key). Fills *rep (release with
 * daas_declog_report_fini). DAAS_OK when every record checked; otherwise DAAS_EINVALID (a
 * malformed or wrong record: rep names it, err says "record N: reason"), DAAS_ECRYPTO (a
 * signature does not verify) or DAAS_EDENIED (an untrusted key).
 */
DAAS_MUST_USE int daas_declog_verify(daas_bytes file,
                                     const uint8_t (*trusted)[DAAS_SCHED_PUBKEY_LEN],
                                     size_t n_trusted, daas_declog_report *rep, daas_err *err);
void daas_declog_report_fini(daas_declog_report *rep);

/*
 * Checks that every batch in rep->batch_list has a BatchCommitted event among ev[0..n) with
 * the same root, first_seq and count (pure; events borrowed). On the first batch without one
 * rep->ok becomes false with that batch's record as the failure: DAAS_ENOTFOUND. Malformed
 * events are DAAS_EREMOTE. Sets rep->chain_checked.
 */
DAAS_MUST_USE int daas_declog_match_events(const daas_sui_event *ev, size_t n,
                                           daas_declog_report *rep, daas_err *err);
/* Reads every "<package>::scheduling::BatchCommitted" event from the chain (package as
 * "0x" + 64 hex) and runs daas_declog_match_events. The client's errors, DAAS_ETOOBIG past
 * DAAS_DECLOG_MAX_EVENTS. */
DAAS_MUST_USE int daas_declog_verify_chain(daas_sui_client *c, const char *package,
                                           daas_declog_report *rep, daas_err *err);

#endif
