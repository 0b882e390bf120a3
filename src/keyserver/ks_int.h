/*
 * ks_int.h: what the key server's files share (keyserver/ only): the daas_ks struct, the
 * header middleware, PTB validation, the chain caches and the dry run, the fetch_key checks.
 *
 * Owns:   the layout of daas_ks.
 * Invariants: functions that refuse a request return a daas_seal_errcode and put the
 *             {detail} of the error (no secrets) into a caller buffer.
 */
#ifndef DAAS_KEYSERVER_KS_INT_H
#define DAAS_KEYSERVER_KS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "common/alloc.h"
#include "keyserver/keyserver.h"
#include "seal/proto.h"
#include "sui/tx.h"

#define DAAS_KS_PKG_CACHE 64 /* first-package-id cache entries */
#define DAAS_KS_DETAIL 240   /* bytes of an error's {detail} */

/* One cached package resolution. */
typedef struct daas_ks__pkg_entry {
    uint8_t id[DAAS_SEAL_ADDR_LEN];    /* the package id the PTB named */
    uint8_t first[DAAS_SEAL_ADDR_LEN]; /* its first (original) version */
} daas_ks__pkg_entry;

/* Request counters for /metrics (relaxed atomics: monotonic, read without a lock). */
typedef struct daas_ks__stats {
    atomic_ullong requests;                        /* every request */
    atomic_ullong service;                         /* /v1/service answered 200 */
    atomic_ullong fetch_ok;                        /* /v1/fetch_key answered 200 */
    atomic_ullong keys;                            /* derived keys released */
    atomic_ullong errors[DAAS_SEAL_E_UNKNOWN + 1]; /* refusals by Seal error */
    atomic_ullong bad_body;                        /* bodies refused before the checks */
    atomic_ullong fetch_us;                        /* total fetch_key time, microseconds */
} daas_ks__stats;

/* uskcache.c: derived keys already computed (uncompressed points). */
#define DAAS_KS_USK_CACHE 4096
#define DAAS_KS_CERT_CACHE 1024
typedef struct daas_ks__usk_entry {
    bool used;
    uint8_t hash[32];                   /* SHA-256(first package id || inner id) */
    uint8_t usk[DAAS_SEAL_G1_RAW_LEN];
} daas_ks__usk_entry;

struct daas_ks {
    daas_ks_config cfg;            /* copy; cfg.msk is the master key (wiped on free) */
    uint8_t pk[DAAS_SEAL_G2_LEN];  /* msk·G2 */
    uint8_t pop[DAAS_SEAL_G1_LEN]; /* proof of possession for cfg.object_id */
    daas_http_server *http;        /* the listener */
    pthread_mutex_t mu;            /* guards pkgs, npkgs, pkg_next, rgp, rgp_at_ms */
    uint8_t known[DAAS_KS_KNOWN_PKGS][DAAS_SEAL_ADDR_LEN]; /* cfg.known_pkgs, copied */
    size_t nknown;
    daas_ks__pkg_entry pkgs[DAAS_KS_PKG_CACHE];
    size_t npkgs, pkg_next; /* used entries; next one to overwrite when full */
    uint64_t rgp;           /* reference gas price */
    int64_t rgp_at_ms;      /* when rgp was read (0: never) */
    daas_ks__stats stats;
    pthread_mutex_t usk_mu;         /* guards usks, certs */
    daas_ks__usk_entry *usks;       /* DAAS_KS_USK_CACHE entries, wiped on free */
    uint8_t (*certs)[32];           /* DAAS_KS_CERT_CACHE hashes of verified certificates */
};

/* Whether the wallet signature sig over msg by user verified before (a session sends many
 * requests with one certificate); _cert_ok records one that did. */
bool daas_ks__cert_seen(daas_ks *ks, daas_bytes msg, const char *sig, const uint8_t user[32]);
void daas_ks__cert_ok(daas_ks *ks, daas_bytes msg, const char *sig, const uint8_t user[32]);
void daas_ks__usk_init(daas_ks *ks);
void daas_ks__usk_fini(daas_ks *ks);
/* The derived key for first || id (raw form), from the cache or computed and kept. Call only
 * for a request every check allowed. */
DAAS_MUST_USE int daas_ks__usk(daas_ks *ks, const uint8_t first[DAAS_SEAL_ADDR_LEN],
                               daas_bytes id, uint8_t usk[DAAS_SEAL_G1_RAW_LEN], daas_err *err);

/* The clock (cfg.now_ms or daas_now_ms). */
int64_t daas_ks__now(const daas_ks *ks);

/* headers.c: §6.2 middleware: DAAS_SEAL_E_NONE when the Client-Sdk-* headers pass. */
daas_seal_errcode daas_ks__check_sdk(const daas_http_req *req);

/* A parsed semantic version (semver 2.0.0: MAJOR.MINOR.PATCH[-pre][+build]). */
typedef struct daas_ks__semver {
    uint64_t major, minor, patch;
    bool prerelease; /* has a -pre part: never satisfies a plain >= requirement */
} daas_ks__semver;
/* DAAS_EINVAL when s is not a semver version (no 'v', no leading zeros, no blanks). */
DAAS_MUST_USE int daas_ks__semver_parse(const char *s, daas_ks__semver *out);

/* ptbcheck.c: a fetch_key PTB that passed the §6.4 rules. */
typedef struct daas_ks__ptb {
    daas_sui_ptb ptb;                /* decoded (owned) */
    uint8_t pkg[DAAS_SEAL_ADDR_LEN]; /* the package every command calls */
    daas_bytes *ids;                 /* inner id of each command, pointing into ptb (owned array) */
    size_t nids;                     /* == ptb.n_commands */
} daas_ks__ptb;

/* Decodes and validates ptb bytes. DAAS_EINVAL with the InvalidPTB detail in err. */
DAAS_MUST_USE int daas_ks__ptb_check(daas_bytes bcs, daas_ks__ptb *out, daas_err *err);
void daas_ks__ptb_fini(daas_ks__ptb *p);

/* chain.c: the first version of package pkg. DAAS_ENOTFOUND when it does not exist or is not
 * a package (InvalidPackage), DAAS_EUNAVAIL when the chain cannot say (Failure). */
DAAS_MUST_USE int daas_ks__first_pkg(daas_ks *ks, const uint8_t pkg[DAAS_SEAL_ADDR_LEN],
                                     uint8_t first[DAAS_SEAL_ADDR_LEN], daas_err *err);
/* The reference gas price, refreshed every DAAS_KS_RGP_REFRESH_MS. DAAS_EUNAVAIL. */
DAAS_MUST_USE int daas_ks__gas_price(daas_ks *ks, uint64_t *price, daas_err *err);
/* §6.8: dry-runs p (with the staleness command when the chain names a Seal package) sent by
 * user. DAAS_SEAL_E_NONE when the policy approves; else the error and its detail. */
daas_seal_errcode daas_ks__dry_run(daas_ks *ks, const daas_ks__ptb *p,
                                   const uint8_t user[DAAS_SEAL_ADDR_LEN], char *detail,
                                   size_t detail_sz);

/* fetch.c: the §6.7 checks then the keys. On DAAS_SEAL_E_NONE out holds the response JSON.
 * user/pkg (may be zeroed) are filled as far as known, for the log line. */
daas_seal_errcode daas_ks__fetch(daas_ks *ks, const daas_seal_fetch_req *r,
                                 const uint8_t ek[DAAS_SEAL_G1_RAW_LEN], daas_buf *out,
                                 uint8_t pkg_out[DAAS_SEAL_ADDR_LEN], char *detail,
                                 size_t detail_sz);

#endif
