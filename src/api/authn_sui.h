/*
 * authn_sui.h: the Sui wallet authenticator: bearer tokens signed with a Sui key
 * (sui/token.h), mapped to a user whose role comes from the address's stake.
 *
 * Owns:   the authenticator (an entry of the daas_authn chain), its replay cache and its
 *         stake cache; the stake-source interface the chain-backed reader implements.
 * Not:    the token format (sui/token.c); reading stake from the chain (the source given in
 *         the options); authorization (authz.c).
 * Invariants:
 *   - a bearer token that does not start with "daas-sui.v1." is not ours (DAAS_ENOTFOUND:
 *     the next authenticator tries it); one that does is accepted or rejected here;
 *   - a token is accepted only for this cluster id, before its expiry, when its expiry is at
 *     most 15 minutes (plus 30 s of clock skew) away, with a valid signature by the address
 *     it names, and while no other token with the same address and nonce has been accepted;
 *   - the same token may be presented any number of times until it expires (kubectl reuses
 *     one token for every request of a command);
 *   - stake lookups run without any lock held; a lock guards only the caches;
 *   - tokens never appear in logs or messages.
 * Thread: daas_authn_sui_* functions may be called from any thread at any time.
 * Spec:   ARCHITECTURE.md §3.1; move/README.md "Roles and tiers".
 */
#ifndef DAAS_API_AUTHN_SUI_H
#define DAAS_API_AUTHN_SUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/authn.h"
#include "common/err.h"

/* What the chain says about one address. */
typedef struct daas_stake_info {
    int role;        /* DAAS_PKG_ROLE_* (sui/pkg.h): role_of(pool, addr), 0 when no stake */
    uint64_t amount; /* MIST staked */
    bool slashed;    /* a slashed stake grants no role, whatever role says */
} daas_stake_info;

/* Where stake comes from. lookup fills *out (role 0 for an address without stake) and
 * returns DAAS_OK, or an error with a message (the chain could not be read). It is called
 * without any authenticator lock held, from any worker thread, possibly concurrently. */
typedef struct daas_stake_source {
    int (*lookup)(void *self, const uint8_t addr[32], daas_stake_info *out, daas_err *err);
    void *self; /* borrowed: must outlive the authenticator */
} daas_stake_source;

typedef struct daas_authn_sui_opts {
    const char *cluster_id;     /* required, [A-Za-z0-9._-]{1,64}; copied */
    daas_stake_source source;   /* required */
    int64_t stake_ttl_ms;       /* how long a stake answer is reused; 0: 30 s */
    size_t max_live_tokens;     /* replay-cache bound; 0: 100,000 */
    size_t max_stake_entries;   /* stake-cache bound; 0: 100,000 */
    /* Stake reads for addresses not in the cache, per second (a burst of twice that). Anyone
     * can sign a valid token for a fresh address, so this bounds the chain reads strangers can
     * cause; past it a token is refused (401, "too many new wallets") until the bucket
     * refills. 0: 50. */
    int lookups_per_s;
    int64_t (*now_ms)(void);    /* wall clock (tests freeze it); NULL: daas_now_ms */
} daas_authn_sui_opts;

typedef struct daas_authn_sui daas_authn_sui;

#define DAAS_AUTHN_SUI_MAX_TTL_MS (15 * 60 * 1000) /* longest token lifetime accepted */
#define DAAS_AUTHN_SUI_SKEW_MS (30 * 1000)         /* clock skew allowed on top of it */

/* The group that carries a stake role: "daas:role:" + daas_pkg_role_name(role) (sui/pkg.h). */
#define DAAS_ROLE_GROUP_PREFIX "daas:role:"

/* Creates a Sui authenticator and appends it to the chain a, which owns it from then on
 * (daas_authn_free destroys it). Add it BEFORE the token-file authenticator, which would
 * reject a wallet token as an unknown bearer token. *handle_out (may be NULL) stays valid
 * until the chain is freed; use it for daas_authn_sui_invalidate*.
 * Errors: DAAS_EINVAL (bad cluster id, no stake lookup). */
DAAS_MUST_USE int daas_authn_add_sui(daas_authn *a, const daas_authn_sui_opts *o,
                                     daas_authn_sui **handle_out, daas_err *err);

/* A standalone authenticator (tests, tools); free with daas_authn_sui_free. */
DAAS_MUST_USE int daas_authn_sui_new(const daas_authn_sui_opts *o, daas_authn_sui **out,
                                     daas_err *err);
void daas_authn_sui_free(daas_authn_sui **h);

/* Checks one token (the bearer credentials, without "Bearer "). DAAS_OK with *out = user
 * "sui:0x<addr>", uid "0x<addr>", groups "system:authenticated" and "daas:role:<role>";
 * DAAS_ENOTFOUND when tok is not a daas-sui token; DAAS_EUNAUTH with the reason ("token
 * expired", "token is for cluster X", "token signature does not verify", "token nonce
 * already used", "too many live tokens", "cannot read stake for 0x…: <why>", ...). */
DAAS_MUST_USE int daas_authn_sui_check(daas_authn_sui *h, const char *tok, size_t len,
                                       daas_user *out, daas_err *err);

/* Forgets the cached stake of one address / of every address (the chain-event follower
 * calls these when a Staked/Unstaked/Slashed event or a threshold change arrives). A lookup
 * in flight when this is called is not cached. */
void daas_authn_sui_invalidate(daas_authn_sui *h, const uint8_t addr[32]);
void daas_authn_sui_invalidate_all(daas_authn_sui *h);

#endif
